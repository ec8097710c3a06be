//! A lesson played in the TUI on a real lab, looked at where it waits for
//! the reader (each `pause`, each step's end) on a projector (100×30) and
//! at 80×24: the results of the calls the notes just talked about are on
//! screen, however long the narration and however many checks ran, and so
//! is the connection the step's lines acted on last, however far down the
//! connections pane it is.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::tui::{app, key};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::lab::LabEvent;
use sockplay::script::parse_script;
use sockplay::tui::app::{App, Msg};
use sockplay::tui::log::Entry;
use sockplay::tui::view;

/// The rows of the screen inside `area`, without its border: drawn at
/// `w`×`h` with the layout measured for that size and handed to the App
/// first, as the program's loop does before each frame.
fn rows_in(
    app: &mut App,
    w: u16,
    h: u16,
    pick: impl Fn(&view::layout::Areas) -> ratatui::layout::Rect,
) -> Vec<String> {
    let size = app.size;
    app.size = (w, h);
    sockplay::tui::settle(app);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    app.size = size;
    sockplay::tui::settle(app);
    let buf = term.backend().buffer().clone();
    let r = pick(&view::areas(app, w, h));
    (r.y + 1..r.y + r.height - 1)
        .map(|y| {
            (r.x + 1..r.x + r.width - 1)
                .map(|x| buf[(x, y)].symbol())
                .collect()
        })
        .collect()
}

/// Draws a frame whenever the App has something new, as the terminal
/// loop does, and forwards the lab's events, until the lesson waits for
/// the reader or ends (15 s at most).
fn run_to_stop(app: &mut App, rx: &Receiver<LabEvent>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    // A lesson also waits while a `show` covers the screen, for the reader
    // to close it.
    let stopped = |a: &App| {
        let s = a.script.as_ref().unwrap();
        matches!(a.mode, sockplay::tui::app::Mode::Show)
            || ((s.stop().is_some() || s.done) && !s.holding && !s.player.is_busy())
    };
    while !stopped(app) && Instant::now() < deadline {
        // As the terminal loop does: every message there is, then one frame.
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(10)) {
            app.update(Msg::Lab(e));
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
        }
        app.update(Msg::Tick(Instant::now()));
        if app.dirty {
            rows_in(app, 100, 30, |a| a.results);
            app.dirty = false;
            app.update(Msg::Drawn);
        }
    }
    assert!(stopped(app), "the lesson stopped for the reader");
}

