//! The results log: finished and blocked calls, commands as they were run,
//! narration and errors, newest last, bounded however long the lab runs.

use std::collections::VecDeque;
use std::time::Duration;

use crate::kernel::Snapshot;
use crate::lab::preview::{escape_lines, escape_text};
use crate::lab::{CallResult, SockName, Started};
use crate::script::sink::{ExpectReport, Sink};
use crate::script::stated::{Stated, stated};
use crate::script::{Line, show};

/// How many entries the log keeps.
pub const LOG_LIMIT: usize = 5000;

/// How far back a blocked loop's steps are looked for.
const STEPS_LOOKED_AT: usize = 256;

/// Where a command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Typed on the command line.
    Typed,
    /// A key or a form: shown so the class learns the command.
    Key,
    /// A script or lesson.
    Script,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A command as it was run.
    Command(String, Source),
    /// A finished call: apart, as a result is three times the size of
    /// the other entries, and a storm of connects fills the log with
    /// calls told blocked.
    Op(Box<CallResult>),
    /// A call still in the kernel after the settling time.
    Blocked(Started),
    /// An `expect`.
    Expect(ExpectReport),
    /// Narration.
    Note(String),
    /// A lesson step began.
    Step(String),
    /// A rejected command.
    Error(String),
    /// Anything else (`show`, `help`).
    Info(String),
}

/// The log.
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
    /// Entries dropped off the front so far.
    dropped: usize,
    /// The calls listed after a call numbered after them that had ended
    /// (a call is numbered when it is made and listed when it ends): each
    /// with the highest such number (`#11 recvall` after `#14 send`).
    overtaken: std::collections::BTreeMap<u64, u64>,
    /// The calls told blocked that have ended since: their blocked line
    /// no longer says they are still in the kernel.
    ended_blocked: std::collections::BTreeSet<u64>,
    /// The calls told blocked that have not ended yet.
    still_blocked: std::collections::BTreeSet<u64>,
}

