// Side-by-side benchmark: redflag (wasm, full pipeline) against what a team
// would pick instead — obscenity (npm), rustrict (Rust, as wasm under
// Node's WASI and native), a hand-written JavaScript RegExp alternation, and
// a bare Aho-Corasick pass over the raw text (wasm and native) — on the same machine, the same corpus and the
// same term list, in one run. Also start-up, pack-size and input-size
// scaling, memory, and what each catches on an evasion set. Writes
// benches/RESULTS.md and the SVG plots in benches/results/.
//
//   bash .ci/build-package && (cd www && npm ci) && node benches/compare.mjs [--corpus FILE.jsonl] [--quick]
//
// Only the package registries are needed; nothing is downloaded at run time.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus, totalmem, release } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";
import { generate, rng } from "./corpus.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const corpusArg = args.includes("--corpus") ? args[args.indexOf("--corpus") + 1] : null;
const pkgDir = process.env.REDFLAG_PKG ?? join(root, "pkg");
const requireWww = createRequire(join(root, "www/package.json"));
const SECS = quick ? 0.3 : 2;

const rf = await import(pathToFileURL(join(pkgDir, "node.js")).href);
const glue = await import(pathToFileURL(join(pkgDir, "redflag.js")).href);
const wasmBytes = readFileSync(join(pkgDir, "redflag_bg.wasm"));
const exportsObj = glue.initSync({ module: wasmBytes }); // already initialised: returns the exports
const memoryMb = () => exportsObj.memory.buffer.byteLength / 2 ** 20;

// ---------------------------------------------------------------- inputs
const ads = corpusArg
  ? readFileSync(corpusArg, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l))
  : generate({ n: quick ? 300 : 2000, seed: 42, rate: 0.03 });
const textOf = (a) => Object.entries(a).filter(([k, v]) => k !== "id" && k !== "section" && typeof v === "string").map(([, v]) => v).join("\n");
const texts = ads.map(textOf);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

/** The packs' literal terms: every term of every condition, lists expanded. */
function packTerms() {
  const out = new Set();
  for (const pack of JSON.parse(readFileSync(join(pkgDir, "default-packs.json"), "utf8"))) {
    const lists = pack.lists ?? {};
    const add = (terms) => {
      for (const t of terms ?? []) {
        if (t.startsWith("@") && lists[t.slice(1)]) add(lists[t.slice(1)]);
        else {
          const w = t.replace(/^\*|\*$/g, "").toLowerCase().trim();
          if (w.length >= 2 && /\p{L}/u.test(w)) out.add(w);
        }
      }
    };
    const walk = (c) => {
      if (!c || typeof c !== "object") return;
      for (const [k, v] of Object.entries(c)) {
        if (["any", "all", "none"].includes(k)) add(v);
        else if (k === "near") {
          add(v.a);
          add(v.b);
        } else if (k === "entity") add(v.near);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (typeof v === "object") walk(v);
      }
    };
    for (const r of pack.rule ?? []) walk(r.match);
  }
  return [...out];
}
const terms = packTerms();

/** Evasion variants of a few indicator terms. */
const evasionTerms = ["passport", "registration fee", "schoolgirl", "deducted", "hostess"];
const look = { a: "а", e: "е", o: "о", p: "р", c: "с", x: "х", i: "і" };
const variants = {
  plain: (t) => t,
  spaced: (t) => [...t].join(" "),
  "zero-width": (t) => [...t].join("\u200B"),
  "look-alikes": (t) => [...t].map((c) => look[c] ?? c).join(""),
  leetspeak: (t) => t.replace(/a/g, "4").replace(/e/g, "3").replace(/o/g, "0").replace(/i/g, "1").replace(/s/g, "5"),
  fullwidth: (t) => [...t].map((c) => (c >= "a" && c <= "z" ? String.fromCodePoint(c.codePointAt(0) - 97 + 0xff41) : c)).join(""),
  "repeated letters": (t) => t.replace(/([aeiou])/g, "$1$1$1"),
};
const evasions = [];
for (const t of evasionTerms) for (const [style, f] of Object.entries(variants)) evasions.push({ term: t, style, text: `Note: ${f(t)} required.` });

