# tests/bench/common.bash — sourced by the benchmark scripts after they set $top.
# die MESSAGE: print "bench: MESSAGE" on standard error and exit 1.
die() {
	echo "bench: $*" >&2
	exit 1
}
