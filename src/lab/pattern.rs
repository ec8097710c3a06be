//! The recognisable byte pattern that `send S SIZE` sends.
//!
//! Byte `i` of a socket's outgoing stream is `ALPHABET[i % 26]`, continuing
//! across calls, so a reader sees `abcdef…` and can tell where a piece began.

/// The repeating unit.
pub const ALPHABET: &[u8; 26] = b"abcdefghijklmnopqrstuvwxyz";

/// `len` bytes of the pattern, starting at stream offset `offset`.
pub fn bytes(offset: u64, len: usize) -> Vec<u8> {
    let start = (offset % ALPHABET.len() as u64) as usize;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&ALPHABET[start..start + (ALPHABET.len() - start).min(len)]);
    while out.len() < len {
        let n = (len - out.len()).min(ALPHABET.len());
        out.extend_from_slice(&ALPHABET[..n]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_continues_across_calls() {
        assert_eq!(bytes(0, 5), b"abcde");
        assert_eq!(bytes(5, 3), b"fgh");
        assert_eq!(bytes(25, 3), b"zab");
        let mut whole = bytes(0, 10);
        whole.extend(bytes(10, 40));
        assert_eq!(whole, bytes(0, 50));
    }
}
