# lesson: Backlog
# summary: what listen(N) means on Linux: a queue of completed connections holding N+1, clients waiting in SYN-SENT, overflows, somaxconn
# needs: wire (the dropped SYNs and their retries; capture needs root or a lab of its own)

step "Six clients, backlog 2"
note "listen(2) is often read as 'two clients'. Watch what Linux does with six while the server does not accept: C1, C2 and C3 connect at once, then C4, C5 and C6 one at a time, 100 ms apart."
listen backlog=2
select L1
connect L1 x3
sleep 100ms
connect L1
sleep 100ms
connect L1
sleep 100ms
connect L1
sleep 300ms
expect L1 accept_queue=3
expect C1 state=ESTABLISHED
expect C3 state=ESTABLISHED
expect C4 state=SYN-SENT
expect C6 state=SYN-SENT
note "Three connections wait in the accept queue, not two: Linux calls a queue of backlog B full only when more than B wait, so it holds B+1."
note "C4, C5 and C6 are still in SYN-SENT: their SYNs were dropped because the queue was full. Their connect() calls are blocked."

step "The overflow counters"
show
expect packet from=C4 to=L1 flags=SYN kernel=SYN-retransmission within 3s
expect no packet from=L1 to=C4 within 500ms
select C4
note "On the wire (press w): C4's SYN again, and no SYN-ACK after it. The listener's kernel dropped the SYN without a word; C4's kernel sends it again on its own."
note "Each dropped SYN adds one to ListenOverflows and ListenDrops. They count for a whole network: in a lab of its own (--netns, as this lesson runs where it can) this lab alone; on the machine's network, other programs add to them too. The Listeners pane says which."
note "A waiting client sends its SYN again: once a second at first (net.ipv4.tcp_syn_linear_timeouts; kernels without it wait 1, 2, 4 s…), then longer each time. Each retry is dropped while the queue stays full; the note on C4 counts them."

step "accept() frees a slot"
note "The server accepts one connection. What happens to the queue, and to the clients waiting in SYN-SENT?"
pause
accept L1
expect A1 state=ESTABLISHED
expect L1 accept_queue=3 within 60s
note "accept() took one connection out; at the next SYN retry a waiting client got in, and the queue is full again. (The gaps between retries double after the first few: the longer the class waited, the longer the next one takes.) The queue is a waiting room: accept() is what empties it."
note "Sometimes a client becomes ESTABLISHED while the server holds only a SYN-RECV entry for it: the handshake's last ACK came when the queue was full again and was dropped. The kernel notes this on the client."

step "Backlog 0"
listen backlog=0
connect L2
connect L2
sleep 300ms
expect L2 accept_queue=1
expect C8 state=SYN-SENT
note "listen(0) still lets one connection wait: B+1 is 1."

step "A backlog above somaxconn"
listen backlog=100000
expect L3 backlog=100000
show L3
note "The kernel caps the backlog at net.core.somaxconn (4096 on most recent systems); the note on L3 says what it made of 100000."

step "Not 3B/2"
note "Books drawn from BSD's code say a backlog of B admits 3B/2 connections. For B=2 that is 3, as Linux gave, so the two rules agreed. For B=4 they part: 3B/2 is 6, B+1 is 5. Five clients connect to a listen(4), then a sixth."
listen backlog=4
connect L4 x5
sleep 200ms
connect L4
sleep 300ms
expect L4 accept_queue=5
expect C13 state=ESTABLISHED
expect C14 state=SYN-SENT
note "L4 took 5 and C14 waits in SYN-SENT: B+1, not 3B/2. The 3/2 fudge factor is BSD's code, not Linux's."
note "Linux keeps half-open handshakes apart, in a SYN queue that on current Linux the backlog bounds too (B+1 again; past it SYN cookies answer, by default). The lesson two-queues shows it on the kernel."
