//! Outbound X12: 997 acknowledgements and 810 invoices, in one envelope writer.
//!
//! No data element ever carries one of the separators we emit (`*` between elements, `~`
//! after a segment, `>` between components, `^` between repetitions) or a control character
//! such as a newline. X12 has no escape character, so such a character in a customer name, a
//! description or a value echoed from an inbound interchange (which may use other separators)
//! would split the element or end the segment early at the receiver, and could even smuggle in
//! a segment of its own. Each is replaced with a space rather than the document refused: the
//! text keeps its length and its meaning to a reader, the element and segment structure is
//! exactly the one we built, and an invoice is never held back by punctuation in a product
//! name. Identifiers (invoice, PO and SKU) are treated the same way, so the partner sees one
//! consistent value in every document we send. The fixed-width ISA fields are further limited
//! to printable ASCII, because receivers locate the ISA separators by byte offset.
use super::{Group, Interchange};
use crate::money;
use crate::orders::InvoiceView;
use chrono::{DateTime, Utc};

const ELEMENT: char = '*';
const SEGMENT: char = '~';
const COMPONENT: char = '>';
const REPETITION: char = '^';

/// `c`, or a space when it would be read as a separator or is a control character.
fn safe(c: char) -> char {
    if matches!(c, ELEMENT | SEGMENT | COMPONENT | REPETITION) || c.is_control() { ' ' } else { c }
}

/// A fixed-width ISA field: printable ASCII without separators, cut or padded to `n`.
fn fixed(s: &str, n: usize) -> String {
    let s: String = s.chars().map(|c| if c.is_ascii_graphic() { safe(c) } else { ' ' }).take(n).collect();
    format!("{s:<n$}")
}

/// Interchange text under construction, one segment per line.
#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    /// One segment whose elements are data: any separator or control character in them
    /// becomes a space.
    fn segment<S: AsRef<str>>(&mut self, els: &[S]) {
        for (i, e) in els.iter().enumerate() {
            if i > 0 {
                self.out.push(ELEMENT);
            }
            self.out.extend(e.as_ref().chars().map(safe));
        }
        self.out.push(SEGMENT);
        self.out.push('\n');
    }

    /// The ISA segment, whose last elements declare the repetition and component separators
    /// themselves; its variable fields go through [`fixed`].
    fn isa(&mut self, sender: (&str, &str), receiver: (&str, &str), now: DateTime<Utc>, icn: &str) {
        let els = [
            "ISA".into(), "00".into(), fixed("", 10), "00".into(), fixed("", 10),
            fixed(sender.0, 2), fixed(sender.1, 15), fixed(receiver.0, 2), fixed(receiver.1, 15),
            now.format("%y%m%d").to_string(), now.format("%H%M").to_string(), REPETITION.to_string(), "00401".into(), fixed(icn, 9), "0".into(), "P".into(), COMPONENT.to_string(),
        ];
        self.out.push_str(&els.join(&ELEMENT.to_string()));
        self.out.push(SEGMENT);
        self.out.push('\n');
    }
}

/// An interchange control number (ISA13, 9 digits) from a value of the tenant's counter
/// (see [`super::next_control_number`]); the group control number (GS06) is the same value.
fn control_numbers(n: u64) -> (String, String) {
    let n = (n.saturating_sub(1) % 999_999_999) + 1;
    (format!("{n:09}"), n.to_string())
}

/// Wraps transaction sets (each a list of segments without ST/SE) in ISA/GS/ST…SE/GE/IEA,
/// numbered `control`.
fn envelope(sender: (&str, &str), receiver: (&str, &str), functional_id: &str, sets: &[(&str, Vec<Vec<String>>)], control: u64) -> String {
    let now = Utc::now();
    let (icn, gcn) = control_numbers(control);
    let mut w = Writer::default();
    w.isa(sender, receiver, now, &icn);
    let (date, time) = (now.format("%Y%m%d").to_string(), now.format("%H%M").to_string());
    w.segment(&["GS", functional_id, sender.1.trim(), receiver.1.trim(), date.as_str(), time.as_str(), gcn.as_str(), "X", "004010"]);
    for (i, (set_id, body)) in sets.iter().enumerate() {
        let st = format!("{:04}", i + 1);
        w.segment(&["ST", *set_id, st.as_str()]);
        for s in body {
            w.segment(s);
        }
        w.segment(&["SE".to_owned(), (body.len() + 2).to_string(), st]);
    }
    w.segment(&["GE".to_owned(), sets.len().to_string(), gcn]);
    w.segment(&["IEA", "1", icn.as_str()]);
    w.out
}

