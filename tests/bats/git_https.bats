#!/usr/bin/env bats
# git_https.bats — git over HTTPS with the credential held outside: a real git smart-HTTP server
# (git http-backend behind HTTPS with basic authentication and a test CA) on 127.0.0.2, reached
# from inside `cordon run` through the session's git endpoint. Clone, fetch and allowed pushes
# work; pushes the policy does not allow are refused with the rule named and never reach the
# server; the token appears nowhere inside; `git commit -S` signs with a key that stays outside.

load helpers

setup_file() {
	suite_setup
	GD=$SUITE_DIR/git
	mkdir -p "$GD/srv"
	# a test CA and a server certificate for 127.0.0.2 signed by it
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=cordon-test-ca -keyout "$GD/ca.key" -out "$GD/ca.pem" 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj /CN=127.0.0.2 -keyout "$GD/srv.key" -out "$GD/srv.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:127.0.0.2\n' >"$GD/ext.cnf" &&
		openssl x509 -req -in "$GD/srv.csr" -CA "$GD/ca.pem" -CAkey "$GD/ca.key" \
			-CAcreateserial -days 2 -extfile "$GD/ext.cnf" -out "$GD/srv.pem" 2>/dev/null ||
		fail "openssl could not make the test CA and certificate" || return 1
	git_repo "$GD/src"
	echo payload >"$GD/src/file.txt"
	git -C "$GD/src" add file.txt
	git -C "$GD/src" commit -qm 'add file'
	git clone -q --bare "$GD/src" "$GD/srv/proj.git"
	git clone -q --bare "$GD/src" "$GD/srv/other.git"
	# the token is kept in a file, not in the environment the tests' commands inherit
	local token
	token=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	echo "$token" >"$GD/token"
	"$PY" "$HOSTS_SRC/git_http_server.py" 127.0.0.2 "$GD/srv" "$GD/srv.pem" "$GD/srv.key" \
		cordon "$token" "$GD/port" "$GD/requests.log" </dev/null >"$GD/server.out" 2>&1 3>&- &
	GIT_SERVER_PID=$!
	wait_for "$GD/port" 20 || fail "git server did not start: $(cat "$GD/server.out")" || return 1
	GIT_PORT=$(cat "$GD/port")
	REMOTE=https://127.0.0.2:$GIT_PORT
	export GD GIT_SERVER_PID GIT_PORT REMOTE
}

teardown_file() {
	[ -n "${GIT_SERVER_PID:-}" ] && kill "$GIT_SERVER_PID" 2>/dev/null &&
		wait_gone "$GIT_SERVER_PID" 5
	suite_teardown
}

setup() {
	e2e_setup
	TOKEN=$(cat "$GD/token")
	# the person's own git outside: a credential helper holding the token (~/.git-credentials
	# is one of the default masks inside)
	printf '[credential]\n\thelper = store\n' >"$TEST_HOME/.gitconfig"
	printf 'https://cordon:%s@127.0.0.2:%s\n' "$TOKEN" "$GIT_PORT" >"$TEST_HOME/.git-credentials"
	export GIT_CONFIG_GLOBAL=$TEST_HOME/.gitconfig
	# the test CA: trusted by the session's TLS client (test hook) and by git outside
	export CORDON_TEST_GIT_CA=$GD/ca.pem
	policy '"pushRefs": ["refs/heads/cordon/*"]'
}

teardown() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	e2e_teardown
}

# policy JSON...: $T/policy.json with a git section relaying proj.git and the given members.
policy() {
	printf '{"git": {"remotes": ["%s/proj.git"]%s%s}}\n' "$REMOTE" "${1:+, }" "$1" \
		>"$T/policy.json"
}

# gitin ARGS...: `git ARGS` inside cordon run with $T/policy.json.
gitin() {
	crun --config "$T/policy.json" -- git "$@"
}

# host_git ARGS...: git outside, trusting the test CA.
host_git() {
	HOME=$TEST_HOME GIT_SSL_CAINFO=$GD/ca.pem git "$@"
}

