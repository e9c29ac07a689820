// Options: site profiles, and loading a reviewer's rule pack (validated in
// the service worker; a bad pack never replaces the current one).
import { defaultProfiles } from "./profiles.js";

const $ = (id) => document.getElementById(id);

/** The origin to ask for, and the URL kept, for a console address the reviewer typed. */
function consoleOf(text) {
  const u = new URL(text.trim());
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("a console is an http(s) address");
  return { url: `${u.protocol}//${u.host}${u.pathname}`, origin: `${u.protocol}//${u.hostname}/*` };
}

async function showConsoles() {
  const r = await chrome.runtime.sendMessage({ type: "consoles" });
  const list = $("consoles");
  list.replaceChildren();
  for (const c of r.result) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = c.url;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => removeConsole(c.url));
    li.append(code, c.granted ? " " : " (no access granted: add it again to ask) ", remove);
    list.append(li);
  }
  return r.result;
}

async function removeConsole(url) {
  const { consoles = [] } = await chrome.storage.local.get("consoles");
  const rest = consoles.filter((c) => c !== url);
  await chrome.storage.local.set({ consoles: rest });
  const { origin } = consoleOf(url);
  // The site's access goes with its last console.
  if (!rest.some((c) => consoleOf(c).origin === origin)) await chrome.permissions.remove({ origins: [origin] });
  $("console-status").textContent = `Removed ${url}.`;
  await showConsoles();
}

// chrome.permissions.request must be called in the click itself (a user
// gesture), before any other await.
$("add-console").addEventListener("click", () => {
  let c;
  try {
    c = consoleOf($("console-url").value);
  } catch (e) {
    $("console-status").textContent = `Not added: ${e.message}`;
    return;
  }
  $("console-status").textContent = `Asking the browser for access to ${c.origin}…`;
  chrome.permissions.request({ origins: [c.origin] }).then(
    async (granted) => {
      if (!granted) {
        $("console-status").textContent = `Not added: access to ${c.origin} was refused.`;
        return;
      }
      const { consoles = [] } = await chrome.storage.local.get("consoles");
      if (!consoles.includes(c.url)) await chrome.storage.local.set({ consoles: [...consoles, c.url] });
      $("console-status").textContent = `Added ${c.url}: its pages are screened.`;
      await showConsoles();
    },
    (e) => {
      $("console-status").textContent = `Not added: ${e.message}`;
    },
  );
});

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
    if (!Array.isArray(profiles) || !profiles.every((p) => p.match && p.ad)) throw new Error("expected an array of { match, ad, title, body, section, listingId }");
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

function showEvidence(e) {
  $("evidence-recipient").value = e.recipient ?? "";
  $("reviewer-id").value = e.reviewerId ?? "";
  $("evidence-retain").value = String(e.retainDays ?? 365);
  $("evidence-signer").textContent = e.signerPublicKey;
  $("evidence-signer-id").textContent = e.signerKeyId;
  if (!e.recipient) $("evidence-status").textContent = "No legal team key set: evidence cannot be exported.";
}

$("save-evidence").addEventListener("click", async () => {
  const r = await chrome.runtime.sendMessage({ type: "setEvidenceSettings", recipient: $("evidence-recipient").value, reviewerId: $("reviewer-id").value, retainDays: Number($("evidence-retain").value) });
  if (!r.ok || !r.result.ok) {
    $("evidence-status").textContent = `Not saved: ${r.ok ? r.result.error : r.error}`;
    return;
  }
  showEvidence(r.result.settings);
  $("evidence-status").textContent = r.result.settings.recipient ? `Saved: evidence is sealed to key ${r.result.settings.recipientKeyId}.` : "Saved. No legal team key set: evidence cannot be exported.";
});

$("new-signing-key").addEventListener("click", async () => {
  const r = await chrome.runtime.sendMessage({ type: "newSigningKey" });
  showEvidence(r.result);
  $("evidence-status").textContent = `New signing key ${r.result.signerKeyId}: give its public key to the legal team.`;
});

const NO_TEAM_KEY = "No trust-and-safety team key set: decisions are kept for the panel only, without the ads' text, and cannot be exported. Set the key to keep decisions as labelled data.";

function showDecisions(d) {
  $("decisions-recipient").value = d.recipient ?? "";
  $("decisions-retain").value = String(d.retainDays);
  if (!d.recipient) $("decisions-status").textContent = NO_TEAM_KEY;
}

$("save-decisions").addEventListener("click", async () => {
  const r = await chrome.runtime.sendMessage({ type: "setDecisionSettings", recipient: $("decisions-recipient").value, retainDays: Number($("decisions-retain").value) });
  if (!r.ok || !r.result.ok) {
    $("decisions-status").textContent = `Not saved: ${r.ok ? r.result.error : r.error}`;
    return;
  }
  const d = r.result.settings;
  showDecisions(d);
  const kept = `decisions are deleted after ${d.retainDays} day${d.retainDays === 1 ? "" : "s"}`;
  $("decisions-status").textContent = d.recipient
    ? `Saved: decisions made from now on are sealed to key ${d.recipientKeyId} (decisions already stored keep the key they were sealed to); ${kept}.`
    : `Saved; ${kept}. ${NO_TEAM_KEY}`;
});

showEvidence((await chrome.runtime.sendMessage({ type: "evidenceSettings" })).result);
showDecisions((await chrome.runtime.sendMessage({ type: "decisionSettings" })).result);

const { profiles, publicKeys = [] } = await chrome.storage.local.get(["profiles", "publicKeys"]);
$("public-keys").value = publicKeys.join("\n");
$("profiles").value = JSON.stringify(profiles ?? defaultProfiles, null, 2);
await showPacks();
await showConsoles();
document.documentElement.dataset.ready = "true";
