//! Host names are looked up off the screen's thread, as a call in flight of
//! their own (`getaddrinfo(HOST)`), and a failed lookup is a result: in
//! TCP's `listen` and `connect`, and in UDP's `udp`, `sendto` and `connect`.
//! A lookup for a socket that exists runs on its sending lane, so that its
//! datagrams keep their place among the socket's other sends.

mod common;

use std::collections::BTreeSet;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::tui::{app_on, command, key, pump};
use crossterm::event::KeyCode;
use sockplay::lab::{Call, CallResult, Errno, Hints, Lab, LabEvent, Role, SockName};
use sockplay::tui::app::App;
use sockplay::tui::log::Entry;

fn op_of(app: &App, call: Call) -> Option<sockplay::lab::CallResult> {
    app.log.entries().iter().find_map(|e| match e {
        Entry::Op(r) if r.call == call => Some((**r).clone()),
        _ => None,
    })
}

#[test]
fn a_resolver_that_does_not_answer_never_holds_the_screen() {
    let (lab, rx) = Lab::new();
    // A resolver that answers only when the test lets it (10 s at most).
    let (release, gate) = mpsc::channel::<SocketAddr>();
    let gate = Mutex::new(gate);
    let answered = Arc::new(AtomicBool::new(false));
    let answered2 = Arc::clone(&answered);
    lab.set_resolver(Arc::new(move |_host: &str, port: u16| {
        let got = gate.lock().unwrap().recv_timeout(Duration::from_secs(10));
        answered2.store(true, Ordering::SeqCst);
        got.map(|a| vec![SocketAddr::new(a.ip(), port)])
            .map_err(|_| Errno(libc::EAI_AGAIN))
    }));
    let mut app = app_on(lab);
    command(&mut app, "listen");
    assert!(
        pump(&mut app, &rx, |a| op_of(a, Call::Listen).is_some()),
        "timed out waiting"
    );
    let listener = op_of(&app, Call::Listen).unwrap();
    let port = app
        .lab
        .socket(listener.created[0])
        .unwrap()
        .meta
        .local
        .unwrap()
        .port();

    command(&mut app, &format!("connect slowhost.example:{port}"));
    // The command line is back and the resolver has not answered: the
    // lookup waits on a thread of its own.
    assert!(
        !answered.load(Ordering::SeqCst),
        "the screen's thread waited for the resolver"
    );
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    let lookups = app.lab.lookups_in_flight();
    assert_eq!(lookups.len(), 1);
    assert_eq!(lookups[0].call, Call::Lookup);
    assert!(
        app.calls_in_flight(),
        "the screen keeps ticking while it waits"
    );
    // Keys still work while it waits.
    key(&mut app, KeyCode::Char('?'));
    // Shown as a call in flight.
    assert!(pump(&mut app, &rx, lookup_blocked), "timed out waiting");
    assert!(!answered.load(Ordering::SeqCst));

    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(
        pump(&mut app, &rx, |a| op_of(a, Call::Connect).is_some()),
        "timed out waiting"
    );
    let lookup = op_of(&app, Call::Lookup).expect("the lookup's result");
    assert_eq!(lookup.outcome.ret(), Some(1));
    assert_eq!(lookup.arg.to_string(), "slowhost.example");
    let connect = op_of(&app, Call::Connect).unwrap();
    assert_eq!(
        connect.sock, lookup.sock,
        "the connect is the client the lookup named"
    );
    assert_eq!(connect.outcome.ret(), Some(0), "{connect:?}");
    assert!(lookup.seq < connect.seq);
}

/// The lookup's result is the resolver's EAI_NONAME, said in its words.
fn assert_not_found(r: &sockplay::lab::CallResult) {
    assert_eq!(
        r.outcome.errno().map(|e| e.name()).as_deref(),
        Some("EAI_NONAME")
    );
    assert!(
        r.explain.contains("Name or service not known"),
        "{}",
        r.explain
    );
}

