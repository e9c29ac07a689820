//! The generated test set of the PDQ evaluation (`benches/image_eval`) and
//! of `tests/image_eval.rs`: source pictures drawn from a seed, and the
//! edits a re-posted copy goes through, each returning the encoded file
//! that is then hashed through `redflag::images::hash_image`.
//!
//! Nothing is downloaded and no picture is stored: the same seed gives the
//! same pixels on every machine (integer RNG, `f32` arithmetic only in
//! operations that are exact or deterministic across platforms).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::{self, colorops, FilterType};
use image::{DynamicImage, Rgb, RgbImage};

/// SplitMix64: a small, well-mixed generator, enough for test pictures.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in [lo, hi] (inclusive).
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// A random colour.
    pub fn colour(&mut self) -> [f32; 3] {
        [
            self.range(0.0, 255.0),
            self.range(0.0, 255.0),
            self.range(0.0, 255.0),
        ]
    }
}

/// What a source picture is made of, cycled through by seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A sky-to-ground gradient with soft blobs, a few hard bars and
    /// ellipses, in uneven light: the structure of an outdoor photo.
    Scene,
    /// Filled ellipses and rectangles in a few colours over a gradient.
    Shapes,
    /// Multi-octave value noise in two colours (fabric, foliage, skin).
    Texture,
    /// Stripes or a checkerboard at one of several scales, under a shape.
    Pattern,
    /// Lines of block "text" on a plain background with a banner: a flyer.
    TextPlain,
    /// Lines of block "text" over a textured, busy photo.
    TextBusy,
}

impl Kind {
    /// All kinds, in the order seeds cycle through them.
    pub const ALL: [Kind; 6] = [
        Kind::Scene,
        Kind::Shapes,
        Kind::Texture,
        Kind::Pattern,
        Kind::TextPlain,
        Kind::TextBusy,
    ];

    /// The kind of source `seed`.
    pub fn of(seed: u64) -> Kind {
        Kind::ALL[(seed % Kind::ALL.len() as u64) as usize]
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Scene => "scene",
            Kind::Shapes => "shapes",
            Kind::Texture => "texture",
            Kind::Pattern => "pattern",
            Kind::TextPlain => "text-plain",
            Kind::TextBusy => "text-busy",
        }
    }
}

/// Source picture `seed`, 400 to 1200 pixels a side.
pub fn source(seed: u64) -> RgbImage {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let w = rng.int(400, 1200);
    let aspect = rng.range(0.6, 1.6);
    let h = ((w as f32 * aspect) as u32).clamp(400, 1200);
    source_sized(seed, w, h)
}

