#!/usr/bin/env python3
"""git_http_server.py — a git smart-HTTP server for the tests: `git http-backend` (CGI) behind
HTTPS with basic authentication, on a loopback address.

usage: git_http_server.py ADDR ROOT CERT KEY USER TOKEN PORTFILE LOG
  serves the repositories under ROOT (GIT_PROJECT_ROOT, every one exported, receive-pack enabled
  for the authenticated user); a request without the right Authorization gets 401; the chosen
  port is written to PORTFILE; one line per request to LOG: METHOD PATH auth=ok|missing|bad.
"""
import base64
import http.server
import os
import ssl
import subprocess
import sys
import threading


def main():
    addr, root, cert, key, user, token, portfile, log = sys.argv[1:9]
    want = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def note(self, auth):
            with lock, open(log, "a") as f:
                f.write(f"{self.command} {self.path} auth={auth}\n")

        def body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return bytes(out)
                    out += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def serve(self):
            got = self.headers.get("Authorization")
            if got != want:
                self.note("missing" if got is None else "bad")
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.note("ok")
            data = self.body() if self.command == "POST" else b""
            path, _, query = self.path.partition("?")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(data)),
                "REMOTE_USER": user,
                "REMOTE_ADDR": self.client_address[0],
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
                "HOME": root,
            }
            for h in ("Git-Protocol", "Content-Encoding"):
                if self.headers.get(h):
                    env["HTTP_" + h.upper().replace("-", "_")] = self.headers[h]
            p = subprocess.run(["git", "http-backend"], input=data, env=env,
                               capture_output=True, check=False)
            head, _, out = p.stdout.partition(b"\r\n\r\n")
            if not _:
                head, _, out = p.stdout.partition(b"\n\n")
            status, fields = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    fields.append((name, value.strip()))
            self.send_response(status)
            for name, value in fields:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = serve
        do_POST = serve

    srv = http.server.ThreadingHTTPServer((addr, 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
