//! Commands that check, narrate and pace rather than call the kernel:
//! `expect` (fields and packets), `show`, `sleep`, `wait`, `note`, `step`,
//! `help`, `pause` and `select`.

use super::args::Args;
use super::{DEFAULT_WAIT, Facing, ShowAt, Statement, WireView};
use crate::kernel::{Counters, fields};
use crate::script::error::ParseError;
use crate::script::expect::{DEFAULT_WITHIN, Expectation, RESULT_FIELDS};
use crate::script::help;
use crate::script::packet_expect::{PACKET_FIELDS, PacketExpect, check_value};

/// `expect S FIELD=VALUE [within D]`, `expect packet …` or `expect no
/// packet …`.
pub(super) fn expect(args: &Args<'_>) -> Result<Statement, ParseError> {
    let word = |i: usize, w: &str| {
        args.tokens
            .get(i)
            .is_some_and(|t| t.text.eq_ignore_ascii_case(w))
    };
    if word(0, "packet") {
        return expect_packet(args, false);
    }
    if word(0, "no") {
        if !word(1, "packet") {
            let t = args.get(1, "packet")?;
            return Err(args.err(t, format!("expected packet, found '{}'", t.text)));
        }
        return expect_packet(args, true);
    }
    let sock = args.sock(0)?;
    let t = args.get(1, "FIELD=VALUE")?;
    let Some((field, want)) = t.text.split_once('=') else {
        return Err(args.err(t, format!("expected FIELD=VALUE, found '{}'", t.text)));
    };
    let field = field.to_ascii_lowercase();
    let counter = Counters::FIELDS.contains(&field.as_str())
        || crate::lab::sides::LINK_FIELDS.contains(&field.as_str());
    if !RESULT_FIELDS.contains(&field.as_str()) && fields::find(&field).is_none() && !counter {
        return Err(args.err(
            t,
            format!(
                "unknown field '{field}'; fields: {}, {}, {}, {}",
                RESULT_FIELDS.join(", "),
                fields::names().collect::<Vec<_>>().join(", "),
                Counters::FIELDS.join(", "),
                crate::lab::sides::LINK_FIELDS.join(", ")
            ),
        ));
    }
    if want.is_empty() {
        return Err(args.err(t, format!("{field}= needs a value")));
    }
    if want.starts_with('=') {
        return Err(args.err(
            t,
            format!("expect takes FIELD=VALUE with one '=', as in {field}=VALUE, not '=='"),
        ));
    }
    let within = match args.tokens.get(2) {
        None => DEFAULT_WITHIN,
        Some(w) if w.text.eq_ignore_ascii_case("within") => args.duration(3)?,
        Some(w) => {
            return Err(args.err(w, format!("expected within DURATION, found '{}'", w.text)));
        }
    };
    args.done(if args.tokens.len() > 2 { 4 } else { 2 })?;
    Ok(Statement::Expect(Expectation {
        sock,
        field,
        want: want.to_string(),
        within,
    }))
}

/// `expect packet FIELD=VALUE … [within D]`, or with `absent`, `expect no
/// packet FIELD=VALUE … [within D]` (watched for D; by default, only what
/// was seen already).
fn expect_packet(args: &Args<'_>, absent: bool) -> Result<Statement, ParseError> {
    let mut fields = Vec::new();
    let (mut within, mut i) = if absent {
        (std::time::Duration::ZERO, 2)
    } else {
        (DEFAULT_WITHIN, 1)
    };
    while let Some(t) = args.tokens.get(i) {
        if t.text.eq_ignore_ascii_case("within") {
            within = args.duration(i + 1)?;
            i += 2;
            break;
        }
        let Some((field, want)) = t.text.split_once('=') else {
            return Err(args.err(t, format!("expected FIELD=VALUE, found '{}'", t.text)));
        };
        let field = field.to_ascii_lowercase();
        if !PACKET_FIELDS.contains(&field.as_str()) {
            return Err(args.err(
                t,
                format!(
                    "unknown packet field '{field}'; fields: {}",
                    PACKET_FIELDS.join(", ")
                ),
            ));
        }
        if want.is_empty() {
            return Err(args.err(t, format!("{field}= needs a value")));
        }
        check_value(&field, want).map_err(|e| args.err(t, e))?;
        fields.push((field, want.to_string()));
        i += 1;
    }
    args.done(i)?;
    if fields.is_empty() {
        return Err(args.missing(&format!(
            "FIELD=VALUE (fields: {})",
            PACKET_FIELDS.join(", ")
        )));
    }
    let named = fields
        .iter()
        .any(|(f, v)| (f == "from" || f == "to") && v.parse::<crate::lab::SockName>().is_ok());
    if !named {
        return Err(args.missing("from=S or to=S, naming a lab socket"));
    }
    Ok(Statement::ExpectPacket(PacketExpect {
        fields,
        within,
        absent,
    }))
}

