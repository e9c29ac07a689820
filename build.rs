//! Build script: derives the engine's Unicode folding table and embeds the
//! default rule packs.
//!
//! 1. The folding table maps every non-ASCII scalar value whose matching form
//!    differs from itself to a short replacement string plus flags. It is
//!    computed here from well-kept Unicode crates (full case folding from
//!    `caseless`, NFKD and combining marks from `unicode-normalization`, UTS #39
//!    confusables from `unicode-security`, general categories and emoji data
//!    from `unicode-properties` and `emojis`) and written out as three compact
//!    arrays, so none of those crates, and none of their larger tables, ships
//!    inside the `.wasm`.
//! 2. The packs under `rules/` are converted from TOML to one JSON array so
//!    the library can embed them without a TOML parser (the wasm build has
//!    none). Validation happens when the default engine is built, and in the
//!    tests, not here.

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

// Keep in sync with `src/normalize/table.rs`.
const F_COMPAT: u32 = 1;
const F_DIACRITIC: u32 = 2;
const F_CONFUSABLE: u32 = 4;
const F_INVISIBLE: u32 = 8;
const F_EMOJI: u32 = 16;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    write_fold_table(&out.join("fold_table.rs"));
    write_class_table(&out.join("class_table.rs"));
    write_default_packs(Path::new("rules"), &out.join("default_packs.json"));
    embed_image(&out.join("default_image.bin"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=rules");
}

/// The built-in packs pre-compiled (`redflag image`), when the build is
/// given one in `REDFLAG_IMAGE` (the npm package build does): engines then
/// decode it instead of compiling the packs from JSON, and the JSON is left
/// out (`cfg(redflag_image)`).
fn embed_image(dest: &Path) {
    println!("cargo:rustc-check-cfg=cfg(redflag_image)");
    println!("cargo:rerun-if-env-changed=REDFLAG_IMAGE");
    match env::var_os("REDFLAG_IMAGE") {
        Some(path) if !path.is_empty() => {
            let src = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", src.display());
            let bytes =
                fs::read(&src).unwrap_or_else(|e| panic!("REDFLAG_IMAGE={}: {e}", src.display()));
            fs::write(dest, bytes).expect("write the pack image");
            println!("cargo:rustc-cfg=redflag_image");
        }
        _ => fs::write(dest, []).expect("write the empty pack image"),
    }
}

/// Whether a character is invisible or a formatting control that evasion
/// uses to split words: general category Cf (zero-width space and joiners,
/// bidi controls, soft hyphen, tags), C1 controls, variation selectors
/// and emoji skin-tone modifiers. Characters that display as a blank
/// ([`is_blank_glyph`]) are spaces instead: deleting them would glue
/// together the words they separate on screen.
fn is_ignorable(c: char) -> bool {
    let cp = c as u32;
    matches!(
        c.general_category(),
        GeneralCategory::Format | GeneralCategory::Control
    ) || (0xFE00..=0xFE0F).contains(&cp)
        || (0xE0100..=0xE01EF).contains(&cp)
        || (0x180B..=0x180F).contains(&cp)
        || cp == 0x034F
        || (0x1F3FB..=0x1F3FF).contains(&cp)
}

/// Characters that are not `White_Space` but display as a blank: the
/// braille pattern blank and the Hangul fillers. Posters use them as
/// spaces, so they read as spaces.
fn is_blank_glyph(c: char) -> bool {
    matches!(c as u32, 0x115F | 0x1160 | 0x2800 | 0x3164 | 0xFFA0)
}

/// Letters with a stroke or bar that canonical decomposition leaves whole
/// (Vietnamese đ, Polish ł, Danish ø, Maltese ħ, Turkish dotless ı): read as
/// their base letter, like accented letters.
fn stroke_letter(c: char) -> Option<char> {
    Some(match c {
        'đ' | 'Đ' | 'ɖ' => 'd',
        'ł' | 'Ł' | 'ŀ' | 'Ŀ' | 'ƚ' => 'l',
        'ø' | 'Ø' | 'ǿ' | 'Ǿ' => 'o',
        'ħ' | 'Ħ' => 'h',
        'ŧ' | 'Ŧ' => 't',
        'ı' => 'i',
        'ƀ' | 'Ƀ' => 'b',
        'ƶ' | 'Ƶ' => 'z',
        'ǥ' | 'Ǥ' => 'g',
        'ɨ' | 'Ɨ' => 'i',
        _ => return None,
    })
}

/// Value of a decimal digit in any script (general category Nd). Unicode
/// allocates every Nd digit in runs of ten, zero first.
fn decimal_value(c: char) -> Option<u32> {
    if c.general_category() != GeneralCategory::DecimalNumber {
        return None;
    }
    let mut start = c as u32;
    while start > 0 {
        match char::from_u32(start - 1) {
            Some(p) if p.general_category() == GeneralCategory::DecimalNumber => start -= 1,
            _ => break,
        }
    }
    Some((c as u32 - start) % 10)
}

/// The emoji token for a single-scalar emoji: `:cldr_short_name:`.
fn emoji_token(c: char) -> Option<String> {
    let mut s = c.to_string();
    let e = emojis::get(&s).or_else(|| {
        s.push('\u{FE0F}');
        emojis::get(&s)
    })?;
    let name = e.name();
    if let Some(rest) = name.strip_prefix("keycap: ") {
        if rest.chars().all(|d| d.is_ascii_digit()) {
            return Some(rest.to_string());
        }
    }
    let mut tok = String::from(":");
    let mut last_us = true;
    for ch in name.chars().flat_map(|ch| ch.to_lowercase()) {
        let ch = ch.nfkd().find(|x| !is_combining_mark(*x)).unwrap_or(ch);
        if ch.is_ascii_alphanumeric() {
            tok.push(ch);
            last_us = false;
        } else if !last_us {
            tok.push('_');
            last_us = true;
        }
    }
    while tok.ends_with('_') {
        tok.pop();
    }
    tok.push(':');
    Some(tok)
}

/// Negative circled and negative squared Latin capitals (🅐, 🅰 …) have no
/// decomposition but read as letters.
fn enclosed_letter(c: char) -> Option<char> {
    let cp = c as u32;
    for base in [0x1F150u32, 0x1F170] {
        if (base..base + 26).contains(&cp) {
            return char::from_u32('a' as u32 + cp - base);
        }
    }
    None
}

/// The folded form of one non-ASCII scalar value, or `None` if it maps to
/// itself.
fn fold(c: char) -> Option<(String, u32)> {
    if c.is_whitespace() {
        return Some((" ".to_string(), 0));
    }
    if (0xAC00..=0xD7A3).contains(&(c as u32)) {
        // Hangul syllables are letters; their jamo decomposition is not a
        // matching form anybody writes terms in.
        return None;
    }
    if (0x1F1E6..=0x1F1FF).contains(&(c as u32)) {
        // Regional indicators are paired into flag tokens by the normaliser.
        return None;
    }
    if matches!(c as u32, 0x2010..=0x2013 | 0x2212) {
        // Hyphen, non-breaking hyphen, figure dash, en dash and minus read
        // as the ASCII hyphen ("18–25" is "18-25"); the em dash stays
        // punctuation.
        return Some(("-".to_string(), 0));
    }
    if is_blank_glyph(c) {
        return Some((" ".to_string(), F_INVISIBLE));
    }
    if is_ignorable(c) {
        return Some((String::new(), F_INVISIBLE));
    }
    if let Some(l) = stroke_letter(c) {
        return Some((l.to_string(), F_DIACRITIC));
    }
    if is_combining_mark(c) {
        return Some((String::new(), F_DIACRITIC));
    }
    if let Some(l) = enclosed_letter(c) {
        return Some((l.to_string(), F_COMPAT));
    }
    if let Some(d) = decimal_value(c) {
        return Some((char::from_digit(d, 10).unwrap().to_string(), F_COMPAT));
    }
    let folded = caseless::default_case_fold_str(&c.to_string());
    let nfd: String = folded.nfd().collect();
    let nfkd: String = folded.nfkd().collect();
    let mut flags = 0;
    if nfd != nfkd && nfkd.chars().any(|x| x.is_alphanumeric()) {
        flags |= F_COMPAT;
    }
    let mut out = String::new();
    for x in nfkd.chars() {
        if is_combining_mark(x) {
            flags |= F_DIACRITIC;
            continue;
        }
        if x.is_whitespace() {
            out.push(' ');
            continue;
        }
        if x.is_ascii() {
            out.push(x.to_ascii_lowercase());
            continue;
        }
        if let Some(d) = decimal_value(x) {
            out.push(char::from_digit(d, 10).unwrap());
            flags |= F_COMPAT;
            continue;
        }
        let mut skel: String =
            unicode_security::confusable_detection::skeleton(&x.to_string()).collect();
        if !skel.is_ascii() && matches!(x as u32, 0x0370..=0x04FF) {
            // A Cyrillic or Greek small letter whose capital looks Latin
            // (м/М, т/Т, н/Н, к/К, в/В): read as that Latin letter, so a
            // Latin capital inside a Cyrillic word ("Mолоденькая") folds
            // like the Cyrillic one.
            let upper: String = x.to_uppercase().collect();
            let s: String = unicode_security::confusable_detection::skeleton(&upper).collect();
            if s.len() == 1 && s.is_ascii() {
                skel = s;
            }
        }
        let skel_lower = skel.to_ascii_lowercase();
        if !skel_lower.is_empty()
            && skel_lower.chars().all(|s| s.is_ascii_alphanumeric())
            && x.is_alphanumeric()
        {
            out.push_str(&skel_lower);
            flags |= F_CONFUSABLE;
        } else {
            out.push(x);
        }
    }
    if out.is_empty() {
        return Some((out, flags | F_INVISIBLE));
    }
    // Only foldings that land in ASCII are kept (Latin letters with
    // accents, look-alikes, compatibility forms, digits). Other scripts keep
    // their letters; the normaliser lowercases them at run time. This halves
    // the table that ships in the .wasm.
    if !out.is_ascii() {
        return emoji_token(c).map(|tok| (tok, F_EMOJI));
    }
    // Emoji whose folding found nothing letter-like become name tokens.
    if !out.chars().any(|x| x.is_ascii_alphanumeric()) {
        if let Some(tok) = emoji_token(c) {
            return Some((tok, F_EMOJI));
        }
    }
    if out == c.to_string() {
        None
    } else {
        Some((out, flags))
    }
}

fn write_fold_table(path: &Path) {
    // Collect every mapping, then merge neighbours into ranges: a run of
    // scalars with the same replacement (all combining marks → "") or with
    // consecutive one-character replacements (𝐚..𝐳 → a..z) is one entry.
    let mut maps: Vec<(u32, String, u32)> = Vec::new();
    for cp in 0x80u32..=0x10FFFF {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        if let Some((s, flags)) = fold(c) {
            maps.push((cp, s, flags));
        }
    }
    let single = |s: &str| {
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c as u32),
            _ => None,
        }
    };
    // (start, len, sequential, replacement, flags)
    let mut ranges: Vec<(u32, u32, bool, String, u32)> = Vec::new();
    for (cp, s, flags) in maps {
        if let Some(last) = ranges.last_mut() {
            let next = last.0 + last.1;
            if cp == next && flags == last.4 && last.1 < 0xFFFF {
                let constant = !last.2 && s == last.3;
                let seq = match (single(&last.3), single(&s)) {
                    (Some(a), Some(b)) => b == a + last.1 && (last.2 || last.1 == 1),
                    _ => false,
                };
                if constant && !last.2 {
                    last.1 += 1;
                    continue;
                }
                if seq {
                    last.2 = true;
                    last.1 += 1;
                    continue;
                }
            }
        }
        ranges.push((cp, 1, false, s, flags));
    }
    let mut starts = Vec::new();
    let mut lens = Vec::new();
    let mut vals = Vec::new();
    let mut pool = String::new();
    let mut offsets: HashMap<String, usize> = HashMap::new();
    for (start, len, seq, s, flags) in ranges {
        let off = *offsets.entry(s.clone()).or_insert_with(|| {
            let o = pool.len();
            pool.push_str(&s);
            o
        });
        assert!(s.len() < 64, "replacement too long at {start:#x}: {s}");
        assert!(off < (1 << 20), "pool too large");
        starts.push(start);
        lens.push(len as u16);
        vals.push(((off as u32) << 12) | ((s.len() as u32) << 6) | ((seq as u32) << 5) | flags);
    }
    let mut src = String::new();
    writeln!(
        src,
        "// @generated by build.rs from the Unicode crates listed there."
    )
    .unwrap();
    writeln!(
        src,
        "pub(crate) static STARTS: [u32; {}] = {:?};",
        starts.len(),
        starts
    )
    .unwrap();
    writeln!(
        src,
        "pub(crate) static LENS: [u16; {}] = {:?};",
        lens.len(),
        lens
    )
    .unwrap();
    writeln!(
        src,
        "pub(crate) static VALS: [u32; {}] = {:?};",
        vals.len(),
        vals
    )
    .unwrap();
    writeln!(src, "pub(crate) static POOL: &str = {:?};", pool).unwrap();
    fs::write(path, src).expect("write fold table");
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_toml(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

fn write_default_packs(dir: &Path, path: &Path) {
    let mut files = Vec::new();
    collect_toml(dir, &mut files);
    files.sort();
    let mut packs = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let value: serde_json::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        packs.push(value);
    }
    fs::write(path, serde_json::to_string(&packs).unwrap()).expect("write default packs");
}

/// Bit sets of the Basic Multilingual Plane for `char::is_alphabetic` and
/// `char::is_alphanumeric`: the standard library answers for non-ASCII
/// letters by a binary search that took a quarter of all screening
/// instructions on text in other scripts; the engine asks several times per
/// character. Computed with the same standard library, so the answers match.
fn write_class_table(path: &Path) {
    let mut alpha = vec![0u64; 1024];
    let mut alnum = vec![0u64; 1024];
    for cp in 0u32..0x10000 {
        if let Some(c) = char::from_u32(cp) {
            if c.is_alphabetic() {
                alpha[(cp / 64) as usize] |= 1 << (cp % 64);
            }
            if c.is_alphanumeric() {
                alnum[(cp / 64) as usize] |= 1 << (cp % 64);
            }
        }
    }
    let fmt = |v: &[u64]| {
        v.iter()
            .map(|x| format!("{x:#x}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let src = format!(
        "pub(crate) static ALPHA_BMP: [u64; 1024] = [{}];\npub(crate) static ALNUM_BMP: [u64; 1024] = [{}];\n",
        fmt(&alpha),
        fmt(&alnum)
    );
    std::fs::write(path, src).expect("write class table");
}
