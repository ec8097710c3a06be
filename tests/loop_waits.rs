//! Where a `sendall` that has not returned waits, as its line says and as
//! the kernel says: the system call its lane's thread is in, read from
//! `/proc/self/task/*/syscall` while the receiver does not read.

mod common;

use common::{Rec, live};

/// System calls by number: sendto is 44 and poll 7, ppoll 271 on x86_64;
/// on aarch64 sendto is 206 and ppoll 73.
const SENDTO: [u64; 2] = [44, 206];
const POLL: [u64; 3] = [7, 271, 73];

/// The system call each of the lab's lane threads is in now.
fn lanes_in() -> Vec<u64> {
    let mut calls = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() != "sockplay-lane" {
            continue;
        }
        let syscall = std::fs::read_to_string(task.path().join("syscall")).unwrap_or_default();
        if let Some(n) = syscall
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
        {
            calls.push(n);
        }
    }
    calls
}

/// Runs a `sendall` of a megabyte from C1 (`mode`) to an A1 that never
/// reads; the system calls of the lanes once it is told blocked, and how
/// its line tells it.
fn sendall_waiting(mode: &str) -> (Vec<u64>, String) {
    // One lab at a time in this process: the other test's lanes would be
    // read with this one's.
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let script = format!(
        "listen rcvbuf=4k\nconnect L1 sndbuf=4k{mode}\nwait C1\naccept L1\nsendall C1 1m\n"
    );
    let (run, calls) = live(&script, |_| {
        std::thread::sleep(std::time::Duration::from_millis(300));
        lanes_in()
    });
    let told = run
        .records
        .iter()
        .find_map(|r| match r {
            Rec::Blocked(s) if s.call == sockplay::lab::Call::SendAll => {
                Some(s.still_running().to_string())
            }
            _ => None,
        })
        .expect("the sendall was told blocked");
    (calls, told)
}

#[test]
fn a_non_blocking_sendall_waits_in_its_loop_not_in_send() {
    let (calls, told) = sendall_waiting(" timeout=0");
    assert_eq!(told, "[waiting] in poll() for room between send()s");
    assert!(calls.iter().any(|c| POLL.contains(c)), "lanes in {calls:?}");
    assert!(
        !calls.iter().any(|c| SENDTO.contains(c)),
        "lanes in {calls:?}"
    );
}

#[test]
fn a_blocking_sendall_waits_in_send_in_the_kernel() {
    let (calls, told) = sendall_waiting("");
    assert_eq!(told, "[blocked] its send() waits in the kernel");
    assert!(
        calls.iter().any(|c| SENDTO.contains(c)),
        "lanes in {calls:?}"
    );
}
