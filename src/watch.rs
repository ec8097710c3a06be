//! `sockplay watch`: the command line's side (the rest is the library's).

use std::io::IsTerminal;
use std::path::PathBuf;

use sockplay::kernel::watch::{Target, Watch};
use sockplay::script::watch::{Headless, Started, run_json, start};

/// What `watch` was given.
pub struct Args {
    pub target: Option<String>,
    pub json: bool,
    pub count: Option<u64>,
    pub interval: String,
    pub output: Option<PathBuf>,
    pub command: Vec<String>,
    pub pcap: Option<sockplay::wire::PcapTarget>,
    pub theme: Option<sockplay::tui::theme::ThemeName>,
    pub record: Option<PathBuf>,
}

/// Runs `watch`: the panes, or JSON lines with `--json`.
pub fn watch(args: &Args) -> anyhow::Result<u8> {
    let interval = match args.interval.as_str() {
        "0" => std::time::Duration::ZERO,
        d => {
            sockplay::script::units::duration(d).map_err(|e| anyhow::anyhow!("--interval: {e}"))?
        }
    };
    if args.target.is_some() && !args.command.is_empty() {
        anyhow::bail!("watch takes a TARGET or `-- COMMAND`, not both");
    }
    if args.count == Some(0) {
        anyhow::bail!("--count: at least 1");
    }
    let target: Option<Target> = match &args.target {
        Some(t) => Some(t.parse().map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    if !args.json && (!std::io::stdout().is_terminal() || !std::io::stdin().is_terminal()) {
        anyhow::bail!(
            "watch shows its panes in a terminal; `watch TARGET --json` prints snapshots without one"
        );
    }
    // Checked before a program starts: an unknown pid is one line.
    if let Some(t) = target {
        Watch::new(t).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let output = match (&args.output, args.json) {
        (Some(o), _) => Some(o.clone()),
        (None, true) => None,
        (None, false) => {
            Some(std::env::temp_dir().join(format!("sockplay-watch-{}.log", std::process::id())))
        }
    };
    let mut started: Option<Started> = if args.command.is_empty() {
        None
    } else {
        Some(start(&args.command, output).map_err(|e| anyhow::anyhow!(e))?)
    };
    let target = match (target, &started) {
        (Some(t), _) => t,
        (None, Some(s)) => Target::Pid(s.pid()),
        (None, None) => anyhow::bail!("watch what? PORT, HOST:PORT, pid=PID or -- COMMAND"),
    };
    if args.json {
        let how = Headless {
            count: args.count,
            interval,
        };
        run_json(target, how, started.as_mut(), std::io::stdout().lock())
            .map_err(|e| anyhow::anyhow!(e))?;
        return Ok(0);
    }
    let start = sockplay::tui::Start {
        pcap: args.pcap.clone(),
        theme: Some(sockplay::tui::theme::Theme::choose(args.theme).map_err(anyhow::Error::msg)?),
        watch: Some(sockplay::tui::WatchStart { target, started }),
        record: args.record.clone(),
        ..Default::default()
    };
    Ok(sockplay::tui::run(start)? as u8)
}

/// Takes `--netns PID|PATH` (or `--netns=…`) out of a `watch` command
/// line: the namespace to watch in, entered before anything starts. The
/// lab's own `--netns`, given alone, stays.
pub fn take_netns(mut args: Vec<std::ffi::OsString>) -> (Vec<std::ffi::OsString>, Option<String>) {
    let is_watch = args
        .iter()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'));
    if is_watch.is_none_or(|a| a != "watch") {
        return (args, None);
    }
    let names_one = |v: &str| v.parse::<u32>().is_ok() || v.starts_with('/');
    // Up to `--`: what follows is the program's own.
    let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
    for i in 1..end {
        let word = args[i].to_string_lossy().into_owned();
        if let Some(v) = word.strip_prefix("--netns=") {
            let v = v.to_string();
            args.remove(i);
            return (args, Some(v));
        }
        if word == "--netns"
            && let Some(v) = args.get(i + 1).map(|v| v.to_string_lossy().into_owned())
            && i + 1 < end
            && names_one(&v)
        {
            args.drain(i..=i + 1);
            return (args, Some(v));
        }
    }
    (args, None)
}
