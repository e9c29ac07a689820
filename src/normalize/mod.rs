//! Normalisation with an offset map.
//!
//! Text is rewritten into a *matching form* before any term is looked for, so
//! that obfuscation does not defeat a rule. Every byte of the matching form
//! remembers the range of the original string it came from, so a match in
//! the matching form maps back to an exact span of what the poster wrote.
//!
//! The steps, in order:
//!
//! 1. **Characters** (one table lookup per non-ASCII scalar, see `build.rs`):
//!    full case folding (other scripts: lowercasing), compatibility decomposition (NFKD, which covers
//!    fullwidth and mathematical letters), removal of combining marks
//!    (accents, "Zalgo" stacks), UTS #39 confusables mapped to Latin letters,
//!    decimal digits of every script to ASCII, removal of invisible and
//!    formatting characters (zero-width, bidi controls, soft hyphen, variation
//!    selectors), all whitespace to a space, and emoji to `:name:` tokens
//!    (🌹 → `:rose:`, keycap digits → digits, flags → `:flag_xx:`).
//!    ASCII disguises are read in the same step (see `disguise`), from the
//!    original text around one byte: HTML character references
//!    (`&#112;`, `&#x70;`, `&eacute;`, `&amp;`) and percent-encoded
//!    letters and spaces (`%70`, `%20`) are decoded and their character
//!    folded, spanning the whole reference; a lone symbol (`* _ . ^ ~ +`)
//!    between letters inside a word is dropped (`pass*port`, not `U.S.`,
//!    `p.a.s.s`, `tasks.Requires` or `jobs@example.com`); a word
//!    hyphenated at a line end (`pass-⏎port`) is joined. Both removals
//!    count as `spacing`, so a term may still start or end there.
//! 2. **Spacing**: runs of at least three single letters separated by one
//!    separator each (`p a s s`, `p.a.s.s`, one letter per line) are joined.
//!    A wider gap (two spaces, a comma and a space) ends a word, so prose such
//!    as "vitamins A, B, C" is left alone.
//! 3. **Leetspeak**, one character for one character, only inside words that
//!    contain letters (`p4ssp0rt` → `passport`; `h05t355` → `hostess` once
//!    digits inside or at both ends show the word is leet; `f33` → `fee`),
//!    never in plain numbers or units (`$500`, `24/7`, `18yo`, `10k`, `mp3`).
//! 4. **Number words**: runs of number words (English, Spanish, French,
//!    Portuguese), alone or mixed with digits, become digits
//!    (`five five five oh one` → `5 5 5 0 1`); teens and tens always do
//!    (`seventeen` → `17`).
//! 5. **Repeated letters**: every run of one letter is collapsed to a single
//!    letter. Terms are normalised the same way, so `passport`, `pasport` and
//!    `passssport` all match the term `passport`. Runs of whitespace and line
//!    breaks become one space.
//!
//! Terms in rule packs go through the same function, so a rule author writes
//! natural text ("pasaporte", "🌹", "Passport") and never the matching form.

mod disguise;
mod numbers;
mod stream;
pub(crate) mod table;

use std::fmt;
use std::ops::Range;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use table::Fold;
pub(crate) use table::{F_COMPAT, F_CONFUSABLE, F_DIACRITIC, F_EMOJI, F_INVISIBLE};

const F_LEET: u16 = 32;
pub(crate) const F_SPACING: u16 = 64;
const F_REPEAT: u16 = 128;
pub(crate) const F_NUMBER_WORDS: u16 = 256;

/// The normalisation steps that changed a piece of text.
///
/// A hit carries the steps that were needed to see it, because evasion is
/// evidence in itself: honest posters rarely write `p4ssp0rt` with a Cyrillic
/// `а` and a zero-width space.
///
/// ```
/// let n = redflag::normalize("p\u{200B}4ssp0rt");
/// assert_eq!(n.as_str(), "pasport");
/// let steps = n.steps(0..n.as_str().len());
/// assert!(steps.is_evasive());
/// assert_eq!(steps.names().collect::<Vec<_>>(), ["invisible", "leet"]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Steps(u16);

const STEP_NAMES: [(u16, &str); 9] = [
    (F_COMPAT, "compatibility"),
    (F_DIACRITIC, "diacritics"),
    (F_CONFUSABLE, "confusables"),
    (F_INVISIBLE, "invisible"),
    (F_EMOJI, "emoji"),
    (F_LEET, "leet"),
    (F_SPACING, "spacing"),
    (F_REPEAT, "repeats"),
    (F_NUMBER_WORDS, "number-words"),
];

/// Steps that honest text rarely needs.
const EVASIVE: u16 = F_COMPAT | F_CONFUSABLE | F_INVISIBLE | F_LEET | F_SPACING | F_REPEAT;

impl Steps {
    /// No step.
    pub const NONE: Steps = Steps(0);

