// How well text in pictures is read: OCR recall of phone numbers and ages,
// and OCR time per picture, in the reviewer extension (tesseract.js in its
// offscreen document, in Debian's headless Chromium) and with
// `redflag scan-image` (Debian's tesseract). docs/images.md, "Text in
// pictures", shows the tables this prints.
//
//   bash .ci/build-package && cargo build --release -p redflag-cli
//   node benches/ocr_eval.mjs                # 104 pictures, 1 to 3 minutes
//   node benches/ocr_eval.mjs --quick        # 14 pictures
//   node benches/ocr_eval.mjs --fixture DIR  # only write the CLI test's picture to DIR
//   node benches/ocr_eval.mjs --dump DIR     # keep the pictures in DIR
//
// The pictures are generated here, in Chromium, from a seeded generator: ad
// flyers (a heading, a phone line, an age line, one more line) in Debian's
// DejaVu fonts at four sizes, each drawn six ways: clean, turned 2° and 5°,
// over a busy background with noise, recompressed as JPEG at quality 35, and
// all of those at once (busy, 2°, JPEG 50); and 8 photo-sized pictures
// (1600×1200, JPEG) with the flyer's text somewhere over coloured shapes,
// with and without the noise, for the time a real ad picture takes. The phone numbers are in the
// fictional 555-01xx range and the ages made up; nothing is downloaded.
//
// What counts: the engine's own entities. A picture's phone number (or
// age) is found when screening the OCR text yields a phone entity with the
// same canonical value (an age with the same number) as screening the text
// that was drawn. Results go to benches/results/ocr-eval.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rng } from "./corpus.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { startExtension } = await import(join(root, "www/test/helpers/extension.mjs"));
const { importPackage } = await import(join(root, "www/test/helpers/package.mjs"));
const { cli } = await import(join(root, "www/test/helpers/cli.mjs"));

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const fixtureDir = args.includes("--fixture") ? args[args.indexOf("--fixture") + 1] : null;
const dumpDir = args.includes("--dump") ? args[args.indexOf("--dump") + 1] : null;

const FONTS = quick ? ["DejaVu Sans", "DejaVu Serif"] : ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "bold DejaVu Sans Condensed"];
const SIZES = quick ? [14, 24] : [12, 16, 24, 40];
const VARIANTS = [
  { name: "clean", rotate: 0, busy: false, jpeg: 0 },
  { name: "turned 2°", rotate: 2, busy: false, jpeg: 0 },
  { name: "turned 5°", rotate: 5, busy: false, jpeg: 0 },
  { name: "busy background and noise", rotate: 0, busy: true, jpeg: 0 },
  { name: "JPEG quality 35", rotate: 0, busy: false, jpeg: 0.35 },
  { name: "busy, turned 2°, JPEG 50", rotate: 2, busy: true, jpeg: 0.5 },
].slice(0, quick ? 3 : 6);
// Photo-sized pictures (1600×1200, the text a small part of them), for the
// time a real ad picture takes: coloured shapes alone, and with the noise.
const PHOTO_VARIANTS = [
  { name: "photo-sized 1600×1200, shapes, JPEG 80", rotate: 0, busy: true, noise: false, jpeg: 0.8, canvas: [1600, 1200] },
  { name: "photo-sized 1600×1200, shapes and noise, JPEG 80", rotate: 0, busy: true, jpeg: 0.8, canvas: [1600, 1200] },
];
const PHOTOS = quick ? 1 : 4;

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** The flyer's four lines for picture number `i`. */
function flyer(i) {
  const r = rng(1000 + i);
  const last = String(Math.floor(r() * 100)).padStart(2, "0");
  const area = pick(r, ["202", "312", "415", "617"]);
  const phone = pick(r, [`(${area}) 555-01${last}`, `${area}-555-01${last}`, `${area}.555.01${last}`, `+1 ${area} 555 01${last}`]);
  const age = 18 + Math.floor(r() * 12);
  return [
    pick(r, ["Hotel staff wanted", "Work abroad now", "Cleaners needed", "Waitresses for bar"]),
    `${pick(r, ["Call", "Tel:", "Text", "WhatsApp"])} ${phone}`,
    pick(r, [`I am ${age} years old`, `Age: ${age}`, `${age} yo, new here`, `aged ${age}`]),
    pick(r, ["Flights and housing paid", "Start next week", "Good pay every week", "No experience needed"]),
  ];
}

