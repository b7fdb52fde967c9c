#!/usr/bin/env bats
# proxy.bats — the filtering proxy through proxy-harness (no namespaces): CONNECT, absolute-form
# and SOCKS5 to local test servers named by a hosts file, and every refusal with its control.

bats_require_minimum_version 1.5.0

load helpers

# Upstreams named by $D/hosts: A on 127.0.0.2, B on 127.0.0.3, L on 127.0.0.1 and S (HTTPS) on
# 127.0.0.2, each tests/hosts/http_upstream.py: the answer names the server, the Host it saw and
# the path, and its log shows whether a request reached it. Raw bytes: tests/hosts/proxy_raw.py.

# start_server VAR ADDR NAME [https]: start an upstream for the file, set VAR to its port.
start_server() {
	local var=$1 addr=$2 name=$3 tls=()
	[ "${4:-}" = https ] && tls=("$D/cert.pem" "$D/key.pem")
	file_server "$D/$name.port" "$PY" "$HOSTS_SRC/http_upstream.py" "$addr" "$name" \
		"$D/$name.port" "$D/$name.log" "${tls[@]}"
	printf '%s=%s\n' "$var" "$(cat "$D/$name.port")" >>"$D/ports.env"
}

setup_file() {
	[ -x "$TOOLS/proxy-harness" ] || return 0
	[ -x "$PY" ] && command -v curl >/dev/null && command -v openssl >/dev/null || return 0
	D=$(test_tmpdir proxy) || return 1
	export D
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=allowed.test -addext "subjectAltName=DNS:allowed.test,DNS:www.allowed.test" \
		-keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	# Names come from this file only (never /etc/hosts).
	cat >"$D/hosts" <<-HOSTS
		127.0.0.2 allowed.test www.allowed.test
		127.0.0.3 other.test evilallowed.test
		127.0.0.1 lo.allowed.test
	HOSTS
	: >"$D/ports.env"
	start_server PA 127.0.0.2 A
	start_server PB 127.0.0.3 B
	start_server PL 127.0.0.1 L
	start_server PS 127.0.0.2 S https
}

teardown_file() {
	kill_file_servers
	rm_tmpdir "${D:-}"
}

setup() {
	HARNESS=$TOOLS/proxy-harness
	[ -x "$HARNESS" ] || skip "build/tests/tools/proxy-harness not built"
	[ -x "$PY" ] || skip "python3 not installed"
	command -v curl >/dev/null || skip "curl not installed"
	command -v openssl >/dev/null || skip "openssl not installed"
	# shellcheck disable=SC1091
	source "$D/ports.env"
	[ -n "${PA:-}" ] && [ -n "${PS:-}" ] || skip "test servers did not start"
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy
	PROXY_PID=
	T=$(test_tmpdir proxy-test)
}

teardown() {
	stop_proxy
	kill_jobs
	rm_tmpdir "${T:-}"
}

# pcurl ARGS...: curl through nothing but what ARGS say, quiet, bounded in time.
pcurl() {
	curl -sS --noproxy '' --max-time 10 "$@"
}

raw() {
	"$PY" "$HOSTS_SRC/proxy_raw.py" "$@"
}

@test "allowed host works via CONNECT (https), absolute-form (http) and SOCKS5" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run pcurl --cacert "$D/cert.pem" -x "http://127.0.0.1:$HP" "https://allowed.test:$PS/tls"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=S host=allowed.test:$PS path=/tls"* ]]
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/plain"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A host=allowed.test:$PA path=/plain"* ]]
	run pcurl --socks5-hostname "127.0.0.1:$SP" "http://allowed.test:$PA/socks"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A host=allowed.test:$PA path=/socks"* ]]
	run pcurl --cacert "$D/cert.pem" --socks5-hostname "127.0.0.1:$SP" "https://allowed.test:$PS/s"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=S"* ]]
}

@test "a request body is relayed upstream through absolute-form" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	head -c 100000 /dev/zero >"$T/body"
	run pcurl -x "http://127.0.0.1:$HP" --data-binary @"$T/body" \
		"http://allowed.test:$PA/post"
	[ "$status" -eq 0 ]
	[[ "$output" == *"path=/post len=100000"* ]]
}

@test "host not on the allowlist gets 403 naming the host (absolute-form), and is logged" {
	start_proxy --allow allowed.test --allow 127.0.0.2 --allow 127.0.0.3
	# curl itself in the background, so that $! is the client whose pid is logged
	curl -sS --noproxy '' --max-time 10 -i -x "http://127.0.0.1:$HP" "http://other.test:$PB/x" \
		>"$T/out" 2>&1 &
	cpid=$!
	wait "$cpid" || true
	output=$(cat "$T/out")
	[[ "$output" == "HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" == *"cordon: host other.test is not on the allowlist (sandbox allow-host other.test, or --allow-host other.test)"* ]]
	run ! grep -q "/x" "$D/B.log" 2>/dev/null
	run "$CORDON" log "$T/vlog"
	[ "$status" -eq 0 ]
	[[ "$output" == *"other.test:$PB  not on the allowlist  (http, pid $cpid)"* ]]
	run "$CORDON" log --json "$T/vlog"
	[[ "$output" == *'"host":"other.test","port":'"$PB"',"pid":'"$cpid"',"reason":"not on the allowlist","proto":"http"}'* ]]
	# positive control: the same request once the host is allowed
	start_proxy --allow allowed.test --allow other.test --allow 127.0.0.2 --allow 127.0.0.3
	run pcurl -x "http://127.0.0.1:$HP" "http://other.test:$PB/x"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=B"* ]]
}

