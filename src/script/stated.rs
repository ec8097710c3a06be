//! A check as a class reads it aloud: `A1 recvq 8`, `C4 retransmissions
//! ≥ 6`, `L1 accept timed out`, `on the wire: A1 → C1 window update`,
//! in the words and units the panes use, rather than as the script
//! wrote it (`A1 recvq=8`, `C4 retrans=6..`, `L1 timed_out=true`).

use super::expect::Expectation;

/// A check in words: whom it is about (`A1`, `L1 accept`), and what
/// held of it (`recvq 8`, `timed out`). Checks of one subject in a row
/// say the subject once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// Whom it is about: a socket, a socket's last call, or the wire.
    pub subject: String,
    /// What is said of it.
    pub rest: String,
}

impl Stated {
    /// The whole statement: `A1 recvq 8`.
    pub fn text(&self) -> String {
        if self.subject.is_empty() {
            self.rest.clone()
        } else if self.rest.starts_with(':') {
            format!("{}{}", self.subject, self.rest)
        } else {
            format!("{} {}", self.subject, self.rest)
        }
    }
}

/// Statements in a row, each subject said once where the one before it
/// has the same: `L1 accept had no result · gave no errno · timed
/// out`.
pub fn joined(stated: &[Stated]) -> Vec<String> {
    stated
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let same = i > 0 && stated[i - 1].subject == s.subject && !s.subject.is_empty();
            if same {
                s.rest.trim_start_matches(':').trim_start().to_string()
            } else {
                s.text()
            }
        })
        .collect()
}

/// A check in words. `call` names the socket's last call (`accept`),
/// for a check of its result; `got` is the value read, written in place
/// of the value wanted where the check held to one value (`163840`, as
/// the result line writes it, for `160k`).
pub fn stated(e: &Expectation, got: Option<&str>, call: Option<&str>, ok: bool) -> Stated {
    if e.is_packet() {
        let read = got.filter(|_| ok).and_then(super::packet_expect::gap_read);
        return packet(e, read);
    }
    let sock = e.sock.to_string();
    let exact = !e.want.contains("..");
    // The value as the panes write it: the one read, where it is the one
    // wanted; else the value wanted, a range in words.
    let value = match got {
        Some(g) if ok && exact && g != "null" => spaced(g),
        _ if exact => spaced(e.want.trim_matches('"')),
        _ => range(&e.want),
    };
    let want = e.want.trim_matches('"').to_ascii_lowercase();
    let yes = want == "true";
    let none = matches!(want.as_str(), "null" | "none" | "-");
    let field = e.field.as_str();
    if e.on_result() {
        let subject = match call {
            Some(c) => format!("{sock} {c}"),
            None => format!("{sock}'s last call"),
        };
        let rest = match field {
            "ret" if none => "had no result".to_string(),
            "ret" => format!("returned {value}"),
            "errno" if none => "gave no errno".to_string(),
            "errno" => format!("failed with {value}"),
            "timed_out" if yes => "timed out".to_string(),
            "timed_out" => "did not time out".to_string(),
            "partial" if yes => "was partial".to_string(),
            "partial" => "was whole".to_string(),
            "truncated" if yes => "cut the datagram short".to_string(),
            "truncated" => "got the datagram whole".to_string(),
            "datagram_len" => format!("datagram {value} bytes"),
            "from" => format!("got it from {value}"),
            "elapsed" => format!("took {value}"),
            _ => format!("{} {value}", field.replace('_', " ")),
        };
        return Stated { subject, rest };
    }
    if let Some(rest) = counter(field, &value) {
        return Stated {
            subject: String::new(),
            rest,
        };
    }
    if let Some(rest) = link(field, &value, &want) {
        return Stated {
            subject: String::new(),
            rest,
        };
    }
    let rest = match field {
        "state" => format!("is {value}"),
        "timeout" => match want.as_str() {
            "blocking" => "blocking".to_string(),
            "non-blocking" | "nonblocking" | "0" => "non-blocking".to_string(),
            _ => format!(
                "time-out {}",
                spaced(value.trim_start_matches("timeout").trim_start())
            ),
        },
        "syn_queue_past_limit" if want == "cookies" => {
            "answers SYNs past its SYN queue with cookies".to_string()
        }
        "syn_queue_past_limit" if want == "drop" => "drops SYNs past its SYN queue".to_string(),
        "bytes_sent" => format!("app sent {value} bytes"),
        "bytes_received" => format!("app received {value} bytes"),
        _ => format!("{} {value}", label(field)),
    };
    Stated {
        subject: sock,
        rest,
    }
}

