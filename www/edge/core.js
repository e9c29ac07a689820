// The edge worker's logic, runtime-neutral: standard Request/Response,
// fetch, TextDecoder and Web Crypto only (WinterCG), so it runs in
// workerd/Cloudflare Workers, Deno, Bun or Node. `worker.js` wires it to a
// runtime (packs, counters in a Durable Object).
//
// For each request on a screened route (matched on the path as origins see
// it: any case, trailing slash, `;params`, dot segments, percent-encoding,
// repeated slashes) it reads the body (within limits), extracts every text
// it holds (form fields one by one, multipart text parts, text attachments
// and file names, nested JSON by path, any other text body as a whole, in
// its declared charset), screens it, and then:
//   block        → 422 with the poster-safe message and a reference id;
//                  the origin never sees the submission;
//   review/warn  → forwards to the origin with X-Redflag-* headers and a
//   allow          signed verdict token (client-sent X-Redflag-* headers are
//                  always stripped);
// the body reaches the origin byte for byte as the client sent it, at the
// configured origin only (origin + normalised path + query).
//
// With REPORT_URL, POST /__redflag/report (REPORT_ROUTE) takes readers'
// reports instead (report.js). APPEAL_URL adds an appeal link with the
// reference to the 422; BLOCKS_URL gets a record of each block without its
// text (docs/moderation-loop.md).
//
// What the client shapes never makes the verdict `error`: a body over the
// limit is screened on its first MAX_BODY_BYTES and is at least `review`
// ("truncated"); a body that does not decode or parse is screened as text
// and is at least `review`. `error` is kept for engine failures, and only
// then does the failure policy apply: fail-open forwards with
// `X-Redflag-Verdict: error`, fail-closed answers 503 with Retry-After.
import { signToken, sha256Hex } from "./token.js";
import { escapeHtml } from "../shared/escape-html.js";
import { createReportHandler } from "./report.js";
import { FORMAT as EVIDENCE_FORMAT, ed25519Signer, key32, makePacket } from "../shared/evidence.js";
import { createImageScreener, dataUrlImage, imageConfig, imagesHeader, sniff } from "./image-screen.js";

const MUTATING = ["POST", "PUT", "PATCH"];

export const DEFAULTS = Object.freeze({
  /** Routes to screen: exact paths (also with a trailing slash), or a prefix ending in `*`; methods (default POST, PUT, PATCH). */
  routes: [
    { path: "/ads", methods: MUTATING },
    { path: "/ads/*", methods: MUTATING },
    { path: "/api/ads", methods: MUTATING },
    { path: "/api/ads/*", methods: MUTATING },
    { path: "/upload*", methods: MUTATING },
  ],
  /** Field names to screen (a name or a JSON path); null screens every text field. */
  fields: null,
  /** The form/JSON field that holds the section. */
  sectionField: "section",
  /** A fixed section for every screened route (overrides sectionField). */
  section: null,
  /** Largest body screened, in bytes (a larger body: its first bytes are screened, verdict at least review). */
  maxBodyBytes: 1 << 20,
  /** Longest time to wait for the client's body, in milliseconds. */
  maxReadMs: 10_000,
  /** "fail-open" or "fail-closed": what an engine failure does. */
  failure: "fail-open",
  /** Seconds a client is told to wait after a 503. */
  retryAfter: 30,
  /** Write the transparency counters to the log every N submissions. */
  countersEvery: 100,
  /** Screens per submission when the section is ambiguous (each section the engine knows, then none). */
  maxScreens: 8,
  /** Keyed contact hashes forwarded per submission (header and token). */
  maxContacts: 32,
});

/** Largest MAX_BODY_BYTES accepted (the worker holds the body in memory). */
export const MAX_BODY_BYTES_CEILING = 16 << 20;

export const SECTIONS = ["jobs", "adult", "personals", "services", "housing", "for-sale", "community"];

/** A configuration error: names the setting, never echoes a secret. */
export class ConfigError extends Error {
  constructor(setting, message) {
    super(`${setting}: ${message}`);
    this.setting = setting;
  }
}

