//! Conditions, scoring, caps, meta rules, exceptions, filters, overrides.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use redflag::{Engine, Submission, Thresholds, Tier};

fn r(id: &str, score: f64, extra: &str, cond: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"{id}\"\ncategory = \"cat-{id}\"\nscore = {score}\n{extra}\nmatch = {cond}\nexplain.poster = \"poster {id}\"\nexplain.reviewer = \"reviewer {id}\"\n"
    )
}

#[test]
fn term_conditions() {
    let e = engine(
        &[
            r("any", 1.0, "", r#"{ any = ["alpha", "beta"] }"#),
            r("all", 1.0, "", r#"{ all = ["alpha", "beta"] }"#),
            r("none", 1.0, "", r#"{ none = ["alpha", "beta"] }"#),
        ]
        .concat(),
    );
    assert_eq!(fired(&e.screen(&body("alpha")).unwrap()), ["any"]);
    assert_eq!(
        fired(&e.screen(&body("beta and alpha")).unwrap()),
        ["all", "any"]
    );
    assert_eq!(fired(&e.screen(&body("gamma")).unwrap()), ["none"]);
    // Whole words only; `*` opens a side.
    assert_eq!(
        fired(&e.screen(&body("alphabet betamax")).unwrap()),
        ["none"]
    );
    let w = engine(&r("w", 1.0, "", r#"{ any = ["recruit*", "*shore"] }"#));
    assert_eq!(
        fired(&w.screen(&body("recruiters offshore")).unwrap()),
        ["w"]
    );
    assert!(fired(&w.screen(&body("unrecruited shores")).unwrap()).is_empty());
}

#[test]
fn near_within_and_ordered() {
    let e = engine(
        &[
            r(
                "near",
                1.0,
                "",
                r#"{ near = { a = ["fee"], b = ["visa"], within = 2 } }"#,
            ),
            r(
                "ord",
                1.0,
                "",
                r#"{ near = { a = ["fee"], b = ["visa"], within = 2, ordered = true } }"#,
            ),
        ]
        .concat(),
    );
    assert_eq!(
        fired(&e.screen(&body("fee for the visa")).unwrap()),
        ["near", "ord"]
    );
    assert_eq!(fired(&e.screen(&body("visa fee")).unwrap()), ["near"]);
    assert!(fired(&e.screen(&body("fee is paid for the new visa")).unwrap()).is_empty());
    // Different fields are never near each other.
    let sub = Submission::new()
        .field("title", "fee")
        .field("body", "visa");
    assert!(fired(&e.screen(&sub).unwrap()).is_empty());
}

#[test]
fn at_least_and_boolean_combinators() {
    let e = engine(&[
        r("two", 1.0, "", r#"{ at_least = { n = 2, of = [{ any = ["aa1"] }, { any = ["bb2"] }, { any = ["cc3"] }] } }"#),
        r("andnot", 1.0, "", r#"{ and = [{ any = ["aa1"] }, { not = { any = ["bb2"] } }] }"#),
        r("or", 1.0, "", r#"{ or = [{ all = ["cc3", "dd4"] }, { any = ["ee5"] }] }"#),
    ].concat());
    assert_eq!(fired(&e.screen(&body("aa1")).unwrap()), ["andnot"]);
    assert_eq!(fired(&e.screen(&body("aa1 bb2")).unwrap()), ["two"]);
    assert_eq!(
        fired(&e.screen(&body("cc3 dd4 bb2")).unwrap()),
        ["or", "two"]
    );
    assert_eq!(fired(&e.screen(&body("ee5")).unwrap()), ["or"]);
}

#[test]
fn scores_add_up_and_thresholds_decide() {
    let e = engine(
        &[
            r("a", 1.5, "max_tier = \"block\"", r#"{ any = ["alpha"] }"#),
            r("b", 2.5, "max_tier = \"block\"", r#"{ any = ["beta"] }"#),
            r("c", 4.25, "max_tier = \"block\"", r#"{ any = ["gamma"] }"#),
            r("nice", -1.0, "", r#"{ any = ["kind"] }"#),
        ]
        .concat(),
    );
    let v = e.screen(&body("alpha")).unwrap();
    assert_eq!((v.score, v.verdict), (1.5, Tier::Allow));
    let v = e.screen(&body("alpha beta")).unwrap();
    assert_eq!((v.score, v.verdict), (4.0, Tier::Review));
    let v = e.screen(&body("alpha beta gamma")).unwrap();
    assert_eq!((v.score, v.verdict), (8.25, Tier::Block));
    let v = e.screen(&body("alpha beta gamma kind")).unwrap();
    assert_eq!((v.score, v.verdict), (7.25, Tier::Review));
    assert_eq!(
        v.thresholds,
        Thresholds {
            warn: 2.0,
            review: 4.0,
            block: 8.0
        }
    );
    // The caller can move the thresholds.
    let strict = Thresholds {
        warn: 1.0,
        review: 1.2,
        block: 1.4,
    };
    assert_eq!(
        e.screen_with(&body("alpha"), Some(strict)).unwrap().verdict,
        Tier::Block
    );
    let bad = Thresholds {
        warn: 3.0,
        review: 2.0,
        block: 1.0,
    };
    assert!(e.screen_with(&body("alpha"), Some(bad)).is_err());
    // Rules are listed highest score first.
    let v = e.screen(&body("alpha beta gamma")).unwrap();
    assert_eq!(v.rule_ids().collect::<Vec<_>>(), ["c", "b", "a"]);
}

#[test]
fn tier_caps_keep_weak_rules_from_blocking() {
    let e = engine(
        &[
            r(
                "weak1",
                5.0,
                "max_tier = \"warn\"",
                r#"{ any = ["alpha"] }"#,
            ),
            r("weak2", 5.0, "", r#"{ any = ["beta"] }"#), // default cap: review
            r(
                "strong",
                1.0,
                "max_tier = \"block\"",
                r#"{ any = ["gamma"] }"#,
            ),
        ]
        .concat(),
    );
    let v = e.screen(&body("alpha")).unwrap();
    assert_eq!((v.score_tier, v.verdict), (Tier::Review, Tier::Warn));
    let v = e.screen(&body("alpha beta")).unwrap();
    assert_eq!((v.score_tier, v.verdict), (Tier::Block, Tier::Review));
    let v = e.screen(&body("alpha beta gamma")).unwrap();
    assert_eq!(v.verdict, Tier::Block);
}

#[test]
fn experimental_rules_are_reported_but_score_nothing() {
    let e = engine(&r(
        "exp",
        9.0,
        "status = \"experimental\"\nmax_tier = \"block\"",
        r#"{ any = ["alpha"] }"#,
    ));
    let v = e.screen(&body("alpha")).unwrap();
    assert_eq!((v.score, v.verdict), (0.0, Tier::Allow));
    assert!(v.rules[0].experimental);
    assert_eq!(v.hits[0].score, 0.0);
    assert!(v.reviewer_messages[0].starts_with("[experimental]"));
    assert!(v.poster_messages.is_empty());
}

#[test]
fn meta_rules_combine_helpers_and_counts() {
    let e = engine(&[
        "[[rule]]\nid = \"h.one\"\ntitle = \"h1\"\ncategory = \"x\"\nhelper = true\nmatch = { any = [\"alpha\"] }\n",
        "[[rule]]\nid = \"h.two\"\ntitle = \"h2\"\ncategory = \"x\"\nhelper = true\nmatch = { any = [\"beta\"] }\n",
        &r("s.three", 1.0, "", r#"{ any = ["gamma"] }"#),
        &r("meta", 3.0, "", r#"{ and = [{ rule = "h.one" }, { rule = "h.two" }] }"#),
        &r("count", 2.0, "", r#"{ rules = { of = ["h.one", "h.two", "s.*"], min = 3 } }"#),
    ].concat());
    let v = e.screen(&body("alpha")).unwrap();
    assert!(
        v.rules.is_empty(),
        "helpers are never reported: {:?}",
        fired(&v)
    );
    let v = e.screen(&body("alpha beta")).unwrap();
    assert_eq!(fired(&v), ["meta"]);
    assert_eq!(v.score, 3.0);
    // The meta rule's hits are its helpers' spans.
    let texts: Vec<&str> = v.hits.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(texts, ["alpha", "beta"]);
    let v = e.screen(&body("alpha beta gamma")).unwrap();
    assert_eq!(fired(&v), ["count", "meta", "s.three"]);
    assert_eq!(v.score, 6.0);
}

#[test]
fn exceptions_cancel_nearby_hits_only() {
    let e = engine(&r(
        "fee",
        3.0,
        "exceptions = [\"never charge\", \"no fee\"]\nexception_window = 3",
        r#"{ any = ["fee", "deposit"] }"#,
    ));
    assert!(fired(&e.screen(&body("We never charge a fee.")).unwrap()).is_empty());
    assert!(fired(&e.screen(&body("No fee for applicants.")).unwrap()).is_empty());
    // Far away, the exception does not cancel the hit.
    let v = e
        .screen(&body(
            "We never charge for uniforms or meals or transport, but there is a fee.",
        ))
        .unwrap();
    assert_eq!(fired(&v), ["fee"]);
    // A second, uncancelled hit keeps the rule firing.
    let v = e
        .screen(&body(
            "No fee for the interview itself. A deposit of 200 is required later.",
        ))
        .unwrap();
    assert_eq!(
        v.hits.iter().map(|h| h.text.as_str()).collect::<Vec<_>>(),
        ["deposit"]
    );
}

#[test]
fn cleared_reports_what_an_exception_cancelled_only_when_it_changed_the_outcome() {
    let e = engine(
        &[
            r(
                "fee",
                3.0,
                "exceptions = [\"never charge\", \"no fee\"]\nexception_window = 3",
                r#"{ any = ["fee", "deposit"] }"#,
            ),
            r(
                "both",
                2.0,
                "exceptions = [\"you keep\"]",
                r#"{ all = ["passport", "held"] }"#,
            ),
        ]
        .concat(),
    );
    // Cancelled: the exception's words and the rule's words beside them,
    // in the original text's offsets (UTF-16 and bytes).
    let text = "Héllo 👋 we never charge a fee.";
    let v = e.screen(&body(text)).unwrap();
    assert!(v.rules.is_empty());
    assert_eq!(v.cleared.len(), 1, "{:?}", v.cleared);
    let c = &v.cleared[0];
    assert_eq!((c.rule.as_str(), c.field.as_str()), ("fee", "body"));
    assert_eq!(c.title, "fee");
    assert_eq!(c.category, "cat-fee");
    assert_eq!(c.exception.text, "never charge");
    assert_eq!(c.indicator.text, "fee");
    for p in [&c.exception, &c.indicator] {
        assert_eq!(&text[p.byte_start..p.byte_end], p.text);
        let utf16: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(String::from_utf16(&utf16[p.start..p.end]).unwrap(), p.text);
    }
    // The rule fires anyway on an uncancelled word: nothing was cleared.
    let v = e
        .screen(&body(
            "No fee for the interview. A deposit of 200 is required.",
        ))
        .unwrap();
    assert_eq!(fired(&v), ["fee"]);
    assert!(v.cleared.is_empty(), "{:?}", v.cleared);
    // An `all` rule whose words the exception covers is cleared...
    let v = e.screen(&body("Passport held? No, you keep it.")).unwrap();
    assert!(v.rules.is_empty());
    assert_eq!(
        v.cleared
            .iter()
            .map(|c| c.rule.as_str())
            .collect::<Vec<_>>(),
        ["both"]
    );
    // ...but not when one of its words is missing: the exception beside
    // "passport" alone changed nothing.
    let v = e.screen(&body("Passport: you keep it.")).unwrap();
    assert!(v.cleared.is_empty(), "{:?}", v.cleared);
    // No exception words, or a rule that cannot fire: nothing to report.
    assert!(e
        .screen(&body("A fee applies."))
        .unwrap()
        .cleared
        .is_empty());
    assert_eq!(e.screen(&body("No fee.")).unwrap().cleared.len(), 1);
    assert!(e
        .screen(&body("We never charge."))
        .unwrap()
        .cleared
        .is_empty());
    // In the JSON only when there is something to say.
    let json = serde_json::to_value(e.screen(&body("A fee applies.")).unwrap()).unwrap();
    assert!(json.get("cleared").is_none());
}

#[test]
fn sections_scope_rules_and_unknown_sections_are_screened_by_unscoped_rules() {
    let e = engine(
        &[
            r(
                "jobs",
                1.0,
                "sections = [\"jobs\"]",
                r#"{ any = ["alpha"] }"#,
            ),
            r(
                "adult",
                1.0,
                "sections = [\"adult\", \"personals\"]",
                r#"{ any = ["alpha"] }"#,
            ),
            r("all", 1.0, "", r#"{ any = ["alpha"] }"#),
        ]
        .concat(),
    );
    assert_eq!(
        fired(&e.screen(&in_section("jobs", "alpha")).unwrap()),
        ["all", "jobs"]
    );
    assert_eq!(
        fired(&e.screen(&in_section("Personals", "alpha")).unwrap()),
        ["adult", "all"]
    );
    let v = e.screen(&in_section("pets", "alpha")).unwrap();
    assert_eq!(fired(&v), ["all"]);
    assert_eq!(v.section, None);
    assert_eq!(fired(&e.screen(&body("alpha")).unwrap()), ["all"]);
}

#[test]
fn fields_scope_rules() {
    let e = engine(&r(
        "t",
        1.0,
        "fields = [\"Title\"]",
        r#"{ any = ["alpha"] }"#,
    ));
    let hit = Submission::new().field("title", "alpha").field("body", "x");
    let miss = Submission::new().field("title", "x").field("body", "alpha");
    assert_eq!(fired(&e.screen(&hit).unwrap()), ["t"]);
    assert!(fired(&e.screen(&miss).unwrap()).is_empty());
    assert_eq!(e.screen(&hit).unwrap().hits[0].field, "title");
}

#[test]
fn filters_suppress_rules_for_a_deployment() {
    let base = pack(
        "base",
        &[
            r(
                "massage",
                3.0,
                "sections = [\"services\"]",
                r#"{ any = ["massage"] }"#,
            ),
            r("other", 1.0, "", r#"{ any = ["massage"] }"#),
        ]
        .concat(),
    );
    let site = pack(
        "site",
        r#"[[filter]]
id = "licensed"
rules = ["massage"]
sections = ["services"]
when = { any = ["licence number"] }
[[filter]]
id = "off"
rules = ["oth*"]
"#,
    );
    let e = Engine::builder().pack(base).pack(site).build().unwrap();
    let v = e
        .screen(&in_section("services", "Sports massage."))
        .unwrap();
    assert_eq!(fired(&v), ["massage"]);
    assert_eq!(v.filters, ["off"]);
    let v = e
        .screen(&in_section(
            "services",
            "Sports massage, licence number 42.",
        ))
        .unwrap();
    assert!(fired(&v).is_empty());
    assert_eq!(v.filters, ["licensed", "off"]);
}

#[test]
fn overrides_change_rules_in_load_order() {
    let base = pack(
        "base",
        &[
            r("a.one", 2.0, "", r#"{ any = ["alpha"] }"#),
            r("a.two", 2.0, "", r#"{ any = ["beta"] }"#),
        ]
        .concat(),
    );
    let site = pack(
        "site",
        "[[override]]\nrule = \"a.*\"\nscore = 5\nmax_tier = \"block\"\n[[override]]\nrule = \"a.two\"\ndisabled = true\n",
    );
    let e = Engine::builder().pack(base).pack(site).build().unwrap();
    let v = e.screen(&body("alpha beta")).unwrap();
    assert_eq!(fired(&v), ["a.one"]);
    assert_eq!((v.score, v.verdict), (5.0, Tier::Review));
}

#[test]
fn messages_are_deduplicated_and_poster_messages_need_warn() {
    let e = engine(
        &[
            r("a", 1.0, "", r#"{ any = ["alpha"] }"#)
                .replace("poster a", "same")
                .replace("reviewer a", "same r"),
            r("b", 1.5, "", r#"{ any = ["beta"] }"#)
                .replace("poster b", "same")
                .replace("reviewer b", "same r"),
        ]
        .concat(),
    );
    let v = e.screen(&body("alpha")).unwrap();
    assert_eq!(v.verdict, Tier::Allow);
    assert!(v.poster_messages.is_empty());
    assert_eq!(v.reviewer_messages, ["same r"]);
    let v = e.screen(&body("alpha beta")).unwrap();
    assert_eq!(v.verdict, Tier::Warn);
    assert_eq!(v.poster_messages, ["same"]);
}

#[test]
fn evasion_is_evidence() {
    let e = engine(&r("p", 1.0, "", r#"{ any = ["passport"] }"#));
    let plain = e.screen(&body("passport")).unwrap();
    assert!(!plain.evasion && plain.hits[0].steps.is_empty());
    for evasive in [
        "p4ssp0rt",
        "p a s s p o r t",
        "pаssроrt",
        "pass\u{200B}port",
        "ｐａｓｓｐｏｒｔ",
        "passsssport",
    ] {
        let v = e.screen(&body(evasive)).unwrap();
        assert_eq!(fired(&v), ["p"], "{evasive}");
        assert!(v.evasion, "{evasive}");
        assert_eq!(v.hits[0].text, evasive.trim());
    }
}

#[test]
fn input_limits() {
    let e = Engine::builder()
        .pack(pack("t", &r("a", 1.0, "", r#"{ any = ["alpha"] }"#)))
        .limits(redflag::Limits {
            max_input_bytes: 10,
            max_fields: 2,
            ..Default::default()
        })
        .build()
        .unwrap();
    assert!(e.screen(&body("alpha")).is_ok());
    let err = e.screen(&body("alpha beta gamma")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "limit exceeded: max_input_bytes is 10, got 16"
    );
    let three = Submission::new()
        .field("a", "x")
        .field("b", "y")
        .field("c", "z");
    assert!(matches!(
        e.screen(&three),
        Err(redflag::Error::Limit {
            limit: "max_fields",
            ..
        })
    ));
    // The engine keeps working after an error.
    assert_eq!(fired(&e.screen(&body("alpha")).unwrap()), ["a"]);
}

#[test]
fn many_hits_are_capped_in_the_report_but_counted_once() {
    let e = engine(&r("a", 1.0, "", r#"{ any = ["alpha"] }"#));
    let text = "alpha ".repeat(10_000);
    let v = e.screen(&body(&text)).unwrap();
    assert_eq!(v.score, 1.0);
    assert_eq!(v.hits.len(), e.limits().max_hits_per_rule);
}

#[test]
fn rule_globs_skip_helpers_and_experimental_rules_do_not_feed_stable_counts() {
    let e = engine(&[
        "[[rule]]\nid = \"x.__h\"\ntitle = \"h\"\ncategory = \"x\"\nhelper = true\nmatch = { any = [\"alpha\"] }\n",
        &r("x.exp", 1.0, "status = \"experimental\"", r#"{ any = ["beta"] }"#),
        &r("x.one", 1.0, "", r#"{ any = ["gamma"] }"#),
        &r("count", 5.0, "", r#"{ rules = { of = ["x.*"], min = 2 } }"#),
        &r("count_h", 5.0, "", r#"{ rules = { of = ["x.__*", "x.one"], min = 2 } }"#),
        &r("exp_count", 5.0, "status = \"experimental\"", r#"{ rules = { of = ["x.*"], min = 2 } }"#),
    ].concat());
    // The helper is not matched by `x.*`; the experimental rule does not
    // count for a stable rule, but does for an experimental one.
    assert_eq!(
        fired(&e.screen(&body("alpha gamma")).unwrap()),
        ["count_h", "x.one"]
    );
    assert_eq!(
        fired(&e.screen(&body("beta gamma")).unwrap()),
        ["exp_count", "x.exp", "x.one"]
    );
}

/// A pack with the given schema, id and body (thresholds 2/4/8).
fn pack_schema(schema: u32, id: &str, body: &str) -> Result<redflag::Pack, redflag::Error> {
    redflag::Pack::from_toml(&format!(
        "schema = {schema}\n[pack]\nid = \"{id}\"\nversion = \"1.0.0\"\nthresholds = {{ warn = 2, review = 4, block = 8 }}\n{body}"
    ))
}

#[test]
fn one_indicator_counts_once_across_packs() {
    // The same indicator in two language packs, and a word both share.
    let en = pack_schema(
        3,
        "en",
        &[
            r(
                "en.avail",
                1.0,
                "indicator = \"availability\"\nmax_tier = \"warn\"",
                r#"{ any = ["24h", "always"] }"#,
            ),
            r("en.other", 1.0, "", r#"{ any = ["24h"] }"#),
        ]
        .concat(),
    )
    .unwrap();
    let es = pack_schema(
        3,
        "es",
        &r(
            "es.avail",
            3.0,
            "indicator = \"availability\"\nmax_tier = \"block\"",
            r#"{ any = ["24h", "siempre"] }"#,
        ),
    )
    .unwrap();
    let e = Engine::builder().pack(en).pack(es).build().unwrap();

    let v = e.screen(&body("24h")).unwrap();
    // All three fire and are reported; the indicator scores once, with the
    // higher score, and a rule without an indicator is unaffected.
    assert_eq!(fired(&v), ["en.avail", "en.other", "es.avail"]);
    assert_eq!(v.score, 4.0);
    let score_of = |id: &str| v.rules.iter().find(|r| r.id == id).unwrap().score;
    assert_eq!(score_of("es.avail"), 3.0);
    assert_eq!(score_of("en.avail"), 0.0);
    assert_eq!(score_of("en.other"), 1.0);
    // Hits carry the counted score; the poster sees only counted rules.
    assert!(v
        .hits
        .iter()
        .filter(|h| h.rule == "en.avail")
        .all(|h| h.score == 0.0));
    assert!(!v.poster_messages.iter().any(|m| m.contains("en.avail")));
    assert!(v.poster_messages.iter().any(|m| m.contains("es.avail")));
    // The uncounted rule's cap does not apply; the counted one's does.
    assert_eq!(v.verdict, Tier::Review);

    // Only one of them fires: it counts in full.
    let v = e.screen(&body("always")).unwrap();
    assert_eq!(v.score, 1.0);
    let v = e.screen(&body("siempre")).unwrap();
    assert_eq!(v.score, 3.0);
}

#[test]
fn indicator_needs_schema_3() {
    let build_error = |schema: u32, indicator: &str| {
        let rule = r(
            "a.x",
            1.0,
            &format!("indicator = \"{indicator}\""),
            r#"{ any = ["x"] }"#,
        );
        pack_schema(schema, "a", &rule)
            .and_then(|p| Engine::builder().pack(p).build().map(|_| ()))
            .unwrap_err()
            .to_string()
    };
    let err = build_error(2, "x");
    assert!(err.contains("rule[0].indicator"), "{err}");
    assert!(err.contains("schema = 3"), "{err}");
    let err = build_error(3, " ");
    assert!(err.contains("must not be empty"), "{err}");
}
