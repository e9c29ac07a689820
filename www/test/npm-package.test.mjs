// The real npm package (npm pack → npm install) from Node ESM, TypeScript and
// real workerd.
import { test, before, after } from "node:test";
import { rmSync, existsSync, mkdirSync } from "node:fs";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { consumer, importPackage, root } from "./helpers/package.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";

let rf;
before(async () => {
  rf = await importPackage();
});
after(() => rmSync(consumer(), { recursive: true, force: true }));

const flagged = {
  id: { ref: "ad-9" },
  section: "jobs",
  title: "𝐇𝐨𝐭𝐞𝐥 jobs 🌹 abroad",
  body: "😀 No experience needed!! Your 𝐩𝐚𝐬𝐬𝐩𝐨𝐫𝐭 will be kept by the company. Registration fee 250 USD. Café naïve résumé.",
  price: 12,
};

test("the default engine screens an ad and spans slice the original text exactly", () => {
  const engine = new rf.Engine();
  const v = engine.screen(flagged);
  // Passport retention (strong) with a worker-paid fee: the forced-labour pattern.
  assert.equal(v.verdict, "block");
  assert.deepEqual(v.id, { ref: "ad-9" });
  assert.equal(v.section, "jobs");
  assert.ok(v.score >= 6, `score ${v.score}`);
  assert.ok(v.evasion, "math-bold letters are an evasion step");
  assert.ok(v.rules.some((r) => r.id === "core.jobs.documents-held"));
  assert.ok(v.hits.length >= 3);
  // The packs are the engine's, one frozen array shared by its verdicts.
  assert.deepEqual(v.packs, engine.packs());
  const again = engine.screen({ body: "" });
  assert.equal(again.packs, v.packs);
  assert.ok(Object.isFrozen(v.packs) && v.packs.every(Object.isFrozen));
  assert.throws(() => v.packs.push({ id: "x", version: "1" }), TypeError);
  for (const h of v.hits) {
    const text = flagged[h.field];
    assert.equal(text.slice(h.start, h.end), h.text, `hit ${JSON.stringify(h)}`);
    assert.equal(Buffer.from(text).subarray(h.byte_start, h.byte_end).toString(), h.text);
  }
  const passport = v.hits.find((h) => h.normalized === "pasport");
  assert.equal(passport.text, "𝐩𝐚𝐬𝐬𝐩𝐨𝐫𝐭");
  assert.equal(passport.end - passport.start, 16, "eight astral letters are 16 UTF-16 units");
  assert.deepEqual(passport.steps, ["compatibility"]);
  assert.ok(v.poster_messages.length > 0 && v.reviewer_messages.length > 0);
  assert.ok(!(v.thresholds instanceof Map) && typeof v.thresholds.warn === "number");
  engine.free();
});

test("packs as objects, JSON text and arrays, with and without the built-in packs", () => {
  const pack = {
    schema: 1,
    pack: { id: "site", version: "3.1.0", thresholds: { warn: 1, review: 2, block: 3 } },
    rule: [{ id: "site.pets", title: "Pets", category: "policy", score: 5, max_tier: "block", match: { any: ["puppies"] } }],
  };
  const fromObject = new rf.Engine(pack, { defaultPacks: false });
  const fromText = new rf.Engine(JSON.stringify(pack), { defaultPacks: false });
  const both = new rf.Engine([pack], { thresholds: { warn: 2, review: 4, block: 6 } });
  assert.deepEqual(fromObject.packs(), [{ id: "site", version: "3.1.0" }]);
  assert.deepEqual(fromText.screen({ body: "Cute puppies" }).verdict, "block");
  const ids = both.packs().map((p) => p.id);
  assert.ok(ids.includes("core") && ids.indexOf("site") === ids.length - 1, `built-in packs first: ${ids}`);
  assert.equal(ids.at(-1), "site", "given packs last");
  assert.deepEqual(both.thresholds(), { warn: 2, review: 4, block: 6 });
  assert.equal(both.screen({ section: "jobs", body: "A registration fee is required." }).verdict, "warn");
  assert.equal(typeof new rf.Engine().limits().max_input_bytes, "number");
  assert.deepEqual(new rf.Engine().explainableCategories().includes("recruitment-fee"), true);
});

test("model: false screens with the built-in packs and the rules alone", () => {
  // A lone fee for work abroad: a rule scores, so the built-in model reads
  // the ad; with the model off the verdict is the rules' own.
  const ad = { section: "jobs", body: "Work in Dubai hotels. Pay the registration fee before the flight." };
  const withModel = new rf.Engine().screen(ad);
  const rulesAlone = new rf.Engine(undefined, { model: false });
  const v = rulesAlone.screen(ad);
  assert.equal(typeof withModel.model.score, "number");
  assert.equal(v.model, undefined);
  assert.deepEqual(rulesAlone.packs(), new rf.Engine().packs(), "the built-in packs are still loaded");
  assert.deepEqual(v.rules.map((r) => r.id), withModel.rules.map((r) => r.id), "the same rules fire");
  assert.throws(() => new rf.Engine(undefined, { model: "off" }), /model/);
});

