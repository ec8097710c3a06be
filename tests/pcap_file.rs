//! `--pcap FILE` as root runs it in a shared /tmp: the file is made new,
//! never through a symbolic link, never over an existing file unless
//! `--force`; a path that cannot be written and a disk that fills are said
//! in one line, and the run's exit status says the file is not whole.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

/// A fresh directory of this test's own.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockplay-pcap-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SCRIPT: &str = "listen\nconnect L1\naccept L1\nsend C1 \"hi\"\nrecv A1 10\n";

/// `sockplay ARGS run -` with `script` on its standard input.
fn sockplay(args: &[&str], pcap: &Path, script: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .arg("--pcap")
        .arg(pcap)
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A refused run ends before it reads: the pipe may be closed.
    let _ = child.stdin.take().unwrap().write_all(script.as_bytes());
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The refusal is one line, exit status 2, and nothing ran.
fn refused(out: &Output, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains(says), "{says:?} in: {err}");
    assert!(out.stdout.is_empty(), "nothing ran: {:?}", out.stdout);
}

/// The refusals come before any capture is opened, so they need no privilege.
#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = scratch("kept");
    let there = dir.join("there.pcapng");
    std::fs::write(&there, "kept").unwrap();
    refused(
        &sockplay(&[], &there, SCRIPT),
        "exists; not replaced (--force replaces it)",
    );
    assert_eq!(std::fs::read_to_string(&there).unwrap(), "kept");
    refused(
        &sockplay(&[], &dir, SCRIPT),
        "is a directory; give the path of a file in it",
    );
    refused(&sockplay(&["--force"], &dir, SCRIPT), "is a directory");
    refused(
        &sockplay(&[], &dir.join("no/such/dir.pcapng"), SCRIPT),
        "No such file or directory",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

mod needs_root {
    use super::*;

    #[cfg_attr(not(ci), ignore = "needs root: --pcap captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_symbolic_link_is_never_followed_even_as_root() {
        common::require_root("--pcap");
        let dir = scratch("link");
        // A file root owns, and a link to it that anyone could have planted.
        let decoy = dir.join("decoy");
        std::fs::write(&decoy, "root's own file\n").unwrap();
        std::fs::set_permissions(&decoy, std::fs::Permissions::from_mode(0o644)).unwrap();
        let evil = dir.join("evil.pcapng");
        std::os::unix::fs::symlink(&decoy, &evil).unwrap();
        let before = std::fs::metadata(&decoy).unwrap();
        for args in [&[][..], &["--force"][..]] {
            let out = sockplay(args, &evil, SCRIPT);
            refused(&out, "symbolic link");
        }
        // A link to where nothing is yet is not followed either.
        let dangling = dir.join("dangling.pcapng");
        let target = dir.join("made-through-a-link");
        std::os::unix::fs::symlink(&target, &dangling).unwrap();
        refused(&sockplay(&["--force"], &dangling, SCRIPT), "symbolic link");
        assert!(!target.exists(), "nothing made through the link");
        let after = std::fs::metadata(&decoy).unwrap();
        assert_eq!(
            std::fs::read_to_string(&decoy).unwrap(),
            "root's own file\n"
        );
        assert_eq!(
            (
                before.mtime(),
                before.mtime_nsec(),
                before.mode(),
                before.uid()
            ),
            (after.mtime(), after.mtime_nsec(), after.mode(), after.uid())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg_attr(not(ci), ignore = "needs root: --pcap captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_forced_file_is_replaced_and_a_new_one_is_private() {
        common::require_root("--pcap");
        let dir = scratch("exists");
        let there = dir.join("there.pcapng");
        std::fs::write(&there, "kept").unwrap();
        let out = sockplay(&["--force"], &there, SCRIPT);
        assert!(out.status.success(), "{}", stderr(&out));
        let bytes = std::fs::read(&there).unwrap();
        // A pcapng file begins with its section header block.
        assert_eq!(
            &bytes[..4],
            &[0x0a, 0x0d, 0x0d, 0x0a],
            "replaced by a pcapng"
        );
        let new = dir.join("new.pcapng");
        let out = sockplay(&[], &new, SCRIPT);
        assert!(out.status.success(), "{}", stderr(&out));
        let mode = std::fs::metadata(&new).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600, "a new capture is the owner's alone: {mode:o}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg_attr(not(ci), ignore = "needs root: --pcap captures packets (CAP_NET_RAW)")]
    #[test]
    fn a_full_disk_is_said_and_fails_the_run() {
        common::require_root("--pcap");
        // Full from the first byte: said before anything runs.
        let out = sockplay(&["--force"], Path::new("/dev/full"), SCRIPT);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("No space left on device"), "{err}");
        assert!(!err.contains("Error reading bytes"), "{err}");
        // Full part way: a disk of 8 KiB (a tmpfs in a mount namespace of the
        // test's own, gone with it) takes the header and a few frames.
        let dir = scratch("full");
        let pcap = dir.join("small.pcapng");
        let script =
            "listen\nconnect L1\naccept L1\nsend C1 64k\nrecv A1 64k\nrecv A1 64k\nsleep 300ms\n";
        let mount = format!(
            "mount -t tmpfs -o size=8k sockplay-test {dir} && exec \"$0\" --pcap {pcap} run -",
            dir = dir.display(),
            pcap = pcap.display()
        );
        let mut child = Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c", &mount])
            .arg(env!("CARGO_BIN_EXE_sockplay"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("unshare (util-linux) runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        let transcript = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{err}\n{transcript}");
        assert!(
            err.contains(&format!(
                "--pcap {}: No space left on device",
                pcap.display()
            )),
            "{err}"
        );
        assert!(
            transcript.contains("the pcap file stopped: No space left on device"),
            "{transcript}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
