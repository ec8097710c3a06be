//! Tab completion on the command line: commands, options and socket names,
//! and the usage hint for the command being typed.

use crate::kernel::fields;
use crate::script::expect::RESULT_FIELDS;
use crate::script::help::{self, COMMANDS};
use crate::script::parse::options_of;

/// The words that could follow what is typed: commands at the start, then
/// socket names, option keys and words the command takes.
pub fn candidates(line: &str, sockets: &[String]) -> Vec<String> {
    let ends_in_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    let (done, partial) = if ends_in_space || words.is_empty() {
        (words.as_slice(), "")
    } else {
        (&words[..words.len() - 1], words[words.len() - 1])
    };
    let options: Vec<String> = match done.first().map(|w| w.to_ascii_lowercase()) {
        None => COMMANDS.iter().map(|u| u.name.to_string()).collect(),
        Some(cmd) => {
            let mut v: Vec<String> = Vec::new();
            let wants_socket = done.len() == 1
                && cmd != "sleep"
                && cmd != "help"
                && cmd != "note"
                && cmd != "step"
                && cmd != "udp";
            if wants_socket {
                // accept and connect take a listener, or a UDP socket
                // (`connect U1 U2`, `accept U1` → EOPNOTSUPP); the datagram
                // calls take a UDP socket.
                let wanted: &[char] = match cmd.as_str() {
                    "accept" | "connect" => &['L', 'U'],
                    "sendto" | "recvfrom" => &['U'],
                    _ => &['L', 'C', 'A', 'U'],
                };
                v.extend(sockets.iter().filter(|s| s.starts_with(wanted)).cloned());
            }
            // A datagram's target: another UDP socket.
            let udp_connect = cmd == "connect"
                && done
                    .get(1)
                    .is_some_and(|w| w.to_ascii_uppercase().starts_with('U'));
            let udp_target = done.len() == 2 && (cmd == "sendto" || udp_connect);
            if udp_target {
                v.extend(sockets.iter().filter(|s| s.starts_with('U')).cloned());
            }
            // `connect U1 U2` takes no options; `connect L1` takes a count too.
            if cmd == "connect" && !udp_connect {
                v.push("x".to_string());
            }
            if !udp_connect {
                v.extend(options_of(&cmd).iter().map(|k| format!("{k}=")));
            }
            let extra: &[&str] = match cmd.as_str() {
                "accept" if done.len() >= 2 => &["all", "x"],
                "recv" | "recvfrom" if done.len() >= 3 => &["peek"],
                "sendto" if done.len() >= 4 => &["x"],
                "drain" if done.len() >= 2 => &["on", "off"],
                "shutdown" if done.len() >= 2 => &["read", "write", "both"],
                "close" if done.len() >= 2 => &["rst"],
                "help" => &[],
                _ => &[],
            };
            v.extend(extra.iter().map(|s| s.to_string()));
            if cmd == "help" && done.len() == 1 {
                v.extend(COMMANDS.iter().map(|u| u.name.to_string()));
            }
            if cmd == "expect" && done.len() >= 2 {
                v.extend(
                    RESULT_FIELDS
                        .iter()
                        .copied()
                        .chain(fields::names())
                        .map(|f| format!("{f}=")),
                );
            }
            if partial.starts_with("timeout=") {
                v = ["timeout=none", "timeout=0", "timeout=2s"]
                    .map(String::from)
                    .to_vec();
            }
            v
        }
    };
    let lower = partial.to_ascii_lowercase();
    options
        .into_iter()
        .filter(|o| o.to_ascii_lowercase().starts_with(&lower) && o.len() > partial.len())
        .collect()
}

/// Completes the last word as far as all candidates agree.
pub fn complete(line: &str, sockets: &[String]) -> Option<String> {
    let cands = candidates(line, sockets);
    let first = cands.first()?;
    let common = cands.iter().fold(first.clone(), |acc, c| {
        acc.chars()
            .zip(c.chars())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .map(|(a, _)| a)
            .collect()
    });
    let start = if line.ends_with(' ') || line.is_empty() {
        line.len()
    } else {
        line.rfind(' ').map_or(0, |i| i + 1)
    };
    let typed = &line[start..];
    if common.len() <= typed.len() {
        return None;
    }
    let space = cands.len() == 1 && !common.ends_with('=') && common != "x";
    Some(format!(
        "{}{common}{}",
        &line[..start],
        if space { " " } else { "" }
    ))
}

/// The usage of the command being typed, for the hint beside the line.
pub fn hint(line: &str) -> Option<&'static str> {
    let cmd = line.split_whitespace().next()?;
    help::usage(cmd).map(|u| u.usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn socks() -> Vec<String> {
        ["L1", "C1", "C2", "A1"].map(String::from).to_vec()
    }

    #[test]
    fn completes_commands_names_and_options() {
        assert_eq!(complete("lis", &socks()).as_deref(), Some("listen "));
        assert_eq!(complete("re", &socks()).as_deref(), Some("recv"));
        assert_eq!(complete("accept ", &socks()).as_deref(), Some("accept L1 "));
        assert_eq!(
            complete("send C", &socks()),
            None,
            "C1 and C2 agree on no more"
        );
        assert_eq!(
            complete("listen back", &socks()).as_deref(),
            Some("listen backlog=")
        );
        assert_eq!(
            complete("close C1 r", &socks()).as_deref(),
            Some("close C1 rst ")
        );
        assert_eq!(complete("zzz", &socks()), None);
        assert!(candidates("send C", &socks()).contains(&"C2".to_string()));
    }

    #[test]
    fn completes_udp_sockets_where_a_datagram_call_wants_one() {
        let socks: Vec<String> = ["L1", "C1", "U1", "U2"].map(String::from).to_vec();
        assert_eq!(candidates("sendto ", &socks), ["U1", "U2"]);
        assert_eq!(candidates("sendto U1 ", &socks), ["U1", "U2"]);
        assert_eq!(
            complete("recvfrom U2 16 p", &socks).as_deref(),
            Some("recvfrom U2 16 peek ")
        );
        assert_eq!(candidates("connect ", &socks)[..3], ["L1", "U1", "U2"]);
        assert_eq!(candidates("connect U1 ", &socks), ["U1", "U2"]);
        assert!(
            candidates("connect L1 ", &socks)
                .iter()
                .all(|c| !c.starts_with('U'))
        );
        assert_eq!(
            candidates("udp ", &socks),
            ["rcvbuf=", "sndbuf=", "timeout=", "rcvtimeo=", "sndtimeo="]
        );
    }

    #[test]
    fn hints_the_usage() {
        assert_eq!(hint("recv A1"), Some("recv S N [peek]"));
        assert_eq!(hint("nope"), None);
    }
}
