#!/usr/bin/env bash
# tests/bench/run.sh — side-by-side figures for cordon (docs/design.md §10), not part of the test count:
#   1. start-up: `cordon run -- /bin/true` vs bubblewrap with comparable isolation vs bare /bin/true
#      (hyperfine, one run, ratios printed);
#   2. proxy: bulk throughput through CONNECT and absolute-form vs direct loopback (curl of a large
#      body from a local test host), and small-request latency through the proxy vs direct;
#   3. the proxy's check of a resolved address (route lookup vs getifaddrs).
# usage: tests/bench/run.sh [--quick]     (CORDON_BIN overrides build/cordon; BENCH_MB the body size)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
py=/usr/bin/python3
runs=50 mb=${BENCH_MB:-100} reqs=200
[ "${1:-}" = --quick ] && runs=10 mb=${BENCH_MB:-20} reqs=50

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
command -v hyperfine >/dev/null || die "hyperfine is not installed (./build.sh test installs it)"
command -v bwrap >/dev/null || die "bubblewrap is not installed (./build.sh test installs it)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

# A scratch directory outside /tmp (the confined side has a private /tmp) as cwd and HOME.
work=$(mktemp -d /var/tmp/cordon-bench.XXXXXX)
chmod 755 "$work"
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/home/proj"
cd "$work/home/proj"
export HOME=$work/home

"$cordon" run -- /bin/true || die "cordon run -- /bin/true failed (exit $?); nothing to measure"

echo "== start-up: cordon run vs bubblewrap vs bare /bin/true ($runs runs each)"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/startup.json" \
	-n "cordon run" "$cordon run -- /bin/true" \
	-n "bwrap" "bwrap --ro-bind / / --unshare-all /bin/true" \
	-n "bare" "/bin/true"
"$py" - "$work/startup.json" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
c, b, t = (r[k]["mean"] for k in ("cordon run", "bwrap", "bare"))
print("mean: cordon run %.2f ms, bwrap %.2f ms, bare %.2f ms" % (c * 1e3, b * 1e3, t * 1e3))
print("ratios: cordon/bwrap %.2fx, cordon/bare %.1fx, bwrap/bare %.1fx" % (c / b, c / t, b / t))
EOF

echo "== proxy: ${mb} MB from a local test host on 127.0.0.2"
mkdir -p "$work/hosts"
printf '127.0.0.2 allowed.test\n' >"$work/hosts/hosts"
"$py" "$top/tests/hosts/serve.py" "$work/hosts" allowed=127.0.0.2 </dev/null >/dev/null 2>&1 &
server=$!
for _ in $(seq 200); do [ -e "$work/hosts/ports" ] && break; sleep 0.05; done
port=$(awk '$1 == "allowed" {print $2}' "$work/hosts/ports" 2>/dev/null) || true
[ -n "$port" ] || die "test host did not start"
export CORDON_TEST_HOSTS_FILE=$work/hosts/hosts
bytes=$((mb * 1024 * 1024))
url="http://allowed.test:$port/big?n=$bytes"
allow=(--allow-host allowed.test --allow-host 127.0.0.2)
fmt='%{speed_download}'

direct=$(curl -sS -m 120 --noproxy '*' --resolve "allowed.test:$port:127.0.0.2" -o /dev/null \
	-w "$fmt" "$url")
tunnel=$("$cordon" run "${allow[@]}" -- curl -sS -m 120 -p -o /dev/null -w "$fmt" "$url")
absolute=$("$cordon" run "${allow[@]}" -- curl -sS -m 120 -o /dev/null -w "$fmt" "$url")
"$py" - "$direct" "$tunnel" "$absolute" <<'EOF'
import sys
d, t, a = (float(x) / 1e6 for x in sys.argv[1:])
print("throughput: direct %.0f MB/s, CONNECT %.0f MB/s (%.0f%%), absolute-form %.0f MB/s (%.0f%%)"
      % (d, t, 100 * t / d, a, 100 * a / d))
EOF

echo "== proxy: latency of $reqs small sequential requests (one curl process, keep-alive off)"
urls=()
for ((i = 0; i < reqs; i++)); do urls+=(-o /dev/null "http://allowed.test:$port/small$i"); done
# One curl process fetching every URL, each on a new connection: connection set-up plus one request,
# through the proxy's CONNECT and absolute-form paths and directly.
lat() {
	"$py" -c 'import sys; v = sorted(float(x) * 1e3 for x in sys.stdin.read().split())
n = len(v); print("p50 %.2f ms  p99 %.2f ms  (n=%d)" % (v[n // 2], v[min(n - 1, n * 99 // 100)], n))'
}
w='%{time_total}\n'
printf 'direct:        '
curl -sS -m 60 --noproxy '*' --resolve "allowed.test:$port:127.0.0.2" --no-keepalive \
	-w "$w" "${urls[@]}" | lat
printf 'CONNECT:       '
"$cordon" run "${allow[@]}" -- curl -sS -m 60 -p --no-keepalive -w "$w" "${urls[@]}" | lat
printf 'absolute-form: '
"$cordon" run "${allow[@]}" -- curl -sS -m 60 --no-keepalive -w "$w" "${urls[@]}" | lat

# The proxy alone (tests/tools/proxy-harness: no namespaces, same epoll loop): the share of the
# figures above that is the proxy rather than the confined side.
harness=$top/build/tests/tools/proxy-harness
if [ -x "$harness" ]; then
	echo "== proxy harness alone (no namespaces)"
	mkfifo "$work/hold"
	"$harness" --hosts-file "$work/hosts/hosts" --allow allowed.test --allow 127.0.0.2 \
		<"$work/hold" >"$work/harness.out" 2>&1 &
	hpid=$!
	exec 9>"$work/hold"
	for _ in $(seq 200); do grep -q 'http=' "$work/harness.out" 2>/dev/null && break; sleep 0.05; done
	hport=$(sed -nE '1s/.*http=([0-9]+).*/\1/p' "$work/harness.out")
	if [ -n "$hport" ]; then
		hx=(-x "http://127.0.0.1:$hport" --noproxy '')
		ht=$(curl -sS -m 120 "${hx[@]}" -p -o /dev/null -w "$fmt" "$url")
		"$py" -c 'import sys; d, t = float(sys.argv[1]) / 1e6, float(sys.argv[2]) / 1e6
print("throughput: CONNECT via harness %.0f MB/s (%.0f%% of direct)" % (t, 100 * t / d))' \
			"$direct" "$ht"
		printf 'CONNECT via harness: '
		curl -sS -m 60 "${hx[@]}" -p --no-keepalive -w "$w" "${urls[@]}" | lat
	else
		echo "proxy-harness did not report its ports: $(head -3 "$work/harness.out")"
	fi
	exec 9>&-
	kill "$hpid" 2>/dev/null || true
	wait "$hpid" 2>/dev/null || true
else
	echo "== proxy harness: not built (tests/tools/proxy-harness.c); curl figures above only"
fi

# The proxy's "is this the host's address?" check, paid once per resolved address of a name whose
# literal is not allowed: the route lookup it uses beside a getifaddrs(3) scan.
addrbench=$top/build/tests/tools/bench-addr-host
if [ -x "$addrbench" ]; then
	echo "== address check: route lookup vs getifaddrs (ns per call; answer 1 = this host)"
	"$addrbench" 20000 192.0.2.254 127.0.0.1 $(hostname -I 2>/dev/null | awk '{print $1}')
fi
