//! The engine: compiled packs and the screening path.

use std::cell::{Cell, RefCell};
use std::ops::Range;

use crate::compile::{compile_on, finish, Compiled, Cond, EntityCond, Rule};
use crate::error::{Error, PackError};
use crate::extract::{self, EntityOptions, Found, Techniques};
use crate::limits::Limits;
use crate::matcher::windows;
use crate::normalize::{normalize, Normalized, Steps};
use crate::pack::{Pack, Status, Strength, SECTIONS};
use crate::submission::Submission;
use crate::tier::{Thresholds, Tier};
use crate::utf16::utf16_offsets;
use crate::verdict::{FiredRule, Hit, PackInfo, Verdict};

/// A compiled set of rule packs, ready to screen submissions.
///
/// Building an engine validates every pack and compiles all of their terms
/// into one Aho-Corasick automaton; screening then normalises each field
/// once and finds every term in one pass. An `Engine` is immutable,
/// `Send + Sync`, and cheap to share behind an `Arc`.
///
/// ```
/// use redflag::{Engine, Submission, Tier};
///
/// let engine = Engine::new_default();
/// let ad = Submission::new()
///     .section("jobs")
///     .field("title", "Hotel staff needed abroad, travel paid")
///     .field("body", "No experience needed. Pay the registration fee of $300 before \
///                     departure. Your passport will be kept by the employer.");
/// let verdict = engine.screen(&ad).unwrap();
/// assert!(verdict.verdict >= Tier::Review);
/// for hit in &verdict.hits {
///     println!("{} {}..{} {:?}", hit.rule, hit.start, hit.end, hit.text);
/// }
/// ```
#[derive(Clone)]
pub struct Engine {
    c: Compiled,
    limits: Limits,
    /// Deployment key for keyed hashes of contact entities.
    key: Option<Vec<u8>>,
}

/// Options for one screening call.
///
/// ```
/// use redflag::{Engine, EntityKind, ScreenOptions, Submission};
///
/// let engine = Engine::builder().default_packs().entity_key(b"deployment secret".to_vec()).build().unwrap();
/// let ad = Submission::new().section("adult").field("body", "new in town, txt 2O2-555-O147");
/// let v = engine.screen_with_options(&ad, &ScreenOptions { entities: true, ..Default::default() }).unwrap();
/// let phone = v.entities.iter().find(|e| e.kind == EntityKind::Phone).unwrap();
/// assert!(phone.obfuscated);
/// assert!(phone.value.is_none()); // raw values only with `raw_values`
/// assert_eq!(phone.hash.as_ref().unwrap().len(), 64);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScreenOptions {
    /// Thresholds other than the engine's.
    pub thresholds: Option<Thresholds>,
    /// Return the entities found ([`Verdict::entities`]).
    pub entities: bool,
    /// Return canonical contact values with the entities (reviewer tools;
    /// never for poster-facing code).
    pub raw_values: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("packs", &self.c.packs)
            .field("rules", &self.c.rules.len())
            .field("terms", &self.c.terms.len())
            .field("thresholds", &self.c.thresholds)
            .field("limits", &self.limits)
            .field("entity_key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Builds an [`Engine`] from packs, in load order.
///
/// ```
/// let overrides = redflag::Pack::from_json(r#"{
///   "schema": 1,
///   "pack": {"id": "my-site", "version": "3"},
///   "override": [{"rule": "core.adult.*", "disabled": true}]
/// }"#).unwrap();
/// let engine = redflag::Engine::builder()
///     .default_packs()
///     .pack(overrides)
///     .thresholds(redflag::Thresholds { warn: 2.0, review: 5.0, block: 12.0 })
///     .build()
///     .unwrap();
/// assert_eq!(engine.thresholds().block, 12.0);
/// ```
#[derive(Clone, Default)]
pub struct EngineBuilder {
    /// Whether the built-in packs load first.
    builtin: bool,
    /// Already compiled packs to load first (tests of the pack image).
    #[cfg(test)]
    base: Option<Compiled>,
    packs: Vec<Pack>,
    errors: Vec<PackError>,
    limits: Limits,
    thresholds: Option<Thresholds>,
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("builtin", &self.builtin)
            .field("packs", &self.packs.len())
            .field("errors", &self.errors)
            .field("limits", &self.limits)
            .field("thresholds", &self.thresholds)
            .field("entity_key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl EngineBuilder {
    /// Adds a pack.
    pub fn pack(mut self, pack: Pack) -> EngineBuilder {
        self.packs.push(pack);
        self
    }

    /// Adds a pack given as a JSON value (what [`Pack::from_value`]
    /// parses), keeping what parses: broken rules, filters and overrides
    /// are left out and their problems kept, so that [`build`] reports
    /// them together with what compiling the rest finds (a duplicate id,
    /// an unknown list), every problem in one round.
    ///
    /// [`build`]: EngineBuilder::build
    ///
    /// ```
    /// use redflag::Engine;
    /// let pack = serde_json::json!({"schema": 4, "pack": {"id": "p", "version": "1"}, "rule": [
    ///     {"id": "a", "title": "A", "category": "c", "score": "high", "match": {"any": ["fee"]}},
    ///     {"id": "b", "title": "B", "category": "c", "match": {"any": ["@nowhere"]}}]});
    /// let err = Engine::builder().pack_value(pack).build().unwrap_err();
    /// let paths: Vec<&str> = err.pack_errors().iter().map(|e| e.path.as_str()).collect();
    /// assert_eq!(paths, ["rule[0].score", "rule[1].match.any[0]"]);
    /// ```
    pub fn pack_value(mut self, value: serde_json::Value) -> EngineBuilder {
        let (pack, errors) = Pack::from_value_lenient(value);
        self.errors.extend(errors);
        self.packs.extend(pack);
        self
    }

    /// Loads the packs built into this crate (from `rules/`). They always
    /// load first, before the packs given with [`EngineBuilder::pack`], so
    /// those can refer to, override and filter the built-in rules.
    pub fn default_packs(mut self) -> EngineBuilder {
        self.builtin = true;
        self
    }

    #[cfg(test)]
    pub(crate) fn base(mut self, c: Compiled) -> EngineBuilder {
        self.base = Some(c);
        self
    }

    /// Sets the limits.
    pub fn limits(mut self, limits: Limits) -> EngineBuilder {
        self.limits = limits;
        self
    }

    /// Overrides the thresholds of the packs.
    pub fn thresholds(mut self, t: Thresholds) -> EngineBuilder {
        self.thresholds = Some(t);
        self
    }

    /// Sets the deployment key for keyed hashes of contact entities
    /// (HMAC-SHA-256). Keep it secret and stable: ads share a hash only if
    /// they were screened with the same key.
    pub fn entity_key(mut self, key: Vec<u8>) -> EngineBuilder {
        self.key = Some(key);
        self
    }

    /// Validates and compiles. Every problem in every pack is reported.
    pub fn build(self) -> Result<Engine, Error> {
        let mut errors = self.errors;
        if let Some(t) = self.thresholds {
            if let Some(m) = t.check() {
                errors.push(PackError {
                    pack: None,
                    path: "thresholds".into(),
                    message: m,
                });
            }
        }
        // The built-in packs come compiled when the build embedded their
        // image; the packs given are compiled on top of them.
        #[cfg(test)]
        let test_base = self.base;
        #[cfg(not(test))]
        let test_base: Option<Compiled> = None;
        let (base, packs) = if let Some(b) = test_base {
            (Some(b), self.packs)
        } else if self.builtin {
            match crate::defaults::builtin() {
                Ok(crate::defaults::Builtin::Compiled(c)) => (Some(*c), self.packs),
                Ok(crate::defaults::Builtin::Packs(mut d)) => {
                    d.extend(self.packs);
                    (None, d)
                }
                Err(e) => {
                    errors.extend(e);
                    (None, self.packs)
                }
            }
        } else {
            (None, self.packs)
        };
        let compiled = match base {
            // Nothing to compile on top of the image: derive what it does
            // not store, build the automaton.
            Some(mut b) if packs.is_empty() => {
                if let Some(t) = self.thresholds {
                    b.thresholds = t;
                }
                finish(b)
            }
            base => compile_on(base, &packs, &self.limits, self.thresholds),
        };
        match compiled {
            Ok(c) if errors.is_empty() => Ok(Engine {
                c,
                limits: self.limits,
                key: self.key,
            }),
            Ok(_) => Err(Error::Pack(errors)),
            Err(e) => {
                errors.extend(e);
                Err(Error::Pack(errors))
            }
        }
    }
}

/// Fields are tracked in a 64-bit mask; `Limits::max_fields` cannot exceed it.
const MAX_FIELDS: usize = 64;

/// A span of the matching form of one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    pub field: u16,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Copy, Debug)]
struct Occ {
    term: u32,
    span: Span,
    /// Word index of the first and last word of the match.
    w0: u32,
    w1: u32,
}

struct Field<'a> {
    name: &'a str,
    name_lower: String,
    original: &'a str,
    norm: Normalized,
}

impl Field<'_> {
    fn word_at(&self, pos: usize) -> u32 {
        self.norm
            .word_starts()
            .partition_point(|&w| w as usize <= pos)
            .saturating_sub(1) as u32
    }
}

