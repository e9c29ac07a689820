//! Pass 5: number words to digits (English, Spanish, French, Portuguese).

use super::{Unit, F_NUMBER_WORDS};

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Num {
    /// A digit word (0-9); `weak` ones only count inside a run.
    Digit(u8, bool),
    /// 10-19 spelled as one word; `weak` ones are also ordinary words in
    /// another language ("once", "seize") and only count inside a run.
    Teen(u8, bool),
    /// 20, 30, … 90 (and French "dix", which takes a unit: "dix-sept").
    Tens(u8),
    /// Digits already.
    Digits,
}

/// Number words (English, Spanish, French, Portuguese), sorted by bytes
/// (a test checks) for binary search. Tokens are compared letter for
/// letter: this pass runs before repeated letters collapse.
const WORDS: &[(&[u8], Num)] = &[
    (b"catorce", Num::Teen(14, false)),
    (b"catorze", Num::Teen(14, false)),
    (b"cero", Num::Digit(0, false)),
    (b"cinco", Num::Digit(5, false)),
    (b"cincuenta", Num::Tens(5)),
    (b"cinq", Num::Digit(5, false)),
    (b"cinquante", Num::Tens(5)),
    (b"cuarenta", Num::Tens(4)),
    (b"cuatro", Num::Digit(4, false)),
    (b"deux", Num::Digit(2, false)),
    (b"dez", Num::Teen(10, false)),
    (b"dezanove", Num::Teen(19, false)),
    (b"dezasseis", Num::Teen(16, false)),
    (b"dezassete", Num::Teen(17, false)),
    (b"dezenove", Num::Teen(19, false)),
    (b"dezesseis", Num::Teen(16, false)),
    (b"dezessete", Num::Teen(17, false)),
    (b"dezoito", Num::Teen(18, false)),
    (b"diecinueve", Num::Teen(19, false)),
    (b"dieciocho", Num::Teen(18, false)),
    (b"dieciseis", Num::Teen(16, false)),
    (b"diecisiete", Num::Teen(17, false)),
    (b"diez", Num::Teen(10, false)),
    (b"dix", Num::Tens(1)),
    (b"doce", Num::Teen(12, false)),
    (b"dois", Num::Digit(2, false)),
    (b"dos", Num::Digit(2, true)),
    (b"douze", Num::Teen(12, false)),
    (b"doze", Num::Teen(12, false)),
    (b"duas", Num::Digit(2, false)),
    (b"eight", Num::Digit(8, false)),
    (b"eighteen", Num::Teen(18, false)),
    (b"eighty", Num::Tens(8)),
    (b"eleven", Num::Teen(11, false)),
    (b"fifteen", Num::Teen(15, false)),
    (b"fifty", Num::Tens(5)),
    (b"five", Num::Digit(5, false)),
    (b"forty", Num::Tens(4)),
    (b"four", Num::Digit(4, false)),
    (b"fourteen", Num::Teen(14, false)),
    (b"huit", Num::Digit(8, false)),
    (b"neuf", Num::Digit(9, true)),
    (b"nine", Num::Digit(9, false)),
    (b"nineteen", Num::Teen(19, false)),
    (b"ninety", Num::Tens(9)),
    (b"nove", Num::Digit(9, true)),
    (b"noventa", Num::Tens(9)),
    (b"nueve", Num::Digit(9, false)),
    (b"ochenta", Num::Tens(8)),
    (b"ocho", Num::Digit(8, false)),
    (b"oh", Num::Digit(0, true)),
    (b"oitenta", Num::Tens(8)),
    (b"oito", Num::Digit(8, false)),
    (b"once", Num::Teen(11, true)),
    (b"one", Num::Digit(1, false)),
    (b"onze", Num::Teen(11, false)),
    (b"quarante", Num::Tens(4)),
    (b"quarenta", Num::Tens(4)),
    (b"quatorze", Num::Teen(14, false)),
    (b"quatre", Num::Digit(4, false)),
    (b"quatro", Num::Digit(4, false)),
    (b"quince", Num::Teen(15, false)),
    (b"quinze", Num::Teen(15, false)),
    (b"seis", Num::Digit(6, false)),
    (b"seize", Num::Teen(16, true)),
    (b"sept", Num::Digit(7, true)),
    (b"sesenta", Num::Tens(6)),
    (b"sessenta", Num::Tens(6)),
    (b"sete", Num::Digit(7, true)),
    (b"setenta", Num::Tens(7)),
    (b"seven", Num::Digit(7, false)),
    (b"seventeen", Num::Teen(17, false)),
    (b"seventy", Num::Tens(7)),
    (b"siete", Num::Digit(7, false)),
    (b"six", Num::Digit(6, false)),
    (b"sixteen", Num::Teen(16, false)),
    (b"sixty", Num::Tens(6)),
    (b"soixante", Num::Tens(6)),
    (b"ten", Num::Teen(10, false)),
    (b"thirteen", Num::Teen(13, false)),
    (b"thirty", Num::Tens(3)),
    (b"three", Num::Digit(3, false)),
    (b"trece", Num::Teen(13, false)),
    (b"treinta", Num::Tens(3)),
    (b"treize", Num::Teen(13, false)),
    (b"trente", Num::Tens(3)),
    (b"tres", Num::Digit(3, true)),
    (b"treze", Num::Teen(13, false)),
    (b"trinta", Num::Tens(3)),
    (b"trois", Num::Digit(3, false)),
    (b"twelve", Num::Teen(12, false)),
    (b"twenty", Num::Tens(2)),
    (b"two", Num::Digit(2, false)),
    (b"um", Num::Digit(1, true)),
    (b"uma", Num::Digit(1, true)),
    (b"un", Num::Digit(1, true)),
    (b"uno", Num::Digit(1, true)),
    (b"veinte", Num::Tens(2)),
    (b"vingt", Num::Tens(2)),
    (b"vinte", Num::Tens(2)),
    (b"zero", Num::Digit(0, false)),
];

