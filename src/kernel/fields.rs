//! The fields of a socket's kernel view that `expect` checks: one table of
//! names, each with how it is read from a [`SockView`], so that a name
//! cannot be accepted without a way to read it, nor read without a name.

use super::snapshot::SockView;

/// A field of the kernel view, as `expect` names and reads it.
pub struct Field {
    /// Its name in `expect S NAME=VALUE`.
    pub name: &'static str,
    /// What it is, in a few words.
    pub about: &'static str,
    /// Its value as `expect` compares it; `None` when it does not apply.
    read: fn(&SockView) -> Option<String>,
}

impl Field {
    /// The field's value in a socket's view.
    pub fn read(&self, view: &SockView) -> Option<String> {
        (self.read)(view)
    }
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|v| v.to_string())
}

/// A figure that is `null` when unset, rather than absent.
fn or_null<T: ToString>(v: Option<T>) -> Option<String> {
    Some(text(v).unwrap_or_else(|| "null".into()))
}

fn on_off(b: bool) -> String {
    if b { "on" } else { "off" }.to_string()
}

/// Every field, in the order help lists them.
pub const FIELDS: &[Field] = &[
    Field {
        name: "state",
        about: "TCP state (LISTEN, SYN-SENT, ESTABLISHED…); UDP: UNCONN or ESTABLISHED",
        read: |v| Some(v.state.name().to_string()),
    },
    Field {
        name: "role",
        about: "listener, client, accepted, queued, syn-recv or udp",
        read: |v| Some(v.role.word().to_string()),
    },
    Field {
        name: "local",
        about: "local address",
        read: |v| text(v.local),
    },
    Field {
        name: "peer",
        about: "peer address",
        read: |v| text(v.peer),
    },
    Field {
        name: "local_port",
        about: "local port",
        read: |v| text(v.local.map(|a| a.port())),
    },
    Field {
        name: "peer_port",
        about: "peer port",
        read: |v| text(v.peer.map(|a| a.port())),
    },
    Field {
        name: "accept_queue",
        about: "listener: connections waiting to be accepted",
        read: |v| text(v.accept_queue()),
    },
    Field {
        name: "accept_queue_max",
        about: "listener: the effective backlog",
        read: |v| text(v.accept_queue_max()),
    },
    Field {
        name: "backlog",
        about: "listener: the backlog passed to listen()",
        read: |v| text(v.backlog()),
    },
    Field {
        name: "syn_recv",
        about: "listener: half-open connections held",
        read: |v| text(v.syn_recv()),
    },
    Field {
        name: "recvq",
        about: "bytes received, not yet read",
        read: |v| text(v.recvq()),
    },
    Field {
        name: "sendq",
        about: "bytes sent, not yet acknowledged",
        read: |v| text(v.sendq()),
    },
    Field {
        name: "notsent",
        about: "of sendq, bytes not yet sent at all",
        read: |v| text(v.notsent()),
    },
    Field {
        name: "rcvbuf",
        about: "effective receive buffer (SO_RCVBUF)",
        read: |v| text(v.rcvbuf()),
    },
    Field {
        name: "sndbuf",
        about: "effective send buffer (SO_SNDBUF)",
        read: |v| text(v.sndbuf()),
    },
    Field {
        name: "rcv_mem",
        about: "memory charged to the receive buffer: data plus the kernel's bookkeeping for each packet; full at rcvbuf",
        read: |v| text(v.rcv_mem()),
    },
    Field {
        name: "snd_mem",
        about: "memory charged to the send buffer: data plus the kernel's bookkeeping for each packet; full at sndbuf",
        read: |v| text(v.snd_mem()),
    },
    Field {
        name: "rcvbuf_asked",
        about: "receive buffer asked for, or null",
        read: |v| or_null(v.rcvbuf_asked()),
    },
    Field {
        name: "sndbuf_asked",
        about: "send buffer asked for, or null",
        read: |v| or_null(v.sndbuf_asked()),
    },
    Field {
        name: "timeout",
        about: "timeout mode, read back from the socket",
        read: |v| text(v.timeout()),
    },
    Field {
        name: "bytes_sent",
        about: "bytes the application sent",
        read: |v| text(v.bytes_sent()),
    },
    Field {
        name: "bytes_received",
        about: "bytes the application received",
        read: |v| text(v.bytes_received()),
    },
    Field {
        name: "snd_wnd",
        about: "the window the peer advertises, bytes",
        read: |v| text(v.tcp().and_then(|t| t.snd_wnd)),
    },
    Field {
        name: "rcv_wnd",
        about: "the window this end advertises, bytes",
        read: |v| text(v.tcp().and_then(|t| t.rcv_wnd)),
    },
    Field {
        name: "rcv_wscale",
        about: "receive window scale",
        read: |v| text(v.tcp().map(|t| t.rcv_wscale)),
    },
    Field {
        name: "snd_wscale",
        about: "send window scale",
        read: |v| text(v.tcp().map(|t| t.snd_wscale)),
    },
    Field {
        name: "rtt_us",
        about: "smoothed round-trip time, µs",
        read: |v| text(v.tcp().map(|t| t.rtt_us)),
    },
    Field {
        name: "rtt",
        about: "smoothed round-trip time as the selected pane writes it (101ms)",
        read: |v| v.tcp().map(|t| super::snapshot::rtt_text(t.rtt_us)),
    },
    Field {
        name: "cwnd",
        about: "congestion window, segments",
        read: |v| text(v.tcp().map(|t| t.cwnd)),
    },
    Field {
        name: "congestion",
        about: "congestion control algorithm (cubic, bbr, reno…)",
        read: |v| text(v.tcp().and_then(|t| t.congestion)),
    },
    Field {
        name: "retrans",
        about: "retransmissions in all",
        read: |v| text(v.tcp().map(|t| t.retrans)),
    },
    Field {
        name: "dsack_dups",
        about: "segments the peer reported receiving twice, from its D-SACKs: resent though they had arrived (tcpi_dsack_dups)",
        read: |v| text(v.tcp().and_then(|t| t.dsack_dups)),
    },
    Field {
        name: "syn_queue_limit",
        about: "listener: the most SYN-RECV entries the kernel keeps",
        read: |v| text(v.syn_queue().map(|q| q.syn_queue_limit)),
    },
    Field {
        name: "syn_queue_past_limit",
        about: "listener: what a SYN past the SYN queue meets (cookies, drop)",
        read: |v| {
            v.syn_queue()
                .map(|q| q.syn_queue_past_limit.word().to_string())
        },
    },
    Field {
        name: "defer_accept",
        about: "listener: TCP_DEFER_ACCEPT in seconds, or off",
        read: |v| {
            v.syn_queue()
                .map(|q| text(q.defer_accept).unwrap_or_else(|| "off".into()))
        },
    },
    Field {
        name: "synack_retrans",
        about: "SYN-RECV entry: how often its SYN-ACK was sent again",
        read: |v| text(v.half_open().map(|h| h.synack_retrans)),
    },
    Field {
        name: "rcvtimeo",
        about: "SO_RCVTIMEO as the kernel holds it (500ms, or off)",
        read: |v| v.rcvtimeo().map(super::snapshot::kernel_timeout_text),
    },
    Field {
        name: "sndtimeo",
        about: "SO_SNDTIMEO as the kernel holds it (500ms, or off)",
        read: |v| v.sndtimeo().map(super::snapshot::kernel_timeout_text),
    },
    Field {
        name: "probes",
        about: "keepalive or zero-window probes sent and not answered (tcpi_probes)",
        read: |v| text(v.tcp().map(|t| t.probes)),
    },
    Field {
        name: "backoff",
        about: "how often the retransmission timer has doubled (tcpi_backoff)",
        read: |v| text(v.tcp().map(|t| t.backoff)),
    },
    Field {
        name: "nodelay",
        about: "TCP_NODELAY: on (Nagle off) or off",
        read: |v| v.options().map(|o| on_off(o.nodelay)),
    },
    Field {
        name: "cork",
        about: "TCP_CORK: on or off",
        read: |v| v.options().map(|o| on_off(o.cork)),
    },
    Field {
        name: "keepalive",
        about: "SO_KEEPALIVE: on or off",
        read: |v| v.options().map(|o| on_off(o.keepalive)),
    },
    Field {
        name: "keepidle",
        about: "TCP_KEEPIDLE: idle time before the first probe (tcp_keepalive_time unless set)",
        read: |v| v.options().map(|o| format!("{}s", o.keepidle)),
    },
    Field {
        name: "keepintvl",
        about: "TCP_KEEPINTVL: time between probes (tcp_keepalive_intvl unless set)",
        read: |v| v.options().map(|o| format!("{}s", o.keepintvl)),
    },
    Field {
        name: "keepcnt",
        about: "TCP_KEEPCNT: unanswered probes before the kernel gives up (tcp_keepalive_probes unless set)",
        read: |v| text(v.options().map(|o| o.keepcnt)),
    },
    Field {
        name: "user_timeout",
        about: "TCP_USER_TIMEOUT (3s, or off)",
        read: |v| {
            v.options()
                .map(|o| super::snapshot::kernel_timeout_text(o.user_timeout))
        },
    },
    Field {
        name: "reuseaddr",
        about: "SO_REUSEADDR: on or off (a TIME-WAIT entry keeps its socket's)",
        read: |v| v.reuseaddr.map(on_off),
    },
    Field {
        name: "time_wait",
        about: "TIME-WAIT: time left before the kernel lets the entry go (57.3s)",
        read: |v| {
            v.time_wait_ms
                .map(|ms| format!("{:.1}s", f64::from(ms) / 1000.0))
        },
    },
    Field {
        name: "drops",
        about: "UDP: datagrams dropped while the receive buffer was full",
        read: |v| text(v.drops()),
    },
];

impl SockView {
    /// A field as `expect` compares it; `None` when it does not apply or
    /// there is no such field (see [`FIELDS`]).
    pub fn field(&self, name: &str) -> Option<String> {
        find(name)?.read(self)
    }
}

/// The field of that name.
pub fn find(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The names of every field, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|f| f.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut seen: Vec<&str> = names().collect();
        seen.sort_unstable();
        let n = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), n);
    }
}
