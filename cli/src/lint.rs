//! `redflag lint`: warn about weak spots in packs (short or duplicate terms,
//! rules that can never fire, missing explanations or tests).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::{finish, handle_write, Fatal};
use crate::packs::load_packs;

pub(crate) fn lint(paths: &[PathBuf]) -> Result<ExitCode, Fatal> {
    let packs = if paths.is_empty() {
        redflag::default_packs().map_err(|e| Fatal(e.to_string()))?
    } else {
        load_packs(paths)?
    };
    let lints = redflag::lint(&packs).map_err(|e| Fatal(e.to_string()))?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for l in &lints {
        handle_write(writeln!(
            out,
            "warning: pack `{}`: {}: {}",
            l.pack, l.path, l.message
        ))?;
    }
    handle_write(writeln!(
        out,
        "{} warning{}",
        lints.len(),
        if lints.len() == 1 { "" } else { "s" }
    ))?;
    finish(&mut out)?;
    Ok(if lints.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
