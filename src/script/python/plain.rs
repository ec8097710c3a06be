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
/// non-blocking socket), a comment says how. `on_link`: the lab is on a
/// link from the start (`# link:`); a `link` line puts it on one later.
/// On a link a listener is on the server side, so its address is that
/// side's, as the results print it.
pub fn for_handouts(on_link: bool) -> impl Fn(&Line) -> Option<String> {
    let namer = std::cell::RefCell::new(Namer::default());
    let modes = std::cell::RefCell::new(Modes::default());
    let on_link = std::cell::Cell::new(on_link);
    // Sockets closed whose address a later call may name: kept before
    // the close, for `getsockname()` on a closed socket raises.
    let closed = std::cell::RefCell::new(Vec::<String>::new());
    move |line| {
        if let Statement::Link(crate::link::LinkCommand::Set(_)) = &line.statement {
            on_link.set(true);
        }
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
            if on_link.get()
                && let Command::Listen { addr: None, .. } = cmd
            {
                let server = crate::lab::sides::SERVER_IP;
                text = text.replace(".bind(('127.0.0.1', ", &format!(".bind(('{server}', "));
            }
            for v in closed.borrow().iter() {
                text = text.replace(&format!("{v}.getsockname()"), &format!("{v}_addr"));
            }
            if let Command::Close { sock, .. } = cmd
                && matches!(sock.role, Role::Listener | Role::Udp)
            {
                let v = super::var(*sock);
                text = format!("{v}_addr = {v}.getsockname(); {text}");
                closed.borrow_mut().push(v);
            }
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
            // `rate=16384`: bytes a second, read a quarter at a time.
            match arg(3).strip_prefix("rate=") {
                Some(rate) => format!(
                    "{}.recv({rate} // 4)  # each 0.25 s, {on}: {rate} bytes a second",
                    arg(1)
                ),
                None => format!("{}.recv(262144, socket.MSG_DONTWAIT)  # {on}", arg(1)),
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse::parse_script;

    /// The handout's Python for each line of `script` that has some.
    fn hints(script: &str, on_link: bool) -> Vec<String> {
        let hint = for_handouts(on_link);
        parse_script(script)
            .unwrap()
            .iter()
            .filter_map(&hint)
            .collect()
    }

    #[test]
    fn a_closed_socket_s_address_is_kept_for_the_calls_that_name_it_after() {
        let py = hints(
            "listen\nclose L1\nconnect L1\nudp\nclose U1\nsendto U1 U1 \"a\"\n",
            false,
        );
        assert_eq!(py[1], "l1_addr = l1.getsockname(); l1.close()");
        assert!(py[2].ends_with("c1.connect(l1_addr)"), "{py:?}");
        assert!(py[4].starts_with("u1_addr = u1.getsockname();"), "{py:?}");
        assert!(py[5].contains("u1_addr"), "{py:?}");
        // A paced drain reads at its rate.
        let py = hints(
            "listen\nconnect L1\naccept L1\ndrain A1 on rate=16k/s\n",
            false,
        );
        assert_eq!(
            py[3],
            "a1.recv(16384 // 4)  # each 0.25 s, and as data arrives: 16384 bytes a second"
        );
        // An open listener is reached through its own address.
        assert!(hints("listen\nconnect L1\n", false)[1].ends_with("c1.connect(l1.getsockname())"));
    }

    #[test]
    fn on_a_link_a_listener_is_on_the_server_side() {
        let server = crate::lab::sides::SERVER_IP.to_string();
        let py = hints(
            "listen\nlink delay=5ms\nlisten\nlisten 127.0.0.1:0\n",
            false,
        );
        assert!(py[0].contains("bind(('127.0.0.1', 0))"), "{py:?}");
        assert!(py[1].contains(&format!("bind(('{server}', 0))")), "{py:?}");
        // An address the script names is kept.
        assert!(py[2].contains("bind(('127.0.0.1', 0))"), "{py:?}");
        // A lab on a link from the start (`# link:`).
        assert!(
            hints("listen\n", true)[0].contains(&server),
            "lesson on a link"
        );
    }
}
