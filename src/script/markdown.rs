//! A lesson as a handout a teacher can print (`sockplay run --markdown
//! FILE`): steps as sections, notes as paragraphs, pauses as questions,
//! commands with their results in code blocks; wrapped at 80 columns and
//! free of what changes from run to run.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use super::commonmark::{code_line, text as md};
use super::handout::{self, WIDTH, wrap};
use super::on_page::{about, link_path, relative_to, shows_figure};
use super::parse::{Line, Statement};
use super::quote::Quote;
use super::sink::{ExpectReport, Sink};
use super::transcript::call_text;
use crate::kernel::Snapshot;
use crate::lab::preview::escape_text;
use crate::lab::{Arg, Call, CallResult, Command, SockName, Started, Target};

/// How many steps of a `sendall`/`recvall`/`accept all` a handout prints
/// before it only counts them.
const STEPS_SHOWN: usize = 3;

/// The Python a command amounts to (`c1.send(b"Hi there, server")`), for
/// the handout to print under it; `None` where there is none to print.
pub type PythonOf = Box<dyn Fn(&Line) -> Option<String>>;

/// Writes Markdown to `W`.
pub struct Markdown<W: Write> {
    out: W,
    in_code: bool,
    steps: usize,
    /// The last note, held back: before a `pause` it is the question.
    held_note: Option<String>,
    /// The listener a `connect` named, to name its address after it.
    connect_to: Option<SockName>,
    /// Addresses and the lab names they stand for.
    names: Vec<(String, SockName)>,
    /// Steps printed and steps held back, by the call they are part of.
    parts: HashMap<u64, (usize, usize)>,
    python: Option<PythonOf>,
    /// Alike results in a row (`sendto … x200`), told once.
    repeats: super::repeats::Repeats,
    /// Figures drawn beside the handout, linked at the end of each step.
    figures: Option<super::figures::Figures>,
    /// Calls blocked one after another, alike but for their socket
    /// (`connect L1 x5` past a full queue): the first, the last named, and
    /// the call, told on one line.
    blocked_run: Option<(SockName, SockName, u64, Started)>,
    /// What the code blocks of this step printed, to tell whether a
    /// figure a note quotes is already on the page.
    step_code: String,
    /// The figures the next note quotes, with what they read.
    quoted: Vec<(Quote, String)>,
    /// Each socket's last call, as printed (`recvall(15)`).
    last_call: HashMap<SockName, String>,
    /// The directory of the Markdown file, when it is one: figure links
    /// are made relative to it, so they hold wherever the file is read.
    links_from: Option<std::path::PathBuf>,
    /// Ports the script chose (`listen 8080`): a listen's result names
    /// them, for they are the same on every run.
    chosen_ports: Vec<u16>,
    /// The segments of the step, as text.
    wire: super::wire_text::TextLadder,
    /// Whether segments are captured, and if not, why (said once, at
    /// the first note about the wire).
    wire_off: Option<String>,
    /// The selected socket's lines as last printed.
    last_selected: Vec<String>,
}

impl<W: Write> Markdown<W> {
    /// A handout with a title and a summary.
    pub fn new(mut out: W, title: &str, summary: &str) -> Self {
        let _ = writeln!(out, "# {}\n", md(title));
        if !summary.is_empty() {
            let lines: Vec<String> = wrap(&escape_text(summary), WIDTH - 2, "")
                .iter()
                .map(|l| md(l))
                .collect();
            let _ = writeln!(out, "*{}*\n", lines.join("\n"));
        }
        let ran = format!(
            "Run on Linux {} with sockplay; every figure below was read from the kernel.",
            kernel_release()
        );
        let _ = writeln!(out, "{}\n", wrap(&ran, WIDTH, "").join("\n"));
        Markdown {
            out,
            in_code: false,
            steps: 0,
            held_note: None,
            connect_to: None,
            names: Vec::new(),
            parts: HashMap::new(),
            python: None,
            repeats: super::repeats::Repeats::default(),
            figures: None,
            blocked_run: None,
            step_code: String::new(),
            quoted: Vec::new(),
            last_call: HashMap::new(),
            links_from: None,
            chosen_ports: Vec::new(),
            wire: super::wire_text::TextLadder::default(),
            wire_off: Some("run with --wire to print them".into()),
            last_selected: Vec::new(),
        }
    }

