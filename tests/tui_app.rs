//! `App::update` without a terminal: commands, keys, forms, selection,
//! freezing, completion and quitting, on a real lab.

mod common;

use std::time::{Duration, Instant};

use common::tui::{app, command, key, pump, snapshot, snapshot_until, typed};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sockplay::kernel::Snapshotter;
use sockplay::lab::{LabEvent, Role};
use sockplay::tui::app::{App, Mode, Msg, Pane};
use sockplay::tui::log::{Entry, Source};

fn ops(app: &App) -> usize {
    app.log
        .entries()
        .iter()
        .filter(|e| matches!(e, Entry::Op(_)))
        .count()
}

#[test]
fn a_typed_command_runs_and_is_logged() {
    let (mut app, rx) = app();
    command(&mut app, "listen backlog=2");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 1), "timed out waiting");
    assert_eq!(app.lab.sockets().len(), 1);
    let entries: Vec<&Entry> = app.log.entries().iter().collect();
    assert!(matches!(entries[0], Entry::Command(t, Source::Typed) if t == "listen backlog=2"));
    assert!(matches!(entries[1], Entry::Op(r) if r.created.len() == 1));
    assert!(
        matches!(app.mode, Mode::Normal),
        "Esc left the command line"
    );
    assert_eq!(app.typed_history, ["listen backlog=2"]);
}

#[test]
fn a_bad_command_is_one_line_beside_the_prompt_and_changes_nothing() {
    let (mut app, _rx) = app();
    command(&mut app, "listen backlog=lots");
    assert!(app.lab.sockets().is_empty());
    let err = app.cmd_error.clone().unwrap();
    assert!(err.contains("bad backlog 'lots'"), "{err}");
    command(&mut app, "send C9 10");
    assert!(app.cmd_error.as_deref().unwrap().contains("no socket C9"));
    assert!(app.lab.sockets().is_empty());
}

#[test]
fn history_and_completion_on_the_command_line() {
    let (mut app, rx) = app();
    command(&mut app, "listen");
    command(&mut app, "connect L1");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 2), "timed out waiting");
    key(&mut app, KeyCode::Char(':'));
    key(&mut app, KeyCode::Up);
    assert_eq!(app.input.value(), "connect L1");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.input.value(), "listen");
    key(&mut app, KeyCode::Down);
    assert_eq!(app.input.value(), "connect L1");
    app.input = tui_input::Input::new("acc".into());
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.input.value(), "accept ");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.input.value(), "accept L1 ");
}

#[test]
fn single_keys_open_forms_that_run_commands() {
    let (mut app, rx) = app();
    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(&app.mode, Mode::Form(_)));
    key(&mut app, KeyCode::Enter);
    assert!(pump(&mut app, &rx, |a| ops(a) >= 1), "timed out waiting");
    assert!(
        matches!(&app.log.entries()[0], Entry::Command(t, Source::Key) if t.starts_with("listen 127.0.0.1:0 backlog=2"))
    );
    snapshot(&mut app);
    // c: connect three clients to the selected listener.
    key(&mut app, KeyCode::Char('c'));
    let Mode::Form(form) = &mut app.mode else {
        panic!("no form")
    };
    form.fields[0].input = tui_input::Input::new("3".into());
    key(&mut app, KeyCode::Enter);
    assert!(
        pump(&mut app, &rx, |a| {
            a.lab
                .sockets()
                .iter()
                .filter(|s| s.role == Role::Client)
                .count()
                == 3
                && a.lab.pending_all() == 0
        }),
        "timed out waiting"
    );
    // a: accept one.
    key(&mut app, KeyCode::Char('a'));
    key(&mut app, KeyCode::Enter);
    assert!(
        pump(&mut app, &rx, |a| {
            a.lab.sockets().iter().any(|s| s.role == Role::Accepted)
        }),
        "timed out waiting"
    );
    let commands: Vec<String> = app
        .log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Command(t, Source::Key) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(commands[1..], ["connect L1 x3 timeout=none", "accept L1"]);
    // Esc cancels a form: nothing runs.
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.mode, Mode::Normal));
    assert_eq!(
        app.lab
            .sockets()
            .iter()
            .filter(|s| s.role == Role::Listener)
            .count(),
        1
    );
}

