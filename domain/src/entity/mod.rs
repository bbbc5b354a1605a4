//! SeaORM entities. Rows stay on the server: none of these types is serialisable.
mod o2c;
pub use o2c::*;
pub mod partner {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partners")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// How many times the partner changed a default for its tenants (see `policies`).
        pub policy_version: i32,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tenant {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub partner_id: Uuid,
        pub slug: String,
        pub name: String,
        pub product_name: String,
        pub primary_color: String,
        pub logo_svg: String,
        pub active: bool,
        /// Postal address lines, newline-separated (printed on PDFs).
        pub address: String,
        /// Remit-to lines, newline-separated.
        pub remit_to: String,
        /// `#rrggbb`: buttons and links (see [`crate::branding`]).
        pub accent_color: String,
        /// Shown to the tenant's users as whom to ask; empty for none.
        pub support_email: String,
        pub support_phone: String,
        /// One line at the foot of pages and e-mails; empty for none.
        pub footer_text: String,
        /// The name in the "Powered by" line (its partner's, set by the partner only); empty
        /// while the line is off.
        pub powered_by: String,
        /// The etag of the uploaded logo and favicon in [`super::tenant_image`]; empty for none.
        pub logo_etag: String,
        pub favicon_etag: String,
        /// Whether its admins approve each support session first (see `support`).
        pub support_approval: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// The partner's `policy_version` its rules were last brought up to.
        pub policies_applied: i32,
        /// Whether its brand follows the partner's default brand.
        pub brand_inherited: bool,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A tenant's uploaded logo or favicon (`kind`), checked by `pdf::images::accept`.
pub mod tenant_image {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenant_images")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub content_type: String,
        pub bytes: Vec<u8>,
        pub etag: String,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tenant_domain {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tenant_domains")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Uuid,
        pub domain: String,
        pub verified: bool,
        /// The value its TXT record `_throughline.<domain>` must hold (see `domains`).
        pub token: String,
        pub checked_at: Option<ChronoDateTimeUtc>,
        pub verified_at: Option<ChronoDateTimeUtc>,
        /// What the last check found when it did not verify.
        pub check_error: Option<String>,
        /// A domain verified before DNS checks keeps serving until then without its record.
        pub grace_until: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// Users of the platform itself (platform and partner admins). Tenant users live in
/// each tenant's own schema ([`user`]).
pub mod platform_user {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "platform_users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub partner_id: Option<Uuid>,
        pub email: String,
        pub name: String,
        pub password_hash: String,
        pub role: String,
        pub disabled: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub scope: String,
        pub user_key: Option<String>,
        pub data: String,
        pub expires_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod rate_limit {
    use sea_orm::entity::prelude::*;
    /// A fixed-window counter (see `domain::rate_limit`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rate_limits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub window_start: i64,
        pub count: i64,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod customer {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub external_id: String,
        pub name: String,
        /// Addresses as JSON text (`{"name","line1","line2","city","region","postal_code","country"}`).
        pub bill_to: Option<String>,
        pub ship_to: Option<String>,
        pub payment_terms: String,
        pub credit_limit_minor: Option<i64>,
        pub segment: Option<String>,
        pub currency: String,
        /// No invoice is raised while set (see `domain::customers::prefs`).
        pub invoicing_hold: bool,
        /// `dispatch` | `delivery` | `pod`; `None`: the tenant's default.
        pub billing_rule: Option<String>,
        /// Space-separated, `portal` always among them: `portal email edi`.
        pub invoice_channels: String,
        /// Space-separated AP addresses; empty when none.
        pub invoice_emails: String,
        /// `email` | `portal` | `none`; `None`: the tenant's default.
        pub reminder_channel: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A tenant's own users (staff and customer users).
pub mod user {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub name: String,
        /// Never serialised (the data export leaves it out by this too).
        #[serde(skip_serializing)]
        pub password_hash: String,
        pub role: String,
        pub customer_id: Option<Uuid>,
        pub disabled: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
