//! The normaliser's fast path: one streaming walk over the text.
//!
//! Passes 2 to 4 (spacing, leetspeak, number words) are local: each acts
//! inside a run of single letters, a word, or a run of number tokens. A
//! whitespace right after a word of two or more plain letters that is not a
//! number word is a place none of them reaches across, so the text is cut
//! there into *segments*. Characters go through pass 1 and straight into
//! pass 5 and the encoder, while a few counters watch the segment for
//! anything passes 2 to 4 could change (a word mixing letters with digits
//! or symbols, a number word, single-character words). When a segment has
//! any, the encoder is rolled back to where the segment began and the
//! segment is run through every pass. Most segments have none, so most
//! characters are handled once.
//!
//! Pass 1 decides what to decode, drop or join (`super::disguise`) from
//! the original text around one byte, never across a space or a line
//! break, so a segment rerun from its start gets the same units as the
//! walk over the whole text.
//!
//! `super::normalize_reference` runs every pass over the whole text; the
//! tests and the `normalize` fuzz target check that both agree exactly.

use super::chars::Pass1;
use super::leet::leet;
use super::source_map::SourceMap;
use super::spaced::{is_vowel_sign, join_spaced_letters};
use super::{is_word, numbers, stretches, table, Normalized, Unit, F_REPEAT, TOMBSTONE};

const C_WORD: u8 = 1;
const C_LETTER: u8 = 2;
const C_LEET: u8 = 4;
/// A vowel sign written on a letter (see `super::spaced::is_vowel_sign`).
const C_SIGN: u8 = 8;

/// Character classes of ASCII: word, letter, leetspeak reading.
const ASCII_CLASS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphabetic() {
            t[b] = C_WORD | C_LETTER;
        } else if c.is_ascii_digit() {
            t[b] = C_WORD;
        }
        // The characters `super::leet::leet_letter` reads (a test checks).
        if matches!(
            c,
            b'0' | b'1' | b'3' | b'4' | b'5' | b'7' | b'8' | b'@' | b'$' | b'!' | b'|'
        ) {
            t[b] |= C_LEET;
        }
        b += 1;
    }
    t
};

#[inline(always)]
fn class(c: char) -> u8 {
    if c.is_ascii() {
        ASCII_CLASS[c as usize]
    } else if table::is_alpha(c) {
        if is_vowel_sign(c) {
            C_WORD | C_LETTER | C_SIGN
        } else {
            C_WORD | C_LETTER
        }
    } else if table::is_alnum(c) {
        C_WORD
    } else {
        0
    }
}

/// Pass 5 (repeats and whitespace collapse) and the encoder, fed one unit
/// at a time, with snapshots to roll back to.
///
/// The open unit is kept as separate fields, and units are read field by
/// field, never patched in memory and copied whole: that pattern stalled
/// the store buffer and cost a quarter of the normaliser's time.
struct Sink {
    text: Vec<u8>,
    map: SourceMap,
    words: Vec<u32>,
    prev_word: bool,
    /// The last unit kept, still open to absorb a repeat or a space.
    open: bool,
    ch: char,
    start: u32,
    end: u32,
    flags: u16,
    pre: u16,
    /// Repeats absorbed into the open unit.
    run: u32,
    /// `pre` flags of tombstones, for the next unit.
    pending: u16,
    /// Whether a spaced-out word was joined (`Normalized::has_joined`).
    joined: bool,
}

#[derive(Clone, Copy)]
struct Snapshot {
    text: usize,
    map: usize,
    words: usize,
    prev_word: bool,
    open: bool,
    ch: char,
    start: u32,
    end: u32,
    flags: u16,
    pre: u16,
    run: u32,
    pending: u16,
    joined: bool,
}

impl Sink {
    fn new(capacity: usize) -> Sink {
        Sink {
            text: Vec::with_capacity(capacity),
            map: SourceMap::with_capacity(capacity),
            words: Vec::new(),
            prev_word: false,
            open: false,
            ch: ' ',
            start: 0,
            end: 0,
            flags: 0,
            pre: 0,
            run: 0,
            pending: 0,
            joined: false,
        }
    }

