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
/// equal to their byte counts.
pub fn matches(want: &str, got: &str) -> bool {
    if want.eq_ignore_ascii_case(got) {
        return true;
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
}
