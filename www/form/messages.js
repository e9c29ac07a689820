// Interface strings of the form integration, for posters. Override any of
// them with `attachForm(form, { strings })`. They describe policy in general
// terms and never name what matched.
//
// `blockHelp` holds the words that link to the posting rules in [brackets]:
// with `attachForm(form, { rulesUrl })` they become a link (opening in a new
// tab, so the draft stays; `newTab` says so), without it plain words.
// `appeal` (shown under a block message only with `attachForm(form,
// { appealUrl })`) links the words in [brackets] to the appeal page, and
// `{ref}` is the block's reference id.
//
// Languages: the four the first packs covered (en, es, fr, pt), then ro, ru,
// uk, pl, tl (Tagalog/Filipino), vi, th, id, zh (simplified Chinese),
// zh-Hant (traditional Chinese), ar (right to left) and hi.
export const uiStrings = {
  en: {
    warnHeading: "Please check your ad before posting.",
    reviewHeading: "Your ad will be checked by our team before it appears.",
    blockHeading: "This ad can't be posted.",
    blockHelp: "Please read our [posting rules] and change your ad.",
    review: "Thank you. Your ad will be checked by our team before it appears.",
    checkThese: "These parts of your ad may break our rules:",
    edit: "Edit my ad",
    postAnyway: "Post anyway",
    newTab: "(opens in a new tab)",
    appeal: "Think this is a mistake? [Appeal this decision] and give the reference {ref}.",
  },
  es: {
    warnHeading: "Revisa tu anuncio antes de publicarlo.",
    reviewHeading: "Nuestro equipo revisará tu anuncio antes de publicarlo.",
    blockHeading: "Este anuncio no se puede publicar.",
    blockHelp: "Lee nuestras [normas de publicación] y modifica tu anuncio.",
    review: "Gracias. Nuestro equipo revisará tu anuncio antes de publicarlo.",
    checkThese: "Estas partes de tu anuncio pueden incumplir nuestras normas:",
    edit: "Editar mi anuncio",
    postAnyway: "Publicar de todos modos",
    newTab: "(se abre en una pestaña nueva)",
    appeal: "¿Crees que es un error? [Recurre esta decisión] e indica la referencia {ref}.",
  },
  fr: {
    warnHeading: "Veuillez vérifier votre annonce avant de la publier.",
    reviewHeading: "Notre équipe vérifiera votre annonce avant sa publication.",
    blockHeading: "Cette annonce ne peut pas être publiée.",
    blockHelp: "Veuillez lire nos [règles de publication] et modifier votre annonce.",
    review: "Merci. Notre équipe vérifiera votre annonce avant sa publication.",
    checkThese: "Ces passages de votre annonce peuvent enfreindre nos règles :",
    edit: "Modifier mon annonce",
    postAnyway: "Publier quand même",
    newTab: "(s’ouvre dans un nouvel onglet)",
    appeal: "Vous pensez qu’il s’agit d’une erreur ? [Contestez cette décision] en indiquant la référence {ref}.",
  },
  pt: {
    warnHeading: "Verifique o seu anúncio antes de publicar.",
    reviewHeading: "A nossa equipa vai verificar o seu anúncio antes de ser publicado.",
    blockHeading: "Este anúncio não pode ser publicado.",
    blockHelp: "Leia as nossas [regras de publicação] e altere o seu anúncio.",
    review: "Obrigado. A nossa equipa vai verificar o seu anúncio antes de ser publicado.",
    checkThese: "Estas partes do seu anúncio podem violar as nossas regras:",
    edit: "Editar o meu anúncio",
    postAnyway: "Publicar mesmo assim",
    newTab: "(abre num novo separador)",
    appeal: "Acha que é um erro? [Recorra desta decisão] e indique a referência {ref}.",
  },
  ro: {
    warnHeading: "Vă rugăm să verificați anunțul înainte de publicare.",
    reviewHeading: "Echipa noastră va verifica anunțul înainte să apară pe site.",
    blockHeading: "Acest anunț nu poate fi publicat.",
    blockHelp: "Vă rugăm să citiți [regulile de publicare] și să modificați anunțul.",
    review: "Vă mulțumim. Echipa noastră va verifica anunțul înainte să apară pe site.",
    checkThese: "Aceste părți ale anunțului pot încălca regulile noastre:",
    edit: "Modific anunțul",
    postAnyway: "Public oricum",
    newTab: "(se deschide într-o filă nouă)",
    appeal: "Credeți că este o greșeală? [Contestați această decizie] și indicați referința {ref}.",
  },
  ru: {
    warnHeading: "Пожалуйста, проверьте объявление перед публикацией.",
    reviewHeading: "Наша команда проверит объявление, прежде чем оно появится на сайте.",
    blockHeading: "Это объявление нельзя опубликовать.",
    blockHelp: "Пожалуйста, ознакомьтесь с [правилами размещения] и измените объявление.",
    review: "Спасибо. Наша команда проверит объявление, прежде чем оно появится на сайте.",
    checkThese: "Эти части объявления могут нарушать наши правила:",
    edit: "Изменить объявление",
    postAnyway: "Всё равно опубликовать",
    newTab: "(откроется в новой вкладке)",
    appeal: "Считаете, что это ошибка? [Обжалуйте это решение] и укажите номер {ref}.",
  },
  uk: {
    warnHeading: "Будь ласка, перевірте оголошення перед публікацією.",
    reviewHeading: "Наша команда перевірить оголошення, перш ніж воно з’явиться на сайті.",
    blockHeading: "Це оголошення не можна опублікувати.",
    blockHelp: "Будь ласка, ознайомтеся з [правилами розміщення] та змініть оголошення.",
    review: "Дякуємо. Наша команда перевірить оголошення, перш ніж воно з’явиться на сайті.",
    checkThese: "Ці частини оголошення можуть порушувати наші правила:",
    edit: "Змінити оголошення",
    postAnyway: "Усе одно опублікувати",
    newTab: "(відкриється в новій вкладці)",
    appeal: "Вважаєте, що це помилка? [Оскаржте це рішення] та вкажіть номер {ref}.",
  },
  pl: {
    warnHeading: "Prosimy sprawdzić ogłoszenie przed publikacją.",
    reviewHeading: "Nasz zespół sprawdzi ogłoszenie, zanim pojawi się w serwisie.",
    blockHeading: "Tego ogłoszenia nie można opublikować.",
    blockHelp: "Prosimy zapoznać się z [zasadami publikowania] i zmienić ogłoszenie.",
    review: "Dziękujemy. Nasz zespół sprawdzi ogłoszenie, zanim pojawi się w serwisie.",
    checkThese: "Te fragmenty ogłoszenia mogą naruszać nasze zasady:",
    edit: "Edytuj ogłoszenie",
    postAnyway: "Opublikuj mimo to",
    newTab: "(otwiera się w nowej karcie)",
    appeal: "Uważasz, że to pomyłka? [Odwołaj się od tej decyzji] i podaj numer referencyjny {ref}.",
  },
  tl: {
    warnHeading: "Pakisuri ang iyong anunsyo bago ito i-post.",
    reviewHeading: "Susuriin ng aming team ang iyong anunsyo bago ito lumabas.",
    blockHeading: "Hindi maaaring i-post ang anunsyong ito.",
    blockHelp: "Pakibasa ang aming [mga patakaran sa pag-post] at baguhin ang iyong anunsyo.",
    review: "Salamat. Susuriin ng aming team ang iyong anunsyo bago ito lumabas.",
    checkThese: "Maaaring labag sa aming mga patakaran ang mga bahaging ito ng iyong anunsyo:",
    edit: "I-edit ang aking anunsyo",
    postAnyway: "I-post pa rin",
    newTab: "(magbubukas sa bagong tab)",
    appeal: "Sa tingin mo ay mali ito? [Iapela ang desisyong ito] at ibigay ang reference na {ref}.",
  },
  vi: {
    warnHeading: "Vui lòng kiểm tra tin đăng trước khi đăng.",
    reviewHeading: "Đội ngũ của chúng tôi sẽ kiểm tra tin đăng của bạn trước khi tin được hiển thị.",
    blockHeading: "Tin này không thể đăng.",
    blockHelp: "Vui lòng đọc [quy định đăng tin] của chúng tôi và chỉnh sửa tin đăng.",
    review: "Cảm ơn bạn. Đội ngũ của chúng tôi sẽ kiểm tra tin đăng của bạn trước khi tin được hiển thị.",
    checkThese: "Những phần này trong tin đăng của bạn có thể vi phạm quy định của chúng tôi:",
    edit: "Chỉnh sửa tin đăng",
    postAnyway: "Vẫn đăng tin",
    newTab: "(mở trong thẻ mới)",
    appeal: "Bạn cho rằng đây là nhầm lẫn? [Khiếu nại quyết định này] và cung cấp mã tham chiếu {ref}.",
  },
  th: {
    warnHeading: "โปรดตรวจสอบประกาศของคุณก่อนลงประกาศ",
    reviewHeading: "ทีมงานของเราจะตรวจสอบประกาศของคุณก่อนเผยแพร่",
    blockHeading: "ประกาศนี้ไม่สามารถเผยแพร่ได้",
    blockHelp: "โปรดอ่าน[กฎการลงประกาศ]ของเรา แล้วแก้ไขประกาศของคุณ",
    review: "ขอบคุณ ทีมงานของเราจะตรวจสอบประกาศของคุณก่อนเผยแพร่",
    checkThese: "ส่วนเหล่านี้ในประกาศของคุณอาจขัดต่อกฎของเรา:",
    edit: "แก้ไขประกาศ",
    postAnyway: "ลงประกาศต่อไป",
    newTab: "(เปิดในแท็บใหม่)",
    appeal: "คิดว่านี่เป็นความผิดพลาดใช่ไหม [ยื่นอุทธรณ์คำตัดสินนี้] และแจ้งหมายเลขอ้างอิง {ref}",
  },
  id: {
    warnHeading: "Harap periksa iklan Anda sebelum dipasang.",
    reviewHeading: "Tim kami akan memeriksa iklan Anda sebelum ditayangkan.",
    blockHeading: "Iklan ini tidak dapat diterbitkan.",
    blockHelp: "Harap baca [aturan pemasangan iklan] kami dan ubah iklan Anda.",
    review: "Terima kasih. Tim kami akan memeriksa iklan Anda sebelum ditayangkan.",
    checkThese: "Bagian iklan berikut mungkin melanggar aturan kami:",
    edit: "Ubah iklan saya",
    postAnyway: "Tetap pasang",
    newTab: "(terbuka di tab baru)",
    appeal: "Menurut Anda ini keliru? [Ajukan banding atas keputusan ini] dan sertakan nomor referensi {ref}.",
  },
  zh: {
    warnHeading: "发布前请检查您的广告。",
    reviewHeading: "您的广告将由我们的团队审核后再显示。",
    blockHeading: "此广告不能发布。",
    blockHelp: "请阅读我们的[发布规则]并修改您的广告。",
    review: "谢谢。您的广告将由我们的团队审核后再显示。",
    checkThese: "您广告中的以下部分可能违反我们的规则：",
    edit: "修改我的广告",
    postAnyway: "仍然发布",
    newTab: "（在新标签页中打开）",
    appeal: "认为这是错误？请[对此决定提出申诉]，并提供参考编号 {ref}。",
  },
  "zh-Hant": {
    warnHeading: "刊登前請檢查您的廣告。",
    reviewHeading: "您的廣告將由我們的團隊審核後再顯示。",
    blockHeading: "此廣告無法刊登。",
    blockHelp: "請閱讀我們的[刊登規則]並修改您的廣告。",
    review: "謝謝。您的廣告將由我們的團隊審核後再顯示。",
    checkThese: "您廣告中的以下部分可能違反我們的規則：",
    edit: "修改我的廣告",
    postAnyway: "仍要刊登",
    newTab: "（在新分頁中開啟）",
    appeal: "認為這是錯誤？請[對此決定提出申訴]，並提供參考編號 {ref}。",
  },
  ar: {
    warnHeading: "يرجى مراجعة إعلانك قبل نشره.",
    reviewHeading: "سيراجع فريقنا إعلانك قبل ظهوره.",
    blockHeading: "لا يمكن نشر هذا الإعلان.",
    blockHelp: "يرجى قراءة [قواعد النشر] لدينا وتعديل إعلانك.",
    review: "شكرًا لك. سيراجع فريقنا إعلانك قبل ظهوره.",
    checkThese: "قد تخالف هذه الأجزاء من إعلانك قواعدنا:",
    edit: "تعديل إعلاني",
    postAnyway: "النشر على أي حال",
    newTab: "(يُفتح في علامة تبويب جديدة)",
    appeal: "هل تعتقد أن هذا خطأ؟ [اعترض على هذا القرار] واذكر الرقم المرجعي {ref}.",
  },
  hi: {
    warnHeading: "कृपया पोस्ट करने से पहले अपना विज्ञापन जांच लें।",
    reviewHeading: "आपका विज्ञापन दिखने से पहले हमारी टीम उसकी जांच करेगी।",
    blockHeading: "यह विज्ञापन प्रकाशित नहीं किया जा सकता।",
    blockHelp: "कृपया हमारे [पोस्ट करने के नियम] पढ़ें और अपना विज्ञापन बदलें।",
    review: "धन्यवाद। आपका विज्ञापन दिखने से पहले हमारी टीम उसकी जांच करेगी।",
    checkThese: "आपके विज्ञापन के ये हिस्से हमारे नियमों के खिलाफ़ हो सकते हैं:",
    edit: "अपना विज्ञापन बदलें",
    postAnyway: "फिर भी पोस्ट करें",
    newTab: "(नए टैब में खुलता है)",
    appeal: "क्या आपको लगता है कि यह गलती है? [इस निर्णय के विरुद्ध अपील करें] और संदर्भ संख्या {ref} बताएँ।",
  },
};

