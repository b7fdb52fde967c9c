#!/usr/bin/env bash
# tests/bench/policy_load.sh — the cost of loading long lists from configuration files, side by
# side in one run, not part of the test count: wall and CPU time (tests/bench/pairs.py) of
# `cordon policy --json` (the cheapest command that loads, merges and checks every file) in a
# project whose .cordon.json holds (1) 60,000 network.deniedDomains, (2) 20,000 allowedDomains
# that the user's own 20,000 must cover (the tighten-only merge), (3) 4,096 filesystem.denyRead
# paths next to 500 writable trees (the mask-vs-writable check), and (4) a 50-entry file, the
# floor. A search per added entry made (1)-(3) quadratic: a repository could stall every start.
# CORDON_BASE=PATH adds a second cordon binary (an older build) to each table, for before/after.
# usage: tests/bench/policy_load.sh [--quick]   (CORDON_BIN overrides build/cordon; ROUNDS: 5)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cordon=${CORDON_BIN:-$top/build/cordon}
base=${CORDON_BASE:-}
py=/usr/bin/python3
rounds=${ROUNDS:-5}
[ "${1:-}" = --quick ] && rounds=${ROUNDS:-2}

. "$top/tests/bench/common.bash"
[ -x "$cordon" ] || die "no cordon binary at $cordon (run make)"
[ -z "$base" ] || [ -x "$base" ] || die "CORDON_BASE=$base is not executable"

work=$(mktemp -d /var/tmp/cordon-bench-policy.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
export HOME=$work/home XDG_CONFIG_HOME=$work/xdg
mkdir -p "$HOME" "$XDG_CONFIG_HOME/cordon"

# project NAME: a directory with a .cordon.json written by the Python snippet on stdin
# (variables: n, proj), and an optional user config.json beside it (written by the snippet too).
project() {
	mkdir -p "$work/$1"
	(cd "$work/$1" && "$py" - "$work/$1") || die "cannot write the $1 project"
}

project denied <<-'PY'
	import json, sys
	json.dump({"network": {"deniedDomains": ["d%d.test" % i for i in range(60000)]}},
	          open(".cordon.json", "w"))
PY
project cover <<-'PY'
	import json, sys
	hosts = ["c%d.test" % i for i in range(20000)]
	json.dump({"network": {"allowedDomains": hosts}}, open("user.json", "w"))
	json.dump({"network": {"allowedDomains": hosts[::-1]}}, open(".cordon.json", "w"))
PY
project masks <<-'PY'
	import json, os, sys
	proj = sys.argv[1]
	for i in range(500):
	    os.makedirs("w/%d" % i, exist_ok=True)
	json.dump({"filesystem": {"allowWrite": ["%s/w/%d" % (proj, i) for i in range(500)]}},
	          open("user.json", "w"))
	json.dump({"filesystem": {"denyRead": ["m/%d" % i for i in range(4096)]}},
	          open(".cordon.json", "w"))
PY
project small <<-'PY'
	import json
	json.dump({"network": {"deniedDomains": ["s%d.test" % i for i in range(50)]}},
	          open(".cordon.json", "w"))
PY

# each case once, so that a binary that cannot load it stops the run before any timing
for c in denied cover masks small; do
	cfg=
	[ -f "$work/$c/user.json" ] && cfg="--config $work/$c/user.json"
	for b in "$cordon" ${base:+"$base"}; do
		(cd "$work/$c" && "$b" policy --json $cfg >/dev/null) ||
			die "$b policy failed in the $c project (exit $?)"
	done
done

echo "== cordon policy --json loading long lists, $rounds rounds, alternating ($(nproc) CPUs)"
for c in denied cover masks small; do
	case $c in
	denied) what="60,000 deniedDomains in .cordon.json" ;;
	cover) what="20,000 allowedDomains in .cordon.json covered by the user's 20,000" ;;
	masks) what="4,096 denyRead in .cordon.json, 500 writable trees" ;;
	small) what="50 deniedDomains in .cordon.json (the floor)" ;;
	esac
	cfg=
	[ -f "$work/$c/user.json" ] && cfg="--config $work/$c/user.json"
	echo
	echo "-- $what"
	cmds=("cordon=cd $work/$c && exec $cordon policy --json $cfg")
	[ -n "$base" ] && cmds+=("cordon (base)=cd $work/$c && exec $base policy --json $cfg")
	"$py" "$top/tests/bench/pairs.py" "$rounds" --shell "${cmds[@]}"
done
