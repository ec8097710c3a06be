//! Host names are looked up off the screen's thread, as a call in flight of
//! their own (`getaddrinfo(HOST)`), and a failed lookup is a result.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::tui::{command, key, pump};
use crossterm::event::KeyCode;
use sockplay::kernel::KernelReader;
use sockplay::lab::{Call, Errno, Lab};
use sockplay::tui::app::App;
use sockplay::tui::log::Entry;
use sockplay::tui::theme::Theme;

fn op_of(app: &App, call: Call) -> Option<sockplay::lab::CallResult> {
    app.log.entries().iter().find_map(|e| match e {
        Entry::Op(r) if r.call == call => Some(r.clone()),
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
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    command(&mut app, "listen");
    pump(&mut app, &rx, |a| op_of(a, Call::Listen).is_some());
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
    pump(&mut app, &rx, |a| {
        a.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Blocked(b) if b.call == Call::Lookup))
    });
    assert!(!answered.load(Ordering::SeqCst));

    release.send("127.0.0.1:0".parse().unwrap()).unwrap();
    pump(&mut app, &rx, |a| op_of(a, Call::Connect).is_some());
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

#[test]
fn a_failed_lookup_is_a_result_not_a_rejected_command() {
    let (lab, rx) = Lab::new();
    lab.set_resolver(Arc::new(|_: &str, _: u16| Err(Errno(libc::EAI_NONAME))));
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    command(&mut app, "connect nosuchhost.example:80");
    pump(&mut app, &rx, |a| op_of(a, Call::Lookup).is_some());
    assert!(app.cmd_error.is_none(), "{:?}", app.cmd_error);
    let r = op_of(&app, Call::Lookup).unwrap();
    assert_eq!(
        r.outcome.errno().map(|e| e.name()).as_deref(),
        Some("EAI_NONAME")
    );
    assert!(
        r.explain.contains("Name or service not known"),
        "{}",
        r.explain
    );
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
