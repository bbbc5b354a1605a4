//! Two policies kept as versioned rules: how long each type of exception may stay open (its
//! SLA), and how long finished records are kept. Like every rule, a tenant inherits its
//! partner's default of them until it saves its own (see [`crate::policies`]).
use serde::{Deserialize, Serialize};

/// Hours an exception of each type may stay open before it is escalated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sla {
    pub credit_hold_hours: i64,
    pub backorder_hours: i64,
    pub shipment_delay_hours: i64,
    pub missing_pod_hours: i64,
    pub quantity_mismatch_hours: i64,
    pub invoice_delay_hours: i64,
    pub invoicing_hold_hours: i64,
    pub unapplied_cash_hours: i64,
    pub short_pay_hours: i64,
    /// Disputes of a reason (pricing, tax, quantity, damage, not received, duplicate billing).
    pub dispute_hours: i64,
    pub dispute_other_hours: i64,
    /// Integration and webhook-endpoint problems.
    pub integration_hours: i64,
    /// Types that other systems report and Throughline does not know.
    pub other_hours: i64,
}

impl Default for Sla {
    fn default() -> Self {
        Sla {
            credit_hold_hours: 4,
            backorder_hours: 24,
            shipment_delay_hours: 24,
            missing_pod_hours: 48,
            quantity_mismatch_hours: 24,
            invoice_delay_hours: 24,
            invoicing_hold_hours: 72,
            unapplied_cash_hours: 24,
            short_pay_hours: 48,
            dispute_hours: 72,
            dispute_other_hours: 120,
            integration_hours: 4,
            other_hours: 24,
        }
    }
}

/// The longest SLA: 90 days.
pub const MAX_SLA_HOURS: i64 = 24 * 90;

impl Sla {
    /// The SLA of an exception of type `kind`.
    pub fn hours_for(&self, kind: &str) -> i64 {
        match kind {
            "credit_hold" => self.credit_hold_hours,
            "backorder" => self.backorder_hours,
            "shipment_delay" => self.shipment_delay_hours,
            "missing_pod" => self.missing_pod_hours,
            "quantity_mismatch" => self.quantity_mismatch_hours,
            "invoice_delay" => self.invoice_delay_hours,
            "invoicing_hold" => self.invoicing_hold_hours,
            "unapplied_cash" => self.unapplied_cash_hours,
            "short_pay" => self.short_pay_hours,
            "dispute_other" => self.dispute_other_hours,
            k if k.starts_with("dispute_") => self.dispute_hours,
            "integration" | "endpoint" => self.integration_hours,
            _ => self.other_hours,
        }
    }

    fn all(&self) -> [(&'static str, i64); 13] {
        [
            ("credit_hold_hours", self.credit_hold_hours),
            ("backorder_hours", self.backorder_hours),
            ("shipment_delay_hours", self.shipment_delay_hours),
            ("missing_pod_hours", self.missing_pod_hours),
            ("quantity_mismatch_hours", self.quantity_mismatch_hours),
            ("invoice_delay_hours", self.invoice_delay_hours),
            ("invoicing_hold_hours", self.invoicing_hold_hours),
            ("unapplied_cash_hours", self.unapplied_cash_hours),
            ("short_pay_hours", self.short_pay_hours),
            ("dispute_hours", self.dispute_hours),
            ("dispute_other_hours", self.dispute_other_hours),
            ("integration_hours", self.integration_hours),
            ("other_hours", self.other_hours),
        ]
    }

    /// Every SLA from 1 hour to 90 days, or the first that is not.
    pub fn check(self) -> Result<Self, String> {
        match self.all().into_iter().find(|(_, h)| !(1..=MAX_SLA_HOURS).contains(h)) {
            Some((field, h)) => Err(format!("{field} is {h}; an SLA is 1 to {MAX_SLA_HOURS} hours")),
            None => Ok(self),
        }
    }
}

/// Days finished records are kept before the hourly `retention.purge` deletes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    /// Webhook messages whose every delivery succeeded or died, with their attempts.
    pub webhook_days: i64,
    /// Data-export archives (the file in the document store; the request row stays, marked
    /// expired).
    pub export_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { webhook_days: 30, export_days: 30 }
    }
}

impl Retention {
    /// Each period from 1 day to 10 years, or the first that is not.
    pub fn check(self) -> Result<Self, String> {
        for (field, d) in [("webhook_days", self.webhook_days), ("export_days", self.export_days)] {
            if !(1..=3650).contains(&d) {
                return Err(format!("{field} is {d}; keep records 1 to 3650 days"));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::kinds::policy;

    #[test]
    fn the_default_slas_are_the_catalogue_s() {
        let kinds = [
            "credit_hold", "backorder", "shipment_delay", "missing_pod", "quantity_mismatch", "invoice_delay", "invoicing_hold", "unapplied_cash", "short_pay",
            "dispute_pricing", "dispute_tax", "dispute_duplicate_billing", "dispute_quantity_short", "dispute_damaged", "dispute_not_received", "dispute_other", "integration", "endpoint", "something_new",
        ];
        for kind in kinds {
            assert_eq!(chrono::Duration::hours(Sla::default().hours_for(kind)), policy(kind).sla, "{kind}");
        }
    }

    #[test]
    fn an_sla_out_of_range_is_named() {
        let cases = [(Sla { credit_hold_hours: 0, ..Sla::default() }, Some("credit_hold_hours is 0")), (Sla { other_hours: MAX_SLA_HOURS + 1, ..Sla::default() }, Some("other_hours is 2161")), (Sla { dispute_hours: MAX_SLA_HOURS, ..Sla::default() }, None)];
        for (sla, err) in cases {
            match (sla.check(), err) {
                (Ok(_), None) => {}
                (Err(e), Some(want)) => assert!(e.starts_with(want), "{e}"),
                (got, want) => panic!("{got:?}, want {want:?}"),
            }
        }
        let sla = Sla { dispute_hours: 10, dispute_other_hours: 20, ..Sla::default() };
        assert_eq!((sla.hours_for("dispute_tax"), sla.hours_for("dispute_other")), (10, 20));
        assert!(Retention { webhook_days: 0, export_days: 30 }.check().unwrap_err().starts_with("webhook_days is 0"));
        assert!(Retention::default().check().is_ok());
    }
}
