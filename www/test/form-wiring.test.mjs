// The web form helper for the people who wire it in (issues #24 and #26),
// in real headless Chromium against the demo server, under the demo's strict
// Content-Security-Policy, with the real packed npm package: layout shift,
// live-region announcements, "Edit my ad", the block message, the rules
// link, screening in a Worker, interface languages and the types.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { execFileSync } from "node:child_process";
import { consumer, importPackage, root } from "./helpers/package.mjs";
import { launch, watch, artifacts } from "./helpers/browser.mjs";
import { startDemo, CSP } from "../demo/server.mjs";
import * as messages from "../form/messages.js";

const { uiStrings } = messages;

let demo, browser, Engine, nodeEngine, explainable, packsJson;
before(async () => {
  const pkgDir = join(consumer(), "node_modules/redflag");
  demo = await startDemo({ pkgDir });
  browser = await launch();
  ({ Engine } = await importPackage());
  nodeEngine = new Engine();
  explainable = new Set(nodeEngine.explainableCategories());
  packsJson = JSON.parse(readFileSync(join(pkgDir, "default-packs.json"), "utf8")).map((p) => (typeof p === "string" ? JSON.parse(p) : p));
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

const FIELDS = ["title", "body", "price", "contact"];
const posts = () => demo.requests.filter((r) => r.method === "POST" && r.path === "/ads");

/**
 * A page on the demo form. `lab` serves the demo's own HTML at /lab with
 * `<html lang>` set to `lang`, attaching the form with `options` (JSON;
 * `engine: false` leaves the page engine out, `worker: true` screens in
 * the package's worker) instead of the demo's app.js.
 */
async function open({ lab = false, lang = null, options = {}, viewport = { width: 900, height: 1000 } } = {}) {
  const page = await browser.newPage({ viewport });
  const problems = watch(page);
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    window.layoutShifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.layoutShifts.push({ value: e.value, recent: e.hadRecentInput, sources: (e.sources ?? []).map((s) => s.node?.id || s.node?.className || s.node?.nodeName || "?") });
      }
    }).observe({ type: "layout-shift", buffered: true });
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push(e.duration);
    }).observe({ type: "longtask", buffered: true });
  });
  let path = "/";
  if (lab) {
    await page.route(`${demo.url}/lab*`, async (route) => {
      const res = await route.fetch({ url: `${demo.url}/` });
      let html = await res.text();
      html = html.replace('<html lang="en">', `<html lang="${lang ?? "en"}">`).replace('src="/app.js"', 'src="/lab-app.js"');
      await route.fulfill({ response: res, body: html });
    });
    await page.route(`${demo.url}/lab-app.js`, (route) =>
      route.fulfill({
        status: 200,
        headers: { "content-type": "text/javascript; charset=utf-8", "content-security-policy": CSP },
        body: `import { Engine } from "/redflag/index.js";
import { attachForm } from "/form/redflag-form.js";
const o = ${JSON.stringify(options)};
const opts = { fields: ${JSON.stringify(FIELDS)}, section: "select[name=section]", messages: "#redflag-messages", ...o };
if (o.engine === false) delete opts.engine; else opts.engine = new Engine();
if (o.worker === true) opts.worker = { packageUrl: "/redflag/index.js" };
window.redflagForm = attachForm(document.getElementById("post-ad"), opts);
await window.redflagForm.ready?.();
if (o.detach === true) window.redflagForm.detach();
document.documentElement.dataset.redflagReady = "true";
`,
      }),
    );
    path = "/lab";
  }
  const res = await page.goto(`${demo.url}${path}`);
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

async function fill(page, ad) {
  await page.selectOption("#section", ad.section);
  for (const f of FIELDS) await page.fill(`#${f}`, ad[f] ?? "");
}

const screens = (page) => page.evaluate(() => window.redflagForm.stats().screens);

/** Waits until the helper has screened the text once more than `n` times and shown it. */
async function screenedAfter(page, n) {
  await page.waitForFunction((n) => window.redflagForm.stats().screens > n, n, { timeout: 10000 });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0))));
}

