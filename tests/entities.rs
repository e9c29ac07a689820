#![cfg(not(target_arch = "wasm32"))]
//! Extraction measured on a labelled table (`tests/fixtures/entities.toml`):
//! precision and recall of contact extraction (goal 98 % each), prices and
//! ages, plus property tests of spans and canonical values.

use std::collections::BTreeMap;

use proptest::prelude::*;
use redflag::{extract_entities, EntityKind, EntityOptions, Submission};

#[derive(serde::Deserialize)]
struct Table {
    case: Vec<Case>,
    must_not: Vec<Text>,
    price: Vec<Case>,
    no_price: Vec<Text>,
    age: Vec<AgeCase>,
    no_age: Vec<Text>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    expect: Vec<String>,
}

#[derive(serde::Deserialize)]
struct AgeCase {
    text: String,
    expect: Vec<u32>,
}

#[derive(serde::Deserialize)]
struct Text {
    text: String,
}

fn table() -> Table {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/entities.toml"
    ))
    .unwrap();
    toml::from_str(&src).unwrap()
}

fn raw() -> EntityOptions {
    EntityOptions {
        raw_values: true,
        ..EntityOptions::default()
    }
}

fn entities(text: &str) -> Vec<redflag::Entity> {
    extract_entities(&Submission::new().field("body", text), &raw())
}

fn contacts(text: &str) -> Vec<String> {
    entities(text)
        .into_iter()
        .filter(|e| e.kind.is_contact())
        .map(|e| format!("{}:{}", e.kind, e.value.unwrap_or_default()))
        .collect()
}

/// Precision and recall of `got` against `want` over a set of texts.
#[derive(Default)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, text: &str, want: &[String], got: &[String]) {
        let mut left: Vec<&String> = want.iter().collect();
        for g in got {
            if let Some(k) = left.iter().position(|w| *w == g) {
                left.remove(k);
                self.tp += 1;
            } else {
                self.fp += 1;
                self.misses.push(format!("extra   {g:<32} in {text:?}"));
            }
        }
        for w in left {
            self.fn_ += 1;
            self.misses.push(format!("missed  {w:<32} in {text:?}"));
        }
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn report(&self, what: &str) {
        println!(
            "{what}: precision {:.1} % ({} of {}), recall {:.1} % ({} of {})",
            100.0 * self.precision(),
            self.tp,
            self.tp + self.fp,
            100.0 * self.recall(),
            self.tp,
            self.tp + self.fn_
        );
        for m in &self.misses {
            println!("  {m}");
        }
    }
}

#[test]
fn contact_extraction_precision_and_recall() {
    let t = table();
    let mut score = Score::default();
    let mut by_kind: BTreeMap<String, Score> = BTreeMap::new();
    for c in &t.case {
        let got = contacts(&c.text);
        score.add(&c.text, &c.expect, &got);
        for kind in ["phone", "email", "url", "handle"] {
            let f = |v: &[String]| -> Vec<String> {
                v.iter().filter(|x| x.starts_with(kind)).cloned().collect()
            };
            by_kind
                .entry(kind.to_string())
                .or_default()
                .add(&c.text, &f(&c.expect), &f(&got));
        }
    }
    for c in &t.must_not {
        score.add(&c.text, &[], &contacts(&c.text));
    }
    let expected: usize = t.case.iter().map(|c| c.expect.len()).sum();
    println!(
        "{} cases with {expected} contacts, {} must-not-extract texts",
        t.case.len(),
        t.must_not.len()
    );
    for (k, s) in &by_kind {
        println!(
            "  {k:<7} precision {:.1} %, recall {:.1} %",
            100.0 * s.precision(),
            100.0 * s.recall()
        );
    }
    score.report("contacts");
    assert!(t.case.len() >= 150 && t.must_not.len() >= 60);
    assert!(score.precision() >= 0.98, "precision below 98 %");
    assert!(score.recall() >= 0.98, "recall below 98 %");
}

