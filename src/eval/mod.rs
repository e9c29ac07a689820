//! Evaluation of packs on labelled submissions, and calibration of their
//! scores (`redflag eval`, `redflag calibrate`).
//!
//! Published research shows that many popular trafficking "red flags" do
//! not predict trafficking, and SpamAssassin showed that scores fitted on
//! labelled mail beat hand-picked ones. A trust-and-safety team has labelled
//! ads (reviewer decisions); [`evaluate`] measures packs on them and
//! [`calibrate`] fits rule scores and thresholds to them.

mod calibrate;
mod html;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::engine::Engine;
use crate::error::Error;
use crate::submission::Submission;
use crate::verdict::{Tier, Verdict};

pub use calibrate::{calibrate, CalibrateOptions, Calibration, PooledMetrics, ScoreChange};
pub use html::{escape_html, html_report, REPORT_CSS};

/// A record's `id`, kept as JSON text so that reports echo it as written
/// (`1e2` stays `1e2`; an integer past 2^64 keeps its digits).
///
/// ```
/// let line = r#"{"id": 1e2, "label": "clean", "body": "hi"}"#;
/// let raw = redflag::lines::raw_id(line).unwrap();
/// let id = redflag::eval::RecordId::from_raw(raw);
/// assert_eq!(serde_json::to_string(&id).unwrap(), "1e2");
/// ```
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct RecordId(Box<RawValue>);

impl RecordId {
    /// The id exactly as written in its line.
    pub fn from_raw(raw: &RawValue) -> RecordId {
        RecordId(raw.to_owned())
    }

    /// The id of an already parsed value, written out again (numbers as
    /// `serde_json` prints them).
    pub fn from_value(v: &Value) -> RecordId {
        // Serialising a JSON value cannot fail.
        RecordId(serde_json::value::to_raw_value(v).unwrap_or_default())
    }

    /// The id's JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for RecordId {
    fn eq(&self, other: &RecordId) -> bool {
        self.as_str() == other.as_str()
    }
}

/// The label of a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Should be flagged (a reviewer confirmed an indicator).
    Flag,
    /// Benign.
    Clean,
}

/// A labelled submission, read from one JSON Lines record: the submission
/// members plus `label` (`"flag"` or `"clean"`), optional `min_tier` /
/// `max_tier` expectations and an optional free-form `group`.
///
/// ```
/// let v: serde_json::Value = serde_json::from_str(
///     r#"{"id": 3, "label": "flag", "group": "leet", "min_tier": "review", "section": "jobs", "body": "p4y the f33"}"#,
/// ).unwrap();
/// let l = redflag::eval::Labelled::from_json(&v, None).unwrap();
/// assert_eq!(l.label, redflag::eval::Label::Flag);
/// assert_eq!(l.group.as_deref(), Some("leet"));
/// assert_eq!(l.submission.fields().count(), 1); // label, group and tiers are not fields
/// ```
#[derive(Clone, Debug)]
pub struct Labelled {
    /// The submission.
    pub submission: Submission,
    /// Its label.
    pub label: Label,
    /// The verdict must be at least this tier.
    pub min_tier: Option<Tier>,
    /// The verdict must be at most this tier.
    pub max_tier: Option<Tier>,
    /// A free-form group (evasion family, source, language).
    pub group: Option<String>,
    /// The record's `id`, echoed in reports.
    pub id: Option<RecordId>,
}

const META_KEYS: [&str; 4] = ["label", "min_tier", "max_tier", "group"];

impl Labelled {
    /// Reads a record. `default_label` applies to records without `label`
    /// (e.g. `Clean` for a corpus of benign ads).
    pub fn from_json(value: &Value, default_label: Option<Label>) -> Result<Labelled, Error> {
        let Value::Object(map) = value else {
            return Err(Error::Submission("expected a JSON object".into()));
        };
        let label = match map.get("label") {
            Some(Value::String(s)) if s == "flag" => Label::Flag,
            Some(Value::String(s)) if s == "clean" => Label::Clean,
            Some(other) => {
                return Err(Error::Submission(format!(
                    "`label` must be \"flag\" or \"clean\", got {other}"
                )))
            }
            None => default_label.ok_or_else(|| {
                Error::Submission("missing `label` (\"flag\" or \"clean\")".into())
            })?,
        };
        let tier = |k: &str| -> Result<Option<Tier>, Error> {
            match map.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => s.parse::<Tier>().map(Some).map_err(|_| {
                    Error::Submission(format!(
                        "`{k}` must be allow, warn, review or block, got {s:?}"
                    ))
                }),
                Some(other) => Err(Error::Submission(format!(
                    "`{k}` must be a string, got {other}"
                ))),
            }
        };
        let group = match map.get("group") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let mut rest = map.clone();
        for k in META_KEYS {
            rest.remove(k);
        }
        Ok(Labelled {
            submission: Submission::from_json(&Value::Object(rest))?,
            label,
            min_tier: tier("min_tier")?,
            max_tier: tier("max_tier")?,
            group,
            id: map.get("id").map(RecordId::from_value),
        })
    }
}

