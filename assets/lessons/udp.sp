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

step "Boundaries are kept"
note "U2 sends two short datagrams. U1 then asks recvfrom() for up to 100 bytes, room for both: what will it return?"
pause
sendto U2 U1 "Hi there"
sendto U2 U1 ", server"
recvfrom U1 100
expect U1 ret=8
expect U1 datagram_len=8
recvfrom U1 100
expect U1 ret=8
note "Each recvfrom() returned one datagram, as it was sent, though there was room for more. TCP carries a stream and keeps no boundaries (see the partial-recv lesson); UDP carries messages and keeps each one whole."

step "A datagram cut short"
note "U2 sends one datagram of 100 bytes."
sendto U2 U1 100
select U1
note "U1's recvq is {U1.recvq}, not 100: for UDP it counts the memory the kernel charged for the queued datagram, its bookkeeping with it, as ss's Recv-Q does."
note "U1 will read it with a 16-byte buffer. What becomes of the rest of the datagram?"
pause
recvfrom U1 16
expect U1 ret=16
expect U1 truncated=true
expect U1 datagram_len=100
note "recvfrom(16) returned 16 and the kernel flagged the datagram as truncated (MSG_TRUNC): it had 100 bytes, and the other 84 are gone."

step "The next datagram"
sendto U2 U1 "next"
recvfrom U1 100
expect U1 ret=4
note "U2 sent another datagram, and U1's next recvfrom got it, 4 bytes, not the rest of the first. With TCP the rest would have waited for the next recv."

step "Dropped without a word"
udp rcvbuf=4k
expect U3 rcvbuf=8192
select U3
udp
note "U3 has a small receive buffer, {U3.rcvbuf} bytes, and does not read. U4 sends it 200 datagrams of 1000 bytes. How many will U3 hold, and how many of U4's sendto() calls will fail?"
pause
sendto U4 U3 1000 x200
expect U4 errno=null
expect U4 bytes_sent=200000
expect U3 drops=197
expect U3 recvq=6912
note "Every sendto() succeeded: U4 handed every datagram to the kernel. U3 dropped {U3.drops} of them, and no one told U4. A protocol on UDP that must not lose messages has to notice and resend."

step "Counted, not told"
show U3 counters
note "The kernel counts the drops in its UdpRcvbufErrors counter too: {U3.udp_rcvbuf_errors} since the lab started. This lesson runs in a network namespace of its own, so no other program's drops are in that count: every one is the lab's."

step "What the buffer kept"
note "U3's recvq is {U3.recvq}: the memory the kernel charged for the datagrams it kept, each with its overhead, not their bytes. U3 now reads without waiting (timeout=0), four times, with room for 2000 bytes each: what will the fourth call return?"
pause
set U3 timeout=0
recvfrom U3 2000
recvfrom U3 2000
recvfrom U3 2000
expect U3 ret=1000
recvfrom U3 2000
expect U3 errno=EAGAIN
note "EAGAIN: the queue was empty after three datagrams of 1000 bytes. Three is all the 8 KiB buffer kept; the other {U3.drops} were dropped."

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
note "Both succeeded. The kernel answers a datagram to a closed port with an ICMP port unreachable, but an unconnected socket never hears of it."

step "Connected UDP"
connect U2 U5
expect U2 ret=0
expect U2 state=ESTABLISHED
note "connect() returned at once, though nothing is there to answer: it asks the peer nothing. It sets a default peer and a filter: U2 now takes datagrams from U5's address and port alone."
note "The Connections pane shows U2 as ESTAB, as ss does: UDP itself has no states, but ss prints ESTAB for a UDP socket with a peer set by connect(), and UNCONN for one without."
note "U2 sends three datagrams to U5 with send(). Will any of them fail?"
pause
send U2 "hello?"
expect U2 ret=6
sleep 200ms
send U2 "still there?"
expect U2 errno=ECONNREFUSED
send U2 "once more"
expect U2 ret=9
note "The second: ECONNREFUSED. The ICMP port unreachable that came back for the first send became an error on the next call, once; the call after it went out again. Of U2's two ways of sending, only the connected one learned of the ICMP error."
