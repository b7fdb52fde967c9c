#!/usr/bin/python3
"""TCP listeners that accept nothing, for Landlock's connect rules (layers.bats).

usage: tcp_listen.py ADDR N PORTFILE
Listens with N sockets on ADDR at ephemeral ports and writes those ports, space-separated on one
line, to PORTFILE (atomically). A connect(2) to them succeeds (the kernel completes the handshake
into the backlog). Runs until SIGTERM.
"""
import os
import signal
import socket
import sys


def main():
    addr, n, portfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((addr, 0))
        s.listen(8)
        socks.append(s)
    with open(portfile + ".tmp", "w") as f:
        f.write(" ".join(str(s.getsockname()[1]) for s in socks) + "\n")
    os.rename(portfile + ".tmp", portfile)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