#[test]
fn a_failed_lookup_is_a_result_not_a_rejected_command() {
    let (lab, rx) = Lab::new();
    lab.set_resolver(Arc::new(|_: &str, _: u16| Err(Errno(libc::EAI_NONAME))));
    let mut app = app_on(lab);
    command(&mut app, "connect nosuchhost.example:80");
    assert!(
        pump(&mut app, &rx, |a| op_of(a, Call::Lookup).is_some()),
        "timed out waiting"
    );
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    assert_not_found(&op_of(&app, Call::Lookup).unwrap());
    assert!(
        op_of(&app, Call::Connect).is_none(),
        "no address, so no connect"
    );
    assert!(app.lab.lookups_in_flight().is_empty());
}

#[test]
fn real_names_resolve_as_python_resolves_them_and_the_socket_follows() {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import socket\nfor a in sorted({ai[4][0] for ai in socket.getaddrinfo('localhost', 80, type=socket.SOCK_STREAM)}): print(a)",
        ])
        .output()
        .expect("python3 runs");
    let python: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let ours: BTreeSet<String> = sockplay::lab::getaddrinfo("localhost", 80)
        .unwrap()
        .iter()
        .map(|a| a.ip().to_string())
        .collect();
    assert_eq!(ours, python);

    let run = common::run("listen localhost:0\nconnect L1\nexpect C1 state=ESTABLISHED\n");
    run.assert_ok();
    let lookup = run.call("L1", "getaddrinfo");
    assert_eq!(lookup.outcome.ret(), Some(ours.len() as u64));
    assert_eq!(run.call("L1", "listen").outcome.ret(), Some(0));
}

/// A script that ends on `listen localhost:0` reports the listen too: it is
/// told from the lookup's thread just after the lookup, and the script's end
/// must not close the lab in between (it did, once in a loaded test run).
#[test]
fn a_script_that_ends_on_a_named_listen_reports_the_listen() {
    for i in 0..100 {
        let run = common::run("listen localhost:0\n");
        run.assert_ok();
        assert_eq!(run.calls("L1", "getaddrinfo").len(), 1, "run {i}");
        assert_eq!(run.calls("L1", "listen").len(), 1, "run {i}");
    }
}

/// Finished calls of one kind, in the order they were reported.
fn ops_of(app: &App, call: Call) -> Vec<CallResult> {
    app.log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Op(r) if r.call == call => Some((**r).clone()),
            _ => None,
        })
        .collect()
}

fn u(n: u32) -> SockName {
    SockName::new(Role::Udp, n)
}

/// Whether the results show a lookup still in flight.
fn lookup_blocked(a: &App) -> bool {
    a.log
        .entries()
        .iter()
        .any(|e| matches!(e, Entry::Blocked(b) if b.call == Call::Lookup))
}

/// A resolver that answers only when the test lets it (10 s at most),
/// with the address sent on the returned channel; counts its answers.
fn gated(lab: &Lab) -> (Sender<SocketAddr>, Arc<AtomicUsize>) {
    let (release, gate) = mpsc::channel::<SocketAddr>();
    let gate = Mutex::new(gate);
    let answered = Arc::new(AtomicUsize::new(0));
    let answered2 = Arc::clone(&answered);
    lab.set_resolver(Arc::new(move |_host: &str, port: u16| {
        let got = gate.lock().unwrap().recv_timeout(Duration::from_secs(10));
        answered2.fetch_add(1, Ordering::SeqCst);
        got.map(|a| vec![SocketAddr::new(a.ip(), port)])
            .map_err(|_| Errno(libc::EAI_AGAIN))
    }));
    (release, answered)
}

/// A socket outside the lab that takes the lab's datagrams, and its port.
fn receiver() -> (UdpSocket, u16) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

