//! The native half of the comparison benchmark (`node benches/compare.mjs`
//! runs it): rustrict with the packs' terms added, and a bare
//! Aho-Corasick pass over the raw text with the same literals, on the same
//! corpus, timed per ad. Prints one JSON object.
//!
//!   cargo bench --bench compare_native -- CORPUS.jsonl TERMS.json [EVASIONS.json]
//!
//! Without arguments (as in `cargo test --benches`) it runs a tiny smoke
//! comparison and exits.

use std::time::Instant;

use aho_corasick::{AhoCorasick, MatchKind};
use rustrict::{CensorStr, Type};

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((p / 100.0) * sorted.len() as f64) as usize % sorted.len().max(1)]
}

/// Times `f` over every ad, in passes until at least `min_secs` elapsed.
fn time(ads: &[String], min_secs: f64, mut f: impl FnMut(&str) -> bool) -> serde_json::Value {
    let bytes: usize = ads.iter().map(String::len).sum();
    let mut per_ad = Vec::new();
    let mut flagged = 0;
    let start = Instant::now();
    let mut passes = 0;
    while passes == 0 || start.elapsed().as_secs_f64() < min_secs {
        flagged = 0;
        for a in ads {
            let t = Instant::now();
            flagged += f(a) as usize;
            per_ad.push(t.elapsed().as_secs_f64() * 1e6);
        }
        passes += 1;
    }
    let total = start.elapsed().as_secs_f64();
    per_ad.sort_by(f64::total_cmp);
    serde_json::json!({
        "mb_per_s": (bytes * passes) as f64 / total / 1e6,
        "us_p50": pct(&per_ad, 50.0),
        "us_p99": pct(&per_ad, 99.0),
        "flagged": flagged,
        "passes": passes,
    })
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (ads, terms, evasions): (Vec<String>, Vec<String>, Vec<(String, String)>) =
        if args.len() < 2 {
            (
                vec![
                    "Pay the registration fee before departure.".into(),
                    "Road bike for sale.".into(),
                ],
                vec!["registration fee".into(), "passport".into()],
                vec![("passport".into(), "p a s s p o r t".into())],
            )
        } else {
            let corpus = std::fs::read_to_string(&args[0]).expect("corpus");
            let ads = corpus
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
                    v.as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(k, _)| k.as_str() != "section" && k.as_str() != "id")
                                .filter_map(|(_, v)| v.as_str())
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default()
                })
                .collect();
            let terms = serde_json::from_str(&std::fs::read_to_string(&args[1]).expect("terms"))
                .expect("terms JSON");
            let evasions = args
                .get(2)
                .map(|p| {
                    serde_json::from_str(&std::fs::read_to_string(p).expect("evasions"))
                        .expect("evasions JSON")
                })
                .unwrap_or_default();
            (ads, terms, evasions)
        };
    let secs = if args.len() < 2 { 0.0 } else { 2.0 };

    let t = Instant::now();
    let ac = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&terms)
        .expect("automaton");
    let ac_build_ms = t.elapsed().as_secs_f64() * 1e3;
    // Every match to the end of the text, as redflag finds them; and the
    // early exit at the first match, for the second table.
    let bare = time(&ads, secs, |a| ac.find_overlapping_iter(a).count() > 0);
    let first = time(&ads, secs, |a| ac.is_match(a));

    let t = Instant::now();
    for term in &terms {
        let w = term.to_lowercase();
        // rustrict's trie takes single words and phrases alike.
        #[allow(deprecated)]
        unsafe {
            rustrict::add_word(&w, Type::SEXUAL | Type::SEVERE);
        }
    }
    let rustrict_build_ms = t.elapsed().as_secs_f64() * 1e3;
    let rr = time(&ads, secs, |a| a.is(Type::SEXUAL & Type::SEVERE));

    let caught = |f: &dyn Fn(&str) -> bool| -> Vec<bool> {
        evasions.iter().map(|(_, text)| f(text)).collect()
    };
    let out = serde_json::json!({
        "aho_corasick": { "build_ms": ac_build_ms, "screen": bare, "first": first, "caught": caught(&|a| ac.is_match(a)) },
        "rustrict": { "build_ms": rustrict_build_ms, "screen": rr, "caught": caught(&|a| a.is(Type::SEXUAL & Type::SEVERE)) },
        "peak_rss_kb": peak_rss_kb(),
    });
    println!("{out}");
}
