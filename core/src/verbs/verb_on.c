/* verb_on.c — `sandbox on`: the policy for this shell, the session process, the confinement of
 * the shell in place, then its environment and the line that says what is in force. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cordon/confine.h"
#include "cordon/control.h"
#include "cordon/env.h"
#include "cordon/git_env.h"
#include "cordon/layers.h"
#include "cordon/mounts.h"
#include "cordon/notices.h"
#include "cordon/policy_build.h"
#include "cordon/session.h"

#include "verbs_int.h"

#define CTL_FD_MIN 100 /* keep the control fd clear of the low numbers people redirect */

static void userns_id(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/ns/user", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* is_program: a regular file this process may execute (a directory passes access(X_OK)), owned
 * by root or by this user, so another user cannot plant the ProxyCommand in a shared directory. */
static bool is_program(const char *path)
{
	struct stat st;

	return access(path, X_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == geteuid());
}

/* found_at: is DIR/REL a program (is_program)? Then its real path goes to out (PATH_MAX). */
static bool found_at(const char *dir, const char *rel, char *out)
{
	char cand[PATH_MAX];
	int n = snprintf(cand, sizeof(cand), "%s/%s", dir, rel);

	return n > 0 && (size_t)n < sizeof(cand) && is_program(cand) && realpath(cand, out);
}

/* The cordon binary (ssh ProxyCommand): DIR/cordon or DIR/bin/cordon for the directory of this
 * object and up to three of its ancestors, which covers the build tree (build/bash-builtin,
 * build/zsh-module/cordon) and `make install` (PREFIX/lib/bash, PREFIX/lib/zsh/cordon beside
 * PREFIX/bin); else the first on PATH; else the bare name "cordon". */
static void find_self_exe(char *out, size_t len)
{
	Dl_info info;
	char cand[PATH_MAX];
	snprintf(out, len, "cordon");
	if (dladdr((void *)cordon_verbs_main, &info) && info.dli_fname &&
	    strchr(info.dli_fname, '/')) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof(dir), "%s", info.dli_fname);
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(dir, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (found_at(dir, "cordon", out) || found_at(dir, "bin/cordon", out))
				return;
		}
	}
	const char *path = getenv("PATH");
	if (!path)
		return;
	char *copy = strdup(path), *save = NULL;
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(cand, sizeof(cand), "%s/cordon", d);
		if (d[0] == '/' && is_program(cand) && strlen(cand) < len) {
			snprintf(out, len, "%s", cand);
			break;
		}
	}
	free(copy);
}

/* parse_on: the words after `on`: the policy flags (cordon_policy_flag, shared with the cordon
 * binary) and --no-exit (*no_exit: a failure returns 1 even in a non-interactive shell). */
static int parse_on(const struct cordon_shell *sh, int argc, char *const *argv,
		    struct cordon_policy_request *rq, bool *no_exit)
{
	for (int i = 1; i < argc; i++) {
		struct cordon_error e = {{0}};
		if (strcmp(argv[i], "--no-exit") == 0) {
			*no_exit = true;
			continue;
		}
		int r = cordon_policy_flag(rq, argc, argv, &i, &e);
		if (r < 0)
			return verbs_usage(sh, "on: %s", e.msg);
		if (r == 0)
			return verbs_usage(sh, "on: unknown option \"%s\"", argv[i]);
	}
	return 0;
}

/* History keeps working (issue 3): HISTFILE itself becomes writable as a single file, and the
 * shell appends to it instead of rewriting it through a temporary file in its directory. A
 * HISTFILE that is one of the mandatory write-denies (or a symlink to one) is not opened up:
 * history then goes to a private file in the session's /tmp instead. */
