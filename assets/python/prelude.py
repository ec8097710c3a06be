#: SETTLE
# A call still running after this long is reported as blocked, and the
# program goes on, as `sockplay run` does; its result comes when it ends.
SETTLE = 0.2

#: _say
_lock = threading.Lock()
_seq = 0


def _next_seq():
    global _seq
    with _lock:
        _seq += 1
        return _seq


def _say(seq, sock, call, text):
    with _lock:
        print("#%-4d%-4s%-18s %s" % (seq, sock, call, text), flush=True)

#: _outcome
# Where Linux has two names for one errno, the one sockplay shows.
_ERRNO_NAMES = {errno.EOPNOTSUPP: "EOPNOTSUPP", errno.EAGAIN: "EAGAIN"}
# The last result of each socket, for the checks that read it.
_results = {}


def _shown(data):
    """Received bytes as the transcript shows them: the count, then the bytes."""
    head = repr(data[:40]) + ("…" if len(data) > 40 else "")
    return "%d  %s" % (len(data), head)


def _outcome(sock, fn):
    """Runs one call; says what it came to in sockplay's words (a count and
    the bytes, an errno, or timed out) and how long it took."""
    began = time.monotonic()
    r = {"ret": None, "errno": None, "timed_out": False}
    try:
        value = fn()
    except OSError as e:
        if not e.errno:  # settimeout's time-out: Python's own, no errno
            r["timed_out"] = True
            said = "timed out"
        else:
            r["errno"] = _ERRNO_NAMES.get(e.errno) or errno.errorcode.get(e.errno, str(e.errno))
            said = r["errno"] + " [error]"
    else:
        if isinstance(value, tuple):  # recvfrom: the datagram, who sent it, its length
            value, r["from"], r["datagram_len"] = value
            r["truncated"] = r["datagram_len"] > len(value)
        if isinstance(value, bytes):
            r["ret"] = len(value)
            said = _shown(value)
            if "from" in r:
                said += "  from %s:%d" % r["from"][:2]
                if r["truncated"]:
                    said += ", truncated (MSG_TRUNC): the datagram had %d bytes" % r["datagram_len"]
        elif isinstance(value, int):
            r["ret"] = value
            said = str(value)
        else:  # None from setsockopt, shutdown…; or a helper's count and words
            said = value or "0"
            r["ret"] = int(said.split()[0]) if said.split()[0].isdigit() else 0
    r["elapsed"] = time.monotonic() - began
    _results[sock] = r
    took = r["elapsed"]
    return "%s  (%s)" % (said, "%.2f s" % took if took >= 1 else "%.2f ms" % (took * 1000))


def result(sock, field):
    """A field of the socket's last result: ret, errno, elapsed (s), timed_out, from."""
    return _results.get(sock, {}).get(field)


#: timed_out
def timed_out(name, sock):
    """Whether the socket's last call ended by a time-out: Python's own
    (settimeout), or the kernel's (SO_RCVTIMEO, SO_SNDTIMEO), which ran out
    if the call waited that long before it returned what it had."""
    if result(name, "timed_out"):
        return True

    def seconds(option):
        s, us = struct.unpack("ll", sock.getsockopt(socket.SOL_SOCKET, option, 16))
        return s + us / 1e6

    limit = max(seconds(socket.SO_RCVTIMEO), seconds(socket.SO_SNDTIMEO))
    return 0 < limit <= (result(name, "elapsed") or 0) + 0.01

#: now
def now(sock, text, fn):
    """A call that never blocks (bind, listen, setsockopt, shutdown, close)."""
    _say(_next_seq(), sock, text, "→ " + _outcome(sock, fn))

#: call
_lanes = {}
_blocked = []


def call(sock, side, text, fn):
    """Runs fn as the lab runs a call: on a thread of its own, after the calls
    before it on the same side of the socket. If it has not returned within
    SETTLE it is reported as blocked, and the program goes on."""
    seq = _next_seq()
    before = _lanes.get((sock, side))

    def run():
        if before:
            before.join()
        _say(seq, sock, text, "→ " + _outcome(sock, fn))

    lane = threading.Thread(target=run, daemon=True)
    lane.start()
    _lanes[(sock, side)] = lane
    lane.join(SETTLE)
    if lane.is_alive():
        how = "[blocked] still in the kernel"
        if text == "drain(on)":
            how = "[draining] reads all that arrives until drain off or end of stream"
        _say(seq, sock, text, "… %s; the program goes on" % how)
        _blocked.append((seq, sock, text, lane))


#: wait
def wait(sock, limit):
    """Waits until the socket's calls have returned, for at most limit seconds."""
    end = time.monotonic() + limit
    for (name, _), lane in list(_lanes.items()):
        if name == sock:
            lane.join(max(0.0, end - time.monotonic()))


