//! A lesson on a short screen (80×24): the status line says what space
//! does now: a step running on its own, or the lesson's end.
//! `App::update` and a TestBackend, on a real lab.

mod common;

use common::tui::{app, key, pump_drawn, render};
use crossterm::event::KeyCode;
use sockplay::tui::app::{App, Msg};

/// Small buffers and a receiver that never reads: the window closes.
const STALLED: &str = "# lesson: Stalled
step \"Fill\"
listen rcvbuf=4k
connect L1 sndbuf=4k timeout=0
wait C1
accept L1
send C1 100k
sleep 2s
note \"filled\"
step \"Last\"
note \"the last note\"
";

fn noted(a: &App, text: &str) -> bool {
    a.log
        .entries()
        .iter()
        .any(|e| matches!(e, sockplay::tui::log::Entry::Note(n) if n.contains(text)))
}

#[test]
fn at_80x24_the_status_says_what_space_does_while_a_step_runs_and_at_the_end() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    let lines = sockplay::script::parse_script(STALLED).unwrap();
    app.play("Stalled", lines, true);
    key(&mut app, KeyCode::Char(' '));
    // While the step sleeps, space has nothing to show: the status says so.
    assert!(
        pump_drawn(&mut app, &rx, |a| a.lab.socket_count() == 3),
        "the step never began"
    );
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains("RUNNING: the step goes on by itself"),
        "{screen}"
    );
    assert!(!screen.contains("space next step"), "{screen}");
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "filled")),
        "the step never ended"
    );
    // The last step: the status says the lesson is over.
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| a.script.as_ref().is_some_and(|s| s.done)),
        "the lesson never ended"
    );
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("THE END: q quit"), "{screen}");
    assert!(!screen.contains("space next step"), "{screen}");
}

#[test]
fn at_80x24_a_full_path_keeps_the_window_and_the_receiver_in_its_one_row() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    let script = STALLED.replace("sleep 2s\n", "sleep 2s\nselect C1\n");
    let lines = sockplay::script::parse_script(&script).unwrap();
    app.play("Stalled", lines, true);
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "filled")),
        "the step never ended"
    );
    let screen = render(&mut app, 80, 24);
    // The Selected pane has one row here: the sender's buffer, the zero
    // window and the receiver's buffer all in it, the applications left out.
    let row = screen
        .lines()
        .skip_while(|l| !l.contains("Selected · C1"))
        .nth(1)
        .unwrap_or_default()
        .to_string();
    assert!(row.contains("C1  ▶ sndbuf"), "{row}\n{screen}");
    assert!(row.contains("▶ wnd 0 ZERO ▶ A1 rcvbuf"), "{row}\n{screen}");
    assert!(!row.contains("blocked"), "{row}\n{screen}");
}
