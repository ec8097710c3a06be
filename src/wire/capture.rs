//! The capture socket: AF_PACKET on the loopback, the BPF filter attached
//! before it is bound (so nothing unfiltered is kept), frames read from a
//! ring shared with the kernel, and the kernel's count of frames it had to
//! drop.

use std::collections::BTreeSet;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::filter;
use super::ring::{self, BLOCKS_WHOLE, Block, Ring};

/// `PACKET_IGNORE_OUTGOING` (linux/if_packet.h).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;

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
    // Unmapped before the socket closes.
    ring: Ring,
    sock: Socket,
    snaplen: u32,
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
    /// Opens the capture socket on the loopback, keeping the lab's ports
    /// and `snaplen` bytes of each frame.
    pub fn open(ports: &BTreeSet<u16>, snaplen: u32) -> Result<Capture, CaptureError> {
        let sock =
            Socket::new(Domain::PACKET, Type::RAW, Some(Protocol::from(0))).map_err(|e| match e
                .raw_os_error()
            {
                Some(libc::EPERM) | Some(libc::EACCES) => CaptureError::NotPermitted,
                _ => CaptureError::Io(e),
            })?;
        // Made with protocol 0, the socket sees no frame until it is bound
        // below: by then the ring and the filter are in place.
        let blocks = if snaplen <= filter::SNAPLEN {
            let mtu = crate::sys::loopback::mtu().ok();
            ring::blocks_for_headers(mtu.and_then(|m| u32::try_from(m).ok()))
        } else {
            BLOCKS_WHOLE
        };
        let ring = Ring::attach(sock.as_fd(), blocks)?;
        // Every loopback packet passes the taps twice, leaving and arriving.
        // The filter keeps the arriving copy; told so here, the kernel does
        // not even clone the leaving one for this socket (Linux 4.20 and
        // later; before, the filter drops it).
        let _ = ring::setsockopt(sock.as_fd(), PACKET_IGNORE_OUTGOING, &1 as &libc::c_int);
        let cap = Capture {
            ring,
            sock,
            snaplen,
        };
        cap.set_ports(ports)?;
        let sll = libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: eth_p_all(),
            sll_ifindex: crate::sys::loopback::index()? as libc::c_int,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 0,
            sll_addr: [0; 8],
        };
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

    /// How many bytes of each frame it keeps.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    /// Replaces the filter with one for these ports (the kernel swaps it
    /// at once; frames already queued stay).
    pub fn set_ports(&self, ports: &BTreeSet<u16>) -> io::Result<()> {
        let program = filter::program(ports, self.snaplen);
        self.sock.attach_filter(&filter::to_sock_filter(&program))
    }

    /// The next block of frames, waiting for one at most `wait`; `None`
    /// when none came. Read its frames, then drop it to give it back.
    pub fn next_block(&self, wait: Duration) -> io::Result<Option<Block<'_>>> {
        self.ring.next_block(self.sock.as_fd(), wait)
    }

    /// PACKET_STATISTICS since the last read.
    pub fn stats(&self) -> io::Result<KernelStats> {
        // The ring's version of the counters also counts how often the
        // kernel found every block full (not used here).
        let mut st = libc::tpacket_stats_v3 {
            tp_packets: 0,
            tp_drops: 0,
            tp_freeze_q_cnt: 0,
        };
        let mut len = std::mem::size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
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
