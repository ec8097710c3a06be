//! One NETLINK_SOCK_DIAG dump of TCP or UDP sockets (`linux/inet_diag.h`),
//! with TCP_INFO and SK_MEMINFO for each, filtered in the kernel to some ports.
//!
//! The parser works on bytes, so it is tested on recorded messages.
//!
//! The messages are written here rather than with
//! netlink-packet-sock-diag: that crate has no way to attach the bytecode
//! port filter (`INET_DIAG_REQ_BYTECODE`, see `bytecode.rs`), and its
//! `tcp_info` lacks `tcpi_rcv_wnd`, which the kernel view shows. The socket
//! itself, and its send and receive calls, are rustix's.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::OwnedFd;
use std::sync::Arc;

use super::bytecode;
use super::state::TcpState;
use super::tcp_info::TcpInfo;
use crate::lab::Congestion;
use crate::sys::netlink;

const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// The older request (`struct inet_diag_req`): its dump walks the kernel's
/// table once for both address families, where one by family walks it
/// once for each.
const TCPDIAG_GETSOCK: u16 = 18;
/// `sizeof(struct inet_diag_req)`: family, lengths, ext, sockid, states, dbs.
const REQ_V1_LEN: usize = 60;
const INET_DIAG_INFO: u16 = 2;
const INET_DIAG_SKMEMINFO: u16 = 7;
const INET_DIAG_CONG: u16 = 4;
const INET_DIAG_REQ_BYTECODE: u16 = 1;
const REQ_LEN: usize = 56;
const MSG_LEN: usize = 72;
const SK_MEMINFO_RCVBUF: usize = 1;
const SK_MEMINFO_SNDBUF: usize = 3;
const SK_MEMINFO_RMEM_ALLOC: usize = 0;
const SK_MEMINFO_WMEM_QUEUED: usize = 5;
const SK_MEMINFO_DROPS: usize = 8;

/// One socket as sock_diag reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagEntry {
    /// TCP state.
    pub state: TcpState,
    /// Local address.
    pub local: SocketAddr,
    /// Peer address (unspecified for a listener).
    pub peer: SocketAddr,
    /// For a listener, the accept queue length; otherwise bytes received and
    /// not read (`rcv_nxt - copied_seq`).
    pub rqueue: u32,
    /// For a listener, the accept queue maximum; otherwise bytes not yet
    /// acknowledged (`write_seq - snd_una`).
    pub wqueue: u32,
    /// The socket's inode; 0 for connections not yet accepted and for
    /// sockets the application has closed.
    pub inode: u64,
    /// TCP_INFO, when the kernel sent it: one copy for the entries of a
    /// dump that hold the same (twenty thousand clients waiting for a
    /// SYN-ACK hold a few hundred different ones).
    pub info: Option<Arc<TcpInfo>>,
    /// SO_RCVBUF and SO_SNDBUF as the kernel holds them (`sk_rcvbuf`, `sk_sndbuf`).
    pub bufs: Option<(u32, u32)>,
    /// Memory charged against them now: receive (`rmem_alloc`) and send
    /// (`wmem_queued`), overhead included; a buffer is full when it reaches its size.
    pub mem: Option<(u32, u32)>,
    /// Timer retransmits (`idiag_retrans`): for a SYN-RECV entry, how many
    /// times the SYN-ACK was sent again.
    pub retrans: u8,
    /// Which timer runs (`idiag_timer`): 1 the retransmission timer (a
    /// resend, or the probe before one), 2 keepalive, 3 TIME-WAIT, 4 the
    /// zero-window probe; 0 none.
    pub timer: u8,
    /// When the running timer fires, in ms (`idiag_expires`); for a SYN-RECV
    /// entry, the next SYN-ACK retransmit, or its end.
    pub expires_ms: u32,
    /// Packets the socket dropped (`sk_drops`): for UDP, datagrams that
    /// arrived when its receive buffer was full.
    pub drops: Option<u32>,
    /// The kernel's cookie for the socket (`idiag_cookie`): with the
    /// addresses, it finds this one socket again (see [`DiagSocket::one`]).
    pub cookie: u64,
    /// A UDP socket (from a dump of UDP sockets), not TCP.
    pub udp: bool,
}