// ---------------------------------------------------------------- timing
function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}
function time(fn) {
  for (let i = 0; i < Math.min(50, texts.length); i++) fn(i); // warm-up
  const per = [];
  let passes = 0;
  let flagged = 0;
  const t0 = performance.now();
  while (passes === 0 || performance.now() - t0 < SECS * 1000) {
    flagged = 0;
    for (let i = 0; i < texts.length; i++) {
      const s = performance.now();
      flagged += fn(i) ? 1 : 0;
      per.push((performance.now() - s) * 1000);
    }
    passes++;
  }
  const secs = (performance.now() - t0) / 1000;
  per.sort((a, b) => a - b);
  return { mb_per_s: (bytes * passes) / secs / 1e6, us_p50: pct(per, 50), us_p99: pct(per, 99), flagged };
}

const results = {};
const engine = new rf.Engine();
results.redflag = { ...time((i) => engine.screen(ads[i]).verdict !== "allow"), where: "wasm in Node" };
results.redflag.caught = evasions.map((e) => rf.normalize(e.text).includes(rf.normalize(e.term)));

const { RegExpMatcher, parseRawPattern, englishRecommendedTransformers } = requireWww("obscenity");
let obscenity;
const tObs = performance.now();
const escapeObs = (t) => t.replace(/[\\[\]?|]/g, (c) => `\\${c}`);
obscenity = new RegExpMatcher({ blacklistedTerms: terms.map((t, id) => ({ id, pattern: parseRawPattern(escapeObs(t)) })), ...englishRecommendedTransformers });
const obsBuild = performance.now() - tObs;
// Every tool does what redflag does: find every match, with its span (what
// highlighting and reviewer notes need). The early-exit variants ("is there
// any match?") are measured too, in their own table.
results.obscenity = { ...time((i) => obscenity.getAllMatches(texts[i]).length > 0), where: "JS in Node", build_ms: obsBuild };
results.obscenity.caught = evasions.map((e) => obscenity.hasMatch(e.text));
const firstMatch = {};
firstMatch.obscenity = time((i) => obscenity.hasMatch(texts[i]));

const escapeRe = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const tRe = performance.now();
const alternation = `(?:${terms.map(escapeRe).sort((a, b) => b.length - a.length).join("|")})`;
const re = new RegExp(alternation, "iu");
const reAll = new RegExp(alternation, "giu");
const reBuild = performance.now() - tRe;
results.regex = { ...time((i) => (texts[i].match(reAll)?.length ?? 0) > 0), where: "JS in Node", build_ms: reBuild };
results.regex.caught = evasions.map((e) => re.test(e.text));
firstMatch.regex = time((i) => re.test(texts[i]));

