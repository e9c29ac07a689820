// The toolbar popup: on/off switch, the loaded packs, and the score table and
// entities of each ad screened in the active tab (or in ?tab=ID).
const $ = (id) => document.getElementById(id);

async function tabId() {
  const fromUrl = new URLSearchParams(location.search).get("tab");
  if (fromUrl) return Number(fromUrl);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

function el(tag, text) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function render() {
  const { enabled = true } = await chrome.storage.local.get("enabled");
  $("enabled").checked = enabled;
  const packs = await chrome.runtime.sendMessage({ type: "packs" });
  if (packs?.ok) $("packs").textContent = `Packs: ${packs.result.map((p) => `${p.id} ${p.version}`).join(", ")}`;
  const id = await tabId();
  let ads = [];
  try {
    ads = (await chrome.tabs.sendMessage(id, { type: "state" })) ?? [];
  } catch {
    ads = [];
  }
  const box = $("ads");
  box.replaceChildren();
  if (!ads.length) box.append(el("p", "No ads screened on this page."));
  for (const ad of ads) {
    if (!ad.verdict) continue;
    const sec = el("section");
    sec.className = `ad ${ad.verdict.tier}`;
    sec.append(el("h2", `${ad.verdict.tier.toUpperCase()} · ${ad.verdict.score} · ${ad.title}`));
    const table = el("table");
    for (const r of ad.verdict.rules) {
      const tr = el("tr");
      const what = el("td", r.title);
      what.append(el("br"), Object.assign(el("small", `${r.id} · ${r.category}${r.experimental ? " · experimental" : ""}`), { className: "muted" }));
      tr.append(el("td", String(r.score)), what);
      table.append(tr);
    }
    if (ad.verdict.rules.length) sec.append(table);
    const ul = el("ul");
    for (const e of ad.verdict.entities) ul.append(el("li", `${e.kind}: ${e.value ?? ""}${e.platform ? ` (${e.platform})` : ""}`));
    if (ad.verdict.entities.length) sec.append(ul);
    box.append(sec);
  }
  document.documentElement.dataset.rendered = "true";
}

$("enabled").addEventListener("change", async (e) => {
  await chrome.storage.local.set({ enabled: e.target.checked });
});
render();
