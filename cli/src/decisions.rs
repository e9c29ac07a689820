//! Sealed reviewer decisions (`redflag-decisions/1`, docs/integrators.md
//! "Reviewer decisions", docs/decisions.schema.json).
//!
//! The extension exports its stored decisions as labelled JSON Lines, the
//! ads' texts (contacts included) among them, so the export is sealed to
//! the trust-and-safety team's X25519 public key and signed with the
//! extension's ed25519 key, with the evidence packets' construction
//! (www/shared/evidence.js `sealAndSign`, [`evidence::seal_and_sign`]): one
//! canonical JSON object and a line break. In the clear it holds no ad
//! text: who made it, when, how many decisions. The JSON Lines are the
//! sealed plaintext, byte for byte what `eval` and `calibrate` read.
//!
//! `eval`, `calibrate` and `report` read a sealed file where they read a
//! clear one, given the team's private key: verified, then decrypted in
//! memory, and nothing of it is written. `redflag decisions open --out`
//! writes the JSON Lines for an analyst who needs them in the clear.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use ed25519_dalek::VerifyingKey;
use serde_json::{json, Map, Value};

use crate::evidence::{
    self, check_sealed_signed, field, key32, now_unix, only_keys, opt_string, parse_canonical,
    read_input, string, trusted_keys, utc, utc_text,
};
use crate::output::{handle_write, write_output, Fatal};

/// The format of a sealed decisions file, the signature's domain and the HPKE `info`.
pub(crate) const FORMAT: &str = "redflag-decisions/1";

/// The environment variable naming the file of the team's private key.
pub(crate) const KEY_ENV: &str = "REDFLAG_DECISIONS_KEY_FILE";

const MEMBERS: &[&str] = &[
    "format",
    "source",
    "clock",
    "time",
    "reference",
    "reviewer",
    "count",
    "tool",
    "content_sha256",
    "sealed",
    "signer",
    "signature",
];

/// What opens sealed decisions files: the team's private key (`--key`, or
/// the file named by REDFLAG_DECISIONS_KEY_FILE) and the trusted signers
/// (`--signer`).
pub(crate) struct Keys<'a> {
    pub(crate) key: Option<&'a str>,
    pub(crate) signers: &'a [String],
}

impl Keys<'_> {
    /// The team's private key, read when the first sealed file is met.
    fn secret(&self, name: &str) -> Result<[u8; 32], Fatal> {
        if let Some(k) = self.key {
            return key32(k, "--key");
        }
        match std::env::var_os(KEY_ENV) {
            Some(p) if !p.is_empty() => {
                let path = Path::new(&p);
                if !path.is_file() {
                    return Err(Fatal(format!(
                        "{KEY_ENV}: {}: no such file (it names the file of the trust-and-safety team's private key)",
                        path.display()
                    )));
                }
                key32(&path.to_string_lossy(), KEY_ENV)
            }
            _ => Err(Fatal(format!(
                "{name} is a sealed decisions file ({FORMAT}): give the trust-and-safety team's \
                 private key with --key FILE (from `redflag decisions keygen`) or {KEY_ENV}=FILE"
            ))),
        }
    }
}

