//! What screening returns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::extract::Entity;
use crate::normalize::Steps;

/// The outcome tiers, in increasing severity.
///
/// ```
/// use redflag::Tier;
/// assert!(Tier::Allow < Tier::Warn && Tier::Warn < Tier::Review && Tier::Review < Tier::Block);
/// assert_eq!("review".parse::<Tier>().unwrap(), Tier::Review);
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Nothing to do.
    #[default]
    Allow,
    /// Tell the poster; let them edit or confirm.
    Warn,
    /// Let it through and queue it for a human reviewer.
    Review,
    /// Stop it.
    Block,
}

impl Tier {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Allow => "allow",
            Tier::Warn => "warn",
            Tier::Review => "review",
            Tier::Block => "block",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = String;
    fn from_str(s: &str) -> Result<Tier, String> {
        match s {
            "allow" => Ok(Tier::Allow),
            "warn" => Ok(Tier::Warn),
            "review" => Ok(Tier::Review),
            "block" => Ok(Tier::Block),
            _ => Err(format!(
                "unknown tier `{s}`; expected allow, warn, review or block"
            )),
        }
    }
}

/// Score thresholds for the tiers: a score at or above `block` blocks, and
/// so on. Must satisfy `0 < warn <= review <= block`.
///
/// ```
/// let t = redflag::Thresholds { warn: 3.0, review: 6.0, block: 10.0 };
/// assert_eq!(t.tier(7.5), redflag::Tier::Review);
/// assert_eq!(t.tier(2.0), redflag::Tier::Allow);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Lowest score that warns.
    pub warn: f64,
    /// Lowest score that goes to review.
    pub review: f64,
    /// Lowest score that blocks.
    pub block: f64,
}

impl Default for Thresholds {
    /// `warn = 3`, `review = 6`, `block = 10`.
    fn default() -> Self {
        Thresholds {
            warn: 3.0,
            review: 6.0,
            block: 10.0,
        }
    }
}

impl Thresholds {
    /// The tier a score reaches.
    pub fn tier(&self, score: f64) -> Tier {
        if score >= self.block {
            Tier::Block
        } else if score >= self.review {
            Tier::Review
        } else if score >= self.warn {
            Tier::Warn
        } else {
            Tier::Allow
        }
    }

    /// Checks the ordering; returns a message if it is wrong.
    pub(crate) fn check(&self) -> Option<String> {
        let ok = [self.warn, self.review, self.block]
            .iter()
            .all(|x| x.is_finite())
            && self.warn > 0.0
            && self.warn <= self.review
            && self.review <= self.block;
        (!ok).then(|| {
            format!(
                "thresholds must be finite with 0 < warn <= review <= block; got warn = {}, review = {}, block = {}",
                number(self.warn),
                number(self.review),
                number(self.block)
            )
        })
    }
}

/// A number for messages: integers as integers, others to at most two
/// decimals. (The standard library's float formatting is 30 KB of
/// `.wasm`; messages and prices need no more than this.)
pub(crate) fn number(x: f64) -> String {
    let s = fixed2(x);
    match s.strip_suffix("00").and_then(|t| t.strip_suffix('.')) {
        Some(int) => int.to_string(),
        None => s.strip_suffix('0').unwrap_or(&s).to_string(),
    }
}

/// A number with exactly two decimals (`12.50`), rounded half away from
/// zero.
pub(crate) fn fixed2(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let cents = (x * 100.0).round();
    if cents.abs() >= 1e30 {
        return if x > 0.0 {
            "1e30".into()
        } else {
            "-1e30".into()
        };
    }
    let c = cents as i128;
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

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
    /// Packs in the engine.
    pub packs: Vec<PackInfo>,
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

#[cfg(test)]
mod tests {
    use super::{fixed2, number};

    #[test]
    fn numbers_read_like_the_standard_formatting() {
        for (x, n, f) in [
            (3.0, "3", "3.00"),
            (12.5, "12.5", "12.50"),
            (0.25, "0.25", "0.25"),
            (-50.0, "-50", "-50.00"),
            (1200.5, "1200.5", "1200.50"),
            (0.0, "0", "0.00"),
        ] {
            assert_eq!(number(x), n);
            assert_eq!(fixed2(x), f);
            assert_eq!(fixed2(x), format!("{x:.2}"));
        }
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "inf");
    }
}
