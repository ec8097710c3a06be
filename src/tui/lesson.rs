//! Playing a script or a lesson into the live lab: steps and pauses that
//! wait for space, notes that wait until the screen shows what they talk
//! about, replaying to a step in a fresh lab.

use std::time::Instant;

use super::app::App;
use super::history::History;
use super::log::{Entry, LogSink, Source};
use crate::lab::SockName;
use crate::script::player::{Host, Player, Progress};
use crate::script::{Line, Statement};

/// Where a lesson waits for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At a `step` line (index into the lines): space runs the step.
    Step(usize),
    /// At a `pause` line (index into the lines): space shows what comes next.
    Pause(usize),
}

/// A script playing into the live lab (`--run`, a lesson).
pub struct Script {
    /// Its lines, and where it is.
    pub player: Player,
    /// What to call it.
    pub name: String,
    /// Stepping through a lesson: it pauses at each step for `space`.
    pub lesson: bool,
    /// Paused at a step (index of the step line).
    pub at_step: Option<usize>,
    /// Paused at a `pause` line (its index) until space.
    pub paused: Option<usize>,
    /// It has run to the end.
    pub done: bool,
    /// Replaying after a restart: steps before this line run without pausing.
    pub replay_to: Option<usize>,
    /// A note waits for the next frame: the screen must first draw the
    /// results and the kernel view of the calls above it.
    pub holding: bool,
}

impl Script {
    fn new(name: String, lines: Vec<Line>, lesson: bool, replay_to: Option<usize>) -> Script {
        let mut player = Player::new(lines).pacing_notes();
        if lesson {
            player = player.stopping_at_steps();
        }
        Script {
            player,
            name,
            lesson,
            at_step: None,
            paused: None,
            done: false,
            replay_to,
            holding: false,
        }
    }

    /// Where the lesson waits for the reader, if it does.
    pub fn stop(&self) -> Option<Stop> {
        match (self.at_step, self.paused) {
            (Some(i), _) => Some(Stop::Step(i)),
            (None, Some(i)) => Some(Stop::Pause(i)),
            (None, None) => None,
        }
    }

    /// How far the narration may show: lines before this index have run.
    pub fn shown_to(&self) -> usize {
        self.player.position()
    }
}

impl App {
    /// Plays a script into the lab; a lesson pauses at each step.
    pub fn play(&mut self, name: &str, lines: Vec<Line>, lesson: bool) {
        self.script = Some(Script::new(name.to_string(), lines, lesson, None));
        self.advance(Instant::now());
    }

    /// Starts the lesson again in a fresh lab: from the beginning (`Home`),
    /// or replaying up to where it is now, so the current step runs again (`⌫`).
    pub fn restart_lesson(&mut self, replay: bool) {
        let Some(s) = &self.script else { return };
        let lines = s.player.lines().to_vec();
        let here = s.at_step.unwrap_or_else(|| s.player.position());
        let (name, lesson) = (s.name.clone(), s.lesson);
        // The step being shown began at the last step line before `here`.
        let current = lines[..here.min(lines.len())]
            .iter()
            .rposition(|l| matches!(l.statement, Statement::Step(_)));
        self.lab.reset();
        self.last.clear();
        self.snapshot = None;
        self.history = History::default();
        self.sel_conn = None;
        self.sel_listener = None;
        self.select_next = None;
        self.in_view = super::rows::InView::default();
        self.kernel.count_from_now();
        self.log.push(Entry::Info(if replay {
            "── the lesson starts again in a fresh lab, replaying to this step ──".into()
        } else {
            "── the lesson starts again in a fresh lab ──".into()
        }));
        let replay_to = if replay { current } else { None };
        self.script = Some(Script::new(name, lines, lesson, replay_to));
        self.advance(Instant::now());
        self.dirty = true;
    }

    /// Runs the next lesson step, or goes on after a pause (`space`).
    pub fn next_step(&mut self) {
        // What comes next is the newest narration: follow it.
        self.narration_back = 0;
        let Some(s) = &mut self.script else { return };
        if s.paused.take().is_some() {
            s.player.resume();
            self.advance(Instant::now());
            return;
        }
        if s.at_step.take().is_some() {
            s.player.resume();
            // The step's own line is shown as the step begins.
            let line = s
                .player
                .position()
                .checked_sub(1)
                .and_then(|i| s.player.lines().get(i).cloned());
            if let Some(line) = line
                && let Statement::Step(title) = &line.statement
            {
                self.log.push(Entry::Step(title.clone()));
            }
            self.advance(Instant::now());
        }
    }

    /// A frame was drawn: a note that waited for it may appear.
    pub(super) fn drawn(&mut self) {
        if let Some(s) = &mut self.script
            && s.holding
        {
            s.holding = false;
            s.player.shown();
            self.advance(Instant::now());
            self.dirty = true;
        }
    }

    /// Brings the kernel view up to now, for a note about to be held until
    /// the screen has drawn it.
    fn refresh_view(&mut self) {
        let observer = self.lab.observer();
        if self.frozen.is_none()
            && let Ok(snap) = self.kernel.take(&observer)
        {
            self.apply_snapshot(Box::new(snap));
        }
        self.dirty = true;
    }

    /// Lets the script run what it can; the instant to wake it, if any.
    /// A lesson does not go on under the kernel view: its notes would be
    /// read where nobody can see them. Closing the view lets it go on.
    pub(super) fn advance_script(&mut self, now: Instant) -> Option<Instant> {
        if matches!(self.mode, super::app::Mode::Show)
            && self.script.as_ref().is_some_and(|s| s.lesson)
        {
            return None;
        }
        let mut wake = None;
        let mut selected: Option<SockName> = None;
        let mut refresh = false;
        let mut shown = None;
        if let Some(s) = &mut self.script {
            let mut host = Host {
                lab: &self.lab,
                last: &self.last,
                kernel: &self.kernel,
                wire: self.wire.wire.as_deref(),
                wire_off: self.wire.off.as_deref(),
                view: self.snapshot.as_deref(),
                sink: &mut LogSink {
                    log: &mut self.log,
                    source: Source::Script,
                    sources: &[],
                    error: &mut self.cmd_error,
                    selected: &mut selected,
                    shown: &mut shown,
                    acted_on: &mut self.in_view,
                },
            };
            // Bounded: each pass moves past one step, pause or held note.
            for _ in 0..=2 * s.player.lines().len() {
                let replaying = |i: usize| s.replay_to.is_some_and(|to| i <= to);
                match s.player.advance(&mut host, now) {
                    Progress::Wait(w) => wake = Some(w),
                    Progress::Step(i) if replaying(i) => {
                        s.player.resume();
                        if let Statement::Step(title) = &s.player.lines()[i].statement {
                            host.sink
                                .step(s.player.lines()[i].number, title, host.lab.elapsed());
                        }
                        if s.replay_to == Some(i) {
                            s.replay_to = None;
                        }
                        continue;
                    }
                    Progress::Pause(i) if replaying(i) => {
                        s.player.resume();
                        continue;
                    }
                    Progress::Step(i) => s.at_step = Some(i),
                    Progress::Pause(i) => s.paused = Some(i),
                    Progress::Show(_) => {
                        if !s.holding {
                            s.holding = true;
                            refresh = true;
                        }
                    }
                    Progress::Done(_) => s.done = true,
                }
                break;
            }
        }
        if let Some(sock) = selected {
            self.select(sock);
        }
        if let Some(text) = shown {
            self.open_kernel_view(text);
        }
        if refresh {
            self.refresh_view();
        }
        wake
    }
}
