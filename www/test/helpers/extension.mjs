// The reviewer extension, unpacked from the real npm package, in Debian's
// headless Chromium, with the fixture pages served over HTTP. Shared by the
// extension's test files.
//
// Host access: the extension asks for no site at install; a reviewer adds a
// console on the options page, which calls chrome.permissions.request. Its
// prompt cannot be answered in headless Chromium, so `addConsole` grants the
// site the way a reviewer can beforehand: the site-access setting of the
// extension's page in chrome://extensions ("On specific sites", the call its
// "Add a site" dialog makes). The options page's request then resolves
// without a prompt, as it does for any origin already granted.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, executablePath, chromiumArgs, watch } from "./browser.mjs";
import { consumer } from "./package.mjs";
import { buildExtension } from "../../extension/build.mjs";

export const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

/**
 * Builds the unpacked extension, serves `routes` (URL path → [content type,
 * fixture file]) and anything `handle(path, res)` answers (it returns true),
 * and starts Chromium with the extension loaded.
 * `args` are more Chromium flags (the OCR test blocks every host but this server's).
 * @param {{ routes: Record<string, [string, string]>, headers?: Record<string, Record<string, string>>, handle?: (path: string, res: import("node:http").ServerResponse, req: import("node:http").IncomingMessage) => boolean, args?: string[] }} options
 */
export async function startExtension({ routes, headers = {}, handle = () => false, args = [] }) {
  const extDir = buildExtension(join(consumer(), "node_modules/redflag"), join(mkdtempSync(join(tmpdir(), "redflag-ext-")), "ext"));
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (handle(path, res, req)) return;
    if (!routes[path]) return res.writeHead(404).end();
    const [type, file] = routes[path];
    res.writeHead(200, { "content-type": `${type}; charset=utf-8`, ...headers[path] });
    res.end(readFileSync(join(fixtures, file)));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = mkdtempSync(join(tmpdir(), "redflag-profile-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath,
    acceptDownloads: true,
    viewport: { width: 1300, height: 900 },
    args: [...chromiumArgs, ...args, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`],
  });
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent("serviceworker"));
  const extId = new URL(sw.url()).host;

  /**
   * Adds a moderation console as a reviewer does: site access for its origin
   * on the extension's chrome://extensions page, then "Add console" on the
   * options page (a real click, so the request runs under a user gesture).
   */
  async function addConsole(url) {
    const origin = `${new URL(url).protocol}//${new URL(url).hostname}/*`;
    const ext = await ctx.newPage();
    await ext.goto(`chrome://extensions/?id=${extId}`);
    await ext.evaluate(([id, o]) => chrome.developerPrivate.addHostPermission(id, o), [extId, origin]);
    await ext.close();
    const options = await ctx.newPage();
    const problems = watch(options);
    await options.goto(`chrome-extension://${extId}/options.html`);
    await options.waitForSelector("html[data-ready=true]");
    await options.fill("#console-url", url);
    await options.click("#add-console");
    await options.waitForFunction((u) => [...document.querySelectorAll("#consoles code")].some((c) => c.textContent === u), new URL(url).href);
    assert.match(await options.textContent("#console-status"), /Added/);
    assert.deepEqual(problems, []);
    await options.close();
  }

  /** Opens a fixture page and waits until the extension has screened it. */
  async function open(path) {
    const page = await ctx.newPage();
    const problems = watch(page);
    await page.goto(`${base}${path}`);
    await page.waitForSelector("html[data-redflag-screened=true]", { timeout: 15000 });
    return { page, problems };
  }

  async function close() {
    await ctx?.close();
    server?.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dirname(extDir), { recursive: true, force: true });
  }

  return { ctx, sw, extId, base, extDir, addConsole, open, close };
}
