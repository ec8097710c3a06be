# lesson: Partial send
# summary: a small send buffer; a non-blocking send accepting part of the data, then EAGAIN; sendall looping; a blocking send instead
# netns: own where possible

step "Small buffers"
note "The server gets a small receive buffer and the client a small send buffer, four KiB each, both set before connecting; the client is non-blocking (its mode reads nonblock). The receiver will not read."
listen rcvbuf=4k
connect L1 sndbuf=4k timeout=0
wait C1
accept L1
wait L1
select C1
expect C1 sndbuf=8192
note "C1's sndbuf reads 8192 on its path (0/8192): twice the four KiB that was asked, as the kernel doubles it to leave room for its own bookkeeping."

step "A 100 KiB send()"
note "C1's send buffer is {C1.sndbuf} bytes and A1's receive buffer {A1.rcvbuf}, but both count memory, not data: each packet costs its bytes plus the kernel's bookkeeping. C1 asks send() to send 100 KiB. What will send() return?"
pause
send C1 100k
expect C1 partial=true
note "send() returned {C1.ret}, less than 100 KiB: all that fitted. Bytes sent on to A1 still counted against C1's buffer until acknowledged, and that came after the call. A non-blocking send never waits; it says how much it took."

step "Trying again"
note "C1 tries again, six times, while nobody reads."
sleep 100ms
send C1 100k
expect C1 partial=true
note "The first try still took some: once A1 acknowledged the bytes the first send() passed on, C1 no longer had to keep them, and that freed room."
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
sleep 100ms
send C1 100k
expect C1 errno=EAGAIN
expect C1 snd_wnd=0
note "The five tries after it took nothing: a non-blocking send() fails with EAGAIN ('try again later'). The data is not lost; it was never taken. C1's send buffer holds {C1.sendq} bytes of data: what does the kernel count them as, against its {C1.sndbuf}?"
pause
show C1
note "The buffer counts memory, not data: C1's {C1.sendq} bytes are charged snd_mem {C1.snd_mem}, past its {C1.sndbuf}, for the kernel checks for room before it takes each piece, and the last piece may pass the size."

step "The receiver's window"
show A1
note "A1 holds recvq {A1.recvq}, charged rcv_mem {A1.rcv_mem} of its {A1.rcvbuf}: its buffer is not full, yet its rcv_wnd is {A1.rcv_wnd}. A1 stopped offering a window before all its memory was charged."

step "sendall loops"
note "The receiver now reads, slowly."
drain A1 on rate=16k/s
sendall C1 64k
note "C1 calls sendall with 64 KiB. sendall calls send(), takes what fits, waits for room as the receiver reads, and calls send() again, until all is taken."
wait C1 15s
expect C1 ret=64k
drain A1 off
expect C1 sendq=1..
expect A1 recvq=1..
note "sendall returned {C1.ret} after {C1.elapsed}, as fast as the receiver read: between its send() calls it waited for room, as an event loop would."
note "Returned means C1's kernel took every byte, not that A1 read them all: C1's sendq holds {C1.sendq} and A1's recvq {A1.recvq}. A1's recv loop read {A1.ret} all the same, for it began with the bytes the steps before had left queued."
note "About Python, not shown here: the lab's sendall is its own loop of send() calls. Python's socket.sendall does not wait for room: on a non-blocking socket it raises BlockingIOError as soon as the buffer is full, after sending part, and the error does not say how much."

step "A blocking send instead"
note "C1 becomes blocking; the receiver does not read."
set C1 timeout=none
send C1 1m
sleep 300ms
note "The blocking send() of 1 MiB is in flight: it waits in the kernel for room, with C1's send buffer full. What happens when the receiver reads?"
pause
drain A1 on rate=256k/s
wait C1 15s
expect C1 ret=1m
drain A1 off
note "As the receiver read, the blocking send() took the rest and returned 1048576: a blocking send returns only when all is taken (or a time-out or an error ends it)."
