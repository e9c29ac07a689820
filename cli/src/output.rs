//! Writing output (JSON Lines, text, files) and `Fatal`, the error that ends
//! a command with exit code 2.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

/// A usage or pack error: message for stderr, exit code 2.
pub(crate) struct Fatal(pub(crate) String);

pub(crate) fn write_json(out: &mut impl Write, v: &impl Serialize) -> Result<(), Fatal> {
    let r = serde_json::to_writer(&mut *out, v)
        .map_err(io::Error::from)
        .and_then(|_| out.write_all(b"\n"));
    handle_write(r)
}

pub(crate) fn finish(out: &mut impl Write) -> Result<(), Fatal> {
    handle_write(out.flush())
}

pub(crate) fn handle_write(r: io::Result<()>) -> Result<(), Fatal> {
    match r {
        Ok(()) => Ok(()),
        // `redflag scan | head`: stop quietly, as Unix tools do.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Fatal(format!("cannot write output: {e}"))),
    }
}

pub(crate) fn write_output(out: Option<&Path>, text: &str) -> Result<(), Fatal> {
    match out {
        Some(p) => fs::write(p, text).map_err(|e| Fatal(format!("{}: {e}", p.display()))),
        None => {
            let stdout = io::stdout();
            let mut w = stdout.lock();
            handle_write(w.write_all(text.as_bytes()).and_then(|_| w.flush()))
        }
    }
}
