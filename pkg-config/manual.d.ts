// `redflag/manual`: the same API without automatic initialisation.
export * from "./index.js";

/** What `init` accepts: a URL or path to the .wasm, a Response, bytes, or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Fetches (if needed) and instantiates the .wasm. Call once before using the API. */
export default function init(
  input?: { module_or_path?: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/** Instantiates the .wasm synchronously from bytes or a compiled module. */
export function initSync(input: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
