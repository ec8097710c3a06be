//! The whole screen on `TestBackend`, at 80×24 and 160×48, from recorded
//! kernel views: the empty lab, a full accept queue with clients in
//! SYN-SENT, a zero window with a blocked send, the help overlay, and a
//! command-line error.

use std::time::Duration;

mod common;

use common::tui::{app, connection_rows, key, render};
use common::views::{idle_tcp, snapshot, sock};
use crossterm::event::KeyCode;
use sockplay::kernel::{
    HalfOpen, PastLimit, Snapshot, SockView, SynQueue, TcpState, TcpView, ViewRole,
};
use sockplay::lab::{SockName, TimeoutMode};
use sockplay::tui::app::{App, Mode, Msg, Pane};
use sockplay::tui::log::{Entry, Source};

fn n(s: &str) -> SockName {
    s.parse().unwrap()
}

fn both(name: &str, app: &mut App) {
    for (w, h) in [(80, 24), (160, 48)] {
        app.update(Msg::Resize(w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(app, w, h));
    }
}

/// The first line of `sock`'s byte path, with `sock` selected, at `w`×`h`.
fn selected_path(app: &mut App, sock: &str, w: u16, h: u16) -> String {
    app.sel_conn = Some(n(sock));
    let screen = render(app, w, h);
    screen
        .lines()
        .find(|l| l.contains(&format!("{sock}  app")))
        .unwrap_or_else(|| panic!("{sock}'s path in:\n{screen}"))
        .to_string()
}

/// A listener with backlog 2 and five clients: three queued, two in SYN-SENT.
fn full_queue() -> Snapshot {
    let l = "127.0.0.1:40000";
    let mut l1 = sock(Some("L1"), ViewRole::Listener, TcpState::Listen, l, None);
    l1.set_backlog(Some(2));
    l1.set_accept_queue(Some(3));
    l1.set_accept_queue_max(Some(2));
    l1.set_syn_recv(Some(0));
    l1.set_syn_queue(Some(SynQueue {
        syn_queue_limit: 3,
        syn_queue_past_limit: PastLimit::Cookies,
        defer_accept: None,
    }));
    l1.set_tcp(None);
    l1.notes =
        vec!["holds 3 connections: Linux calls the queue full only when more than 2 wait".into()]
            .into();
    let mut socks = vec![l1];
    for i in 1..=3 {
        let mut q = sock(
            None,
            ViewRole::Queued,
            TcpState::Established,
            l,
            Some(&format!("127.0.0.1:5000{i}")),
        );
        q.listener = Some(n("L1"));
        q.pair = Some(n(&format!("C{i}")));
        socks.push(q);
    }
    for i in 1..=5 {
        let syn = i > 3;
        let state = if syn {
            TcpState::SynSent
        } else {
            TcpState::Established
        };
        let mut c = sock(
            Some(&format!("C{i}")),
            ViewRole::Client,
            state,
            &format!("127.0.0.1:5000{i}"),
            Some(l),
        );
        if syn {
            c.set_sendq(Some(1));
            c.in_flight = vec!["connect 2.0s".into()].into();
        }
        socks.push(c);
    }
    snapshot(socks, 4)
}

/// C1 sends into A1, which never reads: A1's buffer full, the window zero, C1's send blocked.
fn zero_window() -> Snapshot {
    let mut c1 = sock(
        Some("C1"),
        ViewRole::Client,
        TcpState::Established,
        "127.0.0.1:50001",
        Some("127.0.0.1:40000"),
    );
    c1.pair = Some(n("A1"));
    c1.set_sendq(Some(14_000));
    c1.set_notsent(Some(9_000));
    c1.set_sndbuf(Some(8_192));
    c1.set_snd_mem(Some(8_192));
    c1.set_sndbuf_asked(Some(4_096));
    c1.set_bytes_sent(Some(18_000));
    c1.set_tcp(Some(TcpView {
        snd_wnd: Some(0),
        ..idle_tcp()
    }));
    c1.in_flight = vec!["send(1.0m) 4.2s".into()].into();
    c1.notes = vec!["the peer advertises a zero window: its buffer is full, so nothing more is sent until it reads".into()].into();
    let mut a1 = sock(
        Some("A1"),
        ViewRole::Accepted,
        TcpState::Established,
        "127.0.0.1:40000",
        Some("127.0.0.1:50001"),
    );
    a1.pair = Some(n("C1"));
    a1.listener = Some(n("L1"));
    a1.set_recvq(Some(4_000));
    a1.set_rcvbuf(Some(8_192));
    a1.set_rcv_mem(Some(8_192));
    a1.set_rcvbuf_asked(Some(4_096));
    a1.set_bytes_received(Some(0));
    let mut l1 = sock(
        Some("L1"),
        ViewRole::Listener,
        TcpState::Listen,
        "127.0.0.1:40000",
        None,
    );
    l1.set_backlog(Some(5));
    l1.set_accept_queue(Some(0));
    l1.set_accept_queue_max(Some(5));
    l1.set_syn_recv(Some(0));
    l1.set_syn_queue(Some(SynQueue {
        syn_queue_limit: 6,
        syn_queue_past_limit: PastLimit::Cookies,
        defer_accept: None,
    }));
    l1.set_tcp(None);
    snapshot(vec![l1, c1, a1], 0)
}

#[test]
fn the_empty_lab() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(Vec::new(), 0))));
    both("empty", &mut app);
}

