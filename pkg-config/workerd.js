// Cloudflare Workers / workerd: the runtime forbids compiling wasm from bytes
// at run time, so the .wasm is imported as a compiled WebAssembly.Module (a
// module rule of type CompiledWasm; wrangler does this for *.wasm imports).
import wasm from "./redflag_bg.wasm";
import { initSync } from "./load.js";

initSync({ module: wasm });

export * from "./api.js";
