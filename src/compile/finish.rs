//! What compiling derives from the rules and terms, and what a pack image
//! does not store (it is derived again on loading): id ranks, indicator
//! groups, evaluation order, the term → rule and pattern → term tables,
//! the entity kinds filters need, and the automata.

use super::automata::{ascii_matchers, language_groups};
use super::conditions::{can_fire_alone, entity_kinds, need_groups, positive_terms, rule_refs};
use super::{Compiled, Rule};
use crate::error::PackError;
use crate::pack::{Status, SECTIONS};

/// What compiling derives from rules and terms: id ranks, the term → rule
/// and pattern → term tables, the evaluation order (if not given) and the
/// automaton. Loading the built-in packs' image runs only this.
pub(crate) fn finish(mut c: Compiled) -> Result<Compiled, Vec<PackError>> {
    let fail = |message: String| {
        vec![PackError {
            pack: None,
            path: String::new(),
            message,
        }]
    };
    if c.order.len() != c.rules.len() {
        c.order = topo_order(&c.rules)
            .map_err(|r| fail(format!("rule #{r} depends on itself through other rules")))?;
    }
    rank_and_group(&mut c);
    c.order_pos = vec![0; c.rules.len()];
    for (pos, &ri) in c.order.iter().enumerate() {
        c.order_pos[ri as usize] = pos as u32;
    }
    c.stable = c.rules.iter().map(|r| r.status == Status::Stable).collect();
    // A rule that refers to rules can fire without terms of its own only
    // when one of them fires: it is a candidate when they are (the
    // combinations of `together` are not looked at in every ad).
    c.always_rules = (0..c.rules.len() as u32)
        .filter(|&i| {
            let r = &c.rules[i as usize];
            r.always && can_fire_alone(&r.cond)
        })
        .collect();
    (c.rule_dependants, c.rule_dependants_at) = rule_dependants(&c.rules);
    (c.need, c.need_at) = needs(&c.rules);
    (c.term_rules, c.term_rules_at) = term_rules(&c.rules, c.terms.len());
    c.pattern_terms = c
        .pattern_flavours
        .iter()
        .map(|f| {
            let mut v = *f;
            v.sort_unstable();
            v
        })
        .collect();
    // Built again, on first use, from this set of patterns.
    c.joined = std::sync::OnceLock::new();
    // Standard semantics, every occurrence of every term; word boundaries
    // are checked afterwards.
    c.other_scripts = std::sync::OnceLock::new();
    c.cyrillic = std::sync::OnceLock::new();
    c.filter_terms = std::sync::OnceLock::new();
    let (base, languages) = language_groups(&c);
    c.automaton = ascii_matchers(&c.pattern_list, &base)
        .map_err(|e| fail(format!("cannot build the term automaton: {e}")))?;
    c.base_patterns = base;
    c.max_pattern_len = c.pattern_list.iter().map(str::len).max().unwrap_or(0);
    c.ascii_alnum = c
        .pattern_list
        .iter()
        .filter(|p| p.is_ascii())
        .all(|p| p.bytes().any(|b| b.is_ascii_alphanumeric()));
    c.languages = languages;
    c.filter_entity_kinds = filter_entity_kinds(&c);
    Ok(c)
}

/// Each rule's rank by id and its indicator group (the first rule with
/// the same `indicator`).
fn rank_and_group(c: &mut Compiled) {
    let mut by_id: Vec<u32> = (0..c.rules.len() as u32).collect();
    by_id.sort_unstable_by(|&a, &b| c.rules[a as usize].id.cmp(&c.rules[b as usize].id));
    for (rank, &ri) in by_id.iter().enumerate() {
        c.rules[ri as usize].id_rank = rank as u32;
    }
    let mut groups: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut group_of = vec![u32::MAX; c.rules.len()];
    for (i, r) in c.rules.iter().enumerate() {
        if let Some(ind) = &r.indicator {
            group_of[i] = *groups.entry(ind.as_str()).or_insert(i as u32);
        }
    }
    for (r, g) in c.rules.iter_mut().zip(group_of) {
        r.indicator_group = g;
    }
}

