//! `redflag report`: a transparency summary from the edge's counters, the
//! reviewers' decision exports and the site's appeal outcomes, as JSON or as
//! one self-contained HTML page (the style of `redflag eval --format html`).
//!
//! Only counts leave this module. The inputs carry ad text, listing ids,
//! references and reviewer names; none of it is copied. The only strings
//! taken from the inputs are category, error and note names and pack and
//! tool versions, and each must look like one (`name_ok`, `version_ok`),
//! so a contact or a sentence put in their place is refused, not printed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use redflag::eval::{escape_html as esc, REPORT_CSS};

use crate::decisions;
use crate::output::{write_output, Fatal};

pub(crate) const FORMAT: &str = "redflag-transparency/1";

const TIERS: [&str; 5] = ["allow", "warn", "review", "block", "error"];
const DECISIONS: [&str; 3] = ["confirm", "dismiss", "escalate"];
const OUTCOMES: [&str; 3] = ["upheld", "overturned", "pending"];

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Output {
    Json,
    Html,
}

pub(crate) struct Args<'a> {
    pub(crate) counters: &'a Path,
    pub(crate) counters_before: Option<&'a Path>,
    pub(crate) decisions: &'a [PathBuf],
    pub(crate) appeals: &'a [PathBuf],
    pub(crate) period_start: Option<&'a str>,
    pub(crate) period_end: Option<&'a str>,
    pub(crate) title: &'a str,
    pub(crate) format: Output,
    pub(crate) out: Option<&'a Path>,
    pub(crate) min_cell: Option<u64>,
    /// Opens sealed decision exports (`redflag-decisions/2` and `/1`).
    pub(crate) keys: decisions::Keys<'a>,
}

// ---------------------------------------------------------------- inputs

/// Reads a file, or stdin for `-`; a sealed decisions file is opened in
/// memory with `keys` (given for the decisions only).
fn read_text(path: &Path, keys: Option<&decisions::Keys<'_>>) -> Result<String, Fatal> {
    let bytes = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| Fatal(format!("stdin: {e}")))?;
        b
    } else {
        fs::read(path).map_err(|e| Fatal(format!("{}: {e}", path.display())))?
    };
    let bytes = match keys {
        Some(k) if decisions::is_sealed(&bytes) => decisions::open_bytes(&bytes, &name(path), k)?,
        _ => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        Fatal(format!(
            "{}: not UTF-8 text (the first invalid byte follows {} valid ones)",
            name(path),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// The JSON objects of a JSON Lines text, with their line numbers; blank
/// lines are skipped, anything else that is not an object is an error
/// naming `file:line`.
/// A JSON Lines object and its line number.
type Numbered = (usize, Map<String, Value>);

fn objects(text: &str, file: &str) -> Result<Vec<Numbered>, Fatal> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => out.push((i + 1, o)),
            Ok(_) => return Err(Fatal(format!("{file}:{}: not a JSON object", i + 1))),
            Err(e) => return Err(Fatal(format!("{file}:{}: not JSON ({e})", i + 1))),
        }
    }
    Ok(out)
}

/// A name from the packs or the worker (category, error kind, note):
/// ASCII letters and digits joined by `-`, `_` or `.`, starting with a
/// letter, at most 64 characters (the built-in packs' are lower-case words:
/// `recruitment-fee`). A phone number, an e-mail address or a sentence is
/// not one.
fn name_ok(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
}

/// A pack id, version or tool name as it may appear in a report.
fn version_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.+ ".contains(&c))
        && !s.contains('@')
}

/// A UTC time as JavaScript writes it (`2026-12-03T14:57:09.412Z`), or
/// without the fraction, or a date (midnight): milliseconds since 1970.
pub(crate) fn utc_ms(s: &str) -> Option<i64> {
    let (whole, ms) = match s.find('.') {
        Some(19) if s.ends_with('Z') => {
            let frac = &s[20..s.len() - 1];
            if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
            (format!("{}Z", &s[..19]), ms)
        }
        Some(_) => return None,
        None => (s.to_string(), 0),
    };
    let secs = redflag::signing::parse_utc(&whole).ok()?;
    i64::try_from(secs).ok()?.checked_mul(1000)?.checked_add(ms)
}

fn count(v: &Value, at: &str, what: &str) -> Result<u64, Fatal> {
    v.as_u64()
        .ok_or_else(|| Fatal(format!("{at}: {what} is not a count (a whole number ≥ 0)")))
}

