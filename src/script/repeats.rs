//! Runs of alike results (`sendto U1 U2 1000 x200`: two hundred times the
//! same line) told once in a printed transcript or handout: the first few,
//! then how many more there were. The JSON keeps every one.

use crate::lab::{Arg, Call, CallResult, Kind, Outcome, SockName};

/// How many alike results in a row are printed before the rest are counted.
const SHOWN: u64 = 3;

/// What makes two results alike: the same call on the same socket, with
/// the same argument, return and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    sock: SockName,
    call: Call,
    arg: Arg,
    outcome: Outcome,
    kind: Kind,
    part_of: Option<u64>,
}

/// Counts the alike results of a run left out, to say so when it ends.
#[derive(Debug, Default)]
pub struct Repeats {
    last: Option<Key>,
    run: u64,
    hidden: u64,
}

impl Repeats {
    /// Whether to print `r`: false for the fourth and later of a run of alike results.
    pub fn show(&mut self, r: &CallResult) -> bool {
        let key = Key {
            sock: r.sock,
            call: r.call,
            arg: r.arg.clone(),
            outcome: r.outcome,
            kind: r.kind,
            part_of: r.part_of,
        };
        if self.last.as_ref() == Some(&key) {
            self.run += 1;
        } else {
            self.last = Some(key);
            self.run = 1;
        }
        if self.run <= SHOWN {
            return true;
        }
        self.hidden += 1;
        false
    }

    /// The line that says how many were left out, once, when any were;
    /// call it before printing anything else.
    pub fn flush(&mut self) -> Option<String> {
        if self.hidden == 0 {
            return None;
        }
        let n = self.hidden;
        self.hidden = 0;
        self.run = 0;
        // Said with the call it counts, so that it reads right wherever
        // the next line happens to come.
        let of = self.last.take().map_or_else(String::new, |k| {
            format!(
                ": {} {}",
                k.sock,
                super::transcript::call_text(k.call, &k.arg)
            )
        });
        Some(format!("      … {n} more alike{of}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(seq: u64, ret: u64) -> CallResult {
        CallResult {
            seq,
            part_of: None,
            sock: "U1".parse().unwrap(),
            call: Call::SendTo,
            arg: Arg::Bytes(1000),
            t: Duration::ZERO,
            elapsed: Duration::ZERO,
            outcome: Outcome::Ret(ret),
            partial: false,
            timed_out: false,
            kind: Kind::Complete,
            created: Vec::new(),
            explain: String::new(),
            data: None,
            datagram: None,
        }
    }

    #[test]
    fn a_run_is_told_by_its_first_three_and_a_count() {
        let mut r = Repeats::default();
        let shown: Vec<bool> = (1..=6).map(|s| r.show(&result(s, 1000))).collect();
        assert_eq!(shown, [true, true, true, false, false, false]);
        assert_eq!(
            r.flush().as_deref(),
            Some("      … 3 more alike: U1 sendto(1000)")
        );
        assert_eq!(r.flush(), None);
        // A different result breaks the run.
        assert!(r.show(&result(7, 1000)));
        assert!(r.show(&result(8, 5)));
        assert!(r.show(&result(9, 1000)));
    }
}
