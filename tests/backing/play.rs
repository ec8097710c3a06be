//! Playing a lesson through the lab's screen code as a teacher does,
//! pressing only space, and reading the screen at the moment each note
//! first appears.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sockplay::kernel::KernelReader;
use sockplay::lab::Lab;
use sockplay::script::{Line, Statement};
use sockplay::tui::app::{App, Mode, Msg};
use sockplay::tui::lesson::Stop;
use sockplay::tui::theme::Theme;
use sockplay::tui::view;

use super::cite::{Cite, backed, cites};
use super::label::{pair_backed, pairs};
use super::names::{call_shown, calls, names};
use super::pages::page_misses;
use super::pauses::{earlier_at_question, list_pause_checks};

/// How often the kernel view comes, as the lab's sampler sends it.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// A note the screen did not back.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The step's number and title.
    pub step: String,
    /// The note as it appeared.
    pub note: String,
    /// What it cites that the screen did not show.
    pub missing: Vec<String>,
}

/// What a lesson's play came to.
#[derive(Debug, Default)]
pub struct Played {
    /// Notes not backed by the screen.
    pub misses: Vec<Miss>,
    /// Notes checked.
    pub notes: usize,
    /// The screen at each stop (a step's end or a pause), as drawn.
    pub stops: Vec<(String, String)>,
    /// Whether the lesson ran to its end.
    pub done: bool,
    /// The screen at each stop as the snapshot keeps it (kernel figures
    /// masked), with the step's title.
    pub kept: Vec<(String, String)>,
    /// Words or figures cut on screen: the step, and what.
    pub cuts: std::collections::BTreeSet<(String, String)>,
}

/// The narration pane's text as drawn now, words joined by single spaces
/// (what an overlay covers is not in it).
pub fn narration_text(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let Some(n) = view::areas(app, w, h).narration else {
        return String::new();
    };
    let mut words = Vec::new();
    for y in n.y + 1..(n.y + n.height).saturating_sub(1) {
        if view::covered(app, w, h, y) {
            continue;
        }
        let row: String = (n.x + 1..n.x + n.width - 1)
            .map(|x| buf[(x, y)].symbol())
            .collect();
        words.extend(row.split_whitespace().map(String::from));
    }
    words.join(" ")
}

/// The screen drawn at `w`×`h`.
pub struct Drawn {
    /// All of it.
    pub all: String,
    /// The rows outside the narration pane.
    pub outside: String,
    /// The rows of the results log.
    pub log: String,
    /// The rows outside the narration and the results log: the panes that
    /// show sockets as they are (listeners, connections, the selected
    /// one, the kernel view, the wire). A line of the log that names a
    /// socket tells what a call did, not what the socket holds.
    pub state: String,
}

/// The screen drawn at `w`×`h`: all of it, and the rows outside the
/// narration pane.
pub fn screen(app: &App, w: u16, h: u16) -> (String, String) {
    let d = drawn(app, w, h);
    (d.all, d.outside)
}

/// The screen drawn at `w`×`h`, in its parts.
pub fn drawn(app: &App, w: u16, h: u16) -> Drawn {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let areas = view::areas(app, w, h);
    let narration = areas.narration;
    let results = (!app.wire.shown).then_some(areas.results);
    let mut all = Vec::new();
    let mut outside = Vec::new();
    let mut state = Vec::new();
    let mut in_log = Vec::new();
    for y in 0..h {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        let row = row.trim_end().to_string();
        let covered = view::covered(app, w, h, y);
        // What an overlay draws over the narration's rows is not narration.
        let inside = narration.is_some_and(|n| y >= n.y && y < n.y + n.height) && !covered;
        let log = results.is_some_and(|r| y >= r.y && y < r.y + r.height) && !covered;
        if !inside {
            outside.push(row.clone());
            if log {
                in_log.push(row.clone());
            } else {
                state.push(row.clone());
            }
        }
        all.push(row);
    }
    Drawn {
        all: all.join("\n"),
        outside: outside.join("\n"),
        state: state.join("\n"),
        log: in_log.join("\n"),
    }
}

/// The title of the step the lesson is in at line index `at`, numbered.
pub fn step_title(lines: &[Line], at: usize) -> String {
    let mut n = 0;
    let mut title = "(before the first step)".to_string();
    for l in &lines[..at.min(lines.len())] {
        if let Statement::Step(t) = &l.statement {
            n += 1;
            title = format!("step {n} \"{t}\"");
        }
    }
    title
}

