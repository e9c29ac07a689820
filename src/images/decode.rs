//! Bounded decoding: the limits are checked on the file's size, then on the
//! dimensions its header announces, before any pixel buffer exists.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use super::{check_min_side, pdq, ImageError, ImageHash};

/// Explicit limits on the images [`hash_image`] accepts. An image over any
/// of them is an error before its pixels are decoded: the dimensions are
/// read from the header, so a small file announcing a huge picture (a
/// decompression bomb) costs nothing.
///
/// Decoding and hashing take time and memory linear in the pixels, so
/// `max_pixels` also bounds the time and memory of one call: at most about
/// 12 bytes per pixel at the peak (the decoded image, 3 or 4 bytes per pixel
/// for 8-bit files and up to 8 for 16-bit PNG, plus 4 for the luma plane),
/// then 8 bytes per pixel while blurring; 16-bit PNG files are rare.
///
/// ```
/// use redflag::images::{hash_image, ImageError, ImageLimits};
/// let strict = ImageLimits { max_bytes: 10, ..ImageLimits::default() };
/// let err = hash_image(&[0u8; 11], &strict).unwrap_err();
/// assert_eq!(err, ImageError::TooManyBytes { bytes: 11, max: 10 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageLimits {
    /// The file's size in bytes. Default 32 MiB.
    pub max_bytes: usize,
    /// Width in pixels. Default 16,384.
    pub max_width: u32,
    /// Height in pixels. Default 16,384.
    pub max_height: u32,
    /// Width × height. Default 2²⁴ (16,777,216: a 4096×4096 picture or a
    /// 16-megapixel photo; 12-megapixel phone photos fit).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 32 << 20,
            max_width: 16_384,
            max_height: 16_384,
            max_pixels: 1 << 24,
        }
    }
}

/// Decodes a JPEG, PNG or WebP file (recognised by its first bytes, not a
/// name or a MIME type) within `limits` and computes its PDQ hash.
///
/// The pixels are hashed as stored: an EXIF orientation tag is not applied
/// (as in PDQ's reference tools); [`ImageHash::variants`] covers turned and
/// mirrored copies. Transparency is ignored (the colour under it is hashed,
/// as the reference's Python tools do); only the first frame of an animated
/// WebP is read.
///
/// ```
/// use redflag::images::{hash_image, ImageError, ImageLimits};
/// // A PNG announcing 100,000 × 100,000 pixels, in 62 bytes.
/// let mut ihdr = 100_000u32.to_be_bytes().to_vec();
/// ihdr.extend(100_000u32.to_be_bytes());
/// ihdr.extend([8, 2, 0, 0, 0]);
/// let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
/// bomb.extend(chunk(b"IHDR", &ihdr));
/// bomb.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0, 0]));
/// bomb.extend(chunk(b"IEND", &[]));
/// let err = hash_image(&bomb, &ImageLimits::default()).unwrap_err();
/// assert!(matches!(err, ImageError::TooLarge { width: 100_000, limit: "max_width", .. }));
/// # fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
/// #     let mut out = (data.len() as u32).to_be_bytes().to_vec();
/// #     out.extend(kind);
/// #     out.extend(data);
/// #     let mut c = !0u32;
/// #     for &b in &out[4..] { c ^= u32::from(b); for _ in 0..8 { c = (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg()); } }
/// #     out.extend((!c).to_be_bytes());
/// #     out
/// # }
/// ```
pub fn hash_image(bytes: &[u8], limits: &ImageLimits) -> Result<ImageHash, ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooManyBytes {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(ImageError::UnsupportedFormat),
    };
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    // The header alone, without the decoders' memory limit: some (png)
    // would refuse a huge picture here already, with a vaguer message than
    // the limits below give.
    let mut header = reader();
    header.no_limits();
    let (width, height) = match header.into_dimensions() {
        Ok(dims) => dims,
        // On 32-bit targets (wasm32) the png crate refuses a header whose
        // picture could not be addressed at all; its dimensions are in
        // the first chunk (IHDR) at a fixed place, for the limits below.
        Err(image::ImageError::Limits(_)) if format == ImageFormat::Png && bytes.len() >= 24 => {
            let be = |at: usize| {
                u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
            };
            (be(16), be(20))
        }
        Err(e) => return Err(malformed(e)),
    };
    check_min_side(width, height)?;
    let too_large = |limit| ImageError::TooLarge {
        width,
        height,
        limit,
    };
    if width > limits.max_width {
        return Err(too_large("max_width"));
    }
    if height > limits.max_height {
        return Err(too_large("max_height"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(too_large("max_pixels"));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // zune-jpeg decodes what it has and leaves the rest grey: a cut
        // file would be hashed as a different picture.
        return Err(ImageError::Malformed(
            "the JPEG data ends before its end-of-image marker (truncated)".into(),
        ));
    }
    let mut reader = reader();
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(width);
    decoder_limits.max_image_height = Some(height);
    // The decoded picture at up to 8 bytes a pixel (16-bit RGBA), plus the
    // decoders' own working buffers.
    decoder_limits.max_alloc = Some(pixels * 8 + (16 << 20));
    reader.limits(decoder_limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => too_large("decoder memory"),
        e => malformed(e),
    })?;
    if (decoded.width(), decoded.height()) != (width, height) {
        return Err(ImageError::Malformed(format!(
            "the header says {width}×{height}, the pixels are {}×{}",
            decoded.width(),
            decoded.height()
        )));
    }
    let luma = luma_plane(decoded);
    Ok(ImageHash::from_luma(luma, width, height))
}

/// Whether a JPEG's segments and entropy-coded data run to an end-of-image
/// marker: each segment's length is followed, and the scan data after each
/// start-of-scan is read to the next marker. (Searching for the marker's
/// bytes anywhere would find the end of an EXIF thumbnail inside a cut
/// file.)
fn jpeg_is_complete(b: &[u8]) -> bool {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    loop {
        if b.get(i) != Some(&0xFF) {
            return false;
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = b
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        if len < 2 || i + len > b.len() {
            return false;
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed
            // byte) or a restart marker inside it; anything else ends it.
            loop {
                match b.get(i..i + 2) {
                    None => return false,
                    Some([0xFF, m]) if *m != 0x00 && !(0xD0..=0xD7).contains(m) => break,
                    Some(_) => i += 1,
                }
            }
        }
    }
}

fn malformed(e: image::ImageError) -> ImageError {
    match e {
        image::ImageError::Unsupported(_) => ImageError::UnsupportedFormat,
        e => ImageError::Malformed(e.to_string()),
    }
}

/// The luma plane, computed from the decoded buffer as it is (no RGB copy
/// for the usual 8-bit layouts); grey pixels are used as they are, as the
/// reference does.
fn luma_plane(img: DynamicImage) -> Vec<f32> {
    match img {
        DynamicImage::ImageLuma8(g) => g.into_raw().into_iter().map(f32::from).collect(),
        DynamicImage::ImageLumaA8(g) => g
            .as_raw()
            .chunks_exact(2)
            .map(|p| f32::from(p[0]))
            .collect(),
        DynamicImage::ImageRgb8(c) => c
            .as_raw()
            .chunks_exact(3)
            .map(|p| pdq::luma(p[0], p[1], p[2]))
            .collect(),
        DynamicImage::ImageRgba8(c) => c
            .as_raw()
            .chunks_exact(4)
            .map(|p| pdq::luma(p[0], p[1], p[2]))
            .collect(),
        other => other
            .to_rgb8()
            .as_raw()
            .chunks_exact(3)
            .map(|p| pdq::luma(p[0], p[1], p[2]))
            .collect(),
    }
}
