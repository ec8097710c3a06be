//! Where a headless run's records go: a readable transcript or JSON Lines.

use std::time::Duration;

use super::expect::Expectation;
use super::parse::Line;
use crate::kernel::Snapshot;
use crate::kernel::sysctl::SysctlReport;
use crate::lab::{CallResult, SockName, Started};

/// How an `expect` came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectReport {
    /// The script line.
    pub line: usize,
    /// What was checked.
    pub expectation: Expectation,
    /// Whether it held.
    pub ok: bool,
    /// The value last read, if one could be.
    pub got: Option<String>,
    /// How long it took to hold, or to give up.
    pub waited: Duration,
}

/// A consumer of the records of a run.
pub trait Sink {
    /// A script line is about to run.
    fn command(&mut self, line: &Line);
    /// A call finished.
    fn op(&mut self, result: &CallResult);
    /// A call is still in the kernel after the settling time.
    fn blocked(&mut self, call: &Started, t: Duration);
    /// An `expect` came out.
    fn expect(&mut self, report: &ExpectReport, t: Duration);
    /// Narration.
    fn note(&mut self, line: usize, text: &str, t: Duration);
    /// A lesson step begins.
    fn step(&mut self, line: usize, title: &str, t: Duration);
    /// A command was rejected; nothing changed.
    fn error(&mut self, line: usize, column: Option<usize>, message: &str);
    /// The kernel view, for `show [S…]`: of the sockets in `only`, or of
    /// every one when it is empty.
    fn snapshot(&mut self, line: usize, snap: &Snapshot, only: &[SockName]);
    /// Something worth telling that is none of the above (`help`, `wait` running out).
    fn info(&mut self, line: usize, text: &str, t: Duration);
    /// A segment on the wire between lab sockets (`--wire`).
    fn packet(&mut self, _segment: &crate::wire::Segment) {}
    /// The run is over: write what is still held back.
    fn finish(&mut self) {}
    /// A `pause`: a lesson stops here for the reader (headless, a mark).
    fn pause(&mut self, _line: usize, _t: Duration) {}
    /// A `select S`: the socket a lesson talks about, the way of its bytes
    /// it shows first, and whether the wire pane opens on it (headless,
    /// nothing).
    fn select(
        &mut self,
        _sock: SockName,
        _facing: super::parse::Facing,
        _wire: super::parse::WireView,
    ) {
    }
    /// Whether a `select` should bring the selected socket's kernel view
    /// ([`Sink::selected`]); a screen draws it itself.
    fn prints_selected(&self) -> bool {
        false
    }
    /// The kernel view at a `select S`, where [`Sink::prints_selected`].
    fn selected(&mut self, _line: usize, _snap: &Snapshot, _sock: SockName) {}
    /// The figures a note is about to quote (`{C1.snd_wnd}` and what it
    /// read), just before [`Sink::note`] gives the note filled.
    fn quoted(&mut self, _line: usize, _values: &[(super::quote::Quote, String)]) {}
    /// Whether the sink prints the kernel's notes a note points at (`the
    /// note on C7 counts them`) before it: on paper there is no pane to
    /// point at.
    fn cites_notes(&self, _text: &str) -> bool {
        false
    }
    /// The kernel view just before a note [`Sink::cites_notes`] took.
    fn cited_notes(&mut self, _line: usize, _snap: &Snapshot, _text: &str) {}
    /// A `sysctl` read or change; told as information unless the sink says more.
    fn sysctl(&mut self, line: usize, report: &SysctlReport, t: Duration) {
        self.info(line, &report.to_string(), t);
    }
}

impl super::player::Host<'_> {
    /// Gives the sink a note that quotes the kernel, filled from `snap`,
    /// after the figures it quotes; returns the note as filled.
    pub fn quoting_note(
        &mut self,
        line: usize,
        text: &str,
        snap: Option<&Snapshot>,
        t: Duration,
    ) -> String {
        let filled = super::quote::fill(text, snap, self.last);
        let values = super::quote::values(text, snap, self.last);
        self.sink.quoted(line, &values);
        self.sink.note(line, &filled, t);
        filled
    }

    /// Gives the sink, where it prints them, the kernel notes `text`
    /// points at, read from `snap` or from a view taken now.
    pub fn cite_notes(&mut self, line: usize, text: &str, snap: Option<&Snapshot>) {
        if !self.sink.cites_notes(text) {
            return;
        }
        let taken = match snap {
            Some(_) => None,
            None => self.snapshot().ok(),
        };
        if let Some(snap) = snap.or(taken.as_ref()) {
            self.sink.cited_notes(line, snap, text);
        }
    }

    /// Tells the sink which socket a lesson now talks about, with that
    /// socket's kernel view where the sink prints it (on paper the selected
    /// socket is a line of the view; a screen draws its own pane).
    pub fn select(
        &mut self,
        line: usize,
        sock: SockName,
        facing: super::parse::Facing,
        wire: super::parse::WireView,
    ) {
        self.sink.select(sock, facing, wire);
        if self.sink.prints_selected()
            && let Ok(snap) = self.snapshot()
        {
            self.sink.selected(line, &snap, sock);
        }
    }
}
