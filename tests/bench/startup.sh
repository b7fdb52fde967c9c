#!/usr/bin/env bash
# tests/bench/startup.sh — start-up cost, side by side in one run, not part of the test count:
# wall and CPU time (user + system of every process a start makes, detached ones included:
# tests/bench/pairs.py) of `cordon run -- /bin/true` next to `bwrap --ro-bind / / --unshare-all
# /bin/true` and `unshare -Urmn /bin/true`, run alternately round after round, medians and ratios to
# bwrap; then the same start in a project of 20,000 files in 2,000 directories with 20 git
# repositories (the git scan's share of the start) next to the start in an empty directory.
# CORDON_BASE=PATH adds a second cordon binary (an older build) to both tables, for before/after.
# usage: tests/bench/startup.sh [--quick]   (CORDON_BIN overrides build/cordon; ROUNDS: 40)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
base=${CORDON_BASE:-}
py=/usr/bin/python3
rounds=${ROUNDS:-40}
[ "${1:-}" = --quick ] && rounds=${ROUNDS:-10}

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
[ -z "$base" ] || [ -x "$base" ] || die "CORDON_BASE=$base is not executable"
command -v bwrap >/dev/null || die "bubblewrap is not installed (./build.sh test installs it)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

# A scratch cwd and HOME outside /tmp (the confined side has a private /tmp).
work=$(mktemp -d /var/tmp/cordon-bench-startup.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home/empty" "$work/home/tree"
export HOME=$work/home

cd "$work/home/empty"
"$cordon" run -- /bin/true || die "cordon run -- /bin/true failed (exit $?); nothing to measure"
bwrap --ro-bind / / --unshare-all /bin/true || die "bwrap cannot run here"
unshare -Urmn /bin/true || die "unshare -Urmn cannot run here"

echo "== start-up: /bin/true confined, $rounds rounds, alternating ($(nproc) CPUs)"
cmds=("bwrap --unshare-all=bwrap --ro-bind / / --unshare-all /bin/true"
	"unshare -Urmn=unshare -Urmn /bin/true"
	"cordon run=$cordon run -- /bin/true")
[ -n "$base" ] && cmds+=("cordon run (base)=$base run -- /bin/true")
"$py" "$top/tests/bench/pairs.py" "$rounds" "${cmds[@]}"

# The tree: 2,000 directories of 10 files, 20 of them git repositories (git init's layout).
cd "$work/home/tree"
for d in $(seq 0 1999); do
	mkdir -p "d$((d / 100))/s$d"
	for f in 0 1 2 3 4 5 6 7 8 9; do : >"d$((d / 100))/s$d/f$f"; done
done
for r in $(seq 0 19); do git init -q "d$r/s$((r * 100))"; done
git init -q .

echo
echo "== the same start in a tree of 20,000 files, 2,000 directories, 21 git repositories"
cmds=("cordon run, empty dir=sh -c 'cd $work/home/empty && exec $cordon run -- /bin/true'"
	"cordon run, tree=$cordon run -- /bin/true")
[ -n "$base" ] && cmds+=("base, empty dir=sh -c 'cd $work/home/empty && exec $base run -- /bin/true'"
	"base, tree=$base run -- /bin/true")
"$py" "$top/tests/bench/pairs.py" "$rounds" "${cmds[@]}"
