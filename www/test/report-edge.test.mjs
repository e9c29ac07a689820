// User reports and appeals at the edge, in real workerd (Miniflare) in front
// of a real origin process: POST /__redflag/report re-screens the reported ad
// and forwards a ranked report record to REPORT_URL; its abuse cases (floods,
// huge bodies, markup in the comment, malformed JSON, wrong method); the
// block page's appeal link (APPEAL_URL) and the block record (BLOCKS_URL).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { importPackage } from "./helpers/package.mjs";
import { startOrigin, startWorker } from "./helpers/edge.mjs";

const SECRET = "report-test-verdict-secret-0123456789";
const ENTITY_KEY = "report-test-entity-key-0123456789abcdef";
const LIMIT = 3;
const WINDOW = 60;
const MAX = 8192;
// An appeal URL with characters that must be escaped in the page's HTML.
const APPEAL = 'https://help.example/appeal?ref={ref}&from="edge"<b>';
let origin, rep, plain;

before(async () => {
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  rep = await startWorker({
    ORIGIN: origin.url,
    VERDICT_SECRET: SECRET,
    ENTITY_KEY,
    REPORT_URL: `${origin.url}/moderation/reports`,
    REPORT_RATE_LIMIT: String(LIMIT),
    REPORT_RATE_WINDOW: String(WINDOW),
    REPORT_MAX_BYTES: String(MAX),
    APPEAL_URL: APPEAL,
    BLOCKS_URL: `${origin.url}/moderation/blocks`,
  });
  plain = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET });
});
after(async () => {
  await rep?.stop();
  await plain?.stop();
  await origin?.stop();
});

const ads = {
  block: { section: "adult", title: "New in town", body: "Sweet new girl, age: 16, discreet. Call 202-555-0147 or mail bob@example.com" },
  review: { section: "jobs", title: "Factory work", body: "Your passport will be kept by the employer." },
  allow: { section: "for-sale", title: "Road bike", body: "Aluminium frame, new tyres, café racer tape." },
};

let seq = 0;
/** A client address of its own per call, so tests do not share a rate-limit window. */
const newClient = () => `198.51.100.${(++seq % 250) + 1}`;
const sha = (b) => createHash("sha256").update(b).digest("hex");

async function report(body, { client = newClient(), method = "POST", type = "application/json", worker = rep, path = "/__redflag/report" } = {}) {
  const init = { method, headers: { "content-type": type, "cf-connecting-ip": client } };
  if (method !== "GET" && method !== "HEAD") init.body = typeof body === "string" || body instanceof Uint8Array || body instanceof ReadableStream ? body : JSON.stringify(body);
  if (init.body instanceof ReadableStream) init.duplex = "half";
  const res = await fetch(`${worker.url}${path}`, init);
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { res, text, json };
}

const records = async (path) => (await origin.log()).filter((r) => r.path === path);
const reportsFor = async (listing) => (await records("/moderation/reports")).filter((r) => r.json?.listing === listing);

test("a report is re-screened and reaches REPORT_URL as a signed record with verdict, rules, keyed contact hashes, never raw contacts", async () => {
  const { Engine, extractEntities } = await importPackage();
  const listing = `ad-${process.pid}-e2e`;
  const comment = "The ad asks for a minor. Line two.\nLine three.";
  const r = await report({ listing, url: "https://site.example/ads/1", reason: "minor", comment, ad: ads.block });
  assert.equal(r.res.status, 202, r.text);
  assert.equal(r.json.ok, true);
  assert.match(r.json.reference, /^[0-9a-f-]{36}$/);
  const got = await reportsFor(listing);
  assert.equal(got.length, 1, "exactly one record forwarded");
  const [o] = got;
  assert.equal(o.method, "POST");
  assert.match(o.headers["content-type"], /^application\/json/);
  assert.equal(o.tokenValid, true, "the record carries a verdict token over its exact bytes");
  assert.equal(o.token.ref, r.json.reference);
  const rec = o.json;
  const want = new Engine(undefined, { entityKey: ENTITY_KEY }).screen(ads.block, { entities: true });
  assert.equal(rec.type, "redflag.report");
  assert.equal(rec.reference, r.json.reference);
  assert.equal(rec.url, "https://site.example/ads/1");
  assert.equal(rec.reason, "minor");
  assert.equal(rec.comment, comment);
  assert.equal(rec.verdict, want.verdict);
  assert.equal(rec.verdict, "block");
  assert.equal(rec.score, want.score);
  assert.deepEqual(rec.rules, want.rules.map((x) => x.id));
  assert.deepEqual(rec.packs, want.packs.map((p) => `${p.id}@${p.version}`));
  const hashes = extractEntities(ads.block, { entityKey: ENTITY_KEY }).filter((e) => e.hash).map((e) => `${e.kind}:${e.hash}`);
  assert.ok(hashes.length >= 2);
  assert.deepEqual([...rec.contacts].sort(), hashes.sort(), "keyed contact hashes of the ad");
  assert.equal(rec.textSha256, sha(`${ads.block.title}\n${ads.block.body}`));
  assert.ok(Math.abs(Date.parse(rec.received) - Date.now()) < 60_000);
  // block (30) + minor (4) + corroborated: the re-screen found a minor rule (5).
  assert.ok(rec.ruleCategories.includes("minor"));
  assert.equal(rec.corroborated, true);
  assert.equal(rec.priority, 39);
  const everything = JSON.stringify(o) + rep.output.join("\n");
  for (const raw of ["5550147", "555-0147", "bob@example.com", "198.51.100."]) assert.ok(!everything.includes(raw), `no ${raw} in the record, its headers or the worker's logs`);
  assert.ok(!rep.output.join("\n").includes("Line three"), "the comment is not logged");
});

