//! The built-in packs: they load, their inline tests pass, they lint clean,
//! and they behave on the example ads and on tricky benign text.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use redflag::{Engine, Submission, Tier};

#[test]
fn default_engine_builds_and_every_inline_test_passes() {
    let e = Engine::builder().default_packs().build().unwrap();
    let report = e.run_tests();
    assert!(report.ok(), "{:#?}", report.failures);
    assert!(report.passed >= 90, "only {} inline tests", report.passed);
    assert!(e.packs().iter().any(|p| p.id == "core"));
}

#[test]
fn the_first_four_languages_load_on_their_own() {
    // A deployment may load only the English, Spanish, French and
    // Portuguese packs (and the throughput of the others is measured
    // against them): they refer to no rule of the source-country
    // languages or of `together`, whose filters and combinations read
    // them instead.
    let first: Vec<_> = redflag::default_packs()
        .unwrap()
        .into_iter()
        .filter(|p| ["core", "core-es", "core-fr", "core-pt"].contains(&p.id()))
        .collect();
    assert_eq!(first.len(), 4);
    let mut b = Engine::builder();
    for p in first {
        b = b.pack(p);
    }
    let e = b.build().unwrap();
    let report = e.run_tests();
    assert!(report.ok(), "{:#?}", report.failures);
}

#[test]
fn shipped_packs_lint_clean() {
    let packs = redflag::default_packs().unwrap();
    let lints = redflag::lint(&packs).unwrap();
    assert!(lints.is_empty(), "{lints:#?}");
}

#[test]
fn example_ads_get_the_expected_tiers() {
    let e = Engine::new_default();
    let expect = |id: &str| -> Tier {
        match id {
            // job-4: a fee with work on a tourist visa, a strong indicator
            // with another, is the forced-labour pattern.
            "job-2" | "job-4" => Tier::Block,
            // adult-1: "we have" new girls every week, young and fresh with
            // a cherry: someone else runs the person, with rotation and
            // youth codes, the escort/brothel pattern (together.adult.pattern).
            // adult-3: a "schoolgirl" sold as "sweet": a person sold as a
            // child with a second youth code (together.adult.youth-coded).
            "adult-1" | "adult-3" => Tier::Block,
            // job-5: a worker-paid fee with its amount, a concrete fee.
            "job-5" => Tier::Review,
            _ => Tier::Allow,
        }
    };
    let mut seen = 0;
    for line in include_str!("../examples/ads.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Ok(sub) = Submission::from_json(&v) else {
            continue;
        };
        let id = v["id"].as_str().unwrap();
        let verdict = e.screen(&sub).unwrap();
        assert_eq!(verdict.verdict, expect(id), "{id}: {:?}", fired(&verdict));
        seen += 1;
    }
    assert_eq!(seen, 11);
}

/// Text a naive keyword filter trips on (`tests/fixtures/benign_tricky.jsonl`:
/// synthetic ads in every section and in the four languages: cherry
/// tomatoes, rose bushes, a Ford Escort, a licensed massage therapist, a
/// live-in nanny with a contract, an agency that never charges candidates,
/// "Thai massage", debt-collection jobs, …). No indicator rule may fire on
/// any of them: only rules with a negative (mitigating) score may.
#[test]
fn tricky_benign_ads_fire_no_indicator() {
    let e = Engine::new_default();
    let mut n = 0;
    for line in include_str!("fixtures/benign_tricky.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let sub = Submission::from_json(&v).unwrap();
        let verdict = e.screen(&sub).unwrap();
        let indicators: Vec<&str> = verdict
            .rules
            .iter()
            .filter(|r| r.score > 0.0 || r.experimental)
            .map(|r| r.id.as_str())
            .collect();
        assert!(
            indicators.is_empty(),
            "{}: {:?} fired {indicators:?}",
            v["id"],
            v["body"]
        );
        assert_eq!(verdict.verdict, Tier::Allow, "{}", v["id"]);
        n += 1;
    }
    assert!(n >= 100, "only {n} tricky benign fixtures");
}

