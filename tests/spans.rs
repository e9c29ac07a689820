//! Property tests: spans always point at the original text, whatever the input.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;
use proptest::prelude::*;
use redflag::{normalize, Engine, Submission};

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Checks every invariant of a hit against the original field text.
fn check_hits(engine: &Engine, sub: &Submission) -> Result<(), TestCaseError> {
    let v = engine
        .screen(sub)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for h in &v.hits {
        let text = sub
            .fields()
            .find(|f| f.0 == h.field)
            .map(|f| f.1)
            .unwrap_or_default();
        prop_assert!(
            h.byte_start <= h.byte_end && h.byte_end <= text.len(),
            "{h:?}"
        );
        prop_assert!(
            text.is_char_boundary(h.byte_start) && text.is_char_boundary(h.byte_end),
            "{h:?}"
        );
        prop_assert_eq!(&text[h.byte_start..h.byte_end], h.text.as_str());
        // UTF-16 offsets are what JavaScript's slice needs.
        prop_assert_eq!(h.start, utf16_len(&text[..h.byte_start]));
        prop_assert_eq!(h.end, utf16_len(&text[..h.byte_end]));
        let units: Vec<u16> = text.encode_utf16().collect();
        let sliced = String::from_utf16(&units[h.start..h.end]).ok();
        prop_assert_eq!(sliced.as_deref(), Some(h.text.as_str()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn normalize_maps_every_byte_back(s in any::<String>()) {
        let n = normalize(&s);
        let out = n.as_str();
        let mut last_start = 0;
        for (i, c) in out.char_indices() {
            let r = n.source_range(i..i + c.len_utf8());
            prop_assert!(r.start <= r.end && r.end <= s.len());
            prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
            prop_assert!(r.start >= last_start, "source ranges go backwards at {i} in {out:?}");
            last_start = r.start;
        }
    }

    #[test]
    fn default_engine_spans_are_valid_on_arbitrary_text(
        title in any::<String>(),
        body in "(\\PC|[ \n\u{200B}🌹🍒👑🇹🇭]|fee|passport|girls|new|17|five){0,60}",
        section in prop::sample::select(vec!["jobs", "adult", "services", "personals", "nope"]),
    ) {
        let engine = Engine::new_default();
        let sub = Submission::new().section(section).field("title", title).field("body", body);
        check_hits(&engine, &sub)?;
    }
}

const TERMS: &[&str] = &[
    "passport",
    "registration fee",
    "new girls",
    "tourist visa",
    "deposit",
    "schoolgirl",
];
const FILLER: &[&str] = &[
    "we", "offer", "great", "work", "café", "naïve", "🌹", "😀", "日本", "in", "the", "city", "—",
    "2027", "$50", "a", "b",
];

fn obfuscate_char(c: char, interior: bool, choice: u8) -> String {
    let confusable = |c: char| match c {
        'a' => Some('а'),
        'o' => Some('о'),
        'e' => Some('е'),
        'p' => Some('р'),
        'c' => Some('с'),
        'i' => Some('і'),
        _ => None,
    };
    let leet = |c: char| match c {
        'a' => Some('4'),
        'e' => Some('3'),
        'o' => Some('0'),
        's' => Some('5'),
        'i' => Some('1'),
        _ => None,
    };
    match choice % 8 {
        0 => c.to_uppercase().collect(),
        1 => confusable(c).map_or(c.to_string(), String::from),
        2 if interior => leet(c).map_or(c.to_string(), String::from),
        3 => format!("{c}\u{200B}"),
        4 if c.is_ascii_lowercase() => {
            char::from_u32(c as u32 - 'a' as u32 + 0xFF41).map_or(c.to_string(), String::from)
        }
        5 => format!("{c}{c}{c}"),
        6 => format!("{c}\u{0301}"),
        _ => c.to_string(),
    }
}

/// `term` obfuscated letter by letter, or spaced out letter by letter with
/// one or two spaces between its words (with one, the gap between words
/// looks like the gaps between letters).
fn obfuscate(term: &str, choices: &[u8], spaced: bool) -> String {
    let mut out = String::new();
    let word_gap = if choices[0] % 2 == 0 { " " } else { "  " };
    for (wi, word) in term.split(' ').enumerate() {
        if wi > 0 {
            out.push_str(if spaced { word_gap } else { " " });
        }
        let chars: Vec<char> = word.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let interior = i > 0 && i + 1 < chars.len();
            let choice = choices[(wi * 31 + i) % choices.len()];
            out.push_str(&obfuscate_char(
                c,
                interior,
                if spaced { 7 } else { choice },
            ));
            if spaced && i + 1 < chars.len() {
                out.push(' ');
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// An obfuscated term in benign filler is found, and the original text
    /// at every hit normalises to exactly what matched.
    #[test]
    fn obfuscated_terms_are_found_and_spans_round_trip(
        term in prop::sample::select(TERMS.to_vec()),
        choices in prop::collection::vec(any::<u8>(), 1..12),
        spaced in prop::bool::weighted(0.2),
        before in prop::collection::vec(prop::sample::select(FILLER.to_vec()), 0..8),
        after in prop::collection::vec(prop::sample::select(FILLER.to_vec()), 0..8),
    ) {
        let list: Vec<String> = TERMS.iter().map(|t| format!("{t:?}")).collect();
        let engine = engine(&format!(
            "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = {{ any = [{}] }}\n",
            list.join(", ")
        ));
        let hidden = obfuscate(term, &choices, spaced);
        let text = format!("{} {} {}", before.join(" "), hidden, after.join(" "));
        let sub = body(&text);
        check_hits(&engine, &sub)?;
        let v = engine.screen(&sub).unwrap();
        prop_assert!(
            v.hits.iter().any(|h| h.text.contains(hidden.trim()) || hidden.contains(h.text.as_str()) && !h.text.is_empty()),
            "{term:?} hidden as {hidden:?} not found in {text:?}: {:?}", v.hits
        );
        for h in &v.hits {
            let again = normalize(&h.text);
            prop_assert_eq!(again.as_str(), h.normalized.as_str(), "hit {:?} in {:?}", h, text);
        }
    }
}

#[test]
fn words_spaced_out_letter_by_letter_match_multi_word_terms() {
    let e = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"registration fee\"] }\n",
    );
    let text = "pay the r e g i s t r a t i o n f e e now";
    let v = e.screen(&body(text)).unwrap();
    assert_eq!(v.hits.len(), 1, "{:?}", v.hits);
    assert_eq!(v.hits[0].text, "r e g i s t r a t i o n f e e");
    // Words sharing the letter at the gap, which collapses.
    let e2 = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"visa agent\"] }\n",
    );
    let v = e2.screen(&body("ask the v i s a a g e n t")).unwrap();
    assert_eq!(v.hits.len(), 1, "{:?}", v.hits);
    assert_eq!(v.hits[0].text, "v i s a a g e n t");
    // Written as one word, the words were never apart: no match.
    for text in [
        "pay the registrationfee now",
        "pay the registrationfe e now",
    ] {
        let v = e.screen(&body(text)).unwrap();
        assert!(v.hits.is_empty(), "{text:?}: {:?}", v.hits);
    }
}

#[test]
fn a_long_hashtag_holds_multi_word_terms_run_together() {
    let e = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"passport kept\", \"visa agent\", \"no fee\"] }\n",
    );
    for (text, hit) in [
        ("Farm work #PassportKeptByEmployer", "PassportKept"),
        ("#hiring #visaagentfee", "visaagent"),
        ("ask the #VisaAgent", "VisaAgent"),
    ] {
        let v = e.screen(&body(text)).unwrap();
        assert_eq!(v.hits.len(), 1, "{text:?}: {:?}", v.hits);
        assert_eq!(v.hits[0].text, hit, "{text:?}");
    }
    // Not in a hashtag too short to hold several words, nor in words run
    // together without one.
    for text in ["#nofee", "passportkeptbyemployer", "#pass portkept"] {
        let v = e.screen(&body(text)).unwrap();
        assert!(v.hits.is_empty(), "{text:?}: {:?}", v.hits);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A term cut by hyphens between its letters ("pass-port",
    /// "regis-tration fe-e") is found, and the hit covers the cut word in
    /// the original text.
    #[test]
    fn words_cut_by_hyphens_are_found(
        term in prop::sample::select(TERMS.to_vec()),
        cuts in prop::collection::btree_set(1usize..9, 1..3),
        before in prop::collection::vec(prop::sample::select(FILLER.to_vec()), 0..6),
        after in prop::collection::vec(prop::sample::select(FILLER.to_vec()), 0..6),
    ) {
        let list: Vec<String> = TERMS.iter().map(|t| format!("{t:?}")).collect();
        let engine = engine(&format!(
            "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = {{ any = [{}] }}\n",
            list.join(", ")
        ));
        // Hyphens only between two letters of one word.
        let chars: Vec<char> = term.chars().collect();
        let mut hidden = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if i > 0 && cuts.contains(&i) && c != ' ' && chars[i - 1] != ' ' {
                hidden.push('-');
            }
            hidden.push(c);
        }
        // One-letter filler would spell a word spaced out with the cut
        // word's first letter ("a a p-assport").
        let words = |w: &[&str]| w.iter().filter(|w| w.chars().count() > 1).copied().collect::<Vec<_>>().join(" ");
        let text = format!("{} {} {}", words(&before), hidden, words(&after));
        let sub = body(&text);
        check_hits(&engine, &sub)?;
        let v = engine.screen(&sub).unwrap();
        prop_assert!(
            v.hits.iter().any(|h| h.text == hidden),
            "{term:?} cut as {hidden:?} not found in {text:?}: {:?}", v.hits
        );
    }
}

/// The original text of every hit, sorted.
fn hit_texts(e: &Engine, text: &str) -> Vec<String> {
    let mut h: Vec<String> = e
        .screen(&body(text))
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.text)
        .collect();
    h.sort();
    h
}

#[test]
fn a_hyphen_joins_only_letters_and_only_for_whole_words() {
    let e = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"passport\", \"port\", \"no fee\"] }\n",
    );
    let hits = |text: &str| hit_texts(&e, text);
    assert_eq!(hits("pass-port held"), ["pass-port"]);
    assert_eq!(hits("pas-sport held"), ["pas-sport"]);
    // Inside a longer joined word the term is not a word: "pass-ports-ide".
    assert_eq!(hits("pass-portside"), Vec::<String>::new());
    // Digits or a space beside the hyphen: not a cut word.
    assert_eq!(hits("pass-2port pass -port"), ["port"]);
    // A compound keeps its words.
    assert_eq!(hits("a no-fee job"), Vec::<String>::new());
}

#[test]
fn a_letter_replaced_by_a_symbol_is_read_as_each_vowel() {
    let e = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"passport\", \"debt\", \"passport held\"] }\n",
    );
    let hits = |text: &str| hit_texts(&e, text);
    assert_eq!(hits("your p*ssport"), ["p*ssport"]);
    assert_eq!(hits("a d_bt to repay"), ["d_bt"]);
    // Each symbol is tried alone: two in one word are not read.
    assert_eq!(hits("p*ssp*rt"), Vec::<String>::new());
    // The symbol must sit between two letters of one word.
    assert_eq!(hits("p* ssport"), Vec::<String>::new());
    // A symbol added to a whole word was already read ("pass*port").
    assert_eq!(hits("pass*port"), ["pass*port"]);
}

