//! The pieces of a printable handout: text wrapped at 80 columns, results
//! and kernel views without what changes from run to run (times,
//! descriptors, port numbers).

use crate::kernel::{Snapshot, SockView, TcpState, ViewRole};
use crate::lab::{Call, CallResult, Outcome, SockName, Started};

use super::show;
use super::transcript::{call_text, kind_text};

/// A handout's width.
pub const WIDTH: usize = 80;

/// Wraps `text` at spaces to `width` columns; lines after the first start
/// with `indent`. A word longer than a line stays whole.
pub fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    // The first line keeps its own indentation.
    let mut line: String = text.chars().take_while(|c| *c == ' ').collect();
    let lead = line.len();
    for word in text.split_whitespace() {
        let pad = if lines.is_empty() { 0 } else { indent.len() };
        let started = line.len() > if lines.is_empty() { lead } else { 0 };
        if started && pad + line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if line.len() > if lines.is_empty() { lead } else { 0 } {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("{indent}{l}") })
        .collect()
}

/// Replaces `HOST:PORT` addresses by the lab name they stand for, where
/// one is known, so a handout reads the same on every run.
/// and leaves out the port numbers of the others.
pub fn scrub(text: &str, names: &[(String, SockName)]) -> String {
    let mut out = text.to_string();
    for (addr, name) in names {
        out = out.replace(addr.as_str(), &name.to_string());
    }
    drop_ports(&out)
}

/// `127.0.0.1:40811` → `127.0.0.1`, `[::1]:80` → `[::1]`: an address's
/// port, which changes from run to run, left out.
fn drop_ports(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_host = i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == ']');
        if c == ':' && after_host && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            // An IPv4 address or a bracketed IPv6 one ends just before.
            let host: String = chars[..i]
                .iter()
                .rev()
                .take_while(|c| {
                    c.is_ascii_digit()
                        || **c == '.'
                        || **c == ']'
                        || **c == '['
                        || **c == ':'
                        || c.is_ascii_hexdigit()
                })
                .collect();
            if host.contains('.') || host.contains(']') {
                i += 1;
                while chars.get(i).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A finished call, without its sequence number, descriptor or time.
pub fn result_line(r: &CallResult, names: &[(String, SockName)]) -> Vec<String> {
    let call = scrub(&call_text(r.call, &r.arg), names);
    let ret = match r.outcome {
        Outcome::Ret(_) if r.call == Call::Accept && !r.created.is_empty() => r
            .created
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" "),
        _ => super::transcript::ret_text(r),
    };
    let step = if r.part_of.is_some() { "  ↳ " } else { "" };
    // The call's number, as the wire's segments cite it (`#6 send`).
    let mut text = format!("{step}#{} {:<3} {call} → {ret}", r.seq, r.sock.to_string());
    let kind = kind_text(r);
    if !kind.is_empty() {
        text.push_str(&format!("  [{kind}]"));
    }
    if let Some(data) = &r.data
        && data.total() > 0
    {
        text.push_str(&format!("  {data}"));
    }
    let mut lines = wrap(&text, WIDTH, "      ");
    // The command line above says what listen and connect were asked.
    let said = matches!(r.call, Call::Listen | Call::Connect) && r.outcome.errno().is_none();
    if !r.explain.is_empty() && !said {
        lines.extend(
            wrap(&scrub(&r.explain, names), WIDTH - 6, "      ")
                .into_iter()
                .map(|l| {
                    if l.starts_with(' ') {
                        l
                    } else {
                        format!("      {l}")
                    }
                }),
        );
    }
    lines
}

