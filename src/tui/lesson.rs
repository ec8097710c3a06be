//! Playing a script or a lesson into the live lab: steps and pauses that
//! wait for space, notes that wait until the screen shows what they talk
//! about, replaying to a step in a fresh lab.

use std::time::Instant;

use super::app::App;
use super::history::History;
use super::log::{Entry, Source};
use crate::script::player::{Player, Progress};
use crate::script::{Line, Statement};

/// Where a lesson waits for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At a `step` line (index into the lines): space runs the step.
    Step(usize),
    /// At a `pause` line (index into the lines): space shows what comes next.
    Pause(usize),
    /// Before a note (index into the lines) that would push notes not yet
    /// read out of the narration pane: space shows it.
    More(usize),
    /// Before a `show` (index into the lines) that would cover the panes
    /// the notes not yet read talk about: space opens the kernel view.
    View(usize),
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
    /// Waiting for space before a note there is no room for yet (its index).
    pub more: Option<usize>,
    /// Waiting for space before a `show` (its index): the notes shown
    /// beside the panes are read before the kernel view covers them.
    pub view_due: Option<usize>,
    /// Where the reader last pressed space (a line index): the notes since
    /// then are the ones not yet read.
    pub read_to: usize,
    /// The step opened the wire pane (`select S wire`): the next step
    /// closes it.
    pub wire_opened: bool,
    /// The congestion window shows in the selected pane: always in the
    /// open lab, in a lesson only where the lesson talks of it (BBR's
    /// window moves with no call made, 13 to 4 while it re-measures the
    /// round trip, and a lesson about something else would leave that
    /// unsaid).
    pub shows_cwnd: bool,
    /// Where the kernel view the lesson opened was opened (a line index),
    /// while it is open.
    pub viewing_from: Option<usize>,
    /// Where the narration may turn its page (line indices, in order):
    /// where kernel views the lesson opened closed after notes were read
    /// beside them, for those notes talk about what is no longer drawn.
    pub page_breaks: Vec<usize>,
}