/// Figures a note may state without the screen showing them: about other
/// systems, each backed by a test or a source the note names. The lesson,
/// the figure, and what backs it.
const TOLD: &[(&str, &str, &str)] = &[
    (
        "Backlog",
        "128",
        "Python's listen() default: tests/lesson_claims.rs runs python3",
    ),
    (
        "Backlog",
        "4.10",
        "a figure's number in Stevens' book, named in the note",
    ),
    (
        "Backlog",
        "511",
        "nginx's default backlog, from its documentation, named in the note",
    ),
    (
        "Backlog",
        "5.4",
        "the Linux release that raised somaxconn, named in the note",
    ),
];

/// Whether a figure of lesson `name` is told rather than shown.
fn told(name: &str, figure: &str) -> bool {
    TOLD.iter().any(|(l, f, _)| *l == name && *f == figure)
}

/// What the commands after a question will be called with: a note that
/// ends with a question may cite the arguments of the command that comes
/// next (up to the next note or step), or the socket a `show` opens.
fn next_commands(lines: &[Line], after: usize) -> String {
    let mut text = String::new();
    for l in &lines[after + 1..] {
        match &l.statement {
            Statement::Note(_) | Statement::Step(_) => break,
            Statement::Lab(_) | Statement::Show(..) => {
                // `x200` is 200 clients or datagrams.
                for word in l.text.split_whitespace() {
                    let count = word
                        .strip_prefix('x')
                        .filter(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty());
                    text.push_str(count.unwrap_or(word));
                    text.push(' ');
                }
                text.push('\n');
            }
            _ => {}
        }
    }
    text
}

fn space(app: &mut App) {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(' '),
        KeyModifiers::NONE,
    )));
}

/// What a note cites that `outside` (the screen outside the narration)
/// does not show: lab sockets and figures (or, after a question, the next
/// command's arguments: a socket among them only if the lab has not made
/// it yet, for one it has made is drawn or hidden now), errno and kernel
/// names, and figures beside the label the note gives them.
fn unbacked(
    lesson: &str,
    note: &str,
    screen: &Drawn,
    next: &str,
    made: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let outside = screen.outside.as_str();
    let mut missing: Vec<String> = cites(note)
        .into_iter()
        .filter(|c| {
            let socket = is_socket(&c.text);
            let shown = if socket {
                backed(&screen.state, c) || closed(&screen.log, &c.text)
            } else {
                backed(outside, c)
            };
            let to_come = backed(next, c) && !(socket && made(&c.text));
            !(shown || to_come || told(lesson, &c.text))
        })
        .map(|c| {
            if is_socket(&c.text) {
                format!("{} (in a pane that shows it, not only the log)", c.text)
            } else {
                c.text
            }
        })
        .collect();
    missing.extend(
        names(note)
            .into_iter()
            .filter(|c| !backed_name(outside, c))
            .map(|c| c.text),
    );
    // A question may name the calls to come; an answer names calls made.
    if next.is_empty() {
        missing.extend(
            calls(note)
                .into_iter()
                .filter(|c| !call_shown(&screen.log, c))
                .map(|c| format!("{c}() (its result in the log)")),
        );
    }
    missing.extend(
        pairs(note)
            .into_iter()
            .filter(|p| {
                !(pair_backed(outside, p) || pair_backed(next, p) || told(lesson, &p.value.text))
            })
            .map(|p| format!("{} {} (the figure beside its label)", p.label, p.value.text)),
    );
    missing
}

/// Whether the log on screen shows `sock` closed: a socket that is gone
/// is in no pane, and its close is all there is to see of it.
fn closed(log: &str, sock: &str) -> bool {
    log.lines().any(|row| {
        let mut w = row.trim_start_matches(['│', ' ']).split_whitespace();
        w.next().is_some_and(|n| n.starts_with('#'))
            && w.next() == Some(sock)
            && w.next().is_some_and(|c| c.starts_with("close"))
    })
}

/// Whether the lab has made the socket a name names: one listed now, or
/// closed since.
fn made(app: &App) -> impl Fn(&str) -> bool + '_ {
    |name: &str| {
        name.parse::<sockplay::lab::SockName>()
            .is_ok_and(|n| app.lab.knows(n))
    }
}

/// Whether a cite is a lab socket's name (`L1`, `C12`).
fn is_socket(text: &str) -> bool {
    super::label::is_socket_name(text)
}

