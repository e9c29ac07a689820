//! The worst-case inputs shared by `hostile.rs` (time) and `memory.rs`
//! (heap): the shapes are described in `hostile.rs`.

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
pub fn fill(unit: &str, n: usize) -> String {
    let mut s = unit.repeat(n / unit.len().max(1) + 1);
    let mut k = n.min(s.len());
    while !s.is_char_boundary(k) {
        k -= 1;
    }
    s.truncate(k);
    s
}

pub fn shapes() -> Vec<(&'static str, &'static str, String)> {
    let terms = pack_terms();
    let real: String = include_str!("../../examples/ads.jsonl")
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
