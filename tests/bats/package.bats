#!/usr/bin/env bats
# package.bats — cordon as people install it: the Debian package (built once by tests/run.sh with
# tests/tools/build-deb.sh) holds every part, installs with dpkg -i, runs a command confined from
# /usr/bin and its shell builtins and man pages are found where Debian looks; dpkg -r removes it;
# `make install` and `make uninstall` with DESTDIR put and remove the same parts.

bats_require_minimum_version 1.5.0

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
WORK_ROOT=${CORDON_TEST_ROOT:-/var/tmp}

setup() {
	T=$(mktemp -d "$WORK_ROOT/cordon-pkg.XXXXXX")
	chmod 755 "$T"
	mkdir -p "$T/proj"
	cd "$T/proj"
}

teardown() {
	cd /
	[ -n "${T:-}" ] && rm -rf "$T"
	return 0
}

# deb: the package file into DEB, or skip/fail saying why there is none.
deb() {
	local d=${CORDON_DEB_DIR:-}
	[ -n "$d" ] || skip "CORDON_DEB_DIR not set: tests/run.sh builds the package"
	[ ! -e "$d/FAILED" ] || {
		tail -n 40 "$d/build.log"
		fail "the package did not build"
	}
	DEB=$(ls "$d"/cordon_*.deb 2>/dev/null | head -n 1)
	[ -n "$DEB" ] || skip "no package in $d (dpkg-buildpackage or debhelper missing)"
}

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# The parts a package and an installation must hold, relative to the prefix.
PARTS=(
	bin/cordon
	lib/bash/sandbox.so
	lib/zsh/cordon/sandbox.so
	share/cordon/shell/cordon-shell.bash
	share/cordon/shell/zdotdir/.zshenv
	share/bash-completion/completions/cordon
	share/bash-completion/completions/sandbox
	share/zsh/site-functions/_cordon
	share/zsh/site-functions/_sandbox
	share/nvim/site/pack/cordon/start/cordon/plugin/cordon.lua
	share/nvim/site/pack/cordon/start/cordon/doc/tags
)

@test "the Debian package holds the binary, both shell builtins, the shell init files, completions, man pages and the Neovim plugin" {
	deb
	run dpkg-deb -c "$DEB"
	[ "$status" -eq 0 ]
	for p in "${PARTS[@]}" share/man/man1/cordon.1.gz share/man/man1/sandbox.1.gz \
		share/man/man5/cordon.json.5.gz share/doc/cordon/copyright; do
		[[ "$output" == *" ./usr/$p"* ]] || fail "the package lacks /usr/$p"
	done
	run dpkg-deb -f "$DEB" Package Depends
	[[ "$output" == *"Package: cordon"* ]] && [[ "$output" == *libseccomp* ]] ||
		fail "control fields: $output"
	# opened with dlopen, so not NEEDED: Depends names them from debian/rules
	for lib in libgnutls libssl libldns libnettle; do
		[[ "$output" == *"$lib"* ]] || fail "Depends lacks $lib (opened on first use): $output"
	done
}

@test "unpacked as any user, the package's cordon runs a command confined and its cordon shell has the sandbox verbs" {
	deb
	dpkg-deb -x "$DEB" "$T/x"
	run timeout -k 5 60 "$T/x/usr/bin/cordon" run -- sh -c \
		'touch /etc/x-cordon-deb; echo "etc=$?"; touch ./ok-deb; echo "ok=$?"'
	[ "$status" -eq 0 ]
	[[ "$output" == *"etc=1"* ]] && [[ "$output" == *"ok=0"* ]] || fail "$output"
	[ ! -e /etc/x-cordon-deb ] && [ -e ./ok-deb ]
	run env HOME="$T" SHELL=/bin/bash timeout -k 5 60 "$T/x/usr/bin/cordon" shell <<<'sandbox status'
	[ "$status" -eq 0 ]
	[[ "$output" == *"sandbox: on (session "* ]] || fail "cordon shell from the package: $output"
	gzip -dc "$T/x/usr/share/man/man1/sandbox.1.gz" | grep -q '^\.TH "sandbox" "1"' ||
		fail "sandbox.1 is not a man page"
}

