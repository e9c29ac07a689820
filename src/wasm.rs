//! The JavaScript surface (wasm-bindgen). Only this module sees JS types: it
//! converts at the boundary and calls the plain-Rust engine.
//!
//! Every failure is returned as a thrown JS `Error` with a clear message; no
//! panic is meant to reach the boundary (a panic in wasm traps and kills the
//! module), and a panic hook reports to the console any that slips through.

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::{Limits, Pack, PackError, Submission, Thresholds, Verdict};

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

fn err(e: crate::Error) -> JsError {
    JsError::new(&e.to_string())
}

/// A pack given from JS: a parsed object or JSON text.
fn pack_from_js(value: Value) -> Result<Pack, crate::Error> {
    match value {
        Value::String(text) => Pack::from_json(&text),
        other => Pack::from_value(other),
    }
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

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct EngineOptions {
    /// Load the built-in packs under the given ones (default: only when no
    /// pack is given).
    default_packs: Option<bool>,
    thresholds: Option<Thresholds>,
    limits: Option<Limits>,
    /// Deployment key for keyed hashes of contact entities (text).
    entity_key: Option<String>,
    /// Trusted ed25519 public keys (base64): every given pack must then be
    /// a signed pack (JSON text) that verifies.
    public_keys: Option<Vec<String>>,
    /// Last accepted version per pack id (downgrades are refused).
    last_versions: Option<std::collections::HashMap<String, String>>,
    /// The current time in milliseconds (default: `Date.now()`).
    now: Option<f64>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct TrustOptions {
    public_keys: Vec<String>,
    last_versions: std::collections::HashMap<String, String>,
    now: Option<f64>,
}

fn policy(
    keys: &[String],
    last: &std::collections::HashMap<String, String>,
    now_ms: Option<f64>,
) -> Result<crate::signing::TrustPolicy, JsError> {
    let now = now_ms.unwrap_or_else(js_sys::Date::now);
    let mut p =
        crate::signing::TrustPolicy::new(keys, (now / 1000.0).max(0.0) as u64).map_err(err)?;
    for (id, v) in last {
        p = p.last_version(id, v);
    }
    Ok(p)
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct ScreenOpts {
    /// Add the entities found to the verdict.
    entities: bool,
    /// Include canonical contact values (reviewer tools only).
    raw_values: bool,
    thresholds: Option<Thresholds>,
}

/// Minimum length of a deployment key, in bytes.
const MIN_KEY: usize = 16;

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
/// order; `options.defaultPacks: true` loads the built-in packs first.
#[wasm_bindgen]
pub struct Engine {
    inner: crate::Engine,
}

#[derive(Serialize)]
struct Screened<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a Value>,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

#[wasm_bindgen]
impl Engine {
    /// Builds an engine. Throws an `Error` listing every pack problem with its
    /// path.
    #[wasm_bindgen(constructor)]
    pub fn new(packs: JsValue, options: JsValue) -> Result<Engine, JsError> {
        let values = pack_values(packs)?;
        let options: EngineOptions = if options.is_undefined() || options.is_null() {
            EngineOptions::default()
        } else {
            serde_json::from_value(from_js(options, "options")?)
                .map_err(|e| JsError::new(&format!("options: {e}")))?
        };
        let mut builder = crate::Engine::builder();
        if options.default_packs.unwrap_or(values.is_empty()) {
            builder = builder.default_packs();
        }
        let mut errors: Vec<PackError> = Vec::new();
        let trust = match &options.public_keys {
            Some(keys) => Some(policy(
                keys,
                &options.last_versions.clone().unwrap_or_default(),
                options.now,
            )?),
            None => None,
        };
        for (i, v) in values.into_iter().enumerate() {
            let loaded = match (&trust, v) {
                (Some(t), Value::String(text)) => crate::signing::verify_signed_pack(&text, t),
                (Some(_), _) => Err(crate::Error::Signature(format!(
                    "pack #{}: with publicKeys, packs must be signed packs given as JSON text",
                    i + 1
                ))),
                (None, v) => pack_from_js(v),
            };
            if let Err(e @ crate::Error::Signature(_)) = &loaded {
                return Err(err(e.clone()));
            }
            match loaded {
                Ok(p) => builder = builder.pack(p),
                Err(e) => errors.extend(e.pack_errors().iter().cloned().map(|mut pe| {
                    if pe.pack.is_none() {
                        pe.pack = Some(format!("#{}", i + 1));
                    }
                    pe
                })),
            }
        }
        if !errors.is_empty() {
            return Err(err(crate::Error::Pack(errors)));
        }
        if let Some(l) = options.limits {
            builder = builder.limits(l);
        }
        if let Some(t) = options.thresholds {
            builder = builder.thresholds(t);
        }
        if let Some(k) = options.entity_key {
            check_key(&k)?;
            builder = builder.entity_key(k.into_bytes());
        }
        builder.build().map(|inner| Engine { inner }).map_err(err)
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
        let opts: ScreenOpts = if options.is_undefined() || options.is_null() {
            ScreenOpts::default()
        } else {
            serde_json::from_value(from_js(options, "options")?)
                .map_err(|e| JsError::new(&format!("options: {e}")))?
        };
        if !submission.is_object() {
            return Err(JsError::new(
                "invalid submission: expected an object like { section, title, body }",
            ));
        }
        let value = from_js(submission, "invalid submission")?;
        let sub = Submission::from_json(&value).map_err(err)?;
        let verdict = self
            .inner
            .screen_with_options(
                &sub,
                &crate::ScreenOptions {
                    thresholds: opts.thresholds,
                    entities: opts.entities,
                    raw_values: opts.raw_values,
                },
            )
            .map_err(err)?;
        to_js(&Screened {
            id: value.get("id"),
            verdict: &verdict,
        })
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
    errors.extend(crate::validate_values(values));
    to_js(&errors)
}

/// Verifies a signed pack (JSON text) against trusted public keys:
/// `verifySignedPack(text, { publicKeys, lastVersions?, now? })`. Returns the
/// pack as a plain object, or throws saying why it was refused (unsigned,
/// tampered or untrusted, expired, downgrade).
#[wasm_bindgen(js_name = verifySignedPack)]
pub fn verify_signed_pack(text: &str, options: JsValue) -> Result<JsValue, JsError> {
    let o: TrustOptions = if options.is_undefined() || options.is_null() {
        TrustOptions::default()
    } else {
        serde_json::from_value(from_js(options, "options")?)
            .map_err(|e| JsError::new(&format!("options: {e}")))?
    };
    let p = policy(&o.public_keys, &o.last_versions, o.now)?;
    let pack = crate::signing::verify_signed_pack(text, &p).map_err(err)?;
    to_js(&pack)
}

/// Extracts contact details, prices and ages from a submission without an
/// engine: `extractEntities(submission, { rawValues?, entityKey? })`.
#[wasm_bindgen(js_name = extractEntities)]
pub fn extract_entities(submission: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
    struct Opts {
        raw_values: bool,
        entity_key: Option<String>,
    }
    if !submission.is_object() {
        return Err(JsError::new(
            "invalid submission: expected an object like { section, title, body }",
        ));
    }
    let opts: Opts = if options.is_undefined() || options.is_null() {
        Opts::default()
    } else {
        serde_json::from_value(from_js(options, "options")?)
            .map_err(|e| JsError::new(&format!("options: {e}")))?
    };
    if let Some(k) = &opts.entity_key {
        check_key(k)?;
    }
    let value = from_js(submission, "invalid submission")?;
    let sub = Submission::from_json(&value).map_err(err)?;
    let entities = crate::extract_entities(
        &sub,
        &crate::EntityOptions {
            raw_values: opts.raw_values,
            key: opts.entity_key.map(String::into_bytes),
            ..crate::EntityOptions::default()
        },
    );
    to_js(&entities)
}

/// The built-in packs as authored, as JSON text (an array of packs), for
/// editors and docs: `JSON.parse(defaultPacksJson())`.
#[wasm_bindgen(js_name = defaultPacksJson)]
pub fn default_packs_json() -> String {
    crate::defaults::DEFAULT_PACKS_JSON.to_string()
}

/// The matching form of a text (what rules are matched against).
#[wasm_bindgen]
pub fn normalize(text: &str) -> String {
    crate::normalize(text).as_str().to_string()
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
        assert_eq!(get(&v, "verdict").as_string().as_deref(), Some("warn"));
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
    fn packs_as_objects_text_and_arrays() {
        let pack = r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
            "rule": [{"id": "r", "title": "R", "category": "c", "score": 5, "match": {"any": ["alpha"]}}]}"#;
        let as_obj = Engine::new(obj(pack), JsValue::UNDEFINED).unwrap();
        let as_text = Engine::new(JsValue::from_str(pack), JsValue::UNDEFINED).unwrap();
        let arr = js_sys::Array::of1(&obj(pack));
        let with_defaults = Engine::new(arr.into(), obj(r#"{"defaultPacks": true}"#)).unwrap();
        assert_eq!(js_sys::Array::from(&as_obj.packs().unwrap()).length(), 1);
        assert_eq!(js_sys::Array::from(&as_text.packs().unwrap()).length(), 1);
        let defaults = Engine::new(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
        let n_default = js_sys::Array::from(&defaults.packs().unwrap()).length();
        let loaded = js_sys::Array::from(&with_defaults.packs().unwrap());
        assert_eq!(
            loaded.length(),
            n_default + 1,
            "built-in packs plus the given one"
        );
        assert_eq!(
            get(&loaded.get(n_default), "id").as_string().as_deref(),
            Some("p")
        );
        let v = scr(&as_text, obj(r#"{"body": "alpha"}"#)).unwrap();
        assert_eq!(get(&v, "score").as_f64(), Some(5.0));
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
        let defaults = js_sys::JSON::parse(&default_packs_json()).unwrap();
        let none = js_sys::Array::from(&validate_packs(defaults).unwrap());
        assert_eq!(none.length(), 0);
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
