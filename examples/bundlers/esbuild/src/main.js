// Screens the ad in the form as it is typed and writes the verdict into the
// page. esbuild does not follow `new URL("./redflag_bg.wasm", import.meta.url)`
// inside the package, so the .wasm would not reach the build folder. Instead
// the .wasm is imported (build.mjs sets `loader: { ".wasm": "file" }`, which
// copies it and gives its path) and handed to `init` of `redflag/manual`.
import { init, Engine } from "redflag/manual";
import wasmPath from "redflag/redflag_bg.wasm";

// The path is relative to the bundle, not to the page.
await init({ module_or_path: new URL(wasmPath, import.meta.url) });

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
