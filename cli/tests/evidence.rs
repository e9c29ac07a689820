//! `redflag evidence`: seal → verify → open round trip, every byte of a
//! packet tampered in turn, wrong keys, missing members, retention.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use serde_json::Value;

const AD: &str = r#"{"section":"jobs","title":"Hostess wanted","body":"Young girls wanted, no papers needed, we hold your passport. Text +1 202 555 0147 or anna.x@example.com, telegram @annaxx"}"#;
const CONTACTS: [&str; 6] = [
    "+1 202 555 0147",
    "2025550147",
    "anna.x@example.com",
    "annaxx",
    "Young girls",
    "passport",
];

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redflag"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

struct Keys {
    dir: PathBuf,
    sign: PathBuf,
    sign_pub: String,
    legal_key: PathBuf,
    legal_pub: PathBuf,
}

fn keys(name: &str) -> Keys {
    let dir = std::env::temp_dir().join(format!("redflag-evidence-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sign = dir.join("sign.key");
    let out = bin().args(["keygen", "-o"]).arg(&sign).output().unwrap();
    assert!(out.status.success());
    let sign_pub = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let legal = dir.join("legal");
    let out = bin()
        .args(["evidence", "keygen", "--out"])
        .arg(&legal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let legal_pub = legal.join("evidence-recipient.pub");
    assert_eq!(
        printed.trim(),
        std::fs::read_to_string(&legal_pub).unwrap().trim()
    );
    Keys {
        sign_pub,
        sign,
        legal_key: legal.join("evidence-recipient.key"),
        legal_pub,
        dir,
    }
}

fn seal(k: &Keys, extra: &[&str]) -> Vec<u8> {
    let ad = k.dir.join("ad.json");
    std::fs::write(&ad, AD).unwrap();
    let out = bin()
        .args(["evidence", "seal"])
        .arg(&ad)
        .arg("--recipient")
        .arg(&k.legal_pub)
        .arg("--key")
        .arg(&k.sign)
        .args([
            "--url",
            "https://site.example/ads/new?draft=1",
            "--reviewer",
            "r-17",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn write(k: &Keys, name: &str, bytes: &[u8]) -> PathBuf {
    let p = k.dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn verify(p: &Path, key: &str) -> Output {
    bin()
        .args(["evidence", "verify"])
        .arg(p)
        .args(["--public-key", key])
        .output()
        .unwrap()
}

fn open(p: &Path, key: &Path) -> Output {
    bin()
        .args(["evidence", "open"])
        .arg(p)
        .arg("--key")
        .arg(key)
        .output()
        .unwrap()
}

#[test]
fn seal_verify_open_round_trip() {
    let k = keys("round");
    let packet = seal(&k, &[]);
    let text = String::from_utf8(packet.clone()).unwrap();
    // No raw contact value, nor the ad's text, outside the sealed part.
    for c in CONTACTS {
        assert!(!text.contains(c), "{c} in the packet's clear part");
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "redflag-evidence/2");
    assert_eq!(v["verdict"], "block");
    assert_eq!(v["url"], "https://site.example/ads/new");
    assert_eq!(v["reviewer"], "r-17");
    assert!(v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["rule"] == "core.jobs.documents-held"));
    assert!(v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "core"));
    let p = write(&k, "p.json", &packet);

    let out = verify(&p, &k.sign_pub);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("signed by trusted key"));

    let body = k.dir.join("body.bin");
    let out = bin()
        .args(["evidence", "open"])
        .arg(&p)
        .arg("--key")
        .arg(&k.legal_key)
        .args(["--public-key", &k.sign_pub, "--body"])
        .arg(&body)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&body).unwrap(), AD.as_bytes());
    let sub: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ad: Value = serde_json::from_str(AD).unwrap();
    for f in sub["fields"].as_array().unwrap() {
        assert_eq!(ad[f["name"].as_str().unwrap()], f["text"]);
    }
    let values: Vec<&str> = sub["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"+12025550147") && values.contains(&"anna.x@example.com"),
        "{values:?}"
    );
    assert_eq!(sub["url"], "https://site.example/ads/new?draft=1");

    // From stdin, with --json.
    let mut child = bin()
        .args([
            "evidence",
            "verify",
            "-",
            "--json",
            "--public-key",
            &k.sign_pub,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &packet).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["valid"], true);
    assert_eq!(r["trusted"], true);
    assert_eq!(r["file"], "-");
}

/// Each byte changed in turn (two ways: +1 and its low bit flipped) is
/// refused by `verify`, with a reason.
#[test]
fn any_changed_byte_is_refused() {
    let k = keys("tamper");
    let packet = seal(&k, &[]);
    // Many packets per run: `verify` reads them all, one line each.
    let mut files = Vec::new();
    for i in 0..packet.len() {
        for (j, b) in [packet[i].wrapping_add(1), packet[i] ^ 1]
            .into_iter()
            .enumerate()
        {
            if b == packet[i] {
                continue;
            }
            let mut t = packet.clone();
            t[i] = b;
            files.push(write(&k, &format!("t{i}-{j}.json"), &t));
        }
    }
    // A byte removed, a byte added at the end, a second packet appended.
    files.push(write(&k, "short.json", &packet[..packet.len() - 2]));
    files.push(write(&k, "long.json", &[&packet[..], b" "].concat()));
    files.push(write(
        &k,
        "twice.json",
        &[&packet[..], &packet[..]].concat(),
    ));
    for chunk in files.chunks(400) {
        let out = bin()
            .args(["evidence", "verify", "--json", "--public-key", &k.sign_pub])
            .args(chunk)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let lines: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), chunk.len());
        for l in lines {
            assert_eq!(l["valid"], false, "{l}");
            assert!(!l["error"].as_str().unwrap().is_empty());
        }
    }
    // The untouched packet still verifies (the loop above tested copies).
    assert_eq!(
        verify(&write(&k, "ok.json", &packet), &k.sign_pub)
            .status
            .code(),
        Some(0)
    );
}

