//! redflag screens classified and job ads for human-trafficking indicators.
//!
//! A [`Pack`] is data: rules written by trust-and-safety analysts in TOML
//! (or handed over as JSON) that combine term lists, proximity, counts and
//! other rules into scored indicators. An [`Engine`] compiles one or more
//! packs once; [`Engine::screen`] then takes a [`Submission`] (an ad's
//! section and text fields) and returns a [`Verdict`]: a tier (`allow`,
//! `warn`, `review`, `block`), a score, every rule that fired, every
//! [`Hit`] with its exact span in the original text (UTF-16 for JavaScript,
//! bytes for Rust), the normalisation steps that were needed to see it, and
//! explanations for the poster and for the reviewer.
//!
//! # Example
//!
//! ```
//! use redflag::{Engine, Pack, Submission, Tier};
//!
//! let pack = Pack::from_toml(r#"
//! schema = 1
//! [pack]
//! id = "demo"
//! version = "1.0.0"
//! thresholds = { warn = 2, review = 5, block = 9 }
//!
//! [[rule]]
//! id = "fee"
//! title = "Applicant pays a fee"
//! category = "recruitment-fee"
//! score = 3
//! sections = ["jobs"]
//! match = { near = { a = ["pay", "fee"], b = ["registration", "placement"], within = 3 } }
//! exceptions = ["no fee", "never charge"]
//! explain = { poster = "Job ads may not charge applicants.", reviewer = "Worker-paid fee (ILO employer-pays)." }
//! "#).unwrap();
//!
//! let engine = Engine::builder().pack(pack).build().unwrap();
//! let ad = Submission::new().section("jobs").field("body", "Pay the ｒｅｇｉｓｔｒａｔｉｏｎ fee first.");
//! let v = engine.screen(&ad).unwrap();
//! assert_eq!(v.verdict, Tier::Warn);
//! assert_eq!(v.hits[0].text, "Pay");
//! assert!(v.hits.iter().any(|h| h.text == "ｒｅｇｉｓｔｒａｔｉｏｎ" && h.steps.is_evasive()));
//!
//! let honest = Submission::new().section("jobs").field("body", "We never charge a registration fee.");
//! assert_eq!(engine.screen(&honest).unwrap().verdict, Tier::Allow);
//! ```
//!
//! # Scoring
//!
//! Scores of the rules that fire are added up (anomaly scoring, as in the
//! OWASP Core Rule Set and SpamAssassin) and compared with the thresholds.
//! Each rule also has a `max_tier` (default `review`): the verdict never
//! exceeds the highest `max_tier` among the scoring rules that fired, so
//! weak indicators, however many, lead at most to human review unless a
//! rule written for the combination allows more. Experimental rules are
//! reported but score nothing; helper rules score nothing and are used by
//! meta rules.
//!
//! # Limits
//!
//! Every limit is explicit ([`Limits`]) and every failure is an [`Error`],
//! never a panic. Screening is linear in the input size.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod compile;
mod defaults;
mod engine;
mod error;
#[cfg(feature = "eval")]
pub mod eval;
mod extract;
mod fmtnum;
mod image;
#[cfg(test)]
mod image_split;
pub mod images;
mod lang;
mod limits;
pub mod lines;
pub mod link;
mod matcher;
pub mod model;
mod normalize;
mod pack;
pub mod signing;
mod sort;
mod submission;
mod testing;
mod tier;
mod utf16;
mod verdict;

pub use defaults::{default_packs, default_packs_image};
pub use engine::{Engine, EngineBuilder, ScreenOptions};
pub use error::{Error, PackError};
pub use extract::{extract_entities, Entity, EntityKind, EntityOptions, Techniques};
pub use limits::Limits;
#[cfg(fuzzing)]
#[doc(hidden)]
pub use normalize::normalize_reference;
pub use normalize::{normalize, Normalized, Steps};
pub use pack::{
    section_index, AtLeast, Condition, EntityMatch, Explain, FilterDef, Near, OverrideDef, Pack,
    PackMeta, RuleDef, RuleTests, RulesCount, Status, Strength, TestCase, SCHEMA_VERSION, SECTIONS,
    SECTION_ALIASES,
};
pub use submission::Submission;
pub use testing::{lint, Lint, TestFailure, TestKind, TestReport};
pub use verdict::{
    Cleared, FiredRule, Hit, ModelReading, PackInfo, Place, Thresholds, Tier, Verdict,
};

/// Validates packs together, as an engine would load them, and returns every
/// problem found (an empty list means they are valid). Unlike
/// [`Pack::from_json`] followed by [`EngineBuilder::build`], structural and
/// semantic problems are reported in one go, which is what a pack editor
/// needs.
///
/// ```
/// let problems = redflag::validate_json(&[r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
///   "rule": [{"id": "a", "title": "A", "category": "c", "match": {"rule": "missing"}},
///            {"id": "b", "title": "B", "category": "c", "match": {"any": []}, "score": "high"}]}"#]);
/// let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
/// assert!(paths.contains(&"rule[0].match.rule"));
/// assert!(paths.contains(&"rule[1].score"));
/// ```
pub fn validate_json(packs: &[&str]) -> Vec<PackError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (i, text) in packs.iter().enumerate() {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => values.push(v),
            Err(e) => errors.push(PackError {
                pack: None,
                path: String::new(),
                message: format!("pack #{} is not valid JSON: {e}", i + 1),
            }),
        }
    }
    errors.extend(validate_values(values));
    errors
}

/// [`validate_json`] for already-parsed JSON values.
pub fn validate_values(values: Vec<serde_json::Value>) -> Vec<PackError> {
    // Each pack's own problems, even when two copies of a pack have the
    // same ones; then what compiling them together adds.
    let mut errors = Vec::new();
    let mut packs = Vec::new();
    for v in values {
        let (p, e) = Pack::from_value_lenient(v);
        errors.extend(e);
        packs.extend(p);
    }
    if !packs.is_empty() {
        let mut b = Engine::builder();
        for p in packs {
            b = b.pack(p);
        }
        if let Err(e) = b.build() {
            for pe in e.pack_errors() {
                if !errors.contains(pe) {
                    errors.push(pe.clone());
                }
            }
        }
    }
    errors
}
