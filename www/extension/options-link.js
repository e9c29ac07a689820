// Options: linking ads (docs/linking.md, "In the reviewer extension"): the
// entity key, the template threshold, and the cluster file (`redflag link`
// output), read and checked here, stored in chrome.storage.local, deleted
// by the service worker after the decisions' retention.
import "./link.js";

const { parseClusters, LIMITS } = globalThis.redflagLink;
const $ = (id) => document.getElementById(id);
// The items link-worker.js reads: the clusters, and what is said of the file.
const CLUSTER_ITEM = "linkClusters";
const CLUSTER_FILE_ITEM = "linkClusterFile";

const day = (iso) => iso.slice(0, 10);

function show(s) {
  $("entity-key-state").textContent = s.keyed
    ? `An entity key is set (${s.keyBytes} bytes): contact hashes match those of redflag link and the edge worker made with the same key.`
    : "No entity key set: contacts link the ads of one page only (hashed with a random key for the browser session), and a cluster file matches by listing id only.";
  $("remove-entity-key").disabled = !s.keyed;
  $("link-threshold").value = String(s.threshold);
  const f = s.file;
  $("cluster-state").textContent = f
    ? `Loaded: ${f.name}, ${f.clusters} cluster${f.clusters === 1 ? "" : "s"} of ${f.ads} ads, on ${day(f.loaded_at)}; deleted after ${f.retain_days} days (the decisions' retention), on ${day(f.deleted_after)}.`
    : "No cluster file loaded.";
  $("remove-clusters").disabled = !f;
}

async function status() {
  const r = await chrome.runtime.sendMessage({ type: "linkStatus" });
  if (!r?.ok) throw new Error(r?.error ?? "no reply");
  show(r.result);
  return r.result;
}

async function saveLink(change) {
  const r = await chrome.runtime.sendMessage({ type: "setLinkSettings", ...change });
  if (!r.ok || !r.result.ok) {
    $("link-status").textContent = `Not saved: ${r.ok ? r.result.error : r.error}`;
    return;
  }
  $("entity-key").value = "";
  show(r.result.status);
  $("link-status").textContent = change.removeKey ? "Saved: the entity key is removed." : "Saved.";
}

$("save-link").addEventListener("click", () => saveLink({ entityKey: $("entity-key").value, threshold: Number($("link-threshold").value) }));
$("remove-entity-key").addEventListener("click", () => saveLink({ removeKey: true }));

/**
 * Reads, checks and stores a cluster file; the one loaded before stays
 * when this one has an error. Resolves to { ok, clusters } or { ok: false, error }.
 */
export async function loadClusterFile(file) {
  const say = (t) => ($("cluster-status").textContent = t);
  if (file.size > LIMITS.fileBytes) {
    const error = `Not loaded: ${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; a cluster file may be at most ${LIMITS.fileBytes / 1048576} MiB.`;
    say(error);
    return { ok: false, error };
  }
  say(`Reading ${file.name}…`);
  let parsed;
  try {
    parsed = parseClusters(await file.text());
  } catch (e) {
    const error = `Not loaded: ${file.name}, ${e.message}. The clusters loaded before, if any, are unchanged.`;
    say(error);
    return { ok: false, error };
  }
  await chrome.storage.local.set({
    [CLUSTER_ITEM]: parsed.clusters,
    [CLUSTER_FILE_ITEM]: { name: file.name, loaded_at: new Date().toISOString(), bytes: parsed.bytes, ads: parsed.ads, clusters: parsed.clusters.length },
  });
  const s = await status();
  say(`Loaded ${file.name}: ${parsed.clusters.length} cluster${parsed.clusters.length === 1 ? "" : "s"} of ${parsed.ads} ads. Kept in this browser only, and deleted on ${day(s.file.deleted_after)}.`);
  return { ok: true, clusters: parsed.clusters.length, ads: parsed.ads };
}

$("cluster-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) await loadClusterFile(file);
  e.target.value = "";
});
$("remove-clusters").addEventListener("click", async () => {
  await chrome.storage.local.remove([CLUSTER_ITEM, CLUSTER_FILE_ITEM]);
  await status();
  $("cluster-status").textContent = "The cluster file is removed.";
});

await status();
document.documentElement.dataset.linkReady = "true";
