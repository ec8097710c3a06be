//! `sockplay run --python`: the program exported from every lesson runs
//! under python3 and reports the same results as sockplay wherever the
//! kernel decides them the same way (a 16-byte exchange, ECONNREFUSED,
//! end of stream, EAGAIN).

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What one finished call came to, by socket and call, in order.
type Results = HashMap<(String, String), Vec<String>>;

fn sockplay(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sockplay"))
        .args(args)
        .output()
        .expect("sockplay runs")
}

/// Runs python3 on `program`, for at most two minutes.
fn python(program: &str) -> (bool, String) {
    python_in(program, false)
}

/// Runs python3 on `program`, for at most two minutes; with `own_netns`,
/// in a network namespace of its own with `lo` up, as the lesson's lab
/// runs (its fixed ports and its TIME-WAIT entries stay there).
fn python_in(program: &str, own_netns: bool) -> (bool, String) {
    let path = std::env::temp_dir().join(format!(
        "sockplay-export-{}-{}.py",
        std::process::id(),
        program.len()
    ));
    std::fs::write(&path, program).unwrap();
    let mut cmd = if own_netns {
        let root = rustix::process::geteuid().is_root();
        let mut c = Command::new("unshare");
        c.arg(if root { "-n" } else { "-rn" })
            .args(["sh", "-c", "ip link set lo up && exec python3 \"$0\""])
            .arg(&path);
        c
    } else {
        let mut c = Command::new("python3");
        c.arg(&path);
        c
    };
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (and unshare, for a lesson with a lab of its own)");
    let end = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > end {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let ok = status.is_some_and(|s| s.success());
    (ok, if ok { out } else { format!("{out}\n{err}") })
}

/// The call's name in a label: `send(16)` → `send`.
fn call_name(label: &str) -> String {
    label.split('(').next().unwrap_or(label).trim().to_string()
}

/// `#5   C1  send(16)           → 16` lines, by socket and call.
fn from_program(out: &str) -> Results {
    let mut r = Results::new();
    for line in out.lines().filter(|l| l.starts_with('#')) {
        let Some((head, ret)) = line.split_once(" → ") else {
            continue; // still blocked: its result comes on a line of its own
        };
        let mut words = head.split_whitespace().skip(1);
        let (Some(sock), Some(call)) = (words.next(), words.next()) else {
            continue;
        };
        if call == "↳" {
            continue; // a step of `accept all`
        }
        // The result is its first word (`16  b'Hi…'  (0.02 ms)`), or "timed out".
        let ret = if ret.starts_with("timed out") {
            "timed out".to_string()
        } else {
            ret.split_whitespace().next().unwrap_or("").to_string()
        };
        r.entry((sock.to_string(), call_name(call)))
            .or_default()
            .push(ret);
    }
    r
}

/// The `op` lines of `sockplay run --json`, said the same way.
fn from_sockplay(json: &str) -> Results {
    let mut r = Results::new();
    for v in json
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        if v["type"] != "op" || !v["part_of"].is_null() {
            continue;
        }
        let ret = if let Some(e) = v["errno"].as_str() {
            // Nothing moved before a kernel time-out: when it ran out
            // decides that, not the kernel's rules alone.
            if v["timed_out"] == true {
                format!("{e} after its time-out")
            } else {
                e.to_string()
            }
        } else if v["timed_out"] == true && v["ret"].is_null() {
            "timed out".into()
        } else if v["call"] == "accept" {
            v["created"][0].as_str().unwrap_or("?").to_string()
        } else {
            v["ret"].to_string()
        };
        let key = (
            v["sock"].as_str().unwrap_or("").to_string(),
            v["call"].as_str().unwrap_or("").to_string(),
        );
        r.entry(key).or_default().push(ret);
    }
    r
}

/// Whether the kernel decides this result the same way for any program
/// making the call: a refused connection, the end of a stream, nothing
/// queued, or a small message moved whole.
fn kernel_decided(call: &str, ret: &str) -> bool {
    match ret {
        "ECONNREFUSED" | "EAGAIN" | "ETIMEDOUT" => true,
        "0" => matches!(call, "recv" | "recvall" | "recvfrom"),
        _ if call == "syn" => true,
        _ => {
            matches!(call, "send" | "recv" | "recvall" | "sendall")
                && ret.parse::<u64>().is_ok_and(|n| n > 0 && n <= 64)
        }
    }
}

