//! `redflag image-hash`: JSON Lines per file, errors per file, hash lists
//! and exit codes.
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::Output;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, RgbImage};
use serde_json::Value;

mod common;
use common::{json_lines as lines, succeeded};

fn run(args: &[&str]) -> Output {
    common::bin().args(args).output().expect("run redflag")
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("redflag-cli-images-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A made-up picture: a gradient with a bright block and a dark disc,
/// placed by `seed`.
fn picture(seed: u32) -> RgbImage {
    RgbImage::from_fn(320, 240, |x, y| {
        let block = x > 30 * seed && x < 30 * seed + 120 && y > 60 && y < 150;
        let (cx, cy) = (300 - 40 * seed as i32, 60 + 25 * seed as i32);
        let disc = (x as i32 - cx).pow(2) + (y as i32 - cy).pow(2) < 45 * 45;
        let g = ((x * 255 / 320 + y * 128 / 240 + 70 * seed) % 256) as u8;
        match (block, disc) {
            (_, true) => image::Rgb([20, 30, 60]),
            (true, _) => image::Rgb([240, 220, 90]),
            _ => image::Rgb([g, 255 - g, (y + 20 * seed) as u8]),
        }
    })
}

fn write(img: &RgbImage, name: &str, jpeg: bool) -> String {
    let p = dir().join(name);
    if jpeg {
        let mut out = Vec::new();
        img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 60))
            .unwrap();
        std::fs::write(&p, out).unwrap();
    } else {
        img.save_with_format(&p, ImageFormat::Png).unwrap();
    }
    p.display().to_string()
}

#[test]
fn one_line_per_file_in_order_with_errors_and_exit_1() {
    let a = write(&picture(1), "a.png", false);
    let b = write(&picture(1), "b.jpg", true);
    let cut = dir().join("cut.png");
    let full = std::fs::read(&a).unwrap();
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let text = dir().join("notes.txt");
    std::fs::write(&text, "not a picture").unwrap();
    let missing = dir().join("missing.png");
    let args = [
        a.as_str(),
        b.as_str(),
        cut.to_str().unwrap(),
        text.to_str().unwrap(),
        missing.to_str().unwrap(),
    ];
    let out = run(&[&["image-hash"][..], &args[..]].concat());
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), 5);
    for (line, file) in l.iter().zip(args) {
        assert_eq!(line["file"], file);
    }
    assert_eq!(l[0]["pdq"].as_str().unwrap().len(), 64);
    assert_eq!(
        (l[0]["width"].as_u64(), l[0]["height"].as_u64()),
        (Some(320), Some(240))
    );
    assert!(l[0]["quality"].as_u64().unwrap() <= 100);
    assert_eq!(l[2]["error"], "malformed");
    assert_eq!(l[3]["error"], "unsupported_format");
    assert_eq!(l[4]["error"], "read");
    assert!(l[2]["message"]
        .as_str()
        .unwrap()
        .contains("cannot be decoded"));

    // All good: exit 0.
    assert_eq!(run(&["image-hash", &a, &b]).status.code(), Some(0));
    // Limits from the command line.
    let small = run(&["image-hash", "--max-pixels", "1000", &a]);
    assert_eq!(lines(&small)[0]["error"], "too_large");
    let few = run(&["image-hash", "--max-bytes", "10", &a]);
    assert_eq!(lines(&few)[0]["error"], "too_many_bytes");
}

