//! Clusters of ads that share a template or a contact: what `redflag link`
//! computes from the ads' [`Signature`]s, for any caller (the CLI, the
//! Python package, a pipeline of its own).
//!
//! Three steps, so that no ad text is held: a [`Linker`] takes each ad's
//! signature and verdict; [`Linker::finish`] checks the candidate pairs
//! (a shared LSH band) with the exact Jaccard similarity and joins the
//! template groups and shared contacts into one graph ([`Links`]); the
//! caller then hands over the [`tokens`](super::tokens) of the few ads
//! [`Links::sampled`] names (at most [`TEMPLATE_SAMPLE`] per template
//! group), for the template texts, and [`Links::clusters`] gives the
//! clusters, ranked, with their template texts, shared contacts and marks.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::{jaccard, lsh_rows, ContactHash, Signature, MINHASH_LEN};
use crate::error::Error;
use crate::extract::EntityKind;
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
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            threshold: 0.5,
            link_urls: false,
            max_ads: 2_000_000,
        }
    }
}

/// Reads one ad of linking's input: a JSON object as
/// [`Submission::from_json`] reads it, which may also carry the ad's
/// `verdict` (`allow`, `warn`, `review`, `block`, or `null`), for instance
/// from an earlier screening. The verdict is taken out of the object, so
/// it is not read as a text field.
///
/// ```
/// use redflag::{link::ad_from_json, Tier};
/// let mut v = serde_json::json!({"id": 3, "body": "Room to let", "verdict": "warn"});
/// let (ad, tier) = ad_from_json(&mut v).unwrap();
/// assert_eq!((ad.fields().count(), tier), (1, Some(Tier::Warn)));
/// let mut bad = serde_json::json!({"body": "x", "verdict": "maybe"});
/// assert!(ad_from_json(&mut bad).is_err());
/// ```
pub fn ad_from_json(value: &mut Value) -> Result<(Submission, Option<Tier>), Error> {
    let mut tier = None;
    if let Value::Object(map) = value {
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
    Ok((Submission::from_json(value)?, tier))
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
/// once. Ads are numbered from 0 in the order they are added.
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
        self.ads.push(Entry {
            tier,
            sample: sig.sample.into_boxed_slice(),
        });
        Ok(idx as usize)
    }

    /// Checks the candidate pairs (ads that share a band) with the exact
    /// Jaccard similarity of their samples, and forms the template groups.
    pub fn finish(self) -> Links {
        let Linker {
            threshold,
            ads,
            band_keys,
            contacts,
            mut all,
            by_contact,
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
            contacts,
            group_of,
            templates,
            sampled,
        }
    }
}

/// The linked ads, waiting for the words of their sampled ads
/// ([`Links::add_tokens`]) before they become [`Cluster`]s.
pub struct Links {
    ads: Vec<Entry>,
    all: Sets,
    by_template: Sets,
    by_contact: Sets,
    contacts: HashMap<ContactHash, (u32, u32)>,
    group_of: Vec<u32>,
    templates: Vec<Template>,
    sampled: Vec<bool>,
}

impl Links {
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
    /// graph whose edges are shared templates and shared contacts, ranked
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
            clusters.push(self.cluster(&members, contacts));
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

    fn cluster(&mut self, members: &[u32], mut contacts: Vec<(ContactHash, u32)>) -> Cluster {
        let mut tiers = TierCounts::default();
        // Tiers per template group and per contact component in the cluster.
        let mut t_tiers: HashMap<u32, TierCounts> = HashMap::new();
        let mut c_tiers: HashMap<u32, TierCounts> = HashMap::new();
        let mut local: Vec<u32> = Vec::new();
        for &m in members {
            let t = self.ads[m as usize].tier;
            tiers.add(t);
            t_tiers.entry(self.by_template.find(m)).or_default().add(t);
            c_tiers.entry(self.by_contact.find(m)).or_default().add(t);
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
        let templates = local
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
        Cluster {
            cluster: 0,
            size: members.len(),
            verdict,
            tiers,
            templates,
            contacts: contacts
                .into_iter()
                .map(|(c, n)| SharedContact {
                    kind: c.kind,
                    hash: c.hash,
                    ads: n,
                })
                .collect(),
            members: out_members,
        }
    }
}

/// One cluster: ads linked by shared templates and contacts. Serialised,
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
    /// Its template groups.
    pub templates: Vec<TemplateGroup>,
    /// The contacts two or more of its ads share, the most shared first.
    pub contacts: Vec<SharedContact>,
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
        assert_eq!(ad_from_json(&mut v).unwrap().1, None);
        let mut v = serde_json::json!({"body": "x", "verdict": 3});
        assert!(ad_from_json(&mut v)
            .unwrap_err()
            .to_string()
            .contains("`verdict` must be a string"));
        let mut v = serde_json::json!({"body": "x", "verdict": "block"});
        let (ad, t) = ad_from_json(&mut v).unwrap();
        assert_eq!(t, Some(Tier::Block));
        assert_eq!(ad.fields().map(|f| f.0).collect::<Vec<_>>(), ["body"]);
    }
}