/// Counts by name (`categories`, `errors`, `notes`).
fn named_counts(
    o: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<BTreeMap<String, u64>, Fatal> {
    let mut out = BTreeMap::new();
    match o.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if !name_ok(k) {
                    return Err(Fatal(format!(
                        "{at}: {key}: {} is not a category, error or note name (letters and \
                         digits joined by - _ or ., starting with a letter)",
                        serde_json::to_string(&k.chars().take(40).collect::<String>())
                            .unwrap_or_default()
                    )));
                }
                out.insert(k.clone(), count(v, at, &format!("{key}.{k}"))?);
            }
        }
        Some(_) => return Err(Fatal(format!("{at}: {key} is not an object"))),
    }
    Ok(out)
}

/// One set of counters: the stats endpoint's answer or one logged line.
#[derive(Clone, Default)]
struct Counters {
    since: String,
    since_ms: i64,
    submissions: u64,
    tiers: [u64; 5],
    categories: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    notes: BTreeMap<String, u64>,
}

impl Counters {
    fn parse(o: &Map<String, Value>, at: &str) -> Result<Counters, Fatal> {
        let since = o.get("since").and_then(Value::as_str).ok_or_else(|| {
            Fatal(format!(
                "{at}: no `since` (the counters' start, a UTC time)"
            ))
        })?;
        let since_ms = utc_ms(since)
            .ok_or_else(|| Fatal(format!("{at}: since: {since:?} is not a UTC time")))?;
        let submissions = count(
            o.get("submissions")
                .ok_or_else(|| Fatal(format!("{at}: no `submissions`")))?,
            at,
            "submissions",
        )?;
        let mut tiers = [0; 5];
        match o.get("tiers") {
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let i = TIERS.iter().position(|t| t == k).ok_or_else(|| {
                        Fatal(format!(
                            "{at}: tiers: unknown tier {:?} (allow, warn, review, block, error)",
                            k.chars().take(20).collect::<String>()
                        ))
                    })?;
                    tiers[i] = count(v, at, &format!("tiers.{k}"))?;
                }
            }
            _ => return Err(Fatal(format!("{at}: no `tiers` object"))),
        }
        if tiers.iter().sum::<u64>() != submissions {
            return Err(Fatal(format!(
                "{at}: the tiers add up to {}, not to the {submissions} submissions",
                tiers.iter().sum::<u64>()
            )));
        }
        Ok(Counters {
            since: since.to_string(),
            since_ms,
            submissions,
            tiers,
            categories: named_counts(o, "categories", at)?,
            errors: named_counts(o, "errors", at)?,
            notes: named_counts(o, "notes", at)?,
        })
    }

    fn add(&mut self, o: &Counters) {
        if self.since.is_empty() || o.since_ms < self.since_ms {
            self.since.clone_from(&o.since);
            self.since_ms = o.since_ms;
        }
        self.submissions += o.submissions;
        for (a, b) in self.tiers.iter_mut().zip(o.tiers) {
            *a += b;
        }
        for (mine, theirs) in [
            (&mut self.categories, &o.categories),
            (&mut self.errors, &o.errors),
            (&mut self.notes, &o.notes),
        ] {
            for (k, v) in theirs {
                *mine.entry(k.clone()).or_default() += v;
            }
        }
    }
}

/// The counts of `now` less those of `before`, an earlier reading of the
/// same counters (the same `since`): what was counted between the two.
fn subtract(now: &Counters, before: &Counters, file: &str) -> Result<Counters, Fatal> {
    if now.since != before.since {
        return Err(Fatal(format!(
            "{file}: counts since {}, the counters since {}: not an earlier reading of the same \
             counters (were they reset, or is one of them a log of several isolates?)",
            before.since, now.since
        )));
    }
    let less = |a: u64, b: u64, what: &str| {
        a.checked_sub(b).ok_or_else(|| {
            Fatal(format!(
                "{file}: {what} is {b}, more than the {a} of the later reading: not an earlier \
                 reading of the same counters"
            ))
        })
    };
    let mut out = now.clone();
    out.submissions = less(now.submissions, before.submissions, "submissions")?;
    for (i, t) in TIERS.iter().enumerate() {
        out.tiers[i] = less(now.tiers[i], before.tiers[i], &format!("tiers.{t}"))?;
    }
    for (mine, theirs, key) in [
        (&mut out.categories, &before.categories, "categories"),
        (&mut out.errors, &before.errors, "errors"),
        (&mut out.notes, &before.notes, "notes"),
    ] {
        for (k, &b) in theirs {
            let a = mine.get(k).copied().unwrap_or(0);
            let n = less(a, b, &format!("{key}.{k}"))?;
            if n == 0 {
                mine.remove(k);
            } else {
                mine.insert(k.clone(), n);
            }
        }
    }
    Ok(out)
}

struct CountersRead {
    counters: Counters,
    source: &'static str,
    snapshots: usize,
    isolates: usize,
}

