//! The four passes of [`compile_on`], one method of [`Ctx`] per step, in
//! the order they run. Each pass goes over every pack in load order, so a
//! later pass can resolve what any pack defines:
//!
//! 1. [`Ctx::header`], [`Ctx::define_lists`], [`Ctx::register_rule_ids`]:
//!    the pack header, its named lists (their terms interned) and its rule
//!    ids, so that rules of any pack may use any list and name any rule;
//! 2. [`Ctx::add_rules`]: each rule checked and compiled ([`Ctx::rule`]);
//! 3. [`Ctx::apply_overrides`], [`Ctx::add_filters`], which may name any
//!    rule;
//! 4. [`Ctx::dependency_order`]: rules after the rules they refer to; a
//!    cycle is an error.
//!
//! Errors are collected, not returned at the first: the order of the
//! checks is the order of the messages.

use super::conditions::{can_fire_without_terms, entity_kinds, refers_to_rules};
use super::ctx::Ctx;
use super::finish::{finish, topo_order};
use super::terms::{term_entry, TermEntry};
use super::{Compiled, Cond, Filter, Rule};
use crate::error::PackError;
use crate::limits::Limits;
use crate::pack::{Pack, RuleDef, Strength, SCHEMA_VERSION};
use crate::tier::{Thresholds, Tier};
use crate::verdict::PackInfo;

/// Compiles packs in load order on top of already compiled ones (`base`,
/// e.g. the built-in packs from their image), as if all had been compiled
/// together. Returns every problem found.
///
/// Never inlined: engines built from the built-in packs' image alone do
/// not run it, and a cold wasm instance compiles each function it calls
/// whole.
#[inline(never)]
pub(crate) fn compile_on(
    base: Option<Compiled>,
    packs: &[Pack],
    limits: &Limits,
    thresholds_override: Option<Thresholds>,
) -> Result<Compiled, Vec<PackError>> {
    let mut ctx = Ctx::new(base.unwrap_or_default(), limits, !packs.is_empty());
    ctx.check_pack_count(packs.len());
    let first_pack = ctx.packs.len();

    // Pass 1: headers, lists, rule ids.
    for pack in packs {
        ctx.enter(pack);
        ctx.header(pack);
        ctx.define_lists(pack);
        ctx.register_rule_ids(pack);
    }
    let total_rules = ctx.rules.len() + packs.iter().map(|p| p.rules.len()).sum::<usize>();
    ctx.check_rule_count(total_rules);

    // Pass 2: rules.
    let new_rules = ctx.rule_index.len().saturating_sub(ctx.rules.len());
    ctx.rules.reserve(new_rules);
    for (pi, pack) in packs.iter().enumerate() {
        ctx.enter(pack);
        ctx.add_rules(pack, first_pack + pi);
    }
    // Globs in overrides and filters may match every rule.
    ctx.current = None;

    // Pass 3: overrides and filters.
    for pack in packs {
        ctx.enter(pack);
        ctx.apply_overrides(pack);
        ctx.add_filters(pack);
    }
    // What follows is about the whole set, not one pack.
    ctx.pack_id = None;

    // Pass 4: dependency order, cycles.
    let order = ctx.dependency_order();
    ctx.check_term_count();
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }
    finish(Compiled {
        thresholds: thresholds_override.unwrap_or(ctx.thresholds),
        pack_thresholds: ctx.thresholds,
        packs: ctx.packs,
        explainable: ctx.explainable,
        terms: ctx.term_list,
        rules: ctx.rules,
        order,
        filters: ctx.filters,
        rule_index: ctx.rule_index,
        uses_entities: ctx.uses_entities,
        lists: ctx.lists,
        pattern_list: ctx.pattern_list,
        pattern_flavours: ctx.pattern_flavours,
        ..Compiled::default()
    })
}

