//! Inline rule tests and the pack linter.

use std::collections::HashMap;

use serde::Serialize;

use crate::compile::Cond;
use crate::engine::Engine;
use crate::error::Error;
use crate::normalize::normalize;
use crate::pack::{Condition, Pack, TestCase, SECTIONS};
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

/// Lints packs in load order: terms too short to be safe, duplicate terms,
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
    let mut out = Vec::new();
    let mut lists: HashMap<&str, &Vec<String>> = HashMap::new();
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
    for p in packs {
        let pack = p.id().to_string();
        let mut lint = |path: String, message: String| {
            out.push(Lint {
                pack: pack.clone(),
                path,
                message,
            })
        };
        for (ri, r) in p.rules.iter().enumerate() {
            let base = format!("rule[{ri}]");
            let Some(&idx) = c.rule_index.get(&r.id) else {
                continue;
            };
            let cr = &c.rules[idx as usize];
            let mut term_lists = Vec::new();
            collect_lists(&r.condition, &format!("{base}.match"), &mut term_lists);
            if !r.exceptions.is_empty() {
                term_lists.push((format!("{base}.exceptions"), &r.exceptions));
            }
            let mut rule_forms: Vec<String> = Vec::new();
            for (path, list) in &term_lists {
                let mut seen: HashMap<String, String> = HashMap::new();
                // A short term in a `near` list is anchored by the other list.
                let anchored = path.contains(".near.");
                for (i, raw) in expand(list, &lists) {
                    if let Some(name) = raw.strip_prefix("@@").filter(|n| lists.contains_key(n)) {
                        lint(
                            format!("{path}[{i}]"),
                            format!("`{raw}` is the literal term `@{name}`, not the list `{name}`; write `@{name}` to use the list"),
                        );
                    }
                    let wildcard = raw.trim().starts_with('*') || raw.trim().ends_with('*');
                    let inner = raw.trim().trim_matches('*');
                    let form = normalize(inner).as_str().trim().to_string();
                    // An emoji reads as a `:name:` token, long and distinctive
                    // however few characters the author typed.
                    // A Han or kana character is a syllable, most often a
                    // morpheme: two of them make a word ("高薪").
                    let chars = if form.contains(':') {
                        form.chars().count()
                    } else {
                        inner
                            .trim()
                            .chars()
                            .map(|c| 1 + usize::from(logographic(c)))
                            .sum()
                    };
                    if !anchored && (chars < 3 || (wildcard && chars < 4)) {
                        lint(
                            format!("{path}[{i}]"),
                            format!("term `{raw}` is only {chars} characters; short terms match inside unrelated text and are too short to be safe"),
                        );
                    }
                    let key = format!(
                        "{}{form}{}",
                        raw.trim().starts_with('*'),
                        raw.trim().ends_with('*')
                    );
                    if let Some(prev) = seen.insert(key, raw.clone()) {
                        lint(
                            format!("{path}[{i}]"),
                            format!(
                                "duplicate term `{raw}` (same matching form `{form}` as `{prev}`)"
                            ),
                        );
                    }
                    if !path.ends_with("exceptions") && !wildcard {
                        rule_forms.push(form);
                    }
                }
            }
            if cr.disabled {
                lint(
                    base.clone(),
                    format!(
                        "rule `{}` is disabled by an override and can never fire",
                        r.id
                    ),
                );
            }
            if unconditional[idx as usize] {
                lint(
                    base.clone(),
                    format!(
                        "rule `{}` is suppressed by an unconditional filter and can never fire",
                        r.id
                    ),
                );
            }
            if contradicts(&cr.cond) {
                lint(
                    format!("{base}.match"),
                    "condition requires a term and its absence at once; the rule can never fire"
                        .into(),
                );
            }
            // Offer rules are read by the engine itself, not by meta rules.
            if r.helper && r.offer.is_none() && !referenced[idx as usize] {
                lint(
                    base.clone(),
                    format!("helper rule `{}` is not used by any meta rule", r.id),
                );
            }
            if !r.helper {
                let ex = r.explain.clone().unwrap_or_default();
                if ex.poster.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    lint(
                        format!("{base}.explain.poster"),
                        "missing poster explanation".into(),
                    );
                }
                if ex.reviewer.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    lint(
                        format!("{base}.explain.reviewer"),
                        "missing reviewer explanation".into(),
                    );
                }
                if let Some(poster) = &ex.poster {
                    let pf = format!(" {} ", normalize(poster).as_str());
                    for form in &rule_forms {
                        if form.chars().count() >= 5 && pf.contains(&format!(" {form} ")) {
                            lint(
                                format!("{base}.explain.poster"),
                                format!("poster explanation names the matched term `{form}`; poster text must not teach evasion"),
                            );
                            break;
                        }
                    }
                }
                if r.score == 0.0 && r.status == crate::pack::Status::Stable {
                    lint(
                        format!("{base}.score"),
                        "stable rule scores nothing; make it a helper or give it a score".into(),
                    );
                }
            }
            let tests = r.tests.clone().unwrap_or_default();
            if tests.fire.is_empty() {
                lint(
                    format!("{base}.tests.fire"),
                    "no test that must fire the rule".into(),
                );
            }
            if tests.pass.is_empty() && !r.helper {
                lint(
                    format!("{base}.tests.pass"),
                    "no test that must not fire the rule".into(),
                );
            }
        }
    }
    Ok(out)
}

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

fn expand<'a>(
    list: &'a [String],
    lists: &HashMap<&str, &'a Vec<String>>,
) -> Vec<(usize, &'a String)> {
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        match t
            .strip_prefix('@')
            .filter(|_| !t.starts_with("@@"))
            .and_then(|n| lists.get(n))
        {
            Some(items) => out.extend(items.iter().map(|x| (i, x))),
            None => out.push((i, t)),
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

/// Han ideographs and kana: each counts as two letters for the short-term
/// lint.
fn logographic(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}
