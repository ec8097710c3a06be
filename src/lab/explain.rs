//! One plain sentence on what a result means in its situation.
//!
//! The sentence belongs to the data, so the transcript, the JSON and the TUI
//! all say the same thing.

use std::time::Duration;

use super::command::TimeoutMode;
use super::ended::Ended;
use super::errno::Errno;
use super::result::{Call, Kind, Outcome};
use super::syn_limit::SynLimit;

/// What is known about a finished call when it is explained.
#[derive(Debug, Clone)]
pub(crate) struct Facts<'a> {
    /// Which call.
    pub call: Call,
    /// What it returned.
    pub outcome: Outcome,
    /// Bytes asked for, for calls that move bytes.
    pub asked: Option<u64>,
    /// The socket's timeout mode when the call began.
    pub mode: TimeoutMode,
    /// The kernel's time-out on this call (SO_SNDTIMEO for send and
    /// connect, SO_RCVTIMEO for recv and accept), when one is set.
    pub kernel_timeout: Option<Duration>,
    /// How long it took.
    pub elapsed: Duration,
    /// The address involved (connect's target, listen's address), for the sentence.
    pub addr: Option<&'a str>,
    /// The socket is a listener.
    pub on_listener: bool,
    /// The socket is a UDP socket.
    pub udp: bool,
    /// How the socket's connection had ended when the call did: an error
    /// or a 0 that this side's own close or shutdown caused is not the
    /// peer's doing.
    pub ended: Option<Ended>,
}

/// How a result reads: its kind, whether a time-out ended it, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    pub kind: Kind,
    pub timed_out: bool,
    pub partial: bool,
    pub sentence: String,
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// Whether a blocking call ran for about its kernel time-out (SO_RCVTIMEO
/// or SO_SNDTIMEO), so that the kernel gave up on it. Only a blocking socket
/// waits in the kernel; allow a little less than the limit.
fn ran_out(f: &Facts<'_>) -> Option<Duration> {
    match (f.mode, f.kernel_timeout) {
        (TimeoutMode::Blocking, Some(t))
            if f.elapsed + Duration::from_millis(5) >= t.mul_f64(0.9) =>
        {
            Some(t)
        }
        _ => None,
    }
}

/// The kernel option that bounds a call's wait.
fn kernel_option(call: Call) -> &'static str {
    match call {
        Call::Send | Call::SendAll | Call::SendTo | Call::Connect => "SO_SNDTIMEO",
        _ => "SO_RCVTIMEO",
    }
}

/// Explains a result.
pub(crate) fn read(f: &Facts<'_>) -> Reading {
    if let Some(reading) = read_undone_here(f) {
        return reading;
    }
    match f.outcome {
        Outcome::Ret(n) => read_ret(f, n),
        Outcome::Err(e) => read_err(f, e),
        Outcome::TimedOut => read_timed_out(f),
    }
}

