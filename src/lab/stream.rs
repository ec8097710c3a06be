//! Calls that move bytes: `send`, `sendall`, `recv`, `recvall`, `drain`.

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::command::{DrainMode, Payload, TimeoutMode, elapsed_text};
use super::errno::Errno;
use super::lane::Job;
use super::pace::Pace;
use super::pattern;
use super::preview::{PREVIEW_BYTES, Preview};
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Outcome, Started, WaitsIn};
use super::settimeout;
use super::socket::LabSocket;
use super::{LabError, MAX_CALL_BYTES, Shared};

/// The buffer one `drain` read uses: large enough that a drain keeps up
/// with a sender on loopback (iperf3 reads 128 KiB at a time).
const DRAIN_CHUNK: usize = 256 * 1024;

/// How often a waiting loop looks whether its socket was closed.
const POLL_MS: libc::c_int = 100;

fn sys_send(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<u64, Errno> {
    // MSG_NOSIGNAL turns SIGPIPE into EPIPE.
    rustix::net::send(fd, buf, rustix::net::SendFlags::NOSIGNAL)
        .map(|n| n as u64)
        .map_err(|e| Errno(e.raw_os_error()))
}

fn sys_recv(fd: BorrowedFd<'_>, buf: &mut [u8], flags: libc::c_int) -> Result<u64, Errno> {
    let flags = rustix::net::RecvFlags::from_bits_retain(flags as _);
    rustix::net::recv(fd, buf, flags)
        .map(|(n, _)| n as u64)
        .map_err(|e| Errno(e.raw_os_error()))
}

/// Waits until `fd` is ready for `events`, looking every 100 ms whether the
/// wait is still `wanted`; false when it no longer is.
fn wait_ready(fd: BorrowedFd<'_>, events: libc::c_short, wanted: impl Fn() -> bool) -> bool {
    let every = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: i64::from(POLL_MS) * 1_000_000,
    };
    let events = rustix::event::PollFlags::from_bits_retain(events as _);
    while wanted() {
        let mut fds = [rustix::event::PollFd::from_borrowed_fd(fd, events)];
        if rustix::event::poll(&mut fds, Some(&every)).is_ok_and(|n| n > 0) {
            return true;
        }
    }
    false
}

/// Queues `run` on a lane, to report EBADF if the socket closes first.
fn queue<O: Into<Outcome>>(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    receiving: bool,
    call: Started,
    run: impl FnOnce(&Arc<Shared>, &LabSocket, &Recorder) -> Option<(O, Extra)> + Send + 'static,
) -> Result<Vec<Started>, LabError> {
    let begun = call.clone();
    let shared2 = Arc::clone(shared);
    let sock2 = Arc::clone(sock);
    let job_call = call.clone();
    let job = Job {
        started: call,
        run: Box::new(move |cancelled| {
            if receiving && !cancelled {
                sock2.ready.wait();
            }
            let fd = sock2.fd().filter(|_| !cancelled && !sock2.is_closed());
            let rec = Recorder::begin(&shared2, &job_call, fd.as_deref());
            let done = if fd.is_some() {
                run(&shared2, &sock2, &rec)
            } else {
                None
            };
            let (outcome, extra) = done.map_or_else(
                || (Outcome::Err(Errno(libc::EBADF)), Extra::default()),
                |(o, extra)| (o.into(), extra),
            );
            rec.finish(outcome, extra);
        }),
    };
    let lane = if receiving { &sock.recv } else { &sock.send };
    lane.push(job)
        .map_err(|(e, _)| LabError::Thread(sock.name, e))?;
    Ok(vec![begun])
}

/// The bytes of one send: text as given, a pattern sliced from the shared
/// buffer (`pattern`, see [`pattern::shared`]) at the stream's offset.
fn payload_bytes<'a>(payload: &'a Payload, pattern: &'a [u8], offset: u64) -> &'a [u8] {
    match payload {
        Payload::Pattern(n) => pattern::slice(pattern, offset, (*n).min(MAX_CALL_BYTES) as usize),
        Payload::Text(t) => t,
    }
}

/// The shared pattern buffer a payload needs (empty for a text).
fn pattern_for(payload: &Payload, len: u64) -> Arc<Vec<u8>> {
    match payload {
        Payload::Pattern(_) => pattern::shared(len.min(MAX_CALL_BYTES) as usize),
        Payload::Text(_) => Arc::new(Vec::new()),
    }
}