test("validatePacks reports every problem with its path and never throws for bad packs", () => {
  const bad = {
    schema: 1,
    pack: { id: "p", version: "1" },
    rule: [
      { id: "a", title: "A", category: "c", match: { near: { a: ["x"], b: ["y"], within: "two" } } },
      { id: "b", title: "B", category: "c", match: { rule: "missing" } },
      { id: "c", title: "C", category: "c", sections: ["jobz"], match: { any: ["ok"] } },
    ],
  };
  const errors = rf.validatePacks(bad);
  assert.deepEqual(errors.map((e) => e.path), ["rule[0].match.near.within", "rule[1].match.rule", "rule[2].sections[0]"]);
  assert.ok(errors.every((e) => e.pack === "p" && e.message.length > 0));
  // The built-in packs as authored ship beside the .wasm, and are valid;
  // their inline tests pass when loaded from there.
  const defaults = JSON.parse(readFileSync(join(consumer(), "node_modules/redflag/default-packs.json"), "utf8"));
  assert.ok(defaults.some((p) => p.pack.id === "core"));
  assert.deepEqual(rf.validatePacks(defaults), []);
  const report = new rf.Engine(defaults, { defaultPacks: false }).runTests();
  // Given again over the built-in packs, they collide, and the error says how not to:
  // one problem per pack, at its id, not every rule and list defined twice.
  assert.throws(() => new rf.Engine(defaults), (e) => {
    assert.deepEqual(
      e.problems.map((p) => [p.pack, p.path]),
      defaults.map((p) => [p.pack.id, "pack.id"]),
    );
    for (const p of e.problems) assert.match(p.message, /is loaded twice: the built-in packs are loaded first, so turn them off .*`\{ defaultPacks: false \}`/);
    assert.ok(e.message.includes("pack `core` is loaded twice"), e.message);
    return true;
  });
  assert.deepEqual(report.failures, []);
  assert.ok(report.passed > 200, `${report.passed} tests`);
  assert.equal(rf.validatePacks("{oops")[0].message.startsWith("not valid JSON"), true);
  // The same pack twice: each copy's own parse problems, the first copy's
  // rule problems, and the duplicate id once (not each rule id defined again).
  const twice = rf.validatePacks([JSON.stringify(bad), bad]);
  assert.deepEqual(twice.map((e) => e.path).sort(), ["pack.id", "rule[0].match.near.within", "rule[0].match.near.within", "rule[1].match.rule", "rule[2].sections[0]"]);
  assert.ok(twice.some((e) => e.path === "pack.id" && /loaded twice/.test(e.message)));
  assert.ok(!twice.some((e) => /duplicate rule id/.test(e.message)), JSON.stringify(twice));
});

test("bad packs and bad submissions throw Errors, and the engine keeps working", () => {
  assert.throws(() => new rf.Engine({ schema: 1, pack: { id: "x", version: "1" }, rule: [{ id: "r" }] }), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /rule\[0\]: missing field `title`/);
    return true;
  });
  assert.throws(() => new rf.Engine("{not json"), /not valid JSON/);
  assert.throws(() => new rf.Engine(undefined, { colour: "red" }), /options: unknown field `colour`/);
  const engine = new rf.Engine();
  const bad = [
    ["a string", "just text", /expected an object/],
    ["a number", 42, /expected an object/],
    ["null", null, /expected an object/],
    ["an array", [1, 2], /expected a JSON object/],
    ["a numeric section", { section: 7, body: "x" }, /`section` must be a string/],
    ["a 10 MB body", { body: "a".repeat(10 * 1024 * 1024) }, /max_input_bytes is 1048576/],
    ["too many fields", Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, "x"])), /max_fields/],
    ["a getter that throws", { section: "jobs", get body() { throw new Error("boom"); } }, /boom|invalid submission/],
  ];
  for (const [what, sub, re] of bad) {
    assert.throws(() => engine.screen(sub), (e) => e instanceof Error && re.test(e.message), what);
    // The engine is still usable after every error.
    assert.equal(engine.screen({ section: "jobs", body: "A registration fee is required." }).verdict, "warn", `after ${what}`);
  }
});

test("normalize, version and non-string members", () => {
  assert.equal(rf.normalize("Ｐ４ｓｓｐ０ｒｔ 🌹"), "pasport :rose:");
  assert.match(rf.version(), /^\d+\.\d+\.\d+/);
  const v = new rf.Engine().screen({ section: "jobs", title: null, body: "fine", count: 3, tags: ["fee"], nested: { body: "fee" } });
  assert.equal(v.verdict, "allow");
  assert.deepEqual(v.hits, []);
});

