//! What screening returns.

use serde::Serialize;

use crate::extract::Entity;
use crate::normalize::Steps;
pub use crate::tier::{Thresholds, Tier};

/// A pack that took part in a verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackInfo {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
}

/// A rule that fired.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FiredRule {
    /// Rule id.
    pub id: String,
    /// Rule title.
    pub title: String,
    /// Category.
    pub category: String,
    /// Points it added: 0 for experimental rules, and for a rule whose
    /// [`indicator`](crate::RuleDef::indicator) a higher-scoring fired rule
    /// already counted.
    pub score: f64,
    /// The highest tier it may cause on its own.
    pub max_tier: Tier,
    /// Whether it is experimental (reported, not scored).
    pub experimental: bool,
    /// Framework tags.
    pub tags: Vec<String>,
    /// The id of the pack it comes from.
    pub pack: String,
    /// Sources for the indicator.
    pub references: Vec<String>,
    /// The rule's explanation for reviewers (also in
    /// [`Verdict::reviewer_messages`], deduplicated across rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
}

/// One place where a rule matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hit {
    /// Rule id.
    pub rule: String,
    /// Rule category.
    pub category: String,
    /// Points the rule added.
    pub score: f64,
    /// Field name.
    pub field: String,
    /// Start in UTF-16 code units of the original field (JavaScript's
    /// `String.prototype.slice`).
    pub start: usize,
    /// End in UTF-16 code units.
    pub end: usize,
    /// Start in bytes of the original field (Rust's `&str` indexing).
    pub byte_start: usize,
    /// End in bytes.
    pub byte_end: usize,
    /// The original text at the span.
    pub text: String,
    /// The matching form that matched.
    pub normalized: String,
    /// Normalisation steps needed to see the match.
    pub steps: Steps,
}

/// A stretch of one field's original text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Start in UTF-16 code units of the original field.
    pub start: usize,
    /// End in UTF-16 code units.
    pub end: usize,
    /// Start in bytes of the original field.
    pub byte_start: usize,
    /// End in bytes.
    pub byte_end: usize,
    /// The original text there.
    pub text: String,
}

/// A rule that its exception words kept from firing: without them it would
/// have fired. A reviewer sees what cleared the indicator ("we never charge
/// a fee") instead of a silent pass, and can judge the exception.
///
/// ```
/// use redflag::{Engine, Pack, Submission};
///
/// let pack = Pack::from_toml(r#"
///     schema = 1
///     [pack]
///     id = "site"
///     version = "1"
///     [[rule]]
///     id = "site.fee"
///     title = "Fee asked of the worker"
///     category = "debt"
///     score = 3
///     match = { any = ["fee"] }
///     exceptions = ["no fee"]
/// "#).unwrap();
/// let engine = Engine::builder().pack(pack).build().unwrap();
/// let ad = Submission::new().field("body", "Warehouse work, no fee to apply.");
/// let v = engine.screen(&ad).unwrap();
/// assert!(!v.fired("site.fee"));
/// assert_eq!(v.cleared[0].rule, "site.fee");
/// assert_eq!(v.cleared[0].exception.text, "no fee");
/// assert_eq!(v.cleared[0].indicator.text, "fee");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cleared {
    /// Rule id.
    pub rule: String,
    /// Rule title.
    pub title: String,
    /// Rule category.
    pub category: String,
    /// Field name.
    pub field: String,
    /// The exception's words.
    pub exception: Place,
    /// The rule's words they cancelled (the nearest, when several).
    pub indicator: Place,
}

/// What the n-gram model read in a submission (see [`crate::model`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelReading {
    /// The probability, from 0 to 1, that the ad is of the flagged kind.
    pub score: f64,
    /// The tier the rules alone reached, when the model moved the verdict
    /// one step from it; absent when it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<Tier>,
    /// The probability of the text around what the rules found, when the
    /// model read it: only when its reading of the whole ad would lower
    /// the verdict, and the text around has [`crate::model::MIN_CHARS`]
    /// characters or more. Above [`crate::model::EVIDENCE_FLAGGED`] it held the
    /// verdict at one step down at most, above
    /// [`crate::model::EVIDENCE_SURE`] at the rules' tier (text added to
    /// an ad dilutes the whole ad's reading, not this one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<f64>,
}

/// The result of screening one submission.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The outcome.
    pub verdict: Tier,
    /// Total points of the rules that fired.
    pub score: f64,
    /// The tier the score alone would reach, before tier caps.
    pub score_tier: Tier,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// Whether any hit needed an evasive normalisation step, or a contact
    /// detail read in the ad was obfuscated. Contacts are read when the
    /// caller asks for entities, or when a rule that may fire looks at
    /// contacts anywhere in the text; without either, a phone number
    /// spelled in words does not set this by itself.
    pub evasion: bool,
    /// The section the submission was screened in, if it is one the engine
    /// knows.
    pub section: Option<String>,
    /// What the ad offers, read from its text by the packs' offer rules
    /// (section names: `jobs` for work or recruitment, `adult` for
    /// commercial sex or companionship, `services` for massage and the
    /// like…), whatever section it was posted in. A reviewer sees "a job
    /// offer posted under housing".
    pub offers: Vec<String>,
    /// The languages the text was read as (`en`, `es`, `fr`, `pt`), from its
    /// function words; empty when the text is too short to tell. A pack that
    /// names its languages runs only on text in one of them, or on text whose
    /// language cannot be told.
    pub languages: Vec<String>,
    /// Packs in the engine (one list shared by the engine's verdicts).
    pub packs: std::sync::Arc<[PackInfo]>,
    /// Deployment filters that were active and suppressed rules.
    pub filters: Vec<String>,
    /// Rules that fired, highest score first (helpers not included).
    pub rules: Vec<FiredRule>,
    /// Every span that made a rule fire.
    pub hits: Vec<Hit>,
    /// Deduplicated messages for the person posting (only when the verdict
    /// is `warn` or above).
    pub poster_messages: Vec<String>,
    /// Deduplicated messages for reviewers.
    pub reviewer_messages: Vec<String>,
    /// Contact details, prices and ages found, when asked for
    /// ([`crate::ScreenOptions::entities`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Rules that their exceptions kept from firing, with the words on
    /// both sides (at most `max_hits_per_rule` places per rule; left out of
    /// the JSON when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cleared: Vec<Cleared>,
    /// What the n-gram model read (see [`crate::model`]); absent when the
    /// engine has no model, or when no rule of the packs the model reads
    /// for scored and the model did not send the ad to review on its own
    /// reading (see [`crate::model::ALONE_REVIEW`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelReading>,
}

impl Verdict {
    /// The ids of the rules that fired.
    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str())
    }

    /// Whether a rule fired.
    pub fn fired(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r.id == rule)
    }
}
