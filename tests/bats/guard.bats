#!/usr/bin/env bats
# guard.bats — the guard worker (cordon_guard_serve) refuses names in its guard set that do not
# exist yet, performs every other file-creating call faithfully, and leaves no placeholder files.
# Runs CMD under tests/tools/guard-run, which installs a seccomp notify filter for the guard's calls.

load helpers

setup() {
	GR=$TOOLS/guard-run
	[ -x "$GR" ] || skip "guard-run not built ($GR)"
	d=$(test_tmpdir guard)
	cd "$d"
}

teardown() {
	kill_jobs
	cd /
	rm_tmpdir "${d:-}"
}

# g CMD...: run a shell command line in $d under the guard with .bashrc and .mcp.json denied in $d.
g() {
	"$GR" --deny "$d/.bashrc" --deny "$d/.mcp.json" -- sh -c "$1"
}

@test "creating a guarded name is refused with EACCES and no file appears" {
	run g 'echo x > .bashrc'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	[ ! -e "$d/.bashrc" ] && [ ! -L "$d/.bashrc" ]
}

@test "positive control: an unguarded name next to it is created with the right content" {
	run g 'echo hello > ok.txt && cat ok.txt'
	[ "$status" -eq 0 ]
	[ "$output" = "hello" ]
	[ "$(cat "$d/ok.txt")" = "hello" ]
}

@test "only the listed directory is protected: sub/.bashrc is created" {
	run g 'mkdir sub && echo > sub/.bashrc'
	[ "$status" -eq 0 ]
	[ -f "$d/sub/.bashrc" ]
	[ ! -e "$d/.bashrc" ]
}

@test "rename, symlink and hard link onto guarded names are refused; to other names they work" {
	run g 'echo data > ok.txt; mv ok.txt .bashrc'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	[ ! -e "$d/.bashrc" ] && [ -f "$d/ok.txt" ]
	run g 'ln -s /etc/passwd .mcp.json'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	[ ! -L "$d/.mcp.json" ]
	run g 'ln ok.txt .mcp.json'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	[ ! -e "$d/.mcp.json" ]
	# positive controls
	run g 'mv ok.txt moved.txt && ln -s /etc/passwd sym && ln moved.txt hard && mkdir dir && rmdir dir'
	[ "$status" -eq 0 ]
	[ -f "$d/moved.txt" ] && [ -L "$d/sym" ] && [ "$(stat -c %h "$d/hard")" -eq 2 ]
}

@test "mkdir, mknod of a guarded name and a guarded name with trailing slash are refused" {
	run g 'mkdir .bashrc'
	[ "$status" -ne 0 ] && [ ! -e "$d/.bashrc" ]
	run g 'mkdir .bashrc/'
	[ "$status" -ne 0 ] && [ ! -e "$d/.bashrc" ]
	run g 'mkfifo .mcp.json'
	[ "$status" -ne 0 ] && [ ! -e "$d/.mcp.json" ]
	run g 'mkdir newdir/ && mkfifo fifo'
	[ "$status" -eq 0 ] && [ -d "$d/newdir" ] && [ -p "$d/fifo" ]
}

@test "an existing guarded name cannot be removed or renamed away" {
	echo original > "$d/.bashrc"
	run g 'rm -f .bashrc'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	run g 'mv .bashrc gone'
	[ "$status" -ne 0 ]
	[ "$(cat "$d/.bashrc")" = original ]
	echo other > "$d/other"
	run g 'rm other'
	[ "$status" -eq 0 ] && [ ! -e "$d/other" ]
}

@test "a symbolic link pointing at a guarded name does not let the target create it" {
	ln -s .bashrc "$d/lnk"
	ln -s "$d/.mcp.json" "$d/abslnk"
	run g 'echo x > lnk'
	[ "$status" -ne 0 ] && [ ! -e "$d/.bashrc" ]
	run g 'echo x > abslnk'
	[ "$status" -ne 0 ] && [ ! -e "$d/.mcp.json" ]
	ln -s target.txt "$d/lnk2"
	run g 'echo x > lnk2'
	[ "$status" -eq 0 ] && [ "$(cat "$d/target.txt")" = x ]
}

