//! E-mail addresses, URLs, messaging handles and app invitations.

use super::text::{any_in, Text};
use super::{Cand, EntityKind, Taken, T_BRACKETS, T_SPACING, T_SPELLED_AT, T_SPELLED_DOT};

/// Top-level domains accepted in a bare domain ("example.com") or in a
/// spelled-out address ("name at example dot com"). Addresses with `@` or
/// URLs with a scheme or `www.` accept any alphabetic top-level domain.
const KNOWN_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "io", "co", "me", "us", "uk", "es", "fr", "pt", "br", "mx",
    "ar", "cl", "pe", "ec", "ve", "uy", "py", "bo", "do", "ca", "de", "nl", "eu", "ru", "ua", "pl",
    "ro", "au", "nz", "ch", "be", "ly", "gg", "tv", "xyz", "online", "site", "top", "club", "app",
    "dev", "shop", "store", "link", "live", "vip", "ws", "cc", "ai", "pro", "mobi", "name", "asia",
    "cat", "gal", "lat", "cm", "ph", "th", "vn", "id", "my", "sg", "hk", "tw", "cn", "jp", "kr",
    "za", "ng", "ke", "gh", "ma", "tn", "dz", "sn", "ci", "ao", "mz", "cv",
];

const AT_WORDS: &[&str] = &["at", "arroba", "arobase"];
const DOT_WORDS: &[&str] = &["dot", "punto", "ponto", "point"];

