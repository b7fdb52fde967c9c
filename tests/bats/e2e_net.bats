#!/usr/bin/env bats
# e2e_net.bats — the network layer of `cordon run`, end to end through the real binary: the proxy is
# the only way out, it admits allowed hosts (HTTP, CONNECT, SOCKS5) and refuses the rest by name.

load helpers

e2e_hooks --hosts

ALLOW=(--allow-host allowed.test --allow-host 127.0.0.2)

# --- positive paths ----------------------------------------------------------------------------

@test "the test hosts answer outside the sandbox (control for every network test)" {
	run "${CURL[@]}" --noproxy '*' "http://127.0.0.2:$HTTP_PORT/x"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	run "${CURL[@]}" --noproxy '*' --cacert "$CACERT" --resolve "allowed.test:$HTTPS_PORT:127.0.0.2" \
		"https://allowed.test:$HTTPS_PORT/x"
	assert_status 0
	assert_output_has "cordon-test-host allowed_tls"
	run "${CURL[@]}" --noproxy '*' "http://127.0.0.3:$EVIL_PORT/x"
	assert_status 0
	assert_output_has "cordon-test-host evil"
	run "${CURL[@]}" --noproxy '*' "http://127.0.0.1:$LOCAL_PORT/x"
	assert_status 0
	assert_output_has "cordon-test-host local"
}