#[test]
fn selection_follows_the_arrows_and_the_panes() {
    let (mut app, rx) = app();
    command(&mut app, "listen");
    command(&mut app, "connect L1 x3");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 4), "timed out waiting");
    snapshot(&mut app);
    assert_eq!(app.sel_conn.map(|s| s.to_string()).as_deref(), Some("C1"));
    assert_eq!(app.pane, Pane::Connections);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert_eq!(
        app.sel_conn.map(|s| s.to_string()).as_deref(),
        Some("C3"),
        "stops at the last row"
    );
    key(&mut app, KeyCode::Up);
    assert_eq!(app.sel_conn.map(|s| s.to_string()).as_deref(), Some("C2"));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.pane, Pane::Results);
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.pane, Pane::Listeners);
}

#[test]
fn freezing_holds_results_and_snapshots_until_thawed() {
    let (mut app, rx) = app();
    command(&mut app, "listen");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 1), "timed out waiting");
    key(&mut app, KeyCode::Char('p'));
    assert!(app.frozen.is_some());
    command(&mut app, "connect L1");
    // The command is echoed, but its result waits while frozen.
    let before = ops(&app);
    let e = rx.recv_timeout(Duration::from_secs(2)).unwrap();
    app.update(Msg::Lab(e));
    snapshot(&mut app);
    assert_eq!(ops(&app), before);
    assert!(app.snapshot.is_none());
    key(&mut app, KeyCode::Char('p'));
    assert!(app.frozen.is_none());
    assert_eq!(ops(&app), before + 1);
    assert!(app.snapshot.is_some());
}

#[test]
fn quit_asks_first_while_calls_are_blocked() {
    let (mut app, rx) = app();
    command(&mut app, "listen");
    command(&mut app, "connect L1");
    command(&mut app, "recv C1 10");
    assert!(
        pump(&mut app, &rx, |a| a.lab.pending_all() == 1 && ops(a) >= 2),
        "timed out waiting"
    );
    key(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.mode, Mode::ConfirmQuit));
    assert!(!app.quit);
    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.mode, Mode::Normal) && !app.quit);
    key(&mut app, KeyCode::Char('q'));
    key(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
    let began = Instant::now();
    app.lab.shutdown(Duration::from_secs(1));
    assert!(began.elapsed() < Duration::from_secs(1));
}

#[test]
fn ctrl_c_and_signals_quit_at_once() {
    let (mut app, _rx) = app();
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
    let (mut app, _rx) = self::app();
    app.update(Msg::Terminate);
    assert!(app.quit);
}

#[test]
fn a_script_plays_into_the_live_lab_without_blocking() {
    let (mut app, rx) = app();
    let lines =
        sockplay::script::parse_script("listen\nconnect L1\nsleep 300ms\naccept L1").unwrap();
    app.play("demo", lines, false);
    // It returns with the script under way, its accept not yet run: a play
    // that waited for the script would have slept its 300 ms and run the
    // accept first. (Told by where the script is, not by a stopwatch: on a
    // loaded machine play itself once took over 100 ms.)
    let s = app.script.as_ref().unwrap();
    assert!(
        !s.done && s.player.position() <= 3,
        "play returned at once, at line {} of 4",
        s.player.position()
    );
    assert!(!app.lab.sockets().iter().any(|s| s.role == Role::Accepted));
    assert!(
        !app.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Command(t, _) if t == "accept L1"))
    );
    assert!(
        pump(&mut app, &rx, |a| {
            a.script.as_ref().is_some_and(|s| s.done) && ops(a) >= 3
        }),
        "timed out waiting"
    );
    assert!(app.lab.sockets().iter().any(|s| s.role == Role::Accepted));
    assert!(
        app.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Command(t, Source::Script) if t == "accept L1"))
    );
}

#[test]
fn the_mouse_selects_panes_and_rows() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (mut app, rx) = app();
    app.update(Msg::Resize(120, 40));
    command(&mut app, "listen");
    command(&mut app, "connect L1 x3");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 4), "timed out waiting");
    snapshot(&mut app);
    let areas = sockplay::tui::view::layout::Areas::of(120, 40, false);
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // The third data row of the table (border, header, then C1, C2, C3).
    app.update(click(areas.connections.x + 3, areas.connections.y + 4));
    assert_eq!(app.pane, Pane::Connections);
    assert_eq!(app.sel_conn.map(|s| s.to_string()).as_deref(), Some("C3"));
    app.update(click(areas.results.x + 3, areas.results.y + 2));
    assert_eq!(app.pane, Pane::Results);
    app.update(click(areas.listeners.x + 3, areas.listeners.y + 1));
    assert_eq!(app.pane, Pane::Listeners);
    assert_eq!(
        app.sel_listener.map(|s| s.to_string()).as_deref(),
        Some("L1")
    );
}

