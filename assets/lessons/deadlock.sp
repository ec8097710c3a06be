# lesson: Deadlock
# summary: both ends sendall a large message before reading; both block; a reader on either side breaks it
# netns: own where possible

step "Both send first"
listen rcvbuf=64k sndbuf=64k
connect L1 rcvbuf=64k sndbuf=64k
accept L1
wait L1
select C1
note "Client and server each send 1 MiB before reading, as programs that 'send the request, then read the reply' do. Their buffers are small, 128 KiB once doubled; larger ones only move the point where it happens. How much of its megabyte will each side get across before both stop?"
pause
sendall C1 1m
sendall A1 1m
expect C1 snd_wnd=0 within 5s
expect A1 snd_wnd=0 within 5s
sleep 3s
expect C1 snd_wnd=0
show C1
note "Only what the other side's receive buffer holds: {C1.recvq} bytes of A1's wait there unread (C1's recvq). C1's snd_wnd is {C1.snd_wnd}: A1, which does not read, gives C1 a zero window, and C1's sendall is blocked."
note "The view's app sent is 0: it counts what send() calls have returned, and the one inside sendall is still blocked. What that send() has handed over so far is in C1's sendq ({C1.sendq}), or has already reached A1."
note "The view's retrans {C1.retrans} counts segments C1's kernel sent again when an acknowledgement was slow to come, and dsack_dups {C1.dsack_dups} those of them A1 reported it already had. Neither is part of the deadlock."

step "Both wait"
show A1
note "The other way round the same: {A1.recvq} bytes of C1's wait unread in A1's receive buffer (A1's recvq), and A1's snd_wnd is {A1.snd_wnd}, for C1 does not read either. Both sendall calls wait for the other side to read; neither will. A deadlock, made by the buffers being finite."

step "Getting out"
note "What would break it?"
pause
select C1
drain A1 on rate=256k/s
note "A reader: the server now reads on a second thread (its receiving side), as a program with a reader thread would."
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
