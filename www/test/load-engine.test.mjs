// The shared pack loader (www/shared/load-engine.js) that the edge worker,
// the reviewer extension and the playground build their engine with, and
// the shared sha256Hex and escapeHtml, against the real packed package.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { consumer, importPackage } from "./helpers/package.mjs";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { launch, watch } from "./helpers/browser.mjs";
import { startDemo } from "../demo/server.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";
import { loadEngine, problemsOf } from "../shared/load-engine.js";
import { sha256Hex } from "../shared/sha256.js";
import { escapeHtml } from "../shared/escape-html.js";

let redflag;
let defaults;
/** The package's API, counting how often each pack-reading function runs. */
let counted;
let calls;

const HONEST_BIKE = { section: "for-sale", title: "Road bike", body: "Road bike, aluminium frame, new tyres. Collection only." };
const STATED_MINOR = { section: "adult", body: "Sweet new girl, age: 16, discreet incall, text me." };

/** A valid site pack with one rule that fires on HONEST_BIKE. */
const site = () => sitePack("1.0.0");

before(async () => {
  redflag = await importPackage();
  defaults = JSON.parse(readFileSync(join(consumer(), "node_modules/redflag/default-packs.json"), "utf8"));
  calls = { Engine: 0, validatePacks: 0, verifySignedPack: 0 };
  const { Engine, validatePacks, verifySignedPack } = redflag;
  counted = {
    Engine: function (...args) {
      calls.Engine += 1;
      return new Engine(...args);
    },
    validatePacks: (...args) => {
      calls.validatePacks += 1;
      return validatePacks(...args);
    },
    verifySignedPack: (...args) => {
      calls.verifySignedPack += 1;
      return verifySignedPack(...args);
    },
  };
});

const reset = () => Object.keys(calls).forEach((k) => (calls[k] = 0));
const ids = (engine) => engine.packs().map((p) => p.id);

test("valid packs (object, JSON text, array) are compiled once, into one engine over the built-in packs", () => {
  for (const given of [site(), JSON.stringify(site()), [site()]]) {
    reset();
    const r = loadEngine(counted, given);
    assert.equal(r.failed, null);
    assert.deepEqual(r.problems, []);
    assert.equal(r.packs, given, "the packs as given");
    assert.equal(calls.Engine, 1, "one engine built");
    assert.equal(calls.validatePacks, 0, "a pack that loads is not read a second time");
    assert.equal(ids(r.engine).at(-1), "site");
    assert.ok(ids(r.engine).includes("core"), "over the built-in packs");
    assert.ok(r.engine.screen(HONEST_BIKE).rules.some((x) => x.id === "site.bikes"), "the site's rule screens");
    r.engine.free();
  }
  const alone = loadEngine(counted, site(), { defaultPacks: false });
  assert.deepEqual(ids(alone.engine), ["site"], "defaultPacks: false loads only the given packs");
  const none = loadEngine(counted, null);
  assert.ok(ids(none.engine).includes("core") && !ids(none.engine).includes("site"), "no packs: the built-in packs alone");
});

test("a site pack is judged over the built-in packs: an override of a built-in rule loads", () => {
  const base = new redflag.Engine();
  const rule = base.screen(STATED_MINOR).rules[0];
  // A score above any built-in one: rules that share an indicator count
  // once, through the highest-scoring of them, so a lowered score could
  // hand the points to a sibling and show 0 here.
  const pack = { schema: 2, pack: { id: "site-overrides", version: "1.0.0" }, override: [{ rule: rule.id, score: 20 }] };
  assert.notDeepEqual(redflag.validatePacks(pack), [], "validatePacks, reading the pack alone, does not know the rule");
  reset();
  const r = loadEngine(counted, JSON.stringify(pack));
  assert.deepEqual(r.problems, []);
  assert.equal(r.engine.screen(STATED_MINOR).rules.find((x) => x.id === rule.id).score, 20, "the override applies");
  assert.equal(calls.validatePacks, 0);
});

