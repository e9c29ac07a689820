//! The JavaScript surface (wasm-bindgen). Only this module sees JS types: it
//! converts at the boundary and calls the plain-Rust engine.
//!
//! Every failure is returned as a thrown JS `Error` with a clear message; no
//! panic is meant to reach the boundary (a panic in wasm traps and kills the
//! module), and a panic hook reports to the console any that slips through.
//!
//! This crate is the wasm-bindgen module the npm package builds
//! (`.ci/build-package`); on other targets it is empty.

#![cfg(target_arch = "wasm32")]

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use redflag::{Limits, PackError, Submission, Thresholds};

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    // Plain objects (not `Map`s), numbers as numbers.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&format!("cannot convert the result to JavaScript: {e}")))
}

fn from_js(value: JsValue, what: &str) -> Result<Value, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

fn err(e: redflag::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// An engine error as thrown to JavaScript: an `Error` with the message, and
/// for pack problems a `problems` array of `{ pack, path, message }`, so
/// that callers show each problem at its path without parsing the message.
fn thrown(e: redflag::Error) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    if let redflag::Error::Pack(problems) = &e {
        if let Ok(list) = to_js(problems) {
            // Setting a property on a fresh Error object cannot fail.
            let _ = js_sys::Reflect::set(&error, &JsValue::from_str("problems"), &list);
        }
    }
    error.into()
}

/// `undefined`/`null` → none; an array → each item; anything else → one.
fn pack_values(packs: JsValue) -> Result<Vec<Value>, JsError> {
    if packs.is_undefined() || packs.is_null() {
        return Ok(Vec::new());
    }
    match from_js(packs, "packs")? {
        Value::Array(items) => Ok(items),
        one => Ok(vec![one]),
    }
}

/// Options objects, read by hand from the parsed value (serde's derived
/// readers pull in kilobytes of error formatting): unknown options and
/// wrong types are errors that name the option.
struct Options {
    what: &'static str,
    map: serde_json::Map<String, Value>,
}

impl Options {
    /// `undefined`/`null` is no options; anything else must be an object
    /// whose keys are all in `allowed`.
    fn read(js: JsValue, what: &'static str, allowed: &[&str]) -> Result<Options, JsError> {
        if js.is_undefined() || js.is_null() {
            return Ok(Options {
                what,
                map: serde_json::Map::new(),
            });
        }
        let Value::Object(map) = from_js(js, what)? else {
            return Err(JsError::new(&format!("{what}: expected an object")));
        };
        if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            let expected: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
            return Err(JsError::new(&format!(
                "{what}: unknown field `{k}`, expected one of {}",
                expected.join(", ")
            )));
        }
        Ok(Options { what, map })
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn bad(&self, key: &str, expected: &str) -> JsError {
        JsError::new(&format!("{}: `{key}` must be {expected}", self.what))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, JsError> {
        self.get(key)
            .map(|v| v.as_bool().ok_or_else(|| self.bad(key, "true or false")))
            .transpose()
    }

    fn string(&self, key: &str) -> Result<Option<String>, JsError> {
        self.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(key, "a string"))
            })
            .transpose()
    }

    fn number(&self, key: &str) -> Result<Option<f64>, JsError> {
        self.get(key)
            .map(|v| v.as_f64().ok_or_else(|| self.bad(key, "a number")))
            .transpose()
    }

    fn strings(&self, key: &str) -> Result<Option<Vec<String>>, JsError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let items = v
            .as_array()
            .ok_or_else(|| self.bad(key, "an array of strings"))?;
        items
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(key, "an array of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn string_map(&self, key: &str) -> Result<HashMap<String, String>, JsError> {
        let Some(v) = self.get(key) else {
            return Ok(HashMap::new());
        };
        let m = v
            .as_object()
            .ok_or_else(|| self.bad(key, "an object of strings"))?;
        m.iter()
            .map(|(k, x)| {
                x.as_str()
                    .map(|s| (k.clone(), s.to_string()))
                    .ok_or_else(|| self.bad(key, "an object of strings"))
            })
            .collect()
    }

    fn thresholds(&self) -> Result<Option<Thresholds>, JsError> {
        let Some(v) = self.get("thresholds") else {
            return Ok(None);
        };
        let bad = || self.bad("thresholds", "an object { warn, review, block } of numbers");
        let m = v.as_object().ok_or_else(bad)?;
        if m.keys()
            .any(|k| !matches!(k.as_str(), "warn" | "review" | "block"))
            || m.len() != 3
        {
            return Err(bad());
        }
        let n = |k: &str| m.get(k).and_then(Value::as_f64).ok_or_else(bad);
        Ok(Some(Thresholds {
            warn: n("warn")?,
            review: n("review")?,
            block: n("block")?,
        }))
    }

    fn limits(&self) -> Result<Option<Limits>, JsError> {
        let Some(v) = self.get("limits") else {
            return Ok(None);
        };
        let m = v
            .as_object()
            .ok_or_else(|| self.bad("limits", "an object of limits"))?;
        let mut l = Limits::default();
        for (k, x) in m {
            let n = x
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    JsError::new(&format!(
                        "{}: limits.{k} must be an integer (0 or more)",
                        self.what
                    ))
                })?;
            let slot = match k.as_str() {
                "max_input_bytes" => &mut l.max_input_bytes,
                "max_fields" => &mut l.max_fields,
                "max_packs" => &mut l.max_packs,
                "max_rules" => &mut l.max_rules,
                "max_terms" => &mut l.max_terms,
                "max_term_bytes" => &mut l.max_term_bytes,
                "max_condition_depth" => &mut l.max_condition_depth,
                "max_hits_per_rule" => &mut l.max_hits_per_rule,
                "max_entities" => &mut l.max_entities,
                other => {
                    return Err(JsError::new(&format!(
                        "{}: unknown limit `{other}`",
                        self.what
                    )))
                }
            };
            *slot = n;
        }
        Ok(Some(l))
    }
}

