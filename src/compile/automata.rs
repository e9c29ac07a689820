//! The automata over the patterns (terms in matching form), and which
//! patterns each holds: the patterns searched in every text are built with
//! the rule set (ASCII ones as dense DFAs, halved until each fits), other
//! scripts' and each language's own on first use, and the spaceless
//! variants of multi-word patterns ([`Joined`]) on the first spaced-out
//! text.

use super::conditions::all_terms;
use super::{Compiled, Cond, Patterns};
use crate::matcher::Matcher;

/// The multi-word patterns with their spaces removed.
///
/// "r e g i s t r a t i o n f e e" is joined into one word, since a
/// single separator between letters cannot tell the gap between two words
/// from the gaps between letters, and the term "registration fee" then
/// cannot match. These variants can; a match counts only where the
/// normaliser removed a separator at each missing space. A long hashtag
/// runs its words together too, and is searched with them (see
/// `engine::scan::hashtags`). Only such text needs them, so they are built
/// on the first of it and cost nothing at start-up.
#[derive(Clone)]
pub(crate) struct Joined {
    pub matcher: Matcher,
    /// Variant → the pattern it was made from.
    pub pattern: Vec<u32>,
    /// Variant → the offsets where its spaces were.
    pub gaps: Vec<Vec<u32>>,
}

/// Dense DFAs over the ASCII patterns among `ids`, each with its global
/// pattern ids: the set is halved until each half fits the dense DFA (a
/// pack set of tens of thousands of terms runs as a few DFAs, one table
/// lookup per byte each, rather than as one slower NFA). The other
/// scripts' terms are in [`script_matchers`]: multi-byte scripts make a
/// dense table wide (one column per byte class), so they use the compact
/// NFA, tens of megabytes smaller, searched only in text that holds such
/// letters.
pub(super) fn ascii_matchers(
    patterns: &Patterns,
    ids: &[u32],
) -> Result<Vec<(Matcher, Vec<u32>)>, String> {
    let ids: Vec<u32> = ids
        .iter()
        .copied()
        .filter(|&i| patterns[i as usize].is_ascii())
        .collect();
    let mut out = Vec::new();
    if !ids.is_empty() {
        split_into_dfas(patterns, ids, crate::matcher::DFA_MAX_BYTES, &mut out)?;
    }
    Ok(out)
}

/// A matcher over patterns of one script, with their characters.
pub(crate) type ScriptMatcher = (Matcher, Vec<u32>, CharPairs);

/// Matchers over the patterns `ids` that are not ASCII (see
/// [`group_matcher`]), one per script (of each pattern's first letter
/// outside ASCII: accented Latin, Cyrillic, Arabic, Thai, Devanagari, Han
/// and kana, the rest), each with its characters. Packs for every
/// language hold terms in all of them; a French ad's accented words are
/// searched with the accented Latin terms only, not with the Arabic, Thai
/// and Chinese ones too.
pub(super) fn script_matchers(
    patterns: &Patterns,
    ids: &[u32],
) -> Result<Vec<ScriptMatcher>, String> {
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); 7];
    for &i in ids {
        let p: &str = &patterns[i as usize];
        let Some(c) = p.chars().find(|c| !c.is_ascii()) else {
            continue;
        };
        let b = match c as u32 {
            0x0400..=0x052F => 1,
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFEFF => 2,
            0x0E00..=0x0E7F => 3,
            0x0900..=0x097F => 4,
            0x3040..=0x30FF | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000.. => 5,
            0x0080..=0x036F | 0x1E00..=0x1EFF => 0,
            _ => 6,
        };
        buckets[b].push(i);
    }
    let mut out = Vec::new();
    for ids in buckets.into_iter().filter(|b| !b.is_empty()) {
        let subset: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
        let mut pairs = CharPairs::default();
        for p in &subset {
            pairs.add(p.as_bytes());
        }
        out.push((
            Matcher::dense_up_to(&subset, SCRIPT_DFA_MAX_BYTES)?,
            ids,
            pairs,
        ));
    }
    Ok(out)
}

/// Largest dense table built for patterns of other scripts than ASCII: a
/// multi-byte script makes a table wide (a column per byte class), so a
/// pack's thousands of Cyrillic or Han terms use the compact NFA, but a
/// few dozen (the shared packs' Cyrillic terms) fit in a small DFA, which
/// searches several times faster. (512 KiB of two-byte transitions: the
/// same number of states as the megabyte of four-byte ones it was.)
const SCRIPT_DFA_MAX_BYTES: usize = 512 << 10;

