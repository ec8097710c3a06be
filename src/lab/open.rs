//! Calls that make sockets: `listen` and `connect` (`accept` is in its
//! own file).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::command::SockOpts;
use super::errno::Errno;
use super::lane::Job;
use super::name::{Role, SockName};
use super::options::{BufSize, apply_buffers, apply_mode, read_buffers};
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Outcome, Started};
use super::settimeout;
use super::socket::{LabSocket, Latch, Meta};
use super::turns::queue_connect;
use super::{LabError, Shared};

/// Where a client reaches a listener bound to `addr` (a wildcard address
/// becomes the loopback address of its family, or the server side's
/// address when the lab is on a link).
pub(crate) fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() && super::sides::get().is_some() => {
            SocketAddr::new(IpAddr::V4(super::sides::SERVER_IP), addr.port())
        }
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

fn new_tcp(addr: &SocketAddr) -> Result<Socket, Errno> {
    Socket::new(
        Domain::for_address(*addr),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .map_err(|e| Errno::of(&e))
}

/// A client's socket: on the link's client side when it connects to the
/// server side's address, else in the lab's namespace.
fn new_client(addr: &SocketAddr) -> Result<Socket, Errno> {
    match super::sides::crosses(addr) {
        Some(sides) => sides
            .on_client_side(|| new_tcp(addr))
            .map_err(|e| Errno::of(&e))?,
        None => new_tcp(addr),
    }
}

pub(crate) fn buf_sizes(sock: &Socket, opts: &SockOpts) -> (BufSize, BufSize) {
    let (rcv, snd) = read_buffers(sock).unwrap_or_default();
    (
        BufSize {
            asked: opts.rcvbuf,
            effective: rcv,
        },
        BufSize {
            asked: opts.sndbuf,
            effective: snd,
        },
    )
}

/// "rcvbuf 4096 → 8192" for each size that was asked.
pub(crate) fn describe_buffers(rcv: BufSize, snd: BufSize) -> String {
    [("rcvbuf", rcv), ("sndbuf", snd)]
        .iter()
        .filter_map(|(what, b)| b.asked.map(|a| format!("; {what} {a} → {}", b.effective)))
        .collect()
}

/// What `listen` asks for besides the address.
pub(crate) struct Listen {
    /// The backlog passed to `listen()`.
    pub backlog: i32,
    /// SO_REUSEADDR, when given.
    pub reuseaddr: Option<bool>,
    /// Buffer sizes and timeout mode.
    pub opts: SockOpts,
    /// TCP_DEFER_ACCEPT, when given.
    pub defer_accept: Option<std::time::Duration>,
    /// The address was a port alone (`listen 5`).
    pub port_alone: bool,
}

/// After a name lookup: the name it kept for the socket, and what reports
/// the lookup, called once the socket has joined the lab (or failed to), so
/// that a script's next line finds it.
pub(crate) struct AfterLookup<'a> {
    /// The name the lookup kept.
    pub name: SockName,
    /// Finishes the lookup's record.
    pub report: Box<dyn FnOnce() + 'a>,
}

/// Which of a listener's calls failed: EADDRINUSE comes from bind() as a
/// rule, from listen() where two sockets bound one port with SO_REUSEADDR.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Making or setting up the socket, before bind() or after listen().
    Setup,
    Bind,
    Listen,
}

impl Stage {
    /// What the result says of it, where it is one of the two.
    fn words(self) -> Option<&'static str> {
        match self {
            Stage::Setup => None,
            Stage::Bind => Some("bind() failed, before listen()"),
            Stage::Listen => Some("listen() failed, after bind()"),
        }
    }
}

