//! Heap use of the engine: what it holds once built and once every
//! automaton has been built, and the peak and the growth that one large
//! field of each worst-case shape (see `hostile.rs`) costs on a warm engine.
//!
//! Run with `cargo bench --bench memory`; it prints a Markdown table, which
//! `docs/performance.md` quotes. A measurement, never a test: nothing here
//! fails on a figure.
//!
//! The counts are the bytes the Rust allocator hands out (a counting
//! wrapper around the system allocator), so they are what wasm's linear
//! memory has to hold too, less the allocator's own slack: an instance's
//! memory grows to the peak and never shrinks.

#[path = "common/shapes.rs"]
mod shapes;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use redflag::{Engine, Submission};
use shapes::{fill, shapes};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the wrapper only
// counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            grew(new);
        }
        q
    }
}

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(now, Relaxed);
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(n: usize) -> String {
    format!("{:.1}", n as f64 / 1048576.0)
}

fn main() {
    let before = LIVE.load(Relaxed);
    let engine = Engine::new_default();
    let built = LIVE.load(Relaxed) - before;
    // Warm: every shape at 1 KB, so each language's automata and the
    // joined-words automaton are built before the large fields are measured.
    let shapes = shapes();
    for (_, section, unit) in &shapes {
        let sub = Submission::new()
            .section(*section)
            .field("body", fill(unit, 1 << 10));
        engine.screen(&sub).expect("screens");
    }
    let warm = LIVE.load(Relaxed) - before;
    println!(
        "engine built: {} MiB; after one 1 KB ad of each shape: {} MiB",
        mib(built),
        mib(warm)
    );
    println!();
    println!("| 1 MiB field | peak over the warm engine (MiB) | bytes per input byte | kept after (MiB) |");
    println!("|---|---:|---:|---:|");
    let n = 1 << 20;
    // `cargo bench --bench memory -- real masked` measures only those.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for (name, section, unit) in &shapes {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let sub = Submission::new()
            .section(*section)
            .field("body", fill(unit, n));
        let base = LIVE.load(Relaxed);
        PEAK.store(base, Relaxed);
        let v = engine.screen(&sub).expect("screens");
        drop(v);
        let peak = PEAK.load(Relaxed) - base;
        let kept = LIVE.load(Relaxed).saturating_sub(base);
        println!(
            "| {name} | {} | {:.1} | {} |",
            mib(peak),
            peak as f64 / n as f64,
            mib(kept)
        );
    }
}
