//! Claims the lessons make that their `expect` lines cannot check: what
//! Python does, checked against python3 on loopback.

use std::process::Command;

fn python(program: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", program])
        .output()
        .expect("python3 runs (.ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn lesson(name: &str) -> String {
    sockplay::script::lessons::find(name)
        .unwrap_or_else(|e| panic!("{e}"))
        .text
}

/// partial-send: Python's sendall on a non-blocking socket raises
/// BlockingIOError once the buffers are full; it does not loop.
#[test]
fn pythons_sendall_on_a_non_blocking_socket_raises_blocking_io_error() {
    let got = python(
        r#"
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname()); a, _ = srv.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
c.setblocking(False)
try:
    c.sendall(b"x" * (8 << 20))
    print("returned")
except BlockingIOError as e:
    print("BlockingIOError")
"#,
    );
    assert_eq!(got, "BlockingIOError");
    assert!(lesson("partial-send").contains(
        "Python's socket.sendall does not: on a non-blocking socket it raises BlockingIOError"
    ));
}