/// The counters: the stats endpoint's JSON (one object, however laid out)
/// or the worker's log, JSON Lines of which the `redflag.counters` ones
/// count (other lines of the log are passed over). A logged line is what
/// one isolate counted since it started (`since`), so the last line of each
/// isolate (the most submissions for one `since`) is its total, and the
/// isolates' totals add up.
fn read_counters(path: &Path) -> Result<CountersRead, Fatal> {
    let file = name(path);
    let text = read_text(path, None)?;
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&text) {
        return match o.get("type") {
            None => Ok(CountersRead {
                counters: Counters::parse(&o, &file)?,
                source: "endpoint",
                snapshots: 1,
                isolates: 1,
            }),
            Some(t) if t == "redflag.counters" => Ok(CountersRead {
                counters: Counters::parse(&o, &file)?,
                source: "log",
                snapshots: 1,
                isolates: 1,
            }),
            Some(_) => Err(Fatal(format!("{file}: no redflag.counters line"))),
        };
    }
    let mut latest: HashMap<String, Counters> = HashMap::new();
    let mut snapshots = 0;
    for (line, o) in objects(&text, &file)? {
        let at = format!("{file}:{line}");
        match o.get("type").and_then(Value::as_str) {
            Some("redflag.counters") => {}
            Some(_) => continue,
            None => {
                return Err(Fatal(format!(
                    "{at}: not a worker log line (no `type`); give either the stats endpoint's \
                     JSON or the log's JSON lines"
                )))
            }
        }
        let c = Counters::parse(&o, &at)?;
        snapshots += 1;
        match latest.get(&c.since) {
            Some(old) if old.submissions > c.submissions => {}
            _ => {
                latest.insert(c.since.clone(), c);
            }
        }
    }
    if latest.is_empty() {
        return Err(Fatal(format!("{file}: no redflag.counters line")));
    }
    let mut total = Counters::default();
    let mut isolates: Vec<_> = latest.into_values().collect();
    isolates.sort_by_key(|c| c.since_ms);
    for c in &isolates {
        total.add(c);
    }
    Ok(CountersRead {
        counters: total,
        source: "log",
        snapshots,
        isolates: isolates.len(),
    })
}

struct Decision {
    decision: usize,
    /// The packs' tier for the ad (0 allow … 3 block); None if not given.
    tier: Option<usize>,
    at: i64,
    packs: Vec<String>,
    tool: Option<String>,
}

fn decision(o: &Map<String, Value>, at: &str) -> Result<Decision, Fatal> {
    let review = o.get("review").and_then(Value::as_object).ok_or_else(|| {
        Fatal(format!(
            "{at}: not a reviewer decision (no `review` object; every line of the \
             extension's decision exports has one)"
        ))
    })?;
    let d = review.get("decision").and_then(Value::as_str).unwrap_or("");
    let decision = DECISIONS.iter().position(|x| *x == d).ok_or_else(|| {
        Fatal(format!(
            "{at}: review.decision must be confirm, dismiss or escalate, not {}",
            review.get("decision").map_or("missing".into(), short)
        ))
    })?;
    let when = review
        .get("decided_at")
        .and_then(Value::as_str)
        .unwrap_or("");
    let at_ms =
        utc_ms(when).ok_or_else(|| Fatal(format!("{at}: review.decided_at is not a UTC time")))?;
    let tier = match review.get("verdict").and_then(|v| v.get("tier")) {
        None | Some(Value::Null) => None,
        Some(t) => Some(TIERS[..4].iter().position(|x| t == x).ok_or_else(|| {
            Fatal(format!(
                "{at}: review.verdict.tier {} is not a tier",
                short(t)
            ))
        })?),
    };
    let mut packs = Vec::new();
    for p in review
        .get("packs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(id), Some(v)) = (
            p.get("id").and_then(Value::as_str),
            p.get("version").and_then(Value::as_str),
        ) {
            if version_ok(id) && version_ok(v) && !id.contains(' ') && !v.contains(' ') {
                packs.push(format!("{id}@{v}"));
            }
        }
    }
    packs.sort();
    packs.dedup();
    let tool = review.get("tool").and_then(|t| {
        let n = t.get("name")?.as_str()?;
        let v = t.get("version")?.as_str()?;
        (version_ok(n) && version_ok(v)).then(|| format!("{n} {v}"))
    });
    Ok(Decision {
        decision,
        tier,
        at: at_ms,
        packs,
        tool,
    })
}

/// A value for an error message, short, and never more than 20 characters
/// of what the input said.
fn short(v: &Value) -> String {
    match v {
        Value::String(s) => {
            serde_json::to_string(&s.chars().take(20).collect::<String>()).unwrap_or_default()
        }
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        other => other.to_string(),
    }
}

