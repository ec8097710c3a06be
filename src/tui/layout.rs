//! Where each pane goes, for drawing and for mouse hits alike.

use ratatui::layout::{Constraint, Layout, Rect};

/// Rows each listener takes in the listeners pane.
pub const ROWS_PER_LISTENER: usize = 6;

/// The smallest terminal the layout works in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// The fewest rows the results pane keeps while a lesson plays, borders
/// included: four results in sight.
pub const LESSON_RESULTS: u16 = 6;

/// The areas of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Lesson narration, when a lesson plays.
    pub narration: Option<Rect>,
    /// Listeners and accept queues.
    pub listeners: Rect,
    /// The connections table.
    pub connections: Rect,
    /// The selected connection's byte path and charts.
    pub selected: Rect,
    /// The results log.
    pub results: Rect,
    /// The lab's own link on one row, above the results, when the lab is
    /// on one (see [`Areas::with_pipe`]).
    pub pipe: Option<Rect>,
    /// The command line.
    pub command: Rect,
    /// The status line.
    pub status: Rect,
}

impl Areas {
    /// The areas for a terminal of `w`×`h`.
    pub fn of(w: u16, h: u16, lesson: bool) -> Areas {
        Areas::with_command(w, h, lesson, 1)
    }

    /// The areas for a terminal of `w`×`h` whose command line takes
    /// `command_rows` rows (a long error is shown whole).
    pub fn with_command(w: u16, h: u16, lesson: bool, command_rows: u16) -> Areas {
        Areas::with_narration(w, h, lesson.then_some(u16::MAX), command_rows)
    }

    /// The areas for a terminal of `w`×`h`, with a lesson's narration
    /// pane as high as its `text_rows` need (within what the panes below
    /// leave it: at 100×30 up to 8 rows of text, at 80×24 up to 5), and
    /// `command_rows` for the command line (none: folded away).
    pub fn with_narration(w: u16, h: u16, text_rows: Option<u16>, command_rows: u16) -> Areas {
        let full = Rect::new(0, 0, w, h);
        let lesson = text_rows.is_some();
        // A lesson on a small screen: the listeners and connections keep
        // a heading and four rows, the path of a byte its one line.
        let (top_h, sel_h) = match (lesson, h < 30) {
            (true, true) => (7, 3),
            (true, false) => ((h * 3 / 11).max(8), (h / 7).max(4)),
            _ => ((h * 3 / 10).max(9), (h / 5).max(6)),
        };
        // The narration takes what its text needs of the room the other
        // panes leave, keeping the results four rows of text: the calls a
        // note talks about stay in sight (a result often takes two).
        let results_h = if lesson { LESSON_RESULTS } else { 3 };
        let command_h = if lesson {
            command_rows
        } else {
            command_rows.max(1)
        };
        let room = h.saturating_sub(top_h + sel_h + results_h + command_h + 1);
        let narration_h = text_rows.map_or(0, |rows| rows.saturating_add(2).clamp(4, room.max(4)));
        let [narration, top, selected, results, command, status] = Layout::vertical([
            Constraint::Length(narration_h),
            Constraint::Length(top_h),
            Constraint::Length(sel_h),
            Constraint::Min(results_h),
            Constraint::Length(command_h),
            Constraint::Length(1),
        ])
        .areas(full);
        // Narrow screens give the listeners a fixed width and the rest to
        // connections; at 80 columns just enough that the connections keep
        // name, state, mode, both queues and the call in flight.
        let left = if w < 100 {
            Constraint::Length(30)
        } else if w < 120 {
            Constraint::Length(32)
        } else {
            Constraint::Percentage(36)
        };
        let [listeners, connections] = Layout::horizontal([left, Constraint::Min(40)]).areas(top);
        Areas {
            narration: lesson.then_some(narration),
            listeners,
            connections,
            selected,
            results,
            pipe: None,
            command,
            status,
        }
    }

    /// These areas with a row for the link under the listeners and the
    /// connections, which give it while they keep a heading and three rows
    /// (the results and the wire keep theirs).
    pub fn with_pipe(mut self) -> Areas {
        let top = self.listeners;
        if top.height >= 7 {
            self.pipe = Some(Rect::new(
                top.x,
                top.y + top.height - 1,
                top.width + self.connections.width,
                1,
            ));
            self.listeners.height -= 1;
            self.connections.height -= 1;
        }
        self
    }
}