/// Whether the first bytes of an input are those of a sealed decisions
/// file rather than labelled JSON Lines: its first line names the format
/// or holds a sealed part (in canonical JSON both come within the first few
/// hundred bytes; in a labelled line such text could only be inside a
/// string, where its quotes are escaped). Either is enough, so that a file
/// with one byte changed is still taken for one, and refused, never read
/// as labels.
pub(crate) fn is_sealed(head: &[u8]) -> bool {
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let has = |needle: &[u8]| first.windows(needle.len()).any(|w| w == needle);
    has(br#""format":"redflag-decisions/"#) || has(br#""sealed":{"ciphertext":""#)
}

/// A checked decisions file: its members, its signer's key id, and whether
/// that signer was checked against trusted keys.
pub(crate) struct Checked {
    pub(crate) doc: Map<String, Value>,
    pub(crate) signer: String,
    pub(crate) trusted: Option<bool>,
}

/// Checks a sealed decisions file's bytes: canonical form, every member,
/// the signature, and the signer against `trusted` if any are given.
pub(crate) fn check(bytes: &[u8], trusted: &[VerifyingKey]) -> Result<Checked, String> {
    let m = parse_canonical(bytes, FORMAT, "decisions file")?;
    only_keys(&m, "", MEMBERS, FORMAT)?;
    match string(&m, "", "source")? {
        "extension" | "cli" => {}
        s => return Err(format!("`source` must be extension or cli, not {s:?}")),
    }
    string(&m, "", "clock")?;
    utc(string(&m, "", "time")?, "time")?;
    if string(&m, "", "reference")?.is_empty() {
        return Err("`reference` is empty".into());
    }
    opt_string(&m, "reviewer")?;
    field(&m, "", "count")?
        .as_u64()
        .ok_or("`count` must be a whole number")?;
    let tool = field(&m, "", "tool")?
        .as_object()
        .ok_or("`tool` must be an object")?;
    only_keys(tool, "tool.", &["name", "version"], FORMAT)?;
    string(tool, "tool.", "name")?;
    string(tool, "tool.", "version")?;
    let (signer, trusted) = check_sealed_signed(&m, FORMAT, trusted, "--signer")?;
    Ok(Checked {
        doc: m,
        signer,
        trusted,
    })
}

/// Decrypts a checked file with the team's private key and checks that it
/// holds `count` JSON Lines: the labelled decisions, in memory.
pub(crate) fn open_checked(c: &Checked, secret: &[u8; 32]) -> Result<Vec<u8>, String> {
    let pt = evidence::open_sealed(&c.doc, FORMAT, secret)?;
    let text = std::str::from_utf8(&pt)
        .map_err(|e| format!("the decrypted decisions are not UTF-8 ({e})"))?;
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    let count = c.doc["count"].as_u64().unwrap_or_default();
    if lines != count {
        return Err(format!(
            "`count` says {count} decisions, the decrypted file holds {lines} lines"
        ));
    }
    Ok(pt)
}

/// What was checked about the signer, for stderr.
fn signer_note(c: &Checked) -> String {
    match c.trusted {
        Some(_) => format!("signed by trusted key {}", c.signer),
        None => format!(
            "signed by key {} (not checked against a trusted key: give --signer)",
            c.signer
        ),
    }
}

/// Verifies and decrypts a sealed decisions file read as `bytes`; says on
/// stderr whose key signed it. The outer error is a usage error (no key, a
/// bad key or signer), the inner one why the file was refused.
fn try_open(bytes: &[u8], name: &str, keys: &Keys<'_>) -> Result<Result<Vec<u8>, String>, Fatal> {
    let trusted = trusted_keys(keys.signers)?;
    let secret = keys.secret(name)?;
    let opened = check(bytes, &trusted).and_then(|c| {
        let pt = open_checked(&c, &secret)?;
        eprintln!(
            "redflag: {name}: {} sealed decisions opened in memory, {}",
            c.doc["count"],
            signer_note(&c)
        );
        Ok(pt)
    });
    Ok(opened.map_err(|e| format!("{name}: refused: {e}")))
}

/// Verifies and decrypts a sealed decisions file read as `bytes`; a
/// refusal is a Fatal naming the file.
pub(crate) fn open_bytes(bytes: &[u8], name: &str, keys: &Keys<'_>) -> Result<Vec<u8>, Fatal> {
    try_open(bytes, name, keys)?.map_err(Fatal)
}

/// Reads an input that may be a sealed decisions file: its first bytes
/// decide. A sealed file is read whole, verified and decrypted; anything
/// else is returned as a reader over the same bytes, unread.
pub(crate) fn reader(
    mut input: Box<dyn Read>,
    name: &str,
    keys: &Keys<'_>,
) -> Result<Box<dyn Read>, Fatal> {
    let mut head = Vec::with_capacity(4096);
    (&mut input)
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| Fatal(format!("{name}: {e}")))?;
    if !is_sealed(&head) {
        return Ok(Box::new(std::io::Cursor::new(head).chain(input)));
    }
    input
        .read_to_end(&mut head)
        .map_err(|e| Fatal(format!("{name}: {e}")))?;
    Ok(Box::new(std::io::Cursor::new(open_bytes(
        &head, name, keys,
    )?)))
}

// ---------------------------------------------------------------- commands

/// `redflag decisions keygen --out DIR`: the trust-and-safety team's X25519 key pair.
pub(crate) fn keygen(dir: &Path) -> Result<ExitCode, Fatal> {
    evidence::recipient_keygen(
        dir,
        "decisions-recipient",
        "the trust-and-safety team's only; keep it off reviewers' machines",
        "paste it into each reviewer's extension, options page, \"Reviewer decisions\"",
    )
}