test("priority: a re-screened block outranks a review, which outranks an allowed ad; the reason and corroboration order within a tier", async () => {
  const sent = [
    ["p-allow-other", "other", ads.allow],
    ["p-review-docs", "documents", ads.review],
    ["p-review-other", "other", ads.review],
    ["p-block-fees", "fees-debt", ads.block],
    ["p-block-minor", "minor", ads.block],
  ];
  const ms = [];
  for (let round = 0; round < 4; round++) {
    for (const [id, reason, ad] of sent) {
      const t0 = performance.now();
      const r = await report({ listing: round ? `timing-${process.pid}` : `${id}-${process.pid}`, reason, ad });
      ms.push(performance.now() - t0);
      assert.equal(r.res.status, 202, r.text);
    }
  }
  // A figure, not an assertion: client → workerd (re-screen, sign) → origin → 202, on loopback.
  ms.sort((a, b) => a - b);
  console.log(`  report round trip over ${ms.length} reports: median ${ms[ms.length >> 1].toFixed(1)} ms, max ${ms.at(-1).toFixed(1)} ms`);
  const recs = [];
  for (const [id] of sent) recs.push(...(await reportsFor(`${id}-${process.pid}`)).map((o) => o.json));
  assert.equal(recs.length, sent.length);
  const order = [...recs].sort((a, b) => b.priority - a.priority || b.score - a.score).map((r) => r.listing.replace(`-${process.pid}`, ""));
  assert.deepEqual(order, ["p-block-minor", "p-block-fees", "p-review-docs", "p-review-other", "p-allow-other"]);
  const by = Object.fromEntries(recs.map((r) => [r.listing.replace(`-${process.pid}`, ""), r]));
  assert.equal(by["p-review-docs"].verdict, "review");
  assert.equal(by["p-review-docs"].corroborated, true, "the passport rule is in the documents reason's category");
  assert.equal(by["p-review-other"].corroborated, false);
  assert.equal(by["p-allow-other"].verdict, "allow");
  assert.equal(by["p-allow-other"].priority, 1);
});

test("flood: past REPORT_RATE_LIMIT a client gets 429 with Retry-After and nothing is forwarded; another client is unaffected", async () => {
  const a = newClient();
  const b = newClient();
  const listing = `flood-${process.pid}`;
  const statuses = [];
  let retry = null;
  for (let i = 0; i < LIMIT + 5; i++) {
    const r = await report({ listing, reason: "other", ad: ads.allow }, { client: a });
    statuses.push(r.res.status);
    if (r.res.status === 429) {
      retry = Number(r.res.headers.get("retry-after"));
      assert.equal(r.json.error, "rate-limited");
    }
  }
  assert.deepEqual(statuses, [...Array(LIMIT).fill(202), ...Array(5).fill(429)]);
  assert.ok(retry >= 1 && retry <= WINDOW, `Retry-After ${retry} within the window`);
  // Malformed requests count too: a flood of garbage is limited the same way.
  const bad = await report("{not json", { client: a });
  assert.equal(bad.res.status, 429);
  const other = await report({ listing, reason: "other", ad: ads.allow }, { client: b });
  assert.equal(other.res.status, 202, "another client is not limited");
  assert.equal((await reportsFor(listing)).length, LIMIT + 1, "only the accepted reports reached the queue");
});