#[test]
fn connections_filter_by_state_and_summarise() {
    let (mut app, rx) = app();
    command(&mut app, "listen backlog=0");
    command(&mut app, "connect L1 x3");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 2), "timed out waiting");
    let settled = |a: &App| a.state_counts() == [("SYN-SENT", 2), ("ESTAB", 1)];
    assert!(
        snapshot_until(&mut app, settled),
        "{:?}",
        app.state_counts()
    );
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "syn");
    key(&mut app, KeyCode::Enter);
    let shown: Vec<String> = app
        .connections()
        .iter()
        .filter_map(|v| v.id)
        .map(|n| n.to_string())
        .collect();
    assert_eq!(shown, ["C2", "C3"]);
    assert!(!matches!(app.mode, Mode::Filter));
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.connections().len(), 3, "Esc clears the filter");
}

#[test]
fn a_new_listener_is_selected_once_the_kernel_view_shows_it() {
    let (mut app, rx) = app();
    command(&mut app, "listen");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 1), "timed out waiting");
    snapshot(&mut app);
    assert_eq!(
        app.sel_listener.map(|s| s.to_string()).as_deref(),
        Some("L1")
    );
    // A snapshot taken before L2 exists must not undo the choice.
    let before = Snapshotter::live()
        .unwrap()
        .take(&app.lab.observer())
        .unwrap();
    command(&mut app, "listen");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 2), "timed out waiting");
    app.update(Msg::Snapshot(std::sync::Arc::new(before)));
    assert_eq!(
        app.sel_listener.map(|s| s.to_string()).as_deref(),
        Some("L1")
    );
    snapshot(&mut app);
    assert_eq!(
        app.sel_listener.map(|s| s.to_string()).as_deref(),
        Some("L2"),
        "the new listener is the one to watch"
    );
}

#[test]
fn freezing_holds_a_bounded_number_of_results_and_counts_the_rest() {
    use sockplay::tui::freeze::HELD_RESULTS;
    let (mut app, rx) = app();
    command(&mut app, "listen");
    let LabEvent::Finished(listen) = rx.recv_timeout(Duration::from_secs(2)).unwrap();
    app.update(Msg::Lab(LabEvent::Finished(listen.clone())));
    key(&mut app, KeyCode::Char('p'));
    // A chatty peer's recvall: far more results than the freeze holds.
    let flood = HELD_RESULTS + 1234;
    for i in 0..flood {
        let mut r = listen.clone();
        r.seq = 1000 + i as u64;
        r.created.clear();
        app.update(Msg::Lab(LabEvent::Finished(r)));
    }
    let held = app.frozen.as_ref().unwrap();
    assert_eq!(held.held().0, HELD_RESULTS);
    assert_eq!(held.dropped_events, 1234);
    assert!(held.summary().contains("1234 older ones dropped"));
    key(&mut app, KeyCode::Char('p'));
    assert!(app.frozen.is_none());
    let said =
        app.log.entries().iter().any(
            |e| matches!(e, Entry::Info(s) if s.contains("1234 results arrived while frozen")),
        );
    assert!(said, "the log says how many results were not kept");
    // The newest result is the last result in the log.
    let last_seq = app.log.entries().iter().rev().find_map(|e| match e {
        Entry::Op(r) => Some(r.seq),
        _ => None,
    });
    assert_eq!(last_seq, Some(1000 + flood as u64 - 1));
}

/// A connection whose lab peer was closed says so, not that the peer is
/// no socket of the lab's.
#[test]
fn the_path_of_a_byte_says_the_peer_is_closed() {
    let (mut app, rx) = app();
    for c in ["listen", "connect L1", "accept L1", "close A1 rst"] {
        command(&mut app, c);
    }
    assert!(pump(&mut app, &rx, |a| a.lab.pending_all() == 0 && ops(a) >= 4));
    app.sel_conn = Some("C1".parse().unwrap());
    snapshot(&mut app);
    let screen = common::tui::render(&mut app, 100, 30);
    assert!(screen.contains("▶ A1 is closed"), "{screen}");
    assert!(!screen.contains("peer not in the lab"), "{screen}");
}

