/* sandbox.c — the zsh module cordon/sandbox (`zmodload cordon/sandbox`): a thin adapter that
 * lends zsh's parameters, output, job table and history options to the shared verbs (verbs.h). */

/* zsh's own headers, the way its in-tree modules see them: -DMODULE makes the setup_/boot_/…
 * names below the plain ones that zsh's module loader looks up with dlsym (Src/module.c, and
 * DYNAMIC_NAME_CLASH_OK in Debian's config.h). */
#include <zsh/zsh.mdh>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/notices.h"
#include "cordon/verbs.h"

/* The module's state: the private control channel to the session process (-1: off), and what
 * the prompt notices keep between prompts. */
static int ctl_fd = -1;
static struct cordon_notices notices;
static bool hook_set;

/* zsh keeps strings "metafied" (bytes >= 0x83 escaped); the verbs see plain bytes. The copy lives
 * on zsh's heap, which the shell frees after the command. */
static const char *getvar(void *arg, const char *name)
{
	(void)arg;
	char *v = getsparam((char *)name);
	return v ? unmetafy(dupstring(v), NULL) : NULL;
}

static int setvar(void *arg, const char *name, const char *value, bool export_it)
{
	(void)arg;
	Param pm = (Param)paramtab->getnode(paramtab, (char *)name);
	if (pm && (pm->node.flags & PM_READONLY))
		return -EPERM;
	if (!value) {
		if (pm)
			unsetparam((char *)name);
		return 0;
	}
	pm = setsparam((char *)name, metafy((char *)value, -1, META_DUP));
	if (!pm)
		return -EINVAL;
	if (export_it && !(pm->node.flags & PM_EXPORTED)) {
		/* As `export NAME` does (Src/builtin.c typeset_single): flag, then environ. */
		pm->node.flags |= PM_EXPORTED;
		export_param(pm);
	}
	return 0;
}

/* `( sandbox on )`, `$(sandbox on)`, `sandbox on | cat` and `{ sandbox on } &` run in a forked
 * copy of the shell: $$ (mypid) stays the parent's, ZSH_SUBSHELL counts the depth. */
static int not_toplevel(void *arg, char *why, size_t len)
{
	(void)arg;
	if (getpid() != (pid_t)mypid) {
		snprintf(why, len, "this is a forked copy of the shell (pid %ld, $$ is %ld)",
			 (long)getpid(), (long)mypid);
		return 1;
	}
	if (zsh_subshell > 0) {
		snprintf(why, len, "ZSH_SUBSHELL is %ld", (long)zsh_subshell);
		return 1;
	}
	return 0;
}

/* has_live_process: does job j hold a process that is running or stopped? A job entry without
 * one is the shell's own bookkeeping of a command it runs itself: `time sandbox on` makes an
 * entry to time the builtin (no process, process group 0), which is not a job to refuse. */
static bool has_live_process(const struct job *j)
{
	const struct process *lists[] = {j->procs, j->auxprocs};
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		for (const struct process *p = lists[k]; p; p = p->next)
			if (p->pid > 0 && (p->status == SP_RUNNING || WIFSTOPPED(p->status)))
				return true;
	return false;
}

/* Running or stopped jobs in zsh's job table (what $jobstates shows) that hold a live process,
 * the current job — the one running this builtin — excepted. */
static int live_jobs(void *arg, char *what, size_t len)
{
	(void)arg;
	int n = 0;
	size_t o = strlen(what);
	for (int i = 1; jobtab && i <= maxjob; i++) {
		const struct job *j = &jobtab[i];
		if (i == thisjob || !(j->stat & STAT_INUSE) || (j->stat & STAT_DONE) ||
		    !has_live_process(j))
			continue;
		n++;
		if (o < len) {
			int w = snprintf(what + o, len - o, "  [%d] %s (process group %ld)\n", i,
					 (j->stat & STAT_STOPPED) ? "stopped" : "running",
					 (long)j->gleader);
			o += w > 0 ? (size_t)w : 0;
		}
	}
	return n;
}

/* History writes must go to HISTFILE itself: append instead of rewriting through
 * $HISTFILE.new (HIST_SAVE_BY_COPY), and lock with fcntl on the file instead of creating
 * $HISTFILE.LOCK beside it (HIST_FCNTL_LOCK) — see zshoptions(1), "History". */