impl Log {
    /// Adds an entry, dropping the oldest past the limit.
    pub fn push(&mut self, e: Entry) {
        if let Entry::Op(r) = &e {
            let mut told_blocked = false;
            let mut first_step = None;
            let mut after = None;
            for (i, x) in self.entries.iter().enumerate().rev().take(STEPS_LOOKED_AT) {
                match x {
                    Entry::Op(s) if s.part_of == Some(r.seq) => first_step = Some(i),
                    Entry::Op(s) if s.seq > r.seq => after = after.max(Some(s.seq)),
                    Entry::Blocked(b) if b.seq == r.seq => told_blocked = true,
                    _ => {}
                }
            }
            // A loop that ended before it was told blocked goes before
            // its steps, as its number does (`#26 recvall`, then `#27 ↳
            // recv`).
            if r.part_of.is_none()
                && !told_blocked
                && let Some(i) = first_step
            {
                self.insert(i, e);
                return;
            }
            if self.still_blocked.remove(&r.seq) {
                self.ended_blocked.insert(r.seq);
                if self.ended_blocked.len() > LOG_LIMIT {
                    self.ended_blocked.pop_first();
                }
            }
            // Any other call listed after one numbered after it says so.
            if let Some(a) = after {
                self.overtaken.insert(r.seq, a);
                if self.overtaken.len() > LOG_LIMIT {
                    self.overtaken.pop_first();
                }
            }
        }
        if self.entries.len() == LOG_LIMIT {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(e);
    }

    /// Adds a call still in the kernel, before the steps of it already
    /// logged: a loop's first step often finishes within the settling time,
    /// before the loop is told blocked, and a loop's line comes before its
    /// steps (`#11 recvall … [blocked]`, then `#12 ↳ recv → 8`).
    pub fn push_blocked(&mut self, call: Started) {
        self.still_blocked.insert(call.seq);
        if self.still_blocked.len() > LOG_LIMIT {
            self.still_blocked.pop_first();
        }
        if self.entries.len() == LOG_LIMIT {
            self.entries.pop_front();
            self.dropped += 1;
        }
        // Its steps came after its command, a few entries back at most.
        let first_step = self
            .entries
            .iter()
            .enumerate()
            .rev()
            .take(STEPS_LOOKED_AT)
            .filter(|(_, e)| matches!(e, Entry::Op(r) if r.part_of == Some(call.seq)))
            .map(|(i, _)| i)
            .min();
        match first_step {
            Some(i) => self.entries.insert(i, Entry::Blocked(call)),
            None => self.entries.push_back(Entry::Blocked(call)),
        }
    }

    /// Adds an entry at `i` (an index into [`Log::entries`]), dropping
    /// the oldest past the limit.
    fn insert(&mut self, i: usize, e: Entry) {
        let i = if self.entries.len() == LOG_LIMIT {
            self.entries.pop_front();
            self.dropped += 1;
            i.saturating_sub(1)
        } else {
            i
        };
        self.entries.insert(i, e);
    }

    /// The highest number of a call that ended and was listed before call
    /// `seq` though made after it, if any (not counting `seq`'s own steps).
    pub fn overtaken_by(&self, seq: u64) -> Option<u64> {
        self.overtaken.get(&seq).copied()
    }

    /// Whether call `seq`, told blocked, has ended since.
    pub fn has_ended(&self, seq: u64) -> bool {
        self.ended_blocked.contains(&seq)
    }

    /// The lab's calls are numbered from 1 again (a fresh lab): what was
    /// said of the old numbers is forgotten.
    pub fn numbering_restarts(&mut self) {
        self.overtaken.clear();
        self.ended_blocked.clear();
        self.still_blocked.clear();
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &VecDeque<Entry> {
        &self.entries
    }

    /// Where `entry` (a reference into [`Log::entries`]) is in the log.
    pub fn index_of(&self, entry: &Entry) -> Option<usize> {
        self.entries.iter().rposition(|e| std::ptr::eq(e, entry))
    }

    /// The check at `at` in words (`A1 recvq 8`, `L1 accept timed out`):
    /// a check of a result names the call it read, the socket's last
    /// before the check.
    pub fn stated(&self, at: usize) -> Option<Stated> {
        let Some(Entry::Expect(r)) = self.entries.get(at) else {
            return None;
        };
        let e = &r.expectation;
        let call = e
            .on_result()
            .then(|| {
                self.entries.range(..at).rev().find_map(|x| match x {
                    Entry::Op(op) if op.sock == e.sock && op.part_of.is_none() => {
                        Some(op.call.name())
                    }
                    _ => None,
                })
            })
            .flatten();
        Some(stated(e, r.got.as_deref(), call, r.ok))
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries fell off the front.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

/// A sink that writes a script's records into the log.
pub struct LogSink<'a> {
    /// The log.
    pub log: &'a mut Log,
    /// Where commands come from.
    pub source: Source,
    /// Where each line came from, by line number (from 1), when the lines
    /// came from several places (typed, or by a key); empty otherwise. A
    /// line may run long after it was given, behind a settling call.
    pub sources: &'a [Source],
    /// The last error, to show beside the command line.
    pub error: &'a mut Option<String>,
    /// The socket a `select` asked for, for the App to select, and the
    /// way of its bytes to show first, and whether the wire opens on it.
    pub selected: &'a mut Option<(SockName, crate::script::Facing, crate::script::WireView)>,
    /// The kernel view a `show` printed, for the App to show over the
    /// panes, and where to open it.
    pub shown: &'a mut Option<(String, crate::script::ShowAt)>,
    /// Where the `show` being run asked to open the kernel view.
    pub show_at: crate::script::ShowAt,
    /// The sockets the lines acted on, for the panes to keep in sight.
    pub acted_on: &'a mut super::rows::InView,
}

impl Sink for LogSink<'_> {
    fn command(&mut self, line: &Line) {
        use crate::script::Statement;
        if let Statement::Show(_, at) = &line.statement {
            self.show_at = *at;
        }
        match &line.statement {
            Statement::Lab(cmd) => {
                if let Some(s) = cmd.subject() {
                    self.acted_on.note(s);
                }
            }
            Statement::Wait { sock, .. } | Statement::Select(sock, ..) => self.acted_on.note(*sock),
            Statement::Expect(e) => self.acted_on.note(e.sock),
            _ => {}
        }
        // Narration and checks show as themselves (» …, ✓ …), not as commands.
        if !matches!(
            line.statement,
            crate::script::Statement::Note(_)
                | crate::script::Statement::Step(_)
                | crate::script::Statement::Expect(_)
                | crate::script::Statement::ExpectPacket(_)
                | crate::script::Statement::Pause
                | crate::script::Statement::Select(..)
        ) {
            let source = line
                .number
                .checked_sub(1)
                .and_then(|i| self.sources.get(i))
                .copied()
                .unwrap_or(self.source);
            self.log
                .push(Entry::Command(escape_text(&line.text).into_owned(), source));
        }
    }

    fn op(&mut self, result: &CallResult) {
        self.log.push(Entry::Op(Box::new(result.clone())));
    }

    fn blocked(&mut self, call: &Started, _t: Duration) {
        self.log.push_blocked(call.clone());
    }

    fn expect(&mut self, report: &ExpectReport, _t: Duration) {
        self.log.push(Entry::Expect(report.clone()));
    }

    fn note(&mut self, _line: usize, text: &str, _t: Duration) {
        // Shown as the transcript shows it: controls escaped, not dropped.
        self.log.push(Entry::Note(escape_lines(text).into_owned()));
    }

    fn step(&mut self, _line: usize, title: &str, _t: Duration) {
        self.log.push(Entry::Step(escape_text(title).into_owned()));
    }

    fn error(&mut self, line: usize, column: Option<usize>, message: &str) {
        let at = match (self.source, column) {
            (Source::Script, Some(c)) => format!("line {line}, column {c}: "),
            (Source::Script, None) => format!("line {line}: "),
            _ => String::new(),
        };
        let text = format!("{at}{}", escape_text(message));
        *self.error = Some(text.clone());
        self.log.push(Entry::Error(text));
    }

    fn snapshot(&mut self, _line: usize, snap: &Snapshot, only: &[SockName]) {
        let table = show::table(snap, only);
        self.log.push(Entry::Info(table.clone()));
        *self.shown = Some((table, self.show_at));
    }

    fn info(&mut self, _line: usize, text: &str, _t: Duration) {
        self.log.push(Entry::Info(escape_lines(text).into_owned()));
    }

    fn select(
        &mut self,
        sock: SockName,
        facing: crate::script::Facing,
        wire: crate::script::WireView,
    ) {
        *self.selected = Some((sock, facing, wire));
    }
}
