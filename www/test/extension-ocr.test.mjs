// Text in pictures in the reviewer extension (docs/images.md, "Text in
// pictures"), in real headless Chromium with the unpacked extension: a
// console page with two ads, one whose picture holds a phone number, an age
// and a fee (drawn on a canvas here, served as a PNG by the test's server),
// one whose picture holds no text. Every host but the test's server is
// unreachable (Chromium's resolver maps them to nothing), so the OCR can only
// run from the extension's own files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:http";
import { artifacts } from "./helpers/browser.mjs";
import { startExtension } from "./helpers/extension.mjs";

let ext;
let elsewhere;
const pictures = {};
const requests = [];
// The cookies that came with the extension's own fetches (not the page's
// <img> loads) of a picture: by path, on the console's origin and on another.
const cookiesSeen = { own: [], other: [] };
const SESSION = "session=reviewer-s3cret";

function extensionFetch(req) {
  return req.headers["sec-fetch-dest"] === "empty";
}

/** PNG bytes of a picture drawn on a canvas in a blank page of the browser. */
async function drawPng(ctx, draw) {
  const page = await ctx.newPage();
  const dataUrl = await page.evaluate(`(() => {
    const c = document.createElement("canvas");
    const g = c.getContext("2d");
    (${draw})(c, g);
    return c.toDataURL("image/png");
  })()`);
  await page.close();
  return Buffer.from(dataUrl.split(",")[1], "base64");
}

