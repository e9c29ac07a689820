//! Ages and money written in the source-country languages: Romanian,
//! Russian, Ukrainian, Polish, Tagalog, Vietnamese, Thai, Indonesian,
//! Chinese, Arabic and Hindi.
//!
//! The readers in `amount.rs` and `age.rs` know English, Spanish, French
//! and Portuguese word by word. Here the words of the other languages are
//! data: each list is written as people write it ("лет", "tuổi", "岁",
//! "سنة") and folded once, at first use, into the entity form the
//! extractors read, so a list and a text fold the same way (Cyrillic "р" to
//! a Latin "p", Vietnamese without its diacritics, Arabic letter variants).
//! Words of scripts written without spaces (Han, Thai) match inside a run
//! of letters; the others match whole words, or a word's start when the
//! list writes them with a trailing `*`.
//!
//! **Ages.** A number of 1 to 99 followed by an age unit ("17 лет", "17
//! tuổi", "17岁", "17-летняя", "17 taong gulang"), or after an age label
//! ("возраст: 17", "umur 17", "อายุ 17 ปี", "年龄17", "عمرها 17"), unless
//! the words around make it something else:
//! - a requirement or a comparison: "от 18 лет", "powyżej 18 lat",
//!   "18岁以上", "minimal 18 tahun", "18 ปีขึ้นไป";
//! - a duration: "опыт работы 3 года", "pengalaman 2 tahun", "خبرة 5
//!   سنوات", "3 lata temu", "работаем уже 10 лет";
//! - somebody or something else's age: "сыну 5 лет", "con 5 tuổi",
//!   "孩子5岁", "anak 4 tahun".
//!
//! Units that are above all ordinary durations in their language (Thai
//! "ปี", Tagalog "taon") count only after an age label. A range ("16-20
//! лет", "18至25岁") gives its lower bound, as the English reader does.
//! Chinese numerals before 岁 are read too ("十七岁"), and ages of 10 to
//! 19 spelled as words in each language ("шестнадцать лет", "enam belas
//! tahun", "mười sáu tuổi", "solah saal"), with the same checks.
//!
//! **Prices.** A number with a currency word or symbol of these languages
//! ("5000 руб", "300 zł", "20 000 грн", "Rp 5 juta", "8000元", "3000
//! درهم", "Rs. 20,000"), or with a multiplier that only money takes in its
//! language ("10 triệu", "5 juta", "2万"); the multiplier scales the
//! amount ("50 тыс. руб." is 50,000 RUB). The euro written as one letter
//! glued to a sum of 100 or more ("300e", "300е", "300є") is the euro.

use std::sync::OnceLock;

use super::text::Text;
use super::{Cand, EntityKind, Taken};
use crate::normalize::entity_chars;
use crate::normalize::table::{is_alnum, is_unspaced};

/// Age units: (word, needs a label before the number). A `*` at the end
/// matches the start of a word ("17-летняя", "17-latka").
const AGE_UNITS: &[(&str, bool)] = &[
    // Russian
    ("лет", false),
    ("год", false),
    ("года", false),
    ("годик*", false),
    ("годков", false),
    ("летн*", false),
    ("летк*", false),
    // Ukrainian
    ("років", false),
    ("рік", false),
    ("роки", false),
    ("рочк*", false),
    ("річн*", false),
    // Russian and Ukrainian in Latin letters (translit)
    ("let", false),
    ("rokiv", false),
    // Polish
    ("lat", false),
    ("lata", false),
    ("latka", false),
    ("latek", false),
    ("letni*", false),
    // Tagalog
    ("taong gulang", false),
    ("anyos", false),
    ("anyos na", false),
    ("taon", true),
    // Vietnamese
    ("tuổi", false),
    // Thai
    ("ขวบ", false),
    ("ปี", true),
    // Indonesian
    ("tahun", false),
    ("thn", false),
    // Chinese
    ("周岁", false),
    ("週歲", false),
    ("岁", false),
    ("歲", false),
    // Arabic
    ("سنة", false),
    ("سنه", false),
    ("سنوات", false),
    ("عام", false),
    ("عاما", false),
    ("عامًا", false),
    ("أعوام", false),
    // Hindi (and Hinglish)
    ("साल", false),
    ("वर्ष", false),
    ("बरस", false),
    ("saal", false),
    ("sal", false),
];

/// Words before a number that say it is an age.
const AGE_LABELS: &[&str] = &[
    "возраст",
    "возраста",
    "вік",
    "віку",
    "wiek",
    "wieku",
    "edad",
    "gulang",
    "tuổi",
    "umur",
    "usia",
    "umurnya",
    "usianya",
    "อายุ",
    "年龄",
    "年齡",
    "عمر",
    "عمري",
    "عمرها",
    "العمر",
    "سن",
    "السن",
    "سنها",
    "उम्र",
    "उमर",
    "आयु",
    "umar",
    "umr",
];

