//! The lab: real sockets, driven one call at a time.
//!
//! [`Lab::execute`] checks a [`Command`] against the lab (unknown or closed
//! sockets are refused before anything changes), then carries it out: calls
//! that can block go to the socket's sending or receiving lane, calls
//! that cannot (`listen`, `shutdown`, `close`, `set`) act at once. Every
//! finished call is sent as a [`LabEvent`] on the channel `Lab::new` returns.
//!
//! This module knows nothing of terminals: the TUI and `sockplay run` are two
//! front ends on it.

mod accept;
mod calls;
pub mod command;
pub mod congestion;
mod connecting;
mod control;
mod datagram;
mod defer;
mod ended;
mod ending;
pub mod errno;
mod explain;
mod holder;
mod interrupt;
mod lane;
pub(crate) mod latch;
pub mod limits;
mod listen_words;
mod lookup;
pub mod name;
pub mod netns;
mod observer;
mod open;
pub mod options;
mod pace;
pub mod pattern;
pub mod preview;
mod record;
mod registry;
pub mod result;
mod settimeout;
pub mod sides;
mod socket;
mod stream;
pub mod syn;
pub mod syn_limit;
pub mod tcp_opts;
mod turns;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use calls::{CallMark, KEPT as CALLS_KEPT};
pub use command::{
    AcceptCount, Command, DrainMode, Endpoint, Payload, ShutdownHow, SockOpts, Target, TimeoutMode,
};
pub use congestion::Congestion;
pub use ended::Ended;
pub use errno::Errno;
pub use lane::InFlight;
pub use lookup::{Hints, Resolver, getaddrinfo, getaddrinfo_with};
pub use name::{Role, SockName};
pub use observer::Observer;
pub use options::BufSize;
pub use preview::Preview;
pub use result::{
    Arg, Call, CallResult, Datagram, Kind, LabEvent, Outcome, Started, WaitsIn, call_text,
};
pub use socket::{Meta, SocketInfo};
pub use tcp_opts::TcpOpts;

use lookup::Dest;
use registry::Registry;
use socket::LabSocket;

/// The most bytes one `send` or `recv` call may ask for; `sendall` and
/// `recvall` move more in steps of at most this many.
pub const MAX_CALL_BYTES: u64 = 16 << 20;

/// The call that makes a socket of this role.
fn maker(role: Role) -> &'static str {
    match role {
        Role::Listener => "listen",
        Role::Client => "connect",
        Role::Accepted => "accept",
        Role::Udp => "udp",
        Role::Watched => "watch",
    }
}

/// Why the lab refused a command. Nothing changed in the lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The name was never given to a socket in this run.
    #[error("there is no socket {0} (see `show` for the sockets there are)")]
    UnknownSocket(SockName),
    /// A watched socket belongs to another process: the lab only looks at it.
    #[error(
        "{0} is another process's socket, only watched: the lab can connect to its port (connect HOST:PORT), not call on it"
    )]
    Watched(SockName),
    /// The name went to a call that failed, so there is no such socket.
    #[error("there is no socket {0}: the {call} that was to make it failed (see its result)", call = maker(.0.role))]
    NeverMade(SockName),
    /// The socket was closed.
    #[error("{0} is closed")]
    Closed(SockName),
    /// `connect` was given a socket that is not a listener.
    #[error("connect needs a listener (L1) or HOST:PORT, and {0} is not a listener")]
    NotAListener(SockName),
    /// `drain S off` with no `drain S on` running.
    #[error("{0} has no `drain on` running")]
    NotDraining(SockName),
    /// `drain S on` while one already runs.
    #[error("{0} is already draining (`drain {0} off` stops it)")]
    AlreadyDraining(SockName),
    /// The lab could not start a thread for a lane.
    #[error("cannot start a thread for {0}: {1}")]
    Thread(SockName, std::io::Error),
    /// `syn` outside a network namespace of the lab's own.
    #[error(
        "syn floods only a lab of its own: run `sockplay --netns …` (it never floods this machine's network)"
    )]
    SynOutsideOwnNetns,
    /// `syn` at a listener it cannot reach with IPv4 SYNs.
    #[error(
        "syn sends IPv4 SYNs to 127.0.0.1, and {0} is not listening there (try `listen backlog=4`)"
    )]
    SynNotIpv4(SockName),
    /// A datagram call on a TCP socket, or a UDP target that is not a UDP socket.
    #[error("{0} is a TCP socket; {1} needs a UDP socket (U1, made by `udp`)")]
    NotUdp(SockName, &'static str),
    /// A stream call on a UDP socket.
    #[error(
        "{0} is a UDP socket, and {1} is a byte-stream loop: a datagram goes whole or not at all; use {2}"
    )]
    NotAStream(SockName, &'static str, &'static str),
}

