// The extension's service worker: the only place the engine runs (a content
// script cannot compile wasm on pages whose CSP forbids it). Content
// scripts do DOM work and send the text here. The listener is registered
// synchronously at start and answers once the engine is ready; a top-level
// `await` would break messaging in a service worker.
import init, { Engine, validatePacks, verifySignedPack } from "./vendor/redflag.js";
import { loadEngine } from "./vendor/load-engine.js";
import { sha256Hex } from "./vendor/sha256.js";
import { canonicalJson, ed25519Signer, hmacHex, key32, keyId, makePacket, newEd25519Seed, sealTo, signDocument, toBase64, utcSeconds } from "./vendor/evidence.js";
import { DECISION_LABELS, decisionLine, storedForm } from "./decisions.js";
import { defaultProfiles, profileMatches } from "./profiles.js";
import { linkHandlers, startLinking } from "./link-worker.js";

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
// link.js and ocr.js first: content.js uses what they define (linking ads,
// link-worker.js; text in pictures, offscreen.js).
const CONTENT_SCRIPTS = ["link.js", "ocr.js", "content.js"];

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
  await chrome.scripting.registerContentScripts([{ id: SCRIPT_ID, matches, js: CONTENT_SCRIPTS, css: ["content.css"], runAt: "document_idle" }]);
  // Tabs already open on a console are screened without a reload (the
  // content script runs once per page).
  for (const tab of await chrome.tabs.query({ url: matches })) {
    try {
      await chrome.scripting.insertCSS({ target: { tabId: tab.id }, files: ["content.css"] });
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: CONTENT_SCRIPTS });
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

// Evidence packets (`redflag-evidence/2`, docs/evidence.md), the same
// format as the edge worker's: signed with this extension's own ed25519
// key (made here on first use, kept in chrome.storage.local, its public key
// shown on the options page for the legal team to trust), the ad sealed to
// the legal team's X25519 key pasted on the options page. Without that key
// nothing is exported: a packet holding the ad in the clear would put the
// poster's contacts on the reviewer's disk, and one holding hashes only
// could never be opened for a referral.

/** This extension's signing key: made and stored on first use, or replaced with `fresh`. */
async function signingKey(fresh = false) {
  let { evidenceSeed } = await chrome.storage.local.get("evidenceSeed");
  if (fresh || !key32(evidenceSeed ?? "")) {
    evidenceSeed = toBase64(await newEd25519Seed());
    await chrome.storage.local.set({ evidenceSeed });
  }
  return ed25519Signer(key32(evidenceSeed));
}

/** What the options page shows about evidence: the signer's public key and id, the recipient's id, the reviewer id. */
async function evidenceSettings(fresh = false) {
  const signer = await signingKey(fresh);
  const { evidenceRecipient = "", reviewerId = "", evidenceRetainDays = 365 } = await chrome.storage.local.get(["evidenceRecipient", "reviewerId", "evidenceRetainDays"]);
  const recipient = key32(evidenceRecipient);
  return {
    signerPublicKey: toBase64(signer.publicKey),
    signerKeyId: signer.keyId,
    recipient: recipient ? evidenceRecipient : null,
    recipientKeyId: recipient ? await keyId(recipient) : null,
    reviewerId,
    retainDays: evidenceRetainDays,
  };
}

const CONTACT_KINDS = ["phone", "email", "url", "handle"];

