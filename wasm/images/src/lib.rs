//! The image module's JavaScript surface (wasm-bindgen): PDQ hashes of
//! JPEG, PNG and WebP bytes, Hamming distances and hash-list matching, over
//! `redflag::images`. A separate .wasm from the text engine's, loaded only
//! where images are hashed; on other targets this crate is empty.
//!
//! Every failure is a thrown JS `Error` whose message starts with the kind
//! of error (`too_large: …`, `malformed: …`; the kinds of
//! `redflag::images::ImageError::kind`), never a trap: limits are checked
//! from the file's header before decoding.

#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use redflag::images::{self, ImageError, ImageLimits, PdqHash};

fn thrown(e: ImageError) -> JsError {
    JsError::new(&format!("{}: {e}", e.kind()))
}

fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// A number from `options[key]`, if given: a non-negative integer.
fn option(options: &JsValue, key: &str) -> Result<Option<f64>, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let v = Reflect::get(options, &JsValue::from_str(key))
        .map_err(|_| JsError::new("options must be an object"))?;
    if v.is_undefined() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n)),
        _ => Err(JsError::new(&format!(
            "options.{key} must be a non-negative integer"
        ))),
    }
}

fn limits(options: &JsValue) -> Result<ImageLimits, JsError> {
    let mut l = ImageLimits::default();
    if let Some(n) = option(options, "maxBytes")? {
        l.max_bytes = n.min(usize::MAX as f64) as usize;
    }
    if let Some(n) = option(options, "maxWidth")? {
        l.max_width = n.min(f64::from(u32::MAX)) as u32;
    }
    if let Some(n) = option(options, "maxHeight")? {
        l.max_height = n.min(f64::from(u32::MAX)) as u32;
    }
    if let Some(n) = option(options, "maxPixels")? {
        l.max_pixels = n as u64;
    }
    Ok(l)
}

/// The PDQ hash of a JPEG, PNG or WebP file: `{ pdq, quality, width,
/// height }` (`pdq`: 64 hex digits), and with `options.dihedral` also
/// `variants`: `[{ transform, pdq }]`, the hash of the picture under each
/// of its eight rotations and mirrorings. `options` may set the limits
/// `maxBytes`, `maxWidth`, `maxHeight` and `maxPixels` (defaults: 32 MiB,
/// 16384, 16384, 2^24).
#[wasm_bindgen(js_name = hashImage)]
pub fn hash_image(bytes: &[u8], options: JsValue) -> Result<Object, JsError> {
    let limits = limits(&options)?;
    let dihedral = !options.is_undefined()
        && !options.is_null()
        && Reflect::get(&options, &JsValue::from_str("dihedral"))
            .map(|v| v.is_truthy())
            .unwrap_or(false);
    let h = images::hash_image(bytes, &limits).map_err(thrown)?;
    let out = Object::new();
    set(&out, "pdq", h.hash.to_string());
    set(&out, "quality", h.quality);
    set(&out, "width", h.width);
    set(&out, "height", h.height);
    if dihedral {
        let variants = Array::new();
        for (t, hash) in h.variants() {
            let v = Object::new();
            set(&v, "transform", t.name());
            set(&v, "pdq", hash.to_string());
            variants.push(&v);
        }
        set(&out, "variants", variants);
    }
    Ok(out)
}

fn parse(hash: &str) -> Result<PdqHash, JsError> {
    hash.parse().map_err(thrown)
}

/// Bits that differ between two PDQ hashes given as 64 hex digits (0–256).
#[wasm_bindgen]
pub fn distance(a: &str, b: &str) -> Result<u32, JsError> {
    Ok(parse(a)?.distance(&parse(b)?))
}

/// The default match threshold: 31 bits, PDQ's guidance.
#[wasm_bindgen(js_name = defaultThreshold)]
pub fn default_threshold() -> u32 {
    images::DEFAULT_THRESHOLD
}

/// A hash list (the text format of `redflag::images::HashList`: one hash
/// a line, optionally followed by a label; `#` comments).
#[wasm_bindgen]
pub struct HashList(images::HashList);

#[wasm_bindgen]
impl HashList {
    /// Reads a list; throws `list: line N: …` on a line that is not a hash.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<HashList, JsError> {
        images::HashList::parse(text).map(HashList).map_err(thrown)
    }

    /// Number of entries.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX)
    }

    /// The entries within `threshold` bits (default 31) of a hash, nearest
    /// first: `[{ pdq, label, distance }]`.
    pub fn find(&self, hash: &str, threshold: Option<u32>) -> Result<Array, JsError> {
        let hash = parse(hash)?;
        let out = Array::new();
        for m in self
            .0
            .find_hash(&hash, threshold.unwrap_or(images::DEFAULT_THRESHOLD))
        {
            let v = Object::new();
            set(&v, "pdq", m.hash.to_string());
            set(&v, "label", m.label);
            set(&v, "distance", m.distance);
            out.push(&v);
        }
        Ok(out)
    }
}
