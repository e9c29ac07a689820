//! Which of the packs' languages a submission is written in.
//!
//! Spanish and Portuguese share much of their vocabulary, and French,
//! Spanish and Portuguese share words with English ("agencia", "taxa",
//! "documents"), so a language pack's terms can match text in another
//! language: "não cobra taxa" read by the Spanish fee rule, or "presa"
//! (Portuguese: confined; Spanish: a dam). A pack that names its languages
//! therefore runs only on text in one of them; and a pack's terms are
//! searched only in such text (see `compile`), which keeps fifteen
//! languages' lexicons from costing every English ad.
//!
//! The detector reads scripts in the text as written (Cyrillic, Han and
//! kana, Thai, Arabic, Devanagari) and counts function words, the short
//! words every sentence of a language has and few other languages use
//! (articles, prepositions, pronouns, auxiliaries), in the matching form of
//! every field. A language is reported when it has at least two such words
//! and at least a quarter of the count of the most frequent language, so a
//! Spanish ad quoting an English phrase is Spanish and English. Packs run
//! on less: when the text has fewer than three function words of English,
//! Spanish, French and Portuguese, all four run; another language's pack
//! runs on two of its words, or one in a text with few function words in
//! all; and a text in Latin letters with fewer than three function words of
//! any language (a terse listing, a title alone) runs every pack. A pack is
//! not switched off by a guess, but two words of another language in a
//! text where the most frequent language has more than four times as many
//! are read as abbreviations ("w/", "OT", "PO", "/mo" in English prose),
//! not as that language. Each sentence is also read on its own: a
//! language that a sentence reads as most, with three function words in
//! the whole text, is reported and runs however much text of another
//! language surrounds it, so English appended to a Spanish ad (a pasted
//! listing, or padding meant to hide it) does not switch Spanish off.
//!
//! ```text
//! "no cobramos ningún cargo a los candidatos"   → es
//! "a agência não cobra taxa da au pair"         → pt
//! "Praca w Niemczech, zakwaterowanie"          → pl
//! "Работа в Польше"                             → ru, uk (script)
//! "WAREHOUSE JOBS. FEE 300"                      → (cannot tell: every pack runs)
//! ```

/// Bit per language the detector knows, in this order.
pub(crate) const LANGS: [&str; 15] = [
    "en", "es", "fr", "pt", "ro", "pl", "tl", "id", "vi", "ru", "uk", "zh", "th", "ar", "hi",
];

/// A set of [`LANGS`], one bit each.
pub(crate) type Mask = u16;

/// Every language.
pub(crate) const ALL: Mask = (1 << LANGS.len()) - 1;

/// Russian and Ukrainian: Cyrillic text runs both.
pub(crate) const CYRILLIC: Mask = 1 << 9 | 1 << 10;

/// The languages each script tells ([`script`]'s numbers): Russian and
/// Ukrainian share Cyrillic, and both run; no pack is Greek.
const SCRIPT_LANGS: [Mask; 6] = [CYRILLIC, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 0];

