#!/usr/bin/env bats
# policy_truth.bats — the policy does what it says: network.allowUnixSockets means exactly those
# sockets; a git directory made writable keeps git's protections; worktrees and submodules work;
# a policy that contradicts itself is refused by name. Each with its positive control.

load helpers

e2e_hooks

# UNIX: python probe: connect to the unix socket argv[1] (a path, or @NAME for an abstract one)
# and print the first line it sends, or the errno's name.
UNIX='
import errno, socket, sys
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\0" + p[1:] if p.startswith("@") else p)
    print(s.recv(64).decode().strip() or "connected")
except OSError as e:
    print(errno.errorcode[e.errno])
'

# SERVE: a unix stream server at argv[1] (or @NAME) that greets each client with argv[2].
SERVE='
import os, socket, sys
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + p[1:] if p.startswith("@") else p)
s.listen(16)
open(sys.argv[3], "w").close()
while True:
    c, _ = s.accept()
    try:
        c.sendall(sys.argv[2].encode() + b"\n")
    except OSError:
        pass
    c.close()
'

serve() {
	"$PY" -c "$SERVE" "$1" "$2" "$T/ready.$2" &
	track $!
	wait_for "$T/ready.$2" 10 || fail "server $2 did not start"
}

@test "allowUnixSockets reaches exactly the listed socket: others, links and paths to others refused" {
	serve "$OUT/listed.sock" greet-listed
	serve "$OUT/other.sock" greet-other
	serve "@cordon-test-$$-$RANDOM" greet-abstract
	local abs
	abs=$(grep -ao '@cordon-test-[0-9]*-[0-9]*' /proc/net/unix | head -1)
	# control: unconfined every one answers
	run "$PY" -c "$UNIX" "$OUT/other.sock"
	assert_output_has greet-other
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$OUT/listed.sock" >"$T/cfg.json"
	CRUN_FLAGS=(--config "$T/cfg.json")
	ln -s "$OUT/other.sock" "$W/link.sock"
	run crun_sh '"$1" -c "$2" "$3"; "$1" -c "$2" "$4"; "$1" -c "$2" link.sock
		"$1" -c "$2" ../../outside/other.sock; "$1" -c "$2" "$5"' "$PY" "$UNIX" \
		"$OUT/listed.sock" "$OUT/other.sock" "${abs:-@none}"
	[ "${lines[0]}" = greet-listed ] || fail "the listed socket: $output"
	local l
	for l in 1 2 3 4; do
		[[ "${lines[$l]}" == EACCES || "${lines[$l]}" == ECONNREFUSED || "${lines[$l]}" == ENOENT ||
			"${lines[$l]}" == EPERM ]] || fail "line $l reached: $output"
	done
	assert_output_lacks greet-other greet-abstract
	# without the list, unix sockets are not reachable at all
	CRUN_FLAGS=()
	run crun -- "$PY" -c "$UNIX" "$OUT/listed.sock"
	assert_output_has "Operation not permitted"
	assert_output_lacks greet-listed
}

@test "a datagram unix socket cannot send to a host socket (control: outside it can)" {
	local recv='
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); open(sys.argv[2], "w").close(); s.settimeout(8)
try:
    print("got", s.recv(64).decode())
except OSError:
    print("nothing")
'
	local send='
import socket, sys
try:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    a.sendto(b"escaped", sys.argv[1]); print("sent")
except OSError as e:
    print("refused", e.errno)
'
	"$PY" -c "$recv" "$OUT/dg.sock" "$T/dg.ready" >"$T/dg.out" &
	track $!
	wait_for "$T/dg.ready" 10
	run crun -- "$PY" -c "$send" "$OUT/dg.sock"
	assert_output_has refused
	# control: the same sender unconfined reaches it
	run "$PY" -c "$send" "$OUT/dg.sock"
	assert_output_has sent
	wait
	grep -q "got escaped" "$T/dg.out" || fail "control did not arrive: $(cat "$T/dg.out")"
	# a stream socketpair still works inside
	run crun -- "$PY" -c 'import socket; a, b = socket.socketpair(); a.send(b"x"); print(b.recv(1))'
	assert_output_has "b'x'"
}

@test "an ssh agent socket listed in allowUnixSockets is named by SSH_AUTH_SOCK inside and works" {
	command -v ssh-agent >/dev/null || skip "ssh-agent not installed"
	eval "$(ssh-agent -s -a "$OUT/agent.sock")" >/dev/null
	track "$SSH_AGENT_PID"
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$OUT/agent.sock" >"$T/cfg.json"
	run env SSH_AUTH_SOCK="$OUT/agent.sock" HOME="$TEST_HOME" timeout 20 "$CORDON" run \
		--config "$T/cfg.json" -- /bin/sh -c 'echo "sock=$SSH_AUTH_SOCK"; ssh-add -l; echo "rc=$?"'
	assert_output_has "sock=$OUT/agent.sock" "rc=1" "no identities"
	# control: without the list SSH_AUTH_SOCK is removed and the agent is out of reach
	run env SSH_AUTH_SOCK="$OUT/agent.sock" HOME="$TEST_HOME" timeout 20 "$CORDON" run -- \
		/bin/sh -c 'echo "sock=[$SSH_AUTH_SOCK]"; SSH_AUTH_SOCK='"$OUT/agent.sock"' ssh-add -l; echo "rc=$?"'
	assert_output_has "sock=[]" "rc=2"
	kill "$SSH_AGENT_PID"
}

