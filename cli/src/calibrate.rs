//! `redflag calibrate`: fit one pack's rule scores and the tier thresholds
//! to labelled ads and write the new pack version.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use redflag::eval::{self, CalibrateOptions};
use redflag::{Limits, Pack, Thresholds};

use crate::labels::{read_labels, LabelFiles};
use crate::output::{write_output, Fatal};
use crate::packs::load_pack;

pub(crate) fn calibrate_cmd(
    labels: &LabelFiles<'_>,
    pack: &Path,
    out: &Path,
    no_default_packs: bool,
    opts: CalibrateOptions,
    report: Option<PathBuf>,
) -> Result<ExitCode, Fatal> {
    let target = load_pack(pack)?;
    let others: Vec<Pack> = if no_default_packs {
        Vec::new()
    } else {
        redflag::default_packs()
            .map_err(|e| Fatal(e.to_string()))?
            .into_iter()
            .filter(|p| p.id() != target.id())
            .collect()
    };
    let (items, bad) = read_labels(labels)?;
    let c = eval::calibrate(&others, &target, &items, &Limits::default(), &opts)
        .map_err(|e| Fatal(e.to_string()))?;
    let json = serde_json::to_string_pretty(&c.pack).map_err(|e| Fatal(e.to_string()))?;
    fs::write(out, json + "\n").map_err(|e| Fatal(format!("{}: {e}", out.display())))?;
    if let Some(r) = report {
        let json = serde_json::to_string_pretty(&c).map_err(|e| Fatal(e.to_string()))?;
        fs::write(&r, json + "\n").map_err(|e| Fatal(format!("{}: {e}", r.display())))?;
    }
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} → {} on {} submissions, {}-fold cross-validation; written to {}",
        c.pack.pack.id,
        target.pack.version,
        c.pack.pack.version,
        c.submissions,
        c.folds,
        out.display()
    );
    let t = |x: &Thresholds| format!("warn {}, review {}, block {}", x.warn, x.review, x.block);
    let _ = writeln!(
        s,
        "thresholds: {}  →  {}",
        t(&c.thresholds_before),
        t(&c.thresholds_after)
    );
    let _ = writeln!(
        s,
        "\n  rule                                    old    new   flagged  clean"
    );
    for ch in &c.changes {
        let _ = writeln!(
            s,
            "  {:<38} {:>5} {:>6} {:>8} {:>6}{}",
            ch.rule,
            ch.old,
            ch.new,
            ch.flagged,
            ch.clean,
            if ch.old == ch.new { "" } else { "  *" }
        );
    }
    let _ = writeln!(
        s,
        "\n  held-out    precision  recall  FP rate   (before → after)"
    );
    for (b, a) in c.before.tiers.iter().zip(&c.after.tiers) {
        let _ = writeln!(
            s,
            "  ≥ {:<7} {:>5.1}% → {:>5.1}%  {:>5.1}% → {:>5.1}%  {:>5.2}% → {:>5.2}%",
            b.tier.as_str(),
            100.0 * b.precision,
            100.0 * a.precision,
            100.0 * b.recall,
            100.0 * a.recall,
            100.0 * b.false_positive_rate,
            100.0 * a.false_positive_rate
        );
    }
    write_output(None, &s)?;
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
