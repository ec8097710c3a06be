//! `sockplay run --python FILE`: a script as a runnable Python 3 program
//! that makes the same calls with the `socket` module and prints one line
//! per finished call in the transcript's form (`#5   C1  send(16) → 16`).
//!
//! A call that may block runs on a thread of its own, after the calls
//! before it on the same side of its socket, as the lab's lanes do; one
//! still running after a short settling time is reported as blocked and
//! the program goes on. `expect` and `show` read the same figures from the
//! kernel where Python can (`getsockopt`, `ioctl`, `/proc`); the rest
//! stays a comment, and the program's head lists it, as `curl --libcurl`
//! does. Only the helpers the program uses are in it.

mod checks;
mod helpers;

use std::fmt::Write;

use super::parse::{Line, Statement};
use super::python::{Namer, Py, PyCall, Side, comment, statement, str_literal, var};
use crate::lab::SockName;
use crate::lab::command::Command;
use crate::link::LinkCommand;

/// The helpers every exported program may take from.
const PRELUDE: &str = include_str!("../../../assets/python/prelude.py");

/// What a program adds to run where its lesson's lab runs: a network
/// namespace of its own, its loopback set up like a network's.
const OWN_NETNS: &str = include_str!("../../../assets/python/own_netns.py");

/// The Python 3 program for a script; `source` names it in the header.
/// With `own_netns`, the program runs in a network namespace of its own,
/// as the lesson's lab does, or says why it cannot.
pub fn program(lines: &[Line], source: &str, own_netns: bool) -> String {
    program_for(lines, source, own_netns, None)
}

/// [`program`] for a lesson whose header puts its lab on a link
/// (`# link: delay=5ms`): the program's first lines say what of the link
/// it cannot make.
pub fn program_for(lines: &[Line], source: &str, own_netns: bool, link: Option<&str>) -> String {
    let mut namer = Namer::default();
    let mut body = String::new();
    let mut skipped = Vec::new();
    let mut made: Vec<SockName> = Vec::new();
    let mut sizes = std::collections::HashMap::new();
    let mut explained = std::collections::HashSet::new();
    for line in lines {
        let text = comment(&line.text);
        match &line.statement {
            Statement::Step(title) => {
                let _ = writeln!(body, "\nprint({})", readable(&format!("\n━━ {title} ━━")));
                continue;
            }
            Statement::Note(note) => {
                body.push_str(&wrapped(&checks::narration(note), "# » "));
                continue;
            }
            Statement::Select(..) | Statement::Help(_) => continue,
            Statement::Pause => {
                let _ = writeln!(
                    body,
                    "# (pause: on screen the lesson waits here for the reader's prediction)"
                );
                continue;
            }
            Statement::Show(socks, at) => {
                let _ = writeln!(body, "# {text}");
                body.push_str(&checks::show(socks, *at, &made));
                continue;
            }
            Statement::Expect(e) => {
                match checks::expect(e, &sizes) {
                    Some(code) => {
                        // An explanation once, at the first check that needs it.
                        for l in code.lines() {
                            if !l.starts_with("# (") || explained.insert(l.to_string()) {
                                let _ = writeln!(body, "{l}");
                            }
                        }
                    }
                    None => {
                        body.push_str(&checks::unreadable(&text, e.within));
                        skipped.push(format!("#   line {}: {text}", line.number));
                    }
                }
                continue;
            }
            Statement::ExpectPacket(p) => {
                body.push_str(&checks::packet(&text, p));
                skipped.push(format!("#   line {}: {text}", line.number));
                continue;
            }
            _ => {}
        }
        let _ = writeln!(body, "# line {}: {text}", line.number);
        if let Statement::Lab(cmd) = &line.statement {
            follow_sizes(cmd, &mut sizes);
        }
        match statement(&line.statement, &mut namer) {
            Py::Calls(calls) => {
                for c in &calls {
                    if c.setup
                        .first()
                        .is_some_and(|l| l.contains("= socket.socket("))
                    {
                        made.push(c.sock);
                    }
                    if let Some(a) = c.accepts {
                        made.push(a);
                    }
                    body.push_str(&call(c));
                }
            }
            Py::Code(code) => {
                let _ = writeln!(body, "{code}");
            }
            Py::Comment(why) => {
                let _ = writeln!(body, "# not made here: {}", comment(&why));
                if let Statement::Link(LinkCommand::Set(_)) = line.statement {
                    let _ = writeln!(
                        body,
                        "print({})",
                        str_literal(&format!("    no link made ({text}): this program has none"))
                    );
                }
                skipped.push(format!("#   line {}: {text}", line.number));
            }
        }
    }
    let uses_calls = body.contains("call(");
    if uses_calls {
        body.push_str("\n# The end: calls that just returned print; those still blocked are named.\nthe_end()\n");
    }
    let mut out = String::new();
    out.push_str(&header(lines, source, own_netns, link));
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Left as comments (no Python equivalent here, or nothing Python can read):"
        );
        for s in &skipped {
            let _ = writeln!(out, "{s}");
        }
    }
    let netns = if own_netns { OWN_NETNS.trim() } else { "" };
    let helpers = helpers::needed(PRELUDE, &format!("{netns}\n{body}"));
    let mut code = helpers.clone();
    if own_netns {
        code.push_str("\n\n");
        code.push_str(netns);
        code.push('\n');
    } else if helpers::uses(&code, "OWN_NETNS") {
        code.push_str(
            "\n\n# This lesson's lab runs on the machine's own network: no settings are changed.\nOWN_NETNS = False\n",
        );
    }
    let all = format!("{code}\n{body}");
    out.push('\n');
    for module in helpers::imports(&all) {
        let _ = writeln!(out, "import {module}");
    }
    // The lesson first, as a function run at the end, so that the file
    // reads as the script does; the helpers it calls come after it.
    out.push_str("\n\ndef lesson():\n    \"\"\"The script, line by line: each call made as the lab makes it.\"\"\"");
    for l in body.lines() {
        if l.is_empty() {
            out.push('\n');
        } else {
            let _ = write!(out, "\n    {l}");
        }
    }
    out.push_str(
        "\n\n\n# The helpers the lesson calls: how each call is made, read and printed.\n\n",
    );
    out.push_str(code.trim_start());
    out.push_str("\n\n\nlesson()\n");
    out
}

