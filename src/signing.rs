//! Signed rule packs.
//!
//! Packs travel over the network to browsers, extensions and edge workers,
//! and anyone who can swap a pack can switch the filter off. A deployment
//! configured with public keys accepts only packs signed by one of them
//! (ed25519), not expired, and not older than the last version it accepted
//! of the same pack (no downgrade to a weaker pack).
//!
//! A signed pack is a JSON envelope:
//!
//! ```json
//! { "redflag_signed_pack": 1,
//!   "expires": "2027-06-01T00:00:00Z",
//!   "pack": "<the pack as JSON text>",
//!   "signature": "<base64 ed25519 signature>" }
//! ```
//!
//! The signature covers `redflag-signed-pack/1`, a NUL byte, `expires`, a
//! NUL byte, then the pack text, byte for byte.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::pack::Pack;

const DOMAIN: &[u8] = b"redflag-signed-pack/1";

#[derive(Serialize)]
struct Envelope {
    redflag_signed_pack: u32,
    expires: String,
    pack: String,
    signature: String,
}

fn message(expires: &str, pack: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + expires.len() + pack.len() + 2);
    m.extend_from_slice(DOMAIN);
    m.push(0);
    m.extend_from_slice(expires.as_bytes());
    m.push(0);
    m.extend_from_slice(pack.as_bytes());
    m
}

/// Whether a text looks like a signed-pack envelope (so callers can tell
/// an unsigned pack from a signed one).
pub fn is_signed_pack(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .is_some_and(|v| v.get("redflag_signed_pack").is_some())
}

/// Parses a base64 ed25519 public key (32 bytes). Weak keys (of small
/// order) are refused.
pub fn parse_public_key(b64: &str) -> Result<VerifyingKey, Error> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|e| Error::Signature(format!("public key is not base64: {e}")))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::Signature("a public key is 32 bytes".into()))?;
    let key = VerifyingKey::from_bytes(&arr)
        .map_err(|e| Error::Signature(format!("bad public key: {e}")))?;
    // A key of small order (such as the identity point) has signatures that
    // verify for almost any message: it can never be trusted.
    if key.is_weak() {
        return Err(Error::Signature(
            "weak public key refused: it has small order, so signatures made for it would \
             verify for almost any pack"
                .into(),
        ));
    }
    Ok(key)
}

/// Parses a base64 ed25519 secret key (the 32-byte seed).
pub fn parse_secret_key(b64: &str) -> Result<SigningKey, Error> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|e| Error::Signature(format!("secret key is not base64: {e}")))?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::Signature("a secret key is 32 bytes".into()))?;
    Ok(SigningKey::from_bytes(&arr))
}

/// The base64 public key of a secret key.
pub fn public_key_of(secret: &SigningKey) -> String {
    B64.encode(secret.verifying_key().to_bytes())
}

/// The base64 form of a secret key, for a key file.
pub fn secret_key_text(secret: &SigningKey) -> String {
    B64.encode(secret.to_bytes())
}

/// Signs a pack's JSON text, valid until `expires` (RFC 3339 UTC,
/// `YYYY-MM-DDTHH:MM:SSZ`, a real calendar date). The pack must parse and
/// its version must be a semantic version (`1.4.0`, `2.0.0-rc.1`), so that
/// deployments can refuse downgrades. Whether `expires` is in the future is
/// the caller's to check (this library has no clock; `redflag sign` does).
///
/// ```
/// use redflag::signing::{parse_secret_key, public_key_of, sign_pack, verify_signed_pack, TrustPolicy};
///
/// let secret = parse_secret_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
/// let pack = r#"{"schema": 1, "pack": {"id": "site", "version": "1.2.0"}}"#;
/// let signed = sign_pack(pack, "2040-01-01T00:00:00Z", &secret).unwrap();
///
/// let policy = TrustPolicy::new(&[public_key_of(&secret)], 1_900_000_000).unwrap();
/// assert_eq!(verify_signed_pack(&signed, &policy).unwrap().id(), "site");
/// // One changed byte and it is refused.
/// let tampered = signed.replace("1.2.0", "1.2.1");
/// assert!(verify_signed_pack(&tampered, &policy).is_err());
/// ```
pub fn sign_pack(pack_json: &str, expires: &str, secret: &SigningKey) -> Result<String, Error> {
    let pack = Pack::from_json(pack_json)?;
    parse_version(&pack.pack.version)
        .map_err(|e| Error::Signature(format!("pack `{}`: {e}", pack.id())))?;
    sign_envelope(pack_json, expires, secret)
}

