// Screens the ad in the form as it is typed and writes the verdict into the
// page. `redflag` fetches its .wasm through `new URL(..., import.meta.url)`,
// which Rollup leaves alone: rollup.config.mjs copies it with
// @web/rollup-plugin-import-meta-assets.
import { Engine } from "redflag";

const engine = new Engine();
const form = document.querySelector("form");
const out = document.getElementById("verdict");

function screen() {
  const verdict = engine.screen({
    section: form.section.value,
    title: form.title.value,
    body: form.body.value,
  });
  out.textContent = verdict.verdict;
  out.dataset.tier = verdict.verdict;
  document.getElementById("messages").textContent = verdict.poster_messages.join(" ");
}

form.addEventListener("input", screen);
form.addEventListener("submit", (e) => {
  e.preventDefault();
  screen();
});
screen();
document.documentElement.dataset.ready = "true";
