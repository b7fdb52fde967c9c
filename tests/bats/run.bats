#!/usr/bin/env bats
# run.bats — `cordon run`: exit status, PID namespace and reaper, process lifetime, the kernel
# layers in force inside, network isolation and the session environment. Every deny has a
# positive control run outside the sandbox.

bats_require_minimum_version 1.5.0

load helpers
load session_pid

# The e2e layout: cwd $W (= $T/home/proj), HOME $TEST_HOME for crun; tracked pids die in teardown.
setup() {
	e2e_setup
	SERVER_PID= CORDON_PID=
}

teardown() {
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	[ -n "${CORDON_PID:-}" ] && kill -KILL "$CORDON_PID" 2>/dev/null
	e2e_teardown
}

# wait_no_process PATTERN: wait up to 5 s until no process matches PATTERN (pgrep -f).
wait_no_process() {
	for _ in $(seq 50); do
		pgrep -f -- "$1" >/dev/null || return 0
		sleep 0.1
	done
	echo "still running: $(pgrep -af -- "$1")" >&2
	return 1
}

# wait_process PATTERN: wait up to 5 s until a process matches PATTERN.
wait_process() {
	for _ in $(seq 50); do
		pgrep -f -- "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_server: an HTTP server on host loopback (tests/hosts/serve.py); sets PORT.
start_server() {
	serve_start "$T/server" local=127.0.0.1 || return 1
	track "$SERVE_PID"
	PORT=$(serve_port "$T/server" local)
}

@test "exit status 0 passes through" {
	run crun -- true
	[ "$status" -eq 0 ]
}

@test "a start loads none of the libraries opened on first use (GnuTLS, OpenSSL, ldns, Nettle)" {
	# ld.so's own trace of every library each of cordon's processes opens (ld.so(8) LD_DEBUG)
	run env LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld" HOME="$TEST_HOME" timeout -k 5 "$RUN_TIMEOUT" \
		"$CORDON" run -- true </dev/null
	[ "$status" -eq 0 ]
	run cat "$T"/ld.*
	# control: the trace is there, and shows what start-up does load
	[[ "$output" == *"find library=libseccomp.so"* ]] || fail "no ld.so trace: $output"
	[[ "$output" != *libgnutls* && "$output" != *libssl* && "$output" != *libcrypto* &&
		"$output" != *libldns* && "$output" != *libnettle* ]] || fail "$output"
}

@test "a name outside any hosts file is looked up by the resolver, made at the first lookup" {
	command -v curl >/dev/null || skip "curl not installed"
	# RFC 6761 §6.4: .invalid never resolves; the proxy says so with the resolver's reason
	run crun --allow-host no-such-name.invalid --allow-host localhost -- sh -c \
		'curl -sS -m 20 -x "$HTTP_PROXY" http://no-such-name.invalid/; echo; \
		curl -sS -m 20 --noproxy "" -x "$HTTP_PROXY" http://localhost:1/'
	[[ "$output" == *"cordon: cannot resolve no-such-name.invalid: "* ]] || fail "$output"
	# control: localhost, from the system's hosts file through the same resolver, resolves
	# (and is then refused as a loopback address, which was not allowed)
	[[ "$output" == *"host localhost resolves to loopback address 127.0.0.1"* ]] || fail "$output"
}

@test "exit status 3 passes through" {
	run crun -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "a command killed by SIGTERM gives 128+15" {
	run crun -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "-c STRING runs /bin/sh -c STRING" {
	run crun -c 'echo hello; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = hello ]
}

@test "a bad config file is a setup failure (125) naming the file" {
	printf '{"network": {"allowedDomains": ["*.com"]}}\n' >"$T/bad.json"
	run crun --config "$T/bad.json" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *bad.json* ]]
}

@test "a command that does not exist gives 127" {
	run -127 crun -- cordon-no-such-command
	[ "$status" -eq 127 ]
	[[ "$output" == *cordon-no-such-command* ]]
}

@test "a file that is not executable gives 126" {
	printf 'echo hi\n' >"$T/notexec"
	chmod 644 "$T/notexec"
	run -126 crun -- "$T/notexec"
	[ "$status" -eq 126 ]
}

@test "the command runs with the caller's uid" {
	run crun -- id -u
	[ "$status" -eq 0 ]
	[ "$output" = "$(id -u)" ]
}

@test "the command is the child of PID 1 and /proc shows only the sandbox" {
	run crun -- sh -c 'grep ^PPid: /proc/$$/status; ls -d /proc/[0-9]* | wc -l; cat /proc/1/comm'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "PPid:	1" ]
	# PID 1 (reaper), the guard worker, sh, ls and perhaps wc: nothing of the host.
	[ "${lines[1]}" -le 5 ]
	[ "${lines[2]}" = cordon ]
	# Positive control: the host's /proc shows many more processes.
	[ "$(ls -d /proc/[0-9]* | wc -l)" -gt 5 ]
}

