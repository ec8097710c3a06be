//! The terminal front end: the lab on one screen.
//!
//! One loop: a tokio `select!` over the terminal's events, the lab's events,
//! the sampler's snapshots, signals and a render tick; every input becomes a
//! [`Msg`] for [`App::update`], all pending ones are handled, then the
//! screen is drawn once, and only when something changed.

pub mod app;
pub mod cast;
pub mod complete;
pub mod form;
pub mod freeze;
pub mod geometry;
pub mod headless;
pub mod history;
pub mod inbox;
pub mod kernel_view;
pub mod keys;
pub mod layout;
pub mod lesson;
pub mod log;
pub mod narration;
pub mod record;
mod rows;
pub mod scroll;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod watching;
pub mod wire_pane;
pub mod words;

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};

pub use app::{App, Msg};

/// Measures the layout of the App's screen for the next frame and hands it
/// to the App (once per turn of the loop, before drawing): its scroll
/// offsets and selections keep within what the panes hold.
pub fn settle(app: &mut App) {
    let g = view::measure(app);
    app.update(Msg::Layout(g));
}

use crate::kernel::{KernelReader, Sampler};
use crate::lab::Lab;
use crate::script::Line;
use theme::Theme;

/// How often the kernel view is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// How often it is sampled while watching another process: four times a
/// second (a server may hold tens of thousands of connections).
pub const WATCH_SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// How often the screen may redraw on its own (elapsed times of blocked calls).
pub const TICK: Duration = Duration::from_millis(250);

/// The shortest time between two frames (50 a second at most).
const FRAME: Duration = Duration::from_millis(20);

/// How many lab events and snapshots one turn of the loop handles at most,
/// and for how long, before it looks at keys and signals again.
const PER_TURN: usize = 16_384;
const TURN: Duration = Duration::from_millis(15);

/// How long quitting waits for blocked calls to wake and end.
const QUIT_LIMIT: Duration = Duration::from_millis(300);

/// What to put on screen at the start.
#[derive(Default)]
pub struct Start {
    /// Commands to run first (from `--listen …`).
    pub commands: Vec<String>,
    /// A script to play into the lab: its name and lines.
    pub script: Option<(String, Vec<Line>)>,
    /// Play the script as a lesson, pausing at each step.
    pub lesson: bool,
    /// Write the lab's segments to this pcapng file.
    pub pcap: Option<crate::wire::PcapTarget>,
    /// The colours (by default the environment's: [`Theme::from_env`]).
    pub theme: Option<Theme>,
    /// Record the session to this file as an asciicast.
    pub record: Option<std::path::PathBuf>,
    /// Watch another process's sockets beside the lab's.
    pub watch: Option<WatchStart>,
}

/// What `sockplay watch` hands the screen.
pub struct WatchStart {
    /// The sockets to watch.
    pub target: crate::kernel::watch::Target,
    /// The program `watch --` started, if any: it ends with the screen.
    pub started: Option<crate::script::watch::Started>,
}

