//! `redflag link`: clusters of ads that share a template, a contact or a
//! picture (docs/linking.md).
//!
//! Pass one reads the ads once and keeps, per ad, only what linking needs:
//! its line, id and tier, its LSH band keys and its shingle hashes (at
//! most `MAX_SHINGLES`); contacts are joined as they are read, by their
//! keyed hashes. Candidate pairs (a shared band) are checked with the exact
//! Jaccard similarity of their shingles. Pass two reads the input again
//! (stdin is spooled to a temporary file in pass one) for the template text
//! of each template group, from at most `TEMPLATE_SAMPLE` of its ads.
//! Pictures (PDQ hashes given with the ads) are filed in a multi-index
//! (`redflag::link::ImageIndex`) as they are read and paired after pass one.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use redflag::eval::{escape_html as esc, REPORT_CSS};
use redflag::images::PdqHash;
use redflag::lines::{Line, LineReader};
use redflag::link::{self, ContactHash, ImageIndex, SignatureOptions};
use redflag::{Engine, EntityKind, Submission, Tier};

use crate::input::{max_line_bytes, open_input, progress_bar, raw_id, unreadable};
use crate::output::{finish, write_json, write_output, Fatal};

/// Shingle hashes kept per ad for the exact check (the smallest ones when
/// an ad has more: about 500 words of prose).
pub(crate) const MAX_SHINGLES: usize = 512;
/// Ads of a template group read for its template text.
pub(crate) const TEMPLATE_SAMPLE: usize = 50;
/// Tokens of each sampled ad compared for the template text.
pub(crate) const TEMPLATE_TOKENS: usize = 400;
/// Buckets with more ads than this are checked as a chain (each ad against
/// the one before it and the first), not every pair.
const FULL_BUCKET: usize = 64;
/// Varying words listed per template.
const VARIES: usize = 30;

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

/// What pass one keeps of an ad.
struct Ad {
    line: u32,
    id: Option<Box<str>>,
    tier: Option<Tier>,
    shingles: Box<[u32]>,
}

/// Union-find with path halving and union by size.
struct Sets {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl Sets {
    fn new() -> Sets {
        Sets {
            parent: Vec::new(),
            size: Vec::new(),
        }
    }
    fn push(&mut self) {
        self.parent.push(self.parent.len() as u32);
        self.size.push(1);
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = p;
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
        true
    }
    fn size_of(&mut self, x: u32) -> u32 {
        let r = self.find(x);
        self.size[r as usize]
    }
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

#[derive(Default, Clone, Copy, Serialize)]
struct Tiers {
    allow: u32,
    warn: u32,
    review: u32,
    block: u32,
    #[serde(skip_serializing_if = "is_zero")]
    unknown: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Tiers {
    fn add(&mut self, t: Option<Tier>) {
        match t {
            Some(Tier::Allow) => self.allow += 1,
            Some(Tier::Warn) => self.warn += 1,
            Some(Tier::Review) => self.review += 1,
            Some(Tier::Block) => self.block += 1,
            None => self.unknown += 1,
        }
    }
    fn serious(&self) -> bool {
        self.review + self.block > 0
    }
    /// "3 of them blocked, 1 in review", of the ads counted.
    fn phrase(&self, them: &str) -> String {
        match (self.block, self.review) {
            (0, 0) => format!("none of {them} in review or blocked"),
            (b, 0) => format!("{b} of {them} blocked"),
            (0, r) => format!("{r} of {them} in review"),
            (b, r) => format!("{b} of {them} blocked, {r} in review"),
        }
    }
    fn without(mut self, t: Option<Tier>) -> Tiers {
        match t {
            Some(Tier::Allow) => self.allow -= 1,
            Some(Tier::Warn) => self.warn -= 1,
            Some(Tier::Review) => self.review -= 1,
            Some(Tier::Block) => self.block -= 1,
            None => self.unknown -= 1,
        }
        self
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
    mark: Option<String>,
}

#[derive(Serialize, Clone)]
struct Varying {
    token: String,
    ads: u32,
}

#[derive(Serialize)]
struct TemplateOut {
    template: usize,
    size: u32,
    text: String,
    sampled: u32,
    varies: Vec<Varying>,
}

#[derive(Serialize)]
struct ContactOut<'a> {
    kind: &'static str,
    hash: &'a str,
    ads: u32,
}

#[derive(Serialize)]
struct ImageOut {
    pdq: String,
    ads: u32,
}

#[derive(Serialize)]
struct ClusterOut<'a> {
    cluster: usize,
    size: usize,
    verdict: Option<Tier>,
    tiers: Tiers,
    /// Which kinds of link joined the cluster's ads: `template`, `contact`, `image`.
    links: Vec<&'static str>,
    templates: Vec<TemplateOut>,
    contacts: Vec<ContactOut<'a>>,
    images: Vec<ImageOut>,
    members: Vec<Member<'a>>,
}

/// The template text of a group, built from its sampled ads.
#[derive(Default)]
struct Template {
    size: u32,
    tokens: Vec<String>,
    sampled: u32,
    counts: HashMap<String, u32>,
}

impl Template {
    fn add(&mut self, mut tokens: Vec<String>) {
        tokens.truncate(TEMPLATE_TOKENS);
        let mut distinct: Vec<&String> = tokens.iter().collect();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            *self.counts.entry(t.clone()).or_insert(0) += 1;
        }
        self.tokens = if self.sampled == 0 {
            tokens
        } else {
            lcs(&self.tokens, &tokens)
        };
        self.sampled += 1;
    }

