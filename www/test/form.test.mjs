// The web form integration and the demo pages in real headless Chromium,
// against the demo server (which records every request), under the demo's
// strict Content-Security-Policy, with the real packed npm package.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { consumer } from "./helpers/package.mjs";
import { launch, watch, artifacts } from "./helpers/browser.mjs";
import { startDemo, CSP } from "../demo/server.mjs";
import { uiStrings } from "../form/messages.js";

let demo, browser;
before(async () => {
  demo = await startDemo({ pkgDir: join(consumer(), "node_modules/redflag") });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

/** A fresh page on the demo form, engine ready, with problem tracking. */
async function openForm() {
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
  const problems = watch(page);
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const res = await page.goto(`${demo.url}/`);
  assert.equal(res.headers()["content-security-policy"], CSP);
  await page.waitForSelector("html[data-redflag-ready=true]", { timeout: 15000 });
  return { page, problems };
}

async function done(page, problems) {
  const csp = await page.evaluate(() => window.cspViolations);
  assert.deepEqual(csp, [], "no CSP violations");
  assert.deepEqual(problems, [], "no console or page errors");
  await page.close();
}

const posts = () => demo.requests.filter((r) => r.method === "POST" && r.path === "/ads");

async function fill(page, ad) {
  await page.selectOption("#section", ad.section);
  for (const f of ["title", "body", "price", "contact"]) await page.fill(`#${f}`, ad[f] ?? "");
}

const warnAd = {
  section: "jobs",
  title: "Hotel jobs 🌴",
  // A fee alone warns; with its amount or a deadline it would go to review
  // (and so it would abroad, where the n-gram model raises it one step).
  body: "😀 Great hotel jobs in town! Pay the régistration fee at the agency in Départure Street. Good salary.",
};
const reviewAd = {
  section: "jobs",
  title: "Factory work",
  // A strong indicator alone reaches review (with a fee it would block).
  body: "Your passport will be kept by the employer. Start before the summer.",
};
const blockAd = { section: "adult", title: "New in town", body: "Sweet new girl, age: 16, discreet incall." };
const cleanAd = { section: "for-sale", title: "Road bike, 54 cm", body: "Aluminium frame, new tyres, café racer bar tape. 😀", price: "250", contact: "in person" };

test("typing a flagged ad shows the warning, and highlights are exactly the matched original text", async () => {
  const { page, problems } = await openForm();
  await page.selectOption("#section", "jobs");
  await page.fill("#title", warnAd.title);
  const t0 = Date.now();
  await page.locator("#body").pressSequentially(warnAd.body, { delay: 5 });
  await page.waitForSelector(".redflag-warn", { timeout: 5000 });
  const shownAfter = Date.now() - t0;
  // No keystroke dropped while screening ran.
  assert.equal(await page.inputValue("#body"), warnAd.body);
  const { verdict, stats } = await page.evaluate(() => ({ verdict: window.redflagForm.lastVerdict(), stats: window.redflagForm.stats() }));
  assert.equal(verdict.verdict, "warn");
  assert.ok(stats.screens < warnAd.body.length / 2, `debounced: ${stats.screens} screens for ${warnAd.body.length} keystrokes`);
  console.log(`  warning shown ${shownAfter} ms after typing started; ${stats.screens} screens, mean ${stats.meanMs.toFixed(2)} ms, max ${stats.maxMs.toFixed(2)} ms (${stats.mode === "worker" ? "in the worker" : "on the main thread"})`);
  const marks = await page.$$eval(".redflag-excerpt mark", (ms) => ms.map((m) => m.textContent));
  assert.ok(marks.length > 0, "explainable hits are highlighted");
  const expected = verdict.hits
    .filter((h) => h.category === "recruitment-fee" && h.field === "body")
    .map((h) => warnAd.body.slice(h.start, h.end));
  for (const m of marks) assert.ok(expected.includes(m), `mark ${JSON.stringify(m)} is a matched span`);
  assert.ok(marks.includes("régistration"), `accents kept: ${marks}`);
  // The excerpt is the field's text, unchanged, with marks in it.
  const excerpt = await page.textContent('.redflag-excerpt[data-field="body"]');
  assert.equal(excerpt, warnAd.body);
  // The region is announced politely while typing, and names no term in its message.
  assert.equal(await page.getAttribute("#redflag-messages", "aria-live"), "polite");
  const heading = await page.textContent(".redflag-heading");
  assert.equal(heading, uiStrings.en.warnHeading);
  await page.screenshot({ path: join(artifacts(), "form-warn-typing.png"), fullPage: true });
  await done(page, problems);
});

test("a block ad is never sent, and focus moves to the message", async () => {
  const before = posts().length;
  const { page, problems } = await openForm();
  await fill(page, blockAd);
  // Keyboard only: focus the submit button and press Enter.
  await page.focus("#submit");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".redflag-block", { timeout: 5000 });
  assert.equal(await page.getAttribute("#redflag-messages", "role"), "alert");
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains("redflag-message")), "focus on the message");
  const text = await page.textContent(".redflag-block");
  assert.ok(!/16|age/i.test(text), `the message names nothing that matched: ${text}`);
  await page.screenshot({ path: join(artifacts(), "form-block.png"), fullPage: true });
  // Try again: still nothing sent.
  await page.click("#submit");
  await page.waitForTimeout(300);
  assert.equal(posts().length, before, "the server received no post");
  assert.equal(page.url(), `${demo.url}/`);
  await done(page, problems);
});

