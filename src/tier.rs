//! The verdict tiers and the score thresholds that reach them: shared by
//! the packs (which set thresholds and caps), the compiler and the verdict,
//! so they live apart from all three.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::fmtnum::number;

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
