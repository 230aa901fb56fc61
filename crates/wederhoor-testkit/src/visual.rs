//! Visual regression: a screenshot of a page compared with a reference PNG kept in the
//! repository, with a tolerance, so that a layout break fails a test.
//!
//! Two numbers make the tolerance: a pixel differs when one of its colour channels is off by
//! more than `channel_delta`, and the page differs when more than `max_differing_share` of its
//! pixels differ (a size change is a difference of every pixel outside the common area). On a
//! mismatch the actual screenshot and a diff image (the reference greyed out, differing pixels
//! red) are written to the output directory and the check fails with the share.
//!
//! Before each screenshot, [`Screenshots::check`] freezes what moves: animations and
//! transitions are switched off, the caret is transparent, the page is scrolled to the top. What
//! changes per run in the page's content (times, ids) is for the caller to fix first, e.g. by
//! replacing texts through [`Page::eval`] or hiding elements with [`Page::add_style`].
//!
//! References are (re)written instead of compared when `WEDERHOOR_UPDATE_SCREENSHOTS=1`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};

use crate::Page;

/// Set to `1` to write the references instead of comparing with them.
pub const UPDATE_ENV: &str = "WEDERHOOR_UPDATE_SCREENSHOTS";

/// CSS that stops whatever would make two screenshots of the same page differ.
pub const FREEZE_CSS: &str = "*, *::before, *::after { animation: none !important; \
    transition: none !important; caret-color: transparent !important; \
    scroll-behavior: auto !important; }";

/// An image as 8-bit RGBA rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// `width * height * 4` bytes, row after row.
    pub rgba: Vec<u8>,
}

impl Image {
    /// An image of one colour.
    pub fn filled(width: u32, height: u32, rgba: [u8; 4]) -> Image {
        let pixels = width as usize * height as usize;
        Image {
            width,
            height,
            rgba: rgba.iter().copied().cycle().take(pixels * 4).collect(),
        }
    }

    /// The pixel at (`x`, `y`), if inside.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.rgba.get(at..at + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// Sets the pixel at (`x`, `y`); outside the image nothing happens.
    pub fn set_pixel(&mut self, x: u32, y: u32, rgba: [u8; 4]) {
        if x >= self.width || y >= self.height {
            return;
        }
        let at = (y as usize * self.width as usize + x as usize) * 4;
        if let Some(p) = self.rgba.get_mut(at..at + 4) {
            p.copy_from_slice(&rgba);
        }
    }
}

/// Decodes a PNG of any colour type and bit depth into 8-bit RGBA.
pub fn decode_png(bytes: &[u8]) -> anyhow::Result<Image> {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().context("reading the PNG header")?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .context("decoding the PNG image")?;
    buf.truncate(info.buffer_size());
    let pixels = info.width as usize * info.height as usize;
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::Indexed => bail!("an indexed PNG was not expanded to RGB"),
    };
    if rgba.len() != pixels * 4 {
        bail!(
            "the PNG decoded to {} bytes for {}×{} pixels",
            rgba.len(),
            info.width,
            info.height
        );
    }
    Ok(Image {
        width: info.width,
        height: info.height,
        rgba,
    })
}

/// Encodes an image as a compact PNG: RGB (screenshots are opaque) when every pixel is
/// opaque, best compression.
pub fn encode_png(image: &Image) -> anyhow::Result<Vec<u8>> {
    let opaque = image.rgba.chunks_exact(4).all(|p| p[3] == 255);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let writer = if opaque {
            encoder.set_color(png::ColorType::Rgb);
            let rgb: Vec<u8> = image
                .rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            let mut writer = encoder.write_header().context("writing the PNG header")?;
            writer
                .write_image_data(&rgb)
                .context("writing the PNG data")?;
            writer
        } else {
            encoder.set_color(png::ColorType::Rgba);
            let mut writer = encoder.write_header().context("writing the PNG header")?;
            writer
                .write_image_data(&image.rgba)
                .context("writing the PNG data")?;
            writer
        };
        writer.finish().context("finishing the PNG")?;
    }
    Ok(out)
}

/// How different a screenshot may be from its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A pixel differs when a channel is off by more than this.
    pub channel_delta: u8,
    /// The page differs when more than this share (0..1) of its pixels differ.
    pub max_differing_share: f64,
}

impl Default for Tolerance {
    /// Lenient enough for anti-aliasing that changes on another build of the same browser,
    /// strict enough that a block moved by a few pixels, a wrapped line or a lost style fails.
    fn default() -> Tolerance {
        Tolerance {
            channel_delta: 32,
            max_differing_share: 0.002,
        }
    }
}

