// The reviewer extension, unpacked, in real headless Chromium (Debian's),
// against fixture pages imitating a moderation queue — one of them with a
// strict CSP (`script-src 'self'`) — and a news page it must leave alone.
// How the extension is loaded and a console added (host access granted
// without a prompt) is in helpers/extension.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifacts, watch } from "./helpers/browser.mjs";
import { importPackage } from "./helpers/package.mjs";
import { fixtures, startExtension } from "./helpers/extension.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";
import { redflag } from "./helpers/cli.mjs";

const queueHtml = readFileSync(join(fixtures, "queue.html"), "utf8");
let ext, base, ctx, sw, extId, rf, extDir, addConsole, open;

before(async () => {
  rf = await importPackage();
  ext = await startExtension({
    routes: {
      "/queue.html": ["text/html", "queue.html"],
      "/strict.html": ["text/html", "queue.html"],
      "/queue-console.html": ["text/html", "extension-console.html"],
      "/news.html": ["text/html", "extension-news.html"],
      "/queue.js": ["text/javascript", "queue.js"],
      "/queue.css": ["text/css", "queue.css"],
    },
    headers: { "/strict.html": { "content-security-policy": "script-src 'self'" } },
    handle(path, res) {
      if (path !== "/queue-500.html") return false;
      // A long queue: the console fixture's ads again and again, with ids.
      const console = readFileSync(join(fixtures, "extension-console.html"), "utf8");
      const ads = console.match(/<div class="ad"[\s\S]*?<\/div>/g);
      const many = Array.from({ length: 500 }, (_, i) => ads[i % ads.length].replace(/ data-listing-id="[^"]*"/, "").replace('<div class="ad"', `<div class="ad" data-listing-id="N-${i}"`));
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(console.replace(/<main id="queue">[\s\S]*<\/main>/, `<main id="queue">${many.join("")}</main>`));
      return true;
    },
  });
  ({ base, ctx, sw, extId, extDir, addConsole, open } = ext);
});

after(async () => {
  await ext?.close();
});

/** Whether any tab answers the content script's "state" message. */
const contentScriptTabs = () =>
  sw.evaluate(async () => {
    const answering = [];
    for (const t of await chrome.tabs.query({})) {
      try {
        await chrome.tabs.sendMessage(t.id, { type: "state" });
        answering.push(t.id);
      } catch {
        // "Receiving end does not exist": no content script in that tab.
      }
    }
    return answering;
  });

const tabId = (url) => sw.evaluate(async (u) => (await chrome.tabs.query({ url: u }))[0]?.id, url);
const badge = async (page) => sw.evaluate(async (id) => chrome.action.getBadgeText({ tabId: id }), await tabId(page.url()));

/** Each hit's marks, joined, against the field text; and the engine's own hits in Node. */
async function checkMarks(page) {
  const groups = await page.$$eval("mark.redflag-mark", (marks) => {
    const out = {};
    for (const m of marks) {
      const ad = m.closest(".ad");
      const ads = [...document.querySelectorAll(".ad")];
      const field = m.dataset.field;
      const fieldEl = ad.querySelector(field === "title" ? ".ad-title" : ".ad-body");
      const key = `${ads.indexOf(ad)}|${field}|${m.dataset.hit}`;
      out[key] ??= { text: "", fieldText: fieldEl.textContent, hit: m.dataset.hit, rule: m.dataset.rule };
      out[key].text += m.textContent;
    }
    return Object.values(out);
  });
  assert.ok(groups.length > 0, "marks on the page");
  for (const g of groups) {
    const [s, e] = g.hit.split("-").map(Number);
    assert.equal(g.text, g.fieldText.slice(s, e), `marks of ${g.rule} wrap exactly ${JSON.stringify(g.fieldText.slice(s, e))}`);
  }
  return groups;
}

test("it runs only on the consoles configured, with host access asked for them alone", async () => {
  const manifest = JSON.parse(readFileSync(join(extDir, "manifest.json"), "utf8"));
  assert.equal(manifest.host_permissions, undefined, "no host access at install");
  assert.equal(manifest.content_scripts, undefined, "no content script for every site");
  assert.deepEqual(await sw.evaluate(() => chrome.permissions.getAll().then((p) => p.origins)), []);
  // No console configured: the news page is not touched.
  const news = await ctx.newPage();
  await news.goto(`${base}/news.html`);
  await news.waitForLoadState("load");
  await news.waitForTimeout(1500);
  assert.equal(await news.$("html[data-redflag-screened], mark.redflag-mark, .redflag-ui"), null, "no marks or panel on the news page");
  // Nor is the console, before the reviewer adds it.
  const page = await ctx.newPage();
  await page.goto(`${base}/queue.html`);
  await page.waitForLoadState("load");
  assert.equal(await page.$("html[data-redflag-screened], mark.redflag-mark, .redflag-ui"), null, "no marks on the console yet");
  assert.deepEqual(await contentScriptTabs(), [], "no content script in any tab");
  // The reviewer adds the console; its pages are screened (the open one
  // without a reload), the news page on the same host (outside the
  // console's address) still is not.
  await addConsole(`${base}/queue`);
  assert.deepEqual(await sw.evaluate(() => chrome.permissions.getAll().then((p) => p.origins)), ["http://127.0.0.1/*"]);
  await page.waitForSelector("html[data-redflag-screened=true]", { timeout: 15000 });
  assert.ok(await page.$("mark.redflag-mark"));
  const fresh = await open("/queue.html");
  assert.ok(await fresh.page.$("mark.redflag-mark"));
  await fresh.page.close();
  await news.reload();
  await news.waitForLoadState("load");
  await news.waitForTimeout(1500);
  assert.equal(await news.$("html[data-redflag-screened], mark.redflag-mark, .redflag-ui"), null, "the news page is still untouched");
  const answering = await contentScriptTabs();
  const [queueTab, newsTab] = [await tabId(page.url()), await tabId(news.url())];
  assert.ok(answering.includes(queueTab) && !answering.includes(newsTab), JSON.stringify({ answering, queueTab, newsTab }));
  // The strict-CSP fixture is a second console.
  await addConsole(`${base}/strict`);
  await page.close();
  await news.close();
});

test("highlights wrap exactly the matched text, across inline elements, with emoji and accents", async () => {
  const { page, problems } = await open("/queue.html");
  const groups = await checkMarks(page);
  const texts = groups.map((g) => g.text);
  assert.ok(texts.some((t) => t.includes("régistration")), `split across <b>: ${texts}`);
  assert.ok(texts.some((t) => t.includes("pаsspоrt")), "look-alike letters kept as written");
  // Each mark starts where one of the engine's hits (in Node, same text)
  // starts and ends where one of them ends.
  const body = await page.textContent(".ad:nth-child(1) .ad-body");
  const v = new rf.Engine().screen({ section: "jobs", title: "Hotel jobs abroad 🌴", body });
  const bodyHits = v.hits.filter((h) => h.field === "body");
  for (const g of groups.filter((g) => g.fieldText === body)) {
    const [s, e] = g.hit.split("-").map(Number);
    assert.ok(bodyHits.some((h) => h.start === s) && bodyHits.some((h) => h.end === e), g.hit);
  }
  assert.equal(await badge(page), "2", "two flagged ads");
  // Keyboard navigation from hit to hit shows the hover card.
  await page.keyboard.press("]");
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains("redflag-mark")));
  await page.waitForSelector(".redflag-card");
  assert.ok((await page.textContent(".redflag-card")).length > 10);
  await page.keyboard.press("]");
  await page.keyboard.press("[");
  // Dynamically loaded queue items get screened.
  await page.click("#more");
  await page.waitForFunction(() => document.querySelectorAll(".ad")[3]?.querySelector("mark.redflag-mark"));
  await checkMarks(page);
  assert.equal(await badge(page), "3");
  // The panel: score table and raw entities (reviewer view).
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ad");
  const panel = await page.textContent(".redflag-panel");
  assert.match(panel, /core\.adult\.stated-minor-age/);
  assert.match(panel, /phone: \+12025550147/);
  await page.screenshot({ path: join(artifacts(), "extension-queue.png") });
  assert.deepEqual(problems, []);
  await page.close();
});

