//! How well PDQ matches: generated source pictures, each edited the ways a
//! re-posted copy is (resized, cropped, recompressed, turned, recoloured,
//! framed, mirrored), hashed through `redflag::images::hash_image` from the
//! encoded files, as the CLI and the edge do.
//!
//! ```sh
//! cargo bench --features images --bench image_eval            # 240 sources
//! cargo bench --features images --bench image_eval -- 60      # fewer, quicker
//! cargo bench --features images --bench image_eval -- 60 --dump /tmp/pdq   # and see them
//! ```
//!
//! `--dump DIR` also writes each source as `DIR/<seed>-<kind>.png`, to look
//! at what is measured.
//!
//! Prints Markdown tables (what docs/images.md shows under "Evaluation: how
//! well PDQ matches") and writes the figures to
//! `benches/results/image-eval.json`. Not a timing benchmark: the numbers
//! are distances, the same on every machine; only the run time differs.
//!
//! Per edit: the share of copies within 16, 31 (the default threshold) and
//! 47 bits of their source, the median and 90th-percentile distance. Then
//! the false matches: every pair of hashes from unrelated sources (the
//! sources and all their copies), the share within 31 bits and the closest
//! pair, plain and with the eight dihedral variants. Then the sources' PDQ
//! quality.

mod pictures;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use pictures::{Edit, Kind};
use redflag::images::{hash_image, HashList, ImageHash, ImageLimits, DEFAULT_THRESHOLD};
use serde_json::{json, Value};

/// The number of sources without an argument: about two minutes on a
/// shared 2-core machine.
const DEFAULT_SOURCES: usize = 240;

/// The thresholds the recall is given at: stricter, the default, looser.
const THRESHOLDS: [u32; 3] = [16, DEFAULT_THRESHOLD, 47];

/// A hashed copy: its hash's distance to the source's, plainly and with
/// the copy's dihedral variants (what `HashList::find(.., true)` reports).
struct Copy {
    plain: u32,
    dihedral: u32,
    variants: [[u64; 4]; 8],
}

/// A source picture with its hash and its copies, in `Edit::ALL` order.
struct Source {
    kind: Kind,
    quality: u8,
    variants: [[u64; 4]; 8],
    copies: Vec<Copy>,
}

fn hash(bytes: &[u8]) -> ImageHash {
    hash_image(bytes, &ImageLimits::default()).expect("a generated picture hashes")
}

