//! `redflag image`: write the built-in packs compiled, as the image the npm
//! package's .wasm embeds, and optionally the packs as authored.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::output::Fatal;

pub(crate) fn image(out: &Path, packs_json: Option<&Path>) -> Result<ExitCode, Fatal> {
    let bytes =
        redflag::default_packs_image().map_err(|e| Fatal(format!("built-in packs: {e}")))?;
    fs::write(out, &bytes).map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    if let Some(p) = packs_json {
        let packs = redflag::default_packs().map_err(|e| Fatal(e.to_string()))?;
        let json = serde_json::to_string(&packs).map_err(|e| Fatal(e.to_string()))?;
        fs::write(p, json + "\n").map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}
