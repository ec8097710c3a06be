//! A lesson played in the App without a terminal: space through steps,
//! notes and the kernel views they wait for, restarting a step, the
//! results a step keeps in sight, quitting at the end.

mod common;

use std::time::Duration;

use common::tui::{app, key, pump, pump_drawn};
use crossterm::event::KeyCode;
use sockplay::tui::app::{App, Mode, Msg};
use sockplay::tui::log::Entry;

/// At a lesson's end, whose footer says "q quit", q quits at once, though
/// a call the lesson made is still blocked (a recv with nothing coming).
#[test]
fn q_quits_at_a_lessons_end_though_its_calls_are_blocked() {
    let (mut app, rx) = app();
    let lines = sockplay::script::parse_script(
        "# lesson: Left waiting\nstep \"Last\"\nlisten\nconnect L1\nrecv C1 10\nnote \"C1 waits\"\n",
    )
    .unwrap();
    app.play("Left waiting", lines, true);
    // Space until the end: the step, then its note once the calls ran.
    let done = |a: &App| a.lab.pending_all() == 1 && a.script.as_ref().is_some_and(|s| s.done);
    for _ in 0..5 {
        key(&mut app, KeyCode::Char(' '));
        if pump_drawn(&mut app, &rx, done) {
            break;
        }
    }
    assert!(
        done(&app),
        "the lesson did not end with C1's recv blocked: pending {}, done {:?}",
        app.lab.pending_all(),
        app.script.as_ref().map(|s| s.done)
    );
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "{:?}", app.mode);
    app.lab.shutdown(Duration::from_secs(1));
}

/// A lesson's newest result longer than the results pane keeps the pane's
/// rows, not one: at 80×24 a restart's EADDRINUSE was cut to its first row
/// with three rows free below it, and the reason a note cited (whose
/// SO_REUSEADDR is off) was not on screen.
#[test]
fn a_long_newest_result_keeps_the_results_panes_rows_in_a_lesson() {
    let port = common::unused_port();
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    // The server closes first, so its side keeps the port in TIME-WAIT;
    // the restart sets SO_REUSEADDR on the new socket alone.
    // A note of four rows, as a lesson's: the results pane keeps four.
    let note = "Refused, and the result says why. ".repeat(8);
    let text = format!(
        "# lesson: Restart\nstep \"Restart\"\nlisten {port}\nconnect L1\naccept L1\nclose A1\nclose L1\nclose C1\nexpect A1 state=TIME-WAIT within 5s\nlisten {port} reuseaddr=on\nexpect L2 errno=EADDRINUSE\nnote \"{note}\"\n"
    );
    play_to_the_end(&mut app, &rx, "Restart", &text);
    let screen = common::tui::rows(&mut app, 80, 24);
    let pane = results_pane(&screen);
    let text: String = pane
        .iter()
        .map(|r| r.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("EADDRINUSE") && text.contains("its SO_REUSEADDR is off"),
        "the reason is cut:\n{}",
        screen.join("\n")
    );
    let filled = pane
        .iter()
        .filter(|r| !r.trim_matches(|c| c == '│' || c == ' ').is_empty())
        .count();
    assert_eq!(filled, pane.len(), "rows left free:\n{}", screen.join("\n"));
    app.lab.shutdown(Duration::from_secs(1));
}

/// A step's older results give way to their first rows before one of
/// them is left out whole: at 80×24, partial-send's first step showed its
/// connect and accept with a row free below them, and not its listen.
#[test]
fn older_results_keep_a_row_each_before_one_is_left_out() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    let note = "A note of two rows, as a lesson's. ".repeat(3);
    let text = format!(
        "# lesson: Three\nstep \"Three\"\nlisten rcvbuf=4k\nconnect L1 sndbuf=4k timeout=0\nwait C1\naccept L1\nwait L1\nexpect C1 sndbuf=8192\nnote \"{note}\"\n"
    );
    play_to_the_end(&mut app, &rx, "Three", &text);
    let screen = common::tui::rows(&mut app, 80, 24);
    let pane = results_pane(&screen);
    let text = screen.join("\n");
    for call in ["#1 ", "#2 ", "#3 "] {
        assert!(
            pane.iter().any(|r| r.contains(call)),
            "{call}left out:\n{text}"
        );
    }
    let free = pane
        .iter()
        .filter(|r| r.trim_matches(|c| c == '│' || c == ' ').is_empty())
        .count();
    assert_eq!(free, 0, "rows left free:\n{text}");
    app.lab.shutdown(Duration::from_secs(1));
}

