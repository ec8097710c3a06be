//! A read-only handle on a lab, for the readers on other threads: the
//! kernel view, the wire, the screen.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{CallMark, Role, Shared, SockName, SocketInfo};

/// A read-only handle on a lab: what its sockets are, from any thread.
#[derive(Clone)]
pub struct Observer {
    pub(super) shared: Arc<Shared>,
}

impl Observer {
    /// Everything known about every socket, in name order.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.shared.listed().iter().map(|s| s.info()).collect()
    }

    /// [`Observer::sockets`] into `out`, which keeps its memory from one
    /// reading to the next.
    pub fn sockets_into(&self, out: &mut Vec<SocketInfo>) {
        out.clear();
        out.extend(self.shared.listed().iter().map(|s| s.info()));
    }

    /// Time since the lab started.
    pub fn elapsed(&self) -> Duration {
        self.shared.now()
    }

    /// Closed sockets that the kernel no longer holds (a reader of the
    /// kernel found no trace of them) leave the lab's list: no reader walks
    /// them again, however long the session. Only closed clients and
    /// accepted sockets with no call left on them go; their names still
    /// answer "closed". Returns how many left.
    pub fn retire(&self, names: &[SockName]) -> usize {
        let left = self.shared.retire(names);
        if left > 0 {
            let gone: Vec<SockName> = names
                .iter()
                .copied()
                .filter(|n| self.shared.get(*n).is_none())
                .collect();
            self.shared.call_log().forget(&gone);
        }
        left
    }

    /// Reads the handshakes of clients the kernel has let go of (a reader
    /// found them CLOSE, with nothing in their record of how they ended),
    /// and keeps the SYNs of those nothing answered (see
    /// [`SocketInfo::meta`]'s `syns_unanswered`). Returns whether any record
    /// changed.
    pub fn settle_handshakes(&self, names: &[SockName]) -> bool {
        let mut changed = false;
        for name in names {
            if let Some(s) = self.shared.get(*name) {
                changed |= s.settle_handshake();
            }
        }
        changed
    }

    /// Bytes `sock`'s sends put in its stream that the call log no longer
    /// keeps (it keeps the newest calls only).
    pub fn sent_gone(&self, sock: SockName) -> u64 {
        self.shared.call_log().sent_gone(sock)
    }

    /// How many calls the call log keeps, and how many sockets it looks up
    /// by name: bounded however many sockets were ever made.
    pub fn call_log_sizes(&self) -> (usize, usize) {
        self.shared.call_log().sizes()
    }

    /// A number that changes whenever a socket joins the lab or an end
    /// learns its address: a reader of [`Observer::ends`] reads again then.
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// Looks at the calls of the log (oldest first) from the first one on
    /// `sock` on, under its lock: none before it is `sock`'s.
    pub fn with_calls_from<R>(
        &self,
        sock: SockName,
        read: impl FnOnce(std::collections::vec_deque::Iter<'_, CallMark>) -> R,
    ) -> R {
        let log = self.shared.call_log();
        let first = log.first_of(sock);
        read(log.marks().range(first..))
    }

    /// Looks at the log of calls (oldest first) under its lock.
    pub fn with_calls<R>(
        &self,
        read: impl FnOnce(&std::collections::VecDeque<CallMark>) -> R,
    ) -> R {
        read(self.shared.call_log().marks())
    }

    /// Where each connection end of the lab is: every socket's name with
    /// its local and peer address. A client whose `connect()` has not
    /// returned has its port read from the kernel, so its SYNs can be named.
    /// Closed listeners are left out.
    #[allow(clippy::type_complexity)]
    pub fn ends(
        &self,
    ) -> Vec<(
        SockName,
        Option<std::net::SocketAddr>,
        Option<std::net::SocketAddr>,
    )> {
        let mut ends = Vec::new();
        self.each_end(|name, local, peer| ends.push((name, local, peer)));
        ends
    }

    /// [`Observer::ends`], handed one at a time to `visit` in name order,
    /// without a list of them: the wire reads the ends again at each new
    /// SYN of a storm of connects, and a list of twenty thousand, grown
    /// as it fills, was megabytes at every reading.
    pub fn each_end(
        &self,
        mut visit: impl FnMut(SockName, Option<std::net::SocketAddr>, Option<std::net::SocketAddr>),
    ) {
        for s in self.shared.listed().iter() {
            // A closed listener no longer answers: a reset from its port is
            // the kernel's, not the listener's.
            if s.name.role == Role::Listener && s.is_closed() {
                continue;
            }
            let (local, peer) = {
                let meta = s.meta();
                (meta.local, meta.peer)
            };
            // Read from the kernel once per socket, not at every
            // reading: a storm of connects has the wire read the
            // ends again at each new SYN.
            let local = local.or_else(|| {
                if s.name.role != Role::Client {
                    return None;
                }
                if let Some(a) = s.kernel_local.get() {
                    return Some(*a);
                }
                // Waiting for its turn: no connect yet, so no port.
                if s.starting.load(Ordering::Acquire) {
                    return None;
                }
                let a = s.fd()?.local_addr().ok()?.as_socket()?;
                (a.port() != 0).then(|| *s.kernel_local.get_or_init(|| a))
            });
            visit(s.name, local, peer);
        }
    }
}
