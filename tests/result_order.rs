//! A script's `wait` ends only once the screen has the results it waited
//! for: an `expect` on a result that follows it is never shown before the
//! call it read, even when the lab's worker finished the call before its
//! result reached the App.

mod common;

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::tui::app;
use sockplay::lab::{Call, LabEvent};
use sockplay::script::parse_script;
use sockplay::tui::app::{App, Msg};
use sockplay::tui::log::Entry;

/// Delivers the lab's events, except those `hold` picks, and ticks, until
/// `done` or 10 s; returns the events held back.
fn pump(
    app: &mut App,
    rx: &Receiver<LabEvent>,
    hold: impl Fn(&LabEvent) -> bool,
    mut done: impl FnMut(&App) -> bool,
) -> Vec<LabEvent> {
    let mut held = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(app) && Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(20)) {
            if hold(&e) {
                held.push(e);
            } else {
                app.update(Msg::Lab(e));
            }
        }
        app.update(Msg::Tick(Instant::now()));
    }
    held
}

fn is_second_recv(e: &LabEvent) -> bool {
    let LabEvent::Finished(r) = e;
    r.call == Call::Recv && r.sock.to_string() == "A1" && r.seq > 5
}

#[test]
fn an_expect_after_wait_shows_after_the_result_it_read() {
    // The wait (the script's 8th line) must not end while the result is held.
    expect_follows_its_result("wait A1\nexpect A1 ret=2\n", 8);
}

#[test]
fn an_expect_without_wait_does_not_read_an_older_result() {
    // The sleep lets the recv finish in the lab (it needs microseconds)
    // before the expect first looks.
    expect_follows_its_result("sleep 1s\nexpect A1 ret=2 within 5s\n", 9);
}

/// Plays a script whose end is `tail`, holding back the second recv's
/// result once the first `started` lines have begun, and checks that the
/// player stays there and the `expect` in `tail` neither passes while it
/// is held nor shows before it.
fn expect_follows_its_result(tail: &str, started: usize) {
    let (mut app, rx) = app();
    // The first recv returns 2; the second blocks until "cd" comes, and
    // returns 2 as well: an expect that read the first would pass too.
    let script = format!(
        "listen\nconnect L1\naccept L1\nsend C1 \"ab\"\nrecv A1 2\nrecv A1 2\nsend C1 \"cd\"\n{tail}"
    );
    app.play("order", parse_script(&script).unwrap(), false);
    let expects = |a: &App| {
        a.log
            .entries()
            .iter()
            .filter(|e| matches!(e, Entry::Expect(_)))
            .count()
    };
    // The second recv's result is held back, as a busy App would hold it
    // in its channel, until well after its worker has finished it and the
    // expect has begun to look.
    let mut finished_at = None;
    let held = pump(&mut app, &rx, is_second_recv, |a| {
        let there = a.script.as_ref().unwrap().player.position() >= started;
        if there && a.lab.pending_all() == 0 && a.lab.sockets().len() == 3 {
            let t = *finished_at.get_or_insert_with(Instant::now);
            return t.elapsed() > Duration::from_millis(500);
        }
        false
    });
    assert_eq!(held.len(), 1, "the second recv finished in the lab");
    assert_eq!(
        app.script.as_ref().unwrap().player.position(),
        started,
        "the script waits where it was"
    );
    assert_eq!(
        expects(&app),
        0,
        "the expect ran before the App had A1's result: {:?}",
        app.log.entries()
    );
    for e in held {
        app.update(Msg::Lab(e));
    }
    pump(&mut app, &rx, |_| false, |a| expects(a) == 1);
    let entries: Vec<&Entry> = app.log.entries().iter().collect();
    let op = entries
        .iter()
        .position(
            |e| matches!(e, Entry::Op(r) if is_second_recv(&LabEvent::Finished((**r).clone()))),
        )
        .expect("the second recv's result");
    let expect = entries
        .iter()
        .position(|e| matches!(e, Entry::Expect(r) if r.ok))
        .expect("the expect held");
    assert!(op < expect, "{entries:?}");
}

#[test]
fn a_blocked_loop_shows_before_the_steps_it_made() {
    // recvall's first recv returns the 2 bytes queued at once, within the
    // settling time; the loop is told blocked only after it, waiting for
    // the rest. Its line must still come first, as its number does.
    let (mut app, rx) = app();
    let script = "listen\nconnect L1\naccept L1\nwait L1\nsend C1 \"ab\"\nexpect A1 recvq=2\nrecvall A1 4\nsleep 300ms\n";
    app.play("loop order", parse_script(script).unwrap(), false);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let entries: Vec<&Entry> = app.log.entries().iter().collect();
    let blocked = entries
        .iter()
        .position(|e| matches!(e, Entry::Blocked(c) if c.call == Call::RecvAll))
        .unwrap_or_else(|| panic!("recvall told blocked: {entries:?}"));
    let step = entries
        .iter()
        .position(
            |e| matches!(e, Entry::Op(r) if r.part_of.is_some() && r.outcome.ret() == Some(2)),
        )
        .unwrap_or_else(|| panic!("recvall's first recv: {entries:?}"));
    assert!(blocked < step, "{entries:?}");
    let Entry::Blocked(c) = entries[blocked] else {
        unreachable!()
    };
    let Entry::Op(r) = entries[step] else {
        unreachable!()
    };
    assert_eq!(r.part_of, Some(c.seq), "the step is the loop's");
}

