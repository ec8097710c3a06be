//! The TUI's state and the one place it changes: [`App::update`].
//!
//! Views only read the App; the loop turns keys, mouse, lab events,
//! snapshots and ticks into [`Msg`]s.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyEvent, MouseEvent};
use tui_input::Input;

use super::form::Form;
use super::freeze::Frozen;
use super::geometry::Geometry;
use super::history::History;
use super::log::{Entry, Log, LogSink, Source};
use super::scroll::Scroll;
use super::theme::Theme;
use crate::kernel::{KernelReader, Snapshot};
use crate::lab::{CallResult, Lab, LabEvent, Role, SockName};
use crate::script::player::{Host, Player, Progress};
use crate::script::{Line, parse_line};

/// Everything that can change the App.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The mouse did something.
    Mouse(MouseEvent),
    /// The terminal has a new size.
    Resize(u16, u16),
    /// The lab reported.
    Lab(LabEvent),
    /// A new kernel view.
    Snapshot(std::sync::Arc<Snapshot>),
    /// Time passed (the render tick).
    Tick(Instant),
    /// SIGTERM, SIGHUP, SIGINT or SIGQUIT: end now.
    Terminate,
    /// The screen was drawn: what changed is now on it.
    Drawn,
    /// The layout measured for the next frame: where the panes are and how
    /// far each one's content reaches (once per turn of the loop).
    Layout(super::geometry::Geometry),
}

/// How many typed commands are kept: to recall (↑), and played lines the
/// command line's player keeps behind the next one.
pub const TYPED_KEPT: usize = 256;

/// How many last results of sockets that left the lab are kept.
pub const KEPT_RETIRED: usize = 256;

/// The panes that can have focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// Listeners and their accept queues.
    Listeners,
    /// Client and accepted sockets.
    Connections,
    /// The results log.
    Results,
}

impl Pane {
    /// The next pane (Tab).
    pub fn next(self) -> Pane {
        match self {
            Pane::Listeners => Pane::Connections,
            Pane::Connections => Pane::Results,
            Pane::Results => Pane::Listeners,
        }
    }

    /// The previous pane (Shift-Tab).
    pub fn prev(self) -> Pane {
        match self {
            Pane::Listeners => Pane::Results,
            Pane::Connections => Pane::Listeners,
            Pane::Results => Pane::Connections,
        }
    }
}

/// Who has the keyboard: the panes, the command line, the filter, or
/// something drawn over the panes.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// The panes: single keys act on the selection.
    #[default]
    Normal,
    /// The command line (`:`).
    Command,
    /// The connections filter (`/`) is being typed.
    Filter,
    /// The help covers the panes: keys and commands.
    Help,
    /// A form for a single-key action covers the panes.
    Form(Form),
    /// "Calls are blocked; quit anyway?"
    ConfirmQuit,
    /// The kernel view a `show` printed covers the screen (Esc or q closes it).
    Show,
}

