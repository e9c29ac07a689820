//! Per-ad signatures for linking ads to each other.
//!
//! One ad rarely proves anything; a network of ads does: the same template
//! posted under many names and cities, the same phone number written five
//! ways. A [`Signature`] is what an ad contributes to finding those links,
//! without its text:
//!
//! - a **MinHash** of the ad's shingles: [`SHINGLE_TOKENS`] consecutive
//!   tokens of the engine's *matching form* ([`crate::normalize`]: look-alike
//!   letters, spacing, leetspeak, number words and repeated letters undone),
//!   so a copy disguised with Cyrillic letters or `p a s s p o r t` has the
//!   same shingles as the plain one. Contacts are replaced by their kind
//!   (`<phone>`, `<email>`, …) before shingling, so copies that differ only
//!   in their phone number are the same template. Two signatures agree in
//!   each of their [`MINHASH_LEN`] values with a probability equal to the
//!   Jaccard similarity of the two shingle sets.
//! - the **keyed contact hashes** of its phones, e-mails, URLs and handles:
//!   the same HMAC-SHA-256 of the canonical value as [`crate::Entity::hash`]
//!   (so `2O2-555-O147`, `two oh two five five five…` and `２０２.５５５.０１４７`
//!   hash alike), only with a deployment key, never the raw value.
//!
//! Besides the MinHash, a signature keeps a sample of the shingles
//! themselves ([`MAX_SAMPLE`] at most), for the exact check of a candidate
//! pair ([`Signature::jaccard`]), and it has a compact binary form
//! ([`Signature::to_bytes`]) for a column of a data frame. [`Linker`] turns
//! the signatures of a batch of ads into clusters, as `redflag link` and
//! the Python package do.
//!
//! Everything is deterministic: the same text and key give the same
//! signature on every platform, natively and in WebAssembly. The hash
//! functions are fixed (FNV-1a for tokens, a 64-bit mixer for shingles,
//! multiply-shift hashing with fixed seeds for the MinHash); a change to any
//! of them, to the tokens or to the normaliser changes signatures, and
//! [`SIGNATURE_VERSION`] says which scheme a signature follows.
//!
//! ```
//! use redflag::link::{signature, SignatureOptions};
//! use redflag::Submission;
//!
//! let opts = SignatureOptions { key: Some(b"a deployment key, 16+ bytes".to_vec()) };
//! let a = Submission::new().field("body",
//!     "Hostess work abroad, passport kept by the agency, call Anna 202-555-0147");
//! let b = Submission::new().field("body",
//!     "H0stess w o r k abroad, pаssport kept by the agency, call Maria two oh two five five five oh one four seven");
//! let (sa, sb) = (signature(&a, &opts), signature(&b, &opts));
//! assert!(sa.similarity(&sb) > 0.5);          // one template, disguised
//! assert_eq!(sa.contacts, sb.contacts);       // one phone, written in words
//! assert_eq!(sa.contacts[0].hash.len(), 64);  // keyed hash, never the number
//! ```

mod cluster;
pub use cluster::{
    ad_from_json, Cluster, LinkAd, LinkOptions, Linker, Links, Member, Picture, PictureCounts,
    SharedContact, SharedPicture, TemplateGroup, TierCounts, Varying, MAX_LINKED_ADS,
    TEMPLATE_SAMPLE, TEMPLATE_TOKENS,
};

use crate::extract::{extract_entities, Entity, EntityKind, EntityOptions};
use crate::images::PdqHash;
use crate::normalize::normalize;
use crate::submission::Submission;

/// The version of the signature scheme (tokens, shingles, hash functions).
/// Signatures of different versions must not be compared.
pub const SIGNATURE_VERSION: u32 = 1;

/// Values in a MinHash signature. The standard error of the similarity
/// estimate is about `sqrt(s(1-s)/128)`, 0.044 at a similarity of 0.5.
pub const MINHASH_LEN: usize = 128;

/// Tokens per shingle. Each word that differs between two copies (a name, a
/// city, a price) changes at most this many shingles.
pub const SHINGLE_TOKENS: usize = 3;

/// Shingles kept per ad for the exact check ([`Signature::sample`]): the
/// smallest ones when an ad has more (about 500 words of prose).
pub const MAX_SAMPLE: usize = 512;

/// Most tokens read from one ad (about 40 KB of prose); the rest of a
/// longer ad is not part of its signature.
pub const MAX_TOKENS: usize = 8192;

/// What a signature needs besides the ad.
///
/// ```
/// let opts = redflag::link::SignatureOptions::default();
/// assert!(opts.key.is_none()); // no key: no contact hashes
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SignatureOptions {
    /// The deployment key for the contact hashes (as
    /// [`EntityOptions::key`]). Without a key the signature has no contacts.
    pub key: Option<Vec<u8>>,
}

impl std::fmt::Debug for SignatureOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureOptions")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A keyed hash of one contact of an ad.
///
/// ```
/// use redflag::link::{signature, SignatureOptions};
/// let opts = SignatureOptions { key: Some(b"0123456789abcdef".to_vec()) };
/// let s = signature(&redflag::Submission::new().field("body", "mail anna@example.com"), &opts);
/// assert_eq!(s.contacts[0].kind, redflag::EntityKind::Email);
/// assert!(!s.contacts[0].hash.contains("anna"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct ContactHash {
    /// Phone, e-mail, URL or handle.
    pub kind: EntityKind,
    /// Hex HMAC-SHA-256 of `kind:canonical value`, as [`crate::Entity::hash`].
    pub hash: String,
}

