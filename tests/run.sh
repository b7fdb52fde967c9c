#!/usr/bin/env bash
# tests/run.sh — run every suite: C unit tests, then the bats suites as root and as an
# unprivileged user (65534), from a world-readable copy. Ends with "N passed, N failed".
# CORDON_BUILD=DIR (default build, relative to the checkout) runs against another build
# directory, e.g. `make sanitize && CORDON_BUILD=build-san tests/run.sh` (ASan+UBSan).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0 skipped=0
bdir=${CORDON_BUILD:-build}
[ "${bdir#/}" != "$bdir" ] || bdir=$top/$bdir
[ -d "$bdir" ] || { echo "run.sh: no build directory $bdir (run make)" >&2; exit 1; }

# A sanitizer build (its helper links libasan): every report is written under $san_dir (one file
# per process, name.PID) and counted as a failure below; UBSan halts at the first error.
# - Unit tests run with LeakSanitizer on.
# - The bats suites run with detect_leaks=0: LeakSanitizer stops the world from a tracer thread
#   it clones at exit. `cordon run` has unshared a PID namespace whose init is gone by then, so
#   that clone fails (ENOMEM, pid_namespaces(7)) and LSan dies with "fatal error"; confined
#   children may not ptrace either. `cordon check|policy|log` pass LeakSanitizer (checked by hand).
# - A confined process cannot create the log file (Landlock: EROFS): the sanitizer then prints
#   "Can't open file" on stderr and dies; with the output of passing tests kept, that line is
#   counted too.
# - verify_asan_link_order=0: run.bats starts the helper with LD_PRELOAD=libc (to check that the
#   sandbox drops it), which puts libc before libasan; ASan would refuse to start. Its
#   interceptors then bind to libc's functions, which only makes it see less in that one run.
# The bash builtin and zsh module of that build have UBSan only (see the Makefile's sanitize).
san_dir=
# (Not `ldd | grep -q`: under pipefail, grep's early exit can fail the pipeline with SIGPIPE.)
if [[ $(ldd "$bdir/cordon" 2>/dev/null) == *libasan* ]]; then
	san_dir=$(mktemp -d /var/tmp/cordon-san.XXXXXX)
	chmod 1777 "$san_dir"
	san_common="log_path=$san_dir/report:print_stacktrace=1:halt_on_error=1"
	export UBSAN_OPTIONS="$san_common"
	san_asan=detect_leaks=1:verify_asan_link_order=0
	san_asan+=:detect_stack_use_after_return=1:strict_string_checks=1
	export ASAN_OPTIONS="$san_common:$san_asan"
	echo "# sanitizer build $bdir: reports under $san_dir"
fi

# count_tap FILE: add a TAP stream's results to the totals.
count_tap() {
	local p f s
	p=$(grep -cE '^ok ' "$1" || true)
	s=$(grep -cE '^ok .*# skip' "$1" || true)
	f=$(grep -cE '^not ok ' "$1" || true)
	passed=$((passed + p - s)) failed=$((failed + f)) skipped=$((skipped + s))
}

# C unit tests (cmocka, TAP output).
for t in "$bdir"/tests/test_*; do
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

# A world-readable copy: CI's clone may sit under directories other users cannot enter. Under
# /var/tmp, not /tmp: a confined command sees a private /tmp, and the helper must stay visible
# inside as ssh's ProxyCommand.
stage=$(mktemp -d /var/tmp/cordon-tests.XXXXXX)
chmod 755 "$stage"
mkdir -p "$stage/build"
cp -a "$bdir/cordon" "$stage/build/"
[ -d "$bdir/tests" ] && cp -a "$bdir/tests" "$stage/build/"
for extra in bash-builtin zsh-module share; do
	[ -d "$bdir/$extra" ] && cp -a "$bdir/$extra" "$stage/build/"
