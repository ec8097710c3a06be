//! Every pane that scrolls keeps its offset within what it holds: PgUp (or
//! Shift-↑, or ↑) pressed far past the top stops at the top, and the
//! pane's title says how far it is scrolled, truly; PgDn (Shift-↓, ↓)
//! pressed far past the end comes back to rest. Each key is followed by a
//! frame, as in the program's loop: the layout is measured and handed to
//! the App, which never asks the drawing code for geometry.

mod common;

use std::time::{Duration, Instant};

use common::tui::{app, key, listener_and_clients, pump_drawn, render, submit};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sockplay::tui::app::{App, Mode, Msg, Pane};

/// Presses `code` `n` times, a frame after each, as the loop does.
fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers, n: usize) {
    for _ in 0..n {
        app.update(Msg::Key(KeyEvent::new(code, modifiers)));
        sockplay::tui::settle(app);
    }
}

/// The title row of the pane whose title starts with `name`.
fn title<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(&format!("┌ {name}")) || l.contains(&format!("┌ ▶ {name}")))
        .unwrap_or_else(|| panic!("no pane {name}:\n{screen}"))
}

#[test]
fn the_results_scroll_up_to_their_first_line_and_say_so_truly() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    // One command and its result: fewer lines than the pane's rows,
    // nothing to scroll.
    submit(&mut app, &rx, "listen", |a| a.lab.socket_count() == 1);
    sockplay::tui::settle(&mut app);
    assert_eq!(app.geometry.results_max, 0);
    press(&mut app, KeyCode::PageUp, KeyModifiers::NONE, 10);
    assert_eq!(app.results_scroll.offset(), 0, "nothing above to scroll to");
    let screen = render(&mut app, 80, 24);
    assert!(!screen.contains("scrolled up"), "{screen}");
    submit(&mut app, &rx, "connect L1", |a| {
        a.lab.socket_count() == 2 && !a.calls_in_flight()
    });

    // Many results: ten PgUp stop at the first line.
    for _ in 0..12 {
        submit(&mut app, &rx, "send C1 10", |a| !a.calls_in_flight());
    }
    sockplay::tui::settle(&mut app);
    let max = app.geometry.results_max;
    assert!(max > app.page_rows(), "more lines than a page: {max}");
    press(&mut app, KeyCode::PageUp, KeyModifiers::NONE, 10);
    assert_eq!(app.results_scroll.offset(), max, "stopped at the top");
    let screen = render(&mut app, 80, 24);
    let t = title(&screen, "Results");
    assert!(t.contains(&format!("scrolled up {max} ")), "{t}");
    // At the top, the first line of the log is the pane's first row.
    let first = screen
        .lines()
        .skip_while(|l| !l.contains("Results"))
        .nth(1)
        .unwrap();
    assert!(first.contains("listen"), "the oldest line shows: {screen}");
    // One PgDn moves the screen a page at once: no slack above the top.
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE, 1);
    assert_eq!(app.results_scroll.offset(), max - app.page_rows());
    let t = title(&render(&mut app, 80, 24), "Results").to_string();
    assert!(
        t.contains(&format!("scrolled up {} ", max - app.page_rows())),
        "{t}"
    );
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE, 10);
    assert_eq!(app.results_scroll.offset(), 0);
    assert!(!title(&render(&mut app, 80, 24), "Results").contains("scrolled"));
    app.lab.shutdown(Duration::from_secs(1));
}

#[test]
fn the_kernel_view_scrolls_to_its_last_line_and_back_to_its_first() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    listener_and_clients(&mut app, &rx, 12);
    submit(&mut app, &rx, "show", |a| matches!(a.mode, Mode::Show));
    sockplay::tui::settle(&mut app);
    let max = app.geometry.kernel_view_max;
    assert!(max > 0, "taller than the screen");
    press(&mut app, KeyCode::PageDown, KeyModifiers::NONE, 20);
    assert_eq!(app.kernel_view_top.offset(), max, "stopped at the end");
    let screen = render(&mut app, 80, 24);
    let t = title(&screen, "kernel view");
    let of = t
        .split(" of ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(
        t.contains(&format!("–{of} of {of}")),
        "the last line is the last row: {t}"
    );
    press(&mut app, KeyCode::PageUp, KeyModifiers::NONE, 20);
    assert_eq!(app.kernel_view_top.offset(), 0);
    assert!(title(&render(&mut app, 80, 24), "kernel view").contains("lines 1–"));
    app.lab.shutdown(Duration::from_secs(1));
}

#[test]
fn the_narration_scrolls_back_to_its_title_and_forward_to_its_newest() {
    let (mut app, rx) = app();
    // Played on a tall screen, where every note shows as it comes, then
    // read back on a small one.
    app.update(Msg::Resize(120, 60));
    let text = "step \"A long step\"\n".to_string()
        + &(1..=12)
            .map(|i| format!("note \"Note number {i}, long enough to take a row of its own at eighty columns or so.\"\n"))
            .collect::<String>();
    let lines = sockplay::script::parse_script(&text).unwrap();
    app.play("Long", lines, true);
    key(&mut app, KeyCode::Char(' '));
    assert!(pump_drawn(&mut app, &rx, |a| a
        .script
        .as_ref()
        .is_some_and(|s| s.done)));
    app.update(Msg::Resize(80, 24));
    sockplay::tui::settle(&mut app);
    let max = app.geometry.narration_max;
    assert!(max > 3, "longer than the pane: {max}");
    press(&mut app, KeyCode::Up, KeyModifiers::SHIFT, 50);
    assert_eq!(app.narration_back.offset(), max, "stopped at the title");
    let screen = render(&mut app, 80, 24);
    let t = screen.lines().next().unwrap();
    assert!(t.contains('↓') && !t.contains('↑'), "{t}");
    assert!(
        screen.lines().nth(1).unwrap().contains("A long step"),
        "{screen}"
    );
    // One Shift-↓ moves it at once: no slack above the title.
    press(&mut app, KeyCode::Down, KeyModifiers::SHIFT, 1);
    assert_eq!(app.narration_back.offset(), max - 1);
    press(&mut app, KeyCode::Down, KeyModifiers::SHIFT, 50);
    assert_eq!(app.narration_back.offset(), 0);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("Note number 12"), "{screen}");
    app.lab.shutdown(Duration::from_secs(1));
}

