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
    /// The kernel view, for `show [S]`.
    fn snapshot(&mut self, line: usize, snap: &Snapshot, only: Option<SockName>);
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
    fn select(&mut self, _sock: SockName, _facing: super::parse::Facing, _wire: bool) {}
    /// A `sysctl` read or change; told as information unless the sink says more.
    fn sysctl(&mut self, line: usize, report: &SysctlReport, t: Duration) {
        self.info(line, &report.to_string(), t);
    }
}