/// The signature of one ad: a MinHash of its shingles, a sample of the
/// shingles themselves for the exact check, and the keyed hashes of its
/// contacts. About 0.5 KB, plus 4 bytes per distinct shingle (at most
/// [`MAX_SAMPLE`]: 2 KB) and 70 bytes per contact; [`Signature::to_bytes`]
/// writes it in a compact form.
///
/// ```
/// use redflag::link::{signature, SignatureOptions, MINHASH_LEN};
/// let s = signature(&redflag::Submission::new().field("body", "Room to let near the station"),
///                   &SignatureOptions::default());
/// assert_eq!(s.minhash.len(), MINHASH_LEN);
/// assert!(s.shingles > 0 && s.contacts.is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// [`MINHASH_LEN`] values: for each of the fixed hash functions, the
    /// smallest hash of the ad's shingles (`u32::MAX` for an ad without
    /// words).
    pub minhash: Vec<u32>,
    /// How many distinct shingles the ad has (0: nothing to compare).
    pub shingles: usize,
    /// The shingles for the exact check ([`Signature::jaccard`]): the
    /// upper 32 bits of each shingle hash, sorted, without repeats, at
    /// most the [`MAX_SAMPLE`] smallest (a bottom-k sample: exact for ads
    /// of up to about 500 words).
    pub sample: Vec<u32>,
    /// The keyed hashes of the ad's contacts, sorted, without repeats.
    pub contacts: Vec<ContactHash>,
}

impl Signature {
    /// The estimated Jaccard similarity of the two ads' shingle sets: the
    /// share of MinHash values they agree on (0 when either has no words).
    ///
    /// ```
    /// use redflag::link::{signature, SignatureOptions};
    /// use redflag::Submission;
    /// let o = SignatureOptions::default();
    /// let a = signature(&Submission::new().field("body", "Cleaner wanted for a small hotel in the old town"), &o);
    /// let b = signature(&Submission::new().field("body", "Selling a used laptop, good battery, charger included"), &o);
    /// assert_eq!(a.similarity(&a), 1.0);
    /// assert!(a.similarity(&b) < 0.2);
    /// ```
    pub fn similarity(&self, other: &Signature) -> f64 {
        if self.shingles == 0 || other.shingles == 0 || self.minhash.len() != other.minhash.len() {
            return 0.0;
        }
        let same = self
            .minhash
            .iter()
            .zip(&other.minhash)
            .filter(|(a, b)| a == b)
            .count();
        same as f64 / self.minhash.len().max(1) as f64
    }

    /// The exact Jaccard similarity of the two ads' shingle samples
    /// ([`Signature::sample`]): what `redflag link` compares with its
    /// threshold (0 when either has no words).
    ///
    /// ```
    /// use redflag::link::{signature, SignatureOptions};
    /// use redflag::Submission;
    /// let o = SignatureOptions::default();
    /// let s = |t: &str| signature(&Submission::new().field("body", t), &o);
    /// let a = s("Cleaner wanted for a small hotel in the old town, call Maria");
    /// let b = s("Cleaner wanted for a small hotel in the old town, call Olga");
    /// // The last word differs: so does the last shingle of each, and the
    /// // two share 9 of their 11 distinct shingles.
    /// assert_eq!(a.jaccard(&b), 9.0 / 11.0);
    /// assert_eq!(a.jaccard(&a), 1.0);
    /// ```
    pub fn jaccard(&self, other: &Signature) -> f64 {
        jaccard(&self.sample, &other.sample)
    }