/** A signed packet of one ad, its text sealed: { text, packet }, or { refused } when no recipient key is set. */
async function evidence({ url, section, fields, note, listingId }) {
  const { evidenceRecipient = "", reviewerId = "", evidenceRetainDays = 365 } = await chrome.storage.local.get(["evidenceRecipient", "reviewerId", "evidenceRetainDays"]);
  const recipient = key32(evidenceRecipient);
  if (!recipient) return { refused: "Not exported: set the legal team's public key in the extension's options first (evidence is only saved sealed to it)." };
  const v = engine.screen({ section, ...fields }, { entities: true, rawValues: true });
  const { packet, text } = await makePacket({
    source: "extension",
    clock: "reviewer",
    time: new Date(),
    retainDays: evidenceRetainDays,
    reference: crypto.randomUUID(),
    url,
    listing: listingId || null,
    verdict: v,
    fields: Object.entries(fields),
    contacts: (v.entities ?? []).filter((e) => e.hash).map((e) => `${e.kind}:${e.hash}`),
    rawContacts: (v.entities ?? []).filter((e) => CONTACT_KINDS.includes(e.kind) && e.value).map((e) => ({ kind: e.kind, value: e.value })),
    reviewer: reviewerId || null,
    note: note || null,
    section: section ?? null,
    recipientPublic: recipient,
    signer: await signingKey(),
  });
  return { text, time: packet.time, reference: packet.reference, signer: packet.signer.key_id };
}

// Reviewer decisions (docs/integrators.md, "Reviewer decisions"). A
// decision's labelled line (decisions.js: the ad's texts as posted,
// contacts included, the label and what the reviewer saw) is sealed to the
// trust-and-safety team's X25519 key the moment it is made, with the
// evidence packets' HPKE (`sealTo`, info `redflag-decision/2`), and only
// the sealed line is stored. The extension never holds the team's private
// key, so it cannot read its own stored decisions back: that is intended.
// In the clear each stored item holds what the panel and the retention
// need: the decision, its UTC time and the id of the key it is sealed to.
//
// One `chrome.storage.local` item per ad, `decision:<item>`, so that two
// tabs deciding at once never overwrite each other's items. The ad's key
// (its line's `id`) is its own listing id when it carries one (the
// profile's `listingId` element, or the ad's data-listing-id/-ad-id/-id or
// `id`); otherwise the page's listing id (or "ad") and the first 16 hex
// digits of the SHA-256 of the ad's section and fields, so that ads sharing
// a page keep apart. The item is not that key but the first 32 hex digits
// of its HMAC-SHA-256 under a random key of this browser's
// (`decisionIndexKey`), so that no listing id is stored in the clear and
// the same ad still finds its decision on the next visit.
//
// Without the team's key a decision is stored for the panel alone (the
// decision and its time, `sealed: null`, no text): it is not labelled data
// and is never exported. Text is never stored in the clear as a fallback.
const DECISION_PREFIX = "decision:";
/** The stored item's format, and the HPKE info of its sealed line. */
export const DECISION_RECORD = "redflag-decision/2";

/** An ad's decision key: its labelled line's `id` (never stored in the clear). */
export async function decisionKey({ ownId, listingId, section, fields }) {
  if (ownId) return ownId;
  const digest = await sha256Hex(canonicalJson({ section: section ?? null, fields }));
  return `${listingId || "ad"}~${digest.slice(0, 16)}`;
}

let indexKey = null;

/** This browser's key for decision items: made and stored on first use (once, however many ask at once). */
function decisionIndexKey() {
  indexKey ??= (async () => {
    const stored = key32((await chrome.storage.local.get("decisionIndexKey")).decisionIndexKey ?? "");
    if (stored) return stored;
    const fresh = crypto.getRandomValues(new Uint8Array(32));
    await chrome.storage.local.set({ decisionIndexKey: toBase64(fresh) });
    return fresh;
  })().catch((e) => {
    indexKey = null;
    throw e;
  });
  return indexKey;
}

/** The item name of a decision key: `decision:` and 32 hex digits of its keyed hash. */
async function decisionItem(key) {
  return DECISION_PREFIX + (await hmacHex(await decisionIndexKey(), key)).slice(0, 32);
}

/**
 * What is stored of a decision: the format, the decision, its time, and
 * the labelled line sealed to `recipient` (32 raw bytes), or `sealed: null`
 * without a key (then nothing of the ad is kept).
 */