/// Runs the TUI until the user quits; returns the exit status.
pub fn run(start: Start) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (lab, events) = Lab::new();
    let wire = wire_pane::WirePane::start_in_background(&lab, start.pcap.clone());
    let theme = start.theme.unwrap_or_else(Theme::from_env);
    let kernel = KernelReader::live();
    if let Some(w) = &start.watch {
        kernel.watch(crate::kernel::watch::Watch::new(w.target)?);
        // TCP_INFO only for what the screen shows, from the first sample.
        kernel.set_watch_detail(Some(Default::default()));
    }
    let mut app = App::new(lab, theme, kernel);
    app.wire = wire;
    if let Some(w) = start.watch {
        let said = match &w.started {
            Some(s) => format!(
                "── started {} (pid {}), watching its sockets as S1, S2 …; its output goes to {} ──",
                crate::lab::preview::escape_text(&s.command),
                s.pid(),
                s.output
                    .as_ref()
                    .map_or_else(|| "standard error".into(), |p| p.display().to_string())
            ),
            None => format!(
                "── watching {}: its sockets are S1, S2 …; the lab's commands work beside them ──",
                w.target
            ),
        };
        app.log.push(log::Entry::Info(said));
        app.watching = Some(watching::Watching::new(w.target, w.started));
    }
    // Made before the screen opens, so a path that cannot be written is one line.
    let recording = match &start.record {
        Some(path) => {
            let size = crossterm::terminal::size()?;
            let title = start.script.as_ref().map_or("sockplay", |(name, _)| name);
            Some(record::Recording::create(path, size, title)?)
        }
        None => None,
    };
    let recording = std::sync::Arc::new(std::sync::Mutex::new(recording));
    let mut guard = terminal::Guard::recording(std::sync::Arc::clone(&recording))?;
    let size = guard.terminal.size()?;
    app.size = (size.width, size.height);
    // A script given at start sends segments at once, and a watched
    // server's clients come when they like: the capture must see them from
    // the first (typed commands wait for it in `submit`).
    if start.script.is_some() || app.watching.is_some() {
        app.wire.opened(&app.lab, Duration::from_secs(2));
    }
    for c in &start.commands {
        app.submit(c, log::Source::Typed);
    }
    if let Some((name, lines)) = start.script {
        app.play(&name, lines, start.lesson);
    }
    #[cfg(debug_assertions)]
    panic_in_a_thread_for_tests();
    let result = runtime.block_on(run_loop(&mut guard.terminal, app, events));
    drop(guard);
    let recording = recording.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(r) = recording {
        r.finish()?;
    }
    result
}

/// In test builds only: `SOCKPLAY_TEST_PANIC=thread` panics in a thread
/// other than the screen's, to show that the terminal comes back.
#[cfg(debug_assertions)]
fn panic_in_a_thread_for_tests() {
    if std::env::var_os("SOCKPLAY_TEST_PANIC").is_some_and(|v| v == "thread") {
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            panic!("a test panic in a lab thread");
        });
    }
}

/// The loop, generic over the backend so tests can drive it.
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    lab_events: std::sync::mpsc::Receiver<crate::lab::LabEvent>,
) -> anyhow::Result<i32>
where
    B::Error: Send + Sync + 'static,
{
    // The lab reports on a std channel from its threads; forward it into
    // the inbox, which holds it within bounds until the screen takes it.
    let inbox = std::sync::Arc::new(inbox::Inbox::default());
    let to_screen = std::sync::Arc::clone(&inbox);
    std::thread::Builder::new()
        .name("sockplay-events".into())
        .spawn(move || {
            while let Ok(e) = lab_events.recv() {
                // The screen has gone: nobody will take it.
                if std::sync::Arc::strong_count(&to_screen) == 1 {
                    break;
                }
                to_screen.push(e);
            }
        })?;
    let views = std::sync::Arc::clone(&inbox);
    let sampler = match app.kernel.error() {
        None => Some(Sampler::spawn(
            app.lab.observer(),
            if app.watching.is_some() {
                WATCH_SAMPLE_EVERY
            } else {
                SAMPLE_EVERY
            },
            app.kernel.clone(),
            move |snap| {
                views.push_snapshot(snap);
                true
            },
        )?),
        Some(e) => {
            app.cmd_error = Some(e.to_string());
            None
        }
    };
    let mut terminal_events = EventStream::new();
    let mut signals = Signals::new()?;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut drawn_at: Option<Instant> = None;
    let mut unshown = 0u64;
    // The signal that ended the lab: the exit status says it, as a shell
    // reports a program the signal killed (128 + its number).
    let mut ended_by: Option<i32> = None;
    loop {
        // At most one frame per FRAME: a chatty lab makes many changes a
        // second, and drawing each would leave no time for keys.
        let draw_due = drawn_at.map_or(Instant::now(), |at| at + FRAME);
        if app.dirty && Instant::now() >= draw_due {
            settle(&mut app);
            terminal.draw(|f| view::draw(f, &app))?;
            app.dirty = false;
            drawn_at = Some(Instant::now());
            app.update(Msg::Drawn);
        }
        if app.quit {
            break;
        }
        let mut wake = app.wake_at();
        if app.dirty {
            wake = Some(wake.map_or(draw_due, |w| w.min(draw_due)));
        }
        let wake = wake.map(tokio::time::Instant::from_std);
        // Biased: signals first, then keys, so neither waits behind the lab.
        let msg = tokio::select! {
            biased;
            s = signals.recv() => match s {
                Sig::End(n) => {
                    ended_by = Some(n);
                    Some(Msg::Terminate)
                }
                Sig::Suspend => suspend(terminal)?,
            },
            ev = terminal_events.next() => match ev {
                Some(Ok(e)) if is_suspend_key(&e) => suspend(terminal)?,
                Some(Ok(e)) => to_msg(e),
                Some(Err(_)) | None => Some(Msg::Terminate),
            },
            _ = tick.tick() => Some(Msg::Tick(Instant::now())),
            () = sleep_until(wake) => Some(Msg::Tick(Instant::now())),
            () = inbox.ready() => inbox
                .pop()
                .map(Msg::Lab)
                .or_else(|| inbox.pop_snapshot().map(Msg::Snapshot)),
        };
        if let Some(m) = msg {
            app.update(m);
        }
        // Handle what else is pending from the lab and the sampler, a bounded
        // number per turn so that keys and signals are served however busy
        // the lab is, then draw once. Keys come only through `select!`:
        // polling the EventStream outside it (now_or_never) hands its wake-up
        // thread a waker that wakes nothing, and the next key would wait for
        // the tick.
        let turn_ends = Instant::now() + TURN;
        for i in 0..PER_TURN {
            if i % 64 == 63 && Instant::now() >= turn_ends {
                break;
            }
            let next = if let Some(e) = inbox.pop() {
                Msg::Lab(e)
            } else if let Some(s) = inbox.pop_snapshot() {
                Msg::Snapshot(s)
            } else {
                break;
            };
            app.update(next);
        }
        // Left for the next turn: wake it, after keys and signals.
        if !inbox.is_empty() {
            inbox.again();
        }
        // Said once the screen has caught up, not at every turn of a flood.
        unshown += inbox.take_dropped();
        if unshown > 0 && inbox.is_empty() {
            app.log.push(log::Entry::Info(format!(
                "── {unshown} steps of loops came faster than the screen could take them and are not shown ──"
            )));
            app.dirty = true;
            unshown = 0;
        }
    }
    // Nothing reads the lab while it ends: the sampler and the capture
    // would walk every socket again as each one closes.
    drop(sampler);
    if let Some(w) = &app.wire.wire {
        w.stop_soon();
    }
    app.lab.shutdown(QUIT_LIMIT);
    Ok(ended_by.map_or(0, |n| 128 + n))
}