/// The App.
pub struct App {
    /// The lab.
    pub lab: Lab,
    /// The styles.
    pub theme: Theme,
    /// The latest kernel view.
    pub snapshot: Option<std::sync::Arc<Snapshot>>,
    /// Histories for sparklines and charts.
    pub history: History,
    /// The results log.
    pub log: Log,
    /// Each socket's last finished call (of closed sockets the kernel let
    /// go, only the newest [`KEPT_RETIRED`]).
    pub last: HashMap<SockName, CallResult>,
    /// The lab's count of sockets that left it, when `last` was pruned.
    retired_seen: u64,
    /// The kernel view's one reader, shared with the sampler.
    pub kernel: KernelReader,
    typed: Player,
    /// Where each typed-player line came from (typed, or by a key), by number.
    typed_sources: Vec<Source>,
    /// The script or lesson being played, if any.
    pub script: Option<Script>,
    wake: Option<Instant>,
    /// The command line.
    pub input: Input,
    /// Commands typed before, oldest first.
    pub typed_history: Vec<String>,
    history_pos: Option<usize>,
    /// The last error, shown beside the command line.
    pub cmd_error: Option<String>,
    /// The connections filter (`/`): rows whose name or state contains it.
    pub filter: String,
    /// The pane with focus.
    pub pane: Pane,
    /// The selected listener.
    pub sel_listener: Option<SockName>,
    /// A listener just made, to select once the kernel view shows it.
    pub(super) new_listener: Option<SockName>,
    /// A socket a lesson selected (`select S`), to select once the kernel
    /// view shows it.
    pub(super) select_next: Option<SockName>,
    /// The first listener drawn: the listeners pane's scroll offset, kept
    /// beside the selection so that a click maps to the row drawn.
    pub listener_offset: usize,
    /// Lines the narration is scrolled back from its newest (Shift-↑).
    pub narration_back: Scroll,
    /// The selected connection.
    pub sel_conn: Option<SockName>,
    /// The first connection drawn: the connections pane's scroll offset.
    pub conn_offset: usize,
    /// The sockets a script acted on last: the panes keep them in sight.
    pub in_view: super::rows::InView,
    /// Lines the results are scrolled up by (0: follow the newest).
    pub results_scroll: Scroll,
    /// The kernel view the last `show` printed, drawn over the screen in
    /// [`Mode::Show`].
    pub kernel_view: String,
    /// The first line of the kernel view drawn: its scroll offset, once
    /// the reader has scrolled it.
    pub kernel_view_top: Scroll,
    /// The part of the kernel view a lesson's `show` cites, kept in sight
    /// until the reader scrolls (the narration beside it may grow).
    pub kernel_view_at: crate::script::ShowAt,
    /// When the kernel view was taken, in the lab's time: it stands
    /// still while the kernel goes on, and its title says how long ago.
    pub kernel_view_taken: Duration,
    /// The whole seconds of that age the screen last showed.
    kernel_view_age: u64,
    /// Which way of the selected connection the path of a byte shows
    /// first: the one a lesson's `select S recv` talks about.
    pub facing: crate::script::Facing,
    /// Who has the keyboard.
    pub mode: Mode,
    /// Frozen (`p`): what arrived meanwhile, held within bounds and applied on thaw.
    pub frozen: Option<Frozen>,
    /// The terminal's size.
    pub size: (u16, u16),
    /// The layout last measured: the App's one source of geometry.
    pub geometry: Geometry,
    /// The loop should end.
    pub quit: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// The wire pane (`w`) and the capture behind it.
    pub wire: super::wire_pane::WirePane,
    /// The results show each call's Python equivalent (`y`).
    pub python: bool,
    /// Another process's sockets, watched beside the lab's (`sockplay watch`).
    pub watching: Option<super::watching::Watching>,
}

pub use super::lesson::{Script, Stop};
pub use super::rows::short_state;

impl App {
    /// An App on a lab, reading the kernel through `kernel` (the reader the
    /// sampler shares).
    pub fn new(lab: Lab, theme: Theme, kernel: KernelReader) -> App {
        App {
            lab,
            theme,
            snapshot: None,
            history: History::default(),
            log: Log::default(),
            last: HashMap::new(),
            retired_seen: 0,
            kernel,
            typed: Player::new(Vec::new()),
            typed_sources: Vec::new(),
            script: None,
            wake: None,
            input: Input::default(),
            typed_history: Vec::new(),
            history_pos: None,
            cmd_error: None,
            filter: String::new(),
            pane: Pane::Connections,
            sel_listener: None,
            new_listener: None,
            select_next: None,
            facing: crate::script::Facing::Sending,
            listener_offset: 0,
            narration_back: Scroll::default(),
            sel_conn: None,
            conn_offset: 0,
            in_view: super::rows::InView::default(),
            results_scroll: Scroll::default(),
            kernel_view: String::new(),
            kernel_view_top: Scroll::default(),
            kernel_view_at: crate::script::ShowAt::Top,
            kernel_view_taken: Duration::ZERO,
            kernel_view_age: 0,
            mode: Mode::Normal,
            frozen: None,
            size: (80, 24),
            geometry: Geometry::default(),
            quit: false,
            dirty: true,
            wire: super::wire_pane::WirePane::default(),
            python: false,
            watching: None,
        }
    }

    /// Whether a lesson is playing: the panes then show the lab's facts
    /// without the keys free play would press.
    pub fn in_lesson(&self) -> bool {
        self.script.as_ref().is_some_and(|s| s.lesson)
    }

    /// When the loop should wake the App next, if before the next tick.
    pub fn wake_at(&self) -> Option<Instant> {
        self.wake
    }