/// Han ideographs and kana: a syllable, most often a morpheme, so each
/// weighs more than a letter where text is measured (the short-term lint
/// counts two, the model's length rule three).
pub(crate) fn logographic(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// The script of a letter outside Latin: Cyrillic 0, Han and kana 1,
/// Thai 2, Arabic 3, Devanagari 4, Greek 5.
fn script(c: char) -> Option<usize> {
    Some(match c as u32 {
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0xA640..=0xA69F => 0,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => 1,
        0x20000..=0x323AF => 1,
        0x0E00..=0x0E7F => 2,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF => 3,
        0xFE70..=0xFEFF => 3,
        0x0900..=0x097F | 0xA8E0..=0xA8FF => 4,
        0x0370..=0x03FF => 5,
        _ => return None,
    })
}

/// Latin letters in `s` as written: ASCII ones, and those of Latin-1,
/// Latin Extended-A and -B (UTF-8 lead bytes C3 to C9) and Latin
/// Extended Additional (Vietnamese; E1 B8 to E1 BB), read from the bytes.
fn latin_letters(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut n = 0u32;
    for (i, &c) in b.iter().enumerate() {
        n += u32::from(
            c.is_ascii_alphabetic()
                || (0xC3..=0xC9).contains(&c)
                || (c == 0xE1 && b.get(i + 1).is_some_and(|x| (0xB8..=0xBB).contains(x))),
        );
    }
    n
}

/// Function words of each language, as they read in the matching form
/// (lowercase, accents and strokes folded), with a few words every ad of
/// that kind has ("trabajo", "praca", "trabaho"). Words two of these
/// languages share ("a", "de", "que", "la", "no", "para", "na", "se",
/// "da", "o") are left out: they tell nothing, and a short Spanish ad must
/// not read as Vietnamese because of its articles. Russian, Ukrainian,
/// Hindi and Arabic also have their Latin spellings (transliteration,
/// Hinglish, Arabizi) and Chinese its pinyin, which recruiters use; Thai
/// is told by script.
const WORDS: [&[&str]; 15] = [
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
    // Romanian
    &[
        "si",
        "este",
        "sunt",
        "pentru",
        "cu",
        "din",
        "sau",
        "pe",
        "mai",
        "fi",
        "vor",
        "lucru",
        "munca",
        "oferim",
        "fara",
        "dupa",
        "iar",
        "acest",
        "aceasta",
        "acesta",
        "noi",
        "dumneavoastra",
        "catre",
        "doar",
        "foarte",
        "salariu",
        "cazare",
        "unde",
        "avem",
        "aveti",
        "putem",
        "trebuie",
        "nu",
        "nostri",
        "noastra",
        "nostru",
        "tara",
        "strainatate",
        "angajam",
        "firma",
        "oferta",
    ],
    // Polish
    &[
        "nie",
        "sie",
        "jest",
        "oraz",
        "dla",
        "czy",
        "juz",
        "tylko",
        "bardzo",
        "praca",
        "pracy",
        "prace",
        "oferujemy",
        "wymagamy",
        "wynagrodzenie",
        "zakwaterowanie",
        "przez",
        "przy",
        "ktory",
        "ktora",
        "ktore",
        "jestesmy",
        "mamy",
        "nasz",
        "nasza",
        "nasze",
        "bedzie",
        "moze",
        "mozna",
        "w",
        "z",
        "ze",
        "od",
        "lub",
        "aby",
        "jak",
        "ale",
        "tak",
        "pani",
        "zatrudnimy",
        "szukamy",
        "umowa",
        "zl",
    ],
    // Tagalog
    &[
        "ang",
        "ng",
        "mga",
        "ay",
        "ko",
        "mo",
        "ako",
        "ikaw",
        "ka",
        "kayo",
        "tayo",
        "kami",
        "namin",
        "natin",
        "nila",
        "niya",
        "siya",
        "sila",
        "hindi",
        "po",
        "lang",
        "din",
        "rin",
        "kung",
        "wala",
        "walang",
        "yung",
        "ito",
        "dito",
        "doon",
        "naman",
        "ba",
        "nga",
        "talaga",
        "kapag",
        "nang",
        "kasi",
        "trabaho",
        "sahod",
        "pwede",
        "puwede",
        "bawal",
        "kailangan",
        "libre",
        "ninyo",
        "inyo",
        "ating",
        "aming",
        "sa",
        // Chat and SMS spellings (jejemon, Taglish texting): "aq", "lng",
        // "nmn", "kc", "ung", "pde", "wla".
        "aq",
        "lng",
        "nmn",
        "kc",
        "ung",
        "pde",
        "pwd",
        "wla",
        "sna",
        "sana",
        "tlga",
        "kng",
        "yun",
        "diba",
        "nyo",
        "nya",
        "magkano",
        "mgkano",
    ],
    // Indonesian
    &[
        "yang",
        "dan",
        "ke",
        "dari",
        "untuk",
        "dengan",
        "ini",
        "itu",
        "tidak",
        "akan",
        "ada",
        "kita",
        "anda",
        "kamu",
        "saya",
        "juga",
        "bisa",
        "sudah",
        "belum",
        "atau",
        "pada",
        "oleh",
        "dalam",
        "karena",
        "jika",
        "kalau",
        "harus",
        "bagi",
        "tanpa",
        "gaji",
        "kerja",
        "bekerja",
        "lowongan",
        "dibutuhkan",
        "segera",
        "tersedia",
        "hanya",
        "sangat",
        "mau",
        "buat",
        "aja",
        "bulan",
        "tempat",
        "tinggal",
        "kami",
    ],
    // Vietnamese (without its diacritics, as folded)
    &[
        "cua", "va", "cac", "nhung", "voi", "duoc", "khong", "cho", "mot", "nguoi", "trong", "den",
        "tai", "nay", "dang", "chung", "toi", "lam", "viec", "luong", "thang", "ngay", "tuyen",
        "nhieu", "rat", "hoac", "neu", "thi", "phai", "khi", "nhan", "lien", "zalo", "anh",
        "tieng", "bao", "hang",
        // Chat spellings (Zalo, Facebook groups): short words with no
        // diacritic and none of the above ("dc di ngay, ib mk nhe").
        "dc", "mk", "mik", "bn", "ntn", "hok", "nhe", "nha", "roi", "minh", "chong",
    ],
    // Russian, in Latin letters
    &[
        "dlya",
        "ne",
        "ot",
        "eto",
        "vy",
        "vas",
        "ili",
        "kak",
        "chto",
        "tolko",
        "vse",
        "rabota",
        "raboty",
        "rabotu",
        "zarplata",
        "zhile",
        "zhilye",
        "devushki",
        "devushek",
        "nuzhny",
        "trebuyutsya",
        "trebuetsya",
        "pasport",
        "granitsey",
        "granicey",
        "granitsu",
    ],
    // Ukrainian, in Latin letters
    &[
        "dlya",
        "ne",
        "vid",
        "tse",
        "vy",
        "abo",
        "yak",
        "shcho",
        "tilky",
        "roboty",
        "robotu",
        "zarplata",
        "zhytlo",
        "divchata",
        "divchat",
        "pasport",
        "kordonom",
        "koly",
        "khto",
        "yakshcho",
        "bude",
        "mozhna",
        "tezh",
        "shukayemo",
        "shukaiemo",
        "potribni",
        "potribno",
        "zarobitok",
        "zarobitky",
        "pratsia",
        "pratsiuvaty",
        "pratsyuvaty",
        "zhinky",
        "hroshi",
    ],
    // Chinese in pinyin, as recruiters write it to slip past filters
    // ("bao chi zhu", "gao xin zhao pin"): only spellings Vietnamese
    // without its diacritics cannot have (j, q, x, z, zh, w, "nv"), so a
    // Vietnamese ad ("bao", "xin", "chi", "dao") never reads as Chinese;
    // Han characters are told by script.
    &[
        "zhao",
        "zhaopin",
        "xuesheng",
        "xue",
        "sheng",
        "shangmen",
        "fuwu",
        "jiage",
        "sixia",
        "liao",
        "xia",
        "meimei",
        "xiaomei",
        "nvhai",
        "anmo",
        "baoye",
        "yuepao",
        "zhu",
        "zheng",
        "zhong",
        "zuo",
        "zai",
        "gongzi",
        "gongzuo",
        "gongsi",
        "baochi",
        "baozhu",
        "baochizhu",
        "yuexin",
        "gaoxin",
        "xinzi",
        "xinshui",
        "qian",
        "qianzheng",
        "huzhao",
        "haiwai",
        "guowai",
        "chuguo",
        "xiao",
        "xiaojie",
        "xiaoshi",
        "meinv",
        "nvsheng",
        "nansheng",
        "nv",
        "lv",
        "lvyou",
        "jingyan",
        "xuyao",
        "jiu",
        "jie",
        "jiaban",
        "jipiao",
        "mianfei",
        "lianxi",
        "weixin",
        "wo",
        "nimen",
        "laoban",
        "dagong",
        "shangban",
        "qu",
        "yajin",
        "baoguan",
        "zhuanqian",
        "xianzai",
        "mashang",
    ],
    // Thai: by script.
    &[],
    // Arabic, in Latin letters and digits (Arabizi)
    &[
        "ana",
        "enta",
        "inta",
        "enti",
        "fi",
        "wa",
        "w",
        "b",
        "bel",
        "lal",
        "lel",
        "ya",
        "3la",
        "ela",
        "3ala",
        "eala",
        "3al",
        "eal",
        "3an",
        "ean",
        "ma3",
        "mae",
        "mafi",
        "mafeesh",
        "mafish",
        "mish",
        "msh",
        "shi",
        "shu",
        "3amal",
        "eamal",
        "shoghl",
        "kol",
        "kul",
        "yalla",
        "inshallah",
        "wallah",
        "3ndna",
        "3andna",
        "andna",
        "3ashan",
        "eashan",
        "3shan",
        "eshan",
        "lazem",
        "matlob",
        "matloob",
        "banat",
        "bent",
        "sana",
        "safar",
        "flous",
        "felous",
        "sakan",
        "shahr",
        "ragel",
        "tazkara",
        "jawaz",
        "kafeel",
        "ya3ni",
        "yaeni",
    ],
    // Hindi, in Latin letters (Hinglish)
    &[
        "hai", "hain", "ka", "ki", "ke", "ko", "mein", "aur", "nahi", "nahin", "bhi", "yeh", "woh",
        "kya", "karna", "karo", "kaam", "naukri", "paisa", "paise", "apna", "apni", "apne", "hum",
        "aap", "tum", "liye", "saath", "wala", "wali", "wale", "milega", "milegi", "chahiye",
        "bahut", "sirf", "abhi", "hoga", "hogi", "honge", "jayega", "jayegi", "jaayega", "kaun",
        "karke", "karni", "karenge", "denge", "rahega", "rahegi", "wahan", "yahan", "mujhe",
        "humein", "unka", "unki", "uska", "uski", "kab", "kitna", "kitne",
    ],
];

/// A word of up to 16 bytes as a number that sorts as the word does
/// (big-endian, zero-padded): the table is searched without comparing
/// strings.
fn key(word: &[u8]) -> Option<u128> {
    if word.is_empty() || word.len() > 16 {
        return None;
    }
    let mut b = [0u8; 16];
    b[..word.len()].copy_from_slice(word);
    Some(u128::from_be_bytes(b))
}

/// Every word of [`WORDS`] by [`key`], with the languages it belongs to,
/// in an open-addressing hash table (linear probing, a quarter full): one
/// multiplication and a probe or two per word of the text, where a
/// binary search took ten comparisons.
struct Table {
    slots: Vec<(u128, Mask)>,
    shift: u32,
}

impl Table {
    const BITS: u32 = 12;

    fn slot(&self, k: u128) -> usize {
        let h = ((k >> 64) as u64 ^ (k as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> self.shift) as usize
    }

    fn get(&self, k: u128) -> Mask {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(k);
        loop {
            let (key, m) = self.slots[i];
            if key == k {
                return m;
            }
            if key == 0 {
                return 0;
            }
            i = (i + 1) & mask;
        }
    }
}

fn table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            slots: vec![(0, 0); 1 << Table::BITS],
            shift: 64 - Table::BITS,
        };
        let mask = t.slots.len() - 1;
        // Words are looked up as the text reads in the matching form, where
        // doubled letters are single ("will" reads "wil", "kaam" "kam"):
        // the words that form changes go in second, and only where no
        // other language's word reads the same ("all" reads as Spanish
        // "al", "elle" as Portuguese "ele": both are left to the word
        // written that way).
        for changed in [false, true] {
            for (l, words) in WORDS.iter().enumerate() {
                for &w in *words {
                    let n = crate::normalize(w);
                    if (n.as_str() != w) != changed {
                        continue;
                    }
                    let Some(k) = key(n.as_str().as_bytes()) else {
                        continue;
                    };
                    let mut i = t.slot(k);
                    while t.slots[i].0 != 0 && t.slots[i].0 != k {
                        i = (i + 1) & mask;
                    }
                    if changed && t.slots[i].0 == k && t.slots[i].1 & (1 << l) == 0 {
                        continue;
                    }
                    t.slots[i].0 = k;
                    t.slots[i].1 |= 1 << l;
                }
            }
        }
        t
    })
}

