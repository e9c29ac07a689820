//! Finding every occurrence of every term in the matching form.
//!
//! Two automata, one interface:
//!
//! - **A dense Aho-Corasick DFA**, for packs whose table fits in
//!   [`DFA_MAX_BYTES`] and [`DFA_MAX_STATES`] (the built-in packs' terms
//!   searched in every text take about 7 MB, their 64,000 states two
//!   bytes per transition). Building it is one trie insertion per term
//!   byte and one row copy per state, in breadth-first order, which is
//!   what start-up in a cold wasm instance can afford; searching is one
//!   table lookup per byte of text.
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

/// Largest dense table built (states × byte classes × 2 bytes, and at
/// most [`DFA_MAX_STATES`] states); larger packs use the crate's
/// contiguous NFA, or are halved (see `compile::automata`).
pub(crate) const DFA_MAX_BYTES: usize = 8 << 20;

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
/// Transitions are 16-bit state numbers, half the memory of 32-bit row
/// offsets (a wasm instance never gives memory back, and the built-in
/// packs' tables were most of what an engine holds). States where a
/// pattern ends (there or along the suffix chain) are numbered last, so
/// the search loop is a multiply-add, a load and one comparison per byte.
#[derive(Clone)]
pub(crate) struct Dfa {
    /// Byte → class.
    classes: [u8; 256],
    stride: usize,
    /// `table[state * stride + class]` is the next state.
    table: Vec<u16>,
    /// The first state where a pattern ends: every state from it on does,
    /// none before it.
    first_match: u32,
    /// Per state: the pattern ending there, or `NONE`.
    own: Vec<u32>,
    /// Per state: the nearest state on its failure chain where a pattern
    /// ends (dictionary suffix link), or `NONE`.
    out_link: Vec<u32>,
    /// Pattern lengths, for start offsets.
    lens: Vec<u32>,
}

/// The most states a [`Dfa`] has: its transitions are `u16`. A larger
/// pattern set is halved by the caller, or searched with the NFA.
pub(crate) const DFA_MAX_STATES: usize = 1 << 16;
const NONE: u32 = u32::MAX;

