//! Signed packs through the CLI: keygen, sign, verify, and scanning with
//! trusted public keys; the library's refusals are in `tests/signing.rs`.

use std::process::Command;

use base64::Engine as _;

const PACK: &str = r#"{"schema": 1, "pack": {"id": "site", "version": "1.4.0"},
  "rule": [{"id": "site.r", "title": "R", "category": "c", "score": 3, "match": {"any": ["alpha"]}}]}"#;

fn with_version(v: &str) -> String {
    PACK.replace("1.4.0", v)
}

/// A weak public key (the identity point) is a configuration error in the
/// CLI too (exit 2), so a signature forged for it never verifies.
#[test]
fn cli_refuses_a_weak_public_key() {
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
    let dir = std::env::temp_dir().join(format!("redflag-weak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("forged.json");
    std::fs::write(&file, &forged).unwrap();
    let out = bin()
        .arg("verify")
        .arg(&file)
        .args(["--public-key", &weak])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("weak public key"));
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redflag"))
}

#[test]
fn cli_keygen_sign_verify_and_scan_with_a_public_key() {
    let dir = std::env::temp_dir().join(format!("redflag-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("secret.key");
    let _ = std::fs::remove_file(&key);
    let out = bin().args(["keygen", "-o"]).arg(&key).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(public.len(), 44);
    // Never overwrites a key.
    assert!(!bin()
        .args(["keygen", "-o"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let pack = dir.join("site.json");
    std::fs::write(&pack, PACK).unwrap();
    let signed = dir.join("site.signed.json");
    let out = bin()
        .args(["sign"])
        .arg(&pack)
        .arg("--key")
        .arg(&key)
        .args(["--expires", "2099-01-01", "-o"])
        .arg(&signed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = |extra: &[&str], file: &std::path::Path| {
        bin()
            .arg("verify")
            .arg(file)
            .args(["--public-key", &public])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = verify(&[], &signed);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ok: site 1.4.0"));
    let old = verify(&["--min-version", "2.0.0"], &signed);
    assert_eq!(old.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&old.stdout).contains("downgrade refused"));
    // A minimum that is not a semantic version is a usage error (it passed
    // `--min-version 99.0.0`-style checks before); a release candidate is
    // older than its release.
    for bad in ["v1.0.0", "not.a.version", "99999999999999999999.0.0"] {
        let out = verify(&["--min-version", bad], &signed);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a semantic version"));
    }
    let sign = |pack: &std::path::Path, expires: &str| {
        bin()
            .arg("sign")
            .arg(pack)
            .arg("--key")
            .arg(&key)
            .args(["--expires", expires])
            .output()
            .unwrap()
    };
    let rc_pack = dir.join("site-rc.json");
    std::fs::write(&rc_pack, with_version("1.3.0-rc.1")).unwrap();
    let rc = dir.join("site-rc.signed.json");
    std::fs::write(&rc, sign(&rc_pack, "2099-01-01").stdout).unwrap();
    let out = verify(&["--min-version", "1.3.0"], &rc);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("downgrade refused"));
    assert_eq!(
        verify(&["--min-version", "1.2.9"], &rc).status.code(),
        Some(0)
    );
    // `sign` refuses versions that are not semantic versions, dates that do
    // not exist and dates in the past.
    let bad_pack = dir.join("site-bad.json");
    std::fs::write(&bad_pack, with_version("not.a.version")).unwrap();
    let out = sign(&bad_pack, "2099-01-01");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a semantic version"));
    for (expires, why) in [
        ("2027-02-30", "is not a UTC time"),
        ("2020-01-01", "not in the future"),
    ] {
        let out = sign(&pack, expires);
        assert_eq!(out.status.code(), Some(2), "{expires}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{expires}: {err}");
    }
    let unsigned = verify(&[], &pack);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unsigned.stdout).contains("not signed"));

    // scan --public-key: signed packs load, unsigned ones are refused.
    let scan = |p: &std::path::Path| {
        let mut c = bin();
        c.args(["scan", "--no-default-packs", "--pack"])
            .arg(p)
            .args(["--public-key", &public])
            .stdin(std::process::Stdio::null());
        c.output().unwrap()
    };
    assert_eq!(scan(&signed).status.code(), Some(0));
    let refused = scan(&pack);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("signed pack refused"));
}