/// The hash and its eight dihedral variants as 64-bit words, `Original`
/// first, for the all-pairs scan.
fn words(h: &ImageHash) -> [[u64; 4]; 8] {
    h.variants().map(|(_, v)| {
        let b = v.as_bytes();
        [0, 1, 2, 3].map(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes")))
    })
}

fn distance(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    (0..4).map(|i| (a[i] ^ b[i]).count_ones()).sum()
}

fn evaluate(seed: u64, dump: Option<&str>) -> Source {
    let img = pictures::source(seed);
    let file = pictures::png(&img);
    if let Some(dir) = dump {
        let path = format!("{dir}/{seed:03}-{}.png", Kind::of(seed).name());
        std::fs::write(&path, &file).unwrap_or_else(|e| panic!("writing {path}: {e}"));
    }
    let original = hash(&file);
    let mut list = HashList::new();
    list.push(original.hash, "source");
    let copies = Edit::ALL
        .iter()
        .map(|(_, edit)| {
            let h = hash(&edit.apply(&img));
            // Threshold 256: the entry is always reported, with its distance.
            let found = list.find(&h, 256, true);
            Copy {
                plain: h.hash.distance(&original.hash),
                dihedral: found[0].distance,
                variants: words(&h),
            }
        })
        .collect();
    Source {
        kind: Kind::of(seed),
        quality: original.quality,
        variants: words(&original),
        copies,
    }
}

/// The nearest-rank percentile `p` (0–1) of sorted values.
fn percentile(sorted: &[u32], p: f64) -> u32 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn share(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// One row of the recall table: the distances of one edit's copies.
fn recall_row(name: &str, sources: &[Source], distance: impl Fn(&Source) -> u32) -> Value {
    let mut d: Vec<u32> = sources.iter().map(&distance).collect();
    d.sort_unstable();
    let good: Vec<u32> = sources
        .iter()
        .filter(|s| s.quality >= 50)
        .map(&distance)
        .collect();
    let within = |t: u32| share(d.iter().filter(|&&x| x <= t).count(), d.len());
    json!({
        "edit": name,
        "copies": d.len(),
        "within": THRESHOLDS.iter().map(|&t| json!({"threshold": t, "share": within(t)})).collect::<Vec<_>>(),
        "within_31_quality_50": share(good.iter().filter(|&&x| x <= DEFAULT_THRESHOLD).count(), good.len()),
        "median": percentile(&d, 0.5),
        "p90": percentile(&d, 0.9),
        "max": d.last().copied().unwrap_or(0),
    })
}

/// Pairs of hashes from different sources: how many, how many within the
/// default threshold, and the closest, plainly and with dihedral variants.
struct Pairs {
    pairs: u64,
    within: u64,
    within_dihedral: u64,
    closest: u32,
    closest_dihedral: u32,
    closest_kinds: (Kind, Kind),
}

fn unrelated_pairs(sources: &[Source], with_copies: bool, min_quality: u8) -> Pairs {
    // (source index, variants) of every hash taken.
    let mut hashes: Vec<(usize, &[[u64; 4]; 8])> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        if s.quality < min_quality {
            continue;
        }
        hashes.push((i, &s.variants));
        if with_copies {
            hashes.extend(s.copies.iter().map(|c| (i, &c.variants)));
        }
    }
    let mut p = Pairs {
        pairs: 0,
        within: 0,
        within_dihedral: 0,
        closest: 256,
        closest_dihedral: 256,
        closest_kinds: (Kind::Scene, Kind::Scene),
    };
    for (k, (i, a)) in hashes.iter().enumerate() {
        for (j, b) in &hashes[k + 1..] {
            if i == j {
                continue;
            }
            p.pairs += 1;
            let plain = distance(&a[0], &b[0]);
            // As a list lookup with dihedral variants: the copy's eight
            // variants against the listed hash.
            let turned = a.iter().map(|v| distance(v, &b[0])).min().unwrap_or(256);
            if plain <= DEFAULT_THRESHOLD {
                p.within += 1;
            }
            if turned <= DEFAULT_THRESHOLD {
                p.within_dihedral += 1;
            }
            if plain < p.closest {
                p.closest = plain;
                p.closest_kinds = (sources[*i].kind, sources[*j].kind);
            }
            p.closest_dihedral = p.closest_dihedral.min(turned);
        }
    }
    p
}

fn main() {
    // `cargo bench` adds `--bench`; a number is the count of sources.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_SOURCES);
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .map(|i| args.get(i + 1).expect("--dump DIR").as_str());
    if let Some(dir) = dump {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {dir}: {e}"));
    }
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let start = Instant::now();

    // Sources are handed out one at a time to the worker threads; results
    // land at their seed's index, so the output does not depend on timing.
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Source>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let s = evaluate(i as u64, dump);
                slots.lock().expect("no worker panicked")[i] = Some(s);
            });
        }
    });
    let sources: Vec<Source> = slots
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|s| s.expect("every source evaluated"))
        .collect();
    let hashing = start.elapsed();

    // Recall per edit; the mirror twice, plainly and as a dihedral lookup.
    let mut rows = Vec::new();
    for (k, (name, edit)) in Edit::ALL.iter().enumerate() {
        rows.push(recall_row(name, &sources, |s| s.copies[k].plain));
        if *edit == Edit::Mirror {
            rows.push(recall_row(
                "mirrored left to right, with dihedral variants",
                &sources,
                |s| s.copies[k].dihedral,
            ));
        }
    }
    let per_source = Edit::ALL.len() + 1;
    println!(
        "## PDQ under edits: {n} generated sources, {} hashed files\n",
        n * per_source
    );
    println!("| edit | within 16 bits | within 31 (default) | within 47 | median distance | 90th percentile | within 31, quality ≥ 50 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let w = |i: usize| pct(r["within"][i]["share"].as_f64().unwrap_or(0.0));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r["edit"].as_str().unwrap_or(""),
            w(0),
            w(1),
            w(2),
            r["median"],
            r["p90"],
            pct(r["within_31_quality_50"].as_f64().unwrap_or(0.0)),
        );
    }

    // Recall at the default threshold by kind of source: which pictures
    // lose their match first.
    println!("\n## Within 31 bits, by kind of source\n");
    print!("| edit |");
    for k in Kind::ALL {
        print!(" {} |", k.name());
    }
    println!("\n|---|{}", "---:|".repeat(Kind::ALL.len()));
    let mut by_kind = Vec::new();
    for (k, (name, _)) in Edit::ALL.iter().enumerate() {
        print!("| {name} |");
        let mut row = serde_json::Map::new();
        for kind in Kind::ALL {
            let of: Vec<&Source> = sources.iter().filter(|s| s.kind == kind).collect();
            let ok = of
                .iter()
                .filter(|s| s.copies[k].plain <= DEFAULT_THRESHOLD)
                .count();
            print!(" {} |", pct(share(ok, of.len())));
            row.insert(kind.name().into(), json!(share(ok, of.len())));
        }
        println!();
        by_kind.push(json!({"edit": name, "within_31": row}));
    }

    // False matches.
    let sets = [
        ("sources", false, 0),
        ("sources and all their copies", true, 0),
        ("sources of quality ≥ 50", false, 50),
        ("sources of quality ≥ 50 and all their copies", true, 50),
    ];
    println!("\n## Unrelated pictures\n");
    println!("| pairs of hashes from different sources | pairs | within 31 bits | within 31, dihedral | closest | closest, dihedral |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut false_matches = Vec::new();
    for (name, copies, q) in sets {
        let p = unrelated_pairs(&sources, copies, q);
        println!(
            "| {name} | {} | {} ({:.4} %) | {} ({:.4} %) | {} ({} / {}) | {} |",
            p.pairs,
            p.within,
            100.0 * share(p.within as usize, p.pairs as usize),
            p.within_dihedral,
            100.0 * share(p.within_dihedral as usize, p.pairs as usize),
            p.closest,
            p.closest_kinds.0.name(),
            p.closest_kinds.1.name(),
            p.closest_dihedral,
        );
        false_matches.push(json!({
            "set": name,
            "pairs": p.pairs,
            "within_31": p.within,
            "within_31_dihedral": p.within_dihedral,
            "closest": p.closest,
            "closest_kinds": [p.closest_kinds.0.name(), p.closest_kinds.1.name()],
            "closest_dihedral": p.closest_dihedral,
        }));
    }

    // Quality of the sources, by kind.
    println!("\n## PDQ quality of the sources\n");
    println!("| kind | sources | lowest | median | under 50 |");
    println!("|---|---:|---:|---:|---:|");
    let mut quality = Vec::new();
    let all = std::iter::once(None).chain(Kind::ALL.iter().copied().map(Some));
    for kind in all {
        let mut q: Vec<u32> = sources
            .iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k))
            .map(|s| u32::from(s.quality))
            .collect();
        q.sort_unstable();
        let under = q.iter().filter(|&&x| x < 50).count();
        let name = kind.map_or("all", Kind::name);
        println!(
            "| {name} | {} | {} | {} | {under} |",
            q.len(),
            q[0],
            percentile(&q, 0.5)
        );
        quality.push(json!({"kind": name, "sources": q.len(), "lowest": q[0], "median": percentile(&q, 0.5), "under_50": under}));
    }
    let mut histogram = [0usize; 10];
    for s in &sources {
        histogram[usize::from(s.quality.min(99) / 10)] += 1;
    }
    println!("\nquality by tens (0–9, 10–19, …, 90–100): {histogram:?}");
    println!(
        "\n{n} sources on {threads} threads: {:.0} s hashing, {:.0} s in all",
        hashing.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );

    let out = json!({
        "sources": n,
        "files_hashed": n * per_source,
        "threshold": DEFAULT_THRESHOLD,
        "recall": rows,
        "within_31_by_kind": by_kind,
        "unrelated": false_matches,
        "quality": quality,
        "quality_by_tens": histogram,
    });
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/results/image-eval.json"
    );
    let text = serde_json::to_string_pretty(&out).expect("JSON") + "\n";
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {path}: {e}"));
    println!("written to benches/results/image-eval.json");
}
