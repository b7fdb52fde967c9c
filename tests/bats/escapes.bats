#!/usr/bin/env bats
# escapes.bats — the ways out of docs/threat-model.md "the guard grants nothing", "inherited fds",
# "git's repository discovery", "persistence in home" and "other terminals", each refused inside
# with a positive control that shows the same probe working where it is allowed (or outside).

load helpers

e2e_hooks

# OPEN PATH MODE...: python probe: os.open(PATH, flags) with the named flags, write "x\n" when
# the access mode writes; prints "ok" or the errno's name.
OPEN='
import errno, os, sys
fl = 0
for m in sys.argv[2:]:
    fl |= getattr(os, m)
try:
    fd = os.open(sys.argv[1], fl, 0o644)
    if fl & (os.O_WRONLY | os.O_RDWR):
        os.write(fd, b"x\n")
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
'

# --- the guard grants nothing the kernel layers refuse -------------------------------------------

@test "> on an existing FIFO outside the writable trees is refused (control: one inside)" {
	mkfifo "$OUT/fifo" "$W/fifo"
	# a reader on each, so a granted open would not block
	(timeout 20 cat "$OUT/fifo" >"$T/out.got" &)
	(timeout 20 cat "$W/fifo" >"$T/in.got" &)
	run crun_sh 'echo viaguard >"$1"; echo "rc=$?"' "$OUT/fifo"
	assert_output_has "rc=2" "Permission denied"
	run crun -- "$PY" -c "$OPEN" "$OUT/fifo" O_WRONLY O_NONBLOCK
	assert_output_has EACCES
	# control: the FIFO in cwd is written through the guard
	run crun_sh 'echo inside >"$1"; echo "rc=$?"' "$W/fifo"
	assert_output_has "rc=0"
	echo x >"$OUT/fifo" # end the outside reader
	sleep 0.3
	[ "$(cat "$T/in.got")" = inside ] || fail "control FIFO got: $(cat "$T/in.got")"
	[ "$(cat "$T/out.got")" = x ] || fail "outside FIFO got: $(cat "$T/out.got")"
}

@test "as root, > on a device node outside the writable trees is refused (control: outside)" {
	[ "$AS" = root ] || skip "making device nodes needs root"
	mknod "$OUT/nulldev" c 1 3
	run host_sh 'echo x >"$1" && echo wrote' "$OUT/nulldev"
	assert_output_has wrote
	run crun_sh 'echo x >"$1" && echo wrote' "$OUT/nulldev"
	assert_output_lacks wrote
	run crun -- "$PY" -c "$OPEN" "$OUT/nulldev" O_WRONLY O_CREAT
	assert_output_has EACCES
	run crun -- "$PY" -c "$OPEN" "$OUT/nulldev" O_WRONLY
	assert_output_has EACCES
	# control: /dev/null itself is writable inside
	run crun -- "$PY" -c "$OPEN" /dev/null O_WRONLY O_CREAT
	assert_output_has ok
}

@test "the guard follows no path the kernel would refuse: cwd, thread-self, dot-dot, symlinks" {
	ln -s "$OUT" "$W/out-link"
	local p
	for p in "/proc/self/cwd/../../outside/a" "/proc/thread-self/cwd/../../outside/b" \
		"$W/../../outside/c" "$W/out-link/d"; do
		run crun -- "$PY" -c "$OPEN" "$p" O_WRONLY O_CREAT
		[[ "$output" == EACCES || "$output" == EROFS ]] || fail "$p: $output"
		run crun -- /bin/mkdir "$p.dir"
		[ "$status" -ne 0 ] || fail "mkdir $p.dir succeeded"
	done
	[ -z "$(ls -A "$OUT")" ] || fail "outside got: $(ls -A "$OUT")"
	# control: the same forms inside the writable tree work
	run crun -- "$PY" -c "$OPEN" "/proc/self/cwd/in" O_WRONLY O_CREAT
	assert_output_has ok
	[ -f "$W/in" ] || fail "control file missing"
}

# --- inherited descriptors -----------------------------------------------------------------------

@test "a file on stdin is not reopened for writing through its magic links (control: in cwd)" {
	echo orig >"$OUT/f"
	local p
	for p in /proc/self/fd/0 /dev/stdin /dev/fd/0 /proc/thread-self/fd/0; do
		run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- /bin/sh -c \
			'echo app >>"$1"; echo "rc=$?"' sh "$p" <"$OUT/f"
		assert_output_has "rc=2"
		run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- "$PY" -c "$OPEN" "$p" \
			O_WRONLY O_APPEND <"$OUT/f"
		[[ "$output" == EACCES || "$output" == EROFS ]] || fail "$p: $output"
	done
	[ "$(cat "$OUT/f")" = orig ] || fail "outside file changed: $(cat "$OUT/f")"
	# control: a file in cwd on stdin is writable through the same link
	echo orig >"$W/g"
	run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- "$PY" -c "$OPEN" /proc/self/fd/0 \
		O_WRONLY O_APPEND <"$W/g"
	assert_output_has ok
	[ "$(cat "$W/g")" = "orig"$'\n'"x" ] || fail "control: $(cat "$W/g")"
}