/// `udp` in the lab (U1), and a receiver outside it.
fn udp_and_receiver(app: &mut App, rx: &Receiver<LabEvent>) -> (UdpSocket, u16) {
    command(app, "udp");
    assert!(
        pump(app, rx, |a| !ops_of(a, Call::Udp).is_empty()),
        "timed out waiting"
    );
    receiver()
}

fn recv_text(s: &UdpSocket) -> String {
    let mut buf = [0u8; 64];
    let (n, _) = s.recv_from(&mut buf).expect("a datagram arrives");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn a_sendto_whose_resolver_does_not_answer_never_holds_the_screen() {
    let (lab, rx) = Lab::new();
    let (release, answered) = gated(&lab);
    let mut app = app_on(lab);
    let (peer, port) = udp_and_receiver(&mut app, &rx);

    command(
        &mut app,
        &format!("sendto U1 slowhost.example:{port} \"first\""),
    );
    assert_eq!(
        answered.load(Ordering::SeqCst),
        0,
        "the screen's thread waited for the resolver"
    );
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    let lookups = app.lab.lookups_in_flight();
    assert_eq!(lookups.len(), 1);
    assert_eq!((lookups[0].sock, lookups[0].call), (u(1), Call::Lookup));
    assert!(
        app.calls_in_flight(),
        "the screen keeps ticking while it waits"
    );
    // A literal address needs no lookup; its send waits its turn behind
    // the lookup on U1's sending lane, as in a program's one writer thread.
    command(&mut app, &format!("sendto U1 127.0.0.1:{port} \"second\""));
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    // Shown as a call in flight, on the socket and in the results.
    assert!(pump(&mut app, &rx, lookup_blocked), "timed out waiting");
    let info = app.lab.socket(u(1)).unwrap();
    assert!(
        info.in_flight.iter().any(|f| f.call.call == Call::Lookup),
        "{:?}",
        info.in_flight
    );
    assert_eq!(answered.load(Ordering::SeqCst), 0);
    assert!(ops_of(&app, Call::SendTo).is_empty(), "nothing sent yet");

    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(
        pump(&mut app, &rx, |a| ops_of(a, Call::SendTo).len() == 2),
        "timed out waiting"
    );
    assert_eq!(recv_text(&peer), "first", "the datagrams kept their order");
    assert_eq!(recv_text(&peer), "second");
    let lookup = &ops_of(&app, Call::Lookup)[0];
    assert_eq!(lookup.outcome.ret(), Some(1));
    assert_eq!(lookup.arg.to_string(), "slowhost.example");
    let sends = ops_of(&app, Call::SendTo);
    assert!(
        sends
            .iter()
            .all(|s| s.sock == u(1) && s.outcome.ret().is_some())
    );
    assert!(app.lab.lookups_in_flight().is_empty());
    // A lane reports a call's result just before it marks itself idle.
    assert!(
        pump(&mut app, &rx, |a| a.lab.pending_all() == 0),
        "calls still pending: {}",
        app.lab.pending_all()
    );
}

#[test]
fn udp_and_connect_with_a_slow_name_wait_off_the_screen_too() {
    let (lab, rx) = Lab::new();
    let (release, answered) = gated(&lab);
    let mut app = app_on(lab);
    // `udp HOST:0`: the lookup keeps the name U1 for the socket to come.
    command(&mut app, "udp slowhost.example:0");
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    assert_eq!(answered.load(Ordering::SeqCst), 0);
    let lookups = app.lab.lookups_in_flight();
    assert_eq!((lookups[0].sock, lookups[0].call), (u(1), Call::Lookup));
    assert!(
        app.lab.socket(u(1)).is_none(),
        "no socket before the address"
    );
    assert!(app.calls_in_flight());
    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(
        pump(&mut app, &rx, |a| !ops_of(a, Call::Udp).is_empty()),
        "timed out waiting"
    );
    let made = &ops_of(&app, Call::Udp)[0];
    assert_eq!(made.created, vec![u(1)]);
    assert_eq!(made.arg.to_string(), "127.0.0.1:0");

    // `connect U1 HOST:PORT`, then a send that needs the peer it sets.
    let (peer, port) = receiver();
    command(&mut app, &format!("connect U1 slowhost.example:{port}"));
    command(&mut app, "send U1 \"to the peer\"");
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    assert_eq!(answered.load(Ordering::SeqCst), 1);
    assert_eq!(app.lab.lookups_in_flight().len(), 1);
    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(
        pump(&mut app, &rx, |a| !ops_of(a, Call::Send).is_empty()),
        "timed out waiting"
    );
    let connect = &ops_of(&app, Call::Connect)[0];
    assert_eq!(connect.outcome.ret(), Some(0), "{connect:?}");
    assert_eq!(connect.arg.to_string(), format!("127.0.0.1:{port}"));
    let send = &ops_of(&app, Call::Send)[0];
    assert_eq!(send.outcome.ret(), Some(11), "{send:?}");
    assert_eq!(recv_text(&peer), "to the peer");
    let lookups = ops_of(&app, Call::Lookup);
    assert!(lookups[1].seq < connect.seq && connect.seq < send.seq);
}

#[test]
fn failed_udp_lookups_are_results_and_nothing_is_sent() {
    let (lab, rx) = Lab::new();
    lab.set_resolver(Arc::new(|_: &str, _: u16| Err(Errno(libc::EAI_NONAME))));
    let mut app = app_on(lab);
    command(&mut app, "udp nosuchhost.example:0");
    command(&mut app, "udp");
    assert!(
        pump(&mut app, &rx, |a| !ops_of(a, Call::Udp).is_empty()),
        "timed out waiting"
    );
    command(&mut app, "sendto U2 nosuchhost.example:9 \"x\" x3");
    command(&mut app, "connect U2 nosuchhost.example:9");
    assert!(
        pump(&mut app, &rx, |a| ops_of(a, Call::Lookup).len() == 3),
        "timed out waiting"
    );
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    let lookups = ops_of(&app, Call::Lookup);
    assert_eq!(
        lookups.iter().map(|l| l.sock).collect::<Vec<_>>(),
        vec![u(1), u(2), u(2)]
    );
    lookups.iter().for_each(assert_not_found);
    // A bound socket asked for its own family only: the result says so.
    assert!(
        lookups[1].explain.contains("IPv4"),
        "{}",
        lookups[1].explain
    );
    assert!(
        ops_of(&app, Call::SendTo).is_empty(),
        "no address, no datagram"
    );
    assert!(ops_of(&app, Call::Connect).is_empty());
    assert_eq!(ops_of(&app, Call::Udp).len(), 1, "only U2 was made");
    assert!(app.lab.socket(u(1)).is_none());
    assert!(app.lab.lookups_in_flight().is_empty());
    // The name the failed lookup kept is no socket, and says why.
    command(&mut app, "sendto U2 U1 \"x\"");
    let err = app.cmd_error.clone().unwrap_or_default();
    assert!(err.contains("udp that was to make it failed"), "{err}");
}

#[test]
fn a_socket_closed_while_its_lookup_waits_sends_nothing() {
    let (lab, rx) = Lab::new();
    let (release, _answered) = gated(&lab);
    let mut app = app_on(lab);
    let (peer, port) = udp_and_receiver(&mut app, &rx);
    command(
        &mut app,
        &format!("sendto U1 slowhost.example:{port} \"late\""),
    );
    command(&mut app, "close U1");
    assert!(
        pump(&mut app, &rx, |a| !ops_of(a, Call::Close).is_empty()),
        "timed out waiting"
    );
    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert!(
        pump(&mut app, &rx, |a| !ops_of(a, Call::SendTo).is_empty()),
        "timed out waiting"
    );
    let send = &ops_of(&app, Call::SendTo)[0];
    assert_eq!(
        send.outcome.errno().map(|e| e.name()).as_deref(),
        Some("EBADF"),
        "{send:?}"
    );
    peer.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 16];
    assert!(
        peer.recv_from(&mut buf).is_err(),
        "a datagram left a closed socket"
    );
}

