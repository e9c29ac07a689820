//! The engine: compiled packs and the screening path.
//!
//! Read top-down, screening follows the data:
//! - [`scan`]: normalise each field, find every term in one pass, read
//!   entities on demand;
//! - [`conditions`]: evaluate a rule's condition over the scan;
//! - this module: which rules can fire, offers, filters, and the rule loop;
//! - [`score`]: add up what fired into a tier;
//! - [`explain`]: the verdict a person reads (fired rules, hits with their
//!   spans in the original text, cleared rules, messages for both
//!   audiences).

mod conditions;
mod explain;
mod scan;
mod score;
#[cfg(test)]
mod tests;

use crate::compile::{compile_on, finish, Compiled};
use crate::error::{Error, PackError};
use crate::extract::{self, EntityOptions, Found};
use crate::limits::Limits;
use crate::pack::{Pack, Status, SECTIONS};
use crate::submission::Submission;
use crate::tier::Thresholds;
use crate::verdict::{PackInfo, Verdict};

use conditions::Eval;
pub(crate) use scan::Span;
use scan::{field_mask, Scan};

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
    /// The packs' ids and versions, shared by every verdict (sixteen
    /// pairs of strings copied per ad were a measurable part of the cost
    /// of screening with the language packs).
    packs: std::sync::Arc<[PackInfo]>,
    limits: Limits,
    /// Deployment key for keyed hashes of contact entities.
    key: Option<Vec<u8>>,
    /// The n-gram model beside the rules (the built-in one with the
    /// built-in packs, see [`crate::model`]).
    model: Option<crate::model::Model>,
    /// The model read instead of `model` for an ad read in one of the
    /// source-country languages (the eleven besides English, Spanish,
    /// French and Portuguese; see [`crate::model::LANGUAGES`]).
    languages_model: Option<crate::model::Model>,
    /// The packs the model reads for: the first `model_packs` of `c.packs`
    /// (the built-in ones, for the built-in model; all, for a model the
    /// caller gave). It never lowers a verdict a rule of a later pack
    /// (a site's own policy, say) scored in.
    model_packs: usize,
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
    /// How many packs were given (loaded or not): the position `#n` that
    /// names a pack whose problems come before its id is known.
    given: usize,
    /// A signed pack that was refused: the build fails with this alone.
    refused: Option<Error>,
    limits: Limits,
    thresholds: Option<Thresholds>,
    key: Option<Vec<u8>>,
    /// `None`: the built-in model when the built-in packs load, none
    /// otherwise; `Some(m)`: `m` (or no model).
    model: Option<Option<crate::model::Model>>,
    /// Likewise for the source-country languages' model.
    languages_model: Option<Option<crate::model::Model>>,
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
        self.given += 1;
        self.packs.push(pack);
        self
    }

    /// Adds a signed pack (the JSON text of its envelope), verified against
    /// `trust`: signed by a trusted key, not expired, and not older than
    /// the last version accepted. A refused envelope fails [`build`] with
    /// [`Error::Signature`] and nothing else, whatever the other packs
    /// hold: one untrusted pack must not half-load a deployment's rules.
    ///
    /// [`build`]: EngineBuilder::build
    ///
    /// ```
    /// use redflag::signing::{parse_secret_key, public_key_of, sign_pack, TrustPolicy};
    /// use redflag::{Engine, Error};
    ///
    /// let secret = parse_secret_key("BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=").unwrap();
    /// let pack = r#"{"schema": 1, "pack": {"id": "site", "version": "2.0.0"}, "rule": [
    ///     {"id": "site.a", "title": "A", "category": "c", "score": 1, "match": {"any": ["fee"]}}]}"#;
    /// let signed = sign_pack(pack, "2099-01-01T00:00:00Z", &secret).unwrap();
    /// let trust = TrustPolicy::new(&[public_key_of(&secret)], 1_700_000_000).unwrap();
    /// let engine = Engine::builder().signed_pack(&signed, &trust).build().unwrap();
    /// assert_eq!(engine.packs()[0].id, "site");
    ///
    /// let tampered = signed.replace("2.0.0", "3.0.0");
    /// let err = Engine::builder().signed_pack(&tampered, &trust).build().unwrap_err();
    /// assert!(matches!(err, Error::Signature(_)));
    /// ```
    pub fn signed_pack(mut self, text: &str, trust: &crate::signing::TrustPolicy) -> EngineBuilder {
        self.given += 1;
        match crate::signing::verify_signed_pack(text, trust) {
            Ok(p) => self.packs.push(p),
            Err(Error::Signature(m)) => {
                // The first refusal is the one reported.
                if self.refused.is_none() {
                    self.refused = Some(Error::Signature(format!("pack #{}: {m}", self.given)));
                }
            }
            Err(e) => self.errors.extend(label(e.pack_errors(), self.given)),
        }
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
    /// Problems found before the pack's id is known name the pack by its
    /// position among the packs given: `#1`, `#2`…
    pub fn pack_value(mut self, value: serde_json::Value) -> EngineBuilder {
        self.given += 1;
        let (pack, errors) = Pack::from_value_lenient(value);
        self.errors.extend(label(&errors, self.given));
        self.packs.extend(pack);
        self
    }

    /// Adds a pack given as JSON text, as [`EngineBuilder::pack_value`]
    /// does; text that is not JSON is a problem of the pack at its
    /// position (`#2`: "not valid JSON: …").
    ///
    /// ```
    /// let err = redflag::Engine::builder().pack_json("{ oops").build().unwrap_err();
    /// assert_eq!(err.pack_errors()[0].pack.as_deref(), Some("#1"));
    /// assert!(err.pack_errors()[0].message.starts_with("not valid JSON"));
    /// ```
    pub fn pack_json(mut self, text: &str) -> EngineBuilder {
        match serde_json::from_str(text) {
            Ok(v) => self.pack_value(v),
            Err(e) => {
                self.given += 1;
                self.errors.push(PackError {
                    pack: Some(format!("#{}", self.given)),
                    path: String::new(),
                    message: format!("not valid JSON: {e}"),
                });
                self
            }
        }
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

    /// Sets the n-gram model that moves the rules' verdict at the ends of
    /// its range ([`crate::model`]), or none. Without this
    /// call an engine with the built-in packs has the built-in model, read
    /// for those packs only (it never lowers a verdict a rule of a pack
    /// added on top scored in), and one without them has none. A model
    /// given here is read for every pack loaded.
    ///
    /// ```
    /// use redflag::{Engine, Submission};
    /// let rules_only = Engine::builder().default_packs().model(None).build().unwrap();
    /// let v = rules_only.screen(&Submission::new().field("body", "hello")).unwrap();
    /// assert!(v.model.is_none());
    /// ```
    pub fn model(mut self, model: Option<crate::model::Model>) -> EngineBuilder {
        self.model = Some(model);
        self
    }

    /// Sets the model read, instead of the one [`EngineBuilder::model`]
    /// sets, for an ad read in one of the source-country languages
    /// ([`crate::model::LANGUAGES`]: Romanian, Polish, Tagalog, Indonesian,
    /// Vietnamese, Russian, Ukrainian, Chinese, Thai, Arabic, Hindi), or
    /// none. Without this call an engine with the built-in packs and no
    /// call to [`EngineBuilder::model`] has the built-in one for those
    /// languages (trained with more ads in them, see [`crate::model`]),
    /// and an engine given a model by [`EngineBuilder::model`] reads that
    /// one for every ad. It is read only where a model is read at all:
    /// with `model(None)` there is none.
    ///
    /// ```
    /// use redflag::model::Model;
    /// use redflag::{Engine, Submission};
    /// // The built-in model for every ad, whatever its language.
    /// let one = Engine::builder()
    ///     .default_packs()
    ///     .languages_model(None)
    ///     .build()
    ///     .unwrap();
    /// let v = one.screen(&Submission::new().field("body", "Praca w Niemczech")).unwrap();
    /// println!("{}", v.verdict);
    ///
    /// // The built-in models, as an engine with the built-in packs has them.
    /// let both = Engine::builder()
    ///     .default_packs()
    ///     .model(Some(Model::builtin()))
    ///     .languages_model(Some(Model::builtin_languages()))
    ///     .build()
    ///     .unwrap();
    /// # let _ = both;
    /// ```
    pub fn languages_model(mut self, model: Option<crate::model::Model>) -> EngineBuilder {
        self.languages_model = Some(model);
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

    /// Validates and compiles. Every problem in every pack is reported,
    /// except for a pack given again under an id already loaded (most
    /// often a built-in pack, which loads first): that is one problem at
    /// its `pack.id`, not a list of every rule and list it defines twice.
    pub fn build(self) -> Result<Engine, Error> {
        if let Some(e) = self.refused {
            return Err(e);
        }
        let builtin = self.builtin;
        self.build_packs().map_err(|e| match e {
            Error::Pack(problems) => Error::Pack(loaded_twice(problems, builtin)),
            e => e,
        })
    }

    fn build_packs(self) -> Result<Engine, Error> {
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
        // An image given in a test stands for the built-in packs, model
        // included.
        let builtin = self.builtin || test_base.is_some();
        let (base, packs, n_builtin) = if let Some(b) = test_base {
            let n = b.packs.len();
            (Some(b), self.packs, n)
        } else if self.builtin {
            match crate::defaults::builtin() {
                Ok(crate::defaults::Builtin::Compiled(c)) => {
                    let n = c.packs.len();
                    (Some(*c), self.packs, n)
                }
                Ok(crate::defaults::Builtin::Packs(mut d)) => {
                    let n = d.len();
                    d.extend(self.packs);
                    (None, d, n)
                }
                Err(e) => {
                    errors.extend(e);
                    (None, self.packs, 0)
                }
            }
        } else {
            (None, self.packs, 0)
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
        let builtin_model = self.model.is_none() && builtin;
        let (model, model_packs) = match self.model {
            Some(m) => (m, usize::MAX),
            None if builtin => (Some(crate::model::Model::builtin()), n_builtin),
            None => (None, 0),
        };
        let languages_model = match self.languages_model {
            Some(m) if model.is_some() => m,
            Some(_) => None,
            None if builtin_model => Some(crate::model::Model::builtin_languages()),
            None => None,
        };
        match compiled {
            Ok(c) if errors.is_empty() => Ok(Engine {
                packs: c.packs.as_slice().into(),
                c,
                limits: self.limits,
                key: self.key,
                model,
                languages_model,
                model_packs,
            }),
            Ok(_) => Err(Error::Pack(errors)),
            Err(e) => {
                errors.extend(e);
                Err(Error::Pack(errors))
            }
        }
    }
}

/// The problems of the pack given at `position` (from 1), those that name
/// no pack named by it.
fn label(problems: &[PackError], position: usize) -> impl Iterator<Item = PackError> + '_ {
    problems.iter().cloned().map(move |mut p| {
        if p.pack.is_none() {
            p.pack = Some(format!("#{position}"));
        }
        p
    })
}

/// A pack loaded twice is one problem: its `pack.id` (saying, when the
/// built-in packs were loaded, that they load first), without the duplicate
/// rule ids and lists that follow from it.
fn loaded_twice(problems: Vec<PackError>, builtin: bool) -> Vec<PackError> {
    let twice: Vec<String> = problems
        .iter()
        .filter(|p| p.path == "pack.id" && p.message.ends_with("is loaded twice"))
        .filter_map(|p| p.pack.clone())
        .collect();
    if twice.is_empty() {
        return problems;
    }
    problems
        .into_iter()
        .filter(|p| {
            // What follows from the pack being there twice: its rule ids
            // and lists defined again.
            let echo = p.message.starts_with("duplicate rule id")
                || p.message.contains("is already defined by an earlier pack");
            !(echo && p.pack.as_ref().is_some_and(|id| twice.contains(id)))
        })
        .map(|mut p| {
            if builtin && p.path == "pack.id" && p.message.ends_with("is loaded twice") {
                p.message.push_str(
                    ": the built-in packs are loaded first, so turn them off to load only the \
                     given packs (`{ defaultPacks: false }` in JavaScript, `--no-default-packs` \
                     on the command line)",
                );
            }
            p
        })
        .collect()
}

/// Fields are tracked in a 64-bit mask; `Limits::max_fields` cannot exceed it.
const MAX_FIELDS: usize = 64;

/// Evaluation of one rule: fired, and the spans that made it fire.
pub(crate) type Evidence = Option<Vec<Span>>;

/// The evidence of the rules that fired on one submission, by rule id.
///
/// Only the candidate rules (those whose terms occurred, a few dozen of
/// the thousands the packs hold) have a slot, so a submission costs in
/// proportion to what it may fire, not to the size of the rule set: with
/// eleven language packs loaded, a table over every rule was set and
/// dropped for every ad.
#[derive(Default)]
pub(crate) struct Fired {
    /// The candidate rule ids, ascending.
    ids: Vec<u32>,
    /// Their evidence, in the same order.
    slots: Vec<Evidence>,
    /// The rules that fired, one bit each (`rules` counts look up every
    /// rule they name, most of which did not fire).
    bits: Vec<u64>,
}

impl Fired {
    /// No rule fired, room for the rules `ids` (ascending) of `n` rules.
    fn new(ids: &[u32], n: usize) -> Fired {
        Fired {
            ids: ids.to_vec(),
            slots: vec![None; ids.len()],
            bits: vec![0; n.div_ceil(64)],
        }
    }

    /// The spans that made rule `r` fire, if it did.
    #[inline]
    pub(crate) fn get(&self, r: u32) -> Option<&Vec<Span>> {
        let bit = self.bits.get(r as usize / 64)? & (1 << (r % 64));
        if bit == 0 {
            return None;
        }
        self.ids
            .binary_search(&r)
            .ok()
            .and_then(|i| self.slots[i].as_ref())
    }

    /// The rules that fired, ascending, with their spans.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Vec<Span>)> {
        self.ids
            .iter()
            .zip(&self.slots)
            .filter_map(|(&r, ev)| ev.as_ref().map(|ev| (r, ev)))
    }

    /// Records rule `r`'s evaluation; `r` must be one of the rules given
    /// to [`Fired::new`] (no other can fire).
    fn set(&mut self, r: u32, ev: Evidence) {
        if let Ok(i) = self.ids.binary_search(&r) {
            if let Some(w) = self.bits.get_mut(r as usize / 64) {
                if ev.is_some() {
                    *w |= 1 << (r % 64);
                } else {
                    *w &= !(1 << (r % 64));
                }
            }
            self.slots[i] = ev;
        }
    }
}

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
            packs: c.packs.as_slice().into(),
            c,
            limits,
            key: None,
            model: None,
            languages_model: None,
            model_packs: 0,
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

    /// Screens one submission, step by step: limits, the scan, the rules
    /// that can fire, what the ad offers, the deployment's filters, the
    /// rule loop, then the verdict. `testing` (pack tests) runs disabled
    /// rules and every offer rule, and ignores filters, so that each
    /// rule's own evidence can be checked.
    pub(crate) fn screen_detailed(
        &self,
        sub: &Submission,
        opts: &ScreenOptions,
        testing: bool,
    ) -> Result<Detailed, Error> {
        self.check_limits(sub)?;
        let section = sub.get_section().and_then(crate::pack::section_index);
        let section_bit: u8 = section.map_or(0, |b| 1 << b);
        let scan = self.scan(sub);
        let mut cands = self.candidates(&scan);

        // Entities are extracted when a condition first looks at them,
        // for the kinds the offer rules able to fire may use; after the
        // offers are read, for those of the rules able to fire in the
        // sections open. All of them if the caller asked.
        let mut maybe = section_bit;
        for &ri in &cands {
            let r = &self.c.rules[ri as usize];
            if r.offer != 0 && !r.disabled {
                maybe |= r.offer;
            }
        }
        scan.wanted.set(self.entity_kinds(&cands, maybe, true));
        if opts.entities {
            scan.ensure(extract::ALL_KINDS);
        }
        let (offers, offer_evidence) = self.read_offers(&scan, &cands, testing);
        let open = section_bit | offers;
        scan.wanted.set(
            self.entity_kinds(&cands, open, false)
                | self
                    .c
                    .filter_entity_kinds
                    .get(section.unwrap_or(SECTIONS.len()))
                    .copied()
                    .unwrap_or(0),
        );

        let (suppressed, active_filters) = if testing {
            (Vec::new(), Vec::new())
        } else {
            self.active_filters(&scan, open)
        };
        let mut fired = Fired::new(&cands, self.c.rules.len());
        for (ri, ev) in offer_evidence {
            fired.set(ri as u32, ev);
        }
        let cleared = self.run_rules(&scan, &mut cands, &mut fired, &suppressed, open, testing);

        // The verdict reads the rules that fired in rule order.
        cands.sort_unstable();
        let mut verdict = self.verdict(
            &scan,
            &fired,
            &cands,
            &cleared,
            section,
            opts.thresholds,
            !testing,
        );
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
            self.attach_entities(&scan, &mut verdict, opts);
        }
        Ok(Detailed {
            verdict,
            // Every rule's outcome, for pack tests only.
            fired: if testing {
                (0..self.c.rules.len() as u32)
                    .map(|r| fired.get(r).is_some())
                    .collect()
            } else {
                Vec::new()
            },
        })
    }

    /// The explicit limits on one submission: the number of fields and
    /// the bytes of text.
    fn check_limits(&self, sub: &Submission) -> Result<(), Error> {
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
        Ok(())
    }

    /// Which rules can possibly fire, ascending: those whose terms
    /// occurred, and those that can fire without terms, in a language of
    /// the text (a pack that names its languages runs only on text in one
    /// of them). The later steps run over this list (a few dozen rules in
    /// most ads), not over every rule of every pack.
    fn candidates(&self, scan: &Scan<'_>) -> Vec<u32> {
        let c = &self.c;
        let langs = scan.langs.run;
        let mut seen = vec![0u64; c.rules.len().div_ceil(64)];
        let mut cands: Vec<u32> = Vec::new();
        let add = |r: u32, seen: &mut [u64], cands: &mut Vec<u32>| {
            let (w, b) = (r as usize / 64, 1u64 << (r % 64));
            if seen[w] & b == 0 {
                seen[w] |= b;
                let rule = &c.rules[r as usize];
                if rule.langs == 0 || rule.langs & langs != 0 {
                    cands.push(r);
                }
            }
        };
        for &r in &c.always_rules {
            add(r, &mut seen, &mut cands);
        }
        let mut last_term = u32::MAX;
        for o in &scan.occs {
            if o.term != last_term {
                last_term = o.term;
                for &r in c.rules_of(o.term) {
                    add(r, &mut seen, &mut cands);
                }
            }
        }
        // And the rules that refer to a candidate and cannot fire alone.
        let mut i = 0;
        while i < cands.len() {
            let r = cands[i] as usize;
            let (a, b) = (c.rule_dependants_at[r], c.rule_dependants_at[r + 1]);
            for &d in &c.rule_dependants[a as usize..b as usize] {
                add(d, &mut seen, &mut cands);
            }
            i += 1;
        }
        // A rule one of whose terms occurred may still miss every term of
        // another part of its condition (a job word without any word for
        // a child): it cannot fire, and nothing needs to look at it.
        cands.retain(|&r| self.needs_met(r, scan));
        cands.sort_unstable();
        cands
    }

    /// Whether, for each group of terms rule `r` cannot fire without, one
    /// of them occurred (see [`Compiled::need`]). The smallest group is
    /// tried first, and a term is one bit of the scan's set.
    fn needs_met(&self, r: u32, scan: &Scan<'_>) -> bool {
        let c = &self.c;
        let need = &c.need[c.need_at[r as usize] as usize..c.need_at[r as usize + 1] as usize];
        let mut i = 0;
        while i < need.len() {
            let n = need[i] as usize;
            if !need[i + 1..i + 1 + n].iter().any(|&t| scan.has(t)) {
                return false;
            }
            i += 1 + n;
        }
        true
    }

    /// The entity kinds that the candidate rules open in the sections
    /// `open` may look at: of the offer rules, or of the others.
    fn entity_kinds(&self, cands: &[u32], open: u8, offer_rules: bool) -> u8 {
        let mut k = 0;
        for &ri in cands {
            let r = &self.c.rules[ri as usize];
            if (r.offer != 0) == offer_rules && (r.sections == 0 || r.sections & open != 0) {
                k |= r.entity_kinds;
            }
        }
        k
    }

    /// What the ad offers, read from its text: offer rules run first (they
    /// refer to no rules), and every kind they recognise opens the rules
    /// scoped to it, as the posted section does. Returns the kinds (section
    /// bits) and each offer rule's evidence.
    fn read_offers(
        &self,
        scan: &Scan<'_>,
        cands: &[u32],
        testing: bool,
    ) -> (u8, Vec<(usize, Evidence)>) {
        let mut offers: u8 = 0;
        let mut evidence: Vec<(usize, Evidence)> = Vec::new();
        // Offer rules refer to no other rule.
        let none = Fired::default();
        for &ri in cands {
            let ri = ri as usize;
            let r = &self.c.rules[ri];
            // A kind already recognised needs no second rule, except when
            // testing, where every offer rule's own evidence is checked.
            if r.offer == 0 || (r.disabled && !testing) || (offers & r.offer != 0 && !testing) {
                continue;
            }
            let mut ev = self.eval_rule(scan, r, &none, None);
            // Outside tests only the kind matters, not every piece of its
            // evidence: the offer's other words spare reading entities.
            ev.decide = !testing;
            if let Some(spans) = ev.cond(&r.cond) {
                offers |= r.offer;
                evidence.push((ri, Some(spans)));
            }
        }
        (offers, evidence)
    }

    /// The deployment filters that hold for this ad in the sections
    /// `open`: the rules they suppress (indexed by rule) and their ids.
    fn active_filters(&self, scan: &Scan<'_>, open: u8) -> (Vec<bool>, Vec<String>) {
        let c = &self.c;
        let mut suppressed = vec![false; c.rules.len()];
        let mut active_filters = Vec::new();
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
                    let none = Fired::default();
                    let ev = Eval {
                        scan,
                        mask: field_mask(scan, &f.fields),
                        exceptions: Vec::new(),
                        fired: &none,
                        counted: None,
                        rules: &self.c.rules,
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
        (suppressed, active_filters)
    }

    /// Evaluates the candidate rules other than offers, in the order that
    /// puts every rule after those it counts (`rules = { of = [...] }`),
    /// into `fired`. Experimental rules score nothing, so they cannot add
    /// up to a stable meta rule either. Returns where exceptions kept a
    /// rule from firing: (rule, its words, the exception's words).
    fn run_rules<'s>(
        &self,
        scan: &'s Scan<'s>,
        cands: &mut [u32],
        fired: &mut Fired,
        suppressed: &[bool],
        open: u8,
        testing: bool,
    ) -> Vec<(usize, Span, Span)> {
        let c = &self.c;
        let mut cleared = Vec::new();
        cands.sort_unstable_by_key(|&ri| c.order_pos[ri as usize]);
        for &ri in cands.iter() {
            let ri = ri as usize;
            let r = &c.rules[ri];
            if suppressed.get(ri).copied().unwrap_or(false) || (r.disabled && !testing) {
                continue;
            }
            if r.offer != 0 || (r.sections != 0 && r.sections & open == 0) {
                continue;
            }
            let counted = (r.status != Status::Experimental).then_some(&c.stable[..]);
            let ev = self.eval_rule(scan, r, fired, counted);
            let result = ev.cond(&r.cond);
            if result.is_none() && !ev.exceptions.is_empty() && !testing {
                cleared.extend(self.cleared(ev, r).into_iter().map(|(i, e)| (ri, i, e)));
            }
            fired.set(ri as u32, result);
        }
        cleared
    }

    /// The contact details, prices and ages found, shaped for the caller
    /// (keyed hashes; raw values only when asked).
    fn attach_entities(&self, scan: &Scan<'_>, verdict: &mut Verdict, opts: &ScreenOptions) {
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
}
