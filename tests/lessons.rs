//! Every lesson in assets/lessons runs headless against the real kernel, and
//! its `expect` lines hold. One test per lesson, so they run in parallel.
//! No lesson expects a value of the system-wide counters, which other
//! programs (and the other lessons) move too.

mod common;

use std::process::Command;

fn lesson(name: &str) {
    let path = format!("{}/assets/lessons/{name}.sp", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let l = sockplay::script::lessons::Lesson::from_text(name, &text);
    // A lesson on a link runs as the binary runs it: in a lab of its own,
    // on the link its header asks for.
    // So does one that asks for a lab of its own where possible (its
    // counters are its own there), as it runs as root.
    let own_lab = l.wants_own_netns() && !l.needs_wire() && cfg!(ci);
    if l.needs_own_netns() || l.uses_link() || own_lab {
        return lesson_in_its_own_netns(name);
    }
    assert!(
        !text.contains("ListenOverflows=") && !text.contains("ListenDrops="),
        "{name}: counters are system-wide; do not expect their values"
    );
    // A lesson that shows the wire checks its segments under CI (root, for
    // capture); elsewhere its packet lines say they were not checked, and
    // `the_wire_lessons_check_their_segments` (ignored there) does that part.
    let run = if text.contains("# needs: wire") && cfg!(ci) {
        common::require_root("capturing packets");
        common::run_wire(&text)
    } else {
        common::run(&text)
    };
    run.assert_ok();
    assert_checks_enough(name, &run);
}

/// A lesson checks what it teaches: at least three `expect` lines.
fn assert_checks_enough(name: &str, run: &common::Run) {
    let expects = run
        .records
        .iter()
        .filter(|r| matches!(r, common::Rec::Expect(_)))
        .count();
    assert!(
        expects >= 3,
        "{name} checks what it teaches ({expects} expects)"
    );
}

/// A lesson that floods or changes settings runs in a namespace of its own:
/// the binary makes one (as root directly, otherwise in a user namespace).
/// Its counters are exact there, and the machine's settings do not move.
fn lesson_in_its_own_netns(name: &str) {
    let settings = [
        "net/core/somaxconn",
        "net/ipv4/tcp_syncookies",
        "net/ipv4/tcp_max_syn_backlog",
        "net/ipv4/tcp_synack_retries",
        "net/ipv4/ip_local_port_range",
        "net/ipv4/tcp_keepalive_time",
    ];
    let read = || settings.map(|s| std::fs::read_to_string(format!("/proc/sys/{s}")).unwrap());
    let before = read();
    let out = sockplay(&["run", "--json", name]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    common::require_netns(out.status.code(), &stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{name}: {stderr}\n{text}");
    let expects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["type"] == "expect")
        .collect();
    assert!(expects.len() >= 3, "{name} checks what it teaches");
    assert!(expects.iter().all(|e| e["ok"] == true), "{text}");
    assert_eq!(read(), before, "{name} changed the machine's settings");
}

macro_rules! lessons {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test] fn $test() { lesson($name); })*

        #[test]
        fn every_lesson_file_has_a_test() {
            let tested = [$($name),*];
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/lessons");
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert!(tested.contains(&stem.as_str()), "{stem}.sp has no test");
            }
            let built_in: Vec<String> =
                sockplay::script::lessons::all().into_iter().map(|l| l.name).collect();
            assert_eq!(built_in, tested, "the built-in list, in teaching order");
        }
    };
}

lessons! {
    first_connection => "first-connection",
    backlog => "backlog",
    partial_recv => "partial-recv",
    partial_send => "partial-send",
    flow_control => "flow-control",
    timeouts => "timeouts",
    buffer_sizes => "buffer-sizes",
    closing => "closing",
    time_wait => "time-wait",
    deadlock => "deadlock",
    nagle => "nagle",
    keepalive => "keepalive",
    two_queues => "two-queues",
    ports => "ports",
    udp => "udp",
    distance => "distance",
}

