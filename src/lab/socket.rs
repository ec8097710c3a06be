//! A lab socket: the kernel socket, its two lanes, and what the lab knows of it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use socket2::Socket;

use super::command::TimeoutMode;
use super::ended::Ended;
use super::lane::{InFlight, Lane};
pub(crate) use super::latch::Latch;
use super::name::{Role, SockName};
use super::options::BufSize;

/// What the lab knows of a socket besides the kernel's own state. The
/// clients of one `connect … xN` share one until theirs changes: twenty
/// thousand waiting for a SYN-ACK know the same of themselves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    /// Local address, once bound.
    pub local: Option<SocketAddr>,
    /// Peer address, once connected (for clients: the target).
    pub peer: Option<SocketAddr>,
    /// The other end when it is a lab socket too (`A1 ⇄ C3`).
    pub pair: Option<SockName>,
    /// For accepted sockets: the listener they came from.
    pub listener: Option<SockName>,
    /// For listeners: the backlog passed to `listen()`.
    pub backlog: Option<i32>,
    /// For listeners: TCP_DEFER_ACCEPT asked and read back, in seconds.
    pub defer_accept: Option<(u64, u32)>,
    /// Receive buffer asked and effective.
    pub rcvbuf: BufSize,
    /// Send buffer asked and effective.
    pub sndbuf: BufSize,
    /// The timeout mode asked for, if one was.
    pub timeout_asked: Option<TimeoutMode>,
    /// The timeout mode read back from the socket after it was last set.
    pub timeout: Option<TimeoutMode>,
    /// SO_RCVTIMEO read back from the kernel; `None` when off.
    pub rcvtimeo: Option<Duration>,
    /// SO_SNDTIMEO read back from the kernel; `None` when off.
    pub sndtimeo: Option<Duration>,
    /// Nagle, cork, keepalive and TCP_USER_TIMEOUT as the kernel holds
    /// them, read back after they were last set; `None` for UDP.
    pub tcp_opts: Option<super::tcp_opts::TcpOpts>,
    /// SO_REUSEADDR as the kernel holds it (an accepted socket inherits
    /// its listener's; a TIME-WAIT entry keeps it).
    pub reuseaddr: bool,
    /// `close` was called; the name stays while the kernel holds a trace.
    pub closed: bool,
    /// When `close` was called.
    pub closed_at: Option<std::time::Instant>,
    /// How its connection ended, as the lab saw it: this side's close or
    /// shutdown, or the error a call reported; `None` while nothing has.
    /// (`closed` says whether the socket is closed, `ended` why the
    /// connection is over: a reset connection closed after stays a reset.)
    pub ended: Option<Ended>,
    /// A client whose handshake the kernel gave up with no segment ever
    /// answering it: the SYNs it sent (TCP_INFO's `tcpi_segs_out`). The
    /// kernel keeps ETIMEDOUT in SO_ERROR for the next call to report.
    pub syns_unanswered: Option<u32>,
}

/// A socket of the lab.
pub(crate) struct LabSocket {
    /// Its name.
    pub name: SockName,
    /// The kernel socket; `None` once closed.
    fd: Mutex<Option<Arc<Socket>>>,
    /// The sending side (connect, send, sendall).
    pub send: Lane,
    /// The receiving side (accept, recv, recvall, drain).
    pub recv: Lane,
    /// Set when the socket is ready for receiving calls (a client's connect returned).
    pub ready: Latch,
    /// Shared with the copies the front ends take ([`SocketInfo`]), and
    /// copied only when it changes while one is out: the kernel view takes
    /// every socket's at each tick.
    meta: Mutex<Arc<Meta>>,
    /// Bytes the application sent on it.
    pub bytes_sent: AtomicU64,
    /// Bytes the application received from it.
    pub bytes_received: AtomicU64,
    /// The seq of the `drain on` that runs and should go on; 0 when none.
    pub drain: AtomicU64,
    /// A client whose connect is made but not yet queued on its lane.
    pub starting: AtomicBool,
    /// A client's local address as the kernel gave it while its connect
    /// had not returned (read once: a port, once bound, stays).
    pub kernel_local: std::sync::OnceLock<SocketAddr>,
    /// The socket's inode (sock_diag names sockets by it).
    pub inode: u64,
    /// Its handshake is over and was read ([`LabSocket::settle_handshake`]).
    handshake_read: AtomicBool,
}

impl LabSocket {
    /// A new lab socket around a kernel socket.
    pub fn new(name: SockName, sock: Socket, meta: Meta, ready: Latch) -> Self {
        Self::new_like(name, sock, meta, ready, None)
    }

