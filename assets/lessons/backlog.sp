# lesson: Backlog
# summary: what listen(N) means on Linux: a queue of completed connections holding N+1, clients waiting in SYN-SENT, overflows, somaxconn
# needs: wire (the dropped SYNs and their retries; capture needs root or a lab of its own)

step "Six clients, backlog 2"
note "listen(2) is often read as 'two clients'. Watch what Linux does with six while the server does not accept: three connect, then three more, a moment apart."
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
note "On the wire (press w): C4's SYN again, and no SYN-ACK after it. The listener's kernel dropped the SYN without a word; C4's kernel sends it again on its own."
note "Each dropped SYN adds one to ListenOverflows and ListenDrops. They count for the whole system, so other programs may add to them too, unless sockplay runs with --netns: the lab then has a network of its own, and they count this lab alone."
note "A waiting client sends its SYN again: once a second at first (net.ipv4.tcp_syn_linear_timeouts; kernels without it wait 1, 2, 4 s…), then longer each time. Each retry is dropped while the queue stays full; the note on C4 counts them."

step "accept() frees a slot"
note "The server accepts one connection. What happens to the queue, and to the clients waiting in SYN-SENT?"
pause
accept L1
expect A1 state=ESTABLISHED
expect L1 accept_queue=3 within 8s
note "accept() took one connection out; at the next SYN retry a waiting client got in, and the queue is full again. The queue is a waiting room: accept() is what empties it."
note "Sometimes a client becomes ESTABLISHED while the server holds only a SYN-RECV entry for it: the handshake's last ACK came when the queue was full again and was dropped. The kernel notes this on the client."

step "When the rule bends"
note "Why did C4, C5 and C6 connect a moment apart? Linux checks 'is the queue full?' without taking a lock."
note "Clients that connect together also retry together. When two handshakes finish at the same instant on different CPUs, both can pass the check, and a queue of backlog 2 holds 4."
note "Spaced out, the clients show the rule. When the race does win, show L1 says so."

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

step "Other systems"
note "BSD-derived stacks (macOS, FreeBSD) keep half-open and completed connections in one queue and count both against the backlog, scaled by 3/2."
note "Linux keeps two: the accept queue of completed connections, and the SYN queue of half-open ones (SYN-RECV). On current Linux the backlog bounds both, each holding B+1; past a full SYN queue, SYN cookies answer (the default) and no entry is kept. tcp_max_syn_backlog matters only with cookies off. The lesson two-queues shows all of it on the kernel."
