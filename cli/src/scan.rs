//! `redflag scan`: screen JSON Lines ads, one JSON verdict per line on stdout.

use std::io::{self, BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use redflag::lines::LineReader;
use redflag::{ScreenOptions, Submission, Verdict};

use crate::input::{max_line_bytes, next_text, open_input, progress_bar, raw_id};
use crate::output::{finish, write_json, Fatal};
use crate::packs::build_engine_with;
use crate::{EntityArgs, PackArgs};

#[derive(Serialize)]
struct Out<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    #[serde(flatten)]
    verdict: &'a Verdict,
}

#[derive(Serialize)]
struct LineError<'a> {
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    error: String,
}

pub(crate) fn scan(
    args: &PackArgs,
    section: Option<String>,
    entities: &EntityArgs,
    file: Option<PathBuf>,
) -> Result<ExitCode, Fatal> {
    let engine = build_engine_with(args, entities.key()?)?;
    let opts = ScreenOptions {
        thresholds: None,
        entities: entities.entities,
        raw_values: entities.raw_values,
    };
    let (input, len) = open_input(file.as_deref())?;
    let progress = progress_bar(len, "ads screened");
    let max_line = max_line_bytes(engine.limits());
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    loop {
        if let (Some(p), Some(_)) = (&progress, len) {
            p.set_position(reader.bytes_read());
        }
        let (n, text) = match next_text(&mut reader, max_line) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err((line, error)) => {
                // A read error ends the input.
                failed = true;
                write_json(
                    &mut out,
                    &LineError {
                        line,
                        id: None,
                        error,
                    },
                )?;
                break;
            }
        };
        if let (Some(p), None) = (&progress, len) {
            p.inc(1);
        }
        let text = match text {
            Ok(t) => t.trim(),
            Err(error) => {
                failed = true;
                write_json(
                    &mut out,
                    &LineError {
                        line: n,
                        id: None,
                        error,
                    },
                )?;
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                failed = true;
                write_json(
                    &mut out,
                    &LineError {
                        line: n,
                        id: None,
                        error: format!("invalid JSON: {e}"),
                    },
                )?;
                continue;
            }
        };
        let id = raw_id(&value, text);
        let result = Submission::from_json(&value).and_then(|mut s| {
            if s.get_section().is_none() {
                if let Some(sec) = &section {
                    s = s.section(sec.clone());
                }
            }
            engine.screen_with_options(&s, &opts)
        });
        match result {
            Ok(v) => write_json(&mut out, &Out { id, verdict: &v })?,
            Err(e) => {
                failed = true;
                write_json(
                    &mut out,
                    &LineError {
                        line: n,
                        id,
                        error: e.to_string(),
                    },
                )?;
            }
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    finish(&mut out)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
