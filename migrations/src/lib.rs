//! Schema migrations. Two migrators: [`PlatformMigrator`] for the shared platform schema
//! (partners, tenants, domains, platform users, sessions, login attempts) and
//! [`TenantMigrator`] for each tenant's own schema (PostgreSQL) or file (SQLite).
pub use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

mod m0003_rate_limits;
mod m0004_tenant_addresses;
mod m0005_tenant_branding;
mod m0006_tenant_health;
mod m0007_domain_verification;
mod m0008_powered_by;
mod m0009_brand_images;
mod m0010_support_approval;
mod m0011_partner_team;
mod m0012_partner_policies;
mod t0003_api_client_sources;
mod t0004_edi_counters;
mod t0005_pick_pack_and_order_dates;
mod t0006_jobs;
mod t0007_audit;
mod t0008_customer_master;
mod t0009_workflow;
mod t0010_billing;
mod t0011_disputes;
mod t0012_parked_index;
mod t0013_portal;
mod t0014_webhooks;
mod t0015_invoice_deliveries;
mod t0016_edi_outbox;
mod t0017_dunning;
mod t0018_invitations;
mod t0019_health_indexes;
mod t0020_data_exports;
mod t0021_support_sessions;
mod t0022_inherited_rules;

pub struct PlatformMigrator;
pub struct TenantMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PlatformMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(PlatformInit), Box::new(PlatformSettings), Box::new(m0003_rate_limits::Migration), Box::new(m0004_tenant_addresses::Migration), Box::new(m0005_tenant_branding::Migration), Box::new(m0006_tenant_health::Migration), Box::new(m0007_domain_verification::Migration), Box::new(m0008_powered_by::Migration), Box::new(m0009_brand_images::Migration), Box::new(m0010_support_approval::Migration), Box::new(m0011_partner_team::Migration), Box::new(m0012_partner_policies::Migration)]
    }
}

#[async_trait::async_trait]
impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(TenantInit), Box::new(TenantOrderToCash), Box::new(t0003_api_client_sources::Migration), Box::new(t0004_edi_counters::Migration), Box::new(t0005_pick_pack_and_order_dates::Migration), Box::new(t0006_jobs::Migration), Box::new(t0007_audit::Migration), Box::new(t0008_customer_master::Migration), Box::new(t0009_workflow::Migration), Box::new(t0010_billing::Migration), Box::new(t0011_disputes::Migration), Box::new(t0012_parked_index::Migration), Box::new(t0013_portal::Migration), Box::new(t0014_webhooks::Migration), Box::new(t0015_invoice_deliveries::Migration), Box::new(t0016_edi_outbox::Migration), Box::new(t0017_dunning::Migration), Box::new(t0018_invitations::Migration), Box::new(t0019_health_indexes::Migration), Box::new(t0020_data_exports::Migration), Box::new(t0021_support_sessions::Migration), Box::new(t0022_inherited_rules::Migration)]
    }
}

#[derive(DeriveMigrationName)]
struct PlatformInit;

fn stamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