fn lesson_lines() -> Vec<sockplay::script::Line> {
    sockplay::script::parse_script(
        "# lesson: Tiny\nstep \"One\"\nnote \"A listener.\"\nlisten\nstep \"Two\"\nnote \"A client.\"\nconnect L1\nstep \"Three\"\nnote \"The end.\"\n",
    )
    .unwrap()
}

#[test]
fn a_lesson_steps_on_space_reruns_and_restarts() {
    let (mut app, rx) = app();
    app.play("Tiny", lesson_lines(), true);
    let at = |app: &App| app.script.as_ref().unwrap().at_step;
    assert_eq!(at(&app), Some(0), "paused before the first step");
    assert!(app.lab.sockets().is_empty());
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump(&mut app, &rx, |a| at(a) == Some(3)),
        "timed out waiting"
    );
    assert_eq!(app.lab.sockets().len(), 1, "step one ran: L1");
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump(&mut app, &rx, |a| {
            at(a) == Some(6) && a.lab.pending_all() == 0
        }),
        "timed out waiting"
    );
    assert_eq!(app.lab.sockets().len(), 2, "step two ran: C1");
    // ⌫ runs this step again in a fresh lab: the same sockets, named as before.
    key(&mut app, KeyCode::Backspace);
    assert!(
        pump(&mut app, &rx, |a| {
            at(a) == Some(6) && a.lab.sockets().len() == 2 && a.lab.pending_all() == 0
        }),
        "timed out waiting"
    );
    let names: Vec<String> = app
        .lab
        .sockets()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    assert_eq!(names, ["L1", "C1"]);
    // Home goes back to the start: an empty lab, before the first step.
    key(&mut app, KeyCode::Home);
    assert_eq!(at(&app), Some(0));
    assert!(app.lab.sockets().is_empty());
    let restarts = app
        .log
        .entries()
        .iter()
        .filter(|e| matches!(e, Entry::Info(t) if t.contains("starts again")))
        .count();
    assert_eq!(restarts, 2);
}

/// A note shown beside the panes is read before a kernel view covers
/// them: the lesson stops before the `show` until space, then opens the
/// view beside the next note. A `show` with no note before it opens at once.
#[test]
fn a_kernel_view_waits_for_the_note_beside_the_panes() {
    use sockplay::tui::lesson::Stop;
    let (mut app, rx) = app();
    let lines = sockplay::script::parse_script(
        "# lesson: Views\nstep \"One\"\nlisten\nconnect L1\nnote \"C1 is in L1's queue.\"\nshow L1\nnote \"The view.\"\nstep \"Two\"\nshow L1\nnote \"At once.\"\nnote \"Beside it too.\"\nshow L1 counters\nnote \"The counters.\"\n",
    )
    .unwrap();
    app.play("Views", lines, true);
    let stop = |a: &App| a.script.as_ref().and_then(|s| s.stop());
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(stop(a), Some(Stop::View(_)))),
        "no stop before the view: {:?}",
        stop(&app)
    );
    assert!(
        matches!(app.mode, Mode::Normal),
        "the view opened over the note"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "space did not open the view: {:?}",
        stop(&app)
    );
    // Space closes it and goes on to step two, whose view opens at once.
    key(&mut app, KeyCode::Char(' '));
    assert!(pump_drawn(&mut app, &rx, |a| matches!(
        stop(a),
        Some(Stop::Step(_))
    )));
    key(&mut app, KeyCode::Char(' '));
    let both_notes = |a: &App| {
        matches!(a.mode, Mode::Show)
            && a.log
                .entries()
                .iter()
                .any(|e| matches!(e, Entry::Note(n) if n.contains("Beside it too")))
    };
    assert!(pump_drawn(&mut app, &rx, both_notes), "{:?}", stop(&app));
    // Notes beside a view are read before it closes: the next view waits
    // for that view to close, not for a stop of its own.
    assert!(
        !matches!(stop(&app), Some(Stop::View(_))),
        "a stop for a view under a view"
    );
    key(&mut app, KeyCode::Char(' '));
    let counters = |a: &App| {
        matches!(a.mode, Mode::Show)
            && a.log
                .entries()
                .iter()
                .any(|e| matches!(e, Entry::Note(n) if n.contains("The counters")))
    };
    assert!(
        pump_drawn(&mut app, &rx, counters),
        "space did not go on to the counters' view: {:?}",
        stop(&app)
    );
    app.lab.shutdown(Duration::from_secs(1));
}