/// What the detector read in a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The languages whose packs run.
    pub run: Mask,
    /// The languages read with some confidence (reported in the verdict).
    pub read: Mask,
}

/// The languages of a submission, from each field as written and in its
/// matching form.
///
/// By script first: Cyrillic letters are Russian or Ukrainian, Han or kana
/// Chinese, Thai Thai, Arabic Arabic, Devanagari Hindi (two letters of a
/// script that do not imitate Latin ones are enough). By function words in the matching forms then (see
/// the comments in the body). A language is reported when it has at least
/// two function words and at least a quarter of the count of the most
/// frequent one; its pack runs on less, since a pack switched off by a
/// guess misses what it was written for.
pub(crate) fn detect<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)> + Clone) -> Detected {
    let (mut counts, script_letters, stretches) = count(fields.clone());
    let mut by_script: Mask = 0;
    for (k, &n) in script_letters.iter().enumerate() {
        if n >= 2 {
            by_script |= SCRIPT_LANGS[k];
        }
    }
    // Function words are read in the matching form, where letters of
    // other scripts may have folded into Latin look-alikes (Arabic alef
    // reads "l"): only a text with a fair share of Latin letters has them.
    let latin = reads_latin(fields.clone(), script_letters.iter().sum());
    if !latin {
        counts = [0; LANGS.len()];
    }
    // Letters only one of these languages writes ("ł", "ș", "ư"): two of
    // them are that language whatever its function words say, so a short
    // Polish or Romanian ad is not read as English or Portuguese alone.
    let by_letters = if latin { marked_letters(fields) } else { 0 };
    let (run, read) = by_function_words(&counts, latin, by_script | by_letters);
    let mut stretches = if latin { stretches } else { 0 };
    for (l, &n) in counts.iter().enumerate() {
        if n < 3 {
            stretches &= !(1 << l);
        }
    }
    let known = by_script | by_letters | stretches;
    Detected {
        run: run | known,
        read: read | known,
    }
}

