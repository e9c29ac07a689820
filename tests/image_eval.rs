//! The behaviour the PDQ evaluation (`benches/image_eval`) measures, on a
//! small slice of its generated test set: mild edits keep a copy within
//! the default threshold of its source, unrelated sources stay outside it,
//! and a mirrored copy is found only through the dihedral variants.
//! (`--features images`; the full figures are in docs/images.md.)

#![cfg(feature = "images")]

#[allow(dead_code)]
#[path = "../benches/image_eval/pictures.rs"]
mod pictures;

use pictures::{Edit, Kind};
use redflag::images::{hash_image, HashList, ImageHash, ImageLimits, DEFAULT_THRESHOLD};

/// The evaluation's first twelve sources (two of each kind, 400 to 1200
/// pixels a side), exactly as it generates them.
fn sources() -> Vec<(u64, image::RgbImage)> {
    (0..12u64)
        .map(|seed| (seed, pictures::source(seed)))
        .collect()
}

fn hash(bytes: &[u8]) -> ImageHash {
    hash_image(bytes, &ImageLimits::default()).expect("a generated picture hashes")
}

#[test]
fn the_set_covers_every_kind_and_is_reproducible() {
    let kinds: Vec<Kind> = (0..6).map(Kind::of).collect();
    assert_eq!(kinds, Kind::ALL);
    assert_eq!(pictures::source(3), pictures::source(3));
    assert_ne!(pictures::source(3), pictures::source(9));
    let (w, h) = pictures::source(5).dimensions();
    assert!(
        (400..=1200).contains(&w) && (400..=1200).contains(&h),
        "{w}×{h}"
    );
}

/// Flyers of small, hard-edged block text (strokes of one or two pixels,
/// not anti-aliased) alias when halved or mirrored: on this set source 4
/// is 36 bits from its half-size copy, and its mirror is not found. The
/// evaluation reports it per kind and docs/images.md tells operators; the
/// assertions below hold for every other kind.
fn fine_text(seed: u64) -> bool {
    Kind::of(seed) == Kind::TextPlain
}

#[test]
fn mild_edits_stay_within_the_threshold() {
    for (seed, img) in sources() {
        let original = hash(&pictures::png(&img)).hash;
        let edits: &[Edit] = if fine_text(seed) {
            &[Edit::Jpeg(90)]
        } else {
            &[Edit::Jpeg(90), Edit::Scale(0.5)]
        };
        for &edit in edits {
            let d = hash(&edit.apply(&img)).hash.distance(&original);
            assert!(d <= DEFAULT_THRESHOLD, "seed {seed}, {edit:?}: {d} bits");
        }
    }
}

#[test]
fn a_five_percent_border_is_beyond_the_threshold() {
    // A thin border looks like a mild edit, but PDQ hashes the whole
    // frame and the border moves every coefficient: on these pictures it
    // never keeps a match, which is what docs/images.md tells operators. A
    // change that made borders match would show up here.
    for (seed, img) in sources() {
        let original = hash(&pictures::png(&img)).hash;
        let d = hash(&Edit::Border(0.05).apply(&img))
            .hash
            .distance(&original);
        assert!(
            d > DEFAULT_THRESHOLD,
            "seed {seed}: border only {d} bits away"
        );
    }
}

#[test]
fn unrelated_sources_are_beyond_the_threshold() {
    let hashes: Vec<(u64, ImageHash)> = sources()
        .into_iter()
        .map(|(seed, img)| (seed, hash(&pictures::png(&img))))
        .collect();
    for (i, (a, ha)) in hashes.iter().enumerate() {
        for (b, hb) in &hashes[i + 1..] {
            let d = ha.hash.distance(&hb.hash);
            assert!(d > DEFAULT_THRESHOLD, "sources {a} and {b}: {d} bits");
            // Not through a turned or mirrored variant either.
            let mut list = HashList::new();
            list.push(hb.hash, "other");
            assert!(
                list.find(ha, DEFAULT_THRESHOLD, true).is_empty(),
                "sources {a} and {b} match with dihedral variants"
            );
        }
    }
}

#[test]
fn mirrored_copies_match_only_with_dihedral_variants() {
    for (seed, img) in sources() {
        let original = hash(&pictures::png(&img));
        if original.quality < 50 || fine_text(seed) {
            // A flat picture's hash carries little of its layout: PDQ's
            // guidance is not to match on it, and neither does the edge.
            // Fine text: see `fine_text`.
            continue;
        }
        let mut list = HashList::new();
        list.push(original.hash, "source");
        let mirrored = hash(&Edit::Mirror.apply(&img));
        assert!(
            list.find(&mirrored, DEFAULT_THRESHOLD, false).is_empty(),
            "seed {seed}: the mirror matched without dihedral variants"
        );
        let found = list.find(&mirrored, DEFAULT_THRESHOLD, true);
        assert_eq!(found.len(), 1, "seed {seed}: the mirror not found");
        assert_eq!(found[0].transform.name(), "flip-y", "seed {seed}");
    }
}
