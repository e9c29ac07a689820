//! Normalisation and its offset map: every character of the matching form
//! maps to a range of the original on character boundaries, in order, and
//! the streaming fast path gives exactly what running every pass over the
//! whole text gives.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let n = redflag::normalize(&text);
    assert_eq!(n, redflag::normalize_reference(&text), "fast path differs on {text:?}");
    let norm = n.as_str();
    let mut last_start = 0;
    for (i, ch) in norm.char_indices() {
        let r = n.source_range(i..i + ch.len_utf8());
        assert!(r.start <= r.end && r.end <= text.len(), "{r:?} out of {}", text.len());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert!(r.start >= last_start, "source ranges go backwards");
        last_start = r.start;
        let _ = n.steps(i..i + ch.len_utf8());
    }
    if !norm.is_empty() {
        let all = n.source_range(0..norm.len());
        assert!(all.end <= text.len());
    }
});
