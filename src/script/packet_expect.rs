//! `expect packet FIELD=VALUE … [within D]`: a segment on the wire, seen
//! since the current step began, that matches every field; and `expect no
//! packet …`: none such, from the step's beginning until D has passed.

use std::time::Duration;

use crate::wire::Segment;

/// The fields `expect packet` may check.
pub const PACKET_FIELDS: &[&str] = &[
    "from", "to", "flags", "win", "len", "kernel", "cause", "seq", "ack",
];

/// What an `expect packet` looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketExpect {
    /// Each field and the value wanted, as written.
    pub fields: Vec<(String, String)>,
    /// How long to wait for it; for an absence, how long to watch.
    pub within: Duration,
    /// `expect no packet`: the check holds when no such segment came.
    pub absent: bool,
}

/// Words compared loosely: case, and `-`/`_` for spaces (`window-update`).
fn words(s: &str) -> String {
    s.to_ascii_lowercase().replace(['-', '_'], " ")
}

/// A set of flags as written: `SYN+ACK`, `FIN,ACK`, `S.`, `none`.
fn flag_set(s: &str) -> Option<u8> {
    use crate::wire::parse::flag;
    if s.eq_ignore_ascii_case("none") {
        return Some(0);
    }
    let mut bits = 0u8;
    let named: Vec<&str> = s.split(['+', ',', '|']).collect();
    if named.len() == 1
        && !s.chars().any(|c| c.is_ascii_lowercase())
        && s.len() <= 3
        && !matches!(
            s,
            "SYN" | "FIN" | "RST" | "PSH" | "ACK" | "URG" | "ECE" | "CWR"
        )
    {
        // tcpdump's letters: S F R P . U E W
        for c in s.chars() {
            bits |= match c {
                'S' => flag::SYN,
                'F' => flag::FIN,
                'R' => flag::RST,
                'P' => flag::PSH,
                '.' => flag::ACK,
                'U' => flag::URG,
                'E' => flag::ECE,
                'W' => flag::CWR,
                _ => return None,
            };
        }
        return Some(bits);
    }
    for n in named {
        bits |= match n.trim().to_ascii_uppercase().as_str() {
            "SYN" => flag::SYN,
            "FIN" => flag::FIN,
            "RST" => flag::RST,
            "PSH" => flag::PSH,
            "ACK" => flag::ACK,
            "URG" => flag::URG,
            "ECE" => flag::ECE,
            "CWR" => flag::CWR,
            _ => return None,
        };
    }
    Some(bits)
}

/// Checks one value as written; the error says what was expected.
pub fn check_value(field: &str, value: &str) -> Result<(), String> {
    match field {
        "flags" if flag_set(value).is_none() => Err(format!(
            "flags={value}: expected flag names joined by + (SYN+ACK, FIN+ACK, RST) or none"
        )),
        "win" | "len" | "seq" | "ack" if super::units::size(value).is_err() => {
            Err(format!("{field}={value}: expected a number of bytes"))
        }
        _ => Ok(()),
    }
}

fn name_matches(want: &str, got: Option<crate::lab::SockName>) -> bool {
    match got {
        Some(n) => n.to_string().eq_ignore_ascii_case(want),
        None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
    }
}

impl PacketExpect {
    /// Whether a segment has every field wanted.
    pub fn matches(&self, seg: &Segment) -> bool {
        self.fields.iter().all(|(field, want)| {
            let number = |got: u32| super::units::size(want).is_ok_and(|w| w == u64::from(got));
            match field.as_str() {
                "from" => name_matches(want, seg.from),
                "to" => name_matches(want, seg.to),
                "flags" => flag_set(want) == Some(seg.flags),
                "win" => number(seg.win),
                "len" => number(seg.len),
                "seq" => number(seg.seq),
                "ack" => number(seg.ack),
                "kernel" => match seg.kernel {
                    Some(k) => words(k.word()) == words(want),
                    None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
                },
                "cause" => match seg.cause {
                    Some(c) => {
                        want.trim_start_matches('#') == c.seq.to_string()
                            || want.eq_ignore_ascii_case(c.call.name())
                    }
                    None => matches!(want.to_ascii_lowercase().as_str(), "none" | "null" | "-"),
                },
                _ => false,
            }
        })
    }

    /// The lab socket it is about: its `from`, or else its `to`.
    pub fn sock(&self) -> Option<crate::lab::SockName> {
        ["from", "to"].iter().find_map(|want| {
            self.fields
                .iter()
                .find(|(f, _)| f == want)
                .and_then(|(_, v)| v.parse().ok())
        })
    }

    /// The name of the check, as the transcript shows it before the
    /// fields: `packet`, or `no packet`.
    pub fn kind(&self) -> &'static str {
        if self.absent { "no packet" } else { "packet" }
    }

    /// The fields as written: `from=A1 kernel=window-update`.
    pub fn want_text(&self) -> String {
        self.fields
            .iter()
            .map(|(f, v)| format!("{f}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_written_by_name_or_as_tcpdump_prints_them() {
        use crate::wire::parse::flag;
        assert_eq!(flag_set("SYN"), Some(flag::SYN));
        assert_eq!(flag_set("syn+ack"), Some(flag::SYN | flag::ACK));
        assert_eq!(flag_set("FIN,ACK"), Some(flag::FIN | flag::ACK));
        assert_eq!(flag_set("S."), Some(flag::SYN | flag::ACK));
        assert_eq!(flag_set("none"), Some(0));
        assert_eq!(flag_set("SYNACK"), None);
        assert!(check_value("win", "64k").is_ok());
        assert!(check_value("win", "wide").is_err());
    }
}
