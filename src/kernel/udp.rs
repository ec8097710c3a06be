//! The Udp counters of /proc/net/snmp, which count the datagrams lost
//! (the notes on a UDP socket's figures are in `notes.rs`, with the rest).

/// The UDP counters (`Udp:` in /proc/net/snmp) that count datagrams lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct UdpCounters {
    /// Datagrams dropped because a socket's receive buffer was full.
    #[serde(rename = "UdpRcvbufErrors")]
    pub rcvbuf_errors: u64,
    /// Datagrams that could not be delivered (receive-buffer drops included).
    #[serde(rename = "UdpInErrors")]
    pub in_errors: u64,
    /// Datagrams to a port where no socket was bound (answered with an ICMP
    /// port unreachable).
    #[serde(rename = "UdpNoPorts")]
    pub no_ports: u64,
    /// Datagrams not sent because the send buffer was full.
    #[serde(rename = "UdpSndbufErrors")]
    pub sndbuf_errors: u64,
}

impl UdpCounters {
    /// Parses /proc/net/snmp: a `Udp:` line of names, then one of values.
    pub fn parse(snmp: &str) -> Option<UdpCounters> {
        let mut lines = snmp.lines().filter(|l| l.starts_with("Udp:"));
        let names: Vec<&str> = lines.next()?.split_whitespace().collect();
        let values: Vec<&str> = lines.next()?.split_whitespace().collect();
        let get = |name: &str| -> Option<u64> {
            let i = names.iter().position(|n| *n == name)?;
            values.get(i)?.parse().ok()
        };
        Some(UdpCounters {
            rcvbuf_errors: get("RcvbufErrors")?,
            in_errors: get("InErrors")?,
            no_ports: get("NoPorts")?,
            sndbuf_errors: get("SndbufErrors")?,
        })
    }

    /// The live counters of this network namespace.
    pub fn live() -> Option<UdpCounters> {
        UdpCounters::parse(&std::fs::read_to_string("/proc/net/snmp").ok()?)
    }

    /// The change from `base` to `self`.
    pub fn since(self, base: UdpCounters) -> UdpCounters {
        UdpCounters {
            rcvbuf_errors: self.rcvbuf_errors.saturating_sub(base.rcvbuf_errors),
            in_errors: self.in_errors.saturating_sub(base.in_errors),
            no_ports: self.no_ports.saturating_sub(base.no_ports),
            sndbuf_errors: self.sndbuf_errors.saturating_sub(base.sndbuf_errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_snmp() {
        let text = "Ip: Forwarding DefaultTTL\nIp: 1 64\n\
                    Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors\n\
                    Udp: 32 4 197 234 197 1 0\n\
                    UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n\
                    UdpLite: 0 0 0 0 0 0\n";
        let c = UdpCounters::parse(text).unwrap();
        assert_eq!(
            (c.rcvbuf_errors, c.in_errors, c.no_ports, c.sndbuf_errors),
            (197, 197, 4, 1)
        );
        let base = UdpCounters {
            in_errors: 100,
            ..c
        };
        assert_eq!(c.since(base).in_errors, 97);
        assert_eq!(c.since(base).no_ports, 0);
        assert_eq!(UdpCounters::parse("Ip: 1\n"), None);
        assert!(UdpCounters::live().is_some());
    }
}
