//! System settings from /proc/sys and TcpExt counters from /proc/net/netstat.

use std::path::Path;

/// The settings that decide what the kernel makes of a backlog or a buffer size.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct System {
    /// `net.core.somaxconn`: the cap on a backlog.
    pub somaxconn: Option<u64>,
    /// `net.ipv4.tcp_max_syn_backlog`.
    pub tcp_max_syn_backlog: Option<u64>,
    /// `net.ipv4.tcp_rmem`: min, default, max.
    pub tcp_rmem: Option<[u64; 3]>,
    /// `net.ipv4.tcp_wmem`: min, default, max.
    pub tcp_wmem: Option<[u64; 3]>,
    /// `net.core.rmem_max`: the cap on SO_RCVBUF (doubled).
    pub rmem_max: Option<u64>,
    /// `net.core.wmem_max`: the cap on SO_SNDBUF (doubled).
    pub wmem_max: Option<u64>,
    /// `net.ipv4.tcp_syncookies`.
    pub tcp_syncookies: Option<u64>,
    /// `net.ipv4.tcp_abort_on_overflow`.
    pub tcp_abort_on_overflow: Option<u64>,
    /// `net.ipv4.tcp_syn_retries`: how often a client resends its SYN
    /// before connect() fails with ETIMEDOUT.
    pub tcp_syn_retries: Option<u64>,
    /// `net.ipv4.tcp_syn_linear_timeouts` (recent kernels): how many SYN
    /// retries come one second apart before the wait starts doubling;
    /// `None` on kernels that always double.
    pub tcp_syn_linear_timeouts: Option<u64>,
    /// `net.ipv4.tcp_synack_retries`: how often a listener resends a
    /// SYN-ACK before it lets a SYN-RECV entry go.
    pub tcp_synack_retries: Option<u64>,
    /// `net.ipv4.tcp_rto_max_ms` (recent kernels): the longest gap between
    /// two resends, a SYN's included. Not in the JSON.
    #[serde(skip)]
    pub tcp_rto_max_ms: Option<u64>,
}

fn read(root: &Path, path: &str) -> Option<String> {
    std::fs::read_to_string(root.join(path)).ok()
}

fn one(root: &Path, path: &str) -> Option<u64> {
    read(root, path)?.trim().parse().ok()
}

fn three(root: &Path, path: &str) -> Option<[u64; 3]> {
    let text = read(root, path)?;
    let v: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (v.len() == 3).then(|| [v[0], v[1], v[2]])
}

impl System {
    /// Reads the settings under `root` (`/proc/sys` on a live system).
    pub fn read(root: &Path) -> System {
        System {
            somaxconn: one(root, "net/core/somaxconn"),
            tcp_max_syn_backlog: one(root, "net/ipv4/tcp_max_syn_backlog"),
            tcp_rmem: three(root, "net/ipv4/tcp_rmem"),
            tcp_wmem: three(root, "net/ipv4/tcp_wmem"),
            rmem_max: one(root, "net/core/rmem_max"),
            wmem_max: one(root, "net/core/wmem_max"),
            tcp_syncookies: one(root, "net/ipv4/tcp_syncookies"),
            tcp_abort_on_overflow: one(root, "net/ipv4/tcp_abort_on_overflow"),
            tcp_syn_retries: one(root, "net/ipv4/tcp_syn_retries"),
            tcp_syn_linear_timeouts: one(root, "net/ipv4/tcp_syn_linear_timeouts"),
            tcp_synack_retries: one(root, "net/ipv4/tcp_synack_retries"),
            tcp_rto_max_ms: one(root, "net/ipv4/tcp_rto_max_ms"),
        }
    }

    /// Reads the live settings.
    pub fn live() -> System {
        System::read(Path::new("/proc/sys"))
    }
}

/// The accept-queue overflow counters (TcpExt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counters {
    /// SYNs and final ACKs dropped because an accept queue was full.
    #[serde(rename = "ListenOverflows")]
    pub listen_overflows: u64,
    /// All drops at listeners (overflows and others).
    #[serde(rename = "ListenDrops")]
    pub listen_drops: u64,
    /// SYNs answered with a SYN cookie because a SYN queue was full.
    #[serde(rename = "TCPReqQFullDoCookies")]
    pub reqq_full_do_cookies: u64,
    /// SYNs dropped because a SYN queue was full and cookies were off.
    #[serde(rename = "TCPReqQFullDrop")]
    pub reqq_full_drop: u64,
    /// SYN-ACKs that carried a SYN cookie.
    #[serde(rename = "SyncookiesSent")]
    pub syncookies_sent: u64,
    /// ACKs that came back with a valid cookie (a connection made from one).
    #[serde(rename = "SyncookiesRecv")]
    pub syncookies_recv: u64,
    /// ACKs whose cookie did not check out.
    #[serde(rename = "SyncookiesFailed")]
    pub syncookies_failed: u64,
    /// Bare handshake ACKs a TCP_DEFER_ACCEPT listener dropped while waiting for data.
    #[serde(rename = "TCPDeferAcceptDrop")]
    pub defer_accept_drop: u64,
    /// The UDP counters, from /proc/net/snmp.
    #[serde(flatten)]
    pub udp: super::udp::UdpCounters,
}

