# lesson: First connection
# summary: listen, connect, accept; sixteen octets each way; listening vs connected sockets; ECONNREFUSED
# needs: wire (the three-way handshake and the data segments; capture needs root or a lab of its own)

step "A listening socket"
note "A server begins with socket(), bind() and listen(). What it gets is a listening socket: it never carries data, it only collects connections."
listen backlog=5
expect L1 state=LISTEN
expect L1 accept_queue=0
note "Watch L1 in the Listeners pane: state LISTEN, an empty accept queue. Nobody has connected yet."

step "A client connects"
note "Watch L1's accept queue while a client connects."
connect L1
wait C1
expect C1 state=ESTABLISHED
expect L1 accept_queue=1
expect packet from=C1 to=L1 flags=SYN cause=connect
expect packet from=L1 to=C1 flags=SYN+ACK
expect packet from=C1 to=L1 flags=ACK cause=connect
note "C1 is ESTABLISHED and its connection waits in L1's accept queue. The server program has not done anything yet: the kernel made the three-way handshake on its own."
note "On the wire (press w): C1's SYN, L1's SYN-ACK, C1's ACK: the three-way handshake, all of it inside C1's connect() call."

step "The server accepts"
note "Now the server calls accept(). Watch the queue and the Connections pane."
accept L1
expect L1 accept_queue=0
expect A1 state=ESTABLISHED
note "accept() took the connection out of the queue and gave the server a new socket, A1. L1 goes on listening for more. A1 and C1 are the two ends of one connection: A1 ⇄ C1."

step "Sixteen octets each way"
note "The client sends sixteen bytes; watch A1's recvq."
send C1 "Hi there, server"
expect A1 recvq=16
recv A1 16
expect A1 ret=16
expect packet from=C1 to=A1 len=16 cause=send
note "send() put 16 bytes in A1's receive queue; recv() took them out. Now the server answers."
send A1 "Farewell, client"
expect C1 recvq=16
recv C1 16
expect C1 ret=16
expect packet from=A1 to=C1 len=16 cause=send
note "Data goes both ways on one connection. The listening socket L1 never saw any of it."

step "Nobody listening"
note "Close the listener, then try to connect to its address. Watch the result."
close L1
expect L1 state=CLOSED
note "L1 now reads CLOSED in the listeners pane: the kernel holds nothing for it any more."
connect L1
wait C2
expect C2 errno=ECONNREFUSED
expect packet from=C2 flags=SYN
expect packet to=C2 flags=RST+ACK kernel=reset
note "With nobody listening, the kernel answers the SYN with a reset, and connect() fails with ECONNREFUSED. The established connection A1 ⇄ C1 is not affected: it no longer needs the listener."
