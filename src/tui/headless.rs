//! A lesson played without a terminal, through the screen's own drawing on
//! a virtual one, paced as a reader would take it: wherever the lesson
//! waits for the reader (a step, a `pause`, a kernel view it opened), the
//! screen is held long enough to read what it just said, then space is
//! pressed. Everything else runs in real time (sleeps, rates, the kernel's
//! retries). The frames go to an asciicast.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::app::{App, Mode, Msg};
use super::cast::Cast;
use super::log::Entry;
use super::theme::Theme;
use super::wire_pane::WirePane;
use super::{SAMPLE_EVERY, TICK, view};
use crate::kernel::{KernelReader, Sampler};
use crate::lab::Lab;
use crate::script::{Line, Statement};

/// How a headless lesson is played and recorded.
#[derive(Debug, Clone)]
pub struct Options {
    /// The virtual terminal's size.
    pub size: (u16, u16),
    /// The colours.
    pub theme: Theme,
    /// How long each stop is held; `None`: the reading time of what the
    /// screen said since the last stop (see [`reading_time`]).
    pub hold: Option<Duration>,
    /// The longest the whole lesson may take.
    pub limit: Duration,
    /// Write the lab's segments to this pcapng file too.
    pub pcap: Option<crate::wire::PcapTarget>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            size: (100, 30),
            theme: Theme::default(),
            hold: None,
            limit: Duration::from_secs(30 * 60),
            pcap: None,
        }
    }
}

/// What a headless lesson did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Played {
    /// Frames drawn (each one event of the cast).
    pub frames: usize,
    /// Steps the lesson has, and how many were shown.
    pub steps: usize,
    /// Steps shown on screen.
    pub steps_shown: usize,
    /// It ran to its end.
    pub finished: bool,
    /// `expect`s that failed, as the results say them.
    pub failed: Vec<String>,
}

/// The shortest time the screen is held at a stop.
const LEAST_HOLD: Duration = Duration::from_millis(2500);
/// The longest.
const MOST_HOLD: Duration = Duration::from_secs(12);
/// Words read a second: 200 a minute, a slow reader's pace.
const WORDS_PER_SECOND: f64 = 200.0 / 60.0;
/// The shortest time between two frames, as the live screen draws them.
const FRAME: Duration = Duration::from_millis(20);

/// The time to read `words` words of narration, between 2.5 s and 12 s.
pub fn reading_time(words: usize) -> Duration {
    Duration::from_secs_f64(words as f64 / WORDS_PER_SECOND).clamp(LEAST_HOLD, MOST_HOLD)
}

