// Browsers and bundlers: fetch and instantiate the .wasm next to this file,
// then export the API. `await import("redflag")` or a static import in an ES
// module both work (top-level await). Pages need `'wasm-unsafe-eval'` in
// their script-src and the .wasm served as application/wasm. If the .wasm
// cannot be fetched, importing this module fails with an Error naming its
// URL; pages that must keep working without the engine import
// `redflag/manual` and handle `init()`'s rejection instead.
import { init } from "./load.js";

await init({ module_or_path: new URL("./redflag_bg.wasm", import.meta.url) });

export * from "./api.js";