// Synthetic indicator phrases only.
const warnAd = {
  section: "jobs",
  title: "Hotel jobs 🌴",
  // Warn-level with the rules and the n-gram model (abroad, the model
  // raises a lone fee to review).
  body: "😀 Great hotel jobs in town! Pay the régistration fee at the agency in Départure Street. Good salary.",
};
const blockAd = { section: "adult", title: "New in town", body: "Sweet new girl, age: 16, discreet incall." };
const cleanAd = { section: "for-sale", title: "Road bike, 54 cm", body: "Aluminium frame, new tyres, café racer bar tape. 😀", price: "250", contact: "in person" };
// Warns with hits of a category that is not safe to show.
// Warn-level with the rules and the n-gram model, and no explainable hit.
const hiddenWarnAd = { section: "services", title: "Relaxing massage", body: "Late hours. Oriental massage, young staff." };

/**
 * Chunks typed into the description, one input event each: allow → warn →
 * block → allow. The n-gram model reads the warn states between 0.19 and
 * 0.39, and each is under its 100 characters, where it clears no warn and
 * raises nothing: the rules alone set the tier.
 */
const run = [
  "Hotel work in town, good salary. ",
  "Weekend shifts. ",
  "Pay the registration fee. ",
  "Uniform provided. ",
  "Bring your own shoes. ",
  "The employer keeps your passport. You cannot leave until the debt is paid. ",
  "Shared rooms. ",
];

test("typing through allow, warn, block and back to allow moves nothing on the page (layout shift 0)", async () => {
  const { page, problems } = await open();
  await page.selectOption("#section", "jobs");
  await page.fill("#title", "Hotel work");
  const tiers = [];
  const body = page.locator("#body");
  for (const chunk of run) {
    const n = await screens(page);
    await body.pressSequentially(chunk, { delay: 8 });
    await screenedAfter(page, n);
    tiers.push(await page.evaluate(() => document.forms[0].dataset.redflag));
  }
  // Back to the clean text, keystroke by keystroke.
  const n = await screens(page);
  const keep = run.slice(0, 2).join("").length;
  const total = run.join("").length;
  for (let i = total; i > keep; i--) await page.keyboard.press("Backspace", { delay: 2 });
  await screenedAfter(page, n);
  tiers.push(await page.evaluate(() => document.forms[0].dataset.redflag));
  const path = tiers.filter((t, i) => t !== tiers[i - 1]);
  assert.deepEqual(path, ["allow", "warn", "block", "allow"], `the run went through every tier: ${tiers}`);
  await page.screenshot({ path: join(artifacts(), "form-typing-no-shift.png"), fullPage: true });
  const shifts = await page.evaluate(() => window.layoutShifts);
  const cls = shifts.reduce((s, e) => s + e.value, 0);
  console.log(`  layout shifts while typing: ${shifts.length}, cumulative score ${cls.toFixed(4)} (${tiers.join(" → ")})`);
  assert.equal(cls, 0, `layout shifts (with or without recent input): ${JSON.stringify(shifts)}`);
  await done(page, problems);
});

test("the live region changes only when what it says changes, not after every pause", async () => {
  const { page, problems } = await open();
  await page.selectOption("#section", "jobs");
  await page.fill("#title", "Hotel work");
  await page.evaluate(() => {
    // Every change to the announced part of the region (an aria-live="off"
    // part inside it is not announced).
    window.announced = 0;
    const region = document.getElementById("redflag-messages");
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (!el.closest('[aria-live="off"]')) window.announced += 1;
      }
    }).observe(region, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.focus("#body");
  const said = [];
  let before = await screens(page);
  for (const chunk of run) {
    await page.keyboard.insertText(chunk);
    await screenedAfter(page, before);
    before = await screens(page);
    said.push(await page.evaluate(() => {
      const v = window.redflagForm.lastVerdict();
      return v.verdict === "allow" ? "allow" : JSON.stringify([v.verdict, v.poster_messages]);
    }));
  }
  // Delete back to the clean text in one edit.
  const keep = run.slice(0, 2).join("").length;
  await page.evaluate((keep) => {
    const b = document.getElementById("body");
    b.setSelectionRange(keep, b.value.length);
  }, keep);
  await page.keyboard.press("Backspace");
  await screenedAfter(page, before);
  said.push(await page.evaluate(() => window.redflagForm.lastVerdict().verdict));
  const changes = said.filter((s, i) => s !== (i ? said[i - 1] : "allow")).length;
  const { announced, screensDone } = await page.evaluate(() => ({ announced: window.announced, screensDone: window.redflagForm.stats().screens }));
  console.log(`  ${screensDone} screens, ${changes} changes of what is said, ${announced} changes to the live region`);
  assert.ok(changes >= 3, `the run changes the verdict: ${said.join(" | ")}`);
  assert.ok(said.length > changes + 2, "some pauses kept the same verdict");
  assert.equal(announced, changes, `one announcement per change: ${said.join(" | ")}`);
  await done(page, problems);
});

