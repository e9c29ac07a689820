// redflag edge worker: a module worker (`export default { fetch }`) that
// screens submissions before they reach the origin. See core.js for the
// behaviour and docs/operators.md ("Edge worker") for configuration and deployment.
//
// Configuration is validated once per isolate, at the first request: an
// invalid setting makes every request a 500 whose body names the setting
// (logged once as redflag.config-error); it never falls back to "no limit".
//
// Packs: the built-in packs ship inside the package; a deployment may add
// packs from the PACKS binding (JSON text) or from a KV namespace bound as
// PACKS_KV (key PACKS_KEY, default "packs"), read at start and then every
// PACKS_REFRESH_SECONDS (default 300; 0: only at start). Extra packs are
// validated first: a bad or refused pack is logged and the last good packs
// stay in use. With PACK_PUBLIC_KEYS (comma-separated base64 ed25519 keys)
// extra packs must be signed packs: unsigned, tampered, expired and
// downgraded packs are refused. Downgrade protection trusts only the
// deployment: MIN_PACK_VERSIONS (JSON {"id": "version"}) and the versions
// this isolate has accepted; nothing in KV can lower it.
//
// Hash lists (docs/images.md, "Hash lists at the edge"): signed hash-list
// packs from HASH_LISTS (one envelope or a JSON array of them) or from a KV
// namespace bound as HASH_LISTS_KV (key HASH_LISTS_KEY, default
// "hash-lists"), read and refreshed like packs, verified like packs (same
// PACK_PUBLIC_KEYS, expiry, MIN_PACK_VERSIONS and accepted versions; one
// namespace of ids). They need PACK_PUBLIC_KEYS: an unsigned list is never
// taken. Pictures in submissions are hashed by the image module
// (image-module.js), imported on the first request that carries one; that
// needs the entry worker-images.js, which adds the module to the bundle.
//
// Evidence: with EVIDENCE_URL, EVIDENCE_PUBLIC_KEY (the legal team's X25519
// key) and EVIDENCE_SIGNING_KEY (ed25519, a secret), each block (EVIDENCE_ON
// block,review: each review too) is sent, after the answer, as a signed
// packet whose submission is sealed to that key (core.js, docs/evidence.md).
//
// Counters: with a Durable Object namespace bound as COUNTERS (class
// RedflagCounters, exported here) every submission's tier, categories and
// notes are added to one object, so the counts survive isolates and sum
// every isolate's work; GET /__redflag/counters (with STATS_TOKEN) reads it.
import { DurableObject } from "cloudflare:workers";
import { Engine, validatePacks, verifySignedPack, verifySignedHashList } from "./engine.js";
import { envelopes, loadEngine } from "../shared/load-engine.js";
import { ConfigError, DRAIN_BYTES, configFromEnv, createHandler, drain } from "./core.js";

let ready = null;
// The image module's loader, set by worker-images.js (the entry that
// bundles the module); null in a text-only worker.
let imageLoader = null;

/**
 * Gives the worker the image module's loader: called by worker-images.js,
 * the entry for deployments with hash lists, so that this entry's bundle
 * (text only) never refers to the image module.
 */
export function useImageModule(load) {
  imageLoader = load;
}

const emptyCounters = () => ({ since: new Date().toISOString(), submissions: 0, tiers: { allow: 0, warn: 0, review: 0, block: 0, error: 0 }, categories: {}, errors: {}, notes: {} });

/** Sums the counters of every isolate; holds no personal data (tiers, categories, error kinds, notes). */
export class RedflagCounters extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.c = (await ctx.storage.get("counters")) ?? emptyCounters();
    });
  }

  async add(events) {
    for (const e of Array.isArray(events) ? events : [events]) {
      const tier = Object.hasOwn(this.c.tiers, e.tier) ? e.tier : "error";
      this.c.submissions += 1;
      this.c.tiers[tier] += 1;
      for (const cat of e.categories ?? []) this.c.categories[cat] = (this.c.categories[cat] ?? 0) + 1;
      for (const n of e.notes ?? []) this.c.notes[n] = (this.c.notes[n] ?? 0) + 1;
      if (e.error) this.c.errors[e.error] = (this.c.errors[e.error] ?? 0) + 1;
    }
    await this.ctx.storage.put("counters", this.c);
  }

  async read() {
    return this.c;
  }
}

function jsonSetting(env, name) {
  if (env[name] === undefined || env[name] === "") return undefined;
  if (typeof env[name] !== "string") return env[name];
  try {
    return JSON.parse(env[name]);
  } catch (e) {
    throw new ConfigError(name, `is not valid JSON (${e.message})`);
  }
}

