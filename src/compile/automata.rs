//! The automata over the patterns (terms in matching form), and which
//! patterns each holds: the patterns searched in every text are built with
//! the rule set (ASCII ones as dense DFAs, halved until each fits), other
//! scripts' and each language's own on first use, and the spaceless
//! variants of multi-word patterns ([`Joined`]) on the first spaced-out
//! text.

use super::conditions::all_terms;
use super::{Compiled, Cond, Patterns};
use crate::matcher::Matcher;

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
pub(super) fn subset_matchers(
    patterns: &Patterns,
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
        let subset: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
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
    pub(super) fn matcher(&self, patterns: &Patterns, ascii: bool) -> Option<&(Matcher, Vec<u32>)> {
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
            let sub: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
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
pub(super) fn language_groups(c: &Compiled) -> (Vec<u32>, Vec<LanguageGroup>) {
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

pub(super) fn split_into_dfas(
    patterns: &Patterns,
    ids: Vec<u32>,
    out: &mut Vec<(Matcher, Vec<u32>)>,
) -> Result<(), String> {
    let subset: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
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

/// The spaceless variants of the multi-word patterns among `ids`.
pub(super) fn joined(
    patterns: &Patterns,
    pattern_terms: &[[u32; 4]],
    ids: &[u32],
) -> Option<Joined> {
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
    // The crate's compact NFA, not a dense table: these variants are
    // searched only around the few places where the normaliser joined a
    // spaced-out word, and a dense table over every language's multi-word
    // terms took 60 MB, which a wasm instance never gives back.
    Matcher::nfa(&variants).ok().map(|matcher| Joined {
        matcher,
        pattern,
        gaps,
    })
}
