#!/usr/bin/env bats
# policy.bats — `cordon policy` through the binary: the merged policy it prints, and config
# files it refuses (file:line:column and key), including a repository's .cordon.json.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	[ -x "$CORDON" ] || skip "build/cordon not built"
	command -v jq >/dev/null || skip "jq not installed"
	T=$(test_tmpdir policy)
	# the user's own config must never leak in
	export HOME="$T/home"
	export XDG_CONFIG_HOME="$T/xdg"
	PROJ="$T/proj"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$PROJ"
	cd "$PROJ"
}

teardown() {
	cd /
	rm_tmpdir "${T:-}"
}

@test "defaults: no host allowed, secrets masked, only the current directory writable" {
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '[]' ]
	[ "$(jq -c '.filesystem.allowWrite' <<<"$output")" = "[\"$PROJ\"]" ]
	jq -e --arg p "$HOME/.ssh" '.filesystem.denyRead | index($p)' <<<"$output"
	jq -e --arg p "$HOME/.docker/config.json" '.filesystem.denyRead | index($p)' <<<"$output"
	[ "$(jq '.privateTmp' <<<"$output")" = true ]
	[ "$(jq '.lockPolicy' <<<"$output")" = false ]
}

@test "without --json a readable summary goes to stdout" {
	run --separate-stderr "$CORDON" policy --allow-host api.example.test
	[ "$status" -eq 0 ]
	[[ "$output" == *"allowed hosts:       api.example.test"* ]]
	[[ "$output" == *"writable:            $PROJ"* ]]
	[[ "$output" == *"masked (no read):    $HOME/.ssh"* ]]
}

@test "flags add hosts and writable paths, relative to the current directory" {
	mkdir -p out "$HOME/cache"
	run --separate-stderr "$CORDON" policy --json --allow-host '*.Example.test:443' \
		--allow-host 127.1 --allow-write out --allow-write '~/cache' --lock --strict
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["*.example.test:443","127.0.0.1"]' ]
	jq -e --arg p "$PROJ/out" '.filesystem.allowWrite | index($p)' <<<"$output"
	jq -e --arg p "$HOME/cache" '.filesystem.allowWrite | index($p)' <<<"$output"
	[ "$(jq '.lockPolicy' <<<"$output")" = true ]
	[ "$(jq '.strict' <<<"$output")" = true ]
}

@test "sandbox-runtime settings resolve relative paths against the current directory, and are read without a cordon config" {
	mkdir -p "$PROJ/secrets" "$PROJ/build"
	printf '{"filesystem": {"allowWrite": ["./build"], "denyRead": ["./secrets"]}}\n' >"$HOME/.srt-settings.json"
	run --separate-stderr "$CORDON" policy --json --config "$HOME/.srt-settings.json"
	[ "$status" -eq 0 ] || fail "$stderr"
	jq -e --arg p "$PROJ/build" '.filesystem.allowWrite | index($p)' <<<"$output"
	jq -e --arg p "$PROJ/secrets" '.filesystem.denyRead | index($p)' <<<"$output"
	jq -e --arg p "$HOME/build" '.filesystem.allowWrite | index($p) | not' <<<"$output"
	# without --config and without a cordon config, the same file is read
	run --separate-stderr "$CORDON" policy --json
	jq -e --arg p "$PROJ/secrets" '.filesystem.denyRead | index($p)' <<<"$output"
	# control: a cordon config of the user's own takes its place
	mkdir -p "$XDG_CONFIG_HOME/cordon"
	echo '{}' >"$XDG_CONFIG_HOME/cordon/config.json"
	run --separate-stderr "$CORDON" policy --json
	jq -e --arg p "$PROJ/secrets" '.filesystem.denyRead | index($p) | not' <<<"$output"
}

