// Node.js (ES modules): read the .wasm from disk and instantiate it synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "./load.js";

initSync({ module: readFileSync(new URL("./redflag_bg.wasm", import.meta.url)) });

export * from "./api.js";
