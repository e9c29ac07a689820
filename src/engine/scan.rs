//! Reading a submission: each field normalised once, every term found in
//! one pass of the automaton (and the passes that see through hyphens,
//! masked letters and spaced-out words), entities read on demand.

use std::cell::{Cell, RefCell};
use std::ops::Range;

use crate::compile::Compiled;
use crate::extract::{self, Found};
use crate::matcher::windows;
use crate::normalize::{normalize, Normalized};
use crate::submission::Submission;

use super::Engine;

/// A span of the matching form of one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span {
    pub field: u16,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Occ {
    pub(super) term: u32,
    pub(super) span: Span,
    /// Word index of the first and last word of the match.
    pub(super) w0: u32,
    pub(super) w1: u32,
}

pub(super) struct Field<'a> {
    pub(super) name: &'a str,
    pub(super) name_lower: String,
    pub(super) original: &'a str,
    pub(super) norm: Normalized,
}

impl Field<'_> {
    pub(super) fn word_at(&self, pos: usize) -> u32 {
        self.norm
            .word_starts()
            .partition_point(|&w| w as usize <= pos)
            .saturating_sub(1) as u32
    }
}

/// An extracted entity located in the matching form.
pub(super) struct EntityOcc {
    pub(super) found: Found,
    pub(super) span: Span,
    pub(super) w0: u32,
    pub(super) w1: u32,
}

/// Per-submission working state.
pub(super) struct Scan<'a> {
    pub(super) fields: Vec<Field<'a>>,
    /// Sorted by (term, field, start).
    pub(super) occs: Vec<Occ>,
    /// Bit `t` set when term `t` has an occurrence (a buffer reused by
    /// the thread, see [`PRESENT`]).
    pub(super) present: Vec<u64>,
    /// The languages read in the text.
    pub(super) langs: crate::lang::Detected,
    /// Entities, extracted on demand: the first time a condition looks at
    /// a kind (or all of them, when the caller asked for entities).
    pub(super) entities: RefCell<Vec<EntityOcc>>,
    /// The kinds extracted so far in every field (bits of
    /// `extract::kind_bit`).
    pub(super) extracted: Cell<u8>,
    /// The kinds extracted so far, field by field.
    done: RefCell<Vec<u8>>,
    /// Each field's entity form, made when a kind is first read there.
    forms: RefCell<Vec<Option<extract::Form>>>,
    /// Kinds worth extracting together with one asked for, when their
    /// extractors run anyway: those the rules still to run may look at.
    pub(super) wanted: Cell<u8>,
    pub(super) max_entities: usize,
}

