//! TCP_USER_TIMEOUT on the real kernel: with the option set to 2 s and a
//! peer that stops answering, Linux gives the connection up (ETIMEDOUT)
//! about 2 s after the first retransmission its retransmission timer makes
//! (the one after the early tail-loss probe), not 2 s after `send()`; so
//! the call fails a few hundred ms later than 2 s after the send.
//!
//! python3 drives the sockets in a network namespace of its own; a `tc`
//! filter on the loopback's ingress steals every data segment after
//! tcpdump has seen it, so the peer never answers. tcpdump's timestamps of
//! the original segment and of each resend are compared with the time
//! python3 saw the error, and the namespace's own counters confirm that
//! the first resend was a loss probe. Root only (CI runs as root).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::netns::{exited_within, inside_ns};
use common::tcpdump::{self, Tcpdump};

/// The listener's port, in a namespace where nothing else runs.
const PORT: u16 = 5000;

/// The client's side: a connection whose TCP_USER_TIMEOUT is 2000 ms, one
/// `send()` of 1000 bytes, then a `recv()` that waits (at most 10 s) for
/// what the kernel makes of it. Prints when the send was made, when the
/// error came, and which error it was.
const PROGRAM: &str = r#"
import errno, json, socket, time
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)
l = socket.socket()
l.bind(("127.0.0.1", 5000))
l.listen(1)
c = socket.socket()
c.setsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, 2000)
c.connect(("127.0.0.1", 5000))
s, _ = l.accept()
time.sleep(0.1)
sent = time.time()
n = c.send(b"x" * 1000)
c.settimeout(10)
try:
    c.recv(1)
    name = "no error"
except OSError as e:
    name = errno.errorcode.get(e.errno, "python's own timeout") if e.errno else "python's own timeout"
error = time.time()
print(json.dumps({"sent": sent, "n": n, "error": error, "errno": name, "port": c.getsockname()[1]}))
"#;

/// A network namespace made with `ip netns add`, deleted when dropped.
struct Netns {
    name: String,
}

impl Netns {
    fn add(name: &str) -> Netns {
        ip(&["netns", "add", name]);
        Netns {
            name: name.to_string(),
        }
    }

    fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// `ip ARGS…`, which must succeed.
fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2) runs");
    assert!(out.status.success(), "ip {args:?}: {out:?}");
}

/// One data segment as tcpdump read it: when, and which bytes.
#[derive(Debug)]
struct Seen {
    at: f64,
    seq: String,
}

mod needs_root {
    use super::*;