#[test]
fn terms_in_scripts_without_spaces_match_inside_runs_of_them() {
    let e = engine(
        "[[rule]]\nid = \"t\"\ntitle = \"T\"\ncategory = \"c\"\nscore = 1\nmatch = { any = [\"打字员\", \"包吃住\", \"งานนวด\", \"ktv\", \"pass\", \"公关\"] }\n",
    );
    let hits = |text: &str| hit_texts(&e, text);
    // Han and Thai: inside a run, with no spaces around the term.
    assert_eq!(hits("招聘打字员高薪包吃住"), ["包吃住", "打字员"]);
    assert_eq!(hits("รับสมัครงานนวดด่วน"), ["งานนวด"]);
    // A change of script is a boundary: Latin beside Han.
    assert_eq!(hits("招KTV公关"), ["KTV", "公关"]);
    // Latin words keep theirs: "pass" is not in "passport" or "bypass".
    assert_eq!(hits("passport bypass pass"), ["pass"]);
    // Fullwidth Latin folds to Latin and still needs its boundary.
    assert_eq!(hits("ｋｔｖｘ"), Vec::<String>::new());
}

#[test]
fn text_written_in_another_script_is_not_evasion_but_disguised_latin_is() {
    let e = Engine::new_default();
    let evasion = |text: &str| e.screen(&in_section("jobs", text)).unwrap().evasion;
    // Russian read through the look-alike foldings (п, з, б stay Cyrillic).
    assert!(!evasion("паспорт забираем"));
    // A digit for a letter inside Cyrillic, Latin look-alikes in a Latin
    // word, mathematical bold letters: disguises.
    assert!(evasion("п4спорт забираем"));
    assert!(evasion("Your pаsspоrt will be kept by the agency"));
    assert!(evasion("Your \u{1D429}\u{1D41A}\u{1D42C}\u{1D42C}\u{1D429}\u{1D428}\u{1D42B}\u{1D42D} will be kept by the agency"));
}
