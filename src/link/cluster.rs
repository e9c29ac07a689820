//! Clusters of ads that share a template, a contact or a picture: what `redflag link`
//! computes from the ads' [`Signature`]s, for any caller (the CLI, the
//! Python package, a pipeline of its own).
//!
//! Three steps, so that no ad text is held: a [`Linker`] takes each ad's
//! signature and verdict; [`Linker::finish`] checks the candidate pairs
//! (a shared LSH band) with the exact Jaccard similarity and joins the
//! template groups, shared contacts and shared pictures into one graph
//! ([`Links`]); the
//! caller then hands over the [`tokens`](super::tokens) of the few ads
//! [`Links::sampled`] names (at most [`TEMPLATE_SAMPLE`] per template
//! group), for the template texts, and [`Links::clusters`] gives the
//! clusters, ranked, with their template texts, shared contacts and marks.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::{jaccard, lsh_rows, ContactHash, ImageIndex, Signature, MINHASH_LEN};
use crate::error::Error;
use crate::extract::EntityKind;
use crate::images::PdqHash;
use crate::submission::Submission;
use crate::tier::Tier;

/// Ads of a template group whose words make its template text.
pub const TEMPLATE_SAMPLE: usize = 50;
/// Tokens of each sampled ad compared for the template text.
pub const TEMPLATE_TOKENS: usize = 400;
/// Buckets with more ads than this are checked as a chain (each ad against
/// the one before it and the first), not every pair.
const FULL_BUCKET: usize = 64;
/// Varying words listed per template.
const VARIES: usize = 30;
/// The most ads one [`Linker`] takes: ads are numbered with 32 bits.
pub const MAX_LINKED_ADS: usize = u32::MAX as usize - 1;

/// How ads are linked.
///
/// ```
/// let o = redflag::link::LinkOptions::default();
/// assert_eq!((o.threshold, o.link_urls, o.max_ads), (0.5, false, 2_000_000));
/// assert_eq!((o.image_threshold, o.image_min_quality, o.image_common), (31, 50, 1000));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinkOptions {
    /// The lowest exact Jaccard similarity of two ads' shingle samples for
    /// one template, from 0 to 1 (clamped; NaN is 0.5). Default 0.5.
    pub threshold: f64,
    /// Also link ads that share a URL or domain. Off by default: honest
    /// ads share job boards, shops and social networks.
    pub link_urls: bool,
    /// The most ads linked at once; one more is [`Error::Limit`] with
    /// `limit: "max_ads"`. Default 2,000,000 (about 1 KB of memory each),
    /// at most [`MAX_LINKED_ADS`].
    pub max_ads: usize,
    /// The largest Hamming distance between the PDQ hashes of two ads'
    /// pictures for one picture. Default 31 (PDQ's guidance), at most
    /// [`MAX_IMAGE_THRESHOLD`](super::MAX_IMAGE_THRESHOLD) (47).
    pub image_threshold: u32,
    /// Pictures whose PDQ quality is given and under this (mostly flat
    /// pictures, whose hashes are near every other flat picture's) link
    /// nothing. Default 50 (PDQ's guidance).
    pub image_min_quality: u8,
    /// A picture shared by more ads than this is common (a placeholder, a
    /// stock photo) and links nothing ([`ImageIndex`]). Default 1000.
    pub image_common: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            threshold: 0.5,
            link_urls: false,
            max_ads: 2_000_000,
            image_threshold: crate::images::DEFAULT_THRESHOLD,
            image_min_quality: 50,
            image_common: 1000,
        }
    }
}

/// A picture of an ad, as linking reads it: its PDQ hash and, when known,
/// its PDQ quality (0 to 100).
///
/// ```
/// use redflag::link::Picture;
/// let p: Picture = "f".repeat(64).parse::<redflag::images::PdqHash>().map(Picture::from).unwrap();
/// assert_eq!(p.quality, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Its hash.
    pub hash: PdqHash,
    /// Its quality, if given.
    pub quality: Option<u8>,
}

impl From<PdqHash> for Picture {
    fn from(hash: PdqHash) -> Picture {
        Picture {
            hash,
            quality: None,
        }
    }
}

/// One ad of linking's input, as [`ad_from_json`] reads it.
#[derive(Clone, Debug)]
pub struct LinkAd {
    /// Its text fields.
    pub submission: Submission,
    /// The verdict it carries, if any.
    pub verdict: Option<Tier>,
    /// Its pictures' hashes, if any.
    pub pictures: Vec<Picture>,
}

/// The `images` of an ad: an array of PDQ hashes as 64 hex digits, or
/// `"<hex>:<quality>"` (the edge token's `i`), or objects with `pdq` and
/// optionally `quality` (`redflag image-hash` lines, the edge's
/// X-Redflag-Images records); objects without `pdq` (pictures that were
/// not hashed) are skipped.
fn pictures_from_json(v: &Value) -> Result<Vec<Picture>, Error> {
    let bad = |i: usize, m: &str| Error::Submission(format!("`images[{i}]`: {m}"));
    let Value::Array(items) = v else {
        return Err(Error::Submission(
            "`images` must be an array of PDQ hashes (64 hex digits) or {\"pdq\", \"quality\"}"
                .into(),
        ));
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
        out.push(Picture { hash, quality });
    }
    Ok(out)
}

