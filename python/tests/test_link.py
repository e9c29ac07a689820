"""Signatures and linking from Python: disguised copies of a template are
one cluster, contacts written in words link, and the clusters are the ones
`redflag link` writes for the same JSON Lines."""

import os
import random
import subprocess
import sys

import pytest

import redflag
from conftest import HONEST, KEY, ROOT, run_cli, template

NAMES = ["Maria", "Olga", "Anna", "Elena", "Sofia"]
CITIES = ["Dubai", "Doha", "Riyadh", "Milan", "Warsaw"]


def template2(name, city, phone):
    """Another recruitment template, of other indicators."""
    return (
        f"Massage therapists needed for a spa in {city}. We pay your ticket and arrange the "
        f"visa; the cost is deducted from your wages until repaid. Live at the workplace, no "
        f"days off in the first three months, phone use is not allowed during the contract. "
        f"Contact {name} on Telegram {phone}"
    )


def disguise(text):
    """Cyrillic look-alike letters, leetspeak, spaced letters and a zero-width
    space: what the normaliser undoes."""
    return (text.replace("passport", "pаssp0rt").replace("hostess", "h o s t e s s")
            .replace("agent", "ag\u200bent").replace("salary", "sаlаry"))


def family():
    """Five copies of one template with other names, cities, pay and phones,
    all but the first disguised."""
    ads = []
    for i, (n, c) in enumerate(zip(NAMES, CITIES)):
        text = template(n, c, 2000 + 500 * i, f"202-555-01{i}{i}")
        ads.append({"id": f"t{i}", "section": "jobs", "body": disguise(text) if i else text})
    return ads


def test_disguised_copies_have_a_high_jaccard_and_share_a_band():
    fam = family()
    sigs = [redflag.signature(a, KEY) for a in fam]
    honest = [redflag.signature(a, KEY) for a in HONEST]
    for s in sigs[1:]:
        assert redflag.jaccard(sigs[0], s) > 0.6
        assert redflag.similarity(sigs[0], s) > 0.4
        assert set(redflag.band_keys(sigs[0])) & set(redflag.band_keys(s))
    for h in honest:
        assert redflag.jaccard(sigs[0], h) < 0.1
        assert not set(redflag.band_keys(sigs[0])) & set(redflag.band_keys(h))
    assert redflag.jaccard(sigs[0], sigs[0]) == 1.0


def test_disguised_copies_are_one_cluster_and_marked():
    fam = family()
    ads = [*HONEST[:2], fam[0], HONEST[2], *fam[1:], *HONEST[3:]]
    clusters = redflag.link(ads, contact_key=KEY)
    assert len(clusters) == 1
    c = clusters[0]
    assert sorted(m["id"] for m in c["members"]) == [a["id"] for a in fam]
    assert c["verdict"] in ("review", "block")
    assert [m["line"] for m in c["members"]] == [3, 5, 6, 7, 8]
    t = c["templates"][0]
    assert t["size"] == 5 and "pasport is kept by the agent" in t["text"]
    assert {"doha", "maria"} <= {v["token"] for v in t["varies"]}
    assert all(m["mark"].startswith("same template as 4 other ads") for m in c["members"])


def test_contacts_written_in_words_link():
    ads = [
        {"id": "a", "section": "for-sale", "body": "Bike lock for sale, call 202-555-0199"},
        {"id": "b", "section": "housing", "body": "Room to let, text two oh two five five five oh one nine nine"},
        {"id": "c", "section": "jobs", "body": "Cleaner wanted, ring ２０２.５５５.０１９９ today"},
        {"id": "d", "section": "jobs", "body": "Gardener wanted, call 202-555-0198"},
        {"id": "e", "body": "Sofa to give away, write lena.1234 (at) example (dot) com"},
        {"id": "f", "body": "Old desk for free, mail lena.1234@example.com"},
    ]
    clusters = redflag.link(ads, contact_key=KEY, screen=False)
    groups = sorted(sorted(m["id"] for m in c["members"]) for c in clusters)
    assert groups == [["a", "b", "c"], ["e", "f"]]
    for c in clusters:
        assert c["verdict"] is None and c["templates"] == []
        assert len(c["contacts"]) == 1 and len(c["contacts"][0]["hash"]) == 64
    sigs = [redflag.signature(a, KEY) for a in ads[:3]]
    contacts = [redflag.signature_info(s)["contacts"] for s in sigs]
    assert contacts[0] == contacts[1] == contacts[2] and contacts[0][0]["kind"] == "phone"
    # No contact value anywhere in the output.
    assert "555" not in repr(clusters) and "lena" not in repr(clusters)


