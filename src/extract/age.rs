//! Stated ages.
//!
//! The classic forms ("19yo", "21 y/o", "22 years old", "age: 17", "tengo
//! 17 años", "j'ai 18 ans") are read by [`super::amount::ages`]. This module
//! adds the other ways an ad states an age, and takes back the classic
//! readings whose context makes them a duration, a requirement, a past age
//! or somebody else's age (a child's, a building's):
//!
//! - first person without a unit: "I'm 16", "i am seventeen", "tengo 15",
//!   "j'ai 16", "eu tenho 16" (only a number of 10 to 99 followed by the end
//!   of the clause or a word that cannot be a unit: "I'm 20 minutes away"
//!   is not an age);
//! - "N+" under 18 next to a person or age word ("girls 16+", "all ages
//!   16+"): the lower end, N;
//! - ranges that start at 12 to 17 next to a person, age or unit word ("girls
//!   15-22", "de 16 a 22 años", "aged 16 to 20", "entre 15 y 19 años"): the
//!   lower bound;
//! - birth years ("born in 2009", "nacida en 2009", "née en 2009", "nascida
//!   em 2009"): [`REFERENCE_YEAR`] minus the year;
//! - school years that fix an age: "in 10th grade" (15), "a 9th grader",
//!   "sophomore in high school" (15), "tercero de secundaria" (14), "1º ano
//!   do ensino médio" (15), "je suis en seconde" (15). A school named
//!   without a year ("high school", "en secundaria", "au collège", "no
//!   ensino médio") gives no number: the packs match those words as terms;
//! - a number with a bare "años", "ans", "anos" or Romanian "ani", read
//!   here so that the words after it are read only to the end of the
//!   clause ("17 años, experiencia en…" is an age), and "seize ans", "once
//!   años" (number words the entity form leaves as words because they are
//!   also ordinary words).

use super::text::{any_in, Text};
use super::{amount, Cand, EntityKind, Taken};
use crate::normalize::table::is_alnum;

/// The year from which an age is computed from a birth year ("born in
/// 2009" is 17). The engine has no clock (it runs in WebAssembly and must
/// give the same verdict for the same text on every machine), so the year
/// is a constant, moved forward with each release.
pub(crate) const REFERENCE_YEAR: u32 = 2026;

/// Words that label an age ("age: 17", "ages 16+").
const AGE_LABELS: &[&str] = &[
    "age", "ages", "aged", "edad", "edades", "idade", "idades", "varsta",
];

/// Words for the people an ad offers: next to "16+" or a range they make
/// it an age.
const PERSON_WORDS: &[&str] = &[
    "girl",
    "girls",
    "boy",
    "boys",
    "teen",
    "teens",
    "ladies",
    "models",
    "chica",
    "chicas",
    "chico",
    "chicos",
    "nina",
    "ninas",
    "joven",
    "jovenes",
    "jovencita",
    "jovencitas",
    "muchacha",
    "muchachas",
    "modelos",
    "menina",
    "meninas",
    "garota",
    "garotas",
    "novinha",
    "novinhas",
    "jovens",
    "fille",
    "filles",
    "garcons",
    "jeune",
    "jeunes",
    "modeles",
];

/// Other words for a person described by an age ("a 17 yo latina").
const PERSON_NOUNS: &[&str] = &[
    "woman", "female", "lady", "latina", "asian", "blonde", "brunette", "escort", "student",
    "virgin", "model", "babe",
];

/// Words for children or things: an age next to them is not the age of
/// the person advertised ("my son's 3 years old", "12 year old son",
/// "niños de 4 a 12 años", "it's 8 years old").
const NOT_A_PERSON: &[&str] = &[
    "son",
    "sons",
    "daughter",
    "daughters",
    "kid",
    "kids",
    "child",
    "children",
    "baby",
    "toddler",
    "students",
    "pupils",
    "hijo",
    "hija",
    "hijos",
    "hijas",
    "ninos",
    "nenes",
    "bebe",
    "alumnos",
    "enfant",
    "enfants",
    "fils",
    "eleves",
    "filho",
    "filha",
    "filhos",
    "filhas",
    "crianca",
    "criancas",
    "alunos",
    "dog",
    "dogs",
    "cat",
    "cats",
    "puppy",
    "perro",
    "chien",
    "cachorro",
    "it",
    "its",
    "laptop",
    "computer",
    "pc",
    "car",
    "bag",
    "house",
    "home",
    "building",
    "edificio",
    "immeuble",
    "predio",
    "construccion",
    "construcao",
    "construction",
    "class",
    "classes",
    "lessons",
    "clases",
    "cours",
    "aulas",
];

/// Nouns that make "N años / ans / anos" near them a duration
/// ("experiencia mínima de 3 años", "Garantía: 3 años", "expérience de 2
/// ans", "antigüedad de 15 años").
const DURATION_NOUNS: &[&str] = &[
    "experiencia",
    "experience",
    "experienta",
    "garantia",
    "garantie",
    "warranty",
    "guarantee",
    "contrato",
    "contrat",
    "contract",
    "antiguedad",
    "anciennete",
    "antiguidade",
    "plazo",
    "prazo",
    "periodo",
    "periode",
    "duree",
    "duracion",
    "duracao",
    "laboral",
    "professionnelle",
    "profissional",
    "carrera",
    "carriere",
    "carreira",
    "trayectoria",
    "mercado",
    "market",
    "empresa",
    "entreprise",
    "company",
    "negocio",
    "business",
];

/// Words just before a number that make it no statement of an age, beyond
/// those of the classic reader: comparisons and requirements.
const NOT_AGE_BEFORE: &[&str] = &[
    "older", "younger", "then", "than", "least", "over", "under", "above", "below", "peste", "sub",
    "cel", "putin",
];

/// Words just before "N años / ans / anos / ani" that make it a duration
/// ("por 2 años", "dès 3 ans", "en 10 años", "acum 5 ani").
const DURATION_BEFORE: &[&str] = &[
    "minima",
    "minimos",
    "minimas",
    "minim",
    "menos",
    "por",
    "partir",
    "des",
    "en",
    "dans",
    "sur",
    "solo",
    "seulement",
    "acum",
    "timp",
    "dupa",
    "pentru",
    "deseable",
    "desejavel",
    "souhaitee",
    "requise",
    "requis",
    "exigee",
    "requerida",
    "exigida",
    "requerido",
    "exigido",
    "comprobable",
    "confirmee",
    "reussie",
    "significative",
    "acreditada",
    "minimum",
    "minimo",
    "maximum",
    "maximo",
    "almenos",
];

/// Words that make an age range or "N+" a requirement for applicants
/// ("you must be 16-24 years old to apply").
const REQUIREMENT: &[&str] = &[
    "must",
    "should",
    "debe",
    "deben",
    "doit",
    "doivent",
    "deve",
    "devem",
    "required",
    "requis",
    "requisito",
    "requisitos",
    "requirement",
    "eligible",
    "elegible",
    "apply",
    "applicants",
    "candidates",
    "candidatos",
    "candidats",
    "postulantes",
];

