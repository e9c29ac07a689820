//! Inline rule tests and the pack linter.

use std::collections::HashMap;

use serde::Serialize;

use crate::compile::{term_entry, term_form, Compiled, Cond, TermEntry};
use crate::engine::Engine;
use crate::error::Error;
use crate::normalize::normalize;
use crate::pack::{Condition, Pack, RuleDef, TestCase, SECTIONS};
use crate::submission::Submission;

/// Which kind of inline test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    /// The text must fire the rule.
    Fire,
    /// The text must not fire the rule.
    Pass,
}

/// A failed inline test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TestFailure {
    /// Pack id.
    pub pack: String,
    /// Rule id.
    pub rule: String,
    /// `fire` or `pass`.
    pub kind: TestKind,
    /// Index in `tests.fire` or `tests.pass`.
    pub index: usize,
    /// The submission's text, fields joined.
    pub text: String,
    /// What went wrong.
    pub message: String,
}

/// The outcome of [`Engine::run_tests`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TestReport {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failures: Vec<TestFailure>,
}

impl TestReport {
    /// Whether every test passed.
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

fn case_submission(case: &TestCase, default_section: Option<&str>) -> (Submission, String) {
    match case {
        TestCase::Text(t) => {
            let mut s = Submission::new().field("body", t.clone());
            if let Some(sec) = default_section {
                s = s.section(sec);
            }
            (s, t.clone())
        }
        TestCase::Fields(map) => {
            let mut s = Submission::new();
            let mut text = Vec::new();
            let mut has_section = false;
            for (k, v) in map {
                if k == "section" {
                    s = s.section(v.clone());
                    has_section = true;
                } else {
                    s = s.field(k.clone(), v.clone());
                    text.push(format!("{k}: {v}"));
                }
            }
            if !has_section {
                if let Some(sec) = default_section {
                    s = s.section(sec);
                }
            }
            (s, text.join(" | "))
        }
    }
}

impl Engine {
    /// Runs every rule's inline tests against this engine (all packs loaded,
    /// deployment filters and `disabled` overrides ignored, so a test checks
    /// the rule as written).
    ///
    /// A string test is screened as the `body` in the rule's first section;
    /// a table test gives its fields and `section` itself.
    ///
    /// ```
    /// let report = redflag::Engine::new_default().run_tests();
    /// assert!(report.ok(), "{:?}", report.failures);
    /// assert!(report.passed > 0);
    /// ```
    pub fn run_tests(&self) -> TestReport {
        let c = self.compiled();
        let mut report = TestReport::default();
        for (ri, rule) in c.rules.iter().enumerate() {
            let Some(tests) = &rule.tests else { continue };
            let section = (0..SECTIONS.len())
                .find(|b| rule.sections & (1 << b) != 0)
                .map(|b| SECTIONS[b]);
            for (kind, cases) in [(TestKind::Fire, &tests.fire), (TestKind::Pass, &tests.pass)] {
                for (i, case) in cases.iter().enumerate() {
                    let (sub, text) = case_submission(case, section);
                    let fail = |message: String| TestFailure {
                        pack: c.packs[rule.pack].id.clone(),
                        rule: rule.id.clone(),
                        kind,
                        index: i,
                        text: text.clone(),
                        message,
                    };
                    match self.screen_detailed(&sub, &crate::ScreenOptions::default(), true) {
                        Err(e) => report.failures.push(fail(format!("could not screen: {e}"))),
                        Ok(d) => {
                            let fired = d.fired[ri];
                            match (kind, fired) {
                                (TestKind::Fire, true) | (TestKind::Pass, false) => {
                                    report.passed += 1
                                }
                                (TestKind::Fire, false) => report
                                    .failures
                                    .push(fail("expected the rule to fire; it did not".into())),
                                (TestKind::Pass, true) => {
                                    let spans: Vec<String> = d
                                        .verdict
                                        .hits
                                        .iter()
                                        .filter(|h| h.rule == rule.id)
                                        .map(|h| format!("{:?}", h.text))
                                        .collect();
                                    report.failures.push(fail(format!(
                                        "the rule fired but must not{}",
                                        if spans.is_empty() {
                                            String::new()
                                        } else {
                                            format!(" (matched {})", spans.join(", "))
                                        }
                                    )))
                                }
                            }
                        }
                    }
                }
            }
        }
        report
    }
}

/// A warning from [`lint`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lint {
    /// Pack id.
    pub pack: String,
    /// Path in the pack, e.g. `rule[2].match.any[0]`.
    pub path: String,
    /// What to look at.
    pub message: String,
}