/// Words before the number (up to three, or the end of the run of letters
/// just before it in Han and Thai) that make it a requirement, a
/// comparison, a duration or a count.
const NOT_BEFORE: &[&str] = &[
    // Romanian (for ages spelled as words: the reader in `age.rs` reads
    // Romanian digits)
    "peste",
    "sub",
    "minim",
    "experiență*",
    "vechime",
    "acum",
    "după",
    "garanție",
    "firma",
    "lucrez",
    "lucrăm",
    // Russian
    "от",
    "до",
    "с",
    "со",
    "старше",
    "младше",
    "моложе",
    "после",
    "более",
    "больше",
    "менее",
    "меньше",
    "свыше",
    "через",
    "за",
    "на",
    "уже",
    "около",
    "последние",
    "течение",
    "не",
    "опыт*",
    "стаж*",
    "гаранти*",
    "работ*",
    "живу",
    "живем",
    "живём",
    "занимаюсь",
    "существует",
    "компани*",
    "фирм*",
    "рынке",
    "каждые",
    "раз",
    "минимум",
    "максимум",
    "мин",
    "макс",
    // Ukrainian
    "від",
    "з",
    "із",
    "старше",
    "старші",
    "молодше",
    "після",
    "більше",
    "менше",
    "понад",
    "протягом",
    "вже",
    "досвід*",
    "працю*",
    "роботи",
    "кожні",
    // Polish
    "od",
    "do",
    "powyżej",
    "poniżej",
    "ponad",
    "po",
    "przez",
    "za",
    "co",
    "najmniej",
    "niż",
    "min",
    "minimum",
    "max",
    "maksymalnie",
    "doświadczeni*",
    "staż*",
    "gwaranc*",
    "pracuj*",
    "pracy",
    "firma",
    "firmy",
    "rynku",
    "już",
    "ostatnie",
    "około",
    // Tagalog
    "higit",
    "mahigit",
    "hindi",
    "bababa",
    "loob",
    "nang",
    "karanasan",
    "mula",
    "lampas",
    "kontrata",
    "trabaho",
    // Vietnamese
    "từ",
    "trên",
    "dưới",
    "đủ",
    "hơn",
    "quá",
    "tối thiểu",
    "tối đa",
    "đến",
    "độ tuổi",
    "khoảng",
    "kinh nghiệm",
    "sau",
    "trong",
    // Thai
    "ไม่เกิน",
    "ต่ำกว่า",
    "เกิน",
    "ตั้งแต่",
    "ระหว่าง",
    "ประสบการณ์",
    "มากกว่า",
    "น้อยกว่า",
    "ไม่ต่ำกว่า",
    // Indonesian
    "minimal",
    "maksimal",
    "maks",
    "pengalaman",
    "kontrak",
    "selama",
    "dari",
    "atas",
    "bawah",
    "diatas",
    "dibawah",
    "sejak",
    "lebih",
    "kurang",
    "setiap",
    "tiap",
    "sampai",
    "hingga",
    "bekerja",
    "kerja",
    "garansi",
    "berdiri",
    "sudah",
    "sebelum",
    "gaji",
    "masa",
    // Chinese
    "满",
    "滿",
    "超过",
    "超過",
    "不满",
    "不滿",
    "未满",
    "未滿",
    "低于",
    "低於",
    "高于",
    "高於",
    "大于",
    "大於",
    "小于",
    "小於",
    "不超过",
    "不超過",
    "经验",
    "經驗",
    "工作",
    "合同",
    "保修",
    "成立",
    // Arabic
    "خبرة",
    "خبره",
    "مدة",
    "لمدة",
    "منذ",
    "من",
    "فوق",
    "تحت",
    "أكثر",
    "اكثر",
    "أقل",
    "اقل",
    "حتى",
    "إلى",
    "الى",
    "بعد",
    "قبل",
    "كل",
    "عقد",
    "ضمان",
    "خلال",
    // Hindi
    "अनुभव",
    "पिछले",
    "कम",
    "अधिक",
    "ज्यादा",
    "ज़्यादा",
    "न्यूनतम",
    "अधिकतम",
    "पहले",
    "बाद",
    "तक",
    "से",
];

/// Words right after the unit that make the number a requirement, a
/// duration or a past time.
const NOT_AFTER: &[&str] = &[
    // Romanian
    "de experiență",
    "experiență",
    "în urmă",
    "vechime",
    "și peste",
    "sau mai mult",
    "de muncă",
    "de garanție",
    // Russian
    "назад",
    "опыта",
    "стажа",
    "работы",
    "и старше",
    "и более",
    "и выше",
    "подряд",
    "гарантии",
    "в компании",
    "на рынке",
    "с момента",
    "и младше",
    // Ukrainian
    "тому",
    "досвіду",
    "стажу",
    "і старше",
    "і більше",
    "поспіль",
    "гарантії",
    // Polish
    "temu",
    "doświadczenia",
    "stażu",
    "pracy",
    "i więcej",
    "i starsze",
    "i starsi",
    "lub więcej",
    "gwarancji",
    "z rzędu",
    "wzwyż",
    "w branży",
    "na rynku",
    // Tagalog
    "na karanasan",
    "karanasan",
    "pataas",
    "pababa",
    "ang nakalipas",
    "nakaraan",
    "pataas lamang",
    // Vietnamese
    "trở lên",
    "trở xuống",
    "kinh nghiệm",
    "trước",
    // Thai
    "ขึ้นไป",
    "ลงมา",
    "ที่แล้ว",
    "ก่อน",
    // Indonesian
    "lalu",
    "pengalaman",
    "keatas",
    "ke atas",
    "kebawah",
    "ke bawah",
    "lebih",
    "kurang",
    "berturut",
    "terakhir",
    "berpengalaman",
    // Chinese
    "以上",
    "以下",
    "以内",
    "以內",
    "之间",
    "之間",
    "之内",
    "之內",
    "经验",
    "經驗",
    "前",
    // Arabic
    "خبرة",
    "خبره",
    "فأكثر",
    "فما فوق",
    "وما فوق",
    "فاكثر",
    "مضت",
    "فأقل",
    "وأكثر",
    // Contracts, in any of them
    "contract",
    "kontrak",
    "kontrakt*",
    "контракт*",
    "договор*",
    "umowa",
    "umowy",
    "hợp đồng",
    "kontrata",
    "合同",
    "合约",
    "合約",
    "عقد",
    "अनुबंध",
    // Hindi
    "से",
    "का अनुभव",
    "अनुभव",
    "पहले",
    "तक",
    "या अधिक",
    "या उससे अधिक",
    "पुराना",
    "पुरानी",
    "purana",
];

