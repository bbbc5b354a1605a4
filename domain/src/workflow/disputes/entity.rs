//! The dispute tables (see the `t0011_disputes` migration).

pub mod dispute {
    use sea_orm::entity::prelude::*;
    /// A dispute against one invoice.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "disputes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `D-000123`, from the tenant's `dispute` counter.
        pub number: String,
        pub invoice_id: Uuid,
        pub customer_id: Uuid,
        /// A `Reason`: `pricing`, `quantity_short`, `damaged`…
        pub reason: String,
        pub description: String,
        /// `open`, `resolved_credited` or `rejected`.
        pub status: String,
        pub disputed_amount_minor: i64,
        /// The exception that puts it in its category's queue with its SLA.
        pub exception_id: Option<Uuid>,
        /// The opener's label (`user Bill Buyer`, `API client acme-erp`).
        pub opened_by: String,
        pub opened_by_user: Option<Uuid>,
        pub resolution_note: Option<String>,
        pub credit_memo_id: Option<Uuid>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        pub resolved_at: Option<ChronoDateTimeUtc>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dispute_line {
    use sea_orm::entity::prelude::*;
    /// One disputed invoice line: a quantity (units short or damaged) and/or an amount.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "dispute_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dispute_id: Uuid,
        /// The invoice's line number.
        pub line_no: i32,
        pub quantity: Option<i64>,
        pub amount_minor: i64,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dispute_message {
    use sea_orm::entity::prelude::*;
    /// One message of a dispute's thread.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "dispute_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub dispute_id: Uuid,
        pub at: ChronoDateTimeUtc,
        /// The author's label as it was at the time.
        pub author: String,
        /// `customer`, `staff` or `api`.
        pub author_kind: String,
        pub body: String,
        /// Document ids as a JSON array, or NULL for none.
        pub attachments: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod credit_memo {
    use sea_orm::entity::prelude::*;
    /// Money given back against an invoice.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "credit_memos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `CM-000123`, from the tenant's `credit_memo` counter.
        pub number: String,
        pub invoice_id: Uuid,
        pub customer_id: Uuid,
        pub amount_minor: i64,
        pub currency: String,
        pub reason: String,
        pub created_by: String,
        pub created_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
