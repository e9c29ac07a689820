//! `redflag scan-image`: read the text in pictures with Debian's `tesseract`
//! and screen it, one JSON verdict per picture on stdout, with the word
//! boxes of every hit (docs/images.md, "Text in pictures").
//!
//! Each file's header is read first (JPEG, PNG or WebP, within the same
//! limits as `image-hash`), so a huge or foreign file never reaches the
//! OCR; `tesseract FILE stdout -l LANG tsv` then runs under a time limit.
//! Its words become one text field, `picture`: the words of a line joined by
//! a space, lines by a newline, with each word's span kept so that a hit's
//! span maps back to the boxes of the words under it.

use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use redflag::images::ImageLimits;
use redflag::{ScreenOptions, Submission, Verdict};

use crate::output::{finish, write_json, Fatal};
use crate::packs::build_engine_with;
use crate::{EntityArgs, PackArgs};

/// The field the recognised text is screened as.
pub(crate) const FIELD: &str = "picture";

pub(crate) struct Args<'a> {
    pub(crate) packs: &'a PackArgs,
    pub(crate) section: Option<String>,
    pub(crate) entities: &'a EntityArgs,
    pub(crate) files: &'a [PathBuf],
    pub(crate) tesseract: &'a Path,
    pub(crate) lang: &'a str,
    pub(crate) timeout: Duration,
    pub(crate) limits: ImageLimits,
}

/// One word as tesseract read it: its box in the picture's pixels, its
/// confidence (0–100) and its span in the `picture` text.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub(crate) struct Word {
    pub(crate) text: String,
    pub(crate) left: u32,
    pub(crate) top: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) conf: f32,
    /// Start of the word in the text, UTF-16 code units (as the hits' `start`).
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// The text of a picture and its words.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Ocr {
    pub(crate) text: String,
    pub(crate) words: Vec<Word>,
}

#[derive(Serialize)]
struct Out<'a> {
    file: String,
    width: u32,
    height: u32,
    /// The recognised text, screened as the field `picture`.
    text: &'a str,
    #[serde(flatten)]
    verdict: &'a Verdict,
    /// For each hit, in the order of `hits`: the boxes of the words under it.
    hit_boxes: Vec<Vec<&'a Word>>,
    /// For each entity (with --entities), in the order of `entities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    entity_boxes: Option<Vec<Vec<&'a Word>>>,
    ocr_ms: u64,
}

#[derive(Serialize)]
struct FileError {
    file: String,
    error: String,
}

/// Parses tesseract's TSV output (level 5 rows are words) into the text of
/// the picture and its words. Lines are told apart by their block,
/// paragraph and line numbers.
pub(crate) fn parse_tsv(tsv: &str) -> Ocr {
    let mut ocr = Ocr::default();
    let mut utf16 = 0usize;
    let mut line_of_last: Option<(u32, u32, u32, u32)> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let text = cols[11..].join("\t");
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let line = (num(1), num(2), num(3), num(4));
        if let Some(last) = line_of_last {
            let sep = if last == line { " " } else { "\n" };
            ocr.text.push_str(sep);
            utf16 += 1;
        }
        line_of_last = Some(line);
        let start = utf16;
        utf16 += text.encode_utf16().count();
        ocr.text.push_str(text);
        ocr.words.push(Word {
            text: text.to_owned(),
            left: num(6),
            top: num(7),
            width: num(8),
            height: num(9),
            conf: cols[10].trim().parse::<f32>().unwrap_or(-1.0),
            start,
            end: utf16,
        });
    }
    ocr
}

/// The words under the span [start, end) of the text (UTF-16).
pub(crate) fn words_in(words: &[Word], start: usize, end: usize) -> Vec<&Word> {
    words
        .iter()
        .filter(|w| w.start < end && start < w.end)
        .collect()
}

/// The picture's width and height from its header, within `limits`.
fn dimensions(path: &Path, limits: &ImageLimits) -> Result<(u32, u32), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > limits.max_bytes as u64 {
        return Err(format!(
            "the file has {} bytes, more than --max-bytes {}",
            meta.len(),
            limits.max_bytes
        ));
    }
    // The format from the first bytes, never the file's name (as image-hash).
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let reader = image::ImageReader::new(io::BufReader::new(file))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("not a JPEG, PNG or WebP picture".into());
    }
    let (w, h) = reader.into_dimensions().map_err(|e| e.to_string())?;
    if w > limits.max_width || h > limits.max_height {
        return Err(format!(
            "{w}×{h} pixels: a side is longer than --max-side {}",
            limits.max_width
        ));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(format!(
            "{w}×{h} pixels: more than --max-pixels {}",
            limits.max_pixels
        ));
    }
    Ok((w, h))
}

/// What went wrong running tesseract: missing (the whole command stops) or
/// failed on this file.
enum RunError {
    Missing(String),
    Failed(String),
}

