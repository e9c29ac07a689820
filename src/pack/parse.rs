//! JSON values (parsed JSON or TOML) → the pack model, with the path of
//! every problem.
//!
//! Written out by hand instead of derived with serde: the derived
//! deserialisers, instantiated for each input format and wrapped to track
//! paths, were a quarter of the `.wasm`. This walks a `serde_json::Value`
//! once and reports each problem where it is (`rule[3].match.near.within:
//! expected an integer, found "two"`), then goes on with the next field.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{
    AtLeast, Condition, EntityMatch, Explain, FilterDef, Near, OverrideDef, PackMeta, RuleDef,
    RuleTests, RulesCount, Status, Strength, TestCase,
};
use crate::error::PackError;
use crate::tier::{Thresholds, Tier};

/// Where a value is, for messages: built only when there is a problem.
pub(super) type Path<'a> = &'a dyn Fn() -> String;

/// Collects problems while walking one pack.
pub(super) struct Parser<'e> {
    pub pack: Option<String>,
    pub errors: &'e mut Vec<PackError>,
}

/// A JSON type in words, for "expected …, found …".
fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{}`", crate::fmtnum::number(n.as_f64().unwrap_or(0.0))),
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "a table".into(),
    }
}

fn join_keys(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn at(path: Path<'_>, key: &str) -> String {
    let p = path();
    if p.is_empty() {
        key.to_string()
    } else {
        format!("{p}.{key}")
    }
}

impl Parser<'_> {
    pub(super) fn err(&mut self, path: String, message: impl Into<String>) {
        self.errors.push(PackError {
            pack: self.pack.clone(),
            path,
            message: message.into(),
        });
    }

    fn expected(&mut self, path: Path<'_>, what: &str, v: &Value) {
        let m = format!("expected {what}, found {}", found(v));
        self.err(path(), m);
    }

    /// A table whose keys are all in `allowed`; unknown keys are reported
    /// and skipped.
    fn table<'v>(
        &mut self,
        v: &'v Value,
        path: Path<'_>,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Value::Object(m) = v else {
            self.expected(path, what, v);
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(&k.as_str()) {
                let msg = format!(
                    "unknown field `{k}`, expected one of {}",
                    join_keys(allowed)
                );
                self.err(at(path, k), msg);
            }
        }
        Some(m)
    }

    fn string(&mut self, v: &Value, path: Path<'_>) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.expected(path, "a string", v);
                None
            }
        }
    }

    fn strings(&mut self, v: &Value, path: Path<'_>) -> Option<Vec<String>> {
        let Value::Array(items) = v else {
            self.expected(path, "an array of strings", v);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.string(item, &|| format!("{}[{i}]", path())) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn uint(&mut self, v: &Value, path: Path<'_>) -> Option<u32> {
        match v.as_u64() {
            Some(n) if n <= u64::from(u32::MAX) => Some(n as u32),
            _ => {
                self.expected(path, "an integer (0 or more)", v);
                None
            }
        }
    }

    fn number(&mut self, v: &Value, path: Path<'_>) -> Option<f64> {
        match v.as_f64() {
            Some(n) => Some(n),
            None => {
                self.expected(path, "a number", v);
                None
            }
        }
    }

    fn boolean(&mut self, v: &Value, path: Path<'_>) -> Option<bool> {
        match v {
            Value::Bool(b) => Some(*b),
            _ => {
                self.expected(path, "`true` or `false`", v);
                None
            }
        }
    }

    fn tier(&mut self, v: &Value, path: Path<'_>) -> Option<Tier> {
        let s = self.string(v, path)?;
        match s.parse() {
            Ok(t) => Some(t),
            Err(_) => {
                self.err(
                    path(),
                    format!(
                        "unknown variant `{s}`, expected one of `allow`, `warn`, `review`, `block`"
                    ),
                );
                None
            }
        }
    }

    fn status(&mut self, v: &Value, path: Path<'_>) -> Option<Status> {
        match self.string(v, path)?.as_str() {
            "stable" => Some(Status::Stable),
            "experimental" => Some(Status::Experimental),
            s => {
                let m = format!("unknown variant `{s}`, expected `stable` or `experimental`");
                self.err(path(), m);
                None
            }
        }
    }

    fn strength(&mut self, v: &Value, path: Path<'_>) -> Option<Strength> {
        match self.string(v, path)?.as_str() {
            "weak" => Some(Strength::Weak),
            "medium" => Some(Strength::Medium),
            "strong" => Some(Strength::Strong),
            s => {
                let m = format!("unknown variant `{s}`, expected `weak`, `medium` or `strong`");
                self.err(path(), m);
                None
            }
        }
    }

    fn thresholds(&mut self, v: &Value, path: Path<'_>) -> Option<Thresholds> {
        let m = self.table(
            v,
            path,
            "a table {warn, review, block}",
            &["warn", "review", "block"],
        )?;
        let get = |p: &mut Self, k: &str| match m.get(k) {
            Some(v) => p.number(v, &|| at(path, k)),
            None => {
                p.err(path(), format!("missing field `{k}`"));
                None
            }
        };
        let (warn, review, block) = (get(self, "warn"), get(self, "review"), get(self, "block"));
        Some(Thresholds {
            warn: warn?,
            review: review?,
            block: block?,
        })
    }
}

/// Reads the fields of one table: required and optional fields with their
/// paths, recording whether anything failed.
struct Fields<'m, 'p, 'e> {
    p: &'m mut Parser<'e>,
    m: &'m Map<String, Value>,
    path: Path<'p>,
    ok: bool,
}

impl<'m, 'p, 'e> Fields<'m, 'p, 'e> {
    fn new(p: &'m mut Parser<'e>, m: &'m Map<String, Value>, path: Path<'p>) -> Self {
        Fields {
            p,
            m,
            path,
            ok: true,
        }
    }

    /// An optional field, read with `f` if present (JSON `null` is absent).
    fn opt<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Parser<'e>, &Value, Path<'_>) -> Option<T>,
    ) -> Option<T> {
        let v = self.m.get(key).filter(|v| !v.is_null())?;
        let path = self.path;
        let r = f(self.p, v, &|| at(path, key));
        self.ok &= r.is_some();
        r
    }

    /// A required field.
    fn req<T>(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Parser<'e>, &Value, Path<'_>) -> Option<T>,
    ) -> Option<T> {
        if self.m.get(key).is_none_or(Value::is_null) {
            self.p.err((self.path)(), format!("missing field `{key}`"));
            self.ok = false;
            return None;
        }
        self.opt(key, f)
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        self.opt(key, |p, v, path| p.strings(v, path))
            .unwrap_or_default()
    }

    fn string(&mut self, key: &str) -> Option<String> {
        self.opt(key, |p, v, path| p.string(v, path))
    }
}

const META_KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "description",
    "languages",
    "thresholds",
    "explainable_categories",
    "authors",
    "license",
    "references",
];

pub(super) fn meta(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<PackMeta> {
    let m = p.table(
        v,
        path,
        "a table `[pack]` with `id` and `version`",
        META_KEYS,
    )?;
    let mut f = Fields::new(p, m, path);
    let id = f.req("id", |p, v, path| p.string(v, path));
    let version = f.req("version", |p, v, path| p.string(v, path));
    let meta = PackMeta {
        id: id.unwrap_or_default(),
        version: version.unwrap_or_default(),
        title: f.string("title"),
        description: f.string("description"),
        languages: f.strings("languages"),
        thresholds: f.opt("thresholds", |p, v, path| p.thresholds(v, path)),
        explainable_categories: f.strings("explainable_categories"),
        authors: f.strings("authors"),
        license: f.string("license"),
        references: f.strings("references"),
    };
    f.ok.then_some(meta)
}

pub(super) fn lists(
    p: &mut Parser<'_>,
    v: &Value,
    path: Path<'_>,
) -> Option<BTreeMap<String, Vec<String>>> {
    let Value::Object(m) = v else {
        p.expected(path, "a table of term lists", v);
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (name, items) in m {
        match p.strings(items, &|| at(path, name)) {
            Some(items) => {
                out.insert(name.clone(), items);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "category",
    "indicator",
    "tags",
    "status",
    "helper",
    "score",
    "strength",
    "offer",
    "max_tier",
    "sections",
    "fields",
    "match",
    "exceptions",
    "exception_window",
    "explain",
    "references",
    "falsepositives",
    "tests",
];

pub(super) fn rule(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<RuleDef> {
    let m = p.table(v, path, "a rule table", RULE_KEYS)?;
    let mut f = Fields::new(p, m, path);
    let id = f.req("id", |p, v, path| p.string(v, path));
    let title = f.req("title", |p, v, path| p.string(v, path));
    let category = f.req("category", |p, v, path| p.string(v, path));
    let condition = f.req("match", condition);
    let rule = RuleDef {
        id: id.unwrap_or_default(),
        title: title.unwrap_or_default(),
        category: category.unwrap_or_default(),
        indicator: f.opt("indicator", |p, v, path| p.string(v, path)),
        tags: f.strings("tags"),
        status: f
            .opt("status", |p, v, path| p.status(v, path))
            .unwrap_or_default(),
        helper: f
            .opt("helper", |p, v, path| p.boolean(v, path))
            .unwrap_or(false),
        score: f
            .opt("score", |p, v, path| p.number(v, path))
            .unwrap_or(0.0),
        strength: f.opt("strength", |p, v, path| p.strength(v, path)),
        offer: f.opt("offer", |p, v, path| p.string(v, path)),
        max_tier: f.opt("max_tier", |p, v, path| p.tier(v, path)),
        sections: f.strings("sections"),
        fields: f.strings("fields"),
        condition: condition.unwrap_or(Condition::Or(Vec::new())),
        exceptions: f.strings("exceptions"),
        exception_window: f
            .opt("exception_window", |p, v, path| p.uint(v, path))
            .unwrap_or(super::DEFAULT_WINDOW),
        explain: f.opt("explain", explain),
        references: f.strings("references"),
        falsepositives: f.strings("falsepositives"),
        tests: f.opt("tests", tests),
    };
    f.ok.then_some(rule)
}

fn explain(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<Explain> {
    let m = p.table(
        v,
        path,
        "a table {poster, reviewer}",
        &["poster", "reviewer"],
    )?;
    let mut f = Fields::new(p, m, path);
    let e = Explain {
        poster: f.string("poster"),
        reviewer: f.string("reviewer"),
    };
    f.ok.then_some(e)
}

fn tests(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<RuleTests> {
    let m = p.table(v, path, "a table {fire, pass}", &["fire", "pass"])?;
    let mut f = Fields::new(p, m, path);
    let t = RuleTests {
        fire: f.opt("fire", cases).unwrap_or_default(),
        pass: f.opt("pass", cases).unwrap_or_default(),
    };
    f.ok.then_some(t)
}

fn cases(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<Vec<TestCase>> {
    let Value::Array(items) = v else {
        p.expected(path, "an array of test cases", v);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let path = || format!("{}[{i}]", path());
        match item {
            Value::String(s) => out.push(TestCase::Text(s.clone())),
            Value::Object(m) if m.values().all(Value::is_string) => {
                let mut fields = BTreeMap::new();
                for (k, v) in m {
                    fields.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                }
                out.push(TestCase::Fields(fields));
            }
            other => {
                p.expected(&path, "a string or a table of fields", other);
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

const CONDITIONS: &[&str] = &[
    "any", "all", "none", "near", "at_least", "and", "or", "not", "rule", "rules", "entity",
];

/// A condition: a table with exactly one key.
pub(super) fn condition(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<Condition> {
    let m = match v {
        Value::Object(m) if m.len() == 1 => m,
        Value::Object(m) if m.len() > 1 => {
            let keys: Vec<&str> = m.keys().map(String::as_str).collect();
            p.err(
                path(),
                format!(
                    "a condition has exactly one key, found {}; combine conditions with `and` or `or`",
                    join_keys(&keys)
                ),
            );
            return None;
        }
        other => {
            p.expected(path, "a condition such as {any = [...]}", other);
            return None;
        }
    };
    let (key, v) = m.iter().next()?;
    let sub = || at(path, key);
    Some(match key.as_str() {
        "any" => Condition::Any(p.strings(v, &sub)?),
        "all" => Condition::All(p.strings(v, &sub)?),
        "none" => Condition::NoneOf(p.strings(v, &sub)?),
        "near" => {
            let m = p.table(
                v,
                &sub,
                "a table {a, b, within}",
                &["a", "b", "within", "ordered"],
            )?;
            let mut f = Fields::new(p, m, &sub);
            let a = f.req("a", |p, v, path| p.strings(v, path));
            let b = f.req("b", |p, v, path| p.strings(v, path));
            let within = f.req("within", |p, v, path| p.uint(v, path));
            let ordered = f.opt("ordered", |p, v, path| p.boolean(v, path));
            if !f.ok {
                return None;
            }
            Condition::Near(Near {
                a: a?,
                b: b?,
                within: within?,
                ordered: ordered.unwrap_or(false),
            })
        }
        "at_least" => {
            let m = p.table(v, &sub, "a table {n, of}", &["n", "of"])?;
            let mut f = Fields::new(p, m, &sub);
            let n = f.req("n", |p, v, path| p.uint(v, path));
            let of = f.req("of", conditions);
            if !f.ok {
                return None;
            }
            Condition::AtLeast(AtLeast { n: n?, of: of? })
        }
        "and" => Condition::And(conditions(p, v, &sub)?),
        "or" => Condition::Or(conditions(p, v, &sub)?),
        "not" => Condition::Not(Box::new(condition(p, v, &sub)?)),
        "rule" => Condition::Rule(p.string(v, &sub)?),
        "rules" => {
            let m = p.table(v, &sub, "a table {of, min}", &["of", "min"])?;
            let mut f = Fields::new(p, m, &sub);
            let of = f.req("of", |p, v, path| p.strings(v, path));
            let min = f.req("min", |p, v, path| p.uint(v, path));
            if !f.ok {
                return None;
            }
            Condition::Rules(RulesCount { of: of?, min: min? })
        }
        "entity" => Condition::Entity(entity(p, v, &sub)?),
        other => {
            let m = format!(
                "unknown variant `{other}`, expected one of {}",
                join_keys(CONDITIONS)
            );
            p.err(path(), m);
            return None;
        }
    })
}

fn conditions(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<Vec<Condition>> {
    let Value::Array(items) = v else {
        p.expected(path, "an array of conditions", v);
        return None;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, c) in items.iter().enumerate() {
        match condition(p, c, &|| format!("{}[{i}]", path())) {
            Some(c) => out.push(c),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

const ENTITY_KEYS: &[&str] = &[
    "kind",
    "obfuscated",
    "written",
    "min",
    "max",
    "platforms",
    "near",
    "within",
];

fn entity(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<EntityMatch> {
    let m = p.table(v, path, "a table {kind, ...}", ENTITY_KEYS)?;
    let mut f = Fields::new(p, m, path);
    let kind = f.req("kind", |p, v, path| p.string(v, path));
    let e = EntityMatch {
        kind: kind.unwrap_or_default(),
        obfuscated: f.opt("obfuscated", |p, v, path| p.boolean(v, path)),
        written: f.strings("written"),
        min: f.opt("min", |p, v, path| p.number(v, path)),
        max: f.opt("max", |p, v, path| p.number(v, path)),
        platforms: f.strings("platforms"),
        near: f.strings("near"),
        within: f
            .opt("within", |p, v, path| p.uint(v, path))
            .unwrap_or(super::DEFAULT_WINDOW),
    };
    f.ok.then_some(e)
}

const FILTER_KEYS: &[&str] = &["id", "description", "rules", "sections", "fields", "when"];

pub(super) fn filter(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<FilterDef> {
    let m = p.table(v, path, "a filter table", FILTER_KEYS)?;
    let mut f = Fields::new(p, m, path);
    let id = f.req("id", |p, v, path| p.string(v, path));
    let rules = f.req("rules", |p, v, path| p.strings(v, path));
    let def = FilterDef {
        id: id.unwrap_or_default(),
        description: f.string("description"),
        rules: rules.unwrap_or_default(),
        sections: f.strings("sections"),
        fields: f.strings("fields"),
        when: f.opt("when", condition),
    };
    f.ok.then_some(def)
}

const OVERRIDE_KEYS: &[&str] = &["rule", "score", "status", "max_tier", "disabled"];

pub(super) fn override_def(p: &mut Parser<'_>, v: &Value, path: Path<'_>) -> Option<OverrideDef> {
    let m = p.table(v, path, "an override table", OVERRIDE_KEYS)?;
    let mut f = Fields::new(p, m, path);
    let rule = f.req("rule", |p, v, path| p.string(v, path));
    let def = OverrideDef {
        rule: rule.unwrap_or_default(),
        score: f.opt("score", |p, v, path| p.number(v, path)),
        status: f.opt("status", |p, v, path| p.status(v, path)),
        max_tier: f.opt("max_tier", |p, v, path| p.tier(v, path)),
        disabled: f.opt("disabled", |p, v, path| p.boolean(v, path)),
    };
    f.ok.then_some(def)
}