#: the_end
def the_end():
    """As `sockplay run` ends: calls that just returned print, the ones still
    blocked are named (the program's end wakes them)."""
    time.sleep(SETTLE)
    still = ["#%d %s %s" % (seq, sock, text) for seq, sock, text, lane in _blocked if lane.is_alive()]
    if still:
        print("    end of script; still blocked, woken as the program ends: " + ", ".join(still))

#: expect
def expect(text, read, want, within=2.0):
    """A check of the lesson, made here too: reads the figure from the kernel
    until it is what the lesson expects, for at most `within` seconds, and
    prints what it read."""
    try:
        got = read()
    except (OSError, KeyError):  # a closed socket's option that close() did not keep
        print("    – not read expect %s  (the socket is closed)" % text, flush=True)
        return
    end = time.monotonic() + within
    while not want(got) and time.monotonic() < end:
        time.sleep(0.02)
        got = read()
    mark = "✓ ok    " if want(got) else "✗ differs"
    shown = "%.2f ms" % (got * 1000) if isinstance(got, float) else got
    print("    %s expect %s  (read: %s)" % (mark, text, shown), flush=True)

#: tcp_info
_STATES = ["CLOSED", "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
           "TIME-WAIT", "CLOSED", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING"]


def tcp_info(sock):
    """The kernel's struct tcp_info (getsockopt TCP_INFO), the fields the lessons read.
    On a listener, unacked is the accept queue and sacked its limit."""
    b = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 240).ljust(240, b"\0")

    def u32(at):
        return struct.unpack_from("I", b, at)[0]

    def u64(at):
        return struct.unpack_from("Q", b, at)[0]

    return {"state": _STATES[b[0]], "backoff": b[4], "snd_wscale": b[6] & 15, "rcv_wscale": b[6] >> 4,
            "unacked": u32(24), "sacked": u32(28), "rtt_us": u32(68), "cwnd": u32(80),
            "retrans": u32(100), "dsack_dups": u32(216), "bytes_acked": u64(120),
            "bytes_received": u64(128), "notsent": u32(144), "snd_wnd": u32(228), "rcv_wnd": u32(232)}

#: state
# Where each connected or closed socket was: its local and its peer address.
_where = {}


def _proc_tcp_state(local, peer):
    """The state /proc/net/tcp gives the connection: TIME-WAIT outlives the socket."""
    def hexaddr(a):
        return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(a[0]))[0], a[1])
    want = (hexaddr(local), hexaddr(peer))
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            w = line.split()
            if (w[1], w[2]) == want:
                return _STATES[int(w[3], 16)]
    return "CLOSED"


def state(sock):
    """The TCP state (TCP_INFO), or UDP's UNCONN/ESTABLISHED. Once the
    socket is closed, or its connection has gone to TIME-WAIT (which the
    kernel keeps apart from the socket), /proc/net/tcp tells."""
    if sock.fileno() >= 0:
        if sock.type == socket.SOCK_DGRAM:
            try:
                sock.getpeername()
                return "ESTABLISHED"
            except OSError:
                return "UNCONN"
        now = tcp_info(sock)["state"]
        if now != "CLOSED":
            return now
    return _proc_tcp_state(*_where[id(sock)]) if id(sock) in _where else "CLOSED"

#: queued
SIOCINQ, SIOCOUTQ = 0x541B, 0x5411


def queued(sock, request):
    """recvq (SIOCINQ: bytes received, not yet read) or sendq (SIOCOUTQ: not
    yet acknowledged). For UDP, SIOCINQ gives only the first datagram's
    size: recvq is then the memory queued, /proc/net/udp's rx_queue."""
    if sock.type == socket.SOCK_DGRAM and request == SIOCINQ:
        port = ":%04X" % sock.getsockname()[1]
        with open("/proc/net/udp") as f:
            for line in f.readlines()[1:]:
                if line.split()[1].endswith(port):
                    return int(line.split()[4].split(":")[1], 16)
    return struct.unpack("i", fcntl.ioctl(sock, request, b"\0" * 4))[0]

#: syn_recv
def syn_recv(listener):
    """Half-open connections (SYN-RECV) at the listener's port, from /proc/net/tcp."""
    port = "%04X" % listener.getsockname()[1]
    with open("/proc/net/tcp") as f:
        return sum(1 for line in f.readlines()[1:]
                   if line.split()[1].endswith(":" + port) and line.split()[3] == "03")

#: udp_drops
def udp_drops(sock):
    """Datagrams the kernel dropped for this socket (the last column of /proc/net/udp)."""
    port = ":%04X" % sock.getsockname()[1]
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            if line.split()[1].endswith(port):
                return int(line.split()[-1])