/// Source picture `seed` at a given size (the kind still comes from the seed).
pub fn source_sized(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut rng = Rng::new(seed);
    let (wf, hf) = (w as f32, h as f32);
    let mut canvas = Canvas::new(w, h);
    match Kind::of(seed) {
        Kind::Scene => {
            canvas.gradient(rng.colour(), rng.colour());
            for _ in 0..rng.int(6, 14) {
                let r = rng.range(0.05, 0.25) * wf.min(hf);
                let (x, y) = (rng.range(0.0, wf), rng.range(0.0, hf));
                canvas.blob(x, y, r, rng.colour());
            }
            for _ in 0..rng.int(2, 5) {
                let (x, y) = (rng.range(0.0, wf), rng.range(0.0, hf));
                let (bw, bh) = (rng.range(0.05, 0.3) * wf, rng.range(0.05, 0.3) * hf);
                canvas.rect(x, y, bw, bh, rng.colour());
            }
            for _ in 0..rng.int(1, 4) {
                let (x, y) = (rng.range(0.0, wf), rng.range(0.0, hf));
                let (a, b) = (rng.range(0.03, 0.15) * wf, rng.range(0.05, 0.3) * hf);
                canvas.ellipse(x, y, a, b, rng.colour());
            }
            canvas.shade(&mut rng, 0.3);
        }
        Kind::Shapes => {
            canvas.gradient(rng.colour(), rng.colour());
            let palette: Vec<[f32; 3]> = (0..rng.int(3, 6)).map(|_| rng.colour()).collect();
            for _ in 0..rng.int(10, 40) {
                let c = palette[rng.int(0, palette.len() as u32 - 1) as usize];
                let (x, y) = (rng.range(0.0, wf), rng.range(0.0, hf));
                let (a, b) = (rng.range(0.03, 0.2) * wf, rng.range(0.03, 0.2) * hf);
                if rng.unit() < 0.5 {
                    canvas.ellipse(x, y, a, b, c);
                } else {
                    canvas.rect(x - a, y - b, 2.0 * a, 2.0 * b, c);
                }
            }
            canvas.shade(&mut rng, 0.15);
        }
        Kind::Texture => {
            canvas.noise(&mut rng, 0.05, 0.35);
        }
        Kind::Pattern => {
            let period = [6.0, 12.0, 24.0, 48.0, 96.0][rng.int(0, 4) as usize];
            let (a, b) = (rng.colour(), rng.colour());
            if rng.unit() < 0.5 {
                canvas.stripes(period, rng.range(0.0, std::f32::consts::PI), a, b);
            } else {
                canvas.checker(period, a, b);
            }
            let r = rng.range(0.15, 0.35) * wf.min(hf);
            let (x, y) = (rng.range(0.2, 0.8) * wf, rng.range(0.2, 0.8) * hf);
            canvas.ellipse(x, y, r, r * rng.range(0.6, 1.4), rng.colour());
        }
        Kind::TextPlain => {
            let paper = rng.range(215.0, 255.0);
            canvas.fill([paper, paper - rng.range(0.0, 20.0), paper]);
            let banner = rng.range(0.08, 0.2) * hf;
            canvas.rect(0.0, 0.0, wf, banner, rng.colour());
            canvas.text(
                &mut rng,
                0.06 * wf,
                banner + 0.04 * hf,
                0.88 * wf,
                hf,
                [25.0; 3],
            );
        }
        Kind::TextBusy => {
            canvas.noise(&mut rng, 0.05, 0.2);
            for _ in 0..rng.int(3, 8) {
                let r = rng.range(0.05, 0.2) * wf.min(hf);
                let (x, y) = (rng.range(0.0, wf), rng.range(0.0, hf));
                canvas.blob(x, y, r, rng.colour());
            }
            let ink = if rng.unit() < 0.5 {
                [20.0; 3]
            } else {
                [240.0; 3]
            };
            canvas.text(&mut rng, 0.05 * wf, 0.1 * hf, 0.9 * wf, 0.9 * hf, ink);
        }
    }
    canvas.into_image()
}

/// A floating-point RGB canvas the generators draw on.
struct Canvas {
    w: u32,
    h: u32,
    px: Vec<[f32; 3]>,
}

impl Canvas {
    fn new(w: u32, h: u32) -> Canvas {
        Canvas {
            w,
            h,
            px: vec![[0.0; 3]; (w * h) as usize],
        }
    }

    fn fill(&mut self, c: [f32; 3]) {
        self.px.fill(c);
    }

    fn gradient(&mut self, top: [f32; 3], bottom: [f32; 3]) {
        for y in 0..self.h {
            let t = y as f32 / self.h as f32;
            let c = [0, 1, 2].map(|k| top[k] * (1.0 - t) + bottom[k] * t);
            let row = (y * self.w) as usize;
            self.px[row..row + self.w as usize].fill(c);
        }
    }

    /// The pixel range [lo, hi) covered by [a, b), clipped to `n`.
    fn span(a: f32, b: f32, n: u32) -> (u32, u32) {
        (
            a.max(0.0).min(n as f32) as u32,
            b.max(0.0).min(n as f32) as u32,
        )
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [f32; 3]) {
        let (x0, x1) = Canvas::span(x, x + w, self.w);
        let (y0, y1) = Canvas::span(y, y + h, self.h);
        for yy in y0..y1 {
            let row = (yy * self.w) as usize;
            self.px[row + x0 as usize..row + x1 as usize].fill(c);
        }
    }

