// redflag reviewer: the content script, registered by the service worker for
// the moderation consoles the reviewer added (and no other page). DOM work
// only — the engine runs in the service worker. Finds ads with the site
// profile's selectors, sends their text to be screened, marks the indicator
// phrases in their rule's own tier (across inline elements when a match spans
// them), shows a hover card with the rules and the reviewer explanation,
// keeps a docked panel with the rules, entities, evidence export and the
// reviewer's decision per ad (labelled data for `redflag eval` and
// `redflag calibrate`, sealed to the trust-and-safety team's key when it is
// made: the service worker stores no ad text in the clear), reads the text
// in the ads' pictures when the reviewer asks (ocr.js),
// and removes everything when turned off.
(() => {
  if (window.__redflagReviewer) return;
  window.__redflagReviewer = true;

  const UI = "redflag-ui";
  const state = {
    on: false,
    profiles: [],
    ads: new Map(), // element → { key, section, fields: {name: element}, verdict, decisionKey, decisionItem, decision }
    marks: [],
    cursor: -1,
    observer: null,
    timer: 0,
    panel: null,
    dock: { side: "right", collapsed: false },
    opening: false,
    card: null,
    fab: null,
    live: null,
    clearing: false,
    decisionsStatus: "", // what became of the last decisions export
  };
  let seq = 0;

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
        const ownId = ownListingId(el, p);
        found.push({ el, fields, section, ownId, listingId: ownId || pageListingId() });
      }
    }
    if (!found.length && !state.ads.size) {
      // Generic fallback: the selected text's block, or the main content.
      const main = document.querySelector("main, [role=main]") ?? document.body;
      if (main && fieldText(main).trim()) {
        const ownId = ownListingId(main, {});
        found.push({ el: main, fields: { body: main }, section: undefined, ownId, listingId: ownId || pageListingId() });
      }
    }
    return found;
  }

  const ID_ATTRIBUTES = ["data-listing-id", "data-ad-id", "data-item-id", "data-id"];
  const ID_PARAMS = ["listing", "listing_id", "listingId", "ad", "ad_id", "adId", "item", "item_id", "id"];

  /**
   * The ad's own listing id, for the evidence file name and the decision's
   * key: from the profile's `listingId` selector (its
   * data-listing-id/-ad-id/-item-id/-id attribute, or its text), else the
   * ad element's own such attribute or `id`. "" when it has none; the page
   * URL's id (`pageListingId`) then names it.
   */
  function ownListingId(ad, profile) {
    const attr = (e) => ID_ATTRIBUTES.map((a) => e.getAttribute(a)).find((x) => x && x.trim());
    let held = null;
    try {
      held = profile.listingId ? (ad.matches(profile.listingId) ? ad : ad.querySelector(profile.listingId)) : null;
    } catch {
      held = null; // a bad selector in a profile
    }
    const fromProfile = held && (attr(held) ?? held.textContent);
    if (fromProfile?.trim()) return fromProfile.trim();
    const own = attr(ad) ?? ad.id;
    return own?.trim() ? own.trim() : "";
  }

  /**
   * The page URL's listing id (a listing/ad/item/id query parameter, or the
   * last path segment with a digit in it), shared by every ad of the page
   * that has none of its own. "" when none is found.
   */
  function pageListingId() {
    const url = new URL(location.href);
    for (const k of ID_PARAMS) if (url.searchParams.get(k)?.trim()) return url.searchParams.get(k).trim();
    const seg = url.pathname.split("/").filter(Boolean).reverse().find((x) => /\d/.test(x));
    return seg ? decodeURIComponent(seg).replace(/\.html?$/, "") : "";
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
      state.ads.set(f.el, { key, section: f.section, fields: f.fields, texts, listingId: f.listingId, ownId: f.ownId, verdict: null, decisionKey: null, decisionItem: null, decision: null });
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
    await loadDecisions(results.map((r) => r.key));
    if (!state.on) return;
    state.marks = [...document.querySelectorAll("mark.redflag-mark")];
    await send({ type: "badge", count: flaggedCount() }).catch(() => {});
    renderFab();
    if (state.panel) renderPanel();
    scheduleLink();
  }

  const adByKey = (key) => [...state.ads.values()].find((a) => a.key === key);

  /** Finds each screened ad's decision key, its storage item and its stored decision (no text: the decision and its time). */
  async function loadDecisions(keys) {
    const ads = keys.map(adByKey).filter((a) => a?.verdict);
    if (!ads.length) return;
    let found;
    try {
      found = await send({ type: "decisions", ads: ads.map((a) => ({ ownId: a.ownId, listingId: a.listingId, section: a.section, fields: a.texts })) });
    } catch (e) {
      console.warn("redflag: decisions could not be read:", e.message);
      return;
    }
    for (const [i, ad] of ads.entries()) {
      ad.decisionKey = found[i].key;
      ad.decisionItem = found[i].item;
      ad.decision = found[i].decision;
    }
  }

  const flaggedCount = () => [...state.ads.values()].filter((a) => a.verdict && a.verdict.verdict !== "allow").length;

  // Which spans get a mark, decided from the report's structure. The engine
  // reports one hit per matched part of a rule (both words of a `near`, each
  // term of an `and`, the hits of the rules a combination rule combines) and
  // says neither which part is the indicator and which is context. So:
  // - Parts of one rule that stand close together in one sentence (at most
  //   PHRASE_GAP characters apart, no sentence end between) are one phrase,
  //   marked whole: "Food and rent deducted from your salary", not "Food",
  //   "rent", "deducted" and "salary" as four indicators.
  // - A lone one-word part of a rule that has a phrase or a multi-word part
  //   elsewhere is context ("work" far from "tourist visa"): drawn lighter
  //   (dotted underline, no fill) and listed in the card and panel.
  // - A rule with negative points ("We never charge") says the indicator does
  //   not apply: marked as mitigating, distinct from every indicator.
  // - A span counted by several rules is drawn for the rule with the fewest
  //   parts in that field, the indicator whose own evidence it is. A
  //   combination rule (the forced-labour pattern) repeats the hits of the
  //   rules it combines; drawing them in its tier would paint every
  //   indicator of the ad in the ad's tier again. Its card lists every rule
  //   that counts the span, combinations included.
  // - Each mark is coloured by its rule's own tier (`max_tier`, what the rule
  //   may cause on its own); experimental rules (0 points) are muted grey.
  // - Exception words that kept a rule from firing (`verdict.cleared`: "we
  //   never charge" beside "fee") are marked as clearing, unfilled, so a
  //   reviewer sees what the engine let pass and can judge it. Where they
  //   overlap a mark of another role, that mark's card says what they cleared.
  const PHRASE_GAP = 48;
  const SENTENCE_END = /[.!?](\s|$)|\n/;
  const ROLE_RANK = { mitigating: 0, indicator: 1, experimental: 2, cleared: 3, context: 4 };

  /** The spans to mark in one field, with their role, tier and rule. */
  function markSpans(v, name, text) {
    const rules = new Map(v.rules.map((r) => [r.id, r]));
    const byRule = new Map();
    for (const h of v.hits) {
      if (h.field !== name) continue;
      if (!byRule.has(h.rule)) byRule.set(h.rule, []);
      byRule.get(h.rule).push(h);
    }
    const spans = [];
    for (const [id, hits] of byRule) {
      const rule = rules.get(id);
      hits.sort((a, b) => a.start - b.start || b.end - a.end);
      const clusters = [];
      for (const h of hits) {
        const c = clusters[clusters.length - 1];
        if (c && h.start - c.end <= PHRASE_GAP && !SENTENCE_END.test(text.slice(c.end, Math.max(c.end, h.start)))) {
          c.end = Math.max(c.end, h.end);
          c.parts.push(h);
        } else clusters.push({ start: h.start, end: h.end, parts: [h] });
      }
      const phrase = (c) => c.parts.length > 1 || /\s/.test(text.slice(c.start, c.end).trim());
      const hasPhrase = clusters.some(phrase);
      for (const c of clusters) {
        let role = "indicator";
        if (!rule) role = "context";
        else if (rule.score < 0) role = "mitigating";
        else if (hasPhrase && !phrase(c)) role = "context";
        else if (rule.experimental) role = "experimental";
        spans.push({ start: c.start, end: c.end, hits: c.parts, rule: id, info: rule, role, tier: rule?.max_tier ?? "warn", count: hits.length });
      }
    }
    for (const c of v.cleared ?? []) {
      if (c.field !== name) continue;
      const { start, end } = c.exception;
      spans.push({ start, end, hits: [], rule: c.rule, info: { id: c.rule, title: c.title, category: c.category }, role: "cleared", tier: "allow", count: 1 });
    }
    spans.sort(
      (a, b) =>
        ROLE_RANK[a.role] - ROLE_RANK[b.role] ||
        a.count - b.count ||
        (b.info?.score ?? 0) - (a.info?.score ?? 0) ||
        b.end - b.start - (a.end - a.start) ||
        a.start - b.start,
    );
    const kept = [];
    for (const s of spans) if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
    return kept.sort((a, b) => a.start - b.start);
  }

  /** Every fired rule with a hit inside [start, end) of a field, strongest first. */
  function rulesAt(v, name, start, end) {
    const ids = new Set(v.hits.filter((h) => h.field === name && h.start < end && start < h.end).map((h) => h.rule));
    return v.rules.filter((r) => ids.has(r.id));
  }

  /** The rules cleared by exception words inside [start, end) of a field. */
  function clearedAt(v, name, start, end) {
    return (v.cleared ?? []).filter((c) => c.field === name && c.exception.start < end && start < c.exception.end);
  }

  /** What an exception cleared, in words. */
  function clearedText(c) {
    return `“${c.exception.text}” cancels “${c.indicator.text}”`;
  }

  function highlight(ad) {
    const v = ad.verdict;
    for (const [name, el] of Object.entries(ad.fields)) {
      const kept = markSpans(v, name, ad.texts[name] ?? fieldText(el));
      const nodes = textNodes(el);
      // Segments per span, wrapped from the last to the first so earlier
      // offsets stay valid while text nodes are split.
      const segments = [];
      for (const h of kept) {
        for (const t of nodes) {
          const s = Math.max(h.start, t.start);
          const e = Math.min(h.end, t.end);
          if (s < e) segments.push({ t, s: s - t.start, e: e - t.start, h });
        }
      }
      for (const seg of segments.reverse()) {
        const mid = seg.t.node.splitText(seg.s);
        mid.splitText(seg.e - seg.s);
        const mark = document.createElement("mark");
        const { h } = seg;
        mark.className = `redflag-mark redflag-role-${h.role} redflag-tier-${h.tier}`;
        mark.dataset.rule = h.rule;
        mark.dataset.role = h.role;
        mark.dataset.tier = h.tier;
        mark.dataset.category = h.info?.category ?? "";
        mark.dataset.ad = ad.key;
        mark.dataset.field = name;
        mark.dataset.hit = `${h.start}-${h.end}`;
        mark.tabIndex = -1;
        mark.style.setProperty("--redflag-line", CATEGORY_LINES[h.info?.category] ?? "#8a6d00");
        const card = () => showCard(mark, h, rulesAt(v, name, h.start, h.end), clearedAt(v, name, h.start, h.end));
        mark.addEventListener("mouseenter", card);
        mark.addEventListener("mouseleave", hideCard);
        mark.addEventListener("focus", card);
        mark.addEventListener("blur", hideCard);
        mid.parentNode.replaceChild(mark, mid);
        mark.append(mid);
      }
    }
  }

  // ----- Linked ads (docs/linking.md, "In the reviewer extension") -----
  // Each screened ad's signature is made in the service worker (the .wasm),
  // 20 ads a message; the ads of the page are grouped here (link.js) in
  // slices of a few milliseconds, yielding to the page between two, so a
  // queue of hundreds of ads stays responsive. Ads that share a template or
  // a contact (by keyed hash: no contact value is kept or shown for
  // linking) are listed in each ad's entry in the panel; a click outlines
  // them on the page and scrolls to them in turn. The cluster file loaded
  // on the options page (`redflag link` output) marks the ads it holds.
  const RL = globalThis.redflagLink;
  const LINK_CHUNK = 20;
  const linking = { run: null, again: false, generation: 0, keyed: null, threshold: 0.5, file: null, linked: 0, progress: "", error: "", showing: null, elOf: new Map(), statusBox: null };
  const KIND_WORDS = { phone: "a phone number", email: "an e-mail address", handle: "a messaging handle", url: "a web address", domain: "a web domain" };

  // setTimeout, not a microtask: the page's own events run in between.
  const yieldToPage = () => new Promise((resolve) => setTimeout(resolve, 0));

  /** Links the page's ads again once the current run ends (or now). */
  function scheduleLink() {
    if (!RL || !state.on) return;
    if (linking.run) {
      linking.again = true;
      return;
    }
    const root = document.documentElement;
    root.dataset.redflagLinking = "running";
    linking.run = (async () => {
      try {
        do {
          linking.again = false;
          await linkPage();
        } while (linking.again && state.on);
        linking.error = "";
      } catch (e) {
        linking.error = `Linking failed: ${e.message}`;
        console.warn("redflag:", linking.error);
      } finally {
        linking.run = null;
        linking.progress = "";
        if (state.on) {
          root.dataset.redflagLinking = "done";
          root.dataset.redflagLinked = String(linking.linked);
          showLinks();
        }
      }
    })();
  }

  /** Forgets every signature (the entity key or the threshold changed) and links again. */
  function relinkAll() {
    linking.generation++;
    for (const ad of state.ads.values()) ad.linkSig = null;
    linking.again = true;
    scheduleLink();
  }

  function linkProgress(text) {
    linking.progress = text;
    fillLinkStatus();
  }

  async function linkPage() {
    const gen = linking.generation;
    const entries = [...state.ads].filter(([, a]) => a.verdict).slice(0, RL.LIMITS.pageAds);
    const ads = entries.map(([, a]) => a);
    linking.elOf = new Map(entries.map(([e, a]) => [a, e]));
    const todo = ads.filter((a) => !a.linkSig);
    for (let i = 0; i < todo.length; i += LINK_CHUNK) {
      linkProgress(`Linking ads: signatures of ${i} of ${todo.length}…`);
      const chunk = todo.slice(i, i + LINK_CHUNK);
      const r = await send({ type: "linkSignatures", ads: chunk.map((a) => ({ section: a.section, fields: a.texts })) });
      if (gen !== linking.generation || !state.on) return;
      linking.keyed = r.keyed;
      linking.threshold = r.threshold;
      chunk.forEach((a, j) => {
        a.linkSig = r.sigs[j]?.error ? { bands: [], contacts: [], minhash: [], shingles: 0 } : r.sigs[j];
      });
    }
    linkProgress(`Linking ads: grouping ${ads.length}…`);
    const grouped = await RL.group(
      ads.map((a) => a.linkSig),
      { threshold: linking.threshold, pause: yieldToPage },
    );
    if (gen !== linking.generation || !state.on) return;
    let files = { file: null, clusters: {}, ads: [] };
    try {
      // An ad without an id of its own takes the page URL's: that names
      // the ad only on a page of one ad (a listing page), never each ad
      // of a queue, which would all match that one listing's cluster.
      const clusterId = (a) => a.ownId || (ads.length === 1 ? a.listingId : "") || "";
      files = await send({ type: "linkClusters", ads: ads.map((a) => ({ listingId: clusterId(a), contacts: linking.keyed ? a.linkSig.contacts : [] })) });
    } catch (e) {
      console.warn("redflag: the cluster file could not be read:", e.message);
    }
    if (gen !== linking.generation || !state.on) return;
    linking.file = files.file;
    // The page's ads in each cluster of the file.
    const onPage = new Map();
    ads.forEach((a, i) => {
      for (const m of files.ads[i] ?? []) onPage.set(m.c, [...(onPage.get(m.c) ?? []), a]);
    });
    ads.forEach((a, i) => {
      const l = RL.linksOf(i, grouped, a.linkSig);
      const pick = (list) => list.map((j) => ads[j]);
      a.links = {
        template: pick(l.template),
        contacts: l.contacts.map((c) => ({ kind: c.kind, ads: pick(c.ads) })),
        cluster: pick(l.cluster),
        files: (files.ads[i] ?? []).map((m) => ({ ...m, info: files.clusters[m.c], peers: onPage.get(m.c).filter((x) => x !== a) })),
      };
    });
    linking.linked = ads.length;
  }

  const isFlagged = (a) => a.verdict && a.verdict.verdict !== "allow";
  const otherAds = (n) => `${n} other ad${n === 1 ? "" : "s"}`;
  const flaggedNote = (list) => {
    const f = list.filter(isFlagged).length;
    return f ? ` (${f} flagged)` : "";
  };

  /** An ad's name in announcements: its title (or body) start and listing id. */
  function linkName(ad) {
    const text = (ad.texts.title ?? ad.texts.body ?? "").trim().replace(/\s+/g, " ");
    const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    return ad.listingId ? `“${short}” (#${ad.listingId})` : `“${short}”`;
  }

  /** The panel's line on linking: progress, the key in use, the cluster file. */
  function linkStatusBox() {
    const box = el("div", "redflag-link-status");
    linking.statusBox = box;
    fillLinkStatus();
    return box;
  }

  function fillLinkStatus() {
    const box = linking.statusBox;
    if (!box) return;
    const lines = [];
    if (linking.progress) lines.push(linking.progress);
    else if (linking.error) lines.push(linking.error);
    else if (linking.keyed !== null) lines.push(`Linked ${linking.linked} ad${linking.linked === 1 ? "" : "s"} on this page (same template: similarity ${linking.threshold} or more).`);
    if (linking.keyed === true) lines.push("Contacts are compared by keyed hash with the entity key of the options page: the hashes of redflag link and the edge worker with the same key.");
    if (linking.keyed === false) lines.push("No entity key set: contacts link the ads of this page only (hashed with a random key for this browser session), not a cluster file's.");
    const f = linking.file;
    if (f) lines.push(`Cluster file ${f.name}: ${f.clusters} cluster${f.clusters === 1 ? "" : "s"} of ${f.ads} ads, loaded ${f.loaded_at.slice(0, 10)}, deleted after ${f.deleted_after.slice(0, 10)}.`);
    else if (linking.keyed !== null) lines.push("No cluster file loaded (options page, “Linked ads”).");
    box.replaceChildren(...lines.map((t) => el("div", "", t)));
    if (linking.showing) box.append(button("redflag-link-clear", "Clear the outlines", "Remove the outlines of linked ads from the page", clearShown));
  }

  /** An ad's links in its panel entry; filled in when linking ends. */
  function linkBox(ad) {
    const box = el("div", "redflag-links");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Linked ads");
    ad.linkBox = box;
    fillLinkBox(ad);
    return box;
  }

  function fillLinkBox(ad) {
    const box = ad.linkBox;
    if (!box) return;
    box.replaceChildren();
    const l = ad.links;
    if (!l) return;
    if (l.template.length) box.append(linkButton(ad, "template", `Same template as ${otherAds(l.template.length)} on this page${flaggedNote(l.template)}`, l.template));
    for (const c of l.contacts) box.append(linkButton(ad, `contact-${c.kind}`, `Shares ${KIND_WORDS[c.kind] ?? c.kind} with ${otherAds(c.ads.length)} on this page${flaggedNote(c.ads)}`, c.ads));
    const direct = new Set([...l.template, ...l.contacts.flatMap((c) => c.ads)]);
    if (l.cluster.length > direct.size) box.append(linkButton(ad, "cluster", `Linked to ${otherAds(l.cluster.length)} on this page in all, through templates and contacts${flaggedNote(l.cluster)}`, l.cluster));
    for (const m of l.files) box.append(fileCluster(ad, m));
  }

  /** A cluster of the loaded file that holds the ad: counts, the ads of this page in it, its template texts on demand. */
  function fileCluster(ad, m) {
    const f = m.info;
    const wrap = el("div", "redflag-link-file");
    wrap.dataset.cluster = String(f.cluster);
    const how = m.by === "listing" ? "" : ` (shares ${KIND_WORDS[m.by] ?? m.by} with it)`;
    const text = `In cluster #${f.cluster}${how}: ${f.size} ads, ${RL.tierWords(f.tiers)}`;
    if (m.peers.length) wrap.append(linkButton(ad, `file-${f.cluster}`, `${text} · ${m.peers.length} of them on this page`, m.peers));
    else wrap.append(el("div", "redflag-link-file-text", text));
    if (f.templates.length) {
      // The template texts are the ads' own words: put into the page only when asked for.
      const more = button("redflag-link-more", "Show the template", "", () => {
        const open = wrap.querySelector(".redflag-link-templates");
        if (open) {
          open.remove();
          more.textContent = "Show the template";
          more.setAttribute("aria-expanded", "false");
          return;
        }
        const list = el("div", "redflag-link-templates");
        const own = m.member?.template;
        const order = f.templates.map((t, k) => [t, k]).sort(([, a], [, b]) => (b === own) - (a === own));
        for (const [t, k] of order) {
          const row = el("div", "redflag-link-template");
          row.append(el("div", "redflag-link-template-head", `Template ${k + 1}${k === own ? " (this ad's)" : ""}${t.size ? `: ${t.size} ads` : ""}`), el("div", "redflag-link-template-text", t.text));
          if (t.varies.length) row.append(el("div", "redflag-link-varies", `Varies: ${t.varies.map((v) => `${v.token} (${v.ads})`).join(", ")}`));
          list.append(row);
        }
        wrap.append(list);
        more.textContent = "Hide the template";
        more.setAttribute("aria-expanded", "true");
      });
      more.setAttribute("aria-expanded", "false");
      wrap.append(more);
    }
    return wrap;
  }

  function linkButton(ad, kind, text, targets) {
    const b = button("redflag-link", text, "", () => showLinked(ad, kind, text, targets));
    b.dataset.link = kind;
    b.dataset.count = String(targets.length);
    b.title = "Outline these ads on the page and scroll to them one by one";
    b.setAttribute("aria-pressed", "false");
    return b;
  }

  /** Outlines the linked ads (and, dashed, this one) and scrolls to the next of them at each click. */
  function showLinked(ad, kind, text, targets) {
    const again = linking.showing?.ad === ad && linking.showing.kind === kind;
    const at = again ? (linking.showing.at + 1) % targets.length : 0;
    clearShown();
    const source = linking.elOf.get(ad);
    source?.classList.add("redflag-link-source");
    const els = targets.map((t) => linking.elOf.get(t)).filter((e) => e?.isConnected);
    for (const e of els) e.classList.add("redflag-linked");
    linking.showing = { ad, kind, at, els: source ? [source, ...els] : els };
    for (const b of ad.linkBox?.querySelectorAll(`.redflag-link[data-link="${kind}"]`) ?? []) b.setAttribute("aria-pressed", "true");
    const target = targets[at];
    const e = linking.elOf.get(target);
    if (e?.isConnected) {
      e.scrollIntoView({ block: "center" });
      e.classList.add("redflag-linked-current");
    }
    fillLinkStatus();
    announce(`${text}: ad ${at + 1} of ${targets.length}, ${linkName(target)}.`);
  }

  function clearShown() {
    const s = linking.showing;
    if (!s) return;
    for (const e of s.els) e.classList.remove("redflag-linked", "redflag-link-source", "redflag-linked-current");
    for (const b of document.querySelectorAll('.redflag-panel .redflag-link[aria-pressed="true"]')) b.setAttribute("aria-pressed", "false");
    linking.showing = null;
    fillLinkStatus();
  }

  /** Fills every ad's links in the open panel, in place (focus stays). */
  function showLinks() {
    fillLinkStatus();
    if (!state.panel) return;
    for (const ad of state.ads.values()) if (ad.linkBox?.isConnected) fillLinkBox(ad);
  }

  function stopLinking() {
    clearShown();
    linking.generation++;
    linking.again = false;
    linking.elOf = new Map();
    linking.statusBox = null;
    delete document.documentElement.dataset.redflagLinking;
    delete document.documentElement.dataset.redflagLinked;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const ROLE_NOTES = {
    indicator: "Indicator",
    experimental: "Experimental rule: shown for review, adds no points",
    mitigating: "Mitigating: this wording lowers the score; it is not an indicator",
    context: "Context: words a rule needed around its main evidence",
    cleared: "Cleared: these words are an exception that kept an indicator from counting",
  };

  /** What a rule adds, in words. */
  function points(r) {
    if (r.score < 0) return `lowers the score by ${-r.score}`;
    if (r.experimental) return "experimental, 0 points";
    return `+${r.score}, up to ${r.max_tier}`;
  }

  function showCard(mark, span, rules, cleared) {
    hideCard();
    const card = el("div", `${UI} redflag-card`);
    card.setAttribute("role", "tooltip");
    card.append(el("div", `redflag-card-kind redflag-role-${span.role}`, ROLE_NOTES[span.role]));
    for (const c of cleared) {
      card.append(el("div", "redflag-card-title", `Cleared: ${c.title}`));
      card.append(el("div", "redflag-card-text", `${clearedText(c)} here, so the rule did not count.`));
      card.append(el("div", "redflag-card-meta", `${c.rule} · ${c.category}`));
    }
    const steps = [...new Set(span.hits.flatMap((h) => h.steps))];
    for (const r of rules) {
      card.append(el("div", "redflag-card-title", `${r.title} (${points(r)})`));
      card.append(el("div", "redflag-card-meta", `${r.id} · ${r.category}`));
      if (r.id === span.rule && r.reviewer) card.append(el("div", "redflag-card-text", r.reviewer));
      if (r.id === span.rule) for (const ref of r.references ?? []) card.append(el("div", "redflag-card-source", `Source: ${ref}`));
    }
    if (steps.length) card.append(el("div", "redflag-card-meta", `Seen through ${steps.join(", ")}`));
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

  // The panel docks to one side of the window and the page is narrowed by
  // its width (a margin on <html>), so it never lies over the ads; it can be
  // moved to the other side or collapsed to a strip. The choice is kept.
  const PANEL_WIDTH = { open: 380, collapsed: 44 };

  function dockPage() {
    const root = document.documentElement;
    root.classList.remove("redflag-docked-left", "redflag-docked-right");
    if (!state.panel) {
      root.style.removeProperty("--redflag-panel-space");
      RO?.placeAll();
      return;
    }
    root.classList.add(`redflag-docked-${state.dock.side}`);
    root.style.setProperty("--redflag-panel-space", `${state.dock.collapsed ? PANEL_WIDTH.collapsed : PANEL_WIDTH.open}px`);
    state.panel.classList.toggle("redflag-left", state.dock.side === "left");
    state.panel.classList.toggle("redflag-collapsed", state.dock.collapsed);
    RO?.placeAll();
  }

  async function togglePanel() {
    if (state.opening) return;
    if (state.panel) {
      clearShown();
      state.panel.remove();
      state.panel = null;
      dockPage();
      return;
    }
    state.opening = true;
    const { panelDock } = await chrome.storage.local.get("panelDock").catch(() => ({}));
    state.opening = false;
    if (!state.on) return;
    state.dock = { side: panelDock?.side === "left" ? "left" : "right", collapsed: !!panelDock?.collapsed };
    state.panel = el("aside", `${UI} redflag-panel`);
    state.panel.setAttribute("aria-label", "redflag reviewer panel");
    document.documentElement.append(state.panel);
    dockPage();
    renderPanel();
  }

  function setDock(change) {
    state.dock = { ...state.dock, ...change };
    chrome.storage.local.set({ panelDock: state.dock }).catch(() => {});
    dockPage();
    renderPanel();
  }

  function button(cls, text, label, onClick) {
    const b = el("button", cls, text);
    b.type = "button";
    if (label) {
      b.title = label;
      b.setAttribute("aria-label", label);
    }
    b.addEventListener("click", onClick);
    return b;
  }

  const LEGEND = [
    ["indicator", "block", "Indicator that can block on its own"],
    ["indicator", "review", "Indicator that sends the ad to review"],
    ["indicator", "warn", "Indicator worth a warning"],
    ["experimental", "warn", "Experimental rule (0 points, not counted)"],
    ["mitigating", "allow", "Mitigating wording (lowers the score)"],
    ["context", "review", "Context words around an indicator"],
    ["cleared", "allow", "Exception words that cleared an indicator"],
  ];

  function legend() {
    const box = el("div", "redflag-legend");
    box.append(el("div", "redflag-legend-title", "Highlight colours"));
    for (const [role, tier, text] of LEGEND) {
      const row = el("div", "redflag-legend-row");
      const swatch = el("mark", `redflag-swatch redflag-role-${role} redflag-tier-${tier}`, "Aa");
      swatch.dataset.role = role;
      swatch.dataset.tier = tier;
      row.append(swatch, el("span", "", ` ${text}`));
      box.append(row);
    }
    return box;
  }

  /** A rule's row: title and explanation first, the id and category below. */
  function ruleRow(r) {
    const tr = el("tr", r.score < 0 ? "redflag-row-mitigating" : r.experimental ? "redflag-row-experimental" : "");
    tr.dataset.rule = r.id;
    const what = el("td", "redflag-rule");
    what.append(el("div", "redflag-rule-title", r.title));
    if (r.reviewer) what.append(el("div", "redflag-rule-text", r.reviewer));
    what.append(el("div", "redflag-rule-id", `${r.id} · ${r.category}`));
    tr.append(el("td", "redflag-points", r.score < 0 ? `−${-r.score}` : r.experimental ? "0 (exp.)" : `+${r.score}`), what);
    return tr;
  }

  function renderPanel() {
    const p = state.panel;
    if (!p) return;
    const bar = el("div", "redflag-panel-bar");
    bar.append(
      button("redflag-collapse", state.dock.collapsed ? "»" : "«", state.dock.collapsed ? "Expand the panel" : "Collapse the panel", () => setDock({ collapsed: !state.dock.collapsed })),
    );
    if (!state.dock.collapsed) {
      bar.append(
        el("h2", "redflag-panel-title", "redflag reviewer"),
        button("redflag-dock", state.dock.side === "right" ? "Dock left" : "Dock right", "Move the panel to the other side", () => setDock({ side: state.dock.side === "right" ? "left" : "right" })),
        button("redflag-close", "×", "Close the panel", togglePanel),
      );
    }
    p.replaceChildren(bar);
    if (state.dock.collapsed) return;
    p.append(el("p", "redflag-help", "Keys: ] next hit · [ previous hit · on a hit or an ad below: c confirm · d dismiss · e escalate (again to clear) · Alt+Shift+R this panel"));
    p.append(linkStatusBox());
    const pagePictures = pagePicturesButton();
    if (pagePictures) p.append(pagePictures);
    p.append(decisionsBar());
    p.append(legend());
    for (const ad of state.ads.values()) {
      const v = ad.verdict;
      if (!v) continue;
      const box = el("section", "redflag-ad");
      box.dataset.ad = ad.key;
      // Focusable (a click inside it focuses it), so the decision keys act on it.
      box.tabIndex = -1;
      const head = `${v.verdict.toUpperCase()} · ${v.score} · ${(ad.texts.title ?? ad.texts.body ?? "").slice(0, 60)}`;
      box.append(el("h3", `redflag-ad-title redflag-${v.verdict}`, ad.listingId ? `${head} · #${ad.listingId}` : head));
      if (v.rules.length) {
        const table = el("table", "redflag-scores");
        for (const r of v.rules) table.append(ruleRow(r));
        box.append(table);
      }
      if (v.cleared?.length) {
        box.append(el("div", "redflag-cleared-title", "Cleared by exceptions (did not count)"));
        const ul = el("ul", "redflag-cleared");
        for (const c of v.cleared) {
          const li = el("li", "", `${c.title}: ${clearedText(c)}`);
          li.dataset.rule = c.rule;
          ul.append(li);
        }
        box.append(ul);
      }
      if (v.entities?.length) {
        const ul = el("ul", "redflag-entities");
        for (const e of v.entities) ul.append(el("li", "", `${e.kind}: ${e.value ?? ""}${e.platform ? ` (${e.platform})` : ""}${e.obfuscated ? ` — ${e.written.join(", ")}` : ""}`));
        box.append(ul);
      }
      const pictures = ocrBox(ad);
      if (pictures) box.append(pictures);
      box.append(linkBox(ad));
      const note = el("textarea", "redflag-note");
      note.placeholder = "Reviewer note for the evidence packet";
      note.setAttribute("aria-label", "Reviewer note");
      // The panel is redrawn when more ads load: the note lives on the ad.
      note.value = ad.note ?? "";
      note.addEventListener("input", () => {
        ad.note = note.value;
      });
      const exported = el("span", "redflag-export-status", "");
      exported.setAttribute("role", "status");
      const btn = button("redflag-export", "Export evidence (JSON)", "", () => exportEvidence(ad, note.value, exported));
      box.append(decisionControls(ad), note, btn, exported);
      p.append(box);
    }
    refreshDecisionCount();
  }

  // ----- Text in pictures (ocr.js; docs/images.md, "Text in pictures") -----
  // Opt-in: nothing is read until the reviewer presses an ad's button or the
  // page's. The ad's entry then lists what each picture says, marked "in
  // picture", and boxes are drawn over the picture.
  const RO = globalThis.redflagOcr;
  const adElement = (ad) => [...state.ads].find(([, a]) => a === ad)?.[0];

  /** The ad's "Text in pictures" part of the panel (kept on the ad, to be redrawn in place), or null without pictures. */
  function ocrBox(ad) {
    const adEl = RO && adElement(ad);
    if (!adEl) return null;
    ad.ocrBox = RO.section(ad, adEl, { el, button, run: () => readPictures(ad) });
    return ad.ocrBox;
  }

  function refreshOcr(ad) {
    if (!state.panel || !ad.ocrBox?.isConnected) return;
    const old = ad.ocrBox;
    const fresh = ocrBox(ad);
    if (fresh) old.replaceWith(fresh);
  }

  /** Reads the pictures of one ad (the root's data-redflag-ocr says reading, then done). */
  async function readPictures(ad) {
    const adEl = adElement(ad);
    if (!RO || !adEl) return;
    const root = document.documentElement;
    root.dataset.redflagOcr = "reading";
    ad.ocrRun = RO.readAd(ad, adEl, send, () => {
      if (state.on) refreshOcr(ad);
    });
    try {
      await ad.ocrRun;
    } finally {
      ad.ocrRun = null;
      if (state.on) {
        const busy = [...state.ads.values()].some((a) => a.ocrRun);
        root.dataset.redflagOcr = busy ? "reading" : "done";
        const found = [...state.ads.values()].flatMap((a) => a.pictures ?? []).reduce((n, p) => n + (p.result?.findings.length ?? 0), 0);
        if (!busy) announce(`Pictures read: ${found} finding${found === 1 ? "" : "s"} in pictures.`);
      }
    }
  }

  /** The panel's button that reads the pictures of every ad on the page (within the page's limit). */
  function pagePicturesButton() {
    if (!RO) return null;
    const ads = [...state.ads].filter(([e, a]) => a.verdict && RO.pictures(e).length);
    if (!ads.length) return null;
    const n = ads.reduce((k, [e]) => k + Math.min(RO.pictures(e).length, RO.LIMITS.adImages), 0);
    const b = button("redflag-ocr-page", `Read text in pictures on this page (${Math.min(n, RO.LIMITS.pageImages)})`, "Read the text in the pictures of every ad on this page (OCR, in this browser)", async () => {
      b.disabled = true;
      for (const [, a] of ads) await readPictures(a);
      b.disabled = false;
    });
    return b;
  }

  // Reviewer decisions. Each maps to the label `redflag eval` and
  // `redflag calibrate` read: a confirmed or escalated ad is labelled "flag"
  // (escalation means a specialist must look: the packs should send such an
  // ad to review), a dismissed one "clean". The service worker seals each
  // labelled line to the trust-and-safety team's key and stores only that;
  // without the key it stores the decision and its time alone, which the
  // panel shows but no export carries.
  const DECISIONS = {
    confirm: { key: "c", text: "Confirm", done: "Confirmed", label: "flag", help: "Confirm: the indicators are real (labelled flag)" },
    dismiss: { key: "d", text: "Dismiss", done: "Dismissed", label: "clean", help: "Dismiss as a false positive: an honest ad (labelled clean)" },
    escalate: { key: "e", text: "Escalate", done: "Escalated", label: "flag", help: "Escalate to a specialist or law-enforcement review (labelled flag)" },
  };
  const DECISION_BY_KEY = Object.fromEntries(Object.entries(DECISIONS).map(([d, x]) => [x.key, d]));

  /** The ad's name in messages: its title (or body) start and listing id. */
  function adName(ad) {
    const text = (ad.texts.title ?? ad.texts.body ?? "").trim().replace(/\s+/g, " ");
    const short = text.length > 50 ? `${text.slice(0, 50)}…` : text;
    return ad.listingId ? `“${short}” (#${ad.listingId})` : `“${short}”`;
  }

  /** What an ad's decision line says. */
  function decisionState(ad) {
    const d = ad.decision;
    if (!d) return "No decision yet";
    const when = d.decided_at.replace("T", " ").slice(0, 16);
    const how = d.sealed ? `exported as ${DECISIONS[d.decision].label}` : "not exportable: no team key was set";
    return `${DECISIONS[d.decision].done} (${how}) · ${when} UTC`;
  }

  /** The three decision buttons of an ad, pressed as stored. */
  function decisionControls(ad) {
    const box = el("div", "redflag-decision");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", `Decision on ${adName(ad)}`);
    for (const [d, x] of Object.entries(DECISIONS)) {
      // Only the reviewer's own clicks (and keys, in onKey): a script on the
      // page cannot make labels.
      const b = button(`redflag-decide redflag-decide-${d}`, x.text, "", (e) => e.isTrusted && decide(ad, d));
      b.title = `${x.help} · key ${x.key}`;
      b.dataset.decision = d;
      b.setAttribute("aria-keyshortcuts", x.key);
      box.append(b);
    }
    box.append(el("span", "redflag-decision-state"));
    ad.decisionBox = box;
    showDecision(ad);
    return box;
  }

  /** Updates an ad's decision buttons and line in place (focus stays). */
  function showDecision(ad) {
    const box = ad.decisionBox;
    if (!box) return; // the panel has not been opened
    for (const b of box.querySelectorAll(".redflag-decide")) b.setAttribute("aria-pressed", String(ad.decision?.decision === b.dataset.decision));
    box.querySelector(".redflag-decision-state").textContent = decisionState(ad);
    box.closest(".redflag-ad")?.setAttribute("data-decision", ad.decision?.decision ?? "");
  }

  /** Says something to screen readers (a polite live region, always present). */
  function announce(text) {
    if (!state.live) {
      state.live = el("div", `${UI} redflag-live`);
      state.live.setAttribute("role", "status");
      state.live.setAttribute("aria-live", "polite");
      document.documentElement.append(state.live);
    }
    state.live.textContent = text;
  }

  /**
   * Records the reviewer's decision on an ad; the decision already chosen
   * clears it. Stored with the ad's text as screened and the verdict seen.
   * Decisions on one ad are taken in order (a quick "c c" sets, then clears).
   */
  function decide(ad, decision) {
    ad.deciding = (ad.deciding ?? Promise.resolve()).then(() => storeDecision(ad, decision));
    return ad.deciding;
  }

  async function storeDecision(ad, decision) {
    if (!ad.decisionKey) {
      announce(`No decision recorded on ${adName(ad)}: it is still being screened.`);
      return;
    }
    const next = ad.decision?.decision === decision ? null : decision;
    try {
      const v = ad.verdict;
      ad.decision = await send({
        type: "decide",
        key: ad.decisionKey,
        decision: next,
        listingId: ad.listingId,
        section: ad.section,
        fields: ad.texts,
        verdict: { verdict: v.verdict, score: v.score, rules: v.rules.map((r) => ({ id: r.id })), packs: v.packs },
      });
    } catch (e) {
      announce(`The decision on ${adName(ad)} could not be stored: ${e.message}`);
      return;
    }
    showDecision(ad);
    if (!next) announce(`Decision cleared on ${adName(ad)}.`);
    else if (ad.decision?.sealed) announce(`${DECISIONS[next].done}: ${adName(ad)}, exported as ${DECISIONS[next].label}.`);
    else announce(`${DECISIONS[next].done}: ${adName(ad)}. Not exportable: no trust-and-safety team key is set, so the ad's text was not kept.`);
    refreshDecisionCount();
  }

  /** The panel's decisions bar: how many are stored, export, clear (with confirmation). */
  function decisionsBar() {
    const box = el("div", "redflag-decisions");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Reviewer decisions");
    box.append(el("div", "redflag-decision-count", "Decisions stored: …"), el("div", "redflag-decision-note"));
    const status = el("div", "redflag-decisions-status", state.decisionsStatus);
    status.setAttribute("role", "status");
    box.append(status);
    if (state.clearing) {
      const ask = el("div", "redflag-clear-ask");
      ask.append(
        el("span", "redflag-clear-question", "Delete every decision stored in this browser? Export them first to keep them."),
        button("redflag-clear-confirm", "Delete all decisions", "", (e) => e.isTrusted && clearDecisions()),
        button("redflag-clear-cancel", "Cancel", "", () => {
          state.clearing = false;
          renderPanel();
          state.panel?.querySelector(".redflag-clear-decisions")?.focus();
        }),
      );
      box.append(ask);
    } else {
      box.append(
        button("redflag-export-decisions", "Export decisions (sealed)", "Download every decision as labelled data for redflag eval and calibrate, sealed to the trust-and-safety team's key", exportDecisions),
        button("redflag-clear-decisions", "Clear decisions…", "Delete every stored decision (asks first)", () => {
          state.clearing = true;
          renderPanel();
          state.panel?.querySelector(".redflag-clear-cancel")?.focus();
        }),
      );
    }
    return box;
  }

  /** Fills the panel's count of stored decisions (every page's, not this one's). */
  async function refreshDecisionCount() {
    if (!state.panel) return;
    let c;
    try {
      c = await send({ type: "decisionCount" });
    } catch {
      return;
    }
    const line = state.panel?.querySelector(".redflag-decision-count");
    if (!line) return;
    line.textContent = `Decisions stored: ${c.total} (${c.confirm} confirmed, ${c.dismiss} dismissed, ${c.escalate} escalated)`;
    line.dataset.total = String(c.total);
    const note = state.panel?.querySelector(".redflag-decision-note");
    if (note) note.textContent = decisionNote(c);
    for (const b of state.panel.querySelectorAll(".redflag-export-decisions, .redflag-clear-decisions")) b.disabled = c.total === 0;
  }

  /** What the panel says about stored decisions that an export leaves out or that another key opens ("" if none). */
  function decisionNote(c) {
    const parts = [];
    if (!c.recipientKeyId) parts.push("No trust-and-safety team key is set: decisions are kept for this panel only, without the ads' text, and cannot be exported. Set the key in the extension's options to keep decisions as labelled data.");
    else if (c.unsealed) parts.push(`${c.unsealed} decision${c.unsealed === 1 ? " was" : "s were"} made before the team's key was set: kept without the ad's text, not exportable.`);
    const other = Object.entries(c.otherKeys ?? {});
    if (other.length) parts.push(`${other.map(([k, n]) => `${n} sealed to an earlier team key ${k}`).join(", ")}: exported as they are; only that key opens them.`);
    return parts.join(" ");
  }

  /** Says what became of an export, in the decisions bar (kept across re-renders) and aloud. */
  function decisionsStatus(text) {
    state.decisionsStatus = text;
    const line = state.panel?.querySelector(".redflag-decisions-status");
    if (line) line.textContent = text;
    announce(text);
  }

  /**
   * Downloads every stored decision as `redflag-decisions-<UTC time>.json`,
   * sealed to the trust-and-safety team's key and signed, byte for byte as
   * the service worker made it; or says what to set (no team key: nothing
   * is saved).
   */
  async function exportDecisions() {
    let out;
    try {
      out = await send({ type: "exportDecisions" });
    } catch (e) {
      decisionsStatus(`The decisions could not be exported: ${e.message}`);
      return;
    }
    if (out.refused) {
      decisionsStatus(out.refused);
      return;
    }
    if (!out.count) {
      decisionsStatus("No decisions to export.");
      return;
    }
    download(new Blob([out.text], { type: "application/json" }), `redflag-decisions-${out.exported_at.replace(/[:.]/g, "-")}.json`);
    const other = Object.entries(out.otherKeys ?? {});
    const earlier = other.reduce((a, [, n]) => a + n, 0);
    let said = `${out.count} decision${out.count === 1 ? "" : "s"} exported, sealed to the trust-and-safety team's key ${out.recipient} and signed (key ${out.signer}).`;
    if (earlier) said = `${out.count} decision${out.count === 1 ? "" : "s"} exported and signed (key ${out.signer}): ${out.count - earlier} sealed to the trust-and-safety team's key ${out.recipient}, ${other.map(([k, n]) => `${n} to an earlier key ${k}`).join(", ")}.`;
    if (out.unsealed) said += ` ${out.unsealed} made without the team's key ${out.unsealed === 1 ? "was" : "were"} left out (no text kept).`;
    decisionsStatus(said);
  }

  async function clearDecisions() {
    state.clearing = false;
    let r;
    try {
      r = await send({ type: "clearDecisions" });
    } catch (e) {
      announce(`The decisions could not be cleared: ${e.message}`);
      return;
    }
    for (const ad of state.ads.values()) ad.decision = null;
    renderPanel();
    state.panel?.querySelector(".redflag-clear-decisions")?.focus();
    announce(`${r.removed} decision${r.removed === 1 ? "" : "s"} deleted.`);
  }

  /** A listing id made safe for a file name on any system, or "". */
  function fileSafe(id) {
    return String(id ?? "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
      .replace(/^[._-]+|[._-]+$/g, "")
      .slice(0, 64)
      .replace(/[._-]+$/, "");
  }

  /**
   * Saves a sealed, signed evidence packet (docs/evidence.md) byte for byte
   * as the service worker made it (any change breaks its signature), or
   * says why not (no legal team key set: nothing is saved).
   */
  async function exportEvidence(ad, note, status) {
    let r;
    try {
      r = await send({ type: "evidence", url: location.href, section: ad.section, fields: ad.texts, note, listingId: ad.listingId ?? null });
    } catch (e) {
      status.textContent = `Not exported: ${e.message}`;
      return;
    }
    if (r.refused) {
      status.textContent = r.refused;
      return;
    }
    const id = fileSafe(ad.listingId);
    download(new Blob([r.text], { type: "application/json" }), `redflag-evidence-${id ? `${id}-` : ""}${r.time.replace(/[:.]/g, "-")}.json`);
    status.textContent = `Exported, sealed and signed (key ${r.signer}).`;
  }

  /**
   * Saves a blob under a file name, locally (nothing leaves the browser).
   * The link is never put in the page, so the page's scripts do not see its
   * address (a decisions file holds ads from every console).
   */
  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
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
    // (Autofill sends keydown events without a key.)
    const letter = typeof e.key === "string" ? e.key.toLowerCase() : "";
    if (e.isTrusted && !e.ctrlKey && !e.metaKey && !e.altKey && Object.hasOwn(DECISION_BY_KEY, letter)) {
      // Only on one of our marks or an ad's entry in the panel: elsewhere
      // the key is the page's. One the extension uses does not reach the
      // page's own shortcuts (a mark sits inside the page's ad, where a
      // console may bind the same letter to something else).
      const on = t?.closest?.(`mark.redflag-mark, .redflag-panel .redflag-ad`);
      const ad = on && adByKey(on.dataset.ad);
      if (!ad) return;
      e.preventDefault();
      e.stopPropagation();
      if (!e.repeat) decide(ad, DECISION_BY_KEY[letter]);
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
    stopLinking();
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
    RO?.clear();
    delete document.documentElement.dataset.redflagOcr;
    for (const u of document.querySelectorAll(`.${UI}`)) u.remove();
    state.ads.clear();
    state.marks = [];
    state.cursor = -1;
    state.panel = state.card = state.fab = state.live = null;
    state.clearing = false;
    dockPage();
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
    // A decision made or cleared in another tab (or by the clear control).
    const decided = Object.keys(changes).filter((k) => k.startsWith("decision:"));
    // A new team key changes what the panel says about stored decisions.
    if (changes.decisionsRecipient && !decided.length && state.on) refreshDecisionCount();
    if (decided.length && state.on) {
      for (const ad of state.ads.values()) {
        const c = ad.decisionItem && changes[ad.decisionItem];
        if (!c) continue;
        ad.decision = c.newValue ?? null;
        showDecision(ad);
      }
      refreshDecisionCount();
    }
    // Linking settings and the cluster file (options page).
    if (state.on && (changes.entityKey || changes.linkThreshold)) relinkAll();
    else if (state.on && changes.linkClusterFile) scheduleLink();
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
