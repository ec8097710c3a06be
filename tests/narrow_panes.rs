//! Narrow panes that still add up and keep their figures whole: the
//! connections pane's title at 80×24 and 100×30 accounts for every
//! connection, and a waiting client's time keeps its unit.

mod common;

use common::tui::{app, connection_rows, render};
use common::views::{snapshot, sock};
use sockplay::kernel::{Snapshot, TcpState, TcpView, ViewRole};
use sockplay::lab::SockName;
use sockplay::tui::app::{Msg, Pane};

fn n(s: &str) -> SockName {
    s.parse().unwrap()
}

/// Clients of one listener in `states` (each state, how many), named C1…
/// in order, SYN-SENT ones on their last SYN, `give_up_ms` from giving up.
fn clients_in(states: &[(TcpState, usize)], give_up_ms: u32) -> Snapshot {
    let mut socks = Vec::new();
    let mut i = 0;
    for &(state, count) in states {
        for _ in 0..count {
            i += 1;
            let mut c = sock(
                Some(&format!("C{i}")),
                ViewRole::Client,
                state,
                &format!("127.0.0.1:{}", 50_000 + i),
                Some("127.0.0.1:40000"),
            );
            if state == TcpState::Established {
                c.pair = Some(n(&format!("A{i}")));
            }
            if state == TcpState::SynSent {
                c.in_flight = vec!["connect 80.0s".into()].into();
                c.next_syn_ms = Some(give_up_ms);
                c.set_tcp(c.tcp().map(|t| TcpView { retrans: 10, ..t }));
            }
            socks.push(c);
        }
    }
    let mut snap = snapshot(socks, 0);
    snap.system.tcp_syn_retries = Some(6);
    snap.system.tcp_syn_linear_timeouts = Some(4);
    snap
}

/// The connections pane's title at `w`×`h` in a lesson, with the focus on it.
fn connections_title(snap: Snapshot, w: u16, h: u16) -> String {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let lesson = sockplay::script::parse_script("# lesson: Waiting\nstep \"One\"\n").unwrap();
    app.play("Waiting", lesson, true);
    app.pane = Pane::Connections;
    app.update(Msg::Resize(w, h));
    let screen = render(&mut app, w, h);
    let row = screen.lines().find(|l| l.contains("┐┌")).expect(&screen);
    let at = row.find("┐┌").unwrap() + "┐┌".len();
    row[at..].trim_matches(|c| "─┐▶ ".contains(c)).to_string()
}

/// A title's count and the counts of its parts (`· ESTAB 6`, `+ others 2`).
fn title_counts(title: &str) -> (usize, Vec<usize>) {
    let figures: Vec<usize> = title
        .split([' ', ':', ','])
        .filter_map(|w| w.parse().ok())
        .collect();
    (figures[0], figures[1..].to_vec())
}

/// At 80×24 as at 100×30 a lesson's connections title accounts for every
/// connection: the states' counts add up to the count, sockets in CLOSED
/// (no connection: a failed connect, a reset) are counted after it, not
/// among the connections, and the state a
/// step is about (the fewest, often) is named, in tighter words where room
/// is short; never a title that leaves a state out unsaid.
#[test]
fn the_connections_title_adds_up_at_every_size() {
    let cases = [
        (
            vec![
                (TcpState::Established, 6),
                (TcpState::Closed, 3),
                (TcpState::SynSent, 2),
            ],
            "SYN-SENT 2",
        ),
        (
            vec![
                (TcpState::Established, 19),
                (TcpState::SynSent, 8),
                (TcpState::Closed, 4),
            ],
            "+4 CLOSED",
        ),
        (
            vec![(TcpState::CloseWait, 1), (TcpState::FinWait2, 1)],
            "FIN-WAIT-2 1",
        ),
    ];
    for (states, named) in cases {
        for (w, h) in [(80, 24), (100, 30)] {
            let title = connections_title(clients_in(&states, 54_000), w, h);
            // Sockets in CLOSED hold no connection: counted after the
            // connections (`· +3 CLOSED`), not among them.
            let (body, closed) = match title.split_once(" CLOSED") {
                Some((head, _)) => {
                    let (body, n) = head.rsplit_once(" · ").expect(&title);
                    (
                        body.to_string(),
                        n.trim_start_matches("and ")
                            .trim_start_matches('+')
                            .parse()
                            .expect(&title),
                    )
                }
                None => (title.clone(), 0),
            };
            let (total, parts) = title_counts(&body);
            let want: usize = states
                .iter()
                .filter(|(s, _)| *s != TcpState::Closed)
                .map(|(_, n)| n)
                .sum();
            let want_closed: usize = states
                .iter()
                .filter(|(s, _)| *s == TcpState::Closed)
                .map(|(_, n)| n)
                .sum();
            assert_eq!(total, want, "{w}x{h}: {title}");
            assert_eq!(closed, want_closed, "{w}x{h}: {title}");
            assert_eq!(parts.iter().sum::<usize>(), total, "{w}x{h}: {title}");
            assert!(title.contains(named), "{w}x{h}: {title}");
        }
    }
}

/// A waiting client's time in its call cell is whole at 80×24: never a
/// figure without its unit (`gives up 54…`).
#[test]
fn a_waiting_clients_time_keeps_its_unit_at_80x24() {
    let mut app = app().0;
    let snap = clients_in(
        &[(TcpState::Established, 9), (TcpState::SynSent, 3)],
        53_100,
    );
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let lesson = sockplay::script::parse_script("# lesson: Waiting\nstep \"One\"\n").unwrap();
    app.play("Waiting", lesson, true);
    app.pane = Pane::Connections;
    app.sel_conn = Some(n("C12"));
    let rows = connection_rows(&mut app, 80, 24).join("\n");
    assert!(
        rows.contains("gives up 54 s") || rows.contains("gives up 54s"),
        "{rows}"
    );
    assert!(!rows.contains("54…"), "{rows}");
}

/// A connection resending into silence across the lab's link keeps its
/// backoff and its next try in the selected pane's one row at 80×24, with
/// a large send buffer and the congestion window that a lesson about
/// distance shows: the window gives way first.
#[test]
fn a_backed_off_sender_keeps_its_next_try_in_one_row() {
    let mut c1 = sock(
        Some("C1"),
        ViewRole::Client,
        TcpState::Established,
        "198.51.100.1:40001",
        Some("198.51.100.2:8080"),
    );
    c1.pair = Some(n("A1"));
    c1.set_sndbuf(Some(774_144));
    c1.set_sendq(Some(5));
    c1.set_tcp(c1.tcp().map(|t| TcpView {
        backoff: 7,
        rtt_us: 100_000,
        ..t
    }));
    c1.next_resend_ms = Some(10_000);
    let mut a1 = sock(
        Some("A1"),
        ViewRole::Accepted,
        TcpState::Established,
        "198.51.100.2:8080",
        Some("198.51.100.1:40001"),
    );
    a1.pair = Some(n("C1"));
    a1.in_flight = vec!["recv(5) 3.0s".into()].into();
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(
        vec![c1, a1],
        0,
    ))));
    // A lesson that talks of cwnd shows it in the path row.
    let lesson = sockplay::script::parse_script(
        "# lesson: Cable\nstep \"One\"\nnote \"cwnd and the timer.\"\n",
    )
    .unwrap();
    app.play("Cable", lesson, true);
    app.sel_conn = Some(n("C1"));
    for (w, h) in [(80, 24), (100, 30)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&mut app, w, h);
        assert!(
            screen.contains("backoff 7 · next try in 10 s"),
            "{w}×{h}:\n{screen}"
        );
    }
}
