use super::*;

fn n(s: &str) -> String {
    normalize(s).as_str().to_string()
}

/// The original text behind the whole matching form of `needle`'s first
/// occurrence.
fn source_of(original: &str, needle: &str) -> String {
    let norm = normalize(original);
    let at = norm
        .as_str()
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {:?}", norm.as_str()));
    original[norm.source_range(at..at + needle.len())].to_string()
}

#[test]
fn case_and_diacritics() {
    assert_eq!(n("PASAPORTE Retenido"), "pasaporte retenido");
    assert_eq!(n("Dépôt de garantie"), "depot de garantie");
    assert_eq!(n("Straße"), "strase"); // ß → ss, then the repeat collapses
    assert_eq!(n("z\u{0351}\u{0352}\u{0353}a\u{0300}\u{0301}lgo"), "zalgo");
}

#[test]
fn compatibility_and_confusables() {
    assert_eq!(n("ｆｅｅ"), "fe");
    assert_eq!(n("𝐩𝐚𝐬𝐬𝐩𝐨𝐫𝐭"), "pasport");
    assert_eq!(n("раssроrt"), "pasport"); // Cyrillic р, а, о
    assert_eq!(n("ⓕⓔⓔ"), "fe");
    assert_eq!(n("🅵🅴🅴"), "fe");
    assert!(normalize("раss")
        .steps(0..3)
        .names()
        .any(|s| s == "confusables"));
}

#[test]
fn invisible_characters_are_removed_and_recorded() {
    let t = "pa\u{200B}ss\u{00AD}port\u{202E}";
    let norm = normalize(t);
    assert_eq!(norm.as_str(), "pasport");
    assert!(norm
        .steps(0..norm.as_str().len())
        .names()
        .any(|s| s == "invisible"));
    assert_eq!(source_of(t, "pasport"), "pa\u{200B}ss\u{00AD}port");
}

#[test]
fn removed_characters_at_the_edges_do_not_mark_a_hit() {
    let norm = normalize("\u{200B}fee");
    assert_eq!(norm.as_str(), "fe");
    assert!(norm.steps(0..2).is_empty());
}

#[test]
fn leetspeak_only_inside_words_with_letters() {
    assert_eq!(n("p4ssp0rt"), "pasport");
    assert_eq!(n("s3x"), "sex");
    assert_eq!(n("3scort"), "escort");
    assert_eq!(n("f!lth"), "filth");
    assert_eq!(n("cla$$"), "clas");
    // Digits inside a word show it is written in leetspeak; its edges are
    // then read the same way. One letter leading digits reads too.
    assert_eq!(n("h05t355"), "hostes");
    assert_eq!(n("r3g15tr4t10n f33"), "registration fe");
    assert_eq!(n("f33s"), "fes");
    // A text written in leetspeak throughout (two words or more with
    // digits inside) reads the edges of every word too.
    assert_eq!(
        n("N3w 1n t0wn, 53v3nt33n y34r5 0ld, 4514n"),
        "new in town, 17 years old, asian"
    );
    assert_eq!(n("1n t0wn, 0ld"), "1n town, 0ld");
    // Plain numbers, prices, ages, units and addresses stay as they are.
    assert_eq!(
        n("$500 24/7 18yo 24hrs mp3 covid19 10k 24h 5ft 3rd 100m"),
        "$500 24/7 18yo 24hrs mp3 covid19 10k 24h 5ft 3rd 100m"
    );
    assert_eq!(n("call 555-0142"), "cal 555-0142");
    assert_eq!(n("hello!"), "helo!");
    assert_eq!(n("jobs@example.com"), "jobs@example.com");
}

