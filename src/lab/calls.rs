//! A bounded log of the calls the lab made, as they really began and what
//! they returned: what the wire needs to tie a segment to the call that
//! caused it (the send whose bytes it carries, the close that sent a FIN).

use std::collections::VecDeque;
use std::time::Duration;

use super::name::SockName;
use super::result::Call;

/// How many calls the log keeps; the oldest go first. A segment's call
/// began moments before it (a retransmission's, seconds): sixteen thousand
/// calls are minutes of the busiest loop, and the log is full, its memory
/// all taken, within them rather than after an hour of a class.
pub const KEPT: usize = 16_384;

/// One call in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallMark {
    /// The call's number (`#9`).
    pub seq: u64,
    /// The socket it was made on.
    pub sock: SockName,
    /// Which call.
    pub call: Call,
    /// The loop (`sendall`, `recvall`, `accept all`) it is a step of.
    pub part_of: Option<u64>,
    /// When its syscall began, since the lab started (not when it was queued).
    pub began: Duration,
    /// What it returned, once it has: the byte count, or 0 after an error.
    pub ret: Option<u64>,
}

/// The log itself, oldest first.
#[derive(Debug, Default)]
pub(crate) struct CallLog {
    marks: VecDeque<CallMark>,
    /// How many calls have left the front of the log.
    gone: u64,
    /// Per socket with calls kept, or bytes of sends no longer kept: where
    /// its first kept call is, how many are kept, and what the sends that
    /// left the log had put in its stream. A reader of one socket's calls
    /// starts there, not at the log's oldest.
    socks: rustc_hash::FxHashMap<SockName, Kept>,
}

/// What the log keeps of one socket.
#[derive(Debug, Clone, Copy, Default)]
struct Kept {
    /// Where its first kept call is, counted from the first call ever logged.
    first: u64,
    /// How many of its calls are kept.
    kept: usize,
    /// Bytes its sends that left the log put in its stream: where the
    /// first kept send's bytes begin.
    sent_gone: u64,
}

impl CallLog {
    /// A call began.
    pub fn began(&mut self, mark: CallMark) {
        if self.marks.len() == KEPT
            && let Some(old) = self.marks.pop_front()
        {
            self.gone += 1;
            if let Some(k) = self.socks.get_mut(&old.sock) {
                k.kept -= 1;
                if old.call == Call::Send {
                    k.sent_gone += old.ret.unwrap_or(0);
                }
                if k.kept == 0 && k.sent_gone == 0 {
                    self.socks.remove(&old.sock);
                }
            }
        }
        let at = self.gone + self.marks.len() as u64;
        let k = self.socks.entry(mark.sock).or_default();
        if k.kept == 0 {
            k.first = at;
        }
        k.kept += 1;
        self.marks.push_back(mark);
    }

    /// Bytes `sock`'s sends that left the log put in its stream.
    pub fn sent_gone(&self, sock: SockName) -> u64 {
        self.socks.get(&sock).map_or(0, |k| k.sent_gone)
    }

    /// Forgets what is kept of sockets that left the lab: their calls stay
    /// in the log until they leave its front, but nothing is looked up by
    /// their names any more.
    pub fn forget(&mut self, socks: &[SockName]) {
        for s in socks {
            self.socks.remove(s);
        }
    }

    /// How many calls are kept, and how many sockets are looked up by name.
    pub fn sizes(&self) -> (usize, usize) {
        (self.marks.len(), self.socks.len())
    }

    /// Where `sock`'s first kept call is in [`CallLog::marks`]: its calls
    /// are all at or after it (the end when it has none).
    pub fn first_of(&self, sock: SockName) -> usize {
        self.socks
            .get(&sock)
            .filter(|k| k.kept > 0)
            .map_or(self.marks.len(), |k| {
                // A first that left the log (another socket's call stood
                // there) means the front.
                k.first.saturating_sub(self.gone) as usize
            })
    }

    /// A call finished with `ret`.
    pub fn finished(&mut self, seq: u64, ret: u64) {
        if let Some(m) = self.mark_mut(seq) {
            m.ret = Some(ret);
        }
    }

    /// Call `seq`, to amend, while it is still kept. Calls are amended soon
    /// after they begin, so the search starts at the newest.
    pub fn mark_mut(&mut self, seq: u64) -> Option<&mut CallMark> {
        self.marks.iter_mut().rev().find(|m| m.seq == seq)
    }

    /// Every call kept, oldest first.
    pub fn marks(&self) -> &VecDeque<CallMark> {
        &self.marks
    }

    /// Forgets every call (the lab starts afresh).
    pub fn clear(&mut self) {
        self.marks.clear();
        self.socks.clear();
        self.gone = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;

    const C1: SockName = SockName::new(Role::Client, 1);
    const C2: SockName = SockName::new(Role::Client, 2);

    /// A send of `sock`'s, returned `ret` (`None`: still running).
    fn send(seq: u64, sock: SockName, ret: Option<u64>) -> CallMark {
        CallMark {
            seq,
            sock,
            call: Call::Send,
            part_of: None,
            began: Duration::ZERO,
            ret,
        }
    }

    #[test]
    fn a_socket_s_calls_start_where_it_says_past_the_log_s_bound() {
        let (mut log, c1, c2) = (CallLog::default(), C1, C2);
        let mark = |seq, sock| send(seq, sock, None);
        for seq in 0..(KEPT as u64 + 10) {
            log.began(mark(seq, if seq % 1000 == 5 { c2 } else { c1 }));
        }
        for sock in [c1, c2] {
            // Never after the socket's first kept call.
            let real = log.marks().iter().position(|m| m.sock == sock).unwrap();
            assert!(log.first_of(sock) <= real, "{sock}");
        }
        assert_eq!(
            log.first_of(SockName::new(Role::Client, 3)),
            log.marks().len()
        );
        assert!(log.socks.len() <= 2);
    }

    #[test]
    fn a_stream_s_bytes_are_counted_past_the_sends_that_left_the_log() {
        let (mut log, c1, c2) = (CallLog::default(), C1, C2);
        let send = |seq, sock| send(seq, sock, Some(10));
        // Three sends of C1, then enough of C2's to push them out.
        for seq in 0..3 {
            log.began(send(seq, c1));
        }
        for seq in 3..(KEPT as u64 + 3) {
            log.began(send(seq, c2));
        }
        assert_eq!(log.sent_gone(c1), 30);
        assert_eq!(log.first_of(c1), log.marks().len(), "none of C1's kept");
        assert_eq!(log.sent_gone(c2), 0);
        // C1 sends again: its first kept call is that one.
        log.began(send(KEPT as u64 + 3, c1));
        assert_eq!(log.first_of(c1), log.marks().len() - 1);
        assert_eq!(log.sent_gone(c1), 30);
        assert_eq!(log.sent_gone(c2), 10);
        // C1 leaves the lab: nothing is kept by its name.
        log.forget(&[c1]);
        assert_eq!(log.sent_gone(c1), 0);
        assert_eq!(log.sizes(), (KEPT, 1));
    }
}