/// Synthetic flagged ads (`tests/fixtures/flagged.jsonl`), written from the
/// published indicators in several styles and the four languages, plain and
/// evasive. Every one must at least warn the poster; ads with two or more
/// independent indicators should reach review. The figures printed here are
/// the ones in `rules/README.md`.
#[test]
fn flagged_fixtures_are_caught() {
    let e = Engine::new_default();
    let (mut n, mut review, mut block) = (0, 0, 0);
    let mut by_group: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for line in include_str!("fixtures/flagged.jsonl").lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let sub = Submission::from_json(&v).unwrap();
        let verdict = e.screen(&sub).unwrap();
        assert!(
            verdict.verdict >= Tier::Warn,
            "{}: {:?} only {:?}",
            v["id"],
            v["body"],
            verdict.verdict
        );
        n += 1;
        let g = by_group
            .entry(v["group"].as_str().unwrap_or("").to_string())
            .or_default();
        g.0 += 1;
        if verdict.verdict >= Tier::Review {
            review += 1;
            g.1 += 1;
        }
        if verdict.verdict == Tier::Block {
            block += 1;
        }
    }
    println!("flagged fixtures: {n}; >= warn {n}; >= review {review}; block {block}");
    for (g, (total, rev)) in &by_group {
        println!("  {g}: {rev}/{total} reach review");
    }
    assert!(n >= 40);
    assert!(
        review * 100 >= n * 70,
        "only {review}/{n} flagged fixtures reach review"
    );
}