/// A result that this side's own close or shutdown caused, told as that and
/// not as the peer's doing; `None` for any other.
fn read_undone_here(f: &Facts<'_>) -> Option<Reading> {
    let here = f.ended.filter(|e| e.here())?;
    if f.udp {
        // UDP's sentences already say the socket was shut down here.
        return None;
    }
    let (read, write, handshake) = match here {
        Ended::Shutdown {
            read,
            write,
            handshake,
        } => (read, write, handshake),
        _ => (true, true, false),
    };
    let woke = "close() on this side woke it: the lab shuts the socket down first, and";
    let receiving = matches!(f.call, Call::Recv | Call::RecvAll | Call::Drain);
    let (kind, sentence) = match (f.outcome, f.call, here) {
        // tcp_disconnect() ends a connect still in SYN-SENT with ECONNRESET:
        // the handshake was dropped here, and no peer ever answered.
        (Outcome::Err(Errno(libc::ECONNRESET)), Call::Connect, _) => (
            Kind::Error,
            format!(
                "no reset came from a peer: {} on this side abandoned the handshake while connect() waited in SYN-SENT, and the kernel ends such a connect with ECONNRESET",
                if here == Ended::Close { "close()" } else { "shutdown()" }
            ),
        ),
        // A connect that did not wait (non-blocking) leaves the error to
        // the next call, which the kernel tells once.
        (Outcome::Err(Errno(libc::ECONNRESET)), _, _) if handshake => (
            Kind::Error,
            "no reset came from a peer: shutdown() on this side abandoned the handshake in SYN-SENT, and the kernel reports that once, as ECONNRESET".into(),
        ),
        (Outcome::Err(Errno(libc::ENOTCONN)), _, _) if handshake => (
            Kind::Error,
            "the socket is not connected: shutdown() on this side abandoned its handshake in SYN-SENT".into(),
        ),
        (Outcome::Ret(0), _, Ended::Close) if receiving && f.asked.unwrap_or(0) > 0 => (
            Kind::EndOfStream,
            format!("{woke} recv() on a socket shut down for reading returns 0: not a FIN from the peer"),
        ),
        (Outcome::Ret(0), _, _) if read && receiving && f.asked.unwrap_or(0) > 0 => (
            Kind::EndOfStream,
            "this side shut the socket down for reading (shutdown()), so recv() returns 0: not a FIN from the peer".into(),
        ),
        (Outcome::Err(Errno(libc::EINVAL)), Call::Accept, Ended::Close) => (
            Kind::Error,
            format!("{woke} a listener shut down stops listening, so accept() fails with EINVAL"),
        ),
        (Outcome::Err(Errno(libc::EINVAL)), Call::Accept, _) if read => (
            Kind::Error,
            "shutdown() on this side stopped the listener listening, so accept() fails with EINVAL".into(),
        ),
        (Outcome::Err(Errno(libc::EPIPE)), _, Ended::Close) => (
            Kind::Error,
            format!("{woke} a send on a socket shut down for writing fails with EPIPE"),
        ),
        (Outcome::Err(Errno(libc::EPIPE)), _, _) if write => (
            Kind::Error,
            "this side shut the socket down for writing (shutdown()), so a send fails with EPIPE".into(),
        ),
        _ => return None,
    };
    Some(Reading {
        kind,
        timed_out: false,
        partial: false,
        sentence,
    })
}

/// Nothing was ready within Python's time-out.
fn read_timed_out(f: &Facts<'_>) -> Reading {
    let within = match f.mode {
        TimeoutMode::Timeout(t) => format!(" within {}", secs(t)),
        _ => String::new(),
    };
    // The wait was the program's own poll(), as Python's is: said so, for
    // it is what sets this time-out apart from SO_RCVTIMEO's.
    let polled = match f.mode {
        TimeoutMode::Timeout(t) => format!("poll() waited {} and ", secs(t)),
        _ => String::new(),
    };
    let what = match f.call {
        Call::Accept => format!("{polled}no connection came"),
        Call::Connect => {
            format!("{polled}the handshake did not finish; it goes on in the kernel")
        }
        // poll() calls a TCP socket writable only while its free room is
        // at least half of what it holds: a buffer a third full is not.
        Call::Send | Call::SendAll => format!(
            "the send buffer did not become writable{within} (poll() wants free room of at least half what it holds)"
        ),
        _ => format!("{polled}nothing arrived"),
    };
    Reading {
        kind: Kind::TimedOut,
        timed_out: true,
        partial: false,
        sentence: format!("{what} (Python raises TimeoutError: timed out)"),
    }
}