impl Scan<'_> {
    /// Extracts `kinds` in every field unless done, and with them the
    /// `wanted` kinds whose extractors run anyway to read those (a phone
    /// number is read after prices, ages and e-mail addresses, so that
    /// none of them is taken for one). A field that cannot hold a kind
    /// asked (no run of digits long enough for a phone number) runs no
    /// extractor for it.
    pub(super) fn ensure(&self, kinds: u8) {
        if kinds & !self.extracted.get() == 0 {
            return;
        }
        let wanted = self.wanted.get();
        let mut done = self.done.borrow_mut();
        done.resize(self.fields.len(), 0);
        let mut forms = self.forms.borrow_mut();
        forms.resize_with(self.fields.len(), || None);
        let mut entities = self.entities.borrow_mut();
        let mut everywhere = u8::MAX;
        for (fi, field) in self.fields.iter().enumerate() {
            let asked = kinds & !done[fi];
            let room = self.max_entities.saturating_sub(entities.len());
            if asked != 0 && room > 0 {
                let form = forms[fi].get_or_insert_with(|| extract::Form::new(field.original));
                let possible = form.possible(asked);
                let take = (possible | (wanted & extract::with_dependencies(possible))) & !done[fi];
                for found in form.find(field.original, take).into_iter().take(room) {
                    entities.push(locate(fi, field, found));
                }
                done[fi] |= take;
            }
            // Past the entity limit nothing more is read.
            done[fi] |= asked;
            everywhere &= done[fi];
        }
        self.extracted.set(everywhere);
    }

    /// The entities of `kind` (a kind bit) read only around the
    /// occurrences `near` (sorted by field and first word), for a condition
    /// that wants them within `within` words of those: each stretch read
    /// reaches [`ENTITY_CONTEXT_WORDS`] further either side, so that the
    /// extractors see the words around an entity as they would in the
    /// whole text. A long job ad with a few such words is read in a few
    /// short stretches instead of whole.
    pub(super) fn around(&self, near: &[&Occ], within: u32, kind: u8, mask: u64) -> Vec<EntityOcc> {
        let reach = within.saturating_add(ENTITY_CONTEXT_WORDS);
        let mut out = Vec::new();
        let mut stretches: Vec<(u32, u32)> = Vec::new();
        for (fi, field) in self.fields.iter().enumerate() {
            if fi >= 64 || mask & (1u64 << fi) == 0 {
                continue;
            }
            stretches.clear();
            for o in near.iter().filter(|o| o.span.field as usize == fi) {
                let (a, b) = (o.w0.saturating_sub(reach), o.w1.saturating_add(reach));
                match stretches.last_mut() {
                    Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                    _ => stretches.push((a, b)),
                }
            }
            let words = field.norm.word_starts();
            let len = field.norm.as_str().len();
            for &(a, b) in &stretches {
                // A stretch from the first word reads from the field's
                // start, so that a symbol before that word (the currency
                // of "£4500 pkg") is read as it is in the whole text.
                let start = if a == 0 {
                    0
                } else {
                    words.get(a as usize).map_or(len, |&w| w as usize)
                };
                let end = words
                    .get((b as usize).saturating_add(1))
                    .map_or(len, |&w| w as usize);
                if start >= end {
                    continue;
                }
                let src = field.norm.source_range(start..end);
                let Some(piece) = field.original.get(src.clone()) else {
                    continue;
                };
                for mut found in extract::find_kinds(piece, kind) {
                    found.bytes = found.bytes.start + src.start..found.bytes.end + src.start;
                    out.push(locate(fi, field, found));
                    if out.len() >= self.max_entities {
                        return out;
                    }
                }
            }
        }
        out
    }
}

/// How many words beyond the reach of its condition an entity is read
/// with, when only the text around some words is read (see
/// [`Scan::around`]): more than any extractor looks at around what it
/// reads (a few words: "must be at least", "born in", a currency or a
/// unit).
pub(super) const ENTITY_CONTEXT_WORDS: u32 = 12;

/// An entity found in field `fi`, located in its matching form.
pub(super) fn locate(fi: usize, field: &Field<'_>, found: Found) -> EntityOcc {
    let r = field.norm.range_of_source(found.bytes.clone());
    let span = Span {
        field: fi as u16,
        start: r.start as u32,
        end: r.end as u32,
    };
    let w0 = field.word_at(r.start);
    let w1 = field.word_at(r.end.saturating_sub(1).max(r.start));
    EntityOcc {
        found,
        span,
        w0,
        w1,
    }
}

