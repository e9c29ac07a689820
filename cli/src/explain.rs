//! `redflag explain`: a human-readable report (the rules that fired, with
//! their matches in context) for one submission or each ad of JSON Lines.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;

use redflag::{Submission, Verdict};

use crate::input::{max_line_bytes, open_input};
use crate::output::{handle_write, Fatal};
use crate::packs::build_engine;
use crate::PackArgs;

pub(crate) fn explain(
    args: &PackArgs,
    section: Option<String>,
    file: Option<PathBuf>,
) -> Result<ExitCode, Fatal> {
    let engine = build_engine(args)?;
    let (input, _) = open_input(file.as_deref())?;
    // One submission: read at most the line limit (and one byte more, to
    // tell a longer input), never the whole of an endless stream.
    let max = max_line_bytes(engine.limits());
    let mut bytes = Vec::new();
    input
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Fatal(format!("cannot read input: {e}")))?;
    if bytes.len() > max {
        return Err(Fatal(format!(
            "the input is longer than the limit of {max} bytes (4 × max_input_bytes)"
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Fatal(format!("cannot read input: not valid UTF-8: {e}")))?;
    // One JSON object; or JSON Lines (the first line a JSON object, more
    // lines after it), one report per ad; or plain text, the body.
    let first_is_object = |t: &str| {
        t.lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| matches!(serde_json::from_str::<Value>(l), Ok(Value::Object(_))))
    };
    let ads: Vec<(usize, Result<Value, String>)> = match serde_json::from_str::<Value>(text.trim())
    {
        Ok(v @ Value::Object(_)) => vec![(1, Ok(v))],
        _ if first_is_object(text) => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let v = match serde_json::from_str::<Value>(l) {
                    Ok(v @ Value::Object(_)) => Ok(v),
                    Ok(_) => Err("expected a JSON object".to_string()),
                    Err(e) => Err(format!("invalid JSON: {e}")),
                };
                (i + 1, v)
            })
            .collect(),
        _ => vec![(1, Ok(serde_json::json!({ "body": text.trim_end() })))],
    };
    let many = ads.len() > 1;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    for (k, (line, ad)) in ads.iter().enumerate() {
        let screened = ad.clone().and_then(|v| {
            let mut sub = Submission::from_json(&v).map_err(|e| e.to_string())?;
            if sub.get_section().is_none() {
                if let Some(s) = &section {
                    sub = sub.section(s.clone());
                }
            }
            let verdict = engine.screen(&sub).map_err(|e| e.to_string())?;
            Ok((v, sub, verdict))
        });
        let (v, sub, verdict) = match screened {
            Ok(x) => x,
            Err(m) if many => {
                failed = true;
                eprintln!("line {line}: {m}");
                continue;
            }
            Err(m) => return Err(Fatal(m)),
        };
        if many {
            let id = v
                .get("id")
                .map(|i| format!(" (id {i})"))
                .unwrap_or_default();
            let sep = if k == 0 { "" } else { "\n" };
            handle_write(writeln!(out, "{sep}=== line {line}{id} ==="))?;
        }
        handle_write(out.write_all(redflag_report(&sub, &verdict).as_bytes()))?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The SpamAssassin-style report.
fn redflag_report(sub: &Submission, v: &Verdict) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let t = &v.thresholds;
    let _ = writeln!(
        s,
        "Verdict: {}   score {}   (warn {}, review {}, block {}; score alone: {})",
        v.verdict.as_str().to_uppercase(),
        v.score,
        t.warn,
        t.review,
        t.block,
        v.score_tier
    );
    let _ = writeln!(
        s,
        "Section: {}   Reads as: {}   Packs: {}{}",
        v.section.as_deref().unwrap_or("(none)"),
        if v.offers.is_empty() {
            "(no offer recognised)".to_string()
        } else {
            v.offers.join(", ")
        },
        v.packs
            .iter()
            .map(|p| format!("{} {}", p.id, p.version))
            .collect::<Vec<_>>()
            .join(", "),
        if v.evasion { "   Evasion: yes" } else { "" }
    );
    if !v.filters.is_empty() {
        let _ = writeln!(s, "Filters active: {}", v.filters.join(", "));
    }
    let _ = writeln!(s);
    if v.rules.is_empty() {
        let _ = writeln!(s, "No rule fired.");
        cleared(&mut s, v);
        return s;
    }
    let idw = v.rules.iter().map(|r| r.id.len()).max().unwrap_or(4).max(4);
    let catw = v
        .rules
        .iter()
        .map(|r| r.category.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        s,
        "{:>6}  {:idw$}  {:catw$}  matched (field: text in context)",
        "pts", "rule", "category"
    );
    let _ = writeln!(
        s,
        "{:>6}  {:-<idw$}  {:-<catw$}  {:-<40}",
        "---", "", "", ""
    );
    for r in &v.rules {
        let mark = if r.experimental {
            " (experimental)"
        } else {
            ""
        };
        let hits: Vec<_> = v.hits.iter().filter(|h| h.rule == r.id).collect();
        let first = hits
            .first()
            .map(|h| context(sub, h))
            .unwrap_or_else(|| "(meta rule)".into());
        let _ = writeln!(
            s,
            "{:>6}  {:idw$}  {:catw$}  {}{}",
            r.score, r.id, r.category, first, mark
        );
        for h in hits.iter().skip(1).take(4) {
            let _ = writeln!(
                s,
                "{:>6}  {:idw$}  {:catw$}  {}",
                "",
                "",
                "",
                context(sub, h)
            );
        }
        if hits.len() > 5 {
            let _ = writeln!(
                s,
                "{:>6}  {:idw$}  {:catw$}  … {} more",
                "",
                "",
                "",
                hits.len() - 5
            );
        }
    }
    cleared(&mut s, v);
    if !v.poster_messages.is_empty() {
        let _ = writeln!(s, "\nPoster sees:");
        for m in &v.poster_messages {
            let _ = writeln!(s, "  - {m}");
        }
    }
    if !v.reviewer_messages.is_empty() {
        let _ = writeln!(s, "\nReviewer notes:");
        for m in &v.reviewer_messages {
            let _ = writeln!(s, "  - {m}");
        }
    }
    s
}

/// The rules that exception words kept from firing, and the words.
fn cleared(s: &mut String, v: &Verdict) {
    use std::fmt::Write as _;
    if v.cleared.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nCleared by exceptions (not counted):");
    for c in &v.cleared {
        let _ = writeln!(
            s,
            "  - {} ({}): {}: \"{}\" cancels \"{}\"",
            c.title, c.rule, c.field, c.exception.text, c.indicator.text
        );
    }
}

/// `field: …before [match] after…` on one line.
fn context(sub: &Submission, h: &redflag::Hit) -> String {
    let text = sub
        .fields()
        .find(|(n, _)| *n == h.field)
        .map(|f| f.1)
        .unwrap_or("");
    let before: String = {
        let b = text.get(..h.byte_start).unwrap_or("");
        let chars: Vec<char> = b.chars().rev().take(24).collect();
        chars.into_iter().rev().collect()
    };
    let after: String = text
        .get(h.byte_end..)
        .unwrap_or("")
        .chars()
        .take(24)
        .collect();
    let steps: Vec<&str> = h.steps.names().collect();
    let oneline = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    format!(
        "{}: …{}[{}]{}…{}",
        h.field,
        oneline(&before),
        oneline(&h.text),
        oneline(&after),
        if steps.is_empty() {
            String::new()
        } else {
            format!("  ({})", steps.join(", "))
        }
    )
}