/// A kernel view's field as the panes and the lessons name it.
fn label(field: &str) -> String {
    match field {
        "accept_queue" => "accept queue",
        "accept_queue_max" => "backlog in effect",
        "syn_recv" => "SYN-RECV",
        "syn_queue_limit" => "SYN queue limit",
        "local_port" => "local port",
        "peer_port" => "peer port",
        "local" => "address",
        "rcvbuf_asked" => "rcvbuf asked",
        "sndbuf_asked" => "sndbuf asked",
        "rcv_mem" => "memory charged to rcvbuf",
        "snd_mem" => "memory charged to sndbuf",
        "snd_wnd" => "send window",
        "rcv_wnd" => "receive window",
        "rcv_wscale" => "receive window scale",
        "snd_wscale" => "send window scale",
        "rtt_us" => "rtt (µs)",
        "congestion" => "congestion control",
        "retrans" => "retransmissions",
        "dsack_dups" => "segments resent though they had arrived",
        "synack_retrans" => "SYN-ACK resent",
        "defer_accept" => "TCP_DEFER_ACCEPT",
        "rcvtimeo" => "SO_RCVTIMEO",
        "sndtimeo" => "SO_SNDTIMEO",
        "probes" => "probes unanswered",
        "backoff" => "timer backoffs",
        "nodelay" => "TCP_NODELAY",
        "cork" => "TCP_CORK",
        "keepalive" => "SO_KEEPALIVE",
        "keepidle" => "TCP_KEEPIDLE",
        "keepintvl" => "TCP_KEEPINTVL",
        "keepcnt" => "TCP_KEEPCNT",
        "user_timeout" => "TCP_USER_TIMEOUT",
        "reuseaddr" => "SO_REUSEADDR",
        "time_wait" => "TIME-WAIT time left",
        other => return other.replace('_', " "),
    }
    .to_string()
}

/// A counter of the network namespace, as the panes write it: its
/// kernel name and its change since the lab began (`ListenDrops +4`).
fn counter(field: &str, value: &str) -> Option<String> {
    let name = match field {
        "listen_overflows" => "ListenOverflows",
        "listen_drops" => "ListenDrops",
        "reqq_full_do_cookies" => "TCPReqQFullDoCookies",
        "reqq_full_drop" => "TCPReqQFullDrop",
        "syncookies_sent" => "SyncookiesSent",
        "syncookies_recv" => "SyncookiesRecv",
        "syncookies_failed" => "SyncookiesFailed",
        "defer_accept_drop" => "TCPDeferAcceptDrop",
        "udp_no_ports" => return Some(format!("datagrams to a closed port: {value}")),
        "udp_rcvbuf_errors" => {
            return Some(format!("datagrams dropped, receive buffer full: {value}"));
        }
        "udp_sndbuf_errors" => {
            return Some(format!("sends refused, send buffer full: {value}"));
        }
        "udp_in_errors" => "UdpInErrors",
        _ => return None,
    };
    let value = match value.parse::<u64>() {
        Ok(_) => format!("+{value}"),
        Err(_) => value.to_string(),
    };
    Some(format!("{name} {value}"))
}

/// A field of the link between the lab's two sides, in words.
fn link(field: &str, value: &str, want: &str) -> Option<String> {
    Some(match field {
        "link_up" if want == "true" => "the link is up".to_string(),
        "link_up" => "the link is down".to_string(),
        "link_queued" => format!("bytes queued on the link: {value}"),
        "link_queued_packets" => format!("packets queued on the link: {value}"),
        "link_in_flight" => format!("bytes in flight on the link: {value}"),
        "link_in_flight_packets" => format!("packets in flight on the link: {value}"),
        "link_delivered" => format!("packets the link delivered: {value}"),
        "link_dropped" => format!("packets the link dropped: {value}"),
        "link_dropped_loss" => format!("packets the link lost: {value}"),
        "link_dropped_queue" => format!("packets dropped, link queue full: {value}"),
        "link_dropped_down" => format!("packets dropped while the link was down: {value}"),
        "link_malformed" => format!("malformed packets on the link: {value}"),
        _ => return None,
    })
}