/// The program's first lines: what it is, and where it cannot do what the
/// lesson's lab does.
fn header(lines: &[Line], source: &str, own_netns: bool, link: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env python3");
    let _ = writeln!(
        out,
        "# The sockplay script {} as a Python 3 program: the same calls, made with",
        comment(source)
    );
    let _ = writeln!(
        out,
        "# the socket module on this kernel, each result printed as `sockplay run` prints it."
    );
    let _ = writeln!(
        out,
        "# Made by `sockplay run --python`. Run it with python3{}.",
        if own_netns {
            " (as root, or where user namespaces are allowed)"
        } else {
            ""
        }
    );
    let settings: Vec<(usize, String)> = lines
        .iter()
        .filter_map(|l| match &l.statement {
            Statement::Link(LinkCommand::Set(_)) => Some((l.number, comment(&l.text))),
            _ => None,
        })
        .collect();
    let cable = lines.iter().any(|l| {
        matches!(
            l.statement,
            Statement::Link(LinkCommand::Down | LinkCommand::Up)
        )
    });
    if link.is_some() || !settings.is_empty() {
        let _ = writeln!(out, "#\n# NOT AS IN THE LESSON: the link is missing.");
        let mut said = Vec::new();
        if let Some(h) = link {
            said.push(format!(
                "for the whole lesson client and server are on a link of its own ({})",
                comment(h)
            ));
        }
        // The first `link` line makes the link; the others change it.
        if let Some(((n, text), changes)) = settings.split_first() {
            let mut s =
                format!("from line {n} (`{text}`) on, client and server are on a link of its own");
            let changed: Vec<String> = changes
                .iter()
                .map(|(n, text)| format!("line {n} (`{text}`)"))
                .collect();
            if !changed.is_empty() {
                let verb = if changed.len() == 1 {
                    "changes"
                } else {
                    "change"
                };
                s.push_str(&format!(", which {} {verb}", changed.join(", ")));
            }
            said.push(s);
        }
        let mut text = format!(
            "In the lab, {}. The lab makes that link itself, moving every packet between two network namespaces; Python's socket module cannot, so this program runs without it: every round trip here takes microseconds, and what the lesson shows of the link (its delay, its rate, the times it cites, a pipe that fills) does not happen.",
            said.join("; ")
        );
        if cable {
            text.push_str(" The pulled cable (`link down`, `link up`) is made: the program takes the loopback of its own network namespace down and up (`ip link set lo down`), so nothing passes either way, as with a pulled cable, and a timer that gives a connection up does so here too (ETIMEDOUT).");
        }
        out.push_str(&wrapped(&text, "# "));
    } else if own_netns {
        let _ = writeln!(
            out,
            "#\n# Like the lesson's lab, it runs in a network namespace of its own (see below)."
        );
    }
    out
}

