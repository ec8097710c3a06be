# lesson: A network with distance
# summary: the lab's own link, a delay each way and a few Mbit/s: a handshake that takes a round trip, a pipe that fills, slow start doubling the congestion window each round trip, a lost segment sent again, a pulled cable and the retransmissions that wait for it
# netns: own
# needs: wire (slow start's bursts, one a round trip)

step "A link between client and server"
link delay=50ms rate=4mbit
listen
note "The lab is on a link of its own: the listener is on the server side, the next client on the client side, and every packet between them crosses the link, which holds it for the delay each way (50ms/way on the link's row)."
note "On the loopback a connect returns at once. How long will this one take?"
pause
connect L1
accept L1
wait L1
select C1
expect C1 elapsed=95ms..400ms
expect C1 rtt=95ms..400ms within 3s
note "One round trip: connect returned only once the SYN had crossed the link and the SYN-ACK had come back. The kernel measured that round trip: C1's rtt, {C1.rtt}."

step "A megabyte over the link"
note "The client sends a megabyte and the server reads it all. Does the whole megabyte leave the client at once?"
pause
sendall C1 1m
recvall A1 1m
expect C1 link_in_flight=1.. within 2s
expect C1 link_queued=1.. within 3s
show C1
note "No: C1 may have only cwnd segments sent and not yet acknowledged; the rest waits in its send buffer (notsent), or in sendall itself. Of what it sent, some is on the link, some waits at its entry for its turn at the rate: the link's rows show both (in flight, queued)."
note "The view's app sent is 0: it counts what send() calls have returned, and the one inside sendall has not returned yet. What sendall had handed over stays in C1's sendq until A1's kernel acknowledges it: not yet sent (notsent), or sent and unacknowledged."
wait A1 15s
expect A1 ret=1m
expect A1 elapsed=2s..
note "Not at once: recvall took {A1.elapsed}, and at 4mbit a megabyte cannot cross in less than two seconds. The acknowledgements coming back are what let the sender send more."

step "Seventy segments on a new path"
# A round trip under one second: a server resends its SYN-ACK after one
# second unanswered, and at exactly one the handshake raced that timer.
link delay=400ms rate=40mbit
sysctl tcp_congestion_control
connect L1 congestion=reno
accept L1
wait L1
set A2 rcvbuf=4m
set C2 sndbuf=1m
select C2
drain A2 on
expect C2 congestion=reno
expect C2 cwnd=10
note "The link now holds each packet 400ms each way, so a round trip takes most of a second: long enough to watch. This lab's sockets use the machine's congestion control, {sysctl.tcp_congestion_control}; a second client, C2, asks for reno, TCP's classic one: the path of a byte names it beside C2's cwnd."
note "A2 reads whatever comes, into a receive buffer set large, and C2's send buffer is large too: neither holds C2 back, only its congestion window (cwnd)."
note "cwnd is {C2.cwnd} segments: how many C2 may have sent and not yet acknowledged, on a path it knows nothing of yet. C2 sends seventy segments' worth of bytes. How many round trips until all seventy are acknowledged?"
pause
send C2 101360
expect C2 ret=101360
expect C2 cwnd=20 within 3s
expect C2 cwnd=40 within 1500ms
expect C2 cwnd=80 within 1500ms
expect C2 sendq=0
expect A2 bytes_received=101360
drain A2 off
note "Not one: only ten went out at first. A round trip later those ten were ACKed, and cwnd, one larger for each segment ACKed, had doubled; another round trip, twenty sent and ACKed, and it doubled again."
note "Three: all seventy ACKed in three round trips (ten, twenty, forty), and cwnd is {C2.cwnd}, doubled each round trip. A2's recv loop in Results shows it: its bytes came in from first to last over two round trips. That is slow start."

step "Slow start on the wire"
select C2 wire
note "On the wire, newest last: after the handshake, C2's data left in bursts a round trip apart, 10 data segments, then 20, then 40: each burst left as the ACKs of the one before came back."

step "A lost segment"
link delay=50ms loss=5%
note "The link is back to 50ms each way, a round trip of a tenth of a second (C2's rtt shows what it last measured until its next data is acknowledged), and it now loses one packet in twenty, at random. C2 sends 256 KiB. Does the server get them all?"
pause
sendall C2 256k
recvall A2 256k
wait A2 30s
expect A2 ret=256k
expect C2 sendq=0 within 10s
expect C2 link_dropped_loss=1..
expect C2 retrans=1..
note "Yes: recvall got all 256 KiB, though the link lost some of C2's packets on the way."

step "What was lost"
show C2
note "The view counts the packets the link lost (dropped: loss). No message said 'lost': the server's acknowledgements kept naming the next byte it was missing, and from them C2's kernel learned what to send again: retrans {C2.retrans}."
note "A resend may not be needed: its segment had arrived after all. dsack_dups {C2.dsack_dups} counts the resends the server said it already had, so retrans can exceed the link's losses to the server."
note "The view counts the link's drops each way. Those on the way to the client were acknowledgements, and a lost acknowledgement needs no resend: the next one names the next byte missing, as the lost one would have."

step "The cable pulled"
link loss=0%
select C1
link down
note "The cable is pulled, and the client sends a few bytes. Does the sender learn that the cable is gone?"
pause
send C1 "hello"
sleep 3s
expect A1 recvq=0
expect C1 backoff=2..
note "No message says stop, and none comes back: the sender only hears nothing. Its kernel sends the bytes again and again, waiting twice as long each time, up to two minutes: C1's backoff counts the resends."
note "The link's count of drops while down is two more than backoff: the first send, and one early resend (a tail-loss probe: Linux sends the last segment again once before its timer fires), then one resend each time its timer runs out."
note "The cable goes back in, and the server calls recv(). Do the bytes arrive at once?"
pause
link up
expect A1 recvq=0
recv A1 5
note "The cable is back, but nothing tells C1's kernel so: it sends the bytes again only when its timer runs out, and its path row says when that is."
wait A1 130s
expect A1 ret=5
note "No: recv() waited {A1.elapsed} with the cable back. The bytes came when C1's kernel next tried: nothing told it the cable was back, and its waits had doubled while the cable was out, so the longer the cable was out, the longer this wait can be, up to two minutes."
