#![cfg(not(target_arch = "wasm32"))]
//! Signed packs: every refusal, in the library (the CLI's side is in
//! `cli/tests/signing.rs`).

use redflag::signing::{
    parse_secret_key, public_key_of, sign_pack, verify_signed_pack, TrustPolicy,
};
use redflag::Error;

const SECRET: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="; // bytes 1..=32, test only
const OTHER: &str = "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICA=";
const NOW: u64 = 1_795_000_000; // 2026-11-18
const PACK: &str = r#"{"schema": 1, "pack": {"id": "site", "version": "1.4.0"},
  "rule": [{"id": "site.r", "title": "R", "category": "c", "score": 3, "match": {"any": ["alpha"]}}]}"#;

fn signed(pack: &str, expires: &str) -> String {
    sign_pack(pack, expires, &parse_secret_key(SECRET).unwrap()).unwrap()
}

fn policy() -> TrustPolicy {
    TrustPolicy::new(&[public_key_of(&parse_secret_key(SECRET).unwrap())], NOW).unwrap()
}

fn refused(text: &str, policy: &TrustPolicy, needle: &str) {
    match verify_signed_pack(text, policy) {
        Err(Error::Signature(m)) => assert!(m.contains(needle), "{m}"),
        other => panic!("expected a refusal containing {needle:?}, got {other:?}"),
    }
}

#[test]
fn a_signed_pack_verifies_and_loads() {
    let s = signed(PACK, "2027-01-01T00:00:00Z");
    let pack = verify_signed_pack(&s, &policy()).unwrap();
    assert_eq!((pack.id(), pack.pack.version.as_str()), ("site", "1.4.0"));
    let engine = redflag::Engine::builder().pack(pack).build().unwrap();
    let v = engine
        .screen(&redflag::Submission::new().field("body", "alpha"))
        .unwrap();
    assert_eq!(v.score, 3.0);
}

#[test]
fn unsigned_packs_are_refused() {
    refused(PACK, &policy(), "not signed");
}

#[test]
fn tampered_packs_are_refused() {
    let s = signed(PACK, "2027-01-01T00:00:00Z");
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    // The score changed inside the pack text.
    let mut t = v.clone();
    t["pack"] = serde_json::Value::String(
        v["pack"]
            .as_str()
            .unwrap()
            .replace("\"score\": 3", "\"score\": 0"),
    );
    refused(&t.to_string(), &policy(), "does not match");
    // The expiry pushed back.
    let mut t = v.clone();
    t["expires"] = "2099-01-01T00:00:00Z".into();
    refused(&t.to_string(), &policy(), "does not match");
    // A signature from another key.
    let other = sign_pack(
        PACK,
        "2027-01-01T00:00:00Z",
        &parse_secret_key(OTHER).unwrap(),
    )
    .unwrap();
    refused(&other, &policy(), "untrusted key");
    // Garbage in the signature.
    let mut t = v.clone();
    t["signature"] = "not base64!".into();
    refused(&t.to_string(), &policy(), "not base64");
    let mut t = v;
    t["extra"] = 1.into();
    refused(&t.to_string(), &policy(), "malformed signed pack");
}

#[test]
fn expired_packs_are_refused() {
    let s = signed(PACK, "2026-11-01T00:00:00Z");
    refused(&s, &policy(), "expired on 2026-11-01T00:00:00Z");
}

#[test]
fn downgrades_are_refused_and_upgrades_accepted() {
    let s = signed(PACK, "2027-01-01T00:00:00Z");
    refused(
        &s,
        &policy().last_version("site", "1.10.0"),
        "downgrade refused",
    );
    assert!(verify_signed_pack(&s, &policy().last_version("site", "1.4.0")).is_ok());
    assert!(verify_signed_pack(&s, &policy().last_version("site", "1.3.9")).is_ok());
    // Another pack's history does not matter.
    assert!(verify_signed_pack(&s, &policy().last_version("other", "9.0.0")).is_ok());
}

fn with_version(v: &str) -> String {
    PACK.replace("1.4.0", v)
}

