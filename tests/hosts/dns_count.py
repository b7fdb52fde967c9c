#!/usr/bin/python3
"""A test resolver outside the sandbox that counts what reaches it.

usage: dns_count.py DIR
Listens on UDP 127.0.0.1, an ephemeral port written to DIR/port; answers every query with
A 10.9.9.9 (an address no other part of the tests hands out) and appends one line per query
to DIR/queries. Serves until SIGTERM. Test helper only: the product parses DNS with ldns.
"""
import os
import socket
import struct
import sys

d = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
while True:
    q, peer = s.recvfrom(4096)
    with open(os.path.join(d, "queries"), "a") as f:
        f.write("%d bytes from %s\n" % (len(q), peer[0]))
    if len(q) < 12:
        continue
    end = q.index(b"\0", 12) + 5  # the question: name, type, class
    hdr = q[:2] + b"\x81\x80" + struct.pack("!HHHH", 1, 1, 0, 0)
    ans = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("10.9.9.9")
    s.sendto(hdr + q[12:end] + ans, peer)
