//! The rule-pack format: a serde model shared by TOML and JSON.
//!
//! See docs/pack-authors.md in the repository for the authoring guide. In
//! short, a pack is:
//!
//! ```toml
//! schema = 1
//!
//! [pack]
//! id = "example"
//! version = "1.0.0"
//! languages = ["en"]
//! thresholds = { warn = 3, review = 6, block = 10 }
//!
//! [lists]
//! fee = ["registration fee", "placement fee", "processing fee"]
//!
//! [[rule]]
//! id = "job.fee"
//! title = "Worker-paid recruitment fee"
//! category = "recruitment-fee"
//! tags = ["ilo:fair-recruitment"]
//! score = 4
//! max_tier = "review"
//! sections = ["jobs"]
//! match = { any = ["@fee"] }
//! exceptions = ["no fee", "never charge"]
//! explain.poster = "Job ads may not ask applicants to pay to get the job."
//! explain.reviewer = "Fee charged to the worker (ILO employer-pays principle)."
//! tests.fire = ["Registration fee 200 USD before departure"]
//! tests.pass = ["We never charge a registration fee."]
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, PackError};
use crate::tier::{Thresholds, Tier};

mod parse;

/// The newest pack schema this engine understands. Older schemas are
/// always accepted.
///
/// | schema | adds | first engine |
/// |---|---|---|
/// | 1 | term conditions, meta rules, filters, overrides, inline tests | redflag 0.1.0 |
/// | 2 | `entity` conditions (phones, e-mails, handles, prices, ages) | redflag 0.1.0 |
/// | 3 | `indicator` on rules (one indicator counts once across packs) | redflag 0.1.0 |
/// | 4 | `offer` rules (what an ad offers, read from its text) and `strength` | redflag 0.2.0 |
pub const SCHEMA_VERSION: u32 = 4;

/// The engine release that first read each schema (index = schema - 1).
pub(crate) const SCHEMA_SINCE: [&str; 4] = ["0.1.0", "0.1.0", "0.1.0", "0.2.0"];

/// Sections a rule can be scoped to. A submission whose section is missing
/// or not in this list is screened by the unscoped rules only.
pub const SECTIONS: [&str; 7] = [
    "jobs",
    "adult",
    "personals",
    "services",
    "housing",
    "for-sale",
    "community",
];

/// Other names platforms give the [`SECTIONS`], read as the section they
/// name (after lowercasing and reading `_` and spaces as `-`): an ad posted
/// under `dating` meets the `personals` rules, one under `employment` the
/// `jobs` rules. Rule packs name sections only by their canonical names.
pub const SECTION_ALIASES: &[(&str, &str)] = &[
    ("job", "jobs"),
    ("employment", "jobs"),
    ("work", "jobs"),
    ("careers", "jobs"),
    ("gigs", "jobs"),
    ("vacancies", "jobs"),
    ("recruitment", "jobs"),
    ("hiring", "jobs"),
    ("escorts", "adult"),
    ("escort", "adult"),
    ("adult-services", "adult"),
    ("companionship", "adult"),
    ("erotic", "adult"),
    ("dating", "personals"),
    ("personal", "personals"),
    ("singles", "personals"),
    ("massage", "services"),
    ("spa", "services"),
    ("beauty", "services"),
    ("wellness", "services"),
    ("service", "services"),
    ("real-estate", "housing"),
    ("rentals", "housing"),
    ("rooms", "housing"),
    ("roommates", "housing"),
    ("apartments", "housing"),
    ("accommodation", "housing"),
    ("forsale", "for-sale"),
    ("sale", "for-sale"),
    ("marketplace", "for-sale"),
    ("buy-sell", "for-sale"),
    ("events", "community"),
    ("announcements", "community"),
    ("notices", "community"),
];

/// The index in [`SECTIONS`] of a posted section, by its name or one of
/// the [`SECTION_ALIASES`], ignoring case, surrounding spaces and the
/// spelling of separators; `None` for anything else.
///
/// ```
/// use redflag::{section_index, SECTIONS};
/// assert_eq!(section_index("Jobs").map(|i| SECTIONS[i]), Some("jobs"));
/// assert_eq!(section_index(" dating ").map(|i| SECTIONS[i]), Some("personals"));
/// assert_eq!(section_index("adult_services").map(|i| SECTIONS[i]), Some("adult"));
/// assert_eq!(section_index("pets"), None);
/// ```
pub fn section_index(posted: &str) -> Option<usize> {
    let name: String = posted
        .trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let canonical = SECTION_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name.as_str(), |(_, to)| to);
    SECTIONS.iter().position(|k| *k == canonical)
}

