//! `redflag link` end to end: the real binary, synthetic ads (indicator
//! phrases from published lists, fictional 555-01xx numbers).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

const KEY: &str = "a test deployment key, not a secret";

mod common;
use common::{json_lines as clusters, succeeded};

fn run(args: &[&str], stdin: &str, key: Option<&str>) -> Output {
    let mut cmd = common::bin();
    cmd.arg("link").args(args);
    match key {
        Some(k) => cmd.env("REDFLAG_ENTITY_KEY", k),
        None => cmd.env_remove("REDFLAG_ENTITY_KEY"),
    };
    common::run_cmd(cmd, stdin)
}

fn ids(cluster: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = cluster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].clone())
        .collect();
    v.sort_by_key(|x| x.to_string());
    v
}

fn jsonl(ads: &[Value]) -> String {
    ads.iter().map(|a| a.to_string() + "\n").collect()
}

fn tmp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redflag-link-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// One recruitment template, filled in: a name, a city, a salary, a phone.
fn template(name: &str, city: &str, pay: u32, phone: &str) -> String {
    format!(
        "Young girls wanted for hostess work in {city}. Free flight and visa, high salary \
         {pay} USD a month, no experience needed. Your passport is kept by the agent on \
         arrival until the travel debt is paid. Ask for {name}, WhatsApp {phone}"
    )
}

/// Honest ads that share nothing with each other.
fn honest() -> Vec<Value> {
    vec![
        json!({"id": "h1", "section": "housing", "body": "Two bedroom flat near the park, bills included, available from March. No pets please."}),
        json!({"id": "h2", "section": "for-sale", "body": "Used mountain bike, 21 gears, new tyres last spring, collection only."}),
        json!({"id": "h3", "section": "jobs", "body": "Part-time barista for our cafe on Mill Street. Weekend shifts, training provided, paid holidays."}),
        json!({"id": "h4", "section": "for-sale", "body": "Selling my old laptop, battery holds three hours, charger included."}),
        json!({"id": "h5", "section": "jobs", "body": "Warehouse team lead, forklift licence preferred, day shifts, pension scheme and overtime pay."}),
    ]
}