    /// The signature in a compact binary form, for a column of a data
    /// frame or a key-value store: [`SIGNATURE_VERSION`] first, then the
    /// shingle count, the MinHash, the sample and the contacts (little
    /// endian; about 520 bytes, plus 4 a shingle of the sample and 67 a
    /// contact). [`Signature::from_bytes`] reads it back.
    ///
    /// ```
    /// use redflag::link::{signature, Signature, SignatureOptions, SIGNATURE_VERSION};
    /// let o = SignatureOptions { key: Some(b"0123456789abcdef".to_vec()) };
    /// let s = signature(&redflag::Submission::new().field("body", "Room to let, call 202-555-0147"), &o);
    /// let bytes = s.to_bytes();
    /// assert_eq!(bytes[1], SIGNATURE_VERSION as u8);
    /// assert_eq!(Signature::from_bytes(&bytes).unwrap(), s);
    /// assert!(Signature::from_bytes(&bytes[..20]).is_err());
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            8 + 4 * self.minhash.len() + 4 * self.sample.len() + 67 * self.contacts.len(),
        );
        out.push(SIGNATURE_MAGIC);
        out.push(SIGNATURE_VERSION as u8);
        out.extend_from_slice(&(self.shingles.min(u32::MAX as usize) as u32).to_le_bytes());
        out.extend_from_slice(&(self.minhash.len().min(u16::MAX as usize) as u16).to_le_bytes());
        for v in self.minhash.iter().take(u16::MAX as usize) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.sample.len().min(u16::MAX as usize) as u16).to_le_bytes());
        for v in self.sample.iter().take(u16::MAX as usize) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let contacts: Vec<&ContactHash> = self
            .contacts
            .iter()
            .filter(|c| c.hash.len() <= u8::MAX as usize)
            .take(u16::MAX as usize)
            .collect();
        out.extend_from_slice(&(contacts.len() as u16).to_le_bytes());
        for c in contacts {
            out.push(kind_code(c.kind));
            out.push(c.hash.len() as u8);
            out.extend_from_slice(c.hash.as_bytes());
        }
        out
    }

    /// Reads a signature written by [`Signature::to_bytes`]. Bytes that
    /// are not one, or one of another [`SIGNATURE_VERSION`], are an error
    /// that says so.
    ///
    /// ```
    /// use redflag::link::Signature;
    /// let e = Signature::from_bytes(b"hello").unwrap_err();
    /// assert!(e.to_string().contains("not a redflag signature"));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, SignatureError> {
        let bad = |what: &str| SignatureError(format!("not a redflag signature: {what}"));
        let mut r = bytes;
        let mut take = |n: usize| -> Result<&[u8], SignatureError> {
            if r.len() < n {
                return Err(bad("too short"));
            }
            let (a, b) = r.split_at(n);
            r = b;
            Ok(a)
        };
        let head = take(2)?;
        if head[0] != SIGNATURE_MAGIC {
            return Err(bad("wrong first byte"));
        }
        if u32::from(head[1]) != SIGNATURE_VERSION {
            return Err(SignatureError(format!(
                "signature version {}, this redflag reads version {SIGNATURE_VERSION}: \
                 sign every ad with one redflag version",
                head[1]
            )));
        }
        let u16_at = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]) as usize;
        let u32s = |b: &[u8]| -> Vec<u32> {
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let t = take(4)?;
        let shingles = u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as usize;
        let n = u16_at(take(2)?);
        let minhash = u32s(take(4 * n)?);
        let n = u16_at(take(2)?);
        let sample = u32s(take(4 * n)?);
        if sample.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad("its shingle sample is not sorted"));
        }
        let n = u16_at(take(2)?);
        let mut contacts = Vec::with_capacity(n);
        for _ in 0..n {
            let h = take(2)?;
            let kind = kind_of(h[0]).ok_or_else(|| bad("unknown contact kind"))?;
            let len = h[1] as usize;
            let hash = std::str::from_utf8(take(len)?)
                .map_err(|_| bad("a contact hash is not text"))?
                .to_string();
            contacts.push(ContactHash { kind, hash });
        }
        if !r.is_empty() {
            return Err(bad("bytes after the end"));
        }
        Ok(Signature {
            minhash,
            shingles,
            sample,
            contacts,
        })
    }

    /// The LSH band keys of the signature: [`MINHASH_LEN`]` / rows` keys
    /// (rounded down),
    /// each a hash of `rows` consecutive MinHash values and the band's
    /// number. Two ads are candidates when they share a key; see
    /// [`lsh_rows`] for choosing `rows`. Empty for an ad without words or
    /// `rows == 0`.
    ///
    /// ```
    /// use redflag::link::{signature, SignatureOptions};
    /// let s = signature(&redflag::Submission::new().field("body", "Nanny wanted, three days a week"),
    ///                   &SignatureOptions::default());
    /// assert_eq!(s.band_keys(4).len(), 32);
    /// ```
    pub fn band_keys(&self, rows: usize) -> Vec<u64> {
        if self.shingles == 0 || rows == 0 {
            return Vec::new();
        }
        self.minhash
            .chunks_exact(rows)
            .enumerate()
            .map(|(band, vals)| {
                let mut h = mix64(band as u64 ^ 0x5bd1_e995);
                for v in vals {
                    h = mix64(h ^ u64::from(*v));
                }
                h
            })
            .collect()
    }
}

/// The first byte of [`Signature::to_bytes`].
const SIGNATURE_MAGIC: u8 = b'r';

fn kind_code(k: EntityKind) -> u8 {
    match k {
        EntityKind::Phone => 1,
        EntityKind::Email => 2,
        EntityKind::Url => 3,
        EntityKind::Handle => 4,
        EntityKind::Messaging => 5,
        EntityKind::Price => 6,
        EntityKind::Age => 7,
    }
}

