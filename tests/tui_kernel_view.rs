//! The kernel view over the screen (`show`), paging by the visible height,
//! and the listeners pane's figures whole at 80×24: `App::update` and a
//! TestBackend, on a real lab.

mod common;

use common::tui::{app, enter_command, key, pump, pump_drawn, render};
use crossterm::event::KeyCode;
use sockplay::kernel::{CounterScope, Counters, Snapshot, Snapshotter, System};
use sockplay::lab::Lab;
use sockplay::tui::app::{App, Mode, Msg, Pane};
use sockplay::tui::log::Entry;

fn last_info(app: &App) -> String {
    app.log
        .entries()
        .iter()
        .rev()
        .find_map(|e| match e {
            Entry::Info(t) => Some(t.clone()),
            _ => None,
        })
        .expect("an info entry")
}

/// A lesson of `text` playing in a fresh lab on a `w`×`h` screen.
fn playing(
    text: &str,
    (w, h): (u16, u16),
) -> (App, std::sync::mpsc::Receiver<sockplay::lab::LabEvent>) {
    let (mut app, rx) = app();
    app.update(Msg::Resize(w, h));
    let lines = sockplay::script::parse_script(text).unwrap();
    app.play("Shown", lines, true);
    (app, rx)
}

/// Whether a note holding `text` has been shown.
fn noted(a: &App, text: &str) -> bool {
    a.log
        .entries()
        .iter()
        .any(|e| matches!(e, Entry::Note(n) if n.contains(text)))
}

#[test]
fn show_covers_the_screen_with_the_kernel_view_and_esc_closes_it() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    enter_command(&mut app, "listen backlog=1");
    for _ in 0..4 {
        enter_command(&mut app, "connect L1");
    }
    assert!(
        pump(&mut app, &rx, |a| a.lab.sockets().len() >= 5),
        "timed out waiting"
    );
    enter_command(&mut app, "show");
    // Typed commands wait for the connects to settle (two stay in SYN-SENT).
    assert!(
        pump(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "timed out waiting"
    );
    assert!(matches!(app.mode, Mode::Show), "{:?}", app.mode);
    // The same text the results keep, which is what `run` prints.
    assert_eq!(app.kernel_view, last_info(&app));
    assert!(app.kernel_view.contains("L1"), "{}", app.kernel_view);
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("kernel view (show)"), "{screen}");
    assert!(screen.contains("Esc close"), "{screen}");
    let first = app.kernel_view.lines().next().unwrap().trim_end();
    let shown: String = first.chars().take(76).collect();
    assert!(screen.contains(shown.trim_end()), "{screen}");
    // Long lines go on below: nothing is cut off the right edge.
    let lines = sockplay::tui::view::kernel_view::wrapped(&app.kernel_view, 78);
    assert!(lines.iter().all(|l| l.chars().count() <= 78));
    let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&lines.join(" ")).len(), words(&app.kernel_view).len());
    // Taller than the screen: it scrolls, a page at a time, to its end.
    let lines = lines.len();
    let page = app.page_rows();
    assert_eq!(page, 21, "24 rows less the status line and two borders");
    key(&mut app, KeyCode::PageDown);
    assert_eq!(
        app.kernel_view_top.offset(),
        page.min(lines.saturating_sub(page))
    );
    key(&mut app, KeyCode::End);
    assert_eq!(app.kernel_view_top.offset(), lines.saturating_sub(page));
    key(&mut app, KeyCode::Home);
    assert_eq!(app.kernel_view_top.offset(), 0);
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(!render(&mut app, 80, 24).contains("kernel view (show)"));
    // `show S` shows one socket; an unknown one is an error, no overlay.
    enter_command(&mut app, "show C1");
    assert!(
        pump(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "timed out waiting"
    );
    assert!(matches!(app.mode, Mode::Show));
    assert!(app.kernel_view.contains("C1") && !app.kernel_view.contains("C3 "));
    key(&mut app, KeyCode::Esc);
    enter_command(&mut app, "show C99");
    assert!(
        pump(&mut app, &rx, |a| a.cmd_error.is_some()),
        "timed out waiting"
    );
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(app.cmd_error.is_some());
}

