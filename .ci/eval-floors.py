#!/usr/bin/env python3
"""Detection floors: fail CI when the built-in packs fall below them.

Measured with the release CLI on
  - the shared labelled development ads (../shared/eval: positives at or above
    `min_tier`, honest ads at or below `max_tier`), with and without `section`;
  - the shared real honest corpora (../shared/corpora);
  - our own synthetic sets in rules/eval, each written by a helper (see
    rules/eval/README.md for which were read and how: the even lines of
    holdout4.jsonl were never read by anyone tuning the packs; rules/eval/langs
    holds 11 source-country languages, whose odd lines were read (as rule ids,
    and for ar, hi, uk, pl, vi and th as text) and whose even lines' text was
    never read: only the rule ids, groups and scores of their misses);
    rules/eval/langs3, by a third author, likewise: odd lines read, even
    lines unread (totals only); rules/eval/langs4 (a fourth author,
    disguised wording) and rules/eval/holdout5.jsonl (en, es, fr, pt) the
    same way; rules/eval/langs5, langs7 and langs8 (development sets of
    2026-12-04, read), rules/eval/langs6 (550 ads by three more authors,
    unread until the last round of 2026-12-04, then read) and
    rules/eval/langs9 (550 ads by four more authors, never read: totals,
    per-language counts and the ids of rules that fired, never the text) and
    rules/eval/langs10 (550 ads by four more authors, never read: totals and
    per-language counts only); rules/eval/holdout6.jsonl (320 ads in en, es,
    fr and pt by three more authors: even lines never read, totals only; of
    the odd lines the labels, sections, tiers and rule ids of the failures,
    no text); rules/eval/langs11 (six languages: odd lines read, even lines
    unread); rules/eval/evasion/pairs.jsonl and pairs-langs.jsonl (each ad
    written plainly and disguised, en/es/fr/pt and the eleven source-country
    languages: development sets, read, which measure the normaliser's
    disguises against their own plain text).
The floors sit just under the figures reached (rules/README.md#evaluation).
"""
import glob, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
BIN = os.environ.get("REDFLAG_BIN") or os.path.join(ROOT, "target", "release", "redflag")
# REDFLAG_PACKS=DIR measures the packs of DIR instead of the built-in ones (a
# rule author's working copy, without a rebuild; with rules/model/ngram.bin and ngram-langs.bin); REDFLAG_SKIP_JUDGES=1 leaves
# out the sets kept as judges (every unread set or half, holdout3 and holdout6), so that whoever is changing the packs never
# sees their figures.
PACKS = os.environ.get("REDFLAG_PACKS")
SKIP_JUDGES = os.environ.get("REDFLAG_SKIP_JUDGES") == "1"
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
    # A working copy of the packs is measured with the built-in n-gram
    # model, as the built-in packs are.
    model = os.path.join(ROOT, "rules", "model", "ngram.bin")
    langs = os.path.join(ROOT, "rules", "model", "ngram-langs.bin")
    cmd = [BIN, "scan"] + (["--no-default-packs", "--pack", PACKS, "--model", model, "--languages-model", langs] if PACKS else [])
    out = subprocess.run(cmd, input="\n".join(lines), capture_output=True, text=True)
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
    floor("recall at min_tier", r, ">=", 0.97)
    floor("honest ads above max_tier", fp, "<=", 0.01)
    floor("honest ads blocked", blocked, "<=", 0)
    r2, _, _, _, _ = labelled(dev, drop_section=True)
    floor("recall at min_tier with no section", r2, ">=", 0.95)
else:
    print("shared/eval not found next to the repository: development-set floors skipped")

corpora = sorted(glob.glob(os.path.join(SHARED, "corpora", "*.jsonl")))
if corpora:
    ads = [json.loads(l) for p in corpora for l in open(p, encoding="utf-8") if l.strip()]
    got = scan(ads)
    n = len(ads)
    print(f"shared/corpora: {n} real honest ads")
    floor("corpora review or block", sum(v in ("review", "block") for v in got) / n, "<=", 0.003)
    floor("corpora warn", sum(v == "warn" for v in got) / n, "<=", 0.003)
    floor("corpora block", sum(v == "block" for v in got), "<=", 0)
else:
    print("shared/corpora not found next to the repository: false-positive floors skipped")