// Native: rustrict and the bare Aho-Corasick floor.
const tmp = join(root, "target/bench-compare");
mkdirSync(tmp, { recursive: true });
writeFileSync(join(tmp, "corpus.jsonl"), ads.map((a) => JSON.stringify(a)).join("\n"));
writeFileSync(join(tmp, "terms.json"), JSON.stringify(terms));
writeFileSync(join(tmp, "evasions.json"), JSON.stringify(evasions.map((e) => [e.term, e.text])));
const native = JSON.parse(
  execFileSync("cargo", ["bench", "--quiet", "--bench", "compare_native", "--", join(tmp, "corpus.jsonl"), join(tmp, "terms.json"), join(tmp, "evasions.json")], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim().split("\n").pop(),
);
results.rustrict = { ...native.rustrict.screen, where: "native", build_ms: native.rustrict.build_ms, caught: native.rustrict.caught };
results.aho_corasick = { ...native.aho_corasick.screen, where: "native", build_ms: native.aho_corasick.build_ms, caught: native.aho_corasick.caught };
firstMatch.aho_corasick = native.aho_corasick.first;

// The same native benchmark built for wasm32-wasip1 and run under Node's
// WASI, so rustrict and the bare pass are also measured as wasm in Node.
function wasiBench() {
  const installed = execFileSync("rustup", ["target", "list", "--installed"], { encoding: "utf8" });
  if (!installed.includes("wasm32-wasip1")) execFileSync("rustup", ["target", "add", "wasm32-wasip1"], { stdio: "inherit" });
  const out = execFileSync(
    "cargo",
    ["build", "--release", "--target", "wasm32-wasip1", "--bench", "compare_native", "--no-default-features", "--message-format=json"],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28 },
  );
  const artifact = out
    .split("\n")
    .filter((l) => l.includes('"compiler-artifact"') && l.includes("compare_native"))
    .map((l) => JSON.parse(l))
    .flatMap((m) => m.filenames)
    .find((f) => f.endsWith(".wasm"));
  const runner = `import { WASI } from "node:wasi"; import { readFileSync } from "node:fs";
const wasi = new WASI({ version: "preview1", args: ["compare_native", "/data/corpus.jsonl", "/data/terms.json", "/data/evasions.json"], env: {}, preopens: { "/data": ${JSON.stringify(tmp)} } });
const inst = await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(${JSON.stringify(artifact)})), wasi.getImportObject());
wasi.start(inst);`;
  // Node 20's WASI has been seen to crash now and then on long runs: retry.
  let r;
  for (let attempt = 0; attempt < 3; attempt++) {
    r = spawnSync(process.execPath, ["--no-warnings", "--input-type=module", "-e", runner], { encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status === 0) return JSON.parse(r.stdout.trim().split("\n").pop());
    console.error(`WASI benchmark attempt ${attempt + 1} failed: status ${r.status} ${r.signal ?? ""} ${r.stderr}`);
  }
  throw new Error("WASI benchmark failed three times");
}
const wasi = wasiBench();
results.rustrict_wasm = { ...wasi.rustrict.screen, where: "wasm in Node (WASI)", build_ms: wasi.rustrict.build_ms, caught: wasi.rustrict.caught };
results.aho_corasick_wasm = { ...wasi.aho_corasick.screen, where: "wasm in Node (WASI)", build_ms: wasi.aho_corasick.build_ms, caught: wasi.aho_corasick.caught };
firstMatch.aho_corasick_wasm = wasi.aho_corasick.first;

// ---------------------------------------------------------------- start-up
function nodeStartup() {
  const script = `const t0=performance.now();const m=await import(${JSON.stringify(pathToFileURL(join(pkgDir, "node.js")).href)});const t1=performance.now();new m.Engine();const t2=performance.now();console.log(JSON.stringify({instantiate:t1-t0,ready:t2-t0}))`;
  const runs = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    runs.push(JSON.parse(r.stdout));
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  return { instantiate_ms: med("instantiate"), ready_ms: med("ready") };
}
const startup = { node: nodeStartup() };

async function workerdStartup() {
  const mfPath = join(root, "www/node_modules/miniflare/dist/src/index.js");
  if (!existsSync(mfPath)) return null;
  const { Miniflare } = await import(mfPath);
  const dir = join(tmp, "worker");
  mkdirSync(dir, { recursive: true });
  const pkgRel = resolve(pkgDir);
  writeFileSync(join(dir, "with.mjs"), `import { Engine } from "${join(pkgRel, "workerd.js")}"; const e = new Engine(); export default { fetch: () => new Response(e.packs().length) };`);
  writeFileSync(join(dir, "without.mjs"), `export default { fetch: () => new Response("0") };`);
  const one = async (file) => {
    const t0 = performance.now();
    const mf = new Miniflare({ modules: true, scriptPath: join(dir, file), modulesRoot: "/", modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }], compatibilityDate: "2026-04-01" });
    await (await mf.dispatchFetch("http://x/")).text();
    const ms = performance.now() - t0;
    await mf.dispose();
    return ms;
  };
  const runs = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) runs.push((await one("with.mjs")) - (await one("without.mjs")));
  runs.sort((a, b) => a - b);
  return { extra_ms_over_empty_worker: runs[Math.floor(runs.length / 2)] };
}
startup.workerd = await workerdStartup();