/// Reads one ad of linking's input: a JSON object as
/// [`Submission::from_json`] reads it, which may also carry the ad's
/// `verdict` (`allow`, `warn`, `review`, `block`, or `null`), for instance
/// from an earlier screening, and its pictures' PDQ hashes in `images`: an
/// array of 64-hex-digit hashes, of `"<hash>:<quality>"` (the edge token's
/// `i`), or of objects with `pdq` and optionally `quality` (`redflag
/// image-hash` lines, the edge's `X-Redflag-Images` records; an object
/// without `pdq`, a picture that was not hashed, is skipped). Both are
/// taken out of the object, so they are not read as text fields.
///
/// ```
/// use redflag::{link::ad_from_json, Tier};
/// let mut v = serde_json::json!({"id": 3, "body": "Room to let", "verdict": "warn",
///     "images": [format!("{}:80", "0f".repeat(32)), {"error": "too large"}]});
/// let ad = ad_from_json(&mut v).unwrap();
/// assert_eq!((ad.submission.fields().count(), ad.verdict), (1, Some(Tier::Warn)));
/// assert_eq!((ad.pictures.len(), ad.pictures[0].quality), (1, Some(80)));
/// let mut bad = serde_json::json!({"body": "x", "verdict": "maybe"});
/// assert!(ad_from_json(&mut bad).is_err());
/// let mut bad = serde_json::json!({"body": "x", "images": ["not a hash"]});
/// assert!(ad_from_json(&mut bad).unwrap_err().to_string().contains("images[0]"));
/// ```
pub fn ad_from_json(value: &mut Value) -> Result<LinkAd, Error> {
    let mut tier = None;
    let mut pictures = Vec::new();
    if let Value::Object(map) = value {
        if let Some(v) = map.remove("images") {
            if !v.is_null() {
                pictures = pictures_from_json(&v)?;
            }
        }
        match map.get("verdict") {
            None => {}
            Some(Value::Null) => {
                map.remove("verdict");
            }
            Some(Value::String(s)) => {
                tier = Some(s.parse::<Tier>().map_err(|_| {
                    Error::Submission(format!(
                        "`verdict` must be allow, warn, review or block, got {s:?}"
                    ))
                })?);
                map.remove("verdict");
            }
            Some(_) => {
                return Err(Error::Submission(
                    "`verdict` must be a string (allow, warn, review, block)".into(),
                ))
            }
        }
    }
    Ok(LinkAd {
        submission: Submission::from_json(value)?,
        verdict: tier,
        pictures,
    })
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

/// What is kept of an ad: its verdict and its shingle sample.
struct Entry {
    tier: Option<Tier>,
    sample: Box<[u32]>,
}

/// Takes the ads one at a time and keeps what linking needs of each: its
/// verdict, its band keys (8 bytes a band) and its shingle sample; shared
/// contacts are joined as they come, and each distinct contact is kept
/// once; pictures' hashes are filed in an [`ImageIndex`] and paired in
/// [`Linker::finish`]. Ads are numbered from 0 in the order they are added.
///
/// ```
/// use redflag::link::{signature, LinkOptions, Linker, SignatureOptions};
/// use redflag::{Submission, Tier};
///
/// let key = SignatureOptions { key: Some(b"a deployment key, 16+ bytes".to_vec()) };
/// let ads = [
///     "Hostess work abroad, passport kept by the agency until the debt is paid, call Anna",
///     "H0stess work abroad, pаssport kept by the agency until the debt is paid, call Olga",
///     "Sofa for sale, text two oh two five five five oh one four seven",
///     "Bike for sale, good tyres, call 202-555-0147",
///     "Flat to let near the park, no pets",
/// ];
/// let subs: Vec<Submission> = ads.iter().map(|t| Submission::new().field("body", *t)).collect();
/// let mut linker = Linker::new(&LinkOptions::default());
/// for (i, s) in subs.iter().enumerate() {
///     let tier = Some(if i == 0 { Tier::Block } else { Tier::Allow });
///     linker.add(signature(s, &key), tier).unwrap();
/// }
/// let mut links = linker.finish();
/// for i in links.sampled() {
///     links.add_tokens(i, redflag::link::tokens(&subs[i]));
/// }
/// let clusters = links.clusters();
/// assert_eq!(clusters.len(), 2);
/// assert_eq!(clusters[0].verdict, Some(Tier::Block));   // the most serious first
/// assert_eq!(clusters[0].members.iter().map(|m| m.ad).collect::<Vec<_>>(), [0, 1]);
/// assert!(clusters[0].members[1].mark.as_deref().unwrap().starts_with("same template as 1 other ad, 1 of them blocked"));
/// assert_eq!(clusters[1].contacts[0].kind, redflag::EntityKind::Phone);
/// ```
pub struct Linker {
    threshold: f64,
    rows: usize,
    link_urls: bool,
    max_ads: usize,
    ads: Vec<Entry>,
    band_keys: Vec<Vec<(u32, u32)>>,
    contacts: HashMap<ContactHash, (u32, u32)>,
    all: Sets,
    by_contact: Sets,
    pictures: ImageIndex,
    /// The ad of each picture in `pictures`.
    picture_ad: Vec<u32>,
    image_min_quality: u8,
    low_quality: usize,
}

impl Linker {
    /// A linker with no ads yet.
    pub fn new(opts: &LinkOptions) -> Linker {
        let threshold = if opts.threshold.is_nan() {
            0.5
        } else {
            opts.threshold.clamp(0.0, 1.0)
        };
        let rows = lsh_rows(threshold);
        Linker {
            threshold,
            rows,
            link_urls: opts.link_urls,
            max_ads: opts.max_ads.min(MAX_LINKED_ADS),
            ads: Vec::new(),
            band_keys: vec![Vec::new(); MINHASH_LEN / rows],
            contacts: HashMap::new(),
            all: Sets::new(),
            by_contact: Sets::new(),
            pictures: ImageIndex::new(opts.image_threshold, opts.image_common),
            picture_ad: Vec::new(),
            image_min_quality: opts.image_min_quality,
            low_quality: 0,
        }
    }

    /// How many ads were added.
    pub fn len(&self) -> usize {
        self.ads.len()
    }

    /// Whether no ad was added.
    pub fn is_empty(&self) -> bool {
        self.ads.is_empty()
    }

    /// Adds an ad: its signature (made with the key every other ad's was
    /// made with) and its verdict, if it has one. Returns the ad's number.
    /// One ad more than [`LinkOptions::max_ads`] is [`Error::Limit`].
    pub fn add(&mut self, sig: Signature, tier: Option<Tier>) -> Result<usize, Error> {
        self.add_with_pictures(sig, tier, &[])
    }

    /// Adds an ad with its pictures' hashes ([`ad_from_json`] reads them):
    /// two ads whose pictures are at most [`LinkOptions::image_threshold`]
    /// bits apart are linked, as a shared contact links them. A picture
    /// whose quality is under [`LinkOptions::image_min_quality`] is left
    /// out ([`PictureCounts::low_quality`]).
    ///
    /// ```
    /// use redflag::images::PdqHash;
    /// use redflag::link::{signature, LinkOptions, Linker, SignatureOptions};
    /// use redflag::Submission;
    ///
    /// let sig = |t: &str| signature(&Submission::new().field("body", t), &SignatureOptions::default());
    /// let photo = PdqHash::from_bytes([0x3c; 32]);
    /// let mut resized = [0x3c; 32];
    /// resized[0] ^= 0x0f;                                   // 4 bits off
    /// let mut linker = Linker::new(&LinkOptions::default());
    /// linker.add_with_pictures(sig("Room in a shared flat"), None, &[photo.into()]).unwrap();
    /// linker.add_with_pictures(sig("Sofa, nearly new"), None, &[PdqHash::from_bytes(resized).into()]).unwrap();
    /// linker.add(sig("Bike with a basket"), None).unwrap();
    /// let clusters = linker.finish().clusters();
    /// assert_eq!(clusters.len(), 1);
    /// assert_eq!((clusters[0].size, clusters[0].links.as_slice()), (2, &["image"][..]));
    /// assert_eq!(clusters[0].images[0].ads, 2);
    /// ```
    pub fn add_with_pictures(
        &mut self,
        sig: Signature,
        tier: Option<Tier>,
        pictures: &[Picture],
    ) -> Result<usize, Error> {
        if self.ads.len() >= self.max_ads {
            return Err(Error::Limit {
                limit: "max_ads",
                max: self.max_ads,
                actual: self.ads.len() + 1,
            });
        }
        let idx = self.ads.len() as u32;
        for (b, k) in sig.band_keys(self.rows).into_iter().enumerate() {
            self.band_keys[b].push(((k >> 32) as u32 ^ k as u32, idx));
        }
        self.all.push();
        self.by_contact.push();
        for c in sig.contacts {
            if c.kind == EntityKind::Url && !self.link_urls {
                continue;
            }
            let e = self.contacts.entry(c).or_insert((idx, 0));
            e.1 += 1;
            let first = e.0;
            self.all.union(first, idx);
            self.by_contact.union(first, idx);
        }
        for p in pictures {
            if p.quality.is_some_and(|q| q < self.image_min_quality) {
                self.low_quality += 1;
                continue;
            }
            self.pictures.push(p.hash);
            self.picture_ad.push(idx);
        }
        self.ads.push(Entry {
            tier,
            sample: sig.sample.into_boxed_slice(),
        });
        Ok(idx as usize)
    }

    /// Checks the candidate pairs (ads that share a band) with the exact
    /// Jaccard similarity of their samples, forms the template groups, and
    /// pairs the pictures.
    pub fn finish(self) -> Links {
        let Linker {
            threshold,
            ads,
            band_keys,
            contacts,
            mut all,
            by_contact,
            pictures,
            picture_ad,
            low_quality,
            ..
        } = self;
        let mut by_template = Sets::new();
        for _ in 0..ads.len() {
            by_template.push();
        }
        let check = |a: u32, b: u32, t: &mut Sets, all: &mut Sets| {
            if t.find(a) == t.find(b) {
                return;
            }
            let j = jaccard(&ads[a as usize].sample, &ads[b as usize].sample);
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
        let stats = pictures.near_pairs(|i, j, _| {
            picture_sets.union(i, j);
            let (a, b) = (picture_ad[i as usize], picture_ad[j as usize]);
            if a != b {
                by_image.union(a, b);
                all.union(a, b);
            }
        });
        // Pictures shared by two ads or more: one hash per group (the
        // first added), its first ad and how many ads have it.
        let mut owners_of: HashMap<u32, (u32, Vec<u32>)> = HashMap::new();
        for p in 0..pictures.len() as u32 {
            owners_of
                .entry(picture_sets.find(p))
                .or_insert((p, Vec::new()))
                .1
                .push(picture_ad[p as usize]);
        }
        let mut shared_pictures: Vec<(u32, PdqHash, u32)> = owners_of
            .into_values()
            .filter_map(|(first, mut owners)| {
                owners.sort_unstable();
                owners.dedup();
                (owners.len() >= 2).then(|| (owners[0], pictures.hash(first), owners.len() as u32))
            })
            .collect();
        shared_pictures.sort_unstable_by_key(|p| (p.0, *p.1.as_bytes()));
        let picture_counts = PictureCounts {
            linked: pictures.len() - stats.common,
            low_quality,
            common: stats.common,
        };

        // Template groups of two ads or more, and the first
        // TEMPLATE_SAMPLE ads of each, whose words make its text.
        let n = ads.len();
        let mut group_of = vec![u32::MAX; n];
        let mut groups: HashMap<u32, usize> = HashMap::new();
        let mut templates: Vec<Template> = Vec::new();
        let mut chosen: Vec<u32> = Vec::new();
        let mut sampled = vec![false; n];
        for i in 0..n as u32 {
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
                chosen.push(0);
                templates.len() - 1
            });
            group_of[i as usize] = g as u32;
            if (chosen[g] as usize) < TEMPLATE_SAMPLE {
                chosen[g] += 1;
                sampled[i as usize] = true;
            }
        }
        Links {
            ads,
            all,
            by_template,
            by_contact,
            by_image,
            contacts,
            shared_pictures,
            picture_counts,
            group_of,
            templates,
            sampled,
        }
    }
}