@test "host not on the allowlist gets 403 on CONNECT and reply 0x02 on SOCKS5" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run pcurl --cacert "$D/cert.pem" -x "http://127.0.0.1:$HP" "https://www.allowed.test:$PS/"
	[ "$status" -eq 56 ]
	[[ "$output" == *"response 403"* ]]
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$CORDON" connect www.allowed.test "$PS" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"host www.allowed.test is not on the allowlist (sandbox allow-host www.allowed.test, or --allow-host www.allowed.test)"* ]]
	run raw socks "$SP" www.allowed.test "$PS"
	[ "$output" = "reply=2" ]
	# positive control
	start_proxy --allow allowed.test --allow www.allowed.test --allow 127.0.0.2
	run pcurl --cacert "$D/cert.pem" -x "http://127.0.0.1:$HP" "https://www.allowed.test:$PS/"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=S"* ]]
	run raw socks "$SP" www.allowed.test "$PS"
	[ "$output" = "reply=0" ]
}

@test "*.allowed.test covers www.allowed.test but neither allowed.test nor evilallowed.test" {
	start_proxy --allow '*.allowed.test' --allow 127.0.0.2 --allow 127.0.0.3
	run pcurl -x "http://127.0.0.1:$HP" "http://www.allowed.test:$PA/w"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A host=www.allowed.test:$PA"* ]]
	run pcurl -x "http://127.0.0.1:$HP" "http://evilallowed.test:$PB/e"
	[[ "$output" == *"host evilallowed.test is not on the allowlist"* ]]
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/apex"
	[[ "$output" == *"host allowed.test is not on the allowlist"* ]]
	# positive control for the look-alike
	start_proxy --allow '*.allowed.test' --allow evilallowed.test --allow 127.0.0.3
	run pcurl -x "http://127.0.0.1:$HP" "http://evilallowed.test:$PB/e"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=B host=evilallowed.test:$PB"* ]]
}

@test "127.1, 0x7f000001, 2130706433 and [::ffff:127.0.0.1] are refused unless 127.0.0.1 is allowed" {
	local spelling
	start_proxy --allow allowed.test --allow 127.0.0.2
	for spelling in 127.1 0x7f000001 2130706433 '[::ffff:127.0.0.1]'; do
		run raw http "$HP" "GET http://$spelling:$PL/ HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 403 Forbidden"* ]]
		[[ "$output" == *"host 127.0.0.1 is not on the allowlist"* ]]
		run raw http "$HP" "CONNECT $spelling:$PL HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 403 Forbidden"* ]]
	done
	run ! grep -q "GET / " "$D/L.log" 2>/dev/null
	start_proxy --allow 127.0.0.1
	for spelling in 127.1 0x7f000001 2130706433 '[::ffff:127.0.0.1]'; do
		run raw http "$HP" "GET http://$spelling:$PL/ HTTP/1.1\r\n\r\n"
		[[ "$output" == "HTTP/1.1 200 OK"* ]]
		[[ "$output" == *"server=L host=$spelling:$PL"* ]]
	done
}

@test "an allowed name that resolves to 127.0.0.1 is refused unless 127.0.0.1 is allowed" {
	start_proxy --allow lo.allowed.test
	run pcurl -x "http://127.0.0.1:$HP" "http://lo.allowed.test:$PL/r"
	[[ "$output" == *"host lo.allowed.test resolves to loopback address 127.0.0.1"* ]]
	[[ "$output" == *"(sandbox allow-host 127.0.0.1, or --allow-host 127.0.0.1)"* ]]
	run raw socks "$SP" lo.allowed.test "$PL"
	[ "$output" = "reply=2" ]
	run "$CORDON" log "$T/vlog"
	[[ "$output" == *"lo.allowed.test:$PL  resolves to loopback address 127.0.0.1"* ]]
	start_proxy --allow lo.allowed.test --allow 127.0.0.1
	run pcurl -x "http://127.0.0.1:$HP" "http://lo.allowed.test:$PL/r"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=L host=lo.allowed.test:$PL path=/r"* ]]
	run raw socks "$SP" lo.allowed.test "$PL"
	[ "$output" = "reply=0" ]
}

@test "the denylist beats the allowlist" {
	start_proxy --allow allowed.test --allow 127.0.0.2 --deny allowed.test
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/d"
	[[ "$output" == *"host allowed.test is on the denylist"* ]]
	run raw socks "$SP" allowed.test "$PA"
	[ "$output" = "reply=2" ]
	start_proxy --allow allowed.test --allow 127.0.0.2 --deny other.test
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A"* ]]
}