/// What a signal asks of the lab.
enum Sig {
    /// End now, giving the terminal back; the signal's number.
    End(i32),
    /// Stop until `fg` (SIGTSTP).
    Suspend,
}

/// The signals the lab answers: SIGTERM, SIGHUP (the terminal went away),
/// SIGINT and SIGQUIT end it; SIGTSTP suspends it.
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
    tstp: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            tstp: signal(SignalKind::from_raw(libc::SIGTSTP))?,
        })
    }

    async fn recv(&mut self) -> Sig {
        tokio::select! {
            _ = self.term.recv() => Sig::End(libc::SIGTERM),
            _ = self.hup.recv() => Sig::End(libc::SIGHUP),
            _ = self.int.recv() => Sig::End(libc::SIGINT),
            _ = self.quit.recv() => Sig::End(libc::SIGQUIT),
            _ = self.tstp.recv() => Sig::Suspend,
        }
    }
}

/// Ctrl-Z: in raw mode the terminal sends it as a key, not as SIGTSTP.
fn is_suspend_key(e: &Event) -> bool {
    matches!(e, Event::Key(k) if k.code == KeyCode::Char('z')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && k.kind != KeyEventKind::Release)
}

/// Suspends like vim and htop, then redraws everything on `fg`; the
/// terminal's size may have changed meanwhile.
fn suspend<B: Backend>(terminal: &mut Terminal<B>) -> anyhow::Result<Option<Msg>>
where
    B::Error: Send + Sync + 'static,
{
    terminal::suspend()?;
    // The screen came back blank: draw a blank frame so that the next one
    // is drawn whole. (`Terminal::clear` would ask the terminal where its
    // cursor is, racing the event reader for the answer.)
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    let size = terminal.size()?;
    Ok(Some(Msg::Resize(size.width, size.height)))
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn to_msg(e: Event) -> Option<Msg> {
    match e {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Mouse(m) => Some(Msg::Mouse(m)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}