    fn ellipse(&mut self, cx: f32, cy: f32, a: f32, b: f32, c: [f32; 3]) {
        let (x0, x1) = Canvas::span(cx - a, cx + a + 1.0, self.w);
        let (y0, y1) = Canvas::span(cy - b, cy + b + 1.0, self.h);
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = ((x as f32 - cx) / a, (y as f32 - cy) / b);
                if dx * dx + dy * dy <= 1.0 {
                    self.px[(y * self.w + x) as usize] = c;
                }
            }
        }
    }

    /// A soft Gaussian blob of radius `r`, blended over what is there.
    fn blob(&mut self, cx: f32, cy: f32, r: f32, c: [f32; 3]) {
        let (x0, x1) = Canvas::span(cx - 3.0 * r, cx + 3.0 * r, self.w);
        let (y0, y1) = Canvas::span(cy - 3.0 * r, cy + 3.0 * r, self.h);
        for y in y0..y1 {
            for x in x0..x1 {
                let d2 = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)) / (r * r);
                let a = (-d2).exp();
                let p = &mut self.px[(y * self.w + x) as usize];
                for k in 0..3 {
                    p[k] = p[k] * (1.0 - a) + c[k] * a;
                }
            }
        }
    }

    /// Value noise between two random colours (see [`noise_field`]).
    fn noise(&mut self, rng: &mut Rng, lo: f32, hi: f32) {
        let scale = rng.range(lo, hi);
        let field = noise_field(rng, self.w, self.h, scale);
        let (a, b) = (rng.colour(), rng.colour());
        for (p, t) in self.px.iter_mut().zip(field) {
            *p = [0, 1, 2].map(|k| a[k] * (1.0 - t) + b[k] * t);
        }
    }

    /// Light and shade from value noise over what is drawn: each pixel
    /// scaled by 1 ± `depth`, as uneven light and surfaces in a photo.
    fn shade(&mut self, rng: &mut Rng, depth: f32) {
        let scale = rng.range(0.05, 0.3);
        let field = noise_field(rng, self.w, self.h, scale);
        for (p, t) in self.px.iter_mut().zip(field) {
            let f = 1.0 + depth * (2.0 * t - 1.0);
            *p = p.map(|v| v * f);
        }
    }

    fn stripes(&mut self, period: f32, angle: f32, a: [f32; 3], b: [f32; 3]) {
        let (s, c) = angle.sin_cos();
        for y in 0..self.h {
            for x in 0..self.w {
                let u = x as f32 * c + y as f32 * s;
                let on = (u / period).rem_euclid(2.0) < 1.0;
                self.px[(y * self.w + x) as usize] = if on { a } else { b };
            }
        }
    }

    fn checker(&mut self, period: f32, a: [f32; 3], b: [f32; 3]) {
        for y in 0..self.h {
            for x in 0..self.w {
                let on = ((x as f32 / period) as u32 + (y as f32 / period) as u32) % 2 == 0;
                self.px[(y * self.w + x) as usize] = if on { a } else { b };
            }
        }
    }

    /// Rows of block glyphs (one to three strokes each, words of 2 to 9)
    /// in the box from (x, y) `width` wide down to `bottom`; the first
    /// row larger, as a heading.
    fn text(&mut self, rng: &mut Rng, x: f32, y: f32, width: f32, bottom: f32, ink: [f32; 3]) {
        let mut size = rng.range(0.06, 0.1) * self.h as f32;
        let mut top = y;
        while top + size < bottom {
            let mut left = x;
            let mut word = rng.int(2, 9);
            while left + size < x + width {
                let gw = size * rng.range(0.45, 0.75);
                let stroke = (size * 0.14).max(1.5);
                for _ in 0..rng.int(1, 3) {
                    if rng.unit() < 0.5 {
                        let sx = left + rng.range(0.0, gw - stroke);
                        self.rect(sx, top, stroke, size, ink);
                    } else {
                        let sy = top + rng.range(0.0, size - stroke);
                        self.rect(left, sy, gw, stroke, ink);
                    }
                }
                left += gw + size * 0.15;
                word -= 1;
                if word == 0 {
                    left += size * 0.5;
                    word = rng.int(2, 9);
                }
            }
            top += size * 1.6;
            size = rng.range(0.025, 0.045) * self.h as f32;
        }
    }

    fn into_image(self) -> RgbImage {
        let px = self.px;
        RgbImage::from_fn(self.w, self.h, |x, y| {
            Rgb(px[(y * self.w + x) as usize].map(|v| v.round().clamp(0.0, 255.0) as u8))
        })
    }
}