struct Appeal {
    received: i64,
    decided: Option<i64>,
    outcome: usize,
    category: Option<String>,
}

fn appeal(o: &Map<String, Value>, at: &str) -> Result<(String, Appeal), Fatal> {
    let reference = o
        .get("reference")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Fatal(format!("{at}: no `reference` (the block's reference id)")))?;
    let time = |key: &str| -> Result<Option<i64>, Fatal> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => utc_ms(s)
                .map(Some)
                .ok_or_else(|| Fatal(format!("{at}: {key} is not a UTC time"))),
            Some(v) => Err(Fatal(format!(
                "{at}: {key} is {}, not a UTC time",
                short(v)
            ))),
        }
    };
    let received = time("received")?
        .ok_or_else(|| Fatal(format!("{at}: no `received` (when the appeal arrived)")))?;
    let decided = time("decided")?;
    let out = o.get("outcome").and_then(Value::as_str).unwrap_or("");
    let outcome = OUTCOMES.iter().position(|x| *x == out).ok_or_else(|| {
        Fatal(format!(
            "{at}: outcome must be upheld, overturned or pending, not {}",
            o.get("outcome").map_or("missing".into(), short)
        ))
    })?;
    match (outcome, decided) {
        (2, Some(_)) => {
            return Err(Fatal(format!(
                "{at}: a pending appeal has no `decided` time"
            )))
        }
        (0 | 1, None) => {
            return Err(Fatal(format!(
                "{at}: an appeal {out} needs `decided` (when it was decided)"
            )))
        }
        (_, Some(d)) if d < received => {
            return Err(Fatal(format!("{at}: decided before it was received")))
        }
        _ => {}
    }
    let category = match o.get("category") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if name_ok(c) => Some(c.clone()),
        Some(v) => {
            return Err(Fatal(format!(
                "{at}: category {} is not a pack category name",
                short(v)
            )))
        }
    };
    Ok((
        reference.to_string(),
        Appeal {
            received,
            decided,
            outcome,
            category,
        },
    ))
}

// ------------------------------------------------------------- the report

/// Counts below `min` (and above 0) are withheld: `null` in JSON.
struct Cells {
    min: u64,
}

impl Cells {
    fn hidden(&self, n: u64) -> bool {
        n > 0 && n < self.min
    }
    fn n(&self, n: u64) -> Value {
        if self.hidden(n) {
            Value::Null
        } else {
            n.into()
        }
    }
    fn share(&self, n: u64, of: u64) -> Value {
        if of == 0 || self.hidden(n) || self.hidden(of) {
            Value::Null
        } else {
            json!(((n as f64 / of as f64) * 10_000.0).round() / 10_000.0)
        }
    }
}

fn period_bound(s: &str, flag: &str, end: bool) -> Result<i64, Fatal> {
    let ms = utc_ms(s).ok_or_else(|| {
        Fatal(format!(
            "{flag}: {s:?} is not a UTC date or time (2026-12-31 or 2026-12-31T23:59:59Z)"
        ))
    })?;
    // A date as the end means the whole of that day.
    Ok(if end && s.len() == 10 {
        ms + 86_400_000
    } else {
        ms
    })
}

