//! Prices, rates and stated ages.

use super::text::{any_in, Text};
use super::{Cand, EntityKind, Taken, T_SPACED};

/// A number at `i`: digits with optional thousands groups and decimals.
/// Returns (end, value).
pub(super) fn number(t: &Text<'_>, i: usize) -> Option<(usize, f64)> {
    let digits = |mut j: usize| {
        let s = j;
        while t.ch(j).is_ascii_digit() {
            j += 1;
        }
        (j, j - s)
    };
    let (mut e, k) = digits(i);
    if k == 0 || k > 9 {
        return None;
    }
    let mut int: String = t.string(i, e);
    let mut frac = String::new();
    // Indian grouping, lakhs and crores: "1,50,000", "12,00,00,000" (pairs
    // of digits after the first group, then a last group of three).
    if let Some(ie) = indian_groups(t, e, k, &mut int) {
        e = ie;
    }
    // Thousands groups "1,500" / "1.500" / "1 500" (groups of exactly 3).
    else if k <= 3 {
        loop {
            let sep = t.ch(e);
            if !matches!(sep, ',' | '.' | ' ' | '\'') {
                break;
            }
            let (ge, gk) = digits(e + 1);
            if gk != 3 || t.ch(ge).is_ascii_digit() {
                break;
            }
            // "1.500,00": the last separator is the decimal point.
            int.push_str(&t.string(e + 1, ge));
            e = ge;
        }
    }
    if matches!(t.ch(e), '.' | ',') {
        let (fe, fk) = digits(e + 1);
        if (1..=2).contains(&fk) {
            frac = t.string(e + 1, fe);
            e = fe;
        }
    }
    let v: f64 = if frac.is_empty() {
        int.parse().ok()?
    } else {
        format!("{int}.{frac}").parse().ok()?
    };
    Some((e, v))
}

/// After the first one or two digits of a number (ending at `e`, `k` of
/// them), Indian grouping: one or more ",dd" pairs, then ",ddd". Appends
/// the digits to `int` and returns the end; `None` (and `int` untouched)
/// unless the whole pattern is there, so "1,50" stays a decimal and
/// "1,500" a thousands group.
fn indian_groups(t: &Text<'_>, e: usize, k: usize, int: &mut String) -> Option<usize> {
    if k > 2 {
        return None;
    }
    let run = |j: usize| {
        let mut x = j;
        while t.ch(x).is_ascii_digit() {
            x += 1;
        }
        x - j
    };
    let mut j = e;
    let mut pairs = 0;
    while t.ch(j) == ',' && run(j + 1) == 2 {
        j += 3;
        pairs += 1;
    }
    if pairs == 0 || t.ch(j) != ',' || run(j + 1) != 3 {
        return None;
    }
    let end = j + 4;
    for x in e..end {
        let c = t.ch(x);
        if c.is_ascii_digit() {
            int.push(c);
        }
    }
    Some(end)
}

/// An amount as entity values write it: whole numbers without decimals,
/// others with two (`150`, `12.50`).
pub(super) fn amount_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as u64)
    } else {
        crate::fmtnum::fixed2(v)
    }
}

/// Currency symbols and words: (text, canonical).
const SYMBOLS: &[(char, &str)] = &[
    ('$', "$"),
    ('€', "EUR"),
    ('£', "GBP"),
    ('¥', "¥"),
    ('₹', "INR"),
    ('₱', "PHP"),
    ('₩', "KRW"),
];