#[test]
fn real_udp_names_resolve_as_python_resolves_them_and_datagrams_arrive() {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import socket\nfor a in sorted({ai[4][0] for ai in socket.getaddrinfo('localhost', 9, type=socket.SOCK_DGRAM)}): print(a)",
        ])
        .output()
        .expect("python3 runs");
    let python: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let hints = Hints {
        socktype: libc::SOCK_DGRAM,
        family: libc::AF_UNSPEC,
    };
    let ours: BTreeSet<String> = sockplay::lab::getaddrinfo_with("localhost", 9, hints)
        .unwrap()
        .iter()
        .map(|a| a.ip().to_string())
        .collect();
    assert_eq!(ours, python);

    let port = common::free_port();
    let script = format!(
        "udp localhost:{port}\nudp\nsendto U2 localhost:{port} \"hello\"\nrecvfrom U1 100\n\
         expect U1 ret=5\nconnect U2 localhost:{port}\nsend U2 \"again\"\nrecvfrom U1 100\n\
         expect U1 ret=5\n"
    );
    let run = common::run(&script);
    run.assert_ok();
    let lookups = run.calls("U1", "getaddrinfo");
    assert_eq!(lookups[0].outcome.ret(), Some(ours.len() as u64));
    assert_eq!(run.calls("U2", "getaddrinfo").len(), 2);
    let got: Vec<_> = run
        .calls("U1", "recvfrom")
        .iter()
        .map(|r| {
            r.data
                .as_ref()
                .map(|d| String::from_utf8_lossy(d.head()).into_owned())
        })
        .collect();
    assert_eq!(
        got,
        vec![Some("hello".to_string()), Some("again".to_string())]
    );
    let from = run.calls("U1", "recvfrom")[0].datagram.clone().unwrap();
    assert_eq!(from.peer_name, Some(u(2)));
}

