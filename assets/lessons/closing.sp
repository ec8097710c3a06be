# lesson: Closing
# summary: shutdown(write) read as end of stream; FIN-WAIT-2 and CLOSE-WAIT; TIME-WAIT after both close; a reset and ECONNRESET; EPIPE; the FINs and resets on the wire
# needs: wire (the FINs, their ACKs and the reset; capture needs root or a lab of its own)

step "shutdown(write) is end of stream"
listen
connect L1
accept L1
wait L1
select C1
send C1 "last words"
shutdown C1 write
recv A1 100
recv A1 100
expect A1 ret=0
expect packet from=C1 to=A1 len=10 cause=send
expect packet from=C1 to=A1 flags=FIN+ACK cause=shutdown
expect packet from=A1 to=C1 flags=ACK cause=shutdown
note "shutdown(write) sent a FIN after the data: the server read 'last words', then recv() returned 0, end of stream. C1 can still receive."

step "FIN-WAIT-2 and CLOSE-WAIT"
select C1 wire
note "On the wire, newest last: C1's 10 bytes (P.), then its FIN (F.), each acknowledged by A1's kernel (.)."
expect C1 state=FIN-WAIT-2
expect A1 state=CLOSE-WAIT
note "C1 sent its FIN and had it acknowledged: FIN-WAIT-2, waiting for the server's FIN. A1 received a FIN its application has not answered: CLOSE-WAIT. A socket stuck in CLOSE-WAIT is a program that forgot to close."
send A1 "goodbye"
recv C1 100
expect C1 ret=7
expect packet from=A1 to=C1 len=7 cause=send
note "Half-closed: the server can still send to the client. On the wire, A1's 7 bytes (P.) came after C1's FIN."

step "Both close: TIME-WAIT"
close A1
expect C1 state=TIME-WAIT
expect packet from=A1 to=C1 flags=FIN+ACK cause=close
expect packet from=C1 to=A1 flags=ACK cause=close
close C1
expect C1 state=TIME-WAIT
expect no packet from=C1 to=A1 flags=FIN+ACK cause=close within 500ms
expect C1 time_wait=50s..60s
select C1 wire
note "The side that shut down first (C1) ends in TIME-WAIT, a minute on Linux, so that it can answer the peer's FIN again if its last ACK was lost, and stray segments of this connection cannot be taken for a new one. The name C1 stays while the kernel holds it, and goes when the kernel lets it go."
note "C1 was in TIME-WAIT when its program called close(): the connection had ended, so close() sent nothing and only freed the descriptor. On the wire, newest last: A1's FIN (F.), then C1's ACK (.) of it, for which A1 waited in LAST-ACK; it came at once, and A1 left the kernel then."

step "A reset"
note "A new connection; the server closes it with SO_LINGER set to zero, which sends a reset (RST) instead of a FIN."
connect L1
accept L1
wait L1
close A2 rst
expect C2 state=CLOSED
expect packet from=A2 to=C2 flags=RST+ACK cause=close
select C2 wire
note "On the wire, newest last: the handshake, then A2's reset (R.), and nothing after it: no FIN, no ACK. A2 had sent no data, so the reset threw nothing away here: it ended the connection at once, with no TIME-WAIT. C2 is CLOSED."

step "Sending after a reset"
select C2
note "C2 got the reset; its program has made no call since. Now it sends 10 bytes: what will send() say?"
pause
send C2 10
expect C2 errno=ECONNRESET
note "send() failed with ECONNRESET: the kernel reports the reset it received."
note "The client sends again. Same error?"
pause
send C2 10
expect C2 errno=EPIPE
note "No: the second send() failed with EPIPE, 'broken pipe'. The reset is reported once, to the first call after it; from then on the connection is simply gone."
note "Not the same: EPIPE. With it the kernel also raises the signal SIGPIPE, unless the send asks for none (MSG_NOSIGNAL, as these sends do). SIGPIPE kills a C program that has not set it aside; Python ignores SIGPIPE from its start, so there send() raises BrokenPipeError instead."

step "close() with data unread"
note "A new client sends 10 bytes, and the server does not read them."
connect L1
accept L1
wait L1
select C3
send C3 10
expect A3 recvq=10
note "The server's program will now close A3 with a plain close(), no SO_LINGER, the 10 bytes still unread. What will C3's next recv() return: 0, end of stream, as after a FIN?"
pause
close A3
expect packet from=A3 to=C3 flags=RST+ACK cause=close
expect no packet from=A3 to=C3 flags=FIN+ACK
recv C3 100
expect C3 errno=ECONNRESET
note "No: ECONNRESET. A server that closes without reading all of a request can turn its own clean close into an error on the client."

step "The reset on the wire"
select C3 wire
note "On the wire, newest last: C3's 10 bytes (P.), acknowledged (.), then A3's reset (R.) where a FIN would have been. A close() that leaves received bytes unread sends a reset, not a FIN."
