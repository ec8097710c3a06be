#!/usr/bin/env python3
"""What the process-level benchmarks share: sockplay in a pseudo-terminal,
and its figures read from /proc (RSS, CPU, threads, descriptors), sampled
while it runs.

Not a benchmark itself: benches/whole_process.py, soak.py,
connect_storm.py and sendto_repeat.py import it.
"""
import fcntl, os, pty, select, struct, subprocess, termios, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "sockplay")
TICK = os.sysconf("SC_CLK_TCK")


def build_release():
    """Builds the release binary the figures are measured on."""
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


class Pty:
    """sockplay in a pseudo-terminal; `read` collects what it draws."""

    def __init__(self, args, cols=160, rows=48):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([BIN] + args, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, env=env)
        os.close(slave)
        self.out = b""

    def read(self, timeout):
        end = time.monotonic() + timeout
        got = False
        while time.monotonic() < end:
            r, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not r:
                break
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.out += chunk
            got = True
            timeout = 0.005  # keep reading what is already there
            end = min(end, time.monotonic() + timeout)
        return got

    def wait_for(self, text, limit=10.0):
        end = time.monotonic() + limit
        while text.encode() not in self.out:
            if time.monotonic() > end:
                raise RuntimeError(f"{text!r} never showed")
            self.read(0.05)
        return time.monotonic()

    def write(self, s):
        os.write(self.master, s.encode())

    def close(self):
        try:
            self.write("q")
            time.sleep(0.2)
            self.write("y")
            self.proc.wait(timeout=3)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


class Tail(Pty):
    """A terminal that keeps only the last 64 KiB of what was drawn: long
    runs of frames must not slow the reader down."""

    def read(self, timeout):
        got = super().read(timeout)
        if len(self.out) > 1 << 17:
            self.out = self.out[-(1 << 16):]
        return got


def status(pid, field):
    """A number field of /proc/PID/status (`VmRSS` in kB, `Threads`); 0 once gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mib(pid):
    """Resident memory (VmRSS), in MiB."""
    return status(pid, "VmRSS") / 1024


def threads(pid):
    return status(pid, "Threads")


def fds(pid):
    """Open descriptors; 0 once gone."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def cpu_ticks(pid):
    """User plus system time so far, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Peak:
    """The most RSS, threads and descriptors seen over samples of one process."""

    def __init__(self, pid):
        self.pid = pid
        self.rss = 0.0
        self.threads = 0
        self.fds = 0

    def sample(self):
        self.rss = max(self.rss, rss_mib(self.pid))
        self.threads = max(self.threads, threads(self.pid))
        self.fds = max(self.fds, fds(self.pid))
