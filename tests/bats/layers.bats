#!/usr/bin/env bats
# layers.bats — the kernel layers a process applies to itself (layers.h): capabilities, Landlock,
# seccomp, self-check. Each attack probe runs unconfined first (it must reach the kernel) and then
# under layers-exec, where it must fail with the errno of the layer that refuses it: EPERM from
# seccomp, EACCES from Landlock, SIGSYS (status 159) for a foreign syscall ABI.

load helpers

setup() {
	LX=$TOOLS/layers-exec
	[ -x "$LX" ] || skip "build/tests/tools/layers-exec not built"
	work=$(test_tmpdir layers)
	mkdir "$work/in" "$work/out"
}

teardown() {
	kill_jobs # the background listeners ($bgpid)
	rm_tmpdir "${work:-}"
}

# positive_control PROBE ARGS...: the probe must succeed unconfined, or the test proves nothing.
positive_control() {
	run "$@"
	if [ "$status" -ne 0 ]; then
		skip "unconfined, $(basename "$1") $2 does not reach the kernel here: $output"
	fi
	[ "$output" = ok ]
}

# --- seccomp -------------------------------------------------------------------------------------

@test "TIOCSTI into the controlling terminal is refused by seccomp (CVE-2017-5226)" {
	positive_control "$TOOLS/probe-tiocsti"
	run "$LX" --no-seccomp -- "$TOOLS/probe-tiocsti"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	run "$LX" -- "$TOOLS/probe-tiocsti"
	[ "$status" -eq 1 ]
	[ "$output" = "ioctl TIOCSTI: EPERM" ]
}

@test "TIOCSTI with junk in the upper 32 bits of the request is refused too (CVE-2019-10063)" {
	positive_control "$TOOLS/probe-tiocsti" high
	run "$LX" -- "$TOOLS/probe-tiocsti" high
	[ "$status" -eq 1 ]
	[ "$output" = "ioctl TIOCSTI: EPERM" ]
}

@test "socket(AF_UNIX) is refused by seccomp, so a listening unix socket cannot be reached" {
	sock="$work/s"
	"$TOOLS/probe-unix-connect" listen "$sock" 60 >/dev/null 3>&- &
	bgpid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	positive_control "$TOOLS/probe-unix-connect" connect "$sock"
	run "$LX" -- "$TOOLS/probe-unix-connect" connect "$sock"
	[ "$status" -eq 1 ]
	[ "$output" = "socket: EPERM" ]
}

@test "without the guard's listener a unix socket list is not honoured: socket(AF_UNIX) stays refused" {
	# The list means exactly its sockets, which only the guard can hold connect(2) to
	# (policy_truth.bats runs it through cordon run); the filter alone fails closed.
	sock="$work/s"
	"$TOOLS/probe-unix-connect" listen "$sock" 60 >/dev/null 3>&- &
	bgpid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	# control: unconfined the probe connects
	run "$TOOLS/probe-unix-connect" connect "$sock"
	[ "$output" = ok ]
	run "$LX" --allow-unix "$sock" -- "$TOOLS/probe-unix-connect" connect "$sock"
	[ "$output" = "socket: EPERM" ]
}

@test "socketpair(AF_UNIX) keeps working under the filter" {
	run "$LX" -- "$TOOLS/probe-unix-connect" socketpair
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "io_uring is refused by seccomp" {
	positive_control "$TOOLS/probe-io-uring"
	run "$LX" -- "$TOOLS/probe-io-uring"
	[ "$status" -eq 1 ]
	[ "$output" = "io_uring_setup: EPERM" ]
}

@test "a new user namespace is refused: unshare, clone, clone with high flag bits" {
	for mode in unshare clone clone-high; do
		positive_control "$TOOLS/probe-unshare-user" "$mode"
		run "$LX" --no-seccomp -- "$TOOLS/probe-unshare-user" "$mode"
		[ "$output" = ok ]
		run "$LX" -- "$TOOLS/probe-unshare-user" "$mode"
		[ "$status" -eq 1 ]
		[ "$output" = "${mode%-high}: EPERM" ]
	done
}

@test "clone3 gets ENOSYS so libc falls back to clone, which the filter can inspect" {
	positive_control "$TOOLS/probe-unshare-user" clone3
	run "$LX" -- "$TOOLS/probe-unshare-user" clone3
	[ "$status" -eq 1 ]
	[ "$output" = "clone3: ENOSYS" ]
}

@test "ptrace, process_vm_readv/writev and pidfd_getfd on a same-user process are refused by seccomp" {
	for mode in child vm-read vm-write getfd; do
		positive_control "$TOOLS/probe-ptrace" "$mode"
		# Landlock and the capability drop alone still let a process reach its own child ...
		run "$LX" --no-seccomp -- "$TOOLS/probe-ptrace" "$mode"
		[ "$output" = ok ]
		# ... the filter is what refuses it.
		run "$LX" -- "$TOOLS/probe-ptrace" "$mode"
		[ "$status" -eq 1 ]
		case $mode in
		child) [ "$output" = "ptrace: EPERM" ] ;;
		vm-read) [ "$output" = "process_vm_readv: EPERM" ] ;;
		vm-write) [ "$output" = "process_vm_writev: EPERM" ] ;;
		getfd) [ "$output" = "pidfd_getfd: EPERM" ] ;;
		esac
	done
}

