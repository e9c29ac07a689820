//! Reading labelled JSON Lines, for `eval` and `calibrate`.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::Value;

use redflag::eval::{Label, Labelled, RecordId};
use redflag::lines::LineReader;
use redflag::Limits;

use crate::decisions;
use crate::input::{max_line_bytes, next_text, open_input, raw_id};
use crate::output::Fatal;
use crate::LabelArg;

/// The labelled files of `eval` and `calibrate`.
pub(crate) struct LabelFiles<'a> {
    pub(crate) paths: &'a [PathBuf],
    /// The label of records without one.
    pub(crate) default: Option<LabelArg>,
    /// What opens sealed decision files among them.
    pub(crate) keys: decisions::Keys<'a>,
}

/// Reads labelled JSON Lines, each file in the clear or a sealed decisions
/// file (`redflag-decisions/2` or `/1`, opened in memory with the keys). Bad records
/// are reported on stderr by line and skipped; the second value says
/// whether there were any.
pub(crate) fn read_labels(files: &LabelFiles<'_>) -> Result<(Vec<Labelled>, bool), Fatal> {
    let mut items = Vec::new();
    let mut bad = false;
    for path in files.paths {
        bad |= read_label_file(path, files.default, &files.keys, &mut items)?;
    }
    Ok((items, bad))
}

fn read_label_file(
    path: &Path,
    default: Option<LabelArg>,
    keys: &decisions::Keys<'_>,
    items: &mut Vec<Labelled>,
) -> Result<bool, Fatal> {
    let (input, _) = open_input(Some(path))?;
    let input = decisions::reader(input, &path.display().to_string(), keys)?;
    let max_line = max_line_bytes(&Limits::default());
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let mut bad = false;
    let mut unlabelled: Vec<usize> = Vec::new();
    loop {
        let (n, line) = match next_text(&mut reader, max_line) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err((n, e)) => return Err(Fatal(format!("{}: line {n}: {e}", path.display()))),
        };
        let line = match line {
            Ok(t) => t,
            Err(e) => {
                bad = true;
                eprintln!("{}: line {n}: {e}", path.display());
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("invalid JSON: {e}"))
            .and_then(|v| {
                if default.is_none() && v.is_object() && v.get("label").is_none() {
                    unlabelled.push(n);
                    return Err(String::new());
                }
                let mut l =
                    Labelled::from_json(&v, default.map(Label::from)).map_err(|e| e.to_string())?;
                // Reports echo the id as written, not as re-serialised.
                if let Some(raw) = raw_id(&v, line) {
                    l.id = Some(RecordId::from_raw(raw));
                }
                Ok(l)
            });
        match parsed {
            Ok(l) => items.push(l),
            Err(m) => {
                bad = true;
                if !m.is_empty() {
                    eprintln!("{}: line {n}: {m}", path.display());
                }
            }
        }
    }
    // One message for a file without labels (a corpus of honest ads read
    // by mistake without --default-label), not one per line.
    if let Some(first) = unlabelled.first() {
        let lines = if unlabelled.len() == 1 {
            format!("line {first} has")
        } else {
            format!("{} lines have (the first: line {first})", unlabelled.len())
        };
        eprintln!(
            "{}: {lines} no `label` (\"flag\" or \"clean\"); label them, or give the file's \
             label with --default-label (e.g. --default-label clean for a corpus of honest ads)",
            path.display()
        );
    }
    Ok(bad)
}