impl Engine {
    /// Reads a submission: normalises each field, tells its languages, and
    /// finds every term occurrence (sorted by term, field and start).
    pub(super) fn scan<'a>(&self, sub: &'a Submission) -> Scan<'a> {
        let mut fields = Vec::new();
        let mut occs = Vec::new();
        // The languages first (from every field), so that only their
        // patterns are searched.
        let norms: Vec<(&str, &str, _)> = sub
            .fields()
            .map(|(name, text)| (name, text, normalize(text)))
            .collect();
        let langs = crate::lang::detect(norms.iter().map(|(_, text, n)| (*text, n.as_str())));
        for (fi, (name, text, norm)) in norms.into_iter().enumerate() {
            if self.c.has_patterns() {
                let mut found = FieldOccs {
                    c: &self.c,
                    field: fi as u16,
                    words: norm.word_starts(),
                    occs: &mut occs,
                };
                self.find_terms(&mut found, text, &norm, langs.run);
            }
            fields.push(Field {
                name,
                name_lower: name.to_ascii_lowercase(),
                original: text,
                norm,
            });
        }
        crate::sort::by_key(&mut occs, |o| {
            (o.term as u128) << 80
                | (o.span.field as u128) << 64
                | (o.span.start as u128) << 32
                | o.span.end as u128
        });
        // A pattern of two languages' groups is found once by each.
        occs.dedup_by(|a, b| a.term == b.term && a.span == b.span);
        // The terms that occur, as a bit set: most terms of a large pack
        // set never occur in an ad, and rules look each of theirs up. The
        // set has a bit per term of every pack (tens of kilobytes with
        // the language packs): rather than zeroing one for every ad, the
        // thread keeps one, and the scan clears the bits it set when it
        // ends.
        let mut present = PRESENT.with(Cell::take);
        let words = self.c.terms.len().div_ceil(64);
        if present.len() < words {
            present.resize(words, 0);
        }
        for o in &occs {
            if let Some(w) = present.get_mut(o.term as usize / 64) {
                *w |= 1 << (o.term % 64);
            }
        }
        Scan {
            fields,
            occs,
            present,
            langs,
            entities: RefCell::new(Vec::new()),
            extracted: Cell::new(0),
            done: RefCell::new(Vec::new()),
            forms: RefCell::new(Vec::new()),
            wanted: Cell::new(0),
            max_entities: self.limits.max_entities,
        }
    }

    /// Every term occurrence in one field: one pass of the automata over
    /// its matching form, then the passes that see through what the
    /// normaliser cannot undo in place (hyphens inside words, a letter
    /// masked by a symbol, words spaced out letter by letter, words run
    /// together in a hashtag).
    fn find_terms(&self, found: &mut FieldOccs<'_>, original: &str, norm: &Normalized, run: u16) {
        let t = norm.as_str();
        // A term may also start or end inside a spaced-out run ("a p a
        // s s p o r t" reads "a passport").
        let bounds = |s: usize, e: usize| {
            let (before, after) = touches_word(t, s, e);
            (before && !norm.joined_at(s), after && !norm.joined_at(e))
        };
        self.c.for_each_pattern(t.as_bytes(), run, |p, s, e| {
            let (before, after) = bounds(s, e);
            found.push(p, s, e, before, after);
        });
        // Each later pass reads only the text around what it changed: a
        // match longer than the longest pattern cannot cover it.
        let reach = self.c.max_pattern_len + 4;
        self.dehyphenated(found, t, run, reach);
        // A hashtag runs its words together ("#pasportkeptbyemployer"):
        // inside one long enough to hold several, the multi-word terms
        // without their spaces (see `Joined`), at word boundaries.
        // Ordinary words run together are not read so: only the `#`
        // says where words were joined.
        let bytes = t.as_bytes();
        for (lo, hi) in hashtags(bytes) {
            self.c.for_each_joined(&bytes[lo..hi], run, |p, _, s, e| {
                found.push(p, s + lo, e + lo, false, false);
            });
        }
        if norm.has_joined() {
            self.masked(found, original, norm, run, reach);
            // Words spaced out letter by letter lose the gaps between
            // them: the multi-word terms without their spaces, where the
            // normaliser joined letters at every missing space.
            // Only around the joins: a match must cover one.
            for (lo, hi) in windows(t.as_bytes(), norm.joined_points(), reach) {
                self.c
                    .for_each_joined(&t.as_bytes()[lo..hi], run, |p, gaps, s, e| {
                        let (s, e) = (s + lo, e + lo);
                        if gaps.iter().all(|&g| norm.joined_at(s + g as usize)) {
                            let (before, after) = bounds(s, e);
                            found.push(p, s, e, before, after);
                        }
                    });
            }
        }
    }

    /// Words cut by hyphens ("pass-port held by the cap-tain"): the text
    /// read again with every hyphen between two letters removed. Only
    /// matches that cross a removed hyphen are new.
    fn dehyphenated(&self, found: &mut FieldOccs<'_>, t: &str, run: u16, reach: usize) {
        let Some(dh) = Dehyphenated::of(t) else {
            return;
        };
        let d = dh.text.as_str();
        let cuts = dh.cuts.iter().map(|&(c, _)| (c as usize, c as usize));
        for (lo, hi) in windows(d.as_bytes(), cuts, reach) {
            self.c
                .for_each_pattern(&d.as_bytes()[lo..hi], run, |p, s, e| {
                    let (s, e) = (s + lo, e + lo);
                    if !dh.crosses(s, e) {
                        return;
                    }
                    let (before, after) = touches_word(d, s, e);
                    let (s0, e0) = dh.source(s, e);
                    found.push(p, s0, e0, before, after);
                });
        }
    }

    /// A letter replaced by a symbol ("p*ssport", "d_bt"): the symbol was
    /// dropped; try each vowel in its place, keeping only the matches that
    /// cover it. At most `MAX_MASKED_LETTERS` per field, so a text full of
    /// asterisks costs a few short passes, not one per symbol.
    fn masked(
        &self,
        found: &mut FieldOccs<'_>,
        original: &str,
        norm: &Normalized,
        run: u16,
        reach: usize,
    ) {
        let t = norm.as_str();
        for at in masked_letters(original, norm)
            .into_iter()
            .take(MAX_MASKED_LETTERS)
        {
            let Some((lo, hi)) = windows(t.as_bytes(), [(at, at)].into_iter(), reach).next() else {
                continue;
            };
            for v in ["a", "e", "i", "o", "u"] {
                // The window with the vowel at `at`; offsets below are in
                // the text with the vowel.
                let mut d = String::with_capacity(hi - lo + 1);
                d.push_str(&t[lo..at]);
                d.push_str(v);
                d.push_str(&t[at..hi]);
                self.c.for_each_pattern(d.as_bytes(), run, |p, s, e| {
                    if !(s + lo <= at && e + lo > at) {
                        return;
                    }
                    // The window holds `reach` bytes either side of the
                    // vowel: the characters around any match covering it
                    // are in it.
                    let (before, after) = touches_word(&d, s, e);
                    // The inserted vowel is not in the text.
                    let (s0, e0) = (s + lo, (e + lo - 1).max(s + lo + 1).min(t.len()));
                    found.push(p, s0, e0, before, after);
                });
            }
        }
    }
}

