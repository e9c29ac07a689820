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

/// A multi-pattern matcher over bytes.
#[derive(Clone)]
pub(crate) enum Matcher {
    Dfa(Dfa),
    Nfa(contiguous::NFA),
}

impl Matcher {
    /// Builds a matcher for non-empty patterns (pattern id = index).
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Matcher, String> {
        match Dfa::new(patterns, DFA_MAX_BYTES) {
            Some(d) => Ok(Matcher::Dfa(d)),
            None => contiguous::Builder::new()
                .match_kind(MatchKind::Standard)
                .build(patterns)
                .map(Matcher::Nfa)
                .map_err(|e| e.to_string()),
        }
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
    #[cfg(test)]
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
/// States are numbered so that every state with an output comes after
/// every state without one, and transitions hold premultiplied row
/// offsets, so the search loop is a load, a compare and rarely a call.
#[derive(Clone)]
pub(crate) struct Dfa {
    /// Byte → class.
    classes: [u8; 256],
    stride: usize,
    /// `table[row + class]` is the next row (a state times `stride`).
    table: Vec<u32>,
    /// Rows from here on have outputs.
    first_match: u32,
    /// Per matching state (row / stride − first matching state): the range
    /// of `outputs` holding its patterns, own and inherited.
    out_ranges: Vec<(u32, u32)>,
    outputs: Vec<u32>,
    /// Pattern lengths, for start offsets.
    lens: Vec<u32>,
}

impl Dfa {
    /// Builds the DFA, or `None` if its table would exceed `max_bytes`.
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P], max_bytes: usize) -> Option<Dfa> {
        // Byte classes: each byte used by a pattern gets its own class; all
        // other bytes share class 0, which leads back to the start state
        // from anywhere.
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
        // At most one state per pattern byte plus the start state.
        let states_bound = (max_bytes / (4 * stride)).min(total + 1);
        // Trie, with state 0 the start state and 0 also meaning "no edge"
        // (no trie edge leads back to the start).
        let mut table: Vec<u32> = vec![0; stride];
        let mut own: Vec<Vec<u32>> = vec![Vec::new()];
        for (pid, p) in patterns.iter().enumerate() {
            let mut s = 0usize;
            for &b in p.as_ref() {
                let at = s * stride + classes[b as usize] as usize;
                let next = table[at] as usize;
                s = if next != 0 {
                    next
                } else {
                    let n = own.len();
                    if n >= states_bound {
                        return None;
                    }
                    table.extend(std::iter::repeat_n(0, stride));
                    own.push(Vec::new());
                    table[at] = n as u32;
                    n
                };
            }
            own[s].push(pid as u32);
        }
        let n = own.len();
        // Breadth first: failure links, completed rows, inherited outputs.
        let mut fail = vec![0u32; n];
        let mut order = Vec::with_capacity(n);
        order.push(0u32);
        for c in 0..stride {
            let t = table[c];
            if t != 0 {
                order.push(t);
            }
        }
        let mut head = 1;
        while head < order.len() {
            let s = order[head] as usize;
            head += 1;
            let f = fail[s] as usize;
            for c in 0..stride {
                let t = table[s * stride + c];
                if t != 0 {
                    // A trie edge: its failure is where the failure of `s`
                    // goes on the same byte (that row is complete: it is
                    // shallower).
                    fail[t as usize] = if s == 0 { 0 } else { table[f * stride + c] };
                    order.push(t);
                } else {
                    table[s * stride + c] = table[f * stride + c];
                }
            }
        }
        // Outputs: a state's own patterns, then its failure state's
        // (complete, being shallower).
        let mut all: Vec<Vec<u32>> = vec![Vec::new(); n];
        for &s in &order {
            let s = s as usize;
            let mut v = std::mem::take(&mut own[s]);
            if s != 0 {
                v.extend_from_slice(&all[fail[s] as usize]);
            }
            all[s] = v;
        }
        // Renumber: states without outputs first.
        let mut new_id = vec![0u32; n];
        let mut next = 0u32;
        for pass in [false, true] {
            for s in 0..n {
                if all[s].is_empty() != pass {
                    new_id[s] = next;
                    next += 1;
                }
            }
        }
        let first_match = (0..n).filter(|&s| all[s].is_empty()).count() as u32;
        let mut dense = vec![0u32; n * stride];
        for s in 0..n {
            let row = new_id[s] as usize * stride;
            for c in 0..stride {
                dense[row + c] = new_id[table[s * stride + c] as usize] * stride as u32;
            }
        }
        let mut out_ranges = vec![(0u32, 0u32); n - first_match as usize];
        let mut outputs = Vec::new();
        for s in 0..n {
            if !all[s].is_empty() {
                let start = outputs.len() as u32;
                outputs.extend_from_slice(&all[s]);
                out_ranges[(new_id[s] - first_match) as usize] = (start, outputs.len() as u32);
            }
        }
        // The start state must be row 0 for the search to begin there.
        if new_id[0] != 0 {
            // Only when the empty pattern is given, which callers never do.
            return None;
        }
        Some(Dfa {
            classes,
            stride,
            table: dense,
            first_match: first_match * stride as u32,
            out_ranges,
            outputs,
            lens: patterns.iter().map(|p| p.as_ref().len() as u32).collect(),
        })
    }

    #[inline]
    pub(crate) fn for_each(&self, hay: &[u8], mut f: impl FnMut(u32, usize, usize)) {
        let mut row = 0u32;
        for (i, &b) in hay.iter().enumerate() {
            row = self.table[row as usize + self.classes[b as usize] as usize];
            if row >= self.first_match {
                self.report(row, i + 1, &mut f);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn report(&self, row: u32, end: usize, f: &mut impl FnMut(u32, usize, usize)) {
        let m = ((row - self.first_match) as usize) / self.stride;
        let (a, b) = self.out_ranges[m];
        for &p in &self.outputs[a as usize..b as usize] {
            f(p, end - self.lens[p as usize] as usize, end);
        }
    }

    #[cfg(test)]
    fn memory_usage(&self) -> usize {
        self.table.len() * 4 + self.outputs.len() * 4 + self.out_ranges.len() * 8
    }
}

#[cfg(test)]
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
    }
}
