//! Every note of every lesson is backed by the screen: each lesson is
//! played through the lab's screen code pressing only space, at 100×30
//! and at 80×24, and at the moment each note first appears, every lab
//! socket it names and every figure it writes must be drawn outside the
//! narration pane, written the same way (a note that ends with a question
//! may cite the arguments of the command that comes next, but a socket
//! among them only while the lab has not made it: one made is drawn, or
//! hidden, now), and every pane it names (Connections, Listeners,
//! Selected, Results, the kernel view) must be drawn, not covered by an
//! overlay nor replaced by the wire; and at every stop after, while the
//! note is still whole on the narration's page, every pane it names must
//! still be drawn (a view closed since leaves it pointing at nothing). On each of
//! those screens, and at each stop, no pane may cut a word or a figure
//! (each pane is held against itself drawn far wider). At a pause that
//! asks a question, the results show no `✓` check of an earlier step:
//! beside the question, a check the lesson made before could give its
//! answer away or muddle it with a figure of another run.
//!
//! Each lesson plays in a process of its own (this file's `main`), so
//! that a lesson that needs a lab of its own enters a network namespace
//! while it has one thread, as `sockplay lesson` does. The misses are
//! listed with lesson, size, step and note, and any fails the test.
//!
//! The same play keeps the whole screen at every stop at 80×24 (each
//! step's end, each pause, each note held for space) as a snapshot, one
//! file per lesson: `tests/snapshots/lesson_backing__screens_80x24_NAME.snap`.
//! What the kernel decides run to run is masked (see `backing/screens.rs`);
//! a change to the layout, a heading, a label, a note's words or the stop
//! it appears at fails the test with the difference. After a change made
//! on purpose, write the snapshots anew and review them with git diff:
//!
//! ```text
//! INSTA_UPDATE=always cargo test --test lesson_backing -- NAME…
//! git diff tests/snapshots/
//! ```
//!
//! (or `cargo insta review`, where cargo-insta is installed, on the
//! `.snap.new` files a plain run leaves beside them).

mod backing;

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use backing::play::{Played, play};
use sockplay::script::parse_script;

/// The size whose screens are kept as snapshots.
const SNAPSHOT_SIZE: (u16, u16) = (80, 24);

/// The sizes a lesson is played at: a projector, and the smallest terminal.
const SIZES: [(u16, u16); 2] = [(100, 30), (80, 24)];

/// How long one lesson may take to play.
const LIMIT: Duration = Duration::from_secs(240);