/// The languages with at least two letters of their own in the fields as
/// written: Polish (ą ę ł ń ś ź ż), Romanian (ă ș ț, with the cedilla
/// forms) and Vietnamese (đ ơ ư and the letters of Latin Extended
/// Additional).
fn marked_letters<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Mask {
    let mut n = [0u32; 3];
    for (original, _) in fields {
        if original.is_ascii() {
            continue;
        }
        for c in original.chars() {
            let k = match c {
                'ą' | 'ę' | 'ł' | 'ń' | 'ś' | 'ź' | 'ż' | 'Ą' | 'Ę' | 'Ł' | 'Ń' | 'Ś' | 'Ź'
                | 'Ż' => 0,
                'ă' | 'ș' | 'ş' | 'ț' | 'ţ' | 'Ă' | 'Ș' | 'Ş' | 'Ț' | 'Ţ' => 1,
                'đ' | 'ơ' | 'ư' | 'Đ' | 'Ơ' | 'Ư' | '\u{1EA0}'..='\u{1EF9}' => 2,
                _ => continue,
            };
            n[k] += 1;
        }
    }
    // Polish, Romanian, Vietnamese (see `LANGS`).
    let mut mask: Mask = 0;
    for (k, bit) in [5, 4, 8].into_iter().enumerate() {
        if n[k] >= 2 {
            mask |= 1 << bit;
        }
    }
    mask
}

