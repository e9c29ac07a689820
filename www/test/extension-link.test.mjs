// Linked ads in the reviewer extension (docs/linking.md, "In the reviewer
// extension"): the unpacked extension in Debian's headless Chromium
// (helpers/extension.mjs) on a fixture console of synthetic ads, the real
// `redflag link` for the cluster file, and link.js in Node against the
// package's own signature() and similarity().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifacts, watch } from "./helpers/browser.mjs";
import { importPackage } from "./helpers/package.mjs";
import { fixtures, startExtension } from "./helpers/extension.mjs";
import { redflag } from "./helpers/cli.mjs";
// The benchmark corpus's deterministic generator (mulberry32).
import { rng as random } from "../../benches/corpus.mjs";

// link.js is a classic script (content scripts cannot be modules): it sets globalThis.redflagLink.
await import("../extension/link.js");
const RL = globalThis.redflagLink;

const ENTITY_KEY = "synthetic test key, 32 bytes long";
let ext, rf, work;

// ----- The 500-ad console: 100 templates, 5 copies each, interleaved -----

/** Made-up words (two or three syllables), so no two templates share a phrase. */
function words(rand, n) {
  const c = "bdfgklmnprstvz";
  const v = "aeiou";
  const syl = () => c[Math.floor(rand() * c.length)] + v[Math.floor(rand() * v.length)];
  return Array.from({ length: n }, () => syl() + syl() + (rand() < 0.5 ? syl() : ""));
}