/// `expect packet from=A1 to=C1 kernel=window-update` as `on the wire:
/// A1 → C1 window update`; `expect no packet …` as `no segment on the wire: …`.
/// `gap_read` is the gap the segment found came after, where one was
/// timed.
fn packet(e: &Expectation, gap_read: Option<&str>) -> Stated {
    let fields: Vec<(&str, &str)> = e
        .want
        .split_whitespace()
        .filter_map(|f| f.split_once('='))
        .collect();
    let get = |name: &str| fields.iter().find(|(f, _)| *f == name).map(|(_, v)| *v);
    let mut what = Vec::new();
    match (get("from"), get("to")) {
        (Some(f), Some(t)) => what.push(format!("{f} → {t}")),
        (Some(f), None) => what.push(format!("from {f}")),
        (None, Some(t)) => what.push(format!("to {t}")),
        (None, None) => {}
    }
    if let Some(f) = get("flags") {
        what.push(f.to_ascii_uppercase());
    }
    if let Some(l) = get("len") {
        what.push(format!("{} bytes", spaced(l)));
    }
    if let Some(w) = get("win") {
        what.push(format!("window {}", spaced(w)));
    }
    for (name, word) in [("seq", "seq"), ("ack", "ack")] {
        if let Some(v) = get(name) {
            what.push(format!("{word} {v}"));
        }
    }
    if let Some(v) = get("acked") {
        what.push(format!("acknowledging {} new bytes", spaced(v)));
    }
    let mut said = what.join(" ");
    let kernel =
        get("kernel").filter(|k| !matches!(k.to_ascii_lowercase().as_str(), "none" | "null" | "-"));
    if let Some(k) = kernel {
        // `A1 → C1 window update`, but `C3 → A3 15 bytes, retransmission`.
        let sep = if what.len() > 1 { ", " } else { " " };
        said.push_str(&format!("{sep}{}", k.replace(['-', '_'], " ")));
    }
    match (get("gap"), gap_read) {
        (Some(_), Some(read)) => said.push_str(&format!(", after a gap of {read}")),
        (Some(g), None) => said.push_str(&format!(", after a gap {}", range_or_value(g))),
        _ => {}
    }
    match get("cause") {
        Some(c) if !matches!(c.to_ascii_lowercase().as_str(), "none" | "null" | "-") => {
            said.push_str(&format!(", sent by {c}"));
        }
        Some(_) => said.push_str(", sent by the kernel on its own"),
        None if get("kernel").is_some() && kernel.is_none() => {
            said.push_str(", sent by a call");
        }
        None => {}
    }
    let subject = if e.field == "no packet" {
        "no segment on the wire:"
    } else {
        "on the wire:"
    };
    Stated {
        subject: subject.to_string(),
        rest: said,
    }
}

/// A value as written, or a range in words.
fn range_or_value(v: &str) -> String {
    if v.contains("..") {
        range(v)
    } else {
        format!("of {}", spaced(v))
    }
}

/// `6..` as `≥ 6`, `..19ms` and `0ms..19ms` as `≤ 19 ms`, `95ms..400ms`
/// as `between 95 ms and 400 ms`.
fn range(want: &str) -> String {
    let Some((lo, hi)) = want.split_once("..") else {
        return spaced(want);
    };
    let zero = lo.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == 'µ');
    let zero = !zero.is_empty() && zero.parse::<f64>().is_ok_and(|z| z == 0.0);
    match (lo.is_empty() || zero, hi.is_empty()) {
        (true, false) => format!("≤ {}", spaced(hi)),
        (false, true) => format!("≥ {}", spaced(lo)),
        (false, false) => format!("between {} and {}", spaced(lo), spaced(hi)),
        (true, true) => spaced(want),
    }
}

/// A duration as the panes write it, a space before its unit (`500 ms`,
/// `2 s`); anything else as it is.
fn spaced(v: &str) -> String {
    let at = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (n, unit) = v.split_at(at);
    if n.is_empty() || n.parse::<f64>().is_err() {
        return v.to_string();
    }
    match unit {
        "ms" | "s" | "µs" => format!("{n} {unit}"),
        "us" => format!("{n} µs"),
        _ => v.to_string(),
    }
}

