//! PDQ from a luminance plane: Meta's reference algorithm (facebook/
//! ThreatExchange, `pdq/cpp/hashing/pdqhashing.cpp` and
//! `pdq/cpp/downscaling/downscaling.cpp`), step for step and in the same
//! single-precision arithmetic, so that hashes agree bit for bit with the
//! reference on the same pixels (checked in the tests against the
//! reference's own vectors and against hashes from its Python binding).
//!
//! 1. Luma `0.299 R + 0.587 G + 0.114 B` per pixel (grey used as is).
//! 2. Two passes of a box filter along rows then columns (Jarosz: a tent
//!    filter), window `ceil(side / 128)`, then decimation to 64×64 by
//!    sampling each block's centre. A 64×64 input is used as is.
//! 3. Quality: the sum of quantised gradients of the 64×64 image, /90,
//!    capped at 100.
//! 4. The 16×16 lowest non-DC coefficients of the 2-D DCT-II of the 64×64.
//! 5. Bit `16 i + j` is set when coefficient (i, j) is above their median.

use std::f64::consts::PI;
use std::sync::OnceLock;

use super::PdqHash;

/// Images under this many pixels on a side are not hashed (the reference's
/// `MIN_HASHABLE_DIM`; it returns an all-zero hash of quality 0, which would
/// match every other such hash, so this crate refuses them instead).
pub(crate) const MIN_SIDE: u32 = 5;

const LUMA_R: f32 = 0.299;
const LUMA_G: f32 = 0.587;
const LUMA_B: f32 = 0.114;

/// Luma of one pixel, in the reference's order of operations.
#[inline]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> f32 {
    LUMA_R * f32::from(r) + LUMA_G * f32::from(g) + LUMA_B * f32::from(b)
}

/// The 16×64 DCT matrix: row i is the (i+1)-th DCT-II basis vector over 64
/// samples, scaled by sqrt(2/64), computed in double and stored in single
/// precision as the reference does.
fn dct_matrix() -> &'static [f32; 16 * 64] {
    static MATRIX: OnceLock<[f32; 16 * 64]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut m = [0f32; 16 * 64];
        for i in 0..16 {
            for j in 0..64 {
                let angle = (PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                m[i * 64 + j] = (f64::from(scale) * angle.cos()) as f32;
            }
        }
        m
    })
}

/// The reference's `computeJaroszFilterWindowSize(old, 64)`.
fn window(side: usize) -> usize {
    side.div_ceil(2 * 64)
}

/// One box-filter pass along each row (`boxAlongRowsFloat`): the window is
/// centred, shrinks at the edges, and each output is the mean of what it
/// covers.
fn box_rows(input: &[f32], out: &mut [f32], cols: usize, window: usize) {
    let half = (window + 2) / 2;
    for (inv, outv) in input.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
        let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
        let mut sum = 0f32;
        let mut count = 0usize;
        for _ in 0..half - 1 {
            sum += inv[ri];
            count += 1;
            ri += 1;
        }
        for _ in 0..window - half + 1 {
            sum += inv[ri];
            count += 1;
            outv[oi] = sum / count as f32;
            ri += 1;
            oi += 1;
        }
        for _ in 0..cols - window {
            sum += inv[ri];
            sum -= inv[li];
            outv[oi] = sum / count as f32;
            li += 1;
            ri += 1;
            oi += 1;
        }
        for _ in 0..half - 1 {
            sum -= inv[li];
            count -= 1;
            outv[oi] = sum / count as f32;
            li += 1;
            oi += 1;
        }
    }
}