/// Whether the screen writes a name, also as the end of a dotted one
/// (`net.ipv4.tcp_syn_retries`).
fn backed_name(screen: &str, name: &Cite) -> bool {
    backed(screen, name) || backed(&screen.replace('.', " "), name)
}

/// The note at line `i` as it appeared (its quotes filled).
pub fn note_text(app: &App, i: usize) -> String {
    let script = app.script.as_ref().unwrap();
    let Statement::Note(raw) = &script.player.lines()[i].statement else {
        return String::new();
    };
    script.player.filled().get(&i).unwrap_or(raw).clone()
}

/// The question that note `i` answers: the last note of its step before
/// it that the lesson paused after (a note that asks the next question
/// often begins with the answer to that one). Its line index.
fn question_answered(lines: &[Line], i: usize) -> Option<usize> {
    (0..i)
        .rev()
        .take_while(|&k| !matches!(lines[k].statement, Statement::Step(_)))
        .find(|&k| is_note(lines, k) && pauses_after(lines, k))
}

/// Whether line `k` is a note.
fn is_note(lines: &[Line], k: usize) -> bool {
    matches!(lines[k].statement, Statement::Note(_))
}

/// Whether the lesson pauses right after line `k` (a note that asks).
fn pauses_after(lines: &[Line], k: usize) -> bool {
    lines
        .get(k + 1)
        .is_some_and(|l| matches!(l.statement, Statement::Pause))
}

