#!/usr/bin/env bats
# run_attacks.bats — an attacker's code inside `cordon run`: holes found by attacking the whole
# command (guard worker, mount layout, namespaces) and kept closed. Each deny has its control.

load helpers

e2e_hooks

# The probe shared by the /proc tests: for each PATH argument, open it with O_CREAT (which the
# seccomp filter routes to the guard worker) and print "PATH: ok" or "PATH: ERRNO-NAME".
# "cwd:DIR:NAME" opens NAME relative to the cwd DIR, "dirfd:DIR:NAME" relative to a dirfd of DIR.
PROC_OPEN='
import errno, os, sys
for a in sys.argv[1:]:
    flags = os.O_CREAT | (os.O_RDWR if a.endswith("mem") else os.O_RDONLY)
    try:
        if a.startswith("cwd:"):
            _, d, n = a.split(":")
            os.chdir(d)
            fd = os.open(n, flags, 0o600)
            os.chdir("/")
        elif a.startswith("dirfd:"):
            _, d, n = a.split(":")
            fd = os.open(n, flags, 0o600, dir_fd=os.open(d, os.O_PATH))
        else:
            fd = os.open(a, flags, 0o600)
        os.read(fd, 1)
        print(a + ": ok")
    except OSError as e:
        print(a + ": " + errno.errorcode[e.errno])
'

# guard_pid: inside the sandbox, the pid of the guard worker (comm "cordon", not PID 1). The worker
# enters the command's PID namespace when its listener arrives, which can be just after the command
# starts, so look for up to 5 s.
GUARD_PID='for i in $(seq 50); do for p in /proc/[0-9]*; do n=${p#/proc/}; [ "$n" != 1 ] && [ "$(cat $p/comm 2>/dev/null)" = cordon ] && echo $n; done | grep . && break; sleep 0.1; done'

@test "the guard does not open another process's /proc files for a confined caller (control: its own)" {
	# Positive control outside: O_CREAT on another same-user process's /proc/PID/maps opens it.
	sleep 300 &
	local sp=$!
	track "$sp"
	run "$PY" -c "$PROC_OPEN" "/proc/$sp/maps"
	kill "$sp"
	assert_status 0
	[ "$output" = "/proc/$sp/maps: ok" ] || fail "control: $output"

	run crun -- /bin/sh -c 'g=$('"$GUARD_PID"'); [ -n "$g" ] || { echo "no guard worker"; exit 9; }
		exec '"$PY"' -c '"'$PROC_OPEN'"' /proc/self/maps /proc/$g/maps /proc/$g/environ \
			/proc/$g/mem /proc/$g/task/$g/maps cwd:/proc/$g:maps dirfd:/proc/$g:maps /proc/1/maps'
	assert_status 0
	echo "$output"
	# the caller's own /proc files still open through the guard
	[ "${lines[0]}" = "/proc/self/maps: ok" ] || fail "own maps: $output"
	[ "${#lines[@]}" -eq 8 ] || fail "probe did not run: $output"
	local l
	for l in "${lines[@]:1}"; do
		[[ "$l" == *": EACCES" ]] || fail "not refused: $l"
	done
}

@test "in place (bash builtin), the guard does not open /proc files of the user's outside processes" {
	local so=$CORDON_TOP/build/bash-builtin/sandbox.so
	[ -f "$so" ] || skip "build/bash-builtin/sandbox.so not built"
	cp "$so" "$T/sandbox.so"
	chmod a+r "$T/sandbox.so"
	sleep 300 &
	local sp=$!
	track "$sp"
	# Positive control outside: the same probe opens the outside process's files.
	run "$PY" -c "$PROC_OPEN" "/proc/$sp/maps" "/proc/$sp/environ"
	[ "$output" = "/proc/$sp/maps: ok"$'\n'"/proc/$sp/environ: ok" ] || fail "control: $output"

	run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash -c \
		'enable -f "$1" sandbox && sandbox on 2>/dev/null || exit 99
		 '"$PY"' -c "$2" /proc/self/maps /proc/$3/maps /proc/$3/environ /proc/$3/mem; exit $?' \
		sh "$T/sandbox.so" "$PROC_OPEN" "$sp" </dev/null 3>&- 4>&-
	kill "$sp"
	assert_status 0
	echo "$output"
	[ "${lines[0]}" = "/proc/self/maps: ok" ] || fail "own maps: $output"
	[ "${#lines[@]}" -eq 4 ] || fail "probe did not run: $output"
	local l
	for l in "${lines[@]:1}"; do
		[[ "$l" == *": EACCES" ]] || fail "not refused: $l"
	done
}

