//! Playing script lines without blocking: the logic of `sockplay run`,
//! shared by the headless runner and the TUI (`--run`, lessons).
//!
//! [`Player::advance`] runs lines until one has to wait (a settling time,
//! `sleep`, `wait`, an `expect` still retrying) and says until when; the
//! host calls it again then, or sooner when a call finishes
//! ([`Player::finished`]). Nothing here sleeps.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::expect::{self, Expectation};
use super::help;
use super::packet_expect::PacketExpect;
use super::parse::{Line, Statement};
use super::quote;
use super::sink::{ExpectReport, Sink};
use crate::kernel::{KernelReader, Snapshot, sysctl};
use crate::lab::{Arg, Call, CallResult, Lab, LabError, SockName, Started};

mod bounds;

/// How long a command's calls may take before they are reported blocked.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(200);

/// How much longer than its settle time a call not yet asleep in the
/// kernel is waited for (looked at every `SETTLE_POLL`) before it is told blocked.
const SETTLE_GRACE: Duration = Duration::from_secs(3);
const SETTLE_POLL: Duration = Duration::from_millis(10);

/// How long past its limit an `expect` on a result waits for results the
/// lab has finished but the host has not yet received.
const BEHIND_GRACE: Duration = Duration::from_secs(10);

/// How often a player that may run only notes looks again.
const NOTES_ONLY_WAKE: Duration = Duration::from_millis(250);

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

/// What the host should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Call `advance` again at this instant, or sooner when a call finishes.
    Wait(Instant),
    /// A `step` line was reached (index into the lines); the player pauses
    /// here when it was asked to stop at steps.
    Step(usize),
    /// A `pause` line was reached (index into the lines) in a lesson: the
    /// player waits there until [`Player::resume`].
    Pause(usize),
    /// A `note` line is next (index into the lines) and calls ran since the
    /// last narration: the host shows their results and the kernel view as
    /// they are now, then calls [`Player::shown`] to let the note appear.
    /// Also a `select` or a `show` right after a note: the host lets it run
    /// once the note was read beside what it talks about.
    Show(usize),
    /// No lines are left.
    Done(RunStatus),
}

/// What the player reads and writes: the lab, the results so far, the
/// kernel view, and where records go.
pub struct Host<'a> {
    /// The lab.
    pub lab: &'a Lab,
    /// Each socket's last finished call.
    pub last: &'a HashMap<SockName, CallResult>,
    /// The kernel view.
    pub kernel: &'a KernelReader,
    /// Where records go.
    pub sink: &'a mut dyn Sink,
    /// The wire, when the lab captures its segments.
    pub wire: Option<&'a crate::wire::Wire>,
    /// Why there is no wire, when there is none.
    pub wire_off: Option<&'a str>,
    /// The kernel view the screen draws, when there is a screen: a note's
    /// quotes are filled from it. Without one, from a view taken then.
    pub view: Option<&'a Snapshot>,
}

impl Host<'_> {
    /// The kernel view now.
    pub fn snapshot(&mut self) -> Result<Snapshot, String> {
        self.kernel.take(&self.lab.observer())
    }

    /// The value of an expectation's field now, if it can be read.
    pub fn read(&mut self, e: &Expectation) -> Option<String> {
        if e.on_result() {
            return self
                .last
                .get(&e.sock)
                .and_then(|r| expect::result_field(r, &e.field));
        }
        let snap = self.snapshot().ok()?;
        let sock = snap.socket(e.sock)?;
        // The counters (since the lab began) belong to no one socket; S
        // only says where the lesson is looking.
        if let Some(n) = snap.counters.field(&e.field) {
            return Some(n.to_string());
        }
        // So does the link, when the lab is on one.
        if crate::lab::sides::LINK_FIELDS.contains(&e.field.as_str()) {
            return snap.link.as_ref().and_then(|l| l.field(&e.field));
        }
        sock.field(&e.field)
    }

    /// Whether a name was given to a socket, or to a call that failed
    /// before its socket could join the lab (a refused `listen`).
    fn known(&self, sock: SockName) -> bool {
        self.lab.knows(sock) || self.last.contains_key(&sock)
    }
}