function integer(env, name, dflt, min, max) {
  const v = env[name];
  if (v === undefined || v === null || v === "") return dflt;
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) throw new ConfigError(name, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(String(v).slice(0, 40))}`);
  const n = Number(s);
  if (n < min || n > max) throw new ConfigError(name, `must be from ${min} to ${max}, not ${n}`);
  return n;
}

function parseRoutes(v) {
  let routes;
  try {
    routes = typeof v === "string" ? JSON.parse(v) : v;
  } catch (e) {
    throw new ConfigError("ROUTES", `is not valid JSON (${e.message})`);
  }
  if (!Array.isArray(routes) || !routes.length) throw new ConfigError("ROUTES", "must be a non-empty JSON array of {path, methods}");
  return routes.map((r, i) => {
    if (!r || typeof r.path !== "string" || !r.path.startsWith("/")) throw new ConfigError("ROUTES", `route ${i}: path must be a string starting with "/"`);
    const methods = r.methods ?? MUTATING;
    if (!Array.isArray(methods) || !methods.length || !methods.every((m) => typeof m === "string" && /^[A-Za-z]+$/.test(m))) throw new ConfigError("ROUTES", `route ${i}: methods must be a non-empty array of method names`);
    if (r.caseSensitive !== undefined && typeof r.caseSensitive !== "boolean") throw new ConfigError("ROUTES", `route ${i}: caseSensitive must be true or false`);
    const prefix = r.path.endsWith("*");
    const key = matchKeys(prefix ? r.path.slice(0, -1) : r.path)[0];
    return { path: r.path, prefix, key: prefix && r.path.slice(0, -1).endsWith("/") && key !== "/" ? `${key}/` : key, methods: methods.map((m) => m.toUpperCase()), caseSensitive: r.caseSensitive ?? false };
  });
}

/**
 * Configuration from environment bindings (strings) over the defaults,
 * validated: throws a ConfigError naming the first bad setting. An invalid
 * setting never falls back to "no limit".
 */
export function configFromEnv(env = {}) {
  const c = { ...DEFAULTS };
  if (env.ROUTES !== undefined && env.ROUTES !== "") c.routes = env.ROUTES;
  c.routes = parseRoutes(c.routes);
  if (env.FIELDS) c.fields = String(env.FIELDS).split(",").map((s) => s.trim()).filter(Boolean);
  if (env.SECTION_FIELD !== undefined) {
    if (!String(env.SECTION_FIELD).trim()) throw new ConfigError("SECTION_FIELD", "must not be empty");
    c.sectionField = String(env.SECTION_FIELD).trim();
  }
  if (env.SECTION) {
    const s = String(env.SECTION).trim().toLowerCase();
    if (!SECTIONS.includes(s)) throw new ConfigError("SECTION", `must be one of ${SECTIONS.join(", ")}`);
    c.section = s;
  }
  c.maxBodyBytes = integer(env, "MAX_BODY_BYTES", c.maxBodyBytes, 1024, MAX_BODY_BYTES_CEILING);
  c.maxReadMs = integer(env, "MAX_READ_MS", c.maxReadMs, 1, 600_000);
  c.retryAfter = integer(env, "RETRY_AFTER", c.retryAfter, 0, 86_400);
  c.countersEvery = integer(env, "COUNTERS_EVERY", c.countersEvery, 1, 1_000_000_000);
  if (env.FAILURE_POLICY !== undefined && env.FAILURE_POLICY !== "") c.failure = String(env.FAILURE_POLICY).trim();
  if (!["fail-open", "fail-closed"].includes(c.failure)) throw new ConfigError("FAILURE_POLICY", `must be fail-open or fail-closed, not ${JSON.stringify(c.failure.slice(0, 40))}`);
  c.origin = null;
  if (env.ORIGIN) {
    let u;
    try {
      u = new URL(String(env.ORIGIN));
    } catch {
      throw new ConfigError("ORIGIN", "must be an absolute http(s) URL such as https://origin.example.com");
    }
    if (!["http:", "https:"].includes(u.protocol) || u.username || u.password || u.search || u.hash) throw new ConfigError("ORIGIN", "must be an http(s) URL without credentials, query or fragment");
    c.origin = { origin: u.origin, base: u.pathname.replace(/\/+$/, "") };
  }
  c.secret = env.VERDICT_SECRET ?? null;
  if (c.secret !== null && String(c.secret).length < 16) throw new ConfigError("VERDICT_SECRET", "must be at least 16 characters (use a random secret)");
  c.statsToken = env.STATS_TOKEN || null;
  c.report = reportConfig(env);
  c.appealUrl = appealUrl(env);
  c.blocksUrl = env.BLOCKS_URL ? recordUrl(env, "BLOCKS_URL") : null;
  c.evidence = evidenceConfig(env);
  c.images = imageConfig(env, ConfigError);
  return c;
}

/**
 * Sealed evidence (docs/evidence.md): with EVIDENCE_URL, each block (and,
 * with EVIDENCE_ON=block,review, each review) is sent there as a signed
 * packet whose submission is sealed to EVIDENCE_PUBLIC_KEY (the legal
 * team's X25519 key); EVIDENCE_SIGNING_KEY (ed25519, a secret) signs it;
 * EVIDENCE_RETAIN_DAYS (default 365) sets its `retain_until`. Null when
 * EVIDENCE_URL is not set.
 */
function evidenceConfig(env) {
  const set = (k) => env[k] !== undefined && env[k] !== "";
  if (!set("EVIDENCE_URL")) {
    for (const k of ["EVIDENCE_PUBLIC_KEY", "EVIDENCE_SIGNING_KEY", "EVIDENCE_ON", "EVIDENCE_RETAIN_DAYS"]) {
      if (set(k)) throw new ConfigError(k, "needs EVIDENCE_URL (where sealed evidence is sent)");
    }
    return null;
  }
  const url = recordUrl(env, "EVIDENCE_URL");
  const recipient = key32(String(env.EVIDENCE_PUBLIC_KEY ?? ""));
  if (!recipient) throw new ConfigError("EVIDENCE_PUBLIC_KEY", "must be the legal team's X25519 public key, 32 bytes in base64 (from `redflag evidence keygen`)");
  const seed = key32(String(env.EVIDENCE_SIGNING_KEY ?? ""));
  if (!seed) throw new ConfigError("EVIDENCE_SIGNING_KEY", "must be an ed25519 secret key, 32 bytes in base64 (from `redflag keygen`), set as a secret");
  const on = String(env.EVIDENCE_ON ?? "block").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (!on.includes("block") || !on.every((t) => t === "block" || t === "review")) throw new ConfigError("EVIDENCE_ON", "must be block or block,review");
  return { url, recipient, seed, on: [...new Set(on)], retainDays: integer(env, "EVIDENCE_RETAIN_DAYS", 365, 1, 3650) };
}

/** Entity kinds whose values identify someone: sealed in evidence, never anywhere else. */
const CONTACT_KINDS = ["phone", "email", "url", "handle"];

/** Default report route (report.js); REPORT_ROUTE changes it. */
export const REPORT_ROUTE = "/__redflag/report";

/**
 * The report endpoint's settings (see report.js), null when REPORT_URL is
 * not set (the route is then not the worker's: it goes to the origin).
 */
function reportConfig(env) {
  if (!env.REPORT_URL) {
    for (const k of ["REPORT_ROUTE", "REPORT_MAX_BYTES", "REPORT_RATE_LIMIT", "REPORT_RATE_WINDOW", "REPORT_CLIENT_HEADER"]) {
      if (env[k] !== undefined && env[k] !== "") throw new ConfigError(k, "needs REPORT_URL (where reports are sent)");
    }
    return null;
  }
  const route = String(env.REPORT_ROUTE ?? REPORT_ROUTE).trim() || REPORT_ROUTE;
  if (!route.startsWith("/") || route.includes("*")) throw new ConfigError("REPORT_ROUTE", 'must be a path starting with "/" (no wildcard)');
  const clientHeader = String(env.REPORT_CLIENT_HEADER ?? "CF-Connecting-IP").trim();
  if (!/^[A-Za-z0-9-]+$/.test(clientHeader)) throw new ConfigError("REPORT_CLIENT_HEADER", "must be a header name");
  return {
    url: recordUrl(env, "REPORT_URL"),
    route,
    key: matchKeys(route)[0].toLowerCase(),
    maxBytes: integer(env, "REPORT_MAX_BYTES", 65_536, 1024, 1 << 20),
    rateLimit: integer(env, "REPORT_RATE_LIMIT", 5, 1, 100_000),
    rateWindow: integer(env, "REPORT_RATE_WINDOW", 600, 1, 86_400),
    clientHeader,
  };
}

/** An absolute http(s) URL the worker POSTs records to (REPORT_URL, BLOCKS_URL). */
function recordUrl(env, name) {
  let u;
  try {
    u = new URL(String(env[name]));
  } catch {
    throw new ConfigError(name, "must be an absolute http(s) URL such as https://origin.example.com/moderation/queue");
  }
  if (!["http:", "https:"].includes(u.protocol) || u.username || u.password || u.hash) throw new ConfigError(name, "must be an http(s) URL without credentials or fragment");
  return u.href;
}

/**
 * APPEAL_URL: where a blocked poster can appeal, with `{ref}` where the
 * reference id goes (without it, `ref=` is added to the query). An
 * absolute http(s) URL or a path on the site; null when not set.
 */
function appealUrl(env) {
  if (env.APPEAL_URL === undefined || env.APPEAL_URL === "") return null;
  const v = String(env.APPEAL_URL).trim();
  let u;
  try {
    u = new URL(v.replaceAll("{ref}", "REF"), "https://site.invalid");
  } catch {
    throw new ConfigError("APPEAL_URL", "must be an http(s) URL or a path starting with /");
  }
  if (!["http:", "https:"].includes(u.protocol) || (!/^https?:\/\//i.test(v) && !v.startsWith("/")) || v.startsWith("//")) throw new ConfigError("APPEAL_URL", "must be an http(s) URL or a path starting with /");
  return v;
}

/** The appeal link for a reference: `{ref}` replaced (URL-encoded), or `ref=` appended. */
export function appealLink(template, reference) {
  const ref = encodeURIComponent(reference);
  if (template.includes("{ref}")) return template.replaceAll("{ref}", ref);
  const [base, hash] = template.split("#", 2);
  return `${base}${base.includes("?") ? "&" : "?"}ref=${ref}${hash !== undefined ? `#${hash}` : ""}`;
}

// ---------------------------------------------------------------- paths

const HEX = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function dots(segments) {
  const out = [];
  for (const s of segments) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  return out;
}

/**
 * The path forwarded to the origin: escapes of unreserved characters
 * decoded (RFC 3986 §6.2.2.2, the same resource), other escapes upper-cased
 * and kept, repeated slashes collapsed, `.` and `..` resolved. Never leaves
 * the origin: the result always starts with a single "/".
 */
export function forwardPath(pathname) {
  const decoded = pathname.replace(/\\/g, "/").replace(HEX, (m, h) => {
    const ch = String.fromCharCode(parseInt(h, 16));
    return UNRESERVED.test(ch) ? ch : `%${h.toUpperCase()}`;
  });
  const trailing = decoded.endsWith("/");
  const segs = dots(decoded.split("/"));
  return `/${segs.join("/")}${trailing && segs.length ? "/" : ""}`;
}

function lossyDecodeComponent(s) {
  const bytes = pctBytes(s);
  return typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
}

/**
 * The keys a path is matched on, as different origins read it: `;params`
 * dropped from each segment, then (a) escapes kept, (b) everything
 * percent-decoded with `%2F`/`%5C` as separators; dot segments resolved
 * after each, no trailing slash. Routes match if either key does.
 */
export function matchKeys(path) {
  const strip = (p) => p.split("/").map((s) => s.split(";")[0]);
  const a = `/${dots(strip(path.replace(/\\/g, "/"))).join("/")}`;
  let full = path;
  for (let i = 0; i < 3 && /%[0-9A-Fa-f]{2}/.test(full); i++) full = lossyDecodeComponent(full); // double encoding too
  const b = `/${dots(strip(full.replace(/\\/g, "/"))).join("/")}`;
  return a === b ? [a] : [a, b];
}

function routeFor(routes, keys, method) {
  const m = method.toUpperCase();
  for (const r of routes) {
    if (!r.methods.includes(m)) continue;
    for (const k0 of keys) {
      const k = r.caseSensitive ? k0 : k0.toLowerCase();
      const rk = r.caseSensitive ? r.key : r.key.toLowerCase();
      if (r.prefix ? k.startsWith(rk) || `${k}/` === rk : k === rk) return r;
    }
  }
  return null;
}

// -------------------------------------------------------------- headers

/** Hop-by-hop and expectation headers a proxy must not forward (RFC 9110 §7.6.1, §10.1.1). */
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "host", "content-length", "proxy-connection"];

/** Request headers for the origin: hop-by-hop (and those Connection names), Proxy-*, Expect and client X-Redflag-* removed. */
export function cleanHeaders(headers) {
  const named = (headers.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const out = new Headers();
  for (const [k, v] of headers) {
    const key = k.toLowerCase();
    if (key.startsWith("x-redflag-") || key.startsWith("proxy-") || HOP_BY_HOP.includes(key) || named.includes(key)) continue;
    out.append(k, v);
  }
  return out;
}

// ----------------------------------------------------------------- body

class Failure extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

function concat(chunks, n) {
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/**
 * Reads the body up to `max` bytes. Returns { bytes } when it is whole, or
 * { bytes: the first `max` bytes, stream } when it is larger, where
 * `stream` replays everything read and then the rest (nothing is lost).
 */
async function readBody(request, max, maxMs) {
  if (!request.body) return { bytes: new Uint8Array() };
  const reader = request.body.getReader();
  const chunks = [];
  let n = 0;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure("timeout", `the body took longer than ${maxMs} ms`, 408)), maxMs);
  });
  try {
    while (n <= max) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) return { bytes: concat(chunks, n) };
      if (!value?.byteLength) continue;
      chunks.push(value);
      n += value.byteLength;
    }
  } catch (e) {
    reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const all = concat(chunks, n);
  const head = [all];
  const stream = new ReadableStream({
    async pull(ctl) {
      if (head.length) return ctl.enqueue(head.shift());
      const { done, value } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel: (r) => reader.cancel(r),
  });
  return { bytes: all.subarray(0, max), stream };
}

/** Most bytes of a blocked body read and dropped after the limit before the 422 (then the connection is cut). */
export const DRAIN_BYTES = 16 << 20;

/** Reads and drops a body (at most `max` bytes, `maxMs`), so an early answer reaches the client rather than a reset. */
export async function drain(stream, max, maxMs) {
  if (!stream) return;
  const reader = stream.getReader();
  let n = 0;
  let timer;
  const timeout = new Promise((ok) => {
    timer = setTimeout(() => ok({ done: true }), maxMs);
  });
  try {
    while (n <= max) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) return;
      n += value?.byteLength ?? 0;
    }
  } catch {
    // the client went away: nothing to drain
  } finally {
    clearTimeout(timer);
    reader.cancel("blocked").catch(() => {});
  }
}

// ----------------------------------------------------------- extraction

const enc = new TextEncoder();

/** Percent-decodes to bytes; returns the string itself when it has no escape. */
function pctBytes(s) {
  if (!s.includes("%")) return s;
  const out = [];
  let i = 0;
  while (i < s.length) {
    if (s.charCodeAt(i) === 37 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    let j = s.indexOf("%", i + 1);
    if (j < 0) j = s.length;
    for (const b of enc.encode(s.slice(i, j))) out.push(b);
    i = j;
  }
  return Uint8Array.from(out);
}

function decoder(label, fatal) {
  try {
    return new TextDecoder(label, { fatal });
  } catch {
    return null;
  }
}

function param(contentType, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]*)`, "i").exec(contentType ?? "");
  return m ? (m[2] ?? m[1]).trim() : null;
}

