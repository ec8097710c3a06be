//! Setting socket options and reading back what the kernel made of them.

use std::io;
use std::os::fd::AsFd;
use std::time::Duration;

use socket2::Socket;

use super::command::{SockOpts, TimeoutMode};

/// A buffer size: what was asked and what the kernel reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufSize {
    /// What the user asked for, if they did.
    pub asked: Option<u64>,
    /// What `getsockopt` reads back (doubled, floored or capped by the kernel).
    pub effective: u64,
}

/// Sets the buffer sizes that were asked for. Called before `bind`/`connect`
/// so that the receive buffer shapes the window scale.
pub(crate) fn apply_buffers(sock: &Socket, opts: &SockOpts) -> io::Result<()> {
    if let Some(n) = opts.rcvbuf {
        sock.set_recv_buffer_size(clamp_int(n))?;
    }
    if let Some(n) = opts.sndbuf {
        sock.set_send_buffer_size(clamp_int(n))?;
    }
    Ok(())
}

/// Sets the timeout mode, the kernel's time-outs and the TCP options
/// (Nagle, cork, keepalive, …) that were asked for.
pub(crate) fn apply_mode(sock: &Socket, opts: &SockOpts) -> io::Result<()> {
    if let Some(mode) = opts.timeout {
        set_timeout_mode(sock, mode)?;
    }
    if let Some(d) = opts.rcvtimeo {
        sock.set_read_timeout((!d.is_zero()).then_some(d))?;
    }
    if let Some(d) = opts.sndtimeo {
        sock.set_write_timeout((!d.is_zero()).then_some(d))?;
    }
    super::tcp_opts::apply(sock, opts)
}

fn clamp_int(n: u64) -> usize {
    n.min(i32::MAX as u64) as usize
}

/// Puts the socket in a timeout mode the way CPython's `settimeout` does:
/// only O_NONBLOCK changes in the kernel. A time-out is non-blocking there
/// too; the waiting up to it is the lab's own `poll()`, as it is Python's.
/// SO_RCVTIMEO and SO_SNDTIMEO are left as they are.
pub(crate) fn set_timeout_mode(sock: &Socket, mode: TimeoutMode) -> io::Result<()> {
    sock.set_nonblocking(mode != TimeoutMode::Blocking)
}

/// The timeout mode of a socket: O_NONBLOCK as the kernel holds it, read
/// as a time-out when one was `asked` (the time-out itself lives in the
/// program, as in Python, not in the kernel).
pub fn read_timeout_mode(sock: &Socket, asked: Option<TimeoutMode>) -> io::Result<TimeoutMode> {
    if !sock.nonblocking()? {
        return Ok(TimeoutMode::Blocking);
    }
    Ok(match asked {
        Some(TimeoutMode::Timeout(d)) => TimeoutMode::Timeout(d),
        _ => TimeoutMode::NonBlocking,
    })
}

/// SO_RCVTIMEO and SO_SNDTIMEO as the kernel holds them (rounded to its
/// tick: 250 ms reads back 252 ms); `None` when off.
pub fn read_kernel_timeouts(sock: &Socket) -> (Option<Duration>, Option<Duration>) {
    (
        sock.read_timeout().ok().flatten(),
        sock.write_timeout().ok().flatten(),
    )
}

/// `250ms`, or `off` for zero: a kernel time-out as the command language writes it.
pub(crate) fn kernel_timeout_word(d: Duration) -> String {
    if d.is_zero() {
        "off".into()
    } else {
        super::command::format_duration(d)
    }
}

/// "SO_RCVTIMEO 250ms → 252ms" for each kernel time-out that was asked:
/// what was asked and what the kernel holds (rounded to its tick).
pub(crate) fn describe_kernel_timeouts(
    opts: &SockOpts,
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
) -> String {
    [
        ("SO_RCVTIMEO", opts.rcvtimeo, rcvtimeo),
        ("SO_SNDTIMEO", opts.sndtimeo, sndtimeo),
    ]
    .iter()
    .filter_map(|(what, asked, held)| {
        let asked = (*asked)?;
        let held = held.map_or_else(|| "off".to_string(), kernel_timeout_word);
        let asked = kernel_timeout_word(asked);
        Some(if asked == held {
            format!("{what} {held}")
        } else {
            format!("{what} {asked} → {held}")
        })
    })
    .collect::<Vec<_>>()
    .join("; ")
}

/// The effective buffer sizes, read back with `getsockopt`.
pub(crate) fn read_buffers(sock: &Socket) -> io::Result<(u64, u64)> {
    Ok((
        sock.recv_buffer_size()? as u64,
        sock.send_buffer_size()? as u64,
    ))
}

/// The socket's inode, which sock_diag reports for sockets a process holds.
pub(crate) fn inode(sock: &Socket) -> u64 {
    rustix::fs::fstat(sock).map_or(0, |st| st.st_ino)
}

/// The TCP state (`tcpi_state`, the kernel's `TCP_ESTABLISHED` … numbering)
/// from TCP_INFO, or `None` when the socket cannot say.
pub(crate) fn tcp_state(sock: &Socket) -> Option<u8> {
    crate::sys::sockopt::tcp_state(sock.as_fd()).ok()
}
