/* sandbox.c — the bash loadable builtin `sandbox` (`enable -f sandbox.so sandbox`): a thin
 * adapter that lends bash's variables, output and job table to the shared verbs (verbs.h). */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The order of bash's own loadables.h: common.h needs shell.h's types. */
#include "builtins.h"
#include "shell.h"
#include "common.h"
#include "jobs.h"
#include "execute_cmd.h"

#include "cordon/verbs.h"

/* The adapter's only state: the private control channel to the session process (-1: off). */
static int ctl_fd = -1;

static const char *getvar(void *arg, const char *name)
{
	(void)arg;
	return get_string_value(name);
}

static int setvar(void *arg, const char *name, const char *value, bool export_it)
{
	(void)arg;
	SHELL_VAR *v = find_variable(name);
	if (v && readonly_p(v))
		return -EPERM;
	if (!value) {
		if (v)
			unbind_variable(name);
		return 0;
	}
	v = bind_variable(name, (char *)value, 0);
	if (!v)
		return -EINVAL;
	if (export_it) {
		VSETATTR(v, att_exported);
		array_needs_making = 1;
	}
	return 0;
}

/* `( sandbox on )`, `$(sandbox on)` and `sandbox on | cat` run in a forked copy of the shell:
 * confining it would leave the person's shell unconfined. */
static int not_toplevel(void *arg, char *why, size_t len)
{
	(void)arg;
	const char *sub = get_string_value("BASH_SUBSHELL");
	if (getpid() != dollar_dollar_pid) {
		snprintf(why, len, "this is a forked copy of the shell (pid %ld, $$ is %ld)",
			 (long)getpid(), (long)dollar_dollar_pid);
		return 1;
	}
	if (sub && atoi(sub) > 0) {
		snprintf(why, len, "BASH_SUBSHELL is %s", sub);
		return 1;
	}
	if (subshell_environment) {
		snprintf(why, len, "this is a subshell environment");
		return 1;
	}
	return 0;
}

/* Running or stopped jobs in bash's job table (jobs.h). */
static int live_jobs(void *arg, char *what, size_t len)
{
	(void)arg;
	int n = 0;
	size_t o = strlen(what);
	for (int i = 0; jobs && i < js.j_jobslots; i++) {
		JOB *j = jobs[i];
		if (!j || (j->state != JRUNNING && j->state != JSTOPPED))
			continue;
		n++;
		if (o < len) {
			int w = snprintf(what + o, len - o, "  [%d] %s (process group %ld)\n", i + 1,
					 j->state == JSTOPPED ? "stopped" : "running", (long)j->pgrp);
			o += w > 0 ? (size_t)w : 0;
		}
	}
	return n;
}

static void history_append(void *arg)
{
	(void)arg;
	shopt_setopt("histappend", 1);
}

/* bash's trap.c (its header is not installed): a trapped signal that arrived and whose trap has
 * not run yet. Weak, so that a bash without it still loads the builtin. */
extern int signal_is_pending(int sig) __attribute__((weak));

/* Ctrl-C or a terminating signal while a verb waits (`sandbox log -f`): bash's handlers only
 * record them (quit.h; with `trap ... INT`, as a pending trap); bash acts on them (back to the
 * prompt, or the trap) once the builtin returns. */
static int interrupted(void *arg)
{
	(void)arg;
	return interrupt_state || terminating_signal ||
	       (signal_is_pending && signal_is_pending(SIGINT));
}

static int is_interactive(void *arg)
{
	(void)arg;
	return interactive_shell;
}

int sandbox_builtin(WORD_LIST *list)
{
	char *argv[256];
	int argc = 0;
	for (WORD_LIST *l = list; l; l = l->next) {
		if (argc == (int)(sizeof(argv) / sizeof(argv[0])) - 1) {
			builtin_error("too many arguments");
			return EX_USAGE;
		}
		argv[argc++] = l->word->word;
	}
	argv[argc] = NULL;
	const struct cordon_shell sh = {
		.arg = NULL,
		.name = "bash",
		.out = cordon_verbs_stdout,
		.err = cordon_verbs_stderr,
		.getvar = getvar,
		.setvar = setvar,
		.not_toplevel = not_toplevel,
		.live_jobs = live_jobs,
		.history_append = history_append,
		.interrupted = interrupted,
		.interactive = is_interactive,
	};
	int r = cordon_verbs_main(&sh, &ctl_fd, argc, argv);
	if (r == CORDON_VERB_EXIT) {
		/* as `exit 125`: the EXIT trap runs and the status stays (run_exit_trap returns the
		 * last command's status) */
		last_command_exit_value = r;
		exit_shell(r);
	}
	return r;
}

/* Pin this object in memory (RTLD_NODELETE): `enable -d sandbox` must not drop the control fd's
 * number, and a later `enable -f sandbox.so sandbox` finds the same state again. */
int sandbox_builtin_load(char *name)
{
	Dl_info info;
	(void)name;
	if (dladdr((void *)sandbox_builtin, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
	return 1;
}

struct builtin sandbox_struct = {
	.name = "sandbox",
	.function = sandbox_builtin,
	.flags = BUILTIN_ENABLED,
	.long_doc = (char *const *)cordon_verbs_help,
	.short_doc = cordon_verbs_synopsis,
	.handle = NULL,
};
