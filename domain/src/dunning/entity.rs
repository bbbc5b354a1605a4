//! The tables of dunning (see the `t0017_dunning` migration).

/// One reminder of one invoice: unique per invoice and step (the step's day), so a step is
/// never sent twice whatever crashes or instance counts.
pub mod reminder {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "reminders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub invoice_id: Uuid,
        pub customer_id: Uuid,
        /// The step's day after the due date: what makes the step the same step.
        pub step_days: i32,
        pub step_name: String,
        /// `email` or `portal`.
        pub channel: String,
        /// The addresses, or `portal`.
        pub target: String,
        /// `queued`, `sent`, `failed`, or `cancelled` (paid, disputed or promised before it
        /// went out).
        pub status: String,
        pub subject: String,
        pub body: String,
        pub job_key: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub sent_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A promise to pay an invoice by a date; the latest one of an invoice is the one in force.
pub mod promise {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "promises_to_pay")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub invoice_id: Uuid,
        pub customer_id: Uuid,
        pub promised_on: Date,
        pub amount_minor: i64,
        pub currency: String,
        /// `staff` or `customer`.
        pub by_kind: String,
        pub by_name: String,
        pub note: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
