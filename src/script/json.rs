//! JSON Lines output of a headless run: the contract docs/reference.md
//! describes.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use super::parse::Line;
use super::sink::{ExpectReport, Sink};
use crate::lab::preview::is_unsafe;
use crate::lab::{Arg, CallResult, SockName, Started};

/// Writes one JSON object per line to `W`.
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// JSON Lines written to `out`.
    pub fn new(out: W) -> Self {
        JsonLines { out }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The writer, to write a line of another kind between the records.
    pub fn out_mut(&mut self) -> &mut W {
        &mut self.out
    }

    fn emit(&mut self, value: &Value) {
        let _ = writeln!(self.out, "{}", terminal_safe(value.to_string()));
        let _ = self.out.flush();
    }
}

/// A JSON line with no character that would act on a terminal: JSON escapes
/// C0 controls itself; DEL, C1 controls and bidirectional marks (see
/// [`is_unsafe`]) are written as `\uXXXX` too, so the text a reader
/// decodes is the same and the line is safe to print.
pub fn terminal_safe(line: String) -> String {
    if !line.chars().any(is_unsafe) {
        return line;
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Seconds, rounded to the microsecond.
fn secs(t: Duration) -> f64 {
    (t.as_secs_f64() * 1e6).round() / 1e6
}

fn arg(a: &Arg) -> Value {
    match a {
        Arg::None => Value::Null,
        Arg::Bytes(n) => json!(n),
        Arg::Text(t) => json!(t),
    }
}

/// The `packet` record of a segment on the wire.
pub fn packet_record(seg: &crate::wire::Segment) -> Value {
    json!({
        "type": "packet",
        "t": secs(seg.t),
        "from": seg.from,
        "to": seg.to,
        "flags": seg.flag_names(),
        "seq": seg.seq,
        "ack": seg.ack,
        "len": seg.len,
        "win": seg.win,
        "win_raw": seg.win_raw,
        "wscale": seg.wscale,
        "cause": seg.cause.map(|c| c.seq),
        "kernel": seg.kernel.map(|k| k.word()),
        "call": seg.cause.map(|c| c.call.name()),
        "after": seg.after.map(|c| c.seq),
        "conn": seg.conn,
        "src": seg.src().to_string(),
        "dst": seg.dst().to_string(),
        "dropped": seg.link.as_deref().and_then(|c| c.dropped).map(|d| d.word()),
    })
}

/// The `op` record of a result; a call that moved a datagram adds `from`
/// (or `to`), `from_sock` (or `to_sock`), `truncated` and `datagram_len`.
pub fn op_record(r: &CallResult) -> Value {
    let mut record = base_record(r);
    if let (Some(d), Value::Object(fields)) = (&r.datagram, &mut record) {
        let (addr, sock) = if d.received {
            ("from", "from_sock")
        } else {
            ("to", "to_sock")
        };
        fields.insert(addr.into(), json!(d.peer.map(|a| a.to_string())));
        fields.insert(sock.into(), json!(d.peer_name));
        if d.received {
            fields.insert("truncated".into(), json!(d.truncated));
            fields.insert("datagram_len".into(), json!(d.len));
        }
    }
    record
}

fn base_record(r: &CallResult) -> Value {
    json!({
        "type": "op",
        "seq": r.seq,
        "t": secs(r.t),
        "sock": r.sock,
        "call": r.call.name(),
        "arg": arg(&r.arg),
        "ret": r.outcome.ret(),
        "errno": r.outcome.errno().map(|e| e.name()),
        "partial": r.partial,
        "timed_out": r.timed_out,
        "elapsed_ms": (r.elapsed.as_secs_f64() * 1e6).round() / 1e3,
        "created": r.created,
        "part_of": r.part_of,
        "kind": r.kind.word(),
        "explain": r.explain,
        "message": r.outcome.errno().map(|e| e.message()),
        "data": r.data.as_ref().map(|d| d.escaped()),
    })
}

impl<W: Write> Sink for JsonLines<W> {
    fn packet(&mut self, seg: &crate::wire::Segment) {
        self.emit(&packet_record(seg));
    }

    fn command(&mut self, _line: &Line) {}

    fn op(&mut self, r: &CallResult) {
        self.emit(&op_record(r));
    }

    fn blocked(&mut self, call: &Started, t: Duration) {
        self.emit(&json!({
            "type": "blocked",
            "seq": call.seq,
            "t": secs(t),
            "sock": call.sock,
            "call": call.call.name(),
            "arg": arg(&call.arg),
        }));
    }

    fn expect(&mut self, r: &ExpectReport, t: Duration) {
        let e = &r.expectation;
        self.emit(&json!({
            "type": "expect",
            "line": r.line,
            "t": secs(t),
            "ok": r.ok,
            "sock": e.sock,
            "field": e.field,
            "want": e.want,
            "got": r.got,
        }));
    }

    fn note(&mut self, line: usize, text: &str, t: Duration) {
        self.emit(&json!({"type": "note", "line": line, "t": secs(t), "text": text}));
    }

    fn step(&mut self, line: usize, title: &str, t: Duration) {
        self.emit(&json!({"type": "step", "line": line, "t": secs(t), "title": title}));
    }

    fn error(&mut self, line: usize, column: Option<usize>, message: &str) {
        self.emit(&json!({"type": "error", "line": line, "column": column, "message": message}));
    }

    fn snapshot(&mut self, _line: usize, snap: &crate::kernel::Snapshot, only: &[SockName]) {
        // `type` first, as in every record.
        let mut value = serde_json::Map::new();
        value.insert("type".into(), json!("snapshot"));
        if let Value::Object(fields) = json!(snap) {
            value.extend(fields);
        }
        if !only.is_empty() {
            value.insert("sockets".into(), json!(super::show::selected(snap, only)));
        }
        self.emit(&Value::Object(value));
    }

    fn info(&mut self, line: usize, text: &str, t: Duration) {
        self.emit(&json!({"type": "info", "line": line, "t": secs(t), "text": text}));
    }

    fn pause(&mut self, line: usize, t: Duration) {
        self.emit(&json!({"type": "pause", "line": line, "t": secs(t)}));
    }

    fn sysctl(&mut self, line: usize, report: &crate::kernel::sysctl::SysctlReport, t: Duration) {
        self.emit(&json!({
            "type": "sysctl",
            "line": line,
            "t": secs(t),
            "name": report.name,
            "value": report.value,
            "was": report.was,
        }));
    }
}