test("a warn ad is sent only after the poster confirms, with the verdict summary", async () => {
  const before = posts().length;
  const { page, problems } = await openForm();
  await fill(page, warnAd);
  await page.click("#submit");
  await page.waitForSelector(".redflag-warn [data-action=confirm]", { timeout: 5000 });
  await page.waitForTimeout(200);
  assert.equal(posts().length, before, "nothing sent before confirmation");
  await page.screenshot({ path: join(artifacts(), "form-warn-submit.png"), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Tab").then(() => page.click("[data-action=confirm]"))]);
  assert.equal(posts().length, before + 1);
  const form = new URLSearchParams(posts().at(-1).body);
  assert.equal(form.get("body"), warnAd.body);
  const summary = JSON.parse(form.get("redflag"));
  assert.equal(summary.tier, "warn");
  assert.ok(summary.rules.includes("core.jobs.fee"));
  await done(page, problems);
});

test("a review ad arrives with the verdict summary and no text in it", async () => {
  const before = posts().length;
  const { page, problems } = await openForm();
  await fill(page, reviewAd);
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  assert.equal(await page.textContent("#received"), "Ad received");
  assert.equal(posts().length, before + 1);
  const form = new URLSearchParams(posts().at(-1).body);
  assert.equal(form.get("title"), reviewAd.title);
  assert.equal(form.get("body"), reviewAd.body);
  const summary = JSON.parse(form.get("redflag"));
  assert.equal(summary.tier, "review");
  assert.ok(summary.score >= 4, `score ${summary.score}`);
  // Every built-in pack, as id@version, read from the package's own packs.
  const shipped = JSON.parse(readFileSync(join(consumer(), "node_modules/redflag/default-packs.json"), "utf8"));
  assert.deepEqual(
    [...summary.packs].sort(),
    shipped.map((p) => `${p.pack.id}@${p.pack.version}`).sort(),
  );
  assert.ok(summary.rules.includes("core.jobs.documents-held"));
  assert.deepEqual(Object.keys(summary).sort(), ["packs", "rules", "score", "tier"]);
  assert.ok(!form.get("redflag").includes("passport"), "no ad text in the summary");
  await page.screenshot({ path: join(artifacts(), "form-review-sent.png"), fullPage: true });
  await done(page, problems);
});

test("a clean ad arrives unchanged and without delay", async () => {
  const before = posts().length;
  const { page, problems } = await openForm();
  await fill(page, cleanAd);
  await Promise.all([page.waitForNavigation(), page.click("#submit")]);
  assert.equal(posts().length, before + 1);
  const got = posts().at(-1).body;
  const want = new URLSearchParams({ section: cleanAd.section, title: cleanAd.title, body: cleanAd.body, price: cleanAd.price, contact: cleanAd.contact }).toString();
  assert.equal(got, want, "exactly the form's fields, nothing added");
  await done(page, problems);
});

test("the playground shows pack errors with their paths, then screens with the fixed pack", async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const problems = watch(page);
  await page.goto(`${demo.url}/playground`);
  await page.waitForSelector("html[data-redflag-ready=true]", { timeout: 15000 });
  await page.waitForSelector("#scores tbody tr");
  const good = await page.inputValue("#pack");
  const bad = JSON.parse(good);
  bad.rule[0].match.near.within = "far";
  bad.rule[1].match.entity.kind = "fax";
  await page.fill("#pack", JSON.stringify(bad, null, 2));
  await page.waitForSelector("#pack-errors li", { timeout: 5000 });
  const paths = await page.$$eval("#pack-errors li code", (cs) => cs.map((c) => c.textContent));
  assert.ok(paths.includes("rule[0].match.near.within"), paths.join());
  await page.fill("#pack", "{ not json");
  await page.waitForFunction(() => /not valid JSON/.test(document.getElementById("pack-errors").textContent));
  await page.fill("#pack", good);
  await page.waitForSelector("#pack-status.good");
  await page.waitForSelector("#highlighted mark");
  const { marks, text } = await page.evaluate(() => ({
    marks: [...document.querySelectorAll("#highlighted mark")].map((m) => m.textContent),
    text: document.getElementById("ad").value,
  }));
  assert.ok(marks.includes("régistration"), marks.join("|"));
  for (const m of marks) assert.ok(text.includes(m));
  assert.equal(await page.textContent("#highlighted"), text, "highlighting keeps the ad text intact");
  await page.screenshot({ path: join(artifacts(), "playground.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("interface strings exist in all four languages with the same keys", () => {
  const keys = Object.keys(uiStrings.en).sort();
  for (const lang of ["es", "fr", "pt"]) assert.deepEqual(Object.keys(uiStrings[lang]).sort(), keys, lang);
});
