# A first look at sockplay: an accept, a partial send, EAGAIN and a time-out.
# Run it:  cargo run --release -- run assets/examples/first-look.sp

step "A listener and a client"
listen backlog=2 rcvbuf=4k
connect L1 sndbuf=4k timeout=0
wait C1
accept L1
expect L1 errno=null
note "accept() took C1's connection out of L1's accept queue: that socket is A1."

step "Sixteen bytes, read in two pieces"
send C1 "Hi there, server"
sleep 50ms
recv A1 7
expect A1 ret=7
recv A1 16
expect A1 partial=false
expect A1 ret=9
note "recv(16) returned 9: it returns what is queued, not what was asked. That is not partial: recv promises at most 16, and nothing is left to do."

step "A partial send, then EAGAIN"
send C1 1m
expect C1 partial=true
note "The small buffers had room for only a part of the megabyte; send() said how much."
sleep 100ms
send C1 1m
sleep 100ms
send C1 1m
expect C1 errno=EAGAIN
note "Both buffers are full and nobody reads: a non-blocking send() cannot wait, so EAGAIN."

step "A time-out"
set A1 timeout=0
drain A1
set A1 timeout=500ms
recv A1 100
wait A1
expect A1 errno=null
expect A1 timed_out=true
note "With a time-out, as Python's settimeout(0.5), recv() waited half a second for data, then timed out: no errno (Python raises TimeoutError)."