test("the exports map picks an entry per environment", () => {
  const dir = consumer();
  const resolveWith = (cond) => {
    const args = cond ? [`--conditions=${cond}`] : [];
    const r = spawnSync(process.execPath, [...args, "--input-type=module", "-e", "console.log(import.meta.resolve('redflag'))"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("/").pop();
  };
  assert.equal(resolveWith(null), "node.js");
  assert.equal(resolveWith("workerd"), "workerd.js");
  const r = spawnSync(process.execPath, ["-e", "console.log(require.resolve('redflag'))"], { cwd: dir, encoding: "utf8" });
  assert.equal(r.stdout.trim().split("/").pop(), "node.cjs", r.stderr);
  const pkg = JSON.parse(readFileSync(join(dir, "node_modules/redflag/package.json"), "utf8"));
  assert.equal(pkg.exports["."].import.default, "./index.js");
  assert.equal(pkg.exports["."].import.types, "./index.d.ts");
  assert.equal(pkg.exports["."].require.types, "./index.d.cts");
  assert.deepEqual(pkg.sideEffects.sort(), ["./index.js", "./node-crypto.cjs", "./node-crypto.js", "./node.cjs", "./node.js", "./workerd.js"]);
  for (const f of ["LICENSE-MIT", "LICENSE-APACHE", "CHANGELOG.md"]) {
    assert.ok(existsSync(join(dir, "node_modules/redflag", f)), `${f} ships in the package`);
  }
  assert.match(readFileSync(join(dir, "node_modules/redflag/LICENSE-MIT"), "utf8"), /Copyright \(c\) \d{4} the redflag authors/);
  assert.match(readFileSync(join(dir, "node_modules/redflag/LICENSE-APACHE"), "utf8"), /Apache License\s+Version 2\.0/);
});

test("entities: UTF-16 spans, keyed hashes stable across writing styles, raw values only on request", () => {
  const key = "a-deployment-secret-of-32-bytes!";
  const engine = new rf.Engine(undefined, { entityKey: key });
  const ads = [
    { section: "adult", body: "😀 new in town 🌹 txt 2O2-555-O147, kik: sweetpea99" },
    { section: "adult", body: "Café? call two oh two five five five oh one four seven" },
    { section: "adult", body: "𝟐𝟎𝟐 𝟓𝟓𝟓 𝟎𝟏𝟒𝟕 📞" },
  ];
  const written = ["2O2-555-O147", "two oh two five five five oh one four seven", "𝟐𝟎𝟐 𝟓𝟓𝟓 𝟎𝟏𝟒𝟕"];
  const hashes = [];
  for (const [i, ad] of ads.entries()) {
    const v = engine.screen(ad, { entities: true });
    const phone = v.entities.find((e) => e.kind === "phone");
    assert.ok(phone, JSON.stringify(v.entities));
    assert.equal(phone.value, undefined, "no raw value by default");
    assert.match(phone.hash, /^[0-9a-f]{64}$/);
    assert.equal(ad.body.slice(phone.start, phone.end), written[i]);
    hashes.push(phone.hash);
  }
  assert.equal(new Set(hashes).size, 1, "one number, one hash");
  const first = engine.screen(ads[0], { entities: true, rawValues: true });
  assert.equal(ads[0].body.slice(first.entities[0].start, first.entities[0].end), "2O2-555-O147");
  assert.deepEqual(first.entities.map((e) => [e.kind, e.value, e.platform ?? null]), [
    ["phone", "+12025550147", null],
    ["handle", "sweetpea99", "kik"],
  ]);
  assert.ok(first.rules.some((r) => r.id === "core.adult.hidden-contact"));
  assert.equal(engine.screen(ads[0]).entities, undefined, "entities only when asked");
  const free = rf.extractEntities(ads[2], { entityKey: key });
  assert.equal(free[0].hash, hashes[0]);
  assert.throws(() => new rf.Engine(undefined, { entityKey: "short" }), /at least 16 bytes/);
  assert.throws(() => engine.screen(ads[0], { entitys: true }), /unknown field/);
});

test("signatures link disguised copies and contacts in words, and hold no contact", () => {
  const key = "a-deployment-secret!";
  const plain = { title: "Hostess work abroad", body: "Free flight and visa. Your passport is kept by the agency until the debt is paid. Call Anna 202-555-0147." };
  const disguised = { title: "H0stess w o r k abroad", body: "Free flight and visa. Your pаssport is kept by the agency until the debt is paid. Call Maria two oh two five five five oh one four seven." };
  const other = { title: "Road bike for sale", body: "Aluminium frame, new tyres, collection only from the station car park on weekends." };
  const [a, b, c] = [plain, disguised, other].map((ad) => rf.signature(ad, { entityKey: key }));
  assert.equal(a.version, b.version);
  assert.equal(a.minhash.length, 128);
  assert.ok(a.shingles > 10, `shingles ${a.shingles}`);
  // One template (look-alike letter, spacing, leetspeak, another name):
  // similar, and candidates through at least one shared band key.
  assert.ok(rf.similarity(a, b) >= 0.5, `similarity ${rf.similarity(a, b)}`);
  assert.ok(a.bands.some((k) => b.bands.includes(k)), "share a band");
  assert.ok(rf.similarity(a, c) < 0.1, `unrelated ${rf.similarity(a, c)}`);
  assert.equal(rf.similarity(a, a), 1);
  // The phone, in digits and in words, is one keyed hash: the same as
  // extractEntities gives, and never the number itself.
  assert.deepEqual(a.contacts, b.contacts);
  assert.deepEqual(a.contacts.map((x) => x.kind), ["phone"]);
  assert.equal(a.contacts[0].hash, rf.extractEntities(plain, { entityKey: key })[0].hash);
  // (Numbers and hex keys aside, where digits occur by chance.)
  assert.doesNotMatch(JSON.stringify({ ...a, minhash: [], bands: [] }), /2025550147|555-0147|Anna|passport/);
  assert.ok(a.bands.every((k) => /^[0-9a-f]{16}$/.test(k)));
  assert.deepEqual(rf.signature(plain).contacts, [], "no key, no contact hashes");
  // The threshold picks the band rows: stricter, fewer and longer bands.
  const strict = rf.signature(plain, { threshold: 0.9 });
  assert.ok(strict.rows > a.rows && strict.bands.length < a.bands.length);
  assert.deepEqual(rf.signature({ body: "" }).bands, []);
  assert.equal(rf.similarity(rf.signature({ body: "" }), a), 0);
  assert.throws(() => rf.signature(plain, { threshold: 2 }), /threshold/);
  assert.throws(() => rf.signature(plain, { entityKey: "short" }), /at least 16 bytes/);
  assert.throws(() => rf.signature("text"), /invalid submission/);
  assert.throws(() => rf.similarity({ ...a, version: a.version + 1 }, b), /version/);
  assert.throws(() => rf.similarity({ ...a, minhash: a.minhash.slice(1) }, b), /127 values/);
});

test("signed packs: accepted when trusted, each refusal is a clear error", () => {
  const { publicKey, privateKey } = keypair();
  const other = keypair();
  const good = signPack(sitePack("2.0.0"), "2099-01-01T00:00:00Z", privateKey);
  const opts = { publicKeys: [publicKey] };
  assert.equal(rf.verifySignedPack(good, opts).pack.version, "2.0.0");
  const engine = new rf.Engine([good], opts);
  assert.deepEqual(engine.packs().at(-1), { id: "site", version: "2.0.0" });
  assert.deepEqual(engine.packs().slice(0, -1), new rf.Engine().packs(), "the built-in packs, then the signed one");
  assert.equal(engine.screen({ body: "road bike for sale" }).score, 3);
  const tampered = JSON.parse(good);
  tampered.pack = tampered.pack.replace('"score":3', '"score":0');
  const refusals = [
    [JSON.stringify(sitePack("2.0.0")), opts, /not signed/],
    [JSON.stringify(tampered), opts, /does not match/],
    [signPack(sitePack("2.0.0"), "2099-01-01T00:00:00Z", other.privateKey), opts, /untrusted key/],
    [signPack(sitePack("2.0.0"), "2020-01-01T00:00:00Z", privateKey), opts, /expired/],
    [good, { ...opts, lastVersions: { site: "2.1.0" } }, /downgrade refused/],
  ];
  for (const [text, o, re] of refusals) {
    assert.throws(() => rf.verifySignedPack(text, o), re);
    assert.throws(() => new rf.Engine([text], o), re);
  }
  // With publicKeys, a pack object (unsigned by construction) is refused too.
  assert.throws(() => new rf.Engine([sitePack("2.0.0")], opts), /must be signed packs/);
  // A given time decides expiry (workers and tests pass their own clock).
  assert.throws(() => rf.verifySignedPack(good, { ...opts, now: Date.parse("2100-01-01") }), /expired/);
});

test("TypeScript declarations describe the real shapes", () => {
  const dir = consumer();
  const tsc = join(root, "www/node_modules/typescript/bin/tsc");
  const good = `import { Engine, validatePacks, extractEntities, signature, similarity, type Verdict, type Hit, type Pack, type PackError, type Entity, type EntityKind, type Signature } from "redflag";
const pack: Pack = { schema: 1, pack: { id: "p", version: "1" }, rule: [{ id: "r", title: "R", category: "c", match: { near: { a: ["x"], b: ["y"], within: 2 } } }] };
const engine = new Engine([pack], { defaultPacks: true, limits: { max_input_bytes: 4096 } });
const v: Verdict = engine.screen({ section: "jobs", title: "t", body: "b", id: 1 });
const tier: "allow" | "warn" | "review" | "block" = v.verdict;
const h: Hit | undefined = v.hits[0];
const n: number = (h?.start ?? 0) + (h?.byte_end ?? 0);
const errors: PackError[] = validatePacks(pack);
const path: string = errors[0]?.path ?? "";
const withEntities = new Engine(undefined, { entityKey: "a-deployment-secret!" }).screen({ body: "b" }, { entities: true, rawValues: true });
const e: Entity | undefined = withEntities.entities?.[0];
const kind: EntityKind | undefined = e?.kind;
const hash: string | undefined = extractEntities({ body: "b" }, { entityKey: "a-deployment-secret!" })[0]?.hash;
const sig: Signature = signature({ body: "b" }, { entityKey: "a-deployment-secret!", threshold: 0.6 });
const sim: number = similarity(sig, sig);
const band: string | undefined = sig.bands[0];
console.log(tier, n, path, v.rules[0]?.max_tier, v.hits.map((x) => x.steps.join()), kind, hash, e?.written.join(), sim, band, sig.contacts[0]?.kind);
`;
  writeFileSync(join(dir, "good.ts"), good);
  const opts = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck", "false"];
  const ok = spawnSync(process.execPath, [tsc, ...opts, "good.ts"], { cwd: dir, encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // Wrong shapes must not type-check: the types are not `any`.
  const wrongs = [
    `import { Engine } from "redflag"; const t: "allow" = new Engine().screen({ body: "x" }).verdict;`,
    `import { Engine } from "redflag"; new Engine().screen({ body: "x" }).hits[0].startt;`,
    `import { Engine } from "redflag"; new Engine({ schema: 1, pack: { id: "p" } });`,
    `import { Engine } from "redflag"; new Engine(undefined, { defaultPack: true });`,
    `import { validatePacks } from "redflag"; const x: number = validatePacks("{}")[0].path;`,
    `import { signature } from "redflag"; const x: number = signature({ body: "x" }).bands[0];`,
  ];
  for (const [i, src] of wrongs.entries()) {
    writeFileSync(join(dir, `bad${i}.ts`), src);
    const r = spawnSync(process.execPath, [tsc, ...opts, `bad${i}.ts`], { cwd: dir, encoding: "utf8" });
    assert.notEqual(r.status, 0, `expected a type error in: ${src}`);
  }
});

test("a worker that imports the package runs in real workerd", async () => {
  const { Miniflare } = await import(join(root, "www/node_modules/miniflare/dist/src/index.js"));
  const dir = consumer();
  writeFileSync(
    join(dir, "worker.mjs"),
    `import { Engine } from "./node_modules/redflag/workerd.js";
const engine = new Engine();
export default {
  async fetch(request) {
    try {
      return Response.json(engine.screen(await request.json()));
    } catch (e) {
      return Response.json({ error: String(e.message) }, { status: 400 });
    }
  },
};
`,
  );
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(dir, "worker.mjs"),
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
  });
  try {
    const res = await mf.dispatchFetch("http://127.0.0.1/screen", { method: "POST", body: JSON.stringify(flagged) });
    assert.equal(res.status, 200);
    const v = await res.json();
    assert.equal(v.verdict, "block");
    for (const h of v.hits) assert.equal(flagged[h.field].slice(h.start, h.end), h.text);
    const bad = await mf.dispatchFetch("http://127.0.0.1/screen", { method: "POST", body: JSON.stringify({ section: 1 }) });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /`section` must be a string/);
    const again = await mf.dispatchFetch("http://127.0.0.1/screen", { method: "POST", body: '{"section":"jobs","body":"A registration fee is required."}' });
    assert.equal((await again.json()).verdict, "warn");
  } finally {
    await mf.dispose();
  }
});

// ------------------------------------------------- issue #24: packaging

/**
 * Runs a Node script in the consumer project; `cjs`: as CommonJS, the way
 * Node 18 and early 20 load it (no require of ES modules). `node`: another
 * Node binary (such as a real Node 18, from $REDFLAG_NODE18), run as is.
 */
function runScript(code, { cjs = false, cwd = consumer(), node = null } = {}) {
  const args = cjs ? [...(node ? [] : ["--no-experimental-require-module"]), "-e", code] : ["--input-type=module", "-e", code];
  const r = spawnSync(node ?? process.execPath, args, { cwd, encoding: "utf8" });
  return { ...r, out: r.stdout.trim() };
}

const tsc = join(root, "www/node_modules/typescript/bin/tsc");
function typecheck(dir, args) {
  const r = spawnSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: "utf8" });
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}