/**
 * Text from bytes in the declared charset (any WHATWG encoding label), BOM
 * honoured; what does not decode is replaced (U+FFFD) and noted, so the
 * rest is still screened. NULs (UTF-16 sent as UTF-8) are dropped and noted.
 */
function decodeText(bytes, charset, notes) {
  let label = charset || "utf-8";
  if (!charset && bytes[0] === 0xff && bytes[1] === 0xfe) label = "utf-16le";
  if (!charset && bytes[0] === 0xfe && bytes[1] === 0xff) label = "utf-16be";
  let d = decoder(label, true);
  if (!d) {
    notes.add("unknown-charset");
    label = "utf-8";
    d = decoder(label, true);
  }
  let text;
  try {
    text = d.decode(bytes);
  } catch {
    notes.add("undecodable");
    text = decoder(label, false).decode(bytes);
  }
  if (text.includes("\0")) {
    notes.add("nul-bytes");
    text = text.replace(/\0/g, "");
  }
  return text;
}

/** A form field's value: percent-escapes as UTF-8, or the legacy charset the body declared. */
function formComponent(s, charset, notes) {
  const b = pctBytes(s.replace(/\+/g, " "));
  if (typeof b === "string") return b;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    const d = charset && !/^utf-?16/i.test(charset) ? decoder(charset, true) : null;
    if (d) {
      try {
        return d.decode(b);
      } catch {}
    }
    notes.add("undecodable");
    return new TextDecoder().decode(b);
  }
}