static void plan_history(const struct cordon_shell *sh, struct cordon_policy *p, const char *home,
			 const char *cwd, char *note, size_t len, char *redirect, size_t rlen)
{
	const char *hf = sh->getvar(sh->arg, "HISTFILE");
	char abs[PATH_MAX], real[PATH_MAX];
	struct cordon_error e;
	note[0] = redirect[0] = '\0';
	if (!hf || !hf[0])
		return;
	int w = hf[0] == '/' ? snprintf(abs, sizeof(abs), "%s", hf)
			     : snprintf(abs, sizeof(abs), "%s/%s", cwd, hf);
	if (w < 0 || (size_t)w >= sizeof(abs))
		return;
	const char *target = realpath(abs, real) ? real : abs;
	if (verbs_writable_by_policy(p, target)) {
		snprintf(note, len, "history: HISTFILE (%s) is inside a writable tree", hf);
		return;
	}
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	const char *const *deny = cordon_mandatory_denies(p);
	for (size_t i = 0; deny && deny[i]; i++) {
		if (strcmp(base, deny[i]) == 0) {
			snprintf(redirect, rlen, "/tmp/cordon-history");
			snprintf(
			    note, len,
			    "history: HISTFILE (%s) is a protected file; history now goes to the "
			    "private %s",
			    hf, redirect);
			return;
		}
	}
	if (cordon_policy_add_path(&p->allow_write, target, home, cwd, &e) < 0) {
		snprintf(redirect, rlen, "/tmp/cordon-history");
		snprintf(note, len, "history: %s; history now goes to the private %s", e.msg,
			 redirect);
		return;
	}
	snprintf(note, len, "history: HISTFILE (%s) stays writable; the shell appends to it", hf);
}

static void layers_json(const struct cordon_layers_report *r, char *buf, size_t len)
{
	snprintf(buf, len,
		 "{\"userns\":%s,\"mountns\":%s,\"netns\":%s,\"caps_dropped\":%s,\"nnp\":%s,"
		 "\"landlock\":%s,\"landlock_abi\":%d,\"seccomp\":%s,\"guard\":%s,\"capture\":%s}",
		 r->userns ? "true" : "false", r->mountns ? "true" : "false",
		 r->netns ? "true" : "false", r->caps_dropped ? "true" : "false",
		 r->nnp ? "true" : "false", r->landlock ? "true" : "false", r->landlock_abi,
		 r->seccomp ? "true" : "false", r->guard ? "true" : "false",
		 r->capture ? "true" : "false");
}

static int apply_env(const struct cordon_shell *sh, const struct cordon_env *env)
{
	int bad = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (env->v[i].if_unset && sh->getvar(sh->arg, env->v[i].name))
			continue; /* a default; the person's value wins */
		int r = sh->setvar(sh->arg, env->v[i].name, env->v[i].value, true);
		if (r < 0) {
			ERR("cannot %s %s: %s\n", env->v[i].value ? "export" : "unset",
			    env->v[i].name, strerror(-r));
			bad++;
		}
	}
	return bad;
}

