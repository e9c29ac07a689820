//! The compiler's state ([`Ctx`]): the rule set compiled so far, on top of
//! the base's, and the problems found. Its methods here resolve the rules
//! and sections a pack names; terms and `@list`s are in `terms`.

use std::collections::{BTreeSet, HashMap};

use crate::error::PackError;
use crate::limits::Limits;
use crate::pack::{Pack, SCHEMA_VERSION, SECTIONS};
use crate::tier::Thresholds;
use crate::verdict::PackInfo;

use super::{Compiled, Filter, Patterns, Rule, Term};

/// Everything compiled so far and where problems are reported. Starts as
/// the base (packs already compiled) and grows pack by pack; the passes in
/// `passes` fill it.
pub(super) struct Ctx<'a> {
    pub(super) limits: &'a Limits,
    pub(super) errors: Vec<PackError>,
    /// The pack being compiled, named in errors.
    pub(super) pack_id: Option<String>,
    /// The schema of the pack being compiled.
    pub(super) schema: u32,
    pub(super) packs: Vec<PackInfo>,
    /// The packs' own thresholds: the last pack that gives some.
    pub(super) thresholds: Thresholds,
    pub(super) explainable: BTreeSet<String>,
    /// Named lists → their term ids.
    pub(super) lists: HashMap<String, Vec<u32>>,
    /// Matching form → pattern id.
    pub(super) patterns: HashMap<String, u32>,
    pub(super) pattern_list: Patterns,
    /// Pattern id → term ids by boundary flavour (`u32::MAX`: none yet).
    pub(super) pattern_flavours: Vec<[u32; 4]>,
    pub(super) term_list: Vec<Term>,
    pub(super) rule_index: HashMap<String, u32>,
    /// The rule being compiled: a glob never matches the rule it is in.
    pub(super) current: Option<u32>,
    /// Which rules are helpers: a glob matches them only if it names `__`.
    pub(super) helpers: Vec<bool>,
    pub(super) rules: Vec<Rule>,
    pub(super) filters: Vec<Filter>,
    pub(super) uses_entities: bool,
}

impl<'a> Ctx<'a> {
    /// The state after `base`; `interning` when packs are to be compiled
    /// on top of it.
    pub(super) fn new(base: Compiled, limits: &'a Limits, interning: bool) -> Ctx<'a> {
        let Compiled {
            packs,
            explainable,
            terms,
            rules,
            filters,
            rule_index,
            uses_entities,
            lists,
            pattern_list,
            pattern_flavours,
            pack_thresholds,
            ..
        } = base;
        Ctx {
            limits,
            errors: Vec::new(),
            pack_id: None,
            schema: SCHEMA_VERSION,
            thresholds: if packs.is_empty() {
                Thresholds::default()
            } else {
                pack_thresholds
            },
            packs,
            explainable,
            lists,
            // Only packs compiled on top intern terms: an engine of the
            // built-in image alone never needs the map.
            patterns: if interning {
                pattern_list
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.to_string(), i as u32))
                    .collect()
            } else {
                HashMap::new()
            },
            pattern_list,
            pattern_flavours,
            term_list: terms,
            helpers: rules.iter().map(|r| r.helper).collect(),
            rule_index,
            current: None,
            rules,
            filters,
            uses_entities,
        }
    }
}

impl Ctx<'_> {
    /// Errors name this pack until the next call.
    pub(super) fn enter(&mut self, pack: &Pack) {
        self.pack_id = Some(pack.pack.id.clone());
        self.schema = pack.schema;
    }

    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(PackError {
            pack: self.pack_id.clone(),
            path: path.into(),
            message: message.into(),
        });
    }

    /// The rules named at `path` by ids or globs (`*` matches any run of
    /// characters; helpers only if the glob names `__`), ascending.
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

    /// The mask of the sections named at `path`.
    pub(super) fn sections(&mut self, sections: &[String], path: &dyn Fn() -> String) -> u8 {
        let mut mask = 0u8;
        for (i, s) in sections.iter().enumerate() {
            mask |= self.section_bit(s, &|| format!("{}[{i}]", path()));
        }
        mask
    }

    /// The bit of one section named in a pack (canonical names only), or an
    /// error at `path`.
    pub(super) fn section_bit(&mut self, s: &str, path: &dyn Fn() -> String) -> u8 {
        match SECTIONS
            .iter()
            .position(|k| k.eq_ignore_ascii_case(s.trim()))
        {
            Some(b) => 1 << b,
            None => {
                self.err(
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
