//! Compiled packs as bytes: the built-in packs ship pre-compiled.
//!
//! Reading packs from JSON, normalising every term and compiling every
//! condition took most of an engine's start-up, which a browser page or a
//! cold edge worker pays on every load. `redflag pack --image` writes the
//! built-in packs compiled (rules, conditions, terms in matching form,
//! lists, filters; not the inline tests, which ship in
//! `default-packs.json`) in this compact form; the package build
//! embeds it in the `.wasm` (see `build.rs`), and an engine then only
//! decodes it and builds the automaton.
//!
//! The format is private to one build of this crate: integers are LEB128,
//! sequences are length-prefixed, id sets are written as differences, every
//! string is stored once after the header (and checked as UTF-8 in one
//! pass when read), and the header names the
//! format, the crate version and the Unicode tables' id (terms are stored in
//! the matching form those tables define), so an image from another version
//! or another table is refused (and the packs are compiled from JSON
//! instead).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::compile::{Compiled, Cond, EntityCond, Filter, Patterns, Rule, Term};
use crate::extract::EntityKind;
use crate::normalize::table::TABLE_ID;
use crate::pack::{Status, Strength};
use crate::tier::{Thresholds, Tier};
use crate::verdict::PackInfo;

const MAGIC: &[u8; 8] = b"redflag\0";
/// Bump when the layout below changes.
const FORMAT: u64 = 7;

/// Encodes compiled packs. What compiling derives from the rules (the
/// automaton, term → rule and pattern → term tables, evaluation order,
/// id ranks) is not stored: loading compiles on top of the image and
/// derives them again.
pub(crate) fn encode(c: &Compiled) -> Vec<u8> {
    let mut w = W {
        out: Vec::with_capacity(256 << 10),
        heap: String::with_capacity(512 << 10),
        seen: HashMap::new(),
    };
    w.u(c.packs.len() as u64);
    for p in &c.packs {
        w.s(&p.id);
        w.s(&p.version);
    }
    w.thresholds(&c.thresholds);
    w.thresholds(&c.pack_thresholds);
    w.strs(c.explainable.iter());
    w.u(c.terms.len() as u64);
    for t in &c.terms {
        w.u(u64::from(t.left) | u64::from(t.right) << 1);
    }
    w.u(c.rules.len() as u64);
    for r in &c.rules {
        w.rule(r);
    }
    w.u(c.filters.len() as u64);
    for f in &c.filters {
        w.s(&f.id);
        w.u32s(&f.rules);
        w.u(f.langs.into());
        w.u(f.sections.into());
        w.strs(f.fields.iter());
        match &f.when {
            None => w.u(0),
            Some(cond) => {
                w.u(1);
                w.cond(cond);
            }
        }
    }
    w.b(c.uses_entities);
    let lists: BTreeMap<&String, &Vec<u32>> = c.lists.iter().collect();
    w.u(lists.len() as u64);
    for (name, ids) in lists {
        w.s(name);
        w.u32s(ids);
    }
    w.strs(c.pattern_list.iter());
    // Per pattern, a mask of the boundary flavours it has terms for, then
    // those term ids as differences from the last id written.
    w.u(c.pattern_flavours.len() as u64);
    let mut prev = 0i64;
    for f in &c.pattern_flavours {
        let mask = f
            .iter()
            .enumerate()
            .filter(|(_, &t)| t != u32::MAX)
            .fold(0u64, |m, (k, _)| m | 1 << k);
        w.u(mask);
        for &t in f.iter().filter(|&&t| t != u32::MAX) {
            w.i(i64::from(t) - prev);
            prev = i64::from(t);
        }
    }
    // The header, then every string once (validated as UTF-8 in one go
    // when read), then the rest.
    let mut head = W {
        out: Vec::with_capacity(w.out.len() + w.heap.len() + 64),
        heap: String::new(),
        seen: HashMap::new(),
    };
    head.out.extend_from_slice(MAGIC);
    head.u(FORMAT);
    head.bytes(env!("CARGO_PKG_VERSION").as_bytes());
    head.bytes(TABLE_ID.as_bytes());
    head.bytes(w.heap.as_bytes());
    head.out.extend_from_slice(&w.out);
    head.out
}

