//! Worst-case throughput: the nastiest inputs we can construct, against
//! real ads of the same size, from 1 KB to 1 MB.
//!
//! Run with `cargo bench --bench hostile`; the figures and their ratio to
//! real ads are written down in `benches/RESULTS.md` (a benchmark, never a
//! timed test). The shapes:
//!
//! - `real`: the example ads, concatenated (the baseline);
//! - `spaced-terms`: every term of the built-in packs' lists spaced out
//!   letter by letter (one long joined word holding every match);
//! - `back-to-back`: every list term once, one after another;
//! - `one-term`: one strong term repeated ("passport kept ");
//! - `max-words`: words of 255 letters;
//! - `entities`: ages, prices, phone numbers and e-mail addresses beside
//!   the words that give them meaning;
//! - `masked`: a symbol in place of a letter in every word ("p*ssport").

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use redflag::{Engine, Submission};

const SIZES: [(usize, &str); 4] = [
    (1 << 10, "1KB"),
    (16 << 10, "16KB"),
    (256 << 10, "256KB"),
    (1 << 20, "1MB"),
];

#[path = "common/shapes.rs"]
mod shapes;
use shapes::{fill, shapes};

fn bench_hostile(c: &mut Criterion) {
    let engine = Engine::new_default();
    let shapes = shapes();
    for (n, label) in SIZES {
        let mut g = c.benchmark_group(format!("hostile/{label}"));
        g.throughput(Throughput::Bytes(n as u64));
        if n >= 256 << 10 {
            g.sample_size(10);
        }
        for (name, section, unit) in &shapes {
            let sub = Submission::new()
                .section(*section)
                .field("body", fill(unit, n));
            g.bench_with_input(BenchmarkId::from_parameter(name), &sub, |b, sub| {
                b.iter(|| engine.screen(black_box(sub)).unwrap())
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench_hostile);
criterion_main!(benches);
