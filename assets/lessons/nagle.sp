# lesson: Nagle and delayed ACKs
# summary: a request written in two pieces stalls for the delayed-ACK timer; TCP_NODELAY, one write, TCP_CORK and TCP_QUICKACK; across a link the stall grows with the round trip
# needs: wire (the held-back piece and the late ACK; capture needs root or a lab of its own)

step "A request in one write"
note "A client sends a request in one write; the server reads all of it (recvall), then replies at once."
listen
connect L1
accept L1
wait L1
select C1
send C1 "GET / HTTP/1.0\n"
recvall A1 15
expect A1 ret=15
expect A1 elapsed=0ms..35ms
send A1 "OK\n"
recv C1 3
expect C1 ret=3
note "recvall returned at once: the request was there. The server replied as soon as it had read it."

step "The same request in two writes"
set A1 quickack=off
note "The server sets TCP_QUICKACK 0 (quickack=off): its kernel delays its ACKs, hoping to send each with a reply. Now the client writes the same request in two pieces, as programs often do (a header, then the rest). How long will the server's recvall take?"
pause
send C1 "GET / " "HTTP/1.0\n"
recvall A1 15
expect A1 ret=15
expect packet from=C1 to=A1 len=6
expect packet from=A1 to=C1 acked=6
expect packet from=C1 to=A1 len=9 gap=35ms..300ms
note "recvall took {A1.elapsed}, timed from its start, after both writes had returned. The stall began at the first write: the next step times it on the wire."
note "Nagle held the second piece: a small segment waits while an earlier one is unacknowledged. The server, its ACKs delayed, held that ACK, hoping to send it with a reply it cannot write before the whole request. Each waited for the other until the delayed-ACK timer fired."

step "The stall on the wire"
select C1 wire
note "On the wire, newest last: C1's first piece (6 B) left at once; A1's ACK for it came only when the delayed-ACK timer fired, and C1's second piece (9 B) left right behind that ACK. From the 6 B to the 9 B is the whole stall, timed from the first write."

step "TCP_NODELAY"
send A1 "OK\n"
recv C1 3
set C1 nodelay=on
expect C1 nodelay=on
note "Now the client turns Nagle off with TCP_NODELAY (nodelay=on). Just before the writes the server sets quickack=off again, as in the second step, so that only the client has changed. The same two writes: how long now?"
pause
set A1 quickack=off
send C1 "GET / " "HTTP/1.0\n"
recvall A1 15
expect A1 ret=15
expect A1 elapsed=0ms..35ms
expect packet from=C1 to=A1 len=9 gap=..35ms
expect packet from=A1 to=C1 acked=15
expect no packet from=A1 to=C1 acked=6
expect packet from=A1 to=C1 acked=15 gap=..35ms
note "recvall took {A1.elapsed}: the second piece did not wait for an ACK."

step "TCP_NODELAY on the wire"
select C1 wire
note "On the wire, newest last: C1's 9 B piece left with no ACK before it: the client no longer waited for one. A1's one ACK, for both pieces, left as soon as recvall had read them: quickack off delays a lone ACK, but after two small pushed pieces Linux acknowledges a read that empties the buffer at once."

step "One write instead of two"
send A1 "OK\n"
recv C1 3
set C1 nodelay=off
expect C1 nodelay=off
note "Nagle back on, but the client builds the request first and writes it once, as in the first step."
send C1 "GET / HTTP/1.0\n"
recvall A1 15
expect A1 elapsed=0ms..35ms
expect packet from=C1 to=A1 len=15
expect no packet from=C1 to=A1 len=6
note "recvall took {A1.elapsed}: the request was written whole, so nothing was held back. Nagle delays only a small write that follows an unacknowledged one."

