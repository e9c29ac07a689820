//! Conditions: a pack's [`Condition`] compiled into a [`Cond`] of term and
//! rule ids ([`Ctx::cond`]), and what a compiled condition refers to (its
//! terms, the rules it reads, the entity kinds it looks at), which
//! [`finish`](fn@super::finish) turns into the tables screening uses.

use crate::extract::{EntityKind, Techniques};
use crate::pack::{Condition, EntityMatch, RulesCount};

use super::ctx::Ctx;
use super::{Cond, EntityCond};

impl Ctx<'_> {
    /// Compiles a condition at `path`, `depth` levels down (1 for a rule's
    /// `match`); `allow_rules` is false in filters, which run before rules.
    /// `None` after an error that leaves nothing to compile.
    ///
    /// One arm per kind of condition; the longer ones have their own
    /// methods.
    pub(super) fn cond(
        &mut self,
        c: &Condition,
        path: &dyn Fn() -> String,
        depth: usize,
        allow_rules: bool,
    ) -> Option<Cond> {
        if depth > self.limits.max_condition_depth {
            self.err(
                path(),
                format!(
                    "conditions nest deeper than the limit (max_condition_depth = {})",
                    self.limits.max_condition_depth
                ),
            );
            return None;
        }
        let sub = |ctx: &mut Self, cs: &[Condition], key: &str| -> Vec<Cond> {
            if cs.is_empty() {
                ctx.err(format!("{}.{key}", path()), "needs at least one condition");
            }
            cs.iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    ctx.cond(
                        c,
                        &|| format!("{}.{key}[{i}]", path()),
                        depth + 1,
                        allow_rules,
                    )
                })
                .collect()
        };
        Some(match c {
            Condition::Any(t) => Cond::Any(self.terms(t, &|| format!("{}.any", path()))),
            Condition::All(t) => Cond::All(self.terms(t, &|| format!("{}.all", path()))),
            Condition::NoneOf(t) => Cond::NoneOf(self.terms(t, &|| format!("{}.none", path()))),
            Condition::Near(n) => {
                if n.within > 50 {
                    self.err(
                        format!("{}.near.within", path()),
                        "must be at most 50 words",
                    );
                }
                Cond::Near {
                    a: self.terms(&n.a, &|| format!("{}.near.a", path())),
                    b: self.terms(&n.b, &|| format!("{}.near.b", path())),
                    within: n.within.min(50),
                    ordered: n.ordered,
                }
            }
            Condition::AtLeast(a) => {
                let of = sub(self, &a.of, "at_least.of");
                if a.n == 0 || a.n as usize > a.of.len() {
                    self.err(
                        format!("{}.at_least.n", path()),
                        format!(
                            "must be between 1 and the number of conditions ({})",
                            a.of.len()
                        ),
                    );
                }
                Cond::AtLeast(a.n, of)
            }
            Condition::And(cs) => Cond::And(sub(self, cs, "and")),
            Condition::Or(cs) => Cond::Or(sub(self, cs, "or")),
            Condition::Not(c) => Cond::Not(Box::new(self.cond(
                c,
                &|| format!("{}.not", path()),
                depth + 1,
                allow_rules,
            )?)),
            Condition::Rule(r) => self.rule_cond(r, path, allow_rules)?,
            Condition::Rules(rc) => self.rules_cond(rc, path, allow_rules)?,
            Condition::Entity(m) => self.entity_cond(m, &|| format!("{}.entity", path()))?,
        })
    }

    /// `rule = "id"`: one rule by id.
    fn rule_cond(&mut self, r: &str, path: &dyn Fn() -> String, allow_rules: bool) -> Option<Cond> {
        if !allow_rules {
            self.err(format!("{}.rule", path()), "filters cannot refer to rules");
            return None;
        }
        match self.rule_index.get(r) {
            Some(&i) => Some(Cond::Rule(i)),
            None => {
                self.err(format!("{}.rule", path()), format!("unknown rule `{r}`"));
                None
            }
        }
    }

    /// `rules = { of = [...], min = n }`: at least `min` of the rules named
    /// by ids or globs.
    fn rules_cond(
        &mut self,
        rc: &RulesCount,
        path: &dyn Fn() -> String,
        allow_rules: bool,
    ) -> Option<Cond> {
        if !allow_rules {
            self.err(format!("{}.rules", path()), "filters cannot refer to rules");
            return None;
        }
        let of = self.rule_globs(&rc.of, &|| format!("{}.rules.of", path()));
        if rc.min == 0 || rc.min as usize > of.len().max(1) {
            self.err(
                format!("{}.rules.min", path()),
                format!(
                    "must be between 1 and the number of rules matched ({})",
                    of.len()
                ),
            );
        }
        Some(Cond::Rules(of, rc.min))
    }

    /// `entity = { kind = ..., ... }` at `p` (schema 2): every field
    /// checked; `None` for an unknown kind.
    fn entity_cond(&mut self, m: &EntityMatch, p: &dyn Fn() -> String) -> Option<Cond> {
        if self.schema < 2 {
            self.err(
                p(),
                format!(
                    "`entity` conditions need `schema = 2` (redflag {} or later); this pack says schema {}",
                    crate::pack::SCHEMA_SINCE[1],
                    self.schema
                ),
            );
        }
        let kind = EntityKind::parse(&m.kind);
        if kind.is_none() {
            self.err(
                format!("{}.kind", p()),
                format!(
                    "unknown entity kind `{}`; expected one of {}",
                    m.kind,
                    EntityKind::ALL.map(EntityKind::as_str).join(", ")
                ),
            );
        }
        let mut written = 0;
        for (i, w) in m.written.iter().enumerate() {
            match Techniques::bit(w) {
                Some(b) => written |= b,
                None => self.err(
                    format!("{}.written[{i}]", p()),
                    format!(
                        "unknown technique `{w}`; expected one of {}",
                        Techniques::all_names().collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
        }
        if let (Some(a), Some(b)) = (m.min, m.max) {
            if a > b {
                self.err(format!("{}.min", p()), "must not be greater than max");
            }
        }
        for (k, v) in [("min", m.min), ("max", m.max)] {
            if v.is_some_and(|v| !v.is_finite()) {
                self.err(format!("{}.{k}", p()), "must be a finite number");
            }
        }
        if m.within > 50 {
            self.err(format!("{}.within", p()), "must be at most 50 words");
        }
        if !m.near.is_empty() && m.near.iter().all(|t| t.trim().is_empty()) {
            self.err(format!("{}.near", p()), "needs at least one term");
        }
        let near = if m.near.is_empty() {
            Vec::new()
        } else {
            self.terms(&m.near, &|| format!("{}.near", p()))
        };
        self.uses_entities = true;
        Some(Cond::Entity(Box::new(EntityCond {
            kind: kind?,
            obfuscated: m.obfuscated,
            written,
            min: m.min,
            max: m.max,
            platforms: m.platforms.iter().map(|p| p.to_lowercase()).collect(),
            near,
            within: m.within.min(50),
        })))
    }
}

/// Every term a condition refers to, negated ones included.
pub(super) fn all_terms(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Any(t) | Cond::All(t) | Cond::NoneOf(t) => out.extend(t),
        Cond::Near { a, b, .. } => {
            out.extend(a);
            out.extend(b);
        }
        Cond::Entity(m) => out.extend(&m.near),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| all_terms(c, out))
        }
        Cond::Not(c) => all_terms(c, out),
        Cond::Rule(_) | Cond::Rules(..) => {}
    }
}

