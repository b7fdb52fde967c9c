#!/usr/bin/env bash
# tests/run.sh — run every suite: C unit tests, then the bats suites as root and as an
# unprivileged user (65534), from a world-readable copy. Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 skipped=0

# count_tap FILE: add a TAP stream's results to the totals.
count_tap() {
	local p f s
	p=$(grep -cE '^ok ' "$1" || true)
	s=$(grep -cE '^ok .*# skip' "$1" || true)
	f=$(grep -cE '^not ok ' "$1" || true)
	passed=$((passed + p - s)) failed=$((failed + f)) skipped=$((skipped + s))
}

# C unit tests (cmocka, TAP output).
for t in "$top"/build/tests/test_*; do
	[ -x "$t" ] || continue
	out=$(mktemp)
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	count_tap "$out"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok - $(basename "$t") exited $rc"; failed=$((failed + 1))
	fi
	rm -f "$out"
done

# A world-readable copy: CI's clone may sit under directories other users cannot enter.
stage=$(mktemp -d /tmp/cordon-tests.XXXXXX)
chmod 755 "$stage"
mkdir -p "$stage/build"
cp -a "$top/build/cordon" "$stage/build/"
[ -d "$top/build/tests" ] && cp -a "$top/build/tests" "$stage/build/"
for extra in bash-builtin zsh-module; do
	[ -d "$top/build/$extra" ] && cp -a "$top/build/$extra" "$stage/build/"
done
cp -a "$top/tests" "$stage/tests"
# The editor plugins, for editors.bats (the extension without node_modules: its tests stub vscode).
[ -d "$top/nvim-plugin" ] && cp -a "$top/nvim-plugin" "$stage/nvim-plugin"
[ -d "$top/vscode-helper/extension" ] && mkdir -p "$stage/vscode-helper" &&
	tar -C "$top/vscode-helper" --exclude=node_modules -cf - extension | tar -C "$stage/vscode-helper" -xf -
chmod -R a+rX "$stage"
trap 'rm -rf "$stage" ${suid_dir:+"$suid_dir"}' EXIT

# A setuid-root probe for "a setuid binary gains nothing" (only root can make one). Outside /tmp:
# a confined command sees a private /tmp.
suid_dir=
probe=$top/build/tests/tools/probe-e2e-attacks
if [ "$(id -u)" = 0 ] && [ -x "$probe" ]; then
	suid_dir=$(mktemp -d /var/tmp/cordon-setuid.XXXXXX)
	chmod 755 "$suid_dir"
	cp "$probe" "$suid_dir/probe-setuid"
	chown 0:0 "$suid_dir/probe-setuid"
	chmod 4755 "$suid_dir/probe-setuid"
	export CORDON_TEST_SETUID_PROBE=$suid_dir/probe-setuid
fi

suites=("$stage"/tests/bats/*.bats)
if [ -e "${suites[0]}" ]; then
	if [ "$(id -u)" = 0 ]; then users=(root nobody); else users=(self); fi
	for who in "${users[@]}"; do
		out=$(mktemp)
		echo "# bats suites as $who"
		if [ "$who" = root ]; then
			CORDON_TEST_AS=root bats --tap "${suites[@]}" >"$out" 2>&1
		elif [ "$who" = self ]; then
			home=$(mktemp -d /tmp/cordon-home.XXXXXX)
			HOME="$home" CORDON_TEST_AS=nobody bats --tap "${suites[@]}" >"$out" 2>&1
			rm -rf "$home"
		else
			home=$(mktemp -d /tmp/cordon-home.XXXXXX)
			chown 65534:65534 "$home"
			setpriv --reuid=65534 --regid=65534 --clear-groups \
				env HOME="$home" CORDON_TEST_AS=nobody bats --tap "${suites[@]}" >"$out" 2>&1
			rm -rf "$home"
		fi
		sed "s/^\(not \)\{0,1\}ok [0-9]* /&[$who] /" "$out"
		count_tap "$out"
		rm -f "$out"
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
