//! Perceptual hashes of images (PDQ) and matching them against hash lists.
//! Reading image files ([`hash_image`], [`ImageLimits`]) is behind the
//! `images` cargo feature, which brings the decoders; hashes, hash lists,
//! signed hash-list packs ([`HashListPack`]) and hashing decoded pixels
//! ([`ImageHash::from_rgb`]) are always here, so the text engine can verify
//! a hash list without carrying a decoder.
//!
//! [PDQ](https://github.com/facebook/ThreatExchange/tree/main/pdq) is Meta's
//! open perceptual hash: 256 bits that stay close (in Hamming distance) when
//! a picture is resized, recompressed, lightly cropped or colour-shifted,
//! and far apart for unrelated pictures, plus a quality score (0–100; PDQ's
//! guidance is to distrust hashes under 50, mostly flat images). This
//! module computes it for JPEG, PNG and WebP files exactly as the reference
//! implementation does from the same pixels, under explicit [`ImageLimits`]
//! that are checked from the file's header before any pixel is decoded.
//!
//! ```
//! # #[cfg(feature = "images")] {
//! use redflag::images::{hash_image, HashList, ImageLimits, DEFAULT_THRESHOLD};
//!
//! // A 64×48 PNG, made here; an upload's bytes in practice.
//! let mut png = Vec::new();
//! let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
//! img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
//!
//! let hashed = hash_image(&png, &ImageLimits::default()).unwrap();
//! assert_eq!((hashed.width, hashed.height), (64, 48));
//! let list = HashList::parse(&format!("{} gradient seen before\n", hashed.hash)).unwrap();
//! let found = list.find(&hashed, DEFAULT_THRESHOLD, false);
//! assert_eq!(found[0].distance, 0);
//! assert_eq!(found[0].label, "gradient seen before");
//! # }
//! ```

#[cfg(feature = "images")]
mod decode;
mod list;
mod pack;
mod pdq;

use std::fmt;
use std::str::FromStr;

#[cfg(feature = "images")]
pub use decode::{hash_image, ImageLimits};
pub use list::{HashList, Match};
pub use pack::{sign_hash_list, verify_signed_hash_list, HashListPack, MAX_THRESHOLD};

/// The largest Hamming distance between two PDQ hashes still taken as the
/// same picture by default: 31 of 256 bits, the threshold PDQ's authors
/// recommend (`pdq/README.md`: "around 31" gives a low false-positive rate
/// at good recall).
///
/// ```
/// assert_eq!(redflag::images::DEFAULT_THRESHOLD, 31);
/// ```
pub const DEFAULT_THRESHOLD: u32 = 31;

/// A 256-bit PDQ hash, in the reference's hex order (64 hex digits, the
/// form hash lists and other PDQ tools use).
///
/// ```
/// use redflag::images::PdqHash;
/// let a: PdqHash = "f".repeat(64).parse().unwrap();
/// let b: PdqHash = format!("{}{}", "0".repeat(2), "f".repeat(62)).parse().unwrap();
/// assert_eq!(a.distance(&b), 8);
/// assert_eq!(a.to_string(), "f".repeat(64));
/// assert!("xyz".parse::<PdqHash>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PdqHash(pub(crate) [u8; 32]);

impl PdqHash {
    /// The hash from its 32 bytes, in hex order.
    ///
    /// ```
    /// let h = redflag::images::PdqHash::from_bytes([0xab; 32]);
    /// assert_eq!(h.as_bytes()[0], 0xab);
    /// ```
    pub fn from_bytes(bytes: [u8; 32]) -> PdqHash {
        PdqHash(bytes)
    }

    /// The hash's 32 bytes, in hex order.
    ///
    /// ```
    /// let h: redflag::images::PdqHash = format!("01{}", "0".repeat(62)).parse().unwrap();
    /// assert_eq!(h.as_bytes()[0], 1);
    /// ```
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The Hamming distance: how many of the 256 bits differ (0 to 256).
    ///
    /// ```
    /// use redflag::images::PdqHash;
    /// let zero = PdqHash::from_bytes([0; 32]);
    /// assert_eq!(zero.distance(&PdqHash::from_bytes([0xff; 32])), 256);
    /// assert_eq!(zero.distance(&zero), 0);
    /// ```
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0
            .chunks_exact(8)
            .zip(other.0.chunks_exact(8))
            .map(|(a, b)| {
                let a = u64::from_le_bytes(a.try_into().expect("8 bytes"));
                let b = u64::from_le_bytes(b.try_into().expect("8 bytes"));
                (a ^ b).count_ones()
            })
            .sum()
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({self})")
    }
}

