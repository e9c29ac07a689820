"""Screening from Python: the verdicts, the errors, and the same results as
`redflag scan` on the same JSON Lines."""

import json

import pytest

import redflag
from conftest import HONEST, KEY, read_corpora, run_cli, template

FLAGGED = {
    "id": "f1",
    "section": "jobs",
    "title": "Hostess work abroad",
    "body": template("Maria", "Dubai", 3000, "202-555-0147")
    + " Registration fee 300 USD before travel. No days off in the first three months.",
}


def test_a_flagged_ad_is_raised_and_an_honest_one_allowed(engine):
    v = engine.screen(FLAGGED)
    assert v["verdict"] in ("review", "block"), v["verdict"]
    assert v["id"] == "f1"
    assert v["hits"] and v["reviewer_messages"]
    # Spans point into the ad's own text (UTF-8 byte offsets for Python).
    for h in v["hits"]:
        text = FLAGGED[h["field"]].encode()
        assert text[h["byte_start"]:h["byte_end"]].decode() == h["text"]
    for ad in HONEST:
        assert engine.screen(ad)["verdict"] == "allow", ad


def test_disguised_terms_are_seen(engine):
    plain = engine.screen({"section": "jobs", "body": "Your passport is kept by the agent on arrival."})
    disguised = engine.screen({"section": "jobs", "body": "Your pаssp0rt is k e p t by the agent on arrival."})
    assert plain["verdict"] != "allow"
    assert disguised["score"] >= plain["score"]
    assert disguised["evasion"]


def test_screen_many_is_screen_in_order(engine):
    ads = [FLAGGED, *HONEST, {"body": "no id, no section"}]
    one_by_one = [engine.screen(a) for a in ads]
    assert engine.screen_many(ads) == one_by_one
    assert engine.screen_many(iter(ads), threads=1) == one_by_one
    assert engine.screen_many([]) == []


def test_the_same_verdicts_as_the_cli(engine, tmp_path):
    ads = [FLAGGED, *HONEST, {"id": 7, "title": "Nanny", "body": "Live-in nanny, passport kept by the family, no phone."}]
    assert engine.screen_many(ads) == run_cli(["scan"], ads, tmp_path)
    with_section = engine.screen_many([{"body": "Massage, extras, new girls every week"}], section="adult")
    assert with_section == run_cli(["scan", "--section", "adult"], [{"body": "Massage, extras, new girls every week"}], tmp_path)


def test_the_same_verdicts_as_the_cli_on_the_real_corpora(engine, corpora, tmp_path):
    ads = read_corpora(corpora, every=7)
    assert len(ads) > 1000
    assert engine.screen_many(ads) == run_cli(["scan"], ads, tmp_path)


def test_entities_are_hashed_with_the_engine_key(tmp_path):
    e = redflag.Engine(entity_key=KEY)
    ad = {"id": 1, "body": "Call two oh two five five five oh one four seven or mail anna@example.com"}
    v = e.screen(ad, entities=True)
    kinds = sorted(x["kind"] for x in v["entities"])
    assert kinds == ["email", "phone"]
    assert all(len(x["hash"]) == 64 and "value" not in x for x in v["entities"])
    assert [v] == run_cli(["scan", "--entities"], [ad], tmp_path)
    assert "value" in e.screen(ad, entities=True, raw_values=True)["entities"][0]


def test_packs_of_our_own(tmp_path):
    pack = """schema = 1
[pack]
id = "site"
version = "1.0.0"
thresholds = { warn = 2, review = 5, block = 9 }

[[rule]]
id = "site.fee"
title = "Applicant pays a fee"
category = "recruitment-fee"
score = 6
match = { any = ["placement fee"] }
explain = { poster = "Job ads may not charge applicants.", reviewer = "Worker-paid fee." }
"""
    (tmp_path / "packs").mkdir()
    path = tmp_path / "packs" / "site.toml"
    path.write_text(pack, encoding="utf-8")
    ad = {"body": "Pay the placement fee first."}
    for e in (redflag.Engine.from_packs([path]), redflag.Engine.from_packs([str(tmp_path / "packs")]),
              redflag.Engine.from_packs([pack])):
        assert e.packs == [{"id": "site", "version": "1.0.0"}]
        assert e.screen(ad)["verdict"] == "review"
    both = redflag.Engine.from_packs([path], default_packs=True)
    assert len(both.packs) > 1 and both.packs[-1]["id"] == "site"
    assert redflag.Engine.from_packs([path], thresholds=(7, 8, 9)).screen(ad)["verdict"] == "allow"


