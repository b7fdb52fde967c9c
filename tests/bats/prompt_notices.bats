#!/usr/bin/env bats
# prompt_notices.bats — what a confined interactive shell tells the person before the next prompt,
# typed into bash and zsh under tmux: the refusals the last command caused (once, with what to
# do), hints for failures the sandbox explains (sudo, git identity), the session process's death,
# `sandbox notify off|on`, the prompt marker put in front of PS1/PROMPT once, and the hook kept
# after the person's own prompt hooks. Each notice has its control: the same step allowed, or the
# next prompt, prints none.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SO_DIR=${CORDON_BASH_BUILTIN_DIR:-$TOP/build/bash-builtin}
MOD_DIR=${CORDON_ZSH_MODULE_DIR:-$TOP/build/zsh-module}
load helpers

setup_file() {
	shell_host_start pn cordon-notices-host
}

teardown_file() {
	shell_host_stop
}

setup() {
	command -v tmux >/dev/null || skip "tmux is not installed"
	T=$(mktemp -d "$WORK_ROOT/cordon-pn.XXXXXX")
	chmod 755 "$T"
	mkdir -p "$T/home/proj" "$T/lib/cordon" "$T/bin"
	W=$T/home/proj
	# A sudo that fails as the real one does under no_new_privs (Debian's sudo may be absent).
	printf '#!/bin/sh\necho "sudo: The \\"no new privileges\\" flag is set" >&2\nexit 1\n' \
		>"$T/bin/sudo"
	chmod 755 "$T/bin/sudo"
	[ -f "$SO_DIR/sandbox.so" ] && cp "$SO_DIR/sandbox.so" "$T/lib/"
	[ -f "$MOD_DIR/cordon/sandbox.so" ] && cp "$MOD_DIR/cordon/sandbox.so" "$T/lib/cordon/"
	chmod -R a+rX "$T/lib" "$T/bin"
	SOCK=cordon-pn-$$-$BATS_TEST_NUMBER
	ENVS="HOME=$T/home PATH=$T/bin:/usr/bin:/bin TERM=screen LANG=C.UTF-8"
	ENVS+=" CORDON_TEST_HOSTS_FILE=$HOST_DIR/hosts GIT_CONFIG_NOSYSTEM=1"
}

teardown() {
	[ -n "${SOCK:-}" ] && timeout 10 tmux -L "$SOCK" kill-server 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
	return 0
}

screen() {
	timeout 10 tmux -L "$SOCK" capture-pane -p -J -S - 2>/dev/null
}

# start_bash RCLINES...: an interactive bash reading an rc file made of RCLINES (PS1 is READY$).
start_bash() {
	[ -f "$T/lib/sandbox.so" ] || skip "$SO_DIR/sandbox.so not built"
	PROMPT_RE='^(\[cordon\] )?READY\$ '
	printf '%s\n' "PS1='READY\$ '" "BASH_LOADABLES_PATH=$T/lib" "$@" >"$T/rc"
	tmux_start 200 50 "$W" "env -i $ENVS bash --noprofile --rcfile $T/rc -i"
	wait_screen "$PROMPT_RE\$" || fail "no prompt"
}

# start_zsh RCLINES...: an interactive zsh reading $HOME/.zshrc made of RCLINES (PROMPT READY>).
start_zsh() {
	command -v zsh >/dev/null || skip "zsh is not installed"
	[ -f "$T/lib/cordon/sandbox.so" ] || skip "$MOD_DIR/cordon/sandbox.so not built"
	PROMPT_RE='^(\[cordon\] )?READY> '
	printf '%s\n' "module_path+=($T/lib)" "PROMPT='READY> '" "$@" >"$T/home/.zshrc"
	tmux_start 200 50 "$W" "env -i $ENVS zsh -i"
	wait_screen "$PROMPT_RE\$" || fail "no prompt"
}

