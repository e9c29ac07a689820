#![cfg(not(target_arch = "wasm32"))]
//! 1 MB of the worst text we know, through the whole screening path with
//! entities: every input completes and output stays bounded. The time each
//! takes is printed (`--nocapture`) for reading, never asserted; speed is
//! measured in benches/.

use std::time::Instant;

use redflag::{Engine, Limits, ScreenOptions, Submission};

const MB: usize = 1 << 20;

fn fill(unit: &str) -> String {
    unit.repeat(MB / unit.len() + 1)[..floor(unit, MB)].to_string()
}

/// The largest char boundary of `unit.repeat(..)` at or below `n`.
fn floor(unit: &str, n: usize) -> usize {
    let s = unit.repeat(n / unit.len() + 1);
    let mut k = n.min(s.len());
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    k
}

fn inputs() -> Vec<(&'static str, String)> {
    let marks: String = std::iter::once('a')
        .chain(std::iter::repeat_n('\u{0301}', 999))
        .collect();
    vec![
        (
            "zero-width between letters",
            fill("p\u{200B}a\u{200B}s\u{200B}s\u{200B}"),
        ),
        ("millions of zero-width spaces", fill("\u{200B}")),
        ("one letter per line", fill("a\n")),
        ("spaced letters", fill("p a s s p o r t ")),
        ("endless repeated letter", fill("a")),
        ("deeply combined marks", fill(&marks)),
        ("digits and spaces", fill("5 ")),
        ("number words", fill("five ")),
        ("at signs", fill("a@")),
        ("dots and labels", fill("a.")),
        ("emoji", fill("🌹")),
        ("keycaps", fill("5\u{FE0F}\u{20E3}")),
        (
            "indicator phrases",
            fill("pay the registration fee, passport kept by the employer "),
        ),
        ("prices", fill("$150/hr ")),
        ("ages", fill("17yo ")),
        ("handles", fill("kik: a1 ")),
        ("confusables", fill("раssроrt ")),
        ("letters replaced by symbols", fill("p*ss d_bt ")),
        ("words cut by hyphens", fill("pa-ss-po-rt ")),
    ]
}

#[test]
fn one_megabyte_of_adversarial_text_is_screened_in_bounded_output() {
    let engine = Engine::builder()
        .default_packs()
        .limits(Limits {
            max_input_bytes: 2 * MB,
            ..Limits::default()
        })
        .build()
        .unwrap();
    let max_hits = engine.limits().max_hits_per_rule;
    let opts = ScreenOptions {
        entities: true,
        raw_values: true,
        thresholds: None,
    };
    for (name, text) in inputs() {
        assert!(
            text.len() > MB - 8 && text.len() <= MB,
            "{name}: {}",
            text.len()
        );
        for section in ["jobs", "adult"] {
            let sub = Submission::new()
                .section(section)
                .field("body", text.as_str());
            let t = Instant::now();
            let v = engine
                .screen_with_options(&sub, &opts)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "{name:<32} {section:<6} {ms:>8.1} ms  {} rules, {} hits, {} entities",
                v.rules.len(),
                v.hits.len(),
                v.entities.len()
            );
            assert!(
                v.hits.len() <= v.rules.len() * max_hits,
                "{name}: hits are capped per rule"
            );
            assert!(
                v.entities.len() <= engine.limits().max_entities,
                "{name}: entities are capped"
            );
            for h in &v.hits {
                assert_eq!(&text[h.byte_start..h.byte_end], h.text, "{name}");
            }
        }
    }
}

#[test]
fn the_default_input_limit_refuses_a_megabyte_with_a_clear_error() {
    let engine = Engine::new_default();
    let text = "a".repeat(MB + 1);
    let err = engine
        .screen(&Submission::new().field("body", text))
        .unwrap_err();
    assert!(err.to_string().contains("max_input_bytes"), "{err}");
}

/// Every character that displays as a blank between two words, the
/// Unicode `White_Space` set and the blank glyphs that are not in it
/// (braille blank, Hangul fillers), keeps the example ad of
/// docs/integrators.md (`redflag explain`) at its verdict and score: none of
/// them may glue words together.
#[test]
fn every_blank_between_words_keeps_the_verdict() {
    let engine = Engine::new_default();
    let ad = |sep: &str| {
        Submission::new()
            .section("jobs")
            .field("title", "Work abroad")
            .field(
                "body",
                "Your passport will be kept by the agency. Registration fee 300 USD."
                    .replace(' ', sep),
            )
    };
    let plain = engine.screen(&ad(" ")).unwrap();
    assert!(plain.verdict >= redflag::Tier::Review, "{plain:?}");
    let blanks = (0..=0x10FFFFu32)
        .filter_map(char::from_u32)
        // A line break ends a line for the price reader ("300\nUSD" is
        // no price), as it does for the poster; every other blank counts.
        .filter(|c| c.is_whitespace() && !matches!(c, '\n' | '\r'))
        .chain(['\u{2800}', '\u{3164}', '\u{FFA0}', '\u{115F}', '\u{1160}']);
    for c in blanks {
        let v = engine.screen(&ad(&c.to_string())).unwrap();
        assert_eq!(
            (v.verdict, v.score),
            (plain.verdict, plain.score),
            "U+{:04X} between the words",
            c as u32
        );
    }
}