/// Issue #20, item 5: versions were compared part by part as text, so a
/// release candidate passed for its release, `2.0.0-beta` passed after
/// `2.0.0`, and a minimum that was not a version refused nothing.
#[test]
fn versions_are_semver_and_a_pre_release_is_older_than_its_release() {
    let rc = signed(&with_version("1.3.0-rc.1"), "2027-01-01T00:00:00Z");
    refused(
        &rc,
        &policy().last_version("site", "1.3.0"),
        "downgrade refused",
    );
    assert!(verify_signed_pack(&rc, &policy().last_version("site", "1.3.0-beta.2")).is_ok());
    let beta = signed(&with_version("2.0.0-beta"), "2027-01-01T00:00:00Z");
    refused(
        &beta,
        &policy().last_version("site", "2.0.0"),
        "downgrade refused",
    );
    // Build metadata does not order versions.
    let build = signed(&with_version("1.4.0+b7"), "2027-01-01T00:00:00Z");
    assert!(verify_signed_pack(&build, &policy().last_version("site", "1.4.0")).is_ok());
    // A last version that is not a semantic version refuses every version:
    // a downgrade cannot be ruled out.
    let s = signed(PACK, "2027-01-01T00:00:00Z");
    for bad in ["v1.0.0", "not.a.version", "99999999999999999999.0.0", "1.0"] {
        refused(
            &s,
            &policy().last_version("site", bad),
            "not a semantic version",
        );
    }
    // A pack signed with a version that is not semver (by an older release,
    // which did not check) cannot pass a minimum: `v1.0.0` and a number
    // past u64 passed `99.0.0` when compared as text.
    for bad in ["v1.0.0", "not.a.version", "99999999999999999999.0.0"] {
        let pack = with_version(bad);
        let expires = "2027-01-01T00:00:00Z";
        let mut msg = b"redflag-signed-pack/1\0".to_vec();
        msg.extend_from_slice(expires.as_bytes());
        msg.push(0);
        msg.extend_from_slice(pack.as_bytes());
        use ed25519_dalek::Signer;
        let sig = parse_secret_key(SECRET).unwrap().sign(&msg);
        let env = serde_json::json!({"redflag_signed_pack": 1, "expires": expires, "pack": pack,
            "signature": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig.to_bytes())})
        .to_string();
        assert!(
            verify_signed_pack(&env, &policy()).is_ok(),
            "{bad}: no minimum, no check"
        );
        refused(
            &env,
            &policy().last_version("site", "99.0.0"),
            "not a semantic version",
        );
    }
    // Signing needs a semantic version, so that the check can be made.
    let key = parse_secret_key(SECRET).unwrap();
    for bad in [
        "v1.0.0",
        "not.a.version",
        "99999999999999999999.0.0",
        "1",
        "1.4",
    ] {
        match sign_pack(&with_version(bad), "2027-01-01T00:00:00Z", &key) {
            Err(Error::Signature(m)) => assert!(m.contains("not a semantic version"), "{m}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn bad_keys_and_signing_inputs_are_errors() {
    assert!(TrustPolicy::new(&[], NOW).is_err());
    assert!(TrustPolicy::new(&["short".into()], NOW).is_err());
    let key = parse_secret_key(SECRET).unwrap();
    assert!(sign_pack("{not json", "2027-01-01T00:00:00Z", &key).is_err());
    assert!(sign_pack(PACK, "next year", &key).is_err());
    // Dates that do not exist (issue #20, item 5).
    for bad in [
        "2027-02-30T00:00:00Z",
        "2027-02-29T00:00:00Z",
        "2027-04-31T00:00:00Z",
    ] {
        assert!(sign_pack(PACK, bad, &key).is_err(), "{bad}");
    }
}

/// Issue #20, item 6: the identity point is a valid ed25519 encoding of a
/// public key of small order. With it, the signature (R = identity, s = 0)
/// passed plain verification for any message, so trusting that key let
/// anyone sign any pack.
#[test]
fn weak_public_keys_are_refused_so_a_forged_identity_signature_cannot_pass() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak = b64.encode(identity);
    let mut sig = [0u8; 64];
    sig[0] = 1;
    let forged = serde_json::json!({
        "redflag_signed_pack": 1,
        "expires": "2027-01-01T00:00:00Z",
        "pack": PACK,
        "signature": b64.encode(sig),
    })
    .to_string();
    match TrustPolicy::new(std::slice::from_ref(&weak), NOW) {
        Err(Error::Signature(m)) => assert!(m.contains("weak public key"), "{m}"),
        Ok(p) => panic!(
            "a weak key was trusted; the forged pack gives {:?}",
            verify_signed_pack(&forged, &p).map(|p| p.id().to_string())
        ),
        Err(e) => panic!("{e}"),
    }
    // Next to a good key it is refused too, not skipped.
    let good = public_key_of(&parse_secret_key(SECRET).unwrap());
    assert!(TrustPolicy::new(&[good, weak.clone()], NOW).is_err());
}

// ------------------------------------------------------------ hash lists

use redflag::images::{sign_hash_list, verify_signed_hash_list, HashListPack};

fn hash_list(version: &str, policy: &str) -> String {
    format!(
        r#"{{"redflag_hash_list": 1, "id": "known-pictures", "version": "{version}",
  "policy": "{policy}", "reason": "Pictures from ads confirmed as exploitation (case 12)",
  "hashes": [{{"pdq": "{}", "label": "case-12 photo 1", "quality": 100}},
             {{"pdq": "{}"}}]}}"#,
        "f0".repeat(32),
        "0f".repeat(32)
    )
}