/// What a dump asks the kernel to add to each socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extensions {
    /// TCP_INFO and SK_MEMINFO: everything the kernel view shows.
    Full,
    /// Nothing: addresses, state, queues and inode, the cheapest dump.
    None,
}

impl Extensions {
    fn bits(self) -> u8 {
        match self {
            Extensions::Full => {
                (1u8 << (INET_DIAG_INFO - 1))
                    | (1u8 << (INET_DIAG_SKMEMINFO - 1))
                    | (1u8 << (INET_DIAG_CONG - 1))
            }
            Extensions::None => 0,
        }
    }
}

/// The request for a dump of one address family's TCP sockets, filtered in
/// the kernel to `ports` when a filter can hold them all, otherwise
/// unfiltered (see [`DiagSocket::dump`]).
pub fn request(family: u8, ports: &[u16], seq: u32) -> Vec<u8> {
    request_of(family, libc::IPPROTO_TCP as u8, ports, seq)
}

/// The request for a dump of one address family and protocol, filtered to `ports`.
pub fn request_of(family: u8, protocol: u8, ports: &[u16], seq: u32) -> Vec<u8> {
    request_with(
        family,
        protocol,
        bytecode::ports(ports).as_deref(),
        Extensions::Full,
        seq,
    )
}

/// The request for a dump of one address family and protocol, filtered by
/// `filter` (inet_diag bytecode) when there is one, with `ext` on each socket.
pub fn request_with(
    family: u8,
    protocol: u8,
    filter: Option<&[u8]>,
    ext: Extensions,
    seq: u32,
) -> Vec<u8> {
    // inet_diag_req_v2: family, protocol, ext, pad, states, sockid (48 bytes).
    let mut body = Vec::with_capacity(REQ_LEN);
    body.extend_from_slice(&[family, protocol, ext.bits(), 0]);
    body.extend_from_slice(&u32::MAX.to_ne_bytes());
    body.extend_from_slice(&[0u8; 48]);
    let m = netlink::Request::new(
        SOCK_DIAG_BY_FAMILY,
        netlink::F_REQUEST | netlink::F_DUMP,
        seq,
    )
    .body(&body);
    match filter {
        // bytecode keeps a filter within an attribute's u16 length.
        Some(f) => m
            .attr(INET_DIAG_REQ_BYTECODE, f)
            .expect("a port filter fits an attribute")
            .finish(),
        None => m.finish(),
    }
}

/// The request for a dump of TCP sockets of both address families in one
/// walk of the kernel's table, filtered by `filter` when there is one,
/// with `ext` on each.
pub fn request_both_families(filter: Option<&[u8]>, ext: Extensions, seq: u32) -> Vec<u8> {
    // inet_diag_req: family (the kernel dumps both whatever it says),
    // src_len, dst_len, ext, sockid (48 bytes), states, dbs.
    let mut body = Vec::with_capacity(REQ_V1_LEN);
    body.extend_from_slice(&[libc::AF_INET as u8, 0, 0, ext.bits()]);
    body.extend_from_slice(&[0u8; 48]);
    body.extend_from_slice(&u32::MAX.to_ne_bytes());
    body.extend_from_slice(&0u32.to_ne_bytes());
    let m = netlink::Request::new(TCPDIAG_GETSOCK, netlink::F_REQUEST | netlink::F_DUMP, seq)
        .body(&body);
    match filter {
        Some(f) => m
            .attr(INET_DIAG_REQ_BYTECODE, f)
            .expect("a port filter fits an attribute")
            .finish(),
        None => m.finish(),
    }
}

/// The request for one socket, found by its addresses and cookie, with
/// TCP_INFO and SK_MEMINFO (no dump: the kernel looks it up in its hash).
pub fn request_one(e: &DiagEntry, protocol: u8, seq: u32) -> Vec<u8> {
    let family = if e.local.is_ipv4() {
        libc::AF_INET as u8
    } else {
        libc::AF_INET6 as u8
    };
    let mut m = Vec::with_capacity(REQ_LEN);
    m.extend_from_slice(&[family, protocol, Extensions::Full.bits(), 0]);
    m.extend_from_slice(&u32::MAX.to_ne_bytes());
    // inet_diag_sockid: sport, dport (network order), src, dst, if, cookie.
    m.extend_from_slice(&e.local.port().to_be_bytes());
    m.extend_from_slice(&e.peer.port().to_be_bytes());
    for a in [e.local.ip(), e.peer.ip()] {
        let mut b = [0u8; 16];
        match a {
            IpAddr::V4(v4) => b[..4].copy_from_slice(&v4.octets()),
            IpAddr::V6(v6) => b.copy_from_slice(&v6.octets()),
        }
        m.extend_from_slice(&b);
    }
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(&((e.cookie & 0xffff_ffff) as u32).to_ne_bytes());
    m.extend_from_slice(&((e.cookie >> 32) as u32).to_ne_bytes());
    netlink::Request::new(SOCK_DIAG_BY_FAMILY, netlink::F_REQUEST, seq)
        .body(&m)
        .finish()
}

