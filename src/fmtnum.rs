//! Numbers written without the standard library's float formatting (30 KB
//! of `.wasm`): scores and thresholds in messages, amounts in entities.

/// A number for messages: integers as integers, others to at most two
/// decimals. (The standard library's float formatting is 30 KB of
/// `.wasm`; messages and prices need no more than this.)
pub(crate) fn number(x: f64) -> String {
    let s = fixed2(x);
    match s.strip_suffix("00").and_then(|t| t.strip_suffix('.')) {
        Some(int) => int.to_string(),
        None => s.strip_suffix('0').unwrap_or(&s).to_string(),
    }
}

/// A number with exactly two decimals (`12.50`), rounded half away from
/// zero.
pub(crate) fn fixed2(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let cents = (x * 100.0).round();
    if cents.abs() >= 1e30 {
        return if x > 0.0 {
            "1e30".into()
        } else {
            "-1e30".into()
        };
    }
    let c = cents as i128;
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::{fixed2, number};

    #[test]
    fn numbers_read_like_the_standard_formatting() {
        for (x, n, f) in [
            (3.0, "3", "3.00"),
            (12.5, "12.5", "12.50"),
            (0.25, "0.25", "0.25"),
            (-50.0, "-50", "-50.00"),
            (1200.5, "1200.5", "1200.50"),
            (0.0, "0", "0.00"),
        ] {
            assert_eq!(number(x), n);
            assert_eq!(fixed2(x), f);
            assert_eq!(fixed2(x), format!("{x:.2}"));
        }
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "inf");
    }
}
