//! The export archive: for each business table `<table>.jsonl` (one JSON object per row, as
//! stored: ids, minor units with their currency, UTC times) and `<table>.csv` (the same columns,
//! a header row, nested values as JSON), every stored document under
//! `documents/<id>-<file name>`, and `manifest.json` with the row and document counts. Secrets
//! are left out (password hashes, webhook signing secrets). Tables are read a page at a time
//! by primary key, so a large tenant never sits in memory whole; the archive itself does, as
//! the document store takes whole objects.
use crate::TenantTxn;
use crate::entity as e;
use crate::error::{Error, Result};
use crate::storage::Storage;
use crate::types::TenantSlug;
use sea_orm::{ColumnTrait, EntityTrait, IdenStatic, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::io::{Cursor, Write};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// Rows read per query.
const PAGE: u64 = 1000;

type Zip = ZipWriter<Cursor<Vec<u8>>>;

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

fn zip_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing the archive: {e}"))
}

/// What the manifest says of one table.
#[derive(Serialize)]
struct TableCount {
    table: &'static str,
    rows: u64,
}

/// Builds the archive of everything the tenant holds, read through `txn`.
pub async fn build(txn: &TenantTxn, storage: &Storage, tenant: &TenantSlug, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let mut tables = Vec::new();
    macro_rules! tables {
        ($($entity:path => $name:literal $(without $($secret:literal),+)?;)+) => {
            $( tables.push(TableCount { table: $name, rows: table::<$entity>(txn, &mut zip, $name, &[$($($secret),+)?]).await? }); )+
        };
    }
    tables! {
        e::customer::Entity => "customers";
        e::user::Entity => "users" without "password_hash";
        e::order::Entity => "orders";
        e::order_line::Entity => "order_lines";
        e::shipment::Entity => "shipments";
        e::shipment_line::Entity => "shipment_lines";
        e::shipment_pack::Entity => "shipment_packs";
        e::shipment_pack_item::Entity => "shipment_pack_items";
        e::invoice::Entity => "invoices";
        e::invoice_line::Entity => "invoice_lines";
        e::payment::Entity => "payments";
        e::payment_allocation::Entity => "payment_allocations";
        crate::workflow::disputes::entity::credit_memo::Entity => "credit_memos";
        crate::workflow::disputes::entity::dispute::Entity => "disputes";
        crate::workflow::disputes::entity::dispute_line::Entity => "dispute_lines";
        crate::workflow::disputes::entity::dispute_message::Entity => "dispute_messages";
        crate::dunning::entity::promise::Entity => "promises_to_pay";
        crate::dunning::entity::reminder::Entity => "reminders";
        crate::outbound::entity::Entity => "invoice_deliveries";
        crate::outbound::edi::entity::Entity => "edi_outbox";
        e::document::Entity => "documents";
        e::event::Entity => "events";
        e::exception::Entity => "exceptions";
        crate::workflow::entity::exception_event::Entity => "exception_events";
        crate::workflow::entity::rule_version::Entity => "rule_versions";
        crate::webhooks::entity::endpoint::Entity => "webhook_endpoints" without "secret", "previous_secret";
        crate::audit::entity::Entity => "audit_log";
    }
    let (documents, missing) = documents(txn, storage, tenant, &mut zip).await?;
    let manifest = serde_json::json!({
        "tenant": tenant.as_str(),
        "generated_at": now,
        "format": "Each table as <table>.jsonl (one JSON object per row) and <table>.csv (a header row, nested values as JSON). Amounts are integer minor units with their currency; times are UTC.",
        "tables": tables,
        "documents": documents,
        "documents_missing": missing,
    });
    zip.start_file("manifest.json", options()).map_err(zip_err)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(zip_err)?).map_err(zip_err)?;
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// Writes one table twice (JSON lines, then CSV), a page at a time; returns its row count.
async fn table<E>(txn: &TenantTxn, zip: &mut Zip, name: &str, secret: &[&str]) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Serialize + Sync,
{
    let columns: Vec<&str> = E::Column::iter().map(|c| c.as_str()).filter(|c| !secret.contains(c)).collect();
    zip.start_file(format!("{name}.jsonl"), options()).map_err(zip_err)?;
    let rows = pages::<E>(txn, |row| {
        let mut row = object(&row)?;
        for s in secret {
            row.remove(*s);
        }
        let mut line = serde_json::to_vec(&row).map_err(zip_err)?;
        line.push(b'\n');
        zip.write_all(&line).map_err(zip_err)
    })
    .await?;
    zip.start_file(format!("{name}.csv"), options()).map_err(zip_err)?;
    let mut csv = csv::Writer::from_writer(&mut *zip);
    csv.write_record(&columns).map_err(zip_err)?;
    pages::<E>(txn, |row| {
        let row = object(&row)?;
        csv.write_record(columns.iter().map(|c| cell(row.get(*c)))).map_err(zip_err)
    })
    .await?;
    csv.flush().map_err(zip_err)?;
    Ok(rows)
}

