// The report control (redflag/report, from the real packed npm package) in
// real headless Chromium on a listing page served through the edge worker in
// real workerd: a report sent with the keyboard reaches the origin's queue
// (REPORT_URL, a real origin process) as a re-screened, ranked record; focus
// management, the live region, four interface languages, rate-limit and
// validation messages, markup typed in the comment staying inert. Then the
// form helper's appeal link (appealUrl) on a block, on the demo server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize, sep } from "node:path";
import { consumer, importPackage, root } from "./helpers/package.mjs";
import { launch, watch } from "./helpers/browser.mjs";
import { startOrigin, startWorker } from "./helpers/edge.mjs";
import { startDemo, CSP } from "../demo/server.mjs";
import { reportStrings } from "../report/messages.js";
import { uiStrings } from "../form/messages.js";

const SECRET = "report-control-secret-0123456789";
const ENTITY_KEY = "report-control-entity-key-0123456789ab";
const RATE = 2;
const ad = { section: "adult", title: "New in town", body: "Sweet new girl, age: 16, discreet. Call 202-555-0147." };

let site, origin, worker, browser, demo, pkgDir;

/** The listing site (the worker's ORIGIN): a listing page and the control, from the installed package, under a strict CSP. */
function startSite() {
  const pages = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    pages.push(url.pathname);
    if (url.pathname.startsWith("/listing/")) {
      const lang = url.searchParams.get("lang") ?? "en";
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-security-policy": CSP });
      res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Listing</title></head><body><main>
<article id="ad"><h1 id="ad-title">${ad.title}</h1><p id="ad-body">${ad.body}</p><div id="report-slot"></div></article>
<p><a href="#top" id="after">Back to top</a></p></main><script type="module" src="/listing.js"></script></body></html>`);
      return;
    }
    if (url.pathname === "/listing.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      res.end(`import { attachReport } from "/report/redflag-report.js";
const slot = document.getElementById("report-slot");
window.reports = [];
slot.addEventListener("redflag:report", (e) => window.reports.push(e.detail));
window.control = attachReport(slot, { listing: "ad-" + location.pathname.split("/").pop(), url: location.pathname, ad: { section: "adult", title: "#ad-title", body: document.getElementById("ad-body") } });
document.documentElement.dataset.ready = "true";
`);
      return;
    }
    if (url.pathname.startsWith("/report/")) {
      const dir = join(pkgDir, "report");
      const file = normalize(join(dir, url.pathname.slice("/report/".length)));
      if (file.startsWith(dir + sep) && existsSync(file)) {
        res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
        res.end(await readFile(file));
        return;
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${server.address().port}`, pages, close: () => new Promise((d) => server.close(d)) })));
}

before(async () => {
  pkgDir = join(consumer(), "node_modules/redflag");
  site = await startSite();
  origin = await startOrigin({ VERDICT_SECRET: SECRET });
  worker = await startWorker({
    ORIGIN: site.url,
    VERDICT_SECRET: SECRET,
    ENTITY_KEY,
    REPORT_URL: `${origin.url}/moderation/reports`,
    REPORT_RATE_LIMIT: String(RATE),
  });
  browser = await launch();
  demo = await startDemo({ pkgDir });
});
after(async () => {
  await browser?.close();
  await worker?.stop();
  await origin?.stop();
  await site?.close();
  await demo?.close();
});

let clients = 0;
/** A listing page through the worker, as one client (its own rate-limit window). */
async function openListing(n, { lang = "en" } = {}) {
  const page = await browser.newPage();
  const problems = watch(page);
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": `203.0.113.${++clients}` });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.dialogs = 0;
  });
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  const res = await page.goto(`${worker.url}/listing/${n}?lang=${lang}`);
  assert.equal(res.status(), 200);
  await page.waitForSelector("html[data-ready=true]", { timeout: 10000 });
  return { page, problems };
}

async function done(page, problems) {
  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], "no CSP violations");
  assert.deepEqual(problems, [], "no console or page errors, no dialogs");
  await page.close();
}