    #[cfg_attr(
        not(ci),
        ignore = "needs root: makes a network namespace and filters its loopback with tc"
    )]
    #[test]
    fn user_timeout_counts_from_the_first_timer_resend_not_from_the_send() {
        common::require_root("making a network namespace");
        let ns = Netns::add(&format!("sockplay-uto-{}", std::process::id()));
        ip(&["-n", &ns.name, "link", "set", "lo", "up"]);
        // Where stolen segments go: a veth pair of the namespace, both ends
        // up and without addresses; its peer drops what comes addressed to
        // 127.0.0.1 on a device other than the loopback.
        ip(&[
            "-n",
            &ns.name,
            "link",
            "add",
            "uto-sink",
            "type",
            "veth",
            "peer",
            "name",
            "uto-sink-peer",
        ]);
        ip(&["-n", &ns.name, "link", "set", "uto-sink", "up"]);
        ip(&["-n", &ns.name, "link", "set", "uto-sink-peer", "up"]);
        // The loopback's ingress comes after the tap tcpdump reads: every
        // segment is captured, then segments to the listener whose IP total
        // length is 1024..2047 bytes (the 1000-byte data segment and its
        // resends; never the handshake's nor an ACK) are redirected away.
        let path = ns.path();
        inside_ns(&path, &["tc", "qdisc", "add", "dev", "lo", "ingress"]);
        let dport = PORT.to_string();
        inside_ns(
            &path,
            &[
                "tc", "filter", "add", "dev", "lo", "parent", "ffff:", "protocol", "ip", "u32",
                "match", "ip", "dport", &dport, "0xffff", "match", "u16", "0x0400", "0x0400", "at",
                "2", "action", "mirred", "egress", "redirect", "dev", "uto-sink",
            ],
        );

        let pcap = std::env::temp_dir().join(format!("sockplay-uto-{}.pcap", std::process::id()));
        let dump = Tcpdump::start_in(Some(&path), "lo", &format!("tcp port {PORT}"), &[], &pcap);
        let mut python = Command::new("nsenter")
            .arg(format!("--net={path}"))
            .args(["python3", "-c", PROGRAM])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nsenter and python3 run");
        let ended = exited_within(&mut python, Duration::from_secs(20));
        let out = python.wait_with_output().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        dump.stop();
        assert!(ended, "python3 did not end within 20 s: {out:?}");
        assert!(out.status.success(), "{out:?}");
        let said: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("python3 printed JSON");
        let counters = inside_ns(
            &path,
            &["nstat", "-asz", "TcpExtTCPLossProbes", "TcpRetransSegs"],
        );
        let lines = tcpdump::read(&pcap, &["-tt"]);
        let _ = std::fs::remove_file(&pcap);
        drop(ns);

        assert_eq!(said["n"], 1000, "{said}");
        assert_eq!(said["errno"], "ETIMEDOUT", "{said}");
        let sent = said["sent"].as_f64().unwrap();
        let error = said["error"].as_f64().unwrap();

        // The client's data segments, as tcpdump saw them: the original and
        // its resends, all of the same bytes.
        let from = format!("127.0.0.1.{} > 127.0.0.1.{PORT}:", said["port"]);
        let data: Vec<Seen> = lines
            .iter()
            .filter(|l| l.contains(&from) && l.ends_with("length 1000"))
            .map(|l| Seen {
                at: l.split_whitespace().next().unwrap().parse().unwrap(),
                seq: l
                    .split("seq ")
                    .nth(1)
                    .and_then(|s| s.split(',').next())
                    .unwrap()
                    .to_string(),
            })
            .collect();
        let all = lines.join("\n");
        assert!(data.len() >= 4, "the original and 3 resends: {all}");
        assert!(data.iter().all(|d| d.seq == data[0].seq), "{all}");
        let (original, probe, timer) = (data[0].at, data[1].at, data[2].at);
        let resends = data.len() - 1;
        let report = format!(
            "send {sent:.6} (on the wire {original:.6}), probe {probe:.6}, \
             first timer resend {timer:.6}, error {error:.6}; {resends} resends\n{all}"
        );
        eprintln!("{report}");

        // The original went out as send() was made.
        assert!((original - sent).abs() < 0.05, "{report}");
        // The namespace's own counters: one loss probe (the first resend),
        // and as many resends as tcpdump saw.
        let nstat: Vec<u64> = ["TcpExtTCPLossProbes", "TcpRetransSegs"]
            .iter()
            .map(|n| {
                counters
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some(n))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or_else(|| panic!("{n} in {counters}"))
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(nstat, [1, resends as u64], "{counters}\n{report}");
        // The timer's resend comes a whole minimum RTO (200 ms) after the
        // probe, so the bounds below tell the two apart.
        assert!(timer - probe > 0.15, "{report}");
        // Given up 2 s after the first timer resend: never before (the
        // kernel's deadline), and a loaded machine may be a little late.
        let after_timer = error - timer;
        assert!(
            (1.95..2.25).contains(&after_timer),
            "{after_timer:.3} s after the first timer resend\n{report}"
        );
        // Hence more than 2 s after send(): the probe and the first timer
        // resend come before the clock starts.
        assert!(
            error - sent > 2.15,
            "{:.3} s after send()\n{report}",
            error - sent
        );
    }
}
