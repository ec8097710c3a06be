# lesson: Deadlock
# summary: both ends sendall a large message before reading; both block; a reader on either side breaks it

step "Both send first"
listen rcvbuf=64k sndbuf=64k
connect L1 rcvbuf=64k sndbuf=64k
accept L1
wait L1
select C1
note "Client and server each send 1 MiB before reading anything, as two programs that 'send the request, then read the reply' would. Their buffers are small, 128 KiB once doubled, so that the picture is clear; default buffers only move the point where it happens."
sendall C1 1m
sendall A1 1m
expect C1 snd_wnd=0 within 5s
expect A1 snd_wnd=0 within 5s
note "Both receive buffers are full, both windows are zero (snd_wnd 0 on C1 and on A1), and both sendall calls are in flight, blocked. Each waits for the other to read; neither will. A deadlock, made by the buffers being finite."
note "Can either side get out on its own? What would break it?"

step "A reader breaks it"
note "The server starts reading on a second thread (its receiving side), as a program with a reader thread would; slowly, 256 KiB a second, so that C1's sendall can be seen moving."
drain A1 on rate=256k/s
wait C1 15s
expect C1 ret=1m
expect A1 snd_wnd=0
note "C1's sendall finished: 1048576 bytes. A1's sendall still waits: C1 reads nothing, so A1's window stays zero (snd_wnd 0 on A1). What happens to A1's sendall once C1 reads too?"
pause
select A1
drain C1 on
expect A1 bytes_sent=1m within 10s
drain A1 off
drain C1 off
note "Once C1 reads too, A1's sendall finishes. Reading on either side breaks the cycle. Programs avoid it by reading and writing at the same time (threads, or select/poll), or by a protocol that never has both sides send large amounts at once."