#[test]
fn disguised_copies_of_a_template_are_one_cluster() {
    let mut ads = honest();
    ads.push(json!({"id": "t1", "section": "jobs", "body": template("Maria", "Dubai", 3000, "202-555-0101")}));
    // Cyrillic look-alikes (а, о, е), leetspeak and spaced letters.
    let disguised = template("Olga", "Doha", 2500, "303-555-0102")
        .replace("passport", "pаssp0rt")
        .replace("hostess", "h o s t e s s")
        .replace("agent", "аgеnt");
    ads.push(json!({"id": "t2", "section": "jobs", "body": disguised}));
    ads.push(json!({"id": "t3", "section": "jobs", "body": template("Anna", "Riyadh", 4000, "404-555-0103")}));
    let out = run(&[], &jsonl(&ads), Some(KEY));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(ids(&c[0]), [json!("t1"), json!("t2"), json!("t3")]);
    assert_eq!(c[0]["size"], 3);
    let t = &c[0]["templates"][0];
    assert_eq!(t["size"], 3);
    let text = t["text"].as_str().unwrap();
    // The shared words, in matching form and in order; not the names.
    assert!(text.contains("pasport is kept by the agent"), "{text}");
    assert!(!text.contains("maria") && !text.contains("dubai"), "{text}");
    let varies: Vec<&str> = t["varies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["token"].as_str().unwrap())
        .collect();
    for w in ["maria", "olga", "doha", "riyadh", "3000", "2500"] {
        assert!(varies.contains(&w), "{w} not in {varies:?}");
    }
    // The three phones differ: no contact link.
    assert_eq!(c[0]["contacts"], json!([]));
}

#[test]
fn a_phone_in_digits_words_and_separators_links_different_ads() {
    let ads = vec![
        json!({"id": 1, "section": "housing", "body": "Room for rent in a quiet house, call 202-555-0147"}),
        json!({"id": 2, "section": "for-sale", "body": "Selling a sofa, barely used. Text two oh two five five five oh one four seven"}),
        json!({"id": 3, "section": "services", "body": "Garden work done cheaply every weekend (202) 555.0147"}),
        json!({"id": 4, "section": "services", "body": "Piano lessons for children at home, 202 555 0199"}),
    ];
    let out = run(&[], &jsonl(&ads), Some(KEY));
    assert!(out.status.success());
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(ids(&c[0]), [json!(1), json!(2), json!(3)]);
    assert_eq!(c[0]["templates"], json!([]));
    let contacts = c[0]["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["kind"], "phone");
    assert_eq!(contacts[0]["ads"], 3);
    assert_eq!(contacts[0]["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn honest_different_ads_do_not_link() {
    let out = run(&[], &jsonl(&honest()), Some(KEY));
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("5 ads, 0 clusters"));
}

#[test]
fn no_raw_contact_is_written_in_any_format() {
    let ads = vec![
        json!({"id": 1, "body": "Massage at home, write sweetpea99 (at) example (dot) com or call 202-555-0147"}),
        json!({"id": 2, "body": "Massage at home, write sweetpea99@example.com or call two oh two five five five oh one four seven"}),
        json!({"id": 3, "body": "Massage at home, write sweetpea99 at example dot com, telegram @sweetpea99"}),
    ];
    for format in ["json", "html"] {
        let out = run(&["--format", format], &jsonl(&ads), Some(KEY));
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("cluster"), "{text}");
        for raw in [
            "sweetpea",
            "example",
            "555-0147",
            "5550147",
            "555 0147",
            "oh one four",
        ] {
            assert!(!text.contains(raw), "{format}: {raw} in {text}");
        }
    }
}

#[test]
fn the_key_decides_the_hashes() {
    let ads = vec![
        json!({"id": 1, "body": "Room for rent, call 202-555-0147"}),
        json!({"id": 2, "body": "Sofa for sale, text 2025550147"}),
    ];
    let hash = |key: Option<&str>| {
        let out = run(&[], &jsonl(&ads), key);
        assert!(out.status.success());
        clusters(&out)[0]["contacts"][0]["hash"].clone()
    };
    assert_eq!(hash(Some(KEY)), hash(Some(KEY)));
    assert_ne!(
        hash(Some(KEY)),
        hash(Some("another deployment key, also long"))
    );
    // Without a key: a random one per run, still linking within the run.
    assert_ne!(hash(None), hash(None));
    // The key file and the environment give the same hashes.
    let file = tmp("key", &format!("{KEY}\n"));
    let out = run(
        &["--entity-key-file", file.to_str().unwrap()],
        &jsonl(&ads),
        None,
    );
    assert_eq!(clusters(&out)[0]["contacts"][0]["hash"], hash(Some(KEY)));
    let short = tmp("short", "too short");
    let out = run(
        &["--entity-key-file", short.to_str().unwrap()],
        &jsonl(&ads),
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn clusters_with_a_blocked_ad_come_first_and_mark_every_ad() {
    let mut ads = Vec::new();
    // Four copies of an honest template, never flagged.
    for (i, city) in ["Leeds", "York", "Hull", "Bath"].iter().enumerate() {
        ads.push(json!({"id": format!("shop{i}"), "verdict": "allow",
            "body": format!("Refurbished laptops in {city}: tested, twelve month warranty, free delivery in town, visit our shop on the high street")}));
    }
    // Three copies of another, one of them blocked and one in review.
    for (i, (name, v)) in [("Maria", "block"), ("Olga", "review"), ("Anna", "allow")]
        .iter()
        .enumerate()
    {
        ads.push(json!({"id": format!("t{i}"), "verdict": v,
            "body": template(name, "Dubai", 3000, &format!("202-555-01{i}0"))}));
    }
    let out = run(&["--no-screen"], &jsonl(&ads), Some(KEY));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = clusters(&out);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0]["cluster"], 1);
    assert_eq!(c[0]["verdict"], "block");
    assert_eq!(
        c[0]["tiers"],
        json!({"allow": 1, "warn": 0, "review": 1, "block": 1})
    );
    let anna = c[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "t2")
        .unwrap();
    let mark = anna["mark"].as_str().unwrap();
    assert!(
        mark.starts_with("same template as 2 other ads, 1 of them blocked, 1 in review"),
        "{mark}"
    );
    // The larger honest cluster ranks second and marks no one.
    assert_eq!(c[1]["verdict"], "allow");
    assert_eq!(c[1]["size"], 4);
    assert!(c[1]["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m.get("mark").is_none()));
}

#[test]
fn lines_without_a_verdict_are_screened_with_the_packs() {
    let ads: Vec<Value> = ["Maria", "Olga"]
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": i, "section": "jobs", "body": template(n, "Dubai", 3000, "202-555-0110")}))
        .collect();
    let screened = run(&[], &jsonl(&ads), Some(KEY));
    let c = clusters(&screened);
    let v = c[0]["verdict"].as_str().unwrap();
    assert!(v == "review" || v == "block", "{v}");
    let unscreened = run(&["--no-screen"], &jsonl(&ads), Some(KEY));
    assert_eq!(clusters(&unscreened)[0]["verdict"], Value::Null);
}

#[test]
fn bad_lines_are_reported_with_their_line_numbers() {
    let input = format!(
        "{}\n{{not json\n\n{}\n{}\n[1, 2]\n{}\n",
        json!({"id": 1, "body": "Room for rent, call 202-555-0147"}),
        json!({"id": 2, "verdict": "maybe", "body": "x"}),
        json!({"id": 3, "section": 7, "body": "bad section"}),
        json!({"id": 4, "body": "Sofa for sale, text 2025550147"}),
    );
    let out = run(&[], &input, Some(KEY));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    for n in [2, 4, 5, 6] {
        assert!(err.contains(&format!("line {n}:")), "line {n} in {err}");
    }
    assert!(
        !err.contains("line 3:") && !err.contains("line 1:"),
        "{err}"
    );
    // The good lines are linked all the same, with their line numbers.
    let c = clusters(&out);
    assert_eq!(c.len(), 1);
    let lines: Vec<&Value> = c[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["line"])
        .collect();
    assert_eq!(lines, [&json!(1), &json!(7)]);
}

#[test]
fn threshold_and_limits_are_flags() {
    let ads: Vec<Value> = ["Maria", "Olga", "Anna"]
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": i, "body": template(n, "Dubai", 3000, &format!("202-555-01{i}5"))}))
        .collect();
    let loose = run(&["--no-screen"], &jsonl(&ads), Some(KEY));
    assert_eq!(clusters(&loose).len(), 1);
    // The copies differ in a name: not identical.
    let strict = run(
        &["--no-screen", "--threshold", "1"],
        &jsonl(&ads),
        Some(KEY),
    );
    assert!(strict.status.success());
    assert!(clusters(&strict).is_empty());
    let bad = run(&["--threshold", "1.5"], &jsonl(&ads), Some(KEY));
    assert_eq!(bad.status.code(), Some(2));
    let many = run(&["--no-screen", "--max-ads", "2"], &jsonl(&ads), Some(KEY));
    assert_eq!(many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&many.stderr).contains("line 3"));
}

#[test]
fn a_file_and_stdin_give_the_same_clusters() {
    let mut ads = honest();
    for (i, n) in ["Maria", "Olga", "Anna"].iter().enumerate() {
        ads.push(json!({"id": i, "body": template(n, "Dubai", 3000, "202-555-0120")}));
    }
    let input = jsonl(&ads);
    let file = tmp("ads.jsonl", &input);
    let from_file = run(&["--no-screen", file.to_str().unwrap()], "", Some(KEY));
    let from_stdin = run(&["--no-screen"], &input, Some(KEY));
    assert!(from_file.status.success() && from_stdin.status.success());
    assert_eq!(from_file.stdout, from_stdin.stdout);
    // A named pipe is read once, like stdin, and spooled.
    #[cfg(unix)]
    {
        let fifo = tmp("fifo-dir", "").with_file_name("ads.fifo");
        let _ = std::fs::remove_file(&fifo);
        let made = Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let writer = {
                let fifo = fifo.clone();
                let input = input.clone();
                std::thread::spawn(move || std::fs::write(fifo, input))
            };
            let from_fifo = run(&["--no-screen", fifo.to_str().unwrap()], "", Some(KEY));
            writer.join().unwrap().unwrap();
            assert!(
                from_fifo.status.success(),
                "{}",
                String::from_utf8_lossy(&from_fifo.stderr)
            );
            assert_eq!(from_fifo.stdout, from_file.stdout);
        }
    }
    assert_eq!(clusters(&from_file).len(), 1);
    let html = run(&["--no-screen", "--format", "html"], &input, Some(KEY));
    let page = String::from_utf8(html.stdout).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("Most serious clusters"));
    assert!(page.contains("pasport is kept by the agent"), "{page}");
}

// ---------------------------------------------------------------- pictures

/// A made-up PDQ hash (64 hex digits) from a seed.
fn pdq(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for b in out.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 24) as u8;
    }
    out
}