test("evidence: refused without the legal team's key; then a sealed packet signed by the extension that `redflag evidence verify` accepts, a tampered copy refused, `open` gives back the ad", async () => {
  const { page, problems } = await open("/queue.html");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ad textarea");
  // No recipient key yet: nothing is saved, and the panel says why.
  let downloads = 0;
  page.on("download", () => downloads++);
  await page.click(".redflag-panel .redflag-ad:nth-of-type(2) .redflag-export");
  await page.waitForFunction(() => document.querySelector(".redflag-panel .redflag-ad:nth-of-type(2) .redflag-export-status")?.textContent);
  assert.match(await page.textContent(".redflag-panel .redflag-ad:nth-of-type(2) .redflag-export-status"), /legal team's public key/);
  assert.equal(downloads, 0);

  // The legal team's key pair (the real CLI); the admin pastes the public key on the options page.
  const dir = mkdtempSync(join(tmpdir(), "redflag-ext-evidence-"));
  assert.equal(redflag(["evidence", "keygen", "--out", join(dir, "legal")]).status, 0);
  const legalPub = readFileSync(join(dir, "legal/evidence-recipient.pub"), "utf8").trim();
  const options = await ctx.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  assert.match(await options.textContent("#evidence-status"), /No legal team key/);
  await options.fill("#evidence-recipient", "bm90IGEga2V5");
  await options.click("#save-evidence");
  await options.waitForFunction(() => /Not saved/.test(document.querySelector("#evidence-status").textContent));
  await options.fill("#evidence-recipient", legalPub);
  await options.fill("#reviewer-id", "reviewer-17");
  await options.click("#save-evidence");
  await options.waitForFunction(() => /Saved: evidence is sealed to key/.test(document.querySelector("#evidence-status").textContent));
  const signerPub = (await options.textContent("#evidence-signer")).trim();
  assert.match(signerPub, /^[A-Za-z0-9+/]{43}=$/);
  await options.close();

  await page.fill(".redflag-panel .redflag-ad:nth-of-type(2) textarea", "Escalated to child-safety team; called 2O2-555-O147.");
  // More ads load and the panel is redrawn: the note is still there.
  await page.click("#more");
  await page.waitForFunction(() => document.querySelectorAll(".redflag-panel .redflag-ad").length === 4);
  assert.equal(await page.inputValue(".redflag-panel .redflag-ad:nth-of-type(2) textarea"), "Escalated to child-safety team; called 2O2-555-O147.");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".redflag-panel .redflag-ad:nth-of-type(2) .redflag-export")]);
  const file = await download.path();
  const text = readFileSync(file, "utf8");
  const packet = JSON.parse(text);
  assert.equal(packet.format, "redflag-evidence/2");
  assert.equal(packet.source, "extension");
  assert.equal(packet.clock, "reviewer");
  assert.equal(packet.reviewer, "reviewer-17");
  assert.equal(packet.url, `${base}/queue.html`);
  assert.equal(packet.verdict, "block");
  assert.ok(packet.packs.some((p) => p.id === "core"));
  assert.ok(packet.hits.some((h) => h.rule === "core.adult.stated-minor-age"));
  assert.ok(Math.abs(Date.parse(packet.time) - Date.now()) < 120_000 && packet.time.endsWith("Z"), "UTC time, the reviewer's clock");
  // Raw contacts, the ad's words and the note only inside `sealed`.
  for (const raw of ["2O2-555-O147", "+12025550147", "2025550147", "Sweet new girl", "child-safety"]) assert.ok(!text.includes(raw), `${raw} outside sealed`);

  const v = redflag(["evidence", "verify", "--json", "--public-key", signerPub, file]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(JSON.parse(v.stdout).trusted, true);
  const bytes = readFileSync(file);
  for (const at of [10, bytes.indexOf("reviewer-17"), bytes.indexOf('"ciphertext":"') + 20, bytes.length - 30]) {
    const t = Buffer.from(bytes);
    t[at] ^= 0x02;
    const tf = join(dir, `tampered-${at}.json`);
    writeFileSync(tf, t);
    const r = redflag(["evidence", "verify", "--public-key", signerPub, tf]);
    assert.equal(r.status, 1, `a byte changed at ${at} is refused`);
    assert.match(r.stdout, /refused: /);
  }
  const o = redflag(["evidence", "open", file, "--key", join(dir, "legal/evidence-recipient.key"), "--public-key", signerPub]);
  assert.equal(o.status, 0, o.stderr);
  const sub = JSON.parse(o.stdout);
  const fields = Object.fromEntries(sub.fields.map((f) => [f.name, f.text]));
  assert.equal(fields.title, "New in town");
  assert.match(fields.body, /Sweet new girl, age: 16/);
  assert.equal(sub.note, "Escalated to child-safety team; called 2O2-555-O147.");
  assert.ok(sub.contacts.some((c) => c.kind === "phone" && c.value === "+12025550147"));
  assert.equal(sub.url, `${base}/queue.html`);
  // Exporting stores nothing of the ad: the extension's storage (but the
  // reviewer's own decisions, which hold the ads they label) has no contact.
  const stored = await sw.evaluate(() => chrome.storage.local.get(null));
  const kept = Object.fromEntries(Object.entries(stored).filter(([k]) => !k.startsWith("decision:")));
  assert.ok(kept.evidenceSeed && kept.evidenceRecipient === legalPub, "the settings are stored");
  for (const raw of ["2O2-555-O147", "+12025550147", "child-safety"]) assert.ok(!JSON.stringify(kept).includes(raw), `${raw} in the extension's storage`);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a page with a strict CSP is highlighted (the engine runs in the service worker)", async () => {
  const { page, problems } = await open("/strict.html");
  await checkMarks(page);
  assert.equal(await badge(page), "2");
  assert.deepEqual(problems, [], "no CSP or console errors");
  await page.close();
});

