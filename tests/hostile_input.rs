//! A student points sockplay at a hostile file: endless devices, a FIFO
//! nobody writes, a line of ten megabytes, bytes that are not UTF-8. Each is
//! answered at once with one line that says where and what, and nothing runs.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs sockplay with `args`, `stdin` on its standard input; the output and
/// how long it took. Killed (and the test failed) past 10 s.
fn sockplay(args: &[&str], stdin: Stdio) -> (Output, Duration) {
    let began = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = began + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sockplay {args:?} still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    (child.wait_with_output().unwrap(), began.elapsed())
}

/// Refused within a second, with one line on stderr containing `says`.
#[track_caller]
fn refused_at_once(args: &[&str], stdin: Stdio, says: &str) {
    let (out, took) = sockplay(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
    assert!(err.contains(says), "{args:?}: {says:?} in {err}");
    assert!(err.len() < 300, "{args:?}: a short line: {err}");
    assert!(
        took < Duration::from_secs(1),
        "{args:?} answered after {took:?}"
    );
}

fn scratch(name: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("sockplay-input-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn endless_devices_and_a_silent_fifo_are_refused_at_once() {
    let not_a_file = "not a script file";
    for dev in ["/dev/zero", "/dev/urandom"] {
        refused_at_once(&["run", dev], Stdio::null(), not_a_file);
        refused_at_once(&["run", "--python", dev], Stdio::null(), not_a_file);
        refused_at_once(&["lesson", dev], Stdio::null(), not_a_file);
    }
    let fifo = std::env::temp_dir().join(format!("sockplay-input-{}-fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    refused_at_once(&["run", fifo.to_str().unwrap()], Stdio::null(), "is a FIFO");
    let _ = std::fs::remove_file(&fifo);
    // Standard input is read up to the limit, then refused.
    let zero = std::fs::File::open("/dev/zero").unwrap();
    refused_at_once(&["run", "-"], zero.into(), "more than 1024 KiB");
    let zero = std::fs::File::open("/dev/zero").unwrap();
    refused_at_once(&["shell"], zero.into(), "longer than 16 KiB");
}

#[test]
fn a_ten_megabyte_line_is_refused_at_once() {
    let words = "a ".repeat(5 << 20);
    let path = scratch("long", format!("note {words}\n").as_bytes());
    refused_at_once(&["run", &path], Stdio::null(), "more than 1024 KiB");
    let _ = std::fs::remove_file(&path);
    // Below the script's limit, above the line's.
    let path = scratch(
        "line",
        format!("listen\nnote {}\n", "a ".repeat(20_000)).as_bytes(),
    );
    refused_at_once(&["run", &path], Stdio::null(), "line 2: longer than 16 KiB");
    let _ = std::fs::remove_file(&path);
    // A long bad word is not repeated whole.
    let path = scratch(
        "word",
        format!("listen {}\n", "b".repeat(10_000)).as_bytes(),
    );
    refused_at_once(
        &["run", &path],
        Stdio::null(),
        "line 1, column 8: a word of 10000",
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_line_of_many_words_is_read_in_linear_time() {
    // The lexer alone, past any reading limit: 500,000 words. Counting each
    // word's column from the line's start made this 500,000² steps.
    let line = format!("note {}", "a ".repeat(500_000));
    let last = line.rfind('a').unwrap() + 1;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let began = Instant::now();
        let tokens = sockplay::script::lexer::tokenize(&line).map(|t| t.last().unwrap().col);
        let _ = tx.send((tokens, began.elapsed()));
    });
    let (col, took) = rx
        .recv_timeout(Duration::from_secs(5))
        .expect("a megabyte line lexed within 5 s");
    assert_eq!(col.unwrap(), last);
    eprintln!("500,000 words lexed in {took:?}");
}

#[test]
fn a_byte_order_mark_is_accepted_and_bad_utf8_is_placed() {
    let path = scratch("bom", b"\xef\xbb\xbflisten\nexpect L1 state=LISTEN\n");
    let (out, _) = sockplay(&["run", &path], Stdio::null());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&path);
    let path = scratch("utf8", b"listen\nnote \"d\xc3\xa9j\xe0 vu\"\n");
    refused_at_once(
        &["run", &path],
        Stdio::null(),
        "line 2, column 10: byte \\xe0 is not UTF-8",
    );
    let _ = std::fs::remove_file(&path);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(["run", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(b"\xef\xbb\xbflisten\n");
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
