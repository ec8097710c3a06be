//! The screen's side of `sockplay watch`: what is watched, the program it
//! started, and which watched sockets need their TCP_INFO read (the rows
//! on screen and the selected one: at tens of thousands of connections,
//! reading it for all would cost more than the screen is worth).

use std::net::SocketAddr;

use rustc_hash::FxHashSet;

use crate::kernel::ViewRole;
use crate::kernel::watch::Target;
use crate::lab::{Role, SockName};
use crate::wire::Segment;
use crate::wire::parse::flag;

use super::app::App;

/// A watch of another process's sockets.
pub struct Watching {
    /// What is watched.
    pub target: Target,
    /// The program `watch --` started: reaped when it exits, ended at quit.
    pub started: Option<crate::script::watch::Started>,
    /// The sockets whose TCP_INFO the kernel reader was last asked for.
    detail: Option<FxHashSet<SockName>>,
    /// The watched listeners' ports the wire lets through.
    followed: FxHashSet<u16>,
}

impl Watching {
    /// A watch of `target`, with the program started for it, if any.
    pub fn new(target: Target, started: Option<crate::script::watch::Started>) -> Watching {
        Watching {
            target,
            started,
            detail: None,
            followed: FxHashSet::default(),
        }
    }
}

impl App {
    /// What the status line says of the watch: `watch :8080 · python3 4242`.
    pub fn watch_words(&self) -> Option<String> {
        let w = self.watching.as_ref()?;
        let status = self.snapshot.as_ref().and_then(|s| s.watch.as_ref());
        let process = status
            .and_then(|s| s.process.as_ref())
            .map(|p| format!(" · {} {}", p.name, p.pid))
            .unwrap_or_default();
        Some(format!("watch {}{process}", w.target))
    }

    /// Lets the wire see the watched listeners' connections (where the
    /// capture is allowed: CAP_NET_RAW).
    pub(super) fn wire_follows(&mut self) {
        let Some(w) = self.watching.as_mut() else {
            return;
        };
        let Some(snap) = self.snapshot.as_ref() else {
            return;
        };
        for v in &snap.sockets {
            if v.role == crate::kernel::ViewRole::Listener
                && v.id.is_some_and(|n| n.role == Role::Watched)
                && let Some(at) = v.local
                && !w.followed.contains(&at.port())
                && self.wire.follow(at)
            {
                w.followed.insert(at.port());
            }
        }
    }

    /// Asks the kernel reader for TCP_INFO on the watched connections that
    /// can be on screen (those from the pane's first row on, a screenful)
    /// and on the selected one; says nothing when that has not changed.
    pub(super) fn ask_watch_detail(&mut self) {
        if self.watching.is_none() {
            return;
        }
        let rows = usize::from(self.size.1);
        let wanted: FxHashSet<SockName> = self
            .connections()
            .iter()
            .skip(self.conn_offset.saturating_sub(rows))
            .take(rows * 2)
            .filter_map(|v| v.id)
            .chain(self.sel_conn)
            .filter(|n| n.role == Role::Watched)
            .collect();
        let Some(w) = self.watching.as_mut() else {
            return;
        };
        if w.detail.as_ref() != Some(&wanted) {
            w.detail = Some(wanted.clone());
            self.kernel.set_watch_detail(Some(wanted));
        }
    }
}

impl App {
    /// Names the ends of segments that belong to watched sockets, as the
    /// wire names the lab's: `S7` for a watched connection; its listener
    /// (`S1`) for the handshake and while it waits to be accepted. The
    /// wire knows only the lab's sockets, so their names come from the
    /// kernel view here, looked up once for each pair of addresses.
    pub fn name_watched_ends(&self, segments: &mut [Segment]) {
        if self.watching.is_none() {
            return;
        }
        let Some(snap) = self.snapshot.as_ref() else {
            return;
        };
        let watched = |n: Option<SockName>| n.is_some_and(|n| n.role == Role::Watched);
        let mut known: Vec<((SocketAddr, SocketAddr, bool), Option<SockName>)> = Vec::new();
        let mut name_of = |at: SocketAddr, peer: SocketAddr, syn: bool| {
            if let Some((_, n)) = known.iter().find(|(k, _)| *k == (at, peer, syn)) {
                return *n;
            }
            let listener = || {
                snap.sockets
                    .iter()
                    .find(|v| {
                        v.role == ViewRole::Listener
                            && watched(v.id)
                            && v.local.is_some_and(|l| {
                                l.port() == at.port()
                                    && l.is_ipv4() == at.is_ipv4()
                                    && (l.ip() == at.ip() || l.ip().is_unspecified())
                            })
                    })
                    .and_then(|v| v.id)
            };
            let own = || {
                snap.sockets
                    .iter()
                    .find(|v| v.local == Some(at) && v.peer == Some(peer))
                    .and_then(|v| match v.role {
                        ViewRole::Queued | ViewRole::SynRecv => {
                            v.listener.filter(|l| watched(Some(*l)))
                        }
                        ViewRole::Listener => None,
                        _ => v.id.filter(|n| n.role == Role::Watched),
                    })
            };
            let n = if syn {
                listener().or_else(own)
            } else {
                own().or_else(listener)
            };
            known.push(((at, peer, syn), n));
            n
        };
        for s in segments.iter_mut() {
            let syn = s.has(flag::SYN);
            if s.from.is_none() {
                s.from = name_of(s.src(), s.dst(), syn);
            }
            if s.to.is_none() {
                s.to = name_of(s.dst(), s.src(), syn);
            }
        }
    }
}