# remote_has REPO REF: the commit REF names in the server's REPO, or nothing.
remote_has() {
	git -C "$GD/srv/$1" rev-parse -q --verify "$2^{commit}" 2>/dev/null
}

# clone_outside DIR: a clone of proj.git made outside with the credential, for pushes.
clone_outside() {
	host_git clone -q "$REMOTE/proj.git" "$1"
}

@test "the test server needs the credential: a clone without it fails, with it works (control)" {
	run env GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 GIT_SSL_CAINFO="$GD/ca.pem" \
		git clone -q "$REMOTE/proj.git" "$W/anon"
	[ "$status" -ne 0 ] || fail "an anonymous clone worked: $output"
	run clone_outside "$W/direct"
	assert_status 0
	[ "$(cat "$W/direct/file.txt")" = payload ] || fail "no file.txt in the clone"
}

@test "git clone and fetch inside work with the credential held outside" {
	run gitin clone -q "$REMOTE/proj.git" clone
	assert_status 0
	[ "$(cat "$W/clone/file.txt")" = payload ] || fail "the clone has no file.txt: $output"
	# the server saw the credential on the session's requests
	grep -q 'git-upload-pack auth=ok' "$GD/requests.log" || fail "no authenticated fetch"
	# a new commit on the server, then a fetch from inside
	clone_outside "$T/up"
	echo two >"$T/up/two.txt"
	git -C "$T/up" add two.txt
	git -C "$T/up" commit -qm two
	host_git -C "$T/up" push -q origin "HEAD:refs/heads/fetch$BATS_TEST_NUMBER"
	run gitin -C clone fetch -q origin "fetch$BATS_TEST_NUMBER"
	assert_status 0
	[ "$(git -C "$W/clone" log -1 --format=%s FETCH_HEAD)" = two ] ||
		fail "the fetch did not bring the new commit: $output"
}

@test "the token appears nowhere inside: environment, GIT_TRACE_CURL, files under HOME and the project" {
	# positive control: the token is in the person's own files, where grep finds it
	grep -rqF "$TOKEN" "$TEST_HOME" || fail "control: the token is not in the test's HOME"
	run crun --config "$T/policy.json" -- /bin/sh -c '
		GIT_TRACE_CURL=1 GIT_TRACE_CURL_NO_DATA=1 git clone -q "$1/proj.git" clone 2>trace.txt
		echo "clone=$?"
		echo "trace=$(wc -l <trace.txt)"
		if grep -qF "$2" /proc/self/environ; then echo "in /proc/self/environ"; fi
		if env | grep -qF "$2"; then echo "in env"; fi
		if grep -qiE "^.{0,40}authorization:" trace.txt; then echo "authorization in trace"; fi
		if grep -rqF "$2" "$HOME" . 2>/dev/null; then echo "in a file"; fi
		echo done' sh "$REMOTE" "$TOKEN"
	assert_status 0
	assert_output_has "clone=0" done
	[[ "$output" != *"trace=0"* ]] || fail "GIT_TRACE_CURL wrote nothing: $output"
	assert_output_lacks "in /proc/self/environ"
	assert_output_lacks "in env"
	assert_output_lacks "authorization in trace"
	assert_output_lacks "in a file"
	assert_output_lacks "$TOKEN"
}

@test "a push to an allowed branch reaches the remote" {
	clone_outside "$W/c"
	echo more >"$W/c/more.txt"
	git -C "$W/c" add more.txt
	git -C "$W/c" commit -qm more
	run gitin -C c push -q origin "HEAD:refs/heads/cordon/t$BATS_TEST_NUMBER"
	assert_status 0
	[ "$(remote_has proj.git "cordon/t$BATS_TEST_NUMBER")" = "$(git -C "$W/c" rev-parse HEAD)" ] ||
		fail "the push did not reach the server: $output"
}

