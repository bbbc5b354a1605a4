//! The demo customers' commercial settings: a picture a credit controller recognises. A few
//! key accounts with large limits, regular accounts between 25k and 75k, two small accounts
//! whose low limits the demo orders exceed (credit holds to work), one or two on invoicing
//! hold, some invoiced on delivery or on proof of delivery, most e-mailed with AP addresses,
//! some on EDI, a few by webhook, and a few reminder overrides.
use crate::customers::CustomerIn;

/// Which kind of account the `i`th demo customer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    Key,
    Regular,
    Small,
}

fn tier(i: usize) -> Tier {
    match i {
        // The named customer (most demo orders) and every ninth from the fifth.
        0 => Tier::Key,
        _ if i % 9 == 4 => Tier::Key,
        7 | 26 => Tier::Small,
        _ => Tier::Regular,
    }
}

/// `Apex Fabrication` → `apex-fabrication.test`; the named customer keeps the short domain
/// its portal user signs in with (`initech.test`).
fn mail_domain(i: usize, name: &str) -> String {
    let base = if i == 0 { name.split_whitespace().next().unwrap_or(name) } else { name };
    let slug: String = base.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("{}.test", slug.trim_matches('-'))
}

/// Fills the commercial fields of the `i`th demo customer into `c` (name already set).
/// `segments` are the catalogue's segments for accounts that are not key accounts.
pub(super) fn fill(c: &mut CustomerIn, i: usize, segments: &[&str]) {
    let t = tier(i);
    let (limit_major, terms): (i64, &str) = match t {
        // The named customer stays on NET30: the API examples and tests count on it.
        Tier::Key => (250_000, if i == 0 { "NET30" } else { ["NET45", "NET60"][i % 2] }),
        Tier::Small => ([1_500, 2_500][i % 2], ["DUE_ON_RECEIPT", "NET30"][i % 2]),
        Tier::Regular => ([25_000, 40_000, 50_000, 60_000, 75_000][i % 5], ["NET30", "NET30", "NET45", "NET60"][i % 4]),
    };
    c.payment_terms = Some(terms.into());
    c.credit_limit_minor = Some(limit_major * 100);
    c.segment = Some(if t == Tier::Key { "key_account".into() } else { segments[i % segments.len()].into() });
    c.invoicing_hold = Some(matches!(i, 11 | 29));
    // Key accounts other than the named one want proof of delivery before an invoice; some
    // regular accounts are invoiced on delivery.
    c.billing_rule = Some(match (t, i % 6) {
        (Tier::Key, _) if i != 0 => Some("pod".into()),
        (Tier::Regular, 3) => Some("delivery".into()),
        _ => None,
    });
    let domain = mail_domain(i, c.name.as_str());
    let (channels, emails): (&str, Vec<String>) = match i % 8 {
        // Portal only: the customer downloads its invoices.
        1 => ("portal", vec![]),
        // EDI 810 trading partners, with an AP mailbox for questions and reminders.
        2 => ("edi", vec![format!("ap@{domain}")]),
        // EDI for the books, e-mail for the people.
        6 => ("email edi", vec![format!("ap@{domain}")]),
        // An AP automation platform takes a signed webhook.
        5 => ("webhook", vec![format!("invoices@{domain}")]),
        _ if t == Tier::Key => ("email edi", vec![format!("ap@{domain}"), format!("controller@{domain}")]),
        _ => ("email", vec![format!("ap@{domain}")]),
    };
    c.invoice_channels = Some(Some(channels.split(' ').map(String::from).collect()));
    c.invoice_emails = Some(emails);
    c.reminder_channel = Some(match i % 8 {
        1 => Some("portal".into()),
        // A key account's reminders go through its account manager, not automatically.
        _ if t == Tier::Key && i != 0 => Some("none".into()),
        _ => None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::prefs::{ApEmails, InvoiceChannel, InvoiceChannels};

    fn demo() -> Vec<CustomerIn> {
        (0..36)
            .map(|i| {
                let mut c = CustomerIn { external_id: format!("C-{}", 1001 + i), name: format!("Apex {i} Tooling"), ..Default::default() };
                fill(&mut c, i, &["contractor", "oem", "mro", "retail"]);
                c
            })
            .collect()
    }

    #[test]
    fn the_demo_has_every_kind_of_account_the_rules_need() {
        let all = demo();
        let limits: Vec<i64> = all.iter().filter_map(|c| c.credit_limit_minor).collect();
        assert!(limits.contains(&25_000_000) && limits.iter().filter(|&&l| l <= 250_000).count() == 2, "key and two small accounts: {limits:?}");
        assert!(limits.iter().all(|&l| l == 25_000_000 || l <= 250_000 || (2_500_000..=7_500_000).contains(&l)));
        assert_eq!(all.iter().filter(|c| c.invoicing_hold == Some(true)).count(), 2);
        let rules: Vec<_> = all.iter().filter_map(|c| c.billing_rule.clone().flatten()).collect();
        assert!(rules.contains(&"pod".into()) && rules.contains(&"delivery".into()), "{rules:?}");
        assert_eq!(all[0].payment_terms.as_deref(), Some("NET30"), "the named customer keeps NET30");
        assert_eq!(all[0].invoice_emails.as_deref(), Some(&["ap@apex.test".to_owned(), "controller@apex.test".to_owned()][..]));
    }

    #[test]
    fn most_customers_get_invoices_by_e_mail_and_every_e_mail_has_an_address() {
        let all = demo();
        let channels: Vec<InvoiceChannels> = all.iter().map(|c| InvoiceChannels::parse(c.invoice_channels.clone().flatten().as_deref().unwrap()).unwrap()).collect();
        let count = |ch| channels.iter().filter(|c| c.contains(ch)).count();
        assert!(count(InvoiceChannel::Email) > all.len() / 2, "most by e-mail");
        assert!(count(InvoiceChannel::Edi) >= 5 && count(InvoiceChannel::Webhook) >= 2);
        for (c, ch) in all.iter().zip(&channels) {
            let emails = ApEmails::parse(c.invoice_emails.as_deref().unwrap()).expect("valid addresses");
            assert!(!ch.contains(InvoiceChannel::Email) || !emails.is_empty(), "{}", c.external_id);
        }
    }
}