/// Plays lesson `name` to its end; at each place it waits for the reader,
/// the results of the calls since the last such place must show in the
/// results pane at 100×30 and at 80×24: all of them when their lines fit
/// in the pane, the newest otherwise.
fn results_in_sight(name: &str) {
    let lesson = sockplay::script::lessons::find(name).unwrap();
    let (mut app, rx) = app();
    app.play(name, parse_script(&lesson.text).unwrap(), true);
    let mut seen = 0;
    let mut ran = 0;
    for _ in 0..60 {
        run_to_stop(&mut app, &rx);
        let script = app.script.as_ref().unwrap();
        let now = script.player.position();
        let acted = last_connection_named(&script.player.lines()[ran..now], &app.log, seen);
        ran = now;
        // The sampler hands the App a kernel view several times a second.
        let snap = app.kernel.take(&app.lab.observer()).unwrap();
        app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
        let ops: Vec<u64> = app
            .log
            .entries()
            .iter()
            .skip(seen)
            .filter_map(|e| match e {
                Entry::Op(r) if r.part_of.is_none() => Some(r.seq),
                Entry::Blocked(c) => Some(c.seq),
                _ => None,
            })
            .collect();
        // The runs of alike results since the last stop (the same command,
        // the same call on the same socket returning the same, with only
        // commands between): each run's newest stands for it, the rest
        // counted above it (`sleep`, then `send C1 100k`, five times over).
        let mut runs: Vec<(u64, String)> = Vec::new();
        let mut command = String::new();
        let mut open = false;
        for e in app.log.entries().iter().skip(seen) {
            match e {
                Entry::Command(c, _) if !c.starts_with("sleep ") => command = c.clone(),
                Entry::Command(..) | Entry::Note(_) => {}
                Entry::Op(r) if r.part_of.is_none() => {
                    let key = format!(
                        "{command} {} {:?} {:?} {:?} {:?}",
                        r.sock, r.call, r.arg, r.outcome, r.kind
                    );
                    match runs.last_mut() {
                        Some((seq, k)) if open && *k == key => *seq = r.seq,
                        _ => runs.push((r.seq, key)),
                    }
                    open = true;
                    continue;
                }
                Entry::Blocked(c) => runs.push((c.seq, String::new())),
                _ => {}
            }
            if !matches!(e, Entry::Command(..) | Entry::Note(_)) {
                open = false;
            }
        }
        seen = app.log.len();
        // A `show` covers the screen with the kernel view; the reader
        // closes it (Esc) to see the panes.
        if matches!(app.mode, sockplay::tui::app::Mode::Show) {
            key(&mut app, KeyCode::Esc);
        }
        for (w, h) in [(100, 30), (80, 24)] {
            if let Some(sock) = &acted {
                let conns = rows_in(&mut app, w, h, |a| a.connections);
                let at = app.script.as_ref().unwrap().stop();
                assert!(
                    conns.iter().any(|r| r
                        .strip_prefix(sock.as_str())
                        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))),
                    "{name} at {at:?}, {w}×{h}: {sock} is not in the connections pane:\n{}",
                    conns.join("\n")
                );
            }
            // A step that opened the wire (`select S wire`) shows the
            // segments in the results' place, as its notes ask.
            if app.wire.shown {
                continue;
            }
            let rows = rows_in(&mut app, w, h, |a| a.results);
            let shown = |seq: &u64| rows.iter().any(|r| r.starts_with(&format!("#{seq} ")));
            let at = app.script.as_ref().unwrap().stop();
            if let Some(last) = ops.last() {
                assert!(
                    shown(last),
                    "{name} at {at:?}, {w}×{h}: #{last} is not on screen:\n{}",
                    rows.join("\n")
                );
            }
            // A count of alike results sits right above the result it
            // names: under another call's result it read as its repeats.
            for (i, r) in rows.iter().enumerate() {
                if let Some(newest) = counted_into(r) {
                    assert!(
                        rows.get(i + 1)
                            .is_some_and(|next| next.starts_with(&format!("{newest} "))),
                        "{name} at {at:?}, {w}×{h}: \"{r}\" is not above {newest}:\n{}",
                        rows.join("\n")
                    );
                }
            }
            // The ops since the last stop, one or two rows each: all show
            // when the pane has room for two rows each.
            // A long run of results (sendto x200) is counted, not lost.
            if ops.len() > 20 {
                assert!(
                    rows.iter().any(|r| counted_into(r).is_some()),
                    "{name} at {at:?}, {w}×{h}: {} results, none counted:\n{}",
                    ops.len(),
                    rows.join("\n")
                );
            }
            // Each run of alike results shows its newest, when the pane
            // has two rows for each run (the count takes the older ones' room
            // as they give way to their first row): a note that
            // talks of the first retry and of the five after it has both
            // on screen.
            if runs.len() * 2 <= rows.len() {
                for (seq, _) in &runs {
                    assert!(
                        shown(seq),
                        "{name} at {at:?}, {w}×{h}: #{seq} (the newest of its run) is not on screen:\n{}",
                        rows.join("\n")
                    );
                }
            }
            if ops.len() * 2 <= rows.len() {
                for seq in &ops {
                    assert!(
                        shown(seq),
                        "{name} at {at:?}, {w}×{h}: #{seq} is not on screen:\n{}",
                        rows.join("\n")
                    );
                }
            }
        }
        if app.script.as_ref().unwrap().done {
            let failed: Vec<&Entry> = app
                .log
                .entries()
                .iter()
                .filter(|e| matches!(e, Entry::Expect(r) if !r.ok))
                .collect();
            assert!(failed.is_empty(), "{name}: {failed:?}");
            app.lab.shutdown(Duration::from_secs(1));
            return;
        }
        key(&mut app, KeyCode::Char(' '));
    }
    panic!("{name} did not end");
}

/// The connection (or UDP socket) the lines acted on last: named by a
/// command, a wait or an expect, or made by a call logged after entry `from`.
fn last_connection_named(
    lines: &[sockplay::script::Line],
    log: &sockplay::tui::log::Log,
    from: usize,
) -> Option<String> {
    use sockplay::lab::Role;
    use sockplay::script::Statement;
    // A socket closed among these lines is in no pane any more.
    let closed: Vec<sockplay::lab::SockName> = lines
        .iter()
        .filter(|l| l.text.trim_start().starts_with("close "))
        .filter_map(|l| match &l.statement {
            Statement::Lab(cmd) => cmd.subject(),
            _ => None,
        })
        .collect();
    let conn = |s: &sockplay::lab::SockName| s.role != Role::Listener && !closed.contains(s);
    let mut named = lines.iter().filter_map(|l| match &l.statement {
        Statement::Lab(cmd) => cmd.subject(),
        Statement::Wait { sock, .. } | Statement::Select(sock, ..) => Some(*sock),
        Statement::Expect(e) => Some(e.sock),
        _ => None,
    });
    let mut made = log.entries().iter().skip(from).filter_map(|e| match e {
        Entry::Op(r) => r.created.last().copied(),
        _ => None,
    });
    // Made sockets count after the lines that made them; the last of either.
    let last_line = named.rfind(conn);
    let last_made = made.rfind(conn);
    last_line.or(last_made).map(|s| s.to_string())
}

