//! Reading JSON Lines input in bounded memory (the `redflag` CLI's reader).
//!
//! [`std::io::BufRead::read_line`] holds a whole line before anyone can
//! check its size (a line of 200 MB takes hundreds of megabytes; a stream
//! with no line break grows until the process is killed), and when a line is
//! not UTF-8 it has already consumed it, so skipping "the rest of the line"
//! throws away the next one. [`LineReader`] keeps at most `max_line_bytes`
//! of a line, skips the rest of an over-long line up to its line break, and
//! always resynchronises at the next `\n`, so every line is reported once,
//! with its right number.

use std::io::{self, BufRead};

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The UTF-8 byte order mark, accepted (and dropped) at the start of line 1.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line of input, as read by [`LineReader::next_line`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's text, without its line break (`\n` or `\r\n`) and, on
    /// line 1, without a UTF-8 byte order mark.
    Text(&'a str),
    /// The line is not UTF-8: its first invalid byte is at `valid_up_to`.
    /// The whole line was read and dropped.
    NotUtf8 {
        /// Bytes of valid UTF-8 before the first invalid one.
        valid_up_to: usize,
    },
    /// The line is longer than the limit. Only the limit's worth of it was
    /// held in memory; the rest was skipped up to the line break.
    TooLong {
        /// The line's length in bytes, without its line break (and BOM).
        bytes: u64,
    },
}

/// Reads lines of at most `max_line_bytes` bytes (not counting the line
/// break and a BOM) from a buffered reader, in memory bounded by that limit
/// plus the reader's buffer.
///
/// ```
/// use redflag::lines::{Line, LineReader};
///
/// let input = b"\xEF\xBB\xBF{\"id\":1}\r\nbad \xFF\n0123456789\nlast";
/// let mut r = LineReader::new(&input[..], 8);
/// assert_eq!(r.next_line().unwrap(), Some((1, Line::Text("{\"id\":1}"))));
/// assert_eq!(r.next_line().unwrap(), Some((2, Line::NotUtf8 { valid_up_to: 4 })));
/// assert_eq!(r.next_line().unwrap(), Some((3, Line::TooLong { bytes: 10 })));
/// assert_eq!(r.next_line().unwrap(), Some((4, Line::Text("last"))));
/// assert_eq!(r.next_line().unwrap(), None);
/// ```
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    max: usize,
    buf: Vec<u8>,
    line: usize,
    bytes_read: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader of lines of at most `max_line_bytes` bytes.
    pub fn new(inner: R, max_line_bytes: usize) -> LineReader<R> {
        LineReader {
            inner,
            max: max_line_bytes,
            buf: Vec::new(),
            line: 0,
            bytes_read: 0,
        }
    }

    /// The number of the last line returned (1-based; 0 before the first).
    pub fn line_number(&self) -> usize {
        self.line
    }

    /// Bytes consumed from the input so far, line breaks included.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line and its number, or `None` at the end of the input. A
    /// last line without a `\n` is a line; an empty input has none.
    ///
    /// A read error is returned as is (retried only if it is
    /// [`io::ErrorKind::Interrupted`]) and counts as a line, so
    /// [`line_number`](Self::line_number) names the line that could not be
    /// read.
    pub fn next_line(&mut self) -> io::Result<Option<(usize, Line<'_>)>> {
        self.buf.clear();
        // Bytes of this line before its `\n`, including those not kept.
        let mut len: u64 = 0;
        let mut last = None;
        let mut started = false;
        // Room for the content, a BOM and a `\r`, which do not count.
        let cap = self.max.saturating_add(BOM.len() + 1);
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.line += 1;
                    return Err(e);
                }
            };
            if avail.is_empty() {
                if !started {
                    return Ok(None);
                }
                break;
            }
            started = true;
            let newline = avail.iter().position(|&b| b == b'\n');
            let content = &avail[..newline.unwrap_or(avail.len())];
            let room = cap.saturating_sub(self.buf.len());
            self.buf
                .extend_from_slice(&content[..content.len().min(room)]);
            len = len.saturating_add(content.len() as u64);
            last = content.last().copied().or(last);
            let used = newline.map_or(avail.len(), |i| i + 1);
            self.inner.consume(used);
            self.bytes_read = self.bytes_read.saturating_add(used as u64);
            if newline.is_some() {
                break;
            }
        }
        self.line += 1;
        let cr = usize::from(last == Some(b'\r'));
        let bom = if self.line == 1 && self.buf.starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let bytes = len.saturating_sub((cr + bom) as u64);
        if bytes > self.max as u64 {
            return Ok(Some((self.line, Line::TooLong { bytes })));
        }
        // Not too long, so the whole line is in the buffer.
        let text = self
            .buf
            .get(bom..self.buf.len().saturating_sub(cr))
            .unwrap_or_default();
        Ok(Some((
            self.line,
            match std::str::from_utf8(text) {
                Ok(s) => Line::Text(s),
                Err(e) => Line::NotUtf8 {
                    valid_up_to: e.valid_up_to(),
                },
            },
        )))
    }
}

