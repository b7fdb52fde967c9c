#!/usr/bin/env python3
"""socks5_raw.py HOST [PORT]: one SOCKS5 CONNECT (RFC 1928) to the session's proxy ($ALL_PROXY)
naming HOST as a domain; backslash escapes in HOST (e.g. \\x1b) become those raw bytes, so tests
can name hosts no resolver would accept. Prints nothing; the refusal lands in the session's log."""
import os
import socket
import sys

port = int(os.environ["ALL_PROXY"].rsplit(":", 1)[1])
host = sys.argv[1].encode().decode("unicode_escape").encode("latin-1")
dport = int(sys.argv[2]) if len(sys.argv) > 2 else 80
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"\x05\x01\x00")
s.recv(2)
s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + dport.to_bytes(2, "big"))
s.recv(10)
