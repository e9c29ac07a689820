// The edge worker's logic, runtime-neutral: standard Request/Response,
// fetch and Web Crypto only (WinterCG), so it runs in workerd/Cloudflare
// Workers, Deno, Bun or Node. `worker.js` wires it to a runtime.
//
// For each request on a screened route it reads the body (within limits),
// extracts the text fields (form posts, multipart uploads with files
// passed through untouched, JSON), screens them, and then:
//   block        → 422 with the poster-safe message and a reference id;
//                  the origin never sees the submission;
//   review/warn  → forwards to the origin with X-Redflag-* headers and a
//   allow          signed verdict token (client-sent X-Redflag-* headers are
//                  always stripped);
// the body reaches the origin byte for byte as the client sent it. When
// something fails (body too large, malformed body, invalid UTF-8,
// unsupported content type, engine error) the failure policy decides:
// fail-open (default) forwards with `X-Redflag-Verdict: error`, so no
// submission is lost; fail-closed answers 503 with Retry-After.
import { signToken, sha256Hex } from "./token.js";

export const DEFAULTS = Object.freeze({
  /** Routes to screen: exact paths, or a prefix ending in `*`; methods. */
  routes: [
    { path: "/ads", methods: ["POST"] },
    { path: "/api/ads", methods: ["POST", "PUT"] },
    { path: "/upload*", methods: ["POST"] },
  ],
  /** Field names to screen; null screens every text field. */
  fields: null,
  /** The form/JSON field that holds the section. */
  sectionField: "section",
  /** A fixed section for every screened route (overrides sectionField). */
  section: null,
  /** Largest body screened, in bytes. */
  maxBodyBytes: 1 << 20,
  /** Longest time to wait for the client's body, in milliseconds. */
  maxReadMs: 10_000,
  /** "fail-open" or "fail-closed". */
  failure: "fail-open",
  /** Seconds a client is told to wait after a fail-closed 503. */
  retryAfter: 30,
  /** Write the transparency counters to the log every N submissions. */
  countersEvery: 100,
});

/** Configuration from environment bindings (strings) over the defaults. */
export function configFromEnv(env = {}) {
  const c = { ...DEFAULTS };
  const num = (v, d) => (v === undefined || v === "" ? d : Number(v));
  if (env.ROUTES) c.routes = typeof env.ROUTES === "string" ? JSON.parse(env.ROUTES) : env.ROUTES;
  if (env.FIELDS) c.fields = String(env.FIELDS).split(",").map((s) => s.trim()).filter(Boolean);
  if (env.SECTION_FIELD) c.sectionField = env.SECTION_FIELD;
  if (env.SECTION) c.section = env.SECTION;
  c.maxBodyBytes = num(env.MAX_BODY_BYTES, c.maxBodyBytes);
  c.maxReadMs = num(env.MAX_READ_MS, c.maxReadMs);
  c.retryAfter = num(env.RETRY_AFTER, c.retryAfter);
  c.countersEvery = num(env.COUNTERS_EVERY, c.countersEvery);
  if (env.FAILURE_POLICY) c.failure = env.FAILURE_POLICY;
  if (!["fail-open", "fail-closed"].includes(c.failure)) throw new Error(`FAILURE_POLICY must be fail-open or fail-closed, not ${c.failure}`);
  c.origin = env.ORIGIN ?? null;
  c.secret = env.VERDICT_SECRET ?? null;
  c.statsToken = env.STATS_TOKEN ?? null;
  return c;
}

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate", "host", "content-length"];

/** Request headers for the origin: hop-by-hop and client X-Redflag-* removed. */
export function cleanHeaders(headers) {
  const out = new Headers();
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    if (key.startsWith("x-redflag-") || HOP_BY_HOP.includes(key)) continue;
    out.append(k, v);
  }
  return out;
}

class Failure extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

function matches(route, path, method) {
  const p = route.path.endsWith("*") ? path.startsWith(route.path.slice(0, -1)) : path === route.path;
  return p && (route.methods ?? ["POST"]).includes(method);
}

/**
 * Reads at most `max` bytes. Returns { bytes } or, when the body is larger,
 * { tooLarge, stream } where `stream` replays everything (nothing is lost).
 */
