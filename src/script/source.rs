//! Reading a script: bounded in size and line length, a regular file or
//! standard input, UTF-8 (a byte-order mark allowed), and every refusal in
//! one line that says where and what to do.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// The most a script may hold, in bytes: far more than any lesson, and
/// little enough to read and check at once.
pub const MAX_SCRIPT: usize = 1 << 20;

/// The longest line a script may have, in bytes.
pub const MAX_LINE: usize = 16 * 1024;

/// Why a script was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// Not a regular file (a device, a FIFO, a directory): what it is.
    NotAFile(&'static str),
    /// More than [`MAX_SCRIPT`] bytes.
    TooBig,
    /// A line longer than [`MAX_LINE`] bytes: its number.
    LineTooLong(usize),
    /// Bytes that are not UTF-8: the line, the column (in characters), the byte.
    NotUtf8 {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        col: usize,
        /// The first byte that is not UTF-8.
        byte: u8,
    },
    /// The system's error opening or reading it.
    Io(String),
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceError::NotAFile(what) => {
                write!(
                    f,
                    "is {what}, not a script file (give a file, or - for standard input)"
                )
            }
            SourceError::TooBig => write!(
                f,
                "more than {} KiB: a script is at most that long",
                MAX_SCRIPT / 1024
            ),
            SourceError::LineTooLong(n) => write!(
                f,
                "line {n}: longer than {} KiB: a line is at most that long",
                MAX_LINE / 1024
            ),
            SourceError::NotUtf8 { line, col, byte } => write!(
                f,
                "line {line}, column {col}: byte \\x{byte:02x} is not UTF-8 (a script is UTF-8 text; \\xNN inside a quoted text writes any byte)"
            ),
            SourceError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SourceError {}

/// Reads the script at `path` (`-`: standard input).
pub fn read(path: &Path) -> Result<String, SourceError> {
    if path.as_os_str() == "-" {
        return read_from(io::stdin().lock());
    }
    // Looked at before it is opened: opening a FIFO with no writer would
    // wait for one for ever.
    let meta = std::fs::metadata(path).map_err(|e| SourceError::Io(e.to_string()))?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(SourceError::NotAFile(kind_of(&kind)));
    }
    if meta.len() > MAX_SCRIPT as u64 {
        return Err(SourceError::TooBig);
    }
    let file = std::fs::File::open(path).map_err(|e| SourceError::Io(e.to_string()))?;
    read_from(file)
}

fn kind_of(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Reads at most [`MAX_SCRIPT`] bytes (one more tells it is too long),
/// then checks them as [`text`] does.
pub fn read_from(input: impl Read) -> Result<String, SourceError> {
    let mut bytes = Vec::new();
    input
        .take(MAX_SCRIPT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::Io(e.to_string()))?;
    if bytes.len() > MAX_SCRIPT {
        return Err(SourceError::TooBig);
    }
    text(bytes)
}

/// The bytes as a script's text: a leading byte-order mark dropped, lines
/// no longer than [`MAX_LINE`], and UTF-8 throughout (the first bad byte
/// said by line and column).
pub fn text(mut bytes: Vec<u8>) -> Result<String, SourceError> {
    if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.drain(..3);
    }
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.len() > MAX_LINE {
            return Err(SourceError::LineTooLong(i + 1));
        }
    }
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let before = &bytes[..at];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Valid up to `at`, so the part of the line before it is text.
        let col = std::str::from_utf8(&before[line_start..]).map_or(1, |s| s.chars().count() + 1);
        SourceError::NotUtf8 {
            line: before.iter().filter(|&&b| b == b'\n').count() + 1,
            col,
            byte: bytes[at],
        }
    })
}

/// Reads one line (without its `\n`) into `line`, keeping at most
/// [`MAX_LINE`] bytes: `Ok(false)` at the end of input, an error for a
/// longer line (the input is then left part way through it).
pub fn read_line(input: &mut impl io::BufRead, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(!line.is_empty());
        }
        let (part, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(p) => (&buf[..p], Some(p + 1)),
            None => (buf, None),
        };
        if line.len() + part.len() > MAX_LINE {
            return Err(io::Error::other(format!(
                "a line longer than {} KiB: a line is at most that long",
                MAX_LINE / 1024
            )));
        }
        line.extend_from_slice(part);
        let used = end.unwrap_or(buf.len());
        input.consume(used);
        if end.is_some() {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_and_bad_utf8_is_placed() {
        assert_eq!(text(b"\xef\xbb\xbflisten\n".to_vec()).unwrap(), "listen\n");
        let e = text(b"listen\nnote \"h\xc3\xa9\xff\"\n".to_vec()).unwrap_err();
        assert_eq!(
            e,
            SourceError::NotUtf8 {
                line: 2,
                col: 9,
                byte: 0xff
            }
        );
        assert!(
            e.to_string().starts_with("line 2, column 9: byte \\xff"),
            "{e}"
        );
    }

    #[test]
    fn lines_are_read_whole_and_bounded() {
        let mut input = io::BufReader::new(&b"one\ntwo"[..]);
        let mut line = Vec::new();
        assert!(read_line(&mut input, &mut line).unwrap());
        assert_eq!(line, b"one");
        assert!(read_line(&mut input, &mut line).unwrap());
        assert_eq!(line, b"two");
        assert!(!read_line(&mut input, &mut line).unwrap());
        let mut zeros = io::BufReader::new(io::repeat(0));
        assert!(read_line(&mut zeros, &mut line).is_err());
        assert!(line.len() <= MAX_LINE);
    }

    #[test]
    fn long_lines_and_long_scripts_are_refused() {
        let mut long = b"listen\n".to_vec();
        long.extend(std::iter::repeat_n(b'a', MAX_LINE + 1));
        assert_eq!(text(long), Err(SourceError::LineTooLong(2)));
        let big = std::io::repeat(b'\n').take(MAX_SCRIPT as u64 + 10);
        assert_eq!(read_from(big), Err(SourceError::TooBig));
        assert!(read_from(std::io::repeat(b'\n').take(MAX_SCRIPT as u64)).is_ok());
    }
}