@test "a push to a protected branch is refused naming the ref and the rule, and never reaches the remote" {
	clone_outside "$W/c"
	before=$(remote_has proj.git main)
	echo evil >"$W/c/evil.txt"
	git -C "$W/c" add evil.txt
	git -C "$W/c" commit -qm evil
	run gitin -C c push origin HEAD:refs/heads/main
	[ "$status" -ne 0 ] || fail "the push to main succeeded: $output"
	assert_output_has "refs/heads/main" "git.pushRefs" "remote rejected"
	[ "$(remote_has proj.git main)" = "$before" ] || fail "main moved on the server"
	run cordon_cmd log
	assert_output_has "git.pushRefs" "refs/heads/main"
	# positive control: the same commit to an allowed branch goes through
	run gitin -C c push -q origin "HEAD:refs/heads/cordon/ok$BATS_TEST_NUMBER"
	assert_status 0
}

@test "a force push is refused unless git.allowForce, checked against the remote's history" {
	clone_outside "$W/c"
	echo one >"$W/c/f.txt"
	git -C "$W/c" add f.txt
	git -C "$W/c" commit -qm one
	ref=refs/heads/cordon/f$BATS_TEST_NUMBER
	run gitin -C c push -q origin "HEAD:$ref"
	assert_status 0
	first=$(remote_has proj.git "$ref")
	# a fast-forward on top of it is allowed
	echo two >>"$W/c/f.txt"
	git -C "$W/c" commit -qam two
	run gitin -C c push -q origin "HEAD:$ref"
	assert_status 0
	second=$(remote_has proj.git "$ref")
	[ "$second" != "$first" ] || fail "the fast-forward did not arrive"
	# rewriting it is not
	git -C "$W/c" commit -q --amend -m rewritten
	run gitin -C c push -f origin "HEAD:$ref"
	[ "$status" -ne 0 ] || fail "the force push succeeded: $output"
	assert_output_has "non-fast-forward" "git.allowForce" "$ref"
	[ "$(remote_has proj.git "$ref")" = "$second" ] || fail "the ref moved on the server"
	# positive control: with git.allowForce the same push goes through
	policy '"pushRefs": ["refs/heads/cordon/*"], "allowForce": true'
	run gitin -C c push -q -f origin "HEAD:$ref"
	assert_status 0
	[ "$(remote_has proj.git "$ref")" = "$(git -C "$W/c" rev-parse HEAD)" ] ||
		fail "the allowed force push did not arrive"
}

@test "a delete is refused unless git.allowDelete" {
	clone_outside "$W/c"
	ref=refs/heads/cordon/d$BATS_TEST_NUMBER
	host_git -C "$W/c" push -q origin "HEAD:$ref"
	run gitin -C c push origin ":$ref"
	[ "$status" -ne 0 ] || fail "the delete succeeded: $output"
	assert_output_has "deleting $ref" "git.allowDelete"
	[ -n "$(remote_has proj.git "$ref")" ] || fail "the ref is gone on the server"
	policy '"pushRefs": ["refs/heads/cordon/*"], "allowDelete": true'
	run gitin -C c push -q origin ":$ref"
	assert_status 0
	[ -z "$(remote_has proj.git "$ref")" ] || fail "the allowed delete did not arrive"
}

@test "a remote the policy does not list is refused by name, clone and push alike" {
	run host_git clone -q "$REMOTE/other.git" "$W/control"
	assert_status 0 # positive control: it exists and the credential works outside
	run gitin clone -q "$REMOTE/other.git" other
	[ "$status" -ne 0 ] || fail "the clone of an unlisted remote succeeded: $output"
	assert_output_has "$REMOTE/other.git is not in git.remotes"
	[ ! -e "$W/other/file.txt" ] || fail "the clone has the file"
	run gitin -C control push origin "HEAD:refs/heads/cordon/x"
	[ "$status" -ne 0 ] || fail "the push to an unlisted remote succeeded: $output"
	assert_output_has "not in git.remotes"
	[ -z "$(remote_has other.git cordon/x)" ] || fail "the push reached the server"
	run cordon_cmd log
	assert_output_has "other.git is not in git.remotes"
}

