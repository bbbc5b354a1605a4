//! Document storage: a local folder (the embedded default) or an S3-compatible bucket.
//!
//! Every object key starts with `tenants/<slug>/`, and every read takes the tenant as well as
//! the key: a key that belongs to another tenant is answered as not found, so no code path can
//! reach another tenant's files even with a key copied from elsewhere.
use crate::types::TenantSlug;
use crate::{Error, Result};
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Where documents go. Cheap to clone.
#[derive(Clone)]
pub enum Storage {
    Local { root: PathBuf },
    S3 { client: aws_sdk_s3::Client, bucket: String },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Local { root } => write!(f, "Storage::Local({})", root.display()),
            Storage::S3 { bucket, .. } => write!(f, "Storage::S3({bucket})"),
        }
    }
}

/// Settings of an S3-compatible server. The keys are secrets and never printed.
#[derive(Clone)]
pub struct S3Settings {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// What was stored: the key to keep in the database, the size and the SHA-256 of the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub size: i64,
    pub sha256: String,
}

fn storage_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("{what}: {e}"))
}

/// The prefix every key of one tenant starts with.
pub fn tenant_prefix(tenant: &TenantSlug) -> String {
    format!("tenants/{tenant}/")
}

/// Checks that `key` is one of `tenant`'s keys and has no path tricks in it.
fn own_key(tenant: &TenantSlug, key: &str) -> Result<()> {
    let ok = key.starts_with(&tenant_prefix(tenant))
        && key.len() < 512
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c));
    if ok { Ok(()) } else { Err(Error::NotFound) }
}

