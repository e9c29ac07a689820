//! The packs built into the crate, from `rules/`.
//!
//! `build.rs` converts them to JSON (so no TOML parser is needed at run
//! time). A build given a pre-compiled image of them (`REDFLAG_IMAGE`, see
//! `crate::image`; the npm package is built so) embeds that instead: engines
//! start from it without compiling anything, and the JSON is left out.

use crate::compile::Compiled;
use crate::error::PackError;
use crate::pack::Pack;

/// JSON array of every pack under `rules/`, in path order.
#[cfg(not(redflag_image))]
pub(crate) const DEFAULT_PACKS_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default_packs.json"));

/// The pre-compiled built-in packs, empty unless the build embedded them:
/// the image without its strings ...
#[cfg(redflag_image)]
const IMAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default_image.bin"));
/// ... and its strings, which the compiler has checked as UTF-8 (see
/// `crate::image_split`).
#[cfg(redflag_image)]
const IMAGE_STRINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/default_image_strings.txt"));

fn problem(message: String) -> Vec<PackError> {
    vec![PackError {
        pack: None,
        path: String::new(),
        message,
    }]
}

/// Parses the built-in packs.
#[cfg(not(redflag_image))]
pub(crate) fn packs() -> Result<Vec<Pack>, Vec<PackError>> {
    let values: Vec<serde_json::Value> = serde_json::from_str(DEFAULT_PACKS_JSON)
        .map_err(|e| problem(format!("built-in packs: {e}")))?;
    let mut packs = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    for v in values {
        let (p, e) = Pack::from_value_lenient(v);
        errors.extend(e);
        packs.extend(p);
    }
    if errors.is_empty() {
        Ok(packs)
    } else {
        Err(errors)
    }
}

#[cfg(redflag_image)]
pub(crate) fn packs() -> Result<Vec<Pack>, Vec<PackError>> {
    Err(problem(
        "this build embeds the built-in packs compiled, without their source; \
         load them from rules/ or the npm package's default-packs.json"
            .into(),
    ))
}

/// The built-in packs, either as the embedded image (decoded, nothing
/// compiled) or as authored packs to compile.
pub(crate) enum Builtin {
    #[cfg_attr(not(redflag_image), allow(dead_code))]
    Compiled(Box<Compiled>),
    #[cfg_attr(redflag_image, allow(dead_code))]
    Packs(Vec<Pack>),
}

pub(crate) fn builtin() -> Result<Builtin, Vec<PackError>> {
    #[cfg(redflag_image)]
    {
        crate::image::decode_split(IMAGE, IMAGE_STRINGS)
            .map(|c| Builtin::Compiled(Box::new(c)))
            .map_err(|e| problem(format!("built-in packs: {e}")))
    }
    #[cfg(not(redflag_image))]
    {
        packs().map(Builtin::Packs)
    }
}

/// The built-in packs, as authored (for `redflag pack`, editors and docs).
///
/// ```
/// let packs = redflag::default_packs().unwrap();
/// assert!(packs.iter().any(|p| p.id() == "core"));
/// ```
///
/// A build that embeds the packs pre-compiled (the npm package's `.wasm`)
/// does not carry their source and returns an error.
pub fn default_packs() -> Result<Vec<Pack>, crate::Error> {
    packs().map_err(crate::Error::Pack)
}

/// The built-in packs compiled, as the image a package build embeds
/// (`redflag image`). Only this exact version of redflag reads it.
#[doc(hidden)]
pub fn default_packs_image() -> Result<Vec<u8>, crate::Error> {
    let packs = packs().map_err(crate::Error::Pack)?;
    let c = crate::compile::compile_on(None, &packs, &crate::Limits::default(), None)
        .map_err(crate::Error::Pack)?;
    Ok(crate::image::encode(&c))
}
