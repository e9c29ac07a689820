//! Entity extraction: spans are valid UTF-16 and byte ranges of the
//! original that agree, values and hashes are well formed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use redflag::{extract_entities, EntityOptions, Submission};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let sub = Submission::new().field("body", text.as_ref());
    let opts = EntityOptions { raw_values: true, key: Some(b"fuzz".to_vec()), ..EntityOptions::default() };
    let units: Vec<u16> = text.encode_utf16().collect();
    for e in extract_entities(&sub, &opts) {
        assert!(e.start < e.end && e.end <= units.len());
        assert!(text.is_char_boundary(e.byte_start) && text.is_char_boundary(e.byte_end));
        assert_eq!(String::from_utf16(&units[e.start..e.end]).unwrap(), &text[e.byte_start..e.byte_end]);
        assert!(e.value.as_ref().is_some_and(|v| !v.is_empty()));
        assert_eq!(e.hash.as_ref().map_or(64, |h| h.len()), 64);
    }
});
