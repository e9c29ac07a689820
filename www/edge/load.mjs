// A bounded load run against the edge worker: N requests at concurrency C
// with a hostile mix (every tier; form, JSON and multipart bodies; the
// shapes of issue #19: nested JSON, JSON arrays, repeated fields, UTF-16,
// text/plain, text attachments, route variants, PATCH, invalid bytes and a
// few bodies past the size limit), then a check with the origin's log that
// every non-blocked request arrived exactly once with its body intact and
// its expected verdict, and no blocked one did. Stops by itself. Used by
// the edge test (correctness) and as a benchmark (figures in docs/operators.md, "Load run"):
//
//   node www/edge/load.mjs [requests=2000] [concurrency=100]
//
// As a benchmark it also measures the handler's CPU time per request in
// Node (the same core.js and .wasm the worker runs; workerd does not expose
// per-request CPU time to the worker itself).
import { createHash, randomUUID } from "node:crypto";

const BLOCK = "Sweet new girl, age: 16, discreet incall, text me.";
const HONEST = "Line cook wanted. Full time, paid training, we never charge fees. Apply in person.";

const form = (fields) => ({ type: "application/x-www-form-urlencoded", data: Buffer.from(new URLSearchParams(fields).toString()) });
const json = (v) => ({ type: "application/json", data: Buffer.from(JSON.stringify(v)) });
function multipart(fields, file) {
  const b = `----redflagload${randomUUID().slice(0, 8)}`;
  const parts = Object.entries(fields).map(([k, v]) => Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), Buffer.from(file.data), Buffer.from("\r\n"));
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { type: `multipart/form-data; boundary=${b}`, data: Buffer.concat(parts) };
}

/** [expected tier at the origin (block: 422, never forwarded), make(i, maxBody) → { type, data, path?, method? }] */
const MIX = [
  ["allow", (i) => form({ section: "for-sale", title: `Ad ${i}`, body: "Road bike 🚲, aluminium frame, café racer tape, new tyres. Collection only." })],
  ["allow", (i) => json({ section: "housing", title: `Ad ${i}`, body: "Sunny room in shared flat, 450 EUR per month, bills included. No agency fees." })],
  ["allow", (i) => multipart({ section: "jobs", title: `Ad ${i}`, body: HONEST }, { name: "photo.jpg", type: "image/jpeg", data: Buffer.from(Array.from({ length: 2000 }, (_, k) => (k * 37 + 11) % 256)) })],
  ["warn", (i) => form({ section: "jobs", title: `Ad ${i}`, body: "Hotel jobs in town. A registration fee is required before you start." })],
  ["review", (i) => json({ section: "jobs", title: `Ad ${i}`, body: "Your passport will be kept by the employer. Start before the summer." })],
  ["block", (i) => form({ section: "adult", title: `Ad ${i}`, body: BLOCK })],
  // The shapes of #19: each must still block.
  ["block", (i) => json({ ad: { section: "adult", title: `Ad ${i}`, body: BLOCK } })],
  ["block", () => json([{ section: "adult", body: BLOCK }])],
  ["block", () => json({ section: ["adult"], body: ["Hello", BLOCK] })],
  ["block", () => ({ type: "application/x-www-form-urlencoded", data: Buffer.from(`section=community&section=adult&body=${encodeURIComponent(BLOCK)}`) })],
  ["block", () => ({ type: "application/x-www-form-urlencoded; charset=utf-16le", data: Buffer.from(`section=adult&body=${BLOCK}`, "utf16le") })],
  ["block", () => ({ type: "text/plain", data: Buffer.from(BLOCK) })],
  ["block", () => multipart({ section: "adult", title: "New" }, { name: "ad.txt", type: "text/plain", data: BLOCK })],
  ["block", () => ({ ...form({ section: "adult", body: BLOCK }), path: "/ADS/;x" })],
  ["block", () => ({ ...json({ section: "adult", body: BLOCK }), path: "/api/ads/9", method: "PATCH" })],
  ["review", () => ({ type: "application/x-www-form-urlencoded", data: Buffer.concat([Buffer.from(`section=jobs&body=${encodeURIComponent(HONEST)}`), Buffer.from([0xff])]) })],
];

/** Every 250th request is a body past the limit: half honest (review, truncated), half blocked by its first bytes. */
function maxSize(i, maxBody) {
  const text = i % 500 === 0 ? HONEST : BLOCK;
  const head = Buffer.from(`section=${text === BLOCK ? "adult" : "jobs"}&body=${encodeURIComponent(text)}&pad=`);
  return [text === BLOCK ? "block" : "review", { type: "application/x-www-form-urlencoded", data: Buffer.concat([head, Buffer.alloc(maxBody + 4096 - head.length, "x")]) }];
}

