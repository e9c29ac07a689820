//! Sealed reviewer decisions (docs/integrators.md "Reviewer decisions",
//! docs/decisions.schema.json).
//!
//! The extension never stores a decision's labelled line in the clear: it
//! seals each line to the trust-and-safety team's X25519 public key when the
//! decision is made (HPKE, the evidence packets' suite, info
//! `redflag-decision/2`, no aad), and an export, `redflag-decisions/2`,
//! bundles the sealed lines, oldest first, in one canonical JSON object
//! signed with the extension's ed25519 key (www/shared/evidence.js
//! `sealTo` and `signDocument`; [`evidence::seal_to`],
//! [`evidence::sign_document`] here). In the clear it holds no ad text: who
//! exported, when, how many decisions, and the id of the key each is sealed
//! to. Opened, each line is byte for byte what the extension sealed: the
//! labelled JSON Lines that `eval` and `calibrate` read.
//!
//! A line sealed before the team's key was changed on the extension stays
//! sealed to the earlier key. Several `--key`s may be given; lines sealed to
//! a key not given are left out and reported on stderr by count and key id.
//!
//! Earlier exports (`redflag-decisions/1`: the whole JSON Lines sealed as
//! one, with the evidence packets' `sealAndSign`) are still read.
//!
//! `eval`, `calibrate` and `report` read a sealed file where they read a
//! clear one, given the team's private key: verified, then decrypted in
//! memory, and nothing of it is written. `redflag decisions open --out`
//! writes the JSON Lines for an analyst who needs them in the clear.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use ed25519_dalek::VerifyingKey;
use serde_json::{json, Map, Value};

use crate::evidence::{
    self, check_sealed, check_sealed_signed, check_signed, field, key32, now_unix, only_keys,
    opt_string, parse_canonical, public_key_id, read_input, string, trusted_keys, utc, utc_text,
};
use crate::output::{handle_write, write_output, Fatal};

/// The format of a decisions file the extension and `seal` write, and the signature's domain.
pub(crate) const FORMAT: &str = "redflag-decisions/2";
/// The earlier format (one sealed JSON Lines): still read.
pub(crate) const FORMAT_1: &str = "redflag-decisions/1";
/// The HPKE `info` of each sealed line of a `redflag-decisions/2` file
/// (the format of the extension's stored item).
pub(crate) const RECORD_FORMAT: &str = "redflag-decision/2";

/// The environment variable naming the file of the team's private key.
pub(crate) const KEY_ENV: &str = "REDFLAG_DECISIONS_KEY_FILE";

/// Members every decisions file has.
const SHARED: &[&str] = &[
    "format",
    "source",
    "clock",
    "time",
    "reference",
    "reviewer",
    "count",
    "tool",
    "signer",
    "signature",
];
/// `redflag-decisions/1`'s own members.
const MEMBERS_1: &[&str] = &["content_sha256", "sealed"];
/// `redflag-decisions/2`'s own members.
const MEMBERS_2: &[&str] = &["records"];

/// What opens sealed decisions files: the team's private keys (`--key`,
/// repeatable, or the file named by REDFLAG_DECISIONS_KEY_FILE) and the
/// trusted signers (`--signer`); `whole` when every decision must open
/// (`report`, whose counts are published), rather than those the keys open
/// with a warning (`eval`, `calibrate`, `decisions open`).
pub(crate) struct Keys<'a> {
    pub(crate) keys: &'a [String],
    pub(crate) signers: &'a [String],
    pub(crate) whole: bool,
}

/// A private key and its public key's id.
struct Secret {
    id: String,
    key: [u8; 32],
}

