// The extension's service worker: the only place the engine runs (a content
// script cannot compile wasm on pages whose CSP forbids it). Content
// scripts do DOM work and send the text here. The listener is registered
// synchronously at start and answers once the engine is ready; a top-level
// `await` would break messaging in a service worker.
import init, { Engine, validatePacks, verifySignedPack } from "./vendor/redflag.js";
import { loadEngine } from "./vendor/load-engine.js";
import { sha256Hex } from "./vendor/sha256.js";
import { defaultProfiles, profileMatches } from "./profiles.js";

const redflag = { Engine, validatePacks, verifySignedPack };

let engine = null;
let packInfo = [];

// Errors are kept for the tests and for chrome://extensions' error view.
self.redflagErrors = [];
self.addEventListener("error", (e) => self.redflagErrors.push(String(e.message)));
self.addEventListener("unhandledrejection", (e) => self.redflagErrors.push(String(e.reason?.message ?? e.reason)));

async function boot() {
  await init({ module_or_path: chrome.runtime.getURL("vendor/redflag_bg.wasm") });
  const { pack } = await chrome.storage.local.get("pack");
  // The reviewer's stored pack over the built-in ones; the built-in ones alone if it no longer loads.
  engine = loadEngine(redflag, pack, { fallback: "defaults" }).engine;
  packInfo = engine.packs();
}

const ready = boot();

// Host access: the manifest asks for no site at install time
// (`optional_host_permissions` only). The reviewer adds moderation consoles
// on the options page, which requests each console's origin under the click
// (a user gesture); the content script is registered here for the consoles
// whose origin is granted, and for nothing else.
const SCRIPT_ID = "redflag-consoles";

/** The content-script match pattern of a console URL (`https://mod.example/queue` → `https://mod.example/queue*`). */
export function consolePatterns(consoleUrl) {
  const u = new URL(consoleUrl);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("a console is an http(s) address");
  return { origin: `${u.protocol}//${u.hostname}/*`, match: `${u.protocol}//${u.hostname}${u.pathname.replace(/\*+$/, "")}*` };
}

/** Registers the content script for the configured consoles whose origin is granted; injects it into their open tabs. */
async function syncConsoles() {
  const { consoles = [] } = await chrome.storage.local.get("consoles");
  const matches = [];
  for (const c of consoles) {
    let p;
    try {
      p = consolePatterns(c);
    } catch {
      continue;
    }
    if (await chrome.permissions.contains({ origins: [p.origin] })) matches.push(p.match);
  }
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (registered.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (!matches.length) return [];
  await chrome.scripting.registerContentScripts([{ id: SCRIPT_ID, matches, js: ["content.js"], css: ["content.css"], runAt: "document_idle" }]);
  // Tabs already open on a console are screened without a reload (the
  // content script runs once per page).
  for (const tab of await chrome.tabs.query({ url: matches })) {
    try {
      await chrome.scripting.insertCSS({ target: { tabId: tab.id }, files: ["content.css"] });
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["content.js"] });
    } catch {
      // A tab that navigated away meanwhile.
    }
  }
  return matches;
}

let syncing = Promise.resolve();
const resync = () => (syncing = syncing.then(syncConsoles, syncConsoles));
resync();
chrome.permissions.onAdded.addListener(resync);
chrome.permissions.onRemoved.addListener(resync);
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && changes.consoles) resync();
});

/** JSON with sorted keys, so a packet hashes the same wherever it is checked. */
export function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

async function evidence({ url, section, fields, note, listingId }) {
  const v = engine.screen({ section, ...fields }, { entities: true, rawValues: true });
  const captured = {};
  for (const [name, text] of Object.entries(fields)) captured[name] = { text, sha256: await sha256Hex(text) };
  const packet = {
    format: "redflag-evidence/1",
    url,
    listing_id: listingId || null,
    captured_at: new Date().toISOString(),
    section: section ?? null,
    fields: captured,
    packs: v.packs,
    verdict: { tier: v.verdict, score: v.score, thresholds: v.thresholds, evasion: v.evasion, rules: v.rules, hits: v.hits },
    entities: v.entities ?? [],
    reviewer_note: note ?? "",
    tool: { name: "redflag reviewer", version: chrome.runtime.getManifest().version },
  };
  packet.packet_sha256 = await sha256Hex(canonicalJson(packet));
  return packet;
}

async function profiles() {
  const { profiles: stored } = await chrome.storage.local.get("profiles");
  return stored ?? defaultProfiles;
}

const handlers = {
  async config(msg) {
    const { enabled = true } = await chrome.storage.local.get("enabled");
    const list = (await profiles()).filter((p) => profileMatches(p.match, msg.url));
    return { enabled, profiles: list };
  },
  async screen(msg) {
    return msg.ads.map((ad) => {
      try {
        const v = engine.screen({ section: ad.section, ...ad.fields }, { entities: true, rawValues: true });
        return { key: ad.key, verdict: v };
      } catch (e) {
        return { key: ad.key, error: e.message };
      }
    });
  },
  async badge(msg, sender) {
    const tabId = sender.tab?.id;
    if (tabId === undefined) return false;
    await chrome.action.setBadgeText({ tabId, text: msg.count ? String(msg.count) : "" });
    await chrome.action.setBadgeBackgroundColor({ tabId, color: "#c0392b" });
    return true;
  },
  async evidence(msg) {
    return evidence(msg);
  },
  async setPack(msg) {
    // With trusted keys configured, only signed packs that verify (not
    // tampered, not expired, not older than the last one accepted) load.
    const { publicKeys = [], acceptedVersions = {} } = await chrome.storage.local.get(["publicKeys", "acceptedVersions"]);
    const signed = publicKeys.length > 0;
    const r = loadEngine(redflag, msg.pack, { trust: signed ? { publicKeys, lastVersions: acceptedVersions } : null });
    if (r.failed === "signature") return { ok: false, errors: r.problems };
    // A signed pack that verified is stored as the plain pack: the stored
    // one loads at start without the keys, and its version is the new floor.
    const text = signed ? JSON.stringify(r.packs.length === 1 ? r.packs[0] : r.packs) : msg.pack;
    if (signed) await chrome.storage.local.set({ acceptedVersions: { ...acceptedVersions, ...Object.fromEntries(r.packs.map((p) => [p.pack.id, p.pack.version])) } });
    if (!r.engine) return { ok: false, errors: r.problems };
    engine?.free();
    engine = r.engine;
    packInfo = engine.packs();
    await chrome.storage.local.set({ pack: text });
    return { ok: true, packs: packInfo };
  },
  async resetPack() {
    await chrome.storage.local.remove("pack");
    engine?.free();
    engine = new Engine();
    packInfo = engine.packs();
    return { ok: true, packs: packInfo };
  },
  async packs() {
    return packInfo;
  },
  async consoles() {
    await syncing;
    const { consoles = [] } = await chrome.storage.local.get("consoles");
    const out = [];
    for (const url of consoles) {
      let granted = false;
      try {
        granted = await chrome.permissions.contains({ origins: [consolePatterns(url).origin] });
      } catch {
        granted = false;
      }
      out.push({ url, granted });
    }
    return out;
  },
};

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const h = handlers[msg?.type];
  if (!h) return false;
  ready
    .then(() => h(msg, sender))
    .then((result) => reply({ ok: true, result }), (e) => reply({ ok: false, error: String(e?.message ?? e) }));
  return true;
});
