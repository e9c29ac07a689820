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
fn lookup(word: &str) -> Option<Num> {
    Some(match word {
        "zero" => Num::Digit(0, false),
        "oh" => Num::Digit(0, true),
        "one" => Num::Digit(1, false),
        "two" => Num::Digit(2, false),
        "three" => Num::Digit(3, false),
        "four" => Num::Digit(4, false),
        "five" => Num::Digit(5, false),
        "six" => Num::Digit(6, false),
        "seven" => Num::Digit(7, false),
        "eight" => Num::Digit(8, false),
        "nine" => Num::Digit(9, false),
        "ten" => Num::Teen(10, false),
        "eleven" => Num::Teen(11, false),
        "twelve" => Num::Teen(12, false),
        "thirteen" => Num::Teen(13, false),
        "fourteen" => Num::Teen(14, false),
        "fifteen" => Num::Teen(15, false),
        "sixteen" => Num::Teen(16, false),
        "seventeen" => Num::Teen(17, false),
        "eighteen" => Num::Teen(18, false),
        "nineteen" => Num::Teen(19, false),
        "twenty" => Num::Tens(2),
        "thirty" => Num::Tens(3),
        "forty" => Num::Tens(4),
        "fifty" => Num::Tens(5),
        "sixty" => Num::Tens(6),
        "seventy" => Num::Tens(7),
        "eighty" => Num::Tens(8),
        "ninety" => Num::Tens(9),
        // Spanish
        "cero" => Num::Digit(0, false),
        "uno" => Num::Digit(1, true),
        "dos" => Num::Digit(2, true),
        "tres" => Num::Digit(3, true),
        "cuatro" => Num::Digit(4, false),
        "cinco" => Num::Digit(5, false),
        "seis" => Num::Digit(6, false),
        "siete" => Num::Digit(7, false),
        "ocho" => Num::Digit(8, false),
        "nueve" => Num::Digit(9, false),
        "diez" => Num::Teen(10, false),
        "once" => Num::Teen(11, true),
        "doce" => Num::Teen(12, false),
        "trece" => Num::Teen(13, false),
        "catorce" => Num::Teen(14, false),
        "quince" => Num::Teen(15, false),
        "dieciseis" => Num::Teen(16, false),
        "diecisiete" => Num::Teen(17, false),
        "dieciocho" => Num::Teen(18, false),
        "diecinueve" => Num::Teen(19, false),
        "veinte" => Num::Tens(2),
        "treinta" => Num::Tens(3),
        "cuarenta" => Num::Tens(4),
        "cincuenta" => Num::Tens(5),
        "sesenta" => Num::Tens(6),
        "setenta" => Num::Tens(7),
        "ochenta" => Num::Tens(8),
        "noventa" => Num::Tens(9),
        // French
        "un" => Num::Digit(1, true),
        "deux" => Num::Digit(2, false),
        "trois" => Num::Digit(3, false),
        "quatre" => Num::Digit(4, false),
        "cinq" => Num::Digit(5, false),
        "sept" => Num::Digit(7, true),
        "huit" => Num::Digit(8, false),
        "neuf" => Num::Digit(9, true),
        "dix" => Num::Tens(1), // "dix" alone is 10, "dix sept" is 17
        "onze" => Num::Teen(11, false),
        "douze" => Num::Teen(12, false),
        "treize" => Num::Teen(13, false),
        "quatorze" => Num::Teen(14, false),
        "quinze" => Num::Teen(15, false),
        "seize" => Num::Teen(16, true),
        "vingt" => Num::Tens(2),
        "trente" => Num::Tens(3),
        "quarante" => Num::Tens(4),
        "cinquante" => Num::Tens(5),
        "soixante" => Num::Tens(6),
        // Portuguese
        "um" => Num::Digit(1, true),
        "uma" => Num::Digit(1, true),
        "dois" => Num::Digit(2, false),
        "duas" => Num::Digit(2, false),
        "quatro" => Num::Digit(4, false),
        "sete" => Num::Digit(7, true),
        "oito" => Num::Digit(8, false),
        "nove" => Num::Digit(9, true),
        "dez" => Num::Teen(10, false),
        "doze" => Num::Teen(12, false),
        "treze" => Num::Teen(13, false),
        "catorze" => Num::Teen(14, false),
        "dezesseis" => Num::Teen(16, false),
        "dezasseis" => Num::Teen(16, false),
        "dezessete" => Num::Teen(17, false),
        "dezassete" => Num::Teen(17, false),
        "dezoito" => Num::Teen(18, false),
        "dezenove" => Num::Teen(19, false),
        "dezanove" => Num::Teen(19, false),
        "vinte" => Num::Tens(2),
        "trinta" => Num::Tens(3),
        "quarenta" => Num::Tens(4),
        "sessenta" => Num::Tens(6),
        "oitenta" => Num::Tens(8),
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
    let word = std::str::from_utf8(&buf[..token.len()]).ok()?;
    if let Some(n) = lookup(word) {
        return Some(n);
    }
    // Spanish "veintiuno" … "veintinueve".
    match word.strip_prefix("veinti").and_then(lookup) {
        Some(Num::Digit(d, _)) if d > 0 => Some(Num::Teen(20 + d, false)),
        _ => None,
    }
}

fn is_run_separator(c: char) -> bool {
    matches!(c, ' ' | '\n' | '-' | ',' | '.' | '/' | '(' | ')')
}

pub(super) fn number_words(units: Vec<Unit>) -> Vec<Unit> {
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
    let mut out = Vec::with_capacity(n);
    let mut pre = 0u16;
    let mut next_tok = 0;
    let mut i = 0;
    while i < n {
        if next_tok < toks.len() && toks[next_tok].0 == i {
            let (s, e, _) = toks[next_tok];
            if let Some(digits) = &out_digits[next_tok] {
                let flags = units[s..e]
                    .iter()
                    .fold(F_NUMBER_WORDS, |f, u| f | u.flags | u.pre);
                let lead_pre = units[s].pre | std::mem::take(&mut pre);
                for (j, ch) in digits.chars().enumerate() {
                    out.push(Unit {
                        ch,
                        start: units[s].start,
                        end: units[e - 1].end,
                        flags,
                        pre: if j == 0 { lead_pre } else { 0 },
                    });
                }
                i = e;
                next_tok += 1;
                continue;
            }
            next_tok += 1;
        }
        let mut u = units[i];
        if drop_sep[i] {
            pre |= u.pre | F_NUMBER_WORDS;
            i += 1;
            continue;
        }
        u.pre |= std::mem::take(&mut pre);
        out.push(u);
        i += 1;
    }
    out
}
