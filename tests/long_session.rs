//! A long session: hundreds of clients connect, talk and close through the
//! TUI's command line, and what the TUI walks every tick and keeps stays
//! the size of the sockets the kernel still holds, not of all ever made.
//! The kernel's own table (`ss`) says which those are.

mod common;

use common::tui::{app, snapshot, submit};
use sockplay::lab::SockName;
use sockplay::tui::app::{KEPT_RETIRED, TYPED_KEPT};

const ROUNDS: u32 = 300;

/// Connections to or from 127.0.0.1:`port` the kernel holds, in any state
/// but LISTEN, that are this process's or no process's (TIME-WAIT and the
/// like): another process's connections that happen to use the same port
/// number elsewhere are not the lab's (ss).
fn held_on(port: u16) -> Vec<String> {
    let out = std::process::Command::new("ss")
        .args(["-Htanp", &format!("( sport = :{port} or dport = :{port} )")])
        .output()
        .expect("ss (iproute2) is installed");
    let me = format!("pid={},", std::process::id());
    let ours = format!("127.0.0.1:{port}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with("LISTEN"))
        .filter(|l| !l.contains("users:(") || l.contains(&me))
        // Both ends on 127.0.0.1, one of them the lab's port: other
        // programs' connections on other addresses are not the lab's.
        .filter(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            words.len() >= 5
                && words[3].starts_with("127.0.0.1:")
                && words[4].starts_with("127.0.0.1:")
                && (words[3] == ours || words[4] == ours)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn closed_sockets_leave_what_each_tick_walks() {
    let (mut app, rx) = app();
    let port = common::free_port();
    let has = |n: &'static str| {
        move |a: &sockplay::tui::app::App| a.last.contains_key(&n.parse::<SockName>().unwrap())
    };
    submit(
        &mut app,
        &rx,
        &format!("listen 127.0.0.1:{port}"),
        has("L1"),
    );
    // Entries from before the lab (another program's TIME-WAIT with this
    // port at one end, from when the port was its) are not the lab's.
    let before = held_on(port);
    for i in 1..=ROUNDS {
        let (c, a) = (format!("C{i}"), format!("A{i}"));
        let done = |name: &str, seq_after: u64| {
            let name: SockName = name.parse().unwrap();
            move |app: &sockplay::tui::app::App| {
                app.last.get(&name).is_some_and(|r| r.seq > seq_after)
            }
        };
        let seq =
            |app: &sockplay::tui::app::App| app.last.values().map(|r| r.seq).max().unwrap_or(0);
        let s = seq(&app);
        submit(&mut app, &rx, "connect L1", done(&c, s));
        let s = seq(&app);
        submit(&mut app, &rx, "accept L1", done("L1", s));
        let s = seq(&app);
        submit(&mut app, &rx, &format!("send {c} \"ping\""), done(&c, s));
        let s = seq(&app);
        submit(&mut app, &rx, &format!("recv {a} 100"), done(&a, s));
        // The server closes first (FIN-WAIT-2), the client answers with a
        // reset: neither end waits in TIME-WAIT, so the kernel lets both go.
        let s = seq(&app);
        submit(&mut app, &rx, &format!("close {a}"), done(&a, s));
        let s = seq(&app);
        submit(&mut app, &rx, &format!("close {c} rst"), done(&c, s));
    }
    // A closed socket stays listed two seconds at least (the wire may be
    // naming its last segments), then goes once the kernel let it go.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    snapshot(&mut app);
    snapshot(&mut app);
    let made = 1 + 2 * ROUNDS as usize;
    let mut held = held_on(port);
    held.retain(|l| !before.contains(l));
    assert!(
        held.is_empty(),
        "the kernel let every connection go (ss): {held:?}"
    );
    // What each tick walks: the lab's list (calls in flight, the kernel
    // view's input, the wire's directory), and the view built from it.
    assert_eq!(
        app.lab.socket_count(),
        1,
        "only the listener is listed after {made} sockets"
    );
    assert_eq!(app.lab.retired_count(), 2 * u64::from(ROUNDS));
    let view = app.snapshot.as_ref().unwrap();
    assert_eq!(
        view.sockets.len(),
        1,
        "the kernel view shows the listener alone"
    );
    // What is kept for the log and the checks is bounded.
    assert!(
        app.last.len() <= 1 + KEPT_RETIRED,
        "last results kept: {}",
        app.last.len()
    );
    assert!(app.history.recvq.len() <= 1 && app.history.sendq.len() <= 1);
    assert!(
        app.typed_lines_kept() <= 2 * TYPED_KEPT,
        "typed lines kept: {}",
        app.typed_lines_kept()
    );
    assert!(app.typed_history.len() <= TYPED_KEPT);
    // A closed socket that left the list is still known, as closed.
    app.submit("send C1 \"late\"", sockplay::tui::log::Source::Typed);
    let err = app.cmd_error.clone().unwrap_or_default();
    assert!(err.contains("C1 is closed"), "{err}");
}