fn read_ret(f: &Facts<'_>, n: u64) -> Reading {
    let asked = f.asked.unwrap_or(0);
    let short = f.call.moves_bytes() && f.asked.is_some() && n < asked && n > 0;
    // Short is partial only where the rest is still to do: a send that
    // took part of its bytes, a loop that stopped early. A recv's count is
    // at most its buffer, and whatever came is whole: not partial.
    let partial = short && matches!(f.call, Call::Send | Call::SendAll | Call::RecvAll);
    let mut reading = Reading {
        kind: Kind::Complete,
        timed_out: false,
        partial,
        sentence: String::new(),
    };
    let receiving = matches!(
        f.call,
        Call::Recv | Call::RecvAll | Call::Drain | Call::RecvFrom
    );
    if receiving && n == 0 && asked > 0 {
        reading.kind = Kind::EndOfStream;
        reading.sentence = if f.udp {
            "no datagram: the socket was shut down for reading, so the call returns 0 at once"
        } else {
            "the peer shut down its sending side (FIN): it will send no more"
        }
        .into();
        return reading;
    }
    if short && f.call == Call::Recv {
        reading.sentence =
            format!("{n} bytes were queued: recv returns what is there, at most the {asked} asked");
        return reading;
    }
    if !partial {
        return reading;
    }
    reading.kind = Kind::Partial;
    let timed_out = ran_out(f);
    reading.timed_out = timed_out.is_some();
    reading.sentence = match (f.call, timed_out) {
        (Call::Send | Call::SendAll, Some(t)) => {
            format!(
                "{} ran out after {}: {n} of {asked} bytes fitted",
                kernel_option(f.call),
                secs(t)
            )
        }
        (Call::Send, None) if f.mode != TimeoutMode::Blocking => {
            format!(
                "took {n} of {asked} bytes at once, on to the peer or into the send buffer: no room for more at that moment"
            )
        }
        (Call::Send, None) => {
            format!(
                "took {n} of {asked} bytes, on to the peer or into the send buffer: no room for more at that moment"
            )
        }
        (Call::SendAll, None) => format!("stopped after {n} of {asked} bytes"),
        (Call::RecvAll, _) => format!("the stream ended after {n} of {asked} bytes"),
        _ => String::new(),
    };
    reading
}

/// The sentence for an errno a UDP socket met, where UDP differs from TCP;
/// `None` where the general sentence holds.
fn udp_err(call: Call, e: Errno, addr: &str) -> Option<String> {
    Some(match (e.0, call) {
        (libc::EOPNOTSUPP, Call::Listen) => "UDP has no connections, so no queue of them to hold: listen() and its backlog do not apply; a bound UDP socket already takes datagrams from anyone".into(),
        (libc::EOPNOTSUPP, Call::Accept) => "UDP has no connections to accept: every datagram arrives on this socket itself (recvfrom says who sent it)".into(),
        (libc::ECONNREFUSED, _) => format!(
            "an ICMP port unreachable came back for an earlier datagram: nothing is bound at {addr}; only a connected UDP socket hears of it, an unconnected one never does"
        ),
        (libc::EDESTADDRREQ, _) => "the socket has no peer: connect it first, or name the target with sendto".into(),
        (libc::EMSGSIZE, _) => "the datagram is too large: one datagram must fit in the send buffer and in 65,507 bytes (IPv4)".into(),
        (libc::EPIPE, _) => "this socket was shut down for writing".into(),
        (libc::ENOTCONN, Call::Shutdown) => "the socket is not connected: an unconnected UDP socket has no connection to shut down".into(),
        (libc::EISCONN, Call::SendTo) => "the socket is connected: it sends only to its peer".into(),
        (libc::ENOPROTOOPT, _) => "that option is TCP's; a UDP socket has no such option".into(),
        _ => return None,
    })
}

