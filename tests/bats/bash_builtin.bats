#!/usr/bin/env bats
# bash_builtin.bats — the `sandbox` verbs through real shell processes, for every shell adapter:
# `sandbox on` confines the shell in place, keeps its state, refuses what it cannot confine,
# and changes the live allowlist through the control channel.
#
# One suite, parameterised by shell: SHELL_UNDER_TEST (bash or zsh), by default taken from the
# file name bats was given — zsh_builtin.bats is a symlink to this file. Each shell's own way to
# load the builtin and its own spelling of a few probes are the variables set just below; every
# assertion is the same for both.

load helpers

SUT=${SHELL_UNDER_TEST:-$(basename "$BATS_TEST_FILENAME" _builtin.bats)}
case $SUT in
bash)
	SO_DIR=$BASH_BUILTIN_DIR
	SO=sandbox.so
	HELP_CMD='help sandbox'
	STATE_PRELUDE='shopt -s expand_aliases'
	SELF_PID='$BASHPID'
	PIPE_FIRST='${PIPESTATUS[0]}'
	TRAP_INT='trap "echo trapped-int >&2" INT'
	OPEN_SOCKET='exec @FD@<>/dev/tcp/127.0.0.2/$HOST_PORT' # @FD@: the fd number
	;;
zsh)
	# zmodload cordon/sandbox finds cordon/sandbox.so under $module_path; zsh has no `help`
	# builtin, no /dev/tcp (zsh/net/tcp instead) and 1-based $pipestatus.
	SO_DIR=$ZSH_MODULE_DIR
	SO=cordon/sandbox.so
	HELP_CMD='sandbox help'
	STATE_PRELUDE='zmodload zsh/system' # $sysparams
	SELF_PID='$sysparams[pid]'
	PIPE_FIRST='${pipestatus[1]}'
	# a zsh trap that returns 0 means "handled, carry on"; non-zero means "interrupted"
	TRAP_INT='TRAPINT() { echo trapped-int >&2; return $((128 + $1)); }'
	OPEN_SOCKET='zmodload zsh/net/tcp && ztcp 127.0.0.2 $HOST_PORT && exec @FD@<&$REPLY &&
		exec {REPLY}<&-'
	;;
*)
	echo "bash_builtin.bats: unknown shell \"$SUT\" (SHELL_UNDER_TEST)" >&2
	exit 1
	;;
esac
BATS_TEST_NAME_PREFIX="[$SUT] "

setup_file() {
	[ -f "$SO_DIR/$SO" ] || return 0
	shell_host_start bb cordon-bash-test-host
}

teardown_file() {
	shell_host_stop
}

setup() {
	[ -f "$SO_DIR/$SO" ] || skip "$SO_DIR/$SO not built"
	command -v "$SUT" >/dev/null || skip "$SUT is not installed"
	T=$(test_tmpdir bb)
	mkdir -p "$T/home/proj" "$T/outside"
	W=$T/home/proj
	cd "$W"
	# The builtin and the helper where a shell started inside can load and run them, laid out as
	# `make install` does (PREFIX/lib/... beside PREFIX/bin/cordon, which the builtin finds for
	# ssh's ProxyCommand).
	mkdir -p "$T/lib/cordon" "$T/bin"
	cp "$SO_DIR/$SO" "$T/lib/$SO"
	[ -x "$CORDON" ] && cp "$CORDON" "$T/bin/cordon"
	chmod -R a+rX "$T/lib" "$T/bin"
	export HOME=$T/home BASH_LOADABLES_PATH=$T/lib
	case $SUT in
	bash) LOAD='enable -f sandbox.so sandbox' ;;
	zsh) LOAD="module_path+=($T/lib); zmodload cordon/sandbox" ;;
	esac
}

teardown() {
	kill_jobs
	cd /
	rm_tmpdir "${T:-}"
}

# sb SCRIPT: a fresh non-interactive shell under test (no rc files) that loads the builtin and
# runs SCRIPT, bounded.
sb() {
	local opts=()
	[ "$SUT" = zsh ] && opts=(-f)
	timeout -k 5 60 "$SUT" "${opts[@]}" -c "$LOAD || exit 99
$1" 2>&1 </dev/null 3>&- 4>&-
}

# --- help and usage ----------------------------------------------------------------------------

@test "help sandbox and sandbox --help print the long help; a bad verb or option is usage 2" {
	run sb "$HELP_CMD"
	status_is 0
	has "allow-host HOST" "status [--json]" "cordon approve SESSION HOST"
	run sb 'sandbox --help'
	status_is 0
	has "allow-host HOST" "CORDON_PROMPT"
	run sb 'sandbox frobnicate'
	status_is 2
	has 'unknown verb "frobnicate"' "usage: sandbox on"
	run sb 'sandbox on --bogus'
	status_is 2
	has 'unknown option "--bogus"' "usage:"
	run sb 'sandbox status --bogus'
	status_is 2
	run sb 'sandbox'
	status_is 2
}

