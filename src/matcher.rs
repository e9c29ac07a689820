//! Finding every occurrence of every term in the matching form.
//!
//! Two automata, one interface:
//!
//! - **A dense Aho-Corasick DFA**, for packs whose table fits in
//!   [`DFA_MAX_BYTES`] (the built-in packs take about 2 MB). Building it is
//!   one trie insertion per term byte and one row copy per state, in
//!   breadth-first order, which is what start-up in a cold wasm instance
//!   can afford; searching is one table lookup per byte of text.
//! - **The `aho-corasick` crate's contiguous NFA**, for packs too large for
//!   a dense table (tens of thousands of terms): slower per byte, compact
//!   in memory.
//!
//! Both report every occurrence (standard semantics, overlapping), as
//! `(pattern, start, end)` in byte offsets. The tests check the DFA against
//! the crate on random pattern sets.

use aho_corasick::automaton::{Automaton, OverlappingState};
use aho_corasick::nfa::contiguous;
use aho_corasick::{Input, MatchKind};

/// Largest dense table built (states × byte classes × 4 bytes); larger
/// packs use the crate's contiguous NFA.
pub(crate) const DFA_MAX_BYTES: usize = 16 << 20;

/// The byte ranges of `text` within `reach` bytes of each of the ascending
/// ranges `around` (pairs of offsets, start and end), widened to UTF-8
/// character boundaries, overlapping ones merged: where a search need look
/// when only the matches that touch one of the ranges are wanted and no
/// match is longer than `reach`.
pub(crate) fn windows(
    text: &[u8],
    around: impl Iterator<Item = (usize, usize)>,
    reach: usize,
) -> impl Iterator<Item = (usize, usize)> {
    let boundary = |i: usize| i >= text.len() || (text[i] as i8) >= -0x40;
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in around {
        let mut lo = a.saturating_sub(reach).min(text.len());
        while !boundary(lo) {
            lo -= 1;
        }
        let mut hi = b.saturating_add(reach).min(text.len());
        while !boundary(hi) {
            hi += 1;
        }
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out.into_iter()
}

/// The stretches of `text` where a pattern written in ASCII that holds an
/// ASCII letter or digit can match: its maximal runs of ASCII bytes that
/// hold one, joined when fewer than `gap` bytes apart (a search per word
/// of an accented text would cost more than the bytes it skips), as
/// (start, end) in order. A Russian ad's are the few Latin words and
/// numbers it quotes; a French ad is one stretch.
pub(crate) fn ascii_windows(text: &[u8], gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii() {
            i += 1;
            continue;
        }
        let start = i;
        let mut alnum = false;
        while i < text.len() && text[i].is_ascii() {
            alnum |= text[i].is_ascii_alphanumeric();
            i += 1;
        }
        if !alnum {
            continue;
        }
        match out.last_mut() {
            Some(last) if start - last.1 < gap => last.1 = i,
            _ => out.push((start, i)),
        }
    }
    out
}

/// The runs of non-ASCII bytes in `text`, as (start, end), in order: a
/// match of a pattern holding a non-ASCII byte overlaps one of them.
pub(crate) fn non_ascii_runs(text: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < text.len() && text[i].is_ascii() {
            i += 1;
        }
        if i >= text.len() {
            return None;
        }
        let start = i;
        while i < text.len() && !text[i].is_ascii() {
            i += 1;
        }
        Some((start, i))
    })
}

/// A multi-pattern matcher over bytes.
#[derive(Clone)]
pub(crate) enum Matcher {
    Dfa(Dfa),
    Nfa(contiguous::NFA),
}

impl Matcher {
    /// Builds a matcher for non-empty patterns (pattern id = index).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Matcher, String> {
        Matcher::dense_up_to(patterns, DFA_MAX_BYTES)
    }

    /// The dense DFA if its table fits `max_bytes`, the compact NFA
    /// otherwise.
    pub(crate) fn dense_up_to<P: AsRef<[u8]>>(
        patterns: &[P],
        max_bytes: usize,
    ) -> Result<Matcher, String> {
        match Dfa::new(patterns, max_bytes) {
            Some(d) => Ok(Matcher::Dfa(d)),
            None => Matcher::nfa(patterns),
        }
    }

    /// The crate's contiguous NFA, whatever the size: compact in memory.
    pub(crate) fn nfa<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Matcher, String> {
        contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .map(Matcher::Nfa)
            .map_err(|e| e.to_string())
    }

    /// Calls `f(pattern, start, end)` for every occurrence of every
    /// pattern in `hay`, in order of `end`.
    #[inline]
    pub(crate) fn for_each(&self, hay: &[u8], f: impl FnMut(u32, usize, usize)) {
        match self {
            Matcher::Dfa(d) => d.for_each(hay, f),
            Matcher::Nfa(n) => nfa_for_each(n, hay, f),
        }
    }

    /// Bytes of heap the automaton holds.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    pub(crate) fn memory_usage(&self) -> usize {
        match self {
            Matcher::Dfa(d) => d.memory_usage(),
            Matcher::Nfa(n) => n.memory_usage(),
        }
    }
}

