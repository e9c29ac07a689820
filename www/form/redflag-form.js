// redflag form integration: screens a "post an ad" form in the poster's
// browser, as they type and on submit.
//
//   import { Engine } from "redflag";
//   import { attachForm } from "redflag/form";   // or "./redflag-form.js"
//   const controller = attachForm(document.querySelector("form"), {
//     engine: new Engine(),                // screens here when no worker can run
//     worker: { packageUrl: "/redflag/index.js" }, // screen in a module Worker
//     fields: ["title", "body"],           // names of the inputs to screen
//     section: "select[name=section]",     // selector, fixed string or function
//     messages: "#redflag-messages",       // where messages go: put it AFTER
//                                          // the fields, so nothing moves
//     rulesUrl: "/help/posting-rules",     // "posting rules" links here
//     appealUrl: "/help/appeal?ref={ref}", // a block message links here
//     lang: "ro",                          // default: <html lang>, else English
//   });
//
// Give either `engine` or `worker.packageUrl` (both is best: the engine is
// the fallback when a Worker cannot be created). With a worker, a 100 KB
// paste is screened off the page's thread; results for text that has
// changed since are dropped, never shown, and a submit made before the
// worker has screened the text waits for its verdict. The worker script
// (redflag-worker.js, next to this file) loads the package's .wasm, so a
// Content-Security-Policy sent with it needs `'wasm-unsafe-eval'` in
// script-src, like the page's; `worker-src` (or script-src) must allow it.
//
// Behaviour by verdict:
//   allow  — nothing happens; the form submits untouched.
//   warn   — on submit, the poster sees a policy message and chooses to edit
//            or to post anyway; the post then carries the verdict summary.
//            "Edit my ad" focuses the field with the problem and selects the
//            highlighted words (only explainable ones; else the caret goes
//            to the start of the field).
//   review — the form submits, with the verdict summary in a hidden field
//            (`redflag` by default) so the server can queue it for review.
//   block  — the form does not submit; the poster sees a policy message.
//            With `appealUrl` it carries an appeal link and the block's
//            reference id; the form fires `redflag:block` with
//            { reference, time, summary } for the site to store (see
//            docs/moderation-loop.md).
// The summary holds the tier, score, pack ids and versions and rule ids —
// never the ad's text. Messages never name the words that triggered a rule
// (no recipe for evasion); highlights are shown only for the categories the
// packs mark as safe to explain (e.g. a fee charged to job applicants).
//
// While typing, the message region changes only when what it says changes
// (screen readers announce it once per change), and the highlighted excerpts
// sit in a part of it that is not announced. Place the region where its
// growth moves nothing (at the end of the form); when `messages` is not
// given, the region is created there.
//
// Interface strings exist in en, es, fr, pt, ro, ru, uk, pl, tl (fil), vi,
// th, id, zh (simplified), zh-Hant (traditional: zh-TW, zh-HK), ar (shown
// right to left) and hi; see messages.js.
//
// The browser check helps honest posters; it is not enforcement (anyone can
// bypass a browser). If the engine is missing or fails, the form submits as
// if nothing were wrong, and the edge worker decides.

import { uiStrings, resolveLang, textDirection, refusals } from "./messages.js";

/** Characters of context kept on each side of a highlighted span. */
const CONTEXT = 80;

/**
 * Attaches redflag to a form.
 *
 * @param {HTMLFormElement} form the "post an ad" form
 * @param {import("./redflag-form.js").FormOptions} [options] see redflag-form.d.ts
 * @returns {{ screenNow(): Promise<object|null>, lastVerdict(): object|null, stats(): object, ready(): Promise<void>, detach(): void }}
 *   the controller: `screenNow()` screens and shows the current text,
 *   `lastVerdict()` is the newest verdict shown, `stats()` holds timings
 *   and where screening runs (`mode`), `ready()` settles when the engine
 *   (in the worker or here) is compiled, `detach()` undoes everything.
 */