@test "sandbox status says off before on; check reports the kernel and changes nothing" {
	run sb 'sandbox status; sandbox status --json'
	status_is 0
	has "sandbox: off" '{"on":false}'
	run sb 'sandbox check --json | '"$PY"' -c "import json,sys; d=json.load(sys.stdin); print(\"abi\", d[\"landlock_abi\"])"; echo x > probe && echo host-write-ok'
	status_is 0
	has "abi " "host-write-ok"
}

@test "sandbox check after sandbox on says the shell is already confined and points to status" {
	# control: before `sandbox on` there is no such note
	run sb 'sandbox check; sandbox check --json'
	status_is 0
	has "would be missing:" '"inside_sandbox":false'
	lacks "already inside a sandbox"
	run sb 'sandbox on >/dev/null 2>&1 || exit 9
		sandbox check; sandbox check --json'
	status_is 0
	has "note: already inside a sandbox" "sandbox status" '"inside_sandbox":true'
}

# --- sandbox on: confinement ---------------------------------------------------------------------

@test "after sandbox on a write in cwd works and a write to \$HOME fails; nothing appears there" {
	run sb 'echo before > "$HOME/ctl" && echo control-ok'
	has control-ok
	rm -f "$HOME/ctl"
	run sb 'sandbox on || exit 9
		echo in > "$PWD/inside" && echo cwd-ok
		echo out > "$HOME/outside-file" || echo home-refused
		echo out > '"$T/outside/f"' || echo outside-refused'
	status_is 0
	has cwd-ok home-refused outside-refused
	[ "$(cat "$W/inside")" = in ] || fail "cwd file not written"
	[ ! -e "$HOME/outside-file" ] || fail "file appeared in HOME"
	[ ! -e "$T/outside/f" ] || fail "file appeared outside"
}

@test "the shell's function, alias, array, trap and PWD set before on still work after" {
	mkdir -p "$W/sub"
	run sb "$STATE_PRELUDE"'
		greet() { echo "func:$1"; }
		alias hello="echo alias-ok"
		arr=(zero one two)
		declare -A map=([k]=v)
		trap "echo trap-ok" USR1
		cd sub
		pid_before=$$
		sandbox on || exit 9
		eval "hello"
		greet yes
		echo "array:${arr[-1]} map:${map[k]}"
		kill -USR1 $$
		echo "pwd:$PWD"; pwd -P; [ "$pid_before" = "'"$SELF_PID"'" ] && echo "pid-same:yes"'
	status_is 0
	has alias-ok func:yes "array:two map:v" trap-ok "pwd:$W/sub" "pid-same:yes"
}

@test "sandbox on exports the session variables and removes the socket and loader ones" {
	run sb 'export SSH_AUTH_SOCK=/x DBUS_SESSION_BUS_ADDRESS=unix:path=/x TMUX=/x,1,0 LD_PRELOAD=
		sandbox on || exit 9
		env | LC_ALL=C sort'
	status_is 0
	has "HTTP_PROXY=http://127.0.0.1:" "HTTPS_PROXY=" "ALL_PROXY=socks5h://127.0.0.1:" \
		"SANDBOX_RUNTIME=1" "CORDON_SESSION=" "CORDON_PROMPT=[cordon] " "GIT_SSH_COMMAND="
	has "GIT_SSH_COMMAND=ssh -o 'ProxyCommand=$T/bin/cordon connect %h %p'"
	lacks "git over SSH will fail"
	lacks "SSH_AUTH_SOCK="
	lacks "DBUS_SESSION_BUS_ADDRESS="
	lacks "TMUX="
	lacks "LD_PRELOAD="
}

@test "with no cordon binary anywhere, sandbox on says it was not found (not that it is hidden)" {
	# control: with $T/bin/cordon beside the module's tree, no warning (test above)
	rm -f "$T/bin/cordon"
	# a file named cordon in the current directory is not what ssh would run
	printf '#!/bin/sh\n' >"$W/cordon"
	chmod +x "$W/cordon"
	run sb 'PATH=/usr/bin:/bin; sandbox on || exit 9; echo "cmd=$GIT_SSH_COMMAND"'
	status_is 0
	has "git over SSH will fail: no cordon binary" "cmd=ssh -o 'ProxyCommand=cordon connect"
	lacks "private /tmp"
}

@test "a second sandbox on says it is already on and changes nothing" {
	run sb 'sandbox on || exit 9; id1=$CORDON_SESSION; sandbox on; echo "rc=$? same=$([ "$id1" = "$CORDON_SESSION" ] && echo yes)"'
	has "already on" "rc=0 same=yes"
}