/// Compares one lesson; returns how many results were compared.
fn compare(lesson: &str) -> Result<usize, String> {
    let exported = sockplay(&["run", "--python", lesson]);
    if !exported.status.success() {
        return Err(format!("{lesson}: run --python failed"));
    }
    let program = String::from_utf8_lossy(&exported.stdout).into_owned();
    let own = sockplay::script::lessons::find(lesson).is_ok_and(|l| l.needs_own_netns());
    let (ok, out) = python_in(&program, own);
    if !ok {
        return Err(format!(
            "{lesson}: the exported program failed under python3:\n{out}"
        ));
    }
    let ran = sockplay(&["run", "--json", lesson]);
    let ours = from_sockplay(&String::from_utf8_lossy(&ran.stdout));
    let theirs = from_program(&out);
    let mut compared = 0;
    let mut differ = Vec::new();
    let found = sockplay::script::lessons::find(lesson).ok();
    let link = found.as_ref().is_some_and(|l| l.uses_link());
    let whole = found.is_some_and(|l| l.link_header().is_some());
    differ.extend(honesty(lesson, &program, link));
    differ.extend(checks(&out, whole));
    differ.extend(what_the_lesson_is_about(lesson, &program, &out));
    for ((sock, call), results) in &ours {
        let Some(py) = theirs.get(&(sock.clone(), call.clone())) else {
            continue;
        };
        for (i, (a, b)) in results.iter().zip(py).enumerate() {
            if kernel_decided(call, a) {
                compared += 1;
                if a != b {
                    differ.push(format!(
                        "{sock} {call} #{}: sockplay {a}, python3 {b}",
                        i + 1
                    ));
                }
            }
        }
    }
    if differ.is_empty() {
        Ok(compared)
    } else {
        Err(format!("{lesson}: {}\n{out}", differ.join("; ")))
    }
}

/// A program that cannot make the lab's link says so in its first lines,
/// and never that it runs as the lab does.
fn honesty(lesson: &str, program: &str, link: bool) -> Vec<String> {
    let head: String = program.lines().take(8).collect::<Vec<_>>().join("\n");
    let says = head.contains("NOT AS IN THE LESSON: the link is missing.");
    let mut wrong = Vec::new();
    if link != says {
        wrong.push(format!(
            "{lesson}: on a link {link}, yet its first lines say: {head}"
        ));
    }
    if link && program.contains("Like the lesson's lab") {
        wrong.push(format!(
            "{lesson}: claims to run like the lab without its link"
        ));
    }
    wrong
}

/// Each `expect` the program made: it read the figure from the kernel and
/// found what the lab finds. Only where the lab's link is missing may a
/// time differ (a round trip there is microseconds here).
fn checks(out: &str, whole: bool) -> Vec<String> {
    let mut linked = whole;
    let mut failed = Vec::new();
    for l in out.lines() {
        linked |= l.contains("no link made");
        // What the link shapes: times, and how the congestion window grows
        // and what is sent again, on a path with a delay and losses.
        let time = [" elapsed=", " rtt_us=", " rtt=", " cwnd=", " retrans="]
            .iter()
            .any(|f| l.contains(f));
        if l.contains("✗ differs") && !(linked && time) {
            failed.push(format!("python3's check failed: {}", l.trim()));
        }
    }
    failed
}

/// The elapsed time of a result line (`… (207.00 ms)`), in milliseconds.
fn took_ms(line: &str) -> Option<f64> {
    let inner = line.rsplit_once('(')?.1.trim_end_matches(')');
    let (n, unit) = inner.split_once(' ')?;
    let n: f64 = n.parse().ok()?;
    Some(if unit == "s" { n * 1000.0 } else { n })
}

