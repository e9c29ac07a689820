//! `redflag evidence`: sealed, signed evidence packets (docs/evidence.md).
//!
//! A packet is one JSON object in canonical form (keys sorted by UTF-16
//! code units, no whitespace, numbers and strings as JavaScript's
//! `JSON.stringify` writes them), followed by one line break. Everything in
//! it but `signature` is signed (ed25519, over `redflag-evidence/2`, a NUL
//! byte and the canonical JSON of the packet without `signature`). The
//! submission itself, with the raw contact values, travels only inside
//! `sealed`: HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256),
//! HKDF-SHA256, AES-128-GCM, to the legal team's public key.
//!
//! `verify` needs no private key: structure, canonical form, signature and
//! signer. `open` needs the recipient's private key: it decrypts and then
//! checks the content hash and every field hash against the decrypted text.
//! The same format is written by the edge worker and the reviewer extension
//! (www/shared/evidence.js) and by `redflag evidence seal`.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, VerifyingKey};
use hmac::{Hmac, Mac};
use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::output::{write_output, Fatal};

/// The packet format, also the signature's domain and the HPKE `info`.
pub(crate) const FORMAT: &str = "redflag-evidence/2";
/// The sealed submission's format.
pub(crate) const SUBMISSION_FORMAT: &str = "redflag-submission/2";
/// The HPKE suite, written into each packet.
pub(crate) const SUITE: &str = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM";

type Kem = X25519HkdfSha256;

// ------------------------------------------------------------ canonical JSON

/// A number as JavaScript's `Number.prototype.toString` writes it (the
/// shortest digits that read back, the same exponent rules), or None for a
/// number JSON cannot hold.
fn js_number(n: &serde_json::Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        let s = n.to_string();
        // Past 2^53 JavaScript would not keep every digit: not canonical.
        return n
            .as_f64()
            .filter(|f| f.abs() <= 9_007_199_254_740_991.0)
            .map(|_| s);
    }
    let f = n.as_f64()?;
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some("0".into());
    }
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e')?;
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().ok()? + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let rest = if k > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        let sign = if n - 1 < 0 { '-' } else { '+' };
        format!("{}{rest}e{sign}{}", &digits[..1], (n - 1).abs())
    };
    Some(if f < 0.0 { format!("-{body}") } else { body })
}

/// The canonical JSON of a value (what `canonicalJson` in
/// www/shared/evidence.js writes), or None if it holds a number that has
/// no single JavaScript form.
pub(crate) fn canonical(v: &Value) -> Option<String> {
    let mut out = String::new();
    write_canonical(v, &mut out)?;
    Some(out)
}

fn write_canonical(v: &Value, out: &mut String) -> Option<()> {
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&v.to_string()),
        Value::Number(n) => out.push_str(&js_number(n)?),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out)?;
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            // JavaScript's default sort: UTF-16 code units.
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out)?;
            }
            out.push('}');
        }
    }
    Some(())
}

// ------------------------------------------------------------------ helpers

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac_hex(key: &[u8], text: &[u8]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(text);
    hex(&m.finalize().into_bytes())
}

/// A key's id: the first 16 hex digits of the SHA-256 of its 32 bytes.
pub(crate) fn key_id(public: &[u8]) -> String {
    sha256_hex(public)[..16].to_string()
}

/// What is signed: the format (the signature's domain), a NUL byte and the
/// canonical JSON of the document without `signature`.
fn signed_message(format: &str, unsigned_canonical: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(format.len() + 1 + unsigned_canonical.len());
    m.extend_from_slice(format.as_bytes());
    m.push(0);
    m.extend_from_slice(unsigned_canonical.as_bytes());
    m
}

pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(crate) fn utc_text(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads a file, or stdin for `-`.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        let mut b = Vec::new();
        io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("stdin: {e}"))?;
        return Ok(b);
    }
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A 32-byte key in base64, given inline or as a file holding it.
pub(crate) fn key32(arg: &str, what: &str) -> Result<[u8; 32], Fatal> {
    let p = Path::new(arg);
    let text = if p.exists() {
        fs::read_to_string(p).map_err(|e| Fatal(format!("{arg}: {e}")))?
    } else {
        arg.to_string()
    };
    let bytes = B64
        .decode(text.trim())
        .map_err(|e| Fatal(format!("{what}: not base64 ({e})")))?;
    bytes
        .try_into()
        .map_err(|_| Fatal(format!("{what}: a key is 32 bytes (base64, 44 characters)")))
}

/// Writes a private key file: never over an existing file, readable by its
/// owner only (mode 0600 on Unix).
pub(crate) fn create_secret_file(path: &Path, text: &str) -> Result<(), Fatal> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

