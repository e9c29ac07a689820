//! Where each byte of the matching form came from, in five bytes a byte.
//!
//! Every byte of the matching form has an original byte range and two sets
//! of steps (those that produced its character, and those that removed
//! characters just before it). Kept as one 12-byte record per byte, that
//! map was the largest buffer of a screen (12 MB for a 1 MB field). Most
//! bytes need far less: a range a few bytes long and no steps at all. So
//! the map keeps per byte only the start (`u32`), the range's length and
//! whether the byte has steps (one `u8`), and, sparsely and in byte order,
//! the longer ranges and the steps.

use std::ops::Range;

/// The bit of `Byte::len` that says the byte has steps (see
/// `SourceMap::marks`).
const MARKED: u8 = 0x80;
/// A length of `LONG` or more is kept in `SourceMap::long`.
const LONG: u8 = 0x7f;

/// One byte of the matching form: five bytes, unaligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed)]
struct Byte {
    start: u32,
    /// Original range length (`LONG`: see `long`), and `MARKED`.
    len: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct SourceMap {
    bytes: Vec<Byte>,
    /// `(byte, end)` for the bytes whose range is `LONG` bytes or longer,
    /// ascending.
    long: Vec<(u32, u32)>,
    /// `(byte, flags, pre)` for the bytes with steps, ascending.
    marks: Vec<(u32, u16, u16)>,
}

impl SourceMap {
    pub(super) fn with_capacity(n: usize) -> SourceMap {
        SourceMap {
            bytes: Vec::with_capacity(n),
            long: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// Bytes mapped.
    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Maps the next `bytes` bytes (one character of the matching form) to
    /// the original range `start..end`; `pre` goes on the first byte only.
    #[inline(always)]
    pub(super) fn push_char(&mut self, bytes: usize, start: u32, end: u32, flags: u16, pre: u16) {
        self.push_byte(start, end, flags, pre);
        for _ in 1..bytes {
            self.push_byte(start, end, flags, 0);
        }
    }

    #[inline(always)]
    fn push_byte(&mut self, start: u32, end: u32, flags: u16, pre: u16) {
        let at = self.bytes.len() as u32;
        let mut len = match end.saturating_sub(start) {
            n if n < LONG as u32 => n as u8,
            _ => {
                self.long.push((at, end));
                LONG
            }
        };
        if flags | pre != 0 {
            self.marks.push((at, flags, pre));
            len |= MARKED;
        }
        self.bytes.push(Byte { start, len });
    }

    /// Keeps the first `n` bytes.
    pub(super) fn truncate(&mut self, n: usize) {
        self.bytes.truncate(n);
        let n = n as u32;
        while self.long.last().is_some_and(|l| l.0 >= n) {
            self.long.pop();
        }
        while self.marks.last().is_some_and(|m| m.0 >= n) {
            self.marks.pop();
        }
    }

    pub(super) fn start(&self, at: usize) -> u32 {
        self.bytes[at].start
    }

    pub(super) fn end(&self, at: usize) -> u32 {
        let b = self.bytes[at];
        match b.len & !MARKED {
            LONG => {
                let k = self.long.partition_point(|l| (l.0 as usize) < at);
                self.long.get(k).map_or(b.start, |l| l.1)
            }
            len => b.start + len as u32,
        }
    }

    /// The largest original end of the bytes in `range`.
    pub(super) fn max_end(&self, range: Range<usize>) -> u32 {
        let short = self.bytes[range.clone()]
            .iter()
            .map(|b| match b.len & !MARKED {
                LONG => 0,
                len => b.start + len as u32,
            })
            .max()
            .unwrap_or(0);
        let s = self.long.partition_point(|l| (l.0 as usize) < range.start);
        let long = self.long[s..]
            .iter()
            .take_while(|l| (l.0 as usize) < range.end)
            .map(|l| l.1)
            .max()
            .unwrap_or(0);
        short.max(long)
    }

    /// The bytes in `range` with steps, as `(byte, flags, pre)`.
    pub(super) fn marks(&self, range: Range<usize>) -> &[(u32, u16, u16)] {
        let s = self.marks.partition_point(|m| (m.0 as usize) < range.start);
        let e = self.marks.partition_point(|m| (m.0 as usize) < range.end);
        &self.marks[s..e.max(s)]
    }

    /// Every byte with steps, ascending.
    pub(super) fn all_marks(&self) -> &[(u32, u16, u16)] {
        &self.marks
    }

    /// The steps that removed characters just before byte `at`.
    #[inline]
    pub(super) fn pre(&self, at: usize) -> u16 {
        if self.bytes[at].len & MARKED == 0 {
            return 0;
        }
        self.marks(at..at + 1).first().map_or(0, |m| m.2)
    }

    /// The first byte for which `pred` is false, `pred` being true on a
    /// prefix of the bytes (as `slice::partition_point`), given each byte's
    /// original start and end.
    pub(super) fn partition_point(&self, pred: impl Fn(u32, u32) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.start(mid), self.end(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map against a plain list of its entries, after pushes of every
    /// kind and truncations.
    #[test]
    fn answers_as_a_list_of_records_would() {
        let mut m = SourceMap::with_capacity(0);
        let mut list: Vec<(u32, u32, u16, u16)> = Vec::new();
        let mut push = |m: &mut SourceMap, n: usize, s: u32, e: u32, f: u16, p: u16| {
            m.push_char(n, s, e, f, p);
            for k in 0..n {
                list.push((s, e, f, if k == 0 { p } else { 0 }));
            }
            list.clone()
        };
        push(&mut m, 1, 0, 1, 0, 0);
        push(&mut m, 3, 1, 5, 2, 64);
        push(&mut m, 1, 5, 900, 128, 0);
        push(&mut m, 2, 900, 902, 0, 8);
        push(&mut m, 1, 902, 1029, 0, 0);
        let l = push(&mut m, 1, 1029, 1030, 0, 0);
        let check = |m: &SourceMap, l: &[(u32, u32, u16, u16)]| {
            assert_eq!(m.len(), l.len());
            for (i, r) in l.iter().enumerate() {
                assert_eq!(
                    (m.start(i), m.end(i), m.pre(i)),
                    (r.0, r.1, r.3),
                    "byte {i}"
                );
                let flags = m.marks(i..i + 1).first().map_or(0, |x| x.1);
                assert_eq!(flags, r.2, "byte {i}");
                for j in i + 1..=l.len() {
                    let want = l[i..j].iter().map(|r| r.1).max().unwrap();
                    assert_eq!(m.max_end(i..j), want, "{i}..{j}");
                }
            }
            for x in 0..1100 {
                let want = l.partition_point(|r| r.1 <= x);
                assert_eq!(m.partition_point(|_, e| e <= x), want);
            }
        };
        check(&m, &l);
        for n in (0..l.len()).rev() {
            m.truncate(n);
            check(&m, &l[..n]);
        }
    }
}