fn signed_list(text: &str, expires: &str) -> String {
    sign_hash_list(text, expires, &parse_secret_key(SECRET).unwrap()).unwrap()
}

fn list_refused(text: &str, policy: &TrustPolicy, needle: &str) {
    match verify_signed_hash_list(text, policy) {
        Err(e) => assert!(e.to_string().contains(needle), "{e}"),
        Ok(_) => panic!("expected a refusal containing {needle:?}"),
    }
}

#[test]
fn hash_lists_are_signed_and_verified_like_packs() {
    let s = signed_list(&hash_list("1.2.0", "block"), "2027-01-01T00:00:00Z");
    let l = verify_signed_hash_list(&s, &policy()).unwrap();
    assert_eq!(
        (l.id.as_str(), l.version.as_str()),
        ("known-pictures", "1.2.0")
    );
    assert_eq!(l.policy, redflag::Tier::Block);
    assert_eq!(l.list.len(), 2);
    // The same envelope as a rule pack: the pack helpers read it.
    assert!(redflag::signing::is_signed_pack(&s));
    // Unsigned, tampered, untrusted, expired and downgraded: refused with
    // the rule packs' own messages.
    list_refused(&hash_list("1.2.0", "block"), &policy(), "not signed");
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    let mut t = v.clone();
    t["pack"] = v["pack"]
        .as_str()
        .unwrap()
        .replace("\"block\"", "\"review\"")
        .into();
    list_refused(&t.to_string(), &policy(), "does not match");
    let other = TrustPolicy::new(&[public_key_of(&parse_secret_key(OTHER).unwrap())], NOW).unwrap();
    list_refused(&s, &other, "does not match");
    let old = signed_list(&hash_list("1.2.0", "block"), "2026-01-01T00:00:00Z");
    list_refused(&old, &policy(), "expired");
    list_refused(
        &s,
        &policy().last_version("known-pictures", "1.3.0"),
        "downgrade refused",
    );
    assert!(verify_signed_hash_list(&s, &policy().last_version("known-pictures", "1.2.0")).is_ok());
}

#[test]
fn a_signed_rule_pack_is_not_a_hash_list_and_a_hash_list_is_not_a_rule_pack() {
    let pack = signed(PACK, "2027-01-01T00:00:00Z");
    list_refused(&pack, &policy(), "missing `redflag_hash_list`");
    let list = signed_list(&hash_list("1.0.0", "review"), "2027-01-01T00:00:00Z");
    match verify_signed_pack(&list, &policy()) {
        Err(Error::Pack(p)) => assert!(p[0].message.contains("unknown key"), "{p:?}"),
        other => panic!("a hash list was read as a rule pack: {other:?}"),
    }
}

#[test]
fn hash_lists_that_cannot_be_read_are_errors_naming_the_problem() {
    let base = hash_list("1.0.0", "block");
    let cases = [
        (
            base.replace("\"block\"", "\"allow\""),
            "`policy` must be `block` or `review`",
        ),
        (base.replace("1.0.0", "1.0"), "not a semantic version"),
        (base.replace("known-pictures", "known pictures"), "`id`"),
        (
            base.replace(&"0f".repeat(32), &"0g".repeat(32)),
            "hashes[1]: invalid PDQ hash",
        ),
        (base.replace("(case 12)", "\\n(case 12)"), "one line"),
        (
            base.replace("\"quality\": 100", "\"quality\": 101"),
            "hashes[0]: `quality`",
        ),
        (
            base.replace("\"policy\"", "\"threshold\": 64, \"policy\""),
            "`threshold` must be",
        ),
        (
            base.replace("\"policy\"", "\"colour\": 1, \"policy\""),
            "unknown key `colour`",
        ),
        (
            base.replace("Pictures from ads confirmed as exploitation (case 12)", " "),
            "`reason`",
        ),
    ];
    for (text, needle) in cases {
        let e = HashListPack::from_json(&text).unwrap_err().to_string();
        assert!(e.contains(needle), "{needle}: {e}");
        // Nothing unreadable is signed either.
        assert!(sign_hash_list(
            &text,
            "2027-01-01T00:00:00Z",
            &parse_secret_key(SECRET).unwrap()
        )
        .is_err());
    }
    let with_threshold = base.replace("\"policy\"", "\"threshold\": 20, \"policy\"");
    assert_eq!(
        HashListPack::from_json(&with_threshold).unwrap().threshold,
        Some(20)
    );
}
