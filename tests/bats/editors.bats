#!/usr/bin/env bats
# editors.bats — the editor faces of cordon: `cordon sh -c`, `cordon shell`, `cordon serve --stdio`
# (JSON-RPC framing, errors, streamed runs), the Neovim plugin headless and the VS Code extension's
# node tests, all against the real helper. Every deny has its positive control.

bats_require_minimum_version 1.5.0

load helpers
load session_pid

setup() {
	require_cordon
	T=$(test_tmpdir editors)
	mkdir -p "$T/proj" "$T/home"
	export HOME="$T/home" XDG_STATE_HOME="$T/home/state"
	cd "$T/proj"
}

teardown() {
	kill_jobs
	cd /
	rm_tmpdir "${T:-}"
	# the run of the session/died test, should it fail before the run ends
	[ -z "${SLEEP_TAG:-}" ] || pkill -KILL -fx "sleep $SLEEP_TAG" 2>/dev/null || true
}

# serve LINES...: feed the lines to `cordon serve --stdio`; stdout in $output.
serve() {
	run --separate-stderr timeout -k 5 60 "$CORDON" serve --stdio < <(printf '%s\n' "$@")
}

# c_project DIR: a small C project with a Makefile, and a target that fails to compile.
c_project() {
	mkdir -p "$1"
	cat >"$1/hello.c" <<-'C'
	#include <stdio.h>
	int main(void) { puts("hello from cordon"); return 0; }
	C
	printf 'int f(void)\n{\n\treturn undeclared_name;\n}\n' >"$1/broken.c"
	printf 'hello: hello.c\n\tcc -o hello hello.c\nbroken:\n\tcc -c broken.c -o broken.o\n' >"$1/Makefile"
}

@test "cordon sh -c passes the exit status, \$0 and arguments through, like sh -c" {
	run "$CORDON" sh -c 'echo "$0 $1"; exit 3' zero one
	[ "$status" -eq 3 ]
	[ "$output" = "zero one" ]
	run "$CORDON" sh -c 'exit 0'
	[ "$status" -eq 0 ]
}

@test "cordon sh: 128+N on signal, 127 for a missing command, 2 on usage errors" {
	run "$CORDON" sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	run -127 "$CORDON" sh -c 'exec /nonexistent/cmd'
	[ "$status" -eq 127 ]
	run "$CORDON" sh
	[ "$status" -eq 2 ]
	run "$CORDON" sh -Z -c true
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown option "-Z"'* ]]
}

@test "cordon sh accepts sh options and Neovim's shellcmdflag, and policy flags before them" {
	run "$CORDON" sh -ec 'false; echo not-reached'
	[ "$status" -eq 1 ]
	[[ "$output" != *not-reached* ]]
	run "$CORDON" sh -lc 'echo login-flag-ignored'
	[ "$status" -eq 0 ]
	[ "$output" = login-flag-ignored ]
	run "$CORDON" sh --allow-host example.test -c 'echo "$SANDBOX_RUNTIME $HTTP_PROXY"'
	[ "$status" -eq 0 ]
	[[ "$output" == "1 http://127.0.0.1:"* ]]
}

@test "cordon sh -c is confined: a write to /etc is refused, the same write in cwd works" {
	run "$CORDON" sh -c 'touch /etc/x-cordon-sh'
	[ "$status" -ne 0 ]
	[ ! -e /etc/x-cordon-sh ]
	run "$CORDON" sh -c 'touch ./ok-sh'
	[ "$status" -eq 0 ]
	[ -e ./ok-sh ]
}