test('"Edit my ad" focuses the field with the problem and selects a hit only when it is safe to show', async () => {
  const { page, problems } = await open();
  await fill(page, warnAd);
  await page.click("#submit");
  await page.click(".redflag-warn [data-action=edit]");
  const v = await page.evaluate(() => window.redflagForm.lastVerdict());
  // The first field (in form order) holding a hit that counts.
  const counting = v.hits.filter((h) => h.score > 0);
  const field = FIELDS.find((f) => counting.some((h) => h.field === f));
  const first = counting.filter((h) => h.field === field && explainable.has(h.category)).sort((a, b) => a.start - b.start)[0];
  assert.ok(first, "the warn ad has an explainable hit");
  let got = await page.evaluate(() => ({ id: document.activeElement.id, start: document.activeElement.selectionStart, end: document.activeElement.selectionEnd }));
  assert.deepEqual(got, { id: field, start: first.start, end: first.end }, `selected: ${JSON.stringify(warnAd[field].slice(got.start, got.end))}`);
  await page.close();

  // A warning whose hits may not be shown: focus the field, caret at its start.
  const second = await open();
  await fill(second.page, hiddenWarnAd);
  await second.page.click("#submit");
  await second.page.click(".redflag-warn [data-action=edit]");
  const v2 = await second.page.evaluate(() => window.redflagForm.lastVerdict());
  assert.equal(v2.verdict, "warn");
  assert.ok(v2.hits.every((h) => !explainable.has(h.category)), "no explainable hit");
  const field2 = FIELDS.find((f) => v2.hits.some((h) => h.field === f && h.score > 0));
  got = await second.page.evaluate(() => ({ id: document.activeElement.id, start: document.activeElement.selectionStart, end: document.activeElement.selectionEnd }));
  assert.deepEqual(got, { id: field2, start: 0, end: 0 });
  assert.deepEqual(problems, []);
  await done(second.page, second.problems);
});

/** Poster messages of the packs' refusal rules (an ad under age, or written like one): they only say the ad can't be published. */
function packRefusals() {
  const out = new Set();
  for (const p of packsJson) {
    for (const r of p.rule ?? []) {
      if (/\.(minor|youth|youth-coding)$/.test(r.id) && r.explain?.poster) out.add(r.explain.poster);
    }
  }
  return out;
}

test("a block message says once that the ad can't be posted, in every pack language", async () => {
  const refused = packRefusals();
  assert.ok(refused.size >= 20, `refusals in the packs: ${refused.size}`);
  // One block case per pack language: the pack's own test of its minor rule.
  const cases = [];
  for (const p of packsJson) {
    const rule = (p.rule ?? []).find((r) => /\.adult\.minor$/.test(r.id) && r.tests?.fire?.length);
    if (!rule) continue;
    const lang = p.pack.languages?.[0] ?? "en";
    const fire = rule.tests.fire[0];
    const body = typeof fire === "string" ? fire : fire.body ?? Object.values(fire).join(" ");
    cases.push({ lang, ad: { section: "adult", title: "", body } });
  }
  assert.ok(cases.length >= 10, `pack languages with a block case: ${cases.map((c) => c.lang)}`);
  let checked = 0;
  for (const { lang, ad } of cases) {
    if (nodeEngine.screen(ad).verdict !== "block") continue;
    const { page, problems } = await open({ lab: true, lang });
    await fill(page, ad);
    await page.click("#submit");
    await page.waitForSelector(".redflag-block", { timeout: 5000 });
    const { heading, items } = await page.evaluate(() => ({
      heading: document.querySelector(".redflag-block .redflag-heading").textContent,
      items: [...document.querySelectorAll(".redflag-block li")].map((li) => li.textContent),
    }));
    // Pack languages are interface languages too.
    const strings = uiStrings[lang] ?? uiStrings.en;
    assert.equal(heading, strings.blockHeading, lang);
    for (const item of items) assert.ok(!refused.has(item), `${lang}: "${item}" says again what the heading says`);
    assert.equal(new Set(items).size, items.length, `${lang}: no message twice`);
    checked += 1;
    await done(page, problems);
  }
  assert.ok(checked >= 10, `languages checked: ${checked}`);
});