@test "sandbox status names the session and every layer in force" {
	run sb 'sandbox on || exit 9; sandbox status; sandbox status --json'
	status_is 0
	has "sandbox: on (session " "layers in force:" "user namespace" "Landlock ABI" "seccomp filter"
	echo "$output" | grep '^{' | "$PY" -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["on"] is True and len(d["session"]) == 32, d
assert d["layers"]["seccomp"] is True and d["layers"]["nnp"] is True, d
' || fail "status --json: $output"
}

@test "a repository .cordon.json in force is named in the start line and in sandbox status" {
	# control: without one, neither names a repository config
	run sb 'sandbox on || exit 9; sandbox status; sandbox status --json'
	status_is 0
	has '"repo_config":null'
	lacks "repository config"
	echo '{"network": {"deniedDomains": ["bad.example.test"]}}' >.cordon.json
	run sb 'sandbox on || exit 9; sandbox status; sandbox status --json'
	status_is 0
	has "allowed; repository config: $W/.cordon.json" "repository config: $W/.cordon.json" \
		"\"repo_config\":\"$W/.cordon.json\""
}

@test "a repository .cordon.json nested thousands deep is refused with file:line:col, the shell survives" {
	# attack: check() recursed once per level, so "[[[[..." in a cloned repository's .cordon.json
	# overflowed the stack of the shell that ran `sandbox on` (and of cordon policy / run)
	# control: a shallow nested value is parsed and reaches the key check
	echo '{"network": {"allowedDomains": [["a.example.test"]]}}' >.cordon.json
	run sb 'sandbox on --no-exit; echo "rc=$?"; sandbox status'
	status_is 0
	has "$W/.cordon.json:1:" "network.allowedDomains" "rc=1" "sandbox: off"
	"$PY" -c 'import sys; n = 200000; sys.stdout.write("{\"network\": " + "[" * n + "]" * n + "}")' \
		>.cordon.json
	run sb 'sandbox on --no-exit; echo "rc=$?"; sandbox status'
	status_is 0
	has "$W/.cordon.json:1:" "nested deeper than" "rc=1" "sandbox: off"
	[ -x "$CORDON" ] || return 0
	run "$CORDON" policy
	status_is 125
	has "$W/.cordon.json:1:" "nested deeper than"
}

@test "sandbox policy and cordon policy print one format, off and in a live session" {
	[ -x "$CORDON" ] || skip "cordon not built"
	"$CORDON" policy >cordon.txt && "$CORDON" policy --json >cordon.json
	run sb 'sandbox policy | tail -n +2 | diff - cordon.txt && echo same-text
		sandbox policy --json | diff - cordon.json && echo same-json'
	status_is 0
	has same-text same-json
	run sb 'sandbox on --allow-host 127.0.0.2 >/dev/null 2>&1 || exit 9
		sandbox allow-host live.example.test >/dev/null 2>&1; sandbox policy'
	status_is 0
	has "network:" "  allowed hosts:       127.0.0.2, live.example.test" "  writable:            $W"
	lacks "sandbox off"
}

