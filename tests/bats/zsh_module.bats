#!/usr/bin/env bats
# zsh_module.bats — what only zsh has (the shared verbs run under zsh in zsh_builtin.bats):
# zmodload errors, unloading before and after `sandbox on`, the prompt marker in PROMPT/RPROMPT,
# job control and history in an interactive zsh under tmux, and the real-input session typed
# into zsh (git, make, curl denied then allowed live, npm through the proxy, rc-file write).

load helpers

MOD_DIR=$ZSH_MODULE_DIR

setup_file() {
	[ -f "$MOD_DIR/cordon/sandbox.so" ] || return 0
	shell_host_start zm cordon-zsh-test-host
}

teardown_file() {
	shell_host_stop
}

setup() {
	[ -f "$MOD_DIR/cordon/sandbox.so" ] || skip "$MOD_DIR/cordon/sandbox.so not built"
	command -v zsh >/dev/null || skip "zsh is not installed"
	T=$(test_tmpdir zm)
	mkdir -p "$T/home/proj" "$T/lib/cordon"
	W=$T/home/proj
	# The module where a shell inside the sandbox can still see it (a checkout under /tmp would
	# be hidden by the private /tmp).
	cp "$MOD_DIR/cordon/sandbox.so" "$T/lib/cordon/"
	chmod -R a+rX "$T/lib"
	cd "$W"
	export HOME=$T/home
}

teardown() {
	[ -n "${SOCK:-}" ] && tmux -L "$SOCK" kill-server 2>/dev/null
	kill_jobs
	cd /
	rm_tmpdir "${T:-}"
}

# zs SCRIPT: a fresh non-interactive zsh (no rc files) with the module directory on module_path.
zs() {
	timeout -k 5 60 zsh -f -c "module_path+=($T/lib)
$1" 2>&1 </dev/null 3>&- 4>&-
}

# --- zmodload --------------------------------------------------------------------------------

@test "zmodload names the file it could not load: wrong module name, missing file, not a module" {
	run zs 'zmodload cordon/sandbox && sandbox status'
	status_is 0
	has "sandbox: off" # control: the right name from the right module_path loads
	run zs 'zmodload cordon/sandboxx; echo "rc=$?"; whence -w sandbox'
	has "failed to load module \`cordon/sandboxx'" "$T/lib/cordon/sandboxx.so: cannot open" \
		"rc=1" "sandbox: none"
	run zs 'module_path=(/nonexistent); zmodload cordon/sandbox; echo "rc=$?"'
	has "failed to load module \`cordon/sandbox'" "/nonexistent/cordon/sandbox.so" "rc=1"
	mkdir -p "$T/bad/cordon"
	echo "not a shared object" >"$T/bad/cordon/sandbox.so"
	run zs "module_path=($T/bad); zmodload cordon/sandbox; echo \"rc=\$?\""
	has "failed to load module \`cordon/sandbox'" "$T/bad/cordon/sandbox.so" "rc=1"
}

@test "zmodload -u before sandbox on unloads the module, and it loads again" {
	run zs 'zmodload cordon/sandbox || exit 9
		zmodload -u cordon/sandbox; echo "unload=$?"; whence -w sandbox
		zmodload | grep -c "^cordon/sandbox$" | sed "s/^/listed=/"
		zmodload cordon/sandbox && sandbox status'
	status_is 0
	has "unload=0" "sandbox: none" "listed=0" "sandbox: off"
}

@test "after sandbox on the module refuses to unload or drop its builtin, says why, stays on" {
	run zs 'zmodload cordon/sandbox || exit 9
		zmodload -F cordon/sandbox -b:sandbox; echo "disable-before=$?"; whence -w sandbox'
	has "disable-before=0" "sandbox: none" # control: before on the builtin can be disabled
	run zs 'zmodload cordon/sandbox || exit 9
		sandbox on || exit 8
		zmodload -u cordon/sandbox; echo "unload=$?"
		zmodload -F cordon/sandbox -b:sandbox || echo disable-refused
		whence -w sandbox; sandbox status'
	status_is 0
	has "cannot unload cordon/sandbox: the sandbox is on in this shell (session " \
		"holds its control channel" "unload=1" "cannot disable the builtin of cordon/sandbox" \
		"disable-refused" "sandbox: builtin" \
		"sandbox: on (session "
}

@test "the refusals speak zsh: a subshell, \$( ), a pipeline and the job table" {
	run zs 'zmodload cordon/sandbox || exit 9
		( sandbox on --no-exit ); echo "sub=$?"
		x=$(sandbox on --no-exit 2>&1); echo "subst=[$x]"
		sandbox on --no-exit | cat; echo "pipe=${pipestatus[1]}"
		sleep 30 & sandbox on --no-exit; echo "job=$?"; kill %1; wait
		sandbox on && echo top-level-ok'
	has "sub=1" "forked copy of the shell" "subst=[sandbox: on: refused" "pipe=1" \
		"background jobs or coprocs are alive" "job=1" "top-level-ok"
}

