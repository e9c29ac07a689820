// Rule authors' playground: edit a pack, see validation errors with their
// paths as you type (the engine's, and beside them those of the package's
// JSON Schema, which editors use), screen an ad and see each hit highlighted
// with the reviewer explanation and the score table.
import * as redflag from "/redflag/index.js";
import { loadEngine } from "/shared/load-engine.js";
import { checkSchema } from "/schema-check.js";

const example = {
  schema: 2,
  pack: { id: "playground", version: "0.1.0", thresholds: { warn: 2, review: 5, block: 9 } },
  rule: [
    {
      id: "play.fee",
      title: "Applicant pays a fee",
      category: "recruitment-fee",
      score: 3,
      sections: ["jobs"],
      match: { near: { a: ["pay", "fee", "deposit"], b: ["registration", "placement", "visa"], within: 3 } },
      exceptions: ["no fee", "never charge"],
      explain: { poster: "Job ads may not charge applicants.", reviewer: "Worker-paid fee (ILO employer-pays principle)." },
    },
    {
      id: "play.hidden-phone",
      title: "Phone number written to escape filters",
      category: "contact-obfuscation",
      score: 2,
      match: { entity: { kind: "phone", obfuscated: true } },
      explain: { reviewer: "Obscured contact number (JRSA/NIJ indicator)." },
    },
  ],
};

const $ = (id) => document.getElementById(id);
const packEl = $("pack");
const adEl = $("ad");
packEl.value = JSON.stringify(example, null, 2);
adEl.value = "Hotel jobs abroad 🌴 Pay the régistration fee first. Call five five five oh one four seven.";

let engine = null;
let timer = 0;

// The schema the package publishes (`redflag/pack.schema.json`).
const schema = await fetch("/redflag/pack.schema.json")
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
  .catch((e) => {
    $("schema-status").textContent = `The schema could not be loaded (${e.message}).`;
    return null;
  });

function listErrors(list, errors) {
  list.replaceChildren();
  for (const e of errors) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = e.path || "(pack)";
    li.append(code, ` ${e.message}`);
    list.append(li);
  }
}

const problems = (n) => `${n} problem${n > 1 ? "s" : ""}`;

function showErrors(errors) {
  listErrors($("pack-errors"), errors);
  $("pack-status").textContent = errors.length ? problems(errors.length) : "Pack is valid.";
  $("pack-status").className = errors.length ? "bad" : "good";
}

/** Checks the pack text against the schema; JSON syntax errors are the engine's to report. */
function showSchemaErrors(text) {
  if (!schema) return;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    listErrors($("schema-errors"), []);
    $("schema-status").textContent = "Not JSON: see above.";
    $("schema-status").className = "bad";
    return;
  }
  const errors = Array.isArray(value) ? value.flatMap((p, i) => checkSchema(schema, p, `[${i}]`)) : checkSchema(schema, value);
  listErrors($("schema-errors"), errors);
  $("schema-status").textContent = errors.length ? problems(errors.length) : "Matches the schema.";
  $("schema-status").className = errors.length ? "bad" : "good";
}

function rebuild() {
  const text = packEl.value;
  // No fallback: a pack that does not load leaves nothing to screen with until it is fixed.
  const { engine: next, problems } = loadEngine(redflag, text, { defaultPacks: $("with-defaults").checked });
  showErrors(problems);
  showSchemaErrors(text);
  engine?.free();
  engine = next;
  screen();
}

function screen() {
  const tbody = $("scores").querySelector("tbody");
  tbody.replaceChildren();
  $("reviewer").replaceChildren();
  $("entities").replaceChildren();
  const out = $("highlighted");
  out.replaceChildren();
  if (!engine) {
    $("verdict").textContent = "Fix the pack to screen the ad.";
    return;
  }
  const text = adEl.value;
  let v;
  try {
    v = engine.screen({ section: $("ad-section").value, body: text }, { entities: true, rawValues: true });
  } catch (e) {
    $("verdict").textContent = e.message;
    return;
  }
  $("verdict").textContent = `Verdict: ${v.verdict} · score ${v.score} (warn ${v.thresholds.warn}, review ${v.thresholds.review}, block ${v.thresholds.block})${v.evasion ? " · evasion" : ""}`;
  $("verdict").dataset.tier = v.verdict;
  const notes = new Map();
  for (const r of v.rules) {
    const tr = document.createElement("tr");
    for (const c of [r.score, r.id, r.category, r.max_tier]) {
      const td = document.createElement("td");
      td.textContent = String(c);
      tr.append(td);
    }
    tbody.append(tr);
  }
  for (const m of v.reviewer_messages) {
    const li = document.createElement("li");
    li.textContent = m;
    $("reviewer").append(li);
  }
  const rules = new Map(v.rules.map((r) => [r.id, r]));
  const hits = v.hits.filter((h) => h.field === "body").sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  for (const h of hits) {
    if (h.start < at) continue;
    out.append(text.slice(at, h.start));
    const mark = document.createElement("mark");
    mark.textContent = text.slice(h.start, h.end);
    mark.dataset.rule = h.rule;
    mark.title = `${h.rule} (+${h.score})${h.steps.length ? ` · seen through: ${h.steps.join(", ")}` : ""} — ${rules.get(h.rule)?.title ?? ""}`;
    out.append(mark);
    at = h.end;
  }
  out.append(text.slice(at));
  for (const e of v.entities ?? []) {
    const li = document.createElement("li");
    li.textContent = `${e.kind}: ${e.value ?? ""} (${e.written.join(", ")})`;
    $("entities").append(li);
  }
  notes.clear();
}

function later(fn) {
  clearTimeout(timer);
  timer = setTimeout(fn, 200);
}

packEl.addEventListener("input", () => later(rebuild));
$("with-defaults").addEventListener("change", rebuild);
adEl.addEventListener("input", () => later(screen));
$("ad-section").addEventListener("change", screen);
rebuild();
document.documentElement.dataset.redflagReady = "true";
