/* cmd_shell.c — `cordon shell`: the person's $SHELL, login and interactive, confined (for editor
 * terminal profiles): bash and zsh in place (shell_inplace.c), others like `cordon run`; also the
 * shared "flags + argv → cordon_run" step. */
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
#include "shell_inplace.h"

static const char shell_usage[] =
    "usage: cordon shell " POLICY_FLAGS_USAGE " [-- SHELL-ARGS...]\n"
    "  runs $SHELL (default /bin/bash) as a login, interactive shell, confined; bash and zsh\n"
    "  are confined in place by their own `sandbox on`, so the sandbox verbs work there (not\n"
    "  with SHELL-ARGS); other shells are confined like cordon run. CORDON_PROMPT is set to\n"
    "  \"" CORDON_PROMPT_TEXT "\" for the prompt\n";

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

/* on_words: the policy flags as the words of `sandbox on` (pointers into f), malloc'd. */
static char **on_words(const struct policy_flags *f, size_t *n)
{
	const struct cordon_policy_request *rq = &f->rq;
	static const char *const names[] = {"--allow-write", "--allow-host", "--allow-bind",
					    "--expose"};
	char *const *lists[] = {rq->allow_write, rq->allow_host, rq->allow_bind, rq->expose};
	const size_t counts[] = {rq->n_allow_write, rq->n_allow_host, rq->n_allow_bind,
				 rq->n_expose};
	char **w = calloc(2 * (counts[0] + counts[1] + counts[2] + counts[3]) + 5, sizeof(*w));
	*n = 0;
	if (!w)
		return NULL;
	if (rq->config) {
		w[(*n)++] = "--config";
		w[(*n)++] = rq->config;
	}
	for (size_t k = 0; k < 4; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			w[(*n)++] = (char *)names[k];
			w[(*n)++] = lists[k][i];
		}
	}
	if (rq->strict)
		w[(*n)++] = "--strict";
	if (rq->lock)
		w[(*n)++] = "--lock";
	return w;
}

/* in_place: bash or zsh confined by its own `sandbox on`. The policy is built here first, so a
 * bad flag or config is reported before any shell starts. Returns only on failure. */
static int in_place(const char *shell, enum shell_kind kind, const struct shell_inplace *in,
		    const struct policy_flags *f)
{
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	size_t n;
	int r = policy_flags_build(f, &p, &e);

	cordon_policy_free(&p);
	if (r < 0) {
		fprintf(stderr, "cordon shell: %s\n", e.msg);
		return CORDON_EXIT_SETUP;
	}
	char **w = on_words(f, &n);
	if (!w)
		return CORDON_EXIT_SETUP;
	r = shell_inplace_exec(shell, kind, in, w, n);
	free(w);
	return r;
}

int cmd_shell(int argc, char **argv)
{
	struct policy_flags f;
	struct shell_inplace in;
	const char *shell = getenv("SHELL");
	char **av, why[PATH_MAX + 128];
	int first, r, n = 0;

	first = policy_flags_parse(argc, argv, &f);
	if ((r = policy_flags_usage(&f, first, f.json || f.command, shell_usage)) >= 0)
		return r;
	if (!shell || shell[0] != '/')
		shell = "/bin/bash";
	/* Shell arguments could make the shell skip its init file (bash -c, zsh -f): those runs,
	 * and shells without the builtin, are confined from outside instead. */
	enum shell_kind kind = first < argc ? SHELL_OTHER : shell_inplace_kind(shell);
	if (kind != SHELL_OTHER) {
		if (shell_inplace_find(kind, &in, why, sizeof(why)) == 0) {
			r = in_place(shell, kind, &in, &f);
			policy_flags_free(&f);
			return r;
		}
		fprintf(
		    stderr,
		    "cordon shell: warning: %s; the shell is confined from outside, without the "
		    "sandbox verbs\n",
		    why);
	}
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
