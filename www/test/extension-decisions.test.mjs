// Reviewer decisions round the moderation loop, with the real parts: the
// unpacked extension in Debian's headless Chromium (helpers/extension.mjs),
// a fixture queue of synthetic ads screened with the built-in packs and a
// small site pack, and the real `redflag` CLI. A reviewer confirms,
// dismisses and escalates ads with the buttons and the keys; each decision
// is sealed to the trust-and-safety team's key when it is made, and
// chrome.storage.local holds no ad text, contact or listing id (without
// the key: the decision and its time alone, not exportable). The export
// (`redflag-decisions/2`: the sealed decisions, signed) opens with the
// team's private key into the very lines the extension sealed, byte for
// byte; `redflag eval` counts them, `redflag calibrate` refits the site
// pack from them, and `eval` with the new pack shows the change (and the
// extension loads it). After the team's key changes, an export holds
// decisions sealed to both keys and the CLI counts what a key does not
// open. Stored decisions past their retention are deleted, and decisions
// stored in the clear by earlier builds are sealed (or stripped of their
// text, without a key) when the extension starts.
//
// The lines the extension seals are seen here by wrapping the service
// worker's `crypto.subtle.encrypt` (HPKE's AES-GCM step gets each
// plaintext): the test's view of what went into each sealed decision,
// without any hook in the extension.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifacts } from "./helpers/browser.mjs";
import { root } from "./helpers/package.mjs";
import { fixtures, startExtension } from "./helpers/extension.mjs";
import { decisionLine, storedForm } from "../extension/decisions.js";

const sitePackFile = join(fixtures, "decisions-site-pack.json");
const LABELS = { confirm: "flag", escalate: "flag", dismiss: "clean" };
let ext, sw, queue, problems, work, team;

/**
 * The `redflag` binary: $REDFLAG_CLI, else the release build `.ci/run` makes
 * before the JavaScript tests (`cargo run --release` of the pack tests, and
 * .ci/build-package), else built now.
 */
