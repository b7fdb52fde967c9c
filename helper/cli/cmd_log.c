/* cmd_log.c — `cordon log [--json] [-f] [SESSION|FILE]`: print the violation log (vlog.h) of the
 * session in $CORDON_SESSION, of session SESSION, or of the log file FILE: JSON lines with --json,
 * else one readable line each; with -f, keep printing entries as they are appended. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/vlog.h"

static const char usage[] =
    "usage: cordon log [--json] [-f] [SESSION|FILE]\n"
    "  denied requests of the session in $CORDON_SESSION, of session SESSION (the id that\n"
    "  `sandbox status` shows), or of log FILE; outside a session: of the latest session\n"
    "  that logged one\n"
    "  -f, --follow  then print each new one as it is logged (the log may not exist yet),\n"
    "                until interrupted (Ctrl-C, SIGTERM: ends as tail -f does, by the signal)\n";

/* The signal that asked `log -f` to stop (0: none); the only state, set by the handler. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static int should_stop(void *arg)
{
	(void)arg;
	return stop_signal != 0;
}

static int print_json(const struct cordon_vlog_entry *v, void *arg)
{
	static char line[CORDON_VLOG_LINE_MAX];

	(void)arg;
	if (cordon_vlog_format(v, line, sizeof(line)) > 0)
		fputs(line, stdout);
	fflush(stdout);
	return 0;
}

static int print_text(const struct cordon_vlog_entry *v, void *arg)
{
	char line[PATH_MAX + 1024];

	(void)arg;
	cordon_vlog_text(v, line, sizeof(line));
	puts(line);
	fflush(stdout);
	return 0;
}

/* follow_log: `cordon log -f`. Runs until SIGINT, SIGTERM or SIGHUP; then, like tail -f (which
 * the signal kills), ends by that signal, so a shell reports 128+N (130 for Ctrl-C). The session
 * process is not reachable from here, so its end is not noticed: the log just stops growing. */
static int follow_log(const char *file, bool json)
{
	struct cordon_error e = {{0}};
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll(2) returns EINTR */
	struct cordon_vlog_follow_opts o = {.should_stop = should_stop};
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (access(file, F_OK) != 0 && errno == ENOENT)
		fprintf(stderr, "cordon log: nothing refused yet; waiting for %s\n", file);
	rc = cordon_vlog_follow(file, &o, json ? print_json : print_text, NULL, &e);
	if (rc < 0) {
		fprintf(stderr, "cordon log: %s\n", e.msg);
		return 1;
	}
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
	return 0;
}

int cmd_log(int argc, char **argv)
{
	struct cordon_error e = {{0}};
	const char *file = NULL, *id;
	char path[4096];
	bool json = false, follow = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")) {
			follow = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' || file) {
			fputs(usage, stderr);
			return CORDON_EXIT_USAGE;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		id = getenv("CORDON_SESSION");
		if (!id || !*id) {
			/* Outside a session: the most recent session that logged a refusal. */
			if (cordon_vlog_latest(path, sizeof(path), &e) < 0) {
				fprintf(stderr, "cordon log: %s\n", e.msg);
				return follow ? 1 : 0; /* no session named: nothing to follow */
			}
			id = NULL;
		}
		if (id && (strchr(id, '/') || cordon_vlog_default_path(id, path, sizeof(path), &e) < 0)) {
			fprintf(stderr, "cordon log: %s\n",
				e.msg[0] ? e.msg : "bad $CORDON_SESSION");
			return 1;
		}
		file = path;
	}
	/* An operand without a slash that names no file is a session id (as `cordon approve`
	 * takes one). */
	if (file != path && !strchr(file, '/') && access(file, F_OK) != 0) {
		if (cordon_vlog_default_path(file, path, sizeof(path), &e) < 0) {
			fprintf(stderr, "cordon log: %s\n", e.msg);
			return 1;
		}
		file = path;
	}
	if (follow)
		return follow_log(file, json);
	/* A session's log appears with its first refusal: say so rather than print nothing. */
	if (access(file, F_OK) != 0 && errno == ENOENT) {
		fprintf(stderr, "cordon log: nothing refused yet (%s does not exist)\n", file);
		return 0;
	}
	rc = cordon_vlog_read(file, json ? print_json : print_text, NULL, &e);
	if (rc < 0) {
		fprintf(stderr, "cordon log: %s\n", e.msg);
		return 1;
	}
	return 0;
}
