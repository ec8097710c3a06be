//! Turning a syscall's return into a result record.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::Socket;

use super::Shared;
use super::command::TimeoutMode;
use super::ended::Ended;
use super::errno::Errno;
use super::explain::{self, Facts};
use super::name::{Role, SockName};
use super::options::{read_kernel_timeouts, read_timeout_mode};
use super::preview::Preview;
use super::result::{Arg, Call, CallResult, Datagram, Kind, LabEvent, Outcome, Started};

/// TCP_CLOSE in `linux/tcp_states.h`: no connection any more.
pub(super) const TCP_CLOSE: u8 = 7;

/// A call being made: what it is and when it began. `finish` makes the record.
pub(crate) struct Recorder {
    shared: Arc<Shared>,
    seq: u64,
    part_of: Option<u64>,
    sock: SockName,
    call: Call,
    arg: Arg,
    began: Cell<Instant>,
    stopped: Cell<Option<Duration>>,
    mode: TimeoutMode,
    kernel_timeout: Option<Duration>,
    addr: Option<Arc<str>>,
    epoch: u64,
}

/// What a call produced besides its return value.
#[derive(Default)]
pub(crate) struct Extra {
    /// Bytes received, for the preview.
    pub data: Option<Preview>,
    /// Sockets the call made.
    pub created: Vec<SockName>,
    /// The sentence for a plain success (an error explains itself).
    pub sentence: Option<String>,
    /// Added to whatever sentence the result gets.
    pub note: Option<String>,
    /// The datagram a UDP call moved.
    pub datagram: Option<Datagram>,
}

impl Recorder {
    /// Begins a record for `started`, reading the socket's timeout mode now,
    /// and the kernel time-out (SO_RCVTIMEO or SO_SNDTIMEO) that bounds this call.
    pub fn begin(shared: &Arc<Shared>, started: &Started, sock: Option<&Socket>) -> Self {
        let asked = shared
            .get(started.sock)
            .and_then(|s| s.meta().timeout_asked);
        let mode = sock
            .and_then(|s| read_timeout_mode(s, asked).ok())
            .unwrap_or_default();
        let kernel_timeout = sock.and_then(|s| {
            let (rcvtimeo, sndtimeo) = read_kernel_timeouts(s);
            match started.call {
                Call::Send | Call::SendAll | Call::SendTo | Call::Connect => sndtimeo,
                Call::Recv | Call::RecvAll | Call::RecvFrom | Call::Accept => rcvtimeo,
                _ => None,
            }
        });
        shared.call_log().began(super::CallMark {
            seq: started.seq,
            sock: started.sock,
            call: started.call,
            part_of: None,
            began: shared.now(),
            ret: None,
        });
        Recorder {
            shared: Arc::clone(shared),
            seq: started.seq,
            part_of: None,
            sock: started.sock,
            call: started.call,
            arg: started.arg.clone(),
            began: Cell::new(Instant::now()),
            stopped: Cell::new(None),
            mode,
            kernel_timeout,
            addr: None,
            epoch: shared.epoch(),
        }
    }

    /// Marks the record as one step of the loop `parent`.
    pub fn part_of(mut self, parent: u64) -> Self {
        self.part_of = Some(parent);
        if let Some(m) = self.shared.call_log().mark_mut(self.seq) {
            m.part_of = Some(parent);
        }
        self
    }

    /// The address to name in the sentence (connect's target, listen's address).
    pub fn addr(mut self, addr: impl ToString) -> Self {
        self.addr = Some(addr.to_string().into());
        self
    }

    /// [`Recorder::addr`], as the call's own words say it (`connect`'s
    /// target, shared by the clients of one line that wait for it).
    pub fn addr_of_call(mut self, addr: impl ToString) -> Self {
        self.addr = Some(match &self.arg {
            Arg::Text(words) => Arc::clone(words),
            _ => addr.to_string().into(),
        });
        self
    }

    /// Starts the clock again: the call's own syscall begins now, after
    /// whatever preparation (building a buffer) came before it.
    pub fn start_clock(&self) {
        self.began.set(Instant::now());
        let now = self.shared.now();
        if let Some(m) = self.shared.call_log().mark_mut(self.seq) {
            m.began = now;
        }
    }

    /// Stops the clock: the call's own syscall is over, and what comes
    /// before `finish` (looking into why it failed) is not its time.
    pub fn stop_clock(&self) {
        self.stopped.set(Some(self.began.get().elapsed()));
    }

    /// The socket's timeout mode when the call began.
    pub fn mode(&self) -> TimeoutMode {
        self.mode
    }

    /// The time-out of Python's `settimeout`, when the socket has one.
    pub fn python_timeout(&self) -> Option<Duration> {
        match self.mode {
            TimeoutMode::Timeout(d) => Some(d),
            _ => None,
        }
    }

    /// Whether the socket's connection is gone (TCP state CLOSE while it is
    /// still open here): what a reset leaves under a blocked send (an
    /// orderly close leaves it too, but not while this side still sends).
    fn was_reset(&self) -> bool {
        let Some(sock) = self.shared.get(self.sock) else {
            return false;
        };
        let Some(fd) = sock.fd() else {
            return false;
        };
        super::options::tcp_state(&fd) == Some(TCP_CLOSE)
    }

    /// How the socket's connection ended, as far as the lab has seen:
    /// this side's close or shutdown (kept before they wake a call), or
    /// an error a call reported before this one.
    fn ended(&self) -> Option<Ended> {
        self.shared.get(self.sock)?.meta().ended
    }