/// What became of the pictures given to a [`Linker`].
///
/// ```
/// let c = redflag::link::PictureCounts::default();
/// assert_eq!((c.linked, c.low_quality, c.common), (0, 0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PictureCounts {
    /// Pictures compared with the others by hash.
    pub linked: usize,
    /// Pictures left out for a quality under
    /// [`LinkOptions::image_min_quality`].
    pub low_quality: usize,
    /// Common pictures (shared by more than [`LinkOptions::image_common`]
    /// ads), linked to nothing.
    pub common: usize,
}

/// The linked ads, waiting for the words of their sampled ads
/// ([`Links::add_tokens`]) before they become [`Cluster`]s.
pub struct Links {
    ads: Vec<Entry>,
    all: Sets,
    by_template: Sets,
    by_contact: Sets,
    by_image: Sets,
    contacts: HashMap<ContactHash, (u32, u32)>,
    /// Each shared picture: its first ad, its hash, how many ads have it.
    shared_pictures: Vec<(u32, PdqHash, u32)>,
    picture_counts: PictureCounts,
    group_of: Vec<u32>,
    templates: Vec<Template>,
    sampled: Vec<bool>,
}

impl Links {
    /// What became of the pictures: how many were compared, left out for
    /// their quality, or common.
    pub fn picture_counts(&self) -> PictureCounts {
        self.picture_counts
    }

