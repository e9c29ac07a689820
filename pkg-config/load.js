// Loading the .wasm, shared by every entry: `init` and `initSync` wrap the
// wasm-bindgen glue so that a failed load names what it tried to load, and
// `ready` settles once the module is instantiated, however that happened.
import * as glue from "./redflag.js";

let resolveReady;

/** Resolves once the WebAssembly module is instantiated (by any entry, `init` or `initSync`). */
export const ready = new Promise((resolve) => {
  resolveReady = resolve;
});

/** `{ module_or_path }` or the bare input, as wasm-bindgen accepts both. */
function unwrap(input, key) {
  return input !== null && typeof input === "object" && Object.getPrototypeOf(input) === Object.prototype ? input[key] : input;
}

/** Where a load input comes from, for error messages. */
function describe(source) {
  if (typeof source === "string") return source;
  if (typeof URL === "function" && source instanceof URL) return source.href;
  if (typeof Request === "function" && source instanceof Request) return source.url;
  if (typeof Response === "function" && source instanceof Response) return source.url || "a Response";
  if (typeof WebAssembly === "object" && source instanceof WebAssembly.Module) return "a WebAssembly.Module";
  return "the given bytes";
}

function failure(what, e) {
  const reason = e instanceof Error ? e.message : String(e);
  return new Error(`redflag: could not load the WebAssembly module from ${what}: ${reason}`, { cause: e });
}

/**
 * Fetches (when given a URL, a path or a Request) and instantiates the
 * .wasm; once it is instantiated, later calls resolve at once. A failure
 * rejects with an Error naming the URL (or input) that failed, and a later
 * call may try again.
 * @param {object|string|URL|Request|Response|BufferSource|WebAssembly.Module|Promise<any>} [input]
 *   `{ module_or_path }` or the input itself; default: `redflag_bg.wasm` next to the module.
 * @returns {Promise<void>}
 */
export async function init(input) {
  let source = unwrap(input, "module_or_path");
  try {
    source = await source;
  } catch (e) {
    throw failure("the given promise", e);
  }
  source ??= new URL("./redflag_bg.wasm", import.meta.url);
  try {
    await glue.default({ module_or_path: source });
  } catch (e) {
    throw failure(describe(source), e);
  }
  resolveReady();
}

/**
 * Instantiates the .wasm synchronously from its bytes or a compiled
 * `WebAssembly.Module` (`{ module }` or the input itself); does nothing when
 * it is already instantiated.
 * @param {object|BufferSource|WebAssembly.Module} input
 * @returns {void}
 */
export function initSync(input) {
  const module = unwrap(input, "module");
  try {
    glue.initSync({ module });
  } catch (e) {
    throw failure(describe(module), e);
  }
  resolveReady();
}