async function decisionItemValue(r, recipient) {
  return {
    format: DECISION_RECORD,
    decision: r.decision,
    decided_at: r.decided_at,
    sealed: recipient ? await sealTo(recipient, DECISION_RECORD, "", new TextEncoder().encode(decisionLine(r))) : null,
  };
}

// Retention: each stored decision is deleted `decisionRetainDays` days
// (default 90, options page) after it was made: when the service worker
// starts, twice a day (an alarm), and before any decision is counted or
// exported. Sealed lines are personal data too, to whoever holds the key.
export const DECISION_RETAIN_DAYS = 90;
const RETENTION_ALARM = "decision-retention";

/** Every stored decision within its retention, oldest first, each with its `item`; the older ones are deleted. */
async function storedDecisions() {
  const all = await chrome.storage.local.get(null);
  const days = all.decisionRetainDays ?? DECISION_RETAIN_DAYS;
  const oldest = new Date(Date.now() - days * 86_400_000).toISOString();
  const kept = [];
  const expired = [];
  for (const [k, v] of Object.entries(all)) {
    if (!k.startsWith(DECISION_PREFIX)) continue;
    // An item without a readable time cannot be shown to be recent: it goes too.
    if (typeof v?.decided_at === "string" && v.decided_at >= oldest) kept.push({ ...v, item: k });
    else expired.push(k);
  }
  if (expired.length) await chrome.storage.local.remove(expired);
  return kept.sort((a, b) => (a.decided_at < b.decided_at ? -1 : a.decided_at > b.decided_at ? 1 : a.item < b.item ? -1 : 1));
}

/**
 * Decisions stored by earlier builds (`redflag-decision/1` items,
 * `decision:<key>`) hold the ad's section and texts in the clear. At start,
 * each within its retention is sealed to the team's key if one is set, or
 * else kept as the decision and its time alone (its text dropped), under
 * its new item; the old item is deleted either way. A newer decision on the
 * same ad wins. Returns how many were sealed and how many lost their text.
 */
async function migrateClearDecisions() {
  const all = await chrome.storage.local.get(null);
  const old = Object.entries(all).filter(([k, v]) => k.startsWith(DECISION_PREFIX) && v?.format !== DECISION_RECORD);
  if (!old.length) return { sealed: 0, dropped: 0 };
  const days = all.decisionRetainDays ?? DECISION_RETAIN_DAYS;
  const oldest = new Date(Date.now() - days * 86_400_000).toISOString();
  const recipient = key32(all.decisionsRecipient ?? "");
  const items = {};
  let sealed = 0;
  let dropped = 0;
  for (const [, r] of old) {
    const readable =
      typeof r?.key === "string" && Object.hasOwn(DECISION_LABELS, r.decision) && typeof r.decided_at === "string" && r.decided_at >= oldest && r.fields && typeof r.fields === "object";
    if (!readable) continue; // past its retention, or not a decision: deleted below
    const item = await decisionItem(r.key);
    const newer = items[item] ?? all[item];
    if (newer?.format === DECISION_RECORD && newer.decided_at >= r.decided_at) continue;
    items[item] = await decisionItemValue(r, recipient);
    if (recipient) sealed++;
    else dropped++;
  }
  await chrome.storage.local.set(items);
  await chrome.storage.local.remove(old.map(([k]) => k));
  return { sealed, dropped };
}

// Every handler waits for this: clear decisions of an older version are
// sealed (or stripped) and the retention applied before anything is read.
const decisionsReady = migrateClearDecisions()
  .then((m) => {
    self.redflagMigrated = m;
  })
  .catch((e) => self.redflagErrors.push(`decisions not migrated: ${e?.message ?? e}`))
  .then(storedDecisions)
  .catch((e) => self.redflagErrors.push(`retention not applied: ${e?.message ?? e}`));
