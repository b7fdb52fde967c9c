#!/usr/bin/env bats
# proxy_attacks.bats — a hostile client against the filtering proxy (proxy-harness, no namespaces):
# host-name parser differentials, request smuggling, a hostile violation log entry, floods.
# Every refusal has its control: the same probe, made acceptable, gets through.

bats_require_minimum_version 1.5.0

load helpers

# Upstreams A (127.0.0.2) and L (127.0.0.1): tests/hosts/raw_upstream.py, which logs every byte a
# connection brought (so smuggled bytes show). The attacking client: tests/hosts/proxy_raw.py.
setup_file() {
	[ -x "$TOOLS/proxy-harness" ] && [ -x "$PY" ] || return 0
	D=$(test_tmpdir proxy-attacks) || return 1
	export D
	cat >"$D/hosts" <<-HOSTS
		127.0.0.2 allowed.test www.allowed.test
		127.0.0.1 lo.allowed.test 127.0.0.1.nip.io
		0.0.0.0 zero.allowed.test
		::ffff:127.0.0.1 mapped.allowed.test
	HOSTS
	file_server "$D/A.port" "$PY" "$HOSTS_SRC/raw_upstream.py" 127.0.0.2 A "$D/A.port" "$D/A.log"
	file_server "$D/L.port" "$PY" "$HOSTS_SRC/raw_upstream.py" 127.0.0.1 L "$D/L.port" "$D/L.log"
}

teardown_file() {
	kill_file_servers
	rm_tmpdir "${D:-}"
}

setup() {
	HARNESS=$TOOLS/proxy-harness
	[ -x "$HARNESS" ] || skip "build/tests/tools/proxy-harness not built"
	[ -x "$PY" ] || skip "python3 not installed"
	[ -s "${D:-}/A.port" ] && [ -s "$D/L.port" ] || skip "test upstreams did not start"
	PA=$(cat "$D/A.port")
	PL=$(cat "$D/L.port")
	PROXY_PID=
	T=$(test_tmpdir proxy-attacks-test)
}

teardown() {
	stop_proxy
	kill_jobs
	rm_tmpdir "${T:-}"
}

px() {
	"$PY" "$HOSTS_SRC/proxy_raw.py" "$@"
}

# upstream_saw TAG: wait (bounded) until A's log has a line with TAG; print that line.
upstream_saw() {
	for _ in $(seq 60); do
		if grep -F -- "$1" "$D/A.log" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

proxy_alive() {
	kill -0 "$PROXY_PID"
}

@test "host-name spellings: case and one trailing dot are the allowed host; other tricks are refused" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	local h
	# controls: the same host in the spellings that mean it
	for h in allowed.test ALLOWED.Test allowed.test.; do
		run px http "$HP" "CONNECT $h:$PA HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 200 Connection Established"* ]]
		run px socks "$SP" "$h" "$PA"
		[ "$output" = "reply=0" ]
	done
	for h in 'allowed.test..' 'allowed%2etest' 'x@allowed.test' 'allowed.test\\x' \
		'allowed.t\xc3\xa9st' 'allowed.test.evil.example' 'evilallowed.test' \
		"$(printf 'a%.0s' $(seq 64)).allowed.test" '[fe80::1%25eth0]' 'allowed.test\t'; do
		run px socks "$SP" "$h" "$PA"
		[ "$output" = "reply=2" ]
		run px http "$HP" "CONNECT $h:$PA HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 4"* ]]
	done
	run px http "$HP" "CONNECT allowed.test:$PA:$PA HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400"* ]]
	run px http "$HP" "CONNECT http://allowed.test:$PA/ HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400"* ]]
	proxy_alive
}

