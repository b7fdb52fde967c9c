#!/usr/bin/python3
"""A raw upstream for the hostile-client suite (proxy_attacks.bats): what bytes reached it.

usage: raw_upstream.py ADDR NAME PORTFILE LOGFILE
Listens on ADDR at an ephemeral port written to PORTFILE (atomically). Per connection it answers
200 ("server=NAME") once a request head has arrived, keeps reading for 0.5 s more to catch
smuggled bytes, then appends repr(bytes received) as one line to LOGFILE. Serves until killed.
"""
import os, socket, sys, threading, time
addr, name, portfile, logfile = sys.argv[1:5]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 0))
s.listen(512)
lock = threading.Lock()
def serve(c):
    data, answered, deadline = b"", False, time.time() + 5
    c.settimeout(0.5)
    while time.time() < deadline and len(data) < 1 << 20:
        try:
            d = c.recv(65536)
        except socket.timeout:
            if answered:
                break
            continue
        except OSError:
            break
        if not d:
            break
        data += d
        if not answered and b"\r\n\r\n" in data:
            body = ("server=%s\n" % name).encode()
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                      % len(body) + body)
            answered, deadline = True, time.time() + 0.5
    with lock, open(logfile, "a") as f:
        f.write(repr(data) + "\n")
    c.close()
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