/// Words for children, other people and things: an age just after them
/// is theirs, not the person's on offer ("сыну 5 лет", "con 5 tuổi",
/// "孩子5岁", "سيارة موديل 3 سنوات").
const OTHERS: &[&str] = &[
    // Russian
    "сын*",
    "доч*",
    "ребен*",
    "ребён*",
    "детей",
    "дети",
    "детям",
    "малыш*",
    "внук*",
    "машин*",
    "автомобил*",
    "авто",
    "квартир*",
    "дом",
    "дому",
    "собак*",
    "кошк*",
    "щен*",
    // Ukrainian
    "син*",
    "донь*",
    "дитин*",
    "діт*",
    "онук*",
    "автомобіл*",
    "будинк*",
    // Polish
    "syn*",
    "córk*",
    "córecz*",
    "dzieck*",
    "dzieci*",
    "wnuk*",
    "samoch*",
    "mieszkani*",
    "pies",
    "psa",
    "kot*",
    // Tagalog
    "anak",
    "bata",
    "apo",
    "sasakyan",
    "bahay",
    // Vietnamese
    "con",
    "cháu",
    "em bé",
    "xe",
    "nhà",
    "công ty",
    // Thai
    "ลูก",
    "หลาน",
    "รถ",
    "บ้าน",
    "บริษัท",
    // Indonesian
    "anak",
    "anaknya",
    "adik",
    "cucu",
    "bayi",
    "mobil",
    "motor",
    "rumah",
    "perusahaan",
    // Chinese
    "孩子",
    "儿子",
    "兒子",
    "女儿",
    "女兒",
    "宝宝",
    "寶寶",
    "小孩",
    "孙子",
    "孫子",
    "车",
    "車",
    "房子",
    "公司",
    "狗",
    "猫",
    "貓",
    // Arabic
    "ابني",
    "ابنتي",
    "ابن",
    "ابنة",
    "طفل",
    "طفلة",
    "اطفال",
    "أطفال",
    "بنتي",
    "ولدي",
    "سيارة",
    "الشركة",
    "شركة",
    // Hindi
    "बेटा",
    "बेटी",
    "बच्चा",
    "बच्चे",
    "बच्ची",
    "गाड़ी",
    "कंपनी",
];