test("turning the extension off removes every mark and leaves the page as it was", async () => {
  const { page, problems } = await open("/strict.html");
  const rects = () => page.$$eval(".ad", (ads) => ads.map((a) => JSON.stringify(a.getBoundingClientRect())));
  const highlighted = await rects();
  await sw.evaluate(() => chrome.storage.local.set({ enabled: false }));
  await page.waitForFunction(() => !document.querySelector("mark.redflag-mark, .redflag-ui"));
  const original = queueHtml.slice(queueHtml.indexOf('<main id="queue">') + '<main id="queue">'.length, queueHtml.indexOf("</main>"));
  assert.equal(await page.$eval("#queue", (m) => m.innerHTML), original, "DOM restored exactly");
  assert.deepEqual(await rects(), highlighted, "marks caused no layout shift");
  assert.equal(await badge(page), "");
  await sw.evaluate(() => chrome.storage.local.set({ enabled: true }));
  await page.waitForSelector("mark.redflag-mark");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the popup shows the score table and entities; a loaded pack is validated first", async () => {
  const { page } = await open("/queue.html");
  const id = await tabId(page.url());
  const popup = await ctx.newPage();
  const popupProblems = watch(popup);
  await popup.goto(`chrome-extension://${extId}/popup.html?tab=${id}`);
  await popup.waitForSelector("html[data-rendered=true]");
  const text = await popup.textContent("#ads");
  assert.match(text, /BLOCK/);
  assert.match(text, /phone: \+12025550147/);
  const options = await ctx.newPage();
  const optionProblems = watch(options);
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  const bad = await options.evaluate(() =>
    window.redflagLoadPack(JSON.stringify({ schema: 1, pack: { id: "site", version: "1" }, rule: [{ id: "site.bikes", title: "B", category: "c", match: { near: { a: ["x"], b: ["y"], within: "far" } } }] })),
  );
  assert.equal(bad.ok, false);
  assert.ok(bad.errors.some((e) => e.path === "rule[0].match.near.within"), JSON.stringify(bad.errors));
  assert.match(await options.textContent("#pack-errors"), /rule\[0\]\.match\.near\.within/);
  // The current packs are untouched by the bad one.
  assert.equal((await sw.evaluate(() => chrome.storage.local.get("pack"))).pack, undefined);
  const good = await options.evaluate(() =>
    window.redflagLoadPack(JSON.stringify({ schema: 1, pack: { id: "site", version: "2" }, rule: [{ id: "site.bikes", title: "Bikes", category: "policy", score: 3, max_tier: "warn", match: { any: ["road bike"] }, explain: { reviewer: "Bikes need a frame number." } }] })),
  );
  assert.equal(good.ok, true);
  assert.ok(good.packs.some((p) => p.id === "site" && p.version === "2"));
  await page.reload();
  await page.waitForSelector('mark[data-rule="site.bikes"]');
  await options.evaluate(() => chrome.runtime.sendMessage({ type: "resetPack" }));
  assert.deepEqual([...popupProblems, ...optionProblems], []);
  for (const p of [popup, options, page]) await p.close();
});

