//! Sealed reviewer decisions (`redflag-decisions/2`): labelled JSON Lines
//! written here, sealed with `redflag decisions seal` (each line on its
//! own, as the extension seals each decision when it is made;
//! www/test/extension-decisions.test.mjs checks that side), then read by
//! `eval`, `calibrate` and `report` with the team's private key: the same
//! figures and the same lines, byte for byte, as the clear lines, nothing in
//! the clear on disk; lines sealed to an earlier team key counted by key id
//! (and read when that key is given too); and a wrong key, a missing key,
//! an untrusted signer, any changed byte or a line that does not decrypt
//! refused with the file named. (`redflag-decisions/1` files, from the
//! extension before each decision was sealed on its own, are read too:
//! www/test/schema.test.mjs writes one with the JavaScript writer.)
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use serde_json::{json, Value};

/// The ads' contacts and texts: none may be in a sealed file's bytes.
const PHONE: &str = "2O2-555-O147";
const EMAIL: &str = "anna.x@example.com";

/// The site pack of the extension's decisions test: three job rules.
fn site_pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/test/fixtures/decisions-site-pack.json")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_redflag"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .env_remove("REDFLAG_DECISIONS_KEY_FILE")
        .output()
        .unwrap()
}

/// A run that was refused: its exit code, nothing on stdout, and why on stderr.
fn refused(out: &Output, code: i32, says: &str) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
    assert!(out.stdout.is_empty());
    assert!(stderr(out).contains(says), "{}", stderr(out));
}

/// Stdout of a run that must succeed.
fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

struct Setup {
    dir: PathBuf,
    clear: String,
    sealed: String,
    team_key: String,
    signer_pub: String,
    pack: String,
}

impl Setup {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }

    /// An edge counters file for `report`: 100 ads screened, 20 warned.
    fn counters(&self) -> String {
        let counters = self.path("counters.json");
        std::fs::write(
            &counters,
            json!({"since": "2026-12-01T00:00:00.000Z", "submissions": 100,
                "tiers": {"allow": 80, "warn": 20, "review": 0, "block": 0, "error": 0},
                "categories": {"fee": 20}, "errors": {}, "notes": {}})
            .to_string(),
        )
        .unwrap();
        counters
    }
}

/// `n` decisions as the extension writes them, contacts in the text:
/// confirmed ads that pay cash daily with housing and no papers, dismissed
/// ones that only pay cash daily.
fn labels(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let (decision, label, body) = if i % 2 == 0 {
            (
                "confirm",
                "flag",
                format!("Paid cash daily, accommodation provided, no papers needed. Call {PHONE} or {EMAIL}."),
            )
        } else {
            (
                "dismiss",
                "clean",
                format!("Kitchen porter {i}, paid cash daily."),
            )
        };
        let line = json!({
            "id": format!("D-{i}"), "label": label, "group": decision, "section": "jobs",
            "title": format!("Ad {i}"), "body": body,
            "review": {"decision": decision, "decided_at": format!("2026-12-03T14:{:02}:09.412Z", i),
                "listing_id": format!("D-{i}"), "verdict": {"tier": "warn", "score": 3, "rules": ["site.jobs.cash-daily"]},
                "packs": [{"id": "site", "version": "1.0.0"}], "tool": {"name": "redflag reviewer", "version": "0.1.0"}}
        });
        s.push_str(&line.to_string());
        s.push('\n');
    }
    s
}

/// Twenty decisions, sealed to the team's key by `redflag decisions seal`.
fn setup(name: &str) -> Setup {
    setup_with(name, 20)
}