/// An extracted entity located in the matching form.
struct EntityOcc {
    found: Found,
    span: Span,
    w0: u32,
    w1: u32,
}

/// Per-submission working state.
struct Scan<'a> {
    fields: Vec<Field<'a>>,
    /// Sorted by (term, field, start).
    occs: Vec<Occ>,
    /// Bit `t` set when term `t` has an occurrence.
    present: Vec<u64>,
    /// The languages read in the text.
    langs: crate::lang::Detected,
    /// Entities, extracted on demand: the first time a condition looks at
    /// a kind (or all of them, when the caller asked for entities).
    entities: RefCell<Vec<EntityOcc>>,
    /// The kinds extracted so far (bits of `extract::kind_bit`).
    extracted: Cell<u8>,
    /// Kinds worth extracting together with the first one asked for: those
    /// the rules still to run may look at (one pass of the extractors
    /// serves them all).
    wanted: Cell<u8>,
    max_entities: usize,
}

impl Scan<'_> {
    /// Extracts `kinds` (and the `wanted` kinds with them) unless done.
    fn ensure(&self, kinds: u8) {
        if kinds & !self.extracted.get() == 0 {
            return;
        }
        let missing = (kinds | self.wanted.get()) & !self.extracted.get();
        self.extracted.set(self.extracted.get() | missing);
        let mut entities = self.entities.borrow_mut();
        for (fi, field) in self.fields.iter().enumerate() {
            let room = self.max_entities.saturating_sub(entities.len());
            if room == 0 {
                break;
            }
            for found in extract::find_kinds(field.original, missing)
                .into_iter()
                .take(room)
            {
                entities.push(locate(fi, field, found));
            }
        }
    }

    /// The entities of `kind` (a kind bit) read only around the
    /// occurrences `near` (sorted by field and first word), for a condition
    /// that wants them within `within` words of those: each stretch read
    /// reaches [`ENTITY_CONTEXT_WORDS`] further either side, so that the
    /// extractors see the words around an entity as they would in the
    /// whole text. A long job ad with a few such words is read in a few
    /// short stretches instead of whole.
    fn around(&self, near: &[&Occ], within: u32, kind: u8, mask: u64) -> Vec<EntityOcc> {
        let reach = within.saturating_add(ENTITY_CONTEXT_WORDS);
        let mut out = Vec::new();
        let mut stretches: Vec<(u32, u32)> = Vec::new();
        for (fi, field) in self.fields.iter().enumerate() {
            if fi >= 64 || mask & (1u64 << fi) == 0 {
                continue;
            }
            stretches.clear();
            for o in near.iter().filter(|o| o.span.field as usize == fi) {
                let (a, b) = (o.w0.saturating_sub(reach), o.w1.saturating_add(reach));
                match stretches.last_mut() {
                    Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                    _ => stretches.push((a, b)),
                }
            }
            let words = field.norm.word_starts();
            let len = field.norm.as_str().len();
            for &(a, b) in &stretches {
                let start = words.get(a as usize).map_or(len, |&w| w as usize);
                let end = words
                    .get((b as usize).saturating_add(1))
                    .map_or(len, |&w| w as usize);
                if start >= end {
                    continue;
                }
                let src = field.norm.source_range(start..end);
                let Some(piece) = field.original.get(src.clone()) else {
                    continue;
                };
                for mut found in extract::find_kinds(piece, kind) {
                    found.bytes = found.bytes.start + src.start..found.bytes.end + src.start;
                    out.push(locate(fi, field, found));
                    if out.len() >= self.max_entities {
                        return out;
                    }
                }
            }
        }
        out
    }
}