#[test]
fn a_full_accept_queue_with_clients_in_syn_sent() {
    let mut app = app().0;
    for _ in 0..30 {
        app.update(Msg::Snapshot(std::sync::Arc::new(full_queue())));
    }
    app.log
        .push(Entry::Command("listen backlog=2".into(), Source::Typed));
    app.log
        .push(Entry::Command("connect L1 x5".into(), Source::Typed));
    both("full_queue", &mut app);
}

/// A sender blocked on a buffer the kernel calls full (the next segment
/// does not fit) reads FULL, though a few KiB are left; so does a receiver
/// whose window is zero.
#[test]
fn a_blocked_sender_s_nearly_full_buffer_reads_full() {
    let mut app = app().0;
    let mut snap = zero_window();
    for s in snap.sockets.iter_mut() {
        match s.id.map(|n| n.to_string()).as_deref() {
            Some("C1") => {
                s.set_sendq(Some(4_062_066));
                s.set_notsent(Some(4_062_066));
                s.set_snd_mem(Some(4_135_282));
                s.set_sndbuf(Some(4_194_304));
            }
            Some("A1") => {
                s.set_recvq(Some(124_600));
                s.set_rcv_mem(Some(120_000));
                s.set_rcvbuf(Some(131_072));
            }
            _ => {}
        }
    }
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let path = selected_path(&mut app, "C1", 160, 48);
    assert_eq!(path.matches("FULL").count(), 2, "{path}");
}

/// C1 closed first and waits in TIME-WAIT, with the note that says why.
fn time_wait_client() -> SockView {
    let mut c1 = sock(
        Some("C1"),
        ViewRole::Client,
        TcpState::TimeWait,
        "127.0.0.1:50001",
        Some("127.0.0.1:40000"),
    );
    c1.closed = true;
    let note = "closed; TIME-WAIT (60 s on Linux): the side whose FIN went first waits so that late segments cannot confuse a new connection";
    c1.notes = vec![note.into()].into();
    c1
}

/// A closed socket in TIME-WAIT carries no bytes: the pane gives its note,
/// whole, instead of an empty path.
#[test]
fn a_closed_socket_shows_its_note_whole_not_a_path() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(
        vec![time_wait_client()],
        0,
    ))));
    app.sel_conn = Some(n("C1"));
    let screen = render(&mut app, 100, 30);
    assert!(!screen.contains("C1  app"), "{screen}");
    for word in [
        "(60 s on Linux):",
        "late",
        "segments",
        "confuse",
        "connection",
    ] {
        assert!(screen.contains(word), "'{word}' missing:\n{screen}");
    }
}

/// In a lesson the selected pane is two rows high: a closed socket's note
/// takes both, not one row of it and one of empty queue charts.
#[test]
fn a_closed_socket_s_note_is_whole_in_a_lesson() {
    let mut app = app().0;
    let lines =
        sockplay::script::parse_script("step \"Both close\"\nnote \"TIME-WAIT.\"\n").unwrap();
    app.play("Closing", lines, true);
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(
        vec![time_wait_client()],
        0,
    ))));
    app.sel_conn = Some(n("C1"));
    app.update(Msg::Resize(100, 30));
    let screen = render(&mut app, 100, 30);
    for word in ["(60 s on Linux):", "confuse a new connection"] {
        assert!(screen.contains(word), "'{word}' missing:\n{screen}");
    }
}

