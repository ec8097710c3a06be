#!/usr/bin/env python3
"""A class's two hours, in minutes: the TUI with the wire pane open plays a
loop of connect/send/recv/close to a python3 echo server and
connect/accept/send/recv/close on a lab listener, then sleeps 50 ms, over
and over, typed on its command line in a pseudo-terminal. Prints RSS
(VmRSS), CPU, threads and fds per minute, read from /proc, and the
machine's load average (the figures move with it on a shared machine).

Run: python3 benches/soak.py [--minutes 15]
     (builds the release binary; the wire needs root or CAP_NET_RAW)

Targets: RSS at the end within 10 % of its value at minute 2; CPU flat
(the last minute within 1.5x, plus 2 points, of minute 2).
"""
import argparse, os, socket, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procstat import TICK, Tail, build_release, cpu_ticks, fds, rss_mib, threads  # noqa: E402


def echo_server():
    """A python3 echo server on a free loopback port; returns the port."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)

    def serve(conn):
        with conn:
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                conn.sendall(data)

    def accept():
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()[1]


def round_commands(i, echo):
    """Round i (from 1): two clients, C(2i-1) to the echo server and C(2i)
    to the lab's listener, accepted as A(i)."""
    e, c, a = 2 * i - 1, 2 * i, i
    return [
        f"connect 127.0.0.1:{echo}",
        f'send C{e} "ping"',
        f"recv C{e} 100",
        f"close C{e}",
        "connect L1",
        "accept L1",
        f'send C{c} "ping"',
        f"recv A{a} 100",
        f"close C{c}",
        f"close A{a}",
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        build_release()
    echo = echo_server()
    p = Tail(["--listen"], cols=100, rows=30)
    p.wait_for("Listeners")
    p.read(0.3)
    p.write("w")  # the wire pane
    p.read(0.5)
    pid = p.proc.pid
    began = time.monotonic()
    end = began + args.minutes * 60
    minute = 1
    mark_t, mark_c = began, cpu_ticks(pid)
    rows = []
    i = 0
    print("minute  clients  RSS MiB  CPU %  threads  fds  load", flush=True)
    while time.monotonic() < end:
        i += 1
        # Each command opens the command line (`:`), which Enter closes.
        p.write("".join(":" + c + "\r" for c in round_commands(i, echo)))
        stop = time.monotonic() + 0.05
        while time.monotonic() < stop:
            p.read(max(0.0, stop - time.monotonic()))
        now = time.monotonic()
        if now - began >= minute * 60:
            c = cpu_ticks(pid)
            cpu = (c - mark_c) / TICK / (now - mark_t) * 100
            mark_t, mark_c = now, c
            row = (minute, 2 * i, rss_mib(pid), cpu, threads(pid), fds(pid), os.getloadavg()[0])
            rows.append(row)
            print("%6d  %7d  %7.1f  %5.1f  %7d  %3d  %4.1f" % row, flush=True)
            minute += 1
    p.close()
    if len(rows) >= 3:
        base = rows[1]
        last = rows[-1]
        growth = (last[2] - base[2]) / base[2] * 100
        print(f"RSS: {base[2]:.1f} MiB at minute 2, {last[2]:.1f} MiB at minute {last[0]}: "
              f"{growth:+.1f} % (target within 10 %)")
        print(f"CPU: {base[3]:.1f} % at minute 2, {last[3]:.1f} % at minute {last[0]} "
              f"(target: flat, at most 1.5x + 2 points)")


if __name__ == "__main__":
    main()
