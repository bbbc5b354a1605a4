//! The order-to-cash tables of a tenant (see the `TenantOrderToCash` migration).

pub mod order {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub number: String,
        pub customer_id: Uuid,
        pub po_number: Option<String>,
        pub channel: String,
        pub status: String,
        pub status_at: ChronoDateTimeUtc,
        pub currency: String,
        pub total_minor: i64,
        /// Delivery requested (850 `DTM*002`).
        pub requested_date: Option<chrono::NaiveDate>,
        pub promised_date: Option<chrono::NaiveDate>,
        pub ordered_at: ChronoDateTimeUtc,
        /// Shipment requested (850 `DTM*010`).
        pub requested_ship_date: Option<chrono::NaiveDate>,
        /// Cancel if not shipped by (850 `DTM*001`).
        pub cancel_after: Option<chrono::NaiveDate>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod order_line {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "order_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        pub line_no: i32,
        pub sku: String,
        pub description: String,
        pub quantity: i64,
        pub unit_price_minor: i64,
        pub quantity_shipped: i64,
        pub quantity_invoiced: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod shipment {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "shipments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub number: String,
        pub order_id: Uuid,
        pub status: String,
        pub carrier: Option<String>,
        pub service: Option<String>,
        pub tracking_number: Option<String>,
        pub tracking_url: Option<String>,
        pub warehouse: Option<String>,
        pub dispatched_at: Option<ChronoDateTimeUtc>,
        pub delivered_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod shipment_line {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "shipment_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub shipment_id: Uuid,
        pub line_no: i32,
        pub quantity: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// Serial numbers shipped on the line, a JSON array of text; `None` when there are none.
        pub serials: Option<String>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// A carton or pallet of a shipment. Weights and dimensions are measurements, hence floats
/// (and no `Eq`).
pub mod shipment_pack {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "shipment_packs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub shipment_id: Uuid,
        /// Position in the shipment, from 0, as the ship notice listed the packs.
        pub seq: i32,
        pub sscc: Option<String>,
        pub weight: Option<f64>,
        pub weight_unit: Option<String>,
        pub length: Option<f64>,
        pub width: Option<f64>,
        pub height: Option<f64>,
        pub dimension_unit: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// What one pack holds of one order line.
pub mod shipment_pack_item {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "shipment_pack_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub pack_id: Uuid,
        pub line_no: i32,
        pub quantity: i64,
        /// Serial numbers in this pack, a JSON array of text; `None` when there are none.
        pub serials: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invoice {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "invoices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub number: String,
        pub order_id: Option<Uuid>,
        pub customer_id: Uuid,
        pub currency: String,
        pub issued_on: chrono::NaiveDate,
        pub due_on: chrono::NaiveDate,
        pub subtotal_minor: i64,
        pub tax_minor: i64,
        pub total_minor: i64,
        pub paid_minor: i64,
        pub status: String,
        pub status_at: ChronoDateTimeUtc,
        pub delivered_at: Option<ChronoDateTimeUtc>,
        pub viewed_at: Option<ChronoDateTimeUtc>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// The sum of the credit memos issued against it (dispute resolutions).
        pub credited_minor: i64,
        /// The day the dunning run looks at it next; none when nothing is left to send.
        pub dunning_next_on: Option<chrono::NaiveDate>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}

    impl Model {
        /// What the customer still owes: the total less what was paid and what was credited.
        pub fn open_minor(&self) -> i64 {
            self.total_minor - self.paid_minor - self.credited_minor
        }

        /// What was paid or credited: an invoice is settled when this reaches its total.
        pub fn settled_minor(&self) -> i64 {
            self.paid_minor + self.credited_minor
        }
    }
}

pub mod invoice_line {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "invoice_lines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub invoice_id: Uuid,
        pub line_no: i32,
        pub order_line_no: Option<i32>,
        pub sku: String,
        pub description: String,
        pub quantity: i64,
        pub unit_price_minor: i64,
        pub amount_minor: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub number: String,
        pub customer_id: Uuid,
        pub currency: String,
        pub amount_minor: i64,
        pub unapplied_minor: i64,
        pub received_on: chrono::NaiveDate,
        pub reference: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment_allocation {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "payment_allocations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub payment_id: Uuid,
        pub invoice_id: Uuid,
        pub amount_minor: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod document {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub object_key: String,
        pub content_type: String,
        pub filename: String,
        pub size: i64,
        pub sha256: String,
        pub order_id: Option<Uuid>,
        pub shipment_id: Option<Uuid>,
        pub invoice_id: Option<Uuid>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// Evidence in a dispute's thread.
        pub dispute_id: Option<Uuid>,
        /// The customer who uploaded it (portal uploads), who may download it again.
        pub customer_id: Option<Uuid>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub source: String,
        pub event_id: String,
        pub kind: String,
        pub occurred_at: ChronoDateTimeUtc,
        pub received_at: ChronoDateTimeUtc,
        pub payload: String,
        pub status: String,
        pub waiting_for: Option<String>,
        pub order_id: Option<Uuid>,
        pub summary: Option<String>,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod exception {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "exceptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub reference: String,
        pub kind: String,
        pub status: String,
        pub detail: String,
        pub order_id: Option<Uuid>,
        pub event_id: Option<Uuid>,
        pub opened_at: ChronoDateTimeUtc,
        pub resolved_at: Option<ChronoDateTimeUtc>,
        pub escalated: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        /// `low`, `medium`, `high`, `critical`.
        pub severity: String,
        /// The queue (by role) that works it: `credit`, `ar`, `customer_service`, `admin`.
        pub queue: String,
        pub sla_due_at: Option<ChronoDateTimeUtc>,
        pub assignee_id: Option<Uuid>,
        pub assignee_name: Option<String>,
        pub customer_id: Option<Uuid>,
        pub invoice_id: Option<Uuid>,
        pub resolution_code: Option<String>,
        pub resolution_note: Option<String>,
        /// Who raised it: `rule credit_check v2`, `API client acme-erp`, `system`.
        pub raised_by: Option<String>,
        /// The staff user who raised it, if one did (segregation of duties).
        pub raised_by_user: Option<Uuid>,
        /// An amount it is about (a credit hold's excess, a short payment's difference).
        pub amount_minor: Option<i64>,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_client {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_clients")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub secret_hash: String,
        pub scopes: String,
        /// Event sources this client may write under, space-separated; empty: its name.
        pub sources: String,
        pub disabled: bool,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod idempotency_key {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub client_id: Uuid,
        pub key: String,
        pub request_hash: String,
        pub state: String,
        pub response_status: Option<i32>,
        pub response_body: Option<String>,
        pub created_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod setting {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod invoice_view {
    use sea_orm::entity::prelude::*;
    /// The first time each user opened an invoice in the portal.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoice_views")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub invoice_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub viewed_at: ChronoDateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}
