//! `redflag`: screen ads against rule packs from the command line.
//!
//! Exit codes: 0 success; 1 some input lines could not be screened, a rule
//! test failed, or the linter found something; 2 usage or pack errors.
//!
//! This file holds the command line (the clap definitions) and the dispatch;
//! each subcommand is in its own module (`redflag test` in `pack_test`,
//! `redflag pack` in `convert`), and `packs`, `input`, `labels` and `output`
//! hold what several of them share.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use redflag::eval::{CalibrateOptions, Label};
use redflag::Thresholds;

use crate::output::Fatal;

mod calibrate;
mod convert;
mod decisions;
mod eval;
mod evidence;
mod explain;
mod hashlist;
mod image;
mod image_hash;
mod input;
mod labels;
mod link;
mod lint;
mod normalize;
mod output;
mod pack_test;
mod packs;
mod report;
mod scan;
mod scan_image;
mod signing;

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
    /// Screen with the rules alone: no n-gram model (by default the built-in packs come
    /// with the built-in models, which move a verdict at the ends of their range).
    #[arg(long, conflicts_with_all = ["model", "languages_model"])]
    no_model: bool,
    /// Use this n-gram model file (as rules/model/train.py writes it) instead of the
    /// built-in one, also with --no-default-packs. It then reads every ad, unless
    /// --languages-model is given too.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Read ads in the source-country languages (ro, pl, tl, id, vi, ru, uk, zh, th,
    /// ar, hi) with this model file instead (the built-in packs come with
    /// rules/model/ngram-langs.bin). Only with --model.
    #[arg(long, value_name = "FILE", requires = "model")]
    languages_model: Option<PathBuf>,
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
        entity_key(self.entity_key_file.as_deref(), self.entities)
    }
}

/// How sealed decision exports (`redflag-decisions/2`, and /1) are opened.
#[derive(clap::Args, Clone, Default)]
struct DecisionKeyArgs {
    /// The trust-and-safety team's X25519 private key (the file from `redflag decisions
    /// keygen`, or base64), to read sealed decision exports: verified, then decrypted in
    /// memory only. Repeatable: after the team's key was changed, an export holds decisions
    /// sealed to the earlier key too (those sealed to a key not given are left out, and
    /// counted on stderr). REDFLAG_DECISIONS_KEY_FILE names the file if none is given.
    #[arg(long = "key", value_name = "KEY")]
    keys: Vec<String>,
    /// A trusted signer of sealed decision exports: a reviewer extension's base64 ed25519
    /// public key (options page), or a file holding it. Repeatable; without it the signature
    /// is checked against the key the file names, and stderr says the signer was not checked.
    #[arg(long = "signer", value_name = "KEY")]
    signers: Vec<String>,
}

impl DecisionKeyArgs {
    fn keys(&self) -> decisions::Keys<'_> {
        decisions::Keys {
            keys: &self.keys,
            signers: &self.signers,
            whole: false,
        }
    }
}

