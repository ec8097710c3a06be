//! Which call of the lab's sent a segment: the send whose bytes it carries,
//! the connect whose handshake it is, the close that sent its FIN.

use std::time::Duration;

use super::segment::CallRef;
use crate::lab::{Call, CallMark, Observer, SockName};

/// How much later than a segment a call may seem to begin and still have
/// caused it: the lab's clock and the packets' are read apart.
const SLACK: Duration = Duration::from_micros(500);

/// Where the calls are read from: the lab's call log, or a list in tests.
pub trait CallSource {
    /// Looks at the calls, oldest first.
    fn with_marks(&self, read: &mut dyn FnMut(&mut dyn Iterator<Item = &CallMark>));

    /// Looks at the calls from the first one on `sock` on, oldest first
    /// (none before it is `sock`'s); the reader may walk them from the newest.
    fn with_marks_of(
        &self,
        sock: SockName,
        read: &mut dyn FnMut(&mut dyn DoubleEndedIterator<Item = &CallMark>),
    );

    /// Whether call `seq` is kept and has not returned yet. Running calls
    /// are the newest, so the look starts there.
    fn running(&self, seq: u64) -> bool;

    /// Bytes `sock`'s sends put in its stream before the first of its
    /// sends still kept: where that send's bytes begin.
    fn sent_before(&self, _sock: SockName) -> u64 {
        0
    }
}

impl CallSource for Observer {
    fn with_marks(&self, read: &mut dyn FnMut(&mut dyn Iterator<Item = &CallMark>)) {
        self.with_calls(|marks| read(&mut marks.iter()));
    }

    fn with_marks_of(
        &self,
        sock: SockName,
        read: &mut dyn FnMut(&mut dyn DoubleEndedIterator<Item = &CallMark>),
    ) {
        self.with_calls_from(sock, |mut marks| read(&mut marks));
    }

    fn sent_before(&self, sock: SockName) -> u64 {
        self.sent_gone(sock)
    }

    fn running(&self, seq: u64) -> bool {
        self.with_calls(|marks| {
            marks
                .iter()
                .rev()
                .find(|m| m.seq == seq)
                .is_some_and(|m| m.ret.is_none())
        })
    }
}

impl CallSource for Vec<CallMark> {
    fn with_marks(&self, read: &mut dyn FnMut(&mut dyn Iterator<Item = &CallMark>)) {
        read(&mut self.iter());
    }

    fn with_marks_of(
        &self,
        _sock: SockName,
        read: &mut dyn FnMut(&mut dyn DoubleEndedIterator<Item = &CallMark>),
    ) {
        read(&mut self.iter());
    }

    fn running(&self, seq: u64) -> bool {
        self.iter()
            .rev()
            .find(|m| m.seq == seq)
            .is_some_and(|m| m.ret.is_none())
    }
}

fn to_ref(m: &CallMark) -> CallRef {
    CallRef {
        seq: m.seq,
        call: m.call,
    }
}

/// The newest call of one of these kinds on `sock` that began by `t`.
pub fn latest(
    calls: &dyn CallSource,
    sock: SockName,
    kinds: &[Call],
    t: Duration,
) -> Option<CallRef> {
    let mut found = None;
    // The newest first: the walk ends at the first that fits.
    calls.with_marks_of(sock, &mut |marks| {
        found = marks
            .rev()
            .find(|m| m.sock == sock && kinds.contains(&m.call) && m.began <= t + SLACK)
            .map(to_ref);
    });
    found
}

/// The bytes one `send()` put in the stream: `[start, end)` from the
/// first byte the socket ever sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendRange {
    /// The call.
    pub call: CallRef,
    /// First byte.
    pub start: u64,
    /// One past the last byte; `None` while the call runs.
    pub end: Option<u64>,
}

/// The `send()` whose bytes include byte `offset` of `sock`'s stream. The
/// sends of a socket run in order, so their counts, added up, say where
/// each one's bytes are. A send still running holds everything after the
/// finished ones.
pub fn send_at(calls: &dyn CallSource, sock: SockName, offset: u64) -> Option<SendRange> {
    let mut found = None;
    let before = calls.sent_before(sock);
    calls.with_marks_of(sock, &mut |marks| {
        let mut start = before;
        for m in marks {
            if m.sock != sock || m.call != Call::Send {
                continue;
            }
            let Some(n) = m.ret else {
                found = Some(SendRange {
                    call: to_ref(m),
                    start,
                    end: None,
                });
                return;
            };
            if offset < start + n {
                found = Some(SendRange {
                    call: to_ref(m),
                    start,
                    end: Some(start + n),
                });
                return;
            }
            start += n;
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;

    fn mark(seq: u64, sock: SockName, call: Call, ms: u64, ret: Option<u64>) -> CallMark {
        CallMark {
            seq,
            sock,
            call,
            part_of: None,
            began: Duration::from_millis(ms),
            ret,
        }
    }

    #[test]
    fn bytes_belong_to_the_send_that_put_them_in_the_stream() {
        let c1 = SockName::new(Role::Client, 1);
        let a1 = SockName::new(Role::Accepted, 1);
        let calls = vec![
            mark(1, c1, Call::Connect, 0, Some(0)),
            mark(2, c1, Call::Send, 10, Some(100)),
            mark(3, a1, Call::Send, 11, Some(7)),
            mark(4, c1, Call::Send, 12, Some(0)),
            mark(5, c1, Call::Send, 20, None),
        ];
        assert_eq!(send_at(&calls, c1, 0).unwrap().call.seq, 2);
        assert_eq!(send_at(&calls, c1, 99).unwrap().call.seq, 2);
        // A send that moved nothing holds no byte; the running one holds the rest.
        let r = send_at(&calls, c1, 100).unwrap();
        assert_eq!((r.call.seq, r.start, r.end), (5, 100, None));
        assert_eq!(send_at(&calls, a1, 6).unwrap().call.seq, 3);
        assert_eq!(send_at(&calls, a1, 7), None);
    }

    #[test]
    fn the_latest_call_of_a_kind_that_began_in_time() {
        let c1 = SockName::new(Role::Client, 1);
        let calls = vec![
            mark(1, c1, Call::Connect, 0, Some(0)),
            mark(2, c1, Call::Close, 50, Some(0)),
        ];
        let at = |ms| {
            latest(
                &calls,
                c1,
                &[Call::Close, Call::Shutdown],
                Duration::from_millis(ms),
            )
        };
        assert_eq!(at(10), None);
        assert_eq!(at(50).unwrap().seq, 2);
    }
}