// ---------------------------------------------------------------- scaling
function words(n, seed) {
  const r = rng(seed);
  const set = new Set();
  while (set.size < n) {
    const len = 6 + Math.floor(r() * 7);
    let w = "";
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(r() * 26));
    set.add(w);
  }
  return [...set];
}
const scaling = [];
const sub = ads.slice(0, quick ? 100 : 500);
const subBytes = sub.reduce((n, a) => n + Buffer.byteLength(textOf(a)), 0);
for (const n of quick ? [1000, 10000] : [1000, 10000, 100000]) {
  const pack = { schema: 1, pack: { id: `synthetic-${n}`, version: "1" }, rule: [{ id: "s.r", title: "S", category: "c", score: 1, match: { any: words(n, n) } }] };
  const text = JSON.stringify(pack);
  const t0 = performance.now();
  const e = new rf.Engine(text);
  const compile = performance.now() - t0;
  const mem = memoryMb();
  const t1 = performance.now();
  let passes = 0;
  while (passes === 0 || performance.now() - t1 < SECS * 1000) {
    for (const a of sub) e.screen(a);
    passes++;
  }
  const mbps = (subBytes * passes) / ((performance.now() - t1) / 1000) / 1e6;
  scaling.push({ terms: n, compile_ms: compile, memory_mb: mem, mb_per_s: mbps });
  e.free();
}
const inputScaling = [];
for (const size of [100, 1000, 10_000, 100_000]) {
  const a = generate({ n: 1, seed: size, rate: 0, minSize: size, maxSize: size })[0];
  const t0 = performance.now();
  let passes = 0;
  while (passes === 0 || performance.now() - t0 < SECS * 500) {
    engine.screen(a);
    passes++;
  }
  const b = Buffer.byteLength(textOf(a));
  inputScaling.push({ bytes: b, mb_per_s: (b * passes) / ((performance.now() - t0) / 1000) / 1e6 });
}
const memory = { wasm_linear_mb_default_packs: memoryMb(), native_peak_rss_mb: native.peak_rss_kb / 1024 };

