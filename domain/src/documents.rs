//! Rules for documents (PODs, packing lists): which files are accepted, judged by their
//! content rather than by what the sender declares, and how names are given back.

/// What a file's first bytes say it is: PDF, PNG, JPEG or TIFF. Anything else is refused,
/// whatever content type the upload declared.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xFF\xD8\xFF", "image/jpeg"),
        (b"II*\0", "image/tiff"),
        (b"MM\0*", "image/tiff"),
    ];
    KINDS.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, ct)| *ct)
}

/// What a stored document belongs to; the links decide who may download it.
#[derive(Clone, Debug, Default)]
pub struct Links {
    pub order_id: Option<uuid::Uuid>,
    pub shipment_id: Option<uuid::Uuid>,
    pub invoice_id: Option<uuid::Uuid>,
    pub dispute_id: Option<uuid::Uuid>,
    /// The customer whose user uploaded it.
    pub customer_id: Option<uuid::Uuid>,
}

/// Records a document already stored (`stored`), in the caller's transaction.
pub async fn record<C: sea_orm::ConnectionTrait>(c: &C, kind: &str, filename: &str, content_type: &str, stored: &crate::storage::Stored, links: Links) -> crate::Result<crate::orders::DocumentView> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let now = chrono::Utc::now();
    let m = crate::entity::document::ActiveModel {
        id: Set(crate::new_id()),
        kind: Set(kind.into()),
        object_key: Set(stored.key.clone()),
        content_type: Set(content_type.into()),
        filename: Set(sanitize_filename(filename)),
        size: Set(stored.size),
        sha256: Set(stored.sha256.clone()),
        order_id: Set(links.order_id),
        shipment_id: Set(links.shipment_id),
        invoice_id: Set(links.invoice_id),
        created_at: Set(now),
        updated_at: Set(now),
        dispute_id: Set(links.dispute_id),
        customer_id: Set(links.customer_id),
    }
    .insert(c)
    .await?;
    Ok(m.into())
}

/// The accepted types, for messages.
pub const ACCEPTED: &str = "PDF, PNG, JPEG or TIFF";

/// A file name safe to store and show: no path, no control characters, no quotes, at most
/// 200 characters; `document` if nothing is left.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | ';')).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() { "document".into() } else { clean }
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the exact name as an RFC
/// 6266 / RFC 8187 `filename*` (UTF-8, percent-encoded).
pub fn attachment_disposition(filename: &str) -> String {
    let name = sanitize_filename(filename);
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_judged_by_its_first_bytes() {
        let cases: &[(&[u8], Option<&str>)] = &[
            (b"%PDF-1.7\n...", Some("application/pdf")),
            (b"\x89PNG\r\n\x1a\n\0\0", Some("image/png")),
            (b"\xFF\xD8\xFF\xE0JFIF", Some("image/jpeg")),
            (b"II*\0\x08", Some("image/tiff")),
            (b"MM\0*\0", Some("image/tiff")),
            (b"GIF89a", None),
            (b"MZ\x90\0", None),
            (b"<html><script>", None),
            (b"%PD", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff(bytes), *want, "{bytes:?}");
        }
    }

    #[test]
    fn file_names_lose_paths_quotes_and_control_characters() {
        let cases = [
            ("pod.pdf", "pod.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\scans\\pod 1.pdf", "pod 1.pdf"),
            ("a\"b;\r\nc.pdf", "abc.pdf"),
            ("...", "document"),
            ("", "document"),
        ];
        for (given, want) in cases {
            assert_eq!(sanitize_filename(given), want, "{given:?}");
        }
    }

    #[test]
    fn the_disposition_is_an_attachment_with_an_encoded_utf8_name() {
        assert_eq!(attachment_disposition("pod.pdf"), "attachment; filename=\"pod.pdf\"; filename*=UTF-8''pod.pdf");
        assert_eq!(
            attachment_disposition("Lieferschein Müller.pdf"),
            "attachment; filename=\"Lieferschein M_ller.pdf\"; filename*=UTF-8''Lieferschein%20M%C3%BCller.pdf"
        );
    }
}
