#!/usr/bin/env python3
"""Throughput of the Python package (python/, docs/python.md) on the real
honest corpora, next to the CLI on the same ads (docs/performance.md).

    python benches/python_bench.py --corpora ../shared/corpora [--cli target/release/redflag]

Needs the package installed (`bash .ci/python` builds it into
target/python-venv: run this with target/python-venv/bin/python). Prints one
line per measurement: wall seconds, CPU seconds of this process (threads
included), ads per second and MB of text per second, and the machine's load
average, which moves every figure on a shared machine.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import redflag


def read(path):
    ads = []
    for name in sorted(os.listdir(path)):
        if name.endswith(".jsonl"):
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for line in f:
                    ad = json.loads(line)
                    ads.append({"id": f"{name}:{ad.get('id')}", "section": ad.get("section"),
                                "title": ad.get("title") or "", "body": ad.get("body") or ""})
    return ads


def timed(label, n, mb, f, repeat=3):
    best = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = f()
        w, c = time.perf_counter() - w, time.process_time() - c
        if best is None or w < best[0]:
            best = (w, c)
    w, c = best
    print(f"{label:<44} {w:7.2f} s wall {c:7.2f} s cpu  {n / w:8.0f} ads/s  {mb / w:5.2f} MB/s  "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--cli", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "redflag"))
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    ads = read(args.corpora)
    n = len(ads)
    mb = sum(len(a["title"].encode()) + len(a["body"].encode()) for a in ads) / 1e6
    print(f"redflag {redflag.__version__}: {n} ads, {mb:.2f} MB of text, {os.cpu_count()} cores", flush=True)
    timed("Engine() (build the built-in packs)", 1, 0, redflag.Engine, args.repeat)
    engine = redflag.Engine()
    timed("engine.screen(ad), one call per ad", n, mb, lambda: [engine.screen(a) for a in ads], args.repeat)
    for t in (1, 2):
        timed(f"engine.screen_many(ads, threads={t})", n, mb, lambda: engine.screen_many(ads, threads=t), args.repeat)
    key = b"a benchmark key, not a secret"
    for t in (1, 2):
        timed(f"redflag.signatures(ads, key, threads={t})", n, mb,
              lambda: redflag.signatures(ads, key, threads=t), args.repeat)
    for t in (1, 2):
        timed(f"redflag.link(ads, threads={t})", n, mb,
              lambda: redflag.link(ads, contact_key=key, threads=t), args.repeat)
    if os.path.exists(args.cli):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as f:
            for a in ads:
                f.write(json.dumps(a, ensure_ascii=False) + "\n")
        env = {**os.environ, "REDFLAG_ENTITY_KEY": key.decode()}
        for sub in (["scan"], ["link"]):
            def run():
                subprocess.run([args.cli, *sub, f.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env, check=True)
            r0 = os.times()
            timed(f"CLI: redflag {sub[0]} (process, wall only)", n, mb, run, args.repeat)
            r1 = os.times()
            print(f"{'':<44} children's CPU over the runs: {r1.children_user - r0.children_user:.2f} s", flush=True)
        os.unlink(f.name)


if __name__ == "__main__":
    sys.exit(main())
