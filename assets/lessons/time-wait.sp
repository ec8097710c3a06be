# lesson: TIME-WAIT and SO_REUSEADDR
# summary: restarting a server: EADDRINUSE from TIME-WAIT; SO_REUSEADDR on both sockets, from the first start; who closes first; SO_LINGER 0 and its price
# netns: own

step "The server closes first"
note "This lesson runs in a network namespace of its own, so its fixed ports are free. A server on port 8080 serves one client, then is stopped: it closes the connection first, then its listener."
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
select A1
expect A1 state=TIME-WAIT
expect A1 time_wait=50s..60s
note "A1 sent the first FIN, so its side of the connection waits in TIME-WAIT, a minute on Linux (the time left shows beside it), so that late segments of this connection cannot land in a new one. The listener is gone; A1's entry still holds port 8080."
note "The ✝ beside A1's state says its program has closed it: the kernel alone holds it now."

step "Restart the server"
note "The server restarts on port 8080, as before, without SO_REUSEADDR. Will listen succeed?"
pause
listen 8080
expect L2 errno=EADDRINUSE
note "EADDRINUSE, 'Address already in use', though nothing listens on 8080. The result names the holder: A1's connection, in TIME-WAIT, its SO_REUSEADDR off."

step "SO_REUSEADDR on the new socket only"
note "The usual advice: set SO_REUSEADDR. The restarted server sets it (reuseaddr=on). Will listen succeed now?"
pause
listen 8080 reuseaddr=on
expect L3 errno=EADDRINUSE
expect A1 reuseaddr=off
note "Still EADDRINUSE. On Linux a new socket may share a port with a connection only when both sockets set SO_REUSEADDR, and A1's entry keeps the flag its socket had: off, inherited from L1."

step "SO_REUSEADDR from the first start"
note "Another server, on port 8081, sets SO_REUSEADDR from its first start. Again it closes first."
listen 8081 reuseaddr=on
connect L4
accept L4
wait L4
close A2
close L4
recv C2 100
close C2
select A2
expect A2 state=TIME-WAIT
expect A2 reuseaddr=on
note "A2 inherited SO_REUSEADDR from L4 and waits in TIME-WAIT on 8081. The server restarts with reuseaddr=on. Will listen succeed?"
pause
listen 8081 reuseaddr=on
expect L5 state=LISTEN
expect A2 state=TIME-WAIT
note "L5 listens while A2 still waits: both had SO_REUSEADDR. So a server sets it always, from its first start, not after a restart fails."

step "The client closes first"
note "A server on port 8082, without SO_REUSEADDR. This time the client closes first, then the server."
listen 8082
connect L6
accept L6
wait L6
close C3
expect A3 state=CLOSE-WAIT
close A3
close L6
select C3
expect C3 state=TIME-WAIT
note "The TIME-WAIT is C3's, on the client's own port: the side that closes first keeps it. A3 went through LAST-ACK and is gone. Will a server without SO_REUSEADDR get 8082 again?"
pause
listen 8082
expect L7 state=LISTEN
note "L7 listens: nothing holds 8082. TIME-WAIT stays with whoever sends the first FIN."

step "SO_LINGER 0: no TIME-WAIT, at a price"
note "A server on 8083 sends its reply, then closes with SO_LINGER 0 (close rst): a reset instead of a FIN. Will its port be free for a restart at once, and what will the client read after the reply?"
pause
listen 8083
connect L8
accept L8
wait L8
select C4
send A4 "reply"
expect C4 recvq=5
close A4 rst
close L8
listen 8083
expect L9 state=LISTEN
recv C4 100
expect C4 ret=5
recv C4 100
expect C4 errno=ECONNRESET
note "The port was free at once: L9 listens on 8083 without SO_REUSEADDR, for a reset leaves no TIME-WAIT."
note "The client read the reply, then ECONNRESET, not 0: it cannot tell a finished reply from a crashed server, and anything still unsent or in flight was thrown away. TIME-WAIT's protection is gone too. Prefer SO_REUSEADDR."