/// A parsed rule pack.
///
/// Parsing checks the structure (types, required keys, unknown keys);
/// building an [`Engine`](crate::Engine) checks everything else (references,
/// terms, limits) across all the packs it loads.
///
/// ```
/// let pack = redflag::Pack::from_json(r#"{
///   "schema": 1,
///   "pack": {"id": "tiny", "version": "1.0.0"},
///   "rule": [{"id": "r", "title": "R", "category": "c", "score": 1, "match": {"any": ["x-ray"]}}]
/// }"#).unwrap();
/// assert_eq!(pack.id(), "tiny");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pack {
    /// The pack schema version this pack was written for.
    pub schema: u32,
    /// Pack metadata.
    pub pack: PackMeta,
    /// Named term lists, referenced from terms as `"@name"`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub lists: BTreeMap<String, Vec<String>>,
    /// Rules.
    #[serde(rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleDef>,
    /// Deployment filters that suppress rules (Sigma-style global filters).
    #[serde(rename = "filter", skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<FilterDef>,
    /// Changes to rules of packs loaded earlier (or of this pack).
    #[serde(rename = "override", skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideDef>,
    /// Where each rule stood in the source, when some rules could not be
    /// parsed and were left out (so paths in later errors stay right).
    #[serde(skip)]
    rule_origin: Vec<usize>,
}

/// Pack metadata.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackMeta {
    /// Unique id (`[a-z0-9._-]+`).
    pub id: String,
    /// Version string, e.g. `1.2.0`.
    pub version: String,
    /// Human title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the pack is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// BCP 47 language codes of the pack's terms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Tier thresholds. The last loaded pack that sets them wins; the caller
    /// can override them again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    /// Categories whose hits may be shown to posters (for example a fee
    /// charged to job applicants), as opposed to categories where showing
    /// the matched words would teach evasion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explainable_categories: Vec<String>,
    /// Authors or maintainers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Licence of the pack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Sources for the pack as a whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// Rule status, after Sigma.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Scores normally.
    #[default]
    Stable,
    /// Reported, but scores nothing and cannot raise the verdict.
    Experimental,
}

/// How strong an indicator is on its own ([`RuleDef::strength`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Only adds score: alone, or with other weak ones, at most `warn`.
    Weak,
    /// Scores as usual.
    Medium,
    /// Reaches `review` on its own (within the rule's `max_tier`).
    Strong,
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleDef {
    /// Unique id across all loaded packs (`[A-Za-z0-9._-]+`).
    pub id: String,
    /// Short human title.
    pub title: String,
    /// Category, e.g. `recruitment-fee`, `youth`, `third-party`.
    pub category: String,
    /// The indicator the rule detects, shared by rules that detect the same
    /// indicator in other packs (schema 3). When several rules naming one
    /// indicator fire, only the highest-scoring counts, so an ad written in
    /// one language, or in words several languages share ("24h", an emoji),
    /// does not score one indicator once per language pack.
    ///
    /// ```toml
    /// # in the English pack and in the Spanish pack
    /// indicator = "constant-availability"
    /// ```
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// Framework tags, e.g. `ilo:debt-bondage`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `stable` (default) or `experimental`.
    pub status: Status,
    /// A helper rule scores nothing and is not reported on its own; meta
    /// rules use it (SpamAssassin's `__` rules).
    #[serde(skip_serializing_if = "is_false")]
    pub helper: bool,
    /// Points added when the rule fires (may be negative).
    pub score: f64,
    /// How strong the indicator is on its own, after the ILO's 2012
    /// guidance (schema 4). A `strong` indicator that fires brings the
    /// verdict to at least `review` (within the rule's `max_tier`); a `weak`
    /// one adds its score but cannot by itself lift the verdict above
    /// `warn`; `medium` (and no strength) score as usual.
    ///
    /// ```toml
    /// strength = "strong"   # passport retention, debt bondage, threats
    /// ```
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
    /// What kind of ad this helper rule recognises from the text (schema 4):
    /// one of [`SECTIONS`]. When it fires, rules scoped to that section run
    /// too, whatever section the ad was posted in, so a recruiter posting
    /// under `housing`, or an ad with no section, still meets the job rules.
    /// An offer rule is a helper, has no `sections` and refers to no rules.
    ///
    /// ```toml
    /// [[rule]]
    /// id = "core.offer.job"
    /// title = "The ad offers work"
    /// category = "offer"
    /// helper = true
    /// offer = "jobs"
    /// match = { at_least = { n = 2, of = [{ any = ["salary", "wage*"] }, { any = ["hiring", "apply"] }] } }
    /// ```
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    /// The highest tier this rule can cause. Defaults to `review`, so only
    /// rules that say so can block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tier: Option<Tier>,
    /// Sections the rule applies to; empty means all submissions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// Fields the rule looks at; empty means all fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The condition.
    #[serde(rename = "match")]
    pub condition: Condition,
    /// Terms that cancel a hit when found within `exception_window` words of
    /// it ("we never charge a fee").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// Words either side of a hit in which an exception cancels it.
    pub exception_window: u32,
    /// Explanations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explain>,
    /// Sources for the indicator.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Known benign situations where the rule fires (Sigma `falsepositives`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub falsepositives: Vec<String>,
    /// Inline tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<RuleTests>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Default of `exception_window` and of an entity condition's `within`.
pub(crate) const DEFAULT_WINDOW: u32 = 6;

/// Explanations for the two audiences.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Explain {
    /// Shown to the person posting: general policy language that never names
    /// the words that triggered the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
    /// Shown to reviewers: the indicator, its source, what to check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
}