test("a site pack adds to the built-in packs: an ad they put at review stays at review or higher", () => {
  const ad = { section: "jobs", title: "Hotel staff abroad", body: "No experience needed. Registration fee 250 USD before you start." };
  const builtIn = new rf.Engine().screen(ad);
  assert.equal(builtIn.verdict, "review", "the premise: the built-in packs put this ad at review");
  const site = {
    schema: 1,
    pack: { id: "site", version: "1.0.0" },
    rule: [{ id: "site.pets", title: "Pets", category: "policy", score: 1, max_tier: "warn", match: { any: ["puppies"] } }],
  };
  const tiers = ["allow", "warn", "review", "block"];
  for (const packs of [site, [site], JSON.stringify(site)]) {
    const engine = new rf.Engine(packs);
    const v = engine.screen(ad);
    assert.ok(tiers.indexOf(v.verdict) >= tiers.indexOf("review"), `site pack alone: ${v.verdict}`);
    assert.deepEqual(engine.packs().map((p) => p.id), [...new rf.Engine().packs().map((p) => p.id), "site"]);
    assert.equal(engine.screen({ body: "Cute puppies" }).rules[0]?.id, "site.pets", "and the site pack's rule works");
  }
  // Opting out, as the CLI's --no-default-packs.
  const alone = new rf.Engine(site, { defaultPacks: false });
  assert.deepEqual(alone.packs(), [{ id: "site", version: "1.0.0" }]);
  assert.equal(alone.screen(ad).verdict, "allow");
  assert.throws(() => new rf.Engine(site, { defaultPacks: "no" }), /`defaultPacks` must be true or false/);
});