async function readBody(request, max, maxMs) {
  if (!request.body) return { bytes: new Uint8Array() };
  const declared = Number(request.headers.get("content-length"));
  const reader = request.body.getReader();
  const chunks = [];
  let n = 0;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure("timeout", `the body took longer than ${maxMs} ms`, 408)), maxMs);
  });
  try {
    while (true) {
      if (n > max || declared > max) {
        const rest = reader;
        const head = chunks.slice();
        const stream = new ReadableStream({
          async pull(ctl) {
            if (head.length) return ctl.enqueue(head.shift());
            const { done, value } = await rest.read();
            if (done) ctl.close();
            else ctl.enqueue(value);
          },
          cancel: (r) => rest.cancel(r),
        });
        return { tooLarge: true, stream };
      }
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes };
}

const strict = new TextDecoder("utf-8", { fatal: true });

function utf8(bytes) {
  try {
    return strict.decode(bytes);
  } catch {
    throw new Failure("invalid-utf8", "the body is not valid UTF-8", 400);
  }
}

/** The submission (section + text fields) from a body. */
async function extract(bytes, contentType, config) {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const fields = new Map();
  const add = (k, v) => fields.set(k, fields.has(k) ? `${fields.get(k)}\n${v}` : v);
  if (type === "application/x-www-form-urlencoded") {
    for (const [k, v] of new URLSearchParams(utf8(bytes))) add(k, v);
  } else if (type === "multipart/form-data") {
    if (!/boundary=/i.test(contentType)) throw new Failure("malformed-multipart", "multipart body without a boundary", 400);
    let form;
    try {
      form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    } catch (e) {
      throw new Failure("malformed-multipart", `malformed multipart body: ${e.message}`, 400);
    }
    for (const [k, v] of form) {
      if (typeof v === "string") add(k, v); // file parts pass through unscreened
    }
  } else if (type === "application/json" || type.endsWith("+json")) {
    let value;
    try {
      value = JSON.parse(utf8(bytes));
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure("malformed-json", "the body is not valid JSON", 400);
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) throw new Failure("malformed-json", "the JSON body is not an object", 400);
    for (const [k, v] of Object.entries(value)) if (typeof v === "string") add(k, v);
  } else {
    throw new Failure("unsupported-content-type", `cannot screen a ${type || "body without a content type"}`, 415);
  }
  const sub = {};
  const section = config.section ?? fields.get(config.sectionField);
  if (section !== undefined) sub.section = section;
  for (const [k, v] of fields) {
    if (k === config.sectionField || k === "id") continue;
    if (config.fields && !config.fields.includes(k)) continue;
    sub[k] = v;
  }
  return sub;
}

