//! Build script: embeds the default rule packs.
//!
//! The packs under `rules/` are converted from TOML to one JSON array so the
//! library can embed them without a TOML parser (the wasm build has none).
//! Validation happens when the default engine is built, and in the tests,
//! not here. A build given a compiled image of them (`REDFLAG_IMAGE`) embeds
//! that instead.
//!
//! (The Unicode tables are not generated here: they are checked in, see
//! `xtask/`.)

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

#[path = "src/image_split.rs"]
mod image_split;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    write_default_packs(Path::new("rules"), &out.join("default_packs.json"));
    embed_image(
        &out.join("default_image.bin"),
        &out.join("default_image_strings.txt"),
    );
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/image_split.rs");
    println!("cargo:rerun-if-changed=rules");
}

/// The built-in packs pre-compiled (`redflag image`), when the build is
/// given one in `REDFLAG_IMAGE` (the npm package build does): engines then
/// decode it instead of compiling the packs from JSON, and the JSON is left
/// out (`cfg(redflag_image)`). Its strings are embedded apart, as text the
/// compiler checks as UTF-8, so that no engine start checks them again.
fn embed_image(dest: &Path, strings_dest: &Path) {
    println!("cargo:rustc-check-cfg=cfg(redflag_image)");
    println!("cargo:rerun-if-env-changed=REDFLAG_IMAGE");
    match env::var_os("REDFLAG_IMAGE") {
        Some(path) if !path.is_empty() => {
            let src = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", src.display());
            let bytes =
                fs::read(&src).unwrap_or_else(|e| panic!("REDFLAG_IMAGE={}: {e}", src.display()));
            let (rest, strings) = image_split::split(&bytes).unwrap_or_else(|| {
                panic!(
                    "REDFLAG_IMAGE={}: not a pack image (`redflag image` writes one)",
                    src.display()
                )
            });
            fs::write(dest, rest).expect("write the pack image");
            fs::write(strings_dest, strings).expect("write the pack image's strings");
            println!("cargo:rustc-cfg=redflag_image");
        }
        _ => {
            fs::write(dest, []).expect("write the empty pack image");
            fs::write(strings_dest, "").expect("write the empty pack image's strings");
        }
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_toml(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

fn write_default_packs(dir: &Path, path: &Path) {
    let mut files = Vec::new();
    collect_toml(dir, &mut files);
    files.sort();
    let mut packs = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        let value: serde_json::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        packs.push(value);
    }
    fs::write(path, serde_json::to_string(&packs).unwrap()).expect("write default packs");
}
