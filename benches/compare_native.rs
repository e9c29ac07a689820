//! The native half of the comparison benchmark (`node benches/compare.mjs`
//! runs it once a round, natively and built for wasm32-wasip1 under Node's
//! WASI): rustrict with the packs' terms added, and a bare Aho-Corasick pass
//! over the raw text with the same literals, both as a dense DFA (what
//! redflag's own term search uses) and as a contiguous NFA (aho-corasick's
//! default for large sets), on the same corpora, timed per ad. Prints one
//! JSON object.
//!
//!   cargo bench --bench compare_native -- TERMS.json EVASIONS.json \
//!       [--secs S] [--round N] CORPUS.jsonl [CORPUS.jsonl ...]
//!
//! `--secs` is the least time each tool spends on each corpus (whole passes,
//! at least one); `--round` rotates the order the tools run in, so that no
//! tool always runs first or last in a round. Without arguments (as in
//! `cargo test --benches`) it runs a tiny smoke comparison and exits.

use std::time::Instant;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustrict::{CensorStr, Type};

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((p / 100.0) * sorted.len() as f64) as usize).min(sorted.len() - 1)]
}

/// Times `f` over every ad, in whole passes until at least `min_secs`
/// elapsed (one pass at least).
fn time(ads: &[String], min_secs: f64, f: &dyn Fn(&str) -> bool) -> serde_json::Value {
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

/// The text of one ad as every tool but redflag sees it: its title and
/// body, joined by a newline (as `compare.mjs` joins them).
fn ad_text(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
    v.as_object()
        .map(|o| {
            ["title", "body"]
                .iter()
                .filter_map(|k| o.get(*k).and_then(|v| v.as_str()))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &str) -> T {
    serde_json::from_str(&std::fs::read_to_string(path).expect(path)).expect(path)
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut secs = 1.0;
    let mut round = 0usize;
    let mut files = Vec::new();
    let mut it = raw.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--secs" => secs = it.next().and_then(|v| v.parse().ok()).expect("--secs S"),
            "--round" => round = it.next().and_then(|v| v.parse().ok()).expect("--round N"),
            // `cargo bench` passes --bench; criterion-style flags are ignored.
            s if s.starts_with("--") => {}
            s => files.push(s.to_string()),
        }
    }
    // The terms, the evasion sentences (term, text) and the corpora's texts.
    type Inputs = (Vec<String>, Vec<(String, String)>, Vec<Vec<String>>);
    let (terms, evasions, corpora): Inputs = if files.len() < 3 {
        secs = 0.0;
        (
            vec!["registration fee".into(), "passport".into()],
            vec![("passport".into(), "p a s s p o r t".into())],
            vec![vec![
                "Pay the registration fee before departure.".into(),
                "Road bike for sale.".into(),
            ]],
        )
    } else {
        let corpora = files[2..]
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .expect(p)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(ad_text)
                    .collect()
            })
            .collect();
        (read_json(&files[0]), read_json(&files[1]), corpora)
    };

    let build = |kind| {
        let t = Instant::now();
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(&terms)
            .expect("automaton");
        (ac, t.elapsed().as_secs_f64() * 1e3)
    };
    let (dfa, dfa_build_ms) = build(AhoCorasickKind::DFA);
    let (nfa, nfa_build_ms) = build(AhoCorasickKind::ContiguousNFA);

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
    let rustrict_is = |a: &str| a.is(Type::SEXUAL & Type::SEVERE);

    // Every match to the end of the text, as redflag finds them; and the
    // early exit at the first match, for the second table.
    let all_dfa = |a: &str| dfa.find_overlapping_iter(a).count() > 0;
    let all_nfa = |a: &str| nfa.find_overlapping_iter(a).count() > 0;
    let first_dfa = |a: &str| dfa.is_match(a);
    let first_nfa = |a: &str| nfa.is_match(a);
    type Screen<'a> = &'a dyn Fn(&str) -> bool;
    let mut tools: Vec<(&str, Screen, Option<Screen>)> = vec![
        ("aho_corasick_dfa", &all_dfa, Some(&first_dfa)),
        ("aho_corasick_nfa", &all_nfa, Some(&first_nfa)),
        ("rustrict", &rustrict_is, None),
    ];
    tools.rotate_left(round % 3);

    let mut per_corpus = vec![serde_json::Map::new(); corpora.len()];
    for (name, all, first) in &tools {
        for (ads, out) in corpora.iter().zip(per_corpus.iter_mut()) {
            let mut v = serde_json::json!({ "screen": time(ads, secs, *all) });
            if let Some(first) = first {
                v["first"] = time(ads, secs, *first);
            }
            out.insert(name.to_string(), v);
        }
    }
    let caught = |f: &dyn Fn(&str) -> bool| -> Vec<bool> {
        evasions.iter().map(|(_, text)| f(text)).collect()
    };
    let out = serde_json::json!({
        "corpora": per_corpus,
        "build_ms": {
            "aho_corasick_dfa": dfa_build_ms,
            "aho_corasick_nfa": nfa_build_ms,
            "rustrict": rustrict_build_ms,
        },
        "caught": {
            "aho_corasick_dfa": caught(&first_dfa),
            "aho_corasick_nfa": caught(&first_nfa),
            "rustrict": caught(&rustrict_is),
        },
        "peak_rss_kb": peak_rss_kb(),
    });
    println!("{out}");
}