/// Where the occurrences of one field's terms go, as the passes find
/// pattern matches.
pub(super) struct FieldOccs<'a> {
    c: &'a Compiled,
    field: u16,
    /// Byte offsets where the field's words start.
    words: &'a [u32],
    occs: &'a mut Vec<Occ>,
}

impl FieldOccs<'_> {
    /// A match at [s, e) of the patterns of `pattern`, checked against the
    /// terms' word boundaries (`before_word`, `after_word`: a word
    /// character touches the match).
    fn push(&mut self, pattern: u32, s: usize, e: usize, before_word: bool, after_word: bool) {
        let word_at = |pos: usize| -> u32 {
            self.words
                .partition_point(|&w| w as usize <= pos)
                .saturating_sub(1) as u32
        };
        for &tid in self.c.terms_of(pattern) {
            let term = &self.c.terms[tid as usize];
            if (term.left && before_word) || (term.right && after_word) {
                continue;
            }
            self.occs.push(Occ {
                term: tid,
                span: Span {
                    field: self.field,
                    start: s as u32,
                    end: e as u32,
                },
                w0: word_at(s),
                w1: word_at(e.saturating_sub(1).max(s)),
            });
        }
    }
}

/// How many letters replaced by a symbol ("p*ssport") are read per field:
/// each costs five more passes of the automaton over the field.
pub(crate) const MAX_MASKED_LETTERS: usize = 4;