fn is_local(c: char) -> bool {
    crate::normalize::table::is_alnum(c) || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_label(c: char) -> bool {
    crate::normalize::table::is_alnum(c) || c == '-'
}

fn open_bracket(c: char) -> Option<char> {
    Some(match c {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        _ => return None,
    })
}

/// A spelled or bracketed marker (`(at)`, `[dot]`, ` at `, `arroba`)
/// starting at `i` (spaces before it allowed): (end, techniques, bare word).
fn marker(t: &Text<'_>, i: usize, words: &[&str], sym: char) -> Option<(usize, bool, bool)> {
    let j = t.skip_spaces(i, 2);
    if let Some(close) = open_bracket(t.ch(j)) {
        let k = t.skip_spaces(j + 1, 1);
        let e = if t.ch(k) == sym {
            k + 1
        } else if t.is_word(k) {
            let we = t.word_end(k);
            t.which(k, we, words)?;
            we
        } else {
            return None;
        };
        let e = t.skip_spaces(e, 1);
        if t.ch(e) != close {
            return None;
        }
        return Some((t.skip_spaces(e + 1, 2), true, false));
    }
    if j > i && t.is_word(j) {
        let we = t.word_end(j);
        if t.which(j, we, words).is_some() && t.ch(we) == ' ' {
            return Some((t.skip_spaces(we, 2), false, true));
        }
    }
    None
}

/// A dot between labels at `i` (just after a label): `.`, ` . `, `(dot)`,
/// ` dot `. Returns (start of next label, techniques, spelled).
fn dot_at(t: &Text<'_>, i: usize) -> Option<(usize, u16, bool)> {
    if t.ch(i) == '.' && is_label(t.ch(i + 1)) && t.ch(i + 1) != '-' {
        return Some((i + 1, 0, false));
    }
    if t.ch(i) == ' ' && t.ch(i + 1) == '.' && t.ch(i + 2) == ' ' && t.is_word(i + 3) {
        return Some((i + 3, T_SPACING, false));
    }
    let (e, bracket, _) = marker(t, i, DOT_WORDS, '.')?;
    t.is_word(e).then_some((
        e,
        T_SPELLED_DOT | if bracket { T_BRACKETS } else { 0 },
        true,
    ))
}

struct Domain {
    end: usize,
    labels: Vec<String>,
    tech: u16,
    spelled: bool,
}

/// A domain name starting at `i`: labels joined by dots, at least two.
fn domain(t: &Text<'_>, i: usize) -> Option<Domain> {
    if !t.is_word(i) {
        return None;
    }
    // Label ranges, on the stack; text is copied out only for a real
    // domain (this runs at every word of every text).
    let mut ranges = [(0usize, 0usize); 8];
    let mut count = 0usize;
    let mut tech = 0;
    let mut spelled = false;
    let mut j = i;
    loop {
        let mut e = j;
        while e < t.len() && is_label(t.ch(e)) && e - j < 63 {
            e += 1;
        }
        while e > j && t.ch(e - 1) == '-' {
            e -= 1;
        }
        if e == j {
            return None;
        }
        ranges[count] = (j, e);
        count += 1;
        let labels = &ranges[..count];
        match dot_at(t, e) {
            Some((next, tch, sp)) if count < 8 => {
                // A spelled dot must lead to a known top-level domain or to
                // another label followed by a dot.
                if sp {
                    let ne = t.word_end(next);
                    let word = t.string(next, ne);
                    let more = dot_at(t, ne).is_some();
                    if !KNOWN_TLDS.contains(&word.as_str()) && !more {
                        return finish(t, labels, e, tech, spelled);
                    }
                }
                tech |= tch;
                spelled |= sp;
                j = next;
            }
            _ => return finish(t, labels, e, tech, spelled),
        }
    }
}

fn finish(
    t: &Text<'_>,
    labels: &[(usize, usize)],
    end: usize,
    tech: u16,
    spelled: bool,
) -> Option<Domain> {
    if labels.len() < 2 {
        return None;
    }
    let labels: Vec<String> = labels.iter().map(|&(s, e)| t.string(s, e)).collect();
    let tld = labels.last()?;
    if tld.chars().count() < 2
        || tld.chars().count() > 24
        || !tld.chars().all(crate::normalize::table::is_alpha)
    {
        return None;
    }
    Some(Domain {
        end,
        labels,
        tech,
        spelled,
    })
}

fn known_tld(d: &Domain) -> bool {
    d.labels
        .last()
        .is_some_and(|t| KNOWN_TLDS.contains(&t.as_str()))
}

pub(super) fn emails(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        let found = if t.ch(i) == '@' {
            Some((i, t.skip_spaces(i + 1, 1), 0u16, false))
        } else if (t.ch(i) == ' ' || open_bracket(t.ch(i)).is_some())
            && crate::normalize::table::is_alnum(t.before(i))
        {
            marker(t, i, AT_WORDS, '@').map(|(e, bracket, bare)| {
                let tech = if bracket { T_BRACKETS } else { 0 }
                    | if bare || !t.string(i, e).contains('@') {
                        T_SPELLED_AT
                    } else {
                        0
                    };
                (i, e, tech, bare)
            })
        } else {
            None
        };
        let Some((ms, me, mut tech, bare)) = found else {
            i += 1;
            continue;
        };
        // Local part.
        let mut le = ms;
        if t.ch(ms) == '@' && t.before(ms) == ' ' {
            le = ms - 1;
            tech |= T_SPACING;
        }
        if t.ch(ms) == '@' && me > ms + 1 {
            tech |= T_SPACING;
        }
        let mut ls = le;
        while ls > 0 && is_local(t.ch(ls - 1)) && le - ls < 64 {
            ls -= 1;
        }
        while ls < le && !t.is_word(ls) {
            ls += 1;
        }
        let Some(d) = domain(t, me) else {
            i = me.max(i + 1);
            continue;
        };
        let local = t.string(ls, le);
        let handle_like = local
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '.' | '_'));
        let ok = ls < le
            && !taken.overlaps(ls, d.end)
            && if tech & (T_SPELLED_AT | T_BRACKETS) != 0 || d.spelled || tech & T_SPACING != 0 {
                known_tld(&d) && (!bare || d.spelled || handle_like)
            } else {
                true
            };
        if ok {
            tech |= d.tech;
            let value = format!("{local}@{}", d.labels.join("."));
            taken.add(ls, d.end);
            out.push(Cand::new(EntityKind::Email, ls, d.end, value, tech));
            i = d.end;
        } else {
            i = me.max(i + 1);
        }
    }
}