const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("usd", "USD"),
    ("us", "USD"),
    ("dollars", "$"),
    ("dollar", "$"),
    ("dolares", "$"),
    ("dolar", "$"),
    ("bucks", "$"),
    ("eur", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("gbp", "GBP"),
    ("pounds", "GBP"),
    ("libras", "GBP"),
    ("brl", "BRL"),
    ("reais", "BRL"),
    ("reales", "BRL"),
    ("mxn", "MXN"),
    ("pesos", "pesos"),
    ("cad", "CAD"),
    ("aud", "AUD"),
    ("cop", "COP"),
    ("ars", "ARS"),
    ("clp", "CLP"),
    ("dls", "$"),
    ("dlls", "$"),
    ("dlrs", "$"),
    ("php", "PHP"),
    ("peso", "pesos"),
    ("inr", "INR"),
    ("rupees", "INR"),
    ("aed", "AED"),
    ("dirhams", "AED"),
    ("sar", "SAR"),
    ("riyals", "SAR"),
    ("riyal", "SAR"),
    ("qar", "QAR"),
    ("myr", "MYR"),
    ("ringgit", "MYR"),
    ("pln", "PLN"),
    ("zloty", "PLN"),
    ("ron", "RON"),
    ("lei", "RON"),
    ("rub", "RUB"),
    ("rubles", "RUB"),
    ("uah", "UAH"),
    ("vnd", "VND"),
    ("baht", "THB"),
    ("thb", "THB"),
    ("yuan", "CNY"),
    ("rmb", "CNY"),
    ("cny", "CNY"),
    ("idr", "IDR"),
    ("rupiah", "IDR"),
    ("twd", "TWD"),
    ("ntd", "TWD"),
    ("jpy", "JPY"),
    ("yen", "JPY"),
    ("soles", "PEN"),
    ("quetzales", "GTQ"),
    ("roses", "roses"),
    ("rose", "roses"),
    ("rosas", "roses"),
    ("rozes", "roses"),
    ("flowers", "roses"),
    ("donation", "donation"),
    ("donations", "donation"),
    ("donativo", "donation"),
];

/// Period words: (text, canonical). "h" and "hr" count only after a
/// currency or a slash, or "40 hr week" would be a rate.
const PERIODS: &[(&str, &str, bool)] = &[
    ("hh", "half-hour", true),
    ("hhr", "half-hour", true),
    ("qv", "quick-visit", true),
    ("h", "hour", false),
    ("hr", "hour", false),
    ("hrs", "hour", false),
    ("hour", "hour", false),
    ("hora", "hour", false),
    ("heure", "hour", false),
    ("night", "night", false),
    ("noche", "night", false),
    ("nuit", "night", false),
    ("noite", "night", false),
    ("day", "day", false),
    ("dia", "day", false),
    ("jour", "day", false),
    ("week", "week", false),
    ("semana", "week", false),
    ("semaine", "week", false),
    ("month", "month", false),
    ("mes", "month", false),
    ("mois", "month", false),
    ("session", "session", false),
    ("sesion", "session", false),
    ("visit", "session", false),
];

const PER_WORDS: &[&str] = &[
    "per", "a", "an", "la", "el", "por", "x", "par", "al", "the", "each", "cada", "de", "l",
];

pub(super) fn currency_word(w: &str) -> Option<&'static str> {
    CURRENCY_WORDS.iter().find(|c| c.0 == w).map(|c| c.1)
}

fn period(w: &str) -> Option<(&'static str, bool)> {
    PERIODS.iter().find(|p| p.0 == w).map(|p| (p.1, p.2))
}

/// Reads "/hr", "hh", "per hour", "la hora", "de l'heure" at `i`.
/// Returns (end, period, strong): strong when a slash or a "per" word
/// marks it as a rate.
fn rate(t: &Text<'_>, i: usize, after_currency: bool) -> Option<(usize, &'static str)> {
    let j = t.skip_spaces(i, 1);
    if t.ch(j) == '/' {
        let k = t.skip_spaces(j + 1, 1);
        let ke = t.word_end(k);
        return period(&t.string(k, ke)).map(|(p, _)| (ke, p));
    }
    if !t.is_word(j) {
        return None;
    }
    let we = t.word_end(j);
    let w = t.string(j, we);
    if let Some((p, strong)) = period(&w) {
        return (strong || after_currency).then_some((we, p));
    }
    if PER_WORDS.contains(&w.as_str()) {
        // "per hour", "de l'heure", "a la hora"
        let mut k = we;
        for _ in 0..2 {
            let (ns, ne) = t.next_word(k, 2)?;
            let w2 = t.string(ns, ne);
            if let Some((p, _)) = period(&w2) {
                if w2 != "h" {
                    return Some((ne, p));
                }
                return None;
            }
            if !PER_WORDS.contains(&w2.as_str()) {
                return None;
            }
            k = ne;
        }
    }
    None
}

