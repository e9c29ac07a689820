// Size, start-up and throughput of the built wasm package in Node.
//
//   bash .ci/build-package && node benches/wasm.mjs
//
// Start-up is measured in fresh processes (a cold isolate each time, as a
// page load or a worker cold start sees it); medians are reported.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const wasm = readFileSync(join(pkg, "redflag_bg.wasm"));
console.log(`.wasm: ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} bytes gzip -9`);

const probe = `
const t0 = performance.now();
const { readFileSync } = await import("node:fs");
const glue = await import(${JSON.stringify(join(pkg, "redflag.js"))});
const bytes = readFileSync(${JSON.stringify(join(pkg, "redflag_bg.wasm"))});
const t1 = performance.now();
glue.initSync({ module: bytes });
const t2 = performance.now();
const engine = new glue.Engine();
const t3 = performance.now();
engine.screen({ section: "jobs", body: "Registration fee 200 USD" });
const t4 = performance.now();
console.log(JSON.stringify({ instantiate: t2 - t1, engine: t3 - t2, first: t4 - t3, ready: t3 - t1 }));
`;
// V8 compiles wasm functions lazily, on their first call; with
// --no-wasm-lazy-compilation it compiles them all at instantiation, which
// shows what start-up costs once compiled code is at hand (a browser's code
// cache, a warm worker isolate).
for (const [label, flags] of [["lazy compilation (Node's default)", []], ["eager compilation", ["--no-wasm-lazy-compilation"]]]) {
  const runs = [];
  for (let i = 0; i < 9; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, [...flags, "--input-type=module", "-e", probe], { encoding: "utf8" })));
  }
  console.log(`${label}:`);
  for (const k of ["instantiate", "engine", "ready", "first"]) {
    console.log(`  ${k.padEnd(12)} median ${median(runs.map((r) => r[k])).toFixed(1)} ms`);
  }
}

const { Engine } = await import(join(pkg, "node.js"));
const engine = new Engine();
const ads = readFileSync(join(root, "examples/ads.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((a) => typeof a.section !== "number");
const long = { section: "jobs", title: "Seasonal hotel staff", body: readFileSync(join(root, "benches/screen.rs"), "utf8").match(/We are a family[\s\S]*?season ahead\./)[0].replace(/\\\n\s*/g, "") };
const flagged = { section: "jobs", title: "Work abroad", body: "Your passport will be kept by the agency. Registration fee 300 USD. No experience needed, travel paid." };
for (const [name, corpus] of [["an empty ad (fixed cost per call)", [{ body: "" }]], ["a flagged ad (4 rules, 12 hits)", [flagged]], ["examples/ads.jsonl", ads], ["2 KB job ad", [long]]]) {
  const bytes = corpus.reduce((n, a) => n + Buffer.byteLength(Object.values(a).filter((v) => typeof v === "string").join("")), 0);
  for (let i = 0; i < 200; i++) for (const a of corpus) engine.screen(a); // warm up (tier-up)
  const times = [];
  for (let r = 0; r < 15; r++) {
    const t = performance.now();
    for (let i = 0; i < 100; i++) for (const a of corpus) engine.screen(a);
    times.push((performance.now() - t) / 100);
  }
  const ms = median(times);
  console.log(`screen ${name}: ${(ms * 1000 / corpus.length).toFixed(0)} µs per ad, ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`);
}
