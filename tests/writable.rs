//! When the kernel says a socket waiting for room has some: what the
//! timeouts and flow-control lessons teach, checked on loopback with
//! python3 against ss's reading of the send buffer's memory.

mod common;

use common::claims::{lesson, python3};

/// timeouts and flow-control: a socket waiting for room is told there is
/// some only once the free room is at least half what its send buffer
/// holds (Linux's __sk_stream_is_writeable: sndbuf − wmem_queued ≥
/// wmem_queued / 2, the test both poll() and the wake-up of a blocked
/// send() make). A send buffer filled 1000 bytes at a time against a
/// receiver whose window is shut: poll() says writable exactly while the
/// memory ss reads (skmem w, against tb) passes that test, and stops past
/// two thirds of the buffer, though room is left.
#[test]
fn poll_says_writable_only_while_the_free_room_is_half_what_the_buffer_holds() {
    let got = python3(
        r#"
import re, select, socket, subprocess, time
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
c.connect(srv.getsockname()); a, _ = srv.accept()
c.setblocking(False)
port = c.getsockname()[1]
def skmem():
    out = subprocess.run(["ss", "-tmnH", "src", "127.0.0.1:%d" % port],
                         capture_output=True, text=True).stdout
    m = re.search(r"skmem:\(r\d+,rb\d+,t\d+,tb(\d+),f\d+,w(\d+)", out)
    return int(m.group(1)), int(m.group(2))
p = select.poll(); p.register(c, select.POLLOUT)
agree, disagree, yes, no = 0, 0, 0, 0
for _ in range(400):
    try:
        c.send(b"x" * 1000)
    except BlockingIOError:
        break
    time.sleep(0.01)
    tb, w = skmem()
    writable = bool(p.poll(0))
    if writable == (tb - w >= w // 2):
        agree += 1
    else:
        disagree += 1
    if writable: yes += 1
    else: no += 1
print(disagree, agree > 20, yes > 0, no > 0)
"#,
    );
    assert_eq!(got, "0 True True True");
    assert!(lesson("timeouts").contains("free room of half what it held"));
    assert!(lesson("flow-control").contains(
        "only once the room free in its buffer is at least half of what the buffer still holds"
    ));
}