@test "a writable path that does not exist is refused, naming the flag or file and key" {
	run --separate-stderr "$CORDON" policy --allow-write out
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"--allow-write: writable path $PROJ/out does not exist; create it first"* ]]
	printf '{"filesystem": {"allowWrite": ["~/.npm"]}}\n' >"$T/c.json"
	run --separate-stderr "$CORDON" policy --config "$T/c.json"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"c.json: filesystem.allowWrite: writable path $HOME/.npm does not exist"* ]]
	[ ! -e out ] && [ ! -e "$HOME/.npm" ] # refused, not created

	# positive control: the same flags once the paths exist
	mkdir out "$HOME/.npm"
	run --separate-stderr "$CORDON" policy --json --allow-write out --config "$T/c.json"
	[ "$status" -eq 0 ]
	jq -e --arg p "$PROJ/out" '.filesystem.allowWrite | index($p)' <<<"$output"
	jq -e --arg p "$HOME/.npm" '.filesystem.allowWrite | index($p)' <<<"$output"
}

@test "an invalid host pattern in a config file is refused with file:line:column and key" {
	printf '{\n  "network": {\n    "allowedDomains": ["ok.test", "*.com"]\n  }\n}\n' >"$T/c.json"
	run --separate-stderr "$CORDON" policy --json --config "$T/c.json"
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	[ "$stderr" = "cordon policy: $T/c.json:3:35: network.allowedDomains: invalid host pattern \"*.com\": a wildcard over a single label covers a whole top-level domain" ]
	# positive control: the same file without the bad pattern is accepted
	printf '{\n  "network": {\n    "allowedDomains": ["ok.test"]\n  }\n}\n' >"$T/c.json"
	run --separate-stderr "$CORDON" policy --json --config "$T/c.json"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["ok.test"]' ]
}

@test "an unknown key, a wrong type and invalid JSON are refused with their position" {
	cfg="$T/c.json"
	printf '{\n  "filesystem": {\n    "alowWrite": ["x"]\n  }\n}\n' >"$cfg"
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:3:5: filesystem.alowWrite: unknown key" ]

	printf '{"lockPolicy": "yes"}' >"$cfg"
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:16: lockPolicy: expected a boolean, got a string" ]

	printf '{\n  "strict": true\n  "lockPolicy": true\n}\n' >"$cfg"
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:3:3: invalid JSON: expected ',' between members" ]

	printf '{"strict": true, "strict": true}' >"$cfg"
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:18: strict: duplicate key" ]
}

@test "the user's config under XDG_CONFIG_HOME is read, and its errors are named" {
	mkdir -p "$XDG_CONFIG_HOME/cordon"
	echo '{"network": {"allowedDomains": ["user.test"]}}' >"$XDG_CONFIG_HOME/cordon/config.json"
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["user.test"]' ]

	echo '{"network": {"allowedDomains": ["http://user.test"]}}' >"$XDG_CONFIG_HOME/cordon/config.json"
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[[ "$stderr" == "cordon policy: $XDG_CONFIG_HOME/cordon/config.json:1:33: network.allowedDomains: invalid host pattern \"http://user.test\""* ]]
}

@test "a repository .cordon.json that loosens the policy is refused, naming file and key" {
	echo '{"network": {"allowedDomains": ["exfil.test"]}}' >.cordon.json
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	[[ "$stderr" == "cordon policy: $PROJ/.cordon.json: network.allowedDomains: refused, a repository's config may only tighten the policy"* ]]

	echo '{"filesystem": {"allowWrite": ["~/.bashrc"]}}' >.cordon.json
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"$PROJ/.cordon.json: filesystem.allowWrite: refused"* ]]

	echo '{"privateTmp": false}' >.cordon.json
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"$PROJ/.cordon.json: privateTmp: refused"* ]]

	# positive control: the host the user allowed may be named by the repository
	echo '{"network": {"allowedDomains": ["exfil.test"]}}' >.cordon.json
	run --separate-stderr "$CORDON" policy --json --allow-host exfil.test
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["exfil.test"]' ]
}

@test "a repository .cordon.json that tightens the policy is applied" {
	cat >.cordon.json <<-'EOF'
	{
	  "network": {"deniedDomains": ["bad.example.test"], "allowedDomains": []},
	  "filesystem": {"denyWrite": [".env", "deploy"], "denyRead": ["secrets"],
	                 "allowWrite": ["."]},
	  "lockPolicy": true
	}
	EOF
	run --separate-stderr "$CORDON" policy --json --allow-host '*.example.test'
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.deniedDomains' <<<"$output")" = '["bad.example.test"]' ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["*.example.test"]' ]
	[ "$(jq -c '.filesystem.denyWrite' <<<"$output")" = "[\"$PROJ/.env\",\"$PROJ/deploy\"]" ]
	jq -e --arg p "$PROJ/secrets" '.filesystem.denyRead | index($p)' <<<"$output"
	[ "$(jq '.lockPolicy' <<<"$output")" = true ]
	# control: without the file nothing is denied and the policy is not locked
	rm .cordon.json
	run --separate-stderr "$CORDON" policy --json --allow-host '*.example.test'
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.deniedDomains' <<<"$output")" = '[]' ]
	[ "$(jq '.lockPolicy' <<<"$output")" = false ]
}

