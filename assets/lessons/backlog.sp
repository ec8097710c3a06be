# lesson: Backlog
# summary: what listen(N) means on Linux: a queue of completed connections holding N+1, clients waiting in SYN-SENT, overflows, somaxconn
# needs: wire (the dropped SYNs and their retries; capture needs root or a lab of its own)
# netns: own

step "Six clients, backlog 2"
note "listen(2) is often read as 'two clients'. Six clients connect while the server does not accept: three at once, then three more one at a time, a tenth of a second apart. How many get in?"
pause
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
sysctl tcp_syn_linear_timeouts
sysctl tcp_syn_retries=127
note "Three connections wait in the accept queue, not two: Linux calls a queue of backlog B full only when more than B wait, so it holds B+1."
note "C4, C5 and C6 are still in SYN-SENT: L1's kernel dropped their SYNs, because the queue was full, and answered nothing. Their connect() calls are blocked while their kernels send the SYN again; if no SYN is ever answered, connect() gives up after a number of SYNs that two settings decide."
note "After the first SYN, a client resends it up to tcp_syn_linear_timeouts + tcp_syn_retries times. The lab raised tcp_syn_retries from 6, the default, to {sysctl.tcp_syn_retries}, so that no client here gives up."

step "A dropped SYN"
expect C4 retrans=6.. within 30s
note "C4 to C6 have waited a while, and the gaps between their SYNs have grown: Connections shows when each sends its next. One more client connects now, while the queue is full, and L1 answers nothing. Will the newcomer's kernel wait as long before it sends its SYN again?"
pause
connect L1
select C7 wire
expect C7 state=SYN-SENT
expect packet from=C7 to=L1 flags=SYN kernel=SYN-retransmission within 3s
expect no packet from=L1 to=C7 within 500ms
note "No: a second later. On the wire, C7's SYN goes again a second after the one before, and nothing comes back from L1: its kernel drops each SYN without a word, and C7's kernel sends it again on its own."
note "Each waiting client keeps a clock of its own: a second after its first SYN it sends again, a few more times a second apart, then at doubling gaps. Each is dropped while the queue is full: here, with the resends raised, for as long as it stays full."

step "The overflow counters"
show L1 counters
note "Each dropped SYN adds one to ListenOverflows and to ListenDrops: {L1.listen_overflows} and {L1.listen_drops} when this view was read, and counting."
note "They count for every listener of the lab together, not for one socket: the kernel view heads them 'counters since start (this lab)'."

step "accept() frees a slot"
note "A new listener with backlog 1 gets two clients, which fill its queue. A third connects and waits in SYN-SENT; eight seconds later, a fourth. Then the server accepts one connection, and a slot is free. Which of the two waiting clients gets in?"
pause
listen backlog=1
select L2
connect L2 x2
sleep 200ms
connect L2
sleep 8s
connect L2
sleep 300ms
accept L2
wait L2
expect A1 state=ESTABLISHED
wait C11 4s
expect C11 state=ESTABLISHED
expect C11 ret=0
expect L2 accept_queue=2
expect C10 state=SYN-SENT
note "C11, the newcomer, got in; C10 is still in SYN-SENT, though it had waited longer. The server took C8's connection out of the queue (A1 is its end of it); C11's connect() returned about a second after it began: the SYN its kernel sent again found the slot free."
note "C10's next SYN was not yet due (Connections shows when it is). Waiting clients are no queue: each resends on its own clock, and the first SYN to come after the accept gets in, however long its client waited. The queue is full again: only accepting empties it."

step "Backlog 0"
listen backlog=0
select L3
connect L3
connect L3
sleep 300ms
expect L3 accept_queue=1
expect C13 state=SYN-SENT
note "listen(0) still lets one connection wait: B+1 is 1."
note "C13 waits in SYN-SENT, and so do the clients of the steps before, each resending its SYN: each one dropped still adds to the overflow counters."

step "A backlog above somaxconn"
listen backlog=100000
select L4
expect L4 backlog=100000
show L4
note "The kernel caps the backlog at net.core.somaxconn, {sysctl.somaxconn} here: L4's backlog 100000 is kept as {L4.accept_queue_max}, and like every accept queue it holds one more than that. The kernel view says so under L4."

step "A rule from the books"
note "Books drawn from BSD's code (Stevens, Unix Network Programming, figure 4.10) say a backlog of B admits three halves of B, rounded down, plus one: four for a backlog of two, where Linux took three."
note "Five clients connect to a listener with backlog four, then a sixth. By BSD's rule all six would get in, for it has room for seven. How many get in on Linux?"
pause
listen backlog=4
select L5
connect L5 x5
sleep 200ms
connect L5
sleep 300ms
expect L5 accept_queue=5
expect C18 state=ESTABLISHED
expect C19 state=SYN-SENT
note "L5 took {L5.accept_queue} and C19 waits in SYN-SENT: B+1, where BSD would have let in all six. The three-halves fudge factor is BSD's code, not Linux's: a book's number for the backlog is only as good as the system it was measured on."
note "Linux keeps half-open handshakes apart, in a SYN queue that on current Linux the backlog bounds too (B+1 again; past it SYN cookies answer, by default). The lesson two-queues shows that queue at work."

step "listen(1)"
note "Seven clients go to a listen(1). How many get in?"
pause
listen backlog=1
connect L6 x7
sleep 300ms
expect L6 accept_queue=2
expect C22 state=SYN-SENT
expect C26 state=SYN-SENT
select L6
note "L6 let in {L6.accept_queue}: one more than its backlog. The other five wait in SYN-SENT."

step "listen(5) beside it"
note "Seven more clients go to a listen(5): how many get in there?"
pause
listen backlog=5
connect L7 x7
sleep 300ms
expect L7 accept_queue=6
select L7
note "L7 let in {L7.accept_queue}: one more than its backlog, as before. The backlog is not a number of clients; it bounds the queues: on Linux, one more than the backlog may wait for accept(), and the SYN queue holds as many half-open ones."

step "What programs ask for"
note "Python's listen() with no argument asks the kernel for 128: the smaller of 128 and socket.SOMAXCONN, a constant of the C headers Python was built with, not the kernel's net.core.somaxconn. A listener asks for the same here:"
listen backlog=128
expect L8 backlog=128
show L8
note "L8's backlog 128 is kept as {L8.accept_queue_max}: below net.core.somaxconn, nothing is cut."

step "listen(-1)"
note "Python turns a negative backlog into 0, so listen(-1) in Python is listen(0). C passes -1 to the kernel, which reads it as the most there is:"
listen backlog=-1
expect L9 backlog=-1
show L9
note "L9's backlog -1 is kept as {L9.accept_queue_max}: net.core.somaxconn ({sysctl.somaxconn})."
note "Real servers ask for far more than textbook examples do: nginx uses backlog 511 on Linux unless told otherwise (its documentation, 'listen'), and Linux 5.4 raised somaxconn's default from 128 to 4096 ('net: increase SOMAXCONN to 4096'), so such a backlog is no longer cut to 128."

step "Still waiting"
select C4
note "C4 and the other clients still in SYN-SENT go on resending their SYNs: the Selected pane counts C4's. Each one dropped adds to the overflow counters while the queue stays full."