@test "a read-only pinned file on stdin (.git/config) cannot be written through /proc/self/fd" {
	git_repo "$W"
	cp "$W/.git/config" "$T/config.before"
	run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- "$PY" -c "$OPEN" /proc/self/fd/0 \
		O_WRONLY O_APPEND <"$W/.git/config"
	assert_output_has EROFS
	cmp -s "$W/.git/config" "$T/config.before" || fail ".git/config changed"
	# control: the file still reads through the fd
	run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- /bin/cat <"$W/.git/config"
	assert_output_has repositoryformatversion
}

@test "a directory on stdin shows what the sandbox shows, masks and pins included" {
	mkdir -p "$TEST_HOME/.ssh"
	echo SECRET >"$TEST_HOME/.ssh/id"
	git_repo "$W"
	# control: outside, the path through the directory fd reads the secret
	run /bin/sh -c 'cat "/proc/self/fd/0$1"' sh "$TEST_HOME/.ssh/id" </
	assert_output_has SECRET
	run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- /bin/sh -c \
		'cat "/proc/self/fd/0$1"; echo "[core] fsmonitor = x" >>"/proc/self/fd/0$2"; echo done' \
		sh "$TEST_HOME/.ssh/id" "$W/.git/config" </
	assert_output_has done
	assert_output_lacks SECRET
	run grep -c fsmonitor "$W/.git/config"
	[ "$output" = 0 ] || fail ".git/config written through the directory fd"
	# a directory the sandbox hides is refused as stdin, loudly, and nothing runs
	run timeout 20 env HOME="$TEST_HOME" "$CORDON" run -- /bin/echo ran <"$TEST_HOME/.ssh"
	assert_status 125
	assert_output_lacks ran
	assert_output_has "inherited fd 0" "$TEST_HOME/.ssh"
}

@test "in place (bash), a read fd opened before sandbox on is not written through /proc/self/fd" {
	local so=$CORDON_TOP/build/bash-builtin/sandbox.so
	[ -f "$so" ] || skip "build/bash-builtin/sandbox.so not built"
	cp "$so" "$T/sandbox.so"
	chmod a+r "$T/sandbox.so"
	echo orig >"$OUT/f"
	git_repo "$W"
	cp "$W/.git/config" "$T/config.before"
	echo orig >"$W/plain"
	run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc -c \
		'exec 3<"$2" 4<"$3" 5<"$4"; enable -f "$1" sandbox && sandbox on 2>/dev/null || exit 99
		 echo a >>/proc/self/fd/3; echo "out=$?"; : >/proc/self/fd/3; echo "trunc=$?"
		 echo a >>/proc/self/fd/4; echo "pinned=$?"
		 echo a >>/proc/self/fd/5; echo "plain=$?"' \
		sh "$T/sandbox.so" "$OUT/f" "$W/.git/config" "$W/plain" </dev/null
	assert_output_has "out=1" "trunc=1" "pinned=1" "plain=0"
	[ "$(cat "$OUT/f")" = orig ] || fail "outside file changed"
	cmp -s "$W/.git/config" "$T/config.before" || fail ".git/config changed"
	[ "$(cat "$W/plain")" = "orig"$'\n'"a" ] || fail "control: $(cat "$W/plain")"
}

@test "in place (bash), a write fd to a pinned file refuses sandbox on before anything changes" {
	local so=$CORDON_TOP/build/bash-builtin/sandbox.so
	[ -f "$so" ] || skip "build/bash-builtin/sandbox.so not built"
	cp "$so" "$T/sandbox.so"
	chmod a+r "$T/sandbox.so"
	git_repo "$W"
	cp "$W/.git/config" "$T/config.before"
	echo orig >"$W/plain"
	# the shell stays unconfined and says so: the write through fd 4 still works afterwards
	run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc -c \
		'exec 4>>"$2"; enable -f "$1" sandbox || exit 99
		 sandbox on --no-exit; echo "on=$?"
		 [ -n "$CORDON_SESSION" ] && echo confined || echo unconfined' \
		sh "$T/sandbox.so" "$W/.git/config" </dev/null
	assert_output_has "on=1" unconfined "fd 4: a write fd to a file that is read-only inside" \
		"nothing changed"
	cmp -s "$W/.git/config" "$T/config.before" || fail ".git/config changed"
	# control: a write fd to a plain file of the writable tree is kept, and writes inside
	run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc -c \
		'exec 4>>"$2"; enable -f "$1" sandbox && sandbox on 2>/dev/null || exit 99
		 echo a >&4; echo "w=$?"; [ -n "$CORDON_SESSION" ] && echo confined' \
		sh "$T/sandbox.so" "$W/plain" </dev/null
	assert_output_has "w=0" confined
	[ "$(cat "$W/plain")" = "orig"$'\n'"a" ] || fail "control: $(cat "$W/plain")"
}

