#!/usr/bin/env python3
"""Whole-process figures for sockplay, printed with their targets.

Run: python3 benches/whole_process.py   (builds the release binary first)

- start to first frame, in a pseudo-terminal: target <= 50 ms
- frame after input while `connect L1 x1000` and `accept L1 all` run: <= 50 ms
- the TUI idle with 1,000 connections: CPU over 10 s <= 3 % of a core, RSS <= 48 MiB
- pump: `sendall C1 1g` into `drain A1 on`, against iperf3 on the same machine: >= 0.8x
"""
import fcntl, json, os, pty, select, shutil, signal, struct, subprocess, sys, tempfile, termios, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "sockplay")
TICK = os.sysconf("SC_CLK_TCK")


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


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def first_frame():
    times = []
    for _ in range(10):
        p = Pty([])
        t = p.wait_for("Listeners")
        times.append((t - p.started) * 1000)
        p.close()
    times.sort()
    return times[len(times) // 2], times[-1]


def established(port):
    """Connections to `port` the kernel holds as established, both ends (ss)."""
    out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} or dport = :{port} )"],
                         capture_output=True, text=True).stdout
    return len(out.splitlines())


def storm_and_idle():
    port = free_port()
    script = tempfile.NamedTemporaryFile("w", suffix=".sp", delete=False)
    script.write(f"listen 127.0.0.1:{port} backlog=4096\n")
    script.close()
    p = Pty(["--run", script.name])
    p.wait_for("Listeners")
    p.read(0.5)
    # Input while a thousand clients connect and are accepted.
    p.write(":connect L1 x1000\r")
    p.read(0.05)
    p.write("accept L1 all\r")
    worst = 0.0
    for i in range(40):
        p.read(0.02)
        before = len(p.out)
        t = time.monotonic()
        p.write("x" if i % 2 == 0 else "\x7f")  # type, then erase, on the command line
        while len(p.out) == before and time.monotonic() - t < 2:
            p.read(0.01)
        worst = max(worst, (time.monotonic() - t) * 1000)
    p.write("\x1b")
    end = time.monotonic() + 60
    while established(port) < 2000 and time.monotonic() < end:
        p.read(0.2)
    if established(port) < 2000:
        raise RuntimeError(f"only {established(port)} connection ends established")
    time.sleep(3)
    p.read(0.5)
    t0, c0 = time.monotonic(), cpu_ticks(p.proc.pid)
    end = t0 + 10
    while time.monotonic() < end:
        p.read(0.5)  # drain the pty as a terminal would
    cpu = (cpu_ticks(p.proc.pid) - c0) / TICK / (time.monotonic() - t0) * 100
    rss = rss_mib(p.proc.pid)
    p.close()
    os.unlink(script.name)
    return worst, cpu, rss


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pump():
    script = tempfile.NamedTemporaryFile("w", suffix=".sp", delete=False)
    script.write("listen\nconnect L1\naccept L1\ndrain A1 on\nsendall C1 1g\nwait C1 120s\n")
    script.close()
    out = subprocess.run([BIN, "run", "--json", script.name], capture_output=True, text=True, timeout=180).stdout
    os.unlink(script.name)
    ops = [json.loads(l) for l in out.splitlines()]
    sendall = next(o for o in ops if o.get("type") == "op" and o.get("call") == "sendall")
    ours = sendall["ret"] * 8 / (sendall["elapsed_ms"] / 1000)
    if not shutil.which("iperf3"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "iperf3"], capture_output=True)
    if not shutil.which("iperf3"):
        return ours, None
    port = free_port()
    server = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    res = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-n", "1G", "-J"],
                         capture_output=True, text=True, timeout=120)
    server.wait(timeout=10)
    theirs = json.loads(res.stdout)["end"]["sum_received"]["bits_per_second"]
    return ours, theirs


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    median, worst = first_frame()
    print(f"start to first frame: median {median:.1f} ms, worst of 10 {worst:.1f} ms (target <= 50 ms)")
    latency, cpu, rss = storm_and_idle()
    print(f"input to next frame during connect x1000 + accept all: worst {latency:.1f} ms (target <= 50 ms)")
    print(f"idle with 1,000 connections: CPU {cpu:.2f} % of a core over 10 s (target <= 3 %), RSS {rss:.1f} MiB (target <= 48 MiB)")
    ours, theirs = pump()
    if theirs:
        print(f"pump 1 GiB over loopback: sockplay {ours/1e9:.2f} Gbit/s, iperf3 {theirs/1e9:.2f} Gbit/s, ratio {ours/theirs:.2f} (target >= 0.8)")
    else:
        print(f"pump 1 GiB over loopback: sockplay {ours/1e9:.2f} Gbit/s (iperf3 not available)")


if __name__ == "__main__":
    main()
