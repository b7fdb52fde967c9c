#!/usr/bin/env bats
# mounts.bats — the mount-namespace layout alone (cordon_mounts_setup through mount-sandbox):
# read-only "/", writable trees, private /tmp, denyRead masks, read-only pins, guard entries.
# Each deny is shown by its errno (EROFS, ENOENT, EBUSY, EXDEV) next to a positive control.

load helpers

setup() {
	MS=$TOOLS/mount-sandbox
	[ -x "$MS" ] || skip "mount-sandbox not built"
	if ! "$MS" -- true 2>/dev/null; then
		skip "user+mount namespaces unavailable: $("$MS" -- true 2>&1 | head -1)"
	fi
	# Under /tmp: several tests show what the private /tmp hides and keeps of it.
	T=$(test_tmpdir --tmp mounts)
	REPO="$T/repo"
	mkdir -p "$REPO"
	cd "$REPO"
}

teardown() {
	cd /
	rm_tmpdir "${T:-}"
}

# in_sandbox ARGS... -- CMD: run mount-sandbox; output and status in $output/$status.
in_sandbox() {
	run "$MS" "$@"
}

# real_repo: a git repository with one commit and the usual persistence targets in place.
real_repo() {
	git init -q .
	echo one >a.txt
	git add a.txt
	git commit -qm one
	echo 'echo hook' >.git/hooks/x
	mkdir .vscode
	echo '{}' >.vscode/settings.json
	echo 'alias ls=ls' >.bashrc
}

# ino PATH / dev PATH: what the guard set prints for a directory.
ino() { stat -c %i "$1"; }
dev() { stat -c %d "$1"; }

@test "writes succeed in the writable tree and fail with EROFS in /etc and /usr" {
	in_sandbox -- sh -c 'echo x >in-tree && cat in-tree'
	[ "$status" -eq 0 ]
	[ "$output" = x ]
	[ -f "$REPO/in-tree" ]

	probe="cordon-probe-$$-$RANDOM"
	for d in /etc /usr; do
		in_sandbox -- touch "$d/$probe"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Read-only file system"* ]]
		[ ! -e "$d/$probe" ]
	done
}

@test "a write to \$HOME fails with EROFS and leaves no file (positive control: unconfined write)" {
	probe="$HOME/cordon-probe-$$-$RANDOM"
	touch "$probe" # positive control: the user may write there without the sandbox
	rm -f "$probe"
	# without private /tmp so that a home under /tmp stays visible and EROFS is what refuses
	in_sandbox --no-private-tmp -- touch "$probe"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$probe" ]
}

@test "a directory writable by its mode but not by policy refuses writes; --allow-write allows" {
	mkdir -m 777 "$T/open"
	in_sandbox --no-private-tmp -- touch "$T/open/f"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$T/open/f" ]

	in_sandbox --no-private-tmp --allow-write "$T/open" -- touch "$T/open/f"
	[ "$status" -eq 0 ]
	[ -f "$T/open/f" ]
}

@test "a writable tree that does not exist is skipped, and refused under --strict" {
	in_sandbox --allow-write "$T/missing" -- true
	[ "$status" -eq 0 ]
	in_sandbox --strict --allow-write "$T/missing" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"writable tree $T/missing: does not exist"* ]]
	[ ! -e "$T/missing" ]
}

@test "private /tmp: host files are hidden, writes stay inside" {
	marker=$(mktemp /tmp/cordon-marker.XXXXXX)
	# positive control: without private /tmp the host's file is visible
	in_sandbox --no-private-tmp -- test -e "$marker"
	[ "$status" -eq 0 ]

	in_sandbox -- sh -c "test ! -e '$marker' && touch /tmp/inside && echo wrote && ls -A /tmp"
	rm -f "$marker"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = wrote ]
	# nothing but the first component of the path to the writable tree, when it is in /tmp
	first=$(realpath "$REPO" | sed -n 's|^/tmp/\([^/]*\).*|\1|p')
	want=$(printf '%s\n' inside $first | LC_ALL=C sort)
	got=$(printf '%s\n' "${lines[@]:1}" | LC_ALL=C sort)
	[ "$got" = "$want" ]
	[ ! -e /tmp/inside ]
}

@test "an allowed unix socket under /tmp stays reachable through private /tmp; others are hidden" {
	command -v python3 >/dev/null || skip "python3 is needed to make a unix socket"
	mkdir -p "$T/sock"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock/a"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock/b"
	in_sandbox --allow-unix-socket "$T/sock/a" -- sh -c "test -S '$T/sock/a' && echo a; test -e '$T/sock/b' || echo no-b"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nno-b')" ]
	# control: without the allowance the socket is gone with the rest of /tmp
	in_sandbox -- test -e "$T/sock/a"
	[ "$status" -ne 0 ]
}

