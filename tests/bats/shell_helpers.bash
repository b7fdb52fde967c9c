# shell_helpers.bash — shared by the suites that drive real shells with the builtin loaded
# (bash_builtin.bats / zsh_builtin.bats, bash_interactive.bats, zsh_module.bats): the output
# assertions, the local test host on 127.0.0.2, and an interactive shell under tmux.

PY=/usr/bin/python3
WORK_ROOT=${CORDON_TEST_ROOT:-/var/tmp} # not /tmp: the sandbox has a private /tmp
# The suites must not inherit a proxy or a session from the machine running them.
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy
unset CORDON_SESSION SANDBOX_RUNTIME XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_STATE_HOME

# --- assertions on bats' $output and $status ---------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# has TEXT...: $output contains every TEXT.
has() {
	local s
	for s in "$@"; do
		[[ "$output" == *"$s"* ]] || fail "output lacks \"$s\": $output" || return 1
	done
}

lacks() {
	[[ "$output" != *"$1"* ]] || fail "output has \"$1\": $output"
}

status_is() {
	[ "$status" -eq "$1" ] || fail "status $status, expected $1; output: $output"
}

# --- the local test host -----------------------------------------------------------------------

# shell_host_start NAME BODY: an HTTP server on 127.0.0.2 (outside any sandbox) serving BODY as
# index.html from a fresh $HOST_DIR (prefix cordon-NAME-host), with $HOST_DIR/hosts naming it
# build.test for the proxy (CORDON_TEST_HOSTS_FILE). Exports HOST_DIR and HOST_PORT; call from
# setup_file, shell_host_stop from teardown_file.
shell_host_start() {
	HOST_DIR=$(mktemp -d "$WORK_ROOT/cordon-$1-host.XXXXXX")
	chmod 755 "$HOST_DIR"
	echo "$2" >"$HOST_DIR/index.html"
	echo "127.0.0.2 build.test" >"$HOST_DIR/hosts"
	cat >"$HOST_DIR/serve.py" <<-'PY'
		import http.server, os, socketserver, sys
		os.chdir(sys.argv[1])
		class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
		    daemon_threads = True
		s = S(("127.0.0.2", 0), http.server.SimpleHTTPRequestHandler)
		open("port.tmp", "w").write(str(s.server_address[1]))
		os.rename("port.tmp", "port")
		s.serve_forever()
	PY
	chmod -R a+rX "$HOST_DIR"
	"$PY" "$HOST_DIR/serve.py" "$HOST_DIR" </dev/null >"$HOST_DIR/log" 2>&1 3>&- &
	echo $! >"$HOST_DIR/pid"
	for _ in $(seq 100); do [ -f "$HOST_DIR/port" ] && break; sleep 0.05; done
	HOST_PORT=$(cat "$HOST_DIR/port")
	export HOST_DIR HOST_PORT
}

shell_host_stop() {
	[ -n "${HOST_DIR:-}" ] || return 0
	kill "$(cat "$HOST_DIR/pid")" 2>/dev/null
	rm -rf "$HOST_DIR"
}

# --- an interactive shell under tmux (its own server per test: tmux -L $SOCK) ------------------

# tmux_start COLS ROWS DIR COMMAND: a detached session of COLS x ROWS in DIR running COMMAND.
# tmux runs the pane's command with $SHELL, or else the passwd shell, which for uid 65534 is
# nologin: name a real shell so the test does not depend on the caller's environment.
tmux_start() {
	SHELL=/bin/sh tmux -L "$SOCK" -f /dev/null new-session -d -x "$1" -y "$2" -c "$3" "$4" \
		3>&- 4>&-
}

screen() {
	tmux -L "$SOCK" capture-pane -p -J
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
	tmux -L "$SOCK" send-keys "$@"
}
