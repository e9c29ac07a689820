// No automatic initialisation: call `await init()` (or `initSync`) yourself.
// For extension service workers (no top-level await) and custom loaders.
export { default as init, initSync } from "./redflag.js";
export * from "./redflag.js";