test("huge bodies: 413 past REPORT_MAX_BYTES (declared or streamed without a length), nothing forwarded", async () => {
  const listing = `huge-${process.pid}`;
  const big = JSON.stringify({ listing, reason: "other", ad: { title: "x", body: "y".repeat(1 << 20) } });
  const r = await report(big);
  assert.equal(r.res.status, 413, r.text);
  assert.equal(r.json.error, "too-large");
  assert.match(r.json.message, new RegExp(String(MAX)));
  // Chunked, no Content-Length: the limit holds while reading.
  const chunk = new TextEncoder().encode("y".repeat(4096));
  let n = 0;
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(`{"listing":"${listing}","reason":"other","ad":{"body":"`));
    },
    pull(c) {
      if (n++ < 256) c.enqueue(chunk);
      else {
        c.enqueue(new TextEncoder().encode('"}}'));
        c.close();
      }
    },
  });
  const s = await report(stream);
  assert.equal(s.res.status, 413, s.text);
  // Just under the limit is accepted.
  const fits = JSON.stringify({ listing, reason: "other", ad: { title: "t", body: "Road bike. ".repeat(100) } });
  assert.ok(fits.length < MAX);
  assert.equal((await report(fits)).res.status, 202);
  const got = await reportsFor(listing);
  assert.equal(got.length, 1, "only the report within the limit was forwarded");
});

test("markup in the comment is forwarded as inert JSON text, exactly as typed, and never echoed back", async () => {
  const listing = `xss-${process.pid}`;
  const comment = `<script>alert(1)</script><img src=x onerror="alert(2)"> & "quotes"`;
  const r = await report({ listing, reason: "other", comment, ad: ads.allow });
  assert.equal(r.res.status, 202, r.text);
  assert.match(r.res.headers.get("content-type"), /^application\/json/);
  assert.ok(!r.text.includes("<script>"), "the answer does not echo the comment");
  const [o] = await reportsFor(listing);
  assert.equal(o.json.comment, comment, "the comment arrives unchanged, as a JSON string");
  assert.match(o.headers["content-type"], /^application\/json/);
  // Control characters are dropped; a comment past 1000 characters is refused.
  const ctl = await report({ listing, reason: "other", comment: "a\u0000b\u0007c\nd", ad: ads.allow });
  assert.equal(ctl.res.status, 202);
  const recs = await reportsFor(listing);
  assert.equal(recs.at(-1).json.comment, "abc\nd");
  const long = await report({ listing, reason: "other", comment: "é".repeat(1001), ad: ads.allow });
  assert.equal(long.res.status, 400);
  assert.match(long.json.message, /comment is longer than 1000/);
});