/// Words after an age range that make it an audience, not people on offer
/// ("16-24 year-old eyes", "the 18-35 market").
const AUDIENCE: &[&str] = &[
    "eyes",
    "audience",
    "audiences",
    "market",
    "demographic",
    "users",
    "readers",
    "viewers",
    "customers",
    "clients",
    "players",
    "public",
    "publico",
    "consumers",
    "fans",
];

/// Words before "I'm" that make it a comparison ("you'd think I'm 16",
/// "playgrounds like I'm 13").
const LIKE: &[&str] = &[
    "like", "think", "thinks", "thought", "feel", "feels", "felt", "look", "looks", "act", "acts",
    "pretend", "parece", "parezco", "pareco",
];

/// Words before that put the age in the past ("when I was 16 years old",
/// "cuando tenía 15 años", "quand j'avais 15 ans").
const PAST: &[&str] = &[
    "was", "were", "when", "back", "used", "cuando", "tenia", "tuve", "era", "fui", "quand",
    "avais", "etais", "etait", "quando", "tinha", "estava", "eram",
];

/// Words right after "N años / ans / anos" that make it a duration or a
/// requirement.
const DURATION_AFTER: &[&str] = &[
    "minimum",
    "minimo",
    "minima",
    "minimos",
    "maximo",
    "maximum",
    "max",
    "min",
    "requis",
    "requise",
    "exigee",
    "exigida",
    "exigido",
    "requerida",
    "requerido",
    "recommandee",
    "recomendada",
    "recomendado",
    "comprobable",
    "comprobables",
    "comprovada",
    "post",
    "garantia",
    "garantie",
    "sector",
    "experiencia",
    "experience",
    "experienta",
    "ago",
    "atras",
    "antes",
    "depuis",
    "desde",
    "de",
    "d",
    "en",
    "of",
    "in",
    "na",
    "no",
    "em",
    "con",
    "com",
    "avec",
    "with",
    "dans",
    "como",
    "as",
    "seguidos",
    "consecutivos",
];

/// Words that may follow a bare first-person number ("I'm 16 and new",
/// "tengo 15, soy…"): anything else ("I'm 20 minutes away", "tengo 2
/// hijos") may be a count.
const AFTER_BARE: &[&str] = &[
    "and", "n", "y", "e", "et", "but", "pero", "mas", "mais", "so", "now", "new", "looking",
    "ready", "here", "im", "i", "soy", "sou", "je", "busco", "procuro", "cherche", "nueva", "nova",
    "nouvelle", "girl", "chica", "menina", "garota", "fille", "lol",
];

/// Words after "and" that make "I'm 16 and over" a requirement.
const AND_MORE: &[&str] = &[
    "over", "up", "older", "above", "plus", "mas", "mais", "more",
];

/// Units after a number that make it an age when the rest agrees.
const UNITS: &[&str] = &[
    "yo", "y", "yrs", "years", "year", "yr", "anos", "ans", "ani", "anitos", "aninhos",
];

/// Words linking a cue to a number ("chicas de 16 a 22", "girls from 15
/// to 20", "between the ages of 15 and 19").
const CONNECTORS: &[&str] = &[
    "de", "entre", "from", "between", "of", "the", "los", "las", "les", "as", "os", "all", "todas",
    "toutes", "todas", "only", "solo",
];

/// Words for "born" before a year.
const BORN: &[&str] = &[
    "born", "nacida", "nacido", "naci", "nacio", "nee", "ne", "nascida", "nascido", "nasci",
    "nasceu",
];

/// Words between "born" and the year ("born in 2009", "nacida en el año
/// 2009", "nascida no ano de 2009").
const BORN_FILLER: &[&str] = &[
    "in", "en", "em", "el", "ano", "year", "the", "of", "no", "do", "de", "l", "an", "annee",
];

/// Organisations are born too ("our company was born in 2010").
const ORGANISATIONS: &[&str] = &[
    "company",
    "business",
    "brand",
    "project",
    "idea",
    "shop",
    "store",
    "restaurant",
    "empresa",
    "negocio",
    "proyecto",
    "marca",
    "tienda",
    "entreprise",
    "societe",
    "projet",
    "marque",
    "boutique",
    "projeto",
    "loja",
    "site",
    "blog",
    "band",
];

/// Words before a school year that make it somebody else's or no age
/// ("teaching 10th grade", "tutoring students in 9th grade").
const TEACHING: &[&str] = &[
    "teach",
    "teaches",
    "teaching",
    "teacher",
    "teachers",
    "tutor",
    "tutors",
    "tutoring",
    "students",
    "pupils",
    "kids",
    "children",
    "son",
    "daughter",
    "profesor",
    "profesora",
    "clases",
    "professeur",
    "cours",
    "professor",
    "professora",
    "aulas",
];

/// Words after "Nth grade" that make it a level, not a year the poster is
/// in ("10th grade math", "5th grade reading level").
const GRADE_AFTER: &[&str] = &[
    "teacher",
    "teachers",
    "level",
    "math",
    "maths",
    "english",
    "science",
    "history",
    "reading",
    "class",
    "classes",
    "curriculum",
    "students",
    "textbook",
    "textbooks",
    "education",
    "equivalent",
    "diploma",
    "certificate",
    "annee",
    "position",
    "place",
    "ligne",
    "rang",
];

/// English ordinals for grades.
const EN_ORDINALS: &[(&str, u32)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("eleventh", 11),
    ("twelfth", 12),
];

/// Spanish and Portuguese ordinals for school years.
const IB_ORDINALS: &[(&str, u32)] = &[
    ("primero", 1),
    ("primer", 1),
    ("primeiro", 1),
    ("segundo", 2),
    ("tercero", 3),
    ("tercer", 3),
    ("terceiro", 3),
    ("cuarto", 4),
    ("quarto", 4),
    ("quinto", 5),
    ("sexto", 6),
    ("septimo", 7),
    ("setimo", 7),
    ("octavo", 8),
    ("oitavo", 8),
    ("nono", 9),
];

/// French classes: (name, age at the start of the school year).
const FR_CLASSES: &[(&str, u32)] = &[
    ("sixieme", 11),
    ("cinquieme", 12),
    ("quatrieme", 13),
    ("troisieme", 14),
    ("seconde", 15),
    ("premiere", 16),
    ("terminale", 17),
];

/// US high-school years: (name, age at the start of the year).
const HS_YEARS: &[(&str, u32)] = &[
    ("freshman", 14),
    ("sophomore", 15),
    ("junior", 16),
    ("senior", 17),
];

/// Reads every stated age: the forms of this module first (they claim
/// their spans), then the classic forms, of which those in a duration,
/// requirement, past or third-party context are dropped.
pub(super) fn ages(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    stated(t, taken, out);
    let from = out.len();
    super::amount::ages(t, taken, out);
    let mut classic = out.split_off(from.min(out.len()));
    classic.retain(|c| c.kind != EntityKind::Age || classic_is_age(t, c.s, c.e));
    out.append(&mut classic);
}