def test_the_key_decides_the_hashes():
    ad = {"body": "call 202-555-0147"}
    a, b = redflag.signature(ad, KEY), redflag.signature(ad, b"another key of 16+ bytes")
    assert redflag.signature_info(a)["contacts"] != redflag.signature_info(b)["contacts"]
    assert redflag.signature(ad, KEY) == a == redflag.signature(ad, KEY + b"\n")
    assert redflag.signature_info(redflag.signature(ad))["contacts"] == []
    # Without a key, link draws one: ads still link within the call.
    two = [ad, {"body": "text two oh two five five five oh one four seven"}]
    first, second = redflag.link(two, screen=False), redflag.link(two, screen=False)
    assert len(first) == 1 and first[0]["size"] == 2
    assert first[0]["contacts"][0]["hash"] != second[0]["contacts"][0]["hash"]


def test_signatures_are_compact_versioned_bytes():
    sig = redflag.signature({"body": "Room to let near the station, call 202-555-0147"}, KEY)
    assert isinstance(sig, bytes) and sig[1] == redflag.SIGNATURE_VERSION
    info = redflag.signature_info(sig)
    assert info["version"] == redflag.SIGNATURE_VERSION
    assert len(info["minhash"]) == redflag.MINHASH_LEN
    assert info["shingles"] == len(info["sample"]) > 0
    assert len(sig) < 700
    assert redflag.signature_info(bytearray(sig)) == info   # as PySpark rows hold binary
    keys = redflag.band_keys(sig)
    assert len(keys) == redflag.MINHASH_LEN // redflag.lsh_rows(0.5) == 32
    assert all(0 <= k < 2**64 for k in keys)
    signed = redflag.band_keys(sig, signed=True)
    assert [k % 2**64 for k in signed] == keys and all(-(2**63) <= k < 2**63 for k in signed)
    assert len(redflag.band_keys(sig, 0.9)) < len(keys)
    assert redflag.band_keys(redflag.signature({"body": "..."})) == []
    many = redflag.signatures([{"body": "a b c d"}, {"body": "Room to let near the station, call 202-555-0147"}], KEY)
    assert many[1] == sig
    with pytest.raises(ValueError, match="not a redflag signature"):
        redflag.signature_info(b"hello")
    with pytest.raises(ValueError, match="signature version 9"):
        redflag.jaccard(sig[:1] + b"\x09" + sig[2:], sig)
    with pytest.raises(TypeError, match="a signature is the bytes"):
        redflag.jaccard("text", sig)
    with pytest.raises(ValueError, match="threshold"):
        redflag.band_keys(sig, 1.5)


def test_link_errors_name_the_record():
    with pytest.raises(redflag.SubmissionError, match="^record 2: .*`verdict` must be allow"):
        redflag.link([{"body": "x"}, {"body": "y", "verdict": "maybe"}])
    with pytest.raises(redflag.LimitError, match="^record 3: limit exceeded: max_ads is 2"):
        redflag.link([{"body": "x"}] * 3, max_ads=2, screen=False)
    with pytest.raises(redflag.LimitError, match="^record 1: .*max_input_bytes"):
        redflag.link([{"body": "a " * (600 * 1024)}])
    with pytest.raises(ValueError, match="threshold must be from 0 to 1"):
        redflag.link([], threshold=-0.1)
    with pytest.raises(redflag.SubmissionError, match="^record 1: .*`images\\[0\\]`: invalid PDQ hash"):
        redflag.link([{"body": "x", "images": ["abc"]}])
    with pytest.raises(ValueError, match="image_threshold must be from 0 to 47"):
        redflag.link([], image_threshold=48)
    with pytest.raises(ValueError, match="image_common must be 2 or more"):
        redflag.link([], image_common=1)
    with pytest.raises(ValueError, match="at least 16 bytes"):
        redflag.link([], contact_key="short")
    assert redflag.link([]) == []