@test "cordon shell: bash interactive, login files read confined, CORDON_PROMPT; VSCODE_* kept but the IPC hook" {
	# --rcfile makes bash a non-login shell: cordon shell reads the login files itself, after
	# sandbox on, so they run confined (the write from ~/.profile to $HOME is refused).
	printf '%s\n' 'echo profile-read' 'touch "$HOME/from-profile" 2>/dev/null || echo profile-confined' \
		>"$HOME/.profile"
	run --separate-stderr env SHELL=/bin/bash VSCODE_SHELL_INTEGRATION=1 VSCODE_IPC_HOOK_CLI=/x.sock \
		"$CORDON" shell <<-'SH'
	echo "prompt=[$CORDON_PROMPT]"
	case $- in *i*) echo interactive;; esac
	echo "integration=${VSCODE_SHELL_INTEGRATION-unset} hook=${VSCODE_IPC_HOOK_CLI-unset}"
	exit 5
	SH
	[ "$status" -eq 5 ]
	[[ "$output" == *"prompt=[[cordon] ]"* ]]
	[[ "$output" == *profile-read*profile-confined* ]]
	[ ! -e "$HOME/from-profile" ]
	[[ "$output" == *interactive* ]]
	[[ "$output" == *"integration=1 hook=unset"* ]]
}

@test "cordon shell (bash) is confined in place: the sandbox verbs work as after sandbox on" {
	run env SHELL=/bin/bash "$CORDON" shell --allow-host one.example <<-'SH'
	sandbox status
	sandbox allow-host two.example
	sandbox hosts
	type -t sandbox
	touch /etc/x-cordon-shell-bash; echo "etc=$?"
	SH
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sandbox: on (session "* ]]
	[[ "$output" != *"holds no control channel"* ]]
	[[ "$output" == *"allowed hosts: one.example, two.example"* ]]
	[[ "$output" == *builtin* ]]
	[[ "$output" == *"etc=1"* ]]
	[ ! -e /etc/x-cordon-shell-bash ]
}

@test "cordon shell (zsh) is confined in place before the person's files, which zsh still reads" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	[ -f "$CORDON_TOP/build/zsh-module/cordon/sandbox.so" ] || skip "the zsh module is not built"
	printf '%s\n' 'echo zshenv-read' '[[ -o login ]] && echo login-shell' >"$HOME/.zshenv"
	printf '%s\n' 'echo zshrc-read; touch "$HOME/from-zshrc" 2>/dev/null || echo zshrc-confined' \
		>"$HOME/.zshrc"
	run env SHELL="$(command -v zsh)" "$CORDON" shell --allow-host one.example <<-'SH'
	echo "zdotdir=${ZDOTDIR-unset} prompt=[$CORDON_PROMPT]"
	sandbox status
	sandbox allow-host two.example
	sandbox hosts
	touch /etc/x-cordon-shell-zsh; echo "etc=$?"
	touch ./ok-zsh; echo "ok=$?"
	exit 4
	SH
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *zshenv-read*login-shell*zshrc-read*zshrc-confined* ]]
	[ ! -e "$HOME/from-zshrc" ]
	[[ "$output" == *"zdotdir=unset prompt=[[cordon] ]"* ]]
	[[ "$output" == *"sandbox: on (session "* ]]
	[[ "$output" == *"allowed hosts: one.example, two.example"* ]]
	[[ "$output" == *"etc=1"* ]] && [[ "$output" == *"ok=0"* ]]
	[ ! -e /etc/x-cordon-shell-zsh ] && [ -e ./ok-zsh ]
}

@test "cordon shell: a bad policy is refused before any shell starts; shell arguments are confined from outside" {
	run env SHELL=/bin/bash "$CORDON" shell --allow-write "$T/does-not-exist" <<<'echo shell-ran'
	[ "$status" -eq 125 ]
	[[ "$output" == *does-not-exist* ]]
	[[ "$output" != *shell-ran* ]]
	# -- SHELL-ARGS could skip the init file (bash -c): confined like cordon run, no verbs.
	run env SHELL=/bin/bash "$CORDON" shell -- -c 'touch /etc/x-cordon-args; echo "etc=$?"; type -t sandbox || echo no-verbs'
	[[ "$output" == *"etc=1"* ]]
	[[ "$output" == *no-verbs* ]]
	[ ! -e /etc/x-cordon-args ]
}