@test "ptrace of the parent shell is refused" {
	positive_control "$TOOLS/probe-ptrace" parent
	run "$LX" -- "$TOOLS/probe-ptrace" parent
	[ "$status" -eq 1 ]
	[ "$output" = "ptrace: EPERM" ]
}

# foreign_abi_reaches ABI: the probe unconfined must reach the kernel through ABI (the call runs,
# or the kernel answers ENOSYS for an ABI it lacks); skips when the entry itself faults (SIGSEGV:
# no ia32 entry on this kernel or virtual machine), where the filter is never asked either.
foreign_abi_reaches() {
	[ "$(uname -m)" = x86_64 ] || skip "x32/i386 ABIs exist only on x86_64"
	run "$TOOLS/probe-x32" "$1"
	[ "$status" -ne 4 ] || skip "$1 system calls do not reach the kernel here ($output)"
	[ "$output" = ok ] || [ "$output" = "$1 getpid: ENOSYS" ]
}

@test "x32 system calls kill the process (foreign ABI, SIGSYS)" {
	foreign_abi_reaches x32
	run "$LX" -- "$TOOLS/probe-x32" x32
	[ "$status" -eq 159 ] # 128 + SIGSYS
	[ -z "$output" ]
}

@test "i386 system calls (int 0x80) kill the process (foreign ABI, SIGSYS)" {
	foreign_abi_reaches i386
	run "$LX" -- "$TOOLS/probe-x32" i386
	[ "$status" -eq 159 ] # 128 + SIGSYS
	[ -z "$output" ]
}

@test "the mount API, chroot and setns are refused by seccomp (CVE-2021-41133)" {
	# Arguments the kernel rejects without changing anything; the errno it gives proves the
	# call reached it. Calls that check privilege first need a user+mount namespace unconfined.
	local -A kernel=([open_tree]=EINVAL [move_mount]=EINVAL [fsopen]=ENODEV [fsconfig]=EINVAL
		[fsmount]=EBADF [fspick]=ENOENT [mount_setattr]=EINVAL [mount]=ENOENT
		[umount2]=EINVAL [chroot]=ENOENT [pivot_root]=ENOENT [setns]=EBADF)
	local pre=()
	[ "$(id -u)" = 0 ] || pre=(unshare -Urm)
	for c in "${!kernel[@]}"; do
		run "${pre[@]}" "$TOOLS/probe-mount-api" "$c"
		[ "$output" = "$c: ${kernel[$c]}" ]
		run "$LX" -- "$TOOLS/probe-mount-api" "$c"
		[ "$status" -eq 1 ]
		[ "$output" = "$c: EPERM" ]
	done
}