// ---------------------------------------------------------------- report
const tools = [
  ["redflag", "redflag (wasm, full pipeline)"],
  ["obscenity", "obscenity 0.4.5 (npm)"],
  ["rustrict_wasm", "rustrict 0.7 (wasm)"],
  ["rustrict", "rustrict 0.7 (native)"],
  ["regex", "JS RegExp alternation"],
  ["aho_corasick_wasm", "bare aho-corasick (wasm)"],
  ["aho_corasick", "bare aho-corasick (native)"],
];
const f1 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const rfMb = results.redflag.mb_per_s;
let md = `# Benchmarks: redflag against the alternatives

Regenerate everything (tables and plots) with:

\`\`\`sh
bash .ci/build-package && (cd www && npm ci) && node benches/compare.mjs
\`\`\`

Machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; shared and noisy, so compare ratios from one run. Corpus: ${ads.length} ${corpusArg ? `ads from ${corpusArg}` : "generated ads (benches/corpus.mjs, seed 42: 100 B to 10 KB, mixed sections, 3 % with indicators, emoji and non-Latin text)"}, ${(bytes / 1e6).toFixed(2)} MB. Term list: the ${terms.length} literal terms of the built-in packs, given to every tool. Generated ${new Date().toISOString().slice(0, 10)}.

## Throughput and latency

| tool | where | MB/s | µs per ad p50 | p99 | redflag ÷ tool | flagged ads | evasion variants caught |
|---|---|---|---|---|---|---|---|
`;
for (const [k, name] of tools) {
  const r = results[k];
  const caught = r.caught.filter(Boolean).length;
  md += `| ${name} | ${r.where} | ${f1(r.mb_per_s)} | ${f1(r.us_p50)} | ${f1(r.us_p99)} | ${k === "redflag" ? "1" : (rfMb / r.mb_per_s).toFixed(2)} | ${r.flagged} | ${caught} of ${evasions.length} |\n`;
}
md += `
Every tool finds every match with its span, as redflag does (obscenity's \`getAllMatches\`, a global RegExp's \`match\`, an overlapping Aho-Corasick pass to the end of the text): that is what highlighting and reviewer notes need. "Flagged ads": redflag counts verdicts at \`warn\` or above (evidence combined and scored); the others count any term found, which on honest text is mostly noise (the term list holds words like "fee" and "visa" that only mean something in combination).

Stopping at the first match instead (obscenity's \`hasMatch\`, \`RegExp.test\`, Aho-Corasick's \`is_match\`) is faster when nearly every ad has some term, which says little about a filter:

| tool, first match only | MB/s | µs per ad p50 | redflag ÷ tool |
|---|---|---|---|
${["obscenity", "regex", "aho_corasick_wasm", "aho_corasick"].map((k) => `| ${tools.find((t) => t[0] === k)[1]} | ${f1(firstMatch[k].mb_per_s)} | ${f1(firstMatch[k].us_p50)} | ${(rfMb / firstMatch[k].mb_per_s).toFixed(2)} |`).join("\n")}

## What each catches (evasion set)

${evasions.length} sentences: ${evasionTerms.length} indicator terms × ${Object.keys(variants).length} writing styles. For redflag, "caught" means its matching form contains the term's matching form (what the rules see).

| style | ${tools.map((t) => t[0]).join(" | ")} |
|---|${tools.map(() => "---").join("|")}|
`;
for (const style of Object.keys(variants)) {
  const idx = evasions.map((e, i) => (e.style === style ? i : -1)).filter((i) => i >= 0);
  md += `| ${style} | ${tools.map(([k]) => `${idx.filter((i) => results[k].caught[i]).length}/${idx.length}`).join(" | ")} |\n`;
}
md += `
## Start-up

| | measured | goal |
|---|---|---|
| Node: import + instantiate | ${startup.node.instantiate_ms.toFixed(1)} ms | |
| Node: import to built-in packs ready | ${startup.node.ready_ms.toFixed(1)} ms | ≤ 5 ms |
| workerd: extra time to first response over an empty worker | ${startup.workerd ? `${startup.workerd.extra_ms_over_empty_worker.toFixed(1)} ms` : "n/a"} | |
| obscenity matcher build (${terms.length} terms) | ${obsBuild.toFixed(1)} ms | |
| JS RegExp build | ${reBuild.toFixed(2)} ms | |
| rustrict, add ${terms.length} terms (native) | ${native.rustrict.build_ms.toFixed(1)} ms | |
| aho-corasick build (native / wasm) | ${native.aho_corasick.build_ms.toFixed(2)} ms / ${wasi.aho_corasick.build_ms.toFixed(2)} ms | |

## Pack size

| terms | compile (wasm) | linear memory after | screening MB/s | vs 1k |
|---|---|---|---|---|
${scaling.map((s) => `| ${s.terms.toLocaleString("en")} | ${s.compile_ms.toFixed(0)} ms | ${s.memory_mb.toFixed(1)} MB | ${f1(s.mb_per_s)} | ${((100 * s.mb_per_s) / scaling[0].mb_per_s).toFixed(0)} % |`).join("\n")}

![Throughput against pack size](results/pack-size.svg)

Screening speed should not depend on the pack while the dense DFA holds it (one table lookup per byte whatever the number of terms), and the runs agree within this machine's noise. The one bend is where a pack's table would pass the 16 MB cap on the dense DFA (\`DFA_MAX_BYTES\`, some tens of thousands of terms): the 100k-term pack is searched with aho-corasick's contiguous NFA, which follows failure links (87 % to 104 % of the 1k-term figure over the runs of 2026-12-01), and its compile time includes the attempt at the dense table. Linear memory grows with the pack's automaton and term tables.

## Input size

| ad size | MB/s |
|---|---|
${inputScaling.map((s) => `| ${s.bytes.toLocaleString("en")} B | ${f1(s.mb_per_s)} |`).join("\n")}

![Throughput against input size](results/input-size.svg)

Throughput per byte rises with the ad's size because each call has a fixed cost (about 9 µs in Node: reading the submission object, building the verdict object) that a short ad cannot spread; from about 10 KB on the work per byte dominates and throughput levels off, roughly linear in the input from there (tests/adversarial.rs screens a megabyte of each of the worst inputs known and prints the time each takes).

## Memory

wasm linear memory with the built-in packs loaded: ${memory.wasm_linear_mb_default_packs.toFixed(1)} MB (it grows and never shrinks, so this includes the pack-size runs above). Native peak RSS of the native comparison process (rustrict and aho-corasick with the terms loaded, the corpus in memory): ${memory.native_peak_rss_mb.toFixed(1)} MB.

![Latency per ad](results/latency.svg)
`;