/// Ages of 10 to 19 spelled as words, which recruiters write to get past
/// filters that look for digits ("шестнадцать лет", "p'iatnadtsiaty
/// rokiv", "enam belas tahun", "mười sáu tuổi", "อายุสิบหกปี", "solah saal",
/// "ستة عشر سنة"). A `*` at the end matches the start of a word (the
/// inflected forms: "шестнадцати", "szesnastu", "szesnastoletnia"). They
/// are read exactly as digits are: a unit after or a label before is still
/// needed, and the same words around still make the number a requirement,
/// a duration or somebody else's age.
const AGE_NUMBER_WORDS: &[(&str, u32)] = &[
    // Russian (and in Latin letters)
    ("десят*", 10),
    ("одиннадцат*", 11),
    ("двенадцат*", 12),
    ("тринадцат*", 13),
    ("четырнадцат*", 14),
    ("пятнадцат*", 15),
    ("шестнадцат*", 16),
    ("семнадцат*", 17),
    ("восемнадцат*", 18),
    ("девятнадцат*", 19),
    ("dvenadtsat*", 12),
    ("trinadtsat*", 13),
    ("chetyrnadtsat*", 14),
    ("pyatnadtsat*", 15),
    ("shestnadtsat*", 16),
    ("semnadtsat*", 17),
    ("vosemnadtsat*", 18),
    ("devyatnadtsat*", 19),
    // Ukrainian (and in Latin letters)
    ("дванадцят*", 12),
    ("тринадцят*", 13),
    ("чотирнадцят*", 14),
    ("п'ятнадцят*", 15),
    ("п’ятнадцят*", 15),
    ("пʼятнадцят*", 15),
    ("пятнадцят*", 15),
    ("шістнадцят*", 16),
    ("сімнадцят*", 17),
    ("вісімнадцят*", 18),
    ("дев'ятнадцят*", 19),
    ("дев’ятнадцят*", 19),
    ("dvanadtsiat*", 12),
    ("trynadtsiat*", 13),
    ("chotyrnadtsiat*", 14),
    ("p'iatnadtsiat*", 15),
    ("piatnadtsiat*", 15),
    ("shistnadtsiat*", 16),
    ("simnadtsiat*", 17),
    ("visimnadtsiat*", 18),
    // Polish
    ("dwana*", 12),
    ("dwunast*", 12),
    ("trzyna*", 13),
    ("czterna*", 14),
    ("piętna*", 15),
    ("szesna*", 16),
    ("siedemna*", 17),
    ("osiemna*", 18),
    ("dziewiętna*", 19),
    // Romanian (and the spoken short forms)
    ("doisprezece", 12),
    ("douăsprezece", 12),
    ("treisprezece", 13),
    ("paisprezece", 14),
    ("cincisprezece", 15),
    ("șaisprezece", 16),
    ("șaptesprezece", 17),
    ("optsprezece", 18),
    ("nouăsprezece", 19),
    ("paișpe", 14),
    ("cincișpe", 15),
    ("șaișpe", 16),
    ("șaptișpe", 17),
    ("șapteșpe", 17),
    ("optișpe", 18),
    ("nouășpe", 19),
    // Indonesian
    ("dua belas", 12),
    ("tiga belas", 13),
    ("empat belas", 14),
    ("lima belas", 15),
    ("enam belas", 16),
    ("tujuh belas", 17),
    ("delapan belas", 18),
    ("sembilan belas", 19),
    // Tagalog (and the Spanish-derived numbers of Taglish)
    ("labindalawa", 12),
    ("labintatlo", 13),
    ("labing-apat", 14),
    ("labing apat", 14),
    ("labingapat", 14),
    ("labinlima", 15),
    ("labing-anim", 16),
    ("labing anim", 16),
    ("labinganim", 16),
    ("labimpito", 17),
    ("labing-pito", 17),
    ("labingpito", 17),
    ("labingwalo", 18),
    ("labing-walo", 18),
    ("labinsiyam", 19),
    ("labing-siyam", 19),
    ("katorse", 14),
    ("kinse", 15),
    ("disisais", 16),
    ("disisyete", 17),
    ("disiotso", 18),
    // Vietnamese (the text and the list both lose their diacritics)
    ("mười hai", 12),
    ("mười ba", 13),
    ("mười bốn", 14),
    ("mười lăm", 15),
    ("mười sáu", 16),
    ("mười bảy", 17),
    ("mười tám", 18),
    ("mười chín", 19),
    // Thai
    ("สิบสอง", 12),
    ("สิบสาม", 13),
    ("สิบสี่", 14),
    ("สิบห้า", 15),
    ("สิบหก", 16),
    ("สิบเจ็ด", 17),
    ("สิบแปด", 18),
    ("สิบเก้า", 19),
    // Hindi (and Hinglish)
    ("बारह", 12),
    ("तेरह", 13),
    ("चौदह", 14),
    ("पंद्रह", 15),
    ("पन्द्रह", 15),
    ("सोलह", 16),
    ("सत्रह", 17),
    ("अठारह", 18),
    ("उन्नीस", 19),
    ("barah", 12),
    ("terah", 13),
    ("chaudah", 14),
    ("pandrah", 15),
    ("solah", 16),
    ("satrah", 17),
    ("athara", 18),
    ("atharah", 18),
    ("unnis", 19),
    // Arabic (standard and the spoken forms)
    ("اثنا عشر", 12),
    ("اثني عشر", 12),
    ("اثنتا عشرة", 12),
    ("ثلاثة عشر", 13),
    ("ثلاث عشرة", 13),
    ("أربعة عشر", 14),
    ("أربع عشرة", 14),
    ("اربعتاشر", 14),
    ("خمسة عشر", 15),
    ("خمس عشرة", 15),
    ("خمستاشر", 15),
    ("خمسطعش", 15),
    ("ستة عشر", 16),
    ("ست عشرة", 16),
    ("ستاشر", 16),
    ("سطعش", 16),
    ("سبعة عشر", 17),
    ("سبع عشرة", 17),
    ("سبعتاشر", 17),
    ("سبعطعش", 17),
    ("ثمانية عشر", 18),
    ("ثماني عشرة", 18),
    ("تمنتاشر", 18),
    ("تسعة عشر", 19),
    ("تسع عشرة", 19),
    ("تسعتاشر", 19),
];

/// Words between two numbers that make a range ("16 до 20 лет").
const RANGE_WORDS: &[&str] = &[
    "до", "do", "đến", "tới", "hingga", "sampai", "至", "到", "إلى", "الى", "से", "hanggang",
];