@test "sandbox status says how many connections the proxy holds: its fd limit is raised, the shell's is not" {
	local hard want
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 512 ] ||
		skip "hard RLIMIT_NOFILE $hard: no room above the soft limit to raise it to"
	# The hard limit, at most 65536, less 64 spare fds, six per connection (proxy.h).
	want=$("$PY" -c 'import sys; h = sys.argv[1]
h = 65536 if h == "unlimited" else min(int(h), 65536); print((h - 64) // 6)' "$hard")
	run sb 'ulimit -Sn 256; sandbox on || exit 9; sandbox status; sandbox status --json
		echo "shell soft limit: $(ulimit -Sn)"'
	status_is 0
	has "proxy: up to $want connections at once" "\"proxy_max_connections\":$want}" \
		"shell soft limit: 256"
	# control: soft 256 alone would give (256 - 64) / 6 = 32
	lacks "up to 32 connections"
}

@test "Capabilities are all zero and NoNewPrivs is set in the confined shell" {
	run sb 'sandbox on || exit 9; grep -E "^(Cap(Eff|Prm|Inh|Bnd|Amb)|NoNewPrivs|Seccomp):" /proc/$$/status'
	status_is 0
	has "CapEff:	0000000000000000" "CapBnd:	0000000000000000" "NoNewPrivs:	1" "Seccomp:	2"
}

# --- refusals (each with its positive control in the same shell) -----------------------------------

@test "sandbox on is refused in ( ), \$( ) and a pipeline; the shell itself then succeeds" {
	run sb '( sandbox on --no-exit ); echo "sub=$?"
		x=$(sandbox on --no-exit 2>&1); echo "subst=[$x]"
		sandbox on --no-exit | cat; echo "pipe='"$PIPE_FIRST"'"
		echo still > "$HOME/still-writable" && echo unchanged
		sandbox on && echo top-level-ok'
	status_is 0
	has "sub=1" "subst=[sandbox: on: refused" "pipe=1" "unchanged" "top-level-ok"
	[ -f "$HOME/still-writable" ] || fail "refusal changed something"
}

@test "sandbox on is refused with an open directory fd, and works once it is closed" {
	run sb 'exec 9</; sandbox on --no-exit; echo "rc=$?"; cat /proc/self/fd/9/etc/hostname >/dev/null && echo dirfd-open
		exec 9<&-; sandbox on && echo on-ok'
	has "fd 9: directory /" 'exec 9>&-' "rc=1" "on-ok"
}

@test "sandbox on is refused with a write fd outside the policy; a write fd in cwd is fine" {
	run sb 'exec 7>'"$T/outside/log"'; sandbox on --no-exit; echo "rc=$?"; exec 7>&-
		exec 6>"$PWD/ok.log"; sandbox on && echo on-ok'
	has "fd 7: write fd to a file outside the writable trees $T/outside/log" "rc=1" "on-ok"
}

@test "sandbox on is refused with an open socket, and works once it is closed" {
	run sb "${OPEN_SOCKET//@FD@/8}"' || exit 9
		sandbox on --no-exit; echo "rc=$?"; exec 8<&-; sandbox on && echo on-ok'
	has "fd 8: socket" "rc=1" "on-ok"
}

@test "sandbox on is refused with a live background job or coproc, and works once they end" {
	run sb 'sleep 30 & sandbox on --no-exit; echo "job=$?"; kill %1; wait
		coproc cat; sandbox on --no-exit; echo "coproc=$?"; kill $!; wait
		sandbox on && echo on-ok'
	has "background jobs or coprocs are alive" "job=1" "coproc=1" "on-ok"
}

@test "a script whose sandbox on fails ends with 125 there, EXIT trap run; --no-exit goes on" {
	# the failure: a write fd outside the policy (refused before anything changes)
	run sb 'trap "echo exit-trap-ran" EXIT; exec 7>'"$T/outside/log"'
		sandbox on; echo "went on unconfined" >'"$T/outside/after"
	status_is 125
	has "non-interactive shell ends now with status 125" "exit-trap-ran"
	lacks "went on unconfined"
	[ ! -e "$T/outside/after" ] || fail "the script went on unconfined"
	# control: --no-exit returns 1 and the script goes on
	run sb 'exec 7>'"$T/outside/log"'; sandbox on --no-exit; echo "rc=$?"'
	status_is 0
	has "rc=1"
	# and a script whose sandbox on succeeds goes on confined
	run sb 'sandbox on 2>/dev/null; echo on-rc=$?'
	has "on-rc=0"
}

# --- the live allowlist --------------------------------------------------------------------------

@test "allow-host makes a host reachable without restarting; deny-host makes it unreachable" {
	URL=http://127.0.0.2:$HOST_PORT/index.html
	run curl -sS -m 10 --noproxy '*' "$URL"
	has cordon-bash-test-host # control: the host answers outside
	run sb 'sandbox on || exit 9
		curl -fsS -m 10 "'"$URL"'" || echo before-denied
		sandbox allow-host 127.0.0.2; sandbox hosts
		curl -fsS -m 10 "'"$URL"'" && echo after-allowed
		sandbox deny-host 127.0.0.2; sandbox hosts
		curl -fsS -m 10 "'"$URL"'" || echo after-denied'
	has before-denied "allowed hosts: 127.0.0.2" "cordon-bash-test-host" after-allowed \
		"denied hosts: 127.0.0.2" after-denied
}

@test "a last command the shell execs in place keeps the network; the session ends with it" {
	URL=http://127.0.0.2:$HOST_PORT/index.html
	# bash -c and zsh -c exec their last simple command in the shell's own process, closing the
	# control fd.
	run sb 'sandbox on --allow-host 127.0.0.2 || exit 9
		sandbox status --json > st.json
		curl -fsS -m 10 "'"$URL"'"'
	status_is 0
	has cordon-bash-test-host
	spid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_pid"])' "$W/st.json")
	for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$spid" 2>/dev/null || fail "session process $spid outlived the exec'd command"
}

@test "allow-host with an invalid pattern is refused and changes nothing" {
	run sb 'sandbox on || exit 9; sandbox allow-host "*.com"; echo "rc=$?"; sandbox hosts'
	has "rc=1" "allowed hosts: none"
}

@test "with --lock, allow-host only files a request; a child shell has no channel at all" {
	run sb 'sandbox on --lock || exit 9
		sandbox allow-host 127.0.0.2; echo "rc=$?"
		sandbox hosts
		'"$SUT"' -c "'"$LOAD"'; sandbox allow-host 127.0.0.2; echo child=\$?"'
	has "locked" "cordon approve " "rc=1" "allowed hosts: none" "waiting for approval: 127.0.0.2" \
		"holds no control channel" "child=1"
}

@test "cordon approve from outside grants a locked session's request; from inside it cannot" {
	URL=http://127.0.0.2:$HOST_PORT/index.html
	mkdir -p "$T/bin" && cp "$CORDON" "$T/bin/cordon" && chmod -R a+rX "$T/bin"
	# The shell files the request, tries to approve it itself (with the same cordon binary, which
	# it can run), then waits for the person outside; curl works only after the approval.
	sb 'sandbox on --lock || exit 9
		sandbox allow-host 127.0.0.2
		"'"$T/bin/cordon"'" approve "$CORDON_SESSION" 127.0.0.2 && echo inside-approve-worked
		sandbox hosts
		curl -fsS -m 10 "'"$URL"'" >/dev/null || echo curl-before-denied
		echo "$CORDON_SESSION" > sid
		for i in $(seq 200); do [ -e approved ] && break; sleep 0.05; done
		sandbox hosts
		curl -fsS -m 10 "'"$URL"'" && echo curl-after-ok' >"$T/out" &
	for _ in $(seq 200); do [ -s "$W/sid" ] && break; sleep 0.05; done
	[ -s "$W/sid" ] || fail "the confined shell did not start: $(cat "$T/out")"
	sid=$(cat "$W/sid")
	run timeout 10 "$CORDON" approve --pending "$sid"
	status_is 0
	has '"127.0.0.2"'
	run timeout 10 "$CORDON" approve "$sid" 127.0.0.2
	touch "$W/approved"
	wait
	status_is 0
	has "approved"
	run cat "$T/out"
	lacks inside-approve-worked
	has "approval: socket: Operation not permitted" "allowed hosts: none" curl-before-denied "allowed hosts: 127.0.0.2" \
		cordon-bash-test-host curl-after-ok
	# The approval socket is gone with the session.
	for _ in $(seq 100); do
		timeout 5 "$CORDON" approve "$sid" 127.0.0.2 2>/dev/null || break
		sleep 0.05
	done
	run timeout 5 "$CORDON" approve "$sid" 127.0.0.2
	status_is 1
	has "no running session"
}

@test "an unlocked session has no approval socket" {
	sb 'sandbox on || exit 9
		echo "$CORDON_SESSION" > sid
		for i in $(seq 200); do [ -e done ] && break; sleep 0.05; done' >"$T/out" &
	for _ in $(seq 200); do [ -s "$W/sid" ] && break; sleep 0.05; done
	[ -s "$W/sid" ] || fail "the confined shell did not start: $(cat "$T/out")"
	run timeout 10 "$CORDON" approve "$(cat "$W/sid")" 127.0.0.2
	touch "$W/done"
	wait
	status_is 1
	has "no running session"
}

# --- the violation log ---------------------------------------------------------------------------

# follow_script FLAGS: a script for sb that starts following the log (`sandbox log -f FLAGS`) in a
# fresh session, whose log does not exist yet; a job started after `sandbox on` then makes two
# refused requests, one at a time, checks that each entry shows in the follow's output while the
# follow still runs (the shell has not reached the line after it), and ends it with SIGINT, as
# Ctrl-C would.
follow_script() {
	cat <<-EOF
		sandbox on || exit 9
		LOG=\$HOME/.local/state/cordon/sessions/\$CORDON_SESSION.log
		[ -e "\$LOG" ] || echo log-absent-at-start
		echo "\$LOG" > logpath
		( sleep 0.5
		  for h in first second; do
		    curl -sS -m 10 http://\$h.test:$HOST_PORT/ >/dev/null 2>&1
		    for i in \$(seq 100); do grep -q "\$h.test" follow.out && break; sleep 0.1; done
		    grep -q "\$h.test" follow.out && [ ! -e after ] && echo "\$h-while-following" >> seen
		  done
		  kill -INT \$\$ ) &
		sandbox log -f $1 > follow.out
		echo "follow-rc=\$?" > after
	EOF
}

@test "sandbox log -f prints each refusal as it is logged, from a log that did not exist yet" {
	run sb "$(follow_script)"
	# SIGINT ends the follow, and then the non-interactive shell itself, as for `tail -f`
	status_is 130
	has log-absent-at-start
	[ -f "$(cat "$W/logpath")" ] || fail "no log at $(cat "$W/logpath") (the path checked above)"
	run cat "$W/seen"
	has first-while-following second-while-following
	run cat "$W/follow.out"
	has "first.test:$HOST_PORT  not on the allowlist  (http, pid " \
		"second.test:$HOST_PORT  not on the allowlist  (http, pid "
	[ "${#lines[@]}" -eq 2 ] || fail "expected 2 lines: $output"
	[[ "${lines[0]}" == 20[0-9][0-9]-*"  first.test:"* ]] || fail "first line: ${lines[0]}"
	# control: plain `sandbox log` prints the same entries and returns at once
	run sb 'sandbox on || exit 9
		curl -sS -m 10 http://third.test:'"$HOST_PORT"'/ >/dev/null 2>&1
		sandbox log; echo "log-rc=$?"'
	has "third.test:$HOST_PORT  not on the allowlist  (http" "log-rc=0"
}

@test "sandbox log -f --json prints one JSON object per line, flushed as each is logged" {
	run sb "$(follow_script --json)"
	status_is 130
	run cat "$W/seen"
	has first-while-following second-while-following
	run cat "$W/follow.out"
	[ "${#lines[@]}" -eq 2 ] || fail "expected 2 lines: $output"
	"$PY" -c 'import json, sys
hosts = [json.loads(l)["host"] for l in open(sys.argv[1])]
assert hosts == ["first.test", "second.test"], hosts' "$W/follow.out" ||
		fail "not one JSON object per line: $output"
}

@test "a trap on SIGINT runs, and SIGINT still ends sandbox log -f" {
	run sb "$TRAP_INT
$(follow_script)"
	[ "$status" -ne 124 ] || fail "sandbox log -f did not end: $output"
	has trapped-int
	run cat "$W/seen"
	has first-while-following second-while-following
}

@test "sandbox log -f ends when the session process does; -f is refused on other verbs and off" {
	sb 'sandbox on || exit 9
		sandbox status --json > st.json
		sandbox log -f; echo "follow-rc=$?"' >"$T/out" &
	for _ in $(seq 200); do [ -s "$W/st.json" ] && break; sleep 0.05; done
	spid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_pid"])' "$W/st.json")
	sleep 0.5
	grep -q follow-rc "$T/out" && fail "follow ended by itself: $(cat "$T/out")"
	kill "$spid"
	for _ in $(seq 200); do grep -q follow-rc "$T/out" && break; sleep 0.05; done
	output=$(cat "$T/out")
	has "log -f: the session process ended" "follow-rc=1"
	wait
	run sb 'sandbox log -f; echo "off-rc=$?"; sandbox status -f; echo "status-f=$?"'
	has "the sandbox is off: nothing to follow" "off-rc=1" 'unknown option "-f"' "status-f=2"
}

# --- what a child of the confined shell cannot do --------------------------------------------------

# PARENT_PROBE: a child of the shell tries what would reach the shell's control fd:
# /proc/$PPID/mem, /proc/$PPID/environ, /proc/$PPID/fd/FD for each argument, and PTRACE_SEIZE
# (no stop, so a successful control leaves the shell running). One line per attempt, with errno.
PARENT_PROBE='import ctypes, os, sys
pp = os.getppid()
def tryit(name, f):
    try:
        f(); print(name + "-ok")
    except OSError as e: print(name + "-refused", e.errno)
def mem():
    m = open("/proc/%d/maps" % pp).readline().split()[0].split("-")[0]
    with open("/proc/%d/mem" % pp, "rb") as f:
        f.seek(int(m, 16)); f.read(16)
tryit("mem", mem)
tryit("environ", lambda: open("/proc/%d/environ" % pp, "rb").read())
for fd in sys.argv[1:]:
    tryit("fd" + fd, lambda: os.readlink("/proc/%d/fd/%s" % (pp, fd)))
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
if libc.ptrace(0x4206, pp, None, None) == 0:  # PTRACE_SEIZE
    print("ptrace-ok")
else:
    print("ptrace-refused", ctypes.get_errno())'

@test "a child cannot ptrace the shell nor read its mem, environ or control fd (it can before on)" {
	printf '%s\n' "$PARENT_PROBE" >"$T/lib/parent_probe.py"
	# Positive control: the same child of an unconfined shell reaches all of it (fd 5: a socket
	# the shell holds, as it will hold the control fd).
	run sb "${OPEN_SOCKET//@FD@/5}"' || exit 9
		'"$PY"' "$BASH_LOADABLES_PATH/parent_probe.py" 5; echo probe-done'
	has mem-ok environ-ok fd5-ok ptrace-ok
	run sb 'sandbox on || exit 9
		ctl=; for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -ge 100 ] && [ -S "$f" ] && ctl=$n; done
		echo "ctl=${ctl:-none}"
		'"$PY"' "$BASH_LOADABLES_PATH/parent_probe.py" "$ctl" 0; echo probe-done'
	has "mem-refused 13" "environ-refused 13" "fd0-refused 13" "ptrace-refused 1"
	lacks "ctl=none"
	ctl=$(sed -n 's/^ctl=//p' <<<"$output")
	has "fd$ctl-refused 13"
	lacks -ok
}

