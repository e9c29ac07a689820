"""Shared fixtures: synthetic ads, the CLI binary and the shared corpora.

Every ad here is synthetic: phrases from published trafficking-indicator
lists (ILO), fictional 555-01xx phone numbers and example.com addresses.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = b"a test deployment key, not a secret"


def template(name, city, pay, phone):
    """One recruitment template, filled in: a name, a city, a salary, a phone."""
    return (
        f"Young girls wanted for hostess work in {city}. Free flight and visa, high salary "
        f"{pay} USD a month, no experience needed. Your passport is kept by the agent on "
        f"arrival until the travel debt is paid. Ask for {name}, WhatsApp {phone}"
    )


HONEST = [
    {"id": "h1", "section": "housing", "body": "Two bedroom flat near the park, bills included, available from March. No pets please."},
    {"id": "h2", "section": "for-sale", "body": "Used mountain bike, 21 gears, new tyres last spring, collection only."},
    {"id": "h3", "section": "jobs", "body": "Part-time barista for our cafe on Mill Street. Weekend shifts, training provided, paid holidays."},
    {"id": "h4", "section": "for-sale", "body": "Selling my old laptop, battery holds three hours, charger included."},
    {"id": "h5", "section": "jobs", "body": "Warehouse team lead, forklift licence preferred, day shifts, pension scheme and overtime pay."},
]


def cli_binary():
    """The release CLI (`cargo build --release -p redflag-cli`), or
    $REDFLAG_BIN."""
    p = Path(os.environ.get("REDFLAG_BIN", ROOT / "target" / "release" / "redflag"))
    if not p.exists():
        pytest.fail(f"{p} not found: build it with `cargo build --release -p redflag-cli` "
                    "or set REDFLAG_BIN")
    return p


def run_cli(args, ads, tmp_path, key=KEY):
    """Runs the CLI on the ads written as JSON Lines; returns its JSON lines."""
    src = tmp_path / "ads.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ads), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDFLAG_ENTITY_KEY"}
    if key is not None:
        env["REDFLAG_ENTITY_KEY"] = key.decode()
    out = subprocess.run([str(cli_binary()), *args, str(src)], capture_output=True, env=env, check=False)
    assert out.returncode == 0, out.stderr.decode()
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]


def corpora_dir():
    """The shared real honest corpora: $REDFLAG_CORPORA, else ../shared/corpora
    next to the repository (as CI lays it out); None when absent."""
    p = Path(os.environ.get("REDFLAG_CORPORA", ROOT.parent / "shared" / "corpora"))
    return p if p.is_dir() and any(p.glob("*.jsonl")) else None


def read_corpora(path, every=1):
    ads = []
    for f in sorted(path.glob("*.jsonl")):
        with f.open(encoding="utf-8") as lines:
            for i, line in enumerate(lines):
                if i % every:
                    continue
                ad = json.loads(line)
                ads.append({"id": f"{f.stem}:{ad.get('id')}", "section": ad.get("section"),
                            "title": ad.get("title") or "", "body": ad.get("body") or ""})
    return ads


@pytest.fixture(scope="session")
def engine():
    import redflag

    return redflag.Engine()


@pytest.fixture(scope="session")
def corpora():
    p = corpora_dir()
    if p is None:
        pytest.skip("the shared corpora are not next to the repository (../shared/corpora) "
                    "and REDFLAG_CORPORA is not set")
    return p