test("posting rules: a real link when rulesUrl is given, plain words (no dead link) when not", async () => {
  for (const [rulesUrl, linked] of [["/help/posting-rules", true], [null, false], ["javascript:alert(1)", false]]) {
    const { page, problems } = await open({ lab: true, options: rulesUrl ? { rulesUrl } : {} });
    await fill(page, blockAd);
    await page.click("#submit");
    await page.waitForSelector(".redflag-block", { timeout: 5000 });
    const help = await page.evaluate(() => {
      const box = document.querySelector(".redflag-block");
      const a = box.querySelector("a");
      return { text: box.textContent, links: box.querySelectorAll("a").length, href: a?.href, target: a?.target, rel: a?.rel, linkText: a?.firstChild?.textContent };
    });
    assert.ok(help.text.includes("posting rules"), help.text);
    assert.ok(!help.text.includes("["), "no markup shown");
    if (linked) {
      assert.equal(help.links, 1);
      assert.equal(help.href, `${demo.url}/help/posting-rules`);
      assert.equal(help.linkText, "posting rules");
      assert.equal(help.target, "_blank", "the draft stays in its tab");
      assert.equal(help.rel, "noopener");
    } else {
      assert.equal(help.links, 0, `no link for ${rulesUrl}`);
    }
    await done(page, problems);
  }
});

/** A ~100 KB job ad: plain text around one explainable phrase near the end. */
function longAd(extra = "") {
  let body = "";
  const filler = "Friendly hotel in the old town hires kitchen and cleaning staff, full training, regular hours, paid holidays. ";
  while (body.length < 100_000) body += filler;
  return { section: "jobs", title: "Hotel staff", body: `${body}Pay the registration fee at the office. ${extra}` };
}

/** Types into the description while a 100 KB ad is in it; keydown-to-next-frame latencies. */
async function keystrokeLatency(page) {
  await page.evaluate(() => {
    window.longTasks = [];
    window.latencies = [];
    document.getElementById("body").addEventListener("keydown", (e) => {
      const t0 = e.timeStamp;
      requestAnimationFrame(() => window.latencies.push(performance.now() - t0));
    });
  });
  await page.focus("#body");
  await page.keyboard.press("End");
  // Bursts with pauses a little longer than the debounce: keystrokes land
  // while the text is being screened.
  const pauses = [30, 30, 30, 340];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press(i % 7 === 6 ? "Space" : "a");
    await page.waitForTimeout(pauses[i % pauses.length]);
  }
  await page.waitForTimeout(600);
  const { latencies, longTasks } = await page.evaluate(() => ({ latencies: window.latencies, longTasks: window.longTasks }));
  const lat = latencies.sort((a, b) => a - b);
  return {
    p50: lat[Math.floor(lat.length * 0.5)],
    p95: lat[Math.ceil(lat.length * 0.95) - 1],
    max: lat.at(-1),
    n: lat.length,
    // Main-thread tasks over 50 ms while typing, and the time they blocked beyond 50 ms.
    longest: Math.max(0, ...longTasks),
    blocking: longTasks.reduce((s, d) => s + Math.max(0, d - 50), 0),
  };
}

