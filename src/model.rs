//! A hashed character n-gram model that moves the rules' verdict by one
//! step at the ends of its range, and sends to review an ad the rules
//! missed when it is sure.
//!
//! The rule packs say *why* an ad is flagged, with the words that show it.
//! On ads by authors nobody here has read, they catch about three in four
//! positives and put one honest ad in six above its tier, and rounds of
//! new wording now move those figures by a point or two. A small model
//! trained on the ads already read carries further to other people's
//! wording (see `docs/detection.md`), so the built-in engine uses one
//! beside the rules, never instead of them:
//!
//! - when the model reads the ad as honest (probability below
//!   [`Model::below`], 0.2 for the built-in model), a `warn`, `review` or
//!   `block` verdict goes down one step: `block` to `review`, `review` to
//!   `warn`, `warn` to `allow`; when it is surer (below
//!   [`Model::far_below`], 0.1), a `review` or `block` goes down two
//!   steps, to `allow` or `warn`;
//! - when it reads the ad as flagged (above [`Model::above`], 0.8) and a
//!   rule scored, an `allow` or `warn` verdict goes up one step, to `warn`
//!   or `review`; a `review` the rules reached goes up to `block` only
//!   when it is surer (above [`Model::block_above`], 0.9). It never
//!   blocks an ad the rules did not take to `review`;
//! - when no rule scored at all, it sends the ad from `allow` to `review`
//!   only when it reads it as flagged above [`ALONE_REVIEW`] (0.95) and
//!   the ad has [`MIN_CHARS`] or more: most ads the rules miss by other
//!   people's wording fire nothing, and a person then reads them, with
//!   nothing highlighted (the reviewer message says so).
//!
//! On an ad of fewer than [`MIN_CHARS`] characters besides whitespace it
//! only lowers a `review` or `block` one step: in "A registration fee is
//! required." it reads too little to clear the rule's nudge, and in two
//! short sentences too little to raise or block on them.
//!
//! It never lowers the verdict on an ad longer than it reads
//! ([`Model::max_bytes`]): what the rules found may lie past that. Nor on
//! an ad written mostly with its letters
//! spaced out ("p a s s p o r t k e p t"): the matching form joins them,
//! often with their neighbours, into words the model never saw.
//!
//! Before it lowers a verdict it also reads the text around what the
//! rules found (up to [`EVIDENCE_BYTES`] either side of each match,
//! within its sentence; [`MIN_CHARS`] at least): text added to pad an ad
//! dilutes the whole ad's reading, not that one. When it
//! reads as flagged (above [`EVIDENCE_FLAGGED`], 0.9) the verdict goes
//! down one step at most, and when surely so (above [`EVIDENCE_SURE`],
//! 0.98) not at all.
//!
//! An engine uses the model for the packs it came with: the built-in
//! model reads an ad only when a built-in rule scored, and never lowers a
//! verdict that a rule of a pack added on top (a site's own policy)
//! scored in.
//!
//! The built-in engine has two models of this kind: [`Model::builtin`],
//! and [`Model::builtin_languages`] for an ad read in one of the
//! source-country languages ([`LANGUAGES`]), trained with about 4,500 more
//! ads in those languages and the first four, which on the unread sets
//! caught more there and blocked fewer honest ads, but cost the English
//! and Romance sets when the main model was trained with them.
//!
//! The verdict says what the model read and whether it moved the tier
//! ([`crate::Verdict::model`]), and the reviewer messages say why. An ad
//! on which no rule scored is read only to decide whether to send it to
//! review, and its verdict carries the reading only when it did.
//!
//! The features: the title and the body (or every field, when neither is
//! given) in matching form ([`crate::normalize`]: look-alike letters,
//! leetspeak, spacing, accents and number words undone, so a disguise the
//! rules see through does not move the model either), joined by a line
//! break, cut to the model's byte limit
//! ([`Model::max_bytes`], 16 KiB: the time a model takes grows with the
//! text, and ads are short), lowercased; split on whitespace; each word
//! padded with a space on both sides, and its character n-grams (2 to 4
//! for the built-in model) hashed with 32-bit FNV-1a into 2^16 buckets;
//! each bucket's count `c` weighs `1 + ln c`, and the vector is scaled to
//! length 1. The probability is the logistic function of the weights'
//! dot product plus a bias. Weights are one signed byte each, times a
//! scale: the built-in model is 64 KiB. `rules/model/train.py` trains it
//! (scikit-learn's logistic regression, on the development sets, ads
//! written for it and real honest ads only; never on a set kept unread)
//! and writes the file the crate embeds,
//! `rules/model/ngram.bin`, with texts and the probabilities the trainer
//! computed for them, which the tests compare with this module's.
//!
//! ```
//! use redflag::model::Model;
//!
//! let m = Model::builtin();
//! let p = m.probability("Trabajo en el extranjero, el pasaporte queda con la agencia.");
//! assert!((0.0..=1.0).contains(&p));
//! ```

use std::borrow::Cow;

use crate::error::Error;
use crate::tier::Tier;