    /// The names of the steps, in pipeline order: `compatibility`,
    /// `diacritics`, `confusables`, `invisible`, `emoji`, `leet`, `spacing`,
    /// `repeats`, `number-words`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        STEP_NAMES
            .iter()
            .filter(move |(f, _)| self.0 & f != 0)
            .map(|(_, n)| *n)
    }

    /// Whether any step that suggests deliberate obfuscation was needed
    /// (look-alike or compatibility characters, invisible characters,
    /// leetspeak, spaced-out letters, stretched letters).
    pub fn is_evasive(self) -> bool {
        self.0 & EVASIVE != 0
    }

    /// These steps without the look-alike and compatibility foldings (and,
    /// with `leet`, leetspeak): for text written wholly in a non-Latin
    /// script, where they are how the script is read, not a disguise.
    pub(crate) fn native(self, leet: bool) -> Steps {
        let leet = if leet { F_LEET } else { 0 };
        Steps(self.0 & !(F_CONFUSABLE | F_COMPAT | leet))
    }

    /// Whether no step was needed beyond case folding.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The union of two sets of steps.
    pub fn union(self, other: Steps) -> Steps {
        Steps(self.0 | other.0)
    }
}

impl fmt::Debug for Steps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Serialize for Steps {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for n in self.names() {
            seq.serialize_element(n)?;
        }
        seq.end()
    }
}

/// Marks a unit removed by a pass; the collapse pass drops it and hands its
/// `pre` flags to the next unit. NUL never survives pass 1.
const TOMBSTONE: char = '\0';

/// One character of the matching form while the passes run.
#[derive(Clone, Copy, Debug)]
struct Unit {
    ch: char,
    /// Original byte range.
    start: u32,
    end: u32,
    /// Steps that produced this character.
    flags: u16,
    /// Steps that removed characters just before this one.
    pre: u16,
}

/// Text in matching form, with the way back to the original.
///
/// Made by [`normalize`]. Byte ranges of [`Normalized::as_str`] map to byte
/// ranges of the original with [`Normalized::source_range`].
///
/// ```
/// let original = "Ｐａｓｓｐｏｒｔ kept by employer";
/// let n = redflag::normalize(original);
/// assert_eq!(n.as_str(), "pasport kept by employer");
/// let src = n.source_range(0..7);
/// assert_eq!(&original[src], "Ｐａｓｓｐｏｒｔ");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    text: String,
    /// One entry per byte of `text`.
    map: Vec<ByteInfo>,
    /// Byte offsets in `text` where a word (a run of letters and digits)
    /// starts.
    words: Vec<u32>,
    /// Whether spaced-out letters were joined into a word.
    joined: bool,
}

/// Where one byte of the matching form came from, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ByteInfo {
    /// Original byte range.
    start: u32,
    end: u32,
    /// Steps that produced the character.
    flags: u16,
    /// Steps that removed characters just before it (first byte only).
    pre: u16,
}

/// Rewrites `text` into matching form. See docs/normalisation.md in the
/// repository for the steps.
///
/// The work is linear in the length of `text`. Offsets are kept as `u32`, so
/// inputs must be shorter than 4 GiB; the engine's input limit is far lower.
///
/// ```
/// assert_eq!(redflag::normalize("Pаss-pоrt").as_str(), "pas-port"); // Cyrillic а, о
/// assert_eq!(redflag::normalize("p a s s p o r t").as_str(), "pasport");
/// assert_eq!(redflag::normalize("Café 🌹🌹").as_str(), "cafe :rose::rose:");
/// assert_eq!(redflag::normalize("call five five five oh one two three").as_str(),
///            "cal 5 5 5 0 1 2 3");
/// ```
pub fn normalize(text: &str) -> Normalized {
    stream::normalize(text)
}

/// [`normalize`] running every pass over the whole text, one after the
/// other, as the steps are specified: the oracle that the tests and the
/// `normalize` fuzz target compare the fast path with.
#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub fn normalize_reference(text: &str) -> Normalized {
    let mut units = Vec::with_capacity(text.len() + 8);
    map_chars(text, true, &mut units);
    let throughout = leet_tokens(&units) >= LEET_THROUGHOUT;
    let units = join_spaced_letters(units);
    let mut units = units;
    leet(&mut units, throughout);
    // Number words are read before letters collapse, or "teen" would read
    // as "ten".
    let units = numbers::number_words(units);
    encode(collapse_repeats(units))
}

/// One character of the *entity form* of a text: what the contact, price
/// and age extractors read (see `crate::extract`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Char {
    /// The character after folding (lowercase ASCII for Latin text, digits
    /// of every script as ASCII digits, number words as digits).
    pub ch: char,
    /// Original byte range.
    pub start: u32,
    pub end: u32,
    /// Steps that produced it or removed characters just before it.
    pub flags: u16,
}