/// One walk over the matching forms of the fields: the letters of each
/// script of [`SCRIPT_LANGS`], and the function words of each language.
fn count<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> ([u32; LANGS.len()], [u32; SCRIPT_LANGS.len()], Mask) {
    let mut counts = [0u32; LANGS.len()];
    let mut stretch = Stretch::new(0);
    let mut half = Stretch::new(STRETCH_WORDS / 2);
    let table = table();
    let mut script_letters = [0u32; SCRIPT_LANGS.len()];
    for (_, norm) in fields {
        // Scripts are counted in the matching form, where a look-alike
        // letter has become the Latin one it imitates: "pаssport" with a
        // Cyrillic "а" is not Russian, "паспорт" is.
        if !norm.is_ascii() {
            let b = norm.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] < 0x80 {
                    i += 1;
                    continue;
                }
                let Some(c) = norm[i..].chars().next() else {
                    break;
                };
                i += c.len_utf8();
                if let Some(k) = script(c) {
                    script_letters[k] += 1;
                }
            }
        }
        // Words of ASCII letters and digits (a word past 16 bytes is none
        // of the table's).
        let b = norm.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_alphanumeric() {
                if matches!(b[i], b'.' | b'!' | b'?') {
                    stretch.end();
                    half.end();
                }
                i += 1;
                continue;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let k = key(&b[start..i]);
            let mut mask = k.map_or(0, |k| table.get(k));
            // A letter alone ("w/", "e-mail", "d'") is too often an
            // abbreviation to tell a sentence's language.
            let own = if i - start > 1 { mask } else { 0 };
            stretch.word(own, k);
            half.word(own, k);
            while mask != 0 {
                counts[mask.trailing_zeros() as usize] += 1;
                mask &= mask - 1;
            }
        }
        stretch.end();
        half.end();
    }
    (counts, script_letters, stretch.langs | half.langs)
}

/// Words in a stretch of text that [`Stretch`] reads on its own, at most.
const STRETCH_WORDS: u32 = 48;

/// The languages each sentence reads as, on its own (a stretch of text up
/// to a full stop, question or exclamation mark, or of [`STRETCH_WORDS`]
/// words; read twice, the second time in stretches of half as many
/// words, so that a long sentence's parts are read apart too).
///
/// Over a whole text a language counts beside the most frequent one, so a
/// Spanish ad followed by a page of English (a pasted listing, or padding
/// written to hide the ad) would read as English alone and the Spanish
/// pack would not run. A stretch counts the language it reads as most
/// (two different function words of two letters or more, and more of
/// them than of any other language), and [`detect`]
/// keeps those languages that have three function words in the whole
/// text; a name or a quoted phrase in English prose ("Los Angeles", "Rio
/// de Janeiro") switches nothing on.
struct Stretch {
    counts: [u8; LANGS.len()],
    /// The first function word of each language in the stretch: the
    /// second counts only if it is another word.
    first: [Option<u128>; LANGS.len()],
    words: u32,
    /// Words a fresh stretch starts with: the second reading starts
    /// each stretch half full, so its stretches are half as long.
    start: u32,
    langs: Mask,
}

impl Stretch {
    fn new(start: u32) -> Self {
        Stretch {
            counts: [0; LANGS.len()],
            first: [None; LANGS.len()],
            words: start,
            start,
            langs: 0,
        }
    }

    fn word(&mut self, mut mask: Mask, key: Option<u128>) {
        while mask != 0 {
            let l = mask.trailing_zeros() as usize;
            match self.counts[l] {
                0 => self.first[l] = key,
                // Words that differ: "2 mi ... 3 mi" is one word twice.
                1 if self.first[l] == key => {
                    mask &= mask - 1;
                    continue;
                }
                _ => {}
            }
            self.counts[l] = self.counts[l].saturating_add(1);
            mask &= mask - 1;
        }
        self.words += 1;
        if self.words >= STRETCH_WORDS {
            self.end();
        }
    }

    fn end(&mut self) {
        let best = self.counts.iter().copied().max().unwrap_or(0);
        let mut top = self.counts.iter().enumerate().filter(|&(_, &n)| n == best);
        if let (Some((l, _)), None) = (top.next(), top.next()) {
            if best >= 2 {
                self.langs |= 1 << l;
            }
        }
        self.counts = [0; LANGS.len()];
        self.words = self.start;
    }
}

/// Whether the fields as written have a fair share of Latin letters: at
/// least a quarter of the `other` scripts' letters. Only the share matters,
/// so a text with no other script needs only one.
fn reads_latin<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>, other: u32) -> bool {
    let latin = if other == 0 {
        u32::from(
            fields
                .into_iter()
                .any(|(o, _)| o.bytes().any(|c| c.is_ascii_alphabetic())),
        )
    } else {
        fields.into_iter().map(|(o, _)| latin_letters(o)).sum()
    };
    latin > 0 && latin >= other / 4
}

/// A language outside English, Spanish, French and Portuguese runs on two
/// of its function words only when they are at least this fraction
/// (1/`OTHER_SHARE`) of the most frequent language's count.
const OTHER_SHARE: u32 = 4;

