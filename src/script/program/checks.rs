//! `expect`, `show` and the notes in an exported program: each figure the
//! lab checks is read from the kernel the way a Python program can
//! (`getsockopt`, `ioctl`, `/proc`), waited for as long as the lab waits,
//! and printed; what Python cannot read stays a comment.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

use crate::lab::SockName;
use crate::script::expect::{DEFAULT_WITHIN, Expectation};
use crate::script::packet_expect::PacketExpect;
use crate::script::parse::ShowAt;
use crate::script::python::{comment, str_literal, var};
use crate::script::units;

/// The kernel's counters, by `expect`'s name and by nstat's.
const COUNTERS: &[(&str, &str)] = &[
    ("listen_overflows", "TcpExtListenOverflows"),
    ("listen_drops", "TcpExtListenDrops"),
    ("reqq_full_do_cookies", "TcpExtTCPReqQFullDoCookies"),
    ("reqq_full_drop", "TcpExtTCPReqQFullDrop"),
    ("syncookies_sent", "TcpExtSyncookiesSent"),
    ("syncookies_recv", "TcpExtSyncookiesRecv"),
    ("syncookies_failed", "TcpExtSyncookiesFailed"),
    ("defer_accept_drop", "TcpExtTCPDeferAcceptDrop"),
    ("udp_rcvbuf_errors", "UdpRcvbufErrors"),
    ("udp_in_errors", "UdpInErrors"),
    ("udp_no_ports", "UdpNoPorts"),
    ("udp_sndbuf_errors", "UdpSndbufErrors"),
];

/// How a figure reads as a Python expression, and how its value compares.
enum Kind {
    /// A count or a size.
    Number,
    /// Seconds, as a float.
    Seconds,
    /// A socket option read as an int: 0 is off.
    Switch,
    /// A name (a state, an errno).
    Name,
    /// Text compared as written (a congestion control's name).
    Text,
    /// true or false.
    Flag,
}

/// The Python expression that reads `field` of socket `s`.
fn reader(s: SockName, field: &str) -> Option<(String, Kind)> {
    let v = var(s);
    let info = |f: &str| format!("tcp_info({v})['{f}']");
    let opt = |level: &str, name: &str| format!("option({v}, socket.{level}, socket.{name})");
    let result = |f: &str| format!("result('{s}', '{f}')");
    Some(match field {
        "state" => (format!("state({v})"), Kind::Name),
        "recvq" => (format!("queued({v}, SIOCINQ)"), Kind::Number),
        "sendq" => (format!("queued({v}, SIOCOUTQ)"), Kind::Number),
        "accept_queue" => (info("unacked"), Kind::Number),
        "accept_queue_max" => (info("sacked"), Kind::Number),
        "syn_recv" => (format!("syn_recv({v})"), Kind::Number),
        "snd_wnd" | "rcv_wnd" | "rtt_us" | "backoff" | "rcv_wscale" | "snd_wscale"
        | "bytes_received" | "notsent" | "cwnd" | "retrans" | "dsack_dups" => {
            (info(field), Kind::Number)
        }
        "congestion" => (
            format!(
                "{v}.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).split(b'\\0')[0].decode()"
            ),
            Kind::Text,
        ),
        "rtt" => (format!("tcp_info({v})['rtt_us'] / 1e6"), Kind::Seconds),
        "rcvbuf" => (opt("SOL_SOCKET", "SO_RCVBUF"), Kind::Number),
        "sndbuf" => (opt("SOL_SOCKET", "SO_SNDBUF"), Kind::Number),
        "nodelay" => (opt("IPPROTO_TCP", "TCP_NODELAY"), Kind::Switch),
        "cork" => (opt("IPPROTO_TCP", "TCP_CORK"), Kind::Switch),
        "keepalive" => (opt("SOL_SOCKET", "SO_KEEPALIVE"), Kind::Switch),
        "reuseaddr" => (opt("SOL_SOCKET", "SO_REUSEADDR"), Kind::Switch),
        "defer_accept" => (opt("IPPROTO_TCP", "TCP_DEFER_ACCEPT"), Kind::Number),
        "local_port" => (format!("{v}.getsockname()[1]"), Kind::Number),
        "drops" => (format!("udp_drops({v})"), Kind::Number),
        "ret" | "datagram_len" => (result(field), Kind::Number),
        "errno" => (result(field), Kind::Name),
        "elapsed" => (result(field), Kind::Seconds),
        "timed_out" => (format!("timed_out('{s}', {v})"), Kind::Flag),
        "truncated" => (result(field), Kind::Flag),
        _ => {
            let (_, nstat) = COUNTERS.iter().find(|(n, _)| *n == field)?;
            (format!("counter('{nstat}')"), Kind::Number)
        }
    })
}

/// A number as `expect` writes it (`1m`, `16`, `2s` for seconds).
fn figure(word: &str, kind: &Kind) -> Option<String> {
    match kind {
        Kind::Seconds => units::duration(word)
            .ok()
            .map(|d| format!("{:?}", d.as_secs_f64())),
        _ => units::size(word)
            .ok()
            .map(|n| n.to_string())
            .or_else(|| word.parse::<f64>().ok().map(|f| f.to_string())),
    }
}

