# lesson: Flow control
# summary: a receiver that stops reading; its buffer filling, its window shrinking to zero, the sender blocking; reading again opens the window

step "A receiver that does not read"
note "The server asks for a 64 KiB receive buffer (the kernel makes it 128 KiB) and does not read. The client sends 512 KiB, slowly: 64 KiB a second."
listen rcvbuf=64k
connect L1
accept L1
select C1
sendall C1 512k rate=64k/s
sleep 1s
note "A1's recvq grows as the bytes arrive, and the window A1 advertises to C1 (snd_wnd) shrinks as its buffer fills."
expect C1 snd_wnd=0 within 10s
expect A1 rcv_wnd=0 within 3s
note "A1's buffer is full and its window is zero: snd_wnd 0 on C1. C1's sendall goes on taking bytes into its own send buffer; the data waits there, unsent."

step "No message says stop"
show C1
note "The receiver never sent 'stop'. Each acknowledgement it sent carried a smaller window, and the sender may only have that many bytes unacknowledged. At zero, the sender waits and now and then probes the window."

step "A small read"
note "The server reads 1000 bytes. Does the window open?"
pause
recv A1 1000
expect A1 ret=1000
sleep 1s
expect C1 snd_wnd=0
note "No: snd_wnd is still 0. A receiver reopens its window only once a sizeable part of its buffer is free (here a full segment), so that the sender does not dribble tiny segments: silly-window avoidance."

step "Reading again"
note "The server now reads everything, 128 KiB a second. C1's snd_wnd opens as soon as A1 has read a segment's worth, and the bytes that waited in C1's send buffer move on."
drain A1 on rate=128k/s
wait C1 30s
expect C1 ret=512k
expect A1 bytes_received=512k within 30s
drain A1 off
note "As the application read, the buffer emptied, the window opened, and the sender's sendall finished. The window is how a receiver paces a sender: flow control."