// ------------------------------------------------------------------- keygen

/// `redflag evidence keygen --out DIR`: the legal team's X25519 key pair.
pub(crate) fn keygen(dir: &Path) -> Result<ExitCode, Fatal> {
    recipient_keygen(
        dir,
        "evidence-recipient",
        "the legal team's only; keep it offline",
        "give it to the edge as EVIDENCE_PUBLIC_KEY and to reviewers' extensions",
    )
}

/// An X25519 key pair that documents are sealed to: DIR/STEM.key (private,
/// mode 0600) and DIR/STEM.pub (public, also printed); never overwritten.
pub(crate) fn recipient_keygen(
    dir: &Path,
    stem: &str,
    secret_note: &str,
    public_note: &str,
) -> Result<ExitCode, Fatal> {
    use rand_core::OsRng;
    fs::create_dir_all(dir).map_err(|e| Fatal(format!("{}: {e}", dir.display())))?;
    let (sk, pk) = Kem::gen_keypair(&mut OsRng);
    let public = B64.encode(pk.to_bytes());
    let secret_path = dir.join(format!("{stem}.key"));
    let public_path = dir.join(format!("{stem}.pub"));
    if public_path.exists() {
        return Err(Fatal(format!(
            "{}: exists; a key pair is never overwritten",
            public_path.display()
        )));
    }
    create_secret_file(&secret_path, &format!("{}\n", B64.encode(sk.to_bytes())))?;
    fs::write(&public_path, format!("{public}\n"))
        .map_err(|e| Fatal(format!("{}: {e}", public_path.display())))?;
    println!("{public}");
    eprintln!(
        "redflag: private key in {} ({secret_note}), public key in {} (key id {}: {public_note})",
        secret_path.display(),
        public_path.display(),
        key_id(&pk.to_bytes())
    );
    Ok(ExitCode::SUCCESS)
}

// --------------------------------------------------------------------- seal

/// The kinds whose values identify a person (sealed only).
fn is_contact(k: redflag::EntityKind) -> bool {
    matches!(
        k,
        redflag::EntityKind::Phone
            | redflag::EntityKind::Email
            | redflag::EntityKind::Url
            | redflag::EntityKind::Handle
    )
}

/// What `seal` puts in a packet besides the submission.
pub(crate) struct SealArgs<'a> {
    pub submission: &'a Path,
    pub recipient: &'a str,
    pub key: &'a Path,
    pub url: Option<String>,
    pub reviewer: Option<String>,
    pub retain_days: u32,
    pub out: Option<&'a Path>,
}

/// `redflag evidence seal`: screens a submission (a JSON object) and writes
/// a packet of it, as the edge and the extension do.
pub(crate) fn seal(engine: &redflag::Engine, a: &SealArgs<'_>) -> Result<ExitCode, Fatal> {
    use rand_core::{OsRng, RngCore};
    let name = a.submission.display().to_string();
    let bytes = read_input(a.submission).map_err(Fatal)?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Fatal(format!("{name}: not valid JSON ({e})")))?;
    let sub = redflag::Submission::from_json(&v).map_err(|e| Fatal(format!("{name}: {e}")))?;
    let opts = redflag::ScreenOptions {
        entities: true,
        raw_values: true,
        ..Default::default()
    };
    let verdict = engine
        .screen_with_options(&sub, &opts)
        .map_err(|e| Fatal(format!("{name}: {e}")))?;
    let recipient = key32(a.recipient, "--recipient")?;
    let signer = signing_key(a.key)?;

    let mut salt = [0u8; 32];
    OsRng.fill_bytes(&mut salt);
    let mut rid = [0u8; 16];
    OsRng.fill_bytes(&mut rid);
    let reference = format!("cli-{}", hex(&rid));
    let Value::Object(map) = &v else {
        return Err(Fatal(format!("{name}: expected a JSON object")));
    };
    let fields: Vec<(String, String)> = map
        .iter()
        .filter(|(k, _)| *k != "section" && *k != "id")
        .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    let contacts: Vec<Value> = verdict
        .entities
        .iter()
        .filter(|e| e.value.is_some() && is_contact(e.kind))
        .map(|e| json!({"kind": e.kind, "value": e.value, "hash": e.hash}))
        .collect();
    let submission = json!({
        "format": SUBMISSION_FORMAT,
        "reference": reference,
        "salt": B64.encode(salt),
        "url": a.url,
        "section": map.get("section").and_then(Value::as_str),
        "fields": fields.iter().map(|(n, t)| json!({"name": n, "text": t})).collect::<Vec<_>>(),
        "contacts": contacts,
        "note": null,
        "body": B64.encode(&bytes),
        "content_type": "application/json",
    });
    let plaintext = canonical(&submission).ok_or_else(|| Fatal("unrepresentable number".into()))?;
    let now = now_unix();
    let packet = json!({
        "source": "cli",
        "clock": "cli",
        "time": utc_text(now),
        "retain_until": utc_text(now + u64::from(a.retain_days) * 86_400),
        "reference": reference,
        "url": a.url.as_deref().map(|u| u.split(['?', '#']).next().unwrap_or(u).to_string()),
        "verdict": verdict.verdict,
        "score": verdict.score,
        "packs": verdict.packs.iter().map(|p| json!({"id": p.id, "version": p.version})).collect::<Vec<_>>(),
        "hits": verdict.hits.iter().map(|h| json!({"rule": h.rule, "field": h.field, "start": h.start, "end": h.end})).collect::<Vec<_>>(),
        "fields": fields.iter().map(|(n, t)| json!({"name": n, "hmac_sha256": hmac_hex(&salt, t.as_bytes())})).collect::<Vec<_>>(),
        "contacts": verdict.entities.iter().filter_map(|e| e.hash.as_ref().map(|h| format!("{}:{h}", e.kind.as_str()))).collect::<Vec<_>>(),
        "listing": null,
        "reviewer": a.reviewer,
    });
    let Value::Object(packet) = packet else {
        return Err(Fatal("a packet is an object".into()));
    };
    let text = seal_and_sign(FORMAT, packet, plaintext.as_bytes(), &recipient, &signer)?;
    write_output(a.out, &text)?;
    Ok(ExitCode::SUCCESS)
}

