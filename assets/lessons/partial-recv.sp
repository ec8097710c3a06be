# lesson: Partial recv
# summary: recv(16) returning less than 16; a message arriving in pieces; why recvall loops; recv → 0 at end of stream
# netns: own where possible
# loopback: like a network

step "recv(16) with 8 bytes queued"
listen
connect L1
accept L1
wait L1
select A1 recv
note "The client sends a short message; the server will ask recv() for more than that."
send C1 "Hi there"
expect A1 recvq=8
note "A1's recvq holds 8 bytes. What will recv(16) return: 16 bytes after a wait, or 8 at once?"
pause
recv A1 16
expect A1 ret=8
note "recv(16) returned 8 at once. The 16 is the size of the buffer, the most it may return; with no flags and the default SO_RCVLOWAT of one byte, recv() never waits to fill it."

step "A message in pieces"
note "Now one message is sent as two pieces, 8 bytes each, before the server reads."
send C1 "Hi there"
send C1 ", server"
expect A1 recvq=16
note "A1's recvq holds 16 bytes, from two sends. What will recv(16) return: the first send's 8 bytes, or all 16?"
pause
recv A1 16
expect A1 ret=16
note "recv(16) returned all 16, 'Hi there, server', in one piece: nothing in the stream marks where the first send ended."
note "TCP carries a stream of bytes, not messages: how bytes were grouped by send() is not kept. A message can arrive in as many pieces as the network and the timing make, and two sends as one read."

step "Half a message"
note "The client sends only the first half of a message now."
send C1 "Hi there"
expect A1 recvq=8
note "A1's recvq holds 8. recv(16) would return them at once. What will recvall(16) do: return the 8 too, or wait for all 16?"
pause
recvall A1 16
note "It waits: its first recv() took the 8 bytes (A1's recvq is 0 again), and it did not return."
note "The rest is sent now: what will recvall return, after how many recv() calls?"
pause
send C1 ", server"
wait A1
expect A1 ret=16
note "recvall returned 16, in 2 recv calls: the 8 bytes that were there, then the 8 that came later. It loops until it has all it asked for, as a program reading a fixed-size message must."

step "The client shuts down its side"
note "The client shuts down its sending side. What will recv(16) return now?"
pause
shutdown C1 write
recv A1 16
expect A1 ret=0
expect C1 state=FIN-WAIT-2
expect A1 state=CLOSE-WAIT
note "recv() returned 0: end of stream, the peer will send nothing more. It is not an error, and it does not mean 'nothing yet': in blocking mode recv() waits for data, and returns 0 only at the end."
note "The connection is now half closed: C1, which shut down its sending side, is in FIN-WAIT-2, and A1 in CLOSE-WAIT."