/// Offsets in the normalised text where a symbol standing for a letter was
/// dropped between two letters of one word: the original has exactly one
/// symbol there (one of those the normaliser drops inside a word: `*`, `_`,
/// `.`, `^`, `~`, `+`), with letters on both sides.
pub(super) fn masked_letters(original: &str, norm: &Normalized) -> Vec<usize> {
    let t = norm.as_str();
    let mut out = Vec::new();
    for (at, c) in t.char_indices() {
        if at == 0 || !norm.joined_at(at) || !crate::normalize::table::is_alpha(c) {
            continue;
        }
        let Some(p) = prev_char(t, at).filter(|&p| crate::normalize::table::is_alpha(p)) else {
            continue;
        };
        let before = norm.source_range(at - p.len_utf8()..at);
        let after = norm.source_range(at..at + c.len_utf8());
        let gap = original.get(before.end..after.start).unwrap_or("");
        let mut chars = gap.chars();
        if let (Some(g), None) = (chars.next(), chars.next()) {
            if !g.is_whitespace() && !g.is_alphanumeric() && g != '-' && g != '\'' {
                out.push(at);
            }
        }
    }
    out
}

/// A normalised text with every hyphen between two letters removed, and
/// where each removal happened. The normaliser collapses repeated letters,
/// so a letter repeated across the hyphen is removed with it
/// ("pas-sport" reads "pasport", as "passport" does).
pub(super) struct Dehyphenated {
    pub(super) text: String,
    /// (offset in `text` where bytes were removed, bytes removed there and
    /// before), ascending.
    pub(super) cuts: Vec<(u32, u32)>,
}

impl Dehyphenated {
    /// `None` when the text has no hyphen between two letters.
    pub(super) fn of(t: &str) -> Option<Dehyphenated> {
        let b = t.as_bytes();
        let letter = |c: Option<char>| c.is_some_and(crate::normalize::table::is_alpha);
        let next = |i: usize| t.get(i + 1..).and_then(|r| r.chars().next());
        let is_cut = |i: usize| b[i] == b'-' && letter(prev_char(t, i)) && letter(next(i));
        let first = t
            .match_indices('-')
            .map(|(i, _)| i)
            .find(|&i| i > 0 && i + 1 < b.len() && is_cut(i))?;
        let mut text = String::with_capacity(t.len());
        let mut cuts = Vec::new();
        let mut from = 0;
        let mut removed = 0u32;
        let mut i = first;
        while i + 1 < b.len() {
            if b[i] == b'-' && is_cut(i) {
                text.push_str(&t[from..i]);
                let after = next(i).map_or(0, char::len_utf8);
                let skip = if prev_char(t, i) == next(i) {
                    1 + after
                } else {
                    1
                };
                removed += skip as u32;
                cuts.push((text.len() as u32, removed));
                from = i + skip;
                i = from;
            } else {
                i += 1;
            }
        }
        text.push_str(&t[from..]);
        Some(Dehyphenated { text, cuts })
    }

    /// Whether the match [s, e) spans a removed hyphen.
    pub(super) fn crosses(&self, s: usize, e: usize) -> bool {
        let k = self.cuts.partition_point(|&(c, _)| (c as usize) <= s);
        self.cuts.get(k).is_some_and(|&(c, _)| (c as usize) < e)
    }

    /// The range in the normalised text of the match [s, e).
    pub(super) fn source(&self, s: usize, e: usize) -> (usize, usize) {
        let removed = |k: usize| {
            if k == 0 {
                0
            } else {
                self.cuts[k - 1].1 as usize
            }
        };
        let ks = self.cuts.partition_point(|&(c, _)| c as usize <= s);
        let ke = self.cuts.partition_point(|&(c, _)| (c as usize) < e);
        (s + removed(ks), e + removed(ke))
    }
}

/// Whether `text` has letters and none of them is Latin (nor a fullwidth
/// form): a match written wholly in Cyrillic, Greek, Arabic, Devanagari…
/// Such text reaches its matching form through the look-alike and digit
/// foldings (Cyrillic "а" reads "a", "١٦" reads "16") without disguising
/// anything.
pub(super) fn in_other_script(text: &str) -> bool {
    let mut letters = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            // Latin in any form (accented, extended, fullwidth, the
            // mathematical and enclosed alphanumerics) is a disguise when
            // folded; the ranges below are the other scripts' letters.
            let other = matches!(c as u32,
                0x0370..=0x1CFF // Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, Georgian, Hangul jamo…
                | 0x2C00..=0x2DFF // Glagolitic, Coptic, Georgian supplement, Tifinagh, Ethiopic ext., Cyrillic ext.
                | 0x2E80..=0xD7FF // CJK, kana, Hangul, Yi…
                | 0xF900..=0xFAFF // CJK compatibility ideographs
                | 0xFB1D..=0xFDFF // Hebrew and Arabic presentation forms
                | 0xFE70..=0xFEFF // Arabic presentation forms B
                | 0x20000..=0x3FFFF // CJK extensions
            );
            if !other {
                return false;
            }
            letters = true;
        }
    }
    letters
}

