//! Asciicast v2 recordings of the screen, as asciinema and asciinema-player
//! play them: a header line (`version` 2, `width`, `height`, `title`), then
//! one `[time, "o", text]` line for each batch of bytes the screen wrote,
//! and `[time, "r", "WxH"]` when the terminal changed size.

use std::io::{self, Write};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A writer that the screen's backend writes to: it keeps the bytes and
/// writes them as one output event, on `flush` (a live session, frames as
/// the terminal gets them) or only when told (`frame`: one event a frame).
pub struct Cast<W: Write> {
    out: W,
    start: Instant,
    pending: Vec<u8>,
    on_flush: bool,
    size: (u16, u16),
    events: usize,
}

impl<W: Write> Cast<W> {
    /// Starts a recording of a `width`×`height` terminal: writes the
    /// header. `on_flush`: each flush of the backend is an event.
    pub fn new(
        mut out: W,
        (width, height): (u16, u16),
        title: &str,
        on_flush: bool,
    ) -> io::Result<Self> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": timestamp,
            "title": title,
            "env": {"TERM": "xterm-256color"},
        });
        writeln!(out, "{header}")?;
        // The screen starts blank, the cursor hidden, as the lab leaves it.
        let pending = b"\x1b[?25l\x1b[0m\x1b[2J\x1b[H".to_vec();
        Ok(Cast {
            out,
            start: Instant::now(),
            pending,
            on_flush,
            size: (width, height),
            events: 0,
        })
    }

    /// Writes what the screen wrote since the last event as one event.
    pub fn frame(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // Whole characters only: an incomplete one waits for the rest.
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        if whole == 0 {
            return Ok(());
        }
        let rest = self.pending.split_off(whole);
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending = rest;
        self.event("o", &text)
    }

    /// Says that the terminal is now `width`×`height`: the bytes not yet
    /// written were drawn for the new size, and follow this event.
    pub fn resized(&mut self, width: u16, height: u16) -> io::Result<()> {
        if (width, height) == self.size {
            return Ok(());
        }
        self.size = (width, height);
        self.event("r", &format!("{width}x{height}"))
    }

    /// How many events were written.
    pub fn events(&self) -> usize {
        self.events
    }

    /// Writes the last bytes and gives the writer back.
    pub fn finish(mut self) -> io::Result<W> {
        self.frame()?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn event(&mut self, kind: &str, data: &str) -> io::Result<()> {
        let t = self.start.elapsed().as_secs_f64();
        let data = serde_json::to_string(data).map_err(io::Error::other)?;
        writeln!(self.out, "[{t:.6}, \"{kind}\", {data}]")?;
        self.events += 1;
        if self.on_flush {
            self.out.flush()?;
        }
        Ok(())
    }
}

impl<W: Write> Write for Cast<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.on_flush { self.frame() } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_header_then_one_event_a_frame() {
        let mut cast = Cast::new(Vec::new(), (100, 30), "Backlog", false).unwrap();
        cast.write_all(b"\x1b[1;1Hhello").unwrap();
        cast.flush().unwrap();
        cast.write_all("·ok\"\n".as_bytes()).unwrap();
        cast.frame().unwrap();
        cast.resized(80, 24).unwrap();
        cast.frame().unwrap();
        let out = cast.finish().unwrap();
        let l = lines(&out);
        assert_eq!(l.len(), 3, "{l:?}");
        assert_eq!(l[0]["version"], 2);
        assert_eq!(l[0]["width"], 100);
        assert_eq!(l[0]["height"], 30);
        assert_eq!(l[0]["title"], "Backlog");
        assert_eq!(l[1][1], "o");
        assert_eq!(
            l[1][2],
            "\x1b[?25l\x1b[0m\x1b[2J\x1b[H\x1b[1;1Hhello·ok\"\n"
        );
        assert_eq!(l[2], serde_json::json!([l[2][0], "r", "80x24"]));
        assert!(l[1][0].as_f64().unwrap() <= l[2][0].as_f64().unwrap());
    }

    #[test]
    fn a_character_cut_in_two_waits_for_its_end() {
        let mut cast = Cast::new(Vec::new(), (10, 2), "t", true).unwrap();
        let dot = "·".as_bytes();
        cast.write_all(&dot[..1]).unwrap();
        cast.flush().unwrap();
        cast.write_all(&dot[1..]).unwrap();
        cast.flush().unwrap();
        let l = lines(&cast.finish().unwrap());
        assert_eq!(l.len(), 3, "{l:?}");
        assert_eq!(l[1][2], "\x1b[?25l\x1b[0m\x1b[2J\x1b[H");
        assert_eq!(l[2][2], "·");
    }
}