/** Walks parsed JSON without recursion; every string (and number) with its path: `ad.body`, `photos[0].caption`. */
function walkJson(value, out) {
  const stack = [["", value]];
  while (stack.length) {
    const [path, v] = stack.pop();
    if (typeof v === "string") out.push([path || "$", v]);
    else if (typeof v === "number") out.push([path || "$", String(v)]);
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push([`${path}[${i}]`, v[i]]);
    else if (v && typeof v === "object") {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([path ? `${path}.${entries[i][0]}` : entries[i][0], entries[i][1]]);
    }
  }
}

const TEXTISH = /^(text\/|application\/(json|xml|csv|javascript|x-www-form-urlencoded|x-ndjson)|[^;]*\+(json|xml))/i;
const TEXT_NAME = /\.(txt|text|csv|tsv|json|html?|xml|md|rtf|eml|vcf)$/i;

/**
 * Everything screenable in a body: { fields: [[name, text]], sections: [values], notes: Set }.
 * Never throws for anything the client sends: what cannot be parsed is
 * screened as text and noted.
 */
async function extract(bytes, contentType, config) {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const charset = param(contentType, "charset");
  const notes = new Set();
  const fields = [];
  const sections = [];
  const isSection = (name) => name === config.sectionField || name === `${config.sectionField}[]` || name.endsWith(`.${config.sectionField}`) || name.replace(/\[\d+\]$/, "") === config.sectionField || name.replace(/\[\d+\]$/, "").endsWith(`.${config.sectionField}`);
  // Pictures (image-screen.js), when image screening is on: recognised by
  // their first bytes; a field holding a data: URL of a picture is a
  // picture, not text.
  const images = [];
  const takeImage = (part, data) => {
    const format = config.images ? sniff(data) : null;
    if (format) images.push({ part, format, bytes: data });
    return Boolean(format);
  };
  const add = (name, value) => {
    if (config.images) {
      const d = dataUrlImage(value, config.images.maxBytes);
      const format = d && sniff(d.bytes ?? d.head);
      if (format) {
        images.push({ part: name, format, bytes: d.bytes ?? null, ...(d.tooLarge ? { tooLarge: d.tooLarge } : {}) });
        return;
      }
    }
    if (isSection(name)) sections.push(value);
    else fields.push([name, value]);
  };
  // Screens the body as text; a body that is JSON is read as JSON too
  // (origins often parse JSON whatever the content type says). Returns
  // whether it was JSON.
  const asText = () => {
    const text = decodeText(bytes, charset, notes);
    const t = text.trimStart();
    if (t.startsWith("{") || t.startsWith("[")) {
      try {
        const walked = [];
        walkJson(JSON.parse(text), walked);
        for (const [k, v] of walked) add(k, v);
        return true;
      } catch {}
    }
    if (text.trim()) fields.push(["body", text]);
    return false;
  };
  if (type === "application/x-www-form-urlencoded") {
    const text = decodeText(bytes, charset, notes);
    for (const part of text.split("&")) {
      if (!part) continue;
      const i = part.indexOf("=");
      const k = formComponent(i < 0 ? part : part.slice(0, i), charset, notes);
      const v = i < 0 ? "" : formComponent(part.slice(i + 1), charset, notes);
      if (v) add(k, v);
      else if (k.length > 40) fields.push(["(name)", k]); // text carried in a field name
    }
  } else if (type === "multipart/form-data") {
    let form = null;
    if (param(contentType, "boundary")) {
      try {
        form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
      } catch {
        form = null;
      }
    }
    if (!form) {
      notes.add("malformed");
      asText();
    } else {
      for (const [k, v] of form) {
        if (typeof v === "string") {
          if (v) add(k, v);
          continue;
        }
        // A file: its name is screened; its content when it is text (declared, named or valid UTF-8 without NULs).
        if (v.name) fields.push([`${k}.filename`, v.name]);
        const data = new Uint8Array(await v.arrayBuffer());
        if (!data.byteLength || takeImage(k, data)) continue;
        const declared = TEXTISH.test(v.type ?? "") || TEXT_NAME.test(v.name ?? "");
        let text = null;
        if (declared) {
          text = decodeText(data, param(v.type, "charset"), notes);
        } else {
          const d = decoder("utf-8", true);
          try {
            const t = d.decode(data);
            if (!/[\0-\x08\x0e-\x1f]/.test(t)) text = t;
          } catch {}
        }
        if (text && text.trim()) fields.push([`${k}.file`, text]);
      }
    }
  } else if (takeImage("(body)", bytes)) {
    // The body is a picture (a PUT of a photo): hashed, not read as text.
  } else {
    // JSON, any text type, no type at all, or anything else: screened as text.
    const json = asText();
    if (!json && (type === "application/json" || type.endsWith("+json")) && bytes.byteLength) notes.add("malformed");
  }
  return { fields, sections, notes, images };
}

