//! The passes of compiling.

use std::collections::HashMap;

use super::conditions::{can_fire_without_terms, entity_kinds, refers_to_rules};
use super::ctx::{section_bit, sections_mask, Ctx};
use super::finish::{finish, topo_order};
use super::{Compiled, Cond, Filter, Rule};
use crate::error::PackError;
use crate::limits::Limits;
use crate::pack::{Pack, Strength, SCHEMA_VERSION};
use crate::tier::{Thresholds, Tier};
use crate::verdict::PackInfo;

pub(super) fn valid_id(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

pub(super) fn score_hundredths(score: f64) -> Option<i64> {
    (score.is_finite() && score.abs() <= 1000.0).then(|| (score * 100.0).round() as i64)
}

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
    let base = base.unwrap_or_default();
    let mut ctx = Ctx {
        limits,
        errors: Vec::new(),
        pack_id: None,
        // Only packs compiled on top intern terms: an engine of the
        // built-in image alone never needs the map.
        patterns: if packs.is_empty() {
            HashMap::new()
        } else {
            base.pattern_list
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), i as u32))
                .collect()
        },
        lists: base.lists,
        pattern_list: base.pattern_list,
        pattern_flavours: base.pattern_flavours,
        term_list: base.terms,
        helpers: base.rules.iter().map(|r| r.helper).collect(),
        rule_index: base.rule_index,
        current: None,
        uses_entities: base.uses_entities,
        schema: SCHEMA_VERSION,
    };
    let total_packs = base.packs.len() + packs.len();
    if total_packs == 0 {
        ctx.err("", "no packs to load");
    }
    if total_packs > limits.max_packs {
        ctx.err(
            "",
            format!(
                "{total_packs} packs given; the limit (max_packs) is {}",
                limits.max_packs
            ),
        );
    }
    let mut thresholds = if base.packs.is_empty() {
        Thresholds::default()
    } else {
        base.pack_thresholds
    };
    let mut explainable = base.explainable;
    let mut infos: Vec<PackInfo> = base.packs;
    let first_pack = infos.len();
    let base_rules = base.rules;
    let base_filters = base.filters;

    // Pass 1: headers, lists, rule ids.
    let mut total_rules = base_rules.len();
    for pack in packs {
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        if pack.schema == 0 || pack.schema > SCHEMA_VERSION {
            ctx.err("schema", format!("unsupported schema {}", pack.schema));
        }
        if !valid_id(&pack.pack.id, &['.', '_', '-'])
            || pack.pack.id.chars().any(|c| c.is_ascii_uppercase())
        {
            ctx.err(
                "pack.id",
                "must be 1-128 characters of a-z, 0-9, `.`, `_`, `-`",
            );
        }
        if infos.iter().any(|p| p.id == pack.pack.id) {
            ctx.err(
                "pack.id",
                format!("pack `{}` is loaded twice", pack.pack.id),
            );
        }
        if pack.pack.version.trim().is_empty() {
            ctx.err("pack.version", "must not be empty");
        }
        if let Some(t) = pack.pack.thresholds {
            match t.check() {
                Some(m) => ctx.err("pack.thresholds", m),
                None => thresholds = t,
            }
        }
        explainable.extend(pack.pack.explainable_categories.iter().cloned());
        infos.push(PackInfo {
            id: pack.pack.id.clone(),
            version: pack.pack.version.clone(),
        });
        for (name, items) in &pack.lists {
            let path = format!("lists.{name}");
            if !valid_id(name, &['_', '-', '.']) {
                ctx.err(&path, "list names are letters, digits, `_`, `-`, `.`");
            }
            if ctx.lists.contains_key(name) {
                ctx.err(
                    &path,
                    format!("list `{name}` is already defined by an earlier pack"),
                );
                continue;
            }
            if items.is_empty() {
                ctx.err(&path, "list is empty");
            }
            let mut ids = Vec::with_capacity(items.len());
            for (j, it) in items.iter().enumerate() {
                let item_path = || format!("{path}[{j}]");
                if it.starts_with('@') && !it.starts_with("@@") {
                    ctx.err(item_path(), "lists cannot include other lists");
                    continue;
                }
                let it = it.strip_prefix('@').unwrap_or(it);
                if let Some(id) = ctx.term(it, &item_path) {
                    ids.push(id);
                }
            }
            ids.sort_unstable();
            ids.dedup();
            ctx.lists.insert(name.clone(), ids);
        }
        for (ri, r) in pack.rules.iter().enumerate() {
            let ri = pack.rule_position(ri);
            total_rules += 1;
            if !valid_id(&r.id, &['.', '_', '-', ':']) {
                ctx.err(
                    format!("rule[{ri}].id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            if ctx.rule_index.contains_key(&r.id) {
                ctx.err(
                    format!("rule[{ri}].id"),
                    format!("duplicate rule id `{}`", r.id),
                );
                continue;
            }
            let next = ctx.rule_index.len() as u32;
            ctx.rule_index.insert(r.id.clone(), next);
            ctx.helpers.push(r.helper);
        }
    }
    if total_rules > limits.max_rules {
        ctx.pack_id = None;
        ctx.err(
            "",
            format!(
                "{total_rules} rules; the limit (max_rules) is {}",
                limits.max_rules
            ),
        );
    }

    // Pass 2: rules.
    let mut rules: Vec<Rule> = base_rules;
    rules.reserve(ctx.rule_index.len().saturating_sub(rules.len()));
    for (pi, pack) in packs.iter().enumerate() {
        let pi = first_pack + pi;
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        for (ri, r) in pack.rules.iter().enumerate() {
            let ri = pack.rule_position(ri);
            if ctx.rule_index.get(&r.id) != Some(&(rules.len() as u32)) {
                continue; // a duplicate, already reported
            }
            let path = format!("rule[{ri}]");
            ctx.current = Some(rules.len() as u32);
            if r.title.trim().is_empty() {
                ctx.err(format!("{path}.title"), "must not be empty");
            }
            if r.category.trim().is_empty() {
                ctx.err(format!("{path}.category"), "must not be empty");
            }
            if let Some(ind) = &r.indicator {
                if ind.trim().is_empty() {
                    ctx.err(format!("{path}.indicator"), "must not be empty");
                } else if ctx.schema < 3 {
                    ctx.err(
                        format!("{path}.indicator"),
                        format!(
                            "`indicator` needs `schema = 3` (redflag {} or later); this pack says schema {}",
                            crate::pack::SCHEMA_SINCE[2], ctx.schema
                        ),
                    );
                }
            }
            let score = match score_hundredths(r.score) {
                Some(s) => s,
                None => {
                    ctx.err(
                        format!("{path}.score"),
                        "must be a number between -1000 and 1000",
                    );
                    0
                }
            };
            if r.helper && score != 0 {
                ctx.err(
                    format!("{path}.score"),
                    "helper rules score nothing; remove `score` or `helper`",
                );
            }
            if r.exception_window > 50 {
                ctx.err(
                    format!("{path}.exception_window"),
                    "must be at most 50 words",
                );
            }
            let sections = sections_mask(&mut ctx, &r.sections, &|| format!("{path}.sections"));
            if (r.strength.is_some() || r.offer.is_some()) && ctx.schema < 4 {
                let key = if r.offer.is_some() {
                    "offer"
                } else {
                    "strength"
                };
                ctx.err(
                    format!("{path}.{key}"),
                    format!(
                        "`{key}` needs `schema = 4` (redflag {} or later); this pack says schema {}",
                        crate::pack::SCHEMA_SINCE[3],
                        ctx.schema
                    ),
                );
            }
            let offer = match &r.offer {
                None => 0,
                Some(kind) => {
                    let bit = section_bit(&mut ctx, kind, &|| format!("{path}.offer"));
                    if !r.helper {
                        ctx.err(
                            format!("{path}.offer"),
                            "an offer rule must be a helper (`helper = true`): it recognises the kind of ad, it is not an indicator",
                        );
                    }
                    if !r.sections.is_empty() {
                        ctx.err(
                            format!("{path}.sections"),
                            "an offer rule reads every ad; remove `sections`",
                        );
                    }
                    if r.strength.is_some() {
                        ctx.err(format!("{path}.strength"), "an offer rule has no strength");
                    }
                    bit
                }
            };
            let cond = ctx.cond(&r.condition, &|| format!("{path}.match"), 1, true);
            if offer != 0 {
                if let Some(c) = &cond {
                    if refers_to_rules(c) {
                        ctx.err(
                            format!("{path}.match"),
                            "an offer rule may not refer to other rules: offers are read before any rule runs",
                        );
                    }
                }
            }
            let exceptions = if r.exceptions.is_empty() {
                Vec::new()
            } else {
                ctx.terms(&r.exceptions, &|| format!("{path}.exceptions"))
            };
            let cond = cond.unwrap_or(Cond::Or(Vec::new()));
            let always = can_fire_without_terms(&cond) || refers_to_rules(&cond);
            let mut rule_entity_kinds = 0u8;
            entity_kinds(&cond, &mut rule_entity_kinds);
            rules.push(Rule {
                id: r.id.clone(),
                title: r.title.clone(),
                category: r.category.clone(),
                indicator: r.indicator.clone(),
                indicator_group: u32::MAX,
                tags: r.tags.clone(),
                pack: pi,
                index: ri,
                status: r.status,
                helper: r.helper,
                score,
                max_tier: r.max_tier.unwrap_or(Tier::Review),
                strength: r.strength.unwrap_or(Strength::Medium),
                langs: crate::lang::pack_mask(&pack.pack.languages),
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
            });
        }
    }

    ctx.current = None;

    // Pass 3: overrides and filters.
    let mut filters = base_filters;
    for pack in packs {
        ctx.pack_id = Some(pack.pack.id.clone());
        ctx.schema = pack.schema;
        for (oi, o) in pack.overrides.iter().enumerate() {
            let path = format!("override[{oi}]");
            let targets = ctx.rule_globs(std::slice::from_ref(&o.rule), &|| format!("{path}.rule"));
            let score = match o.score.map(score_hundredths) {
                Some(None) => {
                    ctx.err(
                        format!("{path}.score"),
                        "must be a number between -1000 and 1000",
                    );
                    None
                }
                Some(s) => s,
                None => None,
            };
            for t in targets {
                let Some(rule) = rules.get_mut(t as usize) else {
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
        for (fi, f) in pack.filters.iter().enumerate() {
            let path = format!("filter[{fi}]");
            if !valid_id(&f.id, &['.', '_', '-', ':']) {
                ctx.err(
                    format!("{path}.id"),
                    "must be 1-128 characters of A-Z, a-z, 0-9, `.`, `_`, `-`, `:`",
                );
            }
            let targets = ctx.rule_globs(&f.rules, &|| format!("{path}.rules"));
            let sections = sections_mask(&mut ctx, &f.sections, &|| format!("{path}.sections"));
            let when = f
                .when
                .as_ref()
                .and_then(|c| ctx.cond(c, &|| format!("{path}.when"), 1, false));
            filters.push(Filter {
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
    ctx.pack_id = None;

    // Pass 4: dependency order, cycles.
    let order = match topo_order(&rules) {
        Ok(o) => o,
        Err(cycle) => {
            let r = &rules[cycle as usize];
            ctx.pack_id = infos.get(r.pack).map(|p| p.id.clone());
            ctx.err(
                format!("rule[{}].match", r.index),
                format!("rule `{}` depends on itself through other rules", r.id),
            );
            Vec::new()
        }
    };

    if ctx.term_list.len() > limits.max_terms {
        ctx.err(
            "",
            format!(
                "{} distinct terms; the limit (max_terms) is {}",
                ctx.term_list.len(),
                limits.max_terms
            ),
        );
    }
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }

    finish(Compiled {
        packs: infos,
        thresholds: thresholds_override.unwrap_or(thresholds),
        explainable,
        terms: ctx.term_list,
        rules,
        order,
        filters,
        rule_index: ctx.rule_index,
        uses_entities: ctx.uses_entities,
        lists: ctx.lists,
        pattern_list: ctx.pattern_list,
        pattern_flavours: ctx.pattern_flavours,
        pack_thresholds: thresholds,
        ..Compiled::default()
    })
}
