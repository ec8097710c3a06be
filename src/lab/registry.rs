//! The registry: every socket of a run by name, the numbers names are
//! drawn from, and where each connection end is, so that pairing `A1 ⇄ C3`
//! is a look-up.

use std::collections::BTreeMap;
use std::sync::{Arc, MutexGuard};

use super::name::{Role, SockName};
use super::socket::LabSocket;
use super::{LabError, Shared};

/// How long a closed socket stays listed at least, however soon the
/// kernel lets it go: the wire names the segments its close sent from the
/// list, and reads them a little later than they were sent.
const RETIRE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);

/// The sockets of a run, by name.
#[derive(Default)]
pub(crate) struct Registry {
    sockets: BTreeMap<SockName, Arc<LabSocket>>,
    last: [u32; 4],
    /// Connection ends by address: clients by their local address, accepted
    /// sockets by their peer's. Pairing `A1 ⇄ C3` is a look-up, not a scan.
    ends: rustc_hash::FxHashMap<(Role, std::net::SocketAddr), SockName>,
    /// Every socket in name order, shared until one joins or all go: the
    /// kernel view reads ten thousand sockets several times a second
    /// without copying the list or touching each socket's count.
    listed: Option<Arc<[Arc<LabSocket>]>>,
    /// Closed sockets the kernel let go, by role and number, one bit each:
    /// they left the list, and their names still say "closed".
    retired: [Vec<u64>; 5],
    /// How many sockets have left the list.
    retired_count: u64,
}

impl Registry {
    fn is_retired(&self, name: SockName) -> bool {
        let n = name.number as usize;
        self.retired[name.role as usize]
            .get(n / 64)
            .is_some_and(|w| w & (1 << (n % 64)) != 0)
    }

    fn mark_retired(&mut self, name: SockName) {
        let n = name.number as usize;
        let bits = &mut self.retired[name.role as usize];
        if bits.len() <= n / 64 {
            bits.resize(n / 64 + 1, 0);
        }
        bits[n / 64] |= 1 << (n % 64);
        self.retired_count += 1;
    }
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The next name for a role; numbers are never reused.
    pub(crate) fn next_name(&self, role: Role) -> SockName {
        let mut reg = self.registry();
        let slot = &mut reg.last[role as usize];
        *slot += 1;
        SockName::new(role, *slot)
    }

    pub(crate) fn register(&self, sock: Arc<LabSocket>) {
        let (name, local, peer) = {
            let m = sock.meta();
            (sock.name, m.local, m.peer)
        };
        let mut reg = self.registry();
        reg.sockets.insert(sock.name, sock);
        reg.listed = None;
        drop(reg);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        let hook = self
            .on_register
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(hook) = hook {
            hook(name, local, peer);
        }
    }

    /// Records where a connection end is: a client's local address, or an
    /// accepted socket's peer address.
    pub(crate) fn note_end(&self, name: SockName, addr: std::net::SocketAddr) {
        self.registry().ends.insert((name.role, addr), name);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The open socket of `role` recorded at `addr`, if any.
    pub(crate) fn end_at(&self, role: Role, addr: std::net::SocketAddr) -> Option<Arc<LabSocket>> {
        let reg = self.registry();
        let name = reg.ends.get(&(role, addr))?;
        let sock = reg.sockets.get(name)?.clone();
        drop(reg);
        (!sock.is_closed()).then_some(sock)
    }

    /// The name recorded at `addr` for `role`, open or closed.
    pub(crate) fn name_at(&self, role: Role, addr: std::net::SocketAddr) -> Option<SockName> {
        self.registry().ends.get(&(role, addr)).copied()
    }

    /// Closed connection ends the kernel no longer holds leave the list
    /// (and the hot path of every reader of it): a client or accepted
    /// socket that is closed with no call left on it. Others are kept.
    /// Returns how many left.
    pub(crate) fn retire(&self, names: &[SockName]) -> usize {
        let mut reg = self.registry();
        let mut gone = 0;
        for &name in names {
            if !matches!(name.role, Role::Client | Role::Accepted) {
                continue;
            }
            let Some(sock) = reg.sockets.get(&name) else {
                continue;
            };
            // Closed a moment ago: the wire may still be naming its last
            // segments (a reset, a FIN) from the list.
            let settled = sock
                .meta()
                .closed_at
                .is_none_or(|at| at.elapsed() >= RETIRE_AFTER);
            if !sock.is_closed() || sock.pending() > 0 || !settled {
                continue;
            }
            let sock = reg.sockets.remove(&name).expect("found above");
            let m = sock.meta();
            let at = match name.role {
                Role::Client => m.local,
                _ => m.peer,
            };
            drop(m);
            if let Some(at) = at
                && reg.ends.get(&(name.role, at)) == Some(&name)
            {
                reg.ends.remove(&(name.role, at));
            }
            reg.mark_retired(name);
            gone += 1;
        }
        if gone > 0 {
            reg.listed = None;
            drop(reg);
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        gone
    }

    /// Whether `name` is a socket of the lab, listed or gone from the list.
    pub(crate) fn knows(&self, name: SockName) -> bool {
        let reg = self.registry();
        reg.sockets.contains_key(&name) || reg.is_retired(name)
    }

    /// How many sockets have left the list since the lab began.
    pub(crate) fn retired_count(&self) -> u64 {
        self.registry().retired_count
    }

    pub(crate) fn get(&self, name: SockName) -> Option<Arc<LabSocket>> {
        self.registry().sockets.get(&name).cloned()
    }

    /// The socket of that name, or why there is none: never named, or
    /// named by a call that failed to make it (a `listen` that could not
    /// bind, a `connect` that got no socket).
    pub(crate) fn lookup(&self, name: SockName) -> Result<Arc<LabSocket>, LabError> {
        let reg = self.registry();
        match reg.sockets.get(&name) {
            Some(sock) => Ok(Arc::clone(sock)),
            None if name.role == crate::lab::Role::Watched => Err(LabError::Watched(name)),
            None if reg.is_retired(name) => Err(LabError::Closed(name)),
            None if name.number <= reg.last[name.role as usize] => Err(LabError::NeverMade(name)),
            None => Err(LabError::UnknownSocket(name)),
        }
    }

    pub(crate) fn all(&self) -> Vec<Arc<LabSocket>> {
        self.registry().sockets.values().cloned().collect()
    }

    /// Every socket in name order, as one shared list.
    pub(crate) fn listed(&self) -> Arc<[Arc<LabSocket>]> {
        let mut reg = self.registry();
        if let Some(list) = &reg.listed {
            return Arc::clone(list);
        }
        let list: Arc<[Arc<LabSocket>]> = reg.sockets.values().cloned().collect();
        reg.listed = Some(Arc::clone(&list));
        list
    }

    /// How many sockets the run has (closed ones included).
    pub(crate) fn count(&self) -> usize {
        self.registry().sockets.len()
    }

    /// Forgets every socket, so that names begin again at 1.
    pub(crate) fn forget_all(&self) {
        let mut reg = self.registry();
        reg.sockets.clear();
        reg.listed = None;
        reg.ends.clear();
        reg.last = [0; 4];
        reg.retired = Default::default();
    }
}
