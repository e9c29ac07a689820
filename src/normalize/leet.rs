//! Pass 3, leetspeak: one character for one character (`p4ssp0rt` →
//! `passport`), only inside words that contain letters and never in plain
//! numbers or units (`$500`, `24/7`, `18yo`, `mp3`); in a word with
//! Cyrillic letters `!` reads as `и` and `6` as `б`.

use super::{is_letter, is_word, Unit, F_LEET};

/// The Cyrillic letters (and their supplement), which the folding table
/// keeps in their script unless they look Latin.
#[inline]
fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{400}'..='\u{52F}')
}

/// The letter a leetspeak character stands for in a word with Cyrillic
/// letters: as in Latin words (`0` о, `@` and `4` а, `3` е, `1` і, all of
/// which fold to their Latin look-alikes), except `!` и and `6` б, which
/// look like those letters. (`4` for ч, as in "4то", is left to the Latin
/// reading: `п4спорт` is the commoner disguise.)
#[inline]
fn leet_letter_in(c: char, cyrillic: bool) -> Option<char> {
    if cyrillic {
        match c {
            '!' => return Some('и'),
            '6' => return Some('б'),
            _ => {}
        }
    }
    leet_letter(c)
}

#[inline]
pub(super) fn leet_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        '|' => 'l',
        _ => return None,
    })
}

/// Tokens of a text that show leetspeak (see [`shows_leet`]) from which on
/// the whole text is read as written in leetspeak: then digits at one edge
/// of a word are letters too ("0ld", "th3", "1n", "4514n"), which alone
/// would be a number or a unit.
pub(crate) const LEET_THROUGHOUT: u32 = 2;

/// At least one word in this many (of two letters or more) must also show
/// leetspeak for the text to read as written in it throughout: a short ad
/// with two such words is written in leetspeak,
/// a page of honest text quoting two product codes is not. Without the
/// share, every long field met two such tokens somewhere and was read a
/// second time whole, so the cost per byte (and the memory, which a wasm
/// instance never returns) grew with the field's length.
pub(crate) const LEET_SHARE: u32 = 50;

/// Whether a text with `leet` tokens showing leetspeak among `words`
/// tokens of two letters or more is written in leetspeak throughout.
#[inline]
pub(crate) fn throughout(leet: u32, words: u32) -> bool {
    leet >= LEET_THROUGHOUT && leet.saturating_mul(LEET_SHARE) >= words
}

#[inline]
fn in_token(c: char) -> bool {
    is_word(c) || leet_letter(c).is_some()
}

/// The tokens of pass 1's output that show leetspeak, and those of two
/// letters or more. The streaming normaliser counts the same in its single
/// walk.
#[cfg(any(test, fuzzing))]
pub(super) fn leet_tokens(units: &[Unit]) -> (u32, u32) {
    let mut leet = 0;
    let mut words = 0;
    for tok in units.split(|u| !in_token(u.ch)) {
        leet += u32::from(shows_leet(tok));
        words += u32::from(tok.iter().filter(|u| is_letter(u.ch)).count() >= 2);
    }
    (leet, words)
}

/// Whether a token has two letters or more and, between two of its
/// letters, a run of digits that all read as letters ("p4ss", "h0st355";
/// not "h264", "b2b").
#[cfg(any(test, fuzzing))]
fn shows_leet(tok: &[Unit]) -> bool {
    if tok.iter().filter(|u| is_letter(u.ch)).count() < 2 {
        return false;
    }
    let mut seen_letter = false;
    let mut run_ok = false;
    let mut in_run = false;
    for u in tok {
        if is_letter(u.ch) {
            if in_run && run_ok {
                return true;
            }
            seen_letter = true;
            in_run = false;
        } else if seen_letter {
            let readable = u.ch.is_ascii_digit() && leet_letter(u.ch).is_some();
            run_ok = if in_run { run_ok && readable } else { readable };
            in_run = true;
        }
    }
    false
}