/// The entity form: step 1 (characters) and step 4 (number words) only.
///
/// Contact details need a different view from the rules: leetspeak would
/// read the `0` of a phone number as `o`, joining spaced letters would glue
/// `5 5 5` to a word, and collapsing repeats would shorten `555`. Line
/// breaks are kept, so extractors can tell a number split across lines.
/// A keycap emoji (`5️⃣`) becomes its digit with the emoji flag, its span
/// covering the whole emoji.
pub(crate) fn entity_chars(text: &str) -> Vec<Char> {
    let mut units = Vec::with_capacity(text.len() + 8);
    map_chars(text, false, &mut units);
    let units = spaced_number_words(units);
    let units = numbers::number_words_and_leet(units);
    let mut out: Vec<Char> = Vec::with_capacity(units.len());
    let mut pending = 0u16;
    let mut after_keycap = false;
    for u in units {
        if u.ch == TOMBSTONE {
            pending |= u.pre | u.flags;
            continue;
        }
        // The keycap's own characters (U+FE0F, U+20E3) were removed and
        // their flags carried to the next character: they belong to the
        // keycap, whose span now covers them.
        let pre = if after_keycap { 0 } else { u.pre };
        let mut c = Char {
            ch: u.ch,
            start: u.start,
            end: u.end,
            flags: u.flags | pre | std::mem::take(&mut pending),
        };
        after_keycap = false;
        if c.ch.is_ascii_digit() {
            let rest = text.get(c.end as usize..).unwrap_or("");
            let tail = ["\u{FE0F}\u{20E3}", "\u{20E3}"]
                .iter()
                .find(|k| rest.starts_with(**k));
            if let Some(k) = tail {
                c.end += k.len() as u32;
                c.flags |= F_EMOJI;
                after_keycap = true;
            }
        }
        out.push(c);
    }
    out
}

/// Number words spaced out letter by letter (`s e v e n t e e n`,
/// `f i v e f i v e`), for the entity form: joined where they spell
/// number words, so that the number-word pass turns them into digits.
/// Nothing else is joined: a spaced-out phone number's digits stay apart.
fn spaced_number_words(units: Vec<Unit>) -> Vec<Unit> {
    let n = units.len();
    let lone = |k: usize| {
        units[k].ch.is_ascii_lowercase()
            && (k == 0 || !is_word(units[k - 1].ch))
            && (k + 1 >= n || !is_word(units[k + 1].ch))
    };
    // Most texts have no lone letter one separator from another: one
    // quick look first.
    if !(0..n.saturating_sub(2))
        .any(|k| is_spacing_separator(units[k + 1].ch) && lone(k) && lone(k + 2))
    {
        return units;
    }
    // Chains of single letters, one separator apart (the same one), read
    // from the left: the longest number word of three letters or more
    // starting at each letter is joined, the separators around it kept
    // ("s e v e n t e e n y e a r s" → "seventeen y e a r s").
    let single = |units: &[Unit], k: usize| {
        is_letter(units[k].ch)
            && (k == 0 || !is_word(units[k - 1].ch))
            && (k + 1 >= n || !is_word(units[k + 1].ch))
    };
    let mut drop: Vec<bool> = Vec::new();
    let mut numbers_seen = false;
    let mut k = 0;
    while k < n {
        if !single(&units, k) {
            k += 1;
            continue;
        }
        let mut last = k;
        while last + 2 < n
            && is_spacing_separator(units[last + 1].ch)
            && units[last + 1].ch == units[k + 1].ch
            && single(&units, last + 2)
        {
            last += 2;
        }
        let count = (last - k) / 2 + 1;
        let letter = |w: usize| units[k + 2 * w];
        let mut i = 0;
        while count >= 2 && i < count {
            // Two-letter words ("oh", "un") only after a longer one.
            let shortest = if numbers_seen { 2 } else { 3 };
            let longest = (i + shortest..=count.min(i + numbers::MAX_WORD))
                .rev()
                .find(|&e| {
                    let mut word = [0u8; numbers::MAX_WORD];
                    (i..e).all(|w| {
                        let c = letter(w).ch;
                        word[w - i] = c as u8;
                        c.is_ascii_lowercase()
                    }) && numbers::is_exact_number_word(&word[..e - i])
                });
            match longest {
                Some(e) => {
                    drop.resize(n, false);
                    for w in i..e - 1 {
                        drop[k + 2 * w + 1] = true;
                    }
                    numbers_seen = true;
                    i = e;
                }
                None => i += 1,
            }
        }
        k = last + 1;
    }
    if drop.is_empty() {
        return units;
    }
    let mut out = Vec::with_capacity(n);
    let mut pending = 0u16;
    for (j, u) in units.into_iter().enumerate() {
        if drop[j] {
            pending |= u.pre | u.flags | F_SPACING;
        } else {
            out.push(Unit {
                pre: u.pre | std::mem::take(&mut pending),
                ..u
            });
        }
    }
    out
}