@test "output redirected by the caller stays writable through /dev/stdout (control of the grant)" {
	env HOME="$TEST_HOME" "$CORDON" run -- "$PY" -c "$OPEN" /dev/stdout O_WRONLY O_APPEND \
		>"$OUT/log2" 2>"$OUT/err2" </dev/null
	# the probe prints "ok" only when the open through the magic link succeeded
	grep -qx ok "$OUT/log2" || fail "not granted: $(cat "$OUT/log2" "$OUT/err2")"
}

# --- the guard worker cannot be stopped from inside ----------------------------------------------

@test "the guard worker cannot be signalled from inside, and keeps guarding (control: a sibling)" {
	local ll
	ll=$("$CORDON" check --json 2>/dev/null | grep -o '"landlock_abi": *[0-9]*' | grep -o '[0-9]*$')
	# the worker is the one process named cordon besides PID 1 (the reaper)
	[ "${ll:-0}" -ge 6 ] || skip "Landlock signal scoping needs ABI 6 (this kernel: ${ll:-none})"
	run crun_sh 'sleep 30 & sib=$!
		for p in /proc/[0-9]*; do
			n=${p#/proc/}; [ "$n" = 1 ] && continue
			[ "$(cat "$p/comm" 2>/dev/null)" = cordon ] && w=$n
		done
		[ -n "$w" ] || { echo "no worker"; exit 3; }
		kill -9 "$w" 2>/dev/null && echo killed-worker
		kill -9 "$sib" && echo killed-sibling
		echo x >.bashrc 2>/dev/null || echo guarded'
	assert_output_has killed-sibling guarded
	assert_output_lacks killed-worker
	[ ! -e "$W/.bashrc" ] || fail ".bashrc created"
}

# --- git's repository discovery ------------------------------------------------------------------

# Make .git invalid and lay out a bare repository in the project root whose config runs a command
# on `git status` (core.fsmonitor): the class of gitrepository-layout(5) "bare" fallback.
BARE='chmod 000 .git/objects 2>/dev/null; mv .git/objects .git/gone 2>/dev/null;
	rm -rf .git/refs .git/HEAD 2>/dev/null; mkdir objects refs 2>/dev/null;
	echo "ref: refs/heads/main" >HEAD 2>/dev/null
	printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"echo PWNED >&2; false\"\n" >config 2>/dev/null
	echo done'

@test "git's bare-repository fallback cannot be laid out in the project root (control: outside)" {
	# Positive control: unconfined, the layout makes a later git status run the command.
	git_repo "$OUT/repo"
	(cd "$OUT/repo" && host_sh "$BARE")
	run git -C "$OUT/repo" status
	assert_output_has PWNED
	chmod -R u+rwX "$OUT/repo"

	git_repo "$W"
	run crun_sh "$BARE"
	assert_output_has done
	run git -C "$W" status
	assert_status 0
	assert_output_lacks PWNED
	[ "$(git -C "$W" rev-parse --git-dir)" = .git ] || fail "git no longer sees .git"
	[ ! -e "$W/HEAD" ] || fail "HEAD made in the root"
	[ "$(stat -c %a "$W/.git/objects")" != 0 ] || fail ".git/objects chmod'ed"
	# control inside: ordinary git work in the same repository goes on
	run crun_sh 'echo x >f && git add f && git commit -qm f && git checkout -qb topic && echo ok'
	assert_output_has ok
}

# CHMOD PATH: chmod PATH to 0 through chmod(2), fchmod(2), fchmodat(2) and fchmodat2(2) (by
# number: newer than glibc 2.36), printing the result of each.
CHMOD='
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
p = sys.argv[1]
def res(r):
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
fd = os.open(p, os.O_RDONLY)
print("chmod", res(libc.chmod(p.encode(), 0)))
print("fchmod", res(libc.fchmod(fd, 0)))
print("fchmodat", res(libc.fchmodat(-100, p.encode(), 0, 0)))
print("fchmodat2", res(libc.syscall(452, -100, p.encode(), 0, 0)))
'

@test "git's entries keep their mode through every chmod call (control: an ordinary file)" {
	git_repo "$W"
	local t
	for t in .git .git/objects .git/refs .git/HEAD; do
		run crun -- "$PY" -c "$CHMOD" "$t"
		assert_output_lacks " ok"
		[ "$(stat -c %a "$W/$t")" != 0 ] || fail "$t chmod'ed"
	done
	echo x >"$W/plain"
	run crun -- "$PY" -c "$CHMOD" plain
	assert_output_has "chmod ok" "fchmod ok" "fchmodat ok"
	[[ "$output" == *"fchmodat2 ok"* || "$output" == *"fchmodat2 ENOSYS"* ]] || fail "$output"
	[ "$(stat -c %a "$W/plain")" = 0 ] || fail "control: plain is $(stat -c %a "$W/plain")"
}

@test "a project without .git cannot become a bare repository either (control: a subdirectory)" {
	run crun_sh 'mkdir objects refs; echo "ref: refs/heads/main" >HEAD; echo "[core]" >config
		[ -e HEAD ] && echo made-head; mkdir -p sub && cd sub && git init -q --bare . && echo sub-ok'
	assert_output_lacks made-head
	assert_output_has sub-ok
	[ ! -e "$W/HEAD" ] || fail "HEAD made in the root"
}

@test "a nested repository's hooks and config are protected (control: its files)" {
	mkdir -p "$W/vendor"
	git_repo "$W/vendor/lib"
	run crun_sh 'cd vendor/lib; echo "#!/bin/sh" >.git/hooks/pre-commit && echo made-hook
		echo "[core] fsmonitor = x" >>.git/config && echo made-config
		chmod 000 .git/refs && echo made-chmod; echo readme >README && echo ok'
	assert_output_has ok
	assert_output_lacks made-hook made-config made-chmod
	[ ! -e "$W/vendor/lib/.git/hooks/pre-commit" ] || fail "hook created"
	run grep -c fsmonitor "$W/vendor/lib/.git/config"
	[ "$output" = 0 ] || fail "config written"
}

@test "a worktree's administrative files are protected and the worktree itself works" {
	git_repo "$W/main"
	git -C "$W/main" worktree add -q "$W/wt" -b wt
	run crun_sh 'echo evil >main/.git/worktrees/wt/commondir && echo made-commondir
		echo "gitdir: /tmp/x" >wt/.git && echo made-dotgit
		cd wt && echo y >y && git add y && git commit -qm y && echo committed'
	assert_output_lacks made-commondir made-dotgit
	assert_output_has committed
	[ "$(cat "$W/main/.git/worktrees/wt/commondir")" = ../.. ] || fail "commondir changed"
}

# --- persistence in a writable home --------------------------------------------------------------

HOME_LIST='bin/x .config/systemd/user.control/x.service .local/share/systemd/user/x.service
	.local/share/nvim/site/plugin/x.lua .xsession .pam_environment .gdbinit
	.docker/cli-plugins/docker-x .ipython/profile_default/startup/x.py .gradle/init.d/x.gradle
	.oh-my-zsh/custom/x.zsh .local/share/applications/x.desktop .screenrc .config/pip/pip.conf
	.config/mimeapps.list .config/direnv/direnvrc .config/kitty/kitty.conf .config/i3/config
	.config/plasma-workspace/env/x.sh .config/starship.toml'

@test "with cwd = HOME, home's dot-files and bin stay read-only (control: its other files)" {
	mkdir -p "$TEST_HOME/.config" "$TEST_HOME/.local/share" "$TEST_HOME/.cache/pip"
	cd "$TEST_HOME"
	local script='for f in '"$(echo $HOME_LIST)"'; do
		mkdir -p "$(dirname "$f")" 2>/dev/null; { echo x >"$f"; } 2>/dev/null && echo "wrote $f"
	done; mkdir -p notes && echo x >notes/f && echo x >.cache/pip/f && echo control-ok'
	# Positive control: unconfined, a copy of the home takes every file.
	mkdir -p "$OUT/h/.config" "$OUT/h/.local/share" "$OUT/h/.cache/pip"
	run env -C "$OUT/h" /bin/sh -c "$script"
	assert_output_has control-ok "wrote bin/x" "wrote .config/starship.toml"
	[ "$(grep -c '^wrote ' <<<"$output")" -eq 20 ] || fail "control: $output"

	CRUN_FLAGS=(--allow-write "$TEST_HOME/.cache/pip")
	run crun_sh "$script"
	assert_output_has control-ok "dot-files and bin stay read-only"
	assert_output_lacks wrote
	local f
	for f in $HOME_LIST; do
		[ ! -e "$TEST_HOME/$f" ] || fail "$f appeared in HOME"
	done
	[ -f "$TEST_HOME/.cache/pip/f" ] || fail "the allowed cache was not writable"
}

# --- other terminals -----------------------------------------------------------------------------

# PTY: hold a pty outside for 30 s, print its slave's path, readable and writable by the caller.
PTY='
import os, pty, sys, time
m, s = pty.openpty()
name = os.ttyname(s)
os.chmod(name, 0o666)
print(name, flush=True)
time.sleep(30)
'

@test "another terminal cannot be written from inside; terminals made inside work (control)" {
	"$PY" -c "$PTY" >"$T/pty" &
	track $!
	wait_for "$T/pty" 10 && sleep 0.2
	local pts
	pts=$(head -1 "$T/pty")
	[ -n "$pts" ] || fail "no pty outside"
	run "$PY" -c "$OPEN" "$pts" O_WRONLY
	assert_output_has ok
	run crun -- "$PY" -c "$OPEN" "$pts" O_WRONLY
	assert_output_lacks ok
	run crun -- "$PY" -c 'import os, pty; m, s = pty.openpty(); os.write(s, b"hi\n"); print(os.read(m, 16))'
	assert_output_has "hi"
	# and in place
	local so=$CORDON_TOP/build/bash-builtin/sandbox.so
	if [ -f "$so" ]; then
		cp "$so" "$T/sandbox.so"
		chmod a+r "$T/sandbox.so"
		run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc -c \
			'enable -f "$1" sandbox && sandbox on 2>/dev/null || exit 99
			 '"$PY"' -c "$2" "$3" O_WRONLY' sh "$T/sandbox.so" "$OPEN" "$pts" </dev/null
		assert_output_lacks ok
	fi
}

@test "> /dev/tty reaches the caller's own terminal inside (cordon run and in place)" {
	command -v tmux >/dev/null || skip "tmux not installed"
	local so=$CORDON_TOP/build/bash-builtin/sandbox.so sock=cordon-esc-$$-$RANDOM
	[ -f "$so" ] || skip "build/bash-builtin/sandbox.so not built"
	cp "$so" "$T/sandbox.so"
	chmod a+r "$T/sandbox.so"
	SHELL=/bin/sh tmux -L "$sock" new-session -d -x 120 -y 20 \
		"env HOME='$TEST_HOME' '$CORDON' run -- /bin/sh -c 'echo run-tty >/dev/tty; echo rc=\$? >\"$W/rc\"'
		 env HOME='$TEST_HOME' bash --norc -c 'enable -f \"$T/sandbox.so\" sandbox && sandbox on 2>/dev/null &&
			echo inplace-tty >/dev/tty; echo rc=\$? >>\"$W/rc\"'; sleep 30"
	local i
	for ((i = 0; i < 100; i++)); do
		[ -f "$W/rc" ] && [ "$(wc -l <"$W/rc")" = 2 ] && break
		sleep 0.1
	done
	run tmux -L "$sock" capture-pane -p
	tmux -L "$sock" kill-server 2>/dev/null || true
	assert_output_has run-tty inplace-tty
	[ "$(cat "$W/rc")" = "rc=0"$'\n'"rc=0" ] || fail "statuses: $(cat "$W/rc")"
}

# --- variants found by attacking the fixes -------------------------------------------------------

@test "a nested repository whose .git is made invalid does not fall back to a bare layout (control: outside)" {
	local attack='echo garbage >sub/.git/HEAD 2>/dev/null; mkdir sub/objects sub/refs 2>/dev/null
		echo "ref: refs/heads/main" >sub/HEAD 2>/dev/null
		printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"echo PWNED >&2; false\"\n" >sub/config 2>/dev/null
		echo "ref: refs/heads/main" >HEAD 2>/dev/null; mkdir objects refs 2>/dev/null
		printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"echo PWNED >&2; false\"\n" >config 2>/dev/null
		echo done'
	# control: unconfined the layout makes git in sub run the command
	mkdir -p "$OUT/c"
	git_repo "$OUT/c/sub"
	(cd "$OUT/c" && host_sh "$attack")
	run git -C "$OUT/c/sub" status
	assert_output_has PWNED
	mkdir -p "$W/a"
	git_repo "$W/a/sub"
	cd "$W/a"
	run crun_sh "$attack"
	assert_output_has done
	run git -C "$W/a/sub" status
	assert_output_lacks PWNED
	[ ! -e "$W/a/sub/HEAD" ] && [ ! -e "$W/a/HEAD" ] || fail "a HEAD was made"
}

@test "no repository is made inside a working tree, where a gitlink would make git status run its config (control: outside)" {
	# make sub a repository with a core.fsmonitor, then point a gitlink of the outer index at it:
	# `git status` in the outer repository then runs git in sub, which runs the fsmonitor
	local attack='git init -q sub 2>/dev/null || mkdir -p sub/.git
		git -C sub config core.fsmonitor "echo PWNED >&2; false" 2>/dev/null
		git -C sub -c user.email=a@b -c user.name=a commit -q --allow-empty -m x 2>/dev/null
		h=$(git -C sub rev-parse HEAD 2>/dev/null) &&
			git update-index --add --cacheinfo "160000,$h,sub" && echo linked
		echo done'
	git_repo "$OUT/c"
	(cd "$OUT/c" && host_sh "$attack")
	run git -C "$OUT/c" status
	assert_output_has PWNED # control: unconfined, the layout runs the command
	git_repo "$W"
	run crun_sh "$attack"
	assert_output_has done
	[ ! -e "$W/sub/.git" ] || fail "sub/.git was made"
	run git -C "$W" status
	assert_output_lacks PWNED
	# the same names by other calls, and in any case, deeper down: refused
	run crun_sh 'mkdir -p a/b; echo x >a/b/.git; ln -s .. a/.GIT; mkfifo .git-x a/.Git 2>&1
		mkdir d && git init -q d/e 2>&1; ls -a a a/b d; echo control-ok >a/b/f && cat a/b/f'
	assert_output_has control-ok
	[ -z "$(find "$W" -path "$W/.git" -prune -o -iname .git -print)" ] ||
		fail "a .git was made: $(find "$W" -path "$W/.git" -prune -o -iname .git -print)"
	[ -p "$W/.git-x" ] || fail "control: a name that is not .git was refused"
	# a bare layout in a subdirectory, found by git run below it: no HEAD outside .git
	local bare='mkdir -p src/lib src/objects src/refs; echo "ref: refs/heads/main" >src/HEAD
		printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = ..\n\tfsmonitor = \"echo PWNED >&2; false\"\n" >src/config
		git checkout -q -b topic && echo "branch-ok $(cat .git/HEAD)"'
	(cd "$OUT/c" && host_sh "$bare")
	run git -C "$OUT/c/src/lib" status
	assert_output_has PWNED # control: unconfined, the layout runs the command
	run crun_sh "$bare"
	assert_output_has "branch-ok ref: refs/heads/topic"
	[ ! -e "$W/src/HEAD" ] || fail "src/HEAD was made"
	run git -C "$W/src/lib" status
	assert_output_lacks PWNED
}

@test "a directory is not moved into a working tree from outside one (it may hold a .git); a copy is checked (control: within)" {
	git_repo "$W"
	mkdir -p "$OUT/w2"
	chmod 0777 "$OUT/w2"
	CRUN_FLAGS=(--allow-write "$OUT/w2")
	run crun_sh 'git init -q "$1/r" && echo init-outside-ok
		mv "$1/r" in-r; echo "mv-rc=$?"
		mkdir "$1/plain" && echo hi >"$1/plain/f" && mv "$1/plain" plain && cat plain/f
		mkdir -p x/y && mv x/y z && echo mv-within-ok
		echo f >"$1/file" && mv "$1/file" file && echo mv-file-ok' "$OUT/w2"
	assert_output_has init-outside-ok hi mv-within-ok mv-file-ok
	assert_output_lacks "mv-rc=0"
	[ ! -e "$W/in-r/.git" ] || fail "a repository was moved into the working tree"
	[ -d "$OUT/w2/r/.git" ] || fail "the refused move lost the repository"
	[ -d "$W/z" ] && [ -f "$W/file" ] || fail "control: a move within was refused"
}

# MOVER DIR SECONDS: python probe: moves DIR/a/b to DIR/b and back for SECONDS, then prints the
# number of round trips (a second sandbox's process, racing the walk of the first's guard).
MOVER='
import os, sys, time
w, end, n = sys.argv[1], time.time() + float(sys.argv[2]), 0
while time.time() < end:
    try:
        os.rename(w + "/a/b", w + "/b"); os.rename(w + "/b", w + "/a/b"); n += 1
    except OSError:
        pass
print("moves", n)
'
# MKGIT NAME SECONDS: python probe: mkdir NAME in the directory a/b/c by its fd (whose depth the
# mover changes) until it is made or SECONDS passed; prints "made" or "refused".
MKGIT='
import os, sys, time
end = time.time() + float(sys.argv[2])
fd = -1
while fd < 0:
    for c in ("a/b/c", "b/c"):
        try:
            fd = os.open(c, os.O_PATH | os.O_DIRECTORY); break
        except OSError:
            pass
r = "refused"
while time.time() < end:
    try:
        os.mkdir(sys.argv[1], dir_fd=fd); r = "made"; break
    except OSError:
        pass
print(r)
'

@test "no .git is made below a working tree while another sandbox moves its directories about (control: another name)" {
	# The guard walks up from a/b/c to find the working tree. A second sandbox on the same tree
	# moves a/b up one level and back (allowed: within one working tree), so c's depth changes
	# while the walk runs: a walk that looks each level up again from the start, rather than as
	# the parent of the level before, can step over the working tree.
	git_repo "$W"
	mkdir -p "$W/a/b/c"
	timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" run -- "$PY" -c "$MOVER" "$W" 12 \
		</dev/null >"$T/mover.out" 2>/dev/null 3>&- &
	track $!
	sleep 1
	run crun -- "$PY" -c "$MKGIT" .git 8
	# the probe's own line, among the guard's refusals on stderr (which may come after it)
	local probe
	probe=$(printf '%s\n' "$output" | grep -Ex 'made|refused')
	[ "$probe" = refused ] || fail "probe: $probe"
	wait
	[ -z "$(find "$W" -path "$W/.git" -prune -o -name .git -print)" ] ||
		fail "a .git was made: $(find "$W" -path "$W/.git" -prune -o -name .git -print)"
	# control: the mover moved, and the same probe makes another name at once
	grep -Eq '^moves [1-9]' "$T/mover.out" || fail "the mover did not move: $(cat "$T/mover.out")"
	run crun -- "$PY" -c "$MKGIT" .gitx 8
	[ "$output" = made ] || fail "control: $output"
	[ -d "$W/a/b/c/.gitx" ] || [ -d "$W/b/c/.gitx" ] || fail "control: .gitx not made"
}

@test "nothing new is made in .git/modules, nor .git/modules itself (control: an existing submodule's git dir is written)" {
	git_repo "$OUT/subsrc"
	git_repo "$W"
	git -C "$W" -c protocol.file.allow=always submodule add -q "$OUT/subsrc" sm
	git -C "$W" -c user.email=a@b -c user.name=a commit -qm sm
	run crun_sh 'mkdir .git/modules/evil 2>&1; git init -q --bare .git/modules/evil2 2>&1
		echo w >.git/modules/sm/description && echo control-ok'
	assert_output_has control-ok
	[ "$(ls "$W/.git/modules")" = sm ] || fail ".git/modules holds: $(ls "$W/.git/modules")"
	git_repo "$OUT/bare-w"
	cd "$OUT/bare-w"
	run crun_sh 'git init -q --bare .git/modules/evil 2>&1; mkdir .git/modules 2>&1; echo done'
	assert_output_has done
	[ ! -e "$OUT/bare-w/.git/modules" ] || fail ".git/modules was made"
}

@test "a pinned file is not written through a hard link to it in a writable tree (control: another file)" {
	git_repo "$W"
	ln "$W/.git/config" "$W/cfg-link"
	echo plain >"$W/plain"
	ln "$W/plain" "$W/plain-link"
	run crun_sh 'echo "[core] fsmonitor = x" >>cfg-link && echo wrote-link
		'"$PY"' -c "$1" cfg-link O_WRONLY O_APPEND; echo more >>plain-link && echo control-ok' "$OPEN"
	assert_output_lacks wrote-link
	assert_output_has EACCES control-ok
	run grep -c fsmonitor "$W/.git/config"
	[ "$output" = 0 ] || fail ".git/config written through the link"
}

@test "truncate(2) by name cannot empty a pinned file through a hard link (control: another file)" {
	git_repo "$W"
	ln "$W/.git/config" "$W/cfg-link"
	printf 'plain\n' >"$W/plain"
	ln "$W/plain" "$W/plain-link"
	size=$(stat -c %s "$W/.git/config")
	run crun_sh "$PY"' -c "
import os
for n in (\"cfg-link\", \".git/config\"):
    try:
        os.truncate(n, 0); print(\"truncated\", n)
    except OSError as e:
        print(n, os.strerror(e.errno))
os.truncate(\"plain-link\", 2); print(\"control-ok\")
"'
	assert_output_lacks truncated
	assert_output_has control-ok
	[ "$(stat -c %s "$W/.git/config")" = "$size" ] || fail ".git/config was truncated"
	[ "$(cat "$W/plain")" = pl ] || fail "the control was not truncated: $(cat "$W/plain")"
}

@test "no set-user-ID program can be made inside (control: an ordinary mode change)" {
	cp /bin/true "$W/t"
	run crun_sh 'chmod 4755 t; echo "rc=$?"; chmod g+s t; echo "rcg=$?"; chmod 0700 t && echo plain-ok
		mkdir d && chmod g+s d && echo sgid-dir-ok'
	assert_output_has "rc=1" "rcg=1" plain-ok sgid-dir-ok
	[ "$(stat -c %a "$W/t")" = 700 ] || fail "mode: $(stat -c %a "$W/t")"
}

@test "an ACL cannot take git's entries away; ordinary ACLs and xattrs work (control)" {
	command -v setfacl >/dev/null || skip "setfacl (acl) not installed"
	git_repo "$W"
	echo x >"$W/f"
	run crun_sh 'setfacl -m u::--- .git/refs && echo acl-refs; setfacl -m u::rw- f && echo acl-ok
		'"$PY"' -c "import os; os.setxattr(\"f\", \"user.t\", b\"1\"); print(os.getxattr(\"f\", \"user.t\"))"'
	assert_output_lacks acl-refs
	assert_output_has acl-ok "b'1'"
	[ "$(git -C "$W" rev-parse --git-dir)" = .git ] || fail "git no longer sees .git"
}

@test "prlimit of another process is refused; of the command itself it works (control)" {
	run crun_sh 'sleep 20 & p=$!; prlimit --pid "$p" --cpu=1:1 && echo limited-other
		prlimit --nofile=512:512 true && echo own-ok; kill "$p"'
	assert_output_lacks limited-other
	assert_output_has own-ok
}

@test "the scheduling of other processes is refused (PRIO_USER, by pid); of the command itself it works (control)" {
	sleep 30 &
	local host=$!
	run crun -- "$PY" -c '
import os, subprocess
def t(name, f):
    try:
        f(); print(name, "done")
    except OSError as e:
        print(name, os.strerror(e.errno))
c = subprocess.Popen(["sleep", "20"])
t("user-nice", lambda: os.setpriority(os.PRIO_USER, 0, 19))
t("group-nice", lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
t("other-nice", lambda: os.setpriority(os.PRIO_PROCESS, c.pid, 19))
t("other-affinity", lambda: os.sched_setaffinity(c.pid, {0}))
t("other-sched", lambda: os.sched_setscheduler(c.pid, os.SCHED_IDLE, os.sched_param(0)))
t("other-param", lambda: os.sched_setparam(c.pid, os.sched_param(0)))
c.kill()
os.setpriority(os.PRIO_PROCESS, 0, 3)
os.sched_setaffinity(0, os.sched_getaffinity(0))
os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
print("own-ok", os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0) == os.SCHED_BATCH)
'
	local ni
	ni=$(ps -o ni= -p "$host" | tr -d ' ')
	kill "$host"
	assert_output_lacks "nice done" "affinity done" "sched done" "param done"
	assert_output_has "user-nice Operation not permitted" "group-nice Operation not permitted" "other-affinity Operation not permitted" "own-ok 3 True"
	[ "$ni" = 0 ] || fail "a process outside was reniced to $ni"
	run crun_sh 'sleep 20 & p=$!; ionice -c 3 -p "$p" && echo ioprio-other; ionice -c 3 -u 0 true 2>/dev/null && echo ioprio-user
		ionice -c 3 true && echo ioprio-own-ok; kill "$p"'
	assert_output_lacks ioprio-other ioprio-user
	assert_output_has ioprio-own-ok
}

@test "an inherited datagram or unconnected socket (unix or IP) is refused by fd; a connected stream socket works (control)" {
	run env HOME="$TEST_HOME" timeout -k 5 60 "$PY" -c '
import socket, subprocess, sys
def try_(name, s):
    r = subprocess.run([sys.argv[1], "run", "--", "sh", "-c", "echo ran-" + name], stdin=s,
                       capture_output=True, text=True)
    print(name, r.returncode, r.stdout.strip(), r.stderr.strip().replace("\n", " | "))
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
try_("dgram", a)
try_("unbound", socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
try_("unconnected", socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
try_("udp", socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
try_("tcp", socket.socket(socket.AF_INET, socket.SOCK_STREAM))
c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
try_("stream", c)
' "$CORDON"
	assert_output_lacks ran-dgram ran-unbound ran-unconnected ran-udp ran-tcp
	assert_output_has "dgram 125" "unconnected 125" "udp 125" "tcp 125" "datagram or raw socket" \
		"neither connected nor listening" ran-stream
}

@test "inside, /dev holds no disk, console or other terminal; the usual devices work (control)" {
	run crun_sh 'for d in /dev/*; do [ -b "$d" ] && echo "block $d"; done
		ls /dev/console /dev/tty0 /dev/tty1 /dev/ttyS0 2>/dev/null
		echo x >/dev/null && head -c1 /dev/zero | wc -c && head -c1 /dev/urandom | wc -c && echo devs-ok'
	assert_output_lacks block /dev/console /dev/tty0 /dev/ttyS0
	assert_output_has devs-ok
	# control: the host has them
	run sh -c 'ls /dev/console'
	assert_output_has /dev/console
}

@test "no Landlock ruleset can be made inside, so no nested layer is ignored by the guard" {
	run crun -- "$PY" -c 'import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(444, None, 0, 1)
print("abi", r, errno.errorcode.get(ctypes.get_errno(), ctypes.get_errno()))'
	assert_output_has "abi -1 ENOSYS"
	# control: outside the same call reports the ABI
	run "$PY" -c 'import ctypes; print("abi", ctypes.CDLL(None).syscall(444, None, 0, 1))'
	[[ "$output" =~ abi\ [1-9] ]] || fail "control: $output"
}

@test "an O_PATH stdin does not switch the guard off (control: the guard refuses .envrc)" {
	run "$PY" -c 'import os, sys
fd = os.open("/etc/hostname", os.O_PATH)
os.dup2(fd, 0)
os.execvp(sys.argv[1], sys.argv[1:])' env HOME="$TEST_HOME" "$CORDON" run -- /bin/sh -c \
		'echo x >.envrc && echo made-envrc; echo done'
	assert_output_lacks made-envrc "not in force"
	assert_output_has done
	[ ! -e "$W/.envrc" ] || fail ".envrc made"
}

@test "an fd whose name is longer than PATH_MAX is refused, not left on the host's mount" {
	# a directory 22 levels of 200 characters deep, opened as stdin
	local deep
	deep=$("$PY" -c 'import os, sys
os.chdir(sys.argv[1])
n = "d" * 200
for _ in range(22):
    os.mkdir(n); os.chdir(n)
print("ok")' "$W")
	[ "$deep" = ok ] || fail "setup: $deep"
	run "$PY" -c 'import os, sys
os.chdir(sys.argv[1])
for _ in range(22):
    os.chdir("d" * 200)
fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
os.dup2(fd, 0)
os.chdir(sys.argv[1])
os.execvp(sys.argv[2], sys.argv[2:])' "$W" env HOME="$TEST_HOME" "$CORDON" run -- /bin/echo ran
	assert_status 125
	assert_output_lacks ran
	assert_output_has "inherited fd 0"
	rm -rf "$W/dddd"*
}