/// The state the lab shares with its lane threads.
pub(crate) struct Shared {
    start: Instant,
    seq: AtomicU64,
    /// Which run of the lab this is; `reset` starts a new one, and results
    /// of calls begun in an older run are not reported.
    epoch: AtomicU64,
    /// Bare SYNs `syn` has sent: the next one's spoofed source. Never reset,
    /// so a new run's SYNs do not meet an old run's half-open entries.
    syns: std::sync::atomic::AtomicU32,
    events: Mutex<Sender<LabEvent>>,
    registry: Mutex<Registry>,
    /// The calls as they began and returned, for the wire's attribution.
    calls: Mutex<calls::CallLog>,
    /// Told of every socket that joins the lab (the wire's port filter).
    on_register: Mutex<Option<RegisterHook>>,
    /// How host names are looked up, and the lookups in flight.
    lookups: lookup::Lookups,
    /// Counts the changes to who is where: a socket joined, a connect
    /// learned its local address.
    generation: AtomicU64,
    /// Held while a name lookup's result and the calls it led to are told
    /// (see [`Lab::told`]).
    telling: Mutex<()>,
}

/// A function told of each socket that joins the lab: its name, local and
/// peer address.
pub type RegisterHook =
    Arc<dyn Fn(SockName, Option<std::net::SocketAddr>, Option<std::net::SocketAddr>) + Send + Sync>;

impl Shared {
    /// Held while a lookup's result and the calls it led to are told, so
    /// that they are told as one.
    pub(crate) fn telling(&self) -> std::sync::MutexGuard<'_, ()> {
        self.telling.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn call_log(&self) -> std::sync::MutexGuard<'_, calls::CallLog> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// `count` calls on `sock` at once, numbered one after another: the
    /// first of them (the others follow it, alike but for their seq).
    pub(crate) fn begin_many(&self, sock: SockName, call: Call, arg: Arg, count: u32) -> Started {
        let first = self
            .seq
            .fetch_add(u64::from(count.max(1)), Ordering::Relaxed)
            + 1;
        Started {
            seq: first,
            sock,
            call,
            arg,
            t: self.now(),
            paced: false,
            waits: WaitsIn::Kernel,
        }
    }