/// 1-128 characters, ASCII letters and digits or one of `extra`.
fn valid_id(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

/// A score in hundredths of a point, `None` out of range.
fn score_hundredths(score: f64) -> Option<i64> {
    (score.is_finite() && score.abs() <= 1000.0).then(|| (score * 100.0).round() as i64)
}

/// The limits on the whole set, checked before (packs), between (rules)
/// and after the passes (terms).
impl Ctx<'_> {
    /// At least one pack, at most `max_packs`, the base's included.
    fn check_pack_count(&mut self, given: usize) {
        let total_packs = self.packs.len() + given;
        if total_packs == 0 {
            self.err("", "no packs to load");
        }
        if total_packs > self.limits.max_packs {
            self.err(
                "",
                format!(
                    "{total_packs} packs given; the limit (max_packs) is {}",
                    self.limits.max_packs
                ),
            );
        }
    }

    /// At most `max_rules`, duplicates counted.
    fn check_rule_count(&mut self, total_rules: usize) {
        if total_rules > self.limits.max_rules {
            self.pack_id = None;
            self.err(
                "",
                format!(
                    "{total_rules} rules; the limit (max_rules) is {}",
                    self.limits.max_rules
                ),
            );
        }
    }

    /// At most `max_terms` distinct terms. (The error names the pack
    /// current when it is checked: none, or the pack of a rule on a
    /// cycle.)
    fn check_term_count(&mut self) {
        if self.term_list.len() > self.limits.max_terms {
            self.err(
                "",
                format!(
                    "{} distinct terms; the limit (max_terms) is {}",
                    self.term_list.len(),
                    self.limits.max_terms
                ),
            );
        }
    }
}

