//! What `watch` looks at: a port, an address, or a process.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// The sockets a watch follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every socket whose local port is this one, on any address.
    Port(u16),
    /// Every socket whose local address is this one (or a wildcard
    /// listener of its port).
    Addr(SocketAddr),
    /// Every TCP and UDP socket of a process.
    Pid(u32),
}

/// Why a word is not a watch target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not something to watch: expected PORT, HOST:PORT, [::1]:PORT or pid=PID")]
pub struct BadTarget(pub String);

impl std::str::FromStr for Target {
    type Err = BadTarget;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTarget(s.to_string());
        if let Some(pid) = s.strip_prefix("pid=") {
            return match pid.parse::<u32>() {
                Ok(p) if p > 0 => Ok(Target::Pid(p)),
                _ => Err(bad()),
            };
        }
        if let Ok(port) = s.trim_start_matches(':').parse::<u16>() {
            return if port == 0 {
                Err(bad())
            } else {
                Ok(Target::Port(port))
            };
        }
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return if addr.port() == 0 {
                Err(bad())
            } else {
                Ok(Target::Addr(addr))
            };
        }
        // `localhost:8080`: the one name every machine knows.
        if let Some(port) = s
            .strip_prefix("localhost:")
            .and_then(|p| p.parse::<u16>().ok())
            && port != 0
        {
            return Ok(Target::Addr(SocketAddr::new(
                IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
                port,
            )));
        }
        Err(bad())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Port(p) => write!(f, ":{p}"),
            Target::Addr(a) => write!(f, "{a}"),
            Target::Pid(p) => write!(f, "pid {p}"),
        }
    }
}

impl Target {
    /// Whether a socket bound at `local` is one this target watches (for a
    /// port or address; a process's sockets are known by inode).
    pub fn holds(&self, local: SocketAddr) -> bool {
        match self {
            Target::Port(p) => local.port() == *p,
            Target::Addr(a) => {
                local.port() == a.port() && (local.ip() == a.ip() || local.ip().is_unspecified())
            }
            Target::Pid(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_form() {
        assert_eq!("8080".parse(), Ok(Target::Port(8080)));
        assert_eq!(":8080".parse(), Ok(Target::Port(8080)));
        assert_eq!(
            "127.0.0.1:80".parse(),
            Ok(Target::Addr("127.0.0.1:80".parse().unwrap()))
        );
        assert_eq!(
            "[::1]:80".parse(),
            Ok(Target::Addr("[::1]:80".parse().unwrap()))
        );
        assert_eq!(
            "localhost:80".parse(),
            Ok(Target::Addr("127.0.0.1:80".parse().unwrap()))
        );
        assert_eq!("pid=42".parse(), Ok(Target::Pid(42)));
        for bad in [
            "",
            "0",
            "70000",
            "pid=",
            "pid=0",
            "pid=x",
            "host:80",
            "1.2.3.4:0",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_address_holds_its_wildcard_listener() {
        let t: Target = "127.0.0.1:80".parse().unwrap();
        assert!(t.holds("0.0.0.0:80".parse().unwrap()));
        assert!(t.holds("127.0.0.1:80".parse().unwrap()));
        assert!(!t.holds("127.0.0.2:80".parse().unwrap()));
        assert!(!t.holds("127.0.0.1:81".parse().unwrap()));
    }
}