/// On an ad shorter than this many characters that are not whitespace
/// (title and body; a Han ideograph or kana counts three, see [`length`])
/// the model only takes a `review` or `block` one step
/// down, towards a person's judgement; it raises nothing, clears no
/// `warn` and moves nothing two steps. A short ad gives it too few
/// n-grams: a number in the title moved one-line ads across 0.8, and two
/// short sentences read 0.98. Measured on 2026-12-05: keeping these steps
/// off the ads shorter than this changed no count on any labelled set or
/// the real corpora (at 150 characters, 4 honest ads of about 3,000 would
/// have stayed above their maximum, and 2 positives of 1,060 by unseen
/// authors would have stayed at `review`).
///
/// ```
/// use redflag::{Engine, Submission, Tier};
///
/// // One line with a recruitment fee: the model reads it as honest, but
/// // too briefly to clear the rule's warning.
/// let ad = "A registration fee is required.";
/// assert!(redflag::model::length(ad) < redflag::model::MIN_CHARS);
/// let sub = Submission::new().field("section", "jobs").field("body", ad);
/// let v = Engine::new_default().screen(&sub).unwrap();
/// assert_eq!(v.verdict, Tier::Warn);
///
/// // One strong indicator in two short sentences: `review`, where a
/// // person decides, however sure the model is.
/// let ad = "Your passport will be kept by the employer. Start before the summer.";
/// let sub = Submission::new().field("section", "jobs").field("body", ad);
/// assert_eq!(Engine::new_default().screen(&sub).unwrap().verdict, Tier::Review);
/// ```
pub const MIN_CHARS: usize = 100;

/// The length of `text` for [`MIN_CHARS`]: its characters besides
/// whitespace, a Han ideograph or kana counting three (a syllable, most
/// often a word: "高薪招聘服务员" says as much as "waiters wanted, high
/// pay"). Counting stops at [`MIN_CHARS`]: only whether a text reaches it
/// matters, so a long field is not walked to its end.
///
/// ```
/// use redflag::model::{length, MIN_CHARS};
/// assert_eq!(length("high pay"), 7);
/// assert_eq!(length("高薪"), 6);
/// assert_eq!(length(&"word ".repeat(1000)), MIN_CHARS);
/// ```
pub fn length(text: &str) -> usize {
    let mut n = 0;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        n += if crate::lang::logographic(c) { 3 } else { 1 };
        if n >= MIN_CHARS {
            return MIN_CHARS;
        }
    }
    n
}

/// The built-in model (see the module documentation).
const BUILTIN: &[u8] = include_bytes!("../rules/model/ngram.bin");
/// The built-in model for the source-country languages.
const BUILTIN_LANGUAGES: &[u8] = include_bytes!("../rules/model/ngram-langs.bin");

/// The languages whose ads the built-in engine reads with
/// [`Model::builtin_languages`] instead of [`Model::builtin`]: every
/// language the built-in packs know besides English, Spanish, French and
/// Portuguese. An ad read in one of them (a verdict's `languages`) is read
/// by that model, whatever other languages it is read in.
///
/// ```
/// assert!(redflag::model::LANGUAGES.contains(&"pl"));
/// assert!(!redflag::model::LANGUAGES.contains(&"en"));
/// ```
pub const LANGUAGES: [&str; 11] = [
    "ro", "pl", "tl", "id", "vi", "ru", "uk", "zh", "th", "ar", "hi",
];

/// [`LANGUAGES`] as a mask of `lang::LANGS` (every language but the first
/// four).
pub(crate) const LANGUAGES_MASK: crate::lang::Mask = crate::lang::ALL & !0b1111;
/// The current format (with the two outer bounds) and the first one
/// (without them: a model in it never moves a verdict two steps or to
/// `block`).
const MAGIC: &[u8; 8] = b"rfngram2";
const MAGIC_1: &[u8; 8] = b"rfngram1";

/// A hashed character n-gram model (see the [module documentation](self)).
#[derive(Clone, PartialEq)]
pub struct Model {
    bits: u32,
    nmin: usize,
    nmax: usize,
    scale: f64,
    bias: f64,
    below: f64,
    above: f64,
    far_below: f64,
    block_above: f64,
    max_bytes: usize,
    /// One signed byte per bucket, kept as the file's bytes: the built-in
    /// model borrows them from the binary instead of copying 64 KiB into
    /// every engine.
    weights: Cow<'static, [u8]>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("buckets", &(1usize << self.bits))
            .field("ngrams", &(self.nmin..=self.nmax))
            .field("below", &self.below)
            .field("above", &self.above)
            .field("far_below", &self.far_below)
            .field("block_above", &self.block_above)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// The model built into this crate, trained with its built-in packs.
    ///
    /// ```
    /// let m = redflag::model::Model::builtin();
    /// assert_eq!((m.below(), m.above()), (0.2, 0.8));
    /// assert_eq!((m.far_below(), m.block_above()), (0.1, 0.9));
    /// ```
    pub fn builtin() -> Model {
        // The file is checked by the test suite; a damaged one would give
        // a model that moves nothing rather than a panic.
        Model::parse(Cow::Borrowed(BUILTIN)).unwrap_or(Model {
            bits: 0,
            nmin: 1,
            nmax: 0,
            scale: 0.0,
            bias: 0.0,
            below: 0.0,
            above: 1.0,
            far_below: 0.0,
            block_above: 1.0,
            max_bytes: 0,
            weights: Cow::Borrowed(&[0]),
        })
    }

    /// The model built into this crate for ads in the source-country
    /// languages ([`LANGUAGES`]): the same features, bounds and training
    /// ads as [`Model::builtin`], and 4,500 more ads in those languages and
    /// the first four (`rules/eval/train-r13`, `train-r15` and the pack
    /// rounds' `train-r17` to `train-r21`) that the
    /// main model is not trained with, since on the unread English and
    /// Romance sets they cost it positives and blocked an honest ad
    /// (`docs/detection.md`, "The n-gram model").
    ///
    /// ```
    /// use redflag::model::Model;
    /// let (langs, main) = (Model::builtin_languages(), Model::builtin());
    /// assert_eq!((langs.below(), langs.above()), (main.below(), main.above()));
    /// ```
    pub fn builtin_languages() -> Model {
        Model::parse(Cow::Borrowed(BUILTIN_LANGUAGES)).unwrap_or_else(|_| Model::builtin())
    }