@test "the branch checked out at start (@start) may be pushed, another branch may not" {
	clone_outside "$W/c"
	git -C "$W/c" checkout -q -b "feat$BATS_TEST_NUMBER"
	echo f >"$W/c/feat.txt"
	git -C "$W/c" add feat.txt
	git -C "$W/c" commit -qm feat
	policy '"pushRefs": ["@start"]'
	cd "$W/c"
	run crun --config "$T/policy.json" -- /bin/sh -c '
		git push -q origin "HEAD:refs/heads/$1" && echo start-pushed
		git checkout -q -b "other$2" && git push origin "HEAD:refs/heads/other$2"' \
		sh "feat$BATS_TEST_NUMBER" "$BATS_TEST_NUMBER"
	cd "$W"
	assert_output_has start-pushed "refs/heads/other$BATS_TEST_NUMBER" "git.pushRefs" \
		"@start = refs/heads/feat$BATS_TEST_NUMBER"
	[ -n "$(remote_has proj.git "feat$BATS_TEST_NUMBER")" ] || fail "the start branch did not arrive"
	[ -z "$(remote_has proj.git "other$BATS_TEST_NUMBER")" ] || fail "the other branch arrived"
}

@test "well-known token variables are removed inside unless git.passTokens names them" {
	run env GITHUB_TOKEN=ghp-secret GH_TOKEN=gh-secret GITLAB_TOKEN=gl-secret \
		timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" "$CORDON" run -- /bin/sh -c \
		'echo "gh=${GITHUB_TOKEN-unset} ghx=${GH_TOKEN-unset} gl=${GITLAB_TOKEN-unset}"' </dev/null
	assert_status 0
	assert_output_has "gh=unset ghx=unset gl=unset"
	policy '"passTokens": ["GH_TOKEN"]'
	run env GITHUB_TOKEN=ghp-secret GH_TOKEN=gh-secret timeout -k 5 "$RUN_TIMEOUT" \
		env HOME="$TEST_HOME" "$CORDON" run --config "$T/policy.json" -- /bin/sh -c \
		'echo "gh=${GITHUB_TOKEN-unset} ghx=${GH_TOKEN-unset}"' </dev/null
	assert_status 0
	assert_output_has "gh=unset ghx=gh-secret"
}

@test "a repository's .cordon.json cannot widen the git section" {
	printf '{"git": {"pushRefs": ["refs/heads/*"]}}\n' >"$W/.cordon.json"
	run gitin --version
	assert_status 125
	assert_output_has ".cordon.json" "git.pushRefs" "refs/heads/*"
	# narrowing is taken: only one of the allowed refs
	printf '{"git": {"pushRefs": ["refs/heads/cordon/only"]}}\n' >"$W/.cordon.json"
	clone_outside "$W/c"
	run gitin -C c push origin "HEAD:refs/heads/cordon/other$BATS_TEST_NUMBER"
	[ "$status" -ne 0 ] || fail "a ref the repository's file leaves out was pushed: $output"
	assert_output_has "git.pushRefs (refs/heads/cordon/only)"
}

# start_agent: an ssh-agent outside holding a signing key kept under ~/.ssh (masked inside).
start_agent() {
	mkdir -p "$TEST_HOME/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C signer -f "$TEST_HOME/.ssh/id_signer" ||
		fail "ssh-keygen failed" || return 1
	eval "$(ssh-agent -a "$T/agent.sock" -s)" >/dev/null || fail "no ssh-agent" || return 1
	AGENT_PID=$SSH_AGENT_PID
	ssh-add -q "$TEST_HOME/.ssh/id_signer" 2>/dev/null || fail "ssh-add failed" || return 1
	export SSH_AUTH_SOCK
}