const focused = (page) => page.evaluate(() => ({ cls: document.activeElement?.className ?? "", value: document.activeElement?.value ?? null, tag: document.activeElement?.tagName }));
const recordsFor = async (listing) => (await origin.log()).filter((r) => r.path === "/moderation/reports" && r.json?.listing === listing);

test("keyboard only: a report goes from the control through the edge in workerd to the origin's queue, re-screened and ranked; focus and the live region follow", async () => {
  const { page, problems } = await openListing(1);
  const t = reportStrings.en;
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).cls, "redflag-report-button", "the control's button is the first stop");
  const button = page.locator(".redflag-report-button");
  assert.equal(await button.getAttribute("aria-expanded"), "false");
  assert.equal(await page.locator(".redflag-report-panel").isHidden(), true);
  await page.keyboard.press("Enter");
  assert.equal(await button.getAttribute("aria-expanded"), "true");
  assert.deepEqual(await focused(page), { cls: "", value: "minor", tag: "INPUT" }, "opening focuses the reasons");
  // Arrow keys move within the radio group; Tab leaves it for the comment.
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.locator("input[type=radio]:checked").getAttribute("value"), "fees-debt");
  await page.keyboard.press("ArrowUp");
  assert.equal(await page.locator("input[type=radio]:checked").getAttribute("value"), "minor");
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).cls, "redflag-report-comment");
  const comment = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script> She looks about 15.`;
  await page.keyboard.type(comment);
  await page.keyboard.press("Tab");
  assert.equal((await focused(page)).cls, "redflag-report-send");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".redflag-report-status[data-state=sent]", { timeout: 10000 });
  const status = await page.locator(".redflag-report-status").textContent();
  const ref = /([0-9a-f-]{36})/.exec(status)?.[1];
  assert.ok(ref, status);
  assert.equal(status, t.sent.replace("{ref}", ref));
  assert.equal((await focused(page)).cls, "redflag-report-status", "the outcome takes focus");
  assert.equal(await page.locator(".redflag-report-status").getAttribute("role"), "status");
  assert.equal(await button.isDisabled(), true);
  assert.equal(await button.textContent(), t.reported);
  assert.equal(await page.locator(".redflag-report-panel").isHidden(), true);
  assert.deepEqual(await page.evaluate(() => window.reports), [{ reference: ref, reason: "minor" }]);
  // What was typed stays text: nothing ran, nothing was added to the page.
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator("#report-slot img, #report-slot script").count(), 0);
  // The origin's queue got the re-screened, ranked record.
  const [o] = await recordsFor("ad-1");
  assert.ok(o, "the record reached REPORT_URL");
  assert.equal(o.tokenValid, true);
  const rec = o.json;
  assert.equal(rec.reference, ref);
  assert.equal(rec.url, `${worker.url}/listing/1`);
  assert.equal(rec.reason, "minor");
  assert.equal(rec.comment, comment);
  const { Engine } = await importPackage();
  const want = new Engine(undefined, { entityKey: ENTITY_KEY }).screen(ad, { entities: true });
  assert.equal(rec.verdict, "block");
  assert.deepEqual(rec.rules, want.rules.map((r) => r.id));
  assert.deepEqual(rec.contacts, want.entities.filter((e) => e.hash).map((e) => `${e.kind}:${e.hash}`));
  assert.equal(rec.priority, 39);
  assert.ok(!JSON.stringify(o).includes("555-0147") && !JSON.stringify(o).includes("5550147"), "no raw contact reaches the queue");
  await done(page, problems);
});

test("Escape and Cancel close the form and return focus to the button; sending without a reason says so and sends nothing", async () => {
  const { page, problems } = await openListing(2);
  const button = page.locator(".redflag-report-button");
  await button.focus();
  await page.keyboard.press("Space");
  assert.equal(await button.getAttribute("aria-expanded"), "true");
  await page.keyboard.press("Escape");
  assert.equal(await button.getAttribute("aria-expanded"), "false");
  assert.equal(await page.locator(".redflag-report-panel").isHidden(), true);
  assert.equal((await focused(page)).cls, "redflag-report-button");
  await page.keyboard.press("Enter");
  await page.click(".redflag-report-cancel");
  assert.equal(await page.locator(".redflag-report-panel").isHidden(), true);
  assert.equal((await focused(page)).cls, "redflag-report-button");
  await page.keyboard.press("Enter");
  await page.click(".redflag-report-send");
  assert.equal(await page.locator(".redflag-report-status").textContent(), reportStrings.en.chooseReason);
  assert.equal(await page.locator(".redflag-report-reasons").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator(".redflag-report-error").isVisible(), true);
  assert.deepEqual(await focused(page), { cls: "", value: "minor", tag: "INPUT" });
  await new Promise((ok) => setTimeout(ok, 300));
  assert.equal((await recordsFor("ad-2")).length, 0, "nothing was sent");
  // Once a reason is chosen the error goes and the report is sent.
  await page.check("input[value=documents]");
  await page.click(".redflag-report-send");
  await page.waitForSelector(".redflag-report-status[data-state=sent]", { timeout: 10000 });
  assert.equal(await page.locator(".redflag-report-reasons").getAttribute("aria-invalid"), null);
  const [o] = await recordsFor("ad-2");
  assert.equal(o.json.reason, "documents");
  assert.equal(o.json.comment, "");
  await done(page, problems);
});

test("interface languages en, es, fr, pt: every control has its accessible name in the page's language; other languages use English", async () => {
  for (const [tag, lang] of [["en", "en"], ["es", "es"], ["fr-CA", "fr"], ["pt-BR", "pt"], ["de", "en"]]) {
    const { page, problems } = await openListing(10, { lang: tag });
    const t = reportStrings[lang];
    assert.equal(await page.getByRole("button", { name: t.button, exact: true }).count(), 1, `${tag}: button`);
    await page.getByRole("button", { name: t.button, exact: true }).click();
    assert.equal(await page.getByRole("group", { name: t.question }).count(), 1, `${tag}: the reasons are a named group`);
    for (const [reason, label] of Object.entries(t.reasons)) {
      assert.equal(await page.getByRole("radio", { name: label, exact: true }).getAttribute("value"), reason, `${tag}: ${reason}`);
    }
    const textarea = page.getByRole("textbox", { name: t.comment, exact: true });
    assert.equal(await textarea.count(), 1, `${tag}: comment label`);
    assert.equal(await textarea.getAttribute("maxlength"), "1000");
    const hint = await page.evaluate((id) => document.getElementById(id).textContent, await textarea.getAttribute("aria-describedby"));
    assert.equal(hint, t.commentHint.replace("{max}", "1000"));
    assert.equal(await page.getByRole("button", { name: t.send, exact: true }).count(), 1);
    assert.equal(await page.getByRole("button", { name: t.cancel, exact: true }).count(), 1);
    assert.equal(await page.locator(".redflag-report").getAttribute("lang"), lang);
    await done(page, problems);
  }
  const keys = Object.keys(reportStrings.en).sort();
  for (const lang of ["es", "fr", "pt"]) {
    assert.deepEqual(Object.keys(reportStrings[lang]).sort(), keys, lang);
    assert.deepEqual(Object.keys(reportStrings[lang].reasons).sort(), Object.keys(reportStrings.en.reasons).sort(), lang);
  }
});

test("past the edge's rate limit the control says so and keeps the form open, focus on Send", async () => {
  const page = await browser.newPage();
  const problems = watch(page);
  await page.setExtraHTTPHeaders({ "cf-connecting-ip": "203.0.113.250" });
  let status = null;
  for (let i = 0; i <= RATE; i++) {
    await page.goto(`${worker.url}/listing/rate${i}`);
    await page.waitForSelector("html[data-ready=true]");
    await page.click(".redflag-report-button");
    await page.check("input[value=other]");
    await page.focus(".redflag-report-send");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".redflag-report-status:not([data-state=sending])[data-state]", { timeout: 10000 });
    status = await page.locator(".redflag-report-status").getAttribute("data-state");
    if (i < RATE) assert.equal(status, "sent", `report ${i + 1}`);
  }
  assert.equal(status, "error");
  assert.equal(await page.locator(".redflag-report-status").textContent(), reportStrings.en.tooMany);
  assert.equal(await page.locator(".redflag-report-panel").isHidden(), false);
  assert.equal(await page.locator(".redflag-report-button").isDisabled(), false);
  assert.equal((await focused(page)).cls, "redflag-report-send");
  assert.equal((await recordsFor(`ad-rate${RATE}`)).length, 0);
  // The 429 is the expected answer here, not a page problem.
  assert.deepEqual(problems.filter((p) => !p.startsWith("HTTP 429")), []);
  await page.close();
});

test("redflag/report ships in the package: ES module, CommonJS twin and types that check", async () => {
  const dir = consumer();
  const cjs = execFileSync(process.execPath, ["-e", 'const r = require("redflag/report"); console.log(typeof r.attachReport, r.DEFAULT_ENDPOINT, r.MAX_COMMENT)'], { cwd: dir, encoding: "utf8" });
  assert.equal(cjs.trim(), "function /__redflag/report 1000");
  const esm = execFileSync(process.execPath, ["--input-type=module", "-e", 'const r = await import("redflag/report"); console.log(typeof r.attachReport)'], { cwd: dir, encoding: "utf8" });
  assert.equal(esm.trim(), "function");
  const ts = mkdtempSync(join(tmpdir(), "redflag-report-types-"));
  writeFileSync(
    join(ts, "use.ts"),
    `import { attachReport, type ReportController, type ReportOptions, type ReportEventDetail } from "redflag/report";
