//! What a finished call leaves behind: its result record.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::errno::Errno;
use super::name::SockName;
use super::preview::Preview;

/// Which socket call a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    /// socket + bind + listen.
    Listen,
    /// `connect()`.
    Connect,
    /// `accept()`.
    Accept,
    /// One `send()`.
    Send,
    /// A `sendall` loop (its steps are `Send` records).
    SendAll,
    /// One `recv()`.
    Recv,
    /// A `recvall` loop (its steps are `Recv` records).
    RecvAll,
    /// A `drain` (many `recv()` calls, counted together).
    Drain,
    /// `shutdown()`.
    Shutdown,
    /// `close()`.
    Close,
    /// `setsockopt()` calls of `set`.
    Set,
    /// Bare SYNs from a raw socket (`syn`).
    Syn,
    /// socket(SOCK_DGRAM) + bind.
    Udp,
    /// One `sendto()`: one datagram.
    SendTo,
    /// One `recvfrom()`: one datagram.
    RecvFrom,
    /// `getaddrinfo()`: a host name looked up before a socket call.
    Lookup,
}

impl Call {
    /// The name used in transcripts and the JSON `call` field.
    pub fn name(self) -> &'static str {
        match self {
            Call::Listen => "listen",
            Call::Connect => "connect",
            Call::Accept => "accept",
            Call::Send => "send",
            Call::SendAll => "sendall",
            Call::Recv => "recv",
            Call::RecvAll => "recvall",
            Call::Drain => "drain",
            Call::Shutdown => "shutdown",
            Call::Close => "close",
            Call::Set => "set",
            Call::Syn => "syn",
            Call::Udp => "udp",
            Call::SendTo => "sendto",
            Call::RecvFrom => "recvfrom",
            Call::Lookup => "getaddrinfo",
        }
    }

    /// Whether the call moves bytes, so that it has a count asked for.
    pub fn moves_bytes(self) -> bool {
        matches!(
            self,
            Call::Send | Call::SendAll | Call::Recv | Call::RecvAll | Call::SendTo | Call::RecvFrom
        )
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// The argument a call was made with, as shown in `send(65536)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// No argument (`accept`, `close`).
    None,
    /// A byte count (`send`, `recv`).
    Bytes(u64),
    /// Words (`connect 127.0.0.1:80`, `shutdown write`): shared by the
    /// copies of a call (its lane, its record, the log, the calls shown
    /// blocked) and by the calls of one line (`connect L1 x20000`).
    Text(Arc<str>),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::None => Ok(()),
            Arg::Bytes(n) => write!(f, "{n}"),
            Arg::Text(t) => f.write_str(t),
        }
    }
}

/// `send(65536)`, `accept`, `connect(127.0.0.1:80)`: a call as the results show it.
pub fn call_text(call: Call, arg: &Arg) -> String {
    let arg = arg.to_string();
    if arg.is_empty() {
        call.name().to_string()
    } else {
        format!("{}({arg})", call.name())
    }
}

/// What the call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The call returned this count (bytes, or 0 for calls that return 0 on success).
    Ret(u64),
    /// The call failed with this errno.
    Err(Errno),
    /// A call under a time-out (`timeout=DURATION`, Python's `settimeout`)
    /// found nothing ready in time: Python's `TimeoutError('timed out')`,
    /// with no return value and no errno.
    TimedOut,
}

impl From<Result<u64, Errno>> for Outcome {
    fn from(r: Result<u64, Errno>) -> Self {
        match r {
            Ok(n) => Outcome::Ret(n),
            Err(e) => Outcome::Err(e),
        }
    }
}

impl Outcome {
    /// The return value, if the call succeeded.
    pub fn ret(self) -> Option<u64> {
        match self {
            Outcome::Ret(n) => Some(n),
            Outcome::Err(_) | Outcome::TimedOut => None,
        }
    }

    /// The errno, if the call failed.
    pub fn errno(self) -> Option<Errno> {
        match self {
            Outcome::Ret(_) | Outcome::TimedOut => None,
            Outcome::Err(e) => Some(e),
        }
    }
}

/// How a result should be read at a glance (told apart by words and colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Did all that was asked.
    Complete,
    /// Moved fewer bytes than asked.
    Partial,
    /// Would have waited, and did not (non-blocking EAGAIN, EINPROGRESS).
    WouldBlock,
    /// Waited as long as allowed and gave up.
    TimedOut,
    /// `recv` returned 0: the peer will send no more.
    EndOfStream,
    /// Any other errno.
    Error,
    /// A datagram longer than the buffer: the rest of it is gone.
    Truncated,
}

impl Kind {
    /// The word shown next to the result.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Complete => "ok",
            Kind::Partial => "partial",
            Kind::WouldBlock => "would block",
            Kind::TimedOut => "timed out",
            Kind::EndOfStream => "end of stream",
            Kind::Error => "error",
            Kind::Truncated => "truncated",
        }
    }
}

/// One finished call (a result line, and the JSON `op` record).
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// The call's number in this run.
    pub seq: u64,
    /// For one step of `sendall`/`recvall`: the seq of the whole loop.
    pub part_of: Option<u64>,
    /// The socket the call was made on.
    pub sock: SockName,
    /// Which call.
    pub call: Call,
    /// Its argument.
    pub arg: Arg,
    /// When it finished, since the lab started.
    pub t: Duration,
    /// How long it took.
    pub elapsed: Duration,
    /// What it returned.
    pub outcome: Outcome,
    /// A send, sendall or recvall that moved fewer bytes than asked: the
    /// rest is still to do. A recv returns what is there, never partial.
    pub partial: bool,
    /// It ended because its time-out ran out.
    pub timed_out: bool,
    /// How to read it at a glance.
    pub kind: Kind,
    /// Sockets the call made (`accept` → `A1`).
    pub created: Vec<SockName>,
    /// One plain sentence on what the result means here.
    pub explain: String,
    /// The first bytes received (escaped when shown).
    pub data: Option<Preview>,
    /// For a call that moved one datagram: its other end and its length.
    pub datagram: Option<Box<Datagram>>,
}