/** Languages written right to left. */
const RTL = new Set(["ar"]);

/** Chinese written in traditional characters: script subtag, or a region that uses it. */
const TRADITIONAL = new Set(["hant", "tw", "hk", "mo"]);

/** Other names of the languages above. */
const ALIASES = { fil: "tl", in: "id" };

/**
 * Picks the interface language for a BCP 47 tag (`options.lang` or the
 * page's `<html lang>`): region subtags are dropped (`pt-BR` → `pt`),
 * Chinese goes to traditional characters for `zh-Hant`, `zh-TW`, `zh-HK`
 * and `zh-MO` and to simplified ones otherwise, `fil` is Tagalog, and a
 * language without strings falls back to English.
 *
 * @param {string | null | undefined} tag
 * @returns {keyof typeof uiStrings}
 */
export function resolveLang(tag) {
  const parts = String(tag || "en").trim().toLowerCase().replace(/_/g, "-").split("-");
  const base = ALIASES[parts[0]] ?? parts[0];
  if (base === "zh") {
    // zh-Hans-HK is simplified: the script, when given, decides.
    if (parts.includes("hans")) return "zh";
    return parts.slice(1).some((p) => TRADITIONAL.has(p)) ? "zh-Hant" : "zh";
  }
  return Object.hasOwn(uiStrings, base) ? base : "en";
}

