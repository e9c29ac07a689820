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

// Worst-case inputs (see benches/hostile.rs for the native set): throughput
// against real ads of the same size, and the wasm memory each size needs.
// Linear memory only grows; what matters is that it stops growing (the
// allocator reuses it) once the largest input has been seen.
{
  const glue = await import(join(pkg, "redflag.js"));
  const exports = glue.initSync({ module: readFileSync(join(pkg, "redflag_bg.wasm")) });
  const mem = () => exports.memory.buffer.byteLength;
  const e2 = new glue.Engine();
  const realText = ads.map((a) => a.body || "").join("\n");
  // `unit` repeated to at most `n` UTF-8 bytes.
  const fill = (unit, n) => {
    let s = unit.repeat(Math.ceil(n / unit.length) + 1);
    while (Buffer.byteLength(s) > n) s = s.slice(0, Math.floor(s.length * n / Buffer.byteLength(s)) - 1);
    return s;
  };
  const shapes = [
    ["real", "jobs", realText],
    ["spaced letters", "adult", "r o s e h r f e e v i s a p a s s p o r t "],
    ["one term", "jobs", "passport kept "],
    ["entities", "adult", "girl 16 yo, 200 roses, call 555-0100 or a@example.com; fee $300, 17 years old. "],
    ["masked", "jobs", "p*ssport h*ld d*bt f*e w*ges "],
    ["255-letter words", "jobs", "a".repeat(255) + " "],
  ];
  for (const n of [1 << 10, 64 << 10, 1 << 20]) {
    const row = [];
    let base = 0;
    for (const [name, section, unit] of shapes) {
      const ad = { section, body: fill(unit, n - 64) };
      const before = mem();
      e2.screen(ad);
      const grew = mem() - before;
      const reps = n >= 1 << 20 ? 3 : n >= 64 << 10 ? 10 : 200;
      const t = performance.now();
      for (let i = 0; i < reps; i++) e2.screen(ad);
      const mbps = (n / 1e6) / ((performance.now() - t) / 1000 / reps);
      if (name === "real") base = mbps;
      row.push(`${name} ${mbps.toFixed(2)} MB/s (x${(base / mbps).toFixed(1)} slower${grew ? `, memory +${(grew / 1048576).toFixed(1)} MiB` : ""})`);
    }
    console.log(`hostile ${n >> 10} KB: ${row.join("; ")}`);
  }
  console.log(`wasm memory after every size: ${(mem() / 1048576).toFixed(1)} MiB`);
}
