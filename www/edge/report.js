// User reports at the edge: `POST /__redflag/report` (REPORT_ROUTE), sent by
// the report control (www/report/redflag-report.js) that a listing page puts
// next to an ad. Runtime-neutral like core.js (Request/Response, fetch, Web
// Crypto); core.js's handler dispatches the route here when REPORT_URL is set.
//
// A report is JSON, at most REPORT_MAX_BYTES (default 64 KiB; larger: 413,
// nothing forwarded):
//
//   { "listing": "ad-123",                  listing id (1-200 chars) and/or
//     "url": "https://site.example/ads/123", its http(s) URL (≤ 2048 chars)
//     "reason": "fees-debt",                 one of REPORT_REASONS
//     "comment": "free text",                optional, ≤ 1000 characters
//     "ad": { "section": "jobs", "title": "…", "body": "…" } }  the ad as shown
//
// Each client (keyed by the REPORT_CLIENT_HEADER header, default
// CF-Connecting-IP, which Cloudflare sets and a client cannot forge) may send
// REPORT_RATE_LIMIT requests (default 5) per fixed window of
// REPORT_RATE_WINDOW seconds (default 600); past that: 429 with Retry-After
// (the seconds until its window ends). Every request to the route counts,
// malformed ones too. The limiter lives in the isolate's memory (at most
// MAX_CLIENTS keys, never logged): Cloudflare runs many isolates, so it
// bounds what one client can do through each isolate; a global limit is a
// rate-limiting rule in front of the worker.
//
// The ad text is screened again with the worker's engine (with ENTITY_KEY,
// contacts become keyed hashes), and the report record below is POSTed as
// JSON to REPORT_URL, the site's report queue. The answer to the reporter
// is 202 { ok: true, reference } once the queue accepted it (2xx), else 502.
// The record never holds raw contacts, the reporter's address or anything
// interpreted: the comment is a JSON string the queue must show as text.
import { signToken, sha256Hex } from "./token.js";

/** Reasons a reporter can give, with the pack categories each maps to and its severity (priority formula). */
export const REPORT_REASONS = Object.freeze({
  minor: { categories: ["minor", "youth"], severity: 4 },
  "fees-debt": { categories: ["recruitment-fee", "debt-bondage", "withheld-wages"], severity: 3 },
  documents: { categories: ["document-retention"], severity: 3 },
  movement: { categories: ["restricted-movement", "isolation", "threats"], severity: 3 },
  "third-party": { categories: ["third-party", "sexual-exploitation-risk"], severity: 3 },
  other: { categories: [], severity: 1 },
});

/** Priority points of the re-screened verdict's tier (error: the engine failed, the reason alone ranks it). */
export const TIER_POINTS = Object.freeze({ block: 30, review: 20, warn: 10, allow: 0, error: 0 });

/** Points added when the re-screen found a rule in a category the reason names. */
export const CORROBORATED_POINTS = 5;

/** Longest comment, in characters (code points). */
export const MAX_COMMENT = 1000;
/** Longest listing id and URL. */
export const MAX_LISTING = 200;
export const MAX_URL = 2048;
/** Most clients the limiter remembers per isolate (then expired windows go, then the oldest). */
export const MAX_CLIENTS = 10_000;

const SECTIONS = ["jobs", "adult", "personals", "services", "housing", "for-sale", "community"];
const enc = new TextEncoder();

/**
 * A report's priority: higher is more serious.
 *   TIER_POINTS[verdict] + the reason's severity + CORROBORATED_POINTS when
 *   the re-screen hit a rule in one of the reason's categories.
 * So any re-screened block (31-39) outranks any review (21-29), which
 * outranks any warn; within a tier a corroborated report of a minor ranks
 * first. Queues sort by priority, then score, both descending.
 *
 * @param {string} verdict the re-screened tier ("error" when screening failed)
 * @param {string} reason one of REPORT_REASONS
 * @param {string[]} ruleCategories categories of the rules that fired
 * @returns {{ priority: number, corroborated: boolean }}
 */
export function reportPriority(verdict, reason, ruleCategories) {
  const r = REPORT_REASONS[reason] ?? REPORT_REASONS.other;
  const corroborated = r.categories.some((c) => ruleCategories.includes(c));
  return { priority: (TIER_POINTS[verdict] ?? 0) + r.severity + (corroborated ? CORROBORATED_POINTS : 0), corroborated };
}

/**
 * A fixed-window rate limiter: `limit` hits per `windowMs` per key, in
 * memory. `hit(key)` returns { ok: true } or { ok: false, retryAfter }
 * (whole seconds until the key's window ends).
 *
 * @param {{ limit: number, windowMs: number, maxKeys?: number, now?: () => number }} options
 */
