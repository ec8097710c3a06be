//! A lesson's narration, commands and results as a Markdown handout
//! (`sockplay run --markdown FILE`).

use std::io::Write;
use std::time::Duration;

use super::parse::Line;
use super::sink::{ExpectReport, Sink};
use super::{show, transcript};
use crate::kernel::Snapshot;
use crate::lab::preview::{escape_lines, escape_text};
use crate::lab::{CallResult, SockName, Started};

/// Writes Markdown to `W`: steps as sections, notes as paragraphs, and the
/// commands with their results in code blocks.
pub struct Markdown<W: Write> {
    out: W,
    in_code: bool,
    steps: usize,
    /// The last note, held back: before a `pause` it is the question.
    held_note: Option<String>,
    /// Alike results in a row (`sendto … x200`), told once.
    repeats: super::repeats::Repeats,
}

impl<W: Write> Markdown<W> {
    /// A handout with a title and a summary.
    pub fn new(mut out: W, title: &str, summary: &str) -> Self {
        let _ = writeln!(out, "# {}\n", escape_text(title));
        if !summary.is_empty() {
            let _ = writeln!(out, "*{}*\n", escape_text(summary));
        }
        let _ = writeln!(
            out,
            "Run on Linux with sockplay; every figure below was read from the kernel.\n"
        );
        Markdown {
            out,
            in_code: false,
            steps: 0,
            held_note: None,
            repeats: super::repeats::Repeats::default(),
        }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn code(&mut self, text: &str) {
        self.flush_repeats();
        self.release_note();
        if !self.in_code {
            let _ = writeln!(self.out, "```text");
            self.in_code = true;
        }
        let _ = writeln!(self.out, "{}", escape_lines(text));
    }

    /// Writes the note held back as a paragraph.
    fn release_note(&mut self) {
        if let Some(n) = self.held_note.take() {
            self.close();
            let _ = writeln!(self.out, "{}\n", escape_lines(&n));
        }
    }

    fn prose(&mut self, text: &str) {
        self.release_note();
        self.close();
        let _ = writeln!(self.out, "{}\n", escape_lines(text));
    }

    /// Says how many alike results were left out, inside the code block they belong to.
    fn flush_repeats(&mut self) {
        if let Some(line) = self.repeats.flush() {
            let _ = writeln!(self.out, "{line}");
        }
    }

    fn close(&mut self) {
        self.flush_repeats();
        if self.in_code {
            let _ = writeln!(self.out, "```\n");
            self.in_code = false;
        }
    }
}

impl<W: Write> Sink for Markdown<W> {
    fn command(&mut self, line: &Line) {
        if matches!(
            line.statement,
            super::Statement::Note(_)
                | super::Statement::Step(_)
                | super::Statement::Expect(_)
                | super::Statement::Pause
                | super::Statement::Select(_)
        ) {
            return;
        }
        self.code(&format!("$ {}", line.text));
    }

    fn op(&mut self, r: &CallResult) {
        if self.repeats.show(r) {
            self.code(&transcript::result_line(r));
        }
    }

    fn blocked(&mut self, call: &Started, _t: Duration) {
        let text = crate::lab::call_text(call.call, &call.arg);
        self.code(&format!(
            "{}{text} … [blocked]",
            transcript::head(call.seq, call.sock)
        ));
    }

    fn expect(&mut self, r: &ExpectReport, _t: Duration) {
        let e = &r.expectation;
        let mark = if r.ok { "✓" } else { "✗" };
        self.code(&format!("{mark} expect {} {}={}", e.sock, e.field, e.want));
    }

    fn note(&mut self, _line: usize, text: &str, _t: Duration) {
        self.release_note();
        self.held_note = Some(text.to_string());
    }

    fn pause(&mut self, _line: usize, _t: Duration) {
        let question = self
            .held_note
            .take()
            .unwrap_or_else(|| "What will happen next?".into());
        self.close();
        let _ = writeln!(
            self.out,
            "> **Predict.** {}\n>\n> *Answer before reading on.*\n",
            escape_text(&question)
        );
    }

    fn step(&mut self, _line: usize, title: &str, _t: Duration) {
        self.steps += 1;
        let n = self.steps;
        self.prose(&format!("## {n}. {title}"));
    }

    fn error(&mut self, line: usize, column: Option<usize>, message: &str) {
        let at = column.map_or_else(
            || format!("line {line}"),
            |c| format!("line {line}, column {c}"),
        );
        self.code(&format!("error: {at}: {}", escape_text(message)));
    }

    fn snapshot(&mut self, _line: usize, snap: &Snapshot, only: Option<SockName>) {
        for l in show::table(snap, only).lines() {
            self.code(l);
        }
    }

    fn info(&mut self, _line: usize, text: &str, _t: Duration) {
        for l in text.lines() {
            self.code(l);
        }
    }

    fn finish(&mut self) {
        self.release_note();
        self.close();
        let _ = self.out.flush();
    }
}
