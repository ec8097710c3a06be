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
    let head = |app: &mut App| rows(app, 100, 30)[areas.listeners.y as usize + 1].clone();
    let h = head(&mut app);
    assert!(h.contains("L1 127.0.0.1") && h.contains("LISTEN"), "{h}");
    // ss agrees that something listens there.
    assert_eq!(common::ss("-ltnH", port).len(), 1);
    submit(&mut app, &rx, "close L1", |a| {
        a.lab.sockets()[0].meta.closed && !a.calls_in_flight()
    });
    let snap = app.kernel.take(&app.lab.observer()).unwrap();
    let l1 = snap.sockets.iter().find(|s| s.id.is_some()).unwrap();
    assert_eq!((l1.state.name(), l1.closed), ("CLOSED", true));
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let h = head(&mut app);
    assert!(h.contains("CLOSED") && !h.contains("LISTEN"), "{h}");
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

/// `close L1 rst` says what SO_LINGER 0 does to a listener: nothing of its
/// own; as any close of a listener, it resets the connections still in its
/// accept queue, which each client then reads as ECONNRESET. Both closes
/// are checked against the clients, and the same happens after each.
#[test]
fn closing_a_listener_with_rst_resets_its_queued_connections_as_any_close_does() {
    for close in ["close L1 rst", "close L1"] {
        let run = common::run(&format!(
            "listen\nconnect L1 x2\nexpect L1 accept_queue=2\n{close}\nrecv C1 10\nrecv C2 10\n"
        ));
        run.assert_ok();
        let said = &run.call("L1", "close").explain;
        for c in ["C1", "C2"] {
            let r = run.call(c, "recv");
            assert_eq!(
                r.outcome.errno().map(|e| e.name()).as_deref(),
                Some("ECONNRESET"),
                "{close}: {c} was reset: {r:?}"
            );
        }
        assert!(said.contains("accept queue are reset"), "{close}: {said}");
        assert!(!said.contains("a reset (RST) was sent"), "{close}: {said}");
        if close.ends_with("rst") {
            assert!(said.contains("no peer"), "{said}");
        }
    }
}