/// How many words beyond the reach of its condition an entity is read
/// with, when only the text around some words is read (see
/// [`Scan::around`]): more than any extractor looks at around what it
/// reads (a few words: "must be at least", "born in", a currency or a
/// unit).
const ENTITY_CONTEXT_WORDS: u32 = 12;

/// An entity found in field `fi`, located in its matching form.
fn locate(fi: usize, field: &Field<'_>, found: Found) -> EntityOcc {
    let r = field.norm.range_of_source(found.bytes.clone());
    let span = Span {
        field: fi as u16,
        start: r.start as u32,
        end: r.end as u32,
    };
    let w0 = field.word_at(r.start);
    let w1 = field.word_at(r.end.saturating_sub(1).max(r.start));
    EntityOcc {
        found,
        span,
        w0,
        w1,
    }
}

/// Evaluation of one rule: fired, and the spans that made it fire.
pub(crate) type Evidence = Option<Vec<Span>>;

/// Internal result with helper rules, for tests.
pub(crate) struct Detailed {
    pub verdict: Verdict,
    pub fired: Vec<bool>,
}

impl Engine {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// An engine with the built-in packs and default limits.
    ///
    /// The built-in packs are validated by this crate's tests, so this does
    /// not fail; use [`Engine::builder`] to handle errors explicitly.
    pub fn new_default() -> Engine {
        match Engine::builder().default_packs().build() {
            Ok(e) => e,
            // Unreachable for a released crate (the test suite builds the
            // default engine); an empty engine is still safer than a panic.
            Err(_) => Engine::empty(),
        }
    }

    fn empty() -> Engine {
        let limits = Limits::default();
        let c = compile_on(None, &[Pack::empty("empty", "0")], &limits, None).unwrap_or_default();
        Engine {
            c,
            limits,
            key: None,
        }
    }