test("with trusted keys, only verified signed packs load", async () => {
  const { publicKey, privateKey } = keypair();
  const options = await ctx.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  await options.fill("#public-keys", publicKey);
  await options.click("#save-keys");
  await options.waitForFunction(() => /only signed packs/.test(document.getElementById("keys-status").textContent));
  const load = (text) => options.evaluate((t) => window.redflagLoadPack(t), text);
  const unsigned = await load(JSON.stringify(sitePack("5.0.0")));
  assert.equal(unsigned.ok, false);
  assert.match(unsigned.errors[0].message, /not signed/);
  const expired = await load(signPack(sitePack("5.0.0"), "2020-01-01T00:00:00Z", privateKey));
  assert.match(expired.errors[0].message, /expired/);
  const good = await load(signPack(sitePack("5.0.0"), "2099-01-01T00:00:00Z", privateKey));
  assert.equal(good.ok, true, JSON.stringify(good));
  assert.ok(good.packs.some((p) => p.id === "site" && p.version === "5.0.0"));
  const older = await load(signPack(sitePack("4.0.0"), "2099-01-01T00:00:00Z", privateKey));
  assert.equal(older.ok, false);
  assert.match(older.errors[0].message, /downgrade refused/);
  const tampered = JSON.parse(signPack(sitePack("6.0.0"), "2099-01-01T00:00:00Z", privateKey));
  tampered.pack = tampered.pack.replace('"score":3', '"score":9');
  assert.match((await load(JSON.stringify(tampered))).errors[0].message, /does not match/);
  // Back to the defaults for the other tests.
  await sw.evaluate(() => chrome.storage.local.remove(["publicKeys", "acceptedVersions"]));
  await options.evaluate(() => chrome.runtime.sendMessage({ type: "resetPack" }));
  await options.close();
});