fn sockplay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn lessons_are_listed_with_a_summary() {
    let out = sockplay(&["lessons"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for l in sockplay::script::lessons::all() {
        let line = text
            .lines()
            .find(|x| x.trim_start().starts_with(&l.name))
            .unwrap();
        assert!(line.contains(&l.summary), "{line}");
    }
}

#[test]
fn a_handout_in_markdown() {
    let out = sockplay(&["run", "--markdown", "first-connection"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# First connection\n"), "{md}");
    assert!(md.contains("## 1. A listening socket"));
    assert!(md.contains("## 5. Nobody listening"));
    assert!(md.contains("$ send C1 \"Hi there, server\""));
    assert!(md.contains("→ ECONNREFUSED"));
    assert!(md.contains("accept() took the connection out of the queue"));
    assert_eq!(md.matches("```").count() % 2, 0, "code blocks are closed");
}

#[test]
fn a_broken_lesson_is_rejected_with_its_line() {
    let dir = std::env::temp_dir().join(format!("sockplay-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.sp");
    std::fs::write(
        &path,
        "# lesson: Broken\nstep \"one\"\nlisten backlog=2\nconnect L1 x0\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    for args in [vec!["lesson", p], vec!["run", p]] {
        let out = sockplay(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("line 4, column 12: count 0 is out of range"),
            "{args:?}: {all}"
        );
    }
    let out = sockplay(&["lesson", "no-such-lesson"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no lesson 'no-such-lesson'"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A lesson must not hide its words: at 100×30 and at 80×24 every note
/// fits the narration pane whole under its step's title (when a step's
/// notes do not fit together, the newest show under the title, and a note
/// that would push an unread one out waits for space).
#[test]
fn every_note_fits_the_narration_pane_under_its_title_at_100x30_and_80x24() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::widgets::Widget;
    use sockplay::script::{Statement, parse_script};
    use sockplay::tui::view::{layout::Areas, narration};

    let mut too_long = Vec::new();
    for (sw, sh) in [(100, 30), (80, 24)] {
        // The tallest the pane gets: a lesson on a small screen folds the
        // command line away.
        let command = u16::from(sh >= 30);
        let pane = Areas::with_narration(sw, sh, Some(u16::MAX), command)
            .narration
            .unwrap();
        let (w, h) = (pane.width - 2, pane.height - 2);
        for lesson in sockplay::script::lessons::all() {
            let lines = parse_script(&lesson.text).unwrap();
            let steps = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| matches!(l.statement, Statement::Step(_)));
            for (at, _) in steps {
                let step = narration::step_at(&lines, at + 1, &lesson.name);
                for note in &step.notes {
                    // One row more than the pane has: it must stay empty.
                    let area = Rect::new(0, 0, w, h + 1);
                    let mut buf = Buffer::empty(area);
                    narration::paragraph(step.title.clone(), vec![note.clone()], Style::default())
                        .render(area, &mut buf);
                    let last: String = (0..w).map(|x| buf[(x, h)].symbol()).collect();
                    if !last.trim().is_empty() {
                        too_long.push(format!(
                            "{sw}×{sh}: {} step {} \"{}\": {note}",
                            lesson.name, step.number, step.title
                        ));
                    }
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "a note does not fit under its step's title: {too_long:#?}"
    );
}

/// Under CI each lesson's own test checks its segments, so this module is
/// left out there (and with it its `use`, which would go unused).
#[cfg(not(ci))]
mod needs_root {
    use super::*;

    /// The lessons that show the wire, with their packet lines checked on a
    /// real capture. Under CI each lesson's own test does this.
    #[ignore = "needs root: captures packets (CAP_NET_RAW)"]
    #[test]
    fn the_wire_lessons_check_their_segments() {
        common::require_root("capturing packets");
        let mut checked = 0;
        for lesson in sockplay::script::lessons::all() {
            // A lesson on the lab's link needs a lab of its own, which only
            // its own test (above) makes.
            if lesson.text.contains("# needs: wire")
                && !lesson.needs_own_netns()
                && !lesson.uses_link()
            {
                let run = common::run_wire(&lesson.text);
                run.assert_ok();
                assert!(!run.packets().is_empty(), "{}: no segments", lesson.name);
                assert_checks_enough(&lesson.name, &run);
                checked += 1;
            }
        }
        assert!(checked > 0, "no lesson shows the wire");
    }
}
