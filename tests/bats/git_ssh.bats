#!/usr/bin/env bats
# git_ssh.bats — git over SSH from inside `cordon run`: the session's GIT_SSH_COMMAND sends ssh
# through `cordon connect` (ProxyCommand) to the filtering proxy, to a real sshd on a test address.
# Clone and push work when the host is allowed and are refused, by name, when it is not.

load helpers

e2e_hooks --hosts

# sshd runs commands through the account's passwd shell; uid 65534's is /usr/sbin/nologin, and a
# non-root sshd can log in only its own user, so these tests need root.
setup_file() {
	suite_setup
	hosts_start
	[ "$(id -u)" = 0 ] || return 0
	[ -x /usr/sbin/sshd ] || return 0
	SSH_DIR=$SUITE_DIR/ssh
	mkdir -p "$SSH_DIR" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key" || return 1
	cp "$SSH_DIR/client_key.pub" "$SSH_DIR/authorized_keys"
	# a key that lives only in an ssh-agent outside: its private file is removed once added
	ssh-keygen -q -t ed25519 -N '' -C agent-key -f "$SSH_DIR/agent_key" || return 1
	cat "$SSH_DIR/agent_key.pub" >>"$SSH_DIR/authorized_keys"
	eval "$(ssh-agent -a "$SSH_DIR/agent.sock" -s)" >/dev/null || return 1
	AGENT_PID=$SSH_AGENT_PID
	SSH_AUTH_SOCK=$SSH_DIR/agent.sock ssh-add -q "$SSH_DIR/agent_key" 2>/dev/null || return 1
	rm -f "$SSH_DIR/agent_key"
	SSH_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0));
print(s.getsockname()[1])')
	cat >"$SSH_DIR/sshd_config" <<-EOF
		ListenAddress 127.0.0.2:$SSH_PORT
		HostKey $SSH_DIR/host_key
		AuthorizedKeysFile $SSH_DIR/authorized_keys
		PidFile $SSH_DIR/sshd.pid
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		StrictModes no
		UsePAM yes
	EOF
	/usr/sbin/sshd -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" ||
		fail "sshd did not start: $(cat "$SSH_DIR/sshd.log")" || return 1
	wait_for "$SSH_DIR/sshd.pid" 10 || fail "sshd wrote no pid file" || return 1
	# The bare repository the tests clone from and push to.
	git_repo "$SSH_DIR/src"
	echo payload >"$SSH_DIR/src/file.txt"
	git -C "$SSH_DIR/src" add file.txt
	git -C "$SSH_DIR/src" commit -qm 'add file'
	git clone -q --bare "$SSH_DIR/src" "$SSH_DIR/repo.git"
	export SSH_DIR SSH_PORT AGENT_PID
}

teardown_file() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "${SSH_DIR:-}" ] && [ -f "$SSH_DIR/sshd.pid" ] && kill "$(cat "$SSH_DIR/sshd.pid")"
	suite_teardown
}

setup() {
	[ "$(id -u)" = 0 ] ||
		skip "sshd runs commands through the passwd shell, which for uid 65534 is nologin"
	[ -x /usr/sbin/sshd ] || skip "openssh-server is not installed (./build.sh test installs it)"
	e2e_setup
}

# The options a person would add for this test server; the session's own command stays first, so
# its ProxyCommand is the one ssh uses.
SSH_OPTS='-i $SSH_DIR/client_key -o IdentitiesOnly=yes -o BatchMode=yes'
SSH_OPTS+=' -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'

# ssh_git [-a HOST]... ARGS...: `git ARGS` inside cordon run with --allow-host HOST for each -a
# given first. The URL names allowed.test, which the test hosts file maps to 127.0.0.2; the proxy
# connects to a loopback address only when that address is allowed too.
ssh_git() {
	local flags=()
	while [ "${1:-}" = -a ]; do
		flags+=(--allow-host "$2")
		shift 2
	done
	crun "${flags[@]}" -- env SSH_DIR="$SSH_DIR" /bin/sh -c \
		'GIT_SSH_COMMAND="$GIT_SSH_COMMAND '"$SSH_OPTS"'" exec git "$@"' sh "$@"
}

@test "git clone over SSH works unconfined against the test sshd (control)" {
	run env SSH_DIR="$SSH_DIR" /bin/sh -c 'GIT_SSH_COMMAND="ssh '"$SSH_OPTS"'" exec git "$@"' sh \
		clone -q "ssh://root@127.0.0.2:$SSH_PORT$SSH_DIR/repo.git" "$W/direct"
	assert_status 0
	[ "$(cat "$W/direct/file.txt")" = payload ] || fail "direct clone has no file.txt"
}

@test "the session's GIT_SSH_COMMAND names cordon connect as ssh's ProxyCommand" {
	run crun -- /bin/sh -c 'printf "%s\n" "$GIT_SSH_COMMAND"'
	assert_status 0
	assert_output_has "ProxyCommand=" "connect %h %p"
}