/** Every setting, validated (core.js's and the ones read here); throws ConfigError. */
function settings(env) {
  const s = { config: configFromEnv(env), options: {} };
  const limits = jsonSetting(env, "ENGINE_LIMITS");
  if (limits !== undefined) {
    if (!limits || typeof limits !== "object" || Array.isArray(limits)) throw new ConfigError("ENGINE_LIMITS", "must be a JSON object of limits");
    s.options.limits = limits;
  }
  if (env.ENTITY_KEY) {
    if (String(env.ENTITY_KEY).length < 16) throw new ConfigError("ENTITY_KEY", "must be at least 16 bytes (use a random secret)");
    s.options.entityKey = String(env.ENTITY_KEY);
  }
  s.publicKeys = env.PACK_PUBLIC_KEYS ? String(env.PACK_PUBLIC_KEYS).split(",").map((k) => k.trim()).filter(Boolean) : null;
  if (s.publicKeys && !s.publicKeys.every((k) => /^[A-Za-z0-9+/]{43}=?$/.test(k))) throw new ConfigError("PACK_PUBLIC_KEYS", "must be comma-separated base64 ed25519 public keys");
  const min = jsonSetting(env, "MIN_PACK_VERSIONS") ?? {};
  if (!min || typeof min !== "object" || Array.isArray(min) || !Object.values(min).every((v) => typeof v === "string" && /^\d+\.\d+\.\d+/.test(v))) throw new ConfigError("MIN_PACK_VERSIONS", 'must be a JSON object {"pack id": "version"}');
  if (Object.keys(min).length && !s.publicKeys) throw new ConfigError("MIN_PACK_VERSIONS", "needs PACK_PUBLIC_KEYS (versions are only trusted on signed packs)");
  s.minVersions = min;
  const refresh = env.PACKS_REFRESH_SECONDS ?? "300";
  if (!/^\d+$/.test(String(refresh).trim()) || Number(refresh) > 86_400) throw new ConfigError("PACKS_REFRESH_SECONDS", "must be a whole number of seconds from 0 to 86400");
  s.refreshMs = Number(refresh) * 1000;
  if (env.DEFAULT_PACKS !== undefined && !["true", "false"].includes(String(env.DEFAULT_PACKS))) throw new ConfigError("DEFAULT_PACKS", "must be true or false");
  s.defaultPacks = String(env.DEFAULT_PACKS ?? "true") === "true";
  if (s.config.images && !imageLoader) throw new ConfigError("IMAGES", 'image screening needs the image module: deploy worker-images.js (main = "worker-images.js" in wrangler.toml), which bundles it');
  if ((env.HASH_LISTS || env.HASH_LISTS_KV) && !s.publicKeys) throw new ConfigError(env.HASH_LISTS ? "HASH_LISTS" : "HASH_LISTS_KV", "needs PACK_PUBLIC_KEYS: hash lists are taken only signed");
  for (const k of ["HASH_LISTS_KEY"]) if (env[k] && !env.HASH_LISTS_KV) throw new ConfigError(k, "needs HASH_LISTS_KV");
  // The engine is built now, and screens a small ad, so that bad limits or
  // keys are a start-up error naming the setting (limits such as
  // max_fields 0 build an engine that refuses every ad: under fail-open
  // that would forward everything unscreened).
  try {
    s.engine = new Engine(undefined, s.options);
    s.engine.screen({ section: "jobs", title: "Line cook", body: "Line cook wanted, full time, paid training." });
  } catch (e) {
    const msg = String(e?.message ?? e);
    throw new ConfigError(/entityKey/i.test(msg) ? "ENTITY_KEY" : s.options.limits ? "ENGINE_LIMITS" : "engine", msg);
  }
  return s;
}