    /// Whether calls are in flight (the screen shows their elapsed time).
    pub fn calls_in_flight(&self) -> bool {
        self.lab.pending_all() > 0
    }

    /// The only place the App changes.
    pub fn update(&mut self, msg: Msg) {
        let msg = match (msg, &mut self.frozen) {
            (Msg::Lab(e), Some(held)) => {
                // Not redrawn for this: the tick shows the count.
                if let Some(LabEvent::Finished(r)) = held.hold_event(e) {
                    self.forget(r);
                }
                return;
            }
            (Msg::Snapshot(s), Some(held)) => {
                held.hold_snapshot(s);
                return;
            }
            (msg, _) => msg,
        };
        match msg {
            Msg::Key(key) => {
                super::keys::on_key(self, key);
                self.dirty = true;
            }
            Msg::Mouse(m) => super::keys::on_mouse(self, m),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Msg::Lab(LabEvent::Finished(r)) => {
                // A typed command's new sockets come into view as they are
                // made, the newest last; one that finishes late (a client
                // let in on a SYN retry) does not pull the panes away.
                let typed_late = self.typed.is_blocked(r.seq);
                if self.script.is_none() && !typed_late {
                    r.created.iter().for_each(|c| self.in_view.note(*c));
                }
                self.typed.finished(r.seq);
                if let Some(s) = &mut self.script {
                    // What a lesson's command just made is what it shows
                    // next; a call that finishes late (a client let in on
                    // its retry) does not pull the panes away.
                    let late = s.player.is_blocked(r.seq);
                    if s.lesson && !late {
                        r.created.iter().for_each(|c| self.in_view.note(*c));
                    }
                    s.player.finished(r.seq);
                }
                self.log.push(Entry::Op(Box::new(r.clone())));
                // A new listener is the one to watch (and for a, c to act on).
                if let Some(l) = r.created.iter().find(|n| n.role == Role::Listener) {
                    self.new_listener = Some(*l);
                }
                self.last.insert(r.sock, r);
                self.advance(Instant::now());
                self.dirty = true;
            }
            Msg::Snapshot(snap) => self.apply_snapshot(snap),
            Msg::Drawn => {
                self.drawn();
                self.ask_watch_detail();
            }
            Msg::Tick(now) => {
                if let Some(s) = self.watching.as_mut().and_then(|w| w.started.as_mut()) {
                    // Reaped, so that the watch sees it gone.
                    s.exited();
                }
                if self.wake.is_some_and(|w| w <= now) {
                    self.advance(now);
                    self.dirty = true;
                }
                if let Some(why) = self.wire.pcap_failure() {
                    self.log.push(Entry::Error(why));
                    self.dirty = true;
                }
                let opened = self.wire.opened(&self.lab, Duration::ZERO);
                if opened {
                    // The watched ports the view already shows.
                    self.wire_follows();
                }
                // The kernel view's title tells its age, second by second.
                if matches!(self.mode, Mode::Show) {
                    let age = self.kernel_view_age_now().as_secs();
                    if age != self.kernel_view_age {
                        self.kernel_view_age = age;
                        self.dirty = true;
                    }
                }
                if self.calls_in_flight() || self.wire.changed() || opened {
                    self.dirty = true;
                }
            }
            Msg::Terminate => self.quit = true,
            Msg::Layout(g) => self.fit(g),
        }
    }

    /// Takes the layout measured for the next frame: each scroll keeps
    /// within its content, each pane's selection in sight.
    fn fit(&mut self, g: Geometry) {
        self.geometry = g;
        self.results_scroll.fit(g.results_max);
        self.narration_back.fit(g.narration_max);
        self.wire.scroll.fit(g.wire_max);
        self.kernel_view_top.fit(g.kernel_view_max);
        self.scroll_to_selection();
    }

    /// A result that did not fit while frozen: the players and the last
    /// results still learn of it, only its line in the log is lost.
    fn forget(&mut self, r: CallResult) {
        self.typed.finished(r.seq);
        if let Some(s) = &mut self.script {
            s.player.finished(r.seq);
        }
        if let Some(l) = r.created.iter().find(|n| n.role == Role::Listener) {
            self.new_listener = Some(*l);
        }
        self.last.insert(r.sock, r);
    }