@test "the shell's own file creations and a child's redirections work after on; mandatory denies hold" {
	run sb 'sandbox on || exit 9
		echo x > f && echo own-ok
		ls > out.txt && echo child-redirect-ok
		( echo y > g ) && echo subshell-ok
		cat <<EOF > h
heredoc-body
EOF
		echo "heredoc-rc=$?"
		echo x > .mcp.json || echo mcp-refused
		echo x >> ~/.bashrc || echo bashrc-refused
		sh -c "echo z > .envrc" || echo envrc-refused'
	status_is 0
	has own-ok child-redirect-ok subshell-ok heredoc-rc=0 mcp-refused bashrc-refused envrc-refused
	lacks "Bad address"
	[ "$(cat "$W/f")" = x ] && [ "$(cat "$W/g")" = y ] && [ "$(cat "$W/h")" = heredoc-body ] ||
		fail "files not written as expected"
	grep -qx 'f' "$W/out.txt" || fail "ls > out.txt: $(cat "$W/out.txt")"
	[ ! -e "$W/.mcp.json" ] && [ ! -e "$HOME/.bashrc" ] && [ ! -e "$W/.envrc" ] ||
		fail "a mandatory deny was created"
	# Positive control: without the sandbox the same names can be created.
	run sb 'echo x > .mcp.json && echo x >> ~/.bashrc && echo unconfined-ok'
	has unconfined-ok
}