/// Precision, recall and F1 when everything at or above a tier counts as
/// flagged.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TierMetrics {
    /// The tier.
    pub tier: Tier,
    /// Flagged submissions at or above the tier.
    pub true_positives: usize,
    /// Clean submissions at or above the tier.
    pub false_positives: usize,
    /// Flagged submissions below the tier.
    pub false_negatives: usize,
    /// Clean submissions below the tier.
    pub true_negatives: usize,
    /// TP / (TP + FP); 1 when nothing reached the tier.
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// FP / (FP + TN): the share of clean submissions reaching the tier.
    pub false_positive_rate: f64,
}

impl TierMetrics {
    pub(crate) fn from_counts(tier: Tier, tp: usize, fp: usize, fn_: usize, tn: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = if tp + fp == 0 {
            1.0
        } else {
            ratio(tp, tp + fp)
        };
        let recall = ratio(tp, tp + fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        TierMetrics {
            tier,
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            true_negatives: tn,
            precision,
            recall,
            f1,
            false_positive_rate: ratio(fp, fp + tn),
        }
    }
}

/// How often a rule (or a category) fired on each label.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HitRate {
    /// Rule id or category.
    pub name: String,
    /// For rules: category; for categories: empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// Submissions labelled `flag` it fired on.
    pub flagged: usize,
    /// Submissions labelled `clean` it fired on.
    pub clean: usize,
    /// Share of flagged submissions it fired on.
    pub flagged_rate: f64,
    /// Share of clean submissions it fired on.
    pub clean_rate: f64,
}

/// Figures for one `group`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupMetrics {
    /// The group.
    pub group: String,
    /// Flagged submissions in it.
    pub flagged: usize,
    /// Clean submissions in it.
    pub clean: usize,
    /// Flagged ones at `warn` or above.
    pub flagged_warn: usize,
    /// Flagged ones at `review` or above.
    pub flagged_review: usize,
    /// Clean ones at `warn` or above.
    pub clean_warn: usize,
    /// Clean ones at `review` or above.
    pub clean_review: usize,
}

/// One submission in a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Case {
    /// 1-based position in the input.
    pub index: usize,
    /// The record's id, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// Its label.
    pub label: Label,
    /// Its group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The verdict's tier.
    pub tier: Tier,
    /// The verdict's score.
    pub score: f64,
    /// The expectation that failed, if that is why it is listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Rules that fired, with their points.
    pub rules: Vec<(String, f64)>,
    /// The matched text of each hit, as `rule: text`.
    pub hits: Vec<String>,
}

/// The result of [`evaluate`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EvalReport {
    /// Pack ids and versions.
    pub packs: Vec<String>,
    /// Submissions screened.
    pub total: usize,
    /// Labelled `flag`.
    pub flagged: usize,
    /// Labelled `clean`.
    pub clean: usize,
    /// Metrics at `warn`, `review` and `block`.
    pub tiers: Vec<TierMetrics>,
    /// Verdict counts by label: `confusion["flag"]["review"]`.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    /// Per-rule hit rates, most discriminating first.
    pub rules: Vec<HitRate>,
    /// Per-category hit rates.
    pub categories: Vec<HitRate>,
    /// Per-group breakdown.
    pub groups: Vec<GroupMetrics>,
    /// Records with `min_tier`/`max_tier` expectations, and those that failed.
    pub expectations_checked: usize,
    /// Failed expectations.
    pub expectation_failures: Vec<Case>,
    /// Clean submissions with the highest scores at `warn` or above.
    pub worst_false_positives: Vec<Case>,
    /// Flagged submissions below `review` with the lowest scores.
    pub worst_false_negatives: Vec<Case>,
    /// Scores of the flagged submissions (for plots).
    pub flagged_scores: Vec<f64>,
    /// Scores of the clean submissions.
    pub clean_scores: Vec<f64>,
    /// Records that could not be screened: (1-based index, message).
    pub errors: Vec<(usize, String)>,
}

/// How many worst cases a report lists.
const WORST: usize = 10;

fn case(index: usize, l: &Labelled, v: &Verdict, expected: Option<String>) -> Case {
    Case {
        index,
        id: l.id.clone(),
        label: l.label,
        group: l.group.clone(),
        tier: v.verdict,
        score: v.score,
        expected,
        rules: v.rules.iter().map(|r| (r.id.clone(), r.score)).collect(),
        hits: v
            .hits
            .iter()
            .map(|h| format!("{}: {}", h.rule, h.text))
            .collect(),
    }
}