/// An ed25519 signing key from a file of `redflag keygen`.
pub(crate) fn signing_key(path: &Path) -> Result<ed25519_dalek::SigningKey, Fatal> {
    let text = fs::read_to_string(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    redflag::signing::parse_secret_key(&text).map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// `plaintext` sealed with HPKE to `recipient` (info and aad given): the
/// `sealed` member of a document (what www/shared/evidence.js's `sealTo`
/// writes), `{suite, recipient, enc, ciphertext}`.
pub(crate) fn seal_to(
    recipient: &[u8; 32],
    info: &str,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Value, Fatal> {
    use rand_core::OsRng;
    let pk_r = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient)
        .map_err(|e| Fatal(format!("--recipient: not an X25519 public key ({e:?})")))?;
    let (enc, ct) = hpke::single_shot_seal::<AesGcm128, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &pk_r,
        info.as_bytes(),
        plaintext,
        aad,
        &mut OsRng,
    )
    .map_err(|e| Fatal(format!("sealing failed: {e:?}")))?;
    Ok(json!({
        "suite": SUITE,
        "recipient": key_id(recipient),
        "enc": B64.encode(enc.to_bytes()),
        "ciphertext": B64.encode(&ct),
    }))
}

/// A signed document of `format` (what www/shared/evidence.js's
/// `signDocument` writes): `format`, the members of `doc`, `signer` and
/// `signature` (ed25519 over the format, a NUL byte and the canonical JSON
/// of the rest). Returns the canonical JSON and a line break.
pub(crate) fn sign_document(
    format: &str,
    mut doc: Map<String, Value>,
    signer: &ed25519_dalek::SigningKey,
) -> Result<String, Fatal> {
    let public = signer.verifying_key().to_bytes();
    doc.insert("format".into(), json!(format));
    doc.insert(
        "signer".into(),
        json!({"public_key": B64.encode(public), "key_id": key_id(&public)}),
    );
    let mut doc = Value::Object(doc);
    let unsigned =
        canonical(&doc).ok_or_else(|| Fatal("the document holds a number JSON cannot".into()))?;
    let sig = signer.sign(&signed_message(format, &unsigned));
    doc["signature"] = Value::String(B64.encode(sig.to_bytes()));
    Ok(canonical(&doc).ok_or_else(|| Fatal("not canonical".into()))? + "\n")
}

/// A sealed, signed document of `format` (what www/shared/evidence.js's
/// `sealAndSign` writes): the clear members of `doc` (which must hold a
/// `reference`), then `format`, `content_sha256`, `sealed` (`plaintext`
/// sealed with HPKE to `recipient`, info the format, aad the reference),
/// `signer` and `signature`. Returns the canonical JSON and a line break.
pub(crate) fn seal_and_sign(
    format: &str,
    mut doc: Map<String, Value>,
    plaintext: &[u8],
    recipient: &[u8; 32],
    signer: &ed25519_dalek::SigningKey,
) -> Result<String, Fatal> {
    let reference = doc
        .get("reference")
        .and_then(Value::as_str)
        .ok_or_else(|| Fatal("a sealed document needs a reference".into()))?
        .to_string();
    let sealed = seal_to(recipient, format, reference.as_bytes(), plaintext)?;
    doc.insert("content_sha256".into(), json!(sha256_hex(plaintext)));
    doc.insert("sealed".into(), sealed);
    sign_document(format, doc, signer)
}

// ------------------------------------------------------------------- verify

/// A checked packet: what `verify` reports and `open` builds on.
pub(crate) struct Checked {
    pub packet: Map<String, Value>,
    pub signer: String,
    pub trusted: Option<bool>,
}

pub(crate) fn field<'a>(
    m: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a Value, String> {
    m.get(name)
        .ok_or_else(|| format!("`{path}{name}` is missing"))
}

pub(crate) fn string<'a>(
    m: &'a Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'a str, String> {
    field(m, path, name)?
        .as_str()
        .ok_or_else(|| format!("`{path}{name}` must be a string"))
}

pub(crate) fn opt_string(m: &Map<String, Value>, name: &str) -> Result<(), String> {
    match field(m, "", name)? {
        Value::Null | Value::String(_) => Ok(()),
        _ => Err(format!("`{name}` must be a string or null")),
    }
}

pub(crate) fn object<'a>(
    m: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a Map<String, Value>, String> {
    field(m, "", name)?
        .as_object()
        .ok_or_else(|| format!("`{name}` must be an object"))
}

/// Every one of `keys` is in `m`, and nothing else (`format` names the document in the error).
pub(crate) fn only_keys(
    m: &Map<String, Value>,
    path: &str,
    keys: &[&str],
    format: &str,
) -> Result<(), String> {
    if let Some(k) = m.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(format!(
            "`{path}{k}` is not a member of a {format} document"
        ));
    }
    for k in keys {
        field(m, path, k)?;
    }
    Ok(())
}

