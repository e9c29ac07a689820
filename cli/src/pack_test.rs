//! `redflag test`: run every rule's inline tests and report the failures.
//!
//! (Named `pack_test`, not `test`, so that it does not read as a module of
//! unit tests.)

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::{finish, handle_write, Fatal};
use crate::packs::engine_for;

pub(crate) fn test(paths: &[PathBuf], json: bool) -> Result<ExitCode, Fatal> {
    let engine = engine_for(paths)?;
    let report = engine.run_tests();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for f in &report.failures {
        let r = if json {
            serde_json::to_writer(&mut out, f)
                .map_err(io::Error::from)
                .and_then(|_| out.write_all(b"\n"))
        } else {
            writeln!(
                out,
                "FAIL {} [{}] tests.{}[{}]: {}\n     text: {}",
                f.rule,
                f.pack,
                match f.kind {
                    redflag::TestKind::Fire => "fire",
                    redflag::TestKind::Pass => "pass",
                },
                f.index,
                f.message,
                f.text
            )
        };
        handle_write(r)?;
    }
    let (rules, terms) = engine.stats();
    let summary = format!(
        "{} passed, {} failed ({} rules, {} terms, packs: {})",
        report.passed,
        report.failures.len(),
        rules,
        terms,
        engine
            .packs()
            .iter()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if json {
        eprintln!("{summary}");
    } else {
        handle_write(writeln!(out, "{summary}"))?;
    }
    finish(&mut out)?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
