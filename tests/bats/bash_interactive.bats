#!/usr/bin/env bats
# bash_interactive.bats — an interactive bash under tmux after `sandbox on`: the prompt marker,
# job control (Ctrl-Z, bg, fg, Ctrl-C, jobs, wait) and history keep working in the confined shell.

load helpers

SO_DIR=$BASH_BUILTIN_DIR

setup() {
	[ -f "$SO_DIR/sandbox.so" ] || skip "build/bash-builtin/sandbox.so not built"
	command -v tmux >/dev/null || skip "tmux is not installed"
	T=$(test_tmpdir bi)
	mkdir -p "$T/home/proj" "$T/lib"
	cp "$SO_DIR/sandbox.so" "$T/lib/"
	chmod -R a+rX "$T/lib"
	SOCK=cordon-bi-$$-$BATS_TEST_NUMBER
	# A fresh tmux server per test (-L); the shell reads no rc file and has a fixed prompt.
	printf '%s\n' "PS1='\${CORDON_PROMPT}READY\$ '" "HISTFILE=$T/home/.bash_history" \
		"BASH_LOADABLES_PATH=$T/lib" >"$T/rc"
	tmux_start 150 40 "$T/home/proj" \
		"env -i HOME=$T/home PATH=/usr/bin:/bin TERM=screen bash --noprofile --rcfile $T/rc -i"
	wait_screen 'READY\$ $' || fail "no prompt"
}

teardown() {
	[ -n "${SOCK:-}" ] && tmux -L "$SOCK" kill-server 2>/dev/null
	rm_tmpdir "${T:-}"
}

@test "job control works in the confined interactive shell: Ctrl-Z, bg, fg, Ctrl-C" {
	keys 'enable -f sandbox.so sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY\$ $' 20 || fail "no [cordon] prompt after sandbox on"
	screen | grep -q "sandbox: on (session " || fail "no confirmation: $(screen)"
	keys 'sleep 300' Enter
	sleep 0.3
	keys C-z
	wait_screen '^\[cordon\] READY\$ $' || fail "Ctrl-Z did not stop the job"
	screen | grep -Eq 'Stopped +sleep 300' || fail "no Stopped line: $(screen)"
	keys 'bg' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "bg"
	keys 'jobs' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "jobs"
	screen | grep -Eq 'Running +sleep 300 &' || fail "job not running after bg: $(screen)"
	keys 'fg' Enter
	sleep 0.3
	keys C-c
	wait_screen '^\[cordon\] READY\$ $' || fail "prompt did not come back after Ctrl-C"
	keys 'jobs; echo "jobs-left:$(jobs | wc -l)"' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "jobs after Ctrl-C"
	screen | grep -q 'jobs-left:0' || fail "the job survived Ctrl-C: $(screen)"
	keys 'sleep 0.2 & wait; echo "waited:$?"' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "wait"
	screen | grep -q 'waited:0' || fail "wait failed: $(screen)"
}

@test "history keeps working: commands typed after sandbox on reach HISTFILE on exit" {
	keys 'enable -f sandbox.so sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY\$ $' 20 || fail "no [cordon] prompt after sandbox on"
	screen | grep -q "history:" || fail "sandbox on did not say where history goes: $(screen)"
	keys 'echo typed-inside-marker' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "echo"
	keys 'exit' Enter
	for _ in $(seq 100); do grep -q typed-inside-marker "$T/home/.bash_history" 2>/dev/null && break; sleep 0.05; done
	grep -q typed-inside-marker "$T/home/.bash_history" ||
		fail "history not written: $(cat "$T/home/.bash_history" 2>&1)"
}

@test "Ctrl-C ends sandbox log -f and returns to the prompt, which keeps working" {
	keys 'enable -f sandbox.so sandbox && sandbox on' Enter
	wait_screen '^\[cordon\] READY\$ $' 20 || fail "no [cordon] prompt after sandbox on"
	keys 'clear; sandbox log -f; echo "follow-rc:$?"' Enter
	sleep 1
	# control: the follow keeps running (no prompt, no status) until interrupted
	screen | grep -q 'follow-rc:' && fail "sandbox log -f ended by itself: $(screen)"
	screen | sed '/^$/d' | tail -n 1 | grep -q 'READY\$ $' &&
		fail "prompt back while following: $(screen)"
	keys C-c
	wait_screen '^\[cordon\] READY\$ $' || fail "prompt did not come back after Ctrl-C"
	keys 'echo "still-here:$CORDON_SESSION"' Enter
	wait_screen '^\[cordon\] READY\$ $' || fail "the shell does not answer after Ctrl-C"
	screen | grep -q 'still-here:[0-9a-f]' || fail "no answer: $(screen)"
}
