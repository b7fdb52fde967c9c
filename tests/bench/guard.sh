#!/usr/bin/env bash
# tests/bench/guard.sh — the guard's per-call cost (docs/design.md §10), side by side in one run, not part
# of the test count: N file-creating calls (open O_CREAT of new and of existing files, unlink) in
# `cordon run` vs the same program unconfined, and open without O_CREAT (not routed to the guard)
# as the baseline. Each routed call is a seccomp user-notification round trip to the guard worker,
# which performs it and hands back the result. Times are taken inside the program (no start-up).
# usage: tests/bench/guard.sh [--quick] [N]   (CORDON_BIN overrides build/cordon; N: 10000)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
tool=$top/build/tests/tools/bench-creat
n=10000
[ "${1:-}" = --quick ] && { n=2000; shift; }
[ -n "${1:-}" ] && n=$1

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
[ -x "$tool" ] || die "no $tool (run make)"

# A scratch directory outside /tmp (the confined side has a private /tmp) as cwd and HOME.
work=$(mktemp -d /var/tmp/cordon-bench-guard.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home/proj"
cp "$tool" "$work/bench-creat"
cd "$work/home/proj"
export HOME=$work/home

"$work/bench-creat" "$n" "$work/home/proj/out" >"$work/outside" || die "unconfined run failed"
"$cordon" run -- "$work/bench-creat" "$n" "$work/home/proj/in" >"$work/inside" ||
	die "confined run failed (exit $?)"

echo "== guard: $n calls of each kind, ns per call (inside the program)"
awk -v n="$n" 'NR == FNR { out[$1] = $2; next } {
	printf "%-7s unconfined %8.0f ns   cordon run %8.0f ns   ratio %6.1fx   +%.1f us per call\n",
		$1, out[$1], $2, $2 / out[$1], ($2 - out[$1]) / 1000
}' "$work/outside" "$work/inside"