pub(super) fn prices(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if !t.ch(i).is_ascii_digit() || t.before(i).is_ascii_digit() || taken.contains(i) {
            i += 1;
            continue;
        }
        // Letters glued before the digits ("abc150") make it a code,
        // except currency letters ("us$"? no: "R$150" has '$' before).
        if crate::normalize::table::is_alpha(t.before(i)) {
            i = t.word_end(i);
            continue;
        }
        let Some((mut ne, mut amount)) = number(t, i) else {
            i += 1;
            continue;
        };
        // "80k", "$1.5k": thousands, glued to the number.
        if t.ch(ne) == 'k' && !t.is_word(ne + 1) {
            amount *= 1000.0;
            ne += 1;
        }
        let (s, mut currency) = match currency_before(t, i) {
            Some((s, c)) => (s, Some(c)),
            None => (i, None),
        };
        // Suffix: "150€", "150 euros", "150 roses", then a rate.
        let mut e = ne;
        // Glued letters: "150hr", "100eur", "19yo".
        let glued = t.is_word(ne);
        if currency.is_none() {
            if let Some((ce, c)) = currency_after(t, ne) {
                currency = Some(c);
                e = ce;
            }
        }
        let r = rate(t, e, currency.is_some());
        if let Some((re, _)) = r {
            e = re;
        } else if glued && currency.is_none() {
            i = t.word_end(ne);
            continue;
        }
        if currency.is_none() && r.is_none() {
            i = ne;
            continue;
        }
        if taken.overlaps(s, e) {
            i = e;
            continue;
        }
        let per = r.map(|x| x.1);
        let amount_txt = amount_text(amount);
        let value = match (currency, per) {
            (Some(c), Some(p)) => format!("{amount_txt} {c}/{p}"),
            (Some(c), None) => format!("{amount_txt} {c}"),
            (None, Some(p)) => format!("{amount_txt}/{p}"),
            (None, None) => amount_txt,
        };
        let mut c = Cand::new(EntityKind::Price, s, e, value, 0);
        c.number = Some(amount);
        c.currency = currency;
        c.per = per;
        taken.add(s, e);
        out.push(c);
        i = e;
    }
}

/// A currency written before the number at `i` ("$150", "$ 150", "R$150",
/// "USD 150", "€150"): where the price then starts, and the currency.
fn currency_before(t: &Text<'_>, i: usize) -> Option<(usize, &'static str)> {
    let p = t.skip_spaces_back(i, 1);
    let pc = t.before(p);
    if let Some(sym) = SYMBOLS.iter().find(|x| x.0 == pc) {
        let mut s = p - 1;
        let mut currency = sym.1;
        let w0 = t.word_start_before(s);
        let w = t.string(w0, s);
        if pc == '$' {
            match w.as_str() {
                "r" => currency = "BRL",
                "us" => currency = "USD",
                "mx" => currency = "MXN",
                "ca" | "c" => currency = "CAD",
                "a" | "au" => currency = "AUD",
                _ => {}
            }
            if w0 < s && currency != "$" {
                s = w0;
            }
        }
        return Some((s, currency));
    }
    if crate::normalize::table::is_alpha(t.before(p)) {
        let w0 = t.word_start_before(p);
        if let Some(c) = currency_word(&t.string(w0, p)) {
            if matches!(
                c,
                "USD" | "EUR" | "GBP" | "BRL" | "MXN" | "CAD" | "AUD" | "COP" | "ARS" | "CLP"
            ) && t.string(w0, p) != "us"
            {
                return Some((w0, c));
            }
        }
    }
    None
}

