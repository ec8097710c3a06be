//! Notes that quote the kernel (`{A1.recvq}`, `{sysctl.somaxconn}`): filled
//! from the kernel view in the transcript, JSON, the handout and on
//! screen; a quote that names no field stops the script at load time.

mod common;

use std::process::Output;

use common::tui::{app, key, pump_drawn, render, snapshot};
use crossterm::event::KeyCode;
use sockplay::script::parse_script;

const SCRIPT: &str = "listen rcvbuf=4k\nconnect L1\naccept L1\nsend C1 \"Hi there\"\nexpect A1 recvq=8\nnote \"A1 holds {A1.recvq} bytes of {L1.rcvbuf}; send gave {C1.ret}; C1 is {C1.state}; somaxconn {sysctl.somaxconn} {{as set}}.\"\n";

fn sockplay(args: &[&str], script: &str, name: &str) -> Output {
    common::run_file(args, name, script)
}

/// The setting as the kernel holds it, read here independently.
fn somaxconn() -> String {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .unwrap()
        .trim()
        .to_string()
}

fn filled() -> String {
    format!(
        "A1 holds 8 bytes of 8192; send gave 8; C1 is ESTABLISHED; somaxconn {} {{as set}}.",
        somaxconn()
    )
}

#[test]
fn the_transcript_json_and_handout_say_what_the_kernel_read() {
    let out = sockplay(&["run"], SCRIPT, "transcript");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("» {}", filled())), "{text}");

    let out = sockplay(&["run", "--json"], SCRIPT, "json");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let note = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["type"] == "note")
        .unwrap();
    assert_eq!(note["text"], filled().as_str());

    let out = sockplay(&["run", "--markdown"], SCRIPT, "handout");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).replace('\n', " ");
    assert!(text.contains(&filled()), "{text}");
    assert!(!text.contains("{A1.recvq}"), "{text}");
}

#[test]
fn a_quote_that_names_no_field_stops_the_script_with_line_and_column() {
    let out = sockplay(&["run"], "listen\nnote \"x {L1.acept_queue}\"\n", "bad");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("line 2, column 9: unknown field 'acept_queue' in {L1.acept_queue}"),
        "{all}"
    );
    assert!(!all.contains("#1"), "nothing ran: {all}");
    for (line, col) in [
        ("note \"{sysctl.no_such_thing}\"", 7),
        ("note \"a {Q1.recvq}\"", 9),
        ("note \"a } b\"", 9),
        ("note \"{C1}\"", 7),
    ] {
        let e = parse_script(line).unwrap_err();
        assert_eq!((e.line, e.error.col), (1, col), "{line}: {e}");
    }
}

#[test]
fn on_screen_a_quote_is_filled_from_the_view_the_screen_draws() {
    let (mut app, rx) = app();
    let lines = parse_script(&format!("step \"Quotes\"\n{SCRIPT}")).unwrap();
    app.play("Quotes", lines, true);
    key(&mut app, KeyCode::Char(' '));
    assert!(pump_drawn(&mut app, &rx, |a| a
        .script
        .as_ref()
        .unwrap()
        .done));
    snapshot(&mut app);
    let screen = render(&mut app, 160, 48).replace('\n', " ");
    let screen = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(screen.contains(&filled()), "{screen}");
    app.lab.shutdown(std::time::Duration::from_secs(1));
}
