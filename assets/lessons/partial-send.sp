# lesson: Partial send
# summary: a small send buffer; a non-blocking send accepting part of the data, then EAGAIN; sendall looping; a blocking send instead

step "Small buffers"
note "Both ends get small buffers, set before connecting; the client is non-blocking. The receiver will not read."
listen rcvbuf=4k
connect L1 sndbuf=4k timeout=0
wait C1
accept L1
expect C1 sndbuf=8192
note "The kernel doubled the 4 KiB that was asked: the figure includes its own bookkeeping."

step "send() takes part of it"
send C1 100k
expect C1 partial=true
note "send() asked to send 100 KiB and returned less: what fitted in the send buffer (and what the receiver's buffer took). A non-blocking send never waits; it says how much it took."

step "Then EAGAIN"
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
expect C1 errno=EAGAIN
note "With both buffers full and nobody reading, nothing fits: a non-blocking send() fails with EAGAIN ('try again later'). The data is not lost; it was never taken."

step "sendall loops"
note "sendall keeps calling send() until everything is sent, waiting for room between calls. The receiver now reads as data arrives."
drain A1 on
sendall C1 200k
wait C1 10s
expect C1 ret=200k
drain A1 off
note "Each step of sendall is a send() that took what fitted. Python's sendall, and every correct sender, loops the same way."

step "A blocking send instead"
note "Make C1 blocking and send 1 MiB while the receiver does not read."
set C1 timeout=none
send C1 1m
sleep 300ms
note "The blocking send() waits in the kernel until the receiver makes room; the Connections pane shows it in flight."
drain A1 on
wait C1 10s
expect C1 ret=1m
drain A1 off
note "Once the receiver read, the blocking send() took all of it and returned 1048576: a blocking send returns only when all is taken (or a time-out or an error ends it)."