step "TCP_CORK"
send A1 "OK\n"
recv C1 3
note "TCP_CORK asks the kernel to hold partial segments until the program uncorks. The client corks, writes the two pieces, and then does nothing more. When will the server's recvall return?"
pause
set C1 cork=on
expect C1 cork=on
send C1 "GET / " "HTTP/1.0\n"
recvall A1 15
expect A1 ret=15
expect A1 elapsed=100ms..400ms
expect packet from=C1 to=A1 len=15
expect no packet from=C1 to=A1 len=6
note "recvall waited {A1.elapsed}, from its start, after the writes. The kernel held both pieces until a timer it set at the first write ran out: a fifth of a second, TCP_CORK's limit on how long it holds data, counted from then, so the wait is that or a little more. Then it sent what waited as one segment."

step "The corked request on the wire"
select C1 wire
note "On the wire, newest last: the two corked pieces left together, as one segment of 15 B."

step "Uncork when the message is whole"
send A1 "OK\n"
recv C1 3
set C1 cork=on
expect C1 cork=on
note "The client corks as before (cork=on), writes the two pieces again and uncorks at once, as a program does when its message is complete. How long now?"
pause
send C1 "GET / " "HTTP/1.0\n"
set C1 cork=off
recvall A1 15
expect A1 elapsed=0ms..35ms
expect packet from=C1 to=A1 len=15
expect no packet from=C1 to=A1 len=6
note "recvall took {A1.elapsed}: uncorked, the 15 bytes left at once and together. The program writes in pieces, the network sees one request."

step "TCP_QUICKACK on the server"
send A1 "OK\n"
recv C1 3
set A1 quickack=off
note "Nagle on, no cork, the server's ACKs delayed again (quickack=off) as in the second step. Now it asks for quick ACKs (TCP_QUICKACK). Two writes: how long?"
pause
set A1 quickack=on
send C1 "GET / " "HTTP/1.0\n"
recvall A1 15
expect A1 elapsed=0ms..35ms
expect packet from=A1 to=C1 acked=6
expect packet from=C1 to=A1 len=9 gap=..35ms
note "recvall took {A1.elapsed}: the second piece was not held. The next step shows why, on the wire."

step "Quick ACKs on the wire"
select C1 wire
note "On the wire, newest last: A1 acknowledged the 6 B piece in the same ms, so the 9 B piece found nothing unacknowledged and was not held."
note "That took the server's help. The writer can end the stall on its own: TCP_NODELAY, or one write per message."

step "Across a network"
send A1 "OK\n"
recv C1 3
note "So far the lab was one machine's loopback, where a round trip takes microseconds. Now a link with a delay each way goes between a new client and a new server, as across a continent: thousands of kilometres of fibre."
link delay=20ms
listen
connect L2
accept L2
wait L2
select A2 recv
send C2 "GET / HTTP/1.0\n"
recvall A2 15
send A2 "OK\n"
recv C2 3
expect C2 ret=3
set A2 quickack=off
note "The client writes its request in two pieces again, Nagle on. On loopback the stall was the delayed-ACK timer alone. How long will the server's recvall take across the link?"
pause
send C2 "GET / " "HTTP/1.0\n"
recvall A2 15
expect A2 ret=15
expect packet from=A2 to=C2 acked=6
expect packet from=C2 to=A2 len=9 gap=70ms..500ms
note "recvall took {A2.elapsed}, from its start, after the writes. The next step shows the wire."

step "The stall across the link, on the wire"
select C2 wire
note "On the wire, newest last, each row timed as it left: C2's 6 B piece; A2's ACK for it, sent after the piece had crossed the link and the delayed-ACK timer had run; then, once that ACK had crossed back, the 9 B piece. Nagle adds the network's round trip to the stall, on top of the delayed-ACK timer."

step "TCP_NODELAY across the network"
send A2 "OK\n"
recv C2 3
set C2 nodelay=on
expect C2 nodelay=on
note "The client turns Nagle off (TCP_NODELAY); just before the writes the server sets quickack=off again, as it did before the first two writes across the link. The same two writes across the link: how long now?"
pause
set A2 quickack=off
send C2 "GET / " "HTTP/1.0\n"
recvall A2 15
expect A2 ret=15
expect A2 elapsed=0ms..35ms
note "recvall took {A2.elapsed}: at most one crossing of the link (some of it may pass before recvall begins), as for a single write. Across a network the difference is round trips, which is why interactive protocols set TCP_NODELAY."
