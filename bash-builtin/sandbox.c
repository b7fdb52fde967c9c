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

#include "cordon/notices.h"
#include "cordon/verbs.h"

/* The adapter's state: the private control channel to the session process (-1: off), and what
 * the prompt notices keep between prompts. */
static int ctl_fd = -1;
static struct cordon_notices notices;

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

/* append_hook_string: bash before 5.1 runs PROMPT_COMMAND as one string: the hook goes on a line
 * of its own at its end, unless it is there already. */
static int append_hook_string(SHELL_VAR *v)
{
	const char *old = v ? get_variable_value(v) : NULL;
	size_t n = old ? strlen(old) : 0, h = strlen(CORDON_NOTICES_HOOK);
	if (old && n >= h && !strcmp(old + n - h, CORDON_NOTICES_HOOK))
		return 0;
	char *val = malloc(n + h + 2);
	if (!val)
		return -ENOMEM;
	sprintf(val, "%s%s%s", old ? old : "", n ? "\n" : "", CORDON_NOTICES_HOOK);
	v = bind_variable("PROMPT_COMMAND", val, 0);
	free(val);
	return v ? 0 : -EINVAL;
}

struct hook_scan {
	arrayind_t found[16];
	int n;
};

static int find_hook(ARRAY_ELEMENT *ae, void *arg)
{
	struct hook_scan *s = arg;
	if (element_value(ae) && !strcmp(element_value(ae), CORDON_NOTICES_HOOK) && s->n < 16)
		s->found[s->n++] = element_index(ae);
	return 0;
}

/* prompt_hook: `sandbox notices` as the last element of the PROMPT_COMMAND array (bash 5.1+:
 * every element runs before each prompt, in index order). A string PROMPT_COMMAND becomes
 * element 0, so the person's later `PROMPT_COMMAND=...` and `PROMPT_COMMAND+="; ..."` change
 * that element and leave the hook in place; an element appended after the hook moves it back to
 * the end at the next prompt. Only `PROMPT_COMMAND=(...)` or `unset` drop it (until the next
 * `sandbox notify on`). */
static int prompt_hook(void *arg)
{
	(void)arg;
	SHELL_VAR *vi = find_variable("BASH_VERSINFO"), *v = find_variable("PROMPT_COMMAND");
	const char *major = vi && array_p(vi) ? array_reference(array_cell(vi), 0) : NULL;
	const char *minor = vi && array_p(vi) ? array_reference(array_cell(vi), 1) : NULL;
	if (v && (readonly_p(v) || noassign_p(v) || assoc_p(v)))
		return -EPERM;
	if (!major || !minor || atoi(major) < 5 || (atoi(major) == 5 && atoi(minor) < 1))
		return append_hook_string(v);
	if (!v)
		v = make_new_array_variable("PROMPT_COMMAND");
	else if (!array_p(v))
		v = convert_var_to_array(v);
	if (!v)
		return -EINVAL;
	ARRAY *a = array_cell(v);
	struct hook_scan found = {.n = 0};
	array_walk(a, find_hook, &found);
	if (found.n == 1 && found.found[0] == array_max_index(a))
		return 0;
	for (int i = 0; i < found.n; i++) {
		ARRAY_ELEMENT *ae = array_remove(a, found.found[i]);
		if (ae)
			array_dispose_element(ae);
	}
	return array_insert(a, array_max_index(a) + 1, CORDON_NOTICES_HOOK) < 0 ? -ENOMEM : 0;
}

/* readline's history list (bash links it in): the entry just typed, and its number. */
typedef struct _hist_entry {
	char *line;
	char *timestamp;
	void *data;
} HIST_ENTRY;
extern HIST_ENTRY *history_get(int);
extern int history_base, history_length, history_lines_this_session;

/* last_command: the last history line and $? as PROMPT_COMMAND sees them (bash restores $? for
 * each element it runs, parse.y execute_variable_command). */
static int last_command(void *arg, char *buf, size_t len, long *number, int *status)
{
	(void)arg;
	*status = last_command_exit_value;
	HIST_ENTRY *h = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (!h || !h->line)
		return -ENOENT;
	snprintf(buf, len, "%s", h->line);
	/* history_length stops growing at HISTSIZE; the total count of lines saved this session
	 * keeps counting. */
	*number = (long)history_lines_this_session;
	return 0;
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
		.notices = &notices,
		.prompt_hook = prompt_hook,
		.last_command = last_command,
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