/// Inline tests of a rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleTests {
    /// Submissions that must fire the rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fire: Vec<TestCase>,
    /// Submissions that must not fire it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pass: Vec<TestCase>,
}

/// A test submission: a string is the `body`, screened in the rule's first
/// section; a table gives every field and optionally `section`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TestCase {
    /// Body text.
    Text(String),
    /// Fields by name, plus `section`.
    Fields(BTreeMap<String, String>),
}

/// A condition over the matching form of a submission.
///
/// Written as a table with exactly one key, e.g. `{ any = ["a", "b"] }`.
/// Term lists may include `"@list"` to splice a named list. A term matches
/// whole words; `*` at its start or end lets it match inside a word
/// (`"recruit*"` matches "recruiter").
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// At least one of the terms occurs.
    Any(Vec<String>),
    /// Every term occurs.
    All(Vec<String>),
    /// None of the terms occurs.
    #[serde(rename = "none")]
    NoneOf(Vec<String>),
    /// A term of `a` occurs within `within` words of a term of `b`, in the
    /// same field.
    Near(Near),
    /// At least `n` of the conditions hold.
    AtLeast(AtLeast),
    /// All conditions hold.
    And(Vec<Condition>),
    /// At least one condition holds.
    Or(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// Another rule (often a helper) fired.
    Rule(String),
    /// At least `min` of the rules matching these ids or globs (`job.*`)
    /// fired. A glob never matches the rule it is written in, nor helper
    /// rules unless it names them (`job.__*`). Experimental rules count only
    /// towards experimental rules.
    Rules(RulesCount),
    /// An extracted entity (phone number, e-mail, URL, handle, messaging
    /// invitation, price, stated age) with the given properties.
    Entity(EntityMatch),
}

/// A condition on extracted entities: at least one entity of `kind` in the
/// rule's fields matches every property given.
///
/// ```toml
/// # a stated age under 18
/// match = { entity = { kind = "age", max = 17 } }
/// # a phone number written to escape scrapers
/// match = { entity = { kind = "phone", obfuscated = true } }
/// # an amount within five words of a fee word
/// match = { entity = { kind = "price", near = ["fee", "deposit"], within = 5 } }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityMatch {
    /// `phone`, `email`, `url`, `handle`, `messaging`, `price` or `age`.
    pub kind: String,
    /// Only entities written with (true) or without (false) obfuscation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obfuscated: Option<bool>,
    /// Only entities written with one of these techniques
    /// (`number-words`, `letters-for-digits`, `spelled-at`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
    /// Smallest amount or age.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest amount or age.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Only these platforms (`whatsapp`, `telegram`, `app`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    /// Terms, one of which must occur within `within` words of the entity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub near: Vec<String>,
    /// Words allowed between the entity and a `near` term.
    pub within: u32,
}

/// Proximity of two term lists.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Near {
    /// First term list.
    pub a: Vec<String>,
    /// Second term list.
    pub b: Vec<String>,
    /// Most words allowed between the two terms.
    pub within: u32,
    /// Whether `a` must come before `b`.
    #[serde(skip_serializing_if = "is_false")]
    pub ordered: bool,
}

