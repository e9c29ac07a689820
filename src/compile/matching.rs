//! What screening asks of a compiled rule set: the terms of a pattern, the
//! rules of a term, the occurrences of the patterns in a text (through the
//! automata of `automata`), the filters a term can turn on.

use super::automata::{joined, script_matchers};
use super::conditions::{can_fire_without_terms, positive_terms};
use super::{Compiled, Joined};
use crate::matcher::Matcher;

/// Stretches of ASCII letters and digits fewer than this many bytes apart
/// are searched as one (see [`crate::matcher::ascii_windows`]): the words
/// of an accented Latin text are, a Cyrillic text's quoted numbers are not.
const ASCII_GAP: usize = 32;

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
    /// non-ASCII bytes, and each language's the same way. A pattern of two
    /// languages may be reported twice; the caller drops repeated
    /// occurrences.
    ///
    /// [`language_groups`]: super::automata::language_groups
    pub(crate) fn for_each_pattern(
        &self,
        hay: &[u8],
        langs: crate::lang::Mask,
        mut f: impl FnMut(u32, usize, usize),
    ) {
        // The ASCII automata search a text in other letters only where it
        // has ASCII letters or digits (a Russian ad's quoted Latin words
        // and numbers), not across its Cyrillic words.
        let ascii_spots = if hay.is_ascii() || !self.ascii_alnum {
            None
        } else {
            Some(crate::matcher::ascii_windows(hay, ASCII_GAP))
        };
        let in_ascii =
            |m: &Matcher, ids: &[u32], f: &mut dyn FnMut(u32, usize, usize)| match &ascii_spots {
                None => m.for_each(hay, |p, s, e| f(ids[p as usize], s, e)),
                Some(w) => {
                    for &(lo, hi) in w {
                        m.for_each(&hay[lo..hi], |p, s, e| f(ids[p as usize], s + lo, e + lo));
                    }
                }
            };
        for (m, ids) in &self.automaton {
            in_ascii(m, ids, &mut f);
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
        let mut text_pairs = super::automata::CharPairs::default();
        if !spots.is_empty() {
            // Every non-ASCII character lies in a spot.
            for &(lo, hi) in &spots {
                text_pairs.add(&hay[lo..hi]);
            }
            // Built at most once, one NFA per script, each searched only
            // if the text holds one of its characters. Building fails only
            // past the automaton crate's own size limits, which the pack
            // limits (`max_terms`, `max_term_bytes`) keep far away.
            let other = self.other_scripts.get_or_init(|| {
                script_matchers(&self.pattern_list, &self.base_patterns).unwrap_or_default()
            });
            for (m, ids, pairs) in other {
                if pairs.meets(&text_pairs) {
                    in_spots(m, ids, &mut f);
                }
            }
        }
        // Russian and Ukrainian run together on Cyrillic text: their
        // Cyrillic patterns are searched in one pass.
        let mut searched: crate::lang::Mask = 0;
        let cyrillic = crate::lang::CYRILLIC;
        if !spots.is_empty()
            && langs & cyrillic == cyrillic
            && self.languages.iter().enumerate().any(|(l, g)| {
                cyrillic & (1 << l) != 0
                    && !g.ids.is_empty()
                    && g.other_pairs(&self.pattern_list).meets(&text_pairs)
            })
        {
            let both = self.cyrillic.get_or_init(|| self.cyrillic_matcher());
            if let Some((m, ids)) = both {
                in_spots(m, ids, &mut f);
            }
            searched = cyrillic;
        }
        for (l, g) in self.languages.iter().enumerate() {
            if langs & (1 << l) == 0 || g.ids.is_empty() {
                continue;
            }
            if let Some((m, ids)) = g.matcher(&self.pattern_list, true) {
                in_ascii(m, ids, &mut f);
            }
            // Another script's patterns are searched only in text that
            // holds one of their characters.
            if spots.is_empty()
                || searched & (1 << l) != 0
                || !g.other_pairs(&self.pattern_list).meets(&text_pairs)
            {
                continue;
            }
            if let Some((m, ids)) = g.matcher(&self.pattern_list, false) {
                in_spots(m, ids, &mut f);
            }
        }
    }

    /// The matcher over the Russian and Ukrainian groups' patterns that
    /// are not ASCII (see [`Compiled::cyrillic`]), `None` if they have
    /// none or it cannot be built (then neither language's are searched,
    /// as with a group's own matcher).
    fn cyrillic_matcher(&self) -> Option<(Matcher, Vec<u32>)> {
        let mut ids: Vec<u32> = self
            .languages
            .iter()
            .enumerate()
            .filter(|&(l, _)| crate::lang::CYRILLIC & (1 << l) != 0)
            .flat_map(|(_, g)| g.ids.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        super::automata::group_matcher(&self.pattern_list, ids, false)
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
