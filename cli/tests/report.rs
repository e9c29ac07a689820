//! `redflag report` end to end: the real binary on synthetic counters,
//! decision exports and appeal records. The expected figures are computed
//! here from the fixtures, and no output may carry the fixtures' ad text,
//! contacts, links, listing ids, references or reviewers.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use serde_json::{json, Value};

mod common;

fn run(args: &[&str], stdin: &str) -> Output {
    let mut cmd = common::bin();
    cmd.args(args);
    common::run_cmd(cmd, stdin)
}

fn dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redflag-report-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &std::path::Path, name: &str, content: &str) -> String {
    let p = d.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_str().unwrap().to_string()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const TIERS: [&str; 5] = ["allow", "warn", "review", "block", "error"];

/// Personal data and identifiers in the fixtures: none may reach a report.
const SECRETS: [&str; 12] = [
    "555-0142",
    "+15550142",
    "someone@example.com",
    "https://ads.example.com/listing/",
    "ads.example.com",
    "Hotel cleaners wanted",
    "passport will be kept",
    "Sunny flat",
    "L-4711",
    "rev-jane.doe",
    "ref-7f3a",
    "Jane",
];

struct Ad {
    id: &'static str,
    decision: &'static str,
    tier: &'static str,
    at: &'static str,
}

/// The ads the reviewers decided, with text that carries contacts.
const ADS: [Ad; 8] = [
    Ad {
        id: "L-4711-a",
        decision: "confirm",
        tier: "block",
        at: "2026-12-01T09:00:00.000Z",
    },
    Ad {
        id: "L-4711-b",
        decision: "confirm",
        tier: "review",
        at: "2026-12-01T10:00:00.000Z",
    },
    Ad {
        id: "L-4711-c",
        decision: "dismiss",
        tier: "warn",
        at: "2026-12-01T11:00:00.000Z",
    },
    Ad {
        id: "L-4711-d",
        decision: "dismiss",
        tier: "review",
        at: "2026-12-02T09:00:00.000Z",
    },
    Ad {
        id: "L-4711-e",
        decision: "escalate",
        tier: "block",
        at: "2026-12-02T10:00:00.000Z",
    },
    Ad {
        id: "L-4711-f",
        decision: "confirm",
        tier: "allow",
        at: "2026-12-02T11:00:00.000Z",
    },
    Ad {
        id: "L-4711-g",
        decision: "dismiss",
        tier: "allow",
        at: "2026-12-03T09:00:00.000Z",
    },
    Ad {
        id: "L-4711-h",
        decision: "dismiss",
        tier: "warn",
        at: "2026-12-03T10:00:00.000Z",
    },
];

fn decision_line(id: &str, decision: &str, tier: &str, at: &str) -> String {
    let label = if decision == "dismiss" {
        "clean"
    } else {
        "flag"
    };
    json!({
        "id": id,
        "label": label,
        "group": decision,
        "section": "jobs",
        "title": "Hotel cleaners wanted in Dubai",
        "body": format!("Call 555-0142 or write to someone@example.com, see https://ads.example.com/listing/{id}. Your passport will be kept."),
        "review": {
            "decision": decision,
            "decided_at": at,
            "listing_id": id,
            "reviewer": "rev-jane.doe",
            "note": "Jane thinks +15550142 is the agent",
            "url": format!("https://ads.example.com/listing/{id}"),
            "verdict": {"tier": tier, "score": 12, "rules": ["core.jobs.fee"]},
            "packs": [{"id": "core", "version": "0.2.2"}, {"id": "site", "version": "1.0.0"}],
            "tool": {"name": "redflag reviewer", "version": "0.1.0"},
        },
    })
    .to_string()
}

fn decisions_jsonl(ads: &[Ad]) -> String {
    ads.iter()
        .map(|a| decision_line(a.id, a.decision, a.tier, a.at) + "\n")
        .collect()
}

struct Appeal {
    reference: &'static str,
    received: &'static str,
    decided: Option<&'static str>,
    outcome: &'static str,
    category: Option<&'static str>,
}

/// The appeals' final states (hours to decision: 24, 2, 48, 10).
const APPEALS: [Appeal; 6] = [
    Appeal {
        reference: "ref-7f3a-1",
        received: "2026-12-01T00:00:00Z",
        decided: Some("2026-12-02T00:00:00Z"),
        outcome: "upheld",
        category: Some("recruitment-fee"),
    },
    Appeal {
        reference: "ref-7f3a-2",
        received: "2026-12-01T06:00:00Z",
        decided: Some("2026-12-01T08:00:00.500Z"),
        outcome: "overturned",
        category: Some("recruitment-fee"),
    },
    Appeal {
        reference: "ref-7f3a-3",
        received: "2026-12-01T12:00:00Z",
        decided: Some("2026-12-03T12:00:00Z"),
        outcome: "upheld",
        category: None,
    },
    Appeal {
        reference: "ref-7f3a-4",
        received: "2026-12-02T00:00:00Z",
        decided: Some("2026-12-02T10:00:00Z"),
        outcome: "overturned",
        category: Some("youth"),
    },
    Appeal {
        reference: "ref-7f3a-5",
        received: "2026-12-02T08:00:00Z",
        decided: None,
        outcome: "pending",
        category: Some("youth"),
    },
    Appeal {
        reference: "ref-7f3a-6",
        received: "2026-12-03T08:00:00Z",
        decided: None,
        outcome: "pending",
        category: None,
    },
];

fn appeal_line(a: &Appeal) -> String {
    let mut v = json!({"reference": a.reference, "received": a.received, "outcome": a.outcome,
                       "note": "appellant someone@example.com, 555-0142"});
    if let Some(d) = a.decided {
        v["decided"] = json!(d);
    }
    if let Some(c) = a.category {
        v["category"] = json!(c);
    }
    v.to_string()
}

fn appeals_jsonl() -> String {
    // Each decided appeal is first logged as pending, then with its outcome.
    let mut s = String::new();
    for a in APPEALS.iter().filter(|a| a.decided.is_some()) {
        s += &appeal_line(&Appeal {
            decided: None,
            outcome: "pending",
            ..*a
        });
        s.push('\n');
    }
    for a in &APPEALS {
        s += &appeal_line(a);
        s.push('\n');
    }
    s
}

fn counters() -> Value {
    json!({
        "since": "2026-12-01T00:00:00.000Z",
        "submissions": 1000,
        "tiers": {"allow": 900, "warn": 55, "review": 30, "block": 12, "error": 3},
        "categories": {"recruitment-fee": 61, "youth": 7, "deception": 61, "third-party": 20},
        "errors": {"engine": 3},
        "notes": {"truncated": 4, "ambiguous-section": 11},
    })
}

fn hours(a: &str, b: &str) -> f64 {
    // The fixture's times are all in December 2026: day, hour, minute, second, ms.
    let t = |s: &str| {
        let n = |r: std::ops::Range<usize>| s[r].parse::<f64>().unwrap();
        let ms = if s.len() > 20 { n(20..23) } else { 0.0 };
        ((n(8..10) * 24.0 + n(11..13)) * 60.0 + n(14..16)) * 60.0 + n(17..19) + ms / 1000.0
    };
    (t(b) - t(a)) / 3600.0
}

fn share(n: u64, of: u64) -> f64 {
    (n as f64 / of as f64 * 10_000.0).round() / 10_000.0
}

fn full_report(d: &std::path::Path, format: &str) -> String {
    let c = write(
        d,
        "counters.json",
        &serde_json::to_string_pretty(&counters()).unwrap(),
    );
    // Two exports: the second repeats the first's decisions (an export holds
    // every stored decision), with one of them changed later.
    let (first, rest) = ADS.split_at(5);
    let mut changed = decisions_jsonl(first);
    changed += &decision_line("L-4711-e", "confirm", "block", "2026-11-30T10:00:00.000Z"); // older: ignored
    changed.push('\n');
    let e1 = write(d, "redflag-decisions-1.jsonl", &changed);
    let e2 = write(
        d,
        "redflag-decisions-2.jsonl",
        &(decisions_jsonl(first) + &decisions_jsonl(rest)),
    );
    let ap = write(d, "appeals.jsonl", &appeals_jsonl());
    ok(&run(
        &[
            "report",
            "--counters",
            &c,
            "--decisions",
            &e1,
            "--decisions",
            &e2,
            "--appeals",
            &ap,
            "--format",
            format,
        ],
        "",
    ))
}

#[test]
fn figures_match_the_inputs() {
    let d = dir("figures");
    let r: Value = serde_json::from_str(&full_report(&d, "json")).unwrap();
    assert_eq!(r["format"], "redflag-transparency/1");

    // Screening: as the counters say, shares of the submissions.
    let c = counters();
    let subs = c["submissions"].as_u64().unwrap();
    assert_eq!(r["screening"]["submissions"], subs);
    assert_eq!(r["screening"]["source"], "endpoint");
    assert_eq!(r["screening"]["counters_since"], c["since"]);
    let tiers = r["screening"]["tiers"].as_array().unwrap();
    assert_eq!(tiers.len(), 5);
    for (row, t) in tiers.iter().zip(TIERS) {
        let n = c["tiers"][t].as_u64().unwrap();
        assert_eq!(row["tier"], t);
        assert_eq!(row["count"], n);
        assert_eq!(row["share"].as_f64().unwrap(), share(n, subs));
    }
    // Categories: most submissions first, then by name.
    let mut cats: Vec<(String, u64)> = c["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let got: Vec<(String, u64)> = r["screening"]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["category"].as_str().unwrap().to_string(),
                x["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, cats);
    assert_eq!(
        r["screening"]["errors"][0],
        json!({"kind": "engine", "count": 3})
    );

    // Automated actions: the flagged tiers.
    let flagged_tiers = ["warn", "review", "block"];
    let actions: u64 = flagged_tiers
        .iter()
        .map(|t| c["tiers"][t].as_u64().unwrap())
        .sum();
    assert_eq!(r["automated"]["actions"], actions);
    for t in flagged_tiers {
        assert_eq!(r["automated"][t], c["tiers"][t]);
    }

    // Human decisions: one per ad, whatever the number of exports.
    let h = &r["human"];
    assert_eq!(h["decisions"], ADS.len());
    for dec in ["confirm", "dismiss", "escalate"] {
        assert_eq!(
            h[dec],
            ADS.iter().filter(|a| a.decision == dec).count(),
            "{dec}"
        );
    }
    let flagged: Vec<&Ad> = ADS.iter().filter(|a| a.tier != "allow").collect();
    let dismissed = flagged.iter().filter(|a| a.decision == "dismiss").count() as u64;
    assert_eq!(h["flagged_decided"], flagged.len());
    assert_eq!(h["flagged_dismissed"], dismissed);
    assert_eq!(
        h["false_positive_estimate"].as_f64().unwrap(),
        share(dismissed, flagged.len() as u64)
    );
    assert_eq!(
        h["allowed_confirmed"],
        ADS.iter()
            .filter(|a| a.tier == "allow" && a.decision != "dismiss")
            .count()
    );
    for row in h["by_tier"].as_array().unwrap() {
        let t = row["tier"].as_str().unwrap();
        for dec in ["confirm", "dismiss", "escalate"] {
            let n = ADS
                .iter()
                .filter(|a| a.tier == t && a.decision == dec)
                .count();
            assert_eq!(row[dec], n, "{t} {dec}");
        }
    }
    assert_eq!(r["inputs"]["decisions_repeated"], 6);

    // Appeals: the last line of each reference.
    let a = &r["appeals"];
    assert_eq!(a["received"], APPEALS.len());
    for o in ["upheld", "overturned", "pending"] {
        assert_eq!(
            a[o],
            APPEALS.iter().filter(|x| x.outcome == o).count(),
            "{o}"
        );
    }
    let decided = APPEALS.iter().filter(|x| x.decided.is_some()).count() as u64;
    let overturned = APPEALS.iter().filter(|x| x.outcome == "overturned").count() as u64;
    assert_eq!(
        a["overturned_share"].as_f64().unwrap(),
        share(overturned, decided)
    );
    let mut hs: Vec<f64> = APPEALS
        .iter()
        .filter_map(|x| x.decided.map(|d| hours(x.received, d)))
        .collect();
    hs.sort_by(f64::total_cmp);
    let m = hs.len() / 2;
    let median = if hs.len() % 2 == 1 {
        hs[m]
    } else {
        (hs[m - 1] + hs[m]) / 2.0
    };
    assert_eq!(
        a["median_hours_to_decision"].as_f64().unwrap(),
        (median * 10.0).round() / 10.0
    );
    let mut per_cat: BTreeMap<Option<&str>, u64> = BTreeMap::new();
    for x in &APPEALS {
        *per_cat.entry(x.category).or_default() += 1;
    }
    for row in a["by_category"].as_array().unwrap() {
        let cat = row["category"].as_str();
        assert_eq!(row["received"], per_cat[&cat], "{cat:?}");
    }
    assert_eq!(a["by_category"].as_array().unwrap().len(), per_cat.len());

    // Versions of the packs and the extension behind the decisions.
    assert_eq!(
        r["versions"]["packs"][0],
        json!({"pack": "core@0.2.2", "decisions": ADS.len()})
    );
    assert_eq!(
        r["versions"]["packs"][1],
        json!({"pack": "site@1.0.0", "decisions": ADS.len()})
    );
    assert_eq!(r["versions"]["tools"][0]["tool"], "redflag reviewer 0.1.0");
}

#[test]
fn no_personal_data_in_either_output() {
    let d = dir("private");
    for format in ["json", "html"] {
        let out = full_report(&d, format);
        for s in SECRETS {
            assert!(!out.contains(s), "{format} output contains {s:?}");
        }
        for a in &ADS {
            assert!(
                !out.contains(a.id),
                "{format} output contains the listing id {}",
                a.id
            );
        }
        for a in &APPEALS {
            assert!(
                !out.contains(a.reference),
                "{format} output contains {}",
                a.reference
            );
        }
    }
    // A contact where a category name goes is refused, not printed.
    let mut c = counters();
    c["categories"]["555-0142"] = json!(1);
    let f = write(&d, "bad-counters.json", &c.to_string());
    let out = run(&["report", "--counters", &f], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout_empty(&out));
    let mut c = counters();
    c["categories"]["someone@example.com"] = json!(1);
    let out = run(&["report", "--counters", "-"], &c.to_string());
    assert_eq!(out.status.code(), Some(2));
    let bad = write(
        &d,
        "bad-appeals.jsonl",
        &(json!({"reference": "x", "received": "2026-12-01T00:00:00Z", "outcome": "pending",
                 "category": "call 555-0142"})
        .to_string()
            + "\n"),
    );
    let c = write(&d, "counters.json", &counters().to_string());
    let out = run(&["report", "--counters", &c, "--appeals", &bad], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(":1: category"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("555-0142 "), "{}", stderr(&out));
    // A pack or tool name that is not one is left out of the versions.
    let mut line: Value = serde_json::from_str(&decision_line(
        "x",
        "confirm",
        "block",
        "2026-12-01T00:00:00Z",
    ))
    .unwrap();
    line["review"]["packs"] = json!([{"id": "someone@example.com", "version": "1"}]);
    line["review"]["tool"] =
        json!({"name": "Jane's laptop 555-0142 someone@example.com", "version": "1"});
    let f = write(&d, "odd.jsonl", &(line.to_string() + "\n"));
    let out = ok(&run(&["report", "--counters", &c, "--decisions", &f], ""));
    assert!(
        !out.contains("example.com") && !out.contains("Jane"),
        "{out}"
    );
}

fn stdout_empty(out: &Output) -> bool {
    out.stdout.is_empty()
}

#[test]
fn a_counters_log_sums_the_latest_line_of_each_isolate() {
    let snap = |since: &str, allow: u64, block: u64, fee: u64| {
        json!({"type": "redflag.counters", "since": since, "submissions": allow + block,
               "tiers": {"allow": allow, "warn": 0, "review": 0, "block": block, "error": 0},
               "categories": {"recruitment-fee": fee}, "errors": {}, "notes": {}})
        .to_string()
    };
    let (a, b) = ("2026-12-01T08:00:00.000Z", "2026-12-01T07:00:00.123Z");
    let log = [
        snap(a, 90, 10, 10),
        json!({"type": "redflag.blocked", "reference": "ref-7f3a-9", "score": 20}).to_string(),
        snap(b, 95, 5, 5),
        String::new(),
        snap(a, 180, 20, 21), // isolate a's total
        snap(b, 190, 10, 9),  // isolate b's total
    ]
    .join("\n");
    let r: Value = serde_json::from_str(&ok(&run(&["report", "--counters", "-"], &log))).unwrap();
    let sc = &r["screening"];
    assert_eq!(sc["source"], "log");
    assert_eq!(sc["isolates"], 2);
    assert_eq!(sc["snapshots"], 4);
    assert_eq!(sc["submissions"], 200 + 200);
    assert_eq!(sc["tiers"][0]["count"], 180 + 190);
    assert_eq!(sc["tiers"][3]["count"], 20 + 10);
    assert_eq!(sc["categories"][0]["count"], 21 + 9);
    assert_eq!(sc["counters_since"], b, "the earliest isolate's start");
    assert!(!r.to_string().contains("ref-7f3a"));
}

#[test]
fn bad_input_is_an_error_naming_the_file_and_line() {
    let d = dir("errors");
    let c = write(&d, "counters.json", &counters().to_string());
    let dec = write(
        &d,
        "decisions.jsonl",
        &(decision_line("L-4711-a", "confirm", "block", "2026-12-01T09:00:00.000Z")
            + "\n{\"id\": \"L-4711-b\", truncated\n"),
    );
    let out = run(&["report", "--counters", &c, "--decisions", &dec], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{dec}:2: not JSON")),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    let odd = write(
        &d,
        "odd-decision.jsonl",
        &decision_line("L-4711-a", "approve", "block", "2026-12-01T09:00:00Z"),
    );
    let out = run(&["report", "--counters", &c, "--decisions", &odd], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{odd}:1: review.decision")),
        "{}",
        stderr(&out)
    );

    let mut ap = appeals_jsonl();
    ap += "{\"reference\": \"ref-7f3a-x\", \"received\": \"2026-12-01T00:00:00Z\", \"decided\": \"2026-12-02T00:00:00Z\", \"outcome\": \"granted\"}\n";
    let line = ap.lines().count();
    let apf = write(&d, "appeals.jsonl", &ap);
    let out = run(&["report", "--counters", &c, "--appeals", &apf], "");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{apf}:{line}: outcome must be upheld, overturned or pending"
        )),
        "{err}"
    );
    assert!(err.contains("\"granted\""), "{err}");

    for (bad, why) in [
        (
            r#"{"reference": "r", "received": "2026-12-02T00:00:00Z", "outcome": "upheld"}"#,
            "needs `decided`",
        ),
        (
            r#"{"reference": "r", "received": "2026-12-02T00:00:00Z", "decided": "2026-12-01T00:00:00Z", "outcome": "upheld"}"#,
            "decided before",
        ),
        (
            r#"{"reference": "r", "received": "yesterday", "outcome": "pending"}"#,
            "received is not a UTC time",
        ),
        (
            r#"{"received": "2026-12-02T00:00:00Z", "outcome": "pending"}"#,
            "no `reference`",
        ),
    ] {
        let f = write(&d, "one-appeal.jsonl", &format!("\n{bad}\n"));
        let out = run(&["report", "--counters", &c, "--appeals", &f], "");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            stderr(&out).contains(&format!("{f}:2: ")) && stderr(&out).contains(why),
            "{bad}: {}",
            stderr(&out)
        );
    }

    // Counters: a missing file, tiers that do not add up, a log without counters.
    let missing = d.join("nope.json");
    let out = run(&["report", "--counters", missing.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.json"), "{}", stderr(&out));
    let mut wrong = counters();
    wrong["submissions"] = json!(999);
    let out = run(&["report", "--counters", "-"], &wrong.to_string());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("stdin: the tiers add up to 1000"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &["report", "--counters", "-"],
        "{\"type\":\"redflag.blocked\"}\n{\"type\":\"redflag.blocked\"}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no redflag.counters line"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &["report", "--counters", "-"],
        "{\"type\":\"redflag.counters\"}\nnot json\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("stdin:2: not JSON"),
        "{}",
        stderr(&out)
    );

    // Usage: two inputs from stdin, a bad period, --min-cell 1.
    let out = run(&["report", "--counters", "-", "--decisions", "-"], "");
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &["report", "--counters", &c, "--period-start", "2026-13-01"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--period-start"), "{}", stderr(&out));
    let out = run(
        &[
            "report",
            "--counters",
            &c,
            "--period-start",
            "2026-12-02",
            "--period-end",
            "2026-12-01",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["report", "--counters", &c, "--min-cell", "1"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn min_cell_withholds_small_counts() {
    let d = dir("min-cell");
    let c = write(&d, "counters.json", &counters().to_string());
    let dec = write(&d, "d.jsonl", &decisions_jsonl(&ADS));
    let min = 10;
    let r: Value = serde_json::from_str(&ok(&run(
        &[
            "report",
            "--counters",
            &c,
            "--decisions",
            &dec,
            "--min-cell",
            "10",
        ],
        "",
    )))
    .unwrap();
    assert_eq!(r["min_cell"], min);
    let expect = |n: u64| {
        if n > 0 && n < min {
            Value::Null
        } else {
            json!(n)
        }
    };
    let counts = counters();
    for row in r["screening"]["tiers"].as_array().unwrap() {
        let n = counts["tiers"][row["tier"].as_str().unwrap()]
            .as_u64()
            .unwrap();
        assert_eq!(row["count"], expect(n), "{row}");
        assert_eq!(row["share"].is_null(), expect(n).is_null(), "{row}");
    }
    for row in r["screening"]["categories"].as_array().unwrap() {
        let n = counts["categories"][row["category"].as_str().unwrap()]
            .as_u64()
            .unwrap();
        assert_eq!(row["count"], expect(n), "{row}");
    }
    // Eight decisions: every human count is withheld, and the estimate with them.
    for key in [
        "decisions",
        "confirm",
        "dismiss",
        "escalate",
        "flagged_decided",
        "false_positive_estimate",
    ] {
        assert!(r["human"][key].is_null(), "{key}: {}", r["human"][key]);
    }
    assert_eq!(r["screening"]["submissions"], 1000);
    let html = ok(&run(
        &[
            "report",
            "--counters",
            &c,
            "--decisions",
            &dec,
            "--min-cell",
            "10",
            "--format",
            "html",
        ],
        "",
    ));
    assert!(html.contains("&lt; 10"));
    assert!(html.contains("withheld"));
    // Without --min-cell nothing is withheld.
    let r: Value = serde_json::from_str(&ok(&run(&["report", "--counters", &c], ""))).unwrap();
    assert_eq!(r["screening"]["tiers"][4]["count"], 3);
    assert!(r["min_cell"].is_null());
}

#[test]
fn the_period_selects_decisions_and_appeals() {
    let d = dir("period");
    let c = write(&d, "counters.json", &counters().to_string());
    let dec = write(&d, "d.jsonl", &decisions_jsonl(&ADS));
    let ap = write(&d, "a.jsonl", &appeals_jsonl());
    let r: Value = serde_json::from_str(&ok(&run(
        &[
            "report",
            "--counters",
            &c,
            "--decisions",
            &dec,
            "--appeals",
            &ap,
            "--period-start",
            "2026-12-02",
            "--period-end",
            "2026-12-02",
        ],
        "",
    )))
    .unwrap();
    // The end date is inclusive: the whole of 2 December.
    let on_2nd = |t: &str| t.starts_with("2026-12-02");
    assert_eq!(
        r["human"]["decisions"],
        ADS.iter().filter(|a| on_2nd(a.at)).count()
    );
    assert_eq!(
        r["appeals"]["received"],
        APPEALS.iter().filter(|a| on_2nd(a.received)).count()
    );
    assert_eq!(
        r["period"],
        json!({"start": "2026-12-02", "end": "2026-12-02"})
    );
    assert_eq!(
        r["inputs"]["decisions_outside_period"],
        ADS.iter().filter(|a| !on_2nd(a.at)).count()
    );
}

#[test]
fn the_html_page_has_charts_tables_and_nothing_external() {
    let d = dir("html");
    let html = full_report(&d, "html");
    assert!(html.starts_with("<!doctype html><html lang=\"en\">"));
    assert!(html.contains("<title>redflag transparency report</title>"));
    assert_eq!(
        html.matches("<svg ").count(),
        2,
        "a chart of tiers and one of categories"
    );
    assert!(html.contains(r#"role="img" aria-label="Submissions by tier""#));
    assert!(html.contains(r#"role="img" aria-label="Submissions by category""#));
    for h in [
        "<h2>Screening</h2>",
        "<h3>By tier</h3>",
        "<h3>By category</h3>",
        "<h2>Automated and human decisions</h2>",
        "<h2>Appeals</h2>",
    ] {
        assert!(html.contains(h), "{h}");
    }
    // Each chart's figures are in a table too.
    let counts = counters();
    for t in TIERS {
        let n = counts["tiers"][t].as_u64().unwrap();
        assert!(
            html.contains(&format!("<tr><td>{t}</td><td class=num>{n}</td>")),
            "{t}"
        );
    }
    for (cat, n) in counts["categories"].as_object().unwrap() {
        assert!(
            html.contains(&format!("<tr><td>{cat}</td><td class=num>{n}</td>")),
            "{cat}"
        );
    }
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));
    assert!(!html.contains("http://") && !html.contains("https://"));
    let title = run(
        &[
            "report",
            "--counters",
            "-",
            "--format",
            "html",
            "--title",
            "Q4 <2026> & co",
        ],
        &counters().to_string(),
    );
    assert!(ok(&title).contains("<h1>Q4 &lt;2026&gt; &amp; co</h1>"));
}

#[test]
fn counters_before_gives_the_periods_own_figures() {
    let d = dir("before");
    let now = counters();
    let mut before = counters();
    let earlier = |n: &Value| json!(n.as_u64().unwrap() / 3);
    for t in TIERS {
        before["tiers"][t] = earlier(&now["tiers"][t]);
    }
    let total: u64 = TIERS
        .iter()
        .map(|t| before["tiers"][t].as_u64().unwrap())
        .sum();
    before["submissions"] = json!(total);
    before["categories"] = json!({"recruitment-fee": 20, "youth": 7});
    before["errors"] = json!({"engine": 1});
    before["notes"] = json!({});
    let c = write(&d, "now.json", &now.to_string());
    let b = write(&d, "before.json", &before.to_string());
    let r: Value = serde_json::from_str(&ok(&run(
        &[
            "report",
            "--counters",
            &c,
            "--counters-before",
            &b,
            "--period-start",
            "2026-12-02",
        ],
        "",
    )))
    .unwrap();
    let sc = &r["screening"];
    assert_eq!(sc["baseline_subtracted"], true);
    assert_eq!(
        sc["submissions"],
        now["submissions"].as_u64().unwrap() - total
    );
    for (row, t) in sc["tiers"].as_array().unwrap().iter().zip(TIERS) {
        assert_eq!(
            row["count"],
            now["tiers"][t].as_u64().unwrap() - before["tiers"][t].as_u64().unwrap(),
            "{t}"
        );
    }
    let cat = |name: &str| {
        sc["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["category"] == name)
            .map(|x| x["count"].clone())
    };
    assert_eq!(cat("recruitment-fee"), Some(json!(61 - 20)));
    assert_eq!(
        cat("youth"),
        None,
        "a category with nothing new is left out"
    );
    assert_eq!(cat("deception"), Some(json!(61)));

    // A later reading as the earlier one, or a reset in between, is refused.
    let out = run(&["report", "--counters", &b, "--counters-before", &c], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("more than the"), "{}", stderr(&out));
    before["since"] = json!("2026-12-02T00:00:00.000Z");
    let b = write(&d, "reset.json", &before.to_string());
    let out = run(&["report", "--counters", &c, "--counters-before", &b], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an earlier reading"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn help_shows_the_options_and_an_example() {
    let out = run(&["report", "--help"], "");
    let help = ok(&out);
    for s in [
        "--counters",
        "--counters-before",
        "--decisions",
        "--appeals",
        "--period-start",
        "--period-end",
        "--min-cell",
        "--format",
        "Example:",
        "Exit codes",
    ] {
        assert!(help.contains(s), "{s}: {help}");
    }
    assert!(ok(&run(&["--help"], "")).contains("report"));
    // No --counters: a usage error.
    assert_eq!(run(&["report"], "").status.code(), Some(2));
}
