//! The smallest Typst `World`: one source file (the template), the bundled fonts, and two
//! files: the data as `/data.json` and the logo as `/logo.svg`. Fonts and the standard
//! library are built once per process.
use crate::{Brand, Error};
use serde::Serialize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

/// The standard library without inputs: the same value for every render, so that Typst's
/// memoized layout (keyed on what a computation read from the world) is reused across
/// documents. Data passed as `sys.inputs` made every render's library different and every
/// cached layout a miss: a 20-line invoice cost 89 M instructions, laid out from scratch.
fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::builder().build()))
}

struct DocWorld {
    main: Source,
    /// `/data.json`: the document and brand as JSON, read by the template with `json`.
    data: Bytes,
    /// `/logo`, when the brand has a logo (its format is in `/data.json`).
    logo: Option<Bytes>,
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match id {
            id if id == self.main.id() => Ok(Bytes::from_string(self.main.clone())),
            id if id == file_id("data.json") => Ok(self.data.clone()),
            id if id == file_id("logo") => self.logo.clone().ok_or(FileError::AccessDenied),
            _ => Err(FileError::AccessDenied),
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

fn file_id(name: &str) -> FileId {
    RootedPath::new(VirtualRoot::Project, VirtualPath::new(name).expect("a valid path")).intern()
}

fn main_id() -> FileId {
    static ID: OnceLock<FileId> = OnceLock::new();
    *ID.get_or_init(|| file_id("main.typ"))
}

/// The template parsed once per process (a `Source` clones cheaply): parsing it again for
/// every document was a few per cent of a render.
fn parsed(template: &'static str) -> Source {
    static PARSED: std::sync::Mutex<Vec<(usize, Source)>> = std::sync::Mutex::new(Vec::new());
    let key = template.as_ptr() as usize;
    let mut parsed = PARSED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, s)) = parsed.iter().find(|(k, _)| *k == key) {
        return s.clone();
    }
    let s = Source::new(main_id(), template.to_owned());
    parsed.push((key, s.clone()));
    s
}

/// `/data.json`: the serde value of `data` under `doc`, the brand under `brand`, and the format
/// of `/logo` under `logo` (`null` for none).
fn data_json(brand: &Brand, data: &impl Serialize) -> Result<Bytes, Error> {
    let logo = brand.logo.as_ref().map(|l| l.format.typst());
    let json = serde_json::to_vec(&serde_json::json!({ "doc": data, "brand": brand, "logo": logo })).map_err(|e| Error::Data(e.to_string()))?;
    Ok(Bytes::new(json))
}

fn messages(diags: &[SourceDiagnostic]) -> String {
    diags.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// Renders between two trims of Typst's memo cache, and how many trims an unused entry survives.
const EVICT_EVERY: usize = 10;
const EVICT_AGE: usize = 3;

/// Lays out `template` with the data and writes the PDF.
pub(crate) fn render(template: &'static str, brand: &Brand, data: &impl Serialize) -> Result<Vec<u8>, Error> {
    let logo = brand.logo.as_ref().map(|l| Bytes::new(l.bytes.clone()));
    let world = DocWorld { main: parsed(template), data: data_json(brand, data)?, logo };
    let doc = typst::compile::<typst_layout::PagedDocument>(&world).output.map_err(|d| Error::Layout(messages(&d[..])))?;
    let pdf = typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|d| Error::Layout(messages(&d)));
    // Typst memoizes in a process-wide cache that only `evict` trims. Never trimmed, it grew by
    // about 2.7 MB a render (1.1 GB after 400 distinct invoices). Emptied after every render,
    // concurrent renders lost their in-flight entries and a document rendered again (a second
    // download) was laid out from scratch. Every tenth render drops what the last 30-40 renders
    // did not use: 4 threads, 20-line invoices: distinct ones 67-76/s in about 200 MB
    // (steady after 1,200), the same one again 611/s (193/s when emptied each time).
    static RENDERS: AtomicUsize = AtomicUsize::new(0);
    if RENDERS.fetch_add(1, Ordering::Relaxed) % EVICT_EVERY == 0 {
        typst::comemo::evict(EVICT_AGE);
    }
    pdf
}
