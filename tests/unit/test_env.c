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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proxy_variables_name_the_session_ports),
		cmocka_unit_test(agent_and_loader_variables_are_removed),
		cmocka_unit_test(git_ssh_command_plain_path),
		cmocka_unit_test(git_ssh_command_hostile_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