@test "the proxy variables inside name the session's proxy (HTTP and socks5h)" {
	run crun -- /bin/sh -c 'echo "H=$HTTP_PROXY S=$HTTPS_PROXY A=$ALL_PROXY h=$http_proxy"'
	assert_status 0
	[[ "$output" =~ H=http://127\.0\.0\.1:[0-9]+ ]] || fail "HTTP_PROXY: $output"
	[[ "$output" =~ S=http://127\.0\.0\.1:[0-9]+ ]] || fail "HTTPS_PROXY: $output"
	[[ "$output" =~ A=socks5h://127\.0\.0\.1:[0-9]+ ]] || fail "ALL_PROXY: $output"
	[[ "$output" =~ h=http://127\.0\.0\.1:[0-9]+ ]] || fail "http_proxy: $output"
}

@test "an allowed local host is reached over plain HTTP (absolute-form through HTTP_PROXY)" {
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://allowed.test:$HTTP_PORT/plain"
	assert_status 0
	assert_output_has "cordon-test-host allowed" "path=/plain"
}

@test "an allowed local host is reached over HTTPS (CONNECT through HTTPS_PROXY)" {
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --cacert "$CACERT" "https://allowed.test:$HTTPS_PORT/tls"
	assert_status 0
	assert_output_has "cordon-test-host allowed_tls" "path=/tls"
}

@test "an allowed local host is reached through SOCKS5 (ALL_PROXY and --socks5-hostname)" {
	run crun "${ALLOW[@]}" -- /bin/sh -c '
		curl -sS -m 10 -x "$ALL_PROXY" "http://allowed.test:$1/socks-env" &&
		curl -sS -m 10 --socks5-hostname "${ALL_PROXY#socks5h://}" --cacert "$3" \
			"https://allowed.test:$2/socks-tls"' sh "$HTTP_PORT" "$HTTPS_PORT" "$CACERT"
	assert_status 0
	assert_output_has "cordon-test-host allowed host=allowed.test:$HTTP_PORT path=/socks-env" \
		"cordon-test-host allowed_tls" "path=/socks-tls"
}

@test "the Host header of an absolute-form request is rewritten to the checked authority" {
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" get allowed.test "$HTTP_PORT" "evil.test:$EVIL_PORT"
	assert_status 0
	assert_output_has "cordon-test-host allowed host=allowed.test"
	assert_output_lacks "host=evil.test"
}

@test "request heads that arrive in pieces, 0.3 s apart, are served (20 clients at once)" {
	# Bytes that arrived before the proxy accepted are read at once; the wake-up that follows
	# brings nothing new, and must not end the head (it used to get an immediate 400).
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" pieces allowed.test "$HTTP_PORT" 20
	assert_status 0
	assert_output_has "HTTP/1.1 200" "cordon-test-host allowed host=allowed.test" "path=/pieces"
	assert_output_lacks "400 Bad Request"
	[ "$(grep -c '^client [0-9]*: HTTP/1.1 200 OK' <<<"$output")" -eq 20 ] || fail "$output"
}

@test "a request head that never ends gets 408 when the head timeout expires, not 400 at once" {
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" unended allowed.test "$HTTP_PORT" 5
	assert_status 1
	assert_output_has "HTTP/1.1 408 Request Timeout" "request head not received within 10 s"
	assert_output_lacks "400 Bad Request"
	[ "$(grep -c '^client [0-9]*: HTTP/1.1 408 Request Timeout' <<<"$output")" -eq 5 ] ||
		fail "$output"
}

@test "the session raises its fd limit: 40 tunnels at once are held though the caller's soft limit is 128" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 512 ] ||
		skip "hard RLIMIT_NOFILE $hard: no room above the soft limit to raise it to"
	# Soft 128 alone would give the proxy (128 - 64) / 6 = 10 connections (control below).
	run bash -c 'ulimit -Sn 128 && exec "$@"' _ timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" \
		"$CORDON" run "${ALLOW[@]}" -- /bin/sh -c 'echo "inside: $(ulimit -Sn)"; "$@"' sh \
		"$PY" "$PROXYCLIENT" tunnels allowed.test "$HTTP_PORT" 40
	assert_status 0
	assert_output_has "inside: 128" "tunnels: 40 of 40 established"
	# control: where the hard limit is the soft one, the proxy cannot raise it and refuses
	run bash -c 'ulimit -n 128 && exec "$@"' _ timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" \
		"$CORDON" run "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" tunnels allowed.test "$HTTP_PORT" 40
	assert_status 1
	assert_output_has "tunnels: 10 of 40 established" "503 Service Unavailable"
}

# --- hosts not on the allowlist ----------------------------------------------------------------

@test "a host not allowed gets 403 over HTTP, the body names it, and it is never reached" {
	before=$(reached evil)
	run crun "${ALLOW[@]}" -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' "http://evil.test:$EVIL_PORT/"
	assert_output_has "status=403" "evil.test"
	[[ "$output" =~ (not on the allowlist|not allowed) ]] || fail "403 body does not say why: $output"
	[ "$(reached evil)" -eq "$before" ] || fail "evil.test was reached"
	# control: the same command reaches an allowed host
	run crun "${ALLOW[@]}" -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' "http://allowed.test:$HTTP_PORT/"
	assert_output_has "status=200"
}

@test "a host not allowed gets 403 to CONNECT and is never reached" {
	before=$(reached evil)
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" connect evil.test "$EVIL_PORT"
	assert_status 1
	assert_output_has "403" "evil.test"
	[ "$(reached evil)" -eq "$before" ] || fail "evil.test was reached"
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --cacert "$CACERT" "https://evil.test:$EVIL_PORT/"
	[ "$status" -ne 0 ] || fail "curl through CONNECT to evil.test succeeded: $output"
	assert_output_has "403"
	# control
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" connect allowed.test "$HTTP_PORT"
	assert_status 0
	assert_output_has "200" "cordon-test-host allowed"
}

@test "a host not allowed gets SOCKS5 reply 2 (not allowed by ruleset) and is never reached" {
	before=$(reached evil)
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks evil.test "$EVIL_PORT"
	assert_status 1
	assert_output_has "socks reply 2"
	[ "$(reached evil)" -eq "$before" ] || fail "evil.test was reached"
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks allowed.test "$HTTP_PORT"
	assert_status 0
	assert_output_has "socks reply 0" "cordon-test-host allowed"
}

@test "a SOCKS5 domain name with a NUL byte is refused" {
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks allowed.test "$HTTP_PORT"
	assert_status 0
	assert_output_has "socks reply 0"
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks 'allowed.test\0.evil.test' "$HTTP_PORT"
	assert_status 1
	assert_output_lacks "socks reply 0"
	assert_output_lacks "cordon-test-host"
}

@test "a SOCKS5 refusal of an invalid name is logged with the port it asked for" {
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks 'allowed.test\0.x' 4321
	assert_status 1
	run cordon_cmd log --json
	assert_status 0
	assert_output_has '"host":"allowed.test\u0001.x","port":4321' "invalid host name"
	# the same port on a valid name that is refused: logged alike (control)
	run crun "${ALLOW[@]}" -- "$PY" "$PROXYCLIENT" socks other.test 4321
	assert_status 1
	run cordon_cmd log --json
	assert_output_has '"host":"other.test","port":4321'
}

@test "nothing is reachable before a host is named (default policy)" {
	run crun -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' "http://allowed.test:$HTTP_PORT/"
	assert_output_has "status=403" "allowed.test"
	assert_output_lacks "cordon-test-host"
}

@test "a port-qualified allow admits that port only" {
	run crun --allow-host "allowed.test:$HTTP_PORT" --allow-host "127.0.0.2:$HTTP_PORT" -- \
		"${CURL[@]}" "http://allowed.test:$HTTP_PORT/port"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	run crun --allow-host "allowed.test:$HTTP_PORT" --allow-host "127.0.0.2:$HTTP_PORT" -- \
		"$PY" "$PROXYCLIENT" connect allowed.test "$HTTPS_PORT"
	assert_status 1
	assert_output_has "403"
}

@test "deny beats allow (deniedDomains in a config file)" {
	cat >"$T/deny.json" <<-EOF
		{"network": {"allowedDomains": ["allowed.test", "127.0.0.2"], "deniedDomains": ["allowed.test"]}}
	EOF
	cat >"$T/allow.json" <<-EOF
		{"network": {"allowedDomains": ["allowed.test", "127.0.0.2"]}}
	EOF
	run crun --config "$T/allow.json" -- "${CURL[@]}" "http://allowed.test:$HTTP_PORT/cfg"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	before=$(reached allowed)
	run crun --config "$T/deny.json" -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' \
		"http://allowed.test:$HTTP_PORT/cfg"
	assert_output_has "status=403" "allowed.test"
	assert_output_lacks "cordon-test-host"
	[ "$(reached allowed)" -eq "$before" ] || fail "a denied host was reached"
}

@test "a repository's 20,000 deniedDomains are applied: the listed host is refused, an unlisted one reached" {
	# the file that used to take seconds to load; allowed.test is its last entry
	{
		printf '{"network": {"deniedDomains": [\n'
		seq 0 19999 | sed 's|.*|"h&.example.test",|'
		printf '"allowed.test"]}}\n'
	} >.cordon.json
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://127.0.0.2:$HTTP_PORT/list"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	before=$(reached allowed)
	run crun "${ALLOW[@]}" -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' \
		"http://allowed.test:$HTTP_PORT/list"
	assert_output_has "status=403" "allowed.test"
	assert_output_lacks "cordon-test-host"
	[ "$(reached allowed)" -eq "$before" ] || fail "a denied host was reached"
	# positive control: without the file the same host is reached
	rm .cordon.json
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://allowed.test:$HTTP_PORT/list"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
}

@test "cordon log shows the denied host and port" {
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://evil.test:$EVIL_PORT/logged"
	run cordon_cmd log
	assert_status 0
	assert_output_has "evil.test" "$EVIL_PORT"
	run cordon_cmd log --json
	assert_status 0
	assert_output_has '"evil.test"'
}

@test "cordon log SESSION reads that session's log; a session without refusals says so" {
	run crun "${ALLOW[@]}" -- /bin/sh -c 'echo "id=$CORDON_SESSION"; '"${CURL[*]}"' \
		"http://evil.test:'"$EVIL_PORT"'/by-id" >/dev/null'
	id=$(sed -n 's/^id=//p' <<<"$output")
	[ -n "$id" ] || fail "no session id: $output"
	# a later session's refusal, so that "the latest" would not be this one
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://evil.test:$EVIL_PORT/later"
	run cordon_cmd log "$id"
	assert_status 0
	assert_output_has "evil.test:$EVIL_PORT" "not on the allowlist"
	# control: a session that refused nothing prints the reason, not an empty line
	run crun "${ALLOW[@]}" -- /bin/sh -c 'echo "id=$CORDON_SESSION"'
	id=$(sed -n 's/^id=//p' <<<"$output")
	out=$(cordon_cmd log "$id" 2>/dev/null) || fail "cordon log $id failed"
	[ -z "$out" ] || fail "output for a session without refusals: $out"
	err=$(cordon_cmd log "$id" 2>&1 >/dev/null)
	[[ "$err" == *"nothing refused yet"* ]] || fail "stderr: $err"
}

# count_in FILE STRING: how many lines of FILE hold STRING (0 when FILE is missing).
count_in() {
	grep -c -- "$2" "$1" 2>/dev/null || true
}

# wait_count FILE STRING N: poll until FILE holds STRING on N lines; 1 after 10 s.
wait_count() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(count_in "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "cordon log -f SESSION waits for the log, prints each refusal as it happens, ends like tail -f" {
	# The session names itself, then makes one refused request each time the test says go.
	crun "${ALLOW[@]}" -- /bin/sh -c '
		echo "$CORDON_SESSION" >id.tmp && mv id.tmp id
		for h in evil second; do
			while [ ! -e "go-$h" ]; do sleep 0.05; done
			curl -sS -m 10 "http://$h.test:$1/followed" >/dev/null 2>&1
		done
		while [ ! -e done ]; do sleep 0.05; done' sh "$EVIL_PORT" >"$OUT/run.out" 2>&1 &
	track $!
	wait_for "$W/id" 20 || fail "no session id: $(cat "$OUT/run.out")"
	id=$(cat "$W/id")
	log=$TEST_HOME/.local/state/cordon/sessions/$id.log
	[ ! -e "$log" ] || fail "the log exists before any refusal"
	env HOME="$TEST_HOME" "$CORDON" log -f "$id" >"$OUT/text" 2>"$OUT/text.err" </dev/null 3>&- &
	tpid=$!
	track $tpid
	env HOME="$TEST_HOME" "$CORDON" log --json -f "$log" >"$OUT/json" 2>/dev/null </dev/null 3>&- &
	jpid=$!
	track $jpid
	wait_count "$OUT/text.err" "waiting for" 1 || fail "no waiting message: $(cat "$OUT/text.err")"
	touch "$W/go-evil"
	wait_count "$OUT/text" "evil.test:$EVIL_PORT" 1 || fail "first refusal not followed (text)"
	wait_count "$OUT/json" '"host":"evil.test"' 1 || fail "first refusal not followed (json)"
	[ "$(count_in "$OUT/text" second.test)" -eq 0 ] || fail "second entry before its request"
	touch "$W/go-second"
	wait_count "$OUT/text" "second.test:$EVIL_PORT" 1 || fail "second refusal not followed (text)"
	wait_count "$OUT/json" '"host":"second.test"' 1 || fail "second refusal not followed (json)"
	# control: both followers still run (nothing but the signal ends them)
	kill -0 "$tpid" && kill -0 "$jpid" || fail "a follower ended by itself"
	kill -INT "$tpid"
	kill -TERM "$jpid"
	rc=0 && wait "$tpid" || rc=$?
	[ "$rc" -eq 130 ] || fail "text follower: status $rc after SIGINT, tail -f gives 130"
	rc=0 && wait "$jpid" || rc=$?
	[ "$rc" -eq 143 ] || fail "json follower: status $rc after SIGTERM, tail -f gives 143"
	touch "$W/done"
	output=$(cat "$OUT/text")
	assert_output_has "evil.test:$EVIL_PORT  not on the allowlist  (http, pid "
	[ "$(wc -l <"$OUT/text")" -eq 2 ] || fail "expected 2 lines: $output"
	# the same lines as cordon log prints once the session has logged them
	run cordon_cmd log "$id"
	assert_status 0
	[ "$output" = "$(cat "$OUT/text")" ] || fail "cordon log: $output; log -f: $(cat "$OUT/text")"
	run cordon_cmd log --json "$id"
	[ "$output" = "$(cat "$OUT/json")" ] || fail "cordon log --json: $output; -f: $(cat "$OUT/json")"
}

# --- ways around the proxy ---------------------------------------------------------------------

@test "curl --noproxy '*' reaches only what the policy allows (the capture decides it)" {
	run "${CURL[@]}" --noproxy '*' "http://127.0.0.2:$HTTP_PORT/direct"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	before=$(reached allowed) evil=$(reached evil)
	# 127.0.0.2 inside is the sandbox's own loopback, not the host's
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://127.0.0.2:$HTTP_PORT/direct"
	[ "$status" -ne 0 ] || fail "the host's loopback was reached from inside: $output"
	[ "$(reached allowed)" -eq "$before" ] || fail "the host was reached by its loopback literal"
	# by name, the capture decides as the proxy does: allowed reached, another refused
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://allowed.test:$HTTP_PORT/direct"
	assert_status 0
	assert_output_has "cordon-test-host allowed" "path=/direct"
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://evil.test:$EVIL_PORT/direct"
	[ "$status" -ne 0 ] || fail "evil.test reached without the proxy: $output"
	assert_output_has "refused evil.test:$EVIL_PORT (not on the allowlist)"
	[ "$(reached evil)" -eq "$evil" ] || fail "evil.test was reached"
}

@test "without the capture, curl --noproxy '*' fails inside even to an allowed host" {
	export CORDON_TEST_NO_CAPTURE=1
	before=$(reached allowed)
	run crun "${ALLOW[@]}" -- "${CURL[@]}" --noproxy '*' "http://allowed.test:$HTTP_PORT/direct"
	[ "$status" -ne 0 ] || fail "direct connection by name succeeded inside: $output"
	[ "$(reached allowed)" -eq "$before" ] || fail "the host was reached without the proxy"
	# control: the proxy still takes it
	run crun "${ALLOW[@]}" -- "${CURL[@]}" "http://allowed.test:$HTTP_PORT/proxied"
	assert_status 0
	assert_output_has "path=/proxied"
}

@test "bash /dev/tcp inside reaches no address the policy does not allow" {
	run timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo open' sh "$LOCAL_PORT"
	assert_status 0
	assert_output_has open
	run timeout 10 bash -c 'exec 3<>"/dev/tcp/127.0.0.2/$1" && echo open' sh "$HTTP_PORT"
	assert_status 0
	before=$(($(reached local) + $(reached allowed)))
	# loopback inside is the sandbox's own: nothing listens there
	for target in "127.0.0.1/$LOCAL_PORT" "127.0.0.2/$HTTP_PORT"; do
		run crun "${ALLOW[@]}" --allow-host 127.0.0.1 -- \
			timeout 10 bash -c 'exec 3<>"/dev/tcp/$1" && echo open' sh "$target"
		[ "$status" -ne 0 ] || fail "/dev/tcp/$target opened inside: $output"
		assert_output_lacks open
	done
	# other literals are captured and refused by the literal, before any connection
	for target in "192.0.2.1/80" "10.0.0.1/443"; do
		run crun "${ALLOW[@]}" -- timeout 10 bash -c \
			'exec 3<>"/dev/tcp/$1" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && cat <&3' sh "$target"
		[ "$status" -ne 0 ] || fail "/dev/tcp/$target answered inside: $output"
		assert_output_has "refused ${target%/*}:${target#*/} (not on the allowlist)"
	done
	[ "$(($(reached local) + $(reached allowed)))" -eq "$before" ] || fail "a host was reached"
}

# --- addresses: literals, spellings, rebinding --------------------------------------------------

@test "a direct IP literal is refused unless that literal is allowed" {
	before=$(reached allowed)
	run crun --allow-host allowed.test -- "$PY" "$PROXYCLIENT" get 127.0.0.2 "$HTTP_PORT"
	assert_status 1
	assert_output_has "403" "127.0.0.2"
	run crun --allow-host allowed.test -- "$PY" "$PROXYCLIENT" connect 127.0.0.2 "$HTTP_PORT"
	assert_status 1
	assert_output_has "403"
	[ "$(reached allowed)" -eq "$before" ] || fail "127.0.0.2 was reached"
	run crun --allow-host 127.0.0.2 -- "$PY" "$PROXYCLIENT" get 127.0.0.2 "$HTTP_PORT"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	run crun --allow-host 127.0.0.2 -- "$PY" "$PROXYCLIENT" connect 127.0.0.2 "$HTTP_PORT"
	assert_status 0
	assert_output_has "cordon-test-host allowed"
}

@test "loopback spellings (127.1, 0x7f.0.0.1, 2130706433) are refused unless 127.0.0.1 is allowed" {
	before=$(reached local)
	for spelling in 127.1 0x7f.0.0.1 2130706433; do
		run crun --allow-host allowed.test -- "$PY" "$PROXYCLIENT" get "$spelling" "$LOCAL_PORT"
		assert_status 1
		assert_output_has "403"
		run crun --allow-host allowed.test -- "$PY" "$PROXYCLIENT" connect "$spelling" "$LOCAL_PORT"
		assert_status 1
		assert_output_has "403"
	done
	[ "$(reached local)" -eq "$before" ] || fail "127.0.0.1 was reached"
	for spelling in 127.1 2130706433; do
		run crun --allow-host 127.0.0.1 -- "$PY" "$PROXYCLIENT" connect "$spelling" "$LOCAL_PORT"
		assert_status 0
		assert_output_has "cordon-test-host local"
	done
	# NO_PROXY names loopback; --noproxy '' sends even 127.x through the proxy (CURLOPT_NOPROXY)
	run crun --allow-host 127.0.0.1 -- "${CURL[@]}" --noproxy '' "http://127.1:$LOCAL_PORT/short"
	assert_status 0
	assert_output_has "cordon-test-host local"
}

@test "an allowed name that resolves to 127.0.0.1 is refused unless the literal is allowed (rebinding)" {
	before=$(reached local)
	run crun --allow-host rebind.test -- "${CURL[@]}" -w '\nstatus=%{http_code}\n' \
		"http://rebind.test:$LOCAL_PORT/rebind"
	assert_output_has "status=403"
	assert_output_lacks "cordon-test-host"
	run crun --allow-host rebind.test -- "$PY" "$PROXYCLIENT" socks rebind.test "$LOCAL_PORT"
	assert_status 1
	[ "$(reached local)" -eq "$before" ] || fail "rebind.test (127.0.0.1) was reached"
	run crun --allow-host rebind.test --allow-host 127.0.0.1 -- "${CURL[@]}" \
		"http://rebind.test:$LOCAL_PORT/rebind"
	assert_status 0
	assert_output_has "cordon-test-host local"
}

@test "an allowed name that resolves to this host's own LAN address is refused unless it is allowed" {
	local addr
	addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{sub("/.*", "", $4); print $4; exit}')
	[ -n "$addr" ] || skip "this machine has no global IPv4 address to stand for its LAN address"
	# A service of the host's, bound to that address only, and a name the session resolves to it.
	serve_start "$T/self" self="$addr" || return 1
	track "$SERVE_PID"
	local port
	port=$(serve_port "$T/self" self)
	{ cat "$CORDON_TEST_HOSTS_FILE"; echo "$addr self.test"; } >"$T/hosts"
	run "${CURL[@]}" --noproxy '*' "http://$addr:$port/"
	assert_status 0
	assert_output_has "cordon-test-host self" # control: the service answers outside
	CORDON_TEST_HOSTS_FILE=$T/hosts run crun --allow-host self.test -- "${CURL[@]}" \
		-w '\nstatus=%{http_code}\n' "http://self.test:$port/"
	assert_output_has "status=403" "this host's address $addr"
	assert_output_lacks "cordon-test-host self"
	CORDON_TEST_HOSTS_FILE=$T/hosts run crun --allow-host self.test --allow-host "$addr" -- \
		"${CURL[@]}" "http://self.test:$port/"
	assert_status 0
	assert_output_has "cordon-test-host self"
}

@test "an allowed name that resolves to an AnyIP address (a route of type local) is refused unless it is allowed" {
	# The whole test runs in a network namespace it creates (a user one too when not root), so the
	# host's routes stay as they are. There 198.51.100.0/24 (TEST-NET-2) is local only through
	# `ip route add local ... dev lo`: no interface holds 198.51.100.7, getifaddrs(3) lists nothing.
	# Not root: not `unshare -rn`, whose uid 0 would make cordon map every id onto itself, which a
	# user namespace mapping one id refuses (EPERM on uid_map); the caller keeps its own ids and,
	# to set up the namespace, its capabilities there (ambient), which it drops for every command.
	local ns=(unshare -n) nocaps=0 step
	if [ "$(id -u)" != 0 ]; then
		ns=(unshare --map-user="$(id -u)" --map-group="$(id -g)" --keep-caps -n)
		nocaps=1
	fi
	command -v unshare >/dev/null || skip "unshare not installed"
	"${ns[@]}" true 2>/dev/null || skip "cannot create a network namespace here (${ns[*]})"
	printf '%s\n' '198.51.100.7 anyip.test' >"$T/hosts"
	cat >"$T/anyip.sh" <<'SH'
# In the new network namespace: AnyIP route, a service bound to 198.51.100.7, three runs whose
# output and status go to $T/STEP.out and $T/STEP.rc.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ip link set lo up && ip route add local 198.51.100.0/24 dev lo || exit 3
ip route get 198.51.100.7 >"$T/route" 2>&1
# plain CMD...: CMD without the capabilities that set up the namespace. An array, not a function:
# `"${plain[@]}" CMD &` is then one process, whose pid $! is the server's own.
plain=()
[ "$NOCAPS" = 1 ] && plain=(setpriv --inh-caps=-all --ambient-caps=-all)
mkdir "$T/anyip"
"${plain[@]}" "$PY" "$HOSTS_SRC/serve.py" "$T/anyip" anyip=198.51.100.7 </dev/null \
	>"$T/anyip/out" 2>&1 &
srv=$!
echo "$srv" >>"$T/pids" # e2e_teardown kills it if this script does not get to
trap 'kill "$srv" 2>/dev/null' EXIT
for _ in $(seq 200); do [ -s "$T/anyip/ports" ] && break; sleep 0.05; done
port=$(awk '$1 == "anyip" {print $2}' "$T/anyip/ports" 2>/dev/null)
[ -n "$port" ] || exit 4
step() { # step NAME CMD...: run CMD, keep its output and status
	local name=$1
	shift
	"${plain[@]}" timeout -k 5 "$RUN_TIMEOUT" "$@" >"$T/$name.out" 2>&1 </dev/null
	echo $? >"$T/$name.rc"
}
step control curl -sS -m 10 --noproxy '*' "http://198.51.100.7:$port/"
step refused env HOME="$TEST_HOME" CORDON_TEST_HOSTS_FILE="$T/hosts" "$CORDON" run \
	--allow-host anyip.test -- curl -sS -m 10 -w '\nstatus=%{http_code}\n' "http://anyip.test:$port/"
step allowed env HOME="$TEST_HOME" CORDON_TEST_HOSTS_FILE="$T/hosts" "$CORDON" run \
	--allow-host anyip.test --allow-host 198.51.100.7 -- curl -sS -m 10 "http://anyip.test:$port/"
SH
	run timeout -k 5 $((3 * RUN_TIMEOUT)) "${ns[@]}" env T="$T" PY="$PY" CORDON="$CORDON" \
		HOSTS_SRC="$HOSTS_SRC" \
		TEST_HOME="$TEST_HOME" RUN_TIMEOUT="$RUN_TIMEOUT" NOCAPS="$nocaps" bash "$T/anyip.sh" 3>&-
	assert_status 0
	run cat "$T/route"
	assert_output_has "local 198.51.100.7"
	for step in control refused allowed; do
		[ -f "$T/$step.rc" ] || fail "the $step run did not happen"
	done
	# control: the service answers unconfined
	output=$(cat "$T/control.out") status=$(cat "$T/control.rc")
	assert_status 0
	assert_output_has "cordon-test-host anyip"
	output=$(cat "$T/refused.out")
	assert_output_has "status=403" "this host's address 198.51.100.7"
	assert_output_lacks "cordon-test-host anyip"
	# positive control: the literal allowed too
	output=$(cat "$T/allowed.out") status=$(cat "$T/allowed.rc")
	assert_status 0
	assert_output_has "cordon-test-host anyip"
}
