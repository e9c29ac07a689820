// redflag form integration: screens a "post an ad" form in the poster's
// browser, as they type and on submit.
//
//   import { Engine } from "redflag";
//   import { attachForm } from "./redflag-form.js";
//   attachForm(document.querySelector("form"), {
//     engine: new Engine(),
//     fields: ["title", "body"],          // names of the inputs to screen
//     section: "select[name=section]",    // selector, fixed string or function
//     messages: "#redflag-messages",      // where messages go
//   });
//
// Behaviour by verdict:
//   allow  — nothing happens; the form submits untouched.
//   warn   — on submit, the poster sees a policy message and chooses to edit
//            or to post anyway; the post then carries the verdict summary.
//   review — the form submits, with the verdict summary in a hidden field
//            (`redflag` by default) so the server can queue it for review.
//   block  — the form does not submit; the poster sees a policy message.
// The summary holds the tier, score, pack ids and versions and rule ids —
// never the ad's text. Messages never name the words that triggered a rule
// (no recipe for evasion); highlights are shown only for the categories the
// packs mark as safe to explain (e.g. a fee charged to job applicants).
//
// The browser check helps honest posters; it is not enforcement (anyone can
// bypass a browser). If the engine is missing or fails, the form submits as
// if nothing were wrong, and the edge worker decides.

import { uiStrings } from "./messages.js";

/**
 * Attaches redflag to a form. Returns a controller:
 * `{ screenNow(), lastVerdict(), stats(), detach() }`.
 */
export function attachForm(form, options = {}) {
  if (!(form instanceof HTMLFormElement)) throw new TypeError("attachForm: expected a <form> element");
  const engine = options.engine;
  if (!engine || typeof engine.screen !== "function") throw new TypeError("attachForm: options.engine must be a redflag Engine");
  const fieldNames = options.fields ?? ["title", "body"];
  const debounceMs = options.debounce ?? 300;
  const summaryName = options.summaryField ?? "redflag";
  const lang = pickLang(options.lang ?? document.documentElement.lang);
  const t = { ...uiStrings[lang], ...(options.strings ?? {}) };
  const highlight = options.highlight ?? true;
  const explainable = new Set(options.explainableCategories ?? safe(() => engine.explainableCategories(), []));
  const region = resolveRegion(form, options.messages);
  const stats = { screens: 0, totalMs: 0, maxMs: 0 };
  // The first calls compile the engine's code paths lazily; pay for that
  // now, with text that takes the common paths, not on the poster's first
  // keystroke.
  safe(() => {
    for (const section of ["jobs", "adult", "for-sale"]) {
      engine.screen({ section, title: "Warm-up", body: "Café 😀 pay the fee of 20 $, call 555-0100, passport, new in town." });
    }
  }, null);

  let timer = 0;
  let last = null;
  let confirmedWarn = false;

  const inputs = () => fieldNames.map((n) => form.elements.namedItem(n)).filter((el) => el && "value" in el);

  function submission() {
    const sub = { section: readSection(form, options.section) };
    for (const el of inputs()) sub[el.name] = el.value;
    return sub;
  }

  function screen() {
    const start = performance.now();
    let v = null;
    try {
      v = engine.screen(submission());
    } catch (e) {
      // Fail open: the edge worker enforces.
      console.warn("redflag: screening failed, the form is not checked:", e.message);
    }
    const ms = performance.now() - start;
    stats.screens += 1;
    stats.totalMs += ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    last = v;
    return v;
  }

  function onInput() {
    confirmedWarn = false;
    clearTimeout(timer);
    timer = setTimeout(() => render(screen(), "typing"), debounceMs);
  }

  function onSubmit(event) {
    clearTimeout(timer);
    removeSummary();
    const v = screen();
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

  function render(v, phase) {
    const tier = v ? v.verdict : "allow";
    form.dataset.redflag = tier;
    region.replaceChildren();
    region.setAttribute("role", phase === "submit" && tier !== "allow" ? "alert" : "status");
    if (!v || tier === "allow") return;
    if (phase === "sent") {
      if (tier === "review") region.append(para(t.review));
      return;
    }
    const box = document.createElement("div");
    box.className = `redflag-message redflag-${tier}`;
    box.tabIndex = -1;
    const heading = document.createElement("p");
    heading.className = "redflag-heading";
    heading.textContent = tier === "block" ? t.blockHeading : tier === "review" ? t.reviewHeading : t.warnHeading;
    box.append(heading);
    const list = document.createElement("ul");
    for (const m of v.poster_messages) {
      const li = document.createElement("li");
      li.textContent = m;
      list.append(li);
    }
    if (list.childElementCount) box.append(list);
    if (highlight && tier === "warn") {
      const marks = excerpts(v);
      if (marks) box.append(marks);
    }
    if (tier === "warn" && phase === "submit") {
      const actions = document.createElement("div");
      actions.className = "redflag-actions";
      const edit = button(t.edit, () => {
        region.replaceChildren();
        inputs()[inputs().length - 1]?.focus();
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
    if (tier === "block" && phase === "submit") box.append(para(t.blockHelp));
    region.append(box);
    if (phase === "submit") box.focus();
  }

  /** Excerpts of the fields with the explainable hits marked. */
  function excerpts(v) {
    const hits = v.hits.filter((h) => explainable.has(h.category));
    if (!hits.length) return null;
    const wrap = document.createElement("div");
    wrap.className = "redflag-excerpts";
    wrap.append(para(t.checkThese));
    const byField = new Map();
    for (const h of hits) {
      if (!byField.has(h.field)) byField.set(h.field, []);
      byField.get(h.field).push(h);
    }
    const sub = submission();
    for (const [field, hs] of byField) {
      const text = sub[field] ?? "";
      hs.sort((a, b) => a.start - b.start || b.end - a.end);
      const p = document.createElement("p");
      p.className = "redflag-excerpt";
      p.dataset.field = field;
      let at = 0;
      for (const h of hs) {
        if (h.start < at) continue; // nested or overlapping: keep the first
        p.append(text.slice(at, h.start));
        const mark = document.createElement("mark");
        mark.textContent = text.slice(h.start, h.end);
        mark.dataset.category = h.category;
        p.append(mark);
        at = h.end;
      }
      p.append(text.slice(at));
      wrap.append(p);
    }
    return wrap;
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
    screenNow() {
      const v = screen();
      render(v, "typing");
      return v;
    },
    lastVerdict: () => last,
    stats: () => ({ ...stats, meanMs: stats.screens ? stats.totalMs / stats.screens : 0 }),
    detach() {
      clearTimeout(timer);
      for (const [el, type, fn] of listeners) el.removeEventListener(type, fn);
      region.replaceChildren();
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
    region = document.createElement("div");
    form.prepend(region);
  }
  region.classList.add("redflag-messages");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("role", "status");
  return region;
}

function pickLang(tag) {
  const base = String(tag || "en").toLowerCase().split("-")[0];
  return uiStrings[base] ? base : "en";
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