pub(crate) fn b64_exact(s: &str, what: &str, len: Option<usize>) -> Result<Vec<u8>, String> {
    let b = B64
        .decode(s)
        .map_err(|e| format!("`{what}` is not base64 ({e})"))?;
    if B64.encode(&b) != s {
        return Err(format!("`{what}` is not in canonical base64"));
    }
    if let Some(n) = len {
        if b.len() != n {
            return Err(format!("`{what}` must be {n} bytes, not {}", b.len()));
        }
    }
    Ok(b)
}

pub(crate) fn utc(s: &str, what: &str) -> Result<u64, String> {
    if s.len() != 20 {
        return Err(format!(
            "`{what}` must be a UTC time like 2027-06-01T00:00:00Z"
        ));
    }
    redflag::signing::parse_utc(s).map_err(|e| format!("`{what}`: {e}"))
}

pub(crate) fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

const MEMBERS: &[&str] = &[
    "format",
    "source",
    "clock",
    "time",
    "retain_until",
    "reference",
    "url",
    "listing",
    "verdict",
    "score",
    "packs",
    "hits",
    "fields",
    "contacts",
    "reviewer",
    "content_sha256",
    "sealed",
    "signer",
    "signature",
];

/// Checks a packet's bytes: canonical form, every member, the signature,
/// and the signer against the trusted keys (if any are given).
pub(crate) fn check(bytes: &[u8], trusted: &[VerifyingKey]) -> Result<Checked, String> {
    let m = &parse_canonical(bytes, &[FORMAT], "packet")?;
    only_keys(m, "", MEMBERS, FORMAT)?;
    // Members, each with its reason.
    match string(m, "", "source")? {
        "edge" | "extension" | "cli" => {}
        s => {
            return Err(format!(
                "`source` must be edge, extension or cli, not {s:?}"
            ))
        }
    }
    string(m, "", "clock")?;
    let time = utc(string(m, "", "time")?, "time")?;
    let until = utc(string(m, "", "retain_until")?, "retain_until")?;
    if until < time {
        return Err("`retain_until` is before `time`".into());
    }
    if string(m, "", "reference")?.is_empty() {
        return Err("`reference` is empty".into());
    }
    opt_string(m, "url")?;
    opt_string(m, "listing")?;
    opt_string(m, "reviewer")?;
    match string(m, "", "verdict")? {
        "allow" | "warn" | "review" | "block" | "error" => {}
        s => return Err(format!("`verdict` {s:?} is not a tier")),
    }
    field(m, "", "score")?
        .as_f64()
        .ok_or("`score` must be a number")?;
    let list = |name: &str| -> Result<&Vec<Value>, String> {
        field(m, "", name)?
            .as_array()
            .ok_or_else(|| format!("`{name}` must be an array"))
    };
    for (i, p) in list("packs")?.iter().enumerate() {
        let p = p
            .as_object()
            .ok_or(format!("`packs[{i}]` must be an object"))?;
        let path = format!("packs[{i}].");
        only_keys(p, &path, &["id", "version"], FORMAT)?;
        string(p, &path, "id")?;
        string(p, &path, "version")?;
    }
    for (i, h) in list("hits")?.iter().enumerate() {
        let h = h
            .as_object()
            .ok_or(format!("`hits[{i}]` must be an object"))?;
        let path = format!("hits[{i}].");
        only_keys(h, &path, &["rule", "field", "start", "end"], FORMAT)?;
        string(h, &path, "rule")?;
        string(h, &path, "field")?;
        let s = h["start"]
            .as_u64()
            .ok_or(format!("`{path}start` must be a whole number"))?;
        let e = h["end"]
            .as_u64()
            .ok_or(format!("`{path}end` must be a whole number"))?;
        if e < s {
            return Err(format!("`{path}end` is before its start"));
        }
    }
    for (i, f) in list("fields")?.iter().enumerate() {
        let f = f
            .as_object()
            .ok_or(format!("`fields[{i}]` must be an object"))?;
        let path = format!("fields[{i}].");
        only_keys(f, &path, &["name", "hmac_sha256"], FORMAT)?;
        string(f, &path, "name")?;
        if !is_hex(string(f, &path, "hmac_sha256")?, 64) {
            return Err(format!(
                "`{path}hmac_sha256` must be 64 lowercase hex digits"
            ));
        }
    }
    for (i, c) in list("contacts")?.iter().enumerate() {
        let c = c
            .as_str()
            .ok_or(format!("`contacts[{i}]` must be a string"))?;
        let ok = c.split_once(':').is_some_and(|(k, h)| {
            !k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && is_hex(h, 64)
        });
        if !ok {
            return Err(format!(
                "`contacts[{i}]` must be `kind:` and a keyed hash (64 hex digits), never a contact value"
            ));
        }
    }
    let (signer, trusted) = check_sealed_signed(m, FORMAT, trusted, "--public-key")?;
    Ok(Checked {
        packet: m.clone(),
        signer,
        trusted,
    })
}