impl FromStr for PdqHash {
    type Err = ImageError;

    /// 64 hex digits, either case.
    fn from_str(s: &str) -> Result<PdqHash, ImageError> {
        let bad = || ImageError::InvalidHash(format!("{s:?} is not 64 hex digits"));
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(PdqHash(out))
    }
}

/// The eight ways to rotate or mirror a picture (the dihedral group), named
/// as in PDQ's reference: a copy of a listed picture turned or mirrored
/// matches the listed hash under one of them.
///
/// ```
/// use redflag::images::Transform;
/// assert_eq!(Transform::ALL.len(), 8);
/// assert_eq!(Transform::Rotate90.name(), "rotate-90");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transform {
    /// The picture as it is.
    Original,
    /// Turned a quarter turn anticlockwise.
    Rotate90,
    /// Turned upside down.
    Rotate180,
    /// Turned a quarter turn clockwise.
    Rotate270,
    /// Mirrored top to bottom.
    FlipX,
    /// Mirrored left to right.
    FlipY,
    /// Mirrored about the main diagonal (transposed).
    FlipPlus1,
    /// Mirrored about the other diagonal.
    FlipMinus1,
}

impl Transform {
    /// All eight, `Original` first.
    pub const ALL: [Transform; 8] = [
        Transform::Original,
        Transform::Rotate90,
        Transform::Rotate180,
        Transform::Rotate270,
        Transform::FlipX,
        Transform::FlipY,
        Transform::FlipPlus1,
        Transform::FlipMinus1,
    ];

    /// Its name in output: `original`, `rotate-90`, `rotate-180`,
    /// `rotate-270`, `flip-x`, `flip-y`, `flip-plus-1`, `flip-minus-1` (the
    /// reference's file names for its test pictures).
    ///
    /// ```
    /// assert_eq!(redflag::images::Transform::FlipMinus1.name(), "flip-minus-1");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Transform::Original => "original",
            Transform::Rotate90 => "rotate-90",
            Transform::Rotate180 => "rotate-180",
            Transform::Rotate270 => "rotate-270",
            Transform::FlipX => "flip-x",
            Transform::FlipY => "flip-y",
            Transform::FlipPlus1 => "flip-plus-1",
            Transform::FlipMinus1 => "flip-minus-1",
        }
    }
}

/// A hashed image: its PDQ hash, quality and size.
///
/// ```
/// use redflag::images::{ImageHash, Transform};
/// // A 32×32 checkerboard of 4-pixel squares, as RGB pixels.
/// let px: Vec<u8> = (0..32 * 32).flat_map(|k| {
///     let v = if ((k % 32) / 4 + (k / 32) / 4) % 2 == 0 { 230 } else { 20 };
///     [v, v, v]
/// }).collect();
/// let h = ImageHash::from_rgb(&px, 32, 32).unwrap();
/// assert!(h.quality > 50);
/// // Dihedral variants come from the same computation, without rehashing.
/// let variants = h.variants();
/// assert_eq!(variants[0], (Transform::Original, h.hash));
/// ```
#[derive(Clone, Debug)]
pub struct ImageHash {
    /// The PDQ hash.
    pub hash: PdqHash,
    /// PDQ's quality, 0 to 100: under 50 the picture is mostly flat and its
    /// hash matches unrelated flat pictures more easily.
    pub quality: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    dct: Box<[f32; 256]>,
}

impl ImageHash {
    /// Hashes raw 8-bit RGB pixels (`width * height * 3` bytes, row-major)
    /// without decoding anything: the same computation as [`hash_image`]
    /// after decoding. Images under 5 pixels on a side are refused.
    ///
    /// ```
    /// use redflag::images::{ImageError, ImageHash};
    /// assert!(matches!(ImageHash::from_rgb(&[0; 12], 2, 2), Err(ImageError::TooSmall { .. })));
    /// assert!(matches!(ImageHash::from_rgb(&[0; 5], 2, 2), Err(ImageError::Malformed(_))));
    /// ```
    pub fn from_rgb(rgb: &[u8], width: u32, height: u32) -> Result<ImageHash, ImageError> {
        let n = (width as usize).checked_mul(height as usize);
        if n.and_then(|n| n.checked_mul(3)) != Some(rgb.len()) {
            return Err(ImageError::Malformed(format!(
                "{} bytes of RGB for {width}×{height} pixels",
                rgb.len()
            )));
        }
        check_min_side(width, height)?;
        let luma = rgb
            .chunks_exact(3)
            .map(|p| pdq::luma(p[0], p[1], p[2]))
            .collect();
        Ok(ImageHash::from_luma(luma, width, height))
    }

