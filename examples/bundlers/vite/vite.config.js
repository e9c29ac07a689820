import { defineConfig } from "vite";

// Nothing to set for redflag in Vite 8: the build and the dev server both
// follow `new URL("./redflag_bg.wasm", import.meta.url)` and emit or serve the
// .wasm, and the default targets allow top-level await. (Vite 7 and older
// default to targets without it: there, set `build: { target: "es2022" }`.)
export default defineConfig({});