    /// Ids and versions of the loaded packs, in load order.
    pub fn packs(&self) -> &[PackInfo] {
        &self.c.packs
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> Thresholds {
        self.c.thresholds
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Number of rules and of distinct terms.
    pub fn stats(&self) -> (usize, usize) {
        (self.c.rules.len(), self.c.terms.len())
    }

    /// Categories the packs mark as safe to explain to posters.
    pub fn explainable_categories(&self) -> impl Iterator<Item = &str> {
        self.c.explainable.iter().map(String::as_str)
    }

    /// Screens one submission.
    pub fn screen(&self, sub: &Submission) -> Result<Verdict, Error> {
        self.screen_with(sub, None)
    }

    /// Screens with thresholds other than the engine's.
    pub fn screen_with(
        &self,
        sub: &Submission,
        thresholds: Option<Thresholds>,
    ) -> Result<Verdict, Error> {
        self.screen_with_options(
            sub,
            &ScreenOptions {
                thresholds,
                ..ScreenOptions::default()
            },
        )
    }

    /// Screens with options: other thresholds, entities in the verdict.
    pub fn screen_with_options(
        &self,
        sub: &Submission,
        opts: &ScreenOptions,
    ) -> Result<Verdict, Error> {
        if let Some(t) = opts.thresholds {
            if let Some(m) = t.check() {
                return Err(Error::Submission(m));
            }
        }
        Ok(self.screen_detailed(sub, opts, false)?.verdict)
    }

    /// Whether the packs have `entity` conditions. Screening then runs the
    /// extractors for the kinds that the rules able to fire on a submission
    /// look at, even when the caller does not ask for entities.
    pub fn uses_entities(&self) -> bool {
        self.c.uses_entities
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.c
    }

    pub(crate) fn screen_detailed(
        &self,
        sub: &Submission,
        opts: &ScreenOptions,
        testing: bool,
    ) -> Result<Detailed, Error> {
        let thresholds = opts.thresholds;
        let nfields = sub.fields().count();
        let max_fields = self.limits.max_fields.min(MAX_FIELDS);
        if nfields > max_fields {
            return Err(Error::Limit {
                limit: "max_fields",
                max: max_fields,
                actual: nfields,
            });
        }
        let len = sub.text_len();
        if len > self.limits.max_input_bytes {
            return Err(Error::Limit {
                limit: "max_input_bytes",
                max: self.limits.max_input_bytes,
                actual: len,
            });
        }
        let section = sub.get_section().and_then(crate::pack::section_index);
        let section_bit: u8 = section.map_or(0, |b| 1 << b);
        let scan = self.scan(sub);
        let c = &self.c;
        let nrules = c.rules.len();
        // The languages the text is written in: a pack that names its
        // languages runs only on text in one of them (`lang`).
        let langs = scan.langs.run;
        let in_language = |r: &Rule| r.langs == 0 || r.langs & langs != 0;

        // Which rules can possibly fire: those whose terms occurred, and
        // those that can fire without terms, in a language of the text.
        // The loops below run over this list (a few dozen rules in most
        // ads), not over every rule of every pack.
        let mut seen = vec![0u64; nrules.div_ceil(64)];
        let mut cands: Vec<u32> = Vec::new();
        let mut add = |r: u32| {
            let (w, b) = (r as usize / 64, 1u64 << (r % 64));
            if seen[w] & b == 0 {
                seen[w] |= b;
                if in_language(&c.rules[r as usize]) {
                    cands.push(r);
                }
            }
        };
        for &r in &c.always_rules {
            add(r);
        }
        let mut last_term = u32::MAX;
        for o in &scan.occs {
            if o.term != last_term {
                last_term = o.term;
                for &r in c.rules_of(o.term) {
                    add(r);
                }
            }
        }
        cands.sort_unstable();
        let cand_rules = || cands.iter().map(|&ri| (ri as usize, &c.rules[ri as usize]));

        // The kinds of ad the text may be (offer rules whose terms
        // occurred): rules scoped to those sections may run too.
        let mut maybe = section_bit;
        for (_, r) in cand_rules() {
            if r.offer != 0 && !r.disabled {
                maybe |= r.offer;
            }
        }

        // Entities are extracted when a condition first looks at them,
        // for the kinds the offer rules able to fire may use; after the
        // offers are read, for those of the rules able to fire in the
        // sections open. All of them if the caller asked.
        let kinds_of = |open: u8, offer_rules: bool| -> u8 {
            let mut k = 0;
            for (_, r) in cand_rules() {
                if (r.offer != 0) == offer_rules && (r.sections == 0 || r.sections & open != 0) {
                    k |= r.entity_kinds;
                }
            }
            k
        };
        scan.wanted.set(kinds_of(maybe, true));
        if opts.entities {
            scan.ensure(extract::ALL_KINDS);
        }

        // What the ad offers, read from its text: offer rules run first
        // (they refer to no rules), and every kind they recognise opens
        // the rules scoped to it, as the posted section does.
        let mut offers: u8 = 0;
        let mut offer_evidence: Vec<(usize, Evidence)> = Vec::new();
        for (ri, r) in cand_rules() {
            // A kind already recognised needs no second rule, except when
            // testing, where every offer rule's own evidence is checked.
            if r.offer == 0 || (r.disabled && !testing) || (offers & r.offer != 0 && !testing) {
                continue;
            }
            let mut ev = self.eval_rule(&scan, r, &[], None);
            // Outside tests only the kind matters, not every piece of its
            // evidence: the offer's other words spare reading entities.
            ev.decide = !testing;
            if let Some(spans) = ev.cond(&r.cond) {
                offers |= r.offer;
                offer_evidence.push((ri, Some(spans)));
            }
        }
        let open = section_bit | offers;
        scan.wanted.set(
            kinds_of(open, false)
                | c.filter_entity_kinds
                    .get(section.unwrap_or(SECTIONS.len()))
                    .copied()
                    .unwrap_or(0),
        );

        let mut suppressed = vec![false; nrules];
        let mut active_filters = Vec::new();
        if !testing {
            let (always, by_term) = c.filter_terms();
            let mut filter_may_hold = always.clone();
            let mut last_term = u32::MAX;
            for o in &scan.occs {
                if o.term != last_term {
                    last_term = o.term;
                    for &f in by_term.get(o.term as usize).map_or(&[][..], |v| &v[..]) {
                        filter_may_hold[f as usize] = true;
                    }
                }
            }
            for (fi, f) in c.filters.iter().enumerate() {
                if f.sections != 0 && f.sections & open == 0 {
                    continue;
                }
                let active = match &f.when {
                    None => true,
                    // Most filters need a term to be present: with none of
                    // theirs in the ad, they are off without evaluating.
                    Some(_) if !filter_may_hold[fi] => false,
                    Some(cond) => {
                        let ev = Eval {
                            scan: &scan,
                            mask: field_mask(&scan, &f.fields),
                            exceptions: Vec::new(),
                            fired: &[],
                            counted: None,
                            cap: self.limits.max_hits_per_rule,
                            decide: true,
                        };
                        ev.cond(cond).is_some()
                    }
                };
                if active {
                    active_filters.push(f.id.clone());
                    for &r in &f.rules {
                        suppressed[r as usize] = true;
                    }
                }
            }
        }

        let mut fired: Vec<Evidence> = vec![None; nrules];
        for (ri, ev) in offer_evidence {
            fired[ri] = ev;
        }
        // Rules that count towards `rules = { of = [...] }` of a stable rule:
        // experimental rules score nothing, so they cannot add up to a
        // scoring meta rule either.
        cands.sort_unstable_by_key(|&ri| c.order_pos[ri as usize]);
        for &ri in &cands {
            let ri = ri as usize;
            let r = &c.rules[ri];
            if suppressed[ri] || (r.disabled && !testing) {
                continue;
            }
            if r.offer != 0 || (r.sections != 0 && r.sections & open == 0) {
                continue;
            }
            let counted = (r.status != Status::Experimental).then_some(&c.stable[..]);
            let ev = self.eval_rule(&scan, r, &fired, counted);
            fired[ri] = ev.cond(&r.cond);
        }

        // The verdict reads the rules that fired in rule order.
        cands.sort_unstable();
        let mut verdict = self.verdict(&scan, &fired, &cands, section, thresholds);
        verdict.filters = active_filters;
        verdict.languages = crate::lang::names(scan.langs.read);
        verdict.offers = SECTIONS
            .iter()
            .enumerate()
            .filter(|&(b, _)| offers & (1 << b) != 0)
            .map(|(_, k)| k.to_string())
            .collect();
        // A contact written to escape scrapers is evasion too.
        verdict.evasion |= scan
            .entities
            .borrow()
            .iter()
            .any(|e| e.found.kind.is_contact() && e.found.techniques != 0);
        if opts.entities {
            let eopts = EntityOptions {
                raw_values: opts.raw_values,
                key: self.key.clone(),
                max_entities: self.limits.max_entities,
            };
            for (fi, f) in scan.fields.iter().enumerate() {
                let found: Vec<Found> = scan
                    .entities
                    .borrow()
                    .iter()
                    .filter(|e| e.span.field as usize == fi)
                    .map(|e| e.found.clone())
                    .collect();
                if !found.is_empty() {
                    verdict
                        .entities
                        .extend(extract::shape(f.name, f.original, &found, &eopts));
                }
            }
        }
        Ok(Detailed {
            verdict,
            fired: fired.iter().map(Option::is_some).collect(),
        })
    }

    /// Extracts the entities of the given kinds from every field.
    /// The evaluation of one rule's condition over a scan.
    fn eval_rule<'s>(
        &self,
        scan: &'s Scan<'s>,
        r: &Rule,
        fired: &'s [Evidence],
        counted: Option<&'s [bool]>,
    ) -> Eval<'s> {
        Eval {
            scan,
            mask: field_mask(scan, &r.fields),
            exceptions: self.exceptions(scan, r),
            fired,
            counted,
            cap: self.limits.max_hits_per_rule,
            decide: false,
        }
    }

