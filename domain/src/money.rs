//! Money is integer minor units plus an ISO 4217 currency code.
use iso_currency::Currency;

/// Checks an ISO 4217 code (upper case, e.g. `USD`).
pub fn currency(code: &str) -> Result<String, String> {
    match Currency::from_code(code) {
        Some(_) => Ok(code.to_owned()),
        None => Err(format!("{code:?} is not an ISO 4217 currency code")),
    }
}

/// Number of decimals of a currency (2 for USD, 0 for JPY, 3 for KWD).
pub fn exponent(code: &str) -> u32 {
    Currency::from_code(code).and_then(|c| c.exponent()).map(u32::from).unwrap_or(2)
}

/// Sign, whole major units and the fraction in minor units, and the currency's exponent.
fn split(minor: i64, code: &str) -> (&'static str, u64, u64, u32) {
    let exp = exponent(code);
    let unit = 10u64.pow(exp);
    let abs = minor.unsigned_abs();
    (if minor < 0 { "-" } else { "" }, abs / unit, abs % unit, exp)
}

/// Minor units as a plain decimal for machines and spreadsheets: `-1234.50`, `1200` (JPY).
pub fn decimal(minor: i64, code: &str) -> String {
    let (sign, whole, frac, exp) = split(minor, code);
    if exp == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac:0width$}", width = exp as usize) }
}

/// Formats minor units for people: `USD 1,234.50`.
pub fn format(minor: i64, code: &str) -> String {
    let (sign, whole, frac, exp) = split(minor, code);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if exp == 0 { format!("{code} {sign}{grouped}") } else { format!("{code} {sign}{grouped}.{frac:0width$}", width = exp as usize) }
}

/// Formats minor units for a form field: grouped, without the currency code (`25,000.00`),
/// so that [`parse_major`] reads it back unchanged.
pub fn format_plain(minor: i64, code: &str) -> String {
    let shown = format(minor, code);
    shown.strip_prefix(code).map(|s| s.trim_start().to_owned()).unwrap_or(shown)
}

/// Parses an amount a person typed in major units (`25,000.00`, `25000`, `USD 1,234.5`) into
/// minor units of `code`. Commas may group the whole units; more decimals than the currency
/// has are refused rather than rounded, so nobody's limit changes by a typo.
pub fn parse_major(text: &str, code: &str) -> Result<i64, String> {
    let bad = || format!("{:?} is not an amount; enter it like 25,000.00", text.trim());
    let t = text.trim();
    let t = t.strip_prefix(code).map(str::trim_start).unwrap_or(t);
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let whole: String = whole.chars().filter(|&c| c != ',').collect();
    let exp = exponent(code);
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) || t.starts_with(',') || t.contains(",.") {
        return Err(bad());
    }
    if frac.len() > exp as usize {
        return Err(format!("{code} has {exp} decimal places; {:?} has more", text.trim()));
    }
    let too_large = || format!("{:?} is too large", text.trim());
    let units: i64 = whole.parse().map_err(|_| too_large())?;
    let frac_minor: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<width$}", width = exp as usize).parse().map_err(|_| bad())? };
    let minor = units.checked_mul(10i64.pow(exp)).and_then(|m| m.checked_add(frac_minor)).ok_or_else(too_large)?;
    Ok(if negative { -minor } else { minor })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_typed_in_major_units_become_minor_units() {
        let ok = [
            ("25,000.00", "USD", 2_500_000),
            ("25000", "USD", 2_500_000),
            (" 1,234.5 ", "USD", 123_450),
            ("USD 250,000.00", "USD", 25_000_000),
            ("0.05", "USD", 5),
            ("-10", "USD", -1000),
            ("1,500", "JPY", 1500),
            ("1.234", "KWD", 1234),
        ];
        for (text, code, minor) in ok {
            assert_eq!(parse_major(text, code), Ok(minor), "{text} {code}");
        }
        let refused = ["", "abc", "12.345", "1.2.3", "1e5", ".5", ",100", "1,.00", "99999999999999999999", "10 000"];
        for text in refused {
            assert!(parse_major(text, "USD").is_err(), "{text:?} is refused");
        }
        assert!(parse_major("1.5", "JPY").is_err(), "yen have no decimals");
    }

    #[test]
    fn form_values_read_back_as_they_were_written() {
        for (minor, code) in [(2_500_000, "USD"), (5, "USD"), (1500, "JPY"), (0, "EUR")] {
            let plain = format_plain(minor, code);
            assert!(!plain.contains(code), "{plain}");
            assert_eq!(parse_major(&plain, code), Ok(minor), "{plain}");
        }
        assert_eq!(format_plain(2_500_000, "USD"), "25,000.00");
    }

    #[test]
    fn formats_by_the_currency_exponent() {
        assert_eq!(format(123450, "USD"), "USD 1,234.50");
        assert_eq!(format(5, "USD"), "USD 0.05");
        assert_eq!(format(-100, "EUR"), "EUR -1.00");
        assert_eq!(format(1500, "JPY"), "JPY 1,500");
        assert_eq!(format(1234567, "KWD"), "KWD 1,234.567");
    }

    #[test]
    fn decimals_have_no_grouping_and_keep_the_exponent() {
        assert_eq!(decimal(123450, "USD"), "1234.50");
        assert_eq!(decimal(-5, "USD"), "-0.05");
        assert_eq!(decimal(1500, "JPY"), "1500");
        assert_eq!(decimal(1234567, "KWD"), "1234.567");
    }

    #[test]
    fn only_iso_codes_are_currencies() {
        assert!(currency("USD").is_ok());
        assert!(currency("usd").is_err());
        assert!(currency("XYZ").is_err());
    }
}