const FAMILIES = 100;
const COPIES = 5;
/** Ad i of the long queue: template i % 100, copy i / 100, which changes one word of 60 (each copy another). */
function longQueue() {
  const ads = [];
  for (let i = 0; i < FAMILIES * COPIES; i++) {
    const family = i % FAMILIES;
    const copy = Math.floor(i / FAMILIES);
    const base = words(random(1000 + family), 60);
    base[5 + copy * 11] = words(random(7 * i + 3), 1)[0];
    ads.push(`<div class="ad" data-listing-id="N-${i}"><p class="ad-body">${base.join(" ")}.</p></div>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Long queue (fixture)</title><link rel="icon" href="data:,"></head><body>
<button id="ping" type="button" style="position:fixed;top:4px;left:4px;z-index:10">Ping</button>
<main id="queue">${ads.join("")}</main>
<script>
  // The page's own click handler: what it saw of the extension's linking each time it ran.
  window.pings = [];
  // When the extension's linking started and ended, in the page's clock.
  window.linking = {};
  new MutationObserver(() => {
    const s = document.documentElement.dataset.redflagLinking;
    if (s && !(s in window.linking)) window.linking[s] = performance.now();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-redflag-linking"] });
  document.getElementById("ping").addEventListener("click", () => window.pings.push(document.documentElement.dataset.redflagLinking ?? "not started"));
</script></body></html>`;
}

before(async () => {
  rf = await importPackage();
  work = mkdtempSync(join(tmpdir(), "redflag-ext-link-"));
  ext = await startExtension({
    routes: {
      "/link/queue.html": ["text/html", "link-queue.html"],
      "/link-queue.js": ["text/javascript", "link-queue.js"],
      "/queue.css": ["text/css", "queue.css"],
    },
    handle(path, res) {
      if (path !== "/link/queue-500.html") return false;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(longQueue());
      return true;
    },
  });
  await ext.addConsole(`${ext.base}/link/`);
});

after(async () => {
  await ext?.close();
});

/** Opens a console page and waits until its ads are linked. */
async function openLinked(path) {
  const { page, problems } = await ext.open(path);
  await page.waitForSelector("html[data-redflag-linking=done]", { timeout: 30000 });
  return { page, problems };
}

/** Opens the panel and waits for the links (and `n` ads). */
async function openPanel(page, n) {
  await page.click(".redflag-fab");
  await page.waitForFunction((count) => document.querySelectorAll(".redflag-panel .redflag-ad").length === count, n);
}

/** Each ad's link lines in the panel, by listing id: [{ kind, text, count }]. */
const panelLinks = (page) =>
  page.$$eval(".redflag-panel .redflag-ad", (boxes) =>
    Object.fromEntries(
      boxes.map((b) => [
        b.querySelector(".redflag-ad-title").textContent.match(/#(\S+)$/)[1],
        [...b.querySelectorAll(".redflag-links .redflag-link, .redflag-links .redflag-link-file-text")].map((x) => ({ kind: x.dataset.link ?? "file", text: x.textContent, count: Number(x.dataset.count ?? 0) })),
      ]),
    ),
  );

/** The fixture's ads as on the page, with the engine's verdict in Node (the flagged counts). */
async function pageAds(page) {
  const ads = await page.$$eval(".ad", (els) => els.map((a) => ({ id: a.dataset.listingId, section: a.dataset.section, title: a.querySelector(".ad-title").textContent, body: a.querySelector(".ad-body").textContent })));
  const engine = new rf.Engine();
  return ads.map((ad) => ({ ...ad, flagged: engine.screen({ section: ad.section, title: ad.title, body: ad.body }).verdict !== "allow" }));
}

const others = (n) => `${n} other ad${n === 1 ? "" : "s"}`;
const flaggedNote = (ads) => {
  const f = ads.filter((a) => a.flagged).length;
  return f ? ` (${f} flagged)` : "";
};

/** The listing ids of the ads outlined on the page: linked, the source, the one scrolled to. */
const outlined = (page) =>
  page.evaluate(() => ({
    linked: [...document.querySelectorAll(".ad.redflag-linked")].map((a) => a.dataset.listingId).sort(),
    source: [...document.querySelectorAll(".ad.redflag-link-source")].map((a) => a.dataset.listingId),
    current: [...document.querySelectorAll(".ad.redflag-linked-current")].map((a) => {
      const r = a.getBoundingClientRect();
      return { id: a.dataset.listingId, visible: r.bottom > 0 && r.top < innerHeight };
    }),
  }));

/** Opens the options page, ready. */
async function optionsPage() {
  const options = await ext.ctx.newPage();
  const problems = watch(options);
  await options.goto(`chrome-extension://${ext.extId}/options.html`);
  await options.waitForSelector("html[data-link-ready=true]");
  return { options, problems };
}

/** Loads a cluster file on the options page as a reviewer does; resolves to the status it shows. */
async function loadClusterFile(options, name, text) {
  const before = await options.textContent("#cluster-status");
  await options.setInputFiles("#cluster-file", { name, mimeType: "application/jsonl", buffer: Buffer.from(text) });
  await options.waitForFunction((b) => {
    const t = document.querySelector("#cluster-status").textContent;
    return t !== b && /^(Loaded|Not loaded)/.test(t);
  }, before);
  return options.textContent("#cluster-status");
}

const T_IDS = ["T-1", "T-2", "T-3", "T-4", "T-5"];
const P_IDS = ["P-1", "P-2", "P-3"];
const H_IDS = ["H-1", "H-2", "H-3", "H-4"];

test("link.js in Node: the same similarity as the engine's, ads grouped by template and by contact however written", async () => {
  const texts = readFileSync(join(fixtures, "link-queue.html"), "utf8");
  const ads = [...texts.matchAll(/data-listing-id="([^"]+)"><h3 class="ad-title">([^<]*)<\/h3><p class="ad-body">([^<]*)</g)].map(([, id, title, body]) => ({
    id,
    title,
    // The fixture's character references, as the browser reads them.
    body: body.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))),
  }));
  assert.equal(ads.length, 12);
  const sigs = ads.map((a) => rf.signature({ section: "jobs", title: a.title, body: a.body }, { entityKey: ENTITY_KEY, threshold: 0.5 }));
  for (const a of sigs) for (const b of sigs) assert.equal(RL.similarity(a, b), rf.similarity(a, b));
  assert.equal(RL.similarity(sigs[0], { ...sigs[1], version: sigs[1].version + 1 }), 0, "another version compares as 0");
  const g = await RL.group(sigs, { threshold: 0.5 });
  const idsOf = (list) => list.map((j) => ads[j].id).sort();
  const at = (id) => ads.findIndex((a) => a.id === id);
  for (const id of T_IDS) {
    const l = RL.linksOf(at(id), g, sigs[at(id)]);
    assert.deepEqual(idsOf(l.template), T_IDS.filter((x) => x !== id), id);
    assert.deepEqual(l.contacts, [], `${id}: its phone is its own`);
  }
  for (const id of P_IDS) {
    const l = RL.linksOf(at(id), g, sigs[at(id)]);
    assert.deepEqual(l.template, [], id);
    assert.deepEqual(l.contacts.map((c) => [c.kind, idsOf(c.ads)]), [["phone", P_IDS.filter((x) => x !== id)]], id);
  }
  for (const id of H_IDS) assert.deepEqual(RL.linksOf(at(id), g, sigs[at(id)]), { template: [], contacts: [], cluster: [] }, id);
  // Contacts are keyed hashes: nothing of the numbers in what linking keeps.
  assert.ok(!/555|0173|two oh/.test(JSON.stringify(sigs.map((s) => s.contacts))));
  // At threshold 1, disguised copies are no longer one template.
  const strict = await RL.group(sigs, { threshold: 1 });
  assert.deepEqual(RL.linksOf(at("T-1"), strict, sigs[at("T-1")]).template, []);
  // Work is cut into slices with a pause between two (the page's turn).
  let pauses = 0;
  const many = Array.from({ length: 300 }, (_, i) => rf.signature({ body: words(random(i % 30), 60).join(" ") }, { threshold: 0.5 }));
  const sliced = await RL.group(many, { threshold: 0.5, slice: 0, pause: async () => pauses++ });
  assert.ok(pauses > 10, `${pauses} pauses`);
  assert.equal(sliced.template[0].length, 10, "the 10 copies of the first text are one group");
});

