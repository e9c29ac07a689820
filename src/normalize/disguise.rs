//! ASCII disguises read in the character step (pass 1): HTML character
//! references and percent-encoding decoded, a lone symbol inside a word
//! dropped, a word hyphenated at a line end joined.
//!
//! Every decision here reads the original text around one byte, never the
//! output of an earlier pass, so the streaming walk (which reruns pass 1
//! over segments that start just after a space or a line break) and the
//! reference (one pass 1 over the whole text) make the same decisions.

use super::table::{self, Fold};

/// Named HTML character references read, besides the accented letters of
/// [`ACCENTED`]: markup escapes, spaces, invisible characters,
/// punctuation and a few letters.
const NAMED: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{A0}'),
    ("shy", '\u{AD}'),
    ("zwj", '\u{200D}'),
    ("zwnj", '\u{200C}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("iexcl", '¡'),
    ("iquest", '¿'),
    ("szlig", 'ß'),
    ("aelig", 'æ'),
    ("AElig", 'Æ'),
    ("oelig", 'œ'),
    ("OElig", 'Œ'),
    ("eth", 'ð'),
    ("ETH", 'Ð'),
    ("thorn", 'þ'),
    ("THORN", 'Þ'),
];

/// `&eacute;`, `&Ntilde;`, …: (accent, base letters, accented letters in
/// the same order).
const ACCENTED: &[(&str, &str, &str)] = &[
    ("acute", "aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"),
    ("grave", "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
    ("circ", "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
    ("uml", "aeiouyAEIOUY", "äëïöüÿÄËÏÖÜŸ"),
    ("tilde", "anoANO", "ãñõÃÑÕ"),
    ("cedil", "cC", "çÇ"),
    ("ring", "aA", "åÅ"),
    ("slash", "oO", "øØ"),
];

fn named(name: &str) -> Option<char> {
    if let Some(&(_, c)) = NAMED.iter().find(|(n, _)| *n == name) {
        return Some(c);
    }
    let mut chars = name.chars();
    let base = chars.next()?;
    let accent = chars.as_str();
    let (_, bases, accented) = ACCENTED.iter().find(|(a, _, _)| *a == accent)?;
    let k = bases.chars().position(|b| b == base)?;
    accented.chars().nth(k)
}

/// A character written as an HTML character reference (`&#112;`,
/// `&#x70;`, `&eacute;`, `&amp;`; the `;` is required) or percent-encoded
/// (`%70`; with `words`, also `%20` and `%C3%A9`) at byte `i` of `text`,
/// which holds `&` or `%`.
///
/// Returns the character, the end of its encoding, and whether the
/// encoding hides it: a letter or digit written as a number (`&#112;`,
/// `%70`) has no honest reason to be, while named references and encoded
/// punctuation are what HTML and URLs leave in scraped text.
///
/// Percent-encoding is read only where it encodes a letter (an ASCII one
/// without `words`: software never encodes those in a URL, which the
/// entity form must keep as written) or, with `words`, a space; and not
/// right after a number (`50%Ac…` and `20-40%401K` are percentages).
pub(super) fn decode_at(text: &str, i: usize, words: bool) -> Option<(char, usize, bool)> {
    let bytes = text.as_bytes();
    match bytes[i] {
        b'&' => html_reference(bytes, i),
        b'%' => percent_encoded(bytes, i, words),
        _ => None,
    }
}

/// [`decode_at`] for an HTML character reference at `i` (a `&`): numeric
/// (`&#112;`, `&#x70;`, which hide a letter or digit) or named (`&eacute;`,
/// `&amp;`).
fn html_reference(bytes: &[u8], i: usize) -> Option<(char, usize, bool)> {
    let rest = &bytes[i + 1..];
    if rest.first() == Some(&b'#') {
        let hex = matches!(rest.get(1), Some(b'x' | b'X'));
        let from = if hex { 2 } else { 1 };
        let digits = rest[from..]
            .iter()
            .take(8)
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 || digits > 7 || rest.get(from + digits) != Some(&b';') {
            return None;
        }
        let s = std::str::from_utf8(&rest[from..from + digits]).ok()?;
        let n = u32::from_str_radix(s, if hex { 16 } else { 10 }).ok()?;
        let c = char::from_u32(n).filter(|&c| c != '\0')?;
        Some((c, i + 1 + from + digits + 1, is_alnum(c)))
    } else {
        let len = rest
            .iter()
            .take(9)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if !(2..=8).contains(&len) || rest.get(len) != Some(&b';') {
            return None;
        }
        let name = std::str::from_utf8(&rest[..len]).ok()?;
        named(name).map(|c| (c, i + 1 + len + 1, false))
    }
}

/// [`decode_at`] for percent-encoding at `i` (a `%`): an ASCII letter,
/// with `words` a space or a UTF-8 letter; not a percentage.
fn percent_encoded(bytes: &[u8], i: usize, words: bool) -> Option<(char, usize, bool)> {
    // A number (digits not inside a word, "50", "20-40") before the
    // sign makes it a percentage; digits that end another escape
    // ("%69%6F") or read as letters ("y0%75ng") do not.
    let escape_before = i >= 3 && bytes[i - 3] == b'%' && bytes[i - 2].is_ascii_hexdigit();
    let mut k = i;
    while k > 0 && i - k < 16 && bytes[k - 1].is_ascii_digit() {
        k -= 1;
    }
    let in_word = k > 0 && bytes[k - 1].is_ascii_alphabetic();
    if k < i && !escape_before && !in_word {
        return None;
    }
    let byte_at = |j: usize| -> Option<u8> {
        if bytes.get(j) != Some(&b'%') {
            return None;
        }
        let h = std::str::from_utf8(bytes.get(j + 1..j + 3)?).ok()?;
        u8::from_str_radix(h, 16).ok()
    };
    let first = byte_at(i)?;
    if first < 0x80 {
        let c = first as char;
        return (c.is_ascii_alphabetic() || words && c == ' ').then_some((c, i + 3, c != ' '));
    }
    if !words {
        return None;
    }
    // A UTF-8 sequence ("%C3%A9"): a letter only.
    let len = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut buf = [0u8; 4];
    buf[0] = first;
    for (k, b) in buf.iter_mut().enumerate().take(len).skip(1) {
        *b = byte_at(i + 3 * k)?;
    }
    let c = std::str::from_utf8(&buf[..len]).ok()?.chars().next()?;
    table::is_alpha(c).then_some((c, i + 3 * len, true))
}

fn is_alnum(c: char) -> bool {
    table::is_alnum(c)
}

/// Whether a character of the original reads as a letter once folded
/// (`é`, Cyrillic `а`, fullwidth `ｐ` and `ß` do; a combining mark, an
/// emoji or a digit does not).
fn reads_as_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    match table::fold(c) {
        Fold::Same => table::is_alpha(c),
        Fold::Char(ch, _) => super::is_letter(ch),
        Fold::Str(s, _) => !s.is_empty() && s.chars().all(super::is_letter),
    }
}

/// Symbols dropped when alone between letters inside a word (see
/// [`dropped_symbol`]). The apostrophe and the backtick are not: French
/// elisions and English contractions (`l'appartement`, `don't`, also
/// written with a backtick) are everywhere in honest text, and a term
/// that spans a dropped symbol is reported as evasion (`spacing`). Nor are
/// the hyphen of compounds (`live-in`, `e-mail`, `Vieux-Québec`), the
/// slash of `and/or`, or `|`, `$`, `@` and `!`, which leetspeak reads as
/// letters.
#[inline]
pub(super) fn is_dropped_symbol(b: u8) -> bool {
    matches!(b, b'*' | b'_' | b'.' | b'^' | b'~' | b'+')
}

/// How far a lone symbol or a hyphenated line end at byte `i` (one of
/// [`is_dropped_symbol`], or `-`) reaches when it is to be dropped: the
/// byte after the symbol, or after the line break. `None` keeps it.
///
/// - A lone symbol between two letters is dropped when the letters on one
///   side at least run two long (`pass*port`, `p.assport`, `pas_sport`),
///   so abbreviations (`U.S.`, `e.g.`) and letters spaced out with the
///   symbol (`p.a.s.s`, read by the spacing step) keep it; nor when a
///   lowercase letter meets an uppercase one (`tasks.Requires`, a
///   sentence glued on), nor inside an emoji's name written out
///   (`:growing_heart:`, which is how pack terms name emoji), nor a dot
///   after `@` or `/` in the same run of non-spaces (`jobs@example.com`,
///   `http://bit.ly`), looked for over 64 bytes back.
/// - A hyphen between a letter and a line break followed by a lowercase
///   letter (`pass-⏎port`) is a word hyphenated at a line end: the hyphen
///   and the line break go. A line break alone between letters is kept:
///   honest ads break lines between words without a space ("and⏎develop")
///   far more often than anyone splits a word so.
pub(super) fn dropped_symbol(text: &str, i: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let before = text[..i].chars().next_back()?;
    if !reads_as_letter(before) {
        return None;
    }
    if bytes[i] == b'-' {
        let mut j = i + 1;
        if bytes.get(j) == Some(&b'\r') {
            j += 1;
        }
        if bytes.get(j) != Some(&b'\n') {
            return None;
        }
        let next = text[j + 1..].chars().next()?;
        return (reads_as_letter(next) && !next.is_uppercase()).then_some(j + 1);
    }
    let mut after = text[i + 1..].chars();
    let next = after.next()?;
    if !reads_as_letter(next) || before.is_lowercase() && next.is_uppercase() {
        return None;
    }
    // The run of letters on each side, up to two, and what lies past a
    // one-letter side: a letter alone between two symbols is a spaced-out
    // letter ("p.a.s.s.port").
    let mut back = text[..i].chars().rev().skip(1);
    let before2 = back.next();
    let after2 = after.next();
    let long_before = before2.is_some_and(reads_as_letter);
    let long_after = after2.is_some_and(reads_as_letter);
    let spaced = |c: Option<char>| c.is_some_and(|c| c.is_ascii() && is_dropped_symbol(c as u8));
    let ok = match (long_before, long_after) {
        (false, false) => false,
        (true, true) => true,
        (true, false) => !spaced(after2),
        (false, true) => !spaced(before2),
    };
    if !ok {
        return None;
    }
    // An emoji's name written out as the character step writes emoji
    // (`:growing_heart:`, `:flag_th:`), as pack terms do.
    let mut k = i;
    while k > 0 && i - k < 40 && (bytes[k - 1].is_ascii_alphanumeric() || bytes[k - 1] == b'_') {
        k -= 1;
    }
    if k > 0 && bytes[k - 1] == b':' {
        return None;
    }
    if bytes[i] == b'.' {
        let from = i.saturating_sub(64);
        let address = bytes[from..i]
            .iter()
            .rev()
            .take_while(|b| !b.is_ascii_whitespace())
            .any(|&b| b == b'@' || b == b'/');
        if address {
            return None;
        }
    }
    Some(i + 1)
}