/// Every string a pack's rules match on: terms in conditions and the items
/// of its lists.
fn pack_terms() -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if !s.starts_with('@') => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(m) => m.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for p in redflag::default_packs().unwrap() {
        let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
        for r in v["rule"].as_array().into_iter().flatten() {
            for key in ["match", "unless"] {
                if let Some(m) = r.get(key) {
                    walk(m, &mut out);
                }
            }
        }
        if let Some(lists) = v.get("lists") {
            walk(lists, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn every_term_written_in_leetspeak_normalises_like_the_term() {
    // Each word of each term with every letter that has a common leet
    // reading replaced ("passport" → "p455p0rt", "turista" → "7ur1574",
    // "fee" → "f33", "we" → "w3"). Left out by design, because a number or
    // a product name reads the same: words left with no letter, or with
    // digits at one edge only ("must" → "mu57" like "mp3" or "ps5", "and"
    // → "4nd" like "4wd" or "3rd"; one digit next to three letters does
    // read, "3scort").
    let leet = |c: char| match c {
        'a' => '4',
        'e' => '3',
        'i' => '1',
        'o' => '0',
        's' => '5',
        't' => '7',
        _ => c,
    };
    let mut checked = 0;
    let mut missed = Vec::new();
    for term in pack_terms() {
        let words: Vec<&str> = term.split(' ').collect();
        if !words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        {
            continue;
        }
        let written: Vec<String> = words
            .iter()
            .map(|w| w.chars().map(leet).collect())
            .collect();
        let readable = words.iter().zip(&written).all(|(w, l)| {
            let c: Vec<bool> = l.chars().map(|c| c.is_ascii_alphabetic()).collect();
            let kept = c.iter().filter(|&&a| a).count();
            let (lead, trail) = (!c[0], !c[c.len() - 1]);
            let first = c.iter().position(|&a| a).unwrap_or(0);
            let last = c.iter().rposition(|&a| a).unwrap_or(0);
            let inside = c[first..=last].iter().any(|&a| !a);
            let one_digit_edge = |run: usize, letters: usize| run == 1 && letters >= 3;
            l == w
                || kept == 1 && c[0]
                || kept >= 2
                    && (inside
                        || lead && trail
                        || lead && one_digit_edge(first, kept)
                        || trail && one_digit_edge(c.len() - 1 - last, kept))
        });
        if !readable || written.iter().zip(&words).all(|(l, w)| l == w) {
            continue;
        }
        checked += 1;
        let text = written.join(" ");
        if redflag::normalize(&text).as_str() != redflag::normalize(&term).as_str() {
            missed.push(format!(
                "{term:?} written {text:?} reads {:?}",
                redflag::normalize(&text).as_str()
            ));
        }
    }
    assert!(checked >= 200, "only {checked} terms checked");
    assert!(
        missed.is_empty(),
        "{} of {checked}:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

/// One way of hiding text from a keyword list, applied to a whole field.
type Disguise = fn(&str) -> String;

/// Each word of four letters or more rewritten by `f` (titles and bodies
/// keep their short words, as an evader writing a whole ad would).
fn long_words(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.chars().count() >= 4 {
            out.push_str(&f(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn join_letters(w: &str, sep: &str) -> String {
    w.chars().map(String::from).collect::<Vec<_>>().join(sep)
}

/// `w` split in the middle by `sep` ("pass*port").
fn split_middle(w: &str, sep: &str) -> String {
    let mid = w
        .char_indices()
        .nth(w.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    format!("{}{sep}{}", &w[..mid], &w[mid..])
}

/// Each vowel of `t` written by `f`.
fn vowels(t: &str, f: impl Fn(char) -> String) -> String {
    t.chars()
        .map(|c| {
            if "aeiouAEIOU".contains(c) {
                f(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

const DISGUISES: &[(&str, Disguise)] = &[
    ("leetspeak", |t| {
        t.chars()
            .map(|c| match c.to_ascii_lowercase() {
                'a' => '4',
                'e' => '3',
                'i' => '1',
                'o' => '0',
                's' => '5',
                _ => c,
            })
            .collect()
    }),
    ("look-alike letters", |t| {
        t.chars()
            .map(|c| match c {
                'a' => 'а',
                'e' => 'е',
                'o' => 'о',
                'p' => 'р',
                'c' => 'с',
                'x' => 'х',
                'i' => 'і',
                _ => c,
            })
            .collect()
    }),
    ("zero-width characters", |t| {
        long_words(t, |w| join_letters(w, "\u{200B}"))
    }),
    ("fullwidth letters", |t| {
        t.chars()
            .map(|c| match c {
                'a'..='z' => char::from_u32(c as u32 - 'a' as u32 + 0xFF41).unwrap_or(c),
                _ => c,
            })
            .collect()
    }),
    ("capitals", |t| t.to_uppercase()),
    ("accents", |t| {
        t.chars()
            .flat_map(|c| {
                let mark = "aeiou".contains(c).then_some('\u{0301}');
                std::iter::once(c).chain(mark)
            })
            .collect()
    }),
    ("letters spaced out", |t| {
        long_words(t, |w| join_letters(w, " "))
    }),
    ("letters dotted", |t| {
        long_words(t, |w| join_letters(w, "."))
    }),
    ("letters dotted and spaced", |t| {
        long_words(t, |w| join_letters(w, ". "))
    }),
    ("vowels stretched", |t| {
        t.chars()
            .flat_map(|c| {
                let n = if "aeiou".contains(c) { 3 } else { 1 };
                std::iter::repeat_n(c, n)
            })
            .collect()
    }),
    ("letters hyphenated", |t| {
        long_words(t, |w| join_letters(w, "-"))
    }),
    ("a symbol inside words", |t| {
        long_words(t, |w| {
            let symbols = ["*", "_", ".", "^", "~", "+"];
            split_middle(w, symbols[w.len() % symbols.len()])
        })
    }),
    ("words hyphenated at line ends", |t| {
        long_words(t, |w| split_middle(w, "-\n"))
    }),
    ("HTML character references", |t| {
        let t = t.replace('s', "&#x73;");
        vowels(&t, |c| format!("&#{};", c as u32)).replace(' ', "&nbsp;")
    }),
    ("percent-encoded letters", |t| {
        vowels(t, |c| format!("%{:02X}", c as u32))
    }),
];

/// The flagged fixtures rewritten whole in each disguise keep their tier:
/// the normaliser sees through the writing, not one fixture's phrasing.
/// A few may drop (a disguise applied on top of the fixture's own, or
/// spaced-out number words the age extractor cannot read), never more than
/// one in ten; the drops are printed.
///
/// Checked twice: the rules alone against the rules alone on the plain
/// text, and the whole engine (with the n-gram model, which reads the
/// matching form too) against the same: a disguise must not take the
/// engine below what the rules give the plain ad. (A `block` the model
/// adds on top of the rules' `review` at high confidence may fall back to
/// `review` when a disguise blurs its wording; that is not counted.)
#[test]
fn flagged_fixtures_keep_their_tier_in_every_disguise() {
    let full = Engine::new_default();
    let rules = rules_alone();
    let fixtures: Vec<serde_json::Value> = include_str!("fixtures/flagged.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let tier = |e: &Engine, v: &serde_json::Value| {
        e.screen(&Submission::from_json(v).unwrap())
            .unwrap()
            .verdict
    };
    let plain: Vec<Tier> = fixtures.iter().map(|v| tier(&rules, v)).collect();
    let mut failures = Vec::new();
    for (name, disguise) in DISGUISES {
        for (engine, what) in [(&rules, "rules alone"), (&full, "with the model")] {
            let mut drops = Vec::new();
            for (v, &before) in fixtures.iter().zip(&plain) {
                let mut d = v.clone();
                for key in ["title", "body"] {
                    if let Some(text) = v[key].as_str() {
                        d[key] = serde_json::Value::String(disguise(text));
                    }
                }
                let after = tier(engine, &d);
                if after < before {
                    drops.push(format!("{} {before:?} → {after:?}", v["id"]));
                }
            }
            println!(
                "{name}, {what}: {} of {} drop a tier {drops:?}",
                drops.len(),
                fixtures.len()
            );
            if drops.len() * 10 > fixtures.len() {
                failures.push(format!("{name}, {what}: {} drop: {drops:?}", drops.len()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Entities a condition wants near some words are read only around those
/// words (the engine's shortcut for long ads); asking for every entity
/// reads each field whole first. Both must fire the same rules with the
/// same evidence, on every labelled ad the project has: the flagged and
/// tricky fixtures and the packs' held-out sets, in every language.
#[test]
fn reading_entities_around_their_words_fires_what_reading_them_whole_fires() {
    let e = Engine::new_default();
    let whole = redflag::ScreenOptions {
        entities: true,
        ..Default::default()
    };
    let sets = [
        include_str!("fixtures/flagged.jsonl"),
        include_str!("fixtures/benign_tricky.jsonl"),
        include_str!("../rules/eval/holdout.jsonl"),
        include_str!("../rules/eval/holdout2.jsonl"),
        include_str!("../rules/eval/holdout3.jsonl"),
        include_str!("../rules/eval/holdout4.jsonl"),
        include_str!("../rules/eval/labelled.jsonl"),
    ];
    let (mut n, mut differ) = (0, Vec::new());
    for line in sets.iter().flat_map(|s| s.lines()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let sub = Submission::from_json(&v).unwrap();
        let a = e.screen(&sub).unwrap();
        let b = e.screen_with_options(&sub, &whole).unwrap();
        let shape = |v: &redflag::Verdict| {
            let rules: Vec<(String, f64)> =
                v.rules.iter().map(|r| (r.id.clone(), r.score)).collect();
            let hits: Vec<(String, String, usize, usize)> = v
                .hits
                .iter()
                .map(|h| (h.rule.clone(), h.field.clone(), h.start, h.end))
                .collect();
            (v.verdict, rules, hits)
        };
        if shape(&a) != shape(&b) {
            differ.push(format!("{}: {:?} vs {:?}", v["id"], shape(&a), shape(&b)));
        }
        n += 1;
    }
    assert!(n > 1000, "only {n} ads");
    assert!(
        differ.is_empty(),
        "{} of {n} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

/// In the community section the forced-labour and escort/brothel
/// combinations do not block (together.filter.community-review): a
/// survivor's story or a worker's question describes held papers and
/// withheld pay far more often than an ad there offers them. The strong
/// indicators still send the post to review, and the same words in a job
/// ad still block.
#[test]
fn community_posts_with_strong_indicators_go_to_review_not_block() {
    let e = Engine::new_default();
    let body =
        "They kept my passport the whole year and paid the wages only at the end of the contract; \
                the recruitment fee came out of my salary.";
    let tier = |section: &str| {
        let v =
            serde_json::json!({ "section": section, "title": "My year on the farm", "body": body });
        e.screen(&Submission::from_json(&v).unwrap()).unwrap()
    };
    let jobs = tier("jobs");
    assert_eq!(jobs.verdict, Tier::Block, "{:?}", fired(&jobs));
    let community = tier("community");
    assert_eq!(community.verdict, Tier::Review, "{:?}", fired(&community));
    assert!(community
        .filters
        .iter()
        .any(|f| f == "together.filter.community-review"));
}

#[test]
fn the_built_in_model_never_lowers_what_a_sites_own_rule_brought_about() {
    // The model was trained on trafficking ads and honest ones, not on a
    // site's own policy: a marketplace's ban on selling live animals that
    // blocks stays a block, though the model reads the ad as honest.
    let body = "Labrador puppies for sale, KC registered, 8 weeks old, wormed and flea treated, viewing welcome.";
    let m = redflag::model::Model::builtin();
    assert!(
        m.probability(&format!("\n{}", redflag::normalize(body).as_str())) < m.below(),
        "the ad must read as honest for this test to mean anything"
    );
    let site = redflag::Pack::from_toml(
        r#"schema = 1
[pack]
id = "marketplace-policy"
version = "2.0.0"
[lists]
animals = ["puppies", "kittens", "labrador", "parrot"]
[[rule]]
id = "marketplace.live-animals"
title = "Live animals may not be sold here"
category = "marketplace-policy"
score = 15
max_tier = "block"
match = { and = [{ any = ["@animals"] }, { any = ["for sale"] }] }
"#,
    )
    .unwrap();
    let e = Engine::builder()
        .default_packs()
        .pack(site)
        .build()
        .unwrap();
    let v = e
        .screen(&Submission::from_json(&serde_json::json!({ "body": body })).unwrap())
        .unwrap();
    assert_eq!(v.verdict, Tier::Block);
    assert!(v.model.is_none_or(|m| m.moved_from.is_none()));
}

#[test]
fn the_model_never_lowers_an_ad_longer_than_it_reads() {
    // The model reads the first `max_bytes` of an ad; what the rules found
    // past that it never saw, so its "honest" is no reading of it. Honest
    // text long enough to fill what the model reads, then a fee.
    let m = redflag::model::Model::builtin();
    let filler = "Friendly hotel in the old town hires kitchen and cleaning staff, full training, \
                  regular hours, paid holidays. ";
    // Several times what the model reads, as a pasted listing would be.
    let head = filler.repeat(8 * m.max_bytes() / filler.len());
    let ad = |body: String| {
        Submission::from_json(
            &serde_json::json!({ "section": "jobs", "title": "Hotel staff", "body": body }),
        )
        .unwrap()
    };
    let fee = "Pay the registration fee at the office before you start.";
    let rules = rules_alone();
    let e = Engine::new_default();
    let long = ad(format!("{head}{fee}"));
    let by_rules = rules.screen(&long).unwrap().verdict;
    assert!(
        by_rules >= Tier::Warn,
        "the fee must be found for this test to mean anything"
    );
    let v = e.screen(&long).unwrap();
    let read = v.model.expect("a rule scored, so the model read it");
    assert!(
        read.score < m.below(),
        "the ad must read as honest for this test to mean anything: {read:?}"
    );
    assert_eq!((v.verdict, read.moved_from), (by_rules, None));
}

#[test]
fn english_text_appended_to_an_ad_does_not_switch_its_language_off() {
    // A language's pack runs on text in that language; appended English
    // (a pasted listing, or padding written to hide the ad) must not make
    // the ad read as English alone. Each ad alone fires rules of its own
    // language; with English after it, it must fire at least those.
    let ads = [
        "Trabajo en España para chicas jóvenes. La agencia se queda con tu pasaporte hasta que pagues la deuda del viaje.",
        "Travail en France pour jeunes femmes. L'agence garde votre passeport jusqu'au remboursement de la dette du voyage.",
        "Trabalho em Portugal para moças. A agência fica com o seu passaporte até você pagar a dívida da viagem.",
        "Lucru în Germania pentru fete tinere. Agenția păstrează pașaportul până când plătești datoria pentru drum.",
        "Praca w Niemczech dla młodych dziewczyn. Agencja zatrzymuje paszport, dopóki nie spłacisz długu za podróż.",
        "Kerja di Malaysia untuk gadis muda. Paspor ditahan oleh agen sampai hutang perjalanan lunas.",
        "Trabaho sa Dubai para sa mga dalaga. Ang passport ay hawak ng ahensya hanggang mabayaran ang utang sa biyahe.",
    ];
    let filler = "The hotel is in the old town, close to the station and the river, and the rooms \
                  have been renovated this year with new beds and a kitchen for the guests. ";
    let e = rules_alone();
    let fired = |body: &str| -> Vec<String> {
        let sub = Submission::new()
            .field("section", "jobs")
            .field("body", body);
        let v = e.screen(&sub).unwrap();
        let mut ids: Vec<String> = v.rules.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids
    };
    for ad in ads {
        let alone = fired(ad);
        assert!(
            alone.iter().any(|id| !id.starts_with("core.") && !id.starts_with("together.")),
            "a rule of the ad's own language must fire for this test to mean anything: {ad} {alone:?}"
        );
        for n in [2, 8, 32] {
            let padded = format!("{ad} {}", filler.repeat(n));
            let with = fired(&padded);
            let lost: Vec<_> = alone.iter().filter(|id| !with.contains(id)).collect();
            assert!(lost.is_empty(), "{ad} + {n} lines of English lost {lost:?}");
        }
    }
}

#[test]
fn honest_text_appended_to_a_flagged_ad_does_not_clear_it() {
    // The model reads the whole ad as one bag of n-grams: enough ordinary
    // text after a flagged ad reads as honest. Before it lowers the rules'
    // verdict it reads the text around what they found, which padding
    // does not reach.
    let ad = "Hostess work abroad for girls 18 to 22. The agency keeps your passport until \
              you repay the debt for the flight, you live in the club and there are no days off.";
    // Ordinary listing text, every sentence different (a repeated one
    // dilutes less: the model counts repeats sublinearly).
    let filler = [
        "The apartment is on the second floor of a quiet building near the park.",
        "It has two bedrooms, a bright living room and a kitchen with a dishwasher.",
        "The bus stop is a five minute walk away and the market opens on Saturdays.",
        "Guests can use the garden and the bicycles that are kept in the shed.",
        "Towels and bed linen are provided and changed every week.",
        "Check-in is after three in the afternoon and check-out before eleven.",
        "There is a supermarket around the corner and a bakery across the street.",
        "Please do not smoke inside and keep the noise down after ten at night.",
        "The heating works well in winter and every room has a fan for the summer.",
        "We can recommend restaurants, museums and walks along the river.",
        "Parking on the street is free at weekends and cheap during the week.",
        "The washing machine is in the basement and detergent is included.",
        "Children are welcome and we have a cot and a high chair on request.",
        "The nearest beach is twenty minutes away by car or forty by train.",
        "Fast wireless internet reaches every room, and there is a desk for work.",
        "Our neighbours are friendly and the area is safe at any time of day.",
    ]
    .join(" ");
    let sub = |body: &str| {
        Submission::from_json(
            &serde_json::json!({ "section": "jobs", "title": "Work abroad", "body": body }),
        )
        .unwrap()
    };
    let rules = rules_alone();
    let e = Engine::new_default();
    let m = redflag::model::Model::builtin();
    for n in [500, 800, filler.len()] {
        let mut end = n.min(filler.len());
        while !filler.is_char_boundary(end) {
            end -= 1;
        }
        let padded = sub(&format!("{ad} {}", &filler[..end]));
        let by_rules = rules.screen(&padded).unwrap().verdict;
        assert!(
            by_rules >= Tier::Review,
            "the rules must flag it for this test to mean anything"
        );
        let v = e.screen(&padded).unwrap();
        let read = v
            .model
            .clone()
            .expect("a rule scored, so the model read it");
        assert!(
            read.score < m.below(),
            "the padding must dilute the whole ad's reading for this test to mean anything: {read:?}"
        );
        let around = read
            .evidence
            .expect("it would have lowered, so it read the evidence");
        assert!(around > redflag::model::EVIDENCE_SURE, "{n}: {read:?}");
        assert_eq!(v.verdict, by_rules, "{n}: {read:?}");
        assert!(
            v.reviewer_messages.iter().any(|m| m.contains("padding")),
            "{:?}",
            v.reviewer_messages
        );
    }
}

/// The built-in packs without the n-gram model: what the rules alone say.
fn rules_alone() -> Engine {
    Engine::builder()
        .default_packs()
        .model(None)
        .build()
        .unwrap()
}

#[test]
fn the_model_alone_sends_an_ad_it_is_sure_of_to_review_never_further() {
    // A model that reads every text as flagged (the built-in one with its
    // bias raised), beside the built-in packs: an ad on which no rule
    // scores goes to `review` when it is long enough, with a reviewer
    // message and no highlight; a short one stays `allow`; an ad the
    // rules already put above `allow` is moved only by the usual step.
    let e = with_a_sure_model();
    let honest = "Friendly hotel in the old town hires kitchen and cleaning staff for the \
                  summer season, with paid holidays and a contract from the first day.";
    let sub = |body: &str| {
        Submission::new()
            .field("section", "jobs")
            .field("body", body)
    };
    assert_eq!(
        rules_alone().screen(&sub(honest)).unwrap().verdict,
        Tier::Allow
    );
    let v = e.screen(&sub(honest)).unwrap();
    assert_eq!(v.verdict, Tier::Review);
    assert!(v.rules.is_empty() && v.hits.is_empty());
    let m = v.model.as_ref().unwrap();
    assert!(m.score > redflag::model::ALONE_REVIEW);
    assert_eq!(m.moved_from, Some(Tier::Allow));
    let (msg, quoted) = model_message(&v);
    // The words it names are the ad's own, as written.
    assert!(!quoted.is_empty() && quoted.len() <= 3, "{msg}");
    assert!(quoted.iter().all(|w| honest.contains(w)), "{msg}");
    assert!(v.poster_messages.is_empty());
    // Too short to read.
    let short = e.screen(&sub("Kitchen staff wanted.")).unwrap();
    assert_eq!((short.verdict, short.model), (Tier::Allow, None));
    // The built-in model reads the honest ad as honest.
    assert_eq!(
        Engine::new_default().screen(&sub(honest)).unwrap().verdict,
        Tier::Allow
    );
    // A scored rule: the usual step, one tier at most, and never from the
    // model alone to `block`.
    let flagged = "Hostess work abroad for girls 18 to 22, the agency keeps your passport.";
    let before = rules_alone().screen(&sub(flagged)).unwrap().verdict;
    let after = e.screen(&sub(flagged)).unwrap().verdict;
    assert!(before > Tier::Allow && after >= before);
    assert!(after as u8 <= before as u8 + 1);
}

#[test]
fn the_words_quoted_for_the_model_come_from_what_it_read() {
    // A long field of distinct words: the words the reviewer message
    // quotes lie within the bytes the model reads, however long the field.
    let limit = redflag::model::Model::builtin().max_bytes();
    let e = with_a_sure_model();
    let letters = |mut i: usize| {
        let mut w = String::from("qu");
        loop {
            w.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                return w;
            }
        }
    };
    let body: String = (0..40_000).map(|i| letters(i) + " ").collect();
    assert!(body.len() > 10 * limit);
    let v = e
        .screen(
            &Submission::new()
                .field("section", "jobs")
                .field("body", &body),
        )
        .unwrap();
    assert_eq!(v.verdict, Tier::Review);
    let (msg, quoted) = model_message(&v);
    assert!(!quoted.is_empty(), "{msg}");
    let spaced = format!(" {body}");
    for w in quoted {
        let at = spaced.find(&format!(" {w} ")).unwrap();
        assert!(at < limit, "{w} at {at}");
    }
}

#[test]
fn an_ad_read_in_a_source_country_language_is_read_by_the_languages_model() {
    // A main model that reads every text as flagged and a languages model
    // that reads every text as honest (the built-in ones with their bias
    // moved): an honest job ad on which no rule scores goes to review by
    // the first when it is read in English, and stays `allow` by the second
    // when it is read in Polish; with the languages model left out, the
    // main model reads both.
    let biased = |file: &[u8], bias: f64| {
        let mut bytes = file.to_vec();
        bytes[20..28].copy_from_slice(&bias.to_le_bytes());
        redflag::model::Model::from_bytes(&bytes).unwrap()
    };
    let sure = biased(include_bytes!("../rules/model/ngram.bin"), 40.0);
    let never = biased(include_bytes!("../rules/model/ngram-langs.bin"), -40.0);
    let english = "Friendly hotel in the old town hires kitchen and cleaning staff for the \
                   summer season, with paid holidays and a contract from the first day.";
    let polish = "Hotel na starym mieście zatrudni pracowników kuchni i sprzątania na sezon \
                  letni, z płatnym urlopem i umową od pierwszego dnia pracy.";
    let sub = |body: &str| {
        Submission::new()
            .field("section", "jobs")
            .field("body", body)
    };
    let split = Engine::builder()
        .default_packs()
        .model(Some(sure.clone()))
        .languages_model(Some(never))
        .build()
        .unwrap();
    let en = split.screen(&sub(english)).unwrap();
    let pl = split.screen(&sub(polish)).unwrap();
    let of_languages = |v: &redflag::Verdict| {
        v.languages
            .iter()
            .any(|l| redflag::model::LANGUAGES.contains(&l.as_str()))
    };
    assert!(!of_languages(&en), "{:?}", en.languages);
    assert!(of_languages(&pl), "{:?}", pl.languages);
    assert!(en.rules.is_empty() && pl.rules.is_empty());
    assert_eq!((en.verdict, pl.verdict), (Tier::Review, Tier::Allow));
    let one = Engine::builder()
        .default_packs()
        .model(Some(sure))
        .build()
        .unwrap();
    assert_eq!(one.screen(&sub(polish)).unwrap().verdict, Tier::Review);
    // The built-in engine has both, and the rules alone neither.
    let builtin = Engine::new_default();
    let languages = Engine::builder()
        .default_packs()
        .model(Some(redflag::model::Model::builtin()))
        .languages_model(Some(redflag::model::Model::builtin_languages()))
        .build()
        .unwrap();
    let main_only = Engine::builder()
        .default_packs()
        .model(Some(redflag::model::Model::builtin()))
        .build()
        .unwrap();
    let p = |e: &Engine, body: &str| {
        let ad = Submission::new()
            .field("section", "jobs")
            .field("body", body);
        e.screen(&ad).unwrap().model.map(|m| m.score)
    };
    // A Polish ad that a rule scores on, so the model's reading is shown.
    let fee = "Praca w Niemczech przy zbiorach, opłata rekrutacyjna 500 zł przed \
               wyjazdem, zakwaterowanie zapewnione, wyjazd w przyszłym tygodniu.";
    assert!(p(&builtin, fee).is_some());
    assert_eq!(p(&builtin, fee), p(&languages, fee));
    assert_ne!(p(&builtin, fee), p(&main_only, fee));
    assert_eq!(p(&rules_alone(), fee), None);
}

/// The built-in packs with a model that reads every text as flagged (the
/// built-in model with its bias raised).
fn with_a_sure_model() -> Engine {
    let mut bytes = include_bytes!("../rules/model/ngram.bin").to_vec();
    bytes[20..28].copy_from_slice(&40.0f64.to_le_bytes());
    let sure = redflag::model::Model::from_bytes(&bytes).unwrap();
    Engine::builder()
        .default_packs()
        .model(Some(sure))
        .build()
        .unwrap()
}

/// The reviewer message of an ad the model alone sent to review, and the
/// words it quotes.
fn model_message(v: &redflag::Verdict) -> (&str, Vec<&str>) {
    let msg = v
        .reviewer_messages
        .iter()
        .find(|s| s.contains("No rule matched"))
        .unwrap();
    let quoted = msg
        .split('\u{201c}')
        .skip(1)
        .filter_map(|q| q.split('\u{201d}').next())
        .collect();
    (msg, quoted)
}