@test "sandbox log shows a refused write to .mcp.json; before it the session has no log file" {
	run sb 'sandbox on || exit 9
		sandbox log
		echo "files=$(ls "$HOME/.local/state/cordon/sessions" 2>/dev/null | wc -l)"
		echo ok > fine.txt && echo fine-ok
		echo x >> .mcp.json || echo mcp-refused
		sandbox log
		sandbox log --json'
	status_is 0
	has "no violations logged" "files=0" fine-ok mcp-refused \
		"write refused  $W/.mcp.json  (open" '"proto":"write"' "\"path\":\"$W/.mcp.json\""
	lacks fine.txt
	[ ! -e "$W/.mcp.json" ] || fail ".mcp.json was created"
	# positive control: unconfined, the same append succeeds
	run sb 'echo x >> .mcp.json && echo unconfined-ok'
	has unconfined-ok
}

@test "sandbox log shows control bytes of a SOCKS5 host name escaped, never raw to the terminal" {
	# A confined process names any bytes as a SOCKS5 host; the refusal is logged with them.
	cp "$HOSTS_SRC/socks5_raw.py" "$T/socks.py"
	chmod a+r "$T/socks.py"
	run sb 'sandbox on || exit 9
		'"$PY"' '"$T"'/socks.py '"'"'evil\x1b]0;PWNED\x07\x1b[31m.test'"'"'
		sandbox log > log.txt; sandbox log --json > log.json; echo done'
	has done
	# control: the entry is there, its bytes as JSON escapes
	grep -qF 'evil\u001b]0;PWNED\u0007\u001b[31m.test' "$W/log.json" ||
		fail "no such entry: $(cat "$W/log.json")"
	grep -qF 'evil\x1b]0;PWNED\x07\x1b[31m.test' "$W/log.txt" ||
		fail "not escaped: $(od -c "$W/log.txt" | head)"
	! LC_ALL=C grep -q "$(printf '[\033\007]')" "$W/log.txt" ||
		fail "raw control bytes: $(od -c "$W/log.txt" | head)"
}