export function fixedWindowLimiter({ limit, windowMs, maxKeys = MAX_CLIENTS, now = () => Date.now() }) {
  const windows = new Map(); // key → { start, count }, oldest first
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (w && t - w.start >= windowMs) {
        windows.delete(key);
        w = undefined;
      }
      if (!w) {
        if (windows.size >= maxKeys) {
          for (const [k, v] of windows) if (t - v.start >= windowMs) windows.delete(k);
          // Still full: the oldest window goes (a flood of distinct keys cannot grow memory).
          if (windows.size >= maxKeys) windows.delete(windows.keys().next().value);
        }
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      if (w.count <= limit) return { ok: true };
      return { ok: false, retryAfter: Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) };
    },
    size: () => windows.size,
  };
}

class Invalid extends Error {}

function text(v, name, max, required) {
  if (v === undefined || v === null || v === "") {
    if (required) throw new Invalid(`${name} is required`);
    return "";
  }
  if (typeof v !== "string") throw new Invalid(`${name} must be a string`);
  // Control characters other than tab and newlines are dropped: plain text only.
  const s = v.replace(/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g, "").trim();
  if ([...s].length > max) throw new Invalid(`${name} is longer than ${max} characters`);
  return s;
}

/** Checks a parsed report; returns it normalised or throws Invalid with a message for the reporter's developer. */
function validate(r, maxAdChars) {
  if (!r || typeof r !== "object" || Array.isArray(r)) throw new Invalid("the body must be a JSON object");
  const known = ["listing", "url", "reason", "comment", "ad"];
  const unknown = Object.keys(r).find((k) => !known.includes(k));
  if (unknown !== undefined) throw new Invalid(`unknown field ${JSON.stringify(unknown.slice(0, 40))} (expected ${known.join(", ")})`);
  const listing = text(r.listing, "listing", MAX_LISTING, false);
  const url = text(r.url, "url", MAX_URL, false);
  if (url) {
    let u;
    try {
      u = new URL(url);
    } catch {
      throw new Invalid("url must be an absolute http(s) URL");
    }
    if (!["http:", "https:"].includes(u.protocol) || u.username || u.password) throw new Invalid("url must be an absolute http(s) URL without credentials");
  }
  if (!listing && !url) throw new Invalid("listing or url is required");
  if (typeof r.reason !== "string" || !Object.hasOwn(REPORT_REASONS, r.reason)) throw new Invalid(`reason must be one of ${Object.keys(REPORT_REASONS).join(", ")}`);
  const comment = text(r.comment, "comment", MAX_COMMENT, false);
  const ad = r.ad;
  if (!ad || typeof ad !== "object" || Array.isArray(ad)) throw new Invalid("ad must be an object { section, title, body }");
  const adUnknown = Object.keys(ad).find((k) => !["section", "title", "body"].includes(k));
  if (adUnknown !== undefined) throw new Invalid(`unknown field ad.${adUnknown.slice(0, 40)} (expected section, title, body)`);
  const section = text(ad.section, "ad.section", 40, false).toLowerCase();
  if (section && !SECTIONS.includes(section)) throw new Invalid(`ad.section must be one of ${SECTIONS.join(", ")}`);
  const title = text(ad.title, "ad.title", maxAdChars, false);
  const body = text(ad.body, "ad.body", maxAdChars, false);
  if (!title && !body) throw new Invalid("ad.title or ad.body is required (the ad's text as shown)");
  return { listing: listing || null, url: url || null, reason: r.reason, comment, ad: { section: section || null, title, body } };
}

