// The edge worker in real workerd (Miniflare) on 127.0.0.1, in front of a
// real origin server process on loopback that records what it receives.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { runLoad } from "../edge/load.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";

const SECRET = "edge-test-verdict-secret-0123456789";
let origin, open, closed, faulty;

before(async () => {
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  const common = { ORIGIN: origin.url, VERDICT_SECRET: SECRET, MAX_BODY_BYTES: "65536", STATS_TOKEN: "stats-token", COUNTERS_EVERY: "25" };
  open = await startWorker(common, { kv: { PACKS_KV: { packs: '{"schema": 1, "pack": {"id": "broken"}}' } } });
  closed = await startWorker({ ...common, FAILURE_POLICY: "fail-closed" });
  faulty = await startWorker({ ...common, ENGINE_LIMITS: '{"max_fields": 3}' });
});
after(async () => {
  await open?.stop();
  await closed?.stop();
  await faulty?.stop();
  await origin?.stop();
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

const failures = {
  "body-too-large": () => ({ type: "application/x-www-form-urlencoded", body: Buffer.from(new URLSearchParams({ section: "jobs", body: "x".repeat(200_000) }).toString()) }),
  "malformed-multipart": () => ({ type: "multipart/form-data; boundary=abc", body: Buffer.from("--abc\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nno end") }),
  "invalid-utf8": () => ({ type: "application/x-www-form-urlencoded", body: Buffer.from([0x62, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe, 0x41]) }),
  "unsupported-content-type": () => ({ type: "text/plain", body: Buffer.from("Registration fee 300 USD") }),
  "malformed-json": () => ({ type: "application/json", body: Buffer.from('{"body": "unterminated') }),
};

test("fail-open: every failure is forwarded with X-Redflag-Verdict: error, nothing lost", async () => {
  for (const [kind, make] of Object.entries(failures)) {
    const enc = make();
    const r = await post(open, "/ads", enc);
    assert.equal(r.res.status, 200, `${kind}: ${r.text}`);
    const got = await received(r.id);
    assert.equal(got.length, 1, kind);
    assert.equal(got[0].headers["x-redflag-verdict"], "error", kind);
    assert.equal(got[0].headers["x-redflag-error"], kind);
    assert.equal(got[0].sha256, sha(enc.body), `${kind}: body intact`);
  }
});

test("fail-closed: every failure is a 503 with a retry hint and reaches nobody", async () => {
  for (const [kind, make] of Object.entries(failures)) {
    const r = await post(closed, "/ads", make(), { accept: "application/json" });
    assert.equal(r.res.status, 503, kind);
    assert.equal(r.res.headers.get("retry-after"), "30");
    assert.equal(JSON.parse(r.text).kind, kind);
    assert.equal((await received(r.id)).length, 0, kind);
  }
});

test("an engine fault follows the failure policy; a bad pack never replaces the good ones", async () => {
  // ENGINE_LIMITS max_fields 3: a submission with more fields fails in the engine.
  const enc = encode("json", { section: "jobs", a: "1", b: "2", c: "3", d: "4", e: "5" });
  const r = await post(faulty, "/ads", enc);
  assert.equal(r.res.status, 200);
  const [o] = await received(r.id);
  assert.equal(o.headers["x-redflag-verdict"], "error");
  assert.equal(o.headers["x-redflag-error"], "engine-error");
  assert.equal(o.sha256, sha(enc.body));
  // The worker with a broken pack in KV runs on the built-in packs.
  const ok = await post(open, "/ads", encode("form", ads.review));
  assert.equal((await received(ok.id))[0].headers["x-redflag-verdict"], "review");
  assert.ok(open.output.some((l) => l.includes('"redflag.packs-rejected"')), "the rejected pack is logged");
  assert.ok(!open.output.some((l) => l.includes('"redflag.packs-loaded"')));
});

test("a bounded load run on loopback loses nothing", async () => {
  const result = await runLoad({ worker: open.url, origin, requests: 2000, concurrency: 50 });
  console.log(`  ${result.requests} requests at concurrency ${result.concurrency}: ${result.rps.toFixed(0)} req/s, latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
  assert.deepEqual(result.unexpected, [], "no unexpected responses");
  assert.equal(result.lost, 0, "every non-blocked request reached the origin");
  assert.equal(result.duplicated, 0, "and only once");
  assert.equal(result.leaked, 0, "no blocked request reached the origin");
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
    ["unsigned", { PACKS: JSON.stringify(sitePack("2.0.0")) }, {}, /not signed/],
    ["tampered", { PACKS: JSON.stringify(tampered) }, {}, /does not match/],
    ["expired", { PACKS: signPack(sitePack("2.0.0"), "2020-01-01T00:00:00Z", privateKey) }, {}, /expired/],
    ["downgrade", {}, { PACKS_KV: { packs: good, "packs:accepted": '{"site":"3.0.0"}' } }, /downgrade refused/],
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
        const line = w.output.find((l) => l.includes("redflag.packs-refused"));
        assert.ok(line && refusal.test(line), `${name}: ${w.output.join("\n")}`);
      }
    } finally {
      await w.stop();
    }
  }
});
