//! From a score to the verdict a person reads: the fired rules, every
//! hit mapped to the original text (UTF-16 and byte offsets, the steps
//! needed to see it), the rules their exceptions cleared, and the messages
//! for the poster and the reviewer.

use std::ops::Range;

use crate::normalize::Steps;
use crate::pack::SECTIONS;
use crate::tier::{Thresholds, Tier};
use crate::utf16::utf16_offsets;
use crate::verdict::{Cleared, FiredRule, Hit, ModelReading, Place, Verdict};

use super::scan::{in_other_script, source, Scan, Span};
use super::score::Scored;
use super::{Engine, Fired};

impl Engine {
    /// The model that reads this ad: the source-country languages' one
    /// when the ad is read in one of them (see
    /// [`crate::model::LANGUAGES`]) and the engine has it, the main one
    /// otherwise.
    fn model_for(&self, scan: &Scan<'_>) -> Option<&crate::model::Model> {
        match &self.languages_model {
            Some(m) if scan.langs.read & crate::model::LANGUAGES_MASK != 0 => Some(m),
            _ => self.model.as_ref(),
        }
    }

    /// The verdict on what fired: scoring first, then the n-gram model's
    /// step (unless `use_model` is false: pack tests check the rules
    /// alone), then the explanation.
    // One argument per input of the verdict; a struct for them would only
    // be unpacked again here.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn verdict(
        &self,
        scan: &Scan<'_>,
        fired: &Fired,
        cands: &[u32],
        cleared: &[(usize, Span, Span)],
        section: Option<usize>,
        thresholds: Option<Thresholds>,
        use_model: bool,
    ) -> Verdict {
        let thresholds = thresholds.unwrap_or(self.c.thresholds);
        let mut s = self.score(scan, fired, cands, thresholds);
        // With no rule of its packs scored, the model moves a verdict
        // only from `allow` to `review`, when it is sure (see
        // `model::ALONE_REVIEW`); one that another pack's rule made stays.
        let of_model = |ri: usize| self.c.rules[ri].pack < self.model_packs;
        let scored = s.rules.iter().any(|r| r.1 > 0 && of_model(r.0));
        let other = s.rules.iter().any(|r| r.1 > 0 && !of_model(r.0));
        // Whether the text around the evidence held the verdict up.
        let mut held = false;
        let reader = self.model_for(scan);
        let alone = reader
            .filter(|_| use_model && !scored && s.tier == Tier::Allow)
            .and_then(|m| m.alone(&model_text(scan, m.max_bytes())))
            .map(|score| {
                s.tier = Tier::Review;
                ModelReading {
                    score,
                    moved_from: Some(Tier::Allow),
                    evidence: None,
                }
            });
        let model = reader.filter(|_| use_model && scored).map(|m| {
            let evidence = || evidence_text(scan, &s, &of_model);
            let step = m.step(s.tier, &model_text(scan, m.max_bytes()), scored, evidence);
            let (score, mut tier) = (step.p, step.tier);
            held = step.held;
            // It may raise, never lower, when a rule of a pack it was
            // not trained with scored (a site's own policy: it never
            // lowers what that rule brought about), or when most of
            // the ad was written with its letters spaced out (the
            // matching form joins them, often with their neighbours,
            // into words it never saw, so its "honest" is no reading).
            if tier < s.tier && (other || spaced_out(scan)) {
                tier = s.tier;
            }
            let moved_from = (tier != s.tier).then_some(s.tier);
            s.tier = tier;
            ModelReading {
                score,
                moved_from,
                evidence: step.evidence,
            }
        });
        // Every byte offset reported, mapped to UTF-16 in one pass per field.
        let cleared: Vec<_> = cleared
            .iter()
            .map(|&(ri, ind, ex)| (ri, ind, source(scan, ind), ex, source(scan, ex)))
            .collect();
        let utf16 = Utf16Map::new(
            scan,
            s.spans.iter().map(|(_, sp, src)| (sp.field, src)).chain(
                cleared
                    .iter()
                    .flat_map(|(_, i, isrc, e, esrc)| [(i.field, isrc), (e.field, esrc)]),
            ),
        );
        let (hits, evasion) = self.hits(scan, &s, &utf16);
        let cleared = cleared
            .iter()
            .map(|(ri, ind, isrc, ex, esrc)| {
                let r = &self.c.rules[*ri];
                Cleared {
                    rule: r.id.clone(),
                    title: r.title.clone(),
                    category: r.category.clone(),
                    field: scan.fields[ind.field as usize].name.to_string(),
                    exception: utf16.place(scan, ex.field, esrc),
                    indicator: utf16.place(scan, ind.field, isrc),
                }
            })
            .collect();
        let (poster_messages, mut reviewer_messages) = self.messages(&s);
        if let (Some(ModelReading { score, .. }), Some(m)) = (&alone, reader) {
            let words = model_words(scan, m, 3);
            let words = if words.is_empty() {
                String::new()
            } else {
                format!(
                    " The words that weigh most towards it: {}.",
                    words.join(", ")
                )
            };
            reviewer_messages.push(format!(
                "No rule matched, but the wording as a whole is close to ads labelled as \
                 trafficking (model {score:.2}): sent to review for a person to read. \
                 Nothing is highlighted: read the whole ad, for what the rules have no \
                 words for yet.{words}"
            ));
        }
        let model = model.or(alone);
        if let Some(ModelReading {
            score,
            moved_from,
            evidence,
        }) = &model
        {
            let held = evidence.filter(|_| held);
            let msg = match (moved_from, held) {
                // It would have lowered the verdict on the whole ad's
                // reading, and the text around the indicators held it.
                (from, Some(e)) => Some(format!(
                    "The ad as a whole reads close to honest ads (model {score:.2}), but the \
                     text around the indicators reads close to flagged ones ({e:.2}): {}. \
                     Check for padding: text added to dilute the ad.",
                    match from {
                        Some(from) => format!("lowered one step only, from {from} to {}", s.tier),
                        None => "not lowered".to_string(),
                    }
                )),
                (Some(from), None) if s.tier > *from => Some(format!(
                    "The wording is close to ads labelled as trafficking (model {score:.2}): \
                     raised from {from} to {}.",
                    s.tier
                )),
                (Some(from), None) => Some(format!(
                    "The wording is close to honest ads (model {score:.2}): \
                     lowered from {from} to {}.",
                    s.tier
                )),
                (None, None) => None,
            };
            reviewer_messages.extend(msg);
        }
        let rules = s
            .rules
            .iter()
            .map(|&(ri, score, experimental)| {
                let r = &self.c.rules[ri];
                FiredRule {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    category: r.category.clone(),
                    score: score as f64 / 100.0,
                    max_tier: r.max_tier,
                    experimental,
                    tags: r.tags.clone(),
                    pack: self.c.packs[r.pack].id.clone(),
                    references: r.references.clone(),
                    reviewer: r.reviewer.clone(),
                }
            })
            .collect();
        Verdict {
            verdict: s.tier,
            score: s.score,
            score_tier: s.score_tier,
            thresholds,
            evasion,
            section: section.map(|b| SECTIONS[b].to_string()),
            offers: Vec::new(),
            languages: Vec::new(),
            packs: self.packs.clone(),
            filters: Vec::new(),
            rules,
            hits,
            poster_messages,
            reviewer_messages,
            entities: Vec::new(),
            cleared,
            model,
        }
    }

    /// Every place a scored rule matched, in the original text (UTF-16 and
    /// byte offsets, the normalisation steps needed to see it), sorted by
    /// field, span and rule; and whether any of them needed an evasive step.
    fn hits(&self, scan: &Scan<'_>, s: &Scored, utf16: &Utf16Map) -> (Vec<Hit>, bool) {
        let c = &self.c;
        let mut hits = Vec::with_capacity(s.spans.len());
        let mut evasion = false;
        let lookup = |fi: usize, b: usize| utf16.get(fi, b);
        for (ri, sp, src) in &s.spans {
            let (ri, sp) = (*ri, *sp);
            let r = &c.rules[ri];
            let f = &scan.fields[sp.field as usize];
            let mut steps: Steps = f.norm.steps(sp.start as usize..sp.end as usize);
            if let Some(text) = f.original.get(src.clone()).filter(|t| in_other_script(t)) {
                // Cyrillic "з" reads as the digit 3 and then as leetspeak:
                // not a disguise unless the poster wrote digits or symbols.
                let symbols = text
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b"@$!|+".contains(&b));
                steps = steps.native(!symbols);
            }
            evasion |= steps.is_evasive();
            // The rule's counted score (0 if experimental or if another
            // rule scored its indicator).
            let score = s.rules.iter().find(|x| x.0 == ri).map_or(0, |x| x.1);
            hits.push((
                ri,
                Hit {
                    rule: r.id.clone(),
                    category: r.category.clone(),
                    score: score as f64 / 100.0,
                    field: f.name.to_string(),
                    start: lookup(sp.field as usize, src.start),
                    end: lookup(sp.field as usize, src.end),
                    byte_start: src.start,
                    byte_end: src.end,
                    text: f.original.get(src.clone()).unwrap_or_default().to_string(),
                    normalized: f
                        .norm
                        .as_str()
                        .get(sp.start as usize..sp.end as usize)
                        .unwrap_or_default()
                        .to_string(),
                    steps,
                },
            ));
        }
        // By field name, span and rule id.
        let field_rank = |name: &str| scan.fields.iter().filter(|f| f.name < name).count() as u32;
        crate::sort::by_key(&mut hits, |(ri, h)| {
            crate::sort::key4(
                field_rank(&h.field),
                h.start as u32,
                h.end as u32,
                c.rules[*ri].id_rank,
            )
        });
        (hits.into_iter().map(|(_, h)| h).collect(), evasion)
    }

    /// The messages for the poster (from rules that scored, when the
    /// verdict is `warn` or above) and for reviewers (every rule that
    /// fired; experimental ones marked), each once, highest score first.
    fn messages(&self, s: &Scored) -> (Vec<String>, Vec<String>) {
        let mut poster = Vec::new();
        let mut reviewer = Vec::new();
        for &(ri, score, experimental) in &s.rules {
            let r = &self.c.rules[ri];
            if let Some(m) = &r.reviewer {
                let m = if experimental {
                    format!("[experimental] {m}")
                } else {
                    m.clone()
                };
                if !reviewer.contains(&m) {
                    reviewer.push(m);
                }
            }
            if s.tier >= Tier::Warn && score > 0 {
                if let Some(m) = &r.poster {
                    if !poster.contains(m) {
                        poster.push(m.clone());
                    }
                }
            }
        }
        (poster, reviewer)
    }
}