/** Draws a flyer in the page; returns the picture as a data: URL. */
function render(page, lines, font, size, v, seed) {
  return page.evaluate(
    ({ lines, font, size, v, seed }) => {
      let a = seed >>> 0;
      const r = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const c = document.createElement("canvas");
      const g = c.getContext("2d");
      const spec = `${font.startsWith("bold ") ? "bold " : ""}${size}px '${font.replace(/^bold /, "")}'`;
      g.font = spec;
      const width = v.canvas?.[0] ?? Math.ceil(Math.max(...lines.map((l) => g.measureText(l).width)) + 4 * size);
      const height = v.canvas?.[1] ?? Math.ceil(lines.length * size * 1.7 + 3 * size);
      c.width = width;
      c.height = height;
      if (v.busy) {
        const grad = g.createLinearGradient(0, 0, width, height);
        grad.addColorStop(0, "#f6e7c1");
        grad.addColorStop(1, "#b9d7ea");
        g.fillStyle = grad;
        g.fillRect(0, 0, width, height);
        for (let k = 0; k < 12; k++) {
          g.fillStyle = `hsla(${Math.floor(r() * 360)}, 60%, 70%, 0.45)`;
          g.beginPath();
          g.ellipse(r() * width, r() * height, 10 + r() * width * 0.2, 10 + r() * height * 0.3, r() * 3, 0, 2 * Math.PI);
          g.fill();
        }
      } else {
        g.fillStyle = "#fff";
        g.fillRect(0, 0, width, height);
      }
      g.save();
      g.translate(width / 2, height / 2);
      g.rotate((v.rotate * Math.PI) / 180);
      g.translate(-width / 2, -height / 2);
      g.font = spec;
      g.fillStyle = v.busy ? "#2b1d0e" : "#111";
      g.textBaseline = "alphabetic";
      // On a photo-sized canvas the text block sits somewhere in the middle.
      const [dx, dy] = v.canvas ? [width * (0.1 + 0.3 * r()), height * (0.15 + 0.4 * r())] : [0, 0];
      lines.forEach((l, k) => g.fillText(l, dx + 2 * size, dy + 1.5 * size + (k + 1) * size * 1.7 - 0.5 * size));
      g.restore();
      if (v.busy && v.noise !== false) {
        const img = g.getImageData(0, 0, width, height);
        for (let p = 0; p < img.data.length; p += 4) {
          const n = (r() - 0.5) * 48;
          for (let ch = 0; ch < 3; ch++) img.data[p + ch] = Math.max(0, Math.min(255, img.data[p + ch] + n));
        }
        g.putImageData(img, 0, 0);
      }
      return v.jpeg ? c.toDataURL("image/jpeg", v.jpeg) : c.toDataURL("image/png");
    },
    { lines, font, size, v, seed },
  );
}

/** The phone values and age numbers the engine finds in a verdict's `picture` field. */
function found(verdict) {
  const es = (verdict.entities ?? []).filter((e) => e.field === "picture");
  return { phones: es.filter((e) => e.kind === "phone").map((e) => e.value), ages: es.filter((e) => e.kind === "age").map((e) => e.number) };
}

const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : null);
const p90 = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] : null);
const pct = (n, d) => (d ? Math.round((1000 * n) / d) / 10 : null);

