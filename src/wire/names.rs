//! Which lab socket sits at each end of a segment.

use rustc_hash::FxHashMap;
use std::net::SocketAddr;

use crate::lab::{Observer, Role, SockName};

/// The lab's connection ends by address, read from the lab.
#[derive(Default)]
pub struct Directory {
    clients: FxHashMap<SocketAddr, SockName>,
    accepted: FxHashMap<(SocketAddr, SocketAddr), SockName>,
    listeners: Vec<(SocketAddr, SockName)>,
    /// Clients without a known local address (a connect that failed gave
    /// its port back), by the address they connect to.
    unplaced: Vec<(SocketAddr, SockName)>,
    /// Addresses learned from such a client's SYN.
    learned: FxHashMap<SocketAddr, SockName>,
    /// Accepted sockets whose connection a new SYN on the same 4-tuple
    /// ended: by (local, peer), the newest number that no longer names it.
    superseded: FxHashMap<(SocketAddr, SocketAddr), u32>,
    /// The lab's generation when the directory was read.
    read: Option<u64>,
}

/// The names of a segment's two ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ends {
    /// The sender.
    pub from: Option<SockName>,
    /// The receiver.
    pub to: Option<SockName>,
}

/// The loopback address of an address's family.
fn loopback_of(a: SocketAddr) -> std::net::IpAddr {
    if a.is_ipv4() {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        std::net::Ipv6Addr::LOCALHOST.into()
    }
}

impl Directory {
    /// Reads the ends again from the lab.
    pub fn refresh(&mut self, lab: &Observer) {
        let generation = lab.generation();
        self.clients.clear();
        self.accepted.clear();
        self.listeners.clear();
        self.unplaced.clear();
        // What is remembered of sockets that have left the lab goes too.
        let mut accepted_at = rustc_hash::FxHashSet::default();
        // Of the names learned addresses are for, those still in the lab
        // (not a set of every name: a storm of connects has thousands).
        let learned_of: rustc_hash::FxHashSet<SockName> = self.learned.values().copied().collect();
        let mut names = rustc_hash::FxHashSet::default();
        lab.each_end(|name, local, peer| {
            if learned_of.contains(&name) {
                names.insert(name);
            }
            if let (Role::Accepted, Some(l), Some(p)) = (name.role, local, peer) {
                accepted_at.insert((l, p));
            }
            match (name.role, local, peer) {
                (Role::Client, Some(l), _) if l.port() != 0 => {
                    // A failed connect keeps its port but not its address.
                    let key = if l.ip().is_unspecified() {
                        SocketAddr::new(loopback_of(l), l.port())
                    } else {
                        l
                    };
                    // A port used again: the newer client holds it now.
                    let newest = self
                        .clients
                        .get(&key)
                        .is_none_or(|n| n.number < name.number);
                    if newest {
                        self.clients.insert(key, name);
                    }
                }
                (Role::Client, _, Some(p)) => self.unplaced.push((p, name)),
                (Role::Accepted, Some(l), Some(p))
                    if self
                        .superseded
                        .get(&(l, p))
                        .is_none_or(|&n| name.number > n) =>
                {
                    self.accepted.insert((l, p), name);
                }
                (Role::Listener, Some(l), _) => self.listeners.push((l, name)),
                _ => {}
            }
        });
        self.superseded.retain(|k, _| accepted_at.contains(k));
        self.learned.retain(|_, n| names.contains(n));
        self.read = Some(generation);
    }

    /// The name at `addr` talking to `peer`. A listener's end is named for
    /// the listener during the handshake (`handshake`) and until a socket
    /// is accepted for it.
    fn name(&self, addr: SocketAddr, peer: SocketAddr, handshake: bool) -> Option<SockName> {
        if let Some(c) = self.clients.get(&addr).or_else(|| self.learned.get(&addr)) {
            return Some(*c);
        }
        if !handshake && let Some(a) = self.accepted.get(&(addr, peer)) {
            return Some(*a);
        }
        self.listeners
            .iter()
            .find(|(l, _)| {
                l.port() == addr.port()
                    && l.is_ipv4() == addr.is_ipv4()
                    && (l.ip() == addr.ip() || l.ip().is_unspecified())
            })
            .map(|(_, n)| *n)
    }

    /// A bare SYN from `src` to `dst`: a connection begins on this 4-tuple,
    /// perhaps one an earlier connection used (a port used again). Its
    /// client is whichever holds `src` now, read again if the lab changed;
    /// the accepted socket of the earlier connection no longer names the
    /// server's end, and an address learned for an earlier client is
    /// learned again.
    fn new_connection(&mut self, lab: &Observer, src: SocketAddr, dst: SocketAddr) {
        self.learned.remove(&src);
        if let Some(old) = self.accepted.remove(&(dst, src)) {
            self.superseded.insert((dst, src), old.number);
        }
        if self.read != Some(lab.generation()) {
            self.refresh(lab);
        }
    }

    /// Both ends of a segment from `src` to `dst`, reading the lab again
    /// when an end is not known, or is a listener, and the lab changed
    /// since it was last read; `bare_syn` (a SYN without ACK) begins a
    /// connection on the 4-tuple. A client in SYN-SENT has no address in the
    /// lab until its connect returns: it is read from the kernel then.
    pub fn ends(
        &mut self,
        lab: &Observer,
        src: SocketAddr,
        dst: SocketAddr,
        handshake: bool,
        bare_syn: bool,
    ) -> Ends {
        let look = |d: &Self| Ends {
            from: d.name(src, dst, handshake),
            to: d.name(dst, src, handshake),
        };
        if bare_syn {
            self.new_connection(lab, src, dst);
        }
        let ends = look(self);
        let settled =
            |n: Option<SockName>| n.is_some_and(|n| n.role != Role::Listener || handshake);
        if settled(ends.from) && settled(ends.to) {
            return ends;
        }
        if handshake || self.read != Some(lab.generation()) {
            self.refresh(lab);
        }
        let mut ends = look(self);
        // A SYN from an address no client holds: the newest client that
        // connects there and has no address of its own sent it.
        if handshake
            && ends.from.is_none()
            && let Some((_, name)) = self
                .unplaced
                .iter()
                .filter(|(p, _)| *p == dst)
                .max_by_key(|(_, n)| n.number)
        {
            self.learned.insert(src, *name);
            ends.from = Some(*name);
        }
        ends
    }
}
