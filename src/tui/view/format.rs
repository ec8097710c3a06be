//! Small formatting helpers shared by the panes.

/// 1536 → "1.5k", 3145728 → "3.0m": short sizes for narrow columns.
pub fn size(n: u64) -> String {
    crate::lab::command::format_size(n)
}

/// An optional size, "-" when absent.
pub fn opt_size(n: Option<u32>) -> String {
    n.map_or_else(|| "-".into(), |n| size(u64::from(n)))
}

/// A bar of `width` cells filled to `share` (0..=1).
pub fn bar(share: f64, width: usize) -> String {
    let share = share.clamp(0.0, 1.0);
    let full = (share * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(full),
        "░".repeat(width.saturating_sub(full))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_bars() {
        assert_eq!(size(100), "100");
        assert_eq!(size(1536), "1.5k");
        assert_eq!(size(3 << 20), "3.0m");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(2.0, 3), "███");
    }
}
