//! What a request says about where it comes from and what it carries: the client's
//! address (IPv6 keyed by its network, a /64 by default, since one IPv6 client owns a
//! whole /64), whether it came over HTTPS, and the words of its `Authorization`.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
};

use poem::{http::HeaderValue, Request};

/// The client as per-address limits see it.
///
/// ```
/// use auth_runtime::net::ClientAddr;
/// let v6: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
/// assert_eq!(ClientAddr::new(v6, 64).to_string(), "2001:db8:1:2::/64");
/// let mapped: std::net::IpAddr = "::ffff:192.0.2.7".parse().unwrap();
/// assert_eq!(ClientAddr::new(mapped, 64).to_string(), "192.0.2.7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddr {
    /// An IPv4 address, or an IPv6 network of `prefix` bits.
    Ip {
        /// The address, masked to `prefix` bits for IPv6.
        ip: IpAddr,
        /// Bits kept of an IPv6 address (32 for IPv4).
        prefix: u8,
    },
    /// The server does not know (no peer address, as in in-process tests).
    Unknown,
}

impl ClientAddr {
    /// The key of `ip`: IPv4 (also IPv4-mapped IPv6) as is, IPv6 masked to
    /// `ipv6_prefix` bits (clamped to 1..=128).
    pub fn new(ip: IpAddr, ipv6_prefix: u8) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::Ip {
                ip: IpAddr::V4(v4),
                prefix: 32,
            },
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::Ip {
                    ip: IpAddr::V4(v4),
                    prefix: 32,
                },
                None => {
                    let prefix = ipv6_prefix.clamp(1, 128);
                    let mask = u128::MAX << (128 - u32::from(prefix));
                    Self::Ip {
                        ip: IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)),
                        prefix,
                    }
                }
            },
        }
    }
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip {
                ip: IpAddr::V6(ip),
                prefix,
            } if *prefix < 128 => write!(f, "{ip}/{prefix}"),
            Self::Ip { ip, .. } => write!(f, "{ip}"),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

/// The caller's address: the peer's, or with `num_proxies` set, the address that many
/// hops back in `X-Forwarded-For` (DRF's `NUM_PROXIES`). An entry that is not an IP
/// address is not believed: the peer's address counts instead.
pub(crate) fn client_addr(
    req: &Request,
    num_proxies: Option<usize>,
    ipv6_prefix: u8,
) -> ClientAddr {
    if let Some(proxies) = num_proxies.filter(|n| *n > 0) {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        let hop = forwarded
            .len()
            .checked_sub(proxies)
            .and_then(|i| forwarded.get(i))
            .and_then(|a| a.parse::<IpAddr>().ok());
        if let Some(ip) = hop {
            return ClientAddr::new(ip, ipv6_prefix);
        }
    }
    match req.remote_addr().as_socket_addr() {
        Some(addr) => ClientAddr::new(addr.ip(), ipv6_prefix),
        None => ClientAddr::Unknown,
    }
}

/// Whether the request reached the application over HTTPS: the connection's scheme,
/// or with `num_proxies` set, the `X-Forwarded-Proto` those proxies add (anyone can send
/// it when no proxy is declared, so it is not believed then).
pub(crate) fn is_https(req: &Request, num_proxies: Option<usize>) -> bool {
    if req.scheme() == &poem::http::uri::Scheme::HTTPS {
        return true;
    }
    num_proxies.is_some_and(|n| n > 0)
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// `Authorization: <keyword> <words...>` split on whitespace, as DRF's
/// `get_authorization_header(request).split()`: the words after the keyword when the
/// keyword matches (ASCII case-insensitively), else `None`.
pub(crate) fn authorization_words<'a>(
    header: Option<&'a HeaderValue>,
    keyword: &[u8],
) -> Option<impl Iterator<Item = &'a [u8]>> {
    let mut words = Words(header?.as_bytes());
    let first = words.next()?;
    first.eq_ignore_ascii_case(keyword).then_some(words)
}

/// The words of a header value. Its only ASCII whitespace can be space and tab
/// (`HeaderValue` refuses CR, LF and form feed), so the word ends are found with
/// `memchr` rather than byte by byte: a bearer token is a few hundred bytes, on every
/// request.
struct Words<'a>(&'a [u8]);

impl<'a> Iterator for Words<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.0.iter().position(|b| *b != b' ' && *b != b'\t')?;
        let rest = &self.0[start..];
        let end = memchr::memchr2(b' ', b'\t', rest).unwrap_or(rest.len());
        self.0 = &rest[end..];
        Some(&rest[..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_words_split_on_spaces_and_tabs() {
        let words = |v: &str| {
            authorization_words(Some(&HeaderValue::from_str(v).unwrap()), b"token").map(|w| {
                w.map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(words("Token abc"), Some(vec!["abc".to_owned()]));
        assert_eq!(
            words("  token \t abc  def "),
            Some(vec!["abc".to_owned(), "def".to_owned()])
        );
        assert_eq!(words("Token"), Some(vec![]));
        assert_eq!(words("Bearer abc"), None);
        assert_eq!(words(""), None);
    }

    #[test]
    fn ipv6_networks_share_a_key() {
        let a: IpAddr = "2001:db8:0:1::1".parse().unwrap();
        let b: IpAddr = "2001:db8:0:1:ffff::2".parse().unwrap();
        let c: IpAddr = "2001:db8:0:2::1".parse().unwrap();
        assert_eq!(ClientAddr::new(a, 64), ClientAddr::new(b, 64));
        assert_ne!(ClientAddr::new(a, 64), ClientAddr::new(c, 64));
        assert_ne!(ClientAddr::new(a, 128), ClientAddr::new(b, 128));
        assert_eq!(ClientAddr::new(a, 48), ClientAddr::new(c, 48));
    }

    #[test]
    fn forwarded_entries_that_are_not_addresses_are_ignored() {
        let req = Request::builder()
            .header("x-forwarded-for", "not-an-ip, 10.0.0.1")
            .finish();
        assert_eq!(client_addr(&req, Some(2), 64), ClientAddr::Unknown);
        assert_eq!(client_addr(&req, Some(1), 64).to_string(), "10.0.0.1");
    }
}