    /// Reads a model file as `rules/model/train.py` writes it: the magic
    /// `rfngram2`; the bucket bits (8 to 24), the smallest and largest
    /// n-gram length (1 to 8) and a zero byte; the scale, bias, lower and
    /// upper probability as little-endian `f64` (finite, the scale
    /// positive, `0 < below < above < 1`); the byte limit as a
    /// little-endian `u32`; the two outer bounds as little-endian `f64`
    /// (`0 <= far_below <= below` and `above <= block_above <= 1`; 0 and 1
    /// turn their step off); then one signed byte per bucket. A file of
    /// the first format, `rfngram1`, has no outer bounds: its model moves
    /// a verdict one step only.
    ///
    /// ```
    /// let err = redflag::model::Model::from_bytes(b"not a model").unwrap_err();
    /// assert!(err.to_string().contains("model"));
    /// ```
    pub fn from_bytes(b: &[u8]) -> Result<Model, Error> {
        Model::parse(Cow::Owned(b.to_vec()))
    }

    fn parse(file: Cow<'static, [u8]>) -> Result<Model, Error> {
        let b = &file[..];
        let bad = |m: &str| Err(Error::pack(Some("model"), "", format!("model file: {m}")));
        let header = match b.get(..8) {
            Some(m) if m == MAGIC => 8 + 4 + 4 * 8 + 4 + 2 * 8,
            Some(m) if m == MAGIC_1 => 8 + 4 + 4 * 8 + 4,
            _ => return bad("not a redflag n-gram model (no `rfngram2` header)"),
        };
        if b.len() < header {
            return bad("the header is cut short");
        }
        let (bits, nmin, nmax) = (u32::from(b[8]), usize::from(b[9]), usize::from(b[10]));
        if !(8..=24).contains(&bits) || nmin == 0 || nmin > nmax || nmax > 8 {
            return bad("bucket bits must be 8 to 24, n-gram lengths 1 to 8");
        }
        // Little-endian `f64`s: four from byte 12, the outer bounds (in the
        // current format) from byte 48, after the byte limit.
        let f64_at = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[at..at + 8]);
            f64::from_le_bytes(a)
        };
        let (scale, bias, below, above) = (f64_at(12), f64_at(20), f64_at(28), f64_at(36));
        if ![scale, bias, below, above].iter().all(|x| x.is_finite())
            || scale <= 0.0
            || !(0.0 < below && below < above && above < 1.0)
        {
            return bad("scale, bias and bounds must be finite, 0 < below < above < 1");
        }
        let mut n = [0u8; 4];
        n.copy_from_slice(&b[44..48]);
        let max_bytes = u32::from_le_bytes(n) as usize;
        let (far_below, block_above) = if header > 48 {
            (f64_at(48), f64_at(56))
        } else {
            (0.0, 1.0)
        };
        // `contains` is false for NaN, and the ranges are finite.
        if !((0.0..=below).contains(&far_below) && (above..=1.0).contains(&block_above)) {
            return bad(
                "the outer bounds must be 0 <= far_below <= below and above <= block_above <= 1",
            );
        }
        if b.len() - header != 1 << bits {
            return bad("the weights are not one byte per bucket");
        }
        let weights = match file {
            Cow::Borrowed(f) => Cow::Borrowed(&f[header..]),
            Cow::Owned(mut f) => {
                f.drain(..header);
                Cow::Owned(f)
            }
        };
        Ok(Model {
            bits,
            nmin,
            nmax,
            scale,
            bias,
            below,
            above,
            far_below,
            block_above,
            max_bytes,
            weights,
        })
    }

    /// Below this probability a `warn`, `review` or `block` verdict goes
    /// down a step.
    pub fn below(&self) -> f64 {
        self.below
    }

    /// Above this probability an `allow` or `warn` verdict on which a rule
    /// scored goes up a step.
    pub fn above(&self) -> f64 {
        self.above
    }

    /// Below this probability a `review` or `block` verdict goes down two
    /// steps, to `allow` or `warn` (0: never).
    ///
    /// ```
    /// let m = redflag::model::Model::builtin();
    /// assert!(m.far_below() <= m.below());
    /// ```
    pub fn far_below(&self) -> f64 {
        self.far_below
    }

    /// Above this probability a `review` verdict goes up to `block` (1:
    /// never). Only a verdict the rules took to `review` is raised to
    /// `block`: the model never blocks on less.
    ///
    /// ```
    /// let m = redflag::model::Model::builtin();
    /// assert!(m.block_above() >= m.above());
    /// ```
    pub fn block_above(&self) -> f64 {
        self.block_above
    }

    /// The model reads at most this many bytes of text (the rest of a
    /// longer text is not looked at).
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The probability, from 0 to 1, that `text` is one of the flagged
    /// kind of ad. The built-in model was trained on text in matching form,
    /// which is what the engine passes it: give it the same.
    ///
    /// ```
    /// let m = redflag::model::Model::builtin();
    /// let text = redflag::normalize("Barista wanted, weekend shifts, apply in store.");
    /// assert!(m.probability(text.as_str()) < 0.5);
    /// ```
    pub fn probability(&self, text: &str) -> f64 {
        let mut end = text.len().min(self.max_bytes);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &text[..end];
        COUNTS.with(|cell| {
            let mut st = cell.take();
            st.counts.resize(1 << self.bits, 0);
            st.touched.clear();
            if st.log.is_empty() {
                st.log = (0..64u32).map(|c| 1.0 + f64::from(c).ln()).collect();
            }
            let Counts {
                counts,
                touched,
                starts,
                ascii,
                log,
            } = &mut st;
            // A power of two, so the masked index is always in bounds.
            let mask = counts.len() - 1;
            let mut bump = |h: u32| {
                let k = h as usize & mask;
                let c = &mut counts[k];
                if *c == 0 {
                    touched.push(k as u32);
                }
                *c = c.saturating_add(1);
            };
            let (nmin, nmax) = (self.nmin, self.nmax);
            if nmin >= 2 && text.is_ascii() {
                // Most ads: one pass over the text, no copy lowercased
                // first and no split into words (see `ascii_grams`).
                ascii_grams(ascii, text.as_bytes(), nmin, nmax, &mut bump);
            } else {
                let text = text.to_lowercase();
                by_word(&text, ascii, starts, nmin, nmax, &mut bump);
            }
            // Sublinear counts, scaled to length 1; the table is left zeroed.
            let (mut dot, mut norm) = (0.0f64, 0.0f64);
            for &k in touched.iter() {
                let k = k as usize & mask;
                let c = std::mem::take(&mut counts[k]);
                let v = match log.get(usize::from(c)) {
                    Some(&v) => v,
                    None => 1.0 + f64::from(c).ln(),
                };
                norm += v * v;
                dot += v * f64::from(self.weights[k] as i8);
            }
            cell.set(st);
            let norm = if norm > 0.0 { norm.sqrt() } else { 1.0 };
            let z = self.bias + self.scale * dot / norm;
            1.0 / (1.0 + (-z).exp())
        })
    }

    /// How far one word (in matching form) pulls the model towards
    /// "flagged": the sum of its n-grams' weights, as the model counts
    /// them (lowercased, a space before and after). Only for the reviewer:
    /// which words to read first in an ad the model alone sent to review.
    pub(crate) fn word_weight(&self, word: &str) -> i32 {
        let mask = (1u32 << self.bits) - 1;
        let padded = format!(" {} ", word.to_lowercase());
        let starts: Vec<usize> = padded
            .char_indices()
            .map(|(i, _)| i)
            .chain([padded.len()])
            .collect();
        let bytes = padded.as_bytes();
        let at = |j: usize| &bytes[starts[j]..starts[j + 1]];
        let mut sum = 0i32;
        grams(starts.len() - 1, self.nmin, self.nmax, at, &mut |h| {
            sum += i32::from(self.weights[(h & mask) as usize] as i8);
        });
        sum
    }

    /// The model's reading of an ad on which no rule scored, when it
    /// sends it to `review` (see [`ALONE_REVIEW`]).
    pub(crate) fn alone(&self, text: &str) -> Option<f64> {
        if length(text) < MIN_CHARS {
            return None;
        }
        let p = self.probability(text);
        (p > ALONE_REVIEW).then_some(p)
    }

    /// The model's reading of `text` and the tier after it: `tier` moved
    /// as [`Model::adjust`] says, the short-ad rule decided by [`length`],
    /// and no step down on a text longer than [`Model::max_bytes`]: what
    /// lies past what it reads (where a rule may have found something) it
    /// cannot vouch for.
    ///
    /// Before it lowers the tier, it reads `evidence()` too: the text
    /// around what the rules found ([`EVIDENCE_BYTES`] either side). When
    /// that reads as flagged above [`EVIDENCE_FLAGGED`] it takes one step
    /// down at most, and above [`EVIDENCE_SURE`] none (see
    /// [`EVIDENCE_FLAGGED`] for why).
    pub(crate) fn step(
        &self,
        tier: Tier,
        text: &str,
        scored: bool,
        evidence: impl FnOnce() -> String,
    ) -> Step {
        let p = self.probability(text);
        let mut after = self.adjust(tier, p, scored, length(text) >= MIN_CHARS);
        if text.len() > self.max_bytes {
            after = after.max(tier);
        }
        let (mut around, mut held) = (None, false);
        if after < tier {
            let ev = evidence();
            // Too little text reads at random: one short sentence of a
            // house listing ("Home sweet home.") read 0.9998.
            if length(&ev) >= MIN_CHARS {
                let e = self.probability(&ev);
                around = Some(e);
                let bound = bounded(tier, after, e);
                held = bound != after;
                after = bound;
            }
        }
        Step {
            p,
            tier: after,
            evidence: around,
            held,
        }
    }

    /// The tier after the model: two steps down from `review` or `block`
    /// below [`Model::far_below`]; one step down from `warn`, `review` or
    /// `block` below [`Model::below`]; one step up from `allow` or `warn`
    /// above [`Model::above`] when a rule scored (`scored`), and from
    /// `review` to `block` above [`Model::block_above`]. Only the one step
    /// down from `review` or `block` is taken unless the text is `long`:
    /// [`MIN_CHARS`] or more by [`length`].
    pub(crate) fn adjust(&self, tier: Tier, p: f64, scored: bool, long: bool) -> Tier {
        if p < self.far_below && tier >= Tier::Review && long {
            match tier {
                Tier::Block => Tier::Warn,
                _ => Tier::Allow,
            }
        } else if p < self.below {
            match tier {
                Tier::Block => Tier::Review,
                Tier::Review => Tier::Warn,
                Tier::Warn if long => Tier::Allow,
                t => t,
            }
        } else if p > self.above && scored {
            match tier {
                Tier::Allow if long => Tier::Warn,
                Tier::Warn if long => Tier::Review,
                Tier::Review if p > self.block_above && long => Tier::Block,
                t => t,
            }
        } else {
            tier
        }
    }
}