/// "At least n of".
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AtLeast {
    /// How many must hold.
    pub n: u32,
    /// The conditions.
    pub of: Vec<Condition>,
}

/// Counting fired rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RulesCount {
    /// Rule ids or globs with `*`.
    pub of: Vec<String>,
    /// How many must have fired.
    pub min: u32,
}

/// A deployment filter: while `when` holds (always, if absent), the rules
/// matching `rules` are suppressed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilterDef {
    /// Unique id.
    pub id: String,
    /// Why the filter exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rule ids or globs.
    pub rules: Vec<String>,
    /// Sections the filter applies in; empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    /// Fields the condition looks at; empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Term condition; rule references are not allowed here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
}

/// Changes to existing rules, applied in load order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OverrideDef {
    /// Rule id or glob.
    pub rule: String,
    /// New score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// New status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// New tier cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tier: Option<Tier>,
    /// Turn the rules off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

impl Pack {
    /// Parses a pack from JSON text.
    pub fn from_json(text: &str) -> Result<Pack, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::pack(None, "", format!("not valid JSON: {e}")))?;
        Pack::from_value(value)
    }

    /// Parses a pack from TOML text. TOML's `nan` and `inf` are refused
    /// where they are written (`rule[0].score: nan is not a finite
    /// number`): JSON has no such numbers, and turned into JSON they would
    /// silently read as absent.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Pack, Error> {
        let mut value: toml::Value = toml::from_str(text).map_err(|e| {
            Error::pack(
                None,
                "",
                format!("not valid TOML: {}", e.to_string().trim_end()),
            )
        })?;
        let mut non_finite = Vec::new();
        take_non_finite(&mut value, &mut String::new(), &mut non_finite);
        // Plain data with string keys: cannot fail.
        let value = serde_json::to_value(value)
            .map_err(|e| Error::pack(None, "", format!("not valid TOML: {e}")))?;
        if non_finite.is_empty() {
            return Pack::from_value(value);
        }
        let id = value
            .get("pack")
            .and_then(|p| p.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let (_, others) = Pack::from_value_lenient(value);
        let mut errors: Vec<PackError> = non_finite
            .iter()
            .map(|(path, x)| PackError {
                pack: id.clone(),
                path: path.clone(),
                message: format!("{x} is not a finite number; write a number such as 2 or 0.5"),
            })
            .collect();
        // What the walker says about the placeholders is said above.
        errors.extend(
            others
                .into_iter()
                .filter(|e| !non_finite.iter().any(|(p, _)| *p == e.path)),
        );
        Err(Error::Pack(errors))
    }

    /// Parses a pack from a JSON value (what a JavaScript caller hands over
    /// as an object). Every rule, filter and override is checked, and every
    /// problem is reported, not only the first.
    pub fn from_value(value: Value) -> Result<Pack, Error> {
        let (pack, errors) = Pack::from_value_lenient(value);
        match pack {
            Some(p) if errors.is_empty() => Ok(p),
            _ => Err(Error::Pack(errors)),
        }
    }

    /// Parses what can be parsed: broken rules, filters and overrides are
    /// left out and reported. Returns `None` if the pack header itself is
    /// unusable.
    pub(crate) fn from_value_lenient(value: Value) -> (Option<Pack>, Vec<PackError>) {
        let mut errors = Vec::new();
        let Value::Object(mut top) = value else {
            errors.push(PackError {
                pack: None,
                path: String::new(),
                message: "a pack must be a table/object".into(),
            });
            return (None, errors);
        };
        let id = top
            .get("pack")
            .and_then(|p| p.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let err = |path: String, message: String| PackError {
            pack: id.clone(),
            path,
            message,
        };

        // `$schema` names the JSON Schema an editor checks the pack with
        // (`redflag/pack.schema.json`); the engine has no use for it.
        if top.remove("$schema").is_some_and(|v| !v.is_string()) {
            errors.push(err(
                "$schema".into(),
                "expected a string (the URL or path of the pack's JSON Schema)".into(),
            ));
        }
        for key in top.keys() {
            if !matches!(
                key.as_str(),
                "schema" | "pack" | "lists" | "rule" | "filter" | "override"
            ) {
                errors.push(err(
                    key.clone(),
                    "unknown key; expected one of `schema`, `pack`, `lists`, `rule`, `filter`, `override`".into(),
                ));
            }
        }
        let schema = match top.remove("schema") {
            None => {
                errors.push(err(
                    "schema".into(),
                    format!("missing; write `schema = {SCHEMA_VERSION}` at the top of the pack"),
                ));
                None
            }
            Some(v) => match v.as_u64() {
                Some(s) if s >= 1 && s <= u64::from(SCHEMA_VERSION) => Some(s as u32),
                Some(s) if s > u64::from(SCHEMA_VERSION) => {
                    errors.push(err(
                        "schema".into(),
                        format!(
                            "schema {s} is newer than this engine reads (schemas 1 to \
                             {SCHEMA_VERSION}, redflag {}); load it with a redflag release \
                             that supports schema {s}",
                            env!("CARGO_PKG_VERSION")
                        ),
                    ));
                    None
                }
                _ => {
                    errors.push(err("schema".into(), "expected a positive integer".into()));
                    None
                }
            },
        };
        let pack_id = id.clone();
        let mut p = parse::Parser {
            pack: pack_id,
            errors: &mut errors,
        };
        let meta: Option<PackMeta> = match top.get("pack") {
            None => {
                p.err(
                    "pack".into(),
                    "missing `[pack]` table with `id` and `version`",
                );
                None
            }
            Some(v) => parse::meta(&mut p, v, &|| "pack".into()),
        };
        let lists = match top.get("lists") {
            None => BTreeMap::new(),
            Some(v) => parse::lists(&mut p, v, &|| "lists".into()).unwrap_or_default(),
        };
        let (rules, rule_origin) = each(&mut p, top.get("rule"), "rule", parse::rule);
        let filters = each(&mut p, top.get("filter"), "filter", parse::filter).0;
        let overrides = each(&mut p, top.get("override"), "override", parse::override_def).0;
        match (schema, meta) {
            (Some(schema), Some(pack)) => (
                Some(Pack {
                    schema,
                    pack,
                    lists,
                    rules,
                    filters,
                    overrides,
                    rule_origin,
                }),
                errors,
            ),
            _ => (None, errors),
        }
    }

    /// The position of `rules[i]` in the source text.
    pub(crate) fn rule_position(&self, i: usize) -> usize {
        self.rule_origin.get(i).copied().unwrap_or(i)
    }

    /// An empty pack with this id and version.
    pub(crate) fn empty(id: &str, version: &str) -> Pack {
        Pack {
            schema: SCHEMA_VERSION,
            pack: PackMeta {
                id: id.into(),
                version: version.into(),
                title: None,
                description: None,
                languages: Vec::new(),
                thresholds: None,
                explainable_categories: Vec::new(),
                authors: Vec::new(),
                license: None,
                references: Vec::new(),
            },
            lists: BTreeMap::new(),
            rules: Vec::new(),
            filters: Vec::new(),
            overrides: Vec::new(),
            rule_origin: Vec::new(),
        }
    }

    /// The pack id.
    pub fn id(&self) -> &str {
        &self.pack.id
    }

    /// The pack version.
    pub fn version(&self) -> &str {
        &self.pack.version
    }

    /// The pack as JSON text (what browsers and workers load).
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Replaces every non-finite float in a TOML value with a string
/// placeholder (so the pack walker still sees a value there), recording its
/// path in the walker's notation (`rule[0].match.near.within`) and how it
/// was written.
#[cfg(feature = "toml")]
fn take_non_finite(v: &mut toml::Value, path: &mut String, found: &mut Vec<(String, String)>) {
    let len = path.len();
    match v {
        toml::Value::Float(x) if !x.is_finite() => {
            let written = if x.is_nan() {
                "nan"
            } else if *x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            found.push((path.clone(), written.to_string()));
            *v = toml::Value::String(written.to_string());
        }
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push_str(&format!("[{i}]"));
                take_non_finite(item, path, found);
                path.truncate(len);
            }
        }
        toml::Value::Table(t) => {
            for (k, item) in t.iter_mut() {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                take_non_finite(item, path, found);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// Parses each item of an array of tables on its own; returns the items
/// that parsed and their positions in the source.
fn each<T>(
    p: &mut parse::Parser<'_>,
    v: Option<&Value>,
    base: &str,
    item: fn(&mut parse::Parser<'_>, &Value, parse::Path<'_>) -> Option<T>,
) -> (Vec<T>, Vec<usize>) {
    match v {
        None => (Vec::new(), Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| item(p, v, &|| format!("{base}[{i}]")).map(|t| (t, i)))
            .unzip(),
        Some(_) => {
            p.err(
                base.to_string(),
                format!("expected an array of tables (`[[{base}]]`)"),
            );
            (Vec::new(), Vec::new())
        }
    }
}
