//! The packs built into the crate, from `rules/` (converted to JSON by
//! `build.rs`, so no TOML parser is needed at run time).

use serde_json::Value;

use crate::error::PackError;
use crate::pack::Pack;

/// JSON array of every pack under `rules/`, in path order.
pub(crate) const DEFAULT_PACKS_JSON: &str =
    include_str!(concat!(env!("OUT_DIR"), "/default_packs.json"));

/// Parses the built-in packs.
pub(crate) fn packs() -> Result<Vec<Pack>, Vec<PackError>> {
    let values: Vec<Value> = serde_json::from_str(DEFAULT_PACKS_JSON).map_err(|e| {
        vec![PackError {
            pack: None,
            path: String::new(),
            message: format!("built-in packs: {e}"),
        }]
    })?;
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

/// The built-in packs, as authored (for `redflag pack`, editors and docs).
///
/// ```
/// let packs = redflag::default_packs().unwrap();
/// assert!(packs.iter().any(|p| p.id() == "core"));
/// ```
pub fn default_packs() -> Result<Vec<Pack>, crate::Error> {
    packs().map_err(crate::Error::Pack)
}
