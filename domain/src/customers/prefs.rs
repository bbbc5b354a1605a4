//! A customer's invoicing and reminder preferences as typed values: when invoices are raised
//! ([`BillingRule`]), where they go ([`InvoiceChannels`], [`ApEmails`]) and how reminders
//! reach the customer ([`ReminderChannel`]). Each parses the text that forms, the API and the
//! database carry, so that nothing downstream handles an unchecked string.
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;

/// When an invoice is raised for a shipment. A customer without one follows the tenant's
/// default ([`TenantDefaults`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BillingRule {
    /// When the goods leave the warehouse.
    Dispatch,
    /// When the carrier reports the delivery.
    Delivery,
    /// When the proof of delivery is on file.
    Pod,
}

impl BillingRule {
    pub const ALL: [BillingRule; 3] = [BillingRule::Dispatch, BillingRule::Delivery, BillingRule::Pod];

    pub const fn as_str(self) -> &'static str {
        match self {
            BillingRule::Dispatch => "dispatch",
            BillingRule::Delivery => "delivery",
            BillingRule::Pod => "pod",
        }
    }

    /// How people read it: "on dispatch".
    pub const fn label(self) -> &'static str {
        match self {
            BillingRule::Dispatch => "on dispatch",
            BillingRule::Delivery => "on delivery",
            BillingRule::Pod => "on proof of delivery",
        }
    }
}

stored_as_text!(BillingRule);

/// How payment reminders reach the customer. A customer without one follows the tenant's
/// default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReminderChannel {
    Email,
    Portal,
    /// No reminders at all (stored as `none`).
    #[serde(rename = "none")]
    Off,
}

impl ReminderChannel {
    pub const ALL: [ReminderChannel; 3] = [ReminderChannel::Email, ReminderChannel::Portal, ReminderChannel::Off];

    pub const fn as_str(self) -> &'static str {
        match self {
            ReminderChannel::Email => "email",
            ReminderChannel::Portal => "portal",
            ReminderChannel::Off => "none",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            ReminderChannel::Email => "by e-mail",
            ReminderChannel::Portal => "in the portal only",
            ReminderChannel::Off => "no reminders",
        }
    }
}

stored_as_text!(ReminderChannel);

/// Where an invoice is delivered. Every invoice is on the portal; the others are extra.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceChannel {
    Portal,
    Email,
    /// EDI 810 to the customer's trading-partner setup.
    Edi,
    /// A signed webhook to the customer's endpoint.
    Webhook,
}

impl InvoiceChannel {
    pub const ALL: [InvoiceChannel; 4] = [InvoiceChannel::Portal, InvoiceChannel::Email, InvoiceChannel::Edi, InvoiceChannel::Webhook];

    pub const fn as_str(self) -> &'static str {
        match self {
            InvoiceChannel::Portal => "portal",
            InvoiceChannel::Email => "email",
            InvoiceChannel::Edi => "edi",
            InvoiceChannel::Webhook => "webhook",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            InvoiceChannel::Portal => "Portal",
            InvoiceChannel::Email => "E-mail with PDF",
            InvoiceChannel::Edi => "EDI 810",
            InvoiceChannel::Webhook => "Webhook",
        }
    }
}

stored_as_text!(InvoiceChannel);

/// The tenant-wide settings a customer without an override follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantDefaults {
    /// The billing rule's trigger (the `billing` rule).
    pub billing_rule: BillingRule,
    pub reminder_channel: ReminderChannel,
    pub invoice_channels: InvoiceChannels,
}

/// The `delivery` rule: the invoice channels and reminder channel of customers that have
/// none of their own. Out of the box invoices are in the portal only and reminders go by
/// e-mail: the most common arrangement in wholesale distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryDefaults {
    pub invoice_channels: Vec<InvoiceChannel>,
    pub reminder_channel: ReminderChannel,
}

impl Default for DeliveryDefaults {
    fn default() -> Self {
        DeliveryDefaults { invoice_channels: vec![InvoiceChannel::Portal], reminder_channel: ReminderChannel::Email }
    }
}

impl DeliveryDefaults {
    /// The channels as a set (`portal` always among them).
    pub fn channels(&self) -> InvoiceChannels {
        let mut set = InvoiceChannels::default();
        set.0.extend(self.invoice_channels.iter().copied());
        set
    }

    /// The stored form: `portal` first, each channel once.
    pub fn normalised(mut self) -> Self {
        self.invoice_channels = self.channels().to_vec();
        self
    }
}