fn policy(
    keys: &[String],
    last: &HashMap<String, String>,
    now_ms: Option<f64>,
) -> Result<redflag::signing::TrustPolicy, JsError> {
    let now = now_ms.unwrap_or_else(js_sys::Date::now);
    let mut p =
        redflag::signing::TrustPolicy::new(keys, (now / 1000.0).max(0.0) as u64).map_err(err)?;
    for (id, v) in last {
        p = p.last_version(id, v);
    }
    Ok(p)
}

/// Minimum length of a deployment key, in bytes.
const MIN_KEY: usize = 16;

/// A submission from JavaScript: a plain object (`{ section, title, body,
/// … }`), read as `Submission::from_json` reads it.
fn submission_from_js(submission: &JsValue) -> Result<Submission, JsError> {
    if !submission.is_object() {
        return Err(JsError::new(
            "invalid submission: expected an object like { section, title, body }",
        ));
    }
    let value = from_js(submission.clone(), "invalid submission")?;
    Submission::from_json(&value).map_err(err)
}

/// The `entityKey` option, checked (`check_key`), as bytes.
fn entity_key(o: &Options) -> Result<Option<Vec<u8>>, JsError> {
    let key = o.string("entityKey")?;
    if let Some(k) = &key {
        check_key(k)?;
    }
    Ok(key.map(String::into_bytes))
}

fn check_key(key: &str) -> Result<(), JsError> {
    if key.len() < MIN_KEY {
        return Err(JsError::new(&format!(
            "entityKey must be at least {MIN_KEY} bytes (use a random secret)"
        )));
    }
    Ok(())
}

/// A compiled set of rule packs.
///
/// `new Engine()` uses the built-in packs. `new Engine(packs, options)` takes
/// one pack or an array of packs, each a parsed object or JSON text, loaded in
/// order after the built-in packs, as the CLI's `--pack` does;
/// `options.defaultPacks: false` leaves the built-in packs out (the CLI's
/// `--no-default-packs`); `options.model: false` keeps them but screens
/// with the rules alone, without the built-in n-gram models (the CLI's
/// `--no-model`).
#[wasm_bindgen]
pub struct Engine {
    inner: redflag::Engine,
    /// The verdicts' `packs`: the same for every verdict, converted once
    /// and frozen, instead of one array of objects built per screen.
    packs: JsValue,
}

