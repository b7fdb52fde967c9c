/* verbs.c — the `sandbox` verbs (verbs.h) for every shell adapter: the help, the dispatch of a
 * verb to its file (verb_*.c) and the adapter's output; what they share is in verbs_int.h. */
#include "cordon/verbs.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "verbs_int.h"

const char cordon_verbs_synopsis[] =
    "sandbox on|status|allow-host|deny-host|hosts|log|check|policy [ARGS]";

const char *const cordon_verbs_help[] = {
    "Confine this shell: writes only where the policy says, network only to named hosts.",
    "",
    "Verbs:",
    "  on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... [--lock] [--strict]",
    "                       confine this shell now and for good (there is no `off`;",
    "                       `exit` leaves); refused in a subshell, pipeline or $(...),",
    "                       with stray directory/socket/write fds, or with live jobs",
    "  status [--json]      on/off, session id, each layer in force and any missing",
    "  allow-host HOST[:PORT]...",
    "                       add hosts to the live allowlist (next connection sees it)",
    "  deny-host HOST...    add hosts to the denylist (deny wins over allow)",
    "  hosts [--json]       the effective allow and deny lists",
    "  log [--json] [-f]    violations: denied hosts (time, host, port, pid), denied writes;",
    "                       -f (--follow): then print new ones as they happen (with --json",
    "                       one object per line), until Ctrl-C or the session ends",
    "  check [--json]       what this kernel supports; never changes anything",
    "  policy [--json]      the effective merged policy",
    "  help, --help         this text",
    "",
    "HOST is a name (example.com), *.example.com (strict subdomains), an IP literal",
    "(127.0.0.1, [::1]), each optionally with :PORT.",
    "With --lock (or \"lockPolicy\": true) allow-host only files a request; a person grants",
    "it from an unconfined terminal: cordon approve SESSION HOST.",
    "After `sandbox on`, $CORDON_PROMPT is \"[cordon] \", for a prompt such as",
    "PS1='${CORDON_PROMPT}\\u@\\h:\\w\\$ '.",
    "",
    "Exit Status:",
    "0 on success, 1 when a verb fails or refuses, 2 for a bad verb or option.",
    NULL,
};

static const char usage_text[] =
    "usage: sandbox on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... "
    "[--lock] [--strict]\n"
    "       sandbox status|hosts|check|policy [--json]\n"
    "       sandbox log [--json] [-f]\n"
    "       sandbox allow-host HOST[:PORT]... | deny-host HOST...\n"
    "       sandbox --help\n";

void verbs_say(const struct cordon_shell *sh, int to_err, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(to_err ? sh->err : sh->out)(sh->arg, buf);
}

int verbs_usage(const struct cordon_shell *sh, const char *fmt, const char *what)
{
	char msg[1200];
	snprintf(msg, sizeof(msg), fmt, what);
	ERR("%s\n", msg);
	sh->err(sh->arg, usage_text);
	return CORDON_VERB_USAGE;
}

/* --json for every reading verb; -f/--follow for `log` only (follow may be NULL). */
static int parse_json_flag(const struct cordon_shell *sh, const char *verb, int argc,
			   char *const *argv, bool *json, bool *follow)
{
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (follow && (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")))
			*follow = true;
		else
			return verbs_usage(sh, verb[0] ? "unknown option \"%s\"" : "%s", argv[i]);
	}
	return 0;
}

/* A forked copy of the confined shell (a subshell, `$(...)`) had its control fd closed at fork
 * (cordon_confine_in_place), and its number may since name some other file: only a socket is the
 * channel. */
static bool forget_lost_channel(int *ctl_fd)
{
	struct stat st;

	if (*ctl_fd < 0 || (fstat(*ctl_fd, &st) == 0 && S_ISSOCK(st.st_mode)))
		return false;
	*ctl_fd = -1;
	return true;
}

static int verbs_dispatch(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	bool lost = forget_lost_channel(ctl_fd);
	if (argc < 1)
		return verbs_usage(sh, "%s", "a verb is needed");
	const char *v = argv[0];
	bool json;
	/* `log` reads the session's log file instead (verb_log_file), so `sandbox log | less`
	 * works. */
	bool log_file = !strcmp(v, "log") && verbs_file_log_path(-1);
	if (lost && !log_file && strcmp(v, "on") && strcmp(v, "check") && strcmp(v, "--help") &&
	    strcmp(v, "-h") && strcmp(v, "help")) {
		ERR("%s: this is a forked copy of the confined shell (a subshell, pipeline element "
		    "or "
		    "$(...)), which holds no control channel; run `sandbox %s` in the shell itself "
		    "(e.g. `sandbox %s > FILE`)\n",
		    v, v, v);
		return CORDON_VERB_FAIL;
	}
	if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
		OUT("%s\n\n", cordon_verbs_synopsis);
		for (size_t i = 0; cordon_verbs_help[i]; i++)
			OUT("%s\n", cordon_verbs_help[i]);
		return CORDON_VERB_OK;
	}
	if (!strcmp(v, "on"))
		return verbs_on(sh, ctl_fd, argc, argv);
	if (!strcmp(v, "allow-host") || !strcmp(v, "deny-host"))
		return verbs_hostchange(sh, *ctl_fd, argc, argv);
	if (strcmp(v, "status") && strcmp(v, "hosts") && strcmp(v, "log") && strcmp(v, "check") &&
	    strcmp(v, "policy"))
		return verbs_usage(sh, "unknown verb \"%s\"", v);
	bool follow = false;
	int r = parse_json_flag(sh, v, argc, argv, &json, strcmp(v, "log") ? NULL : &follow);
	if (r)
		return r;
	if (follow)
		return verbs_log_follow(sh, *ctl_fd, json);
	if (!strcmp(v, "status"))
		return verbs_status(sh, *ctl_fd, json);
	if (!strcmp(v, "hosts"))
		return verbs_hosts(sh, *ctl_fd, json);
	if (!strcmp(v, "log"))
		return verbs_log(sh, *ctl_fd, json);
	if (!strcmp(v, "check"))
		return verbs_check(sh, json,
				   *ctl_fd >= 0 || lost || sh->getvar(sh->arg, "CORDON_SESSION"));
	return verbs_policy(sh, *ctl_fd, json);
}

void cordon_verbs_stdout(void *arg, const char *text)
{
	(void)arg;
	fputs(text, stdout);
	fflush(stdout);
}

void cordon_verbs_stderr(void *arg, const char *text)
{
	(void)arg;
	fputs(text, stderr);
	fflush(stderr);
}

/* SIGCHLD stays blocked while a verb runs: the shell's own handler reaps with waitpid(-1), and
 * would otherwise take the children the verbs wait for (the kernel probe's, the session's
 * intermediate), so a probe answered "no" at random and `sandbox on` left a layer out. The
 * shell handles the pending signal, for its own jobs, once the mask is restored (signal(7)). */
int cordon_verbs_main(const struct cordon_shell *sh, int *ctl_fd, int argc, char *const *argv)
{
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	bool blocked = sigprocmask(SIG_BLOCK, &chld, &old) == 0;
	int r = verbs_dispatch(sh, ctl_fd, argc, argv);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
