//! `redflag scan-image`: the text of a picture read by Debian's tesseract,
//! screened, with the word boxes of each hit; errors per file; a clear error
//! without tesseract.
//!
//! The picture, tests/fixtures/ocr-ad.png, is a made-up flyer (a fictional
//! 555-01xx number) drawn in DejaVu Sans on a canvas in Chromium by
//! `node benches/ocr_eval.mjs --fixture cli/tests/fixtures`. The tests that
//! need tesseract say so and pass without it where it is not installed
//! (`.ci/run` installs it: tesseract-ocr and tesseract-ocr-eng).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::json_lines as lines;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr-ad.png")
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    common::bin().args(args).output().expect("run redflag")
}

/// Whether Debian's tesseract and its English data are here; if not, says why the test does nothing.
fn tesseract_here(test: &str) -> bool {
    let ok = Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l.trim() == "eng")
        })
        .unwrap_or(false);
    if !ok {
        eprintln!("{test}: skipped: tesseract with English data is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)");
    }
    ok
}

#[test]
fn reads_the_picture_screens_its_text_and_boxes_each_hit() {
    if !tesseract_here("reads_the_picture_screens_its_text_and_boxes_each_hit") {
        return;
    }
    let out = run(&[
        "scan-image",
        "--section",
        "jobs",
        "--entities",
        "--raw-values",
        &fixture(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ls = lines(&out);
    assert_eq!(ls.len(), 1);
    let v = &ls[0];
    assert_eq!(v["file"], fixture());
    let (width, height) = image::image_dimensions(fixture()).unwrap();
    let (width, height) = (u64::from(width), u64::from(height));
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(width), Some(height))
    );
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("202-555-0147"), "{text}");
    // Flagged as text would be: the stated age and the fee.
    assert_ne!(v["verdict"], "allow");
    let entities = v["entities"].as_array().unwrap();
    let has = |kind: &str, value: &str| {
        entities
            .iter()
            .any(|e| e["kind"] == kind && e["value"] == value && e["field"] == "picture")
    };
    assert!(has("phone", "+12025550147"), "{entities:?}");
    assert!(has("age", "16"), "{entities:?}");
    // Every hit has the boxes of the words under it, inside the picture,
    // and those words make up the hit's text.
    let hits = v["hits"].as_array().unwrap();
    let boxes = v["hit_boxes"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert_eq!(hits.len(), boxes.len());
    for (h, b) in hits.iter().zip(boxes) {
        let words = b.as_array().unwrap();
        assert!(!words.is_empty(), "no box for {h}");
        let joined: Vec<&str> = words.iter().map(|w| w["text"].as_str().unwrap()).collect();
        let joined = joined.join(" ");
        assert!(
            joined.contains(h["text"].as_str().unwrap()),
            "{joined} / {h}"
        );
        for w in words {
            let (l, t, wd, ht) = (
                w["left"].as_u64().unwrap(),
                w["top"].as_u64().unwrap(),
                w["width"].as_u64().unwrap(),
                w["height"].as_u64().unwrap(),
            );
            assert!(
                wd > 0 && ht > 0 && l + wd <= width && t + ht <= height,
                "{w}"
            );
        }
    }
    // The phone number's box is on the second of the four lines (of 275 px).
    let phone_at = entities.iter().position(|e| e["kind"] == "phone").unwrap();
    let phone_box = &v["entity_boxes"][phone_at][0];
    let middle = phone_box["top"].as_u64().unwrap() + phone_box["height"].as_u64().unwrap() / 2;
    assert!((80..140).contains(&middle), "{phone_box}");
}

#[test]
fn a_picture_without_text_gives_an_allow_and_a_bad_file_an_error_line() {
    if !tesseract_here("a_picture_without_text_gives_an_allow_and_a_bad_file_an_error_line") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("redflag-cli-ocr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let blank = dir.join("blank.png");
    image::RgbImage::from_fn(200, 120, |x, y| image::Rgb([200, (x + y) as u8, 120]))
        .save(&blank)
        .unwrap();
    let bad = dir.join("bad.png");
    std::fs::write(&bad, b"not a picture").unwrap();
    let (blank, bad) = (blank.display().to_string(), bad.display().to_string());
    let out = run(&["scan-image", &blank, &bad]);
    assert_eq!(out.status.code(), Some(1));
    let ls: Vec<Value> = lines(&out);
    assert_eq!(ls.len(), 2);
    assert_eq!(ls[0]["file"], blank);
    assert_eq!(ls[0]["verdict"], "allow");
    assert_eq!(ls[0]["hits"].as_array().map(Vec::len), Some(0));
    assert_eq!(ls[1]["file"], bad);
    assert!(ls[1]["error"]
        .as_str()
        .unwrap()
        .contains("not a JPEG, PNG or WebP"));
    // Limits are checked on the header, before tesseract runs.
    let out = run(&["scan-image", "--max-pixels", "1000", &blank]);
    assert_eq!(out.status.code(), Some(1));
    assert!(lines(&out)[0]["error"]
        .as_str()
        .unwrap()
        .contains("--max-pixels"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn without_tesseract_it_says_what_to_install() {
    let out = run(&[
        "scan-image",
        "--tesseract",
        "/nonexistent/tesseract",
        &fixture(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tesseract-ocr"), "{err}");
}

#[test]
fn help_says_what_it_needs_and_writes() {
    let out = run(&["scan-image", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "tesseract-ocr-eng",
        "hit_boxes",
        "--timeout",
        "--max-pixels",
        "picture",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
}
