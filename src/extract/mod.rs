//! Contact and entity extraction.
//!
//! Investigators link trafficking ads through the contact details they
//! share, and traffickers hide those details from scrapers; the JRSA/NIJ
//! study of escort ads found obscured contact numbers to be one of the few
//! indicators that predict trafficking. The extractors read the *entity
//! form* of each field (Unicode digits as ASCII, keycap emoji and number
//! words as digits, look-alikes folded, no leetspeak), find phone numbers,
//! e-mail addresses, URLs, messaging handles and app invitations, prices
//! and stated ages, and say how each was written.
//!
//! Contact values are personal data. They leave the engine only when the
//! caller asks ([`EntityOptions::raw_values`]); with a deployment key
//! ([`EntityOptions::key`]) each contact also carries a keyed hash
//! (HMAC-SHA-256 of its canonical value) so a platform can link ads that
//! share a contact without storing it.

mod age;
mod amount;
mod contact;
mod intl;
mod phone;
mod text;

use std::fmt;
use std::ops::Range;

use hmac::{Hmac, Mac};
use serde::{Serialize, Serializer};
use sha2::Sha256;

use crate::normalize::{
    entity_chars, Char, F_COMPAT, F_CONFUSABLE, F_DIACRITIC, F_EMOJI, F_INVISIBLE, F_NUMBER_WORDS,
};
use crate::submission::Submission;
use text::Text;

/// What an [`Entity`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A phone number. Canonical value: digits, with `+` and the country
    /// code when the number states one or is a North American number
    /// (`+12025550147`).
    Phone,
    /// An e-mail address, canonical `local@domain` in lowercase.
    Email,
    /// A URL or bare domain, canonical host (without `www.`) and path.
    Url,
    /// A handle on a messaging app or social network, canonical without
    /// `@`, lowercase; [`Entity::platform`] names the app when the text does.
    Handle,
    /// An invitation to move to a messaging app without a handle ("text me
    /// on the app", "WhatsApp only"); the value is the platform.
    Messaging,
    /// A price or rate; [`Entity::number`] is the amount.
    Price,
    /// A stated age; [`Entity::number`] is the age in years.
    Age,
}

impl EntityKind {
    /// The kind's name as used in packs and output (`phone`, `email`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Phone => "phone",
            EntityKind::Email => "email",
            EntityKind::Url => "url",
            EntityKind::Handle => "handle",
            EntityKind::Messaging => "messaging",
            EntityKind::Price => "price",
            EntityKind::Age => "age",
        }
    }

    /// Parses a kind name.
    pub fn parse(s: &str) -> Option<EntityKind> {
        Some(match s {
            "phone" => EntityKind::Phone,
            "email" => EntityKind::Email,
            "url" => EntityKind::Url,
            "handle" => EntityKind::Handle,
            "messaging" => EntityKind::Messaging,
            "price" => EntityKind::Price,
            "age" => EntityKind::Age,
            _ => return None,
        })
    }

    /// All kinds.
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Phone,
        EntityKind::Email,
        EntityKind::Url,
        EntityKind::Handle,
        EntityKind::Messaging,
        EntityKind::Price,
        EntityKind::Age,
    ];

    /// Whether the value identifies a person or account (phone, e-mail,
    /// URL, handle): such values are returned only on request and hashed
    /// with the deployment key.
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            EntityKind::Phone | EntityKind::Email | EntityKind::Url | EntityKind::Handle
        )
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ways an entity was written to escape a scraper.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Techniques(u16);

pub(crate) const T_NUMBER_WORDS: u16 = 1;
pub(crate) const T_LETTERS: u16 = 2;
pub(crate) const T_UNICODE_DIGITS: u16 = 4;
pub(crate) const T_EMOJI: u16 = 8;
pub(crate) const T_SPACED: u16 = 16;
pub(crate) const T_LINE_BREAK: u16 = 32;
pub(crate) const T_SEPARATORS: u16 = 64;
pub(crate) const T_SPELLED_AT: u16 = 128;
pub(crate) const T_SPELLED_DOT: u16 = 256;
pub(crate) const T_BRACKETS: u16 = 512;
pub(crate) const T_INVISIBLE: u16 = 1024;
pub(crate) const T_LOOKALIKE: u16 = 2048;
pub(crate) const T_COMPAT: u16 = 4096;
pub(crate) const T_SPACING: u16 = 8192;

