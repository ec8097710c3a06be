//! The screen's geometry as the last layout measured it: where each pane
//! is and how far each scrollable pane's content reaches. Measured once
//! per turn of the loop (before a frame is drawn, and so after a resize)
//! and handed to the App, which keeps its selections and scroll offsets
//! within it; the App never works geometry out for itself.

use super::layout::Areas;

/// What the layout measured for the App's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// The screen's size it was measured at.
    pub size: (u16, u16),
    /// Where each pane is.
    pub areas: Areas,
    /// How many connection rows the connections pane shows.
    pub conn_rows: usize,
    /// How many listeners the listeners pane shows.
    pub listener_rows: usize,
    /// The rows PgUp/PgDn move by: as many as the pane they scroll shows
    /// (the kernel view over the panes, the wire, or the results).
    pub page: usize,
    /// The furthest the results scroll up: their lines beyond the pane's rows.
    pub results_max: usize,
    /// The furthest the wire's ladder scrolls up.
    pub wire_max: usize,
    /// The furthest the narration scrolls back: its rows beyond the pane's.
    pub narration_max: usize,
    /// The kernel view's first line drawn now (the part a lesson cites,
    /// until the reader scrolls).
    pub kernel_view_top: usize,
    /// The furthest the kernel view scrolls down: its last line at the bottom.
    pub kernel_view_max: usize,
}

impl Default for Geometry {
    fn default() -> Self {
        let size = super::layout::MIN_SIZE;
        Geometry {
            size,
            areas: Areas::of(size.0, size.1, false),
            conn_rows: 1,
            listener_rows: 1,
            page: 1,
            results_max: 0,
            wire_max: 0,
            narration_max: 0,
            kernel_view_top: 0,
            kernel_view_max: 0,
        }
    }
}
