//! Commands that reach past the lab's own sockets into the kernel: `syn`
//! (bare SYNs at a listener) and `sysctl` (read or set a kernel setting).

use super::Statement;
use super::args::{Args, is_count, parse_count};
use crate::lab::Command;
use crate::script::error::ParseError;

/// `syn L [xN]`.
pub(super) fn syn(args: &Args<'_>) -> Result<Statement, ParseError> {
    let listener = args.sock(0)?;
    let count = match args.tokens.get(1) {
        None => 1,
        Some(t) if is_count(&t.text) => parse_count(t)?,
        Some(t) => return Err(args.err(t, format!("expected xN, found '{}'", t.text))),
    };
    args.done(2)?;
    Ok(Statement::Lab(Command::Syn { listener, count }))
}

/// `sysctl NAME[=VALUE]`.
pub(super) fn sysctl(args: &Args<'_>) -> Result<Statement, ParseError> {
    let t = args.get(0, "a setting (net.core.somaxconn), or NAME=VALUE to set it")?;
    let (name, value) = match t.text.split_once('=') {
        Some((name, value)) => {
            // `tcp_rmem="4096 131072 6291456"` or `tcp_rmem=4096,131072,6291456`.
            let value = value.replace(',', " ").trim().to_string();
            if value.is_empty() {
                return Err(args.err(t, format!("{name}= needs a value")));
            }
            (name, Some(value))
        }
        None => (t.text.as_str(), None),
    };
    if crate::kernel::sysctl::full_name(name).is_none() {
        return Err(args.err(
            t,
            format!("bad setting name '{name}': expected a name such as net.core.somaxconn"),
        ));
    }
    args.done(1)?;
    Ok(Statement::Sysctl {
        name: name.to_string(),
        value,
    })
}
