# lesson: Deadlock
# summary: both ends sendall a large message before reading; both block; a reader on either side breaks it

step "Both send first"
note "Client and server each send 1 MiB before reading anything, as two programs that 'send the request, then read the reply' would. Their buffers are 64 KiB, so that the picture is clear (default buffers only move the point where it happens)."
listen rcvbuf=64k sndbuf=64k
connect L1 rcvbuf=64k sndbuf=64k
accept L1
sendall C1 1m
sendall A1 1m
expect C1 snd_wnd=0 within 5s
expect A1 snd_wnd=0 within 5s
note "Both receive buffers are full, both windows are zero, both sendall calls are blocked: the Connections pane shows them in flight. Each waits for the other to read; neither will. A deadlock, made by the buffers being finite."

step "A reader breaks it"
note "The server starts reading on a second thread (its receiving side), as a program with a reader thread would."
drain A1 on
wait C1 10s
expect C1 ret=1m
note "C1's sendall could finish. A1's still waits for C1 to read."
drain C1 on
expect A1 bytes_sent=1m within 10s
drain A1 off
drain C1 off
note "Reading on either side breaks the cycle. Programs avoid it by reading and writing at the same time (threads, or select/poll), or by a protocol that never has both sides send large amounts at once."
