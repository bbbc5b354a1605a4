//! Tenant: where a rule's version came from. `inherited` versions follow the partner's default
//! (`partner_version` names which of its versions; none: the built-in default); the others are
//! the tenant's own overrides. A tenant inherits a rule until it saves its own version, and
//! again after it reverts.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut c = boolean("inherited").default(false).to_owned();
        m.alter_table(Table::alter().table("rule_versions").add_column(&mut c).to_owned()).await?;
        let mut c = integer_null("partner_version").to_owned();
        m.alter_table(Table::alter().table("rule_versions").add_column(&mut c).to_owned()).await
    }
}
