#!/usr/bin/python3
"""An upstream HTTP(S) server for the proxy suites (proxy.bats): one answer per connection.

usage: http_upstream.py ADDR NAME PORTFILE LOGFILE [CERT KEY]
Listens on ADDR at an ephemeral port (TLS with CERT and KEY when given) and writes the port to
PORTFILE (atomically). Every GET or POST is answered "server=NAME host=<Host> path=<path>
len=<body bytes>" with Connection: close, and its "METHOD PATH host=<Host>" line is appended to
LOGFILE, so a test can tell whether a request reached it and through which connection. Serves
until killed.
"""
import http.server, os, socketserver, ssl, sys
addr, name, portfile, logfile = sys.argv[1:5]
cert = sys.argv[5] if len(sys.argv) > 5 else None
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        with open(logfile, "a") as f:
            f.write("%s %s host=%s\n" % (self.command, self.path, self.headers.get("Host")))
        body = ("server=%s host=%s path=%s len=%d\n" % (name, self.headers.get("Host"),
                self.path, len(data))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
    do_POST = do_GET
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
s = S((addr, 0), H)
if cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, sys.argv[6])
    s.socket = ctx.wrap_socket(s.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
