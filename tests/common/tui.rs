//! Test harness for the screen: an `App` on a real lab, keys typed as a
//! user types them, the lab's events pumped in, and the screen drawn on a
//! `TestBackend` to be read as text.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::kernel::KernelReader;
use sockplay::lab::{Lab, LabEvent};
use sockplay::tui::app::{App, Msg};
use sockplay::tui::log::Source;
use sockplay::tui::theme::Theme;
use sockplay::tui::view;

/// How long a pump waits for what it waits for: generous, as the tests
/// run in parallel on a loaded machine; a pump that is answered returns at once.
const PATIENCE: Duration = Duration::from_secs(10);

/// An App on a fresh lab reading the live kernel, and the lab's events.
pub fn app() -> (App, Receiver<LabEvent>) {
    let (lab, rx) = Lab::new();
    (app_on(lab), rx)
}

/// An App on `lab` (set up first: a resolver, a wire), reading the live
/// kernel, without colour.
pub fn app_on(lab: Lab) -> App {
    App::new(lab, Theme::new(false), KernelReader::live())
}

/// One key press without modifiers, after a frame (the layout measured
/// and handed to the App), as in the program's loop.
pub fn key(app: &mut App, code: KeyCode) {
    sockplay::tui::settle(app);
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Types each character of `text`.
pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Types `:TEXT` Enter, like a user, and leaves whatever it opened open.
pub fn enter_command(app: &mut App, text: &str) {
    key(app, KeyCode::Char(':'));
    typed(app, text);
    key(app, KeyCode::Enter);
}

/// Types `:TEXT` Enter Esc, like a user who goes on with the keys.
pub fn command(app: &mut App, text: &str) {
    enter_command(app, text);
    key(app, KeyCode::Esc);
}

/// Forwards the lab's events and ticks until `done` or 10 s; whether `done`.
#[must_use = "whether it got there in time: assert it"]
pub fn pump(app: &mut App, rx: &Receiver<LabEvent>, done: impl Fn(&App) -> bool) -> bool {
    pump_frames(app, rx, false, done)
}

/// As [`pump`], telling the App each time that a frame was drawn, so that
/// notes held for the screen come.
#[must_use = "whether it got there in time: assert it"]
pub fn pump_drawn(app: &mut App, rx: &Receiver<LabEvent>, done: impl Fn(&App) -> bool) -> bool {
    pump_frames(app, rx, true, done)
}

fn pump_frames(
    app: &mut App,
    rx: &Receiver<LabEvent>,
    drawn: bool,
    done: impl Fn(&App) -> bool,
) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while !done(app) && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            app.update(Msg::Lab(e));
        }
        if drawn {
            app.update(Msg::Drawn);
        }
        app.update(Msg::Tick(Instant::now()));
    }
    done(app)
}

/// Runs a typed command, then forwards the lab's events (no ticks) until
/// `done`; fails the test if it is not done within 10 s.
#[track_caller]
pub fn submit(app: &mut App, rx: &Receiver<LabEvent>, cmd: &str, done: impl Fn(&App) -> bool) {
    app.submit(cmd, Source::Typed);
    let deadline = Instant::now() + PATIENCE;
    while !done(app) && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            app.update(Msg::Lab(e));
        }
    }
    assert!(done(app), "{cmd} did not finish");
}

/// `listen backlog=30` then `connect L1 xN`, each waited for: a listener
/// and `n` (at most 30) clients connected to it, none accepted.
pub fn listener_and_clients(app: &mut App, rx: &Receiver<LabEvent>, n: usize) {
    submit(app, rx, "listen backlog=30", |a| a.lab.socket_count() == 1);
    submit(app, rx, &format!("connect L1 x{n}"), |a| {
        a.lab.socket_count() == n + 1 && !a.calls_in_flight()
    });
}

/// A kernel view read now, through the App's own reader, handed to the App.
pub fn snapshot(app: &mut App) {
    let snap = app.kernel.take(&app.lab.observer()).unwrap();
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
}

/// Kernel views, read through the App's own reader and handed to the App,
/// until `done` or 10 s; whether `done`. The kernel moves on its own time
/// (a SYN retried, a handshake finished): this waits for it to get there.
#[must_use = "whether it got there in time: assert it"]
pub fn snapshot_until(app: &mut App, done: impl Fn(&App) -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        snapshot(app);
        if done(app) || Instant::now() >= deadline {
            return done(app);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The screen drawn at `w`×`h`, a row a string, each `w` cells wide: the
/// layout measured for that size and handed to the App first, as the
/// program's loop does before each frame. The App's own size is kept.
pub fn rows(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let size = app.size;
    app.size = (w, h);
    sockplay::tui::settle(app);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    app.size = size;
    sockplay::tui::settle(app);
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

/// The screen drawn at `w`×`h` as one text, rows without trailing blanks.
pub fn render(app: &mut App, w: u16, h: u16) -> String {
    rows(app, w, h)
        .iter()
        .map(|r| r.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The connections pane's rows at `w`×`h`: the text between its borders.
pub fn connection_rows(app: &mut App, w: u16, h: u16) -> Vec<String> {
    app.update(Msg::Resize(w, h));
    let screen = render(app, w, h);
    let rows: Vec<String> = screen
        .lines()
        .filter_map(|l| {
            let at = l.find("││")?;
            Some(l[at + "││".len()..].trim_end_matches('│').to_string())
        })
        .collect();
    assert!(!rows.is_empty(), "{screen}");
    rows
}
