#!/usr/bin/env python3
"""Planted benchmark for `redflag link` (docs/linking.md).

    python3 benches/link_bench.py generate --corpora /work/shared/corpora --ads 100000 --out ads.jsonl
    REDFLAG_ENTITY_KEY=... redflag link ads.jsonl > clusters.jsonl
    python3 benches/link_bench.py score ads.jsonl clusters.jsonl

`generate` mixes the real honest ads of the corpora (read at run time,
never copied into the project) with:

- honest background ads to reach --ads: each a mix of 3 to 6 sentences of
  different real ads (so they share no template);
- planted template families: synthetic recruitment ads built from published
  trafficking-indicator phrases (ILO indicators: deception about pay,
  retention of documents, debt bondage, isolation) plus three honest
  sentences of their own, each family posted 3 to 12 times with another
  name, city, salary and phone, most copies disguised (Cyrillic look-alike
  letters, spaced-out letters, leetspeak, zero-width characters) and some
  with a sentence left out or added;
- planted contact networks: 2 to 6 ads with unrelated honest texts that
  share one fictional phone number (555-01xx) or e-mail address
  (example.com), written in digits, with separators, in words, with letters
  for digits, spaced out or in fullwidth digits.

Every planted name, number and address is fictional. The ids say what each
ad is (`r:` real, `m:` mixed, `f<family>:` planted family, `n<network>:`
planted network), and `score` reads them back: precision and recall of the
planted families (template groups) and networks (clusters), pairwise, and
how many honest ads were clustered or marked.
"""

import argparse
import itertools
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict

NAMES = ["Maria", "Olga", "Anna", "Elena", "Sofia", "Irina", "Lena", "Nadia", "Katya", "Vera",
         "Luisa", "Carmen", "Rosa", "Ana", "Mila", "Daria", "Alina", "Nina", "Tanya", "Julia"]
CITIES = ["Dubai", "Doha", "Riyadh", "Istanbul", "Milan", "Madrid", "Berlin", "Warsaw", "Athens",
          "Tokyo", "Seoul", "Bangkok", "Kuala Lumpur", "Macau", "Cyprus", "Lagos", "Beirut",
          "Amman", "Tel Aviv", "Moscow", "Paris", "London", "Vienna", "Prague", "Zurich"]
JOBS = ["hostess", "waitress", "dancer", "model", "nanny", "masseuse", "cleaner", "bartender",
        "housekeeper", "caregiver", "receptionist", "hotel maid"]
SLOTS = [
    ["Young girls wanted for {job} work in {city}.",
     "Hiring {job}s for {city}, start this week.",
     "Urgent: {job} positions abroad, based in {city}.",
     "Agency recruiting pretty {job}s to travel to {city}.",
     "Looking for girls 18-25 as {job}s in {city}.",
     "Easy {job} job in {city} for slim girls without experience."],
    ["Free flight and visa, high salary {price} USD a month.",
     "Earn {price} euros a week, no experience needed.",
     "Salary {price} dollars monthly, accommodation provided free.",
     "We pay {price} per month cash, food and room included.",
     "Quick money: up to {price} a week, tips extra.",
     "Guaranteed income of {price} USD, paid at the end of the contract."],
    ["Your passport is kept by the agent on arrival until the debt is paid.",
     "Travel costs are deducted from your wages until repaid.",
     "The employer will hold your documents for safekeeping.",
     "You must pay a registration fee of 300 USD before travel.",
     "Debt for the ticket is repaid from your first months of work.",
     "Leave before the contract ends and you lose all your pay."],
    ["Accommodation is provided and you live at the workplace.",
     "You do not need to speak the language, we handle everything.",
     "Phone use is not allowed during the contract.",
     "Transport to and from work is arranged by the boss.",
     "No days off in the first three months.",
     "Do not tell your family about the job before you leave."],
    ["Ask for {name}, WhatsApp {phone}.",
     "Contact {name} on Telegram or call {phone}.",
     "Text {name} at {phone}, discreet.",
     "Call {name} now: {phone}.",
     "Write to {name}: {phone}, only serious girls.",
     "{name} answers on WhatsApp {phone}, send a photo."],
]
LOOKALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
             "x": "\u0445", "y": "\u0443", "i": "\u0456"}
LEET = {"a": "4", "e": "3", "o": "0", "i": "1", "s": "5"}
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


CONTACTISH = re.compile(r"@|www|https?:|\.(com|net|org|fr|bo|ru|br|ar|ca)\b|(\d\D?){6}|contact\]|"
                        r"\b(telegram|whatsapp|wechat|line|kik|snap\w*|insta\w*|ig|viber|signal|"
                        r"facebook|fb|twitter|tiktok|skype|discord|email|e-mail|mail|phone|call|text|"
                        r"sms|dm|pm|msg)\b", re.I)