    /// The ads whose words make the template texts (at most
    /// [`TEMPLATE_SAMPLE`] of each template group, the first ones added),
    /// in order. Give [`Links::add_tokens`] each one's tokens, in this
    /// order; an ad left out is left out of its template's text (and of
    /// its `sampled` count).
    pub fn sampled(&self) -> Vec<usize> {
        (0..self.sampled.len())
            .filter(|i| self.sampled[*i])
            .collect()
    }

    /// Adds the tokens ([`tokens`](super::tokens)) of a sampled ad to its
    /// template's text. Tokens of an ad not sampled are ignored.
    pub fn add_tokens(&mut self, ad: usize, tokens: Vec<String>) {
        if self.sampled.get(ad).copied().unwrap_or(false) {
            self.sampled[ad] = false;
            self.templates[self.group_of[ad] as usize].add(tokens);
        }
    }

    /// The clusters: each connected component of two ads or more of the
    /// graph whose edges are shared templates, contacts and pictures, ranked
    /// by the most serious verdict among its ads, then by size (largest
    /// first), then by its first ad; `cluster` is the rank, from 1.
    pub fn clusters(mut self) -> Vec<Cluster> {
        let n = self.ads.len();
        let mut comp: Vec<(u32, u32)> = Vec::new();
        for i in 0..n as u32 {
            if self.all.size_of(i) >= 2 {
                comp.push((self.all.find(i), i));
            }
        }
        comp.sort_unstable();
        let mut shared: HashMap<u32, Vec<(ContactHash, u32)>> = HashMap::new();
        for (c, (first, count)) in std::mem::take(&mut self.contacts) {
            if count >= 2 {
                shared
                    .entry(self.all.find(first))
                    .or_default()
                    .push((c, count));
            }
        }
        let mut pictures: HashMap<u32, Vec<SharedPicture>> = HashMap::new();
        for (first, hash, ads) in std::mem::take(&mut self.shared_pictures) {
            pictures
                .entry(self.all.find(first))
                .or_default()
                .push(SharedPicture {
                    pdq: hash.to_string(),
                    ads,
                });
        }
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut i = 0;
        while i < comp.len() {
            let root = comp[i].0;
            let mut e = i;
            while e < comp.len() && comp[e].0 == root {
                e += 1;
            }
            let members: Vec<u32> = comp[i..e].iter().map(|x| x.1).collect();
            let contacts = shared.remove(&root).unwrap_or_default();
            let images = pictures.remove(&root).unwrap_or_default();
            clusters.push(self.cluster(&members, contacts, images));
            i = e;
        }
        clusters.sort_by(|a, b| {
            b.verdict
                .cmp(&a.verdict)
                .then(b.size.cmp(&a.size))
                .then(a.members[0].ad.cmp(&b.members[0].ad))
        });
        for (k, c) in clusters.iter_mut().enumerate() {
            c.cluster = k + 1;
        }
        clusters
    }

