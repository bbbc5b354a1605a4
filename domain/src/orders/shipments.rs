//! Read models of shipments: their lines (with serial numbers), the packs they travel in and
//! what each holds, and their documents.
use super::DocumentView;
use crate::entity::{document, order, shipment, shipment_line, shipment_pack, shipment_pack_item};
use crate::o2c::pack::serials_of;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder};
use serde::{Deserialize, Serialize};

/// What a shipment carries of one order line.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ShipmentLineView {
    /// The order line number.
    pub line: i32,
    pub quantity: i64,
    /// Serial numbers of the units shipped, packed or not.
    pub serials: Vec<String>,
}

/// A carton or pallet of a shipment.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PackView {
    /// The SSCC-18 on the pack's label.
    pub sscc: Option<String>,
    /// Gross weight, in `weight_unit`.
    pub weight: Option<f64>,
    pub weight_unit: Option<String>,
    pub length: Option<f64>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    /// Unit of length, width and height.
    pub dimension_unit: Option<String>,
    /// What the pack holds, by order line.
    pub contents: Vec<PackItemView>,
}

/// What a pack holds of one order line.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PackItemView {
    /// The order line number.
    pub line: i32,
    pub quantity: i64,
    /// Serial numbers of the units in the pack.
    pub serials: Vec<String>,
}

/// A shipment with its lines, packs and documents. (`PartialEq` only: packs carry weights.)
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ShipmentView {
    pub number: String,
    pub order_number: String,
    pub status: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub warehouse: Option<String>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub lines: Vec<ShipmentLineView>,
    /// The cartons and pallets, in the order the ship notice listed them; empty when none
    /// were reported.
    pub packs: Vec<PackView>,
    pub documents: Vec<DocumentView>,
}

/// The packs of these shipments, with their contents, in order, by shipment id.
async fn packs_of<C: ConnectionTrait>(c: &C, shipment_ids: &[Uuid]) -> Result<Vec<(Uuid, PackView)>> {
    if shipment_ids.is_empty() {
        return Ok(vec![]);
    }
    let packs = shipment_pack::Entity::find()
        .filter(shipment_pack::Column::ShipmentId.is_in(shipment_ids.to_vec()))
        .order_by_asc(shipment_pack::Column::ShipmentId)
        .order_by_asc(shipment_pack::Column::Seq)
        .all(c)
        .await?;
    let pack_ids: Vec<Uuid> = packs.iter().map(|p| p.id).collect();
    let items = if pack_ids.is_empty() {
        vec![]
    } else {
        shipment_pack_item::Entity::find().filter(shipment_pack_item::Column::PackId.is_in(pack_ids)).order_by_asc(shipment_pack_item::Column::LineNo).all(c).await?
    };
    Ok(packs
        .into_iter()
        .map(|p| {
            let contents = items
                .iter()
                .filter(|i| i.pack_id == p.id)
                .map(|i| PackItemView { line: i.line_no, quantity: i.quantity, serials: serials_of(i.serials.as_deref()) })
                .collect();
            let view = PackView {
                sscc: p.sscc,
                weight: p.weight,
                weight_unit: p.weight_unit,
                length: p.length,
                width: p.width,
                height: p.height,
                dimension_unit: p.dimension_unit,
                contents,
            };
            (p.shipment_id, view)
        })
        .collect())
}

/// These shipments of the order numbered `order_number`, with their lines, packs and documents.
pub(super) async fn shipment_views<C: ConnectionTrait>(c: &C, rows: Vec<shipment::Model>, order_number: &str) -> Result<Vec<ShipmentView>> {
    let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let lines = shipment_line::Entity::find().filter(shipment_line::Column::ShipmentId.is_in(ids.clone())).order_by_asc(shipment_line::Column::LineNo).all(c).await?;
    let docs = document::Entity::find().filter(document::Column::ShipmentId.is_in(ids.clone())).order_by_asc(document::Column::CreatedAt).all(c).await?;
    let packs = packs_of(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|s| ShipmentView {
            lines: lines
                .iter()
                .filter(|l| l.shipment_id == s.id)
                .map(|l| ShipmentLineView { line: l.line_no, quantity: l.quantity, serials: serials_of(l.serials.as_deref()) })
                .collect(),
            packs: packs.iter().filter(|(id, _)| *id == s.id).map(|(_, p)| p.clone()).collect(),
            documents: docs.iter().filter(|d| d.shipment_id == Some(s.id)).cloned().map(Into::into).collect(),
            number: s.number,
            order_number: order_number.to_owned(),
            status: s.status,
            carrier: s.carrier,
            service: s.service,
            tracking_number: s.tracking_number,
            tracking_url: s.tracking_url,
            warehouse: s.warehouse,
            dispatched_at: s.dispatched_at,
            delivered_at: s.delivered_at,
        })
        .collect())
}

/// One shipment by its number.
pub async fn shipment<C: ConnectionTrait>(c: &C, number: &str) -> Result<ShipmentView> {
    let s = shipment::Entity::find().filter(shipment::Column::Number.eq(number)).one(c).await?.ok_or(Error::NotFound)?;
    let o = order::Entity::find_by_id(s.order_id).one(c).await?.ok_or(Error::NotFound)?;
    shipment_views(c, vec![s], &o.number).await?.pop().ok_or(Error::NotFound)
}

/// Whether a shipment with this number exists.
pub async fn shipment_exists<C: ConnectionTrait>(c: &C, number: &str) -> Result<bool> {
    Ok(shipment::Entity::find().filter(shipment::Column::Number.eq(number)).count(c).await? > 0)
}
