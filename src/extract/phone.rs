//! Phone numbers, however they are written.
//!
//! A candidate is a run of digit groups separated by short gaps of phone
//! separators. Groups are ASCII digits in the entity form, so Unicode
//! digits, keycap emoji and number words ("five five five", "cinco cinco")
//! arrive as digits already; this pass also reads `O` for 0 and `l`/`I` for
//! 1 inside digit groups. A candidate becomes a phone number only if its
//! length and grouping fit one (3-3-4, 2-2-2-2-2, 3-4, an international
//! prefix, digits spelled one by one) and nothing around it says it is a
//! price, a date, a time, an order number or a quantity.

use super::text::{any_in, Text};
use super::{Cand, EntityKind, Taken, T_LETTERS, T_LINE_BREAK, T_SEPARATORS, T_SPACED};
use crate::normalize::F_NUMBER_WORDS;

/// Most digits in a phone number (ITU-T E.164).
const MAX_DIGITS: usize = 15;
/// Most separator characters between two digit groups.
const MAX_GAP: usize = 3;

/// Words that announce a contact number.
const CONTACT_WORDS: &[&str] = &[
    "call",
    "calls",
    "text",
    "txt",
    "tel",
    "telephone",
    "phone",
    "ph",
    "cell",
    "cel",
    "mobile",
    "mob",
    "whatsapp",
    "wa",
    "wsp",
    "wpp",
    "sms",
    "msg",
    "message",
    "number",
    "num",
    "ring",
    "contact",
    "reach",
    "dial",
    "hotline",
    "signal",
    "telegram",
    "llama",
    "llamame",
    "llamar",
    "llamanos",
    "telefono",
    "movil",
    "celular",
    "numero",
    "contacto",
    "escribe",
    "escribeme",
    "marca",
    "manda",
    "appelle",
    "appelez",
    "appeler",
    "appelle-moi",
    "portable",
    "joindre",
    "ligue",
    "liga",
    "ligar",
    "ligue-me",
    "telemovel",
    "contato",
    "zap",
    "whats",
    "fone",
];

/// Words that make a number an identifier, not a phone number.
const ID_WORDS: &[&str] = &[
    "order",
    "ref",
    "reference",
    "invoice",
    "tracking",
    "track",
    "id",
    "sku",
    "serial",
    "isbn",
    "code",
    "zip",
    "postcode",
    "postal",
    "cp",
    "account",
    "acct",
    "iban",
    "cuenta",
    "conta",
    "pedido",
    "factura",
    "referencia",
    "commande",
    "facture",
    "encomenda",
    "fatura",
    "recibo",
    "receipt",
    "ticket",
    "case",
    "lot",
    "model",
    "part",
    "item",
    "vin",
    "nif",
    "cif",
    "siret",
    "ssn",
    "cpf",
    "dni",
    "license",
    "licence",
    "licencia",
    "permit",
    "registration",
    "reg",
];

/// Units after a number (currencies are the price reader's
/// `amount::currency_word`).
const UNIT_WORDS: &[&str] = &[
    "k",
    "km",
    "kg",
    "g",
    "cm",
    "mm",
    "m",
    "m2",
    "sq",
    "ft",
    "sqft",
    "lbs",
    "lb",
    "mi",
    "miles",
    "am",
    "pm",
    "h",
    "hr",
    "hrs",
    "hours",
    "horas",
    "heures",
    "min",
    "mins",
    "years",
    "anos",
    "ans",
    "yo",
    "x",
    "units",
    "pcs",
    "views",
    "likes",
    "followers",
];

const CURRENCY_CHARS: &[char] = &['$', '€', '£', '¥', '₹', '₱', '₩', '%'];

/// Separators a phone number may be written with; the second set is
/// unusual enough to count as evasion.
fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\n' | '/') || is_odd_sep(c)
}

