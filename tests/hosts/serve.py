#!/usr/bin/python3
"""Local test hosts for cordon's end-to-end tests: HTTP and HTTPS servers on 127.0.0.x.

usage: serve.py DIR NAME=ADDR[:tls] ...
Each NAME listens on ADDR, an ephemeral port, plain HTTP or TLS with DIR/cert.pem and DIR/key.pem.
When every listener is up, DIR/ports holds "NAME PORT" lines (written atomically). Every request
line a listener receives is appended to DIR/NAME.log, so a test can prove a host was never reached.
  GET /big?n=BYTES  streams BYTES zero bytes (throughput benchmarks)
  anything else     200, body "cordon-test-host NAME host=<Host header> path=<path>"
The process serves until it gets SIGTERM.
"""
import http.server
import os
import signal
import socketserver
import ssl
import sys
import threading
import urllib.parse


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def make_handler(name, logdir):
    logpath = os.path.join(logdir, name + ".log")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cordon-test-host"

        def log_message(self, fmt, *args):
            pass

        def record(self):
            with lock, open(logpath, "a") as f:
                f.write(self.requestline + "\n")

        def reply(self, body, code=200):
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            self.record()
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/big":
                n = int(urllib.parse.parse_qs(url.query).get("n", ["0"])[0])
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(n))
                self.end_headers()
                chunk = bytes(1 << 20)
                while n > 0:
                    k = min(n, len(chunk))
                    self.wfile.write(chunk[:k])
                    n -= k
                return
            host = self.headers.get("Host", "")
            body = "cordon-test-host %s host=%s path=%s\n" % (name, host, url.path)
            self.reply(body.encode())

        do_HEAD = do_GET

        def do_POST(self):
            self.record()
            n = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(n)
            self.reply(b"cordon-test-host %s received %d bytes\n" % (name.encode(), len(data)))

    return Handler


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    d = sys.argv[1]
    ports = []
    for spec in sys.argv[2:]:
        name, _, where = spec.partition("=")
        addr, _, mode = where.partition(":")
        srv = Server((addr, 0), make_handler(name, d))
        if mode == "tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                         do_handshake_on_connect=False)
        open(os.path.join(d, name + ".log"), "a").close()
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        ports.append("%s %d\n" % (name, srv.server_address[1]))
    tmp = os.path.join(d, "ports.tmp")
    with open(tmp, "w") as f:
        f.writelines(ports)
    os.rename(tmp, os.path.join(d, "ports"))
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