const ext = await startExtension({ routes: {}, args: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] });
try {
  const page = await ext.ctx.newPage();
  await page.goto("about:blank");

  if (fixtureDir) {
    // The CLI test's picture (cli/tests/scan_image.rs): the first flyer, clean, 28 px DejaVu Sans.
    const url = await render(page, ["Hotel work abroad", "Call 202-555-0147", "I am 16 years old", "Registration fee 300 USD"], "DejaVu Sans", 28, VARIANTS[0], 1);
    mkdirSync(fixtureDir, { recursive: true });
    writeFileSync(join(fixtureDir, "ocr-ad.png"), Buffer.from(url.split(",")[1], "base64"));
    console.log(`wrote ${join(fixtureDir, "ocr-ad.png")}`);
    process.exit(0);
  }

  const rf = await importPackage();
  const engine = new rf.Engine();
  // The extension's OCR is asked from one of its own pages, as the content script asks it.
  const extPage = await ext.ctx.newPage();
  await extPage.goto(`chrome-extension://${ext.extId}/popup.html`);
  const dir = mkdtempSync(join(tmpdir(), "redflag-ocr-eval-"));
  const cases = [];
  let i = 0;
  for (const font of FONTS) {
    for (const size of SIZES) {
      for (const v of VARIANTS) {
        const lines = flyer(i);
        const truth = found(engine.screen({ section: "jobs", picture: lines.join("\n") }, { entities: true, rawValues: true }));
        const dataUrl = await render(page, lines, font, size, v, 7 + i);
        const file = join(dir, `${i}.${v.jpeg ? "jpg" : "png"}`);
        writeFileSync(file, Buffer.from(dataUrl.split(",")[1], "base64"));
        cases.push({ i, font, size, variant: v.name, lines, truth, dataUrl, file });
        i++;
      }
    }
  }
  for (const v of PHOTO_VARIANTS) {
    for (let k = 0; k < PHOTOS; k++, i++) {
      const lines = flyer(i);
      const truth = found(engine.screen({ section: "jobs", picture: lines.join("\n") }, { entities: true, rawValues: true }));
      const dataUrl = await render(page, lines, "DejaVu Sans", 36, v, 7 + i);
      const file = join(dir, `${i}.jpg`);
      writeFileSync(file, Buffer.from(dataUrl.split(",")[1], "base64"));
      cases.push({ i, font: "DejaVu Sans", size: 36, variant: v.name, photo: true, lines, truth, dataUrl, file });
    }
  }
  console.error(`${cases.length} pictures generated; reading them in the extension…`);
  for (const c of cases) {
    const t0 = performance.now();
    const r = await extPage.evaluate((msg) => new Promise((ok) => chrome.runtime.sendMessage(msg, ok)), { type: "ocr", dataUrl: c.dataUrl, section: "jobs", fields: {} });
    const wall = performance.now() - t0;
    if (!r?.ok || r.result.error) throw new Error(`extension OCR failed on picture ${c.i}: ${r?.error ?? r?.result?.error}`);
    c.ext = { ...found(r.result.verdict), ms: r.result.ocr.ms, wall: Math.round(wall), text: r.result.ocr.text };
  }
  console.error("…and with redflag scan-image (Debian's tesseract)…");
  const bin = cli();
  const version = spawnSync("tesseract", ["--version"], { encoding: "utf8" });
  const tesseractVersion = (version.stdout || version.stderr || "").split("\n")[0].trim();
  for (const c of cases) {
    const r = spawnSync(bin, ["scan-image", "--section", "jobs", "--entities", "--raw-values", c.file], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`scan-image failed on picture ${c.i}: ${r.stderr}${r.stdout}`);
    const out = JSON.parse(r.stdout);
    c.cli = { ...found(out), ms: out.ocr_ms, text: out.text };
  }
  if (dumpDir) {
    mkdirSync(dumpDir, { recursive: true });
    for (const c of cases) writeFileSync(join(dumpDir, c.file.split("/").pop()), readFileSync(c.file));
  }
  rmSync(dir, { recursive: true, force: true });

  // Recall: of the phones (ages) the engine finds in the drawn text, the share found with the same value in the OCR text.
  function summary(list) {
    const row = { pictures: list.length };
    for (const how of ["ext", "cli"]) {
      let phones = 0;
      let phonesFound = 0;
      let ages = 0;
      let agesFound = 0;
      for (const c of list) {
        for (const p of c.truth.phones) {
          phones++;
          if (c[how].phones.includes(p)) phonesFound++;
        }
        for (const a of c.truth.ages) {
          ages++;
          if (c[how].ages.includes(a)) agesFound++;
        }
      }
      row[how] = { phone_recall: pct(phonesFound, phones), phones, age_recall: pct(agesFound, ages), ages, median_ms: median(list.map((c) => c[how].ms)), p90_ms: p90(list.map((c) => c[how].ms)) };
      // The extension's round trip: the message to the service worker, the offscreen document, screening, the reply.
      if (how === "ext") row.ext.median_round_trip_ms = median(list.map((c) => c.ext.wall));
    }
    return row;
  }
  const flyers = cases.filter((c) => !c.photo);
  const byVariant = VARIANTS.map((v) => ({ variant: v.name, ...summary(flyers.filter((c) => c.variant === v.name)) }));
  const bySize = SIZES.map((s) => ({ size_px: s, ...summary(flyers.filter((c) => c.size === s)) }));
  const byFont = FONTS.map((f) => ({ font: f, ...summary(flyers.filter((c) => c.font === f)) }));
  const all = summary(flyers);
  const photos = PHOTO_VARIANTS.map((v) => ({ variant: v.name, ...summary(cases.filter((c) => c.variant === v.name)) }));
  const firstMs = cases[0].ext.ms;
  const firstWall = cases[0].ext.wall;
  const result = {
    measured: new Date().toISOString().slice(0, 10),
    machine: "shared 2-core machine",
    extension: { ocr: "tesseract.js 7.0.0, tesseract-core-simd-lstm, eng 4.0.0_best_int", browser: spawnSync(process.env.CHROMIUM ?? "/usr/bin/chromium", ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "chromium" },
    cli: { ocr: tesseractVersion },
    pictures: cases.length,
    all,
    first_picture_ms_with_startup: firstMs,
    first_picture_round_trip_ms: firstWall,
    by_variant: byVariant,
    photo_sized: photos,
    by_size: bySize,
    by_font: byFont,
    misses: cases
      .filter((c) => c.truth.phones.some((p) => !c.ext.phones.includes(p) || !c.cli.phones.includes(p)) || c.truth.ages.some((a) => !c.ext.ages.includes(a) || !c.cli.ages.includes(a)))
      .slice(0, 40)
      .map((c) => ({ picture: c.i, font: c.font, size_px: c.size, variant: c.variant, drawn: c.lines.slice(1, 3), extension: c.ext.text.split("\n").slice(0, 4), cli: c.cli.text.split("\n").slice(0, 4) })),
  };
  if (!quick) {
    mkdirSync(join(root, "benches/results"), { recursive: true });
    writeFileSync(join(root, "benches/results/ocr-eval.json"), `${JSON.stringify(result, null, 2)}\n`);
  }
  const line = (label, r) => `| ${label} | ${r.pictures} | ${r.ext.phone_recall} % | ${r.ext.age_recall} % | ${r.ext.median_ms} ms | ${r.ext.p90_ms} ms | ${r.cli.phone_recall} % | ${r.cli.age_recall} % | ${r.cli.median_ms} ms |`;
  const head = (first) => `| ${first} | pictures | phones, extension | ages, extension | time, median | time, 90th pct | phones, CLI | ages, CLI | time, median |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|`;
  console.log(head("picture"));
  for (const r of byVariant) console.log(line(r.variant, r));
  console.log(line("**all flyers**", all));
  for (const r of photos) console.log(line(r.variant, r));
  console.log();
  console.log(head("font size"));
  for (const r of bySize) console.log(line(`${r.size_px} px`, r));
  console.log();
  console.log(head("font"));
  for (const r of byFont) console.log(line(r.font, r));
  console.log();
  console.log(`first picture in the extension (OCR start-up included): ${firstMs} ms; round trip with the offscreen document opened: ${firstWall} ms`);
  console.log(`round trip in the extension (median, all pictures): ${all.ext.median_round_trip_ms} ms`);
} finally {
  await ext.close();
}