/**
 * Submissions to screen: one per section reading (the only section; or,
 * when the body names several, an unknown one or none, every section and
 * none, at most config.maxScreens), every field within the engine's limits
 * (max_fields; max_input_bytes for all readings together, so one request
 * costs at most one full-size screen).
 */
function submissions({ fields, sections, notes }, config, limits) {
  let screened = config.fields ? fields.filter(([k]) => config.fields.includes(k) || config.fields.includes(k.replace(/\[\d+\]/g, "").split(".").pop())) : fields;
  // Field names are unique: repeated names get #2, #3…; names the engine reserves are renamed.
  const seen = new Map();
  const named = [];
  for (const [k0, v] of screened) {
    let k = k0 === "id" || k0 === "section" ? `${k0}#field` : k0;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    if (n > 1) k = `${k}#${n}`;
    named.push([k, v]);
  }
  // Section values that are not a known section are text too.
  const candidates = [];
  for (const s of sections) {
    const v = String(s).trim().toLowerCase();
    if (SECTIONS.includes(v)) {
      if (!candidates.includes(v)) candidates.push(v);
    } else if (String(s).trim()) named.push([`${config.sectionField}#text${named.length}`, String(s)]);
  }
  // The section as the origin takes it. One known value (however often
  // repeated) is the section; several values (PHP, Django and Rails keep
  // the last, Go the first, Express all), an unknown one or none at all
  // are ambiguous: screened under every section the engine knows, and
  // without one, and the worst verdict counts.
  let readings;
  if (config.section) readings = [config.section];
  else if (candidates.length === 1 && sections.every((s) => String(s).trim().toLowerCase() === candidates[0])) readings = [candidates[0]];
  else {
    notes.add("ambiguous-section");
    readings = [...candidates, ...SECTIONS.filter((s) => !candidates.includes(s)), null].slice(0, config.maxScreens);
  }
  // Within the engine's limits: the fields past max_fields - 1 are joined into one; text past max_input_bytes is cut (and noted).
  const maxFields = Math.max(1, Math.min(limits.max_fields, 64));
  if (named.length > maxFields) {
    const rest = named.splice(maxFields - 1);
    named.push(["(more fields)", rest.map(([, v]) => v).join("\n")]);
  }
  // One request screens at most max_input_bytes of text in all: several readings share it.
  let budget = Math.floor(limits.max_input_bytes / readings.length);
  const sub = {};
  for (const [k, v] of named) {
    if (budget <= 0) {
      notes.add("truncated");
      break;
    }
    let text = v;
    if (text.length * 3 > budget) {
      const b = enc.encode(text);
      if (b.byteLength > budget) {
        text = new TextDecoder().decode(b.subarray(0, budget)).replace(/\uFFFD$/, "");
        notes.add("truncated");
      }
      budget -= Math.min(b.byteLength, enc.encode(text).byteLength);
    } else {
      budget -= enc.encode(text).byteLength;
    }
    sub[k] = text;
  }
  return readings.map((s) => (s ? { section: s, ...sub } : { ...sub }));
}

const RANK = { allow: 0, warn: 1, review: 2, block: 3 };
/** What a poster is told when a picture is on a block list: general, never which list or hash. */
export const IMAGE_MESSAGE = "A picture in this submission cannot be posted on this site.";
/** Notes that leave part of the body unread or unparsed: the verdict is then at least review. */
const FLOOR = ["truncated", "undecodable", "malformed", "nul-bytes", "unknown-charset"];

