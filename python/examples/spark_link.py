#!/usr/bin/env python3
"""Screen, sign and link ads with PySpark and the redflag package.

    python python/examples/spark_link.py --corpora ../shared/corpora --compare   # local mode
    spark-submit --archives env.tar.gz#env python/examples/spark_link.py ...   # a cluster: docs/python.md

What it does, the way a platform's batch job would:

1. reads ads as JSON Lines with Spark (here the real honest corpora, plus
   planted synthetic template families and contact networks, so that it can
   check what it finds);
2. screens and signs every ad in a pandas UDF (``mapInPandas``): one
   ``redflag.Engine`` per Python worker (``redflag.shared_engine()``), built
   on its first batch and kept, never one per row; the signature (bytes) and
   its LSH band keys go into columns;
3. links: ads that share a band key are candidate pairs, checked with the
   exact Jaccard similarity of their signatures (``redflag.jaccard``), and
   ads that share a contact hash are linked; the edges (few) go to the
   driver, which joins them into clusters (union-find) and ranks them by the
   most serious verdict, as ``redflag link`` does;
4. checks that every planted family and network is one cluster of its own
   (and, with ``--compare``, that the clusters are the ones
   ``redflag.link`` finds on the same ads in one process), and exits 1 if
   not.

The contact key is the deployment's entity key: ``REDFLAG_ENTITY_KEY`` or
``--entity-key-file`` on the driver, shipped to the executors as a
broadcast variable (not a Spark setting, which the UI would show). Without
one, a random key for this run.

Every planted ad is synthetic: phrases from published trafficking-indicator
lists, fictional 555-01xx phone numbers and example.com addresses.
"""

import argparse
import glob
import json
import os
import random
import sys
import time
from collections import defaultdict

# ---------------------------------------------------------------------------
# Planted synthetic ads

INDICATORS = [
    ["Young girls wanted for {job} work in {city}.", "Hiring {job}s for {city}, start this week.",
     "Agency recruiting pretty {job}s to travel to {city}.", "Easy {job} job in {city} for girls without experience."],
    ["Free flight and visa, high salary {pay} USD a month.", "Earn {pay} euros a week, no experience needed.",
     "We pay {pay} per month cash, food and room included."],
    ["Your passport is kept by the agent on arrival until the debt is paid.",
     "Travel costs are deducted from your wages until repaid.",
     "You must pay a registration fee of 300 USD before travel."],
    ["No days off in the first three months.", "Phone use is not allowed during the contract.",
     "You live at the workplace and the boss arranges all transport."],
    ["Ask for {name}, WhatsApp {phone}.", "Contact {name} on Telegram or call {phone}.",
     "Text {name} at {phone}, discreet."],
]
JOBS = ["hostess", "waitress", "dancer", "model", "nanny", "cleaner", "caregiver", "receptionist"]
NAMES = ["Maria", "Olga", "Anna", "Elena", "Sofia", "Irina", "Nadia", "Vera", "Rosa", "Mila"]
CITIES = ["Dubai", "Doha", "Riyadh", "Istanbul", "Milan", "Madrid", "Warsaw", "Athens", "Macau", "Beirut"]
VOCAB = ("garden flat kitchen bike sofa laptop cook driver tutor shift weekly bills parking station "
         "market coffee river school office painter plumber window table chair lamp quiet bright "
         "morning evening family friendly modern classic repair delivery weekend centre north south "
         "balcony heating storage shelf mirror carpet curtain oven fridge washer dryer desk printer "
         "camera phone charger battery screen keyboard speaker guitar piano violin drum book novel").split()
DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LOOKALIKE = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441"}
LEET = {"a": "4", "e": "3", "o": "0", "i": "1"}


def write_phone(digits, style):
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return {
        "dashes": f"{a}-{b}-{c}",
        "brackets": f"({a}) {b} {c}",
        "words": " ".join(DIGIT_WORDS[int(d)] for d in digits),
        "fullwidth": "".join(chr(0xFF10 + int(d)) for d in digits),
        "letters": f"{a}-{b}-{c}".replace("0", "O"),
    }[style]


def disguise(text, rnd):
    """What the normaliser undoes: look-alike letters, leetspeak, spaced
    letters, zero-width spaces, on a few long words."""
    words = text.split(" ")
    for i in rnd.sample([i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5], 3):
        how = rnd.choice(["lookalike", "leet", "spaced", "invisible"])
        w = words[i]
        if how == "lookalike":
            w = "".join(LOOKALIKE.get(ch, ch) for ch in w)
        elif how == "leet":
            w = "".join(LEET.get(ch, ch) for ch in w)
        elif how == "spaced":
            w = " ".join(w)
        else:
            w = w[:2] + "\u200b" + w[2:]
        words[i] = w
    return " ".join(words)


