//! A lesson on screen shows before it tells: notes wait for the results of
//! the calls above them and for a frame that draws them; `pause` waits for
//! space; `select` points the selected pane at a socket. Driven through
//! `App::update` on a real lab.

mod common;

use std::time::Duration;

use common::tui::{app, key, pump};
use crossterm::event::KeyCode;
use sockplay::script::parse_script;
use sockplay::tui::app::{App, Msg, Pane, Stop};
use sockplay::tui::log::Entry;
use sockplay::tui::view::narration;

fn space(app: &mut App) {
    key(app, KeyCode::Char(' '));
}

/// The notes the narration pane shows now.
fn notes_shown(app: &App) -> Vec<String> {
    let s = app.script.as_ref().unwrap();
    narration::step_shown(s.player.lines(), s.player.position(), s.shown_to(), &s.name).notes
}

fn blocked_logged(app: &App) -> bool {
    app.log
        .entries()
        .iter()
        .any(|e| matches!(e, Entry::Blocked(c) if c.sock.to_string() == "C1"))
}

#[test]
fn a_note_after_a_blocked_call_appears_only_once_the_call_is_reported_and_drawn() {
    let (mut app, rx) = app();
    let lines = parse_script(
        "step \"One\"\nnote \"Before.\"\nlisten rcvbuf=4k\nconnect L1 sndbuf=4k\naccept L1\nsend C1 4m\nnote \"C1's send is blocked.\"\n",
    )
    .unwrap();
    app.play("Pacing", lines, true);
    space(&mut app);
    // The note above the calls shows at once; the one below them does not.
    assert_eq!(notes_shown(&app), ["Before."]);
    assert!(
        pump(&mut app, &rx, blocked_logged),
        "the send was reported blocked"
    );
    // Reported, but not yet drawn: the note still waits for a frame.
    assert!(
        pump(&mut app, &rx, |a| a.script.as_ref().unwrap().holding),
        "timed out waiting"
    );
    assert!(app.script.as_ref().unwrap().holding);
    assert_eq!(notes_shown(&app), ["Before."]);
    assert!(app.dirty, "the screen has something new to draw");
    // The screen shows the kernel view as it is now: C1 with bytes queued.
    let c1 = app
        .view("C1".parse().unwrap())
        .expect("the held note brought the kernel view up to date");
    assert!(c1.sendq().unwrap_or(0) > 0, "{c1:?}");
    app.update(Msg::Drawn);
    assert_eq!(notes_shown(&app), ["Before.", "C1's send is blocked."]);
    // In the log, too, the note comes after the call it talks about.
    let entries: Vec<&Entry> = app.log.entries().iter().collect();
    let blocked = entries
        .iter()
        .position(|e| matches!(e, Entry::Blocked(_)))
        .unwrap();
    let note = entries
        .iter()
        .rposition(|e| matches!(e, Entry::Note(n) if n.contains("blocked")))
        .unwrap();
    assert!(blocked < note);
    app.lab.shutdown(Duration::from_secs(1));
}

#[test]
fn pause_waits_for_space_before_the_calls_below_it() {
    let (mut app, rx) = app();
    let lines = parse_script(
        "step \"One\"\nlisten\nconnect L1\naccept L1\nsend C1 \"Hi there\"\nnote \"What will recv(16) return?\"\npause\nrecv A1 16\nnote \"8.\"\n",
    )
    .unwrap();
    app.play("Pause", lines, true);
    space(&mut app);
    let paused = |a: &App| matches!(a.script.as_ref().unwrap().stop(), Some(Stop::Pause(_)));
    // Bounded: a few frames let the held note through.
    for _ in 0..50 {
        if paused(&app) {
            break;
        }
        assert!(
            pump(&mut app, &rx, |a| {
                a.script.as_ref().unwrap().holding || paused(a)
            }),
            "timed out waiting"
        );
        app.update(Msg::Drawn);
    }
    assert!(paused(&app), "stopped at the pause");
    assert_eq!(notes_shown(&app), ["What will recv(16) return?"]);
    assert!(
        !app.log.entries().iter().any(
            |e| matches!(e, Entry::Op(r) if r.sock.to_string() == "A1" && r.call.name() == "recv")
        ),
        "recv has not run"
    );
    space(&mut app);
    assert!(pump(&mut app, &rx, |a| a
        .last
        .get(&"A1".parse().unwrap())
        .is_some_and(|r| r.call.name() == "recv")));
    assert_eq!(app.last[&"A1".parse().unwrap()].outcome.ret(), Some(8));
    app.lab.shutdown(Duration::from_secs(1));
}

/// `select S wire` opens the wire pane for the notes about the segments,
/// and the next step closes it: the results come back.
#[test]
fn select_wire_opens_the_wire_pane_until_the_step_ends() {
    let (mut app, rx) = app();
    let lines = parse_script(
        "step \"One\"\nlisten\nconnect L1\naccept L1\nwait L1\nselect C1 wire\nnote \"On the wire.\"\nstep \"Two\"\nnote \"After.\"\n",
    )
    .unwrap();
    app.play("Wire", lines, true);
    assert!(!app.wire.shown);
    space(&mut app);
    assert!(common::tui::pump_drawn(&mut app, &rx, |a| notes_shown(a) == ["On the wire."]));
    assert!(app.wire.shown, "the wire pane opened");
    assert_eq!(app.sel_conn.map(|s| s.to_string()).as_deref(), Some("C1"));
    space(&mut app);
    assert!(common::tui::pump_drawn(&mut app, &rx, |a| notes_shown(a) == ["After."]));
    assert!(!app.wire.shown, "the next step closed it");
    app.lab.shutdown(Duration::from_secs(1));
}

#[test]
fn select_points_the_selected_pane_at_a_socket() {
    let (mut app, rx) = app();
    let lines =
        parse_script("step \"One\"\nlisten\nconnect L1 x2\naccept L1 x2\nselect C2\n").unwrap();
    app.play("Select", lines, true);
    space(&mut app);
    assert!(pump(&mut app, &rx, |a| a.script.as_ref().unwrap().done));
    // The view shows the socket once the kernel view has it.
    let snap = sockplay::kernel::Snapshotter::live()
        .unwrap()
        .take(&app.lab.observer())
        .unwrap();
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    assert_eq!(app.sel_conn.map(|s| s.to_string()).as_deref(), Some("C2"));
    assert_eq!(app.pane, Pane::Connections);
    app.lab.shutdown(Duration::from_secs(1));
}
