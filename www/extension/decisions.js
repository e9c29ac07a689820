// What a reviewer decision is as labelled data: the label each decision
// exports as, and the labelled JSON Lines record of one decision (what
// `redflag eval` and `redflag calibrate` read). No imports and no browser
// API, so that the tests compute the same lines in Node
// (www/test/extension-decisions.test.mjs). The service worker seals each
// line to the trust-and-safety team's key when the decision is made
// (background.js); the line is never stored in the clear.

/** The label each decision exports as (what `redflag eval`/`calibrate` read). */
export const DECISION_LABELS = { confirm: "flag", escalate: "flag", dismiss: "clean" };

// Members of a labelled line that are not the ad's fields.
const LINE_MEMBERS = new Set(["id", "label", "group", "section", "min_tier", "max_tier", "review"]);

/**
 * A value with every object's members in sorted order (arrays kept as
 * they are): what chrome.storage gives back of what it stored. Earlier
 * builds stored each decision in the clear and exported the lines of the
 * records read back from storage, so a decision's line is made from this
 * form: the lines are byte for byte the ones those builds exported (the ad's
 * fields by name, `body` before `title`; `verdict` as rules, score, tier).
 */
export function storedForm(v) {
  if (Array.isArray(v)) return v.map(storedForm);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, storedForm(v[k])]));
  return v;
}

/**
 * One decision as a labelled JSON Lines record (without its line break):
 * the ad as `redflag eval` reads it (`id`, `section`, its fields as
 * strings), `label` from the decision, `group` the decision itself (eval's
 * per-group table then counts each kind), and what the reviewer saw under
 * `review`, an object, so that nothing of it is screened as a field (every
 * string member of a line is one).
 *
 * `r`: { key, decision, decided_at, listing_id, section, fields: {name: text},
 * verdict: { tier, score, rules }, packs: [{ id, version }], tool: { name, version } },
 * in its `storedForm`.
 */
export function decisionLine(r) {
  const line = { id: r.key, label: DECISION_LABELS[r.decision], group: r.decision };
  if (r.section != null) line.section = r.section;
  for (const [name, text] of Object.entries(r.fields)) if (!LINE_MEMBERS.has(name)) line[name] = text;
  line.review = { decision: r.decision, decided_at: r.decided_at, listing_id: r.listing_id, verdict: r.verdict, packs: r.packs, tool: r.tool };
  return JSON.stringify(line);
}
