//! What claim tests share: python3 run on this kernel, and a lesson's text
//! to find the claim's words in.

use std::process::Command;

/// What python3 printed running `program` (trimmed); panics with what it
/// said when it fails.
pub fn python3(program: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", program])
        .output()
        .expect("python3 runs (.ci/run installs it)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// What python3 printed running `program` in a network namespace of its
/// own whose loopback has a network's MTU (1500). Needs root.
pub fn python3_in_own_netns(program: &str) -> String {
    let out = Command::new("unshare")
        .args([
            "-n",
            "sh",
            "-c",
            "ip link set lo mtu 1500 up && python3 -c \"$0\"",
        ])
        .arg(program)
        .output()
        .expect("unshare (util-linux) and ip (iproute2) run");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The text of the shipped lesson `name`.
pub fn lesson(name: &str) -> String {
    sockplay::script::lessons::find(name)
        .unwrap_or_else(|e| panic!("{e}"))
        .text
}