before(async () => {
  ext = await startExtension({
    routes: {
      "/ocr-queue.html": ["text/html", "extension-ocr.html"],
      "/queue.css": ["text/css", "queue.css"],
    },
    handle(path, res, req) {
      if (path === "/ocr-cross.html") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(crossPage());
        return true;
      }
      if (path === "/ocr/own-session.png") {
        if (req && extensionFetch(req)) cookiesSeen.own.push(req.headers.cookie ?? "");
        // A console that serves its pictures to a signed-in reviewer only.
        if (!req?.headers.cookie?.includes(SESSION)) {
          res.writeHead(403);
          res.end();
          return true;
        }
      }
      const png = pictures[path === "/ocr/own-session.png" ? "/ocr/ad-text.png" : path];
      if (!png) return false;
      res.writeHead(200, { "content-type": "image/png", "content-length": png.length });
      res.end(png);
      return true;
    },
    // No network but the test's own server: a CDN fetch would fail.
    args: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
  ext.ctx.on("request", (r) => requests.push(r.url()));
  pictures["/ocr/ad-text.png"] = await drawPng(ext.ctx, (c, g) => {
    c.width = 640;
    c.height = 250;
    g.fillStyle = "#fdf6e3";
    g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = "#c0392b";
    g.fillRect(0, 0, c.width, 12);
    g.fillStyle = "#111";
    g.font = "bold 34px 'DejaVu Sans', sans-serif";
    g.fillText("HOTEL WORK ABROAD", 24, 62);
    g.font = "28px 'DejaVu Sans', sans-serif";
    g.fillText("Call 202-555-0147", 24, 112);
    g.fillText("Ages 16 years old welcome", 24, 160);
    g.fillText("Registration fee 300 USD", 24, 208);
  });
  pictures["/ocr/no-text.png"] = await drawPng(ext.ctx, (c, g) => {
    c.width = 400;
    c.height = 240;
    const grad = g.createLinearGradient(0, 0, 400, 240);
    grad.addColorStop(0, "#5dade2");
    grad.addColorStop(1, "#f9e79f");
    g.fillStyle = grad;
    g.fillRect(0, 0, 400, 240);
    g.fillStyle = "#f4d03f";
    g.beginPath();
    g.arc(320, 60, 36, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = "#e59866";
    g.fillRect(0, 180, 400, 60);
  });
  await ext.addConsole(`${ext.base}/ocr`);
  // Another origin (another port of the same host: the reviewer's cookie for
  // 127.0.0.1 would go to it if the extension sent cookies there).
  elsewhere = createServer((req, res) => {
    if (extensionFetch(req)) cookiesSeen.other.push(req.headers.cookie ?? "");
    res.writeHead(200, { "content-type": "image/png", "content-length": pictures["/ocr/ad-text.png"].length });
    res.end(pictures["/ocr/ad-text.png"]);
  });
  await new Promise((ok) => elsewhere.listen(0, "127.0.0.1", ok));
});

function crossPage() {
  const other = `http://127.0.0.1:${elsewhere.address().port}/ocr/elsewhere.png`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Console with a picture from elsewhere (fixture)</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/queue.css"></head><body><h1>Console</h1><main id="queue"><div class="ad" data-section="jobs" data-listing-id="C-1"><h3 class="ad-title">Hotel staff</h3><p class="ad-body">Hotel work abroad. All the details are in the picture.</p><img class="ad-picture" src="/ocr/own-session.png" width="480" alt="ad picture"></div><div class="ad" data-section="jobs" data-listing-id="C-2"><h3 class="ad-title">Hotel staff too</h3><p class="ad-body">Same hotel, details in the picture.</p><img class="ad-picture" src="${other}" width="480" alt="ad picture"></div></main></body></html>`;
}

after(async () => {
  await ext?.close();
  elsewhere?.close();
});

test("the extension reads the text in an ad's picture offline, lists the hits in the panel marked in picture, and boxes them on the picture", async () => {
  const { page, problems } = await ext.open("/ocr-queue.html");
  // Opt-in: nothing is read before the reviewer asks.
  await page.waitForTimeout(500);
  assert.equal(await page.$(".redflag-ocr-layer"), null, "no OCR before the reviewer asks");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ocr-read");
  assert.match(await page.textContent(".redflag-panel .redflag-ocr-page"), /Read text in pictures on this page \(2\)/);
  await page.click(".redflag-panel .redflag-ocr-page");
  await page.waitForSelector("html[data-redflag-ocr=done]", { timeout: 180_000 });

  const entries = await page.$$eval(".redflag-panel .redflag-ad", (boxes) =>
    boxes.map((b) => ({
      id: b.querySelector(".redflag-ad-title").textContent,
      pictures: [...b.querySelectorAll(".redflag-ocr-picture")].map((p) => ({
        status: p.dataset.status,
        ms: Number(p.dataset.ms),
        head: p.querySelector(".redflag-ocr-head").textContent,
        hits: [...p.querySelectorAll(".redflag-ocr-hit")].map((li) => ({ kind: li.dataset.kind, rule: li.dataset.rule, text: li.textContent })),
      })),
    })),
  );
  const withText = entries.find((e) => e.id.includes("#P-1"));
  const withoutText = entries.find((e) => e.id.includes("#P-2"));
  assert.equal(withText.pictures.length, 1, JSON.stringify(entries));
  const [pic] = withText.pictures;
  assert.equal(pic.status, "done", pic.head);
  const kinds = new Set(pic.hits.map((h) => h.kind));
  for (const k of ["phone", "age", "price", "rule"]) assert.ok(kinds.has(k), `a ${k} found in the picture: ${JSON.stringify(pic.hits)}`);
  for (const h of pic.hits) assert.match(h.text, /^in picture /, "each finding is marked in picture");
  assert.ok(pic.hits.some((h) => h.kind === "phone" && h.text.includes("+12025550147")), JSON.stringify(pic.hits));
  assert.ok(pic.hits.some((h) => h.kind === "age" && /\b16\b/.test(h.text)), JSON.stringify(pic.hits));
  assert.ok(pic.ms > 0);

  // The picture without text: read, nothing found.
  assert.equal(withoutText.pictures.length, 1);
  assert.equal(withoutText.pictures[0].status, "done", withoutText.pictures[0].head);
  assert.deepEqual(withoutText.pictures[0].hits, []);

  // Boxes over the picture with text, inside it; none over the other.
  const boxes = await page.evaluate(() => {
    const [withText, withoutText] = [...document.querySelectorAll("img.ad-picture")].map((i) => i.getBoundingClientRect());
    const inside = (r, p) => r.left >= p.left - 1 && r.right <= p.right + 1 && r.top >= p.top - 1 && r.bottom <= p.bottom + 1;
    return [...document.querySelectorAll(".redflag-ocr-layer .redflag-ocr-box")].map((b) => {
      const r = b.getBoundingClientRect();
      return { kind: b.dataset.kind, width: r.width, height: r.height, inText: inside(r, withText), inOther: inside(r, withoutText) };
    });
  });
  for (const k of ["phone", "age"]) assert.ok(boxes.some((b) => b.kind === k && b.inText && b.width > 10 && b.height > 5), `a ${k} box over the picture: ${JSON.stringify(boxes)}`);
  assert.ok(boxes.every((b) => b.inText && !b.inOther), JSON.stringify(boxes));
  // The phone box lies where the phone line was drawn (the second line of four, left half).
  const phone = await page.evaluate(() => {
    const img = document.querySelector("img.ad-picture").getBoundingClientRect();
    const b = document.querySelector(".redflag-ocr-box[data-kind=phone]").getBoundingClientRect();
    return { x: (b.left + b.right) / 2 / 1 - img.left, y: (b.top + b.bottom) / 2 - img.top, w: img.width, h: img.height };
  });
  assert.ok(phone.y > phone.h * 0.3 && phone.y < phone.h * 0.55 && phone.x < phone.w * 0.75, JSON.stringify(phone));
  await page.screenshot({ path: join(artifacts(), "extension-ocr.png") });

  // Nothing but the test's server and the extension's own files.
  const outside = requests.filter((u) => !u.startsWith(ext.base) && !u.startsWith("chrome-extension://") && !u.startsWith("data:") && !u.startsWith("chrome://") && !u.startsWith("about:"));
  assert.deepEqual(outside, []);
  assert.deepEqual(problems, []);
  console.log(`# OCR in the extension: ${pic.ms} ms for the picture with text (first, with start-up), ${withoutText.pictures[0].ms} ms for the one without`);

  // Turned off: the boxes go with the marks.
  await ext.sw.evaluate(() => chrome.storage.local.set({ enabled: false }));
  await page.waitForFunction(() => !document.querySelector(".redflag-ocr-layer"));
  await ext.sw.evaluate(() => chrome.storage.local.set({ enabled: true }));
  await page.close();
});

test("an ad's own button reads that ad's pictures alone", async () => {
  const { page, problems } = await ext.open("/ocr-queue.html");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ocr-read");
  const ads = await page.$$(".redflag-panel .redflag-ad");
  const titles = await Promise.all(ads.map((a) => a.$eval(".redflag-ad-title", (t) => t.textContent)));
  const first = ads[titles.findIndex((t) => t.includes("#P-1"))];
  assert.match(await first.$eval(".redflag-ocr-read", (b) => b.textContent), /Read text in pictures \(1\)/);
  await (await first.$(".redflag-ocr-read")).click();
  await page.waitForSelector("html[data-redflag-ocr=done]", { timeout: 120_000 });
  const read = await page.$$eval(".redflag-panel .redflag-ad", (boxes) => boxes.map((b) => [b.querySelector(".redflag-ad-title").textContent, b.querySelectorAll(".redflag-ocr-picture").length]));
  assert.deepEqual(
    read.map(([t, n]) => [t.includes("#P-1") ? "P-1" : "P-2", n]).sort(),
    [
      ["P-1", 1],
      ["P-2", 0],
    ],
  );
  assert.equal(await page.$$eval(".redflag-ocr-layer", (l) => l.length), 1, "boxes over the one picture read");
  assert.ok(await page.$(".redflag-ocr-layer .redflag-ocr-box[data-kind=phone]"));
  assert.deepEqual(problems, []);
  await page.close();
});

test("the reviewer's cookies go with a picture of the console's own origin only, never to a picture an ad points at elsewhere", async () => {
  await ext.ctx.addCookies([{ name: "session", value: "reviewer-s3cret", domain: "127.0.0.1", path: "/" }]);
  const { page, problems } = await ext.open("/ocr-cross.html");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ocr-page");
  await page.click(".redflag-panel .redflag-ocr-page");
  await page.waitForSelector("html[data-redflag-ocr=done]", { timeout: 180_000 });
  const pics = await page.$$eval(".redflag-panel .redflag-ad", (boxes) =>
    boxes.map((b) => ({
      id: b.querySelector(".redflag-ad-title").textContent.includes("#C-1") ? "own" : "other",
      status: [...b.querySelectorAll(".redflag-ocr-picture")].map((p) => p.dataset.status),
      phones: [...b.querySelectorAll(".redflag-ocr-hit[data-kind=phone]")].length,
    })),
  );
  const own = pics.find((p) => p.id === "own");
  const other = pics.find((p) => p.id === "other");
  // The console's own picture needs the session: read, because the cookie went with it.
  assert.deepEqual(own.status, ["done"], JSON.stringify(pics));
  assert.ok(own.phones > 0, JSON.stringify(pics));
  assert.ok(cookiesSeen.own.some((c) => c.includes(SESSION)), JSON.stringify(cookiesSeen));
  // The other origin's picture was fetched by the extension (and read), without the cookie.
  assert.ok(cookiesSeen.other.length > 0, "the extension fetched the picture from the other origin");
  assert.deepEqual(cookiesSeen.other.filter((c) => c.includes(SESSION)), [], "no cookie sent to another origin");
  assert.deepEqual(other.status, ["done"], JSON.stringify(pics));
  assert.ok(other.phones > 0, JSON.stringify(pics));
  // The content script's own try at the other origin fails CORS, as it must
  // (the page's origin has no access there); the extension then fetches it.
  assert.deepEqual(problems.filter((p) => !/CORS policy/.test(p)), []);
  await ext.ctx.clearCookies();
  await page.close();
});

test("the built extension carries tesseract.js, its core and the English data, and no remote address for them", async () => {
  const { readFileSync, statSync } = await import("node:fs");
  const dir = join(ext.extDir, "vendor/ocr");
  for (const f of ["tesseract.min.js", "worker.min.js", "tesseract-core-simd-lstm.wasm.js", "eng.traineddata.gz"]) assert.ok(statSync(join(dir, f)).size > 1000, f);
  const manifest = JSON.parse(readFileSync(join(ext.extDir, "manifest.json"), "utf8"));
  assert.ok(manifest.permissions.includes("offscreen"));
  assert.match(manifest.content_security_policy.extension_pages, /'wasm-unsafe-eval'/);
  assert.doesNotMatch(manifest.content_security_policy.extension_pages, /https?:/, "no remote script source");
  const offscreen = readFileSync(join(ext.extDir, "offscreen.js"), "utf8");
  assert.doesNotMatch(offscreen, /https?:\/\//, "offscreen.js names no remote address");
});
