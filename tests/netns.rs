//! `--netns`: the lab in a network namespace of its own. Its overflow
//! counters count this lab alone, so they are exact; checked from inside
//! the namespace with `nstat` and `ss` (through `nsenter`), and from outside
//! by the listener's absence.

mod common;

use std::process::{Command, Stdio};

use common::netns::{NetnsLab, port_in};

#[test]
fn with_user_namespaces_off_netns_names_the_setting_and_the_other_ways() {
    // A user namespace of the test's own, where the limit on user
    // namespaces is 0 and sockplay runs without CAP_SYS_ADMIN: as a user
    // meets it where user namespaces are turned off.
    let bin = env!("CARGO_BIN_EXE_sockplay");
    let out = Command::new("unshare")
        .args([
            "-Ur",
            "sh",
            "-c",
            "echo 0 > /proc/sys/user/max_user_namespaces || exit 77; \
             exec setpriv --bounding-set -sys_admin \"$0\" --netns run -",
            bin,
        ])
        .stdin(Stdio::null())
        .output()
        .expect("unshare and setpriv (util-linux) are installed");
    assert!(
        !(matches!(out.status.code(), Some(77) | Some(1)) && out.stderr.starts_with(b"unshare")),
        "this test needs a user namespace of its own (run as root, or allow \
         unprivileged user namespaces): {out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("user.max_user_namespaces is 0"), "{err}");
    assert!(err.contains("run as root"), "{err}");
    assert!(
        err.contains("kernel.apparmor_restrict_unprivileged_userns"),
        "{err}"
    );
    assert!(!err.contains("os error 28"), "{err}");
}

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: reads the lab's own namespace through nsenter"
    )]
    #[test]
    fn a_lab_of_its_own_counts_exactly_its_own_overflows() {
        common::require_root("entering the lab's namespace");
        let mut lab =
            NetnsLab::start("listen backlog=0\nconnect L1\nconnect L1\nsleep 300ms\nshow");
        let snap = lab.next("snapshot");
        // One dropped SYN (C2's first; its retry comes a second later).
        assert_eq!(snap["counters_scope"], "this-lab", "{snap}");
        assert_eq!(snap["counters"]["ListenOverflows"], 1, "{snap}");
        assert_eq!(snap["counters"]["ListenDrops"], 1, "{snap}");
        let l1 = &snap["sockets"][0];
        let port = port_in(&l1["local"]);
        // Inside: the namespace is new, so its absolute counters are the lab's.
        let counted = lab.nstat(&["TcpExtListenOverflows", "TcpExtListenDrops"]);
        // Read a moment after the snapshot, so C2 may have retried since; each
        // SYN counts once in both.
        assert!(
            counted[0] >= 1 && counted[0] == counted[1],
            "nstat inside: {counted:?}"
        );
        let listening = lab.inside(&["ss", "-Hltn", &format!("sport = :{port}")]);
        let fields: Vec<&str> = listening.split_whitespace().collect();
        assert_eq!(
            fields.get(1..3),
            Some(&["1", "0"][..]),
            "ss inside: {listening}"
        );
        // Outside: no such listener.
        let outside = Command::new("ss")
            .args(["-Hltn", &format!("sport = :{port}")])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&outside.stdout).trim().is_empty(),
            "{outside:?}"
        );
        lab.stop();
    }

    /// The first listener's result says where the lab's listeners are;
    /// the next ones, in the same namespace, do not repeat it.
    #[cfg_attr(not(ci), ignore = "needs root: makes a network namespace")]
    #[test]
    fn only_the_first_listener_says_it_is_in_the_lab_s_namespace() {
        common::require_root("making the lab's namespace");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
            .args(["--netns", "run", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"listen\nlisten\nlisten\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        let said: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("own network namespace"))
            .collect();
        assert_eq!(said.len(), 1, "{stdout}");
        assert!(said[0].contains("L1 listening"), "{stdout}");
    }

    /// A lesson written for the machine's loopback keeps it under `--netns`:
    /// in 1448-byte segments, partial-send's third send took 1448 bytes
    /// instead of failing with EAGAIN, so the lesson failed its own check.
    #[cfg_attr(not(ci), ignore = "needs root: makes a network namespace")]
    #[test]
    fn a_lesson_written_for_the_machines_loopback_keeps_it_under_netns() {
        common::require_root("making the lab's namespace");
        let bin = env!("CARGO_BIN_EXE_sockplay");
        let out = Command::new(bin)
            .args(["--netns", "run", "partial-send"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}\n{stdout}");
        assert!(
            stderr.contains("loopback stays as the machine's"),
            "{stderr}"
        );
        assert!(
            stdout.contains("✓ ok     expect C1 errno=EAGAIN"),
            "{stdout}"
        );
    }
}
