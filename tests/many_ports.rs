//! The kernel view past the most ports one sock_diag filter can hold
//! (2,730): every listener is still there, as `ss` sees it.

use std::collections::HashSet;
use std::process::Command as Process;

use sockplay::kernel::{Snapshotter, TcpState, ViewRole, bytecode};
use sockplay::lab::{Command, Lab, SockOpts};

#[test]
fn more_listeners_than_one_filter_holds_are_all_in_the_view_as_ss_sees_them() {
    let count = bytecode::MAX_PORTS + 70;
    let soft = sockplay::lab::limits::raise_nofile().unwrap_or(0);
    assert!(
        soft >= count as u64 + 200,
        "RLIMIT_NOFILE allows {soft} descriptors, and {count} listeners need more: \
         raise the hard limit (ulimit -Hn)"
    );
    let (lab, _events) = Lab::new();
    let listen = Command::Listen {
        addr: None,
        backlog: 5,
        reuseaddr: None,
        opts: SockOpts::default(),
        defer_accept: None,
        port_alone: false,
    };
    for _ in 0..count {
        lab.execute(&listen).unwrap();
    }
    let snap = Snapshotter::live()
        .unwrap()
        .take(&lab.observer())
        .expect("the kernel view can be read past one filter's ports");
    let ours: HashSet<u16> = snap
        .sockets
        .iter()
        .filter(|v| v.role == ViewRole::Listener && v.state == TcpState::Listen)
        .filter_map(|v| v.local.map(|a| a.port()))
        .collect();
    assert_eq!(ours.len(), count, "every listener is in the view");

    // `ss`, an independent reader, lists the same listening ports.
    let out = Process::new("ss").args(["-Hltn"]).output().unwrap();
    let listed: HashSet<u16> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .filter_map(|local| local.rsplit(':').next()?.parse().ok())
        .filter(|p| ours.contains(p))
        .collect();
    assert_eq!(listed, ours);
}
