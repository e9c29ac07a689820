//! The `redflag` binary end to end: JSON Lines in, JSON Lines out, exit codes.
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Output, Stdio};

use serde_json::Value;

mod common;
use common::{bin, json_lines as lines, succeeded};

fn run(args: &[&str], stdin: &str) -> Output {
    let mut cmd = bin();
    cmd.args(args);
    common::run_cmd(cmd, stdin)
}

fn tmp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redflag-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn scan_reads_jsonl_and_reports_malformed_lines_without_stopping() {
    let input = concat!(
        r#"{"id": 1, "section": "jobs", "title": "Cleaners", "body": "Registration fee of $200 before you start."}"#,
        "\n",
        "{not json}\n",
        "\n",
        r#"{"id": {"k": [1, 2]}, "section": "for-sale", "title": "Ford Escort", "body": "Cherry red, minor scratches.", "price": 900}"#,
        "\n",
        r#"{"id": "x", "section": 7, "body": "bad section"}"#,
        "\n",
        r#"[1, 2, 3]"#,
        "\n",
        r#"{"body": "Hotel work in Dubai: 🌹 no experience needed, very high salary, flight paid. Your passport will be kept by the employer.", "section": "jobs"}"#,
        "\n",
    );
    let out = run(&["scan"], input);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = lines(&out);
    assert_eq!(v.len(), 6, "one output line per non-empty input line");

    assert_eq!(v[0]["id"], 1);
    // A worker-paid fee (3) with its amount (3): a concrete fee, for review.
    assert_eq!(v[0]["verdict"], "review");
    let hits = v[0]["hits"].as_array().unwrap();
    let hit = hits
        .iter()
        .find(|h| h["rule"] == "core.jobs.fee")
        .expect("the fee rule fired");
    let body = "Registration fee of $200 before you start.";
    let units: Vec<u16> = body.encode_utf16().collect();
    let (s, e) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        String::from_utf16(&units[s..e]).unwrap(),
        hit["text"].as_str().unwrap()
    );

    assert_eq!(v[1], serde_json::json!({"line": 2, "error": v[1]["error"]}));
    assert!(v[1]["error"].as_str().unwrap().starts_with("invalid JSON"));

    assert_eq!(v[2]["id"], serde_json::json!({"k": [1, 2]}));
    assert_eq!(v[2]["verdict"], "allow");
    assert_eq!(v[2]["hits"], serde_json::json!([]));

    assert_eq!(v[3]["line"], 5);
    assert_eq!(v[3]["id"], "x");
    assert!(v[3]["error"]
        .as_str()
        .unwrap()
        .contains("`section` must be a string"));

    assert_eq!(v[4]["line"], 6);
    assert!(v[4]["error"]
        .as_str()
        .unwrap()
        .contains("expected a JSON object"));

    assert!(v[5].get("id").is_none());
    // Passport retention (strong) with the too-good-to-be-true lure: the
    // forced-labour pattern blocks.
    assert_eq!(v[5]["verdict"], "block");
    let rules: Vec<&str> = v[5]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"core.jobs.documents-held")
            && rules.contains(&"core.jobs.too-good-to-be-true"),
        "{rules:?}"
    );
    // Emoji before a hit: UTF-16 offsets differ from byte offsets.
    let body = v[5]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["text"] == "passport")
        .unwrap();
    assert!(body["byte_start"].as_u64().unwrap() > body["start"].as_u64().unwrap());
}

#[test]
fn scan_exit_code_zero_when_every_line_is_screened_and_section_flag_applies() {
    // The rules alone: the n-gram model may move a verdict (see the next
    // test).
    let out = run(&["scan", "--no-model", "--section", "jobs"], "{\"body\": \"Pay the placement fee first.\"}\n{\"section\": \"housing\", \"body\": \"Pay the placement fee first.\"}\n");
    assert_eq!(out.status.code(), Some(0));
    let v = lines(&out);
    assert_eq!(v[0]["section"], "jobs");
    assert_eq!(v[0]["verdict"], "warn");
    assert_eq!(v[1]["section"], "housing");
    assert_eq!(v[1]["verdict"], "allow");
}

