//! A tenant's brand as its partner edits it: product name, primary and accent colours, the
//! support contact and a footer line. Colours carry white text (the page header, buttons, the
//! e-mail banner, the PDF's rules) or sit as text on white (links), so each must keep WCAG AA
//! contrast with white: at least 4.5:1. A colour below that is refused with its ratio.
use crate::entity::tenant;
use crate::events::FieldError;
use crate::types::{Email, HexColor};
use sea_orm::ActiveValue::Set;

/// WCAG AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

/// The WCAG 2 relative luminance of `#rrggbb`.
pub fn luminance(c: &HexColor) -> f64 {
    let hex = &c.as_str()[1..];
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// The WCAG 2 contrast ratio of two colours, from 1 (none) to 21 (black on white).
pub fn contrast(a: &HexColor, b: &HexColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The contrast of white text on `c`, rounded down to two decimals as shown to the editor (so
/// that a colour shown as 4.50:1 passes and one shown as 4.49:1 does not).
pub fn contrast_with_white(c: &HexColor) -> f64 {
    let white = HexColor::parse("#ffffff").expect("white is a colour");
    (contrast(c, &white) * 100.0).floor() / 100.0
}

/// What the editor sends.
#[derive(Clone, Debug, Default)]
pub struct BrandingIn {
    pub product_name: String,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: String,
    pub support_phone: String,
    pub footer_text: String,
    /// The "Powered by <partner>" line at the foot of pages, e-mails and PDFs.
    pub powered_by: bool,
}

/// A brand that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct Branding {
    pub product_name: String,
    pub primary_color: HexColor,
    pub accent_color: HexColor,
    pub support_email: Option<Email>,
    pub support_phone: String,
    pub footer_text: String,
    pub powered_by: bool,
}

impl BrandingIn {
    /// From a tenant's stored brand (what the editor starts from).
    pub fn from_tenant(t: &tenant::Model) -> Self {
        BrandingIn {
            product_name: t.product_name.clone(),
            primary_color: t.primary_color.clone(),
            accent_color: t.accent_color.clone(),
            support_email: t.support_email.clone(),
            support_phone: t.support_phone.clone(),
            footer_text: t.footer_text.clone(),
            powered_by: !t.powered_by.is_empty(),
        }
    }

    /// Checks every field; all problems at once, each naming its field.
    pub fn validate(&self) -> Result<Branding, Vec<FieldError>> {
        let mut errs = Vec::new();
        let fields = [("product_name", &self.product_name), ("primary_color", &self.primary_color), ("accent_color", &self.accent_color), ("support_email", &self.support_email), ("support_phone", &self.support_phone), ("footer_text", &self.footer_text)];
        for (field, value) in fields {
            if value.chars().any(char::is_control) {
                errs.push(FieldError::new(field, "one line of text, without tabs or control characters"));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let product_name = self.product_name.trim().to_owned();
        if product_name.is_empty() || product_name.chars().count() > 60 {
            errs.push(FieldError::new("product_name", "give the product a name of 1 to 60 characters"));
        }
        let primary_color = readable(&mut errs, "primary_color", &self.primary_color);
        let accent_color = readable(&mut errs, "accent_color", &self.accent_color);
        let support_email = match self.support_email.trim() {
            "" => None,
            // It also becomes a `mailto:` link: one plain address, nothing that adds headers.
            e if e.contains(|c: char| c.is_whitespace() || "?,;<>\"'()[]\\".contains(c)) => {
                errs.push(FieldError::new("support_email", format!("{e:?} is not one plain e-mail address")));
                None
            }
            e => Email::parse(e).map_err(|r| errs.push(FieldError::new("support_email", r))).ok(),
        };
        let support_phone = self.support_phone.trim().to_owned();
        if support_phone.chars().count() > 40 || !support_phone.chars().all(|c| c.is_ascii_digit() || " +-().x".contains(c)) {
            errs.push(FieldError::new("support_phone", "a phone number has digits, spaces and + - ( ) only, at most 40 characters"));
        }
        let footer_text = self.footer_text.trim().to_owned();
        if footer_text.chars().count() > 200 {
            errs.push(FieldError::new("footer_text", "the footer is one line of at most 200 characters"));
        }
        match (primary_color, accent_color, errs.is_empty()) {
            (Some(primary_color), Some(accent_color), true) => Ok(Branding { product_name, primary_color, accent_color, support_email, support_phone, footer_text, powered_by: self.powered_by }),
            _ => Err(errs),
        }
    }
}

/// A colour white text stays readable on, or the reason it is refused.
fn readable(errs: &mut Vec<FieldError>, field: &str, text: &str) -> Option<HexColor> {
    let c = match HexColor::parse(text.trim()) {
        Ok(c) => c,
        Err(r) => {
            errs.push(FieldError::new(field, r));
            return None;
        }
    };
    let ratio = contrast_with_white(&c);
    if ratio < MIN_CONTRAST {
        errs.push(FieldError::new(field, format!("white text on {} has a contrast of {ratio:.2}:1; WCAG AA needs at least {MIN_CONTRAST:.1}:1 — choose a darker colour", c.as_str())));
        return None;
    }
    Some(c)
}

impl Branding {
    /// Sets the brand's columns on a tenant row; the "Powered by" line names `partner`.
    pub fn apply(&self, am: &mut tenant::ActiveModel, partner: &str) {
        am.product_name = Set(self.product_name.clone());
        am.primary_color = Set(self.primary_color.as_str().to_owned());
        am.accent_color = Set(self.accent_color.as_str().to_owned());
        am.support_email = Set(self.support_email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default());
        am.support_phone = Set(self.support_phone.clone());
        am.footer_text = Set(self.footer_text.clone());
        am.powered_by = Set(if self.powered_by { partner.to_owned() } else { String::new() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> HexColor {
        HexColor::parse(s).unwrap()
    }

    #[test]
    fn contrast_follows_wcag() {
        let cases = [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#ffffff", 4.54), ("#777777", "#ffffff", 4.47), ("#1d4ed8", "#ffffff", 6.70), ("#ffff00", "#000000", 19.56)];
        for (a, b, want) in cases {
            let got = contrast(&c(a), &c(b));
            assert!((got - want).abs() < 0.01, "{a} on {b}: {got:.3}, want {want}");
            assert!((contrast(&c(b), &c(a)) - got).abs() < 1e-12, "symmetric");
        }
    }

    fn form() -> BrandingIn {
        BrandingIn { product_name: " Acme Hub ".into(), primary_color: "#1D4ED8".into(), accent_color: "#047857".into(), support_email: "help@acme.test".into(), support_phone: "+1 (502) 555-0100".into(), footer_text: "Acme Industrial Supply".into(), powered_by: true }
    }

    #[test]
    fn a_readable_brand_passes_trimmed_and_lower_cased() {
        let b = form().validate().unwrap();
        assert_eq!((b.product_name.as_str(), b.primary_color.as_str(), b.accent_color.as_str()), ("Acme Hub", "#1d4ed8", "#047857"));
        assert_eq!(b.support_email.map(|e| e.as_str().to_owned()).as_deref(), Some("help@acme.test"));
        let no_contact = BrandingIn { support_email: String::new(), support_phone: String::new(), footer_text: String::new(), ..form() };
        assert_eq!(no_contact.validate().unwrap().support_email, None);
    }

    #[test]
    fn each_bad_field_is_named_and_a_pale_colour_gets_its_ratio() {
        let cases: [(fn(&mut BrandingIn), &str, &str); 10] = [
            (|f| f.product_name = "  ".into(), "product_name", "1 to 60"),
            (|f| f.primary_color = "#fde047".into(), "primary_color", "1.31:1"),
            (|f| f.primary_color = "#777777".into(), "primary_color", "4.47:1"),
            (|f| f.accent_color = "blue".into(), "accent_color", "#rrggbb"),
            (|f| f.accent_color = "#ffffff".into(), "accent_color", "1.00:1"),
            (|f| f.support_email = "nobody".into(), "support_email", ""),
            (|f| f.support_phone = "call us".into(), "support_phone", "digits"),
            (|f| f.footer_text = "two\nlines".into(), "footer_text", "one line"),
            (|f| f.product_name = "Acme\u{0}Hub".into(), "product_name", "control characters"),
            (|f| f.support_email = "help@acme.test?cc=boss@evil.test".into(), "support_email", "one plain e-mail address"),
        ];
        for (change, field, says) in cases {
            let mut f = form();
            change(&mut f);
            let errs = f.validate().unwrap_err();
            assert_eq!(errs.len(), 1, "{field}: {errs:?}");
            assert_eq!(errs[0].field, field);
            assert!(errs[0].reason.contains(says), "{field}: {}", errs[0].reason);
        }
        let mut two = form();
        two.primary_color = "#eeeeee".into();
        two.accent_color = "#eeeeee".into();
        assert_eq!(two.validate().unwrap_err().len(), 2, "all problems at once");
    }

    #[test]
    fn the_threshold_is_what_the_editor_shows() {
        assert!(contrast_with_white(&c("#767676")) >= MIN_CONTRAST);
        assert!(contrast_with_white(&c("#777777")) < MIN_CONTRAST);
    }
}
