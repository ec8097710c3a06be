//! Asciicast recordings: `run --cast` plays a lesson headless through the
//! screen's own drawing, `--record` records a live session. Each cast is
//! checked as asciinema reads it (a header, then `[time, "o", text]`
//! events in time order), then played into a terminal parser: the screens
//! it gives are the screens the TUI drew.

use std::process::Command;
use std::time::Duration;

mod common;

use common::pty::Pty;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use sockplay::script::lessons;
use sockplay::script::parse_script;
use sockplay::tui::headless::{self, Options};
use sockplay::tui::theme::{Theme, ThemeName};

/// A lesson's title and lines, how many steps it has and its last step's title.
fn lesson(name: &str) -> (String, Vec<sockplay::script::Line>, usize, String) {
    let lesson = lessons::find(name).unwrap();
    let lines = parse_script(&lesson.text).unwrap();
    let titles: Vec<String> = lines
        .iter()
        .filter_map(|l| match &l.statement {
            sockplay::script::Statement::Step(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let last = titles.last().cloned().expect("steps");
    (lesson.title, lines, titles.len(), last)
}

/// A cast's header and events, checked against the asciicast v2 format.
struct CastFile {
    header: serde_json::Value,
    /// Time, kind ("o" output, "r" resize), data.
    events: Vec<(f64, String, String)>,
}

fn parse_cast(text: &str) -> CastFile {
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header line")).expect("the header is JSON");
    assert_eq!(header["version"], 2, "{header}");
    assert!(header["width"].as_u64().is_some_and(|w| w > 0), "{header}");
    assert!(header["height"].as_u64().is_some_and(|h| h > 0), "{header}");
    assert!(header["title"].is_string(), "{header}");
    let mut events = Vec::new();
    let mut last = 0.0;
    for (i, line) in lines.enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("event {i}: {e}: {line}"));
        let a = v
            .as_array()
            .unwrap_or_else(|| panic!("event {i} is not an array: {line}"));
        assert_eq!(a.len(), 3, "event {i}: {line}");
        let t = a[0]
            .as_f64()
            .unwrap_or_else(|| panic!("event {i}: time: {line}"));
        assert!(t >= last, "event {i} goes back in time: {t} after {last}");
        last = t;
        let kind = a[1].as_str().expect("a kind").to_string();
        assert!(kind == "o" || kind == "r", "event {i}: kind {kind}");
        let data = a[2].as_str().expect("data is a string").to_string();
        events.push((t, kind, data));
    }
    assert!(!events.is_empty(), "no events");
    CastFile { header, events }
}

impl CastFile {
    fn size(&self) -> (u16, u16) {
        (
            self.header["width"].as_u64().unwrap() as u16,
            self.header["height"].as_u64().unwrap() as u16,
        )
    }

    /// The screen after every event has been played.
    fn final_screen(&self) -> vt100::Parser {
        let (w, h) = self.size();
        let mut p = vt100::Parser::new(h, w, 0);
        for (_, kind, data) in &self.events {
            if kind == "o" {
                p.process(data.as_bytes());
            }
        }
        p
    }
}

fn same_color(a: Color, b: vt100::Color) -> bool {
    match (a, b) {
        (Color::Reset, vt100::Color::Default) => true,
        (Color::Rgb(r, g, b1), vt100::Color::Rgb(r2, g2, b2)) => (r, g, b1) == (r2, g2, b2),
        (Color::Indexed(i), vt100::Color::Idx(j)) => i == j,
        _ => false,
    }
}

/// The parser's screen is the frame the TUI drew: every cell's
/// character, colours, bold, underline and reverse.
fn assert_same(screen: &vt100::Screen, frame: &Buffer, which: usize) {
    let area = frame.area;
    for y in 0..area.height {
        for x in 0..area.width {
            let b = &frame[(x, y)];
            let v = screen.cell(y, x).expect("a cell");
            if v.is_wide_continuation() {
                continue;
            }
            let text = if v.contents().is_empty() {
                " "
            } else {
                v.contents()
            };
            let differs = [
                (text != b.symbol()).then_some("text"),
                (!same_color(b.fg, v.fgcolor())).then_some("fg"),
                (!same_color(b.bg, v.bgcolor())).then_some("bg"),
                (b.modifier.contains(Modifier::BOLD) != v.bold()).then_some("bold"),
                (b.modifier.contains(Modifier::UNDERLINED) != v.underline()).then_some("underline"),
                (b.modifier.contains(Modifier::REVERSED) != v.inverse()).then_some("reverse"),
            ];
            if let Some(what) = differs.into_iter().flatten().next() {
                let row: String = (0..area.width).map(|x| frame[(x, y)].symbol()).collect();
                let played = screen
                    .rows(0, area.width)
                    .nth(y as usize)
                    .unwrap_or_default();
                panic!(
                    "frame {which}, row {y}, column {x}: {what} differs ({b:?} vs {:?} {:?} {:?})\n drawn: {row}\nplayed: {played}",
                    v.contents(),
                    v.fgcolor(),
                    v.bgcolor()
                );
            }
        }
    }
}

#[test]
fn a_cast_played_into_a_terminal_gives_every_screen_the_tui_drew() {
    // Played in this process, in the machine's namespace: a lesson that
    // changes no setting (backlog raises tcp_syn_retries in a lab of its own).
    let (title, lines, steps_in_it, last) = lesson("first-connection");
    let opts = Options {
        size: (80, 24),
        theme: Theme::named(ThemeName::Contrast),
        hold: Some(Duration::from_millis(300)),
        ..Options::default()
    };
    let mut frames = Vec::new();
    let mut steps = Vec::new();
    let (played, bytes) = headless::play(
        &title,
        lines,
        &opts,
        Vec::new(),
        |b| frames.push(b.clone()),
        |n, title| steps.push((n, title.to_string())),
    )
    .unwrap();
    assert!(played.finished, "{played:?}");
    assert_eq!(played.steps, steps_in_it);
    assert_eq!(played.steps_shown, steps_in_it, "{steps:?}");
    assert_eq!(steps.last().unwrap(), &(steps_in_it, last));
    assert_eq!(played.frames, frames.len());
    let cast = parse_cast(std::str::from_utf8(&bytes).unwrap());
    assert_eq!(cast.size(), (80, 24));
    assert_eq!(cast.header["title"], "First connection");
    // One event a frame, and one that gives the cursor back.
    assert_eq!(cast.events.len(), frames.len() + 1);
    let mut parser = vt100::Parser::new(24, 80, 0);
    for (i, (_, kind, data)) in cast.events.iter().enumerate() {
        assert_eq!(kind, "o");
        parser.process(data.as_bytes());
        if let Some(frame) = frames.get(i) {
            assert_same(parser.screen(), frame, i);
        }
    }
    assert!(!parser.screen().hide_cursor(), "the cursor is given back");
    // Paced as a reader: the start held, each step and pause held.
    let (first, last) = (cast.events[0].0, cast.events.last().unwrap().0);
    assert!(first < 1.0, "{first}");
    assert!(last >= 0.3 * 10.0, "{last}");
}

#[test]
fn run_cast_writes_the_lesson_to_its_last_step() {
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--cast", "--hold", "300ms", "backlog"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let cast = parse_cast(std::str::from_utf8(&out.stdout).unwrap());
    assert_eq!(cast.size(), (100, 30), "--size is 100x30 unless given");
    assert_eq!(cast.header["title"], "Backlog");
    let (_, _, n, last) = lesson("backlog");
    let screen = cast.final_screen();
    let text = screen.screen().contents();
    assert!(
        text.contains(&format!("Backlog · step {n} of {n}")),
        "{text}"
    );
    assert!(text.contains(&last), "{text}");
    // What it did, said on stderr as it goes.
    assert!(err.contains(&format!("step {n}/{n}: {last}")), "{err}");
}

#[test]
fn run_cast_refuses_a_size_it_cannot_draw_and_record_outside_a_terminal() {
    for (args, says) in [
        (
            &["run", "--cast", "--size", "10x5", "backlog"][..],
            "error: invalid value '10x5' for '--size <COLSxROWS>': the screen needs at least 80x24",
        ),
        (
            &["run", "--cast", "--size", "wide", "backlog"],
            "error: invalid value 'wide' for '--size <COLSxROWS>': expected COLUMNSxROWS, e.g. 100x30",
        ),
        (
            &["run", "--size", "100x30", "backlog"],
            "error: the following required arguments were not provided:",
        ),
        (
            &["run", "--cast", "--record", "x.cast", "backlog"],
            "sockplay: --record records the lab in a terminal (sockplay, sockplay lesson NAME, sockplay watch TARGET); `run --cast` records a lesson without one",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with(says), "{args:?}: {err}");
    }
    assert!(!std::path::Path::new("x.cast").exists());
}

#[test]
fn record_keeps_a_live_session_as_the_terminal_showed_it() {
    let dir = std::env::temp_dir().join(format!("sockplay-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("live.cast");
    let path = file.to_str().unwrap();
    // In a lab of its own: no other program moves its counters meanwhile.
    let mut pty = Pty::spawn(&["--netns", "--record", path, "--theme", "light"], 100, 30);
    pty.wait_for("press : to type a command");
    pty.command("listen backlog=2");
    pty.wait_for("backlog 2 → 2: holds 3");
    // The screen as the terminal has it, once it stands still.
    let shown = pty.settled();
    pty.keys(b"q");
    assert!(pty.exited_within(Duration::from_secs(5)), "q did not quit");
    let cast = parse_cast(&std::fs::read_to_string(&file).unwrap());
    assert_eq!(cast.size(), (100, 30));
    let played = cast.final_screen();
    assert_eq!(played.screen().contents(), shown);
    let _ = std::fs::remove_dir_all(&dir);
}
