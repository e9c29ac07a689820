// redflag edge worker: a module worker (`export default { fetch }`) that
// screens submissions before they reach the origin. See core.js for the
// behaviour and README.md ("Edge worker") for configuration and deployment.
//
// Packs: the built-in packs ship inside the package; a deployment may add
// packs from the PACKS binding (JSON text) or from a KV namespace bound as
// PACKS_KV (key PACKS_KEY, default "packs"), read once per isolate at start.
// Extra packs are validated first: a bad pack is logged and never replaces
// the good ones. With PACK_PUBLIC_KEYS (comma-separated base64 ed25519
// keys) extra packs must be signed packs: unsigned, tampered, expired and
// downgraded packs are refused (the last accepted version of each pack is
// remembered in KV under "packs:accepted").
import { Engine, validatePacks, verifySignedPack } from "./engine.js";
import { configFromEnv, createHandler } from "./core.js";

let ready = null;

async function start(env) {
  const log = (o) => console.log(JSON.stringify(o));
  const config = configFromEnv(env);
  const options = {};
  if (env.ENTITY_KEY) options.entityKey = env.ENTITY_KEY;
  if (env.ENGINE_LIMITS) options.limits = JSON.parse(env.ENGINE_LIMITS);
  let engine = null;
  let fault = null;
  try {
    engine = new Engine(undefined, options);
  } catch (e) {
    fault = e;
    log({ type: "redflag.engine-error", message: String(e.message) });
  }
  let extra = env.PACKS ?? null;
  if (!extra && env.PACKS_KV) {
    try {
      extra = await env.PACKS_KV.get(env.PACKS_KEY ?? "packs");
    } catch (e) {
      log({ type: "redflag.packs-error", source: "kv", message: String(e.message) });
    }
  }
  if (extra && env.PACK_PUBLIC_KEYS) {
    extra = await verified(extra, env, log);
  }
  if (extra) {
    const errors = validatePacks(extra);
    if (errors.length) {
      log({ type: "redflag.packs-rejected", errors: errors.slice(0, 20) });
    } else {
      try {
        engine = new Engine(extra, { ...options, defaultPacks: env.DEFAULT_PACKS !== "false" });
        log({ type: "redflag.packs-loaded", packs: engine.packs() });
      } catch (e) {
        log({ type: "redflag.packs-rejected", errors: [{ message: String(e.message) }] });
      }
    }
  }
  const getEngine = () => {
    if (!engine) throw fault ?? new Error("no engine");
    return engine;
  };
  return createHandler({ config, getEngine, log });
}

/**
 * Verifies signed extra packs (one envelope, or a JSON array of them).
 * Returns the verified packs (objects), or null if any is refused (logged).
 */
async function verified(text, env, log) {
  const publicKeys = String(env.PACK_PUBLIC_KEYS).split(",").map((k) => k.trim()).filter(Boolean);
  let accepted = {};
  if (env.PACKS_KV) {
    try {
      accepted = JSON.parse((await env.PACKS_KV.get("packs:accepted")) ?? "{}");
    } catch {
      accepted = {};
    }
  }
  let envelopes;
  try {
    const parsed = JSON.parse(text);
    envelopes = Array.isArray(parsed) ? parsed.map((e) => (typeof e === "string" ? e : JSON.stringify(e))) : [text];
  } catch {
    envelopes = [text];
  }
  const packs = [];
  for (const envelope of envelopes) {
    try {
      const pack = verifySignedPack(envelope, { publicKeys, lastVersions: accepted });
      packs.push(pack);
    } catch (e) {
      log({ type: "redflag.packs-refused", message: String(e.message) });
    }
  }
  if (!packs.length || packs.length !== envelopes.length) return null;
  for (const p of packs) accepted[p.pack.id] = p.pack.version;
  if (env.PACKS_KV) {
    try {
      await env.PACKS_KV.put("packs:accepted", JSON.stringify(accepted));
    } catch (e) {
      log({ type: "redflag.packs-error", source: "kv", message: String(e.message) });
    }
  }
  return packs;
}

export default {
  async fetch(request, env) {
    ready ??= start(env).catch((e) => {
      ready = null; // try again on the next request
      throw e;
    });
    const handle = await ready;
    return handle(request);
  },
};