/// The matcher over the patterns `ids` that are ASCII (`ascii`) or not,
/// with its local → global ids, `None` if there are none: a dense DFA if
/// its table fits [`LANGUAGE_DFA_MAX_BYTES`] (ASCII) or
/// [`SCRIPT_DFA_MAX_BYTES`] (other scripts), the compact NFA otherwise.
/// Building fails only past the automaton crate's own size limits, which
/// the pack limits keep far away; a set that cannot be built is `None`.
pub(super) fn group_matcher(
    patterns: &Patterns,
    ids: impl IntoIterator<Item = u32>,
    ascii: bool,
) -> Option<(Matcher, Vec<u32>)> {
    let ids: Vec<u32> = ids
        .into_iter()
        .filter(|&i| patterns[i as usize].is_ascii() == ascii)
        .collect();
    if ids.is_empty() {
        return None;
    }
    let sub: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
    let max = if ascii {
        LANGUAGE_DFA_MAX_BYTES
    } else {
        SCRIPT_DFA_MAX_BYTES
    };
    Matcher::dense_up_to(&sub, max).ok().map(|m| (m, ids))
}

/// Largest dense table built for one language's terms: past it, that
/// language's ASCII terms use the compact NFA too. Each language's
/// automaton is built only once text in it is seen, and a deployment that
/// sees many languages holds one of these per language. (2 MiB of
/// two-byte transitions: the same states as the 4 MiB of four-byte ones
/// it was, so the same languages stay on the NFA; letting the smaller
/// tables take four more languages' terms as DFAs cost 12 MB more.)
const LANGUAGE_DFA_MAX_BYTES: usize = 2 << 20;

/// The patterns searched only in text in one language (see `lang`):
/// those of packs that name their languages, built on the first text the
/// detector reads as that language.
#[derive(Clone, Default)]
pub(crate) struct LanguageGroup {
    /// Global pattern ids.
    pub ids: Vec<u32>,
    /// The matcher over its ASCII patterns and the one over the others
    /// (each with its local → global ids), each built on first use: text
    /// in Latin letters never builds the other scripts' one.
    pub ascii: std::sync::OnceLock<Option<(Matcher, Vec<u32>)>>,
    pub other: std::sync::OnceLock<Option<(Matcher, Vec<u32>)>>,
    /// The first two bytes of every non-ASCII character in its patterns
    /// (see [`CharPairs`]): text holding none of them cannot match any,
    /// and the other scripts' matcher is not run on it.
    pub other_pairs: std::sync::OnceLock<CharPairs>,
    /// The spaceless variants of its multi-word patterns, built on first
    /// use.
    pub joined: std::sync::OnceLock<Option<Joined>>,
}

impl LanguageGroup {
    /// The matcher over the group's ASCII patterns (`ascii`) or the
    /// others, `None` if it has none. ASCII ones are a dense DFA when its
    /// table fits [`LANGUAGE_DFA_MAX_BYTES`], the compact NFA otherwise
    /// (Romanian, Polish and Tagalog today: halving those into several
    /// DFAs saved 0.3 % of the instructions over the corpora but cost
    /// 64 MiB of wasm memory once every language was built); the others
    /// a DFA up to [`SCRIPT_DFA_MAX_BYTES`] (see [`group_matcher`]). A
    /// group that cannot be built searches nothing.
    pub(crate) fn matcher(&self, patterns: &Patterns, ascii: bool) -> Option<&(Matcher, Vec<u32>)> {
        let cell = if ascii { &self.ascii } else { &self.other };
        cell.get_or_init(|| group_matcher(patterns, self.ids.iter().copied(), ascii))
            .as_ref()
    }

    /// The characters of the group's patterns that are not ASCII.
    pub(crate) fn other_pairs(&self, patterns: &Patterns) -> &CharPairs {
        self.other_pairs.get_or_init(|| {
            let mut pairs = CharPairs::default();
            for &i in &self.ids {
                pairs.add(patterns[i as usize].as_bytes());
            }
            pairs
        })
    }
}

/// A set of non-ASCII characters by their first two UTF-8 bytes (the
/// lead byte and the first continuation byte, 64 × 64 bits): enough to
/// tell scripts and most accented letters apart. A pattern can match
/// only text that holds each of its characters, so a text sharing no pair
/// with a set of patterns cannot match any of them (a French "é" and the
/// Arabic, Thai or Cyrillic patterns of a language group).
#[derive(Clone)]
pub(crate) struct CharPairs([u64; 64]);

impl Default for CharPairs {
    fn default() -> CharPairs {
        CharPairs([0; 64])
    }
}

