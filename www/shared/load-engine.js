// Packs in, engine out: the one place the edge worker, the reviewer
// extension and the playground turn a site's packs into an Engine.
//
// Packs that load are compiled once: building the engine is the
// validation, and a site pack is judged with the built-in packs it is
// loaded over (an override of a built-in rule, or a list the built-in packs
// define, is valid here as it is to the engine that screens). Only packs
// that do not load are looked at again, by `validatePacks`, for the fuller
// list of problems with their paths.
//
// Runtime-neutral (no imports, no I/O): the caller passes the engine module
// it loaded, so the same file runs in workers, browsers, extensions and Node.

/**
 * A problem with the given packs: `path` points into the pack (such as
 * `rule[0].match.near.within`), empty for the pack as a whole.
 * @typedef {{ pack: string | null, path: string, message: string }} PackProblem
 */

/**
 * @typedef {object} LoadOptions
 * @property {boolean} [defaultPacks=true] Load the built-in packs under the given ones.
 * @property {object} [engineOptions] Other Engine options (limits, thresholds, entityKey), for the given packs and the "defaults" fallback.
 * @property {{ publicKeys: string[], lastVersions?: Record<string, string>, now?: number } | null} [trust]
 *   Signed-pack policy: every given pack must then be a signed pack that
 *   `verifySignedPack` accepts (one envelope as JSON text, a JSON array of
 *   envelopes, or an array of envelopes); one refused envelope refuses all,
 *   and nothing is compiled.
 * @property {null | "defaults" | object | (() => object)} [fallback=null]
 *   What `engine` is when the given packs do not load: null (none: the caller
 *   shows `problems`), "defaults" (a new engine with the built-in packs and
 *   `engineOptions`), or an engine (or a function returning one), such as
 *   the last good engine, which is returned as it is.
 */

/**
 * @typedef {object} LoadResult
 * @property {object | null} engine The engine with the given packs, or the fallback.
 * @property {any} packs The site packs as the engine received them: the verified
 *   packs (plain objects) under `trust`, the input otherwise. Store these to
 *   rebuild the same engine without verifying again.
 * @property {PackProblem[]} problems Empty when the given packs loaded.
 * @property {null | "signature" | "pack"} failed Which step refused the packs:
 *   "signature" (a signed pack was refused; nothing was compiled) or "pack"
 *   (the engine did not build with them).
 */

/**
 * The envelopes of signed packs (rule packs or hash lists): one text, a
 * JSON array of them, or an array of texts/objects; each as JSON text.
 * @param {any} packs
 * @returns {string[]}
 */
export function envelopes(packs) {
  const list = Array.isArray(packs) ? packs : [packs];
  return list.flatMap((p) => {
    if (typeof p !== "string") return [JSON.stringify(p)];
    try {
      const parsed = JSON.parse(p);
      if (Array.isArray(parsed)) return parsed.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
    } catch {
      // not JSON: verifySignedPack says why
    }
    return [p];
  });
}

/**
 * The engine's error as problems with their paths: the `problems` the
 * engine attaches to a pack error (`{ pack, path, message }` each), or, for
 * any other error (a limit, an option, a refused signed pack), one problem
 * for the packs as a whole.
 * @param {unknown} error what `new Engine(...)` threw
 * @returns {PackProblem[]}
 */
export function problemsOf(error) {
  const listed = /** @type {any} */ (error)?.problems;
  if (Array.isArray(listed) && listed.length) {
    return listed.map((p) => ({ pack: p.pack ?? null, path: p.path ?? "", message: String(p.message) }));
  }
  return [{ pack: null, path: "", message: String(/** @type {any} */ (error)?.message ?? error) }];
}

/** `validatePacks`' list when it holds every path the engine named; the engine's otherwise. */
function fuller(redflag, packs, problems) {
  if (typeof redflag.validatePacks !== "function") return problems;
  let listed;
  try {
    listed = redflag.validatePacks(packs);
  } catch {
    return problems;
  }
  const paths = new Set(listed.map((p) => p.path));
  return listed.length > problems.length && problems.every((p) => paths.has(p.path)) ? listed : problems;
}

/**
 * Builds an engine from a site's packs, compiling each pack once.
 *
 *     const { engine, problems } = loadEngine(redflag, packText, { fallback: "defaults" });
 *
 * No packs (null or undefined) is the built-in packs alone (with
 * `engineOptions`); empty text is a pack that is not JSON. Packs that do
 * not load give `problems` and the fallback engine, never an exception;
 * only a fallback that itself fails to build ("defaults" with bad
 * `engineOptions`) throws, as `new Engine()` does.
 *
 * The problems are the engine's. When `validatePacks` (which reads each
 * pack on its own, and reads on past the first problem in a rule) lists
 * every one of them and more, its list is given instead; when it does not
 * (a pack given twice, a rule id a built-in pack already has), the
 * engine's list stands.
 *
 * @param {{ Engine: Function, validatePacks?: Function, verifySignedPack?: Function }} redflag
 *   The engine module, or an object with its `Engine`, optionally
 *   `validatePacks` (fuller problem lists) and, for `trust`, `verifySignedPack`.
 * @param {any} packs One pack or an array: parsed objects or JSON text (signed envelopes under `trust`).
 * @param {LoadOptions} [options]
 * @returns {LoadResult}
 */
export function loadEngine(redflag, packs, { defaultPacks = true, engineOptions = null, trust = null, fallback = null } = {}) {
  const { Engine } = redflag;
  const failedWith = (failed, problems) => {
    let engine = null;
    if (fallback === "defaults") engine = new Engine(null, engineOptions);
    else if (typeof fallback === "function") engine = fallback();
    else if (fallback) engine = fallback;
    return { engine, packs, problems, failed };
  };
  // `defaultPacks: true` is left unsaid: the engine then explains a pack
  // given twice (a built-in one) in one sentence rather than rule by rule.
  const options = defaultPacks ? engineOptions : { ...engineOptions, defaultPacks: false };
  if (packs === null || packs === undefined) return { engine: new Engine(null, options), packs, problems: [], failed: null };
  let given = packs;
  if (trust) {
    const problems = [];
    const verified = [];
    const list = envelopes(packs);
    if (!list.length) problems.push({ pack: null, path: "", message: "no signed pack given" });
    for (const envelope of list) {
      try {
        verified.push(redflag.verifySignedPack(envelope, trust));
      } catch (e) {
        problems.push({ pack: null, path: "", message: String(e?.message ?? e) });
      }
    }
    if (problems.length) return failedWith("signature", problems);
    given = verified;
  }
  try {
    return { engine: new Engine(given, options), packs: given, problems: [], failed: null };
  } catch (e) {
    return { ...failedWith("pack", fuller(redflag, given, problemsOf(e))), packs: given };
  }
}
