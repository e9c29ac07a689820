//! The evaluation report as one self-contained HTML file: inline CSS and
//! SVG plots, no script, nothing fetched, so it opens anywhere (and under
//! any Content-Security-Policy) without installing anything.

use std::fmt::Write;

use super::{Case, EvalReport, HitRate};

/// The style sheet of the HTML reports (`redflag eval`, and `redflag report`
/// in the CLI), inline in each page so it needs nothing fetched.
pub const REPORT_CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;color:#1d1d1f;padding:0 1rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}td,th{border-bottom:1px solid #e4e4e4;padding:.25rem .5rem;text-align:left;vertical-align:top}.num{text-align:right;white-space:nowrap}.muted{color:#666}.charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.chart{width:100%;height:auto;border:1px solid #eee}h1{margin-bottom:.2rem}";

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape_html(s: &str) -> String {
    esc(s)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// Bars of precision, recall and F1 at each tier.
fn tier_chart(r: &EvalReport) -> String {
    let (w, h, pad) = (520.0, 220.0, 30.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="Precision, recall and F1 at each tier"><title>Precision, recall and F1 at each tier</title>"#
    );
    for k in 0..=4 {
        let y = pad + (h - 2.0 * pad) * (1.0 - k as f64 / 4.0);
        let _ = write!(
            s,
            r##"<line x1="{pad}" x2="{}" y1="{y}" y2="{y}" stroke="#ddd"/><text x="4" y="{}" font-size="10">{}%</text>"##,
            w - 10.0,
            y + 3.0,
            k * 25
        );
    }
    let group = (w - pad - 10.0) / r.tiers.len().max(1) as f64;
    let colours = [
        ("precision", "#2a6fdb"),
        ("recall", "#c98a00"),
        ("F1", "#1e7e34"),
    ];
    for (i, t) in r.tiers.iter().enumerate() {
        let x0 = pad + group * i as f64 + 12.0;
        for (j, v) in [t.precision, t.recall, t.f1].iter().enumerate() {
            let bh = (h - 2.0 * pad) * v;
            let x = x0 + j as f64 * 34.0;
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{}" width="30" height="{bh}" fill="{}"><title>{} at {}: {}</title></rect>"#,
                h - pad - bh,
                colours[j].1,
                colours[j].0,
                t.tier,
                pct(*v)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="12">≥ {}</text>"#,
            x0 + 30.0,
            h - 10.0,
            t.tier
        );
    }
    for (j, (name, c)) in colours.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{}" y="6" width="10" height="10" fill="{c}"/><text x="{}" y="15" font-size="11">{name}</text>"#,
            w - 230.0 + j as f64 * 75.0,
            w - 216.0 + j as f64 * 75.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Histograms of the scores of flagged and clean submissions.
fn score_chart(r: &EvalReport) -> String {
    let (w, h, pad) = (520.0, 220.0, 30.0);
    let max = r
        .flagged_scores
        .iter()
        .chain(&r.clean_scores)
        .fold(1.0f64, |m, &x| m.max(x))
        .ceil();
    let min = r
        .flagged_scores
        .iter()
        .chain(&r.clean_scores)
        .fold(0.0f64, |m, &x| m.min(x))
        .floor();
    let bins = ((max - min).max(1.0) as usize).min(40);
    let width = (max - min).max(1.0) / bins as f64;
    let hist = |xs: &[f64]| {
        let mut v = vec![0usize; bins];
        for &x in xs {
            let b = (((x - min) / width) as usize).min(bins - 1);
            v[b] += 1;
        }
        v
    };
    let (hf, hc) = (hist(&r.flagged_scores), hist(&r.clean_scores));
    // Shares of each label, so a large benign corpus does not hide the
    // flagged distribution.
    let share = |v: &[usize], n: usize| -> Vec<f64> {
        v.iter().map(|&c| c as f64 / n.max(1) as f64).collect()
    };
    let (sf, sc) = (share(&hf, r.flagged), share(&hc, r.clean));
    let top = sf.iter().chain(&sc).fold(0.01f64, |m, &x| m.max(x));
    let bw = (w - pad - 10.0) / bins as f64;
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="Score distribution of flagged and clean submissions"><title>Score distribution (share of each label per score bin)</title>"#
    );
    for (i, (f, c)) in sf.iter().zip(&sc).enumerate() {
        let x = pad + bw * i as f64;
        for (v, col, dx, label) in [
            (c, "#1e7e34", 0.0, "clean"),
            (f, "#c0392b", bw / 2.0, "flagged"),
        ] {
            let bh = (h - 2.0 * pad) * v / top;
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="{bh}" fill="{col}" opacity="0.8"><title>{label}, score {:.1}–{:.1}: {}</title></rect>"#,
                x + dx,
                h - pad - bh,
                (bw / 2.0 - 1.0).max(1.0),
                min + width * i as f64,
                min + width * (i + 1) as f64,
                pct(*v)
            );
        }
    }
    for k in 0..=4 {
        let v = min + (max - min) * k as f64 / 4.0;
        let x = pad + (w - pad - 10.0) * k as f64 / 4.0;
        let _ = write!(
            s,
            r#"<text x="{x}" y="{}" font-size="10">{v:.0}</text>"#,
            h - 12.0
        );
    }
    s.push_str(r##"<rect x="330" y="6" width="10" height="10" fill="#c0392b"/><text x="344" y="15" font-size="11">flagged</text><rect x="410" y="6" width="10" height="10" fill="#1e7e34"/><text x="424" y="15" font-size="11">clean</text></svg>"##);
    s
}

fn rates(title: &str, list: &[HitRate]) -> String {
    let mut s = format!(
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>flagged</th><th>clean</th></tr></thead><tbody>",
        esc(title),
        if title.contains("ule") { "rule" } else { "category" }
    );
    for h in list {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=num>{} ({})</td><td class=num>{} ({})</td></tr>",
            esc(&h.name),
            pct(h.flagged_rate),
            h.flagged,
            pct(h.clean_rate),
            h.clean
        );
    }
    s.push_str("</tbody></table>");
    s
}