/// Screens every labelled submission and measures the engine's packs.
///
/// ```
/// use redflag::eval::{evaluate, Labelled};
///
/// let engine = redflag::Engine::new_default();
/// let lines = [
///     r#"{"label": "flag", "section": "jobs", "body": "Your passport will be kept by the employer. Registration fee 300 USD."}"#,
///     r#"{"label": "clean", "section": "jobs", "body": "Line cook, paid training, we never charge fees."}"#,
/// ];
/// let items: Vec<Labelled> = lines
///     .iter()
///     .map(|l| Labelled::from_json(&serde_json::from_str(l).unwrap(), None).unwrap())
///     .collect();
/// let report = evaluate(&engine, &items);
/// let review = report.tiers.iter().find(|t| t.tier == redflag::Tier::Review).unwrap();
/// assert_eq!((review.recall, review.precision), (1.0, 1.0));
/// ```
pub fn evaluate(engine: &Engine, items: &[Labelled]) -> EvalReport {
    let mut r = EvalReport {
        packs: engine
            .packs()
            .iter()
            .map(|p| format!("{}@{}", p.id, p.version))
            .collect(),
        ..EvalReport::default()
    };
    let mut screened: Vec<(usize, &Labelled, Verdict)> = Vec::new();
    for (i, l) in items.iter().enumerate() {
        match engine.screen(&l.submission) {
            Ok(v) => screened.push((i + 1, l, v)),
            Err(e) => r.errors.push((i + 1, e.to_string())),
        }
    }
    r.total = screened.len();
    for label in ["flag", "clean"] {
        let row = r.confusion.entry(label.to_string()).or_default();
        for t in ["allow", "warn", "review", "block"] {
            row.insert(t.to_string(), 0);
        }
    }
    let mut rules: BTreeMap<String, HitRate> = BTreeMap::new();
    let mut cats: BTreeMap<String, HitRate> = BTreeMap::new();
    let mut groups: BTreeMap<String, GroupMetrics> = BTreeMap::new();
    for (index, l, v) in &screened {
        let flag = l.label == Label::Flag;
        if flag {
            r.flagged += 1;
            r.flagged_scores.push(v.score);
        } else {
            r.clean += 1;
            r.clean_scores.push(v.score);
        }
        let label = if flag { "flag" } else { "clean" };
        *r.confusion
            .entry(label.into())
            .or_default()
            .entry(v.verdict.as_str().into())
            .or_default() += 1;
        let mut seen_cats = std::collections::BTreeSet::new();
        for fr in &v.rules {
            let e = rules.entry(fr.id.clone()).or_insert_with(|| HitRate {
                name: fr.id.clone(),
                category: fr.category.clone(),
                ..HitRate::default()
            });
            if flag {
                e.flagged += 1;
            } else {
                e.clean += 1;
            }
            seen_cats.insert(fr.category.clone());
        }
        for c in seen_cats {
            let e = cats.entry(c.clone()).or_insert_with(|| HitRate {
                name: c,
                ..HitRate::default()
            });
            if flag {
                e.flagged += 1;
            } else {
                e.clean += 1;
            }
        }
        if let Some(g) = &l.group {
            let e = groups.entry(g.clone()).or_insert_with(|| GroupMetrics {
                group: g.clone(),
                ..GroupMetrics::default()
            });
            let warn = v.verdict >= Tier::Warn;
            let review = v.verdict >= Tier::Review;
            if flag {
                e.flagged += 1;
                e.flagged_warn += warn as usize;
                e.flagged_review += review as usize;
            } else {
                e.clean += 1;
                e.clean_warn += warn as usize;
                e.clean_review += review as usize;
            }
        }
        if l.min_tier.is_some() || l.max_tier.is_some() {
            r.expectations_checked += 1;
            let low = l.min_tier.is_some_and(|m| v.verdict < m);
            let high = l.max_tier.is_some_and(|m| v.verdict > m);
            if low || high {
                let expected = match (l.min_tier, l.max_tier) {
                    (Some(a), Some(b)) => format!("{a}..{b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => String::new(),
                };
                r.expectation_failures
                    .push(case(*index, l, v, Some(expected)));
            }
        }
    }
    for t in [Tier::Warn, Tier::Review, Tier::Block] {
        let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
        for (_, l, v) in &screened {
            match (l.label == Label::Flag, v.verdict >= t) {
                (true, true) => tp += 1,
                (true, false) => fn_ += 1,
                (false, true) => fp += 1,
                (false, false) => tn += 1,
            }
        }
        r.tiers.push(TierMetrics::from_counts(t, tp, fp, fn_, tn));
    }
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    let finish = |m: BTreeMap<String, HitRate>, f: usize, c: usize| -> Vec<HitRate> {
        let mut v: Vec<HitRate> = m
            .into_values()
            .map(|mut h| {
                h.flagged_rate = rate(h.flagged, f);
                h.clean_rate = rate(h.clean, c);
                h
            })
            .collect();
        v.sort_by(|a, b| {
            (b.flagged_rate - b.clean_rate)
                .total_cmp(&(a.flagged_rate - a.clean_rate))
                .then_with(|| a.name.cmp(&b.name))
        });
        v
    };
    r.rules = finish(rules, r.flagged, r.clean);
    r.categories = finish(cats, r.flagged, r.clean);
    r.groups = groups.into_values().collect();

    let mut fps: Vec<&(usize, &Labelled, Verdict)> = screened
        .iter()
        .filter(|(_, l, v)| l.label == Label::Clean && v.verdict >= Tier::Warn)
        .collect();
    fps.sort_by(|a, b| b.2.score.total_cmp(&a.2.score).then(a.0.cmp(&b.0)));
    r.worst_false_positives = fps
        .into_iter()
        .take(WORST)
        .map(|(i, l, v)| case(*i, l, v, None))
        .collect();
    let mut fns: Vec<&(usize, &Labelled, Verdict)> = screened
        .iter()
        .filter(|(_, l, v)| l.label == Label::Flag && v.verdict < Tier::Review)
        .collect();
    fns.sort_by(|a, b| a.2.score.total_cmp(&b.2.score).then(a.0.cmp(&b.0)));
    r.worst_false_negatives = fns
        .into_iter()
        .take(WORST)
        .map(|(i, l, v)| case(*i, l, v, None))
        .collect();
    r
}

/// The report as a plain-text table for a terminal.
pub fn text_report(r: &EvalReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} submissions ({} flagged, {} clean), packs {}",
        r.total,
        r.flagged,
        r.clean,
        r.packs.join(", ")
    );
    if !r.errors.is_empty() {
        let _ = writeln!(s, "{} records could not be screened", r.errors.len());
    }
    let _ = writeln!(
        s,
        "\n  tier     precision  recall     F1   FP rate    TP    FP    FN    TN"
    );
    for t in &r.tiers {
        let _ = writeln!(
            s,
            "  {:<7} {:>9.1}% {:>6.1}% {:>6.3} {:>8.2}% {:>5} {:>5} {:>5} {:>5}",
            t.tier.as_str(),
            100.0 * t.precision,
            100.0 * t.recall,
            t.f1,
            100.0 * t.false_positive_rate,
            t.true_positives,
            t.false_positives,
            t.false_negatives,
            t.true_negatives
        );
    }
    let _ = writeln!(s, "\n  confusion   allow   warn  review  block");
    for (label, row) in &r.confusion {
        let _ = writeln!(
            s,
            "  {:<8} {:>7} {:>6} {:>7} {:>6}",
            label, row["allow"], row["warn"], row["review"], row["block"]
        );
    }
    let _ = writeln!(
        s,
        "\n  rule                                   flagged    clean"
    );
    for h in &r.rules {
        let _ = writeln!(
            s,
            "  {:<38} {:>6.1}% {:>7.1}%",
            h.name,
            100.0 * h.flagged_rate,
            100.0 * h.clean_rate
        );
    }
    if !r.groups.is_empty() {
        let _ = writeln!(
            s,
            "\n  group                  flagged  ≥warn ≥review   clean  ≥warn ≥review"
        );
        for g in &r.groups {
            let _ = writeln!(
                s,
                "  {:<22} {:>7} {:>6} {:>7} {:>7} {:>6} {:>7}",
                g.group,
                g.flagged,
                g.flagged_warn,
                g.flagged_review,
                g.clean,
                g.clean_warn,
                g.clean_review
            );
        }
    }
    let mut cases = |title: &str, list: &[Case]| {
        if list.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n  {title}");
        for c in list {
            let _ = writeln!(
                s,
                "  #{:<5} {:<6} {:>5} {}{}",
                c.index,
                c.tier.as_str(),
                c.score,
                c.expected
                    .as_ref()
                    .map(|e| format!("(expected {e}) "))
                    .unwrap_or_default(),
                c.hits.join(" · ")
            );
        }
    };
    cases("worst false positives", &r.worst_false_positives);
    cases("worst false negatives", &r.worst_false_negatives);
    cases("failed expectations", &r.expectation_failures);
    s
}

#[cfg(test)]
mod tests;