/// The open lab: the listeners pane follows the listener the last command
/// used, the connections pane the newest client a command made, and
/// `listen 5` says that 5 was taken as a port.
#[test]
fn the_panes_follow_the_last_typed_command() {
    let (mut app, rx) = app();
    command(&mut app, "listen backlog=1");
    command(&mut app, "listen");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 2), "timed out waiting");
    command(&mut app, "connect L1 x2");
    assert!(pump(&mut app, &rx, |a| ops(a) >= 4), "timed out waiting");
    let l1 = "L1".parse().unwrap();
    let c2 = "C2".parse().unwrap();
    assert_eq!(app.in_view.listener, Some(l1), "L1, which connect used");
    assert_eq!(app.in_view.conn, Some(c2), "the newest client");
    command(&mut app, "listen 5");
    assert!(
        app.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Info(t) if t.contains("listen backlog=5"))),
        "the hint for listen 5"
    );
}

/// Every pane that hides rows says how many (`↓ 8 more`): at 80×24 the
/// connections pane shows four rows and the listeners pane one listener.
#[test]
fn panes_that_hide_rows_at_80x24_say_how_many() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    for cmd in [
        "listen",
        "listen",
        "listen",
        "connect L1 x5",
        "accept L1 x5",
    ] {
        command(&mut app, cmd);
    }
    assert!(
        pump(&mut app, &rx, |a| a.lab.sockets().len() >= 13),
        "timed out waiting"
    );
    assert!(snapshot_until(&mut app, |a| a.connections().len() >= 10));
    let total = app.connections().len();
    let screen = common::tui::rows(&mut app, 80, 24);
    // The connections pane's rows and its bottom border.
    let conn_rows = screen
        .iter()
        .filter(|r| r.contains("││") && r.chars().skip(30).collect::<String>().contains('⇄'))
        .count();
    let border = screen
        .iter()
        .find(|r| r.chars().skip(30).collect::<String>().starts_with('└') && r.contains("more"))
        .unwrap_or_else(|| panic!("no row count under the connections:\n{}", screen.join("\n")));
    let count = |mark: &str| {
        border
            .split(mark)
            .nth(1)
            .and_then(|r| r.trim_start().split(' ').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    };
    assert!(conn_rows > 0 && conn_rows < total, "{}", screen.join("\n"));
    assert_eq!(
        count("↑") + count("↓") + conn_rows,
        total,
        "{border}\n{}",
        screen.join("\n")
    );
    // Three listeners, room for one: the title says where the others are.
    let title = &screen
        .iter()
        .find(|r| r.contains("Listeners"))
        .expect("the listeners pane");
    assert!(title.contains("more"), "{}", screen.join("\n"));
}

/// Once the lab's connections have come and gone, the empty pane says
/// "no connections now", not "yet": a reset leaves no TIME-WAIT, and `ss`
/// shows nothing left of them but the listener.
#[test]
fn connections_that_came_and_went_leave_no_connections_now() {
    let port = common::unused_port();
    let (mut app, rx) = app();
    common::tui::submit(&mut app, &rx, &format!("listen {port}"), |a| {
        a.lab.socket_count() == 1
    });
    common::tui::submit(&mut app, &rx, "connect L1", |a| {
        a.lab.socket_count() == 2 && !a.calls_in_flight()
    });
    common::tui::submit(&mut app, &rx, "accept L1", |a| {
        a.lab.socket_count() == 3 && !a.calls_in_flight()
    });
    assert!(snapshot_until(&mut app, |a| !a.connections().is_empty()));
    let before = common::tui::render(&mut app, 100, 30);
    assert!(!before.contains("no connections"), "{before}");
    common::tui::submit(&mut app, &rx, "close C1 rst", |a| ops(a) == 4);
    common::tui::submit(&mut app, &rx, "close A1", |a| ops(a) == 5);
    let gone = snapshot_until(&mut app, |a| a.connections().is_empty());
    assert!(gone, "{}", common::tui::render(&mut app, 100, 30));
    let after = common::tui::render(&mut app, 100, 30);
    assert!(after.contains("no connections now"), "{after}");
    assert!(!after.contains("no connections yet"), "{after}");
    let left: Vec<String> = common::ss("-Htan", port)
        .into_iter()
        .map(|l| l.state)
        .collect();
    assert_eq!(left, ["LISTEN"], "ss on port {port}");
    app.lab.shutdown(std::time::Duration::from_secs(1));
}
