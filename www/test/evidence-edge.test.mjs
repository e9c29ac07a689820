// Sealed evidence at the edge, in real workerd (Miniflare) in front of a real
// origin process, read back with the real CLI: a block (and, with
// EVIDENCE_ON=block,review, a review) sends a signed packet whose
// submission is sealed to the legal team's key to EVIDENCE_URL; `redflag
// evidence verify` accepts it, a tampered copy is refused, `redflag evidence
// open` gives back the exact request body. No raw contact value reaches the
// worker's logs, the headers and records sent to the origin, or the
// counters. Misconfiguration is a start-up error naming the setting; an
// evidence endpoint that is down never holds up the poster's answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { redflag } from "./helpers/cli.mjs";
import { canonicalJson } from "../shared/evidence.js";

const SECRET = "evidence-test-verdict-secret-0123456789";
const ENTITY_KEY = "evidence-test-entity-key-0123456789abcdef";
// The test ads' contact values, in every form a log line could hold them.
const PHONE = "202-555-0147";
const EMAIL = "bob.contact@example.com";
const HANDLE = "sweetbob99";
const RAW = [PHONE, "2025550147", "5550147", EMAIL, HANDLE];

const dir = mkdtempSync(join(tmpdir(), "redflag-evidence-edge-"));
let origin, w, keys;

function makeKeys() {
  const legal = join(dir, "legal");
  const k = redflag(["evidence", "keygen", "--out", legal]);
  assert.equal(k.status, 0, k.stderr);
  const signKey = join(dir, "sign.key");
  const s = redflag(["keygen", "-o", signKey]);
  assert.equal(s.status, 0, s.stderr);
  return {
    recipientPub: readFileSync(join(legal, "evidence-recipient.pub"), "utf8").trim(),
    recipientKey: join(legal, "evidence-recipient.key"),
    signingSeed: readFileSync(signKey, "utf8").trim(),
    signerPub: s.stdout.trim(),
  };
}

const evidenceEnv = () => ({
  EVIDENCE_URL: `${origin.url}/legal/evidence`,
  EVIDENCE_PUBLIC_KEY: keys.recipientPub,
  EVIDENCE_SIGNING_KEY: keys.signingSeed,
  EVIDENCE_ON: "block,review",
  EVIDENCE_RETAIN_DAYS: "90",
});

before(async () => {
  keys = makeKeys();
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, ENTITY_KEY, STATS_TOKEN: "stats-token", BLOCKS_URL: `${origin.url}/moderation/blocks`, ...evidenceEnv() }, { counters: true });
});
after(async () => {
  await w?.stop();
  await origin?.stop();
});