    /// Draws figures of each step (its ladder, time-sequence graph and
    /// queues) and links them at the step's end.
    pub fn with_figures(mut self, figures: super::figures::Figures) -> Self {
        self.figures = Some(figures);
        self
    }

    /// The figures, once the run is over.
    pub fn figures(&self) -> Option<&super::figures::Figures> {
        self.figures.as_ref()
    }

    /// Links figures as images, each in a paragraph of its own.
    fn link(&mut self, figures: Vec<super::figures::Figure>) {
        if figures.is_empty() {
            return;
        }
        self.release_note();
        self.close();
        for f in figures {
            let link = match &self.links_from {
                Some(dir) => relative_to(std::path::Path::new(&f.link), dir),
                None => f.link.clone(),
            };
            let _ = writeln!(self.out, "![{}]({})\n", md(&f.alt), link_path(&link));
        }
    }

    /// Says that the segments are captured (the lesson needs them, or
    /// `--wire`): each step prints them as a text ladder.
    pub fn with_wire(mut self) -> Self {
        self.wire_off = None;
        self
    }

    /// Prints the segments taken in so far: before each note and at a
    /// step's end, so that the ladder stands whole before the text about it.
    fn flush_wire(&mut self) {
        self.flush_blocked();
        self.flush_repeats();
        let lines = self.wire.take();
        self.wire_lines(lines);
    }

    fn wire_lines(&mut self, lines: Vec<String>) {
        for line in lines {
            let line = handout::scrub(&line, &self.names);
            for l in wrap(&line, WIDTH, "      ") {
                self.write_code(&l);
            }
        }
    }