/** Reads at most `max` bytes; null when the body is larger. */
async function readCapped(request, max, maxMs) {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks = [];
  let n = 0;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), maxMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timeout]);
      if (done) break;
      n += value.byteLength;
      if (n > max) {
        reader.releaseLock();
        return null;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Creates the report handler.
 *   config: the validated EdgeConfig (config.report: route, url, limits)
 *   getEngine(): the engine to re-screen with
 *   entities: screen with entities (ENTITY_KEY set): contacts as keyed hashes
 *   fetchOrigin(request): sends the record to REPORT_URL (default fetch)
 *   log(object): one structured log line (never text, contacts or addresses)
 *   drain(stream): reads and drops a refused body, bounded (core.js's drain),
 *     so the client gets the answer rather than a reset connection
 *   now(): milliseconds (the limiter's clock)
 *
 * @returns {(request: Request, ctx?: { waitUntil?(p: Promise<unknown>): void }) => Promise<Response>}
 */
export function createReportHandler({ config, getEngine, entities = false, fetchOrigin = (r) => fetch(r), log = (o) => console.log(JSON.stringify(o)), drain = async () => {}, now = () => Date.now() }) {
  const rc = config.report;
  const limiter = fixedWindowLimiter({ limit: rc.rateLimit, windowMs: rc.rateWindow * 1000, now });
  const json = (status, body, headers = {}) => Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
  const refuse = async (request, status, error, message, headers) => {
    await drain(request.body);
    return json(status, { error, message }, headers);
  };

  return async function report(request) {
    if (request.method !== "POST") return refuse(request, 405, "method", "Reports are sent with POST.", { Allow: "POST" });
    const client = request.headers.get(rc.clientHeader)?.trim() || "unknown";
    const rate = limiter.hit(client);
    if (!rate.ok) {
      log({ type: "redflag.report-limited", retryAfter: rate.retryAfter });
      return refuse(request, 429, "rate-limited", "Too many reports from this connection. Please try again later.", { "Retry-After": String(rate.retryAfter) });
    }
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") return refuse(request, 415, "content-type", "Reports are JSON: send Content-Type: application/json.");
    const declared = Number(request.headers.get("content-length"));
    if (declared > rc.maxBytes) return refuse(request, 413, "too-large", `A report is at most ${rc.maxBytes} bytes.`);
    let bytes;
    try {
      bytes = await readCapped(request, rc.maxBytes, config.maxReadMs);
    } catch {
      return json(408, { error: "timeout", message: "The report took too long to arrive." });
    }
    if (bytes === null) return refuse(request, 413, "too-large", `A report is at most ${rc.maxBytes} bytes.`);
    let parsed;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      return json(400, { error: "invalid", message: "The body is not valid UTF-8 JSON." });
    }
    let r;
    try {
      r = validate(parsed, rc.maxBytes);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      return json(400, { error: "invalid", message: e.message });
    }

    const reference = crypto.randomUUID();
    const sub = r.ad.section ? { section: r.ad.section, title: r.ad.title, body: r.ad.body } : { title: r.ad.title, body: r.ad.body };
    let verdict = "error";
    let score = 0;
    let rules = [];
    let ruleCategories = [];
    let packs = [];
    const contacts = new Set();
    try {
      const v = getEngine().screen(sub, entities ? { entities: true } : undefined);
      verdict = v.verdict;
      score = v.score;
      rules = v.rules.map((x) => x.id);
      ruleCategories = [...new Set(v.rules.map((x) => x.category))];
      packs = v.packs.map((p) => `${p.id}@${p.version}`);
      for (const e of v.entities ?? []) if (e.hash && contacts.size < config.maxContacts) contacts.add(`${e.kind}:${e.hash}`);
    } catch (e) {
      // The report still reaches the queue, ranked by its reason alone.
      log({ type: "redflag.report-engine-error", reference, message: String(e?.message ?? e) });
    }
    const { priority, corroborated } = reportPriority(verdict, r.reason, ruleCategories);
    const record = {
      type: "redflag.report",
      version: 1,
      reference,
      received: new Date(now()).toISOString(),
      listing: r.listing,
      url: r.url,
      reason: r.reason,
      reasonCategories: REPORT_REASONS[r.reason].categories,
      comment: r.comment,
      verdict,
      score,
      rules,
      ruleCategories,
      packs,
      contacts: [...contacts],
      corroborated,
      priority,
      section: r.ad.section,
      textSha256: await sha256Hex(enc.encode(`${r.ad.title}\n${r.ad.body}`)),
    };
    const body = enc.encode(JSON.stringify(record));
    const headers = { "Content-Type": "application/json; charset=utf-8", "X-Redflag-Reference": reference };
    if (config.secret) headers["X-Redflag-Token"] = await signToken(config.secret, { v: verdict, s: score, r: rules, p: packs, h: await sha256Hex(body), t: Math.floor(now() / 1000), ref: reference });
    let res;
    try {
      res = await fetchOrigin(new Request(rc.url, { method: "POST", headers, body, redirect: "manual" }));
      await res.body?.cancel();
    } catch (e) {
      log({ type: "redflag.report-error", reference, message: String(e?.message ?? e) });
      return json(502, { error: "unavailable", message: "The report could not be delivered. Please try again later." }, { "Retry-After": String(config.retryAfter) });
    }
    if (!res.ok) {
      log({ type: "redflag.report-error", reference, status: res.status });
      return json(502, { error: "unavailable", message: "The report could not be delivered. Please try again later." }, { "Retry-After": String(config.retryAfter) });
    }
    log({ type: "redflag.report", reference, reason: r.reason, verdict, score, priority, rules });
    return json(202, { ok: true, reference });
  };
}
