//! TCP_DEFER_ACCEPT on a listener: the kernel keeps each handshake in
//! SYN-RECV, dropping the client's bare final ACK, until data arrives.
//!
//! The kernel stores the time as a count of SYN-ACK retransmits (1 s, 2 s,
//! 4 s… apart), so it reads back as the time those take: 5 s becomes 7 s.

use std::io;
use std::os::fd::AsFd;

use socket2::Socket;

use crate::sys::sockopt;

/// Sets TCP_DEFER_ACCEPT to `secs` seconds (0 turns it off).
pub(crate) fn set(sock: &Socket, secs: u64) -> io::Result<()> {
    let value = libc::c_int::try_from(secs).unwrap_or(libc::c_int::MAX);
    sockopt::set_int(
        sock.as_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_DEFER_ACCEPT,
        value,
    )
}

/// TCP_DEFER_ACCEPT as the kernel holds it, in seconds.
pub(crate) fn get(sock: &Socket) -> io::Result<u32> {
    let value = sockopt::int(sock.as_fd(), libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT)?;
    Ok(u32::try_from(value).unwrap_or(0))
}

/// "; defer_accept 5s → 7s: …" for the result of `listen`.
pub(crate) fn describe(asked: u64, held: u32) -> String {
    if asked == 0 {
        return "; defer_accept off".into();
    }
    let kept = if u64::from(held) == asked {
        format!("{held}s")
    } else {
        format!("{asked}s → {held}s (the kernel counts SYN-ACK retransmits)")
    };
    format!(
        "; defer_accept {kept}: each handshake stays SYN-RECV here until the client sends data, or that long has passed"
    )
}
