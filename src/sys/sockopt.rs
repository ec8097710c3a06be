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

/// Room for `struct tcp_info` as this kernel or a newer one writes it
/// (the kernel writes no more than it is given).
const TCP_INFO_ROOM: usize = 256;

/// `struct tcp_info` as the kernel wrote it, and how many bytes it wrote.
fn tcp_info(fd: BorrowedFd<'_>) -> io::Result<([u8; TCP_INFO_ROOM], usize)> {
    let mut info = [0u8; TCP_INFO_ROOM];
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
    Ok((info, len as usize))
}

/// The TCP state (`tcpi_state`, the kernel's `TCP_ESTABLISHED` … numbering,
/// the first byte of TCP_INFO).
pub fn tcp_state(fd: BorrowedFd<'_>) -> io::Result<u8> {
    tcp_info(fd).map(|(info, _)| info[0])
}

/// What TCP_INFO counts of the segments a socket sent and received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpCounts {
    /// `tcpi_state`.
    pub state: u8,
    /// `tcpi_total_retrans`: segments sent again.
    pub retrans: u32,
    /// `tcpi_segs_out`: segments sent, the ones sent again included.
    pub segs_out: u32,
    /// `tcpi_segs_in`: segments received, a reset included.
    pub segs_in: u32,
}

/// Where `struct tcp_info` keeps `tcpi_total_retrans`.
const TOTAL_RETRANS: usize = 100;
/// Where it keeps `tcpi_segs_out` (Linux 4.2 and later), then `tcpi_segs_in`.
const SEGS_OUT: usize = 136;
const SEGS_IN: usize = 140;

/// The segments a TCP socket sent and received, from TCP_INFO; an error
/// on a kernel too old to count them.
pub fn tcp_counts(fd: BorrowedFd<'_>) -> io::Result<TcpCounts> {
    let (info, len) = tcp_info(fd)?;
    let at = |i: usize| {
        (i + 4 <= len)
            .then(|| u32::from_ne_bytes([info[i], info[i + 1], info[i + 2], info[i + 3]]))
            .ok_or_else(|| io::Error::other("this kernel's TCP_INFO counts no segments"))
    };
    Ok(TcpCounts {
        state: info[0],
        retrans: at(TOTAL_RETRANS)?,
        segs_out: at(SEGS_OUT)?,
        segs_in: at(SEGS_IN)?,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_are_where_libc_puts_them() {
        use std::mem::offset_of;
        assert_eq!(
            TOTAL_RETRANS,
            offset_of!(libc::tcp_info, tcpi_total_retrans)
        );
        assert_eq!(SEGS_OUT, offset_of!(libc::tcp_info, tcpi_segs_out));
        assert_eq!(SEGS_IN, offset_of!(libc::tcp_info, tcpi_segs_in));
    }

    #[test]
    fn a_connection_on_loopback_counts_its_handshake() {
        use std::os::fd::AsFd;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let counts = tcp_counts(client.as_fd()).unwrap();
        // ESTABLISHED (1): the SYN and the ACK out, the SYN-ACK in.
        assert_eq!(counts.state, 1);
        assert_eq!((counts.segs_out, counts.segs_in, counts.retrans), (2, 1, 0));
    }
}