/** A field name (client-chosen) as a header list item: printable ASCII, no commas. */
function headerSafe(name) {
  return String(name)
    .replace(/[^\x21-\x2b\x2d-\x7e]/gu, (c) => [...enc.encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""))
    .slice(0, 200);
}

/** Compares two strings without leaking where they differ (equal-length SHA-256 digests, every byte compared). */
async function sameSecret(a, b) {
  const [x, y] = await Promise.all([a, b].map((v) => crypto.subtle.digest("SHA-256", enc.encode(v))));
  const u = new Uint8Array(x);
  const w = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < u.length; i++) diff |= u[i] ^ w[i];
  return diff === 0;
}

function wantsJson(request) {
  const accept = request.headers.get("accept") ?? "";
  const type = request.headers.get("content-type") ?? "";
  return accept.includes("application/json") || (!accept.includes("text/html") && type.includes("json"));
}

function page(title, lines, reference, appeal = null) {
  const link = appeal ? `<p>If you think this is a mistake, <a href="${escapeHtml(appeal)}" id="redflag-appeal">appeal this decision</a> and give the reference below.</p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join("")}${link}<p><small>Reference: ${escapeHtml(reference)}</small></p></main></body></html>`;
}

/**
 * Creates the request handler.
 *   getEngine(): the redflag Engine (may throw: an engine fault)
 *   fetchOrigin(request): sends a request to the origin (default: fetch)
 *   log(object): writes one structured log line (default: console.log JSON)
 *   record(event, ctx): optional; gets { tier, categories, error } per
 *     submission (no personal data), e.g. to add to a Durable Object
 *   counters(): optional; the aggregated counters for the stats endpoint
 *   entities: screen with entities and forward keyed contact hashes
 *   images: with image screening on (config.images), { load, lists }:
 *     load() resolves to the image module ({ hashImage, HashList }), called
 *     on the first request that carries a picture; lists() returns the
 *     verified hash lists in force (image-screen.js)
 */
