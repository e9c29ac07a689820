// The edge worker in real workerd (Miniflare) on 127.0.0.1, in front of a
// real origin server process on loopback that records what it receives.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importPackage } from "./helpers/package.mjs";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { runLoad } from "../edge/load.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";

const SECRET = "edge-test-verdict-secret-0123456789";
const ENTITY_KEY = "edge-test-entity-key-0123456789abcdef";
// origin: where requests must go; evil: another host nothing may ever reach.
let origin, evil, open, closed, limited, keyed, big;

before(async () => {
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  evil = await startOrigin({});
  const common = { ORIGIN: origin.url, VERDICT_SECRET: SECRET, MAX_BODY_BYTES: "65536", STATS_TOKEN: "stats-token", COUNTERS_EVERY: "25" };
  open = await startWorker(common, { kv: { PACKS_KV: { packs: '{"schema": 1, "pack": {"id": "broken"}}' } } });
  closed = await startWorker({ ...common, FAILURE_POLICY: "fail-closed" });
  limited = await startWorker({ ...common, ENGINE_LIMITS: '{"max_fields": 3}' });
  keyed = await startWorker({ ...common, ENTITY_KEY });
  big = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET }); // the default limits (1 MiB)
});
after(async () => {
  for (const w of [open, closed, limited, keyed, big]) await w?.stop();
  await origin?.stop();
  await evil?.stop();
});

const ads = {
  allow: { section: "for-sale", title: "Road bike 🚲", body: "Aluminium frame, café racer tape, new tyres." },
  warn: { section: "jobs", title: "Hotel jobs", body: "A registration fee is required before you start." },
  // One strong indicator reaches review on its own (with a fee it would block).
  review: { section: "jobs", title: "Factory work", body: "Your passport will be kept by the employer." },
  block: { section: "adult", title: "New in town", body: "Sweet new girl, age: 16, discreet." },
};

const sha = (b) => createHash("sha256").update(b).digest("hex");
let seq = 0;
const newId = () => `t${process.pid}-${++seq}`;

function encode(kind, fields) {
  if (kind === "form") return { type: "application/x-www-form-urlencoded", body: Buffer.from(new URLSearchParams(fields).toString()) };
  if (kind === "json") return { type: "application/json", body: Buffer.from(JSON.stringify(fields)) };
  // multipart with a binary file part that must pass through untouched
  const boundary = `----redflag${randomBytes(8).toString("hex")}`;
  const parts = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  const file = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) % 256));
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

async function post(worker, path, { type, body }, headers = {}) {
  const id = newId();
  const res = await fetch(`${worker.url}${path}`, { method: "POST", body, headers: { "content-type": type, "x-test-id": id, ...headers } });
  return { id, res, text: await res.text() };
}

const received = async (id) => (await origin.log()).filter((r) => r.headers["x-test-id"] === id);

for (const kind of ["form", "multipart", "json"]) {
  test(`${kind} bodies: each tier does what the policy says, bodies arrive byte-identical`, async () => {
    for (const [tier, ad] of Object.entries(ads)) {
      const enc = encode(kind, ad);
      // The client tries to pass its own verdict: it must be stripped.
      const r = await post(open, "/ads", enc, { "X-Redflag-Verdict": "allow", "X-Redflag-Token": "forged", accept: kind === "json" ? "application/json" : "text/html" });
      const got = await received(r.id);
      if (tier === "block") {
        assert.equal(r.res.status, 422, `${kind} block`);
        assert.equal(got.length, 0, "the origin never sees a blocked submission");
        assert.ok(r.res.headers.get("x-redflag-reference"));
        if (kind === "json") {
          const j = JSON.parse(r.text);
          assert.equal(j.error, "blocked");
          assert.ok(j.messages.length && !j.messages.join(" ").includes("16"));
        } else {
          assert.match(r.res.headers.get("content-type"), /text\/html/);
          assert.match(r.text, /Reference: [0-9a-f-]{36}/);
        }
        continue;
      }
      assert.equal(r.res.status, 200, `${kind} ${tier}: ${r.text}`);
      assert.equal(got.length, 1, `${kind} ${tier} reached the origin exactly once`);
      const o = got[0];
      assert.equal(o.headers["x-redflag-verdict"], tier);
      assert.equal(o.sha256, sha(enc.body), "byte-identical body");
      assert.equal(o.length, enc.body.length);
      assert.ok(o.tokenValid, "the verdict token verifies at the origin");
      assert.equal(o.tokenTier, tier);
      assert.equal(o.headers["content-type"], enc.type, "multipart boundary kept");
      assert.ok(o.headers["x-redflag-pack"].includes("core@"));
      if (tier !== "allow") assert.ok(o.headers["x-redflag-rules"].length > 0);
      assert.ok(Number(o.headers["x-redflag-score"]) >= 0);
    }
  });
}