@test "0.0.0.0, [::], octal and v4-mapped spellings of loopback are refused unless the literal is allowed" {
	start_proxy --allow allowed.test
	local h
	for h in 0.0.0.0 '[::]' 0177.0.0.1 0x7f.1 '[::ffff:7f00:1]' zero.allowed.test \
		127.0.0.1.nip.io; do
		run px http "$HP" "CONNECT $h:$PL HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 403"* ]]
	done
	# SOCKS5 ATYP 4 with an IPv4-mapped loopback, and a name mapped to it in the hosts file
	run px socks "$SP" '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\x00\x01' "$PL" 4
	[ "$output" = "reply=2" ]
	run px socks "$SP" mapped.allowed.test "$PL"
	[ "$output" = "reply=2" ]
	# control: once 127.0.0.1 is allowed as a literal, the same spellings reach it
	start_proxy --allow allowed.test --allow 127.0.0.1 --allow '*.allowed.test'
	run px http "$HP" "CONNECT 0177.0.0.1:$PL HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200"* ]]
	run px socks "$SP" '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x7f\x00\x00\x01' "$PL" 4
	[ "$output" = "reply=0" ]
	run px socks "$SP" mapped.allowed.test "$PL"
	[ "$output" = "reply=0" ]
}

@test "SOCKS5 BIND, UDP ASSOCIATE, unknown ATYP and username/password-only are refused" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run px socks "$SP" allowed.test "$PA" 3 2
	[ "$output" = "reply=7" ]
	run px socks "$SP" allowed.test "$PA" 3 3
	[ "$output" = "reply=7" ]
	run px socks "$SP" allowed.test "$PA" 5
	[ "$output" = "reply=8" ]
	run px socks "$SP" allowed.test "$PA" 3 1 '\x05\x01\x02'
	[ "$output" = "method=255" ]
	# control: CONNECT, and a greeting that offers user/password and no-auth
	run px socks "$SP" allowed.test "$PA" 3 1 '\x05\x02\x02\x00'
	[ "$output" = "reply=0" ]
	proxy_alive
}

@test "Connection naming Content-Length cannot smuggle a second request to the upstream" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run px http "$HP" "POST http://allowed.test:$PA/cl-smuggle HTTP/1.1\r\nConnection: content-length\r\nContent-Length: 4\r\n\r\nabcdGET /smuggled-cl HTTP/1.1\r\nHost: evil.test\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	run upstream_saw /cl-smuggle
	[ "$status" -eq 0 ]
	[[ "$output" == *'Content-Length: 4\r\n'*'\r\n\r\nabcd'"'" ]]
	! grep -q smuggled-cl "$D/A.log"
}

@test "obs-fold, Transfer-Encoding tricks and HTTP/0.9 are refused before reaching the upstream" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run px http "$HP" "GET http://allowed.test:$PA/fold HTTP/1.1\r\nX-A: a\r\n\tb\r\nX-B: c\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400"*"obs-fold"* ]]
	run px http "$HP" "POST http://allowed.test:$PA/te-gzip HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxxxx"
	[[ "$output" == "HTTP/1.1 400"*"Transfer-Encoding"* ]]
	run px http "$HP" "POST http://allowed.test:$PA/te-cl HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400"* ]]
	run px http "$HP" "GET http://allowed.test:$PA/zero-nine\r\n\r\n"
	[[ "$output" == "HTTP/1.1 505"* ]]
	sleep 0.6
	! grep -qE '/fold|/te-gzip|/te-cl|/zero-nine' "$D/A.log"
	# controls: the same requests, well formed, reach the upstream
	run px http "$HP" "GET http://allowed.test:$PA/nofold HTTP/1.1\r\nX-A: a b\r\nX-B: c\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	run px http "$HP" "POST http://allowed.test:$PA/chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	run px http "$HP" "GET http://allowed.test:$PA/one-oh HTTP/1.0\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	run upstream_saw "/nofold"
	[[ "$output" == *'X-A: a b\r\nX-B: c\r\n'* ]]
	upstream_saw "/chunked"
	upstream_saw "/one-oh"
}

@test "a hostile host name leaves the violation log one valid JSON object per line" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run px socks "$SP" 'evil"}\n{"host":"allowed.test","x":"\x1b[31m\xff\xfe' 443
	[ "$output" = "reply=2" ]
	run px socks "$SP" '\xc3\xa9vil.test' 443
	[ "$output" = "reply=2" ]
	run px http "$HP" "CONNECT evil\\\\\"x.test:443 HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 4"* ]]
	# control: an ordinary refusal is logged the same way
	run px socks "$SP" plain-evil.test 443
	[ "$output" = "reply=2" ]
	run "$PY" -c 'import json,sys
