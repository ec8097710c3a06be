//! The rows the panes show and which of them is selected: the filter, the
//! per-state summary, and moving the selection by key or by mouse.

use crate::kernel::{SockView, TcpState, ViewRole};
use crate::lab::{Role, SockName};

use super::app::{App, Pane};

/// ss's short name of a state (`ESTAB`, `SYN-RECV`), as the table shows it.
pub fn short_state(state: TcpState) -> &'static str {
    match state {
        TcpState::Established => "ESTAB",
        TcpState::SynReceived => "SYN-RECV",
        other => other.name(),
    }
}

/// The sockets a script's lines acted on last, one per pane: the panes
/// scroll to keep them in sight, since the narration talks about them.
/// A selection the reader makes takes over again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InView {
    /// The listener acted on last.
    pub listener: Option<SockName>,
    /// The connection (or UDP socket) acted on last.
    pub conn: Option<SockName>,
}

impl InView {
    /// A line acted on `sock`, or made it.
    pub fn note(&mut self, sock: SockName) {
        if sock.role == Role::Listener {
            self.listener = Some(sock);
        } else {
            self.conn = Some(sock);
        }
    }
}

/// Whether sockets of this role are rows of the connections pane.
fn is_connection_row(role: ViewRole) -> bool {
    matches!(role, ViewRole::Client | ViewRole::Accepted | ViewRole::Udp)
}

/// Whether a row passes the filter (upper case): by name or state. The
/// name is written into `name`, kept by the caller: tens of thousands of
/// watched rows are filtered at every key, with no allocation each.
fn passes(v: &SockView, filter: &str, name: &mut String) -> bool {
    use std::fmt::Write;
    name.clear();
    if let Some(n) = v.id {
        let _ = write!(name, "{n}");
    }
    name.contains(filter)
        || short_state(v.state).contains(filter)
        || v.state.name().contains(filter)
}

impl App {
    /// Connection rows: the lab's clients, accepted sockets and UDP
    /// sockets, in name order, that pass the filter.
    pub fn connections(&self) -> Vec<&SockView> {
        let filter = self.filter.to_ascii_uppercase();
        let mut name = String::new();
        self.snapshot.as_ref().map_or_else(Vec::new, |s| {
            s.sockets
                .iter()
                .filter(|v| is_connection_row(v.role))
                .filter(|v| filter.is_empty() || passes(v, &filter, &mut name))
                .collect()
        })
    }

    /// How many of the connection rows shown (those that pass the filter)
    /// are in each state, most first: they add up to the rows' count.
    pub fn state_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for v in self.connections() {
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
            // Up the list is back in time: further scrolled up.
            Pane::Results => self.results_scroll.by(delta.saturating_neg()),
            Pane::Listeners | Pane::Connections => {
                self.in_view = InView::default();
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
                    self.facing = crate::script::Facing::Sending;
                }
            }
        }
    }

    /// Moves each pane's offset (its first row drawn) as little as keeps
    /// its selection in view, as ratatui's `TableState` does, in the rows
    /// the last layout gave the pane; the views draw from these offsets and
    /// the mouse maps clicks through them.
    pub(super) fn scroll_to_selection(&mut self) {
        let conns = self.pane_rows(Pane::Connections);
        // What a script acted on last, else the selection.
        let row = |rows: &[SockName], s: Option<SockName>| {
            s.and_then(|s| rows.iter().position(|r| *r == s))
        };
        let at = row(&conns, self.in_view.conn).or_else(|| row(&conns, self.sel_conn));
        let visible = self.geometry.conn_rows;
        self.conn_offset = keep_in_view(self.conn_offset, at, conns.len(), visible);
        let ls = self.pane_rows(Pane::Listeners);
        let at = row(&ls, self.in_view.listener).or_else(|| row(&ls, self.sel_listener));
        let visible = self.geometry.listener_rows;
        self.listener_offset = keep_in_view(self.listener_offset, at, ls.len(), visible);
    }

    /// The rows PgUp/PgDn move by: as many as the pane they scroll shows
    /// (the kernel view over the panes, the wire, or the results).
    pub fn page_rows(&self) -> usize {
        self.geometry.page
    }

    /// Selects the `drawn`th row on screen of a pane (mouse): the row at
    /// the pane's offset plus `drawn`.
    pub fn select_row(&mut self, pane: Pane, drawn: usize) {
        self.pane = pane;
        self.in_view = InView::default();
        let offset = match pane {
            Pane::Listeners => self.listener_offset,
            Pane::Connections => self.conn_offset,
            Pane::Results => return,
        };
        let rows = self.pane_rows(pane);
        if let Some(r) = rows.get(offset + drawn) {
            match pane {
                Pane::Listeners => self.sel_listener = Some(*r),
                _ => {
                    self.sel_conn = Some(*r);
                    self.facing = crate::script::Facing::Sending;
                }
            }
        }
    }
}

/// The first row to draw of `len` rows, `visible` at a time: `offset`,
/// moved as little as keeps the `selected` row in view and no empty rows
/// below the last.
pub(crate) fn keep_in_view(
    offset: usize,
    selected: Option<usize>,
    len: usize,
    visible: usize,
) -> usize {
    let visible = visible.max(1);
    let mut first = offset.min(len.saturating_sub(visible));
    if let Some(s) = selected {
        if s < first {
            first = s;
        } else if s >= first + visible {
            first = s + 1 - visible;
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::keep_in_view;

    #[test]
    fn the_offset_moves_only_as_far_as_the_selection_needs() {
        // 20 rows, 6 shown: selecting the last shows 15..20.
        assert_eq!(keep_in_view(0, Some(19), 20, 6), 14);
        // Moving up inside the window keeps it.
        assert_eq!(keep_in_view(14, Some(14), 20, 6), 14);
        // Above the window: the selection becomes the first row.
        assert_eq!(keep_in_view(14, Some(3), 20, 6), 3);
        // Fewer rows than before: no empty rows below the last.
        assert_eq!(keep_in_view(14, Some(2), 5, 6), 0);
        assert_eq!(keep_in_view(9, None, 0, 6), 0);
    }
}