fn cases(title: &str, list: &[Case]) -> String {
    if list.is_empty() {
        return format!("<h2>{}</h2><p class=muted>None.</p>", esc(title));
    }
    let mut s = format!(
        "<h2>{}</h2><table><thead><tr><th>#</th><th>group</th><th>tier</th><th>score</th><th>hits</th></tr></thead><tbody>",
        esc(title)
    );
    for c in list {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}{}</td><td class=num>{}</td><td>{}</td></tr>",
            c.index,
            esc(c.group.as_deref().unwrap_or("")),
            c.tier,
            c.expected
                .as_ref()
                .map(|e| format!(" <span class=muted>(expected {})</span>", esc(e)))
                .unwrap_or_default(),
            c.score,
            esc(&c.hits.join(" · "))
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// Renders an [`EvalReport`] as a self-contained HTML page.
pub fn html_report(r: &EvalReport, title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title>
<style>{css}</style></head><body>
<h1>{t}</h1><p class=muted>{n} submissions: {f} flagged, {c} clean · packs {p}{e}</p>"#,
        t = esc(title),
        css = REPORT_CSS,
        n = r.total,
        f = r.flagged,
        c = r.clean,
        p = esc(&r.packs.join(", ")),
        e = if r.errors.is_empty() {
            String::new()
        } else {
            format!(" · {} records could not be screened", r.errors.len())
        }
    );
    let _ = write!(
        s,
        r#"<div class=charts><figure>{}<figcaption>Precision, recall and F1 when everything at or above a tier counts as flagged.</figcaption></figure><figure>{}<figcaption>Scores of flagged and clean submissions (share of each label per bin).</figcaption></figure></div>"#,
        tier_chart(r),
        score_chart(r)
    );
    s.push_str("<h2>Tiers</h2><table><thead><tr><th>at or above</th><th>precision</th><th>recall</th><th>F1</th><th>false-positive rate</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th></tr></thead><tbody>");
    for t in &r.tiers {
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{:.3}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
            t.tier,
            pct(t.precision),
            pct(t.recall),
            t.f1,
            pct(t.false_positive_rate),
            t.true_positives,
            t.false_positives,
            t.false_negatives,
            t.true_negatives
        );
    }
    s.push_str("</tbody></table><h2>Confusion matrix</h2><table><thead><tr><th>label \\ verdict</th><th>allow</th><th>warn</th><th>review</th><th>block</th></tr></thead><tbody>");
    for (label, row) in &r.confusion {
        let _ = write!(s, "<tr><td>{label}</td>");
        for t in ["allow", "warn", "review", "block"] {
            let _ = write!(s, "<td class=num>{}</td>", row.get(t).copied().unwrap_or(0));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    if !r.groups.is_empty() {
        s.push_str("<h2>Groups</h2><table><thead><tr><th>group</th><th>flagged</th><th>≥ warn</th><th>≥ review</th><th>clean</th><th>≥ warn</th><th>≥ review</th></tr></thead><tbody>");
        for g in &r.groups {
            let _ = write!(
                s,
                "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                esc(&g.group),
                g.flagged,
                g.flagged_warn,
                g.flagged_review,
                g.clean,
                g.clean_warn,
                g.clean_review
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str(&rates("Rules (most discriminating first)", &r.rules));
    s.push_str(&rates("Categories", &r.categories));
    s.push_str(&cases(
        "Worst false positives (clean, at warn or above)",
        &r.worst_false_positives,
    ));
    s.push_str(&cases(
        "Worst false negatives (flagged, below review)",
        &r.worst_false_negatives,
    ));
    s.push_str(&cases(
        &format!(
            "Failed expectations ({} records had one)",
            r.expectations_checked
        ),
        &r.expectation_failures,
    ));
    s.push_str("<p class=muted>Generated by redflag eval.</p></body></html>\n");
    s
}