#[test]
fn match_against_a_hash_list() {
    let a = write(&picture(2), "listed.png", false);
    let copy = write(&picture(2), "copy.jpg", true);
    let other = write(&picture(5), "other.png", false);
    let flipped = write(
        &image::imageops::flip_horizontal(&picture(2)),
        "flipped.png",
        false,
    );
    let listed = lines(&run(&["image-hash", &a]))[0]["pdq"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = dir().join("list.txt");
    std::fs::write(
        &list,
        format!("# known pictures\n{listed} case 7\n{},99\n", "0".repeat(64)),
    )
    .unwrap();
    let list = list.to_str().unwrap();

    let out = run(&["image-hash", "--match", list, &a, &copy, &other, &flipped]);
    assert_eq!(out.status.code(), Some(0));
    let l = lines(&out);
    assert_eq!(l[0]["matches"][0]["distance"], 0);
    assert_eq!(l[0]["matches"][0]["label"], "case 7");
    assert_eq!(l[0]["matches"][0]["transform"], "original");
    let d = l[1]["matches"][0]["distance"].as_u64().unwrap();
    assert!(d <= 31, "recompressed copy: {d}");
    assert_eq!(l[2]["matches"], Value::Array(vec![]));
    assert_eq!(l[3]["matches"], Value::Array(vec![]));

    // Mirrored copies match with --dihedral.
    let out = run(&["image-hash", "--match", list, "--dihedral", &flipped]);
    assert_eq!(lines(&out)[0]["matches"][0]["transform"], "flip-y");
    // A threshold of 0 keeps only exact hashes.
    let out = run(&["image-hash", "--match", list, "--threshold", "0", &copy]);
    let exact = lines(&out)[0]["matches"].as_array().unwrap().len();
    assert_eq!(exact, usize::from(d == 0));
}

#[test]
fn bad_lists_and_usage_are_exit_2() {
    let a = write(&picture(3), "x.png", false);
    let list = dir().join("bad-list.txt");
    std::fs::write(&list, format!("{}\nnot-a-hash label\n", "a".repeat(64))).unwrap();
    let out = run(&["image-hash", "--match", list.to_str().unwrap(), &a]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(
        run(&["image-hash", "--threshold", "10", &a]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["image-hash", "--match", "/nonexistent/list", &a])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["image-hash"]).status.code(), Some(2));
}

#[test]
fn hashlist_build_sign_and_verify_a_hash_list_pack() {
    let d = dir().join("hashlist");
    std::fs::create_dir_all(&d).unwrap();
    let listed = write(&picture(4), "hashlist-listed.png", false);
    let flat = dir().join("hashlist-flat.png");
    RgbImage::from_pixel(64, 64, image::Rgb([120, 120, 120]))
        .save_with_format(&flat, ImageFormat::Png)
        .unwrap();
    let text = d.join("case.txt");
    std::fs::write(&text, format!("{} case 9 photo\n", "3c".repeat(32))).unwrap();
    let pack = d.join("known.json");
    let out = run(&[
        "hashlist",
        "build",
        "--id",
        "known-pictures",
        "--version",
        "1.2.0",
        "--policy",
        "block",
        "--reason",
        "Pictures from confirmed exploitation ads (case 9)",
        "--from",
        text.to_str().unwrap(),
        &listed,
        flat.to_str().unwrap(),
        "-o",
        pack.to_str().unwrap(),
    ]);
    succeeded(&out);
    // The flat picture is left out, and said so.
    assert!(String::from_utf8_lossy(&out.stderr).contains("hashlist-flat.png: left out, quality"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&pack).unwrap()).unwrap();
    assert_eq!(doc["policy"], "block");
    let hashes = doc["hashes"].as_array().unwrap();
    assert_eq!(hashes.len(), 2);
    assert_eq!(hashes[0]["label"], "case 9 photo");
    assert_eq!(hashes[1]["label"], "hashlist-listed.png");
    let pdq = lines(&run(&["image-hash", &listed]))[0]["pdq"].clone();
    assert_eq!(hashes[1]["pdq"], pdq);
    // The unsigned pack is a list `image-hash --match` reads.
    let m = run(&["image-hash", "--match", pack.to_str().unwrap(), &listed]);
    assert_eq!(lines(&m)[0]["matches"][0]["label"], "hashlist-listed.png");

    // Signed with the rule packs' keys and command, verified like a pack.
    let key = d.join("site.key");
    let _ = std::fs::remove_file(&key);
    let public = run(&["keygen", "-o", key.to_str().unwrap()]);
    let public = String::from_utf8(public.stdout).unwrap().trim().to_string();
    let signed = d.join("known.signed.json");
    let s = run(&[
        "sign",
        pack.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--expires",
        "2099-01-01",
        "-o",
        signed.to_str().unwrap(),
    ]);
    succeeded(&s);
    let envelope: Value = serde_json::from_str(&std::fs::read_to_string(&signed).unwrap()).unwrap();
    // Signed exactly as written.
    assert_eq!(envelope["pack"], std::fs::read_to_string(&pack).unwrap());
    let v = run(&["verify", signed.to_str().unwrap(), "--public-key", &public]);
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout)
        .contains("hash list known-pictures 1.2.0 (2 hashes, policy block)"));
    let old = run(&[
        "verify",
        signed.to_str().unwrap(),
        "--public-key",
        &public,
        "--min-version",
        "2.0.0",
    ]);
    assert_eq!(old.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&old.stdout).contains("downgrade refused"));

    // A bad policy or an unreadable picture is a usage error, nothing written.
    let bad = run(&[
        "hashlist",
        "build",
        "--id",
        "x",
        "--version",
        "1.0.0",
        "--policy",
        "allow",
        "--reason",
        "r",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let cut = d.join("cut.png");
    let full = std::fs::read(&listed).unwrap();
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let bad = run(&[
        "hashlist",
        "build",
        "--id",
        "x",
        "--version",
        "1.0.0",
        "--policy",
        "review",
        "--reason",
        "r",
        cut.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("malformed"));
}
