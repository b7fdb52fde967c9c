/* test_git_env.c — unit tests of the environment inside for the policy's git section:
 * environment-only git configuration sending git.remotes to the session's endpoint and signing
 * to cordon, the agent socket as SSH_AUTH_SOCK, and the token variables removed or passed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cordon/config.h"
#include "cordon/env.h"
#include "cordon/git_env.h"

static const struct cordon_session_info info = {
    .id = "0123456789abcdef0123456789abcdef",
    .http_port = 41000,
    .socks_port = 42000,
    .git_port = 43000,
    .log_path = "/home/u/.local/state/cordon/sessions/x.log",
};

static const struct cordon_env_entry *find(const struct cordon_env *env, const char *name)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strcmp(env->v[i].name, name))
			return &env->v[i];
	return NULL;
}

static void build(struct cordon_env *env, struct cordon_policy *p, const char *json,
		  const struct cordon_session_info *si)
{
	struct cordon_error e = {{0}};
	assert_int_equal(cordon_policy_init(p, "/home/u", &e), 0);
	assert_int_equal(
	    cordon_config_load_string(p, json, strlen(json), "c.json", "/etc", "/home/u", &e), 0);
	assert_int_equal(cordon_env_build(si, "/usr/bin/cordon", env, &e), 0);
	assert_int_equal(cordon_env_git(env, p, si, "/usr/bin/cordon", &e), 0);
}

static void remotes_are_rewritten_to_the_endpoint_once_per_host(void **state)
{
	struct cordon_env env;
	struct cordon_policy p;
	(void)state;

	unsetenv("GIT_CONFIG_COUNT");
	build(&env, &p,
	      "{\"git\": {\"remotes\": [\"https://h.test/a/b\", \"https://h.test/c/*\", "
	      "\"https://o.test:8443/x\"]}}",
	      &info);
	assert_string_equal(find(&env, "GIT_CONFIG_COUNT")->value, "2");
	assert_string_equal(find(&env, "GIT_CONFIG_KEY_0")->value,
			    "url.http://127.0.0.1:43000/git/h.test/.insteadOf");
	assert_string_equal(find(&env, "GIT_CONFIG_VALUE_0")->value, "https://h.test/");
	assert_string_equal(find(&env, "GIT_CONFIG_KEY_1")->value,
			    "url.http://127.0.0.1:43000/git/o.test:8443/.insteadOf");
	assert_string_equal(find(&env, "GIT_CONFIG_VALUE_1")->value, "https://o.test:8443/");
	assert_null(find(&env, "CORDON_GIT_ENDPOINT"));
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void entries_follow_a_git_config_count_already_set(void **state)
{
	struct cordon_env env;
	struct cordon_policy p;
	(void)state;

	setenv("GIT_CONFIG_COUNT", "2", 1);
	build(&env, &p, "{\"git\": {\"remotes\": [\"https://h.test/a\"]}}", &info);
	unsetenv("GIT_CONFIG_COUNT");
	assert_string_equal(find(&env, "GIT_CONFIG_COUNT")->value, "3");
	assert_non_null(find(&env, "GIT_CONFIG_KEY_2"));
	assert_null(find(&env, "GIT_CONFIG_KEY_0"));
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void signing_runs_cordon_as_the_ssh_signing_program(void **state)
{
	struct cordon_env env;
	struct cordon_policy p;
	(void)state;

	unsetenv("GIT_CONFIG_COUNT");
	build(&env, &p, "{\"git\": {\"signingKey\": \"ssh-ed25519 AAAAC3Nza k@h\"}}", &info);
	assert_string_equal(find(&env, "GIT_CONFIG_COUNT")->value, "3");
	assert_string_equal(find(&env, "GIT_CONFIG_KEY_0")->value, "gpg.format");
	assert_string_equal(find(&env, "GIT_CONFIG_VALUE_0")->value, "ssh");
	assert_string_equal(find(&env, "GIT_CONFIG_KEY_1")->value, "gpg.ssh.program");
	assert_string_equal(find(&env, "GIT_CONFIG_VALUE_1")->value, "/usr/bin/cordon");
	assert_string_equal(find(&env, "GIT_CONFIG_VALUE_2")->value, "ssh-ed25519 AAAAC3Nza k@h");
	assert_string_equal(find(&env, "CORDON_GIT_ENDPOINT")->value, "http://127.0.0.1:43000");
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void
tokens_are_removed_unless_passed_and_the_agent_socket_replaces_ssh_auth_sock(void **state)
{
	struct cordon_env env;
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	(void)state;

	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_STATE_HOME");
	build(&env, &p, "{}", &info);
	assert_null(find(&env, "GITHUB_TOKEN")->value);
	assert_null(find(&env, "GH_TOKEN")->value);
	assert_null(find(&env, "GITLAB_TOKEN")->value);
	assert_null(find(&env, "SSH_AUTH_SOCK")->value);
	assert_null(find(&env, "GIT_CONFIG_COUNT"));
	cordon_env_free(&env);
	cordon_policy_free(&p);

	build(&env, &p, "{\"git\": {\"passTokens\": [\"GH_TOKEN\"], \"sshKeys\": [\"/k.pub\"]}}",
	      &info);
	assert_null(find(&env, "GH_TOKEN")); /* left as it is */
	assert_null(find(&env, "GITHUB_TOKEN")->value);
	assert_null(find(&env, "SSH_AUTH_SOCK")->value); /* no agent path before finish */
	cordon_env_free(&env);
	assert_int_equal(cordon_policy_finish(&p, "/home/u/w", &e), 0);
	assert_int_equal(cordon_env_build(&info, NULL, &env, &e), 0);
	assert_int_equal(cordon_env_git(&env, &p, &info, NULL, &e), 0);
	assert_string_equal(find(&env, "SSH_AUTH_SOCK")->value, p.git.agent_path);
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void without_a_git_endpoint_nothing_is_rewritten(void **state)
{
	struct cordon_env env;
	struct cordon_policy p;
	struct cordon_session_info none = info;
	(void)state;

	none.git_port = 0;
	build(&env, &p, "{\"git\": {\"remotes\": [\"https://h.test/a\"]}}", &none);
	assert_null(find(&env, "GIT_CONFIG_COUNT"));
	assert_null(find(&env, "GIT_CONFIG_KEY_0"));
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(remotes_are_rewritten_to_the_endpoint_once_per_host),
	    cmocka_unit_test(entries_follow_a_git_config_count_already_set),
	    cmocka_unit_test(signing_runs_cordon_as_the_ssh_signing_program),
	    cmocka_unit_test(
		tokens_are_removed_unless_passed_and_the_agent_socket_replaces_ssh_auth_sock),
	    cmocka_unit_test(without_a_git_endpoint_nothing_is_rewritten),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