def test_a_bad_pack_path_names_the_path_and_the_reason(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(FileNotFoundError) as e:
        redflag.Engine.from_packs([missing])
    assert str(missing) in str(e.value)
    assert e.value.filename == str(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(redflag.PackError, match="no .toml or .json packs found"):
        redflag.Engine.from_packs([empty])
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n[pack]\nid = "x"\nversion = "1"\n[[rule]]\nid = "x.a"\ntitle = "A"\n'
                   'category = "c"\nscore = "high"\nmatch = { any = ["fee"] }\n', encoding="utf-8")
    with pytest.raises(redflag.PackError) as e:
        redflag.Engine.from_packs([bad])
    assert str(bad) in str(e.value) and "rule[0].score" in str(e.value)
    assert any(p["path"] == "rule[0].score" for p in e.value.problems)
    with pytest.raises(redflag.PackError, match="pack #1"):
        redflag.Engine.from_packs(['{"schema": 1, "pack": {"id": "x"}}'])
    with pytest.raises(TypeError, match="not one string"):
        redflag.Engine.from_packs(str(bad))
    with pytest.raises(TypeError, match="pack #1"):
        redflag.Engine.from_packs([42])


def test_oversize_input_is_a_limit_error(engine):
    huge = {"id": 9, "body": "a " * (600 * 1024)}
    with pytest.raises(redflag.LimitError, match="max_input_bytes") as e:
        engine.screen(huge)
    assert e.value.limit == "max_input_bytes" and e.value.actual > e.value.max
    with pytest.raises(redflag.LimitError, match="^ad 2: limit exceeded"):
        engine.screen_many([HONEST[0], huge])
    got = engine.screen_many([HONEST[0], huge, HONEST[1]], errors="return")
    assert got[0]["verdict"] == "allow" and got[2]["verdict"] == "allow"
    assert got[1]["id"] == 9 and "max_input_bytes" in got[1]["error"]
    small = redflag.Engine(limits={"max_input_bytes": 100})
    with pytest.raises(redflag.LimitError):
        small.screen({"body": "x" * 101})
    assert small.limits["max_input_bytes"] == 100


def test_bad_input_is_a_clear_exception(engine):
    with pytest.raises(redflag.SubmissionError, match="an ad must be a dict"):
        engine.screen("just text")
    with pytest.raises(redflag.SubmissionError, match="`section` must be a string"):
        engine.screen({"section": 3, "body": "x"})
    with pytest.raises(redflag.SubmissionError, match="^ad 2: "):
        engine.screen_many([{"body": "x"}, ["not", "a", "dict"]])
    with pytest.raises(redflag.SubmissionError, match="keys must be strings"):
        engine.screen({1: "x"})
    with pytest.raises(ValueError, match="errors must be"):
        engine.screen_many([], errors="ignore")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        redflag.Engine(entity_key=b"short")
    with pytest.raises(redflag.PackError, match="thresholds"):
        redflag.Engine(thresholds=(5, 2, 1))
    with pytest.raises(ValueError, match="unknown field"):
        redflag.Engine(limits={"max_bytes": 1})
    # Exceptions are the package's, and all are RedflagError.
    assert issubclass(redflag.LimitError, redflag.RedflagError)
    assert redflag.PackError.__module__ == "redflag"


def test_members_that_are_not_text_are_ignored(engine):
    ad = {"id": {"nested": [1, 2]}, "body": "Room to let", "price": 300, "photos": ["a.jpg"],
          "ok": True, "when": object(), "note": None}
    v = engine.screen(ad)
    assert v["verdict"] == "allow" and v["id"] == {"nested": [1, 2]}
    assert json.dumps(v)  # plain JSON types only


def test_a_shared_engine_is_built_once_per_process(tmp_path):
    a = redflag.shared_engine()
    assert a is redflag.shared_engine()
    assert a.packs == redflag.Engine().packs
    path = tmp_path / "site.json"
    path.write_text('{"schema": 1, "pack": {"id": "site", "version": "1.0.0"}, "rule": [{"id": "site.a", '
                    '"title": "A", "category": "c", "score": 1, "match": {"any": ["fee"]}}]}', encoding="utf-8")
    b = redflag.shared_engine([path])
    assert b is redflag.shared_engine([str(path)]) and b is not a
    assert b.packs == [{"id": "site", "version": "1.0.0"}]
    assert redflag.shared_engine([path], default_packs=True).packs[-1]["id"] == "site"
