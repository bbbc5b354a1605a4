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

#[cfg(test)]
mod tests {
    use super::*;

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
