// The service worker's side of linking ads (docs/linking.md, "In the
// reviewer extension"): the signatures (the engine's `signature`, in the
// .wasm, which only the service worker can run), the linking settings (the
// entity key and the threshold) and the loaded cluster file with its
// retention. The content script groups the ads of its page itself
// (link.js); this module never sees a page, and never keeps an ad.
//
// Kept apart from background.js's evidence and decision code: background.js
// adds `linkHandlers` to its message handlers and that is all.
import { signature } from "./vendor/redflag.js";
import "./link.js";

const { clusterIndex, utf8Length } = globalThis.redflagLink;

/** The template similarity two ads need to be one template, unless set on the options page. */
export const LINK_THRESHOLD = 0.5;
/** Ads signed per message: the content script sends them in chunks of this size at most, so the worker answers other messages between two. */
export const SIGNATURE_CHUNK = 20;
/** The storage items of the loaded cluster file: its clusters (as `link.js` `parseClusters` reads them), and what is said of it. */
export const CLUSTER_ITEM = "linkClusters";
export const CLUSTER_FILE_ITEM = "linkClusterFile";
/** Days a cluster file is kept when the decisions' retention (`decisionRetainDays`) is not set: the decisions' default. */
const RETAIN_DEFAULT = 90;
const RETENTION_ALARM = "cluster-retention";
/** Cluster-file matches returned per ad at most. */
const MATCHES_PER_AD = 5;
/** Words of what varies shown per template. */
const VARIES_SHOWN = 30;

// Without an entity key, contacts are hashed with a random key made for
// this browser session: ads of one page still link by contact, and the
// hashes mean nothing anywhere else. chrome.storage.session is held in
// memory only and, by default, is not readable by content scripts.
let sessionKeyMade = null;
function sessionKey() {
  sessionKeyMade ??= (async () => {
    const { linkSessionKey } = await chrome.storage.session.get("linkSessionKey");
    if (typeof linkSessionKey === "string" && linkSessionKey.length >= 32) return linkSessionKey;
    const key = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    await chrome.storage.session.set({ linkSessionKey: key });
    return key;
  })();
  return sessionKeyMade.catch((e) => {
    sessionKeyMade = null;
    throw e;
  });
}

/** The linking settings: the entity key (or the session's), whether it is the deployment's, the threshold. */
async function settings() {
  const { entityKey = "", linkThreshold = LINK_THRESHOLD } = await chrome.storage.local.get(["entityKey", "linkThreshold"]);
  const keyed = typeof entityKey === "string" && entityKey.length > 0;
  return { keyed, key: keyed ? entityKey : await sessionKey(), threshold: linkThreshold, keyBytes: keyed ? utf8Length(entityKey) : 0 };
}

/** Checks an entity key as the engine does (at least 16 bytes); returns an error message or null. */
export function entityKeyProblem(key) {
  if (typeof key !== "string") return "The entity key must be text.";
  const n = utf8Length(key);
  if (n < 16) return `The entity key is ${n} bytes; it must be at least 16 (the deployment's secret: the text of the file given to \`redflag link --entity-key-file\`, or the edge's ENTITY_KEY).`;
  if (n > 1024) return "The entity key is longer than 1024 bytes.";
  return null;
}

/** Checks a threshold; returns an error message or null. */
export function thresholdProblem(t) {
  return typeof t === "number" && Number.isFinite(t) && t >= 0.05 && t <= 1 ? null : "The template threshold must be a number from 0.05 to 1 (default 0.5).";
}

// ----- The cluster file: kept in chrome.storage.local, its index in memory -----
// Two items, written together by the options page: CLUSTER_FILE_ITEM, what
// is said of the file (name, counts, load time: read at every start of the
// worker for the retention), and CLUSTER_ITEM, the clusters (up to some
// 20 MB, read when a page asks, and kept in memory with their index).

let loaded = null; // { clusters, index } while the stored file is unchanged

/** Days the cluster file is kept: the decisions' retention. */
async function retainDays() {
  const { decisionRetainDays } = await chrome.storage.local.get("decisionRetainDays");
  return Number.isInteger(decisionRetainDays) && decisionRetainDays > 0 ? decisionRetainDays : RETAIN_DEFAULT;
}

/** What is said of a stored file: its name, counts, and when it was loaded and will be deleted. */
function fileInfo(meta, days) {
  return {
    name: meta.name,
    loaded_at: meta.loaded_at,
    deleted_after: new Date(Date.parse(meta.loaded_at) + days * 86_400_000).toISOString(),
    retain_days: days,
    clusters: meta.clusters,
    ads: meta.ads,
    bytes: meta.bytes,
  };
}

/** The stored file's description within its retention, or null (a file past it is deleted here). */
async function clusterMeta() {
  const days = await retainDays();
  const { [CLUSTER_FILE_ITEM]: meta } = await chrome.storage.local.get(CLUSTER_FILE_ITEM);
  if (!meta) return null;
  // A file without a readable load time cannot be shown to be recent: it goes.
  if (!(Date.parse(meta.loaded_at) >= Date.now() - days * 86_400_000)) {
    loaded = null;
    await chrome.storage.local.remove([CLUSTER_FILE_ITEM, CLUSTER_ITEM]);
    return null;
  }
  return { meta, days };
}