/// A sealed document's bytes as its members: UTF-8, a JSON object whose
/// `format` is one of `formats`, and exactly its canonical JSON and a line
/// break (`what` names it in errors: "packet", "decisions file").
pub(crate) fn parse_canonical(
    bytes: &[u8],
    formats: &[&str],
    what: &str,
) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not a {what}: not UTF-8 ({e})"))?;
    let v: Value =
        serde_json::from_str(text).map_err(|e| format!("not a {what}: not valid JSON ({e})"))?;
    let Value::Object(m) = &v else {
        return Err(format!("not a {what}: not a JSON object"));
    };
    let known = formats
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(" or ");
    match m.get("format").and_then(Value::as_str) {
        Some(f) if formats.contains(&f) => {}
        Some(f) => return Err(format!("`format` is {f:?}, this redflag reads {known}")),
        None => return Err(format!("not a {what}: `format` must be {known}")),
    }
    let canon = canonical(&v).ok_or("a number has no single JSON form: not canonical")?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body != canon {
        return Err(format!(
            "the {what}'s bytes are not its canonical form (changed after signing, or re-formatted): a {what} is kept byte for byte as it was signed"
        ));
    }
    Ok(m.clone())
}

/// Checks the members every sealed document of `format` shares
/// (`content_sha256`, `sealed`, `signer`, `signature`), the ed25519
/// signature, and the signer against `trusted` if any are given (`flag`
/// names the option that gave them). Returns
/// the signer's key id, and Some(true) when it was checked against them.
pub(crate) fn check_sealed_signed(
    m: &Map<String, Value>,
    format: &str,
    trusted: &[VerifyingKey],
    flag: &str,
) -> Result<(String, Option<bool>), String> {
    if !is_hex(string(m, "", "content_sha256")?, 64) {
        return Err("`content_sha256` must be 64 lowercase hex digits".into());
    }
    check_sealed(object(m, "sealed")?, "sealed", format)?;
    check_signed(m, format, trusted, flag)
}