/// The hash with `bits` distinct bits flipped, spread over the 256.
fn flip(mut h: [u8; 32], bits: usize) -> [u8; 32] {
    for i in 0..bits {
        let bit = (i * 37) % 256;
        h[bit / 8] ^= 1 << (bit % 8);
    }
    h
}

fn hex(h: [u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn distance(a: [u8; 32], b: [u8; 32]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum()
}

#[test]
fn the_same_picture_links_ads_as_a_contact_does() {
    let photo = pdq(1);
    let resized = flip(photo, 12); // a near copy: 12 bits off
    assert_eq!(distance(photo, resized), 12);
    let mut ads = honest();
    // The hash as the CLI's `image-hash` line, as the edge token's `hash:quality`, as a bare hash.
    ads[0]["images"] =
        json!([{"file": "a.jpg", "pdq": hex(photo), "quality": 90, "width": 640, "height": 480}]);
    ads[1]["images"] = json!([format!("{}:88", hex(resized))]);
    ads[3]["images"] = json!([hex(pdq(2))]);
    // The edge's X-Redflag-Images records: a picture it could not hash has no pdq and is skipped.
    ads[4]["images"] = json!([{"part": "photo", "format": "gif", "unscreened": "unsupported_format"}, {"part": "p2", "pdq": hex(photo), "quality": 70}]);
    ads.push(json!({"id": "b1", "section": "adult", "verdict": "block", "body": "Something else entirely, another text.", "images": [hex(flip(photo, 20))]}));
    let out = run(&[], &jsonl(&ads), Some(KEY));
    succeeded(&out);
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(
        ids(&c[0]),
        vec![json!("b1"), json!("h1"), json!("h2"), json!("h5")]
    );
    assert_eq!(c[0]["links"], json!(["image"]));
    assert_eq!(c[0]["images"], json!([{"pdq": hex(photo), "ads": 4}]));
    assert_eq!(c[0]["verdict"], "block");
    let h2 = c[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "h2")
        .unwrap();
    assert!(
        h2["mark"]
            .as_str()
            .unwrap()
            .starts_with("same picture as 3 other ads, 1 of them blocked"),
        "{h2}"
    );
    // The HTML report counts the shared picture.
    let html = run(&["--format", "html"], &jsonl(&ads), Some(KEY));
    let page = String::from_utf8_lossy(&html.stdout);
    assert!(
        page.contains("shared pictures") && page.contains("linked by pictures only"),
        "{page}"
    );
}

#[test]
fn pictures_link_within_the_threshold_only() {
    let a = pdq(3);
    let b = flip(a, 40);
    assert_eq!(distance(a, b), 40);
    let mut ads = honest();
    ads[0]["images"] = json!([hex(a)]);
    ads[1]["images"] = json!([hex(b)]);
    assert!(clusters(&run(&[], &jsonl(&ads), Some(KEY))).is_empty());
    let near = run(&["--image-threshold", "40"], &jsonl(&ads), Some(KEY));
    assert_eq!(clusters(&near).len(), 1);
    assert_eq!(
        run(&["--image-threshold", "48"], &jsonl(&ads), Some(KEY))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn flat_and_common_pictures_link_nothing() {
    // A flat picture (quality under 50) in two ads: left out.
    let mut ads = honest();
    ads[0]["images"] = json!([{"pdq": hex(pdq(4)), "quality": 10}]);
    ads[1]["images"] = json!([{"pdq": hex(pdq(4)), "quality": 12}]);
    let out = run(&[], &jsonl(&ads), Some(KEY));
    assert!(clusters(&out).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 left out for a quality under 50"));
    assert_eq!(
        clusters(&run(&["--image-min-quality", "0"], &jsonl(&ads), Some(KEY))).len(),
        1
    );

    // One picture in every ad, more than --image-common: a placeholder, linked to nothing;
    // another picture shared by two of them still links those two.
    let mut ads = honest();
    for (k, ad) in ads.iter_mut().enumerate() {
        ad["images"] = json!([hex(pdq(5)), hex(pdq(100 + k as u64))]);
    }
    ads[2]["images"]
        .as_array_mut()
        .unwrap()
        .push(json!(hex(pdq(6))));
    ads[3]["images"]
        .as_array_mut()
        .unwrap()
        .push(json!(hex(flip(pdq(6), 3))));
    let out = run(&["--image-common", "3"], &jsonl(&ads), Some(KEY));
    let c = clusters(&out);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(ids(&c[0]), vec![json!("h3"), json!("h4")]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("5 common"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without the cap, the placeholder links every ad.
    assert_eq!(clusters(&run(&[], &jsonl(&ads), Some(KEY)))[0]["size"], 5);
}

#[test]
fn a_cluster_says_which_links_joined_it() {
    let mut ads = honest();
    ads.push(json!({"id": "t1", "section": "jobs", "body": template("Maria", "Dubai", 3000, "202-555-0101")}));
    ads.push(json!({"id": "t2", "section": "jobs", "body": template("Olga", "Doha", 2500, "303-555-0102")}));
    // h1 shares t2's picture; h2 shares t1's phone.
    ads[0]["images"] = json!([hex(pdq(7))]);
    ads[6]["images"] = json!([hex(pdq(7))]);
    ads[1]["body"] = json!("Used mountain bike, 21 gears, new tyres. Call 202-555-0101.");
    let c = clusters(&run(&[], &jsonl(&ads), Some(KEY)));
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0]["links"], json!(["template", "contact", "image"]));
    assert_eq!(c[0]["size"], 4);
}

#[test]
fn bad_images_are_line_errors() {
    let mut ads = honest();
    ads[0]["images"] = json!("not an array");
    ads[1]["images"] = json!(["abc"]);
    ads[2]["images"] = json!([format!("{}:101", hex(pdq(1)))]);
    let out = run(&[], &jsonl(&ads), Some(KEY));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1: invalid submission: `images` must be an array"),
        "{err}"
    );
    assert!(
        err.contains("line 2: invalid submission: `images[0]`: invalid PDQ hash"),
        "{err}"
    );
    assert!(
        err.contains("line 3: invalid submission: `images[0]`: the quality"),
        "{err}"
    );
}
