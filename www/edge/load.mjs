// A bounded load run against the edge worker: N requests at concurrency C
// with a mix of tiers and body types, then a check with the origin's log
// that every non-blocked request arrived exactly once and no blocked one
// did. Stops by itself. Used by the edge test (correctness) and as a
// benchmark (figures in README.md):
//
//   node www/edge/load.mjs [requests=2000] [concurrency=50]
//
// As a benchmark it also measures the handler's CPU time per request in
// Node (the same core.js and .wasm the worker runs; workerd does not expose
// per-request CPU time to the worker itself).
import { createHash, randomUUID } from "node:crypto";

const MIX = [
  ["allow", "for-sale", "Road bike 🚲, aluminium frame, café racer tape, new tyres. Collection only."],
  ["allow", "housing", "Sunny room in shared flat, 450 EUR per month, bills included. No agency fees."],
  ["allow", "jobs", "Line cook wanted. Full time, paid training, we never charge fees. Apply in person."],
  ["warn", "jobs", "Hotel jobs abroad. A registration fee is required before you start."],
  ["review", "jobs", "Your passport will be kept by the employer. Start before the summer."],
  ["block", "adult", "Sweet new girl, age: 16, discreet incall, text me."],
];

function body(i, [tier, section, text]) {
  const fields = { section, title: `Ad ${i}`, body: text };
  if (i % 3 === 0) return { tier, type: "application/json", data: Buffer.from(JSON.stringify(fields)) };
  return { tier, type: "application/x-www-form-urlencoded", data: Buffer.from(new URLSearchParams(fields).toString()) };
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** Runs the load; `origin` has `log()` (the origin's records). */
export async function runLoad({ worker, origin, requests = 2000, concurrency = 50 }) {
  const run = randomUUID();
  const sent = [];
  const latencies = [];
  const unexpected = [];
  const byTier = { allow: 0, warn: 0, review: 0, block: 0 };
  let next = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < requests) {
      const i = next++;
      const b = body(i, MIX[i % MIX.length]);
      const id = `${run}-${i}`;
      const start = performance.now();
      try {
        const res = await fetch(`${worker}/ads`, { method: "POST", body: b.data, headers: { "content-type": b.type, "x-test-id": id, accept: "application/json" } });
        await res.arrayBuffer();
        const want = b.tier === "block" ? 422 : 200;
        if (res.status !== want) unexpected.push(`${id} ${b.tier}: HTTP ${res.status}`);
      } catch (e) {
        unexpected.push(`${id}: ${e.message}`);
      }
      latencies.push(performance.now() - start);
      byTier[b.tier] += 1;
      sent.push({ id, tier: b.tier, sha: createHash("sha256").update(b.data).digest("hex") });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const log = (await origin.log()).filter((r) => r.headers["x-test-id"]?.startsWith(run));
  const seen = new Map();
  for (const r of log) seen.set(r.headers["x-test-id"], [...(seen.get(r.headers["x-test-id"]) ?? []), r]);
  let lost = 0;
  let duplicated = 0;
  let leaked = 0;
  for (const s of sent) {
    const got = seen.get(s.id) ?? [];
    if (s.tier === "block") {
      leaked += got.length;
      continue;
    }
    if (got.length === 0) lost += 1;
    if (got.length > 1) duplicated += got.length - 1;
    if (got[0] && (got[0].sha256 !== s.sha || got[0].headers["x-redflag-verdict"] !== s.tier)) unexpected.push(`${s.id}: body or verdict changed`);
  }
  latencies.sort((a, b) => a - b);
  return { requests, concurrency, seconds, rps: requests / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), lost, duplicated, leaked, unexpected, byTier };
}

/**
 * Time of the handler per request, in Node, origin stubbed out, one request
 * at a time: the wall time of a serial run is an upper bound of the CPU
 * time (process.cpuUsage() is too coarse and counts every thread).
 */
export async function handlerCpu({ Engine, createHandler, configFromEnv, requests = 2000 }) {
  const engine = new Engine();
  const handle = createHandler({
    config: configFromEnv({ ORIGIN: "http://origin.invalid", VERDICT_SECRET: "bench-secret-0123456789abcdef", COUNTERS_EVERY: "1000000" }),
    getEngine: () => engine,
    fetchOrigin: async () => new Response("ok"),
    log: () => {},
  });
  const cpu = [];
  for (let i = 0; i < requests; i++) {
    const b = body(i, MIX[i % MIX.length]);
    const req = new Request("http://edge.test/ads", { method: "POST", body: b.data, headers: { "content-type": b.type } });
    const t0 = performance.now();
    const res = await handle(req);
    await res.arrayBuffer();
    cpu.push(performance.now() - t0);
  }
  const warm = cpu.slice(100).sort((a, b) => a - b);
  return { requests, p50: pct(warm, 50), p99: pct(warm, 99), max: warm.at(-1) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startOrigin, startWorker, workerDir } = await import("../test/helpers/edge.mjs");
  const { join } = await import("node:path");
  const requests = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 50);
  const origin = await startOrigin({ VERDICT_SECRET: "bench-secret-0123456789abcdef" });
  const worker = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: "bench-secret-0123456789abcdef", COUNTERS_EVERY: "1000000" });
  try {
    const r = await runLoad({ worker: worker.url, origin, requests, concurrency });
    console.log(`workerd on loopback: ${r.requests} requests, concurrency ${r.concurrency}: ${r.rps.toFixed(0)} req/s; latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms; lost ${r.lost}, duplicated ${r.duplicated}, leaked ${r.leaked}, unexpected ${r.unexpected.length}`);
    const dir = workerDir();
    const pkg = await import(join(dir, "node_modules/redflag/node.js"));
    const core = await import("./core.js");
    const c = await handlerCpu({ Engine: pkg.Engine, createHandler: core.createHandler, configFromEnv: core.configFromEnv, requests });
    console.log(`handler time per request, serial (Node, same core.js and .wasm; bounds the CPU time): p50 ${c.p50.toFixed(3)} ms, p99 ${c.p99.toFixed(3)} ms, max ${c.max.toFixed(3)} ms`);
  } finally {
    await worker.stop();
    await origin.stop();
  }
}
