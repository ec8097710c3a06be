//! The kernel view a `show` printed, over the whole screen: the same text
//! `sockplay run` prints, scrolled in App state and closed with Esc, q or
//! space. A lesson waits while it is open.

use super::app::{App, Mode};
use crate::script::ShowAt;

impl App {
    /// Shows `text` (a `show`'s kernel view) over the panes, from its top
    /// or with the part a lesson cites in sight (`show L1 counters`). A
    /// form or the help being filled in keeps the keyboard; the view is
    /// still in the results.
    pub(super) fn open_kernel_view(&mut self, text: String, at: ShowAt) {
        self.kernel_view = text;
        self.kernel_view_top.reset();
        self.kernel_view_at = at;
        self.kernel_view_taken = self.lab.elapsed();
        if matches!(self.mode, Mode::Normal | Mode::Show) {
            self.mode = Mode::Show;
        }
        self.dirty = true;
    }

    /// How long ago the kernel view was taken.
    pub fn kernel_view_age_now(&self) -> std::time::Duration {
        self.lab.elapsed().saturating_sub(self.kernel_view_taken)
    }

    /// Closes the kernel view; a lesson held under it goes on.
    pub fn close_kernel_view(&mut self) {
        if matches!(self.mode, Mode::Show) {
            self.mode = Mode::Normal;
            if let Some(s) = &mut self.script {
                s.view_closed();
            }
            self.dirty = true;
            self.advance(std::time::Instant::now());
        }
    }

    /// Scrolls the kernel view by `delta` lines (negative: up), from where
    /// it is drawn now, no further than shows its last line at the bottom.
    /// From then on the reader's offset holds, not the cited part.
    pub fn scroll_kernel_view(&mut self, delta: isize) {
        self.kernel_view_top.set(self.geometry.kernel_view_top);
        self.kernel_view_top.by(delta);
        self.kernel_view_at = ShowAt::Top;
        self.dirty = true;
    }
}
