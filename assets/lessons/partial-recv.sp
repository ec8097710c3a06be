# lesson: Partial recv
# summary: recv(16) returning less than 16; a message arriving in pieces; why recv_all loops; recv → 0 at end of stream

step "recv returns what is there"
listen
connect L1
accept L1
note "The client sends 8 bytes. The server asks recv() for up to 16."
send C1 "Hi there"
expect A1 recvq=8
recv A1 16
expect A1 ret=8
expect A1 partial=true
note "recv(16) returned 8 at once. The 16 is the size of the buffer, the most it may return; recv() never waits to fill it."

step "A message in pieces"
note "Now one 16-byte message is sent as two pieces, and read after each."
send C1 "Hi there"
expect A1 recvq=8
recv A1 16
expect A1 ret=8
send C1 ", server"
expect A1 recvq=8
recv A1 16
expect A1 ret=8
note "TCP carries a stream of bytes, not messages: how bytes were grouped by send() is not kept. A message can arrive in as many pieces as the network and the timing make."

step "Why recv_all loops"
note "recvall calls recv() until it has all 16 bytes, as the classic recv_all does. Watch its steps."
send C1 "Hi there"
expect A1 recvq=8
recvall A1 16
sleep 200ms
send C1 ", server"
wait A1
expect A1 ret=16
note "The first recv() returned the 8 bytes that were there; the loop called recv() again, which waited for the rest. A program that reads a fixed-size message must loop like this."

step "End of stream"
note "The client shuts down its sending side. Watch what recv() returns."
shutdown C1 write
recv A1 16
expect A1 ret=0
note "recv() returning 0 means end of stream: the peer will send nothing more. It is not an error, and it does not mean 'nothing yet': in blocking mode recv() waits for data, and returns 0 only at the end."
