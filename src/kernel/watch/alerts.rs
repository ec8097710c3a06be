//! Alerts a person notices: the listen counters moved while a watched
//! listener's queue was full, said in words with the time of day.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;

use crate::kernel::proc::Counters;
use crate::lab::SockName;

/// One alert, kept for the screen and written as a JSON `event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// 1, 2, 3 … in the order they were raised.
    pub seq: u64,
    /// When, since the watch began.
    #[serde(serialize_with = "secs")]
    pub t: Duration,
    /// When, as the local time of day (`14:02:11`).
    pub at: String,
    /// What happened: `accept-queue-full`, `syn-queue-full` or `syn-cookies`.
    pub kind: &'static str,
    /// The listener it happened at, when one watched listener was full.
    pub socket: Option<SockName>,
    /// How many SYNs (or final ACKs) it met.
    pub count: u64,
    /// The sentence (`accept queue full: 12 SYNs dropped at 14:02:11`).
    pub text: String,
}

fn secs<S: serde::Serializer>(t: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((t.as_secs_f64() * 1e6).round() / 1e6)
}

/// How many alerts are kept.
const KEEP: usize = 8;

/// The alerts raised so far (the last few), and the counters last seen.
#[derive(Debug, Default)]
pub struct Alerts {
    last: Option<Counters>,
    seq: u64,
    kept: VecDeque<Alert>,
}

/// What the watched listeners looked like at a sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fullness {
    /// A watched listener whose accept queue holds more than its backlog.
    pub accept_full: Option<SockName>,
    /// A watched listener whose SYN queue is at its limit.
    pub syn_full: Option<SockName>,
    /// Any watched listener at all.
    pub any: Option<SockName>,
}

impl Alerts {
    /// Compares the counters with the last sample's and raises an alert
    /// for each that moved while a watched listener was full (the
    /// counters are the namespace's: other listeners count too).
    pub fn sample(&mut self, now: Counters, full: Fullness, was: Fullness, t: Duration) {
        let Some(last) = self.last.replace(now) else {
            return;
        };
        let at = time_of_day();
        let accept = full.accept_full.or(was.accept_full);
        let overflows = now.listen_overflows.saturating_sub(last.listen_overflows);
        if overflows > 0 && accept.is_some() {
            let text = format!("accept queue full: {overflows} SYNs dropped at {at}");
            self.raise(t, &at, "accept-queue-full", accept, overflows, text);
        }
        let syn = full.syn_full.or(was.syn_full).or(full.any);
        let dropped = now.reqq_full_drop.saturating_sub(last.reqq_full_drop);
        if dropped > 0 && syn.is_some() {
            let text = format!("SYN queue full: {dropped} SYNs dropped at {at}");
            self.raise(t, &at, "syn-queue-full", syn, dropped, text);
        }
        let cookies = now
            .reqq_full_do_cookies
            .saturating_sub(last.reqq_full_do_cookies);
        if cookies > 0 && syn.is_some() {
            let text = format!("SYN queue full: {cookies} SYNs answered with cookies at {at}");
            self.raise(t, &at, "syn-cookies", syn, cookies, text);
        }
    }

    fn raise(
        &mut self,
        t: Duration,
        at: &str,
        kind: &'static str,
        socket: Option<SockName>,
        count: u64,
        text: String,
    ) {
        self.seq += 1;
        if self.kept.len() == KEEP {
            self.kept.pop_front();
        }
        self.kept.push_back(Alert {
            seq: self.seq,
            t,
            at: at.to_string(),
            kind,
            socket,
            count,
            text,
        });
    }

    /// The last alerts, oldest first.
    pub fn recent(&self) -> Vec<Alert> {
        self.kept.iter().cloned().collect()
    }
}

/// The local time of day, `HH:MM:SS`.
pub fn time_of_day() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = libc::time_t::try_from(now).unwrap_or(0);
    // SAFETY: a zeroed tm is a valid value of the plain C struct, and
    // localtime_r reads a valid time_t and fills the tm it is given (it is
    // the thread-safe form: no static buffer is shared).
    let local = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        (!libc::localtime_r(&t, &mut tm).is_null()).then_some(tm)
    };
    match local {
        Some(tm) => format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec),
        None => {
            let s = now % 86_400;
            format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Role;

    #[test]
    fn an_overflow_at_a_full_listener_is_said_with_its_count() {
        let s1 = SockName::new(Role::Watched, 1);
        let full = Fullness {
            accept_full: Some(s1),
            syn_full: None,
            any: Some(s1),
        };
        let mut a = Alerts::default();
        let c = |o: u64| Counters {
            listen_overflows: o,
            listen_drops: o,
            ..Counters::default()
        };
        a.sample(c(100), full, full, Duration::ZERO);
        assert!(a.recent().is_empty(), "the first sample only sets the base");
        a.sample(c(112), full, full, Duration::from_secs(1));
        let r = a.recent();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].count, 12);
        assert_eq!(r[0].socket, Some(s1));
        assert!(
            r[0].text
                .starts_with("accept queue full: 12 SYNs dropped at "),
            "{}",
            r[0].text
        );
        // Counters moved, no watched listener full: someone else's queue.
        a.sample(
            c(130),
            Fullness::default(),
            Fullness::default(),
            Duration::from_secs(2),
        );
        assert_eq!(a.recent().len(), 1);
    }
}
