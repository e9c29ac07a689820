// False-positive run: screen real benign ads and count what reaches each tier,
// per corpus and per rule (the OWASP CRS way of measuring rules on benign text).
//
//   cargo build --release && node rules/fp-run.mjs ../shared/corpora
//
// Takes a folder of JSON Lines corpora ({id, section, title, body, ...}); the
// corpora stay outside the project. Records labelled `"fraudulent": 1` are
// skipped (EMSCAD marks its scam ads so). Exit code 1 if any benign ad
// reaches `block` or more than 1 % reach `review`.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = process.argv[2];
if (!dir) {
  console.error("usage: node rules/fp-run.mjs CORPORA_DIR [redflag scan options...]");
  process.exit(2);
}
const bin = join(root, "target/release/redflag");
const tiers = ["allow", "warn", "review", "block"];
const total = { n: 0, allow: 0, warn: 0, review: 0, block: 0 };
const perRule = new Map();
let failed = false;
console.log(`| corpus | ads | warn | review | block |\n|---|---|---|---|---|`);
for (const file of readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()) {
  const benign = readFileSync(join(dir, file), "utf8").split("\n").filter((l) => l.trim() && JSON.parse(l).fraudulent !== 1);
  const out = execFileSync(bin, ["scan", ...process.argv.slice(3)], { input: benign.join("\n"), encoding: "utf8", maxBuffer: 1 << 30 });
  const counts = { n: 0, allow: 0, warn: 0, review: 0, block: 0 };
  for (const line of out.trim().split("\n")) {
    const v = JSON.parse(line);
    if (v.error) throw new Error(`${file}: line ${v.line}: ${v.error}`);
    counts.n++;
    counts[v.verdict]++;
    for (const r of v.rules) {
      const k = perRule.get(r.id) ?? { allow: 0, warn: 0, review: 0, block: 0 };
      k[v.verdict]++;
      perRule.set(r.id, k);
    }
  }
  for (const t of ["n", ...tiers]) total[t] += counts[t];
  console.log(`| ${file} | ${counts.n} | ${counts.warn} | ${counts.review} | ${counts.block} |`);
}
const pct = (x) => ((100 * x) / total.n).toFixed(2) + " %";
console.log(`| **all** | ${total.n} | ${total.warn} (${pct(total.warn)}) | ${total.review} (${pct(total.review)}) | ${total.block} (${pct(total.block)}) |`);
console.log(`\nRules that fired on benign ads (ads per verdict the ad got):\n\n| rule | allow | warn | review | block |\n|---|---|---|---|---|`);
for (const [id, k] of [...perRule].sort((a, b) => b[1].warn + b[1].review + b[1].block - (a[1].warn + a[1].review + a[1].block))) {
  console.log(`| ${id} | ${k.allow} | ${k.warn} | ${k.review} | ${k.block} |`);
}
if (total.block > 0 || total.review + total.block > total.n / 100) failed = true;
process.exit(failed ? 1 : 0);
