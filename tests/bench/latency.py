#!/usr/bin/python3
"""Small-request latency through cordon's proxy (tests/bench/proxy_latency.sh drives it).

usage: latency.py serve ADDR PORTFILE
           a small HTTP/1.1 server: TCP_NODELAY on every socket, so it neither holds back its
           own second write (Nagle) nor adds a stall of its own; each response is written in two
           sends (head, then body), as servers commonly do; keep-alive unless asked to close
       latency.py client MODE HOST PORT N
           N exchanges: a POST whose head and small body are two sends (as curl and TLS stacks
           write, with TCP_NODELAY as curl sets it), timed until the whole response is in.
           MODE: direct (one kept-alive connection to HOST:PORT), direct-new (a new connection
           per request), connect (one CONNECT tunnel through $HTTP_PROXY), socks5 (one SOCKS5
           tunnel through $ALL_PROXY), absolute (absolute-form through $HTTP_PROXY: a new
           connection per request, as the proxy closes after each).
           Prints one latency per line, in milliseconds.
"""
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

BODY = b"x" * 64


def nodelay(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_head(f):
    head = b""
    while b"\r\n\r\n" not in head:
        b = f.recv(1)
        if not b:
            return None
        head += b
    return head


def recvn(s, n):
    out = b""
    while len(out) < n:
        b = s.recv(n - len(out))
        if not b:
            raise OSError("connection closed")
        out += b
    return out


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            return int(v.strip())
    return 0


def serve_conn(c):
    nodelay(c)
    try:
        while True:
            head = read_head(c)
            if head is None:
                return
            recvn(c, content_length(head))
            body = b"ok " + BODY
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
            c.sendall(body)
            if b"connection: close" in head.lower():
                return
    except OSError:
        pass
    finally:
        c.close()


def serve(addr, portfile):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 0))
    ls.listen(128)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve_conn, args=(c,), daemon=True).start()


def proxy(var):
    u = urllib.parse.urlsplit(os.environ.get(var) or os.environ[var.lower()])
    return u.hostname, u.port


def tunnel(mode, host, port):
    if mode == "connect":
        s = nodelay(socket.create_connection(proxy("HTTP_PROXY"), timeout=10))
        s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port))
        head = read_head(s)
        if not head or b" 200" not in head.split(b"\r\n")[0]:
            raise OSError("CONNECT refused: %r" % head)
        return s
    s = nodelay(socket.create_connection(proxy("ALL_PROXY"), timeout=10))
    s.sendall(b"\x05\x01\x00")
    if recvn(s, 2) != b"\x05\x00":
        raise OSError("SOCKS5: no-auth refused")
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host + struct.pack("!H", port))
    rep = recvn(s, 4)
    if rep[1] != 0:
        raise OSError("SOCKS5 reply %d" % rep[1])
    recvn(s, {1: 4, 4: 16}[rep[3]] + 2)
    return s


def exchange(s, target, host, port, close):
    head = b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n%s\r\n" % (
        target, host, port, len(BODY), b"Connection: close\r\n" if close else b"")
    s.sendall(head)
    s.sendall(BODY)
    rhead = read_head(s)
    if not rhead or not rhead.startswith(b"HTTP/1.1 200"):
        raise OSError("bad response: %r" % rhead)
    recvn(s, content_length(rhead))


def client(mode, host, port, n):
    host, port, n = host.encode(), int(port), int(n)
    out = []
    s = None
    if mode in ("connect", "socks5"):
        s = tunnel(mode, host, port)
    elif mode == "direct":
        s = nodelay(socket.create_connection((host.decode(), port), timeout=10))
    for _ in range(n):
        t0 = time.perf_counter()
        if mode == "absolute":
            c = nodelay(socket.create_connection(proxy("HTTP_PROXY"), timeout=10))
            exchange(c, b"http://%s:%d/" % (host, port), host, port, False)
            c.close()
        elif mode == "direct-new":
            c = nodelay(socket.create_connection((host.decode(), port), timeout=10))
            exchange(c, b"/", host, port, True)
            c.close()
        else:
            exchange(s, b"/", host, port, False)
        out.append((time.perf_counter() - t0) * 1e3)
    if s:
        s.close()
    print("\n".join("%.3f" % x for x in out))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "client":
        client(*sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
