fn main() {
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    for _ in 0..n {
        let e = redflag::Engine::new_default();
        std::hint::black_box(&e);
    }
}