/// A currency written after the number ending at `ne` ("150€", "150 €",
/// "150 euros", "150 roses"; not "150 us"): its end, and the currency.
fn currency_after(t: &Text<'_>, ne: usize) -> Option<(usize, &'static str)> {
    let j = t.skip_spaces(ne, 1);
    if let Some(sym) = SYMBOLS.iter().find(|x| x.0 == t.ch(j)) {
        return Some((j + 1, sym.1));
    }
    if t.is_word(j) {
        let we = t.word_end(j);
        if let Some(c) = currency_word(&t.string(j, we)) {
            if c != "USD" || t.string(j, we) != "us" {
                return Some((we, c));
            }
        }
    }
    None
}

/// Words after which "N years" is not the poster's age (also read by the
/// age reader in `age.rs` for the bare units it reads itself).
pub(super) const NOT_AGE_BEFORE: &[&str] = &[
    "least", "over", "under", "minimum", "min", "minimo", "maximum", "max", "maximo", "mayor",
    "mayores", "menor", "menores", "mas", "mais", "maiores", "menores", "plus", "moins", "above",
    "below", "than", "hace", "ha", "depuis", "durante", "during", "for", "after", "despues",
    "apres", "desde", "since", "cada", "every", "los", "las", "os", "as", "les", "primeros",
    "first", "last", "ultimos", "next", "proximos", "past", "ago", "within", "about", "around",
    "entre", "between", "from", "to", "a", "y", "and", "e", "et", "ou", "or",
];

/// Words after "N años/anos/ans" that make it a duration.
const DURATION_AFTER: &[&str] = &[
    "de",
    "d",
    "en",
    "of",
    "na",
    "no",
    "em",
    "experiencia",
    "experience",
    "trabajando",
    "trabalhando",
    "travaillant",
    "working",
    "in",
    "con",
    "com",
    "avec",
    "with",
    "como",
    "as",
    "en",
    "dans",
    "ago",
    "atras",
    "antes",
    "plus",
    "mas",
    "mais",
    "more",
];

const AGE_WORDS: &[&str] = &["anos", "ans", "anitos", "aninhos"];

/// First words after a number that can make it an age.
const AGE_SUFFIXES: &[&str] = &[
    "yo", "y", "yrs", "years", "year", "yr", "anos", "ans", "anitos", "aninhos",
];

/// Two digits spaced apart at `i` ("1 6 yo", "age: 1 6"), each standing
/// alone, with no other digit spaced next to them (a spaced-out phone
/// number): the end of the second digit.
fn spaced_two_digits(t: &Text<'_>, i: usize) -> Option<usize> {
    let lone_digit = |k: usize| t.ch(k).is_ascii_digit() && !t.is_word(k + 1);
    let spaced = matches!(t.ch(i), '1'..='9')
        && lone_digit(i)
        && t.ch(i + 1) == ' '
        && lone_digit(i + 2)
        && !(i >= 2 && t.ch(i - 1) == ' ' && t.ch(i - 2).is_ascii_digit())
        && !(t.ch(i + 3) == ' ' && t.ch(i + 4).is_ascii_digit());
    spaced.then_some(i + 3)
}

