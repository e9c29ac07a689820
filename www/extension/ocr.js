// redflag reviewer: text in pictures, the content script's side (docs/images.md,
// "Text in pictures"). Loaded before content.js, which calls it from the
// panel. Nothing runs until the reviewer asks: a button per ad, and one for
// the page, read the ad's pictures one at a time. Each picture's bytes are
// taken here (the page's own request: same origin, or allowed by CORS) or,
// failing that, fetched by the extension with the host access the reviewer
// granted for the console; the offscreen document reads the text
// (tesseract.js, from the extension's own files), the service worker screens
// it with the ad's text as the field `picture`, and the hits and the phone
// numbers, ages and prices found in it are boxed on the picture and listed in
// the ad's entry in the panel, marked "in picture". Nothing leaves the
// browser.
(() => {
  if (globalThis.redflagOcr) return;

  const FIELD = "picture";
  const LIMITS = {
    /** Pictures read on one page, whatever the ads (each costs a second or more). */
    pageImages: 8,
    /** Pictures read per ad. */
    adImages: 4,
    /** Smaller pictures (icons, spacers) are not read. */
    minWidth: 60,
    minHeight: 20,
    /** The largest picture taken from the page, in bytes. */
    maxBytes: 10 << 20,
  };
  // Entities boxed on the picture, beside the rules' hits.
  const ENTITY_KINDS = new Set(["phone", "age", "price", "email", "handle", "url", "messaging"]);
  const state = { read: 0, layers: new Map() }; // layers: img → layer element
  let listening = false;
  let resized = null;

  /** The ad's pictures worth reading, in page order, without repeats. */
  function pictures(adEl) {
    const seen = new Set();
    const out = [];
    for (const img of adEl.querySelectorAll("img")) {
      const src = img.currentSrc || img.src;
      if (!src || seen.has(src) || img.closest(".redflag-ui")) continue;
      if (img.naturalWidth < LIMITS.minWidth || img.naturalHeight < LIMITS.minHeight) continue;
      seen.add(src);
      out.push(img);
    }
    return out;
  }

  function blobToDataUrl(blob) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(blob);
    });
  }

  /** What the service worker needs to read a picture: its bytes as a data: URL, or its URL for the extension to fetch. */
  async function pictureSource(img) {
    const src = img.currentSrc || img.src;
    if (src.startsWith("data:")) {
      if (src.length > LIMITS.maxBytes * 1.4) throw new Error("the picture is larger than 10 MB");
      return { dataUrl: src };
    }
    let blob;
    try {
      // The page's own cookies go with a picture of the page's own origin
      // only: an ad cannot make the panel show a picture that the
      // reviewer's cookies open on another site.
      const res = await fetch(src, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      blob = await res.blob();
    } catch {
      // Another origin without CORS: the extension fetches it with the
      // console's host access (it fails if the reviewer granted none there),
      // without cookies (offscreen.js).
      return { url: src };
    }
    if (blob.size > LIMITS.maxBytes) throw new Error(`the picture has ${blob.size} bytes, more than ${LIMITS.maxBytes}`);
    return { dataUrl: await blobToDataUrl(blob) };
  }

  /** The words under [start, end) of the text, merged into one box per run of words on a line. */
  function boxesFor(text, words, start, end) {
    const boxes = [];
    let last = null;
    for (const w of words) {
      if (!(w.start < end && start < w.end)) continue;
      const b = w.box;
      if (last && text.slice(last.end, w.start) === " ") {
        const right = Math.max(last.box.left + last.box.width, b.left + b.width);
        const bottom = Math.max(last.box.top + last.box.height, b.top + b.height);
        last.box.left = Math.min(last.box.left, b.left);
        last.box.top = Math.min(last.box.top, b.top);
        last.box.width = right - last.box.left;
        last.box.height = bottom - last.box.top;
        last.end = w.end;
      } else {
        last = { box: { ...b }, end: w.end };
        boxes.push(last);
      }
    }
    return boxes.map((x) => x.box);
  }

  /** What the picture says: the rules' hits and the entities in the `picture` field, each with its boxes. */
  function findings(verdict, ocr) {
    const out = [];
    const rules = new Map(verdict.rules.map((r) => [r.id, r]));
    for (const e of verdict.entities ?? []) {
      if (e.field !== FIELD || !ENTITY_KINDS.has(e.kind)) continue;
      const value = e.value ?? (e.number != null ? String(e.number) : "");
      const currency = e.currency && !value.includes(e.currency) ? ` ${e.currency}` : "";
      out.push({ kind: e.kind, label: `${e.kind}: ${value}${currency}`, text: ocr.text.slice(e.start, e.end), start: e.start, end: e.end });
    }
    // One finding per span of text, with every rule that counts it (the
    // most serious rule's tier colours its box).
    const RANK = { allow: 0, warn: 1, review: 2, block: 3 };
    const spans = new Map();
    for (const h of verdict.hits) {
      if (h.field !== FIELD) continue;
      const r = rules.get(h.rule);
      const key = `${h.start}|${h.end}`;
      const f = spans.get(key) ?? { kind: "rule", rules: [], titles: [], tier: "warn", text: h.text, start: h.start, end: h.end };
      if (f.rules.includes(h.rule)) continue;
      f.rules.push(h.rule);
      f.titles.push(r?.title ?? h.rule);
      if ((RANK[r?.max_tier] ?? 0) > RANK[f.tier]) f.tier = r.max_tier;
      spans.set(key, f);
    }
    for (const f of spans.values()) out.push({ ...f, rule: f.rules.join(" "), label: f.titles.join(" · ") });
    for (const f of out) f.boxes = boxesFor(ocr.text, ocr.words, f.start, f.end);
    return out.sort((a, b) => a.start - b.start || (a.kind === "rule") - (b.kind === "rule"));
  }

  /** Puts a picture's layer over it (page coordinates; the boxes inside are in per cent of the picture). */
  function place(img, layer) {
    if (!img.isConnected) {
      layer.remove();
      state.layers.delete(img);
      return;
    }
    const r = img.getBoundingClientRect();
    const cs = getComputedStyle(img);
    const px = (v) => parseFloat(v) || 0;
    const left = r.left + px(cs.borderLeftWidth) + px(cs.paddingLeft);
    const top = r.top + px(cs.borderTopWidth) + px(cs.paddingTop);
    const width = r.width - px(cs.borderLeftWidth) - px(cs.paddingLeft) - px(cs.borderRightWidth) - px(cs.paddingRight);
    const height = r.height - px(cs.borderTopWidth) - px(cs.paddingTop) - px(cs.borderBottomWidth) - px(cs.paddingBottom);
    Object.assign(layer.style, { left: `${left + scrollX}px`, top: `${top + scrollY}px`, width: `${Math.max(0, width)}px`, height: `${Math.max(0, height)}px` });
  }

  function placeAll() {
    for (const [img, layer] of state.layers) place(img, layer);
  }

  /** Draws a box over the picture for each finding (hidden with the picture's layer when the picture is gone). */
  function draw(img, adKey, result) {
    state.layers.get(img)?.remove();
    const { width, height } = result.ocr;
    const layer = document.createElement("div");
    layer.className = "redflag-ui redflag-ocr-layer";
    layer.dataset.ad = adKey;
    for (const f of result.findings) {
      for (const b of f.boxes) {
        const d = document.createElement("div");
        d.className = `redflag-ocr-box redflag-ocr-${f.kind === "rule" ? `rule redflag-tier-${f.tier}` : f.kind}`;
        d.dataset.kind = f.kind;
        if (f.rule) d.dataset.rule = f.rule;
        d.title = `In picture: ${f.label} (“${f.text}”)`;
        Object.assign(d.style, { left: `${(100 * b.left) / width}%`, top: `${(100 * b.top) / height}%`, width: `${(100 * b.width) / width}%`, height: `${(100 * b.height) / height}%` });
        layer.append(d);
      }
    }
    document.documentElement.append(layer);
    state.layers.set(img, layer);
    place(img, layer);
    if (!listening) {
      listening = true;
      addEventListener("resize", placeAll);
      resized = new ResizeObserver(placeAll);
      resized.observe(document.documentElement);
    }
  }

  /**
   * Reads the ad's pictures (at most LIMITS.adImages, and the page's
   * allowance), one at a time. `ad.pictures` holds each picture's state for
   * the panel; `update` is called after each one.
   */
  async function readAd(ad, adEl, send, update) {
    const imgs = pictures(adEl).slice(0, LIMITS.adImages);
    ad.pictures ??= [];
    for (const img of imgs) {
      let entry = ad.pictures.find((p) => p.img === img);
      if (entry && (entry.result || entry.status === "reading")) continue;
      if (state.read >= LIMITS.pageImages) {
        entry ??= { img };
        if (!ad.pictures.includes(entry)) ad.pictures.push(entry);
        entry.status = "skipped";
        entry.error = `Not read: at most ${LIMITS.pageImages} pictures are read on one page.`;
        update();
        continue;
      }
      if (!entry) {
        entry = { img };
        ad.pictures.push(entry);
      }
      state.read++;
      entry.status = "reading";
      entry.error = "";
      update();
      try {
        const r = await send({ type: "ocr", ...(await pictureSource(img)), section: ad.section, fields: ad.texts });
        if (r.error) throw new Error(r.error);
        entry.result = { ocr: r.ocr, verdict: r.verdict, findings: findings(r.verdict, r.ocr) };
        entry.status = "done";
        draw(img, ad.key, entry.result);
      } catch (e) {
        entry.status = "failed";
        entry.error = `Not read: ${e.message}`;
      }
      update();
    }
    return imgs.length;
  }

  /** How many of the ad's pictures could be read. */
  const count = (adEl) => Math.min(pictures(adEl).length, LIMITS.adImages);

  /** The ad's "Text in pictures" part of the panel. */
  function section(ad, adEl, { el, button, run }) {
    const box = el("div", "redflag-ocr");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Text in pictures");
    const n = count(adEl);
    if (!n && !ad.pictures?.length) return null;
    const reading = ad.pictures?.some((p) => p.status === "reading");
    const done = ad.pictures?.filter((p) => p.result).length ?? 0;
    const b = button("redflag-ocr-read", reading ? "Reading pictures…" : done ? `Read the pictures again` : `Read text in pictures (${n})`, `Read the text in this ad's ${n === 1 ? "picture" : `${n} pictures`} (OCR, in this browser)`, run);
    b.disabled = !!reading || (done > 0 && done >= n);
    if (done > 0 && done >= n) b.textContent = "Pictures read";
    box.append(b);
    for (const [i, p] of (ad.pictures ?? []).entries()) {
      const item = el("div", "redflag-ocr-picture");
      item.dataset.status = p.status ?? "";
      const name = `Picture ${i + 1}`;
      if (p.status === "reading") item.append(el("div", "redflag-ocr-head", `${name}: reading…`));
      else if (!p.result) item.append(el("div", "redflag-ocr-head", `${name}: ${p.error}`));
      else {
        const { ocr, verdict, findings: found } = p.result;
        const words = ocr.words.length;
        const head = found.length ? `${found.length} finding${found.length === 1 ? "" : "s"} in picture` : words ? "nothing found in its text" : "no text read";
        item.dataset.findings = String(found.length);
        item.dataset.ms = String(ocr.ms);
        item.append(el("div", "redflag-ocr-head", `${name}: ${head} · ${words} word${words === 1 ? "" : "s"}, read in ${(ocr.ms / 1000).toFixed(1)} s · with the ad's text: ${verdict.verdict.toUpperCase()} ${verdict.score}`));
        if (found.length) {
          const ul = el("ul", "redflag-ocr-hits");
          for (const f of found) {
            const li = el("li", `redflag-ocr-hit redflag-ocr-${f.kind}`);
            li.dataset.kind = f.kind;
            if (f.rule) li.dataset.rule = f.rule;
            li.append(el("span", "redflag-in-picture", "in picture"), el("span", "", ` ${f.label} — “${f.text}”`));
            li.addEventListener("mouseenter", () => p.img.scrollIntoView({ block: "nearest" }));
            ul.append(li);
          }
          item.append(ul);
        }
        if (ocr.text) {
          const details = el("details", "redflag-ocr-text");
          details.append(el("summary", "", "Text read"), el("pre", "", ocr.text));
          item.append(details);
        }
      }
      box.append(item);
    }
    return box;
  }

  /** Removes every box (the extension was turned off). */
  function clear() {
    for (const layer of state.layers.values()) layer.remove();
    state.layers.clear();
    state.read = 0;
    if (listening) removeEventListener("resize", placeAll);
    resized?.disconnect();
    resized = null;
    listening = false;
  }

  globalThis.redflagOcr = { LIMITS, FIELD, pictures, readAd, section, placeAll, clear, boxesFor, findings };
})();
