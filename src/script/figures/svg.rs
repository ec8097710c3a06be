//! A small SVG writer for the handout's figures: black, greys and white
//! only, lines told apart by dashes and marks rather than colour, so that a
//! figure prints as well as it shows; and axes with ticks, labels and units.

use std::fmt::Write;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// Width in pixels.
    pub width: f64,
    /// The dash pattern (`"6 3"`), or solid.
    pub dash: Option<&'static str>,
    /// Grey level, 0 black to 255 white.
    pub grey: u8,
}

impl Stroke {
    /// A solid black line.
    pub const SOLID: Stroke = Stroke {
        width: 1.5,
        dash: None,
        grey: 0,
    };
    /// A dashed black line.
    pub const DASHED: Stroke = Stroke {
        width: 1.5,
        dash: Some("7 4"),
        grey: 0,
    };
    /// A dotted black line.
    pub const DOTTED: Stroke = Stroke {
        width: 1.5,
        dash: Some("2 3"),
        grey: 0,
    };
    /// A thin grey line (grids).
    pub const GRID: Stroke = Stroke {
        width: 0.5,
        dash: None,
        grey: 200,
    };

    /// The same line, this wide.
    pub const fn wide(self, width: f64) -> Stroke {
        Stroke { width, ..self }
    }

    /// The same line, in this grey.
    pub const fn grey(self, grey: u8) -> Stroke {
        Stroke { grey, ..self }
    }

    fn attrs(self) -> String {
        let g = self.grey;
        let mut a = format!(
            r#"stroke="rgb({g},{g},{g})" stroke-width="{}" fill="none""#,
            self.width
        );
        if let Some(d) = self.dash {
            let _ = write!(a, r#" stroke-dasharray="{d}""#);
        }
        a
    }
}

/// Where a text stands against its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Its start at the point.
    Start,
    /// Its middle.
    Middle,
    /// Its end.
    End,
}

impl Anchor {
    fn name(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// An SVG picture being drawn.
pub struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    /// A white picture `width`×`height` pixels, titled for screen readers.
    pub fn new(width: f64, height: f64, title: &str) -> Svg {
        let mut body = String::new();
        let _ = writeln!(body, "<title>{}</title>", escape(title));
        let _ = writeln!(
            body,
            r#"<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>"#
        );
        Svg {
            width,
            height,
            body,
        }
    }

    /// A straight line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), s: Stroke) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {}/>"#,
            s.attrs()
        );
    }

    /// A line with an arrowhead at its end.
    pub fn arrow(&mut self, from: (f64, f64), to: (f64, f64), s: Stroke) {
        self.line(from, to, s);
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let (size, half) = (9.0, 4.0);
        let base = (to.0 - ux * size, to.1 - uy * size);
        let left = (base.0 - uy * half, base.1 + ux * half);
        let right = (base.0 + uy * half, base.1 - ux * half);
        let g = s.grey;
        let _ = writeln!(
            self.body,
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="rgb({g},{g},{g})"/>"#,
            to.0, to.1, left.0, left.1, right.0, right.1
        );
    }

    /// Joined straight lines.
    pub fn polyline(&mut self, points: &[(f64, f64)], s: Stroke) {
        if points.len() < 2 {
            return;
        }
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" {}/>"#,
            pts.join(" "),
            s.attrs()
        );
    }

    /// A circle, white inside, so it shows over lines.
    pub fn circle(&mut self, (x, y): (f64, f64), r: f64, s: Stroke) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" {} />"#,
            s.attrs().replace(r#"fill="none""#, r#"fill="white""#)
        );
    }

    /// A rectangle's outline.
    pub fn rect(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), s: Stroke) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {}/>"#,
            s.attrs()
        );
    }

    /// A text at a point, `size` pixels high; `bold` for titles.
    pub fn text(&mut self, (x, y): (f64, f64), text: &str, anchor: Anchor, size: f64, bold: bool) {
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{}"{weight}>{}</text>"#,
            anchor.name(),
            escape(text)
        );
    }

    /// A text turned a quarter left (a vertical axis's label).
    pub fn text_up(&mut self, (x, y): (f64, f64), text: &str, size: f64) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="middle" transform="rotate(-90 {x:.1} {y:.1})">{}</text>"#,
            escape(text)
        );
    }

    /// The SVG document.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// Text made safe inside an SVG element: markup characters escaped,