/// With the focus on the listeners, the selected pane shows the listener:
/// everyone waiting, and its notes whole.
#[test]
fn a_selected_listener_shows_who_waits_and_why() {
    let mut app = app().0;
    let mut snap = full_queue();
    // A half-open entry from `syn`, with its SYN-ACK timer.
    let mut half = sock(
        None,
        ViewRole::SynRecv,
        TcpState::SynReceived,
        "127.0.0.1:40000",
        Some("192.0.2.1:20000"),
    );
    half.listener = Some(n("L1"));
    half.set_half_open(Some(HalfOpen {
        synack_retrans: 2,
        expires_ms: 1400,
        syn: Some(1),
        left_ms: Some(13_400),
        left_crowded_ms: None,
    }));
    snap.sockets.insert(4, half);
    snap.sockets[0].set_syn_recv(Some(1));
    snap.counters.syncookies_sent = 3;
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    app.pane = Pane::Listeners;
    app.sel_listener = Some(n("L1"));
    let screen = render(&mut app, 100, 30);
    for want in [
        "Selected · L1 · both queues",
        "accept queue (3): C1 C2 C3",
        "SYN queue 1 of 3: past it, SYN cookies · syn1\u{a0}SYN-ACK×2\u{a0}next\u{a0}1.4s\u{a0}≤14s\u{a0}left",
        "since start (system-wide): ListenOverflows +4 ListenDrops +4 SyncookiesSent +3",
        "syn q ████",
        "· holds 3 connections: Linux calls the queue full only when more than 2 wait",
    ] {
        assert!(screen.contains(want), "'{want}' missing:\n{screen}");
    }
}

/// At 80×24, where a lesson's narration leaves the selected pane one row,
/// a listener's pane still shows both queues its title names, the SYN
/// queue after the accept queue on that row.
#[test]
fn a_one_row_selected_listener_shows_both_queues() {
    let mut app = app().0;
    let lesson = sockplay::script::parse_script(
        "step \"Both\"\nnote \"A listening socket never carries data: it only collects connections, and its two queues hold them until they are taken by accept(), one at a time, in order.\"\n",
    )
    .unwrap();
    app.play("Queues", lesson, true);
    app.update(Msg::Snapshot(std::sync::Arc::new(full_queue())));
    app.pane = Pane::Listeners;
    app.sel_listener = Some(n("L1"));
    app.update(Msg::Resize(80, 24));
    let screen = render(&mut app, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.contains("Selected · L1 · both queues"))
        .unwrap_or_else(|| panic!("{screen}"));
    let first = lines[title + 1];
    assert!(
        first.contains("accept queue (3): C1 C2 C3 · SYN queue 0 of 3"),
        "{screen}"
    );
}

/// Handshakes that race past the kernel's unlocked full check leave B+2
/// waiting: the gauge says so instead of claiming a plain FULL.
#[test]
fn a_queue_past_its_limit_reads_over() {
    let mut app = app().0;
    let mut snap = full_queue();
    snap.sockets[0].set_accept_queue(Some(4));
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("4/3 OVER"), "{screen}");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("4/3 OVER"), "{screen}");
}

#[test]
fn a_client_in_syn_sent_has_no_window_yet() {
    let mut app = app().0;
    let mut snap = full_queue();
    for s in snap
        .sockets
        .iter_mut()
        .filter(|s| s.state == TcpState::SynSent)
    {
        // What the kernel reports before the handshake: no window at all.
        let mut tcp = s.tcp().unwrap_or_default();
        tcp.snd_wnd = Some(0);
        s.set_tcp(Some(tcp));
    }
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let path = selected_path(&mut app, "C4", 100, 30);
    assert!(path.contains("no connection yet"), "{path}");
    assert!(!path.contains("ZERO"), "{path}");
}

#[test]
fn a_sender_facing_a_zero_window() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(zero_window())));
    app.log
        .push(Entry::Command("send C1 1m".into(), Source::Key));
    both("zero_window", &mut app);
}