/// What [`Model::step`] read and decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Step {
    /// The probability of the whole text.
    pub p: f64,
    /// The tier after the model.
    pub tier: Tier,
    /// The probability of the text around what the rules found, when the
    /// model read it: only before a step down, and only when it has
    /// [`MIN_CHARS`] or more.
    pub evidence: Option<f64>,
    /// Whether that reading held the verdict higher than the whole
    /// text's reading would have taken it.
    pub held: bool,
}

/// The step down from `tier` to `after`, bounded by the reading of the
/// evidence `e`: none above [`EVIDENCE_SURE`], one at most above
/// [`EVIDENCE_FLAGGED`].
fn bounded(tier: Tier, after: Tier, e: f64) -> Tier {
    if e > EVIDENCE_SURE {
        tier
    } else if e > EVIDENCE_FLAGGED {
        after.max(match tier {
            Tier::Block => Tier::Review,
            Tier::Review => Tier::Warn,
            _ => Tier::Allow,
        })
    } else {
        after
    }
}

/// Bytes of the matching form either side of each match of a rule that
/// scored, within the match's sentence, read as the evidence before the
/// model lowers a verdict (see [`EVIDENCE_FLAGGED`]).
///
/// ```
/// // A sentence's worth either side: enough for the model's n-grams.
/// assert!(redflag::model::EVIDENCE_BYTES >= redflag::model::MIN_CHARS);
/// ```
pub const EVIDENCE_BYTES: usize = 100;

