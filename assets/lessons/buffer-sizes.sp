# lesson: Buffer sizes
# summary: asked vs effective (doubling, floors, caps from rmem_max/wmem_max); the receive buffer before vs after connecting, and the window scale
# netns: own where possible

step "Asked and effective"
listen rcvbuf=4k sndbuf=4k
expect L1 rcvbuf_asked=4096
expect L1 rcvbuf=8192
expect L1 sndbuf=8192
note "setsockopt(SO_RCVBUF, 4096) reads back 8192: Linux doubles the value to leave room for its own bookkeeping, and reports the doubled figure."

step "Floors"
listen rcvbuf=1 sndbuf=1
expect L2 rcvbuf=2304
expect L2 sndbuf=4608
note "Ask for 1 byte and you get the minimum: 2304 for receiving, 4608 for sending."

step "Caps"
listen rcvbuf=1g sndbuf=1g
show L3
note "Values above net.core.rmem_max and wmem_max are capped: you get twice the maximum. The note on L3 says what the maximum is here."

step "Before or after connecting"
select L1
note "Two clients of L1 will ask for the same 4 KiB receive buffer: C1 before connect(), C2 after. Each side announces its window scale once, in its SYN or SYN-ACK. Will they advertise the same window scale?"
pause
connect L1 rcvbuf=4k
connect L1
set C2 rcvbuf=4k
select C1
expect C1 rcvbuf=8192
expect C2 rcvbuf=8192
expect C1 rcv_wscale=0
show C1 C2
note "C1 set its buffer before connecting, so the kernel scaled its window for that buffer: rcv_wscale {C1.rcv_wscale}."
note "A socket that has not set its buffer is scaled for the most it may grow to, the maximum of net.ipv4.tcp_rmem: C2 connected so, with rcv_wscale {C2.rcv_wscale}, and keeps that scale after its rcvbuf became {C2.rcvbuf}. Not the same, then."
note "C2's rcv_wnd, {C2.rcv_wnd}, is the window it offered as it connected, before it set its buffer; by default, Linux does not take back a window once offered. C2 set its buffer too late for its window as well."
note "C1 set no send buffer, so sndbuf {C1.sndbuf} is Linux's own choice for it, not a request doubled as in the first step."

step "Shaping the window"
select L1
note "To shape the window, set SO_RCVBUF before connect() (or, on a server, before listen(): accepted sockets take it from the listener)."