    /// The words some sampled ads have and others not. Words in at most
    /// half of them come first (the names, cities and prices that fill a
    /// slot, each in a few ads), then words most ads have (a sentence some
    /// copies left out); each part by how many ads have the word.
    fn varies(&self) -> Vec<Varying> {
        let half = self.sampled / 2;
        let mut v: Vec<Varying> = self
            .counts
            .iter()
            .filter(|(t, c)| **c < self.sampled && !t.starts_with('<'))
            .map(|(t, c)| Varying {
                token: t.clone(),
                ads: *c,
            })
            .collect();
        v.sort_by(|a, b| {
            (a.ads > half)
                .cmp(&(b.ads > half))
                .then(b.ads.cmp(&a.ads))
                .then_with(|| a.token.cmp(&b.token))
        });
        v.truncate(VARIES);
        v
    }
}

/// The longest common subsequence of two token lists.
fn lcs(a: &[String], b: &[String]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut t = vec![0u16; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i * w + j] = if a[i] == b[j] {
                t[(i + 1) * w + j + 1] + 1
            } else {
                t[(i + 1) * w + j].max(t[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(a[i].clone());
            i += 1;
            j += 1;
        } else if t[(i + 1) * w + j] >= t[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn line_error(n: usize, msg: &str) {
    eprintln!("redflag link: line {n}: {msg}");
}

/// A picture's hash and quality (when given), and whether to skip it.
type Picture = (PdqHash, Option<u8>);

/// The `images` of an ad: an array of PDQ hashes as 64 hex digits, or
/// `"<hex>:<quality>"` (the edge token's `i`), or objects with `pdq` and
/// optionally `quality` (`redflag image-hash` lines, the edge's
/// X-Redflag-Images records); objects without `pdq` (pictures that were not
/// hashed) are skipped.
fn parse_images(v: &Value) -> Result<Vec<Picture>, String> {
    let bad = |i: usize, m: &str| format!("`images[{i}]`: {m}");
    let Value::Array(items) = v else {
        return Err(
            "`images` must be an array of PDQ hashes (64 hex digits) or {\"pdq\", \"quality\"}"
                .into(),
        );
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (hex, quality) = match item {
            Value::String(s) => match s.split_once(':') {
                Some((h, q)) => (
                    h,
                    Some(
                        q.parse::<u8>()
                            .ok()
                            .filter(|q| *q <= 100)
                            .ok_or_else(|| bad(i, "the quality after `:` must be 0 to 100"))?,
                    ),
                ),
                None => (s.as_str(), None),
            },
            Value::Object(o) => {
                let Some(p) = o.get("pdq") else { continue };
                let Some(h) = p.as_str() else {
                    return Err(bad(i, "`pdq` must be 64 hex digits"));
                };
                let q = match o.get("quality") {
                    None | Some(Value::Null) => None,
                    Some(q) => Some(
                        q.as_u64()
                            .filter(|q| *q <= 100)
                            .ok_or_else(|| bad(i, "`quality` must be 0 to 100"))?
                            as u8,
                    ),
                };
                (h, q)
            }
            _ => {
                return Err(bad(
                    i,
                    "must be a hash (64 hex digits) or an object with `pdq`",
                ))
            }
        };
        let hash: PdqHash = hex.parse().map_err(|e| bad(i, &format!("{e}")))?;
        out.push((hash, quality));
    }
    Ok(out)
}

/// One line's ad as linking reads it.
struct Parsed {
    value: Value,
    sub: Submission,
    tier: Option<Tier>,
    images: Vec<Picture>,
}

/// Reads one line's ad: the submission, the tier it carries and its pictures' hashes.
fn parse_ad(text: &str, section: &Option<String>) -> Result<Parsed, String> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut tier = None;
    let mut images = Vec::new();
    if let Value::Object(map) = &mut value {
        if let Some(v) = map.remove("images") {
            if !v.is_null() {
                images = parse_images(&v)?;
            }
        }
        match map.get("verdict") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => {
                tier = Some(s.parse::<Tier>().map_err(|_| {
                    format!("`verdict` must be allow, warn, review or block, got {s:?}")
                })?);
                map.remove("verdict");
            }
            Some(_) => return Err("`verdict` must be a string (allow, warn, review, block)".into()),
        }
    }
    let mut sub = Submission::from_json(&value).map_err(|e| e.to_string())?;
    if sub.get_section().is_none() {
        if let Some(s) = section {
            sub = sub.section(s.clone());
        }
    }
    Ok(Parsed {
        value,
        sub,
        tier,
        images,
    })
}

pub(crate) fn link(args: Args<'_>) -> Result<ExitCode, Fatal> {
    let threshold = args.threshold;
    let rows = link::lsh_rows(threshold);
    let bands = link::MINHASH_LEN / rows;
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
    let mut band_keys: Vec<Vec<(u32, u32)>> = vec![Vec::new(); bands];
    let mut contacts: HashMap<ContactHash, (u32, u32)> = HashMap::new();
    let mut all = Sets::new();
    let mut by_contact = Sets::new();
    let mut pictures = ImageIndex::new(args.images.threshold, args.images.common);
    let mut picture_ad: Vec<u32> = Vec::new();
    let mut low_quality = 0usize;
    let mut failed = false;
    loop {
        if let (Some(p), Some(_)) = (&progress, len) {
            p.set_position(reader.bytes_read());
        }
        let (n, line) = match reader.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                return Err(Fatal(format!(
                    "line {}: cannot read input: {e}",
                    reader.line_number()
                )))
            }
        };
        if let (Some(p), None) = (&progress, len) {
            p.inc(1);
        }
        let text = match &line {
            Line::Text(t) => *t,
            _ => "",
        };
        if let Again::Spool(_, w) = &mut again {
            w.write_all(text.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| Fatal(format!("cannot spool stdin: {e}")))?;
        }
        if !matches!(line, Line::Text(_)) {
            failed = true;
            line_error(
                n,
                &format!("cannot read line: {}", unreadable(&line, max_line)),
            );
            continue;
        }
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let Parsed {
            value,
            sub,
            tier: given,
            images,
        } = match parse_ad(text, &args.section) {
            Ok(x) => x,
            Err(e) => {
                failed = true;
                line_error(n, &e);
                continue;
            }
        };
        let tier = match (given, &args.engine) {
            (Some(t), _) => Some(t),
            (None, Some(engine)) => match engine.screen(&sub) {
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
        let idx = ads.len() as u32;
        let sh = link::shingles(&link::tokens(&sub));
        let mh = link::minhash(&sh);
        let sig = link::Signature {
            minhash: mh,
            shingles: sh.len(),
            contacts: link::contact_hashes(&sub, &sig_opts),
        };
        for (b, k) in sig.band_keys(rows).into_iter().enumerate() {
            band_keys[b].push(((k >> 32) as u32 ^ k as u32, idx));
        }
        let mut small: Vec<u32> = sh.iter().map(|h| (h >> 32) as u32).collect();
        small.sort_unstable();
        small.dedup();
        small.truncate(MAX_SHINGLES);
        all.push();
        by_contact.push();
        for c in sig.contacts {
            if c.kind == EntityKind::Url && !args.link_urls {
                continue;
            }
            let e = contacts.entry(c).or_insert((idx, 0));
            e.1 += 1;
            let first = e.0;
            all.union(first, idx);
            by_contact.union(first, idx);
        }
        for (hash, quality) in images {
            if quality.is_some_and(|q| q < args.images.min_quality) {
                low_quality += 1;
                continue;
            }
            pictures.push(hash);
            picture_ad.push(idx);
        }
        let id = raw_id(&value, text).map(|r| r.get().into());
        ads.push(Ad {
            line: n as u32,
            id,
            tier,
            shingles: small.into_boxed_slice(),
        });
    }
    if let Again::Spool(_, w) = &mut again {
        w.flush()
            .map_err(|e| Fatal(format!("cannot spool stdin: {e}")))?;
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }

    // Candidate pairs from the bands, checked on their shingles.
    let mut by_template = Sets::new();
    for _ in 0..ads.len() {
        by_template.push();
    }
    let check = |a: u32, b: u32, t: &mut Sets, all: &mut Sets| {
        if t.find(a) == t.find(b) {
            return;
        }
        let j = link::jaccard(&ads[a as usize].shingles, &ads[b as usize].shingles);
        if j >= threshold {
            t.union(a, b);
            all.union(a, b);
        }
    };
    for mut band in band_keys {
        band.sort_unstable();
        let mut i = 0;
        while i < band.len() {
            let mut e = i + 1;
            while e < band.len() && band[e].0 == band[i].0 {
                e += 1;
            }
            let bucket = &band[i..e];
            if bucket.len() <= FULL_BUCKET {
                for x in 0..bucket.len() {
                    for y in x + 1..bucket.len() {
                        check(bucket[x].1, bucket[y].1, &mut by_template, &mut all);
                    }
                }
            } else {
                for x in 1..bucket.len() {
                    check(bucket[0].1, bucket[x].1, &mut by_template, &mut all);
                    check(bucket[x - 1].1, bucket[x].1, &mut by_template, &mut all);
                }
            }
            i = e;
        }
    }

    // Pictures: near-duplicate hashes from the multi-index, joined as a
    // contact is (the same picture in two ads links them).
    let mut by_image = Sets::new();
    for _ in 0..ads.len() {
        by_image.push();
    }
    let mut picture_sets = Sets::new();
    for _ in 0..pictures.len() {
        picture_sets.push();
    }
    let image_stats = pictures.near_pairs(|i, j, _| {
        picture_sets.union(i, j);
        let (a, b) = (picture_ad[i as usize], picture_ad[j as usize]);
        if a != b {
            by_image.union(a, b);
            all.union(a, b);
        }
    });

    // Template texts: pass two over the input, for the ads of groups of two or more.
    let n_ads = ads.len();
    let mut group_of: Vec<u32> = vec![u32::MAX; n_ads];
    let mut groups: HashMap<u32, usize> = HashMap::new();
    let mut templates: Vec<Template> = Vec::new();
    let mut sampled: Vec<bool> = vec![false; n_ads];
    for i in 0..n_ads as u32 {
        let size = by_template.size_of(i);
        if size < 2 {
            continue;
        }
        let r = by_template.find(i);
        let g = *groups.entry(r).or_insert_with(|| {
            templates.push(Template {
                size,
                ..Template::default()
            });
            templates.len() - 1
        });
        group_of[i as usize] = g as u32;
        // The first TEMPLATE_SAMPLE ads of each group are read again.
        let t = &mut templates[g];
        if (t.sampled as usize) < TEMPLATE_SAMPLE {
            t.sampled += 1;
            sampled[i as usize] = true;
        }
    }
    for t in &mut templates {
        t.sampled = 0;
    }
    if !templates.is_empty() {
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
            &group_of,
            &mut templates,
            &args.section,
        )?;
    }

    // Clusters: the components of the combined graph with two ads or more.
    let mut comp: Vec<(u32, u32)> = Vec::new();
    for i in 0..n_ads as u32 {
        if all.size_of(i) >= 2 {
            comp.push((all.find(i), i));
        }
    }
    comp.sort_unstable();
    let mut shared: HashMap<u32, Vec<(&ContactHash, u32)>> = HashMap::new();
    for (c, (first, count)) in &contacts {
        if *count >= 2 {
            shared
                .entry(all.find(*first))
                .or_default()
                .push((c, *count));
        }
    }
    // Pictures shared by two ads or more: one hash per group (the first
    // read) and how many ads have it, by cluster.
    let mut groups_of_pictures: HashMap<u32, (u32, Vec<u32>)> = HashMap::new();
    for p in 0..pictures.len() as u32 {
        let g = groups_of_pictures
            .entry(picture_sets.find(p))
            .or_insert((p, Vec::new()));
        g.1.push(picture_ad[p as usize]);
    }
    let mut shared_images: HashMap<u32, Vec<ImageOut>> = HashMap::new();
    let mut by_first: Vec<(u32, Vec<u32>)> = groups_of_pictures.into_values().collect();
    by_first.sort_unstable_by_key(|g| g.0);
    for (first, mut owners) in by_first {
        owners.sort_unstable();
        owners.dedup();
        if owners.len() >= 2 {
            shared_images
                .entry(all.find(owners[0]))
                .or_default()
                .push(ImageOut {
                    pdq: pictures.hash(first).to_string(),
                    ads: owners.len() as u32,
                });
        }
    }
    let mut clusters: Vec<ClusterOut<'_>> = Vec::new();
    let mut i = 0;
    while i < comp.len() {
        let root = comp[i].0;
        let mut e = i;
        while e < comp.len() && comp[e].0 == root {
            e += 1;
        }
        let members: Vec<u32> = comp[i..e].iter().map(|x| x.1).collect();
        clusters.push(cluster(
            &members,
            &ads,
            &group_of,
            &templates,
            [&mut by_template, &mut by_contact, &mut by_image],
            shared.remove(&root).unwrap_or_default(),
            shared_images.remove(&root).unwrap_or_default(),
        ));
        i = e;
    }
    clusters.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(b.size.cmp(&a.size))
            .then(a.members[0].line.cmp(&b.members[0].line))
    });
    for (k, c) in clusters.iter_mut().enumerate() {
        c.cluster = k + 1;
    }
    let in_clusters: usize = clusters.iter().map(|c| c.size).sum();
    let serious = clusters.iter().filter(|c| c.tiers.serious()).count();
    eprintln!(
        "redflag link: {n_ads} ads, {} clusters of {in_clusters} ads, {serious} with an ad in review or blocked",
        clusters.len()
    );
    if pictures.len() + low_quality > 0 {
        eprintln!(
            "redflag link: {} pictures linked by hash, {low_quality} left out for a quality under {}, {} common (shared by more than {} others) linked to nothing",
            pictures.len() - image_stats.common,
            args.images.min_quality,
            image_stats.common,
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
                    serde_json::to_writer(&mut w, c)
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
                    write_json(&mut w, c)?;
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

fn read_templates(
    input: impl Read,
    max_line: usize,
    ads: &[Ad],
    sampled: &[bool],
    group_of: &[u32],
    templates: &mut [Template],
    section: &Option<String>,
) -> Result<(), Fatal> {
    let mut reader = LineReader::new(BufReader::new(input), max_line);
    let mut next = 0usize;
    while next < ads.len() && !sampled[next] {
        next += 1;
    }
    while next < ads.len() {
        let (n, line) = match reader.next_line() {
            Ok(Some(l)) => l,
            // The input changed between the passes: the rest has no text.
            Ok(None) => break,
            Err(e) => return Err(Fatal(format!("cannot read the input again: {e}"))),
        };
        if n as u32 != ads[next].line {
            continue;
        }
        if let Line::Text(t) = line {
            if let Ok(p) = parse_ad(t.trim(), section) {
                templates[group_of[next] as usize].add(link::tokens(&p.sub));
            }
        }
        next += 1;
        while next < ads.len() && !sampled[next] {
            next += 1;
        }
    }
    Ok(())
}

fn cluster<'a>(
    members: &[u32],
    ads: &'a [Ad],
    group_of: &[u32],
    templates: &[Template],
    [by_template, by_contact, by_image]: [&mut Sets; 3],
    mut contacts: Vec<(&'a ContactHash, u32)>,
    images: Vec<ImageOut>,
) -> ClusterOut<'a> {
    let mut tiers = Tiers::default();
    // Tiers per template group, per contact and per picture component in the cluster.
    let mut t_tiers: HashMap<u32, Tiers> = HashMap::new();
    let mut c_tiers: HashMap<u32, Tiers> = HashMap::new();
    let mut i_tiers: HashMap<u32, Tiers> = HashMap::new();
    let mut local: Vec<u32> = Vec::new();
    for &m in members {
        let t = ads[m as usize].tier;
        tiers.add(t);
        t_tiers.entry(by_template.find(m)).or_default().add(t);
        c_tiers.entry(by_contact.find(m)).or_default().add(t);
        i_tiers.entry(by_image.find(m)).or_default().add(t);
        let g = group_of[m as usize];
        if g != u32::MAX && !local.contains(&g) {
            local.push(g);
        }
    }
    let verdict = if tiers.unknown as usize == members.len() {
        None
    } else {
        [Tier::Block, Tier::Review, Tier::Warn, Tier::Allow]
            .into_iter()
            .find(|t| match t {
                Tier::Block => tiers.block > 0,
                Tier::Review => tiers.review > 0,
                Tier::Warn => tiers.warn > 0,
                Tier::Allow => tiers.allow > 0,
            })
    };
    let serious = tiers.serious();
    let out_members = members
        .iter()
        .map(|&m| {
            let ad = &ads[m as usize];
            let g = group_of[m as usize];
            let mark = serious.then(|| {
                let mut parts = Vec::new();
                let ts = by_template.size_of(m);
                if ts >= 2 {
                    let others = t_tiers[&by_template.find(m)].without(ad.tier);
                    parts.push(format!(
                        "same template as {} other ad{}, {}",
                        ts - 1,
                        if ts == 2 { "" } else { "s" },
                        others.phrase("them")
                    ));
                }
                let cs = by_contact.size_of(m);
                if cs >= 2 {
                    let others = c_tiers[&by_contact.find(m)].without(ad.tier);
                    parts.push(format!(
                        "same contact as {} other ad{}, {}",
                        cs - 1,
                        if cs == 2 { "" } else { "s" },
                        others.phrase("them")
                    ));
                }
                let is = by_image.size_of(m);
                if is >= 2 {
                    let others = i_tiers[&by_image.find(m)].without(ad.tier);
                    parts.push(format!(
                        "same picture as {} other ad{}, {}",
                        is - 1,
                        if is == 2 { "" } else { "s" },
                        others.phrase("them")
                    ));
                }
                let others = tiers.without(ad.tier);
                parts.push(format!(
                    "in a cluster of {} ads, {}",
                    members.len(),
                    others.phrase("the others")
                ));
                parts.join("; ")
            });
            Member {
                line: ad.line,
                id: ad
                    .id
                    .as_deref()
                    .and_then(|s| serde_json::from_str::<&RawValue>(s).ok()),
                verdict: ad.tier,
                template: (g != u32::MAX)
                    .then(|| local.iter().position(|x| *x == g))
                    .flatten(),
                mark,
            }
        })
        .collect();
    let templates_out = local
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let t = &templates[*g as usize];
            TemplateOut {
                template: k,
                size: t.size,
                text: t.tokens.join(" "),
                sampled: t.sampled,
                varies: t.varies(),
            }
        })
        .collect();
    contacts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut images = images;
    images.sort_by(|a, b| b.ads.cmp(&a.ads).then_with(|| a.pdq.cmp(&b.pdq)));
    let templates_out: Vec<TemplateOut> = templates_out;
    let links = [
        ("template", !templates_out.is_empty()),
        ("contact", !contacts.is_empty()),
        ("image", !images.is_empty()),
    ]
    .into_iter()
    .filter_map(|(k, on)| on.then_some(k))
    .collect();
    ClusterOut {
        cluster: 0,
        size: members.len(),
        verdict,
        tiers,
        links,
        images,
        templates: templates_out,
        contacts: contacts
            .into_iter()
            .map(|(c, n)| ContactOut {
                kind: c.kind.as_str(),
                hash: &c.hash,
                ads: n,
            })
            .collect(),
        members: out_members,
    }
}

fn html_report(clusters: &[ClusterOut<'_>], n_ads: usize, threshold: f64, title: &str) -> String {
    let mut s = String::new();
    let in_clusters: usize = clusters.iter().map(|c| c.size).sum();
    let serious: Vec<&ClusterOut<'_>> = clusters.iter().filter(|c| c.tiers.serious()).collect();
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
    let mut largest: Vec<&ClusterOut<'_>> = clusters.iter().collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then(a.cluster.cmp(&b.cluster)));
    s.push_str("<h2>Largest clusters</h2>");
    table(&mut s, largest.into_iter().take(15));
    s.push_str("</body></html>\n");
    s
}

fn table<'a, 'b: 'a>(s: &mut String, rows: impl Iterator<Item = &'a ClusterOut<'b>>) {
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
