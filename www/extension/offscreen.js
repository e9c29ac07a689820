// Reads the text in pictures for the reviewer extension (docs/images.md,
// "Text in pictures"), in the offscreen document the service worker opens:
// a service worker cannot start a Worker and a content script cannot start
// one from the extension's files, but an extension page can. tesseract.js
// runs here with every file from the extension itself (vendor/ocr/, copied
// from the npm packages by build.mjs): its worker script, the LSTM-only
// SIMD core (wasm, compiled under the extension pages' 'wasm-unsafe-eval')
// and the English data. Nothing is fetched from a CDN, nothing is cached in
// IndexedDB, and the picture never leaves the browser.
//
// Bounded: a picture of at most MAX_BYTES, MAX_SIDE per side and
// MAX_PIXELS before it is decoded in full is refused; it is scaled to at
// most OCR_PIXELS (small pictures are doubled: tesseract reads text of
// about 20 px and more best); recognition stops after TIMEOUT_MS (the
// worker is then ended and started afresh for the next picture).
/* global Tesseract */
"use strict";

const LIMITS = { MAX_BYTES: 10 << 20, MAX_SIDE: 8192, MAX_PIXELS: 1 << 25, OCR_PIXELS: 4_000_000, TIMEOUT_MS: 30_000 };
const OCR_DIR = chrome.runtime.getURL("vendor/ocr");

let worker = null;
let queue = Promise.resolve();

function startWorker() {
  worker ??= Tesseract.createWorker("eng", Tesseract.OEM.LSTM_ONLY, {
    workerPath: `${OCR_DIR}/worker.min.js`,
    corePath: `${OCR_DIR}/tesseract-core-simd-lstm.wasm.js`,
    langPath: OCR_DIR,
    gzip: true,
    cacheMethod: "none",
    // The worker is started from its own file (an extension URL), not a
    // blob: URL, which the extension pages' CSP does not allow.
    workerBlobURL: false,
  }).catch((e) => {
    worker = null;
    throw e;
  });
  return worker;
}

function stopWorker() {
  const w = worker;
  worker = null;
  w?.then((x) => x.terminate()).catch(() => {});
}

/**
 * The picture's bytes: sent by the content script (a data: URL), or fetched
 * here with the extension's host access. Cookies go only to the origin of
 * the moderation page that asked (`pageOrigin`): a picture an ad points at on
 * another site is fetched without them, so an ad cannot have the panel read
 * out what the reviewer's session opens elsewhere.
 */
async function pictureBlob({ dataUrl, url, pageOrigin }) {
  let res;
  if (dataUrl) res = await fetch(dataUrl);
  else {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not an http(s) picture");
    const credentials = pageOrigin && u.origin === pageOrigin ? "include" : "omit";
    res = await fetch(u.href, { credentials });
    if (!res.ok) throw new Error(`the picture could not be fetched (HTTP ${res.status})`);
  }
  const length = Number(res.headers.get("content-length") ?? 0);
  if (length > LIMITS.MAX_BYTES) throw new Error(`the picture has ${length} bytes, more than ${LIMITS.MAX_BYTES}`);
  const blob = await res.blob();
  if (blob.size > LIMITS.MAX_BYTES) throw new Error(`the picture has ${blob.size} bytes, more than ${LIMITS.MAX_BYTES}`);
  return blob;
}

/** The picture scaled for OCR as a PNG, with its natural size and the scale used. */
async function prepare(blob) {
  const bitmap = await createImageBitmap(blob);
  const { width, height } = bitmap;
  try {
    if (width > LIMITS.MAX_SIDE || height > LIMITS.MAX_SIDE || width * height > LIMITS.MAX_PIXELS) throw new Error(`${width}×${height} pixels: too large to read`);
    if (width < 8 || height < 8) throw new Error(`${width}×${height} pixels: too small to hold text`);
    let scale = Math.min(1, Math.sqrt(LIMITS.OCR_PIXELS / (width * height)));
    if (scale === 1 && Math.max(width, height) < 1200 && 4 * width * height <= LIMITS.OCR_PIXELS) scale = 2;
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const g = canvas.getContext("2d");
    // Transparent pixels read as white (text on a transparent PNG).
    g.fillStyle = "#fff";
    g.fillRect(0, 0, w, h);
    g.imageSmoothingQuality = "high";
    g.drawImage(bitmap, 0, 0, w, h);
    return { png: await canvas.convertToBlob({ type: "image/png" }), width, height, scale: w / width };
  } finally {
    bitmap.close();
  }
}

/** tesseract's blocks as one text (words of a line joined by a space, lines by a newline) and its words with their spans and boxes. */
function words(blocks, scale) {
  let text = "";
  const out = [];
  for (const b of blocks ?? []) {
    for (const p of b.paragraphs ?? []) {
      for (const l of p.lines ?? []) {
        let first = true;
        for (const w of l.words ?? []) {
          const t = (w.text ?? "").trim();
          if (!t) continue;
          if (text) text += first ? "\n" : " ";
          first = false;
          const start = text.length;
          text += t;
          const { x0, y0, x1, y1 } = w.bbox;
          out.push({
            text: t,
            start,
            end: text.length,
            conf: Math.round(w.confidence),
            box: { left: Math.round(x0 / scale), top: Math.round(y0 / scale), width: Math.round((x1 - x0) / scale), height: Math.round((y1 - y0) / scale) },
          });
        }
      }
    }
  }
  return { text, words: out };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

async function read(msg) {
  const started = performance.now();
  const { png, width, height, scale } = await prepare(await pictureBlob(msg));
  const w = await withTimeout(startWorker(), LIMITS.TIMEOUT_MS, "starting OCR");
  const ready = performance.now();
  let data;
  try {
    ({ data } = await withTimeout(w.recognize(png, {}, { text: false, blocks: true }), LIMITS.TIMEOUT_MS, "reading the picture"));
  } catch (e) {
    stopWorker(); // a stuck recognition is ended with its worker
    throw e;
  }
  const done = performance.now();
  return { ...words(data.blocks, scale), width, height, ms: Math.round(done - started), startMs: Math.round(ready - started) };
}

chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (msg?.target !== "offscreen") return false;
  if (msg.type === "ocr-read") {
    // One picture at a time: one tesseract worker, its memory reused.
    queue = queue.then(
      () => read(msg).then((result) => reply({ ok: true, result }), (e) => reply({ ok: false, error: String(e?.message ?? e) })),
    );
    return true;
  }
  return false;
});