# step CMD [SECONDS]: type CMD alone (its own history line, its own $?), wait for the next
# prompt; OUT is what the screen shows between CMD's line and that prompt.
step() {
	local cmd=$1 secs=${2:-15} i before lines l on=0
	before=$(screen | grep -cE "$PROMPT_RE")
	keys -l "$cmd"
	keys Enter
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(screen | grep -cE "$PROMPT_RE")" -gt "$before" ] &&
			screen | sed '/^ *$/d' | tail -n 1 | grep -Eq "$PROMPT_RE\$" && break
		sleep 0.05
	done
	mapfile -t lines < <(screen | sed '/^ *$/d')
	OUT=
	for l in "${lines[@]}"; do
		if [[ "$l" =~ $PROMPT_RE ]] && [[ "$l" == *"$PROMPT_RE_TEXT$cmd" ]]; then
			on=1 OUT=
		elif [ "$on" = 1 ] && [[ "$l" =~ $PROMPT_RE ]]; then
			on=2
		elif [ "$on" = 1 ]; then
			OUT+="$l"$'\n'
		fi
	done
	[ "$on" = 2 ] || fail "step \"$cmd\" did not end in ${secs}s; screen: $(screen | tail -n 20)"
}

# sandbox_on: load the builtin or module and confine the shell; the next prompt has the marker.
sandbox_on() {
	if [[ "$PROMPT_RE" == *'READY> '* ]]; then
		PROMPT_RE_TEXT='READY> '
		step 'zmodload cordon/sandbox && sandbox on' 30
	else
		PROMPT_RE_TEXT='READY$ '
		step 'enable -f sandbox.so sandbox && sandbox on' 30
	fi
	[[ "$OUT" == *"sandbox: on (session "* ]] || fail "not on: $OUT"
	screen | sed '/^ *$/d' | tail -n 1 | grep -q '^\[cordon\] READY' ||
		fail "no marker in front of the prompt: $(screen | tail -n 5)"
}

# refusals_and_controls: the steps both shells share once on.
refusals_and_controls() {
	step "curl -sS -m 10 -o /dev/null http://denied.test:8080/"
	[[ "$OUT" == *"cordon: refused denied.test:8080 (not on the allowlist) — sandbox allow-host denied.test"* ]] ||
		fail "no notice for the refused host: $OUT"
	step 'true'
	[[ "$OUT" != *"cordon:"* ]] || fail "a notice was repeated: $OUT"
	step 'sandbox allow-host build.test 127.0.0.2'
	step "curl -fsS -m 10 http://build.test:$HOST_PORT/"
	[[ "$OUT" == *cordon-notices-host* ]] || fail "the allowed host did not answer: $OUT"
	[[ "$OUT" != *"cordon: refused"* ]] || fail "a notice for an allowed host: $OUT"

	step 'mkdir .git'
	[[ "$OUT" == *"cordon: write refused ./.git (git init at the root of a writable tree"* ]] ||
		fail "no notice for the refused .git: $OUT"
	step 'mkdir sub && git init -q sub && echo sub-ok'
	[[ "$OUT" == *sub-ok* ]] && [[ "$OUT" != *"cordon:"* ]] || fail "git init in a subdirectory: $OUT"

	step 'sudo true'
	[[ "$OUT" == *"cordon: sudo cannot gain privileges in the sandbox: no_new_privs"* ]] ||
		fail "no sudo hint: $OUT"
	step 'git config --global user.email me@example.org'
	[[ "$OUT" == *"cordon: ~/.gitconfig is read-only in the sandbox: set GIT_AUTHOR_NAME"* ]] ||
		fail "no git identity hint: $OUT"
	step 'git -C sub config user.email me@example.org'
	[[ "$OUT" != *"cordon:"* ]] || fail "a hint for a git config that worked: $OUT"

	step 'sandbox notify off'
	[[ "$OUT" == *"prompt notices: off"* ]] || fail "notify off: $OUT"
	step "curl -sS -m 10 -o /dev/null http://quiet.test:8080/"
	[[ "$OUT" != *"cordon: refused"* ]] || fail "a notice while off: $OUT"
	step 'sandbox notify on'
	[[ "$OUT" == *"prompt notices: on"* ]] && [[ "$OUT" != *quiet.test* ]] ||
		fail "notify on replayed what was refused while off: $OUT"
	step "curl -sS -m 10 -o /dev/null http://loud.test:8080/"
	[[ "$OUT" == *"cordon: refused loud.test:8080"* ]] || fail "no notice after notify on: $OUT"
}

