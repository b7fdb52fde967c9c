/* cmd_log.c — `cordon log [--json] [SESSION|FILE]`: print the violation log (vlog.h) of the
 * session in $CORDON_SESSION, of session SESSION, or of the log file FILE: JSON lines with --json,
 * else one readable line each. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cordon/vlog.h"

static const char usage[] =
    "usage: cordon log [--json] [SESSION|FILE]\n"
    "  denied requests of the session in $CORDON_SESSION, of session SESSION (the id that\n"
    "  `sandbox status` shows), or of log FILE; outside a session: of the latest session\n"
    "  that logged one\n";

static int print_json(const struct cordon_vlog_entry *v, void *arg)
{
	static char line[CORDON_VLOG_LINE_MAX];

	(void)arg;
	if (cordon_vlog_format(v, line, sizeof(line)) > 0)
		fputs(line, stdout);
	return 0;
}

static int print_text(const struct cordon_vlog_entry *v, void *arg)
{
	char line[PATH_MAX + 1024];

	(void)arg;
	cordon_vlog_text(v, line, sizeof(line));
	puts(line);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	struct cordon_error e = {{0}};
	const char *file = NULL, *id;
	char path[4096];
	bool json = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
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
				return 0;
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
