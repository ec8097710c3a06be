#!/usr/bin/env python3
"""`sendto U2 U1 100 x100000` three times in the TUI, and the same script
headless (`sockplay run`): the most RSS, read from /proc every 100 ms.

Run: python3 benches/sendto_repeat.py   (builds the release binary)

Target: <= 64 MiB for the three lines.
"""
import os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import BIN, Peak, Tail, build_release  # noqa: E402

LINES = ["udp", "udp"] + ["sendto U2 U1 100 x100000"] * 3


def in_the_tui(seconds=20):
    p = Tail([], cols=100, rows=30)
    p.wait_for("Listeners")
    p.read(0.3)
    for line in LINES:
        p.write(":" + line + "\r")
        p.read(0.2)
    peak = Peak(p.proc.pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        p.read(0.1)
        peak.sample()
    p.close()
    return peak.rss


def headless():
    script = tempfile.NamedTemporaryFile("w", suffix=".sp", delete=False)
    script.write("\n".join(LINES) + "\nsleep 5s\n")
    script.close()
    proc = subprocess.Popen([BIN, "run", script.name], stdout=subprocess.DEVNULL)
    peak = Peak(proc.pid)
    while proc.poll() is None:
        peak.sample()
        time.sleep(0.1)
    os.unlink(script.name)
    return peak.rss


def main():
    if "--no-build" not in sys.argv:
        build_release()
    print(f"sendto U2 U1 100 x100000, three lines, in the TUI: at most {in_the_tui():.1f} MiB RSS (target <= 64 MiB)")
    print(f"the same, headless (sockplay run): at most {headless():.1f} MiB RSS (target <= 64 MiB)")


if __name__ == "__main__":
    main()
