// Builds (if needed) and installs the real npm package into a scratch
// consumer project, the way a user would: `npm pack` tarball → `npm install`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

let cached;

/** Path of the packed tarball: $REDFLAG_TARBALL, or build it now. */
export function tarball() {
  if (process.env.REDFLAG_TARBALL && existsSync(process.env.REDFLAG_TARBALL)) {
    return process.env.REDFLAG_TARBALL;
  }
  const dir = join(root, "target/npm");
  const found = existsSync(dir) && readdirSync(dir).find((f) => /^redflag-.*\.tgz$/.test(f));
  if (found && process.env.REDFLAG_REBUILD !== "1") return join(dir, found);
  const out = execFileSync("bash", [join(root, ".ci/build-package")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim().split("\n").pop();
}

/** A scratch project with the tarball installed. Returns its directory. */
export function consumer() {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "redflag-consumer-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", tarball()], { cwd: dir, stdio: "ignore" });
  // Re-exported through a file in the consumer, so `redflag` resolves the
  // way it would in the user's project (exports map, `node` condition).
  writeFileSync(join(dir, "entry.mjs"), 'export * from "redflag";\n');
  cached = dir;
  return dir;
}

/** Imports the package as the consumer project sees it. */
export async function importPackage() {
  return import(pathToFileURL(join(consumer(), "entry.mjs")).href);
}
