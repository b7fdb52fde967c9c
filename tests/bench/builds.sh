#!/usr/bin/env bash
# tests/bench/builds.sh — real work inside the sandbox next to the same work outside, side by side
# in one run, not part of the test count (tests/bench/pairs.py alternates the two, round after
# round, and prints medians and the ratio inside/outside):
#   1. `git status` ten times in a tree of 20,000 files in 2,000 directories (one start inside, so
#      the figure is git's, not the start's);
#   2. `npm ci --offline` of a project of about 270 packages (jest 29.7.0 and its dependencies),
#      from a cache that this script fills first from the configured npm registry;
#   3. `make -j2` of libcordon (this checkout's core/, copied), from clean each round.
# Inside is `cordon run` with the project as the writable tree (the npm cache is outside it and
# allowed by --allow-write, as a user would set it up).
# usage: tests/bench/builds.sh [--quick] [git|npm|make]...   (CORDON_BIN overrides build/cordon;
#                                                        ROUNDS: 10, --quick 3)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
py=/usr/bin/python3
rounds=${ROUNDS:-10}
if [ "${1:-}" = --quick ]; then
	rounds=${ROUNDS:-3}
	shift
fi
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(git npm make)

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY http_proxy https_proxy all_proxy no_proxy

# A scratch directory outside /tmp (the confined side has a private /tmp); HOME inside it, so the
# user's own configuration plays no part.
work=$(mktemp -d /var/tmp/cordon-bench-builds.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home"
# The registry as the user configured it (their ~/.npmrc), read before HOME moves.
registry=
command -v npm >/dev/null && registry=$(npm config get registry)
export HOME=$work/home
export npm_config_update_notifier=false
git config --global user.email bench@example.invalid
git config --global user.name bench

# pair TITLE DIR OUTSIDE-COMMAND [CORDON-RUN-OPTIONS...]: run the shell command outside and
# through `cordon run OPTIONS -- sh -c COMMAND`, both with DIR as cwd, alternately.
pair() {
	local title=$1 dir=$2 cmd=$3
	shift 3
	echo
	echo "== $title ($rounds rounds, alternating, $(nproc) CPUs)"
	cd "$dir"
	"$cordon" run "$@" -- sh -c "$cmd" >/dev/null || die "$title: fails inside (exit $?)"
	"$py" "$top/tests/bench/pairs.py" "$rounds" --shell \
		"outside=$cmd" \
		"inside=$(printf '%q ' "$cordon" run "$@" -- sh -c "$cmd")"
}

bench_git() {
	local t=$work/tree d f
	for d in $(seq 0 1999); do
		mkdir -p "$t/d$((d / 100))/s$d"
		for f in 0 1 2 3 4 5 6 7 8 9; do echo "$d $f" >"$t/d$((d / 100))/s$d/f$f"; done
	done
	git -C "$t" init -q
	git -C "$t" add -A
	git -C "$t" commit -qm tree
	echo x >>"$t/d0/s0/f0"
	pair "git status x10, 20,000 files" "$t" 'for i in 1 2 3 4 5 6 7 8 9 10; do git status --porcelain >/dev/null; done'
}

bench_npm() {
	command -v npm >/dev/null || die "npm is not installed (./build.sh test installs it)"
	local p=$work/npm cache=$work/npm-cache
	mkdir -p "$p"
	printf '%s\n' '{"name":"bench","version":"1.0.0","private":true,' \
		'"devDependencies":{"jest":"29.7.0"}}' >"$p/package.json"
	echo "(filling the npm cache from $registry; this needs the registry)"
	(cd "$p" && npm install --registry "$registry" --cache "$cache" --no-audit --no-fund --loglevel=error >/dev/null) ||
		die "npm install from the registry failed"
	echo "($(grep -c '"node_modules/' "$p/package-lock.json") packages in the lock file)"
	pair "npm ci --offline" "$p" \
		"npm ci --offline --cache $cache --no-audit --no-fund --loglevel=error" \
		--allow-write "$cache"
}

bench_make() {
	local m=$work/make
	mkdir -p "$m"
	cp -r "$top/core" "$top/Makefile" "$m/"
	pair "make -j2 of libcordon, from clean" "$m" 'rm -rf b && make -s -j2 BUILD=b lib'
}

for part in "${parts[@]}"; do
	case $part in
	git | npm | make) "bench_$part" ;;
	*) die "unknown part '$part' (git, npm or make)" ;;
	esac
done