/// A line that is waiting for something.
#[derive(Debug, Clone)]
enum Pending {
    Settle {
        calls: BTreeMap<u64, Started>,
        until: Instant,
        /// Past `until`, a call whose thread has not yet slept in the
        /// kernel is waited for up to here before it is told blocked.
        latest: Instant,
    },
    Sleep {
        until: Instant,
    },
    Wait {
        line: usize,
        sock: SockName,
        limit: Duration,
        until: Instant,
    },
    Expect {
        line: usize,
        e: Expectation,
        began: Instant,
        until: Instant,
    },
    ExpectPacket {
        line: usize,
        e: PacketExpect,
        began: Instant,
        until: Instant,
    },
}

/// Plays lines of a script.
pub struct Player {
    lines: Vec<Line>,
    next: usize,
    pending: Option<Pending>,
    settle: Duration,
    failed: bool,
    rejected: bool,
    stop_at_steps: bool,
    /// Notes wait until the host has shown what ran before them.
    pacing: bool,
    /// Something ran since the last narration that the screen must show first.
    unshown: bool,
    /// Calls reported blocked whose results have not come yet: their
    /// socket and what they are, not the whole call (twenty thousand
    /// connects told blocked kept 115 bytes each as whole calls).
    blocked: BTreeMap<u64, (SockName, Call, Arg)>,
    /// When the current step began (lab time): `expect packet` looks at
    /// the segments since then.
    step_began: Duration,
    /// A step resumed past (its line not run) begins at the next advance.
    step_resumed: bool,
    /// The notes that have run with their quotes filled, by line index.
    filled: HashMap<usize, String>,
    /// Only notes may run now (a lesson under an open kernel view).
    notes_only: bool,
    /// Every note waits for the host ([`Player::shown`]), not only those
    /// after calls: the host decides whether the reader has room for it.
    every_note: bool,
    /// The note the host let through last.
    released: Option<usize>,
    /// A note ran since the host last let one through.
    noted: bool,
    /// The kernel view the last `show` printed, while only notes have run
    /// since: the notes beside it quote what it shows.
    shown_view: Option<Box<Snapshot>>,
}

impl Player {
    /// A player for these lines.
    pub fn new(lines: Vec<Line>) -> Self {
        Player {
            lines,
            next: 0,
            pending: None,
            settle: DEFAULT_SETTLE,
            failed: false,
            rejected: false,
            stop_at_steps: false,
            pacing: false,
            unshown: false,
            blocked: BTreeMap::new(),
            step_began: Duration::ZERO,
            step_resumed: false,
            filled: HashMap::new(),
            notes_only: false,
            every_note: false,
            released: None,
            noted: false,
            shown_view: None,
        }
    }

    /// Holds every note until [`Player::shown`], so that the host can
    /// first make room for it (a narrow screen, a note after a note).
    pub fn holding_every_note(mut self) -> Self {
        self.every_note = true;
        self
    }

    /// Lets only notes run until told otherwise: a lesson's narration
    /// goes on beside an open kernel view while its calls wait.
    pub fn notes_only(&mut self, only: bool) {
        self.notes_only = only;
    }

    /// Changes the settling time.
    pub fn with_settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// Pauses at each `step` and `pause` line until [`Player::resume`]
    /// (lessons).
    pub fn stopping_at_steps(mut self) -> Self {
        self.stop_at_steps = true;
        self
    }

    /// Holds each note that follows calls until [`Player::shown`]: on
    /// screen, narration never tells what the screen has not yet shown.
    pub fn pacing_notes(mut self) -> Self {
        self.pacing = true;
        self
    }

    /// The host has shown what ran before the next note; it may appear.
    pub fn shown(&mut self) {
        self.unshown = false;
        self.released = Some(self.next);
        self.noted = false;
    }

    /// Whether the line held for the host ([`Progress::Show`]) needs a
    /// frame drawn first: calls ran before it, or it is a `select` that
    /// would move the panes away from the note just shown. A note after a
    /// note needs none.
    pub fn needs_frame(&self) -> bool {
        self.unshown
            || self
                .lines
                .get(self.next)
                .is_some_and(|l| matches!(l.statement, Statement::Select(..)))
    }