#[test]
fn a_lesson_reads_its_notes_beside_the_kernel_view_and_runs_calls_once_it_closes() {
    let (mut app, rx) = playing(
        "# lesson: Shown\nstep \"One\"\nlisten backlog=1\nshow L1 counters\nnote \"about the view\"\nlisten backlog=2\nnote \"after the view\"\nstep \"Two\"\nnote \"in step two\"\n",
        (100, 30),
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "timed out waiting"
    );
    assert!(matches!(app.mode, Mode::Show), "{:?}", app.mode);
    // The note about the view comes beside it: the narration stays above
    // the view, and the view opened at the part the lesson cites.
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "about the view")),
        "the note about the view never came"
    );
    let screen = render(&mut app, 100, 30);
    let narration = screen.find("about the view").unwrap();
    let view = screen.find("kernel view (show)").unwrap();
    assert!(narration < view, "{screen}");
    assert!(
        screen.contains("counters since start"),
        "opened at the counters: {screen}"
    );
    assert!(screen.contains("space close and go on"), "{screen}");
    // The call after it waits while the view is open, however long (pump's
    // 10 s) the lab goes on: nothing it shows changes unseen.
    assert!(
        !pump_drawn(&mut app, &rx, |a| {
            a.lab.socket("L2".parse().unwrap()).is_some()
        }),
        "L2 was made under the view"
    );
    assert!(!noted(&app, "after the view"));
    // Space closes the view; the step goes on, and stops at its end.
    key(&mut app, KeyCode::Char(' '));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "after the view")),
        "the note after the view never came"
    );
    assert!(!noted(&app, "in step two"), "space went past the step");
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "in step two")),
        "timed out waiting"
    );
    assert!(
        noted(&app, "in step two"),
        "the next space goes on to step two"
    );
}

/// The notes read beside a kernel view talk about it: once it closes they
/// go above the narration's page, which says there is more above, and
/// Shift-↑ brings them back. An open question stays on the page with the
/// notes that answer it.
#[test]
fn the_notes_read_beside_a_closed_view_go_above_the_page() {
    let (mut app, rx) = playing(
        "# lesson: Paged\nstep \"One\"\nnote \"Will a second listen work?\"\npause\nlisten backlog=1\nshow L1\nnote \"beside the view\"\nlisten backlog=2\nnote \"after the view\"\nstep \"Two\"\n",
        (100, 30),
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| a
            .script
            .as_ref()
            .is_some_and(|s| s.paused.is_some())),
        "the question never came"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show)
            && noted(a, "beside the view")),
        "the view and its note never came"
    );
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("beside the view"), "{screen}");
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "after the view")),
        "the note after the view never came"
    );
    let screen = render(&mut app, 100, 30);
    assert!(!screen.contains("beside the view"), "{screen}");
    assert!(screen.contains("after the view"), "{screen}");
    assert!(screen.contains("Will a second listen work?"), "{screen}");
    assert!(screen.contains("more above"), "{screen}");
    app.update(Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Up,
        crossterm::event::KeyModifiers::SHIFT,
    )));
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("beside the view"), "{screen}");
}

/// A step that ends at its kernel view: the space that closes the view
/// begins the next step, so a teacher pressing only space never presses
/// once for nothing.
#[test]
fn one_space_closes_a_view_that_ends_its_step_and_begins_the_next() {
    let (mut app, rx) = playing(
        "# lesson: Shown\nstep \"One\"\nlisten backlog=1\nshow L1 counters\nnote \"about the view\"\nstep \"Two\"\nnote \"in step two\"\n",
        (80, 24),
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show)
            && noted(a, "about the view")),
        "the view and its note never came"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "in step two")),
        "one space closed the view but did not begin step two"
    );
}

/// A space pressed as the lesson's view opens, before the note about it
/// has come (it waits for the frame that draws the view, and a step that
/// waited on the kernel opens its view at no moment the reader chose): the
/// view stays until the note is there to read beside it.
#[test]
fn a_space_before_the_views_note_waits_for_it() {
    let (mut app, rx) = playing(
        "# lesson: Shown\nstep \"One\"\nlisten backlog=1\nshow L1\nnote \"beside the view\"\nstep \"Two\"\nnote \"in step two\"\n",
        (100, 30),
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "the view never opened"
    );
    assert!(
        !noted(&app, "beside the view"),
        "the note came before its frame"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(matches!(app.mode, Mode::Show), "{:?}", app.mode);
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "beside the view")),
        "the note never came"
    );
    assert!(matches!(app.mode, Mode::Show), "{:?}", app.mode);
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| noted(a, "in step two")),
        "the space after the note did not close the view and go on"
    );
}