test("a malformed pack reports each problem with its pack, path and reason, and gives no engine", () => {
  const bad = site();
  bad.rule[0].match = { near: { a: ["road"], b: ["bike"], within: "far" } };
  bad.rule.push({ id: "site.fax", title: "Fax", category: "policy", scroe: 2, match: { entity: { kind: "fax" } } });
  for (const given of [bad, JSON.stringify(bad), [bad]]) {
    const r = loadEngine(redflag, given);
    assert.equal(r.engine, null, "no fallback asked: no engine");
    assert.equal(r.failed, "pack");
    const byPath = Object.fromEntries(r.problems.map((p) => [p.path, p]));
    assert.match(byPath["rule[0].match.near.within"]?.message ?? "", /integer/, JSON.stringify(r.problems));
    assert.match(byPath["rule[1].scroe"]?.message ?? "", /unknown field `scroe`/);
    assert.match(byPath["rule[1].match.entity.kind"]?.message ?? "", /fax/);
    assert.ok(r.problems.every((p) => p.pack === "site"), "each problem names the pack");
  }
  // Without validatePacks the engine's own error is parsed into the same shape.
  const own = loadEngine({ Engine: redflag.Engine }, bad);
  assert.equal(own.problems[0].pack, "site");
  assert.equal(own.problems[0].path, "rule[0].match.near.within");
  assert.match(own.problems[0].message, /expected an integer/);
  const json = loadEngine(redflag, "{ not json");
  assert.deepEqual(json.problems.map((p) => [p.pack, p.path]), [["#1", ""]]);
  assert.match(json.problems[0].message, /^not valid JSON: /);
  assert.equal(loadEngine(redflag, "").failed, "pack", "empty text is a pack that is not JSON, not 'no packs'");
});

test("a built-in pack given again is one problem at pack.id that says how to load it alone", () => {
  const core = defaults.find((p) => p.pack.id === "core");
  const r = loadEngine(redflag, [core]);
  assert.equal(r.engine, null);
  assert.equal(r.problems.length, 1, JSON.stringify(r.problems).slice(0, 400));
  assert.equal(r.problems[0].pack, "core");
  assert.equal(r.problems[0].path, "pack.id");
  assert.match(r.problems[0].message, /^pack `core` is loaded twice: .*defaultPacks: false/);
  const three = loadEngine(redflag, defaults.slice(0, 3));
  assert.deepEqual(three.problems.map((p) => p.pack), defaults.slice(0, 3).map((p) => p.pack.id));
  const alone = loadEngine(redflag, [core], { defaultPacks: false });
  assert.deepEqual(ids(alone.engine), ["core"]);
});

test("fallbacks: the edge keeps its last good engine, the extension the built-in packs", () => {
  const last = new redflag.Engine(site());
  for (const fallback of [last, () => last]) {
    const r = loadEngine(redflag, { schema: 2 }, { fallback });
    assert.equal(r.engine, last, "the same engine, untouched");
    assert.equal(r.failed, "pack");
    assert.ok(r.problems.length > 0);
    assert.ok(r.engine.screen(HONEST_BIKE).rules.some((x) => x.id === "site.bikes"), "and it still screens");
  }
  const d = loadEngine(redflag, "{ not json", { fallback: "defaults" });
  assert.equal(d.failed, "pack");
  assert.ok(ids(d.engine).includes("core") && !ids(d.engine).includes("site"));
  // Engine options (the edge's limits and entity key) apply to the given packs.
  const limited = loadEngine(redflag, site(), { engineOptions: { limits: { max_fields: 3 }, entityKey: "0123456789abcdef-key" } });
  assert.equal(limited.engine.limits().max_fields, 3);
  assert.ok(limited.engine.screen({ body: "call 202 555 0147" }, { entities: true }).entities.some((e) => e.hash));
});

