//! Pack parsing and validation, TOML and JSON: any input gives packs or
//! errors with paths, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for e in redflag::validate_json(&[text]) {
        assert!(!e.message.is_empty());
    }
    if let Ok(pack) = redflag::Pack::from_json(text) {
        // A pack that parses either builds or reports why.
        let _ = redflag::Engine::builder().pack(pack).build();
    }
    if let Ok(pack) = redflag::Pack::from_toml(text) {
        let _ = redflag::Engine::builder().pack(pack).build();
    }
});
