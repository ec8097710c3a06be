# lesson: Flow control
# summary: a receiver that stops reading; its buffer filling, its window shrinking to zero, the sender blocking; reading again opens the window
# needs: wire (the segments and their windows; capture needs root or a lab of its own)

step "A receiver that does not read"
note "The server asks for a 64 KiB receive buffer (the kernel makes it 128 KiB); the client sends 4 MiB and the server does not read. Watch the selected connection's bars."
listen rcvbuf=64k
connect L1
accept L1
send C1 4m
expect C1 snd_wnd=0 within 5s
expect A1 rcv_wnd=0 within 3s
expect packet from=A1 to=C1 win=0 kernel=none cause=send
note "A1's receive buffer filled up, and the window it advertises fell to zero. C1's send buffer filled too, and its send() is blocked."

step "No message says stop"
show C1
note "The receiver never sent 'stop'. Each acknowledgement it sent carried a smaller window, and the sender may only have that many bytes unacknowledged. At zero, the sender waits and now and then probes the window."
expect packet from=C1 to=A1 kernel=zero-window-probe within 5s
expect packet from=A1 to=C1 win=0 kernel=zero-window-probe-ack within 5s
note "On the wire (press w): A1's ACKs to C1's send, their windows falling to 0; then C1's kernel probing with a segment that carries nothing, and A1 answering each probe with the same zero window. No call made these: the kernel did."

step "Reading again"
note "The server starts reading. Watch the window open and the sender go on."
drain A1 on
expect packet from=A1 to=C1 kernel=window-update within 5s
wait C1 10s
expect C1 ret=4m
expect A1 bytes_received=4m within 5s
drain A1 off
note "As the application read, the buffer emptied, the window opened, and the sender's blocked send() finished. The window is how a receiver paces a sender: flow control."
note "The first segment after the read is A1's window update: the same acknowledgement, a window no longer zero, sent because the application read. Stopping and restarting the sender took no message but this."
