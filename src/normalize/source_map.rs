//! Where each byte of the matching form came from, in five bytes a byte.
//!
//! Every byte of the matching form has an original byte range and two sets
//! of steps (those that produced its character, and those that removed
//! characters just before it). Kept as one 12-byte record per byte, that
//! map was the largest buffer of a screen (12 MB for a 1 MB field). Most
//! bytes need far less: a range a few bytes long and no steps at all. So
//! the map keeps per byte only the start (`u32`), the range's length and
//! whether the byte has steps (one `u8`), and, sparsely and in byte order,
//! the longer ranges and the steps. Text where most bytes have steps (a
//! field spaced out letter by letter, where every letter follows a removed
//! space) switches the steps to one `(flags, pre)` pair a byte, so the map
//! never takes more than nine bytes a byte.

use std::ops::Range;

/// The bit of `Byte::len` that says the byte has steps (see
/// `SourceMap::marks`).
const MARKED: u8 = 0x80;
/// A length of `LONG` or more is kept in `SourceMap::long`.
const LONG: u8 = 0x7f;

/// One byte of the matching form: five bytes, unaligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed)]
pub(super) struct Byte {
    start: u32,
    /// Original range length (`LONG`: see `long`), and `MARKED`.
    len: u8,
}

#[derive(Clone, Debug, Default)]
pub(super) struct SourceMap {
    bytes: Vec<Byte>,
    /// `(byte, end)` for the bytes whose range is `LONG` bytes or longer,
    /// ascending.
    long: Vec<(u32, u32)>,
    steps: StepStore,
}

/// The steps of the marked bytes.
#[derive(Clone, Debug)]
enum StepStore {
    /// `(byte, flags, pre)` of each marked byte, ascending.
    Sparse(Vec<(u32, u16, u16)>),
    /// `(flags, pre)` of every byte, once marked bytes are so many that a
    /// pair a byte is smaller (`DENSE_AFTER`).
    Dense(Vec<(u16, u16)>),
}

impl Default for StepStore {
    fn default() -> StepStore {
        StepStore::Sparse(Vec::new())
    }
}

/// Sparse steps switch to dense ones when at least this many bytes are
/// marked and they are more than half of all bytes (8 bytes a marked byte
/// against 4 a byte).
const DENSE_AFTER: usize = 4096;

/// The marked bytes of a range, as `(byte, flags, pre)`, ascending.
pub(super) enum Marked<'a> {
    Sparse(std::slice::Iter<'a, (u32, u16, u16)>),
    Dense {
        bytes: &'a [Byte],
        steps: &'a [(u16, u16)],
        at: usize,
        end: usize,
    },
}

impl Iterator for Marked<'_> {
    type Item = (u32, u16, u16);

    fn next(&mut self) -> Option<(u32, u16, u16)> {
        match self {
            Marked::Sparse(it) => it.next().copied(),
            Marked::Dense {
                bytes,
                steps,
                at,
                end,
            } => {
                while *at < *end {
                    let i = *at;
                    *at += 1;
                    if bytes[i].len & MARKED != 0 {
                        return Some((i as u32, steps[i].0, steps[i].1));
                    }
                }
                None
            }
        }
    }
}

/// Two maps are equal when they map every byte the same way, whichever
/// form their steps are kept in (a map truncated and written again may
/// have switched where one written straight through has not).
impl PartialEq for SourceMap {
    fn eq(&self, other: &SourceMap) -> bool {
        self.bytes == other.bytes
            && self.long == other.long
            && self.marked(0..self.len()).eq(other.marked(0..other.len()))
    }
}

impl Eq for SourceMap {}

