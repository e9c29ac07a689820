//! The CLI's line reader (`redflag::lines`): on any bytes, with any line
//! limit and any read sizes, it returns every line once, numbered in order,
//! exactly as splitting the whole input at `\n` would (minus `\r` before
//! the `\n` and a BOM on line 1), reports lines over the limit by their
//! length instead of their text, and consumes the whole input.
#![no_main]
use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use redflag::lines::{Line, LineReader};

const BOM: &[u8] = b"\xEF\xBB\xBF";

fuzz_target!(|data: &[u8]| {
    let [max, cap, input @ ..] = data else {
        return;
    };
    // Limits 0..=63 and read sizes 1..=16: lines cross reads and the limit.
    let max = usize::from(*max % 64);
    let cap = usize::from(*cap % 16) + 1;
    let mut reader = LineReader::new(BufReader::with_capacity(cap, input), max);

    // The reference: split the whole input.
    let mut parts: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    for (i, part) in parts.iter().enumerate() {
        let mut want = *part;
        if let Some(p) = want.strip_suffix(b"\r") {
            want = p;
        }
        if i == 0 {
            if let Some(p) = want.strip_prefix(BOM) {
                want = p;
            }
        }
        let (n, line) = reader
            .next_line()
            .expect("reading a slice cannot fail")
            .expect("a line");
        assert_eq!(n, i + 1);
        match line {
            Line::Text(t) => {
                assert!(want.len() <= max);
                assert_eq!(t.as_bytes(), want);
            }
            Line::NotUtf8 { valid_up_to } => {
                assert!(want.len() <= max);
                let e = std::str::from_utf8(want).expect_err("the line is not UTF-8");
                assert_eq!(valid_up_to, e.valid_up_to());
            }
            Line::TooLong { bytes } => {
                assert!(want.len() > max);
                assert_eq!(bytes, want.len() as u64);
            }
        }
        assert_eq!(reader.line_number(), i + 1);
    }
    assert_eq!(reader.next_line().expect("no error"), None);
    assert_eq!(reader.bytes_read(), input.len() as u64);
});