/// `value`, and every object directly inside it, made read-only.
fn frozen(value: JsValue) -> JsValue {
    if let Some(items) = value.dyn_ref::<js_sys::Array>() {
        for item in items.iter() {
            if let Some(o) = item.dyn_ref::<js_sys::Object>() {
                js_sys::Object::freeze(o);
            }
        }
    }
    if let Some(o) = value.dyn_ref::<js_sys::Object>() {
        js_sys::Object::freeze(o);
    }
    value
}

#[wasm_bindgen]
impl Engine {
    /// Builds an engine. Throws an `Error` listing every pack problem with its
    /// path; its `problems` property holds them as `{ pack, path, message }`
    /// (the pack's id, or `#n` for the n-th pack given when its id is not
    /// known). A refused signed pack throws with no `problems`: nothing was
    /// compiled.
    #[wasm_bindgen(constructor)]
    pub fn new(packs: JsValue, options: JsValue) -> Result<Engine, JsValue> {
        let values = pack_values(packs)?;
        let o = Options::read(
            options,
            "options",
            &[
                "defaultPacks",
                "model",
                "thresholds",
                "limits",
                "entityKey",
                "publicKeys",
                "lastVersions",
                "now",
            ],
        )?;
        let mut builder = redflag::Engine::builder();
        if o.boolean("defaultPacks")?.unwrap_or(true) {
            builder = builder.default_packs();
        }
        if o.boolean("model")? == Some(false) {
            builder = builder.model(None);
        }
        let trust = match o.strings("publicKeys")? {
            Some(keys) => Some(policy(
                &keys,
                &o.string_map("lastVersions")?,
                o.number("now")?,
            )?),
            None => None,
        };
        for (i, v) in values.into_iter().enumerate() {
            builder = match (&trust, v) {
                (Some(t), Value::String(text)) => builder.signed_pack(&text, t),
                (Some(_), _) => {
                    return Err(thrown(redflag::Error::Signature(format!(
                        "pack #{}: with publicKeys, packs must be signed packs given as JSON text",
                        i + 1
                    ))))
                }
                (None, Value::String(text)) => builder.pack_json(&text),
                (None, v) => builder.pack_value(v),
            };
        }
        if let Some(l) = o.limits()? {
            builder = builder.limits(l);
        }
        if let Some(t) = o.thresholds()? {
            builder = builder.thresholds(t);
        }
        if let Some(k) = entity_key(&o)? {
            builder = builder.entity_key(k);
        }
        builder.build().map_err(thrown).and_then(|inner| {
            let packs = frozen(to_js(inner.packs())?);
            Ok(Engine { inner, packs })
        })
    }

    /// Screens one submission: `{ id?, section?, title: "...", body: "...", ... }`
    /// (every other string member is a field). Returns the verdict as a plain
    /// object; hit `start`/`end` are UTF-16 offsets for `String.prototype.slice`.
    ///
    /// `options`: `{ entities?: boolean, rawValues?: boolean, thresholds? }`.
    /// With `entities`, the verdict lists the phone numbers, e-mails, URLs,
    /// handles, prices and ages found, hashed with the engine's `entityKey`;
    /// `rawValues` adds canonical contact values (reviewer tools only).
    pub fn screen(&self, submission: JsValue, options: JsValue) -> Result<JsValue, JsError> {
        let o = Options::read(options, "options", &["entities", "rawValues", "thresholds"])?;
        let sub = submission_from_js(&submission)?;
        // The caller's `id`, whatever it is, goes back as it came.
        let id = js_sys::Reflect::get(&submission, &JsValue::from_str("id"))
            .map_err(|_| JsError::new("invalid submission: cannot read `id`"))?;
        let mut verdict = self
            .inner
            .screen_with_options(
                &sub,
                &redflag::ScreenOptions {
                    thresholds: o.thresholds()?,
                    entities: o.boolean("entities")?.unwrap_or(false),
                    raw_values: o.boolean("rawValues")?.unwrap_or(false),
                },
            )
            .map_err(err)?;
        // Converted once, at construction (see `Engine::packs`).
        verdict.packs = Default::default();
        let out = to_js(&verdict)?;
        js_sys::Reflect::set(&out, &JsValue::from_str("packs"), &self.packs)
            .map_err(|_| JsError::new("cannot set `packs` on the verdict"))?;
        if !id.is_undefined() {
            js_sys::Reflect::set(&out, &JsValue::from_str("id"), &id)
                .map_err(|_| JsError::new("cannot set `id` on the verdict"))?;
        }
        Ok(out)
    }