/// Currency words and symbols after an amount: (word, canonical). A `!`
/// at the start: the word is also an ordinary word of another language
/// (Tagalog "piso", Spanish "piso", a floor), so the amount must be at
/// least [`MIN_AFTER_PREFIX`].
const CURRENCIES: &[(&str, &str)] = &[
    ("!piso", "PHP"),
    ("руб", "RUB"),
    ("рубль", "RUB"),
    ("рубля", "RUB"),
    ("рублей", "RUB"),
    ("₽", "RUB"),
    ("т.р", "RUB"),
    ("долларов", "USD"),
    ("доллара", "USD"),
    ("доларів", "USD"),
    ("долара", "USD"),
    ("евро", "EUR"),
    ("євро", "EUR"),
    ("грн", "UAH"),
    ("гривень", "UAH"),
    ("гривні", "UAH"),
    ("гривня", "UAH"),
    ("гривен", "UAH"),
    ("₴", "UAH"),
    ("zł", "PLN"),
    ("złotych", "PLN"),
    ("złote", "PLN"),
    ("złoty", "PLN"),
    ("zlotych", "PLN"),
    ("đồng", "VND"),
    ("vnđ", "VND"),
    ("₫", "VND"),
    ("บาท", "THB"),
    ("฿", "THB"),
    ("元", "CNY"),
    ("块", "CNY"),
    ("塊", "CNY"),
    ("人民币", "CNY"),
    ("人民幣", "CNY"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("欧元", "EUR"),
    ("歐元", "EUR"),
    ("港币", "HKD"),
    ("港幣", "HKD"),
    ("台币", "TWD"),
    ("台幣", "TWD"),
    ("درهم", "AED"),
    ("دراهم", "AED"),
    ("ريال", "SAR"),
    ("دينار", "dinar"),
    ("جنيه", "EGP"),
    ("دولار", "USD"),
    ("يورو", "EUR"),
    ("ليرة", "lira"),
    ("रुपये", "INR"),
    ("रुपए", "INR"),
    ("रुपया", "INR"),
    ("रु", "INR"),
    ("rupaye", "INR"),
    ("rupees", "INR"),
];

/// Currency words before an amount ("Rp 5.000.000", "Rs. 20,000"). The
/// letters also write codes ("RP1/RP2", "RS 21"), so an amount after them
/// must be at least [`MIN_AFTER_PREFIX`] or carry a multiplier.
const PREFIXES: &[(&str, &str)] = &[
    ("rp", "IDR"),
    ("rs", "INR"),
    ("₹", "INR"),
    ("₱", "PHP"),
    ("php", "PHP"),
    ("฿", "THB"),
];

/// The smallest amount read after a currency prefix alone.
const MIN_AFTER_PREFIX: f64 = 100.0;

/// Multipliers after an amount: (word, factor, currency it implies when no
/// currency word follows). `None`: the multiplier needs a currency word to
/// be money; `Some("")`: it is money on its own, but names no currency (万
/// is written with yuan and with Taiwan dollars). A `~` at
/// the start: only glued to the number ("10tr", not "Room 12 tr").
const MULTIPLIERS: &[(&str, f64, Option<&str>)] = &[
    ("тыс", 1e3, None),
    ("тысяч", 1e3, None),
    ("тис", 1e3, None),
    ("тисяч", 1e3, None),
    ("млн", 1e6, None),
    ("tys", 1e3, None),
    ("triệu", 1e6, Some("VND")),
    ("~tr", 1e6, Some("VND")),
    ("nghìn", 1e3, Some("VND")),
    ("ngàn", 1e3, Some("VND")),
    ("juta", 1e6, Some("IDR")),
    ("jt", 1e6, Some("IDR")),
    ("ribu", 1e3, Some("IDR")),
    ("rb", 1e3, Some("IDR")),
    ("万", 1e4, Some("")),
    ("萬", 1e4, Some("")),
    ("千", 1e3, None),
    ("ألف", 1e3, None),
    ("الف", 1e3, None),
    ("हजार", 1e3, None),
    ("हज़ार", 1e3, None),
    ("लाख", 1e5, Some("INR")),
    ("lakh", 1e5, None),
    ("lakhs", 1e5, None),
    ("lac", 1e5, None),
    ("lacs", 1e5, None),
    ("crore", 1e7, None),
    ("crores", 1e7, None),
    ("करोड़", 1e7, Some("INR")),
    ("พัน", 1e3, None),
    ("หมื่น", 1e4, Some("THB")),
    ("แสน", 1e5, Some("THB")),
];

/// A word of a list in the entity form.
struct Word {
    chars: Vec<char>,
    /// Ends with `*`: matches the start of a word.
    stem: bool,
    /// Starts with a letter of a script written without spaces.
    unspaced: bool,
}

impl Word {
    fn new(w: &str) -> Word {
        let (w, stem) = match w.strip_suffix('*') {
            Some(s) => (s, true),
            None => (w, false),
        };
        let chars: Vec<char> = entity_chars(w).iter().map(|c| c.ch).collect();
        let unspaced = chars.first().is_some_and(|&c| is_unspaced(c));
        Word {
            chars,
            stem,
            unspaced,
        }
    }

    /// Whether the text at `i` spells this word; its end. Spaced words
    /// must end at a word boundary unless they are stems.
    fn at(&self, t: &Text<'_>, i: usize) -> Option<usize> {
        if self.chars.is_empty() || i + self.chars.len() > t.len() {
            return None;
        }
        for (k, &c) in self.chars.iter().enumerate() {
            if t.ch(i + k) != c {
                return None;
            }
        }
        let e = i + self.chars.len();
        let last = self.chars[self.chars.len() - 1];
        let open = self.stem || is_unspaced(last) || !is_alnum(last);
        (open || !t.is_word(e) || is_unspaced(t.ch(e))).then_some(e)
    }

    /// Whether the text ending at `e` spells this word, starting at a word
    /// boundary (or anywhere, in a script without spaces); a stem, whether
    /// the word ending at `e` starts with it.
    fn ends_at(&self, t: &Text<'_>, e: usize) -> bool {
        if self.stem && !self.unspaced {
            // The word ending at `e` starts with the stem.
            let s = t.word_start_before(e);
            return self.at(t, s).is_some_and(|x| x <= e);
        }
        let n = self.chars.len();
        if n == 0 || n > e {
            return false;
        }
        let s = e - n;
        if !self
            .chars
            .iter()
            .enumerate()
            .all(|(k, &c)| t.ch(s + k) == c)
        {
            return false;
        }
        let b = t.before(s);
        self.unspaced || !is_alnum(b) || is_unspaced(b)
    }
}

struct Lexicon {
    units: Vec<(Word, bool)>,
    labels: Vec<Word>,
    not_before: Vec<Word>,
    not_after: Vec<Word>,
    others: Vec<Word>,
    range_words: Vec<Word>,
    /// Units read only after an age spelled as a word.
    spelled_units: Vec<Word>,
    /// Ages spelled as words, grouped by their first letter (sorted by it;
    /// in a group, longest first).
    number_words: Vec<(char, Vec<(Word, u32)>)>,
    /// For each ASCII lowercase letter, the letters that follow it at the
    /// start of some word of `number_words` (one bit per letter, bit 26
    /// for anything else): nearly every word of prose is turned away by
    /// its first two letters, without a search.
    number_ascii: [u32; 26],
    /// (word, canonical, needs an amount of at least [`MIN_AFTER_PREFIX`]).
    currencies: Vec<(Word, &'static str, bool)>,
    prefixes: Vec<(Word, &'static str)>,
    /// (word, factor, implied currency, only glued to the number).
    multipliers: Vec<(Word, f64, Option<&'static str>, bool)>,
}

fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let words = |l: &[&str]| l.iter().map(|w| Word::new(w)).collect::<Vec<_>>();
        // Longest first, so "годика" is read before "год" and "ปี" after
        // nothing longer that starts the same way.
        let mut units: Vec<(Word, bool)> =
            AGE_UNITS.iter().map(|(w, l)| (Word::new(w), *l)).collect();
        units.sort_by_key(|u| std::cmp::Reverse(u.0.chars.len()));
        let mut currencies: Vec<(Word, &str, bool)> = CURRENCIES
            .iter()
            .map(|(w, c)| (Word::new(w.trim_start_matches('!')), *c, w.starts_with('!')))
            .collect();
        currencies.sort_by_key(|u| std::cmp::Reverse(u.0.chars.len()));
        let mut multipliers: Vec<(Word, f64, Option<&str>, bool)> = MULTIPLIERS
            .iter()
            .map(|(w, f, c)| {
                let glued = w.starts_with('~');
                (Word::new(w.trim_start_matches('~')), *f, *c, glued)
            })
            .collect();
        multipliers.sort_by_key(|u| std::cmp::Reverse(u.0.chars.len()));
        let mut number_words: Vec<(char, Vec<(Word, u32)>)> = Vec::new();
        for (w, v) in AGE_NUMBER_WORDS {
            let w = Word::new(w);
            let Some(&c) = w.chars.first() else { continue };
            match number_words.iter_mut().find(|(k, _)| *k == c) {
                Some((_, list)) => list.push((w, *v)),
                None => number_words.push((c, vec![(w, *v)])),
            }
        }
        number_words.sort_by_key(|(c, _)| *c);
        let mut number_ascii = [0u32; 26];
        for (c, list) in &mut number_words {
            list.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars.len()));
            if c.is_ascii_lowercase() {
                for (w, _) in list.iter() {
                    let second = w.chars.get(1).copied().unwrap_or(' ');
                    number_ascii[(*c as u8 - b'a') as usize] |= second_bit(second);
                }
            }
        }
        Lexicon {
            units,
            spelled_units: words(&["ani", "de ani"]),
            number_words,
            number_ascii,
            labels: words(AGE_LABELS),
            not_before: words(NOT_BEFORE),
            not_after: words(NOT_AFTER),
            others: words(OTHERS),
            range_words: words(RANGE_WORDS),
            currencies,
            prefixes: PREFIXES.iter().map(|(w, c)| (Word::new(w), *c)).collect(),
            multipliers,
        }
    })
}

