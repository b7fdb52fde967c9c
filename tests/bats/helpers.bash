# helpers.bash — the one helper library of the bats suites (`load helpers` at the top of a file):
# where the build, the probes and the test hosts are, the temp root, assertions, waits, the
# per-test layout of the end-to-end suites, the local test hosts (tests/hosts/), interactive shells
# under tmux and the proxy harness. A suite keeps only what is its own.
#
# Layout of one test (e2e_setup):  $T/home (HOME)  $T/home/proj (cwd, $W)  $T/outside (writable
# by file mode, outside the policy: the sandbox, not the mode, must refuse writes there).
# Test hosts (hosts_start, from setup_file): allowed.test → 127.0.0.2 (HTTP $HTTP_PORT, HTTPS
# $HTTPS_PORT), evil.test → 127.0.0.3 ($EVIL_PORT), rebind.test → 127.0.0.1 ($LOCAL_PORT); names
# come from $CORDON_TEST_HOSTS_FILE, which the session process reads instead of DNS.

# Files a confined command must run or read (probes, the proxy client, the test CA) are copied
# out of the checkout into $SUITE_DIR under the temp root by suite_setup: the checkout may sit
# under /tmp (or a directory uid 65534 cannot enter), and a confined command sees a private /tmp.

CORDON_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORDON=${CORDON_BIN:-$CORDON_TOP/build/cordon}
TOOLS=${CORDON_TOOLS:-$CORDON_TOP/build/tests/tools}
BASH_BUILTIN_DIR=${CORDON_BASH_BUILTIN_DIR:-$CORDON_TOP/build/bash-builtin}
ZSH_MODULE_DIR=${CORDON_ZSH_MODULE_DIR:-$CORDON_TOP/build/zsh-module}
HOSTS_SRC=$CORDON_TOP/tests/hosts
# The one temp root: every directory a test makes is test_tmpdir's, under it. Not /tmp: a confined
# command sees a private /tmp (tests of the private /tmp itself ask test_tmpdir for /tmp).
WORK_ROOT=${CORDON_TEST_ROOT:-/var/tmp}
PY=/usr/bin/python3
AS=${CORDON_TEST_AS:-$([ "$(id -u)" = 0 ] && echo root || echo nobody)}

# The suites must not inherit a proxy from the machine running them, nor a git identity.
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy
unset CORDON_SESSION SANDBOX_RUNTIME XDG_CONFIG_HOME XDG_STATE_HOME XDG_RUNTIME_DIR
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=cordon-test GIT_AUTHOR_EMAIL=test@cordon.invalid
export GIT_COMMITTER_NAME=cordon-test GIT_COMMITTER_EMAIL=test@cordon.invalid

# Every cordon run and every network call is bounded (CI has one budget for everything).
RUN_TIMEOUT=${CORDON_TEST_TIMEOUT:-60}
CURL=(curl -sS -m 10)

require_cordon() {
	[ -x "$CORDON" ] || fail "cordon binary not found at $CORDON (run make)"
}

# test_tmpdir [--tmp] NAME: print a fresh directory $WORK_ROOT/cordon-NAME.XXXXXX, mode 755 (uid
# 65534 and a confined command must reach it); with --tmp under /tmp instead, for a test of what
# the private /tmp hides or keeps. The caller removes it (rm_tmpdir).
test_tmpdir() {
	local d root=$WORK_ROOT
	[ "$1" = --tmp ] && root=/tmp && shift
	d=$(mktemp -d "$root/cordon-$1.XXXXXX") || return 1
	chmod 755 "$d"
	echo "$d"
}

# rm_tmpdir DIR: remove a test_tmpdir, including what a test made unreadable or unwritable.
rm_tmpdir() {
	[ -n "${1:-}" ] && [ -d "$1" ] || return 0
	chmod -R u+rwX "$1" 2>/dev/null || true
	rm -rf "$1" || true
}

