//! Every way a pack can be wrong is reported with its path, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use redflag::{Engine, Error, Limits, Pack, Submission, Tier};

fn rule(extra: &str) -> String {
    format!(r#"{{"schema": 1, "pack": {{"id": "p", "version": "1"}}, "rule": [{extra}]}}"#)
}

fn has(errors: &[(String, String)], path: &str, needle: &str) -> bool {
    errors.iter().any(|(p, m)| p == path && m.contains(needle))
}

#[track_caller]
fn assert_error(json: &str, path: &str, needle: &str) {
    let errors = errors_of(json);
    assert!(
        has(&errors, path, needle),
        "expected `{path}: …{needle}…` in {errors:#?}"
    );
}

const OK: &str =
    r#"{"id": "a", "title": "A", "category": "c", "score": 1, "match": {"any": ["alpha"]}}"#;

#[test]
fn a_pack_may_name_its_json_schema_for_editors() {
    let named = format!(
        r#"{{"$schema": "./node_modules/redflag/pack.schema.json", {}"#,
        &rule(OK)[1..]
    );
    assert_eq!(errors_of(&named), vec![]);
    assert_error(
        r#"{"$schema": 4, "schema": 1, "pack": {"id": "p", "version": "1"}}"#,
        "$schema",
        "expected a string",
    );
}

#[test]
fn a_valid_pack_has_no_errors() {
    assert_eq!(errors_of(&rule(OK)), vec![]);
}

#[test]
fn syntax_errors_say_where() {
    let e = Pack::from_json("{\"schema\": 1,").unwrap_err().to_string();
    assert!(e.contains("not valid JSON") && e.contains("line 1"), "{e}");
    let e = Pack::from_toml("schema = 1\n[pack\nid = 1")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not valid TOML") && e.contains("line 2"), "{e}");
    let e = redflag::validate_json(&["[1, 2]"]);
    assert_eq!(e[0].message, "a pack must be a table/object");
}

#[test]
fn header_problems() {
    assert_error(
        r#"{"pack": {"id": "p", "version": "1"}}"#,
        "schema",
        "missing",
    );
    assert_error(
        r#"{"schema": 99, "pack": {"id": "p", "version": "1"}}"#,
        "schema",
        concat!(
            "schema 99 is newer than this engine reads (schemas 1 to 4, redflag ",
            env!("CARGO_PKG_VERSION"),
            "); load it with a redflag release that supports schema 99"
        ),
    );
    // Older schemas keep loading; a schema-1 pack cannot use what schema 2 added.
    assert!(
        redflag::validate_json(&[r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
        "rule": [{"id": "r", "title": "R", "category": "c", "match": {"any": ["alpha"]}}]}"#])
        .is_empty()
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p", "version": "1"},
            "rule": [{"id": "r", "title": "R", "category": "c", "match": {"entity": {"kind": "age", "max": 17}}}]}"#,
        "rule[0].match.entity",
        "`entity` conditions need `schema = 2`",
    );
    assert_error(
        r#"{"schema": "one", "pack": {"id": "p", "version": "1"}}"#,
        "schema",
        "positive integer",
    );
    assert_error(r#"{"schema": 1}"#, "pack", "missing");
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p"}}"#,
        "pack",
        "missing field `version`",
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "P Q", "version": "1"}}"#,
        "pack.id",
        "a-z",
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p", "version": " "}}"#,
        "pack.version",
        "empty",
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p", "version": "1"}, "rules": []}"#,
        "rules",
        "unknown key",
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p", "version": "1", "thresholds": {"warn": 5, "review": 3, "block": 9}}}"#,
        "pack.thresholds",
        "0 < warn <= review <= block",
    );
    assert_error(
        r#"{"schema": 1, "pack": {"id": "p", "version": "1", "colour": "red"}}"#,
        "pack.colour",
        "unknown field `colour`",
    );
}