    /// The word ranges a rule's exceptions cancel, per field: each exception
    /// match widened by the rule's `window` on both sides, merged, sorted.
    /// An occurrence is cancelled when it touches one of them (one binary
    /// search, however many exceptions the text holds).
    fn exceptions(&self, scan: &Scan<'_>, r: &Rule) -> Vec<(u16, u32, u32)> {
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

    fn scan<'a>(&self, sub: &'a Submission) -> Scan<'a> {
        let mut fields = Vec::new();
        let mut occs = Vec::new();
        // The languages first (from every field), so that only their
        // patterns are searched.
        let norms: Vec<(&str, &str, _)> = sub
            .fields()
            .map(|(name, text)| (name, text, normalize(text)))
            .collect();
        let langs = crate::lang::detect(norms.iter().map(|(_, text, n)| (*text, n.as_str())));
        let run = langs.run;
        for (fi, (name, text, norm)) in norms.into_iter().enumerate() {
            let t = norm.as_str();
            let words = norm.word_starts();
            let word_at = |pos: usize| -> u32 {
                words
                    .partition_point(|&w| w as usize <= pos)
                    .saturating_sub(1) as u32
            };
            let bytes = t.as_bytes();
            // A match at [s, e) of the patterns of `pattern`, checked against
            // the terms' word boundaries (`before_word`, `after_word`: a word
            // character touches the match).
            let mut push =
                |pattern: u32, s: usize, e: usize, before_word: bool, after_word: bool| {
                    for &tid in self.c.terms_of(pattern) {
                        let term = &self.c.terms[tid as usize];
                        if (term.left && before_word) || (term.right && after_word) {
                            continue;
                        }
                        occs.push(Occ {
                            term: tid,
                            span: Span {
                                field: fi as u16,
                                start: s as u32,
                                end: e as u32,
                            },
                            w0: word_at(s),
                            w1: word_at(e.saturating_sub(1).max(s)),
                        });
                    }
                };
            // A term may also start or end inside a spaced-out run ("a p a
            // s s p o r t" reads "a passport").
            let bounds = |s: usize, e: usize| {
                let (before, after) = touches_word(t, s, e);
                (before && !norm.joined_at(s), after && !norm.joined_at(e))
            };
            if self.c.has_patterns() {
                self.c.for_each_pattern(bytes, run, |p, s, e| {
                    let (before, after) = bounds(s, e);
                    push(p, s, e, before, after);
                });
                // Words cut by hyphens ("pass-port held by the cap-tain"):
                // the text read again with every hyphen between two letters
                // removed. Only matches that cross a removed hyphen are new.
                // Each pass reads only the text around what it changed: a
                // match longer than the longest pattern cannot cover it.
                let reach = self.c.max_pattern_len + 4;
                if let Some(dh) = Dehyphenated::of(t) {
                    let d = dh.text.as_str();
                    let cuts = dh.cuts.iter().map(|&(c, _)| (c as usize, c as usize));
                    for (lo, hi) in windows(d.as_bytes(), cuts, reach) {
                        self.c
                            .for_each_pattern(&d.as_bytes()[lo..hi], run, |p, s, e| {
                                let (s, e) = (s + lo, e + lo);
                                if !dh.crosses(s, e) {
                                    return;
                                }
                                let (before, after) = touches_word(d, s, e);
                                let (s0, e0) = dh.source(s, e);
                                push(p, s0, e0, before, after);
                            });
                    }
                }
                // A letter replaced by a symbol ("p*ssport", "d_bt"): the
                // symbol was dropped; try each vowel in its place, keeping
                // only the matches that cover it. At most
                // `MAX_MASKED_LETTERS` per field, so a text full of
                // asterisks costs a few short passes, not one per symbol.
                if norm.has_joined() {
                    for at in masked_letters(text, &norm)
                        .into_iter()
                        .take(MAX_MASKED_LETTERS)
                    {
                        let Some((lo, hi)) =
                            windows(t.as_bytes(), [(at, at)].into_iter(), reach).next()
                        else {
                            continue;
                        };
                        for v in ["a", "e", "i", "o", "u"] {
                            // The window with the vowel at `at`; offsets
                            // below are in the text with the vowel.
                            let mut d = String::with_capacity(hi - lo + 1);
                            d.push_str(&t[lo..at]);
                            d.push_str(v);
                            d.push_str(&t[at..hi]);
                            self.c.for_each_pattern(d.as_bytes(), run, |p, s, e| {
                                if !(s + lo <= at && e + lo > at) {
                                    return;
                                }
                                // The window holds `reach` bytes either
                                // side of the vowel: the characters around
                                // any match covering it are in it.
                                let (before, after) = touches_word(&d, s, e);
                                // The inserted vowel is not in the text.
                                let (s0, e0) = (s + lo, (e + lo - 1).max(s + lo + 1).min(t.len()));
                                push(p, s0, e0, before, after);
                            });
                        }
                    }
                }
                // Words spaced out letter by letter lose the gaps between
                // them: the multi-word terms without their spaces, where
                // the normaliser joined letters at every missing space.
                if norm.has_joined() {
                    self.c.for_each_joined(bytes, run, |p, gaps, s, e| {
                        if gaps.iter().all(|&g| norm.joined_at(s + g as usize)) {
                            let (before, after) = bounds(s, e);
                            push(p, s, e, before, after);
                        }
                    });
                }
            }
            let field = Field {
                name,
                name_lower: name.to_ascii_lowercase(),
                original: text,
                norm,
            };
            fields.push(field);
        }
        crate::sort::by_key(&mut occs, |o| {
            (o.term as u128) << 80
                | (o.span.field as u128) << 64
                | (o.span.start as u128) << 32
                | o.span.end as u128
        });
        // A pattern of two languages' groups is found once by each.
        occs.dedup_by(|a, b| a.term == b.term && a.span == b.span);
        // The terms that occur, as a bit set: most terms of a large pack
        // set never occur in an ad, and rules look each of theirs up.
        let mut present = vec![0u64; self.c.terms.len().div_ceil(64)];
        for o in &occs {
            if let Some(w) = present.get_mut(o.term as usize / 64) {
                *w |= 1 << (o.term % 64);
            }
        }
        Scan {
            fields,
            occs,
            present,
            langs,
            entities: RefCell::new(Vec::new()),
            extracted: Cell::new(0),
            wanted: Cell::new(0),
            max_entities: self.limits.max_entities,
        }
    }

    fn verdict(
        &self,
        scan: &Scan<'_>,
        fired: &[Evidence],
        cands: &[u32],
        section: Option<usize>,
        thresholds: Option<Thresholds>,
    ) -> Verdict {
        let c = &self.c;
        let thresholds = thresholds.unwrap_or(c.thresholds);
        let mut total: i64 = 0;
        let mut cap = Tier::Allow;
        let mut floor = Tier::Allow;
        let mut rules_out = Vec::new();
        let mut spans_out: Vec<(usize, Span, Range<usize>)> = Vec::new();
        // One indicator counts once: of the fired rules that name the same
        // indicator, only the highest-scoring (then the first) scores.
        let mut best: Vec<(u32, usize)> = Vec::new();
        // Only candidate rules can have fired (`cands`, ascending).
        let fired_rules = || {
            cands
                .iter()
                .map(|&i| i as usize)
                .filter_map(|i| fired[i].as_ref().map(|ev| (i, ev)))
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
            // Each place once per rule: a span inside another span of the
            // same rule (":rose:" and "rose" on one 🌹, "new" inside "we have
            // new") is dropped, the longest kept.
            let mut mapped: Vec<(Span, Range<usize>)> = spans
                .iter()
                .map(|s| {
                    (
                        *s,
                        scan.fields[s.field as usize]
                            .norm
                            .source_range(s.start as usize..s.end as usize),
                    )
                })
                .collect();
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
            kept.truncate(self.limits.max_hits_per_rule);
            spans_out.extend(kept.into_iter().map(|(s, src)| (i, s, src)));
        }
        let score = total as f64 / 100.0;
        let score_tier = thresholds.tier(score);
        let tier = score_tier.min(cap).max(floor);
        // Highest score first, then by rule id.
        crate::sort::by_key(&mut rules_out, |&(ri, score, _)| {
            let (h, l) = crate::sort::desc_i64(score);
            crate::sort::key4(0, h, l, c.rules[ri].id_rank)
        });

        // UTF-16 offsets: one pass per field over the byte offsets needed.
        let mut hits = Vec::with_capacity(spans_out.len());
        let mut evasion = false;
        let mut per_field: Vec<Vec<usize>> = vec![Vec::new(); scan.fields.len()];
        for (_, s, src) in &spans_out {
            per_field[s.field as usize].push(src.start);
            per_field[s.field as usize].push(src.end);
        }
        let utf16: Vec<Vec<(usize, usize)>> = per_field
            .into_iter()
            .enumerate()
            .map(|(fi, mut offs)| {
                offs.sort_unstable();
                offs.dedup();
                utf16_offsets(scan.fields[fi].original, &offs)
            })
            .collect();
        let lookup = |fi: usize, b: usize| -> usize {
            let v = &utf16[fi];
            match v.binary_search_by_key(&b, |p| p.0) {
                Ok(i) => v[i].1,
                Err(_) => 0,
            }
        };
        for (ri, s, src) in spans_out {
            let r = &c.rules[ri];
            let f = &scan.fields[s.field as usize];
            let mut steps: Steps = f.norm.steps(s.start as usize..s.end as usize);
            if let Some(text) = f.original.get(src.clone()).filter(|t| in_other_script(t)) {
                // Cyrillic "з" reads as the digit 3 and then as leetspeak:
                // not a disguise unless the poster wrote digits or symbols.
                let symbols = text
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b"@$!|+".contains(&b));
                steps = steps.native(!symbols);
            }
            evasion |= steps.is_evasive();
            // The rule's counted score (0 if experimental or if another
            // rule scored its indicator).
            let score = rules_out.iter().find(|x| x.0 == ri).map_or(0, |x| x.1);
            hits.push((
                ri,
                Hit {
                    rule: r.id.clone(),
                    category: r.category.clone(),
                    score: score as f64 / 100.0,
                    field: f.name.to_string(),
                    start: lookup(s.field as usize, src.start),
                    end: lookup(s.field as usize, src.end),
                    byte_start: src.start,
                    byte_end: src.end,
                    text: f.original.get(src.clone()).unwrap_or_default().to_string(),
                    normalized: f
                        .norm
                        .as_str()
                        .get(s.start as usize..s.end as usize)
                        .unwrap_or_default()
                        .to_string(),
                    steps,
                },
            ));
        }
        // By field name, span and rule id.
        let field_rank = |name: &str| scan.fields.iter().filter(|f| f.name < name).count() as u32;
        crate::sort::by_key(&mut hits, |(ri, h)| {
            crate::sort::key4(
                field_rank(&h.field),
                h.start as u32,
                h.end as u32,
                c.rules[*ri].id_rank,
            )
        });
        let hits: Vec<Hit> = hits.into_iter().map(|(_, h)| h).collect();

        let mut poster = Vec::new();
        let mut reviewer = Vec::new();
        for &(ri, score, experimental) in &rules_out {
            let r = &c.rules[ri];
            if let Some(m) = &r.reviewer {
                let m = if experimental {
                    format!("[experimental] {m}")
                } else {
                    m.clone()
                };
                if !reviewer.contains(&m) {
                    reviewer.push(m);
                }
            }
            if tier >= Tier::Warn && score > 0 {
                if let Some(m) = &r.poster {
                    if !poster.contains(m) {
                        poster.push(m.clone());
                    }
                }
            }
        }
        let rules = rules_out
            .iter()
            .map(|&(ri, score, experimental)| {
                let r = &c.rules[ri];
                FiredRule {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    category: r.category.clone(),
                    score: score as f64 / 100.0,
                    max_tier: r.max_tier,
                    experimental,
                    tags: r.tags.clone(),
                    pack: c.packs[r.pack].id.clone(),
                    references: r.references.clone(),
                    reviewer: r.reviewer.clone(),
                }
            })
            .collect();
        Verdict {
            verdict: tier,
            score,
            score_tier,
            thresholds,
            evasion,
            section: section.map(|b| SECTIONS[b].to_string()),
            offers: Vec::new(),
            languages: Vec::new(),
            packs: c.packs.clone(),
            filters: Vec::new(),
            rules,
            hits,
            poster_messages: poster,
            reviewer_messages: reviewer,
            entities: Vec::new(),
        }
    }
}