    /// Why an established connection timed out, from its options: no
    /// keepalive probe answered, data unacknowledged past TCP_USER_TIMEOUT,
    /// or retransmissions given up (tcp_retries2).
    fn why_timed_out(&self) -> Option<String> {
        let sock = self.shared.get(self.sock)?;
        let fd = sock.fd()?;
        let opts = super::tcp_opts::read(&fd)?;
        Some(match opts.user_timeout {
            Some(d) => format!(
                "data stayed unacknowledged longer than TCP_USER_TIMEOUT ({}): the kernel gave the connection up",
                super::command::format_duration(d)
            ),
            None if opts.keepalive => format!(
                "the peer stopped answering: {} keepalive probes went unanswered (TCP_KEEPCNT), and the kernel gave the connection up",
                opts.keepcnt
            ),
            None => "the peer stopped answering: the kernel gave up retransmitting (tcp_retries2)"
                .into(),
        })
    }

    /// Finishes the record from a syscall's result, emits it, and returns it.
    pub fn finish(self, outcome: impl Into<Outcome>, extra: Extra) -> CallResult {
        let elapsed = self
            .stopped
            .get()
            .unwrap_or_else(|| self.began.get().elapsed());
        let outcome = outcome.into();
        let asked = match (&self.arg, self.call.moves_bytes()) {
            (Arg::Bytes(n), true) => Some(*n),
            _ => None,
        };
        let ended = self.ended();
        let mut reading = explain::read(&Facts {
            call: self.call,
            outcome,
            asked,
            mode: self.mode,
            kernel_timeout: self.kernel_timeout,
            elapsed,
            addr: self.addr.as_deref(),
            on_listener: self.sock.role == Role::Listener,
            udp: self.sock.role == Role::Udp,
            ended,
        });
        // A datagram is moved whole or cut short, never in part: a short
        // count is the datagram's length, and 0 an empty datagram.
        if let (Some(d), Outcome::Ret(_)) = (&extra.datagram, outcome) {
            reading.partial = false;
            reading.kind = if d.truncated {
                Kind::Truncated
            } else {
                Kind::Complete
            };
            reading.sentence.clear();
        }
        // recv() returns 0 after a FIN, and also after the error that
        // ended the connection was reported once: a reset, or a time-out.
        // The socket's state cannot tell (it reads CLOSE after an orderly
        // close as after a reset); the error a call reported can.
        if reading.kind == Kind::EndOfStream
            && let Some(Ended::Error(e)) = ended
            && let Some(why) = gone_because(e)
        {
            reading.sentence = why.into();
        }
        if let Some(errno) = outcome.errno().filter(|e| Ended::ends_connection(*e))
            && let Some(sock) = self.shared.get(self.sock)
        {
            sock.ended(Ended::Error(errno));
        }
        // A connection (not a connect: its SYNs are another story) ends in
        // ETIMEDOUT when one of three timers runs out: which one the
        // socket's options say.
        if outcome.errno() == Some(Errno(libc::ETIMEDOUT))
            && self.call != Call::Connect
            && let Some(why) = self.why_timed_out()
        {
            reading.sentence = why;
        }
        // A blocking send returns what it had taken when the connection
        // broke under it; when the kernel's state is gone, a reset broke it,
        // not a lack of room.
        if reading.kind == Kind::Partial && self.call == Call::Send && self.was_reset() {
            reading.sentence = format!(
                "cut short by a reset (RST) from the peer while send() waited: {} of {} bytes had gone into the send buffer; the next call reports ECONNRESET",
                outcome.ret().unwrap_or(0),
                asked.unwrap_or(0)
            );
        }
        let mut explain = if reading.sentence.is_empty() {
            extra.sentence.unwrap_or_default()
        } else {
            reading.sentence
        };
        if let Some(note) = extra.note {
            if !explain.is_empty() {
                explain.push_str("; ");
            }
            explain.push_str(&note);
        }
        self.shared
            .call_log()
            .finished(self.seq, outcome.ret().unwrap_or(0));
        let result = CallResult {
            seq: self.seq,
            part_of: self.part_of,
            sock: self.sock,
            call: self.call,
            arg: self.arg,
            t: self.shared.now(),
            elapsed,
            outcome,
            partial: reading.partial,
            timed_out: reading.timed_out,
            kind: reading.kind,
            created: extra.created,
            explain,
            data: extra.data,
            datagram: extra.datagram.map(Box::new),
        };
        super::lane::finishing(self.seq);
        self.shared
            .emit_in(self.epoch, LabEvent::Finished(result.clone()));
        result
    }
}

/// The syscall's return as a count or an errno.
pub(crate) fn ret(r: libc::ssize_t) -> Result<u64, Errno> {
    if r < 0 {
        Err(Errno::of(&std::io::Error::last_os_error()))
    } else {
        Ok(r as u64)
    }
}

/// Why recv() returns 0 on a connection that `errno` ended.
fn gone_because(errno: Errno) -> Option<&'static str> {
    match errno.0 {
        libc::ECONNRESET => Some(
            "the connection was reset (RST) and is gone: from now on recv() returns 0, not an error",
        ),
        libc::ETIMEDOUT => {
            Some("the connection timed out and is gone: from now on recv() returns 0, not an error")
        }
        _ => None,
    }
}