test("link.js in Node: cluster files are checked line by line, with the line named", () => {
  const good = JSON.stringify({ cluster: 1, size: 2, verdict: "block", tiers: { allow: 1, warn: 0, review: 0, block: 1 }, templates: [{ template: 0, size: 2, sampled: 2, text: "a b <phone>", varies: [{ token: "doha", ads: 1 }] }], contacts: [{ kind: "phone", hash: "ab".repeat(32), ads: 2 }], members: [{ line: 1, id: "A-1", verdict: "block", template: 0, mark: "…" }, { line: 2, id: 7, verdict: "allow", mark: "…" }] });
  const r = RL.parseClusters(`${good}\n\n`);
  assert.equal(r.clusters.length, 1);
  assert.equal(r.ads, 2);
  assert.deepEqual(r.clusters[0].members, [{ id: "A-1", verdict: "block", template: 0 }, { id: "7", verdict: "allow", template: null }], "ids as strings, no marks or lines kept");
  const idx = RL.clusterIndex(r.clusters);
  assert.deepEqual(idx.byId.get("7"), [0, 1]);
  assert.deepEqual(idx.byHash.get("ab".repeat(32)), [0]);
  const bad = (text, re, opts) => assert.throws(() => RL.parseClusters(text, opts), (e) => (re.test(e.message) ? true : assert.fail(e.message)));
  bad(`${good}\n{"cluster": 2, "size": `, /^line 2: invalid JSON: /);
  bad(`${good}\r\n\r\n${good.replace('"cluster":1', '"cluster":3').replace('"hash":"abab', '"hash":"ABAB')}`, /^line 3: contacts\[0\]\.hash is not a keyed hash/);
  bad(`${good}\n${good}`, /^line 2: cluster 1 appears twice/);
  bad('{"id":"A-1","verdict":"block","score":9}', /^line 1: no `cluster` number .*redflag link/);
  bad("<!doctype html><html>", /^line 1: this is HTML.*--format html/);
  bad(good.replace('"verdict":"block"', '"verdict":"red"'), /^line 1: `verdict` "red" is not/);
  bad(good.replace('"members":[', '"members":{"x":[').replace(/\]\}$/, "]}}"), /^line 1: `members` is not a non-empty array/);
  bad(good.replace('"template":0,"mark"', '"template":4,"mark"'), /^line 1: a member's template 4 is not one of the 1 templates/);
  bad("", /holds no cluster/);
  bad(`${good}\n${" ".repeat(1 << 20)}`, /^the file is 1\.0 MiB; a cluster file may be at most 1 MiB/, { maxBytes: 1 << 20 });
  bad(`${good}\n${good.replace('"cluster":1', '"cluster":2')}`, /^line 2: more than 1 clusters/, { maxClusters: 1 });
});

