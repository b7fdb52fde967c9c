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

# RACE: argv[1] is a directory holding the socket agent.sock and a symbolic link evil to another
# socket; a child swaps the two names (renameat2 RENAME_EXCHANGE) without pause while the parent
# connects argv[2] times to agent.sock; prints how often each answer came.
RACE='
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
d, n = sys.argv[1], int(sys.argv[2])
pid = os.fork()
if pid == 0:
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    while True:
        libc.renameat2(fd, b"evil", fd, b"agent.sock", 2)
seen = {}
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(os.path.join(d, "agent.sock"))
        r = s.recv(64).decode().strip() or "connected"
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    s.close()
    seen[r] = seen.get(r, 0) + 1
os.kill(pid, 9)
print(" ".join("%s=%d" % kv for kv in sorted(seen.items())))
'

@test "a listed socket swapped with a link to another by rename cannot be raced (control: outside the race reaches the other)" {
	serve "$W/agent.sock" greet-listed
	serve "$OUT/other.sock" greet-other
	ln -s "$OUT/other.sock" "$W/evil"
	# control: unconfined, the race reaches the other socket
	run timeout 60 "$PY" -c "$RACE" "$W" 300
	assert_output_has greet-other=
	# the swap left the names either way round: put the socket back under its listed name
	if [ -L "$W/agent.sock" ]; then
		mv -T "$W/evil" "$W/tmp.sock" && mv -T "$W/agent.sock" "$W/evil" &&
			mv -T "$W/tmp.sock" "$W/agent.sock"
	fi
	[ -S "$W/agent.sock" ] && [ -L "$W/evil" ] || fail "setup: $(ls -l "$W")"
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$W/agent.sock" >"$T/cfg.json"
	CRUN_FLAGS=(--config "$T/cfg.json")
	run crun_sh '"$1" -c "$2" "$3" 1500' "$PY" "$RACE" "$W"
	assert_output_has greet-listed=
	assert_output_lacks greet-other
}

# STALL: with a full listener at an abstract name, argv[1] connects run on threads of their own,
# each on a socket another thread keeps switching between non-blocking and blocking meanwhile;
# then a file is created (a call the guard serves) and how long it took is printed.
STALL='
import ctypes, fcntl, os, socket, sys, threading, time
libc = ctypes.CDLL(None, use_errno=True)
name = b"\0cordon-full-%d" % os.getpid()
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(name); srv.listen(0)
addr = ctypes.create_string_buffer(b"\x01\x00" + name, 2 + len(name))
def toggle(fd, fl, until):
    while time.monotonic() < until:
        fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
def attempt():
    fd = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).detach()
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    threading.Thread(target=toggle, args=(fd, fl, time.monotonic() + 0.05), daemon=True).start()
    libc.connect(fd, addr, len(addr))
for i in range(int(sys.argv[1])):
    threading.Thread(target=attempt, daemon=True).start()
    time.sleep(0.005)
t = time.monotonic()
done = threading.Event()
def create():
    open("made-after", "w").close(); done.set()
threading.Thread(target=create, daemon=True).start()
print("created" if done.wait(10) else "stalled", round(time.monotonic() - t, 2))
sys.stdout.flush(); os._exit(0)
'

@test "connects that wait on a full listener do not stall the guard: files are still created" {
	serve "$W/agent.sock" greet-listed
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$W/agent.sock" >"$T/cfg.json"
	CRUN_FLAGS=(--config "$T/cfg.json")
	run crun_sh '"$1" -c "$2" 100' "$PY" "$STALL"
	assert_output_has created
	assert_output_lacks stalled
	[ -e "$W/made-after" ] || fail "the file was not made: $output"
}

@test "a unix address longer than sockaddr_un is refused with EINVAL and the guard keeps serving" {
	serve "$W/agent.sock" greet-listed
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$W/agent.sock" >"$T/cfg.json"
	CRUN_FLAGS=(--config "$T/cfg.json")
	local long='
import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
buf = ctypes.create_string_buffer(b"\x01\x00" + b"A" * 126, 128)
r = libc.connect(s.fileno(), buf, 128)
print("long:", errno.errorcode.get(ctypes.get_errno(), "ok") if r < 0 else "connected")
'
	run crun_sh '"$1" -c "$2"; "$1" -c "$3" agent.sock; echo x >after && echo made' "$PY" "$long" \
		"$UNIX"
	assert_output_has "long: EINVAL" greet-listed made
}

@test "bind(2) of a unix socket makes no name the guard keeps from being made (control: another name)" {
	serve "$W/agent.sock" greet-listed
	git_repo "$W"
	printf '{"network":{"allowUnixSockets":["%s"]}}\n' "$W/agent.sock" >"$T/cfg.json"
	CRUN_FLAGS=(--config "$T/cfg.json")
	local bind='
import errno, socket, sys
for name in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.bind("\0" + name[1:] if name.startswith("@") else name); print(name, "bound")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
'
	run crun_sh '"$1" -c "$2" HEAD .envrc .git/commondir sub/HEAD ok.sock @abstract-ok' "$PY" \
		"$bind"
	assert_output_has "HEAD EACCES" ".envrc EACCES" ".git/commondir EACCES" "ok.sock bound" \
		"@abstract-ok bound"
	[ ! -e "$W/HEAD" ] && [ ! -e "$W/.envrc" ] && [ ! -e "$W/.git/commondir" ] ||
		fail "a guarded name was made: $(ls -a "$W" "$W/.git")"
	[ -S "$W/ok.sock" ] || fail "control: ok.sock was not made"
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

@test "a repository's denyRead of a path your allowRead carves out masks it (control: without the file it reads)" {
	mkdir -p "$T/secretdir/open"
	echo open-data >"$T/secretdir/open/ok.txt"
	ln -s "$T/secretdir" "$T/link"
	cat >"$T/cfg.json" <<-EOF
		{"filesystem": {"denyRead": ["$T/secretdir"], "allowRead": ["$T/secretdir/open"]}}
	EOF
	# control: the carve-out reads
	run crun --config "$T/cfg.json" -- /bin/cat "$T/secretdir/open/ok.txt"
	assert_status 0
	assert_output_has open-data
	# the repository masks the carved-out directory: it was listed as masked, yet read
	printf '{"filesystem": {"denyRead": ["%s"]}}\n' "$T/secretdir/open" >.cordon.json
	run crun --config "$T/cfg.json" -- /bin/sh -c "cat '$T/secretdir/open/ok.txt'; ls -A '$T/secretdir/open'"
	assert_output_lacks open-data ok.txt
	# and `cordon policy` says so: masked, no longer carved out
	pol=$(env HOME="$TEST_HOME" "$CORDON" policy --json --config "$T/cfg.json") || fail "$pol"
	jq -e --arg p "$T/secretdir/open" '.filesystem.denyRead | index($p)' <<<"$pol"
	jq -e --arg p "$T/secretdir/open" '.filesystem.allowRead | index($p) | not' <<<"$pol"
	# the same place named through a symlink
	printf '{"filesystem": {"denyRead": ["%s"]}}\n' "$T/link/open" >.cordon.json
	run crun --config "$T/cfg.json" -- /bin/cat "$T/secretdir/open/ok.txt"
	assert_output_lacks open-data
	# control: a repository mask elsewhere leaves the carve-out as it was
	mkdir "$T/other"
	printf '{"filesystem": {"denyRead": ["%s"]}}\n' "$T/other" >.cordon.json
	run crun --config "$T/cfg.json" -- /bin/cat "$T/secretdir/open/ok.txt"
	assert_status 0
	assert_output_has open-data
}