/// One call: its setup at once, then the call (on its lane, or at once),
/// then what comes after it.
fn call(c: &PyCall) -> String {
    let mut s = String::new();
    let sock = c.sock.to_string();
    let label = str_literal(&c.label);
    for l in &c.setup {
        let _ = writeln!(s, "{l}");
    }
    if let Some(why) = &c.differs {
        s.push_str(&wrapped(why, "# "));
    }
    let (f, pad) = match c.accepts {
        Some(a) => {
            let f = format!("accept_{}", var(a));
            let _ = writeln!(s, "\ndef {f}():");
            let _ = writeln!(s, "    global {}", var(a));
            let _ = writeln!(s, "    {}, _ = {}", var(a), c.expr);
            let _ = writeln!(s, "    return accepted(\"{a}\", {})\n", var(a));
            (f, "")
        }
        None => (format!("lambda: {}", c.expr), ""),
    };
    let invoke = match c.side {
        Side::Now => format!("now(\"{sock}\", {label}, {f})"),
        Side::Send | Side::Recv => {
            let side = if c.side == Side::Send { "send" } else { "recv" };
            format!("call(\"{sock}\", \"{side}\", {label}, {f})")
        }
    };
    if c.repeat > 1 {
        let _ = writeln!(s, "for _ in range({}):\n    {pad}{invoke}", c.repeat);
    } else {
        let _ = writeln!(s, "{invoke}");
    }
    for l in &c.after {
        let _ = writeln!(s, "{l}");
    }
    s
}

/// Keeps the size of each socket's last send or receive, for `partial=`.
fn follow_sizes(cmd: &Command, sizes: &mut std::collections::HashMap<SockName, u64>) {
    let (sock, n) = match cmd {
        Command::Send {
            sock,
            payload,
            more,
        } => (*sock, more.last().unwrap_or(payload).len()),
        Command::SendAll { sock, payload, .. } => (*sock, payload.len()),
        Command::RecvAll { sock, size } => (*sock, *size),
        // A short recv is no partial result: only what leaves bytes to do is.
        Command::Recv { sock, .. } => {
            sizes.remove(sock);
            return;
        }
        _ => return,
    };
    sizes.insert(sock, n);
}

/// A text as a Python `str` literal that reads as the text: its own
/// characters where they are all printable and harmless, else escaped.
fn readable(text: &str) -> String {
    let plain = text.trim_start_matches('\n');
    if comment(plain) != plain {
        return str_literal(text);
    }
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// A text as comment lines of at most about 78 columns, each opened by `lead`.
fn wrapped(text: &str, lead: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in comment(text).split(' ') {
        if !line.is_empty() && line.len() + word.len() + 1 > 76 - lead.len() {
            let _ = writeln!(out, "{lead}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{}{line}", lead);
    }
    out
}
