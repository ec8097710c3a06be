# lesson: Keepalive and a dead peer
# summary: a pulled cable goes unnoticed by a blocked recv; keepalive probes find the dead peer in idle + interval × count (2 hours by default); TCP_USER_TIMEOUT for unacknowledged data
# link: delay=5ms
# needs: wire (the probes and the reset the pulled cable drops)

step "A quiet connection, and the cable pulled"
note "The client and the server are on the lab's link now. The server waits in recv() for the client's request."
listen
connect L1
accept L1
wait L1
select A1 recv
recv A1 100
note "A1's recv() is blocked: nothing has come. Now the cable will be pulled (link down), and five seconds will pass. What will the server's recv() learn, and when?"
pause
link down
sleep 5s
expect A1 state=ESTABLISHED
expect C1 state=ESTABLISHED
expect A1 link_up=false
note "Nothing. Both ends still read ESTAB (established) and A1's recv() is still blocked: with nothing to send, neither kernel sent a segment, so neither learned anything. TCP finds a dead peer only by sending to it."

step "The cable plugged back"
link up
close C1
wait A1
expect A1 ret=0
note "The cable is back and the client closes: A1's recv() returns 0, end of stream. The connection outlived the outage because nobody needed it meanwhile."

step "Keepalive: probes on an idle connection"
connect L1
accept L1
wait L1
select A2 recv
note "A second client. Its server side, A2, will ask for keepalive (SO_KEEPALIVE) with short timers, and the client will send a first message."
note "A probe after 1 second idle (TCP_KEEPIDLE), one every second after that (TCP_KEEPINTVL), giving up after 2 unanswered (TCP_KEEPCNT). Then the cable will be pulled and A2 will wait in recv(). How long until recv() returns, and with what?"
pause
set A2 keepalive=on keepidle=1s keepintvl=1s keepcnt=2
expect A2 keepalive=on
send C2 "ping"
recv A2 4
expect C2 sendq=0
link down
recv A2 100
wait A2 10s
expect A2 errno=ETIMEDOUT
expect A2 elapsed=2s..6s
expect A2 state=CLOSED
expect packet from=A2 to=C2 kernel=keepalive
expect packet from=A2 to=C2 flags=RST+ACK
note "recv() failed with ETIMEDOUT after {A2.elapsed}: a second idle after the message, a probe, another a second later, both into the pulled cable; a second after that, with neither answered, the kernel gave the connection up."
note "A program blocked in recv() with nothing of its own unacknowledged, as here, learns of a dead peer only this way, or by a timeout of its own."
expect A2 link_dropped_down=3
note "The link bar counts 3 segments dropped: the two probes, and a third that the wire shows next."

step "A2's keepalive: its settings, then the wire"
show A2
note "A2's kernel view still lists what it asked for: keepalive 1s+1s×2, a probe after 1s idle, then one every 1s, giving up after 2 unanswered."
select A2 wire
expect C2 state=ESTABLISHED
note "On the wire, newest last: C2's message and A2's ACK of it, then A2's two probes a second apart, then the reset (R.) A2's kernel sent as it gave up, to tell the peer. The pulled cable dropped all three: C2, which the reset never reached, still reads ESTAB."

step "Why people wait two hours"
note "A socket that asks for nothing gets the system's defaults, read from three settings:"
sysctl tcp_keepalive_time
sysctl tcp_keepalive_intvl
sysctl tcp_keepalive_probes
note "Keepalive is off unless asked for. When on, the first probe goes after {sysctl.tcp_keepalive_time} seconds idle, then one every {sysctl.tcp_keepalive_intvl} seconds, {sysctl.tcp_keepalive_probes} of them: more than two hours before a dead peer is found."
note "So servers set the three options on each socket, as A2 did."

step "TCP_USER_TIMEOUT: data that is never acknowledged"
link up
connect L1
accept L1
wait L1
select C3 send
sysctl tcp_retries2
note "Keepalive probes an idle connection. A connection with data in flight sends it again instead (it retransmits), waiting longer each time, until a time runs out that Linux works out from tcp_retries2 ({sysctl.tcp_retries2}): as long as that many retransmissions would take from the shortest gap, many minutes."
set C3 user_timeout=2s
note "C3 sets TCP_USER_TIMEOUT (user_timeout=2s): how long data may stay unacknowledged, here two seconds. The cable will be pulled; C3 will send its request and wait in recv() for the reply. What will send() return, and when will recv() learn that the connection is dead?"
pause
link down
send C3 "GET / HTTP/1.0\n"
expect C3 ret=15
recv C3 100
wait C3 10s
expect C3 errno=ETIMEDOUT
expect C3 elapsed=2s..5s
expect packet from=C3 to=A3 len=15 kernel=retransmission gap=150ms..300ms
expect packet from=C3 to=A3 len=15 kernel=retransmission gap=350ms..600ms
expect packet from=C3 to=A3 len=15 kernel=retransmission gap=700ms..1200ms
expect no packet from=C3 to=A3 flags=RST+ACK
note "send() had returned at once, its bytes only queued in C3's send buffer. Once they had gone unacknowledged for the user timeout, the kernel gave up: recv() failed with ETIMEDOUT after {C3.elapsed}."
note "That is more than the two seconds asked: Linux starts the user timeout's clock at the first resend its retransmission timer makes, not at send(). The next step shows the resends on the wire."

step "C3's request, on the wire"
select C3 wire
note "On the wire, newest last: C3's 15 bytes left once, then again and again (its retransmissions). The first two resends each came about as long after the segment before them; after that, each gap doubled."
note "The first resend is an early one (a tail-loss probe: Linux sends the last segment again once before its timer fires). The pulled cable dropped every one; no ACK came back, and C3's kernel gave up without a reset: nothing more went out."

step "The server's ends"
link up
expect A3 state=ESTABLISHED
show A3
note "The cable is back in (link up, in the kernel view). The server's end, A3, is still established (ESTABLISHED in the kernel view): C3's kernel gave up with the cable out, and A3, sending nothing, learned nothing."
expect A1 state=CLOSE-WAIT
note "In Connections, A3 is still ESTAB, and A1 still in CLOSE-WAIT since the second step: its program never closed it."