/// Checks a `sealed` member (found at `path`, e.g. `sealed` or
/// `records[3]`): exactly `suite` (the one suite), `recipient` (a key id),
/// `enc` (32 bytes) and `ciphertext` (at least its tag), in canonical base64.
pub(crate) fn check_sealed(
    sealed: &Map<String, Value>,
    path: &str,
    format: &str,
) -> Result<(), String> {
    let p = format!("{path}.");
    only_keys(
        sealed,
        &p,
        &["suite", "recipient", "enc", "ciphertext"],
        format,
    )?;
    if string(sealed, &p, "suite")? != SUITE {
        return Err(format!("`{p}suite` must be {SUITE:?}"));
    }
    if !is_hex(string(sealed, &p, "recipient")?, 16) {
        return Err(format!("`{p}recipient` must be a key id (16 hex digits)"));
    }
    b64_exact(string(sealed, &p, "enc")?, &format!("{p}enc"), Some(32))?;
    let ct = b64_exact(
        string(sealed, &p, "ciphertext")?,
        &format!("{p}ciphertext"),
        None,
    )?;
    if ct.len() < 16 {
        return Err(format!("`{p}ciphertext` is shorter than its tag"));
    }
    Ok(())
}

/// Checks `signer` and `signature` of a signed document of `format`: the
/// ed25519 signature over the format, a NUL byte and the canonical JSON of
/// the rest, and the signer against `trusted` if any are given. Returns the
/// signer's key id, and Some(true) when it was checked against them.
pub(crate) fn check_signed(
    m: &Map<String, Value>,
    format: &str,
    trusted: &[VerifyingKey],
    flag: &str,
) -> Result<(String, Option<bool>), String> {
    let signer = object(m, "signer")?;
    only_keys(signer, "signer.", &["public_key", "key_id"], format)?;
    let pk_text = string(signer, "signer.", "public_key")?;
    let pk_bytes = b64_exact(pk_text, "signer.public_key", Some(32))?;
    let pk = redflag::signing::parse_public_key(pk_text)
        .map_err(|e| format!("`signer.public_key`: {e}"))?;
    if string(signer, "signer.", "key_id")? != key_id(&pk_bytes) {
        return Err("`signer.key_id` is not the id of `signer.public_key`".into());
    }
    let sig = b64_exact(string(m, "", "signature")?, "signature", Some(64))?;
    let sig = Signature::from_slice(&sig).map_err(|e| format!("`signature`: {e}"))?;
    let mut unsigned = m.clone();
    unsigned.remove("signature");
    let unsigned = canonical(&Value::Object(unsigned)).ok_or("not canonical")?;
    pk.verify_strict(&signed_message(format, &unsigned), &sig).map_err(|_| {
        "`signature` does not verify: the file was changed after it was signed, or signed by another key".to_string()
    })?;
    let trusted = if trusted.is_empty() {
        None
    } else if trusted.iter().any(|k| k.to_bytes() == pk.to_bytes()) {
        Some(true)
    } else {
        return Err(format!(
            "signed by key {} ({pk_text}), which is not one of the {flag} keys",
            key_id(&pk_bytes)
        ));
    };
    Ok((key_id(&pk_bytes), trusted))
}

/// Trusted signers' public keys, each base64 or a file holding it.
pub(crate) fn trusted_keys(keys: &[String]) -> Result<Vec<VerifyingKey>, Fatal> {
    keys.iter()
        .map(|k| {
            let p = Path::new(k);
            let text = if p.exists() {
                fs::read_to_string(p).map_err(|e| Fatal(format!("{k}: {e}")))?
            } else {
                k.clone()
            };
            redflag::signing::parse_public_key(text.trim())
                .map_err(|e| Fatal(format!("--public-key {k}: {e}")))
        })
        .collect()
}

