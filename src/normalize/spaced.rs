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

/// A word token: its first unit, the unit after it, and whether it is one
/// letter (a character, or a letter with the vowel signs written on it:
/// Thai "บิ", Devanagari "कि").
#[derive(Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    single: bool,
}

/// A chain of single-letter tokens: the first and last token (indices
/// into the token list), one separator pattern between each two.
type Chain = (usize, usize);

/// A dependent vowel sign the matching form keeps (see `fold` in the
/// xtask that writes the Unicode tables): with the letter it is written
/// on, one letter of a word spelled out letter by letter.
#[inline]
pub(super) fn is_vowel_sign(c: char) -> bool {
    matches!(
        c as u32,
        0x0E31 | 0x0E34..=0x0E3A | 0x093A | 0x093B | 0x093E..=0x094C | 0x094E | 0x094F
            | 0x0955..=0x0957 | 0x0962 | 0x0963
    )
}

/// The word tokens of `units`, in order.
fn tokens(units: &[Unit]) -> impl Iterator<Item = Token> + '_ {
    let n = units.len();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < n && !is_word(units[i].ch) {
            i += 1;
        }
        if i >= n {
            return None;
        }
        let s = i;
        i += 1;
        while i < n && is_word(units[i].ch) {
            i += 1;
        }
        let single = i - s == 1
            || is_letter(units[s].ch) && units[s + 1..i].iter().all(|u| is_vowel_sign(u.ch));
        Some(Token {
            start: s,
            end: i,
            single,
        })
    })
}

/// Pass 2: re-join words written one letter at a time.
pub(super) fn join_spaced_letters(units: Vec<Unit>) -> Vec<Unit> {
    // A chain needs two single-letter tokens in a row: most segments
    // rerun (for leetspeak or a number word) have none, and are left
    // without collecting their tokens.
    let mut last_single = false;
    if !tokens(&units).any(|t| std::mem::replace(&mut last_single, t.single) && t.single) {
        return units;
    }
    let toks: Vec<Token> = tokens(&units).collect();
    let chains = chains(&units, &toks);
    if chains.iter().all(|c| c.1 == c.0) {
        return units;
    }
    let join = chains_to_join(&units, &toks, &chains);
    if !join.iter().any(|&j| j) {
        return units;
    }
    let mut drop = vec![false; units.len()];
    for (k, c) in chains.iter().enumerate() {
        if join[k] {
            for t in c.0..c.1 {
                for d in &mut drop[toks[t].end..toks[t + 1].start] {
                    *d = true;
                }
            }
        }
    }
    remove(units, &drop)
}

