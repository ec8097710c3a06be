//! Slow motion on real sockets: `sendall … rate=` and `drain … on rate=`
//! move their bytes in paced calls, no faster than asked, and every byte
//! still arrives.

mod common;

use std::time::Duration;

#[test]
fn a_paced_sendall_sends_a_quarter_second_at_a_time_from_the_first_byte() {
    let run = common::run(
        "listen\nconnect L1\naccept L1\ndrain A1 on\nsendall C1 8k rate=16k/s\nwait C1 10s\nexpect C1 ret=8192\nexpect A1 bytes_received=8192\ndrain A1 off\n",
    );
    run.assert_ok();
    let all = run.call("C1", "sendall");
    // 16k/s is 4 KiB a quarter second: two steps, the first due 0.25 s in
    // (its last byte's time), the second 0.5 s in.
    let steps: Vec<_> = run
        .calls("C1", "send")
        .into_iter()
        .filter(|r| r.part_of == Some(all.seq))
        .collect();
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert!(steps.iter().all(|s| s.outcome.ret() == Some(4096)));
    assert!(all.elapsed >= Duration::from_millis(490), "{all:?}");
    // No step ran ahead of the rate: by each one's end, at most 16 KiB a
    // second since the loop began.
    let began = all.t.saturating_sub(all.elapsed);
    let mut moved = 0u64;
    for s in &steps {
        moved += s.outcome.ret().unwrap();
        let since = s.t.saturating_sub(began).as_secs_f64();
        assert!(
            moved as f64 <= 16384.0 * (since + 0.02),
            "{moved} by {since}: {steps:#?}"
        );
    }
}

#[test]
fn a_paced_drain_reads_slowly_so_the_receive_queue_stays_full_for_a_while() {
    // 64 KiB queued, read at 32 KiB/s: after 0.5 s a good part is still queued.
    let (run, recvq) = common::live(
        "listen\nconnect L1\naccept L1\nsend C1 64k\nexpect A1 recvq=65536\ndrain A1 on rate=32k/s\nsleep 500ms\n",
        |runner| {
            let snap = runner.snapshot().unwrap();
            let a1 = snap.socket("A1".parse().unwrap()).unwrap();
            a1.recvq().unwrap_or(0)
        },
    );
    run.assert_ok();
    // Against the kernel's own count: FIONREAD says bytes are still waiting.
    assert!(recvq > 0 && recvq < 65536, "recvq {recvq}");
}

/// The flow-control lesson's receiver fills slowly enough to watch: its
/// first step, run as the lesson runs it, takes at least 8 s from the
/// sendall's start to a zero window (the rate holds from the first byte).
#[test]
fn the_flow_control_lessons_buffer_takes_eight_seconds_to_fill() {
    let lesson = sockplay::script::lessons::find("flow-control").unwrap();
    let first: String = lesson
        .text
        .lines()
        .skip_while(|l| !l.starts_with("step "))
        .skip(1)
        .take_while(|l| !l.starts_with("step "))
        .filter(|l| !l.starts_with("expect packet"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(first.contains("sendall C1") && first.contains("expect C1 snd_wnd=0"));
    let path = std::env::temp_dir().join(format!("sockplay-fill-{}.sp", std::process::id()));
    std::fs::write(&path, &first).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sendall = lines
        .iter()
        .find(|v| v["type"] == "blocked" && v["call"] == "sendall")
        .expect("the sendall is still sending when the step goes on");
    // The blocked record comes a settling time after the call began.
    let began = sendall["t"].as_f64().unwrap() - 0.2;
    let full = lines
        .iter()
        .find(|v| v["type"] == "expect" && v["field"] == "snd_wnd")
        .unwrap();
    assert_eq!(full["ok"], true, "{full}");
    let took = full["t"].as_f64().unwrap() - began;
    assert!(
        took >= 8.0,
        "the window closed {took:.1} s after the sendall began"
    );
}

/// A paced sendall waits between its steps by choice, not for the kernel:
/// its line says paced, not blocked, and so does the kernel view while it
/// waits for its rate.
#[test]
fn a_paced_sendall_is_told_as_paced_not_blocked() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"listen\nconnect L1\naccept L1\ndrain A1 on\nsendall C1 8k rate=4k/s\nsleep 600ms\nshow C1\nwait C1 5s\ndrain A1 off\n",
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("sendall(8192)      …"))
        .unwrap_or_else(|| panic!("no line for the running sendall:\n{text}"));
    assert!(
        line.contains("[paced]") && !line.contains("blocked"),
        "{line}"
    );
    assert!(text.contains("in flight: sendall(8.0k) "), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("in flight: sendall(8.0k)") && l.trim_end().ends_with("paced")),
        "{text}"
    );
}

/// A recv loop that runs on before and after the bytes come says when
/// they came: its own time is how long it ran until it was stopped, which
/// a class would read as the transfer's.
#[test]
fn a_recv_loop_says_when_its_bytes_came_not_only_when_it_stopped() {
    let run = common::run(
        "listen\nconnect L1\naccept L1\ndrain A1 on\nsleep 500ms\nsend C1 8k\nexpect A1 bytes_received=8192 within 2s\nsleep 1s\ndrain A1 off\nwait A1\n",
    );
    run.assert_ok();
    let drain = run.call("A1", "drain");
    assert!(drain.elapsed >= Duration::from_millis(1500), "{drain:?}");
    let seconds = |t: &str| match t.split_once(' ') {
        Some((v, "ms")) => v.parse::<f64>().unwrap() / 1000.0,
        Some((v, "s")) => v.parse::<f64>().unwrap(),
        _ => panic!("{t}: {}", drain.explain),
    };
    let (head, after) = drain
        .explain
        .split_once(", bytes from ")
        .unwrap_or_else(|| panic!("no time of the bytes told: {}", drain.explain));
    assert!(head.starts_with("read 8192 bytes in "), "{}", drain.explain);
    let (times, rest) = after.split_once(';').unwrap();
    // Its times count from the loop's start, as the sentence says.
    let times = times
        .strip_suffix(" after the loop began")
        .unwrap_or_else(|| panic!("the times' base not told: {}", drain.explain));
    assert_eq!(rest, " drain off", "{}", drain.explain);
    let (first, last) = times.split_once(" to ").unwrap();
    let (first, last) = (seconds(first), seconds(last));
    // The bytes came half a second in, at once; the loop ran on for the
    // second slept after them.
    let ran = drain.elapsed.as_secs_f64();
    assert!(
        (0.45..1.2).contains(&first),
        "first {first}: {}",
        drain.explain
    );
    assert!(first <= last && last - first < 0.5, "{}", drain.explain);
    assert!(
        last + 0.8 < ran,
        "last {last}, ran {ran}: {}",
        drain.explain
    );
}

/// Bytes queued before the loop starts need only the time of the last.
#[test]
fn a_recv_loop_over_bytes_already_queued_says_when_the_last_came() {
    let run = common::run(
        "listen\nconnect L1\naccept L1\nsend C1 8k\nexpect A1 recvq=8192\ndrain A1 on\nsleep 1s\ndrain A1 off\nwait A1\n",
    );
    run.assert_ok();
    let drain = run.call("A1", "drain");
    assert!(
        drain.explain.starts_with("read 8192 bytes in ")
            && drain.explain.contains(" recv calls, the last at ")
            && drain.explain.ends_with("; drain off"),
        "{}",
        drain.explain
    );
}
