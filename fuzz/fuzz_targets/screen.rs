//! The whole screening path with the built-in packs: any submission gives
//! a verdict or an error, and every hit is an exact span of the original.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use redflag::{Engine, EntityOptions, ScreenOptions, Submission};

static ENGINE: OnceLock<Engine> = OnceLock::new();
const SECTIONS: [&str; 8] = ["jobs", "adult", "personals", "services", "housing", "for-sale", "community", "other"];

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| {
        Engine::builder()
            .default_packs()
            .entity_key(b"fuzzing-key-0123456789".to_vec())
            .build()
            .unwrap()
    });
    let _ = EntityOptions::default();
    let sub = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(v) => match Submission::from_json(&v) {
            Ok(s) => s,
            Err(_) => return,
        },
        Err(_) => {
            let (head, rest) = data.split_first().unwrap_or((&0, &[]));
            let text = String::from_utf8_lossy(rest);
            let split = text.find('\n').unwrap_or(0);
            Submission::new()
                .section(SECTIONS[*head as usize % SECTIONS.len()])
                .field("title", &text[..split])
                .field("body", &text[split..])
        }
    };
    let opts = ScreenOptions { entities: true, raw_values: true, thresholds: None };
    let Ok(v) = engine.screen_with_options(&sub, &opts) else {
        return;
    };
    let fields: Vec<(&str, &str)> = sub.fields().collect();
    for h in &v.hits {
        let text = fields.iter().find(|f| f.0 == h.field).map(|f| f.1).unwrap();
        assert_eq!(&text[h.byte_start..h.byte_end], h.text);
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&units[h.start..h.end]).unwrap(), h.text);
    }
    assert!(v.score.is_finite());
});