fn setup_with(name: &str, n: usize) -> Setup {
    let dir = std::env::temp_dir().join(format!("redflag-decisions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    let signer_pub = ok(&run(&["keygen", "-o", &p("sign.key")]))
        .trim()
        .to_string();
    let printed = ok(&run(&["decisions", "keygen", "--out", &p("team")]));
    let team_pub = p("team/decisions-recipient.pub");
    assert_eq!(
        printed.trim(),
        std::fs::read_to_string(&team_pub).unwrap().trim()
    );
    std::fs::write(p("labels.jsonl"), labels(n)).unwrap();
    ok(&run(&[
        "decisions",
        "seal",
        &p("labels.jsonl"),
        "--recipient",
        &team_pub,
        "--key",
        &p("sign.key"),
        "--reviewer",
        "r-17",
        "-o",
        &p("sealed.json"),
    ]));
    Setup {
        clear: p("labels.jsonl"),
        sealed: p("sealed.json"),
        team_key: p("team/decisions-recipient.key"),
        pack: site_pack().to_str().unwrap().to_string(),
        signer_pub,
        dir,
    }
}

/// `redflag decisions open` of the sealed file with `key`, to `out`.
fn decisions_open(s: &Setup, key: &str, out: &str) -> Output {
    run(&["decisions", "open", &s.sealed, "--key", key, "-o", out])
}

fn eval(s: &Setup, labels: &str, extra: &[&str]) -> Output {
    eval_with_key_file(s, labels, extra, None)
}

/// `eval` on the site pack alone, with REDFLAG_DECISIONS_KEY_FILE set to `key_file` if given.
fn eval_with_key_file(s: &Setup, labels: &str, extra: &[&str], key_file: Option<&str>) -> Output {
    let mut cmd = bin();
    cmd.args([
        "eval",
        "--no-default-packs",
        "--pack",
        &s.pack,
        "--format",
        "json",
    ])
    .args(["--labels", labels])
    .args(extra)
    .env_remove("REDFLAG_DECISIONS_KEY_FILE");
    if let Some(k) = key_file {
        cmd.env("REDFLAG_DECISIONS_KEY_FILE", k);
    }
    cmd.output().unwrap()
}

#[test]
fn a_sealed_file_holds_no_ad_text_and_says_what_it_is() {
    let s = setup("clear");
    let bytes = std::fs::read(&s.sealed).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    for secret in [
        PHONE,
        EMAIL,
        "paid cash daily",
        "Kitchen porter",
        "D-1",
        "site.jobs.cash-daily",
    ] {
        assert!(!text.contains(secret), "{secret} in the sealed file");
    }
    assert!(text.ends_with('\n') && text.lines().count() == 1);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["format"], "redflag-decisions/2");
    assert_eq!(v["count"], 20);
    // One sealed part per decision, each to the team's key, nothing else in them.
    let team = key_id_of(&s.dir.join("team/decisions-recipient.pub"));
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 20);
    for r in records {
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ciphertext", "enc", "recipient", "suite"]);
        assert_eq!(r["recipient"], team.as_str());
    }
    assert_eq!(v["reviewer"], "r-17");
    assert_eq!(v["source"], "cli");
    let out = run(&["decisions", "verify", &s.sealed, "--signer", &s.signer_pub]);
    let said = ok(&out);
    assert!(
        said.contains("ok: 20 decisions exported ")
            && said.contains(&format!("sealed to key {team}, signed by trusted key")),
        "{said}"
    );
}

/// The id of the X25519 public key in a `.pub` file: the first 16 hex
/// digits of the SHA-256 of its 32 bytes.
fn key_id_of(pub_file: &Path) -> String {
    use sha2::Digest;
    let b = B64
        .decode(std::fs::read_to_string(pub_file).unwrap().trim())
        .unwrap();
    sha2::Sha256::digest(&b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect::<String>()[..16]
        .to_string()
}

/// Re-signs a decisions file's members with the signing key file, as the
/// extension signs an export (ed25519 over the format, a NUL byte and the
/// canonical JSON: serde_json writes these ASCII keys sorted and no
/// whitespace). For files put together here from other files' records.
fn resign(mut doc: Value, key_file: &str) -> String {
    let sk =
        redflag::signing::parse_secret_key(&std::fs::read_to_string(key_file).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("signature");
    let mut msg = format!("{}\0", doc["format"].as_str().unwrap()).into_bytes();
    msg.extend_from_slice(doc.to_string().as_bytes());
    doc["signature"] = json!(B64.encode(sk.sign(&msg).to_bytes()));
    format!("{doc}\n")
}

/// An export made after the team's key was changed: its first twelve
/// decisions sealed to the old key (`team`), the last eight to the new one
/// (`new-team`), as the extension bundles them.
fn key_changed(s: &Setup) -> String {
    let printed = ok(&run(&["decisions", "keygen", "--out", &s.path("new-team")]));
    assert!(!printed.trim().is_empty());
    let newer = s.path("new-sealed.json");
    ok(&run(&[
        "decisions",
        "seal",
        &s.clear,
        "--recipient",
        &s.path("new-team/decisions-recipient.pub"),
        "--key",
        &s.path("sign.key"),
        "--reviewer",
        "r-17",
        "-o",
        &newer,
    ]));
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.sealed).unwrap()).unwrap();
    let new_doc: Value = serde_json::from_str(&std::fs::read_to_string(&newer).unwrap()).unwrap();
    let mut records = doc["records"].as_array().unwrap()[..12].to_vec();
    records.extend_from_slice(&new_doc["records"].as_array().unwrap()[12..]);
    doc["records"] = Value::Array(records);
    let file = s.path("mixed.json");
    std::fs::write(&file, resign(doc, &s.path("sign.key"))).unwrap();
    file
}