test("a 100 KB ad is screened in a Worker: typing stays responsive, verdicts are right and never stale", async () => {
  const ad = longAd();
  const want = nodeEngine.screen(ad);
  assert.equal(want.verdict, "warn");
  // "none": the helper detached, the cost of typing into 100 KB alone. The
  // modes alternate, round after round, so a busy moment of the machine
  // does not fall on one of them only; the medians over the rounds are printed.
  const rounds = Number(process.env.FORM_LATENCY_ROUNDS ?? 2);
  const runs = { none: [], main: [], worker: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of Object.keys(runs)) {
      const { page, problems } = await open({ lab: true, options: mode === "worker" ? { worker: true } : mode === "none" ? { detach: true } : {} });
      const n = await screens(page);
      await fill(page, ad);
      if (mode !== "none") {
        await screenedAfter(page, n);
        await page.waitForSelector(".redflag-warn", { timeout: 10000 });
      }
      runs[mode].push({ ...(await keystrokeLatency(page)), stats: await page.evaluate(() => window.redflagForm.stats()) });
      await done(page, problems);
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const label = { none: "no screening", main: "main thread ", worker: "worker      " };
  const figures = {};
  for (const [mode, rs] of Object.entries(runs)) {
    const f = Object.fromEntries(["p50", "p95", "max", "longest", "blocking"].map((k) => [k, median(rs.map((r) => r[k]))]));
    const meanMs = median(rs.map((r) => r.stats.meanMs));
    figures[mode] = { ...f, stats: rs[0].stats };
    console.log(`  ${label[mode]}: keydown→frame p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms (per round: ${rs.map((r) => r.p95.toFixed(0)).join(", ")}), max ${f.max.toFixed(1)} ms; longest main-thread task ${f.longest.toFixed(0)} ms, blocking ${f.blocking.toFixed(0)} ms; ${rs[0].stats.screens} screens of ~100 KB per round, mean ${meanMs.toFixed(1)} ms (${rs[0].stats.mode}); medians of ${rounds} rounds of ${rs[0].n} keys on ${cpu}, ${cpus().length} cores`);
  }
  assert.equal(figures.worker.stats.mode, "worker", "screening ran in the worker");

  // The worker's verdict is the engine's verdict for the same ad.
  const { page, problems } = await open({ lab: true, options: { worker: true } });
  assert.equal(await page.evaluate(() => window.redflagForm.stats().mode), "worker");
  const got = await page.evaluate(async (ad) => {
    document.getElementById("section").value = ad.section;
    document.getElementById("title").value = ad.title;
    document.getElementById("body").value = ad.body;
    return window.redflagForm.screenNow();
  }, ad);
  assert.equal(got.verdict, want.verdict);
  assert.equal(got.score, want.score);
  assert.deepEqual(got.rules.map((r) => r.id), want.rules.map((r) => r.id));
  assert.deepEqual(got.hits.map((h) => [h.field, h.start, h.end]), want.hits.map((h) => [h.field, h.start, h.end]));
  // The excerpt shows the marked words in their context, not 100 KB.
  const excerpt = await page.textContent('.redflag-excerpt[data-field="body"]');
  assert.ok(excerpt.length < 400 && excerpt.includes("registration fee"), excerpt);

  // A slow result for older text (100 KB that blocks) never overwrites the newer text's verdict.
  const blockLong = { ...longAd(), section: "adult", body: `${longAd().body} ${blockAd.body}` };
  assert.equal(nodeEngine.screen(blockLong).verdict, "block");
  const stale = await page.evaluate(async ({ a, b }) => {
    const form = document.forms[0];
    const seen = [];
    new MutationObserver(() => seen.push(form.dataset.redflag)).observe(form, { attributes: true, attributeFilter: ["data-redflag"] });
    const set = (ad) => {
      document.getElementById("section").value = ad.section;
      document.getElementById("title").value = ad.title;
      document.getElementById("body").value = ad.body;
    };
    set(a);
    const older = window.redflagForm.screenNow();
    set(b);
    const newer = window.redflagForm.screenNow();
    const [va, vb] = await Promise.all([older, newer]);
    await new Promise((ok) => setTimeout(ok, 50));
    return { va: va.verdict, vb: vb.verdict, seen, last: window.redflagForm.lastVerdict().verdict, shown: form.dataset.redflag, box: document.querySelectorAll(".redflag-block").length };
  }, { a: blockLong, b: cleanAd });
  assert.equal(stale.va, "block", "the older text was screened");
  assert.equal(stale.vb, "allow");
  assert.ok(!stale.seen.includes("block"), `the older result was never shown: ${stale.seen}`);
  assert.equal(stale.last, "allow");
  assert.equal(stale.shown, "allow");
  assert.equal(stale.box, 0);
  await done(page, problems);

  // Submitting before the worker has screened the text: a block ad is held and never sent, a clean one is sent.
  const sent = posts().length;
  const w = await open({ options: {} });
  assert.equal(await w.page.evaluate(() => window.redflagForm.stats().mode), "worker", "the demo screens in its worker");
  await w.page.selectOption("#section", blockAd.section);
  await w.page.fill("#title", blockAd.title);
  await w.page.fill("#body", blockAd.body);
  await w.page.click("#submit"); // within the debounce: not screened yet
  await w.page.waitForSelector(".redflag-block", { timeout: 5000 });
  assert.ok(await w.page.evaluate(() => document.activeElement.classList.contains("redflag-message")), "focus on the message");
  await w.page.waitForTimeout(300);
  assert.equal(posts().length, sent, "the block ad was not sent");
  await w.page.selectOption("#section", cleanAd.section);
  for (const f of FIELDS) await w.page.fill(`#${f}`, cleanAd[f] ?? "");
  // Two quick clicks while the text is not screened yet: one post.
  await Promise.all([
    w.page.waitForNavigation(),
    w.page.evaluate(() => {
      document.getElementById("submit").click();
      document.getElementById("submit").click();
    }),
  ]);
  await w.page.waitForTimeout(300);
  assert.equal(posts().length, sent + 1, "sent once");
  const want2 = new URLSearchParams({ section: cleanAd.section, title: cleanAd.title, body: cleanAd.body, price: cleanAd.price, contact: cleanAd.contact }).toString();
  assert.equal(posts().at(-1).body, want2, "exactly the form's fields");
  await done(w.page, w.problems);
});

test("without a usable worker the page screens itself", async () => {
  // A worker script that does not exist: the helper falls back to the page's engine.
  const { page, problems } = await open({ lab: true, options: { worker: { packageUrl: "/redflag/index.js", url: "/form/no-such-worker.js" } } });
  problems.length = 0; // the 404 of the missing script is the point of this test
  assert.equal(await page.evaluate(() => window.redflagForm.stats().mode), "main");
  await fill(page, blockAd);
  await page.click("#submit");
  await page.waitForSelector(".redflag-block", { timeout: 5000 });
  assert.equal(await page.evaluate(() => window.redflagForm.lastVerdict().verdict), "block");
  await page.close();
  // No engine on the page either: the package is imported here instead.
  const second = await open({ lab: true, options: { engine: false, worker: { packageUrl: "/redflag/index.js", url: "/form/no-such-worker.js" } } });
  second.problems.length = 0;
  await fill(second.page, blockAd);
  await second.page.click("#submit");
  await second.page.waitForSelector(".redflag-block", { timeout: 10000 });
  await second.page.close();
});

const LANGS = ["en", "es", "fr", "pt", "ro", "ru", "uk", "pl", "tl", "vi", "th", "id", "zh", "zh-Hant", "ar", "hi"];

test("every interface language has every English key, none empty, one [link] in the rules help", () => {
  const keys = Object.keys(uiStrings.en).sort();
  assert.deepEqual(Object.keys(uiStrings).sort(), [...LANGS].sort());
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(uiStrings[lang]).sort(), keys, lang);
    for (const k of keys) assert.ok(uiStrings[lang][k].trim().length > 0, `${lang}.${k}`);
    assert.match(uiStrings[lang].blockHelp, /^[^[\]]*\[[^[\]]+\][^[\]]*$/, `${lang}.blockHelp`);
    if (lang !== "en") {
      for (const k of ["warnHeading", "blockHeading", "review", "edit", "postAnyway"]) assert.notEqual(uiStrings[lang][k], uiStrings.en[k], `${lang}.${k} is translated`);
    }
  }
});

