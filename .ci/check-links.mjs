#!/usr/bin/env node
// Checks that every relative link and every `#anchor` in the project's
// Markdown resolves: the file or folder exists, and an anchor names a heading
// of the target file (GitHub's heading slugs) or an explicit `id`/`name`.
// Links with a scheme (https:, mailto:, chrome:) are not fetched: CI has no
// internet. Exits 1 and lists each broken link as `file:line → target`.
//
//   node .ci/check-links.mjs            the project's documents (below)
//   node .ci/check-links.mjs FILE.md…   only these
//
// No dependencies: node:fs and node:path only (Node 18 and later).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every `.md` file under `dir` (relative to the root), sorted. */
function markdownUnder(dir) {
  const out = [];
  const walk = (d) => {
    if (!existsSync(join(root, d))) return;
    for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".md")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The documents checked when no file is named. */
function defaultFiles() {
  const listed = [
    "README.md",
    "CHANGELOG.md",
    "rules/README.md",
    "rules/eval/README.md",
    "pkg-config/README.md",
    "examples/bundlers/README.md",
  ];
  const benches = readdirSync(join(root, "benches"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => join("benches", f));
  return [...listed, ...markdownUnder("docs"), ...benches];
}

/**
 * The lines of a Markdown text with fenced code blocks blanked (so that
 * neither headings nor links inside them count) and inline code spans
 * replaced by spaces of the same length.
 * @param {string} text
 * @returns {{ prose: string[], raw: string[] }} `raw[i]` is "" inside fences too
 */
function proseLines(text) {
  const lines = text.split(/\r?\n/);
  const raw = [];
  const prose = [];
  let fence = null; // the opening fence's character and length
  for (const line of lines) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && /^\s*[`~]+\s*$/.test(line)) fence = null;
      raw.push("");
      prose.push("");
      continue;
    }
    if (m) {
      fence = m[1];
      raw.push("");
      prose.push("");
      continue;
    }
    raw.push(line);
    prose.push(line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (s) => " ".repeat(s.length)));
  }
  return { prose, raw };
}

/**
 * The plain text GitHub renders for a heading's source (links and images
 * reduced to their text, code spans to their content, emphasis and HTML tags
 * dropped).
 * @param {string} src
 */
function headingText(src) {
  const parts = src.split(/(`+[^`]*`+)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part.replace(/^`+|`+$/g, "");
      return part
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/[*~]/g, "")
        .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, "");
    })
    .join("");
}

/**
 * GitHub's heading slug (github-slugger): lowercase, every character that is
 * not a letter, mark, number, `_`, `-` or space removed, spaces turned into
 * hyphens; a repeated slug gets `-1`, `-2`, … in document order.
 * @param {string} text
 * @param {Map<string, number>} seen
 */
function slug(text, seen) {
  const base = text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
  let s = base;
  if (seen.has(base)) {
    let n = seen.get(base);
    do s = `${base}-${++n}`;
    while (seen.has(s));
    seen.set(base, n);
  }
  seen.set(s, 0);
  return s;
}

const anchorCache = new Map();

/** The anchors a Markdown file defines: heading slugs and explicit ids. */
function anchorsOf(file) {
  if (anchorCache.has(file)) return anchorCache.get(file);
  const { raw } = proseLines(readFileSync(file, "utf8"));
  const seen = new Map();
  const anchors = new Set();
  raw.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}(?:\s+(.*?))?\s*$/.exec(line);
    if (atx) {
      const text = (atx[1] ?? "").replace(/\s+#+\s*$/, "");
      anchors.add(slug(headingText(text), seen));
    } else if (i > 0 && /^ {0,3}(=+|-+)\s*$/.test(line) && /\S/.test(raw[i - 1]) && !/^\s*([-*+]|\d+[.)]|>|\|)\s/.test(raw[i - 1]) && !/^ {0,3}#/.test(raw[i - 1])) {
      anchors.add(slug(headingText(raw[i - 1].trim()), seen));
    }
    for (const m of line.matchAll(/<[a-z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(m[1]);
  });
  anchorCache.set(file, anchors);
  return anchors;
}

/** The link targets on one line of prose: inline links, images, reference definitions, href/src. */
function targetsOn(line) {
  const out = [];
  const inline = /\]\(\s*(<[^>]*>|(?:[^\s()]|\([^\s()]*\))+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (const m of line.matchAll(inline)) out.push(m[1].replace(/^<|>$/g, ""));
  const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
  if (def) out.push(def[1].replace(/^<|>$/g, ""));
  for (const m of line.matchAll(/\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)) out.push(m[1]);
  return out;
}

/**
 * Why `target`, linked from `file`, does not resolve, or null when it does.
 * @param {string} file absolute path of the linking document
 * @param {string} target the link as written
 */
function problem(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return null; // has a scheme
  if (target.startsWith("/")) return "absolute path (write it relative to the document)";
  const hash = target.indexOf("#");
  const rawPath = hash < 0 ? target : target.slice(0, hash);
  const rawFragment = hash < 0 ? null : target.slice(hash + 1);
  let path;
  let fragment;
  try {
    path = decodeURIComponent(rawPath.replace(/\?.*$/, ""));
    fragment = rawFragment === null ? null : decodeURIComponent(rawFragment);
  } catch {
    return "bad percent-encoding";
  }
  const dest = path === "" ? file : resolve(dirname(file), path);
  if (dest !== root && !dest.startsWith(root + sep)) return "outside the repository";
  if (!existsSync(dest)) return "no such file or folder";
  if (fragment === null) return null;
  if (statSync(dest).isDirectory()) return "an anchor on a folder";
  if (!dest.endsWith(".md")) return null; // line anchors (#L10) of source files are GitHub's
  if (fragment === "") return "empty anchor";
  if (!anchorsOf(dest).has(fragment)) return `no heading with anchor #${fragment} in ${relative(root, dest)}`;
  return null;
}

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => relative(root, resolve(f))) : defaultFiles();
const broken = [];
let checked = 0;
for (const rel of files) {
  const file = join(root, rel);
  if (!existsSync(file)) {
    broken.push(`${rel}: the document itself is missing`);
    continue;
  }
  const { prose } = proseLines(readFileSync(file, "utf8"));
  prose.forEach((line, i) => {
    for (const target of targetsOn(line)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("//")) checked++;
      const why = problem(file, target);
      if (why) broken.push(`${rel}:${i + 1} → ${target} (${why})`);
    }
  });
}

if (broken.length) {
  console.error(`${broken.length} broken link(s):`);
  for (const b of broken) console.error(`  ${b}`);
  process.exit(1);
}
console.log(`${checked} relative and anchor links in ${files.length} documents: all resolve`);