/// A listen's result: the address it asked for, with the port where the
/// script chose it (`listen(127.0.0.1:8080) → EADDRINUSE`), never the name
/// of another listener that had the address before.
pub fn listen_line(r: &CallResult, chosen: &[u16]) -> Vec<String> {
    const KEEP: char = '\u{e004}';
    let keep = |text: &str| {
        let mut out = text.to_string();
        for p in chosen {
            let colon = format!(":{p}");
            let mut from = 0;
            while let Some(at) = out[from..].find(&colon).map(|i| i + from) {
                let end = at + colon.len();
                if out[end..].starts_with(|c: char| c.is_ascii_digit()) {
                    from = end;
                    continue;
                }
                out.replace_range(at..at + 1, &KEEP.to_string());
                from = end;
            }
        }
        out
    };
    let mut r = r.clone();
    if let crate::lab::Arg::Text(t) = &r.arg {
        r.arg = crate::lab::Arg::Text(keep(t).into());
    }
    r.explain = keep(&r.explain);
    result_line(&r, &[])
        .into_iter()
        .map(|l| l.replace(KEEP, ":"))
        .collect()
}

/// A call still in the kernel: `C4 connect(L1) … blocked: still waiting
/// in the kernel when the lesson went on`.
pub fn blocked_line(call: &Started, names: &[(String, SockName)]) -> String {
    blocked_run_line(&call.sock.to_string(), call.seq, call, names)
}

/// Calls still in the kernel, alike but for their socket, named `who`
/// (`C17–C21`), from `call` to the call numbered `last`.
pub fn blocked_run_line(
    who: &str,
    last: u64,
    call: &Started,
    names: &[(String, SockName)],
) -> String {
    let text = scrub(&call_text(call.call, &call.arg), names);
    let seq = if last == call.seq {
        format!("#{}", call.seq)
    } else {
        format!("#{}–#{last}", call.seq)
    };
    format!("{seq} {who:<3} {text} … {}", still_running(call))
}

/// What a call that has not returned is doing, said for paper: the
/// screen's `[blocked]` mark is a state a row is in until its result
/// replaces it; on paper the line stays, so it says when it was true.
fn still_running(call: &Started) -> &'static str {
    match (&call.call, &call.arg) {
        (Call::Drain, crate::lab::Arg::Text(t)) if &**t == "on" => {
            "draining: reads all that arrives until drain off or end of stream"
        }
        (Call::Lookup, _) => "looking up: the resolver had not answered when the lesson went on",
        _ if call.waits == crate::lab::WaitsIn::Poll => {
            "blocked: still waiting in poll(), up to its time-out, when the lesson went on"
        }
        _ if call.waits == crate::lab::WaitsIn::Loop => {
            "waiting: its loop was still waiting in poll() between calls when the lesson went on"
        }
        _ => "blocked: still waiting in the kernel when the lesson went on",
    }
}

/// A note before a pause, parted into what it tells and what it asks:
/// the sentences that end in a question mark at its end are the question
/// (`C4 has sent nothing: will it ever get in?`); those before them (the
/// answer to the last question, or what the reader needs to know) are
/// told as text. A note that asks nothing is all question.
pub fn split_question(note: &str) -> (String, String) {
    let chars: Vec<char> = note.trim().chars().collect();
    // Where each sentence ends: after `.`, `!` or `?` (and any closing
    // bracket or quote), before a space and a capital, a digit or a bracket.
    let mut ends = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if matches!(chars[i], '.' | '!' | '?') {
            let mut j = i + 1;
            while j < chars.len() && matches!(chars[j], ')' | '"' | '\'' | '’' | '”') {
                j += 1;
            }
            let next = chars[j..].iter().position(|c| !c.is_whitespace());
            if j < chars.len()
                && chars[j].is_whitespace()
                && next.is_some_and(|k| {
                    let c = chars[j + k];
                    c.is_uppercase() || c.is_ascii_digit() || matches!(c, '(' | '\'' | '"')
                })
            {
                ends.push(j);
            }
            i = j;
            continue;
        }
        i += 1;
    }
    ends.push(chars.len());
    let sentence_asks = |from: usize, to: usize| {
        chars[from..to]
            .iter()
            .rev()
            .find(|c| !c.is_whitespace() && !matches!(c, ')' | '"' | '\'' | '’' | '”'))
            == Some(&'?')
    };
    // The question starts after the last sentence, counted from the end,
    // that does not ask.
    let mut start = chars.len();
    for (k, &end) in ends.iter().enumerate().rev() {
        let from = if k == 0 { 0 } else { ends[k - 1] };
        if !sentence_asks(from, end) {
            break;
        }
        start = from;
    }
    if start == chars.len() {
        return (String::new(), chars.iter().collect());
    }
    let told: String = chars[..start].iter().collect();
    let asked: String = chars[start..].iter().collect();
    (told.trim().to_string(), asked.trim().to_string())
}

