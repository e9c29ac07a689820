//! Pass 1, characters: one character at a time through the folding table
//! (`unicode_tables.rs`), emoji to `:name:` tokens, flags to
//! `:flag_xx:`, and the ASCII disguises of `disguise` read from the
//! original text around one byte. See the module docs of `normalize` for
//! what each character becomes.

use super::disguise;
use super::table::{self, Fold};
use super::{Unit, F_COMPAT, F_EMOJI, F_INVISIBLE, F_SPACING};

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// Pass 1: one character at a time through the folding table; `words`
/// for the matching form (see [`Pass1::new`]).
pub(super) fn map_chars(text: &str, words: bool, units: &mut Vec<Unit>) {
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
