// The JSON Schema of packs (`redflag/pack.schema.json`): published in the
// package, matched by every shipped pack, and in agreement with the engine
// (every malformed pack below is refused by both, at the same place) and
// with the Rust parser (the same keys, table by table). The playground's
// schema checker is held to Ajv's verdicts, and checked in Chromium; taplo
// (the TOML language server of Even Better TOML) reads the schema from a
// `#:schema` comment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { consumer, importPackage, root } from "./helpers/package.mjs";
import { launch, watch } from "./helpers/browser.mjs";
import { startDemo } from "../demo/server.mjs";
import { checkSchema, KNOWN_KEYWORDS } from "../demo/schema-check.js";

const schema = JSON.parse(readFileSync(join(root, "pkg-config/pack.schema.json"), "utf8"));
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true });
const validate = ajv.compile(schema);
let rf;

before(async () => {
  rf = await importPackage();
});
after(() => rmSync(consumer(), { recursive: true, force: true }));

/** The shipped TOML packs as the engine sees them (TOML → JSON with Python's tomllib). */
function shippedPacks() {
  const files = readdirSync(join(root, "rules")).filter((f) => f.endsWith(".toml")).sort();
  const script = `import json, sys, tomllib
print(json.dumps([tomllib.load(open(f, "rb")) for f in sys.argv[1:]]))`;
  const packs = JSON.parse(execFileSync("python3", ["-c", script, ...files.map((f) => join(root, "rules", f))], { encoding: "utf8", maxBuffer: 1 << 28 }));
  return files.map((f, i) => ({ file: `rules/${f}`, pack: packs[i] }));
}

/** An Ajv error's place in the engine's notation (`rule[0].match.near.within`), with the key it is about. */
function ajvPath(value, e) {
  let path = "";
  let node = value;
  for (const raw of e.instancePath.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path = Array.isArray(node) ? `${path}[${part}]` : path ? `${path}.${part}` : part;
    node = node?.[part];
  }
  // A dependent schema's problem belongs to the key that brought it in
  // (`offer` without `helper`), which is where the engine reports it.
  const dependent = e.keyword === "required" && /\/dependentSchemas\/([^/]+)\//.exec(e.schemaPath);
  const key = dependent ? dependent[1] : (e.params.missingProperty ?? e.params.additionalProperty ?? e.params.propertyName);
  return key === undefined ? path : path ? `${path}.${key}` : key;
}