@test "cordon shell ends with 125 when the builtin cannot be loaded: the shell never runs unconfined" {
	mkdir -p "$T/inst/bash-builtin" "$T/inst/share/cordon/shell"
	cp "$CORDON" "$T/inst/cordon"
	cp "$CORDON_TOP/build/share/cordon/shell/cordon-shell.bash" "$T/inst/share/cordon/shell/"
	echo 'not a shared object' >"$T/inst/bash-builtin/sandbox.so"
	chmod -R go-w "$T/inst"
	run env SHELL=/bin/bash "$T/inst/cordon" shell <<<'echo shell-ran; touch /etc/x-cordon-noload'
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot load the sandbox builtin"* ]]
	[[ "$output" != *shell-ran* ]]
	[ ! -e /etc/x-cordon-noload ]
}

@test "cordon shell is confined: /etc refused, cwd writable" {
	run env SHELL=/bin/sh "$CORDON" shell <<-'SH'
	touch /etc/x-cordon-shell; echo "etc=$?"
	touch ./ok-shell; echo "ok=$?"
	SH
	[[ "$output" == *"etc=1"* ]]
	[ ! -e /etc/x-cordon-shell ]
	[[ "$output" == *"ok=0"* ]]
	[ -e ./ok-shell ]
}

@test "serve: a malformed message gets its JSON-RPC error and the session goes on" {
	serve 'not json' \
		'{"jsonrpc":"2.0","id":1,"method":"status"}' \
		'[1,2]' \
		'{"jsonrpc":"1.0","id":2,"method":"status"}' \
		'{"jsonrpc":"2.0","id":3,"method":"no.such.method"}' \
		'{"jsonrpc":"2.0","id":4,"method":"run","params":{"argv":"not-an-array"}}' \
		'{"jsonrpc":"2.0","id":5,"method":"run","params":[1]}' \
		'{"jsonrpc":"2.0","id":6,"method":"status",}' \
		'{"jsonrpc":"2.0","id":7,"method":"status"}'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error: not a JSON text"}}' ]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":1,"result":{"version":'* ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,'* ]]
	[[ "${lines[3]}" == '{"jsonrpc":"2.0","id":2,"error":{"code":-32600,'* ]]
	[[ "${lines[4]}" == '{"jsonrpc":"2.0","id":3,"error":{"code":-32601,'* ]]
	[[ "${lines[5]}" == '{"jsonrpc":"2.0","id":4,"error":{"code":-32602,'* ]]
	[[ "${lines[6]}" == '{"jsonrpc":"2.0","id":5,"error":{"code":-32602,'* ]]
	[[ "${lines[7]}" == '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,'* ]]
	[[ "${lines[8]}" == '{"jsonrpc":"2.0","id":7,"result":{"version":'* ]]
	[ "${#lines[@]}" -eq 9 ]
}

@test "serve: initialize reports versions, capabilities and the kernel probe" {
	serve '{"jsonrpc":"2.0","id":"i","method":"initialize","params":{"capabilities":{"networkAsk":true}}}'
	[ "$status" -eq 0 ]
	[[ "$output" == '{"jsonrpc":"2.0","id":"i","result":{"serverInfo":{"name":"cordon","version":"'* ]]
	[[ "$output" == *'"protocolVersion":1'* ]]
	[[ "$output" == *'"networkAsk":true'* ]]
	[[ "$output" == *'"kernel":{"release":"'"$(uname -r)"'"'* ]]
	[[ "$output" == *'"landlock_abi":'* ]]
}

@test "serve: run streams stdout and stderr, then exit with the status, then the response" {
	serve '{"jsonrpc":"2.0","id":"r","method":"run","params":{"argv":["sh","-c","printf \"h\u00e9llo\\n\"; echo oops >&2; exit 3"],"env":{"CORDON_T":"v"}}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'{"jsonrpc":"2.0","method":"output","params":{"id":"r","stream":"stdout","data":"héllo\n"}}'* ]]
	[[ "$output" == *'{"jsonrpc":"2.0","method":"output","params":{"id":"r","stream":"stderr","data":"oops\n"}}'* ]]
	[ "${lines[-2]}" = '{"jsonrpc":"2.0","method":"exit","params":{"id":"r","status":3}}' ]
	[ "${lines[-1]}" = '{"jsonrpc":"2.0","id":"r","result":{"status":3}}' ]
}

