//! Test harness: run a script on a real lab and look at what it reported.
#![allow(dead_code)]

use std::time::Duration;

use sockplay::lab::{CallResult, Started};
use sockplay::script::sink::{ExpectReport, Sink};
use sockplay::script::{Line, RunStatus, Runner, parse_script};

/// One record of a run.
#[derive(Debug, Clone)]
pub enum Rec {
    Op(CallResult),
    Blocked(Started),
    Expect(ExpectReport),
    Error(usize, String),
    Info(String),
}

/// A sink that keeps every record.
#[derive(Default)]
pub struct Collect {
    pub records: Vec<Rec>,
}

impl Sink for Collect {
    fn command(&mut self, _line: &Line) {}
    fn op(&mut self, r: &CallResult) {
        self.records.push(Rec::Op(r.clone()));
    }
    fn blocked(&mut self, call: &Started, _t: Duration) {
        self.records.push(Rec::Blocked(call.clone()));
    }
    fn expect(&mut self, r: &ExpectReport, _t: Duration) {
        self.records.push(Rec::Expect(r.clone()));
    }
    fn note(&mut self, _line: usize, _text: &str, _t: Duration) {}
    fn step(&mut self, _line: usize, _title: &str, _t: Duration) {}
    fn error(&mut self, line: usize, _column: Option<usize>, message: &str) {
        self.records.push(Rec::Error(line, message.to_string()));
    }
    fn info(&mut self, _line: usize, text: &str, _t: Duration) {
        self.records.push(Rec::Info(text.to_string()));
    }
}

/// What a run reported.
pub struct Run {
    pub status: RunStatus,
    pub records: Vec<Rec>,
}

impl Run {
    /// Finished calls, in the order they were reported.
    pub fn ops(&self) -> Vec<&CallResult> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rec::Op(op) => Some(op),
                _ => None,
            })
            .collect()
    }

    /// Finished calls of one socket and call name (`"C1"`, `"send"`), in order.
    pub fn calls(&self, sock: &str, call: &str) -> Vec<&CallResult> {
        self.ops()
            .into_iter()
            .filter(|r| r.sock.to_string() == sock && r.call.name() == call)
            .collect()
    }

    /// The one finished call of that socket and name; panics unless exactly one.
    pub fn call(&self, sock: &str, call: &str) -> &CallResult {
        let found = self.calls(sock, call);
        assert_eq!(found.len(), 1, "{sock} {call}: {found:#?}");
        found[0]
    }

    /// Calls reported blocked.
    pub fn blocked(&self) -> Vec<&Started> {
        self.records
            .iter()
            .filter_map(|r| match r {
                Rec::Blocked(b) => Some(b),
                _ => None,
            })
            .collect()
    }

    /// Failed expectations, for assertion messages.
    pub fn failures(&self) -> Vec<&Rec> {
        self.records
            .iter()
            .filter(|r| matches!(r, Rec::Expect(e) if !e.ok) || matches!(r, Rec::Error(..)))
            .collect()
    }

    /// Asserts that the run went well.
    pub fn assert_ok(&self) {
        assert_eq!(self.status, RunStatus::Ok, "{:#?}", self.failures());
    }
}

/// Runs a script on a fresh lab and collects its records.
pub fn run(script: &str) -> Run {
    let lines = parse_script(script).unwrap_or_else(|e| panic!("{e}"));
    let mut sink = Collect::default();
    let status = Runner::new(&mut sink).run(&lines);
    Run {
        status,
        records: sink.records,
    }
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
