use super::*;
use crate::{Limits, Pack, Tier};

fn pack() -> Pack {
    Pack::from_json(
        r#"{"schema": 1, "pack": {"id": "t", "version": "1.0.0", "thresholds": {"warn": 2, "review": 4, "block": 8}},
        "rule": [
          {"id": "t.fee", "title": "Fee", "category": "fee", "score": 3, "match": {"any": ["deposit"]}},
          {"id": "t.passport", "title": "Passport", "category": "docs", "score": 2, "match": {"any": ["passport"]}},
          {"id": "t.noise", "title": "Noise", "category": "noise", "score": 2, "match": {"any": ["urgent"]}}
        ]}"#,
    )
    .unwrap()
}

fn item(label: &str, body: &str, group: &str) -> Labelled {
    Labelled::from_json(
        &serde_json::json!({"label": label, "body": body, "group": group}),
        None,
    )
    .unwrap()
}

fn engine() -> Engine {
    Engine::builder().pack(pack()).build().unwrap()
}

#[test]
fn metrics_on_a_set_with_known_answers() {
    let items = [
        item("flag", "deposit and passport", "a"), // 5: review
        item("flag", "deposit", "a"),              // 3: warn
        item("flag", "nothing here", "b"),         // 0: allow
        item("clean", "urgent hire", "b"),         // 2: warn
        item("clean", "a bike for sale", "b"),     // 0: allow
    ];
    let r = evaluate(&engine(), &items);
    assert_eq!((r.total, r.flagged, r.clean), (5, 3, 2));
    let warn = &r.tiers[0];
    assert_eq!(
        (
            warn.true_positives,
            warn.false_positives,
            warn.false_negatives,
            warn.true_negatives
        ),
        (2, 1, 1, 1)
    );
    assert!((warn.precision - 2.0 / 3.0).abs() < 1e-9);
    assert!((warn.recall - 2.0 / 3.0).abs() < 1e-9);
    assert!((warn.false_positive_rate - 0.5).abs() < 1e-9);
    let review = &r.tiers[1];
    assert_eq!((review.true_positives, review.false_positives), (1, 0));
    assert_eq!(review.precision, 1.0);
    assert_eq!(r.confusion["flag"]["allow"], 1);
    assert_eq!(r.confusion["clean"]["warn"], 1);
    // The noisy rule fires only on clean ads: listed last.
    assert_eq!(r.rules.last().unwrap().name, "t.noise");
    assert_eq!(r.rules[0].name, "t.fee");
    assert_eq!(r.worst_false_positives.len(), 1);
    assert_eq!(r.worst_false_positives[0].hits, ["t.noise: urgent"]);
    assert_eq!(r.worst_false_negatives.len(), 2);
    assert_eq!(r.worst_false_negatives[0].score, 0.0);
    let b = r.groups.iter().find(|g| g.group == "b").unwrap();
    assert_eq!((b.flagged, b.clean, b.clean_warn), (1, 2, 1));
    let html = html_report(&r, "t");
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<svg") && !html.contains("<script")
    );
    assert!(text_report(&r).contains("warn"));
}

#[test]
fn expectations_and_bad_records() {
    let v = serde_json::json!({"label": "flag", "min_tier": "review", "body": "deposit"});
    let l = Labelled::from_json(&v, None).unwrap();
    let r = evaluate(&engine(), &[l]);
    assert_eq!(r.expectations_checked, 1);
    assert_eq!(
        r.expectation_failures[0].expected.as_deref(),
        Some("at least review")
    );
    assert!(Labelled::from_json(&serde_json::json!({"body": "x"}), None).is_err());
    assert_eq!(
        Labelled::from_json(&serde_json::json!({"body": "x"}), Some(Label::Clean))
            .unwrap()
            .label,
        Label::Clean
    );
    assert!(Labelled::from_json(&serde_json::json!({"label": "spam", "body": "x"}), None).is_err());
    assert!(Labelled::from_json(
        &serde_json::json!({"label": "flag", "min_tier": "high", "body": "x"}),
        None
    )
    .is_err());
}

#[test]
fn calibration_scores_down_a_rule_that_fires_only_on_clean_ads() {
    let mut items = Vec::new();
    for i in 0..30 {
        items.push(item(
            "flag",
            if i % 3 == 0 {
                "deposit and passport"
            } else {
                "deposit now"
            },
            "f",
        ));
        items.push(item(
            "clean",
            if i % 2 == 0 {
                "urgent hire, great team"
            } else {
                "bike for sale"
            },
            "c",
        ));
    }
    let c = calibrate(
        &[],
        &pack(),
        &items,
        &Limits::default(),
        &CalibrateOptions::default(),
    )
    .unwrap();
    let change = |id: &str| c.changes.iter().find(|x| x.rule == id).unwrap().clone();
    assert!(
        change("t.noise").new < change("t.noise").old,
        "{:?}",
        c.changes
    );
    assert!(change("t.noise").new <= 0.0);
    assert!(change("t.fee").new >= change("t.fee").old);
    // Held-out: the noisy rule no longer warns on clean ads.
    let warn_before = &c.before.tiers[0];
    let warn_after = &c.after.tiers[0];
    assert!(warn_before.false_positive_rate > 0.4);
    assert!(warn_after.false_positive_rate <= 0.05, "{warn_after:?}");
    assert!(warn_after.recall >= 0.99);
    // The new pack loads and scores as reported.
    let e = Engine::builder().pack(c.pack.clone()).build().unwrap();
    assert_eq!(e.thresholds(), c.thresholds_after);
    let v = e
        .screen(&crate::Submission::new().field("body", "urgent hire"))
        .unwrap();
    assert_eq!(v.verdict, Tier::Allow);
    assert_eq!(c.pack.pack.version, "1.0.1");
}

#[test]
fn calibration_needs_both_labels() {
    let items = vec![item("flag", "deposit", "a"); 6];
    assert!(calibrate(
        &[],
        &pack(),
        &items,
        &Limits::default(),
        &CalibrateOptions::default()
    )
    .is_err());
}