    /// `[{ id, version }]` of the loaded packs, in load order.
    pub fn packs(&self) -> Result<JsValue, JsError> {
        to_js(self.inner.packs())
    }

    /// The limits in force.
    pub fn limits(&self) -> Result<JsValue, JsError> {
        to_js(self.inner.limits())
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.thresholds())
    }

    /// Categories the packs mark as safe to explain (and highlight) to posters.
    #[wasm_bindgen(js_name = explainableCategories)]
    pub fn explainable_categories(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.explainable_categories().collect::<Vec<_>>())
    }

    /// Runs every rule's inline tests: `{ passed, failures: [...] }`.
    #[wasm_bindgen(js_name = runTests)]
    pub fn run_tests(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.run_tests())
    }
}

/// Validates packs (one, or an array; objects or JSON text) without building
/// an engine. Returns every problem as `{ pack, path, message }`; an empty
/// array means valid. Never throws for bad packs.
#[wasm_bindgen(js_name = validatePacks)]
pub fn validate_packs(packs: JsValue) -> Result<JsValue, JsError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in pack_values(packs)?.into_iter().enumerate() {
        match v {
            Value::String(text) => match serde_json::from_str::<Value>(&text) {
                Ok(v) => values.push(v),
                Err(e) => errors.push(PackError {
                    pack: Some(format!("#{}", i + 1)),
                    path: String::new(),
                    message: format!("not valid JSON: {e}"),
                }),
            },
            v => values.push(v),
        }
    }
    errors.extend(redflag::validate_values(values));
    to_js(&errors)
}

/// Verifies a signed pack (JSON text) against trusted public keys:
/// `verifySignedPack(text, { publicKeys, lastVersions?, now? })`. Returns the
/// pack as a plain object, or throws saying why it was refused (unsigned,
/// tampered or untrusted, expired, downgrade).
#[wasm_bindgen(js_name = verifySignedPack)]
pub fn verify_signed_pack(text: &str, options: JsValue) -> Result<JsValue, JsError> {
    let o = Options::read(options, "options", &["publicKeys", "lastVersions", "now"])?;
    let keys = o.strings("publicKeys")?.unwrap_or_default();
    let p = policy(&keys, &o.string_map("lastVersions")?, o.number("now")?)?;
    redflag::signing::verify_signed_pack(text, &p).map_err(err)?;
    // The pack exactly as signed, parsed by JavaScript.
    let pack = redflag::signing::signed_pack_text(text)
        .ok_or_else(|| JsError::new("malformed signed pack"))?;
    js_sys::JSON::parse(&pack).map_err(|_| JsError::new("the signed pack is not valid JSON"))
}

