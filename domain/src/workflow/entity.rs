//! The workflow's tables (see the `t0009_workflow` migration).

pub mod exception_event {
    use sea_orm::entity::prelude::*;
    /// One step in an exception's history.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "exception_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub exception_id: Uuid,
        pub at: ChronoDateTimeUtc,
        /// The actor's label (`user Dana Clerk`, `rule credit_check v2`, `system`).
        pub actor: String,
        pub action: String,
        pub note: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod rule_version {
    use sea_orm::entity::prelude::*;
    /// One version of one of the tenant's rules.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "rule_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub rule: String,
        pub version: i32,
        pub enabled: bool,
        /// JSON text, the rule's own settings.
        pub config: String,
        pub created_by: String,
        pub created_at: ChronoDateTimeUtc,
        /// Follows the partner's default (a copy of its `partner_version`, or of the built-in
        /// default when that is none) rather than the tenant's own settings.
        pub inherited: bool,
        pub partner_version: Option<i32>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod customer_exposure {
    use sea_orm::entity::prelude::*;
    /// A customer's open orders and open receivables, in its currency's minor units.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_exposure")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer_id: Uuid,
        pub open_orders_minor: i64,
        pub open_receivables_minor: i64,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invoice_ready {
    use sea_orm::entity::prelude::*;
    /// A shipment whose billing condition was met, and the invoice that followed.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoice_ready")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub shipment_id: Uuid,
        pub order_id: Uuid,
        /// `dispatch`, `delivery` or `pod`.
        pub trigger: String,
        pub ready_at: ChronoDateTimeUtc,
        pub invoice_id: Option<Uuid>,
        pub invoiced_at: Option<ChronoDateTimeUtc>,
        pub latency_secs: Option<i64>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