fn nfa_for_each(nfa: &contiguous::NFA, hay: &[u8], mut f: impl FnMut(u32, usize, usize)) {
    let input = Input::new(hay);
    let mut state = OverlappingState::start();
    loop {
        // A contiguous NFA built with standard semantics never fails to
        // search (no prefilter quits, no anchoring).
        if nfa.try_find_overlapping(&input, &mut state).is_err() {
            return;
        }
        match state.get_match() {
            Some(m) => f(m.pattern().as_u32(), m.start(), m.end()),
            None => return,
        }
    }
}

/// A dense Aho-Corasick DFA with byte classes.
///
/// Transitions hold premultiplied row offsets with [`MATCH`] set when the
/// target state ends a pattern, so the search loop is a load, a mask and a
/// test per byte.
#[derive(Clone)]
pub(crate) struct Dfa {
    /// Byte → class.
    classes: [u8; 256],
    stride: usize,
    /// `table[row + class]` is the next row (a state times `stride`), with
    /// [`MATCH`] set if that state ends a pattern.
    table: Vec<u32>,
    /// Per state: the pattern ending there, or `NONE`.
    own: Vec<u32>,
    /// Per state: the nearest state on its failure chain where a pattern
    /// ends (dictionary suffix link), or `NONE`.
    out_link: Vec<u32>,
    /// Pattern lengths, for start offsets.
    lens: Vec<u32>,
}

/// Set in a transition when the target state ends a pattern.
const MATCH: u32 = 1 << 31;
const NONE: u32 = u32::MAX;

