//! Usage of each command: for `help`, for errors, and for the TUI's hints.

/// A command of the language with its usage line and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The command word.
    pub name: &'static str,
    /// Its usage line.
    pub usage: &'static str,
    /// What it does, in a few words.
    pub about: &'static str,
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[Usage] = &[
    Usage {
        name: "listen",
        usage: "listen [ADDR] [backlog=N] [rcvbuf=SIZE] [sndbuf=SIZE] [timeout=MODE] [reuseaddr=on|off] [rcvtimeo=DURATION] [sndtimeo=DURATION]",
        about: "socket + bind + listen; ADDR is PORT, HOST:PORT or [::1]:PORT (default 127.0.0.1:0), backlog 5; also defer_accept=DURATION: handshakes stay SYN-RECV until data comes; and the TCP options nodelay=on|off cork=on|off quickack=on|off keepalive=on|off keepidle=D keepintvl=D keepcnt=N user_timeout=D congestion=NAME, which accepted sockets inherit",
    },
    Usage {
        name: "connect",
        usage: "connect TARGET [xN] [rcvbuf=SIZE] [sndbuf=SIZE] [timeout=MODE] [rcvtimeo=DURATION] [sndtimeo=DURATION]",
        about: "TARGET is a listener (L1) or HOST:PORT; x10 opens ten clients; also the TCP options nodelay=on|off cork=on|off quickack=on|off keepalive=on|off keepidle=D keepintvl=D keepcnt=N user_timeout=D congestion=NAME",
    },
    Usage {
        name: "accept",
        usage: "accept Ln [xN|all]",
        about: "accept() once, N times, or until the accept queue is empty",
    },
    Usage {
        name: "send",
        usage: "send S SIZE|\"TEXT\" [SIZE|\"TEXT\"…]",
        about: "one send() call: SIZE bytes of the pattern abc…z, or the text; more pieces: one send() each, made as soon as the one before returns (a message written in parts)",
    },
    Usage {
        name: "sendall",
        usage: "sendall S SIZE|\"TEXT\" [rate=SIZE/s]",
        about: "send() until all is sent; every step is shown; rate= moves the bytes slowly enough to watch",
    },
    Usage {
        name: "recv",
        usage: "recv S N [peek]",
        about: "one recv() call with an N-byte buffer (peek: MSG_PEEK)",
    },
    Usage {
        name: "recvall",
        usage: "recvall S N",
        about: "recv() until N bytes or end of stream",
    },
    Usage {
        name: "drain",
        usage: "drain S [on [rate=SIZE/s]|off]",
        about: "read everything queued now; on keeps reading as data arrives; rate= reads slowly enough to watch",
    },
    Usage {
        name: "shutdown",
        usage: "shutdown S read|write|both",
        about: "shutdown(); write sends FIN",
    },
    Usage {
        name: "close",
        usage: "close S [rst]",
        about: "close(); rst sets SO_LINGER 0 first so the peer gets a reset",
    },
    Usage {
        name: "set",
        usage: "set S [rcvbuf=SIZE] [sndbuf=SIZE] [timeout=MODE] [nodelay=on|off] [rcvtimeo=DURATION] [sndtimeo=DURATION]",
        about: "change options on a live socket; the TCP options: cork=on|off quickack=on|off keepalive=on|off keepidle=D keepintvl=D keepcnt=N user_timeout=D congestion=NAME",
    },
    Usage {
        name: "show",
        usage: "show [S…] [counters]",
        about: "print the kernel view of all sockets, or of those named (in the lab, opened at its counters)",
    },
    Usage {
        name: "sleep",
        usage: "sleep DURATION",
        about: "let time pass (250ms, 2s, 1.5s)",
    },
    Usage {
        name: "wait",
        usage: "wait S [DURATION]",
        about: "wait until S's pending calls finish (at most 5s unless given)",
    },
    Usage {
        name: "expect",
        usage: "expect S FIELD=VALUE [within DURATION]",
        about: "check a kernel-view field or the last result (ret, errno, partial, timed_out); `expect packet FIELD=VALUE …`: a segment on the wire since the step began; `expect no packet …`: none such",
    },
    Usage {
        name: "note",
        usage: "note \"TEXT\"",
        about: "narration for the reader",
    },
    Usage {
        name: "step",
        usage: "step \"TITLE\"",
        about: "start a lesson step",
    },
    Usage {
        name: "help",
        usage: "help [COMMAND]",
        about: "usage of all commands, or one",
    },
    Usage {
        name: "pause",
        usage: "pause",
        about: "in a lesson: stop here until space (ask the class to predict, then show)",
    },
    Usage {
        name: "select",
        usage: "select S [send|recv] [wire [held]]",
        about: "put S in the selected pane, the bytes it sends or receives first (a lesson points at what it talks about); wire: open the wire pane on its connection until the step ends; held: as it is now, later segments at the next step",
    },
    Usage {
        name: "syn",
        usage: "syn L [xN]",
        about: "N bare SYNs to the lab's listener L, never completed: half-open entries in its SYN queue (needs CAP_NET_RAW and --netns)",
    },
    Usage {
        name: "sysctl",
        usage: "sysctl NAME[=VALUE]",
        about: "read a kernel setting (somaxconn, tcp_syncookies…); set one only in a lab of its own (--netns)",
    },
    Usage {
        name: "link",
        usage: "link [delay=DURATION] [rate=RATE] [loss=PERCENT] [queue=SIZE] [jitter=DURATION] | link down | link up",
        about: "a network with distance between the lab's clients and listeners (delay each way, rate 2mbit, loss 1%); down pulls the cable, up plugs it back",
    },
    Usage {
        name: "udp",
        usage: "udp [ADDR] [rcvbuf=SIZE] [sndbuf=SIZE] [timeout=MODE] [rcvtimeo=DURATION] [sndtimeo=DURATION]",
        about: "a UDP socket, bound (default 127.0.0.1:0): U1, U2, …; connect U1 TARGET gives it a peer, listen U1 shows there is no backlog",
    },
    Usage {
        name: "sendto",
        usage: "sendto S TARGET SIZE|\"TEXT\" [xN]",
        about: "one datagram (or N, each its own call) to TARGET: a UDP socket (U2) or HOST:PORT",
    },
    Usage {
        name: "recvfrom",
        usage: "recvfrom S N [peek]",
        about: "one recvfrom() with an N-byte buffer: one datagram, its sender, and whether it was cut short",
    },
];

