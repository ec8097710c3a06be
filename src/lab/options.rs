//! Setting socket options and reading back what the kernel made of them.

use std::io;
use std::os::fd::AsRawFd;
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

/// Sets the timeout mode and TCP_NODELAY that were asked for.
pub(crate) fn apply_mode(sock: &Socket, opts: &SockOpts) -> io::Result<()> {
    if let Some(mode) = opts.timeout {
        set_timeout_mode(sock, mode)?;
    }
    if let Some(on) = opts.nodelay {
        sock.set_tcp_nodelay(on)?;
    }
    Ok(())
}

fn clamp_int(n: u64) -> usize {
    n.min(i32::MAX as u64) as usize
}

/// Puts the socket in a timeout mode, the way Python's `settimeout` does.
pub(crate) fn set_timeout_mode(sock: &Socket, mode: TimeoutMode) -> io::Result<()> {
    match mode {
        TimeoutMode::Blocking => {
            sock.set_nonblocking(false)?;
            sock.set_read_timeout(None)?;
            sock.set_write_timeout(None)
        }
        TimeoutMode::NonBlocking => {
            sock.set_read_timeout(None)?;
            sock.set_write_timeout(None)?;
            sock.set_nonblocking(true)
        }
        TimeoutMode::Timeout(d) => {
            sock.set_nonblocking(false)?;
            sock.set_read_timeout(Some(d))?;
            sock.set_write_timeout(Some(d))
        }
    }
}

/// The timeout mode as the kernel holds it: O_NONBLOCK, then SO_RCVTIMEO
/// (or SO_SNDTIMEO when only that is set).
pub fn read_timeout_mode(sock: &Socket) -> io::Result<TimeoutMode> {
    // SAFETY: F_GETFL on a descriptor we own has no memory effects.
    let flags = unsafe { libc::fcntl(sock.as_raw_fd(), libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::O_NONBLOCK != 0 {
        return Ok(TimeoutMode::NonBlocking);
    }
    let timeout: Option<Duration> = sock.read_timeout()?.or(sock.write_timeout()?);
    Ok(timeout.map_or(TimeoutMode::Blocking, TimeoutMode::Timeout))
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
    // SAFETY: fstat on a descriptor we own, into a zeroed struct.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(sock.as_raw_fd(), &mut st) == 0 {
            st.st_ino
        } else {
            0
        }
    }
}

/// The TCP state (`tcpi_state`, the kernel's `TCP_ESTABLISHED` … numbering)
/// from TCP_INFO, or `None` when the socket cannot say.
pub(crate) fn tcp_state(sock: &Socket) -> Option<u8> {
    let mut info = [0u8; std::mem::size_of::<libc::tcp_info>()];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `info`, which is
    // that long, and stores the length it wrote in `len`.
    let r = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            info.as_mut_ptr().cast(),
            &mut len,
        )
    };
    (r == 0 && len > 0).then_some(info[0])
}