@test "serve: status says how many connections the proxy of a session it starts holds" {
	local hard want
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 512 ] ||
		skip "hard RLIMIT_NOFILE $hard: no room above the soft limit to raise it to"
	want=$(python3 -c 'import sys; h = sys.argv[1]
h = 65536 if h == "unlimited" else min(int(h), 65536); print((h - 64) // 6)' "$hard")
	run --separate-stderr bash -c 'ulimit -Sn 256 && exec "$@"' _ timeout -k 5 60 "$CORDON" \
		serve --stdio < <(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"status"}')
	[ "$status" -eq 0 ]
	[[ "$output" == *"\"proxyMaxConnections\":$want,"* ]] || { echo "$output"; false; }
}

@test "serve: when a run's session process dies, the client gets session/died and the run 125" {
	local serve_pid spid i
	# A sleep only this test runs (another run of this suite may be going on at the same time):
	# 3147 seconds and this shell's pid as the fraction.
	SLEEP_TAG=3147.$$
	mkfifo "$T/in"
	timeout -k 5 60 "$CORDON" serve --stdio <"$T/in" >"$T/out" 2>"$T/err" &
	serve_pid=$!
	exec 7>"$T/in"
	# control: a run that ends by itself brings no such notification (it runs alongside r1, so
	# its end is waited for, not assumed to come before r1's output)
	echo '{"jsonrpc":"2.0","id":"r0","method":"run","params":{"argv":["true"]}}' >&7
	echo '{"jsonrpc":"2.0","id":"r1","method":"run","params":{"argv":["sh","-c","echo started; exec sleep '"$SLEEP_TAG"'"]}}' >&7
	for i in $(seq 400); do
		grep -q '"data":"started' "$T/out" && grep -q '"id":"r0","result"' "$T/out" && break
		sleep 0.05
	done
	grep -q '"id":"r0","result":{"status":0}' "$T/out" || { cat "$T/out"; false; }
	# $serve_pid is timeout's; its child is cordon serve, whose child runs r1 (r0 is over)
	spid=$(serve_session_pid "$(pgrep -P "$serve_pid" -x cordon)") ||
		{ echo "no session process"; false; }
	kill -KILL "$spid"
	for i in $(seq 400); do grep -q '"id":"r1","result"' "$T/out" && break; sleep 0.05; done
	exec 7>&-
	wait "$serve_pid"
	run cat "$T/out"
	[ "$(grep -c '"method":"session/died"' "$T/out")" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" =~ \{\"jsonrpc\":\"2.0\",\"method\":\"session/died\",\"params\":\{\"session\":\"[0-9a-f]{32}\",\"pid\":[0-9]+,\"id\":\"r1\",\"message\":\"the\ session\ process\ died\;\ the\ network\ was\ cut\"\}\} ]] ||
		{ echo "$output"; false; }
	[[ "$output" == *'"data":"cordon: the session process died; the network was cut\n"'* ]] ||
		{ echo "$output"; false; }
	[[ "$output" == *'{"jsonrpc":"2.0","id":"r1","result":{"status":125}}'* ]] || { echo "$output"; false; }
	! pgrep -fx "sleep $SLEEP_TAG" >/dev/null || { echo "the command outlived its run"; false; }
}

@test "serve: run takes cwd and env, passes 128+N and 127 through" {
	mkdir sub
	serve '{"jsonrpc":"2.0","id":1,"method":"run","params":{"argv":["sh","-c","echo $CORDON_T:$(basename $PWD)"],"cwd":"'"$PWD"'/sub","env":{"CORDON_T":"v"}}}' \
		'{"jsonrpc":"2.0","id":2,"method":"run","params":{"argv":["sh","-c","kill -KILL $$"]}}' \
		'{"jsonrpc":"2.0","id":3,"method":"run","params":{"argv":["/nonexistent/cmd"]}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"params":{"id":1,"stream":"stdout","data":"v:sub\n"}'* ]]
	[[ "$output" == *'{"jsonrpc":"2.0","id":1,"result":{"status":0}}'* ]]
	[[ "$output" == *'{"jsonrpc":"2.0","id":2,"result":{"status":137}}'* ]]
	[[ "$output" == *'{"jsonrpc":"2.0","id":3,"result":{"status":127}}'* ]]
}