export function attachForm(form, options = {}) {
  if (!(form instanceof HTMLFormElement)) throw new TypeError("attachForm: expected a <form> element");
  const workerOpt = options.worker || null;
  if (workerOpt && (typeof workerOpt !== "object" || !workerOpt.packageUrl)) {
    throw new TypeError("attachForm: options.worker must be { packageUrl } (the URL of redflag's index.js)");
  }
  let engine = options.engine ?? null;
  if (engine !== null && typeof engine.screen !== "function") throw new TypeError("attachForm: options.engine must be a redflag Engine");
  if (!engine && !workerOpt) throw new TypeError("attachForm: give options.engine (a redflag Engine) or options.worker.packageUrl");
  const fieldNames = options.fields ?? ["title", "body"];
  const debounceMs = options.debounce ?? 300;
  const summaryName = options.summaryField ?? "redflag";
  const lang = resolveLang(options.lang ?? document.documentElement.lang);
  const dir = textDirection(lang);
  const t = { ...uiStrings[lang], ...(options.strings ?? {}) };
  const highlight = options.highlight ?? true;
  const rulesHref = safeHref(options.rulesUrl);
  const appealTemplate = options.appealUrl == null || options.appealUrl === "" ? null : String(options.appealUrl);
  const region = resolveRegion(form, options.messages);
  const fixedExplainable = options.explainableCategories != null;
  let explainable = new Set(options.explainableCategories ?? (engine ? safe(() => engine.explainableCategories(), []) : []));
  const refused = new Set([...refusals, t.blockHeading].map(plain));
  const stats = { screens: 0, totalMs: 0, maxMs: 0 };
  let detached = false;

  // ----- Screening: in a module Worker when asked, else on this thread ----

  let mode = "main";
  let worker = null;
  let workerSeq = 0;
  const waiting = new Map(); // worker request id → { sub, resolve }
  let engineReady = engine ? Promise.resolve() : null;
  let settleReady;
  const readyPromise = new Promise((ok) => (settleReady = ok));

  function record(ms) {
    stats.screens += 1;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
  }

  function warmUp(e) {
    // The first calls compile the engine's code paths lazily; pay for that
    // now, with text that takes the common paths, not on the poster's
    // first keystroke.
    safe(() => {
      for (const section of ["jobs", "adult", "for-sale"]) {
        e.screen({ section, title: "Warm-up", body: "Café 😀 pay the fee of 20 $, call 555-0100, passport, new in town." });
      }
    }, null);
  }

  /** Screens on this thread; null when there is no engine or it fails. */
  function screenHere(sub) {
    if (!engine) return null;
    const start = performance.now();
    let v = null;
    try {
      v = engine.screen(sub);
    } catch (e) {
      // Fail open: the edge worker enforces.
      console.warn("redflag: screening failed, the form is not checked:", e.message);
    }
    record(performance.now() - start);
    return v;
  }

  /** Screens wherever screening runs now. */
  function screenAsync(sub) {
    if (worker) {
      const id = ++workerSeq;
      return new Promise((resolve) => {
        waiting.set(id, { sub, resolve });
        worker.postMessage({ type: "screen", id, submission: sub });
      });
    }
    return (engineReady ?? Promise.resolve()).then(() => screenHere(sub));
  }

  /** The worker is gone: screen on this thread from now on. */
  function fallBack(reason) {
    if (!worker && mode === "main") return;
    console.warn(`redflag: no screening worker (${reason}); screening on the page instead`);
    worker?.terminate();
    worker = null;
    mode = "main";
    if (!engine) {
      engineReady = loadEngineHere();
    } else {
      if (!fixedExplainable) explainable = new Set(safe(() => engine.explainableCategories(), []));
      warmUp(engine);
    }
    engineReady.then(() => settleReady());
    const pending = [...waiting.values()];
    waiting.clear();
    for (const p of pending) engineReady.then(() => p.resolve(detached ? null : screenHere(p.sub)));
  }

  /** Only a worker was configured: import the package here instead. */
  async function loadEngineHere() {
    try {
      const mod = await import(/* webpackIgnore: true */ /* @vite-ignore */ packageHref);
      engine = new mod.Engine(workerOpt.packs ?? null, workerOpt.engineOptions ?? null);
      if (!fixedExplainable) explainable = new Set(safe(() => engine.explainableCategories(), []));
      warmUp(engine);
    } catch (e) {
      console.warn("redflag: the engine could not be loaded, the form is not checked:", e.message);
    }
  }

  function onWorkerMessage(event) {
    const m = event.data;
    if (m.type === "ready") {
      if (!fixedExplainable) explainable = new Set(m.explainable);
      settleReady();
    } else if (m.type === "failed") {
      fallBack(m.message);
    } else if (m.type === "verdict") {
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      record(m.ms);
      if (m.error) console.warn("redflag: screening failed, the form is not checked:", m.error);
      p.resolve(m.error ? null : m.verdict);
    }
  }

  const packageHref = workerOpt ? new URL(String(workerOpt.packageUrl), document.baseURI).href : null;
  if (workerOpt) {
    try {
      // Written out in full so bundlers see the worker and bundle it.
      worker = workerOpt.url
        ? new Worker(new URL(String(workerOpt.url), document.baseURI), { type: "module", name: "redflag" })
        : new Worker(new URL("./redflag-worker.js", import.meta.url), { type: "module", name: "redflag" });
      mode = "worker";
      worker.addEventListener("message", onWorkerMessage);
      worker.addEventListener("error", (e) => {
        e.preventDefault();
        fallBack(e.message || "the worker script could not run");
      });
      worker.addEventListener("messageerror", () => fallBack("a message could not be read"));
      worker.postMessage({ type: "init", packageUrl: packageHref, packs: workerOpt.packs ?? null, engineOptions: workerOpt.engineOptions ?? null });
    } catch (e) {
      worker = null;
      mode = "worker"; // so that fallBack runs
      fallBack(e.message);
    }
  } else {
    warmUp(engine);
    settleReady();
  }

  // ----- Which result is current ----------------------------------------

  let timer = 0;
  let confirmedWarn = false;
  let requestSeq = 0;
  let appliedSeq = 0;
  let latest = null; // { key, verdict }: the newest verdict taken, for the text it was screened from
  let typingBusy = false;
  let typingAgain = false;
  let holding = false; // a submit waits for the verdict of its text

  const inputs = () => fieldNames.map((n) => form.elements.namedItem(n)).filter((el) => el && "value" in el);

  function submission() {
    const sub = { section: readSection(form, options.section) };
    for (const el of inputs()) sub[el.name] = el.value;
    return sub;
  }

  const keyOf = (sub) => JSON.stringify(sub);

  async function request(sub) {
    const seq = ++requestSeq;
    const key = keyOf(sub);
    const verdict = await screenAsync(sub);
    return { seq, key, verdict };
  }

  /** Takes a result only if nothing newer was taken and the text is still the one screened. */
  function take(r) {
    if (detached || r.seq < appliedSeq || r.key !== keyOf(submission())) return false;
    appliedSeq = r.seq;
    latest = { key: r.key, verdict: r.verdict };
    return true;
  }

  function onInput() {
    confirmedWarn = false;
    clearTimeout(timer);
    timer = setTimeout(screenTyping, debounceMs);
  }

  /** One screening at a time while typing; a pause during it screens again after. */
  async function screenTyping() {
    if (typingBusy) {
      typingAgain = true;
      return;
    }
    typingBusy = true;
    try {
      const r = await request(submission());
      if (take(r)) render(r.verdict, "typing");
    } finally {
      typingBusy = false;
    }
    if (typingAgain && !detached) {
      typingAgain = false;
      screenTyping();
    }
  }

  function onSubmit(event) {
    clearTimeout(timer);
    removeSummary();
    const sub = submission();
    const key = keyOf(sub);
    let v;
    if (holding) {
      event.preventDefault(); // the held submit goes on by itself
      return;
    }
    if (!worker && engine) {
      v = screenHere(sub);
      take({ seq: ++requestSeq, key, verdict: v });
    } else if (latest && latest.key === key) {
      v = latest.verdict;
    } else {
      // This text has not been screened yet (the worker is busy or still
      // starting): hold the post until it has, then submit again.
      event.preventDefault();
      const submitter = event.submitter && event.submitter.form === form ? event.submitter : undefined;
      holding = true;
      request(sub).then((r) => {
        holding = false;
        if (take(r)) form.requestSubmit(submitter);
      });
      return;
    }
    const tier = v ? v.verdict : "allow";
    if (tier === "allow") {
      render(v, "submit");
      return; // untouched, no delay
    }
    if (tier === "block") {
      event.preventDefault();
      render(v, "submit");
      return;
    }
    if (tier === "warn" && !confirmedWarn) {
      event.preventDefault();
      render(v, "submit");
      return;
    }
    // review, or warn after confirmation: goes through with the summary.
    addSummary(v);
    render(v, "sent");
  }

  function addSummary(v) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = summaryName;
    input.value = JSON.stringify(summary(v));
    input.dataset.redflag = "";
    form.append(input);
  }

  function removeSummary() {
    for (const el of form.querySelectorAll("input[data-redflag]")) el.remove();
  }

  // ----- What the region shows -------------------------------------------

  let said = ""; // what the region announces now: phase, tier, messages
  let box = null;
  let excerptSlot = null;
  let excerptKey = "";

  function clear() {
    said = "";
    box = excerptSlot = null;
    excerptKey = "";
    if (region.firstChild) region.replaceChildren();
  }

  /** Poster messages, each said once; the block heading already says the ad can't be posted. */
  function posterMessages(v, tier) {
    const seen = new Set();
    const out = [];
    for (const m of v.poster_messages) {
      const k = plain(m);
      if (seen.has(k) || (tier === "block" && refused.has(k))) continue;
      seen.add(k);
      out.push(m);
    }
    return out;
  }

  function render(v, phase) {
    const tier = v ? v.verdict : "allow";
    if (form.dataset.redflag !== tier) form.dataset.redflag = tier;
    const messages = tier === "allow" ? [] : posterMessages(v, tier);
    const silent = tier === "allow" || (phase === "sent" && tier !== "review");
    const say = silent ? "" : JSON.stringify([phase, tier, messages]);
    if (say === said) {
      // Same announcement: only the (unannounced) excerpts may follow the text.
      if (excerptSlot) fillExcerpts(v, tier);
      if (phase === "submit" && box) box.focus();
      return;
    }
    const role = phase === "submit" && tier !== "allow" ? "alert" : "status";
    if (region.getAttribute("role") !== role) region.setAttribute("role", role);
    if (!say) return clear();
    said = say;
    excerptSlot = null;
    excerptKey = "";
    if (phase === "sent") {
      box = null;
      region.replaceChildren(para(t.review));
      return;
    }
    box = document.createElement("div");
    box.className = `redflag-message redflag-${tier}`;
    box.tabIndex = -1;
    box.lang = lang;
    box.dir = dir;
    const heading = document.createElement("p");
    heading.className = "redflag-heading";
    heading.textContent = tier === "block" ? t.blockHeading : tier === "review" ? t.reviewHeading : t.warnHeading;
    box.append(heading);
    if (messages.length) {
      const list = document.createElement("ul");
      list.dir = "auto";
      for (const m of messages) {
        const li = document.createElement("li");
        // The packs' messages are in the ad's language, which may be written
        // the other way from the interface's.
        li.dir = "auto";
        li.textContent = m;
        list.append(li);
      }
      box.append(list);
    }
    if (highlight && tier === "warn") {
      // Follows the text as it changes; screen readers are not told each time.
      excerptSlot = document.createElement("div");
      excerptSlot.className = "redflag-excerpts";
      excerptSlot.setAttribute("aria-live", "off");
      fillExcerpts(v, tier);
      box.append(excerptSlot);
    }
    if (tier === "warn" && phase === "submit") {
      const actions = document.createElement("div");
      actions.className = "redflag-actions";
      const edit = button(t.edit, () => {
        clear();
        focusProblem(v);
      });
      const post = button(t.postAnyway, () => {
        confirmedWarn = true;
        form.requestSubmit();
      });
      post.dataset.action = "confirm";
      edit.dataset.action = "edit";
      actions.append(edit, post);
      box.append(actions);
    }
    let blocked = null;
    if (tier === "block" && phase === "submit") {
      box.append(rulesPara(t.blockHelp));
      // A reference for this block: the poster quotes it in an appeal, and
      // the site stores it with the verdict summary (the redflag:block event).
      blocked = { reference: newReference(), time: new Date().toISOString(), summary: summary(v) };
      const appeal = appealTemplate ? safeHref(appealLink(appealTemplate, blocked.reference)) : null;
      if (appeal) box.append(appealPara(t.appeal, appeal, blocked.reference));
    }
    region.replaceChildren(box);
    if (blocked) form.dispatchEvent(new CustomEvent("redflag:block", { detail: blocked }));
    if (phase === "submit") box.focus();
  }

  /** "Please read our [posting rules] …": a link when `rulesUrl` is set, plain words otherwise. */
  function rulesPara(text) {
    const p = document.createElement("p");
    p.className = "redflag-help";
    const m = /^([^]*?)\[([^\]]+)\]([^]*)$/.exec(text);
    if (!m) {
      p.textContent = text;
      return p;
    }
    if (!rulesHref) {
      p.textContent = m[1] + m[2] + m[3];
      return p;
    }
    const a = document.createElement("a");
    a.href = rulesHref;
    // A new tab, so the poster's draft stays where it is.
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = m[2];
    const hint = document.createElement("span");
    hint.className = "redflag-new-tab";
    hint.textContent = ` ${t.newTab}`;
    a.append(hint);
    p.append(m[1], a, m[3]);
    return p;
  }

  /** "Think this is a mistake? [Appeal this decision] … {ref}.": the bracketed words link to the appeal page (new tab, the draft stays), the reference isolated from the text's direction. */
  function appealPara(text, href, reference) {
    const p = document.createElement("p");
    p.className = "redflag-appeal";
    for (const part of text.split(/(\[[^\]]+\]|\{ref\})/)) {
      if (part === "{ref}") {
        const ref = document.createElement("bdi");
        ref.className = "redflag-reference";
        ref.textContent = reference;
        p.append(ref);
      } else if (/^\[[^\]]+\]$/.test(part)) {
        const a = document.createElement("a");
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = part.slice(1, -1);
        const hint = document.createElement("span");
        hint.className = "redflag-new-tab";
        hint.textContent = ` ${t.newTab}`;
        a.append(hint);
        p.append(a);
      } else if (part) {
        p.append(part);
      }
    }
    return p;
  }

  /** Fills the excerpt slot with the explainable hits marked in their context; unchanged excerpts are left alone. */
  function fillExcerpts(v, tier) {
    const parts = tier === "warn" ? excerpts(v) : [];
    const key = JSON.stringify(parts);
    if (key === excerptKey) return;
    excerptKey = key;
    const nodes = [];
    if (parts.length) nodes.push(para(t.checkThese));
    for (const { field, pieces } of parts) {
      const p = document.createElement("p");
      p.className = "redflag-excerpt";
      p.dataset.field = field;
      p.dir = "auto";
      for (const [text, category] of pieces) {
        if (!category) {
          p.append(text);
          continue;
        }
        const mark = document.createElement("mark");
        mark.textContent = text;
        mark.dataset.category = category;
        p.append(mark);
      }
      nodes.push(p);
    }
    excerptSlot.replaceChildren(...nodes);
  }

  /**
   * The explainable hits by field, as [text, category|null] pieces: the
   * marked spans with up to CONTEXT characters around them (a short field
   * is shown whole), gaps shown as "…".
   */
  function excerpts(v) {
    const hits = v.hits.filter((h) => explainable.has(h.category));
    if (!hits.length) return [];
    const byField = new Map();
    for (const h of hits) {
      if (!byField.has(h.field)) byField.set(h.field, []);
      byField.get(h.field).push(h);
    }
    const sub = submission();
    const out = [];
    for (const [field, hs] of byField) {
      const text = typeof sub[field] === "string" ? sub[field] : "";
      hs.sort((a, b) => a.start - b.start || b.end - a.end);
      const windows = [];
      let at = 0;
      for (const h of hs) {
        if (h.start < at || h.end > text.length) continue; // nested or overlapping: keep the first
        at = h.end;
        const from = wordStart(text, h.start - CONTEXT);
        const to = wordEnd(text, h.end + CONTEXT);
        const last = windows.at(-1);
        if (last && from <= last.to) {
          last.to = Math.max(last.to, to);
          last.hits.push(h);
        } else {
          windows.push({ from, to, hits: [h] });
        }
      }
      const pieces = [];
      for (const w of windows) {
        if (w.from > 0) pieces.push([pieces.length ? " … " : "… ", null]);
        let i = w.from;
        for (const h of w.hits) {
          if (h.start > i) pieces.push([text.slice(i, h.start), null]);
          pieces.push([text.slice(h.start, h.end), h.category]);
          i = h.end;
        }
        if (w.to > i) pieces.push([text.slice(i, w.to), null]);
      }
      if (windows.length && windows.at(-1).to < text.length) pieces.push([" …", null]);
      if (pieces.length) out.push({ field, pieces });
    }
    return out;
  }

  /** Focuses the first field holding a hit that counts; selects its first explainable hit, else the caret goes to the start. */
  function focusProblem(v) {
    const els = inputs();
    if (!v || !els.length) return els[0]?.focus();
    const counting = v.hits.filter((h) => h.score > 0);
    const hits = counting.length ? counting : v.hits;
    const target = els.find((el) => hits.some((h) => h.field === el.name)) ?? els[0];
    target.focus();
    const fresh = latest && latest.verdict === v && latest.key === keyOf(submission());
    const shown = fresh
      ? hits.filter((h) => h.field === target.name && explainable.has(h.category)).sort((a, b) => a.start - b.start)[0]
      : null;
    safe(() => (shown ? target.setSelectionRange(shown.start, shown.end) : target.setSelectionRange(0, 0)), null);
  }

  const listeners = [];
  for (const el of inputs()) {
    el.addEventListener("input", onInput);
    listeners.push([el, "input", onInput]);
  }
  const sectionEl = typeof options.section === "string" ? form.querySelector(options.section) : null;
  if (sectionEl) {
    sectionEl.addEventListener("change", onInput);
    listeners.push([sectionEl, "change", onInput]);
  }
  form.addEventListener("submit", onSubmit);
  listeners.push([form, "submit", onSubmit]);

  return {
    /** Screens the current text now and shows the result; resolves to the verdict (null when screening failed). */
    async screenNow() {
      clearTimeout(timer);
      const r = await request(submission());
      if (take(r)) render(r.verdict, "typing");
      return r.verdict;
    },
    lastVerdict: () => latest?.verdict ?? null,
    stats: () => ({ ...stats, meanMs: stats.screens ? stats.totalMs / stats.screens : 0, mode }),
    ready: () => readyPromise,
    detach() {
      detached = true;
      clearTimeout(timer);
      for (const [el, type, fn] of listeners) el.removeEventListener(type, fn);
      worker?.terminate();
      worker = null;
      for (const p of waiting.values()) p.resolve(null);
      waiting.clear();
      clear();
      removeSummary();
      delete form.dataset.redflag;
    },
  };
}

