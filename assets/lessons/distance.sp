# lesson: A network with distance
# summary: the lab's own link, a delay each way and a few Mbit/s: a handshake that takes a round trip, slow start doubling each round trip, a pipe that fills, a lost segment sent again, a pulled cable and the retransmissions that wait for it
# netns: own

step "A link between client and server"
link delay=50ms rate=4mbit
listen
note "The lab is on a link of its own: the listener is on the server side, the next client on the client side, and every packet between them crosses the link, which holds it for the delay each way."
note "On the loopback a connect returns at once. How long will this one take?"
pause
connect L1
accept L1
wait L1
select C1
expect C1 elapsed=95ms..400ms
expect C1 rtt_us=95000..400000 within 3s
note "connect returned after one round trip: the SYN crossed the link, the SYN-ACK came back, and only then could the client go on. The kernel measured the same round trip: rtt in the selected pane."

step "A full pipe"
note "The client sends a megabyte and the server reads it all. Does the whole megabyte leave the client at once?"
pause
sendall C1 1m
recvall A1 1m
expect C1 link_in_flight=1.. within 2s
expect C1 link_queued=1.. within 3s
show
note "No: the window lets the sender have only so much unacknowledged at a time. Some bytes are on the link, sent and not arrived; some wait at its entry for their turn at the rate: show lists both, each way."
wait A1 15s
expect A1 ret=1m
expect A1 elapsed=1800ms..
note "Every byte arrived, paced by the link's rate; the acknowledgements coming back are what let the sender send more."

step "Slow start"
link rate=40mbit
connect L1
accept L1
wait L1
select C2
drain A2 on
expect C2 cwnd=10
note "The link's rate is 40mbit now, ten times what it was. A second client, C2, has connected, and A2 on the server side reads whatever comes. C2's congestion window (cwnd) is {C2.cwnd} segments: what its kernel may have unacknowledged on a path it knows nothing of yet."
note "C2 sends a megabyte. How many segments will the next round trip carry?"
pause
sendall C2 1m
expect C2 cwnd=20..39 within 2s
sleep 100ms
expect C2 cwnd=40..79
sleep 100ms
expect C2 cwnd=80..159
note "Twice as many: a round trip after the first segments left, cwnd had doubled; a round trip later, doubled again; then again. Each segment acknowledged adds one to cwnd: slow start."
wait C2 15s
expect A2 bytes_received=1m within 15s
drain A2 off

step "A lost segment"
link loss=5%
show C2
note "The link now loses one packet in twenty, at random. So far C2's kernel has sent {C2.retrans} segments again (retrans). C2 sends 256 KiB. Does the server get them all, and in order?"
pause
sendall C2 256k
recvall A2 256k
wait A2 30s
expect A2 ret=256k
expect C2 link_dropped_loss=1..
expect C2 retrans=1..
show C2
note "Yes: recvall got all 256 KiB, though the link dropped some of its packets on the way. No message said which were lost: the server's acknowledgements stopped at the gap, and C2's kernel sent the missing segments again: retrans reads {C2.retrans} now."
link loss=0%

step "The cable pulled"
select C1
link down
note "The cable is pulled, and the client sends a few bytes. Does the sender learn that the cable is gone?"
pause
send C1 "hello"
sleep 3s
show C1
expect A1 recvq=0
expect C1 backoff=2..
note "No message says stop, and none comes back: the sender only hears nothing. Its kernel sends the bytes again and again, waiting twice as long each time: backoff in the selected pane counts the doublings."
link up
expect A1 recvq=5 within 15s
note "With the cable back, the next retransmission gets through and the bytes reach the server. Nothing said the link was down, and nothing said it was back: the sender found out by trying."