@test "personality cannot turn off ASLR, but the persona can still be queried" {
	command -v setarch >/dev/null || skip "setarch not installed"
	run setarch "$(uname -m)" -R true
	[ "$status" -eq 0 ]
	run "$LX" -- setarch "$(uname -m)" -R true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run "$LX" -- "$PY" -c 'import ctypes; print(ctypes.CDLL(None).personality(0xffffffff))'
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

# --- capabilities, no_new_privs, self-check ------------------------------------------------------

@test "no capability and no_new_privs in /proc/self/status under the layers" {
	run grep -E '^NoNewPrivs:' /proc/self/status
	[[ "$output" == *0 ]] # positive control: the test's own shell has no NNP
	run "$LX" -- grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status
	[ "$status" -eq 0 ]
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		[[ "$output" == *"$f:"$'\t'"0000000000000000"* ]]
	done
	[[ "$output" == *"NoNewPrivs:"$'\t'"1"* ]]
	[[ "$output" == *"Seccomp:"$'\t'"2"* ]]
}

@test "a setuid binary gains nothing under no_new_privs" {
	[ "$(id -u)" = 0 ] || skip "creating a setuid test binary needs root (as 65534 the user namespace leaves setuid-root files unmapped anyway)"
	cp /usr/bin/id "$work/id-setuid"
	chown 65534:65534 "$work/id-setuid"
	chmod 4755 "$work/id-setuid"
	run "$work/id-setuid" -u
	[ "$output" = 65534 ] # positive control: the setuid bit works on this file system
	run "$LX" -- "$work/id-setuid" -u
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "root without capabilities cannot switch users with su" {
	[ "$(id -u)" = 0 ] || skip "needs root: as 65534 su asks for a password"
	command -v su >/dev/null || skip "su not installed"
	run su -s /bin/sh nobody -c 'id -u'
	[ "$output" = 65534 ]
	run "$LX" -- su -s /bin/sh nobody -c 'id -u'
	[ "$status" -ne 0 ]
	[ "$output" != 65534 ]
}

# --- Landlock ------------------------------------------------------------------------------------

@test "Landlock refuses writes outside --allow-write even where the file mode allows them" {
	positive_control "$TOOLS/probe-write" create "$work/out/pc"
	for m in create mkdir; do
		run "$LX" --allow-write "$work/in" -- "$TOOLS/probe-write" "$m" "$work/out/x-$m"
		[ "$status" -eq 1 ]
		[ "$output" = "$([ $m = create ] && echo open || echo mkdir): EACCES" ]
		[ ! -e "$work/out/x-$m" ]
		run "$LX" --allow-write "$work/in" -- "$TOOLS/probe-write" "$m" "$work/in/x-$m"
		[ "$status" -eq 0 ]
		[ "$output" = ok ]
	done
	# Without Landlock the same write goes through: Landlock is the layer that refused.
	run "$LX" --no-landlock --allow-write "$work/in" -- "$TOOLS/probe-write" create "$work/out/y"
	[ "$output" = ok ]
}

@test "Landlock refuses truncate(2) of a file outside the writable trees (ABI >= 3)" {
	echo data >"$work/out/keep"
	run "$LX" --allow-write "$work/in" -- "$TOOLS/probe-write" truncate "$work/out/keep"
	[ "$status" -eq 1 ]
	[ "$output" = "truncate: EACCES" ]
	[ "$(cat "$work/out/keep")" = data ]
	echo data >"$work/in/t"
	run "$LX" --allow-write "$work/in" -- "$TOOLS/probe-write" truncate "$work/in/t"
	[ "$output" = ok ]
	[ ! -s "$work/in/t" ]
}

@test "/dev/null, /dev/stdout on a pipe and a new pty stay writable under Landlock" {
	run "$LX" --allow-write "$work/in" -- bash -c \
		'echo a >/dev/null && : >/dev/null && echo b >/dev/stdout && echo c >/proc/self/fd/1'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'b\nc')" ]
	run "$LX" --no-seccomp --allow-write "$work/in" -- "$TOOLS/probe-tiocsti"
	[ "$output" = ok ] # opens /dev/ptmx and /dev/pts/N read-write, termios ioctls on them
}

@test "Landlock allows TCP connect only to the listed ports (ABI >= 4)" {
	run "$CORDON" check --json
	abi=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["landlock_abi"])' <<<"$output")
	[ "$abi" -ge 4 ] || skip "Landlock ABI $abi has no TCP rules"
	# Two loopback listeners on ephemeral ports (unconfined).
	"$PY" "$HOSTS_SRC/tcp_listen.py" 127.0.0.1 2 "$work/ports" </dev/null >/dev/null 2>&1 3>&- &
	bgpid=$!
	wait_file "$work/ports" || fail "tcp_listen.py did not start"
	read -r p1 p2 <"$work/ports"
	conn='import errno, socket, sys
r = socket.socket().connect_ex(("127.0.0.1", int(sys.argv[1])))
print(errno.errorcode.get(r, "ok"))'
	run "$PY" -c "$conn" "$p2"
	[ "$output" = ok ] # positive control
	run "$LX" --tcp-port "$p1" -- "$PY" -c "$conn" "$p1"
	[ "$output" = ok ]
	run "$LX" --tcp-port "$p1" -- "$PY" -c "$conn" "$p2"
	[ "$output" = EACCES ]
}

