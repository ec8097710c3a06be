//! `sockplay run --python FILE`: a script as a runnable Python 3 program
//! that makes the same calls with the `socket` module and prints one line
//! per finished call in the transcript's form (`#5   C1  send(16) → 16`).
//!
//! Each socket gets a sending and a receiving thread wherever a call may
//! block, as the lab's lanes do; a call still running after a short
//! settling time is reported as blocked and the program goes on. What has
//! no Python equivalent (`show`, `expect`, narration) stays as a comment,
//! and the program's head lists it, as `curl --libcurl` does.

use std::fmt::Write;

use super::parse::{Line, Statement};
use super::python::{Namer, Py, PyCall, Side, comment, statement, str_literal};

/// The helpers every exported program starts with.
const PRELUDE: &str = include_str!("../../assets/python/prelude.py");

/// What a program adds to run where its lesson's lab runs: a network
/// namespace of its own, its loopback set up like a network's.
const OWN_NETNS: &str = include_str!("../../assets/python/own_netns.py");

/// The Python 3 program for a script; `source` names it in the header.
/// With `own_netns`, the program runs in a network namespace of its own,
/// as the lesson's lab does, or says why it cannot.
pub fn program(lines: &[Line], source: &str, own_netns: bool) -> String {
    let mut namer = Namer::default();
    let mut body = String::new();
    let mut skipped = Vec::new();
    for line in lines {
        let _ = writeln!(body, "\n# {:>3} │ {}", line.number, comment(&line.text));
        match statement(&line.statement, &mut namer) {
            Py::Calls(calls) => {
                for (i, c) in calls.iter().enumerate() {
                    body.push_str(&call(c, line.number, i));
                }
            }
            Py::Code(code) => {
                let _ = writeln!(body, "{code}");
            }
            Py::Comment(why) => {
                let _ = writeln!(body, "# not generated: {}", comment(&why));
                if !matches!(
                    line.statement,
                    Statement::Note(_) | Statement::Step(_) | Statement::Pause
                ) {
                    skipped.push(format!("#   line {}: {}", line.number, comment(&line.text)));
                }
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env python3");
    let _ = writeln!(
        out,
        "# The sockplay script {} as a Python 3 program: the same calls, made with",
        comment(source)
    );
    let _ = writeln!(
        out,
        "# the socket module on this kernel, each result printed as sockplay prints it."
    );
    let _ = writeln!(
        out,
        "# Made by `sockplay run --python`. Run it with python3."
    );
    if !skipped.is_empty() {
        let _ = writeln!(out, "#\n# Not generated (no Python equivalent here):");
        for s in &skipped {
            let _ = writeln!(out, "{s}");
        }
    }
    if own_netns {
        let _ = writeln!(
            out,
            "#\n# Like the lesson's lab, it runs in a network namespace of its own (see below)."
        );
    }
    out.push('\n');
    out.push_str(PRELUDE);
    if own_netns {
        out.push_str(OWN_NETNS);
    }
    out.push_str("\n\n# The script.\n");
    out.push_str(&body);
    let _ = writeln!(
        out,
        "\n# The end: give calls that just finished time to print.\ntime.sleep(SETTLE)"
    );
    out
}

/// One call: its setup at once, then the call on its lane (or at once).
fn call(c: &PyCall, line: usize, i: usize) -> String {
    let mut s = String::new();
    let sock = c.sock.to_string();
    let label = str_literal(&c.label);
    match c.side {
        Side::Now => {
            let f = format!("_line_{line}_{i}");
            let _ = writeln!(s, "def {f}():");
            let _ = writeln!(s, "    global {}", super::python::var(c.sock));
            for l in &c.setup {
                let _ = writeln!(s, "    {l}");
            }
            let _ = writeln!(s, "    return {}", c.expr);
            let _ = writeln!(s, "now(\"{sock}\", {label}, {f})");
        }
        Side::Send | Side::Recv => {
            for l in &c.setup {
                let _ = writeln!(s, "{l}");
            }
            let side = if c.side == Side::Send { "send" } else { "recv" };
            let _ = writeln!(
                s,
                "call(\"{sock}\", \"{side}\", {label}, lambda: {})",
                c.expr
            );
        }
    }
    s
}