pub(super) fn ages(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    // Where two spaced digits were read as one number and found no age
    // word: the first digit is then read alone.
    let mut not_spaced = usize::MAX;
    while i < n {
        if !t.ch(i).is_ascii_digit()
            || crate::normalize::table::is_alnum(t.before(i))
            || taken.contains(i)
        {
            i += 1;
            continue;
        }
        let spaced = if i == not_spaced {
            None
        } else {
            spaced_two_digits(t, i)
        };
        let mut ne = i;
        while t.ch(ne).is_ascii_digit() {
            ne += 1;
        }
        if ne - i > 2 {
            i = ne;
            continue;
        }
        let mut age: u32 = t.string(i, ne).parse().unwrap_or(0);
        if let Some(e) = spaced {
            age = age * 10 + t.ch(e - 1).to_digit(10).unwrap_or(0);
            ne = e;
        }
        if age == 0 {
            i = ne;
            continue;
        }
        if !may_be_age(t, i, ne) {
            if spaced.is_some() {
                not_spaced = i;
                continue;
            }
            i = ne;
            continue;
        }
        let before = t.words_before(i, 2, 3);
        let excluded = any_in(&before, NOT_AGE_BEFORE) || t.before(t.skip_spaces_back(i, 1)) == '+';
        let suffix = if excluded { None } else { suffix_form(t, ne) };
        let (start, end) = match suffix {
            Some(e) => (i, Some(e)),
            // A cued number is read as an age from 10 to 25: the cue states
            // youth ("just 15", "barely 18"); under 10 it is a child the ad
            // mentions ("twins turning 3 soon"), above 25 more often a
            // price or a count ("only 40!").
            None => match prefix_form(t, i, ne)
                .or_else(|| cue_form(t, i, ne).filter(|_| (10..=25).contains(&age)))
            {
                Some(s) => (s, Some(ne)),
                None => (i, None),
            },
        };
        match end {
            Some(e) if !taken.overlaps(start, e) => {
                let tech = if spaced.is_some() { T_SPACED } else { 0 };
                let mut c = Cand::new(EntityKind::Age, start, e, age.to_string(), tech);
                c.number = Some(f64::from(age));
                taken.add(start, e);
                out.push(c);
                i = e;
            }
            _ if spaced.is_some() => not_spaced = i,
            _ => i = ne,
        }
    }
}

/// Whether the number at `i..ne` can be an age at all: an age word follows
/// it, or an age label or cue word ([`AGE_CUES`]) precedes it. Cheap, before the context is read.
fn may_be_age(t: &Text<'_>, i: usize, ne: usize) -> bool {
    let j0 = t.skip_spaces(ne, 1);
    if t.which(j0, t.word_end(j0), AGE_SUFFIXES).is_some() {
        return true;
    }
    let pk = label_end(t, i);
    t.which(
        t.word_start_before(pk),
        pk,
        &["age", "aged", "edad", "idade", "is"],
    )
    .is_some()
        || t.which(t.word_start_before(pk), pk, AGE_CUES).is_some()
}

/// Words that state a bare number after them as someone's age: "just 15",
/// "only 16", "barely 17", "turns 15 next month", "solo 15", "apenas 16",
/// "cumple 15", "seulement 16", "só 15" (read "so"). Only when the number
/// ends its clause or a time follows it ([`cue_form`]): "just 15 minutes
/// away" is a distance, "only 16 places left" a count.
const AGE_CUES: &[&str] = &[
    "just",
    "only",
    "barely",
    "turned",
    "turning",
    "turns",
    "solo",
    "apenas",
    "cumple",
    "cumplio",
    "cumplira",
    "seulement",
    "juste",
    "so",
];

/// Words after a cued number that still leave it an age ("turns 15 next
/// month", "turning 16 soon", "just 15 and new").
const AFTER_CUED_AGE: &[&str] = &[
    "next", "this", "soon", "in", "on", "and", "but", "el", "en", "este", "prochain", "ce",
    "bientot", "et", "y", "e", "mas", "mais", "pero",
];

/// Where an age stated by a cue word before the number at `i..ne` starts
/// ("just 15", "turns 15 next month"; see [`AGE_CUES`]).
fn cue_form(t: &Text<'_>, i: usize, ne: usize) -> Option<usize> {
    let pk = label_end(t, i);
    let start = t.word_start_before(pk);
    t.which(start, pk, AGE_CUES)?;
    let j = t.skip_spaces(ne, 1);
    let clause_end = j >= t.len() || matches!(t.ch(j), ',' | '.' | '!' | ';' | ')' | '\n' | '?');
    let when = t
        .words_after(ne, 1, 2)
        .first()
        .is_some_and(|w| AFTER_CUED_AGE.contains(&w.as_str()));
    (clause_end || when).then_some(start)
}