/// A 997 for each functional group received (one interchange holding them all).
pub(super) fn render_997(ix: &Interchange, groups: &[(Group, Vec<(String, String, bool)>)], control: u64) -> String {
    let sets: Vec<(&str, Vec<Vec<String>>)> = groups
        .iter()
        .map(|(g, ts)| {
            let mut body = vec![vec!["AK1".to_owned(), g.functional_id.clone(), g.control.clone()]];
            for (set_id, control, ok) in ts {
                body.push(vec!["AK2".into(), set_id.clone(), control.clone()]);
                body.push(vec!["AK5".into(), if *ok { "A".into() } else { "R".into() }]);
            }
            let accepted = ts.iter().filter(|t| t.2).count();
            let code = if accepted == ts.len() { "A" } else if accepted == 0 { "R" } else { "P" };
            body.push(vec!["AK9".into(), code.into(), ts.len().to_string(), ts.len().to_string(), accepted.to_string()]);
            ("997", body)
        })
        .collect();
    envelope((&ix.receiver_qualifier, &ix.receiver), (&ix.sender_qualifier, &ix.sender), "FA", &sets, control)
}

fn minor_to_decimal(m: i64, exp: u32) -> String {
    if exp == 0 {
        return m.to_string();
    }
    let unit = 10i64.pow(exp);
    let sign = if m < 0 { "-" } else { "" };
    format!("{sign}{}.{:0width$}", m.abs() / unit, m.abs() % unit, width = exp as usize)
}

