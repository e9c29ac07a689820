// Assembles the unpacked extension: copies the engine (the wasm-pack
// `--target web` glue and .wasm) from the npm package into vendor/, with
// the modules the service worker shares with the edge worker and the
// playground (www/shared/: the pack loader, sha256Hex), since an extension
// loads nothing from outside its own directory.
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

export function buildExtension(pkgDir = resolve(here, "../../pkg"), outDir = here) {
  if (!existsSync(join(pkgDir, "redflag_bg.wasm"))) throw new Error(`no package in ${pkgDir}: run \`bash .ci/build-package\` first`);
  if (resolve(outDir) !== resolve(here)) {
    cpSync(here, outDir, { recursive: true, filter: (src) => !src.includes(`${join(here, "vendor")}`) });
  }
  mkdirSync(join(outDir, "vendor"), { recursive: true });
  for (const f of ["redflag.js", "redflag_bg.wasm", "redflag.d.ts"]) cpSync(join(pkgDir, f), join(outDir, "vendor", f));
  const shared = resolve(here, "../shared");
  for (const f of readdirSync(shared).filter((n) => n.endsWith(".js"))) cpSync(join(shared, f), join(outDir, "vendor", f));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = buildExtension(process.argv[2] ? resolve(process.argv[2]) : undefined, process.argv[3] ? resolve(process.argv[3]) : undefined);
  console.log(`unpacked extension ready in ${out}`);
}
