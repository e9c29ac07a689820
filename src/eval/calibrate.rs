//! Fitting rule scores and tier thresholds to labelled data.
//!
//! The model is SpamAssassin's rescoring idea in its simplest sound form:
//! logistic regression on which rules fired, with an L2 penalty that pulls
//! each weight towards the rule's current score (so a rule seen rarely
//! keeps roughly the score its author gave it, and the data moves the rest).
//! Weights are log-odds; scores are `points_per_nat` × weight, rounded to
//! half points. Thresholds are then the lowest scores at which the share of
//! clean submissions reaching each tier stays within its target, and the
//! rules' tier caps apply as in the engine. Everything is measured on
//! held-out folds (stratified k-fold cross-validation) before and after.

use std::collections::HashMap;

use serde::Serialize;

use super::{Label, Labelled, TierMetrics};
use crate::engine::Engine;
use crate::error::Error;
use crate::limits::Limits;
use crate::pack::{Pack, Status};
use crate::tier::{Thresholds, Tier};

/// Targets and settings of [`calibrate`].
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrateOptions {
    /// Largest share of clean submissions allowed to reach `warn`.
    pub max_fpr_warn: f64,
    /// Largest share of clean submissions allowed to reach `review`.
    pub max_fpr_review: f64,
    /// Largest share of clean submissions allowed to reach `block`.
    pub max_fpr_block: f64,
    /// Folds of the cross-validation (at least 2).
    pub folds: usize,
    /// Strength of the pull towards the current scores.
    pub l2: f64,
    /// Points per unit of log-odds.
    pub points_per_nat: f64,
    /// Seed of the fold shuffle (runs are reproducible).
    pub seed: u64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            max_fpr_warn: 0.05,
            max_fpr_review: 0.01,
            max_fpr_block: 0.001,
            folds: 5,
            l2: 1.0,
            points_per_nat: 2.0,
            seed: 1,
        }
    }
}

/// A rule whose score changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreChange {
    /// Rule id.
    pub rule: String,
    /// Score before.
    pub old: f64,
    /// Score after.
    pub new: f64,
    /// Flagged submissions it fired on.
    pub flagged: usize,
    /// Clean submissions it fired on.
    pub clean: usize,
}

/// Metrics of predictions pooled over the held-out folds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PooledMetrics {
    /// At `warn`, `review`, `block`.
    pub tiers: Vec<TierMetrics>,
}

/// The result of [`calibrate`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// The new pack: fitted scores, thresholds, next version.
    pub pack: Pack,
    /// Every scoring rule of the pack, with its old and new score.
    pub changes: Vec<ScoreChange>,
    /// Thresholds before.
    pub thresholds_before: Thresholds,
    /// Thresholds after.
    pub thresholds_after: Thresholds,
    /// The packs as they were, on the same submissions.
    pub before: PooledMetrics,
    /// Fitted scores and thresholds, each fold scored by a model that did
    /// not see it.
    pub after: PooledMetrics,
    /// Folds used.
    pub folds: usize,
    /// Submissions used.
    pub submissions: usize,
}

/// One screened submission, reduced to what scoring needs.
struct Row {
    flag: bool,
    /// Feature indices of the pack's rules that fired.
    feats: Vec<usize>,
    /// Points from rules that are not being fitted.
    fixed: f64,
    /// Highest tier cap among fixed rules with positive points.
    fixed_cap: Tier,
    /// The verdict with the packs as they are.
    before: Tier,
}