import { attachForm, appealLink, type BlockEventDetail } from "redflag/form";
import { Engine } from "redflag";
declare const slot: HTMLElement;
declare const form: HTMLFormElement;
const o: ReportOptions = { listing: 12, url: "/ads/12", ad: { section: "jobs", title: "#t", body: slot }, endpoint: "/__redflag/report", lang: "pt-BR", strings: { button: "Flag", reasons: { other: "Other" } } };
const c: ReportController = attachReport(slot, o);
attachReport(slot, { url: new URL("https://site.example/ads/1"), ad: () => ({ title: "x", body: "y" }) });
c.open(); c.close(); c.detach();
const b: HTMLButtonElement = c.button;
slot.addEventListener("redflag:report", (e) => { const d = (e as CustomEvent<ReportEventDetail>).detail; const r: string | null = d.reference; return r; });
attachForm(form, { engine: new Engine(), appealUrl: "/appeal?ref={ref}" });
form.addEventListener("redflag:block", (e) => { const d = (e as CustomEvent<BlockEventDetail>).detail; return d.reference + d.time + d.summary.rules.join(","); });
const l: string = appealLink("/appeal/{ref}", "x");
// @ts-expect-error a reason that does not exist
attachReport(slot, { listing: "1", ad: { body: "x" }, strings: { reasons: { spam: "Spam" } } });
// @ts-expect-error the ad's text is required
attachReport(slot, { listing: "1" });
export { b, l };
`,
  );
  writeFileSync(join(ts, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "node16", moduleResolution: "node16", lib: ["es2022", "dom"], types: [], skipLibCheck: false, typeRoots: [] }, files: ["use.ts"] }));
  writeFileSync(join(ts, "package.json"), JSON.stringify({ type: "module" }));
  execFileSync("ln", ["-s", join(dir, "node_modules"), join(ts, "node_modules")]);
  try {
    execFileSync(process.execPath, [join(root, "www/node_modules/typescript/bin/tsc"), "-p", join(ts, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout}${e.stderr}`);
  }
});