/// The `id` member of the JSON object in `text`, exactly as written there
/// (`1e2` stays `1e2`, an integer past 2^64 keeps its digits), for echoing
/// it unchanged. If the key repeats, the last one counts, as in a
/// `serde_json::Value`. `None` if `text` is not a JSON object or has no
/// `id`.
///
/// ```
/// let line = r#"{"id": 1e2, "body": "…"}"#;
/// assert_eq!(redflag::lines::raw_id(line).unwrap().get(), "1e2");
/// assert!(redflag::lines::raw_id("[1]").is_none());
/// ```
pub fn raw_id(text: &str) -> Option<&RawValue> {
    serde_json::from_str::<IdOf<'_>>(text).ok()?.0
}

/// Reads only the `id` of a JSON object, borrowed from the input text.
struct IdOf<'a>(Option<&'a RawValue>);

impl<'de> Deserialize<'de> for IdOf<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = IdOf<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<IdOf<'de>, A::Error> {
                let mut id = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "id" {
                        id = Some(map.next_value::<&'de RawValue>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(IdOf(id))
            }
        }
        d.deserialize_map(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], max: usize) -> Vec<(usize, String)> {
        let mut r = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some((n, l)) = r.next_line().unwrap() {
            out.push((n, format!("{l:?}")));
        }
        out
    }

    #[test]
    fn a_bad_line_does_not_take_the_next_one_with_it() {
        let got = all(
            b"{\"id\":1,\"body\":\"a\xff\"}\n{\"id\":2}\n{\"id\":3}\n",
            100,
        );
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], (2, format!("{:?}", Line::Text("{\"id\":2}"))));
        assert_eq!(got[2].0, 3);
    }

    #[test]
    fn long_lines_are_cut_off_and_the_next_line_is_read() {
        // A small inner buffer so a line spans many reads.
        let input = [&b"x"[..], &[b'a'; 1000][..], b"\nnext\n"].concat();
        let r = io::BufReader::with_capacity(7, &input[..]);
        let mut r = LineReader::new(r, 10);
        assert_eq!(
            r.next_line().unwrap(),
            Some((1, Line::TooLong { bytes: 1001 }))
        );
        assert!(r.buf.capacity() < 64, "kept {} bytes", r.buf.capacity());
        assert_eq!(r.next_line().unwrap(), Some((2, Line::Text("next"))));
        assert_eq!(r.next_line().unwrap(), None);
        assert_eq!(r.bytes_read(), input.len() as u64);
    }

    #[test]
    fn the_limit_is_inclusive_and_excludes_the_line_break() {
        assert_eq!(all(b"12345\n", 5), [(1, "Text(\"12345\")".to_string())]);
        assert_eq!(all(b"123456", 5), [(1, "TooLong { bytes: 6 }".to_string())]);
        // Neither a BOM nor the `\r` of `\r\n` counts.
        let got = all(b"\xEF\xBB\xBF12345\r\n12345\r\n123456\r\n", 5);
        assert_eq!(got[0], (1, "Text(\"12345\")".to_string()));
        assert_eq!(got[1], (2, "Text(\"12345\")".to_string()));
        assert_eq!(got[2], (3, "TooLong { bytes: 6 }".to_string()));
    }

    #[test]
    fn bom_only_on_line_one_and_empty_lines_count() {
        let got = all(b"\xEF\xBB\xBFa\n\n\xEF\xBB\xBFb\n", 10);
        assert_eq!(got[0], (1, "Text(\"a\")".to_string()));
        assert_eq!(got[1], (2, "Text(\"\")".to_string()));
        assert_eq!(got[2], (3, "Text(\"\\u{feff}b\")".to_string()));
    }
}