function cli() {
  if (process.env.REDFLAG_CLI) return process.env.REDFLAG_CLI;
  const bin = join(root, "target/release/redflag");
  if (!existsSync(bin)) execFileSync("cargo", ["build", "--release", "-p", "redflag-cli"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  return bin;
}

/** Runs the CLI; returns its exit status and output. */
function redflag(...args) {
  const r = spawnSync(cli(), args, { encoding: "utf8" });
  if (r.error) throw r.error;
  return r;
}

/** A trust-and-safety team's key pair made by `redflag decisions keygen` in WORK/NAME: { pub, key (the file), id }. */
function teamKeys(name) {
  const out = redflag("decisions", "keygen", "--out", join(work, name));
  assert.equal(out.status, 0, out.stderr);
  return { pub: readFileSync(join(work, name, "decisions-recipient.pub"), "utf8").trim(), key: join(work, name, "decisions-recipient.key"), id: out.stderr.match(/key id ([0-9a-f]{16})/)[1] };
}

/** Opens the options page, ready. */
async function optionsPage() {
  const options = await ext.ctx.newPage();
  await options.goto(`chrome-extension://${ext.extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  return options;
}

/** Sets the decision settings on the options page; resolves to the status it shows. */
async function setDecisionSettings({ recipient, retainDays }) {
  const options = await optionsPage();
  if (recipient !== undefined) await options.fill("#decisions-recipient", recipient);
  if (retainDays !== undefined) await options.fill("#decisions-retain", String(retainDays));
  await options.click("#save-decisions");
  await options.waitForFunction(() => /^(Saved|Not saved)/.test(document.querySelector("#decisions-status").textContent));
  const status = await options.textContent("#decisions-status");
  await options.close();
  return status;
}

/** Sends the service worker a message from the options page (an extension page), as the panel does from a console. */
async function ask(msg) {
  const options = await optionsPage();
  const r = await options.evaluate((m) => chrome.runtime.sendMessage(m), msg);
  await options.close();
  assert.equal(r.ok, true, JSON.stringify(r));
  return r.result;
}

/** Loads a pack into the extension as a reviewer does, on the options page. */
async function loadPack(text) {
  const options = await ext.ctx.newPage();
  await options.goto(`chrome-extension://${ext.extId}/options.html`);
  await options.waitForSelector("html[data-ready=true]");
  const r = await options.evaluate((t) => window.redflagLoadPack(t), text);
  await options.close();
  assert.equal(r.ok, true, JSON.stringify(r));
  return r.packs;
}

/** Wraps the service worker's AES-GCM encryption to keep each plaintext it seals (see the top of this file). */
const watchSealing = () =>
  sw.evaluate(() => {
    if (self.sealedPlaintexts) return;
    self.sealedPlaintexts = [];
    const subtle = crypto.subtle;
    const encrypt = subtle.encrypt.bind(subtle);
    subtle.encrypt = (alg, key, data) => {
      self.sealedPlaintexts.push(new TextDecoder().decode(data));
      return encrypt(alg, key, data);
    };
  });

/** Every labelled line the extension has sealed so far, in order. */
const sealedLines = async () => (await sw.evaluate(() => self.sealedPlaintexts)).filter((t) => t.startsWith('{"id":'));

/** The last line sealed for each decision key (the line's `id`). */
async function lastLines() {
  const by = new Map();
  for (const t of await sealedLines()) by.set(JSON.parse(t).id, t);
  return by;
}

/**
 * What a clear export of these lines would have held: each line and a line
 * break, oldest decision first (the times must differ, so that the order
 * is the export's whatever breaks ties).
 */
function clearExport(lines) {
  const at = (t) => JSON.parse(t).review.decided_at;
  assert.equal(new Set(lines.map(at)).size, lines.length, "decision times differ");
  return [...lines].sort((a, b) => (at(a) < at(b) ? -1 : 1)).map((t) => `${t}\n`).join("");
}

before(async () => {
  cli(); // build it before the browser starts, if it has to be built
  work = mkdtempSync(join(tmpdir(), "redflag-decisions-"));
  team = teamKeys("team");
  ext = await startExtension({
    routes: {
      "/decisions-queue.html": ["text/html", "decisions-queue.html"],
      "/queue.css": ["text/css", "queue.css"],
    },
  });
  sw = ext.sw;
  await watchSealing();
  await ext.addConsole(`${ext.base}/decisions`);
  await loadPack(readFileSync(sitePackFile, "utf8"));
});

after(async () => {
  await ext?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every stored decision, by item (the 32 hex digits after `decision:`). */
const stored = () =>
  sw.evaluate(async () => Object.fromEntries(Object.entries(await chrome.storage.local.get(null)).filter(([k]) => k.startsWith("decision:")).map(([k, v]) => [k.slice("decision:".length), v])));

/** Everything in the extension's chrome.storage.local, keys and values, as one string. */
const storageDump = () => sw.evaluate(async () => JSON.stringify(await chrome.storage.local.get(null)));

/**
 * No ad's title, body (or a part of it), listing id, phone number or
 * derived contact anywhere in storage, keys included.
 */
async function assertNoAdText(ads, more = []) {
  const dump = await storageDump();
  const secrets = ["2O2-555-O147", "+12025550147", "12025550147", "ad~", ...more];
  for (const a of ads) secrets.push(a.title, a.body, a.body.slice(0, 24), a.body.slice(-24), ...(a.id ? [a.id] : []));
  for (const x of secrets) assert.ok(!dump.includes(x), `${JSON.stringify(x)} stored in the clear`);
}

/** A stored decision as it must be: the decision, its time, its sealed line (or null); nothing else. */
function assertStoredShape(v, recipient) {
  assert.deepEqual(Object.keys(v).sort(), ["decided_at", "decision", "format", "sealed"]);
  assert.equal(v.format, "redflag-decision/2");
  if (recipient === null) return assert.equal(v.sealed, null);
  assert.deepEqual(Object.keys(v.sealed).sort(), ["ciphertext", "enc", "recipient", "suite"]);
  assert.equal(v.sealed.recipient, recipient);
  assert.equal(v.sealed.suite, "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM");
}

/** An ad's entry in the panel, by (part of) its title. */
const entry = (page, title) => page.locator(".redflag-panel .redflag-ad", { has: page.locator(".redflag-ad-title", { hasText: title }) });

/** The decisions shown pressed on an ad's entry. */
const pressed = (page, title) => entry(page, title).locator('.redflag-decide[aria-pressed="true"]').evaluateAll((bs) => bs.map((b) => b.dataset.decision));

/** Waits until an ad's entry shows exactly this decision pressed (null: none). */
async function shows(page, title, decision) {
  await entry(page, title).locator(`.redflag-decide${decision ? `-${decision}[aria-pressed="true"]` : ""}`).first().waitFor();
  await page.waitForFunction(
    ([t, d]) => {
      const box = [...document.querySelectorAll(".redflag-panel .redflag-ad")].find((b) => b.querySelector(".redflag-ad-title").textContent.includes(t));
      const on = [...box.querySelectorAll('.redflag-decide[aria-pressed="true"]')].map((b) => b.dataset.decision);
      return JSON.stringify(on) === JSON.stringify(d ? [d] : []);
    },
    [title, decision],
  );
}

/** The page's ads as the fixture holds them: listing id (or null), section, title, body. */
const pageAds = (page) =>
  page.$$eval(".ad", (ads) => ads.map((a) => ({ id: a.dataset.listingId ?? null, section: a.dataset.section, title: a.querySelector(".ad-title").textContent, body: a.querySelector(".ad-body").textContent })));

/** The decision stored on each ad, by title, as the tests below leave them. */
const decided = {};

test("each screened ad gets decision buttons and keys; each decision is sealed when made and storage holds no ad text; decisions are changed, cleared and shown in every tab", async () => {
  const status = await setDecisionSettings({ recipient: team.pub });
  assert.equal(status, `Saved: decisions made from now on are sealed to key ${team.id} (decisions already stored keep the key they were sealed to); decisions are deleted after 90 days.`);
  ({ page: queue, problems } = await ext.open("/decisions-queue.html"));
  const page = queue;
  await page.click(".redflag-fab");
  const ads = await pageAds(page);
  await page.waitForFunction((n) => document.querySelectorAll(".redflag-panel .redflag-ad").length === n, ads.length);
  // Every ad, allowed ones included, has the three buttons with their keys, none pressed.
  const boxes = await page.$$eval(".redflag-panel .redflag-ad", (bs) =>
    bs.map((b) => ({
      head: b.querySelector(".redflag-ad-title").textContent,
      group: b.querySelector(".redflag-decision").getAttribute("role"),
      buttons: [...b.querySelectorAll(".redflag-decide")].map((x) => [x.dataset.decision, x.getAttribute("aria-pressed"), x.getAttribute("aria-keyshortcuts")]),
    })),
  );
  for (const b of boxes) {
    assert.equal(b.group, "group", b.head);
    assert.deepEqual(b.buttons, [["confirm", "false", "c"], ["dismiss", "false", "d"], ["escalate", "false", "e"]], b.head);
  }
  assert.ok(boxes.some((b) => b.head.startsWith("ALLOW")), "ads the packs allowed can be decided on too");
  assert.deepEqual(await stored(), {});

  // A button: confirm. Stored sealed: the decision and its time in the
  // clear, the ad as screened and the verdict seen in the sealed line.
  const t0 = Date.now();
  await entry(page, "Hotel cleaners").locator(".redflag-decide-confirm").click();
  await shows(page, "Hotel cleaners", "confirm");
  assert.match(await page.textContent(".redflag-live"), /^Confirmed: “Hotel cleaners for Dubai” \(#D-101\), exported as flag\.$/);
  assert.equal(await page.getAttribute(".redflag-live", "role"), "status");
  let s = await stored();
  assert.equal(Object.keys(s).length, 1);
  const [item] = Object.keys(s);
  assert.match(item, /^[0-9a-f]{32}$/, "the item is a keyed hash, not the listing id");
  const r = s[item];
  assertStoredShape(r, team.id);
  assert.equal(r.decision, "confirm");
  assert.ok(r.decided_at.endsWith("Z") && Date.parse(r.decided_at) >= t0 - 1000 && Date.parse(r.decided_at) <= Date.now() + 1000, r.decided_at);
  const line = JSON.parse((await lastLines()).get("D-101"));
  const ad = ads.find((a) => a.id === "D-101");
  assert.deepEqual(
    { id: line.id, label: line.label, group: line.group, section: line.section, title: line.title, body: line.body, listing: line.review.listing_id, decision: line.review.decision, at: line.review.decided_at },
    { id: "D-101", label: "flag", group: "confirm", section: "jobs", title: ad.title, body: ad.body, listing: "D-101", decision: "confirm", at: r.decided_at },
  );
  // Made from the record as chrome.storage would give it back, as earlier builds exported it.
  assert.deepEqual(Object.keys(line), ["id", "label", "group", "section", "body", "title", "review"]);
  assert.deepEqual(Object.keys(line.review.verdict), ["rules", "score", "tier"]);
  const head = await entry(page, "Hotel cleaners").locator(".redflag-ad-title").textContent();
  assert.equal(line.review.verdict.tier, head.split(" · ")[0].toLowerCase(), "the tier the reviewer saw");
  assert.equal(String(line.review.verdict.score), head.split(" · ")[1]);
  assert.ok(line.review.packs.some((p) => p.id === "site" && p.version === "1.0.0") && line.review.packs.some((p) => p.id === "core"), JSON.stringify(line.review.packs));
  await assertNoAdText(ads);

  // The keys, on the current hit: `]` focuses the first mark (this ad's);
  // `c` again clears the decision, and once more sets it. The page's own
  // shortcuts do not see a key the extension used.
  await page.evaluate(() => (window.pageKeys.length = 0));
  await page.keyboard.press("]");
  assert.equal(await page.evaluate(() => document.activeElement.closest(".ad")?.dataset.listingId), "D-101");
  await page.keyboard.press("c");
  await shows(page, "Hotel cleaners", null);
  assert.match(await page.textContent(".redflag-live"), /^Decision cleared on “Hotel cleaners for Dubai”/);
  assert.deepEqual(await stored(), {});
  await page.keyboard.press("c");
  await shows(page, "Hotel cleaners", "confirm");
  assert.deepEqual(await page.evaluate(() => window.pageKeys), ["]"], "c went to the extension alone");
  // Two quick presses are taken in order: cleared, then confirmed again.
  // (A key held down repeats, and repeats are ignored: each press is a
  // keydown and a keyup, sent without waiting for the first to be stored.)
  const kb = page.keyboard;
  await Promise.all([kb.down("c"), kb.up("c"), kb.down("c"), kb.up("c")]);
  await page.waitForFunction(() => document.querySelector(".redflag-live").textContent.startsWith("Confirmed: “Hotel cleaners"));
  await shows(page, "Hotel cleaners", "confirm");
  assert.deepEqual(Object.values(await stored()).map((v) => v.decision), ["confirm"]);
  assert.deepEqual(Object.keys(await stored()), [item], "the same ad, the same item");

  // On a focused mark: escalate, then change it to confirm.
  await page.focus('.ad[data-listing-id="D-102"] mark.redflag-mark');
  await page.keyboard.press("e");
  await shows(page, "Farm work abroad", "escalate");
  await page.keyboard.press("c");
  await shows(page, "Farm work abroad", "confirm");
  await page.focus('.ad[data-listing-id="D-103"] mark.redflag-mark');
  await page.keyboard.press("d");
  await shows(page, "Seasonal fruit pickers", "dismiss");
  assert.match(await page.textContent(".redflag-live"), /^Dismissed: “Seasonal fruit pickers” \(#D-103\), exported as clean\.$/);

  // On an ad's entry in the panel (a click inside it focuses it).
  await entry(page, "New in town").locator(".redflag-ad-title").click();
  assert.ok(await page.evaluate(() => document.activeElement.matches(".redflag-panel .redflag-ad")));
  await page.keyboard.press("e");
  await shows(page, "New in town", "escalate");
  // An ad the packs missed, confirmed by the reviewer: the most valuable label.
  // (Under 100 characters, so the model does not send it to review alone.)
  assert.match(await entry(page, "Nanny").locator(".redflag-ad-title").textContent(), /^ALLOW/, "the fixture's nanny ad is one the engine misses (if it catches it now, pick other wording)");
  await entry(page, "Nanny").locator(".redflag-ad-title").click();
  await page.keyboard.press("c");
  await shows(page, "Nanny", "confirm");
  await entry(page, "Hostesses").locator(".redflag-decide-confirm").click();
  await shows(page, "Hostesses", "confirm");

  // Buttons change a decision, and clear it when pressed again.
  await entry(page, "Weekend barista").locator(".redflag-decide-confirm").click();
  await shows(page, "Weekend barista", "confirm");
  await entry(page, "Weekend barista").locator(".redflag-decide-dismiss").click();
  await shows(page, "Weekend barista", "dismiss");
  await entry(page, "Road bike").locator(".redflag-decide-escalate").click();
  await shows(page, "Road bike", "escalate");
  await entry(page, "Road bike").locator(".redflag-decide-escalate").click();
  await shows(page, "Road bike", null);
  assert.equal(await entry(page, "Road bike").locator(".redflag-decision-state").textContent(), "No decision yet");
  assert.match(await entry(page, "Weekend barista").locator(".redflag-decision-state").textContent(), /^Dismissed \(exported as clean\) · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

  // Stored: one sealed item per decided ad, no text; the sealed lines say which.
  s = await stored();
  const expected = { "D-101": "confirm", "D-102": "confirm", "D-103": "dismiss", "D-105": "escalate", "D-106": "confirm", "D-108": "confirm" };
  assert.equal(Object.keys(s).length, 7);
  for (const v of Object.values(s)) assertStoredShape(v, team.id);
  const lines = [...(await lastLines()).values()].map((t) => JSON.parse(t)).filter((l) => Object.values(s).some((v) => v.decided_at === l.review.decided_at));
  // The barista ad has no listing id: its key is the page's (none: "ad")
  // and a hash of its text, the same on every visit.
  const hashed = lines.filter((l) => !(l.id in expected));
  assert.equal(hashed.length, 1, JSON.stringify(lines.map((l) => l.id)));
  assert.match(hashed[0].id, /^ad~[0-9a-f]{16}$/);
  assert.equal(hashed[0].review.listing_id, null);
  assert.deepEqual(Object.fromEntries(lines.map((l) => [l.id, l.group])), { ...expected, [hashed[0].id]: "dismiss" });
  assert.deepEqual(
    lines.map((l) => [l.review.decided_at, l.group]).sort(),
    Object.values(s).map((v) => [v.decided_at, v.decision]).sort(),
    "each stored item is the decision its sealed line holds",
  );
  for (const l of lines) assert.equal(l.label, LABELS[l.group]);
  const d105 = lines.find((l) => l.id === "D-105");
  assert.ok(!JSON.stringify(lines).includes("+12025550147"), "no raw contact value beyond the ad's own text");
  assert.ok(d105.body.includes("2O2-555-O147"), "the ad's text as written, sealed");
  await assertNoAdText(ads);
  for (const l of lines) decided[l.title] = l.group;
  await page.waitForFunction(() => /^Decisions stored: 7 \(4 confirmed, 2 dismissed, 1 escalated\)$/.test(document.querySelector(".redflag-decision-count").textContent));
  assert.equal(await page.textContent(".redflag-decision-note"), "", "nothing to say: every decision is sealed to the key set");
  await page.$eval(".redflag-panel", (p) => (p.scrollTop = 0));
  await page.screenshot({ path: join(artifacts(), "extension-decisions.png") });

  // Typing in the page's fields, the page's editable memo, a reviewer note,
  // or with the focus on the page itself decides nothing: those keys are
  // the page's.
  await page.evaluate(() => (window.pageKeys.length = 0));
  await page.click("#search");
  await page.keyboard.type("cde");
  assert.equal(await page.inputValue("#search"), "cde");
  await page.click("#memo");
  await page.keyboard.press("End");
  await page.keyboard.type("d");
  assert.match(await page.textContent("#memo"), /d$/);
  await entry(page, "Seasonal fruit pickers").locator("textarea").click();
  await page.keyboard.type("ce");
  assert.equal(await entry(page, "Seasonal fruit pickers").locator("textarea").inputValue(), "ce");
  await page.click("h1");
  await page.keyboard.press("d");
  assert.deepEqual(await page.evaluate(() => window.pageKeys.filter((k) => k.length === 1)), ["c", "d", "e", "d", "c", "e", "d"]);
  assert.deepEqual(await stored(), s, "nothing decided");
  // Nor can the page's scripts decide: a scripted click or key is not the reviewer's.
  await page.evaluate(() => {
    document.querySelector(".redflag-panel .redflag-decide-escalate").click();
    document.querySelector('.ad[data-listing-id="D-106"] mark.redflag-mark').dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true }));
  });
  await page.waitForTimeout(300);
  assert.deepEqual(await stored(), s, "no decision from the page's scripts");

  // Another tab on the queue shows the stored decisions, and a decision made
  // there shows here.
  const other = await ext.open("/decisions-queue.html");
  await other.page.click(".redflag-fab");
  await other.page.waitForFunction((n) => document.querySelectorAll(".redflag-panel .redflag-ad").length === n, ads.length);
  for (const a of ads) assert.deepEqual(await pressed(other.page, a.title), await pressed(page, a.title), a.title);
  await entry(other.page, "Road bike").locator(".redflag-decide-escalate").click();
  await shows(page, "Road bike", "escalate");
  await entry(other.page, "Road bike").locator(".redflag-decide-escalate").click();
  await shows(page, "Road bike", null);
  assert.deepEqual(other.problems, []);
  await other.page.close();
  assert.deepEqual(problems, []);
});

test("without the trust-and-safety team's key a decision is kept for the panel alone (no text), marked not exportable; Export says what to set and saves nothing", async () => {
  const page = queue;
  const ads = await pageAds(page);
  let downloads = 0;
  page.on("download", () => downloads++);
  const noKey = "No trust-and-safety team key set: decisions are kept for the panel only, without the ads' text, and cannot be exported. Set the key to keep decisions as labelled data.";
  assert.equal(await setDecisionSettings({ recipient: "" }), `Saved; decisions are deleted after 90 days. ${noKey}`);
  const options = await optionsPage();
  assert.equal(await options.textContent("#decisions-status"), noKey);
  assert.equal(await options.inputValue("#decisions-retain"), "90", "kept 90 days unless set");
  assert.match(await options.textContent("#decisions-explained"), /Changing the key re-seals nothing/);
  await options.close();
  await page.waitForFunction(() => document.querySelector(".redflag-decision-note").textContent.startsWith("No trust-and-safety team key is set: decisions are kept for this panel only, without the ads' text, and cannot be exported."));

  // A decision: recorded and shown, its line never made (nothing sealed), no text stored.
  const before = await stored();
  const sealedBefore = (await sealedLines()).length;
  await entry(page, "Road bike").locator(".redflag-decide-escalate").click();
  await shows(page, "Road bike", "escalate");
  assert.equal(await page.textContent(".redflag-live"), "Escalated: “Road bike” (#D-107). Not exportable: no trust-and-safety team key is set, so the ad's text was not kept.");
  assert.match(await entry(page, "Road bike").locator(".redflag-decision-state").textContent(), /^Escalated \(not exportable: no team key was set\) · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  const now = await stored();
  const fresh = Object.keys(now).filter((k) => !(k in before));
  assert.equal(fresh.length, 1);
  assertStoredShape(now[fresh[0]], null);
  assert.equal(now[fresh[0]].decision, "escalate");
  assert.equal((await sealedLines()).length, sealedBefore, "nothing was sealed");
  await assertNoAdText(ads);
  decided["Road bike"] = "escalate";
  await page.waitForFunction(() => /^Decisions stored: 8 \(4 confirmed, 2 dismissed, 2 escalated\)$/.test(document.querySelector(".redflag-decision-count").textContent));

  // Export: refused, with what to set, in the bar and aloud; no file.
  await page.click(".redflag-panel .redflag-export-decisions");
  const refusal =
    "Not exported: set the trust-and-safety team's public key under “Reviewer decisions” in the extension's options first. Decisions made without it are kept for this panel only, without the ad's text, and are never exported.";
  await page.waitForFunction((t) => document.querySelector(".redflag-decisions-status")?.textContent === t, refusal);
  assert.equal(await page.textContent(".redflag-live"), refusal);
  assert.equal(await page.getAttribute(".redflag-panel .redflag-decisions-status", "role"), "status");
  await page.waitForTimeout(500);
  assert.equal(downloads, 0, "no file");
  // A key that is not one is refused on the options page.
  assert.match(await setDecisionSettings({ recipient: "bm90IGEga2V5" }), /^Not saved: The trust-and-safety team's key must be an X25519 public key/);
  assert.equal(await sw.evaluate(() => chrome.storage.local.get("decisionsRecipient").then((r) => r.decisionsRecipient)), "");

  // The key set again: the decision made without it stays without text, and the panel says so.
  assert.match(await setDecisionSettings({ recipient: team.pub }), /^Saved: decisions made from now on are sealed to key /);
  await page.waitForFunction(() => document.querySelector(".redflag-decision-note").textContent === "1 decision was made before the team's key was set: kept without the ad's text, not exportable.");
  assertStoredShape((await stored())[fresh[0]], null);
  assert.deepEqual(problems, []);
});

test("exported decisions are the sealed ones, signed, and go round the loop: the team's key opens the very lines sealed, eval counts them, calibrate refits the pack, eval with the new pack shows the change", async () => {
  const page = queue;
  const ads = await pageAds(page);
  const s = await stored();
  const sealedItems = Object.values(s).filter((v) => v.sealed);
  assert.equal(sealedItems.length, 7);
  // The lines the extension sealed for the decisions stored: a clear export of them is what the team must get back.
  const lastByTime = new Map([...(await lastLines()).values()].map((t) => [JSON.parse(t).review.decided_at, t]));
  const expectedText = clearExport(sealedItems.map((v) => lastByTime.get(v.decided_at)));
  const options = await optionsPage();
  const signerPub = (await options.textContent("#evidence-signer")).trim();
  await options.close();
  // The page's scripts watch for links added to it: the download's is not.
  await page.evaluate(() => {
    window.linksSeen = [];
    new MutationObserver((rs) => rs.forEach((r) => r.addedNodes.forEach((n) => n.href && window.linksSeen.push(n.href)))).observe(document, { childList: true, subtree: true });
  });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".redflag-panel .redflag-export-decisions")]);
  assert.deepEqual(await page.evaluate(() => window.linksSeen), []);
  assert.match(download.suggestedFilename(), /^redflag-decisions-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/);
  const file = join(work, download.suggestedFilename());
  await download.saveAs(file);
  await page.waitForFunction(
    (id) => new RegExp(`^7 decisions exported, sealed to the trust-and-safety team's key ${id} and signed \\(key [0-9a-f]{16}\\)\\. 1 made without the team's key was left out \\(no text kept\\)\\.$`).test(document.querySelector(".redflag-live").textContent),
    team.id,
  );
  assert.match(await page.textContent(".redflag-panel .redflag-decisions-status"), /^7 decisions exported, sealed/);

  // Sealed: no ad text, no contact, no listing id in the file's bytes.
  const bytes = readFileSync(file);
  const sealedText = bytes.toString("utf8");
  for (const secret of ["2O2-555-O147", "+12025550147", "Hotel cleaners", "registration fee", "D-101", "ad~", ...ads.map((a) => a.title)]) {
    assert.ok(!sealedText.includes(secret), `${secret} in the sealed export`);
  }
  const sealed = JSON.parse(sealedText);
  assert.equal(sealed.format, "redflag-decisions/2");
  assert.equal(sealed.source, "extension");
  assert.equal(sealed.count, 7);
  assert.deepEqual(sealed.records, sealedItems.sort((a, b) => (a.decided_at < b.decided_at ? -1 : 1)).map((v) => v.sealed), "the stored sealed lines, oldest first, as they are");
  assert.equal(sealed.signer.public_key, signerPub);
  assert.match(await page.textContent(".redflag-live"), new RegExp(`signed \\(key ${sealed.signer.key_id}\\)`));
  const verified = redflag("decisions", "verify", file, "--signer", signerPub);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, new RegExp(`ok: 7 decisions exported .* by extension, sealed to key ${team.id}, signed by trusted key`));

  // Opened in the clear only for the checks below (an analyst's
  // `decisions open --out`): byte for byte the clear export of the lines
  // the extension sealed. eval and calibrate read the sealed file.
  const clearFile = join(work, "decisions-clear.jsonl");
  const opened = redflag("decisions", "open", file, "--key", team.key, "--signer", signerPub, "--out", clearFile);
  assert.equal(opened.status, 0, opened.stderr);
  assert.match(opened.stderr, /warning: .* in the clear: personal data/);
  assert.doesNotMatch(opened.stderr, /left out/);
  const text = readFileSync(clearFile, "utf8");
  assert.equal(text, expectedText, "the same labelled lines, byte for byte");
  const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(lines.length, 7);
  for (const l of lines) {
    const v = sealedItems.find((x) => x.decided_at === l.review.decided_at);
    assert.ok(v, `line ${l.id} is a stored decision`);
    assert.equal(l.group, v.decision);
    assert.equal(l.label, LABELS[v.decision]);
    assert.equal(l.review.decision, v.decision);
    const ad = ads.find((a) => (a.id ?? null) === l.review.listing_id && a.title === l.title);
    assert.ok(ad, l.id);
    assert.deepEqual({ section: l.section, title: l.title, body: l.body }, { section: ad.section, title: ad.title, body: ad.body });
    // Only the ad's fields are strings: nothing else gets screened.
    const strings = Object.keys(l).filter((k) => typeof l[k] === "string" && !["id", "label", "group", "section"].includes(k));
    assert.deepEqual(strings.sort(), ["body", "title"], l.id);
  }
  assert.ok(!lines.some((l) => l.title === "Road bike"), "the decision made without the key is not in the export");
  assert.ok(!text.includes("+12025550147") && text.includes("2O2-555-O147"), "the ad's text, and no contact value derived from it");
  const key = ["--key", team.key, "--signer", signerPub];

  // The same figures from the sealed file as from a clear export of the same lines.
  const evalJson = (labels, ...more) => redflag("eval", "--labels", labels, "--pack", sitePackFile, "--format", "json", ...more);
  const fromClear = evalJson(clearFile);
  const fromSealed = evalJson(file, ...key);
  assert.equal(fromSealed.status, 0, fromSealed.stderr);
  assert.equal(fromSealed.stdout, fromClear.stdout);
  assert.match(fromSealed.stderr, /: 7 sealed decisions opened in memory, signed by trusted key/);
  const calClear = redflag("calibrate", "--labels", clearFile, "--pack", sitePackFile, "--out", join(work, "cal-clear.json"));
  const calSealed = redflag("calibrate", "--labels", file, ...key, "--pack", sitePackFile, "--out", join(work, "cal-sealed.json"));
  assert.equal(calSealed.status, 0, calSealed.stderr);
  assert.equal(calSealed.stdout.replace(/cal-sealed/g, "cal-clear"), calClear.stdout);
  assert.equal(readFileSync(join(work, "cal-sealed.json"), "utf8"), readFileSync(join(work, "cal-clear.json"), "utf8"));
  rmSync(clearFile);

  // Refused: without the key, with another team's key, with a byte changed.
  const noKey = evalJson(file);
  assert.equal(noKey.status, 2);
  assert.equal(noKey.stdout, "");
  assert.match(noKey.stderr, /is a sealed decisions file \(redflag-decisions\/\*\): give the trust-and-safety team's private key with --key FILE .* or REDFLAG_DECISIONS_KEY_FILE=FILE/);
  const other = teamKeys("other");
  const wrong = evalJson(file, "--key", other.key);
  assert.equal(wrong.status, 2);
  assert.equal(wrong.stdout, "");
  assert.match(wrong.stderr, new RegExp(`refused: the file's decisions are sealed to key ${team.id} \\(7\\), not to this private key \\(${other.id}\\)`));
  const tampered = Buffer.from(bytes);
  const at = sealedText.indexOf('"ciphertext":"') + 40;
  tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
  const tamperedFile = join(work, "tampered.json");
  writeFileSync(tamperedFile, tampered);
  const bad = redflag("calibrate", "--labels", tamperedFile, ...key, "--pack", sitePackFile, "--out", join(work, "never.json"));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /tampered\.json: refused: `signature` does not verify/);
  assert.ok(!existsSync(join(work, "never.json")));
  rmSync(tamperedFile);
  // No file holding the ads in the clear is left in the work directory.
  for (const f of readdirSync(work, { recursive: true })) {
    const p = join(work, f);
    if (statSync(p).isFile()) assert.ok(!readFileSync(p, "utf8").includes("2O2-555-O147"), p);
  }
  const count = (d) => lines.filter((l) => l.group === d).length;

  // eval reads the export as it is and counts the decisions.
  const before = redflag("eval", "--labels", file, ...key, "--pack", sitePackFile, "--format", "json");
  assert.equal(before.status, 0, before.stderr);
  const e1 = JSON.parse(before.stdout);
  assert.equal(e1.total, lines.length);
  assert.equal(e1.flagged, count("confirm") + count("escalate"));
  assert.equal(e1.clean, count("dismiss"));
  for (const d of Object.keys(LABELS)) {
    const g = e1.groups.find((x) => x.group === d);
    assert.equal(g.flagged + g.clean, count(d), d);
    assert.equal(LABELS[d] === "flag" ? g.clean : g.flagged, 0, d);
  }
  assert.ok(e1.packs.includes("site@1.0.0"), JSON.stringify(e1.packs));
  // The CLI's verdicts on the exported text are the ones the reviewer saw.
  for (const label of ["flag", "clean"]) {
    for (const tier of ["allow", "warn", "review", "block"]) {
      const seen = lines.filter((l) => l.label === label && l.review.verdict.tier === tier).length;
      assert.equal(e1.confusion[label][tier], seen, `${label} at ${tier}`);
    }
  }

  // calibrate refits the site pack's scores from the decisions.
  const out = join(work, "site-calibrated.json");
  const reportFile = join(work, "calibration.json");
  const cal = redflag("calibrate", "--labels", file, ...key, "--pack", sitePackFile, "--out", out, "--report", reportFile);
  assert.equal(cal.status, 0, cal.stderr);
  const old = JSON.parse(readFileSync(sitePackFile, "utf8"));
  const fresh = JSON.parse(readFileSync(out, "utf8"));
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  assert.equal(report.submissions, lines.length);
  assert.notEqual(fresh.pack.version, old.pack.version);
  const score = (p, id) => p.rule.find((r) => r.id === id).score;
  const changed = old.rule.filter((r) => score(fresh, r.id) !== r.score);
  assert.ok(changed.length > 0, `weights changed: ${JSON.stringify(report.changes)}`);
  for (const c of report.changes) {
    assert.equal(score(fresh, c.rule), c.new, c.rule);
    // Fired only on dismissed ads: it loses points; only on confirmed or escalated ones: it keeps or gains.
    if (c.clean > 0 && c.flagged === 0) assert.ok(c.new < c.old, JSON.stringify(c));
    if (c.flagged > 0 && c.clean === 0) assert.ok(c.new >= c.old, JSON.stringify(c));
  }
  assert.ok(report.changes.some((c) => c.clean > 0 && c.flagged === 0), "a site rule fired on dismissed ads alone");

  // eval with the calibrated pack: the dismissed ads score lower.
  const afterRun = redflag("eval", "--labels", file, ...key, "--pack", out, "--format", "json");
  assert.equal(afterRun.status, 0, afterRun.stderr);
  const e2 = JSON.parse(afterRun.stdout);
  assert.ok(e2.packs.includes(`site@${fresh.pack.version}`), JSON.stringify(e2.packs));
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  assert.ok(sum(e2.clean_scores) < sum(e1.clean_scores), `clean scores ${e1.clean_scores} → ${e2.clean_scores}`);
  const fp = (e, t) => e.tiers.find((x) => x.tier === t).false_positives;
  assert.ok(fp(e2, "warn") <= fp(e1, "warn"), "no more false positives at warn");
  console.log(
    `decisions → calibrate → eval: ${changed.map((r) => `${r.id} ${r.score} → ${score(fresh, r.id)}`).join(", ")}; clean scores ${JSON.stringify(e1.clean_scores)} → ${JSON.stringify(e2.clean_scores)}; false positives at warn ${fp(e1, "warn")} → ${fp(e2, "warn")}, at review ${fp(e1, "review")} → ${fp(e2, "review")}`,
  );

  // The calibrated pack loads in the extension; the queue is screened again
  // with it, and the decisions are still there.
  const headScore = async (title) => Number((await entry(page, title).locator(".redflag-ad-title").textContent()).split(" · ")[1]);
  const dismissed = ads.filter((a) => lines.some((l) => l.group === "dismiss" && l.title === a.title));
  const scoresBefore = await Promise.all(dismissed.map((a) => headScore(a.title)));
  const packs = await loadPack(readFileSync(out, "utf8"));
  assert.ok(packs.some((p) => p.id === "site" && p.version === fresh.pack.version));
  // The content script starts again with the new pack: the panel closes,
  // and the button to open it is back once the queue is screened again.
  await page.waitForFunction(() => !document.querySelector(".redflag-panel"));
  await page.click(".redflag-fab");
  await page.waitForFunction((n) => document.querySelectorAll(".redflag-panel .redflag-ad").length === n, ads.length);
  const scoresAfter = await Promise.all(dismissed.map((a) => headScore(a.title)));
  assert.ok(sum(scoresAfter) < sum(scoresBefore), `dismissed ads in the extension: ${scoresBefore} → ${scoresAfter}`);
  for (const a of ads) assert.deepEqual(await pressed(page, a.title), decided[a.title] ? [decided[a.title]] : [], a.title);
  assert.deepEqual(problems, []);
});

test("after the team's key is changed, stored decisions keep the key they were sealed to: the export carries both, and the CLI counts by key id what the keys given do not open", async () => {
  const page = queue;
  const ads = await pageAds(page);
  const newTeam = teamKeys("new-team");
  assert.equal(await setDecisionSettings({ recipient: newTeam.pub }), `Saved: decisions made from now on are sealed to key ${newTeam.id} (decisions already stored keep the key they were sealed to); decisions are deleted after 90 days.`);
  await page.waitForFunction(
    (id) =>
      document.querySelector(".redflag-decision-note").textContent ===
      `1 decision was made before the team's key was set: kept without the ad's text, not exportable. 7 sealed to an earlier team key ${id}: exported as they are; only that key opens them.`,
    team.id,
  );
  const before = await stored();
  for (const v of Object.values(before)) if (v.sealed) assert.equal(v.sealed.recipient, team.id, "nothing was sealed again");
  // A decision now: sealed to the new key (it replaces the one made without a key).
  await entry(page, "Road bike").locator(".redflag-decide-confirm").click();
  await shows(page, "Road bike", "confirm");
  decided["Road bike"] = "confirm";
  const now = await stored();
  assert.equal(Object.keys(now).length, 8);
  const roadBike = Object.values(now).find((v) => v.sealed?.recipient === newTeam.id);
  assertStoredShape(roadBike, newTeam.id);
  assert.equal(Object.values(now).filter((v) => !v.sealed).length, 0);
  await assertNoAdText(ads);

  const [download] = await Promise.all([page.waitForEvent("download"), page.click(".redflag-panel .redflag-export-decisions")]);
  const file = join(work, "rekeyed.json");
  await download.saveAs(file);
  await page.waitForFunction(
    ([n, o]) => new RegExp(`^8 decisions exported and signed \\(key [0-9a-f]{16}\\): 1 sealed to the trust-and-safety team's key ${n}, 7 to an earlier key ${o}\\.$`).test(document.querySelector(".redflag-live").textContent),
    [newTeam.id, team.id],
  );
  const doc = JSON.parse(readFileSync(file, "utf8"));
  assert.deepEqual(doc.records.map((r) => r.recipient), [...Array(7).fill(team.id), newTeam.id], "oldest first");
  const [lo, hi] = [team.id < newTeam.id ? `key ${team.id} (7)` : `key ${newTeam.id} (1)`, team.id < newTeam.id ? `key ${newTeam.id} (1)` : `key ${team.id} (7)`];
  assert.match(redflag("decisions", "verify", file).stdout, new RegExp(`ok: 8 decisions exported .* sealed to ${lo.replace(/[()]/g, "\\$&")}, ${hi.replace(/[()]/g, "\\$&")}, signed by key`));

  const lastByTime = new Map([...(await lastLines()).values()].map((t) => [JSON.parse(t).review.decided_at, t]));
  const expectedLines = Object.values(now).map((v) => lastByTime.get(v.decided_at));
  const openWith = (...keys) => {
    const out = join(work, "rekeyed.jsonl");
    rmSync(out, { force: true });
    const r = redflag("decisions", "open", file, ...keys.flatMap((k) => ["--key", k]), "--out", out);
    return { ...r, text: existsSync(out) ? readFileSync(out, "utf8") : null };
  };
  // The earlier key alone: its seven lines, and the one it cannot open counted with its key's id.
  let r = openWith(team.key);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.text, clearExport(expectedLines.filter((t) => JSON.parse(t).title !== "Road bike")));
  assert.match(r.stderr, /: 7 of 8 sealed decisions opened in memory/);
  assert.match(r.stderr, new RegExp(`warning: 1 of 8 decisions left out, sealed to a key not given \\(1 to key ${newTeam.id}\\).*--key is repeatable`));
  // The new key alone: the other way round.
  r = openWith(newTeam.key);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.text, clearExport(expectedLines.filter((t) => JSON.parse(t).title === "Road bike")));
  assert.match(r.stderr, new RegExp(`7 of 8 decisions left out, sealed to a key not given \\(7 to key ${team.id}\\)`));
  // Both keys: every line, byte for byte a clear export of them.
  r = openWith(team.key, newTeam.key);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.text, clearExport(expectedLines));
  assert.doesNotMatch(r.stderr, /left out/);
  rmSync(join(work, "rekeyed.jsonl"));
  // eval says the same, and measures what it opened.
  const ev = redflag("eval", "--labels", file, "--key", team.key, "--pack", sitePackFile, "--format", "json");
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).total, 7);
  assert.match(ev.stderr, new RegExp(`1 of 8 decisions left out, sealed to a key not given \\(1 to key ${newTeam.id}\\)`));
  assert.deepEqual(problems, []);
});

