#!/usr/bin/env python3
"""Trains the hashed character n-gram model that moves the rules' verdict
one step at the ends of its range (see `src/model.rs` and the section
"The n-gram model" of docs/detection.md).

Writes `ngram.bin` (the model the engine embeds) and `checks.jsonl` (texts
and the probability this script computes for each, which the Rust tests
compare with the engine's own computation, so the two featurisations
cannot drift apart). With `--languages` it writes instead the model the
engine reads for ads in the eleven source-country languages,
`ngram-langs.bin` and `checks-langs.jsonl`: the same training set with
`train-r13`, `train-r15` and `train-r17` to `train-r21` added.

Training data: only sets that have been read (the development sets), the
`train-r8` and `train-r10` sets (ads helpers wrote for training, never read
for rule writing; `train-r13`, `train-r15` and the pack rounds' `train-r17`
to `train-r21` only for the languages model, see `training_set`), and 3,000 real honest ads of ../shared/corpora; never
langs9, langs10, langs12, holdout2, holdout3, holdout6 or the unread even
lines of holdout4/5 and langs/langs3/langs4/langs11, which stay judges (langs11's read odd lines are
not used either: adding them moved nothing, 2026-12-05). The result is
meant to be deterministic (liblinear with a fixed seed), but retraining on
2026-12-06 did not reproduce the committed `ngram.bin` (trained at
`8f55f09`) byte for byte: the checks' probabilities moved in the sixth
digit, for a reason not yet found (no training file or normaliser source
changed in between).

The model reads an ad in matching form (look-alike letters, leetspeak,
spacing, accents and number words undone, as the rules see it), so a
disguise that the rules see through does not move the model either. The
texts are put in that form by the engine itself, `redflag normalize`
(REDFLAG_BIN, default target/release/redflag: build it first with
`cargo build --release --bin redflag`).

  python3 -m venv v && v/bin/pip install scikit-learn numpy
  v/bin/python rules/model/train.py [--languages]
"""
import collections, glob, json, math, os, random, struct, subprocess, sys

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EVAL = os.path.join(ROOT, "rules", "eval")
SHARED = os.path.join(os.path.dirname(ROOT), "shared")

BITS = 16          # 2^16 buckets, one signed byte each
NMIN, NMAX = 2, 4  # character n-grams of each padded word
BELOW, ABOVE = 0.2, 0.8
# Two steps down below FAR_BELOW, and `review` to `block` above BLOCK_ABOVE:
# chosen on out-of-fold probabilities of train-r8 (each fifth predicted by a
# model trained without it) against the rules' own tiers there, and kept
# when train-r10 was added (moving them gained less than C did).
FAR_BELOW, BLOCK_ABOVE = 0.1, 0.9
MAX_BYTES = 16384  # the engine reads at most this much text
# Inverse regularisation strength, chosen on out-of-fold probabilities of
# the train-* sets (train-r8 and train-r10, each fifth predicted by a model
# trained without it): with the policy above, recall / honest ads over their
# maximum were 73.5 / 6.6 % at C=8, 74.5 / 5.5 at 16, 74.9 / 4.1 at 64 and
# 74.9 / 3.9 at 128.
C = 64


def load(path, parity=None):
    lines = [l for l in open(path, encoding="utf-8") if l.strip()]
    if parity is not None:
        lines = lines[parity::2]
    return [json.loads(l) for l in lines]


def each(pattern, parity=None):
    return [a for p in sorted(glob.glob(os.path.join(EVAL, pattern))) for a in load(p, parity)]


def training_set(languages=False):
    ads = [a for p in sorted(glob.glob(os.path.join(SHARED, "eval", "*.jsonl"))) for a in load(p)]
    ads += each("holdout.jsonl") + each("labelled.jsonl")
    ads += each("holdout4.jsonl", 1) + each("holdout5.jsonl", 1)
    for d in ["langs", "langs3", "langs4"]:
        ads += each(d + "/*.jsonl", 1)
    # train-r13 (ar, id, pl, zh; 2026-12-06) is not used for the main model:
    # trained with it, the model caught 6 more of langs10's 275 positives
    # (pl and zh 84/80 % -> 92 %) but 2 fewer of holdout2's, put 3 more
    # honest ads over their maximum on the unread English and Romance sets
    # and blocked one (holdout6's even lines). train-r15 (eight languages,
    # 2026-12-06) neither: with train-r13 and it the unread sets moved by -1
    # positive net (+2 with 2^17 buckets), within noise. Both train the
    # model for the source-country languages (`languages`), which reads
    # only ads read in one of them: on the unread sets +8 positives, one
    # honest ad more over its maximum and three fewer blocked, the English
    # and Romance sets unchanged (docs/detection.md, 2026-12-06 night).
    # train-r17 to train-r21 (2026-12-06, evening: the pack rounds' sets,
    # read for rules, 2,560 ads in all fifteen languages) were added to the
    # languages model after the rounds: on the unread sets +14 positives,
    # two honest ads fewer over their maximum and as many blocked (langs12
    # +8, langs9 +4; langs10 -4, with two honest ads more over their
    # maximum and one more blocked).
    extra = ["train-r13", "train-r15", "train-r17", "train-r18", "train-r19", "train-r20", "train-r21"] if languages else []
    for d in ["langs2", "langs5", "langs6", "langs7", "langs8", "probes-*", "train-r8", "train-r10"] + extra:
        ads += each(d + "/*.jsonl")
    corpora = [a for p in sorted(glob.glob(os.path.join(SHARED, "corpora", "*.jsonl"))) for a in load(p)]
    random.Random(1).shuffle(corpora)
    for a in corpora[:3000]:
        ads.append({"label": "clean", "title": a.get("title"), "body": a.get("body")})
    return ads


