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
            udp: super::udp::UdpCounters::default(),
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