pub(crate) fn report(a: &Args<'_>) -> Result<ExitCode, Fatal> {
    let stdin_uses = std::iter::once(a.counters)
        .chain(a.decisions.iter().map(PathBuf::as_path))
        .chain(a.appeals.iter().map(PathBuf::as_path))
        .filter(|p| p.as_os_str() == "-")
        .count();
    if stdin_uses > 1 {
        return Err(Fatal("only one input can be `-` (stdin)".into()));
    }
    let start = a
        .period_start
        .map(|s| period_bound(s, "--period-start", false))
        .transpose()?;
    let end = a
        .period_end
        .map(|s| period_bound(s, "--period-end", true))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end) {
        if e <= s {
            return Err(Fatal("--period-end is not after --period-start".into()));
        }
    }
    let in_period = |t: i64| start.is_none_or(|s| t >= s) && end.is_none_or(|e| t < e);

    let mut counters = read_counters(a.counters)?;
    let baseline = match a.counters_before {
        Some(p) => {
            let before = read_counters(p)?;
            counters.counters = subtract(&counters.counters, &before.counters, &name(p))?;
            Some(before.counters.submissions)
        }
        None => None,
    };
    if let (Some(s), None) = (start, baseline) {
        if counters.counters.since_ms < s {
            eprintln!(
                "redflag: note: the counters count from {}, before --period-start; their figures \
                 cover that longer time (give the reading at the period's start with \
                 --counters-before)",
                counters.counters.since
            );
        }
    }

    // Decisions: an export holds every decision stored so far, so several
    // exports repeat them; one per id, the latest.
    let mut decisions: Vec<Decision> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let (mut decision_lines, mut repeated, mut outside) = (0u64, 0u64, 0u64);
    for path in a.decisions {
        let file = name(path);
        for (line, o) in objects(&read_text(path, Some(&a.keys))?, &file)? {
            let d = decision(&o, &format!("{file}:{line}"))?;
            decision_lines += 1;
            let key = o.get("id").map(|v| v.to_string());
            match key.and_then(|k| by_id.get(&k).copied().map(|i| (k, i))) {
                Some((_, i)) => {
                    repeated += 1;
                    if d.at >= decisions[i].at {
                        decisions[i] = d;
                    }
                }
                None => {
                    if let Some(k) = o.get("id") {
                        by_id.insert(k.to_string(), decisions.len());
                    }
                    decisions.push(d);
                }
            }
        }
    }
    let before = decisions.len();
    decisions.retain(|d| in_period(d.at));
    outside += (before - decisions.len()) as u64;

    // Appeals: a later line for a reference replaces the earlier one, so the
    // file can be a log the site appends to (pending, then the outcome).
    let mut appeals: Vec<Appeal> = Vec::new();
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    let (mut appeal_lines, mut appeals_outside) = (0u64, 0u64);
    for path in a.appeals {
        let file = name(path);
        for (line, o) in objects(&read_text(path, None)?, &file)? {
            let (r, ap) = appeal(&o, &format!("{file}:{line}"))?;
            appeal_lines += 1;
            match by_ref.get(&r) {
                Some(&i) => appeals[i] = ap,
                None => {
                    by_ref.insert(r, appeals.len());
                    appeals.push(ap);
                }
            }
        }
    }
    let before = appeals.len();
    appeals.retain(|ap| in_period(ap.received));
    appeals_outside += (before - appeals.len()) as u64;

    let cells = Cells {
        min: a.min_cell.unwrap_or(0),
    };
    let c = &counters.counters;
    let subs = c.submissions;

    let tiers: Vec<Value> = TIERS
        .iter()
        .zip(c.tiers)
        .map(|(t, n)| json!({"tier": t, "count": cells.n(n), "share": cells.share(n, subs)}))
        .collect();
    let mut cats: Vec<(&String, &u64)> = c.categories.iter().collect();
    cats.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    let categories: Vec<Value> = cats
        .iter()
        .map(|(k, &n)| json!({"category": k, "count": cells.n(n), "share": cells.share(n, subs)}))
        .collect();
    let named = |m: &BTreeMap<String, u64>, key: &str| -> Vec<Value> {
        m.iter()
            .map(|(k, &n)| json!({key: k, "count": cells.n(n)}))
            .collect()
    };

    // Automated actions (the edge) and human decisions (the reviewers).
    let [_, warn, review, block, _] = c.tiers;
    let mut per_decision = [0u64; 3];
    let mut per_tier = [[0u64; 3]; 5]; // allow, warn, review, block, not given
    for d in &decisions {
        per_decision[d.decision] += 1;
        per_tier[d.tier.unwrap_or(4)][d.decision] += 1;
    }
    let flagged: [u64; 3] = std::array::from_fn(|k| (1..4).map(|t| per_tier[t][k]).sum());
    let flagged_total: u64 = flagged.iter().sum();
    let by_tier: Vec<Value> = ["allow", "warn", "review", "block", "not given"]
        .iter()
        .zip(per_tier)
        .filter(|(t, row)| **t != "not given" || row.iter().sum::<u64>() > 0)
        .map(|(t, row)| {
            let total: u64 = row.iter().sum();
            json!({"tier": t, "decisions": cells.n(total), "confirm": cells.n(row[0]),
                   "dismiss": cells.n(row[1]), "escalate": cells.n(row[2]),
                   "dismissed_share": cells.share(row[1], total)})
        })
        .collect();
    let human_total = decisions.len() as u64;

    // Appeals.
    let mut outcomes = [0u64; 3];
    let mut by_cat: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    let mut hours: Vec<i64> = Vec::new();
    for ap in &appeals {
        outcomes[ap.outcome] += 1;
        by_cat
            .entry(ap.category.as_deref().unwrap_or(""))
            .or_default()[ap.outcome] += 1;
        if let Some(d) = ap.decided {
            hours.push(d - ap.received);
        }
    }
    hours.sort_unstable();
    let median = if hours.is_empty() || cells.hidden(hours.len() as u64) {
        Value::Null
    } else {
        let m = hours.len() / 2;
        let ms = if hours.len() % 2 == 1 {
            hours[m] as f64
        } else {
            (hours[m - 1] + hours[m]) as f64 / 2.0
        };
        json!((ms / 3_600_000.0 * 10.0).round() / 10.0)
    };
    let decided = outcomes[0] + outcomes[1];
    let mut appeal_cats: Vec<(&str, [u64; 3])> = by_cat.into_iter().collect();
    appeal_cats.sort_by(|x, y| {
        y.1.iter().sum::<u64>().cmp(&x.1.iter().sum::<u64>()).then(
            // "not given" last within its count
            (x.0.is_empty(), x.0).cmp(&(y.0.is_empty(), y.0)),
        )
    });
    let appeal_by_cat: Vec<Value> = appeal_cats
        .iter()
        .map(|(k, o)| {
            json!({"category": if k.is_empty() { Value::Null } else { json!(k) },
                   "received": cells.n(o.iter().sum()), "upheld": cells.n(o[0]),
                   "overturned": cells.n(o[1]), "pending": cells.n(o[2])})
        })
        .collect();

    // Versions seen in the decisions.
    let mut packs: BTreeMap<&str, u64> = BTreeMap::new();
    let mut tools: BTreeMap<&str, u64> = BTreeMap::new();
    for d in &decisions {
        for p in &d.packs {
            *packs.entry(p).or_default() += 1;
        }
        if let Some(t) = &d.tool {
            *tools.entry(t).or_default() += 1;
        }
    }

    let report = json!({
        "format": FORMAT,
        "title": a.title,
        "generated_by": {"name": "redflag", "version": env!("CARGO_PKG_VERSION")},
        "period": {"start": a.period_start, "end": a.period_end},
        "min_cell": a.min_cell,
        "screening": {
            "counters_since": c.since,
            "baseline_subtracted": baseline.is_some(),
            "source": counters.source,
            "isolates": counters.isolates,
            "snapshots": counters.snapshots,
            "submissions": cells.n(subs),
            "tiers": tiers,
            "categories": categories,
            "errors": named(&c.errors, "kind"),
            "notes": named(&c.notes, "note"),
        },
        "automated": {
            "actions": cells.n(warn + review + block),
            "warn": cells.n(warn),
            "review": cells.n(review),
            "block": cells.n(block),
            "share_of_submissions": cells.share(warn + review + block, subs),
        },
        "human": {
            "decisions": cells.n(human_total),
            "confirm": cells.n(per_decision[0]),
            "dismiss": cells.n(per_decision[1]),
            "escalate": cells.n(per_decision[2]),
            "by_tier": by_tier,
            "flagged_decided": cells.n(flagged_total),
            "flagged_dismissed": cells.n(flagged[1]),
            "false_positive_estimate": cells.share(flagged[1], flagged_total),
            "allowed_confirmed": cells.n(per_tier[0][0] + per_tier[0][2]),
        },
        "appeals": {
            "received": cells.n(appeals.len() as u64),
            "upheld": cells.n(outcomes[0]),
            "overturned": cells.n(outcomes[1]),
            "pending": cells.n(outcomes[2]),
            "overturned_share": cells.share(outcomes[1], decided),
            "median_hours_to_decision": median,
            "by_category": appeal_by_cat,
        },
        "versions": {
            "packs": packs.iter().map(|(p, &n)| json!({"pack": p, "decisions": cells.n(n)})).collect::<Vec<_>>(),
            "tools": tools.iter().map(|(t, &n)| json!({"tool": t, "decisions": cells.n(n)})).collect::<Vec<_>>(),
        },
        "inputs": {
            "decision_files": a.decisions.len(),
            "decision_lines": decision_lines,
            "decisions_repeated": repeated,
            "decisions_outside_period": outside,
            "appeal_files": a.appeals.len(),
            "appeal_lines": appeal_lines,
            "appeals_outside_period": appeals_outside,
        },
    });
    let text = match a.format {
        Output::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| Fatal(e.to_string()))? + "\n"
        }
        Output::Html => html(&report),
    };
    write_output(a.out, &text)?;
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------------- HTML

