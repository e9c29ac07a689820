//! The built-in image split in two for embedding: its strings, which the
//! build checks as UTF-8 once (`include_str!`), and the rest.
//!
//! Decoding checked every string of the image as UTF-8 at each engine
//! start, about a tenth of the start-up. The package build splits the
//! image in `build.rs` (which includes this file), embeds the strings with
//! `include_str!`, so the compiler has checked them, and the engine reads
//! them from there (`crate::image::decode_split`).

/// Splits an image after its header: `(image without its strings, the
/// strings)`. The length of the strings stays in the first part. `None`
/// when the bytes are not an image with a whole header and valid UTF-8
/// strings.
pub fn split(bytes: &[u8]) -> Option<(Vec<u8>, String)> {
    let mut i = 8; // the magic
    leb(bytes, &mut i)?; // the format
    for _ in 0..2 {
        // the crate version and the Unicode table id
        let n = usize::try_from(leb(bytes, &mut i)?).ok()?;
        i = i.checked_add(n)?;
    }
    let n = usize::try_from(leb(bytes, &mut i)?).ok()?;
    let strings = bytes.get(i..i.checked_add(n)?)?;
    let strings = String::from_utf8(strings.to_vec()).ok()?;
    let mut rest = bytes.get(..i)?.to_vec();
    rest.extend_from_slice(&bytes[i + n..]);
    Some((rest, strings))
}

fn leb(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        x |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(x);
        }
    }
    None
}
