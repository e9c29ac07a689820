//! Which of the packs' languages a submission is written in.
//!
//! Spanish and Portuguese share much of their vocabulary, and French,
//! Spanish and Portuguese share words with English ("agencia", "taxa",
//! "documents"), so a language pack's terms can match text in another
//! language: "não cobra taxa" read by the Spanish fee rule, or "presa"
//! (Portuguese: confined; Spanish: a dam). A pack that names its languages
//! therefore runs only on text in one of them.
//!
//! The detector counts function words, the short words every sentence of a
//! language has and few other languages use (articles, prepositions,
//! pronouns, auxiliaries), in the matching form of every field. A language
//! is present when it has at least two such words and at least a quarter of
//! the count of the most frequent language, so a Spanish ad quoting an
//! English phrase is Spanish and English. When the text has fewer than three
//! function words in all (a terse listing, a title alone) it cannot be told,
//! and every language counts as present: a pack is never switched off by a
//! guess.
//!
//! ```text
//! "no cobramos ningún cargo a los candidatos"   → es
//! "a agência não cobra taxa da au pair"         → pt
//! "WAREHOUSE JOBS. FEE 300"                      → (cannot tell: all)
//! ```

/// Bit per language the detector knows, in [`LANGS`] order.
pub(crate) const LANGS: [&str; 4] = ["en", "es", "fr", "pt"];

/// Every language: the mask used when the text cannot be told.
pub(crate) const ALL: u8 = (1 << LANGS.len()) - 1;

/// Function words of each language, as they read in the matching form
/// (lowercase, accents folded). Words two of these languages share
/// ("a", "de", "que", "la", "no", "para", "por", "con", "en") are left out:
/// they tell nothing.
const WORDS: [&[&str]; 4] = [
    // English
    &[
        "the", "and", "of", "to", "is", "are", "you", "your", "we", "our", "with", "for", "will",
        "be", "this", "that", "have", "has", "from", "at", "it", "they", "their", "an", "or",
        "not", "all", "if", "can", "who", "my", "she", "her", "i", "in", "on", "by", "must",
        "after", "before",
    ],
    // Spanish
    &[
        "el", "los", "las", "del", "y", "es", "muy", "pero", "usted", "hay", "sus", "su", "al",
        "lo", "nosotros", "ustedes", "tiene", "tienes", "somos", "estamos", "puedes", "sin",
        "cuando", "donde", "solo", "hasta", "nuestra", "nuestro", "nuestras", "nuestros", "ellas",
        "ellos", "pasaje", "sueldo", "trabajo", "mi",
    ],
    // French
    &[
        "le", "les", "des", "du", "et", "est", "une", "pour", "avec", "vous", "nous", "sur",
        "dans", "au", "aux", "ce", "qui", "pas", "sont", "votre", "vos", "notre", "je", "il",
        "elle", "ils", "elles", "mais", "leur", "leurs", "sans", "chez", "etre", "avoir",
        "salaire", "par", "pendant", "l", "d", "qu", "n",
    ],
    // Portuguese
    &[
        "os", "da", "dos", "das", "e", "nao", "voce", "voces", "um", "uma", "em", "na", "nas",
        "ao", "aos", "sao", "mais", "muito", "pelo", "pela", "seu", "sua", "seus", "suas", "ele",
        "ela", "eles", "elas", "tambem", "ate", "pra", "tem", "fica", "ficam", "trabalho",
        "salario", "nosso", "nossa", "eu",
    ],
];

/// The languages `texts` (matching forms) are written in, as a bit mask over
/// [`LANGS`]; `None` when it cannot be told (then every pack runs).
/// Every word of [`WORDS`] once, sorted, with the languages it belongs to
/// (bit `l` for `LANGS[l]`): one binary search per word of the text.
fn table() -> &'static [(&'static str, u8)] {
    static TABLE: std::sync::OnceLock<Vec<(&'static str, u8)>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(&'static str, u8)> = Vec::new();
        for (l, words) in WORDS.iter().enumerate() {
            for &w in *words {
                t.push((w, 1 << l));
            }
        }
        t.sort_unstable();
        let mut merged: Vec<(&'static str, u8)> = Vec::with_capacity(t.len());
        for (w, m) in t {
            match merged.last_mut() {
                Some(last) if last.0 == w => last.1 |= m,
                _ => merged.push((w, m)),
            }
        }
        merged
    })
}

pub(crate) fn detect<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<u8> {
    let mut counts = [0u32; 4];
    let table = table();
    for text in texts {
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.is_empty() || word.len() > 9 {
                continue;
            }
            if let Ok(k) = table.binary_search_by(|(w, _)| (*w).cmp(word)) {
                let mask = table[k].1;
                for (l, n) in counts.iter_mut().enumerate() {
                    *n += u32::from(mask >> l & 1);
                }
            }
        }
    }
    let total: u32 = counts.iter().sum();
    let best = counts.iter().copied().max().unwrap_or(0);
    if total < 3 || best < 2 {
        return None;
    }
    let mut mask = 0u8;
    for (l, &n) in counts.iter().enumerate() {
        if n >= 2 && n * 4 >= best {
            mask |= 1 << l;
        }
    }
    (mask != 0).then_some(mask)
}

/// The mask of a pack's `languages`: 0 (every submission) when the list is
/// empty or names a language the detector does not know, since such a pack
/// must never be switched off by a detector that cannot see its language.
pub(crate) fn pack_mask(languages: &[String]) -> u8 {
    let mut mask = 0u8;
    for l in languages {
        let code = l.trim().to_ascii_lowercase();
        let code = code.split(['-', '_']).next().unwrap_or("");
        match LANGS.iter().position(|k| *k == code) {
            Some(b) => mask |= 1 << b,
            None => return 0,
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    fn langs(text: &str) -> Vec<&'static str> {
        let n = normalize(text);
        let m = detect([n.as_str()]).unwrap_or(ALL);
        LANGS
            .iter()
            .enumerate()
            .filter(|&(b, _)| m & (1 << b) != 0)
            .map(|(_, l)| *l)
            .collect()
    }

    #[test]
    fn tells_the_four_languages_apart() {
        assert_eq!(
            langs("No cobramos ningún cargo a los candidatos y el pasaje lo paga la empresa."),
            ["es"]
        );
        assert_eq!(
            langs("A agência não cobra taxa da au pair, e o quarto é dela."),
            ["pt"]
        );
        assert_eq!(
            langs("Les passeports sont conservés par l'entreprise pendant la mission."),
            ["fr"]
        );
        assert_eq!(
            langs("Your passport will be kept by the company for the whole contract."),
            ["en"]
        );
    }

    #[test]
    fn short_or_mixed_text_keeps_every_language_that_is_there() {
        // Too few function words to tell: every pack runs.
        assert_eq!(langs("WAREHOUSE JOBS. FEE 300 USD"), LANGS);
        assert_eq!(langs(""), LANGS);
        // A Spanish ad quoting English keeps both.
        let both = langs("Trabajo en el campo, pago semanal y todo incluido. Apply with your CV to the office and we call you.");
        assert!(both.contains(&"es") && both.contains(&"en"), "{both:?}");
    }

    #[test]
    fn pack_masks() {
        assert_eq!(pack_mask(&["es".into()]), 0b0010);
        assert_eq!(pack_mask(&["pt-BR".into(), "pt_PT".into()]), 0b1000);
        assert_eq!(pack_mask(&[]), 0);
        // A language the detector cannot see never switches the pack off.
        assert_eq!(pack_mask(&["es".into(), "ro".into()]), 0);
    }
}