/// A count as shown: the number, or "< N" when withheld.
fn cell(v: &Value, min: u64) -> String {
    match v.as_u64() {
        Some(n) => n.to_string(),
        None => format!("<span class=muted>&lt; {min}</span>"),
    }
}

fn pct(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{:.1} %", 100.0 * x),
        None => "<span class=muted>–</span>".into(),
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn rows<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A horizontal bar chart, one bar per row; withheld counts get no bar.
fn bar_chart(label: &str, bars: &[(String, &Value)], min: u64, colour: &str) -> String {
    let (w, row, left) = (520.0, 22.0, 150.0);
    let h = 16.0 + row * bars.len().max(1) as f64;
    let top = bars
        .iter()
        .filter_map(|(_, v)| v.as_u64())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut out = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{l}"><title>{l}</title>"#,
        l = esc(label)
    );
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>"#,
            left - 6.0,
            y + 14.0,
            esc(name)
        );
        match v.as_u64() {
            Some(n) => {
                let bw = (w - left - 60.0) * n as f64 / top;
                let _ = write!(
                    out,
                    r#"<rect x="{left}" y="{}" width="{bw:.1}" height="{}" fill="{colour}"><title>{}: {n}</title></rect><text x="{:.1}" y="{}" font-size="11">{n}</text>"#,
                    y + 3.0,
                    row - 6.0,
                    esc(name),
                    left + bw + 4.0,
                    y + 14.0
                );
            }
            None => {
                let _ = write!(
                    out,
                    r##"<text x="{}" y="{}" font-size="11" fill="#666">&lt; {min} (withheld)</text>"##,
                    left + 4.0,
                    y + 14.0
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

fn html(r: &Value) -> String {
    let min = r["min_cell"].as_u64().unwrap_or(0);
    let sc = &r["screening"];
    let title = s(r, "title");
    let period = match (r["period"]["start"].as_str(), r["period"]["end"].as_str()) {
        (Some(a), Some(b)) => format!("{} to {}", esc(a), esc(b)),
        (Some(a), None) => format!("from {}", esc(a)),
        (None, Some(b)) => format!("until {}", esc(b)),
        (None, None) => "not given".into(),
    };
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title>
<style>{REPORT_CSS}</style></head><body>
<h1>{t}</h1><p class=muted>Period: {period} · {since} · {subs} submissions screened{suppressed}</p>"#,
        t = esc(title),
        since = if sc["baseline_subtracted"] == true {
            "screening: the counters' increase over the period".to_string()
        } else {
            format!("screening counted since {}", esc(s(sc, "counters_since")))
        },
        subs = cell(&sc["submissions"], min),
        suppressed = if min > 0 {
            format!(" · counts from 1 to {} are withheld (&lt; {min})", min - 1)
        } else {
            String::new()
        }
    );

    let tier_bars: Vec<(String, &Value)> = rows(sc, "tiers")
        .iter()
        .map(|t| (s(t, "tier").to_string(), &t["count"]))
        .collect();
    let cat_bars: Vec<(String, &Value)> = rows(sc, "categories")
        .iter()
        .map(|c| (s(c, "category").to_string(), &c["count"]))
        .collect();
    let _ = write!(
        o,
        r#"<h2>Screening</h2><div class=charts><figure>{}<figcaption>Submissions screened at the edge, by tier (table below).</figcaption></figure><figure>{}<figcaption>Submissions with a hit in each category (table below); one submission can count in several.</figcaption></figure></div>"#,
        bar_chart("Submissions by tier", &tier_bars, min, "#2a6fdb"),
        if cat_bars.is_empty() {
            "<p class=muted>No category was hit.</p>".to_string()
        } else {
            bar_chart("Submissions by category", &cat_bars, min, "#c98a00")
        }
    );
    o.push_str("<h3>By tier</h3><table><thead><tr><th>tier</th><th class=num>submissions</th><th class=num>share</th></tr></thead><tbody>");
    for t in rows(sc, "tiers") {
        let _ = write!(
            o,
            "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
            esc(s(t, "tier")),
            cell(&t["count"], min),
            pct(&t["share"])
        );
    }
    o.push_str("</tbody></table><h3>By category</h3>");
    if rows(sc, "categories").is_empty() {
        o.push_str("<p class=muted>None.</p>");
    } else {
        o.push_str("<table><thead><tr><th>category</th><th class=num>submissions</th><th class=num>share</th></tr></thead><tbody>");
        for c in rows(sc, "categories") {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                esc(s(c, "category")),
                cell(&c["count"], min),
                pct(&c["share"])
            );
        }
        o.push_str("</tbody></table>");
    }
    for (key, head, col) in [
        ("errors", "Engine errors", "kind"),
        ("notes", "Notes", "note"),
    ] {
        if rows(sc, key).is_empty() {
            continue;
        }
        let _ = write!(
            o,
            "<h3>{head}</h3><table><thead><tr><th>{col}</th><th class=num>submissions</th></tr></thead><tbody>"
        );
        for e in rows(sc, key) {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=num>{}</td></tr>",
                esc(s(e, col)),
                cell(&e["count"], min)
            );
        }
        o.push_str("</tbody></table>");
    }

    let au = &r["automated"];
    let hu = &r["human"];
    let _ = write!(
        o,
        "<h2>Automated and human decisions</h2><table><thead><tr><th>decision</th><th class=num>count</th></tr></thead><tbody>\
         <tr><td>automated: blocked at the edge</td><td class=num>{}</td></tr>\
         <tr><td>automated: sent for review</td><td class=num>{}</td></tr>\
         <tr><td>automated: warned</td><td class=num>{}</td></tr>\
         <tr><td>human: confirmed</td><td class=num>{}</td></tr>\
         <tr><td>human: dismissed as a false positive</td><td class=num>{}</td></tr>\
         <tr><td>human: escalated</td><td class=num>{}</td></tr></tbody></table>\
         <p>Reviewers decided on {} ads the packs had flagged (warn, review or block) and dismissed {} of them: \
         a false-positive estimate of <strong>{}</strong>. Ads the packs had allowed that reviewers confirmed or escalated: {}.</p>",
        cell(&au["block"], min),
        cell(&au["review"], min),
        cell(&au["warn"], min),
        cell(&hu["confirm"], min),
        cell(&hu["dismiss"], min),
        cell(&hu["escalate"], min),
        cell(&hu["flagged_decided"], min),
        cell(&hu["flagged_dismissed"], min),
        pct(&hu["false_positive_estimate"]),
        cell(&hu["allowed_confirmed"], min),
    );
    if !rows(hu, "by_tier").is_empty() {
        o.push_str("<h3>Human decisions by the packs' tier</h3><table><thead><tr><th>tier</th><th class=num>decisions</th><th class=num>confirm</th><th class=num>dismiss</th><th class=num>escalate</th><th class=num>dismissed</th></tr></thead><tbody>");
        for t in rows(hu, "by_tier") {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                esc(s(t, "tier")),
                cell(&t["decisions"], min),
                cell(&t["confirm"], min),
                cell(&t["dismiss"], min),
                cell(&t["escalate"], min),
                pct(&t["dismissed_share"])
            );
        }
        o.push_str("</tbody></table>");
    }

    let ap = &r["appeals"];
    let median = match ap["median_hours_to_decision"].as_f64() {
        Some(h) => format!("{h:.1} hours"),
        None => "<span class=muted>–</span>".into(),
    };
    let _ = write!(
        o,
        "<h2>Appeals</h2><table><thead><tr><th>appeals</th><th class=num>count</th></tr></thead><tbody>\
         <tr><td>received</td><td class=num>{}</td></tr><tr><td>upheld (the block stands)</td><td class=num>{}</td></tr>\
         <tr><td>overturned</td><td class=num>{}</td></tr><tr><td>pending</td><td class=num>{}</td></tr></tbody></table>\
         <p>Overturned: {} of the decided appeals. Median time to a decision: {median}.</p>",
        cell(&ap["received"], min),
        cell(&ap["upheld"], min),
        cell(&ap["overturned"], min),
        cell(&ap["pending"], min),
        pct(&ap["overturned_share"]),
    );
    if !rows(ap, "by_category").is_empty() {
        o.push_str("<h3>Appeals by category</h3><table><thead><tr><th>category</th><th class=num>received</th><th class=num>upheld</th><th class=num>overturned</th><th class=num>pending</th></tr></thead><tbody>");
        for c in rows(ap, "by_category") {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td><td class=num>{}</td></tr>",
                c["category"].as_str().map_or("<span class=muted>not given</span>".into(), esc),
                cell(&c["received"], min),
                cell(&c["upheld"], min),
                cell(&c["overturned"], min),
                cell(&c["pending"], min)
            );
        }
        o.push_str("</tbody></table>");
    }

    let ve = &r["versions"];
    if !rows(ve, "packs").is_empty() || !rows(ve, "tools").is_empty() {
        o.push_str("<h2>Versions</h2><table><thead><tr><th>pack or tool</th><th class=num>decisions</th></tr></thead><tbody>");
        for (key, col) in [("packs", "pack"), ("tools", "tool")] {
            for p in rows(ve, key) {
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td class=num>{}</td></tr>",
                    esc(s(p, col)),
                    cell(&p["decisions"], min)
                );
            }
        }
        o.push_str("</tbody></table>");
    }
    let _ = write!(
        o,
        "<h2>About this report</h2><p>Counts only: no ad text, contact, link, listing, reference or reviewer is in it. \
         Screening figures are the edge worker's counters ({}, {} isolate(s)); human decisions are the reviewers' exported \
         decisions, one per ad; appeals are the site's appeal records, one per reference.</p>\
         <p class=muted>Generated by redflag report {}.</p></body></html>",
        esc(s(sc, "source")),
        sc["isolates"],
        esc(s(&r["generated_by"], "version"))
    );
    o.push('\n');
    o
}
