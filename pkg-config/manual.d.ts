// `redflag/manual`: the same API without automatic initialisation: call
// `await init(input)` or `initSync(bytes)` before using it.
export * from "./index.js";
export { init as default } from "./index.js";
