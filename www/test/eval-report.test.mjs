// `redflag eval --format html` renders in real headless Chromium without
// errors (the report is self-contained: no script, nothing fetched).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./helpers/package.mjs";
import { launch, watch, artifacts } from "./helpers/browser.mjs";

function redflag() {
  const bin = join(root, "target/release/redflag");
  if (!existsSync(bin)) execFileSync("cargo", ["build", "--release", "--bin", "redflag"], { cwd: root, stdio: "inherit" });
  return bin;
}

test("the HTML evaluation report renders without errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redflag-eval-"));
  const html = join(dir, "report.html");
  execFileSync(redflag(), ["eval", "--labels", join(root, "rules/eval/labelled.jsonl"), "--format", "html", "-o", html], { stdio: ["ignore", "inherit", "inherit"] });
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watch(page);
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    assert.equal(await page.locator("svg.chart").count(), 2, "two plots");
    assert.equal(await page.locator("svg.chart rect").count() > 6, true, "the plots have bars");
    const tiers = await page.$$eval("table:first-of-type tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
    assert.deepEqual(tiers, ["warn", "review", "block"]);
    assert.match(await page.textContent("body"), /Worst false negatives/);
    assert.deepEqual(requests, [pathToFileURL(html).href], "nothing fetched but the page");
    await page.screenshot({ path: join(artifacts(), "eval-report.png"), fullPage: false });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