test("signed-pack policy: verified packs load as plain packs; a refused one loads nothing and compiles nothing", () => {
  const { publicKey, privateKey } = keypair();
  const trust = { publicKeys: [publicKey], lastVersions: {} };
  const v2 = signPack(sitePack("2.0.0"), "2099-01-01T00:00:00Z", privateKey);
  const other = signPack({ ...sitePack("1.0.0"), pack: { id: "site-b", version: "1.0.0" }, rule: [{ ...sitePack("1.0.0").rule[0], id: "site-b.bikes" }] }, "2099-01-01T00:00:00Z", privateKey);
  reset();
  const ok = loadEngine(counted, v2, { trust });
  assert.equal(ok.failed, null);
  assert.deepEqual(ok.packs.map((p) => [p.pack.id, p.pack.version]), [["site", "2.0.0"]], "the verified packs, for the caller's version floor");
  assert.equal(calls.Engine, 1);
  assert.equal(ids(ok.engine).at(-1), "site");
  // A JSON array of envelopes (the edge's PACKS): every one verified.
  const both = loadEngine(redflag, JSON.stringify([JSON.parse(v2), JSON.parse(other)]), { trust });
  assert.deepEqual(both.packs.map((p) => p.pack.id), ["site", "site-b"]);
  const last = new redflag.Engine();
  const refusals = [
    ["unsigned", JSON.stringify(sitePack("3.0.0")), trust, /not signed/],
    ["expired", signPack(sitePack("3.0.0"), "2020-01-01T00:00:00Z", privateKey), trust, /expired/],
    ["downgrade", v2, { publicKeys: [publicKey], lastVersions: { site: "2.1.0" } }, /downgrade/],
    ["one of two refused", JSON.stringify([JSON.parse(v2), sitePack("3.0.0")]), trust, /not signed/],
    ["no envelope", "[]", trust, /no signed pack/],
  ];
  for (const [name, text, policy, why] of refusals) {
    reset();
    const r = loadEngine(counted, text, { trust: policy, fallback: last });
    assert.equal(r.failed, "signature", name);
    assert.equal(r.engine, last, `${name}: the last good engine stays`);
    assert.equal(r.problems.length, 1, name);
    assert.match(r.problems[0].message, why, name);
    assert.equal(calls.Engine, 0, `${name}: nothing compiled`);
  }
});

test("problemsOf takes the problems the engine attaches to its error; any other error is one problem", () => {
  let thrown;
  try {
    new redflag.Engine([{ schema: 1, pack: { id: "a", version: "1" }, rule: [{ id: "a.r", title: "R", category: "c", score: "high", match: { any: ["fee"] } }] }, "{ oops"]);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof Error && Array.isArray(thrown.problems), "the engine throws an Error with `problems`");
  assert.deepEqual(
    problemsOf(thrown).map((p) => [p.pack, p.path]),
    [
      ["a", "rule[0].score"],
      ["#2", ""],
    ],
  );
  assert.match(problemsOf(thrown)[1].message, /^not valid JSON/);
  assert.deepEqual(problemsOf(new Error("limit exceeded: max_packs is 1, got 2")), [{ pack: null, path: "", message: "limit exceeded: max_packs is 1, got 2" }]);
});

test("one sha256Hex (strings as UTF-8, bytes) and one escapeHtml, also as the package ships them", async () => {
  const sha = (b) => createHash("sha256").update(b).digest("hex");
  assert.equal(await sha256Hex("café 😀"), sha(Buffer.from("café 😀")));
  const bytes = new Uint8Array([0, 1, 2, 255]);
  assert.equal(await sha256Hex(bytes), sha(bytes));
  assert.equal(await sha256Hex(bytes.buffer), sha(bytes));
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;");
  assert.equal(escapeHtml(42), "42");
  // The package ships www/shared/ beside edge/ and form/, with CommonJS twins:
  // `redflag/token`'s sha256Hex is this one, in both module systems.
  const pkg = join(consumer(), "node_modules/redflag");
  for (const f of ["sha256", "escape-html", "load-engine"]) {
    assert.ok(existsSync(join(pkg, "shared", `${f}.js`)) && existsSync(join(pkg, "shared", `${f}.cjs`)), `shared/${f} shipped`);
  }
  const esm = await import(pathToFileURL(join(pkg, "token.node.js")).href);
  assert.equal(await esm.sha256Hex("café 😀"), sha(Buffer.from("café 😀")));
  const cjs = createRequire(join(consumer(), "package.json"))("redflag/token");
  assert.equal(await cjs.sha256Hex(bytes), sha(bytes));
  const shipped = await import(pathToFileURL(join(pkg, "shared/load-engine.js")).href);
  assert.deepEqual(ids(shipped.loadEngine(redflag, site()).engine).at(-1), "site");
});