/// A re-signed packet whose sealed part was swapped, or whose clear field
/// hashes were changed, verifies (the signer's word) but does not open.
#[test]
fn open_rechecks_the_sealed_submission() {
    let k = keys("open");
    let a = seal(&k, &[]);
    let p = write(&k, "a.json", &a);
    // Wrong private key: a second legal key pair.
    let other = k.dir.join("other");
    assert!(bin()
        .args(["evidence", "keygen", "--out"])
        .arg(&other)
        .output()
        .unwrap()
        .status
        .success());
    let out = open(&p, &other.join("evidence-recipient.key"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sealed to key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // An untrusted signer.
    let out = verify(&p, &B64.encode([7u8; 32]));
    assert_ne!(out.status.code(), Some(0));
    let (_, other_pub) = {
        let key = k.dir.join("sign2.key");
        let o = bin().args(["keygen", "-o"]).arg(&key).output().unwrap();
        (key, String::from_utf8(o.stdout).unwrap().trim().to_string())
    };
    let out = verify(&p, &other_pub);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not one of the --public-key keys"));
    // Tampered bytes never open either.
    let mut t = a.clone();
    let at = String::from_utf8_lossy(&a)
        .find("\"ciphertext\":\"")
        .unwrap()
        + 20;
    t[at] = if t[at] == b'A' { b'B' } else { b'A' };
    let out = open(&write(&k, "t.json", &t), &k.legal_key);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Members missing, re-formatted packets, unreadable files, usage errors.
#[test]
fn missing_members_and_usage() {
    let k = keys("members");
    let packet = seal(&k, &["--retain-days", "1"]);
    let v: Value = serde_json::from_slice(&packet).unwrap();
    for member in [
        "time",
        "retain_until",
        "signature",
        "sealed",
        "fields",
        "reference",
        "signer",
    ] {
        let mut m = v.clone();
        m.as_object_mut().unwrap().remove(member);
        let p = write(&k, &format!("no-{member}.json"), m.to_string().as_bytes());
        let out = verify(&p, &k.sign_pub);
        assert_eq!(out.status.code(), Some(1), "{member}");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains(&format!("`{member}` is missing")),
            "{member}: {said}"
        );
    }
    // Pretty-printed: the same members, other bytes: refused as not canonical.
    let p = write(
        &k,
        "pretty.json",
        serde_json::to_string_pretty(&v).unwrap().as_bytes(),
    );
    assert!(String::from_utf8_lossy(&verify(&p, &k.sign_pub).stdout).contains("canonical"));
    // Not JSON at all, and a missing file: refusals of that file.
    let p = write(&k, "junk.json", b"\x00\xffnot json");
    assert_eq!(verify(&p, &k.sign_pub).status.code(), Some(1));
    let out = run(&["evidence", "verify", "/nonexistent/packet.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("/nonexistent/packet.json"));
    // Usage errors: exit 2.
    assert_eq!(run(&["evidence", "verify"]).status.code(), Some(2));
    assert_eq!(
        run(&["evidence", "verify", "x.json", "--public-key", "nope"])
            .status
            .code(),
        Some(2)
    );
    let good = write(&k, "good.json", &packet);
    let out = bin()
        .args(["evidence", "open"])
        .arg(&good)
        .args(["--key", "c2hvcnQ="])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("32 bytes"));
    // Without --public-key: valid, and it says the signer was not checked.
    let out = run(&["evidence", "verify", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not checked against a trusted key"));
}