/// The word ending just before `i`, across at most 3 non-word characters
/// and no line break.
fn prev_word(t: &Text<'_>, i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    let mut k = 0;
    while j > 0 && !t.is_word(j - 1) {
        if k >= 3 || t.ch(j - 1) == '\n' {
            return None;
        }
        j -= 1;
        k += 1;
    }
    (j > 0).then(|| (t.word_start_before(j), j))
}

/// The word starting at or after `i`, across at most 3 non-word characters
/// and no line break.
fn next_word(t: &Text<'_>, i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    let mut k = 0;
    while j < t.len() && !t.is_word(j) {
        if k >= 3 || t.ch(j) == '\n' {
            return None;
        }
        j += 1;
        k += 1;
    }
    (j < t.len()).then(|| (j, t.word_end(j)))
}

fn is_in(t: &Text<'_>, w: Option<(usize, usize)>, list: &[&str]) -> bool {
    w.is_some_and(|(s, e)| t.which(s, e, list).is_some())
}

fn value_in(t: &Text<'_>, w: Option<(usize, usize)>, list: &[(&str, u32)]) -> Option<u32> {
    let (s, e) = w?;
    list.iter().find(|(x, _)| t.is(s, e, x)).map(|(_, v)| *v)
}

/// Up to `n` words before `i`, nearest first, within the clause: no
/// crossing of a comma, full stop, semicolon, question or exclamation mark
/// or line break.
fn clause_words_before(t: &Text<'_>, i: usize, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut j = i;
    while out.len() < n {
        while j > 0 && !t.is_word(j - 1) {
            if matches!(t.ch(j - 1), ',' | '.' | ';' | '!' | '?' | '\n') {
                return out;
            }
            j -= 1;
        }
        if j == 0 {
            break;
        }
        let s = t.word_start_before(j);
        out.push(t.string(s, j));
        j = s;
    }
    out
}

/// Up to `n` words from `e` on within the clause (no crossing of a comma,
/// full stop, semicolon, question or exclamation mark or line break).
fn clause_words_after(t: &Text<'_>, e: usize, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut j = e;
    while out.len() < n {
        while j < t.len() && !t.is_word(j) {
            if matches!(t.ch(j), ',' | '.' | ';' | '!' | '?' | '\n') {
                return out;
            }
            j += 1;
        }
        if j >= t.len() {
            break;
        }
        let we = t.word_end(j);
        out.push(t.string(j, we));
        j = we;
    }
    out
}

/// Whether a first-person "I am" stands just before the number at `i`
/// ("I'm", "im", "I am", "tengo", "tenho", "j'ai", with "just", "only",
/// "solo" between): the start of the cue.
fn first_person(t: &Text<'_>, i: usize) -> Option<usize> {
    let mut p = prev_word(t, i)?;
    if t.which(
        p.0,
        p.1,
        &["just", "only", "solo", "apenas", "seulement", "que"],
    )
    .is_some()
    {
        p = prev_word(t, p.0)?;
    }
    let q = prev_word(t, p.0);
    let apostrophe = |a: usize, b: usize| b == a + 1 && matches!(t.ch(a), '\'' | '’' | '`' | '´');
    let start = if t
        .which(p.0, p.1, &["im", "tengo", "tenho", "jai"])
        .is_some()
    {
        p.0
    } else {
        match q {
            Some(q) if t.is(p.0, p.1, "am") && t.is(q.0, q.1, "i") => q.0,
            Some(q) if t.is(p.0, p.1, "m") && t.is(q.0, q.1, "i") && apostrophe(q.1, p.0) => q.0,
            Some(q) if t.is(p.0, p.1, "ai") && t.is(q.0, q.1, "j") && apostrophe(q.1, p.0) => q.0,
            _ => return None,
        }
    };
    // "you'd think I'm 16", "like I'm 13", "como si tuviera": comparisons.
    let w0 = prev_word(t, start);
    let w1 = w0.and_then(|w| prev_word(t, w.0));
    let comparison = is_in(t, w0, LIKE)
        || (is_in(t, w0, &["if", "si", "se"]) && is_in(t, w1, &["as", "como", "comme"]));
    (!comparison).then_some(start)
}

/// Whether what follows a bare number at `e` ends the statement: the end
/// of the text or clause, an emoji, or a word of [`AFTER_BARE`].
fn ends_bare(t: &Text<'_>, e: usize) -> bool {
    let c = t.ch(e);
    if t.is_word(e) {
        return false;
    }
    if matches!(c, '.' | ',' | '!' | '?' | ';' | ')') {
        return !t.ch(e + 1).is_ascii_digit();
    }
    if matches!(c, '\0' | '\n') || t.is_emoji(e) {
        return true;
    }
    if c != ' ' {
        return false;
    }
    let j = t.skip_spaces(e, 4);
    if matches!(t.ch(j), '\0' | '\n' | '!' | '?') || t.is_emoji(j) {
        return true;
    }
    if !t.is_word(j) {
        return false;
    }
    let w = (j, t.word_end(j));
    if !is_in(t, Some(w), AFTER_BARE) {
        return false;
    }
    // "I'm 16 and over" states a requirement.
    !(t.which(w.0, w.1, &["and", "y", "e", "et"]).is_some()
        && is_in(t, next_word(t, w.1), AND_MORE))
}

/// The first word before `i` that is not a connector, skipping at most
/// two connectors.
fn cue_before(t: &Text<'_>, i: usize) -> Option<(usize, usize)> {
    let mut p = prev_word(t, i)?;
    for _ in 0..3 {
        if t.which(p.0, p.1, CONNECTORS).is_none() {
            return Some(p);
        }
        p = prev_word(t, p.0)?;
    }
    None
}

/// Whether a person or age word labels the number at `i` from before.
fn labelled_before(t: &Text<'_>, i: usize) -> bool {
    let c = cue_before(t, i);
    is_in(t, c, AGE_LABELS) || is_in(t, c, PERSON_WORDS)
}

/// A unit after a number ending at `e` (glued or after a space): the end
/// of the unit and whether it is "years old", "yo" or "y/o" (an age
/// whatever follows) rather than a bare "años", "ans", "anos", "ani",
/// "years".
fn unit_after(t: &Text<'_>, e: usize) -> Option<(usize, bool)> {
    let j = if t.is_word(e) { e } else { t.skip_spaces(e, 1) };
    let we = t.word_end(j);
    let u = t.which(j, we, UNITS)?;
    let w = UNITS.get(u).copied().unwrap_or("");
    match w {
        "yo" => Some((we, true)),
        "y" if matches!(t.ch(we), '/' | '.') && t.ch(we + 1) == 'o' && !t.is_word(we + 2) => {
            Some((we + 2, true))
        }
        "y" => None,
        "yrs" | "years" | "year" | "yr" => match next_word(t, we) {
            Some((s, oe)) if t.is(s, oe, "old") => Some((oe, true)),
            _ => Some((we, false)),
        },
        _ => Some((we, false)),
    }
}