test("malformed JSON, bad fields, wrong type and wrong method get clear 4xx answers and forward nothing", async () => {
  const listing = `bad-${process.pid}`;
  const cases = [
    [{ body: `{"listing": "${listing}", "reason": ` }, 400, /not valid UTF-8 JSON/],
    [{ body: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, /not valid UTF-8 JSON/],
    [{ body: [listing] }, 400, /must be a JSON object/],
    [{ body: { listing, reason: "spam", ad: ads.allow } }, 400, /reason must be one of minor, fees-debt, documents, movement, third-party, other/],
    [{ body: { reason: "other", ad: ads.allow } }, 400, /listing or url is required/],
    [{ body: { listing, reason: "other" } }, 400, /ad must be an object/],
    [{ body: { listing, reason: "other", ad: { title: "", body: " " } } }, 400, /ad.title or ad.body is required/],
    [{ body: { listing, reason: "other", ad: { ...ads.allow, section: "cars" } } }, 400, /ad.section must be one of/],
    [{ body: { listing, url: "javascript:alert(1)", reason: "other", ad: ads.allow } }, 400, /url must be an absolute http/],
    [{ body: { listing, reason: "other", ad: ads.allow, ip: "1.2.3.4" } }, 400, /unknown field "ip"/],
    [{ body: { listing, reason: "other", ad: { ...ads.allow, phone: "x" } } }, 400, /unknown field ad.phone/],
    [{ body: { listing, reason: 3, ad: ads.allow } }, 400, /reason must be one of/],
    [{ body: `listing=${listing}&reason=other`, type: "application/x-www-form-urlencoded" }, 415, /application\/json/],
  ];
  for (const [c, status, message] of cases) {
    const r = await report(c.body, { type: c.type });
    assert.equal(r.res.status, status, `${JSON.stringify(c.body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.error, status === 415 ? "content-type" : "invalid");
    assert.match(r.json.message, message);
    assert.equal(r.res.headers.get("cache-control"), "no-store");
  }
  for (const method of ["GET", "PUT", "DELETE"]) {
    const r = await report({ listing, reason: "other", ad: ads.allow }, { method });
    assert.equal(r.res.status, 405, method);
    assert.equal(r.res.headers.get("allow"), "POST");
  }
  // The route is matched as origins read paths (case, trailing slash, escapes).
  const variant = await report({ listing: `${listing}-variant`, reason: "other", ad: ads.allow }, { path: "/__RedFlag/%72eport/" });
  assert.equal(variant.res.status, 202, variant.text);
  assert.equal((await reportsFor(listing)).length, 0, "nothing forwarded");
  assert.equal((await origin.log()).filter((r) => r.path.toLowerCase().includes("__redflag/report")).length, 0, "the report route never reaches the origin as a request");
});

test("without REPORT_URL the route is the site's own (forwarded); REPORT_* settings without it, or a bad REPORT_URL, are configuration errors", async () => {
  const r = await fetch(`${plain.url}/__redflag/report`, { method: "POST", headers: { "content-type": "application/json", "x-test-id": `plain-${process.pid}` }, body: "{}" });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), "origin ok");
  for (const [k, v] of [["REPORT_RATE_LIMIT", "5"], ["REPORT_URL", "reports"], ["REPORT_URL", "ftp://x.example/q"], ["APPEAL_URL", "javascript:alert(1)//{ref}"], ["BLOCKS_URL", "/blocks"]]) {
    const w = await startWorker({ ORIGIN: origin.url, [k]: v, ...(k === "REPORT_URL" ? {} : {}) });
    try {
      const res = await fetch(`${w.url}/__redflag/report`, { method: "POST", body: "{}" });
      assert.equal(res.status, 500, `${k}=${v}`);
      assert.match(await res.text(), new RegExp(`configuration error: ${k}:`));
    } finally {
      await w.stop();
    }
  }
});

test("block page: the appeal link carries the reference, escaped in the HTML; the JSON answer carries it too; absent without APPEAL_URL", async () => {
  const form = new URLSearchParams(ads.block).toString();
  const res = await fetch(`${rep.url}/ads`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: form });
  assert.equal(res.status, 422);
  const html = await res.text();
  const ref = res.headers.get("x-redflag-reference");
  assert.match(ref, /^[0-9a-f-]{36}$/);
  const m = /<a href="([^"]*)" id="redflag-appeal">/.exec(html);
  assert.ok(m, "the block page has an appeal link");
  const unescaped = m[1].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  assert.equal(unescaped, APPEAL.replace("{ref}", ref), "the link is APPEAL_URL with the reference");
  assert.ok(!html.includes('"edge"<b>') && !html.includes("<b>"), "the URL's markup is escaped");
  assert.ok(html.includes(`Reference: ${ref}`));
  const j = await fetch(`${rep.url}/ads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(ads.block) });
  assert.equal(j.status, 422);
  const body = await j.json();
  assert.equal(body.appeal, APPEAL.replace("{ref}", body.reference));
  // Not configured: no link, no field.
  const p = await fetch(`${plain.url}/ads`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" }, body: form });
  assert.equal(p.status, 422);
  const phtml = await p.text();
  assert.ok(!/appeal/i.test(phtml), "no appeal link without APPEAL_URL");
  const pj = await (await fetch(`${plain.url}/ads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(ads.block) })).json();
  assert.equal(pj.appeal, undefined);
});

test("BLOCKS_URL: each block sends the site a signed record to answer appeals with (reference, time, rules, packs, body hash), never the text", async () => {
  const { Engine } = await importPackage();
  const body = JSON.stringify({ ...ads.block, title: `New in town ${process.pid}` });
  const t0 = Date.now();
  const res = await fetch(`${rep.url}/ads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body });
  assert.equal(res.status, 422);
  const ref = res.headers.get("x-redflag-reference");
  let rec;
  for (let i = 0; i < 50 && !rec; i++) {
    rec = (await records("/moderation/blocks")).find((r) => r.json?.reference === ref);
    if (!rec) await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.ok(rec, "the block record reached BLOCKS_URL");
  assert.equal(rec.tokenValid, true);
  const want = new Engine(undefined, { entityKey: ENTITY_KEY }).screen({ ...ads.block, title: `New in town ${process.pid}` });
  assert.equal(rec.json.type, "redflag.block");
  assert.equal(rec.json.verdict, "block");
  assert.deepEqual(rec.json.rules, want.rules.map((r) => r.id));
  assert.deepEqual(rec.json.packs, want.packs.map((p) => `${p.id}@${p.version}`));
  assert.equal(rec.json.bodySha256, sha(body));
  assert.ok(Math.abs(Date.parse(rec.json.time) - t0) < 60_000);
  assert.ok(rec.json.contacts.length >= 2 && rec.json.contacts.every((c) => /^[a-z]+:[0-9a-f]+$/.test(c)));
  const all = JSON.stringify(rec);
  for (const raw of ["Sweet new girl", "5550147", "555-0147", "bob@example.com", "New in town"]) assert.ok(!all.includes(raw), `no ${raw} in the block record`);
  assert.equal((await origin.log()).filter((r) => r.path === "/ads" && r.json?.title === `New in town ${process.pid}`).length, 0, "the submission itself never reached the origin");
});
