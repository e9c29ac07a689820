// Debian's Chromium driven by playwright-core (never a downloaded browser),
// with the flags that keep it off the closed network of CI machines.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./package.mjs";

export const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
];

export function launch() {
  return chromium.launch({ headless: true, executablePath, args: chromiumArgs });
}

export { chromium };

/** Where screenshots and other test artefacts go (not committed). */
export function artifacts() {
  const dir = join(root, "target/artifacts");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Collects console errors, page errors and CSP violations of a page. */
export function watch(page) {
  const problems = [];
  page.on("console", (m) => {
    // A failed load is reported below with its URL.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return problems;
}