/// How many letters replaced by a symbol ("p*ssport") are read per field:
/// each costs five more passes of the automaton over the field.
pub(crate) const MAX_MASKED_LETTERS: usize = 4;

/// Offsets in the normalised text where a symbol standing for a letter was
/// dropped between two letters of one word: the original has exactly one
/// symbol there (one of those the normaliser drops inside a word: `*`, `_`,
/// `.`, `^`, `~`, `+`), with letters on both sides.
fn masked_letters(original: &str, norm: &Normalized) -> Vec<usize> {
    let t = norm.as_str();
    let mut out = Vec::new();
    for (at, c) in t.char_indices() {
        if at == 0 || !norm.joined_at(at) || !crate::normalize::table::is_alpha(c) {
            continue;
        }
        let Some(p) = prev_char(t, at).filter(|&p| crate::normalize::table::is_alpha(p)) else {
            continue;
        };
        let before = norm.source_range(at - p.len_utf8()..at);
        let after = norm.source_range(at..at + c.len_utf8());
        let gap = original.get(before.end..after.start).unwrap_or("");
        let mut chars = gap.chars();
        if let (Some(g), None) = (chars.next(), chars.next()) {
            if !g.is_whitespace() && !g.is_alphanumeric() && g != '-' && g != '\'' {
                out.push(at);
            }
        }
    }
    out
}

