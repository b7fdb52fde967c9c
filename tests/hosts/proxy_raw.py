#!/usr/bin/python3
"""A raw client of the filtering proxy (proxy.bats, proxy_attacks.bats), for bytes a real client
would never send. Backslash escapes in arguments (\\r \\n \\x00 ...) are decoded.

usage: proxy_raw.py http PORT BYTES          send BYTES to 127.0.0.1:PORT, print the whole answer
       proxy_raw.py socks PORT NAME DPORT [ATYP [CMD [GREETING]]]
                                             SOCKS5 (RFC 1928) request, print reply=N (or method=N
                                             when the greeting is refused)
       proxy_raw.py flood PORT N MODE DPORT  open N connections (idle|partial|socks), then print
                                             held=N and the status line a prompt client gets
"""
import socket, sys, time
def unesc(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")
mode, port = sys.argv[1], int(sys.argv[2])
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=10)
def readall(s):
    out = b""
    try:
        while len(out) < 1 << 20:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    return out
if mode == "http":
    s = conn()
    s.sendall(unesc(sys.argv[3]))
    sys.stdout.write(readall(s).decode("latin-1"))
elif mode == "socks":
    name, dport = unesc(sys.argv[3]), int(sys.argv[4])
    atyp = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    cmd = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    greet = unesc(sys.argv[7]) if len(sys.argv) > 7 else b"\x05\x01\x00"
    s = conn()
    s.sendall(greet)
    m = s.recv(2)
    if len(m) < 2 or m[1] != 0:
        print("method=%d" % (m[1] if len(m) == 2 else -1))
        sys.exit(0)
    addr = bytes([len(name)]) + name if atyp == 3 else name
    s.sendall(bytes([5, cmd, 0, atyp]) + addr + dport.to_bytes(2, "big"))
    r = s.recv(22)
    print("reply=%d" % (r[1] if len(r) > 1 else -1))
elif mode == "flood":
    n, kind, held, t0 = int(sys.argv[3]), sys.argv[4], [], time.time()
    for _ in range(n):
        if time.time() - t0 > 20:
            break
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            break
        if kind == "partial":
            s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\nX-Slow: ")
        elif kind == "socks":
            s.sendall(b"\x05")
        held.append(s)
    s = conn()
    s.sendall(b"GET http://allowed.test:%s/prompt HTTP/1.1\r\n\r\n" % sys.argv[5].encode())
    print("held=%d" % len(held))
    print(readall(s).decode("latin-1").split("\r\n")[0])
    for h in held:
        h.close()