    /// Shows a kernel view, unless the screen already shows a newer one.
    pub(super) fn apply_snapshot(&mut self, snap: std::sync::Arc<Snapshot>) {
        if self.snapshot.as_ref().is_some_and(|s| s.t > snap.t) {
            return;
        }
        self.history.record(&snap);
        self.forget_retired();
        self.snapshot = Some(snap);
        self.wire_follows();
        self.fix_selection();
        self.dirty = true;
    }

    /// Once closed sockets have left the lab (the kernel let them go), their
    /// last results go too, all but the newest [`KEPT_RETIRED`]: a script
    /// may still `expect` a result of a socket it just closed.
    fn forget_retired(&mut self) {
        let retired = self.lab.retired_count();
        if retired == self.retired_seen {
            return;
        }
        self.retired_seen = retired;
        let mut gone: Vec<(u64, SockName)> = self
            .last
            .iter()
            .filter(|(n, _)| matches!(n.role, Role::Client | Role::Accepted))
            .filter(|(n, _)| !self.lab.is_listed(**n))
            .map(|(n, r)| (r.seq, *n))
            .collect();
        if gone.len() <= KEPT_RETIRED {
            return;
        }
        gone.sort_unstable();
        for (_, n) in &gone[..gone.len() - KEPT_RETIRED] {
            self.last.remove(n);
        }
    }

    /// Selects a socket in its pane (`select S`), now or once the kernel
    /// view shows it.
    pub(super) fn select(&mut self, sock: SockName) {
        self.pane = if sock.role == Role::Listener {
            Pane::Listeners
        } else {
            Pane::Connections
        };
        self.select_next = Some(sock);
        self.fix_selection();
        self.dirty = true;
    }

    /// Toggles the freeze (`p`); on thaw, applies what arrived meanwhile.
    pub fn toggle_freeze(&mut self) {
        match self.frozen.take() {
            None => self.frozen = Some(Frozen::default()),
            Some(held) => {
                let dropped = held.dropped_events;
                let (events, snapshots) = held.into_parts();
                for e in events {
                    self.update(Msg::Lab(e));
                }
                for s in snapshots {
                    self.update(Msg::Snapshot(s));
                }
                // Said last, so that it stays in view.
                if dropped > 0 {
                    self.log.push(Entry::Info(format!(
                        "── {dropped} results arrived while frozen before these and are not shown ──"
                    )));
                }
            }
        }
        self.wire.frozen_at = self.frozen.as_ref().map(|_| self.lab.elapsed());
        self.dirty = true;
    }

    /// Runs a command line from the keyboard or a form. A leading `:` is
    /// the prompt a vim user types out of habit, not part of the command.
    pub fn submit(&mut self, text: &str, source: Source) {
        let text = text.trim().trim_start_matches(':').trim_start();
        if text.is_empty() {
            return;
        }
        // A command's segments are captured from the first: a capture still
        // opening (a few milliseconds after start) is waited for.
        if self.wire.opened(&self.lab, Duration::from_secs(2)) {
            self.wire_follows();
            self.dirty = true;
        }
        if source == Source::Typed && self.typed_history.last().is_none_or(|l| l != text) {
            if self.typed_history.len() == TYPED_KEPT {
                self.typed_history.remove(0);
            }
            self.typed_history.push(text.to_string());
        }
        self.history_pos = None;
        match parse_line(text) {
            Ok(Some(statement)) => {
                self.cmd_error = None;
                self.results_scroll.reset();
                let number = self.typed_sources.len() + 1;
                self.typed_sources.push(source);
                self.typed.push(Line {
                    number,
                    text: text.to_string(),
                    statement,
                });
                self.advance_as(Instant::now(), source);
                if let Some(hint) = crate::script::parse::hint(text) {
                    self.log.push(Entry::Info(hint));
                }
            }
            Ok(None) => {}
            Err(e) => {
                // Shown whole under the panes, and kept in the results.
                // One line, controls escaped: the terminal would drop them unseen.
                let message =
                    crate::lab::preview::escape_text(&format!("{text}: {e}")).into_owned();
                self.log.push(Entry::Error(message.clone()));
                self.cmd_error = Some(message);
                self.results_scroll.reset();
            }
        }
    }

    pub(super) fn advance(&mut self, now: Instant) {
        self.advance_as(now, Source::Typed);
    }