@test "serve: run is confined: /etc refused, cwd writable" {
	serve '{"jsonrpc":"2.0","id":1,"method":"run","params":{"argv":["touch","/etc/x-cordon-serve"]}}' \
		'{"jsonrpc":"2.0","id":2,"method":"run","params":{"argv":["touch","ok-serve"],"cwd":"'"$PWD"'"}}'
	[[ "$output" == *'{"jsonrpc":"2.0","id":1,"result":{"status":1}}'* ]]
	[ ! -e /etc/x-cordon-serve ]
	[[ "$output" == *'{"jsonrpc":"2.0","id":2,"result":{"status":0}}'* ]]
	[ -e ok-serve ]
}

@test "serve: log.list gives a refused write with its path and system call" {
	local run1 run2
	run1='{"jsonrpc":"2.0","id":1,"method":"run","params":{"argv":["sh","-c","echo x > .bashrc"],"cwd":"'"$PWD"'"}}'
	run2='{"jsonrpc":"2.0","id":2,"method":"run","params":{"argv":["sh","-c","echo x > notes.txt"],"cwd":"'"$PWD"'"}}'
	mkfifo "$T/in"
	timeout -k 5 60 "$CORDON" serve --stdio <"$T/in" >"$T/out" 2>/dev/null &
	exec 5>"$T/in"
	printf '%s\n%s\n' "$run1" "$run2" >&5
	# log.list only once both runs have ended (run replies come after their exit)
	for _ in $(seq 200); do
		[ "$(grep -c '"result":{"status"' "$T/out")" -ge 2 ] && break
		sleep 0.05
	done
	printf '%s\n' '{"jsonrpc":"2.0","id":3,"method":"log.list"}' >&5
	exec 5>&-
	wait
	output=$(cat "$T/out")
	[ ! -e .bashrc ]
	[ -e notes.txt ] # control: an ordinary file in the same directory is written
	[[ "$output" == *'"proto":"write","path":"'"$PWD"'/.bashrc","syscall":"open'* ]] ||
		{ echo "no write entry: $output" >&2; return 1; }
	[[ "$output" != *'notes.txt'* ]]
}

@test "serve: session.start sets the policy that hosts.list and policy.get show; a bad one is refused" {
	serve '{"jsonrpc":"2.0","id":1,"method":"session.start","params":{"allowHost":["example.test"],"settings":{"network":{"deniedDomains":["bad.example.test"]}}}}' \
		'{"jsonrpc":"2.0","id":2,"method":"hosts.list"}' \
		'{"jsonrpc":"2.0","id":3,"method":"session.start","params":{"allowHost":["*.com"]}}' \
		'{"jsonrpc":"2.0","id":4,"method":"hosts.list"}' \
		'{"jsonrpc":"2.0","id":5,"method":"policy.get"}'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":1,"result":{"policy":{'* ]]
	[ "${lines[1]}" = '{"jsonrpc":"2.0","id":2,"result":{"allow":["example.test"],"deny":["bad.example.test"],"session":[]}}' ]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"'*'*.com'* ]]
	[ "${lines[3]}" = "${lines[1]/\"id\":2/\"id\":4}" ]
	[[ "${lines[4]}" == '{"jsonrpc":"2.0","id":5,"result":{'*'example.test'* ]]
}

@test "serve: a run that asks for an unlisted host is denied when the client cannot answer" {
	serve '{"jsonrpc":"2.0","id":1,"method":"run","params":{"argv":["bash","-c","exec 3<>/dev/tcp/127.0.0.1/$(echo $HTTP_PROXY | sed s/.*://) && printf \"CONNECT unlisted.test:80 HTTP/1.1\\r\\nHost: unlisted.test:80\\r\\n\\r\\n\" >&3 && head -c 12 <&3"]}}' \
		'{"jsonrpc":"2.0","id":2,"method":"log.list"}'
	echo "output: $output" "stderr: $stderr" # shown when an assertion below fails
	[[ "$output" == *'"data":"HTTP/1.1 403"'* ]]
	[[ "$output" != *'"method":"network/ask"'* ]]
}