/// The platform a host belongs to.
fn host_platform(host: &str) -> Option<&'static str> {
    let h = host.strip_prefix("www.").unwrap_or(host);
    Some(match h {
        "wa.me" | "whatsapp.com" | "chat.whatsapp.com" | "api.whatsapp.com" | "wa.link" => {
            "whatsapp"
        }
        "t.me" | "telegram.me" | "telegram.dog" => "telegram",
        "signal.me" | "signal.group" => "signal",
        "kik.me" => "kik",
        "snapchat.com" => "snapchat",
        "line.me" => "line",
        "instagram.com" => "instagram",
        "onlyfans.com" => "onlyfans",
        "u.wechat.com" | "weixin.qq.com" => "wechat",
        _ => return None,
    })
}

fn is_path(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '"' | '\'' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}' | '\0'
        )
}

pub(super) fn urls(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if !t.word_starts(i) || taken.contains(i) || matches!(t.before(i), '@' | '.' | '-' | '_') {
            i += 1;
            continue;
        }
        let we = t.word_end(i);
        let (host_start, scheme) =
            if (t.is(i, we, "http") || t.is(i, we, "https")) && t.is(we, we + 3, "://") {
                (we + 3, true)
            } else {
                (i, false)
            };
        let Some(d) = domain(t, host_start) else {
            i = we;
            continue;
        };
        let www = d.labels[0] == "www";
        let host = d.labels.join(".");
        let platform = host_platform(&host);
        if !(scheme || www || known_tld(&d) || platform.is_some()) {
            i = d.end;
            continue;
        }
        // Bare domains: a first label of one letter is an initial ("J.Lo").
        if !scheme && !www && platform.is_none() && d.labels[0].chars().count() < 2 {
            i = d.end;
            continue;
        }
        if taken.overlaps(i, d.end) || t.ch(d.end) == '@' {
            i = d.end;
            continue;
        }
        let mut e = d.end;
        if t.ch(e) == '/' || t.ch(e) == '?' {
            while e < n && is_path(t.ch(e)) {
                e += 1;
            }
            while e > d.end && matches!(t.ch(e - 1), '.' | ',' | ';' | ':' | '!' | '?') {
                e -= 1;
            }
        }
        let path = t.string(d.end, e);
        let path = path.trim_end_matches('/');
        let canon_host = host.strip_prefix("www.").unwrap_or(&host);
        let value = format!("{canon_host}{path}");
        let mut c = Cand::new(EntityKind::Url, i, e, value, d.tech);
        c.platform = platform;
        taken.add(i, e);
        out.push(c);
        i = e;
    }
}

/// Messaging apps and networks: (word, platform, strong). A strong name is
/// a contact channel on its own; a weak one ("sc", "line", "signal") only
/// with a `:` or an `@` before the handle, or after "on"/"via".
const PLATFORMS: &[(&str, &str, bool)] = &[
    ("whatsapp", "whatsapp", true),
    ("whatsap", "whatsapp", true),
    ("watsapp", "whatsapp", true),
    ("watsap", "whatsapp", true),
    ("wasap", "whatsapp", true),
    ("wassap", "whatsapp", true),
    ("guasap", "whatsapp", true),
    ("zap", "whatsapp", true),
    ("zapzap", "whatsapp", true),
    ("wsp", "whatsapp", false),
    ("wpp", "whatsapp", false),
    ("wa", "whatsapp", false),
    ("telegram", "telegram", true),
    ("telegrama", "telegram", true),
    ("tlgrm", "telegram", true),
    ("tg", "telegram", false),
    ("signal", "signal", false),
    ("kik", "kik", true),
    ("snapchat", "snapchat", true),
    ("snap", "snapchat", false),
    ("sc", "snapchat", false),
    ("wechat", "wechat", true),
    ("weixin", "wechat", true),
    ("wx", "wechat", false),
    ("vx", "wechat", false),
    ("line", "line", false),
    ("instagram", "instagram", true),
    ("insta", "instagram", false),
    ("ig", "instagram", false),
    ("skype", "skype", true),
    ("viber", "viber", true),
    ("threema", "threema", true),
    ("wickr", "wickr", true),
    ("onlyfans", "onlyfans", true),
];

