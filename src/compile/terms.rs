//! How a pack's term is read, and interned.
//!
//! An entry of a term list is a term or `@name`, the terms of a named list
//! (`@@…` writes a term that starts with `@`). A term is compared in
//! matching form: the normaliser's output, as ads are read. It must start
//! and end at word boundaries, unless it is written with a `*` at that end
//! or its matching form does not begin (end) with a letter or digit there.
//!
//! [`term_entry`] and [`term_form`] are the whole reading: the compiler
//! interns what they return, one term per matching form and boundary pair,
//! and the linter reads terms through them, so the two agree on what a
//! term is and when two are the same.

use crate::normalize::{normalize, Normalized};

use super::ctx::Ctx;
use super::Term;

/// One entry of a term list, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TermEntry<'a> {
    /// `@name`: the terms of the named list.
    List(&'a str),
    /// A term (`@@x` is the term `@x`).
    Term(&'a str),
}

/// Reads one entry of a term list.
pub(crate) fn term_entry(raw: &str) -> TermEntry<'_> {
    match raw.strip_prefix('@') {
        Some(name) if !raw.starts_with("@@") => TermEntry::List(name),
        Some(term) => TermEntry::Term(term),
        None => TermEntry::Term(raw),
    }
}

/// A term read as the compiler interns it.
pub(crate) struct TermForm<'a> {
    /// The text between the `*`s, trimmed: what the author wrote.
    pub text: &'a str,
    /// Written with a `*` at the start (a word boundary is not needed
    /// there).
    pub star_left: bool,
    /// Written with a `*` at the end.
    pub star_right: bool,
    normalized: Normalized,
}

impl TermForm<'_> {
    /// The matching form, trimmed; empty for a term that has none.
    pub(crate) fn form(&self) -> &str {
        self.normalized.as_str().trim()
    }

    /// Must start at a word boundary ([`Term::left`]).
    pub(crate) fn left(&self) -> bool {
        !self.star_left
            && self
                .form()
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    }

    /// Must end at a word boundary ([`Term::right`]).
    pub(crate) fn right(&self) -> bool {
        !self.star_right
            && self
                .form()
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    }
}

/// Reads a term (not an `@list`; see [`term_entry`]): one `*` at either
/// end, then the rest in matching form. Two terms are the same term when
/// their forms and boundary requirements ([`TermForm::left`],
/// [`TermForm::right`]) are.
pub(crate) fn term_form(raw: &str) -> TermForm<'_> {
    let trimmed = raw.trim();
    let (star_left, rest) = match trimmed.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, trimmed),
    };
    let (star_right, inner) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let text = inner.trim();
    TermForm {
        text,
        star_left,
        star_right,
        normalized: normalize(text),
    }
}

impl Ctx<'_> {
    /// Interns the terms of one term list at `path` (expanding `@list`s),
    /// returning their ids, ascending, without repeats.
    pub(super) fn terms(&mut self, raw: &[String], path: &dyn Fn() -> String) -> Vec<u32> {
        let mut out = Vec::new();
        if raw.is_empty() {
            self.err(path(), "term list is empty");
        }
        for (i, t) in raw.iter().enumerate() {
            let p = || format!("{}[{i}]", path());
            match term_entry(t) {
                TermEntry::List(name) => match self.lists.get(name) {
                    Some(ids) => out.extend_from_slice(ids),
                    None => self.err(p(), format!("unknown list `@{name}`")),
                },
                TermEntry::Term(t) => {
                    if let Some(id) = self.term(t, &p) {
                        out.push(id);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Interns one term (not a list): its id, or `None` after an error.
    pub(super) fn term(&mut self, raw: &str, path: &dyn Fn() -> String) -> Option<u32> {
        let t = term_form(raw);
        let form = t.form();
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
        let (left, right) = (t.left(), t.right());
        let pid = match self.patterns.get(form) {
            Some(&pid) => pid,
            None => {
                let pid = self.pattern_list.push(form);
                self.patterns.insert(form.to_string(), pid);
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
}