@test "absolute, relative, dot-dot and /proc/self/cwd paths reach the same check" {
	mkdir "$d/sub"
	for p in "$d/.bashrc" "sub/../.bashrc" "./.bashrc" "/proc/self/cwd/.bashrc" "$d//.bashrc"; do
		run g "echo x > '$p'"
		[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
		[ ! -e "$d/.bashrc" ]
	done
	run g "echo a > '$d/abs.txt' && echo b > sub/../rel.txt && echo c > /proc/self/cwd/proc.txt"
	[ "$status" -eq 0 ]
	[ "$(cat "$d/abs.txt" "$d/rel.txt" "$d/proc.txt" | tr -d '\n')" = abc ]
}

@test "dirfd-relative opens (python os.open dir_fd) are checked against the dirfd's directory" {
	command -v python3 >/dev/null || skip "python3 not installed"
	mkdir "$d/sub"
	run "$GR" --deny "$d/.bashrc" -- python3 -c '
import os, sys
os.chdir("sub")
dfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY)
try:
    os.open(".bashrc", os.O_CREAT | os.O_WRONLY, dir_fd=dfd)
    print("created")
except PermissionError:
    print("denied")
fd = os.open("viafd", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=dfd)
os.write(fd, b"ok")
print("allowed")
'
	[ "$status" -eq 0 ]
	[ "$output" = $'denied\nallowed' ]
	[ ! -e "$d/.bashrc" ] && [ "$(cat "$d/viafd")" = ok ]
}

@test "O_CLOEXEC is honoured on the injected fd, and its absence too" {
	command -v python3 >/dev/null || skip "python3 not installed"
	run "$GR" -- python3 -c '
import ctypes, fcntl, os
libc = ctypes.CDLL(None, use_errno=True)
a = libc.open(b"with", os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644)
b = libc.open(b"without", os.O_CREAT | os.O_WRONLY, 0o644)
print(a >= 0 and b >= 0,
      bool(fcntl.fcntl(a, fcntl.F_GETFD) & fcntl.FD_CLOEXEC),
      bool(fcntl.fcntl(b, fcntl.F_GETFD) & fcntl.FD_CLOEXEC))
'
	[ "$status" -eq 0 ]
	[ "$output" = "True True False" ]
}

@test "O_EXCL on an existing file gives EEXIST; on a new one it creates" {
	echo old > "$d/exists"
	run "$GR" -- sh -c 'set -C; echo new > exists'
	[ "$status" -ne 0 ] && [[ "$output" == *"exists"* ]]
	[ "$(cat "$d/exists")" = old ]
	run "$GR" -- sh -c 'set -C; echo new > fresh'
	[ "$status" -eq 0 ] && [ "$(cat "$d/fresh")" = new ]
}

@test "the target's umask is applied (umask 077 gives 600 files, 700 directories)" {
	run "$GR" -- sh -c 'umask 077; : > f; mkdir dd; mkfifo p'
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$d/f" "$d/dd" "$d/p" | tr '\n' ' ')" = "600 700 600 " ]
	run "$GR" -- sh -c 'umask 022; : > f2; mkdir dd2'
	[ "$(stat -c %a "$d/f2" "$d/dd2" | tr '\n' ' ')" = "644 755 " ]
}

@test "redirections to /dev/null, /dev/stdout and a process substitution pipe work" {
	run "$GR" -- bash -c 'echo a > /dev/null; echo b > /dev/stdout; echo c > >(cat); wait; sleep 0.2'
	[ "$status" -eq 0 ]
	[[ "$output" == *b* ]] && [[ "$output" == *c* ]]
}

@test "a FIFO opened with O_CREAT before its reader does not stall the worker" {
	mkfifo "$d/p"
	run timeout 10 "$GR" -- bash -c 'echo through > p & sleep 0.3; : > other; cat < p; wait'
	[ "$status" -eq 0 ]
	[ "$output" = through ] && [ -e "$d/other" ]
}

@test "a command SIGKILLed while creating files leaves no guarded name behind" {
	"$GR" --deny "$d/.bashrc" -- sh -c \
		'i=0; while :; do echo x > .bashrc 2>/dev/null; : > ok$((i%5)); i=$((i+1)); done' &
	pid=$!
	sleep 0.5
	pkill -KILL -P "$pid" sh || true
	wait "$pid" || true
	[ ! -e "$d/.bashrc" ]
	[ -e "$d/ok0" ] # positive control: the loop did create files
}

@test "when the worker is SIGKILLed, creating calls fail closed (no file, no fallback)" {
	"$GR" --deny "$d/.bashrc" -- sh -c \
		': > before; while [ ! -e go ]; do sleep 0.05; done
		 { echo x > .bashrc; } 2>/dev/null; echo "rc=$?" >&3
		 { echo x > after; } 2>/dev/null; echo "rc=$?" >&3' 3>"$d/out" &
	worker=$!
	for _ in $(seq 100); do [ -e "$d/before" ] && break; sleep 0.05; done
	[ -e "$d/before" ]
	kill -KILL "$worker"
	wait "$worker" || true
	touch "$d/go"
	for _ in $(seq 100); do [ "$(wc -l <"$d/out")" -ge 2 ] && break; sleep 0.05; done
	[ "$(cat "$d/out" | tr '\n' ' ')" != "rc=0 rc=0 " ]
	grep -q 'rc=[1-9]' "$d/out"
	[ ! -e "$d/.bashrc" ] && [ ! -e "$d/after" ]
}

