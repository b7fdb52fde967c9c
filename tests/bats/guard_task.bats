#!/usr/bin/env bats
# guard_task.bats — the guard worker keeps each target task's /proc/TID fds open across calls
# (core/src/guard/guard_task.c) but never what it read through them: a task's umask and
# credentials are taken afresh for every call, across exec(2), and a thread ID given to a new
# task never brings the old task's facts with it. Also the shortcut of the walk up at a guard
# directory (guard_walk.c): a directory reached by another name than a guarded one is writable,
# the guarded one, by any case or as a non-ASCII name, is not.

load helpers

setup() {
	GR=$TOOLS/guard-run
	[ -x "$GR" ] || skip "guard-run not built ($GR)"
	d=$(test_tmpdir guard-task)
	cd "$d"
}

teardown() {
	cd /
	rm_tmpdir "${d:-}"
}

@test "one task changing its umask between calls gets each new umask (no cached value)" {
	run "$GR" --deny "$d/.bashrc" -- "$PY" -c 'import os
def mk(n):
    os.close(os.open(n, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
os.umask(0o022); mk("u1"); os.mkdir("d1", 0o777)
os.umask(0o077); mk("u2"); os.mkdir("d2", 0o777)
os.umask(0o002); mk("u3")
os.umask(0o077); mk("u4")'
	[ "$status" -eq 0 ] || fail "$output"
	[ "$(stat -c %a u1 d1 u2 d2 u3 u4 | tr '\n' ' ')" = "644 755 600 700 664 600 " ]
}

@test "across exec the same task's new umask is used" {
	run "$GR" --deny "$d/.bashrc" -- sh -c 'umask 022; : > e1; exec sh -c "umask 077; : > e2"'
	[ "$status" -eq 0 ] || fail "$output"
	[ "$(stat -c %a e1 e2 | tr '\n' ' ')" = "644 600 " ]
}

@test "a task that changes its credentials inside is refused until it changes them back" {
	[ "$(id -u)" = 0 ] || skip "needs root to change credentials (running as $(id -u))"
	chmod 1777 "$d" # the kernel itself would let uid 1234 create here
	local prog='import os
def mk(n):
    try:
        os.close(os.open(n, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)); return "ok"
    except OSError as e:
        return e.strerror
r = [mk("before")]
os.setresuid(0, 1234, 0)
r.append(mk("during"))
os.setresuid(0, 0, 0)
r.append(mk("after"))
print(" ".join(r))'
	# positive control: unguarded, the middle call creates a file owned by 1234
	run "$PY" -c "$prog"
	[ "$status" -eq 0 ] && [ "$output" = "ok ok ok" ] || fail "control: $output"
	[ "$(stat -c %u during)" = 1234 ]
	rm -f before during after
	# guarded: the worker cannot act with other credentials and refuses (fail closed)
	run "$GR" --deny "$d/.bashrc" -- "$PY" -c "$prog"
	[ "$status" -eq 0 ] || fail "$output"
	[ "$output" = "ok Operation not permitted ok" ]
	[ -e before ] && [ ! -e during ] && [ -e after ]
}

@test "a thread ID given to a new task brings none of the old task's facts" {
	unshare -Urpf --mount-proc true 2>/dev/null || skip "no user and PID namespace for this user"
	# PID 1 of its own PID namespace, so clone3 set_tid can hand out the number again
	run unshare -Urpf --mount-proc "$GR" --deny "$d/.bashrc" -- "$TOOLS/guard-tid-reuse" "$d"
	[ "$status" -ne 77 ] || skip "clone3 set_tid refused: $output"
	[ "$status" -eq 0 ] || fail "$output"
	read -r t1 t2 ma mb <<<"$output"
	[ "$t1" = "$t2" ] || fail "the thread ID was not reused: $output"
	[ "$ma" = 600 ] && [ "$mb" = 644 ] || fail "modes: $output"
	[ -e a ] && [ -e b ]
}

@test "beneath a guarded directory made after start: refused; in a sibling beside it: created" {
	"$GR" --deny "$d/.bashrc" --deny "$d/.mcp.json" --deny "$d/ünï" -- sh -c '
		mkdir sib && : > sib/x && echo sib-ok
		while [ ! -e go ]; do sleep 0.05; done
		( : > .mcp.json/y ) 2>/dev/null || echo mcp-refused
		( : > ünï/y ) 2>/dev/null || echo uni-refused
		( : > .MCP.JSON/y ) && echo case-ok
		mkdir sib/deeper && : > sib/deeper/z && echo deeper-ok' >"$d/out" 2>&1 &
	local job=$!
	# made on the host while the worker runs (the target may not make them)
	mkdir "$d/.mcp.json" "$d/ünï" "$d/.MCP.JSON"
	touch "$d/go"
	wait "$job" || true
	[ "$(tr '\n' ' ' <"$d/out")" = "sib-ok mcp-refused uni-refused case-ok deeper-ok " ] ||
		fail "$(cat "$d/out")"
	[ ! -e "$d/.mcp.json/y" ] && [ ! -e "$d/ünï/y" ]
	[ -e "$d/sib/x" ] && [ -e "$d/sib/deeper/z" ] && [ -e "$d/.MCP.JSON/y" ]
}

@test "a sibling bind mounted on a guarded name while the worker runs becomes guarded too" {
	[ "$(id -u)" = 0 ] || skip "needs root to bind mount (running as $(id -u))"
	mkdir "$d/real" "$d/.bashrc"
	"$GR" --deny "$d/.bashrc" -- sh -c '
		: > real/before && echo before-ok
		while [ ! -e go ]; do sleep 0.05; done
		( : > real/after ) 2>/dev/null || echo after-refused' >"$d/out" 2>&1 &
	local job=$!
	# positive control first: real is an ordinary directory until the mount
	while ! grep -q before-ok "$d/out" 2>/dev/null; do sleep 0.05; done
	if ! mount --bind "$d/real" "$d/.bashrc"; then
		touch "$d/go"
		wait "$job" || true
		skip "bind mount failed"
	fi
	touch "$d/go"
	wait "$job" || true
	umount "$d/.bashrc"
	[ "$(tr '\n' ' ' <"$d/out")" = "before-ok after-refused " ] || fail "$(cat "$d/out")"
	[ -e "$d/real/before" ] && [ ! -e "$d/real/after" ]
}