/// Value noise, 0 to 1 over the picture: four octaves of a random grid,
/// smoothly interpolated, from cells `scale` × the smaller side down, then
/// stretched to the full range.
fn noise_field(rng: &mut Rng, w: u32, h: u32, scale: f32) -> Vec<f32> {
    let mut acc = vec![0.0f32; (w * h) as usize];
    let mut cell = (scale * w.min(h) as f32).max(4.0);
    let mut amp = 1.0;
    for _ in 0..4 {
        let gw = (w as f32 / cell) as usize + 2;
        let gh = (h as f32 / cell) as usize + 2;
        let grid: Vec<f32> = (0..gw * gh).map(|_| rng.unit()).collect();
        let g = |i: usize, j: usize| grid[j * gw + i];
        for y in 0..h {
            let fy = y as f32 / cell;
            let (iy, ty) = (fy as usize, smooth(fy.fract()));
            for x in 0..w {
                let fx = x as f32 / cell;
                let (ix, tx) = (fx as usize, smooth(fx.fract()));
                let top = g(ix, iy) * (1.0 - tx) + g(ix + 1, iy) * tx;
                let bottom = g(ix, iy + 1) * (1.0 - tx) + g(ix + 1, iy + 1) * tx;
                acc[(y * w + x) as usize] += amp * (top * (1.0 - ty) + bottom * ty);
            }
        }
        amp *= 0.5;
        cell = (cell / 2.0).max(2.0);
    }
    let lo = acc.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = acc.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let span = (hi - lo).max(1e-6);
    acc.iter_mut().for_each(|v| *v = (*v - lo) / span);
    acc
}

fn smooth(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

/// A lossless PNG file of `img` (fast compression: the pixels are what
/// matters here, not the file size).
pub fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_with_encoder(PngEncoder::new_with_quality(
        Cursor::new(&mut out),
        CompressionType::Fast,
        PngFilter::Sub,
    ))
    .expect("PNG encoding to memory");
    out
}

/// A JPEG file of `img` at `quality` (1–100).
pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .expect("JPEG encoding to memory");
    out
}

/// `img` scaled by `factor` (Lanczos, as image editors and upload
/// pipelines do).
pub fn scale(img: &RgbImage, factor: f32) -> RgbImage {
    let w = ((img.width() as f32 * factor).round() as u32).max(1);
    let h = ((img.height() as f32 * factor).round() as u32).max(1);
    imageops::resize(img, w, h, FilterType::Lanczos3)
}

/// `img` with the given fractions of its width and height cut off the
/// left, top, right and bottom.
pub fn crop(img: &RgbImage, left: f32, top: f32, right: f32, bottom: f32) -> RgbImage {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (x0, y0) = ((w * left).round() as u32, (h * top).round() as u32);
    let x1 = (w * (1.0 - right)).round() as u32;
    let y1 = (h * (1.0 - bottom)).round() as u32;
    imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image()
}

/// `img` inside a solid border `fraction` of its width (left and right)
/// and height (top and bottom) thick on each side.
pub fn border(img: &RgbImage, fraction: f32, colour: [u8; 3]) -> RgbImage {
    let bx = (img.width() as f32 * fraction).round() as u32;
    let by = (img.height() as f32 * fraction).round() as u32;
    let mut out = RgbImage::from_pixel(img.width() + 2 * bx, img.height() + 2 * by, Rgb(colour));
    imageops::replace(&mut out, img, i64::from(bx), i64::from(by));
    out
}