impl Normalized {
    /// The matching form.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the matching form to the byte range of the
    /// original text it came from. The range is widened to whole characters
    /// of the matching form and clamped to its length.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        let len = self.text.len();
        if len == 0 {
            return 0..0;
        }
        let s = range.start.min(len - 1);
        let e = range.end.clamp(s + 1, len);
        let start = self.map[s].start as usize;
        let end = self.map[s..e].iter().map(|b| b.end).max().unwrap_or(0) as usize;
        start..end.max(start)
    }

    /// Maps a byte range of the original text to the range of the
    /// matching form that came from inside it (possibly empty).
    pub(crate) fn range_of_source(&self, src: Range<usize>) -> Range<usize> {
        let s = self.map.partition_point(|b| (b.end as usize) <= src.start);
        let e = self.map.partition_point(|b| (b.start as usize) < src.end);
        // Whole characters of the matching form.
        let mut s = s.min(self.text.len());
        while s > 0 && !self.text.is_char_boundary(s) {
            s -= 1;
        }
        let mut e = e.max(s).min(self.text.len());
        while e < self.text.len() && !self.text.is_char_boundary(e) {
            e += 1;
        }
        s..e
    }

    /// Whether a spaced-out word was joined at this byte offset (`a p a s s`
    /// becomes `apas`, and a term may start or end where a separator was
    /// removed, since the run may hold more than one word).
    pub(crate) fn joined_at(&self, at: usize) -> bool {
        self.map.get(at).is_some_and(|b| b.pre & F_SPACING != 0)
    }

    /// Whether any spaced-out word was joined.
    pub(crate) fn has_joined(&self) -> bool {
        self.joined
    }

    /// The steps that changed the text in a byte range of the matching form,
    /// including characters removed inside it.
    pub fn steps(&self, range: Range<usize>) -> Steps {
        let len = self.text.len();
        let s = range.start.min(len);
        let e = range.end.clamp(s, len);
        let mut f = 0;
        for (i, b) in self.map[s..e].iter().enumerate() {
            f |= b.flags;
            if i > 0 {
                f |= b.pre;
            }
        }
        Steps(f)
    }
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Pass 1: one character at a time through the folding table; `words`
/// for the matching form (see [`Pass1::new`]).
fn map_chars(text: &str, words: bool, units: &mut Vec<Unit>) {
    units.extend(
        Pass1::new(text, 0, text.len(), words).map(|(ch, start, end, flags, pre, _)| Unit {
            ch,
            start,
            end,
            flags,
            pre,
        }),
    );
}

/// Pass 1 over `text[from..to]` (on character boundaries, `from` where no
/// removed character is pending), as an iterator of units
/// `(ch, start, end, flags, pre, ascii)`, `ascii` telling whether the unit
/// is the only one of one ASCII byte. An iterator rather than a callback so
/// that the consumer's loop body is written (and inlined) once, with its
/// state in registers; scalars rather than a `Unit`, because a struct
/// written field by field and read whole stalls the store buffer.
pub(super) struct Pass1<'a> {
    text: &'a str,
    i: usize,
    to: usize,
    pre: u16,
    /// The rest of the current character's expansion.
    queue: Queue,
    q_start: u32,
    q_end: u32,
    q_flags: u16,
    /// The matching form: symbols inside words dropped, more
    /// percent-encoding read.
    words: bool,
    /// Whether a symbol inside a word was dropped (its next unit's `pre`
    /// has `F_SPACING`).
    pub(super) dropped: bool,
}