/// Whether most of the ad's text was written with its letters spaced out
/// (or split by symbols), so that the matching form had to join them: a
/// fifth or more of the matching form's bytes follow a removed space. One
/// spaced word for emphasis ("S A L E") is far below that.
fn spaced_out(scan: &Scan<'_>) -> bool {
    let (mut joined, mut len) = (0usize, 0usize);
    for f in &scan.fields {
        if f.norm.has_joined() {
            joined += f.norm.joined_points().count();
        }
        len += f.norm.as_str().len();
    }
    joined * 5 >= len && joined > 0
}

/// The text around what the rules of the model's packs that scored found
/// (the matching form up to [`crate::model::EVIDENCE_BYTES`] either side
/// of each match, within its sentence; overlapping stretches merged),
/// joined by line breaks: what the model reads before it lowers a
/// verdict, since text added to the ad does not reach it.
fn evidence_text(scan: &Scan<'_>, s: &Scored, of_model: &impl Fn(usize) -> bool) -> String {
    let r = crate::model::EVIDENCE_BYTES;
    let scored = |ri: usize| of_model(ri) && s.rules.iter().any(|x| x.0 == ri && x.1 > 0);
    let mut around: Vec<(usize, usize, usize)> = s
        .spans
        .iter()
        .filter(|(ri, _, _)| scored(*ri))
        .map(|(_, sp, _)| {
            let t = scan.fields[sp.field as usize].norm.as_str();
            let mut a = (sp.start as usize).saturating_sub(r);
            while !t.is_char_boundary(a) {
                a -= 1;
            }
            let mut b = (sp.end as usize + r).min(t.len());
            while !t.is_char_boundary(b) {
                b += 1;
            }
            // Within the match's sentence: padding starts a sentence of
            // its own.
            let (s0, e0) = (sp.start as usize, (sp.end as usize).min(b));
            let end_of = |c: &u8| matches!(c, b'.' | b'!' | b'?' | b'\n');
            if let Some(k) = t.as_bytes()[a..s0].iter().rposition(end_of) {
                a += k + 1;
            }
            if let Some(k) = t.as_bytes()[e0..b].iter().position(end_of) {
                b = e0 + k + 1;
            }
            (sp.field as usize, a, b)
        })
        .collect();
    around.sort_unstable();
    let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(around.len());
    for w in around {
        match merged.last_mut() {
            Some(l) if l.0 == w.0 && w.1 <= l.2 => l.2 = l.2.max(w.2),
            _ => merged.push(w),
        }
    }
    let mut out = String::new();
    for (i, &(f, a, b)) in merged.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&scan.fields[f].norm.as_str()[a..b]);
    }
    out
}