fn lab_command(text: &str) -> sockplay::lab::Command {
    match sockplay::script::parse_line(text) {
        Ok(Some(sockplay::script::Statement::Lab(cmd))) => cmd,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn a_lookup_answered_after_a_reset_makes_nothing_in_the_new_lab() {
    let (lab, _rx) = Lab::new();
    // The resolver tells when it is dropped: the lookup's thread holds it
    // until that thread ends, after it made whatever it was going to make.
    let (release, gate) = mpsc::channel::<SocketAddr>();
    let (alive, gone) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    lab.set_resolver(Arc::new(move |_host: &str, port: u16| {
        let _alive = &alive;
        let got = gate.lock().unwrap().recv_timeout(Duration::from_secs(10));
        got.map(|a| vec![SocketAddr::new(a.ip(), port)])
            .map_err(|_| Errno(libc::EAI_AGAIN))
    }));
    lab.execute(&lab_command("listen slowhost.example:0"))
        .unwrap();
    assert_eq!(lab.lookups_in_flight().len(), 1);
    lab.reset();
    // The lab lets go of the old resolver; only the old lookup holds it.
    lab.set_resolver(Arc::new(|_host: &str, _port: u16| {
        Err(Errno(libc::EAI_AGAIN))
    }));
    assert!(lab.lookups_in_flight().is_empty(), "the old run's lookup");
    assert_eq!(lab.pending_all(), 0);
    lab.execute(&lab_command("listen")).unwrap();
    let l1 = lab.socket("L1".parse().unwrap()).unwrap().meta.local;
    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    assert_eq!(
        gone.recv_timeout(Duration::from_secs(5)),
        Err(mpsc::RecvTimeoutError::Disconnected),
        "the old lookup's thread ended"
    );
    assert_eq!(lab.socket_count(), 1, "{:?}", lab.sockets());
    assert_eq!(lab.socket("L1".parse().unwrap()).unwrap().meta.local, l1);
    assert!(lab.lookups_in_flight().is_empty());
}