/// Renders an outbound 810 (invoice) for `inv`, from `(qualifier, id)` to the customer.
/// `control`: the interchange control number (from [`super::next_control_number`]).
pub fn render_810(inv: &InvoiceView, po_number: Option<&str>, customer_name: &str, sender: (&str, &str), control: u64) -> String {
    let exp = money::exponent(&inv.currency);
    let mut body: Vec<Vec<String>> = vec![vec![
        "BIG".into(),
        inv.issued_on.format("%Y%m%d").to_string(),
        inv.number.clone(),
        String::new(),
        po_number.unwrap_or("").into(),
    ]];
    body.push(vec!["CUR".into(), "SE".into(), inv.currency.clone()]);
    body.push(vec!["N1".into(), "BT".into(), customer_name.into(), "92".into(), inv.customer.clone()]);
    let days = (inv.due_on - inv.issued_on).num_days();
    body.push(vec!["ITD".into(), "01".into(), "3".into(), String::new(), String::new(), String::new(), inv.due_on.format("%Y%m%d").to_string(), days.to_string()]);
    for l in &inv.lines {
        body.push(vec!["IT1".into(), l.line.to_string(), l.quantity.to_string(), "EA".into(), minor_to_decimal(l.unit_price_minor, exp), String::new(), "VP".into(), l.sku.clone()]);
        if !l.description.is_empty() {
            body.push(vec!["PID".into(), "F".into(), String::new(), String::new(), String::new(), l.description.clone()]);
        }
    }
    // TDS01 is the total in minor units with implied decimals.
    body.push(vec!["TDS".into(), inv.total_minor.to_string()]);
    if inv.tax_minor > 0 {
        body.push(vec!["TXI".into(), "TX".into(), minor_to_decimal(inv.tax_minor, exp)]);
    }
    body.push(vec!["CTT".into(), inv.lines.len().to_string()]);
    envelope(sender, ("ZZ", &inv.customer), "IN", &[("810", body)], control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edi::{EdiLimits, parse, parse::tests::SAMPLE_850};
    use crate::orders::InvoiceLineView;
    use chrono::NaiveDate;

    const NASTY: &str = "a*b~c>d^e\nf\r\tg";

    fn invoice(number: &str, customer: &str, description: &str, sku: &str) -> InvoiceView {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        InvoiceView {
            number: number.into(), order_number: None, customer: customer.into(), status: "open".into(), currency: "USD".into(),
            issued_on: day(1), due_on: day(30), subtotal_minor: 1000, tax_minor: 80, total_minor: 1080, paid_minor: 0, credited_minor: 0, open_minor: 1080, delivered_at: None, viewed_at: None,
            lines: vec![InvoiceLineView { line: 1, order_line: None, sku: sku.into(), description: description.into(), quantity: 4, unit_price_minor: 250, amount_minor: 1000 }],
        }
    }

    /// Each segment of `x12` as (id, number of elements), read back with our own parser.
    fn shape(x12: &str) -> Vec<(String, usize)> {
        let ix = parse(x12, &EdiLimits::default()).unwrap_or_else(|e| panic!("{e}\n{x12}"));
        ix.groups[0].transactions[0].segments.iter().map(|s| (s.id().to_owned(), s.elements.len())).collect()
    }

    #[test]
    fn control_numbers_are_nine_digits_from_the_counter_and_wrap_after_999999999() {
        for (n, icn, gcn) in [(1, "000000001", "1"), (42, "000000042", "42"), (999_999_999, "999999999", "999999999"), (1_000_000_000, "000000001", "1"), (0, "000000001", "1")] {
            assert_eq!(control_numbers(n), (icn.to_owned(), gcn.to_owned()), "{n}");
        }
    }

    #[test]
    fn an_810_whose_data_holds_separators_parses_back_into_the_same_elements() {
        let plain = render_810(&invoice("INV-1", "C-1", "Bolt", "SKU-1"), Some("PO-1"), "Smith", ("ZZ", "ACME"), 7);
        let nasty = render_810(&invoice(&format!("INV{NASTY}"), &format!("C{NASTY}"), &format!("Bolt{NASTY}"), &format!("SKU{NASTY}")), Some(&format!("PO{NASTY}")), &format!("Smith{NASTY}"), ("ZZ", "ACME"), 8);
        assert_eq!(shape(&nasty), shape(&plain));
        for line in nasty.lines() {
            assert!(line.ends_with(SEGMENT) && line.matches(SEGMENT).count() == 1, "one segment per line: {line:?}");
        }
        let ix = parse(&nasty, &EdiLimits::default()).unwrap();
        let seg = |id: &str| ix.groups[0].transactions[0].segments.iter().find(|s| s.id() == id).unwrap().clone();
        assert_eq!(seg("N1").el(2), "Smitha b c d e f  g");
        assert_eq!(seg("PID").el(5), "Bolta b c d e f  g");
        assert_eq!((seg("BIG").el(2), seg("BIG").el(4)), ("INVa b c d e f  g", "POa b c d e f  g"));
        assert_eq!(seg("IT1").el(7), "SKUa b c d e f  g");
        assert_eq!(ix.receiver, "Ca b c d e f  g", "the ISA receiver, 15 characters");
        assert_eq!(nasty.lines().next().unwrap().chars().count(), 106);
    }

    #[test]
    fn isa_fields_stay_fixed_width_printable_ascii() {
        let x = render_810(&invoice("INV-1", "CLIENTÉ-1*2", "Bolt", "SKU-1"), None, "Smith", ("ZZ", "ACME~"), 9);
        let isa = x.lines().next().unwrap();
        assert_eq!((isa.chars().count(), isa.len()), (106, 106));
        let ix = parse(&x, &EdiLimits::default()).unwrap();
        assert_eq!((ix.sender.as_str(), ix.receiver.as_str()), ("ACME", "CLIENT -1 2"));
        assert_eq!(ix.groups[0].sender, "ACME", "GS keeps the data rule");
    }

    #[test]
    fn a_997_echoing_values_from_an_interchange_with_other_separators_stays_well_formed() {
        let inbound = SAMPLE_850.replace('*', "|").replace("|0001~", "|00*1~").replace("INITECH        ", "INI*TECH       ").replace("GS|PO|INITECH", "GS|PO|INI*TECH");
        let ix = parse(&inbound, &EdiLimits::default()).unwrap();
        assert_eq!(ix.groups[0].transactions[0].control, "00*1");
        let acks = [(ix.groups[0].clone(), vec![("850".to_owned(), "00*1".to_owned(), true)])];
        let ack = render_997(&ix, &acks, 10);
        let back = parse(&ack, &EdiLimits::default()).unwrap_or_else(|e| panic!("{e}\n{ack}"));
        assert_eq!(back.receiver, "INI TECH");
        let ak2 = back.groups[0].transactions[0].segments.iter().find(|s| s.id() == "AK2").unwrap();
        assert_eq!(ak2.elements, vec!["AK2", "850", "00 1"]);
    }

    #[test]
    fn minor_units_render_as_decimals() {
        assert_eq!(minor_to_decimal(3890, 2), "38.90");
        assert_eq!(minor_to_decimal(5, 3), "0.005");
        assert_eq!(minor_to_decimal(-250, 2), "-2.50");
        assert_eq!(minor_to_decimal(7, 0), "7");
    }
}