enum Queue {
    Empty,
    Str(std::str::Chars<'static>),
    Flag([char; 9], usize),
}

pub(super) type Item = (char, u32, u32, u16, u16, bool);

impl<'a> Pass1<'a> {
    /// `words` for the matching form, which also drops a lone symbol
    /// inside a word and reads percent-encoded spaces and non-ASCII
    /// letters (see `disguise`). The entity form reads HTML character
    /// references and percent-encoded ASCII letters and joins a word
    /// hyphenated at a line end, and no more: its extractors need the dots
    /// and underscores of addresses and handles, and URLs keep their other
    /// percent-encoding.
    pub(super) fn new(text: &'a str, from: usize, to: usize, words: bool) -> Pass1<'a> {
        Pass1 {
            text,
            i: from,
            to,
            pre: 0,
            queue: Queue::Empty,
            q_start: 0,
            q_end: 0,
            q_flags: 0,
            words,
            dropped: false,
        }
    }

    #[inline(always)]
    fn queued(&mut self) -> Option<Item> {
        let ch = match &mut self.queue {
            Queue::Empty => return None,
            Queue::Str(chars) => chars.next(),
            Queue::Flag(chars, k) => {
                let c = chars.get(*k).copied();
                *k += 1;
                c
            }
        };
        match ch {
            Some(ch) => Some((
                ch,
                self.q_start,
                self.q_end,
                self.q_flags,
                std::mem::take(&mut self.pre),
                false,
            )),
            None => {
                self.queue = Queue::Empty;
                None
            }
        }
    }

    /// A non-ASCII character at `self.i`: queues what it becomes.
    #[inline(never)]
    fn expand(&mut self) {
        let i = self.i;
        let Some(c) = self.text.get(i..).and_then(|s| s.chars().next()) else {
            self.i = self.to;
            return;
        };
        self.expand_char(c, i, i + c.len_utf8(), 0);
    }

    /// An HTML character reference or percent-encoded character at
    /// `self.i` (a `&` or `%`, the byte after it already consumed):
    /// queues what the character it encodes becomes, its span the whole
    /// encoding, and returns whether there was one.
    #[inline(never)]
    fn decode(&mut self) -> bool {
        let i = self.i - 1;
        let Some((c, end, hidden)) = disguise::decode_at(self.text, i, self.words) else {
            return false;
        };
        let extra = if hidden { F_COMPAT } else { 0 };
        if c.is_ascii() {
            let ch = match c {
                'A'..='Z' => c.to_ascii_lowercase(),
                '\t' | '\u{0B}' | '\u{0C}' => ' ',
                '\r' => '\n',
                '\n' => '\n',
                '\0'..='\u{1F}' | '\u{7F}' => {
                    self.pre |= F_INVISIBLE | extra;
                    self.i = end;
                    return true;
                }
                _ => c,
            };
            self.queue = Queue::Flag([ch; 9], 8);
            self.q_start = i as u32;
            self.q_end = end as u32;
            self.q_flags = extra;
            self.i = end;
        } else {
            self.expand_char(c, i, end, extra);
        }
        true
    }

    /// Queues what the non-ASCII character `c`, written at `start..end`,
    /// becomes, with `extra` flags.
    fn expand_char(&mut self, c: char, i: usize, mut end: usize, extra: u16) {
        self.q_start = i as u32;
        if is_regional(c) {
            let next = self.text.get(end..self.to).and_then(|s| s.chars().next());
            let a = (b'a' + (c as u32 - 0x1F1E6) as u8) as char;
            if let Some(d) = next.filter(|&d| is_regional(d)) {
                end += d.len_utf8();
                let b = (b'a' + (d as u32 - 0x1F1E6) as u8) as char;
                self.queue = Queue::Flag([':', 'f', 'l', 'a', 'g', '_', a, b, ':'], 0);
                self.q_flags = F_EMOJI;
            } else {
                self.queue = Queue::Flag([a, '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0'], 0);
                self.queue_one();
                self.q_flags = F_COMPAT;
            }
        } else {
            match table::fold(c) {
                // Letters of other scripts: lowercase (the table keeps only
                // foldings that land in ASCII).
                Fold::Same => {
                    let mut lower = c.to_lowercase();
                    let ch = match (lower.next(), lower.next()) {
                        (Some(l), None) => l,
                        _ => c,
                    };
                    self.queue = Queue::Flag([ch; 9], 8);
                    self.q_flags = 0;
                }
                Fold::Char(ch, f) => {
                    self.queue = Queue::Flag([ch; 9], 8);
                    self.q_flags = f;
                }
                Fold::Str(s, f) => {
                    if s.is_empty() {
                        self.pre |= f | extra;
                    }
                    self.queue = Queue::Str(s.chars());
                    self.q_flags = f;
                }
            }
        }
        self.q_flags |= extra;
        self.q_end = end as u32;
        self.i = end;
    }

    /// Makes a one-character `Flag` queue hold just its first character.
    fn queue_one(&mut self) {
        if let Queue::Flag(chars, k) = &mut self.queue {
            chars[8] = chars[0];
            *k = 8;
        }
    }
}

impl Iterator for Pass1<'_> {
    type Item = Item;

    #[inline(always)]
    fn next(&mut self) -> Option<Item> {
        if let Some(u) = self.queued() {
            return Some(u);
        }
        let bytes = self.text.as_bytes();
        while self.i < self.to {
            let i = self.i;
            let b = bytes[i];
            if b >= 0x80 {
                self.expand();
                if let Some(u) = self.queued() {
                    return Some(u);
                }
                continue;
            }
            self.i += 1;
            // ASCII: one byte, at most one unit.
            let ch = match b {
                b'A'..=b'Z' => b + 32,
                b'\t' | 0x0B | 0x0C => b' ',
                // "\r\n" is one line break.
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => continue,
                b'\r' => b'\n',
                b'\n' => b'\n',
                0..=0x1F | 0x7F => {
                    self.pre |= F_INVISIBLE;
                    continue;
                }
                b'&' | b'%' if self.decode() => {
                    if let Some(u) = self.queued() {
                        return Some(u);
                    }
                    continue;
                }
                b'-' | b'*' | b'_' | b'.' | b'^' | b'~' | b'+' if self.words || b == b'-' => {
                    if let Some(next) = disguise::dropped_symbol(self.text, i) {
                        self.pre |= F_SPACING;
                        self.dropped = true;
                        self.i = next;
                        continue;
                    }
                    b
                }
                _ => b,
            };
            return Some((
                ch as char,
                i as u32,
                i as u32 + 1,
                0,
                std::mem::take(&mut self.pre),
                true,
            ));
        }
        // Flags of characters removed at the very end are dropped: no hit
        // can contain them.
        None
    }
}

#[inline]
/// A letter that a repeat of collapses into one ("heeelp" → "help"). Not in
/// scripts written without spaces, where a doubled letter is usually two
/// syllables or a word of its own (Thai "นวดด่วน", Chinese "妹妹").
pub(super) fn stretches(c: char) -> bool {
    is_letter(c) && !crate::normalize::table::is_unspaced(c)
}

fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        crate::normalize::table::is_alpha(c)
    }
}

