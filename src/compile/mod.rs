//! Packs → one compiled rule set ([`Compiled`]): validation, term
//! interning, the automata.
//!
//! Compiling checks every pack and reports every problem it finds, each at
//! its path in its pack. What comes out is what the engine screens with:
//! each term once in matching form (the normaliser's output, as ads are
//! read) with its word-boundary requirements ([`Term`]), each rule's
//! condition as a tree of term and rule ids ([`Cond`]), and the tables and
//! automata that find the terms in a text and the rules they can fire.
//!
//! [`compile_on`] compiles packs on top of already compiled ones, in four
//! passes over the packs: (1) headers, named lists and rule ids, so that
//! any rule may use any list and name any rule; (2) rules; (3) overrides
//! and filters; (4) the order rules are evaluated in, the rules they refer
//! to first. [`finish`](fn@finish) then derives what screening needs from
//! the rules and terms; loading the built-in packs' image runs only it.
//!
//! The modules, in the order a compile uses them:
//!
//! - `passes`: [`compile_on`] and its four passes, one method per step;
//! - `ctx`: the compiler's state, and how it resolves the rules and
//!   sections a pack names;
//! - `terms`: how a term is read and interned (the linter reads terms the
//!   same way);
//! - `conditions`: a pack's condition compiled into a [`Cond`], and what a
//!   compiled condition refers to;
//! - `finish`: [`finish`](fn@finish) and the evaluation order;
//! - `automata`: which patterns each automaton is built over, and when;
//! - `matching`: the lookups screening makes ([`Compiled::terms_of`],
//!   [`Compiled::for_each_pattern`] …).

mod automata;
mod conditions;
mod ctx;
mod finish;
mod matching;
mod passes;
mod terms;

use std::collections::{BTreeSet, HashMap};

use crate::extract::EntityKind;
use crate::matcher::Matcher;
use crate::pack::{RuleTests, Status, Strength};
use crate::tier::{Thresholds, Tier};
use crate::verdict::PackInfo;

pub(crate) use automata::{Joined, LanguageGroup};
pub(crate) use conditions::rule_refs;
pub(crate) use finish::finish;
pub(crate) use passes::compile_on;
pub(crate) use terms::{term_entry, term_form, TermEntry};

/// A term in matching form with its word-boundary requirements.
#[derive(Clone, Debug)]
pub(crate) struct Term {
    /// Must start at a word boundary.
    pub left: bool,
    /// Must end at a word boundary.
    pub right: bool,
}

/// A compiled condition: the pack's [`Condition`](crate::pack::Condition)
/// with term ids (sorted, without repeats) for terms and `@list`s, rule
/// indices for rule ids and globs.
#[derive(Clone, Debug)]
pub(crate) enum Cond {
    /// `any`: one of the terms.
    Any(Vec<u32>),
    /// `all`: every term.
    All(Vec<u32>),
    /// `none`: none of the terms.
    NoneOf(Vec<u32>),
    /// `near`: a term of `a` within `within` words of one of `b` (`a`
    /// first if `ordered`).
    Near {
        a: Vec<u32>,
        b: Vec<u32>,
        within: u32,
        ordered: bool,
    },
    /// `at_least`: n of the conditions.
    AtLeast(u32, Vec<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// `rule`: the rule fired.
    Rule(u32),
    /// `rules`: at least `min` (the second field) of the rules fired.
    Rules(Vec<u32>, u32),
    Entity(Box<EntityCond>),
}

impl Cond {
    /// Calls `f(node, negated)` on this condition and on every condition
    /// inside it, each node before its children, children in order.
    ///
    /// `negated` is true for a node inside a [`Cond::Not`], at any depth: it
    /// says "under a negation", not the polarity (inside two `Not`s it is
    /// still true), and the `Not` node itself gets its parent's flag.
    /// [`Cond::NoneOf`] is negative by itself but has no children, so it
    /// sets no flag: a visitor that wants only the terms a condition needs
    /// present skips both (see `conditions::positive_terms`).
    pub(crate) fn walk(&self, f: &mut impl FnMut(&Cond, bool)) {
        self.walk_from(false, f);
    }