struct Model {
    scores: Vec<f64>,
    thresholds: Thresholds,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Logistic regression with an L2 pull towards `prior`, by gradient
/// descent (deterministic; features are 0/1 and few).
fn fit(rows: &[&Row], prior: &[f64], l2: f64) -> Vec<f64> {
    let k = prior.len();
    let n = rows.len().max(1) as f64;
    let pos = rows.iter().filter(|r| r.flag).count() as f64;
    let base = ((pos + 0.5) / (n - pos + 0.5)).ln();
    let mut w = prior.to_vec();
    let mut b = base;
    let lr = 0.5;
    for _ in 0..4000 {
        let mut gw = vec![0.0; k];
        let mut gb = 0.0;
        for r in rows {
            let z = b + r.feats.iter().map(|&f| w[f]).sum::<f64>();
            let e = sigmoid(z) - if r.flag { 1.0 } else { 0.0 };
            gb += e;
            for &f in &r.feats {
                gw[f] += e;
            }
        }
        // The penalty's step is taken in closed form (a proximal step),
        // which stays stable however strong the pull.
        let mut step = 0.0f64;
        let pull = lr * l2 / n;
        for f in 0..k {
            let next = (w[f] - lr * gw[f] / n + pull * prior[f]) / (1.0 + pull);
            step = step.max((next - w[f]).abs());
            w[f] = next;
        }
        b -= lr * gb / n;
        if step < 1e-7 {
            break;
        }
    }
    w
}

fn round_half(x: f64) -> f64 {
    (x * 2.0).round() / 2.0
}

fn score_of(r: &Row, scores: &[f64], caps: &[Tier]) -> (f64, Tier) {
    let mut total = r.fixed;
    let mut cap = r.fixed_cap;
    for &f in &r.feats {
        total += scores[f];
        if scores[f] > 0.0 {
            cap = cap.max(caps[f]);
        }
    }
    (total, cap)
}

/// Lowest thresholds meeting the false-positive targets on `rows`.
fn thresholds(
    rows: &[&Row],
    scores: &[f64],
    caps: &[Tier],
    o: &CalibrateOptions,
    old: Thresholds,
) -> Thresholds {
    let clean: Vec<(f64, Tier)> = rows
        .iter()
        .filter(|r| !r.flag)
        .map(|r| score_of(r, scores, caps))
        .collect();
    if clean.is_empty() {
        return old;
    }
    let mut cands: Vec<f64> = rows
        .iter()
        .map(|r| score_of(r, scores, caps).0)
        .filter(|s| *s > 0.0)
        .collect();
    cands.push(0.5);
    cands.sort_by(f64::total_cmp);
    cands.dedup();
    // A target rate can only be measured with enough clean submissions
    // (1 % needs at least 100); with fewer, that threshold keeps its value.
    let measurable = |target: f64| (clean.len() as f64) * target >= 1.0;
    let pick = |tier: Tier, target: f64, at_least: f64, old: f64| -> f64 {
        if !measurable(target) {
            return old.max(at_least);
        }
        let fpr = |t: f64| {
            clean
                .iter()
                .filter(|(s, cap)| *s >= t && *cap >= tier)
                .count() as f64
                / clean.len() as f64
        };
        cands
            .iter()
            .copied()
            .filter(|&t| t >= at_least)
            .find(|&t| fpr(t) <= target)
            .unwrap_or_else(|| cands.last().copied().unwrap_or(at_least) + 0.5)
            .max(at_least)
    };
    let warn = pick(Tier::Warn, o.max_fpr_warn, 0.5, old.warn);
    let review = pick(Tier::Review, o.max_fpr_review, warn + 0.5, old.review);
    let block = pick(Tier::Block, o.max_fpr_block, review + 0.5, old.block);
    Thresholds {
        warn,
        review,
        block,
    }
}

fn train(
    rows: &[&Row],
    prior: &[f64],
    caps: &[Tier],
    o: &CalibrateOptions,
    old: Thresholds,
) -> Model {
    let w = fit(rows, prior, o.l2);
    let scores: Vec<f64> = w.iter().map(|x| round_half(x * o.points_per_nat)).collect();
    let thresholds = thresholds(rows, &scores, caps, o, old);
    Model { scores, thresholds }
}

fn metrics(pred: &[(bool, Tier)]) -> PooledMetrics {
    let tiers = [Tier::Warn, Tier::Review, Tier::Block]
        .into_iter()
        .map(|t| {
            let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
            for &(flag, got) in pred {
                match (flag, got >= t) {
                    (true, true) => tp += 1,
                    (true, false) => fn_ += 1,
                    (false, true) => fp += 1,
                    (false, false) => tn += 1,
                }
            }
            TierMetrics::from_counts(t, tp, fp, fn_, tn)
        })
        .collect();
    PooledMetrics { tiers }
}

/// The next version of a pack: `1.2.3` → `1.2.4`, anything else gets
/// `-calibrated`.
fn next_version(v: &str) -> String {
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() == 3 {
        if let Ok(p) = parts[2].parse::<u64>() {
            return format!("{}.{}.{}", parts[0], parts[1], p + 1);
        }
    }
    format!("{v}-calibrated")
}

/// Fits the scores of `target`'s rules and the tier thresholds to labelled
/// submissions (a threshold moves only when there are enough clean
/// submissions to measure its false-positive target: 1 / target of them), screened with `others` (e.g. the built-in packs) loaded
/// first. Helper and experimental rules are not rescored, nor are rules of
/// the other packs; each rule keeps its tier cap.
///
/// ```
/// use redflag::eval::{calibrate, CalibrateOptions, Labelled};
///
/// let pack = redflag::Pack::from_json(r#"{"schema": 1, "pack": {"id": "p", "version": "1.0.0"},
///   "rule": [
///     {"id": "good", "title": "G", "category": "c", "score": 1, "match": {"any": ["deposit"]}},
///     {"id": "noisy", "title": "N", "category": "c", "score": 3, "match": {"any": ["urgent"]}}]}"#).unwrap();
/// let mut items = Vec::new();
/// for i in 0..20 {
///     let (label, body) = if i % 2 == 0 { ("flag", "pay the deposit now") } else { ("clean", "urgent hire, great team") };
///     let json = serde_json::json!({"label": label, "body": body});
///     items.push(Labelled::from_json(&json, None).unwrap());
/// }
/// let c = calibrate(&[], &pack, &items, &redflag::Limits::default(), &CalibrateOptions::default()).unwrap();
/// let new = |id: &str| c.changes.iter().find(|x| x.rule == id).unwrap().new;
/// assert!(new("good") > 1.0 && new("noisy") < 3.0);
/// assert_eq!(c.pack.pack.version, "1.0.1");
/// ```
pub fn calibrate(
    others: &[Pack],
    target: &Pack,
    items: &[Labelled],
    limits: &Limits,
    o: &CalibrateOptions,
) -> Result<Calibration, Error> {
    let mut b = Engine::builder().limits(*limits);
    for p in others {
        b = b.pack(p.clone());
    }
    let engine = b.pack(target.clone()).build()?;
    let old_thresholds = engine.thresholds();

    // The rules being fitted.
    let fitted: Vec<&crate::pack::RuleDef> = target
        .rules
        .iter()
        .filter(|r| !r.helper && r.status == Status::Stable)
        .collect();
    let index: HashMap<&str, usize> = fitted
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut prior_points: Vec<f64> = fitted.iter().map(|r| r.score).collect();
    let caps: Vec<Tier> = fitted
        .iter()
        .map(|r| r.max_tier.unwrap_or(Tier::Review))
        .collect();

    let mut rows = Vec::new();
    for l in items {
        let Ok(v) = engine.screen(&l.submission) else {
            continue;
        };
        let mut feats = Vec::new();
        let mut fixed = 0.0;
        let mut fixed_cap = Tier::Allow;
        for fr in &v.rules {
            match index.get(fr.id.as_str()) {
                Some(&f) if fr.pack == target.pack.id => {
                    // An override in a later pack may have changed it.
                    prior_points[f] = fr.score;
                    feats.push(f);
                }
                _ => {
                    fixed += fr.score;
                    if fr.score > 0.0 {
                        fixed_cap = fixed_cap.max(fr.max_tier);
                    }
                }
            }
        }
        rows.push(Row {
            flag: l.label == Label::Flag,
            feats,
            fixed,
            fixed_cap,
            before: v.verdict,
        });
    }
    if rows.len() < 4 || rows.iter().all(|r| r.flag) || rows.iter().all(|r| !r.flag) {
        return Err(Error::Submission(
            "calibration needs at least 4 screened submissions with both labels".into(),
        ));
    }
    let prior: Vec<f64> = prior_points.iter().map(|p| p / o.points_per_nat).collect();

    // Stratified folds from a seeded shuffle.
    let folds = o.folds.clamp(2, rows.len());
    let mut state = o
        .seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    for i in (1..order.len()).rev() {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = ((state >> 33) as usize) % (i + 1);
        order.swap(i, j);
    }
    let mut fold_of = vec![0usize; rows.len()];
    let (mut nf, mut nc) = (0usize, 0usize);
    for &i in &order {
        if rows[i].flag {
            fold_of[i] = nf % folds;
            nf += 1;
        } else {
            fold_of[i] = nc % folds;
            nc += 1;
        }
    }
    let mut after = Vec::with_capacity(rows.len());
    for k in 0..folds {
        let train_rows: Vec<&Row> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| fold_of[*i] != k)
            .map(|(_, r)| r)
            .collect();
        let m = train(&train_rows, &prior, &caps, o, old_thresholds);
        for (i, r) in rows.iter().enumerate() {
            if fold_of[i] == k {
                let (s, cap) = score_of(r, &m.scores, &caps);
                after.push((r.flag, m.thresholds.tier(s).min(cap)));
            }
        }
    }
    let before: Vec<(bool, Tier)> = rows.iter().map(|r| (r.flag, r.before)).collect();