test("stored decisions past their retention are deleted: after 90 days unless set, at once when the setting is shortened", async () => {
  const day = 86_400_000;
  const aged = (days) => ({ format: "redflag-decision/2", decision: "dismiss", decided_at: new Date(Date.now() - days * day).toISOString(), sealed: null });
  const item = (n) => `decision:${String(n).padStart(32, "0")}`;
  const recent = await stored();
  await sw.evaluate((items) => chrome.storage.local.set(items), { [item(91)]: aged(91), [item(60)]: aged(60), [item(20)]: aged(20) });
  // Counting (as the panel does) applies the retention: 90 days by default.
  const count = await ask({ type: "decisionCount" });
  assert.equal(count.total, Object.keys(recent).length + 2);
  let keys = Object.keys(await stored());
  const short = (k) => `decision:${k}`;
  assert.ok(!keys.map(short).includes(item(91)) && keys.map(short).includes(item(60)) && keys.map(short).includes(item(20)), keys.join(" "));
  // A shorter retention deletes at once; the reviewer's recent decisions stay.
  assert.match(await setDecisionSettings({ retainDays: 0 }), /^Not saved: Decisions must be kept a whole number of days from 1 to 3650\.$/);
  assert.match(await setDecisionSettings({ retainDays: 30 }), /decisions are deleted after 30 days\.$/);
  keys = Object.keys(await stored());
  assert.deepEqual(keys.map(short).sort(), [...Object.keys(recent).map(short), item(20)].sort());
  // And twice a day without the console open: an alarm.
  const alarm = await sw.evaluate(() => chrome.alarms.get("decision-retention"));
  assert.equal(alarm?.periodInMinutes, 720);
  await sw.evaluate((k) => chrome.storage.local.remove(k), item(20));
  assert.match(await setDecisionSettings({ retainDays: 90 }), /deleted after 90 days\.$/);
});