#: counter
def _counters():
    found = {}
    for path in ("/proc/net/netstat", "/proc/net/snmp"):
        with open(path) as f:
            lines = f.read().splitlines()
        for names, values in zip(lines[::2], lines[1::2]):
            kind = names.split(":")[0]
            for n, v in zip(names.split()[1:], values.split()[1:]):
                found[kind + n] = int(v)
    return found


_COUNTERS_AT_START = _counters()


def counter(name):
    """A kernel counter (nstat's name, TcpExtListenDrops) since the program began."""
    return _counters()[name] - _COUNTERS_AT_START[name]

#: show
def show(name, sock):
    """What the lab's kernel view shows, read from the kernel: state, queues,
    buffers, window scale and windows (a closed socket shows its state)."""
    if sock.fileno() < 0:
        print("    %s %s (closed)" % (name, state(sock)))
        return
    rows = [state(sock)]
    if sock.type == socket.SOCK_STREAM:
        info = tcp_info(sock)
        if info["state"] == "LISTEN":
            rows += ["accept queue %d of %d" % (info["unacked"], info["sacked"] + 1),
                     "syn_recv %d" % syn_recv(sock)]
        else:
            rows += ["recvq %d" % queued(sock, SIOCINQ), "sendq %d" % queued(sock, SIOCOUTQ),
                     "snd_wnd %d" % info["snd_wnd"], "rcv_wnd %d" % info["rcv_wnd"],
                     "wscale %d,%d" % (info["snd_wscale"], info["rcv_wscale"]),
                     "rtt %.1f ms" % (info["rtt_us"] / 1000)]
    else:
        rows += ["recvq %d" % queued(sock, SIOCINQ), "drops %d" % udp_drops(sock)]
    rows += ["rcvbuf %d" % sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
             "sndbuf %d" % sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)]
    print("    %s %s" % (name, " · ".join(rows)), flush=True)


#: show_counters
def show_counters():
    """The kernel's counters of drops and cookies since the program began (nstat's names)."""
    names = ["TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPReqQFullDoCookies",
             "TcpExtTCPReqQFullDrop", "TcpExtSyncookiesSent", "TcpExtSyncookiesRecv",
             "TcpExtTCPDeferAcceptDrop", "UdpRcvbufErrors"]
    print("    counters: " + " · ".join("%s %d" % (n, counter(n)) for n in names), flush=True)

#: option
# The options each closed socket had, as close() found them.
_closed_options = {}


def option(sock, level, name):
    """getsockopt(); for a closed socket, the value it had when it closed
    (a TIME-WAIT entry keeps its socket's SO_REUSEADDR)."""
    if sock.fileno() < 0:
        return _closed_options[id(sock)][(level, name)]
    return sock.getsockopt(level, name)

#: listen
def listen(sock, addr, backlog):
    """bind() then listen(), as the lab's listen does; says where it listens."""
    sock.bind(addr)
    sock.listen(backlog)
    return "0  listening on %s:%d" % sock.getsockname()[:2]

#: connect
def connect(sock, addr):
    """connect(); says the address the kernel picked for this end (getsockname)."""
    sock.connect(addr)
    _where[id(sock)] = (sock.getsockname(), sock.getpeername())
    return "0  %s:%d → %s:%d" % (sock.getsockname()[:2] + sock.getpeername()[:2])


#: accepted
def accepted(name, sock):
    """What accept() gave: the new socket's name and its peer (the client's port)."""
    _where[id(sock)] = (sock.getsockname(), sock.getpeername())
    return "%s  from %s:%d" % ((name,) + sock.getpeername()[:2])

#: bind
def bind(sock, addr):
    """bind(); says where (the kernel picks the port for port 0)."""
    sock.bind(addr)
    return "0  bound to %s:%d" % sock.getsockname()[:2]

#: reach
def reach(sock):
    """Where a client reaches a socket (a wildcard address becomes loopback);
    a closed socket's address is the one it had."""
    addr = _where[id(sock)][0] if sock.fileno() < 0 else sock.getsockname()
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(addr[0], addr[0])
    return (host,) + tuple(addr[1:])

#: close
def close(sock, rst=False):
    """close(), keeping where the socket was (for reach() and state()); with
    rst, SO_LINGER 0 first, so the kernel sends a reset. Calls blocked on the
    socket are woken first, as the lab does."""
    try:
        _where[id(sock)] = (sock.getsockname(), sock.getpeername())
    except OSError:  # a listener, or a connection already gone
        _where.setdefault(id(sock), (sock.getsockname(), ("0.0.0.0", 0)))
    _closed_options[id(sock)] = {(socket.SOL_SOCKET, socket.SO_REUSEADDR):
                                 sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)}
    if rst:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # With bytes received and never read, close() sends a reset, as the
    # lab's does: a shutdown first would send a FIN before it.
    unread = False
    if not rst and sock.type == socket.SOCK_STREAM:
        try:
            unread = len(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)) > 0
        except OSError:
            pass  # a listener, nothing queued, or a connection already gone
    try:
        # A reset must not follow a FIN: shut only the reading side then.
        if not unread:
            sock.shutdown(socket.SHUT_RD if rst else socket.SHUT_RDWR)
    except OSError:
        pass  # never connected, or already shut
    sock.close()

