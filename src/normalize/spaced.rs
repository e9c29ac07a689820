//! Pass 2, spacing: words written one letter at a time (`p a s s`,
//! `p.a.s.s`, one letter per line, `l - a - d - y`) are joined again; and,
//! for the entity form, number words spelled out letter by letter
//! (`s e v e n t e e n`), which are joined and nothing else.

use super::{is_letter, is_word, numbers, Unit, F_SPACING};

#[inline]
pub(super) fn is_spacing_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\n' | '.' | '-' | '_' | '*' | '+' | '~' | '/' | '|' | '\\' | '·' | '•' | ','
    )
}

/// A chain of single-character words: (first unit, last unit, stride),
/// the words sitting every `stride` units.
type Chain = (usize, usize, usize);

/// Pass 2: re-join words written one letter at a time.
pub(super) fn join_spaced_letters(units: Vec<Unit>) -> Vec<Unit> {
    let chains = chains(&units);
    if chains.iter().all(|c| c.1 == c.0) {
        return units;
    }
    let join = chains_to_join(&units, &chains);
    if !join.iter().any(|&j| j) {
        return units;
    }
    let mut drop = vec![false; units.len()];
    for (k, c) in chains.iter().enumerate() {
        if join[k] {
            for t in (c.0..c.1).step_by(c.2) {
                for d in &mut drop[t + 1..t + c.2] {
                    *d = true;
                }
            }
        }
    }
    remove(units, &drop)
}

