//! UDP: sockets that send and receive datagrams, with no connection and so
//! no accept queue. `udp`, `sendto`, `recvfrom`, and what `connect`,
//! `send`, `recv` and `listen` do on a UDP socket.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::command::{Endpoint, Payload, SockOpts};
use super::errno::Errno;
use super::lane::Job;
use super::name::{Role, SockName};
use super::open::{buf_sizes, describe_buffers, resolve};
use super::options::{apply_buffers, apply_mode};
use super::pattern;
use super::preview::Preview;
use super::record::{Extra, Recorder, ret};
use super::result::{Arg, Call, Datagram, Outcome, Started};
use super::settimeout;
use super::socket::{LabSocket, Latch, Meta};
use super::{LabError, Shared};

/// The address `udp` binds when none is given.
const DEFAULT_BIND: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

/// Where a datagram goes: an address, and its lab name when it is a lab socket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer {
    pub addr: SocketAddr,
    pub name: Option<SockName>,
}

/// The sentence for an errno a UDP socket met, where UDP differs from TCP;
/// `None` where the general sentence holds.
pub(crate) fn explain_err(call: Call, e: Errno, addr: &str) -> Option<String> {
    Some(match (e.0, call) {
        (libc::EOPNOTSUPP, Call::Listen) => "UDP has no connections, so no queue of them to hold: listen() and its backlog do not apply; a bound UDP socket already takes datagrams from anyone".into(),
        (libc::EOPNOTSUPP, Call::Accept) => "UDP has no connections to accept: every datagram arrives on this socket itself (recvfrom says who sent it)".into(),
        (libc::ECONNREFUSED, _) => format!(
            "an ICMP port unreachable came back for an earlier datagram: nothing is bound at {addr}; only a connected UDP socket hears of it, an unconnected one never does"
        ),
        (libc::EDESTADDRREQ, _) => "the socket has no peer: connect it first, or name the target with sendto".into(),
        (libc::EMSGSIZE, _) => "the datagram is too large: one datagram must fit in the send buffer and in 65,507 bytes (IPv4)".into(),
        (libc::EPIPE, _) => "this socket was shut down for writing".into(),
        (libc::ENOTCONN, Call::Shutdown) => "the socket is not connected: an unconnected UDP socket has no connection to shut down".into(),
        (libc::EISCONN, Call::SendTo) => "the socket is connected: it sends only to its peer".into(),
        (libc::ENOPROTOOPT, _) => "that option is TCP's; a UDP socket has no such option".into(),
        _ => return None,
    })
}