/// Pass 3: leetspeak inside words that contain letters; with
/// `throughout`, the text is known to be written in leetspeak.
pub(super) fn leet(units: &mut [Unit], throughout: bool, text: &str) {
    // Leetspeak is written in scripts with spaces between words: in a run
    // of Han, kana or Thai, a digit is a digit ("招17岁女孩" holds an age,
    // not the letters "it"), so those letters end a token here.
    let in_leet_token = |c: char| in_token(c) && !crate::normalize::table::is_unspaced(c);
    let n = units.len();
    let mut i = 0;
    while i < n {
        if !in_leet_token(units[i].ch) {
            i += 1;
            continue;
        }
        let start = i;
        let mut plain = true;
        while i < n && in_leet_token(units[i].ch) {
            plain &= is_letter(units[i].ch);
            i += 1;
        }
        if !plain {
            let domain = units_after_is_domain(units, i);
            let cyrillic = units[start..i].iter().any(|u| is_cyrillic(u.ch));
            let sentence_goes_on =
                units[i - 1].ch == '!' && lowercase_word_follows(text, units[i - 1].end as usize);
            let after = After {
                domain,
                sentence_goes_on,
            };
            leet_token(&mut units[start..i], after, throughout, cyrillic);
        }
    }
}

/// What follows a token, as far as its last characters' reading goes.
#[derive(Clone, Copy)]
struct After {
    /// `.x`: the token is the local part or domain of an address, where
    /// `@` is not a letter.
    domain: bool,
    /// The token ends in `!` and, in the original text, a space and a
    /// lowercase letter come next: the `!` ends no sentence.
    sentence_goes_on: bool,
}

/// Whether, at byte `at` of the original `text`, one or more spaces and
/// then a lowercase letter follow ("h!nd! n@": the sentence goes on; not
/// "wanted! Call", "now!" at the end).
fn lowercase_word_follows(text: &str, at: usize) -> bool {
    let Some(rest) = text.get(at..) else {
        return false;
    };
    let word = rest.trim_start_matches(' ');
    word.len() < rest.len() && word.chars().next().is_some_and(char::is_lowercase)
}

/// Whether the token is followed by `.x`, i.e. is the local part or domain
/// of an address, where `@` is not a letter.
fn units_after_is_domain(units: &[Unit], end: usize) -> bool {
    end + 1 < units.len()
        && units[end].ch == '.'
        && crate::normalize::table::is_alnum(units[end + 1].ch)
}

/// Pass 3 for one token with a character other than a letter: reads its
/// leetspeak characters as letters where the token shows it is written in
/// leetspeak. Returns whether any character changed. `cyrillic`: the word
/// has Cyrillic letters (see [`leet_letter_in`]).
fn leet_token(tok: &mut [Unit], after: After, throughout: bool, cyrillic: bool) -> bool {
    let letters = tok.iter().filter(|u| is_letter(u.ch)).count();
    if letters == 1 && !throughout {
        // One letter leading digits that all read as letters: "f33"
        // (fee), "w3" (we). Units and amounts, where the letter comes last
        // ("10k", "24h", "5ft"), stay.
        let rest = &tok[1..];
        if is_letter(tok[0].ch)
            && !rest.is_empty()
            && rest
                .iter()
                .all(|u| u.ch.is_ascii_digit() && leet_letter_in(u.ch, cyrillic).is_some())
        {
            return read_as_letters(&mut tok[1..], cyrillic);
        }
        return false;
    }
    if letters == 0 {
        return false;
    }
    let mut changed = false;
    for (i, j) in runs_to_read(tok, after, throughout, cyrillic) {
        changed |= read_as_letters(&mut tok[i..j], cyrillic);
    }
    changed
}