impl CharPairs {
    /// Adds the characters of `bytes` (UTF-8).
    pub(crate) fn add(&mut self, bytes: &[u8]) {
        for w in bytes.windows(2) {
            if w[0] >= 0xC0 && w[1] & 0xC0 == 0x80 {
                self.0[(w[0] & 0x3F) as usize] |= 1 << (w[1] & 0x3F);
            }
        }
    }

    /// Whether the two sets share a character pair.
    pub(crate) fn meets(&self, other: &CharPairs) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
}

/// Splits the patterns into those searched in every text and those of
/// each language: a pattern used only by rules and filters of packs that
/// name one or two languages goes to those languages' groups; one used by
/// a pack for every language, or by packs of three languages or more,
/// goes to every text's; one used by nothing is searched nowhere.
pub(super) fn language_groups(c: &Compiled) -> (Vec<u32>, Vec<LanguageGroup>) {
    const EVERY: u32 = 1 << 31;
    let mut term_mask = vec![0u32; c.terms.len()];
    let mut ts = Vec::new();
    let mut mark = |cond: Option<&Cond>, extra: &[u32], langs: crate::lang::Mask| {
        ts.clear();
        if let Some(cond) = cond {
            all_terms(cond, &mut ts);
        }
        ts.extend_from_slice(extra);
        let m = if langs == 0 { EVERY } else { u32::from(langs) };
        for &t in &ts {
            if let Some(x) = term_mask.get_mut(t as usize) {
                *x |= m;
            }
        }
    };
    for r in &c.rules {
        mark(Some(&r.cond), &r.exceptions, r.langs);
    }
    for f in &c.filters {
        mark(f.when.as_ref(), &[], f.langs);
    }
    let mut base = Vec::new();
    let mut groups: Vec<LanguageGroup> = (0..crate::lang::LANGS.len())
        .map(|_| LanguageGroup::default())
        .collect();
    for (p, terms) in c.pattern_terms.iter().enumerate() {
        let m = terms
            .iter()
            .filter(|&&t| t != u32::MAX)
            .fold(0u32, |m, &t| {
                m | term_mask.get(t as usize).copied().unwrap_or(EVERY)
            });
        if m == 0 {
            continue;
        }
        if m & EVERY != 0 || m.count_ones() > 2 {
            base.push(p as u32);
            continue;
        }
        for (l, g) in groups.iter_mut().enumerate() {
            if m & (1 << l) != 0 {
                g.ids.push(p as u32);
            }
        }
    }
    (base, groups)
}

/// Dense DFAs over the patterns `ids`, halving the set until each table
/// fits `max_bytes` and [`crate::matcher::DFA_MAX_STATES`] states; a
/// single pattern too large for one falls back to the compact NFA.
pub(super) fn split_into_dfas(
    patterns: &Patterns,
    ids: Vec<u32>,
    max_bytes: usize,
    out: &mut Vec<(Matcher, Vec<u32>)>,
) -> Result<(), String> {
    let subset: Vec<&str> = ids.iter().map(|&i| &patterns[i as usize]).collect();
    if let Some(d) = crate::matcher::Dfa::new(&subset, max_bytes) {
        out.push((Matcher::Dfa(d), ids));
        return Ok(());
    }
    if ids.len() < 2 {
        out.push((Matcher::new(&subset)?, ids));
        return Ok(());
    }
    let mut a = ids;
    let b = a.split_off(a.len() / 2);
    split_into_dfas(patterns, a, max_bytes, out)?;
    split_into_dfas(patterns, b, max_bytes, out)
}