@test "a broken repository .cordon.json is an error, not ignored" {
	printf '{\n  "lockPolicy": tru\n}\n' >.cordon.json
	run --separate-stderr "$CORDON" policy
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $PROJ/.cordon.json:2:17: invalid JSON: invalid literal \"tru\"" ]
}

@test "bad flags print usage and exit 2; a bad flag value exits 125" {
	run --separate-stderr "$CORDON" policy --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'unknown option "--bogus"'* ]]
	[[ "$stderr" == *"usage: cordon policy"* ]]

	run --separate-stderr "$CORDON" policy --allow-host
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'option "--allow-host" needs an argument'* ]]

	run --separate-stderr "$CORDON" policy extra
	[ "$status" -eq 2 ]

	run --separate-stderr "$CORDON" policy --allow-host '*.com'
	[ "$status" -eq 125 ]
	[ "$stderr" = 'cordon policy: --allow-host: invalid host pattern "*.com": a wildcard over a single label covers a whole top-level domain' ]

	run --separate-stderr "$CORDON" policy --config "$T/missing.json"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"$T/missing.json: cannot open: No such file or directory"* ]]
}

# --- sandbox-runtime settings, as sandbox-runtime means them ------------------------------------

@test "relative paths in a settings file passed with --config mean the current directory" {
	# sandbox-runtime's README: ~/.srt-settings.json with "allowWrite": ["."]
	cat >"$HOME/.srt-settings.json" <<-'EOF'
	{
	  "filesystem": {"denyRead": ["./secrets"], "allowWrite": ["."], "denyWrite": ["~/sensitive-folder"]},
	  "network": {"allowedDomains": [], "deniedDomains": []}
	}
	EOF
	mkdir -p "$XDG_CONFIG_HOME/cordon" && echo '{}' >"$XDG_CONFIG_HOME/cordon/config.json"
	run --separate-stderr "$CORDON" policy --json --config "$HOME/.srt-settings.json"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.filesystem.allowWrite' <<<"$output")" = "[\"$PROJ\"]" ] # not $HOME
	jq -e --arg p "$PROJ/secrets" '.filesystem.denyRead | index($p)' <<<"$output"
	! jq -e --arg p "$HOME/secrets" '.filesystem.denyRead | index($p)' <<<"$output"
	[ "$(jq -c '.filesystem.denyWrite' <<<"$output")" = "[\"$HOME/sensitive-folder\"]" ]
}

@test "~/.srt-settings.json is read when there is no cordon config, and not when there is one" {
	echo '{"network": {"allowedDomains": ["srt.example.test"]}}' >"$HOME/.srt-settings.json"
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["srt.example.test"]' ]
	# control: a cordon config takes its place
	mkdir -p "$XDG_CONFIG_HOME/cordon"
	echo '{"network": {"allowedDomains": ["cordon.example.test"]}}' >"$XDG_CONFIG_HOME/cordon/config.json"
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["cordon.example.test"]' ]
	# its errors are named like any file's
	rm "$XDG_CONFIG_HOME/cordon/config.json"
	echo '{"network": {"httpProxyPort": 8080}}' >"$HOME/.srt-settings.json"
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[[ "$stderr" == "cordon policy: $HOME/.srt-settings.json:1:31: network.httpProxyPort: not supported: cordon's own proxy decides every connection"* ]]
}