const TECHNIQUE_NAMES: [(u16, &str); 14] = [
    (T_NUMBER_WORDS, "number-words"),
    (T_LETTERS, "letters-for-digits"),
    (T_UNICODE_DIGITS, "unicode-digits"),
    (T_EMOJI, "emoji"),
    (T_SPACED, "spaced"),
    (T_LINE_BREAK, "line-break"),
    (T_SEPARATORS, "separators"),
    (T_SPELLED_AT, "spelled-at"),
    (T_SPELLED_DOT, "spelled-dot"),
    (T_BRACKETS, "brackets"),
    (T_INVISIBLE, "invisible"),
    (T_LOOKALIKE, "look-alikes"),
    (T_COMPAT, "compatibility"),
    (T_SPACING, "spacing"),
];

impl Techniques {
    /// Written plainly.
    pub const PLAIN: Techniques = Techniques(0);

    /// The names of the techniques: `number-words`, `letters-for-digits`,
    /// `unicode-digits`, `emoji`, `spaced`, `line-break`, `separators`,
    /// `spelled-at`, `spelled-dot`, `brackets`, `invisible`, `look-alikes`,
    /// `compatibility`, `spacing`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        TECHNIQUE_NAMES
            .iter()
            .filter(move |(t, _)| self.0 & t != 0)
            .map(|(_, n)| *n)
    }

    /// Whether the entity was written plainly.
    pub fn is_plain(self) -> bool {
        self.0 == 0
    }

    /// Whether a named technique was used.
    pub fn contains(self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    pub(crate) fn from_bits(bits: u16) -> Techniques {
        Techniques(bits)
    }

    /// The bit of a technique name.
    pub(crate) fn bit(name: &str) -> Option<u16> {
        TECHNIQUE_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(t, _)| *t)
    }

    /// Whether any of the techniques in a bit mask was used.
    pub(crate) fn any(self, mask: u16) -> bool {
        self.0 & mask != 0
    }

    /// Every technique name.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        TECHNIQUE_NAMES.iter().map(|(_, n)| *n)
    }
}

impl fmt::Debug for Techniques {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plain() {
            return f.write_str("[plain]");
        }
        f.debug_list().entries(self.names()).finish()
    }
}

/// Serialised as `["plain"]` or the list of techniques.
impl Serialize for Techniques {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_plain() {
            return ["plain"].serialize(s);
        }
        s.collect_seq(self.names())
    }
}

/// What to return about entities.
///
/// ```
/// let opts = redflag::EntityOptions { raw_values: true, key: Some(b"deployment key".to_vec()), ..Default::default() };
/// let ad = redflag::Submission::new().field("body", "call five five five oh one four seven");
/// let e = &redflag::extract_entities(&ad, &opts)[0];
/// assert_eq!(e.value.as_deref(), Some("5550147"));
/// assert_eq!(e.hash.as_ref().map(|h| h.len()), Some(64));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EntityOptions {
    /// Return the canonical values of contact entities (reviewer tools).
    /// Off by default: poster-facing code never needs them. Prices and ages
    /// always carry their value.
    pub raw_values: bool,
    /// The deployment key for keyed hashes (HMAC-SHA-256 of
    /// `kind:canonical value`). Without a key no hash is emitted.
    pub key: Option<Vec<u8>>,
    /// Most entities returned per submission (default 256, as
    /// [`crate::Limits::max_entities`]).
    pub max_entities: usize,
}

impl Default for EntityOptions {
    fn default() -> Self {
        EntityOptions {
            raw_values: false,
            key: None,
            max_entities: 256,
        }
    }
}

impl fmt::Debug for EntityOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntityOptions")
            .field("raw_values", &self.raw_values)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("max_entities", &self.max_entities)
            .finish()
    }
}