/// `LENGTHS[a][b]` has bit `n` set when some number word of `n` letters
/// starts with the letters `a`, `b`: nearly every word of prose is
/// rejected here, without a search.
const LENGTHS: [[u16; 26]; 26] = {
    let mut m = [[0u16; 26]; 26];
    let mut i = 0;
    while i < WORDS.len() {
        let w = WORDS[i].0;
        m[(w[0] - b'a') as usize][(w[1] - b'a') as usize] |= 1 << w.len();
        i += 1;
    }
    // "veintiuno" … "veintinueve" (read by `classify` from "veinti").
    m[(b'v' - b'a') as usize][(b'e' - b'a') as usize] |= (1 << 9) | (1 << 10) | (1 << 11);
    m
};

/// A word of at most 16 bytes as one integer, comparing like the bytes.
const fn key(w: &[u8]) -> u128 {
    let mut k = 0u128;
    let mut i = 0;
    while i < 16 {
        k <<= 8;
        if i < w.len() {
            k |= w[i] as u128;
        }
        i += 1;
    }
    k
}

/// [`WORDS`] as integer keys, in the same (sorted) order.
const KEYS: [u128; WORDS.len()] = {
    let mut k = [0u128; WORDS.len()];
    let mut i = 0;
    while i < WORDS.len() {
        k[i] = key(WORDS[i].0);
        i += 1;
    }
    k
};

/// Whether `word` (lowercase ASCII letters) could be a number word: its
/// first two letters and its length occur in the table.
#[inline(always)]
fn maybe(word: &[u8]) -> bool {
    match word {
        [a @ b'a'..=b'z', b @ b'a'..=b'z', ..] if word.len() <= MAX_WORD => {
            LENGTHS[(a - b'a') as usize][(b - b'a') as usize] >> word.len() & 1 != 0
        }
        _ => false,
    }
}

fn lookup(word: &[u8]) -> Option<Num> {
    if !maybe(word) {
        return None;
    }
    let mut k = 0u128;
    for &b in word {
        k = k << 8 | u128::from(b);
    }
    k <<= 8 * (16 - word.len());
    KEYS.binary_search(&k).ok().map(|i| WORDS[i].1)
}

/// Longest entry in [`lookup`] ("veintinueve"), in bytes.
pub(super) const MAX_WORD: usize = 11;

/// Most letters a number word may have stretched ("fiiive",
/// "seveeenteeen") and still be read.
pub(super) const MAX_STRETCHED: usize = 6;

/// Longest stretched word tried.
const MAX_STRETCHED_LEN: usize = 64;

fn classify(token: &[Unit]) -> Option<Num> {
    if token.len() > MAX_WORD && !token[0].ch.is_ascii_digit() {
        return classify_stretched(token);
    }
    if token.iter().all(|u| u.ch.is_ascii_digit()) {
        return Some(Num::Digits);
    }
    if token.len() < 2 {
        return None;
    }
    // Most words of prose fail on their first two letters and length.
    let (a, b) = (token[0].ch, token[1].ch);
    if !a.is_ascii_lowercase()
        || !b.is_ascii_lowercase()
        || LENGTHS[(a as u8 - b'a') as usize][(b as u8 - b'a') as usize] >> token.len() & 1 == 0
    {
        return classify_stretched(token);
    }
    let mut buf = [0u8; MAX_WORD];
    for (b, u) in buf.iter_mut().zip(token) {
        if !u.ch.is_ascii_lowercase() {
            return None;
        }
        *b = u.ch as u8;
    }
    read(&buf[..token.len()]).or_else(|| classify_stretched(token))
}

