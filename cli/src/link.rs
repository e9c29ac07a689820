//! `redflag link`: clusters of ads that share a template, a contact or a
//! picture (docs/linking.md).
//!
//! The linking is the library's (`redflag::link::Linker`); this module
//! reads the input and writes the clusters. Pass one reads the ads once:
//! each ad's signature goes to the linker, which keeps its tier, band keys
//! and shingle sample (and files its pictures' PDQ hashes in a
//! multi-index), and the CLI keeps its line and id. Pass two reads
//! the input again (stdin is spooled to a temporary file in pass one) for
//! the words of the ads the linker samples for the template texts.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use redflag::eval::{escape_html as esc, REPORT_CSS};
use redflag::lines::{Line, LineReader};
use redflag::link::{
    self, Cluster, LinkAd, LinkOptions, Linker, SharedContact, SharedPicture, SignatureOptions,
    TemplateGroup, TierCounts,
};
use redflag::{Engine, Tier};

use crate::input::{max_line_bytes, next_text, open_input, progress_bar, raw_id};
use crate::output::{finish, write_json, write_output, Fatal};

/// How pictures link ads.
pub(crate) struct ImageOptions {
    /// Largest Hamming distance between two PDQ hashes of one picture.
    pub threshold: u32,
    /// Hashes under this PDQ quality (mostly flat pictures) link nothing.
    pub min_quality: u8,
    /// A picture shared by more ads than this is common and links nothing.
    pub common: usize,
}

pub(crate) struct Args<'a> {
    pub engine: Option<Engine>,
    pub images: ImageOptions,
    pub section: Option<String>,
    pub key: Vec<u8>,
    pub threshold: f64,
    pub link_urls: bool,
    pub max_ads: usize,
    pub file: Option<&'a Path>,
    pub html: bool,
    pub title: &'a str,
    pub out: Option<&'a Path>,
}

/// What the CLI keeps of an ad besides what the linker keeps: its input
/// line and its `id` as written.
struct Ad {
    line: u32,
    id: Option<Box<str>>,
}

/// Where the input is read from a second time.
enum Again {
    File(PathBuf),
    Spool(PathBuf, BufWriter<fs::File>),
}

/// A spool file removed when dropped.
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

#[derive(Serialize)]
struct Member<'a> {
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a RawValue>,
    verdict: Option<Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark: Option<&'a str>,
}

/// A cluster as written: the library's, with each member's line and id.
#[derive(Serialize)]
struct ClusterOut<'a> {
    cluster: usize,
    size: usize,
    verdict: Option<Tier>,
    tiers: &'a TierCounts,
    /// Which kinds of link joined the cluster's ads: `template`, `contact`, `image`.
    links: &'a [&'static str],
    templates: &'a [TemplateGroup],
    contacts: &'a [SharedContact],
    images: &'a [SharedPicture],
    members: Vec<Member<'a>>,
}

fn cluster_out<'a>(c: &'a Cluster, ads: &'a [Ad]) -> ClusterOut<'a> {
    ClusterOut {
        cluster: c.cluster,
        size: c.size,
        verdict: c.verdict,
        tiers: &c.tiers,
        links: &c.links,
        templates: &c.templates,
        contacts: &c.contacts,
        images: &c.images,
        members: c
            .members
            .iter()
            .map(|m| {
                let ad = &ads[m.ad];
                Member {
                    line: ad.line,
                    id: ad
                        .id
                        .as_deref()
                        .and_then(|s| serde_json::from_str::<&RawValue>(s).ok()),
                    verdict: m.verdict,
                    template: m.template,
                    mark: m.mark.as_deref(),
                }
            })
            .collect(),
    }
}

fn line_error(n: usize, msg: &str) {
    eprintln!("redflag link: line {n}: {msg}");
}

/// Reads one line's ad: the submission, the tier it carries and its
/// pictures' hashes.
fn parse_ad(text: &str, section: &Option<String>) -> Result<(Value, LinkAd), String> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut ad = link::ad_from_json(&mut value).map_err(|e| e.to_string())?;
    if ad.submission.get_section().is_none() {
        if let Some(s) = section {
            ad.submission = ad.submission.section(s.clone());
        }
    }
    Ok((value, ad))
}

