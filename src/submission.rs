//! The input: one ad.

use serde_json::{Map, Value};

use crate::error::Error;

/// One submission (an ad): its section and its text fields.
///
/// Field names are free: `title`, `body`, `contact`, `price`… Rules can be
/// scoped to fields by name (compared case-insensitively).
///
/// ```
/// let ad = redflag::Submission::new()
///     .section("jobs")
///     .field("title", "Warehouse staff")
///     .field("body", "Day shifts, paid weekly.");
/// assert_eq!(ad.fields().count(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Submission {
    section: Option<String>,
    fields: Vec<(String, String)>,
}

impl Submission {
    /// An empty submission with no section.
    pub fn new() -> Submission {
        Submission::default()
    }

    /// Sets the section (`jobs`, `adult`, `personals`, `services`,
    /// `housing`, `for-sale`, `community`, or another name for one of them
    /// listed in [`SECTION_ALIASES`](crate::SECTION_ALIASES), such
    /// as `dating` or `employment`). Any other section is screened as if
    /// none was given: by the unscoped rules and the rules of the offers
    /// read from the text.
    pub fn section(mut self, section: impl Into<String>) -> Submission {
        self.section = Some(section.into());
        self
    }

    /// Adds a text field.
    pub fn field(mut self, name: impl Into<String>, text: impl Into<String>) -> Submission {
        self.fields.push((name.into(), text.into()));
        self
    }

    /// The section, if set.
    pub fn get_section(&self) -> Option<&str> {
        self.section.as_deref()
    }

    /// The fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// Reads the JSON Lines contract: an object whose optional `section` is
    /// a string and whose every other string member (except `id`) is a field.
    /// Members of other types are ignored, except `section` and `id`,
    /// which are checked.
    ///
    /// ```
    /// let v: serde_json::Value = serde_json::from_str(
    ///     r#"{"id": 7, "section": "jobs", "title": "Cook", "body": "Kitchen work", "price": 12}"#).unwrap();
    /// let ad = redflag::Submission::from_json(&v).unwrap();
    /// assert_eq!(ad.get_section(), Some("jobs"));
    /// let mut names: Vec<&str> = ad.fields().map(|f| f.0).collect();
    /// names.sort_unstable();
    /// assert_eq!(names, ["body", "title"]); // `id` and the number are not fields
    /// ```
    pub fn from_json(value: &Value) -> Result<Submission, Error> {
        let Value::Object(map) = value else {
            return Err(Error::Submission(format!(
                "expected a JSON object, got {}",
                kind(value)
            )));
        };
        Submission::from_map(map)
    }

    fn from_map(map: &Map<String, Value>) -> Result<Submission, Error> {
        let mut s = Submission::new();
        for (k, v) in map {
            match (k.as_str(), v) {
                ("id", _) => {}
                ("section", Value::String(x)) => s.section = Some(x.clone()),
                ("section", Value::Null) => {}
                ("section", other) => {
                    return Err(Error::Submission(format!(
                        "`section` must be a string, got {}",
                        kind(other)
                    )))
                }
                (_, Value::String(x)) => s.fields.push((k.clone(), x.clone())),
                _ => {}
            }
        }
        Ok(s)
    }

    /// Total bytes of text in all fields.
    pub fn text_len(&self) -> usize {
        self.fields.iter().map(|(_, t)| t.len()).sum()
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
