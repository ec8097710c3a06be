//! UDP: sockets that send and receive datagrams, with no connection and so
//! no accept queue. `udp`, `sendto`, `recvfrom`, and what `connect`,
//! `send`, `recv` and `listen` do on a UDP socket.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::command::{Payload, SockOpts};
use super::errno::Errno;
use super::lane::Job;
use super::name::{Role, SockName};
use super::open::{AfterLookup, buf_sizes, describe_buffers, enlist};
use super::options::{apply_buffers, apply_mode};
use super::pattern;
use super::preview::Preview;
use super::record::{Extra, Recorder};
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

/// socket(SOCK_DGRAM) + options + bind, at once, as the next UDP socket
/// or the one a lookup kept the name of.
pub(crate) fn udp(
    shared: &Arc<Shared>,
    addr: Option<SocketAddr>,
    opts: &SockOpts,
    after: Option<AfterLookup<'_>>,
) -> Vec<Started> {
    let addr = addr.unwrap_or(DEFAULT_BIND);
    let (name, report) = match after {
        Some(a) => (a.name, Some(a.report)),
        None => (shared.next_name(Role::Udp), None),
    };
    let call = shared.begin(name, Call::Udp, Arg::Text(addr.to_string().into()));
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
            if let Some(r) = report {
                r();
            }
            rec.finish(Err(Errno::of(&e)), Extra::default());
            return vec![call];
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
    let made = LabSocket::new(name, sock, meta, Latch::set_now());
    enlist(shared, rec, made, report, sentence);
    vec![call]
}

fn sys_sendto(fd: BorrowedFd<'_>, buf: &[u8], to: Option<&SockAddr>) -> Result<u64, Errno> {
    // MSG_NOSIGNAL turns SIGPIPE into EPIPE.
    let flags = rustix::net::SendFlags::NOSIGNAL;
    let sent = match to {
        Some(to) => {
            let Some(addr) = to.as_socket() else {
                return Err(Errno(libc::EAFNOSUPPORT));
            };
            rustix::net::sendto(fd, buf, flags, &addr)
        }
        None => rustix::net::send(fd, buf, flags),
    };
    sent.map(|n| n as u64).map_err(|e| Errno(e.raw_os_error()))
}

/// What one `recvfrom` with MSG_TRUNC gave: the datagram's whole length,
/// whether it was cut, and its sender.
struct Received {
    len: u64,
    truncated: bool,
    from: Option<SocketAddr>,
}

fn sys_recvmsg(fd: BorrowedFd<'_>, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
    // With MSG_TRUNC the kernel returns the datagram's real length, even
    // when the buffer took less of it.
    let mut flags = rustix::net::RecvFlags::TRUNC;
    if peek {
        flags |= rustix::net::RecvFlags::PEEK;
    }
    let room = buf.len();
    let (_, len, from) =
        rustix::net::recvfrom(fd, buf, flags).map_err(|e| Errno(e.raw_os_error()))?;
    Ok(Received {
        len: len as u64,
        truncated: len > room,
        from: from.and_then(|a| SocketAddr::try_from(a).ok()),
    })
}

/// Queues a datagram call on one of the socket's lanes.
fn queue(sock: &LabSocket, receiving: bool, job: Job) -> Result<Started, LabError> {
    let begun = job.started.clone();
    let lane = if receiving { &sock.recv } else { &sock.send };
    lane.push(job)
        .map_err(|(e, _)| LabError::Thread(sock.name, e))?;
    Ok(begun)
}

/// A datagram call as a lane's job; a socket closed first reports EBADF.
fn job(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    receiving: bool,
    call: Started,
    addr: Option<SocketAddr>,
    run: impl Fn(&LabSocket, BorrowedFd<'_>, &Recorder) -> (Result<u64, Errno>, Extra)
    + Send
    + Sync
    + 'static,
) -> Job {
    let (shared2, sock2) = (Arc::clone(shared), Arc::clone(sock));
    Job {
        started: call.clone(),
        run: Box::new(move |cancelled| {
            one_call(&shared2, &sock2, receiving, &call, addr, &run, cancelled);
        }),
    }
}

/// One datagram call, told as its own result; a socket closed first (or a
/// call cancelled) reports EBADF.
fn one_call(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    receiving: bool,
    call: &Started,
    addr: Option<SocketAddr>,
    run: &DatagramCall,
    cancelled: bool,
) {
    let fd = sock.fd().filter(|_| !cancelled && !sock.is_closed());
    let mut rec = Recorder::begin(shared, call, fd.as_deref());
    if let Some(a) = addr {
        rec = rec.addr(a);
    }
    let (outcome, extra) = match &fd {
        Some(fd) => match rec.python_timeout() {
            Some(t) => under_timeout(sock, fd.as_fd(), &rec, receiving, t, run),
            None => {
                let (r, extra) = run(sock, fd.as_fd(), &rec);
                (r.into(), extra)
            }
        },
        None => (Outcome::Err(Errno(libc::EBADF)), Extra::default()),
    };
    rec.finish(outcome, extra);
}

/// `count` alike datagram calls, numbered from `first` on, as one job of
/// the lane: each is still its own call with its own result, but they
/// cost one job between them, not one each (`sendto … x100000`).
fn loop_job(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    first: Started,
    count: u32,
    addr: Option<SocketAddr>,
    run: Arc<DatagramCall>,
) -> Job {
    let (shared2, sock2) = (Arc::clone(shared), Arc::clone(sock));
    Job {
        started: first.clone(),
        run: Box::new(move |cancelled| {
            for i in 0..u64::from(count) {
                let call = Started {
                    seq: first.seq + i,
                    ..first.clone()
                };
                super::lane::now_running(&call);
                one_call(&shared2, &sock2, false, &call, addr, &*run, cancelled);
            }
        }),
    }
}

/// The calls of a loop made by [`loop_job`]: its first, and those after.
fn calls_of(first: &Started, count: u32) -> impl Iterator<Item = Started> + '_ {
    (0..u64::from(count)).map(move |i| Started {
        seq: first.seq + i,
        ..first.clone()
    })
}