# session_dies: kill the session process from outside; the next prompt says so, once.
session_dies() {
	local spid
	step 'sandbox status --json > status.json'
	spid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_pid"])' \
		"$W/status.json")
	kill -0 "$spid" || fail "no session process"
	kill -KILL "$spid"
	for _ in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
	step 'true'
	[[ "$OUT" == *"cordon: the session process died; the network was cut"* ]] ||
		fail "the death was not told: $OUT"
	step 'true'
	[[ "$OUT" != *"died"* ]] || fail "the death was told twice: $OUT"
}

# --- bash --------------------------------------------------------------------------------------

@test "bash: each refusal is told once before the next prompt with what to do; allowed steps tell nothing" {
	start_bash
	sandbox_on
	refusals_and_controls
}

@test "bash: the hook stays after the person's PROMPT_COMMAND, string or array, reassigned or appended" {
	start_bash "PROMPT_COMMAND='echo user-hook-1'"
	sandbox_on
	step 'declare -p PROMPT_COMMAND'
	[[ "$OUT" == *'PROMPT_COMMAND=([0]="echo user-hook-1" [1]="sandbox notices")'* ]] ||
		fail "the hook is not the last element: $OUT"
	step 'PROMPT_COMMAND="echo user-hook-2"'
	step "curl -sS -m 10 -o /dev/null http://one.test:8080/"
	[[ "$OUT" == *"user-hook-2"*"cordon: refused one.test:8080"* ]] ||
		fail "after a string reassignment: $OUT"
	step 'PROMPT_COMMAND+=("echo user-hook-3")'
	step "curl -sS -m 10 -o /dev/null http://two.test:8080/"
	[[ "$OUT" == *"user-hook-3"*"cordon: refused two.test:8080"* ]] ||
		fail "the hook did not move after an appended element: $OUT"
	step 'declare -p PROMPT_COMMAND'
	[[ "$OUT" == *'[3]="sandbox notices")'* ]] || fail "not moved to the end: $OUT"
	step 'echo "status kept: $?"; (exit 7)'
	step 'echo "status=$?"'
	[[ "$OUT" == *"status=7"* ]] || fail "the hook changed \$?: $OUT"
}

@test "bash: the marker goes in front of PS1 once; CORDON_PROMPT_MANUAL or a PS1 naming it is left alone" {
	start_bash
	sandbox_on
	step 'echo "[$PS1]"'
	[[ "$OUT" == *"[[cordon] READY\$ ]"* ]] || fail "PS1 not prefixed once: $OUT"
	timeout 10 tmux -L "$SOCK" kill-server
	start_bash 'CORDON_PROMPT_MANUAL=1'
	PROMPT_RE_TEXT='READY$ '
	step 'enable -f sandbox.so sandbox && sandbox on' 30
	step 'echo "[$PS1]"'
	[[ "$OUT" == *"[READY\$ ]"* ]] || fail "PS1 changed with CORDON_PROMPT_MANUAL: $OUT"
	timeout 10 tmux -L "$SOCK" kill-server
	printf '%s\n' "PS1='\${CORDON_PROMPT}READY\$ '" "BASH_LOADABLES_PATH=$T/lib" >"$T/rc"
	tmux_start 200 50 "$W" "env -i $ENVS bash --noprofile --rcfile $T/rc -i"
	wait_screen 'READY\$ $' || fail "no prompt"
	step 'enable -f sandbox.so sandbox && sandbox on' 30
	step 'echo "[$PS1]"'
	[[ "$OUT" == *'[${CORDON_PROMPT}READY$ ]'* ]] || fail "a PS1 naming the marker was changed: $OUT"
}

@test "bash: when the session process dies the next prompt says the network was cut, once" {
	start_bash
	sandbox_on
	session_dies
}

# --- zsh ---------------------------------------------------------------------------------------

