//! UDP sockets in the lab on screen, from a real lab: the connections pane
//! lists them, the selected pane shows the receive buffer and the drops,
//! and the keys offer sendto and recvfrom.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::kernel::{KernelReader, Snapshotter};
use sockplay::lab::{Lab, LabEvent, SockName};
use sockplay::tui::app::{App, Mode, Msg};
use sockplay::tui::log::Entry;
use sockplay::tui::theme::Theme;
use sockplay::tui::view;

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn command(app: &mut App, text: &str) {
    key(app, KeyCode::Char(':'));
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
    key(app, KeyCode::Enter);
    key(app, KeyCode::Esc);
}

/// Forwards the lab's events until `done` or 5 s.
fn pump(app: &mut App, rx: &Receiver<LabEvent>, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(app) && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            app.update(Msg::Lab(e));
        }
        app.update(Msg::Tick(Instant::now()));
    }
    assert!(done(app), "timed out");
}

fn snapshot(app: &mut App) {
    let snap = Snapshotter::live()
        .unwrap()
        .take(&app.lab.observer())
        .unwrap();
    app.update(Msg::Snapshot(Box::new(snap)));
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Bytes the application sent on a socket.
fn sent(app: &App, sock: &str) -> u64 {
    app.lab.socket(name(sock)).map_or(0, |s| s.bytes_sent)
}

fn name(s: &str) -> SockName {
    s.parse().unwrap()
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
    let (lab, rx) = Lab::new();
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    app.update(Msg::Resize(100, 30));
    command(&mut app, "udp");
    command(&mut app, "udp rcvbuf=4k");
    command(&mut app, "sendto U1 U2 1000 x3");
    pump(&mut app, &rx, |a| sent(a, "U1") == 3000);
    snapshot(&mut app);
    command(&mut app, "sendto U1 U2 1000 x50");
    pump(&mut app, &rx, |a| sent(a, "U1") == 53_000);
    snapshot(&mut app);
    let u2 = app.view(name("U2")).unwrap();
    let drops = u2.drops.unwrap();
    assert!(drops > 0, "{u2:?}");
    app.sel_conn = Some(name("U2"));
    for (w, h) in [(100, 30), (80, 24)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&app, w, h);
        assert!(screen.contains("UNCONN"), "{screen}");
        assert!(
            screen.contains("datagrams in, datagrams dropped"),
            "{screen}"
        );
        assert!(
            screen.contains(&format!("drops {drops}: arrived while the buffer was full")),
            "{screen}"
        );
        assert!(screen.contains("FULL, DROPPING"), "{screen}");
        assert!(screen.contains("U2 rcvbuf"), "{screen}");
    }
}

#[test]
fn keys_on_a_udp_socket_offer_sendto_and_recvfrom() {
    let (lab, rx) = Lab::new();
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    app.update(Msg::Resize(100, 30));
    // u: a new UDP socket, twice.
    for _ in 0..2 {
        key(&mut app, KeyCode::Char('u'));
        assert!(matches!(app.mode, Mode::Form(_)));
        key(&mut app, KeyCode::Enter);
    }
    pump(&mut app, &rx, |a| a.lab.socket_count() == 2);
    snapshot(&mut app);
    // s on U1: sendto, to the other UDP socket.
    app.sel_conn = Some(name("U1"));
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Enter);
    pump(&mut app, &rx, |a| sent(a, "U1") == 100);
    // r on U2: recvfrom, 16 bytes of the 100 sent.
    app.sel_conn = Some(name("U2"));
    key(&mut app, KeyCode::Char('r'));
    key(&mut app, KeyCode::Enter);
    pump(&mut app, &rx, |a| {
        a.lab
            .socket(name("U2"))
            .is_some_and(|s| s.bytes_received == 16)
    });
    // The result reaches the log a moment after the call ends.
    pump(&mut app, &rx, |a| {
        render(a, 100, 30).contains("recvfrom(16)")
    });
    assert_eq!(
        commands(&app),
        [
            "udp 127.0.0.1:0 timeout=none",
            "udp 127.0.0.1:0 timeout=none",
            "sendto U1 U2 100",
            "recvfrom U2 16",
        ]
    );
    let screen = render(&app, 100, 30);
    // The result wraps at 100 columns.
    assert!(
        screen.contains("recvfrom(16)       → 16       [truncated: the datagram had 100 bytes"),
        "{screen}"
    );
    assert!(screen.contains("the other 84 are"), "{screen}");
}