/** A problem's place, with the key a "missing field" message names. */
function located(e) {
  const m = /missing field `([^`]+)`/.exec(e.message);
  if (!m) return e.path;
  return e.path ? `${e.path}.${m[1]}` : m[1];
}

/** Whether two places are the same or one contains the other (`pack.thresholds` and `pack.thresholds.warn`). */
function overlap(a, b) {
  if (!a || !b) return a === b;
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  return l === s || l.startsWith(`${s}.`) || l.startsWith(`${s}[`);
}

// A small valid pack using every table of the format.
const BASE = {
  schema: 4,
  pack: {
    id: "schema-test",
    version: "1.0.0",
    title: "Schema test pack",
    languages: ["en"],
    thresholds: { warn: 2, review: 5, block: 9 },
    explainable_categories: ["recruitment-fee"],
  },
  lists: { fee: ["registration fee", "placement fee"] },
  rule: [
    {
      id: "st.fee",
      title: "Applicant pays a fee",
      category: "recruitment-fee",
      indicator: "worker-paid-fee",
      score: 3,
      strength: "medium",
      max_tier: "review",
      sections: ["jobs"],
      match: { near: { a: ["pay", "@fee"], b: ["before", "first"], within: 4, ordered: false } },
      exceptions: ["no fee"],
      exception_window: 5,
      explain: { poster: "Job ads may not charge applicants.", reviewer: "Worker-paid fee (ILO)." },
      tests: { fire: ["Pay the registration fee first."], pass: [{ section: "jobs", body: "We never charge a fee." }] },
    },
    {
      id: "st.offer",
      title: "The ad offers work",
      category: "offer",
      helper: true,
      offer: "jobs",
      match: { any: ["hiring", "vacancy"] },
    },
    {
      id: "st.contact",
      title: "Hidden phone number",
      category: "contact-obfuscation",
      score: 2,
      match: { at_least: { n: 1, of: [{ entity: { kind: "phone", obfuscated: true, written: ["number-words"] } }, { all: ["whatsapp only"] }] } },
    },
    {
      id: "st.combo",
      title: "Fee and hidden contact",
      category: "combination",
      score: 2,
      match: { and: [{ rule: "st.fee" }, { rules: { of: ["st.c*"], min: 1 } }, { not: { none: ["agency"] } }] },
    },
  ],
  filter: [{ id: "st.notice", description: "Awareness notices", rules: ["st.*"], sections: ["jobs"], when: { or: [{ any: ["hotline"] }] } }],
};

/** Each a different mistake, made on a copy of BASE. */
const MALFORMED = [
  ["schema missing", (p) => delete p.schema],
  ["schema newer than the engine", (p) => (p.schema = 5)],
  ["schema as a string", (p) => (p.schema = "4")],
  ["misspelt top-level table", (p) => ((p.rules = p.rule), delete p.rule)],
  ['a "$schema" that is not a string', (p) => (p.$schema = 4)],
  ["pack without version", (p) => delete p.pack.version],
  ["pack id in capitals", (p) => (p.pack.id = "Schema-Test")],
  ["unknown pack field", (p) => (p.pack.name = "x")],
  ["thresholds without block", (p) => delete p.pack.thresholds.block],
  ["warn threshold of 0", (p) => (p.pack.thresholds.warn = 0)],
  ["rule is a table, not an array", (p) => (p.rule = p.rule[0])],
  ["rule without match", (p) => delete p.rule[0].match],
  ["rule without title", (p) => delete p.rule[0].title],
  ["misspelt rule field", (p) => (p.rule[0].scroe = 3)],
  ["score as a string", (p) => (p.rule[0].score = "3")],
  ["score out of range", (p) => (p.rule[0].score = 5000)],
  ["unknown status", (p) => (p.rule[0].status = "beta")],
  ["unknown max_tier", (p) => (p.rule[0].max_tier = "high")],
  ["unknown strength", (p) => (p.rule[0].strength = "very")],
  ["unknown section", (p) => (p.rule[0].sections = ["job"])],
  ["rule id with a space", (p) => (p.rule[0].id = "st fee")],
  ["exception window over 50 words", (p) => (p.rule[0].exception_window = 99)],
  ["explain with an unknown audience", (p) => (p.rule[0].explain.posterr = "x")],
  ["test case that is a number", (p) => (p.rule[0].tests.fire = [42])],
  ["test case field that is a number", (p) => (p.rule[0].tests.pass = [{ body: 3 }])],
  ["tests with an unknown kind", (p) => (p.rule[0].tests.fail = ["x"])],
  ["condition with two keys", (p) => (p.rule[1].match = { any: ["hiring"], all: ["now"] })],
  ["unknown condition", (p) => (p.rule[1].match = { anyof: ["hiring"] })],
  ["condition that is a list", (p) => (p.rule[1].match = ["hiring"])],
  ["empty term list", (p) => (p.rule[1].match = { any: [] })],
  ["near.within as a word", (p) => (p.rule[0].match.near.within = "far")],
  ["near.within over 50 words", (p) => (p.rule[0].match.near.within = 80)],
  ["near without b", (p) => delete p.rule[0].match.near.b],
  ["at_least of zero", (p) => (p.rule[2].match.at_least.n = 0)],
  ["at_least of no conditions", (p) => (p.rule[2].match.at_least.of = [])],
  ["unknown entity kind", (p) => (p.rule[2].match.at_least.of[0].entity.kind = "fax")],
  ["unknown writing technique", (p) => (p.rule[2].match.at_least.of[0].entity.written = ["morse"])],
  ["rules.min of zero", (p) => (p.rule[3].match.and[1].rules.min = 0)],
  ["offer rule that is not a helper", (p) => delete p.rule[1].helper],
  ["offer of an unknown section", (p) => (p.rule[1].offer = "gigs")],
  ["offer rule scoped to sections", (p) => (p.rule[1].sections = ["jobs"])],
  ["offer rule with a strength", (p) => (p.rule[1].strength = "strong")],
  ["helper rule with a score", (p) => (p.rule[1].score = 2)],
  ["list name with a space", (p) => (p.lists["my list"] = ["x"])],
  ["list that includes a list", (p) => (p.lists.other = ["@fee"])],
  ["empty list", (p) => (p.lists.none = [])],
  ["filter without rules", (p) => delete p.filter[0].rules],
  ["unknown filter field", (p) => (p.filter[0].when_not = { any: ["x"] })],
  ["override with an unknown field", (p) => (p.override = [{ rule: "core.jobs.fee", points: 2 }])],
  ["override with disabled as a string", (p) => (p.override = [{ rule: "core.jobs.fee", disabled: "yes" }])],
];

const copy = (v) => JSON.parse(JSON.stringify(v));

test("the package publishes the schema at redflag/pack.schema.json, as written in pkg-config/", () => {
  const require = createRequire(join(consumer(), "entry.mjs"));
  const file = require.resolve("redflag/pack.schema.json");
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), schema);
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
});

test("every shipped pack, as authored in TOML and as shipped in default-packs.json, matches the schema", () => {
  const shipped = shippedPacks();
  assert.ok(shipped.length >= 16, `${shipped.length} packs in rules/`);
  const require = createRequire(join(consumer(), "entry.mjs"));
  const defaults = JSON.parse(readFileSync(require.resolve("redflag/default-packs.json"), "utf8"));
  assert.equal(defaults.length, shipped.length);
  for (const { file, pack } of [...shipped, ...defaults.map((pack) => ({ file: `default-packs.json ${pack.pack.id}`, pack }))]) {
    assert.ok(validate(pack), `${file}: ${ajv.errorsText(validate.errors)}`);
    assert.deepEqual(checkSchema(schema, pack), [], `${file}: the playground's checker agrees`);
  }
});

