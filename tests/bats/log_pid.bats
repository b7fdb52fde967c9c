#!/usr/bin/env bats
# log_pid.bats — the violation log names the refused client's pid, as seen from where the user
# reads the log: `cordon run` (the command has its own PID namespace) and a `sandbox on` bash.

load helpers

e2e_hooks --hosts

SO_DIR=${CORDON_BASH_BUILTIN_DIR:-$CORDON_TOP/build/bash-builtin}

# logged_pid PORT: poll (bounded) the latest session's log for a refusal of port PORT; prints the
# pid of the last such entry, or fails.
logged_pid() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$(cordon_cmd log --json 2>/dev/null |
			sed -n 's/.*"port":'"$1"',"pid":\([0-9]*\),.*/\1/p' | tail -n 1)
		[ -n "$p" ] && echo "$p" && return 0
		sleep 0.1
	done
	fail "no refusal of port $1 in the log"
}

# background_run ARGS...: `cordon run ARGS` in the background, output in $T/out; sets JOB.
background_run() {
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" run "$@" </dev/null \
		>"$T/out" 2>"$T/err" 3>&- &
	JOB=$!
}

# sb SCRIPT: a bash that loads the builtin and runs SCRIPT (sandbox on is up to SCRIPT), bounded.
sb() {
	[ -f "$SO_DIR/sandbox.so" ] || skip "$SO_DIR/sandbox.so not built"
	mkdir -p "$T/lib"
	cp "$SO_DIR/sandbox.so" "$T/lib/"
	chmod -R a+rX "$T/lib"
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" BASH_LOADABLES_PATH="$T/lib" \
		bash -c "enable -f sandbox.so sandbox || exit 99
$1" 2>&1 </dev/null 3>&- 4>&-
}

@test "cordon run: a refused curl is logged with its pid as seen from outside, where kill works" {
	mkfifo "$W/hold"
	# curl is refused, then blocks opening the FIFO (the second URL), so it is still there to
	# be looked at; sh prints curl's pid inside the command's own PID namespace.
	background_run -- /bin/sh -c 'curl -sS -o /dev/null "http://evil.test:$1/run" "file://$2" &
		echo "inner=$!"; wait $!' sh "$EVIL_PORT" "$W/hold"
	pid=$(logged_pid "$EVIL_PORT") || return 1
	[ "$pid" -gt 0 ] || fail "pid $pid logged"
	inner=$(sed -n 's/^inner=//p' "$T/out")
	[ -n "$inner" ] || fail "no inner pid: $(cat "$T/out" "$T/err")"
	[ "$pid" != "$inner" ] || fail "the logged pid $pid is the inner one"
	# the logged pid is that curl: NSpid maps it to the pid the command saw (pid_namespaces(7))
	[ "$(cat "/proc/$pid/comm")" = curl ] || fail "pid $pid is $(cat "/proc/$pid/comm")"
	read -r -a nspid < <(awk '/^NSpid:/ {$1 = ""; print}' "/proc/$pid/status")
	[ "${nspid[0]}" = "$pid" ] && [ "${nspid[-1]}" = "$inner" ] ||
		fail "NSpid of $pid is ${nspid[*]}, expected $pid ... $inner"
	run cordon_cmd log
	assert_output_has "evil.test:$EVIL_PORT  not on the allowlist  (http, pid $pid)"
	# a user outside can act on it: the command ends by that signal
	kill "$pid"
	wait "$JOB" && st=0 || st=$?
	[ "$st" -eq 143 ] || fail "cordon run exited $st, expected 143: $(cat "$T/out" "$T/err")"
}

@test "cordon run: the probe's own getpid() is the pid the log maps to (CONNECT)" {
	need_probe probe-proxy-pid
	background_run -- "$BIN/probe-proxy-pid" "evil.test:$EVIL_PORT" 30
	pid=$(logged_pid "$EVIL_PORT") || return 1
	for _ in $(seq 100); do grep -q '^pid=' "$T/out" && break; sleep 0.05; done
	own=$(sed -n 's/^pid=\([0-9]*\) status=403$/\1/p' "$T/out")
	[ -n "$own" ] || fail "probe output: $(cat "$T/out" "$T/err")"
	[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")" = "$own" ] ||
		fail "log pid $pid is not the probe (getpid $own): $(grep NSpid "/proc/$pid/status")"
	kill "$pid"
	wait "$JOB" || true
}

@test "cordon run: an allowed request logs nothing (control)" {
	need_probe probe-proxy-pid
	run crun --allow-host allowed.test --allow-host 127.0.0.2 -- /bin/sh -c '
		echo "id=$CORDON_SESSION"
		curl -sS -m 10 "http://allowed.test:$1/ok" && "$2" "allowed.test:$1"' sh "$HTTP_PORT" \
		"$BIN/probe-proxy-pid"
	assert_status 0
	assert_output_has "cordon-test-host allowed" "status=200"
	id=$(sed -n 's/^id=//p' <<<"$output")
	[ -n "$id" ] || fail "no session id: $output"
	out=$(cordon_cmd log --json "$id" 2>/dev/null)
	[ -z "$out" ] || fail "an allowed request was logged: $out"
}

@test "sandbox on: refused curl (HTTP, SOCKS5) and probe are logged with their pids; allowed not" {
	command -v bash >/dev/null || skip "bash is not installed"
	need_probe probe-proxy-pid
	run sb 'sandbox on || exit 9
		curl -sS -m 10 -o /dev/null "http://evil.test:'"$EVIL_PORT"'/sb" & echo "curl=$!"; wait
		curl -sS -m 10 -o /dev/null -x "$ALL_PROXY" "http://evil.test:'"$EVIL_PORT"'/s" &
		echo "socks=$!"; wait
		"'"$BIN"'/probe-proxy-pid" "evil.test:'"$EVIL_PORT"'"
		sandbox allow-host allowed.test 127.0.0.2 >/dev/null
		curl -sS -m 10 "http://allowed.test:'"$HTTP_PORT"'/ok"
		sandbox log'
	assert_status 0
	assert_output_has "cordon-test-host allowed"
	curl=$(sed -n 's/^curl=//p' <<<"$output")
	socks=$(sed -n 's/^socks=//p' <<<"$output")
	probe=$(sed -n 's/^pid=\([0-9]*\) status=403$/\1/p' <<<"$output")
	[ -n "$curl" ] && [ -n "$socks" ] && [ -n "$probe" ] || fail "pids missing: $output"
	mapfile -t logged < <(sed -n 's/^20.*  not on the allowlist  ([a-z0-9]*, pid \([0-9]*\))$/\1/p' <<<"$output")
	[ "${#logged[@]}" -eq 3 ] || fail "expected 3 refusals with a pid (none for allowed.test): $output"
	[ "${logged[*]}" = "$curl $socks $probe" ] ||
		fail "logged pids ${logged[*]}, clients $curl $socks $probe: $output"
	! grep -q '^20.*  allowed.test:' <<<"$output" || fail "allowed.test logged: $output"
	assert_output_has "(socks5, pid $socks)"
}
