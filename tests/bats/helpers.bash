# helpers.bash — shared by the bats suites: where the cordon binary and the probes are, a fresh
# home and project directory per test, the local test hosts (tests/hosts/serve.py), timed runs.
#
# Layout of one test (e2e_setup):  $T/home (HOME)  $T/home/proj (cwd, $W)  $T/outside (writable
# by file mode, outside the policy: the sandbox, not the mode, must refuse writes there).
# Test hosts (hosts_start, from setup_file): allowed.test → 127.0.0.2 (HTTP $HTTP_PORT, HTTPS
# $HTTPS_PORT), evil.test → 127.0.0.3 ($EVIL_PORT), rebind.test → 127.0.0.1 ($LOCAL_PORT); names
# come from $CORDON_TEST_HOSTS_FILE, which the session process reads instead of DNS.

# Files a confined command must run or read (probes, the proxy client, the test CA) are copied
# out of the checkout into $SUITE_DIR under /var/tmp by suite_setup: the checkout may sit under
# /tmp (or a directory uid 65534 cannot enter), and a confined command sees a private /tmp.

CORDON_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORDON=${CORDON_BIN:-$CORDON_TOP/build/cordon}
TOOLS=${CORDON_TOOLS:-$CORDON_TOP/build/tests/tools}
HOSTS_SRC=$CORDON_TOP/tests/hosts
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

# fail MESSAGE: end the test with a message (bats 1.8 has no bats-assert here).
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# e2e_setup: fresh $T, $HOME, $W (cwd) and $OUT for one test.
e2e_setup() {
	require_cordon
	T=$(mktemp -d "$WORK_ROOT/cordon-e2e.XXXXXX")
	chmod 755 "$T"
	mkdir -p "$T/home/proj" "$T/outside"
	W=$T/home/proj
	OUT=$T/outside
	TEST_HOME=$T/home
	cd "$W" || return 1
}

e2e_teardown() {
	local p
	# a tracked pid is usually `timeout`: its child cordon would survive the kill of its parent
	if [ -f "$T/pids" ]; then
		while read -r p; do
			pkill -KILL -P "$p" 2>/dev/null || true
			kill -9 "$p" 2>/dev/null || true
		done <"$T/pids"
	fi
	cd / || true
	if [ -n "${T:-}" ]; then
		chmod -R u+rwX "$T" 2>/dev/null || true
		rm -rf "$T" || true
	fi
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

# wait_for PATH [SECONDS]: poll until PATH exists (no fixed sleeps); 1 on timeout.
wait_for() {
	local i n=$((${2:-10} * 20))
	for ((i = 0; i < n; i++)); do
		[ -e "$1" ] && return 0
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

# track PID: kill it in teardown if the test left it behind.
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

# --- per-suite files and local test hosts ------------------------------------------------------

# suite_setup: $SUITE_DIR/bin with the probes (tests/tools/probe-*: $PROBE is probe-e2e-attacks,
# $BIN/probe-io-uring ...) and proxyclient.py ($PROXYCLIENT). Call from setup_file; suite_teardown
# from teardown_file.
suite_setup() {
	local t
	SUITE_DIR=$(mktemp -d "$WORK_ROOT/cordon-suite.XXXXXX")
	chmod 755 "$SUITE_DIR"
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
	[ -n "${SUITE_DIR:-}" ] && rm -rf "$SUITE_DIR"
	return 0
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
	"$PY" "$HOSTS_SRC/serve.py" "$HOSTS_DIR" allowed=127.0.0.2 allowed_tls=127.0.0.2:tls \
		evil=127.0.0.3 local=127.0.0.1 </dev/null >"$HOSTS_DIR/serve.out" 2>&1 3>&- &
	HOSTS_PID=$!
	wait_for "$HOSTS_DIR/ports" 20 || {
		cat "$HOSTS_DIR/serve.out" >&2
		fail "test hosts did not start"
		return 1
	}
	HTTP_PORT=$(awk '$1 == "allowed" {print $2}' "$HOSTS_DIR/ports")
	HTTPS_PORT=$(awk '$1 == "allowed_tls" {print $2}' "$HOSTS_DIR/ports")
	EVIL_PORT=$(awk '$1 == "evil" {print $2}' "$HOSTS_DIR/ports")
	LOCAL_PORT=$(awk '$1 == "local" {print $2}' "$HOSTS_DIR/ports")
	CACERT=$HOSTS_DIR/cert.pem
	CORDON_TEST_HOSTS_FILE=$HOSTS_DIR/hosts
	export HOSTS_DIR HOSTS_PID HTTP_PORT HTTPS_PORT EVIL_PORT LOCAL_PORT CACERT
	export CORDON_TEST_HOSTS_FILE
}

hosts_stop() {
	[ -n "${HOSTS_PID:-}" ] && kill "$HOSTS_PID" 2>/dev/null && wait_gone "$HOSTS_PID" 5
	return 0
}

# reached NAME: the number of requests the test host NAME has received so far.
reached() {
	wc -l <"$HOSTS_DIR/$1.log"
}
