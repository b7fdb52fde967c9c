# proxy_helpers.bash — shared by the suites that drive the filtering proxy through proxy-harness
# (proxy.bats, proxy_attacks.bats): starting and stopping the harness, waiting for its files.
#
# A suite sets HARNESS (the proxy-harness binary) and D (its hosts file is $D/hosts); its servers
# append their pids to $BATS_FILE_TMPDIR/pids for kill_file_servers.

# wait_file FILE: wait up to 5 s for FILE to exist and be non-empty.
wait_file() {
	for _ in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# kill_file_servers: end the servers setup_file started (for teardown_file).
kill_file_servers() {
	local d="$BATS_FILE_TMPDIR" p
	[ -f "$d/pids" ] || return 0
	while read -r p; do
		kill "$p" 2>/dev/null || true
	done <"$d/pids"
}

# start_proxy ARGS...: the harness with the test hosts file, the violation log
# $BATS_TEST_TMPDIR/vlog and ARGS; sets PROXY_PID, HP (its HTTP port) and SP (its SOCKS5 port).
start_proxy() {
	local t="$BATS_TEST_TMPDIR"
	stop_proxy
	rm -f "$t/hp"
	"$HARNESS" --hosts-file "$D/hosts" --log "$t/vlog" "$@" </dev/null >"$t/hp" \
		2>"$t/harness.err" 3>&- &
	PROXY_PID=$!
	wait_file "$t/hp" || { cat "$t/harness.err"; return 1; }
	read -r line <"$t/hp"
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
