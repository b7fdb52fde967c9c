/* cmd_shell.c — `cordon shell`: the person's $SHELL, login and interactive, confined like
 * `cordon run` (for editor terminal profiles); also the shared "flags + argv → cordon_run" step. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/policy.h"
#include "cordon/run.h"
#include "cordon/verbs.h"
#include "policy_flags.h"

static const char shell_usage[] =
    "usage: cordon shell " POLICY_FLAGS_USAGE " [-- SHELL-ARGS...]\n"
    "  runs $SHELL (default /bin/bash) as a login, interactive shell, confined like cordon run;\n"
    "  CORDON_PROMPT is set to \"" CORDON_PROMPT_TEXT "\" for the prompt\n";

static void warn(const char *msg, void *arg)
{
	fprintf(stderr, "cordon %s: warning: %s\n", (const char *)arg, msg);
}

int cmd_run_confined(const char *who, const struct policy_flags *f, char *const *argv)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	char cwd[PATH_MAX];
	int r;

	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "cordon %s: getcwd: %m\n", who);
		return CORDON_EXIT_SETUP;
	}
	r = policy_flags_build(f, &p, &e);
	if (r < 0) {
		fprintf(stderr, "cordon %s: %s\n", who, e.msg);
		cordon_policy_free(&p);
		return CORDON_EXIT_SETUP;
	}
	struct cordon_run_opts o = {
	    .policy = &p, .argv = argv, .cwd = cwd, .warn = warn, .warn_arg = (void *)who};
	r = cordon_run(&o, &e);
	if (r < 0) {
		fprintf(stderr, "cordon %s: %s\n", who, e.msg);
		r = CORDON_EXIT_SETUP;
	} else if (e.msg[0]) {
		fprintf(stderr, "cordon %s: %s\n", who, e.msg); /* why exec failed (126/127) */
	}
	cordon_policy_free(&p);
	return r;
}

int cmd_shell(int argc, char **argv)
{
	struct policy_flags f;
	const char *shell = getenv("SHELL");
	char **av;
	int first, r, n = 0;

	first = policy_flags_parse(argc, argv, &f);
	if ((r = policy_flags_usage(&f, first, f.json || f.command, shell_usage)) >= 0)
		return r;
	if (!shell || shell[0] != '/')
		shell = "/bin/bash";
	av = calloc(argc - first + 4, sizeof(*av));
	if (!av) {
		policy_flags_free(&f);
		return CORDON_EXIT_SETUP;
	}
	/* -l -i rather than a "-bash" argv[0]: the command is looked up by argv[0], and every
	 * common shell (bash, zsh, dash, ksh, fish) takes both options. */
	av[n++] = (char *)shell;
	av[n++] = "-l";
	av[n++] = "-i";
	for (int i = first; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	/* The prompt marker; VSCODE_* variables pass through untouched so VS Code's shell
	 * integration keeps working (the engine removes VSCODE_IPC_HOOK_CLI only). */
	setenv(CORDON_PROMPT_VAR, CORDON_PROMPT_TEXT, 1);
	r = cmd_run_confined("shell", &f, av);
	free(av);
	policy_flags_free(&f);
	return r;
}