#[test]
fn backlog_keeps_its_clients_in_sight() {
    results_in_sight("backlog");
}

#[test]
fn first_connection_keeps_its_results_in_sight() {
    results_in_sight("first-connection");
}

#[test]
fn closing_keeps_its_results_in_sight() {
    results_in_sight("closing");
}

#[test]
fn udp_keeps_its_results_in_sight() {
    results_in_sight("udp");
}

#[test]
fn partial_send_keeps_the_first_retry_beside_the_ones_that_failed() {
    results_in_sight("partial-send");
}

/// The `✓` rows of the results pane at `sizes`: checks that held.
fn checks_drawn(app: &mut App, sizes: &[(u16, u16)]) -> Vec<String> {
    sizes
        .iter()
        .flat_map(|&(w, h)| rows_in(app, w, h, |a| a.results))
        .filter(|r| r.starts_with("✓ "))
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// Two steps: the first checks a listener, the second asks a question
/// about it.
const TWO_STEPS: &str = "step \"One\"\nlisten\nexpect L1 state=LISTEN\n\
                         step \"Two\"\nnote \"A client connects. What becomes of L1's accept queue?\"\n\
                         pause\nconnect L1\nexpect L1 accept_queue=1\n";

/// A step's checks show with the step, at 100×30 and at 80×24; at the
/// next step's question they are gone (beside it, an earlier step's
/// figures could give the answer away).
#[test]
fn an_earlier_steps_checks_do_not_stand_beside_the_next_question() {
    let sizes = [(100, 30), (80, 24)];
    let (mut app, rx) = app();
    app.play("two steps", parse_script(TWO_STEPS).unwrap(), true);
    // Space until the question, the rows kept at each stop before it.
    let mut stops = Vec::new();
    for _ in 0..5 {
        run_to_stop(&mut app, &rx);
        let stop = app.script.as_ref().unwrap().stop();
        stops.push(checks_drawn(&mut app, &sizes));
        if matches!(stop, Some(sockplay::tui::lesson::Stop::Pause(_))) {
            break;
        }
        key(&mut app, KeyCode::Char(' '));
    }
    app.lab.shutdown(Duration::from_secs(1));
    let asked = stops.pop().unwrap();
    let first = stops.pop().unwrap_or_default();
    assert_eq!(
        first,
        vec!["✓ L1 is LISTEN"; 2],
        "the step's own check, at both sizes, as a statement"
    );
    assert!(asked.is_empty(), "at the next step's question: {asked:?}");
}

/// The same lines as a script that is no lesson: its results keep every
/// line, the first step's check too.
#[test]
fn a_script_keeps_every_check() {
    let (mut app, rx) = app();
    app.play("two steps", parse_script(TWO_STEPS).unwrap(), false);
    for _ in 0..5 {
        run_to_stop(&mut app, &rx);
        if app.script.as_ref().unwrap().done {
            break;
        }
        key(&mut app, KeyCode::Char(' '));
    }
    let drawn = checks_drawn(&mut app, &[(100, 30)]);
    app.lab.shutdown(Duration::from_secs(1));
    assert_eq!(
        drawn,
        vec!["✓ expect L1 state=LISTEN", "✓ expect L1 accept_queue=1"]
    );
}

/// A step that checks, then asks: at the question its check that held is
/// out of sight (beside a question a check could give the answer away),
/// and once space is pressed it is back, with the answer's.
const ASKING: &str = "step \"One\"\nlisten\nexpect L1 state=LISTEN\n\
                      note \"A client connects. What becomes of L1's accept queue?\"\n\
                      pause\nconnect L1\nexpect L1 accept_queue=1\n";

#[test]
fn a_question_stands_without_the_checks_beside_it() {
    let sizes = [(100, 30), (80, 24)];
    let (mut app, rx) = app();
    app.play("asking", parse_script(ASKING).unwrap(), true);
    let mut asked = None;
    for _ in 0..5 {
        run_to_stop(&mut app, &rx);
        let s = app.script.as_ref().unwrap();
        let (pause, done) = (
            matches!(s.stop(), Some(sockplay::tui::lesson::Stop::Pause(_))),
            s.done,
        );
        if pause {
            asked = Some(checks_drawn(&mut app, &sizes));
        }
        if done {
            break;
        }
        key(&mut app, KeyCode::Char(' '));
    }
    let answered = checks_drawn(&mut app, &[(100, 30)]);
    app.lab.shutdown(Duration::from_secs(1));
    assert_eq!(asked, Some(Vec::new()), "at the question");
    assert_eq!(answered, vec!["✓ L1 is LISTEN", "✓ L1 accept queue 1"]);
}

/// The call a row that counts a run of alike results names as the one
/// they are like (`#10` of `⋮ #6 to #9 are 4 more like #10 below: same
/// call, same result`); `None` for any other row.
fn counted_into(row: &str) -> Option<&str> {
    let (_, rest) = row.split_once("⋮ ")?;
    let (_, like) = rest.split_once(" more like ")?;
    let (newest, tail) = like.split_once(" below: ")?;
    (tail.trim_end() == "same call, same result").then_some(newest)
}

/// A send that blocks, then times out, three times over: the results
/// count the older ones with the newest, by number.
const TIMED_OUT_SENDS: &str = "step \"One\"\nlisten rcvbuf=4k\n\
                               connect L1 sndbuf=4k timeout=500ms\naccept L1\n\
                               send C1 1m\nsend C1 1m\nwait C1\nsend C1 1m\nwait C1\n\
                               send C1 1m\nwait C1\n";

/// A call told blocked that has ended says its result is further down:
/// there it must be, on its own row, or named by the row that counts a
/// run of alike results (`⋮ #6 is one more like #7 below: same call, same
/// result`),
/// never counted away as a bare number.
#[test]
fn a_blocked_line_promises_only_a_result_on_screen() {
    let (mut app, rx) = app();
    app.play(
        "timed out sends",
        parse_script(TIMED_OUT_SENDS).unwrap(),
        true,
    );
    for _ in 0..5 {
        run_to_stop(&mut app, &rx);
        if app.script.as_ref().unwrap().done {
            break;
        }
        key(&mut app, KeyCode::Char(' '));
    }
    for (w, h) in [(100, 30), (80, 24)] {
        let rows = rows_in(&mut app, w, h, |a| a.results);
        assert!(
            rows.iter().any(|r| counted_into(r).is_some()),
            "{w}×{h}: no run counted:\n{}",
            rows.join("\n")
        );
        for (i, row) in rows.iter().enumerate() {
            if !row.contains("further down") {
                continue;
            }
            let seq = row.split_whitespace().next().unwrap();
            let named = rows[i + 1..].iter().any(|r| {
                (r.starts_with(&format!("{seq} ")) && r.contains('→'))
                    || (r.contains("⋮ ") && r.contains(&format!("{seq} ")))
            });
            assert!(
                named,
                "{w}×{h}: {seq} promises a result further down:\n{}",
                rows.join("\n")
            );
        }
    }
    app.lab.shutdown(Duration::from_secs(1));
}

/// partial-recv at 100×30 asked "What will recv(16) return: the first
/// send's 8 bytes, or all 16?" beside step 1's "recv(16) → 8 … recv
/// returns what is there, at most the 16 asked": the rule that answers
/// it. At a question, the results show nothing of an earlier step; once
/// the question is answered, they may again.
#[test]
fn an_earlier_steps_results_do_not_stand_beside_the_next_question() {
    let script = "step \"One\"\nlisten\nconnect L1\naccept L1\nwait L1\n\
                  send C1 \"Hi there\"\nexpect A1 recvq=8\nrecv A1 16\n\
                  step \"Two\"\nnote \"C1 sends 8 bytes more. What will recv(16) return?\"\n\
                  pause\nsend C1 \", server\"\nexpect A1 recvq=8\nrecv A1 16\n";
    let sizes = [(100, 30), (80, 24)];
    let (mut app, rx) = app();
    app.play("two steps", parse_script(script).unwrap(), true);
    let drawn = |app: &mut App| -> Vec<String> {
        sizes
            .iter()
            .flat_map(|&(w, h)| rows_in(app, w, h, |a| a.results))
            .map(|r| r.trim_end().to_string())
            .collect()
    };
    let mut asked = Vec::new();
    let mut first = Vec::new();
    for _ in 0..5 {
        run_to_stop(&mut app, &rx);
        let stop = app.script.as_ref().unwrap().stop();
        if matches!(stop, Some(sockplay::tui::lesson::Stop::Pause(_))) {
            asked = drawn(&mut app);
            break;
        }
        first = drawn(&mut app);
        key(&mut app, KeyCode::Char(' '));
    }
    app.lab.shutdown(Duration::from_secs(1));
    let recv = |rows: &[String]| rows.iter().any(|r| r.contains("recv(16)"));
    assert!(recv(&first), "step one's recv, at its end: {first:?}");
    assert!(
        !asked.is_empty() && !recv(&asked),
        "at step two's question: {asked:?}"
    );
    assert!(asked.iter().any(|r| r.contains("Two")), "{asked:?}");
}
