//! `redflag pack`: check an authored pack and convert it to the JSON that
//! browsers and workers load.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use redflag::Engine;

use crate::output::{handle_write, Fatal};
use crate::packs::load_pack;
use crate::Format;

pub(crate) fn convert(
    format: Format,
    out: Option<PathBuf>,
    path: &Path,
) -> Result<ExitCode, Fatal> {
    let pack = load_pack(path)?;
    // Validate on its own; an overlay pack that refers to the built-in
    // rules is valid on top of them.
    let alone = Engine::builder().pack(pack.clone()).build();
    if let Err(e) = alone {
        if Engine::builder()
            .default_packs()
            .pack(pack.clone())
            .build()
            .is_err()
        {
            return Err(Fatal(format!("{}: {e}", path.display())));
        }
    }
    let json = match format {
        Format::Json => pack.to_json(),
        Format::JsonCompact => serde_json::to_string(&pack).map_err(|e| Fatal(e.to_string()))?,
    };
    match out {
        Some(p) => {
            fs::write(&p, json + "\n").map_err(|e| Fatal(format!("{}: {e}", p.display())))?
        }
        None => handle_write(writeln!(io::stdout().lock(), "{json}"))?,
    }
    Ok(ExitCode::SUCCESS)
}
