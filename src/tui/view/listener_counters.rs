//! The counters under the listeners, in the words that fit the pane:
//! the accept queue's (`overflows +21 · all drops +21`) and the SYN
//! queue's (`cookies +3 back +1 · syn-q full→drops +2`), on one row or
//! two.

/// The accept queue's counters as separate fields (`overflows +21 · all
/// drops +21`): ListenDrops counts every SYN a listener dropped, whatever
/// the cause, so it is "all drops", apart from the SYN queue's own
/// (`full→drop`, TCPReqQFullDrop) beside it. As the figures grow, each
/// moves against its word (`overflows+120 · all drops+120`, then two
/// spaces between them, never a lone space that runs the two together)
/// before the
/// label would lose its "all" (a bare "drops" takes as many columns), so
/// that a lesson's counter keeps its name while it counts. The drops,
/// which mostly repeat the overflows, give way when both do not fit in
/// `width`.
pub(super) fn overflow_counts(c: &crate::kernel::Counters, width: u16) -> String {
    let (o, d) = (c.listen_overflows, c.listen_drops);
    [
        format!("overflows +{o} · all drops +{d}"),
        format!("overflows+{o} · all drops+{d}"),
        format!("overflows+{o}  all drops+{d}"),
    ]
    .into_iter()
    .find(|f| f.chars().count() <= usize::from(width))
    .unwrap_or_else(|| format!("overflows +{o}"))
}

/// The counters of the SYN queue that moved, in the longest wording that
/// fits `width`: `cookies +3 back +1 · syn-q full→drops +2 · defer +2`, or
/// `SYN cookie +3 back +1 full→drop +2`, or `SYN cookie+3 back+1
/// full→drop+2`, or without `SYN`; `None` while none has. A SYN the full
/// SYN queue dropped (TCPReqQFullDrop) is `full→drop`, as the gauge above
/// writes what a full queue does, never a bare "drop" under the accept
/// queue's "all drops".
pub(super) fn syn_counters(c: &crate::kernel::Counters, width: usize) -> Option<String> {
    let fields = syn_fields(c);
    if fields.is_empty() {
        return None;
    }
    Some(fields_in(&fields, width))
}

/// The SYN queue's counters that moved, each in a long and a short word;
/// a counter still at 0 is left out, but cookies sent and come back go
/// together ("cookies +3 back +0").
fn syn_fields(c: &crate::kernel::Counters) -> Vec<(&'static str, &'static str, u64)> {
    [
        ("cookies", "cookie", c.reqq_full_do_cookies),
        ("back", "back", c.syncookies_recv),
        ("bad", "bad", c.syncookies_failed),
        ("syn-q full→drops", "full→drop", c.reqq_full_drop),
        ("defer", "defer", c.defer_accept_drop),
    ]
    .into_iter()
    .enumerate()
    .filter(|(i, (_, _, n))| *n > 0 || (*i < 2 && c.reqq_full_do_cookies + c.syncookies_recv > 0))
    .map(|(_, f)| f)
    .collect()
}

/// The SYN queue's counters on two rows, where one does not hold them:
/// the cookies' on the first, what the full queue and defer_accept
/// dropped on the second, each in the longest wording that fits `width`.
pub(super) fn syn_counter_halves(c: &crate::kernel::Counters, width: usize) -> Vec<String> {
    let (cookies, drops): (Vec<_>, Vec<_>) = syn_fields(c)
        .into_iter()
        .partition(|(w, _, _)| matches!(*w, "cookies" | "back" | "bad"));
    [cookies, drops]
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| fields_in(f, width))
        .collect()
}

/// `fields` in the longest wording that fits `width`; where none does,
/// as many whole fields as fit, the SYN queue's own drops and the
/// cookies first, then "…" for the rest.
fn fields_in(fields: &[(&str, &str, u64)], width: usize) -> String {
    // Long: the cookies' pair together, the others apart.
    let mut long = String::new();
    for (i, (w, _, n)) in fields.iter().enumerate() {
        let sep = match (i, *w) {
            (0, _) => "",
            (_, "back") => " ",
            _ => " · ",
        };
        long.push_str(&format!("{sep}{w} +{n}"));
    }
    let short = format!(
        "SYN {}",
        fields
            .iter()
            .map(|(_, w, n)| format!("{w} +{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Narrower still (80 columns): each figure against its word.
    let shorter = format!(
        "SYN {}",
        fields
            .iter()
            .map(|(_, w, n)| format!("{w}+{n}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Narrowest: the row under the SYN queue's gauge says whose they are.
    let bare = shorter.trim_start_matches("SYN ").to_string();
    [long, short, shorter, bare]
        .into_iter()
        .find(|f| f.chars().count() <= width)
        .unwrap_or_else(|| {
            // What the full queue did first: cookies sent, SYNs dropped.
            let mut first: Vec<&(&str, &str, u64)> = fields.iter().collect();
            first.sort_by_key(|(_, w, _)| match *w {
                "cookie" => 0,
                "full→drop" => 1,
                _ => 2,
            });
            let mut out = String::new();
            for (_, w, n) in first {
                let field = format!("{w}+{n}");
                let sep = usize::from(!out.is_empty());
                if out.chars().count() + sep + field.chars().count() + 1 > width {
                    break;
                }
                if sep == 1 {
                    out.push(' ');
                }
                out.push_str(&field);
            }
            out.push('…');
            out
        })
}

#[cfg(test)]
mod tests {
    use super::{overflow_counts, syn_counter_halves, syn_counters};

    #[test]
    fn the_drops_keep_their_label_as_the_figures_grow() {
        let c = |n| crate::kernel::Counters {
            listen_overflows: n,
            listen_drops: n,
            ..Default::default()
        };
        // The listeners pane of a lesson at 100×30 (30 columns) and at
        // 80×24 (28): backlog counts from 24 to 120 and more.
        assert_eq!(overflow_counts(&c(24), 30), "overflows +24 · all drops +24");
        assert_eq!(
            overflow_counts(&c(120), 30),
            "overflows+120 · all drops+120"
        );
        assert_eq!(overflow_counts(&c(24), 28), "overflows+24 · all drops+24");
        assert_eq!(overflow_counts(&c(120), 28), "overflows+120  all drops+120");
        assert_eq!(overflow_counts(&c(120), 27), "overflows +120");
        assert_eq!(overflow_counts(&c(12000), 28), "overflows +12000");
    }

    #[test]
    fn syn_counters_that_do_not_fit_keep_the_full_queue_s_first() {
        let c = crate::kernel::Counters {
            reqq_full_do_cookies: 17,
            syncookies_recv: 2,
            reqq_full_drop: 12,
            defer_accept_drop: 2,
            ..Default::default()
        };
        // A lesson's 80×24 listeners pane: 28 columns, no room for a
        // second row of them.
        assert_eq!(
            syn_counters(&c, 28).as_deref(),
            Some("cookie+17 full→drop+12…")
        );
        assert_eq!(
            syn_counter_halves(&c, 28),
            ["cookies +17 back +2", "SYN full→drop +12 defer +2"]
        );
        let few = crate::kernel::Counters {
            reqq_full_do_cookies: 5,
            syncookies_recv: 2,
            reqq_full_drop: 17,
            ..Default::default()
        };
        assert_eq!(
            syn_counters(&few, 28).as_deref(),
            Some("cookie+5 back+2 full→drop+17")
        );
    }
}