#[test]
fn spaced_letters_are_rejoined_only_when_spaced_out() {
    assert_eq!(n("p a s s p o r t"), "pasport");
    assert_eq!(n("p.a.s.s.p.o.r.t"), "pasport");
    assert_eq!(n("p-a-s-s"), "pas");
    // A change of separator ends the word.
    assert_eq!(n("p.a.s.s.p.o.r.t k.e.p.t"), "pasport kept");
    assert_eq!(n("f-e-e p-a-i-d"), "fe paid");
    assert_eq!(n("p a s s p o r t h.e.l.d"), "pasport held");
    assert_eq!(n("p\na\ns\ns"), "pas");
    assert_eq!(n("n e w  i n  t o w n"), "new in town");
    // Prose is left alone.
    assert_eq!(n("vitamins A, B, C"), "vitamins a, b, c");
    assert_eq!(n("a cat and a dog"), "a cat and a dog");
    assert_eq!(n("e.g. this"), "e.g. this");
    assert_eq!(source_of("call p a s s now", "pas"), "p a s s");
}

#[test]
fn stretched_number_words_are_read() {
    assert_eq!(n("fiiive fiiive fiiive"), "5 5 5");
    assert_eq!(n("seveeenteeen"), "17");
    assert_eq!(n("diiieeeciiisiiieeeteee"), "17");
    // Stretched words that are not numbers only collapse.
    assert_eq!(n("sooo niiice"), "so nice");
}

#[test]
fn repeated_letters_collapse_with_spans_covering_the_run() {
    assert_eq!(n("freeeee"), "fre");
    assert_eq!(n("passsssport"), "pasport");
    assert_eq!(source_of("so freeeee!", "fre"), "freeeee");
    let norm = normalize("freeeee");
    assert!(norm.steps(0..3).names().any(|s| s == "repeats"));
    // An ordinary double letter is not evasion.
    assert!(!normalize("free").steps(0..3).is_evasive());
    // Digits never collapse (phone numbers).
    assert_eq!(n("5550000"), "5550000");
}

#[test]
fn emoji_become_tokens() {
    assert_eq!(n("🌹🌹🌹"), ":rose::rose::rose:");
    assert_eq!(n("new 🍒 girl"), "new :cheries: girl");
    assert_eq!(n("👑"), ":crown:");
    assert_eq!(n("1️⃣2️⃣3️⃣"), "123");
    assert_eq!(n("🇹🇭"), ":flag_th:");
    assert_eq!(n("👍🏽"), ":thumbs_up:");
    assert_eq!(source_of("x 🌹 y", ":rose:"), "🌹");
}

#[test]
fn number_words_become_digits() {
    assert_eq!(n("five five five oh one four two"), "5 5 5 0 1 4 2");
    assert_eq!(n("cinco cinco cinco cero uno"), "5 5 5 0 1");
    assert_eq!(n("cinq cinq cinq"), "5 5 5");
    assert_eq!(n("555 one four two"), "555 1 4 2");
    assert_eq!(n("seventeen"), "17");
    assert_eq!(n("twenty one years"), "21 years");
    assert_eq!(n("diecisiete años"), "17 anos");
    assert_eq!(n("veintidos"), "22");
    assert_eq!(n("dix sept"), "17");
    // Single words and ambiguous words in prose stay.
    assert_eq!(n("one of us"), "one of us");
    assert_eq!(n("once a week"), "once a wek");
    assert_eq!(n("dos personas"), "dos personas");
    assert_eq!(source_of("call five five five", "5 5 5"), "five five five");
}

#[test]
fn offsets_are_monotonic_and_on_char_boundaries() {
    let t = "Ｐáss 🌹 p a s s — ５５５ five\r\nl1ne";
    let norm = normalize(t);
    let s = norm.as_str();
    let mut last = 0;
    for (i, _) in s.char_indices() {
        let r = norm.source_range(i..i + 1);
        assert!(
            t.is_char_boundary(r.start) && t.is_char_boundary(r.end),
            "{r:?}"
        );
        assert!(r.start >= last || r.start == norm.source_range(i.saturating_sub(1)..i).start);
        last = r.start;
    }
}

#[test]
fn empty_and_whitespace() {
    assert_eq!(n(""), "");
    assert_eq!(normalize("").source_range(0..0), 0..0);
    assert_eq!(n("\t a \u{00A0} b\n\n c"), " a b c");
}