@test "dpkg -i installs the package (in a throwaway overlay of /usr and dpkg's state); cordon runs confined from /usr/bin; dpkg -r removes it" {
	deb
	[ "$(id -u)" = 0 ] || skip "dpkg -i needs root (the root run installs it)"
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	# Everything dpkg writes goes to upper directories under $T: the running system, and other
	# tests running on this machine, never see the package.
	cat >"$T/inside.sh" <<-'SH'
		set -eu
		for d in /usr /var/lib/dpkg /var/log /var/cache /etc; do
			[ -d "$d" ] || continue
			mkdir -p "$T/ov$d/up" "$T/ov$d/work"
			mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/ov$d/up,workdir=$T/ov$d/work" "$d"
		done
		dpkg -i "$DEB" >"$T/dpkg-i.log" 2>&1 || { cat "$T/dpkg-i.log"; exit 1; }
		echo "installed=$(dpkg-query -W -f='${Status}' cordon)"
		cd "$T/proj"
		command -v cordon
		cordon run -- sh -c 'touch /etc/x-cordon-dpkg; echo "etc=$?"; touch ./ok-dpkg; echo "ok=$?"'
		bash --norc --noprofile -c 'enable -f sandbox.so sandbox && sandbox on && sandbox status' 2>&1
		if command -v zsh >/dev/null; then
			zsh -fc 'module_path+=(/usr/lib/zsh); zmodload cordon/sandbox && sandbox on && echo zsh-on' 2>&1
		fi
		if command -v man >/dev/null; then echo "man=$(man -w cordon.json)"; fi
		dpkg -L cordon >"$T/files"
		dpkg -r cordon >"$T/dpkg-r.log" 2>&1 || { cat "$T/dpkg-r.log"; exit 1; }
		left=
		while read -r f; do [ -f "$f" ] && left="$left $f"; done <"$T/files"
		echo "left=[$left]"
	SH
	run env T="$T" DEB="$DEB" timeout -k 10 300 unshare --mount --propagation private \
		sh "$T/inside.sh" 3>&- 4>&-
	echo "$output"
	if [ "$status" -ne 0 ] && [[ "$output" == *"mount: "* || "$output" == *"unshare: "* ]]; then
		skip "no throwaway overlay here (the package is not installed into the running system): $output"
	fi
	[ "$status" -eq 0 ]
	[[ "$output" == *"installed=install ok installed"* ]]
	[[ "$output" == *"/usr/bin/cordon"* ]]
	[[ "$output" == *"etc=1"* ]] && [[ "$output" == *"ok=0"* ]]
	[ ! -e /etc/x-cordon-dpkg ] && [ -e ./ok-dpkg ]
	[[ "$output" == *"sandbox: on (session "* ]]
	! command -v zsh >/dev/null || [[ "$output" == *zsh-on* ]]
	! command -v man >/dev/null || [[ "$output" == *"man=/usr/share/man/man5/cordon.json.5.gz"* ]]
	[[ "$output" == *"left=[]"* ]]
	# the running system never had it
	run dpkg-query -W -f='${Status}' cordon
	[[ "$output" != *"install ok installed"* ]] || fail "cordon is installed in the running system"
}

@test "make install puts every part under DESTDIR, the installed cordon runs confined, make uninstall removes them all" {
	src=${CORDON_SOURCE:-}
	[ -n "$src" ] && [ -f "$src/Makefile" ] || skip "CORDON_SOURCE not set: tests/run.sh names the checkout"
	[ -w "$src" ] || skip "the checkout $src is not writable by $(id -un) (the root run covers it)"
	bdir=${CORDON_BUILD_DIR:-$src/build}
	d=$T/dest
	run make -s -C "$src" BUILD="$bdir" install DESTDIR="$d" PREFIX=/usr/local
	echo "$output"
	[ "$status" -eq 0 ]
	for p in "${PARTS[@]}"; do
		[ -e "$d/usr/local/$p" ] || fail "make install did not install $p"
	done
	if command -v scdoc >/dev/null; then
		for m in man1/cordon.1 man1/sandbox.1 man5/cordon.json.5; do
			[ -f "$d/usr/local/share/man/$m" ] || fail "make install did not install $m"
		done
	fi
	run timeout -k 5 60 "$d/usr/local/bin/cordon" run -- sh -c 'touch /etc/x-cordon-mi; echo "etc=$?"'
	[[ "$output" == *"etc=1"* ]] && [ ! -e /etc/x-cordon-mi ] || fail "installed cordon: $output"
	run make -s -C "$src" BUILD="$bdir" uninstall DESTDIR="$d" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	left=$(find "$d" -type f -o -type l)
	[ -z "$left" ] || fail "make uninstall left: $left"
}