// ------------------------------------------------ the form helper's appeal link

const FIELDS = ["title", "body", "price", "contact"];

/** The demo form with attachForm(options) on a lab page (as form-wiring.test.mjs does). */
async function openForm(options, lang = "en") {
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  const problems = watch(page);
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.route(`${demo.url}/lab*`, async (route) => {
    const res = await route.fetch({ url: `${demo.url}/` });
    const html = (await res.text()).replace('<html lang="en">', `<html lang="${lang}">`).replace('src="/app.js"', 'src="/lab-app.js"');
    await route.fulfill({ response: res, body: html });
  });
  await page.route(`${demo.url}/lab-app.js`, (route) =>
    route.fulfill({
      status: 200,
      headers: { "content-type": "text/javascript; charset=utf-8", "content-security-policy": CSP },
      body: `import { Engine } from "/redflag/index.js";
import { attachForm } from "/form/redflag-form.js";
const form = document.getElementById("post-ad");
window.blocks = [];
form.addEventListener("redflag:block", (e) => window.blocks.push(e.detail));
window.redflagForm = attachForm(form, { engine: new Engine(), fields: ${JSON.stringify(FIELDS)}, section: "select[name=section]", messages: "#redflag-messages", ...${JSON.stringify(options)} });
document.documentElement.dataset.redflagReady = "true";
`,
    }),
  );
  await page.goto(`${demo.url}/lab`);
  await page.waitForSelector("html[data-redflag-ready=true]", { timeout: 15000 });
  await page.selectOption("#section", ad.section);
  await page.fill("#title", ad.title);
  await page.fill("#body", ad.body);
  return { page, problems };
}