fn is_odd_sep(c: char) -> bool {
    matches!(
        c,
        '_' | '*' | '•' | '·' | '|' | '~' | '=' | '#' | '+' | ':' | ';'
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Tok {
    Digits,
    /// Digits with `o`/`l`/`i` for 0/1.
    Mixed,
    /// A lone `o` between digit groups.
    Zero,
    /// Only `o`/`l`/`i` ("OIOO"), right after a dash or dot in a run.
    Letters,
}

fn classify(t: &Text<'_>, s: usize, e: usize) -> Option<Tok> {
    let mut digits = 0;
    let mut letters = 0;
    for i in s..e {
        match t.ch(i) {
            '0'..='9' => digits += 1,
            'o' | 'l' | 'i' => letters += 1,
            _ => return None,
        }
    }
    if letters == 0 {
        Some(Tok::Digits)
    } else if digits > 0 {
        Some(Tok::Mixed)
    } else if e - s == 1 && t.ch(s) == 'o' {
        Some(Tok::Zero)
    } else if (2..=4).contains(&(e - s)) {
        Some(Tok::Letters)
    } else {
        None
    }
}

fn digit_of(c: char) -> char {
    match c {
        'o' => '0',
        'l' | 'i' => '1',
        c => c,
    }
}

struct Group {
    digits: String,
    /// Characters in the gap before this group.
    gap: String,
}

pub(super) fn phones(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if !t.word_starts(i) || taken.contains(i) {
            i += 1;
            continue;
        }
        let e = t.word_end(i);
        match classify(t, i, e) {
            Some(Tok::Digits) | Some(Tok::Mixed) => {}
            _ => {
                i = e;
                continue;
            }
        }
        // Grow the run.
        let start = i;
        let mut groups = vec![Group {
            digits: t.string(i, e).chars().map(digit_of).collect(),
            gap: String::new(),
        }];
        let mut letters = classify(t, i, e) == Some(Tok::Mixed);
        let mut end = e;
        let mut total: usize = groups[0].digits.len();
        loop {
            let mut j = end;
            // A comma separates digits only when they are spelled out
            // ("four one five, five five five"), never in "3, 4, 5".
            let spelled_before = t.c[end - 1].flags & F_NUMBER_WORDS != 0;
            while j < n
                && j - end < MAX_GAP
                && (is_sep(t.ch(j)) || (t.ch(j) == ',' && spelled_before))
                && !taken.contains(j)
            {
                j += 1;
            }
            if j == end || j >= n || !t.word_starts(j) || taken.contains(j) {
                break;
            }
            let we = t.word_end(j);
            let Some(kind) = classify(t, j, we) else {
                break;
            };
            if kind == Tok::Zero {
                // Only between two digit groups.
                let mut k = we;
                while k < n && k - we < MAX_GAP && is_sep(t.ch(k)) {
                    k += 1;
                }
                let next = (k > we && t.word_starts(k))
                    .then(|| classify(t, k, t.word_end(k)))
                    .flatten();
                if !matches!(next, Some(Tok::Digits) | Some(Tok::Mixed)) {
                    break;
                }
            }
            if kind == Tok::Letters && !matches!(t.string(end, j).as_str(), "-" | ".") {
                break;
            }
            letters |= kind != Tok::Digits;
            let digits: String = t.string(j, we).chars().map(digit_of).collect();
            total += digits.len();
            groups.push(Group {
                digits,
                gap: t.string(end, j),
            });
            end = we;
            if total > MAX_DIGITS + 2 {
                break;
            }
        }
        i = end;
        if let Some(c) = judge(t, start, end, &groups, letters) {
            taken.add(c.s, c.e);
            out.push(c);
        }
    }
}

/// Whether the text holds a run of digit groups long enough to be a phone
/// number: the walk of [`phones`] without its judgement, reading nothing
/// as taken by another kind and every gap and group the walk could accept.
/// Anything [`phones`] finds, whatever other kinds were read first, lies
/// in such a run, so a text for which this is false holds no phone number
/// and the extractors it depends on need not run for it.
pub(super) fn may_hold(t: &Text<'_>) -> bool {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if !t.word_starts(i) {
            i += 1;
            continue;
        }
        let e = t.word_end(i);
        if !matches!(classify(t, i, e), Some(Tok::Digits | Tok::Mixed)) {
            i = e;
            continue;
        }
        let mut end = e;
        let mut total = e - i;
        while total < 7 {
            let mut j = end;
            while j < n && j - end < MAX_GAP && (is_sep(t.ch(j)) || t.ch(j) == ',') {
                j += 1;
            }
            if j == end || j >= n || !t.word_starts(j) {
                break;
            }
            let we = t.word_end(j);
            if classify(t, j, we).is_none() {
                break;
            }
            total += we - j;
            end = we;
        }
        if total >= 7 {
            return true;
        }
        i = end;
    }
    false
}