@test "sandbox-runtime's documented example loads; keys cordon cannot honour are refused by name" {
	# the "Complete Configuration Example" of sandbox-runtime's README (Linux-meaningful paths)
	mkdir -p src test
	cat >srt.json <<-'EOF'
	{
	  "network": {
	    "allowedDomains": ["github.com", "*.github.com", "lfs.github.com", "api.github.com",
	                       "npmjs.org", "*.npmjs.org"],
	    "deniedDomains": ["malicious.com"],
	    "allowUnixSockets": ["/var/run/docker.sock"],
	    "allowLocalBinding": false
	  },
	  "filesystem": {
	    "denyRead": ["~/.ssh"],
	    "allowRead": [],
	    "allowWrite": [".", "src/", "test/", "/tmp"],
	    "denyWrite": [".env", "config/production.json"]
	  },
	  "ignoreViolations": {"*": ["/usr/bin", "/System"], "git push": ["/usr/bin/nc"], "npm": ["/private/tmp"]},
	  "enableWeakerNestedSandbox": false,
	  "enableWeakerNetworkIsolation": false,
	  "allowAppleEvents": false,
	  "mandatoryDenySearchDepth": 5
	}
	EOF
	run --separate-stderr "$CORDON" policy --json --config srt.json
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	jq -e --arg p "$PROJ/src" '.filesystem.allowWrite | index($p)' <<<"$output"
	jq -e --arg p "$PROJ/config/production.json" '.filesystem.denyWrite | index($p)' <<<"$output"
	[ "$(jq -c '.network.deniedDomains' <<<"$output")" = '["malicious.com"]' ]

	echo '{"network": {"allowAllUnixSockets": true}}' >bad.json
	run --separate-stderr "$CORDON" policy --config bad.json
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"bad.json:1:37: network.allowAllUnixSockets: true is not supported: cordon refuses socket(AF_UNIX) unless network.allowUnixSockets names a socket"* ]]
	echo '{"filesystem": {"denyRead": ["**/.env"]}}' >bad.json
	run --separate-stderr "$CORDON" policy --config bad.json
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'filesystem.denyRead: "**/.env": glob patterns are not expanded; name each path'* ]]
}

@test "confined by ~/.srt-settings.json: the project is writable and ./secrets masked, HOME read-only" {
	local T
	T=$(mktemp -d /var/tmp/cordon-srt.XXXXXX) # not /tmp: the sandbox has a private /tmp
	chmod 755 "$T"
	export HOME=$T/home
	mkdir -p "$HOME" "$T/proj/secrets"
	echo top-secret >"$T/proj/secrets/key"
	cd "$T/proj"
	# positive control: without the settings, the secret is readable inside
	run timeout -k 5 60 "$CORDON" run -- cat secrets/key
	[ "$status" -eq 0 ] && [ "$output" = top-secret ]
	echo '{"filesystem": {"denyRead": ["./secrets"], "allowWrite": ["."]}}' >"$HOME/.srt-settings.json"
	run timeout -k 5 60 "$CORDON" run -- sh -c 'cat secrets/key; echo "[read]"
		echo ok >written && echo project-writable
		echo x >"$HOME/x" 2>/dev/null || echo home-read-only'
	cd /
	rm -rf "$T"
	[ "$status" -eq 0 ]
	[[ "$output" == *"[read]"* ]] && [[ "$output" != *top-secret* ]]
	[[ "$output" == *project-writable* ]] && [[ "$output" == *home-read-only* ]]
}

# big_list N FIRST: a "denyRead" array of N paths FIRST0, FIRST1, ... one per line from line 4 on
# (column 7), in a .cordon.json shape that a --config file shares.
big_list() {
	printf '{\n  "filesystem": {\n    "denyRead": [\n'
	seq 0 $(($1 - 1)) | sed "s|.*|      \"$2&\",|; \$s|,\$||"
	printf '    ]\n  }\n}\n'
}

@test "a list of paths is capped at 4096 entries per file, the error at the first entry past it" {
	big_list 4097 "$PROJ/p" >.cordon.json
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	# entry 4097 (index 4096) is on line 4 + 4096, column 7
	[ "$stderr" = "cordon policy: $PROJ/.cordon.json:4100:7: filesystem.denyRead: more than 4096 entries in one file (this is entry 4097)" ]
	# the user's own file is held to the same cap
	big_list 4097 "$T/u" >"$T/c.json"
	run --separate-stderr "$CORDON" policy --json --config "$T/c.json"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "cordon policy: $T/c.json:4100:7: filesystem.denyRead: more than 4096 entries in one file (this is entry 4097)" ]]
	# positive control: 4096 entries load, every one of them masked, in order
	big_list 4096 "$PROJ/p" >.cordon.json
	run --separate-stderr "$CORDON" policy --json
	[ "$status" -eq 0 ]
	[ "$(jq --arg p "$PROJ/p" '[.filesystem.denyRead[] | select(startswith($p))] | length' <<<"$output")" -eq 4096 ]
	[ "$(jq -r --arg p "$PROJ/p" '[.filesystem.denyRead[] | select(startswith($p))] | .[0], .[4095]' <<<"$output")" = "$PROJ/p0
$PROJ/p4095" ]
}