/** The console fixture's ads as the engine in Node screens them. */
async function consoleAds(page) {
  const ads = await page.$$eval(".ad", (els) => els.map((a) => ({ section: a.dataset.section, title: a.querySelector(".ad-title").textContent, body: a.querySelector(".ad-body").textContent })));
  const engine = new rf.Engine();
  return ads.map((ad) => ({ ...ad, v: engine.screen(ad) }));
}

/** The marks of one ad, grouped per span, with role, tier and computed background. */
const marksOf = (page, index) =>
  page.$$eval(
    "mark.redflag-mark:not(.redflag-swatch)",
    (marks, i) => {
      const out = {};
      for (const m of marks) {
        const ad = m.closest(".ad");
        if ([...document.querySelectorAll(".ad")].indexOf(ad) !== i) continue;
        const key = `${m.dataset.field}|${m.dataset.hit}`;
        const [start, end] = m.dataset.hit.split("-").map(Number);
        out[key] ??= { field: m.dataset.field, start, end, text: "", rule: m.dataset.rule, role: m.dataset.role, tier: m.dataset.tier, bg: getComputedStyle(m).backgroundColor };
        out[key].text += m.textContent;
      }
      return Object.values(out);
    },
    index,
  );

/** The legend's swatch colours, by role and tier. */
const legendColours = (page) =>
  page.$$eval(".redflag-legend mark.redflag-swatch", (ms) => Object.fromEntries(ms.map((m) => [`${m.dataset.role}/${m.dataset.tier}`, getComputedStyle(m).backgroundColor])));

test("each mark is coloured by its own rule's tier; experimental hits are muted, with a legend", async () => {
  const { page, problems } = await open("/queue-console.html?listing=L-77");
  const [ad] = await consoleAds(page);
  assert.equal(ad.v.verdict, "block", "the ad as a whole blocks");
  const experimental = ad.v.rules.filter((r) => r.experimental);
  assert.ok(experimental.length, "the fixture has an experimental (0-point) rule");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-legend");
  const legend = await legendColours(page);
  assert.ok(legend["experimental/warn"] && legend["indicator/block"] && legend["indicator/review"], JSON.stringify(legend));
  assert.notEqual(legend["experimental/warn"], legend["indicator/block"]);
  const marks = await marksOf(page, 0);
  // Every hit of the experimental rule lies in a muted mark, never a block-red one.
  for (const h of ad.v.hits.filter((h) => experimental.some((r) => r.id === h.rule))) {
    const m = marks.find((m) => m.field === h.field && m.start <= h.start && h.end <= m.end);
    assert.ok(m, `${h.text} is marked`);
    assert.ok(m.role === "experimental" || m.role === "context", `${h.text}: ${m.role}`);
    assert.notEqual(m.bg, legend["indicator/block"], `${h.text} is not block-red`);
  }
  const muted = marks.filter((m) => m.role === "experimental");
  assert.ok(muted.some((m) => m.text.includes("flights paid")), JSON.stringify(marks));
  for (const m of muted) assert.equal(m.bg, legend["experimental/warn"], m.text);
  // Indicator marks wear their rule's own tier, as the engine reports it.
  const indicators = marks.filter((m) => m.role === "indicator");
  assert.ok(indicators.length >= 2);
  for (const m of indicators) {
    const rule = ad.v.rules.find((r) => r.id === m.rule);
    assert.equal(m.tier, rule.max_tier, m.text);
    assert.equal(m.bg, legend[`indicator/${rule.max_tier}`], m.text);
  }
  assert.ok(indicators.some((m) => m.bg !== legend["indicator/block"]), "not everything is painted in the ad's tier");
  assert.deepEqual(problems, []);
  await page.close();
});