/// The languages to run and to report, `(run, read)`, from the counts of
/// their function words; `latin`: the text has Latin letters.
fn by_function_words(counts: &[u32; LANGS.len()], latin: bool, known: Mask) -> (Mask, Mask) {
    // English, Spanish, French and Portuguese share words and letters: of
    // these four, the ones with at least two function words and a quarter
    // of the most frequent one's count; all four when fewer than three are
    // found in a text with Latin letters. The other languages have words
    // of their own: two of them are enough if they are a quarter of the
    // most frequent language's (fewer are abbreviations: "w/", "OT",
    // "PO" in English prose), and in a text with few function words in
    // all, one; in a text with almost none, every pack runs, unless its
    // script or letters (`known`) already name the language.
    let old = &counts[..4];
    let total_old: u32 = old.iter().sum();
    let best_old = old.iter().copied().max().unwrap_or(0);
    let mut read: Mask = 0;
    let mut run: Mask = 0;
    let total: u32 = counts.iter().sum();
    let best = counts.iter().copied().max().unwrap_or(0);
    if total_old >= 3 && best_old >= 2 {
        for (l, &n) in old.iter().enumerate() {
            if n >= 2 && n * 4 >= best_old {
                run |= 1 << l;
                // Reported only beside the most frequent language of all
                // ("i" and "na" in a Polish ad are not English and
                // Portuguese).
                if n * 4 >= best {
                    read |= 1 << l;
                }
            }
        }
    } else if latin {
        run |= 0b1111;
    }
    for (l, &n) in counts.iter().enumerate().skip(4) {
        if (n >= 2 && n * OTHER_SHARE >= best) || (n == 1 && total < 5) {
            run |= 1 << l;
        }
        if n >= 2 && n * 4 >= best {
            read |= 1 << l;
        }
    }
    // A terse text in Latin letters ("Paspor ditahan agen sampai kontrak
    // selesai", "School girl, 16 saal, hotel delivery") may be in any of
    // them, or in the Latin spellings of the others: every pack runs (the
    // other scripts' automata still only on text in those scripts). Not
    // when the script or the letters already say which language it is: a
    // Chinese ad with "KTV" and a WeChat id, or a Vietnamese one with its
    // own letters, runs its language's pack and the first four, not the
    // Polish or Tagalog ones, whose Latin terms ("KTV", "18-25") would
    // read it as their own.
    if total < 3 && latin && known == 0 {
        run = ALL;
    }
    (run, read)
}

/// The mask of a pack's `languages`: 0 (every submission) when the list is
/// empty or names a language the detector does not know, since such a pack
/// must never be switched off by a detector that cannot see its language.
pub(crate) fn pack_mask(languages: &[String]) -> Mask {
    let mut mask: Mask = 0;
    for l in languages {
        let code = l.trim().to_ascii_lowercase();
        let code = code.split(['-', '_']).next().unwrap_or("");
        // Filipino is Tagalog; Chinese in either script is one pack.
        let code = match code {
            "fil" => "tl",
            "cmn" | "yue" => "zh",
            c => c,
        };
        match LANGS.iter().position(|k| *k == code) {
            Some(b) => mask |= 1 << b,
            None => return 0,
        }
    }
    mask
}