/// The chains of `units`, in order. A chain is a maximal sequence of
/// single-letter tokens where consecutive ones are separated by exactly
/// one separator unit, the same one throughout, by one symbol with a
/// space on each side ("l - a - d - i - e - s"), or by one symbol (not a
/// comma) and a space in either order ("p. a. s. s", "p .a .s .s"), the
/// same pair throughout: in "p.a.s.s k.e.p.t" the space between the words
/// ends the first chain (a space and a line break count as the same
/// separator).
fn chains(units: &[Unit], toks: &[Token]) -> Vec<Chain> {
    let same = |a: char, b: char| a == b || a.is_whitespace() && b.is_whitespace();
    let ws = |at: usize| units[at].ch.is_whitespace();
    // A spacing separator that is not whitespace.
    let sym = |at: usize| is_spacing_separator(units[at].ch) && !ws(at);
    // A symbol next to a space: not a comma ("vitamins A, B, C" is a list).
    let dot = |at: usize| sym(at) && units[at].ch != ',';
    // The separator between token `k` and the next: 2 (one unit), 4 (a
    // symbol between spaces), 3 (a symbol and a space, either order), or
    // 0 (none of these, or no next token).
    let gap = |k: usize| -> usize {
        let Some(next) = toks.get(k + 1) else {
            return 0;
        };
        let (a, b) = (toks[k].end, next.start);
        match b - a {
            1 if is_spacing_separator(units[a].ch) => 2,
            3 if ws(a) && sym(a + 1) && ws(a + 2) => 4,
            2 if dot(a) && ws(a + 1) || ws(a) && dot(a + 1) => 3,
            _ => 0,
        }
    };
    // Two gaps of the same kind with the same characters.
    let same_gap = |j: usize, k: usize| {
        let (a, b) = (toks[j].end, toks[k].end);
        let len = toks[j + 1].start - a;
        len == toks[k + 1].start - b && (0..len).all(|x| same(units[a + x].ch, units[b + x].ch))
    };
    let single = |k: usize| toks.get(k).is_some_and(|t| t.single);
    // Between a chain spaced with spaces and one spaced with a symbol, the
    // space is the gap between words: the "h" of "p a s s p o r t h.e.l.d"
    // (or "h. e. l. d", three letters at least: in "t a. C u o t a" a
    // sentence ends) starts the second chain.
    let starts_other = |k: usize| {
        let g = gap(k);
        single(k + 1)
            && (g == 2 && sym(toks[k].end)
                || g == 3 && gap(k + 1) == 3 && same_gap(k, k + 1) && single(k + 2))
    };
    // Two more single letters after token `k`, one space apart: the "p" of
    // "e. g. p a s s" starts a chain spaced with spaces, not the end of
    // the dotted one.
    let spaced_run = |k: usize| {
        gap(k) == 2
            && ws(toks[k].end)
            && single(k + 1)
            && gap(k + 1) == 2
            && ws(toks[k + 1].end)
            && single(k + 2)
    };
    let mut chains: Vec<Chain> = Vec::new();
    // The chain being built.
    let mut open: Option<Chain> = None;
    for k in 0..toks.len() {
        let extend = match open {
            Some((first, last)) if toks[k].single => {
                let g = gap(last);
                let fits = g != 0 && (first == last || gap(first) == g && same_gap(first, last));
                let fits = fits
                    && match g {
                        2 => !(ws(toks[last].end) && starts_other(k)),
                        3 => !spaced_run(k),
                        _ => true,
                    };
                fits.then_some((first, k))
            }
            _ => None,
        };
        match extend {
            Some(c) => open = Some(c),
            None => {
                if let Some(c) = open.take() {
                    chains.push(c);
                }
                if toks[k].single {
                    open = Some((k, k));
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
fn chains_to_join(units: &[Unit], toks: &[Token], chains: &[Chain]) -> Vec<bool> {
    let tokens = |c: &Chain| c.1 - c.0 + 1;
    let letters = |c: &Chain| {
        (c.0..=c.1)
            .filter(|&k| is_letter(units[toks[k].start].ch))
            .count()
    };
    let gap_is_space =
        |a: usize, b: usize| (toks[a].end..toks[b].start).all(|k| units[k].ch.is_whitespace());
    // Dotted: a symbol next to a space.
    let dotted = |c: &Chain| toks[c.0 + 1].start - toks[c.0].end == 2;
    // Letters written bare, with no vowel sign: Hindi's short words are
    // one letter with a sign each ("है कि वो", "जो भी हो") and stay apart
    // unless a third of the run, at least, is bare letters ("बा ह र").
    let bare = |c: &Chain| {
        (c.0..=c.1)
            .filter(|&k| toks[k].end - toks[k].start == 1)
            .count()
    };
    let mut join = vec![false; chains.len()];
    for (k, c) in chains.iter().enumerate() {
        if tokens(c) >= 3 && letters(c) >= 2 && 3 * bare(c) >= tokens(c) {
            join[k] = true;
        }
    }
    // A number of two to four digits spelled out inside a spaced-out
    // phrase ("a g e d  1 6", "5 0 0  e u r o"): one number, as the words
    // around it are words. Digits alone stay apart ("2 4 1 deals", a
    // spaced phone number).
    let number = |c: &Chain| {
        (2..=4).contains(&tokens(c))
            && (c.0..=c.1).all(|k| units[toks[k].start].ch.is_ascii_digit())
    };
    // A two-letter word inside a spaced-out phrase ("n e w  i n  t o w n"),
    // not two dotted letters ("e. g."): an abbreviation. Read forwards,
    // then backwards: "5 0 0  d e  e u r o" joins "d e" on the way out
    // and the number on the way back.
    for k in (0..chains.len()).chain((0..chains.len()).rev()) {
        let c = &chains[k];
        if join[k] || !(tokens(c) == 2 && letters(c) == 2 || number(c)) || dotted(c) {
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
