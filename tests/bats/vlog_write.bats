#!/usr/bin/env bats
# vlog_write.bats — writes the guard worker refuses (a mandatory write-deny name created in a
# writable directory) reach the session's violation log, as `cordon log` shows them; permitted
# writes and ordinary errors log nothing, and a session without refusals leaves no log file.

load helpers

e2e_hooks

# session_log ID: the path of session ID's violation log under the test's HOME (vlog.h).
session_log() {
	echo "$TEST_HOME/.local/state/cordon/sessions/$1.log"
}

# run_id SCRIPT: `cordon run -- sh -c SCRIPT`; sets $id to the session id and keeps $output.
run_id() {
	run crun -- /bin/sh -c 'echo "id=$CORDON_SESSION"; '"$1"
	id=$(sed -n 's/^id=//p' <<<"$output")
	[ -n "$id" ] || fail "no session id: $output"
}

@test "a refused .bashrc in the project is logged with its path, syscall and pid" {
	# positive control: unconfined, the same write succeeds
	host_sh 'echo x > .bashrc' || fail "unconfined write failed"
	rm -f "$W/.bashrc"
	run_id 'echo x > .bashrc || echo refused; echo "pid=$$"'
	assert_output_has refused
	[ ! -e "$W/.bashrc" ] || fail ".bashrc was created"
	wait_for "$(session_log "$id")" 5 || fail "no log file for a refused write"
	run cordon_cmd log "$id"
	assert_status 0
	assert_output_has "write refused" "$W/.bashrc" "(openat, pid "
	run cordon_cmd log --json "$id"
	assert_status 0
	assert_output_has '"proto":"write"' "\"path\":\"$W/.bashrc\"" '"syscall":"openat"' \
		'"reason":"mandatory write-deny"'
	# the pid is the caller's, in the command's own PID namespace (cordon run)
	grep -q "\"pid\":[1-9]" "$(session_log "$id")" || fail "no pid: $(cat "$(session_log "$id")")"
}

@test "mkdir .vscode and rename onto .mcp.json are logged with their syscalls" {
	run_id ': > plain; mkdir .vscode || echo mkdir-refused; mv plain .mcp.json || echo mv-refused'
	assert_output_has mkdir-refused mv-refused
	wait_for "$(session_log "$id")" 5 || fail "no log file"
	run cordon_cmd log "$id"
	assert_output_has "$W/.vscode  (mkdir" "$W/.mcp.json  (rename"
}

@test "permitted writes and ordinary errors log nothing; such a session leaves no log file" {
	run_id 'echo x > ok.txt && mkdir d && mv ok.txt d/ && echo writes-ok
		echo x > no/such/dir/.bashrc || echo enoent'
	assert_output_has writes-ok enoent
	[ -f "$W/d/ok.txt" ] || fail "permitted write missing"
	# give a (wrong) record time to arrive before checking that none did
	sleep 0.3
	[ ! -e "$(session_log "$id")" ] || fail "log written: $(cat "$(session_log "$id")")"
	run cordon_cmd log "$id"
	assert_status 0
	assert_output_lacks "write refused"
}

@test "the confined command holds no socket (the worker's log channel is not reachable)" {
	loop='echo x > .bashrc; for f in /proc/$$/fd/*; do [ -S "$f" ] && echo "socket-fd $f"; done
		echo done'
	# control: the probe sees a socket that its parent passed down
	run "$PY" -c 'import socket, subprocess, sys
a, b = socket.socketpair()
subprocess.run(["/bin/sh", "-c", sys.argv[1]], pass_fds=[a.fileno()])' "$loop"
	assert_output_has socket-fd done
	rm -f "$W/.bashrc"
	run crun -- /bin/sh -c "$loop"
	assert_output_has done
	assert_output_lacks socket-fd
}

@test "a session started in HOME cannot forge, move or plant violation logs" {
	# positive control: unconfined, the state directory is writable by its owner
	mkdir -p "$TEST_HOME/.local/state/cordon/sessions"
	host_sh ': > "$HOME/.local/state/cordon/sessions/control.log"' || fail "unconfined failed"
	rm -f "$TEST_HOME/.local/state/cordon/sessions/control.log"
	rmdir "$TEST_HOME/.local/state/cordon/sessions" "$TEST_HOME/.local/state/cordon"
	cd "$TEST_HOME" || return 1
	# the state directory does not exist yet: the session makes it before the mounts, so it
	# is pinned; a file beside it shows the current directory is writable
	run_id 'echo x > .bashrc; echo ok > plain && echo plain-ok
		D=$(dirname "$CORDON_LOG")
		echo "{\"host\":\"forged.test\",\"port\":1,\"reason\":\"x\",\"proto\":\"http\"}" \
			>> "$CORDON_LOG" && echo appended
		true > "$D/new.log" && echo planted
		ln -s /dev/zero "$D/zero.log" && echo linked
		mv "$HOME/.local/state/cordon" "$HOME/.local/state/moved" && echo moved
		echo done' 2>/dev/null
	assert_output_has plain-ok done
	assert_output_lacks appended planted linked moved
	wait_for "$(session_log "$id")" 5 || fail "no log file for a refused write"
	run cordon_cmd log "$id"
	assert_output_has "write refused"
	assert_output_lacks forged.test
}