fn read_err(f: &Facts<'_>, e: Errno) -> Reading {
    let mut reading = Reading {
        kind: Kind::Error,
        timed_out: false,
        partial: false,
        sentence: String::new(),
    };
    let waited = matches!(e.0, libc::EAGAIN | libc::EINPROGRESS);
    if waited {
        if let Some(t) = ran_out(f) {
            reading.kind = Kind::TimedOut;
            reading.timed_out = true;
            let after = format!("{} ran out after {}", kernel_option(f.call), secs(t));
            reading.sentence = match f.call {
                Call::Connect => format!("{after}; the handshake goes on in the kernel"),
                Call::Send | Call::SendAll => format!("{after}: nothing fitted in the send buffer"),
                _ => after,
            };
            return reading;
        }
        reading.kind = Kind::WouldBlock;
        let why = match f.mode {
            TimeoutMode::NonBlocking => " (non-blocking)",
            // A false alarm of poll() under a time-out: the lab polls again.
            TimeoutMode::Timeout(_) => " (under a time-out)",
            TimeoutMode::Blocking => "",
        };
        reading.sentence = match f.call {
            Call::Connect => format!(
                "handshake under way{why}: the kernel goes on with it, sending the SYN again until an answer comes or it gives up; the socket turns writable when it is over"
            ),
            Call::Accept => format!("accept queue empty{why}"),
            Call::Send | Call::SendAll | Call::SendTo if f.udp => {
                format!("send buffer full{why}: the datagram did not fit")
            }
            Call::Send | Call::SendAll => format!("send buffer full{why}: nothing fitted"),
            _ if f.udp => format!("no datagram queued{why}"),
            _ => format!("nothing queued{why}"),
        };
        return reading;
    }
    let addr = f.addr.unwrap_or("that address");
    if f.udp
        && let Some(sentence) = udp_err(f.call, e, addr)
    {
        reading.sentence = sentence;
        return reading;
    }
    reading.sentence = match e.0 {
        libc::ECONNREFUSED => format!("no listener on {addr}: the SYN was answered with a reset"),
        libc::ECONNRESET => {
            "the peer reset the connection (RST): nothing more will arrive on it".into()
        }
        libc::ECONNABORTED => "the connection was aborted before it was accepted".into(),
        libc::EPIPE => {
            "this side can no longer send: it was shut down for writing or the peer reset it".into()
        }
        libc::ENOTCONN if f.on_listener => {
            "a listening socket carries no data: accept() a connection and use that".into()
        }
        libc::ENOTCONN => "the socket is not connected".into(),
        libc::EISCONN => "the socket is already connected".into(),
        libc::EALREADY => "a connect is already under way on this socket".into(),
        libc::EADDRINUSE => format!("{addr} is in use"),
        libc::EADDRNOTAVAIL if f.call == Call::Connect => match local_port_range() {
            Some((lo, hi)) => format!(
                "no local port is free to reach {addr}: each of the {} ports of ip_local_port_range ({lo}–{hi}) already has a connection to it, or waits in TIME-WAIT",
                hi.saturating_sub(lo) + 1
            ),
            None => format!("no local port is free to reach {addr}"),
        },
        libc::EADDRNOTAVAIL => {
            format!("{addr} is not an address of this machine, or no local port is free")
        }
        libc::EACCES => "ports below 1024 need root or CAP_NET_BIND_SERVICE".into(),
        libc::EMFILE => match super::limits::nofile() {
            Some((soft, _)) => format!(
                "the process has used all {soft} file descriptors it may have (ulimit -n); the lab goes on"
            ),
            None => "the process has no file descriptors left (ulimit -n)".into(),
        },
        libc::ENFILE => "the system has no file descriptors left".into(),
        libc::EINVAL if f.call == Call::Accept => "accept() needs a listening socket".into(),
        libc::EINVAL if f.call == Call::Listen => {
            "the kernel refused: the socket cannot listen in its present state".into()
        }
        libc::EINVAL => "the kernel refused the call in the socket's present state".into(),
        libc::EINTR => "interrupted: the socket was closed while this call waited".into(),
        libc::EBADF => "not run: the socket was closed first".into(),
        // In SYN-SENT there was never a peer that answered: a full
        // listener drops the SYN without a word, and the kernel gives up
        // after as many SYNs as its settings allow.
        libc::ETIMEDOUT if f.call == Call::Connect => match syn_tries() {
            Some(tries) => {
                format!("the SYN was never answered: the kernel sent {tries}, then gave up")
            }
            None => "the SYN was never answered: the kernel sent it again and again, then gave up"
                .into(),
        },
        libc::ETIMEDOUT => "the peer stopped answering; the kernel gave up retransmitting".into(),
        libc::ENETUNREACH | libc::EHOSTUNREACH => format!("no route to {addr}"),
        _ => e.message(),
    };
    reading
}

