//! What a player keeps as it plays for hours: the lines it has played,
//! and the calls it reported blocked, looked up by number.

use super::Player;
use crate::lab::{Arg, Call, SockName};

impl Player {
    /// Forgets lines played long ago, all but the last `keep` before the
    /// next one: a command line typed into for hours holds what it may
    /// still need, not every line ever typed. Indices ([`Player::position`],
    /// [`Player::filled`]) count from the first line kept after this.
    pub fn forget_played(&mut self, keep: usize) {
        let gone = self.next.saturating_sub(keep);
        // At least `keep` at a time, so that the lines move seldom.
        if gone < keep.max(1) {
            return;
        }
        self.lines.drain(..gone);
        self.next -= gone;
        self.released = self.released.and_then(|r| r.checked_sub(gone));
        self.filled = std::mem::take(&mut self.filled)
            .into_iter()
            .filter_map(|(i, text)| Some((i.checked_sub(gone)?, text)))
            .collect();
    }

    /// Calls reported blocked whose results have not come: each call's
    /// number, socket, call and argument.
    pub fn blocked(&self) -> impl Iterator<Item = (u64, SockName, Call, &Arg)> {
        self.blocked
            .iter()
            .map(|(seq, (sock, call, arg))| (*seq, *sock, *call, arg))
    }

    /// Whether call `seq` was reported blocked and has not finished.
    pub fn is_blocked(&self, seq: u64) -> bool {
        self.blocked.contains_key(&seq)
    }
}
