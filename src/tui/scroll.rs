//! A pane's scroll offset that keeps itself within what the pane holds:
//! each scrollable pane owns one, told how far its content lets it go once
//! per turn of the loop, so that no key can take it past its content and
//! a title that says "scrolled up N" is true.

/// How far a pane is scrolled from where it rests (0: the newest, or the
/// top), never past `max`: the content's rows beyond the pane's own.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    offset: usize,
    max: usize,
}

impl Scroll {
    /// How far it is scrolled.
    pub fn offset(self) -> usize {
        self.offset
    }

    /// The furthest it may go, as last measured.
    pub fn max(self) -> usize {
        self.max
    }

    /// Moves it by `delta` rows (positive: away from where it rests),
    /// within 0 and the furthest its content allows.
    pub fn by(&mut self, delta: isize) {
        self.offset = self.offset.saturating_add_signed(delta).min(self.max);
    }

    /// Puts it at `at`, within its content.
    pub fn set(&mut self, at: usize) {
        self.offset = at.min(self.max);
    }

    /// Back where it rests.
    pub fn reset(&mut self) {
        self.offset = 0;
    }

    /// Its content now lets it go `max` rows at most: an offset past that
    /// comes back to it.
    pub fn fit(&mut self, max: usize) {
        self.max = max;
        self.offset = self.offset.min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::Scroll;

    #[test]
    fn an_offset_stays_within_its_content() {
        let mut s = Scroll::default();
        s.fit(3);
        for _ in 0..10 {
            s.by(5);
        }
        assert_eq!(s.offset(), 3);
        s.by(-1);
        assert_eq!(s.offset(), 2);
        s.by(isize::MIN);
        assert_eq!(s.offset(), 0);
        s.set(99);
        assert_eq!(s.offset(), 3);
        // Content that shrinks brings the offset back with it.
        s.fit(1);
        assert_eq!(s.offset(), 1);
    }
}
