//! A long session: clients connect, talk and close through the TUI's
//! command line for a minute (thousands of them on an idle machine), and
//! what the TUI walks every tick and keeps stays the size of the sockets
//! the kernel still holds, not of all ever made. The kernel's own table
//! (`ss`) says which those are. Every check counts kept state and the
//! sockets a tick walks, never time: the suite runs beside other tests on
//! a loaded machine, where fewer rounds fit in the minute.

mod common;

use std::time::{Duration, Instant};

use common::tui::{app, snapshot, submit};
use sockplay::lab::SockName;
use sockplay::tui::app::{App, KEPT_RETIRED, TYPED_KEPT};

/// How long the session runs.
const SESSION: Duration = Duration::from_secs(60);

/// How often it stops to let the closed sockets go and count what is kept.
const CHECK_EVERY: Duration = Duration::from_secs(10);

/// A bound on the rounds, whatever the machine's speed.
const MOST_ROUNDS: u32 = 50_000;
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

/// What the TUI keeps and walks, counted at a moment when every closed
/// socket has been let go by the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kept {
    /// The lab's list: what each tick walks (calls in flight, the kernel
    /// view's input, the wire's directory).
    listed: usize,
    /// The kernel view built from it.
    viewed: usize,
    /// Last results kept.
    last: usize,
    /// Results log entries.
    log: usize,
    /// Typed lines kept by the player, and the command history.
    typed: usize,
    history: usize,
    /// Byte histories of the selected socket.
    series: usize,
    /// Calls the call log keeps, and sockets it looks up by name.
    calls: usize,
    call_socks: usize,
}

fn kept(app: &App) -> Kept {
    let (calls, call_socks) = app.lab.observer().call_log_sizes();
    Kept {
        listed: app.lab.socket_count(),
        viewed: app.snapshot.as_ref().map_or(0, |v| v.sockets.len()),
        last: app.last.len(),
        log: app.log.len(),
        typed: app.typed_lines_kept(),
        history: app.typed_history.len(),
        series: app.history.recvq.len() + app.history.sendq.len(),
        calls,
        call_socks,
    }
}

/// Waits until sockets closed a moment ago may leave the list (two
/// seconds), then reads the kernel view twice: the first lets them go,
/// the second shows what is left.
fn let_go(app: &mut App) {
    std::thread::sleep(Duration::from_millis(2500));
    snapshot(app);
    snapshot(app);
}

/// One round: C`i` connects to L1, is accepted as A`i`, sends, A`i`
/// receives; the client resets, then the server closes.
fn round(app: &mut App, rx: &std::sync::mpsc::Receiver<sockplay::lab::LabEvent>, i: u32) {
    let (c, a) = (format!("C{i}"), format!("A{i}"));
    let done = |name: &str, seq_after: u64| {
        let name: SockName = name.parse().unwrap();
        move |app: &App| app.last.get(&name).is_some_and(|r| r.seq > seq_after)
    };
    let seq = |app: &App| app.last.values().map(|r| r.seq).max().unwrap_or(0);
    let s = seq(app);
    submit(app, rx, "connect L1", done(&c, s));
    let s = seq(app);
    submit(app, rx, "accept L1", done("L1", s));
    let s = seq(app);
    submit(app, rx, &format!("send {c} \"ping\""), done(&c, s));
    let s = seq(app);
    submit(app, rx, &format!("recv {a} 100"), done(&a, s));
    // The client resets, then the server closes: neither end waits in
    // TIME-WAIT, so the kernel lets both go. In this order no single
    // segment decides: should the reset be lost (a loopback drops packets
    // when its queue overflows on a loaded machine), the server's close
    // sends a FIN, which the client's kernel answers with a reset, and
    // which is sent again until it is answered. The other order left the
    // server in FIN-WAIT-2 for a minute when the reset alone was lost.
    let s = seq(app);
    submit(app, rx, &format!("close {c} rst"), done(&c, s));
    let s = seq(app);
    submit(app, rx, &format!("close {a}"), done(&a, s));
}