impl SourceMap {
    pub(super) fn with_capacity(n: usize) -> SourceMap {
        SourceMap {
            bytes: Vec::with_capacity(n),
            long: Vec::new(),
            steps: StepStore::default(),
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
        let marked = flags | pre != 0;
        if marked {
            len |= MARKED;
        }
        self.bytes.push(Byte { start, len });
        match &mut self.steps {
            StepStore::Dense(d) => d.push((flags, pre)),
            StepStore::Sparse(v) if marked => {
                v.push((at, flags, pre));
                if v.len() >= DENSE_AFTER && v.len() * 2 > self.bytes.len() {
                    self.densify();
                }
            }
            StepStore::Sparse(_) => {}
        }
    }

    #[cold]
    fn densify(&mut self) {
        let StepStore::Sparse(v) = &self.steps else {
            return;
        };
        // Room to double, as a Vec grows: the output may be far shorter
        // than the capacity reserved for it (runs of one letter collapse).
        let mut d = Vec::with_capacity(self.bytes.len() * 2);
        d.resize(self.bytes.len(), (0, 0));
        for &(at, flags, pre) in v {
            d[at as usize] = (flags, pre);
        }
        self.steps = StepStore::Dense(d);
    }

    /// Keeps the first `n` bytes.
    pub(super) fn truncate(&mut self, n: usize) {
        self.bytes.truncate(n);
        let n = n as u32;
        while self.long.last().is_some_and(|l| l.0 >= n) {
            self.long.pop();
        }
        match &mut self.steps {
            StepStore::Sparse(v) => {
                while v.last().is_some_and(|m| m.0 >= n) {
                    v.pop();
                }
            }
            StepStore::Dense(d) => d.truncate(n as usize),
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

    /// The bytes in `range` with steps, as `(byte, flags, pre)`, ascending.
    pub(super) fn marked(&self, range: Range<usize>) -> Marked<'_> {
        match &self.steps {
            StepStore::Sparse(v) => {
                let s = v.partition_point(|m| (m.0 as usize) < range.start);
                let e = v.partition_point(|m| (m.0 as usize) < range.end);
                Marked::Sparse(v[s..e.max(s)].iter())
            }
            StepStore::Dense(d) => Marked::Dense {
                bytes: &self.bytes,
                steps: d,
                at: range.start,
                end: range.end.min(self.bytes.len()),
            },
        }
    }

    /// The steps that removed characters just before byte `at`.
    #[inline]
    pub(super) fn pre(&self, at: usize) -> u16 {
        if self.bytes[at].len & MARKED == 0 {
            return 0;
        }
        match &self.steps {
            StepStore::Dense(d) => d[at].1,
            StepStore::Sparse(_) => self.marked(at..at + 1).next().map_or(0, |m| m.2),
        }
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
                let flags = m.marked(i..i + 1).next().map_or(0, |x| x.1);
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

    /// Past `DENSE_AFTER` marked bytes, more than half of all, the steps
    /// are kept a pair a byte: the answers stay those of the list, and a
    /// map truncated back equals one written without the switch.
    #[test]
    fn switches_to_dense_steps_and_answers_the_same() {
        let n = DENSE_AFTER * 3;
        let mut m = SourceMap::with_capacity(0);
        let mut list = Vec::new();
        for i in 0..n as u32 {
            // Two bytes in three follow a removed space (spaced letters).
            let pre = if i % 3 == 0 { 0 } else { 64 };
            m.push_char(1, i, i + 1, 0, pre);
            list.push((i, i + 1, 0u16, pre));
        }
        assert!(matches!(m.steps, StepStore::Dense(_)));
        for (i, r) in list.iter().enumerate().step_by(97) {
            assert_eq!((m.start(i), m.end(i), m.pre(i)), (r.0, r.1, r.3));
        }
        let spaced: Vec<u32> = m.marked(0..n).map(|x| x.0).collect();
        let want: Vec<u32> = list.iter().filter(|r| r.3 != 0).map(|r| r.0).collect();
        assert_eq!(spaced, want);
        assert_eq!(m.marked(10..20).count(), 7); // all but 12, 15 and 18
                                                 // Truncated to a few bytes, it equals the same bytes written afresh
                                                 // (which stay sparse).
        m.truncate(30);
        let mut fresh = SourceMap::with_capacity(0);
        for r in &list[..30] {
            fresh.push_char(1, r.0, r.1, r.2, r.3);
        }
        assert!(matches!(fresh.steps, StepStore::Sparse(_)));
        assert_eq!(m, fresh);
        fresh.push_char(1, 30, 31, 2, 0);
        assert_ne!(m, fresh);
    }
}
