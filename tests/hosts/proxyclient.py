#!/usr/bin/python3
"""Raw client of cordon's proxy, for spellings a real client would normalise away (127.1, 2130706433,
NUL bytes in SOCKS5 names). The proxy address comes from HTTP_PROXY / ALL_PROXY.

usage: proxyclient.py get HOST PORT [HOSTHDR]  absolute-form GET http://HOST:PORT/ through
                                         HTTP_PROXY (Host header HOSTHDR, default HOST:PORT)
       proxyclient.py connect HOST PORT  CONNECT HOST:PORT, then GET / in the tunnel (plain HTTP)
       proxyclient.py socks HOST PORT    SOCKS5 CONNECT to domain HOST (bytes, \\0 allowed as "\\0")
       proxyclient.py pieces HOST PORT [N]
                                         N clients at once: absolute-form GET, each head sent in
                                         pieces (request line, each field, blank line) 0.3 s apart
       proxyclient.py unended HOST PORT [N]
                                         N clients at once: the same head in one piece without its
                                         final blank line; each waits up to 20 s for the answer
       proxyclient.py tunnels HOST PORT N
                                         N CONNECT tunnels to HOST:PORT held open at once; prints
                                         how many the proxy established and the other answers
Prints the proxy's status line (or "socks reply N") and whatever the far end answered.
Exit 0 when the far end was reached, 1 when the proxy refused, 2 on other errors.
"""
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse


def proxy_addr(var):
    v = os.environ.get(var) or os.environ.get(var.lower())
    if not v:
        print("proxyclient: %s is not set" % var)
        sys.exit(2)
    u = urllib.parse.urlsplit(v)
    return u.hostname, u.port


def read_all(s):
    out = b""
    s.settimeout(10)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    return out


def recvn(s, n):
    out = b""
    while len(out) < n:
        b = s.recv(n - len(out))
        if not b:
            break
        out += b
    return out


def http_get(host, port, hosthdr=None):
    s = socket.create_connection(proxy_addr("HTTP_PROXY"), timeout=10)
    hosthdr = hosthdr or "%s:%s" % (host, port)
    req = "GET http://%s:%s/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
        host, port, hosthdr)
    s.sendall(req.encode())
    out = read_all(s).decode(errors="replace")
    print(out)
    return 0 if out.startswith("HTTP/1.1 200") or out.startswith("HTTP/1.0 200") else 1


def head_in_pieces(host, port, n, whole, end):
    """n clients at once (a burst, so that the proxy meets bytes that arrived before it accepted,
    then wakes up with nothing new); each sends a head, in pieces 0.3 s apart unless whole, with
    its final blank line when end. Returns what each one received."""
    pieces = ["GET http://%s:%s/pieces HTTP/1.1\r\n" % (host, port),
              "Host: %s:%s\r\n" % (host, port), "User-Agent: proxyclient\r\n",
              "Connection: close\r\n"]
    if end:
        pieces.append("\r\n")
    if whole:
        pieces = ["".join(pieces)]
    socks = [socket.create_connection(proxy_addr("HTTP_PROXY"), timeout=20) for _ in range(n)]
    for i, p in enumerate(pieces):
        if i:
            time.sleep(0.3)
        for s in socks:
            s.sendall(p.encode())
    outs = [b""] * n

    def read(i):
        socks[i].settimeout(20)
        try:
            while True:
                b = socks[i].recv(65536)
                if not b:
                    break
                outs[i] += b
        except socket.timeout:
            pass

    threads = [threading.Thread(target=read, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [o.decode(errors="replace") for o in outs]


def in_pieces(host, port, n="1"):
    outs = head_in_pieces(host, port, int(n), whole=False, end=True)
    for i, o in enumerate(outs):
        print("client %d: %s" % (i, o.split("\r\n")[0]))
    print(outs[0])
    return 0 if all(o.startswith("HTTP/1.1 200") for o in outs) else 1


def unended(host, port, n="1"):
    outs = head_in_pieces(host, port, int(n), whole=True, end=False)
    for i, o in enumerate(outs):
        print("client %d: %s" % (i, o.split("\r\n")[0]))
    print(outs[0])
    return 0 if all(o.startswith("HTTP/1.1 200") for o in outs) else 1


def tunnels(host, port, n):
    held, other = [], {}
    for _ in range(int(n)):
        s = socket.create_connection(proxy_addr("HTTP_PROXY"), timeout=10)
        s.sendall(("CONNECT %s:%s HTTP/1.1\r\n\r\n" % (host, port)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            b = s.recv(1)
            if not b:
                break
            head += b
        status = head.decode(errors="replace").split("\r\n")[0]
        if " 200" in status:
            held.append(s)  # kept open: the tunnels are held at once
        else:
            other[status or "(closed)"] = other.get(status or "(closed)", 0) + 1
            s.close()
    print("tunnels: %d of %s established" % (len(held), n))
    for k, v in sorted(other.items()):
        print("  %d x %s" % (v, k))
    return 0 if len(held) == int(n) else 1


def connect(host, port):
    s = socket.create_connection(proxy_addr("HTTP_PROXY"), timeout=10)
    s.sendall(("CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n" % (host, port, host, port)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    status = head.decode(errors="replace").split("\r\n")[0]
    print(status)
    if " 200" not in status:
        print(read_all(s).decode(errors="replace"))
        return 1
    s.sendall(("GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" % (host, port)).encode())
    print(read_all(s).decode(errors="replace"))
    return 0


def socks(host, port):
    name = host.encode().replace(b"\\0", b"\0")
    s = socket.create_connection(proxy_addr("ALL_PROXY"), timeout=10)
    s.sendall(b"\x05\x01\x00")
    if recvn(s, 2) != b"\x05\x00":
        print("socks: no-auth method refused")
        return 2
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack("!H", int(port)))
    rep = recvn(s, 4)
    if len(rep) < 4:
        print("socks: connection closed")
        return 1
    print("socks reply %d" % rep[1])
    if rep[1] != 0:
        return 1
    atyp = rep[3]
    recvn(s, {1: 4, 4: 16}.get(atyp, 0) + 2 if atyp != 3 else recvn(s, 1)[0] + 2)
    s.sendall(("GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" % (host, port)).encode())
    print(read_all(s).decode(errors="replace"))
    return 0


def main():
    if len(sys.argv) not in (4, 5) or (
            len(sys.argv) == 5 and sys.argv[1] not in ("get", "pieces", "unended", "tunnels")) or (
            sys.argv[1] == "tunnels" and len(sys.argv) != 5):
        sys.stderr.write(__doc__)
        return 2
    fn = {"get": http_get, "connect": connect, "socks": socks, "pieces": in_pieces,
          "unended": unended, "tunnels": tunnels}.get(sys.argv[1])
    if not fn:
        sys.stderr.write(__doc__)
        return 2
    try:
        return fn(*sys.argv[2:])
    except OSError as err:
        print("proxyclient: %s" % err)
        return 2


if __name__ == "__main__":
    sys.exit(main())