def sentences(text):
    """Sentences of 5 to 40 words without anything like a contact (nor a
    word that introduces one: a handle after "telegram" is a real
    person's): the background and the planted ads are made of them, and a
    contact or a whole ad (some scrapes have no punctuation) copied into
    several of them would link them for real."""
    out = []
    for s in re.split(r"(?<=[.!?])\s+", text):
        s = s.strip()
        if 5 <= len(s.split()) <= 40 and not CONTACTISH.search(s):
            out.append(s)
    return out


def load_corpora(path):
    real, pool = [], []
    for name in sorted(os.listdir(path)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(path, name), encoding="utf-8") as f:
            for line in f:
                ad = json.loads(line)
                real.append({"id": f"r:{name}:{ad.get('id')}", "section": ad.get("section"),
                             "title": ad.get("title") or "", "body": ad.get("body") or ""})
                pool.extend(sentences(ad.get("body") or ""))
    return real, pool


class Phones:
    """Fictional North American numbers: NXX-555-0100 to 0199."""

    def __init__(self, rnd):
        self.free = [(a, n) for a in range(201, 990) for n in range(100, 200) if a % 100 != 11]
        rnd.shuffle(self.free)

    def take(self):
        a, n = self.free.pop()
        return f"{a}5550{n}"


def write_phone(digits, style, rnd):
    a, b, c = digits[:3], digits[3:6], digits[6:]
    if style == "dashes":
        return f"{a}-{b}-{c}"
    if style == "brackets":
        return f"({a}) {b} {c}"
    if style == "dots":
        return f"{a}.{b}.{c}"
    if style == "words":
        return " ".join("oh" if d == "0" and rnd.random() < 0.5 else WORDS[int(d)] for d in digits)
    if style == "letters":
        return f"{a}-{b}-{c}".replace("0", "O").replace("1", "l")
    if style == "spaced":
        return " ".join(digits)
    if style == "fullwidth":
        return "".join(chr(0xFF10 + int(d)) for d in f"{a}{b}{c}")
    return digits


PHONE_STYLES = ["dashes", "brackets", "dots", "words", "letters", "spaced", "fullwidth", "plain"]


def disguise_word(w, how, rnd):
    if how == "lookalike":
        return "".join(LOOKALIKE.get(ch, ch) if rnd.random() < 0.6 else ch for ch in w)
    if how == "leet":
        return "".join(LEET.get(ch, ch) if rnd.random() < 0.6 else ch for ch in w)
    if how == "spaced":
        return " ".join(w)
    if how == "invisible":
        k = rnd.randrange(1, len(w))
        return w[:k] + "\u200b" + w[k:]
    return w


def disguise(text, rnd):
    words = text.split(" ")
    hows = rnd.sample(["lookalike", "leet", "spaced", "invisible"], rnd.randint(1, 3))
    for how in hows:
        cand = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
        for i in rnd.sample(cand, min(len(cand), rnd.randint(1, 4))):
            words[i] = disguise_word(words[i], how, rnd)
    return " ".join(words), hows