#[test]
fn the_model_moves_a_verdict_and_no_model_turns_it_off() {
    let ad = "{\"section\": \"jobs\", \"body\": \"Pay the placement fee first.\"}\n";
    let with = lines(&run(&["scan"], ad));
    let without = lines(&run(&["scan", "--no-model"], ad));
    let rank = |t: &serde_json::Value| {
        ["allow", "warn", "review", "block"]
            .iter()
            .position(|x| t == x)
            .unwrap()
    };
    let (a, b) = (rank(&with[0]["verdict"]), rank(&without[0]["verdict"]));
    // The rules warn; from `warn` the model moves one step at most.
    assert_eq!(without[0]["verdict"], "warn");
    assert!(a.abs_diff(b) <= 1, "{with:?} {without:?}");
    let model = &with[0]["model"];
    assert!(model["score"]
        .as_f64()
        .is_some_and(|p| (0.0..=1.0).contains(&p)));
    // `moved_from` is there exactly when the tier moved, and names the rules' tier.
    assert_eq!(model.get("moved_from").is_some(), a != b);
    if a != b {
        assert_eq!(model["moved_from"], without[0]["verdict"]);
    }
    assert!(without[0].get("model").is_none());
    // A model file that is not one is a usage error, with its path.
    let bad = run(&["scan", "--model", "Cargo.toml"], ad);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Cargo.toml"));
}

#[test]
fn normalize_prints_the_matching_form_of_each_field_or_line() {
    let input = concat!(
        r#"{"id": 7, "section": "jobs", "title": "Ｗｏｒｋ abroad", "body": "P4SSP0RT kept by the b0ss", "price": 40}"#,
        "\n",
        "[1]\n",
        "{\"body\": \"call five five five\"}\n",
    );
    let out = run(&["normalize"], input);
    assert_eq!(out.status.code(), Some(1), "the array line is an error");
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    // Text fields rewritten; `id`, `section` and other values kept.
    assert_eq!(v[0]["id"], 7);
    assert_eq!(v[0]["section"], "jobs");
    assert_eq!(v[0]["price"], 40);
    assert_eq!(
        v[0]["title"],
        redflag::normalize("Ｗｏｒｋ abroad").as_str()
    );
    assert!(v[0]["body"].as_str().unwrap().starts_with("pasport kept"));
    assert_eq!(v[1]["line"], 2);
    assert!(v[1]["error"].as_str().unwrap().contains("--text"));
    assert_eq!(v[2]["body"], "cal 5 5 5");
    // Plain text, a line for a line (an empty one stays empty).
    let text = run(&["normalize", "--text"], "Ｐａｓｓｐｏｒｔ\n\nb0ss\n");
    succeeded(&text);
    assert_eq!(String::from_utf8_lossy(&text.stdout), "pasport\n\nbos\n");
}

#[test]
fn scan_reads_a_file_and_extra_packs() {
    let pack = tmp(
        "site.toml",
        r#"schema = 1
[pack]
id = "site"
version = "2"
[[rule]]
id = "site.pets"
title = "Pet sale ban"
category = "policy"
score = 20
max_tier = "block"
match = { any = ["puppies"] }
"#,
    );
    let ads = tmp(
        "ads.jsonl",
        "{\"id\": \"p\", \"body\": \"Cute puppies for sale\"}\n",
    );
    let out = bin()
        .args(["scan", "--pack"])
        .arg(&pack)
        .arg(&ads)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = lines(&out);
    assert_eq!(v[0]["verdict"], "block");
    let packs: Vec<&str> = v[0]["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        packs.contains(&"core") && packs.iter().position(|&p| p == "site") == Some(packs.len() - 1),
        "built-in packs first: {packs:?}"
    );
    assert_eq!(packs.last(), Some(&"site"), "added packs last: {packs:?}");
    assert_eq!(
        v[0]["packs"].as_array().unwrap().last().unwrap()["version"],
        "2"
    );
    let only = bin()
        .args(["scan", "--no-default-packs", "--pack"])
        .arg(&pack)
        .arg(&ads)
        .output()
        .unwrap();
    assert_eq!(
        lines(&only)[0]["packs"],
        serde_json::json!([{"id": "site", "version": "2"}])
    );
    let t = bin()
        .args(["scan", "--thresholds", "1,2,3"])
        .arg(&ads)
        .output()
        .unwrap();
    assert_eq!(
        lines(&t)[0]["thresholds"],
        serde_json::json!({"warn": 1.0, "review": 2.0, "block": 3.0})
    );
}