test("the base pack of the malformed cases is valid for the schema and the engine", () => {
  assert.ok(validate(BASE), ajv.errorsText(validate.errors));
  assert.deepEqual(rf.validatePacks(BASE), []);
  assert.deepEqual(checkSchema(schema, BASE), []);
});

test('a JSON pack may name its schema ("$schema"): the schema, the playground and the engine accept it', () => {
  const pack = { $schema: "./node_modules/redflag/pack.schema.json", ...copy(BASE) };
  assert.ok(validate(pack), ajv.errorsText(validate.errors));
  assert.deepEqual(checkSchema(schema, pack), []);
  assert.deepEqual(rf.validatePacks(pack), []);
  const engine = new rf.Engine(pack);
  assert.ok(engine.packs().some((p) => p.id === BASE.pack.id));
});

for (const [name, mistake] of MALFORMED) {
  test(`schema and engine both refuse, at the same place: ${name}`, () => {
    const pack = copy(BASE);
    mistake(pack);
    const engine = rf.validatePacks(pack);
    assert.ok(engine.length > 0, "the engine refuses it");
    assert.equal(validate(pack), false, "Ajv refuses it");
    // (A bad key's own pattern error repeats its `propertyNames` error, without the key.)
    // (An `if` error only says that its `then` failed, which is reported too.)
    const fromAjv = validate.errors
      .filter((e) => (e.propertyName === undefined || e.keyword === "propertyNames") && e.keyword !== "if")
      .map((e) => ajvPath(pack, e));
    const fromChecker = checkSchema(schema, pack);
    assert.ok(fromChecker.length > 0, "the playground's checker refuses it");
    const checkerPlaces = fromChecker.map(located);
    for (const p of fromAjv) assert.ok(checkerPlaces.includes(p), `Ajv's \`${p}\` is among the checker's: ${checkerPlaces.join(", ")}`);
    const enginePlaces = engine.map(located);
    assert.ok(
      enginePlaces.some((e) => checkerPlaces.some((s) => overlap(e, s))),
      `a common place: engine ${JSON.stringify(engine)} / schema ${JSON.stringify(fromChecker)}`,
    );
  });
}

test("what only the engine can check: references, duplicates, threshold order and schema versions", () => {
  // These depend on other values (or other packs), which a schema does not
  // see: the schema accepts them, the engine refuses them.
  const cases = [
    (p) => (p.rule[0].match.near.a = ["@nope"]),
    (p) => (p.rule[3].match.and[0].rule = "st.nope"),
    (p) => (p.rule[1].id = "st.fee"),
    (p) => (p.pack.thresholds = { warn: 5, review: 2, block: 9 }),
    (p) => (p.schema = 1),
  ];
  for (const mistake of cases) {
    const pack = copy(BASE);
    mistake(pack);
    assert.ok(validate(pack), ajv.errorsText(validate.errors));
    assert.ok(rf.validatePacks(pack).length > 0, mistake.toString());
  }
});