/// Wraps signed content (a rule pack's or a hash list's JSON text, already
/// checked by its caller) in an envelope: the one signature scheme of
/// every signed pack, whatever it carries.
pub(crate) fn sign_envelope(
    content: &str,
    expires: &str,
    secret: &SigningKey,
) -> Result<String, Error> {
    parse_utc(expires)?;
    let sig = secret.sign(&message(expires, content));
    let env = Envelope {
        redflag_signed_pack: 1,
        expires: expires.to_string(),
        pack: content.to_string(),
        signature: B64.encode(sig.to_bytes()),
    };
    serde_json::to_string_pretty(&env).map_err(|e| Error::Signature(e.to_string()))
}

/// What a deployment trusts.
#[derive(Clone, Debug)]
pub struct TrustPolicy {
    keys: Vec<VerifyingKey>,
    /// The current time, Unix seconds (passed in: wasm has no clock of its
    /// own).
    pub now: u64,
    /// The last accepted version of each pack id; an older one is refused.
    pub last_versions: HashMap<String, String>,
}

impl TrustPolicy {
    /// Trusts these base64 public keys, at time `now` (Unix seconds).
    pub fn new(public_keys: &[String], now: u64) -> Result<TrustPolicy, Error> {
        if public_keys.is_empty() {
            return Err(Error::Signature("no public key configured".into()));
        }
        Ok(TrustPolicy {
            keys: public_keys
                .iter()
                .map(|k| parse_public_key(k))
                .collect::<Result<_, _>>()?,
            now,
            last_versions: HashMap::new(),
        })
    }

    /// Refuses versions of `pack` older than `version`, in semantic-version
    /// precedence (a pre-release is older than its release; build metadata
    /// is ignored). The version must be a semantic version; if it is not, every version
    /// of `pack` is refused (a downgrade cannot be ruled out).
    pub fn last_version(mut self, pack: &str, version: &str) -> TrustPolicy {
        self.last_versions
            .insert(pack.to_string(), version.to_string());
        self
    }
}

/// Verifies a signed pack and returns the pack. Refuses, with a message
/// saying why: text that is not a signed envelope (an unsigned pack), a
/// signature that no trusted key made (tampering or an unknown signer), an
/// expired envelope, or a pack version older than the policy's last
/// accepted version of that pack.
pub fn verify_signed_pack(text: &str, policy: &TrustPolicy) -> Result<Pack, Error> {
    verify_envelope(text, policy, |content| {
        let pack = Pack::from_json(content)?;
        let (id, version) = (pack.id().to_string(), pack.pack.version.clone());
        Ok((pack, id, version))
    })
}

