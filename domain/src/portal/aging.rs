//! The aging of a customer's open invoices: how much is not yet due, and how much is 1-30,
//! 31-60, 61-90 and more than 90 days past due.
use crate::Result;
use crate::entity::invoice;
use chrono::NaiveDate;
use sea_orm::prelude::*;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{ConnectionTrait, QuerySelect};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The buckets' labels, in order.
pub const AGING_BUCKETS: [&str; 5] = ["Current", "1-30 days", "31-60 days", "61-90 days", "90+ days"];

/// The bucket (index into [`AGING_BUCKETS`]) of an amount due on `due` as of `today`.
pub fn bucket(due: NaiveDate, today: NaiveDate) -> usize {
    match (today - due).num_days() {
        ..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

/// Open amounts per currency and bucket.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Aging {
    /// Currency → the five buckets' open amounts (minor units).
    pub by_currency: BTreeMap<String, [i64; 5]>,
    pub open_invoices: i64,
}

impl Aging {
    /// What is past due (every bucket but the first), per currency.
    pub fn overdue(&self) -> BTreeMap<String, i64> {
        self.by_currency.iter().map(|(c, b)| (c.clone(), b[1..].iter().sum())).collect()
    }

    /// Everything open, per currency.
    pub fn total(&self) -> BTreeMap<String, i64> {
        self.by_currency.iter().map(|(c, b)| (c.clone(), b.iter().sum())).collect()
    }
}

/// The customer's open invoices aged as of `today`. The database sums them per currency and
/// due date (a few hundred groups even for a customer with tens of thousands of open
/// invoices); the buckets are made here, the same on PostgreSQL and SQLite.
pub async fn aging<C: ConnectionTrait>(c: &C, customer: Uuid, today: NaiveDate) -> Result<Aging> {
    let open = Expr::col(invoice::Column::TotalMinor).sub(Expr::col(invoice::Column::PaidMinor)).sub(Expr::col(invoice::Column::CreditedMinor));
    let rows: Vec<(String, NaiveDate, i64, i64)> = invoice::Entity::find()
        .select_only()
        .column(invoice::Column::Currency)
        .column(invoice::Column::DueOn)
        .expr_as(Expr::expr(Func::cast_as(Func::sum(open.clone()), Alias::new("BIGINT"))), "open")
        .expr_as(Expr::expr(Func::cast_as(Func::count(Expr::col(invoice::Column::Id)), Alias::new("BIGINT"))), "n")
        .filter(invoice::Column::CustomerId.eq(customer))
        .filter(invoice::Column::Status.ne("paid"))
        .filter(open.gt(0))
        .group_by(invoice::Column::Currency)
        .group_by(invoice::Column::DueOn)
        .into_tuple()
        .all(c)
        .await?;
    let mut a = Aging::default();
    for (cur, due, open, n) in rows {
        a.open_invoices += n;
        a.by_currency.entry(cur).or_insert([0; 5])[bucket(due, today)] += open;
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_fall_in_the_bucket_of_their_days_past_due() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let cases = [(0, 0), (-10, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (400, 4)];
        for (days_past, want) in cases {
            let due = today - chrono::Duration::days(days_past);
            assert_eq!(bucket(due, today), want, "{days_past} days past due");
        }
    }

    #[test]
    fn overdue_is_every_bucket_but_current() {
        let mut a = Aging::default();
        a.by_currency.insert("USD".into(), [100, 20, 3, 0, 7]);
        assert_eq!(a.overdue()["USD"], 30);
        assert_eq!(a.total()["USD"], 130);
    }
}
