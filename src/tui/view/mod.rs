//! Drawing: `draw(frame, &App)` only reads the App.

mod class_words;
pub mod connections;
mod format;
mod graph_axes;
pub mod kernel_view;
mod ladder_fit;
pub use super::layout;
mod listener_counters;
pub mod listeners;
pub mod narration;
mod overlay;
pub mod pipe;
mod results;
mod results_fit;
mod selected;
mod selected_listener;
mod selected_udp;
mod status;
pub mod wire;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::app::{App, Pane};
use super::geometry::Geometry;
use layout::{Areas, MIN_SIZE};

/// A pane's block, highlighted when it has focus.
pub(crate) fn block<'a>(app: &App, title: String, pane: Option<Pane>) -> Block<'a> {
    let focused =
        pane.is_some_and(|p| p == app.pane) && !matches!(app.mode, super::app::Mode::Command);
    let style = if focused {
        app.theme.focus()
    } else {
        app.theme.dim()
    };
    let marker = if focused { "▶ " } else { "" };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Line::styled(
            format!(" {marker}{title} "),
            app.theme.strong(),
        ))
}

/// The areas of a `w`×`h` screen for this App, for drawing and for the
/// mouse alike: the command line grows to show an error whole.
pub fn areas(app: &App, w: u16, h: u16) -> Areas {
    let lesson = app.in_lesson();
    // The narration's box takes two columns.
    let text_rows = lesson.then(|| narration::text_rows(app, w.saturating_sub(2)));
    let areas = Areas::with_narration(w, h, text_rows, status::command_rows(app, w, h));
    match app.snapshot.as_ref().is_some_and(|s| s.link.is_some()) {
        true => areas.with_pipe(),
        false => areas,
    }
}

/// The layout of the App's screen ([`App::size`]) for the next frame:
/// where each pane goes, and how far each scrollable pane's content
/// reaches. The loop hands it to the App once per turn
/// ([`crate::tui::settle`]); the App keeps its offsets within it.
pub fn measure(app: &App) -> Geometry {
    let (w, h) = app.size;
    let areas = areas(app, w, h);
    let screen = ratatui::layout::Rect::new(0, 0, w, h);
    let shown = kernel_view::area(app, screen);
    let showing = matches!(app.mode, super::app::Mode::Show);
    // What is not on screen is not measured: its offset rests at 0.
    let kv_lines = if showing {
        kernel_view::wrapped_whole(&app.kernel_view, shown.width.saturating_sub(2))
    } else {
        Vec::new()
    };
    let kv_rows = usize::from(shown.height.saturating_sub(2)).max(1);
    let wire_area = areas.selected.union(areas.results);
    let page = match app.mode {
        super::app::Mode::Show => shown,
        _ if app.wire.shown => wire_area,
        _ => areas.results,
    };
    Geometry {
        size: (w, h),
        areas,
        conn_rows: connections::visible_rows(areas.connections),
        listener_rows: listeners::visible_listeners(app, areas.listeners),
        page: usize::from(page.height.saturating_sub(2)).max(1),
        results_max: results::scroll_max(app, areas.results),
        wire_max: if app.wire.shown {
            wire::scroll_max(app, wire_area)
        } else {
            0
        },
        narration_max: areas
            .narration
            .map_or(0, |n| narration::hidden_rows(app, n)),
        kernel_view_top: kernel_view::top(app, &kv_lines, kv_rows),
        kernel_view_max: kv_lines.len().saturating_sub(kv_rows),
    }
}

/// Draws the whole screen, in the App's theme.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    draw_panes(frame, app);
    app.theme.paint(frame.buffer_mut());
}

fn draw_panes(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let text = format!(
            "sockplay needs a terminal of at least {}×{}; this one is {}×{}.\nEnlarge it, or press q to quit.",
            MIN_SIZE.0, MIN_SIZE.1, area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(text)
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = areas(app, area.width, area.height);
    if let Some(n) = areas.narration {
        narration::draw(frame, app, n);
    }
    listeners::draw(frame, app, areas.listeners);
    connections::draw(frame, app, areas.connections);
    if app.wire.shown {
        // The wire takes the selected pane's room and the results'.
        wire::draw(frame, app, areas.selected.union(areas.results));
    } else {
        selected::draw(frame, app, areas.selected);
        results::draw(frame, app, areas.results);
    }
    if let Some(p) = areas.pipe {
        pipe::draw(frame, app, p);
    }
    status::command_line(frame, app, areas.command);
    status::status_line(frame, app, areas.status);
    overlay::draw(frame, app, area);
}

/// A pane of the screen, to be drawn alone ([`draw_part`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Listeners and their queues.
    Listeners,
    /// The connections table.
    Connections,
    /// The selected socket.
    Selected,
    /// The results.
    Results,
    /// The kernel view over the screen (its area comes from the screen).
    KernelView,
    /// The lab's own link, one row without a border.
    Pipe,
    /// The wire pane's ladder, its rows of segments (the pane's left half;
    /// the graph beside it is drawn to its width).
    Ladder,
}

/// Draws one pane into `area` as the whole screen would: a pane drawn
/// far wider than the screen gives it shows its text unshortened, which
/// a test holds against what the screen drew.
pub fn draw_part(frame: &mut Frame<'_>, app: &App, part: Part, area: ratatui::layout::Rect) {
    match part {
        Part::Listeners => listeners::draw(frame, app, area),
        Part::Connections => connections::draw(frame, app, area),
        Part::Selected => selected::draw(frame, app, area),
        Part::Results => results::draw(frame, app, area),
        Part::KernelView => kernel_view::draw(frame, app, area),
        Part::Pipe => pipe::draw(frame, app, area),
        Part::Ladder => wire::draw_ladder(frame, app, area),
    }
}

/// Whether something over the panes (the kernel view, help, a form) is
/// drawn on row `y` of a `w`×`h` screen, hiding what is under it there.
pub fn covered(app: &App, w: u16, h: u16, y: u16) -> bool {
    match app.mode {
        super::app::Mode::Show => {
            let a = kernel_view::area(app, ratatui::layout::Rect::new(0, 0, w, h));
            y >= a.y && y < a.y + a.height
        }
        super::app::Mode::Help => true,
        _ => false,
    }
}