    /// A new call on `sock`: the next seq, and now.
    pub(crate) fn begin(&self, sock: SockName, call: Call, arg: Arg) -> Started {
        Started {
            seq: self.next_seq(),
            sock,
            call,
            arg,
            t: self.now(),
            paced: false,
            waits: WaitsIn::Kernel,
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn emit_in(&self, epoch: u64, event: LabEvent) {
        if epoch == self.epoch() {
            self.emit(event);
        }
    }

    pub(crate) fn emit(&self, event: LabEvent) {
        // A front end that has gone away no longer needs events.
        let _ = self
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(event);
    }
}

/// The lab: every socket of a run, and the threads that call on them.
pub struct Lab {
    shared: Arc<Shared>,
    /// [`Lab::shutdown`] has run: dropping the lab does not wait again.
    ended: std::sync::atomic::AtomicBool,
}

impl Lab {
    /// A new, empty lab, and the channel on which it reports finished calls.
    pub fn new() -> (Lab, Receiver<LabEvent>) {
        interrupt::install();
        connecting::start();
        let (tx, rx) = mpsc::channel();
        let shared = Shared {
            start: Instant::now(),
            seq: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            syns: std::sync::atomic::AtomicU32::new(0),
            events: Mutex::new(tx),
            registry: Mutex::new(Registry::default()),
            calls: Mutex::new(calls::CallLog::default()),
            on_register: Mutex::new(None),
            lookups: lookup::Lookups::default(),
            generation: AtomicU64::new(0),
            telling: Mutex::new(()),
        };
        (
            Lab {
                shared: Arc::new(shared),
                ended: std::sync::atomic::AtomicBool::new(false),
            },
            rx,
        )
    }

    /// Time since the lab started; the `t` of results.
    pub fn elapsed(&self) -> Duration {
        self.shared.now()
    }

    /// Carries out a command. Returns the calls it began; their
    /// results arrive as events. A refused command changes nothing.
    pub fn execute(&self, cmd: &Command) -> Result<Vec<Started>, LabError> {
        let shared = &self.shared;
        match cmd {
            Command::Listen {
                addr,
                backlog,
                reuseaddr,
                opts,
                defer_accept,
                port_alone,
            } => {
                let listen = open::Listen {
                    backlog: *backlog,
                    reuseaddr: *reuseaddr,
                    opts: *opts,
                    defer_accept: *defer_accept,
                    port_alone: *port_alone,
                };
                match addr.as_ref().map(|ep| (ep, lookup::literal(ep))) {
                    Some((ep, None)) => lookup::resolve_then(shared, ep, Role::Listener, {
                        move |shared, addr, after| {
                            open::listen(shared, addr, &listen, Some(after));
                        }
                    }),
                    Some((_, Some(addr))) => Ok(open::listen(shared, addr, &listen, None)),
                    None => Ok(open::listen(shared, sides::default_listen(), &listen, None)),
                }
            }
            Command::Connect {
                target,
                count,
                opts,
            } => match self.resolve_target(target)? {
                Dest::Named(ep) => {
                    let (count, opts) = (*count, *opts);
                    lookup::resolve_then(shared, ep, Role::Client, move |shared, addr, after| {
                        // A failure here is reported as the connect's result.
                        let _ = open::connect(shared, addr, count, &opts, Some(after));
                    })
                }
                Dest::Known(addr) => open::connect(shared, addr, *count, opts, None),
            },
            Command::Accept { listener, count } => {
                // A UDP socket has no queue to empty: one accept() shows why.
                let count = match listener.role {
                    Role::Udp => AcceptCount::Times(1),
                    _ => *count,
                };
                accept::accept(shared, &self.open_socket(*listener)?, count)
            }
            Command::Send { sock, payload, .. } if sock.role == Role::Udp => {
                datagram::send(shared, &self.open_socket(*sock)?, None, payload, 1)
            }
            Command::Send {
                sock,
                payload,
                more,
            } => {
                // Queued together on the socket's lane: each send() runs as
                // soon as the one before returns, with no pause between.
                let socket = self.open_socket(*sock)?;
                let mut started = stream::send(shared, &socket, payload.clone())?;
                for piece in more {
                    started.extend(stream::send(shared, &socket, piece.clone())?);
                }
                Ok(started)
            }
            Command::SendAll {
                sock,
                payload,
                rate,
            } => {
                self.stream_only(*sock, "sendall", "send or sendto")?;
                stream::sendall(shared, &self.open_socket(*sock)?, payload.clone(), *rate)
            }
            Command::Recv { sock, size, peek } if sock.role == Role::Udp => {
                datagram::recv(shared, &self.open_socket(*sock)?, Call::Recv, *size, *peek)
            }
            Command::Recv { sock, size, peek } => {
                stream::recv(shared, &self.open_socket(*sock)?, *size, *peek)
            }
            Command::RecvAll { sock, size } => {
                self.stream_only(*sock, "recvall", "recvfrom")?;
                stream::recvall(shared, &self.open_socket(*sock)?, *size)
            }
            Command::Drain { sock, mode, rate } => {
                self.stream_only(*sock, "drain", "recvfrom")?;
                stream::drain(shared, &self.open_socket(*sock)?, *mode, *rate)
            }
            Command::Udp { addr, opts } => match addr.as_ref().map(lookup::dest) {
                Some(Dest::Named(ep)) => {
                    let opts = *opts;
                    lookup::resolve_then(shared, ep, Role::Udp, move |shared, addr, after| {
                        datagram::udp(shared, Some(addr), &opts, Some(after));
                    })
                }
                Some(Dest::Known(addr)) => Ok(datagram::udp(shared, Some(addr), opts, None)),
                None => Ok(datagram::udp(shared, None, opts, None)),
            },
            Command::SendTo {
                sock,
                target,
                payload,
                count,
            } => {
                let sock = self.udp_socket(*sock, "sendto")?;
                match self.datagram_target(target)? {
                    Dest::Known(to) => datagram::send(shared, &sock, Some(to), payload, *count),
                    Dest::Named(ep) => {
                        let (payload, count) = (payload.clone(), *count);
                        let then: lookup::Then = Box::new(move |shared, sock, addr| {
                            let to = datagram::Peer { addr, name: None };
                            datagram::send_jobs(shared, sock, Some(to), &payload, count)
                        });
                        lookup::resolve_on_lane(shared, &sock, ep, then)
                    }
                }
            }
            Command::RecvFrom { sock, size, peek } => {
                let sock = self.udp_socket(*sock, "recvfrom")?;
                datagram::recv(shared, &sock, Call::RecvFrom, *size, *peek)
            }
            Command::UdpConnect { sock, target } => {
                let sock = self.udp_socket(*sock, "connect to a target")?;
                match self.datagram_target(target)? {
                    Dest::Known(to) => Ok(datagram::connect(shared, &sock, to)),
                    Dest::Named(ep) => {
                        let then: lookup::Then = Box::new(|shared, sock, addr| {
                            let to = datagram::Peer { addr, name: None };
                            vec![datagram::connect_job(shared, sock, to)]
                        });
                        lookup::resolve_on_lane(shared, &sock, ep, then)
                    }
                }
            }
            Command::ListenOn { sock, backlog } => Ok(datagram::listen(
                shared,
                &*self.open_socket(*sock)?,
                *backlog,
            )),
            Command::Shutdown { sock, how } => {
                Ok(control::shutdown(shared, &*self.open_socket(*sock)?, *how))
            }
            Command::Close { sock, rst } => {
                Ok(control::close(shared, &self.open_socket(*sock)?, *rst))
            }
            Command::Set { sock, opts } => {
                Ok(control::set(shared, &*self.open_socket(*sock)?, opts))
            }
            Command::Syn { listener, count } => {
                if listener.role != Role::Listener {
                    return Err(LabError::SynNotIpv4(*listener));
                }
                syn::flood(shared, &*self.open_socket(*listener)?, *count)
            }
        }
    }

    /// The socket of that name, if it exists and is open.
    fn open_socket(&self, name: SockName) -> Result<Arc<LabSocket>, LabError> {
        let sock = self.shared.lookup(name)?;
        if sock.is_closed() {
            return Err(LabError::Closed(name));
        }
        Ok(sock)
    }

    /// Refuses a stream call on a UDP socket.
    fn stream_only(
        &self,
        sock: SockName,
        call: &'static str,
        instead: &'static str,
    ) -> Result<(), LabError> {
        match sock.role {
            Role::Udp => Err(LabError::NotAStream(sock, call, instead)),
            _ => Ok(()),
        }
    }

    /// The open UDP socket of that name, for a datagram call.
    fn udp_socket(&self, name: SockName, call: &'static str) -> Result<Arc<LabSocket>, LabError> {
        if name.role != Role::Udp {
            return Err(LabError::NotUdp(name, call));
        }
        self.open_socket(name)
    }

    /// Where a datagram goes: a lab UDP socket (closed ones too: their
    /// address stays), an address, or a host name to look up.
    fn datagram_target<'a>(
        &self,
        target: &'a Target,
    ) -> Result<Dest<'a, datagram::Peer>, LabError> {
        match target {
            Target::Endpoint(ep) => Ok(match lookup::dest(ep) {
                Dest::Known(addr) => Dest::Known(datagram::Peer { addr, name: None }),
                Dest::Named(ep) => Dest::Named(ep),
            }),
            Target::Listener(name) | Target::Socket(name) => {
                if name.role != Role::Udp {
                    return Err(LabError::NotUdp(*name, "a target"));
                }
                let sock = self.shared.lookup(*name)?;
                let peer = datagram::target_of(&sock).ok_or(LabError::NeverMade(*name))?;
                Ok(Dest::Known(peer))
            }
        }
    }