    /// Links figures relative to `dir`, where the Markdown is written.
    pub fn with_links_from(mut self, dir: std::path::PathBuf) -> Self {
        self.links_from = Some(dir);
        self
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Prints each command's Python equivalent under it.
    pub fn with_python(mut self, python: PythonOf) -> Self {
        self.python = Some(python);
        self
    }

    fn code(&mut self, text: &str) {
        self.flush_blocked();
        self.flush_repeats();
        self.write_code(text);
    }

    /// Writes lines in the code block, opening it if need be.
    fn write_code(&mut self, text: &str) {
        self.release_note();
        if !self.in_code {
            let _ = writeln!(self.out, "```text");
            self.in_code = true;
        }
        // Script text and peer bytes never reach a terminal or a file raw,
        // and never close the code block early.
        for line in text.split('\n') {
            let _ = writeln!(self.out, "{}", code_line(line));
            self.step_code.push_str(line);
            self.step_code.push('\n');
        }
    }

    /// The figures the note about to be printed quotes that nothing
    /// printed in its step shows, read out as a line of their own
    /// (`read from the kernel: C2 rcv_wscale 10`), so that every figure
    /// the text cites is on the page.
    fn readings(&mut self) {
        let mut said: Vec<(String, Vec<String>)> = Vec::new();
        for (q, v) in std::mem::take(&mut self.quoted) {
            // A socket's figure counts as printed where a line about that
            // socket (or the counters) shows it: C4's port is not shown by
            // the range `40000 40001` a setting printed.
            let shown = match &q {
                Quote::Field { sock, .. } => shows_figure(&about(&self.step_code, *sock), &v),
                Quote::Sysctl(_) => shows_figure(&self.step_code, &v),
            };
            if v == "?" || shown {
                continue;
            }
            let (who, what) = match &q {
                Quote::Sysctl(name) => (name.clone(), v),
                Quote::Field { sock, field } => {
                    let call = self.last_call.get(sock);
                    let what = match (field.as_str(), call) {
                        ("elapsed", Some(c)) => format!("{c} took {v}"),
                        ("ret", Some(c)) => format!("{c} returned {v}"),
                        ("errno", Some(c)) => format!("{c} failed with {v}"),
                        _ => format!("{field} {v}"),
                    };
                    (sock.to_string(), what)
                }
            };
            match said.iter_mut().find(|(w, _)| *w == who) {
                Some((_, whats)) if !whats.contains(&what) => whats.push(what),
                Some(_) => {}
                None => said.push((who, vec![what])),
            }
        }
        if said.is_empty() {
            return;
        }
        let text: Vec<String> = said
            .into_iter()
            .map(|(who, whats)| format!("{who} {}", whats.join(", ")))
            .collect();
        let line = handout::scrub(
            &format!("read for the note below: {}", text.join("; ")),
            &self.names,
        );
        for l in wrap(&line, WIDTH, "      ") {
            self.code(&l);
        }
    }

    /// Writes the note held back as a paragraph.
    fn release_note(&mut self) {
        if let Some(n) = self.held_note.take() {
            self.paragraph("", &n);
        }
    }

    /// A paragraph of `text`, as itself, after `markup` (`## 2. `).
    fn paragraph(&mut self, markup: &str, text: &str) {
        self.close();
        let mut width = WIDTH.saturating_sub(markup.chars().count()).max(20);
        // Narrower until the escaped lines fit: escapes widen a line.
        let lines: Vec<String> = loop {
            let lines: Vec<String> = wrap(&escape_text(text), width, "")
                .iter()
                .map(|l| code_spans(&md(l)))
                .collect();
            if width <= 40 || lines.iter().all(|l| l.chars().count() <= WIDTH) {
                break lines;
            }
            width -= 2;
        };
        let _ = writeln!(self.out, "{markup}{}\n", lines.join("\n"));
    }

    /// Writes the run of blocked calls held back.
    fn flush_blocked(&mut self) {
        if let Some((first, last, last_seq, call)) = self.blocked_run.take() {
            let who = if first == last {
                first.to_string()
            } else {
                format!("{first}–{last}")
            };
            let line = handout::blocked_run_line(&who, last_seq, &call, &self.names);
            for l in wrap(&line, WIDTH, "      ") {
                self.code(&l);
            }
        }
    }

    /// Says how many alike results were left out, inside the code block they belong to.
    fn flush_repeats(&mut self) {
        if let Some(line) = self.repeats.flush() {
            let line = handout::scrub(&line, &self.names);
            for l in line.split('\n') {
                let _ = writeln!(self.out, "{}", code_line(l));
            }
        }
    }

    fn close(&mut self) {
        self.flush_blocked();
        self.flush_repeats();
        if self.in_code {
            let _ = writeln!(self.out, "```\n");
            self.in_code = false;
        }
    }
}

impl<W: Write> Sink for Markdown<W> {
    fn command(&mut self, line: &Line) {
        match &line.statement {
            Statement::Note(_)
            | Statement::Step(_)
            | Statement::Expect(_)
            | Statement::Pause
            | Statement::Select(..)
            | Statement::ExpectPacket(_) => return,
            Statement::Lab(Command::Connect { target, .. }) => {
                self.connect_to = match target {
                    Target::Listener(l) => Some(*l),
                    _ => None,
                };
            }
            Statement::Lab(Command::Listen {
                addr: Some(addr), ..
            }) if addr.port != 0 && !self.chosen_ports.contains(&addr.port) => {
                self.chosen_ports.push(addr.port);
            }
            _ => {}
        }
        for l in wrap(&format!("$ {}", line.text), WIDTH, "    ") {
            self.code(&l);
        }
        let python = self.python.as_ref().and_then(|p| p(line));
        if let Some(py) = python {
            for l in wrap(&format!("# Python: {py}"), WIDTH, "#     ") {
                self.code(&l);
            }
        }
    }

    fn op(&mut self, r: &CallResult) {
        if r.call == Call::Connect
            && let (Some(l), Arg::Text(addr)) = (self.connect_to, &r.arg)
            && !self.names.iter().any(|(a, _)| **a == **addr)
        {
            self.names.push((addr.to_string(), l));
        }
        // A listener's address, as its result says it, stands for its name.
        if r.call == Call::Listen
            && let (Some(l), Some(addr)) = (
                r.created.first(),
                r.explain
                    .split("listening on ")
                    .nth(1)
                    .and_then(|t| t.split([',', ' ']).next()),
            )
        {
            self.names.push((addr.to_string(), *l));
        }
        // A loop's steps past the first few are counted for its own
        // result, before alike results are, so that no count is left
        // where the loop's next line does not follow.
        if let Some(parent) = r.part_of {
            let (shown, held) = self.parts.entry(parent).or_default();
            if *shown >= STEPS_SHOWN {
                *held += 1;
                return;
            }
        }
        if !self.repeats.show(r) {
            return;
        }
        if let Some(parent) = r.part_of {
            self.parts.entry(parent).or_default().0 += 1;
        }
        if let Some((_, held)) = self.parts.remove(&r.seq)
            && held > 0
        {
            self.code(&format!("  ↳ … {held} more {} calls", step_name(r.call)));
        }
        // A listener's name stands for its address only while it is
        // open: a later listen on the same address is refused for the
        // address, not for the closed listener.
        if r.call == Call::Close && r.outcome.errno().is_none() {
            self.names.retain(|(_, n)| *n != r.sock);
        }
        let lines = if r.call == Call::Listen {
            handout::listen_line(r, &self.chosen_ports)
        } else {
            handout::result_line(r, &self.names)
        };
        for l in lines {
            self.code(&l);
        }
        self.last_call.insert(
            r.sock,
            handout::scrub(&call_text(r.call, &r.arg), &self.names),
        );
    }

