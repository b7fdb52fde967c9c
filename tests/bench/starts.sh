#!/usr/bin/env bash
# tests/bench/starts.sh — many sessions at once, side by side in one run, not part of the test
# count: starts per second and the time of one start with 1, 50 and 200 concurrent
# `cordon run -- /bin/true`, next to `bwrap --ro-bind / / --unshare-all /bin/true` at the same
# concurrency, and the ratio of the rates (tests/bench/starts.py does the counting).
# Bounded: each level and command runs rounds until TARGET starts or BUDGET seconds (at least one
# round); each start is bounded at 120 s.
# usage: tests/bench/starts.sh [--quick]   (CORDON_BIN overrides build/cordon; LEVELS, TARGET and
#                                          BUDGET override "1 50 200", 400 and 60)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
py=/usr/bin/python3
levels=${LEVELS:-1 50 200} target=${TARGET:-400} budget=${BUDGET:-60}
[ "${1:-}" = --quick ] && target=${TARGET:-200} budget=${BUDGET:-20}

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
command -v bwrap >/dev/null || die "bubblewrap is not installed (./build.sh test installs it)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

# A scratch cwd and HOME outside /tmp (the confined side has a private /tmp); the sessions'
# state (logs, none here: nothing is refused) stays under it.
work=$(mktemp -d /var/tmp/cordon-bench-starts.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home/proj"
cd "$work/home/proj"
export HOME=$work/home

"$cordon" run -- /bin/true || die "cordon run -- /bin/true failed (exit $?); nothing to measure"
bwrap --ro-bind / / --unshare-all /bin/true || die "bwrap cannot run here"
echo "== concurrent starts: levels $levels; up to $target starts or ${budget} s per level and command"
echo "   ($(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg) before)"
# shellcheck disable=SC2086
"$py" "$top/tests/bench/starts.py" "$budget" "$target" $levels -- \
	"bwrap=bwrap --ro-bind / / --unshare-all /bin/true" "cordon=$cordon run -- /bin/true"