/// The usage of a command, by name.
pub fn usage(name: &str) -> Option<&'static Usage> {
    COMMANDS.iter().find(|u| u.name.eq_ignore_ascii_case(name))
}

/// The command names, comma-separated, for "expected one of" messages.
pub fn names() -> String {
    COMMANDS
        .iter()
        .map(|u| u.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Timeout modes, for help text.
pub const MODES: &str = "MODE: none (blocking), 0 (non-blocking), or a duration such as 2s (Python's settimeout: wait until ready, then one non-blocking call); rcvtimeo=/sndtimeo= are the kernel's SO_RCVTIMEO/SO_SNDTIMEO (off to clear)";

/// The TCP options of `listen`, `connect` and `set`, for help text.
pub const TCP_OPTIONS: &str = "TCP options (listen, connect, set): nodelay=on|off (TCP_NODELAY: Nagle off), cork=on|off (TCP_CORK), quickack=on|off (TCP_QUICKACK: until the kernel delays ACKs again), keepalive=on|off (SO_KEEPALIVE) keepidle=D keepintvl=D (TCP_KEEPIDLE, TCP_KEEPINTVL: whole seconds) keepcnt=N (TCP_KEEPCNT, 1 to 127), user_timeout=D|off (TCP_USER_TIMEOUT), congestion=NAME (TCP_CONGESTION: cubic, reno, bbr…, as the kernel offers)";

/// Sizes, for help text.
pub const SIZES: &str = "SIZE: 100, 4k (4096), 1m (1048576), 1g";
