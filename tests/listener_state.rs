//! A listener's state in the listeners pane and the kernel view: LISTEN, or
//! CLOSED once the lab closed it, when the kernel holds nothing for it and a
//! connect to its port is refused.

mod common;

use common::tui::{app, rows, snapshot, submit};
use sockplay::tui::app::{App, Msg};
use sockplay::tui::view;

#[test]
fn the_listeners_pane_says_listen_then_closed() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(100, 30));
    submit(&mut app, &rx, "listen", |a| a.lab.socket_count() == 1);
    let port = app.lab.sockets()[0].meta.local.unwrap().port();
    snapshot(&mut app);
    let areas = view::areas(&app, 100, 30);
    let head = |app: &App| rows(app, 100, 30)[areas.listeners.y as usize + 1].clone();
    assert!(head(&app).contains("L1 127.0.0.1"), "{}", head(&app));
    assert!(head(&app).contains("LISTEN"), "{}", head(&app));
    // ss agrees that something listens there.
    assert_eq!(common::ss("-ltnH", port).len(), 1);
    submit(&mut app, &rx, "close L1", |a| {
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