@test "sandbox log in a pipeline, \$( ) or a child shell reads the session's log file" {
	run sb 'sandbox on || exit 9
		curl -sS -m 10 http://piped.test:'"$HOST_PORT"'/ >/dev/null 2>&1
		echo "--- top"; sandbox log
		echo "--- pipe"; sandbox log | cat; echo "pipe=$?"
		echo "--- subst"; echo "$(sandbox log --json)"
		echo "--- child"; '"$SUT"' -c "'"$LOAD"'; sandbox log; echo child=\$?"
		echo "--- hosts"; sandbox hosts | cat'
	status_is 0
	[ "$(grep -c "piped.test:$HOST_PORT  not on the allowlist" <<<"$output")" -eq 3 ] ||
		fail "expected the entry from the shell, the pipeline and the child: $output"
	has "pipe=0" "child=0" '"host":"piped.test"'
	# control: verbs that need the channel still say where to run them
	has "hosts: this is a forked copy of the confined shell"
}

@test "SIGCHLD is blocked while a verb runs and unblocked after it (the shell cannot reap its children)" {
	# The shell reaps children with waitpid(-1) from its SIGCHLD handler: while a verb runs, it
	# must not take the children the verb waits for (the kernel probe's, which once made
	# `sandbox on` leave a layer out at random). The shell's own mask is read with builtins
	# only (a shell blocks SIGCHLD itself while it waits for a command it forked).
	run sb "$TRAP_INT
		mask() { while read -r k v; do [ \"\$k\" = SigBlk: ] && echo \"\$v\"; done < /proc/\$\$/status; }
		mask > blk.off
		sandbox on || exit 9
		mask > blk.on
		sandbox status > /dev/null
		mask > blk.after
		( sleep 0.5; grep '^SigBlk' /proc/\$\$/status > blk.during; kill -INT \$\$ ) &
		sandbox log -f > /dev/null"
	has trapped-int
	local off on after during
	off=$(cat "$W/blk.off") && on=$(cat "$W/blk.on") && after=$(cat "$W/blk.after") &&
		during=$(awk '{print $2}' "$W/blk.during") || fail "masks missing: $output"
	# SIGCHLD is signal 17: bit 16 of the SigBlk mask (proc(5))
	(( (0x$during >> 16) & 1 )) || fail "SIGCHLD not blocked during the verb: $during"
	(( !((0x$after >> 16) & 1) )) || fail "SIGCHLD still blocked after a verb: $after"
	[ "$on" = "$off" ] && [ "$after" = "$off" ] ||
		fail "the shell's mask changed: off $off, after on $on, after status $after"
}

@test "a subshell of the confined shell has no control channel; the shell itself keeps it" {
	run sb 'sandbox on || exit 9
		( sandbox allow-host 127.0.0.2; echo "sub=$?" )
		echo "subst=$(sandbox allow-host 127.0.0.2 2>&1; echo rc=$?)"
		sandbox hosts
		sandbox allow-host 127.0.0.2 && echo top-ok'
	has "sub=1" "rc=1" "forked copy of the confined shell" "allowed hosts: none" top-ok
}

@test "unloading the builtin after on keeps children out of the shell (the object stays loaded)" {
	[ "${SUT:-bash}" = bash ] || skip "enable -d is bash's way to unload a builtin"
	printf '%s\n' "$PARENT_PROBE" >"$T/lib/parent_probe.py"
	run sb 'sandbox on || exit 9
		enable -d sandbox; echo "unload=$?"
		'"$PY"' "$BASH_LOADABLES_PATH/parent_probe.py"; echo probe-done'
	has "mem-refused 13" "environ-refused 13" "ptrace-refused 1" probe-done
	lacks -ok
}

@test "jobs can still signal each other after on (each child's domain nests below the shell's)" {
	run sb 'sandbox on || exit 9
		sleep 30 & /bin/kill $! && echo sibling-kill-ok; wait'
	has sibling-kill-ok
}

@test "a child cannot push input into the terminal with TIOCSTI (it can before on)" {
	probe='import fcntl, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"#"); print("sti-ok")
except OSError as e: print("sti-refused", e.errno)'
	inner="$LOAD; $PY -c '$probe'; sandbox on || exit 9; $PY -c '$probe'"
	INNER=$inner run timeout 60 script -qec "$SUT"' -c "$INNER"' /dev/null </dev/null 3>&- 4>&-
	has sti-ok sti-refused
}

@test "a child cannot kill the session process" {
	run sb 'sandbox on || exit 9
		sandbox status --json > st.json
		spid=$('"$PY"' -c "import json,sys; print(json.load(sys.stdin)[\"session_pid\"])" < st.json)
		echo "spid=${spid:-none}"
		/bin/kill -9 "$spid" 2>/dev/null && echo killed || echo kill-refused
		kill -9 "$spid" 2>/dev/null && echo killed || echo builtin-kill-refused
		sandbox hosts >/dev/null && echo session-alive'
	has kill-refused builtin-kill-refused session-alive
	lacks spid=none
	lacks killed
}

@test "after the shell exits no process of the session remains" {
	run sb 'sandbox on || exit 9
		sandbox status --json > st.json
		'"$PY"' -c "import json,sys; print(\"SPID\", json.load(sys.stdin)[\"session_pid\"])" < st.json
		readlink /proc/self/ns/user | sed "s/^/USERNS /"'
	has SPID USERNS
	spid=$(awk '$1 == "SPID" {print $2}' <<<"$output")
	ns=$(awk '$1 == "USERNS" {print $2}' <<<"$output")
	for _ in $(seq 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$spid" 2>/dev/null || fail "session process $spid still alive"
	# The builder and guard die with the session process (PR_SET_PDEATHSIG), which the kernel
	# delivers asynchronously: allow them a few seconds.
	for _ in $(seq 100); do
		left=$(for p in /proc/[0-9]*; do
			if [ "$(readlink "$p/ns/user" 2>/dev/null)" = "$ns" ]; then echo "${p#/proc/}"; fi
		done)
		[ -z "$left" ] && break
		sleep 0.05
	done
	[ -z "$left" ] || fail "processes left in the session's user namespace: $left"
}