    fn blocked(&mut self, call: &Started, _t: Duration) {
        // The next of a run (C18 after C17, the same call) extends it.
        if let Some((_, last, last_seq, held)) = &mut self.blocked_run
            && held.call == call.call
            && held.arg == call.arg
            && last.role == call.sock.role
            && last.number + 1 == call.sock.number
        {
            *last = call.sock;
            *last_seq = call.seq;
            return;
        }
        self.flush_blocked();
        self.blocked_run = Some((call.sock, call.sock, call.seq, call.clone()));
    }

    fn expect(&mut self, r: &ExpectReport, _t: Duration) {
        let e = &r.expectation;
        // Segments are checked where they can be captured; a handout made
        // without capture has none to show. A gap that held is printed
        // with what was read: paper gives the segments no times, and a
        // held piece's wait is the figure its note leans on.
        if e.is_packet() {
            if let Some(read) = r
                .got
                .as_deref()
                .filter(|_| r.ok)
                .and_then(super::packet_expect::gap_read)
            {
                let line = format!("✓ expect {}  (read {read})", e.text());
                for l in wrap(&line, WIDTH, "      ") {
                    self.code(&l);
                }
            }
            return;
        }
        if let Some(f) = &mut self.figures {
            f.checked(e.sock, &e.field);
        }
        let mark = if r.ok { "✓" } else { "✗" };
        let mut line = format!("{mark} expect {} {}={}", e.sock, e.field, e.want);
        // A wait the script allowed is told with how long it took: on
        // paper nothing else shows that time went by.
        if !e.within.is_zero() && r.waited >= WAIT_TOLD {
            let verb = if r.ok { "held after" } else { "gave up after" };
            line.push_str(&format!("  ({verb} {})", waited_text(r.waited)));
        }
        // A range that held says what was read in it: on paper the range
        // alone does not answer `how long?`.
        if (!r.ok || e.want.contains(".."))
            && let Some(got) = &r.got
        {
            line.push_str(&format!("  (read {got})"));
        }
        for l in wrap(&line, WIDTH, "      ") {
            self.code(&l);
        }
    }

    fn note(&mut self, _line: usize, text: &str, _t: Duration) {
        self.flush_blocked();
        self.release_note();
        self.flush_wire();
        self.readings();
        if text.starts_with("On the wire")
            && let Some(why) = self.wire_off.take()
        {
            self.code(&format!(
                "~ the segments were not captured for this handout: {why}"
            ));
        }
        self.held_note = Some(handout::for_paper(text));
    }

    fn prints_selected(&self) -> bool {
        true
    }

    fn cites_notes(&self, text: &str) -> bool {
        text.contains("note on ")
    }

    fn cited_notes(&mut self, _line: usize, snap: &Snapshot, text: &str) {
        // On paper a note cannot point at a pane: the notes it points at
        // are printed before it, each with its socket.
        for (note, lines) in handout::cited_notes(snap, text, &self.names) {
            // A note the step printed already (`show L3`) is not told again.
            let start: String = note.chars().take(40).collect();
            if self.step_code.contains(&start) {
                continue;
            }
            for l in lines {
                self.code(&l);
            }
        }
    }

    fn selected(&mut self, _line: usize, snap: &Snapshot, sock: SockName) {
        // The socket the lesson talks about, as the screen's selected pane
        // shows it: its own line, without notes or counters; not again
        // where nothing in it changed since it was last printed so.
        let lines = handout::socket_view(snap, sock, &self.names);
        if lines == self.last_selected {
            return;
        }
        for l in &lines {
            self.code(l);
        }
        self.last_selected = lines;
    }

    fn quoted(&mut self, _line: usize, values: &[(Quote, String)]) {
        self.quoted = values.to_vec();
    }

