#!/usr/bin/env bats
# bash_session.bats — real input: a person's interactive bash under tmux in a scratch git
# repository holding a small C project: sandbox on, git, an edit, make, a commit, curl denied then
# allowed live, npm view against the configured registry, a refused rc-file write, exit; then no
# process of the session remains.

load helpers

SO_DIR=$BASH_BUILTIN_DIR

e2e_hooks --hosts

setup() {
	[ -f "$SO_DIR/sandbox.so" ] || skip "build/bash-builtin/sandbox.so not built"
	command -v tmux >/dev/null || skip "tmux is not installed"
	command -v make >/dev/null && command -v cc >/dev/null || skip "make or cc is not installed"
	e2e_setup
	mkdir -p "$T/lib"
	cp "$SO_DIR/sandbox.so" "$T/lib/"
	chmod -R a+rX "$T/lib"
	SOCK=cordon-bs-$$-$BATS_TEST_NUMBER
}

teardown() {
	[ -n "${SOCK:-}" ] && timeout 10 tmux -L "$SOCK" kill-server 2>/dev/null
	e2e_teardown
}

# The scratch repository: a C program, its Makefile, one commit. State files the test reads back
# go to state/, which git ignores.
make_project() {
	cat >"$W/hello.c" <<-'EOF'
		#include <stdio.h>
		int main(void) { puts("hello, world"); return 0; }
	EOF
	printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' >"$W/Makefile"
	git -c init.defaultBranch=main init -q "$W"
	printf 'hello\n/state/\n' >"$W/.gitignore"
	git -C "$W" add hello.c Makefile .gitignore
	git -C "$W" commit -q -m "a small C project"
	mkdir -p "$W/state"
}

# scrollback: everything the pane has shown.
scrollback() {
	screen -S - 2>/dev/null
}

# typed N CMD [SECONDS]: type CMD as a person would, then `echo "@@N rc=$?"`, and wait (bounded)
# for that line; sets RC to CMD's status and OUT to the screen text between the two.
typed() {
	local n=$1 cmd=$2 secs=${3:-30} i
	keys -l "$cmd"
	keys Enter
	keys -l "echo \"@@$n rc=\$?\""
	keys Enter
	for ((i = 0; i < secs * 20; i++)); do
		scrollback | grep -q "^@@$n rc=" && break
		sleep 0.05
	done
	RC=$(scrollback | sed -n "s/^@@$n rc=\([0-9]*\).*/\1/p" | tail -n 1)
	local lines l on=0
	mapfile -t lines < <(scrollback)
	OUT=
	for l in "${lines[@]}"; do
		if [[ "$l" == *"READY\$ $cmd" ]]; then
			on=1 OUT=
		elif [[ "$l" == "@@$n rc="* ]]; then
			on=0
		elif [ "$on" = 1 ]; then
			OUT+="$l"$'\n'
		fi
	done
	[ -n "$RC" ] || fail "step $n ($cmd) did not finish in ${secs}s; screen: $(scrollback | tail -n 30)"
}