pub(super) fn can_fire_without_terms(c: &Cond) -> bool {
    match c {
        Cond::Any(_) | Cond::All(_) | Cond::Near { .. } => false,
        Cond::NoneOf(_) | Cond::Not(_) | Cond::Rule(_) | Cond::Rules(..) => true,
        Cond::Entity(m) => m.near.is_empty(),
        Cond::And(cs) => cs.iter().all(can_fire_without_terms),
        Cond::Or(cs) => cs.iter().any(can_fire_without_terms),
        Cond::AtLeast(n, cs) => {
            cs.iter().filter(|c| can_fire_without_terms(c)).count() >= *n as usize
        }
    }
}

pub(super) fn refers_to_rules(c: &Cond) -> bool {
    match c {
        Cond::Rule(_) | Cond::Rules(..) => true,
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => cs.iter().any(refers_to_rules),
        Cond::Not(c) => refers_to_rules(c),
        _ => false,
    }
}

/// Term ids a condition needs to be present (positively).
pub(crate) fn positive_terms(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Any(t) | Cond::All(t) => out.extend(t),
        Cond::Near { a, b, .. } => {
            out.extend(a);
            out.extend(b);
        }
        Cond::Entity(m) => out.extend(&m.near),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| positive_terms(c, out))
        }
        Cond::Not(_) | Cond::NoneOf(_) | Cond::Rule(_) | Cond::Rules(..) => {}
    }
}

pub(crate) fn rule_refs(c: &Cond, out: &mut Vec<u32>) {
    match c {
        Cond::Rule(r) => out.push(*r),
        Cond::Rules(rs, _) => out.extend(rs),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| rule_refs(c, out))
        }
        Cond::Not(c) => rule_refs(c, out),
        _ => {}
    }
}

/// The entity kinds a condition looks at.
pub(super) fn entity_kinds(c: &Cond, out: &mut u8) {
    match c {
        Cond::Entity(m) => *out |= crate::extract::kind_bit(m.kind),
        Cond::And(cs) | Cond::Or(cs) | Cond::AtLeast(_, cs) => {
            cs.iter().for_each(|c| entity_kinds(c, out))
        }
        Cond::Not(c) => entity_kinds(c, out),
        _ => {}
    }
}