/** The stored cluster file within its retention, with its index; null when none. */
async function clusterFile() {
  const m = await clusterMeta();
  if (!m) return null;
  if (!loaded) {
    const { [CLUSTER_ITEM]: clusters } = await chrome.storage.local.get(CLUSTER_ITEM);
    if (!Array.isArray(clusters)) return null;
    loaded = { clusters, index: clusterIndex(clusters) };
  }
  return { ...m, ...loaded };
}

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") return;
  if (changes[CLUSTER_ITEM] || changes[CLUSTER_FILE_ITEM]) loaded = null;
  // A shorter retention applies at once.
  if (changes.decisionRetainDays) clusterMeta().catch(() => {});
});
chrome.alarms.get(RETENTION_ALARM).then((a) => a || chrome.alarms.create(RETENTION_ALARM, { periodInMinutes: 12 * 60 }));
chrome.alarms.onAlarm.addListener((a) => {
  if (a.name === RETENTION_ALARM) clusterMeta().catch(() => {});
});

/** A cluster as the panel shows it: counts, and its template texts (shown when the reviewer expands them). */
function summary(c) {
  const kinds = {};
  for (const h of c.contacts) kinds[h.kind] = (kinds[h.kind] ?? 0) + 1;
  return {
    cluster: c.cluster,
    size: c.size,
    verdict: c.verdict,
    tiers: c.tiers,
    contacts: kinds,
    templates: c.templates.map((t) => ({ size: t.size, text: t.text, varies: t.varies.slice(0, VARIES_SHOWN) })),
  };
}

export const linkHandlers = {
  /**
   * The signatures of up to SIGNATURE_CHUNK ads ({ section, fields }), with
   * the entity key set on the options page or the session's: { keyed,
   * threshold, sigs: [{ version, minhash, shingles, bands, contacts } or
   * { error }] }. Contacts are keyed hashes only.
   */
  async linkSignatures(msg) {
    const ads = Array.isArray(msg.ads) ? msg.ads : [];
    if (ads.length > SIGNATURE_CHUNK) throw new Error(`at most ${SIGNATURE_CHUNK} ads per message`);
    const s = await settings();
    const sigs = ads.map((ad) => {
      try {
        const sig = signature({ section: ad.section, ...ad.fields }, { entityKey: s.key, threshold: s.threshold });
        return { version: sig.version, minhash: sig.minhash, shingles: sig.shingles, bands: sig.bands, contacts: sig.contacts.map((c) => ({ kind: c.kind, hash: c.hash })) };
      } catch (e) {
        return { error: String(e?.message ?? e) };
      }
    });
    return { keyed: s.keyed, threshold: s.threshold, sigs };
  },

  /**
   * The loaded cluster file's clusters that hold each ad ({ listingId,
   * contacts: [hash] }): by its listing id among the members, or, with an
   * entity key set, by a contact hash the cluster lists. { file, clusters:
   * { index: summary }, ads: [[{ c, by, member }]] }; file null when none.
   */
  async linkClusters(msg) {
    const f = await clusterFile();
    if (!f) return { file: null, clusters: {}, ads: [] };
    const { keyed } = await settings();
    const clusters = {};
    const ads = (Array.isArray(msg.ads) ? msg.ads : []).map((ad) => {
      const found = new Map();
      const id = typeof ad.listingId === "string" ? ad.listingId.trim() : "";
      const hit = id && f.index.byId.get(id);
      if (hit) {
        const [k, j] = hit;
        const m = f.clusters[k].members[j];
        found.set(k, { c: k, by: "listing", member: { verdict: m.verdict, template: m.template } });
      }
      // Hashes made with the session's key match nothing in a file.
      if (keyed) {
        for (const c of Array.isArray(ad.contacts) ? ad.contacts : []) {
          for (const k of f.index.byHash.get(c.hash) ?? []) {
            if (found.size >= MATCHES_PER_AD) break;
            if (!found.has(k)) found.set(k, { c: k, by: c.kind, member: null });
          }
        }
      }
      const list = [...found.values()].slice(0, MATCHES_PER_AD);
      for (const m of list) clusters[m.c] ??= summary(f.clusters[m.c]);
      return list;
    });
    return { file: fileInfo(f.meta, f.days), clusters, ads };
  },

  /** What the options page and the panel say about linking. */
  async linkStatus() {
    const s = await settings();
    const f = await clusterMeta();
    return { keyed: s.keyed, keyBytes: s.keyBytes, threshold: s.threshold, retainDays: await retainDays(), file: f ? fileInfo(f.meta, f.days) : null };
  },

  /**
   * Saves the linking settings: `entityKey` (a new key; absent or "" keeps
   * the current one), `removeKey`, `threshold`. Validated; nothing is saved
   * when one is wrong.
   */
  async setLinkSettings(msg) {
    const set = {};
    const key = typeof msg.entityKey === "string" ? msg.entityKey.trim() : "";
    if (key) {
      const bad = entityKeyProblem(key);
      if (bad) return { ok: false, error: bad };
      set.entityKey = key;
    }
    if (msg.threshold !== undefined) {
      const t = Number(msg.threshold);
      const bad = thresholdProblem(t);
      if (bad) return { ok: false, error: bad };
      set.linkThreshold = t;
    }
    if (msg.removeKey) await chrome.storage.local.remove("entityKey");
    if (Object.keys(set).length) await chrome.storage.local.set(set);
    return { ok: true, status: await linkHandlers.linkStatus() };
  },
};

/** Applies the retention when the service worker starts. */
export function startLinking(ready) {
  ready.then(() => clusterMeta()).catch(() => {});
}