impl Keys<'_> {
    /// The team's private keys, read when the first sealed file is met.
    fn secrets(&self, name: &str) -> Result<Vec<Secret>, Fatal> {
        let raw = if !self.keys.is_empty() {
            self.keys
                .iter()
                .map(|k| key32(k, "--key"))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            match std::env::var_os(KEY_ENV) {
                Some(p) if !p.is_empty() => {
                    let path = Path::new(&p);
                    if !path.is_file() {
                        return Err(Fatal(format!(
                            "{KEY_ENV}: {}: no such file (it names the file of the trust-and-safety team's private key)",
                            path.display()
                        )));
                    }
                    vec![key32(&path.to_string_lossy(), KEY_ENV)?]
                }
                _ => {
                    return Err(Fatal(format!(
                        "{name} is a sealed decisions file (redflag-decisions/*): give the trust-and-safety \
                         team's private key with --key FILE (from `redflag decisions keygen`) or {KEY_ENV}=FILE"
                    )))
                }
            }
        };
        raw.into_iter()
            .map(|key| {
                Ok(Secret {
                    id: public_key_id(&key).map_err(Fatal)?,
                    key,
                })
            })
            .collect()
    }
}

/// Whether the first bytes of an input are those of a sealed decisions
/// file rather than labelled JSON Lines: its first line names the format
/// or holds a sealed part (in canonical JSON each comes within the first
/// few hundred bytes; in a labelled line such text could only be inside a
/// string, where its quotes are escaped). Any one is enough, so that a file
/// with one byte changed is still taken for one, and refused, never read
/// as labels.
pub(crate) fn is_sealed(head: &[u8]) -> bool {
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let has = |needle: &[u8]| first.windows(needle.len()).any(|w| w == needle);
    has(br#""format":"redflag-decisions/"#)
        || has(br#""sealed":{"ciphertext":""#)
        || has(br#""records":[{"ciphertext":""#)
}

/// A checked decisions file: its members, its signer's key id, and whether
/// that signer was checked against trusted keys.
pub(crate) struct Checked {
    pub(crate) doc: Map<String, Value>,
    pub(crate) signer: String,
    pub(crate) trusted: Option<bool>,
}

impl Checked {
    fn format(&self) -> &str {
        self.doc["format"].as_str().unwrap_or_default()
    }

    /// The sealed parts: the one of a `/1` file, each line's of a `/2` one.
    fn sealed(&self) -> Vec<&Map<String, Value>> {
        if self.format() == FORMAT_1 {
            self.doc["sealed"].as_object().into_iter().collect()
        } else {
            self.doc["records"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_object).collect())
                .unwrap_or_default()
        }
    }

    /// How many decisions are sealed to each key id (a `/1` file: all of them to one).
    fn recipients(&self) -> BTreeMap<String, u64> {
        let count = self.doc["count"].as_u64().unwrap_or_default();
        let mut by = BTreeMap::new();
        for s in self.sealed() {
            let id = s["recipient"].as_str().unwrap_or_default().to_string();
            *by.entry(id).or_default() += if self.format() == FORMAT_1 { count } else { 1 };
        }
        by
    }
}

/// Checks a sealed decisions file's bytes: canonical form, every member,
/// the signature, and the signer against `trusted` if any are given.
pub(crate) fn check(bytes: &[u8], trusted: &[VerifyingKey]) -> Result<Checked, String> {
    let m = parse_canonical(bytes, &[FORMAT, FORMAT_1], "decisions file")?;
    let format = m["format"].as_str().unwrap_or_default().to_string();
    let own = if format == FORMAT_1 {
        MEMBERS_1
    } else {
        MEMBERS_2
    };
    let members: Vec<&str> = SHARED.iter().chain(own).copied().collect();
    only_keys(&m, "", &members, &format)?;
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
    let count = field(&m, "", "count")?
        .as_u64()
        .ok_or("`count` must be a whole number")?;
    let tool = field(&m, "", "tool")?
        .as_object()
        .ok_or("`tool` must be an object")?;
    only_keys(tool, "tool.", &["name", "version"], &format)?;
    string(tool, "tool.", "name")?;
    string(tool, "tool.", "version")?;
    let (signer, trusted) = if format == FORMAT_1 {
        check_sealed_signed(&m, &format, trusted, "--signer")?
    } else {
        let records = field(&m, "", "records")?
            .as_array()
            .ok_or("`records` must be an array")?;
        if records.len() as u64 != count {
            return Err(format!(
                "`count` says {count} decisions, `records` holds {}",
                records.len()
            ));
        }
        for (i, r) in records.iter().enumerate() {
            let r = r
                .as_object()
                .ok_or(format!("`records[{i}]` must be an object"))?;
            check_sealed(r, &format!("records[{i}]"), &format)?;
        }
        check_signed(&m, &format, trusted, "--signer")?
    };
    Ok(Checked {
        doc: m,
        signer,
        trusted,
    })
}

/// An opened decisions file: its labelled JSON Lines, and how many
/// decisions were left out, sealed to keys not given (by key id).
pub(crate) struct Opened {
    pub(crate) lines: Vec<u8>,
    pub(crate) opened: u64,
    pub(crate) left_out: BTreeMap<String, u64>,
}

/// Why nothing opened: which keys the file needs, and which were given.
fn not_these_keys(c: &Checked, secrets: &[Secret]) -> String {
    let needed = c
        .recipients()
        .iter()
        .map(|(k, n)| {
            if c.format() == FORMAT_1 {
                k.clone()
            } else {
                format!("{k} ({n})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let given = secrets
        .iter()
        .map(|s| s.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mine = if secrets.len() == 1 {
        format!("this private key ({given})")
    } else {
        format!("any of the private keys given ({given})")
    };
    if c.format() == FORMAT_1 {
        format!("the file is sealed to key {needed}, not to {mine}")
    } else {
        format!("the file's decisions are sealed to key {needed}, not to {mine}")
    }
}

/// Decrypts a checked file with the team's private keys, in memory. A
/// `/1` file: its JSON Lines, whose lines must number `count`. A `/2` file:
/// each line sealed to a key given, in the file's order, each a JSON
/// object on one line; the others are counted by key id. Refused when no
/// decision opens, or when one that should does not.
fn open_checked(c: &Checked, secrets: &[Secret]) -> Result<Opened, String> {
    let count = c.doc["count"].as_u64().unwrap_or_default();
    if c.format() == FORMAT_1 {
        let theirs = c.doc["sealed"]["recipient"].as_str().unwrap_or_default();
        let secret = secrets
            .iter()
            .find(|s| s.id == theirs)
            .ok_or_else(|| not_these_keys(c, secrets))?;
        let pt = evidence::open_sealed(&c.doc, FORMAT_1, &secret.key)?;
        let text = std::str::from_utf8(&pt)
            .map_err(|e| format!("the decrypted decisions are not UTF-8 ({e})"))?;
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        if lines != count {
            return Err(format!(
                "`count` says {count} decisions, the decrypted file holds {lines} lines"
            ));
        }
        return Ok(Opened {
            lines: pt,
            opened: count,
            left_out: BTreeMap::new(),
        });
    }
    let mut out = Opened {
        lines: Vec::new(),
        opened: 0,
        left_out: BTreeMap::new(),
    };
    for (i, sealed) in c.sealed().into_iter().enumerate() {
        let theirs = sealed["recipient"].as_str().unwrap_or_default();
        let Some(secret) = secrets.iter().find(|s| s.id == theirs) else {
            *out.left_out.entry(theirs.to_string()).or_default() += 1;
            continue;
        };
        let line = evidence::open_hpke(sealed, RECORD_FORMAT, b"", &secret.key).map_err(|_| {
            format!(
                "`records[{i}]` does not decrypt with key {theirs} (its ciphertext was changed)"
            )
        })?;
        let ok = std::str::from_utf8(&line).is_ok_and(|t| {
            !t.contains(['\n', '\r'])
                && matches!(serde_json::from_str::<Value>(t), Ok(Value::Object(_)))
        });
        if !ok {
            return Err(format!(
                "`records[{i}]` decrypts to something other than one labelled line (a JSON object)"
            ));
        }
        out.lines.extend_from_slice(&line);
        out.lines.push(b'\n');
        out.opened += 1;
    }
    if out.opened == 0 && count > 0 {
        return Err(not_these_keys(c, secrets));
    }
    Ok(out)
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
/// stderr whose key signed it, and how many decisions were left out for
/// want of their key. The outer error is a usage error (no key, a bad key
/// or signer), the inner one why the file was refused.
fn try_open(bytes: &[u8], name: &str, keys: &Keys<'_>) -> Result<Result<Vec<u8>, String>, Fatal> {
    let trusted = trusted_keys(keys.signers)?;
    let secrets = keys.secrets(name)?;
    let opened = check(bytes, &trusted).and_then(|c| {
        let o = open_checked(&c, &secrets)?;
        let total = c.doc["count"].as_u64().unwrap_or_default();
        if !o.left_out.is_empty() && keys.whole {
            let (n, by) = left_out_summary(&o.left_out);
            return Err(format!(
                "{n} of {total} decisions are sealed to a key not given ({by}), and a report counts \
                 every decision: give that key's private key too (--key is repeatable)"
            ));
        }
        let of = if o.opened == total {
            String::new()
        } else {
            format!(" of {total}")
        };
        eprintln!(
            "redflag: {name}: {}{of} sealed decisions opened in memory, {}",
            o.opened,
            signer_note(&c)
        );
        if !o.left_out.is_empty() {
            let (n, by) = left_out_summary(&o.left_out);
            eprintln!(
                "redflag: {name}: warning: {n} of {total} decisions left out, sealed to a key not given ({by}): \
                 the extension seals each decision to the team's key set when it is made, so these were made \
                 before the key was changed. Give that key's private key too (--key is repeatable) to read them."
            );
        }
        Ok(o.lines)
    });
    Ok(opened.map_err(|e| format!("{name}: refused: {e}")))
}

/// How many decisions were left out, and by key ("2 to key K1, 1 to key K2").
fn left_out_summary(left_out: &BTreeMap<String, u64>) -> (u64, String) {
    let by = left_out
        .iter()
        .map(|(k, n)| format!("{n} to key {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    (left_out.values().sum(), by)
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
            Ok(c) => {
                let to = c.recipients();
                let to = if c.format() == FORMAT_1 || to.len() == 1 {
                    format!("key {}", to.keys().next().map_or("", String::as_str))
                } else {
                    to.iter()
                        .map(|(k, n)| format!("key {k} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "{name}: ok: {} decisions exported {} by {}, sealed to {to}, {}",
                    c.doc["count"],
                    c.doc["time"].as_str().unwrap_or_default(),
                    c.doc["source"].as_str().unwrap_or_default(),
                    signer_note(&c)
                )
            }
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
/// from an older extension, or a pipeline's own labels) as the extension
/// does: each non-empty line on its own (without its line break), in order,
/// in one signed `redflag-decisions/2` file.
pub(crate) fn seal(a: &SealArgs<'_>) -> Result<ExitCode, Fatal> {
    use rand_core::{OsRng, RngCore};
    let name = a.labels.display().to_string();
    let bytes = read_input(a.labels).map_err(Fatal)?;
    if is_sealed(&bytes) {
        return Err(Fatal(format!("{name}: already a sealed decisions file")));
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|e| Fatal(format!("{name}: not UTF-8 text ({e})")))?;
    let recipient = key32(a.recipient, "--recipient")?;
    let signer = evidence::signing_key(a.key)?;
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(_)) => {
                records.push(evidence::seal_to(
                    &recipient,
                    RECORD_FORMAT,
                    b"",
                    line.as_bytes(),
                )?);
            }
            _ => {
                return Err(Fatal(format!(
                    "{name}:{}: not a JSON object (labelled JSON Lines: one object per line)",
                    i + 1
                )))
            }
        }
    }
    let mut rid = [0u8; 16];
    OsRng.fill_bytes(&mut rid);
    let reference: String = rid.iter().map(|b| format!("{b:02x}")).collect();
    let doc = json!({
        "source": "cli",
        "clock": "cli",
        "time": utc_text(now_unix()),
        "reference": format!("cli-{reference}"),
        "reviewer": a.reviewer,
        "count": records.len(),
        "tool": {"name": "redflag", "version": env!("CARGO_PKG_VERSION")},
        "records": records,
    });
    let Value::Object(doc) = doc else {
        return Err(Fatal("a decisions file is an object".into()));
    };
    let out = evidence::sign_document(FORMAT, doc, &signer)?;
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
        assert!(is_sealed(
            br#"{"clock":"reviewer","count":1,"formaT":"redflag-decisions/2","records":[{"ciphertext":"AAAA"#
        ));
        assert!(!is_sealed(
            br#"{"id":"D-3","body":"\"records\":[{\"ciphertext\":\""}"#
        ));
        assert!(!is_sealed(b""));
    }
}
