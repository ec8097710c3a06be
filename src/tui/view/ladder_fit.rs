//! A ladder row made to fit the wire pane, never cut: a row is a list of
//! cells (a field and the blanks around it). Where the row is too wide,
//! the blanks that only align the columns give way first, then fields the
//! caller can spare, whole, from the row's end. A row cut by the pane's
//! edge read "window update ←#6" for "←#62", another call's number.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// One field of a row and the blanks beside it.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The field as written.
    pub text: String,
    /// How it is drawn.
    pub style: Style,
    /// Blanks before it that right-align it: they may all go.
    pub lead: usize,
    /// Blanks after it.
    pub pad: usize,
    /// The fewest blanks after it that stay when the row is too wide.
    pub min: usize,
}

impl Cell {
    /// `text` left-aligned in `width` columns, followed by `gap` blanks
    /// of which `min` stay.
    pub fn left(
        text: impl Into<String>,
        style: Style,
        width: usize,
        gap: usize,
        min: usize,
    ) -> Self {
        let text = text.into();
        let pad = width.saturating_sub(Span::raw(text.as_str()).width()) + gap;
        Cell {
            text,
            style,
            lead: 0,
            pad,
            min: min.min(pad),
        }
    }

    /// `text` right-aligned in `width` columns, followed by `gap` blanks
    /// that stay.
    pub fn right(text: impl Into<String>, style: Style, width: usize, gap: usize) -> Self {
        let text = text.into();
        let lead = width.saturating_sub(Span::raw(text.as_str()).width());
        Cell {
            text,
            style,
            lead,
            pad: gap,
            min: gap,
        }
    }

    /// Its width, with the blanks after it or without.
    fn width(&self, trailing: bool) -> usize {
        self.lead + Span::raw(self.text.as_str()).width() + if trailing { self.pad } else { 0 }
    }
}

/// How wide `cells` draw: the blanks after the last one do not count.
fn width(cells: &[Cell]) -> usize {
    let n = cells.len();
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| c.width(i + 1 < n))
        .sum()
}

/// `cells` in at most `width` columns by taking blanks, in the order of
/// `give` (indices into `cells`; of each, the blanks after it down to its
/// `min`, then those before it); `None` where that is not enough.
pub fn squeeze(mut cells: Vec<Cell>, give: &[usize], width: usize) -> Option<Vec<Cell>> {
    for &i in give {
        let over = self::width(&cells).saturating_sub(width);
        let Some(c) = cells.get_mut(i).filter(|_| over > 0) else {
            continue;
        };
        let after = over.min(c.pad.saturating_sub(c.min));
        c.pad -= after;
        c.lead -= (over - after).min(c.lead);
    }
    (self::width(&cells) <= width).then_some(cells)
}

/// The first of `tries` that fits `width` once squeezed (see
/// [`squeeze`]); where none does, the last with whole cells left out
/// from its end until the rest fits.
pub fn first_fit(tries: Vec<Vec<Cell>>, give: &[usize], width: usize) -> Line<'static> {
    let mut last = Vec::new();
    for t in tries {
        last = t.clone();
        if let Some(cells) = squeeze(t, give, width) {
            return line(cells);
        }
    }
    while !last.is_empty() {
        last.pop();
        if let Some(cells) = squeeze(last.clone(), give, width) {
            return line(cells);
        }
    }
    Line::default()
}

/// The cells drawn, the blanks after the last one left out.
fn line(cells: Vec<Cell>) -> Line<'static> {
    let n = cells.len();
    let mut spans = Vec::new();
    for (i, c) in cells.into_iter().enumerate() {
        if c.lead > 0 {
            spans.push(Span::raw(" ".repeat(c.lead)));
        }
        spans.push(Span::styled(c.text, c.style));
        if i + 1 < n && c.pad > 0 {
            spans.push(Span::raw(" ".repeat(c.pad)));
        }
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line<'_>) -> String {
        l.spans.iter().map(|s| s.content.to_string()).collect()
    }

    /// A row one column too wide gives up an aligning blank, not the end
    /// of its last figure.
    #[test]
    fn blanks_go_before_a_figure_is_cut() {
        let s = Style::default();
        let row = vec![
            Cell::right("30.288", s, 7, 1),
            Cell::left("win 35.1k", s, 11, 0, 1),
            Cell::left("window update ←#62", s, 0, 0, 0),
        ];
        let wide = first_fit(vec![row.clone()], &[1, 0], 40);
        assert_eq!(text(&wide), " 30.288 win 35.1k  window update ←#62");
        let narrow = first_fit(vec![row.clone()], &[1, 0], 35);
        assert_eq!(text(&narrow), "30.288 win 35.1k window update ←#62");
        // Too narrow even so: the last field goes whole.
        let none = first_fit(vec![row], &[1, 0], 30);
        assert_eq!(text(&none), " 30.288 win 35.1k");
    }
}