test("mitigating wording is marked as such; common words are marked only inside their phrase", async () => {
  const { page, problems } = await open("/queue-console.html?listing=L-77");
  const ads = await consoleAds(page);
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-legend");
  const legend = await legendColours(page);
  for (const [i, ad] of ads.entries()) {
    const marks = await marksOf(page, i);
    const covering = (h) => marks.find((m) => m.field === h.field && m.start <= h.start && h.end <= m.end);
    // Wording that lowers the score ("We never charge") is not an indicator.
    for (const h of ad.v.hits.filter((h) => ad.v.rules.find((r) => r.id === h.rule)?.score < 0)) {
      const m = covering(h);
      assert.equal(m?.role, "mitigating", `${h.text} in ad ${i}`);
      assert.equal(m.bg, legend["mitigating/allow"]);
      for (const [k, c] of Object.entries(legend)) if (k.startsWith("indicator/")) assert.notEqual(m.bg, c, `${h.text} looks unlike an indicator`);
    }
    // A one-word part of a rule with several parts is never an indicator on
    // its own: it is inside the marked phrase, or drawn as context.
    for (const h of ad.v.hits) {
      const parts = ad.v.hits.filter((x) => x.rule === h.rule && x.field === h.field);
      if (parts.length < 2 || /\s/.test(h.text.trim())) continue;
      const m = covering(h);
      if (!m) continue;
      assert.ok(m.role === "context" || m.text.length > h.text.length, `"${h.text}" (${h.rule}) marked alone as ${m.role}`);
    }
  }
  const second = await marksOf(page, 1);
  assert.ok(second.some((m) => m.role === "indicator" && m.text === "Food and rent deducted from your salary"), JSON.stringify(second.map((m) => m.text)));
  // The card says what a mitigating mark is.
  await page.focus('.ad:nth-child(2) mark[data-role="mitigating"]');
  await page.waitForSelector(".redflag-card");
  assert.match(await page.textContent(".redflag-card"), /Mitigating/);
  assert.match(await page.textContent(".redflag-card"), /lowers the score/);
  await page.screenshot({ path: join(artifacts(), "extension-console.png") });
  assert.deepEqual(problems, []);
  await page.close();
});