@test "a git directory made writable keeps its hooks and config read-only (control: its objects)" {
	git_repo "$OUT/repo"
	cp "$OUT/repo/.git/config" "$T/config.before"
	CRUN_FLAGS=(--allow-write "$OUT/repo/.git")
	run crun_sh 'cd "$1"; echo "#!/bin/sh" >.git/hooks/pre-commit && echo made-hook
		git config core.fsmonitor "echo PWNED" && echo made-config
		echo x >.git/objects/probe && echo objects-ok' "$OUT/repo"
	assert_output_has objects-ok
	assert_output_lacks made-hook made-config
	cmp -s "$OUT/repo/.git/config" "$T/config.before" || fail "config changed"
	[ ! -e "$OUT/repo/.git/hooks/pre-commit" ] || fail "hook created"
	# and `cordon policy` shows what a session pins there (laid out for real, not described)
	run cordon_cmd policy --allow-write "$OUT/repo/.git"
	assert_output_has "read-only      $OUT/repo/.git: hooks" "kept           $OUT/repo/.git: HEAD objects refs"
	run cordon_cmd policy --json --allow-write "$OUT/repo/.git"
	"$PY" -c 'import json, sys
d = json.load(sys.stdin)
paths = {(p["kind"], p["path"]) for p in d["protected"]}
assert ("read-only", sys.argv[1] + "/.git/config") in paths, paths' "$OUT/repo" <<<"$output"
}

@test "a writable bare repository (a push target) keeps its hooks and config; pushing works" {
	git init -q --bare "$OUT/target.git"
	git_repo "$W"
	CRUN_FLAGS=(--allow-write "$OUT/target.git")
	run crun_sh 'echo x >"$1/hooks/post-receive" && echo made-hook
		echo "[core] fsmonitor = x" >>"$1/config" && echo made-config
		git push -q "$1" HEAD:refs/heads/main && echo pushed' "$OUT/target.git"
	assert_output_has pushed
	assert_output_lacks made-hook made-config
	[ "$(git -C "$OUT/target.git" rev-parse main)" = "$(git -C "$W" rev-parse HEAD)" ] ||
		fail "push did not land"
}

@test "a worktree of a repository outside commits; the main repository's config stays read-only" {
	git_repo "$OUT/main"
	git -C "$OUT/main" worktree add -q "$W/wt" -b wt
	cp "$OUT/main/.git/config" "$T/config.before"
	cd "$W/wt"
	run crun_sh 'echo y >y && git add y && git commit -qm y && echo committed
		git checkout -qb wt2 && echo branched
		echo "[core] fsmonitor = x" >>"$1/.git/config" && echo made-config
		echo x >"$1/.git/hooks/pre-commit" && echo made-hook' "$OUT/main"
	assert_output_has committed branched
	assert_output_lacks made-config made-hook
	cmp -s "$OUT/main/.git/config" "$T/config.before" || fail "main config changed"
	[ "$(git -C "$OUT/main" log -1 --format=%s wt)" = y ] || fail "commit not in the repository"
}

@test "a submodule inside the project can be updated and committed; its hooks stay read-only" {
	git_repo "$OUT/sub"
	git_repo "$W"
	git -C "$W" -c protocol.file.allow=always submodule -q add "$OUT/sub" lib
	git -C "$W" commit -qm sub
	run crun_sh 'cd lib && echo z >z && git add z && git commit -qm z && echo sub-committed
		echo x >../.git/modules/lib/hooks/pre-commit && echo made-hook
		echo "[core] fsmonitor = x" >>../.git/modules/lib/config && echo made-config'
	assert_output_has sub-committed
	assert_output_lacks made-hook made-config
}

@test "denyRead of the current directory itself is refused by name (control: a subdirectory)" {
	printf '{"filesystem":{"denyRead":["%s"]}}\n' "$W" >"$T/cfg.json"
	run crun --config "$T/cfg.json" -- /bin/echo ran
	assert_status 125
	assert_output_lacks ran
	assert_output_has "denyRead" "$W" "the current directory"
	mkdir "$W/secrets"
	echo s >"$W/secrets/k"
	printf '{"filesystem":{"denyRead":["%s/secrets"]}}\n' "$W" >"$T/cfg.json"
	run crun --config "$T/cfg.json" -- /bin/sh -c 'cat secrets/k; echo "rc=$?"'
	assert_output_has "rc=1"
	assert_output_lacks "s"$'\n'"rc"
}
