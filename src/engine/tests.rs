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