/// Runs `tesseract FILE stdout -l LANG tsv`, killed after `timeout`.
fn run_tesseract(
    tesseract: &Path,
    file: &Path,
    lang: &str,
    timeout: Duration,
) -> Result<String, RunError> {
    let mut child = Command::new(tesseract)
        .arg(file)
        .arg("stdout")
        .args(["-l", lang, "tsv"])
        // One thread: the machine's other cores stay with whoever shares it,
        // and runs are comparable.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                RunError::Missing(format!(
                    "`{}` was not found: scan-image needs Debian's tesseract \
                     (apt-get install tesseract-ocr tesseract-ocr-eng), or its path in --tesseract",
                    tesseract.display()
                ))
            } else {
                RunError::Missing(format!("cannot run `{}`: {e}", tesseract.display()))
            }
        })?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let err = thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_end(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Failed(format!(
                    "tesseract took longer than --timeout {} s",
                    timeout.as_secs()
                )));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(RunError::Failed(format!("waiting for tesseract: {e}"))),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if !status.success() {
        let said = String::from_utf8_lossy(&err);
        let said = said.trim();
        // A language without its data is the whole run's problem, not this file's.
        if said.contains("Failed loading language") || said.contains("Error opening data file") {
            return Err(RunError::Missing(format!(
                "tesseract has no data for the language {lang:?}: install Debian's \
                 tesseract-ocr-{lang} (tesseract said: {said})"
            )));
        }
        return Err(RunError::Failed(format!(
            "tesseract failed ({status}): {said}"
        )));
    }
    String::from_utf8(out)
        .map_err(|_| RunError::Failed("tesseract wrote text that is not UTF-8".into()))
}

pub(crate) fn scan_image(a: &Args) -> Result<ExitCode, Fatal> {
    let engine = build_engine_with(a.packs, a.entities.key()?)?;
    let opts = ScreenOptions {
        thresholds: None,
        entities: a.entities.entities,
        raw_values: a.entities.raw_values,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    for file in a.files {
        let name = file.display().to_string();
        let fail = |error: String| FileError {
            file: name.clone(),
            error,
        };
        let (width, height) = match dimensions(file, &a.limits) {
            Ok(d) => d,
            Err(e) => {
                failed = true;
                write_json(&mut out, &fail(e))?;
                continue;
            }
        };
        let started = Instant::now();
        let tsv = match run_tesseract(a.tesseract, file, a.lang, a.timeout) {
            Ok(t) => t,
            Err(RunError::Missing(m)) => {
                finish(&mut out)?;
                return Err(Fatal(m));
            }
            Err(RunError::Failed(e)) => {
                failed = true;
                write_json(&mut out, &fail(e))?;
                continue;
            }
        };
        let ocr_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let ocr = parse_tsv(&tsv);
        let mut sub = Submission::new().field(FIELD, ocr.text.clone());
        if let Some(s) = &a.section {
            sub = sub.section(s.clone());
        }
        let verdict = match engine.screen_with_options(&sub, &opts) {
            Ok(v) => v,
            Err(e) => {
                failed = true;
                write_json(&mut out, &fail(e.to_string()))?;
                continue;
            }
        };
        let hit_boxes = verdict
            .hits
            .iter()
            .map(|h| words_in(&ocr.words, h.start, h.end))
            .collect();
        let entity_boxes = opts.entities.then(|| {
            verdict
                .entities
                .iter()
                .map(|e| words_in(&ocr.words, e.start, e.end))
                .collect()
        });
        write_json(
            &mut out,
            &Out {
                file: name.clone(),
                width,
                height,
                text: &ocr.text,
                verdict: &verdict,
                hit_boxes,
                entity_boxes,
                ocr_ms,
            },
        )?;
    }
    finish(&mut out)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
        1\t1\t0\t0\t0\t0\t0\t0\t640\t200\t-1\t\n\
        5\t1\t1\t1\t1\t1\t10\t20\t50\t18\t96.1\tCall\n\
        5\t1\t1\t1\t1\t2\t70\t20\t120\t18\t91.0\t202-555-0147\n\
        5\t1\t1\t1\t2\t1\t10\t60\t40\t18\t95.5\tI'm\n\
        5\t1\t1\t1\t2\t2\t60\t60\t20\t18\t-1\t \n\
        5\t1\t1\t1\t2\t3\t90\t60\t30\t18\t88.0\tnaïve\n";

    #[test]
    fn words_make_lines_and_keep_their_spans() {
        let ocr = parse_tsv(TSV);
        assert_eq!(ocr.text, "Call 202-555-0147\nI'm naïve");
        assert_eq!(ocr.words.len(), 4);
        for w in &ocr.words {
            let units: Vec<u16> = ocr.text.encode_utf16().collect();
            assert_eq!(String::from_utf16_lossy(&units[w.start..w.end]), w.text);
        }
        assert_eq!(ocr.words[1].left, 70);
        assert_eq!(ocr.words[1].width, 120);
        let under = words_in(&ocr.words, 5, 17);
        assert_eq!(under.len(), 1);
        assert_eq!(under[0].text, "202-555-0147");
        assert_eq!(words_in(&ocr.words, 0, 12).len(), 2);
    }

    #[test]
    fn empty_or_foreign_output_gives_no_words() {
        assert_eq!(parse_tsv(""), Ocr::default());
        assert_eq!(parse_tsv("not\ta\ttsv\n5\t1\n"), Ocr::default());
    }
}