    /// Runs `run` with a player's host on this App: its lab, its kernel
    /// views and wire, and its log as the sink of lines from `source` (a
    /// typed line from where it came: typed, or by a key).
    /// `run` is handed the two players, borrowed apart from the host. What
    /// the lines asked of the screen is done after: a `select`, a `show`.
    pub(super) fn with_host<R>(
        &mut self,
        source: Source,
        run: impl FnOnce(&mut Host<'_>, &mut Player, &mut Option<Script>) -> R,
    ) -> R {
        let mut selected = None;
        let mut shown = None;
        let App {
            lab,
            last,
            kernel,
            wire,
            snapshot,
            log,
            cmd_error,
            in_view,
            typed,
            typed_sources,
            script,
            ..
        } = self;
        let sources: &[Source] = match source {
            Source::Script => &[],
            _ => typed_sources.as_slice(),
        };
        let mut sink = LogSink {
            log,
            source,
            sources,
            error: cmd_error,
            selected: &mut selected,
            shown: &mut shown,
            show_at: crate::script::ShowAt::Top,
            // The panes follow what the lines used.
            acted_on: in_view,
        };
        let mut host = Host {
            lab,
            last,
            kernel,
            wire: wire.wire.as_deref(),
            wire_off: wire.off.as_deref(),
            view: snapshot.as_deref(),
            sink: &mut sink,
        };
        let out = run(&mut host, typed, script);
        if let Some((sock, facing, wire)) = selected {
            self.select(sock);
            self.facing = facing;
            // A lesson's notes are about the segments: the wire shows
            // them until the step ends (a typed `select S wire` keeps it).
            if wire.opens() {
                self.wire.show();
                if let (Source::Script, Some(s)) = (source, &mut self.script) {
                    s.wire_opened = true;
                    // Held: the segments a note cites stay in sight; later
                    // ones come when the step ends (typed, `p` freezes).
                    self.wire.held_at =
                        (wire == crate::script::WireView::Held).then(|| self.lab.elapsed());
                }
            }
        }
        if let Some((text, at)) = shown {
            if let (Source::Script, Some(s)) = (source, &mut self.script) {
                // From the `show` that opened it: its notes come after.
                let pos = s.player.position();
                let lines = s.player.lines();
                s.viewing_from = Some(
                    lines[..pos.min(lines.len())]
                        .iter()
                        .rposition(|l| matches!(l.statement, crate::script::Statement::Show(..)))
                        .unwrap_or(pos),
                );
            }
            self.open_kernel_view(text, at);
        }
        out
    }

    /// Lets the players run what they can; remembers when to wake them.
    fn advance_as(&mut self, now: Instant, source: Source) {
        let mut wake: Option<Instant> = None;
        let progress = self.with_host(source, |host, typed, _| {
            let progress = typed.advance(host, now);
            typed.forgive();
            typed.forget_played(TYPED_KEPT);
            progress
        });
        if let Progress::Wait(w) = progress {
            wake = Some(w);
        }
        if let Some(w) = self.advance_script(now) {
            wake = Some(wake.map_or(w, |x| x.min(w)));
        }
        self.wake = wake;
    }

    /// How many typed lines the command line's player holds (played ones
    /// included, up to [`TYPED_KEPT`] of them).
    pub fn typed_lines_kept(&self) -> usize {
        self.typed.lines().len()
    }

    /// Recalls the previous (`up`) or next typed command.
    pub fn recall(&mut self, up: bool) {
        let n = self.typed_history.len();
        if n == 0 {
            return;
        }
        let pos = match (self.history_pos, up) {
            (None, true) => Some(n - 1),
            (None, false) => None,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p + 1 < n => Some(p + 1),
            (Some(_), false) => None,
        };
        self.history_pos = pos;
        let text = pos.map_or_else(String::new, |p| self.typed_history[p].clone());
        self.input = Input::new(text);
    }

    /// The names of the lab's sockets, for completion.
    pub fn socket_names(&self) -> Vec<String> {
        self.lab
            .sockets()
            .iter()
            .filter(|s| !s.meta.closed)
            .map(|s| s.name.to_string())
            .collect()
    }

    /// How long the oldest call in flight on a socket has run.
    pub fn in_flight_for(&self, name: SockName) -> Option<Duration> {
        self.lab
            .socket(name)?
            .in_flight
            .iter()
            .map(|f| f.since.elapsed())
            .max()
    }
}
