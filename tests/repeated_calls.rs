//! `sendto … xN` is N calls, each with its own number and result, but the
//! lab holds them as one loop on the socket's lane, not N queued calls:
//! right after the command the lane has at most one call pending, and the
//! results still come one per datagram, numbered in order, each the count
//! the kernel's sendto() returned.

use std::time::Duration;

use sockplay::lab::{Lab, LabEvent, Outcome, SockName};
use sockplay::script::{Statement, parse_line};

fn run(lab: &Lab, line: &str) -> Vec<sockplay::lab::Started> {
    let Ok(Some(Statement::Lab(cmd))) = parse_line(line) else {
        panic!("{line} is a lab command")
    };
    lab.execute(&cmd).unwrap()
}

#[test]
fn a_repeated_sendto_is_one_loop_with_a_result_per_datagram() {
    const N: u64 = 20_000;
    let (lab, rx) = Lab::new();
    run(&lab, "udp");
    run(&lab, "udp");
    let wait = |want: usize| {
        let mut got = Vec::new();
        while got.len() < want {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(LabEvent::Finished(r)) => got.push(r),
                Err(e) => panic!("{} of {want} results: {e}", got.len()),
            }
        }
        got
    };
    wait(2);
    let u2: SockName = "U2".parse().unwrap();
    let begun = run(&lab, &format!("sendto U2 U1 1 x{N}"));
    let pending = lab.pending(u2);
    assert_eq!(begun.len() as u64, N, "each datagram is a call of its own");
    assert!(
        pending <= 1,
        "{pending} calls queued on U2's lane for one sendto line"
    );
    let first = begun[0].seq;
    assert!(
        begun
            .iter()
            .enumerate()
            .all(|(i, s)| s.seq == first + i as u64)
    );
    let results = wait(N as usize);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.seq, first + i as u64, "results in order, one per call");
        assert_eq!(r.sock, u2);
        assert_eq!(r.outcome, Outcome::Ret(1), "{r:?}");
    }
    // The loop's thread lets go once the last result is told.
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while lab.pending(u2) > 0 && std::time::Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(lab.pending(u2), 0);
}
