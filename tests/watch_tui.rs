//! `sockplay watch` in a real terminal: a python3 server's full queue on
//! screen with its process, and a started program followed until it binds.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::pty::Pty;

struct Python(Child);

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn textbook_server() -> (Python, u16) {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(
            "import socket, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(5)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(120)\n",
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs (.ci/run installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Python(child), line.trim().parse().unwrap())
}

fn ss_listener(port: u16) -> Option<(u64, u64)> {
    common::ss("-Hlnt", port)
        .into_iter()
        .find(|l| l.state == "LISTEN" && l.local.ends_with(&format!(":{port}")))
        .map(|l| (l.recv_q, l.send_q))
}

#[test]
fn the_panes_show_the_port_the_process_and_the_full_queue() {
    let (server, port) = textbook_server();
    let comm = std::fs::read_to_string(format!("/proc/{}/comm", server.0.id())).unwrap();
    let who = format!("{} {}", comm.trim(), server.0.id());
    let mut pty = Pty::spawn(&["watch", &port.to_string()], 100, 30);
    // At 100 columns the listeners pane gives the process room before the host.
    pty.wait_for_all(
        &["S1 ", &format!(":{port} "), &who, "no connection queued"],
        Duration::from_secs(15),
    );
    // The class knocks from the lab's own command line: eight clients.
    pty.keys(format!(":connect 127.0.0.1:{port} x8\r").as_bytes());
    let screen = pty.wait_for_all(
        &["6/6 FULL", "waiting: C1 C2 C3 C4 C5 C6", &who],
        Duration::from_secs(15),
    );
    assert_eq!(ss_listener(port), Some((6, 5)), "{screen}");
    assert!(screen.contains(&format!("watch :{port}")), "{screen}");
    assert!(screen.contains("backlog 5"), "{screen}");
    pty.quits();
}

#[test]
fn a_started_server_is_followed_until_it_binds_at_80_by_24() {
    let port = common::free_port();
    let output = std::env::temp_dir().join(format!("sockplay-watch-test-{port}.log"));
    let late = "import socket, sys, time\ntime.sleep(3.0)\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen(3)\nprint('bound', flush=True)\ntime.sleep(120)\n";
    let out_arg = output.display().to_string();
    let port_arg = port.to_string();
    let mut pty = Pty::spawn(
        &[
            "watch", "--output", &out_arg, "--", "python3", "-c", late, &port_arg,
        ],
        80,
        24,
    );
    // "python3 (pid N) has no TCP or UDP socket yet", folded where the
    // pid's width puts it in a pane 30 columns wide.
    pty.wait_for_all(&["(pid ", ") has no"], Duration::from_secs(15));
    let screen = pty.wait_for_all(
        &["S1 ", &format!(":{port} "), "python", "0/4"],
        Duration::from_secs(15),
    );
    assert!(screen.contains("watch pid "), "{screen}");
    pty.quits();
    // The program sockplay started ended with it; its output went to the file.
    let deadline = Instant::now() + Duration::from_secs(5);
    while ss_listener(port).is_some() {
        assert!(Instant::now() < deadline, "the server still listens");
        std::thread::sleep(Duration::from_millis(50));
    }
    let said = std::fs::read_to_string(&output).unwrap_or_default();
    let _ = std::fs::remove_file(&output);
    assert_eq!(said.trim(), "bound");
}

mod needs_root {
    use super::*;

    #[test]
    #[cfg_attr(not(ci), ignore = "needs root: the wire captures (CAP_NET_RAW)")]
    fn the_wire_names_a_watched_connection_by_its_s_name() {
        common::require_root("the wire");
        // A server that accepts one connection and reads what comes, on a
        // port below the local range: on one from it, another program's
        // socket with the same port number (a TIME-WAIT) was once S2 on
        // the watch, and the connection S3.
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(
                "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen(5)\nprint(s.getsockname()[1], flush=True)\nc, _ = s.accept()\nc.recv(100)\ntime.sleep(120)\n",
            )
            .arg(common::unused_port().to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (.ci/run installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let _server = Python(child);
        let port: u16 = line.trim().parse().unwrap();
        let mut pty = Pty::spawn(&["watch", &port.to_string()], 100, 30);
        pty.wait_for_all(&["S1 ", &format!(":{port} ")], Duration::from_secs(15));
        // The wire follows the listener's port from the first view that shows it.
        std::thread::sleep(Duration::from_millis(500));
        let mut client = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::io::Write::write_all(&mut client, b"hello").unwrap();
        pty.wait_for_all(&["S2 "], Duration::from_secs(15));
        pty.keys(b"w");
        let screen = pty.wait_for_all(&["wire · S2", "5 B"], Duration::from_secs(15));
        // The handshake is the listener's; the data is S2's; the client, a
        // program outside the lab and the watch, is its port.
        let peer = format!(":{}", client.local_addr().unwrap().port());
        let rows: Vec<&str> = screen.lines().filter(|l| l.contains(&peer)).collect();
        assert!(
            rows.iter()
                .any(|l| l.contains(&format!("{peer} ──▶ S1  S "))),
            "{screen}"
        );
        assert!(
            rows.iter()
                .any(|l| l.contains(&format!("{peer} ──▶ S2")) && l.contains("5 B")),
            "{screen}"
        );
        assert!(!screen.contains(&format!("──▶ :{port}")), "{screen}");
        pty.quits();
    }
}
