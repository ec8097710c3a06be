# lesson: Time-outs
# summary: accept, recv, send and connect in blocking, time-out and non-blocking modes: what each returns, and after how long

step "accept in three modes"
note "Blocking (timeout=none, the default), a time-out (timeout=500ms) and non-blocking (timeout=0), as Python's settimeout names them."
listen
accept L1
note "A blocking accept() on an empty queue waits, here without end: it is shown as blocked."
connect L1
wait L1
expect L1 errno=null
set L1 timeout=500ms
accept L1
wait L1
expect L1 errno=EAGAIN
expect L1 timed_out=true
note "With a time-out, accept() waited half a second, then gave up: EAGAIN, marked timed out."
set L1 timeout=0
accept L1
expect L1 errno=EAGAIN
expect L1 timed_out=false
note "Non-blocking, accept() returned EAGAIN at once: nothing to accept, and it will not wait."

step "recv in three modes"
set A1 timeout=500ms
recv A1 100
wait A1
expect A1 errno=EAGAIN
expect A1 timed_out=true
set A1 timeout=0
recv A1 100
expect A1 errno=EAGAIN
expect A1 timed_out=false
set A1 timeout=none
recv A1 100
send C1 "wake up"
wait A1
expect A1 ret=7
note "recv(): a time-out returns EAGAIN after the time-out; non-blocking returns EAGAIN at once; blocking waits until data comes, here the 7 bytes C1 sent."

step "send in three modes"
note "Small buffers, a receiver that does not read."
listen rcvbuf=4k
connect L2 sndbuf=4k timeout=500ms
accept L2
select C2
send C2 1m
wait C2
expect C2 timed_out=true
note "With a time-out, send() waited half a second, then returned the part that fitted (or EAGAIN when nothing did)."
set C2 timeout=0
send C2 1m
sleep 100ms
send C2 1m
sleep 100ms
send C2 1m
expect C2 errno=EAGAIN
expect C2 timed_out=false
note "Non-blocking, send() takes at once whatever room is left (a few bytes may still fit), and when there is none it fails with EAGAIN at once. A blocking send() would wait until the receiver reads."

step "connect in three modes"
note "A listener with backlog 0 and one connection already waiting: further SYNs are dropped."
listen backlog=0
connect L3
wait C3
connect L3 timeout=500ms
wait C4
expect C4 errno=EINPROGRESS
expect C4 timed_out=true
connect L3 timeout=0
expect C5 errno=EINPROGRESS
expect C5 timed_out=false
note "A blocking connect() with a time-out that runs out reports EINPROGRESS: the handshake goes on in the kernel. Non-blocking, connect() returns EINPROGRESS at once, always: the program learns later whether it worked."
