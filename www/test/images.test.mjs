// The image module (wasm/images, built into pkg/images/ by
// .ci/build-images): PDQ hashes in wasm, bit for bit against Meta's C++
// reference on the generated pictures of tests/fixtures/pdq-reference.json,
// hash lists, limits and hostile files as thrown errors, and the hash time
// per megapixel.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { pngChunk } from "./helpers/pictures.mjs";
import { root } from "./helpers/package.mjs";

const dir = join(root, "pkg/images");
let images;

before(async () => {
  const wasm = join(dir, "redflag_images_bg.wasm");
  assert.ok(existsSync(wasm), `${wasm} is missing: run bash .ci/build-images`);
  images = await import(pathToFileURL(join(dir, "redflag_images.js")).href);
  images.initSync({ module: readFileSync(wasm) });
});

/** A PNG of `channels` (1 grey, 3 RGB) 8-bit samples, rows unfiltered. */
function png(width, height, channels, samples) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(samples.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The grey pictures of .ci/pdq-reference.py (the same integer formulas). */
function referencePixels(k, w, h) {
  const out = new Uint8Array(w * h);
  const idiv = (a, b) => Math.floor(a / b);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = (idiv(x * 255, Math.max(w - 1, 1)) + k * 40) % 256;
      let g = (idiv(y * 255, Math.max(h - 1, 1)) * (k + 1)) % 256;
      let b = ((x * (7 + k)) ^ (y * (13 + 3 * k))) % 256;
      const rect = x >= idiv(w, 3 + (k % 2)) && x < idiv(w, 2) + idiv(w, 5) && y >= idiv(h, 4) && y < idiv(h, 2) + idiv(h, 7);
      if (rect) [r, g, b] = [250, 240 - 10 * k, 20];
      out[y * w + x] = idiv(2 * r + 5 * g + b, 8);
    }
  }
  return out;
}

const reference = JSON.parse(readFileSync(join(root, "tests/fixtures/pdq-reference.json"), "utf8"));

test("hashes in wasm agree bit for bit with Meta's reference, dihedral variants included", () => {
  for (const v of reference.vectors) {
    const file = png(v.width, v.height, 1, referencePixels(v.k, v.width, v.height));
    const h = images.hashImage(file, { dihedral: true });
    assert.equal(h.pdq, v.pdq, v.name);
    assert.equal(h.quality, v.quality, v.name);
    assert.deepEqual([h.width, h.height], [v.width, v.height]);
    assert.deepEqual(h.variants.map((x) => x.transform), reference.dihedral_order);
    assert.deepEqual(h.variants.map((x) => x.pdq), v.dihedral, v.name);
    // Without the option, no variants.
    assert.equal(images.hashImage(file).variants, undefined);
  }
});

test("hash lists match within the threshold and name the entry", () => {
  const [a, b] = reference.vectors.slice(4, 6);
  const list = new images.HashList(`# known\n${a.pdq} case 12\n${b.pdq},88\n`);
  assert.equal(list.length, 2);
  assert.equal(images.defaultThreshold(), 31);
  assert.deepEqual(list.find(a.pdq), [{ pdq: a.pdq, label: "case 12", distance: 0 }]);
  // One hex digit changed from 0 to f flips four bits.
  const near = (a.pdq[0] === "0" ? "f" : "0") + a.pdq.slice(1);
  assert.equal(images.distance(near, a.pdq), (parseInt(a.pdq[0], 16) ^ parseInt(near[0], 16)).toString(2).replace(/0/g, "").length);
  assert.equal(list.find(near)[0].label, "case 12");
  assert.deepEqual(list.find(near, 0), []);
  assert.ok(images.distance(a.pdq, b.pdq) > 31);
  assert.throws(() => new images.HashList("not a hash\n"), /^Error: list: line 1: /);
  assert.throws(() => images.distance("abc", a.pdq), /invalid_hash/);
});

test("hostile and unsupported files are thrown errors, and the module keeps working", () => {
  // A PNG header announcing 100000 × 100000 pixels.
  const bomb = png(5, 5, 1, new Uint8Array(25));
  bomb.writeUInt32BE(100000, 16);
  bomb.writeUInt32BE(100000, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
  assert.throws(() => images.hashImage(bomb), /^Error: too_large: the header announces 100000×100000 pixels, over max_width/);
  const file = png(640, 480, 1, referencePixels(4, 640, 480));
  assert.throws(() => images.hashImage(file.subarray(0, file.length / 2)), /^Error: malformed: /);
  assert.throws(() => images.hashImage(new Uint8Array(0)), /^Error: unsupported_format: /);
  assert.throws(() => images.hashImage(Buffer.from("GIF89a......")), /unsupported_format/);
  assert.throws(() => images.hashImage(png(4, 4, 1, new Uint8Array(16))), /^Error: too_small: /);
  assert.throws(() => images.hashImage(file, { maxPixels: 1000 }), /too_large: .* over max_pixels/);
  assert.throws(() => images.hashImage(file, { maxBytes: 100 }), /^Error: too_many_bytes: /);
  assert.throws(() => images.hashImage(file, { maxWidth: -1 }), /maxWidth must be a non-negative integer/);
  // Still usable after every error above.
  assert.equal(images.hashImage(file).pdq, reference.vectors[4].pdq);
});

test("hash time per megapixel in Node (decoding a PNG included)", (t) => {
  const v = reference.vectors.find((x) => x.name === "large");
  const grey = referencePixels(v.k, v.width, v.height);
  const rgb = new Uint8Array(grey.length * 3);
  grey.forEach((g, i) => rgb.fill(g, 3 * i, 3 * i + 3));
  const file = png(v.width, v.height, 3, rgb);
  images.hashImage(file); // warm up
  const runs = 5;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) images.hashImage(file);
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / runs;
  const mp = (v.width * v.height) / 1e6;
  t.diagnostic(`${v.width}×${v.height} RGB PNG: ${ms.toFixed(1)} ms, ${(ms / mp).toFixed(1)} ms per megapixel`);
  // A generous bound: a shared CI machine, and the hash is linear in pixels.
  assert.ok(ms / mp < 2000, `${ms / mp} ms per megapixel`);
});