#[test]
fn price_extraction() {
    let t = table();
    let mut score = Score::default();
    let prices = |text: &str| -> Vec<String> {
        entities(text)
            .into_iter()
            .filter(|e| e.kind == EntityKind::Price)
            .filter_map(|e| e.value)
            .collect()
    };
    for c in &t.price {
        score.add(&c.text, &c.expect, &prices(&c.text));
    }
    for c in &t.no_price {
        score.add(&c.text, &[], &prices(&c.text));
    }
    score.report("prices");
    assert!(score.precision() >= 0.95 && score.recall() >= 0.95);
}

#[test]
fn age_extraction() {
    let t = table();
    let mut score = Score::default();
    let ages = |text: &str| -> Vec<String> {
        entities(text)
            .into_iter()
            .filter(|e| e.kind == EntityKind::Age)
            .filter_map(|e| e.number.map(|n| n.to_string()))
            .collect()
    };
    for c in &t.age {
        let want: Vec<String> = c.expect.iter().map(|a| a.to_string()).collect();
        score.add(&c.text, &want, &ages(&c.text));
    }
    for c in &t.no_age {
        score.add(&c.text, &[], &ages(&c.text));
    }
    score.report("ages");
    assert!(score.precision() >= 0.95 && score.recall() >= 0.95);
}