    /// `collapse_repeats` for one unit.
    #[inline(always)]
    fn push(&mut self, u: Unit) {
        let (mut ch, start, end, flags, pre) = (u.ch, u.start, u.end, u.flags, u.pre);
        if ch == TOMBSTONE {
            self.pending |= pre;
            return;
        }
        let pre = pre | std::mem::take(&mut self.pending);
        if ch == '\n' {
            ch = ' ';
        }
        if self.open {
            if ch == ' ' && self.ch == ' ' {
                self.pre |= pre;
                return;
            }
            if ch == self.ch && stretches(ch) {
                self.run += 1;
                self.end = self.end.max(end);
                self.flags |= flags | pre;
                if self.run >= 2 {
                    self.flags |= F_REPEAT;
                }
                return;
            }
            self.emit();
        }
        self.open = true;
        self.ch = ch;
        self.start = start;
        self.end = end;
        self.flags = flags;
        self.pre = pre;
        self.run = 0;
    }

    /// `encode` for the open unit.
    #[inline(always)]
    fn emit(&mut self) {
        let ch = self.ch;
        let word = is_word(ch);
        if word && !self.prev_word {
            self.words.push(self.text.len() as u32);
        }
        self.prev_word = word;
        if ch.is_ascii() {
            self.text.push(ch as u8);
            self.map
                .push_char(1, self.start, self.end, self.flags, self.pre);
            return;
        }
        let mut buf = [0u8; 4];
        let s = ch.encode_utf8(&mut buf);
        self.text.extend_from_slice(s.as_bytes());
        self.map
            .push_char(s.len(), self.start, self.end, self.flags, self.pre);
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            text: self.text.len(),
            map: self.map.len(),
            words: self.words.len(),
            prev_word: self.prev_word,
            open: self.open,
            ch: self.ch,
            start: self.start,
            end: self.end,
            flags: self.flags,
            pre: self.pre,
            run: self.run,
            pending: self.pending,
            joined: self.joined,
        }
    }

    fn restore(&mut self, s: &Snapshot) {
        self.text.truncate(s.text);
        self.map.truncate(s.map);
        self.words.truncate(s.words);
        self.prev_word = s.prev_word;
        self.open = s.open;
        self.ch = s.ch;
        self.start = s.start;
        self.end = s.end;
        self.flags = s.flags;
        self.pre = s.pre;
        self.run = s.run;
        self.joined = s.joined;
        self.pending = s.pending;
    }

    fn finish(mut self) -> Normalized {
        if self.open {
            self.emit();
        }
        Normalized {
            // Only whole characters were written.
            text: String::from_utf8(self.text).unwrap_or_default(),
            // Joined letters may have become a number word since; only a
            // separator still marked as removed counts.
            joined: self.joined
                && self
                    .map
                    .marked(0..self.map.len())
                    .any(|m| m.2 & super::F_SPACING != 0),
            map: self.map,
            words: self.words,
        }
    }
}

/// Longest word kept in `Segment::buf`: the longest number word (see
/// `numbers`) with each of its stretched letters kept twice.
const MAX_WORD: usize = numbers::MAX_WORD + numbers::MAX_STRETCHED;

/// What is known of the current segment.
struct Segment {
    /// Where it starts in the source text.
    start: usize,
    /// The sink where it starts.
    snap: Snapshot,
    /// Passes 2 to 4 might change something in it.
    interesting: bool,
    /// Single-character words seen (the start of a spaced-out run).
    singles: u32,
    /// Length of the current word (letters and digits).
    word: u32,
    /// Vowel signs in the current word: one character and its signs
    /// (Thai "บิ") is one letter of a spaced-out run (see
    /// `super::spaced`).
    word_signs: u32,
    /// The current token (word characters and leetspeak symbols): its
    /// length, letters, whether it is letters only, whether it starts
    /// with a letter, and its letters in `buf`, each at most twice in a
    /// row (`buf_len` past `MAX_WORD` after a long word or a non-ASCII
    /// letter: not a number word).
    run: u32,
    run_letters: u32,
    run_plain: bool,
    run_lead: bool,
    /// Vowel signs in the current token: one character and its signs is
    /// never a place to cut a segment, since a spaced-out run may go on
    /// after it.
    run_signs: u32,
    /// Leetspeak evidence in the current token (`super::leet::shows_leet`, one
    /// character at a time): 0 before its first letter, 1 after a letter,
    /// 2 in a run of readable digits after a letter, 3 in another run
    /// after a letter; and whether a readable run sat between letters.
    leet_state: u8,
    leet_inside: bool,
    /// The current token holds a character of a script written without
    /// spaces that is not a letter (a Thai digit, a Khmer sign), which cuts
    /// the token for the leetspeak pass (see `super::leet::leet`): "៰a0"
    /// is read there as "a0", one letter leading a digit.
    run_unspaced_sign: bool,
    /// Tokens of the whole text so far that show leetspeak.
    leet_tokens: u32,
    /// Tokens of two letters or more.
    words: u32,
    buf: [u8; MAX_WORD],
    buf_len: usize,
}

