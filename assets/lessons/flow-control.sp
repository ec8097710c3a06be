# lesson: Flow control
# summary: a receiver that stops reading; its buffer filling, its window shrinking to zero, the sender blocking; reading again opens the window

step "A receiver that does not read"
note "The server asks for a 64 KiB receive buffer (the kernel makes it 128 KiB); the client sends 4 MiB and the server does not read. Watch the selected connection's bars."
listen rcvbuf=64k
connect L1
accept L1
send C1 4m
expect C1 snd_wnd=0 within 5s
expect A1 rcv_wnd=0 within 3s
note "A1's receive buffer filled up, and the window it advertises fell to zero. C1's send buffer filled too, and its send() is blocked."

step "No message says stop"
show C1
note "The receiver never sent 'stop'. Each acknowledgement it sent carried a smaller window, and the sender may only have that many bytes unacknowledged. At zero, the sender waits and now and then probes the window."

step "Reading again"
note "The server starts reading. Watch the window open and the sender go on."
drain A1 on
wait C1 10s
expect C1 ret=4m
expect A1 bytes_received=4m within 5s
drain A1 off
note "As the application read, the buffer emptied, the window opened, and the sender's blocked send() finished. The window is how a receiver paces a sender: flow control."