/// Pass 1: headers, lists, rule ids.
impl Ctx<'_> {
    /// Checks the pack header (schema, id, version, thresholds) and adds
    /// the pack: its thresholds replace earlier packs', its explainable
    /// categories join theirs.
    fn header(&mut self, pack: &Pack) {
        if pack.schema == 0 || pack.schema > SCHEMA_VERSION {
            self.err("schema", format!("unsupported schema {}", pack.schema));
        }
        if !valid_id(&pack.pack.id, &['.', '_', '-'])
            || pack.pack.id.chars().any(|c| c.is_ascii_uppercase())
        {
            self.err(
                "pack.id",
                "must be 1-128 characters of a-z, 0-9, `.`, `_`, `-`",
            );
        }
        if self.packs.iter().any(|p| p.id == pack.pack.id) {
            self.err(
                "pack.id",
                format!("pack `{}` is loaded twice", pack.pack.id),
            );
        }
        if pack.pack.version.trim().is_empty() {
            self.err("pack.version", "must not be empty");
        }
        if let Some(t) = pack.pack.thresholds {
            match t.check() {
                Some(m) => self.err("pack.thresholds", m),
                None => self.thresholds = t,
            }
        }
        self.explainable
            .extend(pack.pack.explainable_categories.iter().cloned());
        self.packs.push(PackInfo {
            id: pack.pack.id.clone(),
            version: pack.pack.version.clone(),
        });
    }

    /// Interns the terms of the pack's named lists. A name is defined once
    /// over all packs; a list holds terms, not other lists (`@@` writes a
    /// term that starts with `@`).
    fn define_lists(&mut self, pack: &Pack) {
        for (name, items) in &pack.lists {
            let path = format!("lists.{name}");
            if !valid_id(name, &['_', '-', '.']) {
                self.err(&path, "list names are letters, digits, `_`, `-`, `.`");
            }
            if self.lists.contains_key(name) {
                self.err(
                    &path,
                    format!("list `{name}` is already defined by an earlier pack"),
                );
                continue;
            }
            if items.is_empty() {
                self.err(&path, "list is empty");
            }
            let mut ids = Vec::with_capacity(items.len());
            for (j, it) in items.iter().enumerate() {
                let item_path = || format!("{path}[{j}]");
                match term_entry(it) {
                    TermEntry::List(_) => self.err(item_path(), "lists cannot include other lists"),
                    TermEntry::Term(t) => {
                        if let Some(id) = self.term(t, &item_path) {
                            ids.push(id);
                        }
                    }
                }
            }
            ids.sort_unstable();
            ids.dedup();
            self.lists.insert(name.clone(), ids);
        }
    }

    /// Gives each rule of the pack its index, in load order; a duplicate
    /// id keeps the first rule's.
    fn register_rule_ids(&mut self, pack: &Pack) {
        for (ri, r) in pack.rules.iter().enumerate() {
            let ri = pack.rule_position(ri);
            if !valid_id(&r.id, &['.', '_', '-', ':']) {
                self.err(
                    format!("rule[{ri}].id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            if self.rule_index.contains_key(&r.id) {
                self.err(
                    format!("rule[{ri}].id"),
                    format!("duplicate rule id `{}`", r.id),
                );
                continue;
            }
            let next = self.rule_index.len() as u32;
            self.rule_index.insert(r.id.clone(), next);
            self.helpers.push(r.helper);
        }
    }
}

/// Pass 2: rules.
impl Ctx<'_> {
    /// Compiles the rules of the pack at `pack_index` (among all packs)
    /// and adds them, skipping duplicates (reported in pass 1).
    fn add_rules(&mut self, pack: &Pack, pack_index: usize) {
        let langs = crate::lang::pack_mask(&pack.pack.languages);
        for (ri, r) in pack.rules.iter().enumerate() {
            if self.rule_index.get(&r.id) != Some(&(self.rules.len() as u32)) {
                continue; // a duplicate, already reported
            }
            let rule = self.rule(r, pack_index, pack.rule_position(ri), langs);
            self.rules.push(rule);
        }
    }

    /// One rule → [`Rule`]: its fields checked, its condition and
    /// exceptions compiled. `ri` is its position in its pack's source (for
    /// paths), `langs` its pack's languages.
    fn rule(&mut self, r: &RuleDef, pack: usize, ri: usize, langs: crate::lang::Mask) -> Rule {
        let path = format!("rule[{ri}]");
        self.current = Some(self.rules.len() as u32);
        self.check_rule_text(r, &path);
        let score = self.rule_score(r, &path);
        if r.exception_window > 50 {
            self.err(
                format!("{path}.exception_window"),
                "must be at most 50 words",
            );
        }
        let sections = self.sections(&r.sections, &|| format!("{path}.sections"));
        let offer = self.offer(r, &path);
        let cond = self.cond(&r.condition, &|| format!("{path}.match"), 1, true);
        if offer != 0 && cond.as_ref().is_some_and(refers_to_rules) {
            self.err(
                format!("{path}.match"),
                "an offer rule may not refer to other rules: offers are read before any rule runs",
            );
        }
        let exceptions = if r.exceptions.is_empty() {
            Vec::new()
        } else {
            self.terms(&r.exceptions, &|| format!("{path}.exceptions"))
        };
        let cond = cond.unwrap_or(Cond::Or(Vec::new()));
        let always = can_fire_without_terms(&cond) || refers_to_rules(&cond);
        let mut rule_entity_kinds = 0u8;
        entity_kinds(&cond, &mut rule_entity_kinds);
        Rule {
            id: r.id.clone(),
            title: r.title.clone(),
            category: r.category.clone(),
            indicator: r.indicator.clone(),
            indicator_group: u32::MAX,
            tags: r.tags.clone(),
            pack,
            index: ri,
            status: r.status,
            helper: r.helper,
            score,
            max_tier: r.max_tier.unwrap_or(Tier::Review),
            strength: r.strength.unwrap_or(Strength::Medium),
            langs,
            offer,
            sections,
            fields: r
                .fields
                .iter()
                .map(|f| f.trim().to_ascii_lowercase())
                .collect(),
            cond,
            exceptions,
            window: r.exception_window.min(50),
            poster: r.explain.as_ref().and_then(|e| e.poster.clone()),
            reviewer: r.explain.as_ref().and_then(|e| e.reviewer.clone()),
            references: r.references.clone(),
            disabled: false,
            always,
            entity_kinds: rule_entity_kinds,
            id_rank: 0,
            tests: r.tests.clone(),
        }
    }

    /// Title and category given; `indicator` (schema 3) not blank.
    fn check_rule_text(&mut self, r: &RuleDef, path: &str) {
        if r.title.trim().is_empty() {
            self.err(format!("{path}.title"), "must not be empty");
        }
        if r.category.trim().is_empty() {
            self.err(format!("{path}.category"), "must not be empty");
        }
        if let Some(ind) = &r.indicator {
            if ind.trim().is_empty() {
                self.err(format!("{path}.indicator"), "must not be empty");
            } else if self.schema < 3 {
                self.err(
                    format!("{path}.indicator"),
                    format!(
                        "`indicator` needs `schema = 3` (redflag {} or later); this pack says schema {}",
                        crate::pack::SCHEMA_SINCE[2], self.schema
                    ),
                );
            }
        }
    }

    /// The score in hundredths (0 after an error); a helper scores nothing.
    fn rule_score(&mut self, r: &RuleDef, path: &str) -> i64 {
        let score = match score_hundredths(r.score) {
            Some(s) => s,
            None => {
                self.err(
                    format!("{path}.score"),
                    "must be a number between -1000 and 1000",
                );
                0
            }
        };
        if r.helper && score != 0 {
            self.err(
                format!("{path}.score"),
                "helper rules score nothing; remove `score` or `helper`",
            );
        }
        score
    }

    /// The section bit of an offer rule (0 for any other rule). `offer`
    /// and `strength` need schema 4; an offer rule is a helper that reads
    /// every ad and has no strength.
    fn offer(&mut self, r: &RuleDef, path: &str) -> u8 {
        if (r.strength.is_some() || r.offer.is_some()) && self.schema < 4 {
            let key = if r.offer.is_some() {
                "offer"
            } else {
                "strength"
            };
            self.err(
                format!("{path}.{key}"),
                format!(
                    "`{key}` needs `schema = 4` (redflag {} or later); this pack says schema {}",
                    crate::pack::SCHEMA_SINCE[3],
                    self.schema
                ),
            );
        }
        let Some(kind) = &r.offer else {
            return 0;
        };
        let bit = self.section_bit(kind, &|| format!("{path}.offer"));
        if !r.helper {
            self.err(
                format!("{path}.offer"),
                "an offer rule must be a helper (`helper = true`): it recognises the kind of ad, it is not an indicator",
            );
        }
        if !r.sections.is_empty() {
            self.err(
                format!("{path}.sections"),
                "an offer rule reads every ad; remove `sections`",
            );
        }
        if r.strength.is_some() {
            self.err(format!("{path}.strength"), "an offer rule has no strength");
        }
        bit
    }
}