#[test]
fn the_help_overlay() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(full_queue())));
    app.mode = Mode::Help;
    both("help", &mut app);
}

/// The help overlay shows every usage line and the legend under them, or,
/// where they do not all fit (long ones wrap), the command names and how to
/// ask: never a list cut off at the bottom.
#[test]
fn the_help_overlay_is_whole_at_any_height() {
    let mut app = app().0;
    app.mode = Mode::Help;
    for w in [100, 130, 160] {
        for h in 24..=60 {
            app.update(Msg::Resize(w, h));
            let screen = render(&mut app, w, h);
            if screen.contains("  listen [ADDR]") {
                assert!(
                    screen.contains("SIZE 100, 4k, 1m"),
                    "{w}×{h}: the usage lines run off the bottom:\n{screen}"
                );
            } else {
                assert!(screen.contains("Type :help NAME"), "{w}×{h}:\n{screen}");
            }
        }
    }
}

#[test]
fn a_command_line_error() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(Vec::new(), 0))));
    app.submit("listen backlog=lots", Source::Typed);
    app.mode = Mode::Command;
    both("command_error", &mut app);
}

#[test]
fn too_small_a_terminal_says_so() {
    let mut app = app().0;
    let text = render(&mut app, 60, 20);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("needs a terminal of at least 80×24; this one is 60×20"),
        "{text}"
    );
}

#[test]
fn a_lesson_at_100x30() {
    let mut app = app().0;
    let lines = sockplay::script::parse_script(
        "step \"Six clients, backlog 2\"\n\
         note \"listen(2) is often read as 'two clients'. Watch what Linux does with six that connect at once, while the server does not accept.\"\n\
         note \"Three connections wait in the accept queue, not two: Linux calls a queue of backlog B full only when more than B wait, so it holds B+1.\"\n\
         step \"The overflow counters\"\n\
         note \"Each dropped SYN adds one to ListenOverflows.\"\n",
    )
    .unwrap();
    app.play("Backlog", lines, true);
    // Space runs the first step (narration only here), then pauses at the second.
    key(&mut app, KeyCode::Char(' '));
    for _ in 0..10 {
        app.update(Msg::Snapshot(std::sync::Arc::new(full_queue())));
    }
    app.update(Msg::Resize(100, 30));
    insta::assert_snapshot!("lesson_100x30", render(&mut app, 100, 30));
}

/// Every form's hints are read whole at 80×24, beside the values or under them.
#[test]
fn form_hints_are_whole_at_80x24() {
    let mut app = app().0;
    app.update(Msg::Snapshot(std::sync::Arc::new(full_queue())));
    // n: new listener; c: connect to the selected listener; then, on C1,
    // s, r, d and x.
    for (pane_key, form_key) in [
        (None, 'n'),
        (None, 'c'),
        (Some(KeyCode::Tab), 's'),
        (None, 'r'),
        (None, 'd'),
        (None, 'x'),
    ] {
        if let Some(k) = pane_key {
            key(&mut app, k);
        }
        key(&mut app, KeyCode::Char(form_key));
        let Mode::Form(form) = &app.mode else {
            panic!("{form_key} opened no form: {:?}", app.mode);
        };
        let hints: Vec<&str> = form.fields.iter().map(|f| f.hint).collect();
        let screen = render(&mut app, 80, 24);
        for hint in hints {
            assert!(screen.contains(hint), "'{hint}' cut:\n{screen}");
        }
        key(&mut app, KeyCode::Esc);
    }
}

/// `show` over the whole screen: the text `run` prints, its title saying
/// which lines show when it is taller than the screen, the status line
/// saying how to close it.
#[test]
fn the_kernel_view_over_the_screen() {
    let mut app = app().0;
    let snap = full_queue();
    app.kernel_view = sockplay::script::show::table(&snap, &[]);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    app.mode = Mode::Show;
    both("kernel_view", &mut app);
}

