//! The `sockplay` command: parse the command line, pick the mode, map
//! outcomes to exit codes.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use sockplay::script::json::JsonLines;
use sockplay::script::transcript::Transcript;
use sockplay::script::{Line, Runner, Sink, parse_line, parse_script};

/// A socket playground: real TCP sockets, one call at a time.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run a script without the TUI and print a transcript.
    Run {
        /// Print JSON Lines (SPEC §5) instead of a transcript.
        #[arg(long)]
        json: bool,
        /// How long a call may take before it is reported blocked, in ms.
        #[arg(long, default_value_t = 200, value_name = "MS")]
        settle: u64,
        /// The script (`-` for standard input).
        file: PathBuf,
    },
    /// Type commands one line at a time, results printed as they come.
    Shell,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.mode {
        Some(Mode::Run { json, settle, file }) => run(&file, json, Duration::from_millis(settle)),
        Some(Mode::Shell) | None => shell(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sockplay: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_script(file: &PathBuf) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

fn run(file: &PathBuf, json: bool, settle: Duration) -> anyhow::Result<u8> {
    let text = read_script(file)?;
    let stdout = std::io::stdout().lock();
    let mut sink: Box<dyn Sink> = if json {
        Box::new(JsonLines::new(stdout))
    } else {
        Box::new(Transcript::new(stdout))
    };
    let lines = match parse_script(&text) {
        Ok(lines) => lines,
        Err(e) => {
            sink.error(e.line, Some(e.error.col), &e.error.message);
            eprintln!("sockplay: {}: {e}", file.display());
            return Ok(2);
        }
    };
    let status = Runner::new(sink.as_mut()).with_settle(settle).run(&lines);
    Ok(status.code() as u8)
}

fn shell() -> anyhow::Result<u8> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "sockplay shell: type commands (`help` lists them), Ctrl-D to quit.\n\
             Try: listen backlog=2   then   connect L1 x4   then   show"
        );
    }
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut sink = Transcript::new(std::io::stdout());
    let mut runner = Runner::new(&mut sink);
    let mut number = 0;
    let prompt = || {
        if interactive {
            eprint!("sockplay> ");
            let _ = std::io::stderr().flush();
        }
    };
    prompt();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(text) => {
                number += 1;
                match parse_line(&text) {
                    Ok(Some(statement)) => {
                        let line = Line {
                            number,
                            text: text.trim().to_string(),
                            statement,
                        };
                        runner.run_line(&line);
                    }
                    Ok(None) => {}
                    Err(e) => eprintln!("error: {e}"),
                }
                prompt();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => runner.idle(Duration::ZERO),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    runner.close();
    Ok(0)
}
