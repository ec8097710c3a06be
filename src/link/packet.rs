//! What the link passes on: whole IPv4 packets. Anything else read from a
//! device is counted as malformed and dropped.

/// Whether `p` is a whole IPv4 packet: version 4, a header of at least 20
/// bytes inside it, and a total length that is the bytes read.
pub fn is_whole_ipv4(p: &[u8]) -> bool {
    if p.len() < 20 || p[0] >> 4 != 4 {
        return false;
    }
    let header = usize::from(p[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
    header >= 20 && header <= total && total == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_ipv4_packets_pass() {
        let mut p = vec![0u8; 40];
        p[0] = 0x45;
        p[3] = 40;
        assert!(is_whole_ipv4(&p));
        assert!(!is_whole_ipv4(&p[..39]), "cut short");
        p[0] = 0x65;
        assert!(!is_whole_ipv4(&p), "IPv6");
        p[0] = 0x44;
        assert!(!is_whole_ipv4(&p), "header under 20 bytes");
        assert!(!is_whole_ipv4(&[0x45]), "one byte");
    }
}