/// At 80 columns a pane of many states cuts the end of its title: the
/// filter typed shows before the states' counts, and a TIME-WAIT row
/// keeps its time left where "TIME-WAIT 47s left" does not fit.
#[test]
fn a_narrow_connections_pane_keeps_the_filter_and_the_time_left() {
    let (mut app, _rx) = app();
    let mut socks = Vec::new();
    let states = [
        TcpState::TimeWait,
        TcpState::FinWait2,
        TcpState::Established,
        TcpState::CloseWait,
        TcpState::LastAck,
    ];
    for (i, state) in states.iter().enumerate() {
        let mut s = sock(
            Some(&format!("A{}", i + 1)),
            ViewRole::Accepted,
            *state,
            "127.0.0.1:40000",
            Some(&format!("127.0.0.1:{}", 50_000 + i)),
        );
        if *state == TcpState::TimeWait {
            s.closed = true;
            s.time_wait_ms = Some(46_200);
        }
        socks.push(s);
    }
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(socks, 0))));
    app.update(Msg::Resize(80, 24));
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("47s left"), "{screen}");
    app.pane = Pane::Connections;
    key(&mut app, KeyCode::Char('/'));
    for c in "TIME".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let screen = render(&mut app, 80, 24);
    let title = screen.lines().next().unwrap();
    assert!(title.contains("Connections · 1 · filter /TIME"), "{screen}");
}

/// A filter that hides every row says so, rather than that there are none.
#[test]
fn a_filter_that_hides_every_connection_says_so() {
    let (mut app, _rx) = app();
    let s = sock(
        Some("A1"),
        ViewRole::Accepted,
        TcpState::Established,
        "127.0.0.1:40000",
        Some("127.0.0.1:50000"),
    );
    app.update(Msg::Snapshot(std::sync::Arc::new(snapshot(vec![s], 0))));
    app.pane = Pane::Connections;
    key(&mut app, KeyCode::Char('/'));
    for c in "XYZ".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let screen = render(&mut app, 100, 30);
    assert!(
        screen.contains("no connection passes the filter /XYZ"),
        "{screen}"
    );
}

/// At 80×24, as the time-outs lesson leaves them: the mode column stays,
/// and what does not fit of a call, a TIME-WAIT or the next SYN ends in
/// "…" or drops whole words, never in a cut word or figure.
#[test]
fn the_mode_column_and_whole_words_at_80x24() {
    let mut app = app().0;
    let client = |name: &str, state| {
        let mut c = sock(Some(name), ViewRole::Client, state, "127.0.0.1:50001", None);
        c.peer = Some("127.0.0.1:40000".parse().unwrap());
        c
    };
    let (mut c1, mut c2) = (
        client("C1", TcpState::Established),
        client("C2", TcpState::Established),
    );
    let (mut c3, mut c4) = (
        client("C3", TcpState::Established),
        client("C4", TcpState::SynSent),
    );
    c1.set_timeout(Some(TimeoutMode::Timeout(Duration::from_secs(2))));
    c1.in_flight = vec!["recv(1048576) 1.2s".into()].into();
    c2.set_timeout(Some(TimeoutMode::NonBlocking));
    c3.set_rcvtimeo(Some(Duration::from_millis(500)));
    c4.in_flight = vec!["connect(127.0.0.1:40000) 19.5s".into()].into();
    c4.next_syn_ms = Some(9_500);
    let snap = snapshot(vec![c1, c2, c3, c4], 0);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let mut all = connection_rows(&mut app, 80, 24).join("\n");
    // A closed socket waiting out TIME-WAIT widens the state column.
    let mut c5 = time_wait_client();
    c5.id = Some(n("C5"));
    c5.time_wait_ms = Some(51_000);
    let mut c6 = c5.clone();
    c6.id = Some(n("C6"));
    c6.set_timeout(Some(TimeoutMode::Timeout(Duration::from_millis(1500))));
    c6.in_flight = vec!["sendall(524288) 13.1s".into()].into();
    let snap = snapshot(vec![c5, c6], 0);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let rows = connection_rows(&mut app, 80, 24);
    all = all + "\n" + &rows.join("\n");
    assert!(rows[0].contains("mode"), "{all}");
    for shown in ["tmo 2s", "nonblock", "so 500ms", "SYN in 10 s", "51s left"] {
        assert!(all.contains(shown), "{shown} not in:\n{all}");
    }
    // What is drawn of each call is its words whole, or ends in "…".
    let cut = ["SYN in 10 \n", "51s l\n", "left\n"]
        .iter()
        .find(|c| format!("{all}\n").contains(*c));
    assert!(cut.is_none(), "{cut:?} cut in:\n{all}");
    let recv = all.contains("recv(…) 1.2s") || all.contains("recv… 1.2s");
    assert!(recv && all.contains("sendall…"), "{all}");
}

