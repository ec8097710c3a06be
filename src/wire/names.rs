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

impl Directory {
    /// Reads the ends again from the lab.
    pub fn refresh(&mut self, lab: &Observer) {
        let generation = lab.generation();
        self.clients.clear();
        self.accepted.clear();
        self.listeners.clear();
        for (name, local, peer) in lab.ends() {
            match (name.role, local, peer) {
                (Role::Client, Some(l), _) => {
                    self.clients.insert(l, name);
                }
                (Role::Accepted, Some(l), Some(p)) => {
                    self.accepted.insert((l, p), name);
                }
                (Role::Listener, Some(l), _) => self.listeners.push((l, name)),
                _ => {}
            }
        }
        self.read = Some(generation);
    }

    /// The name at `addr` talking to `peer`. A listener's end is named for
    /// the listener during the handshake (`handshake`) and until a socket
    /// is accepted for it.
    fn name(&self, addr: SocketAddr, peer: SocketAddr, handshake: bool) -> Option<SockName> {
        if let Some(c) = self.clients.get(&addr) {
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

    /// Both ends of a segment from `src` to `dst`, reading the lab again
    /// when an end is not known, or is a listener, and the lab changed
    /// since it was last read. A client in SYN-SENT has no address in the
    /// lab until its connect returns: it is read from the kernel then.
    pub fn ends(
        &mut self,
        lab: &Observer,
        src: SocketAddr,
        dst: SocketAddr,
        handshake: bool,
    ) -> Ends {
        let look = |d: &Self| Ends {
            from: d.name(src, dst, handshake),
            to: d.name(dst, src, handshake),
        };
        let ends = look(self);
        let settled =
            |n: Option<SockName>| n.is_some_and(|n| n.role != Role::Listener || handshake);
        if settled(ends.from) && settled(ends.to) {
            return ends;
        }
        if handshake || self.read != Some(lab.generation()) {
            self.refresh(lab);
            return look(self);
        }
        ends
    }
}
