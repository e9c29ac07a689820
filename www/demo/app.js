// The demo page: load the engine from the package, attach it to the form.
// Screening runs in a module Worker with its own engine (a long paste does
// not block typing); the engine here is the fallback when no Worker can run.
import { Engine } from "/redflag/index.js";
import { attachForm } from "/form/redflag-form.js";

const engine = new Engine();
const controller = attachForm(document.getElementById("post-ad"), {
  engine,
  worker: { packageUrl: "/redflag/index.js" },
  fields: ["title", "body", "price", "contact"],
  section: "select[name=section]",
  messages: "#redflag-messages",
});
// For the browser tests and for measuring in the console.
window.redflagForm = controller;
await controller.ready();
document.documentElement.dataset.redflagReady = "true";