/// Decodes an image written by [`encode`] of this very crate version. The
/// automaton is not built. (Builds embed the image split, see
/// [`decode_split`]; the tests read it whole.)
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8]) -> Result<Compiled, String> {
    decode_from(R::open(bytes, None)?)
}

/// Decodes an image split by [`crate::image_split::split`]: `rest`, and
/// its strings, checked as UTF-8 when the build embedded them.
#[cfg_attr(not(any(redflag_image, test)), allow(dead_code))]
pub(crate) fn decode_split(rest: &[u8], strings: &str) -> Result<Compiled, String> {
    decode_from(R::open(rest, Some(strings))?)
}

#[cfg_attr(not(any(redflag_image, test)), allow(dead_code))]
fn decode_from(mut r: R<'_>) -> Result<Compiled, String> {
    let mut c = Compiled::default();
    for _ in 0..r.len()? {
        let id = r.s()?;
        let version = r.s()?;
        c.packs.push(PackInfo { id, version });
    }
    c.thresholds = r.thresholds()?;
    c.pack_thresholds = r.thresholds()?;
    c.explainable = r.strs()?.into_iter().collect::<BTreeSet<_>>();
    let n = r.len()?;
    r.terms = u32::try_from(n).map_err(|_| "pack image: too many terms")?;
    c.terms.reserve_exact(n);
    for _ in 0..n {
        let k = r.u()?;
        c.terms.push(Term {
            left: k & 1 != 0,
            right: k & 2 != 0,
        });
    }
    let n = r.len()?;
    r.rules = u32::try_from(n).map_err(|_| "pack image: too many rules")?;
    c.rules.reserve_exact(n);
    for _ in 0..n {
        c.rules.push(r.rule()?);
    }
    for _ in 0..r.len()? {
        c.filters.push(r.filter()?);
    }
    c.uses_entities = r.b()?;
    let mut lists = HashMap::new();
    for _ in 0..r.len()? {
        let name = r.s()?;
        lists.insert(name, r.term_ids()?);
    }
    c.lists = lists;
    c.pattern_list = r.patterns()?;
    c.pattern_flavours = r.pattern_flavours()?;
    c.rule_index = c
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.clone(), i as u32))
        .collect();
    if r.i != r.b.len() {
        return Err("trailing bytes in pack image".into());
    }
    // The ids were checked as they were read; what is left is cheap.
    if c.pattern_flavours.len() != c.pattern_list.len()
        || c.pattern_list.iter().any(str::is_empty)
        || c.rules.iter().any(|r| r.pack >= c.packs.len())
    {
        return Err("pack image: bad rule or pattern".into());
    }
    Ok(c)
}

/// Indices in a decoded image point where they should: what [`decode`]
/// makes sure of as it reads, walked once more by the tests of damaged
/// images.
#[cfg(test)]
fn check(c: &Compiled) -> Result<(), String> {
    let (nr, nt, np) = (c.rules.len(), c.terms.len(), c.pattern_list.len());
    let bad = |what: &str| Err(format!("pack image: bad {what}"));
    let terms_ok = |ts: &[u32]| ts.iter().all(|&t| (t as usize) < nt);
    let _ = np;
    let rules_ok = |rs: &[u32]| rs.iter().all(|&r| (r as usize) < nr);
    fn cond_ok(c: &Cond, nt: usize, nr: usize) -> bool {
        let t = |ts: &[u32]| ts.iter().all(|&x| (x as usize) < nt);
        match c {
            Cond::Any(ts) | Cond::All(ts) | Cond::NoneOf(ts) => t(ts),
            Cond::Near { a, b, .. } => t(a) && t(b),
            Cond::AtLeast(_, cs) | Cond::And(cs) | Cond::Or(cs) => {
                cs.iter().all(|c| cond_ok(c, nt, nr))
            }
            Cond::Not(c) => cond_ok(c, nt, nr),
            Cond::Rule(r) => (*r as usize) < nr,
            Cond::Rules(rs, _) => rs.iter().all(|&r| (r as usize) < nr),
            Cond::Entity(e) => t(&e.near),
        }
    }
    if c.pattern_flavours.len() != np
        || !c
            .pattern_flavours
            .iter()
            .all(|f| f.iter().all(|&t| t == u32::MAX || (t as usize) < nt))
    {
        return bad("pattern flavours");
    }
    for r in &c.rules {
        if r.pack >= c.packs.len() || !cond_ok(&r.cond, nt, nr) || !terms_ok(&r.exceptions) {
            return bad("rule");
        }
    }
    for f in &c.filters {
        if !rules_ok(&f.rules) || !f.when.as_ref().is_none_or(|w| cond_ok(w, nt, nr)) {
            return bad("filter");
        }
    }
    if c.pattern_list.iter().any(str::is_empty) {
        return bad("pattern");
    }
    if !c.lists.values().all(|ids| terms_ok(ids)) {
        return bad("list");
    }
    Ok(())
}