test("Clear decisions asks first, then deletes every stored decision", async () => {
  const page = queue;
  const before = await stored();
  assert.ok(Object.keys(before).length > 0);
  await page.click(".redflag-panel .redflag-clear-decisions");
  await page.waitForSelector(".redflag-panel .redflag-clear-ask");
  assert.match(await page.textContent(".redflag-panel .redflag-clear-ask"), /Delete every decision stored in this browser\?/);
  assert.ok(await page.evaluate(() => document.activeElement.matches(".redflag-clear-cancel")), "the safe choice has the focus");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".redflag-panel .redflag-clear-decisions");
  assert.deepEqual(await stored(), before, "Cancel keeps them");
  await page.click(".redflag-panel .redflag-clear-decisions");
  await page.click(".redflag-panel .redflag-clear-confirm");
  await page.waitForFunction(() => document.querySelector(".redflag-decision-count")?.dataset.total === "0");
  assert.deepEqual(await stored(), {});
  assert.equal(await page.locator('.redflag-panel .redflag-decide[aria-pressed="true"]').count(), 0);
  assert.equal(await page.textContent(".redflag-live"), `${Object.keys(before).length} decisions deleted.`);
  assert.ok(await page.isDisabled(".redflag-panel .redflag-export-decisions"), "nothing to export");
  assert.ok(await page.isDisabled(".redflag-panel .redflag-clear-decisions"));
  assert.deepEqual(problems, []);
  await page.close();
});