// With REDFLAG_NODE18=/path/to/node (Node 18), the CommonJS, token and edge
// checks also run on that binary.
const oldNode = process.env.REDFLAG_NODE18 || null;

test("require('redflag') works where Node cannot require ES modules (Node 18, 20 before 20.19), and screens", () => {
  for (const node of [null, ...(oldNode ? [oldNode] : [])]) requireWorks(node);
});

function requireWorks(node) {
  const r = runScript(
    `const rf = require("redflag");
     const v = new rf.Engine().screen(${JSON.stringify(flagged)});
     const manual = require("redflag/manual");
     console.log(JSON.stringify({ verdict: v.verdict, hit: v.hits.map((h) => h.text), version: rf.version(), keys: Object.keys(rf).sort(),
       resolved: require.resolve("redflag").split("/").pop(), sameEngine: manual.Engine === rf.Engine }));
     rf.ready.then(() => console.log("ready"));`,
    { cjs: true, node },
  );
  assert.equal(r.status, 0, r.stderr);
  const [line, ready] = r.out.split("\n");
  const out = JSON.parse(line);
  assert.equal(out.verdict, "block");
  assert.ok(out.hit.includes("𝐩𝐚𝐬𝐬𝐩𝐨𝐫𝐭"), JSON.stringify(out.hit));
  assert.equal(out.version, rf.version());
  assert.equal(out.resolved, "node.cjs");
  assert.equal(out.sameEngine, true, "redflag/manual shares the CommonJS instance");
  assert.deepEqual(out.keys, ["Engine", "extractEntities", "init", "initSync", "normalize", "ready", "signature", "similarity", "validatePacks", "verifySignedHashList", "verifySignedPack", "version"]);
  assert.equal(ready, "ready");
  // The CommonJS and ES entries export the same names.
  assert.deepEqual(Object.keys(rf).sort(), out.keys);
}