/// How many lessons play at once.
const AT_ONCE: usize = 6;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        return child(&args[at + 1], &args[at + 2]);
    }
    if args.iter().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let mut failed = Vec::new();
    // The checker itself, on a small synthetic lesson: it finds what it
    // must find.
    if filters.is_empty() || filters.iter().any(|f| "synthetic".contains(f.as_str())) {
        failed.extend(backing::cite::self_test());
        failed.extend(backing::screens::self_test());
        failed.extend(backing::cuts::self_test());
        failed.extend(backing::panes::self_test());
        failed.extend(backing::pauses::self_test());
        failed.extend(backing::synthetic::check());
    }
    let lessons: Vec<String> = sockplay::script::lessons::all()
        .into_iter()
        .map(|l| l.name)
        .filter(|n| filters.is_empty() || filters.iter().any(|f| n.contains(f.as_str())))
        .collect();
    let jobs: Vec<(String, String)> = lessons
        .iter()
        .flat_map(|l| {
            SIZES
                .iter()
                .map(move |(w, h)| (l.clone(), format!("{w}x{h}")))
        })
        .collect();
    let exe = std::env::current_exe().unwrap();
    // Each child's output is read by a thread of its own as it comes: a
    // child whose output outgrew a pipe read only at its end would wait
    // for room forever (a snapshot's difference is long).
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let mut running = 0;
    let mut queue = jobs.into_iter();
    let mut report = String::new();
    loop {
        while running < AT_ONCE {
            let Some((lesson, size)) = queue.next() else {
                break;
            };
            let child = Command::new(&exe)
                .args(["--child", &lesson, &size])
                .stdout(std::process::Stdio::piped())
                // The screens a dump asks for, and the checks at each
                // pause, go straight through.
                .stderr(
                    if ["BACKING_DUMP", "BACKING_PAUSES"]
                        .iter()
                        .any(|v| std::env::var_os(v).is_some())
                    {
                        std::process::Stdio::inherit()
                    } else {
                        std::process::Stdio::piped()
                    },
                )
                .spawn()
                .unwrap();
            let tx = done_tx.clone();
            let began = Instant::now();
            std::thread::spawn(move || {
                let out = child.wait_with_output().unwrap();
                let _ = tx.send((lesson, size, out, began.elapsed()));
            });
            running += 1;
        }
        if running == 0 {
            break;
        }
        let (lesson, size, out, took) = done_rx.recv().unwrap();
        running -= 1;
        let text = String::from_utf8_lossy(&out.stdout);
        eprintln!(
            "{lesson} at {size}: {} ({:.0} s)",
            text.lines().next().unwrap_or(""),
            took.as_secs_f64()
        );
        if !out.status.success() {
            failed.push(format!("{lesson} at {size}"));
            report.push_str(&format!(
                "\n── {lesson} at {size} ──\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if failed.is_empty() {
        println!("test every_note_is_backed_by_the_screen ... ok");
        println!("\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
        ExitCode::SUCCESS
    } else {
        println!("{report}");
        println!(
            "test every_note_is_backed_by_the_screen ... FAILED: {}",
            failed.join("; ")
        );
        println!(
            "\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out"
        );
        ExitCode::FAILURE
    }
}

/// Plays one lesson at one size; prints a summary line, then every miss.
fn child(name: &str, size: &str) -> ExitCode {
    let (w, h) = size.split_once('x').unwrap();
    let size = (w.parse().unwrap(), h.parse().unwrap());
    let lesson = sockplay::script::lessons::find(name).unwrap();
    // As `sockplay lesson` does, before any thread starts.
    let own = lesson.needs_own_netns() || lesson.wants_own_netns() || lesson.uses_link();
    if own {
        if let Err(e) = sockplay::lab::netns::enter_own() {
            if lesson.needs_own_netns() || lesson.uses_link() || std::env::var_os("CI").is_some() {
                println!("no lab of its own: {e}");
                return ExitCode::FAILURE;
            }
        } else if lesson.shapes_loopback() {
            // A lesson that asks for a lab of its own only for its counters
            // keeps the machine's loopback, as `sockplay lesson` does.
            let _ = sockplay::wire::loopback::like_a_network();
        }
    }
    // As `sockplay lesson` does: a `# link:` header puts the lab on its link.
    if let Some(header) = lesson.link_header() {
        let made =
            sockplay::script::parse::link::spec(&header).and_then(|l| sockplay::link::apply(&l));
        if let Err(e) = made {
            println!("no link: {e}");
            return ExitCode::FAILURE;
        }
    }
    let lines = parse_script(&lesson.text).unwrap();
    let (lab, events) = sockplay::lab::Lab::new();
    let wire = lesson
        .needs_wire()
        .then(|| sockplay::tui::wire_pane::WirePane::start_in_background(&lab, None));
    let played: Played = play(lab, events, wire, &lesson.title, lines, size, LIMIT);
    println!(
        "{} notes, {} not backed, {} cuts{}",
        played.notes,
        played.misses.len(),
        played.cuts.len(),
        if played.done { "" } else { ", did not finish" }
    );
    for (step, cut) in &played.cuts {
        println!("  {name} {size:?} {step}: cut on screen: {cut}");
    }
    for m in &played.misses {
        println!(
            "  {name} {size:?} {}:\n    note: {}\n    not on screen: {}",
            m.step,
            m.note,
            m.missing.join(", ")
        );
    }
    if let Some(dir) = std::env::var_os("SCREENS_DUMP") {
        let text: Vec<String> = played
            .kept
            .iter()
            .map(|(t, s)| format!("=== {t}\n{s}"))
            .collect();
        let path = std::path::Path::new(&dir).join(format!("{name}-{}x{}.txt", size.0, size.1));
        std::fs::write(path, text.join("\n")).unwrap();
    }
    if std::env::var_os("BACKING_DUMP").is_some() {
        for (title, screen) in &played.stops {
            eprintln!("=== {title}\n{screen}");
        }
    }
    // The screens kept, against the snapshot (only a lesson played to its
    // end: a shorter play is already a failure).
    let mut same = true;
    if size == SNAPSHOT_SIZE && played.done {
        let text: Vec<String> = played
            .kept
            .iter()
            .map(|(t, s)| format!("=== {t}\n{s}"))
            .collect();
        let text = text.join("\n");
        let snapshot = std::panic::catch_unwind(|| {
            insta::assert_snapshot!(format!("screens_80x24_{name}"), text);
        });
        if snapshot.is_err() {
            println!(
                "  {name} {size:?}: the screens differ from the snapshot (the difference above)"
            );
            same = false;
        }
    }
    if played.misses.is_empty() && played.cuts.is_empty() && played.done && same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