#[inline]
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        crate::normalize::table::is_alnum(c)
    }
}

#[inline]
fn is_spacing_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\n' | '.' | '-' | '_' | '*' | '+' | '~' | '/' | '|' | '\\' | '·' | '•' | ','
    )
}

/// Pass 2: re-join words written one letter at a time.
fn join_spaced_letters(units: Vec<Unit>) -> Vec<Unit> {
    // A chain is a maximal sequence of single-character word tokens where
    // consecutive ones are separated by exactly one separator unit, the
    // same one throughout, or by one symbol with a space on each side
    // ("l - a - d - i - e - s"): in "p.a.s.s k.e.p.t" the space between
    // the words ends the first chain (a space and a line break count as
    // the same separator).
    let n = units.len();
    // (first unit, last unit, stride): tokens sit every `stride` units.
    let mut chains: Vec<(usize, usize, usize)> = Vec::new();
    let mut i = 0;
    // The chain being built.
    let mut open: Option<(usize, usize, usize)> = None;
    let same = |a: char, b: char| a == b || a.is_whitespace() && b.is_whitespace();
    // " - " between tokens: the stride-4 separator.
    let spaced_symbol = |at: usize| {
        at + 2 < n
            && units[at].ch.is_whitespace()
            && is_spacing_separator(units[at + 1].ch)
            && !units[at + 1].ch.is_whitespace()
            && units[at + 2].ch.is_whitespace()
    };
    // Between a chain spaced with spaces and one spaced with a symbol, the
    // space is the gap between words: the "h" of "p a s s p o r t h.e.l.d"
    // starts the second chain.
    let starts_other = |s: usize, sep: char| {
        s + 2 < n
            && sep.is_whitespace()
            && is_spacing_separator(units[s + 1].ch)
            && !units[s + 1].ch.is_whitespace()
            && is_word(units[s + 2].ch)
            && (s + 3 >= n || !is_word(units[s + 3].ch))
    };
    while i < n {
        if !is_word(units[i].ch) {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && is_word(units[i].ch) {
            i += 1;
        }
        let single = i - s == 1;
        let extend = match open {
            Some((first, last, stride)) if single => {
                if (stride == 2 || first == last)
                    && s == last + 2
                    && is_spacing_separator(units[last + 1].ch)
                    && (first == last || same(units[first + 1].ch, units[last + 1].ch))
                    && !starts_other(s, units[last + 1].ch)
                {
                    Some((first, s, 2))
                } else if (stride == 4 || first == last)
                    && s == last + 4
                    && spaced_symbol(last + 1)
                    && (first == last || units[first + 2].ch == units[last + 2].ch)
                {
                    Some((first, s, 4))
                } else {
                    None
                }
            }
            _ => None,
        };
        match extend {
            Some(c) => open = Some(c),
            None => {
                if let Some(c) = open.take() {
                    chains.push(c);
                }
                if single {
                    open = Some((s, s, 2));
                }
            }
        }
    }
    if let Some(c) = open {
        chains.push(c);
    }
    if chains.iter().all(|c| c.1 == c.0) {
        return units;
    }
    let tokens = |c: &(usize, usize, usize)| (c.1 - c.0) / c.2 + 1;
    let letters = |c: &(usize, usize, usize)| {
        (c.0..=c.1)
            .step_by(c.2)
            .filter(|&k| is_letter(units[k].ch))
            .count()
    };
    let gap_is_space = |a: usize, b: usize| (a + 1..b).all(|k| units[k].ch.is_whitespace());
    let mut join = vec![false; chains.len()];
    for (k, c) in chains.iter().enumerate() {
        if tokens(c) >= 3 && letters(c) >= 2 {
            join[k] = true;
        }
    }
    // A two-letter word inside a spaced-out phrase ("n e w  i n  t o w n").
    for k in 0..chains.len() {
        let c = &chains[k];
        if join[k] || tokens(c) != 2 || letters(c) != 2 {
            continue;
        }
        let prev = k > 0 && join[k - 1] && gap_is_space(chains[k - 1].1, c.0);
        let next = k + 1 < chains.len() && join[k + 1] && gap_is_space(c.1, chains[k + 1].0);
        if prev || next {
            join[k] = true;
        }
    }
    if !join.iter().any(|&j| j) {
        return units;
    }
    let mut drop = vec![false; n];
    for (k, c) in chains.iter().enumerate() {
        if join[k] {
            for t in (c.0..c.1).step_by(c.2) {
                for d in &mut drop[t + 1..t + c.2] {
                    *d = true;
                }
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut pre = 0u16;
    for (k, mut u) in units.into_iter().enumerate() {
        if drop[k] {
            pre |= u.pre | u.flags | F_SPACING;
            continue;
        }
        u.pre |= std::mem::take(&mut pre);
        out.push(u);
    }
    out
}

#[inline]
fn leet_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        '8' => 'b',
        '@' => 'a',
        '$' => 's',
        '!' => 'i',
        '|' => 'l',
        _ => return None,
    })
}

/// Tokens of a text that show leetspeak (see [`shows_leet`]) from which on
/// the whole text is read as written in leetspeak: then digits at one edge
/// of a word are letters too ("0ld", "th3", "1n", "4514n"), which alone
/// would be a number or a unit.
pub(crate) const LEET_THROUGHOUT: u32 = 2;

#[inline]
fn in_token(c: char) -> bool {
    is_word(c) || leet_letter(c).is_some()
}

/// The tokens of pass 1's output that show leetspeak. The streaming
/// normaliser counts the same in its single walk.
#[cfg(any(test, fuzzing))]
fn leet_tokens(units: &[Unit]) -> u32 {
    units
        .split(|u| !in_token(u.ch))
        .filter(|tok| shows_leet(tok))
        .count() as u32
}

/// Whether a token has two letters or more and, between two of its
/// letters, a run of digits that all read as letters ("p4ss", "h0st355";
/// not "h264", "b2b").
#[cfg(any(test, fuzzing))]
fn shows_leet(tok: &[Unit]) -> bool {
    if tok.iter().filter(|u| is_letter(u.ch)).count() < 2 {
        return false;
    }
    let mut seen_letter = false;
    let mut run_ok = false;
    let mut in_run = false;
    for u in tok {
        if is_letter(u.ch) {
            if in_run && run_ok {
                return true;
            }
            seen_letter = true;
            in_run = false;
        } else if seen_letter {
            let readable = u.ch.is_ascii_digit() && leet_letter(u.ch).is_some();
            run_ok = if in_run { run_ok && readable } else { readable };
            in_run = true;
        }
    }
    false
}

/// Pass 3: leetspeak inside words that contain letters; with
/// `throughout`, the text is known to be written in leetspeak.
fn leet(units: &mut [Unit], throughout: bool) {
    let n = units.len();
    let mut i = 0;
    while i < n {
        if !in_token(units[i].ch) {
            i += 1;
            continue;
        }
        let start = i;
        let mut plain = true;
        while i < n && in_token(units[i].ch) {
            plain &= is_letter(units[i].ch);
            i += 1;
        }
        if !plain {
            let domain = units_after_is_domain(units, i);
            leet_token(&mut units[start..i], domain, throughout);
        }
    }
}

/// Whether the token is followed by `.x`, i.e. is the local part or domain
/// of an address, where `@` is not a letter.
fn units_after_is_domain(units: &[Unit], end: usize) -> bool {
    end + 1 < units.len()
        && units[end].ch == '.'
        && crate::normalize::table::is_alnum(units[end + 1].ch)
}

/// Returns whether any character changed.
fn leet_token(tok: &mut [Unit], domain_follows: bool, throughout: bool) -> bool {
    let letters = tok.iter().filter(|u| is_letter(u.ch)).count();
    let mut changed = false;
    if letters == 1 && !throughout {
        // One letter leading digits that all read as letters: "f33"
        // (fee), "w3" (we). Units and amounts, where the letter comes last
        // ("10k", "24h", "5ft"), stay.
        let rest = &tok[1..];
        if is_letter(tok[0].ch)
            && !rest.is_empty()
            && rest
                .iter()
                .all(|u| u.ch.is_ascii_digit() && leet_letter(u.ch).is_some())
        {
            for u in &mut tok[1..] {
                if let Some(l) = leet_letter(u.ch) {
                    u.ch = l;
                    u.flags |= F_LEET;
                    changed = true;
                }
            }
        }
        return changed;
    }
    if letters == 0 {
        return changed;
    }
    // The maximal runs of non-letters [i, j) whose every character has a
    // leet reading ("24hrs" and "covid19" have none that qualify). A run
    // inside the word ("p4ss", "h0st"), or runs at both its edges
    // ("7ur1574"), show the token is written in leetspeak, and all its
    // runs are then read as letters ("h0st355"), as in every word of a text
    // written in leetspeak throughout. Otherwise digits at one edge only
    // stay digits: "mp3", "ps5", "3rd", "4wd".
    let view: &[Unit] = tok;
    let n = view.len();
    let runs = || {
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < n {
                if is_letter(view[i].ch) {
                    i += 1;
                    continue;
                }
                let mut j = i;
                while j < n && !is_letter(view[j].ch) {
                    j += 1;
                }
                let run = (i, j);
                i = j;
                if view[run.0..run.1]
                    .iter()
                    .all(|u| leet_letter(u.ch).is_some())
                {
                    return Some(run);
                }
            }
            None
        })
    };
    let interior = |(i, j): (usize, usize)| {
        i > 0 && j < n && !(domain_follows && view[i..j].iter().any(|u| u.ch == '@'))
    };
    let written_leet = throughout
        || runs().any(interior)
        || runs().any(|(i, _)| i == 0) && runs().any(|(_, j)| j == n);
    let plan: Vec<(usize, usize)> = runs()
        .filter(|&(i, j)| {
            let run = &view[i..j];
            let before = i > 0; // a letter precedes (runs are maximal)
            let all_digits = run.iter().all(|u| u.ch.is_ascii_digit());
            let has_at = run.iter().any(|u| u.ch == '@');
            let side_letters = |r: &[Unit]| r.iter().filter(|u| is_letter(u.ch)).count();
            if has_at && domain_follows {
                false
            } else if interior((i, j)) {
                // Interior: "p4ss", "s3x", "f!lth", "p@ss".
                true
            } else if all_digits {
                // At an edge: any digits in a word written in leetspeak,
                // else a single digit next to a real word ("3scort",
                // "fre3"), never "18yo", "24hrs" or "mp3".
                written_leet
                    || run.len() == 1
                        && side_letters(if before { &view[..i] } else { &view[j..] }) >= 3
            } else {
                // Trailing "$" ("bo$$"); never a leading "$5" or a trailing "!".
                before && run.iter().all(|u| u.ch == '$')
            }
        })
        .collect();
    for (i, j) in plan {
        for u in &mut tok[i..j] {
            if let Some(l) = leet_letter(u.ch) {
                u.ch = l;
                u.flags |= F_LEET;
                changed = true;
            }
        }
    }
    changed
}