export function request(i, maxBody = 1 << 20) {
  if (i % 250 === 0) {
    const [tier, b] = maxSize(i, maxBody);
    return { tier, ...b };
  }
  const [tier, make] = MIX[i % MIX.length];
  return { tier, ...make(i) };
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

/** Runs the load; `origin` has `log()` (the origin's records). `maxBody`: the worker's MAX_BODY_BYTES. */
export async function runLoad({ worker, origin, requests = 2000, concurrency = 100, maxBody = 1 << 20 }) {
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
      const b = request(i, maxBody);
      const id = `${run}-${i}`;
      const start = performance.now();
      try {
        const res = await fetch(`${worker}${b.path ?? "/ads"}`, { method: b.method ?? "POST", body: b.data, headers: { "content-type": b.type, "x-test-id": id, accept: "application/json" } });
        await res.arrayBuffer();
        const want = b.tier === "block" ? 422 : 200;
        if (res.status !== want) unexpected.push(`${id} ${b.tier}: HTTP ${res.status}`);
      } catch (e) {
        unexpected.push(`${id}: ${e.message}`);
      }
      latencies.push(performance.now() - start);
      byTier[b.tier] += 1;
      sent.push({ id, tier: b.tier, sha: createHash("sha256").update(b.data).digest("hex"), length: b.data.length });
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
  let screenedAsEmpty = 0;
  for (const s of sent) {
    const got = seen.get(s.id) ?? [];
    if (s.tier === "block") {
      leaked += got.length;
      continue;
    }
    if (got.length === 0) lost += 1;
    if (got.length > 1) duplicated += got.length - 1;
    const o = got[0];
    if (!o) continue;
    const verdict = o.headers["x-redflag-verdict"];
    // Screened as nothing: forwarded as allow (or error) although the text says otherwise.
    if (s.tier !== "allow" && (verdict === "allow" || verdict === "error")) screenedAsEmpty += 1;
    if (o.sha256 !== s.sha || o.length !== s.length || verdict !== s.tier || !o.tokenValid) unexpected.push(`${s.id}: body, verdict (${verdict}, want ${s.tier}) or token changed`);
  }
  latencies.sort((a, b) => a - b);
  return { requests, concurrency, seconds, rps: requests / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99), lost, duplicated, leaked, screenedAsEmpty, unexpected, byTier };
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
    fetchOrigin: async (r) => {
      await r.arrayBuffer();
      return new Response("ok");
    },
    log: () => {},
  });
  const cpu = [];
  for (let i = 0; i < requests; i++) {
    const b = request(i);
    const req = new Request(`http://edge.test${b.path ?? "/ads"}`, { method: b.method ?? "POST", body: b.data, headers: { "content-type": b.type } });
    const t0 = performance.now();
    const res = await handle(req);
    await res.arrayBuffer();
    cpu.push({ ms: performance.now() - t0, big: i % 250 === 0 });
  }
  const warm = cpu.slice(100).filter((c) => !c.big).map((c) => c.ms).sort((a, b) => a - b);
  const big = cpu.filter((c) => c.big).map((c) => c.ms).sort((a, b) => a - b);
  return { requests, p50: pct(warm, 50), p99: pct(warm, 99), max: warm.at(-1), maxSizeMax: big.at(-1) ?? 0, maxSizeP50: pct(big, 50) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startOrigin, startWorker, workerDir } = await import("../test/helpers/edge.mjs");
  const { join } = await import("node:path");
  const requests = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 100);
  const origin = await startOrigin({ VERDICT_SECRET: "bench-secret-0123456789abcdef" });
  const worker = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: "bench-secret-0123456789abcdef", COUNTERS_EVERY: "1000000" });
  try {
    const r = await runLoad({ worker: worker.url, origin, requests, concurrency });
    console.log(`workerd on loopback: ${r.requests} requests (hostile mix, ${Math.floor((r.requests - 1) / 250) + 1} past the 1 MiB limit), concurrency ${r.concurrency}: ${r.rps.toFixed(0)} req/s; latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms; lost ${r.lost}, duplicated ${r.duplicated}, blocked-but-forwarded ${r.leaked}, screened-as-empty ${r.screenedAsEmpty}, unexpected ${r.unexpected.length}`);
    for (const u of r.unexpected.slice(0, 10)) console.log(`  ${u}`);
    const dir = workerDir();
    const pkg = await import(join(dir, "node_modules/redflag/node.js"));
    const core = await import("./core.js");
    const c = await handlerCpu({ Engine: pkg.Engine, createHandler: core.createHandler, configFromEnv: core.configFromEnv, requests });
    console.log(`handler time per request, serial (Node, same core.js and .wasm; bounds the CPU time): p50 ${c.p50.toFixed(3)} ms, p99 ${c.p99.toFixed(3)} ms, max ${c.max.toFixed(3)} ms; bodies past the limit: p50 ${c.maxSizeP50.toFixed(1)} ms, max ${c.maxSizeMax.toFixed(1)} ms`);
    if (r.lost || r.leaked || r.screenedAsEmpty || r.unexpected.length) process.exitCode = 1;
  } finally {
    await worker.stop();
    await origin.stop();
  }
}