@test "zsh: each refusal is told once before the next prompt with what to do; allowed steps tell nothing" {
	start_zsh
	sandbox_on
	refusals_and_controls
}

@test "zsh: the notices come after precmd and precmd_functions, even once the person reassigns them" {
	start_zsh 'precmd() { print user-precmd }' 'precmd_functions=(uhook); uhook() { print user-fn-1 }'
	sandbox_on
	step 'precmd_functions=(uhook2); uhook2() { print user-fn-2 }'
	step "curl -sS -m 10 -o /dev/null http://one.test:8080/"
	[[ "$OUT" == *"user-precmd"*"user-fn-2"*"cordon: refused one.test:8080"* ]] ||
		fail "order after reassigning precmd_functions: $OUT"
	step 'unset precmd_functions; unfunction precmd'
	step "curl -sS -m 10 -o /dev/null http://two.test:8080/"
	[[ "$OUT" == *"cordon: refused two.test:8080"* ]] || fail "no notice without user hooks: $OUT"
	step 'print "[$PROMPT]"'
	[[ "$OUT" == *"[[cordon] READY> ]"* ]] || fail "PROMPT not prefixed once: $OUT"
}

@test "zsh: when the session process dies the next prompt says the network was cut, once" {
	start_zsh
	sandbox_on
	session_dies
}

@test "zsh: time sandbox on works; a real background job is still refused" {
	start_zsh
	PROMPT_RE_TEXT='READY> '
	step 'zmodload cordon/sandbox; sleep 300 &'
	step 'time sandbox on'
	[[ "$OUT" == *"refused: background jobs"*"pid "* ]] || fail "the live job was not refused: $OUT"
	[[ "$OUT" != *"process group 0"* ]] || fail "a job without a process was listed: $OUT"
	step 'kill %1; wait'
	step 'time sandbox on' 30
	[[ "$OUT" == *"sandbox: on (session "* ]] || fail "time sandbox on was refused: $OUT"
	[[ "$OUT" != *refused* ]] || fail "refused: $OUT"
	PROMPT_RE_TEXT='[cordon] READY> '
	step 'sandbox status'
	[[ "$OUT" == *"sandbox: on (session "* ]] || fail "not on: $OUT"
}

# --- cordon shell (editor terminals) -----------------------------------------------------------

@test "cordon shell: the marker goes in front of the prompt the person's files set, and refusals are told" {
	CORDON=$TOP/build/cordon
	[ -x "$CORDON" ] || skip "build/cordon not built"
	for sh in bash zsh; do
		shpath=$(command -v $sh) || continue
		[ $sh = zsh ] && { [ -f "$T/lib/cordon/sandbox.so" ] || continue; }
		timeout 10 tmux -L "$SOCK" kill-server 2>/dev/null || true
		rm -f "$T/home/.profile" "$T/home/.zshrc"
		if [ $sh = bash ]; then
			PROMPT_RE='^(\[cordon\] )?READY\$ ' PROMPT_RE_TEXT='READY$ '
			echo "PS1='READY\$ '" >"$T/home/.profile"
		else
			PROMPT_RE='^(\[cordon\] )?READY> ' PROMPT_RE_TEXT='READY> '
			echo "PROMPT='READY> '" >"$T/home/.zshrc"
		fi
		tmux_start 200 50 "$W" "env -i $ENVS SHELL=$shpath $CORDON shell"
		wait_screen '^\[cordon\] READY' 30 || fail "$sh: no marked prompt: $(screen)"
		step "curl -sS -m 10 -o /dev/null http://denied.test:8080/"
		[[ "$OUT" == *"cordon: refused denied.test:8080 (not on the allowlist) — sandbox allow-host denied.test"* ]] ||
			fail "$sh: no notice in cordon shell: $OUT"
		step 'sandbox allow-host build.test 127.0.0.2'
		step "curl -fsS -m 10 http://build.test:$HOST_PORT/"
		[[ "$OUT" == *cordon-notices-host* ]] && [[ "$OUT" != *"cordon: refused"* ]] ||
			fail "$sh: allow-host in cordon shell: $OUT"
	done
}