/** A site pack that lowers the score of the built-in rule that fires on STATED_MINOR. */
function overridePack() {
  const rule = new redflag.Engine().screen(STATED_MINOR).rules[0].id;
  return { schema: 2, pack: { id: "site-overrides", version: "1.0.0" }, override: [{ rule, score: 20 }] };
}

test("the edge worker (workerd) loads a site pack that overrides a built-in rule, and keeps the built-in packs for a broken one", async () => {
  const origin = await startOrigin({});
  const pack = overridePack();
  const good = await startWorker({ ORIGIN: origin.url, PACKS: JSON.stringify(pack) });
  const broken = await startWorker({ ORIGIN: origin.url, PACKS: JSON.stringify({ ...pack, override: [{ rule: pack.override[0].rule, score: "high" }] }) });
  try {
    const send = async (w, id) => {
      const res = await fetch(`${w.url}/ads`, { method: "POST", body: new URLSearchParams(HONEST_BIKE).toString(), headers: { "content-type": "application/x-www-form-urlencoded", "x-test-id": id } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      return (await origin.log()).find((r) => r.headers["x-test-id"] === id).headers["x-redflag-pack"];
    };
    assert.match(await send(good, "good-1"), /(^|,)site-overrides@1\.0\.0($|,)/, "screened with the site pack");
    assert.ok(good.output.some((l) => l.includes('"redflag.packs-loaded"')));
    const kept = await send(broken, "broken-1");
    assert.match(kept, /core@/, "the built-in packs stay in use");
    assert.doesNotMatch(kept, /site-overrides/);
    const rejected = broken.output.map((l) => l.slice(l.indexOf("{"))).filter((l) => l.includes('"redflag.packs-rejected"')).map((l) => JSON.parse(l));
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0].errors.some((e) => e.path === "override[0].score"), JSON.stringify(rejected[0]));
  } finally {
    await good.stop();
    await broken.stop();
    await origin.stop();
  }
});

test("the playground (Chromium) accepts a site pack that overrides a built-in rule, and shows a broken one's paths", async () => {
  const demo = await startDemo({ pkgDir: join(consumer(), "node_modules/redflag") });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const problems = watch(page);
    await page.goto(`${demo.url}/playground`);
    await page.waitForSelector("html[data-redflag-ready=true]", { timeout: 15000 });
    const pack = overridePack();
    // With the built-in packs the override has a rule to override.
    await page.check("#with-defaults");
    await page.fill("#pack", JSON.stringify({ ...pack, override: [{ rule: pack.override[0].rule, score: "high" }] }, null, 2));
    await page.waitForSelector("#pack-status.bad", { timeout: 15000 });
    assert.deepEqual(await page.$$eval("#pack-errors li code", (cs) => cs.map((c) => c.textContent)), ["override[0].score"]);
    await page.fill("#pack", JSON.stringify(pack, null, 2));
    await page.waitForSelector("#pack-status.good", { timeout: 15000 });
    assert.equal(await page.textContent("#pack-status"), "Pack is valid.");
    assert.equal(await page.$$eval("#pack-errors li", (l) => l.length), 0);
    await page.selectOption("#ad-section", "adult");
    await page.fill("#ad", STATED_MINOR.body);
    await page.waitForFunction((id) => [...document.querySelectorAll("#scores tbody tr")].some((tr) => tr.children[1].textContent === id && tr.children[0].textContent === "20"), pack.override[0].rule, { timeout: 15000 });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await demo.close();
  }
});
