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

/// The terms a node names itself (its children's not included): an
/// `any`, `all` or `none` list, both `near` lists, an entity's `near`.
fn own_terms(c: &Cond) -> (&[u32], &[u32]) {
    match c {
        Cond::Any(t) | Cond::All(t) | Cond::NoneOf(t) => (t, &[]),
        Cond::Near { a, b, .. } => (a, b),
        Cond::Entity(m) => (&m.near, &[]),
        Cond::AtLeast(..)
        | Cond::And(_)
        | Cond::Or(_)
        | Cond::Not(_)
        | Cond::Rule(_)
        | Cond::Rules(..) => (&[], &[]),
    }
}

/// Every term a condition refers to, negated ones included.
pub(super) fn all_terms(c: &Cond, out: &mut Vec<u32>) {
    c.walk(&mut |n, _| {
        let (a, b) = own_terms(n);
        out.extend_from_slice(a);
        out.extend_from_slice(b);
    });
}

/// Term ids a condition needs to be present (positively): none under a
/// `not`, none of a `none`.
pub(crate) fn positive_terms(c: &Cond, out: &mut Vec<u32>) {
    c.walk(&mut |n, negated| {
        if negated || matches!(n, Cond::NoneOf(_)) {
            return;
        }
        let (a, b) = own_terms(n);
        out.extend_from_slice(a);
        out.extend_from_slice(b);
    });
}

/// Whether a condition can hold with none of its terms in the text and
/// none of the rules it refers to fired: [`can_fire_without_terms`] with
/// `rule` false and `rules` true only for a minimum of none. Anything
/// under `not` or `none` counts as able to hold.
pub(super) fn can_fire_alone(c: &Cond) -> bool {
    match c {
        Cond::Any(_) | Cond::All(_) | Cond::Near { .. } | Cond::Rule(_) => false,
        Cond::Rules(_, min) => *min == 0,
        Cond::NoneOf(_) | Cond::Not(_) => true,
        Cond::Entity(m) => m.near.is_empty(),
        Cond::And(cs) => cs.iter().all(can_fire_alone),
        Cond::Or(cs) => cs.iter().any(can_fire_alone),
        Cond::AtLeast(n, cs) => cs.iter().filter(|c| can_fire_alone(c)).count() >= *n as usize,
    }
}

/// Whether a condition can hold with none of its terms in the text (it
/// has `none` or `not`, refers to rules, or is an entity with no `near`).
/// A fold over the tree (`and` needs all, `or` one, `at_least` n), not a
/// visit, so not [`Cond::walk`].
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

/// Whether a condition refers to any rule, negated or not.
pub(super) fn refers_to_rules(c: &Cond) -> bool {
    let mut found = false;
    c.walk(&mut |n, _| found |= matches!(n, Cond::Rule(_) | Cond::Rules(..)));
    found
}

/// The rules a condition refers to, negated or not, in the order written
/// (the evaluation order follows it), repeats included.
pub(crate) fn rule_refs(c: &Cond, out: &mut Vec<u32>) {
    c.walk(&mut |n, _| match n {
        Cond::Rule(r) => out.push(*r),
        Cond::Rules(rs, _) => out.extend_from_slice(rs),
        _ => {}
    });
}