/// The last sentence of a question note, words joined by single spaces:
/// what it asks ("… at full speed. Does this sendall return?" asks "Does
/// this sendall return?").
pub fn last_sentence(note: &str) -> String {
    let note = note.trim_end();
    let body = &note[..note.len().saturating_sub(1)];
    let start = [". ", "? ", "! "]
        .iter()
        .filter_map(|end| body.rfind(end).map(|at| at + end.len()))
        .max()
        .unwrap_or(0);
    note[start..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What note `i` misses when it answers a prediction and the narration
/// does not show what was asked: a class reads question, then answer.
fn question_missing(app: &App, i: usize, narration: &str) -> Option<String> {
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let q = question_answered(lines, i)?;
    // A question that opens a page (the notes before it went above with
    // the kernel view they were read beside) asks anew: it answers none.
    let page = script.page_from();
    let asks = pauses_after(lines, i);
    let opens_page = q < page && !(page..i).any(|k| is_note(lines, k)) && asks;
    // A question asked after notes of their own answered the one before
    // asks anew too: the narration may show it alone.
    let after_answers = asks && (q + 1..i).any(|k| is_note(lines, k));
    if opens_page || after_answers {
        return None;
    }
    let asked = last_sentence(&note_text(app, q));
    (!narration.contains(&asked))
        .then(|| format!("the question it answers (\"{asked}\"), in the narration with it"))
}

/// What the checks keep between one look at the screen and the next.
#[derive(Default)]
struct Reading {
    /// Notes already seen to appear.
    seen: BTreeSet<usize>,
    /// Notes that appeared since the teacher last pressed space.
    since_stop: Vec<usize>,
    /// The last `pause` the teacher stopped at, and the screen outside
    /// the narration then: its answer must show something new.
    asked: Option<(usize, String)>,
}

/// Reads the notes that appeared since the last look against the screen
/// as it is now: the first frame that shows them.
fn read_fresh(app: &App, (w, h): (u16, u16), reading: &mut Reading, played: &mut Played) {
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let fresh: Vec<usize> = (0..script.shown_to().min(lines.len()))
        .filter(|&i| matches!(lines[i].statement, Statement::Note(_)) && reading.seen.insert(i))
        .collect();
    if fresh.is_empty() {
        return;
    }
    let drawn = drawn(app, w, h);
    let narration = narration_text(app, w, h);
    look_for_cuts(app, (w, h), played);
    played
        .misses
        .extend(page_misses(app, (w, h), &narration, ""));
    for i in fresh {
        reading.since_stop.push(i);
        let note = note_text(app, i);
        played.notes += 1;
        let question = note.trim_end().ends_with('?');
        let next = if question {
            next_commands(lines, i)
        } else {
            String::new()
        };
        let mut missing = unbacked(&script.name, &note, &drawn, &next, &made(app));
        missing.extend(super::panes::hidden(app, (w, h), &note));
        let words = note.split_whitespace().collect::<Vec<_>>().join(" ");
        if !narration.contains(&words) {
            missing.push("the note itself, whole in the narration".into());
        }
        missing.extend(question_missing(app, i, &narration));
        if !missing.is_empty() {
            if std::env::var_os("BACKING_DEBUG").is_some() {
                eprintln!("{}\n---- {missing:?}", screen(app, w, h).0);
            }
            played.misses.push(Miss {
                step: step_title(lines, i),
                note,
                missing,
            });
        }
    }
}

/// The teacher stops here and reads: every note that appeared since the
/// last space must still be whole in the narration, and the screen as it
/// is now must still back it (a `select` or a changed figure after a note
/// leaves it talking about what is gone). At a `pause`, the screen is
/// kept; when the teacher stops again, the notes that answered the
/// question must cite something that screen did not already show.
fn read_stop(app: &App, (w, h): (u16, u16), reading: &mut Reading, played: &mut Played) {
    let script = app.script.as_ref().unwrap();
    let lines = script.player.lines();
    let drawn = drawn(app, w, h);
    let narration = narration_text(app, w, h);
    played.misses.extend(page_misses(
        app,
        (w, h),
        &narration,
        ", when the lesson stopped for space",
    ));
    // Every note on the page now: those that appeared since the last
    // space, and earlier ones of the step still whole in the narration (a
    // class reads them again beside what the screen shows now: a kernel
    // view closed since, or a pane changed, leaves them citing what is
    // gone).
    let earlier: Vec<usize> = (0..script.shown_to().min(lines.len()))
        .filter(|i| !reading.since_stop.contains(i))
        .filter(|&i| matches!(lines[i].statement, Statement::Note(_)))
        .filter(|&i| {
            let words = note_text(app, i)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            !words.is_empty() && narration.contains(&words)
        })
        .collect();
    for &i in reading.since_stop.iter().chain(&earlier) {
        let again = !reading.since_stop.contains(&i);
        let when = if again {
            ", when the lesson stopped for space again with the note still on the page"
        } else {
            ", when the lesson stopped for space"
        };
        let note = note_text(app, i);
        let question = note.trim_end().ends_with('?');
        let next = if question {
            next_commands(lines, i)
        } else {
            String::new()
        };
        // A note read again names a pane to look at: that pane must still
        // be drawn (what it cites there may have moved on since, as a
        // story's earlier sentences do).
        let cited = if again {
            Vec::new()
        } else {
            unbacked(&script.name, &note, &drawn, &next, &made(app))
        };
        let mut missing: Vec<String> = cited
            .into_iter()
            .chain(super::panes::hidden(app, (w, h), &note))
            .map(|m| format!("{m}{when}"))
            .collect();
        let words = note.split_whitespace().collect::<Vec<_>>().join(" ");
        if !again && !narration.contains(&words) {
            missing
                .push("the note itself: gone from the narration before space was pressed".into());
        }
        if !again {
            missing.extend(question_missing(app, i, &narration).map(|m| format!("{m}{when}")));
        }
        if !missing.is_empty() {
            played.misses.push(Miss {
                step: step_title(lines, i),
                note,
                missing,
            });
        }
    }
    // The answer to the last question, if the lesson has moved past it.
    if let Some((pause, before)) = reading.asked.take() {
        let answers: Vec<usize> = reading
            .since_stop
            .iter()
            .copied()
            .filter(|&i| i > pause)
            .collect();
        if !answers.is_empty() {
            // The figures the answer gives beside their labels; an answer
            // told in words alone cannot be judged here.
            let given: Vec<super::label::Pair> = answers
                .iter()
                .flat_map(|&i| pairs(&note_text(app, i)))
                .filter(|p| !told(&script.name, &p.value.text))
                .collect();
            let new = given.is_empty() || given.iter().any(|p| !pair_backed(&before, p));
            if !new {
                let question = (0..pause)
                    .rev()
                    .find(|&i| matches!(lines[i].statement, Statement::Note(_)))
                    .map(|i| note_text(app, i))
                    .unwrap_or_default();
                played.misses.push(Miss {
                    step: step_title(lines, pause),
                    note: question,
                    missing: vec![format!(
                        "a prediction whose answer was on screen when it was asked: every figure the answer gives was drawn beside its label at the pause ({})",
                        answers
                            .iter()
                            .map(|&i| format!("\"{}\"", note_text(app, i)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )],
                });
            }
        }
    }
    if let Some(Stop::Pause(p)) = script.stop() {
        list_pause_checks(app, lines, p, &drawn.log);
        played
            .misses
            .extend(earlier_at_question(app, lines, p, &drawn.log));
        reading.asked = Some((p, drawn.outside));
    }
    reading.since_stop.clear();
}

/// Records the words or figures cut on the screen as it is now. The wire's
/// ladder reads the capture as it draws, so a segment that arrives between
/// the screen's drawing and the wide one it is compared with moves the
/// rows: only a cut seen on each of three drawings is one.
fn look_for_cuts(app: &App, (w, h): (u16, u16), played: &mut Played) {
    let script = app.script.as_ref().unwrap();
    let title = step_title(script.player.lines(), script.player.position());
    let mut found = super::cuts::cuts(app, w, h);
    for _ in 0..2 {
        if found.is_empty() {
            break;
        }
        let again = super::cuts::cuts(app, w, h);
        found.retain(|cut| again.contains(cut));
    }
    for cut in found {
        played.cuts.insert((title.clone(), cut));
    }
}

/// Plays `lines` as a lesson at `w`×`h`, pressing space whenever it
/// waits for the reader, for at most `limit`.
pub fn play(
    lab: Lab,
    events: std::sync::mpsc::Receiver<sockplay::lab::LabEvent>,
    wire: Option<sockplay::tui::wire_pane::WirePane>,
    name: &str,
    lines: Vec<Line>,
    (w, h): (u16, u16),
    limit: Duration,
) -> Played {
    let mut app = App::new(lab, Theme::new(false), KernelReader::live());
    app.size = (w, h);
    if let Some(wire) = wire {
        app.wire = wire;
        app.wire.opened(&app.lab, Duration::from_secs(2));
    }
    app.play(name, lines, true);
    let mut played = Played::default();
    let mut reading = Reading::default();
    let mut sampled = Instant::now() - SAMPLE_EVERY;
    let deadline = Instant::now() + limit;
    // Notes at the very start, before the first space. The layout is
    // measured and handed to the App before each look, as the program's
    // loop does before each frame.
    sockplay::tui::settle(&mut app);
    read_fresh(&app, (w, h), &mut reading, &mut played);
    while Instant::now() < deadline {
        // The lab's events, as the screen's loop takes them.
        while let Ok(e) = events.recv_timeout(Duration::from_millis(10)) {
            app.update(Msg::Lab(e));
            if Instant::now() > deadline {
                break;
            }
        }
        let now = Instant::now();
        if now.duration_since(sampled) >= SAMPLE_EVERY {
            sampled = now;
            if let Ok(snap) = app.kernel.take(&app.lab.observer()) {
                app.update(Msg::Snapshot(std::sync::Arc::new(snap)));
            }
        }
        app.update(Msg::Tick(now));
        sockplay::tui::settle(&mut app);
        read_fresh(&app, (w, h), &mut reading, &mut played);
        // A frame was drawn: a note held for it may appear.
        app.update(Msg::Drawn);
        sockplay::tui::settle(&mut app);
        read_fresh(&app, (w, h), &mut reading, &mut played);
        let script = app.script.as_ref().unwrap();
        let lines = script.player.lines();
        // A teacher waits for what is still coming: a note held for the
        // next frame, or notes that go on beside an open kernel view.
        let next_is_note = lines
            .get(script.player.position())
            .is_some_and(|l| matches!(l.statement, Statement::Note(_)));
        let coming = script.holding
            || (matches!(app.mode, Mode::Show) && next_is_note && script.more.is_none());
        let waiting = (script.stop().is_some() || matches!(app.mode, Mode::Show)) && !coming;
        if script.done && !matches!(app.mode, Mode::Show) {
            // A lesson that stopped on a rejected line did not run to its end.
            played.done = script.player.status() != sockplay::script::RunStatus::Rejected;
            read_stop(&app, (w, h), &mut reading, &mut played);
            let title = step_title(lines, lines.len());
            played
                .kept
                .push((title.clone(), super::screens::normalised(&app, w, h)));
            played.stops.push((title, screen(&app, w, h).0));
            break;
        }
        if waiting {
            look_for_cuts(&app, (w, h), &mut played);
            let kept = super::screens::normalised(&app, w, h);
            let script = app.script.as_ref().unwrap();
            let lines = script.player.lines();
            let title = step_title(lines, script.player.position());
            played.kept.push((title.clone(), kept));
            played.stops.push((title, screen(&app, w, h).0));
            read_stop(&app, (w, h), &mut reading, &mut played);
            space(&mut app);
            sockplay::tui::settle(&mut app);
            read_fresh(&app, (w, h), &mut reading, &mut played);
        }
    }
    app.lab.shutdown(Duration::from_secs(1));
    played
}
