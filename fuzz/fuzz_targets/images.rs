//! Image decoding and PDQ hashing on hostile bytes (truncated files, bombs,
//! garbage after a valid header): every input gives a hash within the
//! limits or an error with a kind, never a panic; a hash list read from the
//! same bytes as text parses or is refused, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use redflag::images::{hash_image, HashList, ImageLimits};

fuzz_target!(|data: &[u8]| {
    // Small limits keep each run fast; the checks are the same at any size.
    let limits = ImageLimits {
        max_pixels: 1 << 20,
        ..ImageLimits::default()
    };
    match hash_image(data, &limits) {
        Ok(h) => {
            assert!(u64::from(h.width) * u64::from(h.height) <= limits.max_pixels);
            assert!(h.quality <= 100);
            let variants = h.variants();
            assert_eq!(variants[0].1, h.hash);
        }
        Err(e) => assert!(!e.kind().is_empty()),
    }
    if let Ok(list) = HashList::parse(&String::from_utf8_lossy(data)) {
        let _ = list.len();
    }
});
