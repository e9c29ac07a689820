"""The PySpark example (examples/spark_link.py) in Spark local mode: it
screens and signs in a pandas UDF, links by band keys and contact hashes,
and must find every planted family and network, with the clusters that
redflag.link finds on the same ads in one process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import corpora_dir

pytest.importorskip("pyspark", reason="pip install 'pyspark' 'pandas<3' pyarrow (and Java 17+)")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spark_link.py"


def test_the_spark_example_recovers_the_planted_families(tmp_path):
    out = tmp_path / "clusters.jsonl"
    args = [sys.executable, str(EXAMPLE), "--master", "local[2]", "--partitions", "4",
            "--families", "12", "--networks", "8", "--compare", "--out", str(out)]
    corpora = corpora_dir()
    # The real corpora when they are next to the repository (as in CI),
    # else synthetic honest ads.
    args += ["--corpora", str(corpora)] if corpora else ["--background", "3000"]
    # From another folder: python/redflag/ (the sources) must not shadow the
    # installed package in the Python workers.
    proc = subprocess.run(args, capture_output=True, timeout=1200, check=False, cwd=tmp_path,
                          env={**__import__("os").environ, "REDFLAG_ENTITY_KEY": "a test key, not a secret"})
    stderr = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, stderr[-4000:] + proc.stdout.decode()[-2000:]
    summary = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert summary["errors"] == 0
    assert summary["planted"] == 20 and summary["planted_recovered"] == 20, summary["missed"]
    assert summary["same_as_redflag_link"] is True
    assert summary["ads"] > (10_000 if corpora else 3_000)
    clusters = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["cluster"] for c in clusters] == list(range(1, len(clusters) + 1))
    families = [c for c in clusters if c["members"][0]["id"].startswith("f")]
    networks = [c for c in clusters if c["members"][0]["id"].startswith("n")]
    assert len(families) == 12 and len(networks) == 8
    # The planted recruitment ads are flagged, so their clusters rank first.
    assert all(c["verdict"] in ("review", "block") for c in families)
    first_allowed = next(i for i, c in enumerate(clusters) if c["verdict"] in ("allow", "warn", None))
    assert all(clusters.index(c) < first_allowed for c in families)