/// Decides whether a run of digit groups is a phone number.
fn judge(t: &Text<'_>, start: usize, end: usize, groups: &[Group], letters: bool) -> Option<Cand> {
    let (s, digits, intl) = prefix_and_digits(t, start, groups)?;
    let sizes: Vec<usize> = groups.iter().map(|g| g.digits.len()).collect();
    let gaps: String = groups.iter().map(|g| g.gap.as_str()).collect();
    let before = t.words_before(s, 3, 3);
    let contact = any_in(&before, CONTACT_WORDS);
    if context_rules_out(t, s, end, &before, intl) {
        return None;
    }
    let spelled =
        sizes.len() >= 4 && sizes.iter().filter(|&&k| k == 1).count() * 5 >= sizes.len() * 3;
    let slash = gaps.contains('/');
    if shape_rules_out(groups, &sizes, &gaps, intl, contact)
        || is_filler(&digits, spelled || letters)
        || !length_fits(&digits, &sizes, intl, spelled, contact)
    {
        return None;
    }
    let value = value(digits, intl);
    let mut tech = 0;
    if letters {
        tech |= T_LETTERS;
    }
    if spelled && t.flags(start, end) & F_NUMBER_WORDS == 0 {
        tech |= T_SPACED;
    }
    if gaps.contains('\n') {
        tech |= T_LINE_BREAK;
    }
    if gaps.chars().any(is_odd_sep) || slash {
        tech |= T_SEPARATORS;
    }
    let mut e = end;
    if t.ch(e) == ')' && t.ch(s) == '(' {
        e += 1;
    }
    Some(Cand::new(EntityKind::Phone, s, e, value, tech))
}

/// Reads the international prefix and the digits dialled: where the number
/// starts (at a `+` or an opening bracket before the run), its digits
/// without a `00` prefix or a bracketed trunk `0`, and whether it is
/// international. `None` unless 7 to 15 digits remain.
fn prefix_and_digits(
    t: &Text<'_>,
    start: usize,
    groups: &[Group],
) -> Option<(usize, String, bool)> {
    let mut s = start;
    // International prefix: "+", possibly one space before the digits.
    let p = t.skip_spaces_back(s, 1);
    let plus = p > 0 && t.ch(p - 1) == '+';
    if plus {
        s = p - 1;
    } else if t.before(s) == '(' {
        s -= 1;
    }
    // "+44 (0)7700 …": the trunk 0 in brackets is not dialled from abroad.
    let trunk = plus && groups.len() > 2 && groups[1].digits == "0" && groups[1].gap.contains('(');
    let mut digits: String = groups
        .iter()
        .enumerate()
        .filter(|(k, _)| !(trunk && *k == 1))
        .map(|(_, g)| g.digits.as_str())
        .collect();
    let double_zero = !plus && digits.starts_with("00") && digits.len() >= 10;
    if double_zero {
        digits.drain(..2);
    }
    if !(7..=MAX_DIGITS).contains(&digits.len()) {
        return None;
    }
    Some((s, digits, plus || double_zero))
}

/// Whether what is written around the run (from `s` to `end`, `before`
/// the words before it) makes it something else: a price (a currency
/// symbol or code before, a currency or unit after), a degree, an order
/// or reference number, a time.
fn context_rules_out(t: &Text<'_>, s: usize, end: usize, before: &[String], intl: bool) -> bool {
    let b = t.skip_spaces_back(s, 1);
    let prev = t.before(b);
    if CURRENCY_CHARS.contains(&prev) || prev == 'º' || prev == '°' {
        return true;
    }
    // "#1234567890" is an order number; "ph# 555…" is not.
    if prev == '#' && !any_in(&t.words_before(b - 1, 1, 1), CONTACT_WORDS) {
        return true;
    }
    // "order 555…", "order number 555…", "ref: 555…"
    let id = before
        .first()
        .is_some_and(|w| ID_WORDS.contains(&w.as_str()))
        || before
            .first()
            .is_some_and(|w| matches!(w.as_str(), "number" | "no" | "num" | "nr" | "numero"))
            && before
                .get(1)
                .is_some_and(|w| ID_WORDS.contains(&w.as_str()));
    if id {
        return true;
    }
    if before.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "usd" | "eur" | "gbp" | "mxn" | "brl" | "r" | "us"
        )
    }) {
        return true;
    }
    let a = t.skip_spaces(end, 1);
    let next = t.ch(a);
    if CURRENCY_CHARS.contains(&next) || next == '°' || next == 'º' {
        return true;
    }
    if t.ch(end) == ':' && t.ch(end + 1).is_ascii_digit() {
        return true; // a time "10:30"
    }
    let after = t.words_after(end, 1, 2);
    // A currency after the digits makes them a price; roses, donations and
    // "us" do not ("Txt 2O2-555-O147 🌹", "call 555 0147 us").
    let unit = |w: &String| {
        UNIT_WORDS.contains(&w.as_str())
            || w != "us"
                && super::amount::currency_word(w).is_some_and(|c| c != "roses" && c != "donation")
    };
    after.iter().any(unit) && !intl
}

