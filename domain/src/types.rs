//! Parsed value types: once built, they are valid.
use std::fmt;

/// A tenant's slug: lower-case ASCII letters, digits and '-', starting with a letter,
/// 2 to 32 characters. It names the tenant's host and its schema or file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_len = (2..=32).contains(&s.len());
        let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok_len && ok_start && ok_chars && !s.ends_with('-') {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "'{s}' is not a valid tenant slug: use 2-32 lower-case letters, digits or '-', starting with a letter"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The PostgreSQL schema that holds this tenant's data. Safe to quote into SQL:
    /// it contains only `[a-z0-9_]`.
    pub fn schema_name(&self) -> String {
        format!("tenant_{}", self.0.replace('-', "_"))
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A colour as `#rrggbb`, safe to place in a CSS custom property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexColor(String);

impl HexColor {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit());
        if ok { Ok(Self(s.to_ascii_lowercase())) } else { Err(format!("'{s}' is not a colour of the form #rrggbb")) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Roles. Platform roles live in the platform schema; the rest belong to one tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    PlatformAdmin,
    PartnerAdmin,
    /// Sees the partner console (its tenants and their health, the team) and changes nothing.
    PartnerViewer,
    TenantAdmin,
    ArClerk,
    CustomerService,
    Customer,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "platform_admin" => Self::PlatformAdmin,
            "partner_admin" => Self::PartnerAdmin,
            "partner_viewer" => Self::PartnerViewer,
            "tenant_admin" => Self::TenantAdmin,
            "ar_clerk" => Self::ArClerk,
            "customer_service" => Self::CustomerService,
            "customer" => Self::Customer,
            other => return Err(format!("unknown role '{other}'")),
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform_admin",
            Self::PartnerAdmin => "partner_admin",
            Self::PartnerViewer => "partner_viewer",
            Self::TenantAdmin => "tenant_admin",
            Self::ArClerk => "ar_clerk",
            Self::CustomerService => "customer_service",
            Self::Customer => "customer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "Platform admin",
            Self::PartnerAdmin => "Partner admin",
            Self::PartnerViewer => "Partner viewer",
            Self::TenantAdmin => "Tenant admin",
            Self::ArClerk => "AR clerk",
            Self::CustomerService => "Customer service",
            Self::Customer => "Customer",
        }
    }
    pub fn is_platform(self) -> bool {
        matches!(self, Self::PlatformAdmin | Self::PartnerAdmin | Self::PartnerViewer)
    }
    /// The path of this role's home page.
    pub fn home(self) -> &'static str {
        match self {
            Self::PlatformAdmin | Self::PartnerAdmin | Self::PartnerViewer => "/partner",
            Self::TenantAdmin | Self::ArClerk | Self::CustomerService => "/workspace",
            Self::Customer => "/portal",
        }
    }
}

/// A normalised e-mail address (trimmed, lower-case, one '@' with text either side).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_lowercase();
        match s.split_once('@') {
            Some((a, b)) if !a.is_empty() && b.contains('.') && !b.contains('@') && s.len() <= 254 => Ok(Self(s)),
            _ => Err("Enter an e-mail address such as name@example.com".into()),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_with_uppercase_is_rejected() {
        assert!(TenantSlug::parse("Acme").is_err());
    }
    #[test]
    fn a_slug_with_sql_is_rejected() {
        assert!(TenantSlug::parse("a\"; drop").is_err());
    }
    #[test]
    fn a_slug_with_dash_maps_to_an_underscore_schema() {
        assert_eq!(TenantSlug::parse("blue-grass").unwrap().schema_name(), "tenant_blue_grass");
    }
    #[test]
    fn a_colour_needs_six_hex_digits() {
        assert!(HexColor::parse("#1d4ed8").is_ok());
        assert!(HexColor::parse("red").is_err());
        assert!(HexColor::parse("#1d4ed8;}").is_err());
    }
    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse(" Admin@Acme.TEST ").unwrap().as_str(), "admin@acme.test");
        assert!(Email::parse("nobody").is_err());
    }
    #[test]
    fn every_role_round_trips() {
        for r in ["platform_admin", "partner_admin", "tenant_admin", "ar_clerk", "customer_service", "customer"] {
            assert_eq!(Role::parse(r).unwrap().as_str(), r);
        }
    }
}