/// What each lesson is about shows in its program's output, as in the lab.
fn what_the_lesson_is_about(lesson: &str, program: &str, out: &str) -> Vec<String> {
    let has = |what: &str| out.contains(what);
    let mut missing: Vec<&str> = Vec::new();
    let mut want = |ok: bool, what: &'static str| {
        if !ok {
            missing.push(what);
        }
    };
    match lesson {
        "first-connection" => {
            want(has("b'Hi there, server'"), "the bytes received");
            want(has("→ A1  from 127.0.0.1:"), "accept's peer address");
        }
        "ports" => want(
            has("127.0.0.1:40000 →") && has("127.0.0.1:40001 →"),
            "the ports the clients got from ip_local_port_range 40000-40001",
        ),
        "nagle" => want(
            out.lines()
                .filter(|l| l.contains("A1  recvall(15)        → 15"))
                .any(|l| took_ms(l).is_some_and(|t| (150.0..400.0).contains(&t))),
            "the cork step returning at TCP_CORK's 200 ms ceiling",
        ),
        "two-queues" => {
            want(has("L3  syn(x8)            → 8"), "bare SYNs sent");
            want(
                has("C6  connect            … [blocked]"),
                "C6 blocked in SYN-SENT",
            );
        }
        "keepalive" => want(
            has("A2  recv(100)          → ETIMEDOUT") && has("loopback down"),
            "the pulled cable and keepalive's ETIMEDOUT",
        ),
        "udp" => want(
            has("truncated (MSG_TRUNC): the datagram had 100 bytes"),
            "the truncation",
        ),
        "partial-send" => {
            want(has("C1  sendall(65536)     → 65536"), "sendall's count");
            want(!program.contains("or 65536"), "no made-up result");
        }
        "backlog" => want(
            has("end of script; still blocked"),
            "the calls still blocked",
        ),
        "flow-control" | "deadlock" => want(has("… [draining]"), "a drain said as draining"),
        _ => {}
    }
    missing
        .into_iter()
        .map(|m| format!("{lesson}: the program's output does not show {m}"))
        .collect()
}

#[test]
fn every_lesson_exports_a_program_that_agrees_with_sockplay() {
    let names: Vec<String> = sockplay::script::lessons::all()
        .into_iter()
        .map(|l| l.name)
        .collect();
    let runs: Vec<_> = names
        .iter()
        .map(|name| {
            let name = name.clone();
            std::thread::spawn(move || (name.clone(), compare(&name)))
        })
        .collect();
    let mut failures = Vec::new();
    let mut total = 0;
    for run in runs {
        let (name, r) = run.join().unwrap();
        match r {
            Ok(n) => total += n,
            Err(e) => failures.push(e),
        }
        let _ = name;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(total >= 20, "only {total} results compared");
}

#[test]
fn what_has_no_python_equivalent_is_listed_as_comments() {
    let out = sockplay(&["run", "--python", "timeouts"]);
    assert!(out.status.success());
    let program = String::from_utf8_lossy(&out.stdout);
    assert!(program.starts_with("#!/usr/bin/env python3\n"));
    assert!(program.contains("# Left as comments (no Python equivalent here"));
    assert!(
        program
            .lines()
            .any(|l| l.starts_with("#   line ") && l.ends_with(": expect A1 rcvtimeo=500ms")),
        "{program}"
    );
    assert!(program.contains("c2.send(b'a' * 1048576)"));
    assert!(program.contains("lambda: a1.settimeout(0.5)"));
    assert!(program.contains("struct.pack('ll', 0, 500000)"));
}

#[test]
fn udp_commands_with_host_names_export_as_python_makes_them() {
    // Python's sendto() and connect() look the name up themselves, so the
    // program has no getaddrinfo line of its own: its calls and results
    // are the same as sockplay's, lookups aside.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = format!(
        "udp localhost:{port}\nudp\nsendto U2 localhost:{port} \"hello\"\nrecvfrom U1 100\n\
         connect U2 localhost:{port}\nsend U2 \"again!\"\nrecvfrom U1 100\n"
    );
    let path = std::env::temp_dir().join(format!("sockplay-udp-names-{}.sp", std::process::id()));
    std::fs::write(&path, script).unwrap();
    let file = path.to_str().unwrap();
    let exported = sockplay(&["run", "--python", file]);
    assert!(exported.status.success());
    let program = String::from_utf8_lossy(&exported.stdout).into_owned();
    assert!(
        program.contains(&format!("u2.sendto(b'hello', ('localhost', {port}))")),
        "{program}"
    );
    let (ok, out) = python(&program);
    assert!(ok, "{out}");
    let ran = sockplay(&["run", "--json", file]);
    let _ = std::fs::remove_file(&path);
    let ours = from_sockplay(&String::from_utf8_lossy(&ran.stdout));
    let theirs = from_program(&out);
    let key = |s: &str, c: &str| (s.to_string(), c.to_string());
    assert_eq!(ours[&key("U1", "getaddrinfo")].len(), 1);
    assert_eq!(ours[&key("U2", "getaddrinfo")].len(), 2);
    for k in [
        key("U2", "sendto"),
        key("U1", "recvfrom"),
        key("U2", "connect"),
        key("U2", "send"),
    ] {
        assert_eq!(ours.get(&k), theirs.get(&k), "{k:?}\n{out}");
    }
    assert_eq!(theirs[&key("U1", "recvfrom")], vec!["5", "6"]);
}