/// A normalised text with every hyphen between two letters removed, and
/// where each removal happened. The normaliser collapses repeated letters,
/// so a letter repeated across the hyphen is removed with it
/// ("pas-sport" reads "pasport", as "passport" does).
struct Dehyphenated {
    text: String,
    /// (offset in `text` where bytes were removed, bytes removed there and
    /// before), ascending.
    cuts: Vec<(u32, u32)>,
}

impl Dehyphenated {
    /// `None` when the text has no hyphen between two letters.
    fn of(t: &str) -> Option<Dehyphenated> {
        let b = t.as_bytes();
        let letter = |c: Option<char>| c.is_some_and(crate::normalize::table::is_alpha);
        let next = |i: usize| t.get(i + 1..).and_then(|r| r.chars().next());
        let is_cut = |i: usize| b[i] == b'-' && letter(prev_char(t, i)) && letter(next(i));
        let first = t
            .match_indices('-')
            .map(|(i, _)| i)
            .find(|&i| i > 0 && i + 1 < b.len() && is_cut(i))?;
        let mut text = String::with_capacity(t.len());
        let mut cuts = Vec::new();
        let mut from = 0;
        let mut removed = 0u32;
        let mut i = first;
        while i + 1 < b.len() {
            if b[i] == b'-' && is_cut(i) {
                text.push_str(&t[from..i]);
                let after = next(i).map_or(0, char::len_utf8);
                let skip = if prev_char(t, i) == next(i) {
                    1 + after
                } else {
                    1
                };
                removed += skip as u32;
                cuts.push((text.len() as u32, removed));
                from = i + skip;
                i = from;
            } else {
                i += 1;
            }
        }
        text.push_str(&t[from..]);
        Some(Dehyphenated { text, cuts })
    }

    /// Whether the match [s, e) spans a removed hyphen.
    fn crosses(&self, s: usize, e: usize) -> bool {
        let k = self.cuts.partition_point(|&(c, _)| (c as usize) <= s);
        self.cuts.get(k).is_some_and(|&(c, _)| (c as usize) < e)
    }

    /// The range in the normalised text of the match [s, e).
    fn source(&self, s: usize, e: usize) -> (usize, usize) {
        let removed = |k: usize| {
            if k == 0 {
                0
            } else {
                self.cuts[k - 1].1 as usize
            }
        };
        let ks = self.cuts.partition_point(|&(c, _)| c as usize <= s);
        let ke = self.cuts.partition_point(|&(c, _)| (c as usize) < e);
        (s + removed(ks), e + removed(ke))
    }
}

/// Whether `text` has letters and none of them is Latin (nor a fullwidth
/// form): a match written wholly in Cyrillic, Greek, Arabic, Devanagari…
/// Such text reaches its matching form through the look-alike and digit
/// foldings (Cyrillic "а" reads "a", "١٦" reads "16") without disguising
/// anything.
fn in_other_script(text: &str) -> bool {
    let mut letters = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            // Latin in any form (accented, extended, fullwidth, the
            // mathematical and enclosed alphanumerics) is a disguise when
            // folded; the ranges below are the other scripts' letters.
            let other = matches!(c as u32,
                0x0370..=0x1CFF // Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, Georgian, Hangul jamo…
                | 0x2C00..=0x2DFF // Glagolitic, Coptic, Georgian supplement, Tifinagh, Ethiopic ext., Cyrillic ext.
                | 0x2E80..=0xD7FF // CJK, kana, Hangul, Yi…
                | 0xF900..=0xFAFF // CJK compatibility ideographs
                | 0xFB1D..=0xFDFF // Hebrew and Arabic presentation forms
                | 0xFE70..=0xFEFF // Arabic presentation forms B
                | 0x20000..=0x3FFFF // CJK extensions
            );
            if !other {
                return false;
            }
            letters = true;
        }
    }
    letters
}

/// Whether a word character touches the match [s, e) of `t` from before
/// and from after (a term that must start or end a word does not match
/// there).
fn touches_word(t: &str, s: usize, e: usize) -> (bool, bool) {
    use crate::normalize::table::{is_alnum, is_unspaced};
    // Two letters join into one word unless either belongs to a script
    // written without spaces (then the boundary is the script's to decide:
    // "招聘打字员高薪" holds "打字员").
    let joins = |a: Option<char>, b: Option<char>| match (a, b) {
        (Some(a), Some(b)) => is_alnum(a) && !is_unspaced(a) && !is_unspaced(b),
        _ => false,
    };
    let first = t.get(s..).and_then(|r| r.chars().next());
    let last = prev_char(t, e);
    (
        s > 0 && joins(prev_char(t, s), first),
        joins(t.get(e..).and_then(|r| r.chars().next()), last),
    )
}

fn prev_char(t: &str, at: usize) -> Option<char> {
    t.get(..at).and_then(|s| s.chars().next_back())
}

