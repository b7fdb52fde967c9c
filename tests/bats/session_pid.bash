# session_pid.bash — finding the session process of a cordon process from outside, for the tests
# that kill it (run.bats, editors.bats). Loaded with `load session_pid`.

# start_time PID: when PID started, in clock ticks since boot (proc(5) /proc/PID/stat field 22).
start_time() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) } # after the command name, which may hold spaces
	set -- $s
	echo "${20}"
}

# session_pid_of PID: the session process that PID started (PID: `cordon run`, or the process of
# a `cordon serve` run). The session process has PID's command line, and is forked twice, so its
# parent (init or a subreaper) has another one; of those, the first started after PID. (Its
# builder, the reaper and the guard worker are children of such processes; a non-dumpable
# session process's fds cannot be read by its own uid, so its socket cannot name it.)
# Start times are in clock ticks (10 ms): PID's own ancestors are left out, as the `cordon serve`
# that forked a run's process has its command line too, and may have started in the same tick.
session_pid_of() {
	local cmd p pp t t0 best= best_t= cands=() anc=" "
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline") || return 1
	t0=$(start_time "$1") || return 1
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" = "$cmd" ] && cands+=("${p#/proc/}")
	done
	p=$1
	while p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null) && [ "${p:-0}" -gt 0 ]; do
		anc+="$p "
	done
	for p in "${cands[@]}"; do
		[ "$p" = "$1" ] && continue
		[[ $anc == *" $p "* ]] && continue
		pp=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
		[[ " ${cands[*]} " == *" $pp "* ]] && continue
		t=$(start_time "$p") || continue
		[ "$t" -ge "$t0" ] || continue
		if [ -z "$best" ] || [ "$t" -lt "$best_t" ]; then
			best=$p best_t=$t
		fi
	done
	[ -n "$best" ] && echo "$best"
}

# serve_session_pid PID: the session process of the run that the `cordon serve` process PID is
# running (the newest, when several are).
serve_session_pid() {
	local run
	run=$(pgrep -n -P "$1" -x cordon) || return 1
	session_pid_of "$run"
}
