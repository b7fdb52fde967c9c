#!/usr/bin/env bats
# e2e_attacks.bats — attack classes of docs/threat-model.md against `cordon run`, through the real binary. Each
# probe runs unconfined first (it must reach the kernel, or the test proves nothing), then confined.

load helpers

e2e_hooks

setup() {
	e2e_setup
	need_probe probe-e2e-attacks
	TAG=$((4000 + RANDOM % 1000)).$$$RANDOM
}

teardown() {
	pkill -f "sleep $TAG" 2>/dev/null || true
	e2e_teardown
}

# pty_run CMD...: run CMD as a session leader on a new pseudo-terminal (its controlling terminal),
# print what it wrote there, exit with its status.
pty_run() {
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$PY" -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st) % 256)
' "$@" 3>&-
}

# alive PATTERN: some process's command line matches PATTERN (pgrep -f).
alive() {
	pgrep -f "$1" >/dev/null
}

# gone_soon PATTERN: no process matches PATTERN within 5 s.
gone_soon() {
	local i
	for ((i = 0; i < 100; i++)); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

# --- sockets, io_uring, terminal -----------------------------------------------------------------

@test "socket(AF_UNIX) connect to a host socket fails inside while socketpair works" {
	need_probe probe-unix-connect
	"$BIN/probe-unix-connect" listen "$W/host.sock" 120 </dev/null >"$T/sock-out" 2>&1 3>&- &
	track $!
	for _ in $(seq 200); do grep -q ready "$T/sock-out" && break; sleep 0.05; done
	grep -q ready "$T/sock-out" || fail "unix socket server did not start: $(cat "$T/sock-out")"
	run "$BIN/probe-unix-connect" connect "$W/host.sock"
	assert_status 0
	assert_output_has ok
	run crun -- "$BIN/probe-unix-connect" connect "$W/host.sock"
	assert_status 1
	[[ "$output" =~ (socket|connect):\ E ]] || fail "unexpected: $output"
	run crun -- "$BIN/probe-unix-connect" socketpair
	assert_status 0
	assert_output_has ok
}

@test "io_uring cannot be set up inside while it can outside" {
	need_probe probe-io-uring
	run "$BIN/probe-io-uring"
	assert_status 0
	assert_output_has ok
	run crun -- "$BIN/probe-io-uring"
	assert_status 1
	[[ "$output" =~ io_uring_setup:\ (EPERM|ENOSYS|EACCES) ]] || fail "unexpected: $output"
}

@test "TIOCSTI fails inside, also with junk in the upper 32 bits, while it works outside" {
	[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" != 0 ] ||
		skip "dev.tty.legacy_tiocsti=0: the kernel refuses TIOCSTI for everyone"
	run pty_run "$PROBE" tiocsti
	assert_output_has "ioctl(TIOCSTI): ok"
	run pty_run "$PROBE" tiocsti high
	assert_output_has "ioctl(TIOCSTI|junk<<32): ok"
	run pty_run "$CORDON" run -- "$PROBE" tiocsti
	assert_output_has "ioctl(TIOCSTI): E"
	assert_output_lacks ": ok"
	run pty_run "$CORDON" run -- "$PROBE" tiocsti high
	assert_output_has "ioctl(TIOCSTI|junk<<32): E"
	assert_output_lacks ": ok"
}

@test "TIOCSTI on a pty of the command's own fails inside, also with junk in the upper 32 bits" {
	need_probe probe-tiocsti
	[ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" != 0 ] ||
		skip "dev.tty.legacy_tiocsti=0: the kernel refuses TIOCSTI for everyone"
	run "$BIN/probe-tiocsti"
	assert_status 0
	run "$BIN/probe-tiocsti" high
	assert_status 0
	run crun -- "$BIN/probe-tiocsti"
	assert_status 1
	assert_output_has "TIOCSTI: E"
	run crun -- "$BIN/probe-tiocsti" high
	assert_status 1
	assert_output_has "TIOCSTI: E"
}

@test "the command keeps the terminal: stdin is a tty inside when it is outside" {
	run pty_run "$CORDON" run -- /bin/sh -c 'test -t 0 && test -t 1 && echo TTY-OK'
	assert_status 0
	assert_output_has TTY-OK
}

# --- namespaces, capabilities, setuid ----------------------------------------------------------

@test "unshare -U fails inside while it works outside" {
	run unshare -U /bin/true
	assert_status 0
	run crun -- unshare -U /bin/true
	[ "$status" -ne 0 ] || fail "unshare -U succeeded inside"
	run crun -- unshare -Ur /bin/sh -c 'echo ROOT-IN-NEW-USERNS'
	assert_output_lacks ROOT-IN-NEW-USERNS
}

@test "every capability set is empty and NoNewPrivs is 1 inside" {
	run grep -E '^(CapEff|NoNewPrivs):' /proc/self/status
	assert_status 0
	if [ "$AS" = root ]; then
		[[ "$output" =~ CapEff:[[:space:]]+0*[1-9a-f] ]] || fail "root outside has no CapEff: $output"
	fi
	run crun -- grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
	assert_status 0
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		[[ "$output" =~ $set:[[:space:]]+0000000000000000 ]] || fail "$set not empty: $output"
	done
	[[ "$output" =~ NoNewPrivs:[[:space:]]+1 ]] || fail "NoNewPrivs not set: $output"
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]] || fail "no seccomp filter: $output"
}

@test "a setuid-root binary gains nothing inside" {
	suid=${CORDON_TEST_SETUID_PROBE:-}
	if [ -z "$suid" ] && [ "$AS" = root ]; then
		suid=$T/suid-probe
		cp "$PROBE" "$suid" && chmod 4755 "$suid"
	fi
	[ -n "$suid" ] && [ -u "$suid" ] && [ "$(stat -c %u "$suid")" = 0 ] ||
		skip "no setuid-root fixture (tests/run.sh makes one as root: CORDON_TEST_SETUID_PROBE)"
	run "$suid" ids
	assert_status 0
	assert_output_has "euid=0"
	if [ "$AS" = root ]; then
		[[ "$output" =~ capeff=0*[1-9a-f] ]] || fail "control: no capabilities outside: $output"
	fi
	# under NoNewPrivs execve ignores the setuid bit (prctl(2), PR_SET_NO_NEW_PRIVS)
	run crun -- "$suid" ids
	assert_status 0
	assert_output_has "euid=$(id -u)" "capeff=0000000000000000"
}

# --- processes and signals -------------------------------------------------------------------------

@test "background jobs die with the command (also setsid and nohup ones)" {
	# control: unconfined, a background job outlives its shell
	run host_sh "sleep ${TAG}1 >/dev/null 2>&1 & echo started"
	assert_output_has started
	alive "sleep ${TAG}1" || fail "control: the background job did not outlive its shell"
	pkill -f "sleep ${TAG}1"
	run crun -- /bin/sh -c "sleep ${TAG}2 >/dev/null 2>&1 &
		setsid sleep ${TAG}3 >/dev/null 2>&1 &
		nohup sleep ${TAG}4 >/dev/null 2>&1 &
		echo started"
	assert_status 0
	assert_output_has started
	gone_soon "sleep $TAG" || fail "background jobs outlived cordon run: $(pgrep -af "sleep $TAG")"
}

@test "kill -9 -1 inside does not reach processes outside" {
	sleep "$TAG" </dev/null >/dev/null 2>&1 3>&- &
	outside=$!
	track "$outside"
	# kill -1 is safe to try only in a PID namespace of its own and a user namespace
	run crun -- /bin/sh -c 'echo "pid=$$ pidns=$(readlink /proc/self/ns/pid) userns=$(readlink /proc/self/ns/user)"'
	assert_status 0
	[[ "$output" != *"pidns=$(readlink /proc/self/ns/pid)"* ]] || fail "no PID namespace: $output"
	[[ "$output" != *"userns=$(readlink /proc/self/ns/user)"* ]] || fail "no user namespace: $output"
	[[ "$output" =~ pid=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -lt 10 ] ||
		fail "the command is not near PID 1 of a fresh namespace: $output"
	run crun -- /bin/sh -c 'kill -9 -1; echo survived'
	kill -0 "$outside" || fail "kill -9 -1 inside killed an outside process"
	assert_output_has survived
}

@test "the command sees a fresh /proc with only its own processes" {
	sleep "$TAG" </dev/null >/dev/null 2>&1 3>&- &
	track $!
	run crun -- /bin/sh -c 'ps -eo args 2>/dev/null || cat /proc/[0-9]*/cmdline | tr "\0" " "'
	assert_status 0
	assert_output_lacks "sleep $TAG"
	run ps -eo args
	assert_output_has "sleep $TAG"
}

@test "exit codes and signals pass through (128+N on signal N)" {
	ulimit -c 0
	for code in 0 1 7 42 255; do
		run crun -- /bin/sh -c "exit $code"
		assert_status "$code"
	done
	for sig in TERM KILL INT SEGV; do
		run host_sh "kill -$sig \$\$"
		want=$status
		run crun -- /bin/sh -c "kill -$sig \$\$"
		assert_status "$want"
	done
	[ "$want" -eq $((128 + 11)) ] || fail "control: SIGSEGV gave $want"
}

@test "the confined environment is scrubbed and names the session" {
	run env SSH_AUTH_SOCK=/x/agent TMUX=/x/tmux,1,0 DBUS_SESSION_BUS_ADDRESS=unix:path=/x \
		DISPLAY=:0 DOCKER_HOST=unix:///x VSCODE_IPC_HOOK_CLI=/x/ipc LD_PRELOAD= LD_AUDIT= \
		HOME="$TEST_HOME" timeout 60 "$CORDON" run -- /usr/bin/env </dev/null 3>&-
	assert_status 0
	for v in SSH_AUTH_SOCK TMUX DBUS_SESSION_BUS_ADDRESS DISPLAY DOCKER_HOST VSCODE_IPC_HOOK_CLI \
		LD_PRELOAD LD_AUDIT; do
		[[ "$output" != *"$v="* ]] || fail "$v survived: $output"
	done
	assert_output_has "SANDBOX_RUNTIME=1" "CORDON_SESSION="
}

# --- configuration ---------------------------------------------------------------------------------

@test "a bad config is refused with file:line:column and the key, exit 125, nothing run" {
	printf '{\n  "network": {\n    "allowedDomainz": ["a.test"]\n  }\n}\n' >"$T/unknown.json"
	printf '{\n  "network": {\n    "allowedDomains": ["*.com"]\n  }\n}\n' >"$T/pattern.json"
	printf '{\n  "network": {\n    "allowedDomains": ["a.test"]\n    "deniedDomains": []\n  }\n}\n' \
		>"$T/syntax.json"
	printf '{\n  "network": {\n    "allowedDomains": ["a.test"]\n  }\n}\n' >"$T/good.json"
	run crun --config "$T/good.json" -- /bin/sh -c 'touch ran-good'
	assert_status 0
	[ -e "$W/ran-good" ] || fail "control: a valid config did not run the command"
	run crun --config "$T/unknown.json" -- /bin/sh -c 'touch ran'
	assert_status 125
	[[ "$output" =~ $T/unknown\.json:3:[56] ]] || fail "no file:line:column: $output"
	assert_output_has allowedDomainz
	run crun --config "$T/pattern.json" -- /bin/sh -c 'touch ran'
	assert_status 125
	[[ "$output" =~ $T/pattern\.json:3:[0-9]+ ]] || fail "no file:line:column: $output"
	assert_output_has '*.com'
	run crun --config "$T/syntax.json" -- /bin/sh -c 'touch ran'
	assert_status 125
	[[ "$output" =~ $T/syntax\.json:[34]:[0-9]+ ]] || fail "no file:line:column: $output"
	[ ! -e "$W/ran" ] || fail "the command ran despite a bad config"
}
