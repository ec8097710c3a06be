//! What the live screen writes to: the terminal, and with `--record FILE`
//! an asciicast of the same bytes, one event per flush, with a resize
//! event whenever the terminal changed size.

use std::fs::File;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::cast::Cast;

/// The terminal's output, recorded when asked.
pub struct Screen {
    out: Stdout,
    recording: Shared,
}

/// A recording, held by the screen while it draws and by whoever started
/// it, to finish it at the end.
pub type Shared = Arc<Mutex<Option<Recording>>>;

/// A recording under way.
pub struct Recording {
    cast: Cast<BufWriter<File>>,
    path: PathBuf,
    /// The first error writing it: the recording stopped there.
    failed: Option<io::Error>,
}

impl Recording {
    /// Creates `path` for a recording of a `size` terminal called `title`;
    /// an error names the file.
    pub fn create(path: &Path, size: (u16, u16), title: &str) -> anyhow::Result<Recording> {
        let file =
            File::create(path).map_err(|e| anyhow::anyhow!("--record {}: {e}", path.display()))?;
        let cast = Cast::new(BufWriter::new(file), size, title, true)?;
        Ok(Recording {
            cast,
            path: path.to_path_buf(),
            failed: None,
        })
    }

    /// Writes the end of the recording; an error names the file.
    pub fn finish(mut self) -> anyhow::Result<PathBuf> {
        let path = self.path.clone();
        let said = |e: io::Error| anyhow::anyhow!("--record {}: {e}", path.display());
        if let Some(e) = self.failed.take() {
            return Err(said(e));
        }
        let _ = self.cast.write_all(b"\x1b[0m\x1b[?25h");
        self.cast.finish().map_err(said)?;
        Ok(self.path)
    }

    fn keep(&mut self, f: impl FnOnce(&mut Cast<BufWriter<File>>) -> io::Result<()>) {
        if self.failed.is_none()
            && let Err(e) = f(&mut self.cast)
        {
            self.failed = Some(e);
        }
    }
}

impl Screen {
    /// The terminal's standard output, and a recording of it while
    /// `recording` holds one.
    pub fn new(recording: Shared) -> Screen {
        Screen {
            out: io::stdout(),
            recording,
        }
    }
}

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        let mut recording = self.recording.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = recording.as_mut() {
            r.keep(|c| c.write_all(&buf[..n]));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut recording = self.recording.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = recording.as_mut() {
            if let Ok((w, h)) = crossterm::terminal::size() {
                r.keep(|c| c.resized(w, h));
            }
            r.keep(|c| c.flush());
        }
        self.out.flush()
    }
}