/// A lesson whose lab runs in a namespace of its own exports a program
/// that runs in one too, and paces what the lesson paces.
#[test]
fn a_lesson_in_its_own_namespace_exports_a_program_that_goes_there_and_keeps_its_pace() {
    let out = sockplay(&["run", "--python", "flow-control"]);
    let program = String::from_utf8_lossy(&out.stdout);
    assert!(
        program.contains("_own_namespace()"),
        "runs in its own namespace"
    );
    assert!(
        program.contains("send_paced(c1, b'a' * 163840, 12288)"),
        "rate= as a paced loop"
    );
    assert!(program.contains("drain('A1', a1, True, rate=1048576)"));
    // A lesson that shows no wire runs on the machine's loopback, as its lab.
    let plain = sockplay(&["run", "--python", "partial-send"]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("_own_namespace()"));
    // Inside, the program's loopback is a network's (SIOCGIFMTU: /sys
    // shows the namespace it was mounted in). Only where no namespace can
    // be made (no root, user namespaces refused) does it run on the
    // machine's loopback, saying so; CI, as root, always makes one.
    assert!(program.ends_with("\n\nlesson()\n"), "the lesson runs last");
    let probe = program.replace(
        "\n\nlesson()\n",
        "\n_s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
         print('OWN', OWN_NETNS)\n\
         print('MTU', struct.unpack('16si', fcntl.ioctl(_s, 0x8921, struct.pack('16si', b'lo', 0)))[1])\n\
         sys.exit(0)\n",
    );
    let (ok, text) = python(&probe);
    assert!(ok, "{text}");
    if cfg!(ci) || text.contains("OWN True") {
        assert!(
            text.contains("OWN True") && text.contains("MTU 1500"),
            "{text}"
        );
    }
}

mod needs_pyflakes {
    use super::*;

    /// Every lesson's program is code a teacher would show: pyflakes finds no
    /// undefined or unused name in it.
    #[test]
    #[cfg_attr(
        not(ci),
        ignore = "needs pyflakes (pip install pyflakes); CI installs it"
    )]
    fn every_exported_program_is_pyflakes_clean() {
        let mut found = Vec::new();
        for lesson in sockplay::script::lessons::all() {
            let exported = sockplay(&["run", "--python", &lesson.name]);
            let path = std::env::temp_dir().join(format!(
                "sockplay-pyflakes-{}-{}.py",
                std::process::id(),
                lesson.name
            ));
            std::fs::write(&path, &exported.stdout).unwrap();
            let out = Command::new("python3")
                .args(["-m", "pyflakes"])
                .arg(&path)
                .output()
                .expect("python3 runs");
            let _ = std::fs::remove_file(&path);
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                !text.contains("No module named pyflakes"),
                "pyflakes is not installed: pip install pyflakes"
            );
            if !out.status.success() {
                found.push(format!("{}: {text}", lesson.name));
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
