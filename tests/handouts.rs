//! Handouts a teacher can print (`sockplay run --markdown`): wrapped at 80
//! columns, without timings, descriptors or port numbers, pauses as
//! questions, no closing word on calls blocked as the lab closes.

mod common;

use std::io::Write;
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

/// The handout of a script written here, run as a file.
fn handout_of(name: &str, script: &str, args: &[&str]) -> String {
    let mut all = vec!["run", "--markdown"];
    all.extend_from_slice(args);
    let out = common::run_file(&all, name, script);
    assert_eq!(out.status.code(), Some(0), "{name}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The text of each Predict box, its lines joined, without its markup.
fn predict_boxes(md: &str) -> Vec<String> {
    let mut boxes = Vec::new();
    let mut current: Option<String> = None;
    for line in md.lines() {
        match (line.strip_prefix("> "), &mut current) {
            (Some(l), None) if l.starts_with("**Predict.**") => {
                current = Some(l.trim_start_matches("**Predict.**").trim().to_string());
            }
            (Some(l), Some(c)) => {
                c.push(' ');
                c.push_str(l);
            }
            (None, Some(_)) => boxes.push(current.take().unwrap()),
            _ => {}
        }
    }
    boxes.extend(current);
    boxes
        .into_iter()
        .map(|b| {
            b.replace("*Answer before reading on.*", "")
                .trim()
                .to_string()
        })
        .collect()
}

/// What a Predict box tells besides its question: a sentence that ends
/// in a full stop, followed by another.
fn told_in_box(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len().saturating_sub(2)).find_map(|i| {
        let told =
            matches!(chars[i], '.' | '!') || (chars[i] == ')' && i > 0 && chars[i - 1] == '.');
        (told && chars[i + 1] == ' ' && chars[i + 2].is_uppercase())
            .then(|| chars[..=i].iter().collect())
    })
}

/// Numbers a note may cite that no result of its step prints, each
/// with why: facts about other systems, told with their source.
const TOLD_NOT_READ: &[(&str, &str, &str)] = &[
    ("backlog", "4.10", "a figure's number in Stevens's book"),
    (
        "backlog",
        "5.4",
        "the Linux release that raised somaxconn's default",
    ),
    (
        "backlog",
        "511",
        "nginx's default backlog, from its documentation",
    ),
    (
        "backlog",
        "128",
        "Python's and old Linux's constant, told with its source",
    ),
];

/// The numbers written in `text` as words of their own (`8192`, `43.2`),
/// with a unit after them where one is (`128 KiB` → `131072`).
fn numbers(text: &str) -> Vec<(String, Option<u64>)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            && !(i > 0
                && (chars[i - 1].is_alphanumeric()
                    || matches!(chars[i - 1], '.' | '_' | '#' | '-')));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || (chars[j] == '.' && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
        {
            j += 1;
        }
        let word_ends = chars
            .get(j)
            .is_none_or(|c| !(c.is_alphanumeric() || *c == '_'));
        if word_ends {
            let n: String = chars[i..j].iter().collect();
            let rest: String = chars[j..].iter().take(5).collect();
            let scale = if rest.starts_with(" KiB") {
                Some(1024)
            } else if rest.starts_with(" MiB") {
                Some(1024 * 1024)
            } else {
                None
            };
            let bytes = scale.and_then(|s| n.parse::<u64>().ok().map(|n| n * s));
            out.push((n, bytes));
        }
        i = j;
    }
    out
}

