//! Socket names (`L1`, `C2`, `A3`).

use std::fmt;
use std::str::FromStr;

/// What kind of socket a name stands for; the letter of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A listening socket, made by `listen` (`L1`).
    Listener,
    /// A client socket, made by `connect` (`C1`).
    Client,
    /// A socket returned by `accept()` (`A1`).
    Accepted,
    /// A UDP socket, made by `udp` (`U1`).
    Udp,
    /// A socket of another process, seen by `watch` (`S1`): not the lab's.
    Watched,
}

impl Role {
    /// The letter that starts the names of sockets of this role.
    pub fn letter(self) -> char {
        match self {
            Role::Listener => 'L',
            Role::Client => 'C',
            Role::Accepted => 'A',
            Role::Udp => 'U',
            Role::Watched => 'S',
        }
    }

    /// The word used in the kernel view and the JSON contract.
    pub fn word(self) -> &'static str {
        match self {
            Role::Listener => "listener",
            Role::Client => "client",
            Role::Accepted => "accepted",
            Role::Udp => "udp",
            Role::Watched => "watched",
        }
    }
}

/// The name of a lab socket: a role and a number that is never reused in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SockName {
    /// Listener, client or accepted.
    pub role: Role,
    /// 1, 2, 3, … within the role.
    pub number: u32,
}

impl SockName {
    /// A name from its parts.
    pub const fn new(role: Role, number: u32) -> Self {
        SockName { role, number }
    }
}

impl fmt::Display for SockName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` so that width and alignment flags work in tables.
        f.pad(&format!("{}{}", self.role.letter(), self.number))
    }
}

impl serde::Serialize for SockName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Why a word is not a socket name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a socket name: expected L, C, A, U or S followed by a number (L1, C2, A3, U4, S5)"
)]
pub struct BadName(pub String);

impl FromStr for SockName {
    type Err = BadName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadName(s.to_string());
        let mut chars = s.chars();
        let role = match chars.next().map(|c| c.to_ascii_uppercase()) {
            Some('L') => Role::Listener,
            Some('C') => Role::Client,
            Some('A') => Role::Accepted,
            Some('U') => Role::Udp,
            Some('S') => Role::Watched,
            _ => return Err(bad()),
        };
        let digits = chars.as_str();
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(bad());
        }
        let number = digits.parse().map_err(|_| bad())?;
        Ok(SockName { role, number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in ["L1", "C2", "A30", "U4", "S5"] {
            assert_eq!(s.parse::<SockName>().unwrap().to_string(), s);
        }
        assert_eq!("c7".parse::<SockName>().unwrap().to_string(), "C7");
    }

    #[test]
    fn bad_names_are_refused() {
        for s in ["", "L", "X1", "L0", "L01", "L-1", "L1x", "L99999999999"] {
            assert!(s.parse::<SockName>().is_err(), "{s}");
        }
    }

    #[test]
    fn display_pads() {
        let n = SockName::new(Role::Client, 3);
        assert_eq!(format!("{n:<4}|"), "C3  |");
    }
}