fn u16_ne(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

fn u32_ne(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn addr(family: u8, b: &[u8], port_at: usize, addr_at: usize) -> SocketAddr {
    let port = u16::from_be_bytes([b[port_at], b[port_at + 1]]);
    let ip = if family == libc::AF_INET6 as u8 {
        let mut o = [0u8; 16];
        o.copy_from_slice(&b[addr_at..addr_at + 16]);
        IpAddr::V6(Ipv6Addr::from(o))
    } else {
        IpAddr::V4(Ipv4Addr::new(
            b[addr_at],
            b[addr_at + 1],
            b[addr_at + 2],
            b[addr_at + 3],
        ))
    };
    SocketAddr::new(ip, port)
}

/// The TCP_INFO of the entries of one dump, once each.
type Infos = rustc_hash::FxHashSet<Arc<TcpInfo>>;

/// Parses an `inet_diag_msg` and its attributes.
pub fn parse_msg(b: &[u8]) -> Option<DiagEntry> {
    parse_msg_in(b, &mut Infos::default())
}

/// [`parse_msg`], sharing the TCP_INFO held in `infos`.
fn parse_msg_in(b: &[u8], infos: &mut Infos) -> Option<DiagEntry> {
    if b.len() < MSG_LEN {
        return None;
    }
    let family = b[0];
    let state = TcpState::from_kernel(b[1])?;
    // sockid at 4: sport(2) dport(2) src(16) dst(16) if(4) cookie(8).
    let local = addr(family, b, 4, 8);
    let peer = addr(family, b, 6, 24);
    let mut entry = DiagEntry {
        state,
        local,
        peer,
        rqueue: u32_ne(b, 56),
        wqueue: u32_ne(b, 60),
        inode: u64::from(u32_ne(b, 68)),
        info: None,
        bufs: None,
        mem: None,
        retrans: b[3],
        timer: b[2],
        expires_ms: u32_ne(b, 52),
        drops: None,
        cookie: u64::from(u32_ne(b, 44)) | (u64::from(u32_ne(b, 48)) << 32),
        udp: false,
    };
    let mut congestion = None;
    let mut info = None;
    for (kind, payload) in netlink::attrs(&b[MSG_LEN..]) {
        match kind {
            INET_DIAG_INFO => info = Some(TcpInfo::parse(payload)),
            INET_DIAG_CONG => congestion = Congestion::parse(payload),
            INET_DIAG_SKMEMINFO if payload.len() >= 4 * (SK_MEMINFO_SNDBUF + 1) => {
                entry.bufs = Some((
                    u32_ne(payload, 4 * SK_MEMINFO_RCVBUF),
                    u32_ne(payload, 4 * SK_MEMINFO_SNDBUF),
                ));
                if payload.len() >= 4 * (SK_MEMINFO_WMEM_QUEUED + 1) {
                    entry.mem = Some((
                        u32_ne(payload, 4 * SK_MEMINFO_RMEM_ALLOC),
                        u32_ne(payload, 4 * SK_MEMINFO_WMEM_QUEUED),
                    ));
                }
                if payload.len() >= 4 * (SK_MEMINFO_DROPS + 1) {
                    entry.drops = Some(u32_ne(payload, 4 * SK_MEMINFO_DROPS));
                }
            }
            _ => {}
        }
    }
    entry.info = info.map(|mut info| {
        info.congestion = congestion;
        match infos.get(&info) {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared = Arc::new(info);
                infos.insert(Arc::clone(&shared));
                shared
            }
        }
    });
    Some(entry)
}

/// What one received buffer held: entries, and whether the dump is done.
pub fn parse_messages(buf: &[u8], out: &mut Vec<DiagEntry>) -> io::Result<bool> {
    parse_messages_in(buf, out, &mut Infos::default())
}

/// [`parse_messages`], sharing the TCP_INFO held in `infos`.
fn parse_messages_in(buf: &[u8], out: &mut Vec<DiagEntry>, infos: &mut Infos) -> io::Result<bool> {
    for message in netlink::messages(buf) {
        let message = message?;
        match message.kind {
            netlink::DONE => return Ok(true),
            netlink::ERROR => netlink::acknowledged(message.body)?,
            // The answer to the older request carries its type.
            SOCK_DIAG_BY_FAMILY | TCPDIAG_GETSOCK => out.extend(parse_msg_in(message.body, infos)),
            _ => {}
        }
    }
    Ok(false)
}

/// A NETLINK_SOCK_DIAG socket, kept open between dumps.
pub struct DiagSocket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
    /// The TCP_INFO of the dump being read, once each.
    infos: Infos,
}