/// `redflag evidence verify PACKET...`: exit 0 when every packet is valid,
/// 1 when one is not, 2 on a usage error.
pub(crate) fn verify(
    packets: &[PathBuf],
    keys: &[String],
    json_out: bool,
) -> Result<ExitCode, Fatal> {
    let trusted = trusted_keys(keys)?;
    if packets.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Fatal("stdin (`-`) can be given once".into()));
    }
    let mut all_ok = true;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for p in packets {
        let name = if p.as_os_str() == "-" {
            "-".to_string()
        } else {
            p.display().to_string()
        };
        let result = read_input(p).and_then(|b| check(&b, &trusted));
        let line = match &result {
            Ok(c) => {
                let until = c.packet["retain_until"].as_str().unwrap_or_default();
                let expired = utc(until, "retain_until").is_ok_and(|u| u < now_unix());
                if json_out {
                    json!({"file": name, "valid": true, "reference": c.packet["reference"], "source": c.packet["source"],
                        "verdict": c.packet["verdict"], "signer": c.signer, "trusted": c.trusted, "retention_ended": expired})
                    .to_string()
                } else {
                    let who = match c.trusted {
                        Some(_) => format!("signed by trusted key {}", c.signer),
                        None => format!(
                            "signed by key {} (not checked against a trusted key: give --public-key)",
                            c.signer
                        ),
                    };
                    let ret = if expired {
                        format!("; retention ended {until}: delete it unless a legal hold applies")
                    } else {
                        String::new()
                    };
                    format!(
                        "{name}: ok: {} {} {who}{ret}",
                        c.packet["source"].as_str().unwrap_or(""),
                        c.packet["reference"].as_str().unwrap_or("")
                    )
                }
            }
            Err(e) => {
                all_ok = false;
                if json_out {
                    json!({"file": name, "valid": false, "error": e}).to_string()
                } else {
                    format!("{name}: refused: {e}")
                }
            }
        };
        crate::output::handle_write(writeln!(out, "{line}"))?;
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

// --------------------------------------------------------------------- open

/// Decrypts the `sealed` member of a checked document of `format` with the
/// recipient's X25519 private key (HPKE, info the format, aad `reference`)
/// and checks the plaintext against `content_sha256`. In memory only.
pub(crate) fn open_sealed(
    m: &Map<String, Value>,
    format: &str,
    secret: &[u8; 32],
) -> Result<Vec<u8>, String> {
    let sealed = m["sealed"]
        .as_object()
        .ok_or("`sealed` must be an object")?;
    let mine = public_key_id(secret)?;
    let theirs = sealed["recipient"].as_str().unwrap_or_default();
    if mine != theirs {
        return Err(format!(
            "the file is sealed to key {theirs}, not to this private key ({mine})"
        ));
    }
    let reference = m["reference"].as_str().unwrap_or_default();
    let pt = open_hpke(sealed, format, reference.as_bytes(), secret).map_err(|_| {
        "`sealed` does not decrypt with this key (the ciphertext or its reference was changed)"
            .to_string()
    })?;
    if sha256_hex(&pt) != m["content_sha256"].as_str().unwrap_or_default() {
        return Err("the decrypted content does not match `content_sha256`".into());
    }
    Ok(pt)
}

/// The key id of the public key of an X25519 private key.
pub(crate) fn public_key_id(secret: &[u8; 32]) -> Result<String, String> {
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(secret)
        .map_err(|e| format!("--key: not an X25519 private key ({e:?})"))?;
    Ok(key_id(&Kem::sk_to_pk(&sk).to_bytes()))
}

/// Decrypts a checked `sealed` member (`{suite, recipient, enc,
/// ciphertext}`) with HPKE base mode, `info` and `aad` given, whatever key
/// it names: the caller matches `recipient` to the key first. Err says why
/// it does not open (the key, or a changed ciphertext).
pub(crate) fn open_hpke(
    sealed: &Map<String, Value>,
    info: &str,
    aad: &[u8],
    secret: &[u8; 32],
) -> Result<Vec<u8>, String> {
    let sk = <Kem as hpke::Kem>::PrivateKey::from_bytes(secret)
        .map_err(|e| format!("--key: not an X25519 private key ({e:?})"))?;
    let enc_bytes = B64
        .decode(sealed["enc"].as_str().unwrap_or_default())
        .map_err(|e| format!("`enc`: {e}"))?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc_bytes)
        .map_err(|e| format!("`enc`: {e:?}"))?;
    let ct = B64
        .decode(sealed["ciphertext"].as_str().unwrap_or_default())
        .map_err(|e| format!("`ciphertext`: {e}"))?;
    hpke::single_shot_open::<AesGcm128, HkdfSha256, Kem>(
        &OpModeR::Base,
        &sk,
        &enc,
        info.as_bytes(),
        &ct,
        aad,
    )
    .map_err(|_| "does not decrypt with this key".to_string())
}