/// The runs of a token with two letters or more that read as letters,
/// as `[i, j)`.
///
/// Candidates are the maximal runs of non-letters whose every character
/// has a leet reading ("24hrs" and "covid19" have none that qualify). A
/// run inside the word ("p4ss", "h0st"), or runs at both its edges
/// ("7ur1574"), show the token is written in leetspeak, and all its runs
/// are then read as letters ("h0st355"), as in every word of a text
/// written in leetspeak `throughout`. Otherwise digits at one edge only
/// stay digits: "mp3", "ps5", "3rd", "4wd".
fn runs_to_read(
    view: &[Unit],
    after: After,
    throughout: bool,
    cyrillic: bool,
) -> Vec<(usize, usize)> {
    let domain_follows = after.domain;
    let read = |c: char| leet_letter_in(c, cyrillic);
    let n = view.len();
    let runs = || {
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < n {
                if is_letter(view[i].ch) {
                    i += 1;
                    continue;
                }
                let mut j = i;
                while j < n && !is_letter(view[j].ch) {
                    j += 1;
                }
                let run = (i, j);
                i = j;
                if view[run.0..run.1].iter().all(|u| read(u.ch).is_some()) {
                    return Some(run);
                }
            }
            None
        })
    };
    let interior = |(i, j): (usize, usize)| {
        i > 0 && j < n && !(domain_follows && view[i..j].iter().any(|u| u.ch == '@'))
    };
    let written_leet = throughout
        || runs().any(interior)
        || runs().any(|(i, _)| i == 0) && runs().any(|(_, j)| j == n);
    runs()
        .filter_map(|(i, j)| {
            let run = &view[i..j];
            let before = i > 0; // a letter precedes (runs are maximal)
            let all_digits = run.iter().all(|u| u.ch.is_ascii_digit());
            let has_at = run.iter().any(|u| u.ch == '@');
            let side_letters = |r: &[Unit]| r.iter().filter(|u| is_letter(u.ch)).count();
            // The part of the run read as letters: all of it, a prefix, or
            // none.
            let whole = Some((i, j));
            if has_at && domain_follows {
                None
            } else if interior((i, j)) {
                // Interior: "p4ss", "s3x", "f!lth", "p@ss".
                whole
            } else if all_digits {
                // At an edge: any digits in a word written in leetspeak,
                // else a single digit next to a real word ("3scort",
                // "fre3"), never "18yo", "24hrs" or "mp3".
                let beside = if before { &view[..i] } else { &view[j..] };
                whole.filter(|_| written_leet || run.len() == 1 && side_letters(beside) >= 3)
            } else if before && run.iter().all(|u| u.ch == '@' || cyrillic && u.ch == '!') {
                // A trailing "@" for a ("p4st@", "р@б0т@"), or in a
                // Cyrillic word "!" for и ("д3вушк!"), in a word that shows
                // leetspeak inside; never in "дякую!" or "user@".
                whole.filter(|_| runs().any(interior))
            } else if before
                && j == n
                && run.len() == 1
                && run[0].ch == '!'
                && after.sentence_goes_on
                && runs().any(|r| interior(r) && view[r.0..r.1].iter().any(|u| u.ch == '!'))
            {
                // A trailing "!" in a word that uses "!" for i inside, in a
                // sentence that goes on: Tagalog jejemon "h!nd! na" (hindi
                // na), not "f!lth!" at a sentence's end.
                whole
            } else if before && j == n && runs().any(interior) {
                // A trailing mix of digits and symbols in a word that shows
                // leetspeak inside ("m3n0r3$"): letters, as in the rest of
                // the word, up to a "!" that ends it ("p4ss3!").
                let end = i + run.iter().take_while(|u| u.ch != '!').count();
                (end > i).then_some((i, end))
            } else {
                // Trailing "$" ("bo$$"); never a leading "$5" or a trailing "!".
                whole.filter(|_| before && run.iter().all(|u| u.ch == '$'))
            }
        })
        .collect()
}

/// Reads every character of `units` that has a leetspeak reading as the
/// letter it stands for, flagged `F_LEET`; whether any changed.
#[inline]
fn read_as_letters(units: &mut [Unit], cyrillic: bool) -> bool {
    let mut changed = false;
    for u in units {
        if let Some(l) = leet_letter_in(u.ch, cyrillic) {
            u.ch = l;
            u.flags |= F_LEET;
            changed = true;
        }
    }
    changed
}