/* verb_on_request: `sandbox on` for the parsed request a (flags: any was given). */
static int verb_on_request(const struct cordon_shell *sh, int *ctl_fd,
			   const struct cordon_policy_request *a, bool flags)
{
	int r;
	if (*ctl_fd >= 0 || verbs_self_confined()) {
		const char *id = sh->getvar(sh->arg, "CORDON_SESSION");
		ERR("already on%s%s%s; nothing changed\n", id ? " (session " : "", id ? id : "",
		    id ? ")" : "");
		return flags ? CORDON_VERB_FAIL : CORDON_VERB_OK;
	}

	/* Refusals: each would leave something unconfined that the person thinks is confined. */
	char why[4096] = "";
	if (sh->not_toplevel(sh->arg, why, sizeof(why))) {
		ERR("on: refused: %s; `sandbox on` must run in the shell itself, not in a "
		    "subshell, "
		    "pipeline or $(...): nothing changed\n",
		    why);
		return CORDON_VERB_FAIL;
	}
	char list[8192] = "";
	int n = verbs_scan_children(list, sizeof(list));
	if (sh->live_jobs) {
		char jobs[4096] = "";
		if (sh->live_jobs(sh->arg, jobs, sizeof(jobs)) > 0 && n == 0)
			verbs_append(list, sizeof(list), "%s", jobs), n = 1;
	}
	if (n > 0) {
		ERR("on: refused: background jobs or coprocs are alive and would stay unconfined:\n"
		    "%s  end them first (`jobs -l`, `kill %%N`, `wait`); nothing changed\n",
		    list);
		return CORDON_VERB_FAIL;
	}

	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd))) {
		ERR("on: cannot read the current directory: %s\n", strerror(errno));
		return CORDON_VERB_FAIL;
	}
	struct cordon_policy p;
	struct cordon_error e = {{0}};
	memset(&p, 0, sizeof(p));
	r = cordon_policy_build(&p, a, cwd, &e);
	if (r < 0) {
		ERR("on: %s; nothing changed\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	int suggest;
	list[0] = '\0';
	n = verbs_scan_fds(&p, list, sizeof(list), &suggest);
	if (n == 0)
		n = cordon_fds_precheck(&p, NULL, 0, list, sizeof(list));
	if (n > 0) {
		ERR("on: refused: open file descriptors would reach outside the sandbox:\n%s"
		    "  close them first, e.g. `exec %d>&-`; nothing changed\n",
		    list, suggest >= 0 ? suggest : 9);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	char hist_note[PATH_MAX + 256], hist_redirect[PATH_MAX];
	plan_history(sh, &p, sh->getvar(sh->arg, "HOME"), cwd, hist_note, sizeof(hist_note),
		     hist_redirect, sizeof(hist_redirect));
	if (!hist_redirect[0] && strstr(hist_note, "stays writable")) {
		/* The bind mount of a single file needs the file to exist. */
		const char *hf = sh->getvar(sh->arg, "HISTFILE");
		int hfd = open(hf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (hfd >= 0)
			close(hfd);
	}

	/* Start the session process: nothing in this shell changes yet. */
	struct cordon_session *s = NULL;
	r = cordon_session_start(&p, &s, &e);
	if (r < 0) {
		ERR("on: %s; nothing changed\n", e.msg);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	/* Write fds to files the session pins read-only (known only now, from its guard set):
	 * refused here, while nothing has changed, rather than after joining. */
	list[0] = '\0';
	n = cordon_fds_precheck_session(&p, s, NULL, 0, list, sizeof(list));
	if (n > 0) {
		ERR("on: refused: open file descriptors would reach outside the sandbox:\n%s"
		    "  close them first, e.g. `exec N>&-`; nothing changed\n",
		    list);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	const struct cordon_session_info *si = cordon_session_get_info(s);
	char self_exe[PATH_MAX];
	find_self_exe(self_exe, sizeof(self_exe));
	struct cordon_env env = {0};
	r = cordon_env_build(si, self_exe, &env, &e);
	if (r == 0)
		r = cordon_env_add_cache_defaults(&env, &p, sh->getvar(sh->arg, "HOME"), &e);
	if (r == 0)
		r = cordon_env_git(&env, &p, si, self_exe, &e); /* git_env.h */
	int ctl = r < 0 ? -1 : fcntl(cordon_session_ctl_fd(s), F_DUPFD_CLOEXEC, CTL_FD_MIN);
	if (r < 0 || ctl < 0) {
		ERR("on: %s; nothing changed\n", r < 0 ? e.msg : strerror(errno));
		cordon_env_free(&env);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	/* Confine this process. The first irreversible step (NNP, then setns) is inside; tell
	 * afterwards whether anything changed by comparing the user namespace. */
	char ns_before[64], ns_after[64];
	userns_id(ns_before, sizeof(ns_before));
	struct cordon_layers_report rep;
	memset(&rep, 0, sizeof(rep));
	r = cordon_confine_in_place(&p, s, cwd, ctl, &rep, &e);
	userns_id(ns_after, sizeof(ns_after));
	if (r < 0 && strcmp(ns_before, ns_after) == 0 && !verbs_self_confined()) {
		ERR("on: %s; nothing changed\n", e.msg);
		close(ctl);
		cordon_env_free(&env);
		cordon_session_free(s);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}
	*ctl_fd = ctl;
	char id[sizeof(si->id)], notes[sizeof(si->notes)];
	snprintf(id, sizeof(id), "%s", si->id);
	snprintf(notes, sizeof(notes), "%s", si->notes);
	/* The session must outlive the control fd when this shell execs its last command in place
	 * (`bash -c '...; make'` closes the close-on-exec fd). Without it the session just ends
	 * earlier: fail closed, so a warning is enough. */
	struct cordon_error fe = {{0}};
	if (r == 0 && cordon_session_follow_caller(s, &fe) < 0)
		ERR("warning: %s; a command this shell execs in place will have no network\n",
		    fe.msg);
	cordon_session_free(s); /* the session lives on through ctl */
	if (r < 0) {
		/* Past the point of no return: the shell stays in the session (its network is the
		 * proxy, its writes are confined as far as the layers went). */
		ERR("on: FAILED after confinement began: %s\n", e.msg);
		ERR("this shell is now partly confined and cannot be trusted as either; exit it\n");
		apply_env(sh, &env);
		cordon_env_free(&env);
		cordon_policy_free(&p);
		return CORDON_VERB_FAIL;
	}

	char lj[512];
	layers_json(&rep, lj, sizeof(lj));
	char *words[] = {"layers", lj, NULL}, *reply = NULL;
	struct cordon_error ce = {{0}};
	if (cordon_control_call(ctl, words, -1, &reply, &ce) < 0)
		ERR("warning: could not record the layer report: %s\n", ce.msg);
	free(reply);

	int bad = apply_env(sh, &env);
	cordon_env_free(&env);
	sh->setvar(sh->arg, CORDON_PROMPT_VAR, CORDON_PROMPT_TEXT, true);
	if (hist_redirect[0])
		sh->setvar(sh->arg, "HISTFILE", hist_redirect, false);
	if (hist_note[0] && sh->history_append)
		sh->history_append(sh->arg);
	(void)cordon_notices_start(sh, p.lock_policy);

	ERR("on (session %s)%s; writes: current directory%s%s; network: %zu host%s allowed%s%s\n",
	    id, p.lock_policy ? ", policy locked" : "", p.allow_write.n > 1 ? " and " : "",
	    p.allow_write.n > 1 ? "others (sandbox policy)" : "", p.allow_hosts.n,
	    p.allow_hosts.n == 1 ? "" : "s", p.repo_config ? "; repository config: " : "",
	    p.repo_config ? p.repo_config : "");
	if (hist_note[0])
		ERR("%s\n", hist_note);
	if (notes[0])
		ERR("note: %s\n", notes);
	if (rep.missing[0])
		ERR("warning: layers not in force: %s (see `sandbox status`)\n", rep.missing);
	char pm[PATH_MAX + 256];
	if (cordon_env_check_proxy_command(self_exe, pm, sizeof(pm)) < 0)
		ERR("warning: %s\n", pm);
	if (bad)
		ERR("warning: %d variable%s could not be set (see above)\n", bad,
		    bad == 1 ? "" : "s");
	cordon_policy_free(&p);
	return CORDON_VERB_OK;
}

/* verbs_on: `sandbox on`. A non-interactive shell (a script) that asked to be confined and was
 * not must not go on running unconfined: it ends with CORDON_VERB_EXIT unless --no-exit. */
int verbs_on(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	struct cordon_policy_request a = {0};
	bool no_exit = false;
	int r = parse_on(sh, argc, argv, &a, &no_exit);
	if (r) {
		cordon_policy_request_free(&a);
		return r;
	}
	bool flags = a.config || a.n_allow_write || a.n_allow_host || a.lock || a.strict ||
		     a.n_allow_bind || a.n_expose;
	bool was_on = *ctl_fd >= 0 || verbs_self_confined();
	r = verb_on_request(sh, ctl_fd, &a, flags);
	cordon_policy_request_free(&a);
	if (r == CORDON_VERB_FAIL && !was_on && !no_exit && sh->interactive &&
	    !sh->interactive(sh->arg)) {
		ERR("on: this non-interactive shell ends now with status %d, so that it does not "
		    "go "
		    "on unconfined (`sandbox on --no-exit` returns 1 instead)\n",
		    CORDON_VERB_EXIT);
		return CORDON_VERB_EXIT;
	}
	return r;
}