/// A question asked beside the kernel view: the space that closes the view
/// also shows what happens, as space does at every other pause; Esc only
/// closes it.
#[test]
fn one_space_closes_a_view_opened_at_a_question_and_shows_the_answer() {
    for (close, answers) in [(KeyCode::Char(' '), true), (KeyCode::Esc, false)] {
        let (mut app, rx) = playing(
            "# lesson: Asked\nstep \"One\"\nlisten backlog=1\nshow L1\nnote \"What will listen do?\"\npause\nlisten backlog=2\nnote \"the answer\"\n",
            (100, 30),
        );
        key(&mut app, KeyCode::Char(' '));
        assert!(
            pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show)
                && a.script.as_ref().is_some_and(|s| s.paused.is_some())),
            "the view and the question never came"
        );
        assert!(noted(&app, "What will listen do?"));
        assert!(!noted(&app, "the answer"), "answered before the question");
        key(&mut app, close);
        assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
        let came = pump_drawn(&mut app, &rx, |a| noted(a, "the answer"));
        assert_eq!(came, answers, "closing with {close:?}");
    }
}

#[test]
fn page_keys_move_the_results_by_the_visible_height() {
    let (mut app, _rx) = app();
    for i in 0..200 {
        app.log.push(Entry::Info(format!("line {i}")));
    }
    for (w, h) in [(80, 24), (100, 30)] {
        app.update(Msg::Resize(w, h));
        app.results_scroll.reset();
        let screen = render(&mut app, w, h);
        let page = app.page_rows();
        // The results pane draws exactly `page` lines of the log.
        let drawn = screen.lines().filter(|l| l.contains("line ")).count();
        assert_eq!(drawn, page, "{w}×{h}:\n{screen}");
        key(&mut app, KeyCode::PageUp);
        assert_eq!(app.pane, Pane::Results);
        assert_eq!(app.results_scroll.offset(), page, "{w}×{h}");
        key(&mut app, KeyCode::PageUp);
        key(&mut app, KeyCode::PageDown);
        assert_eq!(app.results_scroll.offset(), page, "{w}×{h}");
    }
}

fn overflowing(frozen_lab: &Lab) -> Snapshot {
    let mut snap = Snapshotter::live()
        .unwrap()
        .take(&frozen_lab.observer())
        .unwrap();
    snap.counters = Counters {
        listen_overflows: 21,
        listen_drops: 21,
        ..Counters::default()
    };
    snap.counters_scope = CounterScope::SystemWide;
    snap.system = System::default();
    snap
}

#[test]
fn the_listeners_figures_read_whole_at_80x24() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    enter_command(&mut app, "listen backlog=0");
    assert!(
        pump(&mut app, &rx, |a| a.lab.sockets().len() == 1),
        "timed out waiting"
    );
    let snap = overflowing(&app.lab);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    let screen = render(&mut app, 80, 24);
    // "all drops" at 80 columns too: each figure against its word.
    assert!(screen.contains("overflows+21 · all drops+21"), "{screen}");
    key(&mut app, KeyCode::Char('p'));
    let screen = render(&mut app, 80, 24);
    let top = screen.lines().next().unwrap();
    assert!(top.contains("Listeners · FROZEN"), "{screen}");
    // Wide, the title keeps its words.
    let screen = render(&mut app, 160, 48);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("Listeners · accept queues · FROZEN"),
        "{screen}"
    );
}

