//! Small faults found by trying sockplay as an adversary would, each held
//! to its fix.

mod common;

use sockplay::lab::SockName;
use sockplay::script::parse_line;
use sockplay::script::transcript::head;

#[test]
fn expect_with_a_double_equals_is_rejected_in_one_line() {
    for text in ["expect L1 state==", "expect L1 state==LISTEN"] {
        let e = parse_line(text).unwrap_err();
        assert!(e.message.contains("one '='"), "{text}: {}", e.message);
        assert!(!e.message.contains('\n'));
    }
    assert!(parse_line("expect L1 state=LISTEN").is_ok());
}

#[test]
fn a_v4_mapped_loopback_address_is_loopback() {
    let run = common::run("listen [::ffff:127.0.0.1]:0\nlisten [::1]:0\n");
    run.assert_ok();
    for name in ["L1", "L2"] {
        let r = run.call(name, "listen");
        assert_eq!(r.outcome.ret(), Some(0), "{r:?}");
        assert!(
            !r.explain.contains("not a loopback"),
            "{name}: {}",
            r.explain
        );
    }
}

#[test]
fn transcript_columns_keep_apart_for_long_numbers_and_names() {
    let name = |s: &str| s.parse::<SockName>().unwrap();
    assert_eq!(head(12, name("C1")), "#12  C1  ");
    assert_eq!(head(251, name("C250")), "#251 C250 ");
    assert_eq!(head(12345, name("A10000")), "#12345 A10000 ");
}

#[test]
fn recv_of_0_says_once_what_ended_the_stream_a_fin_or_a_reset() {
    let run = common::run(
        "listen\nconnect L1\naccept L1\nclose A1 rst\nsleep 100ms\nrecv C1 10\nrecv C1 10\n\
         connect L1\naccept L1\nshutdown A2 write\nrecv C2 5\n",
    );
    let after_reset = run.calls("C1", "recv");
    assert_eq!(
        after_reset[0].outcome.errno().map(|e| e.name()).as_deref(),
        Some("ECONNRESET")
    );
    let zero = after_reset[1];
    assert_eq!(zero.outcome.ret(), Some(0));
    assert!(zero.explain.contains("reset"), "{}", zero.explain);
    let fin = run.call("C2", "recv");
    assert_eq!(fin.outcome.ret(), Some(0));
    assert!(fin.explain.contains("FIN"), "{}", fin.explain);
    for r in [zero, fin] {
        let line = sockplay::script::transcript::result_line(r);
        assert_eq!(line.matches("end of stream").count(), 1, "{line}");
    }
}
