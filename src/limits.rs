//! Explicit limits.

use serde::{Deserialize, Serialize};

/// Every limit the engine enforces. Exceeding one is an
/// [`Error::Limit`](crate::Error::Limit), never a panic or a silent cut.
///
/// Screening is linear in the input size, so `max_input_bytes` also bounds
/// the time one call can take; the engine has no clock of its own (wasm in a
/// page or a worker has none it could use), so wall-clock budgets belong to
/// the caller (the edge worker enforces one).
///
/// ```
/// let limits = redflag::Limits { max_input_bytes: 64 * 1024, ..redflag::Limits::default() };
/// let engine = redflag::Engine::builder().default_packs().limits(limits).build().unwrap();
/// let huge = "a".repeat(100_000);
/// let err = engine.screen(&redflag::Submission::new().field("body", huge)).unwrap_err();
/// assert!(matches!(err, redflag::Error::Limit { limit: "max_input_bytes", .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Total bytes of text in one submission (all fields). Default 1 MiB.
    pub max_input_bytes: usize,
    /// Fields in one submission. Default and maximum 64.
    pub max_fields: usize,
    /// Packs in one engine. Default 32.
    pub max_packs: usize,
    /// Rules across all packs. Default 10,000.
    pub max_rules: usize,
    /// Distinct terms across all packs. Default 250,000.
    pub max_terms: usize,
    /// Bytes in one term, in matching form. Default and maximum 256.
    pub max_term_bytes: usize,
    /// Nesting depth of a condition. Default 16.
    pub max_condition_depth: usize,
    /// Spans reported per rule per submission (the rule still counts every
    /// match). Default 32.
    pub max_hits_per_rule: usize,
    /// Entities (phones, e-mails, prices, …) kept per submission, in field
    /// and text order; rules see only these. Default 256.
    pub max_entities: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 1 << 20,
            max_fields: 64,
            max_packs: 32,
            max_rules: 10_000,
            max_terms: 250_000,
            max_term_bytes: 256,
            max_condition_depth: 16,
            max_hits_per_rule: 32,
            max_entities: 256,
        }
    }
}