/// Whether a bare unit ("años", "ans", "anos", "ani") ending at `ue`, after
/// a number starting at `i`, states an age rather than a duration.
fn bare_unit_is_age(t: &Text<'_>, i: usize, ue: usize) -> bool {
    let after = clause_words_after(t, ue, 2);
    let second = |list: &[&str]| after.get(1).is_some_and(|x| list.contains(&x.as_str()));
    let duration = match after.first().map(String::as_str) {
        None => false,
        // "17 años de edad" is an age, "17 años de experiencia" not.
        Some("de") | Some("d") => !second(&["edad", "idade", "age", "varsta"]),
        // "5 años o más", "2 ans ou plus"
        Some("o" | "ou" | "or" | "y" | "e") if second(&["mas", "plus", "mais", "more"]) => true,
        Some(w) => DURATION_AFTER.contains(&w) || gerund(w),
    };
    !duration && context_is_age(t, i, true)
}

/// A Spanish or Portuguese gerund ("liderando", "ejerciendo",
/// "trabalhando"): after "N años" it makes a duration.
fn gerund(w: &str) -> bool {
    w.len() > 5 && (w.ends_with("ando") || w.ends_with("endo") || w.ends_with("indo"))
}

/// Whether the words before a number at `i` leave it an age: no
/// comparison just before, no past tense, and, within the clause, no child
/// or thing nearer than a person word. With `duration` (a bare "años",
/// "ans", "anos", which may count anything), no duration word just before
/// and no duration noun in the clause either.
fn context_is_age(t: &Text<'_>, i: usize, duration: bool) -> bool {
    if first_person(t, i).is_some() {
        return true;
    }
    if t.before(t.skip_spaces_back(i, 2)) == '/' {
        return false;
    }
    let near = t.words_before(i, 2, 3);
    if any_in(&near, NOT_AGE_BEFORE) || (duration && any_in(&near, DURATION_BEFORE)) {
        return false;
    }
    let near = t.words_before(i, 3, 3);
    if any_in(&near, PAST) || any_in(&near, LIKE) || any_in(&near, REQUIREMENT) {
        return false;
    }
    // "depuis près de 20 ans", "hace casi 10 años".
    if duration && any_in(&near, &["depuis", "hace", "ha", "since", "pres", "desde"]) {
        return false;
    }
    // Scraped text may have no punctuation: duration nouns are looked for
    // ten words back ("experiencia comprobada en calificación de riesgo o
    // análisis financiero de 6 años"), children and things six.
    let words = clause_words_before(t, i, 10);
    for (k, w) in words.iter().enumerate() {
        let w = w.as_str();
        if PERSON_WORDS.contains(&w) {
            return true;
        }
        if k < 6 && NOT_A_PERSON.contains(&w) {
            return false;
        }
        if duration && DURATION_NOUNS.contains(&w) {
            // "sin experiencia, 17 años": a negated noun is no duration.
            let negated = words
                .get(k + 1)
                .is_some_and(|x| matches!(x.as_str(), "sin" | "sans" | "sem" | "no" | "without"));
            if !negated {
                return false;
            }
        }
    }
    true
}

/// Whether a classic reading `c[s..e]` is an age in its context.
fn classic_is_age(t: &Text<'_>, s: usize, e: usize) -> bool {
    // Prefix forms ("age: 17", "aged 16", "edad 16") are labelled: keep.
    if !t.ch(s).is_ascii_digit() {
        return true;
    }
    let mut u = s;
    while u < e && !crate::normalize::table::is_alpha(t.ch(u)) {
        u += 1;
    }
    let ue = t.word_end(u);
    if t.which(u, ue, &["anos", "ans", "ani", "anitos", "aninhos"])
        .is_some()
    {
        return bare_unit_is_age(t, s, ue);
    }
    // "12 year old son", "17 years old laptop bag".
    if t.string(s, e).ends_with("old") && is_in(t, next_word(t, e), NOT_A_PERSON) {
        return false;
    }
    context_is_age(t, s, false)
}

/// Adds an age entity over `s..e` unless that span is already claimed.
pub(super) fn push(out: &mut Vec<Cand>, taken: &mut Taken, s: usize, e: usize, age: u32) -> bool {
    if s >= e || taken.overlaps(s, e) {
        return false;
    }
    let mut c = Cand::new(EntityKind::Age, s, e, age.to_string(), 0);
    c.number = Some(f64::from(age));
    taken.add(s, e);
    out.push(c);
    true
}

/// Digits at `i` (1 to 4 of them, standing alone on the left): (end,
/// value).
fn digits_at(t: &Text<'_>, i: usize) -> Option<(usize, u32)> {
    if !t.ch(i).is_ascii_digit() || is_alnum(t.before(i)) {
        return None;
    }
    let mut e = i;
    while t.ch(e).is_ascii_digit() {
        e += 1;
    }
    if e - i > 4 {
        return None;
    }
    Some((e, t.string(i, e).parse().ok()?))
}

/// The forms of this module, in text order.
fn stated(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if taken.contains(i) || !t.is_word(i) || is_alnum(t.before(i)) {
            i += 1;
            continue;
        }
        let we = t.word_end(i);
        if let Some((ne, v)) = digits_at(t, i) {
            let ranged = if ne - i <= 2 {
                range(t, i, ne, v)
            } else {
                None
            };
            if ne - i <= 2 && ranged.is_none() {
                if let Some((he, _)) = range_syntax(t, i, ne) {
                    // A range that states no age: its upper bound is no
                    // age either ("must be 16-24 years old", "18-25 yo").
                    if let Some((ue, _)) = unit_after(t, he) {
                        taken.add(i, ue);
                    }
                    i = he;
                    continue;
                }
            }
            let found = if ne - i == 4 {
                birth_year(t, i, ne, v)
            } else if ne - i <= 2 {
                ranged
                    .or_else(|| plus(t, i, ne, v))
                    .or_else(|| school_digits(t, i, ne, v))
                    .or_else(|| first_person_bare(t, i, ne, v))
                    .or_else(|| spelled_at_start(t, i, ne, v))
                    .or_else(|| after_article(t, i, ne, v))
                    .or_else(|| bare_years(t, i, ne, v))
            } else {
                None
            };
            if let Some((s, e, age)) = found {
                if push(out, taken, s, e, age) {
                    i = e;
                    continue;
                }
            }
            i = we.max(i + 1);
            continue;
        }
        if let Some((s, e, age)) = words_form(t, i, we) {
            if push(out, taken, s, e, age) {
                i = e;
                continue;
            }
        }
        i = we.max(i + 1);
    }
}