    fn pause(&mut self, _line: usize, _t: Duration) {
        let note = self
            .held_note
            .take()
            .unwrap_or_else(|| "What will happen next?".into());
        // The box holds the question alone: what the note tells before
        // it (the answer to the last one) is text like any other.
        let (told, question) = handout::split_question(&note);
        if !told.is_empty() {
            self.paragraph("", &told);
        }
        self.close();
        // The markup around the question wraps as words of its own length,
        // and goes in after the question's lines are escaped.
        const BEFORE: &str = "**Predict.**";
        const AFTER: &str = "*Answer before reading on.*";
        let (before, after) = (
            "\u{e000}".repeat(BEFORE.len()),
            "\u{e001}".repeat(AFTER.len()),
        );
        let text = format!("{before} {} {after}", escape_text(&question));
        let quoted: Vec<String> = wrap(&text, WIDTH - 2, "")
            .iter()
            .map(|l| {
                format!(
                    "> {}",
                    code_spans(&md(l))
                        .replace(&before, BEFORE)
                        .replace(&after, AFTER)
                )
            })
            .collect();
        let _ = writeln!(self.out, "{}\n", quoted.join("\n"));
    }

    fn step(&mut self, _line: usize, title: &str, t: Duration) {
        self.steps += 1;
        let n = self.steps;
        self.flush_blocked();
        let lines = self.wire.step_end();
        self.wire_lines(lines);
        self.release_note();
        if let Some(f) = &mut self.figures {
            let figures = f.step(title, t.as_secs_f64());
            self.link(figures);
        }
        self.close();
        self.step_code.clear();
        // A heading is one line, however long.
        let _ = writeln!(self.out, "## {n}. {}\n", md(title));
    }

    fn error(&mut self, line: usize, column: Option<usize>, message: &str) {
        let at = column.map_or_else(
            || format!("line {line}"),
            |c| format!("line {line}, column {c}"),
        );
        for l in wrap(&format!("error: {at}: {message}"), WIDTH, "    ") {
            self.code(&l);
        }
    }

    fn snapshot(&mut self, _line: usize, snap: &Snapshot, only: &[SockName]) {
        for (addr, name) in handout::listener_names(snap) {
            if !self.names.iter().any(|(a, _)| *a == addr) {
                self.names.push((addr, name));
            }
        }
        for l in handout::kernel_view(snap, only, &self.names) {
            self.code(&l);
        }
    }

    fn info(&mut self, line: usize, text: &str, _t: Duration) {
        // Line 0 is the run's own closing word on calls still blocked as
        // the lab closes: nothing a reader of the handout needs.
        if line == 0 {
            if let Some(why) = text.strip_prefix("wire: ") {
                self.wire_off = Some(why.to_string());
            }
            return;
        }
        for t in text.lines() {
            for l in wrap(t, WIDTH, "    ") {
                self.code(&l);
            }
        }
    }

    fn packet(&mut self, segment: &crate::wire::Segment) {
        if let Some(f) = &mut self.figures {
            f.packet(segment);
        }
        self.wire.push(segment);
    }

    fn finish(&mut self) {
        self.flush_blocked();
        let lines = self.wire.step_end();
        self.wire_lines(lines);
        self.release_note();
        if let Some(f) = &mut self.figures {
            let figures = f.finish();
            self.link(figures);
        }
        self.close();
        let _ = self.out.flush();
    }
}

/// The running kernel's release (`6.18.0-1-amd64`): settings and their
/// effects change between releases, so a handout says which it ran on.
fn kernel_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|r| r.trim().to_string())
        .unwrap_or_else(|_| "(release unknown)".into())
}

/// How long an `expect … within` must have waited for the handout to
/// say so: less is the time a reading takes, not a wait.
const WAIT_TOLD: Duration = Duration::from_millis(100);

/// A wait, in seconds to a tenth (`7.4 s`): a handout's wait is told to
/// the reader, not measured.
fn waited_text(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Text escaped for Markdown with the code spans a note for paper marks
/// (`--netns`) made backticks, so that the option renders as code.
fn code_spans(escaped: &str) -> String {
    escaped.replace([handout::CODE_OPEN, handout::CODE_CLOSE], "`")
}

/// The call a loop's steps make: `send` for `sendall`.
fn step_name(call: Call) -> &'static str {
    match call {
        Call::SendAll => "send",
        Call::RecvAll => "recv",
        other => other.name(),
    }
}
