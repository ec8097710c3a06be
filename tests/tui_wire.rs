//! The wire pane on a real lab: the ladder of the selected connection with
//! each segment's cause, bulk data folded, the freeze, and the one line
//! shown where capture is not possible. Capture needs CAP_NET_RAW (root,
//! as in CI); those tests say so when they cannot run.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::tui::{app, app_on, key, render};
use crossterm::event::KeyCode;
use sockplay::lab::{Lab, LabEvent, SockName};
use sockplay::tui::app::{App, Msg};
use sockplay::tui::log::Source;
use sockplay::tui::wire_pane::WirePane;

fn app_with_wire() -> (App, Receiver<LabEvent>) {
    let (lab, rx) = Lab::new();
    let wire = WirePane::start(&lab, None);
    let mut app = app_on(lab);
    app.wire = wire;
    (app, rx)
}

/// Runs commands and forwards the lab's events until `screen` shows what
/// `done` wants, or 5 s pass; returns the last screen.
fn until(
    app: &mut App,
    rx: &Receiver<LabEvent>,
    w: u16,
    h: u16,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        while let Ok(e) = rx.try_recv() {
            app.update(Msg::Lab(e));
        }
        app.update(Msg::Tick(Instant::now()));
        let screen = render(app, w, h);
        if done(&screen) || Instant::now() > deadline {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

#[test]
fn without_capture_the_pane_says_what_to_do_and_nothing_else_changes() {
    let (mut app, _rx) = app();
    let mut pane = WirePane::default();
    pane.off = Some(sockplay::wire::NO_CAPTURE_HINT.to_string());
    app.wire = pane;
    let before = render(&mut app, 100, 30);
    key(&mut app, KeyCode::Char('w'));
    let screen = render(&mut app, 100, 30);
    assert!(
        screen.contains("capture needs CAP_NET_RAW: run as root"),
        "{screen}"
    );
    assert!(screen.contains("setcap cap_net_raw+ep"), "{screen}");
    // The panes above are as they were.
    let top = |s: &str| s.lines().take(9).collect::<Vec<_>>().join("\n");
    assert_eq!(top(&before), top(&screen));
    key(&mut app, KeyCode::Char('w'));
    assert_eq!(render(&mut app, 100, 30), before);
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn the_ladder_shows_the_handshake_and_folds_bulk_data() {
        common::require_root("capturing packets");
        let (mut app, rx) = app_with_wire();
        for c in ["listen rcvbuf=16k", "connect L1", "accept L1"] {
            app.submit(c, Source::Typed);
        }
        app.sel_conn = Some("C1".parse::<SockName>().unwrap());
        key(&mut app, KeyCode::Char('w'));
        assert!(app.wire.shown);
        let screen = until(&mut app, &rx, 100, 30, |s| {
            s.contains("#3 accept") || s.contains("#2 connect")
        });
        assert!(
            screen.contains("C1 ──▶ L1") && screen.contains("#2 connect"),
            "{screen}"
        );
        assert!(screen.contains("wire · C1"), "{screen}");
        // The letters are said under the ladder, and a window is written as
        // the path of a byte writes one (`63.6k`, not `63 KB`).
        assert!(screen.contains("S. SYN-ACK"), "{screen}");
        assert!(!screen.contains(" KB "), "{screen}");

        // 256 KiB in one send: many segments, shown as one folded line.
        app.submit("sendall C1 256k", Source::Typed);
        app.submit("drain A1 on", Source::Typed);
        let screen = until(&mut app, &rx, 100, 30, |s| s.contains("data segments"));
        assert!(screen.contains("data segments"), "{screen}");
        assert!(screen.contains("time-sequence C1 → A1"), "{screen}");
        // Which line is which, on a projector's 100×30 too.
        for name in ["window edge", "acked", "data sent"] {
            assert!(screen.contains(name), "{name}: {screen}");
        }
        let screen80 = render(&mut app, 80, 24);
        assert!(screen80.contains("wire · C1"), "{screen80}");
        assert!(screen80.contains("S SYN ·"), "{screen80}");
        // The graph's time axis at 80×24: two times, whole, the end no
        // earlier than the start (a cut `48.38s` once read `8.38s`).
        let times: Vec<f64> = screen80
            .lines()
            .filter_map(|l| l.rsplit('│').nth(1))
            .filter_map(|cell| {
                let t: Vec<f64> = cell
                    .split_whitespace()
                    .filter_map(|w| w.strip_suffix('s')?.parse().ok())
                    .collect();
                (t.len() == 2).then_some(t)
            })
            .next_back()
            .expect("the time-sequence graph labels its time axis");
        let first = app.wire.ladder(app.sel_conn).segments[0].t.as_secs_f64();
        assert!(
            times[0] >= first.floor() && times[1] >= times[0],
            "{times:?}: {screen80}"
        );

        // Frozen, the ladder stands still while the lab goes on.
        key(&mut app, KeyCode::Char('p'));
        let frozen = app.wire.ladder(app.sel_conn).segments.len();
        app.submit("send C1 100", Source::Typed);
        for _ in 0..15 {
            app.update(Msg::Tick(Instant::now()));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(app.wire.ladder(app.sel_conn).segments.len(), frozen);
        assert!(render(&mut app, 100, 30).contains("FROZEN"));
        key(&mut app, KeyCode::Char('p'));
        let deadline = Instant::now() + Duration::from_secs(3);
        while app.wire.ladder(app.sel_conn).segments.len() <= frozen && Instant::now() < deadline {
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
            app.update(Msg::Tick(Instant::now()));
            std::thread::sleep(Duration::from_millis(20));
        }
        let now = app.wire.ladder(app.sel_conn).segments.len();
        assert!(
            now > frozen,
            "thawed, the ladder goes on: {frozen}, then {now}"
        );
        // On a projector's 100 columns a data segment's row still has its
        // length, its window and the call that sent it.
        let screen = render(&mut app, 100, 30);
        assert!(
            screen
                .lines()
                .any(|l| l.contains("──▶ A1") && l.contains(" B  win ") && l.contains(" send")),
            "{screen}"
        );
        app.lab.shutdown(Duration::from_secs(1));
    }

    /// A lesson's `select S wire held` keeps the ladder as it was at the
    /// select while the step's notes are read; a later segment shows when
    /// the next step begins.
    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_lesson_holds_the_wire_at_its_select_until_the_step_ends() {
        common::require_root("capturing packets");
        let (mut app, rx) = app_with_wire();
        let lines = sockplay::script::parse_script(
            "step \"One\"\nlisten\nconnect L1\naccept L1\nwait L1\nselect C1 wire held\nnote \"Held.\"\nsend C1 \"later\"\nnote \"Sent.\"\nstep \"Two\"\nnote \"After.\"\n",
        )
        .unwrap();
        app.play("Held", lines, true);
        key(&mut app, KeyCode::Char(' '));
        let c1 = "C1".parse::<SockName>().unwrap();
        assert!(common::tui::pump_drawn(&mut app, &rx, |a| a
            .last
            .get(&c1)
            .is_some_and(|r| r.call.name() == "send")));
        let held = app.wire.held_at.expect("the select held the pane");
        // The 5 bytes went out (captured), after the hold.
        let sent = |app: &App| {
            app.wire.wire.as_ref().is_some_and(|w| {
                w.with_recent(|ring| ring.iter().any(|s| s.len == 5 && s.t > held))
            })
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !sent(&app) && Instant::now() < deadline {
            app.update(Msg::Tick(Instant::now()));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(sent(&app), "the send's segment was captured");
        let ladder = app.wire.ladder(Some(c1));
        assert!(!ladder.segments.is_empty(), "the handshake is in sight");
        assert!(
            ladder.segments.iter().all(|s| s.t <= held && s.len != 5),
            "held: nothing after the select"
        );
        let screen = render(&mut app, 100, 30);
        assert!(screen.contains("held at"), "{screen}");
        key(&mut app, KeyCode::Char(' '));
        assert!(common::tui::pump_drawn(&mut app, &rx, |a| a
            .wire
            .held_at
            .is_none()));
        assert!(
            app.wire
                .ladder(Some(c1))
                .segments
                .iter()
                .any(|s| s.len == 5),
            "the next step lets the newer segments in"
        );
        app.lab.shutdown(Duration::from_secs(1));
    }

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_command_typed_while_the_capture_opens_is_captured_from_its_first_segment() {
        common::require_root("capturing packets");
        let (lab, rx) = Lab::new();
        let wire = WirePane::start_in_background(&lab, None);
        let mut app = app_on(lab);
        app.wire = wire;
        // At once, before the ring is made: the command waits for the capture.
        for c in ["listen", "connect L1"] {
            app.submit(c, Source::Typed);
        }
        assert!(!app.wire.opening());
        app.sel_conn = Some("C1".parse::<SockName>().unwrap());
        key(&mut app, KeyCode::Char('w'));
        let screen = until(&mut app, &rx, 100, 30, |s| s.contains(" S.  "));
        assert!(
            screen.contains("C1 ──▶ L1  S ") && screen.contains("#2 connect"),
            "the connect's SYN was captured: {screen}"
        );
        app.lab.shutdown(Duration::from_secs(1));
    }

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn an_accepted_socket_shows_its_handshake_before_it_sends_anything() {
        common::require_root("capturing packets");
        let (mut app, rx) = app_with_wire();
        for c in ["listen", "connect L1"] {
            app.submit(c, Source::Typed);
        }
        // The handshake is captured before A1 has a name: C1 → L1, L1 → C1.
        let captured = |app: &App| app.wire.wire.as_ref().map_or(0, |w| w.stats().segments);
        let deadline = Instant::now() + Duration::from_secs(5);
        while captured(&app) < 3 && Instant::now() < deadline {
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
            app.update(Msg::Tick(Instant::now()));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(captured(&app), 3, "the handshake was captured");
        app.submit("accept L1", Source::Typed);
        let a1 = "A1".parse::<SockName>().unwrap();
        let paired = |app: &App| {
            app.snapshot.as_ref().is_some_and(|s| {
                s.sockets
                    .iter()
                    .any(|v| v.id == Some(a1) && v.pair.is_some())
            })
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !paired(&app) && Instant::now() < deadline {
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
            common::tui::snapshot(&mut app);
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(paired(&app), "the kernel view pairs A1 with C1");
        app.sel_conn = Some("A1".parse::<SockName>().unwrap());
        key(&mut app, KeyCode::Char('w'));
        let screen = until(&mut app, &rx, 100, 30, |s| s.contains(" S.  "));
        assert!(screen.contains("wire · A1 · 3 segments"), "{screen}");
        assert!(
            screen.contains("C1 ──▶ L1  S ") && screen.contains("#2 connect"),
            "{screen}"
        );
        app.lab.shutdown(Duration::from_secs(1));
    }

    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn an_accepted_socket_of_a_peer_outside_the_lab_shows_its_handshake() {
        common::require_root("capturing packets");
        let (mut app, rx) = app_with_wire();
        app.submit("listen", Source::Typed);
        let l1 = "L1".parse::<SockName>().unwrap();
        // Bounded: 5 s for the listener to have its address.
        let mut port = None;
        for _ in 0..250 {
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
            port = app
                .lab
                .observer()
                .ends()
                .iter()
                .find(|e| e.0 == l1)
                .and_then(|e| e.1)
                .map(|a| a.port());
            if port.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let port = port.expect("L1 listens");
        // A program outside the lab connects and writes before it is accepted.
        let mut peer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::io::Write::write_all(&mut peer, b"hello").unwrap();
        let captured = |app: &App| app.wire.wire.as_ref().map_or(0, |w| w.stats().segments);
        let deadline = Instant::now() + Duration::from_secs(5);
        while captured(&app) < 5 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        app.submit("accept L1", Source::Typed);
        let a1 = "A1".parse::<SockName>().unwrap();
        let known = |app: &App| {
            app.snapshot.as_ref().is_some_and(|s| {
                s.sockets
                    .iter()
                    .any(|v| v.id == Some(a1) && v.peer.is_some())
            })
        };
        while !known(&app) && Instant::now() < deadline + Duration::from_secs(5) {
            while let Ok(e) = rx.try_recv() {
                app.update(Msg::Lab(e));
            }
            common::tui::snapshot(&mut app);
            std::thread::sleep(Duration::from_millis(20));
        }
        app.sel_conn = Some(a1);
        key(&mut app, KeyCode::Char('w'));
        let screen = until(&mut app, &rx, 100, 30, |s| s.contains("5 B"));
        assert!(screen.contains("──▶ L1  S "), "{screen}");
        assert!(screen.contains("5 B"), "{screen}");
        drop(peer);
        app.lab.shutdown(Duration::from_secs(1));
    }
}