@test "command-server sockets (docker, podman, systemd, system bus) are masked" {
	found=
	for s in /run/docker.sock /var/run/docker.sock /run/podman /run/containerd/containerd.sock \
		/run/systemd/private /run/dbus/system_bus_socket /run/snapd.socket; do
		[ -e "$s" ] || continue
		found=1
		in_sandbox -- sh -c "test -S '$s' && echo socket; test -d '$s' && ls -A '$s'; true"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
	[ -n "$found" ] || skip "none of these sockets exists on this machine"
}

@test "denyRead: a directory shows empty, a file reads empty, a sibling reads fine" {
	mkdir -p "$T/data/secret"
	echo key >"$T/data/secret/key"
	echo token >"$T/data/secret.txt"
	echo public >"$T/data/public.txt"
	# positive control: readable without the masks
	in_sandbox --no-private-tmp -- sh -c "cat '$T/data/secret/key' '$T/data/secret.txt'"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'key\ntoken')" ]

	in_sandbox --no-private-tmp --deny-read "$T/data/secret" --deny-read "$T/data/secret.txt" \
		-- sh -c "ls -A '$T/data/secret'; wc -c <'$T/data/secret.txt'; cat '$T/data/public.txt';
			  cat '$T/data/secret/key'"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = public ]
	[[ "${lines[2]}" == *"No such file or directory"* ]]
}

@test "denyRead masks are read-only" {
	mkdir -p "$REPO/masked"
	in_sandbox --deny-read "$REPO/masked" -- touch "$REPO/masked/f"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$REPO/masked/f" ]
	in_sandbox -- touch "$REPO/masked/f"
	[ "$status" -eq 0 ]
}

@test "default policy masks secrets under \$HOME (~/.ssh empty, ~/.netrc empty)" {
	h="$T/home"
	mkdir -p "$h/.ssh"
	echo private-key >"$h/.ssh/id_test"
	echo 'machine x password y' >"$h/.netrc"
	probe="cat '$h/.ssh/id_test' '$h/.netrc'"
	# positive control: without the defaults both read
	HOME="$h" in_sandbox --no-private-tmp -- sh -c "$probe"
	[ "$status" -eq 0 ]
	[[ "$output" == *private-key* ]]
	HOME="$h" in_sandbox --defaults --no-private-tmp -- sh -c "ls -A '$h/.ssh'; wc -c <'$h/.netrc'"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}

@test "allowRead carves a subtree back out of a denyRead mask" {
	mkdir -p "$T/data/secret/pub/deep"
	echo key >"$T/data/secret/key"
	echo visible >"$T/data/secret/pub/deep/file"
	in_sandbox --no-private-tmp --deny-read "$T/data/secret" \
		--allow-read "$T/data/secret/pub/deep/file" --allow-read "$T/data/secret/pub" \
		-- sh -c "ls -A '$T/data/secret'; cat '$T/data/secret/pub/deep/file';
			  cat '$T/data/secret/key'"
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = pub ]
	[ "${lines[1]}" = visible ]
	[[ "${lines[2]}" == *"No such file or directory"* ]]
}

@test "mandatory denies: hooks, .git/config, .vscode, .bashrc read-only; git commit still works" {
	real_repo
	for f in .git/hooks/x .git/config .vscode/settings.json .bashrc; do
		in_sandbox -- sh -c "echo evil >>$f"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Read-only file system"* ]]
		run grep -c evil "$f"
		[ "$output" = 0 ]
	done
	in_sandbox -- sh -c 'echo two >>a.txt && git commit -qam two && git log --format=%s'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = two ]
	[ "$(git log -1 --format=%s)" = two ]
}

@test "allowGitConfig leaves .git/config writable (positive control of the .git/config deny)" {
	real_repo
	in_sandbox --allow-git-config -- git config cordon.probe yes
	[ "$status" -eq 0 ]
	[ "$(git config cordon.probe)" = yes ]
}

@test "renaming .git aside fails with EBUSY; renaming another directory works" {
	real_repo
	mkdir other
	in_sandbox -- mv .git .gitx
	[ "$status" -ne 0 ]
	[[ "$output" == *"Device or resource busy"* ]]
	[ -d .git ]
	[ ! -e .gitx ]
	in_sandbox -- mv other other2
	[ "$status" -eq 0 ]
	[ -d other2 ]
}

@test "denyWrite makes a path in the writable tree read-only, its sibling stays writable" {
	echo keep >locked.txt
	in_sandbox --deny-write locked.txt -- sh -c 'echo x >>locked.txt'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	in_sandbox --deny-write locked.txt -- sh -c 'echo x >>free.txt'
	[ "$status" -eq 0 ]
	[ "$(cat locked.txt)" = keep ]
}

