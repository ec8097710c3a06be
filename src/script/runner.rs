//! The headless runner: `sockplay run FILE` (SPEC §5).
//!
//! Commands go on while calls are blocked: after a command, the runner waits
//! a short settling time for its calls, reports the ones still in the kernel
//! as blocked, and moves on; their results are reported when they come.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::expect::{self, Expectation};
use super::help;
use super::parse::{Line, Statement};
use super::sink::{ExpectReport, Sink};
use crate::kernel::{Snapshot, Snapshotter};
use crate::lab::{CallResult, Lab, LabEvent, SockName, Started};

/// How long a command's calls may take before they are reported blocked.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(200);

/// How often `expect` and `wait` look again.
const RETRY: Duration = Duration::from_millis(20);

/// How a run ended; also its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every command ran and every `expect` held: exit 0.
    Ok,
    /// At least one `expect` failed: exit 1.
    ExpectFailed,
    /// A command was rejected; the run stopped there: exit 2.
    Rejected,
}

impl RunStatus {
    /// The process exit status.
    pub fn code(self) -> i32 {
        match self {
            RunStatus::Ok => 0,
            RunStatus::ExpectFailed => 1,
            RunStatus::Rejected => 2,
        }
    }
}

/// Runs parsed script lines against a lab, reporting to a sink.
pub struct Runner<'s> {
    lab: Lab,
    events: Receiver<LabEvent>,
    sink: &'s mut dyn Sink,
    settle: Duration,
    last: HashMap<SockName, CallResult>,
    /// Calls reported blocked whose results have not come yet.
    blocked: BTreeMap<u64, Started>,
    /// The calls of the command now settling.
    settling: BTreeMap<u64, Started>,
    failed: bool,
    /// Reads the kernel view; `Err` says why it cannot be read here.
    kernel: Result<Snapshotter, String>,
}

impl<'s> Runner<'s> {
    /// A runner on a fresh lab.
    pub fn new(sink: &'s mut dyn Sink) -> Self {
        let (lab, events) = Lab::new();
        Runner {
            lab,
            events,
            sink,
            settle: DEFAULT_SETTLE,
            last: HashMap::new(),
            blocked: BTreeMap::new(),
            settling: BTreeMap::new(),
            failed: false,
            kernel: Snapshotter::live().map_err(|e| format!("cannot read the kernel view: {e}")),
        }
    }

    /// Changes the settling time.
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// The lab the runner drives.
    pub fn lab(&self) -> &Lab {
        &self.lab
    }

    /// Runs the lines in order, then closes the lab. Stops at a rejected command.
    pub fn run(mut self, lines: &[Line]) -> RunStatus {
        for line in lines {
            if !self.run_line(line) {
                self.finish();
                return RunStatus::Rejected;
            }
        }
        self.finish();
        if self.failed {
            RunStatus::ExpectFailed
        } else {
            RunStatus::Ok
        }
    }

    /// Runs one line; false when it was rejected.
    pub fn run_line(&mut self, line: &Line) -> bool {
        self.pump(Duration::ZERO);
        self.sink.command(line);
        let t = self.lab.elapsed();
        match &line.statement {
            Statement::Lab(cmd) => match self.lab.execute(cmd) {
                Ok(calls) => self.settle_calls(calls),
                Err(e) => {
                    self.sink.error(line.number, None, &e.to_string());
                    return false;
                }
            },
            Statement::Sleep(d) => {
                self.pump_until(Instant::now() + *d, |_| false);
            }
            Statement::Wait { sock, limit } => {
                if !self.known(line.number, *sock) {
                    return false;
                }
                let sock = *sock;
                let done = self.pump_until(Instant::now() + *limit, |r| r.lab.pending(sock) == 0);
                if !done {
                    let n = self.lab.pending(sock);
                    let text = format!(
                        "wait {sock}: {n} call(s) still pending after {}",
                        super::transcript::elapsed_text(*limit)
                    );
                    self.sink.info(line.number, &text, self.lab.elapsed());
                }
            }
            Statement::Expect(e) => {
                if !self.known(line.number, e.sock) {
                    return false;
                }
                self.expect(line.number, e);
            }
            Statement::Note(text) => self.sink.note(line.number, text, t),
            Statement::Step(title) => self.sink.step(line.number, title, t),
            Statement::Show(sock) => {
                if let Some(s) = sock
                    && !self.known(line.number, *s)
                {
                    return false;
                }
                match self.snapshot() {
                    Ok(snap) => self.sink.snapshot(line.number, &snap, *sock),
                    Err(e) => self.sink.info(line.number, &e, t),
                }
            }
            Statement::Help(topic) => {
                let text = help_text(topic.as_deref());
                self.sink.info(line.number, &text, t);
            }
        }
        true
    }