/** The keys each table of the Rust parser accepts, read from its source. */
function parserKeys() {
  const parse = readFileSync(join(root, "src/pack/parse.rs"), "utf8");
  const mod = readFileSync(join(root, "src/pack/mod.rs"), "utf8");
  const list = (s) => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
  const consts = Object.fromEntries([...parse.matchAll(/const (\w+): &\[&str\] = &\[([^\]]*)\]/g)].map((m) => [m[1], list(m[2])]));
  // Tables read with their keys written inline: `p.table(v, path, "a table {…}", &[…])`.
  const inline = Object.fromEntries([...parse.matchAll(/\.table\(\s*v,\s*&?\w+,\s*"([^"]+)",\s*&\[([^\]]*)\],?\s*\)/g)].map((m) => [m[1], list(m[2])]));
  const top = /matches!\(\s*key\.as_str\(\),\s*([^)]*)\)/.exec(mod);
  assert.ok(top, "mod.rs: the top-level keys");
  // `$schema` is taken out before that check (the engine ignores it).
  const dollar = /top\.remove\("\$schema"\)/.test(mod) ? ["$schema"] : [];
  return { consts, inline, top: [...list(top[1]), ...dollar].sort() };
}

test("every key the Rust parser accepts is in the schema, table by table, and no other", () => {
  const { consts, inline, top } = parserKeys();
  const props = (def) => Object.keys(def.properties).sort();
  const d = schema.$defs;
  const tables = [
    ["top level", top, props(schema)],
    ["META_KEYS ([pack])", consts.META_KEYS, props(d.meta)],
    ["RULE_KEYS ([[rule]])", consts.RULE_KEYS, props(d.rule)],
    ["CONDITIONS", consts.CONDITIONS, props(d.condition)],
    ["ENTITY_KEYS", consts.ENTITY_KEYS, props(d.entity)],
    ["FILTER_KEYS ([[filter]])", consts.FILTER_KEYS, props(d.filter)],
    ["OVERRIDE_KEYS ([[override]])", consts.OVERRIDE_KEYS, props(d.override)],
    ["thresholds", inline["a table {warn, review, block}"], props(d.meta.properties.thresholds)],
    ["explain", inline["a table {poster, reviewer}"], props(d.rule.properties.explain)],
    ["tests", inline["a table {fire, pass}"], props(d.rule.properties.tests)],
    ["near", inline["a table {a, b, within}"], props(d.condition.properties.near)],
    ["at_least", inline["a table {n, of}"], props(d.condition.properties.at_least)],
    ["rules", inline["a table {of, min}"], props(d.condition.properties.rules)],
  ];
  for (const [name, rust, json] of tables) {
    assert.ok(rust?.length, `${name}: found in the parser`);
    assert.deepEqual(json, rust, `${name}: the schema's keys are the parser's`);
  }
  // Every table the parser reads with fixed keys is covered above.
  assert.equal(Object.keys(consts).length, 6, Object.keys(consts).join());
  assert.equal(Object.keys(inline).length, 6, Object.keys(inline).join());

  // And every key the shipped packs use is one the schema names where it is used.
  const seen = new Set();
  const walk = (s, v, where) => {
    if (s.$ref) s = s.$ref.split("/").slice(1).reduce((n, k) => n[k], schema);
    if (Array.isArray(v)) return v.forEach((x) => s.items && walk(s.items, x, `${where}[]`));
    if (v === null || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
      const sub = s.properties?.[k] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
      assert.ok(sub, `${where}.${k} is in the schema`);
      if (s.properties?.[k]) seen.add(`${where}.${k}`);
      walk(sub, x, s.properties?.[k] ? `${where}.${k}` : `${where}.*`);
    }
  };
  for (const { pack } of shippedPacks()) walk(schema, pack, "");
  assert.ok(seen.size > 50, `${seen.size} places`);
});