/// `send`: one call.
pub(crate) fn send(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    payload: Payload,
) -> Result<Vec<Started>, LabError> {
    let started = shared.begin(sock.name, Call::Send, Arg::Bytes(payload.len()));
    queue(shared, sock, false, started, move |_, sock, rec| {
        let fd = sock.fd()?;
        let raw = fd.as_fd();
        let pattern = pattern_for(&payload, payload.len());
        let buf = payload_bytes(&payload, &pattern, sock.bytes_sent.load(Ordering::Relaxed));
        rec.start_clock();
        let r = match rec.python_timeout() {
            Some(t) => {
                let gone = || sock.is_closed();
                settimeout::call(raw, libc::POLLOUT, Instant::now() + t, &gone, || {
                    sys_send(raw, buf)
                })
            }
            None => sys_send(raw, buf).into(),
        };
        if let Some(n) = r.ret() {
            sock.bytes_sent.fetch_add(n, Ordering::Relaxed);
        }
        Some((r, Extra::default()))
    })
}

/// `sendall`: calls until all is sent, each one shown; with a `rate`, no
/// faster than that many bytes a second.
pub(crate) fn sendall(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    payload: Payload,
    rate: Option<u64>,
) -> Result<Vec<Started>, LabError> {
    let total = payload.len();
    let mut started = shared.begin(sock.name, Call::SendAll, Arg::Bytes(total));
    started.paced = rate.is_some();
    let parent = started.seq;
    queue(shared, sock, false, started, move |shared, sock, rec| {
        let fd = sock.fd()?;
        let raw = fd.as_fd();
        let pace = rate.map(Pace::new);
        let most = pace.map_or(MAX_CALL_BYTES, |p| p.chunk().min(MAX_CALL_BYTES));
        let mut sent = 0u64;
        let mut error = None;
        let mut timed_out = false;
        let gone = || sock.is_closed();
        // Python's sendall has one deadline for the whole loop.
        let deadline = rec.python_timeout().map(|t| Instant::now() + t);
        let pattern = pattern_for(&payload, total.min(most));
        while sent < total && !sock.is_closed() {
            let len = (total - sent).min(most);
            // The rate holds from the first byte: a step goes when its
            // last byte is due, never ahead of it.
            if let Some(p) = &pace
                && !p.wait(sent + len, || !sock.is_closed())
            {
                break;
            }
            let offset = sock.bytes_sent.load(Ordering::Relaxed);
            // Every step slices the one shared pattern buffer.
            let buf = match &payload {
                Payload::Pattern(_) => pattern::slice(&pattern, offset, len as usize),
                Payload::Text(t) => &t[sent as usize..(sent + len) as usize],
            };
            let step = shared.begin(sock.name, Call::Send, Arg::Bytes(len));
            let step_rec = Recorder::begin(shared, &step, Some(&fd)).part_of(parent);
            step_rec.start_clock();
            let outcome = match deadline {
                Some(deadline) => {
                    settimeout::call(raw, libc::POLLOUT, deadline, &gone, || sys_send(raw, buf))
                }
                None => sys_send(raw, buf).into(),
            };
            let r = step_rec.finish(outcome, Extra::default());
            if r.outcome == Outcome::TimedOut {
                timed_out = true;
                break;
            }
            match r.outcome.errno() {
                None => {
                    let n = r.outcome.ret().unwrap_or(0);
                    sock.bytes_sent.fetch_add(n, Ordering::Relaxed);
                    sent += n;
                }
                Some(Errno(libc::EAGAIN)) if rec.mode() == TimeoutMode::NonBlocking => {
                    // A real sendall on a non-blocking socket waits for room
                    // the way an event loop does, then tries again.
                    if !wait_ready(raw, libc::POLLOUT, || !sock.is_closed()) {
                        break;
                    }
                }
                Some(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        Some(loop_outcome(sent, total, error, timed_out, "sent"))
    })
}

/// The summary of a `sendall`/`recvall` loop: the count moved, or the errno
/// when nothing was; an errno that stopped a partial loop is named in the
/// sentence. A loop that ran out of Python's time-out timed out as a whole,
/// as Python's raises TimeoutError whatever it moved before.
fn loop_outcome(
    moved: u64,
    total: u64,
    error: Option<Errno>,
    timed_out: bool,
    verb: &str,
) -> (Outcome, Extra) {
    if timed_out {
        let note = format!("{moved} of {total} bytes {verb} before that");
        return (
            Outcome::TimedOut,
            Extra {
                note: Some(note),
                ..Extra::default()
            },
        );
    }
    match error {
        Some(e) if moved == 0 => (Outcome::Err(e), Extra::default()),
        Some(e) => (
            Outcome::Ret(moved),
            Extra {
                // The sentence already counts the bytes; this says what ended it.
                note: Some(format!("{e} ended it")),
                ..Extra::default()
            },
        ),
        None => (Outcome::Ret(moved), Extra::default()),
    }
}

/// One `recv()` with an N-byte buffer (MSG_PEEK with `peek`).
pub(crate) fn recv(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    size: u64,
    peek: bool,
) -> Result<Vec<Started>, LabError> {
    let arg = Arg::Bytes(size);
    let started = shared.begin(sock.name, Call::Recv, arg);
    queue(shared, sock, true, started, move |_, sock, rec| {
        let fd = sock.fd()?;
        let mut buf = vec![0u8; size as usize];
        let flags = if peek { libc::MSG_PEEK } else { 0 };
        let raw = fd.as_fd();
        rec.start_clock();
        let r = match rec.python_timeout() {
            Some(t) => {
                let gone = || sock.is_closed();
                settimeout::call(raw, libc::POLLIN, Instant::now() + t, &gone, || {
                    sys_recv(raw, &mut buf, flags)
                })
            }
            None => sys_recv(raw, &mut buf, flags).into(),
        };
        let mut extra = Extra::default();
        if let Some(n) = r.ret() {
            extra.data = Some(Preview::of(&buf[..n as usize]));
            if peek {
                extra.note = Some("peeked: the bytes stay queued".into());
            } else {
                sock.bytes_received.fetch_add(n, Ordering::Relaxed);
            }
        }
        Some((r, extra))
    })
}

/// `recv()` until N bytes or end of stream, each call shown.
pub(crate) fn recvall(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    size: u64,
) -> Result<Vec<Started>, LabError> {
    let started = shared.begin(sock.name, Call::RecvAll, Arg::Bytes(size));
    let parent = started.seq;
    queue(shared, sock, true, started, move |shared, sock, rec| {
        let fd = sock.fd()?;
        let raw = fd.as_fd();
        let mut buf = vec![0u8; size as usize];
        let mut got = 0usize;
        let mut calls = 0u64;
        let mut error = None;
        let mut timed_out = false;
        let gone = || sock.is_closed();
        while (got as u64) < size && !sock.is_closed() {
            calls += 1;
            let step = shared.begin(sock.name, Call::Recv, Arg::Bytes(size - got as u64));
            let step_rec = Recorder::begin(shared, &step, Some(&fd)).part_of(parent);
            // The classic loop calls recv() again and again: each call has
            // the whole time-out.
            let r = match rec.python_timeout() {
                Some(t) => settimeout::call(raw, libc::POLLIN, Instant::now() + t, &gone, || {
                    sys_recv(raw, &mut buf[got..], 0)
                }),
                None => sys_recv(raw, &mut buf[got..], 0).into(),
            };
            let data = r.ret().map(|n| Preview::of(&buf[got..got + n as usize]));
            let extra = Extra {
                data,
                ..Extra::default()
            };
            let r = step_rec.finish(r, extra);
            if r.outcome == Outcome::TimedOut {
                timed_out = true;
                break;
            }
            match r.outcome.errno() {
                None => {
                    let n = r.outcome.ret().unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    sock.bytes_received.fetch_add(n, Ordering::Relaxed);
                    got += n as usize;
                }
                Some(Errno(libc::EAGAIN)) if rec.mode() == TimeoutMode::NonBlocking => {
                    if !wait_ready(raw, libc::POLLIN, || !sock.is_closed()) {
                        break;
                    }
                }
                Some(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        let (outcome, mut extra) = loop_outcome(got as u64, size, error, timed_out, "received");
        extra.data = Some(Preview::of(&buf[..got]));
        // How many recv() calls the loop made, said on its own result: the
        // lines of its steps give way first on a short screen.
        if extra.note.is_none() {
            let s = if calls == 1 { "" } else { "s" };
            extra.note = Some(format!("in {calls} recv call{s}"));
        }
        Some((outcome, extra))
    })
}

/// Reads everything queued now without waiting; returns (bytes, calls, how it ended).
fn drain_now(
    sock: &LabSocket,
    raw: BorrowedFd<'_>,
    buf: &mut [u8],
    preview: &mut Vec<u8>,
    once: bool,
) -> (u64, u64, Option<Errno>, bool) {
    let (mut total, mut calls) = (0u64, 0u64);
    loop {
        if once && calls > 0 {
            return (total, calls, None, false);
        }
        calls += 1;
        match sys_recv(raw, buf, libc::MSG_DONTWAIT) {
            Ok(0) => return (total, calls, None, true),
            Ok(n) => {
                let n = n as usize;
                let room = PREVIEW_BYTES.saturating_sub(preview.len());
                preview.extend_from_slice(&buf[..n.min(room)]);
                sock.bytes_received.fetch_add(n as u64, Ordering::Relaxed);
                total += n as u64;
            }
            Err(Errno(libc::EAGAIN)) => return (total, calls, None, false),
            Err(e) => return (total, calls, Some(e), false),
        }
    }
}

/// `drain S [on|off]`.
pub(crate) fn drain(
    shared: &Arc<Shared>,
    sock: &Arc<LabSocket>,
    mode: DrainMode,
    rate: Option<u64>,
) -> Result<Vec<Started>, LabError> {
    if mode == DrainMode::Off {
        let seq = sock.drain.swap(0, Ordering::AcqRel);
        if seq == 0 {
            return Err(LabError::NotDraining(sock.name));
        }
        // The running `drain on` finishes and reports; wait for that record.
        return Ok(vec![Started {
            seq,
            sock: sock.name,
            call: Call::Drain,
            arg: Arg::Text("on".into()),
            t: shared.now(),
            paced: false,
            waits: WaitsIn::Kernel,
        }]);
    }
    let on = mode == DrainMode::On;
    let arg = Arg::Text(if on { "on" } else { "once" }.into());
    let started = shared.begin(sock.name, Call::Drain, arg);
    let seq = started.seq;
    if on
        && sock
            .drain
            .compare_exchange(0, seq, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    {
        return Err(LabError::AlreadyDraining(sock.name));
    }
    queue(shared, sock, true, started, move |_, sock, rec| {
        let fd = sock.fd()?;
        let raw = fd.as_fd();
        // Slow motion reads one small piece at a time, when it is due.
        let pace = rate.map(Pace::new);
        let chunk = pace.map_or(DRAIN_CHUNK, |p| p.chunk().min(DRAIN_CHUNK as u64) as usize);
        let mut buf = vec![0u8; chunk];
        rec.start_clock();
        let began = Instant::now();
        // When the loop first and last got bytes: a loop that runs on
        // (`drain on`) may start long before the transfer it reads and
        // stop long after it.
        let mut first_read = None;
        let mut last_read = None;
        let mut preview = Vec::new();
        let (mut total, mut calls) = (0u64, 0u64);
        let mut stop = "nothing more queued";
        let mut error = None;
        let draining = || !sock.is_closed() && sock.drain.load(Ordering::Acquire) == seq;
        loop {
            if let Some(p) = &pace
                && !p.wait(total + chunk as u64, draining)
            {
                stop = "drain off";
                break;
            }
            let (n, c, e, eof) = drain_now(sock, raw, &mut buf, &mut preview, pace.is_some());
            total += n;
            calls += c;
            if n > 0 {
                let now = began.elapsed();
                first_read.get_or_insert(now);
                last_read = Some(now);
            }
            if eof {
                stop = "end of stream";
                break;
            }
            if e.is_some() {
                error = e;
                break;
            }
            let going_on = on && sock.drain.load(Ordering::Acquire) == seq;
            // A paced read that got bytes goes back to wait for its turn.
            if going_on && pace.is_some() && n > 0 {
                continue;
            }
            if !going_on || !wait_ready(raw, libc::POLLIN, draining) {
                if on {
                    stop = "drain off";
                }
                break;
            }
        }
        sock.drain
            .compare_exchange(seq, 0, Ordering::AcqRel, Ordering::Acquire)
            .ok();
        let outcome = match error {
            Some(e) if total == 0 => Err(e),
            _ => Ok(total),
        };
        let stopped = error.map_or_else(|| stop.to_string(), |e| format!("stopped by {e}"));
        // Only a loop that ran on has reads worth telling apart from its
        // own time: one pass over what was queued ends with them. Bytes
        // that came from near its start (in its first tenth of a second,
        // or of the time to the last) need only their end, a row shorter.
        let late = |first: Duration, last: Duration| {
            first >= Duration::from_millis(100) && first * 10 > last
        };
        let last = match (first_read, last_read) {
            (Some(first), Some(last)) if on && late(first, last) => format!(
                ", bytes from {} to {} after the loop began",
                elapsed_text(first),
                elapsed_text(last)
            ),
            (Some(_), Some(last)) if on => {
                format!(", the last at {}", elapsed_text(last))
            }
            _ => String::new(),
        };
        let extra = Extra {
            data: Some(Preview::of_prefix(&preview, total)),
            sentence: Some(format!(
                "read {total} bytes in {calls} recv calls{last}; {stopped}"
            )),
            ..Extra::default()
        };
        Some((outcome, extra))
    })
}
