//! Hash lists: PDQ hashes of known pictures, each with a label.

use super::{ImageError, ImageHash, PdqHash, Transform};

/// A list of PDQ hashes of known pictures, each with a label (a case
/// number, a list name): what an image is matched against.
///
/// The text format, one entry per line: 64 hex digits, then optionally a
/// comma, a tab or spaces and a label (the rest of the line). Blank lines
/// and lines starting with `#` are skipped. A line whose first field is not
/// a hash is an error with its line number, so a damaged list is never
/// half-read. The comma form reads the `hash,quality` and `hash,id` CSV
/// exports of PDQ tools (the rest of the line becomes the label).
///
/// ```
/// use redflag::images::HashList;
/// let list = HashList::parse("# case 12\n\
///     f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 case-12 photo 1\n\
///     e64cc9d91e623842f8d1f1d9a398e78c9f199a3bd87924f2b7e11e0bf061b064,99\n").unwrap();
/// assert_eq!(list.len(), 2);
/// let err = HashList::parse("beef\n").unwrap_err();
/// assert_eq!(err.to_string(), "line 1: \"beef\" is not 64 hex digits");
/// ```
#[derive(Clone, Debug, Default)]
pub struct HashList {
    entries: Vec<(PdqHash, String)>,
}

/// One listed hash within the threshold of an image's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match<'a> {
    /// The listed hash.
    pub hash: PdqHash,
    /// Its label (empty when the list gives none).
    pub label: &'a str,
    /// Bits that differ (0 to the threshold).
    pub distance: u32,
    /// Under which rotation or mirroring of the image it matched (the
    /// nearest, `Original` when it matched as it is).
    pub transform: Transform,
}

impl HashList {
    /// An empty list.
    ///
    /// ```
    /// assert!(redflag::images::HashList::new().is_empty());
    /// ```
    pub fn new() -> HashList {
        HashList::default()
    }

    /// Reads a list in the text format above.
    pub fn parse(text: &str) -> Result<HashList, ImageError> {
        let mut list = HashList::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let end = line
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(line.len());
            let hash: PdqHash = line[..end].parse().map_err(|_| ImageError::List {
                line: i + 1,
                message: format!("{:?} is not 64 hex digits", &line[..end]),
            })?;
            let rest = line[end..].trim_start_matches(',').trim();
            list.push(hash, rest);
        }
        Ok(list)
    }

    /// Adds a hash with its label.
    ///
    /// ```
    /// use redflag::images::{HashList, PdqHash};
    /// let mut list = HashList::new();
    /// list.push(PdqHash::from_bytes([7; 32]), "seen in case 4");
    /// assert_eq!(list.find_hash(&PdqHash::from_bytes([7; 32]), 0)[0].label, "seen in case 4");
    /// ```
    pub fn push(&mut self, hash: PdqHash, label: &str) {
        self.entries.push((hash, label.to_owned()));
    }

    /// The entries, in list order: each hash with its label.
    ///
    /// ```
    /// let list = redflag::images::HashList::parse(&format!("{} a label\n", "0".repeat(64))).unwrap();
    /// let (hash, label) = list.entries().next().unwrap();
    /// assert_eq!((hash.to_string(), label), ("0".repeat(64), "a label"));
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = (&PdqHash, &str)> + '_ {
        self.entries.iter().map(|(h, l)| (h, l.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry within `threshold` bits of `hash`, nearest first (ties in
    /// list order). A linear scan: four 64-bit XOR and popcounts an entry,
    /// a few milliseconds for a million hashes.
    ///
    /// ```
    /// use redflag::images::{HashList, PdqHash, DEFAULT_THRESHOLD};
    /// let listed = PdqHash::from_bytes([0x55; 32]);
    /// let mut list = HashList::new();
    /// list.push(listed, "x");
    /// let mut near = [0x55; 32];
    /// near[0] = 0x54; // one bit off
    /// assert_eq!(list.find_hash(&PdqHash::from_bytes(near), DEFAULT_THRESHOLD)[0].distance, 1);
    /// assert!(list.find_hash(&PdqHash::from_bytes([0xaa; 32]), DEFAULT_THRESHOLD).is_empty());
    /// ```
    pub fn find_hash(&self, hash: &PdqHash, threshold: u32) -> Vec<Match<'_>> {
        self.find_variants(&[(Transform::Original, *hash)], threshold)
    }

    /// Every entry within `threshold` bits of an image; with `dihedral`,
    /// also of the image turned or mirrored ([`ImageHash::variants`]), each
    /// entry reported once with its nearest variant.
    pub fn find(&self, image: &ImageHash, threshold: u32, dihedral: bool) -> Vec<Match<'_>> {
        if dihedral {
            self.find_variants(&image.variants(), threshold)
        } else {
            self.find_hash(&image.hash, threshold)
        }
    }

    fn find_variants(&self, variants: &[(Transform, PdqHash)], threshold: u32) -> Vec<Match<'_>> {
        let mut out: Vec<Match<'_>> = Vec::new();
        for (hash, label) in &self.entries {
            let best = variants
                .iter()
                .map(|(t, v)| (v.distance(hash), *t))
                .min_by_key(|(d, _)| *d);
            if let Some((distance, transform)) = best.filter(|(d, _)| *d <= threshold) {
                out.push(Match {
                    hash: *hash,
                    label,
                    distance,
                    transform,
                });
            }
        }
        out.sort_by_key(|m| m.distance);
        out
    }
}
