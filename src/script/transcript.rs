//! The readable transcript of a headless run: one result line per call.

use std::io::Write;
use std::time::Duration;

use super::parse::Line;
use super::sink::{ExpectReport, Sink};
pub use crate::lab::call_text;
use crate::lab::preview::{escape_lines, escape_text};
use crate::lab::{Call, CallResult, Kind, Outcome, SockName, Started};

/// Writes a transcript to `W`, one record per line, flushed as it goes.
pub struct Transcript<W: Write> {
    out: W,
    /// Print each command before its results (not where the terminal
    /// already shows what was typed).
    commands: bool,
}

impl<W: Write> Transcript<W> {
    /// A transcript written to `out`.
    pub fn new(out: W) -> Self {
        Transcript {
            out,
            commands: true,
        }
    }

    /// A transcript that leaves out the commands themselves: the terminal
    /// has already shown the line as it was typed.
    pub fn without_commands(mut self) -> Self {
        self.commands = false;
        self
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn line(&mut self, text: &str) {
        // Text from scripts and peers never reaches the terminal raw.
        // A closed stdout (`| head`) ends the output, not the run.
        let _ = writeln!(self.out, "{}", escape_lines(text));
        let _ = self.out.flush();
    }
}

/// The returned value as shown after the arrow: a count, a name, or an errno.
pub fn ret_text(result: &CallResult) -> String {
    match result.outcome {
        Outcome::Err(e) => e.name(),
        Outcome::Ret(fd) if result.call == Call::Accept && !result.created.is_empty() => {
            match result.created.first() {
                Some(name) => format!("{name} (fd {fd})"),
                None => fd.to_string(),
            }
        }
        Outcome::Ret(n) => n.to_string(),
        Outcome::TimedOut => "timed out".into(),
    }
}

/// The words that say what kind of result it is: never colour alone.
pub fn kind_text(result: &CallResult) -> String {
    match result.kind {
        Kind::Complete => String::new(),
        Kind::Partial => match result.percent() {
            Some(0) => "partial <1%".into(),
            Some(p) => format!("partial {p}%"),
            None => "partial".into(),
        },
        Kind::Truncated => match &result.datagram {
            Some(d) => {
                let ret = result.outcome.ret().unwrap_or(0);
                let rest = d.len.saturating_sub(ret);
                if d.peek {
                    format!(
                        "truncated: the datagram has {} bytes; peeked, so it stays queued whole",
                        d.len
                    )
                } else {
                    format!(
                        "truncated: the datagram had {} bytes; the other {rest} are gone",
                        d.len
                    )
                }
            }
            None => "truncated".into(),
        },
        other => other.word().to_string(),
    }
}

/// `0.1 ms`, `2.00 s`: written as the lab writes times in its sentences.
pub use crate::lab::command::elapsed_text;

/// The columns a result line begins with, `#12  C1  `: the call's number
/// and its socket, each followed by at least one space however long.
pub fn head(seq: u64, sock: SockName) -> String {
    let seq = seq.to_string();
    let sock = sock.to_string();
    format!(
        "#{seq:<w1$}{sock:<w2$}",
        w1 = (seq.len() + 1).max(4),
        w2 = (sock.len() + 1).max(4)
    )
}

/// One result line.
pub fn result_line(r: &CallResult) -> String {
    let head = head(r.seq, r.sock);
    let call = call_text(r.call, &r.arg);
    let indent = if r.part_of.is_some() { "  ↳ " } else { "" };
    let mut line = format!(
        "{head}{indent}{call:<w$} → {:<8}",
        ret_text(r),
        w = 18 - indent.chars().count()
    );
    let kind = kind_text(r);
    // "→ timed out" says it already.
    if !kind.is_empty() && r.outcome != Outcome::TimedOut {
        line.push_str(&format!(" [{kind}]"));
    }
    if let Some(data) = &r.data
        && data.total() > 0
    {
        line.push_str(&format!(" {data}"));
    }
    if !r.explain.is_empty() {
        line.push_str(&format!("  {}", r.explain));
    }
    line.push_str(&format!("  ({})", elapsed_text(r.elapsed)));
    line
}

impl<W: Write> Sink for Transcript<W> {
    fn packet(&mut self, seg: &crate::wire::Segment) {
        self.line(&format!(
            "      ~ {:>8.3}s  {}",
            seg.t.as_secs_f64(),
            seg.line()
        ));
    }

    fn command(&mut self, line: &Line) {
        if !self.commands {
            return;
        }
        self.line(&format!("{:>3} │ {}", line.number, line.text));
    }

    fn op(&mut self, r: &CallResult) {
        self.line(&result_line(r));
    }

    fn blocked(&mut self, call: &Started, _t: Duration) {
        let head = head(call.seq, call.sock);
        let text = call_text(call.call, &call.arg);
        self.line(&format!(
            "{head}{text:<18} … {}; the lab goes on",
            call.still_running()
        ));
    }

    fn expect(&mut self, r: &ExpectReport, _t: Duration) {
        let e = &r.expectation;
        let mark = if r.ok { "✓ ok    " } else { "✗ FAILED" };
        let got = r.got.as_deref().unwrap_or("nothing to read");
        let tail = if r.ok {
            String::new()
        } else {
            format!(": got {got} after {}", elapsed_text(r.waited))
        };
        self.line(&format!("    {mark} expect {}{tail}", e.text()));
    }

    fn note(&mut self, _line: usize, text: &str, _t: Duration) {
        for l in text.lines() {
            self.line(&format!("    » {l}"));
        }
    }

    fn step(&mut self, _line: usize, title: &str, _t: Duration) {
        self.line("");
        self.line(&format!("━━ {title} ━━"));
    }

    fn error(&mut self, line: usize, column: Option<usize>, message: &str) {
        let at = match column {
            Some(c) => format!("line {line}, column {c}"),
            None => format!("line {line}"),
        };
        self.line(&format!("error: {at}: {}", escape_text(message)));
    }

    fn snapshot(&mut self, _line: usize, snap: &crate::kernel::Snapshot, only: &[SockName]) {
        for l in super::show::table(snap, only).lines() {
            self.line(&format!("    {l}"));
        }
    }

    fn info(&mut self, _line: usize, text: &str, _t: Duration) {
        for l in text.lines() {
            self.line(&format!("    {l}"));
        }
    }

    fn pause(&mut self, _line: usize, _t: Duration) {
        self.line("    ⏸ pause: on screen, the lesson waits here for the reader");
    }
}