/// One datagram call, made on a lane.
type DatagramCall =
    dyn Fn(&LabSocket, BorrowedFd<'_>, &Recorder) -> (Result<u64, Errno>, Extra) + Send + Sync;

/// A datagram call under Python's time-out: wait until the socket is ready,
/// then the call; a false alarm (EAGAIN) waits again with the time left.
fn under_timeout(
    sock: &LabSocket,
    fd: BorrowedFd<'_>,
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
    let mut begun = Vec::new();
    for job in send_jobs(shared, sock, to, payload, count) {
        let first = queue(sock, false, job)?;
        begun.extend(calls_of(&first, count));
    }
    Ok(begun)
}

/// The calls of [`send`], numbered, for its sending lane.
pub(crate) fn send_jobs(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    to: Option<Peer>,
    payload: &Payload,
    count: u32,
) -> Vec<Job> {
    let call = if to.is_some() {
        Call::SendTo
    } else {
        Call::Send
    };
    let peer = to.or_else(|| {
        let m = sock.meta();
        m.peer.map(|addr| Peer { addr, name: m.pair })
    });
    if count == 0 {
        return Vec::new();
    }
    let first = shared.begin_many(sock.name, call, Arg::Bytes(payload.len()), count);
    let payload = payload.clone();
    let target = to.map(|p| SockAddr::from(p.addr));
    let run = move |sock: &LabSocket, fd: BorrowedFd<'_>, rec: &Recorder| {
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
    let addr = peer.map(|p| p.addr);
    if count <= 1 {
        vec![job(shared, sock, false, first, addr, run)]
    } else {
        vec![loop_job(shared, sock, first, count, addr, Arc::new(run))]
    }
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
    let run = move |sock: &LabSocket, fd: BorrowedFd<'_>, rec: &Recorder| {
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
    Ok(vec![queue(
        sock,
        true,
        job(shared, sock, true, started, peer, run),
    )?])
}

/// `connect()` on a UDP socket, at once: no handshake, nothing sent; the
/// socket gets a default peer and takes datagrams from it alone.
pub(crate) fn connect(shared: &Arc<Shared>, sock: &LabSocket, to: Peer) -> Vec<Started> {
    let call = shared.begin(
        sock.name,
        Call::Connect,
        Arg::Text(to.addr.to_string().into()),
    );
    connect_as(shared, sock, to, &call);
    vec![call]
}

/// [`connect`] as a job of the socket's sending lane, after a name lookup
/// there: it acts at once when its turn comes.
pub(crate) fn connect_job(shared: &Arc<Shared>, sock: &Arc<LabSocket>, to: Peer) -> Job {
    let call = shared.begin(
        sock.name,
        Call::Connect,
        Arg::Text(to.addr.to_string().into()),
    );
    let (shared, sock, started) = (Arc::clone(shared), Arc::clone(sock), call.clone());
    Job {
        started,
        run: Box::new(move |_| connect_as(&shared, &sock, to, &call)),
    }
}

/// `connect()` on a UDP socket, under the record of `call`.
fn connect_as(shared: &Arc<Shared>, sock: &LabSocket, to: Peer, call: &Started) {
    let fd = sock.fd();
    let rec = Recorder::begin(shared, call, fd.as_deref()).addr(to.addr);
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
}

/// `listen()` on an existing socket, at once: the kernel's answer for a UDP
/// socket is EOPNOTSUPP.
pub(crate) fn listen(shared: &Arc<Shared>, sock: &LabSocket, backlog: i32) -> Vec<Started> {
    let call = shared.begin(
        sock.name,
        Call::Listen,
        Arg::Text(backlog.to_string().into()),
    );
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
