//! Errors.

use std::fmt;

/// One problem found in a rule pack, with the path to the offending item.
///
/// Paths use the pack's own keys: `rule[12].match.near.within` is the
/// `within` of the `near` condition of the thirteenth `[[rule]]`.
///
/// ```
/// let err = redflag::Pack::from_json(r#"{"schema": 1, "pack": {"id": "x", "version": "1"},
///     "rule": [{"id": "a", "title": "A", "category": "c", "match": {"near": {"a": ["x"], "b": ["y"], "within": "two"}}}]}"#)
///     .unwrap_err();
/// let problems = err.pack_errors();
/// assert_eq!(problems[0].path, "rule[0].match.near.within");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PackError {
    /// Id of the pack, when it could be read.
    pub pack: Option<String>,
    /// Path to the item, e.g. `rule[3].tests.fire[0]`; empty for the whole pack.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.pack {
            write!(f, "pack `{p}`: ")?;
        }
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The error type of this crate.
///
/// Nothing in the engine panics on bad input: malformed packs, oversized
/// submissions and exceeded limits all come back as an `Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// One or more problems in rule packs. Every problem found is listed.
    Pack(Vec<PackError>),
    /// A configured limit was exceeded.
    Limit {
        /// Which limit (the field name in [`crate::Limits`]).
        limit: &'static str,
        /// The configured maximum.
        max: usize,
        /// The size that was seen.
        actual: usize,
    },
    /// A submission was malformed.
    Submission(String),
    /// A signed pack was refused: unsigned, tampered, signed by an unknown
    /// key, expired, or older than the last one accepted.
    Signature(String),
    /// A hash-list pack (the signed form of a list of PDQ hashes,
    /// `redflag::images::HashListPack`) that cannot be read.
    HashList(String),
}

impl Error {
    /// The pack problems, if this is a pack error; empty otherwise.
    pub fn pack_errors(&self) -> &[PackError] {
        match self {
            Error::Pack(v) => v,
            _ => &[],
        }
    }

    pub(crate) fn pack(
        pack: Option<&str>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error::Pack(vec![PackError {
            pack: pack.map(str::to_string),
            path: path.into(),
            message: message.into(),
        }])
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Pack(errors) => {
                let n = errors.len();
                write!(
                    f,
                    "invalid rule pack ({n} problem{})",
                    if n == 1 { "" } else { "s" }
                )?;
                for e in errors {
                    write!(f, "\n  {e}")?;
                }
                Ok(())
            }
            Error::Limit { limit, max, actual } => {
                write!(f, "limit exceeded: {limit} is {max}, got {actual}")
            }
            Error::Submission(m) => write!(f, "invalid submission: {m}"),
            Error::Signature(m) => write!(f, "signed pack refused: {m}"),
            Error::HashList(m) => write!(f, "invalid hash list: {m}"),
        }
    }
}

impl std::error::Error for Error {}
