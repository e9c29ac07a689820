#!/usr/bin/env python3
"""Detection floors: fail CI when the built-in packs fall below them.

Measured with the release CLI on
  - the shared labelled development ads (../shared/eval: positives at or above
    `min_tier`, honest ads at or below `max_tier`), with and without `section`;
  - the shared real honest corpora (../shared/corpora);
  - our own synthetic sets in rules/eval (holdout2.jsonl was written by a
    helper whose ads nobody tuning the packs read).
The floors sit just under the figures reached (rules/README.md#evaluation).
"""
import glob, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
BIN = os.path.join(ROOT, "target", "release", "redflag")
ORDER = {"allow": 0, "warn": 1, "review": 2, "block": 3}
failures = []

def scan(ads, drop_section=False):
    lines = []
    for i, a in enumerate(ads):
        sub = {k: v for k, v in a.items() if k in ("section", "title", "body")}
        if drop_section:
            sub.pop("section", None)
        sub["id"] = i
        lines.append(json.dumps(sub))
    out = subprocess.run([BIN, "scan"], input="\n".join(lines), capture_output=True, text=True)
    res = {}
    for line in out.stdout.splitlines():
        v = json.loads(line)
        if "verdict" in v:
            res[v["id"]] = v["verdict"]
    return [res.get(i, "error") for i in range(len(ads))]

def labelled(paths, drop_section=False):
    ads = [json.loads(l) for p in paths for l in open(p, encoding="utf-8") if l.strip()]
    got = scan(ads, drop_section)
    flag_ok = flag_n = clean_bad = clean_n = clean_blocked = 0
    for a, v in zip(ads, got):
        if a["label"] == "flag":
            flag_n += 1
            flag_ok += ORDER.get(v, -1) >= ORDER[a.get("min_tier", "warn")]
        else:
            clean_n += 1
            clean_bad += ORDER.get(v, 9) > ORDER[a.get("max_tier", "allow")]
            clean_blocked += v == "block"
    return flag_ok / max(flag_n, 1), clean_bad / max(clean_n, 1), clean_blocked, flag_n, clean_n

def floor(name, value, op, limit):
    ok = value >= limit if op == ">=" else value <= limit
    print(f"  {'ok  ' if ok else 'FAIL'} {name}: {value:.4f} (floor {op} {limit})")
    if not ok:
        failures.append(name)

dev = sorted(glob.glob(os.path.join(SHARED, "eval", "*.jsonl")))
if dev:
    r, fp, blocked, n, m = labelled(dev)
    print(f"shared/eval: {n} flagged, {m} honest")
    floor("recall at min_tier", r, ">=", 0.88)
    floor("honest ads above max_tier", fp, "<=", 0.03)
    floor("honest ads blocked", blocked, "<=", 0)
    r2, _, _, _, _ = labelled(dev, drop_section=True)
    floor("recall at min_tier with no section", r2, ">=", 0.66)
else:
    print("shared/eval not found next to the repository: development-set floors skipped")

corpora = sorted(glob.glob(os.path.join(SHARED, "corpora", "*.jsonl")))
if corpora:
    ads = [json.loads(l) for p in corpora for l in open(p, encoding="utf-8") if l.strip()]
    got = scan(ads)
    n = len(ads)
    print(f"shared/corpora: {n} real honest ads")
    floor("corpora review or block", sum(v in ("review", "block") for v in got) / n, "<=", 0.003)
    floor("corpora warn", sum(v == "warn" for v in got) / n, "<=", 0.02)
    floor("corpora block", sum(v == "block" for v in got), "<=", 0)
else:
    print("shared/corpora not found next to the repository: false-positive floors skipped")

for name, path, rmin, fpmax in [
    ("rules/eval/holdout2.jsonl (unread)", os.path.join(ROOT, "rules", "eval", "holdout2.jsonl"), 0.63, 0.08),
    ("rules/eval/holdout.jsonl", os.path.join(ROOT, "rules", "eval", "holdout.jsonl"), 0.72, 0.03),
]:
    r, fp, blocked, n, m = labelled([path])
    print(f"{name}: {n} flagged, {m} honest")
    floor(f"{name} recall", r, ">=", rmin)
    floor(f"{name} honest above max", fp, "<=", fpmax)
    floor(f"{name} honest blocked", blocked, "<=", 0)

if failures:
    print(f"{len(failures)} detection floor(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("detection floors: all met")
