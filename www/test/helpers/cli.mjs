// The real `redflag` CLI for the JavaScript tests that hand it what the
// worker or the extension wrote.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root } from "./package.mjs";

/**
 * The `redflag` binary: $REDFLAG_CLI, else the release build that `.ci/run`
 * makes before the JavaScript tests (built here if it is missing).
 */
export function cli() {
  if (process.env.REDFLAG_CLI) return process.env.REDFLAG_CLI;
  const bin = join(root, "target/release/redflag");
  if (!existsSync(bin)) execFileSync("cargo", ["build", "--release", "-p", "redflag-cli"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  return bin;
}

/** Runs `redflag ARGS...`; resolves to { status, stdout, stderr }. */
export function redflag(args, input) {
  const r = spawnSync(cli(), args, { encoding: input instanceof Uint8Array ? "buffer" : "utf8", input });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}