@test "a thread flipping the path buffer between an allowed and a guarded name never creates it" {
	command -v python3 >/dev/null || skip "python3 not installed"
	run "$GR" --deny "$d/.bashrc" -- python3 -c '
import ctypes, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(b"allowed", 16)
stop = time.time() + 2
def flip():
    while time.time() < stop:
        ctypes.memmove(buf, b".bashrc", 8)
        ctypes.memmove(buf, b"allowed", 8)
t = threading.Thread(target=flip); t.start()
opened = 0
while time.time() < stop:
    fd = libc.open(buf, os.O_CREAT | os.O_WRONLY, 0o644)
    if fd >= 0:
        opened += 1; os.close(fd)
        if os.path.exists(".bashrc"): print("CREATED"); break
t.join()
print("opened", opened > 0)
'
	[ "$status" -eq 0 ]
	[ "$output" = "opened True" ]
	[ ! -e "$d/.bashrc" ] && [ -e "$d/allowed" ]
}

@test "EROFS from a read-only mount comes back as EROFS" {
	command -v unshare >/dev/null || skip "unshare not installed"
	mkdir "$d/ro" "$d/rw"
	unshare -rm true 2>/dev/null || skip "cannot create a user+mount namespace here"
	run unshare -rm sh -c "mount -t tmpfs -o ro none '$d/ro' &&
		mount -t tmpfs none '$d/rw' &&
		'$GR' -- sh -c 'echo x > ro/f; echo rc=\$?; echo y > rw/f && cat rw/f'"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"rc="[1-9]* ]] && [[ "$output" == *y ]]
}

@test "make and cc build a small C program under the guard" {
	command -v make >/dev/null && command -v cc >/dev/null || skip "make/cc not installed"
	mkdir "$d/proj"
	printf '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n' >"$d/proj/hello.c"
	printf 'hello: hello.c\n\tcc -O1 -o $@ $<\n' >"$d/proj/Makefile"
	run "$GR" --deny "$d/proj/.bashrc" -- sh -c 'cd proj && make -s && ./hello'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = built ]
}

@test "git init, add and commit work in a subdirectory under the guard" {
	command -v git >/dev/null || skip "git not installed"
	mkdir "$d/repo"
	run "$GR" --deny "$d/.bashrc" -- sh -c 'cd repo && git init -q && echo hi > a.txt &&
		git add a.txt && git -c user.name=t -c user.email=t@example.invalid commit -qm one &&
		git log --oneline | wc -l'
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]
}

@test "a guarded name made a directory on the host after start keeps everything in it guarded" {
	"$GR" --deny "$d/.vscode" -- sh -c '
		: > ready; i=0; while [ ! -e go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
		{ echo "{}" > .vscode/settings.json && echo WROTE-FILE; } 2>/dev/null
		{ mkdir .vscode/sub && echo WROTE-DIR; } 2>/dev/null
		{ cd .vscode && echo > incwd && echo WROTE-CWD; } 2>/dev/null
		cd "$0" && echo ok > other/settings.json && echo OTHER' "$d" >"$d/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -e "$d/ready" ] && break; sleep 0.05; done
	mkdir "$d/.vscode" "$d/other"
	touch "$d/go"
	wait "$pid"
	run cat "$d/out"
	[ "$output" = OTHER ]
	[ -z "$(ls -A "$d/.vscode")" ]
	[ "$(cat "$d/other/settings.json")" = ok ]
}

@test "a guarded name that is a symbolic link is not traversed; its target directly is" {
	mkdir "$d/elsewhere"
	ln -s elsewhere "$d/.claude"
	run "$GR" --deny "$d/.claude" -- sh -c 'echo x > .claude/f'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	[ ! -e "$d/elsewhere/f" ]
	"$GR" --deny "$d/.claude" -- sh -c 'echo x > elsewhere/f'
	[ "$(cat "$d/elsewhere/f")" = x ]
}

@test "an existing guarded file cannot get a second name to be written through" {
	echo original > "$d/.mcp.json"
	run g 'ln .mcp.json second'
	[ "$status" -ne 0 ] && [[ "$output" == *"Permission denied"* ]]
	[ ! -e "$d/second" ]
	echo data > "$d/plain"
	run g 'ln plain second'
	[ "$status" -eq 0 ] && [ "$(stat -c %h "$d/plain")" -eq 2 ]
}
