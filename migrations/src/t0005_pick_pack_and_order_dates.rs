//! Tenant: what trading partners send beyond quantities.
//! - `shipment_packs`: the cartons and pallets of a shipment (SSCC-18, weight, dimensions), in
//!   the order the ship notice lists them, and `shipment_pack_items`: what each one holds
//!   (order line, quantity, serial numbers as a JSON array of text).
//! - `shipment_lines.serials`: every serial number shipped on the line, packed or not.
//! - `orders.requested_ship_date` and `orders.cancel_after` beside the requested delivery date
//!   (`requested_date`), as an 850 carries them in `DTM*010` and `DTM*001`.
//!
//! Weights and dimensions are measurements, not money: stored as double precision numbers.
use super::{index, stamps};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ALTER per statement.
        for (table, mut col) in [("orders", date_null("requested_ship_date")), ("orders", date_null("cancel_after")), ("shipment_lines", text_null("serials"))] {
            m.alter_table(Table::alter().table(table).add_column(&mut col).to_owned()).await?;
        }
        m.create_table(
            stamps(
                Table::create()
                    .table("shipment_packs")
                    .col(pk_uuid("id"))
                    .col(uuid("shipment_id"))
                    .col(integer("seq"))
                    .col(string_null("sscc"))
                    .col(double_null("weight"))
                    .col(string_null("weight_unit"))
                    .col(double_null("length"))
                    .col(double_null("width"))
                    .col(double_null("height"))
                    .col(string_null("dimension_unit"))
                    .foreign_key(ForeignKey::create().from("shipment_packs", "shipment_id").to("shipments", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "shipment_packs", "shipment_packs_shipment_seq", &["shipment_id", "seq"], true).await?;
        // Receiving scans a carton label: find the pack by its SSCC.
        index(m, "shipment_packs", "shipment_packs_sscc", &["sscc"], false).await?;
        m.create_table(
            stamps(
                Table::create()
                    .table("shipment_pack_items")
                    .col(pk_uuid("id"))
                    .col(uuid("pack_id"))
                    .col(integer("line_no"))
                    .col(big_integer("quantity"))
                    .col(text_null("serials"))
                    .foreign_key(ForeignKey::create().from("shipment_pack_items", "pack_id").to("shipment_packs", "id")),
            )
            .to_owned(),
        )
        .await?;
        index(m, "shipment_pack_items", "shipment_pack_items_pack_line", &["pack_id", "line_no"], true).await
    }
}