test("unscreened routes pass through, spoofed headers still stripped", async () => {
  const id = newId();
  const res = await fetch(`${open.url}/search?q=bikes`, { headers: { "x-test-id": id, "x-redflag-verdict": "allow" } });
  assert.equal(res.status, 200);
  const [o] = await received(id);
  assert.equal(o.path, "/search?q=bikes");
  assert.equal(o.headers["x-redflag-verdict"], undefined);
});

// ------------------------------------------------------------------ #19

/** Waits (a bounded number of turns, no timing asserted) until cond() holds, e.g. a log line has been read from workerd's stdout. */
async function eventually(cond, turns = 200) {
  for (let i = 0; i < turns && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
}

/** Real curl: raw request targets (--path-as-is, absolute-form) and Expect: 100-continue. */
function curl(args, body) {
  return new Promise((ok, fail) => {
    const child = execFile("curl", ["-sS", "-o", "-", "-w", "\n%{http_code}", "--path-as-is", ...args], { encoding: "buffer", maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err && !stdout?.length) return fail(new Error(`curl: ${err.message} ${stderr}`));
      const text = stdout.toString();
      const i = text.lastIndexOf("\n");
      ok({ status: Number(text.slice(i + 1)), text: text.slice(0, i) });
    });
    if (body) child.stdin.end(body);
    else child.stdin.end();
  });
}

const blockForm = (extra = "") => Buffer.from(`section=adult&title=New+in+town&body=${encodeURIComponent(ads.block.body)}${extra}`);

test("forwards only to the configured origin: protocol-relative, backslash, encoded and absolute-form targets", async () => {
  const evilHost = new URL(evil.url).host;
  const targets = [`//${evilHost}/steal`, `/\\${evilHost}/steal`, `/%2F%2F${evilHost}/steal`, `/%5C${evilHost}/steal`, `/%2f/${evilHost}/steal`, `///${evilHost}/steal`];
  for (const t of targets) {
    for (const method of ["GET", "POST"]) {
      const id = newId();
      const args = ["-X", method, "-H", `x-test-id: ${id}`, "-H", "cookie: session=secret", "-H", "authorization: Bearer secret"];
      if (method === "POST") args.push("-H", "content-type: application/x-www-form-urlencoded", "--data-binary", "@-");
      const r = await curl([...args, `${open.url}${t}`], method === "POST" ? Buffer.from("q=1") : null);
      assert.equal(r.status, 200, `${method} ${t}`);
      const [o] = await received(id);
      assert.ok(o, `${method} ${t} reached the configured origin`);
      assert.ok(o.path.startsWith("/") && !o.path.startsWith("//"), `${t} → ${o.path}`);
    }
  }
  // Absolute-form request target: the host in it is not where the request goes.
  const id = newId();
  const r = await curl(["-X", "POST", "-H", `x-test-id: ${id}`, "-H", "cookie: session=secret", "-H", "content-type: application/x-www-form-urlencoded", "--data-binary", "@-", "--request-target", `http://${evilHost}/ads`, `${open.url}/`], blockForm());
  // workerd itself may refuse the form (500 before the worker runs); it must never be forwarded anywhere.
  assert.notEqual(r.status, 200, `absolute-form: ${r.status} ${r.text}`);
  assert.deepEqual(await evil.log(), [], "nothing ever reached another host");
});