/// The same pass along each column (`boxAlongColsFloat`), run a whole row
/// at a time: every column does exactly the reference's operations in the
/// reference's order, but memory is read in order.
fn box_cols(input: &[f32], out: &mut [f32], cols: usize, window: usize) {
    let rows = input.len() / cols;
    let half = (window + 2) / 2;
    let row = |i: usize| &input[i * cols..(i + 1) * cols];
    let mut sum = vec![0f32; cols];
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut count = 0usize;
    let write = |out: &mut [f32], oi: usize, sum: &[f32], count: usize| {
        for (o, s) in out[oi * cols..(oi + 1) * cols].iter_mut().zip(sum) {
            *o = s / count as f32;
        }
    };
    for _ in 0..half - 1 {
        sum.iter_mut().zip(row(ri)).for_each(|(s, v)| *s += v);
        count += 1;
        ri += 1;
    }
    for _ in 0..window - half + 1 {
        sum.iter_mut().zip(row(ri)).for_each(|(s, v)| *s += v);
        count += 1;
        write(out, oi, &sum, count);
        ri += 1;
        oi += 1;
    }
    for _ in 0..rows - window {
        sum.iter_mut()
            .zip(row(ri).iter().zip(row(li)))
            .for_each(|(s, (a, b))| {
                *s += a;
                *s -= b;
            });
        write(out, oi, &sum, count);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..half - 1 {
        sum.iter_mut().zip(row(li)).for_each(|(s, v)| *s -= v);
        count -= 1;
        write(out, oi, &sum, count);
        li += 1;
        oi += 1;
    }
}

/// Blur (two X,Y box passes) and decimate to 64×64. `luma` is `rows` ×
/// `cols`, row-major, and is overwritten.
fn downsample(luma: &mut [f32], rows: usize, cols: usize) -> Box<[f32; 64 * 64]> {
    let mut out = Box::new([0f32; 64 * 64]);
    if rows == 64 && cols == 64 {
        out.copy_from_slice(luma);
        return out;
    }
    let mut scratch = vec![0f32; luma.len()];
    let (wr, wc) = (window(cols), window(rows));
    for _ in 0..2 {
        box_rows(luma, &mut scratch, cols, wr);
        box_cols(&scratch, luma, cols, wc);
    }
    drop(scratch);
    for oi in 0..64 {
        let ii = (((oi as f64 + 0.5) * rows as f64) / 64.0) as usize;
        for oj in 0..64 {
            let ij = (((oj as f64 + 0.5) * cols as f64) / 64.0) as usize;
            out[oi * 64 + oj] = luma[ii * cols + ij];
        }
    }
    out
}

/// `pdqImageDomainQualityMetric`.
fn quality(b: &[f32; 64 * 64]) -> u8 {
    let mut sum: i32 = 0;
    let grad = |u: f32, v: f32| (((u - v) * 100.0) / 255.0) as i32;
    for i in 0..63 {
        for j in 0..64 {
            sum += grad(b[i * 64 + j], b[(i + 1) * 64 + j]).abs();
        }
    }
    for i in 0..64 {
        for j in 0..63 {
            sum += grad(b[i * 64 + j], b[i * 64 + j + 1]).abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// `dct64To16`: B = D A Dᵀ, keeping coefficients 1..=16 on each axis.
fn dct64_to_16(a: &[f32; 64 * 64]) -> [f32; 256] {
    let d = dct_matrix();
    let mut t = [0f32; 16 * 64];
    for i in 0..16 {
        for j in 0..64 {
            let mut s = 0f32;
            for k in 0..64 {
                s += d[i * 64 + k] * a[k * 64 + j];
            }
            t[i * 64 + j] = s;
        }
    }
    let mut b = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let mut s = 0f32;
            for k in 0..64 {
                s += t[i * 64 + k] * d[j * 64 + k];
            }
            b[i * 16 + j] = s;
        }
    }
    b
}

/// The 16×16 DCT coefficients and the quality of a luma plane of at least
/// [`MIN_SIDE`] on each side (`luma` is overwritten).
pub(crate) fn dct_and_quality(luma: &mut [f32], rows: usize, cols: usize) -> ([f32; 256], u8) {
    debug_assert_eq!(luma.len(), rows * cols);
    let small = downsample(luma, rows, cols);
    (dct64_to_16(&small), quality(&small))
}

/// Torben's median (`torben.cpp`), as the reference computes it: for 256
/// values, the 128th smallest.
fn torben(m: &[f32]) -> f32 {
    let n = m.len();
    let (mut min, mut max) = (m[0], m[0]);
    for &v in &m[1..] {
        min = min.min(v);
        max = max.max(v);
    }
    let (mut less, mut greater, mut equal);
    let (mut maxlt, mut mingt, mut guess);
    loop {
        guess = (min + max) / 2.0;
        (less, greater, equal) = (0usize, 0usize, 0usize);
        (maxlt, mingt) = (min, max);
        for &v in m {
            if v < guess {
                less += 1;
                if v > maxlt {
                    maxlt = v;
                }
            } else if v > guess {
                greater += 1;
                if v < mingt {
                    mingt = v;
                }
            } else {
                equal += 1;
            }
        }
        if less <= n.div_ceil(2) && greater <= n.div_ceil(2) {
            break;
        } else if less > greater {
            max = maxlt;
        } else {
            min = mingt;
        }
    }
    if less >= n.div_ceil(2) {
        maxlt
    } else if less + equal >= n.div_ceil(2) {
        guess
    } else {
        mingt
    }
}

/// `pdqBuffer16x16ToBits`. Bit k is word k/16, bit k%16 of the reference's
/// sixteen 16-bit words, printed from the last word to the first: byte
/// `31 - k/8`, bit `k%8`, of the hash as written in hex.
pub(crate) fn bits(dct: &[f32; 256]) -> PdqHash {
    let median = torben(dct);
    let mut out = [0u8; 32];
    for (k, &v) in dct.iter().enumerate() {
        if v > median {
            out[31 - k / 8] |= 1 << (k % 8);
        }
    }
    PdqHash(out)
}

/// The eight dihedral transforms of the image, done on the DCT
/// coefficients (the reference's `dct16OriginalTo*`): rotating or flipping
/// the picture only transposes the coefficients and flips signs of odd
/// rows or columns.
pub(crate) fn dihedral(a: &[f32; 256], t: super::Transform) -> [f32; 256] {
    use super::Transform::*;
    let mut b = [0f32; 256];
    for i in 0..16 {
        for j in 0..16 {
            let v = a[i * 16 + j];
            let (odd_i, odd_j) = (i & 1 == 1, j & 1 == 1);
            let (pos, neg) = match t {
                Original => (i * 16 + j, false),
                Rotate90 => (j * 16 + i, !odd_j),
                Rotate180 => (i * 16 + j, odd_i ^ odd_j),
                Rotate270 => (j * 16 + i, !odd_i),
                FlipX => (i * 16 + j, !odd_i),
                FlipY => (i * 16 + j, !odd_j),
                FlipPlus1 => (j * 16 + i, false),
                FlipMinus1 => (j * 16 + i, odd_i ^ odd_j),
            };
            b[pos] = if neg { -v } else { v };
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_follow_the_reference() {
        // (old + 2*64 - 1) / (2*64): 1024 wide → 8, 64 → 1, 5 → 1, 129 → 2.
        assert_eq!(window(1024), 8);
        assert_eq!(window(64), 1);
        assert_eq!(window(5), 1);
        assert_eq!(window(129), 2);
    }

    #[test]
    fn box_filter_of_a_constant_is_the_constant() {
        for (cols, w) in [(5, 1), (10, 2), (10, 3), (300, 8), (7, 7)] {
            let input = vec![3.5f32; cols * 3];
            let mut out = vec![0f32; cols * 3];
            box_rows(&input, &mut out, cols, w);
            assert!(out.iter().all(|v| (*v - 3.5).abs() < 1e-5), "{cols} {w}");
            let mut out2 = vec![0f32; cols * 3];
            box_cols(&input, &mut out2, cols, w.min(3));
            assert!(out2.iter().all(|v| (*v - 3.5).abs() < 1e-5), "{cols} {w}");
        }
    }

    #[test]
    fn column_pass_equals_row_pass_of_the_transpose() {
        let (rows, cols) = (23usize, 9usize);
        let a: Vec<f32> = (0..rows * cols).map(|k| ((k * 37) % 101) as f32).collect();
        let mut t = vec![0f32; rows * cols];
        for i in 0..rows {
            for j in 0..cols {
                t[j * rows + i] = a[i * cols + j];
            }
        }
        let (mut by_cols, mut by_rows) = (vec![0f32; rows * cols], vec![0f32; rows * cols]);
        box_cols(&a, &mut by_cols, cols, 4);
        box_rows(&t, &mut by_rows, rows, 4);
        for i in 0..rows {
            for j in 0..cols {
                assert_eq!(by_cols[i * cols + j], by_rows[j * rows + i]);
            }
        }
    }

    #[test]
    fn torben_is_the_lower_median() {
        let v: Vec<f32> = (0..256).rev().map(|k| k as f32).collect();
        assert_eq!(torben(&v), 127.0);
        let mut same = vec![1.0f32; 256];
        same[0] = 2.0;
        assert_eq!(torben(&same), 1.0);
    }

    #[test]
    fn dihedral_transforms_are_their_group() {
        use super::super::Transform::*;
        let a: [f32; 256] = std::array::from_fn(|k| (k as f32 * 1.7).sin());
        // Two quarter turns are a half turn, two flips undo each other.
        assert_eq!(
            dihedral(&dihedral(&a, Rotate90), Rotate90),
            dihedral(&a, Rotate180)
        );
        assert_eq!(dihedral(&dihedral(&a, FlipX), FlipX), a);
        assert_eq!(dihedral(&dihedral(&a, Rotate90), Rotate270), a);
        assert_eq!(dihedral(&a, Original), a);
    }
}