# --- git: files that redirect what a later, unconfined git runs ---------------------------------

# A git config in .git/evil that runs a command on `git status` (core.fsmonitor), and
# .git/commondir pointing at it: git then reads config and hooks from there (gitrepository-layout).
COMMONDIR='mkdir -p .git/evil/objects .git/evil/refs && cp .git/HEAD .git/evil/ &&
	printf "[core]\n\trepositoryformatversion = 0\n\tfsmonitor = \"echo PWNED >&2; false\"\n" \
		>.git/evil/config && echo evil >.git/commondir'

@test ".git/commondir cannot be written to redirect git's config and hooks (control: outside)" {
	# Positive control: unconfined, the redirect makes a later git status run the command.
	git_repo "$OUT/repo"
	(cd "$OUT/repo" && host_sh "$COMMONDIR")
	run git -C "$OUT/repo" status
	assert_output_has PWNED

	git_repo "$W"
	run crun_sh "$COMMONDIR"
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ] || fail "confined write succeeded: $output"
	[ ! -e "$W/.git/commondir" ] || fail ".git/commondir was created"
	run git -C "$W" status
	assert_status 0
	assert_output_lacks PWNED
	# With allowGitConfig the hooks are still protected, so commondir must stay refused too.
	printf '{"filesystem": {"allowGitConfig": true}}\n' >"$T/gitcfg.json"
	run crun --config "$T/gitcfg.json" -- /bin/sh -c "$COMMONDIR"
	[ "$status" -eq 1 ] || [ "$status" -eq 2 ] || fail "confined write with allowGitConfig succeeded: $output"
	[ ! -e "$W/.git/commondir" ]
	run git -C "$W" status
	assert_output_lacks PWNED
}

# --- IPC ----------------------------------------------------------------------------------------

# IPC_PROBE send MSQID | mqcreate NAME | mqopen NAME: msgsnd(2) one message to a System V queue,
# mq_open(3) a POSIX message queue with O_CREAT, or without; prints "ok" or the errno name.
IPC_PROBE='
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
op, arg = sys.argv[1], sys.argv[2]
if op == "send":
    buf = ctypes.create_string_buffer(struct.pack("l", 1) + b"x")
    r = libc.msgsnd(int(arg), buf, 1, 0o4000)
else:
    flags = os.O_CREAT | os.O_RDWR if op == "mqcreate" else os.O_RDONLY
    r = libc.mq_open(arg.encode(), flags, 0o600, None)