/// While a class predicts, the empty panes say what the lab holds, not
/// which keys free play would press; in free play they offer the keys.
#[test]
fn a_lessons_empty_panes_carry_no_free_play_keys() {
    let hints = ["press n", "press c", ":connect L1 x3", "↑/↓ in Connections"];
    let (mut free_play, _rx) = app();
    let free = common::tui::render(&mut free_play, 100, 30);
    for h in hints {
        assert!(free.contains(h), "free play offers {h:?}:\n{free}");
    }
    let (mut playing, _rx2) = app();
    playing.play("Tiny", lesson_lines(), true);
    let lesson = common::tui::render(&mut playing, 100, 30);
    for h in hints {
        assert!(!lesson.contains(h), "a lesson shows {h:?}:\n{lesson}");
    }
    for fact in [
        "no listener yet",
        "no connections yet",
        "no connection selected",
    ] {
        assert!(lesson.contains(fact), "a lesson says {fact:?}:\n{lesson}");
    }
}

/// A non-blocking sendall at 80×24 keeps its newest send() in the results
/// pane while it waits: the calls a note describes ("sendall calls send(),
/// takes what fits, waits for room … and calls send() again") were left
/// out whole, a count of alike ones with them, and a row stood blank.
/// Then only the newest `send → EAGAIN` showed, its number jumping by four
/// with nothing to say why: a send() that took bytes stays beside it, and
/// the calls passed over are counted.
#[test]
fn a_waiting_sendall_keeps_its_newest_send_in_sight_at_80x24() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    let lines = sockplay::script::parse_script(
        "# lesson: Loop\nstep \"Loop\"\nlisten rcvbuf=4k\nconnect L1 sndbuf=4k timeout=0\nwait C1\n\
         accept L1\nwait L1\ndrain A1 on rate=16k/s\nsendall C1 64k\nnote \"C1's sendall loops.\"\n",
    )
    .unwrap();
    app.play("Loop", lines, true);
    key(&mut app, KeyCode::Char(' '));
    // Six or more steps of the loop: the older ones fold into a count.
    let parts = |a: &App| {
        a.log
            .entries()
            .iter()
            .filter(|e| matches!(e, Entry::Op(r) if r.part_of.is_some()))
            .count()
    };
    let noted = |a: &App| {
        a.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Note(n) if n.contains("loops")))
    };
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a) && parts(a) >= 6),
        "the loop never made six calls beside its note: {}",
        parts(&app)
    );
    let screen = common::tui::rows(&mut app, 80, 24);
    let pane = results_pane(&screen);
    let text = pane
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("[waiting] in poll() for room"), "{text}");
    assert!(text.contains("↳ send("), "no send() in sight:\n{text}");
    // A send() that took bytes stays beside the newest, and the calls
    // passed over are counted: the numbers do not jump unsaid.
    let took = pane.iter().any(|r| {
        r.contains("↳ send(")
            && r.split("→ ")
                .nth(1)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    });
    assert!(took, "no send() that took bytes in sight:\n{text}");
    let count = pane
        .iter()
        .position(|r| r.contains("send() calls of #") && r.contains("not shown, moving"))
        .unwrap_or_else(|| panic!("the calls passed over are not counted:\n{text}"));
    // The count adds up: what the calls passed over moved is what the
    // loop had sent before the next call shown, 64 KiB less its argument.
    let number = |r: &str, after: &str| -> u64 {
        let rest = &r[r.find(after).unwrap() + after.len()..];
        rest.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let moved = number(pane[count], "moving ");
    let next = pane[count + 1];
    assert!(
        next.contains("↳ send("),
        "no send() under the count:\n{text}"
    );
    assert_eq!(moved, 65536 - number(next, "send("), "{text}");
    // The path, wide enough to name the call, says it waits, not that it
    // is blocked: the socket may not block.
    let wide = common::tui::rows(&mut app, 100, 30).join("\n");
    assert!(wide.contains("waiting ▶ sndbuf"), "{wide}");
    assert!(!wide.contains("blocked ▶ sndbuf"), "{wide}");
    app.lab.shutdown(Duration::from_secs(1));
}

/// Plays the one-step lesson `text` to its end, space by space.
fn play_to_the_end(
    app: &mut App,
    rx: &std::sync::mpsc::Receiver<sockplay::lab::LabEvent>,
    name: &str,
    text: &str,
) {
    let lines = sockplay::script::parse_script(text).unwrap();
    app.play(name, lines, true);
    let done = |a: &App| a.script.as_ref().is_some_and(|s| s.done);
    for _ in 0..5 {
        key(app, KeyCode::Char(' '));
        if pump_drawn(app, rx, done) {
            break;
        }
    }
    assert!(done(app), "the lesson did not end");
}

/// The rows inside the Results pane of a drawn `screen`.
fn results_pane(screen: &[String]) -> Vec<&String> {
    let top = screen
        .iter()
        .position(|r| r.contains("Results"))
        .unwrap_or_else(|| panic!("no results pane:\n{}", screen.join("\n")));
    screen[top + 1..]
        .iter()
        .take_while(|r| !r.starts_with('└'))
        .collect()
}