test("route variants as origins see them are screened; PUT and PATCH too", async () => {
  const paths = ["/ads/", "/ADS", "/Ads;jsessionid=1", "/ads;x", "/ads/.", "/x/../ads", "//ads", "/%61ds", "/ads%2F", "/ads/%2e", "/x/..;/ads", "/api/ads/17", "/API/Ads/17/", "/%2561ds"];
  for (const p of paths) {
    for (const method of ["POST", "PUT", "PATCH"]) {
      const id = newId();
      const r = await curl(["-X", method, "-H", `x-test-id: ${id}`, "-H", "content-type: application/x-www-form-urlencoded", "-H", "accept: application/json", "--data-binary", "@-", `${open.url}${p}`], blockForm());
      assert.equal(r.status, 422, `${method} ${p}: ${r.text}`);
      assert.equal((await received(id)).length, 0, `${method} ${p} never reaches the origin`);
    }
  }
  // An honest edit on a variant is screened and forwarded with its verdict.
  const id = newId();
  const r = await curl(["-X", "PATCH", "-H", `x-test-id: ${id}`, "-H", "content-type: application/json", "--data-binary", "@-", `${open.url}/api/ads/17/`], Buffer.from(JSON.stringify(ads.review)));
  assert.equal(r.status, 200);
  const [o] = await received(id);
  assert.equal(o.method, "PATCH");
  assert.equal(o.headers["x-redflag-verdict"], "review");
  assert.equal(o.path, "/api/ads/17/");
});

const blockText = ads.block.body;

test("field shapes cannot hide text: nested JSON, arrays, repeated fields, sections as the origin reads them, any charset", async () => {
  const json = (v) => ({ type: "application/json", body: Buffer.from(JSON.stringify(v)) });
  const shapes = {
    "nested object": json({ ad: { section: "adult", title: "New in town", body: blockText } }),
    "array body": json([{ section: "adult", body: blockText }]),
    "body as an array": json({ section: "adult", body: ["New in town", blockText] }),
    "section as an array": json({ section: ["adult"], title: "New in town", body: blockText }),
    "section hidden in an array, other section outside": json({ section: ["jobs", "adult"], body: blockText }),
    "no section": json({ title: "New in town", body: blockText }),
    "section in upper case": json({ section: "ADULT", body: blockText }),
    "deep nesting": json({ a: { b: [{ c: { d: [[blockText]] } }] }, section: "adult" }),
    "repeated form section (PHP, Django, Rails keep the last)": { type: "application/x-www-form-urlencoded", body: Buffer.from(`section=community&section=adult&body=${encodeURIComponent(blockText)}`) },
    "repeated form body": { type: "application/x-www-form-urlencoded", body: Buffer.from(`section=adult&body=Hello&body=${encodeURIComponent(blockText)}`) },
    "utf-16le form": { type: "application/x-www-form-urlencoded; charset=utf-16le", body: Buffer.from(`section=adult&body=${blockText}`, "utf16le") },
    "windows-1252 text": { type: "text/plain; charset=windows-1252", body: Buffer.from(`section adult ${blockText} caf\xe9`, "latin1") },
    "json in text/plain": { type: "text/plain", body: Buffer.from(JSON.stringify({ section: "adult", body: blockText })) },
  };
  for (const [name, enc] of Object.entries(shapes)) {
    const r = await post(open, "/ads", enc, { accept: "application/json" });
    assert.equal(r.res.status, 422, `${name}: ${r.res.status} ${r.text}`);
    assert.equal((await received(r.id)).length, 0, `${name}: the origin never sees it`);
  }
  // Hits name the field by its JSON path.
  const r = await post(open, "/ads", json({ section: "jobs", ad: { title: "Factory work", photos: [{ caption: ads.review.body }] } }));
  const [o] = await received(r.id);
  assert.equal(o.headers["x-redflag-verdict"], "review");
  assert.equal(o.headers["x-redflag-fields"], "ad.photos[0].caption");
});

