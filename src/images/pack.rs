//! Hash-list packs: a hash list with what a deployment does on a match,
//! signed like rule packs.
//!
//! A platform delivers hash lists to its edge workers the way it delivers
//! rule packs, and anyone who can swap a list can switch the check off or
//! block every upload. So a list travels as a signed pack: the same
//! envelope, the same ed25519 keys, the same expiry and the same downgrade
//! protection as rule packs ([`crate::signing`]; its `verify_envelope` is
//! the one verification of both). Inside the envelope is JSON:
//!
//! ```json
//! { "redflag_hash_list": 1,
//!   "id": "known-pictures",
//!   "version": "1.4.0",
//!   "policy": "block",
//!   "reason": "Pictures from ads confirmed as exploitation (case 12)",
//!   "threshold": 31,
//!   "hashes": [ { "pdq": "f8f8f0ce…9b22", "label": "case-12 photo 1", "quality": 100 } ] }
//! ```
//!
//! A rule pack cannot be read as a hash list nor a hash list as a rule
//! pack: each parser refuses the other's keys.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::signing::{self, TrustPolicy};
use crate::tier::Tier;

use super::{HashList, PdqHash};

/// The highest match threshold a hash-list pack (or a deployment) may set:
/// 63 bits of 256. Unrelated pictures are about 128 bits apart; PDQ's
/// authors recommend 31.
///
/// ```
/// assert_eq!(redflag::images::MAX_THRESHOLD, 63);
/// ```
pub const MAX_THRESHOLD: u32 = 63;

/// Longest `reason`, in characters.
const MAX_REASON: usize = 300;
/// Longest entry `label`, in characters.
const MAX_LABEL: usize = 200;
/// Most entries in one list.
const MAX_ENTRIES: usize = 1_000_000;

/// A hash list with its identity and policy: what a signed hash-list pack
/// carries.
///
/// ```
/// use redflag::images::HashListPack;
/// use redflag::Tier;
/// let text = format!(r#"{{"redflag_hash_list": 1, "id": "known", "version": "1.0.0",
///     "policy": "review", "reason": "Seen in ads under investigation",
///     "hashes": [{{"pdq": "{}", "label": "case 4"}}]}}"#, "ab".repeat(32));
/// let p = HashListPack::from_json(&text).unwrap();
/// assert_eq!((p.id.as_str(), p.policy, p.threshold, p.list.len()), ("known", Tier::Review, None, 1));
/// // A rule pack is not a hash list.
/// assert!(HashListPack::from_json(r#"{"schema": 1, "pack": {"id": "x", "version": "1.0.0"}}"#).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct HashListPack {
    /// The list's id (letters, digits, `.`, `_`, `-`; at most 64): what
    /// downgrade protection keys on, in one namespace with rule packs' ids.
    pub id: String,
    /// A semantic version (`1.4.0`): a list older than the last one
    /// accepted is refused.
    pub version: String,
    /// What a match does: [`Tier::Block`] or [`Tier::Review`].
    pub policy: Tier,
    /// Why the list exists, for reviewers (never shown to posters).
    pub reason: String,
    /// The match threshold the list's authors chose (bits, at most
    /// [`MAX_THRESHOLD`]); `None`: the deployment's, by default
    /// [`super::DEFAULT_THRESHOLD`].
    pub threshold: Option<u32>,
    /// The hashes, each with its label.
    pub list: HashList,
}

fn bad(m: impl Into<String>) -> Error {
    Error::HashList(m.into())
}

fn string(m: &Map<String, Value>, key: &str) -> Result<String, Error> {
    match m.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad(format!("`{key}` must be a string"))),
        None => Err(bad(format!("missing `{key}`"))),
    }
}

/// A one-line text without control characters, of at most `max` characters.
fn line(s: &str, what: &str, max: usize) -> Result<(), Error> {
    if s.chars().any(char::is_control) {
        return Err(bad(format!(
            "{what} must be one line without control characters"
        )));
    }
    if s.chars().count() > max {
        return Err(bad(format!("{what} is longer than {max} characters")));
    }
    Ok(())
}