/// Up to `n` words of what the model read (the fields and the byte limit
/// of `model_text`) that pull it most towards
/// "flagged" ([`crate::model::Model::word_weight`]), each quoted as the
/// ad wrote it (the matching form's word mapped back to the original),
/// most weighty first, each word once. Words that pull towards "honest",
/// and words of fewer than three letters (numbers, emoji), are left out.
fn model_words(scan: &Scan<'_>, m: &crate::model::Model, n: usize) -> Vec<String> {
    let named = scan
        .fields
        .iter()
        .filter(|f| f.name_lower == "title" || f.name_lower == "body")
        .count();
    // Only what the model read: at most its byte limit over the fields, as
    // in `model_text` (a field may be 1 MB, and each distinct word is
    // weighed once).
    let mut left = m.max_bytes();
    let mut seen = std::collections::HashSet::new();
    // The `n` weightiest so far, weightiest first (the first written
    // first among equals): (weight, field, span in its matching form).
    let mut top: Vec<(i32, usize, Range<usize>)> = Vec::with_capacity(n + 1);
    for (fi, f) in scan.fields.iter().enumerate() {
        if named > 0 && f.name_lower != "title" && f.name_lower != "body" {
            continue;
        }
        let t = f.norm.as_str();
        let mut end = t.len().min(left);
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        let t = &t[..end];
        left = left.saturating_sub(end + 1);
        for word in t.split_whitespace() {
            // A reviewer reads words: numbers, emoji and two-letter
            // function words tell them nothing.
            if word.chars().filter(|c| c.is_alphabetic()).take(3).count() < 3 || !seen.insert(word)
            {
                continue;
            }
            let weight = m.word_weight(word);
            if weight <= 0 || top.len() == n && top.last().is_some_and(|t| t.0 >= weight) {
                continue;
            }
            // `split_whitespace` yields slices of `t`.
            let start = word.as_ptr() as usize - t.as_ptr() as usize;
            let at = top.partition_point(|t| t.0 >= weight);
            top.insert(at, (weight, fi, start..start + word.len()));
            top.truncate(n);
        }
        if left == 0 {
            break;
        }
    }
    top.into_iter()
        .map(|(_, fi, span)| {
            let f = &scan.fields[fi];
            let raw = f
                .original
                .get(f.norm.source_range(span.clone()))
                .unwrap_or(&f.norm.as_str()[span]);
            // Punctuation around a word goes; an emoji the matching form
            // reads as a word stays as written.
            let original = match raw.trim_matches(|c: char| !c.is_alphanumeric()) {
                "" => raw.trim(),
                w => w,
            };
            format!("\u{201c}{original}\u{201d}")
        })
        .collect()
}