test("the interface language comes from the tag: regions mapped, traditional Chinese, English otherwise", () => {
  const table = {
    "pt-BR": "pt", "pt-PT": "pt", "es-MX": "es", "fr-CA": "fr", ro: "ro", "ro-MD": "ro", "ru-RU": "ru", "uk-UA": "uk", "pl-PL": "pl",
    tl: "tl", fil: "tl", "fil-PH": "tl", vi: "vi", th: "th", "id-ID": "id", zh: "zh", "zh-CN": "zh", "zh-Hans": "zh", "zh-SG": "zh",
    "zh-TW": "zh-Hant", "zh-HK": "zh-Hant", "zh-MO": "zh-Hant", "zh-Hant": "zh-Hant", "zh-Hant-TW": "zh-Hant", "zh-Hans-HK": "zh",
    "ar-EG": "ar", "hi-IN": "hi", de: "en", "en-GB": "en", "": "en", xx: "en",
  };
  for (const [tag, lang] of Object.entries(table)) assert.equal(messages.resolveLang(tag), lang, tag);
  assert.equal(messages.resolveLang(undefined), "en");
});

test('a page in Romanian, traditional Chinese, an unknown language and Arabic shows its own strings (Arabic right to left)', async () => {
  for (const [htmlLang, lang] of [["ro", "ro"], ["zh-TW", "zh-Hant"], ["xx-YY", "en"], ["ar", "ar"]]) {
    const { page, problems } = await open({ lab: true, lang: htmlLang });
    await fill(page, warnAd);
    await page.click("#submit");
    await page.waitForSelector(".redflag-warn [data-action=confirm]", { timeout: 5000 });
    const box = await page.evaluate(() => {
      const b = document.querySelector(".redflag-message");
      return { heading: b.querySelector(".redflag-heading").textContent, edit: b.querySelector("[data-action=edit]").textContent, post: b.querySelector("[data-action=confirm]").textContent, dir: b.getAttribute("dir"), lang: b.getAttribute("lang"), rtl: getComputedStyle(b).direction };
    });
    assert.equal(box.heading, uiStrings[lang].warnHeading, htmlLang);
    assert.equal(box.edit, uiStrings[lang].edit, htmlLang);
    assert.equal(box.post, uiStrings[lang].postAnyway, htmlLang);
    assert.equal(box.lang, lang);
    assert.equal(box.dir, lang === "ar" ? "rtl" : "ltr", htmlLang);
    assert.equal(box.rtl, lang === "ar" ? "rtl" : "ltr", htmlLang);
    await page.screenshot({ path: join(artifacts(), `form-warn-${lang}.png`), fullPage: true });
    await done(page, problems);
  }
  // options.lang wins over the page.
  const { page, problems } = await open({ lab: true, lang: "ro", options: { lang: "pt-BR" } });
  await fill(page, blockAd);
  await page.click("#submit");
  await page.waitForSelector(".redflag-block", { timeout: 5000 });
  assert.equal(await page.textContent(".redflag-block .redflag-heading"), uiStrings.pt.blockHeading);
  await done(page, problems);
});