print("ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])
'

# qnum MSQID: the number of messages in a System V queue.
qnum() {
	ipcs -q -i "$1" | sed -n 's/.*qnum=\([0-9]*\).*/\1/p'
}

@test "System V IPC and POSIX message queues of the host are not shared with the sandbox (threat model §21)" {
	local id mq=/cordon-ra-$$-$RANDOM
	id=$(ipcmk -Q -p 0600 | awk '{print $NF}')
	[ -n "$id" ] || fail "ipcmk failed"
	# Positive control: the same probe reaches the host's queue unconfined.
	run "$PY" -c "$IPC_PROBE" send "$id"
	[ "$output" = ok ] || { ipcrm -q "$id"; fail "control: $output"; }
	[ "$(qnum "$id")" = 1 ]

	run crun -- "$PY" -c "$IPC_PROBE" send "$id"
	local confined=$output
	[ "$(qnum "$id")" = 1 ] || { ipcrm -q "$id"; fail "a message reached the host's queue: $confined"; }
	ipcrm -q "$id"
	[ "$confined" = EINVAL ] || [ "$confined" = ENOENT ] || fail "send: $confined"

	# A POSIX queue of the host cannot be opened (and drained) inside; control: outside it can.
	# (Creating one inside is refused by Landlock's make_reg right either way.)
	run "$PY" -c "$IPC_PROBE" mqcreate "$mq"
	[ "$output" = ok ] || fail "control: mq_open outside: $output"
	run "$PY" -c "$IPC_PROBE" mqopen "$mq"
	[ "$output" = ok ] || fail "control: mq_open outside: $output"
	run crun -- "$PY" -c "$IPC_PROBE" mqopen "$mq"
	"$PY" -c 'import ctypes,sys; ctypes.CDLL(None).mq_unlink(sys.argv[1].encode())' "$mq"
	[ "$output" = ENOENT ] || fail "the host's queue is reachable inside: $output"
}

# --- persistence in $HOME when $HOME is the writable tree ---------------------------------------

# Files that a later, unconfined login, shell, editor, Python or cargo run reads as code.
HOME_CODE='.bash_aliases .config/fish/config.fish .config/environment.d/90-x.conf
	.config/nvim/init.lua .vimrc .vim/plugin/x.vim .emacs .emacs.d/init.el .xprofile .xsessionrc
	.xinitrc .tmux.conf .local/lib/python3.11/site-packages/x.pth .cargo/config.toml
	.cargo/bin/cargo .config/Code/User/settings.json'

@test "with cwd = HOME, files that later sessions run as code cannot be created (control: outside)" {
	mkdir -p "$TEST_HOME/.config" "$TEST_HOME/.local/lib" "$TEST_HOME/.cargo/bin"
	cp /etc/skel/.bashrc "$TEST_HOME/" 2>/dev/null || true
	cd "$TEST_HOME"
	local script='for f in '"$(echo $HOME_CODE)"'; do
		mkdir -p "$(dirname "$f")" 2>/dev/null; { echo x >"$f"; } 2>/dev/null && echo "wrote $f"
	done; mkdir -p projects/other && echo x >projects/other/f && echo control-ok'
	# Positive control: the same script writes every file unconfined (in a copy of the home).
	mkdir -p "$OUT/h/.config" "$OUT/h/.local/lib" "$OUT/h/.cargo/bin"
	run env -C "$OUT/h" /bin/sh -c "$script"
	assert_output_has control-ok "wrote .bash_aliases" "wrote .cargo/bin/cargo"
	[ "$(grep -c '^wrote ' <<<"$output")" -eq 16 ] || fail "control: $output"

	run crun -- /bin/sh -c "$script"
	assert_output_has control-ok
	assert_output_lacks wrote
	local f
	for f in $HOME_CODE; do
		[ ! -e "$TEST_HOME/$f" ] || fail "$f appeared in HOME"
	done
}

# --- resources ----------------------------------------------------------------------------------

# THREADS N: start up to N threads (each takes a pid) that wait; print how many started.
THREADS='
import sys, threading
threading.stack_size(65536)
ev, n = threading.Event(), 0
try:
    for _ in range(int(sys.argv[1])):
        threading.Thread(target=ev.wait, daemon=True).start()
        n += 1
except RuntimeError:
    pass
ev.set()
print(n)
'

@test "a fork bomb is bounded by the PID namespace's pid_max (threat model §35; control: outside)" {
	# Positive control: unconfined, the same probe starts more tasks than the sandbox allows.
	run "$PY" -c "$THREADS" 9000
	assert_status 0
	[ "$output" = 9000 ] || skip "this machine cannot start 9000 threads outside ($output)"

	# Its own bound: starting ~8000 threads and tearing the namespace down takes 3-15 s here,
	# and once took over a minute in a full run on a loaded machine.
	RUN_TIMEOUT=180 run crun -- /bin/sh -c 'cat /proc/sys/kernel/pid_max; '"$PY"' -c "$1" 9000' \
		sh "$THREADS"
	assert_status 0
	[ "${lines[0]}" = 8192 ] || fail "pid_max inside: $output"
	[ "${lines[1]}" -gt 1000 ] && [ "${lines[1]}" -lt 8192 ] || fail "threads started: $output"
}

@test "cordon run's summary of refusals shows control bytes of a SOCKS5 host name escaped" {
	# control: a plain name is shown as it is
	run crun -- "$PY" "$BIN/socks5_raw.py" plain.test
	assert_output_has "cordon: refused plain.test:80"
	run crun -- "$PY" "$BIN/socks5_raw.py" 'evil\x1b]0;PWNED\x07\x1b[31m.test'
	assert_output_has 'cordon: refused evil\x1b]0;PWNED\x07\x1b[31m.test:'
	! LC_ALL=C grep -q "$(printf '[\033\007]')" <<<"$output" ||
		fail "raw control bytes: $(od -c <<<"$output" | head)"
}
