//! Commands that move bytes: `send`, `sendall`, `recv`, `recvall`,
//! `drain`, and the datagram calls `sendto` and `recvfrom`.

use super::args::{Args, human, in_range, is_count, parse_count};
use super::sockets::datagram_target;
use super::{MAX_DATAGRAM, MAX_SENDALL, Statement};
use crate::lab::{Command, DrainMode, MAX_CALL_BYTES, Payload};
use crate::script::error::ParseError;
use crate::script::units;

/// `send S SIZE|"TEXT" [SIZE|"TEXT"…]` (one `send()` per piece, back to
/// back) or `sendall S SIZE|"TEXT" [rate=SIZE/s]`.
pub(super) fn send(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let all = args.cmd == "sendall";
    let payload = piece(args, 1, all)?;
    if all {
        let rate = args.rate(2)?;
        args.done(if rate.is_some() { 3 } else { 2 })?;
        return Ok(Statement::Lab(Command::SendAll {
            sock,
            payload,
            rate,
        }));
    }
    let mut more = Vec::new();
    for i in 2..args.tokens.len() {
        // A datagram socket sends one datagram per command; an option
        // (`rate=`) is sendall's, not a piece.
        if sock.role == crate::lab::Role::Udp
            || (!args.tokens[i].quoted && args.tokens[i].text.contains('='))
        {
            args.done(i)?;
        }
        more.push(piece(args, i, false)?);
    }
    Ok(Statement::Lab(Command::Send {
        sock,
        payload,
        more,
    }))
}

/// The bytes at token `i`: a quoted text, or a SIZE of the pattern.
fn piece(args: &Args<'_>, i: usize, all: bool) -> Result<Payload, ParseError> {
    let t = args.get(i, "a SIZE or a quoted \"TEXT\"")?;
    if t.quoted {
        return Ok(Payload::Text(t.bytes.clone()));
    }
    let max = if all { MAX_SENDALL } else { MAX_CALL_BYTES };
    let n = units::size(&t.text).map_err(|e| args.err(t, e))?;
    if n > max && !all {
        return Err(args.err(
            t,
            format!(
                "send takes at most {} in one call; sendall sends more",
                human(max)
            ),
        ));
    }
    Ok(Payload::Pattern(in_range(t, "size", n, 0, max)?))
}

/// `recv S N [peek]`.
pub(super) fn recv(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let size = args.size(1, "a buffer size N", 1, MAX_CALL_BYTES)?;
    let peek = match args.tokens.get(2) {
        None => false,
        Some(t) if t.text.eq_ignore_ascii_case("peek") => true,
        Some(t) => return Err(args.err(t, format!("expected peek, found '{}'", t.text))),
    };
    args.done(3)?;
    Ok(Statement::Lab(Command::Recv { sock, size, peek }))
}

/// `recvall S N`.
pub(super) fn recvall(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let size = args.size(1, "N", 1, MAX_CALL_BYTES)?;
    args.done(2)?;
    Ok(Statement::Lab(Command::RecvAll { sock, size }))
}

/// `recvfrom U1 N [peek]`: read like `recv`, and say who sent it.
pub(super) fn recvfrom(args: &Args<'_>) -> Result<Statement, ParseError> {
    let Statement::Lab(Command::Recv { sock, size, peek }) = recv(args)? else {
        unreachable!("recv parses to a Recv command")
    };
    Ok(Statement::Lab(Command::RecvFrom { sock, size, peek }))
}

/// `drain S [on [rate=SIZE/s]|off]`.
pub(super) fn drain(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let mode = match args.tokens.get(1) {
        None => DrainMode::Once,
        Some(t) => match units::on_off(&t.text).map_err(|e| args.err(t, e))? {
            true => DrainMode::On,
            false => DrainMode::Off,
        },
    };
    let rate = if mode == DrainMode::On {
        args.rate(2)?
    } else {
        None
    };
    args.done(if rate.is_some() { 3 } else { 2 })?;
    Ok(Statement::Lab(Command::Drain { sock, mode, rate }))
}

/// `sendto U1 TARGET SIZE|"TEXT" [xN]`.
pub(super) fn sendto(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let target = datagram_target(args, 1)?;
    let t = args.get(2, "a SIZE or a quoted \"TEXT\"")?;
    let payload = if t.quoted {
        Payload::Text(t.bytes.clone())
    } else {
        let n = units::size(&t.text).map_err(|e| args.err(t, e))?;
        Payload::Pattern(in_range(t, "size", n, 0, MAX_DATAGRAM)?)
    };
    let mut count = 1;
    if let Some(t) = args.tokens.get(3) {
        if !is_count(&t.text) {
            return Err(args.err(t, format!("expected xN, found '{}'", t.text)));
        }
        count = parse_count(t)?;
    }
    args.done(4)?;
    Ok(Statement::Lab(Command::SendTo {
        sock,
        target,
        payload,
        count,
    }))
}