/** What the server receives: tier, score and ids, never the text. */
export function summary(v) {
  return {
    tier: v.verdict,
    score: v.score,
    packs: v.packs.map((p) => `${p.id}@${p.version}`),
    rules: v.rules.map((r) => r.id),
  };
}

/**
 * The appeal URL for a reference: `{ref}` in the template replaced
 * (URL-encoded), or `ref=` added to its query, as the edge worker does
 * with APPEAL_URL.
 *
 * @param {string} template the `appealUrl` option
 * @param {string} reference the block's reference id
 * @returns {string}
 */
export function appealLink(template, reference) {
  const ref = encodeURIComponent(reference);
  if (template.includes("{ref}")) return template.replaceAll("{ref}", ref);
  const [base, hash] = template.split("#", 2);
  return `${base}${base.includes("?") ? "&" : "?"}ref=${ref}${hash !== undefined ? `#${hash}` : ""}`;
}

/** A random reference id (a UUID). */
function newReference() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function readSection(form, section) {
  if (typeof section === "function") return section();
  if (typeof section === "string") {
    const el = section.includes("[") || section.startsWith("#") || section.startsWith(".") ? form.querySelector(section) : null;
    return el ? el.value : section;
  }
  return form.elements.namedItem("section")?.value ?? undefined;
}

function resolveRegion(form, messages) {
  let region = typeof messages === "string" ? document.querySelector(messages) : messages;
  if (!region) {
    // At the end of the form: when it grows, nothing below it moves.
    region = document.createElement("div");
    form.append(region);
  }
  region.classList.add("redflag-messages");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("role", "status");
  return region;
}

/** Only http(s) links (relative ones resolve against the page). */
function safeHref(url) {
  if (url == null || url === "") return null;
  try {
    const u = new URL(String(url), document.baseURI);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

/** A message compared without case, spaces or final punctuation. */
function plain(text) {
  return String(text).trim().toLowerCase().replace(/[\s.。।!！]+$/u, "");
}

/** Where a context window before a hit starts: at a word's start when one is near. */
function wordStart(text, i) {
  if (i <= 0) return 0;
  const sp = text.indexOf(" ", i);
  return sp >= 0 && sp - i < 20 ? sp + 1 : i;
}

/** Where a context window after a hit ends: at a word's end when one is near. */
function wordEnd(text, i) {
  if (i >= text.length) return text.length;
  const sp = text.lastIndexOf(" ", i);
  return sp >= 0 && i - sp < 20 ? sp : i;
}

function para(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