/// Words that are never a handle.
const NOT_HANDLES: &[&str] = &[
    "only",
    "me",
    "us",
    "the",
    "and",
    "for",
    "please",
    "pls",
    "plz",
    "now",
    "today",
    "anytime",
    "available",
    "preferred",
    "number",
    "contact",
    "details",
    "info",
    "app",
    "message",
    "msg",
    "text",
    "call",
    "is",
    "or",
    "too",
    "also",
    "group",
    "channel",
    "solo",
    "por",
    "para",
    "y",
    "ou",
    "et",
    "seulement",
    "apenas",
    "somente",
    "id",
    "user",
    "username",
    "handle",
    "add",
    "with",
    "con",
    "com",
    "avec",
    "at",
    "on",
    "in",
    "to",
    "de",
    "en",
    "no",
    "na",
    "sur",
];

fn platform_at(t: &Text<'_>, s: usize, e: usize) -> Option<(usize, &'static str, bool)> {
    if e - s < 2 || e - s > 9 {
        return None;
    }
    if t.is(s, e, "whats") {
        if let Some((ns, ne)) = t.next_word(e, 1) {
            if t.is(ns, ne, "app") {
                return Some((ne, "whatsapp", true));
            }
        }
        return None;
    }
    if t.is(s, e, "snap") {
        if let Some((ns, ne)) = t.next_word(e, 1) {
            if t.is(ns, ne, "chat") {
                return Some((ne, "snapchat", true));
            }
        }
    }
    PLATFORMS
        .iter()
        .find(|p| t.is(s, e, p.0))
        .map(|p| (e, p.1, p.2))
}

/// A handle token starting at `i`: its end.
fn handle_end(t: &Text<'_>, i: usize) -> Option<usize> {
    let mut e = i;
    if t.is_emoji(i) {
        return None;
    }
    while e < t.len()
        && (t.is_word(e) || matches!(t.ch(e), '.' | '_'))
        && !t.is_emoji(e)
        && e - i < 33
    {
        e += 1;
    }
    while e > i && matches!(t.ch(e - 1), '.' | '_') {
        e -= 1;
    }
    let h = t.string(i, e);
    let len = h.chars().count();
    if !(3..=32).contains(&len)
        || !t.is_word(i)
        || !h.chars().any(crate::normalize::table::is_alpha)
        || NOT_HANDLES.contains(&h.as_str())
        || t.is_word(e)
    {
        return None;
    }
    Some(e)
}

pub(super) fn handles(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if taken.contains(i) {
            i += 1;
            continue;
        }
        // "@handle" on its own.
        if t.ch(i) == '@' && !crate::normalize::table::is_alnum(t.before(i)) {
            if let Some(e) = handle_end(t, i + 1) {
                if !taken.overlaps(i, e) {
                    let mut c = Cand::new(EntityKind::Handle, i, e, t.string(i + 1, e), 0);
                    let before = t.words_before(i, 4, 3);
                    c.platform = before
                        .iter()
                        .find_map(|w| PLATFORMS.iter().find(|p| p.0 == w && p.2).map(|p| p.1));
                    taken.add(i, e);
                    out.push(c);
                    i = e;
                    continue;
                }
            }
        }
        if !t.word_starts(i) {
            i += 1;
            continue;
        }
        let we = t.word_end(i);
        let Some((pe, platform, strong)) = platform_at(t, i, we) else {
            i = we;
            continue;
        };
        let (j, marked, dash) = lead_in(t, pe);
        if let Some(e) = handle_end(t, j) {
            let h = t.string(j, e);
            let distinctive = h
                .chars()
                .any(|c| c.is_ascii_digit() || matches!(c, '.' | '_'));
            let is_domain = t.ch(e) == '.' && t.is_word(e + 1);
            if (marked || ((strong || dash) && distinctive)) && !is_domain && !taken.overlaps(i, e)
            {
                let mut c = Cand::new(EntityKind::Handle, j, e, h, 0);
                c.platform = Some(platform);
                taken.add(i, e);
                out.push(c);
                i = e;
                continue;
            }
        }
        i = we;
    }
}