/// A number word in lowercase ASCII letters, exactly.
fn read(word: &[u8]) -> Option<Num> {
    if let Some(n) = lookup(word) {
        return Some(n);
    }
    // Spanish "veintiuno" … "veintinueve".
    match word.strip_prefix(b"veinti").and_then(lookup) {
        Some(Num::Digit(d, _)) if d > 0 => Some(Num::Teen(20 + d, false)),
        _ => None,
    }
}

/// A number word with letters stretched past two ("fiiive"): each such
/// run read as one letter or two, whichever reading is a number word
/// ("seveeenteeen" → "seventeen", "teeen" → "ten").
#[inline(never)]
fn classify_stretched(token: &[Unit]) -> Option<Num> {
    if token.len() < 3 || token.len() > MAX_STRETCHED_LEN {
        return None;
    }
    // Most words fail on their first two different letters.
    let a = token[0].ch;
    let b = token.iter().map(|u| u.ch).find(|&c| c != a)?;
    if !a.is_ascii_lowercase()
        || !b.is_ascii_lowercase()
        || LENGTHS[(a as u8 - b'a') as usize][(b as u8 - b'a') as usize] == 0
    {
        return None;
    }
    let stretched = token
        .windows(3)
        .any(|w| w[0].ch == w[1].ch && w[1].ch == w[2].ch);
    if !stretched {
        return None;
    }
    let mut buf = [0u8; MAX_STRETCHED_LEN];
    for (b, u) in buf.iter_mut().zip(token) {
        if !u.ch.is_ascii_lowercase() {
            return None;
        }
        *b = u.ch as u8;
    }
    match stretched_reading(&buf[..token.len()], 3) {
        Reading::Number(n) => Some(n),
        _ => None,
    }
}

enum Reading {
    Number(Num),
    None,
    /// Too many stretched runs to try every reading.
    TooMany,
}

/// Reads `word` with each run of at least `min_run` of one letter as one
/// letter or two.
fn stretched_reading(word: &[u8], min_run: usize) -> Reading {
    // Runs as (letter, length).
    let mut runs = [(0u8, 0usize); MAX_STRETCHED_LEN];
    let mut n = 0;
    for &b in word {
        if n > 0 && runs[n - 1].0 == b {
            runs[n - 1].1 += 1;
        } else if n < runs.len() {
            runs[n] = (b, 1);
            n += 1;
        }
    }
    let runs = &runs[..n];
    let long = runs.iter().filter(|r| r.1 >= min_run).count();
    if long == 0 {
        return Reading::None;
    }
    if long > MAX_STRETCHED {
        return Reading::TooMany;
    }
    for choice in 0..1u32 << long {
        let mut cand = [0u8; MAX_WORD];
        let mut len = 0;
        let mut k = 0;
        let mut fits = true;
        for &(b, count) in runs {
            let times = if count >= min_run {
                k += 1;
                1 + (choice >> (k - 1) & 1) as usize
            } else {
                count
            };
            if len + times > MAX_WORD {
                fits = false;
                break;
            }
            cand[len..len + times].fill(b);
            len += times;
        }
        if fits {
            if let Some(num) = read(&cand[..len]) {
                return Reading::Number(num);
            }
        }
    }
    Reading::None
}

/// Whether a word of lowercase ASCII letters, with each letter at most
/// twice in a row, may be a number word that [`classify`] reads: exactly,
/// or with its doubled letters stretched in the text (then `true` also
/// when there are too many to try: the caller only decides whether to
/// look again).
#[inline(always)]
pub(super) fn is_number_word(word: &[u8]) -> bool {
    (maybe(word) && read(word).is_some()) || is_stretched_number_word(word)
}

fn is_stretched_number_word(word: &[u8]) -> bool {
    // Most words fail on their first two different letters ("all",
    // "good", "free"): no number word starts so.
    let (Some(&a), true) = (word.first(), word.len() >= 2) else {
        return false;
    };
    let Some(&b) = word.iter().find(|&&c| c != a) else {
        return false;
    };
    if !a.is_ascii_lowercase()
        || !b.is_ascii_lowercase()
        || LENGTHS[(a - b'a') as usize][(b - b'a') as usize] == 0
    {
        return false;
    }
    word.windows(2).any(|w| w[0] == w[1]) && !matches!(stretched_reading(word, 2), Reading::None)
}