#[test]
fn a_loop_that_ends_at_once_is_listed_before_its_steps() {
    // recvall finds its 4 bytes queued: its one recv (the next number)
    // ends first; the loop's line still comes before it, as its number
    // does, and says nothing of order.
    let (mut app, rx) = app();
    let script = "listen\nconnect L1\naccept L1\nwait L1\nsend C1 \"abcd\"\nexpect A1 recvq=4\nrecvall A1 4\nsleep 300ms\n";
    app.play("loop at once", parse_script(script).unwrap(), false);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let ops: Vec<(u64, Option<u64>)> = app
        .log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Op(r) => Some((r.seq, r.part_of)),
            _ => None,
        })
        .collect();
    let (step, lp) = ops
        .iter()
        .find_map(|(s, p)| p.map(|p| (*s, p)))
        .unwrap_or_else(|| panic!("recvall's step: {ops:?}"));
    let at = |s: u64| {
        ops.iter()
            .position(|(q, _)| *q == s)
            .unwrap_or_else(|| panic!("#{s} listed: {ops:?}"))
    };
    assert!(at(lp) < at(step), "the loop first: {ops:?}");
    assert_eq!(app.log.overtaken_by(lp), None, "in order: nothing said");
}

#[test]
fn a_call_listed_after_a_later_one_says_so() {
    // recvall waits for 4 bytes; 2 come, then a listen is made and ends,
    // then the other 2: the loop ends after the listen, numbered after it,
    // and its line says it ended after later calls (its own steps do not
    // count).
    let (mut app, rx) = app();
    let script = "listen\nconnect L1\naccept L1\nwait L1\nrecvall A1 4\nsend C1 \"ab\"\nsleep 300ms\nlisten\nsleep 300ms\nsend C1 \"cd\"\nwait A1\nsleep 300ms\n";
    app.play("overtaken", parse_script(script).unwrap(), false);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let all = app.log.entries().iter().find_map(|e| match e {
        Entry::Op(r) if r.call == Call::RecvAll => Some(r.seq),
        _ => None,
    });
    let lp = all.unwrap_or_else(|| panic!("recvall's result: {:?}", app.log.entries()));
    let listen = app
        .log
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Op(r) if r.call == Call::Listen => Some(r.seq),
            _ => None,
        })
        .max()
        .unwrap();
    let after = app.log.overtaken_by(lp);
    assert!(
        after.is_some_and(|a| a >= listen),
        "{after:?}, listen #{listen}"
    );
    let screen = common::tui::render(&mut app, 120, 40);
    assert!(screen.contains("· ended after later calls"), "{screen}");
}

#[test]
fn a_call_told_blocked_no_longer_says_so_once_it_has_ended() {
    // recv waits for bytes that come only after it was told blocked: while
    // it waits its line says it is in the kernel; once it has returned,
    // that line says it ended since, and its result is listed below.
    let (mut app, rx) = app();
    let script = "listen\nconnect L1\naccept L1\nwait L1\nrecv A1 4\nsleep 500ms\n";
    app.play("blocked", parse_script(script).unwrap(), false);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let screen = common::tui::render(&mut app, 120, 40);
    assert!(screen.contains("[blocked] still in the kernel"), "{screen}");
    let script = "send C1 \"ab\"\nwait A1\nsleep 300ms\n";
    app.play("ended", parse_script(script).unwrap(), false);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let recv = app.log.entries().iter().find_map(|e| match e {
        Entry::Op(r) if r.call == Call::Recv => Some(r.seq),
        _ => None,
    });
    assert!(recv.is_some_and(|s| app.log.has_ended(s)), "{recv:?}");
    let screen = common::tui::render(&mut app, 120, 40);
    assert!(!screen.contains("still in the kernel"), "{screen}");
    assert!(
        screen.contains("[blocked] at first; ended since, its result further down"),
        "{screen}"
    );
}

#[test]
fn a_blocked_call_whose_result_comes_next_is_one_line() {
    // In a lesson, whose waits draw nothing, a recv with a time-out
    // blocks, then times out with nothing drawn between: its result right
    // under "[blocked] at first" would say it twice.
    let (mut app, rx) = app();
    let script = "listen\nconnect L1\naccept L1\nwait L1\nset A1 timeout=500ms\nrecv A1 4\nwait A1\nsleep 300ms\n";
    app.play("timed out", parse_script(script).unwrap(), true);
    pump(
        &mut app,
        &rx,
        |_| false,
        |a| a.script.as_ref().unwrap().done,
    );
    let told = app
        .log
        .entries()
        .iter()
        .any(|e| matches!(e, Entry::Blocked(b) if b.call == Call::Recv));
    assert!(told, "the recv was told blocked: {:?}", app.log.entries());
    let screen = common::tui::render(&mut app, 120, 40);
    assert!(!screen.contains("ended since"), "{screen}");
    let lines = screen.lines().filter(|l| l.contains("A1  recv(4)")).count();
    assert_eq!(lines, 1, "{screen}");
    assert!(screen.contains("timed out"), "{screen}");
}