/// One datagram a call moved: where it came from or went, and how long it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// It was received (the peer is its sender), not sent.
    pub received: bool,
    /// The other end: the sender of a received datagram, the target of a sent one.
    pub peer: Option<SocketAddr>,
    /// That end's lab name, when it is a lab socket.
    pub peer_name: Option<SockName>,
    /// The datagram's whole length, which a received one may have had more of than was returned.
    pub len: u64,
    /// Received into a buffer shorter than the datagram (MSG_TRUNC): the rest is gone.
    pub truncated: bool,
    /// Received with MSG_PEEK: the datagram stays queued, whole.
    pub peek: bool,
}

impl Datagram {
    /// `U2 (127.0.0.1:5000)`, or the address alone when it is not the lab's.
    pub fn peer_text(&self) -> String {
        let addr = self.peer.map_or_else(|| "?".into(), |a| a.to_string());
        match self.peer_name {
            Some(n) => format!("{n} ({addr})"),
            None => addr,
        }
    }
}

impl CallResult {
    /// How many bytes were asked for, for calls that move bytes.
    pub fn asked(&self) -> Option<u64> {
        match (&self.arg, self.call.moves_bytes()) {
            (Arg::Bytes(n), true) => Some(*n),
            _ => None,
        }
    }

    /// The share of the asked bytes that was moved, in percent, for partial results.
    pub fn percent(&self) -> Option<u64> {
        let asked = self.asked()?;
        let ret = self.outcome.ret()?;
        (self.partial && asked > 0).then(|| ret * 100 / asked)
    }
}

/// A call the lab has begun and not yet finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The call's number.
    pub seq: u64,
    /// The socket.
    pub sock: SockName,
    /// Which call.
    pub call: Call,
    /// Its argument.
    pub arg: Arg,
    /// When it was submitted, since the lab started.
    pub t: Duration,
    /// It keeps to a rate (`sendall … rate=`): between its steps it waits
    /// by choice, not for the kernel.
    pub paced: bool,
    /// Where it waits while it has not returned.
    pub waits: WaitsIn,
}

/// Where a call that has not returned waits, as its socket's mode decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WaitsIn {
    /// In the call, in the kernel: a blocking socket.
    #[default]
    Kernel,
    /// In the program's own `poll()` for the socket to be ready, up to
    /// Python's time-out, not in the call in the kernel.
    Poll,
    /// Between calls: on a non-blocking socket each call returns at once
    /// (EAGAIN), and a loop (`sendall`, `recvall`) waits in `poll()` for
    /// the socket to be ready before it calls again, as an event loop does.
    Loop,
}

impl Started {
    /// How a call still in the kernel is told: `drain on` is meant to run
    /// until it is turned off, so it is not stuck, it is draining.
    pub fn still_running(&self) -> &'static str {
        match (&self.call, &self.arg) {
            (Call::Drain, Arg::Text(t)) if &**t == "on" => {
                "[draining] reads all that arrives until drain off or end of stream"
            }
            (Call::Lookup, _) => "[looking up] the resolver has not answered yet",
            (Call::SendAll, _) if self.paced => {
                "[paced] sends at its rate, a step at a time; a step waits only while the buffers are full"
            }
            // A loop is no kernel call: the step it is at is.
            (Call::RecvAll, _) if self.waits == WaitsIn::Poll => {
                "[blocked] its recv() waits in poll(), up to the time-out"
            }
            (Call::SendAll, _) if self.waits == WaitsIn::Poll => {
                "[blocked] its send() waits in poll(), up to the time-out"
            }
            // Short enough for one row of an 80-column results pane:
            // the send() calls below it say they return at once.
            (Call::RecvAll, _) if self.waits == WaitsIn::Loop => {
                "[waiting] in poll() for data between recv()s"
            }
            (Call::SendAll, _) if self.waits == WaitsIn::Loop => {
                "[waiting] in poll() for room between send()s"
            }
            (Call::RecvAll, _) => "[blocked] its recv() waits in the kernel",
            (Call::SendAll, _) => "[blocked] its send() waits in the kernel",
            _ if self.waits == WaitsIn::Poll => {
                "[blocked] in poll(), until the socket is ready or the time-out"
            }
            _ => "[blocked] still in the kernel",
        }
    }

    /// How a call told blocked is told once it has ended: its line stays
    /// where it was told, and its result is listed further down.
    pub fn ended_since(&self) -> &'static str {
        match (&self.call, &self.arg) {
            (Call::Drain, Arg::Text(t)) if &**t == "on" => {
                "[draining] until drain off; its result is further down"
            }
            (Call::Lookup, _) => "[looking up] at first; answered since, further down",
            (Call::SendAll, _) if self.paced => "[paced] at first; ended since, further down",
            _ => "[blocked] at first; ended since, its result further down",
        }
    }
}

/// What the lab tells its front end.
#[derive(Debug, Clone, PartialEq)]
pub enum LabEvent {
    /// A call finished.
    Finished(CallResult),
}
