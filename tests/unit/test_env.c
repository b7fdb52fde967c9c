/* test_env.c — unit tests of the session environment: proxy variables from the session's ports,
 * session markers, removed variables, and GIT_SSH_COMMAND quoting that survives both shells. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cordon/env.h"
#include "cordon/policy.h"

static const struct cordon_session_info info = {
	.id = "0123456789abcdef0123456789abcdef",
	.http_port = 41000,
	.socks_port = 42000,
	.log_path = "/home/u/.local/state/cordon/sessions/x.log",
};

/* find: the entry for name; fails the test when absent. */
static const struct cordon_env_entry *find(const struct cordon_env *env, const char *name)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strcmp(env->v[i].name, name))
			return &env->v[i];
	fail_msg("%s not in the environment list", name);
	return NULL;
}

static void proxy_variables_name_the_session_ports(void **state)
{
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_env_build(&info, "/usr/bin/cordon", &env, &e), 0);
	assert_string_equal(find(&env, "HTTP_PROXY")->value, "http://127.0.0.1:41000");
	assert_string_equal(find(&env, "https_proxy")->value, "http://127.0.0.1:41000");
	assert_string_equal(find(&env, "ALL_PROXY")->value, "socks5h://127.0.0.1:42000");
	assert_string_equal(find(&env, "NO_PROXY")->value, "localhost,127.0.0.1,::1");
	assert_string_equal(find(&env, "CORDON_SESSION")->value, info.id);
	assert_string_equal(find(&env, "CORDON_LOG")->value, info.log_path);
	assert_string_equal(find(&env, "SANDBOX_RUNTIME")->value, "1");
	cordon_env_free(&env);
}

static void agent_and_loader_variables_are_removed(void **state)
{
	static const char *const gone[] = {"SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "TMUX",
					   "DISPLAY", "WAYLAND_DISPLAY", "VSCODE_IPC_HOOK_CLI",
					   "DOCKER_HOST", "LD_PRELOAD", "LD_AUDIT"};
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_env_build(&info, NULL, &env, &e), 0);
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_null(find(&env, gone[i])->value);
	cordon_env_free(&env);
}

static void git_ssh_command_plain_path(void **state)
{
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_env_build(&info, "/usr/bin/cordon", &env, &e), 0);
	assert_string_equal(find(&env, "GIT_SSH_COMMAND")->value,
			    "ssh -o 'ProxyCommand=/usr/bin/cordon connect %h %p'");
	cordon_env_free(&env);
}

/* A path with a space, a quote and a percent sign: sh -c sees one -o word, ssh's own shell sees
 * the path as one word, and ssh's %-expansion gives back a single '%'. */
static void git_ssh_command_hostile_path(void **state)
{
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_env_build(&info, "/opt/my tools/it's%x/cordon", &env, &e), 0);
	assert_string_equal(find(&env, "GIT_SSH_COMMAND")->value,
			    "ssh -o 'ProxyCommand='\\''/opt/my tools/it'\\''\\'\\'''\\''s%%x/cordon'"
			    "\\'' connect %h %p'");
	cordon_env_free(&env);
}

/* has: is name in the list, and with which value (NULL when absent)? */
static const struct cordon_env_entry *has(const struct cordon_env *env, const char *name)
{
	for (size_t i = 0; i < env->n; i++)
		if (!strcmp(env->v[i].name, name))
			return &env->v[i];
	return NULL;
}

static void caches_default_to_the_private_tmp_when_home_is_read_only(void **state)
{
	struct cordon_policy p = {0};
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	assert_int_equal(cordon_policy_add_path(&p.allow_write, "/home/u/proj", "/home/u", "/", &e),
			 0);
	assert_int_equal(cordon_env_build(&info, NULL, &env, &e), 0);
	unsetenv("XDG_CACHE_HOME");
	assert_int_equal(cordon_env_add_cache_defaults(&env, &p, "/home/u", &e), 0);
	assert_string_equal(find(&env, "npm_config_cache")->value, CORDON_NPM_CACHE);
	assert_true(find(&env, "npm_config_cache")->if_unset);
	assert_string_equal(find(&env, "PIP_CACHE_DIR")->value, CORDON_PIP_CACHE);
	assert_true(find(&env, "PIP_CACHE_DIR")->if_unset);
	/* the other entries are not defaults: they replace what the caller had */
	assert_false(find(&env, "HTTP_PROXY")->if_unset);
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void a_writable_cache_keeps_its_own_place(void **state)
{
	struct cordon_policy p = {0};
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	assert_int_equal(cordon_policy_add_path(&p.allow_write, "/home/u/.npm", "/home/u", "/", &e),
			 0);
	setenv("XDG_CACHE_HOME", "/home/u/cache", 1);
	assert_int_equal(
	    cordon_policy_add_path(&p.allow_write, "/home/u/cache", "/home/u", "/", &e), 0);
	assert_int_equal(cordon_env_build(&info, NULL, &env, &e), 0);
	assert_int_equal(cordon_env_add_cache_defaults(&env, &p, "/home/u", &e), 0);
	assert_null(has(&env, "npm_config_cache"));
	assert_null(has(&env, "PIP_CACHE_DIR"));
	unsetenv("XDG_CACHE_HOME");
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

static void no_cache_default_without_a_private_tmp(void **state)
{
	struct cordon_policy p = {0};
	struct cordon_env env;
	struct cordon_error e;
	(void)state;

	assert_int_equal(cordon_policy_init(&p, "/home/u", &e), 0);
	p.private_tmp = false;
	assert_int_equal(cordon_env_build(&info, NULL, &env, &e), 0);
	assert_int_equal(cordon_env_add_cache_defaults(&env, &p, "/home/u", &e), 0);
	assert_null(has(&env, "npm_config_cache"));
	assert_null(has(&env, "PIP_CACHE_DIR"));
	cordon_env_free(&env);
	cordon_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proxy_variables_name_the_session_ports),
		cmocka_unit_test(agent_and_loader_variables_are_removed),
		cmocka_unit_test(git_ssh_command_plain_path),
		cmocka_unit_test(git_ssh_command_hostile_path),
		cmocka_unit_test(caches_default_to_the_private_tmp_when_home_is_read_only),
		cmocka_unit_test(a_writable_cache_keeps_its_own_place),
		cmocka_unit_test(no_cache_default_without_a_private_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