@test "a key spelled with \\u escapes is the key it spells: a duplicate in every object" {
	cfg="$T/c.json"
	cat >"$cfg" <<-'EOF'
	{"strict": true, "\u0073trict": true}
	EOF
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:18: strict: duplicate key" ]
	cat >"$cfg" <<-'EOF'
	{"network": {"allowLocalBinding": false, "allowLocalBindin\u0067": false}}
	EOF
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:42: network.allowLocalBinding: duplicate key" ]
	cat >"$cfg" <<-'EOF'
	{"git": {"pushRefs": [], "pushR\u0065fs": []}}
	EOF
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:26: git.pushRefs: duplicate key" ]
	cat >"$cfg" <<-'EOF'
	{"ignoreViolations": {"npm *": ["/x"], "npm \u002a": ["/y"]}}
	EOF
	run --separate-stderr "$CORDON" policy --config "$cfg"
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $cfg:1:40: ignoreViolations.npm *: duplicate key" ]
	# the same in a repository's .cordon.json
	cat >.cordon.json <<-'EOF'
	{"git": {"pushRefs": [], "\u0070ushRefs": []}}
	EOF
	run --separate-stderr "$CORDON" policy
	[ "$status" -eq 125 ]
	[ "$stderr" = "cordon policy: $PROJ/.cordon.json:1:26: git.pushRefs: duplicate key" ]
	rm .cordon.json
	# positive control: an escaped key alone is that key, and distinct keys load
	cat >"$cfg" <<-'EOF'
	{"\u0073trict": true, "git": {"pushR\u0065fs": ["refs/heads/x"]},
	 "ignoreViolations": {"npm *": ["/x"], "npm \u002b": ["/y"]}}
	EOF
	run --separate-stderr "$CORDON" policy --json --config "$cfg"
	[ "$status" -eq 0 ]
	[ "$(jq '.strict' <<<"$output")" = true ]
	[ "$(jq -c '.git.pushRefs' <<<"$output")" = '["refs/heads/x"]' ]
	[ "$(jq '.ignoreViolations' <<<"$output")" = true ]
}

@test "a repository .cordon.json of 20,000 deniedDomains loads, deduplicated in order, and is applied" {
	{
		printf '{"network": {"deniedDomains": [\n'
		seq 0 19999 | sed 's|.*|"h&.example.test",|'
		seq 0 99 | sed 's|.*|"H&.Example.test.",|' # the same hosts again, spelled otherwise
		printf '"h0.example.test"]}}\n'
	} >.cordon.json
	run --separate-stderr "$CORDON" policy --json --allow-host '*.example.test'
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq '.network.deniedDomains | length' <<<"$output")" -eq 20000 ]
	[ "$(jq -r '.network.deniedDomains | .[0], .[12345], .[19999]' <<<"$output")" = "h0.example.test
h12345.example.test
h19999.example.test" ]
	[ "$(jq -c '.network.allowedDomains' <<<"$output")" = '["*.example.test"]' ]
	# the summary says the same (deny wins over the wildcard allow: hostpat.h)
	run --separate-stderr "$CORDON" policy --allow-host '*.example.test'
	[ "$status" -eq 0 ]
	[[ "$output" == *"denied hosts:        h0.example.test, h1.example.test,"*", h19999.example.test"$'\n'* ]]
	# control: without the file nothing is denied
	rm .cordon.json
	run --separate-stderr "$CORDON" policy --json --allow-host '*.example.test'
	[ "$status" -eq 0 ]
	[ "$(jq -c '.network.deniedDomains' <<<"$output")" = '[]' ]
}