test("form helper: a blocked submit shows an appeal link carrying the block's reference, reachable with Tab; the redflag:block event carries the same reference and the summary", async () => {
  const { page, problems } = await openForm({ appealUrl: "/help/appeal?ref={ref}&src=form" });
  const before = demo.requests.filter((r) => r.method === "POST").length;
  await page.click("#submit");
  await page.waitForSelector(".redflag-block .redflag-appeal");
  const ref = await page.locator(".redflag-reference").textContent();
  assert.match(ref, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const link = page.locator(".redflag-appeal a");
  assert.equal(await link.getAttribute("href"), `${demo.url}/help/appeal?ref=${ref}&src=form`);
  assert.equal(await link.getAttribute("target"), "_blank");
  const [pre, post] = uiStrings.en.appeal.split(/\[[^\]]+\]/);
  assert.equal(await page.locator(".redflag-appeal").textContent(), `${pre}Appeal this decision ${uiStrings.en.newTab}${post}`.replace("{ref}", ref));
  // Focus is on the block message; the next Tab stop is the appeal link.
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains("redflag-block")), true);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.closest(".redflag-appeal") !== null && document.activeElement.tagName), "A");
  const [detail] = await page.evaluate(() => window.blocks);
  assert.equal(detail.reference, ref);
  assert.equal(detail.summary.tier, "block");
  assert.ok(detail.summary.rules.length > 0);
  assert.ok(Math.abs(Date.parse(detail.time) - Date.now()) < 60_000);
  assert.ok(!JSON.stringify(detail).includes("Sweet"), "the event carries no text");
  assert.equal(demo.requests.filter((r) => r.method === "POST").length, before, "nothing was posted");
  await done(page, problems);
});

test("form helper: the appeal text is in the page's language; without appealUrl there is no link, and the event still fires", async () => {
  const es = await openForm({ appealUrl: "https://help.example/apelar/{ref}" }, "es");
  await es.page.click("#submit");
  await es.page.waitForSelector(".redflag-appeal");
  const ref = await es.page.locator(".redflag-reference").textContent();
  assert.equal(await es.page.locator(".redflag-appeal a").getAttribute("href"), `https://help.example/apelar/${ref}`);
  assert.equal(await es.page.locator(".redflag-appeal a").evaluate((a) => a.firstChild.textContent), "Recurre esta decisión");
  await done(es.page, es.problems);
  const none = await openForm({});
  await none.page.click("#submit");
  await none.page.waitForSelector(".redflag-block");
  assert.equal(await none.page.locator(".redflag-appeal").count(), 0);
  assert.equal((await none.page.evaluate(() => window.blocks)).length, 1);
  await done(none.page, none.problems);
  // A javascript: appeal URL is never made a link.
  const bad = await openForm({ appealUrl: "javascript:alert(1)//{ref}" });
  await bad.page.click("#submit");
  await bad.page.waitForSelector(".redflag-block");
  assert.equal(await bad.page.locator(".redflag-appeal").count(), 0);
  await done(bad.page, bad.problems);
});
