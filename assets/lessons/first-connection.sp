# lesson: First connection
# summary: listen, connect, accept; sixteen bytes each way; listening vs connected sockets; ECONNREFUSED
# needs: wire (the three-way handshake and the data segments; capture needs root or a lab of its own)

step "A listening socket"
note "A server begins with socket(), bind() and listen(). What it gets is a listening socket: it never carries data, it only collects connections."
listen backlog=5
select L1
expect L1 state=LISTEN
expect L1 accept_queue=0
note "L1 is in state LISTEN with an empty accept queue (queue 0/6): nobody has connected yet."

step "A client connects"
note "A client calls connect(). What happens to L1's accept queue?"
pause
connect L1
wait C1
expect C1 state=ESTABLISHED
expect L1 accept_queue=1
expect packet from=C1 to=L1 flags=SYN cause=connect
expect packet from=L1 to=C1 flags=SYN+ACK
expect packet from=C1 to=L1 flags=ACK cause=connect
note "C1 is connected (ESTAB) and its connection waits in L1's accept queue (queue 1/6). The server program has not done anything yet: the kernel made the three-way handshake on its own."
select C1 wire
note "On the wire: C1's SYN (S), L1's SYN-ACK (S.) and C1's ACK (.), all three inside C1's connect() call."

step "The server accepts"
note "Now the server calls accept()."
accept L1
wait L1
select A1
expect L1 accept_queue=0
expect A1 state=ESTABLISHED
note "accept() took the connection out of the queue (queue 0/6) and gave the server a new socket, A1. L1 goes on listening for more. A1 and C1 are the two ends of one connection: A1 ⇄ C1."

step "Sixteen bytes each way"
select A1 recv
note "The client sends sixteen bytes."
send C1 "Hi there, server"
expect A1 recvq=16
note "The 16 bytes wait in A1's receive queue: recvq 16. The server has not read them yet. What will recv(16) return, and what is left in recvq?"
pause
recv A1 16
expect A1 ret=16
expect A1 recvq=0
expect packet from=C1 to=A1 len=16 cause=send
note "recv(16) returned the 16 bytes and A1's recvq is back to 0. Now the server answers."
send A1 "Farewell, client"
expect C1 recvq=16
recv C1 16
expect C1 ret=16
expect packet from=A1 to=C1 len=16 cause=send
note "C1 received \"Farewell, client\": data goes both ways on one connection. The listening socket L1 never saw any of it."

step "Nobody listening"
note "The server will close the listener L1, and then a client will try its address. What will connect() say?"
pause
close L1
expect L1 state=CLOSED
note "L1 now reads CLOSED: the kernel holds nothing for it any more."
connect L1
wait C2
expect C2 errno=ECONNREFUSED
expect packet from=C2 flags=SYN
expect packet to=C2 flags=RST+ACK kernel=reset
note "With nobody listening, the kernel answers the SYN with a reset, and connect() fails with ECONNREFUSED. The established connection A1 ⇄ C1 is not affected: it no longer needs the listener."

step "The reset on the wire"
select C2 wire
note "On the wire, newest last: C2's SYN (S) to L1's port (Listeners writes it after L1's address), and the reset (R.) the kernel sent back from that port, with nobody listening there."
