//! Kernel views built by hand for the screen tests: a socket as the
//! kernel reader builds it, and a snapshot of some.

use std::time::Duration;

use sockplay::kernel::{
    CounterScope, Counters, Snapshot, SockView, System, TcpState, TcpView, ViewRole,
};
use sockplay::lab::{SockName, TimeoutMode};

fn n(s: &str) -> SockName {
    s.parse().unwrap()
}

/// A lab socket's view as the kernel reader builds it, idle: buffers of
/// the usual sizes, nothing queued, a window of 64 KiB.
pub fn sock(
    id: Option<&str>,
    role: ViewRole,
    state: TcpState,
    local: &str,
    peer: Option<&str>,
) -> SockView {
    let mut v = SockView {
        id: id.map(n),
        local: Some(local.parse().unwrap()),
        peer: peer.map(|p| p.parse().unwrap()),
        ..SockView::bare(role, state)
    };
    v.set_recvq(Some(0));
    v.set_sendq(Some(0));
    v.set_notsent(Some(0));
    v.set_rcvbuf(Some(131_072));
    v.set_sndbuf(Some(16_384));
    v.set_rcv_mem(Some(0));
    v.set_snd_mem(Some(0));
    v.set_bytes_sent(Some(0));
    v.set_bytes_received(Some(0));
    v.set_timeout(Some(TimeoutMode::Blocking));
    v.set_tcp(Some(idle_tcp()));
    v
}

/// TCP_INFO of an idle loopback connection: windows of 64 KiB, scale 7,
/// an RTT of 30 µs, nothing resent.
pub fn idle_tcp() -> TcpView {
    TcpView {
        snd_wnd: Some(65_536),
        rcv_wnd: Some(65_536),
        rcv_wscale: 7,
        snd_wscale: 7,
        rtt_us: 30,
        cwnd: 10,
        retrans: 0,
        dsack_dups: Some(0),
        ..TcpView::default()
    }
}

/// A kernel view of `sockets` at 3 s, with `overflows` SYNs dropped by a
/// full accept queue, counted system-wide.
pub fn snapshot(sockets: Vec<SockView>, overflows: u64) -> Snapshot {
    Snapshot {
        t: Duration::from_secs(3),
        sockets,
        system: System::default(),
        counters: Counters {
            listen_overflows: overflows,
            listen_drops: overflows,
            ..Counters::default()
        },
        counters_scope: CounterScope::SystemWide,
        watch: None,
        link: None,
    }
}