/// Splits a list typed by a person or sent by a system: commas, semicolons and white space
/// all separate; empty items are dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The channels an invoice goes out on, in a fixed order, `portal` always first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct InvoiceChannels(BTreeSet<InvoiceChannel>);

impl Default for InvoiceChannels {
    fn default() -> Self {
        Self(BTreeSet::from([InvoiceChannel::Portal]))
    }
}

impl InvoiceChannels {
    /// Parses channel names (any case); `portal` is added when missing, repeats collapse.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        let mut set = Self::default();
        for item in items {
            let name = item.as_ref().trim().to_ascii_lowercase();
            let ch = name.parse().map_err(|_| format!("{:?} is not a channel; use portal, email, edi or webhook", item.as_ref()))?;
            set.0.insert(ch);
        }
        Ok(set)
    }

    /// The customer's own channels, `None` when the stored text is empty: the customer
    /// follows the tenant's default ([`DeliveryDefaults`]).
    pub fn stored_override(text: &str) -> Option<Self> {
        (!text.trim().is_empty()).then(|| Self::from_stored(text))
    }

    /// Reads the stored text; unknown names (never written by this code) are dropped.
    pub fn from_stored(text: &str) -> Self {
        let mut set = Self::default();
        set.0.extend(split_list(text).iter().filter_map(|s| s.parse::<InvoiceChannel>().ok()));
        set
    }

    pub fn contains(&self, ch: InvoiceChannel) -> bool {
        self.0.contains(&ch)
    }

    pub fn to_vec(&self) -> Vec<InvoiceChannel> {
        self.0.iter().copied().collect()
    }

    /// The stored form: `portal email edi`.
    pub fn to_text(&self) -> String {
        self.0.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The most AP addresses a customer may have: invoices go to each, so a pasted mailing list
/// should not slip in.
pub const MAX_AP_EMAILS: usize = 10;

/// The customer's accounts-payable addresses, lower case, without repeats, in entry order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ApEmails(Vec<String>);

impl ApEmails {
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        let mut out: Vec<String> = Vec::new();
        for item in items {
            let e = email(item.as_ref())?;
            if !out.contains(&e) {
                out.push(e);
            }
        }
        if out.len() > MAX_AP_EMAILS {
            return Err(format!("at most {MAX_AP_EMAILS} addresses"));
        }
        Ok(Self(out))
    }

    pub fn from_stored(text: &str) -> Self {
        Self(split_list(text))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// The stored form: addresses separated by single spaces.
    pub fn to_text(&self) -> String {
        self.0.join(" ")
    }
}

/// Checks one mailbox address as invoices are sent to it: `local@domain.tld`, the local part
/// of RFC 5322 "atext" and dots, the domain of DNS labels. Returns it in lower case.
/// Stricter than [`crate::types::Email`] (a sign-in name) because a typo here means an
/// invoice that nobody receives.
pub fn email(text: &str) -> Result<String, String> {
    let e = text.trim().to_lowercase();
    let bad = || format!("{:?} is not an e-mail address such as ap@example.com", text.trim());
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let local_ok = (1..=64).contains(&local.len())
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| (1..=63).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !l.starts_with('-') && !l.ends_with('-');
    let domain_ok = domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && labels.last().is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok { Ok(e) } else { Err(bad()) }
}

/// Deserialises a field that may be absent (`None`: leave unchanged), `null` (`Some(None)`:
/// back to the tenant's default) or a value.
pub(crate) fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Like [`text_or_list`], but `null` is kept apart from a list: `Some(None)`.
pub(crate) fn nullable_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Vec<String>>>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if v.is_null() {
        return Ok(Some(None));
    }
    text_or_list(v).map(|l| Some(l)).map_err(serde::de::Error::custom)
}

/// Deserialises a list given as a JSON array of strings or as one string separated by spaces
/// or commas (as the form and the stored column write it); `null` is the empty list.
pub(crate) fn text_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of strings or a space-separated string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Some(split_list(s)))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Some(Vec::new()))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Some(Vec::new()))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element::<String>()? {
                out.push(s);
            }
            Ok(Some(out))
        }
    }
    d.deserialize_any(V)
}

/// Parses an optional rule or channel name for `field`; blank means "the tenant's default".
pub fn parse_override<T: std::str::FromStr>(field: &str, text: Option<&str>, allowed: &str) -> Result<Option<T>, crate::events::FieldError> {
    match text.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.to_ascii_lowercase().parse().map(Some).map_err(|_| {
            crate::events::FieldError::new(field, format!("{s:?} is not allowed; use {allowed} (or nothing for the tenant's default)"))
        }),
    }
}

#[cfg(test)]
mod tests;
