// redflag report control: a "Report this ad" button that a listing page puts
// next to an ad. It opens a small form (a reason from a short list, an
// optional comment) and POSTs the report as JSON to the edge worker's report
// route, which re-screens the ad and forwards a ranked record to the site's
// moderation queue (see www/edge/report.js and docs/moderation-loop.md).
//
//   import { attachReport } from "redflag/report";  // or "./redflag-report.js"
//   attachReport(document.querySelector("#report-slot"), {
//     listing: "ad-123",                     // the listing's id, and/or
//     url: location.href,                    // its URL
//     ad: { section: "jobs",                 // the ad as shown: strings,
//           title: document.querySelector("h1"),  // elements (their text),
//           body: "#ad-body" },              // selectors, or a function
//     endpoint: "/__redflag/report",         // the edge's report route
//     lang: "es",                            // default: <html lang>, else English
//   });
//
// Accessibility: the control is a real <button> with aria-expanded that
// discloses a panel below it (nothing is overlaid, so nothing traps focus);
// the reasons are a fieldset of labelled radio buttons, the comment a
// labelled textarea with its limit as a description. Opening moves focus to
// the reasons; Escape or Cancel closes and returns focus to the button; the
// outcome is said in a status live region, which takes focus after a report
// is sent (the button is then disabled: one report per page view).
//
// Nothing the reader types is ever put into the page as HTML: every string
// is set with textContent, and the comment is sent as a JSON string.
// No inline styles or scripts, so it runs under a strict
// Content-Security-Policy; style it with the redflag-report-* classes.

import { reportStrings, reportReasons, resolveReportLang } from "./messages.js";

/** Longest comment, in characters (the edge refuses longer ones). */
export const MAX_COMMENT = 1000;

/** The edge's default report route. */
export const DEFAULT_ENDPOINT = "/__redflag/report";

let instances = 0;

/**
 * Adds the report control to a container next to an ad.
 *
 * @param {HTMLElement} container where the button and its panel go (appended)
 * @param {import("./redflag-report.js").ReportOptions} options see redflag-report.d.ts
 * @returns {import("./redflag-report.js").ReportController} `open()`, `close()`,
 *   `button` (the control's button) and `detach()` (removes everything)
 */