    /// The lines.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// The notes that have run whose quotes were filled, by line index:
    /// the text the reader was shown.
    pub fn filled(&self) -> &HashMap<usize, String> {
        &self.filled
    }

    /// The index of the next line to run.
    pub fn position(&self) -> usize {
        self.next
    }

    /// Adds lines to play after the ones there are.
    pub fn push(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// Whether a line is waiting (settling, sleeping, retrying).
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// A call finished; report it and stop waiting for it.
    pub fn finished(&mut self, seq: u64) {
        self.blocked.remove(&seq);
        if let Some(Pending::Settle { calls, .. }) = &mut self.pending {
            calls.remove(&seq);
        }
    }

    /// Lets the player go on after a rejected line (the shell, the TUI's
    /// command line: a typing error does not end the session).
    pub fn forgive(&mut self) {
        self.rejected = false;
    }

    /// Moves on from a `step` or `pause` line the player stopped at.
    pub fn resume(&mut self) -> bool {
        match self.lines.get(self.next) {
            Some(line) if matches!(line.statement, Statement::Step(_) | Statement::Pause) => {
                // The reader has had the screen while the player waited.
                self.unshown = false;
                self.step_resumed |= matches!(line.statement, Statement::Step(_));
                self.next += 1;
                true
            }
            _ => false,
        }
    }

    /// The status so far.
    pub fn status(&self) -> RunStatus {
        if self.rejected {
            RunStatus::Rejected
        } else if self.failed {
            RunStatus::ExpectFailed
        } else {
            RunStatus::Ok
        }
    }

    /// Runs lines until one has to wait, a step is reached, or none are left.
    pub fn advance(&mut self, host: &mut Host<'_>, now: Instant) -> Progress {
        if std::mem::take(&mut self.step_resumed) {
            self.step_began = host.lab.elapsed();
        }
        // Bounded by the number of lines: each pass runs one or returns.
        for _ in 0..=self.lines.len() {
            if let Some(pending) = self.pending.take()
                && let Some(wait) = self.poll(pending, host, now)
            {
                return Progress::Wait(wait);
            }
            if self.rejected {
                return Progress::Done(RunStatus::Rejected);
            }
            let Some(line) = self.lines.get(self.next).cloned() else {
                return Progress::Done(self.status());
            };
            if self.stop_at_steps {
                match line.statement {
                    Statement::Step(_) => return Progress::Step(self.next),
                    Statement::Pause => return Progress::Pause(self.next),
                    _ => {}
                }
            }
            // A note waits for the screen, and so does a `select` right
            // after a note: the note is read beside what it talks about
            // before the panes move on.
            let is_note = matches!(line.statement, Statement::Note(_));
            // And a `show` after a note: the host decides whether the
            // kernel view may cover the panes the note talks about yet.
            let moves_on =
                matches!(line.statement, Statement::Select(..) | Statement::Show(..)) && self.noted;
            let held = self.unshown || (self.every_note && self.released != Some(self.next));
            if self.pacing && held && (is_note || (self.every_note && moves_on)) {
                return Progress::Show(self.next);
            }
            if self.notes_only && !matches!(line.statement, Statement::Note(_)) {
                return Progress::Wait(now + NOTES_ONLY_WAKE);
            }
            self.next += 1;
            self.start(&line, host, now);
        }
        Progress::Wait(now)
    }

    /// Checks a waiting line; `Some(instant)` while it must go on waiting.
    fn poll(&mut self, pending: Pending, host: &mut Host<'_>, now: Instant) -> Option<Instant> {
        match pending {
            Pending::Settle {
                calls,
                until,
                latest,
            } => {
                if calls.is_empty() {
                    return None;
                }
                // Told blocked once past its settle time and asleep in the
                // kernel, not while it waits for a CPU on a busy machine.
                let unsettled = || calls.values().any(|c| !host.lab.settled(c));
                if now < until || (now < latest && unsettled()) {
                    let pending = Pending::Settle {
                        calls,
                        until,
                        latest,
                    };
                    self.pending = Some(pending);
                    return Some(until.max(now + SETTLE_POLL));
                }
                let t = host.lab.elapsed();
                for (seq, call) in calls {
                    host.sink.blocked(&host.lab.as_blocked(&call), t);
                    self.blocked.insert(seq, (call.sock, call.call, call.arg));
                }
                None
            }
            Pending::Sleep { until } if now < until => {
                self.pending = Some(Pending::Sleep { until });
                Some(until)
            }
            Pending::Sleep { .. } => None,
            Pending::Wait {
                line,
                sock,
                limit,
                until,
            } => {
                // A call the lab has finished but whose result the host has
                // not yet received is still pending here: what follows the
                // wait (an `expect` on the result) must read that result,
                // and show after it.
                let undelivered = self.blocked.values().filter(|b| b.0 == sock).count();
                let n = host.lab.pending(sock).max(undelivered);
                if n == 0 {
                    return None;
                }
                if now >= until {
                    let text = format!(
                        "wait {sock}: {n} call(s) still pending after {}",
                        super::transcript::elapsed_text(limit)
                    );
                    host.sink.info(line, &text, host.lab.elapsed());
                    return None;
                }
                self.pending = Some(Pending::Wait {
                    line,
                    sock,
                    limit,
                    until,
                });
                Some(until.min(now + RETRY))
            }
            Pending::Expect {
                line,
                e,
                began,
                until,
            } => {
                // A result the lab has but the host has not received yet
                // would make the last result read here an older one.
                let behind = e.on_result()
                    && self.blocked.values().filter(|b| b.0 == e.sock).count()
                        > host.lab.pending(e.sock);
                let got = host.read(&e);
                let ok = !behind && got.as_deref().is_some_and(|g| expect::matches(&e.want, g));
                // The results on their way do not count against the limit.
                if !ok && (now < until || (behind && now < until + BEHIND_GRACE)) {
                    self.pending = Some(Pending::Expect {
                        line,
                        e,
                        began,
                        until,
                    });
                    return Some(until.min(now + RETRY));
                }
                self.failed |= !ok;
                let report = ExpectReport {
                    line,
                    expectation: e,
                    ok,
                    got,
                    waited: now.saturating_duration_since(began),
                };
                host.sink.expect(&report, host.lab.elapsed());
                None
            }
            Pending::ExpectPacket {
                line,
                e,
                began,
                until,
            } => {
                let since = self.step_began;
                let (found, seen) = host
                    .wire
                    .map_or((None, 0), |w| w.with_recent(|segs| e.look(segs, since)));
                // A segment wanted is looked for until it comes; a segment
                // not wanted is watched for until the time is up.
                let decided = found.is_some() || now >= until;
                if !decided {
                    self.pending = Some(Pending::ExpectPacket {
                        line,
                        e,
                        began,
                        until,
                    });
                    return Some(until.min(now + RETRY));
                }
                let ok = found.is_some() != e.absent;
                self.failed |= !ok;
                let got = match found {
                    Some(seg) if e.absent => format!("it came: {seg}"),
                    Some(seg) => seg,
                    None => format!("no such segment ({seen} seen since the step began)"),
                };
                let report = ExpectReport {
                    line,
                    expectation: Expectation {
                        sock: e
                            .sock()
                            .unwrap_or(SockName::new(crate::lab::Role::Listener, 1)),
                        field: e.kind().into(),
                        want: e.want_text(),
                        within: e.within,
                    },
                    ok,
                    got: Some(got),
                    waited: now.saturating_duration_since(began),
                };
                host.sink.expect(&report, host.lab.elapsed());
                None
            }
        }
    }

    fn reject(&mut self, host: &mut Host<'_>, line: usize, message: &str) {
        host.sink.error(line, None, message);
        self.rejected = true;
    }

    /// Starts a line.
    fn start(&mut self, line: &Line, host: &mut Host<'_>, now: Instant) {
        host.sink.command(line);
        if !matches!(line.statement, Statement::Note(_)) {
            self.shown_view = None;
        }
        self.noted |= matches!(line.statement, Statement::Note(_));
        let t = host.lab.elapsed();
        let n = line.number;
        self.unshown = !matches!(
            line.statement,
            Statement::Note(_) | Statement::Step(_) | Statement::Pause | Statement::Select(..)
        ) || (self.unshown && matches!(line.statement, Statement::Select(..)));
        match &line.statement {
            Statement::Lab(cmd) => match host.lab.execute(cmd) {
                Ok(calls) => {
                    self.pending = Some(Pending::Settle {
                        calls: calls.into_iter().map(|c| (c.seq, c)).collect(),
                        until: now + self.settle,
                        latest: now + self.settle + SETTLE_GRACE,
                    });
                }
                Err(e) => self.reject(host, n, &e.to_string()),
            },
            Statement::Sleep(d) => self.pending = Some(Pending::Sleep { until: now + *d }),
            Statement::Wait { sock, limit } => {
                if !host.known(*sock) {
                    return self.reject(host, n, &LabError::UnknownSocket(*sock).to_string());
                }
                self.pending = Some(Pending::Wait {
                    line: n,
                    sock: *sock,
                    limit: *limit,
                    until: now + *limit,
                });
            }
            Statement::Expect(e) => {
                if !host.known(e.sock) {
                    return self.reject(host, n, &LabError::UnknownSocket(e.sock).to_string());
                }
                self.pending = Some(Pending::Expect {
                    line: n,
                    e: e.clone(),
                    began: now,
                    until: now + e.within,
                });
            }
            Statement::Note(text) if quote::quotes(text) => {
                // Beside an open kernel view, the figures it shows; else
                // those the screen draws now.
                let taken = match (&self.shown_view, host.view) {
                    (None, None) => host.snapshot().ok(),
                    _ => None,
                };
                let snap = self.shown_view.as_deref().or(host.view).or(taken.as_ref());
                host.cite_notes(n, text, snap);
                let filled = host.quoting_note(n, text, snap, t);
                // `start` runs the line at `next - 1`.
                self.filled.insert(self.next - 1, filled);
            }
            Statement::Note(text) => {
                host.cite_notes(n, text, self.shown_view.as_deref().or(host.view));
                host.sink.note(n, text, t);
            }
            Statement::Step(title) => {
                self.step_began = t;
                host.sink.step(n, title, t);
            }
            Statement::ExpectPacket(e) => {
                if host.wire.is_none() {
                    let text = format!(
                        "{} not checked: the wire is not captured here ({})",
                        line.text,
                        host.wire_off.unwrap_or("run with --wire")
                    );
                    return host.sink.info(n, &text, t);
                }
                self.pending = Some(Pending::ExpectPacket {
                    line: n,
                    e: e.clone(),
                    began: now,
                    until: now + e.within,
                });
            }
            Statement::Show(socks, _) => {
                if let Some(s) = socks.iter().find(|s| !host.known(**s)) {
                    return self.reject(host, n, &LabError::UnknownSocket(*s).to_string());
                }
                match host.snapshot() {
                    Ok(snap) => {
                        host.sink.snapshot(n, &snap, socks);
                        self.shown_view = Some(Box::new(snap));
                    }
                    Err(e) => host.sink.info(n, &e, t),
                }
            }
            Statement::Help(topic) => host.sink.info(n, &help_text(topic.as_deref()), t),
            Statement::Pause => host.sink.pause(n, t),
            Statement::Select(sock, facing, wire) => {
                if !host.known(*sock) {
                    return self.reject(host, n, &LabError::UnknownSocket(*sock).to_string());
                }
                host.select(n, *sock, *facing, *wire);
            }
            Statement::Link(cmd) => match crate::link::apply(cmd) {
                Ok(said) => host.sink.info(n, &said, t),
                Err(e) => self.reject(host, n, &e),
            },
            Statement::Sysctl { name, value } => {
                let done = match value {
                    None => sysctl::read(name),
                    Some(v) => sysctl::write(name, v, crate::lab::netns::is_own()),
                };
                match done {
                    Ok(report) => {
                        if report.was.is_some() {
                            host.kernel.forget_system();
                        }
                        host.sink.sysctl(n, &report, t);
                    }
                    Err(e) => self.reject(host, n, &e),
                }
            }
        }
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
            text.push(help::TCP_OPTIONS.to_string());
            text.join("\n")
        }
    }
}