test("exception words that kept a rule from counting are shown as what cleared it", async () => {
  const { page, problems } = await open("/queue-console.html?listing=L-77");
  const ads = await consoleAds(page);
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-legend");
  const legend = await legendColours(page);
  assert.ok("cleared/allow" in legend, JSON.stringify(legend));
  let seen = 0;
  for (const [i, ad] of ads.entries()) {
    const marks = await marksOf(page, i);
    const fired = new Set(ad.v.rules.map((r) => r.id));
    for (const c of ad.v.cleared ?? []) {
      seen++;
      // The engine reports a cleared rule only when it did not fire.
      assert.ok(!fired.has(c.rule), `${c.rule} both fired and cleared`);
      // The exception's words are marked: as clearing, or inside a mark of
      // another role whose card then names what they cleared.
      const m = marks.find((m) => m.field === c.field && m.start < c.exception.end && c.exception.start < m.end);
      assert.ok(m, `"${c.exception.text}" (${c.rule}) is marked in ad ${i}`);
      if (m.role === "cleared") {
        assert.equal(m.start, c.exception.start);
        assert.equal(m.text, c.exception.text);
        for (const [k, col] of Object.entries(legend)) if (k.startsWith("indicator/")) assert.notEqual(m.bg, col, "a cleared mark looks unlike an indicator");
      }
      await page.focus(`.ad:nth-child(${i + 1}) mark[data-field="${m.field}"][data-hit="${m.start}-${m.end}"]`);
      await page.waitForSelector(".redflag-card");
      const card = await page.textContent(".redflag-card");
      assert.ok(card.includes(`Cleared: ${c.title}`), card);
      assert.ok(card.includes(c.exception.text) && card.includes(c.indicator.text), card);
      // The panel lists it under the ad, apart from the rules that counted.
      const listed = await page.$$eval(`.redflag-panel .redflag-ad:nth-of-type(${i + 1}) .redflag-cleared li`, (lis) => lis.map((li) => li.textContent));
      assert.ok(listed.some((t) => t.startsWith(c.title) && t.includes(c.exception.text)), JSON.stringify(listed));
    }
  }
  assert.ok(seen > 0, "the console's ads have exception wording that cleared a rule");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the panel lists rule titles and explanations, and never lies over the ads", async () => {
  const { page, problems } = await open("/queue-console.html?listing=L-77");
  await page.setViewportSize({ width: 900, height: 800 });
  const ads = await consoleAds(page);
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ad");
  // Titles first, with the reviewer explanation; ids below, secondary.
  const rows = await page.$$eval(".redflag-panel .redflag-ad:nth-of-type(1) tr", (trs) =>
    trs.map((tr) => ({ rule: tr.dataset.rule, title: tr.querySelector(".redflag-rule-title")?.textContent, text: tr.querySelector(".redflag-rule-text")?.textContent, id: tr.querySelector(".redflag-rule-id")?.textContent })),
  );
  assert.equal(rows.length, ads[0].v.rules.length);
  for (const r of ads[0].v.rules) {
    const row = rows.find((x) => x.rule === r.id);
    assert.equal(row?.title, r.title, r.id);
    if (r.reviewer) assert.equal(row.text, r.reviewer, r.id);
    assert.ok(row.id.startsWith(r.id), row.id);
  }
  /** Every ad's box and text are clear of the panel, and reachable by a click. */
  const clear = () =>
    page.evaluate(() => {
      const p = document.querySelector(".redflag-panel").getBoundingClientRect();
      const out = [];
      for (const ad of document.querySelectorAll(".ad")) {
        ad.scrollIntoView({ block: "center" });
        const a = ad.getBoundingClientRect();
        const overlaps = a.left < p.right && p.left < a.right && a.top < p.bottom && p.top < a.bottom;
        const range = document.createRange();
        range.selectNodeContents(ad.querySelector(".ad-body"));
        const lines = [...range.getClientRects()];
        const hidden = lines.filter((r) => !ad.contains(document.elementFromPoint(r.right - 2, (r.top + r.bottom) / 2)));
        out.push({ overlaps, hidden: hidden.length, lines: lines.length });
      }
      return out;
    });
  for (const c of await clear()) assert.deepEqual({ overlaps: c.overlaps, hidden: c.hidden }, { overlaps: false, hidden: 0 }, "docked right");
  await page.click(".redflag-panel .redflag-dock");
  await page.waitForSelector(".redflag-panel.redflag-left");
  for (const c of await clear()) assert.deepEqual({ overlaps: c.overlaps, hidden: c.hidden }, { overlaps: false, hidden: 0 }, "docked left");
  await page.click(".redflag-panel .redflag-collapse");
  await page.waitForSelector(".redflag-panel.redflag-collapsed");
  assert.ok((await page.$eval(".redflag-panel", (p) => p.getBoundingClientRect().width)) < 60, "collapsed to a strip");
  for (const c of await clear()) assert.deepEqual({ overlaps: c.overlaps, hidden: c.hidden }, { overlaps: false, hidden: 0 }, "collapsed");
  await page.click(".redflag-panel .redflag-collapse");
  await page.click(".redflag-panel .redflag-dock");
  await page.waitForSelector(".redflag-panel:not(.redflag-left):not(.redflag-collapsed)");
  // Closing the panel gives the page its width back.
  const before = await page.$eval(".ad", (a) => a.getBoundingClientRect().width);
  await page.click(".redflag-panel .redflag-close");
  await page.waitForFunction(() => !document.querySelector(".redflag-panel"));
  assert.ok((await page.$eval(".ad", (a) => a.getBoundingClientRect().width)) > before);
  await sw.evaluate(() => chrome.storage.local.remove("panelDock"));
  assert.deepEqual(problems, []);
  await page.close();
});