# --- assertions on bats' $output and $status (bats 1.8 has no bats-assert here) ---------------

# fail MESSAGE: end the test with a message.
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# assert_output_has STRING... / assert_output_lacks STRING: substring checks on $output.
assert_output_has() {
	local s
	for s in "$@"; do
		[[ "$output" == *"$s"* ]] || fail "output lacks \"$s\": $output" || return 1
	done
}
assert_output_lacks() {
	[[ "$output" != *"$1"* ]] || fail "output has \"$1\": $output"
}

# assert_status N: $status is N.
assert_status() {
	[ "$status" -eq "$1" ] || fail "status $status, expected $1; output: $output"
}

# has / lacks / status_is: the same, under the short names the shell suites use.
has() {
	assert_output_has "$@"
}
lacks() {
	assert_output_lacks "$@"
}
status_is() {
	assert_status "$@"
}

# --- waits (polling, no fixed sleeps) ------------------------------------------------------------

# wait_for PATH [SECONDS]: poll until PATH exists (default 10 s); 1 on timeout.
wait_for() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_file FILE [SECONDS]: poll until FILE exists and is not empty (default 5 s).
wait_file() {
	local i n=$((${2:-5} * 20))
	for ((i = 0; i < n; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_gone PID [SECONDS]: poll until PID no longer exists.
wait_gone() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# userns_left NS [SECONDS]: wait up to SECONDS (default 5) until no process is in the user
# namespace NS (as readlink /proc/PID/ns/user prints it); print those still there and fail if any.
# A session's builder and guard die by PR_SET_PDEATHSIG, which the kernel delivers asynchronously.
userns_left() {
	local i left n=$((${2:-5} * 20))
	for ((i = 0; i < n; i++)); do
		left=$(for p in /proc/[0-9]*; do
			[ "$(readlink "$p/ns/user" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
		done)
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	echo "$left"
	return 1
}

# --- the end-to-end layout -----------------------------------------------------------------------

# e2e_setup: fresh $T, $HOME, $W (cwd) and $OUT for one test.
e2e_setup() {
	require_cordon
	T=$(test_tmpdir e2e) || return 1
	mkdir -p "$T/home/proj" "$T/outside"
	W=$T/home/proj
	OUT=$T/outside
	TEST_HOME=$T/home
	cd "$W" || return 1
}

e2e_teardown() {
	# a tracked pid is usually `timeout`: its child cordon would survive the kill of its parent
	[ -f "${T:-}/pids" ] && kill_tree $(cat "$T/pids")
	kill_jobs
	cd / || true
	rm_tmpdir "${T:-}"
}

# e2e_hooks [--hosts]: the bats hooks of an end-to-end file: suite_setup (then hosts_start with
# --hosts) once per file, e2e_setup per test, and their teardowns. Call it at the top of the file,
# after `load helpers`; a file that needs more in one hook defines that hook itself after the call.
e2e_hooks() {
	if [ "${1:-}" = --hosts ]; then
		setup_file() {
			suite_setup
			hosts_start
		}
	else
		setup_file() {
			suite_setup
		}
	fi
	teardown_file() {
		suite_teardown
	}
	setup() {
		e2e_setup
	}
	teardown() {
		e2e_teardown
	}
}

# crun ARGS...: `cordon run ARGS...` in the current directory with the test's HOME, no stdin,
# bounded by $RUN_TIMEOUT. Use as `run crun --allow-host h -- cmd`.
crun() {
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" run "$@" </dev/null 3>&-
}

# crun_sh SCRIPT [ARGS]: crun of `sh -c SCRIPT` (policy flags go before, via CRUN_FLAGS array).
crun_sh() {
	local s=$1
	shift
	crun "${CRUN_FLAGS[@]}" -- /bin/sh -c "$s" sh "$@"
}

# host_sh SCRIPT: the same script unconfined (the positive control), same HOME and cwd.
host_sh() {
	local s=$1
	shift
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" /bin/sh -c "$s" sh "$@" </dev/null 3>&-
}

# cordon_cmd ARGS: another cordon verb (log, policy, check) with the test's HOME.
cordon_cmd() {
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" "$@" </dev/null 3>&-
}

# kill_tree PID...: SIGKILL each PID and every process below it. Each is stopped first, so that
# it forks nothing more and its children stay its own (not re-parented) while they are found.
kill_tree() {
	local p c
	for p in "$@"; do
		kill -STOP "$p" 2>/dev/null || continue
		for c in $(pgrep -P "$p"); do
			kill_tree "$c"
		done
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# kill_jobs: kill_tree every background job the test started and did not wait for (from a
# teardown: a job that is a function or a subshell is not the process that runs the command).
kill_jobs() {
	local j
	j=$(jobs -p)
	[ -z "$j" ] || kill_tree $j
}

# track PID: kill it (and what runs below it) in teardown if the test left it behind.
track() {
	echo "$1" >>"$T/pids"
}

# listing DIR [REGEX]: every path under DIR (hidden ones too) as ./path, one per line, sorted,
# without those matching the extended REGEX.
listing() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | awk -v re="${2:-^$}" '$0 !~ re')
}

# git_repo DIR: a repository with one commit, hooks dir and config present (git init makes them).
git_repo() {
	git -c init.defaultBranch=main init -q "$1" && git -C "$1" commit -q --allow-empty -m init
}

# npm_registry: REGISTRY_URL and REGISTRY_HOST from `npm config get registry` (with HOME
# $TEST_HOME when set), read at run time, never a name written in the suites; REGISTRY_SKIP is
# empty, or says why npm cannot be exercised on this machine (no npm, no URL, registry unreachable).
npm_registry() {
	REGISTRY_SKIP= REGISTRY_URL= REGISTRY_HOST=
	if ! command -v npm >/dev/null; then
		REGISTRY_SKIP="npm is not installed"
		return 0
	fi
	REGISTRY_URL=$(HOME="${TEST_HOME:-$HOME}" timeout 30 npm config get registry 2>/dev/null)
	REGISTRY_HOST=$(printf '%s\n' "$REGISTRY_URL" | sed -E 's#^[a-z]+://([^/:@]*@)?([^/:]+).*#\2#')
	if [ -z "$REGISTRY_HOST" ] || [ "$REGISTRY_HOST" = "$REGISTRY_URL" ]; then
		REGISTRY_SKIP="npm config get registry gave no usable URL: \"$REGISTRY_URL\""
	elif ! "${CURL[@]}" -o /dev/null "${REGISTRY_URL%/}/is-number" 2>/dev/null; then
		REGISTRY_SKIP="the registry $REGISTRY_HOST is unreachable from this machine"
	fi
	return 0
}

# --- per-suite files and local test hosts ------------------------------------------------------

# suite_setup: $SUITE_DIR/bin with the probes (tests/tools/probe-*: $PROBE is probe-e2e-attacks,
# $BIN/probe-io-uring ...) and proxyclient.py ($PROXYCLIENT). Call from setup_file; suite_teardown
# from teardown_file.
suite_setup() {
	local t
	SUITE_DIR=$(test_tmpdir suite) || return 1
	BIN=$SUITE_DIR/bin
	mkdir -p "$BIN"
	cp "$HOSTS_SRC/proxyclient.py" "$HOSTS_SRC/socks5_raw.py" "$HOSTS_SRC/HttpGet.java" "$BIN/"
	for t in "$TOOLS"/probe-*; do
		[ -x "$t" ] && cp "$t" "$BIN/"
	done
	PROBE=$BIN/probe-e2e-attacks
	PROXYCLIENT=$BIN/proxyclient.py
	export SUITE_DIR BIN PROBE PROXYCLIENT
}

# need_probe NAME...: fail unless the probes tests/tools/NAME.c were built.
need_probe() {
	local p
	for p in "$@"; do
		[ -x "$BIN/$p" ] || fail "probe $p not built (tests/tools/$p.c, make tools)" || return 1
	done
}

suite_teardown() {
	hosts_stop
	rm_tmpdir "${SUITE_DIR:-}"
}

# hosts_start: TLS certificate, hosts file and the python servers; exports what the tests need.
# Call from setup_file after suite_setup.
hosts_start() {
	HOSTS_DIR=$SUITE_DIR/hosts
	mkdir -p "$HOSTS_DIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=allowed.test -addext subjectAltName=DNS:allowed.test,DNS:rebind.test \
		-keyout "$HOSTS_DIR/key.pem" -out "$HOSTS_DIR/cert.pem" 2>/dev/null ||
		fail "openssl could not make the test certificate" || return 1
	printf '%s\n' '127.0.0.2 allowed.test' '127.0.0.3 evil.test' '127.0.0.1 rebind.test' \
		>"$HOSTS_DIR/hosts"
	serve_start "$HOSTS_DIR" allowed=127.0.0.2 allowed_tls=127.0.0.2:tls evil=127.0.0.3 \
		local=127.0.0.1 || return 1
	HOSTS_PID=$SERVE_PID
	HTTP_PORT=$(serve_port "$HOSTS_DIR" allowed)
	HTTPS_PORT=$(serve_port "$HOSTS_DIR" allowed_tls)
	EVIL_PORT=$(serve_port "$HOSTS_DIR" evil)
	LOCAL_PORT=$(serve_port "$HOSTS_DIR" local)
	CACERT=$HOSTS_DIR/cert.pem
	CORDON_TEST_HOSTS_FILE=$HOSTS_DIR/hosts
	export HOSTS_DIR HOSTS_PID HTTP_PORT HTTPS_PORT EVIL_PORT LOCAL_PORT CACERT
	export CORDON_TEST_HOSTS_FILE
}

hosts_stop() {
	serve_stop "${HOSTS_PID:-}"
}

# reached NAME: the number of requests the test host NAME has received so far.
reached() {
	wc -l <"$HOSTS_DIR/$1.log"
}

# serve_start DIR NAME=ADDR[:tls]...: tests/hosts/serve.py with those listeners in the background
# (HTTP, or TLS with DIR/cert.pem and DIR/key.pem; DIR is made if missing), once it has written
# DIR/ports; its pid in $SERVE_PID (a test tracks it, a file's teardown serve_stops it). Fails
# with the server's output when it did not start.
serve_start() {
	local d=$1
	shift
	mkdir -p "$d"
	"$PY" "$HOSTS_SRC/serve.py" "$d" "$@" </dev/null >"$d/serve.out" 2>&1 3>&- 4>&- &
	SERVE_PID=$!
	wait_for "$d/ports" 20 && return 0
	kill "$SERVE_PID" 2>/dev/null
	cat "$d/serve.out" >&2
	fail "test hosts $* did not start"
}

# serve_port DIR NAME: the port of serve.py's listener NAME.
serve_port() {
	awk -v n="$2" '$1 == n {print $2}' "$1/ports"
}

# serve_stop PID: end a serve_start server (nothing when PID is empty).
serve_stop() {
	[ -n "${1:-}" ] && kill "$1" 2>/dev/null && wait_gone "$1" 5
	return 0
}

# --- the local test host of the shell suites -----------------------------------------------------

# shell_host_start NAME BODY: an HTTP server on 127.0.0.2 (outside any sandbox) named BODY, whose
# every answer is "cordon-test-host BODY host=HOST path=PATH", from a fresh $HOST_DIR (prefix
# cordon-NAME-host) with $HOST_DIR/hosts naming it build.test for the proxy
# (CORDON_TEST_HOSTS_FILE). Exports HOST_DIR and HOST_PORT; call from setup_file, shell_host_stop
# from teardown_file.
shell_host_start() {
	HOST_DIR=$(test_tmpdir "$1-host") || return 1
	echo "127.0.0.2 build.test" >"$HOST_DIR/hosts"
	serve_start "$HOST_DIR" "$2=127.0.0.2" || return 1
	HOST_PID=$SERVE_PID
	HOST_PORT=$(serve_port "$HOST_DIR" "$2")
	export HOST_DIR HOST_PID HOST_PORT
}

shell_host_stop() {
	serve_stop "${HOST_PID:-}"
	rm_tmpdir "${HOST_DIR:-}"
}

# --- an interactive shell under tmux (its own server per test: tmux -L $SOCK) ------------------

# tmux_start COLS ROWS DIR COMMAND: a detached session of COLS x ROWS in DIR running COMMAND.
# tmux runs the pane's command with $SHELL, or else the passwd shell, which for uid 65534 is
# nologin: name a real shell so the test does not depend on the caller's environment. Every tmux
# call is bounded: a wedged server fails the test instead of hanging the run. The server's socket
# is made under $T (TMUX_TMPDIR, exported to the test's later tmux calls), so that it goes with the
# test's directory: tmux leaves it behind in /tmp/tmux-UID when its server ends.
tmux_start() {
	export TMUX_TMPDIR=${T:?tmux_start needs the test directory \$T}
	SHELL=/bin/sh timeout 10 tmux -L "$SOCK" -f /dev/null new-session -d -x "$1" -y "$2" \
		-c "$3" "$4" 3>&- 4>&-
}

# screen [ARGS]: the pane's text, wrapped lines joined (ARGS to capture-pane: -S - for all of the
# scrollback).
screen() {
	timeout 10 tmux -L "$SOCK" capture-pane -p -J "$@"
}

# wait_screen REGEX [SECONDS]: poll the pane until its last non-blank line matches REGEX.
wait_screen() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		screen | sed '/^ *$/d' | tail -n 1 | grep -Eq "$1" && return 0
		sleep 0.05
	done
	echo "screen was:" >&2
	screen >&2
	return 1
}

keys() {
	timeout 10 tmux -L "$SOCK" send-keys "$@"
}

# --- the filtering proxy alone, through tests/tools/proxy-harness ------------------------------
# A suite sets $D (its file's directory: the hosts file $D/hosts, servers' pids in $D/pids) and $T
# (the test's directory: the violation log $T/vlog, the harness's output).

# file_server PORTFILE CMD...: start CMD (a server of tests/hosts/ that writes its port to
# PORTFILE) for the whole file, its pid in $D/pids for kill_file_servers; wait for PORTFILE.
file_server() {
	local portfile=$1
	shift
	"$@" </dev/null >/dev/null 2>>"$D/servers.err" 3>&- &
	echo $! >>"$D/pids"
	wait_file "$portfile"
}

# kill_file_servers: end the servers setup_file started (for teardown_file).
kill_file_servers() {
	local p
	[ -f "${D:-}/pids" ] || return 0
	while read -r p; do
		kill "$p" 2>/dev/null && wait_gone "$p" 5
	done <"$D/pids"
	return 0
}

# start_proxy ARGS...: the harness with the test hosts file, the violation log $T/vlog and ARGS;
# sets PROXY_PID, HP (its HTTP port) and SP (its SOCKS5 port).
start_proxy() {
	stop_proxy
	rm -f "$T/hp"
	"$TOOLS/proxy-harness" --hosts-file "$D/hosts" --log "$T/vlog" "$@" </dev/null >"$T/hp" \
		2>"$T/harness.err" 3>&- &
	PROXY_PID=$!
	wait_file "$T/hp" || {
		cat "$T/harness.err"
		return 1
	}
	read -r line <"$T/hp"
	HP=${line#http=}
	HP=${HP%% *}
	SP=${line#*socks=}
}

stop_proxy() {
	if [ -n "${PROXY_PID:-}" ]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
		PROXY_PID=
	fi
}
