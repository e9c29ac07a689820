//! `redflag eval`: measure packs on labelled ads, as a table, JSON or HTML.

use std::path::PathBuf;
use std::process::ExitCode;

use redflag::eval;

use crate::labels::{read_labels, LabelFiles};
use crate::output::{write_output, Fatal};
use crate::packs::build_engine;
use crate::{PackArgs, ReportFormat};

pub(crate) fn eval(
    packs: &PackArgs,
    labels: &LabelFiles<'_>,
    format: ReportFormat,
    out: Option<PathBuf>,
    title: &str,
) -> Result<ExitCode, Fatal> {
    let engine = build_engine(packs)?;
    let (items, bad) = read_labels(labels)?;
    if items.is_empty() {
        // Nothing to measure: a table of zeros would read as a result.
        eprintln!("redflag: no labelled ad was read; nothing to measure");
        return Ok(ExitCode::from(1));
    }
    let report = eval::evaluate(&engine, &items);
    for (i, m) in &report.errors {
        eprintln!("record {i}: {m}");
    }
    let text = match format {
        ReportFormat::Table => eval::text_report(&report),
        ReportFormat::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))? + "\n"
        }
        ReportFormat::Html => eval::html_report(&report, title),
    };
    write_output(out.as_deref(), &text)?;
    Ok(if bad || !report.errors.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