test("the schema uses only keywords the playground's checker applies", () => {
  const used = new Set();
  const walk = (s) => {
    if (typeof s !== "object" || s === null) return;
    for (const [k, v] of Object.entries(s)) {
      used.add(k);
      if (["properties", "$defs", "dependentSchemas"].includes(k)) Object.values(v).forEach(walk);
      else if (["items", "additionalProperties", "propertyNames", "not", "if", "then", "else"].includes(k)) walk(v);
    }
  };
  walk(schema);
  for (const k of used) assert.ok(KNOWN_KEYWORDS.includes(k), `keyword \`${k}\``);
});

test("taplo (Even Better TOML's engine) checks TOML packs against the schema named in a `#:schema` comment", () => {
  // The rules/README.md recipe: the pack's first line names the schema in
  // the installed package, relative to the pack file.
  const dir = join(consumer(), "packs");
  mkdirSync(dir, { recursive: true });
  const header = "#:schema ../node_modules/redflag/pack.schema.json\n";
  const files = readdirSync(join(root, "rules")).filter((f) => f.endsWith(".toml"));
  for (const f of files) writeFileSync(join(dir, f), header + readFileSync(join(root, "rules", f), "utf8"));
  const taplo = (args) =>
    spawnSync(join(root, "www/node_modules/.bin/taplo"), ["check", "--no-auto-config", "--colors", "never", ...args], { cwd: consumer(), encoding: "utf8" });
  const t = Date.now();
  const ok = taplo(files.map((f) => `packs/${f}`));
  assert.equal(ok.status, 0, ok.stderr);
  console.log(`taplo checked ${files.length} shipped packs in ${Date.now() - t} ms`);

  const bad = `${header}schema = 4

[pack]
id = "site"
version = "1.0.0"

[[rule]]
id = "site.fee"
title = "Applicant pays a fee"
category = "recruitment-fee"
max_tier = "severe"
match = { near = { a = ["fee"], b = ["pay"], within = "far" } }
`;
  writeFileSync(join(dir, "bad.toml"), bad);
  const refused = taplo(["packs/bad.toml"]);
  assert.notEqual(refused.status, 0, "taplo refuses the malformed pack");
  assert.match(refused.stderr, /"far" is not of type "integer"/);
  assert.match(refused.stderr, /"severe" is not one of/);
  assert.match(refused.stderr, /bad\.toml:12:/, "with the line of the mistake");
  // The engine refuses the same pack, at the same places.
  const engine = rf.validatePacks({
    schema: 4,
    pack: { id: "site", version: "1.0.0" },
    rule: [{ id: "site.fee", title: "Applicant pays a fee", category: "recruitment-fee", max_tier: "severe", match: { near: { a: ["fee"], b: ["pay"], within: "far" } } }],
  });
  assert.deepEqual(engine.map((e) => e.path).sort(), ["rule[0].match.near.within", "rule[0].max_tier"]);
});

test("the playground shows the schema's problems beside the engine's, in Chromium", async () => {
  const demo = await startDemo({ pkgDir: join(consumer(), "node_modules/redflag") });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const problems = watch(page);
    await page.goto(`${demo.url}/playground`);
    await page.waitForSelector("html[data-redflag-ready=true]", { timeout: 15000 });
    await page.waitForSelector("#schema-status.good");
    const good = await page.inputValue("#pack");
    const bad = JSON.parse(good);
    bad.rule[0].match.near.within = "far";
    bad.rule[1].scroe = 2;
    bad.rule[1].match.entity.kind = "fax";
    await page.fill("#pack", JSON.stringify(bad, null, 2));
    await page.waitForSelector("#schema-status.bad", { timeout: 5000 });
    const listed = (id) => page.$$eval(`#${id} li code`, (cs) => cs.map((c) => c.textContent));
    const schemaPaths = await listed("schema-errors");
    const enginePaths = await listed("pack-errors");
    for (const p of ["rule[0].match.near.within", "rule[1].scroe", "rule[1].match.entity.kind"]) {
      assert.ok(schemaPaths.includes(p), `schema: ${schemaPaths.join(", ")}`);
      assert.ok(enginePaths.includes(p), `engine: ${enginePaths.join(", ")}`);
    }
    assert.equal(await page.textContent("#schema-status"), "3 problems");
    await page.fill("#pack", "{ not json");
    await page.waitForFunction(() => /Not JSON/.test(document.getElementById("schema-status").textContent));
    await page.fill("#pack", good);
    await page.waitForSelector("#schema-status.good");
    assert.deepEqual(await listed("schema-errors"), []);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await browser.close();
    await demo.close();
  }
});

