//! The recognisable byte pattern that `send S SIZE` sends.
//!
//! Byte `i` of a socket's outgoing stream is `ALPHABET[i % 26]`, continuing
//! across calls, so a reader sees `abcdef…` and can tell where a piece began.

/// The repeating unit.
pub const ALPHABET: &[u8; 26] = b"abcdefghijklmnopqrstuvwxyz";

/// `len` bytes of the pattern, starting at stream offset `offset`.
pub fn bytes(offset: u64, len: usize) -> Vec<u8> {
    let start = (offset % ALPHABET.len() as u64) as usize;
    let mut out = Vec::with_capacity(len + ALPHABET.len());
    out.extend_from_slice(&ALPHABET[start..]);
    out.extend_from_slice(&ALPHABET[..start]);
    // Doubling copies: the pattern repeats, so copy what is there.
    while out.len() < len {
        let n = out.len().min(len - out.len());
        out.extend_from_within(..n);
    }
    out.truncate(len);
    out
}

/// A buffer of the pattern from offset 0 that any stretch of up to `len`
/// bytes can be sliced from: see [`slice()`].
pub fn buffer(len: usize) -> Vec<u8> {
    bytes(0, len + ALPHABET.len())
}

/// One pattern buffer for the whole process, from which every `send` of up
/// to `len` bytes slices its bytes: twenty blocked sends of 16 MiB hold
/// 16 MiB between them, not 320. It grows (to a power of two, at most
/// [`MAX_CALL_BYTES`](super::MAX_CALL_BYTES)) when a larger send comes; a
/// send holds the buffer it began with until it ends.
pub fn shared(len: usize) -> std::sync::Arc<Vec<u8>> {
    static SHARED: std::sync::Mutex<Option<std::sync::Arc<Vec<u8>>>> = std::sync::Mutex::new(None);
    let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    match &*slot {
        Some(b) if b.len() >= len + ALPHABET.len() => std::sync::Arc::clone(b),
        _ => {
            let size = len
                .next_power_of_two()
                .clamp(4096, (super::MAX_CALL_BYTES as usize).max(len));
            let b = std::sync::Arc::new(buffer(size));
            *slot = Some(std::sync::Arc::clone(&b));
            b
        }
    }
}

/// `len` bytes of the pattern at stream offset `offset`, from a [`buffer`].
pub fn slice(buffer: &[u8], offset: u64, len: usize) -> &[u8] {
    let start = (offset % ALPHABET.len() as u64) as usize;
    &buffer[start..start + len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_of_a_buffer_are_the_pattern() {
        let buf = buffer(100);
        for offset in [0u64, 1, 25, 26, 27, 1_000_003] {
            assert_eq!(slice(&buf, offset, 100), bytes(offset, 100).as_slice());
        }
        assert_eq!(bytes(3, 0), b"");
        assert_eq!(bytes(0, 1 << 20).len(), 1 << 20);
    }

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