/// A row as a JSON object (its serde fields).
fn object(row: &impl Serialize) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::to_value(row).map_err(zip_err)? {
        serde_json::Value::Object(map) => Ok(map),
        other => Err(Error::Internal(format!("a row is not an object: {other}"))),
    }
}

/// Calls `f` with each row of `E`, in primary-key order, reading [`PAGE`] rows per query.
async fn pages<E>(txn: &TenantTxn, mut f: impl FnMut(E::Model) -> Result<()>) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Sync,
{
    // Keyset paging needs a key of one column (every exported table has a uuid id).
    let mut keys = E::PrimaryKey::iter();
    let (Some(pk), None) = (keys.next(), keys.next()) else { return Err(Error::Internal("an exported table needs a primary key of one column".into())) };
    let pk = pk.into_column();
    let mut after: Option<sea_orm::Value> = None;
    let mut count = 0;
    loop {
        let mut q = E::find().order_by_asc(pk).limit(PAGE);
        if let Some(v) = after.take() {
            q = q.filter(pk.gt(v));
        }
        let rows = q.all(txn).await?;
        let n = rows.len() as u64;
        if let Some(last) = rows.last() {
            after = Some(last.get(pk));
        }
        for row in rows {
            f(row)?;
        }
        count += n;
        if n < PAGE {
            return Ok(count);
        }
    }
}

/// A CSV cell: text as it is (formula-safe), nothing for null, numbers and booleans as JSON writes them,
/// nested values as JSON.
fn cell(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        // Text that a spreadsheet would run as a formula is quoted, as in every CSV we make.
        Some(serde_json::Value::String(s)) => crate::orders::csv_cell(s).into_owned(),
        Some(other) => other.to_string(),
    }
}

/// Every stored document under `documents/<id>-<file name>`; returns how many were written and
/// the ids of those the store no longer has.
async fn documents(txn: &TenantTxn, storage: &Storage, tenant: &TenantSlug, zip: &mut Zip) -> Result<(u64, Vec<String>)> {
    let mut docs = Vec::new();
    pages::<e::document::Entity>(txn, |d| {
        docs.push((d.id.to_string(), d.object_key, d.filename));
        Ok(())
    })
    .await?;
    let (mut written, mut missing) = (0, Vec::new());
    for (id, key, filename) in docs {
        match storage.get(tenant, &key).await {
            Ok(bytes) => {
                zip.start_file(format!("documents/{id}-{}", crate::documents::sanitize_filename(&filename)), options()).map_err(zip_err)?;
                zip.write_all(&bytes).map_err(zip_err)?;
                written += 1;
            }
            Err(Error::NotFound) => missing.push(id),
            Err(e) => return Err(e),
        }
    }
    Ok((written, missing))
}