/// Lints packs in load order: terms too short to be safe, duplicate terms
/// (entries of one list that the compiler reads as the same term),
/// rules that can never fire, helpers nobody uses, missing explanations or
/// tests, and poster explanations that name a term the rule matches (a
/// recipe for evasion).
///
/// Packs that do not compile return the compile errors instead.
///
/// ```
/// let pack = redflag::Pack::from_json(r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
///   "rule": [{"id": "r", "title": "R", "category": "c", "score": 1, "match": {"any": ["ok", "fee", "fee"]}}]}"#).unwrap();
/// let lints = redflag::lint(&[pack]).unwrap();
/// assert!(lints.iter().any(|l| l.message.contains("short")));
/// assert!(lints.iter().any(|l| l.message.contains("duplicate")));
/// assert!(lints.iter().any(|l| l.message.contains("explanation")));
/// ```
pub fn lint(packs: &[Pack]) -> Result<Vec<Lint>, Error> {
    let mut builder = Engine::builder();
    for p in packs {
        builder = builder.pack(p.clone());
    }
    let engine = builder.build()?;
    let c = engine.compiled();
    let set = LintedSet::new(c, packs);
    let mut out = Vec::new();
    for p in packs {
        let mut w = Warnings {
            pack: p.id(),
            out: &mut out,
        };
        for (ri, r) in p.rules.iter().enumerate() {
            let Some(&idx) = c.rule_index.get(&r.id) else {
                continue;
            };
            let base = format!("rule[{ri}]");
            let forms = term_checks(&mut w, &base, r, &set.lists);
            reach_checks(&mut w, &base, r, idx as usize, c, &set);
            if !r.helper {
                explanation_checks(&mut w, &base, r, &forms);
                score_check(&mut w, &base, r);
            }
            test_checks(&mut w, &base, r);
        }
    }
    Ok(out)
}

/// What the checks of one rule need to know about the whole set.
struct LintedSet<'a> {
    /// Every pack's named lists, as written.
    lists: Lists<'a>,
    /// Rule index → whether a meta rule refers to it.
    referenced: Vec<bool>,
    /// Rule index → whether a filter with no condition and no sections
    /// suppresses it.
    unconditional: Vec<bool>,
}

/// List name → its terms, as written.
type Lists<'a> = HashMap<&'a str, &'a Vec<String>>;

impl<'a> LintedSet<'a> {
    fn new(c: &Compiled, packs: &'a [Pack]) -> LintedSet<'a> {
        let mut lists: Lists<'a> = HashMap::new();
        for p in packs {
            for (k, v) in &p.lists {
                lists.insert(k, v);
            }
        }
        let mut referenced = vec![false; c.rules.len()];
        for r in &c.rules {
            let mut refs = Vec::new();
            crate::compile::rule_refs(&r.cond, &mut refs);
            for x in refs {
                referenced[x as usize] = true;
            }
        }
        let mut unconditional = vec![false; c.rules.len()];
        for f in &c.filters {
            if f.when.is_none() && f.sections == 0 {
                for &r in &f.rules {
                    unconditional[r as usize] = true;
                }
            }
        }
        LintedSet {
            lists,
            referenced,
            unconditional,
        }
    }
}

/// The warnings of one pack.
struct Warnings<'a> {
    pack: &'a str,
    out: &'a mut Vec<Lint>,
}

impl Warnings<'_> {
    fn warn(&mut self, path: String, message: String) {
        self.out.push(Lint {
            pack: self.pack.to_string(),
            path,
            message,
        });
    }
}