test("no attacker-chosen fail-open: unknown types, bad bytes, bad syntax and padding are screened, at least review, never error", async () => {
  const pad = (s, section) => Buffer.concat([Buffer.from(`section=${section}&title=x&body=${encodeURIComponent(s)}&pad=`), Buffer.alloc(200_000, "x")]);
  const shapes = (text, section) => ({
    "text/plain": [{ type: "text/plain", body: Buffer.from(text) }, null],
    "no content type": [{ type: "", body: Buffer.from(text) }, null],
    "one invalid byte": [{ type: "application/x-www-form-urlencoded", body: Buffer.concat([Buffer.from(`section=${section}&body=${encodeURIComponent(text)}`), Buffer.from([0xff])]) }, "undecodable"],
    "malformed json": [{ type: "application/json", body: Buffer.from(`{"section": "${section}", "body": "${text}`) }, "malformed"],
    "malformed multipart": [{ type: "multipart/form-data; boundary=abc", body: Buffer.from(`--abc\r\nContent-Disposition: form-data; name="body"\r\n\r\n${text}`) }, "malformed"],
    "octet-stream": [{ type: "application/octet-stream", body: Buffer.from(text) }, null],
    "padding past MAX_BODY_BYTES": [{ type: "application/x-www-form-urlencoded", body: pad(text, section) }, "truncated"],
    "unknown charset": [{ type: "text/plain; charset=x-made-up", body: Buffer.from(text) }, "unknown-charset"],
  });
  for (const worker of [open, closed]) {
    for (const [name, [enc]] of Object.entries(shapes(blockText, "adult"))) {
      const r = await post(worker, "/ads", enc, { accept: "application/json" });
      assert.equal(r.res.status, 422, `block text, ${name}: ${r.res.status} ${r.text}`);
      assert.equal((await received(r.id)).length, 0, name);
    }
    for (const [name, [enc, note]] of Object.entries(shapes("Line cook wanted. Full time, paid training.", "jobs"))) {
      const r = await post(worker, "/ads", enc);
      assert.equal(r.res.status, 200, `honest text, ${name}: ${r.res.status} ${r.text}`);
      const [o] = await received(r.id);
      assert.ok(o, name);
      assert.equal(o.sha256, sha(enc.body), `${name}: body intact`);
      assert.ok(o.tokenValid, `${name}: token verifies`);
      assert.notEqual(o.headers["x-redflag-verdict"], "error", name);
      if (note) {
        assert.equal(o.headers["x-redflag-verdict"], "review", name);
        assert.ok(o.headers["x-redflag-notes"].split(",").includes(note), `${name}: ${o.headers["x-redflag-notes"]}`);
      }
    }
  }
});

test("multipart: text attachments and file names are screened, binary parts pass byte-identical", async () => {
  const boundary = "----redflagAttach";
  const part = (name, filename, type, data) => Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`), Buffer.from(data), Buffer.from("\r\n")]);
  const form = (...parts) => ({ type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="section"\r\n\r\nadult\r\n`), ...parts, Buffer.from(`--${boundary}--\r\n`)]) });
  const cases = {
    ".txt attachment": form(part("ad", "ad.txt", "text/plain", blockText)),
    "csv attachment": form(part("ad", "ad.csv", "text/csv", `title,body\nNew,"${blockText}"`)),
    "json attachment": form(part("ad", "ad.json", "application/json", JSON.stringify({ body: blockText }))),
    "text sent as image/png": form(part("photo", "photo.png", "image/png", blockText)),
    "file name": form(part("photo", `${blockText}.jpg`, "image/jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))),
  };
  for (const [name, enc] of Object.entries(cases)) {
    const r = await post(open, "/ads", enc, { accept: "application/json" });
    assert.equal(r.res.status, 422, `${name}: ${r.text}`);
    assert.equal((await received(r.id)).length, 0, name);
  }
  const binary = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7 + 255) % 256));
  const ok = form(part("photo", "bike.jpg", "image/jpeg", binary));
  const r = await post(open, "/upload/photos", ok);
  const [o] = await received(r.id);
  assert.equal(o.sha256, sha(ok.body), "binary part byte-identical");
  assert.ok(o.tokenValid);
});

