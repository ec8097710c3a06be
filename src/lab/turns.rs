//! `connect Ln xN`: the clients take turns, as a loop of connects in one
//! program would, though each has a lane of its own.
//!
//! Turns matter for what the class sees. Linux checks "is the accept queue
//! full?" without a lock, so handshakes that finish at the same instant on
//! different CPUs can both pass it, and a backlog of 2 would hold 4. A
//! client whose handshake completes before the next one starts keeps the
//! kernel's rule (a backlog of B holds B+1) in plain view.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::lane::Job;
use super::options::tcp_state;
use super::socket::{LabSocket, Latch};

/// `TCP_SYN_SENT` in the kernel's state numbering (include/net/tcp_states.h).
const TCP_SYN_SENT: u8 = 2;

/// How many clients' lane threads may wait for their turn at once.
const START_AHEAD: usize = 16;

/// The longest a turn waits for the client's SYN to leave.
const SYN_WAIT: Duration = Duration::from_millis(50);

/// The longest a turn waits for the handshake once the SYN has left. On
/// loopback it takes tens of microseconds; a client still in SYN-SENT after
/// this had its SYN dropped (a full queue) and will retry on its own.
const HANDSHAKE_WAIT: Duration = Duration::from_millis(1);

/// Lets the clients connect one after another: each once the one before
/// has finished its handshake, or has sent its SYN and got no answer within
/// [`HANDSHAKE_WAIT`], so that `connect L1 x6` reaches the listener as C1,
/// C2, … in order.
pub(super) fn take_turns(clients: Vec<(Arc<LabSocket>, Job, Arc<Latch>)>) {
    // Lane threads start a few turns ahead, so that starting one (about a
    // millisecond here) overlaps the turns before it; never all at once, so
    // that a thousand new threads do not crowd out the screen's.
    let mut waiting: VecDeque<(Arc<LabSocket>, Arc<Latch>)> = VecDeque::new();
    let mut clients = clients.into_iter();
    loop {
        while waiting.len() < START_AHEAD {
            let Some((sock, job, go)) = clients.next() else {
                break;
            };
            queue_connect(&sock, job);
            waiting.push_back((sock, go));
        }
        let Some((sock, go)) = waiting.pop_front() else {
            break;
        };
        go.set();
        sock.starting.store(false, Ordering::Release);
        if wait_until(SYN_WAIT, || done(&sock) || bound(&sock)) {
            wait_until(HANDSHAKE_WAIT, || done(&sock) || !syn_sent(&sock));
        }
        // The server takes the handshake's last ACK just after the client
        // moves on; let it land before the next SYN.
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Polls `ready` every 20 µs until it holds (true) or `limit` passes.
fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_micros(20));
    }
}

/// The connect call has returned (or was never run).
fn done(sock: &LabSocket) -> bool {
    sock.send.pending() == 0
}

/// The kernel gave the client a port: it does so just before the SYN leaves.
fn bound(sock: &LabSocket) -> bool {
    sock.fd()
        .and_then(|fd| fd.local_addr().ok())
        .and_then(|a| a.as_socket())
        .is_some_and(|a| a.port() != 0)
}

/// The client still waits for the server's SYN-ACK.
fn syn_sent(sock: &LabSocket) -> bool {
    sock.fd()
        .and_then(|fd| tcp_state(&fd))
        .is_some_and(|s| s == TCP_SYN_SENT)
}

/// Queues a client's connect on its sending lane; a lane that cannot start
/// a thread reports the call as not run.
pub(super) fn queue_connect(sock: &LabSocket, job: Job) {
    if let Err((_, job)) = sock.send.push(job) {
        sock.meta().closed = true;
        (job.run)(true);
    }
}