/// The term checks of one rule, list by list (each of its condition's
/// term lists, then its exceptions): `@@` before a list's name, short
/// terms, terms repeated within a list. Returns the matching forms of the
/// rule's own terms, wildcards and exceptions left out, for the poster
/// check.
fn term_checks(w: &mut Warnings, base: &str, r: &RuleDef, lists: &Lists) -> Vec<String> {
    let mut term_lists = Vec::new();
    collect_lists(&r.condition, &format!("{base}.match"), &mut term_lists);
    if !r.exceptions.is_empty() {
        term_lists.push((format!("{base}.exceptions"), &r.exceptions));
    }
    let mut rule_forms: Vec<String> = Vec::new();
    for (path, list) in &term_lists {
        let mut seen = HashMap::new();
        // A short term in a `near` list is anchored by the other list.
        let anchored = path.contains(".near.");
        for (i, raw) in expand(list, lists) {
            let at = format!("{path}[{i}]");
            let Some((form, wildcard)) = check_term(w, at, raw, anchored, lists, &mut seen) else {
                continue;
            };
            if !path.ends_with("exceptions") && !wildcard {
                rule_forms.push(form);
            }
        }
    }
    rule_forms
}

/// The checks of one term at `path` (`raw` as written, a list's item if it
/// came from one), read as the compiler reads it ([`term_form`]). `seen`
/// holds the list's terms so far, by compiled identity (matching form and
/// word boundaries). Returns the term's matching form and whether it has a
/// wildcard.
fn check_term(
    w: &mut Warnings,
    path: String,
    raw: &String,
    anchored: bool,
    lists: &Lists,
    seen: &mut HashMap<(String, bool, bool), String>,
) -> Option<(String, bool)> {
    if let Some(name) = raw.strip_prefix("@@").filter(|n| lists.contains_key(n)) {
        w.warn(
            path.clone(),
            format!("`{raw}` is the literal term `@{name}`, not the list `{name}`; write `@{name}` to use the list"),
        );
    }
    // An unknown list: the compiler has reported it.
    let TermEntry::Term(text) = term_entry(raw) else {
        return None;
    };
    let t = term_form(text);
    let form = t.form().to_string();
    let wildcard = t.star_left || t.star_right;
    // Spaces at either end are not part of the term ("les " matches "les"
    // anywhere, not only before a space): an author who typed one meant
    // something the term cannot say.
    if raw.trim() != raw.as_str() {
        w.warn(
            path.clone(),
            format!(
                "term `{raw}` starts or ends with whitespace, which matching ignores: remove it"
            ),
        );
    }
    // Only a `*` at either end is a wildcard; one inside is folded away
    // like other punctuation, so "nayd*m" would match only "nayd m".
    if t.text.contains('*') {
        w.warn(
            path.clone(),
            format!("`*` inside term `{raw}` is not a wildcard (only a `*` at the start or end is): write out each spelling"),
        );
    }
    // An emoji reads as a `:name:` token, long and distinctive however few
    // characters the author typed. A Han or kana character is a syllable,
    // most often a morpheme: two of them make a word ("高薪").
    let chars = if form.contains(':') {
        form.chars().count()
    } else {
        t.text
            .chars()
            .map(|c| 1 + usize::from(crate::lang::logographic(c)))
            .sum()
    };
    if !anchored && (chars < 3 || (wildcard && chars < 4)) {
        w.warn(
            path.clone(),
            format!("term `{raw}` is only {chars} characters; short terms match inside unrelated text and are too short to be safe"),
        );
    }
    if let Some(prev) = seen.insert((form.clone(), t.left(), t.right()), raw.clone()) {
        w.warn(
            path,
            format!("duplicate term `{raw}` (same matching form `{form}` as `{prev}`)"),
        );
    }
    Some((form, wildcard))
}

/// Whether the rule can fire and is used: not disabled by an override nor
/// suppressed by an unconditional filter, no term both required and
/// excluded, a helper used by a meta rule (offer rules are read by the
/// engine itself).
fn reach_checks(
    w: &mut Warnings,
    base: &str,
    r: &RuleDef,
    idx: usize,
    c: &Compiled,
    set: &LintedSet,
) {
    let cr = &c.rules[idx];
    if cr.disabled {
        w.warn(
            base.to_string(),
            format!(
                "rule `{}` is disabled by an override and can never fire",
                r.id
            ),
        );
    }
    if set.unconditional[idx] {
        w.warn(
            base.to_string(),
            format!(
                "rule `{}` is suppressed by an unconditional filter and can never fire",
                r.id
            ),
        );
    }
    if contradicts(&cr.cond) {
        w.warn(
            format!("{base}.match"),
            "condition requires a term and its absence at once; the rule can never fire".into(),
        );
    }
    if r.helper && r.offer.is_none() && !set.referenced[idx] {
        w.warn(
            base.to_string(),
            format!("helper rule `{}` is not used by any meta rule", r.id),
        );
    }
}