impl DiagSocket {
    /// Opens the netlink socket. Needs no privilege.
    pub fn open() -> io::Result<DiagSocket> {
        use rustix::net::{AddressFamily, SocketFlags, SocketType, netlink};
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::DGRAM,
            SocketFlags::CLOEXEC,
            Some(netlink::SOCK_DIAG),
        )?;
        Ok(DiagSocket {
            fd,
            seq: 0,
            buf: vec![0u8; 64 * 1024],
            infos: Infos::default(),
        })
    }

    /// Dumps the TCP sockets of `family` (AF_INET or AF_INET6) whose source
    /// or destination port is one of `ports`, appending them to `out`.
    ///
    /// The kernel filters when one filter can hold the ports (up to
    /// [`bytecode::MAX_PORTS`]); past that the dump is whole and filtered
    /// here, with the same result.
    pub fn dump(&mut self, family: i32, ports: &[u16], out: &mut Vec<DiagEntry>) -> io::Result<()> {
        self.dump_of(family, libc::IPPROTO_TCP, ports, out)
    }

    /// Dumps the sockets of `family` and `protocol` (IPPROTO_TCP or
    /// IPPROTO_UDP) whose source or destination port is one of `ports`.
    pub fn dump_of(
        &mut self,
        family: i32,
        protocol: i32,
        ports: &[u16],
        out: &mut Vec<DiagEntry>,
    ) -> io::Result<()> {
        if ports.is_empty() {
            return Ok(());
        }
        let start = out.len();
        self.dump_request(family, protocol, ports, out)?;
        if ports.len() > bytecode::MAX_PORTS {
            let wanted: rustc_hash::FxHashSet<u16> = ports.iter().copied().collect();
            let whole = out.split_off(start);
            out.extend(
                whole.into_iter().filter(|e| {
                    wanted.contains(&e.local.port()) || wanted.contains(&e.peer.port())
                }),
            );
        }
        Ok(())
    }

    fn dump_request(
        &mut self,
        family: i32,
        protocol: i32,
        ports: &[u16],
        out: &mut Vec<DiagEntry>,
    ) -> io::Result<()> {
        let filter = bytecode::ports(ports);
        self.dump_filtered(family, protocol, filter.as_deref(), Extensions::Full, out)
    }

    /// Dumps the sockets of `family` and `protocol` that `filter` (inet_diag
    /// bytecode, run by the kernel) accepts, all when there is none, with
    /// `ext` on each; appends them to `out`.
    pub fn dump_filtered(
        &mut self,
        family: i32,
        protocol: i32,
        filter: Option<&[u8]>,
        ext: Extensions,
        out: &mut Vec<DiagEntry>,
    ) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let req = request_with(family as u8, protocol as u8, filter, ext, self.seq);
        let start = out.len();
        self.exchange(&req, out)?;
        if protocol == libc::IPPROTO_UDP {
            out[start..].iter_mut().for_each(|e| e.udp = true);
        }
        Ok(())
    }

    /// Dumps the TCP sockets of both address families that `filter`
    /// accepts, in one walk of the kernel's table (a dump by family walks
    /// the whole table for each), with `ext` on each; appends them to `out`.
    pub fn dump_tcp_both_families(
        &mut self,
        filter: Option<&[u8]>,
        ext: Extensions,
        out: &mut Vec<DiagEntry>,
    ) -> io::Result<()> {
        self.seq = self.seq.wrapping_add(1);
        let req = request_both_families(filter, ext, self.seq);
        self.exchange(&req, out)
    }

    /// One socket again, with TCP_INFO and SK_MEMINFO, looked up by its
    /// addresses and cookie; `None` when the kernel no longer holds it.
    pub fn one(&mut self, e: &DiagEntry, protocol: i32) -> io::Result<Option<DiagEntry>> {
        self.seq = self.seq.wrapping_add(1);
        let req = request_one(e, protocol as u8, self.seq);
        let mut out = Vec::with_capacity(1);
        match self.exchange(&req, &mut out) {
            Ok(()) => Ok(out.pop()),
            Err(err) if err.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Several sockets again, with TCP_INFO and SK_MEMINFO, each looked up
    /// by its addresses and cookie: the requests go to the kernel in one
    /// message and the answers come back together, one round trip for all
    /// (a screenful of rows) instead of one each. `None` where the kernel
    /// no longer holds a socket.
    pub fn many(
        &mut self,
        entries: &[&DiagEntry],
        protocol: i32,
    ) -> io::Result<Vec<Option<DiagEntry>>> {
        let mut found: Vec<Option<DiagEntry>> = vec![None; entries.len()];
        if entries.is_empty() {
            return Ok(found);
        }
        let first = self.seq.wrapping_add(1);
        let mut req = Vec::with_capacity(entries.len() * (netlink::HEADER + REQ_LEN));
        for e in entries {
            self.seq = self.seq.wrapping_add(1);
            req.extend_from_slice(&request_one(e, protocol as u8, self.seq));
        }
        // One answer to each request: the socket, or an error (ENOENT: gone).
        let mut answered = 0;
        self.round_trip(&req, |b| {
            // A message cut short ends this read: the rest is not parsed.
            for message in netlink::messages(b).map_while(Result::ok) {
                let i = message.seq.wrapping_sub(first) as usize;
                if i < found.len() {
                    match message.kind {
                        SOCK_DIAG_BY_FAMILY => {
                            found[i] = parse_msg(message.body);
                            answered += 1;
                        }
                        netlink::ERROR => answered += 1,
                        _ => {}
                    }
                }
            }
            Ok(answered >= found.len())
        })?;
        if protocol == libc::IPPROTO_UDP {
            found.iter_mut().flatten().for_each(|e| e.udp = true);
        }
        Ok(found)
    }

    /// Sends a request and reads the answer until the dump's end, or, for
    /// a request of one socket, its one message (or error).
    fn exchange(&mut self, req: &[u8], out: &mut Vec<DiagEntry>) -> io::Result<()> {
        let single = u16_ne(req, 6) & netlink::F_DUMP == 0;
        let mut infos = std::mem::take(&mut self.infos);
        let read = self.round_trip(req, |b| {
            let before = out.len();
            Ok(parse_messages_in(b, out, &mut infos)? || (single && out.len() > before))
        });
        // The entries keep what they share; the next dump starts afresh.
        infos.clear();
        self.infos = infos;
        read
    }

    /// Sends `req` (one request or several) to the kernel and hands each
    /// read of the answer to `whole`, until it says the answer is whole.
    /// Bounded: a dump ends with NLMSG_DONE, and a million reads is far
    /// past any lab or screen.
    fn round_trip(
        &mut self,
        req: &[u8],
        mut whole: impl FnMut(&[u8]) -> io::Result<bool>,
    ) -> io::Result<()> {
        // To the kernel: netlink port 0, no multicast groups.
        let kernel = rustix::net::netlink::SocketAddrNetlink::new(0, 0);
        rustix::net::sendto(&self.fd, req, rustix::net::SendFlags::empty(), &kernel)?;
        for _ in 0..1_000_000 {
            let n = match rustix::net::recv(
                &self.fd,
                &mut self.buf[..],
                rustix::net::RecvFlags::empty(),
            ) {
                Ok((n, _)) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            };
            if whole(&self.buf[..n])? {
                return Ok(());
            }
        }
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "sock_diag answer did not end",
        ))
    }
}

#[cfg(test)]
mod tests;
