//! Byte offsets to UTF-16 offsets: JavaScript strings index UTF-16 code
//! units, so every span that leaves the engine (hits, entities) carries both.

/// For sorted byte offsets (on char boundaries), their UTF-16 offsets.
pub(crate) fn utf16_offsets(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(offsets.len());
    if offsets.is_empty() {
        return out;
    }
    // Only the text up to the last offset needs counting.
    let last = offsets[offsets.len() - 1].min(text.len());
    let mut cut = last;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    let text = &text[..cut];
    let mut it = offsets.iter().peekable();
    let mut u16pos = 0usize;
    for (b, ch) in text.char_indices() {
        while let Some(&&o) = it.peek() {
            if o <= b {
                out.push((o, u16pos));
                it.next();
            } else {
                break;
            }
        }
        u16pos += ch.len_utf16();
    }
    for &o in it {
        out.push((o, u16pos));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::utf16_offsets;

    #[test]
    fn utf16_offsets_count_surrogates() {
        let t = "a😀b€c";
        let offs = [0, 1, 5, 6, 9, 10];
        let v = utf16_offsets(t, &offs);
        assert_eq!(v, vec![(0, 0), (1, 1), (5, 3), (6, 4), (9, 5), (10, 6)]);
    }
}
