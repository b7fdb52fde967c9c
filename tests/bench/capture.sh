#!/usr/bin/env bash
# tests/bench/capture.sh [MB] [REQUESTS] — the transparent capture's cost, side by side in one run:
#   1. bulk throughput of MB megabytes (default 512) from a local test host: direct (unconfined),
#      through the explicit proxy (CONNECT, curl -p) and captured (curl --noproxy '*': resolved by
#      the DNS stub, redirected by nftables, decided and relayed by the same proxy);
#   2. connection set-up: REQUESTS (default 200) sequential connections to a server that writes
#      one byte on accept, timed from connect(2) to that byte, p50 and p99, the same three ways
#      (the explicit proxy's includes the CONNECT exchange);
#   3. small HTTP requests, each on a new connection (one curl process, keep-alive off);
# with ratios. Figures depend on the machine and its load; no threshold is asserted.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
py=/usr/bin/python3
mb=${1:-512}
reqs=${2:-200}
. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy
"$cordon" check --json | grep -q '"capture":true' || die "no transparent capture here: $("$cordon" check | grep capture)"

work=$(mktemp -d /var/tmp/cordon-bench.XXXXXX)
chmod 755 "$work"
server= hello=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	[ -n "$hello" ] && kill "$hello" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home/proj" "$work/hosts"
cd "$work/home/proj"
export HOME=$work/home
printf '127.0.0.2 allowed.test\n' >"$work/hosts/hosts"
"$py" "$top/tests/hosts/serve.py" "$work/hosts" allowed=127.0.0.2 </dev/null >/dev/null 2>&1 &
server=$!
for _ in $(seq 200); do [ -e "$work/hosts/ports" ] && break; sleep 0.05; done
port=$(awk '$1 == "allowed" {print $2}' "$work/hosts/ports" 2>/dev/null) || true
[ -n "$port" ] || die "test host did not start"
export CORDON_TEST_HOSTS_FILE=$work/hosts/hosts
allow=(--allow-host allowed.test --allow-host 127.0.0.2)
url="http://allowed.test:$port/big?n=$((mb * 1024 * 1024))"
fmt='%{speed_download}'

echo "== capture: ${mb} MB from a local test host on 127.0.0.2"
direct=$(curl -sS -m 300 --noproxy '*' --resolve "allowed.test:$port:127.0.0.2" -o /dev/null \
	-w "$fmt" "$url")
tunnel=$("$cordon" run "${allow[@]}" -- curl -sS -m 300 -p -o /dev/null -w "$fmt" "$url")
captured=$("$cordon" run "${allow[@]}" -- curl -sS -m 300 --noproxy '*' -o /dev/null -w "$fmt" "$url")
"$py" - "$direct" "$tunnel" "$captured" <<'PY'
import sys
d, t, c = (float(x) / 1e6 for x in sys.argv[1:])
print("throughput: direct %.0f MB/s, explicit proxy (CONNECT) %.0f MB/s, captured %.0f MB/s" % (d, t, c))
print("ratios: captured/direct %.2f, captured/CONNECT %.2f, CONNECT/direct %.2f" % (c / d, c / t, t / d))
PY

# A server that writes one byte on accept and closes (outside, on 127.0.0.2).
cat >"$work/hello.py" <<'PY'
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", 0)); s.listen(128)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); c.sendall(b"!"); c.close()
PY
# The client: N connections, each timed from connect(2) to the first byte; "proxy" does CONNECT.
cat >"$work/setup.py" <<'PY'
import os, socket, sys, time
host, port, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
px = os.environ.get("HTTPS_PROXY", "")[len("http://"):].split(":")
out = []
for _ in range(n):
    t = time.perf_counter()
    if mode == "proxy":
        c = socket.create_connection((px[0], int(px[1])))
        c.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port, host.encode(), port))
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += c.recv(1)
    else:
        c = socket.create_connection((host, port))
    assert c.recv(1) == b"!"
    out.append(time.perf_counter() - t)
    c.close()
print("\n".join("%.6f" % x for x in out))
PY
"$py" "$work/hello.py" "$work/hello.port" </dev/null >/dev/null 2>&1 &
hello=$!
for _ in $(seq 200); do [ -e "$work/hello.port" ] && break; sleep 0.05; done
hport=$(cat "$work/hello.port")
echo "== capture: connection set-up, $reqs connections (connect until the server's first byte)"
"$py" "$work/setup.py" 127.0.0.2 "$hport" "$reqs" direct >"$work/direct.set"
"$cordon" run "${allow[@]}" -- "$py" "$work/setup.py" allowed.test "$hport" "$reqs" proxy \
	>"$work/connect.set"
"$cordon" run "${allow[@]}" -- "$py" "$work/setup.py" allowed.test "$hport" "$reqs" captured \
	>"$work/captured.set"
kill "$hello" 2>/dev/null
hello=
"$py" - "$work" set <<'PY'
import sys
def q(name):
    v = sorted(float(x) * 1e3 for x in open("%s/%s.%s" % (sys.argv[1], name, sys.argv[2])).read().split())
    return v[len(v) // 2], v[min(len(v) - 1, len(v) * 99 // 100)], len(v)
d, t, c = q("direct"), q("connect"), q("captured")
for n, r in (("direct", d), ("explicit proxy", t), ("captured", c)):
    print("%-15s p50 %.3f ms  p99 %.3f ms  (n=%d)" % (n + ":", *r))
print("ratios (p50): captured/direct %.1fx, captured/CONNECT %.2fx" % (c[0] / d[0], c[0] / t[0]))
PY

echo "== capture: $reqs small HTTP requests (new connection each; the test host's own delays included)"
urls=()
for ((i = 0; i < reqs; i++)); do urls+=(-o /dev/null "http://allowed.test:$port/small$i"); done
w='%{time_total}\n'
curl -sS -m 120 --noproxy '*' --resolve "allowed.test:$port:127.0.0.2" --no-keepalive -w "$w" \
	"${urls[@]}" >"$work/direct.lat"
"$cordon" run "${allow[@]}" -- curl -sS -m 120 -p --no-keepalive -w "$w" "${urls[@]}" \
	>"$work/connect.lat"
"$cordon" run "${allow[@]}" -- curl -sS -m 120 --noproxy '*' --no-keepalive -w "$w" "${urls[@]}" \
	>"$work/captured.lat"
"$py" - "$work" lat <<'PY'
import sys
def q(name):
    v = sorted(float(x) * 1e3 for x in open("%s/%s.%s" % (sys.argv[1], name, sys.argv[2])).read().split())
    return v[len(v) // 2], v[min(len(v) - 1, len(v) * 99 // 100)], len(v)
d, t, c = q("direct"), q("connect"), q("captured")
for n, r in (("direct", d), ("explicit proxy", t), ("captured", c)):
    print("%-15s p50 %.2f ms  p99 %.2f ms  (n=%d)" % (n + ":", *r))
print("ratios (p50): captured/direct %.1fx, captured/CONNECT %.2fx" % (c[0] / d[0], c[0] / t[0]))
PY
