//! Linux's SO_REUSEADDR rule on this kernel, checked with python3 and with
//! sockplay side by side: a new listener may bind a port that a connection
//! in TIME-WAIT still holds only when both sockets set SO_REUSEADDR; and
//! sockplay's EADDRINUSE names the holder, its state and its flag.

mod common;

use std::process::Command;

/// What python3 gets binding a listener to a port left in TIME-WAIT by a
/// server that closed first, for each of (old listener's SO_REUSEADDR,
/// new listener's): `bound`, or the error and the call that raised it
/// (`EADDRINUSE bind`).
fn python_rule() -> Vec<(bool, bool, String)> {
    let program = r#"
import socket, errno
def time_wait(reuse):
    l = socket.socket()
    if reuse: l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", 0)); l.listen(); port = l.getsockname()[1]
    c = socket.create_connection(("127.0.0.1", port)); a, _ = l.accept()
    a.close(); c.recv(1); c.close(); l.close()
    return port
for old, new in [(0, 0), (0, 1), (1, 0), (1, 1)]:
    port = time_wait(old)
    s = socket.socket()
    if new: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    call = "bind"
    try:
        s.bind(("127.0.0.1", port)); call = "listen"; s.listen(); r = "bound"
    except OSError as e:
        r = errno.errorcode[e.errno] + " " + call
    print(old, new, r)
"#;
    let out = Command::new("python3")
        .args(["-c", program])
        .output()
        .expect("python3 runs (.ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0] == "1", w[1] == "1", w[2..].join(" "))
        })
        .collect()
}

/// The same in sockplay: what `listen` returned, and its explanation.
fn sockplay_rule(old: bool, new: bool) -> (String, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let on = |b: bool| if b { "on" } else { "off" };
    let r = common::run(&format!(
        "listen 127.0.0.1:{port} reuseaddr={}\nconnect L1\naccept L1\nclose A1\nclose C1\nclose L1\n\
         expect A1 state=TIME-WAIT\nexpect A1 reuseaddr={}\nlisten 127.0.0.1:{port} reuseaddr={}\n",
        on(old),
        on(old),
        on(new)
    ));
    r.assert_ok();
    let l2 = r.call("L2", "listen");
    let got = l2
        .outcome
        .errno()
        .map_or_else(|| "bound".to_string(), |e| e.name());
    (got, l2.explain.clone())
}

#[test]
fn both_sockets_need_so_reuseaddr_in_python_and_in_sockplay() {
    let python = python_rule();
    assert_eq!(python.len(), 4);
    for (old, new, py) in python {
        // bind() is the call that fails, not listen(): a class that writes
        // the program sees it raised there.
        let want = if old && new {
            "bound"
        } else {
            "EADDRINUSE bind"
        };
        assert_eq!(py, want, "python3, old {old}, new {new}");
        let (got, explain) = sockplay_rule(old, new);
        let py_errno = py.split_whitespace().next().unwrap();
        assert_eq!(got, py_errno, "sockplay, old {old}, new {new}: {explain}");
        if got == "EADDRINUSE" {
            assert!(
                explain.contains("bind() failed, before listen()"),
                "{explain}"
            );
            assert!(
                explain.contains("A1's connection holds it in TIME-WAIT"),
                "{explain}"
            );
            let flag = match (old, new) {
                (true, _) => "its SO_REUSEADDR is on, but this socket's is off",
                (false, false) => "its SO_REUSEADDR is off, and so is this socket's",
                (false, true) => {
                    "its SO_REUSEADDR is off, and this socket's being on is not enough"
                }
            };
            assert!(explain.contains(flag), "{explain}");
            // With neither flag set, the rule is not told: a restart with
            // the flag on the new socket alone is what the reader is asked
            // about next, with this result on screen.
            let rule = "SO_REUSEADDR shares a port only when both sockets set it";
            assert_eq!(explain.contains(rule), old || new, "{explain}");
        }
    }
}

#[test]
fn the_side_that_closes_first_keeps_time_wait_so_a_server_closed_second_restarts() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = common::run(&format!(
        "listen 127.0.0.1:{port}\nconnect L1\naccept L1\nclose C1\nexpect A1 state=CLOSE-WAIT\nclose A1\nclose L1\n\
         expect C1 state=TIME-WAIT\nlisten 127.0.0.1:{port}\nexpect L2 errno=null\n"
    ));
    r.assert_ok();
    // ss, an independent reader, sees the TIME-WAIT on the client's port,
    // not the server's.
    let c1 = r.call("C1", "connect");
    let ss = Command::new("ss")
        .args(["-tan", "state", "time-wait"])
        .output()
        .expect("ss runs");
    let text = String::from_utf8_lossy(&ss.stdout);
    let peer = format!("127.0.0.1:{port}");
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().nth(3) == Some(peer.as_str())),
        "{c1:?}\n{text}"
    );
}
