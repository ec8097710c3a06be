# lesson: One port, many connections
# summary: a listener's one port serves every client, each connection a distinct 4-tuple; the limit is the client side's ephemeral ports (ip_local_port_range), for each server address and port
# netns: own

step "One port, three clients"
note "A common belief: a server needs a new port for each client. A listener on port 8080 takes three clients."
listen 8080
connect L1 x3
accept L1 x3
wait L1
expect A1 local_port=8080
expect A2 local_port=8080
expect A3 local_port=8080
expect C1 local_port=32768..60999
select C1
show A1 A2 A3
note "The accepted sockets all use port 8080, the listener's own. What tells them apart is the other end: each client's own port ({C1.local_port} for C1). A connection is named by four parts: both addresses and both ports."

step "Each client, a port of its own"
show C1 C2 C3
note "C1, C2 and C3 are on ports {C1.local_port}, {C2.local_port} and {C3.local_port}. From one client address to one server address and port, each connection needs a port of its own: the four parts must differ somewhere."

step "The range of client ports"
sysctl ip_local_port_range
expect C1 local_port=32768..60999
expect C2 local_port=32768..60999
expect C3 local_port=32768..60999
note "A client that does not bind gets its port from the ephemeral range, ip_local_port_range: here {sysctl.ip_local_port_range}, which holds the ports C1, C2 and C3 were given."

step "A narrow range"
listen 8081
sysctl ip_local_port_range=40000,40001
note "A server on 8081, and the range narrowed to two ports, 40000 and 40001 (for this lab only, not for the machine). Two clients connect."
connect L2 x2
expect C4 state=ESTABLISHED
expect C5 state=ESTABLISHED
expect C4 local_port=40000..40001
expect C5 local_port=40000..40001
select C5
note "C4 and C5 took ports {C4.local_port} and {C5.local_port}: the whole range. What will a third client's connect to 8081 return?"
pause
connect L2
expect C6 errno=EADDRNOTAVAIL
expect L2 accept_queue=2
note "EADDRNOTAVAIL: no local port is free toward 8081, though L2's queue has room ({L2.accept_queue} wait, of the six it holds): the limit is on the client's side."

step "Another server"
listen 8082
note "Another server, on 8082. The range is still the two ports C4 and C5 hold. Will two clients reach 8082?"
pause
connect L3 x2
expect C7 state=ESTABLISHED
expect C8 state=ESTABLISHED
expect C7 local_port=40000..40001
expect C8 local_port=40000..40001
select C8
show C4 C5 C7 C8
note "Both did, on ports {C7.local_port} and {C8.local_port} again: toward another server port, the same client ports make new four-part names."
select C8
note "Both got in, so what must be unique is the four-part name: the range limits the connections from one client address to each server address and port, not the connections of the machine."