@test "sandbox on exports its variables through zsh's parameters, readonly ones are reported" {
	run zs 'zmodload cordon/sandbox || exit 9
		typeset -r TMUX=/x,1,0
		sandbox on; echo "rc=$?"
		print -r -- "param:$CORDON_PROMPT|${(t)CORDON_PROMPT}|${(t)HTTP_PROXY}"
		env | grep -E "^(CORDON_PROMPT|CORDON_SESSION|HTTPS_PROXY)=" | LC_ALL=C sort'
	has "rc=0" "cannot unset TMUX" "param:[cordon] |scalar-export|scalar-export" \
		"CORDON_PROMPT=[cordon] " "CORDON_SESSION=" "HTTPS_PROXY=http://127.0.0.1:"
}

# --- interactive zsh under tmux ---------------------------------------------------------------

# start_zsh RCLINES...: an interactive zsh in a fresh tmux server (its own -L socket), HOME=$T/home,
# cwd $W, reading $HOME/.zshrc made of RCLINES; waits for the READY> prompt.
start_zsh() {
	command -v tmux >/dev/null || skip "tmux is not installed"
	SOCK=cordon-zm-$$-$BATS_TEST_NUMBER
	printf '%s\n' "module_path+=($T/lib)" "setopt prompt_subst" \
		"PROMPT='\${CORDON_PROMPT}READY> '" "$@" >"$T/home/.zshrc"
	tmux_start 160 45 "$W" \
		"env -i HOME=$T/home PATH=/usr/bin:/bin TERM=screen LANG=C.UTF-8 ${ZSH_ENV:-} zsh -i"
	wait_screen 'READY> ' || fail "no prompt"
}

# type_cmd TEXT [SECONDS]: type a command line, wait until zsh has echoed it, then for the
# confined prompt to come back (the old prompt line must not count as the new one).
type_cmd() {
	local i
	keys -l "$1"
	for ((i = 0; i < 100; i++)); do
		screen | grep -qF -- "READY> $1" && break
		sleep 0.05
	done
	keys Enter
	wait_screen '^\[cordon\] READY> $' "${2:-10}" || fail "no prompt after: $1"
}

@test "the prompt marker shows in PROMPT and RPROMPT with prompt_subst once sandbox on ran" {
	start_zsh "RPROMPT='\${CORDON_PROMPT:-plain}'"
	screen | grep -q 'READY> .*plain *$' || fail "no RPROMPT before on: $(screen)"
	screen | grep -q '\[cordon\]' && fail "marker before on: $(screen)"
	keys 'zmodload cordon/sandbox && sandbox on' Enter
	for _ in $(seq 200); do screen | grep -q '^\[cordon\] READY> .*\[cordon\] *$' && break; sleep 0.05; done
	screen | grep -q '^\[cordon\] READY> .*\[cordon\] *$' ||
		fail "marker missing in PROMPT or RPROMPT: $(screen)"
	screen | grep -q "sandbox: on (session " || fail "no confirmation: $(screen)"
}

@test "job control works in the confined interactive zsh: Ctrl-Z, bg, jobs, fg, Ctrl-C, wait" {
	start_zsh
	keys 'zmodload cordon/sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY> $' 20 || fail "no [cordon] prompt after sandbox on"
	keys 'sleep 300' Enter
	sleep 0.3
	keys C-z
	wait_screen '^\[cordon\] READY> $' || fail "Ctrl-Z did not stop the job"
	screen | grep -Eq 'suspended +sleep 300' || fail "no suspended line: $(screen)"
	type_cmd 'bg'
	screen | grep -Eq 'continued +sleep 300' || fail "bg did not continue the job: $(screen)"
	type_cmd 'jobs'
	screen | grep -Eq '\[1\] +\+ running +sleep 300' || fail "job not running: $(screen)"
	keys 'fg' Enter
	sleep 0.3
	keys C-c
	wait_screen '^\[cordon\] READY> $' || fail "prompt did not come back after Ctrl-C"
	type_cmd 'print "jobs-left:${#jobstates}"'
	screen | grep -q 'jobs-left:0' || fail "the job survived Ctrl-C: $(screen)"
	type_cmd 'sleep 0.2 & wait; print "waited:$?"'
	screen | grep -q 'waited:0' || fail "wait failed: $(screen)"
}

@test "Ctrl-C ends sandbox log -f and returns to the prompt, which keeps working" {
	start_zsh
	keys 'zmodload cordon/sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY> $' 20 || fail "no [cordon] prompt after sandbox on"
	keys 'clear; sandbox log -f; print "follow-rc:$?"' Enter
	sleep 1
	# control: the follow keeps running (no prompt, no status) until interrupted
	screen | grep -q 'follow-rc:' && fail "sandbox log -f ended by itself: $(screen)"
	screen | sed '/^ *$/d' | tail -n 1 | grep -q 'READY> $' &&
		fail "prompt back while following: $(screen)"
	keys C-c
	wait_screen '^\[cordon\] READY> $' || fail "prompt did not come back after Ctrl-C"
	type_cmd 'print "still-here:$CORDON_SESSION"'
	screen | grep -q 'still-here:[0-9a-f]' || fail "no answer: $(screen)"
}