/// The deployment key for keyed contact hashes: the file's bytes (without a
/// final line break), else REDFLAG_ENTITY_KEY when `env` is set; at least
/// 16 bytes.
fn entity_key(file: Option<&std::path::Path>, env: bool) -> Result<Option<Vec<u8>>, Fatal> {
    let key = match file {
        Some(p) => Some(fs::read(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?),
        None => std::env::var_os("REDFLAG_ENTITY_KEY")
            .filter(|_| env)
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

/// What `scan` and `scan-image` screen with: the packs, the section and the
/// entity options.
#[derive(clap::Args)]
struct ScreenArgs {
    #[command(flatten)]
    packs: PackArgs,
    /// Section of the ads, for input that does not give one (jobs, adult, personals,
    /// services, housing, for-sale, community, or one of their aliases).
    #[arg(long, short = 's', value_parser = parse_section)]
    section: Option<String>,
    #[command(flatten)]
    entities: EntityArgs,
}

/// The limits on a picture file that `scan-image` and `image-hash` read.
#[derive(clap::Args, Debug, Clone, Copy)]
struct PictureLimits {
    /// Largest file, in bytes.
    #[arg(long, default_value_t = redflag::images::ImageLimits::default().max_bytes)]
    max_bytes: usize,
    /// Largest picture, in pixels (width × height), read from the file's header.
    #[arg(long, default_value_t = redflag::images::ImageLimits::default().max_pixels)]
    max_pixels: u64,
    /// Largest width or height, in pixels.
    #[arg(long, default_value_t = redflag::images::ImageLimits::default().max_width)]
    max_side: u32,
}

impl PictureLimits {
    /// As the library's limits: one bound for width and height.
    fn limits(self) -> redflag::images::ImageLimits {
        redflag::images::ImageLimits {
            max_bytes: self.max_bytes,
            max_width: self.max_side,
            max_height: self.max_side,
            max_pixels: self.max_pixels,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Screen JSON Lines ads from FILE or stdin; one JSON verdict per line on stdout.
    Scan {
        #[command(flatten)]
        screen: ScreenArgs,
        /// Input file (default: stdin; `-` is stdin).
        file: Option<PathBuf>,
    },
    /// Read the text in pictures with Debian's tesseract and screen it: one JSON verdict per
    /// picture, with the word boxes of every hit.
    #[command(
        name = "scan-image",
        long_about = "Read the text in pictures (JPEG, PNG, WebP) with Debian's tesseract and screen it \
        (docs/images.md, \"Text in pictures\").\n\n\
        Each file's header is checked against --max-bytes, --max-pixels and --max-side first; then \
        `tesseract FILE stdout -l LANG tsv` reads its words (one thread, killed after --timeout \
        seconds). The words of a line are joined by a space and the lines by a newline, and that \
        text is screened as one field, `picture`, with the packs `scan` uses.\n\n\
        Output: one JSON line per file, the verdict as `scan` writes it (hits with UTF-16 and \
        byte spans into `text`), plus `file`, `width`, `height`, `text` (what tesseract read), \
        `hit_boxes` (for each hit, in the order of `hits`, the words under it: their text, \
        `left`, `top`, `width` and `height` in the picture's pixels, tesseract's `conf` from 0 to \
        100, and their span in `text`), `entity_boxes` (the same for `entities`, with \
        --entities) and `ocr_ms`. A file that cannot be read is one line {file, error}.\n\n\
        Needs the tesseract binary and its language data: apt-get install tesseract-ocr \
        tesseract-ocr-eng (other languages: tesseract-ocr-LANG, then --lang LANG or eng+LANG). \
        Pictures are read on this machine; nothing is sent anywhere.\n\n\
        Exit codes: 0 every file read and screened; 1 a file could not be read; 2 usage or pack \
        errors, or tesseract or its language data missing.",
        after_help = "Examples:\n  redflag scan-image ad-photo.jpg\n  \
        redflag scan-image --section jobs --entities --raw-values scans/*.png"
    )]
    ScanImage {
        #[command(flatten)]
        screen: ScreenArgs,
        /// Picture files (JPEG, PNG or WebP).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The tesseract program.
        #[arg(long, default_value = "tesseract", value_name = "PATH")]
        tesseract: PathBuf,
        /// tesseract's language or languages (`eng`, `eng+spa`): its traineddata must be installed.
        #[arg(long, default_value = "eng")]
        lang: String,
        /// Seconds tesseract may take on one picture.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        timeout: u64,
        #[command(flatten)]
        limits: PictureLimits,
    },
    /// Link ads that share a template, a contact or a picture: clusters as JSON Lines (or an
    /// HTML report).
    #[command(
        long_about = "Link ads that share a template, a contact or a picture (docs/linking.md).\n\n\
        Reads ads as JSON Lines, the input of `redflag scan` (FILE or stdin). A line may carry \
        its `verdict` (allow, warn, review, block, e.g. merged from `redflag scan`); the others \
        are screened with the packs (or left without a verdict with --no-screen).\n\n\
        Near-duplicate templates: shingles of three words of each ad's matching form (look-alike \
        letters, spacing, leetspeak and number words undone; contacts replaced by their kind), \
        MinHash and LSH banding, every candidate pair checked with the exact Jaccard similarity \
        of its shingles against --threshold. Shared contacts: phones, e-mails, URLs and handles \
        found through obfuscation (URLs only with --link-urls), compared by their keyed hashes (HMAC-SHA-256 with the key of \
        --entity-key-file or REDFLAG_ENTITY_KEY, as `scan --entities`; without a key, a random \
        key for this run only). Shared pictures: the PDQ hashes an ad carries in `images` (an \
        array of 64-hex-digit hashes, `hash:quality`, or {pdq, quality} objects as `redflag \
        image-hash` and the edge worker write them), at most --image-threshold bits apart, found \
        with a multi-index (16 chunks of 16 bits), never by comparing every pair; hashes of \
        quality under --image-min-quality and pictures shared by more than --image-common ads \
        link nothing. Every kind of link makes one graph; each connected component of \
        two ads or more is a cluster, written as one JSON line, the most serious first (by the \
        most serious verdict among its ads, then by size). Ads in a cluster with an ad in review \
        or blocked carry a `mark`, and each cluster says which `links` joined it (template, \
        contact, image). No contact value is ever written, only keyed hashes.\n\n\
        Limits: --max-ads ads per run (2,000,000 by default; about 1 KB of memory each), lines of \
        at most 4 x max_input_bytes (4 MiB), 512 shingles per ad for the exact check, template \
        text from the first 50 ads of each template and their first 400 words. Stdin and pipes are spooled \
        to a temporary file to be read twice.\n\n\
        Exit codes: 0 success; 1 some lines could not be read (each reported on stderr with its \
        line number; the others are linked); 2 usage errors, or more ads than --max-ads.",
        after_help = "Examples:\n  redflag link ads.jsonl > clusters.jsonl\n  \
        REDFLAG_ENTITY_KEY=$(cat key) redflag link --threshold 0.6 --format html -o clusters.html ads.jsonl"
    )]
    Link {
        #[command(flatten)]
        packs: PackArgs,
        /// Section for lines that do not give one.
        #[arg(long, short = 's', value_parser = parse_section)]
        section: Option<String>,
        /// Do not screen lines without a `verdict`; their verdict is unknown.
        #[arg(long)]
        no_screen: bool,
        /// Lowest Jaccard similarity of two ads' shingles for one template (0 to 1).
        #[arg(long, default_value_t = 0.5, value_parser = parse_threshold)]
        threshold: f64,
        /// File holding the deployment key for the contact hashes (HMAC-SHA-256). The
        /// environment variable REDFLAG_ENTITY_KEY is used if not given; without either, a
        /// random key for this run.
        #[arg(long, value_name = "FILE")]
        entity_key_file: Option<PathBuf>,
        /// Also link ads that share a URL or domain (off by default: honest ads share
        /// job boards, shops and social networks).
        #[arg(long)]
        link_urls: bool,
        /// Largest Hamming distance (bits) between the PDQ hashes of one picture in two
        /// ads (their `images`); PDQ's guidance is 31.
        #[arg(long, default_value_t = redflag::images::DEFAULT_THRESHOLD,
              value_parser = clap::value_parser!(u32).range(0..=i64::from(redflag::link::MAX_IMAGE_THRESHOLD)))]
        image_threshold: u32,
        /// Pictures whose given PDQ quality is under this link nothing (mostly flat
        /// pictures: blanks, solid colours).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
        image_min_quality: u8,
        /// A picture shared by more ads than this (a placeholder, a stock photo) is
        /// common and links nothing.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
        image_common: u64,
        /// Most ads read; more is an error (exit 2).
        #[arg(long, default_value_t = 2_000_000, value_parser = clap::value_parser!(u64).range(1..=50_000_000))]
        max_ads: u64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = LinkFormat::Json)]
        format: LinkFormat,
        /// Title of the HTML report.
        #[arg(long, default_value = "redflag linked ads")]
        title: String,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
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
    /// Print the matching form the rules and the n-gram model read: for each JSON Lines ad,
    /// the same object with each text field rewritten.
    #[command(
        long_about = "Print the matching form the rules and the n-gram model read \
        (docs/normalisation.md): look-alike letters, leetspeak, spacing, accents, doubled \
        letters, emoji and number words rewritten as the engine sees them. Terms of a pack \
        match this form; `rules/model/train.py` trains the model on it.\n\n\
        Input: JSON Lines ads (FILE or stdin), written back one per line with every string \
        member except `id` and `section` rewritten and the other members as they were; with \
        --text, each line is plain text and its matching form is written as one line.\n\n\
        Exit codes: 0 success; 1 a line could not be read (an error line {line, error} is \
        written in its place); 2 usage errors.",
        after_help = "Examples:\n  echo 'P4SSP0RT kept by b0ss' | redflag normalize --text\n  \
        redflag normalize ads.jsonl > matching-form.jsonl"
    )]
    Normalize {
        /// Read each line as plain text, not as a JSON object.
        #[arg(long)]
        text: bool,
        /// Input file (default: stdin; `-` is stdin).
        file: Option<PathBuf>,
    },
    /// Measure packs on labelled JSON Lines (`label`: "flag" or "clean"; optional
    /// `min_tier`, `max_tier`, `group`): precision, recall and F1 per tier, confusion
    /// matrix, per-rule, per-category and per-group rates, worst false positives and
    /// false negatives.
    Eval {
        #[command(flatten)]
        packs: PackArgs,
        /// Labelled submissions (JSON Lines, or a sealed decisions export with --key; `-` is
        /// stdin). Repeatable: e.g. a labelled set plus a benign corpus read with
        /// --default-label clean.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        #[command(flatten)]
        decision_keys: DecisionKeyArgs,
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
        /// Labelled submissions (JSON Lines, or a sealed decisions export with --key).
        /// Repeatable.
        #[arg(long, required = true)]
        labels: Vec<PathBuf>,
        #[command(flatten)]
        decision_keys: DecisionKeyArgs,
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
    /// Sign a pack (TOML or JSON), or a hash-list pack (JSON, from `redflag hashlist
    /// build`), for distribution to browsers, workers and extensions.
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
    /// Verify a signed pack or hash-list pack: exit 0 if it is signed by a trusted key, not
    /// expired and not older than --min-version; 1 with the reason otherwise.
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
    /// PDQ perceptual hashes of JPEG, PNG and WebP files, one JSON line per file;
    /// with --match, the entries of a hash list each image matches.
    #[command(
        name = "image-hash",
        long_about = "PDQ perceptual hashes (Meta's 256-bit hash, with its quality 0-100) of \
        JPEG, PNG and WebP files, recognised by their first bytes: one JSON line per file, in \
        order, {file, pdq, quality, width, height}, or {file, error, message} for a file that \
        cannot be read or hashed (too large, truncated, not an image). With --match, each line \
        also has `matches`: the list's entries within --threshold bits, nearest first, as \
        {pdq, label, distance, transform} (docs/images.md).\n\n\
        Hash list format: one hash a line (64 hex digits), optionally followed by a comma, \
        tab or spaces and a label; blank lines and lines starting with # are skipped.\n\n\
        Exit codes: 0 every file hashed; 1 a file could not be read or hashed; 2 usage error \
        or a hash list that cannot be read (the error names the line)."
    )]
    ImageHash {
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Match each image against this hash list.
        #[arg(long = "match", value_name = "LIST")]
        list: Option<PathBuf>,
        /// Largest Hamming distance (bits of 256) taken as a match; PDQ's guidance is 31.
        #[arg(long, default_value_t = redflag::images::DEFAULT_THRESHOLD,
              value_parser = clap::value_parser!(u32).range(0..=256), requires = "list")]
        threshold: u32,
        /// Also match the images turned and mirrored (the 8 dihedral variants).
        #[arg(long, requires = "list")]
        dihedral: bool,
        #[command(flatten)]
        limits: PictureLimits,
    },
    /// Hash-list packs for the edge worker: build one from images and hash lists, then
    /// sign it with `redflag sign` (docs/images.md).
    #[command(subcommand)]
    Hashlist(HashlistCommand),
    /// Sealed, signed evidence packets: keys, verify, open, seal (docs/evidence.md).
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Sealed reviewer decision exports (redflag-decisions/2, and /1): keys, verify, open, seal
    /// (docs/integrators.md, "Reviewer decisions").
    #[command(subcommand)]
    Decisions(DecisionsCommand),
    /// A transparency report: submissions screened per tier and category, automated
    /// and human decisions, appeals and their outcomes; counts only, no personal data.
    #[command(
        long_about = "A transparency report from the edge worker's counters, the \
        reviewers' decision exports and the site's appeal records: submissions screened, per \
        tier and per category, automated actions against human decisions (with the share of \
        automated flags reviewers dismissed, a false-positive estimate), appeals and their \
        outcomes. The output holds counts only: no ad text, contact, URL, listing, reference \
        or reviewer from the inputs (docs/moderation-loop.md, \"Transparency report\").\n\n\
        Exit codes: 0 written; 2 usage error or an input that cannot be read (the error names \
        the file and line; a sealed decisions file without its key, or refused, is such an \
        input).",
        after_help = "Example:\n  redflag report --counters counters.json \\\n    \
        --decisions redflag-decisions-*.json --key team/decisions-recipient.key \\\n    \
        --appeals appeals.jsonl \\\n    \
        --period-start 2026-07-01 --period-end 2026-12-31 --min-cell 10 \\\n    \
        --format html --out transparency-2026-h2.html"
    )]
    Report {
        /// The edge's counters: the JSON of GET /__redflag/counters, or the worker's log
        /// (JSON Lines; the `redflag.counters` lines are read). `-` is stdin.
        #[arg(long, value_name = "FILE")]
        counters: PathBuf,
        /// The same counters read at the start of the period (the endpoint's JSON): its
        /// counts are subtracted, so the screening figures are the period's alone.
        #[arg(long, value_name = "FILE")]
        counters_before: Option<PathBuf>,
        /// Reviewer decisions exported by the extension (redflag-decisions-*.json, sealed:
        /// give --key; or labelled JSON Lines). Repeatable; a decision repeated in several
        /// exports counts once.
        #[arg(long, value_name = "FILE")]
        decisions: Vec<PathBuf>,
        #[command(flatten)]
        decision_keys: DecisionKeyArgs,
        /// Appeal records (JSON Lines: reference, received, decided, outcome, category).
        /// Repeatable; a later line for a reference replaces an earlier one.
        #[arg(long, value_name = "FILE")]
        appeals: Vec<PathBuf>,
        /// First day (or UTC time) of the period; decisions and appeals before it are left out.
        #[arg(long, value_name = "DATE")]
        period_start: Option<String>,
        /// Last day (inclusive; or a UTC time, exclusive) of the period.
        #[arg(long, value_name = "DATE")]
        period_end: Option<String>,
        /// Withhold counts from 1 to N-1 (shown as "< N", null in JSON). Default: none withheld.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=1000))]
        min_cell: Option<u64>,
        /// Title of the report.
        #[arg(long, default_value = "redflag transparency report")]
        title: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = TransparencyFormat::Json)]
        format: TransparencyFormat,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
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