/// `show [S…] [counters]`: `counters` after at least one socket, last.
pub(super) fn show(args: &Args<'_>) -> Result<Statement, ParseError> {
    let counters = |t: &crate::script::lexer::Token| t.text.eq_ignore_ascii_case("counters");
    let mut socks = Vec::new();
    let mut at = ShowAt::Top;
    for (i, t) in args.tokens.iter().enumerate() {
        if i > 0 && counters(t) {
            at = ShowAt::Counters;
            args.done(i + 1)?;
            break;
        }
        let sock = args.sock(i).map_err(|e| {
            if i > 0 {
                args.err(
                    t,
                    format!("expected a socket or counters, found '{}'", t.text),
                )
            } else {
                e
            }
        })?;
        if socks.contains(&sock) {
            return Err(args.err(t, format!("{sock} is named twice")));
        }
        socks.push(sock);
    }
    Ok(Statement::Show(socks, at))
}

/// `sleep DURATION`.
pub(super) fn sleep(args: &Args<'_>) -> Result<Statement, ParseError> {
    let d = args.duration(0)?;
    args.done(1)?;
    Ok(Statement::Sleep(d))
}

/// `wait S [DURATION]`.
pub(super) fn wait(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let limit = match args.tokens.get(1) {
        Some(_) => args.duration(1)?,
        None => DEFAULT_WAIT,
    };
    args.done(2)?;
    Ok(Statement::Wait { sock, limit })
}

/// `note "TEXT"` or `step "TITLE"`.
pub(super) fn note_or_step(args: &Args<'_>) -> Result<Statement, ParseError> {
    let text = args.text(0)?;
    args.done(1)?;
    if args.cmd == "note" {
        // A quote that names no field is wrong now, not when the note shows.
        crate::script::quote::parse(&text).map_err(|(at, why)| {
            // The text starts one column after its opening quote.
            ParseError::new(args.tokens[0].col + 1 + at, why)
        })?;
    }
    Ok(if args.cmd == "note" {
        Statement::Note(text)
    } else {
        Statement::Step(text)
    })
}

/// `help [COMMAND]`.
pub(super) fn help(args: &Args<'_>) -> Result<Statement, ParseError> {
    let topic = match args.tokens.first() {
        Some(t) if help::usage(&t.text).is_none() => {
            return Err(ParseError::new(
                t.col,
                format!("no command '{}'; commands: {}", t.text, help::names()),
            ));
        }
        Some(t) => Some(t.text.to_ascii_lowercase()),
        None => None,
    };
    args.done(1)?;
    Ok(Statement::Help(topic))
}

/// `pause`.
pub(super) fn pause(args: &Args<'_>) -> Result<Statement, ParseError> {
    args.done(0)?;
    Ok(Statement::Pause)
}

/// `select S [send|recv] [wire [held]]`.
pub(super) fn select(args: &Args<'_>) -> Result<Statement, ParseError> {
    let sock = args.sock(0)?;
    let (mut facing, mut wire) = (None, WireView::Unchanged);
    for t in args.tokens.iter().skip(1).take(3) {
        match t.text.to_ascii_lowercase().as_str() {
            "send" if facing.is_none() && !wire.opens() => facing = Some(Facing::Sending),
            "recv" if facing.is_none() && !wire.opens() => facing = Some(Facing::Receiving),
            "wire" if !wire.opens() => wire = WireView::Live,
            "held" if wire == WireView::Live => wire = WireView::Held,
            _ => {
                let expected = match wire {
                    WireView::Unchanged => "send, recv or wire",
                    WireView::Live => "held",
                    WireView::Held => "nothing",
                };
                return Err(args.err(t, format!("expected {expected}, found '{}'", t.text)));
            }
        }
    }
    args.done(4)?;
    Ok(Statement::Select(sock, facing.unwrap_or_default(), wire))
}