impl Counters {
    /// Parses /proc/net/netstat: a `TcpExt:` line of names, then one of values.
    pub fn parse(netstat: &str) -> Option<Counters> {
        let mut lines = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
        let names: Vec<&str> = lines.next()?.split_whitespace().collect();
        let values: Vec<&str> = lines.next()?.split_whitespace().collect();
        let get = |name: &str| -> Option<u64> {
            let i = names.iter().position(|n| *n == name)?;
            values.get(i)?.parse().ok()
        };
        Some(Counters {
            listen_overflows: get("ListenOverflows")?,
            listen_drops: get("ListenDrops")?,
            reqq_full_do_cookies: get("TCPReqQFullDoCookies").unwrap_or(0),
            reqq_full_drop: get("TCPReqQFullDrop").unwrap_or(0),
            syncookies_sent: get("SyncookiesSent").unwrap_or(0),
            syncookies_recv: get("SyncookiesRecv").unwrap_or(0),
            syncookies_failed: get("SyncookiesFailed").unwrap_or(0),
            defer_accept_drop: get("TCPDeferAcceptDrop").unwrap_or(0),
            udp: super::udp::UdpCounters::default(),
        })
    }

    /// The names `expect` reads counters by, in the order they are listed.
    pub const FIELDS: &'static [&'static str] = &[
        "listen_overflows",
        "listen_drops",
        "reqq_full_do_cookies",
        "reqq_full_drop",
        "syncookies_sent",
        "syncookies_recv",
        "syncookies_failed",
        "defer_accept_drop",
        "udp_rcvbuf_errors",
        "udp_in_errors",
        "udp_no_ports",
        "udp_sndbuf_errors",
    ];

    /// A counter by its `expect` name (one of [`Counters::FIELDS`]).
    pub fn field(&self, name: &str) -> Option<u64> {
        Some(match name {
            "listen_overflows" => self.listen_overflows,
            "listen_drops" => self.listen_drops,
            "reqq_full_do_cookies" => self.reqq_full_do_cookies,
            "reqq_full_drop" => self.reqq_full_drop,
            "syncookies_sent" => self.syncookies_sent,
            "syncookies_recv" => self.syncookies_recv,
            "syncookies_failed" => self.syncookies_failed,
            "defer_accept_drop" => self.defer_accept_drop,
            "udp_rcvbuf_errors" => self.udp.rcvbuf_errors,
            "udp_in_errors" => self.udp.in_errors,
            "udp_no_ports" => self.udp.no_ports,
            "udp_sndbuf_errors" => self.udp.sndbuf_errors,
            _ => return None,
        })
    }

    /// The live counters of this network namespace.
    pub fn live() -> Option<Counters> {
        let mut c = Counters::parse(&std::fs::read_to_string("/proc/net/netstat").ok()?)?;
        c.udp = super::udp::UdpCounters::live().unwrap_or_default();
        Some(c)
    }

    /// The change from `base` to `self`.
    pub fn since(self, base: Counters) -> Counters {
        Counters {
            listen_overflows: self.listen_overflows.saturating_sub(base.listen_overflows),
            listen_drops: self.listen_drops.saturating_sub(base.listen_drops),
            reqq_full_do_cookies: self
                .reqq_full_do_cookies
                .saturating_sub(base.reqq_full_do_cookies),
            reqq_full_drop: self.reqq_full_drop.saturating_sub(base.reqq_full_drop),
            syncookies_sent: self.syncookies_sent.saturating_sub(base.syncookies_sent),
            syncookies_recv: self.syncookies_recv.saturating_sub(base.syncookies_recv),
            syncookies_failed: self
                .syncookies_failed
                .saturating_sub(base.syncookies_failed),
            defer_accept_drop: self
                .defer_accept_drop
                .saturating_sub(base.defer_accept_drop),
            udp: self.udp.since(base.udp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_netstat() {
        let text = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\n\
                    TcpExt: 0 12 15\n\
                    IpExt: InNoRoutes\nIpExt: 0\n";
        let c = Counters::parse(text).unwrap();
        assert_eq!((c.listen_overflows, c.listen_drops), (12, 15));
        let base = Counters {
            listen_overflows: 10,
            listen_drops: 10,
            ..Counters::default()
        };
        assert_eq!(c.since(base).listen_drops, 5);
        assert_eq!(c.syncookies_sent, 0);
        assert_eq!(Counters::parse("nothing"), None);
    }

    #[test]
    fn reads_the_live_settings() {
        let s = System::live();
        let somaxconn: u64 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(s.somaxconn, Some(somaxconn));
        assert!(s.tcp_rmem.is_some() && s.rmem_max.is_some());
        assert!(Counters::live().is_some());
    }
}
