# lesson: TIME-WAIT and SO_REUSEADDR
# summary: restarting a server: EADDRINUSE from TIME-WAIT; SO_REUSEADDR on both sockets, from the first start; who closes first; SO_LINGER 0 and its price
# netns: own

step "The server closes first"
note "A server is often stopped and started again at once, after an upgrade or a crash. Its new listening socket must then bind the port the old one had."
note "A server on port 8080 serves one client, then is stopped: it closes the connection first, then its listener. At once it starts again on 8080, as before, without SO_REUSEADDR. Will its listen succeed?"
pause
listen 8080
connect L1
accept L1
wait L1
send C1 "GET /\n"
recv A1 100
close A1
close L1
recv C1 100
expect C1 ret=0
close C1
expect A1 state=TIME-WAIT
listen 8080
expect L2 errno=EADDRINUSE
select A1
expect A1 time_wait=50s..60s
note "EADDRINUSE, 'Address already in use', from bind(), though nothing listens on 8080. The result names the holder: A1's connection, in TIME-WAIT, its SO_REUSEADDR off; the ✝ by A1's state said its program had closed it: the kernel alone held the port."
note "A1 sent the first FIN, so its side of the connection waits in TIME-WAIT, a minute on Linux, so that late segments of this connection cannot land in a new one; then the kernel lets the port go, and A1's row goes."

step "A restart with SO_REUSEADDR"
note "Another server, on port 8081, made without SO_REUSEADDR as the first was, serves a client."
listen 8081
connect L3
accept L3
wait L3
send C2 "GET /\n"
recv A2 100
select A2
note "The usual advice for a restart is to set SO_REUSEADDR. This server will close first like the other, then restart at once with SO_REUSEADDR set on the new socket. Will listen succeed now?"
pause
close A2
close L3
recv C2 100
close C2
expect A2 state=TIME-WAIT
listen 8081 reuseaddr=on
expect L4 errno=EADDRINUSE
expect A2 reuseaddr=off
note "Still EADDRINUSE, and the result says why: SO_REUSEADDR shares a port with a connection only when both sockets set it, and A2's entry kept its socket's flag, {A2.reuseaddr}, from L3, for the minute its TIME-WAIT lasts. The usual advice, set on the restart alone, does not work."

step "A server with SO_REUSEADDR"
note "A third server, on port 8082, sets SO_REUSEADDR from its first start, and serves a client."
listen 8082 reuseaddr=on
connect L5
accept L5
wait L5
send C3 "GET /\n"
recv A3 100
select A3
expect A3 reuseaddr=on
show L5 A3
note "A3 has SO_REUSEADDR too, though only L5 asked for it: an accepted socket inherits it from its listener."
note "Again the server closes first, then restarts at once, the new socket with SO_REUSEADDR set as well. Will listen succeed?"
pause
close A3
close L5
recv C3 100
close C3
expect A3 state=TIME-WAIT
listen 8082 reuseaddr=on
expect L6 state=LISTEN
expect A3 state=TIME-WAIT
note "L6 listened at once, while A3 was in TIME-WAIT: both had SO_REUSEADDR. So a server sets it always, from its first start, not after a restart fails."

step "The client closes first"
note "A server on port 8083, without SO_REUSEADDR, serves a client."
listen 8083
connect L7
accept L7
wait L7
select C4
note "This time the client closes first, then the server, which restarts at once without SO_REUSEADDR. Will listen succeed?"
pause
close C4
expect A4 state=CLOSE-WAIT
close A4
close L7
expect C4 state=TIME-WAIT
listen 8083
expect L8 state=LISTEN
show L8 C4 A4
note "L8 listens: no TIME-WAIT held 8083. This connection's TIME-WAIT went to C4, on the client's own port, {C4.local_port}: the side that sends the first FIN keeps it."
note "A4, which closed second, keeps none: the kernel holds nothing for it any more."

step "SO_LINGER 0"
note "A server on 8084 sends a client its reply."
listen 8084
connect L9
accept L9
wait L9
select C5
send A5 "reply"
expect C5 recvq=5
note "It then closes with SO_LINGER 0 (close rst): a reset instead of a FIN, and restarts at once without SO_REUSEADDR. Will listen succeed, and what will the client read after the reply?"
pause
close A5 rst
close L9
listen 8084
expect L10 state=LISTEN
recv C5 100
expect C5 ret=5
recv C5 100
expect C5 errno=ECONNRESET
note "The port was free at once: L10 listens on 8084 without SO_REUSEADDR, for a reset leaves no TIME-WAIT."
note "The client read the reply, then ECONNRESET, not 0: it cannot tell a finished reply from an aborted one. And with no TIME-WAIT, nothing guards a new connection on these ports against this one's late segments. Prefer SO_REUSEADDR."