@test "processes of the sandbox cannot signal the guard worker or the reaper away" {
	run crun -- sh -c 'for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = cordon ] && [ ${p#/proc/} != 1 ] && kill -9 ${p#/proc/} && echo killed; done; kill -9 1; echo a >file && cat file'
	[ "$status" -eq 0 ]
	[[ "$output" != *killed* ]]
	[ "${lines[-1]}" = a ]
}

@test "background jobs die with the command" {
	run crun -- sh -c 'sleep 3141 & echo started'
	[ "$status" -eq 0 ]
	[ "$output" = started ]
	wait_no_process 'sleep 3141'
}

@test "killing cordon with SIGKILL kills the command" {
	"$CORDON" run -- sleep 3142 &
	pid=$!
	wait_process 'sleep 3142'
	kill -KILL "$pid"
	wait "$pid" || true
	wait_no_process 'sleep 3142'
}

@test "when the session process dies, cordon run says the network was cut, ends the command, exits 125" {
	"$CORDON" run -- sh -c 'echo started >"$1"; sleep 3146; echo after-sleep >"$1"' sh \
		"$W/state" 2>"$T/stderr" &
	pid=$!
	CORDON_PID=$pid # killed by teardown should the test fail before it ends
	wait_process '^sleep 3146'
	spid=$(session_pid_of "$pid") || fail "no session process found for cordon pid $pid"
	kill -KILL "$spid"
	status=0
	timeout 20 tail --pid="$pid" -f /dev/null ||
		fail "cordon run still running 20 s after its session process was killed"
	wait "$pid" || status=$?
	CORDON_PID=
	[ "$status" -eq 125 ] || fail "exit status $status; stderr: $(cat "$T/stderr")"
	grep -qx 'cordon: the session process died; the network was cut' "$T/stderr" ||
		fail "stderr: $(cat "$T/stderr")"
	wait_gone 'sleep 3146'
	[ "$(cat "$W/state")" = started ] # the command did not go on
}

@test "a command that ends before its session process keeps its status and gets no such message" {
	run --separate-stderr crun -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	[[ "$stderr" != *"session process died"* ]] || fail "stderr: $stderr"
}

@test "SIGTERM to cordon reaches the command, whose status passes through" {
	"$CORDON" run -- sleep 3143 &
	pid=$!
	wait_process '^sleep 3143'
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	wait_no_process 'sleep 3143'
}

@test "the session process is gone after the command ends" {
	run crun -- sh -c 'exit 0' cordon-session-marker-$$
	[ "$status" -eq 0 ]
	wait_no_process "cordon-session-marker-$$"
}