def salad(rnd, n):
    return " ".join(rnd.choice(VOCAB) for _ in range(n)).capitalize() + "."


def planted(families, networks, seed=23):
    """Template families (3 to 8 copies, other name, city, pay and phone
    each, most copies disguised) and contact networks (2 to 5 unrelated ads
    sharing one phone, written in other styles, or one e-mail address)."""
    rnd = random.Random(seed)
    numbers = iter(rnd.sample([f"{a}5550{n}" for a in range(201, 990) for n in range(100, 200)
                               if a % 100 != 11], families * 8 + networks))
    ads = []
    for f in range(families):
        job = rnd.choice(JOBS)
        parts = [rnd.choice(s) for s in INDICATORS]
        # Two sentences of its own, so that families differ.
        body = parts[:2] + [salad(rnd, 12)] + parts[2:4] + [salad(rnd, 10)] + parts[4:]
        for k in range(rnd.randint(3, 8)):
            phone = write_phone(next(numbers), rnd.choice(["dashes", "brackets", "words"]))
            text = " ".join(body).format(job=job, city=rnd.choice(CITIES), name=rnd.choice(NAMES),
                                         pay=rnd.choice([1500, 2000, 2500, 3000, 4000]), phone=phone)
            if k and rnd.random() < 0.8:
                text = disguise(text, rnd)
            ads.append({"id": f"f{f}:{k}", "section": "jobs", "title": "", "body": text})
    for n in range(networks):
        digits = next(numbers)
        email = f"{rnd.choice(NAMES).lower()}.{rnd.randrange(1000, 9999)}"
        by_mail = n % 4 == 3
        styles = ["dashes", "words", "fullwidth", "letters", "brackets"]
        for k in range(rnd.randint(2, 5)):
            if by_mail:
                contact = [f"{email}@example.com", f"{email} (at) example (dot) com"][k % 2]
            else:
                contact = write_phone(digits, styles[k % len(styles)])
            ads.append({"id": f"n{n}:{k}", "section": rnd.choice(["for-sale", "housing", "services"]),
                        "title": "", "body": f"{salad(rnd, rnd.randint(10, 25))} Contact: {contact}"})
    return ads


def background(n, seed=7):
    """Honest synthetic ads, when no corpora are given."""
    rnd = random.Random(seed)
    return [{"id": f"b:{i}", "section": rnd.choice(["jobs", "housing", "for-sale"]), "title": "",
             "body": " ".join(salad(rnd, rnd.randint(6, 14)) for _ in range(rnd.randint(2, 4)))}
            for i in range(n)]


# ---------------------------------------------------------------------------
# Executors

SIGNED_SCHEMA = ("row long, id string, verdict string, score double, rules array<string>, "
                 "error string, sig binary, bands array<long>, contacts array<string>")


def screen_and_sign(key_bc, threshold, link_urls):
    """The mapInPandas function: each batch of ads (a pandas DataFrame of
    row, id, section, title, body) to verdicts and signatures."""

    def run(batches):
        import pandas as pd
        import redflag

        # One engine per Python worker process, built on its first batch:
        # PySpark reuses its workers between tasks (spark.python.worker.reuse,
        # on by default), so the packs are compiled once per worker, never
        # per task or row. (A global of this script would not do: PySpark
        # ships the function with a copy of the script's globals each task.)
        engine, key = redflag.shared_engine(), key_bc.value
        for pdf in batches:
            ads = []
            for section, title, body in zip(pdf["section"], pdf["title"], pdf["body"]):
                ad = {"title": title if isinstance(title, str) else "",
                      "body": body if isinstance(body, str) else ""}
                if isinstance(section, str):
                    ad["section"] = section
                ads.append(ad)
            # One core per task: the executor runs one task per core.
            verdicts = engine.screen_many(ads, threads=1, errors="return")
            sigs = redflag.signatures(ads, key, threads=1)
            contacts = []
            for s in sigs:
                cs = redflag.signature_info(s)["contacts"]
                contacts.append([f"{c['kind']}:{c['hash']}" for c in cs if link_urls or c["kind"] != "url"])
            yield pd.DataFrame({
                "row": pdf["row"],
                "id": pdf["id"],
                "verdict": [v.get("verdict") for v in verdicts],
                "score": [v.get("score") for v in verdicts],
                "rules": [[r["id"] for r in v.get("rules", [])] for v in verdicts],
                "error": [v.get("error") for v in verdicts],
                "sig": sigs,
                "bands": [redflag.band_keys(s, threshold, signed=True) for s in sigs],
                "contacts": contacts,
            })

    return run