    fn walk_from(&self, negated: bool, f: &mut impl FnMut(&Cond, bool)) {
        f(self, negated);
        match self {
            Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
                for c in cs {
                    c.walk_from(negated, f);
                }
            }
            Cond::Not(c) => c.walk_from(true, f),
            Cond::Any(_)
            | Cond::All(_)
            | Cond::NoneOf(_)
            | Cond::Near { .. }
            | Cond::Rule(_)
            | Cond::Rules(..)
            | Cond::Entity(_) => {}
        }
    }
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
    /// none. Set by [`finish`](fn@finish).
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
    ///
    /// [`SECTIONS`]: crate::pack::SECTIONS
    pub offer: u8,
    /// Bit mask over [`SECTIONS`]; 0 means every submission.
    ///
    /// [`SECTIONS`]: crate::pack::SECTIONS
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
    ///
    /// [`language_groups`]: automata::language_groups
    pub automaton: Vec<(Matcher, Vec<u32>)>,
    /// The patterns searched in every text.
    pub base_patterns: Vec<u32>,
    /// The longest pattern's length in bytes.
    pub max_pattern_len: usize,
    /// Every pattern written in ASCII holds an ASCII letter or digit, so
    /// the ASCII automata need search only a text's stretches that hold
    /// one (see [`crate::matcher::ascii_windows`]).
    pub ascii_alnum: bool,
    /// Each language's own patterns, by bit of `lang::LANGS`.
    pub languages: Vec<LanguageGroup>,
    /// The automaton over the patterns searched in every text that are
    /// not ASCII (Cyrillic, Greek, Han, Thai, Arabic, Devanagari … terms
    /// of packs for every language; each language's own are in
    /// [`Compiled::languages`]): built on first use, run only around the
    /// runs of non-ASCII bytes of the matching form.
    pub other_scripts: std::sync::OnceLock<Vec<automata::ScriptMatcher>>,
    /// The Russian and Ukrainian groups' patterns that are not ASCII, in
    /// one matcher: Cyrillic text runs both languages, and one search of
    /// it costs half of two. Built on first use.
    pub cyrillic: std::sync::OnceLock<Option<(Matcher, Vec<u32>)>>,
    /// For each filter with a condition, whether it can hold with none of
    /// its terms present, and term id → the filters that use it
    /// positively: a filter none of whose terms occur is off without
    /// evaluating its condition. Built on first use.
    pub filter_terms: std::sync::OnceLock<(Vec<bool>, Vec<Vec<u32>>)>,
    /// The multi-word patterns without their spaces, for text spaced out
    /// letter by letter, where the gaps between words are lost, and for
    /// long hashtags; built on first use (see [`Joined`]).
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
    /// The rules that can fire with none of their terms in the text and
    /// none of the rules they refer to fired.
    pub always_rules: Vec<u32>,
    /// Rule → the groups of terms it cannot fire without, one of each
    /// group at least (see `conditions::need_groups`): rule `r`'s groups
    /// are `need[need_at[r]..need_at[r + 1]]`, the smallest group first,
    /// each written as its length then its term ids in the order the
    /// condition names them (screening reads them through the scan's term
    /// bit set, so they need no sorting). A candidate rule with a group none of
    /// whose terms occurred is dropped before anything else looks at it.
    pub need: Vec<u32>,
    pub need_at: Vec<u32>,
    /// Rule → the rules that refer to it and cannot fire alone (neither
    /// a term of theirs in the text nor a rule they refer to fired): a
    /// rule that may fire makes them candidates too. The dependants of
    /// rule `r` are `rule_dependants[rule_dependants_at[r]..
    /// rule_dependants_at[r + 1]]`, one list as with `term_rules`.
    pub rule_dependants: Vec<u32>,
    pub rule_dependants_at: Vec<u32>,
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
    pub pattern_list: Patterns,
    pub pattern_flavours: Vec<[u32; 4]>,
    pub pack_thresholds: Thresholds,
}

/// The patterns' texts (terms in matching form; pattern id = index), end
/// to end in one string: the built-in packs hold tens of thousands of short
/// patterns, and one allocation each was a large part of decoding the pack
/// image at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Patterns {
    text: String,
    /// Where each pattern ends in `text` (it starts where the one before
    /// it ends).
    ends: Vec<u32>,
}

impl Patterns {
    /// Room for `n` patterns of `bytes` bytes in all.
    pub(crate) fn with_capacity(n: usize, bytes: usize) -> Patterns {
        Patterns {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Adds a pattern; returns its id.
    pub(crate) fn push(&mut self, p: &str) -> u32 {
        self.text.push_str(p);
        // Pack limits keep the patterns' bytes far under 4 GiB.
        self.ends.push(self.text.len() as u32);
        (self.ends.len() - 1) as u32
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| &self[i])
    }
}

impl std::ops::Index<usize> for Patterns {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}
