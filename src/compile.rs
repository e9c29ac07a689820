//! Packs → one compiled rule set: validation, term interning, one automaton.

use std::collections::{BTreeSet, HashMap};

use crate::error::PackError;
use crate::extract::{EntityKind, Techniques};
use crate::limits::Limits;
use crate::matcher::Matcher;
use crate::normalize::normalize;
use crate::pack::{Condition, Pack, RuleTests, Status, Strength, SCHEMA_VERSION, SECTIONS};
use crate::tier::{Thresholds, Tier};
use crate::verdict::PackInfo;

/// A term in matching form with its word-boundary requirements.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    /// Must start at a word boundary.
    pub left: bool,
    /// Must end at a word boundary.
    pub right: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Cond {
    Any(Vec<u32>),
    All(Vec<u32>),
    NoneOf(Vec<u32>),
    Near {
        a: Vec<u32>,
        b: Vec<u32>,
        within: u32,
        ordered: bool,
    },
    AtLeast(u32, Vec<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Rule(u32),
    Rules(Vec<u32>, u32),
    Entity(Box<EntityCond>),
}

/// A compiled `entity` condition.
#[derive(Clone, Debug)]
pub(crate) struct EntityCond {
    pub kind: EntityKind,
    pub obfuscated: Option<bool>,
    /// Bit mask of techniques (any of them), 0 for no constraint.
    pub written: u16,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub platforms: Vec<String>,
    pub near: Vec<u32>,
    pub within: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub title: String,
    pub category: String,
    /// The indicator the rule shares with rules of other packs.
    pub indicator: Option<String>,
    /// Rules with the same `indicator` share a group (an index into the
    /// rules: the first rule of the group); `u32::MAX` when the rule names
    /// none. Set by [`finish`].
    pub indicator_group: u32,
    pub tags: Vec<String>,
    pub pack: usize,
    /// Index of the rule in its pack (for paths in messages).
    pub index: usize,
    pub status: Status,
    pub helper: bool,
    /// Score in hundredths of a point, so sums are exact.
    pub score: i64,
    pub max_tier: Tier,
    /// The indicator's strength on its own (schema 4).
    pub strength: Strength,
    /// The languages of the rule's pack, as a mask over `lang::LANGS`; 0
    /// for a pack that runs on every submission.
    pub langs: crate::lang::Mask,
    /// For an offer rule, the bit over [`SECTIONS`] of the kind of ad it
    /// recognises; 0 for every other rule.
    pub offer: u8,
    /// Bit mask over [`SECTIONS`]; 0 means every submission.
    pub sections: u8,
    /// Lowercase field names; empty means all fields.
    pub fields: Vec<String>,
    pub cond: Cond,
    pub exceptions: Vec<u32>,
    pub window: u32,
    pub poster: Option<String>,
    pub reviewer: Option<String>,
    pub references: Vec<String>,
    pub disabled: bool,
    /// Whether the rule can fire without any of its own terms matching
    /// (it has `none`/`not`, or refers to other rules).
    pub always: bool,
    /// Entity kinds its condition looks at (a mask of `extract::kind_bit`s).
    pub entity_kinds: u8,
    /// Position of the rule when all rules are sorted by id (verdicts list
    /// rules and hits in id order).
    pub id_rank: u32,
    pub tests: Option<RuleTests>,
}

#[derive(Clone, Debug)]
pub(crate) struct Filter {
    pub id: String,
    pub rules: Vec<u32>,
    /// The languages of the filter's pack (as [`Rule::langs`]): its terms
    /// are searched only in text in one of them.
    pub langs: crate::lang::Mask,
    pub sections: u8,
    pub fields: Vec<String>,
    pub when: Option<Cond>,
}

/// The multi-word patterns with their spaces removed.
///
/// "r e g i s t r a t i o n f e e" is joined into one word, since a
/// single separator between letters cannot tell the gap between two words
/// from the gaps between letters, and the term "registration fee" then
/// cannot match. These variants can; a match counts only where the
/// normaliser removed a separator at each missing space. Only spaced-out
/// text needs them, so they are built on the first such text and cost
/// nothing at start-up.
#[derive(Clone)]
pub(crate) struct Joined {
    pub matcher: Matcher,
    /// Variant → the pattern it was made from.
    pub pattern: Vec<u32>,
    /// Variant → the offsets where its spaces were.
    pub gaps: Vec<Vec<u32>>,
}

/// Matchers over the patterns `ids` that are (`ascii`) or are not ASCII,
/// each with its global pattern ids. The ASCII set is halved until each
/// half fits the dense DFA (a pack set of tens of thousands of terms runs
/// as a few DFAs, one table lookup per byte each, rather than as one
/// slower NFA); the other scripts' terms form one compact NFA.
fn subset_matchers(
    patterns: &[String],
    ids: &[u32],
    ascii: bool,
) -> Result<Vec<(Matcher, Vec<u32>)>, String> {
    let ids: Vec<u32> = ids
        .iter()
        .copied()
        .filter(|&i| patterns[i as usize].is_ascii() == ascii)
        .collect();
    let mut out = Vec::new();
    if ids.is_empty() {
        return Ok(out);
    }
    if ascii {
        split_into_dfas(patterns, ids, &mut out)?;
    } else {
        // Multi-byte scripts make a dense table wide (one column per byte
        // class): their terms use the compact NFA, tens of megabytes
        // smaller, searched only in text that holds such letters.
        let subset: Vec<&str> = ids.iter().map(|&i| patterns[i as usize].as_str()).collect();
        out.push((Matcher::nfa(&subset)?, ids));
    }
    Ok(out)
}

/// Largest dense table built for one language's terms: past it, that
/// language's ASCII terms use the compact NFA too. Each language's
/// automaton is built only once text in it is seen, and a deployment that
/// sees many languages holds one of these per language.
const LANGUAGE_DFA_MAX_BYTES: usize = 4 << 20;

/// The patterns searched only in text in one language (see `lang`):
/// those of packs that name their languages, built on the first text the
/// detector reads as that language.
#[derive(Clone, Default)]
pub(crate) struct LanguageGroup {
    /// Global pattern ids.
    pub ids: Vec<u32>,
    /// The matcher over its ASCII patterns and the one over the others
    /// (each with its local → global ids), each built on first use: text
    /// in Latin letters never builds the other scripts' one.
    pub ascii: std::sync::OnceLock<Option<(Matcher, Vec<u32>)>>,
    pub other: std::sync::OnceLock<Option<(Matcher, Vec<u32>)>>,
    /// The spaceless variants of its multi-word patterns, built on first
    /// use.
    pub joined: std::sync::OnceLock<Option<Joined>>,
}

impl LanguageGroup {
    /// The matcher over the group's ASCII patterns (`ascii`) or the
    /// others, `None` if it has none. Building fails only past the
    /// automaton crate's own size limits, which the pack limits keep far
    /// away.
    fn matcher(&self, patterns: &[String], ascii: bool) -> Option<&(Matcher, Vec<u32>)> {
        let cell = if ascii { &self.ascii } else { &self.other };
        cell.get_or_init(|| {
            let ids: Vec<u32> = self
                .ids
                .iter()
                .copied()
                .filter(|&i| patterns[i as usize].is_ascii() == ascii)
                .collect();
            if ids.is_empty() {
                return None;
            }
            let sub: Vec<&str> = ids.iter().map(|&i| patterns[i as usize].as_str()).collect();
            let m = if ascii {
                crate::matcher::Dfa::new(&sub, LANGUAGE_DFA_MAX_BYTES)
                    .map(Matcher::Dfa)
                    .or_else(|| Matcher::nfa(&sub).ok())
            } else {
                Matcher::nfa(&sub).ok()
            };
            m.map(|m| (m, ids))
        })
        .as_ref()
    }
}

/// Splits the patterns into those searched in every text and those of
/// each language: a pattern used only by rules and filters of packs that
/// name one or two languages goes to those languages' groups; one used by
/// a pack for every language, or by packs of three languages or more,
/// goes to every text's; one used by nothing is searched nowhere.
fn language_groups(c: &Compiled) -> (Vec<u32>, Vec<LanguageGroup>) {
    const EVERY: u32 = 1 << 31;
    let mut term_mask = vec![0u32; c.terms.len()];
    let mut ts = Vec::new();
    let mut mark = |cond: Option<&Cond>, extra: &[u32], langs: crate::lang::Mask| {
        ts.clear();
        if let Some(cond) = cond {
            all_terms(cond, &mut ts);
        }
        ts.extend_from_slice(extra);
        let m = if langs == 0 { EVERY } else { u32::from(langs) };
        for &t in &ts {
            if let Some(x) = term_mask.get_mut(t as usize) {
                *x |= m;
            }
        }
    };
    for r in &c.rules {
        mark(Some(&r.cond), &r.exceptions, r.langs);
    }
    for f in &c.filters {
        mark(f.when.as_ref(), &[], f.langs);
    }
    let mut base = Vec::new();
    let mut groups: Vec<LanguageGroup> = (0..crate::lang::LANGS.len())
        .map(|_| LanguageGroup::default())
        .collect();
    for (p, terms) in c.pattern_terms.iter().enumerate() {
        let m = terms
            .iter()
            .filter(|&&t| t != u32::MAX)
            .fold(0u32, |m, &t| {
                m | term_mask.get(t as usize).copied().unwrap_or(EVERY)
            });
        if m == 0 {
            continue;
        }
        if m & EVERY != 0 || m.count_ones() > 2 {
            base.push(p as u32);
            continue;
        }
        for (l, g) in groups.iter_mut().enumerate() {
            if m & (1 << l) != 0 {
                g.ids.push(p as u32);
            }
        }
    }
    (base, groups)
}

/// Every term a condition refers to, negated ones included.
fn all_terms(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Any(t) | Cond::All(t) | Cond::NoneOf(t) => out.extend(t),
        Cond::Near { a, b, .. } => {
            out.extend(a);
            out.extend(b);
        }
        Cond::Entity(m) => out.extend(&m.near),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| all_terms(c, out))
        }
        Cond::Not(c) => all_terms(c, out),
        Cond::Rule(_) | Cond::Rules(..) => {}
    }
}