#[cfg(any(test, fuzzing))]
/// Pass 5: collapse runs of the same letter, and runs of whitespace (line
/// breaks included) to one space, so "registration  fee" and
/// "registration\nfee" match the term "registration fee".
fn collapse_repeats(mut units: Vec<Unit>) -> Vec<Unit> {
    // In place: `w` is the write position, `units[..w]` the output so far.
    let mut w = 0usize;
    let mut run = 0usize;
    let mut pending = 0u16;
    for r in 0..units.len() {
        let mut u = units[r];
        if u.ch == TOMBSTONE {
            pending |= u.pre;
            continue;
        }
        u.pre |= std::mem::take(&mut pending);
        if u.ch == '\n' {
            u.ch = ' ';
        }
        if w > 0 {
            let last = &mut units[w - 1];
            if u.ch == ' ' && last.ch == ' ' {
                last.pre |= u.pre;
                continue;
            }
            if u.ch == last.ch && stretches(u.ch) {
                run += 1;
                last.end = last.end.max(u.end);
                last.flags |= u.flags | u.pre;
                if run >= 2 {
                    last.flags |= F_REPEAT;
                }
                continue;
            }
        }
        run = 0;
        units[w] = u;
        w += 1;
    }
    units.truncate(w);
    units
}

/// Final pass: UTF-8 text plus the per-byte map and the word starts.
#[cfg(any(test, fuzzing))]
fn encode(units: Vec<Unit>) -> Normalized {
    let mut text = String::with_capacity(units.len());
    let mut map = Vec::with_capacity(units.len());
    let mut words = Vec::new();
    let mut prev_word = false;
    let mut joined = false;
    for u in units {
        joined |= u.pre & F_SPACING != 0;
        let word = is_word(u.ch);
        if word && !prev_word {
            words.push(text.len() as u32);
        }
        prev_word = word;
        text.push(u.ch);
        let info = ByteInfo {
            start: u.start,
            end: u.end,
            flags: u.flags,
            pre: u.pre,
        };
        map.push(info);
        for _ in 1..u.ch.len_utf8() {
            map.push(ByteInfo { pre: 0, ..info });
        }
    }
    Normalized {
        text,
        map,
        words,
        joined,
    }
}

impl Normalized {
    /// Byte offsets where the words of the matching form start.
    pub(crate) fn word_starts(&self) -> &[u32] {
        &self.words
    }
}

#[cfg(test)]
mod tests;
