# lesson: Flow control
# summary: a receiver that stops reading; its buffer filling, its window shrinking to zero, the sender blocking; reading again opens the window
# needs: wire (the segments and their windows; capture needs root or a lab of its own)

step "A receiver that does not read"
note "The server asks for a receive buffer of 64 KiB and does not read; the client, for a send buffer of 64 KiB. The client sends 160 KiB, slowly: 12 KiB a second. What happens once the server's buffer is full?"
pause
listen rcvbuf=64k
connect L1 sndbuf=64k
accept L1
wait L1
select C1
sendall C1 160k rate=12k/s
sleep 1s
note "A1's recvq grows as the bytes arrive, and the window A1 advertises to C1 (wnd) shrinks as its buffer fills."
expect C1 snd_wnd=0 within 20s
expect A1 rcv_wnd=0 within 3s
expect packet from=A1 to=C1 win=0 kernel=none cause=send
wait C1 20s
expect C1 ret=160k
expect packet from=C1 to=A1 kernel=zero-window-probe within 5s
expect packet from=A1 to=C1 win=0 kernel=zero-window-probe-ack within 5s
note "A1's buffer is full (FULL) and the window it offers is zero (wnd 0 ZERO), yet C1's sendall returned {C1.ret}: the bytes A1 had no room for wait in C1's own send buffer (its sndbuf), not yet sent."

step "The receiver's side"
show A1
note "A1 holds recvq {A1.recvq} bytes, more than the 65536 it asked for: its rcvbuf is {A1.rcvbuf}, as the kernel doubles what is asked, for its bookkeeping. Its rcv_wnd, the window it advertises to C1, is {A1.rcv_wnd}."

step "No message says stop"
note "The receiver never sent 'stop'. Once its buffer began to fill, each acknowledgement it sent carried a smaller window, and the sender may only have that many bytes unacknowledged. At zero, the sender waits and now and then probes the window."
select C1 wire
note "On the wire, the newest segments: C1's kernel probing the window with an empty segment, further apart each time, and A1's answers (probe ACK) carrying its zero window (the win on C1's own segments is the window C1 offers A1). No call made these: the kernel did."

step "A sender at full speed"
note "C1 now sends 8 MiB more, at full speed. Does this sendall return?"
pause
sendall C1 8m
sleep 2s
expect C1 snd_wnd=0
expect C1 bytes_sent=160k
expect C1 snd_mem=131072..
show C1
note "No: it blocks: the kernel view shows it still in flight. The memory C1's send buffer is charged, snd_mem {C1.snd_mem}, has passed its sndbuf, {C1.sndbuf}, and the window is zero, so the kernel keeps the call waiting. The receiver stopped the sender without a word."
note "snd_mem counts memory, data plus bookkeeping, and may pass the sndbuf: the kernel checks for room before it takes each piece of a send, not after."
note "The view's app sent is still {C1.bytes_sent}, the first sendall's: it counts what calls have returned, and this one has not. What it has taken so far waits in C1's sendq, {C1.sendq} bytes with the first sendall's rest."
note "The view also shows retrans {C1.retrans}, segments C1's kernel sent again when an acknowledgement was slow to come, and dsack_dups {C1.dsack_dups}, those A1 reported it had already got (a D-SACK): resent for nothing. This lesson needs neither them nor rtt and cwnd."

step "A small read"
note "The server reads 1000 bytes. Does the window open?"
pause
recv A1 1000
expect A1 ret=1000
sleep 1s
expect C1 snd_wnd=0
show A1
note "No: A1's recvq is now {A1.recvq}, 1000 bytes fewer, yet its rcv_wnd, the window it advertises to C1, is still {A1.rcv_wnd}. The window is made from free memory, not from room for data: A1 is charged {A1.rcv_mem} bytes of memory against its rcvbuf of {A1.rcvbuf}."
note "Memory comes back only as whole packet buffers are read out, and the kernel merges arriving segments, several into one buffer."
note "And while less than half the buffer is free, Linux keeps the window at zero until a sixteenth of it is free, or a segment if that is more: not the one segment books give (silly-window avoidance)."

step "Reading again"
note "The server now reads 64 KiB, half its buffer. What becomes of the window?"
pause
recv A1 64k
expect packet from=A1 to=C1 kernel=window-update within 5s
expect C1 snd_wnd=0 within 5s
select C1 wire held
note "It opens: on the wire, A1 sent C1 a window update, its window no longer zero, sent because the application read. C1 filled it at once, and more: the data row below folds in A1's acknowledgements, each letting C1 send on, until A1's window was 0 again (A1 win … → 0)."

step "Reading on"
expect C1 bytes_sent=160k
expect C1 snd_mem=87382..
note "C1's sendall is still blocked, though its send buffer is no longer full (its sndbuf no longer reads FULL): the kernel wakes a sender that waits for room only once the room free in its buffer is at least half of what the buffer still holds, and C1's sndbuf shows it holding more than twice its free room."

step "Reading everything"
note "The server now reads everything, 1 MiB a second. What becomes of C1's blocked sendall?"
pause
drain A1 on rate=1m/s
wait C1 30s
expect C1 ret=8m
expect A1 bytes_received=8352k within 30s
expect C1 sndbuf=131072
drain A1 off
note "As the application read, the buffer emptied, the window opened, the bytes that waited in C1's send buffer moved on, and the blocked sendall returned, with no message but windows. The window is how a receiver paces a sender: flow control."
note "C1's sndbuf did not grow: it still reads 128k, twice what it asked for. A send buffer nobody set, the kernel grows as the connection runs (autotuning); one the program set, it leaves."