/// Whether the grouping (`sizes` of the groups, the `gaps` between them)
/// makes the digits a date, a number with thousands separators or a count
/// ("10 9 8 7 …", "1 2 3 4 …", which is not a number spelled out).
fn shape_rules_out(
    groups: &[Group],
    sizes: &[usize],
    gaps: &str,
    intl: bool,
    contact: bool,
) -> bool {
    let slash = gaps.contains('/');
    let year_next_to_small = sizes.windows(2).enumerate().any(|(k, w)| {
        let year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
        (year(&groups[k].digits) && w[1] <= 2) || (year(&groups[k + 1].digits) && w[0] <= 2)
    });
    if !intl && (year_next_to_small || (slash && !contact)) {
        return true; // a date
    }
    let thousands = sizes.len() >= 3
        && sizes[0] <= 3
        && sizes[1..].iter().all(|&k| k == 3)
        && (gaps.contains('.') || gaps.contains(',') || sizes[0] == 1);
    if !intl && !contact && thousands {
        return true;
    }
    if sizes.len() >= 4 {
        let vals: Vec<i64> = groups
            .iter()
            .map(|g| g.digits.parse().unwrap_or(-99))
            .collect();
        let step = vals[1] - vals[0];
        if step.abs() == 1 && vals.windows(2).all(|w| w[1] - w[0] == step) {
            return true;
        }
    }
    false
}

/// Whether the digits are filler, not a number: fewer than three distinct
/// digits ("7 7 7 7 7 7 7", "0 1 1 0 1 0 0 1") or, when `spelled` out (or
/// written with letters), a keyboard or counting run of six
/// ("1 2 3 4 5 6 7 8 9 0", "9 8 7 6 5 4 3").
fn is_filler(digits: &str, spelled: bool) -> bool {
    let mut seen = [false; 10];
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        seen[usize::from(b - b'0')] = true;
    }
    if seen.iter().filter(|&&x| x).count() < 3 {
        return true;
    }
    if spelled {
        let b = digits.as_bytes();
        let mut up = 1;
        let mut down = 1;
        for w in b.windows(2) {
            let (x, y) = (i32::from(w[0]), i32::from(w[1]));
            up = if (y - x).rem_euclid(10) == 1 {
                up + 1
            } else {
                1
            };
            down = if (x - y).rem_euclid(10) == 1 {
                down + 1
            } else {
                1
            };
            if up >= 6 || down >= 6 {
                return true;
            }
        }
    }
    false
}

/// Whether the count of digits and their grouping fit a phone number: an
/// international one of 8 digits or more, digits spelled one by one, or a
/// national plan's grouping (3-4, 3-3-4, 2-2-2-2-2, UK 0…), looser after a
/// contact word.
fn length_fits(digits: &str, sizes: &[usize], intl: bool, spelled: bool, contact: bool) -> bool {
    let d = digits.len();
    let first = digits.as_bytes()[0];
    if intl {
        return d >= 8;
    }
    if spelled {
        return d <= 13;
    }
    let single = sizes.len() == 1;
    let groups_ok = sizes.iter().skip(1).all(|&k| (2..=5).contains(&k))
        && (2..=5).contains(&sizes[0])
        || (sizes[0] == 1
            && matches!(first, b'0' | b'1')
            && sizes[1..].iter().all(|&k| (2..=5).contains(&k)));
    match d {
        7 => sizes == [3, 4] || sizes == [3, 2, 2] || contact,
        8 => contact,
        9 => {
            (matches!(first, b'6' | b'7' | b'9')
                && (single || sizes == [3, 3, 3] || sizes == [3, 2, 2, 2] || sizes == [2, 3, 2, 2]))
                || (contact && groups_ok)
        }
        10 | 11 => {
            single
                || groups_ok
                || contact
                // UK "07700 900123", "020 7946 0018"
                || (d == 11 && first == b'0' && sizes.iter().all(|&k| (2..=6).contains(&k)))
        }
        12 | 13 => contact && (single || groups_ok),
        _ => false,
    }
}

/// The entity value: the digits, with `+` when international or a North
/// American number with its country code, with `+1` when a North American
/// number without it.
fn value(digits: String, intl: bool) -> String {
    let d = digits.len();
    let first = digits.as_bytes()[0];
    let nanp11 = d == 11
        && first == b'1'
        && (b'2'..=b'9').contains(&digits.as_bytes()[1])
        && (b'2'..=b'9').contains(&digits.as_bytes()[4]);
    if intl || nanp11 {
        format!("+{digits}")
    } else if d == 10
        && (b'2'..=b'9').contains(&first)
        && (b'2'..=b'9').contains(&digits.as_bytes()[3])
    {
        format!("+1{digits}")
    } else {
        digits
    }
}