test("without an entity key: disguised copies of a template and a phone written three ways are linked on the page; honest ads are not", async () => {
  const { page, problems } = await openLinked("/link/queue.html");
  const ads = await pageAds(page);
  const byId = Object.fromEntries(ads.map((a) => [a.id, a]));
  await openPanel(page, 12);
  const links = await panelLinks(page);
  for (const id of T_IDS) {
    const rest = T_IDS.filter((x) => x !== id).map((x) => byId[x]);
    assert.deepEqual(links[id], [{ kind: "template", text: `Same template as ${others(4)} on this page${flaggedNote(rest)}`, count: 4 }], id);
  }
  assert.ok(T_IDS.every((id) => byId[id].flagged), "the recruitment template is flagged");
  for (const id of P_IDS) {
    const rest = P_IDS.filter((x) => x !== id).map((x) => byId[x]);
    assert.deepEqual(links[id], [{ kind: "contact-phone", text: `Shares a phone number with ${others(2)} on this page${flaggedNote(rest)}`, count: 2 }], id);
  }
  for (const id of H_IDS) assert.deepEqual(links[id], [], `${id} is linked to nothing`);
  const status = await page.textContent(".redflag-link-status");
  assert.match(status, /Linked 12 ads on this page/);
  assert.match(status, /No entity key set: contacts link the ads of this page only/);
  assert.match(status, /No cluster file loaded/);
  // No phone number in what linking shows.
  assert.ok(!/555|0173/.test(await page.$eval(".redflag-panel", (p) => [...p.querySelectorAll(".redflag-links, .redflag-link-status")].map((x) => x.textContent).join(" "))));

  // A click outlines the linked ads, dashes the ad itself, scrolls to the first; again, to the next.
  await page.setViewportSize({ width: 1300, height: 500 });
  const entry = (id) => page.locator(".redflag-panel .redflag-ad").filter({ has: page.locator(".redflag-ad-title", { hasText: `#${id}` }) });
  await entry("T-5").locator('.redflag-link[data-link="template"]').click();
  let o = await outlined(page);
  assert.deepEqual(o.linked, ["T-1", "T-2", "T-3", "T-4"]);
  assert.deepEqual(o.source, ["T-5"]);
  assert.equal(o.current.length, 1);
  assert.ok(o.current[0].visible, "scrolled to it");
  const first = o.current[0].id;
  assert.equal(await entry("T-5").locator('.redflag-link[data-link="template"]').getAttribute("aria-pressed"), "true");
  await entry("T-5").locator('.redflag-link[data-link="template"]').click();
  o = await outlined(page);
  assert.equal(o.current.length, 1);
  assert.notEqual(o.current[0].id, first, "the next one");
  assert.ok(o.current[0].visible);
  assert.match(await page.textContent(".redflag-live"), /Same template as 4 other ads on this page.*: ad 2 of 4, “Hostess work abroad” \(#T-\d\)\./);
  await entry("T-5").locator(".redflag-links").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts(), "extension-links.png") });
  // Another link replaces the outlines.
  await entry("P-2").locator('.redflag-link[data-link="contact-phone"]').click();
  o = await outlined(page);
  assert.deepEqual(o.linked, ["P-1", "P-3"]);
  assert.deepEqual(o.source, ["P-2"]);
  await page.click(".redflag-link-clear");
  assert.deepEqual(await outlined(page), { linked: [], source: [], current: [] });

  // An ad that loads later joins its template, and the others count it.
  await page.click("#more");
  await page.waitForFunction(() => document.querySelectorAll(".redflag-panel .redflag-ad").length === 13);
  await page.waitForFunction(() => document.documentElement.dataset.redflagLinked === "13" && document.documentElement.dataset.redflagLinking === "done");
  const more = await panelLinks(page);
  for (const id of [...T_IDS, "T-6"]) assert.match(more[id][0].text, /^Same template as 5 other ads on this page/, id);
  for (const id of H_IDS) assert.deepEqual(more[id], [], id);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the template threshold of the options page applies to open pages", async () => {
  const { page, problems } = await openLinked("/link/queue.html");
  await openPanel(page, 12);
  const { options, problems: optionProblems } = await optionsPage();
  for (const bad of ["0", "1.5"]) {
    await options.fill("#link-threshold", bad);
    await options.click("#save-link");
    await options.waitForFunction(() => /^Not saved: The template threshold/.test(document.querySelector("#link-status").textContent));
    await options.evaluate(() => (document.querySelector("#link-status").textContent = ""));
  }
  await options.fill("#link-threshold", "1");
  await options.click("#save-link");
  await options.waitForFunction(() => document.querySelector("#link-status").textContent === "Saved.");
  // Disguised copies are not identical: no template link at 1; the shared phone still links.
  await page.waitForFunction(() => document.documentElement.dataset.redflagLinking === "done" && !document.querySelector('.redflag-link[data-link="template"]'));
  const strict = await panelLinks(page);
  for (const id of T_IDS) assert.deepEqual(strict[id], [], id);
  for (const id of P_IDS) assert.equal(strict[id][0]?.kind, "contact-phone", id);
  await options.fill("#link-threshold", "0.5");
  await options.click("#save-link");
  await page.waitForFunction(() => document.querySelectorAll('.redflag-link[data-link="template"]').length === 5);
  assert.deepEqual([...problems, ...optionProblems], []);
  await options.close();
  await page.close();
});