@test "git commit -S inside signs with a key outside; git verify-commit accepts it outside" {
	command -v ssh-agent >/dev/null || skip "ssh-agent is not installed (openssh-client)"
	start_agent
	clone_outside "$W/c"
	policy '"pushRefs": ["refs/heads/cordon/*"], "signingKey": "~/.ssh/id_signer.pub"'
	cd "$W/c"
	run crun --config "$T/policy.json" -- /bin/sh -c '
		cat "$HOME/.ssh/id_signer" 2>/dev/null | wc -c
		echo s >signed.txt && git add signed.txt && git commit -q -S -m signed && echo committed'
	cd "$W"
	assert_status 0
	assert_output_has committed
	[[ "$output" == 0* ]] || fail "the private key is readable inside: $output"
	git -C "$W/c" cat-file -p HEAD | grep -q 'BEGIN SSH SIGNATURE' || fail "the commit has no signature"
	printf 'test@cordon.invalid %s\n' "$(cat "$TEST_HOME/.ssh/id_signer.pub")" >"$T/allowed_signers"
	run git -C "$W/c" -c gpg.ssh.allowedSignersFile="$T/allowed_signers" verify-commit HEAD
	assert_status 0
	assert_output_has 'Good "git" signature'
}

@test "the signing service refuses data that is not a commit of the confined repository" {
	command -v ssh-agent >/dev/null || skip "ssh-agent is not installed (openssh-client)"
	command -v curl >/dev/null || skip "curl is not installed"
	start_agent
	clone_outside "$W/c"
	policy '"signingKey": "~/.ssh/id_signer.pub"'
	cd "$W/c"
	run crun --config "$T/policy.json" -- /bin/sh -c '
		printf "hello\n" >data
		curl -sS -m 10 --noproxy "*" --data-binary @data "$CORDON_GIT_ENDPOINT/cordon/sign"
		echo
		printf "tree 1111111111111111111111111111111111111111\nauthor a <a> 1 +0000\ncommitter a <a> 1 +0000\n\nm\n" >fake
		curl -sS -m 10 --noproxy "*" --data-binary @fake "$CORDON_GIT_ENDPOINT/cordon/sign"
		echo
		git cat-file commit HEAD >real
		curl -sS -m 10 --noproxy "*" --data-binary @real "$CORDON_GIT_ENDPOINT/cordon/sign" | head -1'
	cd "$W"
	assert_status 0
	assert_output_has "only git commit and tag objects are signed" \
		"tree 1111111111111111111111111111111111111111 is not in the repository" \
		"-----BEGIN SSH SIGNATURE-----"
	run cordon_cmd log
	assert_output_has "signing refused"
}

@test "sandbox git shows the remotes, the push rules and the recent pushes" {
	[ -f "$CORDON_TOP/build/bash-builtin/sandbox.so" ] || skip "the bash builtin is not built"
	clone_outside "$W/c"
	cd "$W/c"
	run timeout -k 5 "$RUN_TIMEOUT" env HOME="$TEST_HOME" bash --norc --noprofile -c '
		enable -f "$1" sandbox || exit 99
		sandbox on --config "$2" 2>"$3.err" || { cat "$3.err"; exit 98; }
		git push -q origin HEAD:refs/heads/cordon/v 2>/dev/null
		git commit -q --allow-empty -m v && git push -q origin HEAD:refs/heads/main 2>/dev/null
		sandbox git
		sandbox git --json >"$3"' bash "$CORDON_TOP/build/bash-builtin/sandbox.so" \
		"$T/policy.json" "$W/c/git.json" </dev/null 3>&- 4>&-
	cd "$W"
	assert_status 0
	assert_output_has "remotes:        $REMOTE/proj.git" "push refs:      refs/heads/cordon/*" \
		"push refs/heads/cordon/v to $REMOTE/proj.git: pushed" \
		"push refs/heads/main to $REMOTE/proj.git: refused"
	grep -q '"endpoint":"http://127.0.0.1:' "$W/c/git.json" ||
		fail "no endpoint: $(cat "$W/c/git.json")"
	grep -q '"result":"refused"' "$W/c/git.json" ||
		fail "no refusal in JSON: $(cat "$W/c/git.json")"
}
