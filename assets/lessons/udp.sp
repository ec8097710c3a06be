# lesson: UDP
# summary: does the backlog apply to UDP? datagram boundaries, truncation, silent drops, connected UDP and ECONNREFUSED
# netns: own

step "Does the backlog apply to UDP?"
note "U1 will be a UDP socket: socket() and bind(), nothing more. Then it is asked to listen with a backlog of 5, as a TCP server would, and to accept. What will listen() return?"
pause
udp
listen U1 backlog=5
expect U1 errno=EOPNOTSUPP
accept U1
expect U1 errno=EOPNOTSUPP
note "The kernel refuses both calls, listen(5) and then accept(), with EOPNOTSUPP, 'operation not supported': a UDP socket has no listen or accept operation at all. The backlog is the length of a queue of connections, and UDP has no connections, so there is nothing to queue and nothing to accept."

step "Datagrams without listen()"
udp
note "So a UDP server does without both. U2, another UDP socket, sends U1 a datagram, and U1 calls recvfrom()."
sendto U2 U1 "hello, U1"
recvfrom U1 100
expect U1 ret=9
expect U1 from=U2
note "U1 got it, though it never listened and accepted nothing: a bound UDP socket takes datagrams from anyone. recvfrom() says who sent each one (U2). U1's one queue is its receive buffer, shared by every sender."
note "The Connections pane lists UDP sockets too: UNCONN, 'unconnected', is a UDP socket with no peer of its own. There is no connection behind it."

step "Two short datagrams"
note "U2 sends two short datagrams. U1 then asks recvfrom() for up to 100 bytes, room for both: what will it return?"
pause
sendto U2 U1 "Hi there"
sendto U2 U1 ", server"
recvfrom U1 100
expect U1 ret=8
expect U1 datagram_len=8
recvfrom U1 100
expect U1 ret=8
note "Each recvfrom() returned one datagram of 8 bytes, as U2 sent it (\"Hi there\", then \", server\"), though there was room for more: UDP keeps each message whole, while a TCP stream keeps no boundaries (the partial-recv lesson)."

step "A 16-byte buffer"
note "U2 sends one datagram of 100 bytes."
sendto U2 U1 100
select U1
note "Before any read, U1's recvq is {U1.recvq}, not 100: for UDP it counts the memory the kernel charged for the queued datagram, its bookkeeping with it."
note "U1 will read it with a 16-byte buffer. What becomes of the rest of the datagram?"
pause
recvfrom U1 16
expect U1 ret=16
expect U1 truncated=true
expect U1 datagram_len=100
note "recvfrom(16) returned 16: the datagram had 100 bytes, and the other 84 are gone. A plain recvfrom() does not say so; the lab passes the MSG_TRUNC flag, for which Linux returns the datagram's whole length, 100, and so could tell."

step "The next datagram"
sendto U2 U1 "next"
recvfrom U1 100
expect U1 ret=4
note "U2 sent another datagram, and U1's next recvfrom got it, 4 bytes, not the rest of the first. With TCP the rest would have waited for the next recv."

step "Two hundred datagrams"
udp rcvbuf=4k
expect U3 rcvbuf=8192
select U3
udp
note "U3 has a small receive buffer, {U3.rcvbuf} bytes, and does not read. U4 sends it 200 datagrams of 1024 bytes. How many of U4's sendto() calls will fail, and will U3 keep every datagram?"
pause
sendto U4 U3 1024 x200
expect U4 errno=null
expect U4 bytes_sent=204800
expect U3 drops=197
expect U3 recvq=6912
note "None of U4's sendto() calls failed: each handed its datagram to the kernel. U3 kept few of them: it dropped {U3.drops}, and no one told U4. A protocol on UDP that must not lose messages has to notice and resend."

step "Counted, not told"
show U3
note "U3's drops are counted on U3 and by the kernel, for this lab alone: UdpRcvbufErrors {U3.udp_rcvbuf_errors}, for want of room, and UdpInErrors {U3.udp_in_errors}, all that came for a socket but could not be delivered (UdpNoPorts counts those for a port no socket holds)."

step "What the buffer kept"
note "Before it reads, U3's recvq is {U3.recvq}: the memory the kernel charged for the datagrams it kept, each with its overhead, not their bytes. U3 now reads without waiting (timeout=0), with room for 2048 bytes, two datagrams, each time. Four such calls: what will each return?"
pause
set U3 timeout=0
recvfrom U3 2048
recvfrom U3 2048
recvfrom U3 2048
expect U3 ret=1024
expect U3 bytes_received=3072
recvfrom U3 2048
expect U3 errno=EAGAIN
note "Three calls returned 1024 each: one datagram a call, though there was room for two. Then EAGAIN, 'would block': U3 had kept three (drops counts the rest), and a call that may not wait says so at once."

step "Sending to a closed port"
note "U5 will be made and closed at once, so that nothing is bound at its port any more. Then U2 sends it two datagrams with sendto(). Will sendto() fail?"
pause
udp
close U5
select U2
sendto U2 U5 "anyone there?"
sleep 200ms
sendto U2 U5 "hello?"
expect U2 errno=null
note "Neither failed: sendto() returned 13, then 6."

step "Where they went"
expect U2 udp_no_ports=2
show U2 counters
note "Neither arrived: UdpNoPorts, the datagrams that came to a port no socket holds, is {U2.udp_no_ports}. The kernel answers each with an ICMP port unreachable; an unconnected socket never hears of it, unless it asks for such errors with IP_RECVERR."

step "Connected UDP"
note "U2 now calls connect() on that closed port, where nothing is bound."
connect U2 U5
expect U2 ret=0
expect U2 state=ESTABLISHED
note "connect() returned at once, though nothing is there to answer: it asks the peer nothing. It sets a default peer and a filter: U2 now takes datagrams from U5's address and port alone."
note "The Connections pane shows U2 as ESTAB: UDP itself has no states, but the kernel marks a UDP socket with a peer set by connect() as established, and the pane writes UNCONN for one without."

step "send() on the connected socket"
note "U2 sends U5 two datagrams with send(). Will either fail?"
pause
send U2 "hello?"
expect U2 ret=6
sleep 200ms
send U2 "still there?"
expect U2 errno=ECONNREFUSED
note "The first went: 6. The second: ECONNREFUSED, the ICMP port unreachable that came back for the first, told on the next call."

step "What reached the port"
expect U2 udp_no_ports=3
show U2 counters
note "UdpNoPorts is {U2.udp_no_ports}: the two datagrams sendto() sent, and the first send(). The refused second sent nothing."

step "A third send"
note "U2 sends a third. Will it fail too?"
pause
send U2 "once more"
expect U2 ret=9
note "No: 9. An ICMP error is told once, to the next call, and then it is cleared. Will U2's next send fail?"
pause
sleep 200ms
send U2 "and again"
expect U2 errno=ECONNREFUSED
expect U2 udp_no_ports=4
note "Yes: ECONNREFUSED again. The third datagram reached the closed port too and drew an ICMP error of its own, told to the next call. A connected UDP socket hears of each refusal one call late, each told once; the unconnected sendto() heard of none."
