// A JSON Schema (draft 2020-12) checker for redflag's pack schema, for the
// playground. The page's Content-Security-Policy forbids `eval`, which rules
// out validators that compile schemas to code (Ajv), so this one walks the
// schema. It implements the keywords `pack.schema.json` uses (`KEYWORDS`;
// the tests check that the schema uses no other, and that it agrees with
// Ajv), and reports paths in the engine's notation (`rule[0].match.near.within`)
// so that its problems line up with `validatePacks`.

/** Keywords that only annotate. */
const ANNOTATIONS = ["$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"];

/** Keywords this checker applies. */
export const KEYWORDS = [
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "minProperties",
  "maxProperties",
  "dependentSchemas",
  "items",
  "minItems",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "pattern",
  "if",
  "then",
  "else",
];

/** Every keyword the checker understands, applied or annotation. */
export const KNOWN_KEYWORDS = [...KEYWORDS, ...ANNOTATIONS];

const quote = (v) => "`" + (typeof v === "string" ? v : JSON.stringify(v)) + "`";

function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function found(v) {
  const t = typeOf(v);
  if (t === "string") return v.length <= 40 ? JSON.stringify(v) : "a string";
  if (t === "array") return "an array";
  if (t === "object") return "a table";
  if (t === "null") return "null";
  return quote(v);
}

const article = { integer: "an integer", number: "a number", string: "a string", boolean: "`true` or `false`", array: "an array", object: "a table", null: "null" };

function hasType(v, type) {
  const t = typeOf(v);
  return t === type || (type === "number" && t === "integer");
}

const child = (path, key) => (path ? `${path}.${key}` : key);

/** A problem found by a conditional schema, with that schema's reason. */
const explained = (e, s) => (s.description ? { path: e.path, message: `${e.message}: ${s.description}` } : e);

/**
 * Checks `value` against `schema` (a parsed JSON Schema whose `$ref`s point
 * into the same document). Returns every problem as `{ path, message }`,
 * an empty array when the value is valid.
 * @param {object} schema
 * @param {unknown} value
 * @param {string} [path] the value's path, prefixed to every problem's path
 * @param {object} [start] the part of `schema` to check against (default: all of it)
 * @returns {{ path: string, message: string }[]}
 */
export function checkSchema(schema, value, path = "", start = schema) {
  const errors = [];
  const patterns = new Map();
  const regex = (p) => {
    if (!patterns.has(p)) patterns.set(p, new RegExp(p, "u"));
    return patterns.get(p);
  };
  const resolve = (ref) => {
    if (!ref.startsWith("#")) throw new Error(`only local $ref are supported: ${ref}`);
    let node = schema;
    for (const part of ref.slice(1).split("/").filter(Boolean)) {
      node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
    return node;
  };

  function walk(s, v, p) {
    if (s === true) return;
    if (s === false) {
      errors.push({ path: p, message: "not allowed here" });
      return;
    }
    if (s.$ref) walk(resolve(s.$ref), v, p);
    if (s.if !== undefined) {
      const branch = checkSchema(schema, v, p, s.if).length === 0 ? s.then : s.else;
      if (branch !== undefined) {
        for (const e of checkSchema(schema, v, p, branch)) errors.push(explained(e, branch));
      }
    }
    if (s.type !== undefined) {
      const types = [].concat(s.type);
      if (!types.some((t) => hasType(v, t))) {
        errors.push({ path: p, message: `expected ${types.map((t) => article[t]).join(" or ")}, found ${found(v)}` });
        return;
      }
    }
    if (s.enum && !s.enum.some((e) => e === v)) {
      errors.push({ path: p, message: `${found(v)} is not one of ${s.enum.map(quote).join(", ")}` });
    }
    if ("const" in s && s.const !== v) errors.push({ path: p, message: `must be ${quote(s.const)}` });
    if (typeof v === "number") {
      if (s.minimum !== undefined && v < s.minimum) errors.push({ path: p, message: `must be at least ${s.minimum}` });
      if (s.maximum !== undefined && v > s.maximum) errors.push({ path: p, message: `must be at most ${s.maximum}` });
      if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) {
        errors.push({ path: p, message: `must be greater than ${s.exclusiveMinimum}` });
      }
    }
    if (typeof v === "string" && s.pattern !== undefined && !regex(s.pattern).test(v)) {
      errors.push({ path: p, message: s.description ? `${found(v)}: ${s.description}` : `${found(v)} does not match /${s.pattern}/` });
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) {
        errors.push({ path: p, message: `needs at least ${s.minItems} item${s.minItems === 1 ? "" : "s"}` });
      }
      if (s.items !== undefined) v.forEach((item, i) => walk(s.items, item, `${p}[${i}]`));
    }
    if (typeOf(v) === "object") {
      const keys = Object.keys(v);
      for (const k of s.required ?? []) {
        if (!(k in v)) errors.push({ path: p, message: `missing field ${quote(k)}` });
      }
      if (s.minProperties !== undefined && keys.length < s.minProperties) {
        errors.push({ path: p, message: `needs at least ${s.minProperties} key${s.minProperties === 1 ? "" : "s"}` });
      }
      if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
        const why = s.description ? `: ${s.description}` : `; at most ${s.maxProperties} allowed`;
        errors.push({ path: p, message: `has ${keys.length} keys (${keys.map(quote).join(", ")})${why}` });
      }
      for (const k of keys) {
        if (s.propertyNames !== undefined) walk(s.propertyNames, k, child(p, k));
        if (s.properties && k in s.properties) {
          walk(s.properties[k], v[k], child(p, k));
        } else if (s.additionalProperties === false) {
          const known = Object.keys(s.properties ?? {});
          errors.push({ path: child(p, k), message: `unknown field ${quote(k)}, expected one of ${known.map(quote).join(", ")}` });
        } else if (s.additionalProperties !== undefined) {
          walk(s.additionalProperties, v[k], child(p, k));
        }
      }
      // A dependent schema's problems are reported at the key that brings
      // it in (as the engine does: `rule[1].offer` for an offer rule that
      // is not a helper).
      for (const [k, dep] of Object.entries(s.dependentSchemas ?? {})) {
        if (!(k in v)) continue;
        for (const e of checkSchema(schema, v, p, dep)) {
          const missing = e.path === p && /^missing field (`[^`]+`)$/.exec(e.message);
          if (missing) errors.push(explained({ path: child(p, k), message: `with ${quote(k)}, ${missing[1]} is required` }, dep));
          else errors.push(explained(e, dep));
        }
      }
    }
  }

  walk(start, value, path);
  return errors;
}