    /// Where a client connects: a listener's address, an address, or a
    /// host name to look up.
    fn resolve_target<'a>(
        &self,
        target: &'a Target,
    ) -> Result<Dest<'a, std::net::SocketAddr>, LabError> {
        match target {
            Target::Listener(name) => {
                if name.role != Role::Listener {
                    return Err(LabError::NotAListener(*name));
                }
                // A closed listener's name still means its address: connecting
                // there shows what a client meets when nobody listens.
                let sock = self.shared.lookup(*name)?;
                let local = sock.meta().local;
                local
                    .map(|a| Dest::Known(open::reachable(a)))
                    .ok_or(LabError::NotAListener(*name))
            }
            Target::Endpoint(ep) => Ok(lookup::dest(ep)),
            Target::Socket(name) => Err(LabError::NotAListener(*name)),
        }
    }

    /// Tells `hook` of every socket that joins the lab from now on, before
    /// its first call runs.
    pub fn on_register(&self, hook: RegisterHook) {
        *self
            .shared
            .on_register
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    /// A read-only handle on the lab for other threads (the kernel sampler).
    pub fn observer(&self) -> Observer {
        Observer {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Everything the front ends show about every socket, in name order.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.shared.listed().iter().map(|s| s.info()).collect()
    }

    /// How many sockets the lab lists (closed ones the kernel still holds
    /// included).
    pub fn socket_count(&self) -> usize {
        self.shared.count()
    }

    /// Whether `name` is in the lab's list (open, or closed and still held
    /// by the kernel).
    pub fn is_listed(&self, name: SockName) -> bool {
        self.shared.get(name).is_some()
    }

    /// Whether `name` was given to a socket of the lab: one listed, or a
    /// closed one that left the list.
    pub fn knows(&self, name: SockName) -> bool {
        self.shared.knows(name)
    }

    /// How many closed sockets have left the list since the lab began
    /// (see [`Observer::retire`]): what is kept about them may go too.
    pub fn retired_count(&self) -> u64 {
        self.shared.retired_count()
    }

    /// One socket's information.
    pub fn socket(&self, name: SockName) -> Option<SocketInfo> {
        self.shared.get(name).map(|s| s.info())
    }

    /// A call about to be told blocked, saying where it waits: under
    /// Python's time-out, in the program's own `poll()`, not in the kernel;
    /// on a non-blocking socket, in its loop between calls.
    pub fn as_blocked(&self, call: &Started) -> Started {
        let waits = match self.socket(call.sock).and_then(|s| s.meta.timeout) {
            Some(TimeoutMode::Timeout(_)) => WaitsIn::Poll,
            Some(TimeoutMode::NonBlocking) => WaitsIn::Loop,
            _ => WaitsIn::Kernel,
        };
        Started {
            waits,
            ..call.clone()
        }
    }

    /// Calls queued or running on a socket (0 for unknown names).
    pub fn pending(&self, name: SockName) -> usize {
        self.shared.get(name).map_or(0, |s| s.pending())
    }

    /// Calls queued or running on any socket.
    pub fn pending_all(&self) -> usize {
        let lookups = self.shared.lookups.free_standing();
        lookups + self.shared.all().iter().map(|s| s.pending()).sum::<usize>()
    }

    /// Whether a call that has not returned has settled into the kernel:
    /// its thread sleeps there, or waits behind a call whose thread does,
    /// or it is a name lookup. A call not yet run, waiting for a CPU, or
    /// done but not yet told has not settled.
    pub fn settled(&self, call: &Started) -> bool {
        if self
            .shared
            .lookups
            .in_flight()
            .iter()
            .any(|c| c.seq == call.seq)
        {
            return true;
        }
        self.shared.get(call.sock).is_some_and(|s| {
            s.send
                .settled(call.seq)
                .or_else(|| s.recv.settled(call.seq))
                .unwrap_or(false)
        })
    }

    /// Returns once what a name lookup led to has been told with it: a
    /// `listen HOST:PORT` tells its `getaddrinfo`, then its `listen`, from
    /// the lookup's thread, and a script that ends as soon as the first is
    /// told would otherwise close the lab before the second.
    pub fn told(&self) {
        drop(self.shared.telling());
    }

    /// The name lookups not answered yet, each with its call.
    pub fn lookups_in_flight(&self) -> Vec<Started> {
        self.shared.lookups.in_flight()
    }

    /// Looks host names up with `resolver` instead of the system's
    /// `getaddrinfo` (a test's resolver that never answers).
    pub fn set_resolver(&self, resolver: Resolver) {
        self.shared.lookups.set_resolver(resolver);
    }

    /// Starts the lab afresh: closes every socket (as `shutdown` does), then
    /// forgets them, so that names and call numbers begin again at 1. The
    /// results of calls woken by the reset are not reported.
    pub fn reset(&self) {
        self.shared.epoch.fetch_add(1, Ordering::AcqRel);
        control::shutdown_all(&self.shared, Duration::from_secs(1));
        self.shared.forget_all();
        self.shared.lookups.forget_all();
        self.shared.call_log().clear();
        self.shared.seq.store(0, Ordering::Relaxed);
    }

    /// Wakes every blocked call and closes every socket, waiting at most
    /// `limit` for the calls to return. Threads still stuck after that are
    /// left behind; their sockets close when they return or the process ends.
    pub fn shutdown(&self, limit: Duration) {
        self.ended.store(true, Ordering::Release);
        control::shutdown_all(&self.shared, limit);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Shut down already (quitting): what it left running is left
        // behind, not waited for a second time.
        if !self.ended.load(Ordering::Acquire) {
            self.shutdown(Duration::from_secs(1));
        }
    }
}