#[async_trait::async_trait]
impl MigrationTrait for PlatformInit {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("partners")
                    .col(pk_uuid("id"))
                    .col(string("name")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("tenants")
                    .col(pk_uuid("id"))
                    .col(uuid("partner_id"))
                    .col(string_uniq("slug"))
                    .col(string("name"))
                    .col(string("product_name"))
                    .col(string("primary_color"))
                    .col(text("logo_svg"))
                    .col(boolean("active"))
                    .foreign_key(ForeignKey::create().from("tenants", "partner_id").to("partners", "id")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("tenant_domains")
                    .col(pk_uuid("id"))
                    .col(uuid("tenant_id"))
                    .col(string_uniq("domain"))
                    .col(boolean("verified"))
                    .foreign_key(ForeignKey::create().from("tenant_domains", "tenant_id").to("tenants", "id")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("platform_users")
                    .col(pk_uuid("id"))
                    .col(uuid_null("partner_id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(string("password_hash"))
                    .col(string("role"))
                    .col(boolean("disabled")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(string("id").primary_key())
                .col(string("scope"))
                .col(string_null("user_key"))
                .col(text("data"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("sessions_user_key").table("sessions").col("user_key").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("login_failures")
                .col(pk_auto("id"))
                .col(string("key"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("login_failures_key_at").table("login_failures").col("key").col("at").to_owned(),
        )
        .await
    }
}

#[derive(DeriveMigrationName)]
struct TenantInit;

#[async_trait::async_trait]
impl MigrationTrait for TenantInit {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(
                Table::create()
                    .table("customers")
                    .col(pk_uuid("id"))
                    .col(string_uniq("external_id"))
                    .col(string("name")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(string("password_hash"))
                    .col(string("role"))
                    .col(uuid_null("customer_id"))
                    .col(boolean("disabled"))
                    .foreign_key(ForeignKey::create().from("users", "customer_id").to("customers", "id")),
            )
            .to_owned(),
        )
        .await
    }
}

// The first migration of each migrator is named "lib" (derived from this file's name when
// each migrator had one migration); later ones carry explicit names.
struct PlatformSettings;
impl MigrationName for PlatformSettings {
    fn name(&self) -> &str {
        "m0002_platform_settings"
    }
}

/// Platform-wide settings that every app instance must agree on (the API token key).
#[async_trait::async_trait]
impl MigrationTrait for PlatformSettings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            stamps(Table::create().table("settings").col(string("key").primary_key()).col(text("value"))).to_owned(),
        )
        .await
    }
}

struct TenantOrderToCash;
impl MigrationName for TenantOrderToCash {
    fn name(&self) -> &str {
        "m0002_order_to_cash"
    }
}

async fn index(m: &SchemaManager<'_>, table: &str, name: &str, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table.to_owned());
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

/// The order-to-cash model: customers' commercial terms, orders, shipments, invoices,
/// payments, documents, the raw event log, exceptions, API clients and idempotency keys.
#[async_trait::async_trait]
impl MigrationTrait for TenantOrderToCash {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ALTER per statement.
        for col in [
            text_null("bill_to"),
            text_null("ship_to"),
            string("payment_terms").default("NET30").to_owned(),
            big_integer_null("credit_limit_minor"),
            string_null("segment"),
            string("currency").default("USD").to_owned(),
        ] {
            let mut col = col;
            m.alter_table(Table::alter().table("customers").add_column(&mut col).to_owned()).await?;
        }
        m.create_table(
            stamps(
                Table::create()
                    .table("orders")
                    .col(pk_uuid("id"))
                    .col(string_uniq("number"))
                    .col(uuid("customer_id"))
                    .col(string_null("po_number"))
                    .col(string("channel"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("status_at"))
                    .col(string("currency"))
                    .col(big_integer("total_minor"))
                    .col(date_null("requested_date"))
                    .col(date_null("promised_date"))
                    .col(timestamp_with_time_zone("ordered_at"))
                    .foreign_key(ForeignKey::create().from("orders", "customer_id").to("customers", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "orders", "orders_ordered_at_id", &["ordered_at", "id"], false).await?;
        index(m, "orders", "orders_status_ordered_at", &["status", "ordered_at"], false).await?;
        index(m, "orders", "orders_customer_ordered_at", &["customer_id", "ordered_at"], false).await?;
        index(m, "orders", "orders_po_number", &["po_number"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("order_lines")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(integer("line_no"))
                    .col(string("sku"))
                    .col(string("description"))
                    .col(big_integer("quantity"))
                    .col(big_integer("unit_price_minor"))
                    .col(big_integer("quantity_shipped"))
                    .col(big_integer("quantity_invoiced"))
                    .foreign_key(ForeignKey::create().from("order_lines", "order_id").to("orders", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "order_lines", "order_lines_order_line", &["order_id", "line_no"], true).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("shipments")
                    .col(pk_uuid("id"))
                    .col(string_uniq("number"))
                    .col(uuid("order_id"))
                    .col(string("status"))
                    .col(string_null("carrier"))
                    .col(string_null("service"))
                    .col(string_null("tracking_number"))
                    .col(string_null("tracking_url"))
                    .col(string_null("warehouse"))
                    .col(timestamp_with_time_zone_null("dispatched_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .foreign_key(ForeignKey::create().from("shipments", "order_id").to("orders", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "shipments", "shipments_order", &["order_id"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("shipment_lines")
                    .col(pk_uuid("id"))
                    .col(uuid("shipment_id"))
                    .col(integer("line_no"))
                    .col(big_integer("quantity"))
                    .foreign_key(ForeignKey::create().from("shipment_lines", "shipment_id").to("shipments", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "shipment_lines", "shipment_lines_shipment_line", &["shipment_id", "line_no"], true).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("invoices")
                    .col(pk_uuid("id"))
                    .col(string_uniq("number"))
                    .col(uuid_null("order_id"))
                    .col(uuid("customer_id"))
                    .col(string("currency"))
                    .col(date("issued_on"))
                    .col(date("due_on"))
                    .col(big_integer("subtotal_minor"))
                    .col(big_integer("tax_minor"))
                    .col(big_integer("total_minor"))
                    .col(big_integer("paid_minor"))
                    .col(string("status"))
                    .col(timestamp_with_time_zone("status_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone_null("viewed_at"))
                    .foreign_key(ForeignKey::create().from("invoices", "order_id").to("orders", "id"))
                    .foreign_key(ForeignKey::create().from("invoices", "customer_id").to("customers", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "invoices", "invoices_order", &["order_id"], false).await?;
        index(m, "invoices", "invoices_customer_due", &["customer_id", "due_on"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("invoice_lines")
                    .col(pk_uuid("id"))
                    .col(uuid("invoice_id"))
                    .col(integer("line_no"))
                    .col(integer_null("order_line_no"))
                    .col(string("sku"))
                    .col(string("description"))
                    .col(big_integer("quantity"))
                    .col(big_integer("unit_price_minor"))
                    .col(big_integer("amount_minor"))
                    .foreign_key(ForeignKey::create().from("invoice_lines", "invoice_id").to("invoices", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "invoice_lines", "invoice_lines_invoice_line", &["invoice_id", "line_no"], true).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("payments")
                    .col(pk_uuid("id"))
                    .col(string_uniq("number"))
                    .col(uuid("customer_id"))
                    .col(string("currency"))
                    .col(big_integer("amount_minor"))
                    .col(big_integer("unapplied_minor"))
                    .col(date("received_on"))
                    .col(string_null("reference"))
                    .foreign_key(ForeignKey::create().from("payments", "customer_id").to("customers", "id")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("payment_allocations")
                    .col(pk_uuid("id"))
                    .col(uuid("payment_id"))
                    .col(uuid("invoice_id"))
                    .col(big_integer("amount_minor"))
                    .foreign_key(ForeignKey::create().from("payment_allocations", "payment_id").to("payments", "id"))
                    .foreign_key(ForeignKey::create().from("payment_allocations", "invoice_id").to("invoices", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "payment_allocations", "payment_allocations_invoice", &["invoice_id"], false).await?;
        index(m, "payment_allocations", "payment_allocations_payment", &["payment_id"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("documents")
                    .col(pk_uuid("id"))
                    .col(string("kind"))
                    .col(string_uniq("object_key"))
                    .col(string("content_type"))
                    .col(string("filename"))
                    .col(big_integer("size"))
                    .col(string("sha256"))
                    .col(uuid_null("order_id"))
                    .col(uuid_null("shipment_id"))
                    .col(uuid_null("invoice_id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "documents", "documents_shipment", &["shipment_id"], false).await?;
        index(m, "documents", "documents_order", &["order_id"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("events")
                    .col(pk_uuid("id"))
                    .col(string("source"))
                    .col(string("event_id"))
                    .col(string("kind"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(timestamp_with_time_zone("received_at"))
                    .col(text("payload"))
                    .col(string("status"))
                    .col(string_null("waiting_for"))
                    .col(uuid_null("order_id"))
                    .col(text_null("summary")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "events", "events_source_event_id", &["source", "event_id"], true).await?;
        index(m, "events", "events_waiting_for", &["waiting_for"], false).await?;
        index(m, "events", "events_order_occurred", &["order_id", "occurred_at"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("exceptions")
                    .col(pk_uuid("id"))
                    .col(string_uniq("reference"))
                    .col(string("kind"))
                    .col(string("status"))
                    .col(text("detail"))
                    .col(uuid_null("order_id"))
                    .col(uuid_null("event_id"))
                    .col(timestamp_with_time_zone("opened_at"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .col(boolean("escalated")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "exceptions", "exceptions_status_kind", &["status", "kind"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("api_clients")
                    .col(pk_uuid("id"))
                    .col(string_uniq("name"))
                    .col(string("secret_hash"))
                    .col(string("scopes"))
                    .col(boolean("disabled")),
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(pk_uuid("id"))
                .col(uuid("client_id"))
                .col(string("key"))
                .col(string("request_hash"))
                .col(string("state"))
                .col(integer_null("response_status"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        index(m, "idempotency_keys", "idempotency_keys_client_key", &["client_id", "key"], true).await?;
        index(m, "idempotency_keys", "idempotency_keys_created", &["created_at"], false).await
    }
}