pub(crate) fn link(args: Args<'_>) -> Result<ExitCode, Fatal> {
    let threshold = args.threshold;
    let sig_opts = SignatureOptions {
        key: Some(args.key.clone()),
    };
    let (input, len) = open_input(args.file)?;
    let max_line = max_line_bytes(
        args.engine
            .as_ref()
            .map(|e| e.limits())
            .unwrap_or(&redflag::Limits::default()),
    );
    let mut again = match args.file {
        // A regular file is read again; stdin, a pipe or a process
        // substitution (`<(zcat ads.gz)`) cannot be, and is spooled.
        Some(p) if p != Path::new("-") && fs::metadata(p).is_ok_and(|m| m.is_file()) => {
            Again::File(p.to_path_buf())
        }
        _ => {
            let path = std::env::temp_dir().join(format!(
                "redflag-link-{}-{}.jsonl",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            // The spool holds the ads' texts, contacts included: readable
            // by this user only.
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let f = opts
                .open(&path)
                .map_err(|e| Fatal(format!("cannot spool stdin to {}: {e}", path.display())))?;
            Again::Spool(path, BufWriter::new(f))
        }
    };
    let _spool = match &again {
        Again::Spool(p, _) => Some(Spool(p.clone())),
        Again::File(_) => None,
    };
    let progress = progress_bar(len, "ads read");
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let mut ads: Vec<Ad> = Vec::new();
    let mut linker = Linker::new(&LinkOptions {
        threshold,
        link_urls: args.link_urls,
        max_ads: args.max_ads,
        image_threshold: args.images.threshold,
        image_min_quality: args.images.min_quality,
        image_common: args.images.common,
    });
    let mut failed = false;
    loop {
        if let (Some(p), Some(_)) = (&progress, len) {
            p.set_position(reader.bytes_read());
        }
        let (n, line) = match next_text(&mut reader, max_line) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err((n, e)) => return Err(Fatal(format!("line {n}: {e}"))),
        };
        if let (Some(p), None) = (&progress, len) {
            p.inc(1);
        }
        if let Again::Spool(_, w) = &mut again {
            w.write_all(line.as_ref().map_or(&b""[..], |t| t.as_bytes()))
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| Fatal(format!("cannot spool stdin: {e}")))?;
        }
        let text = match line {
            Ok(t) => t,
            Err(e) => {
                failed = true;
                line_error(n, &e);
                continue;
            }
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let (value, ad) = match parse_ad(text, &args.section) {
            Ok(x) => x,
            Err(e) => {
                failed = true;
                line_error(n, &e);
                continue;
            }
        };
        let tier = match (ad.verdict, &args.engine) {
            (Some(t), _) => Some(t),
            (None, Some(engine)) => match engine.screen(&ad.submission) {
                Ok(v) => Some(v.verdict),
                Err(e) => {
                    failed = true;
                    line_error(n, &e.to_string());
                    continue;
                }
            },
            (None, None) => None,
        };
        if ads.len() >= args.max_ads {
            return Err(Fatal(format!(
                "line {n}: more than {} ads (--max-ads); link fewer ads per run or raise the limit",
                args.max_ads
            )));
        }
        let sig = link::signature(&ad.submission, &sig_opts);
        linker
            .add_with_pictures(sig, tier, &ad.pictures)
            .map_err(|e| Fatal(format!("line {n}: {e}")))?;
        let id = raw_id(&value, text).map(|r| r.get().into());
        ads.push(Ad { line: n as u32, id });
    }
    if let Again::Spool(_, w) = &mut again {
        w.flush()
            .map_err(|e| Fatal(format!("cannot spool stdin: {e}")))?;
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }

    // Candidate pairs checked, then the template texts: pass two over
    // the input, for the sampled ads of groups of two or more.
    let n_ads = ads.len();
    let mut links = linker.finish();
    let pictures = links.picture_counts();
    let sampled = links.sampled();
    if !sampled.is_empty() {
        let path = match &again {
            Again::File(p) => p.clone(),
            Again::Spool(p, _) => p.clone(),
        };
        let f = fs::File::open(&path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?;
        read_templates(
            BufReader::new(f),
            max_line,
            &ads,
            &sampled,
            &mut links,
            &args.section,
        )?;
    }
    let clusters = links.clusters();
    let in_clusters: usize = clusters.iter().map(|c| c.size).sum();
    let serious = clusters.iter().filter(|c| c.tiers.serious()).count();
    eprintln!(
        "redflag link: {n_ads} ads, {} clusters of {in_clusters} ads, {serious} with an ad in review or blocked",
        clusters.len()
    );
    if pictures.linked + pictures.common + pictures.low_quality > 0 {
        eprintln!(
            "redflag link: {} pictures linked by hash, {} left out for a quality under {}, {} common (shared by more than {} others) linked to nothing",
            pictures.linked,
            pictures.low_quality,
            args.images.min_quality,
            pictures.common,
            args.images.common
        );
    }
    if args.html {
        let html = html_report(&clusters, n_ads, threshold, args.title);
        write_output(args.out, &html)?;
    } else {
        match args.out {
            Some(p) => {
                let f = fs::File::create(p).map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
                let mut w = BufWriter::new(f);
                for c in &clusters {
                    serde_json::to_writer(&mut w, &cluster_out(c, &ads))
                        .map_err(io::Error::from)
                        .and_then(|_| w.write_all(b"\n"))
                        .map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
                }
                w.flush()
                    .map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
            }
            None => {
                let stdout = io::stdout();
                let mut w = BufWriter::new(stdout.lock());
                for c in &clusters {
                    write_json(&mut w, &cluster_out(c, &ads))?;
                }
                finish(&mut w)?;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads the sampled ads (numbers, ascending) again and gives their
/// tokens to the links.
fn read_templates(
    input: impl Read,
    max_line: usize,
    ads: &[Ad],
    sampled: &[usize],
    links: &mut link::Links,
    section: &Option<String>,
) -> Result<(), Fatal> {
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let mut next = sampled.iter().copied().peekable();
    while let Some(&ad) = next.peek() {
        let (n, line) = match reader.next_line() {
            Ok(Some(l)) => l,
            // The input changed between the passes: the rest has no text.
            Ok(None) => break,
            Err(e) => return Err(Fatal(format!("cannot read the input again: {e}"))),
        };
        if n as u32 != ads[ad].line {
            continue;
        }
        if let Line::Text(t) = line {
            if let Ok((_, parsed)) = parse_ad(t.trim(), section) {
                links.add_tokens(ad, link::tokens(&parsed.submission));
            }
        }
        next.next();
    }
    Ok(())
}

fn html_report(clusters: &[Cluster], n_ads: usize, threshold: f64, title: &str) -> String {
    let mut s = String::new();
    let in_clusters: usize = clusters.iter().map(|c| c.size).sum();
    let serious: Vec<&Cluster> = clusters.iter().filter(|c| c.tiers.serious()).collect();
    let marked: usize = serious.iter().map(|c| c.size).sum();
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>{REPORT_CSS}</style></head><body><h1>{t}</h1>\
         <p class=\"muted\">Ads that share a template (Jaccard similarity of their shingles ≥ {threshold}), \
         a contact (by keyed hash; no contact appears here) or a picture (by PDQ hash), as clusters. Generated by redflag link.</p>\
         <table><tr><th>ads read</th><th>clusters</th><th>ads in clusters</th>\
         <th>clusters with an ad in review or blocked</th><th>ads marked</th></tr>\
         <tr><td class=\"num\">{n_ads}</td><td class=\"num\">{}</td><td class=\"num\">{in_clusters}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{marked}</td></tr></table>",
        clusters.len(),
        serious.len(),
        t = esc(title),
    );
    s.push_str("<h2>Most serious clusters</h2>");
    table(&mut s, clusters.iter().take(30));
    let mut largest: Vec<&Cluster> = clusters.iter().collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then(a.cluster.cmp(&b.cluster)));
    s.push_str("<h2>Largest clusters</h2>");
    table(&mut s, largest.into_iter().take(15));
    s.push_str("</body></html>\n");
    s
}

fn table<'a>(s: &mut String, rows: impl Iterator<Item = &'a Cluster>) {
    s.push_str(
        "<table><tr><th>#</th><th class=\"num\">ads</th><th>most serious</th>\
         <th>block / review / warn / allow</th><th>template (words every ad shares)</th>\
         <th>what varies</th><th class=\"num\">shared contacts</th><th class=\"num\">shared pictures</th></tr>",
    );
    let mut any = false;
    for c in rows {
        any = true;
        let (text, varies) = match c.templates.iter().max_by_key(|t| t.size) {
            Some(t) => {
                let mut text: String = t.text.chars().take(400).collect();
                if text.len() < t.text.len() {
                    text.push('…');
                }
                let v: Vec<String> = t
                    .varies
                    .iter()
                    .take(10)
                    .map(|v| format!("{} ({})", v.token, v.ads))
                    .collect();
                (
                    format!(
                        "{} <span class=\"muted\">({} ads)</span>",
                        esc(&text),
                        t.size
                    ),
                    esc(&v.join(", ")),
                )
            }
            None => (
                format!(
                    "<span class=\"muted\">linked by {} only</span>",
                    c.links
                        .join(" and ")
                        .replace("contact", "contacts")
                        .replace("image", "pictures")
                ),
                String::new(),
            ),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{} / {} / {} / {}</td>\
             <td>{text}</td><td>{varies}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            c.cluster,
            c.size,
            c.verdict.map_or("unknown", |t| t.as_str()),
            c.tiers.block,
            c.tiers.review,
            c.tiers.warn,
            c.tiers.allow,
            c.contacts.len(),
            c.images.len()
        );
    }
    if !any {
        s.push_str("<tr><td colspan=\"8\" class=\"muted\">no cluster</td></tr>");
    }
    s.push_str("</table>");
}