test("a .wasm that cannot be loaded rejects with an Error naming the URL, and init can try again", async () => {
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not here");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const missing = `http://127.0.0.1:${server.address().port}/assets/missing/redflag_bg.wasm`;
  try {
    // redflag/manual in a fresh process (each entry shares one instance per process).
    // Asynchronously: the 404 server runs in this process.
    const r = await new Promise((done) => {
      const child = spawn(
        process.execPath,
        [
        "--input-type=module",
        "-e",
        `import * as rf from "redflag/manual";
         import { readFileSync } from "node:fs";
         const { init, Engine } = rf;
         const out = { hasReady: rf.ready instanceof Promise };
         let settled = false;
         rf.ready?.then(() => { settled = true; });
         for (const [name, input] of [["404", { module_or_path: ${JSON.stringify(missing)} }], ["refused", new URL("http://127.0.0.1:9/closed/redflag_bg.wasm")]]) {
           try { await init(input); out[name] = "resolved"; } catch (e) { out[name] = e.message; out[name + "Error"] = e instanceof Error; }
         }
         try { await init(); out.noInput = "resolved"; } catch (e) { out.noInput = e.message; }
         out.readyBefore = settled;
         await init({ module_or_path: readFileSync(new URL(import.meta.resolve("redflag/redflag_bg.wasm"))) });
         await rf.ready;
         out.after = new Engine().screen({ section: "jobs", body: "A registration fee is required." }).verdict;
         console.log(JSON.stringify(out));`,
        ],
        { cwd: consumer() },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (status) => done({ status, stdout, stderr }));
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out["404"].includes(missing), out["404"]);
    assert.match(out["404"], /404/);
    assert.ok(out.refused.includes("http://127.0.0.1:9/closed/redflag_bg.wasm"), out.refused);
    assert.equal(out["404Error"], true);
    assert.equal(out.hasReady, true);
    // No input: the .wasm beside the module, named by its URL (Node's fetch cannot read file: URLs).
    assert.match(out.noInput, /from file:\/\/\/.*\/node_modules\/redflag\/redflag_bg\.wasm: /, out.noInput);
    assert.equal(out.readyBefore, false, "ready waits for a load that works");
    assert.equal(out.after, "warn", "a later init with the bytes works");
  } finally {
    server.close();
  }
  // The browser entry (index.js) in Node: fetch cannot read its file: URL,
  // so importing it fails, and the error names the .wasm's URL.
  const direct = runScript(`try { await import(import.meta.resolve("redflag").replace(/node\\.js$/, "index.js")); } catch (e) { console.log(e.message); }`);
  assert.match(direct.out, /redflag: could not load the WebAssembly module from file:\/\/\/.*\/node_modules\/redflag\/redflag_bg\.wasm/, direct.out + direct.stderr);
});

test("redflag/token and redflag/edge in Node: the origin verifies the token of a request the edge handler forwarded", async () => {
  const secret = "a-shared-verdict-secret-0123456789";
  const code = (load) => `${load}
    const engine = new Engine();
    const forwarded = [];
    const handle = createHandler({
      config: configFromEnv({ ORIGIN: "https://origin.example", VERDICT_SECRET: ${JSON.stringify(secret)} }),
      getEngine: () => engine,
      fetchOrigin: async (r) => { forwarded.push({ url: r.url, token: r.headers.get("x-redflag-token"), verdict: r.headers.get("x-redflag-verdict"), body: new Uint8Array(await r.arrayBuffer()) }); return new Response("ok"); },
      log: () => {},
    });
    const post = (body) => handle(new Request("https://edge.example/ads", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
    const warned = await post({ section: "jobs", body: "A registration fee is required." });
    const blocked = await post({ section: "adult", body: "Sweet new girl, age: 16, discreet incall, text me." });
    const [f] = forwarded;
    const payload = await verifyToken(${JSON.stringify(secret)}, f.token, f.body);
    const tampered = await verifyToken(${JSON.stringify(secret)}, f.token, new TextEncoder().encode("{}"));
    let configError = null;
    try { configFromEnv({ MAX_BODY_BYTES: "lots" }); } catch (e) { configError = e instanceof ConfigError && e.setting; }
    console.log(JSON.stringify({ warned: warned.status, blocked: blocked.status, forwarded: forwarded.length, url: f.url, verdict: f.verdict, tier: payload && payload.v, tampered, configError }));`;
  const esm = runScript(
    code(`import { Engine } from "redflag";
      import { createHandler, configFromEnv, ConfigError } from "redflag/edge";
      import { verifyToken } from "redflag/token";`),
  );
  const cjsCode = `(async () => { ${code(`const { Engine } = require("redflag");
      const { createHandler, configFromEnv, ConfigError } = require("redflag/edge");
      const { verifyToken } = require("redflag/token");`)} })().catch((e) => { console.error(e); process.exit(1); });`;
  const runs = [["ESM", esm], ["CommonJS", runScript(cjsCode, { cjs: true })]];
  if (oldNode) runs.push(["CommonJS on REDFLAG_NODE18", runScript(cjsCode, { cjs: true, node: oldNode })]);
  for (const [what, r] of runs) {
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.out), {
      warned: 200,
      blocked: 422,
      forwarded: 1,
      url: "https://origin.example/ads",
      verdict: "warn",
      tier: "warn",
      tampered: null,
      configError: "MAX_BODY_BYTES",
    }, what);
  }
  // The form helper loads (it touches the DOM only when attached).
  const form = runScript(`const m = await import("redflag/form"); console.log(typeof m.attachForm, typeof m.summary);`);
  assert.equal(form.out, "function function", form.stderr);
});

