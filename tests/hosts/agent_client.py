#!/usr/bin/env python3
"""agent_client.py — a small ssh-agent client for the tests (draft-miller-ssh-agent), speaking
to $SSH_AUTH_SOCK as ssh would, with an optional tunnel of its own (`cordon connect`, as ssh's
ProxyCommand is) open while it asks.

usage: agent_client.py [--tunnel CORDON HOST PORT] list
       agent_client.py [--tunnel CORDON HOST PORT] sign PUBFILE userauth|raw
  list: prints "keys N" and one "key BASE64" line per identity offered
  sign: asks for a signature with the key of PUBFILE over an SSH user authentication request
        (RFC 4252 §7) or over other data; prints "signed" or "refused" (exit 0 / 1)
  --tunnel: first opens CORDON connect HOST PORT as a child, sends an HTTP request through it
        and waits for the answer's first line, so the tunnel is up while the agent is asked
"""
import base64
import os
import socket
import struct
import subprocess
import sys


def string(b):
    return struct.pack(">I", len(b)) + b


def request(sock, msg):
    sock.sendall(struct.pack(">I", len(msg)) + msg)
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise SystemExit("agent closed the connection")
        head += chunk
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            raise SystemExit("agent closed the connection")
        body += chunk
    return body


def main():
    args = sys.argv[1:]
    tunnel = None
    if args[:1] == ["--tunnel"]:
        cordon, host, port = args[1:4]
        args = args[4:]
        tunnel = subprocess.Popen([cordon, "connect", host, port], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        # HTTP/1.1: the test host keeps the connection, so the tunnel stays up
        tunnel.stdin.write(f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        tunnel.stdin.flush()
        first = tunnel.stdout.readline()
        if not first.startswith(b"HTTP/"):
            raise SystemExit(f"the tunnel did not open: {first!r}")
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(os.environ["SSH_AUTH_SOCK"])
    rc = 0
    if args[0] == "list":
        rep = request(sock, bytes([11]))
        if rep[0] != 12:
            raise SystemExit(f"unexpected answer {rep[0]}")
        n = struct.unpack(">I", rep[1:5])[0]
        print(f"keys {n}")
        p = 5
        for _ in range(n):
            kl = struct.unpack(">I", rep[p:p + 4])[0]
            blob = rep[p + 4:p + 4 + kl]
            p += 4 + kl
            cl = struct.unpack(">I", rep[p:p + 4])[0]
            p += 4 + cl
            print("key " + base64.b64encode(blob).decode())
    else:
        pub, kind = args[1], args[2]
        with open(pub) as f:
            ktype, b64 = f.read().split()[:2]
        blob = base64.b64decode(b64)
        if kind == "userauth":
            data = (string(os.urandom(32)) + bytes([50]) + string(b"git") +
                    string(b"ssh-connection") + string(b"publickey") + bytes([1]) +
                    string(ktype.encode()) + string(blob))
        else:
            data = b"SSHSIG" + string(b"git") + string(b"") + string(b"sha512") + string(b"x" * 64)
        rep = request(sock, bytes([13]) + string(blob) + string(data) + struct.pack(">I", 0))
        if rep[0] == 14:
            print("signed")
        else:
            print("refused")
            rc = 1
    sock.close()
    if tunnel:
        tunnel.kill()
        tunnel.wait()
    return rc


if __name__ == "__main__":
    sys.exit(main())
