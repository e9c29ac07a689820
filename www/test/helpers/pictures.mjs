// Synthetic test pictures for the image tests: made-up patterns (gradients,
// blocks, discs, stripes), encoded here as PNG (zlib) and JPEG (jpeg-js, a
// pure JavaScript encoder). No photograph of anything.
import { crc32, deflateSync } from "node:zlib";
import { createRequire } from "node:module";
import { join } from "node:path";
import { root } from "./package.mjs";

const require = createRequire(import.meta.url);
const jpegJs = require(join(root, "www/node_modules/jpeg-js"));

/** RGB pixels of a made-up scene; `seed` moves its shapes and colours. */
export function scene(seed, width = 320, height = 240) {
  const rgb = new Uint8Array(width * height * 3);
  const sx = width / 320;
  const sy = height / 240;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const X = x / sx;
      const Y = y / sy;
      const block = X > 30 * seed && X < 30 * seed + 120 && Y > 60 && Y < 150;
      const cx = 300 - 40 * seed;
      const cy = 60 + 25 * seed;
      const disc = (X - cx) ** 2 + (Y - cy) ** 2 < 45 * 45;
      const stripe = Math.floor((X + Y * (seed % 3)) / (18 + seed)) % 2 === 0;
      const g = Math.floor(X * 255 / 320 + Y * 128 / 240 + 70 * seed) % 256;
      let px;
      if (disc) px = [20, 30, 60];
      else if (block) px = [240, 220, 90];
      else px = [g, stripe ? 255 - g : 128, Math.floor(Y + 20 * seed) % 256];
      rgb.set(px, 3 * (y * width + x));
    }
  }
  return { width, height, rgb };
}

/** Half the size, each pixel the mean of four (a resized copy). */
export function half({ width, height, rgb }) {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (dx, dy) => rgb[3 * ((2 * y + dy) * width + 2 * x + dx) + c];
        out[3 * (y * w + x) + c] = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) >> 2;
      }
    }
  }
  return { width: w, height: h, rgb: out };
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGB PNG. */
export function png({ width, height, rgb }) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(raw)), pngChunk("IEND", Buffer.alloc(0))]);
}

/** A PNG whose header announces width × height pixels (its data is 5×5): a decompression bomb's header. */
export function pngBomb(width, height) {
  const file = png(scene(1, 5, 5));
  file.writeUInt32BE(width, 16);
  file.writeUInt32BE(height, 20);
  file.writeUInt32BE(crc32(file.subarray(12, 29)), 29);
  return file;
}

/** A baseline JPEG at `quality` (jpeg-js). */
export function jpeg({ width, height, rgb }, quality = 75) {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[4 * i] = rgb[3 * i];
    rgba[4 * i + 1] = rgb[3 * i + 1];
    rgba[4 * i + 2] = rgb[3 * i + 2];
    rgba[4 * i + 3] = 255;
  }
  return Buffer.from(jpegJs.encode({ data: rgba, width, height }, quality).data);
}
