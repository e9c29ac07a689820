//! Criterion benchmarks: screening throughput and engine build time.
//!
//! Run with `cargo bench --bench screen`; figures are written down in
//! docs/performance.md (a benchmark, never a timed test).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use redflag::{Engine, Submission};

/// A realistic ~2 KB job ad with a few indicators, accents and emoji.
fn job_ad_2k() -> Submission {
    let body = "We are a family-run hotel group hiring seasonal staff for the summer. \
        Roles: housekeeping, kitchen porters, waiters and reception. Experience is welcome \
        but not required; full training is given in the first week. Shifts are 8 hours, \
        five days a week, with two days off. Accommodation is available in shared staff \
        houses close to the hotel (optional). Pay is €12.50 per hour plus tips, paid every \
        two weeks into your bank account. Café breakfast and lunch on shift are free. \
        Please bring your passport or ID card to the interview so we can check your right \
        to work; we do not keep documents. Registration fee 50 EUR for the uniform, payable \
        on the first day. Questions? Write to the HR team 📧 or call the front desk between \
        9:00 and 17:00, Monday to Friday. Our hotels are in Lisbon, Porto and Faro 🇵🇹. \
        We are an equal-opportunity employer and welcome applications from everyone. \
        Candidates must be 18 or over. Start dates from May to July; contracts run until \
        the end of September with the option to extend into the winter season. Staff \
        discounts on rooms for family and friends, bike-to-work scheme, and a bonus at the \
        end of the season for everyone who completes their contract. Apply now — places \
        fill quickly! Send a short note about yourself, your languages and when you can \
        start. We reply to every application within five working days. Thank you for your \
        interest in joining our team; we look forward to meeting you. Visit our website for \
        photos of the staff houses, a map of the hotels, and answers to frequent questions \
        about visas, travel, and what to bring for the season ahead.";
    Submission::new()
        .section("jobs")
        .field("title", "Seasonal hotel staff — Portugal, summer 2027")
        .field("body", body)
}

fn corpus() -> Vec<Submission> {
    include_str!("../examples/ads.jsonl")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Submission::from_json(&v).ok())
        .collect()
}

fn bench_screen(c: &mut Criterion) {
    let engine = Engine::new_default();
    let ad = job_ad_2k();
    let mut g = c.benchmark_group("screen");
    g.throughput(Throughput::Bytes(ad.text_len() as u64));
    g.bench_function("job_ad_2k", |b| {
        b.iter(|| engine.screen(black_box(&ad)).unwrap())
    });
    let ads = corpus();
    let bytes: usize = ads.iter().map(Submission::text_len).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("examples_corpus", |b| {
        b.iter(|| {
            for a in &ads {
                black_box(engine.screen(a).ok());
            }
        })
    });
    g.finish();
}

fn bench_normalize(c: &mut Criterion) {
    let ad = job_ad_2k();
    let text: String = ad.fields().map(|f| f.1).collect::<Vec<_>>().join("\n");
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("job_ad_2k", |b| {
        b.iter(|| redflag::normalize(black_box(&text)))
    });
    g.finish();
}

fn bench_build(c: &mut Criterion) {
    let packs = redflag::default_packs().unwrap();
    c.bench_function("build/default_packs", |b| {
        b.iter_batched(
            || packs.clone(),
            |packs| {
                let mut builder = Engine::builder();
                for p in packs {
                    builder = builder.pack(p);
                }
                builder.build().unwrap()
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench_screen, bench_normalize, bench_build);
criterion_main!(benches);