/// Plays the lesson `lines` (called `title`) headless, writing an
/// asciicast to `out`; `on_frame` sees each frame as drawn, before its
/// event is written. `on_step` hears each step's number and title as it
/// begins.
pub fn play<W: Write>(
    title: &str,
    lines: Vec<Line>,
    opts: &Options,
    out: W,
    mut on_frame: impl FnMut(&Buffer),
    mut on_step: impl FnMut(usize, &str),
) -> anyhow::Result<(Played, W)> {
    let steps = lines
        .iter()
        .filter(|l| matches!(l.statement, Statement::Step(_)))
        .count();
    let (lab, events) = Lab::new();
    let wire = WirePane::start_in_background(&lab, opts.pcap.clone());
    let mut app = App::new(lab, opts.theme, KernelReader::live());
    app.wire = wire;
    app.size = opts.size;
    // A lesson sends segments at once: the capture must see them from the first.
    app.wire.opened(&app.lab, Duration::from_secs(2));
    let (snap_tx, snapshots) = mpsc::channel();
    let _sampler = match app.kernel.error() {
        None => Some(Sampler::spawn(
            app.lab.observer(),
            SAMPLE_EVERY,
            app.kernel.clone(),
            move |s| snap_tx.send(s).is_ok(),
        )?),
        Some(e) => anyhow::bail!("the kernel view cannot be read: {e}"),
    };
    let (w, h) = opts.size;
    let cast = Rc::new(RefCell::new(Cast::new(out, opts.size, title, false)?));
    let viewport = Viewport::Fixed(Rect::new(0, 0, w, h));
    let backend = CrosstermBackend::new(Shared(Rc::clone(&cast)));
    let mut terminal = Terminal::with_options(backend, TerminalOptions { viewport })?;
    app.play(title, lines, true);

    let began = Instant::now();
    let mut played = Played {
        steps,
        ..Played::default()
    };
    let mut next_tick = began;
    let mut drawn_at: Option<Instant> = None;
    // Where the reader stopped last: entries of the log read since.
    let mut read_to = 0;
    let mut holding: Option<Instant> = None;
    let mut ended: Option<Instant> = None;
    loop {
        let now = Instant::now();
        anyhow::ensure!(
            now < began + opts.limit,
            "the lesson did not finish within {} s",
            opts.limit.as_secs()
        );
        // As the live loop does: what the lab and the sampler sent, a
        // bounded number at a time, then the clock.
        for _ in 0..16_384 {
            match events.try_recv() {
                Ok(e) => app.update(Msg::Lab(e)),
                Err(_) => break,
            }
        }
        while let Ok(s) = snapshots.try_recv() {
            app.update(Msg::Snapshot(s));
        }
        if now >= next_tick || app.wake_at().is_some_and(|w| w <= now) {
            app.update(Msg::Tick(now));
            next_tick = now + TICK;
        }
        let draw_due = drawn_at.is_none_or(|at| now >= at + FRAME);
        if app.dirty && draw_due {
            super::settle(&mut app);
            let frame = terminal.draw(|f| view::draw(f, &app))?;
            on_frame(frame.buffer);
            cast.borrow_mut().frame()?;
            played.frames += 1;
            app.dirty = false;
            drawn_at = Some(now);
            app.update(Msg::Drawn);
            let shown = steps_shown(&app);
            if shown > played.steps_shown {
                played.steps_shown = shown;
                let title = last_step(&app).unwrap_or_default();
                on_step(shown, &title);
            }
        }
        let Some(script) = &app.script else { break };
        let waits = script.stop().is_some() || matches!(app.mode, Mode::Show);
        if script.done && !waits {
            // The last screen is held too, then the recording ends.
            let at = *ended.get_or_insert(now);
            let hold = opts
                .hold
                .unwrap_or_else(|| reading_time(words_since(&app, read_to)));
            if !app.dirty && now >= at + hold {
                played.finished = true;
                break;
            }
        } else if waits && !app.dirty {
            let at = *holding.get_or_insert(now);
            let hold = opts
                .hold
                .unwrap_or_else(|| reading_time(words_since(&app, read_to)));
            if now >= at + hold {
                read_to = app.log.dropped() + app.log.len();
                holding = None;
                let space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
                app.update(Msg::Key(space));
            }
        }
        // Bounded: wakes for the next event, or the clock.
        if let Ok(e) = events.recv_timeout(Duration::from_millis(10)) {
            app.update(Msg::Lab(e));
        }
    }
    played.failed = app
        .log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Expect(r) if !r.ok => Some(format!(
                "line {}: got {}",
                r.line,
                r.got.as_deref().unwrap_or("nothing")
            )),
            _ => None,
        })
        .collect();
    app.lab.shutdown(Duration::from_millis(300));
    drop(terminal);
    let Ok(cast) = Rc::try_unwrap(cast) else {
        anyhow::bail!("the recording is still held");
    };
    let mut cast = cast.into_inner();
    // The terminal gets its cursor back at the end, as the lab leaves it.
    cast.write_all(b"\x1b[0m\x1b[?25h")?;
    Ok((played, cast.finish()?))
}

/// The backend's writer: the cast, which the loop also holds to end
/// each frame's event.
struct Shared<W: Write>(Rc<RefCell<Cast<W>>>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// How many steps the log has shown.
fn steps_shown(app: &App) -> usize {
    app.log
        .entries()
        .iter()
        .filter(|e| matches!(e, Entry::Step(_)))
        .count()
}

fn last_step(app: &App) -> Option<String> {
    app.log.entries().iter().rev().find_map(|e| match e {
        Entry::Step(t) => Some(t.clone()),
        _ => None,
    })
}

/// Words of narration (steps and notes) in the log past `read_to` (an
/// index counting entries that fell off the front).
fn words_since(app: &App, read_to: usize) -> usize {
    let skip = read_to.saturating_sub(app.log.dropped());
    app.log
        .entries()
        .iter()
        .skip(skip)
        .map(|e| match e {
            Entry::Note(t) | Entry::Step(t) => t.split_whitespace().count(),
            _ => 0,
        })
        .sum()
}
