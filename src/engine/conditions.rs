//! Evaluating a rule's condition over a scan: terms, `near`, counts of
//! rules, entities, and the exceptions that cancel an occurrence.

use crate::compile::{Cond, EntityCond, Rule};
use crate::extract::{self, Techniques};

use super::scan::{field_mask, EntityOcc, Occ, Scan, Span};
use super::{Engine, Evidence, Fired};

impl Engine {
    /// The evaluation of one rule's condition over a scan.
    pub(super) fn eval_rule<'s>(
        &'s self,
        scan: &'s Scan<'s>,
        r: &Rule,
        fired: &'s Fired,
        counted: Option<&'s [bool]>,
    ) -> Eval<'s> {
        Eval {
            scan,
            mask: field_mask(scan, &r.fields),
            exceptions: self.exceptions(scan, r),
            fired,
            counted,
            rules: &self.c.rules,
            cap: self.limits.max_hits_per_rule,
            decide: false,
        }
    }

    /// Where rule `r`'s exceptions cancelled what would otherwise have made
    /// it fire: (the rule's words, the exception's words), one per
    /// exception place (with the nearest of the rule's words it cancelled,
    /// outside the exception itself when one is), at most
    /// `max_hits_per_rule`. For a rule that did not fire while
    /// exception words stood in its fields: its condition is evaluated once
    /// more without them, so only an exception that changed the outcome is
    /// reported.
    pub(super) fn cleared(&self, mut ev: Eval<'_>, r: &Rule) -> Vec<(Span, Span)> {
        let exceptions = std::mem::take(&mut ev.exceptions);
        let Some(spans) = ev.cond(&r.cond) else {
            return Vec::new();
        };
        ev.exceptions = exceptions;
        let scan = ev.scan;
        let mut out: Vec<(Span, Span)> = Vec::new();
        for s in spans {
            let f = &scan.fields[s.field as usize];
            let o = Occ {
                term: u32::MAX,
                span: s,
                w0: f.word_at(s.start as usize),
                w1: f.word_at((s.end as usize).saturating_sub(1).max(s.start as usize)),
            };
            if !ev.cancelled(&o) {
                continue;
            }
            // The exception occurrence that reaches it, the nearest first.
            let reaches = |e: &&Occ| {
                e.span.field == s.field
                    && e.w0.saturating_sub(r.window) <= o.w1
                    && e.w1.saturating_add(r.window) >= o.w0
            };
            let gap = |e: &&Occ| e.w0.abs_diff(o.w0).min(e.w1.abs_diff(o.w1));
            let nearest = r
                .exceptions
                .iter()
                .flat_map(|&t| scan.term_occs(t))
                .filter(reaches)
                .min_by_key(gap);
            let Some(e) = nearest else { continue };
            // Words of the exception itself ("charge" in "never charge")
            // give way to the rule's words beside it.
            let inside = |a: Span| a.start < e.span.end && e.span.start < a.end;
            let better = |old: Span| {
                (inside(old), gap_between(old, e.span)) > (inside(s), gap_between(s, e.span))
            };
            let full = out.len() >= ev.cap;
            match out.iter_mut().find(|p| p.1 == e.span) {
                Some(p) if better(p.0) => p.0 = s,
                Some(_) => {}
                None if !full => out.push((s, e.span)),
                None => {}
            }
        }
        out.sort_unstable_by_key(|p| (p.1, p.0));
        out
    }

    /// The word ranges a rule's exceptions cancel, per field: each exception
    /// match widened by the rule's `window` on both sides, merged, sorted.
    /// An occurrence is cancelled when it touches one of them (one binary
    /// search, however many exceptions the text holds).
    pub(super) fn exceptions(&self, scan: &Scan<'_>, r: &Rule) -> Vec<(u16, u32, u32)> {
        if r.exceptions.is_empty() {
            return Vec::new();
        }
        let mask = field_mask(scan, &r.fields);
        let mut ex: Vec<(u16, u32, u32)> = Vec::new();
        for &t in &r.exceptions {
            for o in scan.term_occs(t) {
                if mask & (1u64 << o.span.field) != 0 {
                    ex.push((
                        o.span.field,
                        o.w0.saturating_sub(r.window),
                        o.w1.saturating_add(r.window),
                    ));
                }
            }
        }
        crate::sort::by_key(&mut ex, |e| crate::sort::key4(0, e.0.into(), e.1, e.2));
        let mut merged: Vec<(u16, u32, u32)> = Vec::with_capacity(ex.len());
        for e in ex {
            match merged.last_mut() {
                Some(m) if m.0 == e.0 && e.1 <= m.2.saturating_add(1) => m.2 = m.2.max(e.2),
                _ => merged.push(e),
            }
        }
        merged
    }
}