    fn cluster(
        &mut self,
        members: &[u32],
        mut contacts: Vec<(ContactHash, u32)>,
        mut images: Vec<SharedPicture>,
    ) -> Cluster {
        let mut tiers = TierCounts::default();
        // Tiers per template group, per contact and per picture component
        // in the cluster.
        let mut t_tiers: HashMap<u32, TierCounts> = HashMap::new();
        let mut c_tiers: HashMap<u32, TierCounts> = HashMap::new();
        let mut i_tiers: HashMap<u32, TierCounts> = HashMap::new();
        let mut local: Vec<u32> = Vec::new();
        for &m in members {
            let t = self.ads[m as usize].tier;
            tiers.add(t);
            t_tiers.entry(self.by_template.find(m)).or_default().add(t);
            c_tiers.entry(self.by_contact.find(m)).or_default().add(t);
            i_tiers.entry(self.by_image.find(m)).or_default().add(t);
            let g = self.group_of[m as usize];
            if g != u32::MAX && !local.contains(&g) {
                local.push(g);
            }
        }
        let verdict = tiers.most_serious();
        let serious = tiers.serious();
        let out_members = members
            .iter()
            .map(|&m| {
                let tier = self.ads[m as usize].tier;
                let g = self.group_of[m as usize];
                let mark = serious.then(|| {
                    let mut parts = Vec::new();
                    let ts = self.by_template.size_of(m);
                    if ts >= 2 {
                        let others = t_tiers[&self.by_template.find(m)].without(tier);
                        parts.push(format!(
                            "same template as {} other ad{}, {}",
                            ts - 1,
                            if ts == 2 { "" } else { "s" },
                            others.phrase("them")
                        ));
                    }
                    let cs = self.by_contact.size_of(m);
                    if cs >= 2 {
                        let others = c_tiers[&self.by_contact.find(m)].without(tier);
                        parts.push(format!(
                            "same contact as {} other ad{}, {}",
                            cs - 1,
                            if cs == 2 { "" } else { "s" },
                            others.phrase("them")
                        ));
                    }
                    let is = self.by_image.size_of(m);
                    if is >= 2 {
                        let others = i_tiers[&self.by_image.find(m)].without(tier);
                        parts.push(format!(
                            "same picture as {} other ad{}, {}",
                            is - 1,
                            if is == 2 { "" } else { "s" },
                            others.phrase("them")
                        ));
                    }
                    let others = tiers.without(tier);
                    parts.push(format!(
                        "in a cluster of {} ads, {}",
                        members.len(),
                        others.phrase("the others")
                    ));
                    parts.join("; ")
                });
                Member {
                    ad: m as usize,
                    verdict: tier,
                    template: (g != u32::MAX)
                        .then(|| local.iter().position(|x| *x == g))
                        .flatten(),
                    mark,
                }
            })
            .collect();
        let templates: Vec<TemplateGroup> = local
            .iter()
            .enumerate()
            .map(|(k, g)| {
                let t = &self.templates[*g as usize];
                TemplateGroup {
                    template: k,
                    size: t.size,
                    text: t.tokens.join(" "),
                    sampled: t.sampled,
                    varies: t.varies(),
                }
            })
            .collect();
        contacts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        images.sort_by(|a, b| b.ads.cmp(&a.ads).then_with(|| a.pdq.cmp(&b.pdq)));
        let links = [
            ("template", !templates.is_empty()),
            ("contact", !contacts.is_empty()),
            ("image", !images.is_empty()),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        Cluster {
            cluster: 0,
            size: members.len(),
            verdict,
            tiers,
            links,
            templates,
            contacts: contacts
                .into_iter()
                .map(|(c, n)| SharedContact {
                    kind: c.kind,
                    hash: c.hash,
                    ads: n,
                })
                .collect(),
            images,
            members: out_members,
        }
    }
}

/// One cluster: ads linked by shared templates, contacts and pictures. Serialised,
/// it is `redflag link`'s output line, except that each member names its
/// ad by number (`ad`) where the CLI writes its `line` and `id`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cluster {
    /// The rank, from 1.
    pub cluster: usize,
    /// How many ads.
    pub size: usize,
    /// The most serious verdict among its ads (`None` when none has one).
    pub verdict: Option<Tier>,
    /// How many of its ads are at each tier.
    pub tiers: TierCounts,
    /// Which kinds of link joined its ads, of `template`, `contact` and
    /// `image`.
    pub links: Vec<&'static str>,
    /// Its template groups.
    pub templates: Vec<TemplateGroup>,
    /// The contacts two or more of its ads share, the most shared first.
    pub contacts: Vec<SharedContact>,
    /// The pictures two or more of its ads share, the most shared first.
    pub images: Vec<SharedPicture>,
    /// Its ads, in the order they were added.
    pub members: Vec<Member>,
}