/// Verifies an envelope (signature, expiry) and then its content: `read`
/// parses the verified text into the content, its id and its version, and
/// the version is checked against the policy's last accepted version of
/// that id (no downgrade). The one verification of every signed pack,
/// whatever it carries (rule packs here, hash lists in
/// [`crate::images::verify_signed_hash_list`]).
pub(crate) fn verify_envelope<T>(
    text: &str,
    policy: &TrustPolicy,
    read: impl FnOnce(&str) -> Result<(T, String, String), Error>,
) -> Result<T, Error> {
    let env = envelope(text)?;
    if env.redflag_signed_pack != 1 {
        return Err(Error::Signature(format!(
            "unknown signed-pack format {}",
            env.redflag_signed_pack
        )));
    }
    let sig_bytes = B64
        .decode(env.signature.trim())
        .map_err(|_| Error::Signature("the signature is not base64".into()))?;
    let sig = Signature::from_slice(&sig_bytes)
        .map_err(|_| Error::Signature("the signature is not 64 bytes".into()))?;
    let msg = message(&env.expires, &env.pack);
    // Strict verification: refuses weak keys and non-canonical signatures
    // and keys, which plain RFC 8032 verification lets through.
    if !policy
        .keys
        .iter()
        .any(|k| k.verify_strict(&msg, &sig).is_ok())
    {
        return Err(Error::Signature(
            "the signature does not match: the pack was changed or signed with an untrusted key"
                .into(),
        ));
    }
    let expires = parse_utc(&env.expires)?;
    if policy.now >= expires {
        return Err(Error::Signature(format!(
            "the pack expired on {}",
            env.expires
        )));
    }
    let (content, id, version) = read(&env.pack)?;
    if let Some(last) = policy.last_versions.get(&id) {
        if compare_versions(&version, last).map_err(|e| {
            Error::Signature(format!(
                "pack `{id}` cannot be checked for a downgrade: {e}"
            ))
        })? == std::cmp::Ordering::Less
        {
            return Err(Error::Signature(format!(
                "downgrade refused: pack `{id}` version {version} is older than the version already accepted ({last})"
            )));
        }
    }
    Ok(content)
}

/// Reads the envelope: exactly the four fields, of the right types.
fn envelope(text: &str) -> Result<Envelope, Error> {
    let unsigned = || {
        Error::Signature(
            "the pack is not signed, and this deployment accepts only signed packs".into(),
        )
    };
    let v: Value = serde_json::from_str(text).map_err(|_| unsigned())?;
    let Value::Object(m) = v else {
        return Err(unsigned());
    };
    if !m.contains_key("redflag_signed_pack") {
        return Err(unsigned());
    }
    let malformed = |why: String| Error::Signature(format!("malformed signed pack: {why}"));
    const FIELDS: [&str; 4] = ["redflag_signed_pack", "expires", "pack", "signature"];
    if let Some(k) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(malformed(format!("unknown field `{k}`")));
    }
    let text_field = |k: &str| -> Result<String, Error> {
        match m.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(malformed(format!("`{k}` must be a string"))),
            None => Err(malformed(format!("missing field `{k}`"))),
        }
    };
    let format = m
        .get("redflag_signed_pack")
        .and_then(Value::as_u64)
        .filter(|&f| f <= u64::from(u32::MAX))
        .ok_or_else(|| malformed("`redflag_signed_pack` must be a format number".into()))?;
    Ok(Envelope {
        redflag_signed_pack: format as u32,
        expires: text_field("expires")?,
        pack: text_field("pack")?,
        signature: text_field("signature")?,
    })
}

/// The pack text inside a signed pack, or `None` if `text` is not a signed
/// pack's envelope. Nothing is verified: call [`verify_signed_pack`] first.
///
/// ```
/// assert_eq!(redflag::signing::signed_pack_text("not an envelope"), None);
/// ```
pub fn signed_pack_text(text: &str) -> Option<String> {
    envelope(text).ok().map(|e| e.pack)
}

/// Parses a semantic version (`1.4.0`, `2.0.0-rc.1`, `1.0.0+build.5`; no
/// `v` prefix, no leading zeros, each number at most 2^64 - 1).
fn parse_version(v: &str) -> Result<semver::Version, Error> {
    semver::Version::parse(v).map_err(|e| {
        Error::Signature(format!(
            "version `{v}` is not a semantic version like 1.4.0 or 2.0.0-rc.1: {e}"
        ))
    })
}

/// Checks that a version is a semantic version (what [`compare_versions`]
/// and [`TrustPolicy::last_version`] need).
pub fn check_version(v: &str) -> Result<(), Error> {
    parse_version(v).map(|_| ())
}

