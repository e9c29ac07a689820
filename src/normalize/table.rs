//! Lookup in the generated folding table (see `build.rs`).

mod data {
    include!(concat!(env!("OUT_DIR"), "/fold_table.rs"));
}

mod class {
    include!(concat!(env!("OUT_DIR"), "/class_table.rs"));
}

/// `c.is_alphabetic()`, by table for the Basic Multilingual Plane.
#[inline]
pub(crate) fn is_alpha(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return c.is_ascii_alphabetic();
    }
    if cp < 0x10000 {
        return class::ALPHA_BMP[(cp >> 6) as usize] >> (cp & 63) & 1 == 1;
    }
    c.is_alphabetic()
}

/// A letter of a script written without spaces between words (Han,
/// Hiragana, Katakana, Thai, Lao, Khmer, Myanmar). Inside a run of such
/// letters a term matches anywhere: the word boundaries those scripts do
/// not write are decided by script change, not by spaces.
#[inline]
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
        | 0x3040..=0x30FF // Hiragana, Katakana
        | 0x31F0..=0x31FF // Katakana phonetic extensions
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3FFFF // CJK extensions B and later
    )
}

/// `c.is_alphanumeric()`, by table for the Basic Multilingual Plane.
#[inline]
pub(crate) fn is_alnum(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return c.is_ascii_alphanumeric();
    }
    if cp < 0x10000 {
        return class::ALNUM_BMP[(cp >> 6) as usize] >> (cp & 63) & 1 == 1;
    }
    c.is_alphanumeric()
}

/// Flags stored in the table; the values match `build.rs` and [`super::Steps`].
pub(crate) const F_COMPAT: u16 = 1;
pub(crate) const F_DIACRITIC: u16 = 2;
pub(crate) const F_CONFUSABLE: u16 = 4;
pub(crate) const F_INVISIBLE: u16 = 8;
pub(crate) const F_EMOJI: u16 = 16;

/// The replacement of one non-ASCII scalar value.
pub(crate) enum Fold {
    /// Maps to itself.
    Same,
    /// Maps to a string (possibly empty) with flags.
    Str(&'static str, u16),
    /// Maps to one other character with flags.
    Char(char, u16),
}

/// Looks up the matching form of a non-ASCII character.
pub(crate) fn fold(c: char) -> Fold {
    let cp = c as u32;
    let i = match data::STARTS.binary_search(&cp) {
        Ok(i) => i,
        Err(0) => return Fold::Same,
        Err(i) => i - 1,
    };
    let start = data::STARTS[i];
    let len = u32::from(data::LENS[i]);
    if cp >= start + len {
        return Fold::Same;
    }
    let v = data::VALS[i];
    let flags = (v & 0x1F) as u16;
    let seq = v & 0x20 != 0;
    let slen = ((v >> 6) & 0x3F) as usize;
    let off = (v >> 12) as usize;
    // The pool is generated from whole strings, so these ranges are always
    // on character boundaries; `get` keeps a corrupt table from panicking.
    let s = data::POOL.get(off..off + slen).unwrap_or("");
    if seq {
        let base = s.chars().next().map_or(0, |c| c as u32);
        match char::from_u32(base + (cp - start)) {
            Some(ch) => Fold::Char(ch, flags),
            None => Fold::Same,
        }
    } else {
        Fold::Str(s, flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(c: char) -> (String, u16) {
        match fold(c) {
            Fold::Same => (c.to_string(), 0),
            Fold::Str(s, f) => (s.to_string(), f),
            Fold::Char(ch, f) => (ch.to_string(), f),
        }
    }

    #[test]
    fn class_tables_match_the_standard_library() {
        for cp in (0u32..0x11000)
            .step_by(7)
            .chain([0xAA, 0x2160, 0x3007, 0xFF10, 0x1D7CE])
        {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(super::is_alpha(c), c.is_alphabetic(), "{cp:#x}");
                assert_eq!(super::is_alnum(c), c.is_alphanumeric(), "{cp:#x}");
            }
        }
    }

    #[test]
    fn table_covers_the_evasion_classes() {
        assert_eq!(folded('É').0, "e");
        assert_eq!(folded('ß').0, "ss");
        assert_eq!(folded('Ａ'), ("a".into(), F_COMPAT));
        assert_eq!(folded('𝐟'), ("f".into(), F_COMPAT));
        assert_eq!(folded('𝕡').0, "p");
        assert_eq!(folded('а'), ("a".into(), F_CONFUSABLE)); // Cyrillic a
        assert_eq!(folded('ο').0, "o"); // Greek omicron
        assert_eq!(folded('\u{200B}'), (String::new(), F_INVISIBLE));
        assert_eq!(folded('\u{00AD}'), (String::new(), F_INVISIBLE));
        assert_eq!(folded('\u{202E}'), (String::new(), F_INVISIBLE));
        assert_eq!(folded('\u{0301}'), (String::new(), F_DIACRITIC));
        assert_eq!(folded('٣'), ("3".into(), F_COMPAT)); // Arabic-Indic three
        assert_eq!(folded('🌹'), (":rose:".into(), F_EMOJI));
        assert_eq!(folded('🍒'), (":cherries:".into(), F_EMOJI));
        assert_eq!(folded('👑'), (":crown:".into(), F_EMOJI));
        assert_eq!(folded('🔟').0, "10");
        assert_eq!(folded('\u{00A0}'), (" ".into(), 0));
        assert_eq!(folded('한').0, "한");
        assert_eq!(folded('中').0, "中");
    }
}
