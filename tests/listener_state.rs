//! A listener's state in the listeners pane and the kernel view: LISTEN, or
//! CLOSED once the lab closed it, when the kernel holds nothing for it and a
//! connect to its port is refused.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::kernel::KernelReader;
use sockplay::lab::{Lab, LabEvent};
use sockplay::tui::app::{App, Msg};
use sockplay::tui::theme::Theme;
use sockplay::tui::view;

mod common;

fn run(app: &mut App, rx: &Receiver<LabEvent>, cmd: &str, done: impl Fn(&App) -> bool) {
    app.submit(cmd, sockplay::tui::log::Source::Typed);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(app) && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            app.update(Msg::Lab(e));
        }
    }
    assert!(done(app), "{cmd} did not finish");
}

fn render(app: &App, w: u16, h: u16) -> Vec<String> {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

#[test]
fn the_listeners_pane_says_listen_then_closed() {
    let (lab, rx) = Lab::new();
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    app.update(Msg::Resize(100, 30));
    run(&mut app, &rx, "listen", |a| a.lab.socket_count() == 1);
    let port = app.lab.sockets()[0].meta.local.unwrap().port();
    let snap = app.kernel.take(&app.lab.observer()).unwrap();
    app.update(Msg::Snapshot(Box::new(snap)));
    let areas = view::areas(&app, 100, 30);
    let head = |app: &App| render(app, 100, 30)[areas.listeners.y as usize + 1].clone();
    assert!(head(&app).contains("L1 127.0.0.1"), "{}", head(&app));
    assert!(head(&app).contains("LISTEN"), "{}", head(&app));
    // ss agrees that something listens there.
    assert_eq!(common::ss("-ltnH", port).len(), 1);
    run(&mut app, &rx, "close L1", |a| {
        a.lab.sockets()[0].meta.closed && !a.calls_in_flight()
    });
    let snap = app.kernel.take(&app.lab.observer()).unwrap();
    let l1 = snap.sockets.iter().find(|s| s.id.is_some()).unwrap();
    assert_eq!((l1.state.name(), l1.closed), ("CLOSED", true));
    app.update(Msg::Snapshot(Box::new(snap)));
    assert!(head(&app).contains("CLOSED"), "{}", head(&app));
    assert!(!head(&app).contains("LISTEN"), "{}", head(&app));
    // The kernel holds nothing for it: ss finds no listener on the port.
    assert!(common::ss("-ltnH", port).is_empty());
}

#[test]
fn a_closed_listener_refuses_a_connect_and_expect_sees_closed() {
    let run = common::run(
        "listen\nclose L1\nexpect L1 state=CLOSED\nconnect L1\nexpect C1 errno=ECONNREFUSED\n",
    );
    run.assert_ok();
}
