//! From the rules that fired to a score and its tier: each indicator
//! counted once, weak indicators capped at `warn`, strong ones lifted to
//! `review`, and each rule's places in the original text kept once.

use std::ops::Range;

use crate::pack::{Status, Strength};
use crate::tier::{Thresholds, Tier};

use super::scan::{source, Scan, Span};
use super::{Engine, Fired};

/// The rules that fired, scored.
pub(super) struct Scored {
    /// (rule, counted points ×100, experimental), highest score first.
    pub(super) rules: Vec<(usize, i64, bool)>,
    /// (rule, span in the matching form, range in the original field).
    pub(super) spans: Vec<(usize, Span, Range<usize>)>,
    pub(super) score: f64,
    pub(super) score_tier: Tier,
    pub(super) tier: Tier,
}

impl Engine {
    /// Adds up the rules that fired (`cands`, ascending, are the only
    /// ones that can have): each indicator counts once, weak indicators
    /// cap the tier at `warn`, strong ones lift it to `review`.
    pub(super) fn score(
        &self,
        scan: &Scan<'_>,
        fired: &Fired,
        cands: &[u32],
        thresholds: Thresholds,
    ) -> Scored {
        let c = &self.c;
        let mut total: i64 = 0;
        let mut cap = Tier::Allow;
        let mut floor = Tier::Allow;
        let mut rules_out = Vec::new();
        let mut spans_out: Vec<(usize, Span, Range<usize>)> = Vec::new();
        // One indicator counts once: of the fired rules that name the same
        // indicator, only the highest-scoring (then the first) scores.
        let mut best: Vec<(u32, usize)> = Vec::new();
        let fired_rules = || {
            cands
                .iter()
                .map(|&i| i as usize)
                .filter_map(|i| fired.get(i as u32).map(|ev| (i, ev)))
        };
        for (i, _) in fired_rules() {
            let r = &c.rules[i];
            if r.helper || r.indicator_group == u32::MAX || r.status == Status::Experimental {
                continue;
            }
            match best.iter_mut().find(|b| b.0 == r.indicator_group) {
                Some(b) if c.rules[b.1].score < r.score => b.1 = i,
                Some(_) => {}
                None => best.push((r.indicator_group, i)),
            }
        }
        for (i, spans) in fired_rules() {
            let r = &c.rules[i];
            if r.helper {
                continue;
            }
            let experimental = r.status == Status::Experimental;
            let counted = r.indicator_group == u32::MAX
                || best.iter().any(|b| b.0 == r.indicator_group && b.1 == i);
            let score = if experimental || !counted { 0 } else { r.score };
            total += score;
            if score > 0 {
                // A weak indicator adds its score but cannot lift the
                // verdict past `warn` by itself; a strong one brings it to
                // `review` whatever the score (both within `max_tier`).
                match r.strength {
                    Strength::Weak => cap = cap.max(r.max_tier.min(Tier::Warn)),
                    Strength::Medium => cap = cap.max(r.max_tier),
                    Strength::Strong => {
                        cap = cap.max(r.max_tier);
                        floor = floor.max(r.max_tier.min(Tier::Review));
                    }
                }
            }
            rules_out.push((i, score, experimental));
            let mut kept = places(scan, spans);
            kept.truncate(self.limits.max_hits_per_rule);
            spans_out.extend(kept.into_iter().map(|(s, src)| (i, s, src)));
        }
        let score = total as f64 / 100.0;
        let score_tier = thresholds.tier(score);
        // Highest score first, then by rule id.
        crate::sort::by_key(&mut rules_out, |&(ri, score, _)| {
            let (h, l) = crate::sort::desc_i64(score);
            crate::sort::key4(0, h, l, c.rules[ri].id_rank)
        });
        Scored {
            rules: rules_out,
            spans: spans_out,
            score,
            score_tier,
            tier: score_tier.min(cap).max(floor),
        }
    }
}

/// Each place once per rule: a span inside another span of the same rule
/// (":rose:" and "rose" on one 🌹, "new" inside "we have new") is dropped,
/// the longest kept. Sorted by field and start in the original text.
fn places(scan: &Scan<'_>, spans: &[Span]) -> Vec<(Span, Range<usize>)> {
    let mut mapped: Vec<(Span, Range<usize>)> =
        spans.iter().map(|s| (*s, source(scan, *s))).collect();
    // By field, start, longest source, longest match.
    crate::sort::by_key(&mut mapped, |(span, src)| {
        crate::sort::key4(
            span.field.into(),
            src.start as u32,
            !(src.end as u32),
            !(span.end - span.start),
        )
    });
    let mut kept: Vec<(Span, Range<usize>)> = Vec::new();
    for (span, src) in mapped {
        let inside = kept
            .iter()
            .rev()
            .take_while(|k| k.0.field == span.field)
            .any(|k| k.1.start <= src.start && src.end <= k.1.end);
        if !inside {
            kept.push((span, src));
        }
    }
    kept
}
