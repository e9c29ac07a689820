// Assembles the unpacked extension: copies the engine (the wasm-pack
// `--target web` glue and .wasm) from the npm package into vendor/, with
// the modules the service worker shares with the edge worker and the
// playground (www/shared/: the pack loader, sha256Hex), and tesseract.js
// for text in pictures into vendor/ocr/ (from www/node_modules), since an
// extension loads nothing from outside its own directory.
//
//   node www/extension/build.mjs [PACKAGE_DIR] [OUT_DIR]
//
// PACKAGE_DIR defaults to ./pkg (from .ci/build-package); OUT_DIR to
// www/extension itself. Load OUT_DIR with chrome://extensions → "Load
// unpacked".
import { cpSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

// Text in pictures (offscreen.js): tesseract.js, its LSTM-only SIMD core
// (the .wasm inlined in the .js) and the English data (best_int, gzipped),
// from the exact versions www/package.json pins. Only these files: the
// extension never loads the other cores or the CDN defaults.
export const OCR_FILES = {
  "tesseract.min.js": "tesseract.js/dist/tesseract.min.js",
  "worker.min.js": "tesseract.js/dist/worker.min.js",
  "tesseract-core-simd-lstm.wasm.js": "tesseract.js-core/tesseract-core-simd-lstm.wasm.js",
  "eng.traineddata.gz": "@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz",
  "LICENSE-tesseract.js.txt": "tesseract.js/LICENSE.md",
  "LICENSE-tesseract.js-core.txt": "tesseract.js-core/LICENSE",
};

function copyOcr(dir) {
  mkdirSync(dir, { recursive: true });
  const modules = resolve(here, "../node_modules");
  for (const [name, from] of Object.entries(OCR_FILES)) {
    const src = join(modules, from);
    if (!existsSync(src)) throw new Error(`${src} is missing: run \`npm ci\` in www/ (tesseract.js, tesseract.js-core, @tesseract.js-data/eng)`);
    cpSync(src, join(dir, name));
  }
}

export function buildExtension(pkgDir = resolve(here, "../../pkg"), outDir = here) {
  if (!existsSync(join(pkgDir, "redflag_bg.wasm"))) throw new Error(`no package in ${pkgDir}: run \`bash .ci/build-package\` first`);
  if (resolve(outDir) !== resolve(here)) {
    cpSync(here, outDir, { recursive: true, filter: (src) => !src.includes(`${join(here, "vendor")}`) });
  }
  mkdirSync(join(outDir, "vendor"), { recursive: true });
  for (const f of ["redflag.js", "redflag_bg.wasm", "redflag.d.ts"]) cpSync(join(pkgDir, f), join(outDir, "vendor", f));
  const shared = resolve(here, "../shared");
  for (const f of readdirSync(shared).filter((n) => n.endsWith(".js"))) cpSync(join(shared, f), join(outDir, "vendor", f));
  copyOcr(join(outDir, "vendor", "ocr"));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = buildExtension(process.argv[2] ? resolve(process.argv[2]) : undefined, process.argv[3] ? resolve(process.argv[3]) : undefined);
  console.log(`unpacked extension ready in ${out}`);
}