#: recv_all
def recv_all(sock, length):
    """The classic loop: recv() until length bytes, or the end of the stream."""
    data = b""
    while len(data) < length:
        more = sock.recv(length - len(data))
        if not more:
            break
        data += more
    return data

#: recv_from
def recv_from(sock, size, flags=0):
    """recvfrom(), made as recvmsg() so that the kernel's MSG_TRUNC flag shows:
    a datagram longer than size is cut, and the rest of it is lost. Returns
    the bytes, who sent them, and the datagram's whole length (peeked first)."""
    whole = len(sock.recv(65535, socket.MSG_PEEK))
    data, _, _, peer = sock.recvmsg(size, 0, flags)
    return data, peer, whole

#: send_all
def send_all(sock, data):
    """sendall as the lab makes it: send() what fits, then select() until
    there is room again, until all is gone; returns the count. Python's own
    sendall returns None, and on a non-blocking socket raises
    BlockingIOError as soon as the buffer is full."""
    sent = 0
    while sent < len(data):
        try:
            sent += sock.send(data[sent:])
        except BlockingIOError:
            select.select([], [sock], [])
    return sent

#: drain
_draining = {}


def drain(name, sock, on, rate=None):
    """Reads everything queued now; with on, goes on as data arrives until
    stop_draining(). With a rate, at most that many bytes a second: a quarter
    second's worth per recv(), as the lab's rate= does."""
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
        if on and not _draining.get(name):
            return total  # drain off: no more reads, even if more has come
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


def stop_draining(name):
    """drain off: the loop of recv() calls ends once nothing is queued."""
    _draining[name] = False

#: send_paced
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

#: sysctl
def sysctl(name, value=None):
    """Reads a kernel setting, or sets it in this program's own namespace only."""
    path = "/proc/sys/" + name.replace(".", "/")
    with open(path) as f:
        was = " ".join(f.read().split())
    if value is None:
        print("    sysctl %s = %s" % (name, was))
    elif not OWN_NETNS:
        print("    sysctl %s = %s: not set to %s, outside a namespace of its own" % (name, was, value))
    else:
        with open(path, "w") as f:
            f.write(value)
        print("    sysctl %s = %s (was %s)" % (name, value, was))

#: cable
def cable(up):
    """The lab's `link down`/`link up`, without its link: this program's own
    loopback taken down or up, so that no packet passes either way, as when a
    cable is pulled. The sockets stay as they are; only the kernel's sending
    finds no way out."""
    if not OWN_NETNS:
        print("    cable not pulled: outside a namespace of its own this would take the machine's loopback down")
        return
    subprocess.run(["ip", "link", "set", "lo", "up" if up else "down"], check=True)
    print("    loopback %s: %s" % ("up" if up else "down", "packets pass again" if up else "nothing passes either way"))

#: syn
def syn(listener, count, first):
    """Bare SYNs to a listener from a raw socket (IPPROTO_RAW: the program
    writes the IP header too), from addresses of 192.0.2.0/24, a range for
    documentation that is routed to this namespace's loopback: the
    listener's SYN-ACKs come back to no one and are dropped, so no ACK and
    no reset ever answers, and each SYN stays half-open in the SYN queue.
    Needs CAP_NET_RAW: root, in the program's own namespace."""
    if not OWN_NETNS:
        raise PermissionError(errno.EPERM, "bare SYNs are sent only in a namespace of its own")
    subprocess.run(["ip", "route", "replace", "192.0.2.0/24", "dev", "lo"], check=True)
    host, port = reach(listener)[:2]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(first, first + count):
        src = "192.0.2.%d" % (1 + i % 254)
        raw.sendto(_syn_packet(src, 20000 + i // 254, host, port, 0x5EED0000 ^ i), (host, 0))
    raw.close()
    return "%d  bare SYNs to %s:%d from 192.0.2.%d…192.0.2.%d: their SYN-ACKs have no way back" % (
        count, host, port, 1 + first % 254, 1 + (first + count - 1) % 254)


def _checksum(data):
    """The Internet checksum: the ones' complement of the ones' complement sum of 16-bit words."""
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _syn_packet(src, sport, dst, dport, isn):
    """An IPv4 packet holding a bare SYN: window 64240, no options, TTL 64."""
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, isn, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, socket.IPPROTO_TCP, 0,
                     saddr, daddr)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return ip + tcp
