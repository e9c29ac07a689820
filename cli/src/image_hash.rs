//! `redflag image-hash`: PDQ hashes of image files as JSON Lines, and
//! optionally their matches in a hash list (docs/images.md).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};

use redflag::images::{hash_image, HashList, HashListPack, ImageLimits};

use crate::output::{finish, write_json, Fatal};

pub(crate) struct Args<'a> {
    pub(crate) files: &'a [PathBuf],
    pub(crate) list: Option<&'a Path>,
    pub(crate) threshold: u32,
    pub(crate) dihedral: bool,
    pub(crate) limits: ImageLimits,
}

/// One line per file, in order: `{file, pdq, quality, width, height}` (and
/// `matches` with a list), or `{file, error, message}`. Exit 1 when a file
/// could not be read or hashed, 2 when the list cannot be read.
pub(crate) fn image_hash(a: &Args<'_>) -> Result<ExitCode, Fatal> {
    let list = match a.list {
        Some(p) => {
            let text = fs::read_to_string(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
            // A hash-list pack's JSON (`redflag hashlist build`) reads too.
            let list = if text.trim_start().starts_with('{') {
                HashListPack::from_json(&text)
                    .map(|p| p.list)
                    .map_err(|e| e.to_string())
            } else {
                HashList::parse(&text).map_err(|e| e.to_string())
            };
            Some(list.map_err(|e| Fatal(format!("{}: {e}", p.display())))?)
        }
        None => None,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for file in a.files {
        let line = match one(file, list.as_ref(), a) {
            Ok(v) => v,
            Err((kind, message)) => {
                failed = true;
                json!({"file": file.display().to_string(), "error": kind, "message": message})
            }
        };
        write_json(&mut out, &line)?;
    }
    finish(&mut out)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn one(
    file: &Path,
    list: Option<&HashList>,
    a: &Args<'_>,
) -> Result<Value, (&'static str, String)> {
    // Refuse an oversized file by its size before reading it.
    let len = fs::metadata(file)
        .map_err(|e| ("read", e.to_string()))?
        .len();
    if len > a.limits.max_bytes as u64 {
        return Err((
            "too_many_bytes",
            format!(
                "the file has {len} bytes, over the limit of {}",
                a.limits.max_bytes
            ),
        ));
    }
    let bytes = fs::read(file).map_err(|e| ("read", e.to_string()))?;
    let h = hash_image(&bytes, &a.limits).map_err(|e| (e.kind(), e.to_string()))?;
    let mut v = json!({
        "file": file.display().to_string(),
        "pdq": h.hash.to_string(),
        "quality": h.quality,
        "width": h.width,
        "height": h.height,
    });
    if let Some(list) = list {
        let matches: Vec<Value> = list
            .find(&h, a.threshold, a.dihedral)
            .iter()
            .map(|m| {
                json!({
                    "pdq": m.hash.to_string(),
                    "label": m.label,
                    "distance": m.distance,
                    "transform": m.transform.name(),
                })
            })
            .collect();
        v["matches"] = Value::Array(matches);
    }
    Ok(v)
}