fn split_into_dfas(
    patterns: &[String],
    ids: Vec<u32>,
    out: &mut Vec<(Matcher, Vec<u32>)>,
) -> Result<(), String> {
    let subset: Vec<&str> = ids.iter().map(|&i| patterns[i as usize].as_str()).collect();
    if let Some(d) = crate::matcher::Dfa::new(&subset, crate::matcher::DFA_MAX_BYTES) {
        out.push((Matcher::Dfa(d), ids));
        return Ok(());
    }
    if ids.len() < 2 {
        out.push((Matcher::new(&subset)?, ids));
        return Ok(());
    }
    let mut a = ids;
    let b = a.split_off(a.len() / 2);
    split_into_dfas(patterns, a, out)?;
    split_into_dfas(patterns, b, out)
}

impl Compiled {
    /// The terms that use pattern `p`, ascending.
    #[inline]
    pub(crate) fn terms_of(&self, p: u32) -> &[u32] {
        let t = &self.pattern_terms[p as usize];
        &t[..t.iter().take_while(|&&x| x != u32::MAX).count()]
    }

    /// The rules that use term `t` positively, ascending.
    #[inline]
    pub(crate) fn rules_of(&self, t: u32) -> &[u32] {
        let (a, b) = (
            self.term_rules_at[t as usize],
            self.term_rules_at[t as usize + 1],
        );
        &self.term_rules[a as usize..b as usize]
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every
    /// pattern in `hay` (a matching form) that is searched in text in the
    /// languages `langs` (see [`language_groups`]): the ASCII automaton
    /// over the whole text, the other scripts' only around its runs of
    /// non-ASCII bytes, and each language's the same way. A pattern of two languages may be reported
    /// twice; the caller drops repeated occurrences.
    pub(crate) fn for_each_pattern(
        &self,
        hay: &[u8],
        langs: crate::lang::Mask,
        mut f: impl FnMut(u32, usize, usize),
    ) {
        for (m, ids) in &self.automaton {
            m.for_each(hay, |p, s, e| f(ids[p as usize], s, e));
        }
        // The patterns holding other scripts' letters are searched only
        // where the text has some: around its runs of non-ASCII bytes (a
        // French ad with three accented words is searched there, not
        // whole; a Russian one is one window).
        let spots: Vec<(usize, usize)> = if hay.is_ascii() {
            Vec::new()
        } else {
            crate::matcher::windows(
                hay,
                crate::matcher::non_ascii_runs(hay),
                self.max_pattern_len,
            )
            .collect()
        };
        let in_spots = |m: &Matcher, ids: &[u32], f: &mut dyn FnMut(u32, usize, usize)| {
            for &(lo, hi) in &spots {
                m.for_each(&hay[lo..hi], |p, s, e| f(ids[p as usize], s + lo, e + lo));
            }
        };
        if !spots.is_empty() {
            // Built at most once. Building fails only past the automaton
            // crate's own size limits, which the pack limits (`max_terms`,
            // `max_term_bytes`) keep far away; the halving above makes
            // each part a small DFA.
            let other = self.other_scripts.get_or_init(|| {
                subset_matchers(&self.pattern_list, &self.base_patterns, false).unwrap_or_default()
            });
            for (m, ids) in other {
                in_spots(m, ids, &mut f);
            }
        }
        for (l, g) in self.languages.iter().enumerate() {
            if langs & (1 << l) == 0 || g.ids.is_empty() {
                continue;
            }
            if let Some((m, ids)) = g.matcher(&self.pattern_list, true) {
                m.for_each(hay, |p, s, e| f(ids[p as usize], s, e));
            }
            if spots.is_empty() {
                continue;
            }
            if let Some((m, ids)) = g.matcher(&self.pattern_list, false) {
                in_spots(m, ids, &mut f);
            }
        }
    }

    /// See [`Compiled::filter_terms`].
    pub(crate) fn filter_terms(&self) -> &(Vec<bool>, Vec<Vec<u32>>) {
        self.filter_terms.get_or_init(|| {
            let mut always = Vec::with_capacity(self.filters.len());
            let mut by_term = vec![Vec::new(); self.terms.len()];
            let mut ts = Vec::new();
            for (i, f) in self.filters.iter().enumerate() {
                let Some(cond) = &f.when else {
                    always.push(true);
                    continue;
                };
                always.push(can_fire_without_terms(cond));
                ts.clear();
                positive_terms(cond, &mut ts);
                ts.sort_unstable();
                ts.dedup();
                for &t in &ts {
                    if let Some(v) = by_term.get_mut(t as usize) {
                        v.push(i as u32);
                    }
                }
            }
            (always, by_term)
        })
    }

    /// Whether the packs have any term at all.
    pub(crate) fn has_patterns(&self) -> bool {
        !self.pattern_list.is_empty()
    }

    /// Calls `f(pattern, gaps, start, end)` for every occurrence in `hay`
    /// of a spaceless variant of a multi-word pattern searched in text in
    /// the languages `langs` (see [`Joined`]); each set of variants is
    /// built on first use.
    pub(crate) fn for_each_joined(
        &self,
        hay: &[u8],
        langs: crate::lang::Mask,
        mut f: impl FnMut(u32, &[u32], usize, usize),
    ) {
        let mut run = |j: &Joined| {
            j.matcher.for_each(hay, |v, s, e| {
                f(j.pattern[v as usize], &j.gaps[v as usize], s, e);
            })
        };
        let base = self
            .joined
            .get_or_init(|| joined(&self.pattern_list, &self.pattern_terms, &self.base_patterns));
        if let Some(j) = base {
            run(j);
        }
        for (l, g) in self.languages.iter().enumerate() {
            if langs & (1 << l) == 0 || g.ids.is_empty() {
                continue;
            }
            let j = g
                .joined
                .get_or_init(|| joined(&self.pattern_list, &self.pattern_terms, &g.ids));
            if let Some(j) = j {
                run(j);
            }
        }
    }
}

/// The spaceless variants of the multi-word patterns among `ids`.
fn joined(patterns: &[String], pattern_terms: &[[u32; 4]], ids: &[u32]) -> Option<Joined> {
    let mut variants = Vec::new();
    let mut pattern = Vec::new();
    let mut gaps = Vec::new();
    for &p in ids {
        let form = &patterns[p as usize];
        if !form.contains(' ')
            || pattern_terms
                .get(p as usize)
                .is_none_or(|t| t[0] == u32::MAX)
        {
            continue;
        }
        // Joined text collapses like any text: the letter two words share
        // at a gap is written once ("visa agent" reads "visagent"), the
        // removed separator then marking the letter after it.
        let mut v = String::with_capacity(form.len());
        let mut g = Vec::new();
        let mut at_gap = false;
        for ch in form.chars() {
            if ch == ' ' {
                g.push(v.len() as u32);
                at_gap = true;
            } else if !(at_gap && v.ends_with(ch) && ch.is_alphabetic()) {
                v.push(ch);
                at_gap = false;
            }
        }
        variants.push(v);
        pattern.push(p);
        gaps.push(g);
    }
    if variants.is_empty() {
        return None;
    }
    Matcher::new(&variants).ok().map(|matcher| Joined {
        matcher,
        pattern,
        gaps,
    })
}

/// Everything the engine needs at screening time. (No `Debug`: the
/// automaton's would add kilobytes to the .wasm for nothing.)
#[derive(Clone, Default)]
pub(crate) struct Compiled {
    pub packs: Vec<PackInfo>,
    pub thresholds: Thresholds,
    pub explainable: BTreeSet<String>,
    pub terms: Vec<Term>,
    /// Pattern id → the terms that use it (at most one per boundary
    /// flavour), ascending, `u32::MAX` past the last: no allocation per
    /// pattern. See [`Compiled::terms_of`].
    pub pattern_terms: Vec<[u32; 4]>,
    /// The automaton over the patterns searched in every text (see
    /// [`language_groups`]) written in ASCII (every Latin-script term once
    /// folded), with its pattern ids (local → global); built with the rest
    /// of the rule set.
    pub automaton: Vec<(Matcher, Vec<u32>)>,
    /// The patterns searched in every text.
    pub base_patterns: Vec<u32>,
    /// The longest pattern's length in bytes.
    pub max_pattern_len: usize,
    /// Each language's own patterns, by bit of `lang::LANGS`.
    pub languages: Vec<LanguageGroup>,
    /// The automaton over the patterns searched in every text that are
    /// not ASCII (Cyrillic, Greek, Han, Thai, Arabic, Devanagari … terms
    /// of packs for every language; each language's own are in
    /// [`Compiled::languages`]): built on first use, run only around the
    /// runs of non-ASCII bytes of the matching form.
    pub other_scripts: std::sync::OnceLock<Vec<(Matcher, Vec<u32>)>>,
    /// For each filter with a condition, whether it can hold with none of
    /// its terms present, and term id → the filters that use it
    /// positively: a filter none of whose terms occur is off without
    /// evaluating its condition. Built on first use.
    pub filter_terms: std::sync::OnceLock<(Vec<bool>, Vec<Vec<u32>>)>,
    /// The multi-word patterns without their spaces, for text spaced out
    /// letter by letter, where the gaps between words are lost; built on
    /// first use (see [`Joined`]).
    pub joined: std::sync::OnceLock<Option<Joined>>,
    pub rules: Vec<Rule>,
    /// Rule indices in evaluation order (dependencies first).
    pub order: Vec<u32>,
    pub filters: Vec<Filter>,
    /// Term id → rules that use it positively: the rules of term `t` are
    /// `term_rules[term_rules_at[t]..term_rules_at[t + 1]]` (one list for
    /// all terms, not one allocation each). See [`Compiled::rules_of`].
    pub term_rules: Vec<u32>,
    pub term_rules_at: Vec<u32>,
    /// The rules that can fire with none of their terms in the text.
    pub always_rules: Vec<u32>,
    /// Rule index → its place in `order`.
    pub order_pos: Vec<u32>,
    /// Rule index → whether it is stable (only stable rules count towards
    /// a stable rule's `rules = { of = [...] }`).
    pub stable: Vec<bool>,
    pub rule_index: HashMap<String, u32>,
    /// Whether any rule or filter has an `entity` condition, so screening
    /// must run the extractors.
    pub uses_entities: bool,
    /// Entity kinds (a mask of `extract::kind_bit`s) the filters of each
    /// section need; the last entry is for submissions without a known
    /// section. Rules carry their own.
    pub filter_entity_kinds: Vec<u8>,
    /// What later packs compile against: named lists, the patterns (terms
    /// in matching form, pattern id = index) and their terms by boundary
    /// flavour, and the packs' own thresholds.
    pub lists: HashMap<String, Vec<u32>>,
    pub pattern_list: Vec<String>,
    pub pattern_flavours: Vec<[u32; 4]>,
    pub pack_thresholds: Thresholds,
}

struct Ctx<'a> {
    limits: &'a Limits,
    errors: Vec<PackError>,
    pack_id: Option<String>,
    lists: HashMap<String, Vec<u32>>,
    patterns: HashMap<String, u32>,
    pattern_list: Vec<String>,
    /// Pattern id → term ids by boundary flavour (`u32::MAX`: none yet).
    pattern_flavours: Vec<[u32; 4]>,
    term_list: Vec<Term>,
    rule_index: HashMap<String, u32>,
    /// The rule being compiled: a glob never matches the rule it is in.
    current: Option<u32>,
    /// Which rules are helpers: a glob matches them only if it names `__`.
    helpers: Vec<bool>,
    uses_entities: bool,
    /// The schema of the pack being compiled.
    schema: u32,
}

