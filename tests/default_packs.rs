//! The built-in packs: they load, their inline tests pass, they lint clean,
//! and they behave on the example ads and on tricky benign text.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use redflag::{Engine, Submission, Tier};

#[test]
fn default_engine_builds_and_every_inline_test_passes() {
    let e = Engine::builder().default_packs().build().unwrap();
    let report = e.run_tests();
    assert!(report.ok(), "{:#?}", report.failures);
    assert!(report.passed >= 90, "only {} inline tests", report.passed);
    assert!(e.packs().iter().any(|p| p.id == "core"));
}

#[test]
fn shipped_packs_lint_clean() {
    let packs = redflag::default_packs().unwrap();
    let lints = redflag::lint(&packs).unwrap();
    assert!(lints.is_empty(), "{lints:#?}");
}

#[test]
fn example_ads_get_the_expected_tiers() {
    let e = Engine::new_default();
    let expect = |id: &str| -> Tier {
        match id {
            "job-2" | "adult-3" => Tier::Block,
            "job-4" | "adult-1" => Tier::Review,
            "job-5" => Tier::Warn,
            _ => Tier::Allow,
        }
    };
    let mut seen = 0;
    for line in include_str!("../examples/ads.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Ok(sub) = Submission::from_json(&v) else {
            continue;
        };
        let id = v["id"].as_str().unwrap();
        let verdict = e.screen(&sub).unwrap();
        assert_eq!(verdict.verdict, expect(id), "{id}: {:?}", fired(&verdict));
        seen += 1;
    }
    assert_eq!(seen, 11);
}

/// Text a naive keyword filter trips on. Each must stay `allow` in the
/// section where an honest poster would write it.
#[test]
fn tricky_benign_ads_are_allowed() {
    let e = Engine::new_default();
    let cases = [
        ("for-sale", "Fresh produce box: cherry tomatoes, strawberries and herbs, delivered weekly."),
        ("for-sale", "Rose bushes and crown molding offcuts, collection only."),
        ("for-sale", "1998 Ford Escort, one owner, minor scratches, cherry red."),
        ("for-sale", "Young adult fiction bundle, 12 paperbacks, like new."),
        ("services", "Licensed massage therapist (LMT), deep tissue, sports massage, by appointment."),
        ("jobs", "Live-in nanny for two children. Two days off per week, written contract, paid holidays."),
        ("jobs", "Our agency never charges candidates: no registration fee, the employer pays all costs."),
        ("jobs", "Hotel receptionist in Lisbon. Bring your passport to the interview to prove your right to work."),
        ("jobs", "Bartender, no experience needed, full training. Local bar, evening shifts."),
        ("jobs", "Nurses for our hospitals in the UK: visa sponsorship, relocation package, NMC registration support."),
        ("personals", "Young at heart, 52, love gardening (roses mostly) and long walks."),
        ("personals", "New in town for work, looking to meet people for hikes and board games."),
        ("housing", "Room in shared house for a young professional, bills included, 24/7 gym nearby."),
        ("community", "Girls' football club recruiting players aged 16 and 17 for the new season."),
        ("services", "Thai massage and reflexology, licensed practitioners, family-run since 2004."),
        ("adult", "Independent, 34, discreet. Adults only, no minors. Screening required."),
    ];
    for (section, text) in cases {
        let v = e.screen(&in_section(section, text)).unwrap();
        assert_eq!(
            v.verdict,
            Tier::Allow,
            "{section}: {text:?} fired {:?} ({})",
            fired(&v),
            v.score
        );
    }
}