/// Verifies a signed hash-list pack (JSON text; `docs/images.md`) against
/// trusted public keys, with the same code, keys, expiry and downgrade
/// protection as [`verify_signed_pack`]:
/// `verifySignedHashList(text, { publicKeys, lastVersions?, now? })`.
/// Returns `{ id, version, policy, reason, threshold, size, list }`
/// (`list`: the hashes in the hash-list text format, one `hash<TAB>label`
/// a line, for the image module's `new HashList(list)`; `threshold`: null
/// when the list sets none), or throws saying why it was refused. No image decoder is involved: the text
/// engine verifies lists at start-up, the image module is loaded only when
/// an image arrives.
#[wasm_bindgen(js_name = verifySignedHashList)]
pub fn verify_signed_hash_list(text: &str, options: JsValue) -> Result<JsValue, JsError> {
    let o = Options::read(options, "options", &["publicKeys", "lastVersions", "now"])?;
    let keys = o.strings("publicKeys")?.unwrap_or_default();
    let p = policy(&keys, &o.string_map("lastVersions")?, o.number("now")?)?;
    let list = redflag::images::verify_signed_hash_list(text, &p).map_err(err)?;
    let mut lines = String::new();
    for (hash, label) in list.list.entries() {
        // Labels are one line (checked when the list was read).
        lines.push_str(&format!("{hash}\t{label}\n"));
    }
    to_js(&serde_json::json!({
        "id": list.id,
        "version": list.version,
        "policy": list.policy.as_str(),
        "reason": list.reason,
        "threshold": list.threshold,
        "size": list.list.len(),
        "list": lines,
    }))
}

/// Extracts contact details, prices and ages from a submission without an
/// engine: `extractEntities(submission, { rawValues?, entityKey? })`.
#[wasm_bindgen(js_name = extractEntities)]
pub fn extract_entities(submission: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let sub = submission_from_js(&submission)?;
    let o = Options::read(options, "options", &["rawValues", "entityKey"])?;
    let entities = redflag::extract_entities(
        &sub,
        &redflag::EntityOptions {
            raw_values: o.boolean("rawValues")?.unwrap_or(false),
            key: entity_key(&o)?,
            ..redflag::EntityOptions::default()
        },
    );
    to_js(&entities)
}

/// A signature as JavaScript sees it (see `signature`).
#[derive(Serialize)]
struct JsSignature {
    version: u32,
    minhash: Vec<u32>,
    shingles: usize,
    contacts: Vec<redflag::link::ContactHash>,
    rows: usize,
    bands: Vec<String>,
}

/// The per-ad signature for linking ads to each other (`redflag::link`):
/// `signature(submission, { entityKey?, threshold? })` returns
/// `{ version, minhash, shingles, contacts, rows, bands }`: the MinHash of
/// the ad's shingles (128 numbers), the keyed hashes of its contacts (only
/// with `entityKey`; never the raw values) and its LSH band keys for the
/// similarity `threshold` (default 0.5), as 16-digit hex strings an origin
/// indexes: ads that share a band key are candidates, checked with
/// `similarity`.
#[wasm_bindgen]
pub fn signature(submission: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    let sub = submission_from_js(&submission)?;
    let o = Options::read(options, "options", &["entityKey", "threshold"])?;
    let key = entity_key(&o)?;
    let threshold = match o.number("threshold")? {
        Some(t) if t.is_finite() && t > 0.0 && t <= 1.0 => t,
        Some(_) => return Err(JsError::new("threshold must be a number in (0, 1]")),
        None => 0.5,
    };
    let sig = redflag::link::signature(&sub, &redflag::link::SignatureOptions { key });
    let rows = redflag::link::lsh_rows(threshold);
    let bands = sig
        .band_keys(rows)
        .into_iter()
        .map(|k| format!("{k:016x}"))
        .collect();
    to_js(&JsSignature {
        version: redflag::link::SIGNATURE_VERSION,
        shingles: sig.shingles,
        contacts: sig.contacts,
        minhash: sig.minhash,
        rows,
        bands,
    })
}

