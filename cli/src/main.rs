//! `redflag`: screen ads against rule packs from the command line.
//!
//! Exit codes: 0 success; 1 some input lines could not be screened, a rule
//! test failed, or the linter found something; 2 usage or pack errors.

use std::fs;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use redflag::eval::{self, CalibrateOptions, Label, Labelled, RecordId};
use redflag::lines::{Line, LineReader};
use redflag::{
    Engine, EngineBuilder, Limits, Pack, ScreenOptions, Submission, Thresholds, Verdict,
};

#[derive(Parser)]
#[command(
    name = "redflag",
    version,
    about = "Screen classified and job ads for human-trafficking indicators.",
    long_about = "Screen classified and job ads for human-trafficking indicators.\n\n\
        Input is JSON Lines: one object per ad; `id` (any JSON value, echoed back) and `section` \
        are optional, every other string member is a text field (`title`, `body`, ...).\n\n\
        The built-in packs are always loaded unless --no-default-packs is given; --pack adds \
        packs (TOML or JSON files, or directories of them) on top, in order, so a deployment can \
        add its own rules, overrides and filters.\n\n\
        Exit codes: 0 success; 1 a line could not be screened, a test failed or lint found \
        problems; 2 usage or pack errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct PackArgs {
    /// Add a pack (TOML or JSON file, or a directory of them). Repeatable.
    #[arg(long = "pack", short = 'p', value_name = "FILE")]
    packs: Vec<PathBuf>,
    /// Do not load the built-in packs.
    #[arg(long)]
    no_default_packs: bool,
    /// Override the packs' thresholds: WARN,REVIEW,BLOCK (e.g. 3,6,10).
    #[arg(long, value_name = "W,R,B", value_parser = parse_thresholds)]
    thresholds: Option<Thresholds>,
    /// Accept --pack files only as signed packs verified with this base64 ed25519
    /// public key (or a file holding it). Repeatable.
    #[arg(long = "public-key", value_name = "KEY")]
    public_keys: Vec<String>,
}

#[derive(clap::Args, Clone, Default)]
struct EntityArgs {
    /// Add the contact details, prices and ages found (`entities`) to each verdict.
    #[arg(long)]
    entities: bool,
    /// With --entities: include canonical contact values (reviewer use; personal data).
    #[arg(long, requires = "entities")]
    raw_values: bool,
    /// With --entities: file holding the deployment key for keyed hashes of contacts
    /// (HMAC-SHA-256). The environment variable REDFLAG_ENTITY_KEY is used if not given.
    #[arg(long, value_name = "FILE", requires = "entities")]
    entity_key_file: Option<PathBuf>,
}