/// Where a number may start: after a non-letter, or right after a letter
/// of a script written without spaces ("月薪8000元", "อายุ17ปี").
fn number_may_start(t: &Text<'_>, i: usize) -> bool {
    let b = t.before(i);
    t.ch(i).is_ascii_digit() && !b.is_ascii_digit() && (!is_alnum(b) || is_unspaced(b))
}

/// Skips at most one space, or a hyphen between a number and its unit
/// ("17-летняя", "17-latka").
fn skip_gap(t: &Text<'_>, i: usize) -> usize {
    match t.ch(i) {
        ' ' => i + 1,
        '-' | '‐' | '–' if t.is_word(i + 1) && !t.ch(i + 1).is_ascii_digit() => i + 1,
        _ => i,
    }
}

/// The end of the first word of `list` at `i`.
fn first_at<'w>(t: &Text<'_>, i: usize, list: impl IntoIterator<Item = &'w Word>) -> Option<usize> {
    list.into_iter().find_map(|w| w.at(t, i))
}

/// Whether one of `list` ends one of the (up to) three words before `i`,
/// alone or as the last word of a phrase, in the same sentence. Words of
/// scripts without spaces are looked for only in the run of letters just
/// before `i`: at its end, or anywhere in it with `inside_run` ("我儿子今年
/// 5岁").
fn before_has(t: &Text<'_>, i: usize, list: &[Word], words: usize, inside_run: bool) -> bool {
    let mut ends = Vec::with_capacity(words);
    let mut j = i;
    'outer: while ends.len() < words {
        let mut k = 0;
        while j > 0 && !t.is_word(j - 1) {
            if k >= 3 || matches!(t.ch(j - 1), '\n' | '.' | '!' | '?' | ';') {
                break 'outer;
            }
            j -= 1;
            k += 1;
        }
        if j == 0 {
            break;
        }
        ends.push(j);
        j = t.word_start_before(j);
    }
    let Some(&nearest) = ends.first() else {
        return false;
    };
    list.iter().any(|w| {
        if w.unspaced {
            let run = t.word_start_before(nearest);
            w.ends_at(t, nearest)
                || inside_run && (run..nearest).any(|k| w.at(t, k).is_some_and(|x| x <= nearest))
        } else {
            ends.iter().any(|&e| w.ends_at(t, e))
        }
    })
}

/// Whether one of `list` starts right after `i` (across spaces, in the
/// same clause).
fn after_has(t: &Text<'_>, i: usize, list: &[Word]) -> bool {
    let mut j = i;
    let mut k = 0;
    while j < t.len() && !t.is_word(j) {
        if k >= 2 || matches!(t.ch(j), '\n' | '.' | ',' | '!' | '?' | ';') {
            return false;
        }
        j += 1;
        k += 1;
    }
    first_at(t, j, list).is_some()
}

/// Reads the digits at `i` as an age-sized number: (end, value).
fn small_number(t: &Text<'_>, i: usize) -> Option<(usize, u32)> {
    let mut e = i;
    while t.ch(e).is_ascii_digit() {
        e += 1;
    }
    if e == i || e - i > 2 {
        return None;
    }
    let v: u32 = t.string(i, e).parse().ok()?;
    (v > 0).then_some((e, v))
}