@test "history keeps working: commands typed after sandbox on reach HISTFILE on exit" {
	start_zsh "HISTFILE=$T/home/.zsh_history" "SAVEHIST=100" "HISTSIZE=100"
	keys 'zmodload cordon/sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY> $' 20 || fail "no [cordon] prompt after sandbox on"
	screen | grep -q "history:" || fail "sandbox on did not say where history goes: $(screen)"
	type_cmd 'echo typed-inside-marker'
	keys 'exit' Enter
	for _ in $(seq 100); do grep -q typed-inside-marker "$T/home/.zsh_history" 2>/dev/null && break; sleep 0.05; done
	grep -q typed-inside-marker "$T/home/.zsh_history" ||
		fail "history not written: $(cat "$T/home/.zsh_history" 2>&1)"
}

# --- real input: a person's session in zsh ------------------------------------------------------

@test "real input: git, make, curl denied then allowed live, npm view, rc-file write denied" {
	command -v git >/dev/null && command -v make >/dev/null && command -v cc >/dev/null ||
		skip "git, make or cc missing"
	# A small C project in a git repository, committed before the session as a person's would be.
	cat >"$W/hello.c" <<-'EOF'
		#include <stdio.h>
		int main(void) { puts("hello from zsh"); return 0; }
	EOF
	printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' >"$W/Makefile"
	printf 'hello\n' >"$W/.gitignore"
	git -C "$W" init -q
	git -C "$W" config user.name cordon-test
	git -C "$W" config user.email test@cordon.invalid
	git -C "$W" add -A && git -C "$W" commit -qm init || fail "git set-up"

	# The registry host comes from npm's own configuration at run time.
	npm_registry

	ZSH_ENV="CORDON_TEST_HOSTS_FILE=$HOST_DIR/hosts npm_config_cache=/tmp/npm-cache npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false"
	start_zsh
	cp "$T/home/.zshrc" "$T/home/.zshrc.orig"
	URL=http://build.test:$HOST_PORT/index.html
	keys 'zmodload cordon/sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY> $' 20 || fail "no [cordon] prompt after sandbox on"
	type_cmd 'git status --short; echo "status-rc:$?"'
	screen | grep -q 'status-rc:0' || fail "git status: $(screen)"
	type_cmd "sed -i 's/hello from zsh/hello from cordon/' hello.c && echo edit-ok"
	screen | grep -q 'edit-ok' || fail "edit: $(screen)"
	type_cmd 'make && ./hello' 60
	screen | grep -q '^hello from cordon$' || fail "make: $(screen)"
	type_cmd 'git commit -qam "greet from cordon" && echo "commit-ok:$(git log -1 --format=%s)"' 30
	screen | grep -q 'commit-ok:greet from cordon' || fail "git commit: $(screen)"
	type_cmd "clear; curl -sS -m 10 $URL; echo \"curl-rc:\$?\"" 20
	screen | grep -q 'cordon-zsh-test-host' && fail "reached the host before allow-host: $(screen)"
	screen | grep -q 'build.test' || fail "the denial does not name the host: $(screen)"
	# A name that resolves to loopback needs its address allowed too (the proxy says so).
	type_cmd 'sandbox allow-host build.test 127.0.0.2'
	type_cmd "clear; curl -sS -m 10 $URL && echo curl-ok" 20
	screen | grep -q '^cordon-test-host cordon-zsh-test-host host=build.test:' ||
		fail "host not reached after allow-host: $(screen)"
	screen | grep -q 'curl-ok' || fail "curl after allow-host: $(screen)"
	if [ -z "$REGISTRY_SKIP" ]; then
		type_cmd "clear; sandbox allow-host $REGISTRY_HOST"
		type_cmd 'clear; npm view is-number version; echo "npm-rc:$?"' 90
		screen | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || fail "npm view printed no version: $(screen)"
		screen | grep -q 'npm-rc:0' || fail "npm view failed: $(screen)"
	fi
	type_cmd 'clear; echo x >> ~/.zshrc; echo "rc-write:$?"'
	screen | grep -q 'rc-write:1' || fail "rc-file write not refused: $(screen)"
	keys 'exit' Enter
	for _ in $(seq 100); do tmux -L "$SOCK" has-session 2>/dev/null || break; sleep 0.05; done
	cmp -s "$T/home/.zshrc" "$T/home/.zshrc.orig" || fail ".zshrc changed"
	[ "$(git -C "$W" log -1 --format=%s)" = "greet from cordon" ] || fail "commit not on the host"
	[ -z "$REGISTRY_SKIP" ] || skip "npm step not run: $REGISTRY_SKIP (the rest passed)"
}
