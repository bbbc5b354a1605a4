//! The webhook tables (see the `t0014_webhooks` migration).
pub mod endpoint {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "webhook_endpoints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub url: String,
        pub description: String,
        /// Space-separated kinds or `prefix.*`; `*` for every event.
        pub event_types: String,
        pub enabled: bool,
        /// The signing secrets: never serialised.
        #[serde(skip_serializing)]
        pub secret: String,
        #[serde(skip_serializing)]
        pub previous_secret: Option<String>,
        pub previous_until: Option<ChronoDateTimeUtc>,
        pub failing_since: Option<ChronoDateTimeUtc>,
        pub disabled_at: Option<ChronoDateTimeUtc>,
        pub disabled_reason: Option<String>,
        /// A customer's own endpoint: it receives that customer's invoices (the `webhook`
        /// invoice channel) and no business events.
        pub customer_id: Option<Uuid>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub event_id: Option<Uuid>,
        pub kind: String,
        /// The exact JSON body sent (what the signature covers).
        pub body: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod delivery {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub endpoint_id: Uuid,
        pub message_id: Uuid,
        /// `pending`, `succeeded` or `dead`.
        pub status: String,
        pub attempts: i32,
        /// Pending: when the next attempt is due (or a sender's lease ends).
        pub next_at: ChronoDateTimeUtc,
        pub last_status: Option<i32>,
        pub last_error: Option<String>,
        /// The invoice delivery (webhook channel) it carries, if any.
        pub invoice_delivery_id: Option<Uuid>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub delivery_id: Uuid,
        pub at: ChronoDateTimeUtc,
        /// The request's headers, one `name: value` per line.
        pub request_headers: String,
        pub status: Option<i32>,
        /// The first 1,000 characters of the response body.
        pub response_excerpt: String,
        pub error: Option<String>,
        pub duration_ms: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