/// Pass 3: overrides and filters.
impl Ctx<'_> {
    /// Applies the pack's overrides to the rules they name (of any pack).
    fn apply_overrides(&mut self, pack: &Pack) {
        for (oi, o) in pack.overrides.iter().enumerate() {
            let path = format!("override[{oi}]");
            let targets =
                self.rule_globs(std::slice::from_ref(&o.rule), &|| format!("{path}.rule"));
            let score = match o.score.map(score_hundredths) {
                Some(None) => {
                    self.err(
                        format!("{path}.score"),
                        "must be a number between -1000 and 1000",
                    );
                    None
                }
                Some(s) => s,
                None => None,
            };
            for t in targets {
                let Some(rule) = self.rules.get_mut(t as usize) else {
                    continue;
                };
                if let Some(s) = score {
                    rule.score = s;
                }
                if let Some(s) = o.status {
                    rule.status = s;
                }
                if let Some(m) = o.max_tier {
                    rule.max_tier = m;
                }
                if let Some(d) = o.disabled {
                    rule.disabled = d;
                }
            }
        }
    }

    /// Compiles the pack's filters and adds them. A filter's condition may
    /// not refer to rules.
    fn add_filters(&mut self, pack: &Pack) {
        for (fi, f) in pack.filters.iter().enumerate() {
            let path = format!("filter[{fi}]");
            if !valid_id(&f.id, &['.', '_', '-', ':']) {
                self.err(
                    format!("{path}.id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            let targets = self.rule_globs(&f.rules, &|| format!("{path}.rules"));
            let sections = self.sections(&f.sections, &|| format!("{path}.sections"));
            let when = f
                .when
                .as_ref()
                .and_then(|c| self.cond(c, &|| format!("{path}.when"), 1, false));
            self.filters.push(Filter {
                id: f.id.clone(),
                rules: targets,
                langs: crate::lang::pack_mask(&pack.pack.languages),
                sections,
                fields: f
                    .fields
                    .iter()
                    .map(|x| x.trim().to_ascii_lowercase())
                    .collect(),
                when,
            });
        }
    }
}

/// Pass 4: dependency order.
impl Ctx<'_> {
    /// The rules in evaluation order, dependencies first; empty after a
    /// cycle, reported on the rule where it was found (in that rule's
    /// pack).
    fn dependency_order(&mut self) -> Vec<u32> {
        match topo_order(&self.rules) {
            Ok(o) => o,
            Err(cycle) => {
                let r = &self.rules[cycle as usize];
                let (pack, path, message) = (
                    r.pack,
                    format!("rule[{}].match", r.index),
                    format!("rule `{}` depends on itself through other rules", r.id),
                );
                self.pack_id = self.packs.get(pack).map(|p| p.id.clone());
                self.err(path, message);
                Vec::new()
            }
        }
    }
}
