// No automatic initialisation: call `await init()` (or `initSync`) yourself.
// For extension service workers (no top-level await), pages that must keep
// working when the .wasm cannot be loaded, and custom loaders.
export { init as default } from "./load.js";
export * from "./api.js";