#[derive(Subcommand)]
enum HashlistCommand {
    /// Build a hash-list pack (JSON) from image files (hashed, labelled with their file
    /// names) and text hash lists (`--from`); sign it with `redflag sign`.
    #[command(
        after_help = "Example:\n  redflag hashlist build --id known-pictures --version 1.0.0 \\\n    \
        --policy block --reason \"Pictures from confirmed exploitation ads (case 12)\" \\\n    \
        --from case12.txt photos/*.jpg -o known.json\n  \
        redflag sign known.json --key site.key --expires 2027-06-01 -o known.signed.json"
    )]
    Build {
        /// The list's id (letters, digits, `.`, `_`, `-`): downgrade protection keys on it.
        #[arg(long)]
        id: String,
        /// A semantic version (1.0.0); raise it with every change.
        #[arg(long)]
        version: String,
        /// What a match does at the edge.
        #[arg(long, value_parser = ["block", "review"])]
        policy: String,
        /// Why the list exists, for reviewers (one line; never shown to posters).
        #[arg(long)]
        reason: String,
        /// The list's match threshold in bits (0 to 63); without it the deployment's
        /// (default 31).
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=63))]
        threshold: Option<u32>,
        /// Leave out pictures whose PDQ quality is under this (mostly flat pictures match
        /// unrelated flat uploads; PDQ's guidance is 50).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u8).range(0..=100))]
        min_quality: u8,
        /// A text hash list to include (one hash a line, optionally a label). Repeatable.
        #[arg(long = "from", value_name = "LIST")]
        lists: Vec<PathBuf>,
        /// Image files to hash into the list.
        images: Vec<PathBuf>,
        /// Largest picture, in pixels (width × height), read from the file's header.
        #[arg(long, default_value_t = redflag::images::ImageLimits::default().max_pixels)]
        max_pixels: u64,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Generate the legal team's X25519 key pair (the key packets are sealed to).
    ///
    /// Writes DIR/evidence-recipient.key (private; keep it offline) and
    /// DIR/evidence-recipient.pub (public, also printed). Signing keys for the edge and the
    /// CLI come from `redflag keygen`.
    Keygen {
        /// Directory to write the key pair to (created; files are never overwritten).
        #[arg(long, short = 'o')]
        out: PathBuf,
    },
    /// Check packets without opening them: structure, signature, signer.
    ///
    /// Checks the canonical form, every member, the ed25519 signature, and (with
    /// --public-key) that the signer is trusted. Exit 0 when every packet is valid, 1 when
    /// one is refused (the reason names what failed), 2 on a usage error.
    Verify {
        /// Packet files (`-` is stdin).
        #[arg(required = true)]
        packets: Vec<PathBuf>,
        /// A trusted signer's base64 ed25519 public key (or a file holding it). Repeatable;
        /// without it the signature is checked against the key the packet names, and the
        /// result says that the signer was not checked.
        #[arg(long = "public-key", value_name = "KEY")]
        public_keys: Vec<String>,
        /// One JSON object per packet (JSON Lines) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Verify and decrypt a packet with the legal team's private key; print the submission.
    ///
    /// After the checks of `verify`, decrypts the sealed submission, checks the content hash
    /// and every field hash against the decrypted text, and prints the submission (JSON, raw
    /// contact values included: personal data). Exit 0 when opened, 1 when refused, 2 on a
    /// usage error.
    Open {
        /// The packet file (`-` is stdin).
        packet: PathBuf,
        /// The X25519 private key (file from `redflag evidence keygen`, or base64).
        #[arg(long)]
        key: String,
        /// A trusted signer's public key (or a file holding it). Repeatable.
        #[arg(long = "public-key", value_name = "KEY")]
        public_keys: Vec<String>,
        /// Write the submission to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// Also write the raw request body the edge received (byte for byte) to this file.
        #[arg(long)]
        body: Option<PathBuf>,
        /// Open a packet whose retention period has ended (it should have been deleted).
        #[arg(long)]
        legal_hold: bool,
    },
    /// Screen one submission and write a sealed, signed packet of it.
    ///
    /// The submission is a JSON object of fields (`-` is stdin); the packet is what the edge
    /// worker and the extension write.
    Seal {
        #[command(flatten)]
        packs: PackArgs,
        /// The submission (JSON object).
        submission: PathBuf,
        /// The legal team's X25519 public key (base64, or the .pub file).
        #[arg(long)]
        recipient: String,
        /// The ed25519 signing key file (from `redflag keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Where the submission was seen (kept without its query in the clear part).
        #[arg(long)]
        url: Option<String>,
        /// Who made the packet.
        #[arg(long)]
        reviewer: Option<String>,
        /// Days the packet is kept (sets `retain_until`).
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        retain_days: u32,
        /// File holding the deployment key for keyed contact hashes (or REDFLAG_ENTITY_KEY).
        #[arg(long, value_name = "FILE")]
        entity_key_file: Option<PathBuf>,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DecisionsCommand {
    /// Generate the trust-and-safety team's X25519 key pair (the key decision exports are
    /// sealed to).
    ///
    /// Writes DIR/decisions-recipient.key (private) and DIR/decisions-recipient.pub (public,
    /// also printed: paste it on each reviewer's options page).
    Keygen {
        /// Directory to write the key pair to (created; files are never overwritten).
        #[arg(long, short = 'o')]
        out: PathBuf,
    },
    /// Check sealed decision exports without opening them: structure, signature, signer.
    /// Exit 0 when every file is valid, 1 when one is refused, 2 on a usage error.
    Verify {
        /// Sealed decision files (`-` is stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A trusted signer's base64 ed25519 public key (or a file holding it). Repeatable.
        #[arg(long = "signer", value_name = "KEY")]
        signers: Vec<String>,
    },
    /// Verify and decrypt a sealed decision export and write its labelled JSON Lines in the
    /// clear (personal data: `eval`, `calibrate` and `report` read the sealed file with --key
    /// and need no clear copy). Decisions sealed to a key not given are left out and counted
    /// on stderr. Exit 0 when opened, 1 when refused, 2 on a usage error.
    Open {
        /// The sealed decisions file (`-` is stdin).
        file: PathBuf,
        #[command(flatten)]
        decision_keys: DecisionKeyArgs,
        /// Write the JSON Lines to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
    },
    /// Seal labelled JSON Lines (a clear export of an older extension, or a pipeline's own
    /// labels) to the trust-and-safety team's key and sign them, as the extension does: each
    /// non-empty line sealed on its own, in order, in one redflag-decisions/2 file.
    Seal {
        /// The labelled JSON Lines (`-` is stdin).
        labels: PathBuf,
        /// The trust-and-safety team's X25519 public key (base64, or the .pub file).
        #[arg(long)]
        recipient: String,
        /// The ed25519 signing key file (from `redflag keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Who sealed them (goes into the file in the clear).
        #[arg(long)]
        reviewer: Option<String>,
        /// Write to this file instead of stdout.
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
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
enum LinkFormat {
    /// One cluster per line (JSON Lines).
    Json,
    /// A self-contained HTML page: the most serious and the largest clusters.
    Html,
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 1.0 => Ok(t),
        _ => Err(format!("`{s}` is not a similarity above 0 and at most 1")),
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum TransparencyFormat {
    /// The figures as JSON (`redflag-transparency/1`).
    Json,
    /// A self-contained HTML page with bar charts and their tables.
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

fn evidence_cmd(e: EvidenceCommand) -> Result<ExitCode, Fatal> {
    match e {
        EvidenceCommand::Keygen { out } => evidence::keygen(&out),
        EvidenceCommand::Verify {
            packets,
            public_keys,
            json,
        } => evidence::verify(&packets, &public_keys, json),
        EvidenceCommand::Open {
            packet,
            key,
            public_keys,
            out,
            body,
            legal_hold,
        } => evidence::open(
            &packet,
            &key,
            &public_keys,
            out.as_deref(),
            body.as_deref(),
            legal_hold,
        ),
        EvidenceCommand::Seal {
            packs,
            submission,
            recipient,
            key,
            url,
            reviewer,
            retain_days,
            entity_key_file,
            out,
        } => {
            let entity_key = EntityArgs {
                entities: true,
                raw_values: false,
                entity_key_file,
            }
            .key()?;
            let engine = packs::build_engine_with(&packs, entity_key)?;
            evidence::seal(
                &engine,
                &evidence::SealArgs {
                    submission: &submission,
                    recipient: &recipient,
                    key: &key,
                    url,
                    reviewer,
                    retain_days,
                    out: out.as_deref(),
                },
            )
        }
    }
}

fn decisions_cmd(d: DecisionsCommand) -> Result<ExitCode, Fatal> {
    match d {
        DecisionsCommand::Keygen { out } => decisions::keygen(&out),
        DecisionsCommand::Verify { files, signers } => decisions::verify(&files, &signers),
        DecisionsCommand::Open {
            file,
            decision_keys,
            out,
        } => decisions::open(&file, &decision_keys.keys(), out.as_deref()),
        DecisionsCommand::Seal {
            labels,
            recipient,
            key,
            reviewer,
            out,
        } => decisions::seal(&decisions::SealArgs {
            labels: &labels,
            recipient: &recipient,
            key: &key,
            reviewer,
            out: out.as_deref(),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn link_cmd(
    packs: &PackArgs,
    section: Option<String>,
    no_screen: bool,
    threshold: f64,
    key_file: Option<&std::path::Path>,
    link_urls: bool,
    images: link::ImageOptions,
    max_ads: u64,
    html: bool,
    title: &str,
    out: Option<&std::path::Path>,
    file: Option<&std::path::Path>,
) -> Result<ExitCode, Fatal> {
    let key = match entity_key(key_file, true)? {
        Some(k) => k,
        None => {
            // Hashes that link ads within this run's output and mean
            // nothing outside it.
            let mut k = vec![0u8; 32];
            rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut k)
                .map_err(|e| Fatal(format!("cannot draw a random key: {e}")))?;
            k
        }
    };
    let engine = if no_screen {
        None
    } else {
        Some(packs::build_engine(packs)?)
    };
    link::link(link::Args {
        engine,
        images,
        section,
        key,
        threshold,
        link_urls,
        max_ads: usize::try_from(max_ads).unwrap_or(usize::MAX),
        file,
        html,
        title,
        out,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan { screen, file } => {
            scan::scan(&screen.packs, screen.section, &screen.entities, file)
        }
        Command::ScanImage {
            screen,
            files,
            tesseract,
            lang,
            timeout,
            limits,
        } => scan_image::scan_image(&scan_image::Args {
            packs: &screen.packs,
            section: screen.section,
            entities: &screen.entities,
            files: &files,
            tesseract: &tesseract,
            lang: &lang,
            timeout: std::time::Duration::from_secs(timeout),
            limits: limits.limits(),
        }),
        Command::Link {
            packs,
            section,
            no_screen,
            threshold,
            entity_key_file,
            link_urls,
            image_threshold,
            image_min_quality,
            image_common,
            max_ads,
            format,
            title,
            out,
            file,
        } => link_cmd(
            &packs,
            section,
            no_screen,
            threshold,
            entity_key_file.as_deref(),
            link_urls,
            link::ImageOptions {
                threshold: image_threshold,
                min_quality: image_min_quality,
                common: usize::try_from(image_common).unwrap_or(usize::MAX),
            },
            max_ads,
            matches!(format, LinkFormat::Html),
            &title,
            out.as_deref(),
            file.as_deref(),
        ),
        Command::Test { packs, json } => pack_test::test(&packs, json),
        Command::Lint { packs } => lint::lint(&packs),
        Command::Explain {
            packs,
            section,
            file,
        } => explain::explain(&packs, section, file),
        Command::Report {
            counters,
            counters_before,
            decisions,
            decision_keys,
            appeals,
            period_start,
            period_end,
            min_cell,
            title,
            format,
            out,
        } => report::report(&report::Args {
            counters: &counters,
            counters_before: counters_before.as_deref(),
            decisions: &decisions,
            appeals: &appeals,
            period_start: period_start.as_deref(),
            period_end: period_end.as_deref(),
            title: &title,
            format: match format {
                TransparencyFormat::Json => report::Output::Json,
                TransparencyFormat::Html => report::Output::Html,
            },
            out: out.as_deref(),
            min_cell,
            // Published counts: every decision must open.
            keys: decisions::Keys {
                whole: true,
                ..decision_keys.keys()
            },
        }),
        Command::Pack { format, out, pack } => convert::convert(format, out, &pack),
        Command::Normalize { text, file } => normalize::normalize(text, file),
        Command::Image { out, packs_json } => image::image(&out, packs_json.as_deref()),
        Command::Keygen { out } => signing::keygen(&out),
        Command::ImageHash {
            files,
            list,
            threshold,
            dihedral,
            limits,
        } => image_hash::image_hash(&image_hash::Args {
            files: &files,
            list: list.as_deref(),
            threshold,
            dihedral,
            limits: limits.limits(),
        }),
        Command::Hashlist(HashlistCommand::Build {
            id,
            version,
            policy,
            reason,
            threshold,
            min_quality,
            lists,
            images,
            max_pixels,
            out,
        }) => hashlist::build(&hashlist::BuildArgs {
            id: &id,
            version: &version,
            policy: &policy,
            reason: &reason,
            threshold,
            min_quality,
            lists: &lists,
            images: &images,
            limits: redflag::images::ImageLimits {
                max_pixels,
                ..redflag::images::ImageLimits::default()
            },
            out: out.as_deref(),
        }),
        Command::Evidence(e) => evidence_cmd(e),
        Command::Decisions(d) => decisions_cmd(d),
        Command::Sign {
            pack,
            key,
            expires,
            out,
        } => signing::sign(&pack, &key, &expires, out.as_deref()),
        Command::Verify {
            signed,
            public_keys,
            min_version,
        } => signing::verify(&signed, &public_keys, min_version.as_deref()),
        Command::Eval {
            packs,
            labels,
            decision_keys,
            default_label,
            format,
            out,
            title,
        } => eval::eval(
            &packs,
            &labels::LabelFiles {
                paths: &labels,
                default: default_label,
                keys: decision_keys.keys(),
            },
            format,
            out,
            &title,
        ),
        Command::Calibrate {
            labels,
            decision_keys,
            pack,
            out,
            no_default_packs,
            default_label,
            max_fpr_warn,
            max_fpr_review,
            max_fpr_block,
            folds,
            report,
        } => calibrate::calibrate_cmd(
            &labels::LabelFiles {
                paths: &labels,
                default: default_label,
                keys: decision_keys.keys(),
            },
            &pack,
            &out,
            no_default_packs,
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