impl Ctx<'_> {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(PackError {
            pack: self.pack_id.clone(),
            path: path.into(),
            message: message.into(),
        });
    }

    /// Interns one term (or expands `@list`), returning term ids.
    fn terms(&mut self, raw: &[String], path: &dyn Fn() -> String) -> Vec<u32> {
        let mut out = Vec::new();
        if raw.is_empty() {
            self.err(path(), "term list is empty");
        }
        for (i, t) in raw.iter().enumerate() {
            let p = || format!("{}[{i}]", path());
            if let Some(name) = t.strip_prefix('@').filter(|_| !t.starts_with("@@")) {
                match self.lists.get(name) {
                    Some(ids) => out.extend_from_slice(ids),
                    None => self.err(p(), format!("unknown list `@{name}`")),
                }
                continue;
            }
            let t = t
                .strip_prefix('@')
                .filter(|_| t.starts_with("@@"))
                .unwrap_or(t);
            if let Some(id) = self.term(t, &p) {
                out.push(id);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn term(&mut self, raw: &str, path: &dyn Fn() -> String) -> Option<u32> {
        let trimmed = raw.trim();
        let (star_l, rest) = match trimmed.strip_prefix('*') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let (star_r, inner) = match rest.strip_suffix('*') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let n = normalize(inner.trim());
        let form = n.as_str().trim();
        if form.is_empty() {
            self.err(path(), format!("term `{raw}` is empty in matching form"));
            return None;
        }
        if form.len() > self.limits.max_term_bytes.min(256) {
            self.err(
                path(),
                format!(
                    "term is {} bytes in matching form; the limit (max_term_bytes) is {}",
                    form.len(),
                    self.limits.max_term_bytes.min(256)
                ),
            );
            return None;
        }
        let left = !star_l && form.chars().next().is_some_and(char::is_alphanumeric);
        let right = !star_r && form.chars().next_back().is_some_and(char::is_alphanumeric);
        let pid = match self.patterns.get(form) {
            Some(&pid) => pid,
            None => {
                let pid = self.pattern_list.len() as u32;
                self.patterns.insert(form.to_string(), pid);
                self.pattern_list.push(form.to_string());
                self.pattern_flavours.push([u32::MAX; 4]);
                pid
            }
        };
        // One term per (pattern, boundary flavour).
        let slot =
            &mut self.pattern_flavours[pid as usize][usize::from(left) * 2 + usize::from(right)];
        if *slot == u32::MAX {
            *slot = self.term_list.len() as u32;
            self.term_list.push(Term { left, right });
        }
        Some(*slot)
    }

    fn rule_globs(&mut self, globs: &[String], path: &dyn Fn() -> String) -> Vec<u32> {
        let mut out = Vec::new();
        for (i, g) in globs.iter().enumerate() {
            let found: Vec<u32> = if g.contains('*') {
                let mut v: Vec<u32> = self
                    .rule_index
                    .iter()
                    .filter(|(id, &i)| {
                        glob_match(g, id)
                            && Some(i) != self.current
                            && (!self.helpers[i as usize] || g.contains("__"))
                    })
                    .map(|(_, &i)| i)
                    .collect();
                v.sort_unstable();
                v
            } else {
                self.rule_index
                    .get(g.as_str())
                    .map(|&i| vec![i])
                    .unwrap_or_default()
            };
            if found.is_empty() {
                self.err(format!("{}[{i}]", path()), format!("no rule matches `{g}`"));
            }
            out.extend(found);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    fn cond(
        &mut self,
        c: &Condition,
        path: &dyn Fn() -> String,
        depth: usize,
        allow_rules: bool,
    ) -> Option<Cond> {
        if depth > self.limits.max_condition_depth {
            self.err(
                path(),
                format!(
                    "conditions nest deeper than the limit (max_condition_depth = {})",
                    self.limits.max_condition_depth
                ),
            );
            return None;
        }
        let sub = |ctx: &mut Self, cs: &[Condition], key: &str| -> Vec<Cond> {
            if cs.is_empty() {
                ctx.err(format!("{}.{key}", path()), "needs at least one condition");
            }
            cs.iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    ctx.cond(
                        c,
                        &|| format!("{}.{key}[{i}]", path()),
                        depth + 1,
                        allow_rules,
                    )
                })
                .collect()
        };
        Some(match c {
            Condition::Any(t) => Cond::Any(self.terms(t, &|| format!("{}.any", path()))),
            Condition::All(t) => Cond::All(self.terms(t, &|| format!("{}.all", path()))),
            Condition::NoneOf(t) => Cond::NoneOf(self.terms(t, &|| format!("{}.none", path()))),
            Condition::Near(n) => {
                if n.within > 50 {
                    self.err(
                        format!("{}.near.within", path()),
                        "must be at most 50 words",
                    );
                }
                Cond::Near {
                    a: self.terms(&n.a, &|| format!("{}.near.a", path())),
                    b: self.terms(&n.b, &|| format!("{}.near.b", path())),
                    within: n.within.min(50),
                    ordered: n.ordered,
                }
            }
            Condition::AtLeast(a) => {
                let of = sub(self, &a.of, "at_least.of");
                if a.n == 0 || a.n as usize > a.of.len() {
                    self.err(
                        format!("{}.at_least.n", path()),
                        format!(
                            "must be between 1 and the number of conditions ({})",
                            a.of.len()
                        ),
                    );
                }
                Cond::AtLeast(a.n, of)
            }
            Condition::And(cs) => Cond::And(sub(self, cs, "and")),
            Condition::Or(cs) => Cond::Or(sub(self, cs, "or")),
            Condition::Not(c) => Cond::Not(Box::new(self.cond(
                c,
                &|| format!("{}.not", path()),
                depth + 1,
                allow_rules,
            )?)),
            Condition::Rule(r) => {
                if !allow_rules {
                    self.err(format!("{}.rule", path()), "filters cannot refer to rules");
                    return None;
                }
                match self.rule_index.get(r.as_str()) {
                    Some(&i) => Cond::Rule(i),
                    None => {
                        self.err(format!("{}.rule", path()), format!("unknown rule `{r}`"));
                        return None;
                    }
                }
            }
            Condition::Rules(rc) => {
                if !allow_rules {
                    self.err(format!("{}.rules", path()), "filters cannot refer to rules");
                    return None;
                }
                let of = self.rule_globs(&rc.of, &|| format!("{}.rules.of", path()));
                if rc.min == 0 || rc.min as usize > of.len().max(1) {
                    self.err(
                        format!("{}.rules.min", path()),
                        format!(
                            "must be between 1 and the number of rules matched ({})",
                            of.len()
                        ),
                    );
                }
                Cond::Rules(of, rc.min)
            }
            Condition::Entity(m) => {
                let p = || format!("{}.entity", path());
                if self.schema < 2 {
                    self.err(
                        p(),
                        format!(
                            "`entity` conditions need `schema = 2` (redflag {} or later); this pack says schema {}",
                            crate::pack::SCHEMA_SINCE[1],
                            self.schema
                        ),
                    );
                }
                let kind = EntityKind::parse(&m.kind);
                if kind.is_none() {
                    self.err(
                        format!("{}.kind", p()),
                        format!(
                            "unknown entity kind `{}`; expected one of {}",
                            m.kind,
                            EntityKind::ALL.map(EntityKind::as_str).join(", ")
                        ),
                    );
                }
                let mut written = 0;
                for (i, w) in m.written.iter().enumerate() {
                    match Techniques::bit(w) {
                        Some(b) => written |= b,
                        None => self.err(
                            format!("{}.written[{i}]", p()),
                            format!(
                                "unknown technique `{w}`; expected one of {}",
                                Techniques::all_names().collect::<Vec<_>>().join(", ")
                            ),
                        ),
                    }
                }
                if let (Some(a), Some(b)) = (m.min, m.max) {
                    if a > b {
                        self.err(format!("{}.min", p()), "must not be greater than max");
                    }
                }
                for (k, v) in [("min", m.min), ("max", m.max)] {
                    if v.is_some_and(|v| !v.is_finite()) {
                        self.err(format!("{}.{k}", p()), "must be a finite number");
                    }
                }
                if m.within > 50 {
                    self.err(format!("{}.within", p()), "must be at most 50 words");
                }
                if !m.near.is_empty() && m.near.iter().all(|t| t.trim().is_empty()) {
                    self.err(format!("{}.near", p()), "needs at least one term");
                }
                let near = if m.near.is_empty() {
                    Vec::new()
                } else {
                    self.terms(&m.near, &|| format!("{}.near", p()))
                };
                self.uses_entities = true;
                Cond::Entity(Box::new(EntityCond {
                    kind: kind?,
                    obfuscated: m.obfuscated,
                    written,
                    min: m.min,
                    max: m.max,
                    platforms: m.platforms.iter().map(|p| p.to_lowercase()).collect(),
                    near,
                    within: m.within.min(50),
                }))
            }
        })
    }
}

/// `*` matches any run of characters.
pub(crate) fn glob_match(glob: &str, s: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn valid_id(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

fn sections_mask(ctx: &mut Ctx<'_>, sections: &[String], path: &dyn Fn() -> String) -> u8 {
    let mut mask = 0u8;
    for (i, s) in sections.iter().enumerate() {
        mask |= section_bit(ctx, s, &|| format!("{}[{i}]", path()));
    }
    mask
}

/// The bit of one section named in a pack (canonical names only), or an
/// error at `path`.
fn section_bit(ctx: &mut Ctx<'_>, s: &str, path: &dyn Fn() -> String) -> u8 {
    match SECTIONS
        .iter()
        .position(|k| k.eq_ignore_ascii_case(s.trim()))
    {
        Some(b) => 1 << b,
        None => {
            ctx.err(
                path(),
                format!(
                    "unknown section `{s}`; expected one of {}",
                    SECTIONS.join(", ")
                ),
            );
            0
        }
    }
}

fn can_fire_without_terms(c: &Cond) -> bool {
    match c {
        Cond::Any(_) | Cond::All(_) | Cond::Near { .. } => false,
        Cond::NoneOf(_) | Cond::Not(_) | Cond::Rule(_) | Cond::Rules(..) => true,
        Cond::Entity(m) => m.near.is_empty(),
        Cond::And(cs) => cs.iter().all(can_fire_without_terms),
        Cond::Or(cs) => cs.iter().any(can_fire_without_terms),
        Cond::AtLeast(n, cs) => {
            cs.iter().filter(|c| can_fire_without_terms(c)).count() >= *n as usize
        }
    }
}

fn refers_to_rules(c: &Cond) -> bool {
    match c {
        Cond::Rule(_) | Cond::Rules(..) => true,
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => cs.iter().any(refers_to_rules),
        Cond::Not(c) => refers_to_rules(c),
        _ => false,
    }
}

/// Term ids a condition needs to be present (positively).
pub(crate) fn positive_terms(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Any(t) | Cond::All(t) => out.extend(t),
        Cond::Near { a, b, .. } => {
            out.extend(a);
            out.extend(b);
        }
        Cond::Entity(m) => out.extend(&m.near),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| positive_terms(c, out))
        }
        Cond::Not(_) | Cond::NoneOf(_) | Cond::Rule(_) | Cond::Rules(..) => {}
    }
}

pub(crate) fn rule_refs(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Rule(r) => out.push(*r),
        Cond::Rules(rs, _) => out.extend(rs),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| rule_refs(c, out))
        }
        Cond::Not(c) => rule_refs(c, out),
        _ => {}
    }
}