/// A rule that scores (not a helper) explains itself to the poster and
/// the reviewer, and its poster text names none of its terms (`forms`, of
/// five characters or more).
fn explanation_checks(w: &mut Warnings, base: &str, r: &RuleDef, forms: &[String]) {
    let ex = r.explain.clone().unwrap_or_default();
    if ex.poster.as_deref().is_none_or(|s| s.trim().is_empty()) {
        w.warn(
            format!("{base}.explain.poster"),
            "missing poster explanation".into(),
        );
    }
    if ex.reviewer.as_deref().is_none_or(|s| s.trim().is_empty()) {
        w.warn(
            format!("{base}.explain.reviewer"),
            "missing reviewer explanation".into(),
        );
    }
    if let Some(poster) = &ex.poster {
        let pf = format!(" {} ", normalize(poster).as_str());
        for form in forms {
            if form.chars().count() >= 5 && pf.contains(&format!(" {form} ")) {
                w.warn(
                    format!("{base}.explain.poster"),
                    format!("poster explanation names the matched term `{form}`; poster text must not teach evasion"),
                );
                break;
            }
        }
    }
}

/// A stable rule that is not a helper scores something.
fn score_check(w: &mut Warnings, base: &str, r: &RuleDef) {
    if r.score == 0.0 && r.status == crate::pack::Status::Stable {
        w.warn(
            format!("{base}.score"),
            "stable rule scores nothing; make it a helper or give it a score".into(),
        );
    }
}

/// Every rule has a test that must fire it; every rule but a helper one
/// that must not.
fn test_checks(w: &mut Warnings, base: &str, r: &RuleDef) {
    let tests = r.tests.clone().unwrap_or_default();
    if tests.fire.is_empty() {
        w.warn(
            format!("{base}.tests.fire"),
            "no test that must fire the rule".into(),
        );
    }
    if tests.pass.is_empty() && !r.helper {
        w.warn(
            format!("{base}.tests.pass"),
            "no test that must not fire the rule".into(),
        );
    }
}

/// Each term list of a condition with its path (`rule[0].match.and[1].any`).
fn collect_lists<'a>(c: &'a Condition, path: &str, out: &mut Vec<(String, &'a Vec<String>)>) {
    match c {
        Condition::Any(t) => out.push((format!("{path}.any"), t)),
        Condition::All(t) => out.push((format!("{path}.all"), t)),
        Condition::NoneOf(t) => out.push((format!("{path}.none"), t)),
        Condition::Near(n) => {
            out.push((format!("{path}.near.a"), &n.a));
            out.push((format!("{path}.near.b"), &n.b));
        }
        Condition::AtLeast(a) => {
            for (i, c) in a.of.iter().enumerate() {
                collect_lists(c, &format!("{path}.at_least.of[{i}]"), out);
            }
        }
        Condition::And(cs) | Condition::Or(cs) => {
            let key = if matches!(c, Condition::And(_)) {
                "and"
            } else {
                "or"
            };
            for (i, c) in cs.iter().enumerate() {
                collect_lists(c, &format!("{path}.{key}[{i}]"), out);
            }
        }
        Condition::Not(c) => collect_lists(c, &format!("{path}.not"), out),
        Condition::Entity(m) => {
            if !m.near.is_empty() {
                out.push((format!("{path}.entity.near"), &m.near));
            }
        }
        Condition::Rule(_) | Condition::Rules(_) => {}
    }
}

/// The entries of a term list with `@list`s replaced by their items (read
/// as the compiler reads them, [`term_entry`]), each with the index of the
/// entry it came from.
fn expand<'a>(list: &'a [String], lists: &Lists<'a>) -> Vec<(usize, &'a String)> {
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match term_entry(t) {
            TermEntry::List(name) if lists.contains_key(name) => {
                out.extend(lists[name].iter().map(|x| (i, x)))
            }
            _ => out.push((i, t)),
        }
    }
    out
}