/// The estimated similarity (Jaccard, 0 to 1) of two ads from their
/// signatures: the share of MinHash values they agree on; 0 when either
/// has no words. Throws for signatures of another version or shape.
#[wasm_bindgen]
pub fn similarity(a: JsValue, b: JsValue) -> Result<f64, JsError> {
    // Read through the JSON value path the other entry points use: a typed
    // serde deserializer here would add its own code to the .wasm.
    let read = |v: JsValue, what: &str| -> Result<redflag::link::Signature, JsError> {
        let v = from_js(v, what)?;
        let bad = |m: &str| JsError::new(&format!("{what}: not a signature: {m}"));
        let version = v
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("no `version`"))?;
        if version != u64::from(redflag::link::SIGNATURE_VERSION) {
            return Err(JsError::new(&format!(
                "{what}: signature version {version} (this engine makes version {}; compare only signatures of one version)",
                redflag::link::SIGNATURE_VERSION
            )));
        }
        let minhash = v
            .get("minhash")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no `minhash` array"))?
            .iter()
            .map(|x| x.as_u64().and_then(|x| u32::try_from(x).ok()))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| bad("`minhash` holds a value that is not a 32-bit unsigned integer"))?;
        if minhash.len() != redflag::link::MINHASH_LEN {
            return Err(JsError::new(&format!(
                "{what}: minhash has {} values, expected {}",
                minhash.len(),
                redflag::link::MINHASH_LEN
            )));
        }
        let shingles = v
            .get("shingles")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad("no `shingles`"))?;
        Ok(redflag::link::Signature {
            minhash,
            shingles: usize::try_from(shingles).unwrap_or(usize::MAX),
            // The estimate reads the MinHash only.
            sample: Vec::new(),
            contacts: Vec::new(),
        })
    };
    Ok(read(a, "first signature")?.similarity(&read(b, "second signature")?))
}

