import errno
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import queue

# A call still running after this long is reported as blocked, and the
# program goes on, as `sockplay run` does; its result comes when it ends.
SETTLE = 0.2

_lock = threading.Lock()
_seq = 0
_names = {"L": 0, "C": 0, "A": 0}
_sent = {}
_lanes = {}


def _next_seq():
    global _seq
    with _lock:
        _seq += 1
        return _seq


def _new_name(role):
    with _lock:
        _names[role] += 1
        return role.lower() + str(_names[role])


def _say(seq, sock, call, text):
    with _lock:
        print("#%-4d%-4s%-18s %s" % (seq, sock, call, text), flush=True)


# Where Linux has two names for one errno, the one sockplay shows.
_ERRNO_NAMES = {errno.EOPNOTSUPP: "EOPNOTSUPP", errno.EAGAIN: "EAGAIN"}


def _outcome(fn):
    """What a call came to, in sockplay's words: a count, an errno, or timed out."""
    try:
        r = fn()
    except TimeoutError:
        return "timed out"
    except OSError as e:
        if not e.errno:
            return type(e).__name__
        return _ERRNO_NAMES.get(e.errno) or errno.errorcode.get(e.errno, str(e.errno))
    return str(r)


class Lane(threading.Thread):
    """One side of a socket: its calls run in order on a thread of their own."""

    def __init__(self, name):
        super().__init__(name=name, daemon=True)
        self.jobs = queue.Queue()
        self.busy = 0
        self.idle = threading.Condition()
        self.start()

    def run(self):
        while True:
            job = self.jobs.get()
            job()
            with self.idle:
                self.busy -= 1
                self.idle.notify_all()

    def submit(self, job):
        done = threading.Event()

        def run():
            job()
            done.set()

        with self.idle:
            self.busy += 1
        self.jobs.put(run)
        return done

    def wait_idle(self, limit):
        with self.idle:
            return self.idle.wait_for(lambda: self.busy == 0, limit)


def lane(sock, side):
    key = (sock, side)
    if key not in _lanes:
        _lanes[key] = Lane("%s-%s" % key)
    return _lanes[key]


def call(sock, side, text, fn, settle=SETTLE):
    """Runs fn on a lane of sock, printing its result as the transcript does."""
    seq = _next_seq()
    done = lane(sock, side).submit(lambda: _say(seq, sock, text, "→ " + _outcome(fn)))
    if not done.wait(settle):
        _say(seq, sock, text, "… [blocked] still in the kernel; the program goes on")


def now(sock, text, fn):
    """A call that never blocks (socket, bind, listen, shutdown, close, setsockopt)."""
    _say(_next_seq(), sock, text, "→ " + _outcome(fn))


def wait(sock, limit=5.0):
    end = time.monotonic() + limit
    for side in ("send", "recv"):
        if (sock, side) in _lanes:
            _lanes[(sock, side)].wait_idle(max(0.0, end - time.monotonic()))


def busy(sock):
    return any(_lanes[k].busy for k in _lanes if k[0] == sock)


def timeval(seconds):
    """struct timeval for SO_RCVTIMEO / SO_SNDTIMEO."""
    return struct.pack("ll", int(seconds), int(round((seconds % 1) * 1e6)))


_bound = {}


def remember(sock):
    """Keeps where a socket is bound: a closed one's address still names it."""
    _bound[id(sock)] = sock.getsockname()


def reach(listener):
    """Where a client reaches a listener (a wildcard address becomes loopback)."""
    addr = _bound.get(id(listener)) or listener.getsockname()
    host = addr[0]
    if host == "0.0.0.0":
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return (host,) + tuple(addr[1:])


def pattern(name, n):
    """n bytes of the pattern abc…z, going on where this socket's last send ended."""
    start = _sent.get(name, 0)
    _sent[name] = start + n
    alphabet = b"abcdefghijklmnopqrstuvwxyz"
    head = start % 26
    return (alphabet[head:] + alphabet * (n // 26 + 1))[:n]


def accept(listener):
    """accept(); the new socket is named as the lab names it: a1, a2, … in order."""
    conn, peer = listener.accept()
    name = _new_name("A")
    globals()[name] = conn
    return "%s (fd %d)" % (name.upper(), conn.fileno())


def accept_all(lname, listener):
    """accept() while connections wait; a non-blocking listener calls until EAGAIN."""
    accepted = 0
    while True:
        if listener.gettimeout() != 0.0:
            ready, _, _ = select.select([listener], [], [], 0)
            if not ready:
                break
        r = _outcome(lambda: accept(listener))
        _say(_next_seq(), lname, "  ↳ accept", "→ " + r)
        if not r.startswith("A"):
            break
        accepted += 1
    return accepted


def recv_all(sock, length):
    """The classic loop: recv() until length bytes, or the end of the stream.
    (The 16-octet example raises EOFError at the end of the stream; sockplay's
    recvall returns what came, and so does this.)"""
    data = b""
    while len(data) < length:
        more = sock.recv(length - len(data))
        if not more:
            break
        data += more
    return data


_draining = {}


def drain(name, sock, on, rate=None):
    """Reads everything queued now; with on, goes on as data arrives until drain off.
    With a rate, at most that many bytes a second: a quarter second's worth
    per recv(), as the lab's rate= does."""
    total = 0
    _draining[name] = on
    began = time.monotonic()
    size = max(1, rate // 4) if rate else 262144
    while True:
        if rate:
            # Wait until the next piece is due, looking whether to stop.
            due = began + total / rate
            while time.monotonic() < due:
                if not _draining.get(name):
                    return total
                time.sleep(max(0.0, min(0.1, due - time.monotonic())))
        try:
            more = sock.recv(size, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if not _draining.get(name):
                return total
            select.select([sock], [], [], 0.1)
            continue
        if not more:
            return total
        total += len(more)


def send_paced(sock, data, rate):
    """sendall at most rate bytes a second: a quarter second's worth per
    send(), each when it is due, as the lab's rate= does. Python's own
    sendall has no rate."""
    began = time.monotonic()
    sent = 0
    size = max(1, rate // 4)
    while sent < len(data):
        pause = began + sent / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sent += sock.send(data[sent:sent + size])
    return sent


def sysctl(name, value=None):
    """Reads a kernel setting, or sets it in this program's own namespace only."""
    path = "/proc/sys/" + name.replace(".", "/")
    with open(path) as f:
        was = " ".join(f.read().split())
    if value is None:
        print("    sysctl %s = %s" % (name, was))
    elif not globals().get("OWN_NETNS"):
        print("    sysctl %s = %s: not set to %s, outside a namespace of its own" % (name, was, value))
    else:
        with open(path, "w") as f:
            f.write(value)
        print("    sysctl %s = %s (was %s)" % (name, value, was))


def close(name, sock, rst=False):
    """close(); calls blocked on the socket are woken first, as the lab does."""
    if rst:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if busy(name):
        # A reset must not follow a FIN: shut only the reading side then.
        try:
            sock.shutdown(socket.SHUT_RD if rst else socket.SHUT_RDWR)
        except OSError:
            pass
    _draining[name] = False
    sock.close()
    return 0