/// socket + setsockopt + bind + listen, at once (none of them blocks), as
/// the next listener or the one a lookup kept the name of.
pub(crate) fn listen(
    shared: &Arc<Shared>,
    addr: SocketAddr,
    asked: &Listen,
    after: Option<AfterLookup<'_>>,
) -> Vec<Started> {
    let (name, report) = match after {
        Some(a) => (Some(a.name), Some(a.report)),
        None => (None, None),
    };
    let Listen {
        backlog,
        reuseaddr,
        ref opts,
        defer_accept,
        port_alone,
    } = *asked;
    // TCP_DEFER_ACCEPT takes whole seconds; a part of one counts as one.
    let defer_secs = defer_accept.map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
    let name = name.unwrap_or_else(|| shared.next_name(Role::Listener));
    let call = shared.begin(name, Call::Listen, Arg::Text(addr.to_string().into()));
    let rec = Recorder::begin(shared, &call, None).addr(addr);
    let mut failed_in = Stage::Setup;
    let made = (|| -> Result<Socket, Errno> {
        let sock = new_tcp(&addr)?;
        let io = |r: std::io::Result<()>| r.map_err(|e| Errno::of(&e));
        if let Some(on) = reuseaddr {
            io(sock.set_reuse_address(on))?;
        }
        io(apply_buffers(&sock, opts))?;
        failed_in = Stage::Bind;
        io(sock.bind(&SockAddr::from(addr)))?;
        failed_in = Stage::Listen;
        io(sock.listen(backlog))?;
        failed_in = Stage::Setup;
        if let Some(secs) = defer_secs {
            io(super::defer::set(&sock, secs))?;
        }
        io(apply_mode(&sock, opts))?;
        Ok(sock)
    })();
    let sock = match made {
        Ok(sock) => sock,
        Err(e) => {
            rec.stop_clock();
            if let Some(r) = report {
                r();
            }
            let note = match e.0 {
                libc::EADDRINUSE => {
                    let holder = super::holder::explain(shared, addr, reuseaddr == Some(true));
                    match (failed_in.words(), holder) {
                        (None, holder) => holder,
                        (Some(step), None) => Some(step.to_string()),
                        (Some(step), Some(h)) => Some(format!("{step}; {h}")),
                    }
                }
                libc::EACCES => super::listen_words::low_port_hint(port_alone, addr.port()),
                _ => None,
            };
            rec.finish(
                Err(e),
                Extra {
                    note,
                    ..Extra::default()
                },
            );
            return vec![call];
        }
    };
    let local = sock.local_addr().ok().and_then(|a| a.as_socket());
    let (rcvbuf, sndbuf) = buf_sizes(&sock, opts);
    let defer = defer_secs.map(|asked| (asked, super::defer::get(&sock).unwrap_or(0)));
    let meta = Meta {
        local,
        backlog: Some(backlog),
        defer_accept: defer,
        rcvbuf,
        sndbuf,
        timeout_asked: opts.timeout,
        ..Meta::default()
    };
    let mut sentence = format!(
        "{name} listening on {}, backlog {backlog}{}",
        local.map_or_else(|| "?".into(), |a| a.to_string()),
        describe_buffers(rcvbuf, sndbuf)
    );
    if let Some(hint) = super::listen_words::low_port_hint(port_alone, addr.port()) {
        sentence.push_str(&format!("; {hint}"));
    }
    let (rcvtimeo, sndtimeo) = super::options::read_kernel_timeouts(&sock);
    let kernel = super::options::describe_kernel_timeouts(opts, rcvtimeo, sndtimeo);
    if !kernel.is_empty() {
        sentence.push_str(&format!("; {kernel}"));
    }
    let tcp = super::tcp_opts::describe(opts, super::tcp_opts::read(&sock).as_ref());
    if !tcp.is_empty() {
        sentence.push_str(&format!("; {tcp} (accepted sockets inherit it)"));
    }
    if let Some((asked, held)) = defer {
        sentence.push_str(&super::defer::describe(asked, held));
    }
    sentence.push_str(&super::listen_words::whereabouts(name, local, addr));
    let made = LabSocket::new(name, sock, meta, Latch::set_now());
    enlist(shared, rec, made, report, sentence);
    vec![call]
}

