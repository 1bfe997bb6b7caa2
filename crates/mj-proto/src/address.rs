//! Where a host really is: a URL's host judged on the address it stands for, not on its
//! spelling. A server's result URL is untrusted input, and `127.0.0.1` has many spellings
//! that resolvers and URL parsers all accept (`2130706433`, `0x7f000001`, `0177.1`,
//! `127.1`, `[::ffff:127.0.0.1]`, `localhost.`), so every one of them is read here as the
//! resolver would read it. Names are judged by the addresses they resolve to, which only a
//! transport can see: a request marked with an [`AddressCheck`] asks it to check them
//! before it connects.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of place a host is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A public address.
    Public,
    /// Loopback, private (RFC 1918, shared 100.64/10, unique local `fc00::/7`) or
    /// `localhost`: this machine or its network.
    Local,
    /// Never reached: link-local (the cloud metadata service at 169.254.169.254),
    /// unspecified (`0.0.0.0` reaches this machine), broadcast, multicast, reserved.
    Forbidden,
    /// A name: judged by the addresses it resolves to.
    Name,
    /// Not a usable host: percent-escapes or characters other than ASCII letters,
    /// digits, `-` and `.` (an international name must be written in punycode), which
    /// URL parsers may turn into an address this check never saw.
    Unusual,
}

/// Judges `host` as a URL gives it (an IPv6 literal in brackets or not).
pub fn classify_host(host: &str) -> HostKind {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    if let Ok(ip) = host.parse::<Ipv6Addr>() {
        return classify_ip(IpAddr::V6(ip));
    }
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return HostKind::Unusual;
    }
    // One trailing dot names the same host (`localhost.`, `127.0.0.1.`).
    let host = host.strip_suffix('.').unwrap_or(host);
    if let Some(ip) = parse_ipv4(host) {
        return classify_ip(IpAddr::V4(ip));
    }
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return HostKind::Local;
    }
    if host.is_empty() || host.split('.').next_back().is_some_and(|last| last.bytes().all(|b| b.is_ascii_digit())) {
        // A dotted run of numbers that is not an address (`1.2.3.4.5`, `999.1.1.1`):
        // resolvers disagree about it.
        return HostKind::Unusual;
    }
    HostKind::Name
}

/// Judges an address, looking through the IPv6 forms that carry an IPv4 address
/// (mapped `::ffff:a.b.c.d`, translated `::ffff:0:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`, 6to4 `2002::/16`).
pub fn classify_ip(ip: IpAddr) -> HostKind {
    match ip {
        IpAddr::V4(ip) => classify_ipv4(ip),
        IpAddr::V6(ip) => {
            if let Some(inner) = embedded_ipv4(ip) {
                return classify_ipv4(inner);
            }
            let first = ip.segments()[0];
            if ip.is_unspecified() || ip.is_multicast() || (first & 0xffc0) == 0xfe80 {
                HostKind::Forbidden
            } else if ip.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfec0 {
                HostKind::Local
            } else {
                HostKind::Public
            }
        }
    }
}

fn classify_ipv4(ip: Ipv4Addr) -> HostKind {
    let [a, b, ..] = ip.octets();
    if ip.is_link_local() || ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        HostKind::Forbidden
    } else if ip.is_loopback() || ip.is_private() || (a == 100 && (b & 0xc0) == 64) {
        HostKind::Local
    } else {
        HostKind::Public
    }
}

/// The IPv4 address an IPv6 address carries, in the forms that route to it.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let high_zero = s[..5].iter().all(|&x| x == 0);
    match () {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, not :: or ::1).
        _ if high_zero && (s[5] == 0xffff || (s[5] == 0 && u32::from(low) > 1)) => Some(low),
        // ::ffff:0:a.b.c.d (translated).
        _ if s[..4].iter().all(|&x| x == 0) && s[4] == 0xffff && s[5] == 0 => Some(low),
        // 64:ff9b::/96 (well-known NAT64) and 64:ff9b:1::/48 (local NAT64).
        _ if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6].iter().all(|&x| x == 0) || s[2] == 1) => Some(low),
        // 2002:aabb:ccdd::/48 (6to4).
        _ if s[0] == 0x2002 => Some(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8)),
        _ => None,
    }
}

/// `host` read as `inet_aton` (and the WHATWG URL parser) read an IPv4 address: one to
/// four parts, each decimal, octal (a leading `0`) or hexadecimal (`0x`), the last part
/// filling the bytes left (`127.1`, `2130706433`, `0x7f.1`).
pub fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        values.push(parse_number(part)?);
    }
    let (last, leading) = values.split_last()?;
    if leading.iter().any(|&v| v > 255) {
        return None;
    }
    let room = 8 * (5 - values.len() as u32);
    if room < 32 && *last >= 1u64 << room {
        return None;
    }
    if *last > u64::from(u32::MAX) {
        return None;
    }
    let mut address: u64 = 0;
    for (i, &v) in leading.iter().enumerate() {
        address |= v << (24 - 8 * i as u32);
    }
    address |= last;
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

