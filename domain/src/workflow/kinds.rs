//! The catalogue of exception types: which queue works each, how severe it starts, and how
//! long its SLA gives — and who may act in which queue. Pure data and functions.
use crate::types::Role;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// A work queue, worked by the roles [`Queue::roles`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Credit holds: AR clerks (credit controllers), never customer service.
    Credit,
    /// Receivables: cash application, short payments, invoice delays, billing disputes.
    Ar,
    /// Orders and deliveries: backorders, delays, missing proof of delivery, quantity disputes.
    CustomerService,
    /// The tenant admin: integration problems and everything escalated.
    Admin,
}

impl Queue {
    pub const ALL: [Queue; 4] = [Queue::Credit, Queue::Ar, Queue::CustomerService, Queue::Admin];

    pub const fn as_str(self) -> &'static str {
        match self {
            Queue::Credit => "credit",
            Queue::Ar => "ar",
            Queue::CustomerService => "customer_service",
            Queue::Admin => "admin",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Queue::Credit => "Credit",
            Queue::Ar => "Accounts receivable",
            Queue::CustomerService => "Customer service",
            Queue::Admin => "Admin",
        }
    }

    /// Whether someone with `role` may act on this queue's exceptions (claim, resolve…).
    /// The tenant admin may act everywhere; anyone on the staff may read and comment.
    pub fn worked_by(self, role: Role) -> bool {
        matches!(
            (self, role),
            (_, Role::TenantAdmin) | (Queue::Credit | Queue::Ar, Role::ArClerk) | (Queue::CustomerService, Role::CustomerService)
        )
    }

    /// The queue a role works first (its "home" queue).
    pub fn home_of(role: Role) -> Option<Queue> {
        match role {
            Role::ArClerk => Some(Queue::Ar),
            Role::CustomerService => Some(Queue::CustomerService),
            Role::TenantAdmin => Some(Queue::Admin),
            _ => None,
        }
    }
}

stored_as_text!(Queue);

/// How bad an exception is. Escalation raises it one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step up; critical stays critical.
    pub const fn raised(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

stored_as_text!(Severity);

/// Where an exception of a type goes and how long it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindPolicy {
    pub queue: Queue,
    pub severity: Severity,
    pub sla: Duration,
}

/// The policy of an exception type. Types reported by other systems that Throughline does
/// not know go to customer service with a day's SLA.
pub fn policy(kind: &str) -> KindPolicy {
    let p = |queue, severity, hours| KindPolicy { queue, severity, sla: Duration::hours(hours) };
    match kind {
        "credit_hold" => p(Queue::Credit, Severity::High, 4),
        "backorder" => p(Queue::CustomerService, Severity::Medium, 24),
        "shipment_delay" => p(Queue::CustomerService, Severity::Medium, 24),
        "missing_pod" => p(Queue::CustomerService, Severity::Medium, 48),
        "quantity_mismatch" => p(Queue::CustomerService, Severity::Medium, 24),
        "invoice_delay" => p(Queue::Ar, Severity::Medium, 24),
        "invoicing_hold" => p(Queue::Ar, Severity::Low, 72),
        "unapplied_cash" => p(Queue::Ar, Severity::Medium, 24),
        "short_pay" => p(Queue::Ar, Severity::Medium, 48),
        "dispute_pricing" | "dispute_tax" | "dispute_duplicate_billing" => p(Queue::Ar, Severity::Medium, 72),
        "dispute_quantity_short" | "dispute_damaged" | "dispute_not_received" => p(Queue::CustomerService, Severity::Medium, 72),
        "dispute_other" => p(Queue::Ar, Severity::Low, 120),
        "integration" | "endpoint" => p(Queue::Admin, Severity::High, 4),
        _ => p(Queue::CustomerService, Severity::Medium, 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_goes_to_its_queue_with_its_sla() {
        let cases = [
            ("credit_hold", Queue::Credit, Severity::High, 4),
            ("backorder", Queue::CustomerService, Severity::Medium, 24),
            ("unapplied_cash", Queue::Ar, Severity::Medium, 24),
            ("short_pay", Queue::Ar, Severity::Medium, 48),
            ("dispute_damaged", Queue::CustomerService, Severity::Medium, 72),
            ("dispute_pricing", Queue::Ar, Severity::Medium, 72),
            ("integration", Queue::Admin, Severity::High, 4),
            ("something_new", Queue::CustomerService, Severity::Medium, 24),
        ];
        for (kind, queue, severity, hours) in cases {
            assert_eq!(policy(kind), KindPolicy { queue, severity, sla: Duration::hours(hours) }, "{kind}");
        }
    }

    #[test]
    fn only_the_roles_of_a_queue_act_on_it_and_customer_service_never_on_credit() {
        use Role::*;
        let cases = [
            (Queue::Credit, ArClerk, true),
            (Queue::Credit, CustomerService, false),
            (Queue::Credit, TenantAdmin, true),
            (Queue::Ar, ArClerk, true),
            (Queue::Ar, CustomerService, false),
            (Queue::CustomerService, CustomerService, true),
            (Queue::CustomerService, ArClerk, false),
            (Queue::Admin, ArClerk, false),
            (Queue::Admin, TenantAdmin, true),
            (Queue::Ar, Customer, false),
            (Queue::Admin, PartnerAdmin, false),
        ];
        for (queue, role, may) in cases {
            assert_eq!(queue.worked_by(role), may, "{queue:?} by {role:?}");
        }
    }

    #[test]
    fn escalation_raises_severity_one_step_up_to_critical() {
        let cases = [(Severity::Low, Severity::Medium), (Severity::Medium, Severity::High), (Severity::High, Severity::Critical), (Severity::Critical, Severity::Critical)];
        for (from, to) in cases {
            assert_eq!(from.raised(), to);
        }
    }

    #[test]
    fn queues_and_severities_read_back_their_stored_names() {
        for q in Queue::ALL {
            assert_eq!(q.as_str().parse::<Queue>(), Ok(q));
        }
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
        }
    }
}
