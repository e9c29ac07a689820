//! Finding and loading pack files, and building the engine from the
//! built-in packs and `--pack`.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use redflag::{Engine, EngineBuilder, Pack};

use crate::output::Fatal;
use crate::signing::load_signed_packs;
use crate::PackArgs;

fn pack_files(path: &Path) -> Result<Vec<PathBuf>, Fatal> {
    if path.is_dir() {
        let mut out = Vec::new();
        let entries = fs::read_dir(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(pack_files(&p)?);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("toml" | "json")
            ) {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

pub(crate) fn load_pack(path: &Path) -> Result<Pack, Fatal> {
    let text = fs::read_to_string(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    let parsed = if path.extension().and_then(|x| x.to_str()) == Some("json") {
        Pack::from_json(&text)
    } else {
        Pack::from_toml(&text)
    };
    parsed.map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// The pack files of `paths` (files, or folders of packs), in order; a
/// folder without packs is an error.
fn all_pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Fatal> {
    let mut out = Vec::new();
    for p in paths {
        let files = pack_files(p)?;
        if files.is_empty() {
            return Err(Fatal(format!(
                "{}: no .toml or .json packs found",
                p.display()
            )));
        }
        out.extend(files);
    }
    Ok(out)
}

pub(crate) fn load_packs(paths: &[PathBuf]) -> Result<Vec<Pack>, Fatal> {
    all_pack_files(paths)?
        .iter()
        .map(|f| load_pack(f))
        .collect()
}

/// The packs of `paths` for an engine builder. A pack that does not parse
/// is added leniently (what parses of it, and its problems), so that the
/// build reports its problems together with what compiling finds (a
/// duplicate id, an unknown list or section), in one round; the files it
/// came from are returned to name in the message.
fn add_packs(
    mut b: EngineBuilder,
    paths: &[PathBuf],
) -> Result<(EngineBuilder, Vec<String>), Fatal> {
    let mut broken = Vec::new();
    for f in all_pack_files(paths)? {
        match load_pack(&f) {
            Ok(pack) => b = b.pack(pack),
            Err(fatal) => match pack_value(&f) {
                Some(v) => {
                    broken.push(f.display().to_string());
                    b = b.pack_value(v);
                }
                // Not even TOML or JSON: nothing more to find in it.
                None => return Err(fatal),
            },
        }
    }
    Ok((b, broken))
}

/// A pack file as a JSON value, if it is valid TOML or JSON at all.
fn pack_value(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    if path.extension().and_then(|x| x.to_str()) == Some("json") {
        serde_json::from_str(&text).ok()
    } else {
        serde_json::to_value(toml::from_str::<toml::Value>(&text).ok()?).ok()
    }
}

pub(crate) fn build_engine(args: &PackArgs) -> Result<Engine, Fatal> {
    build_engine_with(args, None)
}

pub(crate) fn build_engine_with(args: &PackArgs, key: Option<Vec<u8>>) -> Result<Engine, Fatal> {
    let mut b = Engine::builder();
    if let Some(k) = key {
        b = b.entity_key(k);
    }
    if !args.no_default_packs {
        b = b.default_packs();
    }
    let mut broken = Vec::new();
    if args.public_keys.is_empty() {
        (b, broken) = add_packs(b, &args.packs)?;
    } else {
        for p in load_signed_packs(&args.packs, &args.public_keys)? {
            b = b.pack(p);
        }
    }
    if let Some(t) = args.thresholds {
        b = b.thresholds(t);
    }
    if args.no_model {
        b = b.model(None);
    } else if let Some(path) = &args.model {
        b = b.model(Some(read_model(path)?));
        if let Some(path) = &args.languages_model {
            b = b.languages_model(Some(read_model(path)?));
        }
    }
    b.build().map_err(|e| match broken.len() {
        0 => Fatal(e.to_string()),
        _ => Fatal(format!("{}: {e}", broken.join(", "))),
    })
}

fn read_model(path: &Path) -> Result<redflag::model::Model, Fatal> {
    let bytes = fs::read(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    redflag::model::Model::from_bytes(&bytes).map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

pub(crate) fn engine_for(paths: &[PathBuf]) -> Result<Engine, Fatal> {
    if paths.is_empty() {
        return build_engine(&PackArgs {
            packs: Vec::new(),
            no_default_packs: false,
            thresholds: None,
            public_keys: Vec::new(),
            no_model: false,
            model: None,
            languages_model: None,
        });
    }
    build_engine(&PackArgs {
        packs: paths.to_vec(),
        no_default_packs: true,
        thresholds: None,
        public_keys: Vec::new(),
        no_model: false,
        model: None,
        languages_model: None,
    })
}
