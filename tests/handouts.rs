//! Handouts a teacher can print (`sockplay run --markdown`): wrapped at 80
//! columns, without timings, descriptors or port numbers, pauses as
//! questions, no closing word on calls blocked as the lab closes.

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
    let dir = std::env::temp_dir().join(format!("sockplay-handouts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sp"));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--markdown"])
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
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
        for screen_only in [
            "[blocked]",
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
        if lesson.name == "backlog" {
            assert!(md.contains("counters since start"), "{}", lesson.name);
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

#[test]
fn a_call_that_has_not_returned_says_so_in_words_for_paper() {
    let md = handout_of(
        "blocked",
        "listen\nconnect L1\naccept L1\nrecv A1 10\nnote \"A1 waits.\"\nsend C1 \"hello\"\n",
        &[],
    );
    assert!(
        md.contains("A1 recv(10) … blocked: still waiting in the kernel when the lesson went on"),
        "{md}"
    );
    assert!(!md.contains("[blocked]"), "{md}");
    assert!(md.contains("A1 recv(10) → 5"), "{md}");
}
