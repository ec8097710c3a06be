//! A congestion control's name (`cubic`, `reno`, `bbr`): the one type for
//! what `congestion=NAME` asks of TCP_CONGESTION, what getsockopt reads back,
//! and what the kernel view reads from INET_DIAG_CONG.

/// A congestion control's name as the kernel knows it: at most 15 bytes
/// (TCP_CA_NAME_MAX less its NUL), kept inline so that options stay `Copy`
/// and the kernel view reads it for every socket on every tick without
/// allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Congestion {
    len: u8,
    bytes: [u8; 15],
}

impl Congestion {
    /// The name, if it can be one: 1 to 15 letters, digits, `_` or `-`.
    pub fn new(name: &str) -> Option<Congestion> {
        let b = name.as_bytes();
        let plain = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
        if b.is_empty() || b.len() > 15 || !b.iter().all(plain) {
            return None;
        }
        let mut bytes = [0; 15];
        bytes[..b.len()].copy_from_slice(b);
        Some(Congestion {
            len: b.len() as u8,
            bytes,
        })
    }

    /// From the kernel's NUL-terminated name (INET_DIAG_CONG,
    /// TCP_CONGESTION); `None` when empty or not a plain name.
    pub fn parse(b: &[u8]) -> Option<Congestion> {
        let b = b.split(|c| *c == 0).next().unwrap_or_default();
        Congestion::new(std::str::from_utf8(b).ok()?)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Only ASCII was let in.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl std::fmt::Debug for Congestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl std::fmt::Display for Congestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Congestion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_congestion_control_name_is_kept_whole_or_refused() {
        assert_eq!(
            Congestion::new("cubic").map(|c| c.to_string()),
            Some("cubic".into())
        );
        assert_eq!(Congestion::new("dctcp_x15chars").map(|c| c.len), Some(14));
        assert!(Congestion::new("").is_none());
        assert!(Congestion::new("sixteen_chars_xx").is_none());
        assert!(Congestion::new("no such").is_none());
        assert_eq!(Congestion::parse(b"bbr\0\0\0"), Congestion::new("bbr"));
        assert!(Congestion::parse(b"\0").is_none());
    }
}