/// socket(SOCK_DGRAM) + options + bind, at once.
pub(crate) fn udp(
    shared: &Arc<Shared>,
    addr: Option<&Endpoint>,
    opts: &SockOpts,
) -> Result<Vec<Started>, LabError> {
    let addr = addr.map(resolve).transpose()?.unwrap_or(DEFAULT_BIND);
    let name = shared.next_name(Role::Udp);
    let call = shared.begin(name, Call::Udp, Arg::Text(addr.to_string()));
    let rec = Recorder::begin(shared, &call, None).addr(addr);
    let made = (|| {
        let sock = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        apply_buffers(&sock, opts)?;
        sock.bind(&SockAddr::from(addr))?;
        apply_mode(&sock, opts)?;
        Ok::<_, std::io::Error>(sock)
    })();
    let sock = match made {
        Ok(sock) => sock,
        Err(e) => {
            rec.finish(Err(Errno::of(&e)), Extra::default());
            return Ok(vec![call]);
        }
    };
    let local = sock.local_addr().ok().and_then(|a| a.as_socket());
    let (rcvbuf, sndbuf) = buf_sizes(&sock, opts);
    let meta = Meta {
        local,
        rcvbuf,
        sndbuf,
        timeout_asked: opts.timeout,
        ..Meta::default()
    };
    let at = local.map_or_else(|| "?".into(), |a| a.to_string());
    let sentence = format!(
        "{name} bound to {at}: a UDP socket takes datagrams from anyone now, with no listen and no accept{}",
        describe_buffers(rcvbuf, sndbuf)
    );
    if let Some(local) = local {
        shared.note_end(name, local);
    }
    shared.register(Arc::new(LabSocket::new(name, sock, meta, Latch::set_now())));
    rec.finish(
        Ok(0),
        Extra {
            created: vec![name],
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
    Ok(vec![call])
}

fn sys_sendto(fd: RawFd, buf: &[u8], to: Option<&SockAddr>) -> Result<u64, Errno> {
    let (addr, len) = to.map_or((std::ptr::null(), 0), |a| (a.as_ptr(), a.len()));
    // SAFETY: `buf` is valid for its length; `addr` is null or a valid
    // sockaddr of `len` bytes that outlives the call.
    ret(unsafe {
        libc::sendto(
            fd,
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
            addr.cast(),
            len,
        )
    })
}

/// What one `recvmsg` with MSG_TRUNC gave: the datagram's whole length,
/// whether it was cut, and its sender.
struct Received {
    len: u64,
    truncated: bool,
    from: Option<SocketAddr>,
}

fn sys_recvmsg(fd: RawFd, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
    // SAFETY: an all-zero sockaddr_storage and msghdr are valid values.
    let mut from: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&raw mut from).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    let flags = libc::MSG_TRUNC | if peek { libc::MSG_PEEK } else { 0 };
    // SAFETY: every pointer in `msg` points at live memory of the stated length.
    let len = ret(unsafe { libc::recvmsg(fd, &mut msg, flags) })?;
    Ok(Received {
        len,
        truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        from: sender(&from),
    })
}

/// The sender's address the kernel wrote into `from`.
fn sender(from: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(from.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let a = unsafe { &*std::ptr::from_ref(from).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            Some(SocketAddr::new(IpAddr::V4(ip), u16::from_be(a.sin_port)))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let a = unsafe { &*std::ptr::from_ref(from).cast::<libc::sockaddr_in6>() };
            let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some(SocketAddr::new(IpAddr::V6(ip), u16::from_be(a.sin6_port)))
        }
        _ => None,
    }
}

/// Queues a datagram call on a lane; a socket closed first reports EBADF.
fn queue(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    receiving: bool,
    call: Started,
    addr: Option<SocketAddr>,
    run: impl Fn(&LabSocket, RawFd, &Recorder) -> (Result<u64, Errno>, Extra) + Send + 'static,
) -> Result<Started, LabError> {
    let begun = call.clone();
    let (shared2, sock2) = (Arc::clone(shared), Arc::clone(sock));
    let job = Job {
        started: call.clone(),
        run: Box::new(move |cancelled| {
            let fd = sock2.fd().filter(|_| !cancelled && !sock2.is_closed());
            let mut rec = Recorder::begin(&shared2, &call, fd.as_deref());
            if let Some(a) = addr {
                rec = rec.addr(a);
            }
            let (outcome, extra) = match &fd {
                Some(fd) => match rec.python_timeout() {
                    Some(t) => under_timeout(&sock2, fd.as_raw_fd(), &rec, receiving, t, &run),
                    None => {
                        let (r, extra) = run(&sock2, fd.as_raw_fd(), &rec);
                        (r.into(), extra)
                    }
                },
                None => (Outcome::Err(Errno(libc::EBADF)), Extra::default()),
            };
            rec.finish(outcome, extra);
        }),
    };
    let lane = if receiving { &sock.recv } else { &sock.send };
    lane.push(job)
        .map_err(|(e, _)| LabError::Thread(sock.name, e))?;
    Ok(begun)
}

/// One datagram call, made on a lane.
type DatagramCall = dyn Fn(&LabSocket, RawFd, &Recorder) -> (Result<u64, Errno>, Extra);

/// A datagram call under Python's time-out: wait until the socket is ready,
/// then the call; a false alarm (EAGAIN) waits again with the time left.
fn under_timeout(
    sock: &LabSocket,
    fd: RawFd,
    rec: &Recorder,
    receiving: bool,
    limit: std::time::Duration,
    run: &DatagramCall,
) -> (Outcome, Extra) {
    let deadline = std::time::Instant::now() + limit;
    let events = if receiving {
        libc::POLLIN
    } else {
        libc::POLLOUT
    };
    let gone = || sock.is_closed();
    loop {
        match settimeout::wait_until(fd, events, deadline, &gone) {
            settimeout::Wait::Ready => {}
            settimeout::Wait::TimedOut => return (Outcome::TimedOut, Extra::default()),
            settimeout::Wait::Interrupted => {
                return (Outcome::Err(Errno(libc::EINTR)), Extra::default());
            }
        }
        match run(sock, fd, rec) {
            (Err(Errno(libc::EAGAIN)), _) => continue,
            (r, extra) => return (r.into(), extra),
        }
    }
}

/// `sendto`: `count` datagrams to `to`, each its own call and result. With
/// `to` of `None`, `send` on a connected socket: to its peer.
pub(crate) fn send(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    to: Option<Peer>,
    payload: &Payload,
    count: u32,
) -> Result<Vec<Started>, LabError> {
    let call = if to.is_some() {
        Call::SendTo
    } else {
        Call::Send
    };
    let peer = to.or_else(|| {
        let m = sock.meta();
        m.peer.map(|addr| Peer { addr, name: m.pair })
    });
    let mut begun = Vec::new();
    for _ in 0..count {
        let started = shared.begin(sock.name, call, Arg::Bytes(payload.len()));
        let payload = payload.clone();
        let target = to.map(|p| SockAddr::from(p.addr));
        let run = move |sock: &LabSocket, fd: RawFd, rec: &Recorder| {
            let buf = match &payload {
                Payload::Pattern(n) => {
                    pattern::bytes(sock.bytes_sent.load(Ordering::Relaxed), *n as usize)
                }
                Payload::Text(t) => t.clone(),
            };
            rec.start_clock();
            let r = sys_sendto(fd, &buf, target.as_ref());
            let mut extra = Extra::default();
            if let Ok(n) = r {
                sock.bytes_sent.fetch_add(n, Ordering::Relaxed);
                extra.datagram = peer.map(|p| Datagram {
                    received: false,
                    peer: Some(p.addr),
                    peer_name: p.name,
                    len: n,
                    truncated: false,
                    peek: false,
                });
                let to = extra
                    .datagram
                    .as_ref()
                    .map_or_else(|| "its peer".into(), Datagram::peer_text);
                extra.sentence = Some(format!(
                    "one datagram to {to}, handed to the kernel: UDP never says whether it arrived"
                ));
            }
            (r, extra)
        };
        begun.push(queue(
            shared,
            sock,
            false,
            started,
            peer.map(|p| p.addr),
            run,
        )?);
    }
    Ok(begun)
}

/// `recvfrom` (or `recv` on a UDP socket): one datagram into an N-byte
/// buffer, with MSG_TRUNC so that the kernel tells its whole length.
pub(crate) fn recv(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    call: Call,
    size: u64,
    peek: bool,
) -> Result<Vec<Started>, LabError> {
    let started = shared.begin(sock.name, call, Arg::Bytes(size));
    let peer = sock.meta().peer;
    let shared2 = Arc::clone(shared);
    let run = move |sock: &LabSocket, fd: RawFd, rec: &Recorder| {
        let mut buf = vec![0u8; size as usize];
        rec.start_clock();
        let got = match sys_recvmsg(fd, &mut buf, peek) {
            Ok(got) => got,
            Err(e) => return (Err(e), Extra::default()),
        };
        // No sender and nothing returned: no datagram came; the socket was
        // shut down for reading (by `shutdown`, or by `close` waking it).
        if got.from.is_none() && got.len == 0 {
            return (Ok(0), Extra::default());
        }
        let returned = got.len.min(size);
        if !peek {
            sock.bytes_received.fetch_add(returned, Ordering::Relaxed);
        }
        let d = Datagram {
            received: true,
            peer: got.from,
            peer_name: got.from.and_then(|a| shared2.name_at(Role::Udp, a)),
            len: got.len,
            truncated: got.truncated,
            peek,
        };
        let mut sentence = format!("a datagram of {} bytes from {}", d.len, d.peer_text());
        if peek {
            sentence.push_str("; peeked: it stays queued");
        }
        let extra = Extra {
            data: Some(Preview::of(&buf[..returned as usize])),
            sentence: Some(sentence),
            datagram: Some(d),
            ..Extra::default()
        };
        (Ok(returned), extra)
    };
    Ok(vec![queue(shared, sock, true, started, peer, run)?])
}

/// `connect()` on a UDP socket, at once: no handshake, nothing sent; the
/// socket gets a default peer and takes datagrams from it alone.
pub(crate) fn connect(shared: &Arc<Shared>, sock: &LabSocket, to: Peer) -> Vec<Started> {
    let call = shared.begin(sock.name, Call::Connect, Arg::Text(to.addr.to_string()));
    let fd = sock.fd();
    let rec = Recorder::begin(shared, &call, fd.as_deref()).addr(to.addr);
    let result = match &fd {
        Some(fd) => fd
            .connect(&SockAddr::from(to.addr))
            .map_err(|e| Errno::of(&e)),
        None => Err(Errno(libc::EBADF)),
    };
    if result.is_ok() {
        let mut m = sock.meta();
        m.peer = Some(to.addr);
        m.pair = to.name;
    }
    let peer = Datagram {
        received: false,
        peer: Some(to.addr),
        peer_name: to.name,
        len: 0,
        truncated: false,
        peek: false,
    }
    .peer_text();
    let sentence = format!(
        "no handshake, nothing sent: {} now sends to {peer} by default and takes datagrams from it alone",
        sock.name
    );
    rec.finish(
        result.map(|()| 0),
        Extra {
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
    vec![call]
}

/// `listen()` on an existing socket, at once: the kernel's answer for a UDP
/// socket is EOPNOTSUPP.
pub(crate) fn listen(shared: &Arc<Shared>, sock: &LabSocket, backlog: i32) -> Vec<Started> {
    let call = shared.begin(sock.name, Call::Listen, Arg::Text(backlog.to_string()));
    let fd = sock.fd();
    let rec = Recorder::begin(shared, &call, fd.as_deref());
    let result = match &fd {
        Some(fd) => fd.listen(backlog).map(|()| 0).map_err(|e| Errno::of(&e)),
        None => Err(Errno(libc::EBADF)),
    };
    rec.finish(
        result,
        Extra {
            sentence: Some(format!("{} is listening", sock.name)),
            ..Extra::default()
        },
    );
    vec![call]
}

/// A datagram socket's address as a target: a lab UDP socket keeps its
/// address after it closes, so that sending there shows what a sender meets
/// when nobody is bound.
pub(crate) fn target_of(sock: &LabSocket) -> Option<Peer> {
    let addr = sock.meta().local?;
    Some(Peer {
        addr: super::open::reachable(addr),
        name: Some(sock.name),
    })
}