static void history_append(void *arg)
{
	(void)arg;
	dosetopt(APPENDHISTORY, 1, 0, opts);
	dosetopt(HISTSAVEBYCOPY, 0, 0, opts);
	dosetopt(HISTFCNTLLOCK, 1, 0, opts);
}

/* Ctrl-C while a verb waits (`sandbox log -f`): zsh's SIGINT handler sets ERRFLAG_INT in
 * errflag, which zsh acts on (back to the prompt) once the builtin returns. */
static int interrupted(void *arg)
{
	(void)arg;
	return (errflag & ERRFLAG_INT) != 0;
}

static int is_interactive(void *arg)
{
	(void)arg;
	return interact;
}

static int run_verbs(int argc, char **argv);

/* before_prompt: zsh calls the module's pre-prompt functions after precmd and every function in
 * precmd_functions (Src/utils.c preprompt), so the notices come last whatever the person does
 * with their hooks, and no shell variable holds this one. */
static void before_prompt(void)
{
	char *argv[] = {"notices", NULL};
	(void)run_verbs(1, argv);
}

static int prompt_hook(void *arg)
{
	(void)arg;
	if (!hook_set)
		addprepromptfn(before_prompt);
	hook_set = true;
	return 0;
}

/* last_command: the newest history entry and $? as the pre-prompt functions see them (zsh has
 * restored lastval after the precmd hooks). Before a prompt the newest entry (hist_ring) is the
 * empty one of the line about to be read; the command that just ended is the one above it. */
static int last_command(void *arg, char *buf, size_t len, long *number, int *status)
{
	(void)arg;
	Histent h = hist_ring;
	*status = (int)lastval;
	if (h && (!h->node.nam || !h->node.nam[0]))
		h = h->up != hist_ring ? h->up : NULL;
	if (!h || !h->node.nam)
		return -ENOENT;
	snprintf(buf, len, "%s", unmetafy(dupstring(h->node.nam), NULL));
	*number = (long)h->histnum;
	return 0;
}

static int bin_sandbox(char *nam, char **args, Options ops, int func)
{
	(void)nam;
	(void)ops;
	(void)func;
	int argc = 0;
	while (args[argc])
		argc++;
	char **argv = (char **)zhalloc((argc + 1) * sizeof(char *));
	for (int i = 0; i < argc; i++)
		argv[i] = unmetafy(dupstring(args[i]), NULL);
	argv[argc] = NULL;
	return run_verbs(argc, argv);
}

static int run_verbs(int argc, char **argv)
{
	const struct cordon_shell sh = {
	    .arg = NULL,
	    .name = "zsh",
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
	if (r == CORDON_VERB_EXIT)
		zexit(r, ZEXIT_NORMAL); /* as `exit 125`: EXIT trap, zshexit hooks */
	return r;
}

/* No option parsing by zsh (optstr NULL): the verbs parse their own words, as in bash. */
static struct builtin bintab[] = {
    BUILTIN("sandbox", 0, bin_sandbox, 0, -1, 0, NULL, NULL),
};

static struct features module_features = {
    bintab, sizeof(bintab) / sizeof(*bintab), NULL, 0, NULL, 0, NULL, 0, 0,
};

/* After `sandbox on` this module holds the control channel: unloading it (or disabling the
 * builtin) would leave the shell confined with no way to change its allowlist. */
static int refuse_if_on(const char *what)
{
	if (ctl_fd < 0)
		return 0;
	char *id = getsparam("CORDON_SESSION");
	fprintf(stderr,
		"sandbox: cannot %s cordon/sandbox: the sandbox is on in this shell%s%s%s and the "
		"module holds its control channel; `exit` leaves the sandbox\n",
		what, id ? " (session " : "", id ? id : "", id ? ")" : "");
	fflush(stderr);
	return 1;
}

int setup_(Module m)
{
	(void)m;
	return 0;
}

int features_(Module m, char ***features)
{
	*features = featuresarray(m, &module_features);
	return 0;
}

int enables_(Module m, int **enables)
{
	if (enables && *enables && !(*enables)[0] && refuse_if_on("disable the builtin of"))
		return 1;
	return handlefeatures(m, &module_features, enables);
}

int boot_(Module m)
{
	(void)m;
	return 0;
}

int cleanup_(Module m)
{
	if (refuse_if_on("unload"))
		return 1;
	if (hook_set)
		delprepromptfn(before_prompt);
	hook_set = false;
	return setfeatureenables(m, &module_features, NULL);
}

int finish_(Module m)
{
	(void)m;
	return 0;
}
