//! A statement's Python as the plain socket calls a student writes, for
//! handouts and beside results: the program's bookkeeping and helpers
//! taken out.

use super::calls::{Namer, Py, statement};
use crate::lab::command::{Command, DrainMode, TimeoutMode};
use crate::lab::{Role, SockName};
use crate::script::parse::{Line, Statement};

/// A statement's Python as the lines a student would write, for handouts
/// and the TUI: the setup, then the call; `None` when there is none.
pub fn lines(stmt: &Statement, namer: &mut Namer) -> Vec<String> {
    match statement(stmt, namer) {
        Py::Calls(calls) => calls
            .into_iter()
            .flat_map(|c| {
                let call = match c.accepts {
                    Some(a) => format!("{}, addr = {}", super::var(a), c.expr),
                    None => plain(&c.expr),
                };
                let call = if c.repeat > 1 {
                    format!("for _ in range({}): {call}", c.repeat)
                } else {
                    call
                };
                c.setup.into_iter().chain([call]).chain(c.after)
            })
            .collect(),
        Py::Code(code) if code.starts_with("cable(") => Vec::new(),
        Py::Code(code) => vec![code],
        Py::Comment(_) => Vec::new(),
    }
}

/// A handout's Python for each command, in one line (`l1 = …; l1.listen(5)`),
/// naming the sockets as the lab does as the handout goes on. Where
/// Python does not do what the lab's command does (`sendall` on a
/// non-blocking socket), a comment says how.
pub fn for_handouts() -> impl Fn(&Line) -> Option<String> {
    let namer = std::cell::RefCell::new(Namer::default());
    let modes = std::cell::RefCell::new(Modes::default());
    move |line| {
        let Statement::Lab(cmd) = &line.statement else {
            return None;
        };
        let before = namer.borrow().clone();
        let lines = lines(&line.statement, &mut namer.borrow_mut());
        let differs = modes.borrow_mut().follow(cmd, &before);
        if let Command::Drain {
            mode: DrainMode::Off,
            ..
        } = cmd
        {
            return Some("(leave the loop of recv calls)".into());
        }
        (!lines.is_empty()).then(|| {
            // The same call N times (`sendto … x200`) as a loop.
            let mut text = match lines.as_slice() {
                [first, rest @ ..] if rest.len() >= 2 && rest.iter().all(|l| l == first) => {
                    format!("for _ in range({}): {first}", lines.len())
                }
                _ => lines.join("; "),
            };
            if let Some(how) = differs {
                text.push_str(&format!("  # {how}"));
            }
            text
        })
    }
}

/// The timeout mode of each socket, as a script sets it, so that a
/// handout can say where Python's call behaves otherwise.
#[derive(Default)]
struct Modes(std::collections::HashMap<SockName, TimeoutMode>);

impl Modes {
    /// Follows `cmd`; says how Python differs from the lab where it does.
    fn follow(&mut self, cmd: &Command, before: &Namer) -> Option<String> {
        match cmd {
            Command::Connect { count, opts, .. } => {
                let mut namer = before.clone();
                for _ in 0..*count {
                    let name = namer.next(Role::Client);
                    if let Some(m) = opts.timeout {
                        self.0.insert(name, m);
                    }
                }
                None
            }
            Command::Set { sock, opts } => {
                if let Some(m) = opts.timeout {
                    self.0.insert(*sock, m);
                }
                None
            }
            Command::SendAll { sock, .. } => match self.0.get(sock) {
                Some(TimeoutMode::NonBlocking) => Some(
                    "Python raises BlockingIOError here once the buffer is full; sockplay's sendall waits for room"
                        .into(),
                ),
                Some(TimeoutMode::Timeout(_)) => Some(
                    "Python raises TimeoutError if the whole sendall takes longer than the time-out"
                        .into(),
                ),
                _ => None,
            },
            _ => None,
        }
    }
}

/// An expression as a student writes it: the program's helpers (`listen`,
/// `connect`, `reach`, `close`, `drain`, …) written as the plain socket
/// calls they stand for.
fn plain(e: &str) -> String {
    // `helper(v, a, b)`: its arguments, split at the top level.
    let args = |s: &str| -> Vec<String> {
        let inner = &s[s.find('(').map_or(0, |i| i + 1)..s.len().saturating_sub(1)];
        let (mut out, mut depth, mut cur) = (Vec::new(), 0, String::new());
        for ch in inner.chars() {
            match ch {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(cur.trim().to_string());
                    cur.clear();
                    continue;
                }
                _ => {}
            }
            cur.push(ch);
        }
        out.push(cur.trim().to_string());
        out
    };
    let e = unreach(e);
    let a = args(&e);
    let arg = |i: usize| a.get(i).cloned().unwrap_or_default();
    let head = e.split('(').next().unwrap_or("");
    match head {
        "listen" => format!("{0}.bind({1}); {0}.listen({2})", arg(0), arg(1), arg(2)),
        "connect" => format!("{}.connect({})", arg(0), arg(1)),
        "bind" => format!("{}.bind({})", arg(0), arg(1)),
        "send_all" => format!("{}.sendall({})", arg(0), arg(1)),
        "recv_from" => format!("{}.recvfrom({})", arg(0), a[1..].join(", ")),
        "syn" => format!(
            "# {} bare SYNs to {} from a raw socket (see `sockplay run --python`)",
            arg(1),
            arg(0)
        ),
        "send_paced" => format!(
            "{}.sendall({})  # paced: send() a quarter of {} bytes each 0.25 s",
            arg(0),
            arg(1),
            arg(2)
        ),
        "drain" => {
            let on = if arg(2) == "True" {
                "and as data arrives"
            } else {
                "until EAGAIN"
            };
            format!("{}.recv(262144, socket.MSG_DONTWAIT)  # {on}", arg(1))
        }
        "close" if a.len() > 1 => format!(
            "{0}.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); {0}.close()",
            arg(0)
        ),
        "close" => format!("{}.close()", arg(0)),
        _ => e,
    }
}

/// `reach(l1)` written as `l1.getsockname()`.
fn unreach(e: &str) -> String {
    let mut out = e.to_string();
    while let Some(at) = out.find("reach(") {
        let close = out[at..].find(')').map_or(out.len() - 1, |i| at + i);
        let v = out[at + 6..close].to_string();
        out.replace_range(at..=close, &format!("{v}.getsockname()"));
    }
    out
}