impl EntityArgs {
    fn key(&self) -> Result<Option<Vec<u8>>, Fatal> {
        let key = match &self.entity_key_file {
            Some(p) => Some(fs::read(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?),
            None => std::env::var_os("REDFLAG_ENTITY_KEY")
                .filter(|_| self.entities)
                .map(|k| k.to_string_lossy().into_owned().into_bytes()),
        };
        // A key file usually ends with a line break; it is not part of the key.
        let key = key.map(|mut k| {
            while k.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                k.pop();
            }
            k
        });
        if key.as_ref().is_some_and(|k| k.len() < 16) {
            return Err(Fatal(
                "the entity key must be at least 16 bytes (use a random secret)".into(),
            ));
        }
        Ok(key)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Screen JSON Lines ads from FILE or stdin; one JSON verdict per line on stdout.
    Scan {
        #[command(flatten)]
        packs: PackArgs,
        /// Section for lines that do not give one (jobs, adult, personals, services,
        /// housing, for-sale, community, or one of their aliases).
        #[arg(long, short = 's', value_parser = parse_section)]
        section: Option<String>,
        #[command(flatten)]
        entities: EntityArgs,
        /// Input file (default: stdin; `-` is stdin).
        file: Option<PathBuf>,
    },
    /// Run every rule's inline tests (built-in packs when no PACK is given).
    Test {
        /// Packs or directories of packs, loaded together in order.
        packs: Vec<PathBuf>,
        /// Print each failure as JSON Lines instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Warn about short or duplicate terms, rules that can never fire, missing explanations or tests.
    Lint {
        /// Packs or directories of packs, loaded together in order (default: built-in packs).
        packs: Vec<PathBuf>,
    },
    /// Human-readable report for one submission (a JSON object, or plain text taken as the
    /// body), or for each ad of a JSON Lines input.
    Explain {
        #[command(flatten)]
        packs: PackArgs,
        /// Section, if the input does not give one (jobs, adult, personals, services,
        /// housing, for-sale, community, or one of their aliases).
        #[arg(long, short = 's', value_parser = parse_section)]
        section: Option<String>,
        /// Input file (default: stdin).
        file: Option<PathBuf>,
    },
    /// Measure packs on labelled JSON Lines (`label`: "flag" or "clean"; optional
    /// `min_tier`, `max_tier`, `group`): precision, recall and F1 per tier, confusion
    /// matrix, per-rule, per-category and per-group rates, worst false positives and
    /// false negatives.
    Eval {
        #[command(flatten)]
        packs: PackArgs,
        /// Labelled submissions (JSON Lines; `-` is stdin). Repeatable: e.g. a
        /// labelled set plus a benign corpus read with --default-label clean.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        /// Label for records without one (e.g. `clean` for a benign corpus).
        #[arg(long, value_enum)]
        default_label: Option<LabelArg>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// Title of the HTML report.
        #[arg(long, default_value = "redflag evaluation")]
        title: String,
    },
    /// Fit the scores of one pack's rules and the tier thresholds to labelled data
    /// (logistic regression pulled towards the current scores, thresholds from
    /// false-positive targets, stratified cross-validation); write the new pack version.
    Calibrate {
        /// Labelled submissions (JSON Lines). Repeatable.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        /// The pack to calibrate (TOML or JSON).
        #[arg(long)]
        pack: PathBuf,
        /// Where to write the calibrated pack (JSON).
        #[arg(long)]
        out: PathBuf,
        /// Screen without the built-in packs (by default they are loaded first,
        /// except one with the calibrated pack's id).
        #[arg(long)]
        no_default_packs: bool,
        /// Label for records without one.
        #[arg(long, value_enum)]
        default_label: Option<LabelArg>,
        /// Largest share of clean ads allowed to reach `warn`.
        #[arg(long, default_value_t = 0.05)]
        max_fpr_warn: f64,
        /// Largest share of clean ads allowed to reach `review`.
        #[arg(long, default_value_t = 0.01)]
        max_fpr_review: f64,
        /// Largest share of clean ads allowed to reach `block`.
        #[arg(long, default_value_t = 0.001)]
        max_fpr_block: f64,
        /// Cross-validation folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Also write the full report (changes, thresholds, metrics) as JSON here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Generate an ed25519 key pair for signing packs: the secret key goes to FILE
    /// (keep it offline), the public key to stdout.
    Keygen {
        /// Where to write the secret key (created; never overwritten).
        #[arg(long, short = 'o')]
        out: PathBuf,
    },
    /// Sign a pack (TOML or JSON) for distribution to browsers, workers and extensions.
    Sign {
        /// The pack.
        pack: PathBuf,
        /// The secret key file (from `redflag keygen`).
        #[arg(long)]
        key: PathBuf,
        /// When the signature stops being accepted (UTC date or time, e.g. 2027-06-01;
        /// a real date in the future).
        #[arg(long)]
        expires: String,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Verify a signed pack: exit 0 if it is signed by a trusted key, not expired and
    /// not older than --min-version; 1 with the reason otherwise.
    Verify {
        /// The signed pack.
        signed: PathBuf,
        /// A trusted base64 public key (or a file holding it). Repeatable.
        #[arg(long = "public-key", required = true)]
        public_keys: Vec<String>,
        /// Refuse versions older than this one (the last version deployed), a
        /// semantic version: pre-releases are older than their release.
        #[arg(long)]
        min_version: Option<String>,
    },
    /// Write the built-in packs compiled, as the image the npm package's .wasm
    /// embeds (read only by this exact redflag version), and optionally the
    /// packs as authored, as one JSON array.
    Image {
        /// The image file to write.
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Also write the built-in packs as a JSON array here.
        #[arg(long = "packs-json", value_name = "FILE")]
        packs_json: Option<PathBuf>,
    },
    /// Convert an authored pack to the JSON that browsers and workers load.
    Pack {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// The pack (TOML or JSON).
        pack: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LabelArg {
    Flag,
    Clean,
}

impl From<LabelArg> for Label {
    fn from(l: LabelArg) -> Label {
        match l {
            LabelArg::Flag => Label::Flag,
            LabelArg::Clean => Label::Clean,
        }
    }
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ReportFormat {
    /// Aligned text for a terminal.
    Table,
    /// JSON for tooling.
    Json,
    /// A self-contained HTML page with plots.
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Pretty JSON.
    Json,
    /// JSON on one line.
    JsonCompact,
}

fn parse_thresholds(s: &str) -> Result<Thresholds, String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{p}` is not a number"))
        })
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [warn, review, block] => Ok(Thresholds {
            warn,
            review,
            block,
        }),
        _ => Err("expected three numbers: WARN,REVIEW,BLOCK".into()),
    }
}

/// A usage or pack error: message for stderr, exit code 2.
struct Fatal(String);

/// `--section`: a section the packs know (by name or alias). A name they do
/// not know would screen as if no section were given, silently: a typo
/// ("jbos") is an error, with the nearest name when one is close.
fn parse_section(s: &str) -> Result<String, String> {
    if redflag::section_index(s).is_some() {
        return Ok(s.to_string());
    }
    let wanted = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let names = redflag::SECTIONS
        .iter()
        .copied()
        .chain(redflag::SECTION_ALIASES.iter().map(|(alias, _)| *alias));
    // Swapped letters count once; a section's own name wins a tie with
    // an alias.
    let nearest = names
        .enumerate()
        .map(|(i, n)| (strsim::damerau_levenshtein(&wanted, n), i, n))
        .min()
        .map(|(d, _, n)| (d, n))
        .filter(|&(d, n)| d <= 2 && d < n.len().min(wanted.len().max(1)));
    let hint = match nearest {
        Some((_, n)) => format!("did you mean `{n}`? "),
        None => String::new(),
    };
    Err(format!(
        "unknown section {s:?}; {hint}the sections are {} (aliases: {}); leave out --section to screen without one",
        redflag::SECTIONS.join(", "),
        redflag::SECTION_ALIASES
            .iter()
            .map(|(a, _)| *a)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan {
            packs,
            section,
            entities,
            file,
        } => scan(&packs, section, &entities, file),
        Command::Test { packs, json } => test(&packs, json),
        Command::Lint { packs } => lint(&packs),
        Command::Explain {
            packs,
            section,
            file,
        } => explain(&packs, section, file),
        Command::Pack { format, out, pack } => convert(format, out, &pack),
        Command::Image { out, packs_json } => image(&out, packs_json.as_deref()),
        Command::Keygen { out } => keygen(&out),
        Command::Sign {
            pack,
            key,
            expires,
            out,
        } => sign(&pack, &key, &expires, out.as_deref()),
        Command::Verify {
            signed,
            public_keys,
            min_version,
        } => verify(&signed, &public_keys, min_version.as_deref()),
        Command::Eval {
            packs,
            labels,
            default_label,
            format,
            out,
            title,
        } => eval(&packs, &labels, default_label, format, out, &title),
        Command::Calibrate {
            labels,
            pack,
            out,
            no_default_packs,
            default_label,
            max_fpr_warn,
            max_fpr_review,
            max_fpr_block,
            folds,
            report,
        } => calibrate_cmd(
            &labels,
            &pack,
            &out,
            no_default_packs,
            default_label,
            CalibrateOptions {
                max_fpr_warn,
                max_fpr_review,
                max_fpr_block,
                folds,
                ..CalibrateOptions::default()
            },
            report,
        ),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(m)) => {
            eprintln!("redflag: {m}");
            ExitCode::from(2)
        }
    }
}

fn pack_files(path: &Path) -> Result<Vec<PathBuf>, Fatal> {
    if path.is_dir() {
        let mut out = Vec::new();
        let entries = fs::read_dir(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(pack_files(&p)?);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("toml" | "json")
            ) {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    } else {
        Ok(vec![path.to_path_buf()])
    }
}

fn load_pack(path: &Path) -> Result<Pack, Fatal> {
    let text = fs::read_to_string(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
    let parsed = if path.extension().and_then(|x| x.to_str()) == Some("json") {
        Pack::from_json(&text)
    } else {
        Pack::from_toml(&text)
    };
    parsed.map_err(|e| Fatal(format!("{}: {e}", path.display())))
}

/// The pack files of `paths` (files, or folders of packs), in order; a
/// folder without packs is an error.
fn all_pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Fatal> {
    let mut out = Vec::new();
    for p in paths {
        let files = pack_files(p)?;
        if files.is_empty() {
            return Err(Fatal(format!(
                "{}: no .toml or .json packs found",
                p.display()
            )));
        }
        out.extend(files);
    }
    Ok(out)
}

fn load_packs(paths: &[PathBuf]) -> Result<Vec<Pack>, Fatal> {
    all_pack_files(paths)?
        .iter()
        .map(|f| load_pack(f))
        .collect()
}

/// The packs of `paths` for an engine builder. A pack that does not parse
/// is added leniently (what parses of it, and its problems), so that the
/// build reports its problems together with what compiling finds (a
/// duplicate id, an unknown list or section), in one round; the files it
/// came from are returned to name in the message.
fn add_packs(
    mut b: EngineBuilder,
    paths: &[PathBuf],
) -> Result<(EngineBuilder, Vec<String>), Fatal> {
    let mut broken = Vec::new();
    for f in all_pack_files(paths)? {
        match load_pack(&f) {
            Ok(pack) => b = b.pack(pack),
            Err(fatal) => match pack_value(&f) {
                Some(v) => {
                    broken.push(f.display().to_string());
                    b = b.pack_value(v);
                }
                // Not even TOML or JSON: nothing more to find in it.
                None => return Err(fatal),
            },
        }
    }
    Ok((b, broken))
}

/// A pack file as a JSON value, if it is valid TOML or JSON at all.
fn pack_value(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    if path.extension().and_then(|x| x.to_str()) == Some("json") {
        serde_json::from_str(&text).ok()
    } else {
        serde_json::to_value(toml::from_str::<toml::Value>(&text).ok()?).ok()
    }
}

fn build_engine(args: &PackArgs) -> Result<Engine, Fatal> {
    build_engine_with(args, None)
}

fn build_engine_with(args: &PackArgs, key: Option<Vec<u8>>) -> Result<Engine, Fatal> {
    let mut b = Engine::builder();
    if let Some(k) = key {
        b = b.entity_key(k);
    }
    if !args.no_default_packs {
        b = b.default_packs();
    }
    let mut broken = Vec::new();
    if args.public_keys.is_empty() {
        (b, broken) = add_packs(b, &args.packs)?;
    } else {
        for p in load_signed_packs(&args.packs, &args.public_keys)? {
            b = b.pack(p);
        }
    }
    if let Some(t) = args.thresholds {
        b = b.thresholds(t);
    }
    b.build().map_err(|e| match broken.len() {
        0 => Fatal(e.to_string()),
        _ => Fatal(format!("{}: {e}", broken.join(", "))),
    })
}

fn engine_for(paths: &[PathBuf]) -> Result<Engine, Fatal> {
    if paths.is_empty() {
        return build_engine(&PackArgs {
            packs: Vec::new(),
            no_default_packs: false,
            thresholds: None,
            public_keys: Vec::new(),
        });
    }
    build_engine(&PackArgs {
        packs: paths.to_vec(),
        no_default_packs: true,
        thresholds: None,
        public_keys: Vec::new(),
    })
}

fn open_input(file: Option<&Path>) -> Result<(Box<dyn Read>, Option<u64>), Fatal> {
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

fn scan(
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
    let progress = if io::stderr().is_terminal() {
        let bar = match len {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(
                    "{spinner} {bytes}/{total_bytes} {wide_bar} {per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {pos} ads screened {per_sec}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        // Only worth drawing for long batches; indicatif draws at most ~20 times a second.
        Some(bar)
    } else {
        None
    };
    let max_line = max_line_bytes(engine.limits());
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = false;
    loop {
        if let (Some(p), Some(_)) = (&progress, len) {
            p.set_position(reader.bytes_read());
        }
        let (n, line) = match reader.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                // A read error ends the input.
                failed = true;
                let err = LineError {
                    line: reader.line_number(),
                    id: None,
                    error: format!("cannot read line: {e}"),
                };
                write_json(&mut out, &err)?;
                break;
            }
        };
        if let (Some(p), None) = (&progress, len) {
            p.inc(1);
        }
        let text = match line {
            Line::Text(t) => t.trim(),
            Line::NotUtf8 { .. } | Line::TooLong { .. } => {
                failed = true;
                let err = LineError {
                    line: n,
                    id: None,
                    error: format!("cannot read line: {}", unreadable(&line, max_line)),
                };
                write_json(&mut out, &err)?;
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

/// The longest input line read: four times the engine's `max_input_bytes`
/// (4 MiB by default). A line holds a submission's text as JSON, and JSON
/// writers escape: Python's `json.dumps` writes `é` (2 bytes) as `\u00e9`
/// (6) and an emoji (4) as a surrogate pair (12), so a line of text within
/// the engine's limit can be three times as long, plus the keys. Longer
/// lines are refused while they are read, never held whole.
fn max_line_bytes(limits: &Limits) -> usize {
    limits.max_input_bytes.saturating_mul(4)
}

/// Why a line could not be read, for its error line.
fn unreadable(line: &Line<'_>, max_line: usize) -> String {
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

/// The `id` member of a JSON object line, as written in `text` (parsed a
/// second time only when `value` has one).
fn raw_id<'a>(value: &Value, text: &'a str) -> Option<&'a RawValue> {
    value.get("id")?;
    redflag::lines::raw_id(text)
}

fn write_json(out: &mut impl Write, v: &impl Serialize) -> Result<(), Fatal> {
    let r = serde_json::to_writer(&mut *out, v)
        .map_err(io::Error::from)
        .and_then(|_| out.write_all(b"\n"));
    handle_write(r)
}

fn finish(out: &mut impl Write) -> Result<(), Fatal> {
    handle_write(out.flush())
}

fn handle_write(r: io::Result<()>) -> Result<(), Fatal> {
    match r {
        Ok(()) => Ok(()),
        // `redflag scan | head`: stop quietly, as Unix tools do.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Fatal(format!("cannot write output: {e}"))),
    }
}

fn test(paths: &[PathBuf], json: bool) -> Result<ExitCode, Fatal> {
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

fn lint(paths: &[PathBuf]) -> Result<ExitCode, Fatal> {
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

fn explain(
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

fn image(out: &Path, packs_json: Option<&Path>) -> Result<ExitCode, Fatal> {
    let bytes =
        redflag::default_packs_image().map_err(|e| Fatal(format!("built-in packs: {e}")))?;
    fs::write(out, &bytes).map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    if let Some(p) = packs_json {
        let packs = redflag::default_packs().map_err(|e| Fatal(e.to_string()))?;
        let json = serde_json::to_string(&packs).map_err(|e| Fatal(e.to_string()))?;
        fs::write(p, json + "\n").map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn convert(format: Format, out: Option<PathBuf>, path: &Path) -> Result<ExitCode, Fatal> {
    let pack = load_pack(path)?;
    // Validate on its own; an overlay pack that refers to the built-in
    // rules is valid on top of them.
    let alone = Engine::builder().pack(pack.clone()).build();
    if let Err(e) = alone {
        if Engine::builder()
            .default_packs()
            .pack(pack.clone())
            .build()
            .is_err()
        {
            return Err(Fatal(format!("{}: {e}", path.display())));
        }
    }
    let json = match format {
        Format::Json => pack.to_json(),
        Format::JsonCompact => serde_json::to_string(&pack).map_err(|e| Fatal(e.to_string()))?,
    };
    match out {
        Some(p) => {
            fs::write(&p, json + "\n").map_err(|e| Fatal(format!("{}: {e}", p.display())))?
        }
        None => handle_write(writeln!(io::stdout().lock(), "{json}"))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads labelled JSON Lines. Bad records are reported on stderr by line
/// and skipped; the second value says whether there were any.
fn read_labels(
    paths: &[PathBuf],
    default: Option<LabelArg>,
) -> Result<(Vec<Labelled>, bool), Fatal> {
    let mut items = Vec::new();
    let mut bad = false;
    for path in paths {
        bad |= read_label_file(path, default, &mut items)?;
    }
    Ok((items, bad))
}

fn read_label_file(
    path: &Path,
    default: Option<LabelArg>,
    items: &mut Vec<Labelled>,
) -> Result<bool, Fatal> {
    let (input, _) = open_input(Some(path))?;
    let max_line = max_line_bytes(&Limits::default());
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let mut bad = false;
    let mut unlabelled: Vec<usize> = Vec::new();
    loop {
        let (n, line) = match reader.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                return Err(Fatal(format!(
                    "{}: line {}: {e}",
                    path.display(),
                    reader.line_number()
                )))
            }
        };
        let line = match line {
            Line::Text(t) => t,
            other => {
                bad = true;
                eprintln!(
                    "{}: line {n}: cannot read line: {}",
                    path.display(),
                    unreadable(&other, max_line)
                );
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

fn write_output(out: Option<&Path>, text: &str) -> Result<(), Fatal> {
    match out {
        Some(p) => fs::write(p, text).map_err(|e| Fatal(format!("{}: {e}", p.display()))),
        None => {
            let stdout = io::stdout();
            let mut w = stdout.lock();
            handle_write(w.write_all(text.as_bytes()).and_then(|_| w.flush()))
        }
    }
}

fn eval(
    packs: &PackArgs,
    labels: &[PathBuf],
    default: Option<LabelArg>,
    format: ReportFormat,
    out: Option<PathBuf>,
    title: &str,
) -> Result<ExitCode, Fatal> {
    let engine = build_engine(packs)?;
    let (items, bad) = read_labels(labels, default)?;
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

fn calibrate_cmd(
    labels: &[PathBuf],
    pack: &Path,
    out: &Path,
    no_default_packs: bool,
    default: Option<LabelArg>,
    opts: CalibrateOptions,
    report: Option<PathBuf>,
) -> Result<ExitCode, Fatal> {
    let target = load_pack(pack)?;
    let others: Vec<Pack> = if no_default_packs {
        Vec::new()
    } else {
        redflag::default_packs()
            .map_err(|e| Fatal(e.to_string()))?
            .into_iter()
            .filter(|p| p.id() != target.id())
            .collect()
    };
    let (items, bad) = read_labels(labels, default)?;
    let c = eval::calibrate(&others, &target, &items, &Limits::default(), &opts)
        .map_err(|e| Fatal(e.to_string()))?;
    let json = serde_json::to_string_pretty(&c.pack).map_err(|e| Fatal(e.to_string()))?;
    fs::write(out, json + "\n").map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    if let Some(r) = report {
        let json = serde_json::to_string_pretty(&c).map_err(|e| Fatal(e.to_string()))?;
        fs::write(&r, json + "\n").map_err(|e| Fatal(format!("{}: {e}", r.display())))?;
    }
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} → {} on {} submissions, {}-fold cross-validation; written to {}",
        c.pack.pack.id,
        target.pack.version,
        c.pack.pack.version,
        c.submissions,
        c.folds,
        out.display()
    );
    let t = |x: &Thresholds| format!("warn {}, review {}, block {}", x.warn, x.review, x.block);
    let _ = writeln!(
        s,
        "thresholds: {}  →  {}",
        t(&c.thresholds_before),
        t(&c.thresholds_after)
    );
    let _ = writeln!(
        s,
        "\n  rule                                    old    new   flagged  clean"
    );
    for ch in &c.changes {
        let _ = writeln!(
            s,
            "  {:<38} {:>5} {:>6} {:>8} {:>6}{}",
            ch.rule,
            ch.old,
            ch.new,
            ch.flagged,
            ch.clean,
            if ch.old == ch.new { "" } else { "  *" }
        );
    }
    let _ = writeln!(
        s,
        "\n  held-out    precision  recall  FP rate   (before → after)"
    );
    for (b, a) in c.before.tiers.iter().zip(&c.after.tiers) {
        let _ = writeln!(
            s,
            "  ≥ {:<7} {:>5.1}% → {:>5.1}%  {:>5.1}% → {:>5.1}%  {:>5.2}% → {:>5.2}%",
            b.tier.as_str(),
            100.0 * b.precision,
            100.0 * a.precision,
            100.0 * b.recall,
            100.0 * a.recall,
            100.0 * b.false_positive_rate,
            100.0 * a.false_positive_rate
        );
    }
    write_output(None, &s)?;
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A public key given inline or as a file holding it.
fn public_key_arg(k: &str) -> Result<String, Fatal> {
    let p = Path::new(k);
    if p.exists() {
        return fs::read_to_string(p)
            .map(|t| t.trim().to_string())
            .map_err(|e| Fatal(format!("{k}: {e}")));
    }
    Ok(k.trim().to_string())
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn trust(keys: &[String]) -> Result<redflag::signing::TrustPolicy, Fatal> {
    let keys = keys
        .iter()
        .map(|k| public_key_arg(k))
        .collect::<Result<Vec<_>, _>>()?;
    redflag::signing::TrustPolicy::new(&keys, now_unix()).map_err(|e| Fatal(e.to_string()))
}

fn load_signed_packs(paths: &[PathBuf], keys: &[String]) -> Result<Vec<Pack>, Fatal> {
    let policy = trust(keys)?;
    let mut out = Vec::new();
    for p in paths {
        let text = fs::read_to_string(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        let pack = redflag::signing::verify_signed_pack(&text, &policy)
            .map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        out.push(pack);
    }
    Ok(out)
}

fn keygen(out: &Path) -> Result<ExitCode, Fatal> {
    use rand_core::OsRng;
    let key = ed25519_dalek::SigningKey::generate(&mut OsRng);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(out)
        .map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    f.write_all(format!("{}\n", redflag::signing::secret_key_text(&key)).as_bytes())
        .map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    println!("{}", redflag::signing::public_key_of(&key));
    Ok(ExitCode::SUCCESS)
}

fn sign(pack: &Path, key: &Path, expires: &str, out: Option<&Path>) -> Result<ExitCode, Fatal> {
    let p = load_pack(pack)?;
    let json = serde_json::to_string_pretty(&p).map_err(|e| Fatal(e.to_string()))?;
    let secret_text =
        fs::read_to_string(key).map_err(|e| Fatal(format!("{}: {e}", key.display())))?;
    let secret =
        redflag::signing::parse_secret_key(&secret_text).map_err(|e| Fatal(e.to_string()))?;
    let expires = if expires.len() == 10 {
        format!("{expires}T00:00:00Z")
    } else {
        expires.to_string()
    };
    // A signature that has already expired would be refused everywhere.
    let at = redflag::signing::parse_utc(&expires).map_err(|e| Fatal(format!("--expires: {e}")))?;
    if at <= now_unix() {
        return Err(Fatal(format!(
            "--expires: {expires} is not in the future; the signed pack would be refused as expired"
        )));
    }
    let signed = redflag::signing::sign_pack(&json, &expires, &secret)
        .map_err(|e| Fatal(format!("{}: {e}", pack.display())))?;
    write_output(out, &(signed + "\n"))?;
    Ok(ExitCode::SUCCESS)
}

fn verify(signed: &Path, keys: &[String], min_version: Option<&str>) -> Result<ExitCode, Fatal> {
    let text =
        fs::read_to_string(signed).map_err(|e| Fatal(format!("{}: {e}", signed.display())))?;
    let mut policy = trust(keys)?;
    if let Some(v) = min_version {
        // Checked here so that a mistyped minimum is a usage error, not a
        // refusal of the pack.
        redflag::signing::check_version(v).map_err(|e| Fatal(format!("--min-version: {e}")))?;
        // The id is known only after parsing: apply the minimum to any id.
        if let Ok(p) = redflag::Pack::from_json(
            &serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|e| e.get("pack").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default(),
        ) {
            policy = policy.last_version(p.id(), v);
        }
    }
    match redflag::signing::verify_signed_pack(&text, &policy) {
        Ok(p) => {
            println!("ok: {} {} signed by a trusted key", p.id(), p.pack.version);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("refused: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