impl Dfa {
    /// Builds the DFA, or `None` if its table would exceed `max_bytes`.
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P], max_bytes: usize) -> Option<Dfa> {
        let (classes, stride, total) = byte_classes(patterns);
        // At most one state per pattern byte plus the start state; rows
        // must also stay below the `MATCH` bit.
        let states_bound = (max_bytes / (4 * stride))
            .min(total + 1)
            .min((MATCH as usize - 1) / stride);
        let trie = Trie::build(patterns, &classes, stride, states_bound)?;
        let (table, own, out_link) = trie.complete(stride);
        Some(Dfa {
            classes,
            stride,
            table,
            own,
            out_link,
            lens: patterns.iter().map(|p| p.as_ref().len() as u32).collect(),
        })
    }

    #[inline]
    pub(crate) fn for_each(&self, hay: &[u8], mut f: impl FnMut(u32, usize, usize)) {
        let mut row = 0u32;
        for (i, &b) in hay.iter().enumerate() {
            row = self.table[(row & !MATCH) as usize + self.classes[b as usize] as usize];
            if row & MATCH != 0 {
                self.report((row & !MATCH) as usize / self.stride, i + 1, &mut f);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn report(&self, state: usize, end: usize, f: &mut impl FnMut(u32, usize, usize)) {
        let mut s = state as u32;
        if self.own[state] == NONE {
            s = self.out_link[state];
        }
        while s != NONE {
            let p = self.own[s as usize];
            f(p, end - self.lens[p as usize] as usize, end);
            s = self.out_link[s as usize];
        }
    }

    #[cfg(all(test, not(target_arch = "wasm32")))]
    fn memory_usage(&self) -> usize {
        (self.table.len() + self.own.len() + self.out_link.len() + self.lens.len()) * 4
    }
}

/// Byte classes: each byte used by a pattern gets its own class; all other
/// bytes share class 0, which leads back to the start state from anywhere.
/// Returns the classes, their count (the table's stride) and the total
/// length of the patterns.
fn byte_classes<P: AsRef<[u8]>>(patterns: &[P]) -> ([u8; 256], usize, usize) {
    let mut used = [false; 256];
    let mut total = 0usize;
    for p in patterns {
        for &b in p.as_ref() {
            used[b as usize] = true;
        }
        total += p.as_ref().len();
    }
    let mut classes = [0u8; 256];
    let mut stride = 1usize;
    if used.iter().all(|&u| u) {
        // Every byte occurs in some pattern: no class for the others.
        for (b, c) in classes.iter_mut().enumerate() {
            *c = b as u8;
        }
        stride = 256;
    } else {
        for b in 0..256 {
            if used[b] {
                classes[b] = stride as u8;
                stride += 1;
            }
        }
    }
    (classes, stride, total)
}

/// The trie of the patterns, in the DFA's table: entries are child rows,
/// 0 for "no edge" (no trie edge leads back to the start state, row 0).
/// Children are also kept as lists (first child, next sibling, class) for
/// the breadth-first pass.
struct Trie {
    table: Vec<u32>,
    /// Per state: the pattern ending there, or `NONE`.
    own: Vec<u32>,
    first_child: Vec<u32>,
    sibling: Vec<u32>,
    label: Vec<u8>,
}

impl Trie {
    /// Inserts every pattern, one state per new byte; `None` past
    /// `states_bound` states.
    fn build<P: AsRef<[u8]>>(
        patterns: &[P],
        classes: &[u8; 256],
        stride: usize,
        states_bound: usize,
    ) -> Option<Trie> {
        let mut table: Vec<u32> = Vec::with_capacity(stride * states_bound.min(1 << 16));
        table.resize(stride, 0);
        let mut own: Vec<u32> = vec![NONE];
        let mut first_child: Vec<u32> = vec![NONE];
        let mut sibling: Vec<u32> = vec![NONE];
        let mut label: Vec<u8> = vec![0];
        for (pid, p) in patterns.iter().enumerate() {
            let mut s = 0usize;
            for &b in p.as_ref() {
                let c = classes[b as usize];
                let at = s * stride + c as usize;
                let next = table[at] as usize / stride;
                s = if next != 0 {
                    next
                } else {
                    let n = own.len();
                    if n >= states_bound {
                        return None;
                    }
                    table.resize(table.len() + stride, 0);
                    own.push(NONE);
                    first_child.push(NONE);
                    sibling.push(first_child[s]);
                    label.push(c);
                    first_child[s] = n as u32;
                    table[at] = (n * stride) as u32;
                    n
                };
            }
            own[s] = pid as u32;
        }
        Some(Trie {
            table,
            own,
            first_child,
            sibling,
            label,
        })
    }

    /// Turns the trie into the DFA, breadth first: each state's row is its
    /// failure state's row (which is complete, being shallower) with its
    /// own trie edges on top, transitions marked with [`MATCH`]. Returns
    /// the table, the patterns ending at each state and the dictionary
    /// suffix links.
    fn complete(self, stride: usize) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
        let Trie {
            mut table,
            own,
            first_child,
            sibling,
            label,
        } = self;
        let n = own.len();
        let mut fail = vec![0u32; n];
        let mut out_link = vec![NONE; n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mark = |t: usize, own: &[u32], out_link: &[u32]| -> u32 {
            let flag = if own[t] != NONE || out_link[t] != NONE {
                MATCH
            } else {
                0
            };
            (t * stride) as u32 | flag
        };
        let mut t = first_child[0];
        while t != NONE {
            queue.push(t);
            let ti = t as usize;
            table[label[ti] as usize] = mark(ti, &own, &out_link);
            t = sibling[ti];
        }
        let mut head = 0;
        while head < queue.len() {
            let s = queue[head] as usize;
            head += 1;
            let f = fail[s] as usize;
            table.copy_within(f * stride..(f + 1) * stride, s * stride);
            let mut t = first_child[s];
            while t != NONE {
                let ti = t as usize;
                let c = label[ti] as usize;
                let ft = (table[f * stride + c] & !MATCH) as usize / stride;
                fail[ti] = ft as u32;
                out_link[ti] = if own[ft] != NONE {
                    ft as u32
                } else {
                    out_link[ft]
                };
                table[s * stride + c] = mark(ti, &own, &out_link);
                queue.push(t);
                t = sibling[ti];
            }
        }
        (table, own, out_link)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasick;
    use proptest::prelude::*;

    fn with_dfa<P: AsRef<[u8]>>(patterns: &[P], hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let d = Dfa::new(patterns, DFA_MAX_BYTES).expect("small");
        let mut v = Vec::new();
        d.for_each(hay, |p, s, e| v.push((p, s, e)));
        v.sort_unstable();
        v
    }

    fn with_crate<P: AsRef<[u8]>>(patterns: &[P], hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .unwrap();
        let mut v: Vec<_> = ac
            .find_overlapping_iter(hay)
            .map(|m| (m.pattern().as_u32(), m.start(), m.end()))
            .collect();
        v.sort_unstable();
        v
    }

    fn with_nfa<P: AsRef<[u8]>>(patterns: &[P], hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let n = contiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .build(patterns)
            .unwrap();
        let mut v = Vec::new();
        nfa_for_each(&n, hay, |p, s, e| v.push((p, s, e)));
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_overlapping_and_nested_occurrences() {
        let pats = ["he", "she", "his", "hers", "e"];
        let hay = b"ushers and his shed";
        assert_eq!(with_dfa(&pats, hay), with_crate(&pats, hay));
        let got = with_dfa(&pats, b"she");
        assert_eq!(got, vec![(0, 1, 3), (1, 0, 3), (4, 2, 3)]);
    }

    #[test]
    fn bytes_outside_every_pattern_restart_the_search() {
        let pats = [":rose:", "rose", "fee"];
        let hay = "a \u{1F339}:rose:x fee\u{00E9}fee".as_bytes();
        assert_eq!(with_dfa(&pats, hay), with_crate(&pats, hay));
    }

    #[test]
    fn too_large_tables_are_refused_and_the_nfa_takes_over() {
        let pats: Vec<String> = (0..2000).map(|i| format!("term{i:05}x")).collect();
        assert!(Dfa::new(&pats, 64 << 10).is_none());
        assert!(Dfa::new(&pats, DFA_MAX_BYTES).is_some());
        let m = Matcher::new(&pats).unwrap();
        assert!(matches!(m, Matcher::Dfa(_)));
        assert!(m.memory_usage() > 0);
        let hay = b"see term00042x and term01999x";
        assert_eq!(with_nfa(&pats, hay), with_crate(&pats, hay));
        assert_eq!(with_dfa(&pats, hay), with_crate(&pats, hay));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn dfa_and_nfa_agree_with_the_crate(
            pats in prop::collection::btree_set("[a-d :]{1,5}", 1..40),
            hay in "[a-e :]{0,200}",
        ) {
            let pats: Vec<String> = pats.into_iter().collect();
            let expected = with_crate(&pats, hay.as_bytes());
            prop_assert_eq!(&with_dfa(&pats, hay.as_bytes()), &expected);
            prop_assert_eq!(&with_nfa(&pats, hay.as_bytes()), &expected);
        }

        #[test]
        fn agree_on_arbitrary_bytes(
            pats in prop::collection::btree_set(prop::collection::vec(any::<u8>(), 1..4), 1..20),
            hay in prop::collection::vec(any::<u8>(), 0..300),
        ) {
            let pats: Vec<Vec<u8>> = pats.into_iter().collect();
            prop_assert_eq!(with_dfa(&pats, &hay), with_crate(&pats, &hay));
        }

        /// ASCII patterns with a letter or digit, searched only in
        /// `ascii_windows`, find what a search of the whole text finds,
        /// in text mixing ASCII with Cyrillic and accented letters.
        #[test]
        fn ascii_windows_lose_no_match(
            pats in prop::collection::btree_set("[a-c1 ,]{0,3}[abc1][a-c1 ,]{0,3}", 1..30),
            hay in "[a-c1 ,дж€é]{0,200}",
            gap in 1usize..40,
        ) {
            let pats: Vec<String> = pats.into_iter().collect();
            let d = Dfa::new(&pats, DFA_MAX_BYTES).expect("small");
            let mut found = Vec::new();
            for (lo, hi) in ascii_windows(hay.as_bytes(), gap) {
                d.for_each(&hay.as_bytes()[lo..hi], |p, s, e| found.push((p, s + lo, e + lo)));
            }
            found.sort_unstable();
            prop_assert_eq!(found, with_crate(&pats, hay.as_bytes()));
        }
    }

    #[test]
    fn ascii_windows_skip_other_scripts_and_join_close_stretches() {
        let t = "Работа в Польше, Viber +48 555 0100, зарплата хорошая";
        let w = ascii_windows(t.as_bytes(), 8);
        let got: Vec<&str> = w.iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(got, [", Viber +48 555 0100, "]);
        // Accented words are one stretch.
        let t = "praca w Niemczech, zakwaterowanie łatwe";
        assert_eq!(ascii_windows(t.as_bytes(), 8), [(0, t.len())]);
        // Nothing to search in a text without ASCII letters or digits.
        assert!(ascii_windows("Работа — всё".as_bytes(), 8).is_empty());
    }
}