/**
 * For the sealed formats' schemas: the schema's checker, a scratch
 * directory, a recipient key pair made by `redflag <kind> keygen` in
 * DIR/recipient (its public key returned) and a signing key in DIR/sign.key.
 */
async function sealedFormat(schemaFile, kind) {
  const { redflag } = await import("./helpers/cli.mjs");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const check = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true }).compile(JSON.parse(readFileSync(join(root, "docs", schemaFile), "utf8")));
  const dir = mkdtempSync(join(tmpdir(), `redflag-${kind}-schema-`));
  assert.equal(redflag([kind, "keygen", "--out", join(dir, "recipient")]).status, 0);
  assert.equal(redflag(["keygen", "-o", join(dir, "sign.key")]).status, 0);
  const recipientPub = readFileSync(join(dir, `recipient/${kind}-recipient.pub`), "utf8").trim();
  return { redflag, check, dir, recipientPub };
}

// The evidence packet's schema (docs/evidence.schema.json, docs/evidence.md):
// packets made by the edge's and the extension's writer (www/shared/evidence.js)
// and by `redflag evidence seal` match it; a raw contact value in the
// clear part, a missing member or an unknown one do not.
test("evidence packets from JavaScript and from the CLI match docs/evidence.schema.json; a raw contact outside `sealed` does not", async () => {
  const { makePacket, ed25519Signer, newEd25519Seed, key32 } = await import("../shared/evidence.js");
  const { redflag, check, dir, recipientPub } = await sealedFormat("evidence.schema.json", "evidence");
  const { packet } = await makePacket({
    source: "edge",
    clock: "edge",
    time: new Date(),
    retainDays: 365,
    reference: "3f0c6a52-7a44-4c1e-9d8e-1c1f3b0d2a11",
    url: "https://site.example/ads?x=1",
    verdict: { verdict: "block", score: 12, packs: [{ id: "core", version: "0.2.2" }], hits: [{ rule: "core.adult.stated-minor-age", field: "body", start: 16, end: 23 }] },
    fields: [["body", "Sweet new girl, age: 16. Call 202-555-0147"]],
    contacts: [`phone:${"0".repeat(64)}`],
    rawContacts: [{ kind: "phone", value: "+12025550147" }],
    recipientPublic: key32(recipientPub),
    signer: await ed25519Signer(await newEd25519Seed()),
  });
  writeFileSync(join(dir, "ad.json"), JSON.stringify({ section: "jobs", body: "We keep your passport. Call 202-555-0147" }));
  const sealed = redflag(["evidence", "seal", join(dir, "ad.json"), "--recipient", recipientPub, "--key", join(dir, "sign.key")]);
  assert.equal(sealed.status, 0, sealed.stderr);
  for (const p of [packet, JSON.parse(sealed.stdout)]) assert.ok(check(p), `${p.source}: ${JSON.stringify(check.errors)}`);
  const bad = [
    { ...packet, contacts: ["phone:+12025550147"] },
    { ...packet, phone: "+12025550147" },
    Object.fromEntries(Object.entries(packet).filter(([k]) => k !== "signature")),
    { ...packet, sealed: { ...packet.sealed, suite: "none" } },
  ];
  for (const p of bad) assert.ok(!check(p), JSON.stringify(p).slice(0, 80));
});