@test "a Host header that differs from the request-target is rewritten to the target's host" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run raw http "$HP" "GET http://allowed.test:$PA/h HTTP/1.1\r\nHost: other.test\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"server=A host=allowed.test:$PA path=/h"* ]]
	[[ "$output" != *"host=other.test"* ]]
}

@test "a SOCKS5 name with a NUL byte is refused" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run raw socks "$SP" 'allowed.test\x00.evil' "$PA"
	[ "$output" = "reply=2" ]
	run raw socks "$SP" 'allowed.test' "$PA"
	[ "$output" = "reply=0" ]
}

@test "a pipelined second request to another host never reaches it" {
	start_proxy --allow allowed.test --allow other.test --allow 127.0.0.2 --allow 127.0.0.3
	run raw http "$HP" "GET http://allowed.test:$PA/first HTTP/1.1\r\n\r\nGET http://other.test:$PB/second HTTP/1.1\r\n\r\n"
	[[ "$output" == *"server=A host=allowed.test:$PA path=/first"* ]]
	[[ "$output" != *"server=B"* ]]
	grep -q "GET /first " "$D/A.log"
	run ! grep -q "/second" "$D/A.log" "$D/B.log"
	# positive control: on its own connection the second request does reach other.test
	run raw http "$HP" "GET http://other.test:$PB/second HTTP/1.1\r\n\r\n"
	[[ "$output" == *"server=B host=other.test:$PB path=/second"* ]]
	grep -q "GET /second " "$D/B.log"
}

@test "an oversized request head gets 431, a malformed or origin-form one 400" {
	local big
	start_proxy --allow allowed.test --allow 127.0.0.2
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	run raw http "$HP" "GET http://allowed.test:$PA/big HTTP/1.1\r\nX-Big: $big\r\n\r\n"
	[[ "$output" == "HTTP/1.1 431 Request Header Fields Too Large"* ]]
	run raw http "$HP" "GET /origin HTTP/1.1\r\nHost: allowed.test:$PA\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
	[[ "$output" == *"origin-form"* ]]
	run raw http "$HP" "GET http://user@allowed.test:$PA/u HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
	run raw http "$HP" "GET http://allowed.test%2eother.test:$PA/p HTTP/1.1\r\n\r\n"
	[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
	run ! grep -qE "/(big|origin|u|p) " "$D/A.log"
	# positive control: a normal-sized head
	run raw http "$HP" "GET http://allowed.test:$PA/small HTTP/1.1\r\nX-Small: a\r\n\r\n"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
}

@test "a stalled client does not hold up other connections" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	# half a request head, kept open in the background
	"$PY" -c 'import socket,sys,time
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.sendall(b"GET http://allowed.test/ HTTP/1.1\r\nX-Slow: ")
time.sleep(5)' "$HP" </dev/null >/dev/null 2>&1 3>&- &
	local slow=$!
	sleep 0.2
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/while-stalled"
	kill "$slow" 2>/dev/null || true
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A"* ]]
}

@test "cordon connect relays stdin/stdout through CONNECT, and explains a refusal" {
	start_proxy --allow allowed.test --allow 127.0.0.2
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$CORDON" connect allowed.test "$PA" \
		< <(printf 'GET /via-connect HTTP/1.0\r\nHost: allowed.test\r\n\r\n')
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A host=allowed.test path=/via-connect"* ]]
	run env HTTP_PROXY="http://127.0.0.1:$HP" "$CORDON" connect other.test "$PB" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"other.test:$PB refused by the proxy (HTTP 403)"* ]]
	[[ "$output" == *"not on the allowlist"* ]]
	run env -u HTTP_PROXY -u http_proxy "$CORDON" connect allowed.test "$PA" </dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"HTTP_PROXY is not set"* ]]
}

@test "at its connection limit the proxy answers 503 and keeps serving once connections end" {
	local t="$T" holder
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
	# The two holders are established tunnels: a client still sending its head would be
	# evicted to make room (proxy_attacks.bats), a tunnel in use is not.
	"$PY" -c 'import socket,sys,time
a=[socket.create_connection(("127.0.0.1",int(sys.argv[1]))) for _ in range(2)]
for s in a:
    s.sendall(b"CONNECT allowed.test:%s HTTP/1.1\r\n\r\n" % sys.argv[3].encode())
    assert s.recv(64).startswith(b"HTTP/1.1 200")
open(sys.argv[2],"w").write("ready")
time.sleep(30)' "$HP" "$t/ready" "$PA" </dev/null >/dev/null 2>&1 3>&- &
	holder=$!
	wait_file "$t/ready"
	sleep 0.2
	run pcurl -i -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/busy"
	[[ "$output" == "HTTP/1.1 503 Service Unavailable"* ]]
	[[ "$output" == *"connection limit"* ]]
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	sleep 0.3
	run pcurl -x "http://127.0.0.1:$HP" "http://allowed.test:$PA/free"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server=A"* ]]
}