done
cp -a "$top/tests" "$stage/tests"
# The completions as they sit in the checkout, for completions.bats.
[ -d "$top/completions" ] && cp -a "$top/completions" "$stage/completions"
mkdir -p "$stage/bash-builtin" "$stage/zsh-module"
cp -a "$top/bash-builtin/sandbox.bash-completion" "$stage/bash-builtin/"
cp -a "$top/zsh-module/_sandbox" "$stage/zsh-module/"
# The editor plugins, for editors.bats (the extension without node_modules: its tests stub vscode).
[ -d "$top/nvim-plugin" ] && cp -a "$top/nvim-plugin" "$stage/nvim-plugin"
[ -d "$top/vscode-extension" ] && mkdir -p "$stage/vscode-extension" &&
	tar -C "$top/vscode-extension" --exclude=node_modules -cf - . | tar -C "$stage/vscode-extension" -xf -
# The Debian package, built once from the checkout for package.bats; both runs read it from the
# stage. A failed build is reported there (the log is $stage/deb/build.log).
mkdir -p "$stage/deb"
if command -v dpkg-buildpackage >/dev/null && [ -f "$top/debian/control" ]; then
	deb_start=$SECONDS
	if "$top/tests/tools/build-deb.sh" "$top" "$stage/deb"; then
		echo "# Debian package built in $((SECONDS - deb_start)) s: $(cd "$stage/deb" && ls ./*.deb)"
	else
		echo "# the Debian package did not build (package.bats fails)"
		touch "$stage/deb/FAILED"
	fi
fi
export CORDON_DEB_DIR=$stage/deb CORDON_SOURCE=$top CORDON_BUILD_DIR=$bdir
chmod -R a+rX "$stage"
trap 'rm -rf "$stage" ${san_dir:+"$san_dir"}' EXIT

# A setuid-root probe for "a setuid binary gains nothing" (only root can make one). Outside /tmp:
# a confined command sees a private /tmp.
probe=$bdir/tests/tools/probe-e2e-attacks
if [ "$(id -u)" = 0 ] && [ -x "$probe" ]; then
	mkdir -m 755 "$stage/setuid"
	cp "$probe" "$stage/setuid/probe-setuid"
	chown 0:0 "$stage/setuid/probe-setuid"
	chmod 4755 "$stage/setuid/probe-setuid"
	export CORDON_TEST_SETUID_PROBE=$stage/setuid/probe-setuid
fi

# In a sanitizer build the passing tests' output is kept too (in $bdir/bats-WHO.tap), so that a
# report from a process whose failure a test expected is still seen and counted.
bats_opts=(--tap)
san_re="==[0-9]+==|runtime error:|ERROR: Can't open file"
if [ -n "$san_dir" ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}"
	bats_opts+=(--show-output-of-passing-tests --verbose-run)
fi

# --- what a suite left behind ------------------------------------------------------------------
# Every suite runs under tests/tools/subreaper: the processes it starts and orphans are re-parented
# there instead of to init, so after bats has exited whatever is still below it was left by the
# suite (and so is a process elsewhere whose cwd, executable or command line is inside the copy).
# The runner's own processes and the rest of the machine are never below it. Mounts: this mount
# namespace's table (proc(5), /proc/PID/mountinfo) before and after the suite, compared by root,
# mount point, type and source; a namespace kept alive by a bind mount of its nsfs file shows up
# there as well, one kept by a process goes with that process. Each finding is a "not ok".
reaper=$bdir/tests/tools/subreaper
[ -x "$reaper" ] || { echo "run.sh: $reaper not built (make tools)" >&2; exit 1; }

mount_table() {
	awk '{ i = index($0, " - "); split(substr($0, i + 3), f, " "); print $4, $5, f[1], f[2] }' \
		/proc/self/mountinfo | LC_ALL=C sort
}