n = 0
for raw in open(sys.argv[1], "rb"):
    o = json.loads(raw.decode("utf-8"))
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert set(o) >= {"time", "host", "port", "reason", "proto"}, o
    n += 1
print(n)' "$T/vlog"
	[ "$status" -eq 0 ]
	[ "$output" -ge 3 ]
	grep -q '"host":"plain-evil.test"' "$T/vlog"
	! grep -q '^{"host":"allowed.test"' "$T/vlog"
}

@test "the refusal body cannot carry a line break of the client's into the answer" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run px http "$HP" "GET http://evil.test%0d%0aSet-Cookie:%20x=1/ HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400"* ]]
	[[ "$output" != *$'\r\nSet-Cookie'* ]]
	[[ "$output" != *$'\nSet-Cookie'* ]]
	run px http "$HP" "GET http://evil.test/ HTTP/1.1\r\nHost: x\r\nSet-Cookie: y\r\n\r\n"
	[[ "$output" == "HTTP/1.1 403"* ]]
	[[ "$output" != *"Set-Cookie"* ]]
}

@test "idle and trickling clients at the connection limit are evicted so a prompt client is served" {
	local t="$T"
	# RLIMIT_NOFILE 76 leaves room for two connections (six fds each, 64 kept spare).
	stop_proxy
	(
		ulimit -n 76
		exec "$HARNESS" --hosts-file "$D/hosts" --allow allowed.test --allow 127.0.0.2 \
			</dev/null >"$t/hp" 2>"$t/harness.err" 3>&-
	) &
	PROXY_PID=$!
	wait_file "$t/hp"
	read -r line <"$t/hp"
	HP=${line#http=}
	HP=${HP%% *}
	for kind in idle partial; do
		run px flood "$HP" 200 "$kind" "$PA"
		[[ "${lines[0]}" == held=* ]]
		echo "$output" >&2
		[ "${lines[1]}" = "HTTP/1.1 200 OK" ]
	done
	proxy_alive
}

@test "2000 half-open connections, idle, with a stalled head or a stalled SOCKS5 greeting, leave the proxy serving others" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	local kind
	for kind in idle partial socks; do
		run px flood "$HP" 2000 "$kind" "$PA"
		[[ "${lines[0]}" == held=* ]]
		echo "$output" >&2
		[ "${lines[1]}" = "HTTP/1.1 200 OK" ]
	done
	proxy_alive
}

@test "a client that keeps sending after its refusal is cut off instead of being drained" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run "$PY" -c 'import socket,sys,time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET http://evil.test/ HTTP/1.1\r\n\r\n")
ans = b""
while b"\r\n\r\n" not in ans:
    ans += s.recv(4096)
print(ans.split(b"\r\n")[0].decode())
sent, t0, chunk = 0, time.time(), b"x" * 65536
try:
    while sent < int(sys.argv[2]) and time.time() - t0 < 8:
        sent += s.send(chunk)
    print("sent-all")
except OSError as e:
    print("cut-off")' "$HP" 67108864
	[ "${lines[0]}" = "HTTP/1.1 403 Forbidden" ]
	[ "${lines[1]}" = "cut-off" ]
	proxy_alive
	# control: a client that sends a little after its refusal still reads the whole answer
	run px http "$HP" "GET http://evil.test/ HTTP/1.1\r\n\r\ntrailing bytes"
	[[ "$output" == "HTTP/1.1 403 Forbidden"*"not on the allowlist"* ]]
}

@test "cordon connect refuses a host argument that would write its own request line" {
	local cordon="$CORDON"
	[ -x "$cordon" ] || skip "build/cordon not built"
	start_proxy --allow allowed.test --allow 127.0.0.2
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$cordon" connect \
		$'allowed.test:'"$PA"$' HTTP/1.1\r\n\r\nGET /injected HTTP/1.1\r\nX: evil.test' "$PA" </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad host or port"* ]]
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$cordon" connect $'allowed.test\t' "$PA" </dev/null
	[ "$status" -eq 2 ]
	sleep 0.6
	! grep -q injected "$D/A.log"
	# control: the plain host goes through
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$cordon" connect allowed.test "$PA" \
		< <(printf 'GET /via-connect-ok HTTP/1.0\r\n\r\n')
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A"* ]]
}