#[test]
fn type_errors_carry_the_full_path() {
    let json = rule(
        r#"{"id": "a", "title": "A", "category": "c", "match": {"near": {"a": ["x1"], "b": ["y1"], "within": "two"}}}"#,
    );
    assert_error(&json, "rule[0].match.near.within", "expected an integer");
    let json = rule(&format!(
        r#"{OK}, {{"id": "b", "title": "B", "category": "c", "match": {{"and": [{{"any": ["x"]}}, {{"near": {{"a": [1]}}}}]}}}}"#
    ));
    assert_error(&json, "rule[1].match.and[1].near.a[0]", "expected a string");
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "scroe": 1, "match": {"any": ["x"]}}"#),
        "rule[0].scroe",
        "unknown field `scroe`",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "match": {"anyof": ["x"]}}"#),
        "rule[0].match",
        "unknown variant `anyof`",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"any": ["x"]}, "max_tier": "ban"}"#,
        ),
        "rule[0].max_tier",
        "unknown variant `ban`",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"any": ["x"]}, "status": "beta"}"#,
        ),
        "rule[0].status",
        "unknown variant `beta`",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c"}"#),
        "rule[0]",
        "missing field `match`",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"any": ["x"]}, "tests": {"fire": [3]}}"#,
        ),
        "rule[0].tests.fire[0]",
        "expected a string or a table",
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let json = rule(&format!(
        r#"{{"id": "a", "title": "A", "category": "c", "score": "high", "match": {{"any": ["x"]}}}},
           {OK},
           {{"id": "c", "title": "C", "category": "c", "match": {{"rule": "nope"}}}},
           {{"id": "d", "title": "D", "category": "c", "match": {{"any": ["ok"]}}, "sections": ["jobz"]}}"#
    ));
    let errors = errors_of(&json);
    assert!(
        has(&errors, "rule[0].score", "expected a number"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, "rule[2].match.rule", "unknown rule `nope`"),
        "{errors:#?}"
    );
    assert!(
        has(&errors, "rule[3].sections[0]", "unknown section `jobz`"),
        "{errors:#?}"
    );
}

#[test]
fn semantic_problems() {
    let dup = rule(&format!("{OK}, {OK}"));
    assert_error(&dup, "rule[1].id", "duplicate rule id `a`");
    assert_error(
        &rule(r#"{"id": "a b", "title": "A", "category": "c", "match": {"any": ["x"]}}"#),
        "rule[0].id",
        "must be",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": " ", "category": "c", "match": {"any": ["x"]}}"#),
        "rule[0].title",
        "empty",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "", "match": {"any": ["x"]}}"#),
        "rule[0].category",
        "empty",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "match": {"any": []}}"#),
        "rule[0].match.any",
        "empty",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "match": {"any": ["\u200b"]}}"#),
        "rule[0].match.any[0]",
        "empty in matching form",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "match": {"any": ["@nolist"]}}"#),
        "rule[0].match.any[0]",
        "unknown list `@nolist`",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "score": 1e9, "match": {"any": ["x"]}}"#,
        ),
        "rule[0].score",
        "between -1000 and 1000",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "helper": true, "score": 2, "match": {"any": ["x"]}}"#,
        ),
        "rule[0].score",
        "helper rules score nothing",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"near": {"a": ["x"], "b": ["y"], "within": 80}}}"#,
        ),
        "rule[0].match.near.within",
        "at most 50",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "exception_window": 99, "match": {"any": ["x"]}}"#,
        ),
        "rule[0].exception_window",
        "at most 50",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"at_least": {"n": 3, "of": [{"any": ["x"]}]}}}"#,
        ),
        "rule[0].match.at_least.n",
        "between 1 and",
    );
    assert_error(
        &rule(r#"{"id": "a", "title": "A", "category": "c", "match": {"and": []}}"#),
        "rule[0].match.and",
        "at least one condition",
    );
    assert_error(
        &rule(
            r#"{"id": "a", "title": "A", "category": "c", "match": {"rules": {"of": ["z.*"], "min": 1}}}"#,
        ),
        "rule[0].match.rules.of[0]",
        "no rule matches `z.*`",
    );
    assert_error(
        &rule(&format!(
            r#"{OK}, {{"id": "b", "title": "B", "category": "c", "match": {{"rules": {{"of": ["a"], "min": 2}}}}}}"#
        )),
        "rule[1].match.rules.min",
        "between 1 and",
    );
    let long = "abcdefghij".repeat(30);
    assert_error(
        &rule(&format!(
            r#"{{"id": "a", "title": "A", "category": "c", "match": {{"any": ["{long}"]}}}}"#
        )),
        "rule[0].match.any[0]",
        "max_term_bytes",
    );
}