/// At 30 columns and 32 the SYN queue's counters read whole, beside those of the
/// accept queue, and the pane still says where they are counted.
#[test]
fn the_syn_counters_and_their_scope_read_whole_in_a_narrow_listeners_pane() {
    let (mut app, rx) = app();
    enter_command(&mut app, "listen backlog=4");
    assert!(
        pump(&mut app, &rx, |a| a.lab.sockets().len() == 1),
        "timed out waiting"
    );
    let mut snap = overflowing(&app.lab);
    // As the two-queues lesson leaves them, cookies on and off.
    snap.counters = Counters {
        listen_drops: 17,
        reqq_full_do_cookies: 5,
        syncookies_recv: 2,
        reqq_full_drop: 17,
        ..Counters::default()
    };
    snap.counters_scope = CounterScope::ThisLab;
    app.update(Msg::Snapshot(std::sync::Arc::new(snap.clone())));
    for (w, h) in [(80, 24), (100, 30)] {
        app.update(Msg::Resize(w, h));
        let screen = render(&mut app, w, h);
        let pane: Vec<&str> = screen
            .lines()
            .map(|l| {
                l.get(..l.char_indices().nth(32).map_or(l.len(), |(i, _)| i))
                    .unwrap_or(l)
            })
            .collect();
        let text = pane.join("\n");
        // ListenDrops counts every drop; the SYN queue's own is named for
        // what the full queue did: no two counts read "drop".
        assert!(
            text.contains("overflows +0 · all drops +17"),
            "{w}×{h}:\n{text}"
        );
        // The pane is 30 to 32 wide: each figure against its word, under
        // the SYN queue's gauge.
        assert!(
            text.contains("cookie+5 back+2 full→drop+17"),
            "{w}×{h}:\n{text}"
        );
        assert!(
            !text.contains(" drop+17") && !text.contains("· drops +17"),
            "{w}×{h}:\n{text}"
        );
        assert!(text.contains("this lab, since start"), "{w}×{h}:\n{text}");
    }
    // With defer_accept's drops too they no longer fit one row: on two,
    // every counter whole, under the listener's three rows.
    snap.counters.defer_accept_drop = 2;
    snap.counters.reqq_full_do_cookies = 17;
    snap.t += std::time::Duration::from_millis(1);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap.clone())));
    let pane = |screen: &str| -> String {
        screen
            .lines()
            .map(|l| l.chars().take(32).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (w, h) in [(80, 24), (100, 30)] {
        app.update(Msg::Resize(w, h));
        let text = pane(&render(&mut app, w, h));
        assert!(text.contains("cookies +17 back +2"), "{w}×{h}:\n{text}");
        assert!(text.contains("full→drop +17 defer +2"), "{w}×{h}:\n{text}");
        assert!(text.contains("syn q"), "{w}×{h}:\n{text}");
    }
    // Wide, the long words, and the scope all the same.
    let screen = render(&mut app, 160, 48);
    assert!(
        screen.contains("cookies +17 back +2 · syn-q full→drops +17 · defer +2"),
        "{screen}"
    );
    assert!(screen.contains("this lab, since start"), "{screen}");
    // System-wide counters say so.
    snap.counters_scope = CounterScope::SystemWide;
    snap.t += std::time::Duration::from_millis(1);
    app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
    assert!(render(&mut app, 80, 24).contains("system-wide, since start"));
}

/// Plays `script` as a lesson at 80×24 up to its kernel view with the
/// note beside it; the App and the screen then.
fn shown_at_80x24(script: &str) -> (App, String) {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    let lines = sockplay::script::parse_script(script).unwrap();
    app.play("Shown", lines, true);
    key(&mut app, KeyCode::Char(' '));
    let noted = |a: &App| {
        a.log
            .entries()
            .iter()
            .any(|e| matches!(e, Entry::Note(n) if n.contains("beside the view")))
    };
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show) && noted(a)),
        "the view and its note never came"
    );
    let screen = render(&mut app, 80, 24);
    (app, screen)
}

/// The kernel view's title as drawn: "kernel view (show) · lines A–B of N".
fn view_title(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("kernel view (show)"))
        .unwrap_or_default()
}

#[test]
fn a_lessons_kernel_view_opens_at_its_top_when_the_cited_counters_fit() {
    // The counters and the settings under them fit: the view stays at its
    // top, its first line in sight.
    let (app, screen) = shown_at_80x24(
        "# lesson: Shown\nstep \"One\"\nlisten backlog=1\nconnect L1 x2\nwait L1\nsleep 300ms\nshow L1 counters\nnote \"A note beside the view.\"\n",
    );
    let first = app.kernel_view.lines().next().unwrap().trim_end();
    assert!(screen.contains(first), "not at its top:\n{screen}");
    assert!(screen.contains("counters since start"), "{screen}");
    let title = view_title(&screen);
    assert!(
        !title.contains("lines ") || title.contains("lines 1–"),
        "opened scrolled: {title}\n{screen}"
    );
}

#[test]
fn a_lessons_kernel_view_scrolls_just_enough_to_show_the_counters_it_cites() {
    // Nine connections in L1's queue push the counters below the fold: the
    // view scrolls just enough to show them, from the first row of a line
    // (a view that opened on "entry's SYN-ACK timer, the client's next ACK
    // …" began mid-sentence), and not for the settings under them, which
    // at 80×24 took the rows of the listener's own lines.
    let (app, screen) = shown_at_80x24(
        "# lesson: Shown\nstep \"One\"\nlisten backlog=8\nconnect L1 x9\nwait L1\nsleep 300ms\nshow L1 counters\nnote \"A note beside the view.\"\n",
    );
    let rows = sockplay::tui::view::kernel_view::wrapped_whole(&app.kernel_view, 78);
    let first = rows
        .iter()
        .position(|(l, _)| l.starts_with("counters since start"))
        .expect("the counters in the view");
    let end = rows
        .iter()
        .position(|(l, _)| l.starts_with("system: "))
        .expect("the settings under the counters");
    for (l, _) in &rows[first..end] {
        assert!(screen.contains(l.trim()), "{l} not drawn:\n{screen}");
    }
    let title = view_title(&screen);
    let top = title
        .split("lines ")
        .nth(1)
        .and_then(|t| t.split('–').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("not scrolled: {title}\n{screen}"))
        - 1;
    assert!(top > 0, "{title}\n{screen}");
    assert!(rows[top].1, "opened mid-line: {:?}\n{screen}", rows[top].0);
    // Just enough: the first row of a line at or after the one that
    // leaves the counters' last row at the bottom.
    let drawn: Vec<&str> = screen.lines().collect();
    let head = drawn
        .iter()
        .position(|l| l.contains("kernel view (show)"))
        .unwrap();
    let foot = head
        + drawn[head..]
            .iter()
            .position(|l| l.starts_with('└'))
            .unwrap();
    let height = foot - head - 1;
    let least = end - height;
    let expected = (least..=first).find(|&k| rows[k].1).unwrap();
    assert_eq!(top, expected, "{title}\n{screen}");
    // The reader scrolls from there, and goes back to the top with Home.
    let mut app = app;
    key(&mut app, KeyCode::Home);
    let screen = render(&mut app, 80, 24);
    assert!(
        screen.contains(app.kernel_view.lines().next().unwrap().trim_end()),
        "{screen}"
    );
}