/// Whether lowercase ASCII letters spell a number word exactly.
#[inline]
pub(super) fn is_exact_number_word(word: &[u8]) -> bool {
    maybe(word) && read(word).is_some()
}

fn is_run_separator(c: char) -> bool {
    matches!(c, ' ' | '\n' | '-' | ',' | '.' | '/' | '(' | ')')
}

/// A maximal run of word units that reads as a number: `(start, end, what)`.
pub(super) type NumToken = (usize, usize, Num);

/// Classifies one word token (a maximal run of word units) for
/// [`number_words_with`].
#[inline]
pub(super) fn number_token(units: &[Unit], s: usize, e: usize) -> Option<NumToken> {
    classify(&units[s..e]).map(|n| (s, e, n))
}

/// Whether a token list has any number *word* (not only digits), i.e.
/// whether [`number_words_with`] can change anything.
pub(super) fn has_words(toks: &[NumToken]) -> bool {
    toks.iter().any(|t| t.2 != Num::Digits)
}

pub(super) fn number_words(units: Vec<Unit>) -> Vec<Unit> {
    number_words_reading(units, false)
}

/// [`number_words`] for the entity form, where a number word written in
/// leetspeak ("f1v3", "0n3") is read too: only a whole word that then
/// spells a number, so a `0` anywhere else stays a `0`.
pub(super) fn number_words_and_leet(units: Vec<Unit>) -> Vec<Unit> {
    number_words_reading(units, true)
}

/// A word of letters and digits that, with its digits read as leetspeak,
/// spells a number word.
fn leet_number_token(units: &[Unit], s: usize, e: usize) -> Option<NumToken> {
    let tok = &units[s..e];
    if tok.len() < 2 || tok.len() > MAX_WORD {
        return None;
    }
    // Most words fail on their first two letters (read as leetspeak) and
    // their length, before any other letter is looked at.
    let lower = |c: char| {
        let c = if c.is_ascii_digit() {
            super::leet::leet_letter(c)?
        } else {
            c
        };
        c.is_ascii_lowercase().then(|| c as u8 - b'a')
    };
    let (Some(a), Some(b)) = (lower(tok[0].ch), lower(tok[1].ch)) else {
        return None;
    };
    if LENGTHS[a as usize][b as usize] >> tok.len() & 1 == 0 {
        return None;
    }
    let mut buf = [0u8; MAX_WORD];
    let (mut letters, mut digits) = (false, false);
    for (b, u) in buf.iter_mut().zip(tok) {
        let c = if u.ch.is_ascii_digit() {
            digits = true;
            super::leet::leet_letter(u.ch)?
        } else {
            letters = true;
            u.ch
        };
        if !c.is_ascii_lowercase() {
            return None;
        }
        *b = c as u8;
    }
    if !(letters && digits) {
        return None;
    }
    let word = &buf[..tok.len()];
    (maybe(word))
        .then(|| read(word))
        .flatten()
        .map(|n| (s, e, n))
}