pub(super) fn normalize(text: &str) -> Normalized {
    let mut sink = Sink::new(text.len() + 16);
    let mut seg = Segment::new(sink.snapshot());
    let first = seg.snap;
    let mut scratch: Vec<Unit> = Vec::new();
    let mut pass1 = Pass1::new(text, 0, text.len(), true);
    for (ch, start, end, flags, pre, ascii) in pass1.by_ref() {
        let u = Unit {
            ch,
            start,
            end,
            flags,
            pre,
        };
        if seg.see(ch, class(ch)) {
            sink.push(u);
            continue;
        }
        // The token (if any) ended just before this unit.
        let cut = seg.end_token();
        let pending = sink.pending;
        sink.push(u);
        if cut && ascii && (ch == ' ' || ch == '\n') {
            if seg.interesting {
                rerun(text, &mut sink, &seg, &mut scratch, end as usize);
                seg.snap = sink.snapshot();
            } else {
                // The sink's state is known here without reading it back
                // (a copy of fields just written stalls the store buffer):
                // the space just pushed is its open unit.
                seg.snap = Snapshot {
                    text: sink.text.len(),
                    map: sink.map.len(),
                    words: sink.words.len(),
                    prev_word: sink.prev_word,
                    open: true,
                    ch: ' ',
                    start,
                    end,
                    flags,
                    pre: pre | pending,
                    run: 0,
                    pending: 0,
                    joined: sink.joined,
                };
            }
            seg.start = end as usize;
            seg.interesting = false;
            seg.singles = 0;
        }
    }
    seg.end_token();
    seg.interesting |= seg.word >= 1 && seg.word - seg.word_signs <= 1 && seg.singles >= 1;
    close(text, &mut sink, &mut seg, &mut scratch, text.len());
    if super::leet::throughout(seg.leet_tokens, seg.words) {
        // Written in leetspeak throughout (rare in honest text): every
        // pass again over the whole text, edges of words included.
        seg.start = 0;
        seg.snap = first;
        rerun_with(text, &mut sink, &seg, &mut scratch, text.len(), true);
    }
    // A symbol dropped inside a word marks a separator removed, as joined
    // letters do (the reruns make the same decisions).
    sink.joined |= pass1.dropped;
    sink.finish()
}

impl Segment {
    /// The segment at the start of the text, the sink at `snap`.
    fn new(snap: Snapshot) -> Segment {
        Segment {
            start: 0,
            snap,
            interesting: false,
            singles: 0,
            word: 0,
            word_signs: 0,
            run: 0,
            run_letters: 0,
            run_plain: true,
            run_lead: false,
            run_signs: 0,
            leet_state: 0,
            leet_inside: false,
            run_unspaced_sign: false,
            leet_tokens: 0,
            words: 0,
            buf: [0; MAX_WORD],
            buf_len: 0,
        }
    }

    /// Notes a unit `ch` of class `k`: the length of the current word and
    /// the single-character words; and, for a character of a token (a word
    /// character or a leetspeak symbol), what passes 2 to 4 need to know of
    /// the token. Returns whether it is one.
    #[inline(always)]
    fn see(&mut self, ch: char, k: u8) -> bool {
        if k & C_WORD != 0 {
            self.word += 1;
        } else if self.word > 0 {
            // One character, or one with its signs, or signs alone (pass 2
            // takes any of them for one letter).
            if self.word - self.word_signs <= 1 {
                self.singles += 1;
                self.interesting |= self.singles >= 2;
            }
            self.word = 0;
            self.word_signs = 0;
        }
        if k & (C_WORD | C_LEET) == 0 {
            return false;
        }
        if self.run == 0 {
            self.run_letters = 0;
            self.run_plain = true;
            self.run_signs = 0;
            self.run_lead = k & C_LETTER != 0;
            self.leet_state = 0;
            self.leet_inside = false;
            self.run_unspaced_sign = false;
            self.buf_len = 0;
        }
        self.run += 1;
        if k & C_LETTER != 0 {
            self.leet_inside |= self.leet_state == 2;
            self.leet_state = 1;
            self.run_letters += 1;
            let n = self.buf_len;
            let lower = ch.is_ascii_lowercase();
            let b = ch as u8;
            if lower && (2..=MAX_WORD).contains(&n) && self.buf[n - 1] == b && self.buf[n - 2] == b
            {
                // A letter stretched past two ("fiiive"): kept twice,
                // as `numbers::is_number_word` expects.
            } else if n < MAX_WORD && lower {
                self.buf[n] = b;
                self.buf_len += 1;
            } else {
                // Too long or not ASCII: never a number word. (Vowel signs
                // are counted here, off the ASCII path.)
                self.buf_len = MAX_WORD + 1;
                let sign = u32::from(k & C_SIGN != 0);
                self.word_signs += sign;
                self.run_signs += sign;
            }
        } else {
            self.run_plain = false;
            self.run_unspaced_sign |= !ch.is_ascii() && table::is_unspaced(ch);
            if self.leet_state != 0 {
                let readable = ch.is_ascii_digit() && k & C_LEET != 0;
                self.leet_state = match (self.leet_state, readable) {
                    (1 | 2, true) => 2,
                    _ => 3,
                };
            }
        }
        true
    }