export function createHandler({ config, getEngine, fetchOrigin = (r) => fetch(r), log = (o) => console.log(JSON.stringify(o)), record = null, counters: aggregated = null, entities = false, images = null }) {
  if (config.images && typeof images?.load !== "function") throw new TypeError("image screening is on (config.images): createHandler needs images.load, the image module's loader");
  const screenImages = config.images ? createImageScreener({ config: config.images, load: images.load, lists: images.lists ?? (() => []), log }) : null;
  const counters = { since: new Date().toISOString(), submissions: 0, tiers: { allow: 0, warn: 0, review: 0, block: 0, error: 0 }, categories: {}, errors: {}, notes: {} };
  let sinceLog = 0;
  const report = config.report ? createReportHandler({ config, getEngine, entities, fetchOrigin, log, drain: (stream) => drain(stream, DRAIN_BYTES, config.maxReadMs) }) : null;

  function count(tier, verdict, errorKind, notes, ctx) {
    const categories = [...new Set((verdict?.rules ?? []).map((r) => r.category))];
    counters.submissions += 1;
    counters.tiers[tier] += 1;
    if (errorKind) counters.errors[errorKind] = (counters.errors[errorKind] ?? 0) + 1;
    for (const cat of categories) counters.categories[cat] = (counters.categories[cat] ?? 0) + 1;
    for (const n of notes ?? []) counters.notes[n] = (counters.notes[n] ?? 0) + 1;
    if (record) {
      try {
        const p = Promise.resolve(record({ tier, categories, error: errorKind ?? null, notes: [...(notes ?? [])] })).catch((e) => log({ type: "redflag.counters-error", message: String(e?.message ?? e) }));
        ctx?.waitUntil?.(p);
      } catch (e) {
        log({ type: "redflag.counters-error", message: String(e?.message ?? e) });
      }
    }
    if (++sinceLog >= config.countersEvery) {
      sinceLog = 0;
      log({ type: "redflag.counters", ...counters });
    }
  }

  function upstream(url, path) {
    // Never resolve the path as a URL: origin + normalised path + query.
    const base = config.origin ?? { origin: url.origin, base: "" };
    const target = new URL(`${base.origin}${base.base}${path}${url.search}`);
    if (target.origin !== base.origin) throw new Error("upstream left the origin"); // cannot happen: the path starts with one "/"
    return target;
  }

  async function forward(request, url, path, body, extra) {
    const headers = cleanHeaders(request.headers);
    for (const [k, v] of Object.entries(extra)) headers.set(k, v);
    const init = { method: request.method, headers, body, redirect: "manual" };
    if (body instanceof ReadableStream) init.duplex = "half";
    if (request.method === "GET" || request.method === "HEAD") delete init.body;
    try {
      return await fetchOrigin(new Request(upstream(url, path), init));
    } catch (e) {
      log({ type: "redflag.origin-error", message: String(e.message) });
      return new Response("The site is unavailable, please try again.", { status: 502, headers: { "Retry-After": String(config.retryAfter) } });
    }
  }

  async function token(payload, bodyBytes, reference, screenedBytes) {
    if (!config.secret) return null;
    const p = { ...payload, h: await sha256Hex(bodyBytes), t: Math.floor(Date.now() / 1000), ref: reference };
    if (screenedBytes !== undefined) p.n = screenedBytes;
    return signToken(config.secret, p);
  }

  /**
   * Sends what the site needs to answer an appeal (BLOCKS_URL): reference,
   * time, score, rule ids, packs, notes, keyed contact hashes and the body's
   * SHA-256, never the text. Runs after the 422 (waitUntil); failures are logged.
   */
  async function blockRecord({ reference, time, score, rules, packs, notes, contacts, bytes, images }) {
    const record = { type: "redflag.block", version: 1, reference, time, verdict: "block", score, rules, packs, notes, contacts, bodySha256: await sha256Hex(bytes) };
    if (images) record.images = images;
    const body = enc.encode(JSON.stringify(record));
    const headers = { "Content-Type": "application/json; charset=utf-8", "X-Redflag-Reference": reference };
    if (config.secret) headers["X-Redflag-Token"] = await signToken(config.secret, { v: "block", s: score, r: rules, p: packs, h: await sha256Hex(body), t: Math.floor(Date.parse(time) / 1000), ref: reference });
    try {
      const res = await fetchOrigin(new Request(config.blocksUrl, { method: "POST", headers, body, redirect: "manual" }));
      await res.body?.cancel();
      if (!res.ok) log({ type: "redflag.block-record-error", reference, status: res.status });
    } catch (e) {
      log({ type: "redflag.block-record-error", reference, message: String(e?.message ?? e) });
    }
  }

  let signer = null;
  /**
   * Seals the submission and sends the signed packet to EVIDENCE_URL. Runs
   * after the answer (waitUntil); never throws. Failures are counted
   * (errors["evidence-delivery"]) and logged with the reference only.
   */
  async function sendEvidence(o) {
    const ev = config.evidence;
    try {
      signer ??= ed25519Signer(ev.seed).catch((e) => {
        signer = null;
        throw e;
      });
      const { text } = await makePacket({
        source: "edge",
        clock: "edge",
        time: new Date(o.time),
        retainDays: ev.retainDays,
        reference: o.reference,
        url: o.url,
        listing: null,
        verdict: o.verdict,
        fields: o.fields,
        contacts: o.contacts,
        rawContacts: o.rawContacts,
        reviewer: null,
        section: o.section,
        body: o.bytes,
        contentType: o.contentType,
        recipientPublic: ev.recipient,
        signer: await signer,
      });
      const headers = { "Content-Type": "application/json; charset=utf-8", "X-Redflag-Reference": o.reference, "X-Redflag-Evidence": EVIDENCE_FORMAT };
      const res = await fetchOrigin(new Request(ev.url, { method: "POST", headers, body: text, redirect: "manual" }));
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the evidence endpoint answered ${res.status}`);
      log({ type: "redflag.evidence-sent", reference: o.reference, verdict: o.verdict.verdict, bytes: text.length });
    } catch (e) {
      counters.errors["evidence-delivery"] = (counters.errors["evidence-delivery"] ?? 0) + 1;
      log({ type: "redflag.evidence-error", reference: o.reference, message: String(e?.message ?? e) });
    }
  }

  async function onFailure(request, url, path, failure, body, bodyBytes, ctx) {
    const reference = crypto.randomUUID();
    count("error", null, failure.kind, null, ctx);
    log({ type: "redflag.failure", kind: failure.kind, policy: config.failure, reference });
    if (config.failure === "fail-closed") {
      const msg = "We could not check your submission right now. Please try again in a moment.";
      const headers = { "Retry-After": String(config.retryAfter), "X-Redflag-Error": failure.kind, "Cache-Control": "no-store" };
      return wantsJson(request)
        ? Response.json({ error: "unavailable", kind: failure.kind, message: msg, reference }, { status: 503, headers })
        : new Response(page("Please try again", [msg], reference), { status: 503, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
    }
    const extra = { "X-Redflag-Verdict": "error", "X-Redflag-Error": failure.kind, "X-Redflag-Reference": reference };
    const t = await token({ v: "error", s: 0, r: [], p: [] }, bodyBytes, reference, body instanceof ReadableStream ? bodyBytes.byteLength : undefined);
    if (t) extra["X-Redflag-Token"] = t;
    return forward(request, url, path, body, extra);
  }

  async function handle(request, ctx) {
    const url = new URL(request.url);
    // Without ORIGIN the request goes to its own host: an absolute-form target naming another host is refused.
    const host = request.headers.get("host");
    if (!config.origin && host && host.toLowerCase() !== url.host.toLowerCase()) return new Response("The request target names another host.", { status: 400 });
    const path = forwardPath(url.pathname);
    const keys = matchKeys(path);
    if (report && keys.some((k) => k.toLowerCase() === config.report.key)) return report(request, ctx);
    if (config.statsToken && keys.some((k) => k.toLowerCase() === "/__redflag/counters")) {
      if (!(await sameSecret(request.headers.get("authorization") ?? "", `Bearer ${config.statsToken}`))) return new Response("forbidden", { status: 403 });
      return Response.json(aggregated ? await aggregated() : counters);
    }
    const route = routeFor(config.routes, keys, request.method);
    if (!route) return forward(request, url, path, request.body, {});

    let read;
    try {
      read = await readBody(request, config.maxBodyBytes, config.maxReadMs);
    } catch (e) {
      const f = e instanceof Failure ? e : new Failure("read-error", String(e.message), 400);
      // The body could not be read whole: nothing is left to forward.
      count("error", null, f.kind, null, ctx);
      log({ type: "redflag.failure", kind: f.kind, policy: config.failure });
      return new Response("The request body could not be read.", { status: f.status ?? 400 });
    }
    const bytes = read.bytes;
    const body = read.stream ?? bytes;
    let extracted;
    try {
      extracted = await extract(bytes, request.headers.get("content-type"), config);
    } catch (e) {
      // extract() handles every client shape; reaching here is a fault of ours.
      extracted = { fields: [["body", new TextDecoder().decode(bytes)]], sections: [], notes: new Set(["malformed"]), images: [] };
      log({ type: "redflag.extract-error", message: String(e?.message ?? e) });
    }
    if (read.stream) extracted.notes.add("truncated");
    let verdict;
    let screenedSub;
    const contacts = new Set();
    // Raw contact values, read only for sealed evidence: they go nowhere else.
    const rawContacts = new Map();
    const screenOptions = config.evidence ? { entities: true, rawValues: true } : entities ? { entities: true } : undefined;
    try {
      const engine = getEngine();
      for (const sub of submissions(extracted, config, engine.limits())) {
        const v = engine.screen(sub, screenOptions);
        for (const e of v.entities ?? []) {
          if (e.hash && contacts.size < config.maxContacts) contacts.add(`${e.kind}:${e.hash}`);
          if (config.evidence && CONTACT_KINDS.includes(e.kind) && e.value && rawContacts.size < 256) rawContacts.set(`${e.kind}:${e.value}`, { kind: e.kind, value: e.value, hash: e.hash ?? null });
        }
        if (!verdict || RANK[v.verdict] > RANK[verdict.verdict] || (RANK[v.verdict] === RANK[verdict.verdict] && v.score > verdict.score)) {
          verdict = v;
          screenedSub = sub;
        }
      }
    } catch (e) {
      const f = new Failure("engine-error", String(e?.message ?? e), 503);
      return onFailure(request, url, path, f, body, bytes, ctx);
    }
    // Pictures, unless the text already blocks: hashed and matched against
    // the hash lists; the stronger of the two verdicts wins.
    let pictures = null;
    if (screenImages && extracted.images.length && verdict.verdict !== "block") {
      pictures = await screenImages(extracted.images);
      if (pictures.matched) extracted.notes.add("image-match");
      if (pictures.unscreened) extracted.notes.add("image-unscreened");
    }
    const notes = [...extracted.notes].sort();
    const reference = crypto.randomUUID();
    let tier = verdict.verdict;
    if (RANK[tier] < RANK.review && notes.some((n) => FLOOR.includes(n))) tier = "review";
    if (pictures && RANK[pictures.tier] > RANK[tier]) tier = pictures.tier;
    const imageRecords = pictures?.results.map(({ message, ...r }) => r) ?? null;
    const rules = verdict.rules.map((r) => r.id);
    const packs = verdict.packs.map((p) => `${p.id}@${p.version}`);
    count(tier, verdict, null, notes, ctx);
    const evidence = (time) =>
      config.evidence?.on.includes(tier)
        ? sendEvidence({
            reference,
            time,
            url: request.url,
            verdict: { verdict: tier, score: verdict.score, packs: verdict.packs, hits: verdict.hits },
            fields: Object.entries(screenedSub).filter(([k]) => k !== "section"),
            section: screenedSub.section ?? null,
            contacts: [...contacts],
            rawContacts: [...rawContacts.values()],
            bytes,
            contentType: request.headers.get("content-type"),
          })
        : null;
    if (tier === "block") {
      // The rest of a body past the limit is read and dropped (bounded), so the client gets the 422 rather than a reset connection.
      if (read.stream) await drain(read.stream, DRAIN_BYTES, config.maxReadMs);
      const time = new Date().toISOString();
      const blockedImages = imageRecords?.filter((r) => r.matches);
      log({ type: "redflag.blocked", reference, time, score: verdict.score, rules, packs, notes, ...(blockedImages?.length ? { images: blockedImages } : {}) });
      if (config.blocksUrl) ctx?.waitUntil?.(blockRecord({ reference, time, score: verdict.score, rules, packs, notes, contacts: [...contacts], bytes, images: imageRecords }));
      const sealed = evidence(time);
      if (sealed) ctx?.waitUntil?.(sealed);
      // A picture on a list gets a general message: never which list, entry or hash.
      const messages = [...verdict.poster_messages, ...(blockedImages?.length ? [IMAGE_MESSAGE] : [])];
      if (!messages.length) messages.push("This submission breaks the site's rules.");
      const headers = { "Cache-Control": "no-store", "X-Redflag-Reference": reference };
      const appeal = config.appealUrl ? appealLink(config.appealUrl, reference) : null;
      const answer = { error: "blocked", messages, reference };
      if (appeal) answer.appeal = appeal;
      return wantsJson(request)
        ? Response.json(answer, { status: 422, headers })
        : new Response(page("Your ad was not posted", messages, reference, appeal), { status: 422, headers: { ...headers, "Content-Type": "text/html; charset=utf-8" } });
    }
    const extra = {
      "X-Redflag-Verdict": tier,
      "X-Redflag-Score": String(verdict.score),
      "X-Redflag-Rules": rules.join(","),
      "X-Redflag-Pack": packs.join(","),
      "X-Redflag-Reference": reference,
    };
    if (notes.length) extra["X-Redflag-Notes"] = notes.join(",");
    const hitFields = [...new Set(verdict.hits.map((h) => headerSafe(h.field)))];
    if (hitFields.length) extra["X-Redflag-Fields"] = hitFields.slice(0, 64).join(",");
    if (read.stream) extra["X-Redflag-Screened-Bytes"] = String(bytes.byteLength);
    if (contacts.size) extra["X-Redflag-Contacts"] = [...contacts].join(",");
    if (imageRecords) {
      extra["X-Redflag-Images"] = imagesHeader(imageRecords);
      if (pictures.unscreened) extra["X-Redflag-Images-Unscreened"] = String(pictures.unscreened);
    }
    if (tier === "review") {
      const sealed = evidence(new Date().toISOString());
      if (sealed) ctx?.waitUntil?.(sealed);
    }
    const payload = { v: tier, s: verdict.score, r: rules, p: packs };
    if (notes.length) payload.w = notes;
    if (contacts.size) payload.c = [...contacts];
    if (imageRecords) {
      // The pictures' hashes (never the pictures), matches and unscreened count, under the token's signature.
      payload.i = imageRecords.filter((r) => r.pdq).map((r) => `${r.pdq}:${r.quality}`);
      const m = imageRecords.flatMap((r) => (r.matches ?? []).map((x) => `${x.list}@${x.version}:${x.distance}`));
      if (m.length) payload.m = m;
      if (pictures.unscreened) payload.u = pictures.unscreened;
    }
    const t = await token(payload, bytes, reference, read.stream ? bytes.byteLength : undefined);
    if (t) extra["X-Redflag-Token"] = t;
    return forward(request, url, path, body, extra);
  }

  handle.counters = () => structuredClone(counters);
  return handle;
}