/// Renders a digit string in one writing style.
fn render(digits: &str, style: usize, sep: &str) -> String {
    const EN: [&str; 10] = [
        "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    const ES: [&str; 10] = [
        "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
    ];
    const FR: [&str; 10] = [
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf",
    ];
    const PT: [&str; 10] = [
        "zero", "um", "dois", "três", "quatro", "cinco", "seis", "sete", "oito", "nove",
    ];
    let d = |c: char| c.to_digit(10).unwrap() as usize;
    let shift = |c: char, zero: u32| char::from_u32(zero + d(c) as u32).unwrap();
    let groups = [&digits[..3], &digits[3..6], &digits[6..]];
    let words = |table: &[&str; 10]| -> String {
        digits
            .chars()
            .map(|c| table[d(c)])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let per_digit = |f: &dyn Fn(char) -> String| -> String {
        groups
            .iter()
            .map(|g| g.chars().map(f).collect::<String>())
            .collect::<Vec<_>>()
            .join(sep)
    };
    match style {
        0 => per_digit(&|c| c.to_string()),
        1 => words(&EN),
        2 => words(&ES),
        3 => words(&FR),
        4 => words(&PT),
        5 => per_digit(&|c| shift(c, 0xFF10).to_string()), // fullwidth
        6 => per_digit(&|c| shift(c, 0x1D7CE).to_string()), // mathematical bold
        7 => per_digit(&|c| shift(c, 0x0660).to_string()), // Arabic-Indic
        8 => per_digit(&|c| shift(c, 0x0966).to_string()), // Devanagari
        9 => per_digit(&|c| format!("{c}\u{FE0F}\u{20E3}")), // keycaps
        10 => per_digit(&|c| match c {
            '0' => "O".to_string(),
            '1' => "l".to_string(),
            c => c.to_string(),
        }),
        11 => digits
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(" "), // spaced
        _ => per_digit(&|c| format!("{c}\u{200B}")), // zero-width
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The same number written in any supported style gives one canonical
    /// value and one keyed hash.
    #[test]
    fn canonical_value_is_stable_across_styles(
        area in prop::sample::select(vec!["202", "212", "312", "415", "646", "718", "213"]),
        xx in 20u32..100,
        style in 0usize..13,
        sep in prop::sample::select(vec!["-", ".", " ", "", "\n", " - "]),
        lead in prop::sample::select(vec!["call ", "txt me ", "Llámame: ", "appelle ", "liga ", ""]),
    ) {
        let digits = format!("{area}55501{xx:02}");
        let text = format!("{lead}{} tonight", render(&digits, style, sep));
        let opts = EntityOptions { raw_values: true, key: Some(b"test key".to_vec()), ..EntityOptions::default() };
        let found: Vec<_> = extract_entities(&Submission::new().field("body", text.as_str()), &opts)
            .into_iter()
            .filter(|e| e.kind == EntityKind::Phone)
            .collect();
        prop_assert_eq!(found.len(), 1, "{:?}", text);
        let want = format!("+1{digits}");
        prop_assert_eq!(found[0].value.as_deref(), Some(want.as_str()), "{:?}", text);
        let plain = extract_entities(
            &Submission::new().field("body", format!("call {area}-555-01{xx:02}")),
            &opts,
        );
        prop_assert_eq!(&found[0].hash, &plain[0].hash);
        prop_assert_eq!(found[0].obfuscated, style != 0 || !matches!(sep, "-" | "." | " " | "" | " - "));
    }

    /// Every entity span is a valid UTF-16 range of the original, and the
    /// byte span agrees with it.
    #[test]
    fn entity_spans_are_valid_utf16_ranges(
        text in "([a-z0-9@.:/ \\-_+()]|[ａ-ｚ０-９]|[٠-٩]|🌹|5\u{FE0F}\u{20E3}|\u{200B}|é|\n|five|cinco|at|dot|kik|\\$|€){0,60}"
    ) {
        let units: Vec<u16> = text.encode_utf16().collect();
        for e in extract_entities(&Submission::new().field("body", text.as_str()), &raw()) {
            prop_assert!(e.start < e.end && e.end <= units.len(), "{:?} {:?}", e, text);
            let by_utf16 = String::from_utf16(&units[e.start..e.end]);
            prop_assert!(by_utf16.is_ok(), "span splits a surrogate pair: {:?}", e);
            prop_assert!(text.is_char_boundary(e.byte_start) && text.is_char_boundary(e.byte_end));
            prop_assert_eq!(by_utf16.unwrap(), &text[e.byte_start..e.byte_end]);
        }
    }
}

/// Ages under 18 found in honest text: the real ads and profiles of
/// `$REDFLAG_CORPORA/*.jsonl` (JSON Lines with `title` and `body`). Each
/// one is a false stated minor age. Run with
/// `REDFLAG_CORPORA=/work/shared/corpora cargo test --release --test entities -- --ignored --nocapture`.
#[test]
#[ignore = "needs REDFLAG_CORPORA"]
fn minor_ages_in_honest_corpora() {
    let Ok(dir) = std::env::var("REDFLAG_CORPORA") else {
        println!("REDFLAG_CORPORA not set");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    // With REDFLAG_ALL_AGES set, every age is listed, not only those under 18.
    let all = std::env::var_os("REDFLAG_ALL_AGES").is_some();
    let (mut records, mut minors, mut ages) = (0, 0, 0);
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let mut here = 0;
        for line in src.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            records += 1;
            let mut sub = Submission::new();
            for f in ["title", "body"] {
                if let Some(s) = v.get(f).and_then(|x| x.as_str()) {
                    sub = sub.field(f, s);
                }
            }
            for e in extract_entities(&sub, &raw()) {
                if e.kind != EntityKind::Age {
                    continue;
                }
                ages += 1;
                let minor = e.number.is_some_and(|n| n < 18.0);
                if minor {
                    minors += 1;
                    here += 1;
                }
                if minor || all {
                    let text = match e.field.as_str() {
                        "title" => v["title"].as_str().unwrap_or(""),
                        _ => v["body"].as_str().unwrap_or(""),
                    };
                    let mut lo = e.byte_start.saturating_sub(40);
                    while !text.is_char_boundary(lo) {
                        lo -= 1;
                    }
                    let mut hi = (e.byte_end + 40).min(text.len());
                    while !text.is_char_boundary(hi) {
                        hi += 1;
                    }
                    println!(
                        "  {name} {}: {} in {:?}",
                        v["id"].as_str().unwrap_or("?"),
                        e.number.unwrap_or(0.0),
                        &text[lo..hi]
                    );
                }
            }
        }
        println!("{name}: {here} ages under 18");
    }
    println!("{records} records, {ages} ages, {minors} under 18");
}