/// "born in 2009", "nacida en 2009", "née en 2009", "nascida em 2009".
fn birth_year(t: &Text<'_>, i: usize, ne: usize, year: u32) -> Option<(usize, usize, u32)> {
    let age = REFERENCE_YEAR.checked_sub(year)?;
    if !(1..=99).contains(&age) || is_alnum(t.ch(ne)) {
        return None;
    }
    // Not a date or a range ("2009-2012", "2009/10").
    if matches!(t.ch(ne), '-' | '/' | '–') && t.ch(ne + 1).is_ascii_digit() {
        return None;
    }
    let mut p = prev_word(t, i)?;
    for _ in 0..4 {
        if t.which(p.0, p.1, BORN).is_some() {
            break;
        }
        t.which(p.0, p.1, BORN_FILLER)?;
        p = prev_word(t, p.0)?;
    }
    t.which(p.0, p.1, BORN)?;
    // French "né" needs its "en" ("né en 2009"), "ne" being also a negation.
    if t.is(p.0, p.1, "ne") && !is_in(t, next_word(t, p.1), &["en"]) {
        return None;
    }
    let before = t.words_before(p.0, 4, 3);
    if any_in(&before, ORGANISATIONS) || any_in(&before, NOT_A_PERSON) {
        return None;
    }
    Some((p.0, ne, age))
}

/// A range starting under 18 next to a person, age or unit word: "girls
/// 15-22", "de 16 a 22 años", "aged 16 to 20", "entre 15 y 19 años",
/// "14-16 yo". The lower bound.
fn range(t: &Text<'_>, i: usize, ne: usize, low: u32) -> Option<(usize, usize, u32)> {
    let (he, high) = range_syntax(t, i, ne)?;
    // A wide range or one starting in childhood describes a population
    // ("des jeunes de 6 à 20 ans", "kids 3-12"), not people on offer.
    if !(12..18).contains(&low) || high <= low || high - low > 12 {
        return None;
    }
    let before = clause_words_before(t, i, 4);
    if any_in(&before, NOT_A_PERSON) || any_in(&before, PAST) || any_in(&before, REQUIREMENT) {
        return None;
    }
    if let Some((ue, firm)) = unit_after(t, he) {
        if is_in(t, next_word(t, ue), AUDIENCE) {
            return None;
        }
        // "15-20 years" alone may count anything; "girls 15-20 years" not.
        let years = t.string(he, ue).trim_start().starts_with('y');
        let ok = if firm {
            context_is_age(t, i, false)
        } else {
            (!years || labelled_before(t, i)) && bare_unit_is_age(t, i, ue)
        };
        return ok.then_some((i, ue, low));
    }
    if is_alnum(t.ch(he)) {
        return None;
    }
    if labelled_before(t, i) || is_in(t, next_word(t, he), PERSON_WORDS) {
        return Some((i, he, low));
    }
    None
}

/// Two numbers of one or two digits joined as a range at `i` ("15-22", "16
/// a 22", "15 to 20", "15 y 19"), not part of a date or time: the end and
/// value of the upper one.
fn range_syntax(t: &Text<'_>, i: usize, ne: usize) -> Option<(usize, u32)> {
    if is_alnum(t.ch(ne)) {
        return None;
    }
    // Part of a date or a longer run ("2026-12-15", "1/15-17").
    if matches!(t.before(i), '-' | '/' | '–' | '.' | ':') {
        return None;
    }
    let j = t.skip_spaces(ne, 2);
    let k = if matches!(t.ch(j), '-' | '–' | '—' | '~') {
        t.skip_spaces(j + 1, 2)
    } else {
        let w = (j, t.word_end(j));
        t.which(
            w.0,
            w.1,
            &["to", "a", "y", "e", "et", "and", "ate", "hasta", "au"],
        )?;
        t.skip_spaces(w.1, 2)
    };
    let (he, high) = {
        if !t.ch(k).is_ascii_digit() {
            return None;
        }
        let mut e = k;
        while t.ch(e).is_ascii_digit() {
            e += 1;
        }
        if e - k > 2 {
            return None;
        }
        (e, t.string(k, e).parse::<u32>().ok()?)
    };
    // A date, a time or a longer run after it ("15-17/12", "9-17:30").
    if matches!(t.ch(he), '-' | '/' | ':' | '.' | '%' | '–') && t.ch(he + 1).is_ascii_digit() {
        return None;
    }
    Some((he, high))
}

/// "girls 16+", "all ages 16+", "16+ girls": the lower end N, under 18.
fn plus(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    if !(1..18).contains(&v) || t.ch(ne) != '+' || t.ch(ne + 1).is_ascii_digit() {
        return None;
    }
    let before = clause_words_before(t, i, 4);
    if any_in(&before, NOT_A_PERSON) || any_in(&before, REQUIREMENT) {
        return None;
    }
    let after = next_word(t, ne + 1);
    // "models wanted 16+": the people a few words before.
    (labelled_before(t, i) || is_in(t, after, PERSON_WORDS) || any_in(&before, PERSON_WORDS))
        .then_some((i, ne + 1, v))
}

/// "I'm 16", "i am seventeen", "tengo 15", "j'ai 16", "eu tenho 16": a
/// number of 10 to 99 after a first-person cue, ending the statement.
fn first_person_bare(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    if !(10..=99).contains(&v) {
        return None;
    }
    let s = first_person(t, i)?;
    if any_in(&t.words_before(s, 2, 3), PAST) {
        return None;
    }
    // With a unit the classic reader takes it ("I'm 16 yo", "tengo 15 años").
    if unit_after(t, ne).is_some() || !ends_bare(t, ne) {
        return None;
    }
    Some((s, ne, v))
}

/// "seventeen and sweet", "fifteen n curious": a number from 12 to 17
/// spelled in words that opens a field or a sentence and ends the
/// statement the way a bare age does (`ends_bare`). Digits there are
/// prices, times and counts too often; spelled out at the head of an ad
/// they are the poster's age.
fn spelled_at_start(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    if !(12..=17).contains(&v) || t.flags(i, ne) & crate::normalize::F_NUMBER_WORDS == 0 {
        return None;
    }
    let b = t.skip_spaces_back(i, 4);
    let opens = b == 0 || matches!(t.before(b), '\0' | '\n' | '.' | '!' | '?' | '|' | ':');
    (opens && ends_bare(t, ne)).then_some((i, ne, v))
}

/// "a 16 year old", "a 16 yo": the classic reader leaves numbers after
/// "a" alone (Spanish "a" makes ranges and durations, "de 2 a 3 años").
fn after_article(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    if v == 0 || !is_in(t, prev_word(t, i), &["a", "an"]) {
        return None;
    }
    let (ue, firm) = unit_after(t, ne)?;
    if !firm || !context_is_age(t, i, false) {
        return None;
    }
    // The poster's own age ("I'm a 16 year old", "a 17 yo latina"), not
    // a dog's or a child's ("a 4 year old whippet", "as a 13 year old on
    // valorant").
    let a = prev_word(t, i)?;
    let mine = first_person(t, a.0).is_some();
    let next = next_word(t, ue);
    let person = is_in(t, next, PERSON_WORDS) || is_in(t, next, PERSON_NOUNS);
    (mine || person).then_some((i, ue, v))
}