/// Decrypts a checked packet and checks the content hash and each field's
/// keyed hash against the decrypted submission. Returns its bytes.
pub(crate) fn open_checked(c: &Checked, secret: &[u8; 32]) -> Result<Vec<u8>, String> {
    let m = &c.packet;
    let pt = open_sealed(m, FORMAT, secret)?;
    let reference = m["reference"].as_str().unwrap_or_default();
    let sub: Value = serde_json::from_slice(&pt)
        .map_err(|e| format!("the decrypted submission is not JSON ({e})"))?;
    let s = sub
        .as_object()
        .ok_or("the decrypted submission is not an object")?;
    if s.get("format").and_then(Value::as_str) != Some(SUBMISSION_FORMAT) {
        return Err(format!(
            "the decrypted submission's `format` is not {SUBMISSION_FORMAT:?}"
        ));
    }
    if s.get("reference").and_then(Value::as_str) != Some(reference) {
        return Err("the decrypted submission's `reference` is not the packet's".into());
    }
    let salt = B64
        .decode(s.get("salt").and_then(Value::as_str).unwrap_or_default())
        .map_err(|e| format!("the decrypted submission's `salt`: {e}"))?;
    if salt.len() != 32 {
        return Err("the decrypted submission's `salt` must be 32 bytes".into());
    }
    let texts = s
        .get("fields")
        .and_then(Value::as_array)
        .ok_or("the decrypted submission has no `fields`")?;
    let hashes = m["fields"].as_array().ok_or("`fields` must be an array")?;
    if texts.len() != hashes.len() {
        return Err(format!(
            "the packet lists {} fields, the decrypted submission holds {}",
            hashes.len(),
            texts.len()
        ));
    }
    for (i, (t, h)) in texts.iter().zip(hashes).enumerate() {
        let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
        let text = t
            .get("text")
            .and_then(Value::as_str)
            .ok_or(format!("decrypted field {i} has no text"))?;
        if h["name"].as_str() != Some(name) {
            return Err(format!(
                "`fields[{i}].name` is not the decrypted field's name {name:?}"
            ));
        }
        if h["hmac_sha256"].as_str() != Some(hmac_hex(&salt, text.as_bytes()).as_str()) {
            return Err(format!(
                "`fields[{i}]` ({name}): the hash does not match the decrypted text"
            ));
        }
    }
    Ok(pt)
}

/// `redflag evidence open PACKET --key PRIVATE`.
pub(crate) fn open(
    packet: &Path,
    key: &str,
    keys: &[String],
    out: Option<&Path>,
    body: Option<&Path>,
    legal_hold: bool,
) -> Result<ExitCode, Fatal> {
    let trusted = trusted_keys(keys)?;
    let secret = key32(key, "--key")?;
    let name = packet.display().to_string();
    let bytes = read_input(packet).map_err(Fatal)?;
    let checked = match check(&bytes, &trusted) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("redflag: {name}: refused: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let until = checked.packet["retain_until"].as_str().unwrap_or_default();
    if utc(until, "retain_until").is_ok_and(|u| u < now_unix()) && !legal_hold {
        eprintln!(
            "redflag: {name}: the retention period ended {until}; the packet should be deleted. Give --legal-hold to open it under a legal hold."
        );
        return Ok(ExitCode::from(1));
    }
    let pt = match open_checked(&checked, &secret) {
        Ok(pt) => pt,
        Err(e) => {
            eprintln!("redflag: {name}: refused: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(b) = body {
        let sub: Value = serde_json::from_slice(&pt).map_err(|e| Fatal(e.to_string()))?;
        let raw = sub
            .get("body")
            .and_then(Value::as_str)
            .map(|s| B64.decode(s))
            .transpose()
            .map_err(|e| Fatal(format!("the submission's body: {e}")))?
            .ok_or_else(|| Fatal("the submission carries no raw body".into()))?;
        fs::write(b, raw).map_err(|e| Fatal(format!("{}: {e}", b.display())))?;
    }
    let text = String::from_utf8(pt).map_err(|e| Fatal(e.to_string()))? + "\n";
    write_output(out, &text)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_javascript_writes_them() {
        for (json, js) in [
            ("12", "12"),
            ("12.5", "12.5"),
            ("-0.0", "0"),
            ("0.1", "0.1"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("1.5e-7", "1.5e-7"),
            ("0.000001", "0.000001"),
            ("123456.789", "123456.789"),
            ("2.0", "2"),
        ] {
            let v: Value = serde_json::from_str(json).unwrap();
            assert_eq!(canonical(&v).unwrap(), js, "{json}");
        }
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        let v: Value =
            serde_json::from_str(r#"{"\uff61":1,"\ud83d\ude00":2,"b":3,"a":4}"#).unwrap();
        // U+1F600 (surrogates D83D…) sorts before U+FF61 in UTF-16.
        assert_eq!(canonical(&v).unwrap(), "{\"a\":4,\"b\":3,\"😀\":2,\"｡\":1}");
    }

    #[test]
    fn utc_text_reads_back() {
        for s in [0, 951_782_400, 1_700_000_000, 4_102_444_800] {
            assert_eq!(redflag::signing::parse_utc(&utc_text(s)).unwrap(), s);
        }
    }
}