fn parse_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if part.is_empty() || (digits.is_empty() && radix != 16) {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    // Long runs of leading zeros stay numbers; anything past 2^40 is no address.
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    if digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// A request extension that asks the transport to check the addresses the request's host
/// resolves to before it connects, and to refuse the request when one of them is not
/// allowed ([`permits`](Self::permits)). mj puts it on downloads from hosts other than the
/// configured server's: a name can stand for a loopback, private or link-local address
/// that its spelling does not show. mj-ureq and mj-reqwest honor it; a custom transport
/// should too (read it with [`AddressCheck::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddressCheck {
    /// Whether loopback and private addresses may be reached (the configured server is on
    /// one itself, as a simulator or a proxy on the LAN is).
    pub allow_local: bool,
}

impl AddressCheck {
    /// The check `request` carries, if any.
    pub fn of<B>(request: &http::Request<B>) -> Option<Self> {
        request.extensions().get::<Self>().copied()
    }

    /// Whether `ip` may be connected to.
    pub fn permits(&self, ip: IpAddr) -> bool {
        match classify_ip(ip) {
            HostKind::Public => true,
            HostKind::Local => self.allow_local,
            HostKind::Forbidden | HostKind::Name | HostKind::Unusual => false,
        }
    }

    /// The transport's error for a host that resolved to `ip`, which is not permitted.
    pub fn refusal(&self, ip: IpAddr) -> String {
        let what = match classify_ip(ip) {
            HostKind::Local => "a loopback or private address, while the configured server is not on one",
            _ => "a link-local, unspecified or reserved address (such as the cloud metadata service)",
        };
        format!("refusing to connect: the host resolves to {what}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_an_address_is_read_as_the_resolver_reads_it() {
        for (host, ip) in [
            ("127.0.0.1", "127.0.0.1"),
            ("2130706433", "127.0.0.1"),
            ("0x7f000001", "127.0.0.1"),
            ("0X7F000001", "127.0.0.1"),
            ("017700000001", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("2852039166", "169.254.169.254"),
            ("0", "0.0.0.0"),
            ("10.1", "10.0.0.1"),
            ("192.168.0x1.1", "192.168.1.1"),
        ] {
            assert_eq!(parse_ipv4(host), Some(ip.parse().expect("ip")), "{host}");
        }
        assert_eq!(parse_ipv4("0x"), Some(Ipv4Addr::UNSPECIFIED), "an empty hex number is 0, as URL parsers read it");
        for host in ["256.1.1.1", "1.2.3.4.5", "1..1", "", "4294967296", "1.16777216", "08", "example"] {
            assert_eq!(parse_ipv4(host), None, "{host}");
        }
    }

    #[test]
    fn hosts_are_judged_by_the_address_they_stand_for() {
        use HostKind::*;
        for (host, kind) in [
            ("cdn.discordapp.com", Name),
            ("8.8.8.8", Public),
            ("127.0.0.1", Local),
            ("[::ffff:127.0.0.1]", Local),
            ("[::ffff:7f00:1]", Local),
            ("[::ffff:0:127.0.0.1]", Local),
            ("[64:ff9b::127.0.0.1]", Local),
            ("[2002:7f00:1::]", Local),
            ("[::127.0.0.1]", Local),
            ("2130706433", Local),
            ("0x7f000001", Local),
            ("127.1", Local),
            ("localhost", Local),
            ("localhost.", Local),
            ("LOCALHOST", Local),
            ("a.localhost", Local),
            ("10.0.0.1", Local),
            ("100.64.0.1", Local),
            ("[fd00::1]", Local),
            ("[::1]", Local),
            ("169.254.169.254", Forbidden),
            ("[::ffff:169.254.169.254]", Forbidden),
            ("[::ffff:a9fe:a9fe]", Forbidden),
            ("2852039166", Forbidden),
            ("0", Forbidden),
            ("0.0.0.0", Forbidden),
            ("[::]", Forbidden),
            ("[fe80::1]", Forbidden),
            ("255.255.255.255", Forbidden),
            ("224.0.0.1", Forbidden),
            ("127.0.0.1.", Local),
            ("%31%32%37.0.0.1", Unusual),
            ("１２７.0.0.1", Unusual),
            ("1.2.3.4.5", Unusual),
            ("999.1.1.1", Unusual),
        ] {
            assert_eq!(classify_host(host), kind, "{host}");
        }
    }

    #[test]
    fn a_check_permits_public_addresses_and_local_ones_only_when_allowed() {
        let strict = AddressCheck { allow_local: false };
        let local = AddressCheck { allow_local: true };
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert!(strict.permits(ip("93.184.216.34")) && local.permits(ip("93.184.216.34")));
        assert!(!strict.permits(ip("127.0.0.1")) && local.permits(ip("127.0.0.1")));
        assert!(!strict.permits(ip("::ffff:10.0.0.1")) && local.permits(ip("::ffff:10.0.0.1")));
        assert!(!local.permits(ip("169.254.169.254")) && !local.permits(ip("0.0.0.0")));
        assert!(strict.refusal(ip("127.0.0.1")).contains("loopback"));
    }
}