    /// The current token ended: notes what passes 2 to 4 could do with it,
    /// and returns whether it is a word the segment may be cut after.
    #[inline(always)]
    fn end_token(&mut self) -> bool {
        let mut cut = false;
        if self.run > 0 {
            self.leet_tokens += u32::from(self.leet_inside && self.run_letters >= 2);
            self.words += u32::from(self.run_letters >= 2);
            if !self.run_plain {
                // Letters with digits or symbols: leetspeak, or digits
                // inside a word; or one letter leading digits ("f33").
                // A sign of a script without spaces may cut the token
                // before its one letter.
                self.interesting |= self.run_letters >= 2
                    || self.run_letters == 1 && (self.run_lead || self.run_unspaced_sign);
            } else if self.run - self.run_signs >= 2 {
                let number =
                    self.buf_len <= MAX_WORD && numbers::is_number_word(&self.buf[..self.buf_len]);
                self.interesting |= number;
                cut = !number;
            }
            self.run = 0;
        }
        cut
    }
}

/// Ends the segment at `end`: if passes 2 to 4 might change it, roll the
/// sink back and run them over it.
#[inline(always)]
fn close(text: &str, sink: &mut Sink, seg: &mut Segment, scratch: &mut Vec<Unit>, end: usize) {
    if seg.interesting {
        rerun(text, sink, seg, scratch, end);
    }
    seg.start = end;
    seg.snap = sink.snapshot();
    seg.interesting = false;
    seg.singles = 0;
}

/// Runs a segment again through every pass, from the sink's snapshot.
#[inline(never)]
fn rerun(text: &str, sink: &mut Sink, seg: &Segment, scratch: &mut Vec<Unit>, end: usize) {
    rerun_with(text, sink, seg, scratch, end, false);
}

fn rerun_with(
    text: &str,
    sink: &mut Sink,
    seg: &Segment,
    scratch: &mut Vec<Unit>,
    end: usize,
    leet_throughout: bool,
) {
    sink.restore(&seg.snap);
    scratch.clear();
    scratch.extend(Pass1::new(text, seg.start, end, true).map(
        |(ch, start, end, flags, pre, _)| Unit {
            ch,
            start,
            end,
            flags,
            pre,
        },
    ));
    let before = scratch.len();
    let mut units = join_spaced_letters(std::mem::take(scratch));
    sink.joined |= units.len() < before;
    leet(&mut units, leet_throughout, text);
    let units = numbers::number_words(units);
    for &u in &units {
        sink.push(u);
    }
    // Keep the allocation for the next segment.
    *scratch = units;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_classes_match_the_passes() {
        for b in 0u8..128 {
            let c = b as char;
            let k = ASCII_CLASS[b as usize];
            assert_eq!(k & C_WORD != 0, is_word(c), "{c:?}");
            assert_eq!(k & C_LETTER != 0, crate::normalize::is_letter(c), "{c:?}");
            assert_eq!(
                k & C_LEET != 0,
                super::super::leet::leet_letter(c).is_some(),
                "{c:?}"
            );
        }
        // Spacing separators are never word characters.
        assert!((0u8..128).all(
            |b| !(super::super::spaced::is_spacing_separator(b as char) && is_word(b as char))
        ));
    }
}