test("with the deployment's entity key, a `redflag link` cluster file marks its members, by listing id and by contact hash", async () => {
  // The ads a platform linked: the page's template copies (by listing id),
  // three more copies that are not on the page, and two ads elsewhere that
  // share H-4's phone number (written otherwise).
  const fixture = readFileSync(join(fixtures, "link-queue.html"), "utf8");
  const onPage = [...fixture.matchAll(/data-listing-id="(T-\d)"><h3 class="ad-title">([^<]*)<\/h3><p class="ad-body">([^<]*)</g)].map(([, id, title, body]) => ({ id, section: "jobs", title, body: body.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))) }));
  const t1 = onPage.find((a) => a.id === "T-1");
  const elsewhere = [
    ["F-7", "Doha", "Mila", "0177"],
    ["F-8", "Manama", "Dana", "0178"],
    ["F-9", "Abu Dhabi", "Vera", "0179"],
  ].map(([id, city, name, n]) => ({ id, section: "jobs", title: t1.title, body: t1.body.replace("Doha", city).replace("Maria", name).replace("0111", n) }));
  const network = [
    { id: "X-1", section: "for-sale", title: "Sofa", body: "Grey sofa, three seats, must go this week. Phone 202-555-0188." },
    { id: "X-2", section: "services", title: "Removals", body: "Small removals van with driver, weekends too. (202) 555 0188" },
  ];
  const adsFile = join(work, "ads.jsonl");
  writeFileSync(adsFile, [...onPage, ...elsewhere, ...network].map((a) => JSON.stringify(a)).join("\n") + "\n");
  const keyFile = join(work, "entity.key");
  writeFileSync(keyFile, ENTITY_KEY);
  const out = join(work, "clusters.jsonl");
  const r = redflag(["link", "--entity-key-file", keyFile, "-o", out, adsFile]);
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(out, "utf8");
  const clusters = text.trim().split("\n").map((l) => JSON.parse(l));
  const holding = (id) => clusters.find((c) => c.members.some((m) => String(m.id) === id));
  const template = holding("T-1");
  const phone = holding("X-1");
  assert.ok(template && phone && template !== phone, JSON.stringify(clusters.map((c) => c.members.map((m) => m.id))));
  assert.equal(template.size, 8, "the five copies on the page and the three elsewhere");
  assert.deepEqual(phone.members.map((m) => m.id), ["X-1", "X-2"]);
  const tierWords = (t) => [t.block && `${t.block} blocked`, t.review && `${t.review} in review`].filter(Boolean).join(", ") || "none in review or blocked";

  const { options, problems: optionProblems } = await optionsPage();
  assert.match(await options.textContent("#entity-key-state"), /No entity key set/);
  await options.fill("#entity-key", "too short");
  await options.click("#save-link");
  await options.waitForFunction(() => /^Not saved: The entity key is 9 bytes; it must be at least 16/.test(document.querySelector("#link-status").textContent));
  await options.fill("#entity-key", ENTITY_KEY);
  await options.click("#save-link");
  await options.waitForFunction(() => /An entity key is set \(33 bytes\)/.test(document.querySelector("#entity-key-state").textContent));
  assert.equal(await options.inputValue("#entity-key"), "", "the key is not shown again");
  const loaded = await loadClusterFile(options, "clusters.jsonl", text);
  assert.match(loaded, new RegExp(`^Loaded clusters\\.jsonl: ${clusters.length} clusters of ${clusters.reduce((n, c) => n + c.members.length, 0)} ads\\. Kept in this browser only, and deleted on \\d{4}-\\d\\d-\\d\\d\\.$`));
  assert.match(await options.textContent("#cluster-state"), /deleted after 90 days \(the decisions' retention\)/);

  const { page, problems } = await openLinked("/link/queue.html");
  await openPanel(page, 12);
  const links = await panelLinks(page);
  for (const id of T_IDS) {
    const file = links[id].filter((l) => l.kind.startsWith("file"));
    assert.deepEqual(file, [{ kind: `file-${template.cluster}`, text: `In cluster #${template.cluster}: 8 ads, ${tierWords(template.tiers)} · 4 of them on this page`, count: 4 }], id);
  }
  assert.deepEqual(links["H-4"], [{ kind: "file", text: `In cluster #${phone.cluster} (shares a phone number with it): 2 ads, ${tierWords(phone.tiers)}`, count: 0 }]);
  for (const id of ["H-1", "H-2", "H-3"]) assert.deepEqual(links[id], [], id);
  for (const id of P_IDS) assert.deepEqual(links[id].map((l) => l.kind), ["contact-phone"], `${id}: still linked on the page, with the deployment's key`);
  const status = await page.textContent(".redflag-link-status");
  assert.match(status, /Contacts are compared by keyed hash with the entity key of the options page/);
  assert.match(status, new RegExp(`Cluster file clusters\\.jsonl: ${clusters.length} clusters`));
  // The template text on demand: the CLI's, with what varies.
  const t2 = page.locator(".redflag-panel .redflag-ad").filter({ has: page.locator(".redflag-ad-title", { hasText: "#T-2" }) });
  assert.equal(await page.$(".redflag-link-templates"), null, "not in the page before it is asked for");
  await t2.locator(".redflag-link-more").click();
  assert.equal(await t2.locator(".redflag-link-template-text").textContent(), template.templates[0].text);
  assert.match(await t2.locator(".redflag-link-template-head").textContent(), /^Template 1 \(this ad's\): 8 ads$/);
  assert.match(await t2.locator(".redflag-link-varies").textContent(), /^Varies: .*doha \(\d\)/);
  await t2.locator(".redflag-link-more").click();
  assert.equal(await page.$(".redflag-link-templates"), null, "hidden again");
  // The members on the page, outlined from the cluster's line.
  await t2.locator(`.redflag-link[data-link="file-${template.cluster}"]`).click();
  assert.deepEqual((await outlined(page)).linked, ["T-1", "T-3", "T-4", "T-5"]);

  // Nothing of a contact's value is stored for linking: the cluster file keeps keyed hashes.
  const stored = await ext.sw.evaluate(() => chrome.storage.local.get(null));
  const linkItems = JSON.stringify({ linkClusters: stored.linkClusters, linkClusterFile: stored.linkClusterFile, entityKey: stored.entityKey, linkThreshold: stored.linkThreshold });
  assert.ok(linkItems.includes(phone.contacts[0].hash));
  for (const raw of ["555", "0188", "0173", "two zero two"]) assert.ok(!linkItems.includes(raw), raw);
  assert.deepEqual(Object.keys(await ext.sw.evaluate(() => chrome.storage.session.get(null))), ["linkSessionKey"], "the session's random key, from the test without a key");
  assert.deepEqual([...problems, ...optionProblems], []);
  await options.close();
  await page.close();
});

test("a malformed cluster file is refused with the line named, and the loaded one stays", async () => {
  const { options, problems } = await optionsPage();
  const before = await options.textContent("#cluster-state");
  assert.match(before, /^Loaded: clusters\.jsonl/);
  const good = readFileSync(join(work, "clusters.jsonl"), "utf8").split("\n")[0];
  assert.equal(await loadClusterFile(options, "bad.jsonl", `${good}\n{"cluster": 2, "size": 3, "members": [\n`), "Not loaded: bad.jsonl, line 2: invalid JSON: " + jsonError('{"cluster": 2, "size": 3, "members": [') + ". The clusters loaded before, if any, are unchanged.");
  assert.match(await loadClusterFile(options, "scan.jsonl", '{"id":"A-1","verdict":"block","score":12}\n'), /^Not loaded: scan\.jsonl, line 1: no `cluster` number .*was this file written by `redflag link`\?/);
  assert.match(await loadClusterFile(options, "clusters.html", "<!doctype html>\n<html></html>\n"), /^Not loaded: clusters\.html, line 1: this is HTML/);
  assert.equal(await options.textContent("#cluster-state"), before, "the file loaded before is kept");
  const { page, problems: pageProblems } = await openLinked("/link/queue.html");
  await openPanel(page, 12);
  assert.ok((await panelLinks(page))["T-1"].some((l) => l.kind.startsWith("file-")), "its clusters still mark the page");
  assert.deepEqual([...problems, ...pageProblems], []);
  await page.close();
  await options.close();
});

/** The message JSON.parse gives for a text, as Chromium's V8 words it (Node's is the same engine). */
function jsonError(text) {
  try {
    JSON.parse(text);
  } catch (e) {
    return e.message;
  }
  return "";
}

test("the cluster file is deleted after the decisions' retention", async () => {
  const { sw } = ext;
  const { options, problems } = await optionsPage();
  const status = () => options.evaluate(() => chrome.runtime.sendMessage({ type: "linkStatus" }));
  const age = (days) => sw.evaluate(async (d) => {
    const { linkClusterFile } = await chrome.storage.local.get("linkClusterFile");
    await chrome.storage.local.set({ linkClusterFile: { ...linkClusterFile, loaded_at: new Date(Date.now() - d * 86_400_000).toISOString() } });
  }, days);
  await sw.evaluate(() => chrome.storage.local.set({ decisionRetainDays: 30 }));
  await age(29);
  assert.ok((await status()).result?.file, "kept at 29 days of 30");
  await age(31);
  assert.equal((await status()).result.file, null, "deleted at 31 days of 30");
  assert.deepEqual(await sw.evaluate(() => chrome.storage.local.get(["linkClusters", "linkClusterFile"])), {}, "both items are gone");
  await sw.evaluate(() => chrome.storage.local.remove("decisionRetainDays"));
  assert.deepEqual(problems, []);
  await options.close();
});

test("a queue of 500 ads stays responsive while it is linked (time printed)", async () => {
  const page = await ext.ctx.newPage();
  const problems = watch(page);
  const t0 = performance.now();
  await page.goto(`${ext.base}/link/queue-500.html`);
  // The page's own click handler keeps running while the ads are linked:
  // real clicks (mouse events through the browser's input), one after the
  // other, each answered before the next, from the page's load until
  // linking is done.
  const box = await page.locator("#ping").boundingBox();
  let clicks = 0;
  while ((await page.evaluate(() => document.documentElement.dataset.redflagLinking)) !== "done") {
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    clicks++;
    assert.ok(clicks < 100_000, "linking ends");
  }
  const done = performance.now();
  const screened = await page.evaluate(() => document.documentElement.dataset.redflagScreened);
  assert.equal(screened, "true");
  const pings = await page.evaluate(() => window.pings);
  assert.equal(pings.length, clicks, "every click was handled");
  assert.ok(pings.includes("running"), `a click was handled while the ads were being linked: ${JSON.stringify(pings.slice(-5))}`);
  await openPanel(page, 500);
  const links = await panelLinks(page);
  assert.equal(Object.keys(links).length, 500);
  for (const [id, l] of Object.entries(links)) assert.match(l.map((x) => x.text).join(" | "), /^Same template as 4 other ads on this page( \(\d flagged\))?$/, id);
  // The copies of one template, outlined from one of them.
  await page.locator(".redflag-panel .redflag-ad").nth(0).locator('.redflag-link[data-link="template"]').click();
  assert.deepEqual((await outlined(page)).linked, ["N-100", "N-200", "N-300", "N-400"]);
  const span = await page.evaluate(() => window.linking);
  console.log(`500 ads: screened and linked ${(done - t0).toFixed(0)} ms after the page was asked for; linked in ${(span.done - span.running).toFixed(0)} ms (page clock, from the first signature request to the links of every ad); ${clicks} clicks handled meanwhile, ${pings.filter((p) => p === "running").length} of them while linking`);
  assert.deepEqual(problems, []);
  await page.close();
});

test("no errors in the service worker", async () => {
  assert.deepEqual(await ext.sw.evaluate(() => self.redflagErrors), []);
});
