/* verbs.c — the `sandbox` verbs (verbs.h) for every shell adapter: the help, the dispatch of a
 * verb to its file (verb_*.c) and the adapter's output; what they share is in verbs_int.h. */
#include "cordon/verbs.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cordon/notices.h"
#include "git/git_verb.h"
#include "verbs_dev.h"
#include "verbs_int.h"

const char cordon_verbs_synopsis[] =
    "sandbox on|status|allow-host|deny-host|hosts|log|check|policy|git|notify|expose|allow-bind "
    "[ARGS]";

const char *const cordon_verbs_help[] = {
    "Confine this shell: writes only where the policy says, network only to named hosts.",
    "",
    "Verbs:",
    "  on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... [--lock] [--strict]",
    "     [--allow-bind PORT]... [--expose PORT[:HOSTPORT]]... [--no-exit]",
    "                       confine this shell now and for good (there is no `off`;",
    "                       `exit` leaves); refused in a subshell, pipeline or $(...),",
    "                       with stray directory/socket/write fds, or with live jobs;",
    "                       a non-interactive shell (a script) that cannot be confined",
    "                       ends with status 125 unless --no-exit",
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
    "  git [--json]         git with credentials outside: remotes relayed, refs a push may",
    "                       update, SSH hosts and keys, signing key, recent pushes",
    "  notify on|off|status after each command, before the prompt, say what the sandbox",
    "                       refused and what to do (on after `sandbox on`); `notices` is",
    "                       what the prompt hook runs",
    "  expose PORT [HOSTPORT]",
    "                       reach a server listening on PORT inside from 127.0.0.1:HOSTPORT",
    "                       (default PORT) on the host; unexpose HOSTPORT; exposed lists them",
    "  allow-bind PORT      say whether PORT may be bound (fixed at start: --allow-bind PORT)",
    "  help, --help         this text",
    "",
    "HOST is a name (example.com), *.example.com (strict subdomains), an IP literal",
    "(127.0.0.1, [::1]), each optionally with :PORT.",
    "With --lock (or \"lockPolicy\": true) allow-host only files a request; a person grants",
    "it from an unconfined terminal: cordon approve SESSION HOST.",
    "After `sandbox on`, $CORDON_PROMPT is \"[cordon] \", and the next prompt shows it: PS1",
    "(zsh: PROMPT) gets it in front once, unless PS1 names CORDON_PROMPT already or",
    "CORDON_PROMPT_MANUAL is set (then place it yourself: PS1='${CORDON_PROMPT}\\w\\$ ').",
    "",
    "When something is refused (the prompt notices say which):",
    "  host not on the allowlist   sandbox allow-host HOST (locked: cordon approve outside)",
    "  write refused ./.git        git init at the root of a writable tree: run it before",
    "                              sandbox on, outside, or in a subdirectory",
    "  git identity, ~/.gitconfig  read-only inside: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and",
    "                              GIT_COMMITTER_NAME/GIT_COMMITTER_EMAIL, git -c user.email=,",
    "                              or GIT_CONFIG_GLOBAL=FILE in an --allow-write directory",
    "  npm, pip caches             npm_config_cache and PIP_CACHE_DIR point into the private",
    "                              /tmp unless set (so nothing lands in the project)",
    "  sudo, su                    no_new_privs: nothing gains privileges; run it outside",
    "",
    "Exit Status:",
    "0 on success, 1 when a verb fails or refuses, 2 for a bad verb or option; a script",
    "whose `sandbox on` failed ends with 125.",
    NULL,
};

static const char usage_text[] =
    "usage: sandbox on [--config FILE] [--allow-write PATH]... [--allow-host HOST]... "
    "[--lock] [--strict]\n"
    "                 [--allow-bind PORT]... [--expose PORT[:HOSTPORT]]... [--no-exit]\n"
    "       sandbox status|hosts|check|policy|git [--json]\n"
    "       sandbox log [--json] [-f]\n"
    "       sandbox allow-host HOST[:PORT]... | deny-host HOST...\n"
    "       sandbox notify [on|off|status] | notices\n"
    "       sandbox expose PORT [HOSTPORT] | unexpose HOSTPORT | exposed | allow-bind PORT\n"
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
	/* The prompt hook runs in the shell itself; a forked copy has nothing to tell. */
	if (!strcmp(v, "notices") || !strcmp(v, "notify"))
		return cordon_notices_verb(sh, *ctl_fd, argc, argv);
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
	if (verbs_dev_is(v)) /* dev servers: verbs_dev.c */
		return verbs_dev_main(sh, *ctl_fd, argc, argv);
	if (strcmp(v, "status") && strcmp(v, "hosts") && strcmp(v, "log") && strcmp(v, "check") &&
	    strcmp(v, "policy") && strcmp(v, "git"))
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
	if (!strcmp(v, "git")) /* git_verb.c */
		return cordon_git_verb(sh, *ctl_fd, json);
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
