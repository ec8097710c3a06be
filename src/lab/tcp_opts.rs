//! TCP options beyond buffers and time-outs: Nagle (TCP_NODELAY), TCP_CORK,
//! TCP_QUICKACK, what finds a dead peer: SO_KEEPALIVE with TCP_KEEPIDLE,
//! TCP_KEEPINTVL and TCP_KEEPCNT, and TCP_USER_TIMEOUT, and the congestion
//! control (TCP_CONGESTION). Set as asked, read back as the kernel holds them.

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

use socket2::Socket;

use super::command::{SockOpts, format_duration};
use super::congestion::Congestion;
use crate::sys::sockopt;

/// These options as the kernel holds them on one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpOpts {
    /// TCP_NODELAY: Nagle's algorithm off.
    pub nodelay: bool,
    /// TCP_CORK: partial segments held back.
    pub cork: bool,
    /// SO_KEEPALIVE.
    pub keepalive: bool,
    /// TCP_KEEPIDLE: idle time before the first probe. Unset, the kernel
    /// answers with `net.ipv4.tcp_keepalive_time`.
    pub keepidle: Duration,
    /// TCP_KEEPINTVL: time between probes (`tcp_keepalive_intvl` unset).
    pub keepintvl: Duration,
    /// TCP_KEEPCNT: unanswered probes before giving up (`tcp_keepalive_probes` unset).
    pub keepcnt: u32,
    /// TCP_USER_TIMEOUT; `None` when off.
    pub user_timeout: Option<Duration>,
    /// TCP_CONGESTION: the congestion control (`cubic`, `bbr`).
    pub congestion: Option<Congestion>,
}

impl TcpOpts {
    /// How long a dead peer takes to find with keepalive: the idle time,
    /// then each probe's interval.
    pub fn keepalive_gives_up_after(&self) -> Duration {
        self.keepidle + self.keepintvl * self.keepcnt
    }

    /// `keepalive on: first probe after 1s idle, then every 1s, 2 unanswered
    /// end it (3s)`, or `keepalive off (if on: 7200s, 75s, 9)`.
    pub fn describe_keepalive(&self) -> String {
        let s = |d: Duration| format!("{}s", d.as_secs());
        if self.keepalive {
            format!(
                "keepalive on: first probe after {} idle, then every {}; {} unanswered end it ({})",
                s(self.keepidle),
                s(self.keepintvl),
                self.keepcnt,
                s(self.keepalive_gives_up_after())
            )
        } else {
            format!(
                "keepalive off (if on: probe after {} idle, every {}, {} probes)",
                s(self.keepidle),
                s(self.keepintvl),
                self.keepcnt
            )
        }
    }
}

fn int_opt(sock: &Socket, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    sockopt::int(sock.as_fd(), level, name)
}

fn set_int(sock: &Socket, level: libc::c_int, name: libc::c_int, v: u64) -> io::Result<()> {
    let v = libc::c_int::try_from(v).unwrap_or(libc::c_int::MAX);
    sockopt::set_int(sock.as_fd(), level, name, v)
}

/// Sets the options of this kind that were asked for, each as its own
/// setsockopt (so `keepidle=` alone does not turn keepalive on, as in C).
pub(crate) fn apply(sock: &Socket, opts: &SockOpts) -> io::Result<()> {
    if let Some(on) = opts.nodelay {
        sock.set_tcp_nodelay(on)?;
    }
    if let Some(d) = opts.keepidle {
        set_int(sock, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, d.as_secs())?;
    }
    if let Some(d) = opts.keepintvl {
        set_int(sock, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, d.as_secs())?;
    }
    if let Some(n) = opts.keepcnt {
        set_int(sock, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, u64::from(n))?;
    }
    if let Some(on) = opts.keepalive {
        sock.set_keepalive(on)?;
    }
    if let Some(d) = opts.user_timeout {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        set_int(sock, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT, ms)?;
    }
    if let Some(on) = opts.cork {
        sock.set_tcp_cork(on)?;
    }
    if let Some(on) = opts.quickack {
        sock.set_tcp_quickack(on)?;
    }
    // ENOENT: no such control on this kernel; EPERM: not in
    // net.ipv4.tcp_allowed_congestion_control, without CAP_NET_ADMIN.
    if let Some(cc) = opts.congestion {
        sock.set_tcp_congestion(cc.as_str().as_bytes())?;
    }
    Ok(())
}