/// A Chinese numeral of 1 to 99 ending at `e` ("十七", "二十五", "七"):
/// (start, value).
fn han_number(t: &Text<'_>, e: usize) -> Option<(usize, u32)> {
    let digit = |c: char| {
        "一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32 + 1)
            .or((c == '两' || c == '兩').then_some(2))
    };
    let mut s = e;
    while s > 0 && (digit(t.ch(s - 1)).is_some() || t.ch(s - 1) == '十') && e - s < 3 {
        s -= 1;
    }
    let run: Vec<char> = (s..e).map(|k| t.ch(k)).collect();
    let v = match run.as_slice() {
        ['十'] => 10,
        [a] => digit(*a)?,
        ['十', b] => 10 + digit(*b)?,
        [a, '十'] => digit(*a)? * 10,
        [a, '十', b] => digit(*a)? * 10 + digit(*b)?,
        _ => return None,
    };
    Some((s, v))
}

/// An age spelled as a word at `i` (see [`AGE_NUMBER_WORDS`]): (end of
/// the word, value). Only at a word's start, or anywhere in a run of a
/// script written without spaces.
#[inline]
fn word_number(t: &Text<'_>, lex: &Lexicon, i: usize) -> Option<(usize, u32)> {
    let c = t.ch(i);
    // The cheap tests first: do the first two letters start an age word?
    if c.is_ascii() {
        if !c.is_ascii_lowercase()
            || lex.number_ascii[(c as u8 - b'a') as usize] & second_bit(t.ch(i + 1)) == 0
        {
            return None;
        }
    } else if c < '\u{0400}' {
        return None;
    }
    let b = t.before(i);
    if is_alnum(b) && !is_unspaced(b) && !is_unspaced(c) {
        return None;
    }
    let k = lex
        .number_words
        .binary_search_by_key(&c, |(k, _)| *k)
        .ok()?;
    let list = &lex.number_words[k].1;
    let (w, v) = list.iter().find(|(w, _)| w.at(t, i).is_some())?;
    let mut e = w.at(t, i)?;
    if w.stem {
        // The whole inflected word: "шестнадцати", "szesnastoletnia".
        while e < t.len() && t.is_word(e) && !is_unspaced(t.ch(e)) {
            e += 1;
        }
    }
    Some((e, *v))
}

/// The bit of [`Lexicon::number_ascii`] for a word's second letter.
fn second_bit(c: char) -> u32 {
    if c.is_ascii_lowercase() {
        1 << (c as u8 - b'a')
    } else {
        1 << 26
    }
}

/// A number at `i`, in digits or spelled as an age word: (end, value).
fn number_at(t: &Text<'_>, lex: &Lexicon, i: usize) -> Option<(usize, u32)> {
    if t.ch(i).is_ascii_digit() {
        small_number(t, i)
    } else {
        word_number(t, lex, i)
    }
}

/// Ages in the source-country languages (see the module docs).
pub(super) fn ages(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let lex = lexicon();
    let n = t.len();
    let mut i = 0;
    while i < n {
        if taken.contains(i) {
            i += 1;
            continue;
        }
        let number = if number_may_start(t, i) {
            match small_number(t, i) {
                Some(x) => x,
                None => {
                    while t.ch(i).is_ascii_digit() {
                        i += 1;
                    }
                    continue;
                }
            }
        } else if let Some(x) = word_number(t, lex, i) {
            x
        } else {
            // Chinese numerals before 岁.
            if matches!(t.ch(i), '岁' | '歲') {
                if let Some((s, v)) = han_number(t, i) {
                    if s < i
                        && !before_has(t, s, &lex.others, 3, true)
                        && !before_has(t, s, &lex.not_before, 3, false)
                        && !after_has(t, i + 1, &lex.not_after)
                    {
                        super::age::push(out, taken, s, i + 1, v);
                    }
                }
            }
            i += 1;
            continue;
        };
        let (ne, age) = number;
        // A range: "16-20 лет", "16 до 20 лет", "18至25岁", "шестнадцать-семнадцать лет".
        let mut ue = ne;
        let mut j = t.skip_spaces(ne, 1);
        let range_sep = matches!(t.ch(j), '-' | '–' | '—' | '~' | '/')
            && number_at(t, lex, t.skip_spaces(j + 1, 1)).is_some();
        if range_sep {
            j = t.skip_spaces(j + 1, 1);
        } else if let Some(re) = first_at(t, j, &lex.range_words) {
            if number_at(t, lex, t.skip_spaces(re, 1)).is_some() {
                j = t.skip_spaces(re, 1);
            }
        }
        if j != t.skip_spaces(ne, 1) || range_sep {
            if let Some((me, m)) = number_at(t, lex, j) {
                if m > age {
                    ue = me;
                }
            }
        }
        let labelled = before_has(t, i, &lex.labels, 1, false);
        let u0 = skip_gap(t, ue);
        let unit = lex
            .units
            .iter()
            .find_map(|(w, needs_label)| w.at(t, u0).filter(|_| labelled || !needs_label))
            .or_else(|| {
                // Romanian "ani" after a spelled number ("șaisprezece ani");
                // after digits, `age.rs` reads it with its own checks.
                (!t.ch(i).is_ascii_digit())
                    .then(|| lex.spelled_units.iter().find_map(|w| w.at(t, u0)))
                    .flatten()
            });
        // A unit must follow, or a label precede.
        let end = match unit {
            Some(e) => e,
            None if labelled => ue,
            None => {
                i = ne;
                continue;
            }
        };
        let stated = !before_has(t, i, &lex.not_before, 3, false)
            && !before_has(t, i, &lex.others, 3, true)
            && !after_has(t, end, &lex.not_after)
            && t.before(t.skip_spaces_back(i, 1)) != '+'
            && t.ch(end) != '+';
        if stated {
            let s = if labelled && unit.is_none() {
                label_start(t, i)
            } else {
                i
            };
            super::age::push(out, taken, s, end, age);
            i = end;
        } else {
            i = end.max(ne);
        }
    }
}