/// A note for paper: the keys that show something on screen (`(press w)`)
/// mean nothing there, and an option (`--netns`) is code, so that a
/// Markdown converter does not make its dashes a dash (`–netns`).
pub fn for_paper(note: &str) -> String {
    let mut out = note.to_string();
    while let Some(at) = out.find(" (press ") {
        let Some(len) = out[at..].find(')') else {
            break;
        };
        out.replace_range(at..=at + len, "");
    }
    code_options(&out)
}

/// Where a code span opens and closes in a note for paper: the Markdown
/// writer escapes the note's text, then makes these backticks.
pub const CODE_OPEN: char = '\u{e002}';
/// Where a code span closes; see [`CODE_OPEN`].
pub const CODE_CLOSE: char = '\u{e003}';

/// Marks `--netns` as code, where a word starts with two dashes and a
/// letter; an option already in backticks loses them for the mark.
fn code_options(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let starts = (i == 0 || matches!(chars[i - 1], ' ' | '(' | '\'' | '"' | '`'))
            && chars[i] == '-'
            && chars.get(i + 1) == Some(&'-')
            && chars.get(i + 2).is_some_and(char::is_ascii_alphabetic);
        if starts {
            let end = (i + 2..chars.len())
                .find(|&j| !(chars[j].is_ascii_alphanumeric() || matches!(chars[j], '-' | '=')))
                .unwrap_or(chars.len());
            let ticked = i > 0 && chars[i - 1] == '`' && chars.get(end) == Some(&'`');
            if ticked {
                out.pop();
            }
            out.push(CODE_OPEN);
            out.extend(&chars[i..end]);
            out.push(CODE_CLOSE);
            i = if ticked { end + 1 } else { end };
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// The overflow counters of a kernel view, for print: the listen drops,
/// and the SYN queue's and cookies' counters where they moved.
pub fn counters_line(snap: &Snapshot) -> String {
    let c = &snap.counters;
    let scope = match snap.counters_scope {
        crate::kernel::CounterScope::SystemWide => "system-wide",
        crate::kernel::CounterScope::ThisLab => "this lab",
    };
    let mut figures = vec![
        format!("ListenOverflows {}", c.listen_overflows),
        format!("ListenDrops {}", c.listen_drops),
    ];
    for (name, n) in [
        ("TCPReqQFullDoCookies", c.reqq_full_do_cookies),
        ("TCPReqQFullDrop", c.reqq_full_drop),
        ("SyncookiesSent", c.syncookies_sent),
        ("SyncookiesRecv", c.syncookies_recv),
        ("SyncookiesFailed", c.syncookies_failed),
        ("TCPDeferAcceptDrop", c.defer_accept_drop),
    ] {
        if n > 0 {
            figures.push(format!("{name} {n}"));
        }
    }
    format!("counters since start ({scope}): {}", figures.join(", "))
}

/// The UDP counters of a kernel view, for print.
pub fn udp_counters_line(snap: &Snapshot) -> String {
    let u = &snap.counters.udp;
    let scope = match snap.counters_scope {
        crate::kernel::CounterScope::SystemWide => "system-wide",
        crate::kernel::CounterScope::ThisLab => "this lab",
    };
    format!(
        "UDP counters since start ({scope}): UdpRcvbufErrors {}, UdpInErrors {}, UdpNoPorts {}, UdpSndbufErrors {}",
        u.rcvbuf_errors, u.in_errors, u.no_ports, u.sndbuf_errors
    )
}

/// A call in flight as the kernel view names it, without its elapsed time.
fn in_flight(text: &str) -> String {
    match text.rsplit_once(' ') {
        Some((call, time))
            if time.ends_with('s') && time[..time.len() - 1].parse::<f64>().is_ok() =>
        {
            call.to_string()
        }
        _ => text.to_string(),
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// One socket of the kernel view, wrapped, without addresses or timings.
fn socket_lines(v: &SockView, names: &[(String, SockName)]) -> Vec<String> {
    let name = v.id.map_or_else(String::new, |n| n.to_string());
    // ✝ as on screen: its program closed it, the kernel alone holds it.
    let state = if v.closed {
        format!("{} ✝ (closed)", v.state)
    } else {
        v.state.to_string()
    };
    let mut text = match v.role {
        ViewRole::Udp => {
            let pair = v.pair.map_or_else(String::new, |p| format!(" → {p}"));
            format!(
                "{name}{pair} {state}: recvq {}, sendq {}, drops {}, rcvbuf {}, sndbuf {}, {}, sent {}, received {}",
                opt(v.recvq()),
                opt(v.sendq()),
                opt(v.drops()),
                opt(v.rcvbuf()),
                opt(v.sndbuf()),
                opt(v.timeout()),
                opt(v.bytes_sent()),
                opt(v.bytes_received()),
            )
        }
        ViewRole::Listener => format!(
            "{name} {state}  accept queue {} of {} (backlog {}, kept as {})  syn-recv {}",
            opt(v.accept_queue()),
            opt(v.accept_queue_max().map(|m| u64::from(m) + 1)),
            opt(v.backlog()),
            opt(v.accept_queue_max()),
            opt(v.syn_recv()),
        ),
        ViewRole::Queued => format!(
            "  └ not yet accepted: {state}{}",
            v.pair.map_or_else(String::new, |c| format!(", from {c}"))
        ),
        ViewRole::Client | ViewRole::Accepted => {
            let pair = v.pair.map_or_else(String::new, |p| format!(" ⇄ {p}"));
            let figure = |name: &str, v: Option<u64>| v.map(|v| format!("{name} {v}"));
            let tcp = v.tcp();
            let figures: Vec<String> = [
                figure("recvq", v.recvq().map(u64::from)),
                figure("sendq", v.sendq().map(u64::from)),
                figure("notsent", v.notsent().map(u64::from)),
                figure("rcvbuf", v.rcvbuf().map(u64::from)),
                figure("sndbuf", v.sndbuf().map(u64::from)),
                // With the options the socket set, as the screen's
                // kernel view lists them (nodelay, keepalive 1s+1s×2,
                // SO_REUSEADDR): a note that cites one finds it on paper.
                v.timeout().map(|_| show::mode_text(v)),
                figure("app sent", v.bytes_sent()),
                figure("app received", v.bytes_received()),
                figure("snd_wnd", tcp.and_then(|t| t.snd_wnd).map(u64::from)),
                figure("rcv_wnd", tcp.and_then(|t| t.rcv_wnd).map(u64::from)),
                figure("rcv_wscale", tcp.map(|t| u64::from(t.rcv_wscale))),
                // The memory charged for what is queued, where something is.
                figure(
                    "rcv_mem",
                    v.rcv_mem()
                        .filter(|_| v.recvq().unwrap_or(0) > 0)
                        .map(u64::from),
                ),
                figure(
                    "snd_mem",
                    v.snd_mem()
                        .filter(|_| v.sendq().unwrap_or(0) > 0)
                        .map(u64::from),
                ),
                // Retransmissions and their backed-off timer, where there were any.
                figure(
                    "retrans",
                    tcp.map(|t| u64::from(t.retrans)).filter(|n| *n > 0),
                ),
                figure(
                    "backoff",
                    tcp.map(|t| u64::from(t.backoff)).filter(|n| *n > 0),
                ),
            ]
            .into_iter()
            .flatten()
            .collect();
            format!("{name}{pair} {state}: {}", figures.join(", "))
        }
        _ => format!("  └ {} {state}", v.role.word()),
    };
    if !v.in_flight.is_empty() {
        let calls: Vec<String> = v.in_flight.iter().map(|c| in_flight(c)).collect();
        text.push_str(&format!("; in flight: {}", calls.join(", ")));
    }
    let mut lines = wrap(&scrub(&text, names), WIDTH, "      ");
    for n in &v.notes {
        lines.extend(wrap(&format!("  · {}", scrub(n, names)), WIDTH, "    "));
    }
    lines
}

/// The kernel view for `show [S…]`, for print.
pub fn kernel_view(
    snap: &Snapshot,
    only: &[SockName],
    names: &[(String, SockName)],
) -> Vec<String> {
    let shown = show::selected(snap, only);
    if shown.is_empty() {
        return vec![show::nothing_to_show(only)];
    }
    let gone = show::not_held(&shown, only);
    // The overflow counters belong with the whole view, and with a
    // listener's; the UDP counters with a UDP socket's.
    let counters = only.is_empty() || shown.iter().any(|v| v.role == ViewRole::Listener);
    let udp = shown.iter().any(|v| v.role == ViewRole::Udp);
    let mut lines = Vec::new();
    // Half-open entries alike but for their numbers are told once, then counted.
    let mut alike: Option<(String, usize)> = None;
    for v in shown {
        let own = socket_lines(v, names);
        let key: String = own
            .concat()
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect();
        match &mut alike {
            Some((k, n)) if v.role == ViewRole::SynRecv && *k == key => {
                *n += 1;
                continue;
            }
            _ => {}
        }
        if let Some((_, n)) = alike.take()
            && n > 0
        {
            lines.push(format!("  └ … {n} more alike: syn-recv entries"));
        }
        if v.role == ViewRole::SynRecv {
            alike = Some((key, 0));
        }
        lines.extend(own);
    }
    if let Some((_, n)) = alike
        && n > 0
    {
        lines.push(format!("  └ … {n} more alike: syn-recv entries"));
    }
    if !gone.is_empty() {
        lines.push(show::nothing_to_show(&gone));
    }
    // On a link, what is queued at its entry and what crosses it, each
    // way, as `show` prints it.
    if let Some(link) = &snap.link {
        for l in show::link_lines(link) {
            lines.extend(wrap(&scrub(&l, names), WIDTH, "      "));
        }
    }
    if counters {
        lines.extend(wrap(&counters_line(snap), WIDTH, "      "));
    }
    if udp {
        lines.extend(wrap(&udp_counters_line(snap), WIDTH, "      "));
    }
    lines
}

/// The kernel's notes a lesson's note points at (`the note on C7`, `the
/// note on each waiting client`), each line led by its socket's name and
/// wrapped; a note already told for another socket in the same words is
/// told once. Each note comes with its lines.
pub fn cited_notes(
    snap: &Snapshot,
    text: &str,
    names: &[(String, SockName)],
) -> Vec<(String, Vec<String>)> {
    let mut socks: Vec<SockName> = Vec::new();
    for (at, _) in text.match_indices("note on ") {
        let rest = &text[at + "note on ".len()..];
        if rest.starts_with("each waiting client") {
            socks.extend(
                snap.sockets
                    .iter()
                    .filter(|v| v.role == ViewRole::Client && v.state == TcpState::SynSent)
                    .filter_map(|v| v.id),
            );
            continue;
        }
        let word: String = rest
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if let Ok(sock) = word.parse::<SockName>() {
            socks.push(sock);
        }
    }
    let mut told: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for sock in socks {
        let Some(v) = snap.sockets.iter().find(|v| v.id == Some(sock)) else {
            continue;
        };
        for n in &v.notes {
            let n = scrub(n, names);
            let alike = n.replace(&sock.to_string(), "");
            if told.contains(&alike) {
                continue;
            }
            told.push(alike);
            let wrapped = wrap(&format!("{sock} · {n}"), WIDTH, "    ");
            lines.push((n, wrapped));
        }
    }
    lines
}

/// One socket's own line of the kernel view, without its notes, the
/// connections under it or the counters; nothing where the kernel holds
/// nothing for it.
pub fn socket_view(snap: &Snapshot, sock: SockName, names: &[(String, SockName)]) -> Vec<String> {
    let Some(v) = snap.sockets.iter().find(|v| v.id == Some(sock)) else {
        return Vec::new();
    };
    let mut bare = v.clone();
    bare.notes.clear();
    socket_lines(&bare, names)
}

/// The lab names of the listeners' addresses in a kernel view.
pub fn listener_names(snap: &Snapshot) -> Vec<(String, SockName)> {
    snap.sockets
        .iter()
        .filter(|v| v.role == ViewRole::Listener && !v.closed)
        .filter_map(|v| Some((v.local?.to_string(), v.id?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_to_the_width_and_indents_what_follows() {
        let text = "one two three four five six seven eight nine ten";
        let lines = wrap(text, 14, "  ");
        assert!(lines.iter().all(|l| l.chars().count() <= 14), "{lines:?}");
        assert_eq!(lines[0], "one two three");
        assert!(lines[1].starts_with("  four"));
        assert_eq!(wrap("", 10, ""), [""]);
    }

    #[test]
    fn keys_to_press_are_left_off_paper() {
        assert_eq!(
            for_paper("On the wire (press w): a SYN (twice)."),
            "On the wire: a SYN (twice)."
        );
        assert_eq!(
            for_paper("a lab of its own (--netns, as here) or `--netns`"),
            "a lab of its own (\u{e002}--netns\u{e003}, as here) or \u{e002}--netns\u{e003}"
        );
    }

    #[test]
    fn a_question_is_parted_from_what_the_note_tells_before_it() {
        assert_eq!(
            split_question(
                "Data came from C3: its handshake finished. C4 has sent nothing: will it ever get in?"
            ),
            (
                "Data came from C3: its handshake finished.".into(),
                "C4 has sent nothing: will it ever get in?".into()
            )
        );
        assert_eq!(
            split_question("Same error? Or another?"),
            (String::new(), "Same error? Or another?".into())
        );
        // Stops inside a sentence or a figure do not end it.
        assert_eq!(
            split_question(
                "It has 4.10 of them, e.g. this one (see UNP Figure 4.10). How many get in?"
            ),
            (
                "It has 4.10 of them, e.g. this one (see UNP Figure 4.10).".into(),
                "How many get in?".into()
            )
        );
        // A note that asks nothing stays whole.
        assert_eq!(
            split_question("Nothing to ask."),
            (String::new(), "Nothing to ask.".into())
        );
    }

    #[test]
    fn an_elapsed_time_is_left_out_of_a_call_in_flight() {
        assert_eq!(in_flight("send(4.0m) 2.3s"), "send(4.0m)");
        assert_eq!(in_flight("connect(L1)"), "connect(L1)");
    }

    #[test]
    fn ports_are_left_out_and_known_addresses_named() {
        let l1: SockName = "L1".parse().unwrap();
        let names = [("127.0.0.1:40811".to_string(), l1)];
        assert_eq!(
            scrub(
                "no listener on 127.0.0.1:40811; from 127.0.0.1:5747 and [::1]:80, at 12:30",
                &names
            ),
            "no listener on L1; from 127.0.0.1 and [::1], at 12:30"
        );
    }
}