@test "Ctrl-C on the terminal ends the command, not cordon first (130)" {
	# A terminal starts its shell with SIGINT at its default action; a runner that started us in
	# the background may have left it ignored, which exec would pass on to the command.
	run timeout -k 5 60 "$PY" -c '
import os, pty, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    os.execv(sys.argv[1], [sys.argv[1], "run", "--", "sleep", "3144"])
time.sleep(1)
os.write(fd, b"\x03")
_, st = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(st))' "$CORDON"
	[ "$status" -eq 0 ]
	# cordon itself exits 130 (the command's SIGINT), it is not killed by it (-2).
	[ "$output" = 130 ]
	wait_no_process 'sleep 3144'
}

@test "a directory fd inherited from the caller does not reach the command (control: outside)" {
	run bash -c 'exec 9</; ls /proc/self/fd/9/etc/passwd'
	[ "$status" -eq 0 ]
	run bash -c 'exec 9</; timeout 60 "$1" run -- sh -c "ls /proc/self/fd/9/etc/passwd"' _ "$CORDON"
	[ "$status" -ne 0 ]
}

@test "a failure after joining the namespaces leaves the process without writes or network" {
	tool=$TOOLS/confine-failsafe
	[ -x "$tool" ] || skip "confine-failsafe harness not built"
	run "$tool" created
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "confine: -5 test hook failed; this process is left confined"* ]]
	[ "${lines[1]}" = "create: Operation not permitted" ]
	[ "${lines[2]}" = "socket: Operation not permitted" ]
	[ ! -e created ]
	# Positive control: the same creation outside works.
	touch created
	[ -e created ]
}

@test "a new user namespace is refused inside (positive control: allowed outside)" {
	command -v unshare >/dev/null || skip "unshare(1) not installed"
	run unshare -U true
	[ "$status" -eq 0 ]
	run crun -- unshare -U true
	[ "$status" -ne 0 ]
}

