//! The capture socket: AF_PACKET on the loopback, the BPF filter attached
//! before it is bound (so nothing unfiltered is queued), kernel timestamps,
//! and the kernel's count of frames it had to drop.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use socket2::{Domain, Protocol, Socket, Type};

use super::filter;

/// `ETH_P_ALL` in network byte order, as AF_PACKET wants it.
fn eth_p_all() -> u16 {
    (libc::ETH_P_ALL as u16).to_be()
}

/// What to tell someone whose capture could not open.
pub const NO_CAPTURE_HINT: &str = "capture needs CAP_NET_RAW: run as root, `sudo setcap cap_net_raw+ep sockplay`, or `sockplay --netns`";

/// Why the capture could not start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// No CAP_NET_RAW here.
    #[error("{NO_CAPTURE_HINT}")]
    NotPermitted,
    /// Anything else the kernel refused.
    #[error("cannot capture on the loopback: {0}")]
    Io(#[from] io::Error),
}

/// A capture socket on `lo`.
pub struct Capture {
    sock: Socket,
}

/// The counters of PACKET_STATISTICS (read and reset by the kernel).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct KernelStats {
    /// Frames that passed the filter.
    pub packets: u64,
    /// Of those, frames dropped because the socket's buffer was full.
    pub drops: u64,
}

impl Capture {
    /// Opens the capture socket on the loopback, keeping the lab's ports.
    pub fn open(ports: &BTreeSet<u16>) -> Result<Capture, CaptureError> {
        let sock =
            Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0))).map_err(|e| match e
                .raw_os_error()
            {
                Some(libc::EPERM) | Some(libc::EACCES) => CaptureError::NotPermitted,
                _ => CaptureError::Io(e),
            })?;
        let cap = Capture { sock };
        cap.set_ports(ports)?;
        // Room for bursts: SO_RCVBUFFORCE past rmem_max where allowed.
        let want: libc::c_int = 32 << 20;
        if setsockopt_int(&cap.sock, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, want).is_err() {
            let _ = cap.sock.set_recv_buffer_size(want as usize);
        }
        setsockopt_int(&cap.sock, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
        cap.sock.set_read_timeout(Some(Duration::from_millis(50)))?;
        let ifindex = loopback_index()?;
        // SAFETY: sockaddr_ll is plain data; zeroes are a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = eth_p_all();
        sll.sll_ifindex = ifindex;
        // SAFETY: `sll` is a valid sockaddr_ll that lives for the call.
        let r = unsafe {
            libc::bind(
                cap.sock.as_raw_fd(),
                (&raw const sll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error().into());
        }
        Ok(cap)
    }

    /// Replaces the filter with one for these ports (the kernel swaps it
    /// at once; frames already queued stay).
    pub fn set_ports(&self, ports: &BTreeSet<u16>) -> io::Result<()> {
        let program = filter::program(ports);
        self.sock.attach_filter(&filter::to_sock_filter(&program))
    }

    /// Reads one frame into `buf`: its length on the wire and the kernel's
    /// time stamp. `None` when the read timed out.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<Option<(usize, usize, SystemTime)>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut control = [0u64; 16];
        // SAFETY: msghdr is plain data; zeroes are a valid value.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        // SAFETY: msg points at iov, buf and control, which live for the call.
        let n = unsafe { libc::recvmsg(self.sock.as_raw_fd(), &mut msg, libc::MSG_TRUNC) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        let wire_len = n as usize;
        let mut stamp = SystemTime::now();
        // SAFETY: msg was filled by recvmsg; the CMSG macros walk its control buffer.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SO_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    stamp = UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok(Some((wire_len.min(buf.len()), wire_len, stamp)))
    }

    /// PACKET_STATISTICS since the last read.
    pub fn stats(&self) -> io::Result<KernelStats> {
        let mut st = libc::tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: st and len live for the call and have the sizes given.
        let r = unsafe {
            libc::getsockopt(
                self.sock.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&raw mut st).cast(),
                &mut len,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(KernelStats {
            packets: u64::from(st.tp_packets),
            drops: u64::from(st.tp_drops),
        })
    }
}

fn setsockopt_int(
    sock: &Socket,
    level: libc::c_int,
    name: libc::c_int,
    v: libc::c_int,
) -> io::Result<()> {
    // SAFETY: v lives for the call and is an int, as these options take.
    let r = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (&raw const v).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The loopback's interface index.
fn loopback_index() -> io::Result<libc::c_int> {
    // SAFETY: the name is a NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    if i == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(i as libc::c_int)
}