/// The separators and filler words between a platform's name (ending at
/// `pe`) and a handle: where the handle would start, whether something
/// marks it as the handle (a colon, an arrow, an emoji, an `@`, "id",
/// "user"), and whether a dash or slash does (which counts only if the
/// handle looks like one).
fn lead_in(t: &Text<'_>, pe: usize) -> (usize, bool, bool) {
    let n = t.len();
    let mut j = pe;
    let mut marked = false;
    let mut dash = false;
    let mut steps = 0;
    while j < n && steps < 12 {
        if t.is_emoji(j) {
            // "Kik ➡ sweetpea99": an emoji points at the handle.
            marked = true;
            j += 1;
            continue;
        }
        match t.ch(j) {
            ' ' | '(' | ')' => j += 1,
            '-' | '/' => {
                dash = true;
                j += 1;
            }
            c if crate::normalize::table::is_alnum(c) => {
                let e = t.word_end(j);
                let w = t.string(j, e);
                if matches!(
                    w.as_str(),
                    "id" | "user" | "username" | "handle" | "is" | "me" | "at"
                ) {
                    marked |= w != "me" && w != "at";
                    j = e;
                } else {
                    break;
                }
            }
            '.' | '_' | '\n' | '\0' | ',' | ';' | '!' | '?' => break,
            _ => {
                marked = true;
                j += 1;
            }
        }
        steps += 1;
    }
    (j, marked, dash)
}

const VIA: &[&str] = &[
    "on", "in", "via", "through", "by", "por", "pelo", "pela", "no", "na", "sur", "par", "en",
    "al", "ao", "to",
];

pub(super) fn messaging(t: &Text<'_>, taken: &mut Taken, out: &mut Vec<Cand>) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        if !t.word_starts(i) || taken.contains(i) {
            i += 1;
            continue;
        }
        let we = t.word_end(i);
        if let Some((pe, platform, strong)) = platform_at(t, i, we) {
            let before = t.words_before(i, 1, 3);
            let via = before.first().is_some_and(|w| VIA.contains(&w.as_str()));
            let colon = t.ch(t.skip_spaces(pe, 1)) == ':';
            // "on line" is "online": Line needs "Line:" or "Line ID".
            let weak_ok = if platform == "line" {
                colon
            } else {
                via || colon
            };
            if (strong || weak_ok) && !taken.overlaps(i, pe) {
                let mut c = Cand::new(EntityKind::Messaging, i, pe, platform.to_string(), 0);
                c.platform = Some(platform);
                taken.add(i, pe);
                out.push(c);
            }
            i = pe;
            continue;
        }
        // "text me on the app", "hit me up on the app".
        if t.is(i, we, "app") || t.is(i, we, "apps") {
            let before = t.words_before(i, 3, 3);
            let mut k = 0;
            if before.first().is_some_and(|w| {
                matches!(w.as_str(), "the" | "la" | "el" | "l" | "o" | "a" | "that")
            }) {
                k = 1;
            }
            let via_app = before.get(k).is_some_and(|w| VIA.contains(&w.as_str()));
            let wide = t.words_before(i, 6, 3);
            let to_me = any_in(&wide, &["me", "us", "moi", "nos", "nous"]);
            if via_app && to_me && !taken.overlaps(i, we) {
                let mut c = Cand::new(EntityKind::Messaging, i, we, "app".to_string(), 0);
                c.platform = Some("app");
                taken.add(i, we);
                out.push(c);
            }
        }
        i = we;
    }
}