// ---------------------------------------------------------------- plots
function bars(title, rows, unit) {
  const w = 640, h = 40 + rows.length * 30, max = Math.max(...rows.map((r) => r[1])) || 1;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12"><text x="10" y="20" font-size="14">${title}</text>`;
  rows.forEach(([label, v], i) => {
    const y = 34 + i * 30, bw = ((w - 280) * v) / max;
    s += `<text x="10" y="${y + 14}">${label}</text><rect x="220" y="${y}" width="${bw}" height="20" fill="#2a6fdb"/><text x="${226 + bw}" y="${y + 14}">${f1(v)} ${unit}</text>`;
  });
  return `${s}</svg>\n`;
}
function line(title, pts, xl, yl) {
  const w = 640, h = 320, pad = 50;
  const xs = pts.map((p) => Math.log10(p[0])), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(...ys) * 1.1 || 1;
  const X = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (w - 2 * pad), Y = (y) => h - pad - (y / y1) * (h - 2 * pad);
  let s = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12"><text x="10" y="20" font-size="14">${title}</text>`;
  s += `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#888"/>`;
  s += `<polyline fill="none" stroke="#c0392b" stroke-width="2" points="${pts.map((p) => `${X(Math.log10(p[0]))},${Y(p[1])}`).join(" ")}"/>`;
  pts.forEach((p) => (s += `<circle cx="${X(Math.log10(p[0]))}" cy="${Y(p[1])}" r="4" fill="#c0392b"/><text x="${X(Math.log10(p[0])) - 10}" y="${h - pad + 16}">${p[0].toLocaleString("en")}</text><text x="${X(Math.log10(p[0])) + 6}" y="${Y(p[1]) - 6}">${f1(p[1])}</text>`));
  s += `<text x="${w / 2 - 40}" y="${h - 8}">${xl} (log scale)</text><text x="8" y="${pad - 10}">${yl}</text></svg>\n`;
  return s;
}
mkdirSync(join(here, "results"), { recursive: true });
writeFileSync(join(here, "results/pack-size.svg"), line("redflag throughput against pack size", scaling.map((s) => [s.terms, s.mb_per_s]), "terms in the pack", "MB/s"));
writeFileSync(join(here, "results/input-size.svg"), line("redflag throughput against ad size", inputScaling.map((s) => [s.bytes, s.mb_per_s]), "bytes per ad", "MB/s"));
writeFileSync(join(here, "results/latency.svg"), bars("p99 latency per ad (µs, lower is better)", tools.map(([k, n]) => [n, results[k].us_p99]), "µs"));
writeFileSync(join(here, "results/throughput.svg"), bars("Throughput (MB/s, higher is better)", tools.map(([k, n]) => [n, results[k].mb_per_s]), "MB/s"));
md = md.replace("## What each catches", "![Throughput](results/throughput.svg)\n\n## What each catches");
const goal = (ok) => (ok ? "met" : "**missed**");
const ratio = (k) => rfMb / results[k].mb_per_s;
const pack100k = scaling.find((x) => x.terms === 100000);
md += `
## Goals

| goal | measured | |
|---|---|---|
| full pipeline in wasm ≥ 6× obscenity's throughput | ${ratio("obscenity").toFixed(2)}× | ${goal(ratio("obscenity") >= 6)} |
| ≥ 15× rustrict's | ${ratio("rustrict_wasm").toFixed(2)}× rustrict in wasm (${ratio("rustrict").toFixed(2)}× native) | ${goal(ratio("rustrict_wasm") >= 15)} |
| ≥ half the speed of a bare aho-corasick pass | ${(100 * ratio("aho_corasick_wasm")).toFixed(2)} % of it in wasm (${(100 * ratio("aho_corasick")).toFixed(2)} % native) | ${goal(ratio("aho_corasick_wasm") >= 0.5)} |
| ready in ≤ 5 ms | ${startup.node.ready_ms.toFixed(1)} ms in Node | ${goal(startup.node.ready_ms <= 5)} |
| a 100k-term pack at ≥ 50 % of the 1k-term throughput | ${pack100k ? `${((100 * pack100k.mb_per_s) / scaling[0].mb_per_s).toFixed(0)} %` : "n/a"} | ${pack100k ? goal(pack100k.mb_per_s >= 0.5 * scaling[0].mb_per_s) : ""} |

On this corpus redflag's full pipeline runs ${ratio("obscenity").toFixed(1)}× obscenity's and ${ratio("rustrict_wasm").toFixed(1)}× rustrict's throughput (both in Node; ${ratio("rustrict").toFixed(1)}× rustrict native) and ${(100 * ratio("aho_corasick_wasm")).toFixed(0)} % of a bare Aho-Corasick pass in wasm, catches ${results.redflag.caught.filter(Boolean).length} of ${evasions.length} evasion variants (obscenity ${results.obscenity.caught.filter(Boolean).length}, rustrict ${results.rustrict.caught.filter(Boolean).length}, the RegExp and the bare pass ${results.regex.caught.filter(Boolean).length}), and flags ${results.redflag.flagged} ads where the term matchers flag ${results.obscenity.flagged}: a term list alone cannot tell "registration fee" in a job scam from "no registration fee". ${["obscenity", "rustrict_wasm", "aho_corasick_wasm"].filter((k) => ratio(k) < { obscenity: 6, rustrict_wasm: 15, aho_corasick_wasm: 0.5 }[k]).length ? "Goals marked missed are explained below." : "Every throughput goal is met."} Figures move by tens of percent between runs on this shared machine; the ratios within one run are what to compare.

### Where the time goes

Instruction counts, reproducible on this noisy machine (\`cargo build --release && node benches/corpus.mjs 300 > c.jsonl && valgrind --tool=callgrind ./target/release/redflag scan c.jsonl > /dev/null\`, then \`callgrind_annotate --inclusive=yes\`), native, 300 generated ads (0.71 MB), 2026-12-01: about 436 instructions per byte in all with the packs' 1,561 terms (396 before the day's evasion fixes to the normaliser, 580 before the first round of speed work).

| part | share |
|---|---|
| normalisation (one streaming walk; spacing, leetspeak and number words only on the segments that need them, and the whole text again when it is written in leetspeak throughout) | ~46 % |
| entity extraction (contacts, prices, ages: only the kinds the section's rules can use; adult and personals ads need five extractors for the hidden-contact and stated-age rules) | ~35 % |
| the term DFA and match reporting, and the joined-words search on spaced-out text | ~4 % |
| condition evaluation, scoring, the verdict | ~5 % |
| building the engine once, JSON in and out of the CLI | the rest |

The evasion fixes of 2026-12-01 cost about 10 % (396 → 436 instructions per byte): tracking leetspeak evidence in the walk and rerunning leet-heavy texts whole, building the joined-words search once for the spaced-out ads in the corpus, watching for stretched number words, and reading number words in leetspeak or spaced out in the entity form. What changed before, measured the same way: the five normalisation passes became one walk with the three rewriting passes run only on segments a counter flags (normalisation alone 42 → 21 µs per 2 KB ad); the contiguous NFA became a dense DFA built for start-up (term search with match reporting: from more than 8 % of instructions to about 4 %); extraction stopped copying a string per word. In wasm the fixed cost of a call is about 9 µs (JavaScript object in, verdict object out); a flagged verdict with four rules and twelve hits costs about 100 µs to convert, most of it decoding strings.

Why the two ratio goals against rustrict and the bare pass are not met: rustrict's \`is()\` scans once with a trie and returns one answer, with no spans, no evidence combination and no entity extraction; a bare Aho-Corasick pass does one table lookup per byte. redflag's normalisation alone (which is what makes the evasion rows above come out right) costs more than either whole tool. The next steps, in order of expected gain: run the extractors only around candidate characters (digits, \`@\`, dots and their spelled forms) instead of over a second copy of every text; make the normaliser's per-character path allocation-free and branch-light (it still spends about 130 instructions per character); and convert verdicts with cached JavaScript strings for rule ids, titles and references.
`;
writeFileSync(join(here, "RESULTS.md"), md + (quick ? "\n(Quick run: fewer ads, shorter timings.)\n" : ""));
writeFileSync(join(here, "results/results.json"), JSON.stringify({ results, firstMatch, startup, scaling, inputScaling, memory, terms: terms.length, ads: ads.length, bytes }, null, 2));
console.log(md);
