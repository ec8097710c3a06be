//! How a lab socket's connection ended, as the lab saw it end: this
//! side's `close()` or `shutdown()`, or an error a call reported. One
//! record, kept where each of them happens (the close, the shutdown, the
//! result that carried the error), and read by the results' sentences,
//! the kernel view's notes and the JSON snapshot, so that they cannot tell
//! two stories.

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::errno::Errno;

/// What ended a socket's connection, or began to end it.
///
/// The first that happened stays, but for a shutdown that left the
/// connection up (a half-close): a reset or a time-out after it is what
/// ended the connection, and replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// `close()` on this side (the lab shuts the socket down first, to
    /// wake the calls that wait on it).
    Close,
    /// `shutdown()` on this side: for reading, for writing, or both, as
    /// called so far.
    Shutdown {
        /// For reading (`read` or `both`).
        read: bool,
        /// For writing (`write` or `both`).
        write: bool,
        /// One came while a connect waited in SYN-SENT: the kernel dropped
        /// the handshake (tcp_disconnect, whichever way it was shut down),
        /// and reports that once as ECONNRESET, though no reset came.
        handshake: bool,
    },
    /// A call reported an error that ends a connection from outside this
    /// side: ECONNRESET (a reset) or ETIMEDOUT (the peer stopped
    /// answering). The kernel reports it once; recv() returns 0 after.
    Error(Errno),
}

impl Ended {
    /// Whether a call's `errno` tells that its connection ended.
    pub fn ends_connection(errno: Errno) -> bool {
        matches!(errno.0, libc::ECONNRESET | libc::ETIMEDOUT)
    }

    /// The record once `next` has happened, from what it said before.
    pub fn then(before: Option<Ended>, next: Ended) -> Ended {
        use Ended::{Close, Error, Shutdown};
        match (before, next) {
            (None, next) => next,
            // What comes after happens to a connection already gone.
            (Some(e @ (Close | Error(_))), _) => e,
            (
                Some(Shutdown {
                    read,
                    write,
                    handshake,
                }),
                Shutdown {
                    read: r,
                    write: w,
                    handshake: h,
                },
            ) => Shutdown {
                read: read || r,
                write: write || w,
                handshake: handshake || h,
            },
            // The error a dropped handshake reports is this side's doing.
            (
                Some(
                    s @ Shutdown {
                        handshake: true, ..
                    },
                ),
                Error(_),
            ) => s,
            (Some(Shutdown { .. }), next) => next,
        }
    }

    /// Whether this side's own close or shutdown ended it.
    pub fn here(self) -> bool {
        !matches!(self, Ended::Error(_))
    }
}

/// In the JSON snapshot: `{"by": "close"}`, `{"by": "shutdown", "how":
/// "read" | "write" | "both", "handshake": bool}` or `{"by": "error",
/// "errno": "ECONNRESET"}`.
impl Serialize for Ended {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match *self {
            Ended::Close => m.serialize_entry("by", "close")?,
            Ended::Shutdown {
                read,
                write,
                handshake,
            } => {
                m.serialize_entry("by", "shutdown")?;
                let how = match (read, write) {
                    (true, true) => "both",
                    (true, false) => "read",
                    _ => "write",
                };
                m.serialize_entry("how", how)?;
                m.serialize_entry("handshake", &handshake)?;
            }
            Ended::Error(e) => {
                m.serialize_entry("by", "error")?;
                m.serialize_entry("errno", &e.name())?;
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESET: Ended = Ended::Error(Errno(libc::ECONNRESET));

    fn shut(read: bool, write: bool, handshake: bool) -> Ended {
        Ended::Shutdown {
            read,
            write,
            handshake,
        }
    }

    #[test]
    fn a_dropped_handshake_is_not_a_reset() {
        let after = Ended::then(None, shut(false, true, true));
        assert_eq!(Ended::then(Some(after), RESET), after);
        // A second shutdown, once the handshake is gone, adds its way.
        let both = Ended::then(Some(after), shut(true, false, false));
        assert_eq!(both, shut(true, true, true));
    }

    #[test]
    fn a_reset_after_a_half_close_ended_the_connection() {
        let half = Ended::then(None, shut(false, true, false));
        assert_eq!(Ended::then(Some(half), RESET), RESET);
        // and stays what ended it, whatever this side does next.
        assert_eq!(Ended::then(Some(RESET), Ended::Close), RESET);
        assert_eq!(Ended::then(Some(RESET), shut(true, false, false)), RESET);
        assert_eq!(Ended::then(Some(half), Ended::Close), Ended::Close);
        assert_eq!(Ended::then(Some(Ended::Close), RESET), Ended::Close);
    }

    #[test]
    fn json_says_who_ended_it() {
        let json = |e: Ended| serde_json::to_string(&e).unwrap();
        assert_eq!(json(Ended::Close), r#"{"by":"close"}"#);
        assert_eq!(
            json(shut(true, true, true)),
            r#"{"by":"shutdown","how":"both","handshake":true}"#
        );
        assert_eq!(json(RESET), r#"{"by":"error","errno":"ECONNRESET"}"#);
    }
}