fn field_mask(scan: &Scan<'_>, fields: &[String]) -> u64 {
    let mut mask = 0u64;
    for (i, f) in scan.fields.iter().enumerate().take(64) {
        if fields.is_empty() || fields.contains(&f.name_lower) {
            mask |= 1 << i;
        }
    }
    mask
}

impl Scan<'_> {
    /// Whether term `t` occurs.
    fn has(&self, t: u32) -> bool {
        self.present
            .get(t as usize / 64)
            .is_some_and(|w| w >> (t % 64) & 1 == 1)
    }

    fn term_occs(&self, t: u32) -> &[Occ] {
        if !self.has(t) {
            return &[];
        }
        let lo = self.occs.partition_point(|o| o.term < t);
        let hi = self.occs.partition_point(|o| o.term <= t);
        &self.occs[lo..hi]
    }
}

struct Eval<'a> {
    scan: &'a Scan<'a>,
    mask: u64,
    /// (field, first word, last word) of exception matches, sorted.
    exceptions: Vec<(u16, u32, u32)>,
    fired: &'a [Evidence],
    /// For `rules` counts: which rules may be counted (`None`: all).
    counted: Option<&'a [bool]>,
    cap: usize,
    /// Only whether the condition holds matters, not all of its evidence
    /// (offer rules outside tests): `any`, `or` and `at_least` stop as
    /// soon as the answer is known, trying the conditions that need no
    /// entities first.
    decide: bool,
}

impl Eval<'_> {
    fn live<'b>(&'b self, t: u32) -> impl Iterator<Item = &'b Occ> + 'b {
        self.scan.term_occs(t).iter().filter(move |o| {
            o.span.field < 64 && self.mask & (1u64 << o.span.field) != 0 && !self.cancelled(o)
        })
    }

    fn cancelled(&self, o: &Occ) -> bool {
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

    fn push(&self, out: &mut Vec<Span>, s: Span) {
        if !self.full(out) {
            out.push(s);
        }
    }

    /// The evidence list holds all the spans a rule may report: further
    /// pairs would be dropped, so searches for them stop.
    fn full(&self, out: &[Span]) -> bool {
        out.len() >= self.cap * 4
    }

    fn cond(&self, c: &Cond) -> Evidence {
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
            Cond::NoneOf(ts) => ts
                .iter()
                .all(|&t| self.live(t).next().is_none())
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
            Cond::Not(c) => match self.cond(c) {
                Some(_) => None,
                None => Some(Vec::new()),
            },
            Cond::Rule(r) => self.fired.get(*r as usize).cloned().flatten(),
            Cond::Entity(m) => self.entity(m),
            Cond::Rules(rs, min) => {
                let mut out = Vec::new();
                let mut count = 0;
                for &r in rs {
                    if self
                        .counted
                        .is_some_and(|c| !c.get(r as usize).copied().unwrap_or(false))
                    {
                        continue;
                    }
                    if let Some(Some(ev)) = self.fired.get(r as usize) {
                        count += 1;
                        for &s in ev {
                            self.push(&mut out, s);
                        }
                    }
                }
                (count >= *min).then_some(out)
            }
        }
    }

    fn entity(&self, m: &EntityCond) -> Evidence {
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

    fn near(&self, a: &[u32], b: &[u32], within: u32, ordered: bool) -> Evidence {
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
fn needs_entities(c: &Cond) -> bool {
    match c {
        Cond::Entity(_) => true,
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => cs.iter().any(needs_entities),
        Cond::Not(c) => needs_entities(c),
        _ => false,
    }
}

/// `cs`, those that need no entities first.
fn cheap_first(cs: &[Cond]) -> impl Iterator<Item = &Cond> {
    let cheap = cs.iter().filter(|c| !needs_entities(c));
    cheap.chain(cs.iter().filter(|c| needs_entities(c)))
}

/// The occurrences one side of a `near` can pair with, sorted by position,
/// so that a query visits only occurrences that pair with it: the time a
/// `near` takes grows with the pairs it reports (capped at the rule's hit
/// limit), not with the square of its occurrences. A text spaced out
/// letter by letter is one long word holding every match; before this
/// index every match in it was compared with every other.
struct Positions<'b> {
    /// Sorted by (field, first word, start).
    all: Vec<&'b Occ>,
    /// The occurrences spanning more than one word, in the same order: the
    /// only ones that can reach a query from a first word before its
    /// window.
    long: Vec<&'b Occ>,
    /// The most words any occurrence spans, less one.
    max_len: u32,
}

impl<'b> Positions<'b> {
    fn new(occs: impl Iterator<Item = &'b Occ>) -> Self {
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
    fn visit(
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
            tests::VISITS.with(|v| v.set(v.get() + 1));
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
                tests::VISITS.with(|v| v.set(v.get() + 1));
                if o.w1 >= lo && !f(o) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Occurrences visited by `near` and entity `near` queries.
        pub(super) static VISITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// Occurrences `near` visits to screen `body` (repeated `n` times).
    fn visits(e: &Engine, section: &str, body: &str, n: usize) -> u64 {
        VISITS.with(|v| v.set(0));
        let sub = Submission::new()
            .section(section)
            .field("body", body.repeat(n));
        e.screen(&sub).unwrap();
        VISITS.with(|v| v.get())
    }

    #[test]
    fn near_work_grows_linearly_with_the_text_whatever_its_shape() {
        // Spaced-out letters join into one long word holding every match,
        // so every match is "near" every other; a `near` used to compare
        // them all (1 MB took tens of seconds). Work must grow with the
        // text, not with its square: four times the text, at most about
        // four times the visits.
        let e = Engine::new_default();
        for (section, unit) in [
            ("adult", "r o s e h r "),
            ("jobs", "f e e v i s a "),
            ("adult", "girl 16 rose "),
            ("jobs", "passport kept held fee debt "),
            ("jobs", "p a s s p o r t k e p t "),
        ] {
            let small = visits(&e, section, unit, 2_000);
            let large = visits(&e, section, unit, 8_000);
            assert!(
                large <= small * 5 + 100,
                "{unit:?}: {small} visits at 2,000 repeats, {large} at 8,000"
            );
        }
    }

    #[test]
    fn engine_is_send_sync() {
        fn assert<T: Send + Sync>() {}
        assert::<Engine>();
    }
}