    /// Hashes a luma plane of at least 5×5 (checked by the callers).
    fn from_luma(mut luma: Vec<f32>, width: u32, height: u32) -> ImageHash {
        let (dct, quality) = pdq::dct_and_quality(&mut luma, height as usize, width as usize);
        ImageHash {
            hash: pdq::bits(&dct),
            quality,
            width,
            height,
            dct: Box::new(dct),
        }
    }

    /// The hash of the picture under each of the eight [`Transform`]s,
    /// `Original` first: what a listed picture's hash would be had it been
    /// turned or mirrored the same way (equal to hashing the turned picture,
    /// as the reference computes it, up to rounding).
    pub fn variants(&self) -> [(Transform, PdqHash); 8] {
        Transform::ALL.map(|t| (t, pdq::bits(&pdq::dihedral(&self.dct, t))))
    }
}

fn check_min_side(width: u32, height: u32) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty);
    }
    if width < pdq::MIN_SIDE || height < pdq::MIN_SIDE {
        return Err(ImageError::TooSmall { width, height });
    }
    Ok(())
}

/// Why an image was not hashed, or a hash or hash list not read. Every
/// failure is one of these, never a panic.
///
/// ```
/// # #[cfg(feature = "images")] {
/// use redflag::images::{hash_image, ImageError, ImageLimits};
/// let err = hash_image(b"GIF89a not a supported picture", &ImageLimits::default()).unwrap_err();
/// assert!(matches!(err, ImageError::UnsupportedFormat));
/// assert_eq!(err.to_string(), "not a JPEG, PNG or WebP image");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The file is larger than [`ImageLimits::max_bytes`].
    TooManyBytes {
        /// The file's size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Not a JPEG, PNG or WebP file (by its first bytes).
    UnsupportedFormat,
    /// The header gives a width or height of 0.
    Empty,
    /// Under 5 pixels on a side: too small for a meaningful hash.
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The header announces more pixels than the limits allow (a
    /// decompression bomb, or just too large); refused before decoding.
    TooLarge {
        /// Width in pixels, from the header.
        width: u32,
        /// Height in pixels, from the header.
        height: u32,
        /// The limit exceeded: `max_width`, `max_height`, `max_pixels`, or
        /// `decoder memory` when a decoder needs more working memory than
        /// the pixels allow for.
        limit: &'static str,
    },
    /// The file is truncated or corrupt: the decoder's message.
    Malformed(String),
    /// A hash that is not 64 hex digits.
    InvalidHash(String),
    /// A line of a hash list that cannot be read.
    List {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl ImageError {
    /// A short stable name for the kind of error, for JSON output:
    /// `too_many_bytes`, `unsupported_format`, `empty`, `too_small`,
    /// `too_large`, `malformed`, `invalid_hash`, `list`.
    ///
    /// ```
    /// assert_eq!(redflag::images::ImageError::Empty.kind(), "empty");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            ImageError::TooManyBytes { .. } => "too_many_bytes",
            ImageError::UnsupportedFormat => "unsupported_format",
            ImageError::Empty => "empty",
            ImageError::TooSmall { .. } => "too_small",
            ImageError::TooLarge { .. } => "too_large",
            ImageError::Malformed(_) => "malformed",
            ImageError::InvalidHash(_) => "invalid_hash",
            ImageError::List { .. } => "list",
        }
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::TooManyBytes { bytes, max } => {
                write!(f, "the file has {bytes} bytes, over the limit of {max}")
            }
            ImageError::UnsupportedFormat => write!(f, "not a JPEG, PNG or WebP image"),
            ImageError::Empty => write!(f, "the image has no pixels (width or height 0)"),
            ImageError::TooSmall { width, height } => write!(
                f,
                "the image is {width}×{height} pixels; at least {0}×{0} are needed for a hash",
                pdq::MIN_SIDE
            ),
            ImageError::TooLarge {
                width,
                height,
                limit,
            } => write!(
                f,
                "the header announces {width}×{height} pixels, over {limit}; not decoded"
            ),
            ImageError::Malformed(m) => write!(f, "the image cannot be decoded: {m}"),
            ImageError::InvalidHash(m) => write!(f, "invalid PDQ hash: {m}"),
            ImageError::List { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for ImageError {}