async function start(env) {
  const log = (o) => console.log(JSON.stringify(o));
  let s;
  try {
    s = settings(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log({ type: "redflag.config-error", setting: e.setting, message: e.message });
    const body = `redflag edge worker: configuration error: ${e.message}\n`;
    return async (request) => {
      await drain(request.body, DRAIN_BYTES, 10_000);
      return new Response(body, { status: 500, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Redflag-Error": "config" } });
    };
  }
  if (s.config.secret === null) {
    // Not an error (a local trial runs without it), but the origin then has
    // nothing to tell a screened submission from one sent around the worker.
    log({
      type: "redflag.config-warning",
      setting: "VERDICT_SECRET",
      message: "not set: submissions are forwarded without X-Redflag-Token, so the origin cannot verify that the worker screened them. Set it (at least 16 random characters) with `wrangler secret put VERDICT_SECRET`, or in .dev.vars for `wrangler dev`.",
    });
  }
  const state = { engine: s.engine, accepted: { ...s.minVersions }, lastText: null, loadedAt: 0, loading: null, lists: [], listsText: null };
  await loadPacks(env, s, state, log);
  if (s.config.images) await loadHashLists(env, s, state, log);

  let record = null;
  let counters = null;
  if (env.COUNTERS) {
    const stub = () => env.COUNTERS.get(env.COUNTERS.idFromName("counters"));
    record = (event) => stub().add(event);
    counters = () => stub().read();
  }
  // The image module is imported on the first picture only (image-screen.js).
  const images = s.config.images ? { load: imageLoader, lists: () => state.lists } : null;
  const handle = createHandler({ config: s.config, getEngine: () => state.engine, log, record, counters, entities: Boolean(s.options.entityKey), images });
  return (request, ctx) => {
    if (s.refreshMs && !state.loading && Date.now() - state.loadedAt >= s.refreshMs) {
      state.loading = Promise.all([loadPacks(env, s, state, log), s.config.images ? loadHashLists(env, s, state, log) : null]).finally(() => {
        state.loading = null;
      });
      ctx?.waitUntil?.(state.loading);
    }
    return handle(request, ctx);
  };
}

/**
 * Reads the extra packs and, if they changed and are accepted, swaps the
 * engine. A missing, unreadable, invalid or refused pack leaves the last
 * good engine in place.
 */
async function loadPacks(env, s, state, log) {
  state.loadedAt = Date.now();
  let text = env.PACKS ?? null;
  if (!text && env.PACKS_KV) {
    try {
      text = await env.PACKS_KV.get(env.PACKS_KEY ?? "packs");
    } catch (e) {
      log({ type: "redflag.packs-error", source: "kv", message: String(e.message) });
      return;
    }
  }
  if (!text || text === state.lastText) return;
  state.lastText = text;
  // With PACK_PUBLIC_KEYS every extra pack must verify (one refused: all
  // kept out, nothing compiled); the last good engine is the fallback.
  const r = loadEngine({ Engine, validatePacks, verifySignedPack }, text, {
    defaultPacks: s.defaultPacks,
    engineOptions: s.options,
    trust: s.publicKeys ? { publicKeys: s.publicKeys, lastVersions: state.accepted } : null,
    fallback: state.engine,
  });
  if (r.failed === "signature") {
    for (const p of r.problems) log({ type: "redflag.packs-refused", message: p.message });
    log({ type: "redflag.packs-kept", packs: state.engine.packs() });
    return;
  }
  if (r.failed) {
    log({ type: "redflag.packs-rejected", errors: r.problems.slice(0, 20) });
    return;
  }
  state.engine = r.engine;
  // Downgrade protection: the versions this isolate accepted are the floor from now on.
  if (s.publicKeys) for (const p of r.packs) state.accepted[p.pack.id] = p.pack.version;
  log({ type: "redflag.packs-loaded", packs: state.engine.packs() });
}

/**
 * Reads the signed hash lists and, if they changed and every one verifies,
 * puts them in force. A missing, unreadable or refused list leaves the last
 * good lists in place (none at start), as packs do.
 */
async function loadHashLists(env, s, state, log) {
  let text = env.HASH_LISTS ?? null;
  if (!text && env.HASH_LISTS_KV) {
    try {
      text = await env.HASH_LISTS_KV.get(env.HASH_LISTS_KEY ?? "hash-lists");
    } catch (e) {
      log({ type: "redflag.hashlists-error", source: "kv", message: String(e.message) });
      return;
    }
  }
  if (!text || text === state.listsText) return;
  state.listsText = text;
  const problems = [];
  const verified = [];
  for (const envelope of envelopes(text)) {
    try {
      verified.push(verifySignedHashList(envelope, { publicKeys: s.publicKeys, lastVersions: state.accepted }));
    } catch (e) {
      problems.push(String(e?.message ?? e));
    }
  }
  const ids = verified.map((l) => l.id);
  if (new Set(ids).size !== ids.length) problems.push(`a hash list id is given twice (${ids.join(", ")})`);
  if (!verified.length && !problems.length) problems.push("no signed hash list given");
  const summary = (lists) => lists.map((l) => ({ id: l.id, version: l.version, policy: l.policy, size: l.size }));
  if (problems.length) {
    // One refused list refuses all: a set is taken whole or not at all.
    for (const message of problems) log({ type: "redflag.hashlists-refused", message });
    log({ type: "redflag.hashlists-kept", lists: summary(state.lists) });
    return;
  }
  state.lists = verified;
  // Downgrade protection: the versions this isolate accepted are the floor from now on.
  for (const l of verified) state.accepted[l.id] = l.version;
  log({ type: "redflag.hashlists-loaded", lists: summary(verified) });
}

export default {
  async fetch(request, env, ctx) {
    try {
      ready ??= start(env).catch((e) => {
        ready = null; // try again on the next request
        throw e;
      });
      const handle = await ready;
      return await handle(request, ctx);
    } catch (e) {
      // A fault of ours, never the client's shape: logged, a clear 500, no unhandled rejection.
      console.log(JSON.stringify({ type: "redflag.internal-error", message: String(e?.message ?? e) }));
      return new Response("redflag edge worker: internal error\n", { status: 500, headers: { "Cache-Control": "no-store", "X-Redflag-Error": "internal" } });
    }
  },
};