/// The chains of `units`, in order. A chain is a maximal sequence of
/// single-character word tokens where consecutive ones are separated by
/// exactly one separator unit, the same one throughout, by one symbol
/// with a space on each side ("l - a - d - i - e - s"), or by one symbol
/// (not a comma) and a space in either order ("p. a. s. s", "p .a .s .s"),
/// the same pair throughout: in "p.a.s.s
/// k.e.p.t" the space between the words ends the first chain (a space and
/// a line break count as the same separator).
fn chains(units: &[Unit]) -> Vec<Chain> {
    let n = units.len();
    let mut chains: Vec<Chain> = Vec::new();
    let mut i = 0;
    // The chain being built.
    let mut open: Option<Chain> = None;
    let same = |a: char, b: char| a == b || a.is_whitespace() && b.is_whitespace();
    // " - " between tokens: the stride-4 separator.
    let spaced_symbol = |at: usize| {
        at + 2 < n
            && units[at].ch.is_whitespace()
            && is_spacing_separator(units[at + 1].ch)
            && !units[at + 1].ch.is_whitespace()
            && units[at + 2].ch.is_whitespace()
    };
    // A symbol next to a space, in either order ("p. a. s. s", "p .a .s"):
    // the stride-3 separator. Not a comma: "vitamins A, B, C" is a list.
    let symbol = |at: usize| {
        let c = units[at].ch;
        is_spacing_separator(c) && !c.is_whitespace() && c != ','
    };
    let dotted = |at: usize| {
        at + 1 < n
            && (symbol(at) && units[at + 1].ch.is_whitespace()
                || units[at].ch.is_whitespace() && symbol(at + 1))
    };
    // A lone character at `at` (a word of one, ending the text or
    // followed by a non-word).
    let lone =
        |at: usize| at < n && is_word(units[at].ch) && (at + 1 >= n || !is_word(units[at + 1].ch));
    // Two more lone characters after `at`, one space apart: the "p" of
    // "e. g. p a s s" starts a chain spaced with spaces, not the end of
    // the dotted one.
    let spaced_run = |at: usize| {
        at + 4 < n
            && units[at + 1].ch.is_whitespace()
            && lone(at + 2)
            && units[at + 3].ch.is_whitespace()
            && lone(at + 4)
    };
    // Between a chain spaced with spaces and one spaced with a symbol, the
    // space is the gap between words: the "h" of "p a s s p o r t h.e.l.d"
    // (or "h. e. l. d", three letters at least: in "t a. C u o t a" a
    // sentence ends) starts the second chain.
    let starts_other = |s: usize, sep: char| {
        sep.is_whitespace()
            && (s + 2 < n
                && is_spacing_separator(units[s + 1].ch)
                && !units[s + 1].ch.is_whitespace()
                && lone(s + 2)
                || s + 6 < n
                    && symbol(s + 1)
                    && units[s + 2].ch.is_whitespace()
                    && lone(s + 3)
                    && units[s + 4].ch == units[s + 1].ch
                    && units[s + 5].ch.is_whitespace()
                    && lone(s + 6))
    };
    while i < n {
        if !is_word(units[i].ch) {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && is_word(units[i].ch) {
            i += 1;
        }
        let single = i - s == 1;
        let extend = match open {
            Some((first, last, stride)) if single => {
                if (stride == 2 || first == last)
                    && s == last + 2
                    && is_spacing_separator(units[last + 1].ch)
                    && (first == last || same(units[first + 1].ch, units[last + 1].ch))
                    && !starts_other(s, units[last + 1].ch)
                {
                    Some((first, s, 2))
                } else if (stride == 3 || first == last)
                    && s == last + 3
                    && dotted(last + 1)
                    && !spaced_run(s)
                    && (first == last
                        || same(units[first + 1].ch, units[last + 1].ch)
                            && same(units[first + 2].ch, units[last + 2].ch))
                {
                    Some((first, s, 3))
                } else if (stride == 4 || first == last)
                    && s == last + 4
                    && spaced_symbol(last + 1)
                    && (first == last || units[first + 2].ch == units[last + 2].ch)
                {
                    Some((first, s, 4))
                } else {
                    None
                }
            }
            _ => None,
        };
        match extend {
            Some(c) => open = Some(c),
            None => {
                if let Some(c) = open.take() {
                    chains.push(c);
                }
                if single {
                    open = Some((s, s, 2));
                }
            }
        }
    }
    if let Some(c) = open {
        chains.push(c);
    }
    chains
}

/// Which chains are joined into words: those of three tokens or more with
/// two letters or more, and a two-letter word between joined chains.
fn chains_to_join(units: &[Unit], chains: &[Chain]) -> Vec<bool> {
    let tokens = |c: &Chain| (c.1 - c.0) / c.2 + 1;
    let letters = |c: &Chain| {
        (c.0..=c.1)
            .step_by(c.2)
            .filter(|&k| is_letter(units[k].ch))
            .count()
    };
    let gap_is_space = |a: usize, b: usize| (a + 1..b).all(|k| units[k].ch.is_whitespace());
    let mut join = vec![false; chains.len()];
    for (k, c) in chains.iter().enumerate() {
        if tokens(c) >= 3 && letters(c) >= 2 {
            join[k] = true;
        }
    }
    // A two-letter word inside a spaced-out phrase ("n e w  i n  t o w n").
    for k in 0..chains.len() {
        let c = &chains[k];
        // Not two letters dotted ("e. g."): an abbreviation.
        if join[k] || tokens(c) != 2 || letters(c) != 2 || c.2 == 3 {
            continue;
        }
        let prev = k > 0 && join[k - 1] && gap_is_space(chains[k - 1].1, c.0);
        let next = k + 1 < chains.len() && join[k + 1] && gap_is_space(c.1, chains[k + 1].0);
        if prev || next {
            join[k] = true;
        }
    }
    join
}

/// Removes the units marked in `drop` (separators inside a joined word),
/// handing their flags to the next unit kept, with `F_SPACING`.
fn remove(units: Vec<Unit>, drop: &[bool]) -> Vec<Unit> {
    let mut out = Vec::with_capacity(units.len());
    let mut pre = 0u16;
    for (k, mut u) in units.into_iter().enumerate() {
        if drop[k] {
            pre |= u.pre | u.flags | F_SPACING;
            continue;
        }
        u.pre |= std::mem::take(&mut pre);
        out.push(u);
    }
    out
}

/// Number words spaced out letter by letter (`s e v e n t e e n`,
/// `f i v e f i v e`), for the entity form: joined where they spell
/// number words, so that the number-word pass turns them into digits.
/// Nothing else is joined: a spaced-out phone number's digits stay apart.
pub(super) fn spaced_number_words(units: Vec<Unit>) -> Vec<Unit> {
    let n = units.len();
    let lone = |k: usize| {
        units[k].ch.is_ascii_lowercase()
            && (k == 0 || !is_word(units[k - 1].ch))
            && (k + 1 >= n || !is_word(units[k + 1].ch))
    };
    // Most texts have no lone letter one separator from another: one
    // quick look first.
    if !(0..n.saturating_sub(2))
        .any(|k| is_spacing_separator(units[k + 1].ch) && lone(k) && lone(k + 2))
    {
        return units;
    }
    let drop = separators_in_number_words(&units);
    if drop.is_empty() {
        return units;
    }
    remove(units, &drop)
}

/// The separators inside number words spelled out letter by letter, to be
/// removed (empty: none). Chains of single letters, one separator apart
/// (the same one), are read from the left: the longest number word of
/// three letters or more starting at each letter is joined, the
/// separators around it kept ("s e v e n t e e n y e a r s" → "seventeen
/// y e a r s").
fn separators_in_number_words(units: &[Unit]) -> Vec<bool> {
    let n = units.len();
    let single = |k: usize| {
        is_letter(units[k].ch)
            && (k == 0 || !is_word(units[k - 1].ch))
            && (k + 1 >= n || !is_word(units[k + 1].ch))
    };
    let mut drop: Vec<bool> = Vec::new();
    let mut numbers_seen = false;
    let mut k = 0;
    while k < n {
        if !single(k) {
            k += 1;
            continue;
        }
        let mut last = k;
        while last + 2 < n
            && is_spacing_separator(units[last + 1].ch)
            && units[last + 1].ch == units[k + 1].ch
            && single(last + 2)
        {
            last += 2;
        }
        let count = (last - k) / 2 + 1;
        let letter = |w: usize| units[k + 2 * w];
        let mut i = 0;
        while count >= 2 && i < count {
            // Two-letter words ("oh", "un") only after a longer one.
            let shortest = if numbers_seen { 2 } else { 3 };
            let longest = (i + shortest..=count.min(i + numbers::MAX_WORD))
                .rev()
                .find(|&e| {
                    let mut word = [0u8; numbers::MAX_WORD];
                    (i..e).all(|w| {
                        let c = letter(w).ch;
                        word[w - i] = c as u8;
                        c.is_ascii_lowercase()
                    }) && numbers::is_exact_number_word(&word[..e - i])
                });
            match longest {
                Some(e) => {
                    drop.resize(n, false);
                    for w in i..e - 1 {
                        drop[k + 2 * w + 1] = true;
                    }
                    numbers_seen = true;
                    i = e;
                }
                None => i += 1,
            }
        }
        k = last + 1;
    }
    drop
}
