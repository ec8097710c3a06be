//! The `sockplay` command: parse the command line, pick the mode, map
//! outcomes to exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use sockplay::lab::preview::escape_text;
use sockplay::script::lessons::{self, Lesson};
use sockplay::script::transcript::Transcript;
use sockplay::script::{Line, Runner, parse_line, parse_script};
use sockplay::tui::theme::{Theme, ThemeName};
use sockplay::wire::PcapTarget;

mod manual;
mod scripted;
mod setup;
mod watch;

/// A socket playground: real TCP sockets, one call at a time.
///
/// Without a subcommand, opens the lab in the terminal.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    /// Start with a listener (ADDR: PORT, HOST:PORT, [::1]:PORT; default 127.0.0.1:0).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    listen: Option<String>,
    /// The listener's backlog (with --listen).
    #[arg(long, value_name = "N", requires = "listen")]
    backlog: Option<i32>,
    /// The listener's receive buffer, e.g. 4k (with --listen).
    #[arg(long, value_name = "SIZE", requires = "listen")]
    rcvbuf: Option<String>,
    /// The listener's send buffer (with --listen).
    #[arg(long, value_name = "SIZE", requires = "listen")]
    sndbuf: Option<String>,
    /// The listener's timeout mode: none, 0 or a duration (with --listen).
    #[arg(long, value_name = "MODE", requires = "listen")]
    timeout: Option<String>,
    /// Play a script into the live lab.
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
    /// Run the lab in a network namespace of its own: only the lab's
    /// loopback, and overflow counters that count this lab alone. Nothing
    /// outside can connect to it.
    #[arg(long, global = true)]
    netns: bool,
    /// Write every segment between the lab's sockets to FILE as pcapng
    /// (each packet commented with the call that caused it). Needs
    /// CAP_NET_RAW: root, `setcap cap_net_raw+ep`, or --netns.
    /// The file is made new (mode 0600): an existing one is refused unless
    /// --force, and a symbolic link is never followed.
    #[arg(long, global = true, value_name = "FILE")]
    pcap: Option<PathBuf>,
    /// Put the lab on a link of its own from the start: a network with
    /// distance between its clients and listeners, e.g. delay=50ms,rate=2mbit
    /// (also loss=1%, queue=64k, jitter=2ms). Runs the lab in a network
    /// namespace of its own, as --netns does.
    #[arg(long, global = true, value_name = "SETTINGS")]
    link: Option<String>,
    /// With --pcap: replace the file if it exists (never through a link).
    #[arg(long, global = true, requires = "pcap")]
    force: bool,
    /// Colours: dark, light (bright rooms) or contrast (projectors, low
    /// vision: 7:1 or more). Default: $SOCKPLAY_THEME, else dark; NO_COLOR
    /// turns colour off unless a theme is given here.
    #[arg(long, global = true, value_name = "THEME")]
    theme: Option<ThemeName>,
    /// Record the session in the terminal to FILE as an asciicast v2
    /// (`asciinema play FILE` plays it back).
    #[arg(long, global = true, value_name = "FILE")]
    record: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run a script (or a lesson, by name) without the TUI and print a transcript.
    Run {
        /// Print JSON Lines instead of a transcript: one object per line, its `type` one of op, blocked, expect, snapshot, note, step, error, info.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// Print a Markdown handout: narration, commands and results.
        #[arg(long)]
        markdown: bool,
        /// With --markdown: draw SVG figures of each step into DIR and link
        /// them from the handout: its ladder and time-sequence graph where
        /// segments were captured, the listeners' queues over time where
        /// the step checks them.
        #[arg(long, value_name = "DIR", requires = "markdown")]
        figures: Option<PathBuf>,
        /// How long a call may take before it is reported blocked, in ms
        /// (and then only once its thread sleeps in the kernel).
        #[arg(long, default_value_t = 200, value_name = "MS")]
        settle: u64,
        /// Capture the segments between the lab's sockets and put them in
        /// the transcript between the results (`packet` lines with --json).
        #[arg(long)]
        wire: bool,
        /// Print a Python 3 program that makes the script's calls with the
        /// socket module and prints their results as the transcript does;
        /// nothing runs.
        #[arg(long, conflicts_with_all = ["json", "markdown", "wire"])]
        python: bool,
        /// Play a lesson through the lab's screen on a virtual terminal, as
        /// a reader would (each step and pause held for the time it takes
        /// to read), and print it as an asciicast v2 recording.
        #[arg(long, conflicts_with_all = ["json", "markdown", "wire", "python"])]
        cast: bool,
        /// The virtual terminal of --cast, COLUMNSxROWS.
        #[arg(long, value_name = "COLSxROWS", default_value = "100x30", requires = "cast", value_parser = parse_size)]
        size: (u16, u16),
        /// With --cast: hold each step and pause this long (e.g. 3s)
        /// instead of the time its narration takes to read.
        #[arg(long, value_name = "DURATION", requires = "cast", value_parser = sockplay::script::units::duration)]
        hold: Option<Duration>,
        /// The script (`-` for standard input).
        file: PathBuf,
    },
    /// Type commands one line at a time, results printed as they come.
    Shell,
    /// List the lessons.
    Lessons,
    /// Open a lesson in the lab: narration in its own pane, space for the next step.
    Lesson {
        /// A lesson's name (see `sockplay lessons`) or the path of a lesson file.
        name: String,
    },
    /// Print a completion script for a shell (see the README to install it).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `sockplay man | man -l -`.
    Man,
    /// Watch a real server's sockets in the lab's panes: its accept queue,
    /// SYN queue, buffers and connections, each with its process; the
    /// command line still works beside it.
    #[command(
        after_help = "In another network namespace (a container's; needs root): --netns PID or --netns /run/netns/NAME.\n\nExamples:\n  sockplay watch 8080\n  sockplay watch 127.0.0.1:8080 --json --count 3\n  sockplay watch pid=4242\n  sockplay watch --netns 4242 8080\n  sockplay watch -- python3 server.py"
    )]
    Watch {
        /// PORT, HOST:PORT, [::1]:PORT or pid=PID (or `-- COMMAND ARGS…`).
        #[arg(value_name = "TARGET", required_unless_present = "command")]
        target: Option<String>,
        /// Print one JSON `snapshot` line per interval (and an `event` line per alert) instead of the panes.
        #[arg(long)]
        json: bool,
        /// Print this many snapshots, then exit (with --json).
        #[arg(long, value_name = "N", requires = "json")]
        count: Option<u64>,
        /// Time between snapshots (with --json); 0 samples back to back.
        #[arg(long, value_name = "D", default_value = "1s", requires = "json")]
        interval: String,
        /// Where the started program's output goes (default: a file in the
        /// temporary directory; standard error with --json).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Start this program and watch its sockets as it makes them.
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    sockplay::sys::arenas::cap();
    // `watch --netns PID|PATH` names another namespace; the lab's own
    // `--netns` takes no value.
    let (args, watch_netns) = watch::take_netns(std::env::args_os().collect());
    let cli = Cli::parse_from(args);
    // Before any thread starts: threads keep the namespace they began in.
    if let Some(ns) = &watch_netns
        && let Err(e) = sockplay::lab::netns::enter_other(ns)
    {
        eprintln!("sockplay: --netns {}: {e}", escape_text(ns));
        return ExitCode::from(2);
    }
    let in_terminal = matches!(
        cli.mode,
        None | Some(Mode::Lesson { .. }) | Some(Mode::Watch { json: false, .. })
    );
    if cli.record.is_some() && !in_terminal {
        eprintln!(
            "sockplay: --record records the lab in a terminal (sockplay, sockplay lesson NAME, sockplay watch TARGET); `run --cast` records a lesson without one"
        );
        return ExitCode::from(2);
    }
    // Made before anything runs, so that a refused path is one line and
    // nothing else happens.
    let pcap = match cli.pcap.as_deref().map(|p| PcapTarget::open(p, cli.force)) {
        Some(Err(e)) => {
            eprintln!("sockplay: {}", escape_text(&e.to_string()));
            return ExitCode::from(2);
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    // A link, from --link or a lesson's header, checked before anything runs.
    let link = match setup::link_plan(&cli) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("sockplay: {}", escape_text(&e));
            return ExitCode::from(2);
        }
    };
    // A lesson that floods or changes settings brings its own namespace;
    // so does one on a link.
    let lesson_netns = setup::lesson_needing_netns(&cli.mode).or_else(|| link.lesson.clone());
    // Before any thread starts: threads keep the namespace they began in.
    if cli.netns || lesson_netns.is_some() || link.now.is_some() {
        if let Err(e) = sockplay::lab::netns::enter_own() {
            match lesson_netns {
                _ if cli.link.is_some() && !cli.netns => eprintln!("sockplay: --link: {e}"),
                Some(name) if !cli.netns => eprintln!(
                    "sockplay: the lesson {name} runs in a network namespace of its own, and none could be made: {e}"
                ),
                _ => eprintln!("sockplay: --netns: {e}"),
            }
            return ExitCode::from(2);
        }
        if cli.netns {
            sockplay::lab::netns::mark_asked();
        }
        match setup::own_lab_lesson(&cli) {
            // A lesson written for the machine's loopback (its sends fill
            // buffers 64 KiB at a time) keeps it under --netns as well: cut
            // into 1448-byte segments, its calls would return other counts.
            Some((name, false))
                if lesson_netns.is_none()
                    && link.now.is_none()
                    && !setup::shapes_loopback(&cli) =>
            {
                eprintln!(
                    "sockplay: {name} runs in the lab's own namespace; its loopback stays as the machine's (MTU 65536, TSO/GSO on), so that its calls return what they would outside"
                )
            }
            _ => own_loopback(),
        }
    } else if let Some((name, wire)) = setup::own_lab_lesson(&cli) {
        // A lesson that shows the wire runs in a lab of its own where it can:
        // capture is allowed there, and the loopback looks like a network.
        // So does one that asks, so that the counters it shows are its own.
        // Played on the screen, the lesson says so itself (a listener's
        // result names the lab's own namespace): a line written before the
        // screen opens is seen only after it closes, left in the terminal.
        let say = !matches!(cli.mode, Some(Mode::Lesson { .. }));
        match sockplay::lab::netns::enter_own() {
            Ok(()) if wire => {
                own_loopback();
                let mtu = sockplay::wire::loopback::mtu().unwrap_or(0);
                if say {
                    eprintln!(
                        "sockplay: {name} shows the wire: it runs in a lab of its own (a network namespace; its loopback has MTU {mtu}, TSO/GSO off, so segments look like a real network's)"
                    );
                }
            }
            // One whose figures should read as in the lessons that show
            // the wire has its loopback shaped the same way.
            Ok(()) if setup::shapes_loopback(&cli) => {
                own_loopback();
                if say {
                    let mtu = sockplay::wire::loopback::mtu().unwrap_or(0);
                    eprintln!(
                        "sockplay: {name} runs in a lab of its own (a network namespace; its loopback has MTU {mtu}, TSO/GSO off, as in the lessons that show the wire)"
                    );
                }
            }
            // Its loopback stays as the machine's (MTU 65536, TSO/GSO on),
            // so that its calls return what they would outside.
            Ok(()) if say => eprintln!(
                "sockplay: {name} runs in a lab of its own (a network namespace, its loopback as the machine's), so the counters it shows are its own"
            ),
            Ok(()) => {}
            Err(e) if wire => eprintln!(
                "sockplay: {name} shows the wire; it runs in the machine's namespace ({e})"
            ),
            Err(e) => eprintln!(
                "sockplay: {name} runs in the machine's namespace, where the counters it shows are system-wide ({e})"
            ),
        }
    }
    if let Some(Err(e)) = link.now.as_ref().map(sockplay::link::apply) {
        eprintln!("sockplay: {}", escape_text(&e));
        return ExitCode::from(2);
    }
    // As many sockets as the system allows; running out is then EMFILE, said plainly.
    sockplay::lab::limits::raise_nofile();
    let result = match cli.mode {
        Some(Mode::Run {
            python: true, file, ..
        }) => scripted::python_program(&file),
        Some(Mode::Run {
            cast: true,
            ref file,
            size,
            hold,
            ..
        }) => cast(file, size, hold, pcap.clone(), &cli),
        Some(Mode::Run {
            json,
            markdown,
            settle,
            wire,
            file,
            figures,
            ..
        }) => scripted::run(
            &file,
            json,
            (markdown, figures),
            Duration::from_millis(settle),
            wire,
            pcap.clone(),
        ),
        Some(Mode::Shell) => shell(),
        Some(Mode::Lessons) => {
            list_lessons();
            Ok(0)
        }
        Some(Mode::Lesson { ref name }) => lesson(name, pcap.clone(), &cli),
        Some(Mode::Completions { shell }) => manual::completions(shell, Cli::command()),
        Some(Mode::Man) => manual::man_page(Cli::command()),
        Some(Mode::Watch {
            ref target,
            json,
            count,
            ref interval,
            ref output,
            ref command,
        }) => watch::watch(&watch::Args {
            target: target.clone(),
            json,
            count,
            interval: interval.clone(),
            output: output.clone(),
            command: command.clone(),
            pcap: pcap.clone(),
            theme: cli.theme,
            record: cli.record.clone(),
        }),
        None => tui(&cli, pcap.clone()),
    };
    // A capture asked for and not whole is a failed run, said last.
    let result = match (result, pcap.and_then(|t| t.problem().map(|p| (t, p)))) {
        (Ok(code), Some((t, problem))) => {
            let said = format!("--pcap {}: {problem}", t.path().display());
            eprintln!("sockplay: {}", escape_text(&said));
            Ok(code.max(2))
        }
        (result, _) => result,
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("sockplay: {}", escape_text(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// In a lab of its own: MTU 1500 and no TSO/GSO on its loopback, so that
/// captured segments are the size a real network's are.
fn own_loopback() {
    if let Err(e) = sockplay::wire::loopback::like_a_network() {
        eprintln!("sockplay: the lab's loopback keeps MTU 65536 ({e})");
    }
}

/// A script's text: a regular file or standard input, bounded in size and
/// line length, UTF-8; a refusal is one line naming the file.
fn read_script(file: &std::path::Path) -> anyhow::Result<String> {
    sockplay::script::source::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

/// A script by path, or a built-in lesson by name.
fn script_or_lesson(file: &std::path::Path) -> anyhow::Result<Lesson> {
    if file.as_os_str() != "-" && !file.exists() {
        let name = file.to_string_lossy();
        if let Some(l) = lessons::all().into_iter().find(|l| l.name == name) {
            return Ok(l);
        }
    }
    let text = read_script(file)?;
    Ok(Lesson::from_text(&file.display().to_string(), &text))
}

/// `run --cast`: the lesson played headless through the lab's screen,
/// printed as an asciicast; each step said on stderr as it begins.
fn cast(
    file: &std::path::Path,
    size: (u16, u16),
    hold: Option<Duration>,
    pcap: Option<PcapTarget>,
    cli: &Cli,
) -> anyhow::Result<u8> {
    let lesson = script_or_lesson(file)?;
    let lines =
        parse_script(&lesson.text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let steps = lines
        .iter()
        .filter(|l| matches!(l.statement, sockplay::script::Statement::Step(_)))
        .count();
    if std::io::stdout().is_terminal() {
        anyhow::bail!("--cast prints a recording: send it to a file (> lesson.cast)");
    }
    let opts = sockplay::tui::headless::Options {
        size,
        theme: Theme::choose(cli.theme).map_err(anyhow::Error::msg)?,
        hold,
        pcap,
        ..Default::default()
    };
    let began = std::time::Instant::now();
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let (played, out) = sockplay::tui::headless::play(
        &lesson.title,
        lines,
        &opts,
        out,
        |_| {},
        |n, title| {
            let t = began.elapsed().as_secs();
            let said = format!("step {n}/{steps}: {title} ({}:{:02})", t / 60, t % 60);
            eprintln!("sockplay: {}", escape_text(&said));
        },
    )?;
    drop(out);
    for f in &played.failed {
        eprintln!("sockplay: expect failed: {}", escape_text(f));
    }
    Ok(if played.failed.is_empty() { 0 } else { 1 })
}

/// `--size 100x30`: columns and rows, at least what the screen needs.
fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (min_w, min_h) = sockplay::tui::view::layout::MIN_SIZE;
    let parsed = text
        .split_once(['x', 'X', '×'])
        .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)));
    match parsed {
        None => Err("expected COLUMNSxROWS, e.g. 100x30".into()),
        Some((w, h)) if w < min_w || h < min_h => {
            Err(format!("the screen needs at least {min_w}x{min_h}"))
        }
        Some((w, h)) if w > 1000 || h > 1000 => Err("at most 1000x1000".into()),
        Some(size) => Ok(size),
    }
}

/// The `listen` command that `--listen …` stands for.
fn listen_command(cli: &Cli) -> Option<String> {
    let addr = cli.listen.as_ref()?;
    let mut cmd = format!("listen {addr}");
    if let Some(b) = cli.backlog {
        cmd.push_str(&format!(" backlog={b}"));
    }
    for (key, value) in [
        ("rcvbuf", &cli.rcvbuf),
        ("sndbuf", &cli.sndbuf),
        ("timeout", &cli.timeout),
    ] {
        if let Some(v) = value {
            cmd.push_str(&format!(" {key}={v}"));
        }
    }
    Some(cmd.replace("listen  ", "listen "))
}

fn tui(cli: &Cli, pcap: Option<PcapTarget>) -> anyhow::Result<u8> {
    let mut start = sockplay::tui::Start {
        pcap,
        theme: Some(Theme::choose(cli.theme).map_err(anyhow::Error::msg)?),
        record: cli.record.clone(),
        ..Default::default()
    };
    if let Some(cmd) = listen_command(cli) {
        // Checked here, so a mistake is one clear line before the screen opens.
        parse_line(&cmd).map_err(|e| anyhow::anyhow!("--listen: {}", e.message))?;
        start.commands.push(cmd);
    }
    if let Some(file) = &cli.run {
        let text = read_script(file)?;
        let lines = parse_script(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        start.script = Some((file.display().to_string(), lines));
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the lab needs a terminal; use `sockplay run FILE` for scripts or `sockplay shell` for a plain prompt"
        );
    }
    Ok(sockplay::tui::run(start)? as u8)
}

fn list_lessons() {
    let lessons = lessons::all();
    let width = lessons.iter().map(|l| l.name.len()).max().unwrap_or(0);
    println!(
        "Lessons (open one with `sockplay lesson NAME`; `sockplay run --markdown NAME` makes a handout):\n"
    );
    for l in lessons {
        println!("  {:<width$}  {}: {}", l.name, l.title, l.summary);
    }
}

fn lesson(name: &str, pcap: Option<PcapTarget>, cli: &Cli) -> anyhow::Result<u8> {
    let lesson = lessons::find(name).map_err(|e| anyhow::anyhow!(e))?;
    let lines = parse_script(&lesson.text).map_err(|e| anyhow::anyhow!("{}: {e}", lesson.name))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("a lesson plays in a terminal; `sockplay run {name}` runs it without one");
    }
    let start = sockplay::tui::Start {
        script: Some((lesson.title.clone(), lines)),
        lesson: true,
        pcap,
        theme: Some(Theme::choose(cli.theme).map_err(anyhow::Error::msg)?),
        record: cli.record.clone(),
        ..Default::default()
    };
    Ok(sockplay::tui::run(start)? as u8)
}

/// A line as text: bytes that are not UTF-8 are taken as `\xNN` escapes,
/// which the command language reads back as the same bytes inside a text.
fn utf8_or_escaped(line: &[u8]) -> String {
    let mut text = String::with_capacity(line.len());
    for chunk in line.utf8_chunks() {
        text.push_str(chunk.valid());
        text.push_str(&sockplay::lab::preview::escape(chunk.invalid()));
    }
    text
}

/// `quit` or `exit`: the words that end the shell, as in other shells.
fn is_quit(line: &str) -> bool {
    let word = line.trim();
    word.eq_ignore_ascii_case("quit") || word.eq_ignore_ascii_case("exit")
}

fn shell() -> anyhow::Result<u8> {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!(
            "sockplay shell: type commands (`help` lists them); quit, exit or Ctrl-D ends it.\n\
             Try: listen backlog=2   then   connect L1 x4   then   show"
        );
    }
    let (tx, rx) = mpsc::channel::<Result<String, String>>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut bytes = Vec::new();
        // Bounded by the input: each turn reads one line, and stops at its
        // end; a line past the limit ends the input.
        loop {
            match sockplay::script::source::read_line(&mut stdin, &mut bytes) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    break;
                }
            }
            let line = bytes.strip_suffix(b"\r").unwrap_or(&bytes);
            if tx.send(Ok(utf8_or_escaped(line))).is_err() {
                break;
            }
        }
    });
    // At a terminal, the line typed is on the screen already: not echoed.
    let mut sink = Transcript::new(std::io::stdout());
    if interactive {
        sink = sink.without_commands();
    }
    let mut runner = Runner::new(&mut sink);
    let mut number = 0;
    let mut status = 0;
    let prompt = || {
        if interactive {
            eprint!("sockplay> ");
            let _ = std::io::stderr().flush();
        }
    };
    prompt();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Err(e)) => {
                eprintln!("sockplay: standard input, line {}: {e}", number + 1);
                status = 2;
                break;
            }
            Ok(Ok(text)) if is_quit(&text) => break,
            Ok(Ok(text)) => {
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
                    Err(e) => runner.reject(number, &e),
                }
                prompt();
            }
            Err(mpsc::RecvTimeoutError::Timeout) => runner.idle(Duration::ZERO),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    runner.close();
    Ok(status)
}