/// Puts a socket just made (a listener, a UDP socket) in the lab, finishes
/// the lookup that kept its name if one did, then its own call, which made
/// it, with the sentence that describes it.
pub(crate) fn enlist(
    shared: &Arc<Shared>,
    rec: Recorder,
    made: LabSocket,
    report: Option<Box<dyn FnOnce() + '_>>,
    sentence: String,
) {
    let name = made.name;
    shared.register(Arc::new(made));
    if let Some(r) = report {
        r();
    }
    rec.finish(
        Ok(0),
        Extra {
            created: vec![name],
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
}

/// socket + options now, in order; then `connect()` on each new client's
/// sending lane. Several clients start their connects one after another,
/// each once the one before has sent its SYN (see [`super::turns`]).
pub(crate) fn connect(
    shared: &Arc<Shared>,
    addr: SocketAddr,
    count: u32,
    opts: &SockOpts,
    after: Option<AfterLookup<'_>>,
) -> Result<Vec<Started>, LabError> {
    let (first, mut report) = match after {
        Some(a) => (Some(a.name), Some(a.report)),
        None => (None, None),
    };
    let mut begun = Vec::new();
    let mut made: Vec<(Arc<LabSocket>, Job, Arc<Latch>)> = Vec::new();
    // Twenty thousand clients of one line share its target's words, and
    // what the lab knows of them until it differs.
    let target: Arc<str> = addr.to_string().into();
    let mut like: Option<Arc<Meta>> = None;
    for i in 0..count {
        let name = match first {
            Some(name) if i == 0 => name,
            _ => shared.next_name(Role::Client),
        };
        let call = shared.begin(name, Call::Connect, Arg::Text(Arc::clone(&target)));
        let sock = new_client(&addr).and_then(|sock| {
            apply_buffers(&sock, opts)
                .and_then(|()| apply_mode(&sock, opts))
                .map_err(|e| Errno::of(&e))?;
            Ok(sock)
        });
        let sock = match sock {
            Ok(sock) => sock,
            Err(e) => {
                // EMFILE and the like: say it once and stop making clients.
                begun.push(call.clone());
                if let Some(r) = report.take() {
                    r();
                }
                Recorder::begin(shared, &call, None)
                    .addr(addr)
                    .finish(Err(e), Extra::default());
                break;
            }
        };
        let (rcvbuf, sndbuf) = buf_sizes(&sock, opts);
        let meta = Meta {
            peer: Some(addr),
            rcvbuf,
            sndbuf,
            timeout_asked: opts.timeout,
            ..Meta::default()
        };
        let lab_sock = Arc::new(LabSocket::new_like(
            name,
            sock,
            meta,
            Latch::default(),
            like.as_ref(),
        ));
        like = Some(lab_sock.meta_shared());
        let told = super::tcp_opts::describe(opts, lab_sock.meta().tcp_opts.as_ref());
        lab_sock.starting.store(true, Ordering::Release);
        shared.register(Arc::clone(&lab_sock));
        if let Some(r) = report.take() {
            r();
        }
        // Several clients connect in order: each waits for its turn.
        let go = Arc::new(if count > 1 {
            Latch::default()
        } else {
            Latch::set_now()
        });
        let (shared2, job_sock, job_call, job_go) = (
            Arc::clone(shared),
            Arc::clone(&lab_sock),
            call.clone(),
            Arc::clone(&go),
        );
        let job = Job {
            started: call.clone(),
            run: Box::new(move |cancelled| {
                let turn = cancelled || job_go.wait_unless(|| job_sock.is_closed());
                let cancelled = cancelled || !turn;
                run_connect(&shared2, &job_sock, &job_call, addr, cancelled, told);
            }),
        };
        begun.push(call);
        made.push((lab_sock, job, go));
    }
    if made.len() > 1 {
        // The turns hold this list until the last client's: grown by
        // doubling, twenty thousand clients (the descriptor limit) would
        // keep room for 32,768.
        made.shrink_to_fit();
        // Starting a thousand lane threads takes a while: not on the caller's
        // thread (it may be the screen's).
        let spawned = std::thread::Builder::new()
            .name("sockplay-connect".into())
            .spawn(move || super::turns::take_turns(made));
        if let Err(e) = spawned {
            return Err(LabError::Thread(begun[0].sock, e));
        }
    } else if let Some((sock, job, _)) = made.pop() {
        queue_connect(&sock, job);
        sock.starting.store(false, Ordering::Release);
    }
    Ok(begun)
}

/// How long a blocking connect waits on its lane's thread before it is
/// parked with the poller: on loopback a handshake takes microseconds.
const PARK_AFTER: Duration = Duration::from_millis(10);

/// The connect: at once, under a time-out, or blocking. A blocking one
/// that is still waiting after [`PARK_AFTER`] is parked (see
/// [`super::connecting`]) and told from the poller's thread; the socket
/// is ready for receiving calls once it is told.
fn run_connect(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    call: &Started,
    addr: SocketAddr,
    cancelled: bool,
    told: String,
) {
    let fd = sock.fd().filter(|_| !cancelled);
    let rec = Recorder::begin(shared, call, fd.as_deref()).addr_of_call(addr);
    let Some(fd) = fd else {
        rec.finish(Err(Errno(libc::EBADF)), Extra::default());
        sock.ready.set();
        return;
    };
    let target = SockAddr::from(addr);
    let result: Outcome = match rec.python_timeout() {
        Some(t) => settimeout::connect(&fd, &target, t, &|| sock.is_closed()),
        None if parkable(&fd) => match connect_or_park(&fd, &target, sock) {
            Ok(outcome) => outcome,
            Err(ticket) => {
                let (shared, sock2, fd2) = (Arc::clone(shared), Arc::clone(sock), Arc::clone(&fd));
                let parked = super::lane::park(ticket.waker());
                let finish: Box<dyn FnOnce(Outcome) + Send> = Box::new(move |outcome| {
                    let _ = fd2.set_nonblocking(false);
                    if let Some(p) = &parked {
                        p.reporting();
                    }
                    connected(&shared, &sock2, rec, addr, outcome, &told);
                    sock2.ready.set();
                    if let Some(p) = parked {
                        p.done();
                    }
                });
                if let Err(finish) = ticket.watch(Arc::clone(&fd), finish) {
                    // No poller: wait here, as a blocking connect would.
                    let outcome = settimeout::connect_wait(&fd, &|| sock.is_closed());
                    finish(outcome);
                }
                return;
            }
        },
        None => fd
            .connect(&target)
            .map(|()| 0)
            .map_err(|e| Errno::of(&e))
            .into(),
    };
    connected(shared, sock, rec, addr, result, &told);
    sock.ready.set();
}

/// Whether a connect on `fd` would block in the kernel: a blocking socket
/// without SO_SNDTIMEO (which bounds the wait itself).
fn parkable(fd: &Socket) -> bool {
    let blocking =
        rustix::fs::fcntl_getfl(fd).is_ok_and(|f| !f.contains(rustix::fs::OFlags::NONBLOCK));
    blocking && super::options::read_kernel_timeouts(fd).1.is_none()
}

/// A blocking connect made non-blocking: its result when the kernel
/// answers within [`PARK_AFTER`] (or at once), or a poller's ticket to park
/// it with. The socket is blocking again whenever a result is returned.
fn connect_or_park(
    fd: &Socket,
    target: &SockAddr,
    sock: &LabSocket,
) -> Result<Outcome, super::connecting::Ticket> {
    let done = |outcome: Outcome| {
        let _ = fd.set_nonblocking(false);
        Ok(outcome)
    };
    if let Err(e) = fd.set_nonblocking(true) {
        return Ok(Outcome::from(Err::<u64, _>(Errno::of(&e))));
    }
    match fd.connect(target) {
        Ok(()) => return done(Ok::<u64, Errno>(0).into()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return done(Err::<u64, _>(Errno::of(&e)).into()),
    }
    let deadline = Instant::now() + PARK_AFTER;
    match settimeout::wait_until(fd.as_fd(), libc::POLLOUT, deadline, &|| sock.is_closed()) {
        settimeout::Wait::TimedOut => match super::connecting::ticket() {
            Some(ticket) => Err(ticket),
            None => {
                let outcome = settimeout::connect_wait(fd, &|| sock.is_closed());
                done(outcome)
            }
        },
        settimeout::Wait::Ready => done(settimeout::connect_outcome(fd, None)),
        settimeout::Wait::Interrupted => done(settimeout::connect_outcome(fd, Some(libc::EINTR))),
    }
}

/// What follows a connect's answer: its local address, its pairing with
/// the accepted socket, its result.
fn connected(
    shared: &Arc<Shared>,
    sock: &LabSocket,
    rec: Recorder,
    addr: SocketAddr,
    result: Outcome,
    told: &str,
) {
    let Some(fd) = sock.fd() else {
        rec.finish(result, Extra::default());
        return;
    };
    let local = fd.local_addr().ok().and_then(|a| a.as_socket());
    sock.meta().local = local;
    if let Some(local) = local {
        shared.note_end(sock.name, local);
        // The server may have accepted before this thread got here.
        if let Some(accepted) = shared.end_at(Role::Accepted, local) {
            accepted.meta().pair = Some(sock.name);
            sock.meta().pair = Some(accepted.name);
        }
    }
    let mut sentence = format!(
        "{} connected: {} → {addr}",
        sock.name,
        local.map_or_else(|| "?".into(), |a| a.to_string())
    );
    if !told.is_empty() {
        sentence.push_str(&format!("; {told}"));
    }
    rec.finish(
        result,
        Extra {
            created: vec![sock.name],
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
}
