//! Schema migrations. Two migrators: [`PlatformMigrator`] for the shared platform schema
//! (partners, tenants, domains, platform users, sessions, login attempts) and
//! [`TenantMigrator`] for each tenant's own schema (PostgreSQL) or file (SQLite).
pub use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct PlatformMigrator;
pub struct TenantMigrator;

#[async_trait::async_trait]
impl MigratorTrait for PlatformMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(PlatformInit)]
    }
}

#[async_trait::async_trait]
impl MigratorTrait for TenantMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(TenantInit)]
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