#[test]
fn pack_errors_and_usage_errors_exit_2() {
    let bad = tmp("bad.toml", "schema = 1\n[pack]\nid = \"b\"\nversion = \"1\"\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nmatch = { near = { a = [\"x\"], b = [\"y\"], within = 2.5 } }\n");
    let out = bin().args(["scan", "--pack"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rule[0].match.near.within") && err.contains("bad.toml"),
        "{err}"
    );
    assert_eq!(run(&["scan", "--bogus"], "").status.code(), Some(2));
    assert_eq!(
        run(&["scan", "/no/such/file.jsonl"], "").status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["scan", "--thresholds", "1,2"], "").status.code(),
        Some(2)
    );
    let help = run(&["--help"], "");
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8_lossy(&help.stdout);
    for sub in ["scan", "test", "lint", "explain", "pack"] {
        assert!(help.contains(sub), "{help}");
    }
}

#[test]
fn test_subcommand_passes_on_shipped_packs_and_fails_on_a_broken_test() {
    let out = run(&["test"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = bin()
        .args(["test", concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 failed"));
    let broken = tmp(
        "broken.toml",
        "schema = 1\n[pack]\nid = \"b\"\nversion = \"1\"\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"alpha\"] }\ntests.fire = [\"beta\"]\ntests.pass = [\"alpha here\"]\n",
    );
    let out = bin().arg("test").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL r [b] tests.fire[0]") && text.contains("text: beta"),
        "{text}"
    );
    assert!(
        text.contains("FAIL r [b] tests.pass[0]") && text.contains("matched \"alpha\""),
        "{text}"
    );
    assert!(text.contains("0 passed, 2 failed"), "{text}");
}

#[test]
fn lint_reports_problems_and_is_clean_on_shipped_packs() {
    let out = run(&["lint"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sloppy = tmp(
        "sloppy.toml",
        "schema = 1\n[pack]\nid = \"s\"\nversion = \"1\"\n[lists]\nabroad = [\"overseas\"]\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"ab\", \"fee\", \"Fee\", \"@@abroad\"] }\n",
    );
    let out = bin().arg("lint").arg(&sloppy).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rule[0].match.any[0]: term `ab` is only 2 characters"),
        "{text}"
    );
    assert!(text.contains("duplicate term `Fee`"), "{text}");
    assert!(
        text.contains("`@@abroad` is the literal term `@abroad`, not the list `abroad`"),
        "{text}"
    );
    assert!(text.contains("missing poster explanation"), "{text}");
    assert!(text.contains("no test that must fire"), "{text}");
}

#[test]
fn explain_prints_a_score_table() {
    let out = run(
        &["explain"],
        r#"{"section": "jobs", "title": "Work abroad", "body": "Your pаsspоrt will be kept by the agency. Registration fee 300 USD."}"#,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    // documents held (4, strong) + worker-paid fee (3) + the fee's amount
    // (3) + the forced-labour pattern of a strong indicator with another (4)
    assert!(text.starts_with("Verdict: BLOCK   score 14"), "{text}");
    assert!(text.contains("together.jobs.forced-labour"), "{text}");
    assert!(text.contains("Reads as: jobs"), "{text}");
    assert!(
        text.contains("core.jobs.documents-held")
            && text.contains("[pаsspоrt]")
            && text.contains("(confusables)"),
        "{text}"
    );
    assert!(
        text.contains("Poster sees:") && text.contains("Reviewer notes:"),
        "{text}"
    );
    // Plain text is taken as the body.
    let out = run(
        &["explain", "--section", "jobs"],
        "Registration fee 300 USD.",
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Verdict: REVIEW"));
}

#[test]
fn explain_says_which_exception_words_cleared_a_rule() {
    let pack = tmp(
        "cleared.toml",
        r#"schema = 1
[pack]
id = "site"
version = "1"
[[rule]]
id = "site.deposit"
title = "Deposit asked of the applicant"
category = "recruitment-fee"
score = 3
match = { any = ["deposit"] }
exceptions = ["refundable"]
"#,
    );
    let pack = pack.to_str().unwrap();
    let explain = |body: &str| {
        let out = run(&["explain", "--no-default-packs", "--pack", pack], body);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = explain("A refundable deposit on the uniform.");
    assert!(text.contains("No rule fired."), "{text}");
    assert!(
        text.contains("Cleared by exceptions")
            && text.contains("Deposit asked of the applicant (site.deposit)")
            && text.contains("\"refundable\" cancels \"deposit\""),
        "{text}"
    );
    let text = explain("A deposit on the uniform.");
    assert!(!text.contains("Cleared by exceptions"), "{text}");
}

#[test]
fn pack_converts_toml_to_json_that_loads_the_same() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/core.toml");
    let out = bin()
        .args(["pack", "--format", "json", src])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json = String::from_utf8(out.stdout).unwrap();
    let from_json = redflag::Pack::from_json(&json).unwrap();
    let from_toml = redflag::Pack::from_toml(&std::fs::read_to_string(src).unwrap()).unwrap();
    assert_eq!(from_json, from_toml);
}

#[test]
fn scan_entities_values_and_keyed_hashes() {
    let ad = r#"{"section": "adult", "body": "new in town, txt 2O2-555-O147 or kik: sweetpea99"}"#;
    // Without --entities: no entities in the output, though a rule used them.
    let v = lines(&run(&["scan"], ad));
    assert!(v[0].get("entities").is_none());
    assert!(v[0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "core.adult.hidden-contact"));

    // --entities alone: kinds and spans, no values, no hashes.
    let v = lines(&run(&["scan", "--entities"], ad));
    let ents = v[0]["entities"].as_array().unwrap();
    let kinds: Vec<&str> = ents.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["phone", "handle"]);
    assert!(ents
        .iter()
        .all(|e| e.get("value").is_none() && e.get("hash").is_none()));

    // A key file: hashes, the same for the same number however written.
    let key = tmp("entity.key", "a-deployment-secret-of-32-bytes!\n");
    let key = key.to_str().unwrap();
    let two = format!(
        "{ad}\n{}\n",
        r#"{"section": "adult", "body": "call two oh two five five five oh one four seven"}"#
    );
    let v = lines(&run(
        &["scan", "--entities", "--entity-key-file", key],
        &two,
    ));
    let h0 = v[0]["entities"][0]["hash"].as_str().unwrap();
    let h1 = v[1]["entities"][0]["hash"].as_str().unwrap();
    assert_eq!(h0.len(), 64);
    assert_eq!(h0, h1);

    // --raw-values: canonical values for reviewer tools.
    let v = lines(&run(&["scan", "--entities", "--raw-values"], ad));
    assert_eq!(v[0]["entities"][0]["value"], "+12025550147");
    assert_eq!(v[0]["entities"][1]["value"], "sweetpea99");
    assert_eq!(v[0]["entities"][1]["platform"], "kik");

    // A short key is refused with a usage error.
    let short = tmp("short.key", "abc");
    let out = run(
        &[
            "scan",
            "--entities",
            "--entity-key-file",
            short.to_str().unwrap(),
        ],
        ad,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16 bytes"));
}

#[test]
fn eval_reports_metrics_and_calibrate_writes_a_pack_that_loads() {
    let pack = tmp(
        "cal.toml",
        r#"schema = 1
[pack]
id = "cal"
version = "1.0.0"
thresholds = { warn = 2, review = 4, block = 8 }
[[rule]]
id = "cal.fee"
title = "Fee"
category = "fee"
score = 1
match = { any = ["deposit"] }
[[rule]]
id = "cal.noise"
title = "Noise"
category = "noise"
score = 3
match = { any = ["urgent"] }
"#,
    );
    let mut lines = String::new();
    for i in 0..20 {
        if i % 2 == 0 {
            lines.push_str(&format!("{{\"id\": {i}, \"label\": \"flag\", \"group\": \"g\", \"body\": \"pay the deposit\"}}\n"));
        } else {
            lines.push_str(&format!(
                "{{\"id\": {i}, \"label\": \"clean\", \"body\": \"urgent hire\"}}\n"
            ));
        }
    }
    let labels = tmp("labels.jsonl", &lines);
    let p = pack.to_str().unwrap();
    let l = labels.to_str().unwrap();
    let out = bin()
        .args([
            "eval",
            "--no-default-packs",
            "--pack",
            p,
            "--labels",
            l,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    succeeded(&out);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["flagged"], 10);
    assert_eq!(r["tiers"][0]["tier"], "warn");
    assert_eq!(
        r["tiers"][0]["false_positive_rate"], 1.0,
        "the noisy rule warns on every clean ad"
    );
    assert_eq!(r["groups"][0]["group"], "g");

    let new = std::env::temp_dir().join(format!("redflag-cal-{}.json", std::process::id()));
    let out = bin()
        .args([
            "calibrate",
            "--no-default-packs",
            "--pack",
            p,
            "--labels",
            l,
            "--out",
        ])
        .arg(&new)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("cal 1.0.0 → 1.0.1"), "{text}");
    let calibrated = std::fs::read_to_string(&new).unwrap();
    let v: Value = serde_json::from_str(&calibrated).unwrap();
    let score = |id: &str| {
        v["rule"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert!(
        score("cal.noise") < 3.0 && score("cal.fee") > 1.0,
        "{calibrated}"
    );
    // The calibrated pack screens: the noise no longer warns.
    let out = run(
        &[
            "scan",
            "--no-default-packs",
            "--pack",
            new.to_str().unwrap(),
        ],
        "{\"body\": \"urgent hire\"}\n",
    );
    assert_eq!(lines_of(&out)[0]["verdict"], "allow");

    // A record without a label is an error unless --default-label is given.
    let unlabelled = tmp("unlabelled.jsonl", "{\"body\": \"urgent\"}\n");
    let out = bin()
        .args([
            "eval",
            "--no-default-packs",
            "--pack",
            p,
            "--labels",
            unlabelled.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1 has no `label`") && err.contains("--default-label"),
        "{err}"
    );
    let out = bin()
        .args([
            "eval",
            "--no-default-packs",
            "--pack",
            p,
            "--default-label",
            "clean",
            "--labels",
            unlabelled.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

fn lines_of(out: &Output) -> Vec<Value> {
    lines(out)
}

fn run_bytes(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redflag");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Written from a thread: the output of a long input must be drained
    // while it is written.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Issue #20, item 2: the reader consumed the bad line, then skipped the
/// next one too (no verdict, no error), and later line numbers were one low.
#[test]
fn scan_a_line_that_is_not_utf8_is_reported_and_the_next_line_is_screened() {
    let out = run_bytes(
        &["scan"],
        b"{\"id\":1,\"body\":\"a\xff\"}\n{\"id\":2,\"body\":\"b\"}\n{not json}\n{\"id\":4,\"body\":\"c\"}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 4, "{v:#?}");
    assert_eq!(v[0]["line"], 1);
    assert!(
        v[0]["error"].as_str().unwrap().contains("UTF-8"),
        "{}",
        v[0]
    );
    assert_eq!(v[1]["id"], 2);
    assert_eq!(v[1]["verdict"], "allow");
    assert_eq!(v[2]["line"], 3, "line numbers stay right after a bad line");
    assert_eq!(v[3]["id"], 4);
}

/// Issue #20, item 4: a line over the limit is refused while it is read
/// (only the limit's worth is held), with its line number, and the batch
/// goes on with the next line; input that ends without a line break too.
#[test]
fn scan_an_over_long_line_is_refused_and_the_next_line_is_screened() {
    let limit = 4 * redflag::Limits::default().max_input_bytes;
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"id\":1,\"body\":\"ok\"}\n");
    input.extend_from_slice(b"{\"id\":2,\"body\":\"");
    input.resize(input.len() + limit, b'a');
    input.extend_from_slice(b"\"}\n{\"id\":3,\"body\":\"ok\"}\n");
    input.resize(input.len() + limit + 1, b' ');
    let out = run_bytes(&["scan"], &input);
    assert_eq!(out.status.code(), Some(1));
    let v = lines(&out);
    assert_eq!(v.len(), 4, "{v:#?}");
    assert_eq!(v[0]["id"], 1);
    assert_eq!(v[1]["line"], 2);
    let e = v[1]["error"].as_str().unwrap();
    assert!(e.contains("longer than the limit of 4194304 bytes"), "{e}");
    assert!(v[1].get("id").is_none());
    assert_eq!(v[2]["id"], 3);
    assert_eq!(v[3]["line"], 4, "a last line without a line break counts");
    // Exactly at the limit is read (and then refused by the engine's text
    // limit, as any submission over it is).
    let mut at = b"{\"body\":\"".to_vec();
    at.resize(limit - 2, b'a');
    at.extend_from_slice(b"\"}");
    let out = run_bytes(&["scan"], &at);
    let v = lines(&out);
    assert!(
        v[0]["error"].as_str().unwrap().contains("max_input_bytes"),
        "{}",
        v[0]
    );
}

/// Issue #20, item 9: a UTF-8 byte order mark made line 1 invalid JSON.
#[test]
fn scan_accepts_a_byte_order_mark_on_line_one() {
    let out = run_bytes(
        &["scan"],
        b"\xEF\xBB\xBF{\"id\":1,\"body\":\"hello\"}\r\n{\"id\":2,\"body\":\"there\"}\r\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v = lines(&out);
    assert_eq!(
        (v[0]["id"].clone(), v[1]["id"].clone()),
        (1.into(), 2.into())
    );
}

/// Issue #20, item 8: `id` is echoed as given, byte for byte: `1e2` came
/// back as `100.0` and integers past 2^64 lost digits.
#[test]
fn scan_echoes_ids_byte_for_byte_in_verdicts_and_errors() {
    let out = run(
        &["scan"],
        concat!(
            "{\"id\": 1e2, \"body\": \"a\"}\n",
            "{\"id\":123456789012345678901234567890,\"body\":\"b\"}\n",
            "{\"id\": {\"k\" : [1.50, \"\\u00e9\"]}, \"body\": \"c\"}\n",
            "{\"id\": 1, \"id\": -0.0, \"section\": 7}\n",
        ),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = text
        .lines()
        .map(|l| {
            let start = l.find("\"id\":").unwrap() + 5;
            let end = l
                .find(",\"verdict\"")
                .or_else(|| l.find(",\"error\""))
                .unwrap();
            &l[start..end]
        })
        .collect();
    assert_eq!(
        ids,
        [
            "1e2",
            "123456789012345678901234567890",
            "{\"k\" : [1.50, \"\\u00e9\"]}",
            "-0.0"
        ]
    );
}

/// `explain` reads one submission in bounded memory too, and takes a BOM.
#[test]
fn explain_refuses_an_over_long_input_and_accepts_a_bom() {
    let limit = 4 * redflag::Limits::default().max_input_bytes;
    let out = run_bytes(&["explain"], &vec![b'a'; limit + 1]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("longer than the limit"));
    let out = run_bytes(
        &["explain"],
        b"\xEF\xBB\xBF{\"section\": \"jobs\", \"body\": \"hi\"}",
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Section: jobs"));
}

/// `eval` reads labels with the same reader: a bad line is reported with
/// its number and does not take the next one with it.
#[test]
fn eval_a_label_line_that_is_not_utf8_does_not_hide_the_next() {
    let labels = std::env::temp_dir().join(format!("redflag-cli-{}-bad.jsonl", std::process::id()));
    std::fs::write(
        &labels,
        b"\xEF\xBB\xBF{\"label\":\"clean\",\"body\":\"a\xff\"}\n{\"label\":\"clean\",\"body\":\"b\"}\n{\"label\":\"x\"}\n",
    )
    .unwrap();
    let out = bin()
        .args([
            "eval",
            "--format",
            "json",
            "--labels",
            labels.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1: cannot read line: not valid UTF-8"),
        "{err}"
    );
    assert!(err.contains("line 3: "), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["total"], 1, "line 2 was screened");
}

/// Issue #20, item 8, in `eval`: the JSON report lists cases with their id,
/// which must be the id as written too.
#[test]
fn eval_reports_echo_ids_byte_for_byte() {
    let labels = tmp(
        "ids.jsonl",
        concat!(
            r#"{"id": 1e2, "label": "clean", "section": "jobs", "body": "Registration fee of $200 before you start."}"#,
            "\n",
            r#"{"id": 123456789012345678901234567890, "label": "clean", "section": "jobs", "body": "Pay the placement fee of 300 USD first."}"#,
            "\n",
        ),
    );
    let out = bin()
        .args(["eval", "--format", "json", "--labels"])
        .arg(&labels)
        .output()
        .unwrap();
    succeeded(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        report["worst_false_positives"].as_array().unwrap().len(),
        2,
        "{text}"
    );
    assert!(text.contains("\"id\": 1e2,"), "{text}");
    assert!(
        text.contains("\"id\": 123456789012345678901234567890,"),
        "{text}"
    );
}

#[test]
fn explain_reads_json_lines_one_report_per_ad() {
    let input = concat!(
        r#"{"id": "a", "section": "jobs", "title": "Cleaners", "body": "Registration fee 300 USD. We keep your passport."}"#,
        "\n\n",
        r#"{"id": "b", "section": "for-sale", "title": "Desk", "body": "Oak desk, good condition."}"#,
        "\n",
        r#"{"id": "c", "section": 7, "body": "broken"}"#,
        "\n",
    );
    let out = run(&["explain"], input);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    // One report per readable ad, headed by its line and id; the JSON
    // itself is never screened as a body ("title": would be a match).
    assert_eq!(text.matches("Verdict: ").count(), 2, "{text}");
    assert!(text.contains("=== line 1 (id \"a\") ==="), "{text}");
    assert!(text.contains("=== line 3 (id \"b\") ==="), "{text}");
    assert!(!text.contains("\"title\""), "{text}");
    let first = text.split("=== line 3").next().unwrap();
    assert!(!first.contains("Verdict: ALLOW"), "{first}");
    assert!(text
        .split("=== line 3")
        .nth(1)
        .unwrap()
        .contains("Verdict: ALLOW"));
    // The broken line is reported with its number; the exit code says so.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 4:"), "{err}");
    assert_eq!(out.status.code(), Some(1));

    // Plain text is still one body.
    let out = run(
        &["explain", "--section", "jobs"],
        "Registration fee 300 USD.\nWe keep your passport.\n",
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("Verdict: ").count(), 1, "{text}");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn an_unknown_section_is_a_usage_error_with_the_nearest_name() {
    let ad = r#"{"body": "Registration fee 300 USD."}"#;
    for cmd in ["scan", "explain"] {
        let out = run(&[cmd, "--section", "jbos"], ad);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(out.stdout.is_empty(), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("did you mean `jobs`?"), "{cmd}: {err}");
    }
    // Far from every name: no guess, but the list.
    let out = run(&["scan", "--section", "pets"], ad);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("did you mean"), "{err}");
    assert!(err.contains("for-sale"), "{err}");
    // Names and aliases in any case and spelling of separators still work.
    for ok in ["jobs", "Employment", "adult_services", "for sale"] {
        let out = run(&["scan", "--section", ok], ad);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{ok}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn eval_on_unlabelled_ads_says_once_how_to_label_them() {
    let ads: String = (0..12)
        .map(|i| format!("{{\"id\": {i}, \"body\": \"Oak desk number {i}\"}}\n"))
        .collect();
    let p = tmp("twelve-unlabelled.jsonl", &ads);
    let out = run(&["eval", "--labels", p.to_str().unwrap()], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("no `label`").count(), 1, "{err}");
    assert!(err.contains("12 lines"), "{err}");
    assert!(err.contains("--default-label clean"), "{err}");
    // No table of zeros passed off as a result.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(out.status.code(), Some(1));
    // With the hint followed, the same file is measured.
    let out = run(
        &[
            "eval",
            "--labels",
            p.to_str().unwrap(),
            "--default-label",
            "clean",
        ],
        "",
    );
    succeeded(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("12 submissions"));
}

#[test]
fn explain_plain_text_without_a_section_reads_papers_held_and_a_fee_as_work() {
    // No word for a job, no section: held papers and a recruitment fee are
    // marks only work has, so the job rules run.
    for text in [
        "We keep your passport. Registration fee 300 USD",
        "Your ID card stays with the agent. Training fee payable before departure.",
    ] {
        let out = run(&["explain"], text);
        let report = String::from_utf8(out.stdout).unwrap();
        assert!(report.contains("Reads as: jobs"), "{text}: {report}");
        assert!(!report.starts_with("Verdict: ALLOW"), "{text}: {report}");
    }
    // A guest's booking deposit and a copy of the passport at reception
    // are not work.
    let out = run(
        &["explain"],
        "Hostel dorm, booking deposit required; we keep a copy of your passport at reception.",
    );
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.starts_with("Verdict: ALLOW"), "{report}");
    assert!(!report.contains("Reads as: jobs"), "{report}");
}

#[test]
fn a_broken_pack_reports_every_problem_in_one_round() {
    // A type error, a duplicate id, an unknown section and an unknown list:
    // the first used to hide the other three until it was fixed.
    let pack = r#"schema = 4
[pack]
id = "site"
version = "1.0.0"

[[rule]]
id = "site.a"
title = "A"
category = "x"
score = "two"
match = { any = ["fee"] }

[[rule]]
id = "site.b"
title = "B"
category = "x"
score = 2
sections = ["jbos"]
match = { any = ["@nolist"] }

[[rule]]
id = "site.b"
title = "B again"
category = "x"
score = 2
match = { any = ["fee"] }
"#;
    let p = tmp("four-problems.toml", pack);
    for cmd in ["scan", "explain"] {
        let out = run(&[cmd, "--pack", p.to_str().unwrap()], "{\"body\": \"fee\"}");
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("four-problems.toml"), "{err}");
        for want in [
            "rule[0].score",
            "duplicate rule id `site.b`",
            "unknown section `jbos`",
            "unknown list `@nolist`",
        ] {
            assert!(err.contains(want), "{cmd}: {want} missing in:\n{err}");
        }
    }
}