/// A contact detail, price or age found in a submission.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entity {
    /// What it is.
    pub kind: EntityKind,
    /// The field it was found in.
    pub field: String,
    /// Start in UTF-16 code units of the original field text.
    pub start: usize,
    /// End (exclusive) in UTF-16 code units.
    pub end: usize,
    /// Start in bytes of the original field text.
    pub byte_start: usize,
    /// End (exclusive) in bytes.
    pub byte_end: usize,
    /// How it was written: `["plain"]` or the obfuscation techniques seen.
    pub written: Techniques,
    /// Whether any obfuscation technique was seen.
    pub obfuscated: bool,
    /// The canonical value. Always present for prices, ages and messaging
    /// invitations; for contacts only with [`EntityOptions::raw_values`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Hex HMAC-SHA-256 of `kind:value` with the deployment key (contacts
    /// only, and only with a key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// The messaging app or network named (`whatsapp`, `telegram`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The amount of a price, or an age in years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<f64>,
    /// The currency of a price (`USD`, `EUR`, `GBP`, `BRL`, `MXN`, `$`,
    /// `roses`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The period of a rate (`hour`, `half-hour`, `night`, `day`, `week`,
    /// `month`, `session`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

/// An entity as found, before output shaping. Spans are in bytes of the
/// original field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Found {
    pub kind: EntityKind,
    pub bytes: Range<usize>,
    pub value: String,
    pub techniques: u16,
    pub platform: Option<&'static str>,
    pub number: Option<f64>,
    pub currency: Option<&'static str>,
    pub per: Option<&'static str>,
}

/// An entity while extracting: a span of the entity form (character
/// indices).
#[derive(Clone, Debug)]
pub(super) struct Cand {
    pub kind: EntityKind,
    pub s: usize,
    pub e: usize,
    pub value: String,
    pub techniques: u16,
    pub platform: Option<&'static str>,
    pub number: Option<f64>,
    pub currency: Option<&'static str>,
    pub per: Option<&'static str>,
}

impl Cand {
    pub fn new(kind: EntityKind, s: usize, e: usize, value: String, techniques: u16) -> Cand {
        Cand {
            kind,
            s,
            e,
            value,
            techniques,
            platform: None,
            number: None,
            currency: None,
            per: None,
        }
    }
}

/// Characters already claimed by an entity (one flag per character, so
/// every check is O(1) or O(span) and extraction stays linear).
pub(super) struct Taken(Vec<bool>);

impl Taken {
    pub fn new(len: usize) -> Taken {
        Taken(vec![false; len])
    }
    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(false)
    }
    pub fn overlaps(&self, s: usize, e: usize) -> bool {
        let e = e.min(self.0.len());
        s < e && self.0[s..e].iter().any(|&b| b)
    }
    pub fn add(&mut self, s: usize, e: usize) {
        let e = e.min(self.0.len());
        if s < e {
            self.0[s..e].iter_mut().for_each(|b| *b = true);
        }
    }
}

/// Techniques implied by the normaliser's flags on `c[s..e]`.
fn char_techniques(t: &Text<'_>, s: usize, e: usize) -> u16 {
    let mut out = 0;
    for c in &t.c[s.min(t.len())..e.min(t.len())] {
        if c.flags & F_NUMBER_WORDS != 0 {
            out |= T_NUMBER_WORDS;
        }
        if c.flags & F_EMOJI != 0 {
            out |= T_EMOJI;
        }
        if c.flags & F_INVISIBLE != 0 {
            out |= T_INVISIBLE;
        }
        if c.flags & F_CONFUSABLE != 0 {
            out |= T_LOOKALIKE;
        }
        if c.flags & F_COMPAT != 0 && c.flags & F_NUMBER_WORDS == 0 {
            out |= if c.ch.is_ascii_digit() {
                T_UNICODE_DIGITS
            } else {
                T_COMPAT
            };
        }
    }
    out
}

/// Finds the entities of one text, spans in bytes of `text`, in text order.
pub(crate) fn find(text: &str) -> Vec<Found> {
    find_kinds(text, ALL_KINDS)
}

/// A bit per [`EntityKind`].
pub(crate) const fn kind_bit(k: EntityKind) -> u8 {
    1 << (k as u8)
}

/// Every kind.
pub(crate) const ALL_KINDS: u8 = (1 << 7) - 1;

/// The kinds whose extractors must also run so that `kinds` come out right:
/// an e-mail's domain must not become a URL, a price or an age must not
/// become a phone number, and so on.
pub(crate) fn with_dependencies(kinds: u8) -> u8 {
    use EntityKind::*;
    let mut k = kinds;
    if k & kind_bit(Messaging) != 0 {
        k |= kind_bit(Handle);
    }
    if k & kind_bit(Phone) != 0 {
        k |= kind_bit(Price) | kind_bit(Age) | kind_bit(Url);
    }
    if k & kind_bit(Handle) != 0 {
        k |= kind_bit(Url);
    }
    if k & kind_bit(Url) != 0 {
        k |= kind_bit(Email);
    }
    k
}