/// The first `n` lines of the clear labels, as a file.
fn first_lines(s: &Setup, n: usize) -> String {
    let text = std::fs::read_to_string(&s.clear).unwrap();
    let part: String = text.split_inclusive('\n').take(n).collect();
    let file = s.path(&format!("first-{n}.jsonl"));
    std::fs::write(&file, part).unwrap();
    file
}

#[test]
fn decisions_sealed_to_an_earlier_key_are_counted_by_key_and_read_with_it() {
    let s = setup("rekey");
    let mixed = key_changed(&s);
    let (old_id, new_id) = (
        key_id_of(&s.dir.join("team/decisions-recipient.pub")),
        key_id_of(&s.dir.join("new-team/decisions-recipient.pub")),
    );
    let new_key = s.path("new-team/decisions-recipient.key");
    // verify (no key) says how many decisions each key opens.
    let said = ok(&run(&[
        "decisions",
        "verify",
        &mixed,
        "--signer",
        &s.signer_pub,
    ]));
    let (a, b) = if old_id < new_id {
        (format!("key {old_id} (12)"), format!("key {new_id} (8)"))
    } else {
        (format!("key {new_id} (8)"), format!("key {old_id} (12)"))
    };
    assert!(
        said.contains("ok: 20 decisions exported ")
            && said.contains(&format!("sealed to {a}, {b}, signed by trusted key")),
        "{said}"
    );
    // The new key alone: its eight, and the twelve counted with the old key's id.
    let out = eval(&s, &mixed, &["--key", &new_key]);
    let first12 = first_lines(&s, 12);
    let clear: String = std::fs::read_to_string(&s.clear)
        .unwrap()
        .split_inclusive('\n')
        .skip(12)
        .collect();
    let last8 = s.path("last-8.jsonl");
    std::fs::write(&last8, clear).unwrap();
    assert_eq!(ok(&out), ok(&eval(&s, &last8, &[])));
    let err = stderr(&out);
    assert!(
        err.contains("8 of 20 sealed decisions opened in memory"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: 12 of 20 decisions left out, sealed to a key not given (12 to key {old_id})"
        )) && err.contains("--key is repeatable"),
        "{err}"
    );
    // The old key alone: the other way round.
    let out = eval(&s, &mixed, &["--key", &s.team_key]);
    assert_eq!(ok(&out), ok(&eval(&s, &first12, &[])));
    assert!(
        stderr(&out).contains(&format!(
            "8 of 20 decisions left out, sealed to a key not given (8 to key {new_id})"
        )),
        "{}",
        stderr(&out)
    );
    // Both keys: every line, byte for byte the clear lines, and no warning.
    let both = ["--key", s.team_key.as_str(), "--key", new_key.as_str()];
    let out = eval(&s, &mixed, &both);
    assert_eq!(ok(&out), ok(&eval(&s, &s.clear, &[])));
    assert!(!stderr(&out).contains("left out"), "{}", stderr(&out));
    let opened = s.path("opened.jsonl");
    let mut args = vec!["decisions", "open", &mixed, "-o", &opened];
    args.extend_from_slice(&both);
    ok(&run(&args));
    assert_eq!(
        std::fs::read(&opened).unwrap(),
        std::fs::read(&s.clear).unwrap()
    );
    // `report` publishes counts: every decision must open, or it is refused.
    let counters = s.counters();
    let report = |decisions: &str, keys: &[&str]| {
        let mut args = vec!["report", "--counters", &counters, "--decisions", decisions];
        for k in keys {
            args.extend_from_slice(&["--key", k]);
        }
        run(&args)
    };
    let out = report(&mixed, &[&new_key]);
    refused(&out, 2, &format!("refused: 12 of 20 decisions are sealed to a key not given (12 to key {old_id}), and a report counts every decision"));
    assert_eq!(
        ok(&report(&mixed, &[&s.team_key, &new_key])),
        ok(&report(&s.clear, &[]))
    );
    // A third team's key opens none of them: refused, naming the keys needed.
    ok(&run(&["decisions", "keygen", "--out", &s.path("third")]));
    let out = eval(
        &s,
        &mixed,
        &["--key", &s.path("third/decisions-recipient.key")],
    );
    refused(&out, 2, "refused: the file's decisions are sealed to key ");
    assert!(
        stderr(&out).contains(&format!("{old_id} (12)"))
            && stderr(&out).contains(&format!("{new_id} (8)")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_line_that_does_not_decrypt_refuses_the_whole_file_even_when_signed() {
    let s = setup_with("corrupt", 4);
    // A changed ciphertext under a valid signature (the extension's key
    // signed what its storage held): not a decision left out, a refusal.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.sealed).unwrap()).unwrap();
    let ct = doc["records"][2]["ciphertext"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = B64.decode(&ct).unwrap();
    bytes[5] ^= 1;
    doc["records"][2]["ciphertext"] = json!(B64.encode(&bytes));
    let file = s.path("corrupt.json");
    std::fs::write(&file, resign(doc, &s.path("sign.key"))).unwrap();
    ok(&run(&[
        "decisions",
        "verify",
        &file,
        "--signer",
        &s.signer_pub,
    ]));
    let out = eval(&s, &file, &["--key", &s.team_key]);
    refused(&out, 2, "refused: `records[2]` does not decrypt with key");
    let out = run(&[
        "decisions",
        "open",
        &file,
        "--key",
        &s.team_key,
        "-o",
        &s.path("never.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!Path::new(&s.path("never.jsonl")).exists());
    // `count` must be the number of records.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.sealed).unwrap()).unwrap();
    doc["count"] = json!(3);
    std::fs::write(&file, resign(doc, &s.path("sign.key"))).unwrap();
    let said = run(&["decisions", "verify", &file]);
    assert_eq!(said.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&said.stdout)
            .contains("`count` says 3 decisions, `records` holds 4"),
        "{}",
        String::from_utf8_lossy(&said.stdout)
    );
}

#[test]
fn eval_and_calibrate_read_a_sealed_file_as_the_clear_lines() {
    let s = setup("same");
    let key = s.team_key.as_str();
    let clear = ok(&eval(&s, &s.clear, &[]));
    let out = eval(&s, &s.sealed, &["--key", key, "--signer", &s.signer_pub]);
    assert_eq!(ok(&out), clear, "the same figures from the sealed file");
    let err = stderr(&out);
    assert!(
        err.contains("20 sealed decisions opened in memory, signed by trusted key"),
        "{err}"
    );
    // The key from the environment, and the signer not checked: said so.
    let out = eval_with_key_file(&s, &s.sealed, &[], Some(key));
    assert_eq!(ok(&out), clear);
    assert!(stderr(&out).contains("not checked against a trusted key: give --signer"));

    // calibrate: the same pack and report from either file.
    let cal = |labels: &str, name: &str, extra: &[&str]| {
        let (out_pack, report) = (
            s.path(&format!("{name}.json")),
            s.path(&format!("{name}-report.json")),
        );
        let mut args = vec![
            "calibrate",
            "--no-default-packs",
            "--pack",
            &s.pack,
            "--labels",
            labels,
            "--out",
            &out_pack,
            "--report",
            &report,
        ];
        args.extend_from_slice(extra);
        let out = run(&args);
        let table = ok(&out);
        (
            std::fs::read_to_string(&out_pack).unwrap(),
            std::fs::read_to_string(&report).unwrap(),
            table,
        )
    };
    let a = cal(&s.clear, "from-clear", &[]);
    let b = cal(&s.sealed, "from-sealed", &["--key", key]);
    assert_eq!(a.0, b.0, "the same calibrated pack");
    assert_eq!(a.1, b.1, "the same calibration report");
    assert!(a.2.contains("site 1.0.0 → 1.0.1"), "{}", a.2);

    // Nothing in the clear was written beside the sealed file.
    for entry in std::fs::read_dir(&s.dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() && p != Path::new(&s.clear) {
            let bytes = std::fs::read(&p).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(PHONE) && !text.contains(EMAIL),
                "{}",
                p.display()
            );
        }
    }
}

#[test]
fn report_reads_a_sealed_file_as_the_clear_lines() {
    let s = setup("report");
    let counters = s.counters();
    let report = |decisions: &str, extra: &[&str]| {
        let mut args = vec!["report", "--counters", &counters, "--decisions", decisions];
        args.extend_from_slice(extra);
        run(&args)
    };
    let clear = ok(&report(&s.clear, &[]));
    let sealed = ok(&report(&s.sealed, &["--key", &s.team_key]));
    assert_eq!(sealed, clear);
    let v: Value = serde_json::from_str(&sealed).unwrap();
    assert_eq!(v["human"]["decisions"], 20);
    assert_eq!(v["human"]["confirm"], 10);
    // Without the key: refused, and it says what to give.
    let out = report(&s.sealed, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("--key"), "{}", stderr(&out));
}

#[test]
fn a_missing_or_wrong_key_or_an_untrusted_signer_is_refused() {
    let s = setup("keys");
    // No key: it says which key and how to give it.
    let out = eval(&s, &s.sealed, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("sealed decisions file")
            && err.contains("--key")
            && err.contains("REDFLAG_DECISIONS_KEY_FILE"),
        "{err}"
    );
    // REDFLAG_DECISIONS_KEY_FILE naming no file.
    let out = eval_with_key_file(&s, &s.sealed, &[], Some(&s.path("nowhere.key")));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such file"), "{}", stderr(&out));
    // Another team's key: which key the file needs.
    ok(&run(&["decisions", "keygen", "--out", &s.path("other")]));
    let other = s.path("other/decisions-recipient.key");
    let out = eval(&s, &s.sealed, &["--key", &other]);
    refused(&out, 2, "refused: the file's decisions are sealed to key");
    let out = run(&[
        "calibrate",
        "--no-default-packs",
        "--pack",
        &s.pack,
        "--labels",
        &s.sealed,
        "--key",
        &other,
        "--out",
        &s.path("never.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!Path::new(&s.path("never.json")).exists());
    // A signer that is not trusted.
    let stranger = ok(&run(&["keygen", "-o", &s.path("stranger.key")]));
    let out = eval(
        &s,
        &s.sealed,
        &["--key", &s.team_key, "--signer", stranger.trim()],
    );
    refused(&out, 2, "which is not one of the --signer keys");
    // `decisions open`: exit 1 when refused, nothing written.
    let out = decisions_open(&s, &other, &s.path("o.jsonl"));
    assert_eq!(out.status.code(), Some(1));
    assert!(!Path::new(&s.path("o.jsonl")).exists());
    // With the right key it writes the lines in the clear, and warns.
    let out = decisions_open(&s, &s.team_key, &s.path("o.jsonl"));
    ok(&out);
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(s.path("o.jsonl")).unwrap(),
        std::fs::read_to_string(&s.clear).unwrap()
    );
}

/// Each byte changed in turn is refused by `decisions verify`, with a
/// reason; a sample of them by `eval`, which then writes nothing. (Three
/// decisions: every byte of a file of twenty would be twenty thousand files.)
#[test]
fn any_changed_byte_is_refused() {
    let s = setup_with("tamper", 3);
    let file = std::fs::read(&s.sealed).unwrap();
    let mut files = Vec::new();
    for i in 0..file.len() {
        let mut t = file.clone();
        t[i] ^= 1;
        let p = s.path(&format!("t{i}.json"));
        std::fs::write(&p, &t).unwrap();
        files.push(p);
    }
    let short = s.path("short.json");
    std::fs::write(&short, &file[..file.len() - 2]).unwrap();
    files.push(short);
    for chunk in files.chunks(400) {
        let out = bin()
            .args(["decisions", "verify", "--signer", &s.signer_pub])
            .args(chunk)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let said = String::from_utf8(out.stdout).unwrap();
        assert_eq!(said.lines().count(), chunk.len());
        for l in said.lines() {
            assert!(l.contains(": refused: "), "{l}");
        }
    }
    // eval refuses the changed files it is given (the first member, the
    // middle of the ciphertext, the signature), with exit 2 and no figures.
    for i in [2, file.len() / 2, file.len() - 10] {
        let out = eval(&s, &files[i], &["--key", &s.team_key]);
        assert_eq!(out.status.code(), Some(2), "byte {i}");
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out).contains("refused"),
            "byte {i}: {}",
            stderr(&out)
        );
    }
    ok(&eval(&s, &s.sealed, &["--key", &s.team_key]));
}
