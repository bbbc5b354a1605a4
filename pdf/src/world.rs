//! The smallest Typst `World`: one source file (the template), the bundled fonts, the logo as
//! bytes, and the data as `sys.inputs`. Fonts are parsed once per process.
use crate::{Brand, Error};
use serde::Serialize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Value};
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

struct DocWorld {
    library: LazyHash<Library>,
    main: Source,
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
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
        if id == self.main.id() { Ok(Bytes::from_string(self.main.clone())) } else { Err(FileError::AccessDenied) }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

fn main_id() -> FileId {
    static ID: OnceLock<FileId> = OnceLock::new();
    *ID.get_or_init(|| RootedPath::new(VirtualRoot::Project, VirtualPath::new("main.typ").expect("a valid path")).intern())
}

/// The inputs: the serde value of `data` under `doc`, the brand under `brand`, and the logo's
/// bytes under `logo` (none when the brand has no logo).
fn inputs(brand: &Brand, data: &impl Serialize) -> Result<Dict, Error> {
    let to_value = |v: serde_json::Value| serde_json::from_value::<Value>(v).map_err(|e| Error::Data(e.to_string()));
    let mut dict = Dict::new();
    dict.insert("doc".into(), to_value(serde_json::to_value(data).map_err(|e| Error::Data(e.to_string()))?)?);
    dict.insert("brand".into(), to_value(serde_json::to_value(brand).map_err(|e| Error::Data(e.to_string()))?)?);
    let logo = if brand.logo_svg.trim().is_empty() { Value::None } else { Bytes::new(brand.logo_svg.clone().into_bytes()).into_value() };
    dict.insert("logo".into(), logo);
    Ok(dict)
}

fn messages(diags: &[SourceDiagnostic]) -> String {
    diags.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// Renders between two trims of Typst's memo cache, and how many trims an unused entry survives.
const EVICT_EVERY: usize = 10;
const EVICT_AGE: usize = 3;

/// Lays out `template` with the data and writes the PDF.
pub(crate) fn render(template: &str, brand: &Brand, data: &impl Serialize) -> Result<Vec<u8>, Error> {
    let library = Library::builder().with_inputs(inputs(brand, data)?).build();
    let world = DocWorld { library: LazyHash::new(library), main: Source::new(main_id(), template.to_owned()) };
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
