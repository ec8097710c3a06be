//! A bounded log of the calls the lab made, as they really began and what
//! they returned: what the wire needs to tie a segment to the call that
//! caused it (the send whose bytes it carries, the close that sent a FIN).

use std::collections::VecDeque;
use std::time::Duration;

use super::name::SockName;
use super::result::Call;

/// How many calls the log keeps; the oldest go first.
const KEPT: usize = 65_536;

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
}

impl CallLog {
    /// A call began.
    pub fn began(&mut self, mark: CallMark) {
        if self.marks.len() == KEPT {
            self.marks.pop_front();
        }
        self.marks.push_back(mark);
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
    }
}
