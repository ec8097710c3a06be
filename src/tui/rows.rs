//! The rows the panes show and which of them is selected: the filter, the
//! per-state summary, and moving the selection by key or by mouse.

use crate::kernel::{SockView, TcpState, ViewRole};
use crate::lab::SockName;

use super::app::{App, Pane};

/// ss's short name of a state (`ESTAB`, `SYN-RECV`), as the table shows it.
pub fn short_state(state: TcpState) -> &'static str {
    match state {
        TcpState::Established => "ESTAB",
        TcpState::SynReceived => "SYN-RECV",
        other => other.name(),
    }
}

/// Whether sockets of this role are rows of the connections pane.
fn is_connection_row(role: ViewRole) -> bool {
    matches!(role, ViewRole::Client | ViewRole::Accepted | ViewRole::Udp)
}

/// Whether a row passes the filter (upper case): by name or state.
fn passes(v: &SockView, filter: &str) -> bool {
    let name = v.id.map(|n| n.to_string()).unwrap_or_default();
    name.contains(filter)
        || short_state(v.state).contains(filter)
        || v.state.name().contains(filter)
}

impl App {
    /// Connection rows: the lab's clients, accepted sockets and UDP
    /// sockets, in name order, that pass the filter.
    pub fn connections(&self) -> Vec<&SockView> {
        let filter = self.filter.to_ascii_uppercase();
        self.snapshot.as_ref().map_or_else(Vec::new, |s| {
            s.sockets
                .iter()
                .filter(|v| is_connection_row(v.role))
                .filter(|v| filter.is_empty() || passes(v, &filter))
                .collect()
        })
    }

    /// How many connection rows are in each state, most first.
    pub fn state_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for v in self.snapshot.iter().flat_map(|s| s.sockets.iter()) {
            if !is_connection_row(v.role) {
                continue;
            }
            let name = short_state(v.state);
            match counts.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        counts
    }

    /// Listener rows.
    pub fn listeners(&self) -> Vec<&SockView> {
        self.snapshot.as_ref().map_or_else(Vec::new, |s| {
            s.sockets
                .iter()
                .filter(|v| v.role == ViewRole::Listener)
                .collect()
        })
    }

    /// The view of a socket.
    pub fn view(&self, name: SockName) -> Option<&SockView> {
        self.snapshot.as_ref()?.socket(name)
    }

    /// The names in a pane's rows (none for the results).
    pub(super) fn pane_rows(&self, pane: Pane) -> Vec<SockName> {
        let views = match pane {
            Pane::Listeners => self.listeners(),
            Pane::Connections => self.connections(),
            Pane::Results => Vec::new(),
        };
        views.iter().filter_map(|v| v.id).collect()
    }

    /// Keeps the selections on sockets that exist, defaulting to the first.
    pub(super) fn fix_selection(&mut self) {
        let conns = self.pane_rows(Pane::Connections);
        if let Some(want) = self.select_next.filter(|n| conns.contains(n)) {
            self.sel_conn = Some(want);
            self.select_next = None;
        }
        if let Some(want) = self
            .select_next
            .filter(|n| self.pane_rows(Pane::Listeners).contains(n))
        {
            self.sel_listener = Some(want);
            self.select_next = None;
        }
        if self.sel_conn.is_none_or(|s| !conns.contains(&s)) {
            self.sel_conn = conns.first().copied();
        }
        let ls = self.pane_rows(Pane::Listeners);
        if let Some(new) = self.new_listener.filter(|n| ls.contains(n)) {
            self.sel_listener = Some(new);
            self.new_listener = None;
        }
        if self.sel_listener.is_none_or(|s| !ls.contains(&s)) {
            self.sel_listener = ls.first().copied();
        }
    }

    /// Moves a selection by `delta` rows in the focused pane.
    pub fn move_selection(&mut self, delta: isize) {
        match self.pane {
            Pane::Results => {
                self.scroll = if delta < 0 {
                    self.scroll.saturating_add(delta.unsigned_abs())
                } else {
                    self.scroll.saturating_sub(delta.unsigned_abs())
                };
            }
            Pane::Listeners | Pane::Connections => {
                let rows = self.pane_rows(self.pane);
                if rows.is_empty() {
                    return;
                }
                let sel = if self.pane == Pane::Listeners {
                    self.sel_listener
                } else {
                    self.sel_conn
                };
                let at = sel
                    .and_then(|s| rows.iter().position(|r| *r == s))
                    .unwrap_or(0);
                let to = (at as isize + delta).clamp(0, rows.len() as isize - 1) as usize;
                if self.pane == Pane::Listeners {
                    self.sel_listener = Some(rows[to]);
                } else {
                    self.sel_conn = Some(rows[to]);
                }
            }
        }
    }

    /// Selects a row of the focused pane by index (mouse).
    pub fn select_row(&mut self, pane: Pane, index: usize) {
        self.pane = pane;
        let rows = self.pane_rows(pane);
        if let Some(r) = rows.get(index) {
            match pane {
                Pane::Listeners => self.sel_listener = Some(*r),
                _ => self.sel_conn = Some(*r),
            }
        }
    }
}