/// The image writer: the body, and the strings it names, each stored once.
struct W {
    out: Vec<u8>,
    heap: String,
    /// Where each string is in `heap`.
    seen: HashMap<String, usize>,
}

impl W {
    fn u(&mut self, mut x: u64) {
        loop {
            let b = (x & 0x7f) as u8;
            x >>= 7;
            if x == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }
    fn i(&mut self, x: i64) {
        self.u(((x << 1) ^ (x >> 63)) as u64);
    }
    fn b(&mut self, x: bool) {
        self.out.push(u8::from(x));
    }
    fn f(&mut self, x: f64) {
        self.out.extend_from_slice(&x.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u(b.len() as u64);
        self.out.extend_from_slice(b);
    }
    /// A string: `len << 1` if it is new (it follows the last new one in
    /// the heap), else `len << 1 | 1` and where it is.
    fn s(&mut self, s: &str) {
        match self.seen.get(s) {
            Some(&at) => {
                self.u((s.len() as u64) << 1 | 1);
                self.u(at as u64);
            }
            None => {
                self.u((s.len() as u64) << 1);
                self.seen.insert(s.to_string(), self.heap.len());
                self.heap.push_str(s);
            }
        }
    }
    fn opt_s(&mut self, s: &Option<String>) {
        match s {
            None => self.u(0),
            Some(s) => {
                self.u(1);
                self.s(s);
            }
        }
    }
    fn strs<'a, S: AsRef<str> + ?Sized + 'a>(&mut self, v: impl ExactSizeIterator<Item = &'a S>) {
        self.u(v.len() as u64);
        for s in v {
            self.s(s.as_ref());
        }
    }
    /// Ids, each as the difference from the one before (zigzag LEB128):
    /// term and rule id sets are sorted, so most take one byte.
    fn u32s(&mut self, v: &[u32]) {
        self.u(v.len() as u64);
        let mut prev = 0i64;
        for &x in v {
            self.i(i64::from(x) - prev);
            prev = i64::from(x);
        }
    }
    fn thresholds(&mut self, t: &Thresholds) {
        self.f(t.warn);
        self.f(t.review);
        self.f(t.block);
    }
    fn rule(&mut self, r: &Rule) {
        self.s(&r.id);
        self.s(&r.title);
        self.s(&r.category);
        self.opt_s(&r.indicator);
        self.strs(r.tags.iter());
        self.u(r.pack as u64);
        self.u(r.index as u64);
        self.u(match r.status {
            Status::Stable => 0,
            Status::Experimental => 1,
        });
        self.b(r.helper);
        self.i(r.score);
        self.u(r.max_tier as u64);
        self.u(match r.strength {
            Strength::Weak => 0,
            Strength::Medium => 1,
            Strength::Strong => 2,
        });
        self.u(r.offer.into());
        self.u(r.langs.into());
        self.u(r.sections.into());
        self.strs(r.fields.iter());
        self.cond(&r.cond);
        self.u32s(&r.exceptions);
        self.u(r.window.into());
        self.opt_s(&r.poster);
        self.opt_s(&r.reviewer);
        self.strs(r.references.iter());
        self.b(r.disabled);
        self.b(r.always);
        self.u(r.entity_kinds.into());
    }
    fn cond(&mut self, c: &Cond) {
        match c {
            Cond::Any(ts) => {
                self.u(0);
                self.u32s(ts);
            }
            Cond::All(ts) => {
                self.u(1);
                self.u32s(ts);
            }
            Cond::NoneOf(ts) => {
                self.u(2);
                self.u32s(ts);
            }
            Cond::Near {
                a,
                b,
                within,
                ordered,
            } => {
                self.u(3);
                self.u32s(a);
                self.u32s(b);
                self.u((*within).into());
                self.b(*ordered);
            }
            Cond::AtLeast(n, cs) => {
                self.u(4);
                self.u((*n).into());
                self.conds(cs);
            }
            Cond::And(cs) => {
                self.u(5);
                self.conds(cs);
            }
            Cond::Or(cs) => {
                self.u(6);
                self.conds(cs);
            }
            Cond::Not(c) => {
                self.u(7);
                self.cond(c);
            }
            Cond::Rule(r) => {
                self.u(8);
                self.u((*r).into());
            }
            Cond::Rules(rs, min) => {
                self.u(9);
                self.u32s(rs);
                self.u((*min).into());
            }
            Cond::Entity(e) => {
                self.u(10);
                let kind = EntityKind::ALL.iter().position(|&k| k == e.kind);
                self.u(kind.unwrap_or(0) as u64);
                self.u(match e.obfuscated {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                });
                self.u(e.written.into());
                for x in [e.min, e.max] {
                    match x {
                        None => self.u(0),
                        Some(v) => {
                            self.u(1);
                            self.f(v);
                        }
                    }
                }
                self.strs(e.platforms.iter());
                self.u32s(&e.near);
                self.u(e.within.into());
            }
        }
    }
    fn conds(&mut self, cs: &[Cond]) {
        self.u(cs.len() as u64);
        for c in cs {
            self.cond(c);
        }
    }
}

#[cfg_attr(not(any(redflag_image, test)), allow(dead_code))]
struct R<'a> {
    b: &'a [u8],
    i: usize,
    /// The image's strings, and where the next new one starts.
    heap: &'a str,
    cursor: usize,
    /// How many terms and rules the image has, once read: every id is
    /// checked against them as it is read (a damaged image must be an
    /// error, never a panic later), rather than in a second walk.
    terms: u32,
    rules: u32,
}

/// Conditions nest at most this deep in an image (the limit on packs is
/// lower); a damaged image cannot recurse without bound.
#[cfg_attr(not(any(redflag_image, test)), allow(dead_code))]
const MAX_DEPTH: usize = 256;

#[cfg_attr(not(any(redflag_image, test)), allow(dead_code))]
impl<'a> R<'a> {
    /// A reader past the image's header, which must name this format,
    /// this crate version and this Unicode table, and past its strings
    /// (or, for a split image, with them).
    fn open(bytes: &'a [u8], strings: Option<&'a str>) -> Result<R<'a>, String> {
        let mut r = R {
            b: bytes,
            i: 0,
            heap: "",
            cursor: 0,
            terms: 0,
            rules: 0,
        };
        if r.take(MAGIC.len())? != MAGIC {
            return Err("not a redflag pack image".into());
        }
        let format = r.u()?;
        let version = r.raw_s()?;
        if format != FORMAT || version != env!("CARGO_PKG_VERSION") {
            return Err(format!(
                "pack image format {format} from redflag {version}; this is redflag {} (format {FORMAT})",
                env!("CARGO_PKG_VERSION")
            ));
        }
        let table = r.raw_s()?;
        if table != TABLE_ID {
            return Err(format!(
                "pack image compiled under Unicode table {table}; this build folds text with table {TABLE_ID}"
            ));
        }
        if let Some(strings) = strings {
            if r.u()? != strings.len() as u64 {
                return Err("pack image: its strings do not belong to it".into());
            }
            r.heap = strings;
            return Ok(r);
        }
        let n = r.len()?;
        let heap = bytes.get(r.i..r.i + n).ok_or("pack image is truncated")?;
        r.i += n;
        r.heap = std::str::from_utf8(heap).map_err(|_| "pack image: bad text")?;
        Ok(r)
    }
    fn eof<T>(&self) -> Result<T, String> {
        Err("pack image is truncated".into())
    }
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        match self.b.get(self.i..self.i.saturating_add(n)) {
            Some(s) => {
                self.i += n;
                Ok(s)
            }
            None => self.eof(),
        }
    }
    fn u(&mut self) -> Result<u64, String> {
        let mut x = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.b.get(self.i) else {
                return self.eof();
            };
            self.i += 1;
            x |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(x);
            }
        }
        Err("pack image: bad integer".into())
    }
    fn u32(&mut self) -> Result<u32, String> {
        u32::try_from(self.u()?).map_err(|_| "pack image: integer out of range".into())
    }
    fn u16(&mut self) -> Result<u16, String> {
        u16::try_from(self.u()?).map_err(|_| "pack image: integer out of range".into())
    }
    fn u8(&mut self) -> Result<u8, String> {
        u8::try_from(self.u()?).map_err(|_| "pack image: integer out of range".into())
    }
    /// A length, bounded by the bytes left (every item takes at least one).
    fn len(&mut self) -> Result<usize, String> {
        let n = self.u()?;
        if n > (self.b.len() - self.i) as u64 {
            return self.eof();
        }
        Ok(n as usize)
    }
    fn i64(&mut self) -> Result<i64, String> {
        let u = self.u()?;
        Ok((u >> 1) as i64 ^ -((u & 1) as i64))
    }
    fn b(&mut self) -> Result<bool, String> {
        Ok(self.take(1)?[0] != 0)
    }
    fn f(&mut self) -> Result<f64, String> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(f64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }
    /// A string of the header, before the heap.
    fn raw_s(&mut self) -> Result<String, String> {
        String::from_utf8(self.bytes()?).map_err(|_| "pack image: bad text".into())
    }
    fn s(&mut self) -> Result<String, String> {
        self.s_ref().map(str::to_string)
    }
    /// A string, borrowed from the image's strings.
    fn s_ref(&mut self) -> Result<&'a str, String> {
        let k = self.u()?;
        let len = usize::try_from(k >> 1).map_err(|_| "pack image: bad text")?;
        let at = if k & 1 == 0 {
            let at = self.cursor;
            self.cursor = at.saturating_add(len);
            at
        } else {
            usize::try_from(self.u()?).map_err(|_| "pack image: bad text")?
        };
        self.heap
            .get(at..at.saturating_add(len))
            .ok_or_else(|| "pack image: bad text".into())
    }
    /// The patterns, into one string (see [`Patterns`]).
    fn patterns(&mut self) -> Result<Patterns, String> {
        let n = self.len()?;
        let mut out = Patterns::with_capacity(n, self.heap.len());
        for _ in 0..n {
            out.push(self.s_ref()?);
        }
        Ok(out)
    }
    fn opt_s(&mut self) -> Result<Option<String>, String> {
        Ok(match self.u()? {
            0 => None,
            _ => Some(self.s()?),
        })
    }
    // The sequences below are read into vectors of their written length
    // (`len` bounds it by the bytes left): collecting an iterator of
    // results would grow each one step by step, and decoding the built-in
    // packs is most of an engine's start-up.
    fn strs(&mut self) -> Result<Vec<String>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.s()?);
        }
        Ok(out)
    }
    /// Ids below `limit`, each written as the difference from the one
    /// before.
    fn ids(&mut self, limit: u32) -> Result<Vec<u32>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        let mut prev = 0i64;
        for _ in 0..n {
            prev = prev
                .checked_add(self.i64()?)
                .filter(|x| (0..i64::from(limit)).contains(x))
                .ok_or("pack image: id out of range")?;
            out.push(prev as u32);
        }
        Ok(out)
    }
    fn term_ids(&mut self) -> Result<Vec<u32>, String> {
        self.ids(self.terms)
    }
    fn rule_ids(&mut self) -> Result<Vec<u32>, String> {
        self.ids(self.rules)
    }
    fn thresholds(&mut self) -> Result<Thresholds, String> {
        Ok(Thresholds {
            warn: self.f()?,
            review: self.f()?,
            block: self.f()?,
        })
    }
    fn tier(&mut self) -> Result<Tier, String> {
        Ok(match self.u()? {
            0 => Tier::Allow,
            1 => Tier::Warn,
            2 => Tier::Review,
            3 => Tier::Block,
            _ => return Err("pack image: bad tier".into()),
        })
    }
    fn filter(&mut self) -> Result<Filter, String> {
        let id = self.s()?;
        let rules = self.rule_ids()?;
        let langs = self.u16()?;
        let sections = self.u8()?;
        let fields = self.strs()?;
        let when = match self.u()? {
            0 => None,
            _ => Some(self.cond(0)?),
        };
        Ok(Filter {
            id,
            rules,
            langs,
            sections,
            fields,
            when,
        })
    }
    /// Per pattern, the term of each boundary flavour (`u32::MAX`: none),
    /// written as a mask and differences (see [`encode`]).
    fn pattern_flavours(&mut self) -> Result<Vec<[u32; 4]>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        let mut prev = 0i64;
        for _ in 0..n {
            let mask = self.u()?;
            if mask > 0b1111 {
                return Err("pack image: bad flavour mask".into());
            }
            let mut f = [u32::MAX; 4];
            for (k, t) in f.iter_mut().enumerate() {
                if mask & 1 << k != 0 {
                    prev = prev
                        .checked_add(self.i64()?)
                        .filter(|x| (0..i64::from(self.terms)).contains(x))
                        .ok_or("pack image: term id out of range")?;
                    *t = prev as u32;
                }
            }
            out.push(f);
        }
        Ok(out)
    }
    fn rule(&mut self) -> Result<Rule, String> {
        Ok(Rule {
            id: self.s()?,
            title: self.s()?,
            category: self.s()?,
            indicator: self.opt_s()?,
            indicator_group: u32::MAX,
            tags: self.strs()?,
            pack: self.u()? as usize,
            index: self.u()? as usize,
            status: match self.u()? {
                0 => Status::Stable,
                _ => Status::Experimental,
            },
            helper: self.b()?,
            score: self.i64()?,
            max_tier: self.tier()?,
            strength: match self.u()? {
                0 => Strength::Weak,
                1 => Strength::Medium,
                2 => Strength::Strong,
                _ => return Err("pack image: bad strength".into()),
            },
            offer: self.u8()?,
            langs: self.u16()?,
            sections: self.u8()?,
            fields: self.strs()?,
            cond: self.cond(0)?,
            exceptions: self.term_ids()?,
            window: self.u32()?,
            poster: self.opt_s()?,
            reviewer: self.opt_s()?,
            references: self.strs()?,
            disabled: self.b()?,
            always: self.b()?,
            entity_kinds: self.u8()?,
            id_rank: 0,
            tests: None,
        })
    }
    fn cond(&mut self, depth: usize) -> Result<Cond, String> {
        if depth > MAX_DEPTH {
            return Err("pack image: conditions nest too deep".into());
        }
        Ok(match self.u()? {
            0 => Cond::Any(self.term_ids()?),
            1 => Cond::All(self.term_ids()?),
            2 => Cond::NoneOf(self.term_ids()?),
            3 => Cond::Near {
                a: self.term_ids()?,
                b: self.term_ids()?,
                within: self.u32()?,
                ordered: self.b()?,
            },
            4 => {
                let n = self.u32()?;
                Cond::AtLeast(n, self.conds(depth)?)
            }
            5 => Cond::And(self.conds(depth)?),
            6 => Cond::Or(self.conds(depth)?),
            7 => Cond::Not(Box::new(self.cond(depth + 1)?)),
            8 => Cond::Rule(
                Some(self.u32()?)
                    .filter(|&r| r < self.rules)
                    .ok_or("pack image: rule id out of range")?,
            ),
            9 => {
                let rs = self.rule_ids()?;
                Cond::Rules(rs, self.u32()?)
            }
            10 => {
                let kind = EntityKind::ALL
                    .get(self.u()? as usize)
                    .copied()
                    .ok_or("pack image: bad entity kind")?;
                let obfuscated = match self.u()? {
                    0 => None,
                    1 => Some(false),
                    _ => Some(true),
                };
                let written = u16::try_from(self.u()?).map_err(|_| "pack image: bad mask")?;
                let mut mm = [None, None];
                for x in &mut mm {
                    if self.u()? != 0 {
                        *x = Some(self.f()?);
                    }
                }
                Cond::Entity(Box::new(EntityCond {
                    kind,
                    obfuscated,
                    written,
                    min: mm[0],
                    max: mm[1],
                    platforms: self.strs()?,
                    near: self.term_ids()?,
                    within: self.u32()?,
                }))
            }
            _ => return Err("pack image: bad condition".into()),
        })
    }
    fn conds(&mut self, depth: usize) -> Result<Vec<Cond>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.cond(depth + 1)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Submission};

    fn corpus() -> Vec<Submission> {
        let mut subs = Vec::new();
        for text in [
            include_str!("../examples/ads.jsonl"),
            include_str!("../tests/fixtures/flagged.jsonl"),
            include_str!("../tests/fixtures/benign_tricky.jsonl"),
            include_str!("../rules/eval/labelled.jsonl"),
        ] {
            for line in text.lines() {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                    if let Ok(s) = Submission::from_json(&v) {
                        subs.push(s);
                    }
                }
            }
        }
        subs
    }

    #[test]
    fn the_image_of_the_built_in_packs_screens_exactly_like_the_packs() {
        let bytes = crate::default_packs_image().unwrap();
        let decoded = decode(&bytes).unwrap();
        assert_eq!(encode(&decoded), bytes, "decode is the inverse of encode");
        let from_image = Engine::builder().base(decoded).build().unwrap();
        let from_packs = Engine::builder().default_packs().build().unwrap();
        let subs = corpus();
        assert!(subs.len() > 200);
        let opts = crate::ScreenOptions {
            entities: true,
            ..Default::default()
        };
        for s in &subs {
            assert_eq!(
                from_image.screen_with_options(s, &opts).unwrap(),
                from_packs.screen_with_options(s, &opts).unwrap()
            );
        }
        // Inline tests stay out of the image (they ship as JSON).
        assert_eq!(from_image.run_tests().passed, 0);
        assert!(from_packs.run_tests().passed > 200);
    }

    #[test]
    fn packs_compile_on_top_of_an_image_as_on_top_of_the_packs() {
        let overlay = crate::Pack::from_json(
            r#"{"schema": 2, "pack": {"id": "site", "version": "1"},
                "lists": {"extra": ["work permit"]},
                "rule": [{"id": "site.permit", "title": "P", "category": "c", "score": 2,
                          "match": {"and": [{"any": ["@extra"]}, {"rule": "core.jobs.fee"}]}}],
                "override": [{"rule": "core.adult.*", "disabled": true}]}"#,
        )
        .unwrap();
        let decoded = decode(&crate::default_packs_image().unwrap()).unwrap();
        let a = Engine::builder()
            .base(decoded)
            .pack(overlay.clone())
            .build()
            .unwrap();
        let b = Engine::builder()
            .default_packs()
            .pack(overlay)
            .build()
            .unwrap();
        let ad = Submission::new()
            .section("jobs")
            .field("body", "Registration fee 300 USD, work permit arranged.");
        let (va, vb) = (a.screen(&ad).unwrap(), b.screen(&ad).unwrap());
        assert_eq!(va, vb);
        assert!(va.rules.iter().any(|r| r.id == "site.permit"));
        for s in corpus() {
            assert_eq!(a.screen(&s).unwrap(), b.screen(&s).unwrap());
        }
    }

    #[test]
    fn a_split_image_decodes_as_the_whole_one() {
        let bytes = crate::default_packs_image().unwrap();
        let (rest, strings) = crate::image_split::split(&bytes).unwrap();
        assert!(rest.len() + strings.len() < bytes.len() + 8);
        let split = decode_split(&rest, &strings).unwrap();
        assert_eq!(encode(&split), bytes);
        // Strings of another image (here: one byte longer) are refused.
        assert!(decode_split(&rest, &format!("{strings}x"))
            .err()
            .unwrap()
            .contains("do not belong"));
        assert!(crate::image_split::split(b"not an image").is_none());
        assert!(crate::image_split::split(&bytes[..64]).is_none());
    }

    #[test]
    fn damaged_images_are_errors() {
        let bytes = crate::default_packs_image().unwrap();
        assert!(decode(&bytes[..bytes.len() / 2]).is_err());
        assert!(decode(b"not an image").is_err());
        let mut other = bytes.clone();
        other[8] = 99; // format
        assert!(decode(&other).err().unwrap_or_default().contains("format"));
        // An image compiled under other Unicode tables (another matching
        // form for its terms) is refused.
        let at = bytes
            .windows(TABLE_ID.len())
            .position(|w| w == TABLE_ID.as_bytes())
            .unwrap();
        let mut other = bytes.clone();
        other[at] = if other[at] == b'0' { b'1' } else { b'0' };
        assert!(decode(&other)
            .err()
            .unwrap_or_default()
            .contains("Unicode table"));
        // Every single-byte change is either caught or decodes to an image
        // whose indices are all in range: never a panic.
        // (A prime stride over the 1.3 MB image: about 3,300 positions.)
        for i in (0..bytes.len()).step_by(389) {
            let mut b = bytes.clone();
            b[i] ^= 0x5A;
            if let Ok(c) = decode(&b) {
                check(&c).unwrap();
            }
        }
    }
}
