//! `expect S FIELD=VALUE [within DURATION]`: what is checked, and how.

use std::time::Duration;

use crate::lab::{CallResult, SockName};

/// How long `expect` retries when no `within` is given.
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(2);

/// Fields read from the socket's last result.
pub const RESULT_FIELDS: &[&str] = &[
    "ret",
    "errno",
    "partial",
    "timed_out",
    "truncated",
    "datagram_len",
    "from",
    "elapsed",
];

/// What an `expect` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The socket.
    pub sock: SockName,
    /// The field's name (one of [`RESULT_FIELDS`] or of the kernel view's
    /// [`FIELDS`](crate::kernel::fields::FIELDS)).
    pub field: String,
    /// The value wanted, as written.
    pub want: String,
    /// How long to retry.
    pub within: Duration,
}

impl Expectation {
    /// Whether it is about segments on the wire (`expect packet`, `expect no
    /// packet`) rather than a socket.
    pub fn is_packet(&self) -> bool {
        self.field == "packet" || self.field == "no packet"
    }

    /// Whether the field is read from the last result rather than the kernel.
    pub fn on_result(&self) -> bool {
        RESULT_FIELDS.contains(&self.field.as_str())
    }

    /// The check as the script wrote it, after `expect `: `L1 accept_queue=3`,
    /// or `packet from=C1 flags=SYN` (`no packet …`) for a segment on the
    /// wire.
    pub fn text(&self) -> String {
        if self.is_packet() {
            format!("{} {}", self.field, self.want)
        } else {
            format!("{} {}={}", self.sock, self.field, self.want)
        }
    }
}

/// A field of a result, as `expect` compares it: `ret` is the count or
/// `null`, `errno` the name or `null`, the flags `true`/`false`.
pub fn result_field(result: &CallResult, field: &str) -> Option<String> {
    Some(match field {
        "ret" => result
            .outcome
            .ret()
            .map_or_else(|| "null".to_string(), |n| n.to_string()),
        "errno" => result
            .outcome
            .errno()
            .map_or_else(|| "null".to_string(), |e| e.name()),
        "partial" => result.partial.to_string(),
        "timed_out" => result.timed_out.to_string(),
        "truncated" => result
            .datagram
            .as_ref()
            .is_some_and(|d| d.truncated)
            .to_string(),
        "datagram_len" => result
            .datagram
            .as_ref()
            .map_or_else(|| "null".into(), |d| d.len.to_string()),
        // As the result line writes it (`43.6 ms`), so a note that quotes
        // it matches the screen.
        "elapsed" => super::transcript::elapsed_text(result.elapsed),
        "from" => match result.datagram.as_ref().filter(|d| d.received) {
            Some(d) => d
                .peer_name
                .map(|n| n.to_string())
                .or(d.peer.map(|a| a.to_string()))
                .unwrap_or_else(|| "null".into()),
            None => "null".into(),
        },
        _ => return None,
    })
}

/// Whether a value read matches the value wanted: equal as written, with
/// `none` standing for `null`, case ignored for names, and sizes (`4k`)
/// equal to their byte counts; `LOW..HIGH` (durations or numbers, either
/// end left open) holds for a value between them, ends included.
pub fn matches(want: &str, got: &str) -> bool {
    if want.eq_ignore_ascii_case(got) {
        return true;
    }
    if let Some((lo, hi)) = want.split_once("..") {
        return in_range(lo, hi, &got.replace(' ', ""));
    }
    let want_null = matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-");
    if want_null && got == "null" {
        return true;
    }
    if let (Ok(w), Ok(g)) = (super::units::size(want), got.parse::<u64>()) {
        return w == g;
    }
    // States may be written with '_' for '-' (SYN_SENT).
    want.replace('_', "-").eq_ignore_ascii_case(got)
}

/// Whether `got` lies between `lo` and `hi` (an empty end is open):
/// durations against a duration, numbers and sizes against a number.
fn in_range(lo: &str, hi: &str, got: &str) -> bool {
    fn within<T: PartialOrd>(lo: Option<T>, hi: Option<T>, got: T) -> bool {
        lo.is_none_or(|l| l <= got) && hi.is_none_or(|h| got <= h)
    }
    let end = |s: &str, parse: &dyn Fn(&str) -> Option<f64>| -> Result<Option<f64>, ()> {
        if s.is_empty() {
            Ok(None)
        } else {
            parse(s).map(Some).ok_or(())
        }
    };
    let duration = |s: &str| super::units::duration(s).ok().map(|d| d.as_secs_f64());
    let number = |s: &str| {
        s.parse::<f64>()
            .ok()
            .or_else(|| super::units::size(s).ok().map(|n| n as f64))
    };
    for parse in [&duration as &dyn Fn(&str) -> Option<f64>, &number] {
        if let (Ok(l), Ok(h), Some(g)) = (end(lo, parse), end(hi, parse), parse(got))
            && (l.is_some() || h.is_some())
        {
            return within(l, h, g);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_rules() {
        assert!(matches("3", "3"));
        assert!(matches("4k", "4096"));
        assert!(matches("none", "null"));
        assert!(matches("eagain", "EAGAIN"));
        assert!(matches("syn_sent", "SYN-SENT"));
        assert!(!matches("3", "4"));
        assert!(!matches("true", "false"));
    }

    #[test]
    fn ranges() {
        assert!(matches("30ms..100ms", "43.012ms"));
        assert!(matches("30ms..100ms", "43.6 ms"));
        assert!(matches("1s..3s", "2.00 s"));
        assert!(!matches("30ms..100ms", "4.012ms"));
        assert!(matches("2.5s..4s", "3012.5ms"));
        assert!(matches("50s..", "57.3s"));
        assert!(!matches("..50s", "57.3s"));
        assert!(matches("1..3", "2"));
        assert!(matches("1k..4k", "2048"));
        assert!(!matches("1..3", "4"));
        assert!(!matches("1..3", "null"));
        assert!(!matches("..", "2"));
        assert!(!matches("a..b", "a"));
    }
}
