//! Platform: a partner's defaults for its tenants' policies (see `domain::policies`).
//! - `partner_policies`: every version of every default the partner saved (a workflow rule's
//!   settings, the delivery defaults, the reminder sequences, or the brand), newest version
//!   wins; never updated, so the history stays.
//! - `partners.policy_version`: counts the partner's default changes; `tenants.policies_applied`
//!   is the count a tenant's own rules were last brought up to (the sweep applies the
//!   defaults to tenants behind it).
//! - `tenants.brand_inherited`: whether the tenant's brand follows the partner's default.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("partner_policies")
                .col(pk_uuid("id"))
                .col(uuid("partner_id"))
                .col(string("policy"))
                .col(integer("version"))
                .col(boolean("enabled"))
                .col(text("config"))
                .col(string("created_by"))
                .col(uuid("created_by_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(ForeignKey::create().from("partner_policies", "partner_id").to("partners", "id"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("partner_policies_version").table("partner_policies").col("partner_id").col("policy").col("version").unique().to_owned()).await?;
        let mut c = integer("policy_version").default(0).to_owned();
        m.alter_table(Table::alter().table("partners").add_column(&mut c).to_owned()).await?;
        let mut c = integer("policies_applied").default(0).to_owned();
        m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await?;
        let mut c = boolean("brand_inherited").default(false).to_owned();
        m.alter_table(Table::alter().table("tenants").add_column(&mut c).to_owned()).await
    }
}
