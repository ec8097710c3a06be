# lesson: Two queues
# summary: the SYN queue and the accept queue, both bounded by the backlog; SYN cookies on and off; when tcp_max_syn_backlog matters; somaxconn
# netns: own

step "Two queues"
note "A listener keeps two queues. A handshake that has begun (SYN in, SYN-ACK out, no ACK yet) waits in the SYN queue as a SYN-RECV entry. A finished one waits in the accept queue until accept() takes it."
listen backlog=4
connect L1 x2
expect L1 accept_queue=2
expect L1 syn_recv=0
expect C1 state=ESTABLISHED
note "Two clients connected: their handshakes finished, so they wait in L1's accept queue. Its SYN queue is empty."
note "A handshake is given up after a few resends: of the SYN-ACK by the server, of the SYN by the client. For this lesson the lab raises the three settings that decide how many resends there are, so that no handshake gives up before it is looked at."
sysctl tcp_synack_retries=100
sysctl tcp_syn_linear_timeouts=127
sysctl tcp_syn_retries=127
note "A half-open entry may now wait through {sysctl.tcp_synack_retries} SYN-ACK resends (tcp_synack_retries), not 5; the last step lowers it."
note "A client whose SYN goes unanswered sends it again, first each second, then at doubling gaps: tcp_syn_linear_timeouts ({sysctl.tcp_syn_linear_timeouts} now) decides how long the one-second gaps go on, and adding tcp_syn_retries ({sysctl.tcp_syn_retries} now) to it gives the number of resends in all."

step "TCP_DEFER_ACCEPT"
note "TCP_DEFER_ACCEPT asks the server to finish a handshake only when data comes. L2 will set it to 30 s. Two clients connect to L2: the first sends data at once, the second sends nothing. What state will each client read, and where will L2 keep each one?"
pause
listen backlog=4 defer_accept=30s
select L2
connect L2 x2
send C3 "hello"
expect C3 ret=5
expect C3 state=ESTABLISHED
expect C4 state=ESTABLISHED
expect L2 accept_queue=1
expect L2 syn_recv=1
expect L2 defer_accept=31
expect L2 defer_accept_drop=2
show L2 counters
note "The view, taken as the calls returned: both clients read ESTABLISHED, yet L2 held only C3, with the data it sent (recvq 5), as a connection not yet accepted (its accept queue); C4 was a syn-recv entry, half-open."
note "A client reads ESTABLISHED once it has sent the last ACK of its handshake. L2 dropped both clients' last ACKs, bare as they were, and counted each in TCPDeferAcceptDrop ({L2.defer_accept_drop}); C3's data then finished its handshake."
select L2
note "The lab now waits for C4 to be in L2's accept queue too, if it is not there already."
expect L2 accept_queue=2 within 40s
expect L2 syn_recv=0
show L2
note "C4 got in once the {L2.defer_accept}s ran out, with no byte sent (recvq 0): L2 resent its SYN-ACK then, and let in the bare ACK C4 answered with. TCP_DEFER_ACCEPT delays a silent client, not keeps it out."
note "It was {L2.defer_accept}s, not the thirty asked: the kernel counts the time in rounds of the entry's SYN-ACK timer, one, two, four, eight, then sixteen seconds apart, and keeps the first total that reaches the time asked for."

step "Eight bare SYNs"
note "The lab will now send bare SYNs, each from an address with no way back, so no ACK comes and each entry stays while the kernel resends its SYN-ACK. L3, a listen(3), gets 8 bare SYNs: how many SYN-RECV entries will it keep?"
pause
listen backlog=3
syn L3 x8
select L3
expect L3 syn_recv=4
expect L3 syn_queue_limit=4
expect L3 syn_queue_past_limit=cookies
expect L3 reqq_full_do_cookies=4
expect L3 syncookies_sent=4
show L3
note "listen(3) took {L3.syn_recv} SYN-RECV entries, not 3: on current Linux the backlog bounds the SYN queue too, and like the accept queue it holds one more than the backlog. (A later step shows when a system-wide setting also limits each SYN queue.)"
note "The other {L3.syncookies_sent} SYNs got SYN cookies, which are on by default: the kernel keeps no entry for them (the SYN queue stayed at {L3.syn_recv} of {L3.syn_queue_limit})."

step "A real client for L3"
note "A real client connects to L3: will it get in, and with an entry of its own?"
pause
connect L3
expect C5 state=ESTABLISHED
expect L3 accept_queue=1
expect L3 syn_recv=4
expect L3 syncookies_sent=5
expect L3 syncookies_recv=1
select C5
note "Yes, with no entry: L3 still holds {L3.syn_recv} SYN-RECV entries. C5's SYN got a cookie, its ACK brought it back, and the kernel made the connection from it: {L3.syncookies_sent} cookies sent, {L3.syncookies_recv} back."