test("without VERDICT_SECRET the worker warns once at start and forwards without a token; with it, no warning", async () => {
  const w = await startWorker({ ORIGIN: origin.url });
  try {
    for (let k = 0; k < 3; k++) {
      const id = newId();
      const res = await fetch(`${w.url}/ads`, { method: "POST", headers: { "x-test-id": id, "content-type": "text/plain" }, body: "Line cook wanted, full time, paid training." });
      await res.text();
      assert.equal(res.status, 200);
      const got = await received(id);
      assert.equal(got.length, 1, "forwarded");
      assert.equal(got[0].headers["x-redflag-token"], undefined, "no token without a secret");
    }
    await eventually(() => w.output.some((l) => l.includes('"redflag.config-warning"')));
    const warnings = w.output.filter((l) => l.includes('"redflag.config-warning"'));
    assert.equal(warnings.length, 1, "logged once");
    assert.match(warnings[0], /VERDICT_SECRET/);
  } finally {
    await w.stop();
  }
  const ok = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET });
  try {
    const id = newId();
    const res = await fetch(`${ok.url}/ads`, { method: "POST", headers: { "x-test-id": id, "content-type": "text/plain" }, body: "Line cook wanted, full time, paid training." });
    await res.text();
    assert.ok((await received(id))[0].headers["x-redflag-token"], "a token with the secret");
    assert.ok(!ok.output.some((l) => l.includes('"redflag.config-warning"')));
  } finally {
    await ok.stop();
  }
});

test("configuration is validated at start: an invalid setting is a 500 naming it, never a missing limit", async () => {
  const bad = [["ENGINE_LIMITS", '{"max_fields": 0}'], ["ENGINE_LIMITS", '{"max_input_bytes": 8}'], ...Object.entries({ MAX_BODY_BYTES: "64k", FAILURE_POLICY: "fail_closed", ENGINE_LIMITS: '{"max_fields": 3', ROUTES: '[{"path":"ads"}]', ORIGIN: "origin.example", MAX_READ_MS: "-1", ENTITY_KEY: "short" })];
  for (const [setting, value] of bad) {
    const w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, [setting]: value });
    try {
      for (const [method, path] of [["POST", "/ads"], ["GET", "/search"]]) {
        const id = newId();
        const res = await fetch(`${w.url}${path}`, { method, headers: { "x-test-id": id, "content-type": "text/plain" }, body: method === "POST" ? `${blockText} ${"x".repeat(100_000)}` : undefined });
        const text = await res.text();
        assert.equal(res.status, 500, `${setting}=${value}`);
        assert.match(text, new RegExp(`configuration error: ${setting}`), text);
        assert.ok(!text.includes(SECRET));
        assert.equal((await received(id)).length, 0, `${setting}: nothing forwarded`);
      }
      await eventually(() => w.output.some((l) => l.includes('"redflag.config-error"')));
      assert.equal(w.output.filter((l) => l.includes('"redflag.config-error"')).length, 1, "logged once");
    } finally {
      await w.stop();
    }
  }
  // A valid setting still applies: max_fields 3 bounds the engine's work, and more fields are screened, not failed.
  const enc = { type: "application/json", body: Buffer.from(JSON.stringify({ section: "adult", a: "1", b: "2", c: "3", d: "4", e: blockText })) };
  const r = await post(limited, "/ads", enc, { accept: "application/json" });
  assert.equal(r.res.status, 422, r.text);
});

test("ENTITY_KEY: keyed contact hashes reach the origin (header and token), raw contacts never", async () => {
  const { extractEntities } = await importPackage();
  const ad = { section: "for-sale", title: "Road bike", body: "Call 202-555-0147 or mail bob@example.com" };
  const want = extractEntities(ad, { entityKey: ENTITY_KEY }).filter((e) => e.hash).map((e) => `${e.kind}:${e.hash}`);
  assert.ok(want.length >= 2);
  const r = await post(keyed, "/ads", encode("json", ad));
  const [o] = await received(r.id);
  assert.deepEqual(o.headers["x-redflag-contacts"].split(",").sort(), want.sort());
  assert.deepEqual([...o.tokenContacts].sort(), want.sort());
  const headers = JSON.stringify(o.headers);
  assert.ok(!headers.includes("5550147") && !headers.includes("bob@"), "no raw contact in any header or token");
  assert.ok(!JSON.stringify(o.token).includes("5550147"));
});

