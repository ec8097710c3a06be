//! The typed commands the lab carries out: the part of the command language
//! that acts on sockets (docs/reference.md).

use std::fmt;
use std::time::Duration;

use super::name::SockName;

/// A host and port as the user wrote it (`127.0.0.1:8080`, `[::1]:80`, `localhost:9000`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or address literal, without IPv6 brackets.
    pub host: String,
    /// Port number; 0 asks the kernel for any free port.
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Where `connect` goes: a lab listener or an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A lab listener, by name (`L1`).
    Listener(SockName),
    /// Any address.
    Endpoint(Endpoint),
    /// A lab UDP socket, by name (`U2`): where a datagram goes.
    Socket(SockName),
}

/// How a socket's calls wait: the three modes of Python's `settimeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeoutMode {
    /// `timeout=none`: calls block until they can finish.
    #[default]
    Blocking,
    /// `timeout=0`: calls return at once, with EAGAIN when they would wait.
    NonBlocking,
    /// `timeout=2s`: as Python's `settimeout(2)`: the socket is non-blocking
    /// in the kernel; each call waits with `poll()` up to this long for the
    /// socket to be ready, then makes one non-blocking call. Nothing ready in
    /// time is "timed out" (Python's `TimeoutError`), with no errno.
    Timeout(Duration),
}

impl fmt::Display for TimeoutMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeoutMode::Blocking => f.pad("blocking"),
            TimeoutMode::NonBlocking => f.pad("non-blocking"),
            TimeoutMode::Timeout(d) => f.pad(&format!("timeout {}", format_duration(*d))),
        }
    }
}

/// A duration the way the command language writes it: `250ms`, `2s`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        format!("{}us", d.as_micros())
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// `0.10 ms`, `43.0 ms`, `2.00 s`: how long a call took, as result lines write it.
pub fn elapsed_text(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    } else if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// 1536 → "1.5k", 3145728 → "3.0m": a byte count, short.
pub fn format_size(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if n < 1024 {
        n.to_string()
    } else if n < 1 << 20 {
        format!("{:.1}k", f / K)
    } else if n < 1 << 30 {
        format!("{:.1}m", f / (K * K))
    } else {
        format!("{:.1}g", f / (K * K * K))
    }
}

/// Socket options that `listen`, `connect` and `set` take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SockOpts {
    /// SO_RCVBUF to ask for, in bytes.
    pub rcvbuf: Option<u64>,
    /// SO_SNDBUF to ask for, in bytes.
    pub sndbuf: Option<u64>,
    /// The timeout mode.
    pub timeout: Option<TimeoutMode>,
    /// TCP_NODELAY.
    pub nodelay: Option<bool>,
    /// SO_RCVTIMEO, the kernel's own time-out on blocking receives and
    /// `accept`; zero turns it off.
    pub rcvtimeo: Option<Duration>,
    /// SO_SNDTIMEO, the kernel's own time-out on blocking sends and
    /// `connect`; zero turns it off.
    pub sndtimeo: Option<Duration>,
    /// SO_KEEPALIVE: probe an idle connection.
    pub keepalive: Option<bool>,
    /// TCP_KEEPIDLE: idle time before the first probe, whole seconds.
    pub keepidle: Option<Duration>,
    /// TCP_KEEPINTVL: time between probes, whole seconds.
    pub keepintvl: Option<Duration>,
    /// TCP_KEEPCNT: unanswered probes before the kernel gives up.
    pub keepcnt: Option<u32>,
    /// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged
    /// before the kernel gives up; zero turns it off.
    pub user_timeout: Option<Duration>,
    /// TCP_QUICKACK: acknowledge at once rather than delay (the kernel
    /// clears it again on its own).
    pub quickack: Option<bool>,
    /// TCP_CORK: hold partial segments until uncorked (or 200 ms pass).
    pub cork: Option<bool>,
    /// TCP_CONGESTION: the congestion control this socket uses.
    pub congestion: Option<super::congestion::Congestion>,
}

/// What `send` and `sendall` send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// This many bytes of the recognisable pattern (see [`super::pattern`]).
    Pattern(u64),
    /// These bytes, from a quoted text.
    Text(Vec<u8>),
}

impl Payload {
    /// How many bytes the payload has.
    pub fn len(&self) -> u64 {
        match self {
            Payload::Pattern(n) => *n,
            Payload::Text(t) => t.len() as u64,
        }
    }

    /// Whether the payload has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How many connections `accept` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptCount {
    /// Call `accept()` this many times.
    Times(u32),
    /// Call `accept()` until the accept queue is empty.
    All,
}

/// `drain S [on|off]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainMode {
    /// Read what is queued now, then stop.
    Once,
    /// Keep reading as data arrives, until `drain S off`, end of stream or an error.
    On,
    /// Stop a `drain S on`.
    Off,
}

/// `shutdown S read|write|both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownHow {
    /// SHUT_RD.
    Read,
    /// SHUT_WR: the peer reads end of stream.
    Write,
    /// SHUT_RDWR.
    Both,
}

impl ShutdownHow {
    /// The word of the command language.
    pub fn word(self) -> &'static str {
        match self {
            ShutdownHow::Read => "read",
            ShutdownHow::Write => "write",
            ShutdownHow::Both => "both",
        }
    }
}

