//! `sockplay completions SHELL` and `sockplay man`, generated from the
//! command line's own definitions (clap_complete, clap_mangen), so that
//! they cannot drift from `--help`.

use std::io::Write;

/// `sockplay completions SHELL`: generated from the clap definitions, so the
/// completions know every subcommand and option there is.
pub fn completions(shell: clap_complete::Shell, mut cmd: clap::Command) -> anyhow::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "sockplay", &mut script);
    print_all(&script)
}

/// `sockplay man`: the manual page, from the same definitions: the
/// command and its options, each subcommand with its own, the environment.
pub fn man_page(cmd: clap::Command) -> anyhow::Result<u8> {
    let cmd = cmd.disable_help_subcommand(true);
    let man = clap_mangen::Man::new(cmd.clone()).manual("sockplay manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    page.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands() {
        let name = format!("sockplay {}", sub.get_name());
        let sub = sub.clone().bin_name(&name).disable_help_flag(true);
        let man = clap_mangen::Man::new(sub.clone());
        page.extend_from_slice(format!(".SS \"{name}\"\n").as_bytes());
        let mut usage = Vec::new();
        man.render_synopsis_section(&mut usage)?;
        page.extend_from_slice(
            String::from_utf8(usage)?
                .replace(".SH SYNOPSIS\n", "")
                .as_bytes(),
        );
        if let Some(about) = sub.get_about() {
            page.extend_from_slice(format!(".PP\n{about}\n").as_bytes());
        }
        if sub.get_arguments().next().is_some() {
            let mut options = Vec::new();
            man.render_options_section(&mut options)?;
            page.extend_from_slice(
                String::from_utf8(options)?
                    .replace(".SH OPTIONS\n", "")
                    .as_bytes(),
            );
        }
    }
    page.extend_from_slice(ENVIRONMENT.as_bytes());
    man.render_version_section(&mut page)?;
    print_all(&page)
}

/// Writes `bytes` to standard output; a reader that stops early (`| head`)
/// is not an error.
fn print_all(bytes: &[u8]) -> anyhow::Result<u8> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

/// The manual's ENVIRONMENT section, in roff.
const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBSOCKPLAY_THEME\fR
The colours when \fB\-\-theme\fR is not given: dark, light or contrast.
.TP
\fBNO_COLOR\fR
When set and not empty, no colour (words and bold still carry every meaning), unless \fB\-\-theme\fR is given.
.SH SEE ALSO
\fBss\fR(8), \fBnstat\fR(8), \fBsocket\fR(7), \fBtcp\fR(7), \fBudp\fR(7)
"#;