test("transparency counters survive a workerd restart and count every submission under concurrency (Durable Object)", async () => {
  const persist = mkdtempSync(join(tmpdir(), "redflag-counters-"));
  const bindings = { ORIGIN: origin.url, VERDICT_SECRET: SECRET, STATS_TOKEN: "stats-token" };
  let w = await startWorker(bindings, { counters: true, persist });
  for (const ad of [ads.allow, ads.warn, ads.review, ads.block]) await post(w, "/ads", encode("form", ad));
  await w.stop(); // the isolate and workerd are gone
  w = await startWorker(bindings, { counters: true, persist });
  try {
    const c = await (await fetch(`${w.url}/__redflag/counters`, { headers: { authorization: "Bearer stats-token" } })).json();
    assert.deepEqual(c.tiers, { allow: 1, warn: 1, review: 1, block: 1, error: 0 });
    assert.equal(c.submissions, 4);
    assert.ok(c.categories["recruitment-fee"] >= 1);
    assert.ok(!JSON.stringify(c).includes("passport") && !JSON.stringify(c).includes("Sweet"), "no ad text");
    // Under concurrency every submission is counted once, in its tier.
    const load = await runLoad({ worker: w.url, origin, requests: 500, concurrency: 100 });
    assert.deepEqual(load.unexpected, []);
    const read = async () => (await fetch(`${w.url}/__redflag/counters`, { headers: { authorization: "Bearer stats-token" } })).json();
    await eventually(async () => (await read()).submissions >= 504);
    const after = await read();
    assert.equal(after.submissions, 504);
    assert.deepEqual(after.tiers, { allow: 1 + load.byTier.allow, warn: 1 + load.byTier.warn, review: 1 + load.byTier.review, block: 1 + load.byTier.block, error: 0 });
  } finally {
    await w.stop();
  }
});

test("Expect: 100-continue and hop-by-hop headers from real curl: small, large and over-limit bodies, client and origin agree", async () => {
  const honest = (n) => Buffer.from(`section=jobs&title=Line+cook&body=${encodeURIComponent("Line cook wanted. Full time, paid training. ".repeat(Math.ceil(n / 44)).slice(0, n))}`);
  for (const [name, body, worker] of [["small", honest(300), open], ["54 KB", honest(54_000), open], ["over the limit", honest(200_000), open], ["over 1 MiB", honest(1_200_000), big]]) {
    const id = newId();
    const r = await curl(["-X", "POST", "-H", `x-test-id: ${id}`, "-H", "Expect: 100-continue", "-H", "content-type: application/x-www-form-urlencoded", "-H", "Connection: keep-alive, X-Hop", "-H", "X-Hop: secret", "-H", "Proxy-Authorization: Basic c2VjcmV0", "-H", "TE: trailers", "--data-binary", "@-", `${worker.url}/ads`], body);
    const got = await received(id);
    assert.equal(r.status, 200, `${name}: ${r.status} ${r.text}`);
    assert.equal(got.length, 1, `${name}: the origin has it once`);
    assert.equal(got[0].length, body.length, `${name}: nothing lost`);
    assert.equal(got[0].sha256, sha(body), name);
    for (const h of ["expect", "x-hop", "proxy-authorization", "te"]) assert.equal(got[0].headers[h], undefined, `${name}: ${h} not forwarded`);
    assert.ok(got[0].tokenValid, name);
  }
  // Blocked by its first bytes, past the limit, with Expect: the client gets the 422 (not a reset), the origin nothing.
  const id = newId();
  const blocked = Buffer.concat([blockForm("&pad="), Buffer.alloc(1_200_000, "x")]);
  const r = await curl(["-X", "POST", "-H", `x-test-id: ${id}`, "-H", "Expect: 100-continue", "-H", "content-type: application/x-www-form-urlencoded", "-H", "accept: application/json", "--data-binary", "@-", `${big.url}/ads`], blocked);
  assert.equal(r.status, 422, r.text);
  assert.equal((await received(id)).length, 0);
});