/// The rows of the selected pane at `w`×`h`, between its borders.
fn selected_rows(app: &mut App, w: u16, h: u16) -> Vec<String> {
    app.update(Msg::Resize(w, h));
    let screen = render(app, w, h);
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines.iter().position(|l| l.contains("┌ Selected")).unwrap();
    let pane = lines[top + 1..].iter().take_while(|l| !l.starts_with('└'));
    pane.map(|l| l.trim_matches('│').trim_end().to_string())
        .collect()
}

/// A client waiting in SYN-SENT carries no bytes: its note (how many SYNs,
/// when the next goes) comes before its path, at 80×24 too, and what does
/// not fit ends in "…" after whole clauses.
#[test]
fn a_waiting_clients_note_comes_first_and_whole_or_with_an_ellipsis() {
    let mut app = app().0;
    let mut snap = full_queue();
    let note = "SYN sent 7 times (at most 11); L1's full accept queue drops each one; next SYN in 4 s; 11 = 1 + 5 a second apart + 5 at doubling gaps, then connect() fails with ETIMEDOUT";
    let waiting = snap
        .sockets
        .iter_mut()
        .filter(|s| s.state == TcpState::SynSent);
    waiting.for_each(|s| s.notes = vec![note.into()].into());
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    app.sel_conn = Some(n("C4"));
    // In a lesson at 80×24 the pane has one row.
    let lesson = sockplay::script::parse_script("# lesson: Waiting\nstep \"One\"\n").unwrap();
    app.play("Waiting", lesson, true);
    let rows = selected_rows(&mut app, 80, 24);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0], "· SYN sent 7 times (at most 11); L1's full accept queue drops each one…",
        "{rows:?}"
    );
    // At 100×30 the note first, over the rows it needs.
    let rows = selected_rows(&mut app, 100, 30).join(" ");
    assert!(
        rows.starts_with("· SYN sent 7 times") && rows.contains("at most 11"),
        "{rows}"
    );
    // Whole at 100×30, to the error connect() will give.
    assert!(rows.contains("fails with ETIMEDOUT"), "{rows}");
}

/// A half-open entry's time left is a bound only where it is one: while
/// the SYN queue is crowded, the kernel cuts the resends only as long as
/// the crowding lasts, so the cut time is said with its condition and
/// never as "≤"; the bound itself rounds up, never to "0s" for an entry
/// still there.
#[test]
fn a_half_open_entry_s_time_left_is_never_a_bound_it_outlives() {
    let mut app = app().0;
    let mut snap = full_queue();
    let entry = |syn: u32, retrans: u32, expires: u32, left: u64, crowded: Option<u64>| {
        let mut half = sock(
            None,
            ViewRole::SynRecv,
            TcpState::SynReceived,
            "127.0.0.1:40000",
            Some(&format!("192.0.2.1:{}", 20_000 + syn)),
        );
        half.listener = Some(n("L1"));
        half.set_half_open(Some(HalfOpen {
            synack_retrans: retrans,
            expires_ms: expires,
            syn: Some(syn),
            left_ms: Some(left),
            left_crowded_ms: crowded,
        }));
        half
    };
    snap.sockets
        .insert(4, entry(1, 2, 3_300, 11_404_000, Some(3_300)));
    snap.sockets.insert(5, entry(2, 1, 40, 40, None));
    snap.sockets[0].set_syn_recv(Some(2));
    snap.system.tcp_synack_retries = Some(100);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    app.pane = Pane::Listeners;
    app.sel_listener = Some(n("L1"));
    let screen = render(&mut app, 160, 48).replace('\u{a0}', " ");
    assert!(
        screen.contains("syn1 SYN-ACK×2 next 3.3s 3.3s left if still this crowded"),
        "{screen}"
    );
    assert!(!screen.contains("≤3.3s"), "{screen}");
    assert!(
        screen.contains("syn2 SYN-ACK×1 next 0.1s ≤0.1s left"),
        "{screen}"
    );
}