/// How many SYNs a connect() sends before it fails, as the settings that
/// decide it say, in the words the kernel view's note on a waiting client
/// uses (`11 SYNs (1 + 5 a second apart + 5 at doubling gaps)`).
fn syn_tries() -> Option<String> {
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/proc/sys/net/ipv4/{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    let limit = SynLimit::new(
        read("tcp_syn_retries")?,
        read("tcp_syn_linear_timeouts"),
        read("tcp_rto_max_ms"),
    );
    Some(format!("{} SYNs ({})", limit.total, limit.parts()))
}

/// `net.ipv4.ip_local_port_range`: the ports the kernel picks from for a
/// socket that does not bind one (a client's `connect`, a bind to port 0).
fn local_port_range() -> Option<(u32, u32)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut w = text.split_whitespace().map(str::parse::<u32>);
    Some((w.next()?.ok()?, w.next()?.ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(call: Call, outcome: Outcome, mode: TimeoutMode, ms: u64) -> Facts<'static> {
        Facts {
            call,
            outcome,
            asked: Some(100),
            mode,
            kernel_timeout: None,
            elapsed: Duration::from_millis(ms),
            addr: Some("127.0.0.1:9"),
            on_listener: false,
            udp: false,
            ended: None,
        }
    }

    #[test]
    fn eagain_is_told_apart_by_mode() {
        let eagain = Outcome::Err(Errno(libc::EAGAIN));
        let r = read(&facts(Call::Recv, eagain, TimeoutMode::NonBlocking, 0));
        assert_eq!((r.kind, r.timed_out), (Kind::WouldBlock, false));
        assert_eq!(r.sentence, "nothing queued (non-blocking)");
        let mut f = facts(Call::Recv, eagain, TimeoutMode::Blocking, 2004);
        f.kernel_timeout = Some(Duration::from_secs(2));
        let r = read(&f);
        assert_eq!((r.kind, r.timed_out), (Kind::TimedOut, true));
        assert_eq!(r.sentence, "SO_RCVTIMEO ran out after 2.00 s");
        // The same errno early is not the kernel's time-out.
        f.elapsed = Duration::from_millis(3);
        assert_eq!(read(&f).kind, Kind::WouldBlock);
    }

    #[test]
    fn python_time_out_has_no_errno() {
        let two = TimeoutMode::Timeout(Duration::from_secs(2));
        let r = read(&facts(Call::Accept, Outcome::TimedOut, two, 2001));
        assert_eq!((r.kind, r.timed_out), (Kind::TimedOut, true));
        assert!(
            r.sentence
                .starts_with("poll() waited 2.00 s and no connection came"),
            "{}",
            r.sentence
        );
        // A partial send under Python's time-out is not a time-out, however long it waited.
        let r = read(&facts(Call::Send, Outcome::Ret(40), two, 1990));
        assert_eq!((r.kind, r.timed_out), (Kind::Partial, false));
    }

    #[test]
    fn partial_and_end_of_stream() {
        // A recv that got fewer bytes than its buffer got what was there:
        // whole, not partial; a send that took fewer left the rest to do.
        let r = read(&facts(
            Call::Recv,
            Outcome::Ret(7),
            TimeoutMode::Blocking,
            0,
        ));
        assert!(!r.partial);
        assert_eq!(r.kind, Kind::Complete);
        assert!(
            r.sentence.starts_with("7 bytes were queued"),
            "{}",
            r.sentence
        );
        let r = read(&facts(
            Call::Send,
            Outcome::Ret(7),
            TimeoutMode::Blocking,
            0,
        ));
        assert!(r.partial);
        assert_eq!(r.kind, Kind::Partial);
        let r = read(&facts(
            Call::RecvAll,
            Outcome::Ret(7),
            TimeoutMode::Blocking,
            0,
        ));
        assert!(r.partial);
        assert_eq!(r.kind, Kind::Partial);
        let r = read(&facts(
            Call::Recv,
            Outcome::Ret(0),
            TimeoutMode::Blocking,
            0,
        ));
        assert_eq!(r.kind, Kind::EndOfStream);
        assert!(!r.partial);
        let r = read(&facts(
            Call::Send,
            Outcome::Ret(100),
            TimeoutMode::Blocking,
            0,
        ));
        assert_eq!(r.kind, Kind::Complete);
    }

    #[test]
    fn refused_names_the_address() {
        let r = read(&facts(
            Call::Connect,
            Outcome::Err(Errno(libc::ECONNREFUSED)),
            TimeoutMode::Blocking,
            0,
        ));
        assert_eq!(r.kind, Kind::Error);
        assert!(r.sentence.contains("127.0.0.1:9"), "{}", r.sentence);
    }
}