/// Texts that exercise every pass and the conditions under which the fast
/// path skips one.
const TRICKY: &[&str] = &[
    "",
    "plain prose with nothing to do",
    "p a s s p o r t",
    "a b",
    "1-2 days, 3 4 5 and A, B, C",
    "n e w  i n  t o w n",
    "x y z 1 2",
    "p4ssp0rt and covid19 and 24hrs and mp3 and 3scort",
    "f1ve f1ve f1ve oh one",
    "tw0 thr33",
    "jobs@example.com p@ss b0$$ cla$$ hello! |ol",
    "five five five oh one four two",
    "twenty one years, dix sept, veintidos, diecisiete años",
    "one of us, once a week, dos personas",
    "seventeen",
    "Ｐáss 🌹 p a s s — ５５５ five\r\nl1ne",
    "freeeee passsssport \t a \u{00A0} b\n\n c",
    "\u{200B}fee\u{202E}",
    "1️⃣2️⃣3️⃣ 🇹🇭 👍🏽",
    "p.a.s.s.p.o.r.t e.g. this",
    "a p a s s p o r t",
    "c i n c o cinco cinco",
];

#[test]
fn fast_path_equals_the_reference_on_tricky_texts() {
    for t in TRICKY {
        assert_eq!(normalize(t), normalize_reference(t), "{t:?}");
    }
}

#[test]
fn word_starts_are_the_starts_of_alphanumeric_runs() {
    let n = normalize("Fee: 300 USD, p4ss!");
    let text = n.as_str();
    let expected: Vec<u32> = text
        .char_indices()
        .filter(|&(i, c)| {
            table::is_alnum(c) && !text[..i].chars().next_back().is_some_and(table::is_alnum)
        })
        .map(|(i, _)| i as u32)
        .collect();
    assert_eq!(n.word_starts(), expected.as_slice());
    assert_eq!(expected.len(), 4);
}

#[cfg(not(target_arch = "wasm32"))]
mod equivalence {
    use super::super::{normalize, normalize_reference};
    use proptest::prelude::*;

    /// Pieces that trigger the passes: separators, single letters, leet
    /// characters, number words in four languages (some stretched),
    /// look-alikes, marks,
    /// invisible characters, emoji and keycaps.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                " ",
                "  ",
                "\n",
                "\r\n",
                "\t",
                ".",
                "-",
                ",",
                ", ",
                "/",
                "|",
                "·",
                "*",
                "_",
                "a",
                "b",
                "I",
                "x",
                "p",
                "s",
                "0",
                "1",
                "3",
                "4",
                "5",
                "7",
                "@",
                "$",
                "!",
                "oh",
                "one",
                "two",
                "five",
                "ten",
                "seventeen",
                "twenty",
                "cinco",
                "uno",
                "dos",
                "once",
                "veintidos",
                "dix",
                "sept",
                "seize",
                "um",
                "dezessete",
                "pass",
                "port",
                "fee",
                "free",
                "eee",
                "ss",
                "fiiive",
                "teeen",
                "seveeenteeen",
                "twooo",
                "iii",
                "com",
                "example",
                "а",
                "о",
                "р",
                "Ｐ",
                "é",
                "\u{0301}",
                "ß",
                "\u{200B}",
                "\u{00AD}",
                "🌹",
                "🍒",
                "5️⃣",
                "\u{20E3}",
                "🇹",
                "🇭",
                "٣",
                "中",
            ])
            .prop_map(str::to_string),
            "[a-z0-9 ]{1,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        #[test]
        fn fast_path_equals_the_reference(pieces in prop::collection::vec(piece(), 0..24)) {
            let text: String = pieces.concat();
            prop_assert_eq!(normalize(&text), normalize_reference(&text), "{:?}", text);
        }

        #[test]
        fn fast_path_equals_the_reference_on_any_text(text in any::<String>()) {
            prop_assert_eq!(normalize(&text), normalize_reference(&text));
        }
    }
}