@test "Landlock refuses binding a TCP port unless local binding is allowed (ABI >= 4)" {
	bind='import socket
try:
    socket.socket().bind(("127.0.0.1", 0)); print("ok")
except OSError as e:
    import errno; print(errno.errorcode[e.errno])'
	run "$PY" -c "$bind"
	[ "$output" = ok ]
	run "$LX" --no-tcp -- "$PY" -c "$bind"
	[ "$output" = EACCES ]
	run "$LX" --no-tcp --allow-bind -- "$PY" -c "$bind"
	[ "$output" = ok ]
}

@test "Landlock signal scoping: a signal to a process outside the sandbox is refused (ABI >= 6)" {
	sleep 60 3>&- &
	bgpid=$!
	run kill -0 "$bgpid"
	[ "$status" -eq 0 ] # positive control
	run "$LX" --no-landlock -- bash -c "kill -0 $bgpid"
	[ "$status" -eq 0 ] # the capability drop and the filter alone do not stop it
	run "$LX" -- bash -c "kill -0 $bgpid"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run "$LX" -- bash -c 'sleep 5 & kill $! && wait $!; echo $?'
	[ "$output" = 143 ] # signals inside the sandbox still work
}

# --- guard listener ------------------------------------------------------------------------------

@test "with a listener, file-creating calls are routed to it and plain opens are not" {
	run "$LX" --listener-verbose --allow-write "$work/in" -- bash -c \
		"mkdir '$work/in/d' && echo x >'$work/in/d/f' && cat '$work/in/d/f' && rm -r '$work/in/d'"
	[ "$status" -eq 0 ]
	[[ "$output" == *"notified mkdir"* ]]
	[[ "$output" == *"notified openat"* ]]
	[[ "$output" == *"notified unlinkat"* ]]
	run "$LX" --listener-verbose -- cat /etc/hostname
	[ "$status" -eq 0 ]
	[[ "$output" != *notified* ]]
}

# --- cordon check --------------------------------------------------------------------------------

@test "cordon check --json is valid JSON and reports Landlock" {
	run "$CORDON" check --json
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
	echo "$output" | "$PY" -m json.tool >/dev/null
	abi=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["landlock_abi"])' <<<"$output")
	[ "$abi" -ge 1 ]
}

@test "cordon check names missing layers and exits 1 where user namespaces are unavailable" {
	run "$CORDON" check
	[[ "$output" == *"missing:"* ]]
	# Inside the layers a user namespace can no longer be created: that is reported.
	run "$LX" -- "$CORDON" check --json
	[ "$status" -eq 1 ]
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); assert not d["usable"] and not d["userns"] and d["userns_why"]' <<<"$output"
}

@test "where user namespaces are switched off, cordon says why and what to do, and runs nothing" {
	command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
	# control: here they work
	run "$CORDON" check --json
	"$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["usable"] and d["userns"]' <<<"$output"
	# simulated: max_user_namespaces = 0 inside a user namespace of our own
	run unshare -Ur sh -c 'echo 0 >/proc/sys/user/max_user_namespaces || exit 97
		"$1" run -- /bin/echo ran; echo "rc=$?"; "$1" check --json' sh "$CORDON"
	[ "$status" -ne 97 ] || skip "cannot lower user.max_user_namespaces in a user namespace here"
	[[ "$output" == *"rc=125"* ]] || fail "not refused: $output"
	[[ "$output" != *"ran"$'\n'* ]] || fail "the command ran: $output"
	[[ "$output" == *"user.max_user_namespaces"*"no weaker mode"* ]] || fail "no reason: $output"
	"$PY" -c 'import json,sys
d = json.loads(sys.stdin.read().splitlines()[-1])
assert not d["usable"] and "max_user_namespaces" in d["userns_why"], d' <<<"$output"
}
