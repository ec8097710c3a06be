#!/usr/bin/env python3
"""`connect L1 x100000` in the TUI against a listener of backlog 5: the
connects the queue cannot take wait in SYN-SENT. Prints the most threads,
the most RSS and the descriptors over 30 s (read from /proc), then how long
quitting takes in that state: q then y, Ctrl-C, SIGTERM. Then the same
storm headless, in `sockplay run` and `sockplay run --wire`: the most
threads and RSS, and how long SIGTERM takes. With `--other-states`, the
same three ways of quitting are timed in other busy states too: idle, a
bulk transfer, a repeated sendto.

Run: python3 benches/connect_storm.py [--seconds 30] [--other-states]
     (builds the release binary)

Targets: threads <= 64, RSS <= 64 MiB, each way of quitting <= 1 s.
"""
import argparse, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import BIN, Peak, Tail, build_release  # noqa: E402


def storm(seconds):
    """Starts the storm; returns the terminal and the worst figures seen."""
    p = Tail(["--listen"], cols=100, rows=30)
    p.wait_for("Listeners")
    p.read(0.3)
    p.write(":connect L1 x100000\r")
    peak = Peak(p.proc.pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        p.read(0.5)
        peak.sample()
    return p, peak.threads, peak.rss, peak.fds


# Other states to quit from: commands typed after `--listen`, and how long
# to let them run first.
OTHER_STATES = [
    ("idle", [], 2),
    ("sendall C1 1g into drain A1 on", ["connect L1", "accept L1", "drain A1 on", "sendall C1 1g"], 3),
    ("sendto U2 U1 100 x100000", ["udp", "udp", "sendto U2 U1 100 x100000"], 3),
]


def busy(commands, seconds):
    """The TUI with a listener, running `commands`, after `seconds`."""
    p = Tail(["--listen"], cols=100, rows=30)
    p.wait_for("Listeners")
    p.read(0.3)
    for c in commands:
        p.write(":" + c + "\r")
        p.read(0.2)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        p.read(0.2)
    return p


def quit_time(p, how):
    t = time.monotonic()
    if how == "q, y":
        p.write("q")
        p.read(0.05)
        p.write("y")
    elif how == "Ctrl-C":
        p.write("\x03")
    else:
        p.proc.send_signal(signal.SIGTERM)
    while p.proc.poll() is None and time.monotonic() - t < 10:
        p.read(0.01)
    took = time.monotonic() - t
    if p.proc.poll() is None:
        p.proc.kill()
        p.proc.wait()
    os.close(p.master)
    return took


def headless(seconds, wire):
    """The storm in `sockplay run` (with `--wire` when asked): the most
    threads and RSS over `seconds`, then how long SIGTERM takes."""
    with tempfile.NamedTemporaryFile("w", suffix=".sp") as script:
        script.write(f"listen backlog=5\nconnect L1 x100000\nsleep {int(seconds) + 30}s\n")
        script.flush()
        args = [BIN, "run"] + (["--wire"] if wire else []) + [script.name]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = Peak(proc.pid)
        end = time.monotonic() + seconds
        while time.monotonic() < end and proc.poll() is None:
            peak.sample()
            time.sleep(0.25)
        t = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return peak.threads, peak.rss, peak.fds, time.monotonic() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--other-states", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        build_release()
    for i, how in enumerate(["q, y", "Ctrl-C", "SIGTERM"]):
        p, t, rss, nfd = storm(args.seconds if i == 0 else 10)
        if i == 0:
            print(f"connect L1 x100000 for {args.seconds:.0f} s: at most {t} threads (target <= 64), "
                  f"{rss:.1f} MiB RSS (target <= 64 MiB), {nfd} descriptors")
        took = quit_time(p, how)
        print(f"quit by {how} with the connects blocked: {took:.2f} s (target <= 1 s)")
    for wire in [False, True]:
        t, rss, nfd, took = headless(args.seconds, wire)
        mode = "sockplay run --wire" if wire else "sockplay run"
        print(f"{mode}, connect L1 x100000 for {args.seconds:.0f} s: at most {t} threads (target <= 64), "
              f"{rss:.1f} MiB RSS (target <= 64 MiB), {nfd} descriptors; SIGTERM took {took:.2f} s (target <= 1 s)")
    if args.other_states:
        for state, commands, seconds in OTHER_STATES:
            took = [quit_time(busy(commands, seconds), how) for how in ["q, y", "Ctrl-C", "SIGTERM"]]
            print(f"quit in state '{state}': q, y {took[0]:.2f} s, Ctrl-C {took[1]:.2f} s, "
                  f"SIGTERM {took[2]:.2f} s (target <= 1 s)")


if __name__ == "__main__":
    main()
