//! The command language: every command, every kind of error, and no panics.

use std::time::Duration;

use proptest::prelude::*;
use sockplay::lab::{
    AcceptCount, Command, DrainMode, Endpoint, Payload, Role, ShutdownHow, SockName, SockOpts,
    Target, TimeoutMode,
};
use sockplay::script::parse::options_of;
use sockplay::script::{Statement, parse_line, parse_script};

fn name(s: &str) -> SockName {
    s.parse().unwrap()
}

fn lab(line: &str) -> Command {
    match parse_line(line) {
        Ok(Some(Statement::Lab(c))) => c,
        other => panic!("{line}: {other:?}"),
    }
}

/// The error of a line: (column, message).
fn err(line: &str) -> (usize, String) {
    let e = parse_line(line).expect_err(line);
    (e.col, e.message)
}

#[test]
fn listen_with_every_option() {
    assert_eq!(
        lab("listen"),
        Command::Listen {
            addr: None,
            backlog: 5,
            reuseaddr: None,
            opts: SockOpts::default(),
            defer_accept: None,
            port_alone: false,
        }
    );
    assert_eq!(
        lab("listen [::1]:8080 backlog=0 rcvbuf=4k sndbuf=1m timeout=2s reuseaddr=on"),
        Command::Listen {
            addr: Some(Endpoint {
                host: "::1".into(),
                port: 8080
            }),
            backlog: 0,
            reuseaddr: Some(true),
            opts: SockOpts {
                rcvbuf: Some(4096),
                sndbuf: Some(1 << 20),
                timeout: Some(TimeoutMode::Timeout(Duration::from_secs(2))),
                ..SockOpts::default()
            },
            defer_accept: None,
            port_alone: false,
        }
    );
    assert!(matches!(
        lab("LISTEN 9000 backlog=-1"),
        Command::Listen { backlog: -1, .. }
    ));
    assert!(matches!(
        lab("listen defer_accept=1.5s"),
        Command::Listen { defer_accept: Some(d), .. } if d == Duration::from_millis(1500)
    ));
    assert!(matches!(
        lab("listen defer_accept=off"),
        Command::Listen {
            defer_accept: Some(Duration::ZERO),
            ..
        }
    ));
    assert!(
        err("listen defer_accept=4000s")
            .1
            .contains("defer_accept 4000s is out of range")
    );
}

#[test]
fn connect_to_a_listener_or_an_address() {
    assert_eq!(
        lab("connect L1 x10 timeout=0"),
        Command::Connect {
            target: Target::Listener(name("L1")),
            count: 10,
            opts: SockOpts {
                timeout: Some(TimeoutMode::NonBlocking),
                ..SockOpts::default()
            }
        }
    );
    assert!(matches!(
        lab("connect localhost:80 timeout=nonblocking"),
        Command::Connect {
            target: Target::Endpoint(Endpoint { port: 80, .. }),
            count: 1,
            ..
        }
    ));
}

