//! The SSRF guard: a webhook endpoint may not point into the network Throughline runs in.
//! URLs are checked when an endpoint is saved and the resolved addresses again before each
//! send (a name can be re-pointed after it was saved). Configuration may allow named hosts
//! or networks (the test suite's loopback receivers).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address may not be called, or `None` when it is a public address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_reason(v4),
            None => v6_reason(v6),
        },
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata lives there)")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || o[0] == 0 || o[0] >= 240 {
        Some("not a unicast address")
    } else {
        None
    }
}

/// The IPv4 address some IPv6 forms carry and route to: NAT64 (`64:ff9b::/96`), 6to4
/// (`2002::/16`) and the deprecated IPv4-compatible `::a.b.c.d`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s {
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) != (0, 0) && (hi, lo) != (0, 1) => Some(v4(hi, lo)),
        _ => None,
    }
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(why) = embedded_v4(ip).and_then(v4_reason) {
        return Some(why);
    }
    if ip.is_loopback() {
        Some("a loopback address")
    } else if (s[0] & 0xfe00) == 0xfc00 {
        Some("a private address")
    } else if (s[0] & 0xffc0) == 0xfe80 {
        Some("a link-local address")
    } else if (s[0] & 0xffc0) == 0xfec0 {
        Some("a site-local address")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("not a unicast address")
    } else if s[0] == 0xfd00 && s[1] == 0x0ec2 {
        Some("a cloud metadata address")
    } else {
        None
    }
}

/// Hosts and networks configuration allows despite the guard (`127.0.0.1`, `10.0.0.0/8`,
/// `hooks.internal`).
#[derive(Clone, Debug, Default)]
pub struct Allow {
    hosts: Vec<String>,
    nets: Vec<(IpAddr, u8)>,
}

impl Allow {
    /// Parses a comma- or space-separated list.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut allow = Allow::default();
        for item in text.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            if let Some((addr, bits)) = item.split_once('/') {
                let addr: IpAddr = addr.parse().map_err(|_| format!("{item:?} is not a network"))?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits.parse().ok().filter(|b| *b <= max).ok_or_else(|| format!("{item:?} has a bad prefix length"))?;
                allow.nets.push((addr, bits));
            } else if let Ok(addr) = item.parse::<IpAddr>() {
                allow.nets.push((addr, if addr.is_ipv4() { 32 } else { 128 }));
            } else {
                allow.hosts.push(item.to_ascii_lowercase());
            }
        }
        Ok(allow)
    }

    pub fn host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    pub fn ip(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|&(net, bits)| in_net(ip, net, bits))
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Checks the addresses a host name resolved to: all must be allowed.
pub fn check_addresses(host: &str, addrs: &[IpAddr], allow: &Allow) -> Result<(), String> {
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve to any address"));
    }
    if allow.host(host) {
        return Ok(());
    }
    for &ip in addrs {
        if let Some(why) = forbidden_reason(ip).filter(|_| !allow.ip(ip)) {
            return Err(format!("{host} resolves to {why}; webhooks go only to public addresses"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused_public_ones_allowed() {
        let cases = [
            ("127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("100.64.0.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("0.0.0.0", Some("unicast")),
            ("224.0.0.1", Some("unicast")),
            ("::1", Some("loopback")),
            ("fd12::1", Some("private")),
            ("fe80::1", Some("link-local")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("link-local")),
            ("fd00:ec2::254", Some("private")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("2002:7f00:1::1", Some("loopback")),
            ("::10.0.0.1", Some("private")),
            ("fec0::1", Some("site-local")),
            ("64:ff9b::5db8:d822", None),
            ("93.184.216.34", None),
            ("2606:2800:220:1::1", None),
        ];
        for (ip, want) in cases {
            let got = forbidden_reason(ip.parse().unwrap());
            match want {
                Some(w) => assert!(got.is_some_and(|g| g.contains(w)), "{ip}: {got:?}"),
                None => assert_eq!(got, None, "{ip}"),
            }
        }
    }

    #[test]
    fn the_allow_list_admits_named_hosts_and_networks() {
        let allow = Allow::parse("127.0.0.1, 10.0.0.0/8 hooks.internal").unwrap();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(check_addresses("localhost", &[lo], &allow).is_ok());
        assert!(check_addresses("x", &["10.9.9.9".parse().unwrap()], &allow).is_ok());
        assert!(check_addresses("x", &["192.168.0.1".parse().unwrap()], &allow).unwrap_err().contains("private"));
        assert!(check_addresses("hooks.internal", &["192.168.0.1".parse().unwrap()], &allow).is_ok());
        // One bad address among good ones is enough to refuse.
        let err = check_addresses("mixed", &["93.184.216.34".parse().unwrap(), "169.254.169.254".parse().unwrap()], &Allow::default()).unwrap_err();
        assert!(err.contains("link-local") && !err.contains("169.254"), "the kind is named, not the address: {err}");
        assert!(check_addresses("none", &[], &allow).unwrap_err().contains("does not resolve"));
        assert!(Allow::parse("10.0.0.0/40").unwrap_err().contains("prefix"));
    }
}