/// What [`compare`] found.
#[derive(Debug, Clone)]
pub struct Difference {
    /// Pixels that differ, counting every pixel outside the common area of two sizes.
    pub differing: u64,
    /// Pixels of the larger of the two areas.
    pub total: u64,
    /// The reference greyed out and faded, the differing pixels red.
    pub diff: Image,
}

impl Difference {
    /// The share (0..1) of pixels that differ.
    pub fn share(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.differing as f64 / self.total as f64
        }
    }

    /// Whether the difference stays within `tolerance`.
    pub fn within(&self, tolerance: Tolerance) -> bool {
        self.share() <= tolerance.max_differing_share
    }
}

/// Compares two images pixel by pixel.
pub fn compare(reference: &Image, actual: &Image, channel_delta: u8) -> Difference {
    let width = reference.width.max(actual.width);
    let height = reference.height.max(actual.height);
    let mut diff = Image::filled(width, height, [255, 255, 255, 255]);
    let mut differing = 0_u64;
    for y in 0..height {
        for x in 0..width {
            let (want, got) = (reference.pixel(x, y), actual.pixel(x, y));
            let differs = match (want, got) {
                (Some(a), Some(b)) => a
                    .iter()
                    .zip(b.iter())
                    .any(|(p, q)| p.abs_diff(*q) > channel_delta),
                _ => true,
            };
            if differs {
                differing += 1;
                diff.set_pixel(x, y, [255, 0, 0, 255]);
            } else if let Some([r, g, b, _]) = want {
                let grey = (u32::from(r) * 3 + u32::from(g) * 6 + u32::from(b)) / 10;
                let faded = 255 - (255 - grey) / 3;
                let faded = u8::try_from(faded).unwrap_or(255);
                diff.set_pixel(x, y, [faded, faded, faded, 255]);
            }
        }
    }
    Difference {
        differing,
        total: u64::from(width) * u64::from(height),
        diff,
    }
}

/// Screenshots checked against references in one directory.
#[derive(Debug, Clone)]
pub struct Screenshots {
    references: PathBuf,
    output: PathBuf,
    tolerance: Tolerance,
    update: bool,
}

impl Screenshots {
    /// References in `references` (`NAME.png`); actual and diff images of a mismatch go to
    /// `output`. Updates the references instead when [`UPDATE_ENV`] is `1`.
    pub fn new(references: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Screenshots {
        Screenshots {
            references: references.into(),
            output: output.into(),
            tolerance: Tolerance::default(),
            update: std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1"),
        }
    }

    /// The same, with another tolerance.
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Screenshots {
        self.tolerance = tolerance;
        self
    }

    /// Whether this run writes references instead of comparing.
    pub fn updating(&self) -> bool {
        self.update
    }

    /// The tolerance in force.
    pub fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// The reference file of `name`.
    pub fn reference_path(&self, name: &str) -> PathBuf {
        self.references.join(format!("{name}.png"))
    }

    /// Freezes the page, takes a screenshot of its viewport and compares it with the reference
    /// `name` (or writes the reference when updating). Returns the difference found (none when
    /// updating); an `Err` is a mismatch beyond the tolerance or a failure to compare.
    pub async fn check(&self, page: &Page, name: &str) -> anyhow::Result<Option<Difference>> {
        let actual = capture_frozen(page).await?;
        let reference_path = self.reference_path(name);
        if self.update {
            write(&reference_path, &encode_png(&actual)?)?;
            return Ok(None);
        }
        let reference = match std::fs::read(&reference_path) {
            Ok(bytes) => decode_png(&bytes)
                .with_context(|| format!("reading {}", reference_path.display()))?,
            Err(e) => {
                self.write_outputs(name, &actual, None)?;
                return Err(anyhow!(
                    "no reference screenshot {} ({e}); run the test with {UPDATE_ENV}=1 to \
                     write it, and look at it before committing",
                    reference_path.display()
                ));
            }
        };
        let difference = compare(&reference, &actual, self.tolerance.channel_delta);
        if !difference.within(self.tolerance) {
            let (actual_path, diff_path) =
                self.write_outputs(name, &actual, Some(&difference.diff))?;
            bail!(
                "{name}: {:.3} % of the pixels differ from {} (tolerance {:.3} %, channel delta {}; \
                 {}×{} against {}×{}); see {} and {}; if the change is intended, run with \
                 {UPDATE_ENV}=1",
                difference.share() * 100.0,
                reference_path.display(),
                self.tolerance.max_differing_share * 100.0,
                self.tolerance.channel_delta,
                actual.width,
                actual.height,
                reference.width,
                reference.height,
                actual_path.display(),
                diff_path.map_or_else(String::new, |p| p.display().to_string()),
            );
        }
        Ok(Some(difference))
    }

    fn write_outputs(
        &self,
        name: &str,
        actual: &Image,
        diff: Option<&Image>,
    ) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
        let actual_path = self.output.join(format!("{name}.actual.png"));
        write(&actual_path, &encode_png(actual)?)?;
        let diff_path = match diff {
            Some(diff) => {
                let path = self.output.join(format!("{name}.diff.png"));
                write(&path, &encode_png(diff)?)?;
                Some(path)
            }
            None => None,
        };
        Ok((actual_path, diff_path))
    }
}