#[test]
fn the_socket_calls() {
    assert_eq!(
        lab("accept L2 all"),
        Command::Accept {
            listener: name("L2"),
            count: AcceptCount::All
        }
    );
    assert_eq!(
        lab("accept L1 x3"),
        Command::Accept {
            listener: name("L1"),
            count: AcceptCount::Times(3)
        }
    );
    assert_eq!(
        lab("send C1 64k"),
        Command::Send {
            sock: name("C1"),
            payload: Payload::Pattern(65536),
            more: vec![]
        }
    );
    assert_eq!(
        lab(r#"send C1 "GET / " 9"#),
        Command::Send {
            sock: name("C1"),
            payload: Payload::Text(b"GET / ".to_vec()),
            more: vec![Payload::Pattern(9)]
        }
    );
    assert_eq!(
        lab(r#"sendall A1 "Hi\r\n\x00""#),
        Command::SendAll {
            sock: name("A1"),
            payload: Payload::Text(b"Hi\r\n\x00".to_vec()),
            rate: None
        }
    );
    assert_eq!(
        lab("sendall C1 1m rate=64k/s"),
        Command::SendAll {
            sock: name("C1"),
            payload: Payload::Pattern(1 << 20),
            rate: Some(65536)
        }
    );
    assert_eq!(
        lab("recv A1 16 peek"),
        Command::Recv {
            sock: name("A1"),
            size: 16,
            peek: true
        }
    );
    assert_eq!(
        lab("recvall A1 1k"),
        Command::RecvAll {
            sock: name("A1"),
            size: 1024
        }
    );
    assert_eq!(
        lab("drain A1 on"),
        Command::Drain {
            sock: name("A1"),
            mode: DrainMode::On,
            rate: None
        }
    );
    assert_eq!(
        lab("drain A1 on rate=4k/s"),
        Command::Drain {
            sock: name("A1"),
            mode: DrainMode::On,
            rate: Some(4096)
        }
    );
    assert_eq!(
        lab("shutdown C1 write"),
        Command::Shutdown {
            sock: name("C1"),
            how: ShutdownHow::Write
        }
    );
    assert_eq!(
        lab("close C1 rst"),
        Command::Close {
            sock: name("C1"),
            rst: true
        }
    );
    assert_eq!(
        lab("set C1 rcvtimeo=500ms sndtimeo=off"),
        Command::Set {
            sock: name("C1"),
            opts: SockOpts {
                rcvtimeo: Some(Duration::from_millis(500)),
                sndtimeo: Some(Duration::ZERO),
                ..SockOpts::default()
            }
        }
    );
    assert_eq!(
        lab("set C1 nodelay=on timeout=none"),
        Command::Set {
            sock: name("C1"),
            opts: SockOpts {
                nodelay: Some(true),
                timeout: Some(TimeoutMode::Blocking),
                ..SockOpts::default()
            }
        }
    );
}

#[test]
fn the_script_commands() {
    let one = |l: &str| parse_line(l).unwrap().unwrap();
    assert_eq!(
        one("show"),
        Statement::Show(vec![], sockplay::script::ShowAt::Top)
    );
    assert_eq!(
        one("show A1"),
        Statement::Show(vec![name("A1")], sockplay::script::ShowAt::Top)
    );
    assert_eq!(
        one("show L1 counters"),
        Statement::Show(vec![name("L1")], sockplay::script::ShowAt::Counters)
    );
    // Several sockets at once, so that what a note compares is on one screen.
    assert_eq!(
        one("show C4 C7 counters"),
        Statement::Show(
            vec![name("C4"), name("C7")],
            sockplay::script::ShowAt::Counters
        )
    );
    for bad in [
        "show C4 C4",
        "show C4 counters C7",
        "show C4 later",
        "show counters",
    ] {
        assert!(parse_line(bad).is_err(), "{bad} is refused");
    }
    use sockplay::script::Facing::{Receiving, Sending};
    use sockplay::script::WireView::{Held, Live, Unchanged};
    for (line, facing, wire) in [
        ("select A1 recv", Receiving, Unchanged),
        ("select A1", Sending, Unchanged),
        ("select C1 wire", Sending, Live),
        ("select A1 recv wire", Receiving, Live),
        ("select C1 wire held", Sending, Held),
        ("select A1 recv wire held", Receiving, Held),
    ] {
        assert_eq!(
            one(line),
            Statement::Select(name(&line[7..9]), facing, wire),
            "{line}"
        );
    }
    for bad in [
        "select C1 held",
        "select C1 held wire",
        "select C1 wire recv",
        "select C1 wire held held",
        "select C1 wire wire",
    ] {
        assert!(parse_line(bad).is_err(), "{bad} is refused");
    }
    assert_eq!(
        one("sleep 1.5s"),
        Statement::Sleep(Duration::from_millis(1500))
    );
    assert_eq!(
        one("wait C1"),
        Statement::Wait {
            sock: name("C1"),
            limit: Duration::from_secs(5)
        }
    );
    match one("expect L1 accept_queue=3 within 500ms") {
        Statement::Expect(e) => {
            assert_eq!((e.field.as_str(), e.want.as_str()), ("accept_queue", "3"));
            assert_eq!(e.within, Duration::from_millis(500));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        one(r#"note "Watch \"Recv-Q\"""#),
        Statement::Note("Watch \"Recv-Q\"".into())
    );
    assert_eq!(one(r#"step "Backlog""#), Statement::Step("Backlog".into()));
    assert_eq!(one("help send"), Statement::Help(Some("send".into())));
    assert_eq!(one("pause"), Statement::Pause);
    match one("expect no packet from=L1 to=C4 within 1s") {
        Statement::ExpectPacket(e) => {
            assert!(e.absent);
            assert_eq!(e.within, Duration::from_secs(1));
            assert_eq!(e.want_text(), "from=L1 to=C4");
        }
        other => panic!("{other:?}"),
    }
    match one("expect no packet from=L1") {
        // Without a time, only what was seen already.
        Statement::ExpectPacket(e) => assert_eq!((e.absent, e.within), (true, Duration::ZERO)),
        other => panic!("{other:?}"),
    }
    match one("expect packet from=L1") {
        Statement::ExpectPacket(e) => assert!(!e.absent),
        other => panic!("{other:?}"),
    }
    assert_eq!(parse_line("   # nothing").unwrap(), None);
}

#[test]
fn errors_name_the_column_and_what_was_expected() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "lisen",
            1,
            "unknown command 'lisen'; expected one of: listen",
        ),
        ("send X1 10", 6, "'X1' is not a socket name"),
        ("send C1 4q", 9, "bad size '4q'"),
        ("send C1 32m", 9, "send takes at most 16m in one call"),
        ("recv C1 0", 9, "N 0 is out of range: expected 1 to 16m"),
        ("listen backlog=abc", 8, "bad backlog 'abc'"),
        ("listen backlog=-2", 8, "backlog -2 is out of range"),
        (
            "listen rcvbuf=2g",
            8,
            "rcvbuf 2147483648 is out of range: expected 1 to 1g",
        ),
        ("listen colour=red", 8, "listen has no option 'colour'"),
        ("listen backlog=1 backlog=2", 18, "backlog is given twice"),
        ("listen 99999", 8, "bad port '99999'"),
        ("connect L1 x0", 12, "count 0 is out of range"),
        ("connect L1 timeout=soon", 12, "bad timeout 'soon'"),
        ("set C1 rcvtimeo=soon", 8, "bad time-out 'soon'"),
        (
            "set C1 congestion=no.such",
            8,
            "bad congestion 'no.such': expected a congestion control's name",
        ),
        ("connect", 8, "connect needs a target"),
        ("accept L1 some", 11, "expected xN or all"),
        ("shutdown C1 sideways", 13, "expected read, write or both"),
        ("close C1 hard", 10, "expected rst"),
        ("set C1", 7, "set needs an option to set"),
        ("drain A1 maybe", 10, "expected on or off"),
        ("expect C1 colour=blue", 11, "unknown field 'colour'"),
        ("expect C1 ret", 11, "expected FIELD=VALUE"),
        ("expect C1 ret=1 within", 23, "needs a duration"),
        ("expect no C1 ret=1", 11, "expected packet, found 'C1'"),
        ("expect no packet flags=SYN", 27, "needs from=S or to=S"),
        ("sleep 5", 7, "bad duration '5'"),
        ("note hello", 6, "expected a quoted text"),
        (r#"note "open"#, 6, "unterminated text"),
        (r#"send C1 "\q""#, 10, "unknown escape"),
        (
            "show C1 later",
            9,
            "expected a socket or counters, found 'later'",
        ),
        ("help frobnicate", 6, "no command 'frobnicate'"),
        ("pause now", 7, "unexpected 'now'"),
        ("select", 7, "select needs a socket name"),
        ("select Q1", 8, "'Q1' is not a socket name"),
        ("drain A1 on rate=4k", 13, "bad rate '4k'"),
        ("drain A1 on rate=0/s", 13, "rate 0 is out of range"),
        ("drain A1 off rate=4k/s", 14, "unexpected 'rate=4k/s'"),
        ("send C1 10 rate=4k/s", 12, "unexpected 'rate=4k/s'"),
        ("sendall C1 10 speed=4k/s", 15, "unexpected 'speed=4k/s'"),
    ];
    for (line, col, start) in cases {
        let (c, m) = err(line);
        assert!(m.contains(start), "{line}: {m}");
        assert_eq!(c, *col, "{line}: {m}");
    }
}

#[test]
fn script_errors_name_the_line() {
    let e = parse_script("listen\n\n# fine\nconnect L1 x\n").unwrap_err();
    assert_eq!(e.line, 4);
    assert_eq!(e.error.col, 12);
    assert!(e.to_string().starts_with("line 4, column 12: "), "{e}");
}

#[test]
fn names_have_roles() {
    assert_eq!(name("A12").role, Role::Accepted);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_input_makes_the_parser_panic(line in "\\PC{0,80}") {
        let _ = parse_line(&line);
    }

    #[test]
    fn no_near_miss_makes_the_parser_panic(
        cmd in prop::sample::select(vec![
            "listen", "connect", "accept", "send", "sendall", "recv", "recvall", "drain",
            "shutdown", "close", "set", "show", "sleep", "wait", "expect", "note", "step", "help",
        ]),
        args in prop::collection::vec(
            prop_oneof![
                "[LCA][0-9]{0,3}",
                "[0-9]{0,25}[kmgKMGs]?",
                "(backlog|rcvbuf|sndbuf|timeout|reuseaddr|nodelay|ret|errno|state)=[-0-9a-z.]{0,12}",
                "x[0-9]{0,12}",
                "\"([^\"\\\\]|\\\\[nrtx0-9a-f\"\\\\]){0,10}\"?",
                "\\[[:0-9a-f]{0,10}\\]?:[0-9]{0,6}",
            ],
            0..5,
        ),
    ) {
        let line = format!("{cmd} {}", args.join(" "));
        let _ = parse_line(&line);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Peer bytes are shown as printable ASCII only, and read back to the
    /// same bytes through the command language's text escapes.
    #[test]
    fn escaping_peer_bytes_is_printable_and_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let escaped = sockplay::lab::preview::escape(&bytes);
        prop_assert!(escaped.bytes().all(|b| (0x20..0x7f).contains(&b)), "{:?}", escaped);
        let tokens = sockplay::script::lexer::tokenize(&format!("send C1 \"{escaped}\"")).unwrap();
        prop_assert_eq!(&tokens[2].bytes, &bytes);
    }
}

/// Every option a command takes is in its help (the usage line, or the
/// line about it where the usage would not fit the help screen) and is
/// offered by Tab, and the usage names no other: the parser's list serves
/// all three.
#[test]
fn every_option_is_in_the_usage_and_offered_by_tab() {
    for cmd in ["listen", "connect", "set", "udp"] {
        let help = sockplay::script::help::usage(cmd).unwrap();
        let usage = help.usage;
        let offered = sockplay::tui::complete::candidates(&format!("{cmd} "), &[]);
        let keys = options_of(cmd);
        assert!(!keys.is_empty(), "{cmd}");
        for key in keys {
            assert!(
                usage.contains(&format!("[{key}=")) || help.about.contains(&format!(" {key}=")),
                "{cmd}'s help lacks {key}=: {usage} / {}",
                help.about
            );
            assert!(
                offered.contains(&format!("{key}=")),
                "Tab after '{cmd} ' does not offer {key}=: {offered:?}"
            );
        }
        let in_usage: Vec<&str> = usage
            .split('[')
            .filter_map(|w| w.split_once('=').map(|(k, _)| k))
            .collect();
        for key in in_usage {
            assert!(
                keys.contains(&key),
                "{cmd}'s usage names {key}=, which it does not take"
            );
        }
    }
}

/// A newcomer's first tries get the lab's way of writing them.
#[test]
fn calls_written_as_in_c_and_a_udp_backlog_get_a_teaching_answer() {
    let (col, msg) = err("listen(5)");
    assert_eq!(col, 1);
    assert!(msg.contains("listen backlog=5"), "{msg}");
    let (_, msg) = err("connect(L1)");
    assert!(msg.contains("connect L1"), "{msg}");
    let (col, msg) = err("udp backlog=5");
    assert_eq!(col, 5);
    assert!(msg.starts_with("UDP has no backlog"), "{msg}");
    assert!(msg.contains("EOPNOTSUPP"), "{msg}");
    // `listen 5` parses (port 5), and the hint says what it did.
    assert!(matches!(
        lab("listen 5"),
        Command::Listen { backlog: 5, .. }
    ));
    let hint = sockplay::script::parse::hint("listen 5").expect("a hint");
    assert!(hint.contains("listen backlog=5"), "{hint}");
    assert_eq!(sockplay::script::parse::hint("listen 8080"), None);
    assert_eq!(sockplay::script::parse::hint("listen backlog=5"), None);
}