impl HashListPack {
    /// Reads a hash-list pack's JSON text (not signed: see
    /// [`verify_signed_hash_list`]). Every key is checked: an unknown key,
    /// a hash that is not 64 hex digits, a policy other than `block` or
    /// `review`, an empty or multi-line reason (at most 300 characters), a
    /// label over 200 characters, a threshold over [`MAX_THRESHOLD`], or
    /// more than 1,000,000 entries is an error naming it.
    pub fn from_json(text: &str) -> Result<HashListPack, Error> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let Value::Object(m) = v else {
            return Err(bad("a hash list is a JSON object"));
        };
        const KEYS: [&str; 7] = [
            "redflag_hash_list",
            "id",
            "version",
            "policy",
            "reason",
            "threshold",
            "hashes",
        ];
        match m.get("redflag_hash_list") {
            Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
            Some(_) => return Err(bad("`redflag_hash_list` must be 1 (the format's version)")),
            None => {
                return Err(bad(
                    "missing `redflag_hash_list` (a rule pack is not a hash list)",
                ))
            }
        }
        if let Some(k) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(bad(format!(
                "unknown key `{k}`; expected one of {}",
                KEYS.map(|k| format!("`{k}`")).join(", ")
            )));
        }
        let id = string(&m, "id")?;
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(bad(format!(
                "`id` {id:?} must be 1 to 64 letters, digits, `.`, `_` or `-`"
            )));
        }
        let version = string(&m, "version")?;
        signing::check_version(&version).map_err(|e| bad(format!("list `{id}`: {e}")))?;
        let policy = match string(&m, "policy")?.as_str() {
            "block" => Tier::Block,
            "review" => Tier::Review,
            other => {
                return Err(bad(format!(
                    "`policy` must be `block` or `review`, not {other:?}"
                )))
            }
        };
        let reason = string(&m, "reason")?;
        if reason.trim().is_empty() {
            return Err(bad("`reason` must say why the list exists, for reviewers"));
        }
        line(&reason, "`reason`", MAX_REASON)?;
        let threshold = match m.get("threshold") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(t) if t <= u64::from(MAX_THRESHOLD) => Some(t as u32),
                _ => {
                    return Err(bad(format!(
                        "`threshold` must be a whole number of bits from 0 to {MAX_THRESHOLD}"
                    )))
                }
            },
            Some(_) => return Err(bad("`threshold` must be a number")),
        };
        let Some(Value::Array(entries)) = m.get("hashes") else {
            return Err(bad("`hashes` must be an array of {\"pdq\", \"label\"}"));
        };
        if entries.len() > MAX_ENTRIES {
            return Err(bad(format!(
                "{} entries; at most {MAX_ENTRIES} in one list",
                entries.len()
            )));
        }
        let mut list = HashList::new();
        for (i, e) in entries.iter().enumerate() {
            let at = |m: &str| bad(format!("hashes[{i}]: {m}"));
            let Value::Object(e) = e else {
                return Err(at("must be an object {\"pdq\", \"label\"}"));
            };
            if let Some(k) = e
                .keys()
                .find(|k| !["pdq", "label", "quality"].contains(&k.as_str()))
            {
                return Err(at(&format!(
                    "unknown key `{k}`; expected `pdq`, `label`, `quality`"
                )));
            }
            let hash: PdqHash = match e.get("pdq") {
                Some(Value::String(s)) => s.parse().map_err(|x| at(&format!("{x}")))?,
                _ => return Err(at("`pdq` must be 64 hex digits")),
            };
            let label = match e.get("label") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => return Err(at("`label` must be a string")),
            };
            line(&label, &format!("hashes[{i}].label"), MAX_LABEL)?;
            match e.get("quality") {
                None | Some(Value::Null) => {}
                Some(Value::Number(n)) if n.as_u64().is_some_and(|q| q <= 100) => {}
                Some(_) => return Err(at("`quality` must be a whole number from 0 to 100")),
            }
            list.push(hash, &label);
        }
        Ok(HashListPack {
            id,
            version,
            policy,
            reason,
            threshold,
            list,
        })
    }
}

/// Signs a hash-list pack's JSON text, valid until `expires` (RFC 3339
/// UTC), with the envelope and keys of signed rule packs. The text must be
/// a valid hash-list pack ([`HashListPack::from_json`]).
///
/// ```
/// use redflag::images::{sign_hash_list, verify_signed_hash_list};
/// use redflag::signing::{parse_secret_key, public_key_of, TrustPolicy};
///
/// let secret = parse_secret_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").unwrap();
/// let list = format!(r#"{{"redflag_hash_list": 1, "id": "known", "version": "2.0.0",
///     "policy": "block", "reason": "Confirmed exploitation pictures",
///     "hashes": [{{"pdq": "{}"}}]}}"#, "0f".repeat(32));
/// let signed = sign_hash_list(&list, "2040-01-01T00:00:00Z", &secret).unwrap();
///
/// let policy = TrustPolicy::new(&[public_key_of(&secret)], 1_900_000_000).unwrap();
/// assert_eq!(verify_signed_hash_list(&signed, &policy).unwrap().version, "2.0.0");
/// // Downgrade protection, as for rule packs.
/// let newer = policy.clone().last_version("known", "3.0.0");
/// assert!(verify_signed_hash_list(&signed, &newer).unwrap_err().to_string().contains("downgrade refused"));
/// // One changed byte and it is refused.
/// assert!(verify_signed_hash_list(&signed.replace("block", "review"), &policy).is_err());
/// ```
pub fn sign_hash_list(
    list_json: &str,
    expires: &str,
    secret: &ed25519_dalek::SigningKey,
) -> Result<String, Error> {
    HashListPack::from_json(list_json)?;
    signing::sign_envelope(list_json, expires, secret)
}

/// Verifies a signed hash-list pack exactly as [`signing::verify_signed_pack`]
/// verifies a rule pack (the same code: signature by a trusted key, not
/// expired, not older than the policy's last accepted version of its id),
/// then reads the list. A signed rule pack is refused here.
pub fn verify_signed_hash_list(text: &str, policy: &TrustPolicy) -> Result<HashListPack, Error> {
    signing::verify_envelope(text, policy, |content| {
        let p = HashListPack::from_json(content)?;
        let (id, version) = (p.id.clone(), p.version.clone());
        Ok((p, id, version))
    })
}