fn number_words_reading(units: Vec<Unit>, leet: bool) -> Vec<Unit> {
    // Number tokens (maximal runs of alphanumeric units that are numbers);
    // other tokens are not kept: a run breaks at them because the units
    // between two number tokens are then not all separators.
    let mut toks: Vec<NumToken> = Vec::new();
    let mut i = 0;
    let n = units.len();
    while i < n {
        if !super::is_word(units[i].ch) {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && super::is_word(units[i].ch) {
            i += 1;
        }
        let tok = number_token(&units, s, i);
        toks.extend(if leet && tok.is_none() {
            leet_number_token(&units, s, i)
        } else {
            tok
        });
    }
    number_words_with(units, &toks)
}

/// The number-words pass, given every number token of `units` in order.
pub(super) fn number_words_with(mut units: Vec<Unit>, toks: &[NumToken]) -> Vec<Unit> {
    if !has_words(toks) {
        return units;
    }
    let (out_digits, drop_sep) = digits_of_runs(&units, toks);
    write_digits(&mut units, toks, &out_digits, &drop_sep);
    units
}

/// What each number token becomes, read in runs of tokens separated by one
/// or two separators (`None`: it stays): a digit word only in a run (a
/// weak one, "un", "oh", "sept", only in a run of three), a teen (a weak
/// one only in a run) or a tens alone too, a tens and a digit together
/// ("twenty one" → "21", "dix sept" → "17"); and the separators between
/// those two, to drop.
fn digits_of_runs(units: &[Unit], toks: &[NumToken]) -> (Vec<Option<String>>, Vec<bool>) {
    let mut out_digits: Vec<Option<String>> = vec![None; toks.len()];
    let mut drop_sep: Vec<bool> = vec![false; units.len()];
    let mut k = 0;
    while k < toks.len() {
        let first = k;
        while k + 1 < toks.len()
            && (toks[k + 1].0 - toks[k].1 <= 2
                && (toks[k].1..toks[k + 1].0).all(|x| is_run_separator(units[x].ch))
                || tens_and_unit(units, toks[k], toks[k + 1]))
        {
            k += 1;
        }
        let last = k;
        k += 1;
        let run_len = last - first + 1;
        let mut t = first;
        while t <= last {
            match toks[t].2 {
                Num::Digits => {}
                Num::Digit(d, weak) => {
                    if run_len >= 2 && (!weak || run_len >= 3) {
                        out_digits[t] = Some(d.to_string());
                    }
                }
                Num::Teen(v, weak) => {
                    if !weak || run_len >= 2 {
                        out_digits[t] = Some(v.to_string());
                    }
                }
                Num::Tens(d) => {
                    // "twenty one" → "21", "dix sept" → "17".
                    if t < last {
                        if let Num::Digit(u, _) = toks[t + 1].2 {
                            if u > 0 {
                                out_digits[t] = Some(d.to_string());
                                out_digits[t + 1] = Some(u.to_string());
                                for d in &mut drop_sep[toks[t].1..toks[t + 1].0] {
                                    *d = true;
                                }
                                t += 2;
                                continue;
                            }
                        }
                    }
                    out_digits[t] = Some(format!("{d}0"));
                }
            }
            t += 1;
        }
    }
    (out_digits, drop_sep)
}

/// Tens, "e" or "y", and a unit: how Portuguese and Spanish write 21 to
/// 99 ("vinte e quatro", "treinta y dos"), read as one number. (French
/// "vingt et un" is not: "et" is a word the streaming walk may cut
/// after.)
fn tens_and_unit(units: &[Unit], a: NumToken, b: NumToken) -> bool {
    matches!((a.2, b.2), (Num::Tens(t), Num::Digit(u, _)) if t >= 2 && u > 0)
        && b.0 == a.1 + 3
        && units[a.1].ch == ' '
        && matches!(units[a.1 + 1].ch, 'e' | 'y')
        && units[a.1 + 2].ch == ' '
}

/// Rewrites `units` in place: each token's digits over its word (digits
/// are never longer than the word they replace), the rest of the word and
/// the dropped separators as tombstones that the collapse pass removes.
fn write_digits(
    units: &mut [Unit],
    toks: &[NumToken],
    out_digits: &[Option<String>],
    drop_sep: &[bool],
) {
    for (k, &(s, e, _)) in toks.iter().enumerate() {
        let Some(digits) = &out_digits[k] else {
            continue;
        };
        // Every number word is longer than its digits; the guard keeps a
        // future table entry from writing past the word.
        if digits.len() > e - s {
            continue;
        }
        let flags = units[s..e]
            .iter()
            .fold(F_NUMBER_WORDS, |f, u| f | u.flags | u.pre);
        let (start, end, lead_pre) = (units[s].start, units[e - 1].end, units[s].pre);
        let mut j = s;
        for ch in digits.chars() {
            units[j] = Unit {
                ch,
                start,
                end,
                flags,
                pre: if j == s { lead_pre } else { 0 },
            };
            j += 1;
        }
        for u in &mut units[j..e] {
            *u = Unit {
                ch: super::TOMBSTONE,
                start,
                end,
                flags: 0,
                pre: 0,
            };
        }
    }
    for (i, drop) in drop_sep.iter().enumerate() {
        if *drop {
            let u = &mut units[i];
            u.ch = super::TOMBSTONE;
            u.pre |= F_NUMBER_WORDS;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_table_is_sorted_for_binary_search() {
        for w in WORDS.windows(2) {
            assert!(w[0].0 < w[1].0, "{:?} before {:?}", w[0].0, w[1].0);
        }
        assert!(WORDS
            .iter()
            .all(|(w, _)| w.len() <= MAX_WORD && w.len() >= 2));
    }

    #[test]
    fn every_word_passes_the_pair_filter() {
        for (w, n) in WORDS {
            assert_eq!(lookup(w), Some(*n), "{:?}", std::str::from_utf8(w));
        }
        assert_eq!(lookup(b"the"), None);
        assert_eq!(lookup(b"xy"), None);
    }
}
