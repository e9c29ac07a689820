// Pictures at the edge, measured in workerd (figures in docs/images.md):
// the image module's cold load and the time to hash one picture, from the
// client's side (workerd's clocks do not advance during a request, so the
// worker cannot time itself). A bounded run: W fresh workers, N requests
// each, on 127.0.0.1 with a real origin.
//
//   node www/edge/images-bench.mjs [workers=5] [requests=20]
//
// For each worker: 10 text-only requests to warm it, then one request with a
// 1-megapixel JPEG (cold: the module is loaded, then the picture hashed),
// then N requests with the same JPEG and N with a part of the same size
// that is not a picture (warm). Hash time = median(JPEG) - median(not a
// picture); cold load = first JPEG - median(JPEG).
import { randomBytes } from "node:crypto";
import { startOrigin, startWorker } from "../test/helpers/edge.mjs";
import { keypair, signPack } from "../test/helpers/sign.mjs";
import { jpeg, scene } from "../test/helpers/pictures.mjs";

const workers = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 20);
const SECRET = "bench-secret-0123456789abcdef";

function multipart(file) {
  const b = `----redflagbench${randomBytes(6).toString("hex")}`;
  return {
    type: `multipart/form-data; boundary=${b}`,
    body: Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="body"\r\n\r\nRoad bike, new tyres, collection only.\r\n`),
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]),
  };
}

async function time(url, enc) {
  const t0 = performance.now();
  const res = await fetch(`${url}/ads`, { method: "POST", body: enc.body, headers: { "content-type": enc.type } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - t0;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const picture = jpeg(scene(2, 1152, 868), 85); // 1,000,000 pixels (1152 × 868)
const notPicture = randomBytes(picture.length);
notPicture[0] = 0; // not a picture's first bytes
const { publicKey, privateKey } = keypair();
const list = signPack(JSON.stringify({ redflag_hash_list: 1, id: "bench", version: "1.0.0", policy: "block", reason: "benchmark", hashes: Array.from({ length: 1000 }, () => ({ pdq: randomBytes(32).toString("hex") })) }), "2099-01-01T00:00:00Z", privateKey);
const origin = await startOrigin({ VERDICT_SECRET: SECRET });
const rows = [];
try {
  for (let k = 0; k < workers; k++) {
    const w = await startWorker({ ORIGIN: origin.url, VERDICT_SECRET: SECRET, PACK_PUBLIC_KEYS: publicKey, HASH_LISTS: list, MAX_BODY_BYTES: String(4 << 20) }, { images: true });
    try {
      for (let i = 0; i < 10; i++) await time(w.url, multipart(notPicture));
      const cold = await time(w.url, multipart(picture));
      const warm = [];
      const plain = [];
      for (let i = 0; i < requests; i++) {
        warm.push(await time(w.url, multipart(picture)));
        plain.push(await time(w.url, multipart(notPicture)));
      }
      rows.push({ cold, warm: median(warm), plain: median(plain) });
    } finally {
      await w.stop();
    }
  }
} finally {
  await origin.stop();
}
for (const r of rows) console.log(`cold first picture ${r.cold.toFixed(1)} ms; warm picture ${r.warm.toFixed(1)} ms; same size, not a picture ${r.plain.toFixed(1)} ms`);
const hash = rows.map((r) => r.warm - r.plain);
const load = rows.map((r) => r.cold - r.warm);
console.log(`1-megapixel JPEG (${picture.length} bytes), list of 1000 hashes, ${workers} fresh workers × ${requests} requests:`);
console.log(`  hash time per picture in workerd (decode, PDQ, 8 variants, match): median ${median(hash).toFixed(1)} ms (range ${Math.min(...hash).toFixed(1)}–${Math.max(...hash).toFixed(1)})`);
console.log(`  image module cold load in workerd (import, instantiate, first list): median ${median(load).toFixed(1)} ms (range ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)})`);