/// What each step of a handout cites that no result printed so far
/// shows: every number in its text must be in its code blocks or an
/// earlier step's. (A figure a note quotes, `{C1.snd_mem}`, the handout
/// prints in its own step.)
fn unprinted_figures(lesson: &str, md: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut code = String::new();
    for step in md.split("\n## ").skip(1) {
        let title = step.lines().next().unwrap_or_default();
        let mut prose = String::new();
        let mut in_code = false;
        for line in step.lines().skip(1) {
            if line.starts_with("```") {
                in_code = !in_code;
            } else if in_code {
                code.push_str(line);
                code.push('\n');
            } else if !line.starts_with("![") {
                prose.push_str(line);
                prose.push('\n');
            }
        }
        let code_numbers: Vec<String> = numbers(&code).into_iter().map(|(n, _)| n).collect();
        // Sizes a command asks for (`rcvbuf=64k`) count as printed.
        let shown = |n: &str, bytes: Option<u64>| {
            code_numbers.iter().any(|c| c == n)
                || bytes.is_some_and(|b| code_numbers.contains(&b.to_string()))
                || bytes.is_some_and(|_| {
                    code.contains(&format!("={n}k")) || code.contains(&format!("={n}m"))
                })
                || TOLD_NOT_READ
                    .iter()
                    .any(|(l, t, _)| *l == lesson && *t == n)
        };
        for (n, bytes) in numbers(&prose) {
            if !shown(&n, bytes) {
                out.push(format!(
                    "{lesson}, step {title}: the text cites {n}, no result prints it"
                ));
            }
        }
    }
    out
}