/// Reads the options back; `None` for a socket that is not TCP.
pub(crate) fn read(sock: &Socket) -> Option<TcpOpts> {
    let tcp = |name| int_opt(sock, libc::IPPROTO_TCP, name).ok();
    let secs = |name| tcp(name).map(|s| Duration::from_secs(u64::try_from(s).unwrap_or(0)));
    Some(TcpOpts {
        nodelay: tcp(libc::TCP_NODELAY)? != 0,
        cork: tcp(libc::TCP_CORK)? != 0,
        keepalive: sock.keepalive().ok()?,
        keepidle: secs(libc::TCP_KEEPIDLE)?,
        keepintvl: secs(libc::TCP_KEEPINTVL)?,
        keepcnt: u32::try_from(tcp(libc::TCP_KEEPCNT)?).unwrap_or(0),
        user_timeout: tcp(libc::TCP_USER_TIMEOUT)
            .filter(|&ms| ms > 0)
            .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
        congestion: sock
            .tcp_congestion()
            .ok()
            .and_then(|b| Congestion::parse(&b)),
    })
}

/// The words of a `set` or a new socket's record for what was asked:
/// `keepalive on: … (3s); TCP_USER_TIMEOUT 3s; TCP_CORK on`.
pub(crate) fn describe(opts: &SockOpts, held: Option<&TcpOpts>) -> String {
    let Some(held) = held else {
        return String::new();
    };
    let mut parts = Vec::new();
    if opts.nodelay.is_some() {
        parts.push(format!(
            "TCP_NODELAY {}",
            if held.nodelay {
                "on: Nagle off"
            } else {
                "off: Nagle on"
            }
        ));
    }
    if opts.cork.is_some() {
        parts.push(format!("TCP_CORK {}", on_off(held.cork)));
    }
    match opts.quickack {
        Some(true) => {
            parts.push(
                "TCP_QUICKACK on: ACKs at once, until the kernel goes back to delaying them".into(),
            );
        }
        Some(false) => {
            parts.push("TCP_QUICKACK off: ACKs delayed, as for a request and reply".into())
        }
        None => {}
    }
    let keep = [
        opts.keepalive.is_some(),
        opts.keepidle.is_some(),
        opts.keepintvl.is_some(),
        opts.keepcnt.is_some(),
    ];
    if keep.iter().any(|k| *k) {
        parts.push(held.describe_keepalive());
    }
    if opts.user_timeout.is_some() {
        parts.push(match held.user_timeout {
            Some(d) => format!("TCP_USER_TIMEOUT {}", format_duration(d)),
            None => "TCP_USER_TIMEOUT off".into(),
        });
    }
    if opts.congestion.is_some()
        && let Some(cc) = held.congestion
    {
        parts.push(format!("TCP_CONGESTION {cc}"));
    }
    parts.join("; ")
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn congestion_is_set_and_read_back_from_the_kernel() {
        let sock = Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        // reno is in every kernel's allowed list, so any process may ask for it.
        let opts = SockOpts {
            congestion: Congestion::new("reno"),
            ..SockOpts::default()
        };
        apply(&sock, &opts).unwrap();
        let held = read(&sock).unwrap();
        assert_eq!(held.congestion, Congestion::new("reno"));
        assert_eq!(describe(&opts, Some(&held)), "TCP_CONGESTION reno");
        let bad = SockOpts {
            congestion: Congestion::new("nosuchcc"),
            ..SockOpts::default()
        };
        let err = apply(&sock, &bad).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT), "{err}");
    }
}