impl Dfa {
    /// Builds the DFA, or `None` if its table would exceed `max_bytes`, it
    /// would have more than [`DFA_MAX_STATES`] states, or a pattern is
    /// empty (the start state would end a pattern).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P], max_bytes: usize) -> Option<Dfa> {
        if patterns.iter().any(|p| p.as_ref().is_empty()) {
            return None;
        }
        let (classes, stride, total) = byte_classes(patterns);
        // At most one state per pattern byte plus the start state.
        let states_bound = (max_bytes / (2 * stride))
            .min(total + 1)
            .min(DFA_MAX_STATES);
        let trie = Trie::build(patterns, &classes, states_bound)?;
        let (table, first_match, own, out_link) = trie.complete(stride);
        Some(Dfa {
            classes,
            stride,
            table,
            first_match,
            own,
            out_link,
            lens: patterns.iter().map(|p| p.as_ref().len() as u32).collect(),
        })
    }

    #[inline]
    pub(crate) fn for_each(&self, hay: &[u8], mut f: impl FnMut(u32, usize, usize)) {
        let mut state = 0u32;
        for (i, &b) in hay.iter().enumerate() {
            let at = state as usize * self.stride + self.classes[b as usize] as usize;
            state = u32::from(self.table[at]);
            if state >= self.first_match {
                self.report(state as usize, i + 1, &mut f);
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
        self.table.len() * 2 + (self.own.len() + self.out_link.len() + self.lens.len()) * 4
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

/// The trie of the patterns, as lists: each state's first child, next
/// sibling and class, with the start state's children also by class. The
/// dense table is written only once the states are numbered for it (see
/// [`Trie::complete`]), so building never holds two tables.
struct Trie {
    /// Per state: the pattern ending there, or `NONE`.
    own: Vec<u32>,
    first_child: Vec<u32>,
    sibling: Vec<u32>,
    label: Vec<u8>,
    /// The start state's child for each class, or `NONE`.
    root: Box<[u32; 256]>,
}

impl Trie {
    /// Inserts every pattern, one state per new byte; `None` past
    /// `states_bound` states (at most [`DFA_MAX_STATES`]).
    fn build<P: AsRef<[u8]>>(
        patterns: &[P],
        classes: &[u8; 256],
        states_bound: usize,
    ) -> Option<Trie> {
        debug_assert!(states_bound <= DFA_MAX_STATES);
        let mut t = Trie {
            own: vec![NONE],
            first_child: vec![NONE],
            sibling: vec![NONE],
            label: vec![0],
            root: Box::new([NONE; 256]),
        };
        for (pid, p) in patterns.iter().enumerate() {
            let mut s = 0usize;
            for &b in p.as_ref() {
                let c = classes[b as usize];
                let next = t.child(s, c);
                s = if next != NONE {
                    next as usize
                } else {
                    let n = t.own.len();
                    if n >= states_bound {
                        return None;
                    }
                    t.own.push(NONE);
                    t.first_child.push(NONE);
                    t.sibling.push(t.first_child[s]);
                    t.label.push(c);
                    t.first_child[s] = n as u32;
                    if s == 0 {
                        t.root[c as usize] = n as u32;
                    }
                    n
                };
            }
            t.own[s] = pid as u32;
        }
        Some(t)
    }

    /// The child of state `s` on class `c`, or `NONE`.
    #[inline]
    fn child(&self, s: usize, c: u8) -> u32 {
        if s == 0 {
            return self.root[c as usize];
        }
        let mut t = self.first_child[s];
        while t != NONE && self.label[t as usize] != c {
            t = self.sibling[t as usize];
        }
        t
    }

    /// Turns the trie into the DFA. Breadth first, each state's failure
    /// state and dictionary suffix link are found along the trie's
    /// failure chain; the states where a pattern ends (there or along the
    /// suffix chain) are then numbered after all the others, keeping each
    /// kind's order (the start state, where nothing ends, stays 0); and
    /// the table is written in that numbering, breadth first again: each
    /// state's row is its failure state's row (complete, being shallower)
    /// with its own trie edges on top. Returns the table, the first state
    /// where a pattern ends, and the patterns and suffix links of each
    /// state, all in the new numbering.
    fn complete(self, stride: usize) -> (Vec<u16>, u32, Vec<u32>, Vec<u32>) {
        let n = self.own.len();
        let mut fail = vec![0u32; n];
        let mut out_link = vec![NONE; n];
        let mut queue: Vec<u32> = Vec::with_capacity(n);
        let mut t = self.first_child[0];
        while t != NONE {
            queue.push(t);
            t = self.sibling[t as usize];
        }
        let mut head = 0;
        while head < queue.len() {
            let s = queue[head] as usize;
            head += 1;
            let mut t = self.first_child[s];
            while t != NONE {
                let ti = t as usize;
                let c = self.label[ti];
                let mut f = fail[s] as usize;
                let ft = loop {
                    let x = self.child(f, c);
                    if x != NONE || f == 0 {
                        break if x == NONE { 0 } else { x as usize };
                    }
                    f = fail[f] as usize;
                };
                fail[ti] = ft as u32;
                out_link[ti] = if self.own[ft] != NONE {
                    ft as u32
                } else {
                    out_link[ft]
                };
                queue.push(t);
                t = self.sibling[ti];
            }
        }
        // Numbers: the states where nothing ends first.
        let ends = |s: usize| self.own[s] != NONE || out_link[s] != NONE;
        let first_match = (0..n).filter(|&s| !ends(s)).count();
        let mut to = vec![0u16; n];
        let (mut plain, mut matching) = (0usize, first_match);
        for (s, num) in to.iter_mut().enumerate() {
            let next = if ends(s) { &mut matching } else { &mut plain };
            *num = *next as u16;
            *next += 1;
        }
        let row = |s: usize| usize::from(to[s]) * stride;
        let mut table = vec![0u16; n * stride];
        let mut t = self.first_child[0];
        while t != NONE {
            table[self.label[t as usize] as usize] = to[t as usize];
            t = self.sibling[t as usize];
        }
        for &s in &queue {
            let s = s as usize;
            let (r, f) = (row(s), row(fail[s] as usize));
            table.copy_within(f..f + stride, r);
            let mut t = self.first_child[s];
            while t != NONE {
                table[r + self.label[t as usize] as usize] = to[t as usize];
                t = self.sibling[t as usize];
            }
        }
        let mut own = vec![NONE; n];
        let mut links = vec![NONE; n];
        for s in 0..n {
            let d = usize::from(to[s]);
            own[d] = self.own[s];
            links[d] = match out_link[s] {
                NONE => NONE,
                l => u32::from(to[l as usize]),
            };
        }
        (table, first_match as u32, own, links)
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
