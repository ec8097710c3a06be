//! `accept`: taking connections off a listener's queue, one call at a
//! time or all that wait, each a lab socket of its own.

use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;
use std::time::Instant;

use socket2::Socket;

use super::command::{AcceptCount, SockOpts, TimeoutMode};
use super::errno::Errno;
use super::lane::Job;
use super::name::Role;
use super::open::buf_sizes;
use super::options::BufSize;
use super::record::{Extra, Recorder};
use super::result::{Arg, Call, Started};
use super::settimeout;
use super::socket::{LabSocket, Latch, Meta};
use super::{LabError, Shared};

/// `accept()` on the listener's receiving lane, N times or until the queue is empty.
pub(crate) fn accept(
    shared: &Arc<Shared>,
    listener: &Arc<LabSocket>,
    count: AcceptCount,
) -> Result<Vec<Started>, LabError> {
    let mut seqs = Vec::new();
    let (times, arg) = match count {
        AcceptCount::Times(n) => (n, Arg::None),
        AcceptCount::All => (1, Arg::Text("all".into())),
    };
    for _ in 0..times {
        let call = shared.begin(listener.name, Call::Accept, arg.clone());
        seqs.push(call.clone());
        let shared2 = Arc::clone(shared);
        let sock = Arc::clone(listener);
        let job_call = call.clone();
        let all = count == AcceptCount::All;
        let job = Job {
            started: call,
            run: Box::new(move |cancelled| {
                if all {
                    accept_all(&shared2, &sock, &job_call, cancelled);
                } else {
                    accept_one(&shared2, &sock, &job_call, None, cancelled);
                }
            }),
        };
        listener
            .recv
            .push(job)
            .map_err(|(e, _)| LabError::Thread(listener.name, e))?;
    }
    Ok(seqs)
}

/// One `accept()`; registers the new socket and pairs it with its client.
fn accept_one(
    shared: &Arc<Shared>,
    listener: &LabSocket,
    call: &Started,
    part_of: Option<u64>,
    cancelled: bool,
) -> Option<Errno> {
    let fd = listener.fd().filter(|_| !cancelled);
    let mut rec = Recorder::begin(shared, call, fd.as_deref());
    if let Some(parent) = part_of {
        rec = rec.part_of(parent);
    }
    let Some(fd) = fd else {
        rec.finish(Err(Errno(libc::EBADF)), Extra::default());
        return Some(Errno(libc::EBADF));
    };
    let mut accepted = None;
    let outcome = match rec.python_timeout() {
        Some(t) => {
            let raw = fd.as_fd();
            let gone = || listener.is_closed();
            settimeout::call(raw, libc::POLLIN, Instant::now() + t, &gone, || {
                fd.accept()
                    .map(|pair| accepted = Some(pair))
                    .map(|()| 0)
                    .map_err(|e| Errno::of(&e))
            })
        }
        None => fd
            .accept()
            .map(|pair| accepted = Some(pair))
            .map(|()| 0)
            .map_err(|e| Errno::of(&e))
            .into(),
    };
    let Some((sock, peer)) = accepted else {
        rec.finish(outcome, Extra::default());
        // A time-out stops `accept all` as an errno would.
        return Some(outcome.errno().unwrap_or(Errno(libc::EAGAIN)));
    };
    let raw_fd = sock.as_raw_fd() as u64;
    let name = shared.next_name(Role::Accepted);
    let peer = peer.as_socket();
    let (mut rcvbuf, mut sndbuf) = buf_sizes(&sock, &SockOpts::default());
    inherit_asked(listener, &mut rcvbuf, &mut sndbuf);
    let pair = peer.and_then(|p| find_client_at(shared, p));
    let meta = Meta {
        local: sock.local_addr().ok().and_then(|a| a.as_socket()),
        peer,
        pair: pair.as_ref().map(|c| c.name),
        listener: Some(listener.name),
        rcvbuf,
        sndbuf,
        ..Meta::default()
    };
    if let Some(client) = &pair {
        client.meta().pair = Some(name);
    }
    if let Some(p) = peer {
        shared.note_end(name, p);
    }
    shared.register(Arc::new(LabSocket::new(name, sock, meta, Latch::set_now())));
    let from = peer.map_or_else(|| "?".into(), |p| p.to_string());
    let sentence = match &pair {
        Some(c) => format!("{name} ⇄ {} (from {from})", c.name),
        None => format!("{name} from {from}"),
    };
    rec.finish(
        Ok(raw_fd),
        Extra {
            created: vec![name],
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
    None
}

/// An accepted socket is a copy of its listener, buffer sizes and all: what
/// was asked of the listener was asked of it too. Unless the listener was
/// changed since this connection was made (the sizes then differ).
fn inherit_asked(listener: &LabSocket, rcvbuf: &mut BufSize, sndbuf: &mut BufSize) {
    let from = listener.meta();
    for (mine, theirs) in [(rcvbuf, from.rcvbuf), (sndbuf, from.sndbuf)] {
        if mine.effective == theirs.effective {
            mine.asked = theirs.asked;
        }
    }
}

/// The open lab client whose local address is `at`. A client whose connect()
/// has not returned yet has no address in its meta, but the kernel already
/// gave it a port: read that live.
fn find_client_at(shared: &Shared, at: SocketAddr) -> Option<Arc<LabSocket>> {
    if let Some(client) = shared.end_at(Role::Client, at) {
        return Some(client);
    }
    // Rare: the client's connect() has not returned yet. Its thread pairs
    // the two when it does; this finds it now, for the accept's sentence.
    shared.all().into_iter().find(|s| {
        s.name.role == Role::Client
            && !s.is_closed()
            && s.meta().local.is_none()
            && s.fd().and_then(|fd| fd.local_addr().ok()?.as_socket()) == Some(at)
    })
}

/// Whether a connection waits in the listener's accept queue (poll, no wait).
fn queue_ready(fd: &Socket) -> bool {
    let now = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut fds = [rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN)];
    rustix::event::poll(&mut fds, Some(&now)).is_ok_and(|n| n > 0)
        && fds[0].revents().contains(rustix::event::PollFlags::IN)
}

/// `accept all`: accept while connections wait. A non-blocking listener
/// calls until EAGAIN, as a real event loop would; a blocking one stops when
/// the queue is empty rather than block.
fn accept_all(shared: &Arc<Shared>, listener: &LabSocket, call: &Started, cancelled: bool) {
    let fd = listener.fd().filter(|_| !cancelled);
    let rec = Recorder::begin(shared, call, fd.as_deref());
    let Some(fd) = fd else {
        rec.finish(Err(Errno(libc::EBADF)), Extra::default());
        return;
    };
    let nonblocking = rec.mode() == TimeoutMode::NonBlocking;
    let mut accepted = 0u64;
    let mut error = None;
    // Bounded: at most one call per connection that can wait, plus the last.
    for _ in 0..=u32::MAX {
        if listener.is_closed() || (!nonblocking && !queue_ready(&fd)) {
            break;
        }
        let step = shared.begin(listener.name, Call::Accept, Arg::None);
        match accept_one(shared, listener, &step, Some(call.seq), false) {
            None => accepted += 1,
            Some(e) => {
                error = Some(e);
                break;
            }
        }
    }
    let outcome = match error {
        Some(e) if accepted == 0 && e.0 != libc::EAGAIN => Err(e),
        _ => Ok(accepted),
    };
    let sentence = format!("accepted {accepted}; the accept queue is empty");
    rec.finish(
        outcome,
        Extra {
            sentence: Some(sentence),
            ..Extra::default()
        },
    );
}