// The sealed decisions' schema (docs/decisions.schema.json, docs/integrators.md
// "Reviewer decisions"): a `redflag-decisions/2` export made with the
// extension's writer (each line sealed on its own with `sealTo`, the
// sealed lines signed with `signDocument` of www/shared/evidence.js, as
// background.js calls them), one made by `redflag decisions seal`, and a
// `redflag-decisions/1` file of the earlier extension (`sealAndSign` of the
// whole JSON Lines) match it; the JavaScript ones open in `redflag eval
// --key` with the figures of the clear lines; a clear ad text beside the
// sealed parts, a missing member or an unknown one do not match.
test("sealed decisions (/2 from JavaScript and from the CLI, /1 from the earlier extension) match docs/decisions.schema.json, and eval reads the JavaScript ones", async () => {
  const { sealAndSign, sealTo, signDocument, ed25519Signer, newEd25519Seed, key32, toBase64, utcSeconds } = await import("../shared/evidence.js");
  const { redflag, check, dir, recipientPub: teamPub } = await sealedFormat("decisions.schema.json", "decisions");
  const line = (id, decision, body) =>
    JSON.stringify({ id, label: decision === "dismiss" ? "clean" : "flag", group: decision, section: "jobs", body, title: `Ad ${id}`, review: { decision, decided_at: "2026-12-03T14:57:09.412Z", listing_id: id, verdict: { rules: [], score: 17, tier: "block" }, packs: [{ id: "core", version: "0.2.4" }], tool: { name: "redflag reviewer", version: "0.1.0" } } });
  const lines = [line("D-1", "confirm", "Pay the registration fee of 300 USD before departure. We keep your passport. Call 2O2-555-O147."), line("D-2", "dismiss", "Warehouse roles in Leeds, paid weekly.")];
  const jsonl = lines.map((l) => `${l}\n`).join("");
  writeFileSync(join(dir, "labels.jsonl"), jsonl);
  const signer = await ed25519Signer(await newEd25519Seed());
  const doc = { source: "extension", clock: "reviewer", time: utcSeconds(new Date()), reviewer: null, tool: { name: "redflag reviewer", version: "0.1.0" } };
  const records = [];
  for (const l of lines) records.push(await sealTo(key32(teamPub), "redflag-decision/2", "", new TextEncoder().encode(l)));
  const v2 = await signDocument("redflag-decisions/2", { ...doc, reference: crypto.randomUUID(), count: 2, records }, signer);
  const v1 = await sealAndSign("redflag-decisions/1", { ...doc, reference: crypto.randomUUID(), count: 2 }, new TextEncoder().encode(jsonl), key32(teamPub), signer);
  for (const { text } of [v1, v2]) assert.ok(!text.includes("2O2-555-O147") && !text.includes("passport") && !text.includes("D-1"));
  writeFileSync(join(dir, "sealed-2.json"), v2.text);
  writeFileSync(join(dir, "sealed-1.json"), v1.text);
  const fromCli = redflag(["decisions", "seal", join(dir, "labels.jsonl"), "--recipient", teamPub, "--key", join(dir, "sign.key")]);
  assert.equal(fromCli.status, 0, fromCli.stderr);
  const cliDoc = JSON.parse(fromCli.stdout);
  assert.equal(cliDoc.format, "redflag-decisions/2");
  for (const p of [v2.packet, cliDoc, v1.packet]) assert.ok(check(p), `${p.source} ${p.format}: ${JSON.stringify(check.errors)}`);
  const evalOf = (file, ...more) => redflag(["eval", "--labels", file, "--format", "json", ...more]);
  const clear = evalOf(join(dir, "labels.jsonl")).stdout;
  for (const f of ["sealed-2.json", "sealed-1.json"]) {
    const sealed = evalOf(join(dir, f), "--key", join(dir, "recipient/decisions-recipient.key"), "--signer", toBase64(signer.publicKey));
    assert.equal(sealed.status, 0, sealed.stderr);
    assert.equal(sealed.stdout, clear, f);
  }
  const opened = redflag(["decisions", "open", join(dir, "sealed-2.json"), "--key", join(dir, "recipient/decisions-recipient.key")]);
  assert.equal(opened.stdout, jsonl, "the lines sealed, byte for byte");
  const without = (o, k) => Object.fromEntries(Object.entries(o).filter(([x]) => x !== k));
  const bad = [
    { ...v2.packet, body: "We keep your passport. Call 2O2-555-O147" },
    without(v2.packet, "signature"),
    without(v2.packet, "records"),
    { ...v2.packet, count: -1 },
    { ...v2.packet, records: [{ ...records[0], suite: "none" }] },
    { ...v2.packet, records: [{ ...records[0], title: "Ad D-1" }] },
    { ...v2.packet, records: ["{\"id\":\"D-1\"}"] },
    { ...v2.packet, sealed: v1.packet.sealed },
    { ...v1.packet, body: "We keep your passport. Call 2O2-555-O147" },
    without(v1.packet, "content_sha256"),
    { ...v1.packet, sealed: { ...v1.packet.sealed, suite: "none" } },
    { ...v1.packet, records },
  ];
  for (const p of bad) assert.ok(!check(p), JSON.stringify(p).slice(0, 80));
  rmSync(dir, { recursive: true, force: true });
});