@test "no capabilities and no_new_privs inside" {
	run crun -- grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "writing in the current directory works inside" {
	run crun -- sh -c 'echo inside >written && cat written'
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
	[ "$(cat "$W/written")" = inside ]
}

@test "writing to HOME is refused inside (positive control: allowed outside)" {
	f="$TEST_HOME/cordon-run-probe-$$"
	echo outside >"$f"
	rm -f "$f"
	run crun -- sh -c "echo inside >'$f'"
	[ "$status" -ne 0 ]
	[ ! -e "$f" ]
}

@test "loopback services of the host are unreachable inside (positive control outside)" {
	command -v curl >/dev/null || skip "curl not installed"
	start_server
	run curl -sS -m 5 --noproxy '*' -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	[ "$status" -eq 0 ]
	[ "$output" = 200 ]
	run crun -- curl -sS -m 5 --noproxy '*' -o /dev/null "http://127.0.0.1:$PORT/"
	[ "$status" -ne 0 ]
}

@test "bash /dev/tcp to a host loopback port fails inside (positive control outside)" {
	start_server
	run bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
	[ "$status" -eq 0 ]
	run crun -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
	[ "$status" -ne 0 ]
}

@test "the session environment is set and agent sockets are removed" {
	# A preload that exists (the C library itself), so the loader prints nothing outside.
	libc=$(ldd /bin/sh | awk '/libc\.so/ {print $3}')
	[ -n "$libc" ] || skip "cannot find the C library for LD_PRELOAD"
	run env SSH_AUTH_SOCK=/run/agent.sock DISPLAY=:0 LD_PRELOAD="$libc" \
		timeout 60 "$CORDON" run -- sh -c 'echo "ssh=${SSH_AUTH_SOCK-unset} display=${DISPLAY-unset} \
preload=${LD_PRELOAD-unset}"; echo "$HTTP_PROXY"; echo "$ALL_PROXY"; echo "$CORDON_SESSION"; \
echo "$SANDBOX_RUNTIME"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ssh=unset display=unset preload=unset" ]
	[[ "${lines[1]}" =~ ^http://127\.0\.0\.1:[0-9]+$ ]]
	[[ "${lines[2]}" =~ ^socks5h://127\.0\.0\.1:[0-9]+$ ]]
	[[ "${lines[3]}" =~ ^[0-9a-f]{32}$ ]]
	[ "${lines[4]}" = 1 ]
}

@test "the proxy listeners exist inside the sandbox's network namespace" {
	command -v bash >/dev/null || skip "bash not installed"
	run crun -- bash -c 'p=${HTTP_PROXY##*:}; exec 3<>/dev/tcp/127.0.0.1/$p'
	[ "$status" -eq 0 ]
}

@test "a cordon binary hidden inside by the private /tmp is reported: git over SSH would fail" {
	local hid
	hid=$(test_tmpdir --tmp hidden)
	cp "$CORDON" "$hid/cordon"
	run timeout -k 5 60 "$hid/cordon" run -- true
	rm_tmpdir "$hid"
	[ "$status" -eq 0 ]
	[[ "$output" == *"git over SSH will fail"*"$hid/cordon"* ]] || {
		echo "no warning naming $hid/cordon: $output" >&2
		return 1
	}
	# control: the same binary where the sandbox can see it gives no warning
	mkdir -p "$T/bin"
	cp "$CORDON" "$T/bin/cordon"
	run timeout -k 5 60 "$T/bin/cordon" run -- true
	[ "$status" -eq 0 ]
	[[ "$output" != *"git over SSH"* ]] || { echo "warned anyway: $output" >&2; return 1; }
}

@test "cordon run works as root of a user namespace that maps a single id (a rootless container)" {
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	unshare -r true 2>/dev/null || skip "this kernel refuses unprivileged user namespaces"
	# control: the namespace itself, without cordon
	run unshare -r sh -c 'id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[[ "$output" == 0*"0 "*" 1" ]] || { echo "unexpected map: $output" >&2; return 1; }
	run timeout -k 5 60 unshare -r "$CORDON" run -- sh -c 'id -u; touch ok; touch /etc/cordon-x && echo WROTE'
	echo "$output"
	[ "$status" -ne 0 ] # the /etc write fails, so sh -c ends with touch's status
	[[ "$output" == 0* ]]
	[[ "$output" != *WROTE* ]]
	[ -e ok ]
	[ ! -e /etc/cordon-x ]
}

@test "npm and pip caches default into the private /tmp (writable there, outside the project); a value the caller set wins" {
	mkdir -p "$T/home"
	run env -u npm_config_cache -u PIP_CACHE_DIR -u XDG_CACHE_HOME HOME="$T/home" \
		timeout -k 5 60 "$CORDON" run -c \
		'echo "npm=$npm_config_cache pip=$PIP_CACHE_DIR"; mkdir -p "$npm_config_cache" "$PIP_CACHE_DIR" && echo made; mkdir "$HOME/.npm" 2>/dev/null || echo home-refused'
	[ "$status" -eq 0 ]
	[[ "$output" == *"npm=/tmp/cordon-cache/npm pip=/tmp/cordon-cache/pip"* ]]
	[[ "$output" == *made* ]]
	[[ "$output" == *home-refused* ]] # the default npm cache would not have worked
	[ -z "$(ls -A "$T/proj")" ] # nothing landed in the project
	run env HOME="$T/home" npm_config_cache="$W/own" PIP_CACHE_DIR=/tmp/mine \
		timeout -k 5 60 "$CORDON" run -c 'echo "npm=$npm_config_cache pip=$PIP_CACHE_DIR"'
	[[ "$output" == *"npm=$W/own pip=/tmp/mine"* ]]
	mkdir -p "$T/home/.npm"
	run env -u npm_config_cache HOME="$T/home" timeout -k 5 60 "$CORDON" run \
		--allow-write "$T/home/.npm" -c 'echo "npm=${npm_config_cache-unset}"'
	[[ "$output" == *"npm=unset"* ]] # a writable ~/.npm is npm's own default
}