test("TypeScript: the subpaths, default-packs.json, init and ready type-check in ES module and CommonJS projects (node16)", () => {
  const dir = consumer();
  const common = ["--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck", "false"];
  writeFileSync(
    join(dir, "subpaths.ts"),
    `import { Engine, init, initSync, ready, type Pack, type Verdict } from "redflag";
import defaults from "redflag/default-packs.json" with { type: "json" };
import { attachForm, summary, type FormController } from "redflag/form";
import { createHandler, configFromEnv, ConfigError, type EdgeConfig, type Handler } from "redflag/edge";
import { verifyToken, type TokenPayload } from "redflag/token";
const packs: Pack[] = defaults;
const report = new Engine(defaults, { defaultPacks: false }).runTests();
const engine = new Engine();
await ready;
const again: Promise<void> = init();
initSync(new Uint8Array());
const config: EdgeConfig = configFromEnv({ ORIGIN: "https://origin.example", VERDICT_SECRET: "0123456789abcdef" });
const handle: Handler = createHandler({ config, getEngine: () => engine });
const res: Promise<Response> = handle(new Request("https://edge.example/ads"));
const payload: TokenPayload | null = await verifyToken("secret", "token", new Uint8Array());
const tier: "allow" | "warn" | "review" | "block" | "error" | undefined = payload?.v;
const form: FormController = attachForm(document.createElement("form"), { engine, fields: ["title", "body"] });
const v: Verdict | null = form.lastVerdict();
const s = v ? summary(v).tier : null;
console.log(packs.length, report.passed, again, res, tier, s, ConfigError.name, handle.counters().submissions);
`,
  );
  const esm = typecheck(dir, [...common, "--module", "nodenext", "--moduleResolution", "nodenext", "subpaths.ts"]);
  assert.ok(esm.ok, esm.output);
  // The main entry needs neither the DOM library nor @types/node.
  writeFileSync(join(dir, "bare.ts"), `import { Engine, init, initSync } from "redflag";\nexport const tier = new Engine().screen({ body: "x" }).verdict;\nexport const load = [init, initSync];\n`);
  const bare = typecheck(dir, ["--noEmit", "--strict", "--target", "es2022", "--lib", "es2022", "--skipLibCheck", "false", "--module", "nodenext", "--moduleResolution", "nodenext", "bare.ts"]);
  assert.ok(bare.ok, bare.output);
  // A CommonJS project on node16 resolution: compiled and run.
  const cjs = join(dir, "cjs");
  mkdirSync(cjs, { recursive: true });
  writeFileSync(join(cjs, "package.json"), JSON.stringify({ name: "cjs-consumer", private: true, type: "commonjs" }));
  writeFileSync(
    join(cjs, "main.ts"),
    `import { Engine, ready, type Verdict } from "redflag";
import defaults = require("redflag/default-packs.json");
import { init as manualInit } from "redflag/manual";
import { verifyToken } from "redflag/token";
import { configFromEnv } from "redflag/edge";
import type { FormOptions } from "redflag/form";
const v: Verdict = new Engine().screen({ section: "jobs", body: "A registration fee is required." });
const opts: FormOptions | null = null;
const report = new Engine(defaults, { defaultPacks: false }).runTests();
void ready.then(async () => {
  await manualInit();
  console.log(JSON.stringify({ verdict: v.verdict, ran: report.passed + report.failures.length > 200, token: await verifyToken("0123456789abcdef", "x.y", null), routes: configFromEnv().routes.length, opts }));
});
`,
  );
  const out = join(cjs, "out");
  const built = typecheck(cjs, ["--strict", "--target", "es2022", "--lib", "es2022,dom", "--skipLibCheck", "false", "--module", "node16", "--moduleResolution", "node16", "--outDir", out, "main.ts"]);
  assert.ok(built.ok, built.output);
  const ran = spawnSync(process.execPath, ["--no-experimental-require-module", join(out, "main.js")], { cwd: cjs, encoding: "utf8" });
  assert.equal(ran.status, 0, ran.stderr);
  assert.deepEqual(JSON.parse(ran.stdout), { verdict: "warn", ran: true, token: null, routes: 5, opts: null });
  // Every value an entry exports at run time is declared, and nothing else.
  const names = (spec, cjsMode) => {
    writeFileSync(join(cjsMode ? cjs : dir, "names.ts"), `import * as m from "${spec}";\nexport const x = m;\n`);
    const ts = execFileSync(process.execPath, [
      "--input-type=module",
      "-e",
      `import ts from ${JSON.stringify(join(root, "www/node_modules/typescript/lib/typescript.js"))};
       const p = ts.createProgram(["names.ts"], { module: ts.ModuleKind.${cjsMode ? "Node16" : "NodeNext"}, moduleResolution: ts.ModuleResolutionKind.${cjsMode ? "Node16" : "NodeNext"}, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] });
       const c = p.getTypeChecker();
       const f = p.getSourceFile("names.ts");
       const sym = c.getSymbolAtLocation(f.statements[0].moduleSpecifier);
       console.log(JSON.stringify(c.getExportsOfModule(sym).filter((s) => ((s.flags & ts.SymbolFlags.Alias ? c.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0).map((s) => s.name).sort()));`,
    ], { cwd: cjsMode ? cjs : dir, encoding: "utf8" });
    return JSON.parse(ts);
  };
  for (const [spec, cjsMode, runtime] of [
    ["redflag", false, runScript(`console.log(JSON.stringify(Object.keys(await import("redflag")).sort()))`)],
    ["redflag/manual", false, runScript(`console.log(JSON.stringify(Object.keys(await import("redflag/manual")).sort()))`)],
    ["redflag", true, runScript(`console.log(JSON.stringify(Object.keys(require("redflag")).sort()))`, { cjs: true, cwd: cjs })],
    ["redflag/manual", true, runScript(`console.log(JSON.stringify(Object.keys(require("redflag/manual")).sort()))`, { cjs: true, cwd: cjs })],
  ]) {
    assert.equal(runtime.status, 0, runtime.stderr);
    assert.deepEqual(names(spec, cjsMode), JSON.parse(runtime.out).filter((n) => n !== "__esModule"), `${spec} (${cjsMode ? "CommonJS" : "ESM"})`);
  }
});