/// A bare unit: "17 años", "chica de 17 años", "17 ans", "de 17 ani"
/// (Romanian, which the classic reader does not know). Read here rather
/// than by the classic reader so that the words after it are read only to
/// the end of the clause ("17 años, experiencia en ventas" is an age).
fn bare_years(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    let j = if t.is_word(ne) {
        ne
    } else {
        t.skip_spaces(ne, 1)
    };
    let we = t.word_end(j);
    if v == 0
        || t.which(j, we, &["anos", "ans", "ani", "anitos", "aninhos"])
            .is_none()
    {
        return None;
    }
    // "15anos2" is a code; "+ de 2 ans", "at least 17 años" are no ages.
    if t.ch(we).is_ascii_digit()
        || t.before(t.skip_spaces_back(i, 1)) == '+'
        || any_in(&t.words_before(i, 2, 3), amount::NOT_AGE_BEFORE)
        || !bare_unit_is_age(t, i, we)
    {
        return None;
    }
    // "17 años de edad"
    let after = clause_words_after(t, we, 2);
    let labelled = after.first().is_some_and(|w| w == "de" || w == "d")
        && after
            .get(1)
            .is_some_and(|w| matches!(w.as_str(), "edad" | "idade" | "age" | "varsta"));
    let end = if labelled {
        next_word(t, we)
            .and_then(|w| next_word(t, w.1))
            .map_or(we, |w| w.1)
    } else {
        we
    };
    Some((i, end, v))
}

/// School years written with digits: "in 10th grade", "a 9th grader", "in
/// grade 10", "3º de secundaria", "2º ano do ensino médio", "je suis en
/// 3e", "en 2nde".
fn school_digits(t: &Text<'_>, i: usize, ne: usize, v: u32) -> Option<(usize, usize, u32)> {
    let we = t.word_end(i);
    let suffix = t.string(ne, we);
    // "in grade 10"
    if we == ne && (1..=12).contains(&v) && !matches!(t.ch(ne), '-' | '/' | '–' | '.') {
        let g = prev_word(t, i).filter(|g| t.is(g.0, g.1, "grade"));
        let p = g.and_then(|g| prev_word(t, g.0));
        if let Some(p) = p.filter(|p| t.is(p.0, p.1, "in")) {
            if grade_context_ok(t, p.0, ne) {
                return Some((p.0, ne, v + 5));
            }
        }
    }
    // "10th grade", "9th grader"
    if matches!(suffix.as_str(), "th" | "st" | "nd" | "rd") && (1..=12).contains(&v) {
        let g = next_word(t, we)?;
        if t.is(g.0, g.1, "grader") {
            return grade_context_ok(t, i, g.1).then_some((i, g.1, v + 5));
        }
        if t.is(g.0, g.1, "grade") {
            let mut p = prev_word(t, i);
            if is_in(t, p, &["the"]) {
                p = prev_word(t, p?.0);
            }
            let p = p.filter(|p| t.is(p.0, p.1, "in"))?;
            return grade_context_ok(t, p.0, g.1).then_some((p.0, g.1, v + 5));
        }
        return None;
    }
    // "3º de secundaria", "3ro de secundaria", "2º ano do ensino médio",
    // "1a série do ensino médio".
    let ordinal = matches!(
        suffix.as_str(),
        "" | "o" | "a" | "er" | "ero" | "ro" | "do" | "to" | "vo" | "mo" | "no"
    );
    if ordinal {
        let k = if t.ch(we) == '°' { we + 1 } else { we };
        if let Some(r) = iberian_school(t, i, k, v) {
            return Some(r);
        }
    }
    // "je suis en 3e", "en 2nde", "en 1ère"
    let fr = match suffix.as_str() {
        "e" | "eme" if (2..=6).contains(&v) => Some(17 - v),
        "nde" | "de" if v == 2 => Some(15),
        "ere" | "re" if v == 1 => Some(16),
        _ => None,
    }?;
    let s = french_class_cue(t, i)?;
    if is_in(t, next_word(t, we), GRADE_AFTER) {
        return None;
    }
    Some((s, we, fr))
}

/// After an ordinal N ending at `k`: "(año|grado|curso) de (la)
/// secundaria|eso" (age 11 + N) or "(ano|série) do (ensino) médio" (14 +
/// N) or "… fundamental" (5 + N).
fn iberian_school(t: &Text<'_>, s: usize, k: usize, n: u32) -> Option<(usize, usize, u32)> {
    let mut w = next_word(t, k)?;
    if t.which(w.0, w.1, &["ano", "grado", "curso", "serie"])
        .is_some()
    {
        w = next_word(t, w.1)?;
    }
    t.which(w.0, w.1, &["de", "do", "da"])?;
    w = next_word(t, w.1)?;
    if t.which(w.0, w.1, &["la", "ensino"]).is_some() {
        w = next_word(t, w.1)?;
    }
    let age = if t.which(w.0, w.1, &["secundaria", "eso"]).is_some() && (1..=6).contains(&n) {
        11 + n
    } else if t.is(w.0, w.1, "medio") && (1..=3).contains(&n) {
        14 + n
    } else if t.is(w.0, w.1, "fundamental") && (1..=9).contains(&n) {
        5 + n
    } else {
        return None;
    };
    grade_context_ok(t, s, w.1).then_some((s, w.1, age))
}

/// "je suis en", "jsuis en", "en classe de", "élève de / en" before a
/// French class at `i`: the start of the cue.
fn french_class_cue(t: &Text<'_>, i: usize) -> Option<usize> {
    let p = prev_word(t, i)?;
    let q = prev_word(t, p.0)?;
    let cue = (t.is(p.0, p.1, "en") && t.which(q.0, q.1, &["suis", "jsuis", "eleve"]).is_some())
        || (t.is(p.0, p.1, "de") && t.which(q.0, q.1, &["classe", "eleve"]).is_some());
    (cue && !any_in(&t.words_before(q.0, 3, 3), PAST)).then_some(q.0)
}

/// Whether a school year `c[s..e]` is the poster's: no teaching or
/// children's context before, no subject or level after, not in the past.
fn grade_context_ok(t: &Text<'_>, s: usize, e: usize) -> bool {
    let before = t.words_before(s, 4, 3);
    !any_in(&before, TEACHING)
        && !any_in(&before, PAST)
        && !any_in(&before, NOT_A_PERSON)
        && !is_in(t, next_word(t, e), GRADE_AFTER)
}

