//! The compiler's state.

use std::collections::HashMap;

use crate::error::PackError;
use crate::limits::Limits;
use crate::normalize::normalize;
use crate::pack::SECTIONS;

use super::Term;

pub(super) struct Ctx<'a> {
    pub(super) limits: &'a Limits,
    pub(super) errors: Vec<PackError>,
    pub(super) pack_id: Option<String>,
    pub(super) lists: HashMap<String, Vec<u32>>,
    pub(super) patterns: HashMap<String, u32>,
    pub(super) pattern_list: Vec<String>,
    /// Pattern id → term ids by boundary flavour (`u32::MAX`: none yet).
    pub(super) pattern_flavours: Vec<[u32; 4]>,
    pub(super) term_list: Vec<Term>,
    pub(super) rule_index: HashMap<String, u32>,
    /// The rule being compiled: a glob never matches the rule it is in.
    pub(super) current: Option<u32>,
    /// Which rules are helpers: a glob matches them only if it names `__`.
    pub(super) helpers: Vec<bool>,
    pub(super) uses_entities: bool,
    /// The schema of the pack being compiled.
    pub(super) schema: u32,
}

impl Ctx<'_> {
    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(PackError {
            pack: self.pack_id.clone(),
            path: path.into(),
            message: message.into(),
        });
    }

    /// Interns one term (or expands `@list`), returning term ids.
    pub(super) fn terms(&mut self, raw: &[String], path: &dyn Fn() -> String) -> Vec<u32> {
        let mut out = Vec::new();
        if raw.is_empty() {
            self.err(path(), "term list is empty");
        }
        for (i, t) in raw.iter().enumerate() {
            let p = || format!("{}[{i}]", path());
            if let Some(name) = t.strip_prefix('@').filter(|_| !t.starts_with("@@")) {
                match self.lists.get(name) {
                    Some(ids) => out.extend_from_slice(ids),
                    None => self.err(p(), format!("unknown list `@{name}`")),
                }
                continue;
            }
            let t = t
                .strip_prefix('@')
                .filter(|_| t.starts_with("@@"))
                .unwrap_or(t);
            if let Some(id) = self.term(t, &p) {
                out.push(id);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn term(&mut self, raw: &str, path: &dyn Fn() -> String) -> Option<u32> {
        let trimmed = raw.trim();
        let (star_l, rest) = match trimmed.strip_prefix('*') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let (star_r, inner) = match rest.strip_suffix('*') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let n = normalize(inner.trim());
        let form = n.as_str().trim();
        if form.is_empty() {
            self.err(path(), format!("term `{raw}` is empty in matching form"));
            return None;
        }
        if form.len() > self.limits.max_term_bytes.min(256) {
            self.err(
                path(),
                format!(
                    "term is {} bytes in matching form; the limit (max_term_bytes) is {}",
                    form.len(),
                    self.limits.max_term_bytes.min(256)
                ),
            );
            return None;
        }
        let left = !star_l && form.chars().next().is_some_and(char::is_alphanumeric);
        let right = !star_r && form.chars().next_back().is_some_and(char::is_alphanumeric);
        let pid = match self.patterns.get(form) {
            Some(&pid) => pid,
            None => {
                let pid = self.pattern_list.len() as u32;
                self.patterns.insert(form.to_string(), pid);
                self.pattern_list.push(form.to_string());
                self.pattern_flavours.push([u32::MAX; 4]);
                pid
            }
        };
        // One term per (pattern, boundary flavour).
        let slot =
            &mut self.pattern_flavours[pid as usize][usize::from(left) * 2 + usize::from(right)];
        if *slot == u32::MAX {
            *slot = self.term_list.len() as u32;
            self.term_list.push(Term { left, right });
        }
        Some(*slot)
    }

    pub(super) fn rule_globs(&mut self, globs: &[String], path: &dyn Fn() -> String) -> Vec<u32> {
        let mut out = Vec::new();
        for (i, g) in globs.iter().enumerate() {
            let found: Vec<u32> = if g.contains('*') {
                let mut v: Vec<u32> = self
                    .rule_index
                    .iter()
                    .filter(|(id, &i)| {
                        glob_match(g, id)
                            && Some(i) != self.current
                            && (!self.helpers[i as usize] || g.contains("__"))
                    })
                    .map(|(_, &i)| i)
                    .collect();
                v.sort_unstable();
                v
            } else {
                self.rule_index
                    .get(g.as_str())
                    .map(|&i| vec![i])
                    .unwrap_or_default()
            };
            if found.is_empty() {
                self.err(format!("{}[{i}]", path()), format!("no rule matches `{g}`"));
            }
            out.extend(found);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// `*` matches any run of characters.
pub(crate) fn glob_match(glob: &str, s: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == s;
    }
    let mut rest = s;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    true
}

pub(super) fn sections_mask(
    ctx: &mut Ctx<'_>,
    sections: &[String],
    path: &dyn Fn() -> String,
) -> u8 {
    let mut mask = 0u8;
    for (i, s) in sections.iter().enumerate() {
        mask |= section_bit(ctx, s, &|| format!("{}[{i}]", path()));
    }
    mask
}

/// The bit of one section named in a pack (canonical names only), or an
/// error at `path`.
pub(super) fn section_bit(ctx: &mut Ctx<'_>, s: &str, path: &dyn Fn() -> String) -> u8 {
    match SECTIONS
        .iter()
        .position(|k| k.eq_ignore_ascii_case(s.trim()))
    {
        Some(b) => 1 << b,
        None => {
            ctx.err(
                path(),
                format!(
                    "unknown section `{s}`; expected one of {}",
                    SECTIONS.join(", ")
                ),
            );
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("job.*", "job.fee"));
        assert!(!glob_match("job.*", "adult.fee"));
        assert!(glob_match("*.fee", "job.fee"));
        assert!(glob_match("a*c*e", "abcde"));
        assert!(!glob_match("a*c*e", "abcdf"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }
}