/**
 * The direction an interface language is written in.
 *
 * @param {string} lang a key of `uiStrings`
 * @returns {"rtl" | "ltr"}
 */
export function textDirection(lang) {
  return RTL.has(lang) ? "rtl" : "ltr";
}

/**
 * The default packs' poster messages that only say the ad cannot be
 * published (in each pack language). A block message shows its own heading
 * for that, so these are left out of its list: the box says it once.
 */
export const refusals = [
  "This ad cannot be published.",
  "This ad cannot be published as written.",
  "Este anuncio no se puede publicar.",
  "Este anuncio no se puede publicar tal como está.",
  "Cette annonce ne peut pas être publiée.",
  "Cette annonce ne peut pas être publiée telle quelle.",
  "Este anúncio não pode ser publicado.",
  "Este anúncio não pode ser publicado como está.",
  "Acest anunț nu poate fi publicat.",
  "Acest anunț nu poate fi publicat în această formă.",
  "Это объявление не может быть опубликовано.",
  "Это объявление не может быть опубликовано в таком виде.",
  "Це оголошення не може бути опубліковане.",
  "Це оголошення не може бути опубліковане в такому вигляді.",
  "To ogłoszenie nie może zostać opublikowane.",
  "To ogłoszenie nie może zostać opublikowane w tej formie.",
  "Hindi maaaring i-post ang anunsyong ito.",
  "Hindi maaaring i-post ang anunsyong ito sa ganitong anyo.",
  "Tin này không thể đăng.",
  "Tin này không thể đăng ở dạng hiện tại.",
  "ประกาศนี้ไม่สามารถเผยแพร่ได้",
  "ประกาศนี้ไม่สามารถเผยแพร่ได้ในรูปแบบนี้",
  "Iklan ini tidak dapat diterbitkan.",
  "Iklan ini tidak dapat diterbitkan dalam bentuk ini.",
  "此广告不能发布。",
  "此广告目前的内容不能发布。",
  "لا يمكن نشر هذا الإعلان.",
  "لا يمكن نشر هذا الإعلان بصيغته الحالية.",
  "यह विज्ञापन प्रकाशित नहीं किया जा सकता।",
  "यह विज्ञापन इस रूप में प्रकाशित नहीं किया जा सकता।",
];