/// How many ads are at each tier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TierCounts {
    /// Allowed.
    pub allow: u32,
    /// Warned.
    pub warn: u32,
    /// In review.
    pub review: u32,
    /// Blocked.
    pub block: u32,
    /// Without a verdict (not serialised when 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub unknown: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl TierCounts {
    fn add(&mut self, t: Option<Tier>) {
        match t {
            Some(Tier::Allow) => self.allow += 1,
            Some(Tier::Warn) => self.warn += 1,
            Some(Tier::Review) => self.review += 1,
            Some(Tier::Block) => self.block += 1,
            None => self.unknown += 1,
        }
    }

    /// Whether an ad is in review or blocked.
    pub fn serious(&self) -> bool {
        self.review + self.block > 0
    }

    fn most_serious(&self) -> Option<Tier> {
        [
            (Tier::Block, self.block),
            (Tier::Review, self.review),
            (Tier::Warn, self.warn),
            (Tier::Allow, self.allow),
        ]
        .into_iter()
        .find(|(_, n)| *n > 0)
        .map(|(t, _)| t)
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

    fn without(mut self, t: Option<Tier>) -> TierCounts {
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

/// One ad of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The ad's number (from 0, in the order added).
    pub ad: usize,
    /// Its verdict, if it has one.
    pub verdict: Option<Tier>,
    /// Its template group: an index into [`Cluster::templates`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<usize>,
    /// Where it belongs, for a reviewer, when the cluster holds an ad in
    /// review or blocked: "same template as 14 other ads, 3 of them
    /// blocked; in a cluster of 15 ads, 3 of the others blocked".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
}

/// A template group of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateGroup {
    /// Its index in the cluster.
    pub template: usize,
    /// Its ads.
    pub size: u32,
    /// The words every sampled ad has, in order, in matching form, with
    /// contacts as `<phone>` and the like.
    pub text: String,
    /// The ads the text was made from.
    pub sampled: u32,
    /// Words some of the sampled ads have and others not (at most 30):
    /// first those in at most half of them (the names, cities and prices
    /// that fill a slot), then those most have.
    pub varies: Vec<Varying>,
}

/// A word that varies in a template group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Varying {
    /// The word, in matching form.
    pub token: String,
    /// How many sampled ads have it.
    pub ads: u32,
}

/// A contact shared by two or more ads of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedContact {
    /// Phone, e-mail, handle (or URL, with [`LinkOptions::link_urls`]).
    pub kind: EntityKind,
    /// Its keyed hash.
    pub hash: String,
    /// How many ads have it.
    pub ads: u32,
}

