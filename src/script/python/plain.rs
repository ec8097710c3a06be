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
                let call = (c.expr != "0").then(|| plain(&c.expr));
                // The program's own bookkeeping is no part of the call.
                let setup = c.setup.into_iter().filter(|l| !l.starts_with("remember("));
                setup.chain(call)
            })
            .collect(),
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

/// An expression as a student writes it: without the program's
/// bookkeeping (`or 0`, `len(…)`) and its helpers (`reach`, `accept`,
/// `close`, `drain`), which stand for plain socket calls.
fn plain(expr: &str) -> String {
    let e = expr.split(" or ").next().unwrap_or(expr);
    let e = e
        .strip_prefix("len(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(e);
    let e = e.replace("[0]", "");
    // `helper('C1', c1, …)`: the variable is the second argument.
    let second = |s: &str| -> String {
        s.split(", ")
            .nth(1)
            .unwrap_or("s")
            .trim_end_matches(')')
            .to_string()
    };
    if let Some(rest) = e.strip_prefix("accept(") {
        return format!("conn, addr = {}.accept()", rest.trim_end_matches(')'));
    }
    if e.starts_with("accept_all(") {
        return format!("conn, addr = {}.accept()  # while one waits", second(&e));
    }
    if let Some(rest) = e.strip_prefix("send_paced(") {
        let mut args = rest.trim_end_matches(')').rsplitn(2, ", ");
        let rate = args.next().unwrap_or("0");
        let head = args.next().unwrap_or("");
        let (v, data) = head.split_once(", ").unwrap_or((head, ""));
        return format!(
            "{v}.sendall({data})  # paced: send() a quarter of {rate} bytes each 0.25 s"
        );
    }
    if e.starts_with("drain(") {
        let on = if e.contains("True") {
            "and as data arrives"
        } else {
            "until EAGAIN"
        };
        return format!("{}.recv(262144, socket.MSG_DONTWAIT)  # {on}", second(&e));
    }
    if e.starts_with("close(") {
        let v = second(&e);
        if e.contains("rst=True") {
            return format!(
                "{v}.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); {v}.close()"
            );
        }
        return format!("{v}.close()");
    }
    let mut out = e.clone();
    while let Some(at) = out.find("reach(") {
        let close = out[at..].find(')').map_or(out.len(), |i| at + i);
        let v = out[at + 6..close].to_string();
        out.replace_range(at..=close.min(out.len() - 1), &format!("{v}.getsockname()"));
    }
    out
}
