//! Browser form uploads (staff and portal): a multipart form read into its text fields and
//! files, each file checked before anything is stored — not empty, within the upload limit,
//! a PDF, PNG, JPEG or TIFF judged by its bytes — and stored under a key the server makes.
//! If anything fails after some files were stored, they are deleted again: a refused upload
//! leaves nothing behind, in S3 as in the folder.
use axum::extract::Multipart;
use domain::storage::{Storage, Stored};
use domain::types::TenantSlug;
use std::collections::HashMap;

/// A file as the browser sent it.
pub struct RawFile {
    /// The form field it came in.
    pub field: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: text fields (repeatable) and files.
#[derive(Default)]
pub struct FormData {
    pub fields: HashMap<String, Vec<String>>,
    pub files: Vec<RawFile>,
}

impl FormData {
    /// The first value of a text field, or empty.
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
    }
}

/// Reads the whole form. Files larger than `limit` are refused here, naming the file; an
/// empty file input (no file chosen) is skipped.
pub async fn read_form(mut mp: Multipart, limit: usize) -> Result<FormData, String> {
    let mut form = FormData::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(form),
            Err(e) => return Err(format!("the form could not be read: {}", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > limit {
                                let size = if limit >= 1024 * 1024 { format!("{} MB", limit / (1024 * 1024)) } else { format!("{} KB", limit / 1024) };
                                return Err(format!("{} is larger than {size}", domain::documents::sanitize_filename(&filename)));
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(format!("the form could not be read: {}", e.body_text())),
                    }
                }
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                form.files.push(RawFile { field: name, filename, bytes });
            }
            None => {
                let value = field.text().await.map_err(|e| format!("the form could not be read: {}", e.body_text()))?;
                form.fields.entry(name).or_default().push(value);
            }
        }
    }
}

/// A file that passed the checks.
pub struct Checked {
    pub filename: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Checks a file's content: not empty, and a type we accept judged by its first bytes.
pub fn check(f: RawFile) -> Result<Checked, String> {
    let filename = domain::documents::sanitize_filename(&f.filename);
    if f.bytes.is_empty() {
        return Err(format!("{filename} is empty"));
    }
    let Some(content_type) = domain::documents::sniff(&f.bytes) else {
        return Err(format!("{filename} is not a {} file (judged by its content, not its name)", domain::documents::ACCEPTED));
    };
    Ok(Checked { filename, content_type, bytes: f.bytes })
}

/// A file in storage whose database record is still to be written.
pub struct StoredFile {
    pub filename: String,
    pub content_type: &'static str,
    pub stored: Stored,
}

/// Stores checked files; on a failure, deletes what was stored before it.
pub async fn store_all(storage: &Storage, tenant: &TenantSlug, kind: &str, files: Vec<Checked>) -> Result<Vec<StoredFile>, domain::Error> {
    let mut done: Vec<StoredFile> = Vec::new();
    for f in files {
        match storage.put(tenant, kind, f.content_type, f.bytes).await {
            Ok(stored) => done.push(StoredFile { filename: f.filename, content_type: f.content_type, stored }),
            Err(e) => {
                discard(storage, tenant, &done).await;
                return Err(e);
            }
        }
    }
    Ok(done)
}

/// Deletes stored objects whose database records were not written.
pub async fn discard(storage: &Storage, tenant: &TenantSlug, files: &[StoredFile]) {
    for f in files {
        if let Err(e) = storage.delete(tenant, &f.stored.key).await {
            tracing::error!(error = %e, key = %f.stored.key, "an orphaned document could not be deleted");
        }
    }
}
