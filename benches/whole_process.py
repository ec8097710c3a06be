#!/usr/bin/env python3
"""Whole-process figures for sockplay, printed with their targets.

Run: python3 benches/whole_process.py   (builds the release binary first)

- start to first frame, in a pseudo-terminal: target <= 50 ms
- frame after input while `connect L1 x1000` and `accept L1 all` run: <= 50 ms
- the TUI idle with 1,000 connections: CPU over 10 s <= 3 % of a core, RSS <= 48 MiB
- pump: `sendall C1 1g` into `drain A1 on`, against iperf3 on the same machine: >= 0.8x
"""
import json, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import BIN, TICK, Pty, build_release, cpu_ticks, rss_mib  # noqa: E402


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
    build_release()
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