test("no errors in the service worker", async () => {
  assert.deepEqual(await sw.evaluate(() => self.redflagErrors), []);
});

/**
 * Decisions as earlier builds stored them (`redflag-decision/1`, item
 * `decision:<key>`): the ad's section and texts in the clear. Synthetic
 * ads; the phone number is in the range reserved for fiction.
 */
function clearRecord(key, decision, daysAgo, { listing = key, body } = {}) {
  return {
    format: "redflag-decision/1",
    key,
    listing_id: listing,
    decision,
    label: LABELS[decision],
    decided_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    section: "jobs",
    fields: { title: `Migrated ad ${key}`, body: body ?? `Warehouse night shifts for ${key}, paid cash daily, housing provided. Call 2O2-555-O147.` },
    verdict: { tier: "warn", score: 3, rules: ["site.jobs.cash-daily"] },
    packs: [{ id: "core", version: "0.2.6" }],
    tool: { name: "redflag reviewer", version: "0.1.0" },
  };
}

/**
 * Stops the extension's service worker (as the browser does when it is
 * idle, and when the extension is updated) and wakes it with a message
 * from the options page: the worker's module runs again from the start.
 * Resolves to what its start-up migration did.
 */
async function restart() {
  const page = await ext.ctx.newPage();
  const cdp = await ext.ctx.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  await page.close();
  await ask({ type: "decisionSettings" }); // answered once the decisions are migrated
  sw = ext.ctx.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${ext.extId}/`));
  const m = await sw.evaluate(() => self.redflagMigrated ?? null);
  assert.ok(m, "a new start: the migration ran in this worker");
  return m;
}

test("decisions stored in the clear by an earlier build are sealed when the extension starts with the team's key set (a clear export of them and the sealed export open to the same bytes), or stripped of their text without it", async () => {
  // With the key set: sealed.
  assert.match(await setDecisionSettings({ recipient: team.pub }), /^Saved: decisions made from now on are sealed to key /);
  const old = {
    "decision:M-201": clearRecord("M-201", "confirm", 3),
    "decision:M-202": clearRecord("M-202", "dismiss", 2, { body: "Dishwasher for a harbour bistro, paid weekly by bank transfer, written contract." }),
    "decision:page-7~0123456789abcdef": clearRecord("page-7~0123456789abcdef", "escalate", 1, { listing: "page-7" }),
    "decision:M-OLD": clearRecord("M-OLD", "confirm", 100), // past the retention: deleted, not sealed
    "decision:junk": { note: "M-JUNK 2O2-555-O147" }, // not a decision: deleted
  };
  await sw.evaluate((items) => chrome.storage.local.set(items), old);
  // What an earlier build's clear export held: the lines of its records as read back from chrome.storage.
  const asStored = Object.values(await sw.evaluate((keys) => chrome.storage.local.get(keys), Object.keys(old)));
  const kept = asStored.filter((r) => r.format && r.key !== "M-OLD");
  assert.equal(JSON.stringify(kept), JSON.stringify(kept.map(storedForm)), "chrome.storage gives objects back with their members sorted");
  assert.deepEqual(await restart(), { sealed: 3, dropped: 0 });
  const s = await stored();
  assert.equal(Object.keys(s).length, 3);
  for (const [k, v] of Object.entries(s)) {
    assert.match(k, /^[0-9a-f]{32}$/);
    assertStoredShape(v, team.id);
  }

  assert.deepEqual(Object.values(s).map((v) => [v.decided_at, v.decision]).sort(), kept.map((r) => [r.decided_at, r.decision]).sort());
  const dump = await storageDump();
  for (const x of ["M-201", "M-202", "page-7", "M-OLD", "M-JUNK", "Migrated ad", "Warehouse night shifts", "harbour bistro", "2O2-555-O147"]) assert.ok(!dump.includes(x), `${x} still stored in the clear`);
  // Exported and opened with the team's key: byte for byte the clear
  // export of the same decisions (decisions.js, as earlier builds wrote it).
  const out = await ask({ type: "exportDecisions" });
  assert.equal(out.count, 3);
  const file = join(work, "migrated.json");
  writeFileSync(file, out.text);
  const opened = redflag("decisions", "open", file, "--key", team.key);
  assert.equal(opened.status, 0, opened.stderr);
  assert.equal(opened.stdout, clearExport(kept.map(decisionLine)));
  const clearFile = join(work, "migrated-clear.jsonl");
  writeFileSync(clearFile, clearExport(kept.map(decisionLine)));
  const evalJson = (labels, ...more) => redflag("eval", "--labels", labels, "--pack", sitePackFile, "--format", "json", ...more);
  assert.equal(evalJson(file, "--key", team.key).stdout, evalJson(clearFile).stdout);
  rmSync(clearFile);

  // Without a key: the decision and its time stay for the panel, the text goes.
  assert.match(await setDecisionSettings({ recipient: "" }), /^Saved; /);
  const before = await stored();
  const older = { "decision:M-301": clearRecord("M-301", "dismiss", 4), "decision:M-302": clearRecord("M-302", "escalate", 5) };
  await sw.evaluate((items) => chrome.storage.local.set(items), older);
  assert.deepEqual(await restart(), { sealed: 0, dropped: 2 });
  const after = await stored();
  const fresh = Object.entries(after).filter(([k]) => !(k in before));
  assert.equal(fresh.length, 2);
  for (const [, v] of fresh) assertStoredShape(v, null);
  assert.deepEqual(fresh.map(([, v]) => [v.decided_at, v.decision]).sort(), Object.values(older).map((r) => [r.decided_at, r.decision]).sort());
  for (const k of Object.keys(before)) assert.deepEqual(after[k], before[k], "the sealed ones are left as they were");
  const dump2 = await storageDump();
  for (const x of ["M-301", "M-302", "Migrated ad", "Warehouse night shifts", "2O2-555-O147"]) assert.ok(!dump2.includes(x), `${x} still stored in the clear`);
  const refused = await ask({ type: "exportDecisions" });
  assert.match(refused.refused, /^Not exported: set the trust-and-safety team's public key/);
  // A newer decision on the same ad wins over an older clear one.
  assert.match(await setDecisionSettings({ recipient: team.pub }), /^Saved: /);
  const stale = clearRecord("M-201", "dismiss", 6);
  await sw.evaluate((items) => chrome.storage.local.set(items), { "decision:M-201": stale });
  const beforeStale = await stored();
  assert.deepEqual(await restart(), { sealed: 0, dropped: 0 });
  assert.deepEqual(await stored(), Object.fromEntries(Object.entries(beforeStale).filter(([k]) => k !== "M-201")), "the sealed M-201 stays; the stale clear one is deleted");
  assert.deepEqual(await sw.evaluate(() => self.redflagErrors), []);
});