/// The start of the label word before the number at `i`.
fn label_start(t: &Text<'_>, i: usize) -> usize {
    let mut k = i;
    while k > 0 && !t.is_word(k - 1) && i - k < 3 {
        k -= 1;
    }
    t.word_start_before(k)
}

/// Prices in the source-country languages (see the module docs).
pub(super) fn prices(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let lex = lexicon();
    let n = t.len();
    let mut i = 0;
    while i < n {
        let glued = lex
            .prefixes
            .iter()
            .find(|(w, _)| t.ch(i).is_ascii_digit() && is_alnum(t.before(i)) && w.ends_at(t, i));
        if !(number_may_start(t, i) || glued.is_some()) || taken.contains(i) {
            i += 1;
            continue;
        }
        let Some((ne, amount)) = super::amount::number(t, i) else {
            while t.ch(i).is_ascii_digit() {
                i += 1;
            }
            continue;
        };
        let (s, mut currency) = match currency_before(t, lex, i, glued) {
            Some((s, c)) => (s, Some(c)),
            None => (i, None),
        };
        // A multiplier, then a currency: "50 тыс. руб.", "10 triệu đồng".
        let mut e = ne;
        let mut value = amount;
        let mut money = currency.is_some() && amount >= MIN_AFTER_PREFIX;
        let j = skip_gap(t, ne);
        if let Some((me, f, c)) = multiplier_at(t, lex, j, ne) {
            value *= f;
            e = me;
            money |= currency.is_some();
            if let Some(c) = c {
                money = true;
                if currency.is_none() && !c.is_empty() {
                    currency = Some(c);
                }
            }
        }
        if currency.is_none() {
            let k = if e == ne { j } else { t.skip_spaces(e, 1) };
            if let Some((ce, c)) = currency_at(t, lex, k, value) {
                currency = Some(c);
                money = true;
                e = ce;
            }
        }
        // The euro as one letter glued to a sum ("300e", Cyrillic "300е",
        // Ukrainian "300є"), as chat writes it; not with a space, where
        // "e" is a word ("300 e 400"), and only from MIN_AFTER_PREFIX, so
        // ordinals ("15e arrondissement") and hourly rates stay numbers.
        if currency.is_none()
            && e == ne
            && value >= MIN_AFTER_PREFIX
            && matches!(t.ch(ne), 'e' | 'E' | 'е' | 'Е' | 'є' | 'Є')
            && !is_alnum(t.ch(ne + 1))
        {
            currency = Some("EUR");
            money = true;
            e = ne + 1;
        }
        if !money || taken.overlaps(s, e) {
            i = ne.max(i + 1);
            continue;
        }
        let amount_txt = super::amount::amount_text(value);
        let value_txt = match currency {
            Some(c) => format!("{amount_txt} {c}"),
            None => amount_txt,
        };
        let mut c = Cand::new(EntityKind::Price, s, e, value_txt, 0);
        c.number = Some(value);
        c.currency = currency;
        taken.add(s, e);
        out.push(c);
        i = e;
    }
}

/// A currency written before the number at `i` ("Rp 5.000.000", "Rs.
/// 20,000", "₹20,000"), or the one `glued` to it: where the price then
/// starts, and the currency.
fn currency_before(
    t: &Text<'_>,
    lex: &Lexicon,
    i: usize,
    glued: Option<&(Word, &'static str)>,
) -> Option<(usize, &'static str)> {
    let mut p = t.skip_spaces_back(i, 1);
    if t.before(p) == '.' {
        p -= 1;
    }
    let (w, c) = glued.or_else(|| lex.prefixes.iter().find(|(w, _)| w.ends_at(t, p)))?;
    Some((p - w.chars.len(), c))
}

/// A multiplier at `j`, just after the number ending at `ne` ("тыс.",
/// "triệu", "万"): its end (past an abbreviation's dot), its factor, and
/// the currency it implies (`Some("")`: money, of no one currency).
fn multiplier_at(
    t: &Text<'_>,
    lex: &Lexicon,
    j: usize,
    ne: usize,
) -> Option<(usize, f64, Option<&'static str>)> {
    let (me, f, c) = lex.multipliers.iter().find_map(|(w, f, c, glued)| {
        w.at(t, j)
            .filter(|_| !glued || j == ne)
            .map(|me| (me, *f, *c))
    })?;
    let e = if t.ch(me) == '.' { me + 1 } else { me };
    Some((e, f, c))
}

/// A currency word at `k`, after an amount of `value` ("руб.", "zł",
/// "đồng", "元"; some only after a large amount): its end (past an
/// abbreviation's dot) and the currency.
fn currency_at(t: &Text<'_>, lex: &Lexicon, k: usize, value: f64) -> Option<(usize, &'static str)> {
    let (ce, c) = lex.currencies.iter().find_map(|(w, c, large)| {
        w.at(t, k)
            .filter(|_| !large || value >= MIN_AFTER_PREFIX)
            .map(|ce| (ce, *c))
    })?;
    let e = if t.ch(ce) == '.' && !t.is_word(ce + 1) {
        ce + 1
    } else {
        ce
    };
    Some((e, c))
}
