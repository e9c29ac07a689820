//! Helpers shared by the integration tests.
#![allow(dead_code)]

use redflag::{Engine, Pack, Submission, Verdict};

/// A pack from a TOML body; `schema` and `[pack]` are prepended.
pub fn pack(id: &str, body: &str) -> Pack {
    let text = format!("schema = 1\n[pack]\nid = \"{id}\"\nversion = \"1.0.0\"\nthresholds = {{ warn = 2, review = 4, block = 8 }}\n{body}");
    Pack::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub fn engine(body: &str) -> Engine {
    Engine::builder()
        .pack(pack("t", body))
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn body(text: &str) -> Submission {
    Submission::new().field("body", text)
}

pub fn in_section(section: &str, text: &str) -> Submission {
    Submission::new().section(section).field("body", text)
}

pub fn fired(v: &Verdict) -> Vec<&str> {
    let mut ids: Vec<&str> = v.rule_ids().collect();
    ids.sort_unstable();
    ids
}

/// Pack errors of a JSON pack, as (path, message).
pub fn errors_of(json: &str) -> Vec<(String, String)> {
    redflag::validate_json(&[json])
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect()
}