/// Compares two semantic versions by precedence: `1.10.0` > `1.9.3`, a
/// pre-release is older than its release (`1.3.0-rc.1` < `1.3.0`), and
/// build metadata is ignored. Either not being a semantic version is an
/// error.
///
/// ```
/// use std::cmp::Ordering::*;
/// use redflag::signing::compare_versions;
/// assert_eq!(compare_versions("1.10.0", "1.9.3").unwrap(), Greater);
/// assert_eq!(compare_versions("2.0.0-beta", "2.0.0").unwrap(), Less);
/// assert!(compare_versions("v1.0.0", "1.0.0").is_err());
/// ```
pub fn compare_versions(a: &str, b: &str) -> Result<std::cmp::Ordering, Error> {
    Ok(parse_version(a)?.cmp_precedence(&parse_version(b)?))
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (or a date `YYYY-MM-DD`, midnight UTC)
/// to Unix seconds. The date must exist (`2027-02-30` does not) and be in
/// 1970 or later; leap seconds are not accepted.
pub fn parse_utc(s: &str) -> Result<u64, Error> {
    let bad = || Error::Signature(format!("`{s}` is not a UTC time like 2027-06-01T00:00:00Z"));
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<u64, Error> {
        s.get(r)
            .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(bad)
    };
    let date_only = b.len() == 10;
    if !date_only
        && (b.len() != 20 || b[10] != b'T' || b[19] != b'Z' || b[13] != b':' || b[16] != b':')
    {
        return Err(bad());
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = if date_only {
        (0, 0, 0)
    } else {
        (num(11..13)?, num(14..16)?, num(17..19)?)
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&m)
        || !(1..=month_days).contains(&d)
        || hh > 23
        || mm > 59
        || ss > 59
        || y < 1970
    {
        return Err(bad());
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = (y as i64, m as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Ok(days as u64 * 86400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_utc("2000-03-01T00:00:00Z").unwrap(), 951868800);
        assert_eq!(parse_utc("2026-11-28T12:30:05Z").unwrap(), 1795869005);
        assert_eq!(parse_utc("2027-01-01").unwrap(), 1798761600);
        for bad in [
            "2027-13-01T00:00:00Z",
            "2027-01-01 00:00:00",
            "tomorrow",
            "2027-01-01T00:00:00+01:00",
            "",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }

    /// Even a weak key that got into a policy by another path cannot accept
    /// the identity signature: verification is strict.
    #[test]
    fn strict_verification_refuses_a_small_order_forgery() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let policy = TrustPolicy {
            keys: vec![VerifyingKey::from_bytes(&identity).unwrap()],
            now: 0,
            last_versions: HashMap::new(),
        };
        let mut sig = [0u8; 64];
        sig[0] = 1;
        let pack = r#"{"schema": 1, "pack": {"id": "p", "version": "1.0.0"}}"#;
        let forged =
            serde_json::json!({"redflag_signed_pack": 1, "expires": "2040-01-01T00:00:00Z",
            "pack": pack, "signature": B64.encode(sig)})
            .to_string();
        let e = verify_signed_pack(&forged, &policy)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not match"), "{e}");
    }

    #[test]
    fn versions_compare_by_semver_precedence() {
        use std::cmp::Ordering::*;
        let cmp = |a, b| compare_versions(a, b).unwrap();
        assert_eq!(cmp("1.10.0", "1.9.3"), Greater);
        assert_eq!(cmp("0.1.0", "0.1.0"), Equal);
        assert_eq!(cmp("1.3.0-rc.1", "1.3.0"), Less);
        assert_eq!(cmp("1.3.0-rc.2", "1.3.0-rc.10"), Less);
        assert_eq!(cmp("2.0.0-beta", "2.0.0-alpha"), Greater);
        assert_eq!(cmp("1.3.0+build.7", "1.3.0"), Equal);
        for bad in [
            "v1.0.0",
            "not.a.version",
            "0.1",
            "2024-05",
            "01.0.0",
            "18446744073709551616.0.0",
            "",
        ] {
            assert!(compare_versions(bad, "1.0.0").is_err(), "{bad}");
            assert!(compare_versions("1.0.0", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_real_calendar_dates() {
        assert!(parse_utc("2028-02-29").is_ok());
        assert!(parse_utc("2000-02-29").is_ok());
        for bad in [
            "2027-02-29",
            "2027-02-30",
            "2100-02-29",
            "2027-04-31",
            "2027-06-31T00:00:00Z",
            "2027-01-01T23:59:60Z",
            "2027-00-10",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }
}
