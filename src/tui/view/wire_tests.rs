//! The wire pane's rows and legend, drawn from made-up segments.

use super::legend;

use crate::lab::{Call, Role, SockName};
use crate::tui::wire_pane::Ladder;
use crate::wire::Segment;
use crate::wire::fold::{Bulk, Row};
use crate::wire::segment::CallRef;

/// A segment from `from` to `to` at `ms` since the lab began.
fn seg(ms: u64, from: SockName, to: SockName, len: u32, win: u32) -> Segment {
    crate::wire::segment::between(ms, from, to, len, win)
}

/// The ladder's rows as text, drawn `w` columns wide.
fn rows(ladder: &Ladder, w: usize) -> Vec<String> {
    let (lab, _rx) = crate::lab::Lab::new();
    let app = crate::tui::app::App::new(
        lab,
        crate::tui::theme::Theme::new(false),
        crate::kernel::KernelReader::live(),
    );
    super::ladder_lines(&app, ladder, w)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.to_string()).collect())
        .collect()
}

/// A folded run of `data` segments from C1 to A1 that begins at segment
/// `first`.
fn run(first: usize, data: usize, bytes: u64, window: Option<(u32, u32)>) -> Row {
    Row::Bulk(Bulk {
        first,
        last: first,
        data,
        acks: 1,
        bytes,
        window,
        cause: Some(CallRef {
            seq: 59,
            call: Call::SendAll,
        }),
        in_flight: 0,
    })
}

/// A folded run on the lab's link at 100×30 read "10 data segments,
/// 14 KB, window 67 KB → 9", its last figure cut by the pane's edge:
/// where the row does not fit, the call then the window give way, never
/// a figure.
#[test]
fn a_folded_run_gives_up_its_call_then_its_window_rather_than_be_cut() {
    let (c2, a2) = (
        SockName::new(Role::Client, 2),
        SockName::new(Role::Accepted, 2),
    );
    let ladder = Ladder {
        segments: vec![seg(30_364, c2, a2, 1448, 65536)],
        rows: vec![run(0, 10, 14480, Some((68608, 97280)))],
    };
    let wide = &rows(&ladder, 80)[0];
    assert!(wide.ends_with("win 67k → 95k  #59 sendall"), "{wide}");
    let narrow = &rows(&ladder, 58)[0];
    assert!(
        narrow.ends_with("10 data segments, 14.1k, A2 win 67k → 95k"),
        "{narrow}"
    );
    let narrower = &rows(&ladder, 50)[0];
    assert!(narrower.ends_with("10 data segments, 14.1k"), "{narrower}");
    assert!(narrower.chars().count() <= 50, "{narrower}");
}

/// Past 100 s a time takes a column more: in the ladder's 60 columns (its
/// half of a 100- or 80-column screen) a window update that follows call
/// #62 read "←#6", another call, and a run of data lost the window that
/// shows it closing again. Now no row, at any width, shows a figure or a
/// call's number that its whole drawing does not: it gives up blanks
/// first, then whole fields.
#[test]
fn a_row_past_100_s_shows_its_figures_whole_or_not_at_all() {
    let (c1, a1) = (
        SockName::new(Role::Client, 1),
        SockName::new(Role::Accepted, 1),
    );
    let mut probe = seg(30_288, c1, a1, 0, 64_512);
    probe.kernel = Some(crate::wire::Kernel::ZeroWindowProbe);
    let mut update = seg(101_603, a1, c1, 0, 35_942);
    update.kernel = Some(crate::wire::Kernel::WindowUpdate);
    update.after = Some(CallRef {
        seq: 62,
        call: Call::Recv,
    });
    let data = seg(101_603, c1, a1, 1448, 64_512);
    let ladder = Ladder {
        segments: vec![probe, update, data],
        rows: vec![
            Row::One(0),
            Row::One(1),
            run(2, 34, 48_128, Some((12_186, 0))),
        ],
    };
    let at_60 = rows(&ladder, 60);
    assert!(at_60[0].starts_with(" 30.288  C1 ──▶ A1"), "{at_60:#?}");
    assert!(at_60[1].ends_with("window update ←#62"), "{at_60:#?}");
    assert!(
        at_60[2].ends_with("34 data segments, 47k, A1 win 11.9k → 0"),
        "{at_60:#?}"
    );
    let words = |r: &str| -> Vec<String> { r.split_whitespace().map(String::from).collect() };
    let whole: Vec<Vec<String>> = rows(&ladder, 1000).iter().map(|r| words(r)).collect();
    for w in 20..=100 {
        for (row, all) in rows(&ladder, w).iter().zip(&whole) {
            assert!(row.chars().count() <= w, "{w}: {row}");
            for word in words(row) {
                let with_comma = format!("{word},");
                assert!(
                    all.contains(&word) || all.contains(&with_comma),
                    "{w}: \"{word}\" of \"{row}\" is not in {all:?}"
                );
            }
        }
    }
}

fn flags(f: &[&str]) -> Vec<String> {
    f.iter().map(ToString::to_string).collect()
}

/// A reset written `R.` is explained as written, beside the SYN it
/// answers: a legend of `R RST` alone leaves `R.` unsaid.
#[test]
fn the_legend_explains_each_flag_as_the_rows_write_it() {
    assert_eq!(
        legend(&flags(&["S", "R."]), 58),
        "S SYN · R. RST+ACK · times: s since the lab began"
    );
    assert_eq!(legend(&flags(&["S", "R."]), 30), "S SYN · R. RST+ACK");
    assert_eq!(
        legend(&flags(&["F.", ".", "P.", "S.", "S"]), 58),
        "S SYN · S. SYN-ACK · . ACK · P. data · F. FIN+ACK"
    );
}

/// Where the flags in sight do not fit, each letter is said, so that
/// every combination can be read from them; nothing is cut.
#[test]
fn a_narrow_legend_says_the_letters() {
    let many = flags(&["S", "S.", ".", "P.", "F.", "FP.", "R.", "R"]);
    let l = legend(&many, 58);
    assert_eq!(l, "S SYN · F FIN · R RST · P data · . ACK, as in S. R.");
    assert_eq!(legend(&many, 40), "S SYN · F FIN · R RST · P data · . ACK");
    assert_eq!(legend(&many, 10), "");
}
