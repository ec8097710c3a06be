#!/usr/bin/env python3
"""`sendto U2 U1 100 x100000` three times in the TUI, and the same script
headless (`sockplay run`): the most RSS, read from /proc every 100 ms.

Run: python3 benches/sendto_repeat.py   (builds the release binary)

Target: <= 64 MiB for the three lines.
"""
import os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from whole_process import BIN, ROOT, Pty, rss_mib  # noqa: E402

LINES = ["udp", "udp"] + ["sendto U2 U1 100 x100000"] * 3


class Tail(Pty):
    """Keeps only the last 64 KiB of what was drawn."""

    def read(self, timeout):
        got = super().read(timeout)
        if len(self.out) > 1 << 17:
            self.out = self.out[-(1 << 16):]
        return got


def in_the_tui(seconds=20):
    p = Tail([], cols=100, rows=30)
    p.wait_for("Listeners")
    p.read(0.3)
    for line in LINES:
        p.write(":" + line + "\r")
        p.read(0.2)
    most = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        p.read(0.1)
        most = max(most, rss_mib(p.proc.pid))
    p.close()
    return most


def headless():
    script = tempfile.NamedTemporaryFile("w", suffix=".sp", delete=False)
    script.write("\n".join(LINES) + "\nsleep 5s\n")
    script.close()
    proc = subprocess.Popen([BIN, "run", script.name], stdout=subprocess.DEVNULL)
    most = 0.0
    while proc.poll() is None:
        most = max(most, rss_mib(proc.pid))
        time.sleep(0.1)
    os.unlink(script.name)
    return most


def main():
    if "--no-build" not in sys.argv:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    print(f"sendto U2 U1 100 x100000, three lines, in the TUI: at most {in_the_tui():.1f} MiB RSS (target <= 64 MiB)")
    print(f"the same, headless (sockplay run): at most {headless():.1f} MiB RSS (target <= 64 MiB)")


if __name__ == "__main__":
    main()