/// Whether a line holds `HOST:PORT` with a port the lesson did not
/// choose (`listen 8080` chooses 8080): one that changes from run to run.
fn has_port(line: &str, lesson: &str) -> bool {
    line.match_indices("127.0.0.1:")
        .chain(line.match_indices("]:"))
        .any(|(i, m)| {
            let port: String = line[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            !port.is_empty()
                && !lesson
                    .split(|c: char| !c.is_ascii_digit())
                    .any(|w| w == port)
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
    let mut unprinted = Vec::new();
    for (md, lesson) in done {
        unprinted.extend(unprinted_figures(&lesson.name, &md));
        for line in md.lines() {
            assert!(
                line.chars().count() <= 80,
                "{}: longer than 80: {line}",
                lesson.name
            );
            assert!(
                !has_port(line, &lesson.text),
                "{}: a port number: {line}",
                lesson.name
            );
            // A time an expect read in its range is the figure it checks.
            assert!(
                (!line.contains(" ms)") || line.contains("(read ")) && !line.contains("(fd "),
                "{}: timing or descriptor noise: {line}",
                lesson.name
            );
        }
        assert!(!md.contains("end of script"), "{}", lesson.name);
        // Nothing that means something only on screen, or only to the
        // exported program.
        for screen_only in [
            "[blocked]",
            "[waiting]",
            "[draining]",
            "still in the kernel",
            "(press ",
            "_draining",
            "selected pane",
            "its row",
            "'s path",
            "path of a byte",
            "beside it)",
            "listeners pane",
            "Listeners pane",
        ] {
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
        // The held piece of a request, on paper: its wait read on the
        // wire, and the segments themselves rather than a fold.
        if lesson.name == "nagle" {
            let joined = md.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                joined.contains("expect packet from=C1 to=A1 len=9 gap=35ms..300ms (read "),
                "{}",
                lesson.name
            );
            assert!(
                md.lines()
                    .any(|l| l.starts_with("~ C1 → A1 [P.]") && l.contains(" len 9 ")),
                "{}",
                lesson.name
            );
        }
        // The options a note says the kernel view lists are printed in it.
        if lesson.name == "keepalive" {
            assert!(
                md.contains("CLOSED: blocking, keepalive 1s+1s×2,"),
                "{}",
                lesson.name
            );
        }
        if lesson.name == "time-wait" {
            let joined = md.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                joined.contains("A3 ⇄ C3 ESTABLISHED: recvq 0, sendq 0, notsent 0, rcvbuf")
                    && joined.contains("blocking, SO_REUSEADDR, app sent"),
                "{}",
                lesson.name
            );
        }
        if lesson.name == "backlog" {
            assert!(md.contains("counters since start"), "{}", lesson.name);
        }
        // What the link holds, each way, is printed where the text cites it.
        if lesson.name == "distance" {
            assert!(md.contains("→ server: queued"), "{}", lesson.name);
        }
        // A client's port is read out for it (here by the range check on
        // it), not taken from the range a setting printed.
        if lesson.name == "ports" {
            let joined = md.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                joined.contains("expect C4 local_port=40000..40001 (read 4000"),
                "{}",
                lesson.name
            );
        }
        assert_eq!(md.matches("```").count() % 2, 0, "{}", lesson.name);
        // A Predict box holds the question alone.
        for b in predict_boxes(&md) {
            assert!(
                b.ends_with('?'),
                "{}: a box that asks nothing: {b}",
                lesson.name
            );
            if let Some(told) = told_in_box(&b) {
                panic!(
                    "{}: a Predict box that tells before it asks (\"{told}\"): {b}",
                    lesson.name
                );
            }
        }
        let pauses = lesson.text.lines().filter(|l| l.trim() == "pause").count();
        assert_eq!(
            md.matches("> **Predict.**").count(),
            pauses,
            "{}: each pause is a question",
            lesson.name
        );
    }
    // Every figure the text cites is printed in its step.
    assert!(unprinted.is_empty(), "\n{}", unprinted.join("\n"));
}

/// A range check's reading of the time TIME-WAIT has left (`(read
/// 59.5s)`) as `(read …)`: how much of the minute is gone when the check
/// reads it is the machine's timing, not the lesson's.
fn time_wait_masked(line: &str) -> String {
    match (line.find("time_wait="), line.find("(read ")) {
        (Some(_), Some(at)) => match line[at..].find(')') {
            Some(end) => format!("{}(read …){}", &line[..at], &line[at + end + 1..]),
            None => line.to_string(),
        },
        _ => line.to_string(),
    }
}

/// Lessons whose every figure is the same on each run, snapshot whole.
/// None of their calls blocks, so a long settling time keeps a machine
/// under load from reporting a slow call as blocked.
#[test]
fn handouts_of_the_lessons_that_come_out_the_same_each_run() {
    // The kernel's release, which the handout names, is the machine's.
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    for name in ["first-connection", "closing"] {
        let md = handout_settling(name, "3000");
        assert!(
            md.contains(&format!("Run on Linux {} with", release.trim())),
            "{md}"
        );
        // Segments are printed before the note that follows them, or at
        // the step's end when capture lags: where is the machine's, so the
        // snapshot leaves them out (the wire has its own test).
        // A segment's line wrapped past 80 columns goes on indented: it
        // goes with it.
        let mut on_wire = false;
        let md: String = md
            .replace(release.trim(), "RELEASE")
            .lines()
            .filter(|l| {
                on_wire = l.starts_with("~ ") || (on_wire && l.starts_with("  "));
                !on_wire
            })
            .map(|l| format!("{}\n", time_wait_masked(l)))
            .collect();
        insta::assert_snapshot!(format!("handout_{name}"), md);
    }
}

#[test]
fn a_predict_box_holds_the_question_and_what_the_note_told_is_text_before_it() {
    let md = handout_of(
        "predict",
        "step \"One\"\nlisten\nconnect L1\nnote \"C1 got in: L1 holds it. What will accept return?\"\npause\naccept L1\nnote \"A1.\"\n",
        &[],
    );
    assert_eq!(predict_boxes(&md), ["What will accept return?"], "{md}");
    let told = md.find("C1 got in: L1 holds it.\n").expect(&md);
    let connected = md.find("C1 connect(L1)").expect(&md);
    let asked = md
        .find("> **Predict.** What will accept return?")
        .expect(&md);
    assert!(connected < told && told < asked, "{md}");
    assert!(told_in_box("Yes: L6 kept all 20. Now: how long?").is_some());
    assert!(told_in_box("Will it (see UNP Figure 4.10) get in?").is_none());
}

/// A handout through pandoc, as HTML.
fn pandoc_html(md: &str) -> String {
    let mut child = Command::new("pandoc")
        .args(["-f", "markdown", "-t", "html"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pandoc, to render a handout as a teacher would (apt-get install pandoc)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(md.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_call_that_has_not_returned_says_so_in_words_for_paper() {
    let md = handout_of(
        "blocked",
        "listen\nconnect L1\naccept L1\nrecv A1 10\nnote \"A1 waits.\"\nsend C1 \"hello\"\nwait A1\n",
        &[],
    );
    assert!(
        md.contains(
            "#4 A1 recv(10) … blocked: still waiting in the kernel when the lesson went on"
        ),
        "{md}"
    );
    assert!(!md.contains("[blocked]"), "{md}");
    assert!(md.contains("#4 A1 recv(10) → 5"), "{md}");
}

#[test]
fn a_figure_a_note_quotes_is_printed_in_its_step() {
    let md = handout_of(
        "quoted",
        "step \"One\"\nlisten\nconnect L1 rcvbuf=4k\naccept L1\nsend C1 \"Hi there\"\nrecv A1 100\nnote \"C1 has {C1.rcvbuf}; A1's recv took {A1.elapsed}; tcp_syn_retries is {sysctl.tcp_syn_retries}.\"\n",
        &[],
    );
    // The reading, its wrapped lines joined.
    let at = md.find("read for the note below: ").expect(&md);
    let end = md[at..].find("\n```").expect(&md) + at;
    let read = &md[at..end];
    let joined = read.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(joined.contains("C1 rcvbuf 8192"), "{md}");
    assert!(joined.contains("A1 recv(100) took "), "{md}");
    let retries = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_syn_retries").unwrap();
    assert!(
        joined.contains(&format!("net.ipv4.tcp_syn_retries {}", retries.trim())),
        "{md}"
    );
    assert!(unprinted_figures("quoted", &md).is_empty(), "{md}");
    // A figure no result prints is found.
    let bare = md.replace(read, "");
    assert!(!unprinted_figures("quoted", &bare).is_empty(), "{bare}");
    assert_eq!(
        numbers("took 43.2 ms, 128 KiB, C1 and #6, 4.10."),
        [
            ("43.2".to_string(), None),
            ("128".to_string(), Some(131072)),
            ("4.10".to_string(), None)
        ]
    );
}

#[test]
fn a_note_that_points_at_the_kernel_s_note_on_a_socket_has_it_printed() {
    let md = handout_of(
        "cited",
        "listen backlog=0\nconnect L1\nconnect L1\nsleep 1500ms\nselect C1\nnote \"C2 waits; the note on C2 counts its SYNs, and its snd_wnd is {C2.snd_wnd}.\"\n",
        &[],
    );
    let note = md.find("C2 waits;").expect(&md);
    let cited = md.find("C2 · SYN sent").expect(&md);
    assert!(cited < note, "{md}");
    // C1's line prints a 0, but not C2's: the figure is read out for C2.
    let joined = md.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains("read for the note below: C2 snd_wnd 0"),
        "{md}"
    );
}

#[test]
fn a_close_after_a_call_that_returned_wakes_nothing() {
    // The call's result is told a moment before its lane is free: a close
    // then finds nothing blocked, and says nothing of waking.
    for _ in 0..10 {
        let md = handout_of(
            "woken",
            "listen\nconnect L1\naccept L1\nwait L1\nsend C1 \"GET /\\n\"\nrecv A1 100\nclose A1\n",
            &[],
        );
        assert!(md.contains("#6 A1 close → 0"), "{md}");
        assert!(!md.contains("were woken"), "{md}");
    }
    // A call really blocked is woken, and the close says so.
    let md = handout_of(
        "woken",
        "listen\nconnect L1\naccept L1\nwait L1\nrecv A1 100\nclose A1\n",
        &[],
    );
    assert!(md.contains("blocked calls were woken first"), "{md}");
}

#[test]
fn an_expect_that_waited_says_how_long() {
    let md = handout_of(
        "waited",
        "listen\nconnect L1\naccept L1\nset A1 timeout=1500ms\nrecv A1 100\nexpect A1 timed_out=true within 8s\nexpect A1 state=ESTABLISHED\n",
        &[],
    );
    let line = md
        .lines()
        .find(|l| l.starts_with("✓ expect A1 timed_out=true"))
        .expect(&md);
    let secs: f64 = line
        .split("(held after ")
        .nth(1)
        .and_then(|t| t.strip_suffix(" s)"))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{md}"));
    // The call's own time-out, less the settling time before the expect
    // began, is the wait, give or take a busy machine.
    assert!((0.5..7.0).contains(&secs), "{md}");
    // An expect without a wait says nothing of one.
    assert!(md.contains("✓ expect A1 state=ESTABLISHED\n"), "{md}");
}

#[test]
fn a_handout_written_to_a_file_links_its_figures_from_where_it_is() {
    let dir = std::env::temp_dir().join(format!("sockplay-links-{}", std::process::id()));
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let script = dir.join("queues.sp");
    std::fs::write(
        &script,
        "step \"One\"\nlisten\nconnect L1\nexpect L1 accept_queue=1\n",
    )
    .unwrap();
    let md_path = out.join("h.md");
    let status = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .current_dir(&dir)
        .args(["run", "--markdown", "--figures", "out/figs", "queues.sp"])
        .stdout(std::fs::File::create(&md_path).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let md = std::fs::read_to_string(&md_path).unwrap();
    let link = md
        .lines()
        .find_map(|l| l.strip_prefix("![").and_then(|l| l.split("](").nth(1)))
        .map(|l| l.trim_end_matches(')').to_string())
        .expect(&md);
    assert!(link.starts_with("figs/"), "{link}: {md}");
    assert!(out.join(&link).is_file(), "{link}");
    let _ = std::fs::remove_dir_all(&dir);
}

mod needs_pandoc {
    use super::*;

    #[test]
    #[cfg_attr(not(ci), ignore = "needs pandoc (apt-get install pandoc)")]
    fn an_option_in_a_note_renders_as_code_through_pandoc() {
        let md = handout_of(
            "option",
            "listen\nnote \"In a lab of its own (--netns, as here) or `--netns=x`, it counts alone.\"\n",
            &[],
        );
        assert!(md.contains("(`--netns`, as here) or `--netns=x`,"), "{md}");
        let html = pandoc_html(&md)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            html.contains("(<code>--netns</code>, as here) or <code>--netns=x</code>,"),
            "{html}"
        );
        assert!(!html.contains('–') && !html.contains("\\`"), "{html}");
    }
}

mod needs_root {
    use super::*;

    #[test]
    #[cfg_attr(not(ci), ignore = "needs root: the wire is captured with CAP_NET_RAW")]
    fn the_wire_is_printed_as_text_and_said_missing_where_it_is_not_captured() {
        assert!(
            rustix::process::geteuid().is_root(),
            "capturing the wire needs root (CAP_NET_RAW); CI runs the tests as root"
        );
        let script = "step \"One\"\nlisten\nconnect L1\naccept L1\nsend C1 \"Hi there\"\nnote \"On the wire: a handshake, then 8 bytes.\"\n";
        let wired = handout_of("wired", script, &["--wire"]);
        for seg in ["~ C1 → L1 [S] seq 0", "~ L1 → C1 [S.]", "#4 send"] {
            assert!(wired.contains(seg), "{seg}: {wired}");
        }
        // Each call a segment cites is numbered in the results.
        assert!(wired.contains("#2 C1 connect(L1) → 0"), "{wired}");
        assert!(wired.contains("#4 C1 send(8) → 8"), "{wired}");
        let bare = handout_of("bare", script, &[]);
        assert!(!bare.contains("~ C1 → L1"), "{bare}");
        assert_eq!(
            bare.matches("the segments were not captured for this handout: run with --wire")
                .count(),
            1,
            "{bare}"
        );
    }
}
