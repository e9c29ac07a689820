//! `redflag hashlist build`: a hash-list pack (docs/images.md, "Hash lists
//! at the edge") from image files and text hash lists, ready for `redflag
//! sign`, which signs hash lists as it signs rule packs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};

use redflag::images::{hash_image, HashList, HashListPack, ImageLimits};

use crate::output::{write_output, Fatal};

pub(crate) struct BuildArgs<'a> {
    pub(crate) id: &'a str,
    pub(crate) version: &'a str,
    pub(crate) policy: &'a str,
    pub(crate) reason: &'a str,
    pub(crate) threshold: Option<u32>,
    pub(crate) min_quality: u8,
    pub(crate) lists: &'a [PathBuf],
    pub(crate) images: &'a [PathBuf],
    pub(crate) limits: ImageLimits,
    pub(crate) out: Option<&'a Path>,
}

/// Hashes the images (each labelled with its file name), reads the text
/// lists (labels kept), and writes the pack's JSON, checked by the
/// library's own reader. A picture under `min_quality` (mostly flat: a
/// blank, a logo) is left out with a message: its hash would match
/// unrelated flat uploads. Any image that cannot be hashed is an error
/// (exit 2): a list must not silently miss a picture.
pub(crate) fn build(a: &BuildArgs<'_>) -> Result<ExitCode, Fatal> {
    let mut entries: Vec<Value> = Vec::new();
    for p in a.lists {
        let text = fs::read_to_string(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        let list = HashList::parse(&text).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        for (hash, label) in list.entries() {
            entries.push(json!({"pdq": hash.to_string(), "label": label}));
        }
    }
    for p in a.images {
        let bytes = fs::read(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        let h = hash_image(&bytes, &a.limits)
            .map_err(|e| Fatal(format!("{}: {}: {e}", p.display(), e.kind())))?;
        let label = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if h.quality < a.min_quality {
            eprintln!(
                "redflag hashlist: {}: left out, quality {} is under --min-quality {} (a mostly flat picture matches unrelated ones)",
                p.display(),
                h.quality,
                a.min_quality
            );
            continue;
        }
        entries.push(json!({"pdq": h.hash.to_string(), "label": label, "quality": h.quality}));
    }
    let mut doc = json!({
        "redflag_hash_list": 1,
        "id": a.id,
        "version": a.version,
        "policy": a.policy,
        "reason": a.reason,
        "hashes": entries,
    });
    if let Some(t) = a.threshold {
        doc["threshold"] = json!(t);
    }
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Fatal(e.to_string()))?;
    let pack = HashListPack::from_json(&text).map_err(|e| Fatal(e.to_string()))?;
    write_output(a.out, &(text + "\n"))?;
    eprintln!(
        "redflag hashlist: {} {} with {} hashes (policy {}); sign it with `redflag sign`",
        pack.id,
        pack.version,
        pack.list.len(),
        pack.policy.as_str()
    );
    Ok(ExitCode::SUCCESS)
}