def matching_forms(ads):
    """The text the engine's model reads for each ad: title and body, each
    in matching form (`redflag normalize`), joined by a line break."""
    binary = os.environ.get("REDFLAG_BIN") or os.path.join(ROOT, "target", "release", "redflag")
    lines = "".join(
        json.dumps({"title": a.get("title") or "", "body": a.get("body") or ""}, ensure_ascii=False) + "\n"
        for a in ads
    )
    out = subprocess.run([binary, "normalize"], input=lines, capture_output=True, text=True, check=True).stdout
    forms = [json.loads(l) for l in out.splitlines()]
    assert len(forms) == len(ads), "redflag normalize wrote a line per ad"
    return [f["title"] + "\n" + f["body"] for f in forms]


def fnv1a(b):
    h = 0x811C9DC5
    for x in b:
        h = ((h ^ x) * 0x01000193) & 0xFFFFFFFF
    return h


def features(text):
    """Bucket -> value, L2-normalised: what `redflag::model` computes."""
    text = text.encode("utf-8")[:MAX_BYTES].decode("utf-8", "ignore").lower()
    counts = collections.Counter()
    for word in text.split():
        s = " " + word + " "
        for n in range(NMIN, NMAX + 1):
            for i in range(len(s) - n + 1):
                counts[fnv1a(s[i : i + n].encode()) & ((1 << BITS) - 1)] += 1
    v = {k: 1 + math.log(c) for k, c in counts.items()}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {k: x / norm for k, x in v.items()}


def matrix(texts):
    rows, cols, vals = [], [], []
    for r, t in enumerate(texts):
        for k, x in features(t).items():
            rows.append(r)
            cols.append(k)
            vals.append(x)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), 1 << BITS))


def main():
    languages = "--languages" in sys.argv[1:]
    suffix = "-langs" if languages else ""
    ads = training_set(languages)
    y = np.array([a["label"] == "flag" for a in ads])
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced", random_state=0)
    clf.fit(matrix(matching_forms(ads)), y)
    scale = float(np.abs(clf.coef_[0]).max() / 127)
    q = np.round(clf.coef_[0] / scale).astype(np.int8)
    bias = float(clf.intercept_[0])
    with open(os.path.join(HERE, f"ngram{suffix}.bin"), "wb") as f:
        f.write(b"rfngram2")
        f.write(struct.pack("<BBBB", BITS, NMIN, NMAX, 0))
        f.write(struct.pack("<ddddI", scale, bias, BELOW, ABOVE, MAX_BYTES))
        f.write(struct.pack("<dd", FAR_BELOW, BLOCK_ABOVE))
        f.write(q.tobytes())
    w = q.astype(float) * scale

    def p(text):
        z = bias + sum(w[k] * x for k, x in features(text).items())
        return 1 / (1 + math.exp(-z))

    checks = [
        "Barista wanted, weekend shifts, apply in store.",
        "Trabajo en el extranjero, pasaje y visa pagados, el pasaporte queda con la agencia.",
        "ΚΑΛΟΚΑΙΡΙΝΗ ΕΡΓΑΣΙΑ ΣΤΟ ΞΕΝΟΔΟΧΕΙΟ, ΔΩΜΑΤΙΟ ΚΑΙ ΦΑΓΗΤΟ",
        "招聘 服务员 包吃住 月薪 5000",
        "Cần tuyển gấp nữ phục vụ, lương cao, bao ăn ở",
        "İstanbul'da   iş\tilanı\n\nmaaş İYİ",
        "",
    ]
    with open(os.path.join(HERE, f"checks{suffix}.jsonl"), "w", encoding="utf-8") as f:
        for t in checks:
            f.write(json.dumps({"text": t, "p": p(t)}, ensure_ascii=False) + "\n")
    print(f"trained on {len(ads)} ads ({int(y.sum())} flagged); {int((q != 0).sum())} non-zero weights")


if __name__ == "__main__":
    main()
