//! `redflag normalize`: the matching form the rules and the n-gram model
//! read, for pack authors writing terms and for training a model.

use std::io::{self, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Map, Value};

use redflag::lines::LineReader;
use redflag::Limits;

use crate::input::{max_line_bytes, next_text, open_input};
use crate::output::{finish, handle_write, write_json, Fatal};

pub(crate) fn normalize(text_lines: bool, file: Option<PathBuf>) -> Result<ExitCode, Fatal> {
    let (input, _) = open_input(file.as_deref())?;
    let max_line = max_line_bytes(&Limits::default());
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    let mut error = |out: &mut BufWriter<_>, line: usize, msg: String| -> Result<(), Fatal> {
        failed = true;
        write_json(out, &serde_json::json!({ "line": line, "error": msg }))
    };
    loop {
        let (n, text) = match next_text(&mut reader, max_line) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err((n, msg)) => {
                error(&mut out, n, msg)?;
                break;
            }
        };
        let text = match text {
            Ok(t) => t,
            Err(msg) => {
                error(&mut out, n, msg)?;
                continue;
            }
        };
        if text_lines {
            let r = out
                .write_all(redflag::normalize(text).as_str().as_bytes())
                .and_then(|_| out.write_all(b"\n"));
            handle_write(r)?;
            continue;
        }
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(ad)) => {
                let normalized: Map<String, Value> = ad
                    .into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) if k != "id" && k != "section" => {
                            let n = redflag::normalize(&s).as_str().to_string();
                            (k, Value::String(n))
                        }
                        v => (k, v),
                    })
                    .collect();
                write_json(&mut out, &Value::Object(normalized))?;
            }
            Ok(_) => error(
                &mut out,
                n,
                "not a JSON object (use --text for plain text)".into(),
            )?,
            Err(e) => error(&mut out, n, format!("invalid JSON: {e}"))?,
        }
    }
    finish(&mut out)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