/// A check that did not hold, in words: what the lesson says, and what
/// was read this time.
pub fn not_held(stated: &Stated, got: Option<&str>) -> String {
    let wire = stated.subject.ends_with("on the wire:");
    let read = match got {
        Some(g) if wire => format!(" ({g})"),
        Some(g) => format!(" (read {g})"),
        None => " (nothing read)".to_string(),
    };
    format!("✗ Did not hold this time: {}{read}", stated.text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Statement, parse_line};

    fn said(line: &str, got: Option<&str>, call: Option<&str>) -> String {
        let e = match parse_line(line).unwrap().unwrap() {
            Statement::Expect(e) => e,
            Statement::ExpectPacket(p) => Expectation {
                sock: p.sock().unwrap(),
                field: p.kind().to_string(),
                want: p.want_text(),
                within: p.within,
            },
            other => panic!("{other:?}"),
        };
        stated(&e, got, call, true).text()
    }

    #[test]
    fn checks_read_as_statements() {
        assert_eq!(said("expect A1 recvq=8", Some("8"), None), "A1 recvq 8");
        assert_eq!(
            said("expect C4 retrans=6.. within 30s", Some("7"), None),
            "C4 retransmissions ≥ 6"
        );
        assert_eq!(
            said(
                "expect A1 elapsed=0ms..35ms",
                Some("4.1 ms"),
                Some("recvall")
            ),
            "A1 recvall took ≤ 35 ms"
        );
        assert_eq!(
            said(
                "expect C1 elapsed=95ms..400ms",
                Some("101 ms"),
                Some("recv")
            ),
            "C1 recv took between 95 ms and 400 ms"
        );
        assert_eq!(
            said("expect L1 timed_out=true", Some("true"), Some("accept")),
            "L1 accept timed out"
        );
        assert_eq!(
            said("expect L1 errno=null", Some("null"), Some("accept")),
            "L1 accept gave no errno"
        );
        assert_eq!(
            said("expect C1 ret=160k", Some("163840"), Some("send")),
            "C1 send returned 163840"
        );
        assert_eq!(
            said(
                "expect A1 timeout=\"timeout 500ms\"",
                Some("timeout 500ms"),
                None
            ),
            "A1 time-out 500 ms"
        );
        assert_eq!(
            said("expect U2 udp_no_ports=4", Some("4"), None),
            "datagrams to a closed port: 4"
        );
        assert_eq!(
            said("expect L4 listen_drops=4", Some("4"), None),
            "ListenDrops +4"
        );
        assert_eq!(
            said("expect A1 state=CLOSE-WAIT", Some("CLOSE-WAIT"), None),
            "A1 is CLOSE-WAIT"
        );
        assert_eq!(
            said(
                "expect packet from=A1 to=C1 kernel=window-update",
                None,
                None
            ),
            "on the wire: A1 → C1 window update"
        );
        assert_eq!(
            said(
                "expect packet from=C1 to=L1 flags=SYN cause=connect",
                None,
                None
            ),
            "on the wire: C1 → L1 SYN, sent by connect"
        );
        assert_eq!(
            said("expect packet from=A1 to=C1 acked=15", None, None),
            "on the wire: A1 → C1 acknowledging 15 new bytes"
        );
        assert_eq!(
            said("expect no packet from=C1 to=A1 len=6", None, None),
            "no segment on the wire: C1 → A1 6 bytes"
        );
    }

    #[test]
    fn a_check_that_failed_says_so_with_what_was_read() {
        let e = match parse_line("expect L1 accept_queue=3").unwrap().unwrap() {
            Statement::Expect(e) => e,
            other => panic!("{other:?}"),
        };
        let s = stated(&e, Some("4"), None, false);
        assert_eq!(
            not_held(&s, Some("4")),
            "✗ Did not hold this time: L1 accept queue 3 (read 4)"
        );
        assert_eq!(
            not_held(&s, None),
            "✗ Did not hold this time: L1 accept queue 3 (nothing read)"
        );
    }

    #[test]
    fn a_subject_is_said_once_in_a_row() {
        let s = |subject: &str, rest: &str| Stated {
            subject: subject.into(),
            rest: rest.into(),
        };
        let row = joined(&[
            s("L1 accept", "had no result"),
            s("L1 accept", "gave no errno"),
            s("L1", "is LISTEN"),
        ]);
        assert_eq!(
            row,
            vec!["L1 accept had no result", "gave no errno", "L1 is LISTEN"]
        );
    }
}