type Extractor = fn(&Text<'_>, &mut Taken, &mut Vec<Cand>);

/// The extractors in the order they run. Order matters: an e-mail's domain
/// is not also a URL, a price or an age is not also a phone number, a
/// handle is not also an app invitation.
const EXTRACTORS: [(EntityKind, Extractor); 7] = [
    (EntityKind::Email, contact::emails),
    (EntityKind::Url, contact::urls),
    (EntityKind::Handle, contact::handles),
    (EntityKind::Price, prices),
    (EntityKind::Age, ages),
    (EntityKind::Phone, phone::phones),
    (EntityKind::Messaging, contact::messaging),
];

/// Prices: those of English, Spanish, French and Portuguese first, then
/// those of the other languages.
fn prices(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    amount::prices(t, taken, out);
    intl::prices(t, taken, out);
}

/// Ages: those of English, Spanish, French and Portuguese (and Romanian
/// "ani") first, then those of the other languages.
fn ages(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    age::ages(t, taken, out);
    intl::ages(t, taken, out);
}

/// Finds entities of the given kinds (a mask of [`kind_bit`]s); only the
/// extractors needed run.
pub(crate) fn find_kinds(text: &str, kinds: u8) -> Vec<Found> {
    if kinds == 0 {
        return Vec::new();
    }
    let form = Form::new(text);
    form.find(text, form.possible(kinds))
}

/// The entity form of one text, made once and read by each extraction
/// asked of it (the engine reads some kinds when a rule first looks at
/// them, others later).
pub(crate) struct Form {
    chars: Vec<Char>,
}

impl Form {
    pub(crate) fn new(text: &str) -> Form {
        Form {
            chars: entity_chars(text),
        }
    }

    /// `kinds` less those the text cannot hold: phone numbers, unless a
    /// run of digit groups is long enough for one (the phone reader's own
    /// walk, without its judgement). The other kinds are kept.
    pub(crate) fn possible(&self, kinds: u8) -> u8 {
        let phone = kind_bit(EntityKind::Phone);
        if kinds & phone != 0 && !phone::may_hold(&Text::new(&self.chars)) {
            kinds & !phone
        } else {
            kinds
        }
    }

    /// The entities of `kinds` in `text`, the text this form was made of.
    /// Callers pass `kinds` through [`Form::possible`] first, so that a
    /// kind the text cannot hold runs no extractor, nor those it depends
    /// on.
    pub(crate) fn find(&self, text: &str, kinds: u8) -> Vec<Found> {
        if kinds == 0 {
            return Vec::new();
        }
        let chars = &self.chars;
        let run = with_dependencies(kinds);
        let on = |k: EntityKind| run & kind_bit(k) != 0;
        let t = Text::new(chars);
        let mut taken = Taken::new(chars.len());
        let mut cands: Vec<Cand> = Vec::new();
        for (kind, extractor) in EXTRACTORS {
            if on(kind) {
                extractor(&t, &mut taken, &mut cands);
            }
        }
        cands.retain(|c| kinds & kind_bit(c.kind) != 0);
        crate::sort::by_key(&mut cands, |c| {
            crate::sort::key4(0, 0, c.s as u32, c.e as u32)
        });
        cands
            .into_iter()
            .filter(|c| c.s < c.e && c.e <= chars.len())
            .map(|c| {
                let start = chars[c.s].start as usize;
                let end = chars[c.s..c.e]
                    .iter()
                    .map(|x| x.end as usize)
                    .max()
                    .unwrap_or(start);
                let end = with_trailing_marks(text, end, chars.get(c.e).map(|x| x.start as usize));
                Found {
                    kind: c.kind,
                    bytes: start..end.max(start),
                    value: c.value,
                    techniques: c.techniques | char_techniques(&t, c.s, c.e),
                    platform: c.platform,
                    number: c.number,
                    currency: c.currency,
                    per: c.per,
                }
            })
            .collect()
    }
}

/// Extends a span's end over the combining marks the entity form dropped
/// right after it (a Thai vowel sign, a Devanagari virama, a decomposed
/// accent), so a span never cuts a written syllable in two.
fn with_trailing_marks(text: &str, end: usize, next: Option<usize>) -> usize {
    let stop = next.unwrap_or(text.len()).min(text.len());
    let Some(gap) = text.get(end..stop) else {
        return end;
    };
    let mut e = end;
    for ch in gap.chars() {
        let mark = matches!(
            crate::normalize::table::fold(ch),
            crate::normalize::table::Fold::Str("", f) if f & F_DIACRITIC != 0
        );
        if !mark {
            break;
        }
        e += ch.len_utf8();
    }
    e
}

/// Keyed hash of a contact value: lowercase hex of
/// HMAC-SHA-256(key, `kind:value`).
pub(crate) fn keyed_hash(key: &[u8], kind: EntityKind, value: &str) -> String {
    // HMAC accepts keys of any length; the error branch cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(kind.as_str().as_bytes());
    mac.update(b":");
    mac.update(value.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(64);
    for b in bytes {
        out.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    out
}

/// Shapes found entities for output: UTF-16 spans, values and hashes as
/// the options allow.
pub(crate) fn shape(
    field: &str,
    original: &str,
    found: &[Found],
    opts: &EntityOptions,
) -> Vec<Entity> {
    let mut offs: Vec<usize> = found
        .iter()
        .flat_map(|f| [f.bytes.start, f.bytes.end])
        .collect();
    offs.sort_unstable();
    offs.dedup();
    let utf16 = crate::utf16::utf16_offsets(original, &offs);
    let at = |b: usize| {
        utf16
            .binary_search_by_key(&b, |p| p.0)
            .map_or(0, |i| utf16[i].1)
    };
    found
        .iter()
        .map(|f| {
            let contact = f.kind.is_contact();
            Entity {
                kind: f.kind,
                field: field.to_string(),
                start: at(f.bytes.start),
                end: at(f.bytes.end),
                byte_start: f.bytes.start,
                byte_end: f.bytes.end,
                written: Techniques(f.techniques),
                obfuscated: f.techniques != 0,
                value: (!contact || opts.raw_values).then(|| f.value.clone()),
                hash: match (&opts.key, contact) {
                    (Some(k), true) => Some(keyed_hash(k, f.kind, &f.value)),
                    _ => None,
                },
                platform: f.platform.map(str::to_string),
                number: f.number,
                currency: f.currency.map(str::to_string),
                per: f.per.map(str::to_string),
            }
        })
        .collect()
}

/// Extracts the entities of every field of a submission, without an
/// engine.
///
/// ```
/// use redflag::{extract_entities, EntityKind, EntityOptions, Submission};
///
/// let ad = Submission::new()
///     .field("title", "Sweet new girl")
///     .field("body", "txt me 2O2-555-O1４7 or sweetpea99 (at) example (dot) com, 150 roses/hh");
/// let opts = EntityOptions { raw_values: true, ..Default::default() };
/// let found = extract_entities(&ad, &opts);
/// let summary: Vec<(EntityKind, &str, bool)> = found
///     .iter()
///     .map(|e| (e.kind, e.value.as_deref().unwrap_or(""), e.obfuscated))
///     .collect();
/// assert_eq!(summary, [
///     (EntityKind::Phone, "+12025550147", true),
///     (EntityKind::Email, "sweetpea99@example.com", true),
///     (EntityKind::Price, "150 roses/half-hour", false),
/// ]);
/// // Spans are UTF-16 offsets of the original text.
/// let body: Vec<u16> = "txt me 2O2-555-O1４7".encode_utf16().collect();
/// assert_eq!(String::from_utf16_lossy(&body[found[0].start..found[0].end]), "2O2-555-O1４7");
///
/// // Without `raw_values` contacts carry no value.
/// assert!(extract_entities(&ad, &EntityOptions::default())[0].value.is_none());
/// ```
pub fn extract_entities(sub: &Submission, opts: &EntityOptions) -> Vec<Entity> {
    let mut out = Vec::new();
    for (name, text) in sub.fields() {
        let room = opts.max_entities.saturating_sub(out.len());
        let mut found = find(text);
        found.truncate(room);
        out.extend(shape(name, text, &found, opts));
    }
    out
}

#[cfg(test)]
mod tests;