test("one heavy request does not starve another: both complete, the normal one is screened normally", async () => {
  // Over the limit, hostile (one letter per line, digits, emoji), no section: screened under every section.
  const hostile = Buffer.concat([Buffer.from("body="), Buffer.from("a\n1 🌹 @ . ".repeat(120_000))]);
  const heavy = fetch(`${big.url}/ads`, { method: "POST", body: hostile, headers: { "content-type": "application/x-www-form-urlencoded", "x-test-id": "heavy" } }).then(async (res) => ({ status: res.status, text: await res.text() }));
  const normal = await post(big, "/ads", encode("form", ads.warn));
  const h = await heavy;
  assert.equal(normal.res.status, 200);
  assert.equal((await received(normal.id))[0].headers["x-redflag-verdict"], "warn");
  assert.ok([200, 422].includes(h.status), `heavy: ${h.status} ${h.text}`);
  const [o] = (await origin.log()).filter((x) => x.headers["x-test-id"] === "heavy");
  if (h.status === 200) {
    assert.equal(o.headers["x-redflag-verdict"], "review");
    assert.match(o.headers["x-redflag-notes"], /truncated/);
    assert.equal(o.length, hostile.length);
  }
});

test("a bounded load run with a hostile mix at concurrency 100 loses nothing, leaks no block, screens no shape as empty", async () => {
  const result = await runLoad({ worker: open.url, origin, requests: 2000, concurrency: 100, maxBody: 65536 });
  console.log(`  ${result.requests} requests at concurrency ${result.concurrency}: ${result.rps.toFixed(0)} req/s, latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
  assert.deepEqual(result.unexpected, [], "no unexpected responses");
  assert.equal(result.lost, 0, "every non-blocked request reached the origin");
  assert.equal(result.duplicated, 0, "and only once");
  assert.equal(result.leaked, 0, "no blocked request reached the origin");
  assert.equal(result.screenedAsEmpty, 0, "no hostile shape was screened as nothing");
  // Transparency counters: per tier and category, no personal data.
  const counters = await (await fetch(`${open.url}/__redflag/counters`, { headers: { authorization: "Bearer stats-token" } })).json();
  assert.ok(counters.tiers.block >= result.byTier.block);
  assert.ok(counters.categories["recruitment-fee"] > 0);
  assert.equal((await fetch(`${open.url}/__redflag/counters`)).status, 403);
  const line = open.output.find((l) => l.includes('"redflag.counters"'));
  assert.ok(line, "counters are written to the log");
  const logged = JSON.parse(line.slice(line.indexOf("{")));
  assert.deepEqual(Object.keys(logged.tiers).sort(), ["allow", "block", "error", "review", "warn"]);
  assert.ok(!line.includes("passport") && !line.includes("Sweet"), "no ad text in the log");
});

test("signed packs: a deployment with public keys refuses unsigned, tampered, expired and downgraded packs", async () => {
  const { publicKey, privateKey } = keypair();
  const good = signPack(sitePack("2.0.0"), "2099-01-01T00:00:00Z", privateKey);
  const tampered = JSON.parse(good);
  tampered.pack = tampered.pack.replace('"score":3', '"score":0');
  const cases = [
    ["accepted", { PACKS: good }, {}, null],
    // KV's own record of accepted versions is not trusted either way.
    ["accepted, KV claims a newer one was seen", {}, { PACKS_KV: { packs: good, "packs:accepted": '{"site":"9.0.0"}' } }, null],
    ["unsigned", { PACKS: JSON.stringify(sitePack("2.0.0")) }, {}, /not signed/],
    ["tampered", { PACKS: JSON.stringify(tampered) }, {}, /does not match/],
    ["expired", { PACKS: signPack(sitePack("2.0.0"), "2020-01-01T00:00:00Z", privateKey) }, {}, /expired/],
    ["below MIN_PACK_VERSIONS", { MIN_PACK_VERSIONS: '{"site":"3.0.0"}' }, { PACKS_KV: { packs: good, "packs:accepted": '{"site":"1.0.0"}' } }, /downgrade refused/],
  ];
  for (const [name, extra, kv, refusal] of cases) {
    const w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, PACK_PUBLIC_KEYS: publicKey, ...extra }, { kv });
    try {
      const r = await post(w, "/ads", encode("form", { section: "for-sale", title: "Road bike", body: "Road bike for sale" }));
      const [o] = await received(r.id);
      if (!refusal) {
        assert.equal(o.headers["x-redflag-verdict"], "warn", name);
        assert.match(o.headers["x-redflag-pack"], /site@2\.0\.0/);
      } else {
        // Refused: the worker keeps running on the built-in packs.
        assert.equal(o.headers["x-redflag-verdict"], "allow", name);
        assert.ok(!o.headers["x-redflag-pack"].includes("site@"), name);
        await eventually(() => w.output.some((l) => l.includes("redflag.packs-refused")));
        const line = w.output.find((l) => l.includes("redflag.packs-refused"));
        assert.ok(line && refusal.test(line), `${name}: ${w.output.join("\n")}`);
      }
    } finally {
      await w.stop();
    }
  }
});

test("packs in KV: a refused replay or a broken update keeps the last good pack", async () => {
  const { publicKey, privateKey } = keypair();
  const v2 = signPack(sitePack("2.0.0"), "2099-01-01T00:00:00Z", privateKey);
  const v1 = signPack(sitePack("1.0.0", 5), "2099-01-01T00:00:00Z", privateKey); // an older, validly signed pack replayed
  const w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, PACK_PUBLIC_KEYS: publicKey, PACKS_REFRESH_SECONDS: "1" }, { kv: { PACKS_KV: { packs: v2 } } });
  const kv = await w.mf.getKVNamespace("PACKS_KV");
  const bike = () => encode("form", { section: "for-sale", title: "Road bike", body: "Road bike for sale" });
  const packOf = async () => {
    const r = await post(w, "/ads", bike());
    return (await received(r.id))[0].headers["x-redflag-pack"];
  };
  try {
    assert.match(await packOf(), /site@2\.0\.0/);
    for (const [name, text, line] of [["replayed v1", v1, "redflag.packs-refused"], ["unsigned", JSON.stringify(sitePack("4.0.0")), "redflag.packs-refused"]]) {
      await kv.put("packs", text);
      const before = w.output.filter((l) => l.includes(line)).length;
      // Requests until the worker has re-read KV (refresh every second) and refused the new text.
      await eventually(async () => {
        await packOf();
        return w.output.filter((l) => l.includes(line)).length > before;
      }, 400);
      assert.ok(w.output.filter((l) => l.includes(line)).length > before, `${name}: refused`);
      assert.match(await packOf(), /site@2\.0\.0/, `${name}: the last good pack is kept`);
    }
    // A broken pack at start: the worker runs on the built-in packs.
    const ok = await post(open, "/ads", encode("form", ads.review));
    assert.equal((await received(ok.id))[0].headers["x-redflag-verdict"], "review");
    assert.ok(open.output.some((l) => l.includes('"redflag.packs-rejected"')), "the rejected pack is logged");
    assert.ok(!open.output.some((l) => l.includes('"redflag.packs-loaded"')));
  } finally {
    await w.stop();
  }
});

test("no worker logged an uncaught exception or an unhandled rejection", async () => {
  for (const [name, w] of Object.entries({ open, closed, limited, keyed, big })) {
    // workerd's own refusal of the absolute-form target (before any worker code runs) is expected.
    const bad = w.output.filter((l) => /uncaught|unhandled|internal-error/i.test(l) && !/kj\/compat\/url\.c\+\+.*invalid URL/.test(l));
    assert.deepEqual(bad, [], name);
  }
});