/// The names of the languages in `mask`.
pub(crate) fn names(mask: Mask) -> Vec<String> {
    LANGS
        .iter()
        .enumerate()
        .filter(|&(b, _)| mask & (1 << b) != 0)
        .map(|(_, l)| l.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize;

    fn detected(text: &str) -> Detected {
        let n = normalize(text);
        detect([(text, n.as_str())])
    }

    fn langs(text: &str) -> Vec<String> {
        names(detected(text).read)
    }

    fn runs(text: &str) -> Vec<String> {
        names(detected(text).run)
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
    fn tells_the_source_country_languages() {
        for (text, lang) in [
            (
                "Oferim locuri de muncă în Germania, cazare și transport gratuit pentru toți.",
                "ro",
            ),
            (
                "Praca w Niemczech dla par, zakwaterowanie zapewnia pracodawca.",
                "pl",
            ),
            (
                "Kailangan ng kasambahay sa Dubai, walang placement fee at libre ang pamasahe.",
                "tl",
            ),
            (
                "Lowongan kerja di Malaysia untuk wanita, gaji besar dan tempat tinggal gratis.",
                "id",
            ),
            (
                "Tuyển lao động đi Nhật, lương cao, không cần kinh nghiệm, liên hệ zalo.",
                "vi",
            ),
            (
                "Rabota v Polshe dlya zhenshchin, zhile besplatno, pasport ne nuzhen.",
                "ru",
            ),
            (
                "Dubai mein kaam hai, naukri pakki, paisa bahut milega, abhi call karo.",
                "hi",
            ),
            (
                "Yalla shabab, fi shoghl 3ala tool fi Dubai, inshallah.",
                "ar",
            ),
            (
                "Haiwai gongzuo, baochizhu, bu xuyao jingyan, jia weixin lianxi.",
                "zh",
            ),
            ("gao xin zhao pin, bao chi zhu, yue xin 2 wan", "zh"),
        ] {
            assert!(
                langs(text).iter().any(|l| l == lang),
                "{text}: {:?}",
                langs(text)
            );
            // Their packs run; English, Spanish, French and Portuguese ones
            // may too, but not every other language's.
            assert!(runs(text).iter().any(|l| l == lang));
            assert!(runs(text).len() < 8, "{text}: {:?}", runs(text));
        }
    }

    #[test]
    fn letters_of_their_own_tell_polish_romanian_and_vietnamese() {
        for (text, lang) in [
            ("Pensja idzie na konto firmy, a Ty dostajesz resztę.", "pl"),
            (
                "Camerista hotel in Germania, 2000 euro, afli când ajungi acolo, cazare și masă.",
                "ro",
            ),
            ("Job in Japan, lương tháng 30 triệu, bao ăn ở.", "vi"),
        ] {
            assert!(
                runs(text).contains(&lang.to_string()),
                "{text}: {:?}",
                runs(text)
            );
        }
        // One such letter (a place name) is not enough.
        let en = "We are hiring drivers in Łowicz and the surrounding area, full time, with a bonus every month.";
        assert!(!runs(en).contains(&"pl".to_string()), "{:?}", runs(en));
    }

    #[test]
    fn ukrainian_and_pinyin_in_latin_letters() {
        let uk = "Shukayemo pratsivnykiv na zbyr yahid, koly pryidete, khto khoche zarobitok.";
        assert!(runs(uk).contains(&"uk".to_string()), "{:?}", runs(uk));
        let zh = "xuesheng mei, shangmen fuwu, jiage sixia liao";
        assert!(runs(zh).contains(&"zh".to_string()), "{:?}", runs(zh));
    }

    #[test]
    fn vietnamese_without_diacritics_is_not_pinyin() {
        // The syllables the two share ("bao", "xin", "chi", "dao", "ban")
        // are not Chinese function words.
        for text in [
            "Xin chao, cong ty tuyen nhan vien, bao an o, luong cao, lien he zalo.",
            "Chi can dao tao 2 thang, ban se co viec lam on dinh tai Ha Noi.",
            // Chat spellings only.
            "ai muon di ngay ib mk nhe, dc ung truoc 5tr, bn tuoi cung dc",
        ] {
            assert!(
                !runs(text).contains(&"zh".to_string()),
                "{text}: {:?}",
                runs(text)
            );
            assert!(
                langs(text).contains(&"vi".to_string()),
                "{text}: {:?}",
                langs(text)
            );
        }
    }

    #[test]
    fn scripts_tell_their_languages() {
        assert_eq!(langs("Работа в Польше, жильё бесплатно"), ["ru", "uk"]);
        assert_eq!(langs("高薪招聘女服务员，包吃包住"), ["zh"]);
        assert_eq!(langs("รับสมัครพนักงานนวด รายได้ดี"), ["th"]);
        assert_eq!(langs("مطلوب عاملات منزليات للعمل في الخليج"), ["ar"]);
        assert_eq!(langs("विदेश में नौकरी, वीज़ा मुफ्त"), ["hi"]);
        // A text wholly in another script runs no Latin-script pack but
        // its own (the language-neutral core runs on everything).
        assert_eq!(runs("高薪招聘女服务员，包吃包住"), ["zh"]);
        // One stray letter of a script is not that language, nor are
        // look-alike letters slipped into English words.
        assert!(!langs("Nanny wanted, 高 pay").contains(&"zh".to_string()));
        assert!(!runs(
            "We are looking for a nanny for our two boys, 高 pay and a room of her own."
        )
        .contains(&"zh".to_string()));
        let disguised = "Y\u{43e}ur p\u{430}ssp\u{43e}rt st\u{430}ys with the c\u{43e}mp\u{430}ny";
        assert_eq!(runs(disguised), ["en"]);
    }

    #[test]
    fn a_script_or_letters_that_name_the_language_keep_other_latin_packs_off() {
        // A terse Chinese ad with Latin letters in it ("KTV", an id): its
        // own pack and the first four run, not every Latin-script pack.
        let r = runs("KTV招聘女服务员18-25岁，包吃住，加微信 abc555");
        assert!(r.contains(&"zh".to_string()), "{r:?}");
        assert!(r.contains(&"en".to_string()), "{r:?}");
        assert!(
            !r.contains(&"vi".to_string()) && !r.contains(&"pl".to_string()),
            "{r:?}"
        );
        // Vietnamese told by its letters, likewise.
        let r = runs("Tuyển nữ phục vụ KTV, lương cao");
        assert!(r.contains(&"vi".to_string()), "{r:?}");
        assert!(
            !r.contains(&"tl".to_string()) && !r.contains(&"pl".to_string()),
            "{r:?}"
        );
        // Latin letters alone that name no language still run every pack.
        assert_eq!(detected("KTV 18-25 abc555").run, ALL);
    }

    #[test]
    fn short_or_mixed_text_keeps_every_language_that_is_there() {
        // Too few function words to tell: every pack runs.
        assert_eq!(detected("WAREHOUSE JOBS. FEE 300 USD").run, ALL);
        assert_eq!(
            detected("Paspor ditahan agen sampai kontrak selesai.").run,
            ALL
        );
        assert!(langs("WAREHOUSE JOBS. FEE 300 USD").is_empty());
        assert!(runs("").is_empty());
        // One word of another language is enough in a short text.
        let r = runs("Praca w Niemczech, 2000 euro, the boss pays the flights.");
        assert!(r.contains(&"pl".to_string()), "{r:?}");
        // A Spanish ad quoting English keeps both.
        let both = langs("Trabajo en el campo, pago semanal y todo incluido. Apply with your CV to the office and we call you.");
        assert!(
            both.contains(&"es".to_string()) && both.contains(&"en".to_string()),
            "{both:?}"
        );
        // A short Spanish ad is not switched off by another language's
        // words.
        assert!(runs("Si eres joven, si quieres ganar, sin papeles").contains(&"es".to_string()));
    }

    #[test]
    fn english_ads_do_not_run_every_pack() {
        let r = runs("We are hiring warehouse staff for the night shift. You will be paid weekly and we provide transport to the site.");
        assert_eq!(r, ["en"]);
    }

    #[test]
    fn a_sentence_in_another_language_counts_however_much_english_follows() {
        let english = "The rooms are on the second floor and they have a view of the park. ";
        for (ad, lang) in [
            (
                "Trabajo en el extranjero, sin experiencia y con pasaje pagado.",
                "es",
            ),
            (
                "Travail à l'étranger, le logement est fourni par nous.",
                "fr",
            ),
            (
                "Lucru in Germania, cazare si masa sunt asigurate de noi.",
                "ro",
            ),
            (
                "Kerja di Malaysia, gaji besar dan tiket pesawat dari agen.",
                "id",
            ),
        ] {
            for n in [1, 5, 50] {
                let text = format!("{ad} {}", english.repeat(n));
                let d = detected(&text);
                assert!(
                    names(d.run).contains(&lang.to_string()),
                    "{lang} x{n}: {:?}",
                    names(d.run)
                );
                assert!(
                    names(d.read).contains(&lang.to_string()),
                    "{lang} x{n}: {:?}",
                    names(d.read)
                );
            }
        }
    }

    #[test]
    fn a_stretch_needs_two_different_words_of_its_language() {
        // "mi" (Spanish "my") as miles, "sin" and "los" in English
        // prose: English stays English, however many sentences repeat
        // them.
        let text =
            "Downtown is 3 mi away and the stadium is 2 mi from the house. Lake 5 mi, zoo 7 mi. \
                    There is a sin bin in the yard for the kids and their friends. \
                    Flights to Los Angeles leave from the airport at noon, and they are cheap. \
                    We will show you the house and the garden when you arrive, and we can \
                    help you with the bags if you tell us the time of your flight. "
                .repeat(6);
        assert_eq!(runs(&text), ["en"]);
    }

    #[test]
    fn abbreviations_in_english_prose_do_not_run_other_packs() {
        // "w/" (Polish "w"), "OT" (Russian "от"), "PO" and "/mo" (Tagalog
        // "po", "mo"): two of them in prose that is plainly English.
        let r = runs(
            "2 bed apartment w/ garage near the PO, $900/mo. OT is paid for the weekend \
             shifts and we will show it to you after you send your details to the office.",
        );
        assert_eq!(r, ["en"]);
        // Taglish keeps both.
        let r =
            runs("Hiring po kami ng waitress sa Dubai, libre ang ticket at ang visa, apply na po.");
        assert!(r.contains(&"tl".to_string()), "{r:?}");
        // A Romanian ad with an English title keeps Romanian.
        let text =
            "Job offer. Lucru in Germania pentru femei, cazare si masa asigurate, plata pe ora.";
        assert!(runs(text).contains(&"ro".to_string()));
    }

    #[test]
    fn every_function_word_is_in_the_table() {
        let t = table();
        for (l, words) in WORDS.iter().enumerate() {
            for w in *words {
                let n = normalize(w);
                let k = key(n.as_str().as_bytes()).expect("function words are short");
                // A word the matching form changes is left out only where
                // another language's word reads the same.
                assert!(
                    t.get(k) & (1 << l) != 0 || (n.as_str() != *w && t.get(k) != 0),
                    "{w} ({})",
                    LANGS[l]
                );
            }
        }
        // Doubled letters read single in the text: "kaam", "aap" count.
        assert_eq!(t.get(key(b"kam").unwrap()), 1 << 14);
        assert_eq!(t.get(key(b"wil").unwrap()), 1);
        for w in ["passport", "zzz", "a", "que", "0"] {
            assert_eq!(t.get(key(w.as_bytes()).unwrap()), 0, "{w}");
        }
    }

    #[test]
    fn pack_masks() {
        assert_eq!(pack_mask(&["es".into()]), 0b0010);
        assert_eq!(pack_mask(&["pt-BR".into(), "pt_PT".into()]), 0b1000);
        assert_eq!(pack_mask(&["fil".into()]), 1 << 6);
        assert_eq!(pack_mask(&["zh-Hant".into()]), 1 << 11);
        assert_eq!(pack_mask(&[]), 0);
        // A language the detector cannot see never switches the pack off.
        assert_eq!(pack_mask(&["es".into(), "de".into()]), 0);
    }
}