/// The matching form of a text (what rules are matched against).
#[wasm_bindgen]
pub fn normalize(text: &str) -> String {
    redflag::normalize(text).as_str().to_string()
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::*;

    fn obj(json: &str) -> JsValue {
        js_sys::JSON::parse(json).unwrap()
    }

    fn scr(e: &Engine, sub: JsValue) -> Result<JsValue, JsError> {
        e.screen(sub, JsValue::UNDEFINED)
    }

    #[wasm_bindgen_test]
    fn entities_on_request_hashed_with_the_engine_key() {
        let e = Engine::new(
            JsValue::UNDEFINED,
            obj(r#"{"entityKey": "a-deployment-secret-of-32-bytes!"}"#),
        )
        .unwrap();
        let ad = r#"{"section": "adult", "body": "🌹 txt 2O2-555-O147"}"#;
        let plain = scr(&e, obj(ad)).unwrap();
        assert!(get(&plain, "entities").is_undefined());
        let v = e.screen(obj(ad), obj(r#"{"entities": true}"#)).unwrap();
        let phone = js_sys::Array::from(&get(&v, "entities")).get(0);
        assert_eq!(get(&phone, "kind").as_string().as_deref(), Some("phone"));
        // "🌹 txt " is 7 UTF-16 units.
        assert_eq!(get(&phone, "start").as_f64(), Some(7.0));
        assert_eq!(get(&phone, "hash").as_string().map(|h| h.len()), Some(64));
        assert!(get(&phone, "value").is_undefined());
        let raw = e
            .screen(obj(ad), obj(r#"{"entities": true, "rawValues": true}"#))
            .unwrap();
        let phone = js_sys::Array::from(&get(&raw, "entities")).get(0);
        assert_eq!(
            get(&phone, "value").as_string().as_deref(),
            Some("+12025550147")
        );
        // Same hash from the engine-free function with the same key.
        let free = extract_entities(
            obj(ad),
            obj(r#"{"entityKey": "a-deployment-secret-of-32-bytes!"}"#),
        )
        .unwrap();
        let free_phone = js_sys::Array::from(&free).get(0);
        assert_eq!(
            get(&free_phone, "hash").as_string(),
            get(&phone, "hash").as_string()
        );
        assert!(e.screen(obj(ad), obj(r#"{"entitys": true}"#)).is_err());
        assert!(Engine::new(JsValue::UNDEFINED, obj(r#"{"entityKey": "short"}"#)).is_err());
    }

    fn get(v: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap()
    }

    #[wasm_bindgen_test]
    fn default_engine_screens_plain_objects() {
        let e = Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
        let v = scr(
            &e,
            obj(r#"{"id": 7, "section": "jobs", "body": "🌹 Registration fee 200 USD", "price": 5}"#))
            .unwrap();
        // A worker-paid fee with its amount: a concrete fee, for review.
        assert_eq!(get(&v, "verdict").as_string().as_deref(), Some("review"));
        assert_eq!(get(&v, "id").as_f64(), Some(7.0));
        let hits = js_sys::Array::from(&get(&v, "hits"));
        let first = hits.get(0);
        // "🌹 " is three UTF-16 units and five bytes.
        assert_eq!(get(&first, "start").as_f64(), Some(3.0));
        assert_eq!(get(&first, "byte_start").as_f64(), Some(5.0));
        assert!(get(&v, "thresholds").is_object());
        assert!(!get(&v, "thresholds").is_instance_of::<js_sys::Map>());
    }

    #[wasm_bindgen_test]
    fn model_false_screens_with_the_rules_alone() {
        // A lone fee abroad: the model reads it (a rule scored), unless
        // it is turned off.
        let ad = obj(
            r#"{"section": "jobs", "body": "Work in Dubai hotels. Pay the registration fee before the flight."}"#,
        );
        let with = Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
        let without = Engine::new(JsValue::UNDEFINED, obj(r#"{"model": false}"#)).unwrap();
        assert!(get(
            &with.screen(ad.clone(), JsValue::UNDEFINED).unwrap(),
            "model"
        )
        .is_object());
        assert!(get(&without.screen(ad, JsValue::UNDEFINED).unwrap(), "model").is_undefined());
        assert!(Engine::new(JsValue::UNDEFINED, obj(r#"{"model": "no"}"#)).is_err());
    }

    #[wasm_bindgen_test]
    fn packs_as_objects_text_and_arrays() {
        let pack = r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
            "rule": [{"id": "r", "title": "R", "category": "c", "score": 5, "match": {"any": ["alpha"]}}]}"#;
        let alone = obj(r#"{"defaultPacks": false}"#);
        let as_obj = Engine::new(obj(pack), alone.clone()).unwrap();
        let as_text = Engine::new(JsValue::from_str(pack), alone).unwrap();
        let arr = js_sys::Array::of1(&obj(pack));
        let with_defaults = Engine::new(arr.into(), JsValue::UNDEFINED).unwrap();
        let explicit = Engine::new(obj(pack), obj(r#"{"defaultPacks": true}"#)).unwrap();
        assert_eq!(js_sys::Array::from(&as_obj.packs().unwrap()).length(), 1);
        assert_eq!(js_sys::Array::from(&as_text.packs().unwrap()).length(), 1);
        let defaults = Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
        let n_default = js_sys::Array::from(&defaults.packs().unwrap()).length();
        let loaded = js_sys::Array::from(&with_defaults.packs().unwrap());
        assert_eq!(
            loaded.length(),
            n_default + 1,
            "built-in packs plus the given one, without asking"
        );
        assert_eq!(
            js_sys::Array::from(&explicit.packs().unwrap()).length(),
            n_default + 1
        );
        assert_eq!(
            get(&loaded.get(n_default), "id").as_string().as_deref(),
            Some("p")
        );
        let v = scr(&as_text, obj(r#"{"body": "alpha"}"#)).unwrap();
        assert_eq!(get(&v, "score").as_f64(), Some(5.0));
    }

    #[wasm_bindgen_test]
    fn a_site_pack_adds_to_the_built_in_packs() {
        let site = r#"{"schema": 1, "pack": {"id": "site", "version": "1"},
            "rule": [{"id": "site.pets", "title": "Pets", "category": "policy", "score": 1, "match": {"any": ["puppies"]}}]}"#;
        let ad = r#"{"section": "jobs", "body": "🌹 Registration fee 200 USD"}"#;
        let built_in = scr(
            &Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap(),
            obj(ad),
        )
        .unwrap();
        let with_site = scr(
            &Engine::new(obj(site), JsValue::UNDEFINED).unwrap(),
            obj(ad),
        )
        .unwrap();
        assert_eq!(
            get(&built_in, "verdict").as_string().as_deref(),
            Some("review")
        );
        assert_eq!(
            get(&with_site, "verdict").as_string(),
            get(&built_in, "verdict").as_string()
        );
        let alone = Engine::new(obj(site), obj(r#"{"defaultPacks": false}"#)).unwrap();
        assert_eq!(
            get(&scr(&alone, obj(ad)).unwrap(), "verdict")
                .as_string()
                .as_deref(),
            Some("allow")
        );
        // A built-in pack given again says how to leave the built-in ones out.
        let core = r#"{"schema": 1, "pack": {"id": "core", "version": "9"},
            "rule": [{"id": "x", "title": "X", "category": "c", "match": {"any": ["x"]}}]}"#;
        // One problem, at the pack's id, as a `problems` entry of the Error.
        let e = Engine::new(obj(core), JsValue::UNDEFINED).err().unwrap();
        let problems = js_sys::Array::from(&get(&e, "problems"));
        assert_eq!(problems.length(), 1);
        let p = problems.get(0);
        assert_eq!(get(&p, "pack").as_string().as_deref(), Some("core"));
        assert_eq!(get(&p, "path").as_string().as_deref(), Some("pack.id"));
        let message = get(&p, "message").as_string().unwrap();
        assert!(
            message.starts_with("pack `core` is loaded twice: ")
                && message.contains("`{ defaultPacks: false }`"),
            "{message}"
        );
        assert!(String::from(js_sys::Error::from(e).message()).contains(&message));
        assert!(Engine::new(obj(core), obj(r#"{"defaultPacks": false}"#)).is_ok());
    }

    #[wasm_bindgen_test]
    fn bad_input_is_an_error_and_the_engine_keeps_working() {
        let e = Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
        assert!(scr(&e, JsValue::from_str("just text")).is_err());
        assert!(scr(&e, JsValue::NULL).is_err());
        assert!(scr(&e, obj(r#"{"section": 3, "body": "x"}"#)).is_err());
        let big = "a".repeat(2 << 20);
        let sub = js_sys::Object::new();
        js_sys::Reflect::set(&sub, &"body".into(), &JsValue::from_str(&big)).unwrap();
        assert!(scr(&e, sub.into()).is_err());
        assert!(scr(&e, obj(r#"{"body": "fine"}"#)).is_ok());
        assert!(Engine::new(obj(r#"{"schema": 1}"#), JsValue::UNDEFINED).is_err());
        assert!(Engine::new(JsValue::from_str("{not json"), JsValue::UNDEFINED).is_err());
        assert!(Engine::new(JsValue::UNDEFINED, obj(r#"{"colour": 1}"#)).is_err());
    }

    #[wasm_bindgen_test]
    fn validation_returns_every_error_with_its_path() {
        let errors = validate_packs(obj(
            r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
                "rule": [{"id": "a", "title": "A", "category": "c", "match": {"near": {"a": ["x"], "b": ["y"], "within": "far"}}},
                         {"id": "b", "title": "B", "category": "c", "match": {"rule": "zzz"}}]}"#,
        ))
        .unwrap();
        let errors = js_sys::Array::from(&errors);
        assert_eq!(errors.length(), 2);
        assert_eq!(
            get(&errors.get(0), "path").as_string().as_deref(),
            Some("rule[0].match.near.within")
        );
        assert_eq!(
            get(&errors.get(1), "path").as_string().as_deref(),
            Some("rule[1].match.rule")
        );
    }

    #[wasm_bindgen_test]
    fn normalize_and_limits() {
        assert_eq!(normalize("Ｐ４ｓｓ"), "pas");
        let e = Engine::new(
            JsValue::UNDEFINED,
            obj(r#"{"limits": {"max_input_bytes": 4}}"#),
        )
        .unwrap();
        assert_eq!(
            get(&e.limits().unwrap(), "max_input_bytes").as_f64(),
            Some(4.0)
        );
        assert!(scr(&e, obj(r#"{"body": "too long"}"#)).is_err());
    }
}
