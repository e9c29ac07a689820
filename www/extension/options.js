// Options: site profiles, and loading a reviewer's rule pack (validated in
// the service worker; a bad pack never replaces the current one).
import { defaultProfiles } from "./profiles.js";

const $ = (id) => document.getElementById(id);

async function showPacks(packs) {
  const list = packs ?? (await chrome.runtime.sendMessage({ type: "packs" })).result;
  $("current").textContent = `Loaded: ${list.map((p) => `${p.id} ${p.version}`).join(", ")}`;
}

export async function loadPack(text) {
  const r = await chrome.runtime.sendMessage({ type: "setPack", pack: text });
  const errors = $("pack-errors");
  errors.replaceChildren();
  if (!r.ok) {
    $("pack-status").textContent = r.error;
    return r;
  }
  if (!r.result.ok) {
    $("pack-status").textContent = "The pack was not loaded:";
    for (const e of r.result.errors) {
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = e.path || "(pack)";
      li.append(code, ` ${e.message}`);
      errors.append(li);
    }
    return r.result;
  }
  $("pack-status").textContent = "Pack loaded.";
  await showPacks(r.result.packs);
  return r.result;
}
window.redflagLoadPack = loadPack;

$("pack-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) await loadPack(await file.text());
});
$("reset-pack").addEventListener("click", async () => {
  const r = await chrome.runtime.sendMessage({ type: "resetPack" });
  $("pack-status").textContent = "Using the built-in packs.";
  await showPacks(r.result.packs);
});
$("save-profiles").addEventListener("click", async () => {
  try {
    const profiles = JSON.parse($("profiles").value);
    if (!Array.isArray(profiles) || !profiles.every((p) => p.match && p.ad)) throw new Error("expected an array of { match, ad, title, body, section }");
    await chrome.storage.local.set({ profiles });
    $("profiles-status").textContent = "Saved.";
  } catch (err) {
    $("profiles-status").textContent = `Not saved: ${err.message}`;
  }
});

$("save-keys").addEventListener("click", async () => {
  const keys = $("public-keys").value.split("\n").map((k) => k.trim()).filter(Boolean);
  const bad = keys.find((k) => !/^[A-Za-z0-9+/]{43}=$/.test(k));
  if (bad) {
    $("keys-status").textContent = `Not saved: ${bad} is not a base64 ed25519 public key`;
    return;
  }
  await chrome.storage.local.set({ publicKeys: keys });
  $("keys-status").textContent = keys.length ? "Saved: only signed packs will load." : "Saved: no signature required.";
});

const { profiles, publicKeys = [] } = await chrome.storage.local.get(["profiles", "publicKeys"]);
$("public-keys").value = publicKeys.join("\n");
$("profiles").value = JSON.stringify(profiles ?? defaultProfiles, null, 2);
await showPacks();
document.documentElement.dataset.ready = "true";