#[test]
fn cycles_between_rules_are_refused() {
    let json = rule(
        r#"{"id": "a", "title": "A", "category": "c", "match": {"rule": "b"}},
           {"id": "b", "title": "B", "category": "c", "match": {"or": [{"any": ["x"]}, {"rule": "a"}]}}"#,
    );
    let errors = errors_of(&json);
    assert!(
        errors.iter().any(|(_, m)| m.contains("depends on itself")),
        "{errors:#?}"
    );
    // A glob never matches the rule it is written in.
    let json = rule(&format!(
        r#"{OK}, {{"id": "all", "title": "All", "category": "c", "match": {{"rules": {{"of": ["*"], "min": 1}}}}}}"#
    ));
    assert_eq!(errors_of(&json), vec![]);
}

#[test]
fn lists_filters_and_overrides() {
    let base = r#""schema": 1, "pack": {"id": "p", "version": "1"}"#;
    assert_error(
        &format!(r#"{{{base}, "lists": {{"x": ["@y"]}}}}"#),
        "lists.x[0]",
        "cannot include other lists",
    );
    assert_error(
        &format!(r#"{{{base}, "lists": {{"x": []}}}}"#),
        "lists.x",
        "empty",
    );
    assert_error(
        &format!(r#"{{{base}, "rule": [{OK}], "filter": [{{"id": "f", "rules": ["zz"]}}]}}"#),
        "filter[0].rules[0]",
        "no rule matches `zz`",
    );
    assert_error(
        &format!(
            r#"{{{base}, "rule": [{OK}], "filter": [{{"id": "f", "rules": ["a"], "when": {{"rule": "a"}}}}]}}"#
        ),
        "filter[0].when.rule",
        "filters cannot refer to rules",
    );
    assert_error(
        &format!(
            r#"{{{base}, "rule": [{OK}], "filter": [{{"id": "f", "rules": ["a"], "sections": ["nope"]}}]}}"#
        ),
        "filter[0].sections[0]",
        "unknown section",
    );
    assert_error(
        &format!(r#"{{{base}, "rule": [{OK}], "override": [{{"rule": "b"}}]}}"#),
        "override[0].rule[0]",
        "no rule matches `b`",
    );
    assert_error(
        &format!(r#"{{{base}, "rule": [{OK}], "override": [{{"rule": "a", "score": "x"}}]}}"#),
        "override[0].score",
        "expected a number",
    );
    assert_error(
        &format!(r#"{{{base}, "rule": {OK}}}"#),
        "rule",
        "expected an array",
    );
}

#[test]
fn packs_compose_and_conflicts_are_reported() {
    let a = pack("a", "[lists]\nx = [\"alpha\"]\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nmatch = { any = [\"@x\"] }\n");
    let same_id = pack("a", "");
    let e = Engine::builder()
        .pack(a.clone())
        .pack(same_id)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("loaded twice"), "{e}");
    let dup_rule = pack(
        "b",
        "[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nmatch = { any = [\"beta\"] }\n",
    );
    let e = Engine::builder()
        .pack(a.clone())
        .pack(dup_rule)
        .build()
        .unwrap_err();
    assert!(
        e.pack_errors()
            .iter()
            .any(|p| p.pack.as_deref() == Some("b") && p.path == "rule[0].id"),
        "{e}"
    );
    // A pack given twice is one problem at its id, not every rule and list
    // it defines again; its other problems stay.
    let broken_twice = pack(
        "a",
        "[[rule]]\nid = \"q\"\ntitle = \"Q\"\ncategory = \"c\"\nmatch = { any = [\"@nowhere\"] }\n",
    );
    let e = Engine::builder()
        .pack(a.clone())
        .pack(a.clone())
        .pack(broken_twice)
        .build()
        .unwrap_err();
    let problems: Vec<(&str, &str)> = e
        .pack_errors()
        .iter()
        .map(|p| (p.pack.as_deref().unwrap_or(""), p.path.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            ("a", "pack.id"),
            ("a", "pack.id"),
            ("a", "rule[0].match.any[0]")
        ],
        "{e}"
    );
    // A built-in pack given again says how to load it alone.
    let core = Pack::from_toml(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/core.toml")).unwrap(),
    )
    .unwrap();
    let e = Engine::builder()
        .default_packs()
        .pack(core.clone())
        .build()
        .unwrap_err();
    assert_eq!(e.pack_errors().len(), 1, "{e}");
    let p = &e.pack_errors()[0];
    assert_eq!(
        (p.pack.as_deref(), p.path.as_str()),
        (Some("core"), "pack.id")
    );
    assert!(
        p.message.contains("built-in packs are loaded first")
            && p.message.contains("--no-default-packs"),
        "{}",
        p.message
    );
    assert!(Engine::builder().pack(core).build().is_ok());
    // Problems found before a pack's id is known name it by its position.
    let e = Engine::builder()
        .pack(a.clone())
        .pack_json("{ not json")
        .pack_value(serde_json::json!({"schema": 1}))
        .build()
        .unwrap_err();
    let packs: Vec<&str> = e
        .pack_errors()
        .iter()
        .filter_map(|p| p.pack.as_deref())
        .collect();
    assert!(packs.contains(&"#2") && packs.contains(&"#3"), "{e}");
    // A later pack may use an earlier pack's lists and rules.
    let overlay = pack("c", "[[rule]]\nid = \"m\"\ntitle = \"M\"\ncategory = \"c\"\nscore = 1\nmatch = { and = [{ rule = \"r\" }, { any = [\"@x\", \"gamma\"] }] }\n");
    assert!(Engine::builder().pack(a).pack(overlay).build().is_ok());
}

#[test]
fn limits_are_enforced_with_clear_errors() {
    let many: Vec<String> = (0..50).map(|i| format!("\"term{i}\"")).collect();
    let p = pack(
        "p",
        &format!(
            "[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nmatch = {{ any = [{}] }}\n",
            many.join(",")
        ),
    );
    let cases = [
        (
            "max_terms",
            Limits {
                max_terms: 10,
                ..Limits::default()
            },
        ),
        (
            "max_rules",
            Limits {
                max_rules: 0,
                ..Limits::default()
            },
        ),
        (
            "max_packs",
            Limits {
                max_packs: 0,
                ..Limits::default()
            },
        ),
    ];
    for (name, limits) in cases {
        let e = Engine::builder()
            .pack(p.clone())
            .limits(limits)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    let e = Engine::builder().build().unwrap_err();
    assert!(e.to_string().contains("no packs"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Within serde_json's recursion limit, our depth limit answers.
    let mut cond = String::from(r#"{"any": ["x"]}"#);
    for _ in 0..40 {
        cond = format!(r#"{{"not": {cond}}}"#);
    }
    let json = rule(&format!(
        r#"{{"id": "a", "title": "A", "category": "c", "match": {cond}}}"#
    ));
    let errors = errors_of(&json);
    assert!(
        errors
            .iter()
            .any(|(_, m)| m.contains("max_condition_depth")),
        "{errors:#?}"
    );
    // Far deeper than any parser should recurse: a clean error.
    let cond = format!(
        r#"{}{{"any": ["x"]}}{}"#,
        r#"{"not": "#.repeat(100_000),
        "}".repeat(100_000)
    );
    let json = rule(&format!(
        r#"{{"id": "a", "title": "A", "category": "c", "match": {cond}}}"#
    ));
    assert!(!redflag::validate_json(&[&json]).is_empty());
    let toml = format!(
        "{}{{ any = [\"x\"] }}{}",
        "{ not = ".repeat(100_000),
        " }".repeat(100_000)
    );
    let text = format!("schema = 1\n[pack]\nid = \"p\"\nversion = \"1\"\n[[rule]]\nid = \"a\"\ntitle = \"A\"\ncategory = \"c\"\nmatch = {toml}\n");
    assert!(matches!(Pack::from_toml(&text), Err(Error::Pack(_))));
}

#[test]
fn error_display_lists_every_problem_with_pack_and_path() {
    let json = rule(
        r#"{"id": "a", "title": "A", "category": "c", "match": {"rule": "x"}}, {"id": "b", "title": "B", "category": "c", "match": {"rule": "y"}}"#,
    );
    let packs: Vec<serde_json::Value> = vec![serde_json::from_str(&json).unwrap()];
    let errors = redflag::validate_values(packs);
    assert_eq!(errors.len(), 2);
    let e = Error::Pack(errors);
    let s = e.to_string();
    assert!(s.starts_with("invalid rule pack (2 problems)"), "{s}");
    assert!(
        s.contains("pack `p`: rule[0].match.rule: unknown rule `x`"),
        "{s}"
    );
    assert!(
        s.contains("pack `p`: rule[1].match.rule: unknown rule `y`"),
        "{s}"
    );
}

fn rule4(extra: &str) -> String {
    format!(r#"{{"schema": 4, "pack": {{"id": "p", "version": "1"}}, "rule": [{extra}]}}"#)
}

#[test]
fn offer_and_strength_mistakes_say_where_and_why() {
    // (schema, the rule's fields besides id, title, category and match,
    // the path of the error, what it says).
    let cases = [
        // Schema 4 fields in an older pack.
        (
            1,
            r#""score": 1, "strength": "strong""#,
            "rule[0].strength",
            "needs `schema = 4`",
        ),
        (
            1,
            r#""helper": true, "offer": "jobs""#,
            "rule[0].offer",
            "needs `schema = 4`",
        ),
        // An offer rule is a helper that reads every ad.
        (
            4,
            r#""score": 1, "offer": "jobs""#,
            "rule[0].offer",
            "must be a helper",
        ),
        (
            4,
            r#""helper": true, "offer": "jobs", "sections": ["jobs"]"#,
            "rule[0].sections",
            "reads every ad",
        ),
        (
            4,
            r#""helper": true, "offer": "jobs", "strength": "weak""#,
            "rule[0].strength",
            "no strength",
        ),
        // Unknown kinds of offer and strengths name the choices.
        (
            4,
            r#""helper": true, "offer": "boats""#,
            "rule[0].offer",
            "jobs",
        ),
        (
            4,
            r#""score": 1, "strength": "huge""#,
            "rule[0].strength",
            "weak",
        ),
    ];
    for (schema, fields, path, needle) in cases {
        let r = format!(
            r#"{{"id": "a", "title": "A", "category": "c", {fields}, "match": {{"any": ["alpha"]}}}}"#
        );
        let pack = if schema == 4 { rule4(&r) } else { rule(&r) };
        assert_error(&pack, path, needle);
    }
    // An offer rule refers to no rule: offers are read first.
    assert_error(
        &rule4(&format!(
            r#"{OK}, {{"id": "b", "title": "B", "category": "c", "helper": true, "offer": "jobs", "match": {{"rule": "a"}}}}"#
        )),
        "rule[1].match",
        "may not refer to other rules",
    );
    // Done right, no errors.
    assert_eq!(
        errors_of(&rule4(
            r#"{"id": "a", "title": "A", "category": "c", "helper": true, "offer": "jobs", "match": {"any": ["alpha"]}}"#
        )),
        vec![]
    );
}

#[test]
fn offers_open_scoped_rules_and_strength_sets_the_floor_and_the_cap() {
    let e = Engine::builder()
        .pack(
            Pack::from_json(&rule4(
                r#"{"id": "o", "title": "O", "category": "offer", "helper": true, "offer": "jobs", "match": {"any": ["hiring"]}},
                   {"id": "s", "title": "S", "category": "c", "score": 1, "strength": "strong", "max_tier": "review", "sections": ["jobs"], "match": {"any": ["passport kept"]}},
                   {"id": "w", "title": "W", "category": "c", "score": 9, "strength": "weak", "sections": ["jobs"], "match": {"any": ["cash job"]}}"#,
            ))
            .unwrap(),
        )
        .build()
        .unwrap();
    let screen = |section: Option<&str>, body: &str| {
        let mut sub = Submission::new().field("body", body);
        if let Some(s) = section {
            sub = sub.section(s);
        }
        e.screen(&sub).unwrap()
    };
    // Scoped to jobs: silent under housing unless the text reads as a job.
    assert_eq!(
        screen(Some("housing"), "passport kept").verdict,
        Tier::Allow
    );
    let v = screen(Some("housing"), "hiring now, passport kept");
    assert_eq!(v.offers, ["jobs"]);
    // A strong rule reaches review alone, whatever its score.
    assert_eq!(v.verdict, Tier::Review);
    // A section alias is the section it names.
    assert_eq!(
        screen(Some("Employment"), "passport kept").verdict,
        Tier::Review
    );
    // A weak rule never lifts a verdict past warn, whatever its score.
    assert_eq!(screen(Some("jobs"), "cash job").verdict, Tier::Warn);
}

#[test]
fn a_pack_that_names_its_languages_runs_only_on_text_in_them() {
    let pack = |id: &str, langs: &str, term: &str| {
        Pack::from_json(&format!(
            r#"{{"schema": 4, "pack": {{"id": "{id}", "version": "1", "languages": {langs}}},
                "rule": [{{"id": "{id}.r", "title": "R", "category": "c", "score": 3, "match": {{"any": ["{term}"]}}}}]}}"#
        ))
        .unwrap()
    };
    let e = Engine::builder()
        .pack(pack("pt", r#"["pt"]"#, "taxa"))
        .pack(pack("any", "[]", "taxa"))
        .build()
        .unwrap();
    let fired = |body: &str| -> Vec<String> {
        let v = e.screen(&Submission::new().field("body", body)).unwrap();
        let mut ids: Vec<String> = v.rules.into_iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    // Portuguese text: both packs.
    assert_eq!(
        fired("Você paga a taxa de inscrição para o trabalho e não é reembolsada."),
        ["any.r", "pt.r"]
    );
    // Spanish text with the same word: only the pack with no languages.
    assert_eq!(
        fired("Usted paga la taxa de la agencia y el pasaje para el trabajo en la ciudad."),
        ["any.r"]
    );
    // Too little text to tell: every pack runs.
    assert_eq!(fired("taxa"), ["any.r", "pt.r"]);
}

/// Issue #20, item 7: TOML's `nan` and `inf` became JSON null on the way
/// in, so `score = nan` loaded and silently scored 0, an entity bound of
/// `nan` vanished (the condition then matched any amount), and
/// `within = inf` was reported as a missing field.
#[test]
fn non_finite_numbers_in_toml_packs_are_refused_where_they_are() {
    let pack = |body: &str| {
        format!(
            "schema = 2\n[pack]\nid = \"p\"\nversion = \"1.0.0\"\n{body}\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\nmatch = {{ any = [\"alpha\"] }}\n"
        )
    };
    let errors = |toml: &str| -> Vec<String> {
        match Pack::from_toml(toml) {
            Ok(_) => vec![],
            Err(Error::Pack(e)) => e
                .iter()
                .map(|e| format!("{}: {}", e.path, e.message))
                .collect(),
            Err(e) => vec![e.to_string()],
        }
    };
    for (body, path) in [
        (
            "thresholds = { warn = nan, review = 5, block = 9 }",
            "pack.thresholds.warn",
        ),
        (
            "thresholds = { warn = 2, review = 5, block = inf }",
            "pack.thresholds.block",
        ),
    ] {
        let e = errors(&pack(body));
        assert!(
            e.iter()
                .any(|m| m.starts_with(&format!("{path}: ")) && m.contains("not a finite number")),
            "{body}: {e:?}"
        );
    }
    let rule = |extra: &str| {
        format!(
            "schema = 2\n[pack]\nid = \"p\"\nversion = \"1.0.0\"\n[[rule]]\nid = \"r\"\ntitle = \"R\"\ncategory = \"c\"\n{extra}\n"
        )
    };
    for (extra, path) in [
        (
            "score = nan\nmatch = { any = [\"alpha\"] }",
            "rule[0].score",
        ),
        (
            "score = -inf\nmatch = { any = [\"alpha\"] }",
            "rule[0].score",
        ),
        (
            "match = { near = { a = [\"pay\"], b = [\"fee\"], within = inf } }",
            "rule[0].match.near.within",
        ),
        (
            "match = { entity = { kind = \"price\", min = nan } }",
            "rule[0].match.entity.min",
        ),
        (
            "match = { any = [\"alpha\", +inf] }",
            "rule[0].match.any[1]",
        ),
    ] {
        let e = errors(&rule(extra));
        assert!(
            e.iter()
                .any(|m| m.starts_with(&format!("{path}: ")) && m.contains("not a finite number")),
            "{extra}: {e:?}"
        );
        assert!(
            !e.iter().any(|m| m.contains("missing field")),
            "{extra}: {e:?}"
        );
    }
    // Other problems of the same pack are still reported with them.
    let e = errors(&rule(
        "score = nan\nstatus = \"maybe\"\nmatch = { any = [\"alpha\"] }",
    ));
    assert!(e.iter().any(|m| m.starts_with("rule[0].status: ")), "{e:?}");
    // Finite numbers out of range keep their errors (from the compiler).
    let toml = rule("score = 1e300\nmatch = { any = [\"alpha\"] }");
    let e = Engine::builder()
        .pack(Pack::from_toml(&toml).unwrap())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("rule[0].score"), "{e}");
}

#[test]
fn exceptions_do_not_cancel_a_guard_that_speaks_against_the_rule() {
    // "no drinking with guests" both guards the rule (`none`) and is one of
    // its exceptions. The exception's window must not erase the guard's
    // words, or the guard reads as absent and the rule fires on "hostess"
    // further away.
    let body =
        "Hostess wanted for our restaurant in the city centre, evening shifts, friendly team, \
                weekly pay, apply today. No drinking with guests.";
    for (guard, fires) in [
        ("{ none = [\"no drinking with guests\"] }", false),
        ("{ not = { any = [\"no drinking with guests\"] } }", false),
        ("{ none = [\"no smoking\"] }", true),
    ] {
        let p = Pack::from_toml(&format!(
            "schema = 1\n[pack]\nid = \"g\"\nversion = \"1.0.0\"\n\
             [[rule]]\nid = \"g.hostess\"\ntitle = \"Hostess\"\ncategory = \"c\"\nscore = 4\n\
             match = {{ and = [{guard}, {{ any = [\"hostess\"] }}] }}\n\
             exceptions = [\"no drinking\"]\n"
        ))
        .unwrap();
        let e = Engine::builder().pack(p).build().unwrap();
        let v = e
            .screen(&Submission::new().section("jobs").field("body", body))
            .unwrap();
        assert_eq!(v.fired("g.hostess"), fires, "{guard}");
    }
}

#[test]
fn rules_that_refer_to_rules_fire_whether_or_not_they_have_terms() {
    // `both` needs `fee` and `passport`; `only` fires when `fee` did not;
    // `two` counts them; `either` has a term of its own or `fee`. Candidate
    // rules are chosen from the terms in the text and the rules those can
    // fire: a rule that refers to rules must still be evaluated whenever
    // it can hold.
    let p = Pack::from_toml(
        "schema = 1\n[pack]\nid = \"r\"\nversion = \"1.0.0\"\n\
         [[rule]]\nid = \"r.fee\"\ntitle = \"Fee\"\ncategory = \"c\"\nscore = 1\n\
         match = { any = [\"fee\"] }\n\
         [[rule]]\nid = \"r.passport\"\ntitle = \"Passport\"\ncategory = \"c\"\nscore = 1\n\
         match = { any = [\"passport\"] }\n\
         [[rule]]\nid = \"r.both\"\ntitle = \"Both\"\ncategory = \"c\"\nscore = 1\n\
         match = { and = [{ rule = \"r.fee\" }, { rule = \"r.passport\" }] }\n\
         [[rule]]\nid = \"r.only\"\ntitle = \"No fee\"\ncategory = \"c\"\nscore = 1\n\
         match = { not = { rule = \"r.fee\" } }\n\
         [[rule]]\nid = \"r.two\"\ntitle = \"Two\"\ncategory = \"c\"\nscore = 1\n\
         match = { rules = { of = [\"r.fee\", \"r.passport\"], min = 2 } }\n\
         [[rule]]\nid = \"r.either\"\ntitle = \"Either\"\ncategory = \"c\"\nscore = 1\n\
         match = { or = [{ rule = \"r.fee\" }, { any = [\"deposit\"] }] }\n",
    )
    .unwrap();
    let e = Engine::builder().pack(p).build().unwrap();
    let fired = |body: &str| {
        let v = e
            .screen(&Submission::new().section("jobs").field("body", body))
            .unwrap();
        ["r.both", "r.only", "r.two", "r.either"].map(|r| v.fired(r))
    };
    assert_eq!(
        fired("Warehouse work, weekly pay."),
        [false, true, false, false]
    );
    assert_eq!(
        fired("A fee of 300 and the passport stays with us."),
        [true, false, true, true]
    );
    assert_eq!(
        fired("Pay a fee before you start."),
        [false, false, false, true]
    );
    assert_eq!(
        fired("Leave a deposit and your passport."),
        [false, true, false, true]
    );
}