/// A command that acts on lab sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// socket + bind + listen.
    Listen {
        /// Where to bind; `None` is `127.0.0.1:0`.
        addr: Option<Endpoint>,
        /// The backlog passed to `listen()`.
        backlog: i32,
        /// SO_REUSEADDR, when given.
        reuseaddr: Option<bool>,
        /// Buffer sizes and timeout mode.
        opts: SockOpts,
        /// TCP_DEFER_ACCEPT: hold each handshake in SYN-RECV until data comes.
        defer_accept: Option<Duration>,
        /// The address was written as a port alone (`listen 5`): one below
        /// 1024 is more likely a backlog meant, and the result says so.
        port_alone: bool,
    },
    /// socket + connect, `count` times.
    Connect {
        /// Where to connect.
        target: Target,
        /// How many clients.
        count: u32,
        /// Buffer sizes and timeout mode, set before `connect()`.
        opts: SockOpts,
    },
    /// `accept()` on a listener.
    Accept {
        /// The listener.
        listener: SockName,
        /// How many times.
        count: AcceptCount,
    },
    /// One `send()` call, or one per piece (`send C1 "GET / " "HTTP/1.0\n"`),
    /// each made as soon as the one before returns.
    Send {
        /// The sending socket.
        sock: SockName,
        /// What to send.
        payload: Payload,
        /// Further pieces, each its own `send()` right after the one before:
        /// a program writing a message in parts, with no pause between.
        more: Vec<Payload>,
    },
    /// `send()` until all is sent.
    SendAll {
        /// The sending socket.
        sock: SockName,
        /// What to send.
        payload: Payload,
        /// Slow motion: at most this many bytes a second (`rate=4k/s`).
        rate: Option<u64>,
    },
    /// One `recv()` call.
    Recv {
        /// The receiving socket.
        sock: SockName,
        /// The buffer size passed to `recv()`.
        size: u64,
        /// MSG_PEEK.
        peek: bool,
    },
    /// `recv()` until `size` bytes or end of stream.
    RecvAll {
        /// The receiving socket.
        sock: SockName,
        /// How many bytes to collect.
        size: u64,
    },
    /// Read what is queued, once or continuously.
    Drain {
        /// The receiving socket.
        sock: SockName,
        /// Once, on or off.
        mode: DrainMode,
        /// Slow motion for `drain S on`: at most this many bytes a second.
        rate: Option<u64>,
    },
    /// `shutdown()`.
    Shutdown {
        /// The socket.
        sock: SockName,
        /// Which direction.
        how: ShutdownHow,
    },
    /// `close()`.
    Close {
        /// The socket.
        sock: SockName,
        /// Set SO_LINGER 0 first, so the peer gets a reset.
        rst: bool,
    },
    /// Change options on a live socket.
    Set {
        /// The socket.
        sock: SockName,
        /// The options to change.
        opts: SockOpts,
    },
    /// Bare SYNs to a lab listener, never completed (`syn L xN`).
    Syn {
        /// The listener.
        listener: SockName,
        /// How many SYNs.
        count: u32,
    },
    /// socket(SOCK_DGRAM) + bind: a UDP socket.
    Udp {
        /// Where to bind; `None` is `127.0.0.1:0`.
        addr: Option<Endpoint>,
        /// Buffer sizes and timeout mode, set before `bind()`.
        opts: SockOpts,
    },
    /// `sendto()`: one datagram, or `count` of them, each its own call.
    SendTo {
        /// The sending UDP socket.
        sock: SockName,
        /// Where the datagrams go.
        target: Target,
        /// What each datagram holds.
        payload: Payload,
        /// How many datagrams.
        count: u32,
    },
    /// One `recvfrom()`: one datagram, whole or cut to the buffer.
    RecvFrom {
        /// The receiving UDP socket.
        sock: SockName,
        /// The buffer size passed to `recvfrom()`.
        size: u64,
        /// MSG_PEEK.
        peek: bool,
    },
    /// `connect()` on a UDP socket: a default peer and a filter, no handshake.
    UdpConnect {
        /// The UDP socket.
        sock: SockName,
        /// Its new peer.
        target: Target,
    },
    /// `listen()` on an existing socket (a UDP one: the kernel refuses).
    ListenOn {
        /// The socket.
        sock: SockName,
        /// The backlog passed to `listen()`.
        backlog: i32,
    },
}

impl Command {
    /// The lab socket the command acts on, if it names one.
    pub fn subject(&self) -> Option<SockName> {
        match self {
            Command::Listen { .. } => None,
            Command::Connect { target, .. } => match target {
                Target::Listener(l) | Target::Socket(l) => Some(*l),
                Target::Endpoint(_) => None,
            },
            Command::Accept { listener, .. } | Command::Syn { listener, .. } => Some(*listener),
            Command::Udp { .. } => None,
            Command::Send { sock, .. }
            | Command::SendAll { sock, .. }
            | Command::Recv { sock, .. }
            | Command::RecvAll { sock, .. }
            | Command::Drain { sock, .. }
            | Command::Shutdown { sock, .. }
            | Command::Close { sock, .. }
            | Command::Set { sock, .. }
            | Command::SendTo { sock, .. }
            | Command::RecvFrom { sock, .. }
            | Command::UdpConnect { sock, .. }
            | Command::ListenOn { sock, .. } => Some(*sock),
        }
    }
}