    let all: Vec<&Row> = rows.iter().collect();
    let m = train(&all, &prior, &caps, o, old_thresholds);
    let mut pack = target.clone();
    let mut changes = Vec::new();
    for (f, r) in fitted.iter().enumerate() {
        let flagged = rows
            .iter()
            .filter(|x| x.flag && x.feats.contains(&f))
            .count();
        let clean = rows
            .iter()
            .filter(|x| !x.flag && x.feats.contains(&f))
            .count();
        let new = if flagged + clean == 0 {
            prior_points[f] // no evidence: unchanged
        } else {
            m.scores[f]
        };
        if let Some(def) = pack.rules.iter_mut().find(|d| d.id == r.id) {
            def.score = new;
        }
        changes.push(ScoreChange {
            rule: r.id.clone(),
            old: prior_points[f],
            new,
            flagged,
            clean,
        });
    }
    pack.pack.thresholds = Some(m.thresholds);
    pack.pack.version = next_version(&target.pack.version);
    Ok(Calibration {
        pack,
        changes,
        thresholds_before: old_thresholds,
        thresholds_after: m.thresholds,
        before: metrics(&before),
        after: metrics(&after),
        folds,
        submissions: rows.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(next_version("0.1.0"), "0.1.1");
        assert_eq!(next_version("2024-05"), "2024-05-calibrated");
    }

    #[test]
    fn the_fit_follows_the_labels() {
        let row = |flag: bool, feats: Vec<usize>| Row {
            flag,
            feats,
            fixed: 0.0,
            fixed_cap: Tier::Allow,
            before: Tier::Allow,
        };
        let rows = [
            row(true, vec![0]),
            row(true, vec![0]),
            row(false, vec![1]),
            row(false, vec![1]),
            row(false, vec![]),
        ];
        let refs: Vec<&Row> = rows.iter().collect();
        let w = fit(&refs, &[0.0, 0.0], 0.1);
        assert!(w[0] > 0.5, "{w:?}");
        assert!(w[1] < -0.5, "{w:?}");
        // A strong pull keeps the prior.
        let w = fit(&refs, &[0.0, 0.0], 1e6);
        assert!(w.iter().all(|x| x.abs() < 0.01), "{w:?}");
    }
}