def lines_of(path, parity):
    """The even (0) or odd (1) lines of a set: half of holdout4 stays unread."""
    out = os.path.join(ROOT, "target", f"{os.path.basename(path)}.{parity}")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
        o.writelines([l for l in f if l.strip()][parity::2])
    return out

def lines_of_each(paths, parity, name="langs"):
    """The even or odd lines of each file of a set, as one file."""
    out = os.path.join(ROOT, "target", f"{name}.{parity}.jsonl")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as o:
        for path in paths:
            with open(path, encoding="utf-8") as f:
                o.writelines([l for l in f if l.strip()][parity::2])
    return out

EVAL = os.path.join(ROOT, "rules", "eval")
LANGS = sorted(glob.glob(os.path.join(EVAL, "langs", "*.jsonl")))
LANGS2 = sorted(glob.glob(os.path.join(EVAL, "langs2", "*.jsonl")))
LANGS3 = sorted(glob.glob(os.path.join(EVAL, "langs3", "*.jsonl")))
LANGS4 = sorted(glob.glob(os.path.join(EVAL, "langs4", "*.jsonl")))
LANGS5 = sorted(glob.glob(os.path.join(EVAL, "langs5", "*.jsonl")))
LANGS6 = sorted(glob.glob(os.path.join(EVAL, "langs6", "*.jsonl")))
LANGS7 = sorted(glob.glob(os.path.join(EVAL, "langs7", "*.jsonl")))
LANGS8 = sorted(glob.glob(os.path.join(EVAL, "langs8", "*.jsonl")))
LANGS9 = sorted(glob.glob(os.path.join(EVAL, "langs9", "*.jsonl")))
LANGS10 = sorted(glob.glob(os.path.join(EVAL, "langs10", "*.jsonl")))
LANGS11 = sorted(glob.glob(os.path.join(EVAL, "langs11", "*.jsonl")))
LANGS12 = sorted(glob.glob(os.path.join(EVAL, "langs12", "*.jsonl")))
for name, paths, rmin, fpmax, blocked_max in [
    # Since the model alone sends an ad it is sure of to review (2026-12-05,
    # night; model::ALONE_REVIEW), four unread sets have one or two honest
    # ads more over their maximum (holdout4 even 1 -> 2, holdout3 1 -> 3,
    # langs even 1 -> 2, langs3 even 2 -> 3; all at review, none blocked)
    # against about 90 positives more at their tier across the unread sets:
    # their honest floors were raised to what that trade left, and their
    # recall floors with it.
    ("holdout4 even lines (unread)", [lines_of(os.path.join(EVAL, "holdout4.jsonl"), 0)], 0.91, 0.05, 0),
    ("holdout4 odd lines", [lines_of(os.path.join(EVAL, "holdout4.jsonl"), 1)], 0.94, 0.03, 0),
    ("holdout3 (read as counts only)", [os.path.join(EVAL, "holdout3.jsonl")], 0.88, 0.034, 0),
    ("holdout2 (unread)", [os.path.join(EVAL, "holdout2.jsonl")], 0.88, 0.01, 0),
    ("holdout (read)", [os.path.join(EVAL, "holdout.jsonl")], 0.87, 0.01, 0),
    # 0.93 until the model trained with train-r10 (2026-12-05): one positive
    # fewer (152 of 164) and five honest ads fewer over their maximum.
    ("langs even lines (text unread)", [lines_of_each(LANGS, 0)], 0.94, 0.02, 1),
    ("langs odd lines (read)", [lines_of_each(LANGS, 1)], 0.97, 0.02, 0),
    ("langs2 (read: the development set of 2026-12-03)", LANGS2, 0.97, 0.02, 0),
    ("langs3 even lines (text unread)", [lines_of_each(LANGS3, 0, "langs3")], 0.93, 0.03, 0),
    ("langs3 odd lines (read)", [lines_of_each(LANGS3, 1, "langs3")], 0.97, 0.02, 0),
    ("langs4 even lines (text unread)", [lines_of_each(LANGS4, 0, "langs4")], 0.86, 0.02, 0),
    ("langs4 odd lines (read)", [lines_of_each(LANGS4, 1, "langs4")], 0.98, 0.02, 0),
    ("holdout5 even lines (unread)", [lines_of(os.path.join(EVAL, "holdout5.jsonl"), 0)], 0.86, 0.02, 0),
    ("holdout5 odd lines (read)", [lines_of(os.path.join(EVAL, "holdout5.jsonl"), 1)], 0.95, 0.01, 0),
    ("langs5 (read: a development set of 2026-12-04)", LANGS5, 0.98, 0.02, 0),
    ("langs6 (read since the last round of 2026-12-04)", LANGS6, 0.98, 0.02, 0),
    ("langs7 (read: the second development set of 2026-12-04)", LANGS7, 0.98, 0.02, 0),
    ("langs8 (read: the evening development set of 2026-12-04)", LANGS8, 0.98, 0.02, 0),
    # 0.90 until the second model (2026-12-06, night: ads read in the eleven
    # source-country languages go to a model trained with train-r13 and
    # train-r15 too): two positives fewer here (247 of 275), six more on
    # langs10, two more on langs11's even lines and one each on langs3's and
    # langs4's, one honest ad more over its maximum (langs11) and three
    # honest ads fewer blocked (langs10, langs11).
    # 2026-12-06, evening: the languages model trained with train-r17 to
    # train-r21 as well took langs10 down by four positives, two honest ads
    # more over their maximum and one more blocked (and langs' even lines one
    # honest ad more), while the unread sets gained 14 positives in all
    # (langs12 +8, langs9 +4) with two honest ads fewer over their maximum;
    # the floors hold the new figures.
    ("langs9 (unread: 25 + 25 per language by four more authors)", LANGS9, 0.91, 0.04, 0),
    ("langs10 (unread: 25 + 25 per language by four more authors)", LANGS10, 0.88, 0.037, 2),
    ("holdout6 even lines (unread: en, es, fr, pt by three more authors)", [lines_of(os.path.join(EVAL, "holdout6.jsonl"), 0)], 0.86, 0.07, 0),
    ("holdout6 odd lines (labels and rule ids of failures read)", [lines_of(os.path.join(EVAL, "holdout6.jsonl"), 1)], 0.88, 0.03, 1),
    # 0.03 honest above max until the second model: 4 of 132 since (see
    # langs9 above).
    ("langs11 even lines (unread: six languages, kept back from the r12 round)", [lines_of_each(LANGS11, 0, "langs11")], 0.78, 0.03, 0),
    ("langs11 odd lines (read by the r12 round)", [lines_of_each(LANGS11, 1, "langs11")], 0.98, 0.02, 0),
    # Eight source-country languages by eight more authors (2026-12-06,
    # late night), never read: 82.3 % recall, 6.2 % honest above max and 9
    # honest ads blocked when it was first measured. The floors hold those
    # figures; blocked honest ads here are #26's open work.
    # Raised after the r20 round (85.4 %, 5.4 %, 6 blocked) and the
    # languages model trained with train-r17 to train-r21 (87.1 %, 5.0 %, 5).
    ("langs12 (unread: eight languages by eight more authors)", LANGS12, 0.87, 0.05, 5),
    # 64 ads written twice, plainly and disguised (leetspeak, look-alikes,
    # spacing, invisible characters, emoji, number words, misspelling,
    # upside-down and run-together text), and 24 honest ads styled the same
    # way: read, the normaliser's development set of 2026-12-06.
    ("evasion pairs (read: the normaliser's development set)", [os.path.join(EVAL, "evasion", "pairs.jsonl")], 0.94, 0.05, 0),
    # The same in the eleven source-country languages (6 pairs and 2 honest
    # ads each, disguised as people there write: Arabizi, presentation
    # forms, Hinglish, translit, teencode, pinyin, spaced Thai letters).
    ("evasion pairs in eleven languages (read)", [os.path.join(EVAL, "evasion", "pairs-langs.jsonl")], 0.92, 0.05, 0),
]:
    if SKIP_JUDGES and ("unread" in name or name.startswith(("holdout3", "holdout6"))):
        print(f"rules/eval {name}: skipped (REDFLAG_SKIP_JUDGES)")
        continue
    r, fp, blocked, n, m = labelled(paths)
    print(f"rules/eval {name}: {n} flagged, {m} honest")
    floor(f"{name} recall", r, ">=", rmin)
    floor(f"{name} honest above max", fp, "<=", fpmax)
    floor(f"{name} honest blocked", blocked, "<=", blocked_max)

if failures:
    print(f"{len(failures)} detection floor(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("detection floors: all met")