test("evidence files are named after the listing, from the ad or the page URL", async () => {
  const dir = mkdtempSync(join(tmpdir(), "redflag-ext-names-"));
  assert.equal(redflag(["evidence", "keygen", "--out", dir]).status, 0);
  await sw.evaluate((k) => chrome.storage.local.set({ evidenceRecipient: k }), readFileSync(join(dir, "evidence-recipient.pub"), "utf8").trim());
  const { page, problems } = await open("/queue-console.html?listing=L-77");
  await page.click(".redflag-fab");
  await page.waitForSelector(".redflag-panel .redflag-ad textarea");
  const exportAd = async (n) => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(`.redflag-panel .redflag-ad:nth-of-type(${n}) .redflag-export`)]);
    return { name: download.suggestedFilename(), packet: JSON.parse(readFileSync(await download.path(), "utf8")) };
  };
  const stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ";
  // From the ad element's data-listing-id, made safe for file systems.
  const first = await exportAd(1);
  assert.equal(first.packet.listing, "Q-2026/07:118 ü");
  assert.match(first.name, new RegExp(`^redflag-evidence-Q-2026_07_118_u-${stamp}\\.json$`));
  assert.equal(first.name.slice("redflag-evidence-Q-2026_07_118_u-".length, -".json".length), first.packet.time.replace(/[:.]/g, "-"));
  // An ad with no id of its own takes the page's ?listing=.
  const third = await exportAd(3);
  assert.equal(third.packet.listing, "L-77");
  assert.match(third.name, new RegExp(`^redflag-evidence-L-77-${stamp}\\.json$`));
  assert.deepEqual(problems, []);
  await page.close();
});

test("a queue of 500 ads is screened and marked (time printed)", async () => {
  const page = await ctx.newPage();
  const problems = watch(page);
  const t0 = performance.now();
  await page.goto(`${base}/queue-500.html`);
  await page.waitForSelector("html[data-redflag-screened=true]", { timeout: 60000 });
  const ms = performance.now() - t0;
  const counts = await page.$$eval(".ad", (ads) => ads.map((a) => a.querySelectorAll("mark.redflag-mark").length));
  assert.equal(counts.length, 500);
  // Every ad of the fixture has marks; the same ad is marked the same way each time.
  for (const [i, n] of counts.entries()) assert.equal(n, counts[i % 3], `ad ${i}`);
  assert.ok(counts.slice(0, 3).every((n) => n > 0));
  await checkMarks(page);
  const t1 = performance.now();
  await page.click(".redflag-fab");
  await page.waitForFunction(() => document.querySelectorAll(".redflag-panel .redflag-ad").length === 500);
  // Each ad's box in the panel names its listing.
  const heads = await page.$$eval(".redflag-panel .redflag-ad-title", (hs) => hs.map((h) => h.textContent));
  for (const [i, h] of heads.entries()) assert.ok(h.endsWith(` · #N-${i}`), h);
  console.log(`500 ads: screened and marked in ${ms.toFixed(0)} ms (page load included); panel of 500 ads in ${(performance.now() - t1).toFixed(0)} ms`);
  const verdicts = (await consoleAds(page)).map((a) => a.v.verdict);
  assert.equal(await badge(page), String(verdicts.filter((v) => v !== "allow").length), "the badge counts the flagged ads");
  assert.deepEqual(problems, []);
  await page.close();
});

test("removing the consoles gives the site's access back and stops screening", async () => {
  const options = await ctx.newPage();
  await options.goto(`chrome-extension://${extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  assert.equal(await options.$$eval("#consoles li", (li) => li.length), 2);
  await options.click("#consoles li:first-child button");
  await options.waitForFunction(() => document.querySelectorAll("#consoles li").length === 1);
  // One console of the site left: the site keeps its access.
  assert.deepEqual(await sw.evaluate(() => chrome.permissions.getAll().then((p) => p.origins)), ["http://127.0.0.1/*"]);
  await options.click("#consoles li:first-child button");
  await options.waitForFunction(() => document.querySelectorAll("#consoles li").length === 0);
  assert.deepEqual(await sw.evaluate(() => chrome.permissions.getAll().then((p) => p.origins)), []);
  await sw.evaluate(() => new Promise((ok) => setTimeout(ok, 300)));
  assert.deepEqual(await sw.evaluate(() => chrome.scripting.getRegisteredContentScripts()), []);
  const page = await ctx.newPage();
  await page.goto(`${base}/queue.html`);
  await page.waitForLoadState("load");
  await page.waitForTimeout(1500);
  assert.equal(await page.$("html[data-redflag-screened], mark.redflag-mark, .redflag-ui"), null);
  await page.close();
  await options.close();
});

test("no errors in the service worker", async () => {
  assert.deepEqual(await sw.evaluate(() => self.redflagErrors), []);
});
