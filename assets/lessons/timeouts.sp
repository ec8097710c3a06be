# lesson: Time-outs
# summary: Python's settimeout beside the kernel's SO_RCVTIMEO/SO_SNDTIMEO: the same calls, different answers
# netns: own where possible

step "Accept in Python's three modes"
note "Python's settimeout has three modes: blocking (settimeout(None), the default), a time-out (a number of seconds) and non-blocking (settimeout(0))."
listen
accept L1
note "A blocking accept() on an empty queue waits, here without end: it is shown as blocked. A client connects now: what does the blocked accept() do?"
pause
connect L1
wait L1
expect L1 errno=null
expect L1 timed_out=false
select A1 recv
note "The blocked accept() returned as soon as C1's connection was in the queue, with a new socket, A1: it waited for a client, not for a time."

step "Accept: time-out, non-blocking"
select L1
note "With a time-out of half a second (timeout=500ms), accept() on the empty queue: what does it do?"
pause
set L1 timeout=500ms
accept L1
wait L1
expect L1 ret=null
expect L1 errno=null
expect L1 timed_out=true
note "accept() waited half a second for a connection, in poll() (the next step shows how Python waits), then gave up: 'timed out', no errno. Python raises TimeoutError('timed out')."
note "Non-blocking now (timeout=0): what will accept() on the empty queue say?"
pause
set L1 timeout=0
accept L1
expect L1 errno=EAGAIN
expect L1 timed_out=false
note "Non-blocking, accept() returned EAGAIN at once (Python: BlockingIOError): nothing to accept, and it will not wait."

step "How Python waits: poll, then one non-blocking call"
select A1 recv
note "settimeout() does not ask the kernel to time out. Python makes the socket non-blocking, waits with poll() up to the time-out until it is ready, then makes one non-blocking call."
set A1 timeout=500ms
expect A1 timeout="timeout 500ms"
send C1 "Hi there"
expect A1 recvq=8
recv A1 100
expect A1 ret=8
expect A1 timed_out=false
note "A1's mode reads tmo 500ms: Python's time-out. Data was queued, so recv(100) returned the 8 bytes there without waiting. Nothing is queued now: what will the same recv(100) do?"
pause
recv A1 100
wait A1
expect A1 ret=null
expect A1 errno=null
expect A1 timed_out=true
note "Nothing queued: poll() waited the whole half second, nothing arrived, and recv() timed out."

step "The kernel's own time-out: SO_RCVTIMEO"
note "The kernel has time-outs of its own, SO_RCVTIMEO and SO_SNDTIMEO, set with setsockopt(). They bound a blocking call inside the kernel."
set A1 timeout=none rcvtimeo=500ms
expect A1 timeout=blocking
expect A1 rcvtimeo=500ms
recv A1 100
wait A1
expect A1 errno=EAGAIN
expect A1 timed_out=true
note "A1's mode now reads so 500ms: a kernel time-out (the column writes SO_RCVTIMEO and SO_SNDTIMEO alike). The same recv() under SO_RCVTIMEO: after half a second the kernel gives up with EAGAIN, an errno, where Python's time-out has none (Python would raise BlockingIOError here)."

step "The same send under both time-outs"
note "Two connections with small buffers, whose receivers do not read."
listen rcvbuf=4k
connect L2 sndbuf=4k timeout=500ms
connect L2 sndbuf=4k sndtimeo=500ms
accept L2 x2
select C2
note "C2 has Python's time-out; C3 is blocking with SO_SNDTIMEO. Each sends 1 MiB."
send C2 1m
expect C2 partial=true
expect C2 timed_out=false
note "Python's time-out: send() returned at once with {C2.ret} bytes, all the buffers took then: they count memory, not bytes, so A2's window is 0 with its buffer part full. It did not wait for the rest, and it did not time out."
note "C3 sends 1 MiB too, under SO_SNDTIMEO: when will its send() return, and with what?"
pause
select C3
send C3 1m
wait C3
expect C3 partial=true
expect C3 timed_out=true
note "SO_SNDTIMEO: send() stayed in the kernel for the half second, taking room each time the kernel woke it as room came, and only then returned its partial count."

step "When nothing fits"
select C2
note "Each sends twice more. C2 first."
send C2 1m
wait C2
expect C2 ret=1..
send C2 1m
wait C2
expect C2 ret=null
expect C2 errno=null
expect C2 timed_out=true
note "The first took what room had come free; the second found none: Python's time-out waited half a second for the socket to turn writable (C2's buffer never had free room of half what it held), then it said 'timed out' (TimeoutError). What will C3's last send() say?"
pause
select C3
send C3 1m
wait C3
send C3 1m
wait C3
expect C3 errno=EAGAIN
expect C3 timed_out=true
note "SO_SNDTIMEO: C3's last send() found no room; it waited half a second, and the kernel gave up with EAGAIN, an errno."

step "Connect under both time-outs"
note "A listen(0) with one connection already waiting drops further SYNs, so a handshake cannot finish."
listen backlog=0
connect L3
wait C4
connect L3 timeout=500ms
wait C5
expect C5 errno=null
expect C5 timed_out=true
expect C5 state=SYN-SENT
select C5
note "Python's time-out: connect() timed out (TimeoutError) while the kernel went on sending SYNs: C5 was still SYN-SENT, as it stays until its last SYN goes unanswered; then it reads CLOSED."
note "C5's sendq read {C5.sendq} then, though it sent no data: while the handshake goes on, its SYN takes one sequence number, and waits, unacknowledged, like a byte. What will a blocking connect() bounded by SO_SNDTIMEO report?"
pause
connect L3 sndtimeo=500ms
wait C6
expect C6 errno=EINPROGRESS
expect C6 timed_out=true
select C6
note "A blocking connect() bounded by SO_SNDTIMEO also gives up when its time runs out, but reports EINPROGRESS, not TimeoutError: the handshake goes on in the kernel. And a non-blocking connect()?"
pause
connect L3 timeout=0
expect C7 errno=EINPROGRESS
expect C7 timed_out=false
expect C7 state=SYN-SENT
select C7
note "Non-blocking, connect() returned EINPROGRESS at once: the handshake had begun, not finished. While L3 is full, C5's, C6's and C7's kernels resend the SYN as often as the settings allow (Selected counts them), then give up, and the rows read CLOSED; SO_ERROR tells a program why."
