//! UDP sockets in the lab on screen, from a real lab: the connections pane
//! lists them, the selected pane shows the receive buffer and the drops,
//! and the keys offer sendto and recvfrom.

mod common;

use common::name;
use common::tui::{app, command, key, pump, render, snapshot};
use crossterm::event::KeyCode;
use sockplay::tui::app::{App, Mode, Msg};
use sockplay::tui::log::Entry;

/// Bytes the application sent on a socket.
fn sent(app: &App, sock: &str) -> u64 {
    app.lab.socket(name(sock)).map_or(0, |s| s.bytes_sent)
}

/// The commands run, in order (a key's command that waited for the one
/// before it runs from the queue).
fn commands(app: &App) -> Vec<String> {
    app.log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Command(t, _) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_udp_socket_shows_its_buffer_filling_and_its_drops() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(100, 30));
    command(&mut app, "udp");
    command(&mut app, "udp rcvbuf=4k");
    command(&mut app, "sendto U1 U2 1000 x3");
    assert!(pump(&mut app, &rx, |a| sent(a, "U1") == 3000), "timed out");
    snapshot(&mut app);
    command(&mut app, "sendto U1 U2 1000 x50");
    assert!(
        pump(&mut app, &rx, |a| sent(a, "U1") == 53_000),
        "timed out"
    );
    snapshot(&mut app);
    let u2 = app.view(name("U2")).unwrap();
    let drops = u2.drops().unwrap();
    assert!(drops > 0, "{u2:?}");
    app.sel_conn = Some(name("U2"));
    for (w, h) in [(100, 30), (80, 24)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&mut app, w, h);
        assert!(screen.contains("UNCONN"), "{screen}");
        assert!(
            screen.contains("datagrams in, datagrams dropped"),
            "{screen}"
        );
        assert!(
            screen.contains(&format!(
                "drops {drops} · arrived while the buffer was full"
            )),
            "{screen}"
        );
        assert!(screen.contains("FULL, DROPPING"), "{screen}");
        assert!(screen.contains("U2 rcvbuf"), "{screen}");
        // No "listener yet" to wait for: UDP has none to have.
        assert!(!screen.contains("no listener yet"), "{screen}");
        assert!(screen.contains("no listener: a UDP socket"), "{screen}");
        assert!(screen.contains("no accept()"), "{screen}");
    }
    // A TCP listener takes the pane as usual.
    command(&mut app, "listen");
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 3),
        "timed out"
    );
    snapshot(&mut app);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("L1 127.0.0.1:"), "{screen}");
    assert!(!screen.contains("UDP has no"), "{screen}");
}

#[test]
fn keys_on_a_udp_socket_offer_sendto_and_recvfrom() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(100, 30));
    // u: a new UDP socket, twice.
    for _ in 0..2 {
        key(&mut app, KeyCode::Char('u'));
        assert!(matches!(app.mode, Mode::Form(_)));
        key(&mut app, KeyCode::Enter);
    }
    assert!(
        pump(&mut app, &rx, |a| a.lab.socket_count() == 2),
        "timed out"
    );
    snapshot(&mut app);
    // s on U1: sendto, to the other UDP socket.
    app.sel_conn = Some(name("U1"));
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Enter);
    assert!(pump(&mut app, &rx, |a| sent(a, "U1") == 100), "timed out");
    // r on U2: recvfrom, 16 bytes of the 100 sent.
    app.sel_conn = Some(name("U2"));
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Enter);
    assert!(
        pump(&mut app, &rx, |a| {
            a.lab
                .socket(name("U2"))
                .is_some_and(|s| s.bytes_received == 16)
        }),
        "timed out"
    );
    // The result reaches the log a moment after the call ends.
    assert!(
        pump(&mut app, &rx, |a| {
            a.log.entries().iter().any(
                |e| matches!(e, sockplay::tui::log::Entry::Op(r) if r.call.name() == "recvfrom"),
            )
        }),
        "timed out"
    );
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("recvfrom(16)"), "{screen}");
    assert_eq!(
        commands(&app),
        [
            "udp 127.0.0.1:0 timeout=none",
            "udp 127.0.0.1:0 timeout=none",
            "sendto U1 U2 100",
            "recvfrom U2 16",
        ]
    );
    let screen = render(&mut app, 100, 30);
    // The result wraps at 100 columns.
    assert!(
        screen.contains("recvfrom(16)       → 16       [truncated: the datagram had 100 bytes"),
        "{screen}"
    );
    assert!(screen.contains("the other 84 are"), "{screen}");
}
