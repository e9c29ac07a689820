// The demo page: load the engine from the package, attach it to the form.
import { Engine } from "/redflag/index.js";
import { attachForm } from "/form/redflag-form.js";

const engine = new Engine();
const controller = attachForm(document.getElementById("post-ad"), {
  engine,
  fields: ["title", "body", "price", "contact"],
  section: "select[name=section]",
  messages: "#redflag-messages",
});
// For the browser tests and for measuring in the console.
window.redflagForm = controller;
document.documentElement.dataset.redflagReady = "true";
