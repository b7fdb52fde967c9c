#!/usr/bin/env bats
# real_input.bats — real tools inside `cordon run`: npm against the configured registry through the
# proxy (and refused without the allow), git clone of a local repository, make of a C project.

load helpers

e2e_hooks

# registry_host: REGISTRY_URL and REGISTRY_HOST (npm_registry), or skip saying why npm cannot run.
registry_host() {
	npm_registry
	[ -z "$REGISTRY_SKIP" ] || skip "$REGISTRY_SKIP"
	export npm_config_cache=$W/.npm-cache npm_config_update_notifier=false
	export npm_config_audit=false npm_config_fund=false
}

# changed_outside DIR: files under $T, other than DIR and below it, newer than $T/stamp.
changed_outside() {
	find "$T" -newer "$T/stamp" -not -path "$1" -not -path "$1/*" -not -path "$T/stamp" -print
}

@test "npm view through the proxy prints a version when the registry host is allowed" {
	registry_host
	touch "$T/stamp"
	run crun --allow-host "$REGISTRY_HOST" -- npm view is-number version
	assert_status 0
	[[ "$output" =~ (^|[[:space:]])[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "no version: $output"
	[ -z "$(changed_outside "$W")" ] || fail "npm wrote outside cwd: $(changed_outside "$W")"
}

@test "npm view fails without the allow and the output names the registry host as not allowed" {
	registry_host
	run crun -- npm view is-number version
	[ "$status" -ne 0 ] || fail "npm view succeeded without the allow: $output"
	assert_output_has "$REGISTRY_HOST"
	[[ "$output" =~ (not on the allowlist|not allowed) ]] || fail "not said to be not allowed: $output"
	run cordon_cmd log
	assert_output_has "$REGISTRY_HOST"
}

@test "git clone of a local repository works inside and writes only in cwd" {
	git_repo "$OUT/src"
	echo 'payload' >"$OUT/src/file.txt"
	git -C "$OUT/src" add file.txt
	git -C "$OUT/src" commit -qm 'add file'
	touch "$T/stamp"
	run crun -- git clone -q "$OUT/src" clone
	assert_status 0
	[ "$(cat "$W/clone/file.txt")" = payload ] || fail "clone has no file.txt"
	[ "$(git -C "$W/clone" log -1 --format=%s)" = 'add file' ] || fail "clone has no history"
	[ -z "$(changed_outside "$W")" ] || fail "git wrote outside cwd: $(changed_outside "$W")"
}

@test "make of a small C project works inside and writes only in cwd" {
	command -v cc >/dev/null || skip "no C compiler"
	mkdir -p "$W/proj/src"
	cat >"$W/proj/src/greet.c" <<-'EOF'
		#include "greet.h"
		#include <stdio.h>
		void greet(const char *who) { printf("hello, %s\n", who); }
	EOF
	cat >"$W/proj/src/greet.h" <<-'EOF'
		void greet(const char *who);
	EOF
	cat >"$W/proj/src/main.c" <<-'EOF'
		#include "greet.h"
		int main(void) { greet("cordon"); return 0; }
	EOF
	printf '%s\n' 'CFLAGS = -O2 -Wall -Werror' 'OBJ = src/main.o src/greet.o' \
		'hello: $(OBJ)' '	$(CC) -o $@ $(OBJ)' 'src/%.o: src/%.c src/greet.h' \
		'	$(CC) $(CFLAGS) -c -o $@ $<' 'check: hello' '	./hello' >"$W/proj/Makefile"
	touch "$T/stamp"
	run crun -- make -C proj check
	assert_status 0
	assert_output_has "hello, cordon"
	[ -x "$W/proj/hello" ] || fail "no binary on the host"
	[ -z "$(changed_outside "$W")" ] || fail "make wrote outside cwd: $(changed_outside "$W")"
}