    /// Whether the lab has a socket of that name; reports the error when not.
    fn known(&mut self, line: usize, sock: SockName) -> bool {
        // A name given to a socket, or to a call that failed before the
        // socket could join the lab (a `listen` refused with EADDRINUSE).
        if self.lab.socket(sock).is_some() || self.last.contains_key(&sock) {
            return true;
        }
        let message = crate::lab::LabError::UnknownSocket(sock).to_string();
        self.sink.error(line, None, &message);
        false
    }

    /// Waits up to the settling time for the calls; reports those still blocked.
    fn settle_calls(&mut self, calls: Vec<Started>) {
        self.settling = calls.into_iter().map(|c| (c.seq, c)).collect();
        self.pump_until(Instant::now() + self.settle, |r| r.settling.is_empty());
        let t = self.lab.elapsed();
        for (seq, call) in std::mem::take(&mut self.settling) {
            self.sink.blocked(&call, t);
            self.blocked.insert(seq, call);
        }
    }

    fn handle(&mut self, event: LabEvent) {
        match event {
            LabEvent::Finished(r) => {
                self.settling.remove(&r.seq);
                self.blocked.remove(&r.seq);
                self.sink.op(&r);
                self.last.insert(r.sock, r);
            }
        }
    }

    /// Reports the results that arrive within `wait`, between commands.
    pub fn idle(&mut self, wait: Duration) {
        self.pump(wait);
    }

    /// Reports calls still blocked, then closes the lab.
    pub fn close(mut self) {
        self.finish();
    }

    /// Handles the events that arrive within `wait`.
    fn pump(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        loop {
            let now = Instant::now();
            let event = if now >= deadline {
                match self.events.try_recv() {
                    Ok(e) => e,
                    Err(_) => return,
                }
            } else {
                match self.events.recv_timeout(deadline - now) {
                    Ok(e) => e,
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return,
                }
            };
            self.handle(event);
        }
    }

    /// Handles events until `done` holds or the deadline passes; returns `done`.
    fn pump_until(&mut self, deadline: Instant, mut done: impl FnMut(&mut Self) -> bool) -> bool {
        loop {
            self.pump(Duration::ZERO);
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let wait = (deadline - now).min(RETRY);
            if let Ok(e) = self.events.recv_timeout(wait) {
                self.handle(e);
            }
        }
    }

    /// The kernel view now.
    pub fn snapshot(&mut self) -> Result<Snapshot, String> {
        let observer = self.lab.observer();
        match &mut self.kernel {
            Ok(k) => k
                .take(&observer)
                .map_err(|e| format!("cannot read the kernel view: {e}")),
            Err(e) => Err(e.clone()),
        }
    }

    /// The value of an expectation's field now, if it can be read.
    fn read(&mut self, e: &Expectation) -> Option<String> {
        if e.on_result() {
            return self
                .last
                .get(&e.sock)
                .and_then(|r| expect::result_field(r, &e.field));
        }
        self.snapshot().ok()?.socket(e.sock)?.field(&e.field)
    }

    fn expect(&mut self, line: usize, e: &Expectation) {
        let began = Instant::now();
        let deadline = began + e.within;
        let ok = self.pump_until(deadline, |r| {
            r.read(e).is_some_and(|got| expect::matches(&e.want, &got))
        });
        let report = ExpectReport {
            line,
            expectation: e.clone(),
            ok,
            got: self.read(e),
            waited: began.elapsed(),
        };
        self.failed |= !ok;
        self.sink.expect(&report, self.lab.elapsed());
    }

    /// Reports calls still blocked at the end, then closes the lab.
    fn finish(&mut self) {
        self.pump(Duration::ZERO);
        if !self.blocked.is_empty() {
            let calls: Vec<String> = self
                .blocked
                .values()
                .map(|c| {
                    format!(
                        "#{} {} {}",
                        c.seq,
                        c.sock,
                        super::transcript::call_text(c.call, &c.arg)
                    )
                })
                .collect();
            let text = format!(
                "end of script; still blocked, woken as the lab closes: {}",
                calls.join(", ")
            );
            self.sink.info(0, &text, self.lab.elapsed());
        }
        self.lab.shutdown(Duration::from_secs(1));
    }
}

/// The text of `help` or `help COMMAND`.
pub fn help_text(topic: Option<&str>) -> String {
    match topic.and_then(help::usage) {
        Some(u) => format!("{}\n  {}", u.usage, u.about),
        None => {
            let mut text: Vec<String> = help::COMMANDS
                .iter()
                .map(|u| format!("{}\n      {}", u.usage, u.about))
                .collect();
            text.push(help::SIZES.to_string());
            text.push(help::MODES.to_string());
            text.join("\n")
        }
    }
}
