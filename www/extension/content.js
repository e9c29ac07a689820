// redflag reviewer: the content script. DOM work only — the engine runs in
// the service worker. Finds ads with the site profile's selectors, sends
// their text to be screened, wraps each hit in a <mark> (across inline
// elements when a match spans them), shows a hover card with the rule and
// the reviewer explanation, keeps a panel with the score table, entities
// and evidence export per ad, and removes everything when turned off.
(() => {
  if (window.__redflagReviewer) return;
  window.__redflagReviewer = true;

  const UI = "redflag-ui";
  const state = {
    on: false,
    profiles: [],
    ads: new Map(), // element → { key, section, fields: {name: element}, verdict }
    marks: [],
    cursor: -1,
    observer: null,
    timer: 0,
    panel: null,
    card: null,
    fab: null,
  };
  let seq = 0;

  const TIER_COLOURS = { warn: "#ffe08a", review: "#ffc48a", block: "#ff9c9c" };
  const CATEGORY_LINES = {
    minor: "#b3001b",
    youth: "#b3001b",
    "recruitment-fee": "#b35c00",
    "debt-bondage": "#b35c00",
    "document-retention": "#b35c00",
    "contact-obfuscation": "#1f5fbf",
    contact: "#1f5fbf",
  };

  function send(msg) {
    return new Promise((resolve, reject) => {
      chrome.runtime.sendMessage(msg, (r) => {
        if (chrome.runtime.lastError) return reject(new Error(chrome.runtime.lastError.message));
        if (!r || !r.ok) return reject(new Error(r ? r.error : "no reply"));
        resolve(r.result);
      });
    });
  }

  const isOurs = (n) => {
    const el = n.nodeType === 1 ? n : n.parentElement;
    return !!el && (el.classList?.contains("redflag-mark") || !!el.closest?.(`.${UI}`));
  };

  /** Text nodes of an element, in order, with their offsets (UTF-16). */
  function textNodes(el) {
    const out = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode(n) {
        const p = n.parentElement;
        if (!p || p.closest(`script, style, noscript, .${UI}`)) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    let at = 0;
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      out.push({ node: n, start: at, end: at + n.data.length });
      at += n.data.length;
    }
    return out;
  }

  const fieldText = (el) => textNodes(el).map((t) => t.node.data).join("");

  function findAds() {
    const found = [];
    for (const p of state.profiles) {
      let els = [];
      try {
        els = [...document.querySelectorAll(p.ad)];
      } catch {
        continue; // a bad selector in a profile
      }
      for (const el of els) {
        if (state.ads.has(el) || isOurs(el) || found.some((f) => f.el === el || f.el.contains(el))) continue;
        const fields = {};
        const title = safeQuery(el, p.title);
        if (title) fields.title = title;
        const body = [...safeQueryAll(el, p.body)].find((b) => b !== title && !b.contains(title) && !title?.contains(b));
        if (body) fields.body = body;
        if (!Object.keys(fields).length) fields.body = el;
        const secEl = safeQuery(el, p.section) ?? (el.matches(p.section || ":not(*)") ? el : null);
        const section = el.dataset.section ?? secEl?.dataset.section ?? secEl?.textContent.trim();
        found.push({ el, fields, section });
      }
    }
    if (!found.length && !state.ads.size) {
      // Generic fallback: the selected text's block, or the main content.
      const main = document.querySelector("main, [role=main]") ?? document.body;
      if (main && fieldText(main).trim()) found.push({ el: main, fields: { body: main }, section: undefined });
    }
    return found;
  }

  function safeQuery(el, sel) {
    try {
      return sel ? el.querySelector(sel) : null;
    } catch {
      return null;
    }
  }
  function safeQueryAll(el, sel) {
    try {
      return sel ? el.querySelectorAll(sel) : [];
    } catch {
      return [];
    }
  }

  async function scan() {
    const found = findAds();
    if (!found.length) return;
    const batch = found.map((f) => {
      const key = `ad${++seq}`;
      const texts = {};
      for (const [name, el] of Object.entries(f.fields)) texts[name] = fieldText(el);
      state.ads.set(f.el, { key, section: f.section, fields: f.fields, texts, verdict: null });
      return { key, section: f.section, fields: texts };
    });
    let results;
    try {
      results = await send({ type: "screen", ads: batch });
    } catch (e) {
      console.warn("redflag: screening failed:", e.message);
      return;
    }
    if (!state.on) return;
    pause();
    for (const r of results) {
      const ad = [...state.ads.values()].find((a) => a.key === r.key);
      if (!ad || !r.verdict) continue;
      ad.verdict = r.verdict;
      highlight(ad);
    }
    resume();
    state.marks = [...document.querySelectorAll("mark.redflag-mark")];
    await send({ type: "badge", count: flaggedCount() }).catch(() => {});
    renderFab();
    if (state.panel) renderPanel();
  }

  const flaggedCount = () => [...state.ads.values()].filter((a) => a.verdict && a.verdict.verdict !== "allow").length;

  function highlight(ad) {
    const v = ad.verdict;
    const rules = new Map(v.rules.map((r) => [r.id, r]));
    for (const [name, el] of Object.entries(ad.fields)) {
      const hits = v.hits.filter((h) => h.field === name).sort((a, b) => a.start - b.start || b.end - a.end);
      const kept = [];
      let until = -1;
      for (const h of hits) {
        if (h.start >= until) {
          kept.push(h);
          until = h.end;
        }
      }
      const nodes = textNodes(el);
      // Segments per hit, wrapped from the last to the first so earlier
      // offsets stay valid while text nodes are split.
      const segments = [];
      for (const h of kept) {
        for (const t of nodes) {
          const s = Math.max(h.start, t.start);
          const e = Math.min(h.end, t.end);
          if (s < e) segments.push({ t, s: s - t.start, e: e - t.start, h, rule: rules.get(h.rule) });
        }
      }
      for (const seg of segments.reverse()) {
        const mid = seg.t.node.splitText(seg.s);
        mid.splitText(seg.e - seg.s);
        const mark = document.createElement("mark");
        mark.className = `redflag-mark redflag-${v.verdict}`;
        mark.dataset.rule = seg.h.rule;
        mark.dataset.category = seg.h.category;
        mark.dataset.ad = ad.key;
        mark.dataset.field = name;
        mark.dataset.hit = `${seg.h.start}-${seg.h.end}`;
        mark.tabIndex = -1;
        mark.style.setProperty("--redflag-bg", TIER_COLOURS[v.verdict] ?? TIER_COLOURS.warn);
        mark.style.setProperty("--redflag-line", CATEGORY_LINES[seg.h.category] ?? "#8a6d00");
        mark.addEventListener("mouseenter", () => showCard(mark, seg.h, seg.rule, v));
        mark.addEventListener("mouseleave", hideCard);
        mark.addEventListener("focus", () => showCard(mark, seg.h, seg.rule, v));
        mark.addEventListener("blur", hideCard);
        mid.parentNode.replaceChild(mark, mid);
        mark.append(mid);
      }
    }
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showCard(mark, hit, rule, verdict) {
    hideCard();
    const card = el("div", `${UI} redflag-card`);
    card.setAttribute("role", "tooltip");
    card.append(el("div", "redflag-card-title", `${rule?.title ?? hit.rule} (+${hit.score})`));
    card.append(el("div", "redflag-card-meta", `${hit.rule} · ${hit.category}${hit.steps.length ? ` · seen through ${hit.steps.join(", ")}` : ""}`));
    if (rule?.reviewer) card.append(el("div", "redflag-card-text", rule.reviewer));
    for (const ref of rule?.references ?? []) card.append(el("div", "redflag-card-source", `Source: ${ref}`));
    const r = mark.getBoundingClientRect();
    card.style.left = `${Math.max(4, Math.min(r.left, innerWidth - 340))}px`;
    card.style.top = `${r.bottom + 6}px`;
    document.documentElement.append(card);
    state.card = card;
  }

  function hideCard() {
    state.card?.remove();
    state.card = null;
  }

  function renderFab() {
    if (!state.fab) {
      state.fab = el("button", `${UI} redflag-fab`);
      state.fab.type = "button";
      state.fab.addEventListener("click", togglePanel);
      document.documentElement.append(state.fab);
    }
    state.fab.textContent = `redflag: ${flaggedCount()} flagged`;
  }

  function togglePanel() {
    if (state.panel) {
      state.panel.remove();
      state.panel = null;
      return;
    }
    state.panel = el("aside", `${UI} redflag-panel`);
    state.panel.setAttribute("aria-label", "redflag reviewer panel");
    document.documentElement.append(state.panel);
    renderPanel();
  }

  function renderPanel() {
    const p = state.panel;
    p.replaceChildren(el("h2", "redflag-panel-title", "redflag reviewer"));
    p.append(el("p", "redflag-help", "Keys: ] next hit · [ previous hit · Alt+Shift+R this panel"));
    for (const ad of state.ads.values()) {
      const v = ad.verdict;
      if (!v) continue;
      const box = el("section", "redflag-ad");
      box.dataset.ad = ad.key;
      box.append(el("h3", `redflag-ad-title redflag-${v.verdict}`, `${v.verdict.toUpperCase()} · ${v.score} · ${(ad.texts.title ?? ad.texts.body ?? "").slice(0, 60)}`));
      if (v.rules.length) {
        const table = el("table", "redflag-scores");
        for (const r of v.rules) {
          const tr = el("tr");
          tr.append(el("td", "", String(r.score)), el("td", "", r.id), el("td", "", r.category));
          table.append(tr);
        }
        box.append(table);
      }
      if (v.entities?.length) {
        const ul = el("ul", "redflag-entities");
        for (const e of v.entities) ul.append(el("li", "", `${e.kind}: ${e.value ?? ""}${e.platform ? ` (${e.platform})` : ""}${e.obfuscated ? ` — ${e.written.join(", ")}` : ""}`));
        box.append(ul);
      }
      const note = el("textarea", "redflag-note");
      note.placeholder = "Reviewer note for the evidence packet";
      note.setAttribute("aria-label", "Reviewer note");
      const btn = el("button", "redflag-export", "Export evidence (JSON)");
      btn.type = "button";
      btn.addEventListener("click", () => exportEvidence(ad, note.value));
      box.append(note, btn);
      p.append(box);
    }
  }

  async function exportEvidence(ad, note) {
    const packet = await send({ type: "evidence", url: location.href, section: ad.section, fields: ad.texts, note });
    const blob = new Blob([JSON.stringify(packet, null, 2)], { type: "application/json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `redflag-evidence-${packet.captured_at.replace(/[:.]/g, "-")}.json`;
    a.className = UI;
    document.documentElement.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  function onKey(e) {
    const t = e.target;
    if (t && (t.isContentEditable || /^(input|textarea|select)$/i.test(t.tagName))) return;
    if (e.altKey && e.shiftKey && (e.key === "R" || e.key === "r")) {
      togglePanel();
      e.preventDefault();
      return;
    }
    if (e.key !== "]" && e.key !== "[") return;
    state.marks = state.marks.filter((m) => m.isConnected);
    if (!state.marks.length) return;
    state.cursor = (state.cursor + (e.key === "]" ? 1 : state.marks.length - 1)) % state.marks.length;
    const m = state.marks[state.cursor];
    m.scrollIntoView({ block: "center" });
    m.focus();
    e.preventDefault();
  }

  function observe() {
    state.observer = new MutationObserver((records) => {
      const relevant = records.some((r) => [...r.addedNodes].some((n) => !isOurs(n)));
      if (!relevant) return;
      clearTimeout(state.timer);
      state.timer = setTimeout(scan, 150);
    });
    resume();
  }
  const pause = () => state.observer?.disconnect();
  const resume = () => state.observer?.observe(document.body, { childList: true, subtree: true });

  function teardown() {
    state.on = false;
    pause();
    state.observer = null;
    clearTimeout(state.timer);
    document.removeEventListener("keydown", onKey, true);
    for (const m of document.querySelectorAll("mark.redflag-mark")) {
      const parent = m.parentNode;
      while (m.firstChild) parent.insertBefore(m.firstChild, m);
      m.remove();
      parent.normalize();
    }
    for (const u of document.querySelectorAll(`.${UI}`)) u.remove();
    state.ads.clear();
    state.marks = [];
    state.cursor = -1;
    state.panel = state.card = state.fab = null;
    send({ type: "badge", count: 0 }).catch(() => {});
  }

  async function start() {
    if (state.on) return;
    let cfg;
    try {
      cfg = await send({ type: "config", url: location.href });
    } catch (e) {
      console.warn("redflag:", e.message);
      return;
    }
    if (!cfg.enabled || !cfg.profiles.length) return;
    state.on = true;
    state.profiles = cfg.profiles;
    document.addEventListener("keydown", onKey, true);
    observe();
    await scan();
    document.documentElement.dataset.redflagScreened = "true";
  }

  chrome.storage.onChanged.addListener((changes, area) => {
    if (area !== "local") return;
    if (changes.enabled) {
      if (changes.enabled.newValue === false) {
        teardown();
        delete document.documentElement.dataset.redflagScreened;
      } else start();
    } else if ((changes.pack || changes.profiles) && state.on) {
      teardown();
      start();
    }
  });

  chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
    if (msg?.type !== "state") return false;
    reply(
      [...state.ads.values()].map((a) => ({
        key: a.key,
        title: (a.texts.title ?? "").slice(0, 80),
        verdict: a.verdict && { tier: a.verdict.verdict, score: a.verdict.score, rules: a.verdict.rules, entities: a.verdict.entities ?? [] },
      })),
    );
    return false;
  });

  start();
})();