    /// A new lab socket, sharing `like`'s [`Meta`] when the lab knows the
    /// same of both (the clients of one `connect … xN`).
    pub fn new_like(
        name: SockName,
        sock: Socket,
        mut meta: Meta,
        ready: Latch,
        like: Option<&Arc<Meta>>,
    ) -> Self {
        let inode = super::options::inode(&sock);
        meta.timeout = super::options::read_timeout_mode(&sock, meta.timeout_asked).ok();
        (meta.rcvtimeo, meta.sndtimeo) = super::options::read_kernel_timeouts(&sock);
        if name.role != Role::Udp {
            meta.tcp_opts = super::tcp_opts::read(&sock);
        }
        meta.reuseaddr = sock.reuse_address().unwrap_or(false);
        let meta = match like {
            Some(like) if **like == meta => Arc::clone(like),
            _ => Arc::new(meta),
        };
        LabSocket {
            name,
            fd: Mutex::new(Some(Arc::new(sock))),
            send: Lane::default(),
            recv: Lane::default(),
            ready,
            meta: Mutex::new(meta),
            bytes_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
            drain: AtomicU64::new(0),
            starting: AtomicBool::new(false),
            kernel_local: std::sync::OnceLock::new(),
            inode,
            handshake_read: AtomicBool::new(false),
        }
    }

    /// Keeps `what` in the record of how the connection ended (see
    /// [`Ended::then`] for which stays).
    pub fn ended(&self, what: Ended) {
        let mut m = self.meta();
        let next = Some(Ended::then(m.ended, what));
        // Read first: writing copies a Meta the clients of an xN share.
        if m.ended != next {
            m.ended = next;
        }
    }

    /// Once the kernel has let go of a client's handshake unanswered,
    /// keeps how many SYNs it sent in [`Meta::syns_unanswered`]: TCP_INFO
    /// reads CLOSE, segments went out and none at all came in (a refusal
    /// is a reset, which counts). Read once: a client connects once, and
    /// CLOSE is where it stays. Returns whether the record changed.
    pub fn settle_handshake(&self) -> bool {
        if self.handshake_read.load(Ordering::Acquire) {
            return false;
        }
        let Some(fd) = self.fd() else {
            return false;
        };
        let Ok(counts) = crate::sys::sockopt::tcp_counts(std::os::fd::AsFd::as_fd(&*fd)) else {
            return false;
        };
        if counts.state != super::record::TCP_CLOSE || counts.segs_out == 0 {
            return false;
        }
        self.handshake_read.store(true, Ordering::Release);
        if counts.segs_in > 0 || counts.retrans == 0 {
            return false;
        }
        self.meta().syns_unanswered = Some(counts.segs_out);
        true
    }

    /// What the lab knows of the socket, shared (to share with another).
    pub fn meta_shared(&self) -> Arc<Meta> {
        Arc::clone(&self.meta().0)
    }

    /// The kernel socket, unless it was closed.
    pub fn fd(&self) -> Option<Arc<Socket>> {
        self.fd.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Takes the kernel socket out, for `close`.
    pub fn take_fd(&self) -> Option<Arc<Socket>> {
        self.fd.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// What the lab knows of the socket, to read or change.
    pub fn meta(&self) -> MetaGuard<'_> {
        MetaGuard(self.meta.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.meta().closed
    }

    /// Calls queued or running on both lanes (a connect about to be queued counts).
    pub fn pending(&self) -> usize {
        self.send.pending()
            + self.recv.pending()
            + usize::from(self.starting.load(Ordering::Acquire))
    }

    /// A copy of everything the front ends show about the socket.
    pub fn info(&self) -> SocketInfo {
        let (sending, send_call) = self.send.status();
        let (receiving, recv_call) = self.recv.status();
        let starting = usize::from(self.starting.load(Ordering::Acquire));
        SocketInfo {
            name: self.name,
            role: self.name.role,
            meta: self.meta_shared(),
            inode: self.inode,
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            bytes_received: self.bytes_received.load(Ordering::Relaxed),
            in_flight: send_call.into_iter().chain(recv_call).collect(),
            pending: sending + receiving + starting,
            handshake_read: self.handshake_read.load(Ordering::Acquire),
        }
    }
}

/// A lab socket's [`Meta`] under its lock. Changing it copies it first
/// when a front end still holds the one read before.
pub struct MetaGuard<'a>(MutexGuard<'a, Arc<Meta>>);

impl std::ops::Deref for MetaGuard<'_> {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.0
    }
}

impl std::ops::DerefMut for MetaGuard<'_> {
    fn deref_mut(&mut self) -> &mut Meta {
        Arc::make_mut(&mut self.0)
    }
}

/// What the front ends show about a lab socket, copied out of the lab.
#[derive(Debug, Clone)]
pub struct SocketInfo {
    /// Its name.
    pub name: SockName,
    /// Listener, client or accepted.
    pub role: Role,
    /// Addresses, pair, options asked and effective.
    pub meta: Arc<Meta>,
    /// The socket's inode (sock_diag names sockets by it).
    pub inode: u64,
    /// Bytes the application sent.
    pub bytes_sent: u64,
    /// Bytes the application received.
    pub bytes_received: u64,
    /// Calls running now (at most one per lane).
    pub in_flight: Vec<InFlight>,
    /// Calls queued or running.
    pub pending: usize,
    /// Its handshake is over and was read: nothing more to learn of it.
    pub handshake_read: bool,
}
