//! Reading helpers over the entity form (a slice of [`Char`]).

use crate::normalize::{Char, F_EMOJI};

/// The entity form of one field, with word-level helpers. Positions are
/// indices into the character slice.
pub(super) struct Text<'a> {
    pub c: &'a [Char],
}

impl<'a> Text<'a> {
    pub fn new(c: &'a [Char]) -> Text<'a> {
        Text { c }
    }

    pub fn len(&self) -> usize {
        self.c.len()
    }

    /// The character at `i`, or NUL past either end.
    pub fn ch(&self, i: usize) -> char {
        self.c.get(i).map_or('\0', |c| c.ch)
    }

    /// The character before `i`, or NUL.
    pub fn before(&self, i: usize) -> char {
        if i == 0 {
            '\0'
        } else {
            self.ch(i - 1)
        }
    }

    /// Whether `c[i]` is part of an emoji's `:name:` token.
    pub fn is_emoji(&self, i: usize) -> bool {
        self.c
            .get(i)
            .is_some_and(|c| c.flags & F_EMOJI != 0 && !c.ch.is_ascii_digit())
    }

    pub fn is_word(&self, i: usize) -> bool {
        crate::normalize::table::is_alnum(self.ch(i))
    }

    /// Whether a word starts at `i`.
    pub fn word_starts(&self, i: usize) -> bool {
        self.is_word(i) && !crate::normalize::table::is_alnum(self.before(i))
    }

    /// End of the word (alphanumeric run) starting at `i`.
    pub fn word_end(&self, mut i: usize) -> usize {
        while i < self.len() && self.is_word(i) {
            i += 1;
        }
        i
    }

    /// Start of the alphanumeric run ending just before `i`.
    pub fn word_start_before(&self, mut i: usize) -> usize {
        while i > 0 && self.is_word(i - 1) {
            i -= 1;
        }
        i
    }

    pub fn string(&self, s: usize, e: usize) -> String {
        self.c[s.min(self.len())..e.min(self.len())]
            .iter()
            .map(|c| c.ch)
            .collect()
    }

    /// Whether `c[s..e]` spells `word`.
    pub fn is(&self, s: usize, e: usize, word: &str) -> bool {
        if e > self.len() || s > e {
            return false;
        }
        // Character by character with an early exit: this runs for every
        // word of every text against lists of markers.
        if let (Some(&b), Some(c)) = (word.as_bytes().first(), self.c.get(s)) {
            if b.is_ascii() && c.ch != b as char {
                return false;
            }
        }
        let mut k = s;
        for w in word.chars() {
            if k == e || self.c[k].ch != w {
                return false;
            }
            k += 1;
        }
        k == e
    }

    /// Which of `words` `c[s..e]` spells, without allocating.
    pub fn which(&self, s: usize, e: usize, words: &[&str]) -> Option<usize> {
        if e <= s || e - s > 16 {
            return None;
        }
        words.iter().position(|w| self.is(s, e, w))
    }

    /// Skips spaces (not line breaks) forward, at most `max`.
    pub fn skip_spaces(&self, mut i: usize, max: usize) -> usize {
        let mut k = 0;
        while k < max && self.ch(i) == ' ' {
            i += 1;
            k += 1;
        }
        i
    }

    /// Skips spaces backward from `i` (exclusive), at most `max`.
    pub fn skip_spaces_back(&self, mut i: usize, max: usize) -> usize {
        let mut k = 0;
        while k < max && i > 0 && self.ch(i - 1) == ' ' {
            i -= 1;
            k += 1;
        }
        i
    }

    /// The next word at or after `i` across at most `gap` non-word
    /// characters: its (start, end).
    pub fn next_word(&self, i: usize, gap: usize) -> Option<(usize, usize)> {
        let mut j = i;
        while j < self.len() && !self.is_word(j) {
            if j - i >= gap {
                return None;
            }
            j += 1;
        }
        (j < self.len()).then(|| (j, self.word_end(j)))
    }

    /// Up to `n` words before `i`, nearest first, crossing at most `gap`
    /// non-word characters between words and no line break.
    pub fn words_before(&self, i: usize, n: usize, gap: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut j = i;
        while out.len() < n {
            let mut k = 0;
            while j > 0 && !self.is_word(j - 1) {
                if k >= gap || self.ch(j - 1) == '\n' {
                    return out;
                }
                j -= 1;
                k += 1;
            }
            if j == 0 {
                break;
            }
            let s = self.word_start_before(j);
            out.push(self.string(s, j));
            j = s;
        }
        out
    }

    /// Up to `n` words from `i` on, crossing at most `gap` non-word
    /// characters between words and no line break.
    pub fn words_after(&self, i: usize, n: usize, gap: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut j = i;
        while out.len() < n {
            let mut k = 0;
            while j < self.len() && !self.is_word(j) {
                if k >= gap || self.ch(j) == '\n' {
                    return out;
                }
                j += 1;
                k += 1;
            }
            if j >= self.len() {
                break;
            }
            let e = self.word_end(j);
            out.push(self.string(j, e));
            j = e;
        }
        out
    }

    /// Union of the normaliser flags in `c[s..e]`.
    pub fn flags(&self, s: usize, e: usize) -> u16 {
        self.c[s.min(self.len())..e.min(self.len())]
            .iter()
            .fold(0, |f, c| f | c.flags)
    }
}

/// Whether any word in `words` is in `list`.
pub(super) fn any_in(words: &[String], list: &[&str]) -> bool {
    words.iter().any(|w| list.contains(&w.as_str()))
}