function wantsJson(request) {
  const accept = request.headers.get("accept") ?? "";
  const type = request.headers.get("content-type") ?? "";
  return accept.includes("application/json") || (!accept.includes("text/html") && type.includes("json"));
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, lines, reference) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join("")}<p><small>Reference: ${escapeHtml(reference)}</small></p></main></body></html>`;
}

/**
 * Creates the request handler.
 *   getEngine(): the redflag Engine (may throw: an engine fault)
 *   fetchOrigin(request): sends a request to the origin (default: fetch)
 *   log(object): writes one structured log line (default: console.log JSON)
 */
export function createHandler({ config, getEngine, fetchOrigin = (r) => fetch(r), log = (o) => console.log(JSON.stringify(o)) }) {
  const counters = { since: new Date().toISOString(), submissions: 0, tiers: { allow: 0, warn: 0, review: 0, block: 0, error: 0 }, categories: {}, errors: {} };
  let sinceLog = 0;

  function count(tier, verdict, errorKind) {
    counters.submissions += 1;
    counters.tiers[tier] += 1;
    if (errorKind) counters.errors[errorKind] = (counters.errors[errorKind] ?? 0) + 1;
    for (const cat of new Set((verdict?.rules ?? []).map((r) => r.category))) counters.categories[cat] = (counters.categories[cat] ?? 0) + 1;
    if (++sinceLog >= config.countersEvery) {
      sinceLog = 0;
      log({ type: "redflag.counters", ...counters });
    }
  }

  async function forward(request, url, body, extra) {
    const headers = cleanHeaders(request.headers);
    for (const [k, v] of Object.entries(extra)) headers.set(k, v);
    const target = config.origin ? new URL(url.pathname + url.search, config.origin) : url;
    const init = { method: request.method, headers, body, redirect: "manual" };
    if (body instanceof ReadableStream) init.duplex = "half";
    try {
      return await fetchOrigin(new Request(target, init));
    } catch (e) {
      log({ type: "redflag.origin-error", message: String(e.message) });
      return new Response("The site is unavailable, please try again.", { status: 502, headers: { "Retry-After": String(config.retryAfter) } });
    }
  }

  async function token(verdict, bodyBytes, reference) {
    if (!config.secret) return null;
    return signToken(config.secret, {
      v: verdict.tier,
      s: verdict.score,
      r: verdict.rules,
      p: verdict.packs,
      h: await sha256Hex(bodyBytes),
      t: Math.floor(Date.now() / 1000),
      ref: reference,
    });
  }

  async function onFailure(request, url, failure, body, bodyBytes) {
    const reference = crypto.randomUUID();
    count("error", null, failure.kind);
    log({ type: "redflag.failure", kind: failure.kind, policy: config.failure, reference });
    if (config.failure === "fail-closed") {
      const msg = "We could not check your submission right now. Please try again in a moment.";
      const headers = { "Retry-After": String(config.retryAfter), "X-Redflag-Error": failure.kind, "Cache-Control": "no-store" };
      return wantsJson(request)
        ? Response.json({ error: "unavailable", kind: failure.kind, message: msg, reference }, { status: 503, headers })
        : new Response(page("Please try again", [msg], reference), { status: 503, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
    }
    const extra = { "X-Redflag-Verdict": "error", "X-Redflag-Error": failure.kind, "X-Redflag-Reference": reference };
    if (bodyBytes) {
      const t = await token({ tier: "error", score: 0, rules: [], packs: [] }, bodyBytes, reference);
      if (t) extra["X-Redflag-Token"] = t;
    }
    return forward(request, url, body, extra);
  }

  async function handle(request) {
    const url = new URL(request.url);
    if (config.statsToken && url.pathname === "/__redflag/counters") {
      if (request.headers.get("authorization") !== `Bearer ${config.statsToken}`) return new Response("forbidden", { status: 403 });
      return Response.json(counters);
    }
    const route = config.routes.find((r) => matches(r, url.pathname, request.method));
    if (!route) return forward(request, url, request.body, {});

    let read;
    try {
      read = await readBody(request, config.maxBodyBytes, config.maxReadMs);
    } catch (e) {
      const f = e instanceof Failure ? e : new Failure("read-error", String(e.message), 400);
      // The body could not be read whole: nothing is left to forward.
      count("error", null, f.kind);
      log({ type: "redflag.failure", kind: f.kind, policy: config.failure });
      return new Response("The request body could not be read.", { status: f.status ?? 400 });
    }
    if (read.tooLarge) {
      return onFailure(request, url, new Failure("body-too-large", `the body is larger than ${config.maxBodyBytes} bytes`, 413), read.stream, null);
    }
    const bytes = read.bytes;
    let verdict;
    try {
      const sub = await extract(bytes, request.headers.get("content-type"), config);
      const engine = getEngine();
      verdict = engine.screen(sub);
    } catch (e) {
      const f = e instanceof Failure ? e : new Failure("engine-error", String(e?.message ?? e), 503);
      return onFailure(request, url, f, bytes, bytes);
    }
    const reference = crypto.randomUUID();
    const tier = verdict.verdict;
    const rules = verdict.rules.map((r) => r.id);
    const packs = verdict.packs.map((p) => `${p.id}@${p.version}`);
    count(tier, verdict);
    if (tier === "block") {
      log({ type: "redflag.blocked", reference, rules, packs });
      const messages = verdict.poster_messages.length ? verdict.poster_messages : ["This submission breaks the site's rules."];
      const headers = { "Cache-Control": "no-store", "X-Redflag-Reference": reference };
      return wantsJson(request)
        ? Response.json({ error: "blocked", messages, reference }, { status: 422, headers })
        : new Response(page("Your ad was not posted", messages, reference), { status: 422, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
    }
    const extra = {
      "X-Redflag-Verdict": tier,
      "X-Redflag-Score": String(verdict.score),
      "X-Redflag-Rules": rules.join(","),
      "X-Redflag-Pack": packs.join(","),
      "X-Redflag-Reference": reference,
    };
    const t = await token({ tier, score: verdict.score, rules, packs }, bytes, reference);
    if (t) extra["X-Redflag-Token"] = t;
    return forward(request, url, bytes, extra);
  }

  handle.counters = () => structuredClone(counters);
  return handle;
}
