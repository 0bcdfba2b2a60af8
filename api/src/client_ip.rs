//! Which address a request comes from, for rate limits and lockout. Only the configured
//! reverse proxies (`CASEWORK_TRUSTED_PROXIES`) are believed about `X-Forwarded-For`;
//! without any, the TCP peer is the client, whatever the headers say.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses IPs and CIDRs (`10.0.0.0/8`, `192.0.2.7`, `::1`); blanks are skipped.
    ///
    /// # Errors
    /// The first entry that is neither.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for e in entries.iter().map(|e| e.as_ref().trim()).filter(|e| !e.is_empty()) {
            let net = e
                .parse::<IpNet>()
                .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{e}` is not an IP address or CIDR block"))?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the TCP peer, unless the peer is a trusted proxy, in which
    /// case the right-most `X-Forwarded-For` address that is not itself a trusted proxy
    /// (entries left of it could have been written by anyone). An entry that does not
    /// parse stops the walk at the proxy that passed it on.
    #[must_use]
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).rev();
        for hop in hops {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                return client;
            };
            client = canonical(ip);
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// [`TrustedProxies::client`] of a request, as text (`""` when there is no peer).
    #[must_use]
    pub fn client_of(&self, req: &HttpRequest) -> String {
        let Some(peer) = req.peer_addr() else {
            return String::new();
        };
        let headers: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        self.client(peer.ip(), &headers).to_string()
    }
}

/// IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let t = TrustedProxies::default();
        assert_eq!(t.client(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.7"]).expect("valid");
        // A client-forged entry on the left is ignored.
        assert_eq!(
            t.client(ip("10.1.2.3"), &["6.6.6.6, 198.51.100.1, 192.0.2.7"]),
            ip("198.51.100.1")
        );
        // Several headers are one list, in order.
        assert_eq!(
            t.client(ip("10.1.2.3"), &["6.6.6.6", "198.51.100.1"]),
            ip("198.51.100.1")
        );
        // An untrusted peer's header is not believed.
        assert_eq!(t.client(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));
        // Only proxies all the way: the left-most is the best we know.
        assert_eq!(t.client(ip("10.1.2.3"), &["10.9.9.9"]), ip("10.9.9.9"));
        // Garbage stops at the proxy that passed it on.
        assert_eq!(t.client(ip("10.1.2.3"), &["1.2.3.4, garbage"]), ip("10.1.2.3"));
        assert_eq!(t.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert_eq!(t.client(ip("::ffff:10.1.2.3"), &["198.51.100.1"]), ip("198.51.100.1"));
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.example"]).is_err());
        assert!(TrustedProxies::parse(&["", " ::1 ", "2001:db8::/32"]).is_ok());
    }
}