#[test]
fn the_connections_and_listeners_keep_their_selection_in_sight_at_both_ends() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    for _ in 0..3 {
        submit(&mut app, &rx, "listen backlog=20", |_| true);
    }
    submit(&mut app, &rx, "connect L1 x10", |a| {
        a.lab.socket_count() == 13 && !a.calls_in_flight()
    });
    common::tui::snapshot(&mut app);
    sockplay::tui::settle(&mut app);
    for (pane, names, last) in [(Pane::Connections, 10, "C10"), (Pane::Listeners, 3, "L3")] {
        app.pane = pane;
        let shown = match pane {
            Pane::Listeners => app.geometry.listener_rows,
            _ => app.geometry.conn_rows,
        };
        assert!(shown < names, "{pane:?}: fewer rows than sockets");
        press(&mut app, KeyCode::Down, KeyModifiers::NONE, 30);
        let offset = match pane {
            Pane::Listeners => app.listener_offset,
            _ => app.conn_offset,
        };
        assert_eq!(
            offset,
            names - shown,
            "{pane:?}: the last row at the bottom"
        );
        assert!(render(&mut app, 80, 24).contains(last), "{pane:?}");
        press(&mut app, KeyCode::Up, KeyModifiers::NONE, 30);
        let offset = match pane {
            Pane::Listeners => app.listener_offset,
            _ => app.conn_offset,
        };
        assert_eq!(offset, 0, "{pane:?}: back at the top");
    }
    app.lab.shutdown(Duration::from_secs(1));
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn the_wire_scrolls_up_to_its_first_segment_and_says_so_truly() {
        common::require_root("capturing packets");
        let (lab, rx) = sockplay::lab::Lab::new();
        let wire = sockplay::tui::wire_pane::WirePane::start(&lab, None);
        let mut app = common::tui::app_on(lab);
        app.wire = wire;
        app.update(Msg::Resize(80, 24));
        submit(&mut app, &rx, "listen", |a| a.lab.socket_count() == 1);
        submit(&mut app, &rx, "connect L1", |a| !a.calls_in_flight());
        submit(&mut app, &rx, "accept L1", |a| a.lab.socket_count() == 3);
        // The sampler's kernel view tells the wire which ports are the lab's.
        common::tui::snapshot(&mut app);
        // Small sends, each acknowledged: two rows of the ladder each.
        // Data each way in turn: a row each, none folded into a run.
        // Each waits for its own result: a typed command may wait in the App
        // for the one before to settle, with no call in flight meanwhile.
        let ops = |a: &App| {
            a.log
                .entries()
                .iter()
                .filter(|e| matches!(e, sockplay::tui::log::Entry::Op(_)))
                .count()
        };
        for _ in 0..15 {
            for cmd in ["send C1 10", "recv A1 10", "send A1 10", "recv C1 10"] {
                let before = ops(&app);
                submit(&mut app, &rx, cmd, |a| ops(a) > before);
            }
        }
        let (c1, a1) = ("C1".parse().unwrap(), "A1".parse().unwrap());
        app.sel_conn = Some(c1);
        key(&mut app, KeyCode::Char('w'));
        // The capture's thread may lag on a busy machine: wait until it has
        // the last segment the connection will send, each end's ACK of all
        // the other's bytes (15 sends of 10 after the SYN's one), so that no
        // row comes in while the keys scroll.
        let all = 1 + 15 * 10;
        let caught_up = |a: &App| {
            let ladder = a.wire.ladder(a.sel_conn);
            let acks_all = |from| {
                ladder
                    .segments
                    .iter()
                    .any(|s| s.from == Some(from) && s.ack == all)
            };
            acks_all(c1) && acks_all(a1)
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // Seen before the frame, so the frame measures all of it.
            let done = caught_up(&app);
            common::tui::snapshot(&mut app);
            app.update(Msg::Tick(Instant::now()));
            sockplay::tui::settle(&mut app);
            if done {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the capture never saw each end acknowledge all: {:?}",
                app.wire.ladder(app.sel_conn).segments
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let max = app.geometry.wire_max;
        let ladder = app.wire.ladder(app.sel_conn);
        let rows = ladder.rows.len();
        assert!(
            max > 3,
            "a ladder longer than the pane: {max} ({rows} rows of {} segments)",
            ladder.segments.len()
        );
        press(&mut app, KeyCode::PageUp, KeyModifiers::NONE, 20);
        assert_eq!(
            app.wire.scroll.offset(),
            max,
            "stopped at the first segment"
        );
        let screen = render(&mut app, 80, 24);
        assert!(
            title(&screen, "wire").contains(&format!("↑{max} ")),
            "{screen}"
        );
        press(&mut app, KeyCode::PageDown, KeyModifiers::NONE, 20);
        assert_eq!(app.wire.scroll.offset(), 0);
        assert!(!title(&render(&mut app, 80, 24), "wire").contains('↑'));
        app.lab.shutdown(Duration::from_secs(1));
    }
}