impl Script {
    fn new(name: String, lines: Vec<Line>, lesson: bool, replay_to: Option<usize>) -> Script {
        let shows_cwnd = !lesson || lines.iter().any(|l| l.text.contains("cwnd"));
        let mut player = Player::new(lines).pacing_notes().holding_every_note();
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
            more: None,
            view_due: None,
            read_to: 0,
            wire_opened: false,
            shows_cwnd,
            viewing_from: None,
            page_breaks: Vec::new(),
        }
    }

    /// The view the lesson opened has closed: the notes read beside it,
    /// if any, go above the page (Shift-↑ brings them back).
    pub fn view_closed(&mut self) {
        let Some(from) = self.viewing_from.take() else {
            return;
        };
        let to = self.player.position();
        let lines = self.player.lines();
        if lines[from.min(to)..to.min(lines.len())]
            .iter()
            .any(|l| matches!(l.statement, Statement::Note(_)))
        {
            self.page_breaks.push(to);
        }
    }

    /// Where the narration's page begins (a line index): the last place
    /// it turned with a note of its step still to come (where none is, the
    /// step's notes stay: the lesson ends there, or the next step begins).
    pub fn page_from(&self) -> usize {
        self.page_from_at(self.shown_to())
    }

    /// [`Script::page_from`] with the lines before `to` shown.
    fn page_from_at(&self, to: usize) -> usize {
        let lines = self.player.lines();
        self.page_breaks
            .iter()
            .rev()
            .copied()
            .filter(|&b| b <= to)
            .find(|&b| {
                lines[b.min(lines.len())..]
                    .iter()
                    .take_while(|l| !matches!(l.statement, Statement::Step(_)))
                    .any(|l| matches!(l.statement, Statement::Note(_)))
            })
            .unwrap_or(0)
    }

    /// The step the narration shows now, as its page holds it; and whether
    /// notes of the step went above the page.
    pub fn page(&self) -> (super::narration::Step, bool) {
        super::narration::step_paged(
            self.player.lines(),
            self.player.position(),
            self.shown_to(),
            &self.name,
            self.player.filled(),
            self.page_from(),
        )
    }

    /// Where the lesson waits for the reader, if it does.
    pub fn stop(&self) -> Option<Stop> {
        match (self.at_step, self.paused, self.more, self.view_due) {
            (Some(i), ..) => Some(Stop::Step(i)),
            (None, Some(i), ..) => Some(Stop::Pause(i)),
            (None, None, Some(i), _) => Some(Stop::More(i)),
            (None, None, None, Some(i)) => Some(Stop::View(i)),
            (None, None, None, None) => None,
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
        self.log.numbering_restarts();
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
        // A wire pane the lesson opened closes with it.
        if self.script.as_ref().is_some_and(|s| s.wire_opened) {
            self.wire.shown = false;
            self.wire.held_at = None;
        }
        self.script = Some(Script::new(name, lines, lesson, replay_to));
        self.advance(Instant::now());
        self.dirty = true;
    }

    /// Runs the next lesson step, or goes on after a pause (`space`).
    pub fn next_step(&mut self) {
        // What comes next is the newest narration: follow it.
        self.narration_back.reset();
        let Some(s) = &mut self.script else { return };
        s.read_to = s.player.position();
        if s.more.take().is_some() {
            // The note comes with the next frame, drawn from the kernel as
            // it is now.
            s.holding = true;
            self.refresh_view();
            return;
        }
        if s.paused.take().is_some() {
            s.player.resume();
            self.advance(Instant::now());
            return;
        }
        if s.view_due.take().is_some() {
            s.player.shown();
            self.advance(Instant::now());
            return;
        }
        if s.at_step.take().is_some() {
            s.player.resume();
            if std::mem::take(&mut s.wire_opened) {
                self.wire.shown = false;
                self.wire.held_at = None;
            }
            let Some(s) = &mut self.script else { return };
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

    /// Space under the kernel view: closes it, and goes on, as space does
    /// everywhere else in a lesson. The calls held under the view run; at a
    /// pause, going on shows what happens (the question was asked beside
    /// the view); where the step had nothing left after the view (its notes
    /// all shown beside it), going on is the next step, so that the reader
    /// does not press space once for nothing. Esc or q only close it.
    pub fn close_view_and_go_on(&mut self) {
        // A note the lesson wrote for the view is on its way (it waits for
        // the frame that draws the view): space waits for it, rather than
        // close the view before the note about it was read beside it.
        if self.note_due_beside_view() {
            return;
        }
        // Space was pressed: the notes shown beside the view were read, so
        // the view that opens next gets its own notes without another
        // space (the previous view's notes above it would not match it).
        if let Some(s) = &mut self.script {
            s.read_to = s.player.position();
        }
        let (paused, step_next) = self.script.as_ref().map_or((false, false), |s| {
            let lesson = s.lesson && s.more.is_none();
            let paused = lesson && s.paused.is_some();
            let step_next = lesson
                && !paused
                && s.player
                    .lines()
                    .get(s.player.position())
                    .is_some_and(|l| matches!(l.statement, Statement::Step(_)));
            (paused, step_next)
        });
        self.close_kernel_view();
        // The calls held under the view may have run to the step's end only
        // now that it is closed.
        let at_step_end = self.script.as_ref().is_some_and(|s| s.at_step.is_some());
        if paused || (step_next && at_step_end) {
            self.next_step();
        }
    }

    /// Whether the lesson is about to show a note beside the kernel view
    /// it opened: it waits at no stop, and its next line is that note.
    fn note_due_beside_view(&self) -> bool {
        let Some(s) = &self.script else { return false };
        s.lesson
            && !s.done
            && s.stop().is_none()
            && s.viewing_from.is_some()
            && s.player
                .lines()
                .get(s.player.position())
                .is_some_and(|l| matches!(l.statement, Statement::Note(_)))
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
            self.apply_snapshot(std::sync::Arc::new(snap));
        }
        self.dirty = true;
    }

    /// Lets the script run what it can; the instant to wake it, if any.
    /// Under the kernel view a lesson goes on only with its notes, which
    /// the narration shows beside the view (they talk about it); its calls
    /// wait until the view is closed, so that nothing the view shows
    /// changes unseen.
    pub(super) fn advance_script(&mut self, now: Instant) -> Option<Instant> {
        if matches!(self.mode, super::app::Mode::Show)
            && let Some(s) = &self.script
            && s.lesson
        {
            let next = s.player.lines().get(s.player.position());
            if !next.is_some_and(|l| matches!(l.statement, Statement::Note(_))) || s.holding {
                return None;
            }
        }
        let under_view = matches!(self.mode, super::app::Mode::Show);
        if let Some(s) = &mut self.script {
            s.player.notes_only(under_view);
        }
        let size = self.size;
        let (wake, refresh) = self.with_host(Source::Script, |host, _, script| {
            let mut wake = None;
            let mut refresh = false;
            let Some(s) = script else {
                return (wake, refresh);
            };
            // Bounded: each pass moves past one step, pause or held note.
            for _ in 0..=2 * s.player.lines().len() {
                let replaying = |i: usize| s.replay_to.is_some_and(|to| i <= to);
                match s.player.advance(host, now) {
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
                    // A `show` after a note: the kernel view would cover
                    // the panes the note talks about. (Under a view it
                    // waits for that view to close, as every call does.)
                    Progress::Show(i) if is_show(s, i) => {
                        if s.lesson && !under_view && !replaying(i) && covers_unread(s, i) {
                            s.view_due = Some(i);
                        } else {
                            s.player.shown();
                            continue;
                        }
                    }
                    Progress::Show(i) => {
                        if s.more.is_none() && !s.holding {
                            if crowded(&size, s, i) {
                                s.more = Some(i);
                                refresh = true;
                            } else if !s.player.needs_frame() {
                                // Room for it, and nothing new to draw first.
                                s.player.shown();
                                continue;
                            } else {
                                s.holding = true;
                                refresh = true;
                            }
                        }
                    }
                    Progress::Done(_) => s.done = true,
                }
                break;
            }
            (wake, refresh)
        });
        if refresh {
            self.refresh_view();
        }
        wake
    }
}

/// Whether line `i` is a `show`.
fn is_show(s: &Script, i: usize) -> bool {
    s.player
        .lines()
        .get(i)
        .is_some_and(|l| matches!(l.statement, Statement::Show(..)))
}

/// The first line before line `i` the reader has not yet read: the
/// first shown since the last space, or since the step began if that
/// was later.
fn unread_from(s: &Script, i: usize) -> usize {
    let step_from = s.player.lines()[..i]
        .iter()
        .rposition(|l| matches!(l.statement, Statement::Step(_)))
        .map_or(0, |k| k + 1);
    s.read_to.max(step_from)
}

/// Whether line `i` is a `show` that would open the kernel view over the
/// panes while notes shown beside them since the last space are unread:
/// a note about the panes ("both clients read ESTABLISHED") is read
/// against them before the view hides them, as notes beside a view are
/// read before it closes.
fn covers_unread(s: &Script, i: usize) -> bool {
    let lines = s.player.lines();
    if !is_show(s, i) {
        return false;
    }
    lines[unread_from(s, i).min(i)..i]
        .iter()
        .any(|l| matches!(l.statement, Statement::Note(_)))
}

/// Whether note `i` would push a note the reader has not yet read (one
/// shown since the last space) out of the narration pane of a `size`
/// screen: the notes of the step since then and it do not all show whole
/// as the pane arranges the step (under its title, and under the question
/// they answer).
fn crowded(size: &(u16, u16), s: &Script, i: usize) -> bool {
    let lines = s.player.lines();
    let unread = (unread_from(s, i)..i)
        .filter(|&k| matches!(lines[k].statement, Statement::Note(_)))
        .count();
    if unread == 0 || !matches!(lines[i].statement, Statement::Note(_)) {
        return false;
    }
    let (w, h) = *size;
    // The step as it will be with note `i` shown.
    let (step, _) = super::narration::step_paged(
        lines,
        i,
        i + 1,
        &s.name,
        s.player.filled(),
        s.page_from_at(i + 1),
    );
    // The tallest the narration gets on this screen, borders off.
    let command = u16::from(h >= 30);
    let areas = super::layout::Areas::with_narration(w, h, Some(u16::MAX), command);
    let inner_h = usize::from(areas.narration.map_or(0, |n| n.height.saturating_sub(2)));
    let width = w.saturating_sub(2);
    let first_unread = step.notes.len().saturating_sub(1 + unread);
    super::narration::arrange(&step, width, inner_h).first > first_unread
}