fn score_hundredths(score: f64) -> Option<i64> {
    (score.is_finite() && score.abs() <= 1000.0).then(|| (score * 100.0).round() as i64)
}

/// Compiles packs in load order on top of already compiled ones (`base`,
/// e.g. the built-in packs from their image), as if all had been compiled
/// together. Returns every problem found.
///
/// Never inlined: engines built from the built-in packs' image alone do
/// not run it, and a cold wasm instance compiles each function it calls
/// whole.
#[inline(never)]
pub(crate) fn compile_on(
    base: Option<Compiled>,
    packs: &[Pack],
    limits: &Limits,
    thresholds_override: Option<Thresholds>,
) -> Result<Compiled, Vec<PackError>> {
    let base = base.unwrap_or_default();
    let mut ctx = Ctx {
        limits,
        errors: Vec::new(),
        pack_id: None,
        // Only packs compiled on top intern terms: an engine of the
        // built-in image alone never needs the map.
        patterns: if packs.is_empty() {
            HashMap::new()
        } else {
            base.pattern_list
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), i as u32))
                .collect()
        },
        lists: base.lists,
        pattern_list: base.pattern_list,
        pattern_flavours: base.pattern_flavours,
        term_list: base.terms,
        helpers: base.rules.iter().map(|r| r.helper).collect(),
        rule_index: base.rule_index,
        current: None,
        uses_entities: base.uses_entities,
        schema: SCHEMA_VERSION,
    };
    let total_packs = base.packs.len() + packs.len();
    if total_packs == 0 {
        ctx.err("", "no packs to load");
    }
    if total_packs > limits.max_packs {
        ctx.err(
            "",
            format!(
                "{total_packs} packs given; the limit (max_packs) is {}",
                limits.max_packs
            ),
        );
    }
    let mut thresholds = if base.packs.is_empty() {
        Thresholds::default()
    } else {
        base.pack_thresholds
    };
    let mut explainable = base.explainable;
    let mut infos: Vec<PackInfo> = base.packs;
    let first_pack = infos.len();
    let base_rules = base.rules;
    let base_filters = base.filters;

    // Pass 1: headers, lists, rule ids.
    let mut total_rules = base_rules.len();
    for pack in packs {
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        if pack.schema == 0 || pack.schema > SCHEMA_VERSION {
            ctx.err("schema", format!("unsupported schema {}", pack.schema));
        }
        if !valid_id(&pack.pack.id, &['.', '_', '-'])
            || pack.pack.id.chars().any(|c| c.is_ascii_uppercase())
        {
            ctx.err(
                "pack.id",
                "must be 1-128 characters of a-z, 0-9, `.`, `_`, `-`",
            );
        }
        if infos.iter().any(|p| p.id == pack.pack.id) {
            ctx.err(
                "pack.id",
                format!("pack `{}` is loaded twice", pack.pack.id),
            );
        }
        if pack.pack.version.trim().is_empty() {
            ctx.err("pack.version", "must not be empty");
        }
        if let Some(t) = pack.pack.thresholds {
            match t.check() {
                Some(m) => ctx.err("pack.thresholds", m),
                None => thresholds = t,
            }
        }
        explainable.extend(pack.pack.explainable_categories.iter().cloned());
        infos.push(PackInfo {
            id: pack.pack.id.clone(),
            version: pack.pack.version.clone(),
        });
        for (name, items) in &pack.lists {
            let path = format!("lists.{name}");
            if !valid_id(name, &['_', '-', '.']) {
                ctx.err(&path, "list names are letters, digits, `_`, `-`, `.`");
            }
            if ctx.lists.contains_key(name) {
                ctx.err(
                    &path,
                    format!("list `{name}` is already defined by an earlier pack"),
                );
                continue;
            }
            if items.is_empty() {
                ctx.err(&path, "list is empty");
            }
            let mut ids = Vec::with_capacity(items.len());
            for (j, it) in items.iter().enumerate() {
                let item_path = || format!("{path}[{j}]");
                if it.starts_with('@') && !it.starts_with("@@") {
                    ctx.err(item_path(), "lists cannot include other lists");
                    continue;
                }
                let it = it.strip_prefix('@').unwrap_or(it);
                if let Some(id) = ctx.term(it, &item_path) {
                    ids.push(id);
                }
            }
            ids.sort_unstable();
            ids.dedup();
            ctx.lists.insert(name.clone(), ids);
        }
        for (ri, r) in pack.rules.iter().enumerate() {
            let ri = pack.rule_position(ri);
            total_rules += 1;
            if !valid_id(&r.id, &['.', '_', '-', ':']) {
                ctx.err(
                    format!("rule[{ri}].id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            if ctx.rule_index.contains_key(&r.id) {
                ctx.err(
                    format!("rule[{ri}].id"),
                    format!("duplicate rule id `{}`", r.id),
                );
                continue;
            }
            let next = ctx.rule_index.len() as u32;
            ctx.rule_index.insert(r.id.clone(), next);
            ctx.helpers.push(r.helper);
        }
    }
    if total_rules > limits.max_rules {
        ctx.pack_id = None;
        ctx.err(
            "",
            format!(
                "{total_rules} rules; the limit (max_rules) is {}",
                limits.max_rules
            ),
        );
    }

    // Pass 2: rules.
    let mut rules: Vec<Rule> = base_rules;
    rules.reserve(ctx.rule_index.len().saturating_sub(rules.len()));
    for (pi, pack) in packs.iter().enumerate() {
        let pi = first_pack + pi;
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        for (ri, r) in pack.rules.iter().enumerate() {
            let ri = pack.rule_position(ri);
            if ctx.rule_index.get(&r.id) != Some(&(rules.len() as u32)) {
                continue; // a duplicate, already reported
            }
            let path = format!("rule[{ri}]");
            ctx.current = Some(rules.len() as u32);
            if r.title.trim().is_empty() {
                ctx.err(format!("{path}.title"), "must not be empty");
            }
            if r.category.trim().is_empty() {
                ctx.err(format!("{path}.category"), "must not be empty");
            }
            if let Some(ind) = &r.indicator {
                if ind.trim().is_empty() {
                    ctx.err(format!("{path}.indicator"), "must not be empty");
                } else if ctx.schema < 3 {
                    ctx.err(
                        format!("{path}.indicator"),
                        format!(
                            "`indicator` needs `schema = 3` (redflag {} or later); this pack says schema {}",
                            crate::pack::SCHEMA_SINCE[2], ctx.schema
                        ),
                    );
                }
            }
            let score = match score_hundredths(r.score) {
                Some(s) => s,
                None => {
                    ctx.err(
                        format!("{path}.score"),
                        "must be a number between -1000 and 1000",
                    );
                    0
                }
            };
            if r.helper && score != 0 {
                ctx.err(
                    format!("{path}.score"),
                    "helper rules score nothing; remove `score` or `helper`",
                );
            }
            if r.exception_window > 50 {
                ctx.err(
                    format!("{path}.exception_window"),
                    "must be at most 50 words",
                );
            }
            let sections = sections_mask(&mut ctx, &r.sections, &|| format!("{path}.sections"));
            if (r.strength.is_some() || r.offer.is_some()) && ctx.schema < 4 {
                let key = if r.offer.is_some() {
                    "offer"
                } else {
                    "strength"
                };
                ctx.err(
                    format!("{path}.{key}"),
                    format!(
                        "`{key}` needs `schema = 4` (redflag {} or later); this pack says schema {}",
                        crate::pack::SCHEMA_SINCE[3],
                        ctx.schema
                    ),
                );
            }
            let offer = match &r.offer {
                None => 0,
                Some(kind) => {
                    let bit = section_bit(&mut ctx, kind, &|| format!("{path}.offer"));
                    if !r.helper {
                        ctx.err(
                            format!("{path}.offer"),
                            "an offer rule must be a helper (`helper = true`): it recognises the kind of ad, it is not an indicator",
                        );
                    }
                    if !r.sections.is_empty() {
                        ctx.err(
                            format!("{path}.sections"),
                            "an offer rule reads every ad; remove `sections`",
                        );
                    }
                    if r.strength.is_some() {
                        ctx.err(format!("{path}.strength"), "an offer rule has no strength");
                    }
                    bit
                }
            };
            let cond = ctx.cond(&r.condition, &|| format!("{path}.match"), 1, true);
            if offer != 0 {
                if let Some(c) = &cond {
                    if refers_to_rules(c) {
                        ctx.err(
                            format!("{path}.match"),
                            "an offer rule may not refer to other rules: offers are read before any rule runs",
                        );
                    }
                }
            }
            let exceptions = if r.exceptions.is_empty() {
                Vec::new()
            } else {
                ctx.terms(&r.exceptions, &|| format!("{path}.exceptions"))
            };
            let cond = cond.unwrap_or(Cond::Or(Vec::new()));
            let always = can_fire_without_terms(&cond) || refers_to_rules(&cond);
            let mut rule_entity_kinds = 0u8;
            entity_kinds(&cond, &mut rule_entity_kinds);
            rules.push(Rule {
                id: r.id.clone(),
                title: r.title.clone(),
                category: r.category.clone(),
                indicator: r.indicator.clone(),
                indicator_group: u32::MAX,
                tags: r.tags.clone(),
                pack: pi,
                index: ri,
                status: r.status,
                helper: r.helper,
                score,
                max_tier: r.max_tier.unwrap_or(Tier::Review),
                strength: r.strength.unwrap_or(Strength::Medium),
                langs: crate::lang::pack_mask(&pack.pack.languages),
                offer,
                sections,
                fields: r
                    .fields
                    .iter()
                    .map(|f| f.trim().to_ascii_lowercase())
                    .collect(),
                cond,
                exceptions,
                window: r.exception_window.min(50),
                poster: r.explain.as_ref().and_then(|e| e.poster.clone()),
                reviewer: r.explain.as_ref().and_then(|e| e.reviewer.clone()),
                references: r.references.clone(),
                disabled: false,
                always,
                entity_kinds: rule_entity_kinds,
                id_rank: 0,
                tests: r.tests.clone(),
            });
        }
    }

    ctx.current = None;

    // Pass 3: overrides and filters.
    let mut filters = base_filters;
    for pack in packs {
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        for (oi, o) in pack.overrides.iter().enumerate() {
            let path = format!("override[{oi}]");
            let targets = ctx.rule_globs(std::slice::from_ref(&o.rule), &|| format!("{path}.rule"));
            let score = match o.score.map(score_hundredths) {
                Some(None) => {
                    ctx.err(
                        format!("{path}.score"),
                        "must be a number between -1000 and 1000",
                    );
                    None
                }
                Some(s) => s,
                None => None,
            };
            for t in targets {
                let Some(rule) = rules.get_mut(t as usize) else {
                    continue;
                };
                if let Some(s) = score {
                    rule.score = s;
                }
                if let Some(s) = o.status {
                    rule.status = s;
                }
                if let Some(m) = o.max_tier {
                    rule.max_tier = m;
                }
                if let Some(d) = o.disabled {
                    rule.disabled = d;
                }
            }
        }
        for (fi, f) in pack.filters.iter().enumerate() {
            let path = format!("filter[{fi}]");
            if !valid_id(&f.id, &['.', '_', '-', ':']) {
                ctx.err(
                    format!("{path}.id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            let targets = ctx.rule_globs(&f.rules, &|| format!("{path}.rules"));
            let sections = sections_mask(&mut ctx, &f.sections, &|| format!("{path}.sections"));
            let when = f
                .when
                .as_ref()
                .and_then(|c| ctx.cond(c, &|| format!("{path}.when"), 1, false));
            filters.push(Filter {
                id: f.id.clone(),
                rules: targets,
                langs: crate::lang::pack_mask(&pack.pack.languages),
                sections,
                fields: f
                    .fields
                    .iter()
                    .map(|x| x.trim().to_ascii_lowercase())
                    .collect(),
                when,
            });
        }
    }
    ctx.pack_id = None;

    // Pass 4: dependency order, cycles.
    let order = match topo_order(&rules) {
        Ok(o) => o,
        Err(cycle) => {
            let r = &rules[cycle as usize];
            ctx.pack_id = infos.get(r.pack).map(|p| p.id.clone());
            ctx.err(
                format!("rule[{}].match", r.index),
                format!("rule `{}` depends on itself through other rules", r.id),
            );
            Vec::new()
        }
    };

    if ctx.term_list.len() > limits.max_terms {
        ctx.err(
            "",
            format!(
                "{} distinct terms; the limit (max_terms) is {}",
                ctx.term_list.len(),
                limits.max_terms
            ),
        );
    }
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }

    finish(Compiled {
        packs: infos,
        thresholds: thresholds_override.unwrap_or(thresholds),
        explainable,
        terms: ctx.term_list,
        rules,
        order,
        filters,
        rule_index: ctx.rule_index,
        uses_entities: ctx.uses_entities,
        lists: ctx.lists,
        pattern_list: ctx.pattern_list,
        pattern_flavours: ctx.pattern_flavours,
        pack_thresholds: thresholds,
        ..Compiled::default()
    })
}

/// What compiling derives from rules and terms: id ranks, the term → rule
/// and pattern → term tables, the evaluation order (if not given) and the
/// automaton. Loading the built-in packs' image runs only this.
pub(crate) fn finish(mut c: Compiled) -> Result<Compiled, Vec<PackError>> {
    let fail = |message: String| {
        vec![PackError {
            pack: None,
            path: String::new(),
            message,
        }]
    };
    if c.order.len() != c.rules.len() {
        c.order = topo_order(&c.rules)
            .map_err(|r| fail(format!("rule #{r} depends on itself through other rules")))?;
    }
    let mut by_id: Vec<u32> = (0..c.rules.len() as u32).collect();
    by_id.sort_unstable_by(|&a, &b| c.rules[a as usize].id.cmp(&c.rules[b as usize].id));
    for (rank, &ri) in by_id.iter().enumerate() {
        c.rules[ri as usize].id_rank = rank as u32;
    }
    let mut groups: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut group_of = vec![u32::MAX; c.rules.len()];
    for (i, r) in c.rules.iter().enumerate() {
        if let Some(ind) = &r.indicator {
            group_of[i] = *groups.entry(ind.as_str()).or_insert(i as u32);
        }
    }
    for (r, g) in c.rules.iter_mut().zip(group_of) {
        r.indicator_group = g;
    }
    c.order_pos = vec![0; c.rules.len()];
    for (pos, &ri) in c.order.iter().enumerate() {
        c.order_pos[ri as usize] = pos as u32;
    }
    c.stable = c.rules.iter().map(|r| r.status == Status::Stable).collect();
    c.always_rules = (0..c.rules.len() as u32)
        .filter(|&i| c.rules[i as usize].always)
        .collect();
    // Term → rules, as one list: count, then place.
    let nt = c.terms.len();
    let mut at = vec![0u32; nt + 1];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut ts = Vec::new();
    for (i, r) in c.rules.iter().enumerate() {
        ts.clear();
        positive_terms(&r.cond, &mut ts);
        ts.sort_unstable();
        ts.dedup();
        for &t in ts.iter().filter(|&&t| (t as usize) < nt) {
            at[t as usize + 1] += 1;
            pairs.push((t, i as u32));
        }
    }
    for t in 0..nt {
        at[t + 1] += at[t];
    }
    let mut next = at.clone();
    let mut list = vec![0u32; pairs.len()];
    // Rules were visited in ascending order, so each term's rules stay so.
    for (t, r) in pairs {
        list[next[t as usize] as usize] = r;
        next[t as usize] += 1;
    }
    c.term_rules = list;
    c.term_rules_at = at;
    c.pattern_terms = c
        .pattern_flavours
        .iter()
        .map(|f| {
            let mut v = *f;
            v.sort_unstable();
            v
        })
        .collect();
    // Built again, on first use, from this set of patterns.
    c.joined = std::sync::OnceLock::new();
    // Standard semantics, every occurrence of every term; word boundaries
    // are checked afterwards.
    c.other_scripts = std::sync::OnceLock::new();
    c.filter_terms = std::sync::OnceLock::new();
    let (base, languages) = language_groups(&c);
    c.automaton = subset_matchers(&c.pattern_list, &base, true)
        .map_err(|e| fail(format!("cannot build the term automaton: {e}")))?;
    c.base_patterns = base;
    c.max_pattern_len = c.pattern_list.iter().map(String::len).max().unwrap_or(0);
    c.languages = languages;
    let mut by_section = vec![0u8; SECTIONS.len() + 1];
    for f in &c.filters {
        if let Some(cond) = &f.when {
            let mut k = 0u8;
            entity_kinds(cond, &mut k);
            for (b, slot) in by_section.iter_mut().enumerate() {
                let applies = f.sections == 0 || (b < SECTIONS.len() && f.sections & (1 << b) != 0);
                if applies {
                    *slot |= k;
                }
            }
        }
    }
    c.filter_entity_kinds = by_section;
    Ok(c)
}

/// The entity kinds a condition looks at.
fn entity_kinds(c: &Cond, out: &mut u8) {
    match c {
        Cond::Entity(m) => *out |= crate::extract::kind_bit(m.kind),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| entity_kinds(c, out))
        }
        Cond::Not(c) => entity_kinds(c, out),
        _ => {}
    }
}

/// Dependencies first; `Err(rule)` names a rule on a cycle.
fn topo_order(rules: &[Rule]) -> Result<Vec<u32>, u32> {
    // 0 = new, 1 = on stack, 2 = done. Iterative DFS: packs can be deep.
    let n = rules.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    let deps: Vec<Vec<u32>> = rules
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            rule_refs(&r.cond, &mut v);
            v
        })
        .collect();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < deps[node].len() {
                let d = deps[node][*next] as usize;
                *next += 1;
                match state[d] {
                    0 => {
                        state[d] = 1;
                        stack.push((d, 0));
                    }
                    1 => return Err(d as u32),
                    _ => {}
                }
            } else {
                state[node] = 2;
                order.push(node as u32);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("job.*", "job.fee"));
        assert!(!glob_match("job.*", "adult.fee"));
        assert!(glob_match("*.fee", "job.fee"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abcdf"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }
}