# left_behind SUITE REPORT MOUNTS_BEFORE: print a "not ok" line (numbered on from $tap_n) per
# process in REPORT and per mount in the table now that was not in MOUNTS_BEFORE (unmounted when it
# is inside the copy: removing the copy must not descend into it).
left_behind() {
	local name=$1 line m autofs
	autofs=$(awk '$3 == "autofs" { print $2 }' <<<"$3")
	while IFS= read -r line; do
		tap_n=$((tap_n + 1))
		echo "not ok $tap_n $name left a process behind (killed now): $line"
	done <"$2"
	while IFS= read -r line; do
		m=${line#* }
		m=${m%% *}
		# An automount point (systemd's binfmt_misc, for one) is mounted on first access by
		# the system, not by the test that looked there.
		[ -n "$autofs" ] && grep -qxF -- "$m" <<<"$autofs" && continue
		tap_n=$((tap_n + 1))
		echo "not ok $tap_n $name left a mount behind: $line"
		[[ $m == "$stage"/* ]] && umount -l "$(printf '%b' "$m")" 2>/dev/null
	done < <(LC_ALL=C comm -13 <(printf '%s\n' "$3") <(mount_table))
}

# renumber: bats' TAP of one suite numbered on from $tap_n (its plan dropped; one plan at the end).
renumber() {
	awk -v off="$tap_n" '
		/^1\.\.[0-9]+$/ { next }
		match($0, /^(not )?ok [0-9]+/) {
			pre = substr($0, 1, RLENGTH); n = pre; sub(/^(not )?ok /, "", n)
			sub(/[0-9]+$/, "", pre)
			print pre (n + off) substr($0, RLENGTH + 1); next
		}
		{ print }'
}

suites=("$stage"/tests/bats/*.bats)
if [ -e "${suites[0]}" ]; then
	if [ "$(id -u)" = 0 ]; then users=(root nobody); else users=(self); fi
	for who in "${users[@]}"; do
		out=$(mktemp)
		echo "# bats suites as $who"
		as=(env CORDON_TEST_AS="$who")
		if [ "$who" != root ]; then
			home=$(mktemp -d /tmp/cordon-home.XXXXXX)
			as=(env HOME="$home" CORDON_TEST_AS=nobody)
		fi
		if [ "$who" = nobody ]; then
			chown 65534:65534 "$home"
			as=(setpriv --reuid=65534 --regid=65534 --clear-groups "${as[@]}")
		fi
		tap_n=0
		for suite in "${suites[@]}"; do
			name=${suite##*/}
			rep=$(mktemp)
			before=$(mount_table)
			"$reaper" --report "$rep" --marker "$stage" -- \
				"${as[@]}" bats "${bats_opts[@]}" "$suite" 2>&1 | renumber >>"$out"
			tap_n=$(grep -cE '^(not )?ok ' "$out")
			left_behind "$name" "$rep" "$before" >>"$out"
			rm -f "$rep"
		done
		echo "1..$tap_n" >>"$out"
		[ "$who" != root ] && rm -rf "$home"
		if [ -n "$san_dir" ]; then
			sed "s/^\(not \)\{0,1\}ok [0-9]* /&[$who] /" "$out" >"$bdir/bats-$who.tap"
			echo "# full output: $bdir/bats-$who.tap"
			grep -E "^(not )?ok |^1\.\." "$bdir/bats-$who.tap"
			n=$(grep -cE "$san_re" "$out" || true)
			if [ "$n" -gt 0 ]; then
				grep -nE "$san_re" "$bdir/bats-$who.tap" | sed 's/^/# /'
				echo "not ok - [$who] $n sanitizer message(s) in the test output"
				failed=$((failed + 1))
			fi
		else
			sed "s/^\(not \)\{0,1\}ok [0-9]* /&[$who] /" "$out"
		fi
		count_tap "$out"
		rm -f "$out"
	done
fi

# Sanitizer reports: each file, and each report a confined process could not write, is a failure.
if [ -n "$san_dir" ]; then
	for r in "$san_dir"/report.*; do
		[ -e "$r" ] || continue
		echo "not ok - sanitizer report ${r##*/}"
		sed 's/^/# /' "$r" | head -60
		failed=$((failed + 1))
	done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