/// control characters written as `\xNN`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {
                let mut b = [0; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// A plot area and the ranges it shows.
#[derive(Debug, Clone, Copy)]
pub struct Axes {
    /// Left edge of the plot area, in pixels.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The values at the left and right edges.
    pub x: (f64, f64),
    /// The values at the bottom and top edges.
    pub y: (f64, f64),
}

impl Axes {
    /// Where the value `(x, y)` is drawn.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        let fx = (x - self.x.0) / (self.x.1 - self.x.0).max(1e-12);
        let fy = (y - self.y.0) / (self.y.1 - self.y.0).max(1e-12);
        (
            self.left + fx * self.width,
            self.top + self.height - fy * self.height,
        )
    }

    /// Draws the frame, a grid, ticks with their values (x in as many
    /// decimals as their spacing needs, y by `fmt_y`, at powers of two when
    /// `y_bytes`) and the axes' labels.
    pub fn draw(
        &self,
        svg: &mut Svg,
        (x_label, y_label): (&str, &str),
        fmt_y: impl Fn(f64) -> String,
        y_bytes: bool,
    ) {
        let bottom = self.top + self.height;
        let y_ticks = if y_bytes {
            byte_ticks(self.y.0, self.y.1)
        } else {
            ticks(self.y.0, self.y.1)
        };
        let x_ticks = ticks(self.x.0, self.x.1);
        // As many decimals as the ticks' spacing needs.
        let step = x_ticks.get(1).map_or(1.0, |b| b - x_ticks[0]);
        let decimals = (-step.log10().floor()).clamp(0.0, 6.0) as usize;
        for x in x_ticks {
            let (px, _) = self.at(x, self.y.0);
            svg.line((px, self.top), (px, bottom), Stroke::GRID);
            svg.line((px, bottom), (px, bottom + 5.0), Stroke::SOLID.wide(1.0));
            let label = format!("{x:.decimals$}");
            svg.text((px, bottom + 18.0), &label, Anchor::Middle, 12.0, false);
        }
        for y in y_ticks {
            let (_, py) = self.at(self.x.0, y);
            svg.line((self.left, py), (self.left + self.width, py), Stroke::GRID);
            svg.line(
                (self.left - 5.0, py),
                (self.left, py),
                Stroke::SOLID.wide(1.0),
            );
            svg.text(
                (self.left - 8.0, py + 4.0),
                &fmt_y(y),
                Anchor::End,
                12.0,
                false,
            );
        }
        svg.rect(
            (self.left, self.top),
            (self.width, self.height),
            Stroke::SOLID.wide(1.0),
        );
        svg.text(
            (self.left + self.width / 2.0, bottom + 38.0),
            x_label,
            Anchor::Middle,
            13.0,
            false,
        );
        svg.text_up(
            (self.left - 72.0, self.top + self.height / 2.0),
            y_label,
            13.0,
        );
    }
}

/// Round values between `lo` and `hi` for ticks: 1, 2 or 5 times a power
/// of ten apart, about five of them.
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| span / s <= 7.0)
        .unwrap_or(10.0 * power);
    let first = (lo / step).ceil() * step;
    (0..=20)
        .map(|i| first + i as f64 * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .collect()
}

/// Ticks for byte counts: a power of two apart (1 KiB, 16 KiB, …), about
/// five of them.
pub fn byte_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let mut step = 1.0;
    while span / step > 6.0 {
        step *= 2.0;
    }
    let first = (lo / step).ceil() * step;
    (0..=12)
        .map(|i| first + f64::from(i) * step)
        .take_while(|v| *v <= hi)
        .collect()
}

/// A byte count on an axis: `0`, `512`, `64 KiB`, `1.5 MiB`.
pub fn bytes_tick(v: f64) -> String {
    let v = v.max(0.0);
    if v >= 1024.0 * 1024.0 {
        format!("{} MiB", trim(v / (1024.0 * 1024.0)))
    } else if v >= 1024.0 {
        format!("{} KiB", trim(v / 1024.0))
    } else {
        format!("{}", v.round())
    }
}

/// A number with at most two decimals, trailing zeros cut.
pub fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            ticks(0.0, 1.0),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(ticks(3.0, 3.0), vec![3.0]);
        let t = ticks(0.0, 524_288.0);
        assert!(t.len() >= 3 && t.len() <= 8, "{t:?}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a<b & \"c\"\x1b"), "a&lt;b &amp; &quot;c&quot;\\x1b");
        assert_eq!(bytes_tick(65536.0), "64 KiB");
        assert_eq!(bytes_tick(1536.0 * 1024.0), "1.5 MiB");
        assert_eq!(bytes_tick(500.0), "500");
    }
}