/// The entity kinds a condition looks at, negated or not, as a mask of
/// `extract::kind_bit`s added to `out`.
pub(super) fn entity_kinds(c: &Cond, out: &mut u8) {
    c.walk(&mut |n, _| {
        if let Cond::Entity(m) = n {
            *out |= crate::extract::kind_bit(m.kind);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `and(any[1], not(or(any[2], rule 0)), none[3],
    /// at_least(1, near[4, 5], rules[1, 2]))`
    fn tree() -> Cond {
        Cond::And(vec![
            Cond::Any(vec![1]),
            Cond::Not(Box::new(Cond::Or(vec![Cond::Any(vec![2]), Cond::Rule(0)]))),
            Cond::NoneOf(vec![3]),
            Cond::AtLeast(
                1,
                vec![
                    Cond::Near {
                        a: vec![4],
                        b: vec![5],
                        within: 3,
                        ordered: false,
                    },
                    Cond::Rules(vec![1, 2], 1),
                ],
            ),
        ])
    }

    #[test]
    fn walk_visits_parents_first_and_flags_what_is_under_not() {
        let mut seen = Vec::new();
        tree().walk(&mut |c, negated| {
            let kind = match c {
                Cond::And(_) => "and",
                Cond::Or(_) => "or",
                Cond::Not(_) => "not",
                Cond::Any(_) => "any",
                Cond::NoneOf(_) => "none",
                Cond::AtLeast(..) => "at_least",
                Cond::Near { .. } => "near",
                Cond::Rule(_) => "rule",
                Cond::Rules(..) => "rules",
                _ => "other",
            };
            seen.push((kind, negated));
        });
        assert_eq!(
            seen,
            [
                ("and", false),
                ("any", false),
                ("not", false),
                ("or", true),
                ("any", true),
                ("rule", true),
                ("none", false),
                ("at_least", false),
                ("near", false),
                ("rules", false),
            ]
        );
    }

    #[test]
    fn what_a_condition_refers_to() {
        let c = tree();
        let mut all = Vec::new();
        all_terms(&c, &mut all);
        assert_eq!(all, [1, 2, 3, 4, 5]);
        let mut positive = Vec::new();
        positive_terms(&c, &mut positive);
        assert_eq!(positive, [1, 4, 5]);
        let mut rules = Vec::new();
        rule_refs(&c, &mut rules);
        assert_eq!(rules, [0, 1, 2]);
        assert!(refers_to_rules(&c));
        assert!(!refers_to_rules(&Cond::Not(Box::new(Cond::Any(vec![1])))));
        let mut kinds = 0;
        entity_kinds(&c, &mut kinds);
        assert_eq!(kinds, 0);
    }
}

/// At most this many term groups are kept per rule (the smallest): each
/// costs a few lookups per candidate, and a handful already rules out
/// nearly every rule that cannot fire.
const MAX_NEED_GROUPS: usize = 4;

/// Groups of terms a condition cannot hold without: for each group, at
/// least one of its terms must occur in the text (in any field; the rule's
/// own fields and exceptions are left to the evaluation). An empty list
/// means no such group is known (the condition can hold with no term, or
/// only through entities or other rules). The smallest groups come first,
/// and terms are in the order written (a group is read with the scan's bit
/// set, so it needs no sorting, which would cost every engine start).
///
/// `and` needs the groups of every part; `or` (and `at_least` with fewer
/// unconstrained parts than it needs) needs one term of the union of one
/// group from each constrained part, the smallest; `near` needs a term of
/// each side; an entity with `near` needs one of those terms. Anything
/// negated, `none`, `rule` and `rules` need nothing. Screening uses the
/// groups to drop a rule from the candidates when one of its terms occurs
/// but another part of its condition has nothing to match: a rule whose
/// first condition is a job word ("work", "pay") is no longer evaluated in
/// every job ad.
pub(super) fn need_groups(c: &Cond) -> Vec<Vec<u32>> {
    let mut groups = need(c);
    groups.sort_by_key(|g| g.iter().map(|t| t.len()).sum::<usize>());
    groups.dedup();
    groups.truncate(MAX_NEED_GROUPS);
    groups.into_iter().map(|g| g.concat()).collect()
}

/// A group: one of the terms of these lists must occur.
type Group<'a> = Vec<&'a [u32]>;

fn need(c: &Cond) -> Vec<Group<'_>> {
    match c {
        Cond::Any(ts) if !ts.is_empty() => vec![vec![ts]],
        Cond::All(ts) => ts.chunks(1).map(|t| vec![t]).collect(),
        Cond::Near { a, b, .. } if !a.is_empty() && !b.is_empty() => vec![vec![a], vec![b]],
        Cond::Entity(m) if !m.near.is_empty() => vec![vec![&m.near]],
        Cond::And(cs) => cs.iter().flat_map(need).collect(),
        Cond::Or(cs) => union_of_one_each(cs, 1),
        Cond::AtLeast(n, cs) if *n > 0 => union_of_one_each(cs, *n as usize),
        _ => Vec::new(),
    }
}

/// For `or` (n = 1) and `at_least n`: when fewer than n parts can hold
/// with no term, one of the others must hold, so a term of the union of
/// one group from each of them (the smallest group of each) must occur.
fn union_of_one_each(cs: &[Cond], n: usize) -> Vec<Group<'_>> {
    let mut union = Vec::new();
    let mut free = 0;
    for c in cs {
        let smallest = need(c)
            .into_iter()
            .min_by_key(|g| g.iter().map(|t| t.len()).sum::<usize>());
        match smallest {
            Some(g) => union.extend(g),
            None => free += 1,
        }
    }
    if free >= n || union.is_empty() {
        Vec::new()
    } else {
        vec![union]
    }
}

#[cfg(test)]
mod need_tests {
    use super::*;

    #[test]
    fn needed_groups_follow_the_logic_of_the_condition() {
        let any = |ts: &[u32]| Cond::Any(ts.to_vec());
        // `and`: each part's group, the smallest first.
        let g = need_groups(&Cond::And(vec![any(&[1, 2, 3]), any(&[4])]));
        assert_eq!(g, vec![vec![4], vec![1, 2, 3]]);
        // `or`: one group, the union of each branch's smallest.
        let near = Cond::Near {
            a: vec![5, 6],
            b: vec![7],
            within: 3,
            ordered: false,
        };
        assert_eq!(
            need_groups(&Cond::Or(vec![near, any(&[8])])),
            vec![vec![7, 8]]
        );
        // A branch that needs no term frees the `or`; `at_least 2` of three
        // with one free still needs one of the others.
        let free = Cond::NoneOf(vec![9]);
        assert!(need_groups(&Cond::Or(vec![any(&[1]), free.clone()])).is_empty());
        let g = need_groups(&Cond::AtLeast(2, vec![any(&[1]), any(&[2]), free.clone()]));
        assert_eq!(g, vec![vec![1, 2]]);
        assert!(need_groups(&Cond::AtLeast(1, vec![any(&[1]), free])).is_empty());
        // Negation, rules and entities without `near` need nothing.
        assert!(need_groups(&Cond::Not(Box::new(any(&[1])))).is_empty());
        assert!(need_groups(&Cond::Rule(0)).is_empty());
    }
}