@test "a symlink in the writable tree cannot be written through to /etc or \$HOME" {
	ln -s /etc etc-link
	ln -s "$HOME" home-link
	ln -s inside.txt ok-link
	in_sandbox --no-private-tmp -- sh -c 'echo x >ok-link'
	[ "$status" -eq 0 ]
	[ "$(cat inside.txt)" = x ]
	probe="cordon-probe-$$-$RANDOM"
	for l in etc-link home-link; do
		in_sandbox --no-private-tmp -- sh -c "echo x >$l/$probe"
		[ "$status" -ne 0 ]
		[[ "$output" == *"Read-only file system"* ]]
	done
	[ ! -e "/etc/$probe" ]
	[ ! -e "$HOME/$probe" ]
}

@test "a symlinked rc file cannot be written through and its name is guarded" {
	mkdir dotfiles
	echo rc >dotfiles/bashrc
	ln -s dotfiles/bashrc .bashrc
	in_sandbox --show-guard -- sh -c 'echo evil >>.bashrc'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"guard $(dev .) $(ino .) .bashrc"* ]]
	[ "$(cat dotfiles/bashrc)" = rc ]
	# a dangling link: the file it would create is guarded where it would appear
	ln -s dotfiles/zshrc .zshrc
	in_sandbox --show-guard -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"guard $(dev dotfiles) $(ino dotfiles) zshrc"* ]]
	[[ "$output" == *"guard $(dev .) $(ino .) .zshrc"* ]]
	[ ! -e dotfiles/zshrc ]
	# positive control: the same file by another name in the tree is writable
	in_sandbox -- sh -c 'echo ok >>dotfiles/other'
	[ "$status" -eq 0 ]
}

@test "a hardlink to a file outside the writable tree fails with EXDEV; inside it works" {
	echo outside >"$T/outside.txt"
	in_sandbox --no-private-tmp -- ln "$T/outside.txt" hl
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid cross-device link"* ]]
	[ ! -e hl ]
	echo in >in.txt
	in_sandbox --no-private-tmp -- ln in.txt hl2
	[ "$status" -eq 0 ]
	[ "$(stat -c %h in.txt)" = 2 ]
}

@test "a nested writable tree cannot be renamed aside; an ordinary directory can" {
	mkdir -p sub/.git plain
	in_sandbox --allow-write sub -- sh -c 'touch sub/f && mv sub sub2'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Device or resource busy"* ]]
	[ -f sub/f ]
	[ ! -e sub2 ]
	in_sandbox --allow-write sub -- mv plain plain2
	[ "$status" -eq 0 ]
	[ -d plain2 ]
}

@test "a home inside the writable tree: its dot-entries read-only, no new one; other files writable" {
	mkdir -p home/u/.ssh home/u/.config
	echo 'Host x' >home/u/.ssh/config
	HOME="$REPO/home/u" in_sandbox --show-guard -- sh -c 'echo evil >>home/u/.ssh/config'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"guard $(dev home/u) $(ino home/u) ."* ]]
	[ "$(cat home/u/.ssh/config)" = 'Host x' ]
	HOME="$REPO/home/u" in_sandbox -- mkdir -p home/u/.config/systemd
	[ "$status" -ne 0 ]
	[ ! -e home/u/.config/systemd ]
	HOME="$REPO/home/u" in_sandbox -- mv home/u home/v
	[ "$status" -ne 0 ]
	[[ "$output" == *"Device or resource busy"* ]]
	# positive control: the rest of that home is writable
	HOME="$REPO/home/u" in_sandbox -- touch home/u/notes
	[ "$status" -eq 0 ]
}

@test "guard set: missing mandatory names are entered at their deepest existing directory" {
	mkdir .git # .git exists, .git/hooks does not
	in_sandbox --show-guard -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"guard $(dev .) $(ino .) .mcp.json"* ]]
	[[ "$output" == *"guard $(dev .) $(ino .) .claude"* ]]
	[[ "$output" == *"guard $(dev .git) $(ino .git) hooks"* ]]
	# no placeholders on the host
	[ ! -e .mcp.json ]
	[ ! -e .claude ]
	[ ! -e .git/hooks ]
	# control: a name that exists gets no "create" entry deeper than itself
	mkdir -p .claude
	in_sandbox --show-guard -- true
	[[ "$output" == *"guard $(dev .claude) $(ino .claude) commands"* ]]
}

@test "without .git the guard holds .git itself at the writable root" {
	in_sandbox --show-guard -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"guard $(dev .) $(ino .) .git"* ]]
	[ ! -e .git ]
}

@test "tmpfs over /run/user/UID hides the session's sockets" {
	d="/run/user/$(id -u)"
	[ -d "$d" ] || skip "$d does not exist here"
	[ -n "$(ls -A "$d" 2>/dev/null)" ] || skip "$d is empty already (no positive control)"
	in_sandbox -- ls -A "$d"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "/proc stays mounted and /dev/null still works" {
	in_sandbox -- sh -c 'echo x >/dev/null && test -r /proc/self/status && echo ok'
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}
