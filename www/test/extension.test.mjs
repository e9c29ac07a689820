// The reviewer extension, unpacked, in real headless Chromium (Debian's),
// against fixture pages imitating a moderation queue — one of them with a
// strict CSP (`script-src 'self'`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, executablePath, chromiumArgs, artifacts, watch } from "./helpers/browser.mjs";
import { consumer, importPackage } from "./helpers/package.mjs";
import { buildExtension } from "../extension/build.mjs";
import { keypair, signPack, sitePack } from "./helpers/sign.mjs";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const queueHtml = readFileSync(join(fixtures, "queue.html"), "utf8");
let server, base, ctx, sw, extId, rf, profile, extDir;

before(async () => {
  rf = await importPackage();
  extDir = buildExtension(join(consumer(), "node_modules/redflag"), join(mkdtempSync(join(tmpdir(), "redflag-ext-")), "ext"));
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const files = { "/queue.html": "text/html", "/strict.html": "text/html", "/queue.js": "text/javascript", "/queue.css": "text/css" };
    const type = files[path];
    if (!type) return res.writeHead(404).end();
    const headers = { "content-type": `${type}; charset=utf-8` };
    if (path === "/strict.html") headers["content-security-policy"] = "script-src 'self'";
    res.writeHead(200, headers);
    res.end(readFileSync(join(fixtures, path === "/strict.html" ? "queue.html" : path.slice(1))));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${server.address().port}`;
  profile = mkdtempSync(join(tmpdir(), "redflag-profile-"));
  ctx = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath,
    acceptDownloads: true,
    viewport: { width: 1300, height: 900 },
    args: [...chromiumArgs, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`],
  });
  sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent("serviceworker"));
  extId = new URL(sw.url()).host;
});

after(async () => {
  await ctx?.close();
  server?.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(dirname(extDir), { recursive: true, force: true });
});

async function open(path) {
  const page = await ctx.newPage();
  const problems = watch(page);
  await page.goto(`${base}${path}`);
  await page.waitForSelector("html[data-redflag-screened=true]", { timeout: 15000 });
  return { page, problems };
}

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

test("highlights wrap exactly the matched text, across inline elements, with emoji and accents", async () => {
  const { page, problems } = await open("/queue.html");
  const groups = await checkMarks(page);
  const texts = groups.map((g) => g.text);
  assert.ok(texts.includes("régistration"), `split across <b>: ${texts}`);
  assert.ok(texts.includes("pаsspоrt"), "look-alike letters kept as written");
  // Same hits as the engine gives in Node for the same text.
  const body = await page.textContent(".ad:nth-child(1) .ad-body");
  const v = new rf.Engine().screen({ section: "jobs", title: "Hotel jobs abroad 🌴", body });
  const nodeHits = new Set(v.hits.filter((h) => h.field === "body").map((h) => `${h.start}-${h.end}`));
  for (const g of groups.filter((g) => g.fieldText === body)) assert.ok(nodeHits.has(g.hit), g.hit);
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

test("the evidence packet's hashes verify", async () => {
  const { page, problems } = await open("/queue.html");
  await page.click(".redflag-fab");
  await page.waitForSelector('.redflag-panel .redflag-ad textarea');
  await page.fill(".redflag-panel .redflag-ad:nth-of-type(2) textarea", "Escalated to child-safety team.");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".redflag-panel .redflag-ad:nth-of-type(2) .redflag-export")]);
  const packet = JSON.parse(readFileSync(await download.path(), "utf8"));
  const sha = (s) => createHash("sha256").update(s).digest("hex");
  assert.equal(packet.format, "redflag-evidence/1");
  assert.equal(packet.url, `${base}/queue.html`);
  assert.ok(!Number.isNaN(Date.parse(packet.captured_at)) && packet.captured_at.endsWith("Z"), "UTC timestamp");
  assert.equal(packet.reviewer_note, "Escalated to child-safety team.");
  assert.equal(packet.verdict.tier, "block");
  assert.ok(packet.packs.some((p) => p.id === "core"));
  for (const [name, f] of Object.entries(packet.fields)) assert.equal(f.sha256, sha(f.text), name);
  assert.equal(packet.fields.title.text, "New in town");
  const canonical = (v) =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v && typeof v === "object"
        ? `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`
        : JSON.stringify(v);
  const { packet_sha256, ...rest } = packet;
  assert.equal(packet_sha256, sha(canonical(rest)), "the packet hash verifies");
  assert.ok(packet.entities.some((e) => e.kind === "phone" && e.value === "+12025550147"));
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

test("no errors in the service worker", async () => {
  assert.deepEqual(await sw.evaluate(() => self.redflagErrors), []);
});
