#!/usr/bin/env bash
# tests/bench/shell.sh — the confined shell's figures (docs/design.md §10), side by side in one run, not
# part of the test count: `sandbox on` latency, and 1,000 runs of /bin/true in a confined bash vs
# the same loop in an unconfined one (hyperfine for whole shells; EPOCHREALTIME inside the shell
# for the loop alone, so the session's start and end do not blur the per-command figure).
# usage: tests/bench/shell.sh [--quick]   (CORDON_BASH_BUILTIN_DIR overrides build/bash-builtin)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
so_dir=${CORDON_BASH_BUILTIN_DIR:-$top/build/bash-builtin}
runs=20 loops=1000
[ "${1:-}" = --quick ] && runs=5

. "$top/tests/bench/common.bash"
[ -f "$so_dir/sandbox.so" ] || die "no $so_dir/sandbox.so (run make)"
command -v hyperfine >/dev/null || die "hyperfine is not installed (./build.sh test installs it)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy
unset CORDON_SESSION SANDBOX_RUNTIME

# A scratch cwd and HOME outside /tmp (the confined side has a private /tmp); the builtin beside.
work=$(mktemp -d /var/tmp/cordon-bench-shell.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib" "$work/home"
cp "$so_dir/sandbox.so" "$work/lib/"
cd "$work/home"
export HOME=$work/home BASH_LOADABLES_PATH=$work/lib

load='enable -f sandbox.so sandbox'
loop="for ((i = 0; i < $loops; i++)); do /bin/true; done"

echo "## 1. whole shells (hyperfine, $runs runs each)"
hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/shells.md" \
	-n "bash: load builtin" "bash -c '$load'" \
	-n "bash: load + sandbox on" "bash -c '$load; sandbox on 2>/dev/null'" \
	-n "bash: $loops x /bin/true" "bash -c '$load; $loop'" \
	-n "bash: sandbox on + $loops x /bin/true" "bash -c '$load; sandbox on 2>/dev/null; $loop'" \
	>/dev/null
cat "$work/shells.md"

# inside N: print "ON_US LOOP_US" for one shell: `sandbox on` and the loop, in microseconds, timed
# by the shell itself (EPOCHREALTIME). N=0: no sandbox on.
inside() {
	bash -c "$load
		t0=\${EPOCHREALTIME/./}
		[ $1 = 1 ] && { sandbox on 2>/dev/null || exit 9; }
		t1=\${EPOCHREALTIME/./}
		$loop
		t2=\${EPOCHREALTIME/./}
		echo \$((t1 - t0)) \$((t2 - t1))" </dev/null
}

# median of the numbers on stdin
median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "## 2. inside the shell (EPOCHREALTIME, $runs shells each, medians)"
: >"$work/off" && : >"$work/on"
for ((r = 0; r < runs; r++)); do
	inside 0 >>"$work/off"
	inside 1 >>"$work/on"
done
on_us=$(cut -d' ' -f1 "$work/on" | median)
loop_on=$(cut -d' ' -f2 "$work/on" | median)
loop_off=$(cut -d' ' -f2 "$work/off" | median)
awk -v on="$on_us" -v a="$loop_off" -v b="$loop_on" -v n="$loops" 'BEGIN {
	printf "sandbox on:                      %8.1f ms\n", on / 1000
	printf "%d x /bin/true unconfined:     %8.1f ms  (%6.1f us per command)\n", n, a / 1000, a / n
	printf "%d x /bin/true confined:       %8.1f ms  (%6.1f us per command)\n", n, b / 1000, b / n
	printf "confined / unconfined:           %8.2f x  (+%.1f us per command)\n", b / a, (b - a) / n
}'
