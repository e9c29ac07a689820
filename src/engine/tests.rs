//! Engine tests that need its internals.

use super::*;

thread_local! {
    /// Occurrences visited by `near` and entity `near` queries.
    pub(super) static VISITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Occurrences `near` visits to screen `body` (repeated `n` times).
fn visits(e: &Engine, section: &str, body: &str, n: usize) -> u64 {
    VISITS.with(|v| v.set(0));
    let sub = Submission::new()
        .section(section)
        .field("body", body.repeat(n));
    e.screen(&sub).unwrap();
    VISITS.with(|v| v.get())
}

#[test]
fn near_work_grows_linearly_with_the_text_whatever_its_shape() {
    // Spaced-out letters join into one long word holding every match,
    // so every match is "near" every other; a `near` used to compare
    // them all (1 MB took tens of seconds). Work must grow with the
    // text, not with its square: four times the text, at most about
    // four times the visits.
    let e = Engine::new_default();
    for (section, unit) in [
        ("adult", "r o s e h r "),
        ("jobs", "f e e v i s a "),
        ("adult", "girl 16 rose "),
        ("jobs", "passport kept held fee debt "),
        ("jobs", "p a s s p o r t k e p t "),
    ] {
        let small = visits(&e, section, unit, 2_000);
        let large = visits(&e, section, unit, 8_000);
        assert!(
            large <= small * 5 + 100,
            "{unit:?}: {small} visits at 2,000 repeats, {large} at 8,000"
        );
    }
}

#[test]
fn engine_is_send_sync() {
    fn assert<T: Send + Sync>() {}
    assert::<Engine>();
}

#[test]
fn fired_answers_for_candidates_only_and_lists_in_rule_order() {
    let mut f = Fired::new(&[3, 70, 200], 256);
    f.set(
        70,
        Some(vec![Span {
            field: 0,
            start: 1,
            end: 2,
        }]),
    );
    f.set(3, Some(Vec::new()));
    f.set(200, None);
    // A rule that was not a candidate cannot be recorded, nor read.
    f.set(5, Some(Vec::new()));
    assert!(f.get(3).is_some());
    assert_eq!(f.get(70).map(Vec::len), Some(1));
    assert!(f.get(200).is_none());
    assert!(f.get(5).is_none());
    assert!(f.get(100_000).is_none());
    assert_eq!(f.iter().map(|(r, _)| r).collect::<Vec<_>>(), vec![3, 70]);
    // Evaluated again and no longer firing (pack tests re-run rules).
    f.set(3, None);
    assert!(f.get(3).is_none());
    assert!(Fired::default().get(3).is_none());
}

#[test]
fn term_bits_are_cleared_between_submissions() {
    // The thread's term set is reused: a term found in one ad must not
    // count as present in the next.
    let e = Engine::new_default();
    let strong = Submission::new().section("jobs").field(
        "body",
        "We keep your passport and you work off the debt for the flight.",
    );
    let plain = Submission::new()
        .section("jobs")
        .field("body", "Barista wanted, weekend shifts, apply in store.");
    let first = e.screen(&plain).unwrap();
    assert!(e.screen(&strong).unwrap().verdict > first.verdict);
    let again = e.screen(&plain).unwrap();
    assert_eq!(again.verdict, first.verdict);
    assert_eq!(again.rules.len(), first.rules.len());
}

/// The candidate rules of one submission, by id.
fn candidate_ids(e: &Engine, body: &str) -> Vec<String> {
    let sub = Submission::new().field("body", body);
    let scan = e.scan(&sub);
    let c = e.candidates(&scan);
    c.iter()
        .map(|&r| e.c.rules[r as usize].id.clone())
        .collect()
}

#[test]
fn a_rule_missing_every_term_of_a_needed_part_is_no_candidate() {
    let pack = crate::Pack::from_toml(
        r#"
schema = 4
[pack]
id = "t"
version = "1.0.0"
[[rule]]
id = "t.child-work"
title = "children for work"
category = "minor"
score = 5
match = { and = [{ any = ["work", "job"] }, { or = [{ near = { a = ["kid", "child"], b = ["hire", "hiring"], within = 3 } }, { any = ["minors"] }] }] }
[[rule]]
id = "t.all"
title = "every word"
category = "x"
score = 1
match = { all = ["alpha", "beta"] }
[[rule]]
id = "t.unless"
title = "work without a contract"
category = "x"
score = 1
match = { and = [{ any = ["work"] }, { none = ["contract"] }] }
[[rule]]
id = "t.age"
title = "a young age said with a job word"
category = "x"
score = 1
match = { and = [{ any = ["job"] }, { or = [{ entity = { kind = "age", max = 15 } }, { any = ["minors"] }] }] }
"#,
    )
    .unwrap();
    let e = Engine::builder().pack(pack).build().unwrap();
    // A job word alone: the child rule cannot fire and is not looked at;
    // a rule whose other part needs no term still is.
    let c = candidate_ids(&e, "Warehouse work, good job, weekly pay.");
    assert!(!c.contains(&"t.child-work".to_string()), "{c:?}");
    assert!(c.contains(&"t.unless".to_string()), "{c:?}");
    assert!(c.contains(&"t.age".to_string()), "{c:?}");
    // Either branch of the `or` brings it back, and it fires.
    for body in [
        "We are hiring a kid for farm work",
        "Job for minors, cash daily",
    ] {
        let c = candidate_ids(&e, body);
        assert!(c.contains(&"t.child-work".to_string()), "{body}: {c:?}");
        let v = e.screen(&Submission::new().field("body", body)).unwrap();
        assert!(v.rules.iter().any(|r| r.id == "t.child-work"), "{body}");
    }
    // `all` needs each of its terms.
    assert!(!candidate_ids(&e, "alpha only").contains(&"t.all".to_string()));
    assert!(candidate_ids(&e, "alpha and beta").contains(&"t.all".to_string()));
}
