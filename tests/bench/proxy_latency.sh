#!/usr/bin/env bash
# tests/bench/proxy_latency.sh — small-request latency through the session's proxy, side by side in
# one run, not part of the test count: p50/p99 of N small POST exchanges (head and body written
# separately, the response likewise) through a CONNECT tunnel, a SOCKS5 tunnel and absolute-form,
# from inside `cordon run`, beside the same exchanges made directly from outside, with ratios.
# The server (tests/bench/latency.py) sets TCP_NODELAY on its sockets, so it adds no Nagle stall
# of its own: a 40 ms figure can only come from the proxy's sockets meeting a delayed ACK.
# The ">=30 ms" column counts exchanges that met such a stall (delayed ACK: 40 ms on Linux).
# Tunnels and "direct" keep one connection for all N; absolute-form opens one per request (the
# proxy closes after each), compared with "direct, new connection each".
# usage: tests/bench/proxy_latency.sh [--quick]   (CORDON_BIN overrides build/cordon; N requests)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
py=/usr/bin/python3
n=${N:-300}
[ "${1:-}" = --quick ] && n=${N:-60}

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

# Outside /tmp: the confined side has a private /tmp, and runs latency.py from here.
work=$(mktemp -d /var/tmp/cordon-bench-lat.XXXXXX)
chmod 755 "$work"
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home/proj"
cp "$top/tests/bench/latency.py" "$work/"
chmod 644 "$work/latency.py"
cd "$work/home/proj"
export HOME=$work/home

printf '127.0.0.2 lat.test\n' >"$work/hosts"
"$py" "$work/latency.py" serve 127.0.0.2 "$work/port" </dev/null >/dev/null 2>&1 &
server=$!
for _ in $(seq 200); do [ -e "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port" 2>/dev/null) || die "latency server did not start"
export CORDON_TEST_HOSTS_FILE=$work/hosts
allow=(--allow-host lat.test --allow-host 127.0.0.2)
lat=("$py" "$work/latency.py" client)

"$cordon" run "${allow[@]}" -- /bin/true || die "cordon run failed (exit $?); nothing to measure"
echo "== small-request latency, $n exchanges per path (64-byte body each way)"
"${lat[@]}" direct 127.0.0.2 "$port" "$n" >"$work/direct"
"${lat[@]}" direct-new 127.0.0.2 "$port" "$n" >"$work/direct-new"
"$cordon" run "${allow[@]}" -- "${lat[@]}" connect lat.test "$port" "$n" >"$work/connect"
"$cordon" run "${allow[@]}" -- "${lat[@]}" socks5 lat.test "$port" "$n" >"$work/socks5"
"$cordon" run "${allow[@]}" -- "${lat[@]}" absolute lat.test "$port" "$n" >"$work/absolute"
"$py" - "$work" <<'EOF'
import sys
d = sys.argv[1]
def q(name):
    v = sorted(float(x) for x in open("%s/%s" % (d, name)).read().split())
    n = len(v)
    return v[n // 2], v[min(n - 1, n * 99 // 100)], n, sum(x >= 30 for x in v)
rows = [("direct (kept-alive)", "direct", "direct"), ("CONNECT tunnel", "connect", "direct"),
        ("SOCKS5 tunnel", "socks5", "direct"),
        ("direct (new connection each)", "direct-new", "direct-new"),
        ("absolute-form", "absolute", "direct-new")]
print("%-30s %8s %8s %5s %8s   %s" % ("path", "p50 ms", "p99 ms", "n", ">=30 ms",
                                     "ratio to its direct (p50, p99)"))
for label, f, base in rows:
    p50, p99, n, slow = q(f)
    b50, b99 = q(base)[:2]
    print("%-30s %8.2f %8.2f %5d %8d   %.1fx, %.1fx" % (label, p50, p99, n, slow, p50 / b50,
                                                      p99 / b99))
EOF
