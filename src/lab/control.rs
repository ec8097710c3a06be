//! Calls that act at once: `shutdown`, `close`, `set`, and closing the whole lab.

use std::os::fd::IntoRawFd;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Shared;
use super::command::{ShutdownHow, SockOpts, format_duration};
use super::ended::Ended;
use super::ending::{At, Ending};
use super::errno::Errno;
use super::name::Role;
use super::open::describe_buffers;
use super::options::{
    BufSize, apply_buffers, apply_mode, describe_kernel_timeouts, kernel_timeout_word,
    read_buffers, read_kernel_timeouts,
};
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::socket::LabSocket;

/// How long `close` and the lab's end wait for blocked calls to return.
const WAKE_LIMIT: Duration = Duration::from_secs(1);

fn how(how: ShutdownHow) -> std::net::Shutdown {
    match how {
        ShutdownHow::Read => std::net::Shutdown::Read,
        ShutdownHow::Write => std::net::Shutdown::Write,
        ShutdownHow::Both => std::net::Shutdown::Both,
    }
}

/// `shutdown()`, at once; it also wakes calls blocked on that side.
pub(crate) fn shutdown(shared: &Arc<Shared>, sock: &LabSocket, which: ShutdownHow) -> Vec<Started> {
    let call = shared.begin(sock.name, Call::Shutdown, Arg::Text(which.word().into()));
    let fd = sock.fd();
    let rec = Recorder::begin(shared, &call, fd.as_deref());
    // Told from the state before the call changes it.
    let ending = ending_of(sock, fd.as_deref());
    // In SYN-SENT, any shutdown drops the handshake (tcp_disconnect).
    let handshake = ending.as_ref().is_some_and(|e| e.at == At::SynSent);
    let sentence = match which {
        ShutdownHow::Write if sock.name.role == Role::Udp => {
            "no more sends from here (they get EPIPE); UDP tells the peer nothing".to_string()
        }
        _ if sock.name.role == Role::Udp => {
            "marked shut for reading; UDP tells the peer nothing".to_string()
        }
        _ => ending.map_or_else(String::new, |e| e.shutdown(which)),
    };
    rec.start_clock();
    // Kept first: a call the shutdown wakes is told it was this side's
    // doing. Kept also when the call fails: on a socket with no
    // connection (ENOTCONN) the kernel still marks it shut down.
    sock.ended(Ended::Shutdown {
        read: which != ShutdownHow::Write,
        write: which != ShutdownHow::Read,
        handshake,
    });
    let result = match &fd {
        Some(fd) => fd
            .shutdown(how(which))
            .map(|()| 0)
            .map_err(|e| Errno::of(&e)),
        None => Err(Errno(libc::EBADF)),
    };
    rec.finish(
        result,
        Extra {
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
    vec![call]
}

/// The state of a connection's socket now, for what `close` or `shutdown`
/// will send; `None` for a socket that is not a TCP connection's.
fn ending_of(sock: &LabSocket, fd: Option<&socket2::Socket>) -> Option<Ending> {
    if matches!(sock.name.role, Role::Udp | Role::Listener) {
        return None;
    }
    let fd = fd?;
    let local = fd.local_addr().ok().and_then(|a| a.as_socket());
    let peer = sock.meta().peer;
    Some(Ending::read(fd, local, peer))
}

/// Wakes the calls blocked on a socket: `shutdown(SHUT_RDWR)` unless that
/// would send a FIN a reset must not follow, then a signal to each lane.
fn wake(sock: &LabSocket, rst: bool, deadline: Instant) {
    if !rst && let Some(fd) = sock.fd() {
        // Errors (ENOTCONN on an unconnected socket) leave the signal to wake it.
        let _ = fd.shutdown(std::net::Shutdown::Both);
    }
    let step = Duration::from_millis(20);
    while Instant::now() < deadline {
        if sock.send.wait_idle(Instant::now() + step) && sock.recv.wait_idle(Instant::now() + step)
        {
            return;
        }
        sock.send.interrupt();
        sock.recv.interrupt();
    }
}

/// Stops everything queued on the socket and marks it closed.
fn retire(sock: &LabSocket) {
    {
        let mut m = sock.meta();
        m.closed = true;
        m.closed_at = Some(Instant::now());
        m.ended = Some(Ended::then(m.ended, Ended::Close));
    }
    sock.drain.store(0, Ordering::Release);
    sock.ready.set();
    sock.send.cancel_queued();
    sock.recv.cancel_queued();
}

/// Closes the kernel socket, returning what `close()` returned.
fn close_fd(sock: &LabSocket) -> Result<u64, Errno> {
    match sock.take_fd().map(Arc::try_unwrap) {
        Some(Ok(socket)) => {
            let raw = socket.into_raw_fd();
            // SAFETY: `raw` is ours alone: we took it out of its only owner.
            let r = unsafe { libc::close(raw) };
            super::record::ret(r as libc::ssize_t)
        }
        // A sampler holds a reference for a moment; the fd closes when it lets go.
        Some(Err(_shared)) => Ok(0),
        None => Err(Errno(libc::EBADF)),
    }
}

/// `close()`: at once when nothing is blocked on the socket; otherwise on a
/// thread of its own that first wakes the blocked calls.
pub(crate) fn close(shared: &Arc<Shared>, sock: &Arc<LabSocket>, rst: bool) -> Vec<Started> {
    let arg = if rst {
        Arg::Text("rst".into())
    } else {
        Arg::None
    };
    let call = shared.begin(sock.name, Call::Close, arg);
    let fd = sock.fd();
    let rec = Recorder::begin(shared, &call, fd.as_deref());
    let begun = vec![call];
    if rst && let Some(fd) = &fd {
        let _ = fd.set_linger(Some(Duration::ZERO));
    }
    // Told from the state before the call changes it.
    let ending = ending_of(sock, fd.as_deref());
    rec.start_clock();
    drop(fd);
    retire(sock);
    let sentence = match (sock.name.role, rst) {
        (Role::Udp, _) => {
            "the socket is gone, with the datagrams queued for it; no one is told, and datagrams sent to its port now meet an ICMP port unreachable"
        }
        // Measured: with SO_LINGER 0 or without, closing a listener sends
        // nothing of its own and resets each connection still queued.
        (Role::Listener, true) => {
            "SO_LINGER 0 changes nothing here: a listener has no peer to reset; as on any close of a listener, connections still in its accept queue are reset"
        }
        (Role::Listener, false) => {
            "the listener is gone; connections still in its accept queue are reset"
        }
        _ => "",
    };
    let sentence = match ending {
        Some(e) if sentence.is_empty() => e.close(rst),
        _ => sentence.to_string(),
    };
    let finish = move |sock: &LabSocket, rec: Recorder, woke: bool| {
        let note = woke.then(|| "blocked calls were woken first".to_string());
        rec.finish(
            close_fd(sock),
            Extra {
                sentence: Some(sentence),
                note,
                ..Extra::default()
            },
        );
    };
    if sock.pending() == 0 {
        finish(sock, rec, false);
        return begun;
    }
    // A call whose result is already told leaves its lane a moment later:
    // it was not blocked, and its waking is not said.
    let blocked = sock.send.status().1.is_some() || sock.recv.status().1.is_some();
    let sock2 = Arc::clone(sock);
    let spawned = std::thread::Builder::new()
        .name("sockplay-close".into())
        .spawn(move || {
            wake(&sock2, rst, Instant::now() + WAKE_LIMIT);
            finish(&sock2, rec, blocked);
        });
    if spawned.is_err() {
        // No thread to spare: wake and close here.
        wake(sock, rst, Instant::now() + WAKE_LIMIT);
        let _ = close_fd(sock);
    }
    begun
}

/// The option words of a `set`, for its record (`rcvbuf=4096 timeout=2s`).
fn describe_opts(opts: &SockOpts) -> String {
    let mut words = Vec::new();
    if let Some(n) = opts.rcvbuf {
        words.push(format!("rcvbuf={n}"));
    }
    if let Some(n) = opts.sndbuf {
        words.push(format!("sndbuf={n}"));
    }
    if let Some(mode) = opts.timeout {
        words.push(match mode {
            super::TimeoutMode::Blocking => "timeout=none".to_string(),
            super::TimeoutMode::NonBlocking => "timeout=0".to_string(),
            super::TimeoutMode::Timeout(d) => format!("timeout={}", format_duration(d)),
        });
    }
    if let Some(on) = opts.nodelay {
        words.push(format!("nodelay={}", if on { "on" } else { "off" }));
    }
    for (key, d) in [("rcvtimeo", opts.rcvtimeo), ("sndtimeo", opts.sndtimeo)] {
        if let Some(d) = d {
            words.push(format!("{key}={}", kernel_timeout_word(d)));
        }
    }
    let on = |b: bool| if b { "on" } else { "off" };
    if let Some(b) = opts.keepalive {
        words.push(format!("keepalive={}", on(b)));
    }
    for (key, d) in [("keepidle", opts.keepidle), ("keepintvl", opts.keepintvl)] {
        if let Some(d) = d {
            words.push(format!("{key}={}", format_duration(d)));
        }
    }
    if let Some(n) = opts.keepcnt {
        words.push(format!("keepcnt={n}"));
    }
    if let Some(d) = opts.user_timeout {
        words.push(format!("user_timeout={}", kernel_timeout_word(d)));
    }
    for (key, b) in [("quickack", opts.quickack), ("cork", opts.cork)] {
        if let Some(b) = b {
            words.push(format!("{key}={}", on(b)));
        }
    }
    if let Some(cc) = opts.congestion {
        words.push(format!("congestion={cc}"));
    }
    words.join(" ")
}

/// `set`: setsockopt at once, then read back what the kernel made of it.
pub(crate) fn set(shared: &Arc<Shared>, sock: &LabSocket, opts: &SockOpts) -> Vec<Started> {
    let call = shared.begin(sock.name, Call::Set, Arg::Text(describe_opts(opts).into()));
    let fd = sock.fd();
    let rec = Recorder::begin(shared, &call, fd.as_deref());
    let Some(fd) = fd else {
        rec.finish(Err(Errno(libc::EBADF)), Extra::default());
        return vec![call];
    };
    let result = apply_buffers(&fd, opts)
        .and_then(|()| apply_mode(&fd, opts))
        .map(|()| 0)
        .map_err(|e| Errno::of(&e));
    let (rcv, snd) = read_buffers(&fd).unwrap_or_default();
    let mut meta = sock.meta();
    meta.rcvbuf = BufSize {
        asked: opts.rcvbuf.or(meta.rcvbuf.asked),
        effective: rcv,
    };
    meta.sndbuf = BufSize {
        asked: opts.sndbuf.or(meta.sndbuf.asked),
        effective: snd,
    };
    if opts.timeout.is_some() {
        meta.timeout_asked = opts.timeout;
        meta.timeout = super::options::read_timeout_mode(&fd, opts.timeout).ok();
    }
    (meta.rcvtimeo, meta.sndtimeo) = read_kernel_timeouts(&fd);
    let mut kernel = describe_kernel_timeouts(opts, meta.rcvtimeo, meta.sndtimeo);
    if sock.name.role != Role::Udp {
        meta.tcp_opts = super::tcp_opts::read(&fd);
        let tcp = super::tcp_opts::describe(opts, meta.tcp_opts.as_ref());
        if !tcp.is_empty() {
            if !kernel.is_empty() {
                kernel.push_str("; ");
            }
            kernel.push_str(&tcp);
        }
    }
    let shown = |b: BufSize, asked: Option<u64>| BufSize { asked, ..b };
    let buffers = describe_buffers(
        shown(meta.rcvbuf, opts.rcvbuf),
        shown(meta.sndbuf, opts.sndbuf),
    );
    let mode = meta.timeout.filter(|_| opts.timeout.is_some());
    drop(meta);
    let mut sentence = buffers.trim_start_matches("; ").to_string();
    if let Some(mode) = mode {
        if !sentence.is_empty() {
            sentence.push_str("; ");
        }
        sentence.push_str(&format!("now {mode}"));
    }
    if !kernel.is_empty() {
        if !sentence.is_empty() {
            sentence.push_str("; ");
        }
        sentence.push_str(&kernel);
    }
    if opts.rcvbuf.is_some() && !matches!(sock.name.role, Role::Listener | Role::Udp) {
        sentence.push_str(" (set after connecting: the window scale stays as it was)");
    }
    rec.finish(
        result,
        Extra {
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
    vec![call]
}

/// Ends the lab: wakes all blocked calls, closes all sockets, within `limit`.
pub(crate) fn shutdown_all(shared: &Arc<Shared>, limit: Duration) {
    let deadline = Instant::now() + limit;
    let sockets = shared.all();
    for sock in &sockets {
        if !sock.is_closed() {
            retire(sock);
        }
    }
    // Every blocked call is woken at once, then waited for: ten thousand
    // blocked connects end together, not one after another.
    let busy: Vec<&Arc<LabSocket>> = sockets.iter().filter(|s| s.pending() > 0).collect();
    for sock in &busy {
        if let Some(fd) = sock.fd() {
            // Errors (ENOTCONN on an unconnected socket) leave the signal to wake it.
            let _ = fd.shutdown(std::net::Shutdown::Both);
        }
        sock.send.interrupt();
        sock.recv.interrupt();
    }
    for sock in &busy {
        // Already shut down above: only the signals are sent again.
        wake(sock, true, deadline);
    }
    for sock in &sockets {
        sock.take_fd();
    }
}