def synthetic_batch(n_honest=300, seed=5):
    """Honest ads made of shuffled sentences, two template families, a
    contact network, ads that carry their verdict, and one without a text."""
    rnd = random.Random(seed)
    words = ("quiet flat garden bike sofa laptop nanny cook cleaner driver tutor shift weekly "
             "bills parking station market coffee river school office painter plumber").split()
    ads = []
    for i in range(n_honest):
        body = " ".join(rnd.choice(words) for _ in range(rnd.randint(8, 30)))
        ads.append({"id": i, "section": rnd.choice(["jobs", "housing", "for-sale"]), "body": body})
    for f in range(2):
        for k in range(4):
            if f:
                text = template(NAMES[k], CITIES[k], 1500 + 250 * k, f"303-555-01{f}{k}")
            else:
                text = template2(NAMES[k], CITIES[k], f"303-555-01{f}{k}")
            ads.insert(rnd.randrange(len(ads)), {"id": f"f{f}:{k}", "section": "jobs",
                                                 "body": disguise(text) if k else text})
    for k, phone in enumerate(["404-555-0177", "four oh four five five five oh one seven seven",
                               "(404) 555 0177"]):
        ads.insert(rnd.randrange(len(ads)), {"id": f"n:{k}", "body": f"{rnd.choice(words)} for sale, call {phone}"})
    ads.append({"id": "given", "body": "Bike for sale, call 404-555-0177", "verdict": "block"})
    ads.append({"id": "empty", "body": ""})
    # Pictures: one photo in three honest ads (copies a few bits apart, in
    # each form `images` takes), a flat picture under the quality floor in
    # two others, and a random picture in every tenth ad.
    photo = rnd.getrandbits(256)
    for k, at in enumerate(rnd.sample(range(n_honest), 3)):
        copy = f"{photo ^ (rnd.getrandbits(12) << (20 * k)):064x}"
        ads[at]["images"] = [copy, f"{copy}:80", {"pdq": copy, "quality": 90}][k:k + 1]
    for at in rnd.sample(range(n_honest), 2):
        ads[at]["images"] = [{"pdq": "0" * 64, "quality": 5}]
    for at in range(0, n_honest, 10):
        ads[at].setdefault("images", []).append(f"{rnd.getrandbits(256):064x}")
    return ads


def test_the_same_clusters_as_the_cli(tmp_path):
    ads = synthetic_batch()
    ours = redflag.link(ads, contact_key=KEY)
    assert len(ours) >= 4
    assert any(c["links"] == ["image"] and c["size"] == 3 for c in ours)
    assert ours == run_cli(["link"], ads, tmp_path)
    for args, kw in [(["--threshold", "0.8"], {"threshold": 0.8}), (["--no-screen"], {"screen": False}),
                     (["--link-urls", "--section", "jobs"], {"link_urls": True, "section": "jobs"}),
                     (["--image-threshold", "0", "--image-min-quality", "0"],
                      {"image_threshold": 0, "image_min_quality": 0})]:
        assert redflag.link(ads, contact_key=KEY, threads=1, **kw) == run_cli(["link", *args], ads, tmp_path), args


def test_the_same_clusters_as_the_cli_on_the_planted_benchmark(corpora, tmp_path):
    """The planted benchmark of docs/linking.md on the real corpora (about
    13,000 ads: every real ad, planted families and networks)."""
    src = tmp_path / "bench.jsonl"
    subprocess.run([sys.executable, str(ROOT / "benches" / "link_bench.py"), "generate", "--corpora",
                    str(corpora), "--ads", "13000", "--out", str(src)], check=True, capture_output=True)
    import json

    ads = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()]
    ours = redflag.link(ads, contact_key=KEY)
    env = {**os.environ, "REDFLAG_ENTITY_KEY": KEY.decode()}
    from conftest import cli_binary

    out = subprocess.run([str(cli_binary()), "link", str(src)], capture_output=True, env=env, check=True)
    theirs = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(ours) > 100
    assert ours == theirs
    # Every planted family of three copies or more is found in one template group.
    fams = {}
    for c in ours:
        for m in c["members"]:
            if m["id"].startswith("f"):
                fams.setdefault(m["id"].split(":")[0], set()).add((c["cluster"], m.get("template")))
    assert fams and sum(len(v) == 1 for v in fams.values()) >= 0.85 * len(fams)
