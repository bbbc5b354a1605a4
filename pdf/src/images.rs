//! Brand images (a tenant's logo and favicon) checked before they are stored: PNG, JPEG and
//! WebP are decoded whole (so that a broken file never reaches a page or a PDF), within a
//! size limit; SVG is parsed by `usvg` and written out again from its tree, which keeps only
//! what draws: scripts, event handlers, links, styles that fetch and every external
//! reference (images, fonts, `use`) are gone, text becomes paths. Anything else is refused
//! with the reason.
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::sync::{Arc, OnceLock};
use usvg::fontdb;

/// The largest image side we accept, in pixels.
pub const MAX_SIDE: u32 = 4096;

/// An image format a brand image may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    /// From a stored content type.
    pub fn from_content_type(ct: &str) -> Option<Format> {
        [Format::Svg, Format::Png, Format::Jpeg, Format::Webp].into_iter().find(|f| f.content_type() == ct)
    }

    /// The name Typst's `image(format: …)` knows it by.
    pub(crate) fn typst(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }
}

/// An image that passed the checks, as it is stored and served (an SVG as cleaned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub format: Format,
    pub bytes: Vec<u8>,
}

impl Image {
    /// A stored SVG text (the seeded logos), or none when blank.
    pub fn svg_text(text: &str) -> Option<Image> {
        (!text.trim().is_empty()).then(|| Image { format: Format::Svg, bytes: text.as_bytes().to_vec() })
    }
}

/// Checks an uploaded image and returns it as it may be stored, or why it is refused.
pub fn accept(bytes: &[u8]) -> Result<Image, String> {
    if bytes.is_empty() {
        return Err("the file is empty".into());
    }
    if let Ok(format) = image::guess_format(bytes) {
        let format = match format {
            ImageFormat::Png => Format::Png,
            ImageFormat::Jpeg => Format::Jpeg,
            ImageFormat::WebP => Format::Webp,
            other => return Err(format!("{} images are not accepted; use PNG, JPEG, WebP or SVG", other.extensions_str().first().unwrap_or(&"these").to_uppercase())),
        };
        decode(bytes)?;
        return Ok(Image { format, bytes: bytes.to_vec() });
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // usvg would inflate it without a limit: a small upload could take gigabytes.
        return Err("compressed SVG (.svgz) is not accepted; upload the plain .svg".into());
    }
    if !std::str::from_utf8(bytes).is_ok_and(|t| t.contains("<svg")) {
        return Err("the file is not a PNG, JPEG, WebP or SVG image".into());
    }
    clean_svg(bytes).map(|text| Image { format: Format::Svg, bytes: text.into_bytes() })
}

/// Decodes a PNG, JPEG or WebP whole, within [`MAX_SIDE`] and a memory limit.
fn decode(bytes: &[u8]) -> Result<(), String> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| format!("the image could not be read: {e}"))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    match reader.decode() {
        Ok(_) => Ok(()),
        Err(image::ImageError::Limits(_)) => Err(format!("the image is larger than {MAX_SIDE} × {MAX_SIDE} pixels")),
        Err(e) => Err(format!("the image is damaged or incomplete: {e}")),
    }
}

/// Parses an SVG and writes it out from its tree: only what draws is left.
pub fn clean_svg(bytes: &[u8]) -> Result<String, String> {
    let mut opt = usvg::Options { fontdb: font_db(), resources_dir: None, ..usvg::Options::default() };
    opt.image_href_resolver = usvg::ImageHrefResolver {
        // Embedded (data:) images are kept only when they decode; an SVG inside is cleaned by
        // the same rules (usvg parses it with these options and no external references).
        resolve_data: Box::new(|_mime, data, opts| match image::guess_format(&data) {
            Ok(ImageFormat::Png) if decode(&data).is_ok() => Some(usvg::ImageKind::PNG(data)),
            Ok(ImageFormat::Jpeg) if decode(&data).is_ok() => Some(usvg::ImageKind::JPEG(data)),
            Ok(ImageFormat::WebP) if decode(&data).is_ok() => Some(usvg::ImageKind::WEBP(data)),
            Ok(_) => None,
            Err(_) if data.starts_with(&[0x1f, 0x8b]) => None,
            Err(_) => usvg::Tree::from_data_nested(&data, opts).ok().map(usvg::ImageKind::SVG),
        }),
        // Files and URLs are never fetched.
        resolve_string: Box::new(|_, _| None),
    };
    let tree = usvg::Tree::from_data(bytes, &opt).map_err(|e| format!("the SVG could not be read: {e}"))?;
    if !tree.root().has_children() {
        return Err("the SVG draws nothing".into());
    }
    Ok(tree.to_string(&usvg::WriteOptions::default()))
}

/// Typst's bundled fonts, so that an SVG's text becomes paths in a face we have.
fn font_db() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        for data in typst_assets::fonts() {
            db.load_font_data(data.to_vec());
        }
        db.set_serif_family("Libertinus Serif");
        db.set_sans_serif_family("Libertinus Serif");
        db.set_monospace_family("DejaVu Sans Mono");
        Arc::new(db)
    })
    .clone()
}