def bucket_pairs(rows):
    """Candidate pairs of one band bucket, as the library checks them: every
    pair of a bucket of up to 64 ads; in a larger one, each ad with the
    first and with the one before it (a chain still joins a group)."""
    rows = sorted(rows)
    if len(rows) <= 64:
        return [(rows[i], rows[j]) for i in range(len(rows)) for j in range(i + 1, len(rows))]
    return [(rows[0], r) for r in rows[1:]] + list(zip(rows, rows[1:]))


# ---------------------------------------------------------------------------
# Driver

SEVERITY = {"block": 3, "review": 2, "warn": 1, "allow": 0, None: -1}


def components(n_edges):
    """Union-find over the edges' rows."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in n_edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups = defaultdict(list)
    for x in list(parent):
        groups[find(x)].append(x)
    return [sorted(g) for g in groups.values() if len(g) >= 2]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", help="folder of JSON Lines ads (the shared corpora); "
                    "without it, synthetic honest ads")
    ap.add_argument("--background", type=int, default=3000, help="synthetic honest ads without --corpora")
    ap.add_argument("--families", type=int, default=20, help="planted template families")
    ap.add_argument("--networks", type=int, default=12, help="planted contact networks")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--link-urls", action="store_true")
    ap.add_argument("--partitions", type=int, default=8, help="partitions of the ads (and shuffles)")
    ap.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    ap.add_argument("--entity-key-file", help="the deployment key (else REDFLAG_ENTITY_KEY, else random)")
    ap.add_argument("--out", help="write the clusters here as JSON Lines")
    ap.add_argument("--compare", action="store_true",
                    help="also link the same ads with redflag.link in the driver and compare")
    args = ap.parse_args(argv)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    import redflag

    if args.entity_key_file:
        with open(args.entity_key_file, "rb") as f:
            key = f.read().rstrip(b"\r\n")
    elif os.environ.get("REDFLAG_ENTITY_KEY"):
        key = os.environ["REDFLAG_ENTITY_KEY"].encode()
    else:
        key = os.urandom(32)

    started = time.monotonic()
    builder = SparkSession.builder.appName("redflag-link")
    if args.master:
        builder = builder.master(args.master)
    spark = (builder.config("spark.sql.shuffle.partitions", str(args.partitions))
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("WARN")

    schema = "id string, section string, title string, body string"
    plants = planted(args.families, args.networks)
    planted_df = spark.createDataFrame(plants, schema)
    if args.corpora:
        # Spark reads the JSON Lines itself, as it would from object storage.
        files = sorted(glob.glob(os.path.join(args.corpora, "*.jsonl")))
        if not files:
            ap.error(f"{args.corpora}: no .jsonl files")
        real = (spark.read.json(files)
                .select(F.concat_ws(":", F.lit("r"), F.regexp_extract(F.input_file_name(), r"([^/]+)\.jsonl$", 1),
                                    F.col("id").cast("string")).alias("id"),
                        "section", "title", "body"))
    else:
        real = spark.createDataFrame(background(args.background), schema)
    # A number for every ad, given before the shuffle so that it stays the
    # same if Spark computes the ads again (after repartition it would not:
    # the round-robin order is not deterministic); the driver's comparison
    # reads the ads in this order. A job whose ads have unique integer ids
    # would use them.
    ads = (real.unionByName(planted_df).withColumn("row", F.monotonically_increasing_id())
           .repartition(args.partitions))

    key_bc = spark.sparkContext.broadcast(key)
    signed = ads.mapInPandas(screen_and_sign(key_bc, args.threshold, args.link_urls), SIGNED_SCHEMA).cache()
    n_ads = signed.count()
    t_signed = time.monotonic()

    pair_type = T.ArrayType(T.StructType([T.StructField("a", T.LongType()), T.StructField("b", T.LongType())]))
    pairs_udf = F.udf(bucket_pairs, pair_type)
    buckets = (signed.select("row", F.explode("bands").alias("band"))
               .groupBy("band").agg(F.collect_list("row").alias("rows"))
               .where(F.size("rows") >= 2))
    candidates = buckets.select(F.explode(pairs_udf("rows")).alias("p")).select("p.a", "p.b").distinct()

    @F.pandas_udf("double")
    def exact(sa, sb):
        import pandas as pd
        import redflag

        return pd.Series([redflag.jaccard(x, y) for x, y in zip(sa, sb)])

    sigs = signed.select("row", "sig")
    checked = (candidates.join(sigs.withColumnRenamed("row", "a").withColumnRenamed("sig", "sa"), "a")
               .join(sigs.withColumnRenamed("row", "b").withColumnRenamed("sig", "sb"), "b")
               .where(exact("sa", "sb") >= args.threshold)
               .select("a", "b"))
    template_edges = [(r.a, r.b) for r in checked.collect()]
    shared = (signed.select("row", F.explode("contacts").alias("contact"))
              .groupBy("contact").agg(F.min("row").alias("first"), F.collect_list("row").alias("rows"))
              .where(F.size("rows") >= 2))
    contact_rows = shared.select("first", F.explode("rows").alias("row")).where("first != row").collect()
    contact_edges = [(r.first, r.row) for r in contact_rows]
    t_linked = time.monotonic()

    # Clusters on the driver: edges are few (about one per clustered ad).
    groups = components(template_edges + contact_edges)
    in_clusters = spark.createDataFrame([(r, g[0]) for g in groups for r in g], "row long, root long")
    members = {r.row: r for r in in_clusters.join(signed.select("row", "id", "verdict", "error"), "row").collect()}
    clusters = []
    for g in groups:
        ms = [members[r] for r in g]
        tiers = defaultdict(int)
        for m in ms:
            tiers[m.verdict or "unknown"] += 1
        verdict = max((m.verdict for m in ms), key=lambda v: SEVERITY[v])
        clusters.append({"size": len(ms), "verdict": verdict, "tiers": dict(tiers),
                         "members": [{"row": m.row, "id": m.id, "verdict": m.verdict} for m in ms]})
    clusters.sort(key=lambda c: (-SEVERITY[c["verdict"]], -c["size"], c["members"][0]["row"]))
    for i, c in enumerate(clusters, 1):
        c["cluster"] = i
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for c in clusters:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
    t_done = time.monotonic()

    # Checks: every planted family and network is one cluster of its own.
    where = {m["id"]: c["cluster"] for c in clusters for m in c["members"]}
    by_cluster = {c["cluster"]: {m["id"] for m in c["members"]} for c in clusters}
    planted_groups = defaultdict(set)
    for a in plants:
        planted_groups[a["id"].split(":")[0]].add(a["id"])
    missed = []
    for name, ids in sorted(planted_groups.items()):
        homes = {where.get(i) for i in ids}
        if len(homes) != 1 or None in homes or by_cluster[homes.pop()] != ids:
            missed.append(name)
    errors = signed.where(F.col("error").isNotNull()).count()
    raised = signed.where(F.col("verdict").isin("review", "block")).count()
    summary = {
        "ads": n_ads, "partitions": args.partitions, "errors": errors, "review_or_block": raised,
        "candidate_pairs_checked_edges": len(template_edges), "contact_edges": len(contact_edges),
        "clusters": len(clusters), "ads_in_clusters": sum(c["size"] for c in clusters),
        "families": args.families, "networks": args.networks,
        "planted_recovered": len(planted_groups) - len(missed), "planted": len(planted_groups),
        "missed": missed,
        "seconds": {"screen_and_sign": round(t_signed - started, 1), "link": round(t_linked - t_signed, 1),
                    "clusters": round(t_done - t_linked, 1), "total": round(t_done - started, 1)},
    }
    ok = not missed
    if args.compare:
        # The same ads in the same order, linked in one process.
        local = signed.join(ads.select("row", "section", "title", "body"), "row").orderBy("row").collect()
        records = [{"id": r.id, "section": r.section, "title": r.title or "", "body": r.body or "",
                    "verdict": r.verdict} for r in local]
        theirs = redflag.link(records, threshold=args.threshold, contact_key=key, link_urls=args.link_urls)
        mine = sorted(sorted(m["id"] for m in c["members"]) for c in clusters)
        expected = sorted(sorted(m["id"] for m in c["members"]) for c in theirs)
        same = mine == expected and [c["verdict"] for c in clusters] == [c["verdict"] for c in theirs]
        summary["same_as_redflag_link"] = same
        if not same:
            only_mine = [g for g in mine if g not in expected]
            only_theirs = [g for g in expected if g not in mine]
            summary["differences"] = {"only_spark": only_mine[:5], "only_redflag_link": only_theirs[:5]}
        ok = ok and same
    print(json.dumps(summary))
    spark.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