/// When the text around what the rules found reads as flagged above this
/// probability, the model takes a verdict one step down at most, however
/// honest the whole ad reads.
///
/// The model reads a bag of n-grams, so ordinary text added to an ad
/// dilutes it. With 500 bytes of real honest ads appended to
/// `../shared/eval`'s 60 flagged ads, the rules alone kept 52 at their
/// tier and the model lowered 25 of them, leaving 29; with 2 KB, 53 and
/// none. The sentences around the matches are what padding does not
/// reach. An evidence shorter than [`MIN_CHARS`] bounds nothing: too
/// little text reads at random. Measured on 2026-12-05: with this bound
/// and [`EVIDENCE_SURE`], 43 of the 60 stay at their tier after 500
/// bytes and 33 after 2 KB; no count moves on any set by unseen authors,
/// and no real corpora ad leaves `allow`. Windows that did not stop at
/// the sentence, or evidence of 60 characters, kept fewer padded ads
/// (37 and 30) or left one honest ad more above its maximum; holding
/// every step down when the evidence reads above 0.5 left 9 more there
/// (`docs/detection.md`, "What still slips through").
///
/// ```
/// assert!(redflag::model::EVIDENCE_FLAGGED < redflag::model::EVIDENCE_SURE);
/// ```
pub const EVIDENCE_FLAGGED: f64 = 0.9;

/// When the text around what the rules found reads as flagged above this
/// probability, the model does not lower the verdict at all (see
/// [`EVIDENCE_FLAGGED`]).
///
/// ```
/// use redflag::{Engine, Submission};
///
/// let v = Engine::new_default()
///     .screen(&Submission::new().field("section", "jobs").field("body", "Barista wanted."))
///     .unwrap();
/// // No rule scored: the model read nothing, the evidence least of all.
/// assert!(v.model.is_none());
/// assert!(redflag::model::EVIDENCE_SURE < 1.0);
/// ```
pub const EVIDENCE_SURE: f64 = 0.98;

/// An ad on which no rule scored goes to `review`, where a person reads
/// it, when the model reads it as flagged above this probability and it
/// has [`MIN_CHARS`] or more: never further (a verdict with nothing to
/// point at is a person's to decide), and never on a short text.
///
/// Most ads that the rules miss fire nothing at all: on the six-language
/// set written for this (`r12`, by authors who never saw the packs; the
/// half kept back from the pack round), 36 of the 46 misses. The model
/// reads the wording as a whole, and it tells those apart far better
/// than the rules' vocabulary reaches: above this bound were 16 of those
/// 36 and none of the 108 honest ads without a scored rule; of the real
/// honest corpora the model was not trained on, 8 of 7,889 (0.1 %,
/// mostly dating profiles). Measured on 2026-12-05 (with the packs of
/// that night) on every set by unseen authors, against the verdicts
/// without it: recall 82.5 -> 87.3 % on `langs10` and 86.5 -> 90.5 % on
/// `langs9` with no honest ad more over its maximum, 76.2 -> 81.2 % on
/// `holdout6`'s unread half; about 90 positives more at their tier over
/// all of them, against 5 honest ads more at `review` (2 of them in
/// `holdout3`) and 4 of the 10,889 real corpora ads (`docs/detection.md`,
/// "The n-gram model"). The bound was chosen on the kept-back half of
/// `langs11` and the corpora; 0.9 caught a little more there and sent an
/// honest ad more to review.
///
/// ```
/// assert!(redflag::model::ALONE_REVIEW > redflag::model::EVIDENCE_FLAGGED);
/// ```
pub const ALONE_REVIEW: f64 = 0.95;