/// `redflag decisions verify FILE...`: exit 0 when every file is valid, 1 when one is not.
pub(crate) fn verify(files: &[std::path::PathBuf], signers: &[String]) -> Result<ExitCode, Fatal> {
    let trusted = trusted_keys(signers)?;
    if files.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(Fatal("stdin (`-`) can be given once".into()));
    }
    let mut ok = true;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        let name = f.display().to_string();
        let line = match read_input(f).and_then(|b| check(&b, &trusted)) {
            Ok(c) => format!(
                "{name}: ok: {} decisions exported {} by {}, sealed to key {}, {}",
                c.doc["count"],
                c.doc["time"].as_str().unwrap_or_default(),
                c.doc["source"].as_str().unwrap_or_default(),
                c.doc["sealed"]["recipient"].as_str().unwrap_or_default(),
                signer_note(&c)
            ),
            Err(e) => {
                ok = false;
                format!("{name}: refused: {e}")
            }
        };
        handle_write(writeln!(out, "{line}"))?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `redflag decisions open FILE --out OUT`: the labelled JSON Lines in the
/// clear, for the analyst who needs them (with a warning). Exit 1 when refused.
pub(crate) fn open(file: &Path, keys: &Keys<'_>, out: Option<&Path>) -> Result<ExitCode, Fatal> {
    let name = file.display().to_string();
    let bytes = read_input(file).map_err(Fatal)?;
    let pt = match try_open(&bytes, &name, keys)? {
        Ok(pt) => pt,
        Err(m) => {
            eprintln!("redflag: {m}");
            return Ok(ExitCode::from(1));
        }
    };
    let text = String::from_utf8(pt).map_err(|e| Fatal(e.to_string()))?;
    write_output(out, &text)?;
    eprintln!(
        "redflag: warning: {} now holds the ads as posted, contacts included, in the clear: \
         personal data. `redflag eval`, `calibrate` and `report` read the sealed file with --key \
         without it; delete it once it has served.",
        out.map_or("the output".to_string(), |p| p.display().to_string())
    );
    Ok(ExitCode::SUCCESS)
}

/// What `seal` puts in a file besides the decisions.
pub(crate) struct SealArgs<'a> {
    pub(crate) labels: &'a Path,
    pub(crate) recipient: &'a str,
    pub(crate) key: &'a Path,
    pub(crate) reviewer: Option<String>,
    pub(crate) out: Option<&'a Path>,
}

/// `redflag decisions seal FILE`: seals labelled JSON Lines (a clear export
/// from an older extension, or a pipeline's own labels) as the extension does.
pub(crate) fn seal(a: &SealArgs<'_>) -> Result<ExitCode, Fatal> {
    use rand_core::{OsRng, RngCore};
    let name = a.labels.display().to_string();
    let bytes = read_input(a.labels).map_err(Fatal)?;
    if is_sealed(&bytes) {
        return Err(Fatal(format!("{name}: already a sealed decisions file")));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|e| Fatal(format!("{name}: not UTF-8 text ({e})")))?;
    let mut count = 0u64;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(_)) => count += 1,
            _ => {
                return Err(Fatal(format!(
                    "{name}:{}: not a JSON object (labelled JSON Lines: one object per line)",
                    i + 1
                )))
            }
        }
    }
    let recipient = key32(a.recipient, "--recipient")?;
    let signer = evidence::signing_key(a.key)?;
    let mut rid = [0u8; 16];
    OsRng.fill_bytes(&mut rid);
    let reference: String = rid.iter().map(|b| format!("{b:02x}")).collect();
    let doc = json!({
        "source": "cli",
        "clock": "cli",
        "time": utc_text(now_unix()),
        "reference": format!("cli-{reference}"),
        "reviewer": a.reviewer,
        "count": count,
        "tool": {"name": "redflag", "version": env!("CARGO_PKG_VERSION")},
    });
    let Value::Object(doc) = doc else {
        return Err(Fatal("a decisions file is an object".into()));
    };
    let out = evidence::seal_and_sign(FORMAT, doc, &bytes, &recipient, &signer)?;
    write_output(a.out, &out)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_files_are_told_from_json_lines_by_their_first_line() {
        assert!(is_sealed(
            br#"{"clock":"reviewer","content_sha256":"ab","count":2,"format":"redflag-decisions/1","#
        ));
        assert!(!is_sealed(
            br#"{"id":"D-1","label":"flag","body":"x"}
{"format":"redflag-decisions/1"}"#
        ));
        assert!(is_sealed(
            b"z\"clock\":1,\"format\":\"redflag-decisions/1\"}"
        ));
        assert!(!is_sealed(
            br#"{"id":"D-2","body":"\"format\":\"redflag-decisions/1\""}"#
        ));
        assert!(is_sealed(
            br#"{"clock":"reviewer","format":"redflag-decisionr/1","sealed":{"ciphertext":"AAAA"#
        ));
        assert!(!is_sealed(b""));
    }
}