/// Forms that start with a word: "tenth grade", "sophomore in high
/// school", "high school junior", "tercero de secundaria", "segundo ano do
/// ensino médio", "je suis en seconde", "seize ans", "tengo once años".
fn words_form(t: &Text<'_>, s: usize, e: usize) -> Option<(usize, usize, u32)> {
    let w = Some((s, e));
    if e - s < 4 || e - s > 9 {
        return None;
    }
    // Weak number words: "seize ans", "once años".
    let weak = if t.is(s, e, "seize") {
        Some(16)
    } else if t.is(s, e, "once") {
        Some(11)
    } else {
        None
    };
    if let Some(v) = weak {
        let u = next_word(t, e)?;
        t.which(u.0, u.1, &["ans", "anos"])?;
        return bare_unit_is_age(t, s, u.1).then_some((s, u.1, v));
    }
    // "tenth grade", "a ninth grader"
    if let Some(n) = value_in(t, w, EN_ORDINALS) {
        let g = next_word(t, e)?;
        if t.is(g.0, g.1, "grader") {
            return grade_context_ok(t, s, g.1).then_some((s, g.1, n + 5));
        }
        if !t.is(g.0, g.1, "grade") {
            return None;
        }
        let mut p = prev_word(t, s);
        if is_in(t, p, &["the"]) {
            p = prev_word(t, p?.0);
        }
        let p = p.filter(|p| t.is(p.0, p.1, "in"))?;
        return grade_context_ok(t, p.0, g.1).then_some((p.0, g.1, n + 5));
    }
    // "sophomore in high school", "high school junior"
    if let Some(age) = value_in(t, w, HS_YEARS) {
        let a = next_word(t, e);
        if is_in(t, a, &["in"]) {
            let (end, ok) = high_school_after(t, a?.1);
            if ok {
                return grade_context_ok(t, s, end).then_some((s, end, age));
            }
        }
        let p = prev_word(t, s)?;
        let hs = if t.is(p.0, p.1, "highschool") {
            Some(p.0)
        } else if t.is(p.0, p.1, "school") {
            prev_word(t, p.0)
                .filter(|q| t.is(q.0, q.1, "high"))
                .map(|q| q.0)
        } else {
            None
        }?;
        // "high school seniors" is a group; "senior year" may be past.
        if is_in(t, next_word(t, e), &["year", "discount", "prom", "class"]) {
            return None;
        }
        return grade_context_ok(t, hs, e).then_some((hs, e, age));
    }
    // "tercero de secundaria", "segundo ano do ensino médio"
    if let Some(n) = value_in(t, w, IB_ORDINALS) {
        return iberian_school(t, s, e, n);
    }
    // "je suis en seconde"
    if let Some(age) = value_in(t, w, FR_CLASSES) {
        let cue = french_class_cue(t, s)?;
        if is_in(t, next_word(t, e), GRADE_AFTER) {
            return None;
        }
        return Some((cue, e, age));
    }
    None
}

/// "high school" or "highschool" at or after `i`: (end, found).
fn high_school_after(t: &Text<'_>, i: usize) -> (usize, bool) {
    let Some(h) = next_word(t, i) else {
        return (i, false);
    };
    if t.is(h.0, h.1, "highschool") {
        return (h.1, true);
    }
    if t.is(h.0, h.1, "high") {
        if let Some(sc) = next_word(t, h.1).filter(|sc| t.is(sc.0, sc.1, "school")) {
            return (sc.1, true);
        }
    }
    (i, false)
}

#[cfg(test)]
mod tests {
    use super::super::{find, EntityKind};

    /// The ages found in `text`.
    fn ages(text: &str) -> Vec<u32> {
        find(text)
            .into_iter()
            .filter(|f| f.kind == EntityKind::Age)
            .filter_map(|f| f.number.map(|n| n as u32))
            .collect()
    }