export function attachReport(container, options = {}) {
  if (!(container instanceof HTMLElement)) throw new TypeError("attachReport: expected an element to put the control in");
  const listing = options.listing == null ? "" : String(options.listing);
  const pageUrl = options.url == null ? "" : String(options.url);
  if (!listing && !pageUrl) throw new TypeError("attachReport: give options.listing (the listing's id) or options.url");
  if (options.ad == null) throw new TypeError("attachReport: give options.ad (the ad's text as shown: { section, title, body } or a function)");
  const endpoint = safeHref(options.endpoint ?? DEFAULT_ENDPOINT);
  if (!endpoint) throw new TypeError("attachReport: options.endpoint must be an http(s) URL or a path");
  const lang = resolveReportLang(options.lang ?? document.documentElement.lang);
  const base = reportStrings[lang];
  const t = { ...base, ...(options.strings ?? {}), reasons: { ...base.reasons, ...(options.strings?.reasons ?? {}) } };
  const id = `redflag-report-${++instances}`;

  const root = el("div", "redflag-report");
  root.lang = lang;
  const button = el("button", "redflag-report-button");
  button.type = "button";
  button.textContent = t.button;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", `${id}-panel`);

  const panel = el("div", "redflag-report-panel");
  panel.id = `${id}-panel`;
  panel.hidden = true;
  const form = el("form", "redflag-report-form");
  form.noValidate = true;
  form.setAttribute("aria-label", t.button);

  const fieldset = el("fieldset", "redflag-report-reasons");
  const legend = el("legend");
  legend.textContent = t.question;
  fieldset.append(legend);
  const radios = reportReasons.map((reason, i) => {
    const row = el("div", "redflag-report-reason");
    const input = el("input");
    input.type = "radio";
    input.name = `${id}-reason`;
    input.id = `${id}-reason-${i}`;
    input.value = reason;
    const label = el("label");
    label.htmlFor = input.id;
    label.textContent = t.reasons[reason];
    row.append(input, label);
    fieldset.append(row);
    return input;
  });
  const reasonError = el("p", "redflag-report-error");
  reasonError.id = `${id}-reason-error`;
  reasonError.hidden = true;
  reasonError.textContent = t.chooseReason;

  const commentLabel = el("label", "redflag-report-comment-label");
  commentLabel.htmlFor = `${id}-comment`;
  commentLabel.textContent = t.comment;
  const comment = el("textarea", "redflag-report-comment");
  comment.id = `${id}-comment`;
  comment.rows = 3;
  comment.maxLength = MAX_COMMENT;
  const hint = el("p", "redflag-report-hint");
  hint.id = `${id}-comment-hint`;
  hint.textContent = t.commentHint.replace("{max}", String(MAX_COMMENT));
  comment.setAttribute("aria-describedby", hint.id);
  const emergency = el("p", "redflag-report-emergency");
  emergency.textContent = t.emergency;

  const actions = el("div", "redflag-report-actions");
  const send = el("button", "redflag-report-send");
  send.type = "submit";
  send.textContent = t.send;
  const cancel = el("button", "redflag-report-cancel");
  cancel.type = "button";
  cancel.textContent = t.cancel;
  actions.append(send, cancel);
  form.append(fieldset, reasonError, commentLabel, comment, hint, emergency, actions);
  panel.append(form);

  // Outside the panel, so what it says outlives the panel.
  const status = el("p", "redflag-report-status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.tabIndex = -1;

  root.append(button, panel, status);
  container.append(root);

  let sending = false;
  let done = false;

  function open() {
    if (done || !panel.hidden) return;
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    (radios.find((r) => r.checked) ?? radios[0]).focus();
  }

  function close({ focusButton = true } = {}) {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (focusButton && !done) button.focus();
  }

  function say(text, kind) {
    status.textContent = text;
    status.dataset.state = kind;
  }

  function adText() {
    const raw = typeof options.ad === "function" ? options.ad() : options.ad;
    const read = (v) => {
      if (v == null) return "";
      if (v instanceof Element) return v.textContent.trim();
      const s = String(v);
      // A selector only when it names an element on the page; else the text itself.
      if (/^[#.][\w-]+$/.test(s)) {
        const found = document.querySelector(s);
        if (found) return found.textContent.trim();
      }
      return s;
    };
    const ad = { title: read(raw?.title), body: read(raw?.body) };
    const section = read(raw?.section);
    if (section) ad.section = section.toLowerCase();
    return ad;
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (sending || done) return;
    const chosen = radios.find((r) => r.checked);
    if (!chosen) {
      reasonError.hidden = false;
      fieldset.setAttribute("aria-invalid", "true");
      fieldset.setAttribute("aria-describedby", reasonError.id);
      say(t.chooseReason, "invalid");
      radios[0].focus();
      return;
    }
    reasonError.hidden = true;
    fieldset.removeAttribute("aria-invalid");
    fieldset.removeAttribute("aria-describedby");
    const text = comment.value.trim();
    if ([...text].length > MAX_COMMENT) {
      say(t.tooLong, "invalid");
      comment.focus();
      return;
    }
    const report = { reason: chosen.value, ad: adText() };
    if (listing) report.listing = listing;
    if (pageUrl) report.url = new URL(pageUrl, document.baseURI).href;
    if (text) report.comment = text;
    sending = true;
    send.setAttribute("aria-disabled", "true");
    form.setAttribute("aria-busy", "true");
    say(t.sending, "sending");
    let res = null;
    let answer = null;
    try {
      res = await fetch(endpoint, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(report), credentials: "same-origin" });
      answer = await res.json().catch(() => null);
    } catch {
      res = null;
    } finally {
      sending = false;
      send.removeAttribute("aria-disabled");
      form.removeAttribute("aria-busy");
    }
    if (res && res.ok && answer?.ok) {
      done = true;
      close({ focusButton: false });
      button.textContent = t.reported;
      button.disabled = true;
      say(t.sent.replace("{ref}", String(answer.reference ?? "")), "sent");
      status.focus();
      container.dispatchEvent(new CustomEvent("redflag:report", { bubbles: true, detail: { reference: answer.reference ?? null, reason: report.reason } }));
      return;
    }
    if (res && res.status === 400) console.warn("redflag report refused:", answer?.message ?? res.status);
    say(res?.status === 429 ? t.tooMany : res?.status === 413 ? t.tooLong : t.failed, "error");
  }

  const onButton = () => (panel.hidden ? open() : close());
  const onKey = (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.stopPropagation();
      close();
    }
  };
  const onCancel = () => close();
  button.addEventListener("click", onButton);
  panel.addEventListener("keydown", onKey);
  cancel.addEventListener("click", onCancel);
  form.addEventListener("submit", onSubmit);

  return {
    button,
    open,
    close: () => close(),
    detach() {
      button.removeEventListener("click", onButton);
      panel.removeEventListener("keydown", onKey);
      cancel.removeEventListener("click", onCancel);
      form.removeEventListener("submit", onSubmit);
      root.remove();
    },
  };
}

function el(tag, className) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  return e;
}

/** Only http(s) URLs (relative ones resolve against the page). */
function safeHref(url) {
  try {
    const u = new URL(String(url), document.baseURI);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}
