//! Pass 5: number words to digits (English, Spanish, French, Portuguese).

use super::{Unit, F_NUMBER_WORDS};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Num {
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

/// Number words (English, Spanish, French, Portuguese). Tokens are compared
/// letter for letter: this pass runs before repeated letters collapse.
fn lookup(word: &[u8]) -> Option<Num> {
    Some(match word {
        // English
        b"zero" => Num::Digit(0, false),
        b"oh" => Num::Digit(0, true),
        b"one" => Num::Digit(1, false),
        b"two" => Num::Digit(2, false),
        b"three" => Num::Digit(3, false),
        b"four" => Num::Digit(4, false),
        b"five" => Num::Digit(5, false),
        b"six" => Num::Digit(6, false),
        b"seven" => Num::Digit(7, false),
        b"eight" => Num::Digit(8, false),
        b"nine" => Num::Digit(9, false),
        b"ten" => Num::Teen(10, false),
        b"eleven" => Num::Teen(11, false),
        b"twelve" => Num::Teen(12, false),
        b"thirteen" => Num::Teen(13, false),
        b"fourteen" => Num::Teen(14, false),
        b"fifteen" => Num::Teen(15, false),
        b"sixteen" => Num::Teen(16, false),
        b"seventeen" => Num::Teen(17, false),
        b"eighteen" => Num::Teen(18, false),
        b"nineteen" => Num::Teen(19, false),
        b"twenty" => Num::Tens(2),
        b"thirty" => Num::Tens(3),
        b"forty" => Num::Tens(4),
        b"fifty" => Num::Tens(5),
        b"sixty" => Num::Tens(6),
        b"seventy" => Num::Tens(7),
        b"eighty" => Num::Tens(8),
        b"ninety" => Num::Tens(9),
        // Spanish
        b"cero" => Num::Digit(0, false),
        b"uno" => Num::Digit(1, true),
        b"dos" => Num::Digit(2, true),
        b"tres" => Num::Digit(3, true),
        b"cuatro" => Num::Digit(4, false),
        b"cinco" => Num::Digit(5, false),
        b"seis" => Num::Digit(6, false),
        b"siete" => Num::Digit(7, false),
        b"ocho" => Num::Digit(8, false),
        b"nueve" => Num::Digit(9, false),
        b"diez" => Num::Teen(10, false),
        b"once" => Num::Teen(11, true),
        b"doce" => Num::Teen(12, false),
        b"trece" => Num::Teen(13, false),
        b"catorce" => Num::Teen(14, false),
        b"quince" => Num::Teen(15, false),
        b"dieciseis" => Num::Teen(16, false),
        b"diecisiete" => Num::Teen(17, false),
        b"dieciocho" => Num::Teen(18, false),
        b"diecinueve" => Num::Teen(19, false),
        b"veinte" => Num::Tens(2),
        b"treinta" => Num::Tens(3),
        b"cuarenta" => Num::Tens(4),
        b"cincuenta" => Num::Tens(5),
        b"sesenta" => Num::Tens(6),
        b"setenta" => Num::Tens(7),
        b"ochenta" => Num::Tens(8),
        b"noventa" => Num::Tens(9),
        // French
        b"un" => Num::Digit(1, true),
        b"deux" => Num::Digit(2, false),
        b"trois" => Num::Digit(3, false),
        b"quatre" => Num::Digit(4, false),
        b"cinq" => Num::Digit(5, false),
        b"sept" => Num::Digit(7, true),
        b"huit" => Num::Digit(8, false),
        b"neuf" => Num::Digit(9, true),
        b"dix" => Num::Tens(1), // "dix" alone is 10, "dix sept" is 17
        b"onze" => Num::Teen(11, false),
        b"douze" => Num::Teen(12, false),
        b"treize" => Num::Teen(13, false),
        b"quatorze" => Num::Teen(14, false),
        b"quinze" => Num::Teen(15, false),
        b"seize" => Num::Teen(16, true),
        b"vingt" => Num::Tens(2),
        b"trente" => Num::Tens(3),
        b"quarante" => Num::Tens(4),
        b"cinquante" => Num::Tens(5),
        b"soixante" => Num::Tens(6),
        // Portuguese
        b"um" => Num::Digit(1, true),
        b"uma" => Num::Digit(1, true),
        b"dois" => Num::Digit(2, false),
        b"duas" => Num::Digit(2, false),
        b"quatro" => Num::Digit(4, false),
        b"sete" => Num::Digit(7, true),
        b"oito" => Num::Digit(8, false),
        b"nove" => Num::Digit(9, true),
        b"dez" => Num::Teen(10, false),
        b"doze" => Num::Teen(12, false),
        b"treze" => Num::Teen(13, false),
        b"catorze" => Num::Teen(14, false),
        b"dezesseis" => Num::Teen(16, false),
        b"dezasseis" => Num::Teen(16, false),
        b"dezessete" => Num::Teen(17, false),
        b"dezassete" => Num::Teen(17, false),
        b"dezoito" => Num::Teen(18, false),
        b"dezenove" => Num::Teen(19, false),
        b"dezanove" => Num::Teen(19, false),
        b"vinte" => Num::Tens(2),
        b"trinta" => Num::Tens(3),
        b"quarenta" => Num::Tens(4),
        b"sessenta" => Num::Tens(6),
        b"oitenta" => Num::Tens(8),
        _ => return None,
    })
}

/// Longest entry in [`lookup`] ("veintinueve"), in bytes.
const MAX_WORD: usize = 11;

fn classify(token: &[Unit]) -> Option<Num> {
    if token.len() > MAX_WORD && !token[0].ch.is_ascii_digit() {
        return None;
    }
    if token.iter().all(|u| u.ch.is_ascii_digit()) {
        return Some(Num::Digits);
    }
    if token.len() < 2 || token.len() > MAX_WORD {
        return None;
    }
    let mut buf = [0u8; MAX_WORD];
    for (b, u) in buf.iter_mut().zip(token) {
        if !u.ch.is_ascii_lowercase() {
            return None;
        }
        *b = u.ch as u8;
    }
    let word = &buf[..token.len()];
    if let Some(n) = lookup(word) {
        return Some(n);
    }
    // Spanish "veintiuno" … "veintinueve".
    match word.strip_prefix(b"veinti").and_then(lookup) {
        Some(Num::Digit(d, _)) if d > 0 => Some(Num::Teen(20 + d, false)),
        _ => None,
    }
}

fn is_run_separator(c: char) -> bool {
    matches!(c, ' ' | '\n' | '-' | ',' | '.' | '/' | '(' | ')')
}

pub(super) fn number_words(mut units: Vec<Unit>) -> Vec<Unit> {
    // Number tokens (maximal runs of alphanumeric units that are numbers);
    // other tokens are not kept: a run breaks at them because the units
    // between two number tokens are then not all separators.
    let mut toks: Vec<(usize, usize, Option<Num>)> = Vec::new();
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
        if let Some(num) = classify(&units[s..i]) {
            toks.push((s, i, Some(num)));
        }
    }
    if !toks
        .iter()
        .any(|t| matches!(t.2, Some(n) if n != Num::Digits))
    {
        return units;
    }
    // Runs of number tokens separated by one or two separators.
    let mut out_digits: Vec<Option<String>> = vec![None; toks.len()];
    let mut drop_sep: Vec<bool> = vec![false; n];
    let mut k = 0;
    while k < toks.len() {
        if toks[k].2.is_none() {
            k += 1;
            continue;
        }
        let first = k;
        while k + 1 < toks.len()
            && toks[k + 1].2.is_some()
            && toks[k + 1].0 - toks[k].1 <= 2
            && (toks[k].1..toks[k + 1].0).all(|x| is_run_separator(units[x].ch))
        {
            k += 1;
        }
        let last = k;
        k += 1;
        let run_len = last - first + 1;
        let mut t = first;
        while t <= last {
            let num = toks[t].2.unwrap_or(Num::Digits);
            match num {
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
                        if let Some(Num::Digit(u, _)) = toks[t + 1].2 {
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
    // Rewrite in place: digits are never longer than the word they
    // replace; the rest of the word and dropped separators become
    // tombstones that the collapse pass removes.
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
    units
}
