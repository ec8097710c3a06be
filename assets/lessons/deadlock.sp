# lesson: Deadlock
# summary: both ends sendall a large message before reading; both block; a reader on either side breaks it
# netns: own where possible

step "Both send first"
listen rcvbuf=64k sndbuf=64k
connect L1 rcvbuf=64k sndbuf=64k
accept L1
wait L1
select C1
note "Client and server each send 1 MiB before reading anything, as two programs that 'send the request, then read the reply' would. Their buffers are small, 128 KiB once doubled, so that the picture is clear; default buffers only move the point where it happens. Will either sendall finish?"
pause
sendall C1 1m
sendall A1 1m
expect C1 snd_wnd=0 within 5s
expect A1 snd_wnd=0 within 5s
sleep 3s
expect C1 snd_wnd=0
show C1
note "No. C1's snd_wnd is {C1.snd_wnd}: A1, which does not read, gives C1 a zero window. C1's sendall is in flight, blocked."
note "The view's app sent is 0: it counts what send() calls have returned, and the one inside sendall is still blocked. What that send() has handed over so far is in C1's sendq ({C1.sendq}), or has already reached A1."
note "The view's retrans {C1.retrans} are segments C1's kernel sent again when an acknowledgement was slow to come; dsack_dups {C1.dsack_dups} of them A1 reported it already had. None of this is the deadlock."

step "Both wait"
show A1
note "The other way round the same: A1's snd_wnd is {A1.snd_wnd}, for C1 does not read either. Both sendall calls wait for the other side to read; neither will. A deadlock, made by the buffers being finite."

step "Getting out"
note "Can either side get out on its own? What would break it?"
pause
select C1
drain A1 on rate=256k/s
note "Neither can: each waits for the other. A reader breaks it: the server now reads on a second thread (its receiving side), as a program with a reader thread would."
wait C1 15s
expect C1 ret=1m
expect A1 snd_wnd=0
expect A1 bytes_received=1m within 10s
drain A1 off
select A1
note "C1's sendall finished: {C1.ret} bytes, and once the server had read them all, its reader stopped. A1's sendall is still in flight: C1 reads nothing, so the window C1 gives A1 stays zero. What happens to A1's sendall once C1 reads too?"
pause
drain C1 on rate=256k/s
wait A1 15s
expect A1 ret=1m
expect C1 bytes_received=1m within 10s
drain C1 off
note "Once C1 reads too, A1's sendall finishes: {A1.ret} bytes, and C1 reads them all. Reading on either side breaks the cycle. Programs avoid it by reading and writing at the same time (threads, or select/poll), or by a protocol that never has both sides send large amounts at once."