/// `img` turned `degrees` anticlockwise about its centre on a canvas of
/// the same size, bilinear; the corners the turn uncovers are white (what
/// a phone's or editor's "straighten" without auto-crop leaves).
pub fn rotate(img: &RgbImage, degrees: f32) -> RgbImage {
    let (w, h) = (img.width(), img.height());
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    RgbImage::from_fn(w, h, |x, y| {
        // The source point that lands on (x, y).
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let sx = c * dx - s * dy + cx;
        let sy = s * dx + c * dy + cy;
        if sx < 0.0 || sy < 0.0 || sx > (w - 1) as f32 || sy > (h - 1) as f32 {
            return Rgb([255; 3]);
        }
        let (x0, y0) = (sx as u32, sy as u32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (tx, ty) = (sx - x0 as f32, sy - y0 as f32);
        let p = |x, y| img.get_pixel(x, y).0.map(f32::from);
        let (a, b, cc, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
        Rgb([0, 1, 2].map(|k| {
            let top = a[k] * (1.0 - tx) + b[k] * tx;
            let bottom = cc[k] * (1.0 - tx) + d[k] * tx;
            (top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8
        }))
    })
}

/// How a re-posted copy differs from its source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Edit {
    /// Scaled by the factor (Lanczos), saved as PNG.
    Scale(f32),
    /// Cut by the fractions off the left, top, right and bottom, as PNG.
    Crop(f32, f32, f32, f32),
    /// Recompressed as JPEG at this quality.
    Jpeg(u8),
    /// Turned by this many degrees (white corners), as PNG.
    Rotate(f32),
    /// Brightness changed by this much (of 255) on every channel, as PNG.
    Brighten(i32),
    /// Contrast changed by this percentage (`imageops::contrast`), as PNG.
    Contrast(f32),
    /// Hue turned by this many degrees (`imageops::huerotate`), as PNG.
    Hue(i32),
    /// Turned grey, as PNG.
    Grey,
    /// Framed in a white border this fraction thick on each side, as PNG.
    Border(f32),
    /// Mirrored left to right, as PNG.
    Mirror,
    /// The typical re-post: 3 % cut off each side, halved, JPEG 70.
    Repost,
}

impl Edit {
    /// The edits the evaluation measures, each once, with their names in
    /// the report.
    pub const ALL: [(&'static str, Edit); 21] = [
        ("resize 50 %", Edit::Scale(0.5)),
        ("resize 25 %", Edit::Scale(0.25)),
        ("resize 150 %", Edit::Scale(1.5)),
        ("crop 5 % each side", Edit::Crop(0.05, 0.05, 0.05, 0.05)),
        ("crop 10 % each side", Edit::Crop(0.1, 0.1, 0.1, 0.1)),
        (
            "crop off-centre (15 % left and top, 5 % right and bottom)",
            Edit::Crop(0.15, 0.15, 0.05, 0.05),
        ),
        ("JPEG quality 90", Edit::Jpeg(90)),
        ("JPEG quality 70", Edit::Jpeg(70)),
        ("JPEG quality 40", Edit::Jpeg(40)),
        ("rotate 1°", Edit::Rotate(1.0)),
        ("rotate 3°", Edit::Rotate(3.0)),
        ("rotate 5°", Edit::Rotate(5.0)),
        ("brighter (+40)", Edit::Brighten(40)),
        ("darker (−40)", Edit::Brighten(-40)),
        ("contrast +30 %", Edit::Contrast(30.0)),
        ("hue turned 60°", Edit::Hue(60)),
        ("greyscale", Edit::Grey),
        ("white border 5 %", Edit::Border(0.05)),
        ("white border 10 %", Edit::Border(0.1)),
        ("mirrored left to right", Edit::Mirror),
        ("resize 50 % + crop 3 % + JPEG 70", Edit::Repost),
    ];

    /// The edited copy of `img`, encoded as its file would be posted.
    pub fn apply(self, img: &RgbImage) -> Vec<u8> {
        match self {
            Edit::Scale(f) => png(&scale(img, f)),
            Edit::Crop(l, t, r, b) => png(&crop(img, l, t, r, b)),
            Edit::Jpeg(q) => jpeg(img, q),
            Edit::Rotate(d) => png(&rotate(img, d)),
            Edit::Brighten(v) => png(&colorops::brighten(img, v)),
            Edit::Contrast(c) => png(&colorops::contrast(img, c)),
            Edit::Hue(d) => png(&colorops::huerotate(img, d)),
            Edit::Grey => png(&DynamicImage::ImageLuma8(imageops::grayscale(img)).to_rgb8()),
            Edit::Border(f) => png(&border(img, f, [255; 3])),
            Edit::Mirror => png(&imageops::flip_horizontal(img)),
            Edit::Repost => jpeg(&scale(&crop(img, 0.03, 0.03, 0.03, 0.03), 0.5), 70),
        }
    }
}
