//! `sysctl NAME[=VALUE]`: reading any kernel setting, and changing the few
//! that decide what the lab's queues and buffers do, only where the change
//! stays inside the lab: in a network namespace of its own, whose
//! `net.*` settings are its own copy.

use std::path::PathBuf;

/// The settings `sysctl NAME=VALUE` may change: per network namespace, and
/// about the queues and buffers the lab shows.
pub const SETTABLE: &[&str] = &[
    "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_abort_on_overflow",
    "net.ipv4.tcp_synack_retries",
    "net.ipv4.tcp_syn_retries",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_syn_linear_timeouts",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_window_scaling",
    "net.ipv4.tcp_moderate_rcvbuf",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_retries2",
];

/// What a `sysctl` read or change came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SysctlReport {
    /// The setting's full name (`net.core.somaxconn`).
    pub name: String,
    /// Its value now, as the kernel reads it back.
    pub value: String,
    /// Its value before a change; `None` for a read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
}

impl std::fmt::Display for SysctlReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.was {
            Some(was) => write!(
                f,
                "sysctl {} = {} (was {was}; for this lab only)",
                self.name, self.value
            ),
            None => write!(f, "sysctl {} = {}", self.name, self.value),
        }
    }
}

/// The full name of a setting: `somaxconn` and `tcp_syncookies` are found
/// under `net.core` and `net.ipv4`. `None` when the name is malformed.
pub fn full_name(name: &str) -> Option<String> {
    let name = name.replace('/', ".");
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        && !name.split('.').any(str::is_empty);
    if !ok {
        return None;
    }
    if name.contains('.') {
        return Some(name);
    }
    ["net.core", "net.ipv4"]
        .iter()
        .map(|prefix| format!("{prefix}.{name}"))
        .find(|full| path(full).exists())
        .or(Some(name))
}

fn path(full: &str) -> PathBuf {
    PathBuf::from("/proc/sys").join(full.replace('.', "/"))
}

/// A value as `sysctl` prints it: words separated by one space.
fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a setting.
pub fn read(name: &str) -> Result<SysctlReport, String> {
    let full = full_name(name).ok_or_else(|| {
        format!("bad setting name '{name}': expected a name such as net.core.somaxconn")
    })?;
    let p = path(&full);
    if p.is_dir() {
        return Err(format!("{full} is a group of settings, not one"));
    }
    let value = std::fs::read_to_string(&p).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("no setting {full} on this kernel"),
        _ => format!("cannot read {full}: {e}"),
    })?;
    Ok(SysctlReport {
        name: full,
        value: tidy(&value),
        was: None,
    })
}

/// Changes a setting, only in a lab of its own and only for [`SETTABLE`] ones.
pub fn write(name: &str, value: &str, own_netns: bool) -> Result<SysctlReport, String> {
    let before = read(name)?;
    let full = before.name.clone();
    if !SETTABLE.contains(&full.as_str()) {
        return Err(format!(
            "sysctl sets only {}; {full} can be read, not set",
            SETTABLE.join(", ")
        ));
    }
    if !own_netns {
        return Err(format!(
            "sysctl {full}=… would change the whole machine: run `sockplay --netns …` for a lab whose settings are its own"
        ));
    }
    let words: Vec<&str> = value.split_whitespace().collect();
    let want = before.value.split_whitespace().count();
    if words.len() != want || !words.iter().all(|w| w.parse::<i64>().is_ok()) {
        let shape = if want == 1 {
            "a whole number".to_string()
        } else {
            format!("{want} whole numbers, quoted (\"4096 131072 6291456\")")
        };
        return Err(format!("bad value '{value}' for {full}: expected {shape}"));
    }
    std::fs::write(path(&full), words.join(" ")).map_err(|e| {
        if e.raw_os_error() == Some(libc::EINVAL) {
            format!("the kernel refused {full}={value}: out of its range")
        } else {
            format!("cannot set {full}: {e}")
        }
    })?;
    let after = read(&full)?;
    Ok(SysctlReport {
        was: Some(before.value),
        ..after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_completed_and_checked() {
        assert_eq!(
            full_name("somaxconn").as_deref(),
            Some("net.core.somaxconn")
        );
        assert_eq!(
            full_name("tcp_syncookies").as_deref(),
            Some("net.ipv4.tcp_syncookies")
        );
        assert_eq!(full_name("../../etc/passwd"), None);
        assert_eq!(full_name("net..core"), None);
        assert!(
            read("net.core.somaxconn")
                .unwrap()
                .value
                .parse::<u64>()
                .is_ok()
        );
        assert_eq!(read("tcp_rmem").unwrap().value.split(' ').count(), 3);
        assert!(read("no_such_setting").unwrap_err().contains("no setting"));
    }

    #[test]
    fn setting_outside_a_lab_of_its_own_is_refused_and_changes_nothing() {
        let before = read("somaxconn").unwrap().value;
        let e = write("somaxconn", "7", false).unwrap_err();
        assert!(e.contains("would change the whole machine"), "{e}");
        assert_eq!(read("somaxconn").unwrap().value, before);
        let e = write("net.ipv4.ip_forward", "1", true).unwrap_err();
        assert!(e.contains("can be read, not set"), "{e}");
    }
}