async function eventually(cond, turns = 200) {
  for (let i = 0; i < turns; i++) {
    const v = await cond();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

const evidenceFor = (reference) => eventually(async () => (await origin.log()).find((r) => r.path === "/legal/evidence" && r.headers["x-redflag-reference"] === reference));

/** The packet's exact bytes: its canonical JSON and a line break, checked against the SHA-256 of what the origin received. */
function packetBytes(record) {
  const text = `${canonicalJson(record.json)}\n`;
  assert.equal(createHash("sha256").update(text).digest("hex"), record.sha256, "the bytes received are the packet's canonical form");
  return text;
}

const blockAd = { section: "adult", title: "New in town", body: `Sweet new girl, age: 16, discreet. Call ${PHONE} or mail ${EMAIL}, telegram @${HANDLE}` };

test("a block sends a sealed, signed packet to EVIDENCE_URL; the CLI verifies it, refuses a tampered copy and opens the exact submission", async () => {
  const body = JSON.stringify(blockAd);
  const res = await fetch(`${w.url}/ads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body });
  const answer = await res.json();
  assert.equal(res.status, 422);
  const record = await evidenceFor(answer.reference);
  assert.ok(record, "the packet reached the evidence endpoint");
  assert.equal(record.method, "POST");
  assert.equal(record.headers["x-redflag-evidence"], "redflag-evidence/2");
  const p = record.json;
  assert.equal(p.source, "edge");
  assert.equal(p.clock, "edge");
  assert.equal(p.reference, answer.reference);
  assert.equal(p.verdict, "block");
  assert.equal(p.url, `${w.url}/ads`);
  assert.ok(p.packs.some((x) => x.id === "core" && /^\d+\.\d+\.\d+/.test(x.version)));
  assert.ok(p.hits.some((h) => h.rule === "core.adult.stated-minor-age" && h.field === "body" && h.end > h.start));
  assert.deepEqual(p.fields.map((f) => f.name).sort(), ["body", "title"]);
  // Keyed contact hashes (ENTITY_KEY) in the clear part, the same as the origin's headers would carry.
  assert.ok(p.contacts.some((c) => /^phone:[0-9a-f]{64}$/.test(c)) && p.contacts.some((c) => /^email:[0-9a-f]{64}$/.test(c)));
  const days = (Date.parse(p.retain_until) - Date.parse(p.time)) / 86_400_000;
  assert.equal(days, 90);
  assert.ok(Math.abs(Date.parse(p.time) - Date.now()) < 60_000, "edge time, now");

  const file = join(dir, `${p.reference}.json`);
  const text = packetBytes(record);
  writeFileSync(file, text);
  const v = redflag(["evidence", "verify", "--json", "--public-key", keys.signerPub, file]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(JSON.parse(v.stdout).trusted, true);

  // Tampered copies: the verdict lowered, a hit removed, a ciphertext byte changed.
  const tampered = [
    text.replace('"verdict":"block"', '"verdict":"allow"'),
    text.replace(/\{"end":\d+,"field":"[^"]*","rule":"[^"]*","start":\d+\},?/, ""),
    text.replace(/("ciphertext":")(.)/, (m, a, c) => a + (c === "A" ? "B" : "A")),
  ];
  for (const [i, t] of tampered.entries()) {
    assert.notEqual(t, text, `tampering ${i} changed something`);
    const f = join(dir, `tampered-${i}.json`);
    writeFileSync(f, t);
    const r = redflag(["evidence", "verify", "--public-key", keys.signerPub, f]);
    assert.equal(r.status, 1, `tampering ${i} refused`);
    assert.match(r.stdout, /refused: (`signature` does not verify|the packet.s bytes are not its canonical form)/);
  }

  const bodyFile = join(dir, "body.bin");
  const o = redflag(["evidence", "open", file, "--key", keys.recipientKey, "--public-key", keys.signerPub, "--body", bodyFile]);
  assert.equal(o.status, 0, o.stderr);
  assert.equal(readFileSync(bodyFile, "utf8"), body, "the exact request body");
  // The body's SHA-256 is the one in the block record (BLOCKS_URL), which a referral can cite.
  const block = await eventually(async () => (await origin.log()).find((r) => r.path === "/moderation/blocks" && r.json?.reference === answer.reference));
  assert.equal(block.json.bodySha256, createHash("sha256").update(readFileSync(bodyFile)).digest("hex"));
  const sub = JSON.parse(o.stdout);
  assert.equal(sub.reference, answer.reference);
  assert.equal(sub.section, "adult");
  assert.deepEqual(Object.fromEntries(sub.fields.map((f) => [f.name, f.text])), { title: blockAd.title, body: blockAd.body });
  const values = sub.contacts.map((c) => c.value);
  assert.ok(values.includes(EMAIL) && values.some((x) => x.endsWith("2025550147")) && values.includes(HANDLE), JSON.stringify(values));
  assert.match(sub.content_type, /^application\/json/);
});

test("EVIDENCE_ON=block,review: a review is forwarded to the origin and preserved too; an allowed ad is not", async () => {
  const form = new URLSearchParams({ section: "jobs", title: "Factory work", body: `Your passport will be kept by the employer. WhatsApp ${PHONE}` });
  const res = await fetch(`${w.url}/ads?draft=${HANDLE}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  assert.equal(res.status, 200);
  await res.text();
  const fwd = (await origin.log()).findLast((r) => r.path.startsWith("/ads?draft="));
  assert.equal(fwd.headers["x-redflag-verdict"], "review");
  const reference = fwd.headers["x-redflag-reference"];
  const record = await evidenceFor(reference);
  assert.ok(record, "a review's packet");
  assert.equal(record.json.verdict, "review");
  assert.equal(record.json.url, `${w.url}/ads`, "no query in the clear part");
  const file = join(dir, "review.json");
  writeFileSync(file, packetBytes(record));
  assert.equal(redflag(["evidence", "verify", "--public-key", keys.signerPub, file]).status, 0);
  const o = redflag(["evidence", "open", file, "--key", keys.recipientKey]);
  assert.equal(o.status, 0, o.stderr);
  const sub = JSON.parse(o.stdout);
  assert.equal(sub.url, `${w.url}/ads?draft=${HANDLE}`, "the whole URL is sealed");
  assert.equal(Buffer.from(sub.body, "base64").toString(), form.toString());

  const before = (await origin.log()).filter((r) => r.path === "/legal/evidence").length;
  const ok = await fetch(`${w.url}/ads`, { method: "POST", headers: { "content-type": "text/plain" }, body: "Road bike, aluminium frame, new tyres." });
  assert.equal(ok.status, 200);
  await ok.text();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await origin.log()).filter((r) => r.path === "/legal/evidence").length, before, "no packet for allow");
});

test("no raw contact value in the worker's logs, the headers and records sent to the origin, or the counters", async () => {
  // One more block, as multipart, so every path has run.
  const fd = new FormData();
  fd.set("section", "adult");
  fd.set("title", "New in town");
  fd.set("body", blockAd.body);
  const res = await fetch(`${w.url}/ads`, { method: "POST", body: fd });
  assert.equal(res.status, 422);
  const reference = res.headers.get("x-redflag-reference");
  assert.ok(await evidenceFor(reference));
  await eventually(async () => (await origin.log()).some((r) => r.path === "/moderation/blocks" && r.headers["x-redflag-reference"] === reference));
  const counters = await (await fetch(`${w.url}/__redflag/counters`, { headers: { authorization: "Bearer stats-token" } })).text();
  assert.match(counters, /"block":[1-9]/);
  // Everything the origin received except the forwarded ads' own body and
  // query (the poster's request, which the site asked for and the worker
  // passes on as sent): headers of every request, and the JSON records
  // (blocks, evidence packets) whole.
  const origin_ = (await origin.log()).map((r) => (r.path.startsWith("/ads") ? { ...r, path: r.path.split("?")[0], json: undefined } : r));
  const everything = [JSON.stringify(origin_), w.output.join("\n"), counters].join("\n");
  assert.ok(everything.includes(reference), "the haystack holds this block's records");
  for (const raw of RAW) assert.ok(!everything.includes(raw), `${raw} leaked outside sealed evidence`);
  assert.ok(w.output.some((l) => l.includes('"redflag.evidence-sent"')));
});

test("misconfigured evidence settings are a start-up error naming the setting", async () => {
  const k = keys;
  const cases = [
    { EVIDENCE_URL: "ftp://legal.example/inbox", EVIDENCE_PUBLIC_KEY: k.recipientPub, EVIDENCE_SIGNING_KEY: k.signingSeed, expect: "EVIDENCE_URL" },
    { EVIDENCE_URL: "https://legal.example/inbox", EVIDENCE_PUBLIC_KEY: k.recipientPub.slice(4), EVIDENCE_SIGNING_KEY: k.signingSeed, expect: "EVIDENCE_PUBLIC_KEY" },
    { EVIDENCE_URL: "https://legal.example/inbox", EVIDENCE_PUBLIC_KEY: k.recipientPub, expect: "EVIDENCE_SIGNING_KEY" },
    { EVIDENCE_URL: "https://legal.example/inbox", EVIDENCE_PUBLIC_KEY: k.recipientPub, EVIDENCE_SIGNING_KEY: k.signingSeed, EVIDENCE_ON: "review", expect: "EVIDENCE_ON" },
    { EVIDENCE_URL: "https://legal.example/inbox", EVIDENCE_PUBLIC_KEY: k.recipientPub, EVIDENCE_SIGNING_KEY: k.signingSeed, EVIDENCE_RETAIN_DAYS: "0", expect: "EVIDENCE_RETAIN_DAYS" },
    { EVIDENCE_PUBLIC_KEY: k.recipientPub, expect: "EVIDENCE_PUBLIC_KEY" },
  ];
  for (const { expect, ...env } of cases) {
    const bad = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, ...env });
    try {
      const res = await fetch(`${bad.url}/ads`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
      const text = await res.text();
      assert.equal(res.status, 500, expect);
      assert.match(text, new RegExp(`configuration error: ${expect}:`), text);
      assert.ok(!text.includes(k.signingSeed) && !bad.output.join("\n").includes(k.signingSeed), "the signing key is never echoed");
    } finally {
      await bad.stop();
    }
  }
});

test("an evidence endpoint that is down neither delays nor breaks the poster's answer; the failure is counted and logged without personal data", async () => {
  const down = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, STATS_TOKEN: "stats-token", ...evidenceEnv(), EVIDENCE_URL: "http://127.0.0.1:9/evidence" });
  try {
    const t0 = Date.now();
    const res = await fetch(`${down.url}/ads`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(blockAd) });
    const answer = await res.json();
    assert.equal(res.status, 422);
    assert.ok(Date.now() - t0 < 5000);
    const line = await eventually(() => down.output.find((l) => l.includes('"redflag.evidence-error"')));
    assert.ok(line, "logged");
    assert.equal(JSON.parse(line).reference, answer.reference);
    const counters = await eventually(async () => {
      const c = await (await fetch(`${down.url}/__redflag/counters`, { headers: { authorization: "Bearer stats-token" } })).json();
      return c.errors["evidence-delivery"] >= 1 ? c : null;
    });
    assert.ok(counters, "counted");
    const all = down.output.join("\n") + JSON.stringify(counters);
    for (const raw of RAW) assert.ok(!all.includes(raw), `${raw} in the failure's log or counters`);
  } finally {
    await down.stop();
  }
});