/// `and` with a term required and excluded at once.
fn contradicts(c: &Cond) -> bool {
    match c {
        Cond::And(cs) => {
            let mut need = Vec::new();
            let mut forbid = Vec::new();
            for x in cs {
                match x {
                    Cond::All(t) => need.extend(t.iter().copied()),
                    Cond::Any(t) if t.len() == 1 => need.push(t[0]),
                    Cond::NoneOf(t) => forbid.extend(t.iter().copied()),
                    Cond::Not(inner) => {
                        if let Cond::Any(t) = inner.as_ref() {
                            forbid.extend(t.iter().copied());
                        }
                    }
                    _ => {}
                }
            }
            need.iter().any(|t| forbid.contains(t)) || cs.iter().any(contradicts)
        }
        Cond::Or(cs) => !cs.is_empty() && cs.iter().all(contradicts),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::Cond;

    /// The linter calls two terms of a list duplicates exactly when the
    /// compiler interns them as one term.
    #[test]
    fn duplicates_are_the_terms_the_compiler_interns_once() {
        let terms = [
            "visa fee",
            "Visa Fee ",
            "*visa",
            "visa",
            "**visa",
            "visa*",
            "💰",
            "*💰",
            "$$$",
            "*$$$",
            "@@tag",
            "@@tag",
            "tag",
        ];
        let pack = crate::Pack::from_json(&format!(
            r#"{{"schema": 1, "pack": {{"id": "p", "version": "1"}}, "rule": [{{"id": "r",
              "title": "R", "category": "c", "score": 1, "match": {{"any": {}}}}}]}}"#,
            serde_json::to_string(&terms).unwrap()
        ))
        .unwrap();
        let lints = super::lint(std::slice::from_ref(&pack)).unwrap();
        let duplicates = lints
            .iter()
            .filter(|l| l.message.starts_with("duplicate term"))
            .count();
        let engine = crate::Engine::builder().pack(pack).build().unwrap();
        let Cond::Any(ids) = &engine.compiled().rules[0].cond else {
            panic!("an `any` condition");
        };
        assert_eq!(ids.len() + duplicates, terms.len(), "{lints:#?}");
        assert!(lints.iter().any(|l| l.path == "rule[0].match.any[11]"
            && l.message.contains("same matching form `@tag` as `@@tag`")));
    }

    /// A `*` inside a term is named; one at either end is a wildcard.
    #[test]
    fn a_star_inside_a_term_is_not_a_wildcard() {
        let pack = crate::Pack::from_json(
            r#"{"schema": 1, "pack": {"id": "p", "version": "1"}, "rule": [{"id": "r",
              "title": "R", "category": "c", "score": 1,
              "match": {"any": ["recruit*", "*agency", "nayd*m tebya"]}}]}"#,
        )
        .unwrap();
        let lints = super::lint(&[pack]).unwrap();
        let inside: Vec<_> = lints
            .iter()
            .filter(|l| l.message.contains("is not a wildcard"))
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(inside, ["rule[0].match.any[2]"], "{lints:#?}");
    }

    /// A space at either end of a term is named, and matching ignores it.
    #[test]
    fn a_term_with_whitespace_at_an_end_is_named() {
        let pack = crate::Pack::from_json(
            r#"{"schema": 1, "pack": {"id": "p", "version": "1"}, "rule": [{"id": "r",
              "title": "R", "category": "c", "score": 1,
              "match": {"any": ["tutoring", "les ", " kursus", "bimbel"]}}]}"#,
        )
        .unwrap();
        let lints = super::lint(std::slice::from_ref(&pack)).unwrap();
        let spaced: Vec<_> = lints
            .iter()
            .filter(|l| l.message.contains("whitespace"))
            .map(|l| l.path.as_str())
            .collect();
        assert_eq!(
            spaced,
            ["rule[0].match.any[1]", "rule[0].match.any[2]"],
            "{lints:#?}"
        );
        let engine = crate::Engine::builder().pack(pack).build().unwrap();
        let sub = crate::Submission::new().field("body", "ikut les");
        assert!(!engine.screen(&sub).unwrap().rules.is_empty());
    }
}