/// Hashes every character n-gram (`nmin` to `nmax` characters) of a word of
/// `n_chars` characters, character `j` being the bytes `at(j)`, and hands
/// each hash to `bump`. Each start hashes its longest gram once and emits
/// the shorter ones on the way (FNV-1a is a left fold, so the grams that
/// start at one character share their hash's prefix).
fn grams<'a>(
    n_chars: usize,
    nmin: usize,
    nmax: usize,
    at: impl Fn(usize) -> &'a [u8],
    bump: &mut impl FnMut(u32),
) {
    for i in 0..n_chars {
        let mut h: u32 = 0x811c_9dc5;
        for n in 1..=nmax.min(n_chars - i) {
            for &b in at(i + n - 1) {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
            if n >= nmin {
                bump(h);
            }
        }
    }
}

/// The grams of every word of a lowercased `text`, word by word: `grams`
/// over each word padded with a space before and after, ASCII words hashed
/// straight from a byte copy (`ascii`), others by their characters' byte
/// offsets (`starts`).
fn by_word(
    text: &str,
    ascii: &mut Vec<u8>,
    starts: &mut Vec<usize>,
    nmin: usize,
    nmax: usize,
    bump: &mut impl FnMut(u32),
) {
    let mut padded = String::new();
    for word in text.split_whitespace() {
        if word.is_ascii() {
            // One byte per character: the grams of the padded word are
            // its byte windows.
            ascii.clear();
            ascii.push(b' ');
            ascii.extend_from_slice(word.as_bytes());
            ascii.push(b' ');
            byte_grams(ascii, nmin, nmax, bump);
            continue;
        }
        padded.clear();
        padded.push(' ');
        padded.push_str(word);
        padded.push(' ');
        starts.clear();
        starts.extend(padded.char_indices().map(|(i, _)| i));
        let n_chars = starts.len();
        starts.push(padded.len());
        let bytes = padded.as_bytes();
        let at = |j: usize| &bytes[starts[j]..starts[j + 1]];
        grams(n_chars, nmin, nmax, at, bump);
    }
}

/// The grams `by_word` finds in an ASCII `text`, in the same order, in
/// one pass: the text is copied lowercased into `buf` with each run of
/// whitespace made one space and a space at both ends, so the padded words
/// stand back to back, sharing the space between them. A gram of two
/// bytes or more that has a space only at its ends lies inside one padded
/// word, and each such gram of a padded word is one window here. Only a
/// lone space (a gram of one byte) is shared by two words, so this holds
/// for `nmin >= 2`.
fn ascii_grams(
    buf: &mut Vec<u8>,
    text: &[u8],
    nmin: usize,
    nmax: usize,
    bump: &mut impl FnMut(u32),
) {
    debug_assert!(nmin >= 2);
    buf.clear();
    buf.push(b' ');
    for &b in text {
        // `char::is_whitespace` in ASCII: tab, line feed, vertical tab,
        // form feed, carriage return and space.
        if matches!(b, b'\t'..=b'\r' | b' ') {
            if buf.last() != Some(&b' ') {
                buf.push(b' ');
            }
        } else {
            buf.push(b.to_ascii_lowercase());
        }
    }
    if buf.last() != Some(&b' ') {
        buf.push(b' ');
    }
    let w = &buf[..];
    if (nmin, nmax) == (2, 4) {
        // The built-in model's lengths, unrolled: each start hashes its
        // 2-, 3- and 4-gram, stopping after a space. The text ends with a
        // space, so no window runs past it.
        let step = |h: u32, b: u8| (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        for i in 0..w.len() - 1 {
            let h = step(step(0x811c_9dc5, w[i]), w[i + 1]);
            bump(h);
            if w[i + 1] == b' ' {
                continue;
            }
            let h = step(h, w[i + 2]);
            bump(h);
            if w[i + 2] == b' ' {
                continue;
            }
            bump(step(h, w[i + 3]));
        }
        return;
    }
    byte_grams(w, nmin, nmax, bump);
}

/// The grams of padded ASCII words standing back to back in `w` (one
/// word, or a whole text as `ascii_grams` copies it): every window of
/// `nmin` to `nmax` bytes that has a space only at its ends.
fn byte_grams(w: &[u8], nmin: usize, nmax: usize, bump: &mut impl FnMut(u32)) {
    for i in 0..w.len() {
        let mut h: u32 = 0x811c_9dc5;
        for (n, &b) in w[i..w.len().min(i + nmax)].iter().enumerate() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            if n + 1 >= nmin {
                bump(h);
            }
            if b == b' ' && n > 0 {
                // The end of a padded word.
                break;
            }
        }
    }
}

/// The thread's bucket counts (all zero between calls) and buffers,
/// reused across calls: a call on ASCII text allocates nothing once they
/// have grown, one on other text the lowercased text and one padded-word
/// buffer.
#[derive(Default)]
struct Counts {
    counts: Vec<u16>,
    touched: Vec<u32>,
    starts: Vec<usize>,
    ascii: Vec<u8>,
    /// `1 + ln(c)` for the small counts, which most grams have.
    log: Vec<f64>,
}

thread_local! {
    static COUNTS: std::cell::Cell<Counts> = std::cell::Cell::new(Counts::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_computes_what_the_trainer_computed() {
        // checks.jsonl holds texts (several scripts, odd whitespace, an
        // empty one) and the probability train.py computed for each: the
        // two featurisations must agree, or the weights mean nothing.
        computes_what_the_trainer_computed(
            &Model::builtin(),
            include_str!("../rules/model/checks.jsonl"),
        );
        computes_what_the_trainer_computed(
            &Model::builtin_languages(),
            include_str!("../rules/model/checks-langs.jsonl"),
        );
    }

    #[test]
    fn the_languages_model_is_its_own_file_and_its_languages_are_the_mask() {
        // A damaged file would fall back to the main model silently.
        assert!(Model::parse(Cow::Borrowed(BUILTIN_LANGUAGES)).is_ok());
        assert!(Model::builtin_languages() != Model::builtin());
        let names: Vec<String> = LANGUAGES.iter().map(|l| l.to_string()).collect();
        assert_eq!(crate::lang::pack_mask(&names), LANGUAGES_MASK);
        assert_eq!(crate::lang::names(LANGUAGES_MASK), names);
    }

    fn computes_what_the_trainer_computed(m: &Model, checks: &str) {
        let mut n = 0;
        for line in checks.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = v["text"].as_str().unwrap();
            let want = v["p"].as_f64().unwrap();
            let got = m.probability(text);
            assert!((got - want).abs() < 1e-6, "{text:?}: {got} != {want}");
            n += 1;
        }
        assert!(n >= 5);
    }

    /// The built-in model with its bias set to `bias`: far above zero it
    /// reads every text as flagged, far below as honest.
    fn biased(bias: f64) -> Model {
        let mut b = BUILTIN.to_vec();
        b[20..28].copy_from_slice(&bias.to_le_bytes());
        Model::from_bytes(&b).unwrap()
    }

    #[test]
    fn alone_it_sends_only_a_long_ad_it_is_sure_of_to_review() {
        let long = "Friendly hotel in the old town hires kitchen and cleaning staff. ".repeat(3);
        let short = "Kitchen staff wanted.";
        let (sure, honest) = (biased(40.0), biased(-40.0));
        assert!(sure.probability(&long) > ALONE_REVIEW);
        assert!(matches!(sure.alone(&long), Some(p) if p > ALONE_REVIEW));
        assert_eq!(sure.alone(short), None);
        assert_eq!(honest.alone(&long), None);
        // The built-in model reads this honest ad as honest.
        assert_eq!(Model::builtin().alone(&long), None);
    }

    #[test]
    fn a_word_weighs_what_its_grams_weigh() {
        let m = Model::builtin();
        // The same word in any case, and the sign of a word the training
        // data tied to flagged ads against an everyday one.
        assert_eq!(m.word_weight("Passport"), m.word_weight("passport"));
        assert!(m.word_weight("passport") > m.word_weight("bicycle"));
        assert_eq!(m.word_weight(""), {
            // The padded empty word is one 2-gram, two spaces.
            let mut h: u32 = 0x811c_9dc5;
            for b in *b"  " {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
            i32::from(m.weights[(h & ((1 << m.bits) - 1)) as usize] as i8)
        });
    }

    #[test]
    fn one_pass_over_ascii_finds_the_grams_word_by_word_finds() {
        // Odd whitespace of every ASCII kind, capitals, one-letter words,
        // punctuation, leading and trailing runs; and each gram length the
        // one pass supports, the built-in (2, 4) among them.
        let texts = [
            "",
            "   ",
            "a",
            "Passport kept by the AGENCY, fee 500 usd.",
            "  x  y\tz\n\n\x0bw\x0cv\r\n  long-word-with-dashes   ",
            "\x1f is not whitespace; i.e. 'quotes' & (brackets) ok",
        ];
        for (nmin, nmax) in [(2, 2), (2, 3), (2, 4), (3, 5), (2, 8)] {
            for text in texts {
                let (mut one, mut words) = (Vec::new(), Vec::new());
                ascii_grams(&mut Vec::new(), text.as_bytes(), nmin, nmax, &mut |h| {
                    one.push(h)
                });
                let lower = text.to_lowercase();
                let (mut a, mut s) = (Vec::new(), Vec::new());
                by_word(&lower, &mut a, &mut s, nmin, nmax, &mut |h| words.push(h));
                assert_eq!(one, words, "{text:?} at {nmin}..={nmax}");
            }
        }
        // And so the same probability: a no-break space is whitespace to
        // both, but outside ASCII, so the second text is read word by word.
        let m = Model::builtin();
        let ascii = "Waitress wanted,  no experience,\tfree room. Passport kept.";
        let other = ascii.replace("free room", "free\u{a0}room");
        assert!(!other.is_ascii());
        assert_eq!(m.probability(ascii), m.probability(&other));
    }

    #[test]
    fn a_damaged_model_file_is_an_error() {
        let good = BUILTIN.to_vec();
        assert!(Model::from_bytes(&good).is_ok());
        assert!(Model::from_bytes(&good[..good.len() - 1]).is_err());
        let mut bounds = good.clone();
        bounds[28..36].copy_from_slice(&0.9f64.to_le_bytes()); // below > above
        assert!(Model::from_bytes(&bounds).is_err());
        let mut outer = good.clone();
        outer[48..56].copy_from_slice(&0.5f64.to_le_bytes()); // far_below > below
        assert!(Model::from_bytes(&outer).is_err());
        let mut outer = good.clone();
        outer[56..64].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(Model::from_bytes(&outer).is_err());
        assert!(Model::from_bytes(&good[..60]).is_err());
        let mut bits = good;
        bits[8] = 30;
        assert!(Model::from_bytes(&bits).is_err());
    }

    #[test]
    fn the_step_grows_with_confidence_and_blocks_only_from_review() {
        use Tier::{Allow, Block, Review, Warn};
        let m = Model::builtin();
        // Honest: one step below `below`, two below `far_below`; flagged:
        // one step above `above`, `review` to `block` only above
        // `block_above`, and nothing below `review` goes to `block`.
        let honest = (m.far_below() + m.below()) / 2.0;
        let surely_honest = m.far_below() / 2.0;
        let flagged = (m.above() + m.block_above()) / 2.0;
        let surely_flagged = (m.block_above() + 1.0) / 2.0;
        let (long, short) = (true, false);
        // (rules' tier, probability, a rule scored, a long ad, after)
        let cases = [
            (Block, honest, true, long, Review),
            (Review, honest, true, long, Warn),
            (Warn, honest, true, long, Allow),
            (Block, surely_honest, true, long, Warn),
            (Review, surely_honest, true, long, Allow),
            (Warn, surely_honest, true, long, Allow),
            (Allow, surely_honest, true, long, Allow),
            (Allow, flagged, true, long, Warn),
            (Warn, flagged, true, long, Review),
            (Review, flagged, true, long, Review),
            (Allow, surely_flagged, true, long, Warn),
            (Warn, surely_flagged, true, long, Review),
            (Review, surely_flagged, true, long, Block),
            // No rule scored: no step (the engine asks `alone` instead).
            (Allow, surely_flagged, false, long, Allow),
            (Review, 0.5, true, long, Review),
            // On a short ad only the one step down from `review` or
            // `block` is taken.
            (Warn, honest, true, short, Warn),
            (Warn, surely_honest, true, short, Warn),
            (Review, honest, true, short, Warn),
            (Review, surely_honest, true, short, Warn),
            (Block, surely_honest, true, short, Review),
            (Review, surely_flagged, true, short, Review),
            (Allow, flagged, true, short, Allow),
            (Warn, surely_flagged, true, short, Warn),
        ];
        for (tier, p, scored, long, after) in cases {
            assert_eq!(
                m.adjust(tier, p, scored, long),
                after,
                "{tier:?} at {p} (long: {long}, scored: {scored})"
            );
        }
    }

    #[test]
    fn it_never_lowers_a_text_longer_than_it_reads() {
        let m = Model::builtin();
        let filler =
            "Friendly hotel in the old town hires kitchen and cleaning staff, paid holidays. ";
        let text = filler.repeat(2 * m.max_bytes() / filler.len());
        let honest = || filler.to_string();
        let step = m.step(Tier::Warn, &text, true, honest);
        assert!(
            step.p < m.below(),
            "must read as honest for this test to mean anything: {step:?}"
        );
        assert_eq!(step.tier, Tier::Warn);
        // Cut to what it reads, the same text is lowered.
        let mut end = m.max_bytes();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = m.step(Tier::Warn, &text[..end], true, honest);
        assert_eq!((cut.p, cut.tier), (step.p, Tier::Allow));
    }

    #[test]
    fn the_text_around_the_evidence_bounds_the_step_down() {
        use Tier::*;
        let (flagged, sure) = (
            (EVIDENCE_FLAGGED + EVIDENCE_SURE) / 2.0,
            (EVIDENCE_SURE + 1.0) / 2.0,
        );
        // (rules' tier, tier after the whole text's reading, evidence, after)
        let cases = [
            (Review, Allow, 0.5, Allow),
            (Review, Allow, flagged, Warn),
            (Review, Allow, sure, Review),
            (Block, Warn, flagged, Review),
            (Block, Review, flagged, Review),
            (Warn, Allow, flagged, Allow),
            (Warn, Allow, sure, Warn),
        ];
        for (tier, after, e, bound) in cases {
            assert_eq!(
                bounded(tier, after, e),
                bound,
                "{tier:?} to {after:?} at {e}"
            );
        }
    }

    #[test]
    fn the_evidence_is_read_only_before_a_step_down() {
        let m = Model::builtin();
        let ad = "Friendly hotel in the old town hires kitchen and cleaning staff, paid holidays. "
            .repeat(3);
        let ad = ad.as_str();
        let mut read = false;
        let step = m.step(Tier::Review, ad, true, || {
            read = true;
            ad.to_string()
        });
        assert!(
            step.tier < Tier::Review,
            "must be lowered for this test to mean anything: {step:?}"
        );
        assert!(read && step.evidence == Some(step.p) && !step.held);
        // Evidence too short to read is not read.
        let step = m.step(Tier::Review, ad, true, || "Home sweet home.".to_string());
        assert_eq!((step.evidence, step.held), (None, false));
        assert!(step.tier < Tier::Review);
        // Nothing to lower: the evidence is not read.
        let step = m.step(Tier::Allow, ad, true, || unreachable!());
        assert_eq!((step.tier, step.evidence), (Tier::Allow, None));
    }

    #[test]
    fn a_model_of_the_first_format_moves_one_step_only() {
        // The first format is the current one without the outer bounds.
        let mut first = BUILTIN[..48].to_vec();
        first[..8].copy_from_slice(MAGIC_1);
        first.extend_from_slice(&BUILTIN[64..]);
        let m = Model::from_bytes(&first).unwrap();
        assert_eq!((m.far_below(), m.block_above()), (0.0, 1.0));
        assert_eq!(m.adjust(Tier::Block, 0.0, true, true), Tier::Review);
        assert_eq!(m.adjust(Tier::Review, 1.0, true, true), Tier::Review);
        let text = "Trabajo en el extranjero, el pasaporte queda con la agencia.";
        assert_eq!(m.probability(text), Model::builtin().probability(text));
    }

    #[test]
    fn only_the_first_max_bytes_are_read() {
        let m = Model::builtin();
        let ad = "Trabajo en el extranjero, el pasaporte queda con la agencia. ";
        let long = ad.repeat(m.max_bytes() / ad.len() + 10);
        let longer = format!("{long}{}", "palabra ".repeat(100_000));
        assert_eq!(m.probability(&long), m.probability(&longer));
        // A cut inside a character is moved back to a boundary.
        let wide = "é".repeat(m.max_bytes());
        assert!((0.0..=1.0).contains(&m.probability(&wide)));
    }
}