pub(super) struct Eval<'a> {
    pub(super) scan: &'a Scan<'a>,
    pub(super) mask: u64,
    /// (field, first word, last word) of exception matches, sorted.
    pub(super) exceptions: Vec<(u16, u32, u32)>,
    pub(super) fired: &'a Fired,
    /// For `rules` counts: which rules may be counted (`None`: all).
    pub(super) counted: Option<&'a [bool]>,
    /// The engine's rules: a `rules` count counts an `indicator` once,
    /// however many language packs' rules for it fired.
    pub(super) rules: &'a [Rule],
    pub(super) cap: usize,
    /// Only whether the condition holds matters, not all of its evidence
    /// (offer rules outside tests): `any`, `or` and `at_least` stop as
    /// soon as the answer is known, trying the conditions that need no
    /// entities first.
    pub(super) decide: bool,
}

impl<'a> Eval<'a> {
    pub(super) fn live<'b>(&'b self, t: u32) -> impl Iterator<Item = &'b Occ> + 'b {
        self.scan.term_occs(t).iter().filter(move |o| {
            o.span.field < 64 && self.mask & (1u64 << o.span.field) != 0 && !self.cancelled(o)
        })
    }

    /// The occurrences of term `t` in the rule's fields, exceptions or
    /// not.
    fn in_fields<'b>(&'b self, t: u32) -> impl Iterator<Item = &'b Occ> + 'b {
        self.scan
            .term_occs(t)
            .iter()
            .filter(move |o| o.span.field < 64 && self.mask & (1u64 << o.span.field) != 0)
    }

    /// This evaluation with no exceptions (for what a guard negates).
    fn without_exceptions(&self) -> Eval<'a> {
        Eval {
            scan: self.scan,
            mask: self.mask,
            exceptions: Vec::new(),
            fired: self.fired,
            counted: self.counted,
            rules: self.rules,
            cap: self.cap,
            decide: self.decide,
        }
    }

    pub(super) fn cancelled(&self, o: &Occ) -> bool {
        // `exceptions` holds disjoint word ranges sorted by start: only the
        // last one starting at or before the occurrence's last word can
        // reach it.
        let i = self
            .exceptions
            .partition_point(|e| (e.0, e.1) <= (o.span.field, o.w1));
        i > 0 && {
            let e = self.exceptions[i - 1];
            e.0 == o.span.field && e.2 >= o.w0
        }
    }

    pub(super) fn push(&self, out: &mut Vec<Span>, s: Span) {
        if !self.full(out) {
            out.push(s);
        }
    }

    /// The evidence list holds all the spans a rule may report: further
    /// pairs would be dropped, so searches for them stop.
    pub(super) fn full(&self, out: &[Span]) -> bool {
        out.len() >= self.cap * 4
    }

    /// The evidence for condition `c`: the spans that make it hold, or
    /// `None` when it does not.
    // Long by design: one match arm per kind of condition, each a few
    // lines; the arms that need more (`near`, `entity`) call out.
    pub(super) fn cond(&self, c: &Cond) -> Evidence {
        match c {
            Cond::Any(ts) if self.decide => ts
                .iter()
                .find_map(|&t| self.live(t).next())
                .map(|o| vec![o.span]),
            Cond::Any(ts) => {
                let mut out = Vec::new();
                for &t in ts {
                    for o in self.live(t) {
                        self.push(&mut out, o.span);
                    }
                }
                (!out.is_empty()).then_some(out)
            }
            Cond::All(ts) => {
                let mut out = Vec::new();
                for &t in ts {
                    let before = out.len();
                    for o in self.live(t) {
                        self.push(&mut out, o.span);
                    }
                    if out.len() == before && self.live(t).next().is_none() {
                        return None;
                    }
                }
                Some(out)
            }
            // A guard speaks against the rule as its exceptions do: an
            // exception must not cancel the guard's own words, or a
            // sentence holding both ("we don't sit or drink with guests,
            // no consumption" with "no consumption" also an exception)
            // reads as if the guard were absent and the rule fires.
            Cond::NoneOf(ts) => ts
                .iter()
                .all(|&t| self.in_fields(t).next().is_none())
                .then(Vec::new),
            Cond::Near {
                a,
                b,
                within,
                ordered,
            } => self.near(a, b, *within, *ordered),
            Cond::AtLeast(n, cs) if self.decide => {
                let mut out = Vec::new();
                let mut count = 0;
                if *n == 0 {
                    return Some(out);
                }
                for c in cheap_first(cs) {
                    if let Some(ev) = self.cond(c) {
                        count += 1;
                        out.extend(ev);
                        if count >= *n {
                            return Some(out);
                        }
                    }
                }
                None
            }
            Cond::AtLeast(n, cs) => {
                let mut out = Vec::new();
                let mut count = 0;
                for c in cs {
                    if let Some(ev) = self.cond(c) {
                        count += 1;
                        for s in ev {
                            self.push(&mut out, s);
                        }
                    }
                }
                (count >= *n).then_some(out)
            }
            Cond::And(cs) if cs.iter().any(needs_entities) => {
                // The conditions that need no entities first: when one of
                // them fails, no extractor runs. The evidence is gathered
                // in the written order all the same.
                let mut evs: Vec<Vec<Span>> = vec![Vec::new(); cs.len()];
                for (i, c) in cs.iter().enumerate() {
                    if !needs_entities(c) {
                        evs[i] = self.cond(c)?;
                    }
                }
                for (i, c) in cs.iter().enumerate() {
                    if needs_entities(c) {
                        evs[i] = self.cond(c)?;
                    }
                }
                let mut out = Vec::new();
                for s in evs.into_iter().flatten() {
                    self.push(&mut out, s);
                }
                Some(out)
            }
            Cond::And(cs) => {
                let mut out = Vec::new();
                for c in cs {
                    for s in self.cond(c)? {
                        self.push(&mut out, s);
                    }
                }
                Some(out)
            }
            Cond::Or(cs) if self.decide => cheap_first(cs).find_map(|c| self.cond(c)),
            Cond::Or(cs) => {
                let mut out = Vec::new();
                let mut any = false;
                for c in cs {
                    if let Some(ev) = self.cond(c) {
                        any = true;
                        for s in ev {
                            self.push(&mut out, s);
                        }
                    }
                }
                any.then_some(out)
            }
            // The same for `not`: what it negates is read without the
            // rule's exceptions.
            Cond::Not(c) => match self.without_exceptions().cond(c) {
                Some(_) => None,
                None => Some(Vec::new()),
            },
            Cond::Rule(r) => self.fired.get(*r).cloned(),
            Cond::Entity(m) => self.entity(m),
            Cond::Rules(rs, min) => {
                let mut out = Vec::new();
                let mut count = 0;
                // Indicator groups already counted: the Russian and the
                // Ukrainian rule for one indicator, both fired by one
                // sentence either language reads, are one piece of evidence.
                let mut groups: Vec<u32> = Vec::new();
                // The rules that fired (a handful) looked up among those
                // named (ascending, as `rule_globs` leaves them; often
                // hundreds, one per language pack's rule for each
                // indicator), in the same ascending order.
                for (r, ev) in self.fired.iter() {
                    if rs.binary_search(&r).is_err()
                        || self
                            .counted
                            .is_some_and(|c| !c.get(r as usize).copied().unwrap_or(false))
                    {
                        continue;
                    }
                    let g = self
                        .rules
                        .get(r as usize)
                        .map_or(u32::MAX, |x| x.indicator_group);
                    if g == u32::MAX || !groups.contains(&g) {
                        count += 1;
                        if g != u32::MAX {
                            groups.push(g);
                        }
                    }
                    for &s in ev {
                        self.push(&mut out, s);
                    }
                }
                (count >= *min).then_some(out)
            }
        }
    }

    pub(super) fn entity(&self, m: &EntityCond) -> Evidence {
        let mut out = Vec::new();
        // An entity that must stand near words the text lacks: no need
        // to read entities.
        let near =
            (!m.near.is_empty()).then(|| Positions::new(m.near.iter().flat_map(|&t| self.live(t))));
        if near.as_ref().is_some_and(|p| p.all.is_empty()) {
            return None;
        }
        let kind = extract::kind_bit(m.kind);
        // Entities that must stand near some words are read around those
        // words only, unless their kind has been read whole already.
        let read_around = match &near {
            Some(p) if self.scan.extracted.get() & kind == 0 => {
                Some(self.scan.around(&p.all, m.within, kind, self.mask))
            }
            _ => None,
        };
        let whole;
        let entities: &[EntityOcc] = match &read_around {
            Some(v) => v,
            None => {
                self.scan.ensure(kind);
                whole = self.scan.entities.borrow();
                &whole
            }
        };
        for e in entities {
            let f = &e.found;
            let field = e.span.field;
            if f.kind != m.kind || field >= 64 || self.mask & (1u64 << field) == 0 {
                continue;
            }
            let techniques = Techniques::from_bits(f.techniques);
            if m.obfuscated.is_some_and(|o| o == techniques.is_plain()) {
                continue;
            }
            if m.written != 0 && !techniques.any(m.written) {
                continue;
            }
            let in_range =
                |n: f64| m.min.is_none_or(|min| n >= min) && m.max.is_none_or(|max| n <= max);
            if (m.min.is_some() || m.max.is_some()) && !f.number.is_some_and(in_range) {
                continue;
            }
            if !m.platforms.is_empty()
                && !f
                    .platform
                    .is_some_and(|p| m.platforms.iter().any(|q| q == p))
            {
                continue;
            }
            let before = out.len();
            if let Some(near) = &near {
                near.visit(field, e.w0, e.w1, None, m.within, |o| {
                    self.push(&mut out, o.span);
                    !self.full(&out)
                });
                if out.len() == before {
                    continue;
                }
            }
            if e.span.start < e.span.end {
                self.push(&mut out, e.span);
            }
            if self.full(&out) {
                break;
            }
            if out.is_empty() {
                // Fired, though the entity maps to no visible span.
                return Some(out);
            }
        }
        (!out.is_empty()).then_some(out)
    }

    pub(super) fn near(&self, a: &[u32], b: &[u32], within: u32, ordered: bool) -> Evidence {
        let bs = Positions::new(b.iter().flat_map(|&t| self.live(t)));
        if bs.all.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for &t in a {
            for oa in self.live(t) {
                let order = ordered.then_some(oa.span.start);
                bs.visit(oa.span.field, oa.w0, oa.w1, order, within, |ob| {
                    if ob.span != oa.span {
                        self.push(&mut out, oa.span);
                        self.push(&mut out, ob.span);
                    }
                    !self.full(&out)
                });
                if self.full(&out) {
                    return Some(out);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Whether evaluating `c` may run the entity extractors.
pub(super) fn needs_entities(c: &Cond) -> bool {
    match c {
        Cond::Entity(_) => true,
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => cs.iter().any(needs_entities),
        Cond::Not(c) => needs_entities(c),
        _ => false,
    }
}

/// `cs`, those that need no entities first.
pub(super) fn cheap_first(cs: &[Cond]) -> impl Iterator<Item = &Cond> {
    let cheap = cs.iter().filter(|c| !needs_entities(c));
    cheap.chain(cs.iter().filter(|c| needs_entities(c)))
}

/// The occurrences one side of a `near` can pair with, sorted by position,
/// so that a query visits only occurrences that pair with it: the time a
/// `near` takes grows with the pairs it reports (capped at the rule's hit
/// limit), not with the square of its occurrences. A text spaced out
/// letter by letter is one long word holding every match; before this
/// index every match in it was compared with every other.
pub(super) struct Positions<'b> {
    /// Sorted by (field, first word, start).
    pub(super) all: Vec<&'b Occ>,
    /// The occurrences spanning more than one word, in the same order: the
    /// only ones that can reach a query from a first word before its
    /// window.
    pub(super) long: Vec<&'b Occ>,
    /// The most words any occurrence spans, less one.
    pub(super) max_len: u32,
}

impl<'b> Positions<'b> {
    pub(super) fn new(occs: impl Iterator<Item = &'b Occ>) -> Self {
        let mut all: Vec<&Occ> = occs.collect();
        crate::sort::by_key(&mut all, |o| {
            crate::sort::key4(0, o.span.field.into(), o.w0, o.span.start)
        });
        let long: Vec<&Occ> = all.iter().copied().filter(|o| o.w1 > o.w0).collect();
        let max_len = long.iter().map(|o| o.w1 - o.w0).max().unwrap_or(0);
        Positions { all, long, max_len }
    }

    /// Calls `f` on every occurrence of `field` at most `within` words from
    /// the words `w0..=w1`; with `ordered` (the query's start byte), only on
    /// those after the query or overlapping it from a later start. Stops
    /// when `f` returns false.
    pub(super) fn visit(
        &self,
        field: u16,
        w0: u32,
        w1: u32,
        ordered: Option<u32>,
        within: u32,
        mut f: impl FnMut(&Occ) -> bool,
    ) {
        let hi = w1.saturating_add(within).saturating_add(1);
        // Every occurrence from `start` whose first word is at most `hi`
        // pairs: it overlaps the query, or begins at most `within` words
        // after it, or (unordered) begins at most `within` words before it
        // and so ends no further away.
        let (start, lo) = match ordered {
            Some(at) => (
                self.all
                    .partition_point(|o| (o.span.field, o.w0, o.span.start) < (field, w0, at)),
                w0,
            ),
            None => {
                let lo = w0.saturating_sub(within.saturating_add(1));
                (
                    self.all
                        .partition_point(|o| (o.span.field, o.w0) < (field, lo)),
                    lo,
                )
            }
        };
        for o in self.all[start..]
            .iter()
            .take_while(|o| o.span.field == field && o.w0 <= hi)
        {
            #[cfg(test)]
            super::tests::VISITS.with(|v| v.set(v.get() + 1));
            if !f(o) {
                return;
            }
        }
        // Unordered, an occurrence that begins before `lo` still pairs when
        // it spans several words and its last word reaches `lo`.
        if ordered.is_none() && lo > 0 && self.max_len > 0 {
            let from = lo.saturating_sub(self.max_len);
            let start = self
                .long
                .partition_point(|o| (o.span.field, o.w0) < (field, from));
            for o in self.long[start..]
                .iter()
                .take_while(|o| o.span.field == field && o.w0 < lo)
            {
                #[cfg(test)]
                super::tests::VISITS.with(|v| v.set(v.get() + 1));
                if o.w1 >= lo && !f(o) {
                    return;
                }
            }
        }
    }
}

/// The bytes between two spans of one field (0 when they overlap).
fn gap_between(a: Span, b: Span) -> u32 {
    a.start
        .saturating_sub(b.end)
        .max(b.start.saturating_sub(a.end))
}
