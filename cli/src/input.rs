//! Reading input: a file or stdin, the longest line read, and why a line
//! could not be read.

use std::fs;
use std::io::{self, BufRead, IsTerminal, Read};

use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

use serde_json::value::RawValue;
use serde_json::Value;

use redflag::lines::{Line, LineReader};
use redflag::Limits;

use crate::output::Fatal;

pub(crate) fn open_input(file: Option<&Path>) -> Result<(Box<dyn Read>, Option<u64>), Fatal> {
    match file {
        None => Ok((Box::new(io::stdin()), None)),
        Some(p) if p == Path::new("-") => Ok((Box::new(io::stdin()), None)),
        Some(p) => {
            let f = fs::File::open(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), len))
        }
    }
}

/// The longest input line read: four times the engine's `max_input_bytes`
/// (4 MiB by default). A line holds a submission's text as JSON, and JSON
/// writers escape: Python's `json.dumps` writes `é` (2 bytes) as `\u00e9`
/// (6) and an emoji (4) as a surrogate pair (12), so a line of text within
/// the engine's limit can be three times as long, plus the keys. Longer
/// lines are refused while they are read, never held whole.
pub(crate) fn max_line_bytes(limits: &Limits) -> usize {
    limits.max_input_bytes.saturating_mul(4)
}

/// Why a line could not be read, for its error line.
pub(crate) fn unreadable(line: &Line<'_>, max_line: usize) -> String {
    match line {
        Line::NotUtf8 { valid_up_to } => {
            format!("not valid UTF-8 (the first invalid byte follows {valid_up_to} valid ones)")
        }
        Line::TooLong { bytes } => format!(
            "the line is {bytes} bytes, longer than the limit of {max_line} bytes \
             (4 × max_input_bytes); it was skipped"
        ),
        Line::Text(_) => String::new(),
    }
}

/// What [`next_text`] returns: the line number with the line's text or
/// the message its error line carries, `None` at the end of the input, or
/// a read error with its line number.
pub(crate) type NextText<'a> = Result<Option<(usize, Result<&'a str, String>)>, (usize, String)>;

/// The next line of `reader` and its number, the way every command that
/// reads JSON Lines takes it: `Ok(None)` at the end of the input, the text
/// of a readable line, or for a line that is not UTF-8 or is longer than
/// `max_line` the message its error line carries ("cannot read line: …";
/// the command goes on with the next line). `Err` is a read error, with
/// the line number and message: the input ends there.
pub(crate) fn next_text<R: BufRead>(reader: &mut LineReader<R>, max_line: usize) -> NextText<'_> {
    // A read error counts the line it failed on.
    let failed_at = reader.line_number() + 1;
    match reader.next_line() {
        Ok(None) => Ok(None),
        Ok(Some((n, Line::Text(t)))) => Ok(Some((n, Ok(t)))),
        Ok(Some((n, line))) => Ok(Some((
            n,
            Err(format!("cannot read line: {}", unreadable(&line, max_line))),
        ))),
        Err(e) => Err((failed_at, format!("cannot read line: {e}"))),
    }
}

/// The `id` member of a JSON object line, as written in `text` (parsed a
/// second time only when `value` has one).
pub(crate) fn raw_id<'a>(value: &Value, text: &'a str) -> Option<&'a RawValue> {
    value.get("id")?;
    redflag::lines::raw_id(text)
}

/// A progress bar on stderr when it is a terminal: bytes of a file of
/// known length, or a count of `what` (e.g. "ads screened") for stdin.
pub(crate) fn progress_bar(len: Option<u64>, what: &str) -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    // indicatif draws at most ~20 times a second.
    Some(match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {wide_bar} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template(&format!("{{spinner}} {{pos}} {what} {{per_sec}}"))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    })
}
