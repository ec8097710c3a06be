//! Handouts a teacher can print (`sockplay run --markdown`): wrapped at 80
//! columns, without timings, descriptors or port numbers, pauses as
//! questions, no closing word on calls blocked as the lab closes.

use std::process::Command;

fn handout(lesson: &str) -> String {
    handout_settling(lesson, "200")
}

/// A handout whose calls may take `settle_ms` before they count as blocked.
fn handout_settling(lesson: &str, settle_ms: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--settle", settle_ms, "--markdown", lesson])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{lesson}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Whether a line holds `HOST:PORT`.
fn has_port(line: &str) -> bool {
    line.match_indices("127.0.0.1:")
        .chain(line.match_indices("]:"))
        .any(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
}

#[test]
fn every_handout_is_printable() {
    // The lessons run four at a time, each a real lab of its own: all at
    // once on a busy machine, a lesson's 200 ms (TCP_CORK's timer, the
    // settling time) passes before its next line runs, and it fails for
    // the machine's sake, not its own.
    let lessons = sockplay::script::lessons::all();
    let mut done = Vec::new();
    for group in lessons.chunks(4) {
        let runs: Vec<_> = group
            .iter()
            .cloned()
            .map(|l| std::thread::spawn(move || (handout(&l.name), l)))
            .collect();
        done.extend(runs.into_iter().map(|r| r.join().unwrap()));
    }
    for (md, lesson) in done {
        for line in md.lines() {
            assert!(
                line.chars().count() <= 80,
                "{}: longer than 80: {line}",
                lesson.name
            );
            assert!(!has_port(line), "{}: a port number: {line}", lesson.name);
            assert!(
                !line.contains(" ms)") && !line.contains("(fd "),
                "{}: timing or descriptor noise: {line}",
                lesson.name
            );
        }
        assert!(!md.contains("end of script"), "{}", lesson.name);
        // Nothing that means something only on screen, or only to the
        // exported program.
        for screen_only in ["blocked: [blocked]", "(press ", "_draining"] {
            assert!(!md.contains(screen_only), "{}: {screen_only}", lesson.name);
        }
        // A count of alike results names what it counts.
        for line in md.lines().filter(|l| l.contains("more alike")) {
            assert!(line.contains("more alike: "), "{}: {line}", lesson.name);
        }
        if lesson.name == "partial-send" {
            assert!(
                md.contains("Python raises BlockingIOError here"),
                "{}: sendall on a non-blocking socket",
                lesson.name
            );
        }
        if lesson.name == "backlog" {
            assert!(md.contains("counters since start"), "{}", lesson.name);
        }
        assert_eq!(md.matches("```").count() % 2, 0, "{}", lesson.name);
        let pauses = lesson.text.lines().filter(|l| l.trim() == "pause").count();
        assert_eq!(
            md.matches("> **Predict.**").count(),
            pauses,
            "{}: each pause is a question",
            lesson.name
        );
    }
}

/// Lessons whose every figure is the same on each run, snapshot whole.
/// None of their calls blocks, so a long settling time keeps a machine
/// under load from reporting a slow call as blocked.
#[test]
fn handouts_of_the_lessons_that_come_out_the_same_each_run() {
    for name in ["first-connection", "closing"] {
        insta::assert_snapshot!(format!("handout_{name}"), handout_settling(name, "3000"));
    }
}