/// The text the n-gram model reads: the title and the body in matching
/// form (as the rules read them, so a disguise the normaliser undoes does
/// not move the model either), or every field when neither is given,
/// joined by line breaks; cut just past `limit` bytes.
fn model_text(scan: &Scan<'_>, limit: usize) -> String {
    let named: Vec<&str> = ["title", "body"]
        .iter()
        .filter_map(|n| scan.fields.iter().find(|f| f.name_lower == *n))
        .map(|f| f.norm.as_str())
        .collect();
    let parts: Vec<&str> = match named[..] {
        [] => scan.fields.iter().map(|f| f.norm.as_str()).collect(),
        // Training read a missing title as an empty line.
        [one] if scan.fields.iter().any(|f| f.name_lower == "title") => vec![one, ""],
        [one] => vec!["", one],
        _ => named,
    };
    // The model reads `limit` bytes: a longer text is cut just past them,
    // so it still knows the text was longer (a field may be 1 MB).
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut end = part.len().min((limit + 1).saturating_sub(out.len()));
        while !part.is_char_boundary(end) {
            end += 1;
        }
        out.push_str(&part[..end]);
        if out.len() > limit {
            break;
        }
    }
    out
}

/// UTF-16 offsets of the byte offsets a verdict reports, per field: one
/// pass over each field for all of them.
struct Utf16Map(Vec<Vec<(usize, usize)>>);

impl Utf16Map {
    fn new<'r>(scan: &Scan<'_>, ranges: impl Iterator<Item = (u16, &'r Range<usize>)>) -> Self {
        let mut per_field: Vec<Vec<usize>> = vec![Vec::new(); scan.fields.len()];
        for (f, r) in ranges {
            per_field[f as usize].push(r.start);
            per_field[f as usize].push(r.end);
        }
        Utf16Map(
            per_field
                .into_iter()
                .enumerate()
                .map(|(fi, mut offs)| {
                    offs.sort_unstable();
                    offs.dedup();
                    utf16_offsets(scan.fields[fi].original, &offs)
                })
                .collect(),
        )
    }

    /// The UTF-16 offset of byte offset `b` of field `fi` (one of those
    /// given to [`Utf16Map::new`]).
    fn get(&self, fi: usize, b: usize) -> usize {
        let v = &self.0[fi];
        match v.binary_search_by_key(&b, |p| p.0) {
            Ok(i) => v[i].1,
            Err(_) => 0,
        }
    }

    fn place(&self, scan: &Scan<'_>, field: u16, src: &Range<usize>) -> Place {
        let f = field as usize;
        Place {
            start: self.get(f, src.start),
            end: self.get(f, src.end),
            byte_start: src.start,
            byte_end: src.end,
            text: scan.fields[f]
                .original
                .get(src.clone())
                .unwrap_or_default()
                .to_string(),
        }
    }
}
