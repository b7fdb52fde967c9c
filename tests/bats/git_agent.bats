#!/usr/bin/env bats
# git_agent.bats — the agent socket inside a session: served by the session process from the
# person's real ssh-agent outside, it offers only the keys of git.sshKeys and signs only SSH user
# authentications, only for a process whose own tunnel (`cordon connect`, ssh's ProxyCommand)
# goes to a host of git.sshHosts at that moment. The client is tests/hosts/agent_client.py,
# which asks as ssh would; the tunnel goes to the local HTTP test host allowed.test.

load helpers

e2e_hooks --hosts

setup() {
	command -v ssh-agent >/dev/null || skip "ssh-agent is not installed (openssh-client)"
	e2e_setup
	cp "$HOSTS_SRC/agent_client.py" "$T/agent_client.py"
	chmod 755 "$T"
	# two keys in the agent outside; only "named" is in the policy. No private key file stays.
	ssh-keygen -q -t ed25519 -N '' -C named -f "$T/named" &&
		ssh-keygen -q -t ed25519 -N '' -C other -f "$T/other" || fail "ssh-keygen" || return 1
	eval "$(ssh-agent -a "$T/agent.sock" -s)" >/dev/null || fail "no ssh-agent" || return 1
	AGENT_PID=$SSH_AGENT_PID
	ssh-add -q "$T/named" "$T/other" 2>/dev/null || fail "ssh-add failed" || return 1
	rm -f "$T/named" "$T/other"
	export SSH_AUTH_SOCK
	policy '"allowed.test"'
}

teardown() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	e2e_teardown
}

# policy HOSTS: $T/policy.json naming the key "named" and the SSH hosts HOSTS (JSON strings).
policy() {
	printf '{"git": {"sshKeys": ["%s"], "sshHosts": [%s]}}\n' "$T/named.pub" "$1" >"$T/policy.json"
}

# agent ARGS...: agent_client.py ARGS inside cordon run with the policy; the tunnel, when asked
# for, goes to allowed.test (and its loopback address, which the proxy needs named).
agent() {
	crun --config "$T/policy.json" --allow-host allowed.test --allow-host 127.0.0.2 -- \
		"$PY" "$T/agent_client.py" "$@"
}

tunnel() {
	echo --tunnel "$CORDON" allowed.test "$HTTP_PORT"
}

@test "the real agent holds two keys (control)" {
	run "$PY" "$T/agent_client.py" list
	assert_status 0
	assert_output_has "keys 2"
	run "$PY" "$T/agent_client.py" sign "$T/other.pub" raw
	assert_status 0
	assert_output_has signed
}

@test "inside, SSH_AUTH_SOCK is the session's agent socket, listed in network.allowUnixSockets" {
	run crun --config "$T/policy.json" -- /bin/sh -c 'echo "sock=$SSH_AUTH_SOCK"'
	assert_status 0
	[[ "$output" == *"sock=$TEST_HOME/.local/state/cordon/agent/"*.sock* ]] ||
		fail "SSH_AUTH_SOCK is not the agent socket: $output"
	[[ "$output" != *"sock=$SSH_AUTH_SOCK"* ]] || fail "the real agent socket is visible"
	run cordon_cmd policy --json --config "$T/policy.json"
	assert_output_has "/.local/state/cordon/agent/"
}

@test "without a tunnel to an allowed SSH host the agent offers no key and signs nothing" {
	run agent list
	assert_status 0
	assert_output_has "keys 0"
	run agent sign "$T/named.pub" userauth
	[ "$status" -ne 0 ] || fail "signed without a tunnel: $output"
	assert_output_has refused
	run cordon_cmd log
	assert_output_has "without a connection to a host of git.sshHosts"
}

@test "with a tunnel to an allowed SSH host only the named key is offered and signs a user authentication" {
	run agent $(tunnel) list
	assert_status 0
	assert_output_has "keys 1" "$(cut -d' ' -f2 "$T/named.pub")"
	assert_output_lacks "$(cut -d' ' -f2 "$T/other.pub")"
	run agent $(tunnel) sign "$T/named.pub" userauth
	assert_status 0
	assert_output_has signed
}

@test "a key the policy does not name is refused even with a tunnel" {
	run agent $(tunnel) sign "$T/other.pub" userauth
	[ "$status" -ne 0 ] || fail "the unnamed key signed: $output"
	assert_output_has refused
	run cordon_cmd log
	assert_output_has "a key git.sshKeys does not name"
}

@test "a tunnel to a host git.sshHosts does not name does not open the agent" {
	policy '"other.test"'
	run agent $(tunnel) sign "$T/named.pub" userauth
	[ "$status" -ne 0 ] || fail "signed for a host not in git.sshHosts: $output"
	run cordon_cmd log
	assert_output_has "the asking ssh connects to allowed.test:$HTTP_PORT"
}

@test "data that is not an SSH user authentication is not signed, as ssh-keygen -Y sign would ask" {
	run agent $(tunnel) sign "$T/named.pub" raw
	[ "$status" -ne 0 ] || fail "signed other data: $output"
	assert_output_has refused
	run crun --config "$T/policy.json" -- /bin/sh -c \
		'echo data >x && ssh-keygen -q -Y sign -n git -U -f "$1" x; echo "rc=$?"' sh "$T/named.pub"
	assert_output_has "rc="
	assert_output_lacks "rc=0"
	run cordon_cmd log
	assert_output_has "not an SSH user authentication"
}

@test "the agent cannot be changed from inside (removing or adding keys is refused)" {
	run crun --config "$T/policy.json" -- ssh-add -D
	[ "$status" -ne 0 ] || fail "ssh-add -D succeeded inside: $output"
	run "$PY" "$T/agent_client.py" list
	assert_output_has "keys 2"
}
