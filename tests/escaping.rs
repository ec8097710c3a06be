//! No script, lesson or shell line puts a raw control character on a
//! terminal: random scripts full of control bytes, C1 controls and
//! bidirectional marks, through every output (transcript, JSON Lines,
//! Markdown, the shell, errors on stderr).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use sockplay::script::json::JsonLines;
use sockplay::script::markdown::Markdown;
use sockplay::script::transcript::Transcript;
use sockplay::script::{Runner, Sink, parse_script};

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next() as usize % from.len()]
    }
}

/// Nasty text: escape sequences raw and as `\xNN`, C1 controls, bidi marks.
fn nasty(rng: &mut Rng) -> String {
    let pieces = [
        "\x1b]0;OWNED\x07",
        "\x1b]52;c;QUFB\x07",
        "\x1b[2J",
        "\\x1b[31m",
        "\\x9b",
        "\\n",
        "\\r",
        "\\x07",
        "\u{9b}6n",
        "\u{202e}evil",
        "\x7f",
        "\r",
        "\t",
        "\x00",
        "plain",
        "é→",
    ];
    (0..1 + rng.next() % 4).map(|_| rng.pick(&pieces)).collect()
}

fn random_script(rng: &mut Rng) -> String {
    let mut script = String::new();
    for _ in 0..1 + rng.next() % 6 {
        let n = nasty(rng);
        let line = match rng.next() % 9 {
            0 => format!("note \"{n}\""),
            1 => format!("step \"{n}\""),
            2 => n.clone(),
            3 => format!("send C1 \"{n}\""),
            4 => format!("expect L1 state={n}"),
            5 => format!("listen backlog={n}"),
            6 => format!("help {n}"),
            7 => format!("sleep {n}"),
            _ => format!("connect {n}:80"),
        };
        script.push_str(&line);
        script.push('\n');
    }
    script
}

/// The first raw control (other than a line break) or invisible mark, if any.
fn raw_control(out: &str) -> Option<char> {
    out.chars()
        .find(|&c| c != '\n' && sockplay::lab::preview::is_unsafe(c))
}

fn check(what: &str, script: &str, out: &[u8]) {
    let out = String::from_utf8_lossy(out);
    if let Some(c) = raw_control(&out) {
        panic!("{what}: raw {c:?} in the output of\n{script:?}\n---\n{out}");
    }
}

/// Runs a script as `sockplay run` does: a parse error is reported, else it runs.
fn run_into(sink: &mut dyn Sink, script: &str) {
    match parse_script(script) {
        Ok(lines) => {
            Runner::new(sink)
                .with_settle(Duration::from_millis(5))
                .run(&lines);
        }
        Err(e) => sink.error(e.line, Some(e.error.col), &e.error.message),
    }
}

#[test]
fn random_scripts_never_put_a_raw_control_on_the_terminal() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for _ in 0..400 {
        let script = random_script(&mut rng);
        let mut t = Transcript::new(Vec::new());
        run_into(&mut t, &script);
        check("transcript", &script, &t.into_inner());
        let mut j = JsonLines::new(Vec::new());
        run_into(&mut j, &script);
        let json = j.into_inner();
        check("json", &script, &json);
        for line in String::from_utf8_lossy(&json).lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
        }
        let mut m = Markdown::new(Vec::new(), "t", "s");
        run_into(&mut m, &script);
        m.finish();
        check("markdown", &script, &m.into_inner());
    }
}

/// Runs the real binary with `input` on stdin; stdout and stderr together.
fn sockplay(args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let mut all = out.stdout;
    all.extend(out.stderr);
    all
}

#[test]
fn the_shell_and_run_escape_what_they_echo_and_what_they_reject() {
    let script = "note \"\x1b]0;OWNED\x07\"\n\x1b]52;c;QUFB\x07\nnote \"\\x1b[2J\u{9b}\"\n";
    for args in [
        &["shell"][..],
        &["run", "-"],
        &["run", "--json", "-"],
        &["run", "--markdown", "-"],
    ] {
        let out = sockplay(args, script.as_bytes());
        check(&args.join(" "), script, &out);
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("\\x1b]") || text.contains("\\u001b]"),
            "{args:?}: the sequence is shown escaped:\n{text}"
        );
    }
}