#[test]
fn closed_sockets_leave_what_each_tick_walks() {
    let (mut app, rx) = app();
    let port = common::free_port();
    submit(
        &mut app,
        &rx,
        &format!("listen 127.0.0.1:{port}"),
        |a: &App| a.last.contains_key(&"L1".parse::<SockName>().unwrap()),
    );
    // Entries from before the lab (another program's TIME-WAIT with this
    // port at one end, from when the port was its) are not the lab's.
    let before = held_on(port);
    let began = Instant::now();
    let mut rounds = 0u32;
    let mut checks: Vec<(u32, Kept)> = Vec::new();
    while began.elapsed() < SESSION && rounds < MOST_ROUNDS {
        let stretch = Instant::now();
        while stretch.elapsed() < CHECK_EVERY && began.elapsed() < SESSION && rounds < MOST_ROUNDS {
            rounds += 1;
            round(&mut app, &rx, rounds);
            // A tick of the kernel view now and then, as the screen's
            // sampler reads it: closed sockets leave the list on the way.
            if rounds.is_multiple_of(25) {
                snapshot(&mut app);
            }
        }
        let_go(&mut app);
        checks.push((rounds, kept(&app)));
    }
    let made = 1 + 2 * rounds as usize;
    assert!(
        checks.len() >= 3 && rounds >= 100,
        "the session ran {rounds} rounds, {} checks",
        checks.len()
    );
    eprintln!("{rounds} rounds, {made} sockets: {checks:#?}");
    let mut held = held_on(port);
    held.retain(|l| !before.contains(l));
    assert!(
        held.is_empty(),
        "the kernel let every connection go (ss): {held:?}"
    );
    assert_eq!(app.lab.retired_count(), 2 * u64::from(rounds));
    for &(r, k) in &checks {
        // What each tick walks: the listener alone, after any number of
        // clients.
        assert_eq!(k.listed, 1, "only the listener is listed after {r} rounds");
        assert_eq!(k.viewed, 1, "the kernel view shows the listener alone");
        // What is kept for the log and the checks is bounded.
        assert!(k.last <= 1 + KEPT_RETIRED, "last results kept: {k:?}");
        assert!(k.series <= 2, "{k:?}");
        assert!(k.typed <= 2 * TYPED_KEPT, "typed lines kept: {k:?}");
        assert!(k.history <= TYPED_KEPT, "{k:?}");
        assert!(k.log <= sockplay::tui::log::LOG_LIMIT, "{k:?}");
        assert!(k.calls <= sockplay::lab::CALLS_KEPT, "{k:?}");
        // The call log looks up by name only sockets still in the lab.
        assert!(k.call_socks <= 1, "{k:?}");
    }
    // Nothing grows from one check to the next once the bounds are
    // reached: the last check keeps no more than the bound, or than the
    // first check that had reached it.
    let (first_r, first) = checks[0];
    let (last_r, last) = *checks.last().unwrap();
    for (what, a, b, bound) in [
        ("last results", first.last, last.last, 1 + KEPT_RETIRED),
        (
            "log entries",
            first.log,
            last.log,
            sockplay::tui::log::LOG_LIMIT,
        ),
        ("typed lines", first.typed, last.typed, 2 * TYPED_KEPT),
        ("calls", first.calls, last.calls, sockplay::lab::CALLS_KEPT),
    ] {
        assert!(
            b <= a.max(bound),
            "{what}: {a} after {first_r} rounds, {b} after {last_r}"
        );
    }
    // A closed socket that left the list is still known, as closed.
    app.submit("send C1 \"late\"", sockplay::tui::log::Source::Typed);
    let err = app.cmd_error.clone().unwrap_or_default();
    assert!(err.contains("C1 is closed"), "{err}");
}