/// The spaceless variants of the multi-word patterns among `ids`.
pub(super) fn joined(
    patterns: &Patterns,
    pattern_terms: &[[u32; 4]],
    ids: &[u32],
) -> Option<Joined> {
    let mut variants = Vec::new();
    let mut pattern = Vec::new();
    let mut gaps = Vec::new();
    for &p in ids {
        let form = &patterns[p as usize];
        if !form.contains(' ')
            || pattern_terms
                .get(p as usize)
                .is_none_or(|t| t[0] == u32::MAX)
        {
            continue;
        }
        // Joined text collapses like any text: the letter two words share
        // at a gap is written once ("visa agent" reads "visagent"), the
        // removed separator then marking the letter after it.
        let mut v = String::with_capacity(form.len());
        let mut g = Vec::new();
        let mut at_gap = false;
        for ch in form.chars() {
            if ch == ' ' {
                g.push(v.len() as u32);
                at_gap = true;
            } else if !(at_gap && v.ends_with(ch) && ch.is_alphabetic()) {
                v.push(ch);
                at_gap = false;
            }
        }
        variants.push(v);
        pattern.push(p);
        gaps.push(g);
    }
    if variants.is_empty() {
        return None;
    }
    // The crate's compact NFA, not a dense table: these variants are
    // searched only around the few places where the normaliser joined a
    // spaced-out word and inside long hashtags, and a dense table over
    // every language's multi-word terms took 60 MB, which a wasm instance
    // never gives back.
    Matcher::nfa(&variants).ok().map(|matcher| Joined {
        matcher,
        pattern,
        gaps,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Patterns {
        let mut p = Patterns::with_capacity(list.len(), 0);
        for s in list {
            p.push(s);
        }
        p
    }

    fn all_matches(ms: &[(Matcher, Vec<u32>)], hay: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        for (m, ids) in ms {
            m.for_each(hay.as_bytes(), |p, s, e| out.push((ids[p as usize], s, e)));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn halved_dfas_find_what_one_automaton_finds() {
        let words: Vec<String> = (0..400).map(|i| format!("w{i}x{}", i * 7 % 13)).collect();
        let list: Vec<&str> = words.iter().map(String::as_str).collect();
        let p = patterns(&list);
        let ids: Vec<u32> = (0..list.len() as u32).collect();
        let mut one = Vec::new();
        split_into_dfas(&p, ids.clone(), usize::MAX, &mut one).unwrap();
        let mut many = Vec::new();
        split_into_dfas(&p, ids, 16 << 10, &mut many).unwrap();
        assert_eq!(one.len(), 1);
        assert!(many.len() > 1, "a small cap splits the set");
        let hay = "w12x6 and w399x11 then w7x10w8x4 w1000x1";
        let found = all_matches(&many, hay);
        assert_eq!(found, all_matches(&one, hay));
        assert!(found.len() >= 4);
    }

    #[test]
    fn a_set_past_the_dfa_state_limit_is_halved_and_finds_the_same() {
        // About 140,000 trie states: more than two-byte transitions number.
        let words: Vec<String> = (0..20_000u64)
            .map(|i| format!("{i}:{}", i.wrapping_mul(2_654_435_761) % 1_000_000))
            .collect();
        let list: Vec<&str> = words.iter().map(String::as_str).collect();
        assert!(crate::matcher::Dfa::new(&list, usize::MAX).is_none());
        let p = patterns(&list);
        let ids: Vec<u32> = (0..list.len() as u32).collect();
        let mut many = Vec::new();
        split_into_dfas(&p, ids, usize::MAX, &mut many).unwrap();
        assert!(many.len() > 1);
        assert!(many.iter().all(|(m, _)| matches!(m, Matcher::Dfa(_))));
        let hay = format!("{} and {}, not 20000:1", words[0], words[19_999]);
        let found = all_matches(&many, &hay);
        assert!(found.iter().any(|&(p, _, _)| p == 0));
        assert!(found.iter().any(|&(p, _, _)| p == 19_999));
    }

    #[test]
    fn char_pairs_tell_scripts_apart() {
        let mut cyr = CharPairs::default();
        cyr.add("паспорт".as_bytes());
        let mut fr = CharPairs::default();
        fr.add("payé en espèces".as_bytes());
        let mut ru_text = CharPairs::default();
        ru_text.add("Работа, жильё".as_bytes());
        assert!(cyr.meets(&ru_text));
        assert!(!fr.meets(&ru_text));
        assert!(!cyr.meets(&CharPairs::default()));
        // ASCII adds nothing.
        let mut ascii = CharPairs::default();
        ascii.add(b"passport");
        assert!(!ascii.meets(&fr));
    }

    #[test]
    fn script_matchers_split_by_script_and_keep_every_pattern() {
        let p = patterns(&[
            "паспорт",
            "جواز",
            "payé",
            "护照",
            "หนังสือเดินทาง",
            "पासपोर्ट",
            "ascii",
        ]);
        let ids: Vec<u32> = (0..p.len() as u32).collect();
        let ms = script_matchers(&p, &ids).unwrap();
        assert_eq!(ms.len(), 6, "one per script, ASCII left out");
        let mut all: Vec<u32> = ms.iter().flat_map(|m| m.1.iter().copied()).collect();
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
        for (m, ids, pairs) in &ms {
            let text = &p[ids[0] as usize];
            let mut tp = CharPairs::default();
            tp.add(text.as_bytes());
            assert!(pairs.meets(&tp));
            let mut n = 0;
            m.for_each(text.as_bytes(), |_, _, _| n += 1);
            assert_eq!(n, 1);
        }
    }
}