/// `lambda v: …`: whether a value read is what `want` asks.
fn predicate(want: &str, kind: &Kind) -> Option<String> {
    let lower = want.to_ascii_lowercase();
    if matches!(lower.as_str(), "null" | "none" | "-") {
        return Some("lambda v: v is None".into());
    }
    let test = match kind {
        Kind::Switch => match lower.as_str() {
            "on" | "true" | "1" => "v != 0".to_string(),
            "off" | "false" | "0" => "v == 0".to_string(),
            _ => return None,
        },
        Kind::Flag => format!("v is {}", if lower == "true" { "True" } else { "False" }),
        Kind::Text => format!("v == {}", str_literal(want)),
        Kind::Name => format!(
            "v == {}",
            str_literal(&want.replace('_', "-").to_ascii_uppercase())
        ),
        Kind::Number | Kind::Seconds => match want.split_once("..") {
            Some((lo, hi)) => {
                let mut parts = vec!["v is not None".to_string()];
                if !lo.is_empty() {
                    parts.push(format!("{} <= v", figure(lo, kind)?));
                }
                if !hi.is_empty() {
                    parts.push(format!("v <= {}", figure(hi, kind)?));
                }
                parts.join(" and ")
            }
            None => format!("v == {}", figure(want, kind)?),
        },
    };
    Some(format!("lambda v: {test}"))
}

/// A check the program makes as the lab does; `None` where Python cannot
/// read the figure. `sizes` holds each socket's last send or receive size,
/// for `partial=`.
pub fn expect(e: &Expectation, sizes: &HashMap<SockName, u64>) -> Option<String> {
    let text = str_literal(&e.text());
    let (read, want) = match e.field.as_str() {
        "partial" => {
            let n = sizes.get(&e.sock)?;
            let test = if e.want.eq_ignore_ascii_case("true") {
                format!("v is not None and v < {n}")
            } else {
                format!("v == {n}")
            };
            (
                format!("result('{}', 'ret')", e.sock),
                format!("lambda v: {test}"),
            )
        }
        "from" => {
            let peer: SockName = e.want.parse().ok()?;
            (
                format!("result('{}', 'from')", e.sock),
                format!("lambda v: v == {}.getsockname()", var(peer)),
            )
        }
        field => {
            let (read, kind) = reader(e.sock, field)?;
            (read, predicate(&e.want, &kind)?)
        }
    };
    let mut out = String::new();
    if e.field == "accept_queue_max" || e.field == "accept_queue" {
        let _ = writeln!(
            out,
            "# (on a listener, TCP_INFO's unacked is the accept queue and sacked its limit)"
        );
    }
    let within = if e.within == DEFAULT_WITHIN {
        String::new()
    } else {
        format!(", within={:?}", e.within.as_secs_f64())
    };
    let _ = writeln!(out, "expect({text}, lambda: {read}, {want}{within})");
    Some(out)
}

/// A check Python has no call to read: a comment, and the lab's wait.
pub fn unreadable(text: &str, within: Duration) -> String {
    let mut out = format!("# the lab checks `{text}` here; Python has no call that reads it\n");
    if within != DEFAULT_WITHIN {
        let _ = writeln!(
            out,
            "time.sleep({:?})  # the lab waits for it up to this long",
            within.as_secs_f64()
        );
    }
    out
}

/// A check of the wire: a comment (tcpdump would show the segment), and
/// the lab's wait where the script gives one.
pub fn packet(text: &str, p: &PacketExpect) -> String {
    let mut out = format!("# on the wire, the lab checks `{text}` (tcpdump -i lo shows it)\n");
    if p.within != DEFAULT_WITHIN {
        let how = if p.absent {
            "watches that long"
        } else {
            "waits for it up to this long"
        };
        let _ = writeln!(
            out,
            "time.sleep({:?})  # the lab {how}",
            p.within.as_secs_f64()
        );
    }
    out
}

/// `show`: the kernel's view of the sockets named, or of every one made so
/// far; `show S counters` adds the kernel's counters.
pub fn show(named: &[SockName], at: ShowAt, made: &[SockName]) -> String {
    let mut out = String::new();
    let socks: &[SockName] = if named.is_empty() { made } else { named };
    for &s in socks {
        let _ = writeln!(out, "show('{s}', {})", var(s));
    }
    if at == ShowAt::Counters {
        let _ = writeln!(out, "show_counters()");
    }
    out
}

/// A note as the program's comment: a figure the lab fills in
/// (`{A1.elapsed}`) named in words, and what only the screen has left out.
pub fn narration(note: &str) -> String {
    let mut out = String::new();
    let mut rest = note;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let quoted = &after[..close];
        match quoted.split_once('.') {
            Some(("sysctl", name)) => {
                let _ = write!(out, "[{name}, printed above]");
            }
            Some((sock, "elapsed")) => {
                let _ = write!(out, "[the time on {sock}'s result line]");
            }
            Some((sock, field)) => {
                let _ = write!(out, "[{sock}'s {field}, as the kernel gives it]");
            }
            None => out.push_str(quoted),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    // "(press w to see the wire)": a key of the screen, not of this program.
    while let Some(at) = out.find("(press ") {
        let end = out[at..].find(')').map_or(out.len(), |i| at + i + 1);
        let start = if out[..at].ends_with(' ') { at - 1 } else { at };
        out.replace_range(start..end, "");
    }
    comment(&out)
}
