//! Socket options that socket2 and rustix do not offer: an `int` option by
//! level and name (TCP_DEFER_ACCEPT, TCP_KEEPIDLE, …), the TCP state
//! from TCP_INFO, and the unacknowledged bytes of the send queue.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// An `int` socket option as the kernel holds it.
pub fn int(fd: BorrowedFd<'_>, level: libc::c_int, name: libc::c_int) -> io::Result<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` live for the call, and `len` holds the size
    // of `value`: getsockopt writes at most that many bytes into it.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &raw mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value)
}

/// Sets an `int` socket option.
pub fn set_int(
    fd: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: setsockopt reads the size of a c_int from `value`, which
    // lives for the call.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The TCP state (`tcpi_state`, the kernel's `TCP_ESTABLISHED` … numbering,
/// the first byte of TCP_INFO).
pub fn tcp_state(fd: BorrowedFd<'_>) -> io::Result<u8> {
    let mut info = [0u8; std::mem::size_of::<libc::tcp_info>()];
    let mut len = info.len() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `info`, which is
    // that long, and stores the length it wrote in `len`; both live for
    // the call.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            info.as_mut_ptr().cast(),
            &raw mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if len == 0 {
        return Err(io::Error::other("TCP_INFO came back empty"));
    }
    Ok(info[0])
}

/// The bytes in a TCP socket's send queue, sent or not, that its peer has
/// not acknowledged (TIOCOUTQ, `ss`'s Send-Q).
pub fn outq(fd: BorrowedFd<'_>) -> io::Result<u32> {
    let mut value: libc::c_int = 0;
    // SAFETY: TIOCOUTQ writes one c_int through the pointer, and `value`
    // lives for the call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCOUTQ, &raw mut value) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(u32::try_from(value).unwrap_or(0))
}