#[test]
fn the_shell_reads_a_line_that_is_not_utf8_with_its_bytes_escaped() {
    let out = sockplay(&["shell"], b"note \"caf\xff\"\nnote \"after\"\n");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("note \"caf\\xff\""), "{text}");
    assert!(text.contains("» after"), "the shell goes on:\n{text}");
}

#[test]
fn an_error_about_a_word_with_a_decoded_line_break_is_one_line() {
    let out = sockplay(&["run", "-"], b"\"two\\nlines\" 5\n");
    let text = String::from_utf8_lossy(&out);
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("error")).collect();
    assert!(!errors.is_empty(), "{text}");
    for e in errors {
        assert!(e.contains("two\\nlines"), "{text}");
    }
    assert!(!text.contains("two\nlines"), "{text}");
}

/// Whether python3 reads each program (compiles it, runs nothing).
fn python_compiles(programs: &[String]) {
    let listing = serde_json::to_string(programs).unwrap();
    let check = "import json, sys\n\
                 for i, p in enumerate(json.load(sys.stdin)):\n    \
                 try:\n        compile(p, 'program %d' % i, 'exec')\n    \
                 except SyntaxError as e:\n        print(i, e); sys.exit(1)\n";
    let mut child = Command::new("python3")
        .args(["-c", check])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (.ci/run installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(listing.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let i: usize = said.split(' ').next().unwrap().parse().unwrap();
        panic!("python3 refused program {i}: {said}\n{}", programs[i]);
    }
}

#[test]
fn python_programs_print_no_raw_control_and_python_reads_them() {
    let mut rng = Rng(0x0dd_ba11_5eed_0002);
    let mut programs = Vec::new();
    for _ in 0..1000 {
        let script = random_script(&mut rng);
        let Ok(lines) = parse_script(&script) else {
            continue;
        };
        let name = format!("{}.sp", nasty(&mut rng));
        let program = sockplay::script::program::program(&lines, &name, false);
        check("python", &script, program.as_bytes());
        programs.push(program);
    }
    // The hosts that broke the program: a trailing backslash, a quote.
    let hosts = "udp\nsendto U1 a\\:80 \"x\"\nlisten a\\:1\nconnect a\\:80\nconnect a\\x27b:80\n\
                 note \"nul \\0 and raw \x00 here\"\n";
    let lines = parse_script(hosts).unwrap();
    let program = sockplay::script::program::program(&lines, "hosts\x1b[2J.sp", false);
    check("python", hosts, program.as_bytes());
    for host in ["('a\\\\', 80)", "('a\\\\', 1)", "('a\\\\x27b', 80)"] {
        assert!(program.contains(host), "{host} in\n{program}");
    }
    programs.push(program);
    assert!(programs.len() > 100, "{}", programs.len());
    python_compiles(&programs);
}

#[test]
fn the_lab_shows_a_lessons_words_escaped_not_raw_nor_dropped() {
    use common::tui::{app, pump, rows};
    let lesson = "# lesson: Evil \u{202e}title\u{2066}\n\
                  step \"A step \u{202e}reversed\"\n\
                  note \"a bell\\x07 and \x1b]0;OWNED\x07 here\"\n\
                  listen\n";
    let lesson = sockplay::script::lessons::Lesson::from_text("evil", lesson);
    let lines = parse_script(&lesson.text).unwrap();
    let (mut app, rx) = app();
    app.play(&lesson.title, lines, true);
    // Past the first step's start: its title and note show.
    common::tui::key(&mut app, crossterm::event::KeyCode::Char(' '));
    assert!(pump(&mut app, &rx, |a| a
        .script
        .as_ref()
        .is_some_and(|s| s.done)));
    let screen = rows(&mut app, 100, 30).join("\n");
    if let Some(c) = raw_control(&screen) {
        panic!("raw {c:?} on the screen:\n{screen}");
    }
    for shown in [
        "Evil \\xe2\\x80\\xaetitle\\xe2\\x81\\xa6",
        "A step \\xe2\\x80\\xaereversed",
        "a bell\\x07 and \\x1b]0;OWNED\\x07 here",
    ] {
        assert!(screen.contains(shown), "{shown} on\n{screen}");
    }
}