/// Rule → the groups of terms it cannot fire without (see
/// [`Compiled::need`]), as one list and its offsets.
fn needs(rules: &[Rule]) -> (Vec<u32>, Vec<u32>) {
    let mut at = Vec::with_capacity(rules.len() + 1);
    let mut list = Vec::new();
    at.push(0u32);
    for r in rules {
        for g in need_groups(&r.cond) {
            list.push(g.len() as u32);
            list.extend_from_slice(&g);
        }
        at.push(list.len() as u32);
    }
    (list, at)
}

/// Rule → the rules that refer to it and cannot fire alone (see
/// [`Compiled::rule_dependants`]), as one list and its offsets.
fn rule_dependants(rules: &[Rule]) -> (Vec<u32>, Vec<u32>) {
    let n = rules.len();
    let mut lists: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut refs = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if !r.always || can_fire_alone(&r.cond) {
            continue;
        }
        refs.clear();
        rule_refs(&r.cond, &mut refs);
        refs.sort_unstable();
        refs.dedup();
        for &x in refs.iter().filter(|&&x| (x as usize) < n) {
            lists[x as usize].push(i as u32);
        }
    }
    let mut at = Vec::with_capacity(n + 1);
    at.push(0u32);
    let mut list = Vec::new();
    for l in lists {
        list.extend_from_slice(&l);
        at.push(list.len() as u32);
    }
    (list, at)
}

/// Term → the rules that use it positively, as one list and where each
/// term's part starts (see [`Compiled::rules_of`]): count, then place.
fn term_rules(rules: &[Rule], nt: usize) -> (Vec<u32>, Vec<u32>) {
    let mut at = vec![0u32; nt + 1];
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut ts = Vec::new();
    // The last rule each term was paired with, to pair it once per rule
    // without sorting every rule's terms (hundreds of thousands at each
    // engine start).
    let mut last = vec![u32::MAX; nt];
    for (i, r) in rules.iter().enumerate() {
        ts.clear();
        positive_terms(&r.cond, &mut ts);
        for &t in &ts {
            if let Some(l) = last.get_mut(t as usize) {
                if *l != i as u32 {
                    *l = i as u32;
                    at[t as usize + 1] += 1;
                    pairs.push((t, i as u32));
                }
            }
        }
    }
    for t in 0..nt {
        at[t + 1] += at[t];
    }
    let mut next = at.clone();
    let mut list = vec![0u32; pairs.len()];
    // Rules were visited in ascending order, so each term's rules stay so.
    for (t, r) in pairs {
        list[next[t as usize] as usize] = r;
        next[t as usize] += 1;
    }
    (list, at)
}

/// The entity kinds the filters of each section look at, the last entry
/// for submissions without a known section.
fn filter_entity_kinds(c: &Compiled) -> Vec<u8> {
    let mut by_section = vec![0u8; SECTIONS.len() + 1];
    for f in &c.filters {
        if let Some(cond) = &f.when {
            let mut k = 0u8;
            entity_kinds(cond, &mut k);
            for (b, slot) in by_section.iter_mut().enumerate() {
                let applies = f.sections == 0 || (b < SECTIONS.len() && f.sections & (1 << b) != 0);
                if applies {
                    *slot |= k;
                }
            }
        }
    }
    by_section
}

/// Dependencies first; `Err(rule)` names a rule on a cycle.
pub(super) fn topo_order(rules: &[Rule]) -> Result<Vec<u32>, u32> {
    // 0 = new, 1 = on stack, 2 = done. Iterative DFS: packs can be deep.
    let n = rules.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    let deps: Vec<Vec<u32>> = rules
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            rule_refs(&r.cond, &mut v);
            v
        })
        .collect();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < deps[node].len() {
                let d = deps[node][*next] as usize;
                *next += 1;
                match state[d] {
                    0 => {
                        state[d] = 1;
                        stack.push((d, 0));
                    }
                    1 => return Err(d as u32),
                    _ => {}
                }
            } else {
                state[node] = 2;
                order.push(node as u32);
                stack.pop();
            }
        }
    }
    Ok(order)
}
