//! `redflag keygen`, `sign` and `verify`, and loading `--pack` files as
//! signed packs checked against `--public-key`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

use redflag::Pack;

use crate::output::{write_output, Fatal};
use crate::packs::load_pack;

/// A public key given inline or as a file holding it.
fn public_key_arg(k: &str) -> Result<String, Fatal> {
    let p = Path::new(k);
    if p.exists() {
        return fs::read_to_string(p)
            .map(|t| t.trim().to_string())
            .map_err(|e| Fatal(format!("{k}: {e}")));
    }
    Ok(k.trim().to_string())
}

/// Whether a text is a hash-list pack's JSON (not a rule pack).
fn is_hash_list(text: &str) -> bool {
    serde_json::from_str::<Value>(text)
        .ok()
        .is_some_and(|v| v.get("redflag_hash_list").is_some())
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn trust(keys: &[String]) -> Result<redflag::signing::TrustPolicy, Fatal> {
    let keys = keys
        .iter()
        .map(|k| public_key_arg(k))
        .collect::<Result<Vec<_>, _>>()?;
    redflag::signing::TrustPolicy::new(&keys, now_unix()).map_err(|e| Fatal(e.to_string()))
}

pub(crate) fn load_signed_packs(paths: &[PathBuf], keys: &[String]) -> Result<Vec<Pack>, Fatal> {
    let policy = trust(keys)?;
    let mut out = Vec::new();
    for p in paths {
        let text = fs::read_to_string(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        let pack = redflag::signing::verify_signed_pack(&text, &policy)
            .map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        out.push(pack);
    }
    Ok(out)
}

pub(crate) fn keygen(out: &Path) -> Result<ExitCode, Fatal> {
    use rand_core::OsRng;
    let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
    crate::evidence::create_secret_file(
        out,
        &format!("{}\n", redflag::signing::secret_key_text(&key)),
    )?;
    println!("{}", redflag::signing::public_key_of(&key));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn sign(
    pack: &Path,
    key: &Path,
    expires: &str,
    out: Option<&Path>,
) -> Result<ExitCode, Fatal> {
    // A hash-list pack (JSON with `redflag_hash_list`) is signed as it is
    // written; a rule pack (TOML or JSON) as the pack it parses to.
    let list_text = fs::read_to_string(pack).ok().filter(|t| is_hash_list(t));
    let json = match &list_text {
        Some(t) => t.clone(),
        None => {
            serde_json::to_string_pretty(&load_pack(pack)?).map_err(|e| Fatal(e.to_string()))?
        }
    };
    let secret_text =
        fs::read_to_string(key).map_err(|e| Fatal(format!("{}: {e}", key.display())))?;
    let secret =
        redflag::signing::parse_secret_key(&secret_text).map_err(|e| Fatal(e.to_string()))?;
    let expires = if expires.len() == 10 {
        format!("{expires}T00:00:00Z")
    } else {
        expires.to_string()
    };
    // A signature that has already expired would be refused everywhere.
    let at = redflag::signing::parse_utc(&expires).map_err(|e| Fatal(format!("--expires: {e}")))?;
    if at <= now_unix() {
        return Err(Fatal(format!(
            "--expires: {expires} is not in the future; the signed pack would be refused as expired"
        )));
    }
    let signed = if list_text.is_some() {
        redflag::images::sign_hash_list(&json, &expires, &secret)
    } else {
        redflag::signing::sign_pack(&json, &expires, &secret)
    }
    .map_err(|e| Fatal(format!("{}: {e}", pack.display())))?;
    write_output(out, &(signed + "\n"))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn verify(
    signed: &Path,
    keys: &[String],
    min_version: Option<&str>,
) -> Result<ExitCode, Fatal> {
    let text =
        fs::read_to_string(signed).map_err(|e| Fatal(format!("{}: {e}", signed.display())))?;
    let mut policy = trust(keys)?;
    let inner = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|e| e.get("pack").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let list = is_hash_list(&inner);
    if let Some(v) = min_version {
        // Checked here so that a mistyped minimum is a usage error, not a
        // refusal of the pack.
        redflag::signing::check_version(v).map_err(|e| Fatal(format!("--min-version: {e}")))?;
        // The id is known only after parsing: apply the minimum to any id.
        let id = if list {
            redflag::images::HashListPack::from_json(&inner)
                .ok()
                .map(|l| l.id)
        } else {
            redflag::Pack::from_json(&inner)
                .ok()
                .map(|p| p.id().to_string())
        };
        if let Some(id) = id {
            policy = policy.last_version(&id, v);
        }
    }
    let verified = if list {
        redflag::images::verify_signed_hash_list(&text, &policy).map(|l| {
            format!(
                "hash list {} {} ({} hashes, policy {})",
                l.id,
                l.version,
                l.list.len(),
                l.policy.as_str()
            )
        })
    } else {
        redflag::signing::verify_signed_pack(&text, &policy)
            .map(|p| format!("{} {}", p.id(), p.pack.version))
    };
    match verified {
        Ok(what) => {
            println!("ok: {what} signed by a trusted key");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("refused: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