    fn check(cases: &[(&str, &[u32])]) {
        let mut wrong = Vec::new();
        for (text, want) in cases {
            let got = ages(text);
            if got != *want {
                wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    }

    #[test]
    fn first_person_without_a_unit() {
        check(&[
            ("im 16", &[16]),
            ("i'm 16", &[16]),
            ("I’m 16 and new here", &[16]),
            ("I am 17.", &[17]),
            ("I'm sixteen", &[16]),
            ("hi, im just 15 😘", &[15]),
            ("tengo 15", &[15]),
            ("Tengo quince, soy nueva", &[15]),
            ("yo tengo 17 y busco", &[17]),
            ("j'ai 16", &[16]),
            ("J’ai seize ans", &[16]),
            ("eu tenho 16", &[16]),
            ("tenho 16 anos", &[16]),
            ("tengo once años", &[11]),
            ("I'm a 16 year old girl", &[16]),
            ("a 17 yo latina", &[17]),
            ("I am a 15 y/o", &[15]),
            // Units still read by the classic forms.
            ("I'm 16 yo", &[16]),
            ("tengo 17 años", &[17]),
        ]);
    }

    #[test]
    fn first_person_counts_and_measures_are_not_ages() {
        check(&[
            ("I'm 20 minutes from downtown", &[]),
            ("im 16 miles away", &[]),
            ("I am 5'4", &[]),
            ("I'm 24/7 available", &[]),
            ("I am 100% real", &[]),
            ("I'm one of a kind", &[]),
            ("tengo 15 minutos", &[]),
            ("tengo 2 hijos", &[]),
            ("tengo 10 fotos nuevas", &[]),
            ("j'ai 16 photos", &[]),
            ("eu tenho 16 fotos", &[]),
            ("tengo 17 años de experiencia", &[]),
            ("I'm 18 and over", &[]),
            ("17 n ready", &[]),
            ("once a week", &[]),
            ("seize the day", &[]),
            ("when I was 16 years old I moved here", &[]),
            ("cuando tenía 15 años empecé", &[]),
            ("quand j'avais 15 ans", &[]),
        ]);
    }

    #[test]
    fn unit_forms() {
        check(&[
            ("16yo", &[16]),
            ("16 y/o", &[16]),
            ("16 yrs old", &[16]),
            ("age: seventeen", &[17]),
            ("de 17 ani", &[17]),
            ("fata 16 ani, noua", &[16]),
        ]);
        check(&[("17 ani de experienta", &[]), ("acum 5 ani", &[])]);
    }

    #[test]
    fn plus_under_18_next_to_a_person() {
        check(&[
            ("girls 16+", &[16]),
            ("models wanted 16+", &[16]),
            ("girls welcome 16+", &[16]),
            ("all ages 16+", &[16]),
            ("16+ girls available", &[16]),
            ("chicas 15+", &[15]),
            ("meninas 16+", &[16]),
            ("filles 16+", &[16]),
        ]);
        check(&[
            ("18+ only", &[]),
            ("girls 18+", &[]),
            ("16+ rooms", &[]),
            ("15+ years of experience", &[]),
            ("must be 16+ to apply", &[]),
            ("kids 5+ welcome", &[]),
            ("- 9+ Years Old", &[]),
        ]);
    }

    #[test]
    fn spelled_ages_that_open_an_ad() {
        check(&[
            ("seventeen and sweet", &[17]),
            ("Fifteen n curious, new in town", &[15]),
            ("New here. Sixteen and ready", &[16]),
            ("diecisiete y nueva", &[17]),
        ]);
        check(&[
            ("fifteen minutes from downtown", &[]),
            ("seventeen roses for an hour", &[]),
            ("17 and sweet", &[]),
            ("we have twelve and a half acres", &[]),
            ("Twenty and sweet", &[]),
        ]);
    }

    #[test]
    fn ranges_that_start_under_18() {
        check(&[
            ("girls 15-22", &[15]),
            ("14-16 yo", &[14]),
            ("de 16 a 22 años", &[16]),
            ("chicas de 16 a 22", &[16]),
            ("15 a 17 anos", &[15]),
            ("aged 16 to 20", &[16]),
            ("entre 15 y 19 años", &[15]),
            ("between the ages of 15 and 19", &[15]),
            ("filles de 16 à 20 ans", &[16]),
            ("age 16-18", &[16]),
            ("girls 15 – 20 years", &[15]),
        ]);
        check(&[
            ("open 9-17", &[]),
            ("15-20 minutes", &[]),
            ("Mon-Fri 9-17", &[]),
            ("ages 18-25", &[]),
            ("Age 18-35 preferred", &[]),
            ("de 2 a 3 años de experiencia", &[]),
            ("15-20 years in business", &[]),
            ("horario de 9 a 17 hs", &[]),
            ("niños de 4 a 12 años", &[]),
            ("kids 3-12 years old welcome", &[]),
            ("des jeunes de 6 à 20 ans", &[]),
            ("les jeunes (12 à 25 ans)", &[]),
            ("you must be 16-24 years old to apply", &[]),
            ("millions of 16-24 year-old eyes", &[]),
            ("Expérience souhaitée\n2 à 5 ans", &[]),
            ("2026-12-15", &[]),
            ("15-17/12", &[]),
        ]);
    }

    #[test]
    fn birth_years() {
        let y = super::REFERENCE_YEAR;
        let want = y - 2009;
        check(&[
            ("born in 2009", &[want]),
            ("Born 2010, new in town", &[y - 2010]),
            ("nacida en 2009", &[want]),
            ("nacida en el año 2009", &[want]),
            ("née en 2009", &[want]),
            ("nascida em 2009", &[want]),
            ("born in 1990", &[y - 1990]),
        ]);
        check(&[
            ("founded in 2009", &[]),
            ("our company was born in 2010", &[]),
            ("my son was born in 2015", &[]),
            ("in 2009 I moved", &[]),
            ("born in 1900", &[]),
            ("born in 2031", &[]),
            ("ne 2009", &[]),
            ("born 2009-2012", &[]),
        ]);
    }

    #[test]
    fn school_years_that_fix_an_age() {
        check(&[
            ("in 10th grade", &[15]),
            ("I'm in 9th grade", &[14]),
            ("im in the 11th grade", &[16]),
            ("a 10th grader", &[15]),
            ("in grade 10", &[15]),
            ("in tenth grade", &[15]),
            ("sophomore in high school", &[15]),
            ("I'm a junior in highschool", &[16]),
            ("high school senior, new", &[17]),
            ("en tercero de secundaria", &[14]),
            ("3ro de secundaria", &[14]),
            ("3° de secundaria", &[14]),
            ("1º ano do ensino médio", &[15]),
            ("segundo ano do ensino médio", &[16]),
            ("9º ano do fundamental", &[14]),
            ("je suis en seconde", &[15]),
            ("je suis en terminale", &[17]),
            ("jsuis en 3eme", &[14]),
            ("en classe de 2nde", &[15]),
        ]);
    }

    #[test]
    fn school_words_without_a_year_give_no_number() {
        check(&[
            ("still in high school", &[]),
            ("middle school", &[]),
            ("junior high", &[]),
            ("en secundaria", &[]),
            ("au collège", &[]),
            ("en seconde main", &[]),
            ("voiture en première main", &[]),
            ("no colégio", &[]),
            ("no ensino médio", &[]),
            ("I teach 10th grade math", &[]),
            ("tutoring students in 9th grade", &[]),
            ("5th grade reading level", &[]),
            ("in 10th grade math class", &[]),
            ("when I was in 10th grade", &[]),
            ("high school seniors and college students", &[]),
            ("a senior in college", &[]),
            ("grade 8 bolts", &[]),
            ("je suis en 3e année de licence", &[]),
            ("cuarto de servicio", &[]),
        ]);
    }

    #[test]
    fn many_ages_and_durations_are_read_in_linear_time() {
        let unit = "chica de 17 años, experiencia de 2 años, girls 15-22, im 16. ";
        let text = unit.repeat(200_000 / unit.len());
        let start = std::time::Instant::now();
        let found = ages(&text);
        assert_eq!(found.len(), 3 * (200_000 / unit.len()));
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn durations_and_other_peoples_ages_are_not_the_posters() {
        check(&[
            ("experiencia mínima de 3 años", &[]),
            ("experiencia laboral de 2 anos conocimiento de office", &[]),
            ("experiencia en ventas 2 anos sector automotriz", &[]),
            ("Garantía: 3 años Post Venta", &[]),
            ("Contrato por 2 años", &[]),
            ("antigüedad de 15 años", &[]),
            ("Edificio de 11 años, super sólido", &[]),
            ("tu departamento en 10 años", &[]),
            ("une expérience de 2 ans, idéalement", &[]),
            ("Expérience de 2 ans minimum", &[]),
            ("prime d'ancienneté dès 3 ans", &[]),
            ("15 cts / 2 ans ; 30 cts / 5 ans", &[]),
            ("deux enfants de 3 ans et 4 ans", &[]),
            ("5 años o más", &[]),
            ("2 anos liderando equipos", &[]),
            ("my son's 3 years old", &[]),
            ("a single mom with 12 year old son", &[]),
            ("I have a 12 year old son", &[]),
            ("a 5 year old laptop", &[]),
            ("I do have a 4 year old whippet", &[]),
            ("the same humour as a 13 year old on the game", &[]),
            ("you'd probably think i'm 16", &[]),
            ("playgrounds like I'm 13", &[]),
            ("(minimum 3 à 5 ans)", &[]),
            ("Expérience réussie dans la fonction (3ans)", &[]),
            (
                "experiencia en cargos similares por 1 o 2 anos conocimientos",
                &[],
            ),
            (
                "experiencia comprobada en calificacion de riesgo o analisis financiero de 6 anos",
                &[],
            ),
            ("de almenos 3 anos", &[]),
            ("It's roughly 8 years old", &[]),
            ("Children older then 8 years old are welcome", &[]),
            ("17 years old laptop bag", &[]),
            ("a recently remodeled 90 year old home", &[]),
            ("Must be 18 years old.", &[]),
            ("Présent depuis près de 20 ans sur la région", &[]),
        ]);
        // A negated duration noun, a person word and a first-person cue
        // keep the age.
        check(&[
            ("sin experiencia, 17 años", &[17]),
            ("chica sin experiencia de 16 años", &[16]),
            ("chica de diecisiete años", &[17]),
            ("chica de 17 años, experiencia en masajes", &[17]),
            ("17 ans. Expérience: aucune", &[17]),
            ("sin experiencia tengo 17 años", &[17]),
            ("Business owner, 45 years old", &[45]),
        ]);
    }
}