/// A picture shared by two or more ads of a cluster (near-duplicates count
/// as one picture).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SharedPicture {
    /// The PDQ hash of its first copy, as 64 hex digits.
    pub pdq: String,
    /// How many ads have it.
    pub ads: u32,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::{signature, tokens, SignatureOptions};

    fn key() -> SignatureOptions {
        SignatureOptions {
            key: Some(b"test key of sixteen bytes".to_vec()),
        }
    }

    fn template(name: &str, city: &str, pay: u32, phone: &str) -> String {
        format!(
            "Young girls wanted for hostess work in {city}. Free flight and visa, high salary \
             {pay} USD a month, no experience needed. Your passport is kept by the agent on \
             arrival until the travel debt is paid. Ask for {name}, WhatsApp {phone}"
        )
    }

    const HONEST: [&str; 4] = [
        "Two bedroom flat near the park, bills included, available from March. No pets please.",
        "Used mountain bike, 21 gears, new tyres last spring, collection only.",
        "Part-time barista for our cafe on Mill Street. Weekend shifts, training provided.",
        "Selling my old laptop, battery holds three hours, charger included.",
    ];

    /// Links the texts with their tiers, template texts included.
    fn link_all(ads: &[(&str, Option<Tier>)], opts: &LinkOptions) -> Vec<Cluster> {
        let subs: Vec<Submission> = ads
            .iter()
            .map(|(t, _)| Submission::new().field("body", *t))
            .collect();
        let mut linker = Linker::new(opts);
        for (s, (_, tier)) in subs.iter().zip(ads) {
            linker.add(signature(s, &key()), *tier).unwrap();
        }
        let mut links = linker.finish();
        for i in links.sampled() {
            links.add_tokens(i, tokens(&subs[i]));
        }
        links.clusters()
    }

    fn ads_of(c: &Cluster) -> Vec<usize> {
        c.members.iter().map(|m| m.ad).collect()
    }

    #[test]
    fn templates_and_contacts_make_ranked_clusters() {
        let a = template("Maria", "Dubai", 3000, "202-555-0101");
        let b = template("Olga", "Doha", 2500, "202-555-0102").replace('o', "о");
        let c = template("Anna", "Riyadh", 2000, "202-555-0103");
        let ads = vec![
            (HONEST[0], Some(Tier::Allow)),
            (a.as_str(), Some(Tier::Review)),
            (HONEST[1], Some(Tier::Allow)),
            (b.as_str(), Some(Tier::Allow)),
            (c.as_str(), None),
            ("Bike lock for sale, call 202-555-0199", Some(Tier::Allow)),
            (
                "Sofa free to collect, text two oh two five five five oh one nine nine",
                None,
            ),
            (HONEST[2], Some(Tier::Allow)),
            (HONEST[3], Some(Tier::Allow)),
        ];
        let cl = link_all(&ads, &LinkOptions::default());
        assert_eq!(cl.len(), 2, "{cl:#?}");
        assert_eq!(ads_of(&cl[0]), [1, 3, 4]);
        assert_eq!(cl[0].verdict, Some(Tier::Review));
        assert_eq!(cl[0].cluster, 1);
        assert_eq!(
            (cl[0].tiers.allow, cl[0].tiers.review, cl[0].tiers.unknown),
            (1, 1, 1)
        );
        let t = &cl[0].templates[0];
        assert_eq!((t.size, t.sampled), (3, 3));
        assert!(
            t.text.contains("pasport is kept by the agent"),
            "{}",
            t.text
        );
        assert!(t.text.contains("<phone>") && !t.text.contains("202"));
        let varying: Vec<&str> = t.varies.iter().map(|v| v.token.as_str()).collect();
        assert!(varying.contains(&"doha") && varying.contains(&"maria"));
        assert!(cl[0].members.iter().all(|m| m.template == Some(0)));
        assert_eq!(
            cl[0].members[1].mark.as_deref(),
            Some(
                "same template as 2 other ads, 1 of them in review; \
                 in a cluster of 3 ads, 1 of the others in review"
            )
        );
        // The contact cluster: allowed and unknown only, so no marks.
        assert_eq!(ads_of(&cl[1]), [5, 6]);
        assert_eq!(cl[1].verdict, Some(Tier::Allow));
        assert_eq!(cl[1].contacts.len(), 1);
        assert_eq!(cl[1].contacts[0].ads, 2);
        assert!(cl[1].templates.is_empty());
        assert!(cl[1]
            .members
            .iter()
            .all(|m| m.mark.is_none() && m.template.is_none()));
    }

    #[test]
    fn threshold_and_urls_are_options() {
        let a = template("Maria", "Dubai", 3000, "");
        let b = template("Olga", "Doha", 2500, "");
        let ads = [(a.as_str(), None), (b.as_str(), None)];
        assert_eq!(link_all(&ads, &LinkOptions::default()).len(), 1);
        let strict = LinkOptions {
            threshold: 1.0,
            ..LinkOptions::default()
        };
        assert!(link_all(&ads, &strict).is_empty());
        let urls = [
            ("Cheap laptops, see shop.example.com/deals", None),
            ("Garden chairs, photos at shop.example.com/deals", None),
        ];
        assert!(link_all(&urls, &LinkOptions::default()).is_empty());
        let with_urls = LinkOptions {
            link_urls: true,
            ..LinkOptions::default()
        };
        assert_eq!(
            link_all(&urls, &with_urls)[0].contacts[0].kind,
            EntityKind::Url
        );
    }

    #[test]
    fn more_ads_than_the_limit_is_an_error() {
        let mut l = Linker::new(&LinkOptions {
            max_ads: 2,
            ..LinkOptions::default()
        });
        let s = |t: &str| signature(&Submission::new().field("body", t), &key());
        assert_eq!(l.add(s("one"), None).unwrap(), 0);
        assert_eq!(l.add(s("two"), None).unwrap(), 1);
        let e = l.add(s("three"), None).unwrap_err();
        assert!(matches!(
            e,
            Error::Limit {
                limit: "max_ads",
                max: 2,
                actual: 3
            }
        ));
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn large_buckets_are_chained_and_still_one_cluster() {
        // More identical ads than FULL_BUCKET: checked as a chain.
        let ads: Vec<(&str, Option<Tier>)> =
            (0..FULL_BUCKET + 10).map(|_| (HONEST[0], None)).collect();
        let cl = link_all(&ads, &LinkOptions::default());
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].size, FULL_BUCKET + 10);
        assert_eq!(cl[0].templates[0].sampled as usize, TEMPLATE_SAMPLE);
        assert_eq!(cl[0].verdict, None);
    }

    #[test]
    fn verdicts_in_the_input_are_read_and_checked() {
        let mut v = serde_json::json!({"body": "x", "verdict": null});
        assert_eq!(ad_from_json(&mut v).unwrap().verdict, None);
        let mut v = serde_json::json!({"body": "x", "verdict": 3});
        assert!(ad_from_json(&mut v)
            .unwrap_err()
            .to_string()
            .contains("`verdict` must be a string"));
        let mut v = serde_json::json!({"body": "x", "verdict": "block"});
        let ad = ad_from_json(&mut v).unwrap();
        assert_eq!(ad.verdict, Some(Tier::Block));
        assert_eq!(
            ad.submission.fields().map(|f| f.0).collect::<Vec<_>>(),
            ["body"]
        );
    }

    #[test]
    fn pictures_in_the_input_are_read_in_every_form_and_checked() {
        let h = "a5".repeat(32);
        let mut v = serde_json::json!({"body": "x", "images": [
            h.clone(), format!("{h}:70"), {"pdq": h, "quality": 90}, {"pdq": h}, {"error": "over 8 MiB"}
        ]});
        let ad = ad_from_json(&mut v).unwrap();
        assert_eq!(
            ad.pictures.iter().map(|p| p.quality).collect::<Vec<_>>(),
            [None, Some(70), Some(90), None]
        );
        assert!(ad.pictures.iter().all(|p| p.hash.to_string() == h));
        assert_eq!(ad.submission.fields().count(), 1);
        for (images, says) in [
            (serde_json::json!("ab"), "`images` must be an array"),
            (serde_json::json!(["abc"]), "`images[0]`"),
            (serde_json::json!([format!("{h}:101")]), "0 to 100"),
            (
                serde_json::json!([{"pdq": 7}]),
                "`pdq` must be 64 hex digits",
            ),
            (
                serde_json::json!([{"pdq": h, "quality": -1}]),
                "`quality` must be 0 to 100",
            ),
            (serde_json::json!([h, 3]), "`images[1]`"),
        ] {
            let mut v = serde_json::json!({"body": "x", "images": images});
            let e = ad_from_json(&mut v).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    /// A hash with `bits` bits flipped from `base`, a byte at a time from
    /// byte `from`, every third byte.
    fn near(base: [u8; 32], bits: usize, from: usize) -> PdqHash {
        let mut h = base;
        for b in 0..bits {
            h[(from + b / 8 * 3) % 32] ^= 1 << (b % 8);
        }
        PdqHash::from_bytes(h)
    }

    #[test]
    fn shared_pictures_link_ads_mark_them_and_are_counted() {
        let opts = LinkOptions {
            image_common: 3,
            ..LinkOptions::default()
        };
        let photo = [0x6c; 32];
        let placeholder = [0x93; 32];
        let flat = [0x00; 32];
        let texts = [
            "Room in a shared flat near the station",
            "Sofa for sale, grey, nearly new",
            "Driving lessons on weekends",
            "Garden chairs, set of four",
            "Piano lessons for beginners",
            "Winter tyres, one season old",
            "Bookshelf, solid oak",
        ];
        let pics: [Vec<Picture>; 7] = [
            vec![
                PdqHash::from_bytes(photo).into(),
                PdqHash::from_bytes(placeholder).into(),
            ],
            // The same photo resized (20 bits off), and the placeholder.
            vec![
                near(photo, 20, 0).into(),
                PdqHash::from_bytes(placeholder).into(),
            ],
            vec![PdqHash::from_bytes(placeholder).into()],
            vec![PdqHash::from_bytes(placeholder).into()],
            // Flat pictures, the same hash, under the quality floor.
            vec![Picture {
                hash: PdqHash::from_bytes(flat),
                quality: Some(10),
            }],
            vec![Picture {
                hash: PdqHash::from_bytes(flat),
                quality: Some(10),
            }],
            // 40 bits off the photo (60 off its copy): another picture.
            vec![near(photo, 40, 1).into()],
        ];
        let mut linker = Linker::new(&opts);
        for (i, (t, p)) in texts.iter().zip(&pics).enumerate() {
            let tier = Some(if i == 0 { Tier::Block } else { Tier::Allow });
            let sig = signature(&Submission::new().field("body", *t), &key());
            linker.add_with_pictures(sig, tier, p).unwrap();
        }
        let links = linker.finish();
        assert_eq!(
            links.picture_counts(),
            PictureCounts {
                linked: 3,
                low_quality: 2,
                common: 4
            }
        );
        let clusters = links.clusters();
        assert_eq!(clusters.len(), 1, "{clusters:?}");
        let c = &clusters[0];
        assert_eq!(ads_of(c), [0, 1]);
        assert_eq!(c.links, ["image"]);
        assert_eq!(c.images.len(), 1);
        assert_eq!(
            (c.images[0].pdq.as_str(), c.images[0].ads),
            (&*"6c".repeat(32), 2)
        );
        assert!(c.contacts.is_empty() && c.templates.is_empty());
        assert_eq!(
            c.members[1].mark.as_deref(),
            Some("same picture as 1 other ad, 1 of them blocked; in a cluster of 2 ads, 1 of the others blocked")
        );
    }

    #[test]
    fn a_picture_can_join_a_template_group_and_a_contact_into_one_cluster() {
        let ads = [
            template("Anna", "Lyon", 900, "202-555-0147"),
            template("Olga", "Nice", 950, "202-555-0199"),
            "Furniture moving, call 202 555 0199".to_string(),
            "Garden work, weekends".to_string(),
        ];
        let photo = PdqHash::from_bytes([0x2e; 32]);
        let mut linker = Linker::new(&LinkOptions::default());
        for (i, t) in ads.iter().enumerate() {
            let pics: Vec<Picture> = if i == 0 || i == 3 {
                vec![photo.into()]
            } else {
                vec![]
            };
            let sig = signature(&Submission::new().field("body", t.as_str()), &key());
            linker
                .add_with_pictures(sig, Some(Tier::Allow), &pics)
                .unwrap();
        }
        let clusters = linker.finish().clusters();
        assert_eq!(clusters.len(), 1);
        assert_eq!(ads_of(&clusters[0]), [0, 1, 2, 3]);
        assert_eq!(clusters[0].links, ["template", "contact", "image"]);
        // No ad in review or blocked: no marks.
        assert!(clusters[0].members.iter().all(|m| m.mark.is_none()));
    }
}