chrome.alarms.get(RETENTION_ALARM).then((a) => a || chrome.alarms.create(RETENTION_ALARM, { periodInMinutes: 12 * 60 }));
chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === RETENTION_ALARM) decisionsReady.then(storedDecisions);
});

// Decision exports (`redflag-decisions/2`, docs/integrators.md): the stored
// sealed lines, oldest first, bundled in one document signed with this
// extension's evidence key. Nothing is sealed again (a line sealed to an
// earlier team key stays sealed to it: the extension cannot open it), and
// decisions made without a key are left out, having no text. `redflag
// eval`, `calibrate` and `report` open it in memory with the team's private
// key (or keys) and read the same labelled lines a clear export would hold.
export const DECISIONS_FORMAT = "redflag-decisions/2";

/** What the options page shows about decisions: the team's key and its id, the retention. */
async function decisionSettings() {
  const { decisionsRecipient = "", decisionRetainDays = DECISION_RETAIN_DAYS } = await chrome.storage.local.get(["decisionsRecipient", "decisionRetainDays"]);
  const recipient = key32(decisionsRecipient);
  return { recipient: recipient ? decisionsRecipient : null, recipientKeyId: recipient ? await keyId(recipient) : null, retainDays: decisionRetainDays };
}

/** The sealed decisions as one signed `redflag-decisions/2` file, or { refused } without the team's key or sealed decisions. */
async function exportDecisions() {
  const { decisionsRecipient = "", reviewerId = "" } = await chrome.storage.local.get(["decisionsRecipient", "reviewerId"]);
  const recipient = key32(decisionsRecipient);
  const records = await storedDecisions();
  const sealed = records.filter((r) => r.sealed);
  const unsealed = records.length - sealed.length;
  if (!recipient) {
    return {
      refused:
        "Not exported: set the trust-and-safety team's public key under “Reviewer decisions” in the extension's options first. Decisions made without it are kept for this panel only, without the ad's text, and are never exported.",
    };
  }
  if (!records.length) return { count: 0 };
  if (!sealed.length) {
    return {
      refused: `Not exported: the ${records.length} stored decision${records.length === 1 ? " was" : "s were"} made before the trust-and-safety team's key was set, so no ad text was kept: only decisions made with the key set are exported.`,
    };
  }
  const now = new Date();
  const recipientId = await keyId(recipient);
  const { packet, text } = await signDocument(
    DECISIONS_FORMAT,
    {
      source: "extension",
      clock: "reviewer",
      time: utcSeconds(now),
      reference: crypto.randomUUID(),
      reviewer: reviewerId || null,
      count: sealed.length,
      tool: { name: "redflag reviewer", version: chrome.runtime.getManifest().version },
      records: sealed.map((r) => r.sealed),
    },
    await signingKey(),
  );
  const otherKeys = {};
  for (const r of sealed) if (r.sealed.recipient !== recipientId) otherKeys[r.sealed.recipient] = (otherKeys[r.sealed.recipient] ?? 0) + 1;
  return { count: sealed.length, unsealed, otherKeys, exported_at: now.toISOString(), text, signer: packet.signer.key_id, recipient: recipientId };
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
  async evidenceSettings() {
    return evidenceSettings();
  },
  /** Saves the legal team's public key, the reviewer id and the retention (validated). */
  async setEvidenceSettings(msg) {
    const recipient = String(msg.recipient ?? "").trim();
    if (recipient && !key32(recipient)) return { ok: false, error: "The legal team's key must be an X25519 public key: 32 bytes in base64 (44 characters, from `redflag evidence keygen`)." };
    const days = Number(msg.retainDays ?? 365);
    if (!Number.isInteger(days) || days < 1 || days > 3650) return { ok: false, error: "Retention must be a whole number of days from 1 to 3650." };
    await chrome.storage.local.set({ evidenceRecipient: recipient, reviewerId: String(msg.reviewerId ?? "").trim().slice(0, 200), evidenceRetainDays: days });
    return { ok: true, settings: await evidenceSettings() };
  },
  /** Replaces the signing key (a lost or leaked one): packets signed before keep the old key's id. */
  async newSigningKey() {
    return evidenceSettings(true);
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
  /** Each ad's decision key, its item and its stored decision (or null): no text is stored, none comes back. */
  async decisions(msg) {
    const keys = await Promise.all(msg.ads.map((ad) => decisionKey(ad)));
    const items = await Promise.all(keys.map((k) => decisionItem(k)));
    const stored = await chrome.storage.local.get(items);
    return keys.map((key, i) => ({ key, item: items[i], decision: stored[items[i]] ?? null }));
  },
  /**
   * Stores (or, with `decision: null`, removes) a reviewer's decision on an
   * ad. Its labelled line (the section and field texts as screened, the
   * verdict's tier, score and rules, the packs' versions, the time in UTC;
   * no entity values: the text holds what the ad holds, and nothing is
   * added to it) is sealed to the team's key at once; only the sealed line,
   * the decision and the time are stored. Without the key, the decision and
   * the time alone.
   */
  async decide(msg) {
    const item = await decisionItem(String(msg.key));
    if (msg.decision == null) {
      await chrome.storage.local.remove(item);
      return null;
    }
    if (!Object.hasOwn(DECISION_LABELS, msg.decision)) throw new Error(`unknown decision ${JSON.stringify(msg.decision)}`);
    const fields = {};
    for (const [name, text] of Object.entries(msg.fields ?? {})) if (typeof text === "string") fields[name] = text;
    const v = msg.verdict ?? {};
    const { decisionsRecipient = "" } = await chrome.storage.local.get("decisionsRecipient");
    const value = await decisionItemValue(
      storedForm({
        key: String(msg.key),
        listing_id: msg.listingId || null,
        decision: msg.decision,
        decided_at: new Date().toISOString(),
        section: msg.section ?? null,
        fields,
        verdict: { tier: v.verdict ?? null, score: v.score ?? null, rules: (v.rules ?? []).map((r) => r.id) },
        packs: (v.packs ?? packInfo).map((p) => ({ id: p.id, version: p.version })),
        tool: { name: "redflag reviewer", version: chrome.runtime.getManifest().version },
      }),
      key32(decisionsRecipient),
    );
    await chrome.storage.local.set({ [item]: value });
    return value;
  },
  /**
   * How many decisions are stored, by decision; how many were made without
   * the team's key (`unsealed`: not exportable), and how many are sealed to
   * a key other than the one set now (`otherKeys`, by key id).
   */
  async decisionCount() {
    const { recipientKeyId } = await decisionSettings();
    const counts = { total: 0, confirm: 0, dismiss: 0, escalate: 0, unsealed: 0, otherKeys: {}, recipientKeyId };
    for (const r of await storedDecisions()) {
      counts.total++;
      if (Object.hasOwn(DECISION_LABELS, r.decision)) counts[r.decision]++;
      if (!r.sealed) counts.unsealed++;
      else if (r.sealed.recipient !== recipientKeyId) counts.otherKeys[r.sealed.recipient] = (counts.otherKeys[r.sealed.recipient] ?? 0) + 1;
    }
    return counts;
  },
  /** Every sealed decision, oldest first, in one signed file (`redflag-decisions/2`). */
  async exportDecisions() {
    return exportDecisions();
  },
  async decisionSettings() {
    return decisionSettings();
  },
  /** Saves the trust-and-safety team's public key and the decisions' retention (validated); applies the retention at once. */
  async setDecisionSettings(msg) {
    const recipient = String(msg.recipient ?? "").trim();
    if (recipient && !key32(recipient)) return { ok: false, error: "The trust-and-safety team's key must be an X25519 public key: 32 bytes in base64 (44 characters, from `redflag decisions keygen`)." };
    const days = Number(msg.retainDays ?? DECISION_RETAIN_DAYS);
    if (!Number.isInteger(days) || days < 1 || days > 3650) return { ok: false, error: "Decisions must be kept a whole number of days from 1 to 3650." };
    await chrome.storage.local.set({ decisionsRecipient: recipient, decisionRetainDays: days });
    await storedDecisions();
    return { ok: true, settings: await decisionSettings() };
  },
  async clearDecisions() {
    const keys = (await storedDecisions()).map((r) => r.item);
    await chrome.storage.local.remove(keys);
    return { removed: keys.length };
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

// Text in pictures (docs/images.md, "Text in pictures"): tesseract.js runs
// in an offscreen document (offscreen.js: a service worker cannot start the
// Worker it needs), opened when a reviewer asks for a picture to be read and
// closed after OCR_IDLE_MS without one. The text it reads is screened here,
// with the ad's own text, as the field `picture`: the hits and entities of
// that field are what the picture says.
const OFFSCREEN = "offscreen.html";
export const PICTURE_FIELD = "picture";
const OCR_IDLE_MS = 120_000;
let offscreenOpening = null;
let ocrPending = 0;
let ocrIdle = 0;

async function ensureOffscreen() {
  const open = await chrome.runtime.getContexts({ contextTypes: ["OFFSCREEN_DOCUMENT"], documentUrls: [chrome.runtime.getURL(OFFSCREEN)] });
  if (open.length) return;
  offscreenOpening ??= chrome.offscreen
    .createDocument({ url: OFFSCREEN, reasons: ["WORKERS"], justification: "Reads the text in ad pictures (OCR) in a Worker, locally, when the reviewer asks." })
    .finally(() => {
      offscreenOpening = null;
    });
  await offscreenOpening;
}

function closeOffscreenWhenIdle() {
  clearTimeout(ocrIdle);
  ocrIdle = setTimeout(() => {
    if (!ocrPending) chrome.offscreen.closeDocument().catch(() => {});
  }, OCR_IDLE_MS);
}

Object.assign(handlers, {
  /**
   * Reads one picture ({dataUrl} from the content script, or {url} to fetch
   * with the extension's host access) and screens its text with the ad's
   * section and fields. { ocr: {text, words, width, height, ms}, verdict } or { error }.
   */
  async ocr(msg, sender) {
    ocrPending++;
    clearTimeout(ocrIdle);
    try {
      await ensureOffscreen();
      // The origin of the page that asked, as Chromium says it (never what
      // the message claims): only a picture of that origin is fetched with
      // the reviewer's cookies.
      const pageOrigin = sender?.origin ?? (sender?.url ? new URL(sender.url).origin : null);
      const r = await chrome.runtime.sendMessage({ target: "offscreen", type: "ocr-read", dataUrl: msg.dataUrl ?? null, url: msg.url ?? null, pageOrigin });
      if (!r?.ok) return { error: r?.error ?? "the OCR page did not answer" };
      const ocr = r.result;
      const fields = {};
      for (const [name, text] of Object.entries(msg.fields ?? {})) if (typeof text === "string" && name !== PICTURE_FIELD) fields[name] = text;
      const verdict = engine.screen({ section: msg.section, ...fields, [PICTURE_FIELD]: ocr.text }, { entities: true, rawValues: true });
      return { ocr, verdict };
    } finally {
      ocrPending--;
      closeOffscreenWhenIdle();
    }
  },
});

// Linking ads (templates and shared contacts): link-worker.js.
Object.assign(handlers, linkHandlers);
startLinking(ready);

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  const h = handlers[msg?.type];
  if (!h) return false;
  Promise.all([ready, decisionsReady])
    .then(() => h(msg, sender))
    .then((result) => reply({ ok: true, result }), (e) => reply({ ok: false, error: String(e?.message ?? e) }));
  return true;
});