fn kind_of(code: u8) -> Option<EntityKind> {
    EntityKind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

/// Bytes that [`Signature::from_bytes`] cannot read, and why.
///
/// ```
/// let e = redflag::link::Signature::from_bytes(&[]).unwrap_err();
/// assert_eq!(e.to_string(), "not a redflag signature: too short");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureError(String);

impl std::fmt::Display for SignatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignatureError {}

/// The rows per LSH band for a similarity threshold: the most rows (fewest
/// chance candidates) for which two ads exactly at the threshold still
/// share at least one of the `MINHASH_LEN / rows` bands with probability
/// 0.85 or more (`1 - (1 - t^rows)^bands`); ads above the threshold are
/// candidates more often still, and a cluster needs only one path of
/// candidate pairs between its ads, not every pair. A candidate pair is then checked on its shingles
/// ([`jaccard`]), so chance candidates cost time, never precision.
///
/// ```
/// use redflag::link::lsh_rows;
/// assert_eq!(lsh_rows(0.5), 4);   // 32 bands of 4: P(candidate | s = 0.5) = 0.87..
/// assert!(lsh_rows(0.9) > lsh_rows(0.5));
/// ```
pub fn lsh_rows(threshold: f64) -> usize {
    let t = if threshold.is_finite() {
        threshold.clamp(0.01, 1.0)
    } else {
        0.5
    };
    let mut best = 1;
    for rows in 1..=MINHASH_LEN {
        let bands = (MINHASH_LEN / rows) as i32;
        let p = 1.0 - (1.0 - t.powi(rows as i32)).powi(bands);
        if p >= 0.85 {
            best = rows;
        }
    }
    best
}

/// The tokens of an ad as [`signature`] reads them: each field's matching
/// form ([`crate::normalize`]) split into words (runs of letters and
/// digits; in scripts written without spaces, such as Thai and Chinese,
/// each letter is a token), fields in order, at most [`MAX_TOKENS`].
/// Every contact found ([`crate::extract_entities`]) is one token naming its
/// kind (`<phone>`, `<email>`, `<url>`, `<handle>`), so no contact value is
/// ever among the tokens.
///
/// ```
/// use redflag::link::tokens;
/// let ad = redflag::Submission::new().field("body", "Cleaner w4nted, call 202-555-0147 or 2O2 555 O148");
/// assert_eq!(tokens(&ad), ["cleaner", "wanted", "cal", "<phone>", "or", "<phone>"]);
/// ```
pub fn tokens(sub: &Submission) -> Vec<String> {
    tokens_with(sub, &extract_entities(sub, &EntityOptions::default()))
}

/// [`tokens`] with the ad's entities already extracted.
fn tokens_with(sub: &Submission, entities: &[Entity]) -> Vec<String> {
    let mut out = Vec::new();
    for (name, text) in sub.fields() {
        let contacts: Vec<(usize, usize, EntityKind)> = entities
            .iter()
            .filter(|e| e.field == name && e.kind.is_contact())
            .map(|e| (e.byte_start, e.byte_end, e.kind))
            .collect();
        let n = normalize(text);
        let norm = n.as_str();
        let mut last_contact: Option<usize> = None;
        let mut push = |s: usize, e: usize, out: &mut Vec<String>| {
            let src = n.source_range(s..e);
            let hit = contacts
                .iter()
                .position(|&(cs, ce, _)| src.start < ce && cs < src.end);
            match hit {
                Some(i) if last_contact == Some(i) => {}
                Some(i) => {
                    out.push(format!("<{}>", contacts[i].2.as_str()));
                    last_contact = Some(i);
                }
                None => {
                    out.push(norm[s..e].to_string());
                    last_contact = None;
                }
            }
        };
        let mut start: Option<usize> = None;
        for (i, c) in norm.char_indices() {
            if out.len() >= MAX_TOKENS {
                return out;
            }
            // Scripts written without spaces between words: one token per
            // letter, by the normaliser's own list of them.
            if c.is_alphanumeric() && !crate::normalize::table::is_unspaced(c) {
                start.get_or_insert(i);
                continue;
            }
            if let Some(s) = start.take() {
                push(s, i, &mut out);
            }
            if c.is_alphanumeric() {
                push(i, i + c.len_utf8(), &mut out);
            }
        }
        if let Some(s) = start {
            push(s, norm.len(), &mut out);
        }
        out.truncate(MAX_TOKENS);
    }
    out
}

/// The distinct shingles of a token list, as sorted 64-bit hashes: every
/// run of [`SHINGLE_TOKENS`] consecutive tokens (one shingle of all tokens
/// when there are fewer; none for no tokens).
///
/// ```
/// use redflag::link::shingles;
/// let t = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
/// assert_eq!(shingles(&t("a b c d")).len(), 2);
/// assert_eq!(shingles(&t("a b")).len(), 1);
/// assert_eq!(shingles(&t("a b c a b c")).len(), 3); // "a b c", "b c a", "c a b"
/// assert!(shingles(&[]).is_empty());
/// ```
pub fn shingles(tokens: &[String]) -> Vec<u64> {
    if tokens.is_empty() {
        return Vec::new();
    }
    let hashes: Vec<u64> = tokens.iter().map(|t| fnv1a(t.as_bytes())).collect();
    let k = SHINGLE_TOKENS.min(hashes.len());
    let mut out: Vec<u64> = hashes
        .windows(k)
        .map(|w| w.iter().fold(0x9e37_79b9_7f4a_7c15, |h, t| mix64(h ^ t)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The exact Jaccard similarity of two sorted sets without repeats (such
/// as [`shingles`]): the size of their intersection over the size of their
/// union; 0 when both are empty.
///
/// ```
/// use redflag::link::jaccard;
/// assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
/// assert_eq!(jaccard::<u64>(&[], &[]), 0.0);
/// ```
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// The MinHash of a set of shingle hashes: for each of [`MINHASH_LEN`]
/// fixed hash functions, the smallest value over the set (`u32::MAX` for
/// the empty set).
///
/// ```
/// use redflag::link::{minhash, MINHASH_LEN};
/// let m = minhash(&[1, 2, 3]);
/// assert_eq!(m.len(), MINHASH_LEN);
/// assert_eq!(m, minhash(&[3, 2, 1, 1]));     // a set: order and repeats do not matter
/// assert!(minhash(&[]).iter().all(|v| *v == u32::MAX));
/// ```
pub fn minhash(shingles: &[u64]) -> Vec<u32> {
    let seeds = seeds();
    let mut out = vec![u32::MAX; MINHASH_LEN];
    for &x in shingles {
        // Multiply-shift hashing (Dietzfelbinger) of a well-mixed key: one
        // multiply and add per function.
        let x = mix64(x);
        for (m, (a, b)) in out.iter_mut().zip(seeds.iter()) {
            let h = (a.wrapping_mul(x).wrapping_add(*b) >> 32) as u32;
            if h < *m {
                *m = h;
            }
        }
    }
    out
}

/// The signature of an ad: the MinHash of its [`shingles`] of its
/// [`tokens`], and its contacts' keyed hashes (with a key).
///
/// ```
/// use redflag::link::{signature, SignatureOptions};
/// use redflag::Submission;
/// let o = SignatureOptions { key: Some(b"0123456789abcdef".to_vec()) };
/// let a = signature(&Submission::new().field("body", "Text 202-555-0147 for the room"), &o);
/// let b = signature(&Submission::new().field("body", "Car for sale, txt ２０２.５５５.０１４７"), &o);
/// assert_eq!(a.contacts, b.contacts);
/// assert!(a.similarity(&b) < 0.2);
/// ```
pub fn signature(sub: &Submission, opts: &SignatureOptions) -> Signature {
    // One extraction serves the tokens and the contact hashes (with a key,
    // the entities carry their hashes; nothing else differs).
    let entities = extract_entities(sub, &entity_options(opts));
    let sh = shingles(&tokens_with(sub, &entities));
    Signature {
        minhash: minhash(&sh),
        shingles: sh.len(),
        sample: sample(&sh),
        contacts: if opts.key.is_some() {
            contacts_of(entities)
        } else {
            Vec::new()
        },
    }
}

fn entity_options(opts: &SignatureOptions) -> EntityOptions {
    EntityOptions {
        key: opts.key.clone(),
        ..EntityOptions::default()
    }
}

/// The sample of a set of shingle hashes that [`Signature::jaccard`]
/// compares: the upper 32 bits of each, sorted, without repeats, the
/// [`MAX_SAMPLE`] smallest.
///
/// ```
/// use redflag::link::{sample, MAX_SAMPLE};
/// let s = sample(&[7 << 32, 3 << 32, (3 << 32) + 1]);
/// assert_eq!(s, [3, 7]);
/// let many: Vec<u64> = (0..2000u64).map(|i| i << 32).collect();
/// assert_eq!(sample(&many).len(), MAX_SAMPLE);
/// ```
pub fn sample(shingles: &[u64]) -> Vec<u32> {
    let mut small: Vec<u32> = shingles.iter().map(|h| (h >> 32) as u32).collect();
    small.sort_unstable();
    small.dedup();
    small.truncate(MAX_SAMPLE);
    small
}

/// The keyed hashes of an ad's contacts, sorted, without repeats (empty
/// without a key).
///
/// ```
/// use redflag::link::{contact_hashes, SignatureOptions};
/// let ad = redflag::Submission::new().field("body", "call 202-555-0147, again: (202) 555 0147");
/// let o = SignatureOptions { key: Some(b"0123456789abcdef".to_vec()) };
/// assert_eq!(contact_hashes(&ad, &o).len(), 1);
/// assert!(contact_hashes(&ad, &SignatureOptions::default()).is_empty());
/// ```
pub fn contact_hashes(sub: &Submission, opts: &SignatureOptions) -> Vec<ContactHash> {
    if opts.key.is_none() {
        return Vec::new();
    }
    contacts_of(extract_entities(sub, &entity_options(opts)))
}

/// The distinct contact hashes of entities extracted with a key, sorted.
fn contacts_of(entities: Vec<Entity>) -> Vec<ContactHash> {
    // Kept sorted as found (an ad has a handful of contacts): no sort
    // implementation of its own in the .wasm.
    let mut out: Vec<ContactHash> = Vec::new();
    for e in entities {
        if let (true, Some(hash)) = (e.kind.is_contact(), e.hash) {
            let c = ContactHash { kind: e.kind, hash };
            if let Err(at) = out.binary_search(&c) {
                out.insert(at, c);
            }
        }
    }
    out
}

/// Chunks of a PDQ hash in the [`ImageIndex`]: 16 of 16 bits.
const IMAGE_CHUNKS: usize = 16;

/// The largest threshold an [`ImageIndex`] takes: 47 bits. Two hashes at
/// most `t` bits apart differ in at most `t / 16` bits of one of the 16
/// chunks (the pigeonhole principle), and the index looks up every chunk
/// value within that many bits: 17 lookups a chunk up to 31 bits, 137 up
/// to 47.
///
/// ```
/// assert_eq!(redflag::link::MAX_IMAGE_THRESHOLD, 47);
/// ```
pub const MAX_IMAGE_THRESHOLD: u32 = 47;

/// Near-duplicate pictures among many PDQ hashes, without comparing every
/// pair: multi-index hashing. Each hash is cut into 16 chunks of 16 bits and
/// filed under each chunk's value; two hashes at most `threshold` bits apart
/// (≤ 31 by default, PDQ's guidance) agree on some chunk up to
/// `threshold / 16` bits (pigeonhole), so looking up each chunk's value and
/// its neighbours within that many bits finds every such pair (no miss),
/// and each candidate is then checked on its full 256 bits.
///
/// A picture posted very often (a site's placeholder, a stock photo, a
/// logo) would make its buckets huge and every pair of its copies a
/// comparison. A bucket holding more than `common` hashes is *crowded* and
/// is not looked up; a hash whose own 16 buckets are all crowded is a
/// *common* picture and is linked to nothing ([`ImageIndex::near_pairs`]
/// counts them). Random hashes fill a bucket with `n / 65536` of `n`
/// hashes, so crowding comes from real near-duplicates, not from size,
/// up to tens of millions of hashes.
///
/// ```
/// use redflag::images::PdqHash;
/// use redflag::link::ImageIndex;
///
/// let a = PdqHash::from_bytes([0x5a; 32]);
/// let mut near = [0x5a; 32];
/// for b in near.iter_mut().take(3) { *b ^= 0xff; }      // 24 bits off
/// let far = PdqHash::from_bytes([0xa5; 32]);
/// let mut index = ImageIndex::new(31, 1000);
/// index.push(a);
/// index.push(PdqHash::from_bytes(near));
/// index.push(far);
/// let mut pairs = Vec::new();
/// let stats = index.near_pairs(|i, j, d| pairs.push((i, j, d)));
/// assert_eq!(pairs, [(1, 0, 24)]);
/// assert_eq!(stats.common, 0);
/// ```
#[derive(Clone, Debug)]
pub struct ImageIndex {
    hashes: Vec<[u8; 32]>,
    threshold: u32,
    common: usize,
}

/// What [`ImageIndex::near_pairs`] did besides reporting pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageIndexStats {
    /// Hashes linked to nothing because each of their buckets is crowded
    /// (a picture shared by more than `common` others).
    pub common: usize,
    /// Full 256-bit comparisons made.
    pub compared: u64,
}

impl ImageIndex {
    /// An empty index that pairs hashes at most `threshold` bits apart
    /// (capped at [`MAX_IMAGE_THRESHOLD`]), with buckets of more than
    /// `common` hashes taken as crowded (at least 2).
    pub fn new(threshold: u32, common: usize) -> ImageIndex {
        ImageIndex {
            hashes: Vec::new(),
            threshold: threshold.min(MAX_IMAGE_THRESHOLD),
            common: common.max(2),
        }
    }

    /// Adds a hash; returns its number (0, 1, 2, … in the order added).
    pub fn push(&mut self, hash: PdqHash) -> u32 {
        self.hashes.push(*hash.as_bytes());
        (self.hashes.len() - 1) as u32
    }

    /// The hash numbered `i` (as [`ImageIndex::push`] returned it).
    ///
    /// ```
    /// use redflag::images::PdqHash;
    /// let mut index = redflag::link::ImageIndex::new(31, 1000);
    /// let i = index.push(PdqHash::from_bytes([9; 32]));
    /// assert_eq!(index.hash(i), PdqHash::from_bytes([9; 32]));
    /// ```
    pub fn hash(&self, i: u32) -> PdqHash {
        PdqHash::from_bytes(self.hashes[i as usize])
    }

    /// Number of hashes.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the index has no hash.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Chunk `c` of a hash: bits `16c` to `16c + 15` in hex order.
    fn chunk(h: &[u8; 32], c: usize) -> u16 {
        (u16::from(h[2 * c]) << 8) | u16::from(h[2 * c + 1])
    }

    fn key(h: &[u8; 32], c: usize) -> usize {
        (c << 16) | usize::from(Self::chunk(h, c))
    }

    /// Calls `found(i, j, distance)` for every pair of hashes at most the
    /// threshold apart, `i > j`, each pair once (in no set order). Pairs
    /// whose only close chunk is in a crowded bucket are not found, and
    /// common pictures are paired with nothing.
    pub fn near_pairs(&self, mut found: impl FnMut(u32, u32, u32)) -> ImageIndexStats {
        let mut stats = ImageIndexStats::default();
        let buckets = IMAGE_CHUNKS << 16;
        // Crowded buckets, from every hash (a bit each: the set stays in cache).
        let mut count = vec![0u32; buckets];
        for h in &self.hashes {
            for c in 0..IMAGE_CHUNKS {
                count[Self::key(h, c)] += 1;
            }
        }
        let mut crowded = vec![0u64; buckets / 64];
        for (k, &c) in count.iter().enumerate() {
            if c as usize > self.common {
                crowded[k / 64] |= 1 << (k % 64);
            }
        }
        let is_crowded = |k: usize| crowded[k / 64] & (1 << (k % 64)) != 0;
        let common: Vec<bool> = self
            .hashes
            .iter()
            .map(|h| (0..IMAGE_CHUNKS).all(|c| is_crowded(Self::key(h, c))))
            .collect();
        stats.common = common.iter().filter(|c| **c).count();
        let radius = self.threshold / IMAGE_CHUNKS as u32;
        // One chunk at a time: the hashes that are not common (never
        // candidates), sorted by the chunk's value (counting sort), each
        // with its number; a bucket is a run of that array, and hashes are
        // visited in the same order, so most lookups land near the last
        // one and every candidate's hash is read where it lies.
        let live: Vec<u32> = (0..self.hashes.len() as u32)
            .filter(|&i| !common[i as usize])
            .collect();
        let mut start = vec![0u32; (1 << 16) + 1];
        let mut rows: Vec<([u8; 32], u32)> = vec![([0; 32], 0); live.len()];
        let mut probes: Vec<u16> = Vec::new();
        for c in 0..IMAGE_CHUNKS {
            start.fill(0);
            for &i in &live {
                start[usize::from(Self::chunk(&self.hashes[i as usize], c)) + 1] += 1;
            }
            for v in 0..1 << 16 {
                start[v + 1] += start[v];
            }
            let mut fill = start.clone();
            for &i in &live {
                let h = &self.hashes[i as usize];
                let v = usize::from(Self::chunk(h, c));
                rows[fill[v] as usize] = (*h, i);
                fill[v] += 1;
            }
            for &(h, i) in &rows {
                probes.clear();
                neighbours(Self::chunk(&h, c), radius, &mut probes);
                for &p in &probes {
                    if is_crowded((c << 16) | usize::from(p)) {
                        continue;
                    }
                    let p = usize::from(p);
                    for (other, j) in &rows[start[p] as usize..start[p + 1] as usize] {
                        // A bucket holds hashes in the order added: only earlier ones.
                        if *j >= i {
                            break;
                        }
                        stats.compared += 1;
                        let d = bits_apart(&h, other);
                        // Reported at the first chunk where the lookup
                        // finds the pair, so each pair once.
                        if d <= self.threshold
                            && !(0..c).any(|e| {
                                (Self::chunk(&h, e) ^ Self::chunk(other, e)).count_ones() <= radius
                                    && !is_crowded(Self::key(other, e))
                            })
                        {
                            found(i, *j, d);
                        }
                    }
                }
            }
        }
        stats
    }
}

/// The Hamming distance of two 256-bit hashes.
fn bits_apart(a: &[u8; 32], b: &[u8; 32]) -> u32 {
    a.chunks_exact(8)
        .zip(b.chunks_exact(8))
        .map(|(x, y)| {
            let mut w = [0u8; 8];
            for (o, (p, q)) in w.iter_mut().zip(x.iter().zip(y)) {
                *o = p ^ q;
            }
            u64::from_le_bytes(w).count_ones()
        })
        .sum()
}

/// Every 16-bit value within `radius` bits of `v` (itself first).
fn neighbours(v: u16, radius: u32, out: &mut Vec<u16>) {
    out.push(v);
    if radius >= 1 {
        for a in 0..16 {
            out.push(v ^ (1 << a));
            if radius >= 2 {
                for b in a + 1..16 {
                    out.push(v ^ (1 << a) ^ (1 << b));
                }
            }
        }
    }
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The SplitMix64 finaliser: a bijective 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The MinHash functions' fixed parameters: odd multipliers and offsets
/// from SplitMix64 seeded with 1.
fn seeds() -> [(u64, u64); MINHASH_LEN] {
    let mut state: u64 = 1;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(state)
    };
    let mut out = [(0u64, 0u64); MINHASH_LEN];
    for s in out.iter_mut() {
        *s = (next() | 1, next());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ad(body: &str) -> Submission {
        Submission::new().field("body", body)
    }

    fn key() -> SignatureOptions {
        SignatureOptions {
            key: Some(b"test key of sixteen bytes".to_vec()),
        }
    }

    #[test]
    fn minhash_estimates_jaccard() {
        // Sets with a known Jaccard similarity: 300 shared of 500 in the
        // union is 0.6; the estimate is within four standard errors.
        let a: Vec<u64> = (0..400).collect();
        let b: Vec<u64> = (100..500).collect();
        assert_eq!(jaccard(&a, &b), 0.6);
        let (ma, mb) = (minhash(&a), minhash(&b));
        let same = ma.iter().zip(&mb).filter(|(x, y)| x == y).count() as f64;
        let est = same / MINHASH_LEN as f64;
        let se = (0.6f64 * 0.4 / MINHASH_LEN as f64).sqrt();
        assert!((est - 0.6).abs() < 4.0 * se, "estimate {est}");
    }

    #[test]
    fn minhash_values_are_fixed() {
        // The scheme is part of SIGNATURE_VERSION: the same input gives
        // the same values, and distinct functions give distinct values.
        let m = minhash(&[42]);
        assert_eq!(m, minhash(&[42]));
        let distinct: std::collections::HashSet<u32> = m.iter().copied().collect();
        assert!(distinct.len() > MINHASH_LEN - 2);
    }

    #[test]
    fn disguised_copies_have_the_same_tokens() {
        let plain = tokens(&ad("Hostess job abroad, passport kept by agency"));
        let disguised = tokens(&ad("H0stess j o b abrоad, pаsspоrt kеpt by\u{200B} agency"));
        assert_eq!(plain, disguised);
    }

    #[test]
    fn contacts_become_their_kind() {
        let t = tokens(&ad(
            "write anna99 (at) example (dot) com or call five five five oh one four seven",
        ));
        assert!(t.contains(&"<email>".to_string()), "{t:?}");
        assert!(t.contains(&"<phone>".to_string()), "{t:?}");
        assert!(!t.iter().any(|x| x.contains("anna") || x == "5"), "{t:?}");
    }

    #[test]
    fn unspaced_scripts_are_read_letter_by_letter() {
        let t = tokens(&ad("นวดด่วน ok"));
        assert!(t.len() > 3, "{t:?}");
    }

    #[test]
    fn lsh_rows_follow_the_threshold() {
        let mut last = 0;
        for t in [0.2, 0.4, 0.5, 0.7, 0.9] {
            let r = lsh_rows(t);
            assert!(r >= last && r >= 1);
            let p = 1.0 - (1.0 - t.powi(r as i32)).powi((MINHASH_LEN / r) as i32);
            assert!(p >= 0.85, "{t}: {p}");
            last = r;
        }
        assert_eq!(lsh_rows(f64::NAN), lsh_rows(0.5));
    }

    #[test]
    fn near_copies_share_a_band_and_others_do_not() {
        let o = SignatureOptions::default();
        let base = "Young girls wanted for hostess work in Dubai. Free flight and visa, \
                    high salary 3000 USD a month, no experience needed. Passport given to \
                    the agent on arrival. Contact Maria today";
        let copy = base.replace("Maria", "Olga").replace("Dubai", "Doha");
        let other = "Two bedroom flat to rent near the university, bills included, \
                     available from March, no pets, viewing on weekends";
        let (a, b, c) = (
            signature(&ad(base), &o),
            signature(&ad(&copy), &o),
            signature(&ad(other), &o),
        );
        let rows = lsh_rows(0.5);
        let shared = |x: &Signature, y: &Signature| {
            x.band_keys(rows)
                .iter()
                .zip(y.band_keys(rows))
                .any(|(p, q)| *p == q)
        };
        assert!(shared(&a, &b));
        assert!(!shared(&a, &c));
        let exact = jaccard(
            &shingles(&tokens(&ad(base))),
            &shingles(&tokens(&ad(&copy))),
        );
        assert!(exact > 0.6 && exact < 1.0, "{exact}");
    }

    #[test]
    fn contacts_in_words_hash_like_digits() {
        let a = signature(&ad("call 202-555-0147"), &key());
        let b = signature(
            &ad("call two oh two, five five five, oh one four seven"),
            &key(),
        );
        let c = signature(&ad("call 202-555-0148"), &key());
        assert_eq!(a.contacts.len(), 1);
        assert_eq!(a.contacts, b.contacts);
        assert_ne!(a.contacts, c.contacts);
    }

    /// Random hashes with planted near copies: the index finds exactly the
    /// pairs a comparison of every pair finds, at every threshold it takes.
    #[test]
    fn image_index_finds_every_near_pair_an_all_pairs_scan_finds() {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state)
        };
        let mut hashes: Vec<[u8; 32]> = Vec::new();
        for _ in 0..300 {
            let mut h = [0u8; 32];
            for c in h.chunks_mut(8) {
                c.copy_from_slice(&next().to_le_bytes());
            }
            hashes.push(h);
            // A copy with 0 to 50 bits flipped.
            let mut copy = h;
            let flips = next() % 51;
            for _ in 0..flips {
                let bit = (next() % 256) as usize;
                copy[bit / 8] ^= 1 << (bit % 8);
            }
            hashes.push(copy);
        }
        for threshold in [0, 10, 31, 40, 47] {
            let mut index = ImageIndex::new(threshold, 1000);
            for h in &hashes {
                index.push(PdqHash::from_bytes(*h));
            }
            let mut got = Vec::new();
            index.near_pairs(|i, j, d| got.push((i, j, d)));
            got.sort_unstable();
            let mut want = Vec::new();
            for i in 0..hashes.len() {
                for j in 0..i {
                    let d =
                        PdqHash::from_bytes(hashes[i]).distance(&PdqHash::from_bytes(hashes[j]));
                    if d <= threshold {
                        want.push((i as u32, j as u32, d));
                    }
                }
            }
            assert_eq!(got, want, "threshold {threshold}");
            assert!(
                want.len() > 50 || threshold < 31,
                "{threshold}: {}",
                want.len()
            );
        }
    }

    #[test]
    fn a_common_picture_links_nothing_and_costs_no_all_pairs_scan() {
        let mut index = ImageIndex::new(31, 50);
        for _ in 0..500 {
            index.push(PdqHash::from_bytes([0x33; 32]));
        }
        // Two copies of another picture still pair.
        index.push(PdqHash::from_bytes([0x0f; 32]));
        index.push(PdqHash::from_bytes([0x0f; 32]));
        let mut pairs = Vec::new();
        let stats = index.near_pairs(|i, j, _| pairs.push((i, j)));
        assert_eq!(pairs, [(501, 500)]);
        assert_eq!(stats.common, 500);
        // The two copies meet once in each of their 16 chunks, the common ones never.
        assert_eq!(stats.compared, 16);
    }

    #[test]
    fn signatures_survive_their_bytes() {
        let long = "word ".repeat(3000) + &(0..2000).map(|i| format!("w{i} ")).collect::<String>();
        for body in [
            "",
            "Room to let, call 202-555-0147 or mail anna@example.com, see example.org",
            long.as_str(),
        ] {
            let s = signature(&ad(body), &key());
            let b = s.to_bytes();
            assert_eq!(Signature::from_bytes(&b).unwrap(), s, "{body:.40}");
            // Every cut is refused, and so is a byte more.
            for cut in [0, 1, 2, 6, b.len() / 2, b.len() - 1] {
                assert!(Signature::from_bytes(&b[..cut]).is_err(), "{cut}");
            }
            let mut more = b.clone();
            more.push(0);
            assert!(Signature::from_bytes(&more).is_err());
        }
        let s = signature(&ad(&long), &key());
        assert_eq!(s.sample.len(), MAX_SAMPLE);
        let mut other = s.to_bytes();
        other[1] = 9;
        let e = Signature::from_bytes(&other).unwrap_err().to_string();
        assert!(e.contains("signature version 9"), "{e}");
    }

    #[test]
    fn the_exact_check_reads_the_sample() {
        let base = "Young girls wanted for hostess work in Dubai. Free flight and visa, \
                    high salary 3000 USD a month, no experience needed. Passport given to \
                    the agent on arrival. Contact Maria today";
        let copy = base.replace("Maria", "Olga");
        let (a, b) = (signature(&ad(base), &key()), signature(&ad(&copy), &key()));
        let exact = jaccard(
            &shingles(&tokens(&ad(base))),
            &shingles(&tokens(&ad(&copy))),
        );
        assert_eq!(a.jaccard(&b), exact);
        assert_eq!(a.sample, sample(&shingles(&tokens(&ad(base)))));
    }

    #[test]
    fn empty_ads_compare_as_nothing() {
        let e = signature(&ad("  ...  "), &SignatureOptions::default());
        assert_eq!(e.shingles, 0);
        assert!(e.band_keys(4).is_empty());
        assert_eq!(e.similarity(&e), 0.0);
    }
}
