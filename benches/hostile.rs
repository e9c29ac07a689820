//! Worst-case throughput: the nastiest inputs we can construct, against
//! real ads of the same size, from 1 KB to 1 MB.
//!
//! Run with `cargo bench --bench hostile`; the figures and their ratio to
//! real ads are written down in `benches/RESULTS.md` (a benchmark, never a
//! timed test). The shapes:
//!
//! - `real`: the example ads, concatenated (the baseline);
//! - `spaced-terms`: every term of the built-in packs' lists spaced out
//!   letter by letter (one long joined word holding every match);
//! - `back-to-back`: every list term once, one after another;
//! - `one-term`: one strong term repeated ("passport kept ");
//! - `max-words`: words of 255 letters;
//! - `entities`: ages, prices, phone numbers and e-mail addresses beside
//!   the words that give them meaning;
//! - `masked`: a symbol in place of a letter in every word ("p*ssport").

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use redflag::{Engine, Submission};

const SIZES: [(usize, &str); 4] = [
    (1 << 10, "1KB"),
    (16 << 10, "16KB"),
    (256 << 10, "256KB"),
    (1 << 20, "1MB"),
];

/// Every term of the built-in packs' named lists, wildcards dropped.
fn pack_terms() -> Vec<String> {
    let mut out = Vec::new();
    for p in redflag::default_packs().expect("built-in packs") {
        for list in p.lists.values() {
            for t in list {
                let t = t.trim_matches('*');
                if !t.starts_with('@') && !t.is_empty() {
                    out.push(t.to_string());
                }
            }
        }
    }
    out
}

fn spaced(term: &str) -> String {
    let mut s = String::new();
    for c in term.chars().filter(|c| !c.is_whitespace()) {
        s.push(c);
        s.push(' ');
    }
    s
}

/// `unit` repeated to exactly `n` bytes or just under (on a char boundary).
fn fill(unit: &str, n: usize) -> String {
    let mut s = unit.repeat(n / unit.len().max(1) + 1);
    let mut k = n.min(s.len());
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    s.truncate(k);
    s
}

fn shapes() -> Vec<(&'static str, &'static str, String)> {
    let terms = pack_terms();
    let real: String = include_str!("../examples/ads.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["body"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        ("real", "jobs", real),
        (
            "spaced-terms",
            "adult",
            terms.iter().map(|t| spaced(t)).collect::<String>(),
        ),
        ("back-to-back", "jobs", terms.join(" ")),
        ("one-term", "jobs", "passport kept ".to_string()),
        ("max-words", "jobs", format!("{} ", "a".repeat(255))),
        (
            "entities",
            "adult",
            "girl 16 yo, 200 roses, call 555-0100 or a@example.com; fee $300, 17 years old. "
                .to_string(),
        ),
        (
            "masked",
            "jobs",
            "p*ssport h*ld d*bt f*e w*ges ".to_string(),
        ),
    ]
}

fn bench_hostile(c: &mut Criterion) {
    let engine = Engine::new_default();
    let shapes = shapes();
    for (n, label) in SIZES {
        let mut g = c.benchmark_group(format!("hostile/{label}"));
        g.throughput(Throughput::Bytes(n as u64));
        if n >= 256 << 10 {
            g.sample_size(10);
        }
        for (name, section, unit) in &shapes {
            let sub = Submission::new()
                .section(*section)
                .field("body", fill(unit, n));
            g.bench_with_input(BenchmarkId::from_parameter(name), &sub, |b, sub| {
                b.iter(|| engine.screen(black_box(sub)).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench_hostile);
criterion_main!(benches);