@test "a person's session: sandbox on, git, edit, make, commit, curl denied then allowed, npm, rc file refused, exit" {
	make_project
	npm_registry
	URL=http://allowed.test:$HTTP_PORT/session-check
	printf '%s\n' "PS1='\${CORDON_PROMPT}READY\$ '" "HISTFILE=$T/home/.bash_history" \
		"BASH_LOADABLES_PATH=$T/lib" >"$T/rc"
	tmux_start 200 50 "$W" \
		"env -i HOME=$T/home PATH=/usr/local/bin:/usr/bin:/bin TERM=screen LANG=C.UTF-8 \
		GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		GIT_AUTHOR_NAME=cordon-test GIT_AUTHOR_EMAIL=test@cordon.invalid \
		GIT_COMMITTER_NAME=cordon-test GIT_COMMITTER_EMAIL=test@cordon.invalid \
		CORDON_TEST_HOSTS_FILE=$CORDON_TEST_HOSTS_FILE \
		npm_config_update_notifier=false \
		npm_config_audit=false npm_config_fund=false \
		bash --noprofile --rcfile $T/rc -i" || fail "tmux did not start"
	typed 0 'true' 10

	typed 1 'enable -f sandbox.so sandbox && sandbox on' 30
	[ "$RC" = 0 ] || fail "sandbox on: $OUT"
	[[ "$OUT" == *"sandbox: on (session "* ]] || fail "no confirmation: $OUT; screen: $(scrollback)"
	typed 2 'sandbox status --json > state/status.json; readlink /proc/self/ns/user > state/userns'
	[ "$RC" = 0 ] || fail "status: $OUT"
	spid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_pid"])' \
		"$W/state/status.json")
	userns=$(cat "$W/state/userns")
	[ -n "$spid" ] && kill -0 "$spid" || fail "no live session process ($spid)"

	typed 3 'git status --short --branch'
	[ "$RC" = 0 ] && [[ "$OUT" == *"## main"* ]] || fail "git status: $OUT"
	typed 4 "sed -i 's/hello, world/hello, cordon/' hello.c"
	[ "$RC" = 0 ] || fail "edit: $OUT"
	typed 5 'make && ./hello' 60
	[ "$RC" = 0 ] && [[ "$OUT" == *"hello, cordon"* ]] || fail "make: $OUT"
	typed 6 'git commit -q -am "greet cordon" && git log --oneline -1'
	[ "$RC" = 0 ] && [[ "$OUT" == *"greet cordon"* ]] || fail "git commit: $OUT"
	[ "$(git -C "$W" log -1 --format=%s)" = "greet cordon" ] || fail "commit not in the repository"

	before=$(reached allowed)
	typed 7 "curl -sS -m 10 $URL"
	[[ "$OUT" == *"allowed.test"*"not on the allowlist"* ]] || fail "curl not denied by name: $OUT"
	[[ "$OUT" == *"cordon: refused allowed.test:$HTTP_PORT (not on the allowlist) — sandbox allow-host allowed.test"* ]] ||
		fail "no prompt notice for the refused host: $OUT"
	[ "$(reached allowed)" = "$before" ] || fail "the denied request reached the host"
	typed 8 'sandbox allow-host allowed.test 127.0.0.2'
	[ "$RC" = 0 ] || fail "allow-host: $OUT"
	typed 9 "curl -fsS -m 10 $URL"
	[ "$RC" = 0 ] && [[ "$OUT" == *"cordon-test-host allowed"* ]] || fail "curl after allow: $OUT"

	if [ -z "$REGISTRY_SKIP" ]; then
		typed 10 "sandbox allow-host $REGISTRY_HOST"
		[ "$RC" = 0 ] || fail "allow-host registry: $OUT"
		typed 11 'npm view is-number version' 120
		[ "$RC" = 0 ] && [[ "$OUT" =~ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "npm view: $OUT"
		# the cache went to the private /tmp (cordon's default): nothing new for `git add -A`
		[ -z "$(git -C "$W" status --porcelain --untracked-files=all -- . ':!state')" ] ||
			fail "npm left files in the project: $(git -C "$W" status --porcelain --untracked-files=all)"
	fi

	typed 12 'echo x >> ~/.bashrc'
	[ "$RC" != 0 ] || fail "~/.bashrc was writable: $OUT"
	[ ! -e "$T/home/.bashrc" ] || fail "~/.bashrc appeared"

	keys -l 'exit'
	keys Enter
	for _ in $(seq 100); do timeout 5 tmux -L "$SOCK" has-session 2>/dev/null || break; sleep 0.1; done
	! timeout 5 tmux -L "$SOCK" has-session 2>/dev/null || fail "the shell did not exit"
	wait_gone "$spid" 10 || fail "session process $spid still alive after exit"
	left=$(userns_left "$userns") || fail "processes left in the session's user namespace: $left"
	[ -z "$REGISTRY_SKIP" ] || skip "npm step not run: $REGISTRY_SKIP (everything else passed)"
}