/// Where the word that may label the number at `i` ends: back across
/// spaces and a `:`, `=` or `-` ("age: 17", "edad - 17").
fn label_end(t: &Text<'_>, i: usize) -> usize {
    let mut k = t.skip_spaces_back(i, 2);
    while k > 0 && matches!(t.ch(k - 1), ':' | '=' | '-') {
        k -= 1;
    }
    t.skip_spaces_back(k, 2)
}

/// The end of an age stated by the words after the number ending at `ne`
/// ("17 yo", "17 y/o", "17 yrs old", "17 years old", "17 años", "17 años
/// de edad"), unless they make it a duration ("5 años de experiencia").
fn suffix_form(t: &Text<'_>, ne: usize) -> Option<usize> {
    let j = t.skip_spaces(ne, 1);
    let we = t.word_end(j);
    let w = t.string(j, we);
    if w == "yo" || w == "yrs" && t.words_after(we, 1, 2).first().is_some_and(|x| x == "old") {
        Some(if w == "yo" {
            we
        } else {
            t.next_word(we, 2).map_or(we, |x| x.1)
        })
    } else if w == "y"
        && matches!(t.ch(we), '/' | '.' | ' ')
        && t.ch(we + 1) == 'o'
        && !t.is_word(we + 2)
    {
        Some(if t.ch(we + 2) == '.' { we + 3 } else { we + 2 })
    } else if matches!(w.as_str(), "years" | "year" | "yr")
        && t.words_after(we, 1, 2).first().is_some_and(|x| x == "old")
    {
        t.next_word(we, 2).map(|x| x.1)
    } else if AGE_WORDS.contains(&w.as_str()) && !glued_number(t, j) {
        let after = t.words_after(we, 2, 2);
        let stated = match after.first().map(String::as_str) {
            None => true,
            Some("de") | Some("d") => after
                .get(1)
                .is_some_and(|x| x == "edad" || x == "idade" || x == "age"),
            Some(w2) => !DURATION_AFTER.contains(&w2),
        };
        if !stated {
            None
        } else if after.first().is_some_and(|x| x == "de") {
            t.next_word(we, 2)
                .and_then(|x| t.next_word(x.1, 2))
                .map(|x| x.1)
        } else {
            Some(we)
        }
    } else {
        None
    }
}

/// Where an age named by a label before the number at `i..ne` starts
/// ("age: 17", "aged 17", "edad 17", "idade: 17", "is age 17"); not before
/// a range ("age 18-25", "aged 18 to 25").
fn prefix_form(t: &Text<'_>, i: usize, ne: usize) -> Option<usize> {
    let prefix = t.words_before(i, 2, 3);
    let named = prefix
        .first()
        .is_some_and(|w| matches!(w.as_str(), "age" | "aged" | "edad" | "idade"))
        || (prefix.first().is_some_and(|w| w == "is") && prefix.get(1).is_some_and(|w| w == "age"));
    let range = matches!(t.ch(t.skip_spaces(ne, 1)), '-' | '+' | '/' | '–')
        || t.words_after(ne, 1, 2)
            .first()
            .is_some_and(|w| w == "to" || w == "a" || w == "and");
    if !named || range {
        return None;
    }
    let mut start = t.word_start_before(label_end(t, i));
    if prefix.first().is_some_and(|w| w == "is") {
        start = t.word_start_before(t.skip_spaces_back(start, 2));
    }
    Some(start)
}

fn glued_number(t: &Text<'_>, j: usize) -> bool {
    t.word_end(j) < t.len() && t.ch(t.word_end(j)).is_ascii_digit()
}