test("in Chromium, a page whose .wasm is missing gets an Error naming its URL, and redflag/manual can load it from elsewhere", async () => {
  const { createServer } = await import("node:http");
  const { launch } = await import("./helpers/browser.mjs");
  const pkgDir = join(consumer(), "node_modules/redflag");
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
    const out = {};
    try { await import("/redflag/index.js"); out.index = "loaded"; } catch (e) { out.index = String(e.message); }
    const m = await import("/redflag/manual.js");
    try { await m.init("/nowhere/redflag_bg.wasm"); out.manual = "loaded"; } catch (e) { out.manual = String(e.message); }
    // A network failure, where fetch itself says only "Failed to fetch".
    try { await m.init({ module_or_path: "http://127.0.0.1:1/closed/redflag_bg.wasm" }); out.network = "loaded"; } catch (e) { out.network = String(e.message); }
    await m.init(new URL("/assets/redflag_bg.wasm", location.href));
    await m.ready;
    out.verdict = new m.Engine().screen({ section: "jobs", body: "A registration fee is required." }).verdict;
    window.result = out;
  </script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    if (path === "/assets/redflag_bg.wasm") return res.writeHead(200, { "content-type": "application/wasm" }).end(readFileSync(join(pkgDir, "redflag_bg.wasm")));
    const file = path.startsWith("/redflag/") && /^[a-z_.-]+\.js$/.test(path.slice(9)) ? join(pkgDir, path.slice(9)) : null;
    if (file && existsSync(file)) return res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(readFileSync(file));
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launch();
  try {
    const tab = await browser.newPage();
    await tab.goto(`${origin}/`);
    await tab.waitForFunction(() => window.result, null, { timeout: 30_000 });
    const out = await tab.evaluate(() => window.result);
    // A network failure: fetch says only "Failed to fetch"; the error names the URL.
    assert.ok(out.network.includes("http://127.0.0.1:1/closed/redflag_bg.wasm"), out.network);
    // The browser entry fetched the .wasm beside it, which is missing here.
    assert.ok(out.index.startsWith(`redflag: could not load the WebAssembly module from ${origin}/redflag/redflag_bg.wasm: `), out.index);
    assert.match(out.index, /404/);
    assert.ok(out.manual.includes("/nowhere/redflag_bg.wasm"), out.manual);
    assert.equal(out.verdict, "warn");
  } finally {
    await browser.close();
    server.close();
  }
});