def generate(args):
    rnd = random.Random(args.seed)
    real, pool = load_corpora(args.corpora)
    # Planted ads borrow only sentences found once in the corpora: a
    # boilerplate sentence (a job board's footer, a government form's
    # clause) would make them honest near-duplicates for real.
    counts = Counter(pool)
    unique = sorted(s for s in set(pool) if counts[s] == 1)
    rnd.shuffle(unique)
    # The planted ads' own sentences are kept out of the background.
    planted_sents = set(unique[: len(unique) // 3])
    unique = unique[: len(unique) // 3]
    pool = [s for s in pool if s not in planted_sents]
    phones = Phones(rnd)
    ads = list(real)
    n_fam = max(1, args.ads * args.families // 1000)
    n_net = max(1, args.ads * args.networks // 1000)
    disguised = Counter()
    for f in range(n_fam):
        job = rnd.choice(JOBS)
        parts = [rnd.choice(s) for s in SLOTS[:4]]
        own = rnd.sample(unique, 3)
        body = parts[:2] + own[:1] + parts[2:] + own[1:] + [rnd.choice(SLOTS[4])]
        for k in range(rnd.randint(3, 12)):
            sents = list(body)
            if k > 0 and rnd.random() < 0.3:
                del sents[rnd.randrange(1, len(sents) - 1)]
            if k > 0 and rnd.random() < 0.3:
                sents.insert(rnd.randrange(len(sents)), rnd.choice(unique))
            phone = write_phone(phones.take(), rnd.choice(PHONE_STYLES[:3]), rnd)
            text = " ".join(sents).format(job=job, city=rnd.choice(CITIES), name=rnd.choice(NAMES),
                                          price=rnd.choice([1500, 2000, 2500, 3000, 3500, 4000, 5000]),
                                          phone=phone)
            if k > 0 and rnd.random() < 0.8:
                text, hows = disguise(text, rnd)
                disguised.update(hows)
            ads.append({"id": f"f{f}:{k}", "section": "jobs", "body": text})
    styles = Counter()
    for n in range(n_net):
        email = rnd.random() < 0.25
        digits = phones.take()
        user = f"{rnd.choice(NAMES).lower()}.{rnd.randrange(1000, 9999)}"
        for k in range(rnd.randint(2, 6)):
            text = " ".join(rnd.sample(unique, rnd.randint(3, 5)))
            if email:
                style = rnd.choice(["plain", "at-dot", "spaced-at"])
                contact = {"plain": f"{user}@example.com",
                           "at-dot": f"{user} (at) example (dot) com",
                           "spaced-at": f"{user} [at] example [dot] com"}[style]
            else:
                style = rnd.choice(PHONE_STYLES)
                contact = write_phone(digits, style, rnd)
            styles[style] += 1
            ads.append({"id": f"n{n}:{k}", "section": rnd.choice(["jobs", "services", "housing"]),
                        "body": f"{text} Contact: {contact}"})
    m = 0
    while len(ads) < args.ads:
        ads.append({"id": f"m:{m}", "section": rnd.choice(["jobs", "housing", "for-sale", "personals"]),
                    "body": " ".join(rnd.sample(pool, rnd.randint(3, 6)))})
        m += 1
    rnd.shuffle(ads)
    with open(args.out, "w", encoding="utf-8") as out:
        for ad in ads:
            out.write(json.dumps(ad, ensure_ascii=False) + "\n")
    print(json.dumps({"ads": len(ads), "real": len(real), "mixed": m, "families": n_fam,
                      "family_ads": sum(1 for a in ads if a["id"].startswith("f")),
                      "networks": n_net, "network_ads": sum(1 for a in ads if a["id"].startswith("n")),
                      "disguises": disguised, "contact_styles": styles}), file=sys.stderr)


def truth(ad_id):
    return ad_id.split(":")[0] if ad_id[0] in "fn" else None


def pairwise(groups, kind):
    """Pairwise precision and recall of planted groups of one kind (`f` or
    `n`): predicted pairs are ads in one output group where either is planted
    of that kind."""
    true_sizes = Counter()
    tp = predicted = 0
    for g in groups:
        labels = [truth(i) for i in g]
        planted = [x for x in labels if x and x[0] == kind]
        c = Counter(planted)
        tp += sum(v * (v - 1) // 2 for v in c.values())
        n, p = len(labels), len(planted)
        predicted += p * (p - 1) // 2 + p * (n - p)
    return tp, predicted


def score(args):
    sizes = Counter()
    ids = []
    with open(args.ads, encoding="utf-8") as f:
        for line in f:
            i = json.loads(line)["id"]
            ids.append(i)
            t = truth(i)
            if t:
                sizes[t] += 1
    template_groups, clusters = [], []
    honest_in_clusters = honest_marked = real_only_clusters = 0
    real_only_raised = 0
    honest_tiers = Counter()
    with open(args.clusters, encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            members = c["members"]
            clusters.append([m["id"] for m in members])
            by_t = defaultdict(list)
            for m in members:
                if m.get("template") is not None:
                    by_t[m["template"]].append(m["id"])
                if truth(m["id"]) is None:
                    honest_in_clusters += 1
                    honest_marked += "mark" in m
                    honest_tiers[m.get("verdict")] += 1
            template_groups.extend(by_t.values())
            if all(m["id"].startswith("r:") for m in members):
                real_only_clusters += 1
                real_only_raised += sum("mark" in m for m in members)
    res = {}
    for kind, groups, name in [("f", template_groups, "families"), ("n", clusters, "networks")]:
        tp, predicted = pairwise(groups, kind)
        total = sum(v * (v - 1) // 2 for k, v in sizes.items() if k[0] == kind)
        # Group level: a planted group is recovered when one output group
        # holds at least 90 % of it and is at least 90 % made of it.
        best = {}
        for g in groups:
            c = Counter(truth(i) for i in g)
            for t, v in c.items():
                if t and t[0] == kind:
                    ok = v >= 0.9 * sizes[t] and v >= 0.9 * len(g)
                    best[t] = best.get(t, False) or ok
        n_groups = sum(1 for k in sizes if k[0] == kind)
        res[name] = {"pairwise_precision": round(tp / predicted, 4) if predicted else None,
                     "pairwise_recall": round(tp / total, 4) if total else None,
                     "recovered": sum(best.values()), "planted": n_groups}
    res["honest"] = {"in_clusters": honest_in_clusters, "marked": honest_marked,
                     "tiers_in_clusters": honest_tiers,
                     "real_only_clusters": real_only_clusters,
                     "real_only_ads_marked": real_only_raised}
    res["clusters"] = len(clusters)
    print(json.dumps(res, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--corpora", required=True)
    g.add_argument("--ads", type=int, default=100_000)
    g.add_argument("--families", type=int, default=3, help="planted families per 1000 ads")
    g.add_argument("--networks", type=int, default=2, help="planted networks per 1000 ads")
    g.add_argument("--seed", type=int, default=23)
    g.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("ads")
    s.add_argument("clusters")
    a = ap.parse_args()
    generate(a) if a.cmd == "generate" else score(a)


if __name__ == "__main__":
    main()