/// The fewest letters and digits a hashtag needs for [`hashtags`]: a
/// short one ("#jobs", "#hiring") holds one word, and reading it would
/// build the joined-words automaton for nothing.
pub(super) const HASHTAG_MIN: usize = 8;

/// The hashtags of a matching form: the ASCII letters and digits after
/// each `#`, when there are [`HASHTAG_MIN`] or more, as (start, end).
pub(super) fn hashtags(t: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(at) = t.get(i..).and_then(|r| r.iter().position(|&b| b == b'#')) {
            let start = i + at + 1;
            let end = start
                + t[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
            i = end;
            if end - start >= HASHTAG_MIN {
                return Some((start, end));
            }
        }
        None
    })
}

/// Whether a word character touches the match [s, e) of `t` from before
/// and from after (a term that must start or end a word does not match
/// there).
pub(super) fn touches_word(t: &str, s: usize, e: usize) -> (bool, bool) {
    use crate::normalize::table::{is_alnum, is_unspaced};
    // Two letters join into one word unless either belongs to a script
    // written without spaces (then the boundary is the script's to decide:
    // "招聘打字员高薪" holds "打字员").
    let joins = |a: Option<char>, b: Option<char>| match (a, b) {
        (Some(a), Some(b)) => is_alnum(a) && !is_unspaced(a) && !is_unspaced(b),
        _ => false,
    };
    let first = t.get(s..).and_then(|r| r.chars().next());
    let last = prev_char(t, e);
    (
        s > 0 && joins(prev_char(t, s), first),
        joins(t.get(e..).and_then(|r| r.chars().next()), last),
    )
}

pub(super) fn prev_char(t: &str, at: usize) -> Option<char> {
    t.get(..at).and_then(|s| s.chars().next_back())
}

pub(super) fn field_mask(scan: &Scan<'_>, fields: &[String]) -> u64 {
    let mut mask = 0u64;
    for (i, f) in scan.fields.iter().enumerate().take(64) {
        if fields.is_empty() || fields.contains(&f.name_lower) {
            mask |= 1 << i;
        }
    }
    mask
}

impl Scan<'_> {
    /// Whether term `t` occurs.
    #[inline]
    pub(super) fn has(&self, t: u32) -> bool {
        self.present
            .get(t as usize / 64)
            .is_some_and(|w| w >> (t % 64) & 1 == 1)
    }

    /// The occurrences of term `t`, by field and start.
    pub(super) fn term_occs(&self, t: u32) -> &[Occ] {
        if !self.has(t) {
            return &[];
        }
        let lo = self.occs.partition_point(|o| o.term < t);
        let hi = lo + self.occs[lo..].partition_point(|o| o.term <= t);
        &self.occs[lo..hi]
    }
}

thread_local! {
    /// The thread's term bit set, all zero between scans (see
    /// [`Scan::present`]).
    static PRESENT: Cell<Vec<u64>> = const { Cell::new(Vec::new()) };
}

impl Drop for Scan<'_> {
    /// Clears the bits this scan set and hands the set back to the
    /// thread.
    fn drop(&mut self) {
        let mut present = std::mem::take(&mut self.present);
        for o in &self.occs {
            if let Some(w) = present.get_mut(o.term as usize / 64) {
                *w = 0;
            }
        }
        PRESENT.with(|p| p.set(present));
    }
}

/// The range in the original field of a span of its matching form.
pub(super) fn source(scan: &Scan<'_>, s: Span) -> Range<usize> {
    scan.fields[s.field as usize]
        .norm
        .source_range(s.start as usize..s.end as usize)
}