/// Freezes the page (see [`FREEZE_CSS`]), scrolls it to the top and decodes a screenshot of
/// its viewport.
pub async fn capture_frozen(page: &Page) -> anyhow::Result<Image> {
    page.add_style(FREEZE_CSS).await?;
    page.eval(
        "(async () => { window.scrollTo(0, 0); \
         if (document.activeElement && document.activeElement !== document.body) \
         document.activeElement.blur(); \
         await document.fonts.ready; \
         await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); \
         return true; })()",
    )
    .await?;
    let png = page.screenshot().await?;
    decode_png(&png)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_like() -> Image {
        // A white page with a dark "text" block and a coloured "badge".
        let mut image = Image::filled(200, 100, [255, 255, 255, 255]);
        for y in 10..30 {
            for x in 10..150 {
                image.set_pixel(x, y, [30, 30, 30, 255]);
            }
        }
        for y in 50..60 {
            for x in 20..60 {
                image.set_pixel(x, y, [0, 128, 0, 255]);
            }
        }
        image
    }

    #[test]
    fn png_round_trip_keeps_every_pixel() -> anyhow::Result<()> {
        let image = page_like();
        let back = decode_png(&encode_png(&image)?)?;
        assert_eq!(back, image);
        let mut translucent = image.clone();
        translucent.set_pixel(0, 0, [1, 2, 3, 4]);
        assert_eq!(decode_png(&encode_png(&translucent)?)?, translucent);
        assert!(decode_png(b"not a png").is_err());
        Ok(())
    }

    #[test]
    fn equal_images_do_not_differ_and_small_noise_is_tolerated() {
        let image = page_like();
        let same = compare(&image, &image, 0);
        assert_eq!(same.differing, 0);
        assert!(same.within(Tolerance::default()));

        let mut noisy = image.clone();
        // Anti-aliasing noise: a small shift of every channel, within the channel delta.
        for y in 0..100 {
            for x in 0..200 {
                let [r, g, b, a] = noisy.pixel(x, y).unwrap_or_default();
                noisy.set_pixel(x, y, [r.saturating_sub(20), g, b.saturating_add(20), a]);
            }
        }
        assert_eq!(compare(&image, &noisy, 32).differing, 0);
        // With a stricter delta every pixel differs (each has a channel moved by 20).
        assert_eq!(compare(&image, &noisy, 10).differing, 200 * 100);
    }

    #[test]
    fn a_shifted_block_a_changed_colour_or_size_exceeds_the_tolerance() {
        let image = page_like();
        let tolerance = Tolerance::default();

        let mut shifted = Image::filled(200, 100, [255, 255, 255, 255]);
        for y in 0..100 {
            for x in 0..200 {
                let p = image
                    .pixel(x, u32::saturating_sub(y, 4))
                    .unwrap_or_default();
                shifted.set_pixel(x, y, p);
            }
        }
        let d = compare(&image, &shifted, tolerance.channel_delta);
        assert!(!d.within(tolerance), "{}", d.share());
        assert_eq!(d.diff.pixel(12, 10), Some([255, 0, 0, 255]));
        assert_ne!(d.diff.pixel(190, 90), Some([255, 0, 0, 255]));

        let mut recoloured = image.clone();
        for y in 50..60 {
            for x in 20..60 {
                recoloured.set_pixel(x, y, [200, 0, 0, 255]);
            }
        }
        let d = compare(&image, &recoloured, tolerance.channel_delta);
        assert_eq!(d.differing, 400);
        assert!(!d.within(tolerance));

        let taller = Image::filled(200, 101, [255, 255, 255, 255]);
        let blank = Image::filled(200, 100, [255, 255, 255, 255]);
        let d = compare(&blank, &taller, 0);
        assert_eq!((d.differing, d.total), (200, 200 * 101));
    }
}