test("the types describe attachForm, its options and controller, and uiStrings (strict TypeScript)", () => {
  const dir = mkdtempSync(join(tmpdir(), "redflag-form-types-"));
  const pkg = join(consumer(), "node_modules/redflag");
  const form = join(root, "www/form");
  writeFileSync(
    join(dir, "use.ts"),
    `import { attachForm, summary, type FormController, type FormOptions } from ${JSON.stringify(join(form, "redflag-form.js"))};
import { uiStrings, resolveLang, textDirection, type UiStrings } from ${JSON.stringify(join(form, "messages.js"))};
import { Engine } from "redflag";
declare const el: HTMLFormElement;
const options: FormOptions = {
  engine: new Engine(),
  worker: { packageUrl: "/redflag/index.js", url: new URL("https://example.test/w.js"), packs: null, engineOptions: { defaultPacks: true } },
  fields: ["title", "body"], section: () => "jobs", messages: "#m", debounce: 200, summaryField: "rf",
  lang: "zh-TW", strings: { edit: "Change" }, highlight: false, explainableCategories: ["recruitment-fee"], rulesUrl: "/rules",
};
const c: FormController = attachForm(el, options);
attachForm(el, { worker: { packageUrl: "/redflag/index.js" } });
async function use() {
  const v = await c.screenNow();
  const tier: "allow" | "warn" | "review" | "block" | undefined = v?.verdict;
  const s = c.stats();
  const mode: "worker" | "main" = s.mode;
  const n: number = s.screens + s.meanMs + s.maxMs + s.totalMs;
  await c.ready();
  c.detach();
  const last = c.lastVerdict();
  if (last) summary(last).rules.map((r: string) => r.length);
  return [tier, mode, n];
}
const t: UiStrings = uiStrings[resolveLang("pt-BR")];
const d: "rtl" | "ltr" = textDirection(resolveLang("ar"));
const h: string = uiStrings["zh-Hant"].blockHelp + t.newTab + d;
// @ts-expect-error unknown options are refused
attachForm(el, { engine: new Engine(), rulesURL: "/x" });
// @ts-expect-error a worker needs the package URL
attachForm(el, { worker: {} });
export { use, h };
`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "es2022", module: "es2022", moduleResolution: "bundler", lib: ["es2022", "dom"], skipLibCheck: false,
        allowJs: false, types: [], paths: { redflag: [join(pkg, "index.d.ts")] },
      },
      files: ["use.ts"],
    }),
  );
  const tsc = join(root, "www/node_modules/typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout}${e.stderr}`);
  }
});