step "SYN cookies off"
note "Now SYN cookies go off, and L4, a listen(3) as L3 was, gets 8 bare SYNs, as L3 did. What becomes of the SYNs past its SYN queue?"
pause
sysctl tcp_syncookies=0
listen backlog=3
syn L4 x8
select L4
expect L4 syn_recv=4
expect L4 syn_queue_past_limit=drop
expect L4 reqq_full_drop=4
expect L4 listen_drops=4
expect L4 listen_overflows=0
show L4
note "They were dropped: with SYN cookies off, a SYN past the full SYN queue gets no answer at all. The kernel view says so under L4: TCPReqQFullDrop ({L4.reqq_full_drop}) and ListenDrops ({L4.listen_drops}) count them; ListenOverflows, which counts a full accept queue, does not."
note "A real client connects to L4: what will its connect() do while the SYN queue stays full?"
pause
connect L4
expect C6 state=SYN-SENT
expect L4 syn_recv=4
expect C6 retrans=3 within 5s
show C6
note "A real client meets the same wall: its SYN was dropped too, and C6 stays in SYN-SENT, sending it again each second, each dropped in turn: the kernel view on C6 counted 4 SYNs sent when it was taken (retrans {C6.retrans})."
note "Cookies go back on: will C6's next SYN get in?"
pause
sysctl tcp_syncookies=1
expect C6 state=ESTABLISHED within 125s
expect L4 syn_recv=4
expect L4 syncookies_recv=2
select C6
note "Yes: C6's next SYN met the same full SYN queue, got a cookie instead of a drop, and C6 is in. Until then it had kept resending its SYN, each one dropped: the lab's drop counters count them all."

step "What the counters kept"
show L4 counters
note "The counters kept it all, for this lab since it began: SyncookiesRecv ({L4.syncookies_recv}) counts the cookies that came back, one for each of the two real clients let in past a full SYN queue; TCPReqQFullDrop ({L4.reqq_full_drop}) the SYNs dropped while cookies were off, bare or real."

step "When tcp_max_syn_backlog matters"
note "tcp_max_syn_backlog is often said to size the SYN queue. It can bound it: the kernel keeps the last quarter of it for peers it has seen alive, and drops a stranger's SYN when less than that is free."
sysctl tcp_syncookies=0
sysctl tcp_max_syn_backlog=8
note "With cookies off and tcp_max_syn_backlog at 8, a listen(100) gets 20 bare SYNs. How many SYN-RECV entries will it keep, and which counter counts the rest?"
pause
listen backlog=100
syn L5 x20
select L5
expect L5 syn_recv=7
expect L5 syn_queue_limit=7
expect L5 accept_queue_max=100
show L5
note "L5 kept {L5.syn_recv}. A quarter of 8 is two, and a stranger's SYN is dropped when fewer than two of the 8 places are free: the seventh SYN found two free and was kept, the eighth found one."
note "So the kernel view calls the SYN queue full at 7, though L5's backlog would hold 101. The rest were dropped by the tcp_max_syn_backlog check, not by a queue full to its backlog: ListenDrops counts such a drop (now {L5.listen_drops}), TCPReqQFullDrop does not (still {L5.reqq_full_drop})."
note "Cookies go back on, and L6, a listen(100) as L5 was, gets the same 20 bare SYNs: how many SYN-RECV entries will it keep?"
pause
sysctl tcp_syncookies=1
listen backlog=100
syn L6 x20
select L6
expect L6 syn_recv=20
expect L6 syn_queue_limit=101
show L6
note "With cookies on, the same setting plays no part: L6 took all {L6.syn_recv}. Only the backlog bounds the SYN queue then."

step "somaxconn caps both"
sysctl net.core.somaxconn=8
listen backlog=100
select L7
expect L7 backlog=100
expect L7 accept_queue_max=8
expect L7 syn_queue_limit=9
show L7
note "net.core.somaxconn, now 8, capped listen(100): L7's backlog is kept as {L7.accept_queue_max}, so its accept queue holds 9, and so does its SYN queue."

step "How long half-open entries last"
note "An entry waits while its SYN-ACK is resent, one, two, four, eight… seconds apart, up to a set number of times (set high at the start). L7 gets 20 bare SYNs. How many entries will it hold five seconds on, and will it keep them?"
pause
syn L7 x20
expect L7 syn_recv=9
sleep 5s
expect L7 syn_recv=9
show L7
note "Five seconds on, L7 held {L7.syn_recv}, its SYN queue full. Yet the view, taken then, gave each entry about two seconds more if the queue stayed that crowded."
expect L7 syn_recv=4 within 5s
show L7
note "It did not keep them: L7 let entries go until {L7.syn_recv} were left."
note "When an entry's timer finds the SYN queue more than half full (of the larger of eight and the backlog) and few entries young (not yet resent), the kernel cuts its resends to two: it goes seven seconds after its SYN. At half of eight, L7 cut no more."
expect L6 syn_recv=20
show L6
note "L6, with {L6.syn_recv} entries of 101, holds less than half of its backlog: nothing cuts their resends. Each is resent up to tcp_synack_retries ({sysctl.tcp_synack_retries}) times, so at that setting it goes only within hours."
select L6
note "The lab now lowers the SYN-ACK resends to 1, and L8 gets 4 bare SYNs: how long will L8's entries last, and what becomes of L6's?"
pause
sysctl tcp_synack_retries=1
listen backlog=8
syn L8 x4
select L8
expect L8 syn_recv=4
show L8
note "The kernel view gave each entry three seconds at most: one SYN-ACK resend, a second after the first, then two seconds more."
expect L8 syn_recv=0 within 5s
show L8
note "L8's SYN queue is empty again: {L8.syn_recv} of 9. A flood holds the SYN queue only as long as the SYN-ACK resends last."
select L6
note "The lowered setting counts for L6's entries too: each has been resent more than once, so each goes when its timer next fires."
expect L6 syn_recv=0 within 130s
show L6
note "L6's SYN queue is empty too: {L6.syn_recv} of 101."