impl Storage {
    /// A folder on this machine; created if missing.
    pub fn local(root: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&root).map_err(|e| storage_err(&format!("cannot create {}", root.display()), e))?;
        Ok(Storage::Local { root })
    }

    /// An S3-compatible bucket; the bucket is created if it does not exist yet.
    pub async fn s3(settings: S3Settings) -> Result<Self> {
        let creds = aws_sdk_s3::config::Credentials::new(
            settings.access_key_id,
            settings.secret_access_key,
            None,
            None,
            "throughline-config",
        );
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .endpoint_url(settings.endpoint)
            .region(aws_sdk_s3::config::Region::new(settings.region))
            .credentials_provider(creds)
            .force_path_style(true)
            .build();
        let client = aws_sdk_s3::Client::from_conf(conf);
        if client.head_bucket().bucket(&settings.bucket).send().await.is_err() {
            client
                .create_bucket()
                .bucket(&settings.bucket)
                .send()
                .await
                .map_err(|e| storage_err(&format!("cannot create bucket {}", settings.bucket), aws_sdk_s3::error::DisplayErrorContext(e)))?;
        }
        Ok(Storage::S3 { client, bucket: settings.bucket })
    }

    /// Stores `bytes` for `tenant` under a fresh key in the `kind` folder (e.g. `pod`).
    pub async fn put(&self, tenant: &TenantSlug, kind: &str, content_type: &str, bytes: Vec<u8>) -> Result<Stored> {
        if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(Error::Invalid(format!("document kind {kind:?} must be lowercase letters")));
        }
        let key = format!("{}{kind}/{}", tenant_prefix(tenant), uuid::Uuid::new_v4());
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len() as i64;
        match self {
            Storage::Local { root } => {
                let path = root.join(&key);
                let dir = path.parent().expect("keys have folders");
                tokio::fs::create_dir_all(dir).await.map_err(|e| storage_err("cannot create folder", e))?;
                // Write to a temporary name first so a crash never leaves half a document.
                let tmp = path.with_extension("part");
                tokio::fs::write(&tmp, &bytes).await.map_err(|e| storage_err("cannot write document", e))?;
                tokio::fs::rename(&tmp, &path).await.map_err(|e| storage_err("cannot write document", e))?;
            }
            Storage::S3 { client, bucket } => {
                client
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .content_type(content_type)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .map_err(|e| storage_err("cannot upload document", aws_sdk_s3::error::DisplayErrorContext(e)))?;
            }
        }
        Ok(Stored { key, size, sha256 })
    }

    /// Reads one of `tenant`'s documents. Another tenant's key is `NotFound`.
    pub async fn get(&self, tenant: &TenantSlug, key: &str) -> Result<Vec<u8>> {
        own_key(tenant, key)?;
        match self {
            Storage::Local { root } => match tokio::fs::read(root.join(key)).await {
                Ok(b) => Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound),
                Err(e) => Err(storage_err("cannot read document", e)),
            },
            Storage::S3 { client, bucket } => {
                let out = match client.get_object().bucket(bucket).key(key).send().await {
                    Ok(o) => o,
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Err(Error::NotFound),
                    Err(e) => return Err(storage_err("cannot read document", aws_sdk_s3::error::DisplayErrorContext(e))),
                };
                let body = out.body.collect().await.map_err(|e| storage_err("cannot read document", e))?;
                Ok(body.into_bytes().to_vec())
            }
        }
    }

    /// Every key `tenant` has stored (for exports, and to prove that refused uploads left
    /// nothing behind).
    pub async fn keys(&self, tenant: &TenantSlug) -> Result<Vec<String>> {
        let prefix = tenant_prefix(tenant);
        match self {
            Storage::Local { root } => {
                let mut out = Vec::new();
                let mut dirs = vec![root.join(&prefix)];
                while let Some(dir) = dirs.pop() {
                    let mut rd = match tokio::fs::read_dir(&dir).await {
                        Ok(rd) => rd,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(storage_err("cannot list documents", e)),
                    };
                    while let Some(entry) = rd.next_entry().await.map_err(|e| storage_err("cannot list documents", e))? {
                        let path = entry.path();
                        if path.is_dir() {
                            dirs.push(path);
                        } else if let Ok(rel) = path.strip_prefix(root) {
                            out.push(rel.to_string_lossy().replace('\\', "/"));
                        }
                    }
                }
                out.sort();
                Ok(out)
            }
            Storage::S3 { client, bucket } => {
                let mut out = Vec::new();
                let mut pages = client.list_objects_v2().bucket(bucket).prefix(&prefix).into_paginator().send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| storage_err("cannot list documents", aws_sdk_s3::error::DisplayErrorContext(e)))?;
                    out.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
                }
                out.sort();
                Ok(out)
            }
        }
    }

    /// Removes one of `tenant`'s documents (used when the database write that would have
    /// referred to it fails, so no orphan is left behind).
    pub async fn delete(&self, tenant: &TenantSlug, key: &str) -> Result<()> {
        own_key(tenant, key)?;
        match self {
            Storage::Local { root } => match tokio::fs::remove_file(root.join(key)).await {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(storage_err("cannot delete document", e)),
            },
            Storage::S3 { client, bucket } => client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| storage_err("cannot delete document", aws_sdk_s3::error::DisplayErrorContext(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_outside_the_tenant_or_with_dot_segments_are_not_found() {
        let acme: TenantSlug = TenantSlug::parse("acme").unwrap();
        assert!(own_key(&acme, "tenants/acme/pod/abc").is_ok());
        assert!(matches!(own_key(&acme, "tenants/bluegrass/pod/abc"), Err(Error::NotFound)));
        assert!(matches!(own_key(&acme, "tenants/acme/../bluegrass/pod/abc"), Err(Error::NotFound)));
        assert!(matches!(own_key(&acme, "tenants/acme//x"), Err(Error::NotFound)));
        assert!(matches!(own_key(&acme, "tenants/acmeco/pod/x"), Err(Error::NotFound)));
    }

    #[tokio::test]
    async fn local_round_trip_keeps_bytes_size_and_hash() {
        let dir = std::env::temp_dir().join(format!("tl-storage-{}", uuid::Uuid::new_v4()));
        let s = Storage::local(dir.clone()).unwrap();
        let acme: TenantSlug = TenantSlug::parse("acme").unwrap();
        let globex: TenantSlug = TenantSlug::parse("globex").unwrap();
        let stored = s.put(&acme, "pod", "application/pdf", b"%PDF-1.7 pod".to_vec()).await.unwrap();
        assert_eq!(stored.size, 12);
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(b"%PDF-1.7 pod")));
        assert_eq!(s.get(&acme, &stored.key).await.unwrap(), b"%PDF-1.7 pod");
        assert!(matches!(s.get(&globex, &stored.key).await, Err(Error::NotFound)));
        assert_eq!(s.keys(&acme).await.unwrap(), vec![stored.key.clone()]);
        assert!(s.keys(&globex).await.unwrap().is_empty());
        s.delete(&acme, &stored.key).await.unwrap();
        assert!(matches!(s.get(&acme, &stored.key).await, Err(Error::NotFound)));
        assert!(s.keys(&acme).await.unwrap().is_empty());
        std::fs::remove_dir_all(dir).ok();
    }
}
