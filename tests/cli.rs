//! The `sockplay run` command as a user runs it: exit codes, the JSON
//! contract (docs/reference.md), and the transcript.

mod common;

use std::process::Output;

fn sockplay(args: &[&str], script: &str) -> Output {
    common::run_file(args, "cli", script)
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn exit_status_says_how_the_run_went() {
    let ok = sockplay(&["run"], "listen\nexpect L1 errno=null\n");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    let failed = sockplay(
        &["run"],
        "listen\nexpect L1 errno=EAGAIN within 100ms\nlisten\n",
    );
    assert_eq!(failed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(
        stdout.contains("✗ FAILED expect L1 errno=EAGAIN: got null"),
        "{stdout}"
    );
    assert!(
        stdout.contains("#2   L2"),
        "the run goes on after a failed expect: {stdout}"
    );
    let rejected = sockplay(&["run"], "listen\nsend C7 10\nlisten\n");
    assert_eq!(rejected.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&rejected.stdout);
    assert!(
        stdout.contains("error: line 2: there is no socket C7"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("L2"),
        "the run stops at a rejected command: {stdout}"
    );
    let malformed = sockplay(&["run"], "listen\nlisten backlog=x\n");
    assert_eq!(malformed.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&malformed.stdout);
    assert!(
        stdout.contains("error: line 2, column 8: bad backlog 'x'"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("L1"),
        "nothing runs when a line is malformed: {stdout}"
    );
}

#[test]
fn json_lines_carry_the_spec_field_names() {
    let out = sockplay(
        &["run", "--json"],
        r#"listen
connect L1
accept L1
send C1 "Hi"
recv A1 100
recv C1 10
note "narration"
step "a step"
expect A1 ret=2
close A1 rst
wait C1
"#,
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let records = json_lines(&out);
    let op_keys = [
        "type",
        "seq",
        "t",
        "sock",
        "call",
        "arg",
        "ret",
        "errno",
        "partial",
        "timed_out",
        "elapsed_ms",
        "created",
    ];
    let ops: Vec<_> = records.iter().filter(|r| r["type"] == "op").collect();
    assert!(ops.len() >= 5);
    for op in &ops {
        for key in op_keys {
            assert!(op.get(key).is_some(), "{key} missing in {op}");
        }
    }
    let accept = ops.iter().find(|o| o["call"] == "accept").unwrap();
    assert_eq!(accept["created"], serde_json::json!(["A1"]));
    let recv = ops
        .iter()
        .find(|o| o["sock"] == "A1" && o["call"] == "recv")
        .unwrap();
    assert_eq!(recv["ret"], 2);
    assert_eq!(recv["arg"], 100);
    assert_eq!(recv["errno"], serde_json::Value::Null);
    // Fewer bytes than its buffer is what recv promises: not partial.
    assert_eq!(recv["partial"], false);
    assert_eq!(recv["data"], "Hi");
    let blocked = records.iter().find(|r| r["type"] == "blocked").unwrap();
    assert_eq!(
        (blocked["sock"].as_str(), blocked["call"].as_str()),
        (Some("C1"), Some("recv"))
    );
    for key in ["seq", "t", "arg"] {
        assert!(blocked.get(key).is_some(), "{key} missing in {blocked}");
    }
    let expect = records.iter().find(|r| r["type"] == "expect").unwrap();
    assert_eq!(
        expect,
        &serde_json::json!({
            "type": "expect", "line": 9, "ok": true, "sock": "A1", "field": "ret",
            "want": "2", "got": "2", "t": expect["t"].clone()
        })
    );
    assert!(
        records
            .iter()
            .any(|r| r["type"] == "note" && r["text"] == "narration")
    );
    assert!(
        records
            .iter()
            .any(|r| r["type"] == "step" && r["title"] == "a step")
    );
    // The blocked recv on C1 ends when A1 resets the connection.
    let reset = ops
        .iter()
        .find(|o| o["sock"] == "C1" && o["call"] == "recv");
    assert_eq!(reset.unwrap()["errno"], "ECONNRESET");
}

#[test]
fn json_errors_name_line_and_column() {
    let out = sockplay(&["run", "--json"], "listen\nrecv L1 zero\n");
    assert_eq!(out.status.code(), Some(2));
    let records = json_lines(&out);
    assert_eq!(
        records,
        vec![serde_json::json!({
            "type": "error", "line": 2, "column": 9,
            "message": "bad size 'zero': expected a number with an optional k, m or g (100, 4k, 1m)"
        })]
    );
}

#[test]
fn peer_bytes_never_reach_the_terminal_raw() {
    let out = sockplay(
        &["run"],
        "listen\nconnect L1\naccept L1\nsend C1 \"\\x1b[2J\\x07\\xff\"\nsleep 50ms\nrecv A1 10\n",
    );
    let stdout = String::from_utf8(out.stdout).expect("the transcript is UTF-8");
    assert!(
        !stdout.bytes().any(|b| b == 0x1b || b == 0x07),
        "{stdout:?}"
    );
    assert!(stdout.contains(r#""\x1b[2J\x07\xff""#), "{stdout}");
}

#[test]
fn transcript_of_the_example() {
    let script = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/examples/first-look.sp"
    ))
    .unwrap();
    let out = sockplay(&["run"], &script);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    insta::with_settings!({filters => vec![
        (r"\d+\.\d+ (ms|s)\)", "[time])"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"fd \d+", "fd [n]"),
        // How much a small buffer takes depends on the kernel's accounting.
        (r"→ \d+ +\[partial \d+%\]  took \d+", "→ [n] [partial]  took [n]"),
        (r"→ \d+ +\[partial <1%\]  took \d+", "→ [n] [partial]  took [n]"),
        // Whether the second send still fits a little is the kernel's timing.
        (r"(?m)^#8 .*$", "#8   [the second send: partial or EAGAIN]"),
        (r#"→ \d+ +"[a-z…]+"  read \d+ bytes in \d+ recv calls"#, "→ [n] [bytes]  read [n] bytes in [k] recv calls"),
    ]}, {
        insta::assert_snapshot!(stdout);
    });
}

/// `listen 5` is what a newcomer types for `listen(5)`: it binds port 5 (or,
/// without root, is refused it), and either way the result says 5 was taken as
/// a port and how to ask for a backlog. A port above 1023, or one written
/// with its host, gets no such word.
#[test]
fn a_port_below_1024_is_said_to_be_a_port_not_a_backlog() {
    let out = sockplay(
        &["run"],
        "listen 5\nlisten backlog=5\nlisten 8089\nlisten 127.0.0.1:7\n",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].contains("listen(127.0.0.1:5)"), "{text}");
    assert!(
        lines[0].contains("5 was taken as a port") && lines[0].contains("listen backlog=5"),
        "{text}"
    );
    for line in &lines[1..] {
        assert!(!line.contains("taken as a port"), "{text}");
    }
}

mod needs_root {
    use super::*;

    /// A check on the wire reads back as it was written (`expect packet from=C1
    /// …`), not as a field of some socket (`expect C1 packet=from=C1 …`).
    #[cfg_attr(not(ci), ignore = "needs root: captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_packet_check_reads_as_written() {
        common::require_root("capturing packets");
        let out = sockplay(
            &["run", "--wire"],
            "listen\nconnect L1\nexpect packet from=C1 to=L1 flags=SYN\n",
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains("expect packet from=C1 to=L1 flags=SYN"),
            "{text}"
        );
        assert!(!text.contains("packet=from"), "{text}");
    }
}

/// `show` names a socket the kernel no longer holds, where it was left
/// out of the view: the client closed first, so C1 keeps TIME-WAIT and
/// A1, closed second, is gone once its last ACK came. `ss` agrees: C1's
/// ends of the connection are held, A1's are not.
#[test]
fn show_names_a_socket_the_kernel_no_longer_holds() {
    let out = sockplay(
        &["run"],
        "listen\nconnect L1\naccept L1\nclose C1\nexpect A1 state=CLOSE-WAIT within 2s\nclose A1\nexpect C1 state=TIME-WAIT within 2s\nshow L1 C1 A1\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("A1: the kernel holds nothing for it any more"),
        "{stdout}"
    );
    assert!(!stdout.contains("C1: the kernel holds nothing"), "{stdout}");
    // `C1 connected: 127.0.0.1:33776 → 127.0.0.1:45885`
    let (client, server) = stdout
        .split("C1 connected: ")
        .nth(1)
        .and_then(|r| r.split("  (").next())
        .and_then(|r| r.split_once(" → "))
        .unwrap_or_else(|| panic!("no connect result: {stdout}"));
    let port: u16 = server.rsplit(':').next().unwrap().parse().unwrap();
    let held = common::ss("-Htan", port);
    assert!(
        held.iter()
            .any(|l| l.state == "TIME-WAIT" && l.local == client && l.peer == server),
        "ss shows C1's TIME-WAIT: {held:?}"
    );
    assert!(
        !held.iter().any(|l| l.local == server && l.peer == client),
        "ss shows nothing of A1: {held:?}"
    );
}
