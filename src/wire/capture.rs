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

/// How many frames one read takes at most.
pub const BATCH: usize = 64;

/// A frame's length as kept and as it was on the wire, and when the
/// kernel saw it.
#[derive(Debug, Clone, Copy)]
pub struct FrameMeta {
    /// Bytes kept in the buffer.
    pub kept: usize,
    /// Bytes on the wire.
    pub wire_len: usize,
    /// The kernel's time stamp.
    pub stamp: SystemTime,
}

/// Buffers for one read of up to [`BATCH`] frames.
pub struct Batch {
    frames: Vec<Vec<u8>>,
    controls: Vec<[u64; 8]>,
    meta: Vec<FrameMeta>,
}

impl Batch {
    /// Buffers for frames of up to `snaplen` bytes.
    pub fn new(snaplen: u32) -> Self {
        Batch {
            frames: vec![vec![0u8; snaplen as usize]; BATCH],
            controls: vec![[0u64; 8]; BATCH],
            meta: vec![
                FrameMeta {
                    kept: 0,
                    wire_len: 0,
                    stamp: UNIX_EPOCH,
                };
                BATCH
            ],
        }
    }
}

impl Batch {
    /// Frame `i` of the last read: its bytes and what is known of it.
    pub fn frame(&self, i: usize) -> (&[u8], FrameMeta) {
        let m = self.meta[i];
        (&self.frames[i][..m.kept], m)
    }
}

/// A capture socket on `lo`.
pub struct Capture {
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
        let cap = Capture { sock, snaplen };
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

    /// Reads the frames queued now, up to [`BATCH`] in one `recvmmsg`,
    /// waiting for the first at most the read time-out. Returns how many
    /// `batch` holds; 0 when the wait timed out.
    pub fn read_batch(&self, batch: &mut Batch) -> io::Result<usize> {
        let n = batch.frames.len();
        let mut iovs: Vec<libc::iovec> = batch
            .frames
            .iter_mut()
            .map(|f| libc::iovec {
                iov_base: f.as_mut_ptr().cast(),
                iov_len: f.len(),
            })
            .collect();
        let mut hdrs: Vec<libc::mmsghdr> = iovs
            .iter_mut()
            .zip(batch.controls.iter_mut())
            .map(|(iov, control)| {
                // SAFETY: mmsghdr is plain data; zeroes are a valid value.
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_iov = iov;
                h.msg_hdr.msg_iovlen = 1;
                h.msg_hdr.msg_control = control.as_mut_ptr().cast();
                h.msg_hdr.msg_controllen = std::mem::size_of_val(control);
                h
            })
            .collect();
        // SAFETY: hdrs points at iovs, the frames and the control buffers,
        // all of which live for the call; n is hdrs' length.
        let got = unsafe {
            libc::recvmmsg(
                self.sock.as_raw_fd(),
                hdrs.as_mut_ptr(),
                n as libc::c_uint,
                libc::MSG_TRUNC | libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if got < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(0),
                _ => Err(e),
            };
        }
        let got = got as usize;
        for (i, h) in hdrs.iter().take(got).enumerate() {
            let wire_len = h.msg_len as usize;
            let mut stamp = SystemTime::now();
            // SAFETY: recvmmsg filled this header; the CMSG macros walk its
            // control buffer, which is still alive.
            unsafe {
                let mut c = libc::CMSG_FIRSTHDR(&h.msg_hdr);
                while !c.is_null() {
                    if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SO_TIMESTAMPNS
                    {
                        let ts: libc::timespec =
                            std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                        stamp = UNIX_EPOCH + Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                    }
                    c = libc::CMSG_NXTHDR(&h.msg_hdr, c);
                }
            }
            batch.meta[i] = FrameMeta {
                kept: wire_len.min(batch.frames[i].len()),
                wire_len,
                stamp,
            };
        }
        Ok(got)
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