@test "git clone and push over SSH go through the proxy when the host is allowed" {
	run ssh_git -a allowed.test -a 127.0.0.2 clone -q "ssh://root@allowed.test:$SSH_PORT$SSH_DIR/repo.git" clone
	assert_status 0
	[ "$(cat "$W/clone/file.txt")" = payload ] || fail "clone has no file.txt: $output"
	echo more >"$W/clone/second.txt"
	git -C "$W/clone" add second.txt
	git -C "$W/clone" commit -qm 'second'
	run ssh_git -a allowed.test -a 127.0.0.2 -C clone push -q origin "HEAD:refs/heads/t$BATS_TEST_NUMBER"
	assert_status 0
	[ "$(git -C "$SSH_DIR/repo.git" log -1 --format=%s "t$BATS_TEST_NUMBER")" = second ] ||
		fail "the push did not reach the server: $output"
}

@test "git clone over SSH to a host not on the allowlist is refused and the host is named" {
	run ssh_git -a 127.0.0.2 clone -q "ssh://root@allowed.test:$SSH_PORT$SSH_DIR/repo.git" clone
	[ "$status" -ne 0 ] || fail "clone succeeded without the allow: $output"
	[ ! -e "$W/clone/file.txt" ] || fail "the clone has the file"
	assert_output_has "allowed.test"
	[[ "$output" =~ not\ on\ the\ allowlist ]] || fail "not said to be not allowed: $output"
	run cordon_cmd log
	assert_output_has "allowed.test"
}

@test "ssh cannot bypass the proxy: a direct connection to the sshd address fails inside" {
	run crun --allow-host allowed.test --allow-host 127.0.0.2 -- env SSH_DIR="$SSH_DIR" /bin/sh -c \
		'exec ssh '"$SSH_OPTS"' -p "$1" root@127.0.0.2 true' sh "$SSH_PORT"
	[ "$status" -ne 0 ] || fail "a direct ssh connection succeeded inside: $output"
	# control: the same ssh command works unconfined
	run env SSH_DIR="$SSH_DIR" /bin/sh -c 'exec ssh '"$SSH_OPTS"' -p "$1" root@127.0.0.2 true' \
		sh "$SSH_PORT"
	assert_status 0
}

# --- the agent socket (git.sshKeys, git.sshHosts): the key stays in the agent outside ---------

# Options without a key file: ssh finds keys in the agent only (~/.ssh is masked inside).
AGENT_OPTS='-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
AGENT_OPTS+=' -o LogLevel=ERROR'

# agent_policy HOSTS: $T/policy.json naming the agent key and the SSH hosts HOSTS (JSON strings).
agent_policy() {
	printf '{"git": {"sshKeys": ["%s"], "sshHosts": [%s]}}\n' "$SSH_DIR/agent_key.pub" "$1" \
		>"$T/policy.json"
}

# agent_git ARGS...: `git ARGS` inside cordon run with the agent policy and the real agent outside.
agent_git() {
	SSH_AUTH_SOCK=$SSH_DIR/agent.sock crun --config "$T/policy.json" --allow-host allowed.test \
		--allow-host 127.0.0.2 -- /bin/sh -c \
		'GIT_SSH_COMMAND="$GIT_SSH_COMMAND '"$AGENT_OPTS"'" exec git "$@"' sh "$@"
}

@test "git over SSH authenticates with the agent key outside; no key file is inside" {
	[ ! -e "$SSH_DIR/agent_key" ] || fail "the private key file still exists"
	agent_policy '"allowed.test"'
	run agent_git clone -q "ssh://root@allowed.test:$SSH_PORT$SSH_DIR/repo.git" clone
	assert_status 0
	[ "$(cat "$W/clone/file.txt")" = payload ] || fail "clone has no file.txt: $output"
	echo agent >"$W/clone/agent.txt"
	git -C "$W/clone" add agent.txt
	git -C "$W/clone" commit -qm agent
	run agent_git -C clone push -q origin "HEAD:refs/heads/a$BATS_TEST_NUMBER"
	assert_status 0
	[ "$(git -C "$SSH_DIR/repo.git" log -1 --format=%s "a$BATS_TEST_NUMBER")" = agent ] ||
		fail "the push did not reach the server: $output"
}

@test "the agent key is not offered for an SSH host git.sshHosts does not name" {
	agent_policy '"other.test"'
	run agent_git clone -q "ssh://root@allowed.test:$SSH_PORT$SSH_DIR/repo.git" clone
	[ "$status" -ne 0 ] || fail "the clone authenticated without the host in git.sshHosts"
	assert_output_has "Permission denied"
	[ ! -e "$W/clone/file.txt" ] || fail "the clone has the file"
}

@test "ssh -A to the allowed host: the forwarded agent offers nothing on the far side" {
	agent_policy '"allowed.test"'
	# control: forwarded from outside, the far side sees the key
	run env SSH_AUTH_SOCK="$SSH_DIR/agent.sock" /bin/sh -c \
		'exec ssh '"$AGENT_OPTS"' -A -p "$1" root@127.0.0.2 "ssh-add -L; echo rc=\$?"' sh "$SSH_PORT"
	assert_output_has "agent-key" "rc=0"
	SSH_AUTH_SOCK=$SSH_DIR/agent.sock run crun --config "$T/policy.json" \
		--allow-host allowed.test --allow-host 127.0.0.2 -- /bin/sh -c \
		'exec ssh -o ProxyCommand="$1 connect %h %p" '"$AGENT_OPTS"' -A -p "$2" root@allowed.test \
			"ssh-add -L; echo rc=\$?"' sh "$CORDON" "$SSH_PORT"
	# the login itself used the key (the command ran), the forwarded agent gave nothing
	assert_output_has "rc="
	assert_output_lacks "agent-key"
	assert_output_lacks "rc=0"
}