@test "neovim 0.7+: :SandboxStatus, :SandboxHosts, :SandboxLog, ask prompt, :checkhealth cordon" {
	command -v nvim >/dev/null || skip "nvim not installed (apt-get install neovim)"
	CORDON_PLUGIN="$CORDON_TOP/nvim-plugin" CORDON_HELPER="$CORDON" CORDON_TESTS="$CORDON_TOP/tests" \
		run timeout -k 5 60 nvim --headless -u NONE -i NONE -n -c "luafile $CORDON_TOP/tests/nvim/commands.lua"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *PASS* ]]
}

@test "neovim: :help cordon works from the built plugin without :helptags, in a directory it cannot write" {
	command -v nvim >/dev/null || skip "nvim not installed (apt-get install neovim)"
	[ -f "$CORDON_TOP/nvim-plugin/doc/tags" ] || { echo "nvim-plugin/doc/tags not built (make nvim-tags)"; return 1; }
	cp -r "$CORDON_TOP/nvim-plugin" "$T/plugin"
	chmod -R a-w "$T/plugin"
	CORDON_PLUGIN="$T/plugin" CORDON_TESTS="$CORDON_TOP/tests" \
		run timeout -k 5 60 nvim --headless -u NONE -i NONE -n -c "luafile $CORDON_TOP/tests/nvim/help.lua"
	chmod -R u+w "$T/plugin"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *PASS* ]]
}

@test "neovim: :SandboxTerminal starts in Terminal-mode, the sandbox verbs answer, touch /etc/x is refused and ./ok works" {
	command -v nvim >/dev/null || skip "nvim not installed (apt-get install neovim)"
	SHELL=/bin/bash CORDON_PLUGIN="$CORDON_TOP/nvim-plugin" CORDON_HELPER="$CORDON" CORDON_TESTS="$CORDON_TOP/tests" \
		run timeout -k 5 60 nvim --headless -u NONE -i NONE -n -c "luafile $CORDON_TOP/tests/nvim/terminal.lua"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *PASS* ]]
	[ -e ok ]
	[ ! -e /etc/x-cordon-nvim ]
}

@test "neovim: :SandboxRun make builds a C project confined; a compile error lands in quickfix" {
	command -v nvim >/dev/null || skip "nvim not installed (apt-get install neovim)"
	command -v cc >/dev/null && command -v make >/dev/null || skip "cc and make not installed"
	c_project "$T/proj"
	CORDON_PLUGIN="$CORDON_TOP/nvim-plugin" CORDON_HELPER="$CORDON" CORDON_TESTS="$CORDON_TOP/tests" \
		run timeout -k 5 90 nvim --headless -u NONE -i NONE -n -c "luafile $CORDON_TOP/tests/nvim/run.lua"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *PASS* ]]
	[ -x hello ]
}

@test "neovim: when the session process of :SandboxRun dies, the plugin says the network was cut" {
	command -v nvim >/dev/null || skip "nvim not installed (apt-get install neovim)"
	CORDON_PLUGIN="$CORDON_TOP/nvim-plugin" CORDON_HELPER="$CORDON" CORDON_TESTS="$CORDON_TOP/tests" \
		run timeout -k 5 60 nvim --headless -u NONE -i NONE -n -c "luafile $CORDON_TOP/tests/nvim/session_died.lua"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *PASS* ]]
}

@test "vscode extension: node --test against the real helper (network/ask allow, then deny)" {
	command -v node >/dev/null || skip "node not installed"
	ext="$CORDON_TOP/vscode-extension"
	[ -d "$ext" ] || ext="$CORDON_TOP/extension"
	CORDON_HELPER="$CORDON" CORDON_TESTS="$CORDON_TOP/tests" run timeout -k 5 120 node --test "$ext/test/extension.test.js"
	echo "$output"
	[ "$status" -eq 0 ]
}