#[test]
fn q_closes_the_kernel_view_as_the_status_line_says() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(80, 24));
    enter_command(&mut app, "listen");
    enter_command(&mut app, "show");
    assert!(
        pump(&mut app, &rx, |a| matches!(a.mode, Mode::Show)),
        "timed out waiting"
    );
    let screen = render(&mut app, 80, 24);
    let status = screen.lines().last().unwrap();
    assert!(status.contains("q/Esc close"), "{status}");
    key(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
    assert!(!app.quit, "q over the kernel view closed the lab");
    // Over the panes, q quits, as the status line says.
    let status = render(&mut app, 80, 24).lines().last().unwrap().to_string();
    assert!(status.contains("q quit"), "{status}");
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit || matches!(app.mode, Mode::ConfirmQuit));
}

/// A lesson that ends at a kernel view: with nothing to go on to, its
/// keys say that space closes it, not "close and go on", in the heading
/// as in the footer.
#[test]
fn a_view_at_the_end_of_a_lesson_says_space_only_closes_it() {
    let (mut app, rx) = app();
    app.update(Msg::Resize(100, 30));
    let lines = sockplay::script::parse_script(
        "# lesson: Shown\nstep \"Last\"\nlisten backlog=1\nshow L1\nnote \"about the view\"\n",
    )
    .unwrap();
    app.play("Shown", lines, true);
    key(&mut app, KeyCode::Char(' '));
    assert!(
        pump_drawn(&mut app, &rx, |a| matches!(a.mode, Mode::Show)
            && a.script.as_ref().is_some_and(|s| s.done)),
        "timed out waiting"
    );
    let screen = render(&mut app, 100, 30);
    assert!(!screen.contains("go on"), "{screen}");
    assert!(screen.contains("q/Esc/space close"), "{screen}");
    assert!(
        screen.contains("the end: space or q closes the kernel view"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(matches!(app.mode, Mode::Normal), "{:?}", app.mode);
}

/// At 80×24 a kernel view one row taller than its pane ended on "…the
/// kernel checks for room before it takes each piece of a send, not after,
/// so what it holds may go", the note's last words below the pane. A line
/// of the view the pane cannot show whole is left for the reader to scroll
/// to, and the heading says there is more below.
#[test]
fn the_kernel_view_never_ends_its_page_inside_a_sentence() {
    let (mut app, _rx) = app();
    app.update(Msg::Resize(80, 24));
    let mut text = String::from("kernel view at 1.000 s\n");
    for k in 0..17 {
        text.push_str(&format!("      field{k} {k}\n"));
    }
    text.push_str(
        "      · sendq 156384 is more than sndbuf 131072: the kernel checks for room \
         before it takes each piece of a send, not after, so what it holds may go past the limit\n",
    );
    app.kernel_view = text;
    app.mode = Mode::Show;
    let screen = render(&mut app, 80, 24);
    // 18 one-row lines and a note of three rows, in a pane of 21 rows at
    // 80×24 without a lesson: all of it; two rows more above, and the
    // note would be cut after its first row.
    assert!(screen.contains("past the limit"), "{screen}");
    app.kernel_view
        .insert_str(0, "      one more\n      and another\n");
    let screen = render(&mut app, 80, 24);
    // Its first row would fit, the rest not: none of it shows.
    assert!(!screen.contains("sendq 156384"), "{screen}");
    assert!(screen.contains("field16 16"), "{screen}");
    assert!(screen.contains("lines 1–20 of 23 · ↓ more"), "{screen}");
}
